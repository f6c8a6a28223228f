// The training worker: the engine runs here so the page never freezes. It trains in small chunks
// and yields between them, so pause / resume / abort messages are handled within one chunk.
import init, * as dl from "../diffusion-lab.js";

const ready = init({ module_or_path: new URL("../diffusion-lab_bg.wasm", import.meta.url) });
let trainer = null;
let paused = false, aborted = false, running = false;
const post = (m, transfer) => postMessage(m, transfer || []);
const tick = () => new Promise((r) => setTimeout(r, 0));

async function train({ steps, chunk = 10, evalEvery = 200 }) {
  running = true; paused = false; aborted = false;
  let done = 0, sinceEval = 0;
  const t0 = performance.now();
  while (done < steps && !aborted) {
    if (paused) { await tick(); await new Promise((r) => setTimeout(r, 50)); continue; }
    const r = await trainer.run(Math.min(chunk, steps - done));
    done += r.steps; sinceEval += r.steps;
    const secs = (performance.now() - t0) / 1000;
    post({ type: "progress", losses: r.losses, totalSteps: r.totalSteps, done, steps, stepsPerSec: done / secs, lossByT: trainer.lossByT() });
    if (r.stopped) { post({ type: "stopped", message: r.stopped }); break; }
    if (sinceEval >= evalEvery || done >= steps) {
      sinceEval = 0;
      post({ type: "heldout", step: r.totalSteps, ...(await trainer.heldOut({ points: 128, tSamples: 32 })) });
    }
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
    post({ type: "error", message: e && e.message ? e.message : String(e), cmd: m.cmd, id: m.id });
  }
};
