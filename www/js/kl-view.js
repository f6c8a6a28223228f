// Section 4: KL(q(x_{t−1}|x_t,x_0) ‖ p_θ) with equal variances, term by term (1.90–1.95), and as
// the weighted x_0 error (1.100).
import { fillTable, fmt, readNumber, setCheck } from "./plot.js";
import { clearError, fieldError, showError } from "./errors.js";
import * as i18n from "./i18n.js";

export function startKlView(engine) {
  const schedule = new engine.Schedule({}) // the engine's default: linear, T = 1000;
  const ids = ["kl-t", "kl-x0a", "kl-x0b", "kl-ea", "kl-eb", "kl-ha", "kl-hb"];
  const inputs = ids.map((id) => document.getElementById(id));
  const names = ["field.t", "field.x0_first", "field.x0_second", "field.eps_first", "field.eps_second", "field.guess_first", "field.guess_second"];
  const err = document.getElementById("kl-error");
  const status = document.getElementById("kl-status");

  function render() {
    let rows, k, weighted;
    try {
      const [t, a, b, ea, eb, ha, hb] = inputs.map((el, i) => readNumber(el, names[i]));
      if (t < 2) throw fieldError("integer_range", "t", null, { value: t, range: `2..=${schedule.T}`, hint: t === 1 ? "decoder_term" : t === 0 ? "data_itself" : undefined });
      const x0 = new Float64Array([a, b]), xhat = new Float64Array([ha, hb]);
      const xt = schedule.qSample(x0, t, new Float64Array([ea, eb])).sample;
      const post = schedule.posterior(xt, x0, t);
      const muTheta = schedule.modelMean("x0", xt, t, xhat);
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
      return;
    }
    clearError(err);
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
