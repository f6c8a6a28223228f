#!/usr/bin/env bash
# Benchmarks (numbers, not assertions): native training steps/s, time to the entropy, chain ms/step;
# then the same in headless Chromium (wasm CPU flex and ndarray, WebGPU on SwiftShader), the same
# MLP trained with TensorFlow.js in the same Chromium (the baseline), and the page. Uses the same
# set-up as the tests.
#   ./scripts/bench.sh            everything: native, wasm, tfjs, ratio, page
#   ./scripts/bench.sh native     only the native part (cargo run --example bench [model|train|gap|chain|pfode])
#   ./scripts/bench.sh wasm       only the wasm benchmarks in headless Chromium (tests/bench_web.rs)
#   ./scripts/bench.sh tfjs       only the TF.js baseline (tests/page/bench-tfjs.mjs), with the model's shape from the native example
#   ./scripts/bench.sh page       only the page: first paint, download sizes, frame time at 10⁴ particles
#   ./scripts/bench.sh browser    wasm, then tfjs and the ratio (the in-browser figures, without the release page build)
#
# Every figure is one line `BENCH <name> <value> <unit>` (e.g. `BENCH train.native.cpu.b256 162.3
# steps/s`); every other line is free text, indented, and never starts with BENCH. Each part runs
# under `timeout` with the limit printed in its header; a part that runs out of time prints
# `BENCH <part>.timeout <limit> s`, one that fails `BENCH <part>.failed 1 flag`, and the script goes
# on to the next. At the end, `BENCH ratio.tfjs.b256` / `.b2048` = our wasm CPU steps/s
# (train.wasm.cpu.b*) / the best TF.js backend's (tfjs.*.b*), both measured in this run.
# BENCH_OUT=file keeps a copy of all the figures. The exit status is 0 unless the arguments are wrong.
set -uo pipefail # no -e: a failing part is reported as a figure, never the end of the script
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"

WHAT="${1:-all}"
case "$WHAT" in all | native | wasm | tfjs | page | browser) ;; *)
  echo "usage: $0 [native|wasm|tfjs|page|browser]" >&2
  exit 2
  ;;
esac

FIGURES="$(mktemp)"
trap 'rm -f "$FIGURES"' EXIT

# One figure: printed and collected.
figure() {
  echo "BENCH $1 $2 $3" | tee -a "$FIGURES"
}

# Lines from a part: a line holding a well-formed figure `BENCH <name> <number> <unit>` is printed
# from BENCH on (wasm-bindgen-test-runner may put text before it) and collected; any other line
# is free text, indented.
normalise() {
  awk -v out="$FIGURES" '
    { sub(/\r$/, "") }
    index($0, "BENCH ") > 0 {
      f = substr($0, index($0, "BENCH ")); sub(/[ \t]+$/, "", f)
      n = split(f, w, " ")
      if (n == 4 && w[2] ~ /^[A-Za-z0-9_.-]+$/ && w[3] ~ /^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$/) {
        print f; print f >> out; fflush(); fflush(out); next
      }
      print "  (not a figure) " $0; fflush(); next
    }
    { print "  " $0; fflush() }'
}

# part NAME LIMIT_S COMMAND...: run COMMAND under a time limit, its output through normalise.
# Returns 0; PART_RC holds the command's exit status (124 or 137: out of time).
PART_RC=0
part() {
  local name="$1" limit="$2"
  shift 2
  echo "== $name (limit $limit s): $*"
  timeout --kill-after=30 "$limit" "$@" 2>&1 | normalise
  local rc="${PIPESTATUS[0]}"
  PART_RC="$rc"
  if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
    figure "$name.timeout" "$limit" s
  elif [ "$rc" != 0 ]; then
    echo "  ($name exited with status $rc)"
    figure "$name.failed" 1 flag
  fi
  return 0
}

# The value of the figure named $1 collected so far (the last one), or nothing.
value() {
  awk -v n="$1" '$2 == n { v = $3 } END { if (v != "") print v }' "$FIGURES"
}

part setup 3600 "$ROOT/scripts/setup.sh"

native() {
  part build.native.bench 1800 cargo build --quiet --example bench
  [ "$PART_RC" = 0 ] || { echo "  (the example does not build: the native benchmarks are not run)"; return 0; }
  part model.native 300 cargo run --quiet --example bench model
  part train.native 600 cargo run --quiet --example bench train
  part gap.native 1200 cargo run --quiet --example bench gap
  part chain.native 900 cargo run --quiet --example bench chain
  part pfode.native 300 cargo run --quiet --example bench pfode
}

wasm() {
  export WASM_BINDGEN_TEST_TIMEOUT="${WASM_BINDGEN_TEST_TIMEOUT:-1800}" # above every part's limit below
  # the browser tests build with command-exports (see Cargo.toml); ndarray for the comparison with flex
  local features=ndarray,command-exports
  part build.wasm.bench_web 3600 cargo test --quiet --no-run --target wasm32-unknown-unknown --features "$features" --test bench_web
  [ "$PART_RC" = 0 ] || { echo "  (no test binary: the wasm benchmarks are not run)"; return 0; }
  # one test per run: a renderer that hangs or dies costs that part only
  local t name test_fn limit
  for t in train.wasm.cpu:bench_train_cpu:600 train.wasm.webgpu:bench_train_webgpu:600 chain.wasm.cpu:bench_chain_cpu:600 \
    chain.wasm.webgpu:bench_chain_webgpu:900 gap.wasm.cpu:bench_gap_cpu:1800; do
    IFS=: read -r name test_fn limit <<<"$t"
    part "$name" "$limit" wasm-pack test --headless --chrome -- --features "$features" --test bench_web -- --nocapture "$test_fn"
  done
}

tfjs() {
  # ours, from the native example's figures (model.*): TF.js trains the same layer sizes
  [ -n "$(value model.width)" ] || part model.native 900 cargo run --quiet --example bench model
  local input width depth output layers=""
  input="$(value model.input_dim)" width="$(value model.width)" depth="$(value model.depth)" output="$(value model.output_dim)"
  if [ -n "$input" ] && [ -n "$width" ] && [ -n "$depth" ] && [ -n "$output" ]; then
    layers="$input$(for _ in $(seq 1 "$depth"); do printf ',%s' "$width"; done),$output"
  else
    echo "  (no model.* figures: bench-tfjs.mjs uses its own default layer sizes)"
  fi
  TFJS_LAYERS="${layers:-${TFJS_LAYERS:-}}" part tfjs 1500 node tests/page/bench-tfjs.mjs
}

# ratio.tfjs.b<batch>: our wasm CPU steps/s over the best TF.js backend's, on the same model
ratio() {
  echo "== ratio: ours (train.wasm.cpu) / the best TF.js backend"
  local ours_p tfjs_p
  ours_p="$(value model.parameters)" tfjs_p="$(value tfjs.parameters)"
  if [ -n "$ours_p" ] && [ -n "$tfjs_p" ] && [ "$ours_p" != "$tfjs_p" ]; then
    echo "  the models differ: ours has $ours_p parameters, the TF.js one $tfjs_p"
    figure ratio.tfjs.model_mismatch 1 flag
    return 0
  fi
  local b ours best
  for b in 256 2048; do
    ours="$(value "train.wasm.cpu.b$b")"
    best="$(awk -v b="b$b" '$2 ~ "^tfjs\\.[a-z0-9]+\\." b "$" && $3 + 0 > v + 0 { v = $3; n = $2 } END { if (v != "") print v, n }' "$FIGURES")"
    if [ -z "$ours" ] || [ -z "$best" ]; then
      echo "  batch $b: no ratio: $([ -n "$ours" ] && echo "ours $ours steps/s" || echo "no train.wasm.cpu.b$b figure"), $([ -n "$best" ] && echo "TF.js best ${best#* } ${best% *} steps/s" || echo "no tfjs.*.b$b figure") in this run"
      [ "$WHAT" = all ] && figure "ratio.tfjs.b$b.failed" 1 flag
      continue
    fi
    echo "  batch $b: ours $ours steps/s, TF.js best ${best#* } ${best% *} steps/s"
    figure "ratio.tfjs.b$b" "$(awk -v o="$ours" -v t="${best% *}" 'BEGIN { printf "%.2f", o / t }')" x
  done
}

page() {
  part build.page.release 3600 trunk build --release --dist dist-release
  if [ "$PART_RC" = 0 ]; then
    DIST="$ROOT/dist-release" part page 900 node tests/page/bench-page.mjs
  else
    echo "  (no release build: the page is not measured)"
  fi
}

case "$WHAT" in
  native) native ;;
  wasm) wasm ;;
  tfjs) tfjs; ratio ;;
  page) page ;;
  browser) wasm; tfjs; ratio ;;
  all) native; wasm; tfjs; ratio; page ;;
esac

echo "== $(wc -l <"$FIGURES") figures, $(grep -cE '\.(failed|timeout|skipped) ' "$FIGURES") of them failures, time-outs or skips"
[ -n "${BENCH_OUT:-}" ] && cp "$FIGURES" "$BENCH_OUT"
exit 0
