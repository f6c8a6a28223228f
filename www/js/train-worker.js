// The training worker: the engine runs here so the page never freezes. It trains in small chunks
// (sized to take about 150 ms) and yields between them, so pause / resume / abort messages are
// handled promptly. While it trains it sends snapshots of the weights (at the start and then at
// most once a second), so that if the GPU fails the page can go on from them on the CPU.
import init, * as dl from "../diffusion-lab.js";

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

const ready = init({ module_or_path: new URL("../diffusion-lab_bg.wasm", import.meta.url) });
let trainer = null;
let paused = false, aborted = false, running = false;
const post = (m, transfer) => postMessage(m, transfer || []);
const tick = () => new Promise((r) => setTimeout(r, 0));

async function snapshot() {
  const bytes = await trainer.save();
  post({ type: "snapshot", bytes, step: trainer.stepCount }, [bytes.buffer]);
}

async function train({ steps, evalEvery = 200 }) {
  running = true; paused = false; aborted = false;
  let done = 0, sinceEval = 0, chunk = 1, lastSnapshot = performance.now();
  await snapshot();
  const t0 = performance.now();
  while (done < steps && !aborted) {
    if (paused) { await new Promise((r) => setTimeout(r, 50)); continue; }
    const c0 = performance.now();
    const r = await trainer.run(Math.min(chunk, steps - done));
    const ms = performance.now() - c0;
    chunk = Math.max(1, Math.min(50, Math.round((chunk * 150) / Math.max(ms, 1)))); // aim at ~150 ms
    done += r.steps; sinceEval += r.steps;
    const secs = (performance.now() - t0) / 1000;
    post({ type: "progress", losses: r.losses, totalSteps: r.totalSteps, done, steps, stepsPerSec: done / secs, lossByT: trainer.lossByT() });
    if (r.stopped) { post({ type: "stopped", message: r.stopped }); break; }
    if (sinceEval >= evalEvery || done >= steps) {
      sinceEval = 0;
      post({ type: "heldout", step: r.totalSteps, ...(await trainer.heldOut({ points: 128, tSamples: 32 })) });
    }
    if (performance.now() - lastSnapshot > 1000) { await snapshot(); lastSnapshot = performance.now(); }
    await tick();
  }
  running = false;
  post({ type: "finished", aborted, totalSteps: trainer.stepCount });
}

onmessage = async ({ data: m }) => {
  try {
    await ready;
    switch (m.cmd) {
      case "create":
        trainer?.free();
        trainer = await dl.Trainer.create(m.config, m.options || {});
        post({ type: "created", backend: trainer.backend, id: m.id });
        break;
      case "train": if (!running) await train(m); break;
      case "pause": paused = true; post({ type: "paused" }); break;
      case "resume": paused = false; post({ type: "resumed" }); break;
      case "abort": aborted = true; paused = false; break;
      case "save": {
        const bytes = await trainer.save();
        post({ type: "saved", bytes, id: m.id }, [bytes.buffer]);
        break;
      }
      case "heldout": post({ type: "heldout", step: trainer.stepCount, ...(await trainer.heldOut({ points: 128, tSamples: 32 })) }); break;
      case "load": post({ type: "loaded", header: trainer.load(new Uint8Array(m.bytes)), id: m.id }); break;
      default: throw new Error(`unknown command ${m.cmd}`);
    }
  } catch (e) {
    if (m.cmd === "train") running = false;
    post({ type: "error", message: e && e.message ? e.message : String(e), cmd: m.cmd, id: m.id });
  }
};
