#!/usr/bin/env bash
# Set up whatever is missing, then run every test: native (cargo test), browser
# (wasm-pack test --headless --chrome: the JS-facing API, WebGPU and the CPU backend in Chromium),
# Node (the JS API from wasm-pack's nodejs package) and the page (end-to-end in Chromium).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"
"$ROOT/scripts/setup.sh"

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
cargo fetch --quiet

step "native: cargo test"
cargo test --quiet

step "browser: wasm-pack test --headless --chrome (tests/web.rs)"
# SwiftShader's WebGPU compiles shaders slowly: give each browser test generous time.
export WASM_BINDGEN_TEST_TIMEOUT="${WASM_BINDGEN_TEST_TIMEOUT:-600}"
# (with wasm-ld's per-export constructor wrappers: the test runner needs them, see Cargo.toml)
wasm-pack test --headless --chrome -- --test web --features command-exports

step "node: the JavaScript API (wasm-pack build --target nodejs)"
wasm-pack build --dev --target nodejs --out-dir pkg >/dev/null 2>&1 \
  || wasm-pack build --dev --target nodejs --out-dir pkg
node --test tests/node/

step "fuzz: ${FUZZ_CALLS:-100000} seeded calls over every export (tests/fuzz/run.mjs)"
# valid, boundary, wrong-type and hostile values in child processes with time and memory limits;
# fails on any panic, hang, crash, dead instance, silent NaN/±Infinity or unexplained message
node tests/fuzz/run.mjs --calls "${FUZZ_CALLS:-100000}" --seed "${FUZZ_SEED:-1}"

step "page: trunk build, then the page end to end in Chromium"
trunk build --quiet 2>/dev/null || trunk build
node --test --test-concurrency=1 tests/page/
echo "screenshots: $ROOT/tests/artifacts/"
