// Boot: wait for Trunk's wasm loader, show the backend badge, start each view.
import { startScheduleView } from "./schedule-view.js";
import { startTweedieView } from "./tweedie-view.js";
import { showBackend } from "./backend-badge.js";
import { startTrainView } from "./train-view.js";
import { startChainView } from "./chain-view.js";

function showLoadError(err) {
  const el = document.getElementById("load-error");
  el.textContent = "The engine could not start: " + (err && err.message ? err.message : err);
  el.hidden = false;
  document.getElementById("backend-badge").textContent = "engine failed";
}

async function start() {
  const engine = window.wasmBindings;
  try {
    startScheduleView(engine);
    startTweedieView(engine);
    const train = startTrainView();
    train.sample = (name, n) => engine.sampleDataset({ name, n, seed: 999 });
    const chain = startChainView(train);
    train.restored.then(() => chain.create()); // the pretrained (or your) model's chain, ready to step
  } catch (err) {
    showLoadError(err);
    return;
  }
  await showBackend(engine);
  document.body.dataset.ready = "true";
}

if (window.wasmBindings) start();
else {
  addEventListener("TrunkApplicationStarted", start, { once: true });
  addEventListener("error", (e) => { if (!window.wasmBindings) showLoadError(e.message); });
}
