// The training backend under "auto" (issue 14): the engine times a few warm training steps of the
// model on the CPU and on WebGPU (measureBackends, in the training worker) the first time a model
// of that shape trains, and the faster is used from then on — remembered in localStorage per
// shape (the data's dimension and the batch size). Until a shape is measured, the CPU runs it: it
// is always there and a tiny MLP is usually faster on it. The reader's explicit choice wins.
const STORE = "diffusion-lab.backend-measured";

/** The key a measurement is kept under: what sets the cost of a step. */
export const shapeKey = (config) => `${config.dataset === "digits" ? "digits" : "2d"}·batch ${config.batchSize}`;

function all() {
  try { return JSON.parse(localStorage.getItem(STORE) || "{}") || {}; } catch { return {}; }
}

/** The kept measurement for this config's shape, or null. */
export function measured(config) {
  const m = all()[shapeKey(config)];
  return m && (m.chosen === "cpu" || m.chosen === "webgpu") ? m : null;
}

export function remember(config, result) {
  const kept = all();
  kept[shapeKey(config)] = { ...result, at: new Date().toISOString() };
  try { localStorage.setItem(STORE, JSON.stringify(kept)); } catch { /* storage unavailable: measured again next visit */ }
}

/** Forget every measurement (the reader chose "auto" again: measure afresh at the next run). */
export function forget() {
  try { localStorage.removeItem(STORE); } catch { /* unavailable */ }
}

/** The backend to create the trainer on for the select's value: "cpu" | "webgpu" as chosen, or under "auto" the measured one (the CPU until measured). */
export function resolve(selected, config) {
  if (selected === "cpu" || selected === "webgpu") return selected;
  return measured(config)?.chosen ?? "cpu";
}
