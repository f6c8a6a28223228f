// A derivation stepper: one of the seeds' derivations (src/derivation/<name>.rs), its lines typeset
// one under the other with the seed's equation numbers, each with its value at the reader's point,
// revealed one at a time (the buttons, or ← / → anywhere in the stepper outside a field); below each
// line, the steps that arrive at it: what move was made and the check that it holds (equal to
// rounding, equal in expectation within standard errors, equal up to a constant shown, or a printed
// slip the numbers expose). A container <div class="stepper" data-derivation="name" data-fields="x0 t seed">
// is all index.html holds; the controls, lines and verdict are made here. The numbers come from the
// compute worker; the text from the catalogues (i18n/derivations/<name>.js).
import { workerView } from "./compute.js";
import { fmt, lineChart, readNumber, setCheck } from "./plot.js";
import { bindText, setText, t } from "./i18n.js";
import { renderTex } from "./tex.js";

function el(tag, props = {}, ...children) {
  const e = Object.assign(document.createElement(tag), props);
  e.append(...children);
  return e;
}

/** A vector as "(a, b)", a scalar as "a"; with standard errors "a ± s". */
export function formatValue(value, se) {
  const one = (v, i) => (se ? `${fmt(v)} ± ${fmt(se[i])}` : fmt(v));
  const parts = Array.from(value, one);
  return parts.length === 1 ? parts[0] : `(${parts.join(", ")})`;
}

// the inputs a derivation may read: its control(s), the field names the engine uses, and how to read them
const INPUTS = {
  x0: { count: 2, field: (i) => `x0[${i}]`, step: "0.1" },
  x: { count: 1, field: () => "x0[0]", step: "0.1" }, // a 1-D observation: x0's first coordinate
  t: { count: 1, field: () => "t", step: "1", integer: true },
  seed: { count: 1, field: () => "seed", step: "1", integer: true },
  sigma: { count: 1, field: () => "sigma", step: "0.05" },
  theta: { count: 0, field: (i) => `theta[${i}]`, step: "0.1" },
  samples: { count: 1, field: () => "samples", step: "1000", integer: true },
};

function start(root, defaults) {
  const name = root.dataset.derivation;
  const fields = root.dataset.fields.split(" ");
  const prefix = `deriv-${name}`;
  root.tabIndex = -1;
  // ---- controls: one labelled input per number the derivation reads
  const controls = el("div", { className: "controls deriv-controls" });
  const inputs = {};
  for (const f of fields) {
    const spec = INPUTS[f];
    const initial = f === "theta" ? Array.from(defaults.theta[name] || []) : f === "x" ? [defaults.x0[0]] : f === "x0" ? Array.from(defaults.x0) : [defaults[f]];
    const n = spec.count || initial.length;
    inputs[f] = [];
    for (let i = 0; i < n; i++) {
      const label = el("label");
      const text = el("span");
      setText(text, n > 1 ? `deriv.input.${f}_${i}` + (f === "theta" ? `.${name}` : "") : `deriv.input.${f}`);
      const input = el("input", { type: "number", step: spec.step, value: String(initial[i]), id: `${prefix}-${f}${n > 1 ? i : ""}` });
      input.dataset.field = spec.field(i);
      label.append(text, input);
      controls.append(label);
      inputs[f].push(input);
    }
  }
  const nav = el("div", { className: "deriv-nav" });
  const prev = el("button", { type: "button", className: "deriv-prev" });
  const next = el("button", { type: "button", className: "deriv-next" });
  const all = el("button", { type: "button", className: "deriv-all" });
  const pos = el("span", { className: "deriv-pos" });
  setText(prev, "deriv.prev"); setText(next, "deriv.next"); setText(all, "deriv.all");
  nav.append(prev, pos, next, all);
  const list = el("ol", { className: "deriv-lines" });
  const status = el("p", { className: "check", id: `${prefix}-status` });
  status.setAttribute("role", "status");
  const err = el("p", { className: "error", id: `${prefix}-error`, hidden: true });
  err.setAttribute("role", "alert");
  // a derivation with series (a weight over t, a term per t) gets a chart of them under its lines
  const figure = el("figure", { className: "deriv-chart", hidden: true });
  const chart = el("div", { className: "chart", id: `chart-deriv-${name}` });
  chart.setAttribute("role", "img");
  const caption = el("figcaption");
  figure.append(chart, caption);
  root.append(controls, nav, list, figure, status, err);

  let shown = 0, last = null;
  const lineEls = [];
  function reveal() {
    if (!last) return;
    const n = last.lines.length;
    shown = Math.max(0, Math.min(shown, n - 1));
    lineEls.forEach((li, k) => {
      li.hidden = k > shown;
      li.classList.toggle("current", k === shown);
    });
    root.dataset.shown = String(shown);
    prev.disabled = shown === 0;
    next.disabled = shown === n - 1;
    bindText(pos, () => t("deriv.position", { k: shown + 1, n }));
  }
  const move = (d) => { shown += d; reveal(); };
  prev.addEventListener("click", () => move(-1));
  next.addEventListener("click", () => move(1));
  all.addEventListener("click", () => { shown = last ? last.lines.length - 1 : 0; reveal(); });
  root.addEventListener("keydown", (e) => {
    if (e.target.matches("input, select, textarea") || e.altKey || e.ctrlKey || e.metaKey) return;
    if (e.key === "ArrowRight" || e.key === "ArrowLeft") { e.preventDefault(); move(e.key === "ArrowRight" ? 1 : -1); }
  });

  function stepText(s) {
    const detail = {
      equal: () => t("deriv.rel.equal", { r: s.residual.toExponential(1), tol: s.tolerance.toExponential(0) }),
      expectation: () => t("deriv.rel.expectation", { z: fmt(s.residual), tol: fmt(s.tolerance) }),
      constant: () => t("deriv.rel.constant", { c: formatValue(s.constant), of: s.of, r: s.residual.toExponential(1) }),
      slip: () => t(s.holds ? "deriv.rel.slip" : "deriv.rel.slip_hidden", { r: fmt(s.residual) }),
    }[s.relation]();
    const mark = s.relation === "slip" ? (s.holds ? "✎" : "·") : s.holds ? "✓" : "✗";
    return `${mark} ${t(`deriv.${name}.step.${s.key}`)} — ${detail}`;
  }

  function draw(r) {
    last = r;
    // the lines are made once (their TeX does not change with the point); values and steps on every result
    if (lineEls.length !== r.lines.length) {
      list.replaceChildren();
      lineEls.length = 0;
      for (const l of r.lines) {
        const li = el("li", { className: "deriv-line" });
        li.dataset.line = l.key;
        const eq = el("span", { className: "eq", textContent: `(${l.eq})` });
        const tex = el("span", { className: "tex display" });
        tex.dataset.i18nTex = `deriv.${name}.line.${l.key}`;
        tex.dataset.tex = "";
        const value = el("span", { className: "num deriv-value" });
        const steps = el("ul", { className: "deriv-steps" });
        li.append(eq, tex, value, steps);
        list.append(li);
        lineEls.push(li);
      }
      renderTex(list);
    }
    r.lines.forEach((l, k) => {
      const v = lineEls[k].querySelector(".deriv-value");
      v.textContent = "= " + formatValue(l.value, l.stdError);
      v.dataset.value = Array.from(l.value).join(" ");
    });
    const byLine = lineEls.map(() => []);
    for (const s of r.steps) byLine[Math.max(s.from, s.to)].push(s);
    lineEls.forEach((li, k) => {
      const ul = li.querySelector(".deriv-steps");
      ul.replaceChildren(...byLine[k].map((s) => {
        const item = el("li", { className: "deriv-step" });
        item.dataset.step = s.key;
        item.dataset.relation = s.relation;
        item.dataset.holds = String(s.holds);
        bindText(item, () => stepText(s));
        return item;
      }));
    });
    drawSeries(r.series);
    const slips = r.steps.filter((s) => s.relation === "slip" && s.holds).length;
    const failed = r.steps.filter((s) => !s.holds && s.relation !== "slip").length;
    status.dataset.items = Array.from(r.items).join(" ");
    if (r.holds) setCheck(status, true, "deriv.pass", { n: r.steps.length, slips, lines: r.lines.length });
    else setCheck(status, false, "deriv.fail", { failed, n: r.steps.length });
    reveal();
  }

  function drawSeries(series) {
    const keys = Object.keys(series || {}).filter((k) => k !== "t");
    figure.hidden = keys.length === 0;
    if (!keys.length) return;
    const n = series[keys[0]].length;
    const x = series.t ? Array.from(series.t) : Array.from({ length: n }, (_, i) => i + 1);
    const positive = keys.every((k) => Array.from(series[k]).every((v) => v > 0));
    lineChart(chart, keys.map((k, i) => ({ label: t(`deriv.${name}.series.${k}`), x, y: Array.from(series[k]), dashed: i > 0 })), { logY: positive, xLabel: series.t ? "t" : "τ" }); // τ: a short schedule's steps
    setText(caption, `deriv.${name}.chart`);
    chart.setAttribute("aria-label", t(`deriv.${name}.chart`));
  }

  const view = workerView({
    job: "derivation",
    err,
    status,
    draw,
    read() {
      const args = { name };
      for (const f of fields) {
        const label = (i) => t(inputs[f].length > 1 ? `deriv.input.${f}_${i}` + (f === "theta" ? `.${name}` : "") : `deriv.input.${f}`);
        const values = inputs[f].map((input, i) => readNumber(input, label(i)));
        if (f === "x") args.x0 = [values[0], 0];
        else args[f] = f === "x0" || f === "theta" ? values : values[0];
      }
      return args;
    },
  });
  for (const list of Object.values(inputs)) for (const input of list) input.addEventListener("input", () => view.render());
  view.render();
}

/** Start every stepper of the page; `defaults` is the engine's `defaults().derivation`. */
export function startSteppers(engine) {
  const defaults = engine.defaults().derivation;
  for (const root of document.querySelectorAll(".stepper[data-derivation]")) start(root, defaults);
}
