// Boot: wait for Trunk's wasm loader, show the backend badge, start each view.
import { startScheduleView } from "./schedule-view.js";
import { startTweedieView } from "./tweedie-view.js";
import { showBackend } from "./backend-badge.js";
import { renderTex, renderTexProgressively } from "./tex.js";
import { bindText, describeError, language, onLanguageChange, setText, startLanguage, t } from "./i18n.js";
import { applyUrlState, showChapter, trackUrlState, writeUrlState } from "./url-state.js";
import { startTrainView } from "./train-view.js";
import { startChainView } from "./chain-view.js";
import { startVaeView } from "./vae-view.js";
import { startElboFormsView } from "./elbo-forms-view.js";
import { startKlView } from "./kl-view.js";
import { startTweedie1dView } from "./tweedie1d-view.js";
import { startScoreMatchingView } from "./score-matching-view.js";
import { startNoisingView } from "./noising-view.js";
import { startLangevinView } from "./langevin-view.js";
import { startElboBreakdownView } from "./elbo-breakdown-view.js";
import { startSteppers } from "./stepper-view.js";
import { startNcsnView } from "./ncsn-view.js";
import { startSdeView } from "./sde-view.js";
import { startRaceView } from "./race-view.js";
import { startFlowView } from "./flow-view.js";
import { startScoreByTView } from "./score-t-view.js";
// The mathematics module (scripts/build-wasm.sh): the f64 core, the oracle and the companions, no
// burn, loaded by boot.js; the engine module (burn) is loaded by the training worker alone, later.
import { mathReady } from "./boot.js";
import { firstAnswerPromise } from "./compute.js";

// an engine error by its code; anything else (a failed load, a bug) as its own text in a keyed frame
const reason = (err) => (err && err.code ? describeError(err) : String(err && err.message ? err.message : err));

function showLoadError(err) {
  const el = document.getElementById("load-error");
  bindText(el, () => t("page.load_error", { message: reason(err) }));
  el.hidden = false;
  setText(document.getElementById("backend-badge"), "backend.failed");
}

function showSectionError(id, err) {
  const p = document.createElement("p");
  p.className = "error";
  p.setAttribute("role", "alert");
  bindText(p, () => t("page.section_error", { message: reason(err) }));
  document.getElementById(id).append(p);
}

// The training settings a link can carry; if it carries any, they win over a saved session's.
const TRAIN_KEYS = ["train-dataset", "train-param", "train-weighting", "train-lr", "train-batch", "train-seed"];

async function start(engine) { // the mathematics module
  let train = null;
  try {
    // the engine module loads once the first chapters have their numbers (or after 1.5 s at most)
    const engineGate = Promise.race([firstAnswerPromise, new Promise((r) => setTimeout(r, 1500))]);
    train = startTrainView({ fromUrl: TRAIN_KEYS.some((k) => url.set.has(k)), backendFromUrl: url.set.has("train-backend"), engineGate });
    train.sample = (name, n) => (name === "points" ? train.drawn.sample(n) : engine.sampleDataset({ name, n, seed: 999 }));
  } catch (err) {
    showSectionError("training", err);
  }
  // each numerical companion starts on its own: an engine error shows in its section only (most
  // compute in compute-worker.js; chapter 3 can also ask the training worker about your network)
  for (const [id, view] of [["vae", startVaeView], ["schedule", startScheduleView], ["noising", startNoisingView], ["elbo-forms", startElboFormsView],
    ["elbo-breakdown", startElboBreakdownView], ["kl-mse", startKlView], ["tweedie", startTweedieView], ["tweedie-1d", startTweedie1dView],
    ["score-matching", startScoreMatchingView], ["langevin", startLangevinView]]) {
    try { view(engine, train); } catch (err) { showSectionError(id, err); }
  }
  try { startSteppers(engine); } catch (err) { showSectionError("kl-mse", err); }
  try { startSdeView(engine, train); } catch (err) { showSectionError("sde", err); } // the oracle's parts need no trainer
  performance.mark("dl:views");
  let chainMade = Promise.resolve();
  if (train) {
    try {
      try { startNcsnView(train); } catch (err) { showSectionError("training", err); }
      try { startScoreByTView(train); } catch (err) { showSectionError("training", err); }
      try { startRaceView(engine, train); } catch (err) { showSectionError("sde", err); }
      try { startFlowView(engine, train); } catch (err) { showSectionError("flow", err); }
      const chain = startChainView(train);
      // the pretrained (or your) model's chain, ready to step; then the model's held-out estimate
      chainMade = train.restored.then(async () => { await chain.create(); writeUrlState(); });
      chainMade.finally(train.estimate).catch(() => {}); // (the chain view shows its own error)
    } catch (err) {
      showSectionError("chain", err);
      train.restored.then(train.estimate);
    }
  }
  // the device burn would pick, asked once the chain is up (WebGPU's set-up would only delay it)
  await chainMade.catch(() => {});
  if (train) await showBackend(train.client).catch(() => {}); // (a failed worker has said so in its section)
  document.body.dataset.ready = "true";
}

// before any view starts: the language, the link's settings into the controls, then the equations typeset
performance.mark("dl:script"); // (the stages of a load, for the page benchmark)
startLanguage(); // English or 中文: from the link, the last choice, or the browser
const url = applyUrlState();
if (url.issues.length) {
  const note = document.getElementById("url-note");
  const sentence = (i) => (i.code === "unknown_choice" ? t("url.bad_choice", i) : t("url.unknown", i));
  bindText(note, () => url.issues.map(sentence).join(t("common.sentence_sep")) + t("common.period"));
  // the link's keys by problem, space-separated (for styles and tests): data-unknown-field, data-unknown-choice
  for (const [code, attr] of [["unknown_field", "unknownField"], ["unknown_choice", "unknownChoice"]]) {
    const keys = url.issues.filter((i) => i.code === code).map((i) => i.key);
    if (keys.length) note.dataset[attr] = keys.join(" ");
  }
  note.hidden = false;
}
if (language() === "zh") writeUrlState(); // ?lang=zh in the address, also when the choice came from storage
// the equations need no engine: typeset in slices between frames, so the views start meanwhile
renderTexProgressively().then(() => performance.mark("dl:tex"));
// the skip links: focus the control itself (a fragment link alone would only scroll to it)
for (const a of document.querySelectorAll("a[data-focus]")) a.addEventListener("click", (e) => {
  const el = document.getElementById(a.dataset.focus);
  if (!el) return;
  e.preventDefault();
  if (el.id === "about-summary") el.parentElement.open = true;
  el.scrollIntoView({ block: "center" });
  el.focus({ preventScroll: true });
});
onLanguageChange(() => { renderTex(); writeUrlState(); });
showChapter();
trackUrlState();
// the views once the mathematics module is there (window.wasmBindings: the same module, for the tests)
mathReady.then((m) => { performance.mark("dl:math"); window.wasmBindings = m; return start(m); }, showLoadError);
