// Section 5b: Tweedie in one dimension (1.120–1.121), both sides by quadrature in the engine.
import { workerView } from "./compute.js";
import { fillTable, fmt, lineChart, readNumber, setCheck } from "./plot.js";

const PRIORS = {
  mixture: { kind: "mixture", weights: [0.3, 0.7], means: [-2, 1.5], variances: [0.1, 0.4] },
  gaussian: { kind: "gaussian", mean: 0.5, variance: 2 },
  uniform: { kind: "uniform", lo: -1, hi: 2 },
  laplace: { kind: "laplace", loc: 0, scale: 0.7 },
};

export function startTweedie1dView() {
  const prior = document.getElementById("t1-prior");
  const sigma = document.getElementById("t1-sigma");
  const err = document.getElementById("t1-error");
  const status = document.getElementById("t1-status");

  const { render, redraw } = workerView({
    job: "tweedie1d", err, status, draw,
    read: () => ({ prior: PRIORS[prior.value], sigma: readNumber(sigma, "field.sigma") }),
  });

  function draw(r) {
    lineChart(document.getElementById("chart-t1"), [
      { label: "E[θ|x]", x: r.x, y: r.posteriorMean },
      { label: "Tweedie", x: r.x, y: r.tweedie, dashed: true },
      { label: "x", x: r.x, y: r.x, dashed: true },
    ], { xLabel: "x" });
    const rows = [];
    for (let i = 0; i < r.x.length; i += 10) rows.push([fmt(r.x[i]), r.posteriorMean[i], r.tweedie[i], r.residual[i].toExponential(1)]);
    fillTable(document.querySelector("#t1-table tbody"), rows);
    const pass = r.maxAbsResidual < 1e-6;
    if (pass) setCheck(status, true, "t1.pass", { n: r.x.length, residual: r.maxAbsResidual.toExponential(1) });
    else setCheck(status, false, "t1.fail", { residual: r.maxAbsResidual.toExponential(2) });
  }

  prior.addEventListener("input", render);
  sigma.addEventListener("input", render); // as typed: σ = −1 is refused at once, not on leaving the field
  document.getElementById("t1-form").addEventListener("submit", (e) => e.preventDefault());
  addEventListener("resize", redraw);
  render();
}
