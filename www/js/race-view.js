// Chapter 9: the three parameterizations raced (items 19, 21, 23). Three networks, identical but for
// what their output means (x̂₀, ε̂, the score), train from one seed on the same batches in the
// training worker (engine: src/engine/race.rs). While they train, each one's μ_θ at the reader's
// (x_t, t) is compared with the oracle's exact μ (distance in units of σ_t = √β̃_t: √(2 KL) to the
// oracle's step); at the end their held-out ELBOs, on the same draws, are set side by side.
import { fillTable, fmt, lineChart, readNumber, setCheck, setPending } from "./plot.js";
import { clearError, showError } from "./errors.js";
import { onLanguageChange, setText, t } from "./i18n.js";

const NET_LABELS = { x0: "race.net_x0", eps: "race.net_eps", score: "race.net_score" };
const NETS = Object.keys(NET_LABELS);
// ε and score networks must agree on the held-out −ELBO to RACE_ELBO_AGREE nats/dim (beyond 3 s.e.):
// with the ELBO weights the two objectives are the same function of μ_θ and the two outputs are
// related by a fixed scale, −ε/√(1−ᾱ_t). tests/training.rs measures the same race natively.
export const RACE_ELBO_AGREE = 0.15;
const MEANS_EVERY_MS = 700;

export function startRaceView(engine, train) {
  const $ = (id) => document.getElementById(id);
  const button = $("race-start"), progress = $("race-progress"), status = $("race-status"), err = $("race-error"), chart = $("chart-race");
  let history = null, final = null;
  setPending(status, "race.idle");

  function drawChart() {
    if (!history) return;
    lineChart(chart, NETS.map((n) => ({ label: t(NET_LABELS[n]), x: history.map((h) => h.step), y: history.map((h) => h.distance[n]) })), { xLabel: t("common.step_axis"), logY: true });
  }
  function drawEnd() {
    if (!final) return;
    const { means, held, start } = final;
    const mu = (n) => Array.from(means[n]).map(fmt).join(", ");
    fillTable(document.querySelector("#race-table tbody"), [
      ...NETS.map((n) => [t(NET_LABELS[n]), `(${mu(n)})`, means.distance[n], `${fmt(held[n])} ± ${fmt(held.stdError[n])}`]),
      [t("race.oracle"), `(${mu("oracle")})`, 0, `${fmt(held.oracle)} ± ${fmt(held.stdError.oracle)}`],
    ]);
    // every network learns the one objective (its held-out −ELBO falls, on the same draws), and the ε
    // and score networks, whose outputs differ by a fixed scale, end at the same value
    const learnt = NETS.filter((n) => held[n] < start.held[n]);
    const gap = Math.abs(held.eps - held.score), allowed = RACE_ELBO_AGREE + 3 * Math.hypot(held.stdError.eps, held.stdError.score);
    const pass = learnt.length === NETS.length && gap <= allowed;
    const params = {
      steps: final.steps, t: means.t,
      x0: fmt(means.distance.x0), eps: fmt(means.distance.eps), score: fmt(means.distance.score),
      x00: fmt(start.distance.x0), eps0: fmt(start.distance.eps), score0: fmt(start.distance.score),
      gap: fmt(gap), allowed: fmt(allowed), ex0: fmt(held.x0), eeps: fmt(held.eps), escore: fmt(held.score), oracle: fmt(held.oracle),
      sx0: fmt(start.held.x0), seps: fmt(start.held.eps), sscore: fmt(start.held.score),
      stuck: NETS.filter((n) => !learnt.includes(n)).map((n) => t(NET_LABELS[n])).join(t("common.list_sep")),
    };
    setCheck(status, pass, pass ? "race.pass" : learnt.length < NETS.length ? "race.fail_far" : "race.fail_elbo", params);
    $("sde").dataset.raceSteps = String(final.steps);
  }
  onLanguageChange(() => { drawChart(); drawEnd(); });

  button.addEventListener("click", async () => {
    let steps, x, tt;
    try {
      steps = readNumber($("race-steps"), "race.steps");
      x = [readNumber($("race-x1"), "race.x"), readNumber($("race-x2"), "race.x")];
      tt = readNumber($("race-t"), "race.t");
    } catch (e) { showError(err, e); return; }
    clearError(err);
    button.disabled = true;
    setPending(status, "race.running");
    history = []; final = null;
    const client = train.client;
    try {
      await client.raceCreate({ dataset: "ring8" });
      const start = await client.raceMeans({ x, t: tt }); // checks x and t before any training
      start.held = await client.raceHeldOut({}); // the same draws as at the end: a paired before/after
      history.push({ step: 0, distance: start.distance });
      drawChart();
      let asking = false, lastAsk = 0;
      const r = await client.raceRun(steps, (p) => {
        setText(progress, "race.progress", { done: p.done, steps: p.steps, x0: fmt(p.mean.x0), eps: fmt(p.mean.eps), score: fmt(p.mean.score) });
        if (asking || performance.now() - lastAsk < MEANS_EVERY_MS) return;
        asking = true; lastAsk = performance.now();
        client.raceMeans({ x, t: tt }).then((m) => { history.push({ step: p.totalSteps, distance: m.distance }); drawChart(); }).catch(() => {}).finally(() => { asking = false; });
      });
      if (r.replaced) return;
      if (r.stopped) throw Object.assign(new Error(Object.values(r.stopped).join("; ")), { code: "device" });
      const means = await client.raceMeans({ x, t: tt });
      history.push({ step: r.totalSteps, distance: means.distance });
      history.sort((a, b) => a.step - b.step);
      drawChart();
      setText(progress, "race.heldout");
      const held = await client.raceHeldOut({});
      final = { means, held, start, steps: r.totalSteps };
      setText(progress, "race.done", { steps: r.totalSteps });
      drawEnd();
    } catch (e) {
      showError(err, e);
      setPending(status, "race.idle");
    } finally {
      button.disabled = false;
    }
  });
  $("race-form").addEventListener("submit", (e) => e.preventDefault());
}
