// Section 2: the schedule's arrays from the engine, drawn over t, with a table at one t.
import { chartNote, fillTable, fmt, lineChart, readNumber, setCheck, setPending } from "./plot.js";

// (1.35) passes when KL(q(x_T|x_0) ‖ N(0, I)) for x_0 = (2, 0) (on the ring) is below this, in nats per dimension
const PRIOR_KL_MAX = 1e-3;
import { clearError, fieldError, pageError, showError } from "./errors.js";
import * as i18n from "./i18n.js";

export function startScheduleView(engine) {
  const kind = document.getElementById("schedule-kind");
  const T = document.getElementById("schedule-T");
  const tIn = document.getElementById("schedule-t");
  const err = document.getElementById("schedule-error");
  const table = document.querySelector("#schedule-table tbody");
  const section = document.getElementById("schedule");
  const charts = ["chart-alphabar", "chart-snr", "chart-betas"].map((id) => document.getElementById(id));

  // An error: the message, and no numbers of earlier settings left beside it.
  function refuse(e) {
    showError(err, e);
    table.replaceChildren();
    setPending(document.getElementById("schedule-prior"), "common.waiting_input");
    for (const c of charts) chartNote(c, "schedule.stale");
    section.dataset.stale = "true";
  }

  // The engine names β's ends, which the reader never set: say it in terms of T, which they did.
  // (The linear schedule keeps DDPM's β_1 = 1e-4, β_T = 0.02 at T = 1000 and scales both by 1000/T.)
  function inReaderTerms(e, tValue) {
    if (kind.value === "linear" && e?.params?.hint === "short_schedule") {
      return pageError("schedule_too_short", { field: "T", label: "field.T", value: tValue, betaEnd: fmt((0.02 * 1000) / tValue), min: 21 });
    }
    return e;
  }

  function render() {
    let s, tValue;
    try {
      tValue = readNumber(T, "field.T");
      s = new engine.Schedule({ kind: kind.value, T: tValue });
    } catch (e) {
      refuse(inReaderTerms(e, tValue));
      return;
    }
    let t, alphaBar;
    try {
      t = readNumber(tIn, "field.t");
      alphaBar = s.alphaBar(t);
      if (t < 1) throw fieldError("integer_range", "t", null, { value: t, range: `1..=${s.T}`, hint: t === 0 ? "data_itself" : undefined });
    } catch (e) {
      refuse(e);
      s.free();
      return;
    }
    clearError(err);
    delete section.dataset.stale;
    for (const c of charts) chartNote(c, null);
    tIn.max = String(s.T);
    const ts = Float64Array.from({ length: s.T }, (_, i) => i + 1);
    const abar = s.alphasCumprod(), sqrtAbar = s.sqrtAlphasCumprod(), snr = s.snr();
    const betas = s.betas(), tilde = s.posteriorVariance();
    lineChart(document.getElementById("chart-alphabar"), [
      { label: "ᾱ_t", x: ts, y: abar },
      { label: "√ᾱ_t", x: ts, y: sqrtAbar, dashed: true },
    ], { marker: t });
    lineChart(document.getElementById("chart-snr"), [{ label: "SNR_t", x: ts, y: snr }], { logY: true, marker: t });
    // β̃_1 = 0 is left out of the log plot
    lineChart(document.getElementById("chart-betas"), [
      { label: "β_t", x: ts, y: betas },
      { label: "β̃_t", x: ts.subarray(1), y: tilde.subarray(1), dashed: true },
    ], { logY: true, marker: t });
    const i = t - 1;
    const rows = [
      ["β_t", betas[i], ""], ["α_t = 1 − β_t", s.alphas()[i], "(1.63)"],
      ["ᾱ_t", alphaBar, "(1.72)"], ["√ᾱ_t", sqrtAbar[i], "(1.73)"],
      ["√(1 − ᾱ_t)", s.sqrtOneMinusAlphasCumprod()[i], "(1.73)"], ["SNR_t", snr[i], "(1.104)"],
      ["β̃_t = σ_q²(t)", tilde[i], "(1.89)"],
      [i18n.t("schedule.row_coef_x0"), s.posteriorMeanCoef1()[i], "(1.88)"],
      [i18n.t("schedule.row_coef_xt"), s.posteriorMeanCoef2()[i], "(1.88)"],
    ];
    if (t >= 2) rows.push(["½(SNR_{t−1} − SNR_t)", s.snrWeight(t), "(1.104)"]);
    // the third constraint of §1.3.3: q(x_T|x_0) is (nearly) the standard Gaussian p(x_T)
    rows.push([i18n.t("schedule.row_prior"), `${fmt(s.alphaBar(s.T))}, ${fmt(s.priorKl(new Float64Array([2, 0])))}`, "(1.35), §1.3.3"]);
    fillTable(table, rows);
    // (1.35): p(x_T) = N(0, I) is only true if the schedule destroys the data; the KL per dimension says how nearly
    const perDim = s.priorKl(new Float64Array([2, 0])) / 2;
    const priorOk = perDim < PRIOR_KL_MAX;
    setCheck(document.getElementById("schedule-prior"), priorOk, priorOk ? "schedule.prior_pass" : "schedule.prior_fail", { kl: fmt(perDim), max: PRIOR_KL_MAX, abar: fmt(s.alphaBar(s.T)), T: s.T });
    document.getElementById("schedule").dataset.alphaBarT = String(alphaBar);
    s.free();
  }

  for (const el of [kind, T, tIn]) el.addEventListener("input", render);
  document.getElementById("schedule-form").addEventListener("submit", (e) => e.preventDefault());
  addEventListener("resize", render);
  i18n.onLanguageChange(render);
  render();
}
