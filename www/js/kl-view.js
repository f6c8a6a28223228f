// Section 4: KL(q(x_{t−1}|x_t,x_0) ‖ p_θ) with equal variances, term by term (1.90–1.95), and as
// the weighted x_0 error (1.100).
import { fillTable, fmt, readNumber, setCheck } from "./plot.js";
import { clearError, fieldError, showError } from "./errors.js";
import * as i18n from "./i18n.js";
import { prepareCanvas } from "./cloud.js";
import { mark, movable } from "./ellipse.js";

const VIEW = 3; // the picture shows [−VIEW, VIEW]²; the inset magnifies the neighbourhood of μ_q

// x₀, x_t, x̂₀, and the two Gaussians of the KL — q(x_{t−1}|x_t, x₀) and p_θ(x_{t−1}|x_t), both with
// variance σ_q² — in an inset zoomed so that their circles of radius σ_q can be seen
function picture(canvas, { x0, xt, xhat, muQ, muTheta, variance }) {
  const c = prepareCanvas(canvas, { view: VIEW });
  const { ctx, size, dpr } = c;
  mark(c, x0, "#6b7280", { radius: 5 });
  mark(c, xt, "#2563eb", { radius: 4 });
  mark(c, xhat, "#dc2626", { radius: 6, cross: true });
  mark(c, muQ, "#059669", { radius: 2 });
  const sigma = Math.sqrt(variance), gap = Math.hypot(muTheta[0] - muQ[0], muTheta[1] - muQ[1]);
  const half = Math.max(3 * sigma, 1.4 * gap, 1e-9); // the inset's half-width, in x units
  const box = { x: size * 0.56, y: dpr * 6, w: size * 0.42 };
  ctx.save();
  ctx.fillStyle = "#ffffff"; ctx.strokeStyle = "#9ca3af"; ctx.lineWidth = dpr;
  ctx.fillRect(box.x, box.y, box.w, box.w); ctx.strokeRect(box.x, box.y, box.w, box.w);
  ctx.beginPath(); ctx.rect(box.x, box.y, box.w, box.w); ctx.clip();
  const ix = (v) => box.x + ((v - muQ[0] + half) / (2 * half)) * box.w, iy = (v) => box.y + ((muQ[1] + half - v) / (2 * half)) * box.w;
  const r = (sigma / (2 * half)) * box.w;
  for (const [m, color] of [[muQ, "#059669"], [muTheta, "#ea580c"]]) {
    ctx.strokeStyle = color; ctx.lineWidth = 2 * dpr;
    ctx.beginPath(); ctx.arc(ix(m[0]), iy(m[1]), r, 0, 2 * Math.PI); ctx.stroke();
    ctx.fillStyle = color; ctx.beginPath(); ctx.arc(ix(m[0]), iy(m[1]), 3 * dpr, 0, 2 * Math.PI); ctx.fill();
  }
  ctx.strokeStyle = "#111827"; ctx.setLineDash([3 * dpr, 3 * dpr]); ctx.lineWidth = dpr;
  ctx.beginPath(); ctx.moveTo(ix(muQ[0]), iy(muQ[1])); ctx.lineTo(ix(muTheta[0]), iy(muTheta[1])); ctx.stroke();
  ctx.restore();
  ctx.fillStyle = "#4b5563"; ctx.font = `${11 * dpr}px system-ui, sans-serif`;
  ctx.fillText(i18n.t("kl.inset", { scale: half < 0.01 ? half.toExponential(1) : half.toPrecision(2) }), box.x + 4 * dpr, box.y + box.w + 14 * dpr);
}

export function startKlView(engine) {
  const schedule = new engine.Schedule({}) // the engine's default: linear, T = 1000;
  const ids = ["kl-t", "kl-x0a", "kl-x0b", "kl-ea", "kl-eb", "kl-ha", "kl-hb"];
  const inputs = ids.map((id) => document.getElementById(id));
  const names = ["field.t", "field.x0_first", "field.x0_second", "field.eps_first", "field.eps_second", "field.guess_first", "field.guess_second"];
  const err = document.getElementById("kl-error");
  const status = document.getElementById("kl-status");

  const canvas = document.getElementById("kl-canvas");
  let shown = null;
  movable(canvas, {
    view: VIEW,
    get: () => [Number(inputs[5].value) || 0, Number(inputs[6].value) || 0],
    set: ([a, b]) => { inputs[5].value = a.toFixed(2); inputs[6].value = b.toFixed(2); render(); },
  });
  addEventListener("resize", () => { if (shown) picture(canvas, shown); });

  function render() {
    let rows, k, weighted;
    try {
      const [t, a, b, ea, eb, ha, hb] = inputs.map((el, i) => readNumber(el, names[i]));
      if (t < 2) throw fieldError("integer_range", "t", null, { value: t, range: `2..=${schedule.T}`, hint: t === 1 ? "decoder_term" : t === 0 ? "data_itself" : undefined });
      const x0 = new Float64Array([a, b]), xhat = new Float64Array([ha, hb]);
      const xt = schedule.qSample(x0, t, new Float64Array([ea, eb])).sample;
      const post = schedule.posterior(xt, x0, t);
      const muTheta = schedule.modelMean("x0", xt, t, xhat);
      shown = { x0: [a, b], xt: [...xt], xhat: [ha, hb], muQ: [...post.mean], muTheta: [...muTheta], variance: post.variance };
      k = engine.klEqualVariance(post.mean, muTheta, post.variance);
      // (1.100): the same number as a weighted squared error of x̂₀
      weighted = schedule.lossWeight("x0", t, "beta_tilde") * ((ha - a) ** 2 + (hb - b) ** 2);
      const v = (p) => `(${fmt(p[0])}, ${fmt(p[1])})`;
      rows = [
        ["x_t = √ᾱ_t x₀ + √(1−ᾱ_t) ε", v(xt), "(1.73)"],
        ["μ_q(x_t, x₀), σ_q² = β̃_t", `${v(post.mean)}, ${fmt(post.variance)}`, "(1.88–1.89)"],
        [i18n.t("kl.row_mu_theta"), v(muTheta), "(1.96)"],
        ["log |Σ_q| / |Σ_q|", k.logDetRatio, "(1.91)"],
        ["− d", k.minusD, "(1.91)"],
        ["tr(Σ_q⁻¹ Σ_q)", k.trace, "(1.91)"],
        ["(μ_θ − μ_q)ᵀ Σ_q⁻¹ (μ_θ − μ_q)", k.quadratic, "(1.93–1.94)"],
        [i18n.t("kl.row_sum"), k.full, "(1.91)"],
        [i18n.t("kl.row_general"), k.general, "(1.23)"],
        ["‖μ_θ − μ_q‖² / 2σ_q²", k.simplified, "(1.95)"],
        [i18n.t("kl.row_weighted"), weighted, "(1.100)"],
      ];
    } catch (e) {
      showError(err, e);
      document.getElementById("kl-mse").dataset.stale = "true";
      return;
    }
    clearError(err);
    delete document.getElementById("kl-mse").dataset.stale;
    picture(canvas, shown);
    fillTable(document.querySelector("#kl-table tbody"), rows);
    const scale = 1e-9 * (1 + Math.abs(k.simplified));
    const pass = Math.abs(k.full - k.simplified) < scale && Math.abs(k.general - k.simplified) < scale && Math.abs(weighted - k.simplified) < scale;
    if (pass) setCheck(status, true, "kl.pass", { kl: fmt(k.simplified) });
    else setCheck(status, false, "kl.fail", { full: fmt(k.full), general: fmt(k.general), simplified: fmt(k.simplified), weighted: fmt(weighted) });
  }

  for (const el of inputs) el.addEventListener("input", render);
  i18n.onLanguageChange(render); // the table's words in the new language
  document.getElementById("kl-form").addEventListener("submit", (e) => e.preventDefault());
  render();
}
