#!/usr/bin/env node
// The fuzz test: seeded calls over every export of the nodejs package (from its .d.ts) with valid,
// boundary, wrong-type and hostile values, in child processes with a time and a memory limit.
// Each call is classified: ok, refused (an Error with a code, params.field and one short sentence
// naming the field), glue (wasm-bindgen's own check of a handle argument, before the engine),
// or a failure: panic, hang, crash, memory, dead (a later call fails), nonfinite (an accepted
// call returned NaN/±Infinity), uncoded or badmessage. Exits 1 on any failure.
//
//   node tests/fuzz/run.mjs [--calls 100000] [--seed 1] [--workers 2] [--hang-s 60] [--mem-mb 3072] [--pkg pkg] [--module dist]
// --pkg: the nodejs package whose .d.ts lists the exports (and, without --module, the module run);
// --module: a trunk dist/ folder: run its release wasm through its web glue instead.
import { fork } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const opt = { calls: 100000, seed: 1, workers: Math.min(2, os.cpus().length), "hang-s": 60, "mem-mb": 3072, pkg: path.resolve(here, "../../pkg") };
for (let i = 2; i < process.argv.length; i += 2) opt[process.argv[i].replace(/^--/, "")] = process.argv[i + 1];
const CALLS = Number(opt.calls), SEED = Number(opt.seed), WORKERS = Number(opt.workers);
const HANG_MS = Number(opt["hang-s"]) * 1000, MEM_KB = Number(opt["mem-mb"]) * 1024;
const FAIL = ["panic", "hang", "crash", "memory", "dead", "nonfinite", "uncoded", "badmessage"];

const totals = {}; const byExport = {}; const failures = []; const msByExport = {};
const add = (into, from) => { for (const [k, v] of Object.entries(from)) into[k] = (into[k] || 0) + v; };
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "dl-fuzz-"));
const started = Date.now();

function rss(pid) {
  try { return Number(fs.readFileSync(`/proc/${pid}/status`, "utf8").match(/VmRSS:\s+(\d+)/)[1]); } catch { return 0; }
}

/** Run calls [from, to) in a child, restarting it after a call that kills it. */
async function lane(w, from, to) {
  const status = path.join(tmp, `status-${w}`);
  const skip = [];
  let next = from;
  while (next < to) {
    const outcome = await new Promise((resolve) => {
      const child = fork(path.join(here, "child.mjs"), [opt.pkg, String(next), String(to), String(SEED), status, skip.join(","), opt.module ? path.resolve(opt.module) : ""], { stdio: ["ignore", "ignore", "pipe", "ipc"] });
      let stderr = "", last = Date.now(), lastIndex = null, done = false, verdict = null;
      child.stderr.on("data", (d) => { stderr = (stderr + d).slice(-2000); });
      child.on("message", (m) => {
        if (m.type === "progress") { add(totals, m.counts); add(byExport, m.byExport); add(msByExport, m.timeByExport); failures.push(...m.failures); next = m.next; }
        if (m.type === "done") done = true;
      });
      const watch = setInterval(() => {
        let cur = null;
        try { cur = fs.readFileSync(status, "utf8").trim(); } catch { /* not yet */ }
        if (cur !== lastIndex) { lastIndex = cur; last = Date.now(); }
        const mem = rss(child.pid);
        if (mem > MEM_KB) verdict = ["memory", `resident ${Math.round(mem / 1024)} MiB > ${Math.round(MEM_KB / 1024)} MiB`];
        else if (Date.now() - last > HANG_MS) verdict = ["hang", `no progress for ${HANG_MS / 1000} s`];
        if (verdict) child.kill("SIGKILL");
      }, 250);
      child.on("exit", (code, signal) => {
        clearInterval(watch);
        if (done && code === 0) return resolve(null);
        let cur = "";
        try { cur = fs.readFileSync(status, "utf8").trim(); } catch { /* none */ }
        const [idx, desc] = [Number(cur.split("\t")[0]), cur.split("\t").slice(1).join("\t")];
        resolve({ i: idx, cls: verdict ? verdict[0] : "crash", detail: verdict ? verdict[1] : `exit ${code ?? signal}: ${stderr.trim().split("\n").slice(-3).join(" | ").slice(0, 300)}`, desc });
      });
    });
    if (!outcome) return;
    failures.push(outcome);
    add(totals, { [outcome.cls]: 1 });
    if (!Number.isFinite(outcome.i) || skip.includes(outcome.i)) return; // cannot make progress: stop this lane
    skip.push(outcome.i);
  }
}

const per = Math.ceil(CALLS / WORKERS);
await Promise.all(Array.from({ length: WORKERS }, (_, w) => lane(w, w * per, Math.min(CALLS, (w + 1) * per))));
fs.rmSync(tmp, { recursive: true, force: true });

const seconds = (Date.now() - started) / 1000;
const n = Object.values(totals).reduce((a, b) => a + b, 0);
console.log(`fuzz: ${n} calls over ${Object.keys(byExport).length} exports, seed ${SEED}, ${WORKERS} processes, ${seconds.toFixed(0)} s`);
console.log(`classes: ${Object.entries(totals).sort().map(([k, v]) => `${k} ${v}`).join(", ")}`);
const quiet = Object.entries(byExport).filter(([, v]) => v < 20).map(([k]) => k);
if (quiet.length) console.log(`rarely called (< 20): ${quiet.join(", ")}`);
console.log(`slowest: ${Object.entries(msByExport).sort((a, b) => b[1] - a[1]).slice(0, 8).map(([k, v]) => `${k} ${(v / 1000).toFixed(1)} s / ${byExport[k]}`).join(", ")}`);
console.log(`BENCH fuzz_calls_per_s ${(n / seconds).toFixed(0)} calls/s`);
const bad = failures.filter((f) => FAIL.includes(f.cls));
const seen = new Map();
for (const f of bad) { const key = `${f.cls} ${f.desc.split("(")[0]} ${String(f.detail).replace(/[-\d.e+]+/g, "#").slice(0, 60)}`; if (!seen.has(key)) seen.set(key, f); }
for (const f of [...seen.values()].slice(0, Number(opt.show || 40))) console.log(`FAIL ${f.cls} #${f.i}: ${f.desc.slice(0, 300)}\n     ${f.detail}`);
if (bad.length) { console.log(`${bad.length} failing calls (${seen.size} distinct)`); process.exit(1); }
if (n < CALLS * 0.99) { console.log(`only ${n} of ${CALLS} calls ran`); process.exit(1); }
console.log("fuzz: no panic, hang, crash, dead instance, silent non-finite result or unexplained message");
