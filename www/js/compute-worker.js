// The compute worker: the numerical companions (the VAE, a noised data set, the two ELBO forms,
// score matching, 1-D Tweedie, plain vs annealed Langevin, the derivations, chapter 9's SDEs with the oracle) run here, off the page's main thread,
// so that a heavy setting never freezes the page. It only routes: each message {id, job, args}
// names an engine call (src/web/) and is answered by {id, result} or {id, error}, the error as
// data {message, code, params} so the page renders it in either language.
// the mathematics module: no burn, small, ready at once (the engine is the training worker's)
import init, * as dl from "../diffusion-lab-math.js";

const ready = init({ module_or_path: new URL("../diffusion-lab-math_bg.wasm", import.meta.url) });

/** An engine error as plain data: its English message, and code + params when it has them. */
const errorData = (e) => ({ message: e && e.message ? e.message : String(e), code: e?.code, params: e?.params });

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
  langevin: (config) => dl.langevinCompare(config),
  derivation: (config) => dl.derivation(config),
  sde: (config) => dl.sde(config),
  sdeCorrespondence: (config) => dl.sdeCorrespondence(config),
  pfOdeLikelihood: (config) => dl.pfOdeLikelihood(config),
  qualityVsSteps: (config) => dl.qualityVsSteps(config),
  flowPath: (config) => dl.flowPath(config), // issue 19: the reverse process as frames, with the oracle
};

self.onmessage = async ({ data: { id, job, args } }) => {
  try {
    await ready;
    if (!JOBS[job]) throw Object.assign(new Error(`no such computation: ${job}`), { code: "unknown_choice", params: { field: "job", value: String(job), choices: Object.keys(JOBS) } });
    postMessage({ id, result: await JOBS[job](args) });
  } catch (e) {
    postMessage({ id, error: errorData(e) });
  }
};
