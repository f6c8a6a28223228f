// Drawing Gaussians on a canvas: the ellipse {z : (z − μ)ᵀ Σ⁻¹ (z − μ) = k²} of a 2×2 covariance
// (row-major [a, b, b, d]) at k standard deviations, and dragging / arrow keys that move a point.
// Drawing only; every number comes from the engine.

/** Stroke the k-σ ellipses of N(mean, cov) for each k in `ks`, with the canvas mapping {ctx, px, py}. */
export function ellipse({ ctx, px, py }, mean, cov, color, ks = [1, 2], dash = []) {
  const [a, b, , d] = cov;
  // eigenvalues and the angle of the first eigenvector of the symmetric 2×2 matrix
  const tr = a + d, det = a * d - b * b, disc = Math.sqrt(Math.max(0, (tr * tr) / 4 - det));
  const l1 = tr / 2 + disc, l2 = Math.max(0, tr / 2 - disc);
  const angle = Math.abs(b) < 1e-15 ? (a >= d ? 0 : Math.PI / 2) : Math.atan2(l1 - a, b);
  ctx.save();
  ctx.strokeStyle = color; ctx.lineWidth = 1.5 * (devicePixelRatio || 1); ctx.setLineDash(dash);
  for (const k of ks) {
    ctx.beginPath();
    for (let i = 0; i <= 64; i++) {
      const th = (2 * Math.PI * i) / 64;
      const u = k * Math.sqrt(l1) * Math.cos(th), v = k * Math.sqrt(l2) * Math.sin(th);
      const x = mean[0] + u * Math.cos(angle) - v * Math.sin(angle), y = mean[1] + u * Math.sin(angle) + v * Math.cos(angle);
      if (i) ctx.lineTo(px(x), py(y)); else ctx.moveTo(px(x), py(y));
    }
    ctx.stroke();
  }
  ctx.restore();
}

/** A filled dot (radius in CSS pixels) or, with `cross`, a cross. */
export function mark({ ctx, px, py, dpr }, [x, y], color, { radius = 4, cross = false } = {}) {
  const r = radius * dpr;
  ctx.save();
  ctx.fillStyle = ctx.strokeStyle = color; ctx.lineWidth = 2 * dpr;
  ctx.beginPath();
  if (cross) { ctx.moveTo(px(x) - r, py(y) - r); ctx.lineTo(px(x) + r, py(y) + r); ctx.moveTo(px(x) - r, py(y) + r); ctx.lineTo(px(x) + r, py(y) - r); ctx.stroke(); }
  else { ctx.arc(px(x), py(y), r, 0, 2 * Math.PI); ctx.fill(); }
  ctx.restore();
}

/**
 * Let the reader move a point on `canvas`, which shows the square [−view, view]², by dragging or
 * with the arrow keys (0.1 a press, 0.5 with Shift, in the picture's units): `get()` returns the
 * point, `set(point)` moves it.
 */
export function movable(canvas, { view, get, set, step = 0.1 }) {
  const toPoint = (x, y) => { const b = canvas.getBoundingClientRect(); return [((x - b.left) / b.width) * 2 * view - view, view - ((y - b.top) / b.height) * 2 * view]; };
  let dragging = false;
  canvas.addEventListener("pointerdown", (e) => { dragging = true; canvas.setPointerCapture(e.pointerId); set(toPoint(e.clientX, e.clientY)); });
  canvas.addEventListener("pointermove", (e) => { if (dragging) set(toPoint(e.clientX, e.clientY)); });
  canvas.addEventListener("pointerup", () => { dragging = false; });
  canvas.addEventListener("keydown", (e) => {
    const d = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, 1], ArrowDown: [0, -1] }[e.key];
    if (!d) return;
    e.preventDefault();
    const s = e.shiftKey ? 5 * step : step, [x, y] = get();
    set([x + d[0] * s, y + d[1] * s]);
  });
}
