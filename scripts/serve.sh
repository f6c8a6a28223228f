#!/usr/bin/env bash
# Set up whatever is missing, build the engine to wasm and serve the page (rebuilds on change).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"
"$ROOT/scripts/setup.sh"
cargo fetch --quiet
PORT="${PORT:-8080}"
echo
echo "Diffusion Lab will be served at:  http://127.0.0.1:$PORT/   (first build takes a few minutes; Ctrl-C stops)"
echo
# --no-autoreload: Trunk's live-reload client is an inline script rewritten at serve time, which the
# page's Content-Security-Policy (scripts/csp.mjs) would block; reload the tab by hand after a change.
exec trunk serve --port "$PORT" --no-autoreload ${TRUNK_RELEASE:+--release}
