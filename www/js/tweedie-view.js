// Section 2: Tweedie's formula (1.125) and (1.143) against the exact mixture oracle.
import { fillTable, fmt, readNumber, setCheck } from "./plot.js";
import { clearError, showError } from "./errors.js";
import * as i18n from "./i18n.js";

const EXTENT = 3.2; // the plot shows [-EXTENT, EXTENT]²
const GRID = 120;

export function startTweedieView(engine) {
  const schedule = new engine.Schedule({}) // the engine's default: linear, T = 1000;
  const mixture = engine.Mixture.ring8({});
  const tIn = document.getElementById("tweedie-t");
  const tOut = document.getElementById("tweedie-t-value");
  const xIn = document.getElementById("tweedie-x");
  const yIn = document.getElementById("tweedie-y");
  const err = document.getElementById("tweedie-error");
  const canvas = document.getElementById("tweedie-canvas");
  const table = document.querySelector("#tweedie-table tbody");
  const status = document.getElementById("tweedie-status");
  const $three = document.getElementById("three-status");
  const grid = new Float64Array(GRID * GRID * 2);
  for (let j = 0; j < GRID; j++) for (let i = 0; i < GRID; i++) {
    grid[2 * (j * GRID + i)] = -EXTENT + (2 * EXTENT * (i + 0.5)) / GRID;
    grid[2 * (j * GRID + i) + 1] = EXTENT - (2 * EXTENT * (j + 0.5)) / GRID;
  }
  const toPx = (x, y) => [((x + EXTENT) / (2 * EXTENT)) * canvas.width, ((EXTENT - y) / (2 * EXTENT)) * canvas.height];

  function render() {
    const t = Number(tIn.value);
    tOut.textContent = String(t);
    let xt, score, x0Exact, epsExact, tweedie, scoreFromEps, alphaBar, density, fdScore;
    try {
      xt = new Float64Array([readNumber(xIn, "field.xt_first"), readNumber(yIn, "field.xt_second")]);
      score = mixture.score(xt, schedule, t);
      x0Exact = mixture.posteriorMeanX0(xt, schedule, t);
      epsExact = mixture.posteriorMeanEps(xt, schedule, t);
      tweedie = schedule.convert("score", "x0", xt, t, score);         // (1.125)
      scoreFromEps = schedule.convert("eps", "score", xt, t, epsExact); // (1.143)
      alphaBar = schedule.alphaBar(t);
      density = mixture.density(grid, schedule, t);
      // ∇log q(x_t) by central differences of the density itself: no sum shared with E[ε|x_t]
      const h = 1e-5 * (1 + Math.hypot(xt[0], xt[1]));
      const q = mixture.density(new Float64Array([xt[0] + h, xt[1], xt[0] - h, xt[1], xt[0], xt[1] + h, xt[0], xt[1] - h]), schedule, t);
      fdScore = [(Math.log(q[0]) - Math.log(q[1])) / (2 * h), (Math.log(q[2]) - Math.log(q[3])) / (2 * h)];
    } catch (e) {
      showError(err, e);
      return;
    }
    clearError(err);
    drawDensity(density, xt, x0Exact, tweedie, score, alphaBar);
    const r1 = Math.max(Math.abs(tweedie[0] - x0Exact[0]), Math.abs(tweedie[1] - x0Exact[1]));
    const r2 = Math.max(Math.abs(scoreFromEps[0] - fdScore[0]), Math.abs(scoreFromEps[1] - fdScore[1]));
    const v = (a) => `(${fmt(a[0])}, ${fmt(a[1])})`;
    const rows = [
      ["ᾱ_t", fmt(alphaBar), ""],
      [i18n.t("tweedie.row_score"), v(score), i18n.t("tweedie.mixture")],
      [i18n.t("tweedie.row_x0"), v(x0Exact), i18n.t("tweedie.mixture")],
      ["(x_t + (1−ᾱ_t)∇log q) / √ᾱ_t", v(tweedie), "(1.125)"],
      [i18n.t("common.largest_difference"), r1.toExponential(2), ""],
      [i18n.t("tweedie.row_eps"), v(epsExact), "(1.141)"],
      ["−E[ε|x_t] / √(1−ᾱ_t)", v(scoreFromEps), "(1.143)"],
      [i18n.t("tweedie.row_fd"), v(fdScore), i18n.t("tweedie.fd")],
      [i18n.t("common.largest_difference"), r2.toExponential(2), ""],
    ];
    fillTable(table, rows);
    const scale = 1 + Math.abs(x0Exact[0]) + Math.abs(x0Exact[1]) + Math.abs(score[0]) + Math.abs(score[1]);
    const pass = r1 <= 1e-9 * scale && r2 <= 1e-6 * scale; // (1.143) to the finite difference's accuracy
    if (pass) setCheck(status, true, "tweedie.pass", { t });
    else setCheck(status, false, "tweedie.fail", { t, r1: r1.toExponential(2), r2: r2.toExponential(2) });
    document.getElementById("tweedie").dataset.t = String(t); // the t the check above is for
    threeWays(xt, t, x0Exact, alphaBar);
  }

  // Chapter 5's "three ways to say the same thing": the oracle's x̂₀ as x₀, ε and score predictions,
  // one μ_θ from all three (1.96, 1.115, 1.134), and one loss in three weightings (1.100), (1.119),
  // (1.140) — and (1.104) in SNR form — against a true x₀ (the nearest mode) and its ε.
  function threeWays(xt, t, x0Hat, alphaBar) {
    const eps = schedule.convert("x0", "eps", xt, t, x0Hat);
    const sc = schedule.convert("x0", "score", xt, t, x0Hat);
    const means = ["x0", "eps", "score"].map((p, i) => schedule.modelMean(p, xt, t, [x0Hat, eps, sc][i]));
    const back = schedule.convert("eps", "x0", xt, t, eps);
    // a true x₀: the mode nearest the prediction, and the ε and score target it implies at this x_t
    const r12 = (v) => Math.round(v * 1e12) / 1e12; // (0, 2), not (1.2e−16, 2)
    const modes = Array.from({ length: 8 }, (_, k) => [r12(2 * Math.cos((2 * Math.PI * k) / 8)), r12(2 * Math.sin((2 * Math.PI * k) / 8))]);
    const x0 = modes.reduce((a, m) => (Math.hypot(m[0] - x0Hat[0], m[1] - x0Hat[1]) < Math.hypot(a[0] - x0Hat[0], a[1] - x0Hat[1]) ? m : a));
    const epsTrue = schedule.convert("x0", "eps", xt, t, x0), scoreTrue = schedule.convert("x0", "score", xt, t, x0);
    const sq = (a, b) => (a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2;
    const d = (a, b) => Math.max(Math.abs(a[0] - b[0]), Math.abs(a[1] - b[1]));
    const v = (a) => `(${fmt(a[0])}, ${fmt(a[1])})`;
    const rows = [
      [i18n.t("three.row_x0"), v(x0Hat), "(1.125)"],
      ["ε̂ = (x_t − √ᾱ_t x̂₀)/√(1−ᾱ_t)", v(eps), "(1.105)"],
      ["ŝ = −ε̂/√(1−ᾱ_t)", v(sc), "(1.143)"],
      [i18n.t("three.row_means"), `${v(means[0])} / ${v(means[1])} / ${v(means[2])}`, "(1.96), (1.115), (1.134)"],
      [i18n.t("three.row_means_spread"), Math.max(d(means[0], means[1]), d(means[0], means[2])).toExponential(1), ""],
      [i18n.t("three.row_round_trip"), d(back, x0Hat).toExponential(1), ""],
    ];
    const losses = []; // the weights need σ_q²(t) = β̃_t > 0: t ≥ 2
    if (t >= 2) {
      losses.push(
        schedule.lossWeight("x0", t, "beta_tilde") * sq(x0Hat, x0),
        schedule.lossWeight("eps", t, "beta_tilde") * sq(eps, epsTrue),
        schedule.lossWeight("score", t, "beta_tilde") * sq(sc, scoreTrue),
      );
      rows.push([i18n.t("three.row_loss", { x0: v(x0) }), losses.map(fmt).join(" / "), "(1.89): σ_q² = β̃_t"]);
      losses.push(schedule.snrWeight(t) * sq(x0Hat, x0));
      rows.push([i18n.t("three.row_snr"), losses[3], "(1.104)"]);
    }
    fillTable(document.querySelector("#three-table tbody"), rows);
    const spread = losses.length ? Math.max(...losses) - Math.min(...losses) : 0;
    const scale = 1e-9 * (1 + Math.max(0, ...losses.map(Math.abs), ...means.flatMap((m) => Array.from(m, Math.abs))));
    const pass = d(means[0], means[1]) <= scale && d(means[0], means[2]) <= scale && d(back, x0Hat) <= scale && spread <= scale;
    if (!pass) setCheck($three, false, "three.fail", { t, means: fmt(Math.max(d(means[0], means[1]), d(means[0], means[2]))), losses: fmt(spread) });
    else if (t >= 2) setCheck($three, true, "three.pass", { n: losses.length, loss: fmt(losses[0]), t });
    else setCheck($three, true, "three.pass_t1");
    $three.dataset.weightings = String(losses.length); // how many weightings of the loss were compared (0 at t = 1)
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
    ctx.fillText(i18n.t("tweedie.legend"), 8, canvas.height - 8);
  }

  canvas.addEventListener("click", (e) => {
    const r = canvas.getBoundingClientRect();
    xIn.value = (((e.clientX - r.left) / r.width) * 2 * EXTENT - EXTENT).toFixed(2);
    yIn.value = (EXTENT - ((e.clientY - r.top) / r.height) * 2 * EXTENT).toFixed(2);
    render();
  });
  // by keyboard: the arrows move x_t by 0.1 (with Shift by 0.5), as a click would place it
  canvas.tabIndex = 0;
  canvas.addEventListener("keydown", (e) => {
    const d = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, 1], ArrowDown: [0, -1] }[e.key];
    if (!d) return;
    e.preventDefault();
    const step = e.shiftKey ? 0.5 : 0.1, clamp = (v) => Math.max(-EXTENT, Math.min(EXTENT, v));
    xIn.value = clamp((Number(xIn.value) || 0) + d[0] * step).toFixed(2);
    yIn.value = clamp((Number(yIn.value) || 0) + d[1] * step).toFixed(2);
    render();
  });
  for (const el of [tIn, xIn, yIn]) el.addEventListener("input", render);
  i18n.onLanguageChange(render);
  document.getElementById("tweedie-form").addEventListener("submit", (e) => e.preventDefault());
  render();
}
