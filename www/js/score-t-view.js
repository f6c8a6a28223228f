// Chapter 6: the learned score's error at each t against the exact score of the 8-Gaussian ring
// (Trainer.scoreErrorByT, in the training worker), redrawn every couple of seconds while the model
// trains and once whenever it changes (restored, loaded, finished). Other data have no exact score:
// the chart says so.
import { chartNote, fmt, lineChart } from "./plot.js";
import { onLanguageChange, setText, t } from "./i18n.js";

const EVERY_MS = 2000;

export function startScoreByTView(train) {
  const chart = document.getElementById("chart-score-t"), note = document.getElementById("score-t-note");
  let last = null, first = null, busy = false, lastAsk = 0;
  chartNote(chart, "scoret.empty");

  function draw() {
    if (!last) return;
    const ts = Array.from(last.ts), now = Array.from(last.relativeError);
    const series = [{ label: t("scoret.now", { steps: last.steps }), x: ts, y: now }];
    if (first && first.steps !== last.steps) series.push({ label: t("scoret.first", { steps: first.steps }), x: Array.from(first.ts), y: Array.from(first.relativeError), dashed: true });
    lineChart(chart, series, { xLabel: "t", logX: true, logY: true }); // the t's are log-spaced
    chartNote(chart, null);
    const mid = now[Math.floor(now.length / 2)];
    setText(note, "scoret.note", { steps: last.steps, small: fmt(now[0]), t0: ts[0], mid: fmt(mid), tm: ts[Math.floor(ts.length / 2)], large: fmt(now[now.length - 1]), t1: ts[ts.length - 1] });
    chart.dataset.steps = String(last.steps);
  }

  async function ask() {
    if (busy) return;
    busy = true; lastAsk = performance.now();
    try {
      const r = await train.client.scoreErrorByT({});
      last = { ...r, steps: train.client.stepCount };
      if (!first || last.steps < first.steps) first = last; // a new model starts the comparison afresh
      draw();
    } catch (e) {
      // no exact score for these data (or no model yet): say so instead of a blank chart
      last = null; first = null;
      chartNote(chart, e?.code === "unknown_choice" ? "scoret.no_oracle" : "scoret.empty");
      setText(note, null);
    } finally { busy = false; }
  }

  // while training: every EVERY_MS; otherwise when the step count changes (a load, a reset, the end of a run)
  let seenSteps = -1;
  setInterval(() => {
    const steps = train.client.stepCount;
    const training = !!train.client.job;
    if ((training && performance.now() - lastAsk >= EVERY_MS) || (!training && steps !== seenSteps)) {
      seenSteps = steps;
      ask();
    }
  }, 500);
  onLanguageChange(draw);
}
