#!/usr/bin/env bash
# Build the page's two wasm modules from the one crate (issue 15) into a folder:
#   diffusion-lab-math.js   + _bg.wasm   the mathematics (`--no-default-features`: the f64 core, the
#                                        oracle, the companions, the samplers with the oracle; no burn)
#   diffusion-lab-engine.js + _bg.wasm   everything (the default `engine` feature: burn, WebGPU + CPU)
# The page and the compute worker load the first at once; the training worker loads the second.
#
#   scripts/build-wasm.sh OUT_DIR [dev|release] [both|math|engine]   (default: $TRUNK_PROFILE, else dev; both)
#   BINDGEN_TARGET=nodejs scripts/build-wasm.sh pkg-math dev math        (the Node tests' copy)
#
# Run by Trunk as a post_build hook (Trunk.toml), which passes its staging folder; a release
# build is then shrunk by binaryen's wasm-opt (Debian `binaryen`, scripts/setup.sh). Each module's
# size, raw and gzipped, is printed as a BENCH line.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"

out="${1:-${TRUNK_STAGING_DIR:-}}"
[ -n "$out" ] || { echo "build-wasm.sh: give the output folder" >&2; exit 2; }
profile="${2:-${TRUNK_PROFILE:-debug}}"
case "$profile" in dev|debug) profile=dev; dir=debug; flags=() ;; release) dir=release; flags=(--release) ;;
  *) echo "build-wasm.sh: profile must be dev or release, not $profile" >&2; exit 2 ;; esac
which="${3:-both}"
target="${BINDGEN_TARGET:-web}"
mkdir -p "$out"
wasm="$CARGO_TARGET_DIR/wasm32-unknown-unknown/$dir/diffusion_lab.wasm"

# wasm-opt's optimisation level per module: the mathematics for size (it is on the critical path
# of the first paint's numbers), the engine for speed (training runs in it). Measured in README.
OPT_MATH="${OPT_MATH:--Oz}"
OPT_ENGINE="${OPT_ENGINE:--O3}"
# the features rustc emits for wasm32 (Rust 1.95's defaults, and +simd128 from .cargo/config.toml)
WASM_FEATURES=(--enable-simd --enable-bulk-memory --enable-sign-ext --enable-nontrapping-float-to-int
  --enable-mutable-globals --enable-multivalue --enable-reference-types)

build() { # name, cargo feature flags…
  local name="$1"; shift
  cargo build --quiet --lib --target wasm32-unknown-unknown "${flags[@]}" "$@"
  wasm-bindgen --target "$target" --no-typescript --out-dir "$out" --out-name "$name" "$wasm"
  if [ "$profile" = release ] && [ "${WASM_OPT:-1}" != 0 ]; then
    local level="$OPT_ENGINE"; [ "$name" = diffusion-lab-math ] && level="$OPT_MATH"
    wasm-opt "$level" "${WASM_FEATURES[@]}" "$out/${name}_bg.wasm" -o "$out/${name}_bg.wasm"
  fi
  local f="$out/${name}_bg.wasm"
  echo "BENCH size.${name#diffusion-lab-}.$profile.raw $(stat -c %s "$f") bytes"
  echo "BENCH size.${name#diffusion-lab-}.$profile.gzip $(gzip -9 -c "$f" | wc -c) bytes"
}

# one after the other: both builds leave their artifact at the same path
[ "$which" = engine ] || build diffusion-lab-math --no-default-features
[ "$which" = math ] || build diffusion-lab-engine
