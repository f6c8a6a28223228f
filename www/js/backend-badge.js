// The backend badge: which device burn runs on, and why not WebGPU when it is the CPU.

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
  badge.textContent = "checking WebGPU…";
  const b = await engine.initBackend();
  badge.dataset.kind = b.kind;
  if (b.kind === "webgpu") {
    badge.textContent = `WebGPU · ${await adapterLabel(b.adapter || b.api)}`;
  } else {
    badge.textContent = "CPU (burn flex)";
    const note = document.getElementById("backend-note");
    note.textContent = b.fallbackReason;
    note.hidden = false;
  }
  return b;
}
