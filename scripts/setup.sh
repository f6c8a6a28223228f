#!/usr/bin/env bash
# Install whatever is missing to build, serve and test Diffusion Lab. Idempotent: a second run
# checks each tool and installs nothing. Tools are built from crates.io or taken from Debian
# (no prebuilt downloads are possible on this kind of machine).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"

say() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }
# what each installation took, as a benchmark line (a fresh machine's minutes in README)
timed() { local name="$1" t=$SECONDS rc=0; shift; "$@" || rc=$?; echo "BENCH setup.$name $((SECONDS - t)) s"; return "$rc"; }

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  timed rust-target rustup target add wasm32-unknown-unknown
fi

# The tools are built with cheap release settings (no LTO, many codegen units, opt-level 1): they
# build in about half the time and only move files around (issue 15 measured it; see README).
cheap() {
  CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=256 CARGO_PROFILE_RELEASE_OPT_LEVEL=1 \
    CARGO_PROFILE_RELEASE_DEBUG=false CARGO_PROFILE_RELEASE_STRIP=true CARGO_PROFILE_RELEASE_INCREMENTAL=false "$@"
}

if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$WASM_BINDGEN_VERSION" ]; then
  say "building wasm-bindgen-cli $WASM_BINDGEN_VERSION (a few minutes)"
  # --locked first; its lock file names a webpki-roots the registry may no longer serve, then
  # fall back to a fresh resolution of the same wasm-bindgen-cli version.
  timed wasm-bindgen-cli cheap cargo install wasm-bindgen-cli --locked --version "$WASM_BINDGEN_VERSION" --force \
    || timed wasm-bindgen-cli cheap cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
fi

if ! command -v wasm-pack >/dev/null; then
  say "building wasm-pack (a few minutes)"
  timed wasm-pack cheap cargo install wasm-pack --locked
fi

if [ "$(trunk --version 2>/dev/null | awk '{print $2}')" != "$TRUNK_VERSION" ]; then
  say "building trunk $TRUNK_VERSION (a few minutes)"
  timed trunk cheap cargo install trunk --locked --version "$TRUNK_VERSION" --force
fi

# Chromium for the browser and page tests; a CJK font so the 中文 page's screenshots are readable;
# binaryen's wasm-opt, which shrinks the release build's wasm modules (scripts/build-wasm.sh).
if ! [ -x /usr/bin/chromium ] || ! [ -x /usr/bin/chromedriver ] || ! [ -d /usr/share/fonts/truetype/wqy ] || ! command -v wasm-opt >/dev/null; then
  say "installing Debian chromium, chromium-driver, fonts-wqy-zenhei and binaryen"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  timed apt-update $SUDO apt-get update -qq
  timed apt-install env DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium chromium-driver fonts-wqy-zenhei binaryen >/dev/null
fi

if [ -f package.json ] && { ! [ -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; }; then
  say "installing npm packages"
  timed npm-ci npm ci --no-audit --no-fund --loglevel=error
fi

say "tools ready: $(wasm-bindgen --version), $(wasm-pack --version), $(trunk --version), wasm-opt $(wasm-opt --version | awk '{print $3}'), $(chromium --version 2>/dev/null | head -1)"
