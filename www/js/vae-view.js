// Section 1: the ELBO of a linear-Gaussian VAE, exact and by Monte Carlo (1.15–1.25).
import { compute, latest } from "./compute.js";
import { fillTable, fmt, pm, readNumber, setCheck, setPending } from "./plot.js";

const MODEL = { weights: [[1, 0.6], [-0.4, 0.9]], bias: [0, 0], noiseVariance: 0.3, x: [1.2, -0.5] };

export function startVaeView() {
  const ids = ["vae-mu1", "vae-mu2", "vae-s1", "vae-s2", "vae-samples", "vae-seed"];
  const [mu1, mu2, s1, s2, samples, seed] = ids.map((id) => document.getElementById(id));
  const err = document.getElementById("vae-error");
  const status = document.getElementById("vae-status");

  // the engine runs in the compute worker; `run` keeps only the newest request
  const run = latest("vae", draw, (e) => { err.textContent = e.message; setPending(status, "waiting for valid input"); });

  function render() {
    let config;
    try {
      config = {
        ...MODEL,
        encoder: { mean: [readNumber(mu1, "μ₁"), readNumber(mu2, "μ₂")], std: [readNumber(s1, "σ₁"), readNumber(s2, "σ₂")] },
        samples: readNumber(samples, "samples"),
        seed: readNumber(seed, "seed"),
      };
    } catch (e) {
      err.textContent = e.message;
      setPending(status, "waiting for valid input");
      return;
    }
    setPending(status);
    run(config);
  }

  function draw({ elbo: r, gradients: g }) {
    err.textContent = "";
    const mc = r.monteCarlo;
    const z = (e, exact) => Math.abs(e.mean - exact) / (e.stdError || Infinity);
    fillTable(document.querySelector("#vae-table tbody"), [
      ["log p(x), evidence", r.logEvidence, pm(mc.logEvidence), "(1.1), (1.2)"],
      ["ELBO = E_q[log p(x,z) − log q(z|x)]", r.elbo, pm(mc.elbo), "(1.16)"],
      ["reconstruction E_q[log p_θ(x|z)]", r.reconstruction, pm(mc.reconstruction), "(1.20)"],
      ["prior matching KL(q ‖ p(z))", r.priorKl, pm(mc.priorKl), "(1.23)"],
      ["gap KL(q ‖ p(z|x))", r.posteriorKl, pm(mc.posteriorKl), "(1.15)"],
      ["log p(x) − ELBO − KL(q ‖ p(z|x))", r.identityResidual, "", "(1.15)"],
      ["reconstruction − prior matching − ELBO", r.reconstruction - r.priorKl - r.elbo, "", "(1.20)"],
    ]);
    const gradRows = [...g.names].map((name, i) => {
      const label = name.replace("mu_", "∂/∂μ").replace("sigma_", "∂/∂σ");
      const rep = g.reparameterized[i], sf = g.scoreFunction[i];
      return [label, g.exact[i], `${pm(rep)} (var ${fmt(rep.variance)})`, `${pm(sf)} (var ${fmt(sf.variance)})`, `${fmt(g.varianceRatio[i])}×`];
    });
    fillTable(document.querySelector("#vae-grad tbody"), gradRows);
    const worstZ = Math.max(z(mc.elbo, r.elbo), z(mc.reconstruction, r.reconstruction), z(mc.priorKl, r.priorKl), z(mc.posteriorKl, r.posteriorKl),
      ...[...g.names].map((_, i) => Math.max(z(g.reparameterized[i], g.exact[i]), z(g.scoreFunction[i], g.exact[i]))));
    const exactOk = Math.abs(r.identityResidual) < 1e-9 * (1 + Math.abs(r.logEvidence));
    const pass = exactOk && worstZ < 4.5;
    const minRatio = Math.min(...g.varianceRatio);
    setCheck(status, pass, pass
      ? `(1.15) and (1.20) hold to ${fmt(Math.abs(r.identityResidual))} nats; every Monte Carlo estimate is within ${fmt(worstZ)} standard errors of its exact value; the reparameterized gradient is ${fmt(minRatio)}× or more less noisy than the score-function one.`
      : `mismatch: identity residual ${fmt(r.identityResidual)}, worst Monte Carlo deviation ${fmt(worstZ)} standard errors`);
  }

  document.getElementById("vae-best").addEventListener("click", async () => {
    setPending(status);
    try {
      const q = await compute("vaeBestEncoder", MODEL);
      [mu1.value, mu2.value] = [...q.mean].map((v) => v.toFixed(4));
      [s1.value, s2.value] = [...q.std].map((v) => v.toFixed(4));
    } catch (e) {
      err.textContent = e.message;
    }
    render();
  });
  for (const el of [mu1, mu2, s1, s2, samples, seed]) el.addEventListener("change", render);
  document.getElementById("vae-form").addEventListener("submit", (e) => e.preventDefault());
  render();
}
