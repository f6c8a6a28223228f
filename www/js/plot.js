// Charts and tables. Line charts are drawn by uPlot (a maintained canvas chart library, bundled
// from npm: dist/uPlot.iife.min.js): hovering shows each series' exact value at the cursor, and
// every chart has its numbers as a table in a <details> beneath it. No engine calls here.
import { bindText, setText, t } from "./i18n.js";
import { fieldError } from "./errors.js";

const COLORS = ["#2563eb", "#dc2626", "#059669", "#9333ea", "#d97706", "#0891b2", "#4b5563"];
const MAX_TABLE_ROWS = 400;

/**
 * Read a number input: the number, or an Error naming the field when it is empty or not a number
 * (code "wrong_type", params.field: the input's data-field, else its id after the section prefix:
 * "schedule-T" → "T"; params.label: `label`, the catalogue key of the control's name, "train.lr").
 */
export function readNumber(input, label, field = input.dataset.field || input.id.slice(input.id.indexOf("-") + 1)) {
  const raw = input.value.trim();
  const v = Number(raw);
  if (raw === "" || !Number.isFinite(v)) throw fieldError("wrong_type", field, null, { label, value: input.value, expected: "number" });
  return v;
}

export function fmt(v) {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return v.toExponential(3);
  return +v.toPrecision(5) + "";
}


// at most ~6 powers of ten across a log axis
function pow10Splits(min, max) {
  const a = Math.ceil(Math.log10(min) - 1e-9), b = Math.floor(Math.log10(max) + 1e-9);
  const step = Math.max(1, Math.ceil((b - a + 1) / 6));
  const out = [];
  for (let e = a; e <= b; e += step) out.push(Number("1e" + e));
  return out;
}
const pow10Label = (v) => { const e = Math.round(Math.log10(v)); return Math.abs(e) <= 3 ? String(+v.toPrecision(1)) : `1e${e}`; };
const finite = (v, log) => (Number.isFinite(v) && (!log || v > 0) ? v : null);

// uPlot wants one x array shared by all series: use it when they share one, else the union (gaps as null)
function align(series, log) {
  const x0 = series[0].x;
  const shared = series.every((s) => s.x === x0 || (s.x.length === x0.length && Array.prototype.every.call(s.x, (v, i) => v === x0[i])));
  if (shared) return [Array.from(x0), ...series.map((s) => Array.from(s.y, (v) => finite(v, log)))];
  const xs = [...new Set(series.flatMap((s) => Array.from(s.x)))].sort((a, b) => a - b);
  const at = new Map(xs.map((x, i) => [x, i]));
  return [xs, ...series.map((s) => {
    const y = new Array(xs.length).fill(null);
    for (let i = 0; i < s.x.length; i++) y[at.get(s.x[i])] = finite(s.y[i], log);
    return y;
  })];
}

const charts = new WeakMap(); // chart element → { plot, key, data, labels, marker, table }

function tableFor(el) {
  let details = el.parentElement.querySelector(":scope > details.chart-table");
  if (!details) {
    details = document.createElement("details");
    details.className = "chart-table";
    const summary = document.createElement("summary");
    setText(summary, "chart.table");
    const table = document.createElement("table");
    table.className = "numbers";
    details.append(summary, table);
    el.after(details);
    details.addEventListener("toggle", () => { if (details.open) fillChartTable(details, charts.get(el)); });
  }
  return details;
}

function fillChartTable(details, rec) {
  if (!details.open || !rec) return;
  const [xs, ...ys] = rec.data;
  const step = Math.max(1, Math.ceil(xs.length / MAX_TABLE_ROWS));
  const table = details.querySelector("table");
  const caption = document.createElement("caption");
  caption.textContent = step > 1 ? t("chart.rows_every", { step, n: xs.length }) : t("chart.rows_all", { n: xs.length });
  const head = document.createElement("thead");
  const hr = document.createElement("tr");
  for (const label of [rec.xLabel, ...rec.labels]) { const th = document.createElement("th"); th.scope = "col"; th.textContent = label; hr.append(th); }
  head.append(hr);
  const body = document.createElement("tbody");
  for (let i = 0; i < xs.length; i += step) {
    const tr = document.createElement("tr");
    [xs[i], ...ys.map((y) => y[i])].forEach((v, k) => {
      const td = document.createElement(k === 0 ? "th" : "td");
      if (k === 0) td.scope = "row"; else td.className = "num";
      td.textContent = v == null ? "—" : fmt(v);
      tr.append(td);
    });
    body.append(tr);
  }
  table.replaceChildren(caption, head, body);
}

/**
 * Draw `series` = [{label, x, y, dashed?}] in the chart element `el` (a <div class="chart">).
 * opts: {logY, logX, marker (an x value drawn as a dashed line), xLabel, bars (draw bars, not lines)}. Later calls with the same
 * series labels and options update the data in place (cheap while training). Labels come in the
 * page's language (t(key)); a view redraws its charts after a language switch, and new labels
 * make a new chart.
 */
export function lineChart(el, series, opts = {}) {
  const uPlot = window.uPlot;
  if (!uPlot) { setText(el, "chart.no_library"); return; }
  const labels = series.map((s) => s.label);
  const xLabel = opts.xLabel || "t";
  const key = JSON.stringify([labels, xLabel, !!opts.logY, !!opts.logX, !!opts.bars, series.map((s) => !!s.dashed)]);
  const data = align(series, opts.logY);
  let rec = charts.get(el);
  const width = Math.max(200, Math.floor(el.clientWidth || 440));
  const height = Math.round(width * (Number(el.dataset.aspect) || 240 / 440));
  if (!rec || rec.key !== key) {
    rec?.plot.destroy();
    rec = { key, labels, xLabel, marker: opts.marker, data };
    const markerHook = (u) => {
      if (rec.marker == null) return;
      const x = u.valToPos(rec.marker, "x", true);
      const { ctx } = u;
      ctx.save();
      ctx.strokeStyle = "#6b7280"; ctx.setLineDash([4, 4]); ctx.lineWidth = devicePixelRatio || 1;
      ctx.beginPath(); ctx.moveTo(x, u.bbox.top); ctx.lineTo(x, u.bbox.top + u.bbox.height); ctx.stroke();
      ctx.restore();
    };
    rec.plot = new uPlot({
      width, height,
      scales: { x: opts.logX ? { time: false, distr: 3 } : { time: false }, y: opts.bars ? { range: (u, lo, hi) => [Math.min(0, lo), hi * 1.05 || 1] } : { distr: opts.logY ? 3 : 1 } },
      axes: [opts.logX
        ? { label: xLabel, labelSize: 18, size: 36, splits: (u, i, min, max) => pow10Splits(min, max), values: (u, vals) => vals.map((v) => (v == null ? "" : pow10Label(v))) }
        : { label: xLabel, labelSize: 18, size: 36 }, opts.logY
        // a log axis: ticks and grid lines at the powers of ten only
        ? { size: 56, splits: (u, i, min, max) => pow10Splits(min, max), values: (u, vals) => vals.map((v) => (v == null ? "" : pow10Label(v))) }
        : { size: 56, values: (u, vals) => vals.map((v) => (v == null ? "" : fmt(v))) }],
      series: [
        { label: xLabel, value: (u, v) => (v == null ? "—" : fmt(v)) },
        ...series.map((s, k) => (opts.bars
          ? { label: labels[k], stroke: COLORS[k % COLORS.length], fill: COLORS[k % COLORS.length] + "99", width: 1,
            paths: uPlot.paths.bars({ size: [0.85, 60] }), points: { show: false }, value: (u, v) => (v == null ? "—" : fmt(v)) }
          : { label: labels[k], stroke: COLORS[k % COLORS.length], width: 2, dash: s.dashed ? [6, 4] : undefined,
            spanGaps: true, points: { show: (u) => u.data[0].length <= 40, size: 6 }, value: (u, v) => (v == null ? "—" : fmt(v)) })),
      ],
      legend: { live: true },
      cursor: { drag: { x: false, y: false } },
      hooks: { draw: [markerHook] },
    }, data, el);
    charts.set(el, rec);
    if (!el.dataset.keys) { // by keyboard: focus the chart, ← → move the cursor (Shift: 10 points), Home/End; the legend shows the values
      el.dataset.keys = "1";
      el.tabIndex = 0;
      el.addEventListener("keydown", (e) => {
        const r = charts.get(el), n = r?.plot.data[0].length;
        if (!n) return;
        const now = r.plot.cursor.idx ?? -1;
        const next = { ArrowRight: now + (e.shiftKey ? 10 : 1), ArrowLeft: now - (e.shiftKey ? 10 : 1), Home: 0, End: n - 1 }[e.key];
        if (next === undefined) return;
        e.preventDefault();
        const i = Math.max(0, Math.min(n - 1, now < 0 && e.key === "ArrowLeft" ? n - 1 : next));
        const x = r.plot.data[0][i];
        const ys = r.plot.data.slice(1).map((y) => y[i]).filter((v) => v != null);
        r.plot.setCursor({ left: r.plot.valToPos(x, "x"), top: ys.length ? r.plot.valToPos(ys[0], "y") : 0 });
        el.dataset.cursor = String(x);
      });
      el.addEventListener("blur", () => { const r = charts.get(el); r?.plot.setCursor({ left: -10, top: -10 }); delete el.dataset.cursor; });
    }
    if (!el.dataset.observed) {
      el.dataset.observed = "1";
      new ResizeObserver(() => {
        const r = charts.get(el);
        const w = Math.max(200, Math.floor(el.clientWidth));
        if (r && Math.abs(w - r.plot.width) > 1) r.plot.setSize({ width: w, height: Math.round(w * (Number(el.dataset.aspect) || 240 / 440)) });
      }).observe(el);
    }
  } else {
    rec.marker = opts.marker;
    rec.data = data;
    rec.plot.setData(data);
  }
  el.dataset.points = String(data[0].length);
  fillChartTable(tableFor(el), rec);
}

/**
 * A sentence over an empty chart (`key`, in the page's language) — what to do to see it — or, with
 * `null`, none: a chart is never a blank box. The figure carries data-empty while it shows one.
 */
export function chartNote(el, key, params) {
  let note = el.parentElement.querySelector(":scope > .chart-note");
  if (!key) { note?.remove(); delete el.dataset.empty; return; }
  if (!note) { note = document.createElement("p"); note.className = "chart-note"; el.after(note); }
  setText(note, key, params);
  el.dataset.empty = key;
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

/** Show a check's verdict: ✓/✗ and the text of `key` (in the page's language), data-pass for the styles and the tests. */
export function setCheck(el, pass, key, params) {
  bindText(el, () => (pass ? "✓ " : "✗ ") + t(key, params));
  el.dataset.pass = String(pass);
  el.dataset.status = pass ? "pass" : "fail"; // with data-items: the seed items this check tests (SEED-ITEMS.md)
}

/** A check whose numbers are being computed (in the worker): no verdict until they arrive; no key empties it. */
export function setPending(el, key = "common.computing", params) {
  setText(el, key, params);
  delete el.dataset.pass;
  el.dataset.status = "pending";
}
