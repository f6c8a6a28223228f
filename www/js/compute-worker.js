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
};

self.onmessage = async ({ data: { id, job, args } }) => {
  try {
    await ready;
    if (!JOBS[job]) throw new Error(`no such computation: ${job}`);
    postMessage({ id, result: JOBS[job](args) });
  } catch (e) {
    postMessage({ id, error: e && e.message ? e.message : String(e) });
  }
};
