// The backend badge: which device burn runs on, and why not WebGPU when it is the CPU.
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

export async function showBackend(engine) {
  const badge = document.getElementById("backend-badge");
  setText(badge, "backend.checking");
  const b = await engine.initBackend();
  badge.dataset.kind = b.kind;
  if (b.kind === "webgpu") {
    setText(badge, "backend.webgpu", { adapter: await adapterLabel(b.adapter || b.api) });
  } else {
    setText(badge, "backend.cpu");
    const note = document.getElementById("backend-note");
    setText(note, "backend.note", { reason: b.fallbackReason }); // the engine's sentence: a browser's or driver's reason
    note.hidden = false;
  }
  return b;
}
