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
# wasm-bindgen's nodejs glue is CommonJS; the project's package.json says "module"
[ "$target" != nodejs ] || echo '{ "type": "commonjs" }' > "$out/package.json"
wasm="$CARGO_TARGET_DIR/wasm32-unknown-unknown/$dir/diffusion_lab.wasm"

# wasm-opt's optimisation level per module, "" for none (measured in README, "Start-up and size"):
# the mathematics at -O3 (its oracle chain and SDE sweeps run 5–10 % faster; raw −4 %, gzip +4 %); the
# engine not at all: after LLVM's -O3 every level cost a third of the training speed at batch 256
# and grew the gzipped module (3.54 → 3.61–3.67 MB), for a smaller raw size (17.5 → 12.8–14.1 MB).
OPT_MATH="${OPT_MATH--O3}"
OPT_ENGINE="${OPT_ENGINE-}"
# the features rustc emits for wasm32 (Rust 1.95's defaults, and +simd128 from .cargo/config.toml)
WASM_FEATURES=(--enable-simd --enable-bulk-memory --enable-sign-ext --enable-nontrapping-float-to-int
  --enable-mutable-globals --enable-multivalue --enable-reference-types)

build() { # name, cargo feature flags…
  local name="$1"; shift
  cargo build --quiet --lib --target wasm32-unknown-unknown "${flags[@]}" "$@"
  local input="$wasm"
  if [ "$profile" = release ] && [ "${WASM_OPT:-1}" != 0 ]; then
    # before wasm-bindgen, not after: Debian's binaryen (108) reads wasm-bindgen's externref table
    # as anyref and writes it back so (the module then fails at instantiation); rustc's own output
    # has no reference-typed values, and wasm-opt keeps the exports and sections wasm-bindgen reads
    local level="$OPT_ENGINE"; [ "$name" = diffusion-lab-math ] && level="$OPT_MATH"
    if [ -n "$level" ]; then
      input="$(mktemp --suffix .wasm)"
      wasm-opt $level "${WASM_FEATURES[@]}" "$wasm" -o "$input"
    fi
  fi
  local log; log="$(mktemp)"
  wasm-bindgen --target "$target" --no-typescript --out-dir "$out" --out-name "$name" "$input" 2>"$log" \
    || { cat "$log" >&2; exit 1; }
  # (the release profile strips the features section, so wasm-bindgen says it cannot see them: known)
  grep -v "target_features. custom section is missing" "$log" >&2 || true
  rm -f "$log"
  [ "$input" = "$wasm" ] || rm -f "$input"
  local f="$out/${name}_bg.wasm"
  echo "BENCH size.${name#diffusion-lab-}.$profile.raw $(stat -c %s "$f") bytes"
  echo "BENCH size.${name#diffusion-lab-}.$profile.gzip $(gzip -9 -c "$f" | wc -c) bytes"
}

# one after the other: both builds leave their artifact at the same path
[ "$which" = engine ] || build diffusion-lab-math --no-default-features
[ "$which" = math ] || build diffusion-lab-engine
