// Section 8: energy and score (2.12–2.13), explicit / implicit / denoising score matching (2.14–2.24).
import { latest } from "./compute.js";
import { fillTable, fmt, lineChart, pm, readNumber, setCheck, setPending } from "./plot.js";

export function startScoreMatchingView() {
  const [sigma, samples, seed] = ["sm-sigma", "sm-samples", "sm-seed"].map((id) => document.getElementById(id));
  const err = document.getElementById("sm-error");
  const status = document.getElementById("sm-status");

  let last = null;
  const run = latest("scoreMatching", (res) => { last = res; draw(res); }, (e) => { err.textContent = e.message; setPending(status, "waiting for valid input"); });

  function render() {
    let options;
    try {
      options = { sigma: readNumber(sigma, "σ"), samples: readNumber(samples, "samples"), seed: readNumber(seed, "seed") };
    } catch (ex) {
      err.textContent = ex.message;
      setPending(status, "waiting for valid input");
      return;
    }
    setPending(status);
    run({ options, energyAt: [1.3, -0.4], logNormalizers: [0, 5, -20], h: 1e-5 });
  }

  function draw({ matching: r, energy: e }) {
    err.textContent = "";
    const mu = Float64Array.from(r.thetas, (t) => t.mean[0]);
    const col = (k, f = (v) => v) => Float64Array.from(r[k], (x) => f(x.mean));
    const c1 = r.implicitConstant.mean, c2 = r.denoisingConstant.mean;
    lineChart(document.getElementById("chart-sm"), [
      { label: "explicit (2.14)", x: mu, y: col("explicit") },
      { label: "2·implicit + C", x: mu, y: col("implicit", (v) => 2 * v + c1), dashed: true },
    ], { xLabel: "μ₁" });
    lineChart(document.getElementById("chart-dsm"), [
      { label: "denoising (2.24)", x: mu, y: col("denoising") },
      { label: "(2.18) + C′", x: mu, y: col("noisyExplicit", (v) => v + c2), dashed: true },
    ], { xLabel: "μ₁" });
    const worst = (k) => Math.max(...r[k].map((x) => Math.abs(x.mean) / x.stdError));
    const z1 = worst("implicitResidual"), z2 = worst("denoisingResidual");
    const best = (i) => `μ₁ = ${fmt(r.thetas[i].mean[0])}, v = ${fmt(r.thetas[i].variance)}`;
    fillTable(document.querySelector("#sm-table tbody"), [
      ["C = E_p‖∇log p‖²", pm(r.implicitConstant), "(2.14)−2·(2.15)"],
      ["spread of (2.14) − 2·(2.15) over θ", r.implicitSpread, ""],
      ["largest residual from C", `${fmt(z1)} s.e.`, ""],
      ["C′ = ½(D/σ² − E‖∇log q_σ‖²)", pm(r.denoisingConstant), "(2.24)−(2.18)"],
      ["spread of (2.24) − (2.18) over θ", r.denoisingSpread, ""],
      ["largest residual from C′", `${fmt(z2)} s.e.`, ""],
      ["minimiser of (2.14) / (2.15)", `${best(r.argminExplicit)} / ${best(r.argminImplicit)}`, ""],
      ["minimiser of (2.18) / (2.24)", `${best(r.argminNoisyExplicit)} / ${best(r.argminDenoising)}`, ""],
    ]);
    const v = (p) => `(${fmt(p[0])}, ${fmt(p[1])})`;
    fillTable(document.querySelector("#energy-table tbody"), e.rows.map((row) => [fmt(row.logNormalizer), row.logDensity, v(row.score), v(e.exactScore)]));
    const scoreErr = Math.max(...e.rows.map((row) => Math.max(Math.abs(row.score[0] - e.exactScore[0]), Math.abs(row.score[1] - e.exactScore[1]))));
    // the identities are the residuals; the minimisers on this coarse path may still differ by a
    // neighbour where a curve is flat, so they are reported, not judged
    const pass = z1 < 4.5 && z2 < 4.5 && scoreErr < 1e-5;
    const same = r.argminExplicit === r.argminImplicit && r.argminNoisyExplicit === r.argminDenoising;
    setCheck(status, pass, pass
      ? `the losses differ by constants: every residual is within ${fmt(Math.max(z1, z2))} standard errors of zero${same ? " and the minimisers coincide" : ""}; the score is the same for all three normalising constants (to ${scoreErr.toExponential(1)}).`
      : `residuals ${fmt(z1)}, ${fmt(z2)} standard errors; score error ${scoreErr.toExponential(1)}`);
  }

  for (const el of [sigma, samples, seed]) el.addEventListener("change", render);
  document.getElementById("sm-form").addEventListener("submit", (e) => e.preventDefault());
  addEventListener("resize", () => last && draw(last));
  render();
}
