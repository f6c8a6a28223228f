// Section 3b: the ELBO of the model of section 6, term by term (1.62): reconstruction, prior
// matching, and the denoising-matching KL over t — from each held-out estimate the training view
// makes (the "heldout-dl" event), in nats per dimension and bits per dimension. The check: the
// three terms add up to the held-out −ELBO the engine reports.
import { fillTable, fmt, lineChart } from "./plot.js";
import { onLanguageChange, setText, t } from "./i18n.js";


export function startElboBreakdownView() {
  const $ = (id) => document.getElementById(id);
  const status = $("breakdown-status");
  let last = null;

  function draw(m) {
    const { dims, T } = m; // the trainer's data dimension and schedule length, from the engine
    const BINS = m.klByT.length;
    // nats per data point → the unit the engine reports (nats/dim, or bits/dim for the digits)
    const perDim = m.unit === "bits/dim" ? 1 / (dims * Math.LN2) : 1 / dims;
    const rec = -m.reconstruction * perDim, prior = m.prior * perDim, den = m.denoising * perDim;
    const total = rec + prior + den;
    const width = T / BINS;
    // klByT: the mean KL per t (per dimension, nats) within each bin → its share of Σ_t, in the unit
    const unitScale = m.unit === "bits/dim" ? 1 / Math.LN2 : 1;
    const centers = Array.from({ length: BINS }, (_, b) => (b + 0.5) * width);
    const bars = Array.from(m.klByT, (v, b) => (Number.isFinite(v) ? v * (b === 0 ? width - 1 : width) * unitScale : NaN));
    lineChart($("chart-breakdown"), [{ label: t("breakdown.legend", { unit: m.unit }), x: centers, y: bars }], { bars: true, xLabel: "t" });
    const bits = m.unit === "bits/dim" ? 1 : 1 / Math.LN2;
    const row = (name, v, eq) => [name, v, v * bits, eq];
    fillTable(document.querySelector("#breakdown-table tbody"), [
      row(t("breakdown.row_reconstruction"), rec, "(1.62)"),
      row(t("breakdown.row_prior"), prior, "(1.62)"),
      row(t("breakdown.row_denoising"), den, "(1.62)"),
      row(t("breakdown.row_sum"), total, ""),
      row(t("breakdown.row_engine"), m.negElboPerDim, ""),
    ]);
    $("breakdown-unit").textContent = m.unit;
    // not a check: the engine's −ELBO is the per-point sum of these very terms, so they cannot disagree
    // (chapter 3's two forms and the steppers are where (1.62) is tested); this says what the bars add up to
    setText(status, "breakdown.note", { value: fmt(m.negElboPerDim), se: fmt(m.stdError), unit: m.unit, step: m.step });
    status.dataset.step = String(m.step);
    $("elbo-breakdown").dataset.step = String(m.step);
  }

  addEventListener("heldout-dl", (e) => { last = e.detail; draw(last); });
  addEventListener("resize", () => last && draw(last));
  onLanguageChange(() => last && draw(last));
}
