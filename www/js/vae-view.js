// Section 1: the ELBO of a linear-Gaussian VAE, exact and by Monte Carlo (1.15–1.25).
import { compute, workerView } from "./compute.js";
import { fillTable, fmt, pm, readNumber, setCheck, setPending } from "./plot.js";
import { showError } from "./errors.js";
import { t } from "./i18n.js";
import { prepareCanvas } from "./cloud.js";
import { ellipse, mark, movable } from "./ellipse.js";

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

  // the latent space: the prior, the exact posterior p(z|x) and the encoder's q(z|x), as the engine gives them
  const canvas = document.getElementById("vae-canvas"), VIEW = 3;
  let last = null;
  function picture(r) {
    const c = prepareCanvas(canvas, { view: VIEW });
    ellipse(c, [0, 0], [1, 0, 0, 1], "#9ca3af", [1, 2], [4, 4]);
    ellipse(c, [...r.posterior.mean], [...r.posterior.covariance], "#2563eb");
    const [m, sd] = [[...r.encoder.mean], [...r.encoder.std]];
    ellipse(c, m, [sd[0] ** 2, 0, 0, sd[1] ** 2], "#ea580c");
    mark(c, [...r.posterior.mean], "#2563eb", { radius: 3 });
    mark(c, m, "#ea580c", { radius: 4 });
  }
  movable(canvas, {
    view: VIEW,
    get: () => [Number(mu1.value) || 0, Number(mu2.value) || 0],
    set: ([a, b]) => { mu1.value = a.toFixed(2); mu2.value = b.toFixed(2); render(); },
  });
  addEventListener("resize", () => { if (last) picture(last); });

  function draw({ elbo: r, gradients: g }) {
    last = r;
    picture(r);
    canvas.dataset.mean = JSON.stringify([...r.encoder.mean]);
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
    const tiny = (v, scale) => Math.abs(v) < 1e-9 * (1 + Math.abs(scale));
    // (1.15) with the gap by its own formula, (1.20) with the ELBO from E_q[log p(x,z) − log q] (not
    // defined as recon − KL), and Jensen's bound (1.8): ELBO ≤ log p(x)
    const exactOk = tiny(r.identityResidual, r.logEvidence) && tiny(r.reconstruction - r.priorKl - r.elbo, r.elbo) && r.elbo <= r.logEvidence;
    const pass = exactOk && worstZ < 4.5;
    // (1.1)–(1.2): log p(x,z) − log p(z|x) at each draw z is the closed-form integral log p(x), whatever z
    const ev = mc.logEvidence, spread = Math.sqrt(ev.variance);
    const evidence = document.getElementById("vae-evidence");
    if (tiny(ev.mean - r.logEvidence, r.logEvidence) && spread < 1e-9) setCheck(evidence, true, "vae.evidence_pass", { n: ev.samples, value: fmt(r.logEvidence), d: Math.abs(ev.mean - r.logEvidence).toExponential(1), spread: spread.toExponential(1) });
    else setCheck(evidence, false, "vae.evidence_fail", { value: fmt(r.logEvidence), mc: fmt(ev.mean), spread: fmt(spread) });
    const minRatio = Math.min(...g.varianceRatio);
    if (pass) setCheck(status, true, "vae.pass", { residual: fmt(Math.abs(r.identityResidual)), z: fmt(worstZ), ratio: fmt(minRatio) });
    else setCheck(status, false, "vae.fail", { residual: fmt(Math.max(Math.abs(r.identityResidual), Math.abs(r.reconstruction - r.priorKl - r.elbo))), z: fmt(worstZ) });
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
