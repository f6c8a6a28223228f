// Section 3: train a denoiser in the worker; loss curve, held-out ELBO against the data's entropy,
// loss per t; pause / resume / reset; export and import weights.
import { lineChart, fmt, readNumber } from "./plot.js";
import { TrainerClient } from "./trainer-client.js";

export function startTrainView() {
  const $ = (id) => document.getElementById(id);
  const section = $("training");
  const err = $("train-error"), progress = $("train-progress"), heldOutText = $("train-heldout");
  const btnStart = $("train-start"), btnPause = $("train-pause"), btnReset = $("train-reset"), btnExport = $("train-export");
  let losses = [], elbo = [], entropy = null, lossByT = null, state = "idle", lastConfigKey = null;

  const client = new TrainerClient(onEvent);

  function readConfig() {
    return {
      dataset: $("train-dataset").value,
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
      const gap = entropy != null ? ` — data entropy ${fmt(entropy)} ± ${fmt(m.dataEntropyStdError)}, gap ${fmt(m.negElboPerDim - entropy)} ≥ KL(data ‖ model)/D` : "";
      heldOutText.textContent = `held-out −ELBO at step ${m.step}: ${fmt(m.negElboPerDim)} ± ${fmt(m.stdError)} ${m.unit}${gap}`;
      section.dataset.heldout = String(m.negElboPerDim);
      draw();
    } else if (m.type === "stopped") {
      err.textContent = m.message;
    } else if (m.type === "finished") {
      setState("done");
    } else if (m.type === "error") {
      err.textContent = m.message;
      if (state === "training") setState("done");
    }
  }

  async function ensureTrainer() {
    const config = readConfig();
    const key = JSON.stringify(config);
    if (key === lastConfigKey && state !== "idle") return;
    setState("creating");
    losses = []; elbo = []; lossByT = null;
    progress.textContent = "building the model…";
    const r = await client.create(config, { backend: $("train-backend").value });
    lastConfigKey = key;
    progress.textContent = `ready on ${r.backend.kind === "webgpu" ? "WebGPU" : "CPU"}`;
    setState("ready");
  }

  btnStart.addEventListener("click", async () => {
    err.textContent = "";
    try {
      const steps = readNumber($("train-steps"), "steps");
      await ensureTrainer();
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
}
