// Chapter 10 (issue 19): the whole reverse process as an animation the reader plays, pauses and
// scrubs — particles from N(0, I), a lattice of starting points carried by the same deterministic
// map (DDIM, η = 0, or rectified flow's Euler steps) so space itself deforms, and under them the
// density of x_t (exact for the oracle, a kernel estimate for a network) — and flow matching
// trained beside diffusion from one seed, sampled at equal network evaluations. The engine makes
// every frame (src/engine/flow_path.rs) and every number; this view interpolates between frames
// and draws. A reader who asks the system for reduced motion gets it paused at the start.
import { compute } from "./compute.js";
import { fillTable, fmt, readNumber, setCheck, setPending } from "./plot.js";
import { dots, prepareCanvas } from "./cloud.js";
import { clearError, showError } from "./errors.js";
import { onLanguageChange, setText, t } from "./i18n.js";

const PASS_MS = 6000; // one pass from noise to data while playing
// the flow network's velocity field, over 256 held-out points noised to the reader's τ, must be
// within this relative squared error of the exact one (E‖v_θ − v‖²/E‖v‖²; ~0.04 after 800 steps,
// ~1 untrained: src/engine/flow_compare.rs measures both). At one point alone the field can turn
// sharply where two modes pull apart, so the point's numbers are shown, the field is judged.
export const VELOCITY_TOLERANCE = 0.1;
// at the largest NFE every sampler's MMD² must be within this of the floor (the samples are the data)
export const QUALITY_MARGIN = 0.01;
const SAMPLER_LABELS = { ddpm: "flow.sampler_ddpm", ddim: "flow.sampler_ddim", flow: "flow.sampler_flow" };
const SAMPLERS = Object.keys(SAMPLER_LABELS);

export function startFlowView(engine, train) {
  const $ = (id) => document.getElementById(id);
  const section = $("flow"), canvas = $("flow-canvas"), scrub = $("flow-scrub"), play = $("flow-play"), source = $("flow-source");
  const animErr = $("flow-anim-error"), err = $("flow-error");
  const reduced = matchMedia("(prefers-reduced-motion: reduce)");
  let path = null, pos = 0, playing = false, last = 0, request = 0, pairTrained = false;

  // ---- the animation ----
  function frameAt(p) {
    const n = path.frames, i = Math.min(Math.floor(p), n - 1), f = Math.min(p - i, 1);
    return { i, f, j: Math.min(i + 1, n) };
  }

  function draw() {
    if (!path) { prepareCanvas(canvas, { view: 3.5 }); return; }
    const { extent, grid, particles, lattice } = path, per = (particles + lattice * lattice) * 2;
    const c = prepareCanvas(canvas, { view: extent });
    const { i, f, j } = frameAt(pos);
    if ($("flow-show-density").checked) {
      const g2 = grid * grid, a = path.density.subarray(i * g2, (i + 1) * g2), b = path.density.subarray(j * g2, (j + 1) * g2);
      let top = 0;
      const d = new Float32Array(g2);
      for (let k = 0; k < g2; k++) { d[k] = (1 - f) * a[k] + f * b[k]; top = Math.max(top, d[k]); }
      const img = new ImageData(grid, grid);
      for (let y = 0; y < grid; y++) for (let x = 0; x < grid; x++) {
        const v = top > 0 ? d[y * grid + x] / top : 0, o = 4 * ((grid - 1 - y) * grid + x); // rows run from −extent up
        img.data.set([255 - 180 * v, 255 - 120 * v, 255 - 30 * v, 255], o);
      }
      const tmp = new OffscreenCanvas(grid, grid);
      tmp.getContext("2d").putImageData(img, 0, 0);
      const cell = c.size / (grid - 1); // the grid's values sit at the cell corners: pad half a cell
      c.ctx.imageSmoothingEnabled = true;
      c.ctx.drawImage(tmp, -cell / 2, -cell / 2, c.size + cell, c.size + cell);
    }
    const at = (k) => (1 - f) * path.points[i * per + k] + f * path.points[j * per + k];
    if ($("flow-show-lattice").checked) {
      c.ctx.strokeStyle = "rgba(30, 110, 80, 0.7)"; c.ctx.lineWidth = c.dpr;
      const base = particles * 2, node = (r, q) => base + 2 * (r * lattice + q);
      c.ctx.beginPath();
      for (let r = 0; r < lattice; r++) for (let q = 0; q < lattice; q++) {
        const k = node(r, q);
        if (q + 1 < lattice) { c.ctx.moveTo(c.px(at(k)), c.py(at(k + 1))); c.ctx.lineTo(c.px(at(node(r, q + 1))), c.py(at(node(r, q + 1) + 1))); }
        if (r + 1 < lattice) { c.ctx.moveTo(c.px(at(k)), c.py(at(k + 1))); c.ctx.lineTo(c.px(at(node(r + 1, q))), c.py(at(node(r + 1, q) + 1))); }
      }
      c.ctx.stroke();
    }
    if ($("flow-show-particles").checked) {
      const pts = new Float64Array(particles * 2);
      for (let k = 0; k < pts.length; k++) pts[k] = at(k);
      dots(c, pts, "rgba(214, 95, 20, 0.8)", 1.4);
    }
    const time = (1 - f) * path.times[i] + f * path.times[j];
    scrub.value = String(pos);
    setText($("flow-frame"), path.path === "flow" ? "flow.frame_tau" : "flow.frame_t", { time: time.toFixed(3), frame: Math.round(pos), frames: path.frames });
    section.dataset.frame = String(Math.round(pos));
    section.dataset.time = String(time);
  }

  function setPlaying(on) {
    playing = on && !!path;
    section.dataset.playing = String(playing);
    setText(play, playing ? "flow.pause" : "flow.play");
    play.setAttribute("aria-pressed", String(playing));
    if (playing) { if (pos >= path.frames) pos = 0; last = performance.now(); requestAnimationFrame(tick); }
  }
  function tick(now) {
    if (!playing) return;
    pos = Math.min(path.frames, pos + ((now - last) / PASS_MS) * path.frames);
    last = now;
    draw();
    if (pos >= path.frames) { setPlaying(false); return; }
    requestAnimationFrame(tick);
  }

  async function load() {
    // (a link may name the flow network before it exists on this visit: the oracle's path then)
    if (source.value === "flow-net" && !pairTrained) source.value = "oracle-ddim";
    const mine = ++request, which = source.value;
    clearError(animErr);
    setPlaying(false);
    section.dataset.pathState = "loading";
    setText($("flow-anim-status"), "flow.loading");
    try {
      const r = which === "oracle-ddim" || which === "oracle-flow"
        ? await compute("flowPath", { path: which === "oracle-flow" ? "flow" : "ddim" })
        : which === "network" ? await train.client.flowPath({}) : await train.client.flowPairPath({ model: "flow" });
      if (mine !== request) return;
      path = r;
      scrub.max = String(r.frames);
      pos = 0;
      section.dataset.pathSource = which;
      section.dataset.frames = String(r.frames);
      section.dataset.exact = String(r.exact);
      section.dataset.path = r.path;
      section.dataset.pathState = "ready";
      setText($("flow-anim-status"), r.exact ? "flow.density_exact" : "flow.density_kde", { particles: r.particles, step: r.step ?? 0 });
      draw();
      // it plays by itself once in view (autoplay), unless the reader's system asks for reduced
      // motion: then it waits at the start; a model chosen later plays at once
      section.dataset.reducedMotion = String(reduced.matches);
      if (reduced.matches) setText($("flow-anim-status"), "flow.reduced", {});
      else if (autoplayed) setPlaying(true);
      else autoplay();
    } catch (e) {
      if (mine !== request) return;
      section.dataset.pathState = "failed";
      setText($("flow-anim-status"), null);
      showError(animErr, e);
    }
  }

  play.addEventListener("click", () => setPlaying(!playing));
  scrub.addEventListener("input", () => { setPlaying(false); pos = Number(scrub.value); draw(); });
  source.addEventListener("change", load);
  for (const id of ["flow-show-density", "flow-show-particles", "flow-show-lattice"]) $(id).addEventListener("change", draw);
  $("flow-anim-form").addEventListener("submit", (e) => e.preventDefault());
  addEventListener("resize", () => draw());

  // ---- flow matching beside diffusion ----
  const button = $("flow-train"), status = $("flow-status"), vstatus = $("flow-velocity-status"), progress = $("flow-progress");
  let result = null;
  setPending(status, "flow.idle");
  setPending(vstatus, "flow.idle");

  function drawResult() {
    if (!result) return;
    const { q, v, steps, sameBatches } = result;
    const head = document.querySelector("#flow-table thead");
    head.replaceChildren();
    const tr = document.createElement("tr");
    for (const h of [t("flow.col_sampler"), ...Array.from(q.nfes, (n) => `NFE ${n}`)]) { const th = document.createElement("th"); th.textContent = h; tr.append(th); }
    head.append(tr);
    fillTable(document.querySelector("#flow-table tbody"), [...SAMPLERS.map((s) => [t(SAMPLER_LABELS[s]), ...Array.from(q.mmd2[s])]), [t("flow.floor"), ...Array.from(q.nfes, () => q.floor)]]);
    for (const s of SAMPLERS) {
      const c = prepareCanvas($(`flow-samples-${s}`));
      dots(c, q.samples[s], "rgba(214, 95, 20, 0.8)", 1.2);
    }
    $("flow-table").hidden = false;
    const n = q.nfes.length - 1, worst = Math.max(...SAMPLERS.map((s) => q.mmd2[s][n])), few = Math.min(1, n);
    const pass = sameBatches && worst <= q.floor + QUALITY_MARGIN;
    setCheck(status, pass, pass ? "flow.pass" : "flow.fail", {
      steps, nfe: q.nfes[n], ddpm: fmt(q.mmd2.ddpm[n]), ddim: fmt(q.mmd2.ddim[n]), flow: fmt(q.mmd2.flow[n]), floor: fmt(q.floor), margin: fmt(QUALITY_MARGIN),
      few: q.nfes[few], fddpm: fmt(q.mmd2.ddpm[few]), fddim: fmt(q.mmd2.ddim[few]), fflow: fmt(q.mmd2.flow[few]),
    });
    const vpass = v.fieldError != null && v.fieldError.flow <= VELOCITY_TOLERANCE;
    const vec = (a) => `(${Array.from(a).map(fmt).join(", ")})`;
    setCheck(vstatus, vpass, vpass ? "flow.velocity_pass" : "flow.velocity_fail", {
      tau: fmt(v.tau), flow: vec(v.flow), oracle: v.oracle ? vec(v.oracle) : "—", diffusion: vec(v.diffusion), t: v.t,
      eflow: fmt(100 * (v.errors.flow ?? NaN)), ediff: fmt(100 * (v.errors.diffusion ?? NaN)), tol: fmt(VELOCITY_TOLERANCE),
      fflow: fmt(v.fieldError?.flow ?? NaN), fdiff: fmt(v.fieldError?.diffusion ?? NaN), points: v.fieldError?.points ?? 0,
    });
    section.dataset.flowSteps = String(steps);
    section.dataset.flowMmd2 = String(q.mmd2.flow[n]);
    section.dataset.velocityError = String(v.errors.flow);
    section.dataset.fieldError = String(v.fieldError?.flow);
  }
  onLanguageChange(() => { draw(); drawResult(); });

  button.addEventListener("click", async () => {
    let steps, x, tau;
    try {
      steps = readNumber($("flow-steps"), "flow.steps");
      x = [readNumber($("flow-x1"), "flow.x"), readNumber($("flow-x2"), "flow.x")];
      tau = readNumber($("flow-tau"), "flow.tau_label");
    } catch (e) { showError(err, e); return; }
    clearError(err);
    button.disabled = true;
    setPending(status, "flow.running"); setPending(vstatus, "flow.running");
    section.dataset.flowState = "training";
    const client = train.client;
    try {
      await client.flowCreate({});
      await client.flowVelocity({ x, tau }); // checks x and τ before any training
      const r = await client.flowRun(steps, (p) => setText(progress, "flow.progress", { done: p.done, steps: p.steps, diffusion: fmt(p.mean.diffusion), flow: fmt(p.mean.flow) }));
      if (r.replaced) return;
      if (r.stopped) throw Object.assign(new Error(r.stopped), { code: "device" });
      setText(progress, "flow.sampling");
      const q = await client.flowAtEqualNfe({});
      const v = await client.flowVelocity({ x, tau });
      result = { q, v, steps: r.totalSteps, sameBatches: r.sameBatches };
      setText(progress, "flow.done", { steps: r.totalSteps });
      drawResult();
      pairTrained = true;
      $("flow-source-pair").disabled = false;
      section.dataset.flowState = "done";
    } catch (e) {
      showError(err, e);
      setPending(status, "flow.idle"); setPending(vstatus, "flow.idle");
      section.dataset.flowState = "failed";
    } finally {
      button.disabled = false;
    }
  });
  $("flow-form").addEventListener("submit", (e) => e.preventDefault());

  draw();
  // the frames are made when the chapter first comes into view, and the animation starts by
  // itself when the picture itself is (a third of it) on the screen, so the reader sees it begin
  let visible = false, autoplayed = false;
  const autoplay = () => { if (visible && path && !autoplayed && !reduced.matches) { autoplayed = true; setPlaying(true); } };
  const near = new IntersectionObserver((entries) => {
    if (!entries.some((e) => e.isIntersecting)) return;
    near.disconnect();
    load();
  }, { rootMargin: "300px" });
  near.observe(section);
  new IntersectionObserver((entries) => { visible = entries.some((e) => e.isIntersecting); autoplay(); }, { threshold: 0.3 }).observe(canvas);
  addEventListener("trained-dl", () => { if (source.value === "network") load(); }); // the reader's network moved on
  return { reload: () => { if (source.value === "network" || (source.value === "flow-net" && pairTrained)) load(); } };
}
