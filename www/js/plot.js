// A small line chart on a canvas: several series over a shared x axis, linear or log y,
// an optional vertical marker. Pure drawing; no engine calls.

const COLORS = ["#2563eb", "#dc2626", "#059669", "#9333ea"];

function niceTicks(lo, hi, count = 5) {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [];
  const span = hi - lo || 1;
  const step = Math.pow(10, Math.floor(Math.log10(span / count)));
  const err = (count * step) / span;
  const mult = err <= 0.15 ? 10 : err <= 0.35 ? 5 : err <= 0.75 ? 2 : 1;
  const s = step * mult;
  const ticks = [];
  for (let v = Math.ceil(lo / s) * s; v <= hi + 1e-12 * span; v += s) ticks.push(+v.toPrecision(12));
  return ticks;
}

// integer powers of ten for a log axis, at most ~6 of them
function logTicks(lo, hi) {
  const a = Math.ceil(lo), b = Math.floor(hi);
  const step = Math.max(1, Math.ceil((b - a + 1) / 6));
  const ticks = [];
  for (let v = a; v <= b; v += step) ticks.push(v);
  return ticks;
}

/** Read a number input: the number, or an Error naming the field when it is empty or not a number. */
export function readNumber(input, name) {
  const raw = input.value.trim();
  const v = Number(raw);
  if (raw === "" || !Number.isFinite(v)) throw new Error(`${name} must be a number (got "${input.value}")`);
  return v;
}

export function fmt(v) {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return v.toExponential(3);
  return +v.toPrecision(5) + "";
}

/**
 * Draw `series` = [{label, x: Float64Array|number[], y: ..., dashed?}] on `canvas`.
 * opts: {logY, marker (x value), xLabel}
 */
export function lineChart(canvas, series, opts = {}) {
  const dpr = window.devicePixelRatio || 1;
  const cssW = canvas.clientWidth || canvas.width, cssH = canvas.clientHeight || canvas.height;
  if (canvas.width !== Math.round(cssW * dpr)) { canvas.width = Math.round(cssW * dpr); canvas.height = Math.round(cssH * dpr); }
  const ctx = canvas.getContext("2d");
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  const W = cssW, H = cssH, L = 56, R = 18, T = 22, B = 30;
  ctx.clearRect(0, 0, W, H);
  const tf = opts.logY ? (v) => Math.log10(v) : (v) => v;
  let xmin = Infinity, xmax = -Infinity, ymin = Infinity, ymax = -Infinity;
  for (const s of series) {
    for (let i = 0; i < s.x.length; i++) {
      const y = tf(s.y[i]);
      if (!Number.isFinite(y)) continue;
      xmin = Math.min(xmin, s.x[i]); xmax = Math.max(xmax, s.x[i]);
      ymin = Math.min(ymin, y); ymax = Math.max(ymax, y);
    }
  }
  if (!Number.isFinite(xmin)) { xmin = 0; xmax = 1; }
  if (!Number.isFinite(ymin)) { ymin = 0; ymax = 1; }
  if (!(xmax > xmin)) { xmax = xmin + 1; }
  if (!(ymax > ymin)) { ymax = ymin + 1; }
  const pad = (ymax - ymin) * 0.05; ymin -= pad; ymax += pad;
  const px = (x) => L + ((x - xmin) / (xmax - xmin)) * (W - L - R);
  const py = (y) => T + (1 - (y - ymin) / (ymax - ymin)) * (H - T - B);
  ctx.font = "11px system-ui, sans-serif";
  ctx.strokeStyle = "#d1d5db"; ctx.fillStyle = "#374151"; ctx.lineWidth = 1;
  const yTicks = opts.logY ? logTicks(ymin, ymax) : niceTicks(ymin, ymax);
  for (const v of yTicks) {
    const y = py(v); ctx.beginPath(); ctx.moveTo(L, y); ctx.lineTo(W - R, y); ctx.stroke();
    ctx.textAlign = "right"; ctx.textBaseline = "middle";
    ctx.fillText(opts.logY ? "1e" + v : fmt(v), L - 4, y);
  }
  for (const v of niceTicks(xmin, xmax)) {
    const x = px(v); ctx.textAlign = "center"; ctx.textBaseline = "top"; ctx.fillText(fmt(v), x, H - B + 4);
  }
  ctx.textAlign = "right"; ctx.textBaseline = "bottom"; ctx.fillText(opts.xLabel || "t", W - R, H - 2);
  if (opts.marker != null) {
    ctx.strokeStyle = "#6b7280"; ctx.setLineDash([3, 3]);
    ctx.beginPath(); ctx.moveTo(px(opts.marker), T); ctx.lineTo(px(opts.marker), H - B); ctx.stroke(); ctx.setLineDash([]);
  }
  series.forEach((s, k) => {
    ctx.strokeStyle = COLORS[k % COLORS.length]; ctx.lineWidth = 2; ctx.setLineDash(s.dashed ? [6, 4] : []);
    ctx.beginPath();
    let started = false;
    for (let i = 0; i < s.x.length; i++) {
      const y = tf(s.y[i]);
      if (!Number.isFinite(y)) { started = false; continue; }
      if (!started) { ctx.moveTo(px(s.x[i]), py(y)); started = true; } else ctx.lineTo(px(s.x[i]), py(y));
    }
    ctx.stroke(); ctx.setLineDash([]);
    ctx.fillStyle = COLORS[k % COLORS.length]; ctx.textAlign = "left"; ctx.textBaseline = "top";
    ctx.fillText(s.label, L + 6 + k * 110, 4);
  });
}

/** Fill a table body with rows of cells: [header, ...values]; numbers are formatted with fmt. */
export function fillTable(tbody, rows) {
  tbody.replaceChildren(...rows.map((cells) => {
    const tr = document.createElement("tr");
    cells.forEach((c, i) => {
      const el = document.createElement(i === 0 ? "th" : "td");
      if (i === 0) el.scope = "row";
      else el.className = typeof c === "string" && /^\(\d\.\d+[–)]/.test(c) ? "eq" : "num";
      el.textContent = typeof c === "number" ? fmt(c) : c;
      tr.append(el);
    });
    return tr;
  }));
}

/** A Monte Carlo estimate {mean, stdError} as "m ± se". */
export function pm(e) {
  return `${fmt(e.mean)} ± ${fmt(e.stdError)}`;
}

/** Show a check's verdict: ✓/✗ text and data-pass for the styles and the tests. */
export function setCheck(el, pass, text) {
  el.textContent = (pass ? "✓ " : "✗ ") + text;
  el.dataset.pass = String(pass);
}

/** A check whose numbers are being computed (in the worker): no verdict until they arrive. */
export function setPending(el, text = "computing…") {
  el.textContent = text;
  delete el.dataset.pass;
}
