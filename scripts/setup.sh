#!/usr/bin/env bash
# Install whatever is missing to build, serve and test Diffusion Lab. Idempotent: a second run
# checks each tool and installs nothing. Tools are built from crates.io or taken from Debian
# (no prebuilt downloads are possible on this kind of machine).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"

say() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$WASM_BINDGEN_VERSION" ]; then
  say "building wasm-bindgen-cli $WASM_BINDGEN_VERSION (a few minutes)"
  # --locked first; its lock file names a webpki-roots the registry may no longer serve, then
  # fall back to a fresh resolution of the same wasm-bindgen-cli version.
  cargo install wasm-bindgen-cli --locked --version "$WASM_BINDGEN_VERSION" --force \
    || cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
fi

if ! command -v wasm-pack >/dev/null; then
  say "building wasm-pack (a few minutes)"
  cargo install wasm-pack --locked
fi

if [ "$(trunk --version 2>/dev/null | awk '{print $2}')" != "$TRUNK_VERSION" ]; then
  say "building trunk $TRUNK_VERSION (a few minutes)"
  cargo install trunk --locked --version "$TRUNK_VERSION" --force
fi

# Chromium for the browser and page tests; a CJK font so the 中文 page's screenshots are readable.
if ! [ -x /usr/bin/chromium ] || ! [ -x /usr/bin/chromedriver ] || ! [ -d /usr/share/fonts/truetype/wqy ]; then
  say "installing Debian chromium, chromium-driver and fonts-wqy-zenhei"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium chromium-driver fonts-wqy-zenhei >/dev/null
fi

if [ -f package.json ] && { ! [ -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; }; then
  say "installing npm packages"
  npm ci --no-audit --no-fund --loglevel=error
fi

say "tools ready: $(wasm-bindgen --version), $(wasm-pack --version), $(trunk --version), $(chromium --version 2>/dev/null | head -1)"
