// Section 8b: plain Langevin dynamics (§2.1) against annealed Langevin (§2.2.6) on a mixture with
// an unbalanced pair of modes, both following the exact score, from the same starting points.
// Plain Langevin keeps the split its starting points had; annealing through large σ first moves
// mass between the modes, so the shares come out right. Computed in the compute worker.
import { latest } from "./compute.js";
import { fillTable, fmt, lineChart, readNumber, setCheck, setPending } from "./plot.js";
import { drawCloud } from "./cloud.js";

const VIEW = 4.5; // each picture shows [−VIEW, VIEW]²

export function startLangevinView() {
  const $ = (id) => document.getElementById(id);
  const [light, particles, steps, seed] = ["lg-light", "lg-particles", "lg-steps", "lg-seed"].map($);
  const err = $("lg-error"), status = $("lg-status");
  let last = null;
  const run = latest("langevin", (r) => { last = r; draw(r); }, (e) => { err.textContent = e.message; setPending(status, "waiting for valid input"); });

  function render() {
    let args;
    try {
      args = { light: readNumber(light, "weight of the light mode"), particles: readNumber(particles, "particles"), steps: readNumber(steps, "steps"), seed: readNumber(seed, "seed") };
    } catch (e) {
      err.textContent = e.message;
      setPending(status, "waiting for valid input");
      return;
    }
    setPending(status, "running both chains…");
    run(args);
  }

  function clouds(r) {
    for (const [id, run] of [["lg-plain", r.plain], ["lg-annealed", r.annealed]]) drawCloud($(id), run.state, { view: VIEW, circles: r.means, diagonal: true, color: "rgba(40, 70, 140, 0.45)" });
  }

  function draw(r) {
    err.textContent = "";
    clouds(r);
    const w = r.weights[0];
    lineChart($("chart-lg"), [
      { label: "plain Langevin", x: r.plain.at, y: r.plain.share },
      { label: "annealed Langevin", x: r.annealed.at, y: r.annealed.share },
      { label: "true weight", x: [0, Math.max(r.plain.length, r.annealed.length)], y: [w, w], dashed: true },
    ], { xLabel: "step" });
    fillTable(document.querySelector("#lg-table tbody"), [
      ["share in the light mode (−2, −2)", w, r.plain.modeFractions[0], r.annealed.modeFractions[0]],
      ["share in the heavy mode (2, 2)", r.weights[1], r.plain.modeFractions[1], r.annealed.modeFractions[1]],
      ["largest error in a mode's share", 0, r.plain.modeWeightError, r.annealed.modeWeightError],
      ["MMD² to the mixture (floor: two samples of it)", r.floor, r.plain.mmd2, r.annealed.mmd2],
    ]);
    const pass = r.annealed.modeWeightError < 0.06;
    setCheck(status, pass, pass
      ? `annealed Langevin recovers the weights (largest error ${fmt(r.annealed.modeWeightError)}); plain Langevin with the same exact score, from the same points, is off by ${fmt(r.plain.modeWeightError)}: it keeps the split it started with.`
      : `annealed Langevin misses the weights by ${fmt(r.annealed.modeWeightError)} (plain: ${fmt(r.plain.modeWeightError)})`);
    $("langevin").dataset.annealedError = String(r.annealed.modeWeightError);
    $("langevin").dataset.plainError = String(r.plain.modeWeightError);
  }

  for (const el of [light, particles, steps, seed]) el.addEventListener("change", render);
  $("lg-form").addEventListener("submit", (e) => e.preventDefault());
  addEventListener("resize", () => last && clouds(last));
  render();
}
