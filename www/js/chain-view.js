// Section 4: the reverse chain, one step at a time. The chain lives in the training worker (it
// uses the trained network, or the exact oracle of the 8 Gaussians); this view draws the particles,
// follows one of them with its trajectory, and shows what the model says at the current step.
import { fillTable, fmt, readNumber, setCheck, setPending } from "./plot.js";
import { drawCloud } from "./cloud.js";

export function startChainView(train) {
  const $ = (id) => document.getElementById(id);
  const section = $("chain"), canvas = $("chain-canvas"), err = $("chain-error");
  const slider = $("chain-slider"), info = $("chain-t"), table = $("chain-inspector"), qualityText = $("chain-quality");
  const VIEW = 3.2; // the canvas shows [−VIEW, VIEW]²
  let state = null, at = null, particle = null, posterior = null, selected = 0, trail = [], field = null;
  let busy = false, playing = false, dataset = "ring8";

  const fields = () => {
    const [sampler, variance] = $("chain-sampler").value.split(":");
    const c = { sampler, particles: readNumber($("chain-particles"), "particles"), seed: readNumber($("chain-seed"), "seed") };
    if (sampler === "ddpm") c.variance = variance;
    if (sampler === "ddim") c.eta = readNumber($("chain-eta"), "η");
    // every other setting of the sampler is the engine's default (defaults().chain)
    return c;
  };

  async function send(cmd, extra = {}) {
    if (busy) return null;
    busy = true;
    try {
      const r = await train.client.chain(cmd, { selected, ...extra });
      err.textContent = "";
      return r;
    } catch (e) {
      err.textContent = e.message;
      playing = false; $("chain-play").textContent = "▶ play";
      return null;
    } finally {
      busy = false;
    }
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
    const where = at.noiseSigma !== undefined ? `Langevin step ${at.position} of ${at.length}${at.noiseSigma > 0 ? ` · level ${at.level + 1}, σ = ${fmt(at.noiseSigma)}` : ""}` : `t = ${at.t} · step ${at.position} of ${at.length}`;
    info.textContent = where;
    field = null;
    draw();
    inspector();
    if (at.position === at.length) quality(); else { qualityText.textContent = ""; delete section.dataset.mmd; }
    if ($("chain-field").checked) scoreField();
  }

  async function create() {
    try { await createChain(); } catch (e) { err.textContent = e.message; }
  }
  async function createChain() {
    err.textContent = "";
    dataset = $("train-dataset").value;
    if (dataset === "digits") { err.textContent = "The chain view draws 2-D data: choose a 2-D data set in section 6 (the digits train, but are not drawn here)."; return; }
    let config;
    try { config = fields(); } catch (e) { err.textContent = e.message; return; }
    const source = $("chain-model").value;
    if (source === "oracle" && dataset !== "ring8") { err.textContent = "The exact oracle is known for the 8 Gaussians only: choose them in section 6, or use your network."; return; }
    if ($("chain-start").value === "forward") {
      if (!["ddpm", "ddim"].includes(config.sampler)) { err.textContent = "Forward then reverse needs DDPM or DDIM: it starts from q(x_t | x_0)."; return; }
      config.init = "forward";
      config.tStart = readNumber($("chain-tstart"), "start t");
      config.x0 = await train.sample(dataset, config.particles);
    }
    trail = [];
    playing = false; $("chain-play").textContent = "▶ play";
    const r = await send("create", { config, source });
    if (r) section.dataset.source = source;
    accept(r);
  }

  const step = async () => accept(await send("step"));
  const back = async () => accept(await send("back"));
  const to = async (position) => accept(await send("to", { position }));

  async function play() {
    playing = !playing;
    $("chain-play").textContent = playing ? "pause" : "▶ play";
    while (playing && at && at.position < at.length) {
      const r = await send("step");
      if (!r) break;
      accept(r);
      await new Promise((res) => requestAnimationFrame(res));
    }
    playing = false; $("chain-play").textContent = "▶ play";
  }

  async function quality() {
    const r = await send("quality", { dataset, reference: dataset === "points" ? train.sample("points", 1000) : undefined });
    if (!r) return;
    const q = r.quality;
    section.dataset.mmd = String(q.mmd2);
    const modes = q.modeFractions ? ` · share of samples per mode ${q.modeFractions.map((f) => f.toFixed(2)).join(" ")} (true ${q.modeWeights.map((w) => w.toFixed(3))[0]} each) · mean log q(x) = ${fmt(q.meanLogDensity)}` : "";
    qualityText.textContent = `samples vs held-out data: MMD² = ${fmt(q.mmd2)} (two data samples: ${fmt(q.floor)}; ${q.kernel})${modes}`;
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
    rows.push(["particle", `#${selected} of ${state ? state.length / 2 : 0} (click the picture to pick another)`, ""]);
    rows.push(["x at this step", v(x), at && at.noiseSigma === undefined ? "x_t" : "x"]);
    if (particle) {
      rows.push(["μ_θ: where the step goes before noise", v(particle.mean), "(1.115) / DDIM / x + (α/2)s (§2.1)"]);
      rows.push(["σ: the noise the step adds", fmt(particle.sigma), "σ_t (Algorithm 2) or √α"]);
      rows.push(["predicted x̂₀", v(particle.x0), "(1.105) / Tweedie (1.125)"]);
      rows.push(["predicted ε̂", v(particle.eps), "(1.119)"]);
      rows.push(["predicted score ŝ", v(particle.score), "ŝ = −ε̂/√(1−ᾱ_t) (1.143)"]);
    } else rows.push(["the chain has ended", "x₀ is a sample", ""]);
    if (posterior) {
      rows.push(["true x₀ of this particle", v(posterior.x0), "forward then reverse"]);
      rows.push(["true posterior mean μ_q(x_t, x₀)", v(posterior.mean), "(1.88)"]);
      rows.push(["true variance β̃_t vs model σ_t²", `${fmt(posterior.variance)} vs ${fmt(posterior.modelVariance)}`, "(1.89)"]);
      rows.push(["KL(q(x_{t−1}|x_t,x₀) ‖ p_θ(x_{t−1}|x_t))", posterior.kl == null ? "— (t = 1: the decoder)" : `${fmt(posterior.kl)} nats`, "(1.62), (1.95)"]);
    }
    table.querySelector("tbody").innerHTML = rows.map(([a, b, c]) => `<tr><th scope="row">${a}</th><td>${b}</td><td class="eq">${c}</td></tr>`).join("");
    section.dataset.inspector = JSON.stringify(particle ? particle.x0 : null);
  }

  // DDPM and DDIM side by side, from the same seed (the same x_T), with the model chosen above
  async function compare() {
    const cmpStatus = $("cmp-status");
    const ds = $("train-dataset").value;
    if (ds === "digits") { err.textContent = "The chain view draws 2-D data: choose a 2-D data set in section 6 (the digits train, but are not drawn here)."; return; }
    const source = $("chain-model").value;
    if (source === "oracle" && ds !== "ring8") { err.textContent = "The exact oracle is known for the 8 Gaussians only: choose them in section 6, or use your network."; return; }
    let particles, seed;
    try { particles = readNumber($("chain-particles"), "particles"); seed = readNumber($("chain-seed"), "seed"); } catch (e) { err.textContent = e.message; return; }
    setPending(cmpStatus, "running DDPM (1000 steps) and DDIM (50 steps)…");
    $("chain-compare").disabled = true;
    try {
      const r = await train.client.chain("compare", { particles, seed, source, dataset: ds, reference: ds === "points" ? train.sample("points", 1000) : undefined });
      err.textContent = "";
      const c = r.compare;
      drawCloud($("cmp-ddpm"), c.ddpm.state);
      drawCloud($("cmp-ddim"), c.ddim.state);
      const rows = [
        ["reverse steps (network evaluations)", c.ddpm.steps, c.ddim.steps],
        ["time in the worker (ms)", Math.round(c.ddpm.ms), Math.round(c.ddim.ms)],
        [`MMD² to held-out data (two data samples: ${fmt(c.floor)})`, c.ddpm.mmd2, c.ddim.mmd2],
      ];
      if (c.ddpm.modeWeightError != null) rows.push(["largest error in a mode's share", c.ddpm.modeWeightError, c.ddim.modeWeightError]);
      fillTable(document.querySelector("#cmp-table tbody"), rows);
      setCheck(cmpStatus, c.sameStart, c.sameStart
        ? `both chains started from the same ${particles} points x_T (seed ${seed}); DDIM used ${c.ddim.steps} steps to DDPM's ${c.ddpm.steps}.`
        : "the two chains did not start from the same points");
      section.dataset.compared = String(c.ddim.mmd2);
    } catch (e) {
      err.textContent = e.message;
      setPending(cmpStatus, "");
    } finally {
      $("chain-compare").disabled = false;
    }
  }

  canvas.addEventListener("click", async (ev) => {
    if (!state) return;
    const r = canvas.getBoundingClientRect(), size = r.width;
    const x = ((ev.clientX - r.left) / size) * 2 * VIEW - VIEW, y = VIEW - ((ev.clientY - r.top) / size) * 2 * VIEW;
    let best = 0, bd = Infinity;
    for (let k = 0; k < state.length / 2; k++) { const d = (state[2 * k] - x) ** 2 + (state[2 * k + 1] - y) ** 2; if (d < bd) { bd = d; best = k; } }
    selected = best; trail = [];
    accept(await send("inspect"));
  });
  section.addEventListener("keydown", (ev) => {
    if (["INPUT", "SELECT", "BUTTON"].includes(ev.target.tagName)) return; // their own keys
    if (ev.key === "ArrowRight") { ev.preventDefault(); step(); }
    else if (ev.key === "ArrowLeft") { ev.preventDefault(); back(); }
    else if (ev.key === " " && ev.target === canvas) { ev.preventDefault(); play(); }
  });
  slider.addEventListener("change", () => to(Number(slider.value)));
  $("chain-new").addEventListener("click", create);
  $("chain-compare").addEventListener("click", compare);
  $("chain-step").addEventListener("click", step);
  $("chain-back").addEventListener("click", back);
  $("chain-play").addEventListener("click", play);
  $("chain-end").addEventListener("click", () => at && to(at.length));
  $("chain-field").addEventListener("change", () => ($("chain-field").checked ? scoreField() : ((field = null), draw())));
  $("chain-sampler").addEventListener("change", () => { $("chain-eta-label").hidden = !$("chain-sampler").value.startsWith("ddim"); });
  $("chain-eta-label").hidden = true;
  return { create };
}
