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
exec trunk serve --port "$PORT" ${TRUNK_RELEASE:+--release}
