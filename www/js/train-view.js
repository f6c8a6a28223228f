// Section 3: train a denoiser in the worker; loss curve, held-out ELBO against the data's entropy,
// loss per t; pause / resume / reset; export and import weights.
import { chartNote, lineChart, fmt, readNumber } from "./plot.js";
import { dots, prepareCanvas } from "./cloud.js";
import { TrainerClient } from "./trainer-client.js";
import { startDrawPoints } from "./draw-points.js";
import { clearError, pageError, showError, workerError } from "./errors.js";
import { describeError, onLanguageChange, setText, t } from "./i18n.js";
import { forget, measured, remember, resolve } from "./backend-choice.js";
import { showTraining } from "./backend-badge.js";

export function startTrainView({ fromUrl = false, backendFromUrl = false, engineGate } = {}) {
  const $ = (id) => document.getElementById(id);
  const section = $("training");
  const err = $("train-error"), progress = $("train-progress"), heldOutText = $("train-heldout");
  const btnStart = $("train-start"), btnPause = $("train-pause"), btnReset = $("train-reset"), btnExport = $("train-export");
  let loading = Promise.resolve(); // a pretrained network being loaded: Train and Import wait for it
  // losses: {step (the model's total step count), value}; resumeSteps: what a run restored paused has still to go
  let losses = [], elbo = [], entropy = null, lossByT = null, state = "idle", lastConfigKey = null, lastBackend = null, unit = "", resumeSteps = 0;

  const client = new TrainerClient(onEvent, { gate: engineGate });
  // issue 19: the live samples of the current run ({step, mmd2, floor} per batch) and the last batch
  let live = [], liveLast = null;
  const drawn = startDrawPoints(); // the "points you draw" data set
  const STORE = "diffusion-lab.training", BACKEND_STORE = "diffusion-lab.backend";
  const PRETRAINED = { ring8: "ring8-eps", moons: "moons-eps", digits: "digits-eps" };

  const toB64 = (bytes) => { let s = ""; for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000)); return btoa(s); };
  const fromB64 = (b64) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));

  // which model the network holds, for styles and tests: data-loaded = pretrained | saved | imported |
  // untrained, with its data-dataset, data-parameterization and data-steps
  function loaded(how, h) {
    section.dataset.loaded = how;
    section.dataset.dataset = h.dataset;
    if (h.parameterization) section.dataset.parameterization = h.parameterization; else delete section.dataset.parameterization;
    section.dataset.steps = String(h.steps);
  }

  function applyConfig(c) {
    $("train-dataset").value = c.dataset; $("train-param").value = c.parameterization; $("train-weighting").value = c.weighting;
    $("train-lr").value = String(c.learningRate); $("train-batch").value = String(c.batchSize); $("train-seed").value = String(c.seed);
    if (c.dataset === "points" && c.points) drawn.set(c.points);
  }

  // Keep the reader's model: its weights and config go to localStorage after each run, when it is
  // paused and at every held-out estimate while it trains, with `remaining`, the steps its run has
  // still to go (a reload then offers to resume it). The step count and what remains are read
  // when the weights arrive (a chunk in flight at Pause lands first).
  async function persist() {
    try {
      const config = readConfig(), bytes = await client.save();
      localStorage.setItem(STORE, JSON.stringify({ config, steps: client.stepCount, remaining: client.remaining(), weights: toB64(bytes) }));
    } catch (e) { /* storage full or unavailable: the session still works */ }
  }

  // The shipped checkpoint for the form's data set (all predict ε), else an untrained network.
  async function loadPretrained() {
    await ensureTrainer();
    const ds = $("train-dataset").value, name = PRETRAINED[ds];
    if (!name || $("train-param").value !== "eps") {
      setText(progress, "train.untrained", { dataset: ds });
      section.dataset.restored = "untrained";
      loaded("untrained", { dataset: ds, steps: 0 });
      return;
    }
    const r = await fetch(`checkpoints/${name}.dlckpt`);
    if (!r.ok) throw pageError("http", { field: `checkpoints/${name}.dlckpt`, status: r.status });
    const h = await client.load(new Uint8Array(await r.arrayBuffer()));
    setText(progress, "train.pretrained", { dataset: h.dataset, param: h.parameterization, steps: h.steps });
    section.dataset.restored = "pretrained";
    loaded("pretrained", h);
  }

  // On load: the reader's saved model if there is one, else the pretrained checkpoint. Its held-out
  // estimate (seconds of network evaluations in the worker) waits for estimate(): main.js calls it
  // once the chain has its first state, so the chain is usable at once.
  let restoredModel = false;
  // (and one batch of live samples of the model as it was loaded, so the panel shows it at once)
  const estimate = () => { if (restoredModel) { client.heldOut($("train-variance").value); client.liveOnce(); } };
  async function restore() {
    let saved = null;
    try { saved = JSON.parse(localStorage.getItem(STORE) || "null"); } catch { saved = null; }
    try {
      // a link's training settings win over the saved session; a saved model for other settings
      // stays in storage (until the next training run) and the page offers a link back to it
      const mismatch = saved && saved.config && fromUrl && !sameConfig(saved.config);
      if (mismatch) offerSaved(saved);
      if (saved && saved.config && saved.weights && !mismatch) {
        applyConfig(saved.config);
        await ensureTrainer();
        const h = await client.load(fromB64(saved.weights));
        section.dataset.restored = "saved";
        loaded("saved", h);
        if (saved.remaining > 0) { // a run that was paused (or interrupted by the reload): Resume goes on
          resumeSteps = saved.remaining;
          setState("paused");
          setText(progress, "train.restored_paused", { dataset: h.dataset, param: h.parameterization, steps: h.steps, remaining: saved.remaining });
        } else setText(progress, "train.restored", { dataset: h.dataset, param: h.parameterization, steps: h.steps });
      } else {
        await loadPretrained();
      }
      restoredModel = true; // its held-out estimate starts at estimate(), once the chain is ready
    } catch (e) {
      showError(err, e);
      if (saved) localStorage.removeItem(STORE); // a stale or corrupt session must not block the page
    }
  }

  function sameConfig(c) {
    try { return JSON.stringify(c) === JSON.stringify(readConfig()); } catch { return false; }
  }

  function offerSaved(saved) {
    const c = saved.config, link = new URL(location.href);
    const params = { "train-dataset": c.dataset, "train-param": c.parameterization, "train-weighting": c.weighting,
      "train-lr": c.learningRate, "train-batch": c.batchSize, "train-seed": c.seed };
    for (const [k, v] of Object.entries(params)) link.searchParams.set(k, String(v));
    const a = document.createElement("a");
    a.href = link.href;
    const note = $("train-saved-note");
    const text = () => {
      a.textContent = t("train.saved_link");
      note.replaceChildren(t("train.saved_note", { dataset: c.dataset, param: c.parameterization, steps: saved.steps }), a, t("train.saved_end"));
    };
    text();
    onLanguageChange(text);
    note.dataset.savedDataset = c.dataset; // the saved model's data set and steps, for styles and tests
    note.dataset.savedSteps = String(saved.steps);
    note.hidden = false;
  }

  function readConfig() {
    const dataset = $("train-dataset").value;
    if (dataset === "points" && drawn.points().length === 0) throw pageError("draw_first", { field: "points", label: "ds.points" });
    return {
      dataset,
      ...(dataset === "points" ? { points: Array.from(drawn.points()), dim: 2 } : {}),
      parameterization: $("train-param").value,
      weighting: $("train-weighting").value,
      learningRate: readNumber($("train-lr"), "train.lr"),
      batchSize: readNumber($("train-batch"), "train.batch"),
      seed: readNumber($("train-seed"), "common.seed"),
    };
  }

  function draw() {
    const step = t("common.step_axis");
    // the loss of every step of this visit, at the model's total step count (as the ELBO chart)
    lineChart($("chart-loss"), [{ label: t("train.legend_loss"), x: Float64Array.from(losses, (l) => l.step), y: Float64Array.from(losses, (l) => l.value) }], { logY: true, xLabel: step });
    chartNote($("chart-loss"), losses.length ? null : "train.loss_empty");
    chartNote($("chart-loss-t"), lossByT ? null : "train.loss_t_empty");
    chartNote($("chart-elbo"), elbo.length ? null : "train.elbo_empty");
    const series = [{ label: t("train.legend_heldout"), x: elbo.map((e) => e.step), y: elbo.map((e) => e.value) }];
    if (entropy != null && elbo.length) series.push({ label: t("train.legend_entropy"), x: [0, Math.max(1, elbo[elbo.length - 1].step)], y: [entropy, entropy], dashed: true });
    lineChart($("chart-elbo"), series, { xLabel: step });
    if (lossByT) lineChart($("chart-loss-t"), [{ label: t("train.legend_loss"), x: Float64Array.from(lossByT, (_, i) => i + 0.5), y: lossByT }], { logY: true, xLabel: t("train.t_bin_axis") });
    $("elbo-unit").textContent = unit ? `(${unit})` : ""; // inside a caption the language switch rewrites
  }

  // The live samples over the held-out data: points for 2-D data, the first 16 as 8×8 images for the digits.
  function drawLive() {
    const canvas = $("train-live-canvas"), mmd = $("chart-live-mmd");
    if (!liveLast) { prepareCanvas(canvas); chartNote(mmd, "train.live_empty"); setText($("train-live-text"), "train.live_empty"); return; }
    const { samples, reference, dim } = liveLast;
    if (dim === 2) {
      const c = prepareCanvas(canvas);
      dots(c, reference, "rgba(120, 120, 130, 0.45)", 1);
      dots(c, samples, "rgba(214, 95, 20, 0.85)", 1.3);
    } else {
      const side = Math.round(Math.sqrt(dim)), c = prepareCanvas(canvas), cell = c.size / 4, img = c.ctx.createImageData(side, side);
      const tmp = new OffscreenCanvas(side, side), tctx = tmp.getContext("2d");
      c.ctx.imageSmoothingEnabled = false;
      for (let k = 0; k < Math.min(16, samples.length / dim); k++) {
        for (let i = 0; i < dim; i++) {
          const v = Math.max(0, Math.min(255, Math.round(((1 - samples[k * dim + i]) / 2) * 255))); // pixels in [−1, 1], ink dark
          img.data.set([v, v, v, 255], 4 * i);
        }
        tctx.putImageData(img, 0, 0);
        c.ctx.drawImage(tmp, (k % 4) * cell + 2, Math.floor(k / 4) * cell + 2, cell - 4, cell - 4);
      }
    }
    // (MMD² is an unbiased estimate: near the floor it can dip below 0; drawn at 10⁻⁴ there)
    lineChart(mmd, [
      { label: t("train.legend_live_mmd"), x: live.map((l) => l.step), y: live.map((l) => Math.max(l.mmd2, 1e-4)) },
      { label: t("train.legend_live_floor"), x: live.map((l) => l.step), y: live.map((l) => Math.max(l.floor, 1e-4)), dashed: true },
    ], { logY: true, xLabel: t("common.step_axis") });
    chartNote(mmd, null);
    const share = liveLast.elapsedMs > 0 ? (100 * liveLast.liveMs) / liveLast.elapsedMs : 0;
    const params = { step: liveLast.step, mmd2: fmt(liveLast.mmd2), floor: fmt(liveLast.floor), nfe: liveLast.nfe, sampler: liveLast.sampler.toUpperCase(), share: share.toFixed(1) };
    // a batch of a run says what share of it live sampling took; the one of a model as loaded has no run
    setText($("train-live-text"), liveLast.job === undefined ? "train.live_text_loaded" : "train.live_text", params);
  }

  function setState(s) {
    state = s;
    section.dataset.state = s;
    btnStart.disabled = s === "creating" || s === "training";
    btnPause.disabled = !(s === "training" || s === "paused");
    if (s !== "paused") resumeSteps = 0;
    setText(btnPause, s === "paused" ? "train.resume" : "train.pause");
    btnExport.disabled = !(s === "ready" || s === "paused" || s === "finished" || s === "failed");
  }

  function onEvent(m) {
    if (m.type === "live") {
      if (live.length && m.step < live[live.length - 1].step) live = []; // a new model
      live.push({ step: m.step, mmd2: m.mmd2, floor: m.floor });
      liveLast = m;
      section.dataset.liveStep = String(m.step);
      section.dataset.liveMmd2 = String(m.mmd2);
      section.dataset.liveCount = String(live.length);
      section.dataset.liveFirstMmd2 = String(live[0].mmd2);
      if (m.job !== undefined) section.dataset.liveShare = String(m.liveMs / Math.max(m.elapsedMs, 1e-9));
      drawLive();
      return;
    }
    if (m.type === "live-off") { setText($("train-live-text"), "train.live_off", { message: m.message }); return; }
    if (m.type === "progress") {
      const first = m.totalSteps - m.losses.length;
      m.losses.forEach((value, i) => losses.push({ step: first + i + 1, value }));
      lossByT = m.lossByT;
      const eta = (m.steps - m.done) / Math.max(m.stepsPerSec, 1e-9);
      setText(progress, "train.progress", { step: m.totalSteps, rate: m.stepsPerSec.toFixed(1), eta: eta < 1 ? "<1" : Math.round(eta) });
      section.dataset.steps = String(m.totalSteps);
      section.dataset.rate = String(m.stepsPerSec); // this run's steps/s so far (the page benchmark reads it)
      draw();
    } else if (m.type === "heldout") {
      // a refinement of the estimate at the same step replaces the point on the chart
      if (m.rounds && elbo.length && elbo[elbo.length - 1].step === m.step) elbo[elbo.length - 1].value = m.negElboPerDim;
      else elbo.push({ step: m.step, value: m.negElboPerDim });
      entropy = m.dataEntropyPerDim ?? null;
      unit = m.unit;
      const params = { step: m.step, value: fmt(m.negElboPerDim), se: fmt(m.stdError), unit: m.unit, sigma: m.variance === "beta" ? "β_t" : "β̃_t" };
      if (m.gapPerDim != null) {
        setText(heldOutText, "train.heldout_gap", { ...params, entropy: fmt(entropy), entropySe: fmt(m.dataEntropyStdError), gap: fmt(m.gapPerDim),
          gapSe: fmt(m.gapStdError), oracle: fmt(m.oracleGapPerDim), oracleSe: fmt(m.oracleGapStdError) });
      } else setText(heldOutText, "train.heldout", params);
      // how precise it is: refined in the background (more points, every t) until its standard error is within the target
      if (m.rounds) {
        const more = { points: m.points, rounds: m.rounds, target: fmt(m.targetStdError) };
        setText($("train-refine"), m.precise ? "train.refined" : m.refined ? "train.refine_stopped" : m.slow ? "train.refine_slow" : "train.refining", more);
        section.dataset.refined = m.precise ? "precise" : m.slow ? "slow" : String(m.refined);
      } else {
        setText($("train-refine"), "train.refine_quick");
        delete section.dataset.refined;
      }
      section.dataset.heldoutSe = String(m.stdError);
      if (m.oracleGapPerDim != null) { section.dataset.oracleGap = String(m.oracleGapPerDim); section.dataset.oracleGapSe = String(m.oracleGapStdError); }
      if (m.gapStdError != null) section.dataset.gapSe = String(m.gapStdError);
      section.dataset.heldout = String(m.negElboPerDim);
      if (entropy != null) section.dataset.entropy = String(entropy); else delete section.dataset.entropy;
      dispatchEvent(new CustomEvent("heldout-dl", { detail: { ...m, dataset: $("train-dataset").value } })); // chapter 3's breakdown
      if (m.gapPerDim != null) section.dataset.gap = String(m.gapPerDim);
      if (state === "training" && client.remaining() > 0) persist(); // a reload mid-run can resume from here
      draw();
    } else if (m.type === "fallback") {
      // the GPU failed: training goes on in a fresh CPU worker from the last snapshot of the weights
      $("train-backend").value = lastBackend = "cpu";
      section.dataset.fallback = String(m.step);
      section.dataset.backend = "cpu";
      showTraining("cpu", null);
      try { // under "auto", this shape's measurement no longer sends it to the GPU that failed
        const c = readConfig(), kept = measured(c);
        if (kept?.chosen === "webgpu") remember(c, { ...kept, chosen: "cpu", webgpuError: describeError(m.reason) });
      } catch { /* the form is being edited: nothing to update */ }
      showError(err, m.reason, (reason) => t("train.fallback", { reason: reason.split("\n")[0], step: m.step }));
    } else if (m.type === "stopped") {
      showError(err, workerError(m.error ?? m.message, m)); // why the engine stopped: a non-finite loss, a failed device
    } else if (m.type === "finished") {
      setState("finished");
      dispatchEvent(new CustomEvent("trained-dl")); // the flow animation of "your network" follows
      persist();
    } else if (m.type === "error") {
      if (m.fallbackFrom) showError(err, m.error, (message) => t("train.fallback_failed", { reason: describeError(m.fallbackFrom), message }));
      else showError(err, m.error); // with the engine's code and params when the worker sent them
      if (state === "training") setState("failed");
    }
  }

  // The trainer for the form's settings. A new config starts a new model; a change of backend
  // alone moves the current weights to the new device.
  const configKey = () => JSON.stringify(readConfig());
  async function ensureTrainer() {
    const config = readConfig();
    const key = configKey(), backend = resolve($("train-backend").value, config);
    const shown = () => showTraining(section.dataset.backend, $("train-backend").value === "auto" ? measured(config) : null);
    if (key === lastConfigKey && backend === lastBackend && state !== "idle") { shown(); return; }
    const carry = key === lastConfigKey && state !== "idle" ? await client.save() : null;
    setState("creating");
    if (!carry) { losses = []; elbo = []; lossByT = null; }
    setText(progress, "train.building");
    let r;
    try {
      r = await client.create(config, { backend });
      if (carry) await client.load(carry);
    } catch (e) {
      // a config the engine refuses (too few drawn points, …) leaves the previous model usable
      setText(progress, null);
      setState(lastConfigKey ? "ready" : "idle");
      throw e;
    }
    lastConfigKey = key; lastBackend = backend;
    section.dataset.backend = r.backend.kind;
    shown();
    const gpu = r.backend.kind === "webgpu";
    setText(progress, carry ? (gpu ? "train.ready_webgpu_kept" : "train.ready_cpu_kept") : (gpu ? "train.ready_webgpu" : "train.ready_cpu"));
    setState("ready");
  }

  // Under "auto", the first run of a model shape times both devices (a second or two; longer on a
  // software GPU) and keeps the faster for that shape (backend-choice.js).
  async function measureIfNeeded() {
    const config = readConfig();
    if ($("train-backend").value !== "auto" || measured(config)) return;
    setText(progress, "train.measuring");
    section.dataset.measuring = "true";
    try { remember(config, await client.measureBackends(config)); } finally { delete section.dataset.measuring; }
  }

  btnStart.addEventListener("click", async () => {
    clearError(err);
    try {
      const steps = readNumber($("train-steps"), "common.steps");
      await loading;
      await measureIfNeeded();
      await ensureTrainer(); // a paused run ends here: Train starts a new one (on a new model if the settings changed)
      if (!elbo.length) client.heldOut($("train-variance").value); // the starting point of the curve
      setState("training");
      live = []; // this run's curve
      client.train(steps, Math.max(50, Math.round(steps / 10)), { live: $("train-live-on").checked });
    } catch (e) {
      showError(err, e);
      setState(lastConfigKey ? "ready" : "idle");
    }
  });
  btnPause.addEventListener("click", () => {
    if (state === "training") {
      client.pause(); setState("paused");
      persist();
    } else if (state === "paused" && resumeSteps > 0) { // a run restored paused from the last visit
      clearError(err);
      const steps = resumeSteps;
      setState("training");
      client.train(steps, Math.max(50, Math.round(steps / 10)), { live: $("train-live-on").checked });
    } else if (state === "paused") { client.resume(); setState("training"); }
  });
  btnReset.addEventListener("click", () => {
    client.abort();
    lastConfigKey = null; losses = []; elbo = []; lossByT = null; resumeSteps = 0;
    localStorage.removeItem(STORE);
    unit = "";
    setText(progress, null); setText(heldOutText, null); setText($("train-refine"), null); clearError(err);
    setState("idle"); draw();
  });
  btnExport.addEventListener("click", async () => {
    try {
      const bytes = await client.save();
      const a = document.createElement("a");
      a.href = URL.createObjectURL(new Blob([bytes], { type: "application/octet-stream" }));
      a.download = `diffusion-lab-${$("train-dataset").value}-${$("train-param").value}.dlckpt`;
      a.click();
      URL.revokeObjectURL(a.href);
    } catch (e) { showError(err, e); }
  });
  $("train-variance").addEventListener("change", () => { elbo = []; client.heldOut($("train-variance").value); });
  // Another data set (or prediction): its pretrained network at once, where one ships; a run in
  // progress keeps going (the new settings apply at the next Train).
  for (const id of ["train-dataset", "train-param"]) $(id).addEventListener("change", () => {
    if (state === "training" || state === "creating") return;
    clearError(err);
    if ($("train-dataset").value === "points" && drawn.points().length === 0) { setText(progress, "train.draw_first"); return; }
    loading = loading.then(async () => {
      try {
        await loadPretrained();
        elbo = []; lossByT = null; losses = []; draw();
        client.heldOut($("train-variance").value);
        dispatchEvent(new CustomEvent("model-dl")); // the chain follows the new network
      } catch (e) { showError(err, e); }
    });
  });
  // the backend choice outlives the visit (a link's choice wins)
  if (!backendFromUrl) { const b = localStorage.getItem(BACKEND_STORE); if (b && [...$("train-backend").options].some((o) => o.value === b)) $("train-backend").value = b; }
  $("train-backend").addEventListener("change", () => {
    try { localStorage.setItem(BACKEND_STORE, $("train-backend").value); } catch { /* unavailable */ }
    if ($("train-backend").value === "auto") forget(); // "auto" chosen again: measure afresh at the next run
    if (state !== "ready" && state !== "finished") return; // otherwise at the next Train
    loading = loading.then(async () => { // the weights move to the chosen device now, and the estimate goes on there
      try { await ensureTrainer(); client.heldOut($("train-variance").value); } catch (e) { showError(err, e); }
    });
  });
  $("train-import-button").addEventListener("click", () => $("train-import").click()); // the browser's own file button is not translatable
  $("train-import").addEventListener("change", async (ev) => {
    const file = ev.target.files[0];
    if (!file) return;
    clearError(err);
    try {
      await loading;
      await ensureTrainer();
      const h = await client.load(new Uint8Array(await file.arrayBuffer()));
      setText(progress, "train.loaded", { dataset: h.dataset, param: h.parameterization, steps: h.steps });
      loaded("imported", h);
    } catch (e) { showError(err, e); }
    ev.target.value = "";
  });
  setState("idle");
  draw();
  onLanguageChange(() => { draw(); drawLive(); }); // the charts' legends and axes in the new language
  drawLive();
  const restored = restore();
  return { client, restored, drawn, estimate };
}
