#!/usr/bin/env bash
# Set up whatever is missing, then run every test: native (cargo test), browser
# (wasm-pack test --headless --chrome: the JS-facing API, WebGPU and the CPU backend in Chromium),
# Node (the JS API from wasm-pack's nodejs package) and the page (end-to-end in Chromium).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"
START=$SECONDS
"$ROOT/scripts/setup.sh"
# each step's time as a benchmark line (`BENCH time.<step> <s> s`; a fresh machine's in README)
last="" t0=$SECONDS
lap() { [ -z "$last" ] || echo "BENCH time.$last $((SECONDS - t0)) s"; last="${1:-}"; t0=$SECONDS; }
step() { lap "$1"; shift; printf '\n\033[1m== %s\033[0m\n' "$*"; }
echo "BENCH time.setup $((SECONDS - START)) s"
step fetch "cargo fetch"
cargo fetch --quiet

step native "native: cargo test"
cargo test --quiet

step browser "browser: wasm-pack test --headless --chrome (tests/web.rs)"
# SwiftShader's WebGPU compiles shaders slowly: give each browser test generous time.
export WASM_BINDGEN_TEST_TIMEOUT="${WASM_BINDGEN_TEST_TIMEOUT:-600}"
# (with wasm-ld's per-export constructor wrappers: the test runner needs them, see Cargo.toml)
wasm-pack test --headless --chrome -- --test web --features command-exports

step node "node: the JavaScript API (wasm-pack build --target nodejs)"
wasm-pack build --dev --target nodejs --out-dir pkg >/dev/null 2>&1 \
  || wasm-pack build --dev --target nodejs --out-dir pkg
# the mathematics module (no burn) too: the Node tests check it is the engine's surface without burn
BINDGEN_TARGET=nodejs ./scripts/build-wasm.sh pkg-math dev math >/dev/null
node --test tests/node/

step fuzz "fuzz: ${FUZZ_CALLS:-100000} seeded calls over every export (tests/fuzz/run.mjs)"
# valid, boundary, wrong-type and hostile values in child processes with time and memory limits;
# fails on any panic, hang, crash, dead instance, silent NaN/±Infinity or unexplained message
node tests/fuzz/run.mjs --calls "${FUZZ_CALLS:-100000}" --seed "${FUZZ_SEED:-1}"

step page-build "page: trunk build (the two wasm modules), then the page end to end in Chromium"
trunk build --quiet 2>/dev/null || trunk build
lap page
node --test --test-concurrency=1 tests/page/
echo "screenshots: $ROOT/tests/artifacts/"
lap
echo "BENCH time.total $((SECONDS - START)) s"
