// The TensorFlow.js baseline (numbers, not assertions): the same MLP as our denoiser trained with
// TF.js in the page tests' headless Chromium (harness.mjs: Debian's chromium, its flags), so
// scripts/bench.sh can print ours / TF.js's best. Run: node tests/page/bench-tfjs.mjs
//
// The model is ours (src/engine/model.rs, DenoiserConfig::new(2): D = 2, a sinusoidal time
// embedding of E = 32, 3 hidden layers of 128): (D + E) → 128 → 128 → 128 → D, SiLU between the
// layers, none on the head, Kaiming-uniform U(−k, k), k = 1/√fan_in, like burn's Linear. Each step
// builds its batch on the CPU as fresh Float32Arrays (x_t [B, D], the embedding [B, E], the target
// [B, D]), as our trainer does, uploads them, concatenates x_t and the embedding, and takes one Adam
// step (lr 1e-3) on the mean squared error, reading the loss back (await loss.data()) so that GPU
// work is counted. A few warm-up steps (shader compilation), then N timed steps.
//
// Prints `BENCH tfjs.<backend>.b<batch> <steps/s> steps/s` for webgl, wasm, cpu (plain JS) and
// webgpu; a backend that cannot start or fails prints `BENCH tfjs.<backend>.b<batch>.failed 1 flag`,
// one that exceeds its time limit `BENCH tfjs.<backend>.b<batch>.timeout <limit> s`. Other lines are
// free text and never start with BENCH.
//
// Settings (environment):
//   TFJS_BACKENDS  the backends, in order (default webgl,wasm,cpu,webgpu)
//   TFJS_BATCHES   the batch sizes (default 256,2048)
//   TFJS_LAYERS    the layer widths, input first (default 34,128,128,128,2; scripts/bench.sh
//                  passes ours from `cargo run --example bench model`)
//   TFJS_LIMIT_S   seconds of timed steps per backend and batch (default 45); the timed loop stops
//                  there and reports the steps it took; a measurement still unfinished at twice the
//                  limit plus 60 s (a hung step, a shader compile that never ends) is a time-out
//
// The page is served from a temporary directory holding only an HTML file and the TF.js bundles
// and .wasm files copied from node_modules: nothing leaves the origin. No COOP/COEP headers (as a
// plain static host serves a page), so the wasm backend runs its SIMD build on one thread.
import { copyFile, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { launch, ROOT } from "./harness.mjs";

const env = (k, d) => process.env[k] || d; // unset or empty: the default
const BACKENDS = env("TFJS_BACKENDS", "webgl,wasm,cpu,webgpu").split(",").filter(Boolean);
const BATCHES = env("TFJS_BATCHES", "256,2048").split(",").map(Number);
const LAYERS = env("TFJS_LAYERS", "34,128,128,128,2").split(",").map(Number);
const LIMIT_S = Number(env("TFJS_LIMIT_S", "45"));
const WARM = 3;
const STEPS = { 256: 200, 2048: 40 }; // timed steps (unless the time limit comes first)
if (LAYERS.length < 2 || LAYERS.some((n) => !Number.isInteger(n) || n < 1) || !(LIMIT_S > 0) || BATCHES.some((b) => !Number.isInteger(b) || b < 1)) {
  console.error(`bench-tfjs: bad settings: TFJS_LAYERS=${LAYERS} TFJS_BATCHES=${BATCHES} TFJS_LIMIT_S=${LIMIT_S}`);
  process.exit(2);
}

const NM = ROOT + "node_modules/@tensorflow/";
const FILES = [
  "tfjs/dist/tf.min.js", // core, layers, the cpu and webgl backends
  "tfjs-backend-wasm/dist/tf-backend-wasm.min.js",
  "tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm",
  "tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm",
  "tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm",
  "tfjs-backend-webgpu/dist/tf-backend-webgpu.min.js",
];
const version = JSON.parse(await readFile(NM + "tfjs/package.json", "utf8")).version;
const site = await mkdtemp(join(tmpdir(), "bench-tfjs-"));
for (const f of FILES) await copyFile(NM + f, join(site, f.split("/").pop()));
await writeFile(join(site, "index.html"), `<!doctype html><meta charset="utf-8"><title>TF.js baseline</title>
<script src="tf.min.js"></script><script src="tf-backend-wasm.min.js"></script><script src="tf-backend-webgpu.min.js"></script>
<script>tf.wasm.setWasmPaths(location.origin + "/");</script>`);

const params = LAYERS.slice(1).reduce((s, o, i) => s + LAYERS[i] * o + o, 0);
console.log(`tfjs ${version}: the MLP ${LAYERS.join(" → ")} (SiLU, ${params} parameters), Adam 1e-3, MSE; ${WARM} warm-up steps, then up to ${STEPS[256]} (batch 256) / ${STEPS[2048]} (batch 2048) steps or ${LIMIT_S} s`);
console.log(`BENCH tfjs.parameters ${params} count`);

/** In the page: train the MLP for `steps` steps (after `warm`) on `backend`; {steps, seconds} or {timeout}. */
async function trainInPage({ backend, batch, layers, warm, steps, limitS }) {
  const tf = window.tf;
  if (!(await tf.setBackend(backend)) || tf.getBackend() !== backend) throw new Error(`tf.setBackend("${backend}") failed; the backend is ${tf.getBackend()}`);
  await tf.ready();
  const D = layers.at(-1), E = layers[0] - D;
  const tensorsBefore = tf.memory().numTensors;
  const weights = [];
  for (let i = 0; i + 1 < layers.length; i++) {
    const k = 1 / Math.sqrt(layers[i]);
    weights.push(tf.tidy(() => [tf.variable(tf.randomUniform([layers[i], layers[i + 1]], -k, k)), tf.variable(tf.randomUniform([layers[i + 1]], -k, k))]));
  }
  const vars = weights.flat();
  const forward = (x, e) => {
    let h = tf.concat([x, e], 1); // [B, D + E]
    weights.forEach(([w, b], i) => {
      h = tf.add(tf.matMul(h, w), b);
      if (i < weights.length - 1) h = tf.mul(h, tf.sigmoid(h)); // SiLU
    });
    return h; // [B, D]
  };
  const opt = tf.train.adam(1e-3);
  const random = (n, scale) => { const a = new Float32Array(n); for (let i = 0; i < n; i++) a[i] = scale * (Math.random() * 2 - 1); return a; };
  const step = async () => {
    const x = tf.tensor2d(random(batch * D, 2), [batch, D]); // the batch, built on the CPU each step
    const e = tf.tensor2d(random(batch * E, 1), [batch, E]);
    const y = tf.tensor2d(random(batch * D, 1), [batch, D]);
    const loss = opt.minimize(() => tf.losses.meanSquaredError(y, forward(x, e)), true, vars);
    const v = (await loss.data())[0]; // the loss read back: the step's GPU work is done
    tf.dispose([x, e, y, loss]);
    if (!Number.isFinite(v)) throw new Error(`the loss became ${v}`);
  };
  const w0 = performance.now();
  for (let i = 0; i < warm; i++) await step();
  const warmS = (performance.now() - w0) / 1000;
  let n = 0, t0 = performance.now();
  if (warmS <= limitS) {
    for (; n < steps && (performance.now() - t0) / 1000 < limitS; n++) await step();
  }
  const seconds = (performance.now() - t0) / 1000;
  opt.dispose();
  tf.dispose(vars);
  const leaked = tf.memory().numTensors - tensorsBefore;
  return { timeout: n === 0, warmS, steps: n, seconds, leaked };
}

const sleep = (ms) => new Promise((r) => { const t = setTimeout(r, ms); t.unref?.(); });
const lab = await launch({ dist: site });
try {
  console.log(`tfjs in ${lab.browser.version()} (headless, the page tests' flags)`);
  for (const backend of BACKENDS) {
    const context = await lab.browser.newContext();
    const page = await context.newPage();
    let gone = null; // why the page can no longer be used (a time-out, a crash)
    page.on("crash", () => { gone ??= "the renderer crashed"; });
    try {
      await page.goto(lab.url);
      await page.waitForFunction(() => window.tf?.wasm && window.tf?.version_core, null, { timeout: 60_000 });
    } catch (e) {
      gone = `the page did not load: ${e.message.split("\n")[0]}`;
    }
    for (const batch of BATCHES) {
      const name = `tfjs.${backend}.b${batch}`;
      if (gone) {
        console.log(`${name}: not measured (${gone})`);
        console.log(`BENCH ${name}.failed 1 flag`);
        continue;
      }
      const hardS = 2 * LIMIT_S + 60;
      const run = page.evaluate(trainInPage, { backend, batch, layers: LAYERS, warm: WARM, steps: STEPS[batch] ?? 50, limitS: LIMIT_S });
      const r = await Promise.race([run.catch((e) => ({ error: e })), sleep(hardS * 1000).then(() => ({ hung: true }))]);
      if (r.hung) {
        gone = `still running after ${hardS} s`;
        console.log(`${name}: ${gone}`);
        console.log(`BENCH ${name}.timeout ${hardS} s`);
      } else if (r.error) {
        console.log(`${name}: failed: ${String(r.error.message).split("\n")[0].slice(0, 300)}`);
        console.log(`BENCH ${name}.failed 1 flag`);
        if (page.isClosed() || /crash|closed|Target/.test(r.error.message)) gone ??= "the page failed";
      } else if (r.timeout) {
        console.log(`${name}: the ${WARM} warm-up steps took ${r.warmS.toFixed(1)} s, over the limit of ${LIMIT_S} s`);
        console.log(`BENCH ${name}.timeout ${LIMIT_S} s`);
      } else {
        const sps = r.steps / r.seconds;
        console.log(`${name}: ${r.steps} steps in ${r.seconds.toFixed(2)} s (${(1000 / sps).toFixed(1)} ms/step; warm-up ${r.warmS.toFixed(2)} s; tensors left over: ${r.leaked})`);
        console.log(`BENCH ${name} ${sps.toFixed(sps < 10 ? 2 : 1)} steps/s`);
      }
    }
    if (backend === "wasm" && !gone) {
      const f = await page.evaluate(async () => ({ simd: await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT"), threads: await tf.env().getAsync("WASM_HAS_MULTITHREAD_SUPPORT") })).catch(() => null);
      if (f) console.log(`tfjs wasm: SIMD ${f.simd}, threads ${f.threads}`);
    }
    if (backend === "webgpu" && !gone) {
      const a = await page.evaluate(async () => { const ad = await navigator.gpu?.requestAdapter(); return ad ? `${ad.info?.vendor} ${ad.info?.architecture} ${ad.info?.description}`.trim() : "none"; }).catch(() => null);
      if (a) console.log(`tfjs webgpu: adapter ${a}`);
    }
    if (backend === "webgl" && !gone) {
      const g = await page.evaluate(() => { const gl = document.createElement("canvas").getContext("webgl2"); const x = gl?.getExtension("WEBGL_debug_renderer_info"); return gl ? gl.getParameter(x ? x.UNMASKED_RENDERER_WEBGL : gl.RENDERER) : "none"; }).catch(() => null);
      if (g) console.log(`tfjs webgl: renderer ${g}`);
    }
    await context.close().catch(() => {});
  }
} finally {
  await lab.close().catch(() => {});
  await rm(site, { recursive: true, force: true });
}
