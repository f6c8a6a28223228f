// Section 3: the consistency (1.45–1.47) and denoising-matching (1.62) ELBO from the same trajectories.
import { compute, workerView } from "./compute.js";
import { fillTable, fmt, lineChart, pm, readNumber, setCheck } from "./plot.js";
import { t } from "./i18n.js";


export function startElboFormsView(engine, train) {
  const { T } = engine.defaults().train; // the trainer's schedule: the oracle is asked on the same one
  const [model, variance, x, y, samples, seed] = ["forms-model", "forms-variance", "forms-x", "forms-y", "forms-samples", "forms-seed"].map((id) => document.getElementById(id));
  const err = document.getElementById("forms-error");
  const status = document.getElementById("forms-status");

  // the oracle and the poor model in the compute worker; the trained network of section 6 in the training worker
  const { render, redraw } = workerView({
    err, status, draw,
    job: ({ network, options }) => (network ? train.client.elboForms(options) : compute("elboForms", { schedule: { kind: "linear", T }, options })),
    pending: ({ network }) => (network ? "forms.pending_network" : "common.computing"),
    read: () => {
      const network = model.value === "network";
      const options = {
        ...(network ? {} : { model: model.value }), variance: variance.value,
        x0: [readNumber(x, "field.x0_first"), readNumber(y, "field.x0_second")],
        samples: readNumber(samples, "forms.trajectories"), seed: readNumber(seed, "common.seed"),
      };
      return { network, options };
    },
  });

  function draw(f) {
    const d = f.consistencyMinusDenoising, g = f.consistencyKlMinusDenoising;
    const zd = Math.abs(d.mean) / d.stdError;
    fillTable(document.querySelector("#forms-table tbody"), [
      [t("forms.row_consistency"), pm(f.consistency), "(1.45–1.46)"],
      [t("forms.row_denoising"), pm(f.denoising), "(1.62)"],
      [t("forms.row_difference"), `${pm(d)}  (${t("common.se", { value: fmt(zd) })})`, ""],
      [t("forms.row_printed"), pm(f.consistencyKl), "(1.47)"],
      ["(1.47) − (1.62)", pm(g), ""],
      [t("forms.row_var_trajectory"), `${fmt(f.consistency.variance)} / ${fmt(f.denoising.variance)} = ${fmt(f.trajectoryVarianceRatio)}`, ""],
      [t("forms.row_var_one_t"), `${fmt(f.consistencySingleTVariance)} / ${fmt(f.denoisingSingleTVariance)} = ${fmt(f.singleTVarianceRatio)}`, ""],
      [t("forms.row_reconstruction"), pm(f.reconstruction), "(1.62)"],
    ]);
    const ts = Float64Array.from({ length: T }, (_, i) => i + 1);
    const den = f.denoisingVarianceByT.slice(); den[0] = NaN; // t = 1 is the shared decoder term
    lineChart(document.getElementById("chart-forms"), [
      { label: t("forms.legend_consistency"), x: ts, y: f.consistencyVarianceByT },
      { label: t("forms.legend_denoising"), x: ts, y: den, dashed: true },
    ], { logY: true });
    const pass = zd < 4 && f.singleTVarianceRatio > 1;
    if (pass) setCheck(status, true, "forms.pass", { z: fmt(zd), ratio: fmt(f.singleTVarianceRatio), miss: fmt(-g.mean) });
    else setCheck(status, false, "forms.fail", { z: fmt(zd) });
  }

  for (const el of [model, variance, x, y, samples, seed]) el.addEventListener("change", render);
  document.getElementById("forms-form").addEventListener("submit", (e) => e.preventDefault());
  addEventListener("resize", redraw);
  render();
}
