// Point clouds on a canvas: 2-D points (row-major) in the square [−view, view]². Canvas 2D with
// small squares stays fast at 10⁴–10⁵ points (./scripts/bench.sh page measures 10⁴); the canvas is
// resized to its CSS width times the device pixel ratio.

/** Clear the canvas, draw the axes (or the anti-diagonal), and return the mapping to pixels. */
export function prepareCanvas(canvas, { view = 3.2, diagonal = false } = {}) {
  const dpr = devicePixelRatio || 1, size = Math.round((canvas.clientWidth || 300) * dpr);
  if (canvas.width !== size) { canvas.width = size; canvas.height = size; }
  const ctx = canvas.getContext("2d");
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.fillStyle = "#fbfbfd"; ctx.fillRect(0, 0, size, size);
  const px = (v) => ((v + view) / (2 * view)) * size, py = (v) => ((view - v) / (2 * view)) * size;
  ctx.strokeStyle = "#e2e4ea"; ctx.lineWidth = dpr;
  ctx.beginPath();
  if (diagonal) { ctx.moveTo(px(-view), py(view)); ctx.lineTo(px(view), py(-view)); } else { ctx.moveTo(px(0), 0); ctx.lineTo(px(0), size); ctx.moveTo(0, py(0)); ctx.lineTo(size, py(0)); }
  ctx.stroke();
  return { ctx, px, py, size, dpr };
}

/** Draw points as squares of side 2·radius (CSS pixels) in `color`. */
export function dots({ ctx, px, py, dpr }, points, color, radius = 1) {
  ctx.fillStyle = color;
  const r = radius * dpr;
  for (let i = 0; i < points.length; i += 2) ctx.fillRect(px(points[i]) - r, py(points[i + 1]) - r, 2 * r, 2 * r);
}

/** One cloud, with optional circles of radius 1 around given centres. */
export function drawCloud(canvas, points, { view = 3.2, color = "rgba(40, 70, 140, 0.5)", circles = [], diagonal = false } = {}) {
  const c = prepareCanvas(canvas, { view, diagonal });
  dots(c, points, color);
  const { ctx, px, py, size, dpr } = c;
  ctx.strokeStyle = "#d0452a"; ctx.lineWidth = 2 * dpr;
  for (const [a, b] of circles) { ctx.beginPath(); ctx.arc(px(a), py(b), size / (2 * view), 0, 2 * Math.PI); ctx.stroke(); }
}
