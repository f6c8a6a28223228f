#!/usr/bin/env bash
# Benchmarks (numbers, not assertions): native training steps/s, then wasm CPU and WebGPU in
# headless Chromium. Uses the same set-up as the tests.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"
"$ROOT/scripts/setup.sh"
cargo run --quiet --example bench
export WASM_BINDGEN_TEST_TIMEOUT="${WASM_BINDGEN_TEST_TIMEOUT:-900}"
wasm-pack test --headless --chrome -- --test bench_web -- --nocapture 2>&1 | grep -E "BENCH|test result" | sed 's/^.*BENCH/  /'
