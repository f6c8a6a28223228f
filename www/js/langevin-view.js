// Section 8b: plain Langevin dynamics (§2.1) against annealed Langevin (§2.2.6) on a mixture with
// an unbalanced pair of modes, both following the exact score, from the same starting points.
// Plain Langevin keeps the split its starting points had; annealing through large σ first moves
// mass between the modes, so the shares come out right. Computed in the compute worker.
import { workerView } from "./compute.js";
import { fillTable, fmt, lineChart, readNumber, setCheck } from "./plot.js";
import { drawCloud } from "./cloud.js";
import { t } from "./i18n.js";

const VIEW = 4.5; // each picture shows [−VIEW, VIEW]²

export function startLangevinView() {
  const $ = (id) => document.getElementById(id);
  const [light, particles, steps, seed] = ["lg-light", "lg-particles", "lg-steps", "lg-seed"].map($);
  const err = $("lg-error"), status = $("lg-status");
  let last = null;
  const { render } = workerView({
    job: "langevin", err, status, pending: "lg.pending",
    draw: (r) => { last = r; draw(r); },
    read: () => ({ light: readNumber(light, "lg.light"), particles: readNumber(particles, "common.particles"), steps: readNumber(steps, "lg.steps"), seed: readNumber(seed, "common.seed") }),
  });

  function clouds(r) {
    for (const [id, run] of [["lg-plain", r.plain], ["lg-annealed", r.annealed]]) drawCloud($(id), run.state, { view: VIEW, circles: r.means, diagonal: true, color: "rgba(40, 70, 140, 0.45)" });
  }

  function draw(r) {
    clouds(r);
    const w = r.weights[0];
    lineChart($("chart-lg"), [
      { label: t("lg.plain"), x: r.plain.at, y: r.plain.share },
      { label: t("lg.annealed"), x: r.annealed.at, y: r.annealed.share },
      { label: t("lg.true_weight"), x: [0, Math.max(r.plain.length, r.annealed.length)], y: [w, w], dashed: true },
    ], { xLabel: t("common.step_axis") });
    fillTable(document.querySelector("#lg-table tbody"), [
      [t("lg.row_light"), w, r.plain.modeFractions[0], r.annealed.modeFractions[0]],
      [t("lg.row_heavy"), r.weights[1], r.plain.modeFractions[1], r.annealed.modeFractions[1]],
      [t("common.mode_error"), 0, r.plain.modeWeightError, r.annealed.modeWeightError],
      [t("lg.row_mmd"), r.floor, r.plain.mmd2, r.annealed.mmd2],
    ]);
    // the ladder the chain ran (§2.2.6): σ_i/σ_{i+1} the same at every level, (σ_1/σ_L)^{1/(L−1)}, and α_i ∝ σ_i²
    const s = Array.from(r.annealed.sigmas), a = Array.from(r.annealed.stepSizes), L = s.length;
    const ratio = (s[0] / s[L - 1]) ** (1 / (L - 1));
    const ratioErr = Math.max(...s.slice(1).map((v, i) => Math.abs(s[i] / v / ratio - 1)));
    const stepErr = Math.max(...a.map((v, i) => Math.abs(v / s[i] ** 2 / (a[L - 1] / s[L - 1] ** 2) - 1)));
    const ladderOk = L >= 2 && ratioErr < 1e-9 && stepErr < 1e-9 && s.every((v, i) => i === 0 || v < s[i - 1]);
    setCheck($("lg-ladder"), ladderOk, ladderOk ? "lg.ladder_pass" : "lg.ladder_fail", { L, from: fmt(s[0]), to: fmt(s[L - 1]), ratio: fmt(ratio), err: Math.max(ratioErr, stepErr).toExponential(1) });
    const pass = r.annealed.modeWeightError < 0.06;
    setCheck(status, pass, pass ? "lg.pass" : "lg.fail", { annealed: fmt(r.annealed.modeWeightError), plain: fmt(r.plain.modeWeightError) });
    $("langevin").dataset.annealedError = String(r.annealed.modeWeightError);
    $("langevin").dataset.plainError = String(r.plain.modeWeightError);
  }

  for (const el of [light, particles, steps, seed]) el.addEventListener("change", render);
  $("lg-form").addEventListener("submit", (e) => e.preventDefault());
  addEventListener("resize", () => last && clouds(last));
  render();
}
