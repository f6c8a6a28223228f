// Chapter 9: the SDE view (Song et al. 2021). Three parts, each computed by the engine:
//  - DDPM's chain as the VP SDE discretised and NCSN's ladder as the VE SDE's (sdeCorrespondence,
//    sde: the marginals of VE, VP and sub-VP over t);
//  - the exact likelihood through the probability-flow ODE: with the exact score of the ring
//    (pfOdeLikelihood, which must give the mixture's own density) and, on request, of the reader's
//    network (the training worker's trainer.likelihood) beside its held-out ELBO;
//  - sample quality against network evaluations for DDPM, DDIM, the reverse SDE and the PF-ODE
//    (qualityVsSteps with the oracle; the network's on request).
// The oracle's parts run in the compute worker; the network's in the training worker.
import { compute, workerView } from "./compute.js";
import { fillTable, fmt, lineChart, readNumber, setCheck, setPending } from "./plot.js";
import { clearError, showError } from "./errors.js";
import { onLanguageChange, setText, t } from "./i18n.js";

// the samplers in the order the chart draws them, with their names' keys
const SAMPLER_LABELS = { ddpm: "sde.sampler_ddpm", ddim: "sde.sampler_ddim", reverse_sde: "sde.sampler_reverse_sde", ode_euler: "sde.sampler_ode_euler", ode_heun: "sde.sampler_ode_heun" };
const SAMPLERS = Object.keys(SAMPLER_LABELS);
// The quality verdict: at the largest budget every sampler is within QUALITY_SLACK of the floor
// (MMD² estimates scatter by about the floor's own size); with few evaluations (8) DDIM beats DDPM.
export const QUALITY_SLACK = 0.004;
const CHART_MMD_MIN = 1e-4;

export function startSdeView(engine, train) {
  const $ = (id) => document.getElementById(id);
  const d = engine.defaults().sde;
  startDiscrete($, d);
  startLikelihood($, d, train);
  startQuality($, d, train);
}

// ---- DDPM = VP SDE discretised, NCSN = VE SDE discretised
function startDiscrete($, d) {
  const err = $("sde-error");
  let last = null;
  async function run() {
    setPending($("sde-vp-status")); setPending($("sde-step-status")); setPending($("sde-ve-status"));
    try {
      const [c, ...marginals] = await Promise.all([
        compute("sdeCorrespondence", {}),
        ...["ve", "vp", "subvp"].map((kind) => compute("sde", { kind })),
      ]);
      last = { c, marginals };
      clearError(err);
      draw(last);
    } catch (e) { showError(err, e); }
  }
  function draw({ c, marginals }) {
    const [ve, vp, subvp] = marginals;
    lineChart($("chart-sde-marginal"), [
      { label: t("sde.series_ve"), x: ve.ts, y: ve.std },
      { label: t("sde.series_vp"), x: vp.ts, y: vp.std },
      { label: t("sde.series_subvp"), x: subvp.ts, y: subvp.std },
      { label: t("sde.series_signal"), x: vp.ts, y: vp.meanScale, dashed: true },
    ], { xLabel: "t", logY: true });
    const vpc = c.vp, vec = c.ve;
    fillTable(document.querySelector("#sde-vp-table tbody"), Array.from(vpc.i, (i, k) => [String(i), vpc.betaDdpm[k], vpc.betaSde[k], vpc.alphaBarDdpm[k], vpc.alphaBarSde[k]]));
    fillTable(document.querySelector("#sde-ve-table tbody"), Array.from(vec.i, (i, k) => [String(i), vec.sigmaNcsn[k], vec.sigmaVe[k], vec.stepNcsn[k], vec.stepVe[k]]));
    // the VP discretisation is DDPM's schedule to rounding; ᾱ agrees to the Riemann sum's O(1/N)
    const vpOk = vpc.maxBetaRelDiff < 1e-12 && vpc.maxAlphaBarAbsDiff < 0.01;
    setCheck($("sde-vp-status"), vpOk, vpOk ? "sde.vp_pass" : "sde.vp_fail", { beta: vpc.maxBetaRelDiff.toExponential(1), abar: fmt(vpc.maxAlphaBarAbsDiff), n: vpc.n });
    // one DDPM step and one Euler–Maruyama step agree to O(1/N²): the gap shrinks ~4× when N doubles
    const st = c.step, ratio = st.gapCoarse / st.gapFine;
    const stepOk = st.gapFine < st.gapCoarse && ratio > 2.5;
    setCheck($("sde-step-status"), stepOk, stepOk ? "sde.step_pass" : "sde.step_fail", { fine: st.gapFine.toExponential(2), coarse: st.gapCoarse.toExponential(2), nFine: st.nFine, nCoarse: st.nCoarse, ratio: fmt(ratio) });
    const veOk = vec.maxSigmaRelDiff < 1e-12 && vec.maxStepRelDiff < 0.05;
    setCheck($("sde-ve-status"), veOk, veOk ? "sde.ve_pass" : "sde.ve_fail", { sigma: vec.maxSigmaRelDiff.toExponential(1), step: fmt(vec.maxStepRelDiff), levels: vec.levels });
  }
  onLanguageChange(() => last && draw(last));
  run();
}

// ---- the exact likelihood by the probability-flow ODE
function startLikelihood($, d, train) {
  const steps = $("sde-ll-steps"), method = $("sde-ll-method"), points = $("sde-ll-points");
  const err = $("sde-ll-error"), oracleStatus = $("sde-ll-oracle"), netStatus = $("sde-ll-status"), button = $("sde-ll-network");
  steps.value = d.likelihood.steps; method.value = d.likelihood.method; points.value = d.likelihood.n;
  let oracle = null, network = null;
  setPending(netStatus, "sde.ll_idle");
  const read = () => ({ steps: readNumber(steps, "sde.ode_steps"), method: method.value, n: readNumber(points, "common.points") });

  function table() {
    const rows = [];
    if (oracle) {
      rows.push([t("sde.row_data"), -oracle.dataMeanPerDim, "—"]);
      rows.push([t("sde.row_exact"), -oracle.exactMeanPerDim, "—"]);
      rows.push([t("sde.row_ode_oracle"), -oracle.meanPerDim, oracle.solverError]);
    }
    if (network) {
      rows.push([t("sde.row_ode_network"), -network.logLikelihoodPerDim, network.solverError]);
      if (Number.isFinite(network.negElboPerDim)) rows.push([t("sde.row_elbo_network"), network.negElboPerDim, "—"]);
    }
    fillTable(document.querySelector("#sde-ll-table tbody"), rows);
  }
  function drawOracle(r) {
    oracle = r; table();
    const gap = Math.abs(r.meanPerDim - r.exactMeanPerDim);
    const pass = gap <= r.solverError + 1e-4;
    setCheck(oracleStatus, pass, pass ? "sde.ll_oracle_pass" : "sde.ll_oracle_fail", { gap: gap.toExponential(1), solver: r.solverError.toExponential(1), nfe: r.nfe, n: r.logLikelihood.length });
    $("sde").dataset.oracleGap = String(gap);
  }
  function drawNetwork(r) {
    network = r; table();
    if (!Number.isFinite(r.negElboPerDim)) { setPending(netStatus, "sde.ll_no_elbo"); return; } // chapter 6 has not measured it yet
    // ELBO ≤ log-likelihood: the held-out −ELBO may not fall below the ODE's NLL by more than the noise
    const nll = -r.logLikelihoodPerDim, slack = 3 * Math.hypot(r.stdErrorPerDim, r.negElboStdError || 0) + r.solverError;
    const pass = r.negElboPerDim >= nll - slack;
    setCheck(netStatus, pass, pass ? "sde.ll_network_pass" : "sde.ll_network_fail", { elbo: fmt(r.negElboPerDim), nll: fmt(nll), gap: fmt(r.negElboPerDim - nll), slack: fmt(slack), exact: r.exactLogDensityPerDim == null ? "—" : fmt(-r.exactLogDensityPerDim) });
  }
  const { render } = workerView({
    job: "pfOdeLikelihood", err, status: oracleStatus, pending: "sde.ll_pending",
    read, draw: drawOracle,
  });
  for (const el of [steps, method, points]) el.addEventListener("change", render);
  $("sde-ll-form").addEventListener("submit", (e) => e.preventDefault());
  onLanguageChange(() => network && drawNetwork(network)); // the oracle's: workerView redraws it
  button.addEventListener("click", async () => {
    let o;
    try { o = read(); } catch (e) { showError(err, e); return; }
    button.disabled = true;
    setPending(netStatus, "sde.ll_network_running");
    try {
      const r = await train.client.likelihood({ steps: o.steps, method: o.method, points: o.n });
      // the held-out −ELBO chapter 6 shows for the same network (all its held-out points; the ODE's are a subset)
      const section = $("training");
      r.negElboPerDim = Number(section.dataset.heldout);
      r.negElboStdError = Number(section.dataset.heldoutSe) || 0;
      clearError(err);
      drawNetwork(r);
    } catch (e) {
      showError(err, e);
      setPending(netStatus, "sde.ll_idle");
    } finally { button.disabled = false; }
  });
  render();
}

// ---- quality against the number of network evaluations
function startQuality($, d, train) {
  const particles = $("sde-q-particles"), seed = $("sde-q-seed"), err = $("sde-q-error"), status = $("sde-q-status"), button = $("sde-q-network");
  particles.value = d.quality.particles; seed.value = d.quality.seed;
  let last = null;
  const read = () => ({ particles: readNumber(particles, "common.particles"), seed: readNumber(seed, "common.seed") });
  function draw(r) {
    last = r;
    const nfes = Array.from(r.nfes), names = SAMPLERS.filter((s) => r.samplers[s]);
    // MMD² is estimated without bias, so near the data it scatters around 0, below it too: the log
    // chart draws anything under CHART_MMD_MIN at CHART_MMD_MIN (the table has the raw numbers)
    const clip = (v) => Math.max(v, CHART_MMD_MIN);
    lineChart($("chart-sde-quality"), [
      ...names.map((s) => ({ label: t(SAMPLER_LABELS[s]), x: nfes, y: Array.from(r.samplers[s], clip) })),
      { label: t("sde.floor"), x: [nfes[0], nfes[nfes.length - 1]], y: [clip(r.floor), clip(r.floor)], dashed: true },
    ], { xLabel: t("sde.nfe_axis"), logX: true, logY: true });
    setText($("sde-q-caption"), r.source === "network" ? "sde.q_caption_network" : "sde.q_caption");
    const thead = document.querySelector("#sde-q-table thead");
    const tr = document.createElement("tr");
    tr.append(...[t("sde.nfe_axis"), ...names.map((s) => t(SAMPLER_LABELS[s]))].map((h) => Object.assign(document.createElement("th"), { textContent: h })));
    thead.replaceChildren(tr);
    fillTable(document.querySelector("#sde-q-table tbody"), nfes.map((n, k) => [String(n), ...names.map((s) => r.samplers[s][k])]));
    if (r.source === "network") return; // the verdict is the oracle's: the samplers' own error, free of the network's
    const lastK = nfes.length - 1, small = nfes.findIndex((n) => n >= 8);
    const worst = Math.max(...names.map((s) => r.samplers[s][lastK]));
    const atEnd = worst <= r.floor + QUALITY_SLACK;
    const fewer = r.samplers.ddim[small] < r.samplers.ddpm[small];
    const pass = atEnd && fewer;
    setCheck(status, pass, pass ? "sde.q_pass" : atEnd ? "sde.q_fail_few" : "sde.q_fail_end", { nfe: nfes[lastK], worst: fmt(worst), floor: fmt(r.floor), slack: QUALITY_SLACK, small: nfes[small], ddim: fmt(r.samplers.ddim[small]), ddpm: fmt(r.samplers.ddpm[small]) });
  }
  const { render } = workerView({ job: "qualityVsSteps", err, status, pending: "sde.q_pending", read, draw: (r) => draw({ ...r, source: "oracle" }) });
  for (const el of [particles, seed]) el.addEventListener("change", render);
  $("sde-q-form").addEventListener("submit", (e) => e.preventDefault());
  onLanguageChange(() => last?.source === "network" && draw(last)); // the oracle's result: workerView redraws it
  button.addEventListener("click", async () => {
    let o;
    try { o = read(); } catch (e) { showError(err, e); return; }
    button.disabled = true;
    setText($("sde-q-progress"), "sde.q_network_running");
    try {
      const r = await train.client.qualityVsSteps({ particles: o.particles, seed: o.seed });
      clearError(err);
      setText($("sde-q-progress"), "sde.q_network_done");
      draw({ ...r, source: "network" });
    } catch (e) {
      showError(err, e);
      setText($("sde-q-progress"), null);
    } finally { button.disabled = false; }
  });
  render();
}
