// Section 4: the reverse chain, one step at a time. The chain lives in the training worker (it
// uses the trained network, or the exact oracle of the 8 Gaussians); this view draws the particles,
// follows one of them with its trajectory, and shows what the model says at the current step.
import { chartNote, fillTable, fmt, readNumber, setCheck, setPending } from "./plot.js";
import { dots, drawCloud, prepareCanvas } from "./cloud.js";
import { clearError, pageError, showError } from "./errors.js";
import { onLanguageChange, setText, t } from "./i18n.js";

// what the chain view refuses before asking the engine (the same {code, params} as the engine's errors)
const needs2d = () => pageError("needs_2d", { field: "dataset", value: "digits" });
const DRAWN = "rgba(150, 150, 160, 0.7)"; // the points you drew, grey beneath the samples
const needsRing8 = () => pageError("mixture_only", { field: "model", value: "oracle", hint: "pick_ring8" });

export function startChainView(train) {
  const $ = (id) => document.getElementById(id);
  const section = $("chain"), canvas = $("chain-canvas"), err = $("chain-error");
  const slider = $("chain-slider"), info = $("chain-t"), table = $("chain-inspector"), qualityText = $("chain-quality");
  const VIEW = 3.2; // the canvas shows [−VIEW, VIEW]²
  let state = null, at = null, particle = null, posterior = null, selected = 0, trail = [], field = null;
  let playing = false, running = false, dataset = "ring8";
  // Every request to the worker waits its turn: a key press or click made while a step runs is
  // queued, never dropped (holding → plays: a repeated key queues only when nothing is waiting).
  let queue = Promise.resolve(), waiting = 0;

  const fields = () => {
    const [sampler, variance] = $("chain-sampler").value.split(":");
    const c = { sampler, particles: readNumber($("chain-particles"), "common.particles"), seed: readNumber($("chain-seed"), "common.seed") };
    if (sampler === "ddpm") c.variance = variance;
    if (sampler === "ddim") c.eta = readNumber($("chain-eta"), "field.eta");
    // every other setting of the sampler is the engine's default (defaults().chain)
    return c;
  };

  function send(cmd, extra = {}) {
    waiting++;
    section.dataset.queued = String(waiting);
    const run = queue.then(async () => {
      try {
        const r = await train.client.chain(cmd, { selected, ...extra });
        if (cmd === "create") clearError(err); // a new chain answers a refused setting; a step after it does not
        return r;
      } catch (e) {
        showError(err, e);
        playing = false; running = false; setText($("chain-play"), "chain.play");
        return null;
      } finally {
        waiting--;
        section.dataset.queued = String(waiting);
      }
    });
    queue = run;
    return run;
  }

  function accept(r) {
    if (!r) return;
    ({ state, at, particle, posterior } = r);
    const x = state && [state[2 * selected], state[2 * selected + 1]];
    if (x) {
      if (trail.length && trail[trail.length - 1].position >= at.position) trail = trail.filter((p) => p.position < at.position);
      trail.push({ position: at.position, x });
    }
    slider.max = String(at.length);
    slider.value = String(at.position);
    section.dataset.position = String(at.position);
    section.dataset.t = String(at.t);
    const { position, length } = at;
    if (at.noiseSigma === undefined) setText(info, "chain.at_t", { t: at.t, position, length });
    else if (at.noiseSigma > 0) setText(info, "chain.at_level", { position, length, level: at.level + 1, sigma: fmt(at.noiseSigma) });
    else setText(info, "chain.at_langevin", { position, length });
    field = null;
    draw();
    inspector();
    if (at.position === at.length) quality(); else { setText(qualityText, "chain.quality_pending"); delete section.dataset.mmd; delete section.dataset.mmdFloor; }
    if ($("chain-field").checked) scoreField();
  }

  async function create() {
    try { await createChain(); } catch (e) { showError(err, e); }
  }
  async function createChain() {
    clearError(err);
    dataset = $("train-dataset").value;
    if (dataset === "digits") { showError(err, needs2d()); return; }
    let config;
    try { config = fields(); } catch (e) { showError(err, e); return; }
    const source = $("chain-model").value;
    if (source === "oracle" && dataset !== "ring8") { showError(err, needsRing8()); return; }
    if ($("chain-start").value === "forward") {
      if (!["ddpm", "ddim"].includes(config.sampler)) { showError(err, pageError("needs_sampler", { field: "sampler", value: config.sampler })); return; }
      config.init = "forward";
      config.tStart = readNumber($("chain-tstart"), "chain.t_start");
      config.x0 = await train.sample(dataset, config.particles);
    }
    trail = [];
    playing = false; running = false; setText($("chain-play"), "chain.play");
    const r = await send("create", { config, source });
    if (r) section.dataset.source = source;
    accept(r);
  }

  const step = async () => accept(await send("step"));
  const back = async () => accept(await send("back"));
  // Far moves ("to x₀", the slider) go one work budget per request, showing where they are;
  // pressing the button again (now "stop") ends one between two requests.
  async function to(position) {
    running = true;
    section.dataset.running = "true";
    setText($("chain-end"), "chain.stop");
    try {
      for (;;) {
        const r = await send("to", { position });
        if (!r) break;
        accept(r);
        if (r.reached || !running) break;
        setText(info, "chain.running_to", { position: r.at.position, target: position, length: r.at.length });
      }
    } finally {
      running = false;
      delete section.dataset.running;
      setText($("chain-end"), "chain.end");
    }
  }

  async function play() {
    playing = !playing;
    setText($("chain-play"), playing ? "chain.pause" : "chain.play");
    while (playing && at && at.position < at.length) {
      const r = await send("step");
      if (!r) break;
      accept(r);
      await new Promise((res) => requestAnimationFrame(res));
    }
    playing = false; setText($("chain-play"), "chain.play");
  }

  // how far above the data floor (MMD² of two data samples) Algorithm 2's samples may lie and still pass:
  // a tenth of the MMD² of N(0, I) noise against the ring (≈ 0.05), so a model that has not learnt the modes fails
  const FLOOR_MARGIN = 0.005;

  async function quality() {
    const r = await send("quality", { dataset, reference: dataset === "points" ? train.sample("points", 1000) : undefined });
    if (!r) return;
    const q = r.quality;
    section.dataset.mmd = String(q.mmd2);
    section.dataset.mmdFloor = String(q.floor); // MMD² between two data samples: the floor
    // the kernel is the engine's (quality::MMD_BANDWIDTHS, named in chain.quality)
    // the unbiased estimate of MMD² can come out below 0 when the two samples are this close: say so
    const params = { mmd: fmt(q.mmd2), floor: fmt(q.floor), negative: q.mmd2 < 0 || q.floor < 0 ? t("common.mmd_negative") : "" };
    if (q.modeFractions) {
      setText(qualityText, "chain.quality_modes", { ...params, shares: q.modeFractions.map((f) => f.toFixed(2)).join(" "),
        weight: q.modeWeights[0].toFixed(3), logq: fmt(q.meanLogDensity) });
    } else setText(qualityText, "chain.quality", params);
    // Algorithm 2 (1.154): DDPM's ancestral samples should be as close to held-out data as another data sample is
    const floorEl = $("chain-floor");
    if ($("chain-sampler").value.split(":")[0] !== "ddpm") { setPending(floorEl, "chain.floor_other"); return; }
    const excess = q.mmd2 - q.floor;
    // with the network, the samples also test what trained it: L_simple (1.153) and Algorithm 1
    floorEl.dataset.items = $("chain-model").value === "oracle" ? "27" : "25 26 27";
    setCheck(floorEl, excess <= FLOOR_MARGIN, excess <= FLOOR_MARGIN ? "chain.floor_pass" : "chain.floor_fail", { mmd: fmt(q.mmd2), floor: fmt(q.floor), excess: fmt(excess), margin: FLOOR_MARGIN });
  }

  async function scoreField() {
    const n = 15, pts = new Float64Array(n * n * 2);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) { pts[2 * (i * n + j)] = -VIEW + (2 * VIEW * (j + 0.5)) / n; pts[2 * (i * n + j) + 1] = -VIEW + (2 * VIEW * (i + 0.5)) / n; }
    const r = await send("field", { points: pts });
    if (r) { field = { pts, v: r.field }; draw(); }
  }

  function draw() {
    const dpr = window.devicePixelRatio || 1, size = canvas.clientWidth || 480;
    if (canvas.width !== Math.round(size * dpr)) { canvas.width = canvas.height = Math.round(size * dpr); }
    const ctx = canvas.getContext("2d");
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    const px = (v) => ((v + VIEW) / (2 * VIEW)) * size, py = (v) => size - ((v + VIEW) / (2 * VIEW)) * size;
    ctx.fillStyle = "#fbfbfd"; ctx.fillRect(0, 0, size, size);
    ctx.strokeStyle = "#e2e4ea"; ctx.beginPath(); ctx.moveTo(px(0), 0); ctx.lineTo(px(0), size); ctx.moveTo(0, py(0)); ctx.lineTo(size, py(0)); ctx.stroke();
    if (dataset === "points") dots({ ctx, px, py, dpr: 1 }, train.drawn.points(), DRAWN, 1.5); // beneath the particles meant to imitate them
    if (field) {
      ctx.strokeStyle = "#9bb3d6";
      let max = 1e-12;
      for (let k = 0; k < field.v.length; k += 2) max = Math.max(max, Math.hypot(field.v[k], field.v[k + 1]));
      for (let k = 0; k < field.pts.length; k += 2) {
        const s = 0.18 / max, x = field.pts[k], y = field.pts[k + 1];
        ctx.beginPath(); ctx.moveTo(px(x), py(y)); ctx.lineTo(px(x + s * field.v[k]), py(y + s * field.v[k + 1])); ctx.stroke();
      }
    }
    if (!state) return;
    ctx.fillStyle = "rgba(40, 70, 140, 0.55)";
    for (let k = 0; k < state.length; k += 2) ctx.fillRect(px(state[k]) - 1, py(state[k + 1]) - 1, 2, 2);
    if (trail.length > 1) {
      ctx.strokeStyle = "#d0452a"; ctx.lineWidth = 1.5; ctx.beginPath();
      trail.forEach((p, i) => (i ? ctx.lineTo(px(p.x[0]), py(p.x[1])) : ctx.moveTo(px(p.x[0]), py(p.x[1]))));
      ctx.stroke(); ctx.lineWidth = 1;
    }
    const x = [state[2 * selected], state[2 * selected + 1]];
    ctx.fillStyle = "#d0452a"; ctx.beginPath(); ctx.arc(px(x[0]), py(x[1]), 4, 0, 2 * Math.PI); ctx.fill();
    if (particle && particle.x0) { // the predicted x̂_0: a cross, joined to x_t
      const [a, b] = particle.x0;
      ctx.strokeStyle = "#1d8a4e"; ctx.setLineDash([3, 3]); ctx.beginPath(); ctx.moveTo(px(x[0]), py(x[1])); ctx.lineTo(px(a), py(b)); ctx.stroke(); ctx.setLineDash([]);
      ctx.beginPath(); ctx.moveTo(px(a) - 5, py(b) - 5); ctx.lineTo(px(a) + 5, py(b) + 5); ctx.moveTo(px(a) - 5, py(b) + 5); ctx.lineTo(px(a) + 5, py(b) - 5); ctx.stroke();
    }
  }

  function inspector() {
    const v = (a) => (a ? `(${fmt(a[0])}, ${fmt(a[1])})` : "—");
    const rows = [];
    const x = state ? [state[2 * selected], state[2 * selected + 1]] : null;
    rows.push([t("chain.row_particle"), t("chain.particle", { index: selected, n: state ? state.length / 2 : 0 }), ""]);
    rows.push([t("chain.row_x"), v(x), at && at.noiseSigma === undefined ? "x_t" : "x"]);
    if (particle) {
      rows.push([t("chain.row_mean"), v(particle.mean), "(1.115) / DDIM / x + (α/2)s (§2.1)"]);
      rows.push([t("chain.row_sigma"), fmt(particle.sigma), t("chain.eq_sigma")]);
      rows.push([t("chain.row_x0"), v(particle.x0), "(1.105) / Tweedie (1.125)"]);
      rows.push([t("chain.row_eps"), v(particle.eps), "(1.119)"]);
      rows.push([t("chain.row_score"), v(particle.score), "ŝ = −ε̂/√(1−ᾱ_t) (1.143)"]);
    } else rows.push([t("chain.row_ended"), t("chain.ended"), ""]);
    if (posterior) {
      rows.push([t("chain.row_true_x0"), v(posterior.x0), t("chain.forward")]);
      rows.push([t("chain.row_true_mean"), v(posterior.mean), "(1.88)"]);
      rows.push([t("chain.row_true_variance"), t("chain.vs", { a: fmt(posterior.variance), b: fmt(posterior.modelVariance) }), "(1.89)"]);
      rows.push(["KL(q(x_{t−1}|x_t,x₀) ‖ p_θ(x_{t−1}|x_t))", posterior.kl == null ? t("chain.kl_decoder") : `${fmt(posterior.kl)} nats`, "(1.62), (1.95)"]);
    }
    table.querySelector("tbody").innerHTML = rows.map(([a, b, c]) => `<tr><th scope="row">${a}</th><td>${b}</td><td class="eq">${c}</td></tr>`).join("");
    section.dataset.inspector = JSON.stringify(particle ? particle.x0 : null);
    // forward then reverse: the KL of the model's step to the true posterior (nats; "none" at t = 1)
    if (posterior) section.dataset.kl = posterior.kl == null ? "none" : String(posterior.kl); else delete section.dataset.kl;
  }

  // DDPM and DDIM side by side, from the same seed (the same x_T), with the model chosen above. The
  // worker runs it one work budget at a time and reports the step it is at; pressing the button
  // again (now "stop") ends it between two budgets.
  let comparing = false;
  async function compare() {
    const cmpStatus = $("cmp-status"), button = $("chain-compare");
    if (comparing) { button.disabled = true; await train.client.chain("compare-stop"); return; }
    const ds = $("train-dataset").value;
    if (ds === "digits") { showError(err, needs2d()); return; }
    const source = $("chain-model").value;
    if (source === "oracle" && ds !== "ring8") { showError(err, needsRing8()); return; }
    let particles, seed;
    try { particles = readNumber($("chain-particles"), "common.particles"); seed = readNumber($("chain-seed"), "common.seed"); } catch (e) { showError(err, e); return; }
    const started = performance.now();
    let where = null; // {steps, total, running} from the worker
    const tick = () => setPending(cmpStatus, where ? "cmp.progress" : "cmp.pending", { s: Math.round((performance.now() - started) / 1000), ...(where || {}) });
    tick();
    const timer = setInterval(tick, 1000);
    train.client.onCompareProgress = (p) => { where = { steps: p.steps, total: p.total, sampler: p.running === "ddim" ? "DDIM" : "DDPM" }; tick(); section.dataset.compareSteps = String(p.steps); };
    comparing = true; section.dataset.comparing = "true";
    setText(button, "cmp.stop");
    try {
      const r = await train.client.chain("compare", { particles, seed, source, dataset: ds, reference: ds === "points" ? train.sample("points", 1000) : undefined });
      if (r.stopped) { setPending(cmpStatus, "cmp.stopped", { steps: r.steps, total: r.total }); section.dataset.compareStopped = String(r.steps); return; }
      clearError(err);
      compared = { c: r.compare, particles, seed, dataset: ds };
      drawCompare();
      section.dataset.compared = String(r.compare.ddim.mmd2);
    } catch (e) {
      showError(err, e);
      setPending(cmpStatus, null);
    } finally {
      clearInterval(timer);
      comparing = false; delete section.dataset.comparing;
      train.client.onCompareProgress = null;
      setText(button, "cmp.run");
      button.disabled = false;
    }
  }

  let compared = null; // the last comparison, redrawn after a language switch
  function drawCompare() {
    const { c, particles, seed } = compared;
    for (const [id, cloud] of [["cmp-ddpm", c.ddpm.state], ["cmp-ddim", c.ddim.state]]) {
      const canvasEl = $(id);
      if (compared.dataset === "points") { const pc = prepareCanvas(canvasEl); dots(pc, train.drawn.points(), DRAWN, 1.5); dots(pc, cloud, "rgba(40, 70, 140, 0.5)"); } else drawCloud(canvasEl, cloud);
      chartNote(canvasEl, null);
    }
    const negative = [c.floor, c.ddpm.mmd2, c.ddim.mmd2].some((v) => v < 0);
    const rows = [
      [t("cmp.row_steps"), c.ddpm.steps, c.ddim.steps],
      [t("cmp.row_time"), Math.round(c.ddpm.ms), Math.round(c.ddim.ms)],
      [t("cmp.row_mmd", { floor: fmt(c.floor) }) + (negative ? t("common.mmd_negative") : ""), c.ddpm.mmd2, c.ddim.mmd2],
    ];
    if (c.ddpm.modeWeightError != null) rows.push([t("common.mode_error"), c.ddpm.modeWeightError, c.ddim.modeWeightError]);
    fillTable(document.querySelector("#cmp-table tbody"), rows);
    if (c.sameStart) setCheck($("cmp-status"), true, "cmp.pass", { n: particles, seed, ddim: c.ddim.steps, ddpm: c.ddpm.steps });
    else setCheck($("cmp-status"), false, "cmp.fail");
  }
  onLanguageChange(() => { if (at) inspector(); if (compared) drawCompare(); });

  canvas.addEventListener("click", async (ev) => {
    if (!state) return;
    const r = canvas.getBoundingClientRect(), size = r.width;
    const x = ((ev.clientX - r.left) / size) * 2 * VIEW - VIEW, y = VIEW - ((ev.clientY - r.top) / size) * 2 * VIEW;
    let best = 0, bd = Infinity;
    for (let k = 0; k < state.length / 2; k++) { const d = (state[2 * k] - x) ** 2 + (state[2 * k + 1] - y) ** 2; if (d < bd) { bd = d; best = k; } }
    selected = best; trail = [];
    accept(await send("inspect"));
  });
  // ← → anywhere in the chapter but in a field that uses them itself (a number, the slider, a menu):
  // after pressing a button they still step. Each press is one step; holding a key plays.
  section.addEventListener("keydown", (ev) => {
    if (["INPUT", "SELECT", "TEXTAREA"].includes(ev.target.tagName)) return; // their own keys
    if (ev.key !== "ArrowRight" && ev.key !== "ArrowLeft" && !(ev.key === " " && ev.target === canvas)) return;
    ev.preventDefault();
    if (ev.key === " ") { play(); return; }
    if (ev.repeat && waiting > 0) return; // held down: one step at a time, as fast as they come
    if (ev.key === "ArrowRight") step(); else back();
  });
  slider.addEventListener("change", () => to(Number(slider.value)));
  $("chain-new").addEventListener("click", create);
  // a new model, sampler or start is a new chain (as New chain); the network changes with section 6
  for (const id of ["chain-model", "chain-sampler", "chain-start"]) $(id).addEventListener("change", create);
  addEventListener("model-dl", create);
  chartNote($("cmp-ddpm"), "cmp.empty"); chartNote($("cmp-ddim"), "cmp.empty");
  setPending($("cmp-status"), "cmp.idle");
  $("chain-compare").addEventListener("click", compare);
  $("chain-step").addEventListener("click", step);
  $("chain-back").addEventListener("click", back);
  $("chain-play").addEventListener("click", play);
  $("chain-end").addEventListener("click", () => { if (running) running = false; else if (at) to(at.length); });
  $("chain-field").addEventListener("change", () => ($("chain-field").checked ? scoreField() : ((field = null), draw())));
  $("chain-sampler").addEventListener("change", () => { $("chain-eta-label").hidden = !$("chain-sampler").value.startsWith("ddim"); });
  $("chain-eta-label").hidden = true;
  return { create };
}
