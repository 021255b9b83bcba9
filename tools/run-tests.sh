#!/usr/bin/env bash
# tools/run-tests: runs every test file with Node's test runner (Node 20 has no --test globs), with the
# FX graph cache's disk entries in a fresh temporary directory so a run neither reads nor fills the
# user's cache. In: extra node --test flags. Out: the runner's report and exit code.
set -uo pipefail
cd "$(dirname "$0")/.."
cache_dir="$(mktemp -d)"
trap 'rm -rf "$cache_dir"' EXIT
COIL_CACHE_DIR="$cache_dir" node --import tsx --test "$@" $(find test -name '*.test.ts' | sort)
