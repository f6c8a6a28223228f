// The page's side of the training worker: commands out, events in. An error the worker posts
// (`{type: "error", error | message, code?, params?}`) comes back as an Error with the engine's
// `code` and `params` (errors.js); failures reach the page as `{type: "error", error}`.
//
// GPU failure: while training on WebGPU the worker sends weight snapshots. If the device is lost
// (or the engine fails on it: out of memory, a trap), the client ends that worker, starts a new
// one on the CPU backend, loads the last snapshot and trains the remaining steps, then reports
// `{type: "fallback", reason (the Error), step, backend}`. The optimiser's moments start afresh; the weights
// are kept.
import { pageError, workerError } from "./errors.js";

const received = (data) => workerError(data.error ?? data.message, data); // the engine's code and params, when sent

// A worker made only once `gate` resolves (issue 15: the engine module loads after the first
// chapters are live, so it does not compete with them for the CPU); messages wait for it in order.
class LateWorker {
  constructor(url, gate) {
    this.queue = [];
    gate.then(() => {
      if (!this.queue) return; // terminated before it was made
      this.worker = new Worker(url, { type: "module" });
      this.worker.onmessage = (e) => this.onmessage?.(e);
      this.worker.onerror = (e) => this.onerror?.(e);
      for (const [m, transfer] of this.queue) this.worker.postMessage(m, transfer);
      this.queue = [];
    });
  }
  postMessage(m, transfer = []) { if (this.worker) this.worker.postMessage(m, transfer); else this.queue?.push([m, transfer]); }
  terminate() { this.worker?.terminate(); this.queue = null; }
}

export class TrainerClient {
  /** `gate`: a promise after which the worker (and the engine module with it) is loaded. */
  constructor(onEvent, { gate = Promise.resolve() } = {}) {
    this.gate = gate;
    this.onEvent = onEvent;
    this.pending = new Map();
    this.nextId = 1;
    this.snapshot = null; // {bytes, step}: the newest weights the worker sent while training
    this.job = null; // {id, target, evalEvery}: the current training run (the total step count it aims at)
    this.jobs = 0; // runs started: a run's events carry its id, and those of a run that has ended are dropped
    this.backendKind = null;
    this.fallingBack = false;
    this.stepCount = 0; // the trainer's steps so far (from progress events and loaded checkpoints)
    this.spawn();
  }

  spawn() {
    this.worker = new LateWorker(new URL("./train-worker.js", import.meta.url), this.gate);
    this.worker.onmessage = ({ data }) => this.receive(data);
    this.worker.onerror = (e) => this.failed(pageError("worker_failed", { field: "train-worker", label: "field.train_worker", message: e.message || "—" }), "train");
  }

  receive(data) {
    const p = data.id && this.pending.get(data.id);
    if (p) {
      this.pending.delete(data.id);
      if (data.type === "error") p.reject(received(data)); else p.resolve(data);
      return;
    }
    if (data.type === "ncsn-progress") { this.onNcsnProgress?.(data); return; }
    if (data.type === "race-progress") { this.onRaceProgress?.(data); return; }
    if (data.type === "flow-progress") { this.onFlowProgress?.(data); return; }
    if (data.type === "compare-progress") { this.onCompareProgress?.(data); return; }
    if (data.type === "snapshot") { this.snapshot = { bytes: data.bytes, step: data.step }; return; }
    if (data.type === "device-lost") { this.failed(received(data), "train"); return; }
    if (data.type === "error") { this.failed(received(data), data.cmd); return; }
    if (data.job !== undefined && data.job !== this.job?.id) return; // an ended run's last words
    if (data.type === "progress") this.stepCount = data.totalSteps;
    if (data.type === "finished" || data.type === "stopped") this.job = null;
    this.onEvent(data);
  }

  // An engine failure: on WebGPU during training, fall back to the CPU; otherwise report it.
  failed(error, cmd) {
    if (this.backendKind === "webgpu" && this.job && cmd === "train" && !this.fallingBack) {
      this.fallBack(error);
    } else if (!this.fallingBack) {
      this.onEvent({ type: "error", error, cmd });
    }
  }

  async fallBack(reason) {
    this.fallingBack = true;
    const job = this.job, snapshot = this.snapshot;
    this.worker.terminate();
    for (const p of this.pending.values()) p.reject(reason);
    this.pending.clear();
    this.spawn();
    try {
      const r = await this.create(this.config, { ...this.options, backend: "cpu" });
      let step = 0;
      if (snapshot) step = (await this.load(snapshot.bytes)).steps;
      this.onEvent({ type: "fallback", reason, step, backend: r.backend });
      const remaining = job.target - step;
      if (remaining > 0) this.train(remaining, job.evalEvery, { live: this.live });
      else this.onEvent({ type: "finished", aborted: false, totalSteps: step });
    } catch (e) {
      this.job = null;
      this.onEvent({ type: "error", error: workerError(e), fallbackFrom: reason }); // the GPU's failure, then the CPU's
    } finally {
      this.fallingBack = false;
    }
  }

  request(cmd, fields = {}, transfer = []) {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ cmd, id, ...fields }, transfer);
    });
  }
  async create(config, options) {
    this.job = null; // the worker ends the current run with its model: its last events are dropped
    this.config = config; this.options = options; this.snapshot = null; this.stepCount = 0;
    const r = await this.request("create", { config, options });
    this.backendKind = r.backend.kind;
    return r;
  }
  /** Train `steps`; `live`: draw live samples about once a second (`{type: "live"}` events, issue 19). */
  train(steps, evalEvery, { live = true } = {}) {
    this.live = live;
    this.job = { id: ++this.jobs, target: this.stepCount + steps, evalEvery };
    this.worker.postMessage({ cmd: "train", steps, evalEvery, job: this.job.id, live });
  }
  pause() { this.worker.postMessage({ cmd: "pause" }); }
  /** Steps the current run has still to go (0 when none runs). */
  remaining() { return this.job ? Math.max(0, this.job.target - this.stepCount) : 0; }
  resume() { this.worker.postMessage({ cmd: "resume" }); }
  abort() { this.job = null; this.worker.postMessage({ cmd: "abort" }); }
  heldOut(variance) { this.worker.postMessage({ cmd: "heldout", variance }); }
  /** One batch of live samples of the model as it is (a `{type: "live"}` event, issue 19). */
  liveOnce() { this.worker.postMessage({ cmd: "live" }); }
  // the reverse chain, hosted by the same worker (it uses the trainer's network)
  chain(cmd, fields = {}) { return this.request("chain-" + cmd, fields); }
  async save() { return (await this.request("save")).bytes; }
  /** Train chapter 6's NCSN (its own trainer, on the CPU) for `steps`; `onProgress` gets {done, steps, loss?, before?}. */
  async ncsn(config, steps, onProgress) {
    this.onNcsnProgress = onProgress;
    return this.request("ncsn-train", { config, steps });
  }
  /** The reader's network's score error per t against the exact score (ring8): `{step, ts, relativeError}`; options `{points, seed, ts}` (defaults().scoreErrorByT). Answered between training chunks. */
  async scoreErrorByT(options = {}) { const { step, ts, relativeError } = await this.request("score-error-t", { options }); return { step, ts, relativeError }; }
  // Issue 19: the animation's frames of the reader's network, and the flow-matching comparison.
  /** The reader's network's reverse process as frames: options and result as `Trainer.flowPath`. */
  async flowPath(options = {}) { return (await this.request("flow-path", { options })).result; }
  /** A new diffusion/flow pair (replacing any): config as `new FlowComparison(config)`, defaults().flow. */
  async flowCreate(config = {}) { const { stepCount } = await this.request("flow-create", { config }); return { stepCount }; }
  /** Train both `steps` more steps; `onProgress` gets `{done, steps, totalSteps, mean: {diffusion, flow}}` per chunk. Resolves to `{done, steps, totalSteps, sameBatches, stopped?, replaced?}`. */
  async flowRun(steps, onProgress) { this.onFlowProgress = onProgress; const { type, id, ...r } = await this.request("flow-run", { steps }); return r; }
  /** End a running pair after its chunk. */
  flowAbort() { return this.request("flow-abort"); }
  /** DDPM, DDIM and the flow at equal NFE: see FlowComparison.atEqualNfe. */
  async flowAtEqualNfe(options = {}) { return (await this.request("flow-nfe", { options })).result; }
  /** The three velocities at (x, τ): see FlowComparison.velocityAt. */
  async flowVelocity({ x, tau }) { return (await this.request("flow-velocity", { x, tau })).result; }
  /** The pair's frames (`model: "flow" | "diffusion"`): see FlowComparison.flowPath. */
  async flowPairPath(options = {}) { return (await this.request("flow-pair-path", { options })).result; }

  // Issue 17's race (x0, eps and score networks on the same batches, on the CPU in this worker).
  /** A new race (replacing any): config as `new Race(config)`, defaults().race. Resolves to `{stepCount}`. */
  async raceCreate(config = {}) { const { stepCount } = await this.request("race-create", { config }); return { stepCount }; }
  /** Train the race `steps` more steps each; `onProgress` gets `{done, steps, totalSteps, losses: {x0, eps, score}, mean}` per chunk. Resolves to `{done, steps, totalSteps, stopped?, replaced?}`. */
  async raceRun(steps, onProgress) { this.onRaceProgress = onProgress; const { type, id, ...r } = await this.request("race-run", { steps }); return r; }
  /** Create a race and train it: raceCreate then raceRun. */
  async race(config, steps, onProgress) { await this.raceCreate(config); return this.raceRun(steps, onProgress); }
  /** End a running race after its current chunk (its run resolves with `replaced: true`). */
  raceAbort() { return this.request("race-abort"); }
  /** μ_θ of each network and the oracle's at (x, t): `{x0, eps, score, oracle, distance: {x0, eps, score}, sigma, t}` (see Race.meansAt). */
  async raceMeans({ x, t }) { return (await this.request("race-means", { x, t })).result; }
  /** Each network's held-out −ELBO per dim and the oracle's: see Race.heldOut. */
  async raceHeldOut(options = {}) { return (await this.request("race-heldout", { options })).result; }
  /** The network's probability-flow ODE log-likelihood of held-out points: options `{points, steps, method, seed}` (defaults().trainerLikelihood); resolves to `{step, logLikelihoodPerDim, stdErrorPerDim, solverError, nfe, points, ms, oracleLogLikelihoodPerDim?, exactLogDensityPerDim?, gapPerDim?, gapStdError?}` (see Trainer.likelihood). */
  async likelihood(options = {}) { return (await this.request("likelihood", { options })).result; }
  /** The network's sample quality against NFE: options `{nfes, samplers, particles, seed}` (defaults().trainerQuality); resolves to `{step, nfes, samplers: {name: Float64Array}, evaluations, floor, particles}` (see Trainer.qualityVsSteps). */
  async qualityVsSteps(options = {}) { return (await this.request("quality-steps", { options })).result; }
  /** The device burn picks in this browser (initBackend in the worker): `{kind, adapter, api, fallbackReason?}`. */
  async backend() { return (await this.request("backend", {})).result; }

  /** Time a few warm training steps of `config`'s model on the CPU and on WebGPU (see measureBackends): `{chosen, margin, shape, cpu, webgpu, webgpuError?}`. */
  async measureBackends(config, options = {}) { return (await this.request("measure-backends", { config, options })).result; }
  async elboForms(options) { return (await this.request("elbo-forms", { options })).result; }
  async load(bytes) {
    const copy = bytes.slice();
    const header = (await this.request("load", { bytes: copy.buffer }, [copy.buffer])).header;
    this.snapshot = { bytes: bytes.slice(), step: header.steps };
    this.stepCount = header.steps;
    return header;
  }
}
