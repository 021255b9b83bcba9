#!/usr/bin/env bash
# tools/run-tests: runs every test file with Node's test runner (Node 20 has no --test globs), with the
# FX graph cache's disk entries in a fresh temporary directory so a run neither reads nor fills the
# user's cache; then runs the seed scenarios and the model suites a second time with the WebAssembly
# codegen as the default CPU backend (COIL_CPU_BACKEND=wasm). The op suite (test/opinfo) and the fuzzer
# cover both backends within one run. In: extra node --test flags. Out: the reports; non-zero on failure.
set -uo pipefail
cd "$(dirname "$0")/.."
cache_dir="$(mktemp -d)"
trap 'rm -rf "$cache_dir"' EXIT
COIL_CACHE_DIR="$cache_dir" node --import tsx --test "$@" $(find test -name '*.test.ts' | sort)
rc=$?
WASM_SUITES="test/inductor/custom-post-grad-passes.test.ts test/aot/training.test.ts test/aot/module_zoo.test.ts test/nn/train.test.ts test/bench/workloads.test.ts"
echo "# again on the WebAssembly codegen (COIL_CPU_BACKEND=wasm): $WASM_SUITES"
COIL_CPU_BACKEND=wasm COIL_CACHE_DIR="$cache_dir" node --import tsx --test "$@" $WASM_SUITES || rc=$?
exit $rc
