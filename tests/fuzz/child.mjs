// One fuzzing process: calls exports of the nodejs package for call indices [from, to) and reports
// each call's class to the parent. Before each call it writes the call's index and description to
// its status file, so a parent that has to kill it (a hang, a runaway allocation, a crash) knows
// which call did it.
import fs from "node:fs";
import { createRequire } from "node:module";
import { surface } from "./surface.mjs";
import { rngFor, number, numbers, bytes, string, hostile } from "./values.mjs";

const [, , pkgDir, fromArg, toArg, seedArg, statusPath, skipArg = "", moduleDir = ""] = process.argv;
const SKIP = new Set(skipArg.split(",").filter(Boolean).map(Number));
// the nodejs package (a dev build) by default; or the page's own release build (trunk's dist/,
// ES module glue for the web), so the fuzzer also tries the very artifact the page ships
async function load() {
  if (!moduleDir) return createRequire(import.meta.url)(`${pkgDir}/diffusion_lab.js`);
  const glue = fs.readdirSync(moduleDir).find((f) => /^diffusion-lab.*\.js$/.test(f));
  const m = await import(`${moduleDir}/${glue}`);
  m.initSync({ module: fs.readFileSync(`${moduleDir}/${glue.replace(/\.js$/, "_bg.wasm")}`) });
  return m;
}
const dl = await load();
const FROM = Number(fromArg), TO = Number(toArg), SEED = Number(seedArg);
const ASYNC_LIMIT_MS = 55000;
const statusFd = fs.openSync(statusPath, "w");
const say = (text) => { const b = Buffer.from(text.slice(0, 600).padEnd(600)); fs.writeSync(statusFd, b, 0, b.length, 0); };

const codes = new Set(dl.errorCodes());
const exportsList = surface(`${pkgDir}/diffusion_lab.d.ts`).filter((e) => !["start", "initBackend", "probeWebGpu"].includes(e.name));
// Exports whose default work is seconds (whole sampler comparisons): called a tenth as often,
// so the run stays minutes long and spends its time on the many cheap paths.
// The argument-free vocabularies (defaults, choices, …) return constants: also a tenth as often.
const HEAVY = new Set(["langevinCompare", "compareSamplers", "compare", "scoreMatching", "tweedie1d", "heldOut", "elboForms", "likelihood", "qualityVsSteps",
  "measureBackends", "advance", "defaults", "choices", "errorCodes", "errorVocabulary", "probeCpu", "flowPath", "liveSamples", "atEqualNfe", "velocityAt"]);
// whole comparisons (seconds each in the dev build): a fiftieth as often
const VERY_HEAVY = new Set(["langevinCompare", "compareSamplers", "compare", "measureBackends", "advance", "atEqualNfe"]);
// trainers and races (three networks) are costly: their exports are drawn together, less often
const COSTLY = new Set(["Trainer", "Race", "FlowComparison"]);
const trainerExports = exportsList.filter((e) => COSTLY.has(e.owner));
const otherExports = exportsList.filter((e) => !COSTLY.has(e.owner));
const defaults = dl.defaults();
const choices = dl.choices();
const vocabulary = [...new Set(Object.values(choices).flat())];

// Plausible numbers by field name, from the engine's own defaults.
const plausible = {};
(function walk(o) { for (const [k, v] of Object.entries(o)) { if (typeof v === "number" && !(k in plausible)) plausible[k] = v; else if (v && typeof v === "object" && !Array.isArray(v)) walk(v); } })(defaults);
Object.assign(plausible, { t: 5, T: 50, n: 20, samples: 50, particles: 20, dim: 2, points: 30, dims: 2, position: 3, particle: 0, h: 1e-3, variance: 0.5, z: -1, nats: 1.5 });

// ---- the instances alive: methods are called on them, and handles passed as arguments --------
const pool = { Schedule: [], Mixture: [], Chain: [], Trainer: [], Race: [], Comparison: [], FlowComparison: [] };
let savedCheckpoint = null;
const MAX_POOL = 4;
function keep(kind, obj) {
  const list = pool[kind]; list.push(obj);
  while (list.length > MAX_POOL) { const old = list.shift(); try { old.free(); } catch { /* already freed */ } }
}
async function refill() {
  if (pool.Schedule.length < 2) { keep("Schedule", new dl.Schedule({ T: 50 })); keep("Schedule", new dl.Schedule({ kind: "cosine", T: 20 })); }
  if (pool.Mixture.length < 2) { keep("Mixture", dl.Mixture.ring8({})); keep("Mixture", new dl.Mixture({ weights: [0.5, 0.5], means: [[-1, 0], [1, 0]], variances: [[0.1, 0.1], [0.2, 0.2]] })); }
  if (pool.Chain.length < 1) keep("Chain", dl.Chain.withOracle({ particles: 20, T: 50 }, pool.Mixture[0]));
  if (pool.Trainer.length < 1) {
    const tr = await dl.Trainer.create({ T: 50, width: 16, depth: 1, batchSize: 16, train: 64, heldout: 32 }, { backend: "cpu" });
    await tr.run(2);
    if (!savedCheckpoint) savedCheckpoint = await tr.save();
    keep("Trainer", tr);
  }
  if (pool.Race.length < 1) keep("Race", new dl.Race({ T: 50, width: 16, depth: 1, batchSize: 16, train: 64, heldout: 32 }));
  if (pool.FlowComparison.length < 1) keep("FlowComparison", new dl.FlowComparison({ width: 16, depth: 1, batchSize: 16, train: 64, heldout: 32 }));
  if (pool.Comparison.length < 1) keep("Comparison", dl.Comparison.withOracle(pool.Mixture[0], { particles: 20, T: 50 }));
}

// ---- config shapes, learned from the engine's refusals ----------------------------------------
const PROBE = "__fuzz_probe__";
const schemas = new Map();
function refusal(fn) { try { fn(); } catch (e) { return e; } return null; }
async function refusalAsync(fn) { try { await fn(); } catch (e) { return e; } return null; }

/** {fields: {name: {nested?, choices?, type?}}} for config argument `k` of export `ex`. */
async function learn(ex, k, call) {
  const key = `${ex.owner}.${ex.name}.${k}`;
  if (schemas.has(key)) return schemas.get(key);
  const shape = async (wrap) => {
    const e = await refusalAsync(() => call(wrap({ [PROBE]: 1 })));
    if (!e || e.code !== "unknown_field") return null;
    const fields = {};
    for (const f of e.params.choices) {
      const info = {};
      const bad = await refusalAsync(() => call(wrap({ [f]: true })));
      if (bad && bad.code === "wrong_type" && bad.params.field === f) info.type = bad.params.expected;
      if (info.type === "object") info.nested = await learnNested(wrap, f, false);
      if (info.type === "array") {
        const inner = await refusalAsync(() => call(wrap({ [f]: [true] })));
        if (inner && inner.code === "wrong_type" && inner.params.field === `${f}[0]`) info.items = inner.params.expected;
        if (info.items === "object") info.nested = await learnNested(wrap, f, true);
      }
      if (info.type === "string" || info.type === undefined) {
        const c = await refusalAsync(() => call(wrap({ [f]: PROBE })));
        if (c && c.code === "unknown_choice") { info.choices = c.params.choices; info.type = "string"; }
      }
      fields[f] = info;
    }
    return { fields };
  };
  async function learnNested(wrap, f, inArray) {
    const e = await refusalAsync(() => call(wrap({ [f]: inArray ? [{ [PROBE]: 1 }] : { [PROBE]: 1 } })));
    if (!e || e.code !== "unknown_field") return null;
    return { fields: Object.fromEntries(e.params.choices.map((c) => [c, {}])) };
  }
  const s = (await shape((c) => c)) || { fields: {} };
  schemas.set(key, s);
  return s;
}

function configValue(rnd, schema, depth = 0) {
  const r = rnd();
  if (r < 0.04) return rnd.pick([undefined, null, 5, "x", [], true]);
  if (r < 0.07) return hostile(rnd);
  const out = {};
  for (const [f, info] of Object.entries(schema.fields)) {
    if (!rnd.chance(0.3)) continue;
    out[f] = fieldValue(rnd, f, info, depth);
  }
  if (rnd.chance(0.03)) out[rnd.pick(["extra", "betastart", "__proto__"])] = 1;
  return out;
}
function fieldValue(rnd, f, info, depth) {
  if (info.nested && depth < 2 && rnd.chance(0.85)) {
    // a list of objects is mostly short, and sometimes thousands long (work that grows with it)
    const length = rnd.chance(0.05) ? rnd.pick([200, 5000]) : rnd.int(4);
    return info.items === "object" ? Array.from({ length }, () => configValue(rnd, info.nested, depth + 1)) : configValue(rnd, info.nested, depth + 1);
  }
  if (info.choices) return string(rnd, info.choices);
  if (info.type === "array") return info.items === "array" ? Array.from({ length: rnd.int(4) }, () => numbers(rnd, 2)) : numbers(rnd, 2);
  if (info.type === "boolean") return rnd.chance(0.8) ? rnd.chance(0.5) : number(rnd);
  if (info.type === "string") return string(rnd, vocabulary);
  if (info.type === "number" || info.type === "integer") return number(rnd, plausible[f]);
  return rnd.pick([number(rnd, plausible[f]), numbers(rnd), string(rnd, vocabulary)]);
}

// ---- one call ---------------------------------------------------------------------------------
function argValue(rnd, p, schema) {
  const t = p.type;
  if (t === "number") return number(rnd, plausible[p.name] ?? plausible[p.name.replace(/_value$/, "")]);
  if (t === "Float64Array | number[]") return numbers(rnd, 2);
  if (t === "Uint8Array | number[]") return bytes(rnd, savedCheckpoint);
  if (t === "string") return string(rnd, vocabulary);
  if (t in pool) {
    const r = rnd();
    if (r < 0.9 && pool[t].length) return rnd.pick(pool[t]);
    if (r < 0.95) { const o = t === "Schedule" ? new dl.Schedule({}) : dl.Mixture.ring8({}); o.free(); return o; }   // a freed handle
    return rnd.pick([null, {}, pool.Chain[0], 5]);
  }
  return configValue(rnd, schema || { fields: {} });
}

function describe(v, depth = 0) {
  if (typeof v === "string") return JSON.stringify(v.length > 30 ? `${v.slice(0, 30)}…(${v.length})` : v);
  if (typeof v === "number" || typeof v === "boolean" || v == null) return String(v);
  if (typeof v === "bigint") return `${v}n`;
  if (typeof v === "symbol" || typeof v === "function") return typeof v;
  if (ArrayBuffer.isView(v)) return `${v.constructor.name}(${v.length})[${Array.from(v.slice(0, 6)).join(",")}]`;
  if (depth > 2) return "…";
  try {
    if (Array.isArray(v)) return v.length > 8 ? `Array(${v.length})` : `[${v.map((x) => describe(x, depth + 1)).join(",")}]`;
    for (const k of Object.keys(pool)) if (dl[k] && v instanceof dl[k]) return k;
    return `{${Object.entries(v).slice(0, 12).map(([k, x]) => `${k}:${describe(x, depth + 1)}`).join(",")}}`;
  } catch { return "<unreadable>"; }
}

/** Non-finite numbers anywhere in a result (typed arrays, arrays, plain objects). */
function nonFinite(v, path = "", depth = 0) {
  if (typeof v === "number") return Number.isFinite(v) ? null : `${path || "result"} = ${v}`;
  if (!v || typeof v !== "object" || depth > 4) return null;
  if (ArrayBuffer.isView(v)) { const i = Array.prototype.findIndex.call(v, (x) => !Number.isFinite(x)); return i < 0 || v instanceof Uint8Array ? null : `${path}[${i}] = ${v[i]}`; }
  for (const k of Object.keys(pool)) if (dl[k] && v instanceof dl[k]) return null;
  for (const [k, x] of Object.entries(v)) { const r = nonFinite(x, path ? `${path}.${k}` : k, depth + 1); if (r) return r; }
  return null;
}

const GLUE = /^(expected instance of \w+|null pointer passed to rust|Attempt to use a moved value)$/;
function classifyError(e) {
  if (e instanceof WebAssembly.RuntimeError || /panicked|unreachable|RuntimeError|memory access out of bounds|recursive use/.test(String(e?.message))) return ["panic", String(e?.message).slice(0, 200)];
  if (!(e instanceof Error)) return ["uncoded", `threw a ${typeof e}: ${String(e).slice(0, 100)}`];
  if (GLUE.test(e.message)) return ["glue", e.message];
  if (!e.code || !codes.has(e.code)) return ["uncoded", e.message.slice(0, 200)];
  if (!e.params || typeof e.params.field !== "string" || !e.params.field) return ["uncoded", `${e.code} without params.field: ${e.message.slice(0, 150)}`];
  if (e.code !== "device" && !e.message.includes(e.params.field)) return ["badmessage", `does not name ${e.params.field}: ${e.message.slice(0, 150)}`];
  if (e.message.length > 220) return ["badmessage", `${e.message.length} characters: ${e.message.slice(0, 150)}…`];
  if (/invalid type|expected a |serde|unit value|Deserialize/.test(e.message)) return ["badmessage", e.message.slice(0, 200)];
  return ["refused", e.code];
}

function withTimeout(p) {
  let timer;
  return Promise.race([p, new Promise((_, rej) => { timer = setTimeout(() => rej(Object.assign(new Error("the promise did not settle"), { hang: true })), ASYNC_LIMIT_MS); })]).finally(() => clearTimeout(timer));
}

async function callOne(i) {
  const rnd = rngFor(SEED, i);
  await refill();
  // trainer methods are costly: call them in a smaller share of the calls
  let ex = rnd.chance(0.08) ? rnd.pick(trainerExports) : rnd.pick(otherExports);
  if (HEAVY.has(ex.name) && !rnd.chance(VERY_HEAVY.has(ex.name) ? 0.02 : 0.1)) ex = rnd.pick(otherExports.filter((e) => !HEAVY.has(e.name)));
  const target = ex.owner && (ex.kind === "method" || ex.kind === "getter" || ex.kind === "setter") ? rnd.pick(pool[ex.owner]) : null;
  const invoke = (args) => {
    if (ex.kind === "function") return dl[ex.name](...args);
    if (ex.kind === "constructor") return new dl[ex.owner](...args);
    if (ex.kind === "static") return dl[ex.owner][ex.name](...args);
    if (ex.kind === "getter") return target[ex.name];
    if (ex.kind === "setter") { target[ex.name] = args[0]; return undefined; }
    return target[ex.name](...args);
  };
  const args = [];
  for (let k = 0; k < ex.params.length; k++) {
    const p = ex.params[k];
    let schema = null;
    if (p.type === "any") {
      const fixed = ex.params.map((q, j) => (q.type in pool ? pool[q.type][0] : q.type === "any" ? (j === k ? null : {}) : undefined));
      schema = await learn(ex, k, (c) => { const a = fixed.slice(); a[k] = c; return invoke(a); });
    }
    args.push(rnd.chance(0.03) ? undefined : argValue(rnd, p, schema));
  }
  const desc = `${ex.owner ? `${ex.owner}.` : ""}${ex.name}(${args.map((a) => describe(a)).join(", ")})`;
  say(`${i}\t${desc}`);
  if (ex.name === "free") {
    const list = pool[ex.owner]; list.splice(list.indexOf(target), 1);
  }
  let cls, detail;
  try {
    let out = invoke(args);
    if (out && typeof out.then === "function") out = await withTimeout(out);
    const nf = nonFinite(out);
    if (nf) [cls, detail] = ["nonfinite", nf];
    else cls = "ok";
    // keep what a call made for later calls, except trainers: a fuzzed network may be legitimately
    // huge, and a minute-long job on it is not a hang
    for (const k of Object.keys(pool)) if (out instanceof dl[k]) { if (COSTLY.has(k)) out.free(); else keep(k, out); }
    if (ex.name === "save" && out instanceof Uint8Array) savedCheckpoint = out;
  } catch (e) {
    [cls, detail] = e?.hang ? ["hang", "promise never settled"] : classifyError(e);
  }
  if (cls !== "ok" && cls !== "refused") {
    // is everything still alive? a failure that leaves a handle busy or the module trapping is "dead"
    const dead = canary();
    if (dead) { cls = cls === "panic" ? "panic" : "dead"; detail = `${detail || cls}; then ${dead}`; }
  }
  return { cls, detail, desc, ex: `${ex.owner ? `${ex.owner}.` : ""}${ex.name}` };
}

function canary() {
  try {
    const s = new dl.Schedule({ T: 50 });
    if (Math.abs(s.alphaBar(1) - (1 - s.betas()[0])) > 1e-15) return "the module computes wrong numbers";
    s.free();
    for (const [k, list] of Object.entries(pool)) for (const o of list) {
      if (k === "Schedule") o.T; else if (k === "Mixture") o.dim; else if (k === "Chain") o.length; else o.stepCount;
    }
  } catch (e) { return `a later call fails: ${String(e?.message).slice(0, 120)}`; }
  return null;
}

const counts = {}; const byExport = {}; const failures = []; const timeByExport = {};
let sent = Date.now();
for (let i = FROM; i < TO; i++) {
  if (SKIP.has(i)) continue;
  const t0 = performance.now();
  const r = await callOne(i);
  const ms = performance.now() - t0;
  timeByExport[r.ex] = (timeByExport[r.ex] || 0) + ms;
  counts[r.cls] = (counts[r.cls] || 0) + 1;
  byExport[r.ex] = (byExport[r.ex] || 0) + 1;
  if (!["ok", "refused", "glue"].includes(r.cls)) failures.push({ i, cls: r.cls, detail: r.detail, desc: r.desc });
  if (i % 500 === 0 || Date.now() - sent > 2000 || i === TO - 1) {
    process.send({ type: "progress", next: i + 1, counts, byExport, timeByExport, failures: failures.splice(0) });
    for (const k of Object.keys(timeByExport)) delete timeByExport[k];
    for (const k of Object.keys(counts)) delete counts[k];
    for (const k of Object.keys(byExport)) delete byExport[k];
    sent = Date.now();
  }
}
process.send({ type: "done" }, () => process.exit(0));
