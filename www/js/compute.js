// The page's side of the compute worker (compute-worker.js): `compute(job, args)` is a promise of
// the result; `latest(job, onResult, onError)` is a function of args that runs the job (a name, or
// an async function of the args) with the
// newest args only — while one runs, later calls replace each other and the last one runs next —
// so typing into a field never queues up stale work.
import { setPending } from "./plot.js";
import { clearError, pageError, showError, workerError } from "./errors.js";
import { onLanguageChange } from "./i18n.js";

let worker = null;
let nextId = 0;
let firstAnswer; // (null once called)
/** Resolves when the compute worker has answered its first job (the first chapters are computing). */
export const firstAnswerPromise = new Promise((r) => { firstAnswer = r; });
const pending = new Map();

function start() {
  worker = new Worker(new URL("./compute-worker.js", import.meta.url), { type: "module" });
  worker.onmessage = ({ data: { id, result, error, code, params } }) => {
    const p = pending.get(id);
    if (!p) return;
    pending.delete(id);
    if (error !== undefined) p.reject(workerError(error, { code, params })); // the engine's code and params, when sent
    else p.resolve(result);
    if (firstAnswer) { performance.mark("dl:first-compute"); firstAnswer(); firstAnswer = null; } // (the mark: for the page benchmark)
  };
  // a worker that dies (a crash in the engine, a failed load) fails what it had and is replaced next time
  worker.onerror = (e) => {
    e.preventDefault();
    const failure = pageError("worker_failed", { field: "compute-worker", label: "field.compute_worker", message: e.message || "—" });
    for (const p of pending.values()) p.reject(failure);
    pending.clear();
    worker.terminate();
    worker = null;
  };
}

/** Start the worker now (at page load: it fetches and compiles the mathematics module while the page does too). */
export function warmUp() { if (!worker) start(); }

export function compute(job, args) {
  if (!worker) start();
  const id = nextId++;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject });
    worker.postMessage({ id, job, args });
  });
}

export function latest(job, onResult, onError) {
  const call = typeof job === "function" ? job : (args) => compute(job, args); // a job name, or any async function
  let busy = false, queued = null;
  return async function run(args) {
    if (busy) { queued = { args }; return; }
    busy = true;
    try { const r = await call(args); if (!queued) onResult(r, args); }
    catch (e) { if (!queued) onError(e); }
    finally {
      busy = false;
      if (queued) { const q = queued; queued = null; run(q.args); }
    }
  };
}

/**
 * A view whose numbers come from a worker. `read()` turns the controls into the job's args, or
 * throws an Error naming the bad field; `draw(result)` shows a result. Returns `render` (read, mark
 * the check pending, run the newest request; a bad field or an engine error shows inline and
 * leaves the check waiting) and `redraw` (draw the last result again, e.g. on resize or after a
 * language switch). `pending`: the key of the check's text meanwhile, or a function of the args giving it.
 */
export function workerView({ job, err, status, read, draw, pending = "common.computing" }) {
  let last = null, refused = false;
  // a refusal leaves no numbers of earlier settings looking current: the section is marked stale (dimmed)
  const section = () => (status || err).closest(".stepper, section"); // a stepper dims itself only
  const refuse = (e) => { refused = true; showError(err, e); setPending(status, "common.waiting_input"); if (section()) section().dataset.stale = "true"; };
  const run = latest(job, (r) => { last = r; refused = false; clearError(err); if (section()) delete section().dataset.stale; draw(r); }, refuse);
  // a language switch redraws the last result's tables and charts in the new language
  onLanguageChange(() => { if (last) { draw(last); if (refused) setPending(status, "common.waiting_input"); } });
  return {
    render() {
      let args;
      try { args = read(); } catch (e) { refuse(e); return; }
      setPending(status, typeof pending === "function" ? pending(args) : pending);
      run(args);
    },
    redraw() { if (last) draw(last); },
    refuse,
  };
}
