// The backend badge: which device burn trains on, what each device measured, and why not WebGPU
// when this browser has none.
import { setText } from "./i18n.js";

// Browsers fill GPUAdapterInfo partly (wgpu sees an empty name): ask WebGPU directly for a label.
async function adapterLabel(fallback) {
  try {
    const adapter = await navigator.gpu?.requestAdapter();
    const info = adapter?.info;
    const label = info && [info.vendor, info.architecture, info.description].filter(Boolean).join(" ");
    return label || fallback;
  } catch {
    return fallback;
  }
}

let adapter = ""; // the WebGPU adapter's label, once found

// At start-up: is there a WebGPU adapter? Training starts on the CPU either way (backend-choice.js)
// until the first run measures both; data-webgpu = found | missing.
// `client` is the training worker's (trainer-client.js): burn lives in the engine module, there.
export async function showBackend(client) {
  const badge = document.getElementById("backend-badge");
  setText(badge, "backend.checking");
  const b = await client.backend();
  badge.dataset.webgpu = b.kind === "webgpu" ? "found" : "missing";
  if (!badge.dataset.kind) badge.dataset.kind = "cpu";
  if (b.kind === "webgpu") {
    adapter = await adapterLabel(b.adapter || b.api);
    if (!badge.dataset.measured) setText(badge, "backend.webgpu_found", { adapter });
  } else {
    if (!badge.dataset.measured) setText(badge, "backend.cpu");
    const note = document.getElementById("backend-note");
    setText(note, "backend.note", { reason: b.fallbackReason }); // the engine's sentence: a browser's or driver's reason
    note.hidden = false;
  }
  return b;
}

const speed = (m) => (m.stepsPerSec >= 10 ? m.stepsPerSec.toFixed(0) : m.stepsPerSec.toPrecision(2));

/** The device the trainer runs on (`kind`), with the measurement behind an "auto" choice (measureBackends' result) or null for the reader's own choice. */
export function showTraining(kind, measurement) {
  const badge = document.getElementById("backend-badge");
  badge.dataset.kind = kind;
  if (measurement) {
    badge.dataset.measured = measurement.chosen;
    const params = { cpu: speed(measurement.cpu), gpu: measurement.webgpu ? speed(measurement.webgpu) : "", adapter: adapter || measurement.webgpu?.adapter || "WebGPU" };
    setText(badge, !measurement.webgpu ? "backend.measured_nogpu" : kind === "webgpu" ? "backend.measured_webgpu" : "backend.measured_cpu", params);
  } else {
    delete badge.dataset.measured;
    setText(badge, kind === "webgpu" ? "backend.chosen_webgpu" : "backend.chosen_cpu", { adapter: adapter || "WebGPU" });
  }
}
