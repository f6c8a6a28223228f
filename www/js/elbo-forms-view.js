// Section 3: the consistency (1.45–1.47) and denoising-matching (1.62) ELBO from the same trajectories.
import { latest } from "./compute.js";
import { fillTable, fmt, lineChart, pm, readNumber, setCheck, setPending } from "./plot.js";


export function startElboFormsView(engine, train) {
  const { T } = engine.defaults().train; // the trainer's schedule: the oracle is asked on the same one
  const [model, variance, x, y, samples, seed] = ["forms-model", "forms-variance", "forms-x", "forms-y", "forms-samples", "forms-seed"].map((id) => document.getElementById(id));
  const err = document.getElementById("forms-error");
  const status = document.getElementById("forms-status");

  let last = null;
  const run = latest("elboForms", (f) => { last = f; draw(f); }, (e) => { err.textContent = e.message; setPending(status, "waiting for valid input"); });

  function render() {
    let options;
    try {
      options = {
        model: model.value, variance: variance.value,
        x0: [readNumber(x, "x₀'s first coordinate"), readNumber(y, "x₀'s second coordinate")],
        samples: readNumber(samples, "trajectories"), seed: readNumber(seed, "seed"),
      };
    } catch (e) {
      err.textContent = e.message;
      setPending(status, "waiting for valid input");
      return;
    }
    setPending(status);
    if (model.value === "network") {
      // the trained network of section 6, in the training worker: x_0 must have its data's dimension
      const { model: _, ...rest } = options;
      setPending(status, "computing with your network…");
      const asked = ++networkAsk;
      train.client.elboForms(rest).then((f) => { if (asked === networkAsk) { last = f; draw(f); } },
        (e) => { if (asked === networkAsk) { err.textContent = e.message; setPending(status, "waiting for valid input"); } });
      return;
    }
    networkAsk++;
    run({ schedule: { kind: "linear", T }, options });
  }
  let networkAsk = 0;

  function draw(f) {
    err.textContent = "";
    const d = f.consistencyMinusDenoising, g = f.consistencyKlMinusDenoising;
    const zd = Math.abs(d.mean) / d.stdError;
    fillTable(document.querySelector("#forms-table tbody"), [
      ["consistency form", pm(f.consistency), "(1.45–1.46)"],
      ["denoising-matching form", pm(f.denoising), "(1.62)"],
      ["difference, paired by trajectory", `${pm(d)}  (${fmt(zd)} s.e.)`, ""],
      ["(1.47) as printed", pm(f.consistencyKl), "(1.47)"],
      ["(1.47) − (1.62)", pm(g), ""],
      ["whole trajectory: Var(consistency) / Var(denoising)", `${fmt(f.consistency.variance)} / ${fmt(f.denoising.variance)} = ${fmt(f.trajectoryVarianceRatio)}`, ""],
      ["one random t: Var(consistency) / Var(denoising)", `${fmt(f.consistencySingleTVariance)} / ${fmt(f.denoisingSingleTVariance)} = ${fmt(f.singleTVarianceRatio)}`, ""],
      ["reconstruction term (shared)", pm(f.reconstruction), "(1.62)"],
    ]);
    const ts = Float64Array.from({ length: T }, (_, i) => i + 1);
    const den = f.denoisingVarianceByT.slice(); den[0] = NaN; // t = 1 is the shared decoder term
    lineChart(document.getElementById("chart-forms"), [
      { label: "consistency", x: ts, y: f.consistencyVarianceByT },
      { label: "denoising", x: ts, y: den, dashed: true },
    ], { logY: true });
    const pass = zd < 4 && f.singleTVarianceRatio > 1;
    setCheck(status, pass, pass
      ? `both forms estimate the same ELBO (difference ${fmt(zd)} standard errors); one t at a time (1.62) is ${fmt(f.singleTVarianceRatio)}× less noisy; the printed (1.47) misses by ${fmt(-g.mean)} nats.`
      : `the forms disagree by ${fmt(zd)} standard errors, or (1.62) is not the less noisy one term by term`);
  }

  for (const el of [model, variance, x, y, samples, seed]) el.addEventListener("change", render);
  document.getElementById("forms-form").addEventListener("submit", (e) => e.preventDefault());
  addEventListener("resize", () => last && draw(last));
  render();
}
