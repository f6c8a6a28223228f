// The page's side of the compute worker (compute-worker.js): `compute(job, args)` is a promise of
// the result; `latest(job, onResult, onError)` is a function of args that runs the job with the
// newest args only — while one runs, later calls replace each other and the last one runs next —
// so typing into a field never queues up stale work.
let worker = null;
let nextId = 0;
const pending = new Map();

function start() {
  worker = new Worker(new URL("./compute-worker.js", import.meta.url), { type: "module" });
  worker.onmessage = ({ data: { id, result, error } }) => {
    const p = pending.get(id);
    if (!p) return;
    pending.delete(id);
    if (error !== undefined) p.reject(new Error(error));
    else p.resolve(result);
  };
  // a worker that dies (a crash in the engine, a failed load) fails what it had and is replaced next time
  worker.onerror = (e) => {
    e.preventDefault();
    const message = "the compute worker failed: " + (e.message || "it could not load the engine");
    for (const p of pending.values()) p.reject(new Error(message));
    pending.clear();
    worker.terminate();
    worker = null;
  };
}

export function compute(job, args) {
  if (!worker) start();
  const id = nextId++;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject });
    worker.postMessage({ id, job, args });
  });
}

export function latest(job, onResult, onError) {
  let busy = false, queued = null;
  return async function run(args) {
    if (busy) { queued = { args }; return; }
    busy = true;
    try { const r = await compute(job, args); if (!queued) onResult(r, args); }
    catch (e) { if (!queued) onError(e); }
    finally {
      busy = false;
      if (queued) { const q = queued; queued = null; run(q.args); }
    }
  };
}
