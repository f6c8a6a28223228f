// Section 8: energy and score (2.12–2.13), explicit / implicit / denoising score matching (2.14–2.24).
import { workerView } from "./compute.js";
import { fillTable, fmt, lineChart, pm, readNumber, setCheck } from "./plot.js";
import { t } from "./i18n.js";

export function startScoreMatchingView() {
  const [sigma, samples, seed] = ["sm-sigma", "sm-samples", "sm-seed"].map((id) => document.getElementById(id));
  const err = document.getElementById("sm-error");
  const status = document.getElementById("sm-status");

  const { render, redraw } = workerView({
    job: "scoreMatching", err, status, draw,
    read: () => ({
      options: { sigma: readNumber(sigma, "field.sigma"), samples: readNumber(samples, "common.samples"), seed: readNumber(seed, "common.seed") },
      energyAt: [1.3, -0.4], logNormalizers: [0, 5, -20], h: 1e-5,
    }),
  });

  function draw({ matching: r, energy: e }) {
    const mu = Float64Array.from(r.thetas, (theta) => theta.mean[0]);
    const col = (k, f = (v) => v) => Float64Array.from(r[k], (x) => f(x.mean));
    const c1 = r.implicitConstant.mean, c2 = r.denoisingConstant.mean;
    lineChart(document.getElementById("chart-sm"), [
      { label: t("sm.legend_explicit"), x: mu, y: col("explicit") },
      { label: t("sm.legend_implicit"), x: mu, y: col("implicit", (v) => 2 * v + c1), dashed: true },
    ], { xLabel: "μ₁" });
    lineChart(document.getElementById("chart-dsm"), [
      { label: t("sm.legend_denoising"), x: mu, y: col("denoising") },
      { label: "(2.18) + C′", x: mu, y: col("noisyExplicit", (v) => v + c2), dashed: true },
    ], { xLabel: "μ₁" });
    const worst = (k) => Math.max(...r[k].map((x) => Math.abs(x.mean) / x.stdError));
    const z1 = worst("implicitResidual"), z2 = worst("denoisingResidual");
    const best = (i) => `μ₁ = ${fmt(r.thetas[i].mean[0])}, v = ${fmt(r.thetas[i].variance)}`;
    fillTable(document.querySelector("#sm-table tbody"), [
      ["C = E_p‖∇log p‖²", pm(r.implicitConstant), "(2.14)−2·(2.15)"],
      [t("sm.row_spread_implicit"), r.implicitSpread, ""],
      [t("sm.row_residual_implicit"), t("common.se", { value: fmt(z1) }), ""],
      ["C′ = ½(D/σ² − E‖∇log q_σ‖²)", pm(r.denoisingConstant), "(2.24)−(2.18)"],
      [t("sm.row_spread_denoising"), r.denoisingSpread, ""],
      [t("sm.row_residual_denoising"), t("common.se", { value: fmt(z2) }), ""],
      [t("sm.row_min_explicit"), `${best(r.argminExplicit)} / ${best(r.argminImplicit)}`, ""],
      [t("sm.row_min_denoising"), `${best(r.argminNoisyExplicit)} / ${best(r.argminDenoising)}`, ""],
    ]);
    const v = (p) => `(${fmt(p[0])}, ${fmt(p[1])})`;
    fillTable(document.querySelector("#energy-table tbody"), e.rows.map((row) => [fmt(row.logNormalizer), row.logDensity, v(row.score), v(e.exactScore)]));
    const scoreErr = Math.max(...e.rows.map((row) => Math.max(Math.abs(row.score[0] - e.exactScore[0]), Math.abs(row.score[1] - e.exactScore[1]))));
    // the identities are the residuals; the minimisers on this coarse path may still differ by a
    // neighbour where a curve is flat, so they are reported, not judged
    // (2.12–2.13): the energy without normalisers, normalised by the quadrature's Z, is the mixture;
    // its score (a difference of −f) is the mixture's analytic score, whatever C
    const densityErr = Math.abs(e.logDensity - e.exactLogDensity);
    const energyStatus = document.getElementById("energy-status");
    const energyParams = { logZ: fmt(e.logZ), density: densityErr.toExponential(1), score: scoreErr.toExponential(1) };
    setCheck(energyStatus, densityErr < 1e-5 && scoreErr < 1e-5, densityErr < 1e-5 && scoreErr < 1e-5 ? "sm.energy_pass" : "sm.energy_fail", energyParams);
    const pass = z1 < 4.5 && z2 < 4.5;
    const same = r.argminExplicit === r.argminImplicit && r.argminNoisyExplicit === r.argminDenoising;
    if (!pass) setCheck(status, false, "sm.fail", { z1: fmt(z1), z2: fmt(z2) });
    else setCheck(status, true, same ? "sm.pass_same_minimisers" : "sm.pass", { z: fmt(Math.max(z1, z2)) });
  }

  for (const el of [sigma, samples, seed]) el.addEventListener("change", render);
  document.getElementById("sm-form").addEventListener("submit", (e) => e.preventDefault());
  addEventListener("resize", redraw);
  render();
}
