// Chapter 6's NCSN (seed 003, item 47): a noise-conditional score network s_θ(x, σ_i) trained by
// denoising score matching (2.24) on the ring, in the training worker beside the reader's model;
// before and after, the engine's error per level of the σ ladder against the exact
// noise-conditional score ∇log q_σ of the mixture (Trainer.scoreErrorByLevel).
import { chartNote, fmt, lineChart, readNumber, setCheck, setPending } from "./plot.js";
import { clearError, showError } from "./errors.js";
import { onLanguageChange, setText, t } from "./i18n.js";

// The verdict: after training, the error is lower at every level than before, and below NCSN_MAX_ERROR
// wherever σ ≥ NCSN_WIDE_SIGMA (twice the modes' width 0.2: below it the score is steep and learnt last).
// tests/training.rs trains the same network natively and checks the same rule.
export const NCSN_MAX_ERROR = 0.25, NCSN_WIDE_SIGMA = 0.4;

export function startNcsnView(train) {
  const $ = (id) => document.getElementById(id);
  const button = $("ncsn-train"), progress = $("ncsn-progress"), status = $("ncsn-status"), err = $("ncsn-error"), chart = $("chart-ncsn");
  let last = null;
  chartNote(chart, "ncsn.empty");
  setPending(status, "ncsn.idle");

  function draw(r) {
    const sigmas = Array.from(r.before.sigmas), before = Array.from(r.before.relativeError), after = Array.from(r.after.relativeError);
    lineChart(chart, [
      { label: t("ncsn.before"), x: sigmas, y: before, dashed: true },
      { label: t("ncsn.after"), x: sigmas, y: after },
    ], { xLabel: "σ", logY: true });
    const lower = after.every((e, i) => e < before[i]);
    const wide = sigmas.map((s, i) => [s, after[i]]).filter(([s]) => s >= NCSN_WIDE_SIGMA);
    const worstWide = Math.max(...wide.map(([, e]) => e));
    const pass = lower && worstWide < NCSN_MAX_ERROR;
    const params = { steps: r.steps, worst: fmt(worstWide), max: NCSN_MAX_ERROR, wide: NCSN_WIDE_SIGMA, smallest: fmt(sigmas[sigmas.length - 1]), small: fmt(after[after.length - 1]), loss: fmt(r.loss) };
    setCheck(status, pass, pass ? "ncsn.pass" : lower ? "ncsn.fail_wide" : "ncsn.fail_worse", params);
    $("ncsn").dataset.worst = String(worstWide);
  }
  onLanguageChange(() => last && draw(last));

  button.addEventListener("click", async () => {
    let steps;
    try { steps = readNumber($("ncsn-steps"), "ncsn.steps"); } catch (e) { showError(err, e); return; }
    clearError(err);
    button.disabled = true;
    setPending(status, "ncsn.training");
    try {
      const r = await train.client.ncsn({ dataset: "ring8", parameterization: "score", ncsn: {} }, steps, (p) => {
        setText(progress, "ncsn.progress", { done: p.done, steps: p.steps, loss: p.loss === undefined ? "—" : fmt(p.loss) });
      });
      if (r.replaced) return;
      last = r;
      chartNote(chart, null);
      draw(r);
    } catch (e) {
      showError(err, e);
      setPending(status, "common.waiting_input");
    } finally {
      button.disabled = false;
    }
  });
}
