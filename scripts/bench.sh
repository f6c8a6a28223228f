#!/usr/bin/env bash
# Benchmarks (numbers, not assertions): native training steps/s, time to the entropy, chain ms/step;
# then the same in headless Chromium (wasm CPU and WebGPU), and burn's deprecated ndarray CPU
# backend in wasm for comparison with flex. Uses the same set-up as the tests.
#   ./scripts/bench.sh            everything
#   ./scripts/bench.sh native     only the native part
#   ./scripts/bench.sh page       only the page: first paint, download sizes, frame time at 10⁴ particles
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"
"$ROOT/scripts/setup.sh"
if [ "${1:-}" = page ]; then
  echo "== the page (trunk build --release, headless Chromium)"
  trunk build --release --dist dist-release
  DIST="$ROOT/dist-release" node tests/page/bench-page.mjs | sed 's/^BENCH/ /'
  exit 0
fi
echo "== native (burn flex CPU)"
cargo run --quiet --example bench
[ "${1:-}" = native ] && exit 0
export WASM_BINDGEN_TEST_TIMEOUT="${WASM_BINDGEN_TEST_TIMEOUT:-1800}"
echo "== headless Chromium: wasm CPU (flex, and ndarray) and WebGPU (SwiftShader)"
wasm-pack test --headless --chrome -- --features ndarray --test bench_web -- --nocapture 2>&1 | grep -E "BENCH|test result|panicked" | sed 's/^.*BENCH/  /'
echo "== the page (trunk build --release, headless Chromium)"
trunk build --release --dist dist-release
DIST="$ROOT/dist-release" node tests/page/bench-page.mjs | sed 's/^BENCH/ /'
