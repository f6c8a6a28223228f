// Section 2b: a data set noised live, by the closed form q(x_t|x_0) (1.73) and by iterating
// q(x_k|x_{k−1}) (1.63) t times; the residual moments both ways against N(0, (1 − ᾱ_t) I).
// The schedule is chapter 2's (its kind and T controls); the engine runs in the compute worker.
import { workerView } from "./compute.js";
import { fillTable, fmt, lineChart, pm, readNumber, setCheck } from "./plot.js";
import { dots, prepareCanvas } from "./cloud.js";
import { t } from "./i18n.js";

const EXTENT = 3.5; // the picture shows [-EXTENT, EXTENT]²

export function startNoisingView() {
  const $ = (id) => document.getElementById(id);
  const [dataset, tIn, n, seed, kind, T] = ["noise-dataset", "noise-t", "noise-n", "noise-seed", "schedule-kind", "schedule-T"].map($);
  const err = $("noise-error"), status = $("noise-status"), canvas = $("noise-canvas"), tOut = $("noise-t-value");
  let last = null;
  const { render } = workerView({
    job: "noising", err, status,
    draw: (r) => { last = r; draw(r); },
    read: () => {
      const schedule = { kind: kind.value, T: readNumber(T, "field.T") };
      tIn.max = String(Math.max(1, schedule.T));
      const options = { dataset: dataset.value, t: readNumber(tIn, "field.t"), n: readNumber(n, "common.points"), seed: readNumber(seed, "common.seed") };
      tOut.textContent = tIn.value;
      return { schedule, options };
    },
  });

  function drawPoints(r) {
    const c = prepareCanvas(canvas, { view: EXTENT });
    dots(c, r.x0, "rgba(107,114,128,0.35)", 1.2);
    dots(c, r.closed, "rgba(37,99,235,0.55)", 1.3);
    dots(c, r.iterated, "rgba(234,88,12,0.55)", 1.3);
  }

  function draw(r) {
    drawPoints(r);
    const ks = Float64Array.from({ length: r.t }, (_, i) => i + 1);
    lineChart($("chart-noise"), [
      { label: t("noise.legend_exact"), x: ks, y: r.varianceByStep },
      { label: t("noise.legend_closed"), x: ks, y: r.closedByStep, dashed: true },
      { label: t("noise.legend_iterated"), x: ks, y: r.iteratedByStep, dashed: true },
    ], { xLabel: "k" });
    const rows = [];
    r.closedMoments.forEach((c, j) => {
      const it = r.iteratedMoments[j];
      rows.push([`E[r${j + 1}]`, "0", pm(c.mean), pm(it.mean)]);
      rows.push([`E[r${j + 1}²]`, r.variance, pm(c.secondMoment), pm(it.secondMoment)]);
    });
    fillTable(document.querySelector("#noise-table tbody"), rows);
    const pass = r.maxZExact < 4.5 && r.maxZBetween < 4.5;
    setCheck(status, pass, pass ? "noise.pass" : "noise.fail", { t: r.t, z: fmt(r.maxZExact), between: fmt(r.maxZBetween) });
    $("noising").dataset.t = String(r.t);
  }

  for (const el of [dataset, n, seed, kind, T]) el.addEventListener("change", render);
  tIn.addEventListener("input", render);
  $("noise-form").addEventListener("submit", (e) => e.preventDefault());
  addEventListener("resize", () => last && drawPoints(last));
  render();
}
