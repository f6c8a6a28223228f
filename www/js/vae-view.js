// Section 1: the ELBO of a linear-Gaussian VAE, exact and by Monte Carlo (1.15–1.25).
import { compute, workerView } from "./compute.js";
import { fillTable, fmt, pm, readNumber, setCheck, setPending } from "./plot.js";
import { showError } from "./errors.js";
import { t } from "./i18n.js";

const MODEL = { weights: [[1, 0.6], [-0.4, 0.9]], bias: [0, 0], noiseVariance: 0.3, x: [1.2, -0.5] };

export function startVaeView() {
  const ids = ["vae-mu1", "vae-mu2", "vae-s1", "vae-s2", "vae-samples", "vae-seed"];
  const [mu1, mu2, s1, s2, samples, seed] = ids.map((id) => document.getElementById(id));
  const err = document.getElementById("vae-error");
  const status = document.getElementById("vae-status");

  // the engine runs in the compute worker
  const { render } = workerView({
    job: "vae", err, status, draw,
    read: () => ({
      ...MODEL,
      encoder: { mean: [readNumber(mu1, "field.mu1"), readNumber(mu2, "field.mu2")], std: [readNumber(s1, "field.sigma1"), readNumber(s2, "field.sigma2")] },
      samples: readNumber(samples, "common.samples"),
      seed: readNumber(seed, "common.seed"),
    }),
  });

  function draw({ elbo: r, gradients: g }) {
    const mc = r.monteCarlo;
    const z = (e, exact) => Math.abs(e.mean - exact) / (e.stdError || Infinity);
    fillTable(document.querySelector("#vae-table tbody"), [
      [t("vae.row_evidence"), r.logEvidence, pm(mc.logEvidence), "(1.1), (1.2)"],
      ["ELBO = E_q[log p(x,z) − log q(z|x)]", r.elbo, pm(mc.elbo), "(1.16)"],
      [t("vae.row_reconstruction"), r.reconstruction, pm(mc.reconstruction), "(1.20)"],
      [t("vae.row_prior"), r.priorKl, pm(mc.priorKl), "(1.23)"],
      [t("vae.row_gap"), r.posteriorKl, pm(mc.posteriorKl), "(1.15)"],
      ["log p(x) − ELBO − KL(q ‖ p(z|x))", r.identityResidual, "", "(1.15)"],
      [t("vae.row_split"), r.reconstruction - r.priorKl - r.elbo, "", "(1.20)"],
    ]);
    const gradRows = [...g.names].map((name, i) => {
      const label = name.replace("mu_", "∂/∂μ").replace("sigma_", "∂/∂σ");
      const rep = g.reparameterized[i], sf = g.scoreFunction[i];
      const withVariance = (e) => t("vae.with_variance", { estimate: pm(e), variance: fmt(e.variance) });
      return [label, g.exact[i], withVariance(rep), withVariance(sf), `${fmt(g.varianceRatio[i])}×`];
    });
    fillTable(document.querySelector("#vae-grad tbody"), gradRows);
    const worstZ = Math.max(z(mc.elbo, r.elbo), z(mc.reconstruction, r.reconstruction), z(mc.priorKl, r.priorKl), z(mc.posteriorKl, r.posteriorKl),
      ...[...g.names].map((_, i) => Math.max(z(g.reparameterized[i], g.exact[i]), z(g.scoreFunction[i], g.exact[i]))));
    const exactOk = Math.abs(r.identityResidual) < 1e-9 * (1 + Math.abs(r.logEvidence));
    const pass = exactOk && worstZ < 4.5;
    const minRatio = Math.min(...g.varianceRatio);
    if (pass) setCheck(status, true, "vae.pass", { residual: fmt(Math.abs(r.identityResidual)), z: fmt(worstZ), ratio: fmt(minRatio) });
    else setCheck(status, false, "vae.fail", { residual: fmt(r.identityResidual), z: fmt(worstZ) });
  }

  document.getElementById("vae-best").addEventListener("click", async () => {
    setPending(status);
    try {
      const q = await compute("vaeBestEncoder", MODEL);
      [mu1.value, mu2.value] = [...q.mean].map((v) => v.toFixed(4));
      [s1.value, s2.value] = [...q.std].map((v) => v.toFixed(4));
    } catch (e) {
      showError(err, e);
    }
    render();
  });
  for (const el of [mu1, mu2, s1, s2, samples, seed]) el.addEventListener("change", render);
  document.getElementById("vae-form").addEventListener("submit", (e) => e.preventDefault());
  render();
}
