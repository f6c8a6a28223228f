// A point cloud on a canvas: 2-D points (row-major) in the square [−view, view]², with optional
// circles (radius 1 around given centres). Canvas 2D with 2×2-pixel squares stays fast at 10⁴–10⁵
// points; the canvas is resized to its CSS width times the device pixel ratio.
export function drawCloud(canvas, points, { view = 3.2, color = "rgba(40, 70, 140, 0.5)", circles = [], diagonal = false } = {}) {
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
  ctx.fillStyle = color;
  for (let i = 0; i < points.length; i += 2) ctx.fillRect(px(points[i]) - dpr, py(points[i + 1]) - dpr, 2 * dpr, 2 * dpr);
  ctx.strokeStyle = "#d0452a"; ctx.lineWidth = 2 * dpr;
  for (const [a, b] of circles) { ctx.beginPath(); ctx.arc(px(a), py(b), size / (2 * view), 0, 2 * Math.PI); ctx.stroke(); }
}
