// The compute worker: the numerical companions (the VAE, a noised data set, the two ELBO forms,
// score matching, 1-D Tweedie) run here, off the page's main thread, so that a heavy setting never freezes the page.
// Each message {id, job, args} is answered by {id, result} or {id, error}. The jobs call the same
// JS API the page and the tests use (src/web/theory.rs); the results are plain objects.
import init, * as dl from "../diffusion-lab.js";

const ready = init({ module_or_path: new URL("../diffusion-lab_bg.wasm", import.meta.url) });

let ring8 = null;
const mixture = () => (ring8 ??= dl.Mixture.ring8({}));
const schedules = new Map();
function schedule({ kind, T }) {
  const key = `${kind}:${T}`;
  if (!schedules.has(key)) schedules.set(key, new dl.Schedule({ kind, T }));
  return schedules.get(key);
}

// Section 8b: plain vs annealed Langevin on an unbalanced two-Gaussian mixture, both driven by its
// exact score, from the same seed (so the same uniform starting points). The share of particles in
// the light mode is recorded along the way (nearest mean), and the final samples are scored.
const MEANS = [[-2, -2], [2, 2]];
async function langevinCompare({ light, particles, seed, steps }) {
  if (!(light > 0 && light < 1)) throw new Error(`light = ${light} is out of range: the light mode's weight must be in (0, 1)`);
  const m = new dl.Mixture({ weights: [light, 1 - light], means: MEANS, variances: [[0.25, 0.25], [0.25, 0.25]] });
  const reference = m.sample(1000, 777);
  const floor = dl.mmd2(m.sample(particles, 778), reference, 2);
  const shareOfLight = (x) => {
    let k = 0;
    for (let i = 0; i < x.length; i += 2) if (x[i] + x[i + 1] < 0) k++; // nearer to (−2, −2) than to (2, 2)
    return k / (x.length / 2);
  };
  const run = async (config) => {
    const c = dl.Chain.withOracle({ particles, seed, initScale: 4, ...config }, m);
    const every = Math.max(1, Math.floor(c.length / 60));
    const at = [0], share = [shareOfLight(c.state())];
    for (let p = every; p <= c.length; p = Math.min(c.length, p + every)) {
      await c.runTo(p);
      at.push(p); share.push(shareOfLight(c.state()));
      if (p === c.length) break;
    }
    const q = c.quality(reference);
    const r = { state: c.state(), at, share, length: c.length, modeFractions: Array.from(q.modeFractions), modeWeightError: q.modeWeightError, mmd2: q.mmd2 };
    c.free();
    return r;
  };
  const plain = await run({ sampler: "langevin", stepSize: 0.01, steps });
  const annealed = await run({ sampler: "annealed", sigmaMax: 4, sigmaMin: 0.1, levels: 8, stepsPerLevel: 50, eps: 2e-3 });
  m.free();
  return { weights: [light, 1 - light], means: MEANS, plain, annealed, floor };
}

const JOBS = {
  vae: (config) => ({ elbo: dl.vaeElbo(config), gradients: dl.vaeGradients(config) }),
  vaeBestEncoder: (model) => dl.vaeElbo({ ...model, encoder: "best", samples: 2 }).encoder,
  elboForms: ({ schedule: s, options }) => dl.elboForms(schedule(s), mixture(), options),
  scoreMatching: ({ options, energyAt, logNormalizers, h }) => ({
    matching: dl.scoreMatching(mixture(), options),
    energy: dl.energyScores(mixture(), new Float64Array(energyAt), new Float64Array(logNormalizers), h),
  }),
  tweedie1d: (config) => dl.tweedie1d(config),
  noising: ({ schedule: s, options }) => dl.noiseDataset(schedule(s), options),
  langevin: langevinCompare,
};

self.onmessage = async ({ data: { id, job, args } }) => {
  try {
    await ready;
    if (!JOBS[job]) throw new Error(`no such computation: ${job}`);
    postMessage({ id, result: await JOBS[job](args) });
  } catch (e) {
    postMessage({ id, error: e && e.message ? e.message : String(e) });
  }
};
