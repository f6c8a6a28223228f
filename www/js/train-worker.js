// The training worker: the engine runs here so the page never freezes. It only routes messages
// to the engine (src/web/trainer.rs, chain.rs) and paces the training loop; no numbers are
// computed here. It trains in small chunks
// (sized to take about 150 ms) and yields between them, so pause / resume / abort messages are
// handled promptly. While it trains it sends snapshots of the weights (at the start and then at
// most once a second), so that if the GPU fails the page can go on from them on the CPU.
// the engine module (burn: WebGPU and the CPU), loaded here only, in the background
import init, * as dl from "../diffusion-lab-engine.js";

// Watch every WebGPU device this worker opens (burn's wgpu asks for one through the adapter): a
// lost device — driver reset, out of memory, the GPU process gone — is reported at once, even if
// the engine is stuck waiting on it.
self.gpuDevices = [];
if (self.GPUAdapter) {
  const requestDevice = GPUAdapter.prototype.requestDevice;
  GPUAdapter.prototype.requestDevice = async function (...args) {
    const device = await requestDevice.apply(this, args);
    self.gpuDevices.push(device);
    device.lost.then((info) => post({ type: "device-lost", message: `the WebGPU device was lost (${info.reason || "unknown"}${info.message ? ": " + info.message : ""})` }));
    device.addEventListener?.("uncapturederror", (e) => post({ type: "device-lost", message: `WebGPU error: ${e.error?.message || e.error}` }));
    return device;
  };
}

const ready = init({ module_or_path: new URL("../diffusion-lab-engine_bg.wasm", import.meta.url) });
let trainer = null;
let paused = false, aborted = false, running = false;
let job = null; // the running training loop (a promise), so that a new run or a new model can end it first
// End the current training run (paused or not) and wait until its loop has stopped.
async function endJob() { if (job) { aborted = true; paused = false; await job; } }
const post = (m, transfer) => postMessage(m, transfer || []);
/** An engine error as plain data: its English message, and code + params when it has them. */
const errorData = (e) => ({ message: e && e.message ? e.message : String(e), code: e?.code, params: e?.params });
// One engine call at a time: the trainer refuses overlapping calls, and the chain, the held-out
// estimate and the training chunks all use it. Calls queue here and interleave between chunks.
let lock = Promise.resolve();
const exclusive = (fn) => { const run = lock.then(fn, fn); lock = run.catch(() => {}); return run; };
const tick = () => new Promise((r) => setTimeout(r, 0));

async function snapshot() {
  const [bytes, step] = await exclusive(async () => [await trainer.save(), trainer.stepCount]);
  post({ type: "snapshot", bytes, step }, [bytes.buffer]);
}

let heldOutOptions = { variance: "beta" }; // points and tSamples: the engine's defaults (defaults().heldOut)
// (asked for on its own, the estimate stands back while the reader drives the chain, as the
// refinement does: a chain step never waits behind seconds of held-out evaluation; a training
// run's evaluations do not wait)
const chainIdle = async () => { while (performance.now() - lastChainRequest < 1000) await new Promise((r) => setTimeout(r, 200)); };
const heldOut = (standBack = false) => (standBack ? chainIdle() : Promise.resolve()).then(() => exclusive(async () => { const step = trainer.stepCount; return { type: "heldout", step, variance: heldOutOptions.variance, ...(await trainer.heldOut(heldOutOptions)) }; }));

// The held-out estimate refined in the background while nothing trains: the engine pools one more
// slice of held-out points per call until its standard error is within its target (`refined`);
// each pooled figure goes to the page. Slices are sized to take ~300 ms (on a slow GPU a few
// points, on a fast CPU many), and the loop stands back while the reader drives the chain, so a
// step never waits behind more than one slice. A new run, model or refinement stops it.
let refineRun = 0, lastChainRequest = 0;
async function refine() {
  const run = ++refineRun;
  const live = () => run === refineRun && !running && trainer;
  let points = 4;
  while (live()) {
    while (live() && performance.now() - lastChainRequest < 1000) await new Promise((r) => setTimeout(r, 200));
    let r, ms = 0;
    try {
      r = await exclusive(async () => {
        if (!live()) return null;
        const c0 = performance.now();
        const report = await trainer.heldOut({ variance: heldOutOptions.variance, refine: true, points });
        ms = performance.now() - c0;
        return { type: "heldout", step: trainer.stepCount, variance: heldOutOptions.variance, ...report };
      });
    } catch (e) {
      if (live()) post({ type: "error", ...errorData(e), cmd: "heldout" });
      return;
    }
    if (!r || !live()) return;
    // a device so slow that one point (1000 network evaluations) takes over 1.5 s (a software GPU)
    // would keep the machine busy for many minutes: stop, and say so
    const slow = points === 1 && ms > 1500 && !r.refined;
    post(slow ? { ...r, slow: true } : r);
    if (r.refined || slow) return;
    points = Math.max(1, Math.min(256, Math.round((points * 300) / Math.max(ms, 1))));
    await tick();
  }
}

// Live samples (issue 19): about once a second while training, a few-step batch of the network as
// it is (trainer.liveSamples: DDIM or, for a flow network, Euler; MMD² against held-out points),
// between chunks through the same lock. `liveMs` is the time they took, so the page (and the
// benchmark) can say what share of the run they cost.
const LIVE_EVERY_MS = 1000;
async function liveSample(id, t0, live) {
  const c0 = performance.now();
  const s = await exclusive(() => trainer.liveSamples({}));
  live.ms += performance.now() - c0;
  post({ type: "live", job: id, ...s, liveMs: live.ms, elapsedMs: performance.now() - t0 }, [s.samples.buffer, s.reference.buffer]);
}

async function train({ steps, evalEvery = 200, job: id, live: liveOn = true }) {
  running = true; paused = false; aborted = false;
  let done = 0, sinceEval = 0, chunk = 1, lastSnapshot = performance.now();
  await snapshot();
  const t0 = performance.now();
  const live = { ms: 0, on: liveOn, last: t0 };
  const sampleLive = async () => {
    if (!live.on) return;
    live.last = performance.now();
    try { await liveSample(id, t0, live); } catch (e) { live.on = false; post({ type: "live-off", job: id, ...errorData(e) }); } // (an NCSN has none)
  };
  await sampleLive();
  while (done < steps && !aborted) {
    if (paused) { await new Promise((r) => setTimeout(r, 50)); continue; }
    const c0 = performance.now();
    const [r, lossByT] = await exclusive(async () => [await trainer.run(Math.min(chunk, steps - done)), trainer.lossByT()]);
    const ms = performance.now() - c0;
    chunk = Math.max(1, Math.min(50, Math.round((chunk * 150) / Math.max(ms, 1)))); // aim at ~150 ms
    done += r.steps; sinceEval += r.steps;
    const secs = (performance.now() - t0) / 1000;
    post({ type: "progress", job: id, losses: r.losses, totalSteps: r.totalSteps, done, steps, stepsPerSec: done / secs, lossByT });
    if (r.deviceError) throw new Error(r.stopped); // the page falls back to the CPU
    if (r.stopped) { post({ type: "stopped", job: id, message: r.stopped }); break; }
    if (sinceEval >= evalEvery || done >= steps) {
      sinceEval = 0;
      post({ ...(await heldOut()), job: id });
    }
    if (performance.now() - lastSnapshot > 1000) { await snapshot(); lastSnapshot = performance.now(); }
    if (performance.now() - live.last >= LIVE_EVERY_MS && done < steps) await sampleLive();
    await tick();
  }
  await sampleLive(); // the network as the run left it
  running = false;
  post({ type: "finished", job: id, aborted, totalSteps: await exclusive(() => trainer.stepCount) });
  if (!aborted) refine();
}

// The reverse chain (section 7) runs here too: the network lives in this worker, and 10,000
// particles never block the page. Each reply carries the particles and, for the selected
// particle, what the inspector shows.
let chain = null;
const pick = (a, i, d) => (a ? Array.from(a.subarray(i * d, (i + 1) * d)) : null);
async function chainReply(selected) {
  const d = 2, i = selected ?? 0;
  const view = await chain.inspect(); // what the model says at the current state: the next step
  const at = chain.at;
  const particle = view && { x: pick(view.x, i, d), mean: pick(view.mean, i, d), x0: pick(view.x0, i, d), eps: pick(view.eps, i, d), score: pick(view.score, i, d), sigma: view.sigma };
  const posterior = view ? await chain.posterior(i) : null;
  const state = chain.state();
  return { at, state, particle, posterior: posterior && { ...posterior, x0: Array.from(posterior.x0), mean: Array.from(posterior.mean), modelMean: Array.from(posterior.modelMean) }, transfer: [state.buffer] };
}
async function chainCommand(m) {
  if (!chain && m.cmd !== "chain-create") throw Object.assign(new Error("there is no chain yet: press New chain"), { code: "no_chain", params: { field: "chain" } });
  switch (m.cmd) {
    case "chain-create": { // a config the engine refuses leaves the current chain as it was
      const next = m.source === "oracle" ? dl.Chain.withOracle(m.config, dl.Mixture.ring8({})) : trainer.chain(m.config);
      chain?.free();
      chain = next;
      return chainReply(m.selected);
    }
    case "chain-step": await chain.step(); return chainReply(m.selected);
    case "chain-back": await chain.stepBack(); return chainReply(m.selected);
    case "chain-to": { const { reached } = await chain.runTo(m.position); return { ...(await chainReply(m.selected)), reached }; } // one work budget per call: the page asks again until reached
    case "chain-inspect": return chainReply(m.selected);
    case "chain-quality": { // against held-out data, or (for the reader's own points) draws from those points
      const q = chain.qualityAgainst(m.reference ? { reference: m.reference } : { dataset: m.dataset });
      return { quality: { ...q, modeFractions: q.modeFractions && Array.from(q.modeFractions), modeWeights: q.modeWeights && Array.from(q.modeWeights) } };
    }
    case "chain-field": return { field: await chain.scoreField(m.points) };
  }
}

// The NCSN of chapter 6 (item 47): its own trainer on the CPU, beside the reader's model; one run
// at a time (a new one replaces it). It reports its progress and, before and after, the engine's
// per-level error against the exact noise-conditional score.
let ncsn = null, ncsnRun = 0;
async function ncsnTrain({ config, steps }) {
  const run = ++ncsnRun;
  const fresh = await dl.Trainer.create(config, { backend: "cpu" });
  ncsn?.free();
  ncsn = fresh;
  const before = await ncsn.scoreErrorByLevel({});
  post({ type: "ncsn-progress", done: 0, steps, before });
  let done = 0, chunk = 5, last = null;
  while (done < steps) {
    if (run !== ncsnRun) return null; // replaced by a newer run
    const c0 = performance.now();
    const r = await exclusive(() => ncsn.run(Math.min(chunk, steps - done)));
    chunk = Math.max(1, Math.min(100, Math.round((chunk * 150) / Math.max(performance.now() - c0, 1))));
    done += r.steps; last = r.losses[r.losses.length - 1];
    if (r.stopped) throw Object.assign(new Error(r.stopped), { code: "device" });
    post({ type: "ncsn-progress", done, steps, loss: last });
    await tick();
  }
  return { before, after: await ncsn.scoreErrorByLevel({}), loss: last, steps };
}

// The race of issue 17: x0, eps and score networks trained side by side from one seed on the same
// batches (src/engine/race.rs), on the CPU like the NCSN, beside the reader's model. One race at a
// time ("race-create" replaces it). "race-run" trains in chunks of ~150 ms through `exclusive`, so
// the reader's training, the chain, "race-means" and "race-heldout" interleave between chunks; it
// posts {type: "race-progress", done, steps, totalSteps, losses: {x0, eps, score}, mean} per chunk
// and ends with {type: "race", done, steps, totalSteps, stopped?, replaced?}. "race-abort" (or a new
// race or run) ends the loop after its chunk.
let race = null, raceRun = 0;
const needRace = () => { if (!race) throw Object.assign(new Error("there is no race yet: race-create first"), { code: "missing", params: { field: "race" } }); };
async function raceTrain({ steps }) {
  needRace();
  const run = ++raceRun, mine = race; // a new race or run ends this one (and never trains the new race here)
  return chunked(mine, () => run === raceRun, steps, "race-progress");
}

// A side job (the race, the flow pair) trained in chunks of ~150 ms through `exclusive`, posting
// {type: progress, done, steps, totalSteps, losses, mean} per chunk; it ends after the chunk in
// which `current()` turns false (a new job or an abort). Resolves to {done, steps, totalSteps,
// sameBatches, stopped?, replaced?}.
async function chunked(model, current, steps, progress) {
  let done = 0, chunk = 2;
  while (done < steps) {
    if (!current()) return { replaced: true, done, steps };
    const c0 = performance.now();
    const r = await exclusive(() => model.run(Math.min(chunk, steps - done)));
    chunk = Math.max(1, Math.min(50, Math.round((chunk * 150) / Math.max(performance.now() - c0, 1))));
    done += r.steps;
    post({ type: progress, done, steps, totalSteps: r.totalSteps, losses: r.losses, mean: r.mean });
    if (r.stopped) return { done, steps, totalSteps: r.totalSteps, stopped: r.stopped };
    await tick();
  }
  return { done, steps, totalSteps: await exclusive(() => model.stepCount), sameBatches: await exclusive(() => model.sameBatches) };
}

// Issue 19's flow matching: a diffusion (ε) and a flow-matching network from one seed on the same
// batches (src/engine/flow_compare.rs), on the CPU like the race, one comparison at a time
// ("flow-create" replaces it). "flow-run" trains in ~150 ms chunks through `exclusive` and posts
// {type: "flow-progress", done, steps, totalSteps, mean: {diffusion, flow}} per chunk; "flow-abort"
// (or a new comparison or run) ends it after its chunk.
let flowPair = null, flowRun = 0;
const needFlow = () => { if (!flowPair) throw Object.assign(new Error("there is no flow comparison yet: flow-create first"), { code: "missing", params: { field: "flowComparison" } }); };
async function flowTrain({ steps }) {
  needFlow();
  const run = ++flowRun, mine = flowPair;
  return chunked(mine, () => run === flowRun, steps, "flow-progress");
}
const pathTransfer = (p) => [p.points.buffer, p.density.buffer, p.times.buffer];

// DDPM (1000 steps) and DDIM (50 steps, η = 0) from the same seed, so the same x_T: one work
// budget per turn of the lock (src/web/compare.rs), so the chain and training interleave, with a
// {type: "compare-progress", steps, total, running} after each; "chain-compare-stop" (or a new
// comparison) ends it between two budgets.
let comparing = 0;
async function compare(m) {
  const run = ++comparing;
  const options = { particles: m.particles, seed: m.seed, ...(m.reference ? { reference: m.reference } : { dataset: m.dataset }) };
  const job = await exclusive(() => (m.source === "oracle" ? dl.Comparison.withOracle(dl.Mixture.ring8({}), options) : trainer.comparison(options)));
  try {
    for (;;) {
      const p = await exclusive(() => job.advance());
      if (run !== comparing) return { stopped: true, steps: p.steps, total: p.total };
      if (p.done) break;
      post({ type: "compare-progress", steps: p.steps, total: p.total, running: p.running });
      await tick();
    }
    const c = job.result();
    return { compare: c, transfer: [c.ddpm.state.buffer, c.ddim.state.buffer] };
  } finally {
    job.free();
  }
}

onmessage = async ({ data: m }) => {
  if (m.cmd === "chain-compare-stop") { comparing++; post({ type: "chain", id: m.id }); return; }
  if (m.cmd && m.cmd.startsWith("chain-")) {
    lastChainRequest = performance.now();
    try {
      await ready;
      if (m.cmd === "chain-compare" && !trainer && m.source !== "oracle") throw Object.assign(new Error("there is no model yet: create one first"), { code: "missing", params: { field: "trainer" } });
      const r = m.cmd === "chain-compare" ? await compare(m) : await exclusive(() => chainCommand(m));
      const transfer = r.transfer || [];
      delete r.transfer;
      post({ type: "chain", id: m.id, ...r }, transfer);
    } catch (e) {
      post({ type: "error", ...errorData(e), cmd: m.cmd, id: m.id });
    }
    return;
  }
  try {
    await ready;
    switch (m.cmd) {
      case "create":
        await endJob(); // a paused run of the old model ends with it
        refineRun++; // and so does its refinement
        await exclusive(async () => {
          chain?.free(); chain = null;
          trainer?.free();
          trainer = await dl.Trainer.create(m.config, m.options || {});
        });
        post({ type: "created", backend: trainer.backend, id: m.id });
        break;
      case "train": { // a new run ends the current one (paused or not) first
        await endJob();
        const run = train(m);
        job = run.catch(() => {}).finally(() => { if (job === tracked) job = null; });
        const tracked = job;
        await run;
        break;
      }
      case "pause": paused = true; post({ type: "paused" }); break;
      case "resume": paused = false; post({ type: "resumed" }); break;
      case "abort": aborted = true; paused = false; break;
      case "save": {
        const bytes = await exclusive(() => trainer.save());
        post({ type: "saved", bytes, id: m.id }, [bytes.buffer]);
        break;
      }
      case "live": { // one batch of live samples outside a run (the model as loaded)
        const t0 = performance.now(), live = { ms: 0 };
        if (trainer && !running) await liveSample(undefined, t0, live).catch((e) => post({ type: "live-off", ...errorData(e) }));
        break;
      }
      case "heldout":
        if (m.variance) heldOutOptions = { ...heldOutOptions, variance: m.variance };
        post(await heldOut(!running));
        if (!running) refine();
        break;
      case "elbo-forms": // chapter 3 for the network: both ELBO forms from the same trajectories
        post({ type: "elbo-forms", id: m.id, result: await exclusive(() => trainer.elboForms(m.options)) });
        break;
      case "load": post({ type: "loaded", header: await exclusive(() => trainer.load(new Uint8Array(m.bytes))), id: m.id }); break;
      case "ncsn-train": { const r = await ncsnTrain(m); post({ type: "ncsn", id: m.id, ...(r || { replaced: true }) }); break; }
      case "score-error-t": { // the reader's network against the exact score, per t: between training chunks
        if (!running) await chainIdle(); // a background picture: after the reader's chain steps
        const r = await exclusive(async () => {
          if (!trainer) throw Object.assign(new Error("there is no model yet: create one first"), { code: "missing", params: { field: "trainer" } });
          return { step: trainer.stepCount, ...(await trainer.scoreErrorByT(m.options || {})) };
        });
        post({ type: "score-error-t", id: m.id, ...r });
        break;
      }
      case "likelihood": // the network's PF-ODE log-likelihood of held-out points (issue 17): between training chunks
      case "quality-steps": { // its sample quality against NFE per sampler family
        const r = await exclusive(async () => {
          if (!trainer) throw Object.assign(new Error("there is no model yet: create one first"), { code: "missing", params: { field: "trainer" } });
          const options = m.options || {};
          return { step: trainer.stepCount, ...(await (m.cmd === "likelihood" ? trainer.likelihood(options) : trainer.qualityVsSteps(options))) };
        });
        post({ type: m.cmd, id: m.id, result: r });
        break;
      }
      case "backend": // the device burn would pick (the page's badge): WebGPU if it initialises, else the CPU and why
        post({ type: "backend", id: m.id, result: await dl.initBackend() });
        break;
      case "measure-backends": // issue 14: which device trains this model faster (throwaway copies, timed)
        post({ type: "measured", id: m.id, result: await exclusive(() => dl.measureBackends(m.config, m.options || {})) });
        break;
      case "flow-path": { // the animation's frames for the reader's network (issue 19)
        const r = await exclusive(async () => {
          if (!trainer) throw Object.assign(new Error("there is no model yet: create one first"), { code: "missing", params: { field: "trainer" } });
          return { step: trainer.stepCount, ...(await trainer.flowPath(m.options || {})) };
        });
        post({ type: "flow-path", id: m.id, result: r }, pathTransfer(r));
        break;
      }
      case "flow-create": {
        flowRun++;
        const step = await exclusive(() => { const fresh = new dl.FlowComparison(m.config || {}); flowPair?.free(); flowPair = fresh; return flowPair.stepCount; });
        post({ type: "flow-created", id: m.id, stepCount: step });
        break;
      }
      case "flow-run": post({ type: "flow", id: m.id, ...(await flowTrain(m)) }); break;
      case "flow-abort": flowRun++; post({ type: "flow-aborted", id: m.id }); break;
      case "flow-nfe": needFlow(); post({ type: "flow-nfe", id: m.id, result: await exclusive(() => flowPair.atEqualNfe(m.options || {})) }); break;
      case "flow-velocity": needFlow(); post({ type: "flow-velocity", id: m.id, result: await exclusive(() => flowPair.velocityAt({ x: m.x, tau: m.tau })) }); break;
      case "flow-pair-path": { needFlow(); const r = await exclusive(() => flowPair.flowPath(m.options || {})); post({ type: "flow-pair-path", id: m.id, result: r }, pathTransfer(r)); break; }
      case "race-create": {
        raceRun++; // a running race ends after its chunk
        const step = await exclusive(() => { const fresh = new dl.Race(m.config || {}); race?.free(); race = fresh; return race.stepCount; });
        post({ type: "race-created", id: m.id, stepCount: step });
        break;
      }
      case "race-run": post({ type: "race", id: m.id, ...(await raceTrain(m)) }); break;
      case "race-abort": raceRun++; post({ type: "race-aborted", id: m.id }); break;
      case "race-means": needRace(); post({ type: "race-means", id: m.id, result: await exclusive(() => race.meansAt({ x: m.x, t: m.t })) }); break;
      case "race-heldout": needRace(); post({ type: "race-heldout", id: m.id, result: await exclusive(() => race.heldOut(m.options || {})) }); break;
      default: throw Object.assign(new Error(`unknown command ${m.cmd}`), { code: "unknown_choice", params: { field: "cmd", value: String(m.cmd), choices: ["create", "train", "pause", "resume", "abort", "save", "heldout", "elbo-forms", "load", "ncsn-train", "score-error-t", "likelihood", "quality-steps", "backend", "measure-backends", "race-create", "race-run", "race-abort", "race-means", "race-heldout", "live", "flow-path", "flow-create", "flow-run", "flow-abort", "flow-nfe", "flow-velocity", "flow-pair-path"] } });
    }
  } catch (e) {
    if (m.cmd === "train") running = false;
    post({ type: "error", ...errorData(e), cmd: m.cmd, id: m.id });
  }
};
