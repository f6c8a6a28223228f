// Section 3: train a denoiser in the worker; loss curve, held-out ELBO against the data's entropy,
// loss per t; pause / resume / reset; export and import weights.
import { lineChart, fmt, readNumber } from "./plot.js";
import { TrainerClient } from "./trainer-client.js";
import { startDrawPoints } from "./draw-points.js";

export function startTrainView({ fromUrl = false } = {}) {
  const $ = (id) => document.getElementById(id);
  const section = $("training");
  const err = $("train-error"), progress = $("train-progress"), heldOutText = $("train-heldout");
  const btnStart = $("train-start"), btnPause = $("train-pause"), btnReset = $("train-reset"), btnExport = $("train-export");
  let losses = [], elbo = [], entropy = null, lossByT = null, state = "idle", lastConfigKey = null, lastBackend = null;

  const client = new TrainerClient(onEvent);
  const drawn = startDrawPoints(); // the "points you draw" data set
  const STORE = "diffusion-lab.training";
  const PRETRAINED = { ring8: "ring8-eps", moons: "moons-eps", digits: "digits-eps" };

  const toB64 = (bytes) => { let s = ""; for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000)); return btoa(s); };
  const fromB64 = (b64) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));

  function applyConfig(c) {
    $("train-dataset").value = c.dataset; $("train-param").value = c.parameterization; $("train-weighting").value = c.weighting;
    $("train-lr").value = String(c.learningRate); $("train-batch").value = String(c.batchSize); $("train-seed").value = String(c.seed);
    if (c.dataset === "points" && c.points) drawn.set(c.points);
  }

  // Keep the reader's model: after each run its weights and config go to localStorage.
  async function persist() {
    try {
      const bytes = await client.save();
      localStorage.setItem(STORE, JSON.stringify({ config: readConfig(), steps: Number(section.dataset.steps || 0), weights: toB64(bytes) }));
    } catch (e) { /* storage full or unavailable: the session still works */ }
  }

  // On load: the reader's saved model if there is one, else the pretrained checkpoint.
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
        progress.textContent = `restored your model: ${h.dataset}, predicts ${h.parameterization}, ${h.steps} steps`;
        section.dataset.restored = "saved";
        section.dataset.steps = String(h.steps);
      } else {
        await ensureTrainer();
        const name = PRETRAINED[$("train-dataset").value];
        if (!name) {
          progress.textContent = `no pretrained model for ${$("train-dataset").value}: the network is untrained — press Train`;
          section.dataset.restored = "untrained";
          section.dataset.steps = "0";
          client.heldOut($("train-variance").value);
          return;
        }
        const r = await fetch(`checkpoints/${name}.dlckpt`);
        if (!r.ok) throw new Error(`the pretrained model ${name} could not be loaded (HTTP ${r.status})`);
        const h = await client.load(new Uint8Array(await r.arrayBuffer()));
        progress.textContent = `pretrained model loaded: ${h.dataset}, predicts ${h.parameterization}, ${h.steps} steps — train on to continue`;
        section.dataset.restored = "pretrained";
        section.dataset.steps = String(h.steps);
      }
      client.heldOut($("train-variance").value);
    } catch (e) {
      err.textContent = e.message;
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
    a.textContent = "open it";
    const note = $("train-saved-note");
    note.replaceChildren(`Your saved model (${c.dataset}, predicts ${c.parameterization}, ${saved.steps} steps) is for other settings than this link's; it is kept in this browser until you train again — `, a, ".");
    note.hidden = false;
  }

  function readConfig() {
    const dataset = $("train-dataset").value;
    return {
      dataset,
      ...(dataset === "points" ? { points: Array.from(drawn.points()), dim: 2 } : {}),
      parameterization: $("train-param").value,
      weighting: $("train-weighting").value,
      learningRate: readNumber($("train-lr"), "learning rate"),
      batchSize: readNumber($("train-batch"), "batch"),
      seed: readNumber($("train-seed"), "seed"),
    };
  }

  function draw() {
    const xs = Float64Array.from(losses, (_, i) => i + 1);
    lineChart($("chart-loss"), [{ label: "loss", x: xs, y: Float64Array.from(losses) }], { logY: true, xLabel: "step" });
    const series = [{ label: "held-out −ELBO", x: elbo.map((e) => e.step), y: elbo.map((e) => e.value) }];
    if (entropy != null && elbo.length) series.push({ label: "entropy", x: [0, Math.max(1, elbo[elbo.length - 1].step)], y: [entropy, entropy], dashed: true });
    lineChart($("chart-elbo"), series, { xLabel: "step" });
    if (lossByT) lineChart($("chart-loss-t"), [{ label: "loss", x: Float64Array.from(lossByT, (_, i) => i + 0.5), y: lossByT }], { logY: true, xLabel: "t bin (of 20)" });
  }

  function setState(s) {
    state = s;
    section.dataset.state = s;
    btnStart.disabled = s === "creating" || s === "training";
    btnPause.disabled = !(s === "training" || s === "paused");
    btnPause.textContent = s === "paused" ? "Resume" : "Pause";
    btnExport.disabled = !(s === "ready" || s === "paused" || s === "done");
  }

  function onEvent(m) {
    if (m.type === "progress") {
      losses.push(...m.losses);
      lossByT = m.lossByT;
      const eta = (m.steps - m.done) / Math.max(m.stepsPerSec, 1e-9);
      progress.textContent = `step ${m.totalSteps} · ${m.stepsPerSec.toFixed(1)} steps/s · ETA ${eta < 1 ? "<1" : Math.round(eta)} s`;
      section.dataset.steps = String(m.totalSteps);
      draw();
    } else if (m.type === "heldout") {
      elbo.push({ step: m.step, value: m.negElboPerDim });
      entropy = m.dataEntropyPerDim ?? null;
      $("elbo-unit").textContent = `(${m.unit})`;
      const sig = m.variance === "beta" ? "β_t" : "β̃_t";
      const gap = m.gapPerDim != null
        ? ` (σ² = ${sig}) — data entropy ${fmt(entropy)} ± ${fmt(m.dataEntropyStdError)}; gap −ELBO − H = ${fmt(m.gapPerDim)} ± ${fmt(m.gapStdError)} ≥ KL(data ‖ model)/D (paired per point); the exact oracle's gap: ${fmt(m.oracleGapPerDim)} ± ${fmt(m.oracleGapStdError)}`
        : ` (σ² = ${sig})`;
      heldOutText.textContent = `held-out −ELBO at step ${m.step}: ${fmt(m.negElboPerDim)} ± ${fmt(m.stdError)} ${m.unit}${gap}`;
      section.dataset.heldout = String(m.negElboPerDim);
      dispatchEvent(new CustomEvent("heldout-dl", { detail: { ...m, dataset: $("train-dataset").value } })); // chapter 3's breakdown
      if (m.gapPerDim != null) section.dataset.gap = String(m.gapPerDim);
      draw();
    } else if (m.type === "fallback") {
      // the GPU failed: training goes on in a fresh CPU worker from the last snapshot of the weights
      $("train-backend").value = lastBackend = "cpu";
      section.dataset.fallback = String(m.step);
      section.dataset.backend = "cpu";
      err.textContent = `${String(m.reason).split("\n")[0]}. Training continues on the CPU from the weights of step ${m.step}.`;
    } else if (m.type === "stopped") {
      err.textContent = m.message;
    } else if (m.type === "finished") {
      setState("done");
      persist();
    } else if (m.type === "error") {
      err.textContent = m.message;
      if (state === "training") setState("done");
    }
  }

  // The trainer for the form's settings. A new config starts a new model; a change of backend
  // alone moves the current weights to the new device.
  const configKey = () => JSON.stringify(readConfig());
  async function ensureTrainer() {
    const config = readConfig();
    const key = configKey(), backend = $("train-backend").value;
    if (key === lastConfigKey && backend === lastBackend && state !== "idle") return;
    const carry = key === lastConfigKey && state !== "idle" ? await client.save() : null;
    setState("creating");
    if (!carry) { losses = []; elbo = []; lossByT = null; }
    progress.textContent = "building the model…";
    let r;
    try {
      r = await client.create(config, { backend });
      if (carry) await client.load(carry);
    } catch (e) {
      // a config the engine refuses (too few drawn points, …) leaves the previous model usable
      progress.textContent = "";
      setState(lastConfigKey ? "ready" : "idle");
      throw e;
    }
    lastConfigKey = key; lastBackend = backend;
    section.dataset.backend = r.backend.kind;
    progress.textContent = `ready on ${r.backend.kind === "webgpu" ? "WebGPU" : "CPU"}${carry ? ", with the weights so far" : ""}`;
    setState("ready");
  }

  btnStart.addEventListener("click", async () => {
    err.textContent = "";
    try {
      const steps = readNumber($("train-steps"), "steps");
      await ensureTrainer();
      if (!elbo.length) client.heldOut($("train-variance").value); // the starting point of the curve
      setState("training");
      client.train(steps, Math.max(50, Math.round(steps / 10)));
    } catch (e) {
      err.textContent = e.message;
      setState(lastConfigKey ? "ready" : "idle");
    }
  });
  btnPause.addEventListener("click", () => {
    if (state === "training") { client.pause(); setState("paused"); } else if (state === "paused") { client.resume(); setState("training"); }
  });
  btnReset.addEventListener("click", () => {
    client.abort();
    lastConfigKey = null; losses = []; elbo = []; lossByT = null;
    localStorage.removeItem(STORE);
    progress.textContent = ""; heldOutText.textContent = ""; err.textContent = "";
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
    } catch (e) { err.textContent = e.message; }
  });
  $("train-variance").addEventListener("change", () => { elbo = []; client.heldOut($("train-variance").value); });
  $("train-import-button").addEventListener("click", () => $("train-import").click()); // the browser's own file button is not translatable
  $("train-import").addEventListener("change", async (ev) => {
    const file = ev.target.files[0];
    if (!file) return;
    err.textContent = "";
    try {
      await ensureTrainer();
      const h = await client.load(new Uint8Array(await file.arrayBuffer()));
      progress.textContent = `loaded weights: ${h.dataset}, predicts ${h.parameterization}, ${h.steps} steps`;
    } catch (e) { err.textContent = e.message; }
    ev.target.value = "";
  });
  setState("idle");
  draw();
  const restored = restore();
  return { client, restored, drawn };
}
