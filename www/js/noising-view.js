// Section 2b: a data set noised live, by the closed form q(x_t|x_0) (1.73) and by iterating
// q(x_k|x_{k−1}) (1.63) t times; the residual moments both ways against N(0, (1 − ᾱ_t) I).
// The schedule is chapter 2's (its kind and T controls); the engine runs in the compute worker.
import { latest } from "./compute.js";
import { fillTable, fmt, lineChart, pm, readNumber, setCheck, setPending } from "./plot.js";
import { dots, prepareCanvas } from "./cloud.js";

const EXTENT = 3.5; // the picture shows [-EXTENT, EXTENT]²

export function startNoisingView() {
  const $ = (id) => document.getElementById(id);
  const [dataset, tIn, n, seed, kind, T] = ["noise-dataset", "noise-t", "noise-n", "noise-seed", "schedule-kind", "schedule-T"].map($);
  const err = $("noise-error"), status = $("noise-status"), canvas = $("noise-canvas"), tOut = $("noise-t-value");
  let last = null;
  const run = latest("noising", (r) => { last = r; draw(r); }, (e) => { err.textContent = e.message; setPending(status, "waiting for valid input"); });

  function render() {
    let options, schedule;
    try {
      schedule = { kind: kind.value, T: readNumber(T, "T") };
      tIn.max = String(Math.max(1, schedule.T));
      options = { dataset: dataset.value, t: readNumber(tIn, "t"), n: readNumber(n, "points"), seed: readNumber(seed, "seed") };
    } catch (e) {
      err.textContent = e.message;
      setPending(status, "waiting for valid input");
      return;
    }
    tOut.textContent = tIn.value;
    setPending(status);
    run({ schedule, options });
  }

  function drawPoints(r) {
    const c = prepareCanvas(canvas, { view: EXTENT });
    dots(c, r.x0, "rgba(107,114,128,0.35)", 1.2);
    dots(c, r.closed, "rgba(37,99,235,0.55)", 1.3);
    dots(c, r.iterated, "rgba(234,88,12,0.55)", 1.3);
  }

  function draw(r) {
    err.textContent = "";
    drawPoints(r);
    const ks = Float64Array.from({ length: r.t }, (_, i) => i + 1);
    lineChart($("chart-noise"), [
      { label: "1 − ᾱ_k (exact)", x: ks, y: r.varianceByStep },
      { label: "closed form (1.73)", x: ks, y: r.closedByStep, dashed: true },
      { label: "iterated (1.63)", x: ks, y: r.iteratedByStep, dashed: true },
    ], { xLabel: "k" });
    const rows = [];
    r.closedMoments.forEach((c, j) => {
      const it = r.iteratedMoments[j];
      rows.push([`E[r${j + 1}]`, "0", pm(c.mean), pm(it.mean)]);
      rows.push([`E[r${j + 1}²]`, r.variance, pm(c.secondMoment), pm(it.secondMoment)]);
    });
    fillTable(document.querySelector("#noise-table tbody"), rows);
    const pass = r.maxZExact < 4.5 && r.maxZBetween < 4.5;
    setCheck(status, pass, pass
      ? `at t = ${r.t} the closed form and ${r.t} iterated steps give the same law: every moment is within ${fmt(r.maxZExact)} standard errors of N(0, (1 − ᾱ_t) I), and the two within ${fmt(r.maxZBetween)} of each other.`
      : `the two disagree at t = ${r.t}: ${fmt(r.maxZExact)} standard errors from the exact law, ${fmt(r.maxZBetween)} between them`);
    $("noising").dataset.t = String(r.t);
  }

  for (const el of [dataset, n, seed, kind, T]) el.addEventListener("change", render);
  tIn.addEventListener("input", render);
  $("noise-form").addEventListener("submit", (e) => e.preventDefault());
  addEventListener("resize", () => last && drawPoints(last));
  render();
}
