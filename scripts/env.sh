# Shared settings for the project's scripts (sourced, not run).
# Pinned tool versions: wasm-bindgen-cli must equal the wasm-bindgen crate in Cargo.toml exactly.
WASM_BINDGEN_VERSION=0.2.130
TRUNK_VERSION=0.21.14
# A cargo target directory outside the clone: later runs on the same machine reuse the build.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/diffusion-lab/target}"
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
