#!/usr/bin/env bash
# tools/run-tests: runs every test file with Node's test runner (Node 20 has no --test globs), with the
# FX graph cache's disk entries in a fresh temporary directory so a run neither reads nor fills the
# user's cache. That pass compiles on the default CPU backend, the WebAssembly codegen (where WebAssembly
# SIMD exists; tests that compare backends patch config.cpuBackend themselves). Then it runs the seed
# scenarios and the model suites a second time on the JavaScript codegen (COIL_CPU_BACKEND=js). The op
# suite (test/opinfo: inductor:js and inductor:wasm), the fuzzer (same names) and the inductor lowering,
# fusion and codegen tests cover both backends within the first pass. In: extra node --test flags.
# Out: the reports; non-zero on failure.
set -uo pipefail
cd "$(dirname "$0")/.."
cache_dir="$(mktemp -d)"
trap 'rm -rf "$cache_dir"' EXIT
COIL_CACHE_DIR="$cache_dir" node --import tsx --test "$@" $(find test -name '*.test.ts' | sort)
rc=$?
JS_SUITES="test/inductor/custom-post-grad-passes.test.ts test/aot/training.test.ts test/aot/module_zoo.test.ts test/nn/train.test.ts test/bench/workloads.test.ts"
echo "# again on the JavaScript codegen (COIL_CPU_BACKEND=js): $JS_SUITES"
COIL_CPU_BACKEND=js COIL_CACHE_DIR="$cache_dir" node --import tsx --test "$@" $JS_SUITES || rc=$?
exit $rc
