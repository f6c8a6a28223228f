// Points the reader draws (chapter 6's "points you draw" data set): click or drag on the canvas to
// spray points, or use the keyboard (arrows move a cursor, space sprays there). They are kept in
// localStorage, so a reload never loses them, and the trainer receives them as
// {dataset: "points", points, dim: 2}.
import { dots, prepareCanvas } from "./cloud.js";
import { setText } from "./i18n.js";

const STORE = "diffusion-lab.points";
const VIEW = 3; // the canvas shows [−VIEW, VIEW]²

export function startDrawPoints() {
  const $ = (id) => document.getElementById(id);
  const panel = $("draw-panel"), canvas = $("draw-canvas"), count = $("draw-count"), select = $("train-dataset");
  let points = [];
  try { points = JSON.parse(localStorage.getItem(STORE) || "[]").filter(Number.isFinite); } catch { points = []; }
  if (points.length % 2) points.pop();
  let cursor = [0, 0], drawing = false, seed = 1;
  const rand = () => { seed = (seed * 16807) % 2147483647; return seed / 2147483647; }; // jitter only
  const save = () => { try { localStorage.setItem(STORE, JSON.stringify(points)); } catch { /* storage full: kept for this visit */ } };

  function draw() {
    const c = prepareCanvas(canvas, { view: VIEW });
    dots(c, points, "rgba(40, 70, 140, 0.6)", 1.5);
    const { ctx, px, py, dpr } = c;
    if (document.activeElement === canvas) {
      ctx.strokeStyle = "#d0452a"; ctx.beginPath(); ctx.arc(px(cursor[0]), py(cursor[1]), 6 * dpr, 0, 2 * Math.PI); ctx.stroke();
    }
    setText(count, "draw.count", { n: points.length / 2 });
    panel.dataset.points = String(points.length / 2);
  }

  function spray(x, y, n = 4) {
    for (let k = 0; k < n; k++) {
      const px = x + 0.08 * (rand() + rand() + rand() - 1.5), py = y + 0.08 * (rand() + rand() + rand() - 1.5);
      if (Math.abs(px) <= VIEW && Math.abs(py) <= VIEW) points.push(+px.toFixed(4), +py.toFixed(4));
    }
    save(); draw();
  }
  const at = (ev) => { const r = canvas.getBoundingClientRect(); return [((ev.clientX - r.left) / r.width) * 2 * VIEW - VIEW, VIEW - ((ev.clientY - r.top) / r.height) * 2 * VIEW]; };
  canvas.addEventListener("pointerdown", (ev) => { drawing = true; canvas.setPointerCapture(ev.pointerId); cursor = at(ev); spray(...cursor); });
  canvas.addEventListener("pointermove", (ev) => { if (drawing) { cursor = at(ev); spray(...cursor, 2); } });
  canvas.addEventListener("pointerup", () => { drawing = false; });
  canvas.addEventListener("keydown", (ev) => {
    const d = { ArrowLeft: [-0.15, 0], ArrowRight: [0.15, 0], ArrowUp: [0, 0.15], ArrowDown: [0, -0.15] }[ev.key];
    if (d) { ev.preventDefault(); cursor = [Math.max(-VIEW, Math.min(VIEW, cursor[0] + d[0])), Math.max(-VIEW, Math.min(VIEW, cursor[1] + d[1]))]; draw(); }
    else if (ev.key === " " || ev.key === "Enter") { ev.preventDefault(); spray(...cursor); }
  });
  canvas.addEventListener("focus", draw);
  canvas.addEventListener("blur", draw);
  $("draw-clear").addEventListener("click", () => { points = []; save(); draw(); });
  const show = () => { panel.hidden = select.value !== "points"; if (!panel.hidden) draw(); };
  select.addEventListener("change", show);
  addEventListener("resize", () => !panel.hidden && draw());
  show();

  return {
    /** The drawn points, row-major (n × 2). */
    points: () => Float64Array.from(points),
    /** Replace them (a restored session). */
    set(p) { points = Array.from(p); save(); if (!panel.hidden) draw(); },
    /** n points drawn from them with replacement (for forward-then-reverse and as a reference). */
    sample(n) {
      const m = points.length / 2, out = new Float64Array(2 * n);
      for (let i = 0; i < n; i++) { const k = Math.floor(rand() * m); out[2 * i] = points[2 * k]; out[2 * i + 1] = points[2 * k + 1]; }
      return out;
    },
  };
}
