// Section 2: Tweedie's formula (1.125) and (1.143) against the exact mixture oracle.
import { fillTable, fmt, readNumber } from "./plot.js";

const EXTENT = 3.2; // the plot shows [-EXTENT, EXTENT]²
const GRID = 120;

export function startTweedieView(engine) {
  const schedule = new engine.Schedule({ kind: "linear", T: 1000 });
  const mixture = engine.Mixture.ring8({});
  const tIn = document.getElementById("tweedie-t");
  const tOut = document.getElementById("tweedie-t-value");
  const xIn = document.getElementById("tweedie-x");
  const yIn = document.getElementById("tweedie-y");
  const err = document.getElementById("tweedie-error");
  const canvas = document.getElementById("tweedie-canvas");
  const table = document.querySelector("#tweedie-table tbody");
  const status = document.getElementById("tweedie-status");
  const grid = new Float64Array(GRID * GRID * 2);
  for (let j = 0; j < GRID; j++) for (let i = 0; i < GRID; i++) {
    grid[2 * (j * GRID + i)] = -EXTENT + (2 * EXTENT * (i + 0.5)) / GRID;
    grid[2 * (j * GRID + i) + 1] = EXTENT - (2 * EXTENT * (j + 0.5)) / GRID;
  }
  const toPx = (x, y) => [((x + EXTENT) / (2 * EXTENT)) * canvas.width, ((EXTENT - y) / (2 * EXTENT)) * canvas.height];

  function render() {
    const t = Number(tIn.value);
    tOut.textContent = String(t);
    let xt, score, x0Exact, epsExact, tweedie, scoreFromEps, alphaBar, density;
    try {
      xt = new Float64Array([readNumber(xIn, "x_t's first coordinate"), readNumber(yIn, "x_t's second coordinate")]);
      score = mixture.score(xt, schedule, t);
      x0Exact = mixture.posteriorMeanX0(xt, schedule, t);
      epsExact = mixture.posteriorMeanEps(xt, schedule, t);
      tweedie = schedule.convert("score", "x0", xt, t, score);         // (1.125)
      scoreFromEps = schedule.convert("eps", "score", xt, t, epsExact); // (1.143)
      alphaBar = schedule.alphaBar(t);
      density = mixture.density(grid, schedule, t);
    } catch (e) {
      err.textContent = e.message;
      return;
    }
    err.textContent = "";
    drawDensity(density, xt, x0Exact, tweedie, score, alphaBar);
    const r1 = Math.max(Math.abs(tweedie[0] - x0Exact[0]), Math.abs(tweedie[1] - x0Exact[1]));
    const r2 = Math.max(Math.abs(scoreFromEps[0] - score[0]), Math.abs(scoreFromEps[1] - score[1]));
    const v = (a) => `(${fmt(a[0])}, ${fmt(a[1])})`;
    const rows = [
      ["ᾱ_t", fmt(alphaBar), ""],
      ["∇log q(x_t), exact", v(score), "mixture"],
      ["E[x₀|x_t], exact posterior mean", v(x0Exact), "mixture"],
      ["(x_t + (1−ᾱ_t)∇log q) / √ᾱ_t", v(tweedie), "(1.125)"],
      ["largest difference", r1.toExponential(2), ""],
      ["E[ε|x_t], exact", v(epsExact), "mixture"],
      ["−E[ε|x_t] / √(1−ᾱ_t)", v(scoreFromEps), "(1.143)"],
      ["largest difference", r2.toExponential(2), ""],
    ];
    fillTable(table, rows);
    const scale = 1 + Math.abs(x0Exact[0]) + Math.abs(x0Exact[1]) + Math.abs(score[0]) + Math.abs(score[1]);
    const pass = r1 <= 1e-9 * scale && r2 <= 1e-9 * scale;
    status.textContent = pass
      ? `✓ Tweedie (1.125) and (1.143) hold at t = ${t}: both differences are at rounding level.`
      : `✗ mismatch at t = ${t}: differences ${r1.toExponential(2)}, ${r2.toExponential(2)}`;
    status.dataset.pass = String(pass);
  }

  function drawDensity(density, xt, x0Exact, tweedie, score, alphaBar) {
    const ctx = canvas.getContext("2d");
    const img = ctx.createImageData(GRID, GRID);
    let max = 0;
    for (const d of density) max = Math.max(max, d);
    for (let k = 0; k < GRID * GRID; k++) {
      const v = Math.sqrt(density[k] / max);
      img.data[4 * k] = 255 - 200 * v; img.data[4 * k + 1] = 255 - 150 * v; img.data[4 * k + 2] = 255 - 40 * v; img.data[4 * k + 3] = 255;
    }
    const off = new OffscreenCanvas(GRID, GRID);
    off.getContext("2d").putImageData(img, 0, 0);
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(off, 0, 0, canvas.width, canvas.height);
    // the mixture's modes pushed forward: √ᾱ_t m_k
    ctx.fillStyle = "#6b7280";
    for (let k = 0; k < 8; k++) {
      const a = (2 * Math.PI * k) / 8, r = 2 * Math.sqrt(alphaBar);
      const [px, py] = toPx(r * Math.cos(a), r * Math.sin(a));
      ctx.beginPath(); ctx.arc(px, py, 3, 0, 2 * Math.PI); ctx.fill();
    }
    const [ax, ay] = toPx(xt[0], xt[1]);
    const [bx, by] = toPx(x0Exact[0], x0Exact[1]);
    const [cx, cy] = toPx(tweedie[0], tweedie[1]);
    // score arrow, scaled for visibility
    const norm = Math.hypot(score[0], score[1]) || 1;
    const len = 40;
    ctx.strokeStyle = "#dc2626"; ctx.lineWidth = 2;
    ctx.beginPath(); ctx.moveTo(ax, ay); ctx.lineTo(ax + (len * score[0]) / norm, ay - (len * score[1]) / norm); ctx.stroke();
    ctx.setLineDash([4, 3]); ctx.strokeStyle = "#059669";
    ctx.beginPath(); ctx.moveTo(ax, ay); ctx.lineTo(bx, by); ctx.stroke(); ctx.setLineDash([]);
    ctx.fillStyle = "#111827"; ctx.beginPath(); ctx.arc(ax, ay, 5, 0, 2 * Math.PI); ctx.fill();
    ctx.strokeStyle = "#059669"; ctx.lineWidth = 3; ctx.beginPath(); ctx.arc(bx, by, 8, 0, 2 * Math.PI); ctx.stroke();
    ctx.fillStyle = "#2563eb"; ctx.beginPath(); ctx.arc(cx, cy, 4, 0, 2 * Math.PI); ctx.fill();
    ctx.font = "12px system-ui, sans-serif"; ctx.fillStyle = "#111827";
    ctx.fillText("● x_t   ◯ E[x₀|x_t]   • Tweedie   → score", 8, canvas.height - 8);
  }

  canvas.addEventListener("click", (e) => {
    const r = canvas.getBoundingClientRect();
    xIn.value = (((e.clientX - r.left) / r.width) * 2 * EXTENT - EXTENT).toFixed(2);
    yIn.value = (EXTENT - ((e.clientY - r.top) / r.height) * 2 * EXTENT).toFixed(2);
    render();
  });
  for (const el of [tIn, xIn, yIn]) el.addEventListener("input", render);
  document.getElementById("tweedie-form").addEventListener("submit", (e) => e.preventDefault());
  render();
}
