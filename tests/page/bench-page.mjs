// Page benchmark (numbers, not assertions): first paint, time to a ready engine, the size of what
// the page downloads (wasm raw and gzipped), and the frame time while the reverse chain plays with
// 10,000 particles. Run by `./scripts/bench.sh page` on the built page (dist/, or DIST=…).
// Each figure is one line `BENCH <name> <value> <unit>`: wasm.size.raw / wasm.size.gzip (MiB; with
// the file's stem after `wasm.` when dist holds several), page.assets.raw / .gzip (html + js + css,
// KiB), page.dist.total (KiB), the medians of three cold and three warm loads page.first_paint.*,
// page.first_contentful_paint.*, page.math_ready.* (chapter 1's check has its verdict),
// page.engine_ready.*, page.pretrained_loaded.*, page.chain_ready_after_engine.* (ms, .cold / .warm),
// page.draw.p10000 (ms/frame), page.chain.oracle.p10000 (steps/s), page.chain.frame.mean / .median /
// .p95 (ms); issue 19: page.train.live.steps_per_s / page.train.nolive.steps_per_s (median of three
// 400-step runs each, alternating, after a warm-up run), page.train.live.slowdown (%, 1 − on/off),
// page.train.live.share (% of a run's time the live batches took), page.flow.frames_ready (ms),
// page.flow.frame.median / .p95 (ms while the oracle's path plays). A part that fails prints `BENCH <part>.failed 1 flag` and the others go on. Other
// lines are free text and never start with BENCH.
import { readdir, readFile, stat } from "node:fs/promises";
import { gzipSync } from "node:zlib";
import { join } from "node:path";
import { DIST as dist, launch } from "./harness.mjs"; // the page tests' Chromium (its flags) and server

const kb = (n) => `${(n / 1024).toFixed(0)} KiB`;
const mib = (n) => (n / 1024 / 1024).toFixed(2);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const bench = (name, value, unit) => console.log(`BENCH ${name} ${value} ${unit}`);
const failed = (part, e) => { console.log(`${part}: failed: ${String(e?.message ?? e).split("\n")[0]}`); bench(`${part}.failed`, 1, "flag"); };

// sizes
async function files(dir) {
  const out = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await files(p))); else out.push(p);
  }
  return out;
}
const all = await files(dist);
const wasm = all.filter((f) => f.endsWith(".wasm"));
console.log(`page: ${dist}`);
for (const f of wasm) {
  const b = await readFile(f);
  const file = f.split("/").pop();
  const name = wasm.length === 1 ? "wasm" : `wasm.${file.replace(/\.wasm$/, "").replace(/[^A-Za-z0-9_-]/g, "_")}`;
  console.log(`wasm ${file}: ${kb(b.length)} raw`);
  bench(`${name}.size.raw`, mib(b.length), "MiB");
  bench(`${name}.size.gzip`, mib(gzipSync(b, { level: 9 }).length), "MiB");
}
if (wasm.length === 0) failed("wasm.size", `no .wasm file in ${dist}`);
let js = 0, jsGz = 0;
for (const f of all.filter((f) => /\.(js|css|html)$/.test(f))) { const b = await readFile(f); js += b.length; jsGz += gzipSync(b, { level: 9 }).length; }
bench("page.assets.raw", (js / 1024).toFixed(0), "KiB");
bench("page.assets.gzip", (jsGz / 1024).toFixed(0), "KiB");
bench("page.dist.total", ((await Promise.all(all.map((f) => stat(f)))).reduce((s, x) => s + x.size, 0) / 1024).toFixed(0), "KiB");

const lab = await launch({ dist });
const { http, browser } = lab;
try {
  // first paint, the mathematics ready, the engine ready: three cold loads (a fresh context each:
  // no cache, no storage), then three warm ones (reloads in one context: the HTTP cache and
  // Chromium's compiled-wasm cache). Times are the page's own clock (performance.now(): ms after
  // navigation started), sampled every animation frame.
  const at = (page, selector) => page.waitForFunction((sel) => document.querySelector(sel) && performance.now(), selector, { polling: "raf", timeout: 300_000 }).then((h) => h.jsonValue());
  async function load(page, step) {
    const math = await at(page, "#vae-status[data-pass]"); // chapter 1's check has its verdict (the mathematics module)
    const ready = await at(page, "body[data-ready=true]"); // the engine module up in the training worker, its device known
    const restored = await at(page, "#training[data-restored]"); // the pretrained model loaded into it
    // the chain with the pretrained network: made, then one step taken (issue 14: usable ≤ 1 s after the engine is ready)
    const chainMade = await at(page, "#chain[data-source=network][data-position='0']");
    let stepped = NaN;
    if (step) {
      await page.click("#chain-step");
      stepped = await at(page, "#chain[data-position='1']");
    }
    const paint = await page.evaluate(() => Object.fromEntries(performance.getEntriesByType("paint").map((p) => [p.name, Math.round(p.startTime)])));
    return { fp: paint["first-paint"], fcp: paint["first-contentful-paint"], math, ready, restored, chain: chainMade - ready, stepped: stepped - ready };
  }
  const report = (kind, loads) => {
    const m = (k) => Math.round(median(loads.map((l) => l[k])));
    bench(`page.first_paint.${kind}`, m("fp"), "ms");
    bench(`page.first_contentful_paint.${kind}`, m("fcp"), "ms");
    bench(`page.math_ready.${kind}`, m("math"), "ms");
    bench(`page.engine_ready.${kind}`, m("ready"), "ms");
    bench(`page.pretrained_loaded.${kind}`, m("restored"), "ms");
    bench(`page.chain_ready_after_engine.${kind}`, m("chain"), "ms");
    if (kind === "cold") bench(`page.chain_first_step_after_engine.${kind}`, m("stepped"), "ms");
  };
  const line = (kind, i, l) => console.log(`${kind} load ${i + 1}: first paint ${l.fp} ms, first contentful paint ${l.fcp} ms, mathematics ready ${Math.round(l.math)} ms, engine ready ${Math.round(l.ready)} ms, pretrained model loaded ${Math.round(l.restored)} ms`);
  try {
    const loads = [];
    for (let i = 0; i < 3; i++) {
      const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      const page = await ctx.newPage();
      await page.goto(http.url);
      loads.push(await load(page, true));
      line("cold", i, loads[i]);
      await ctx.close();
    }
    report("cold", loads);
  } catch (e) {
    failed("page.load", e);
  }
  try {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await ctx.newPage();
    await page.goto(http.url);
    await load(page, false); // fills the caches
    const loads = [];
    for (let i = 0; i < 3; i++) {
      await page.reload();
      loads.push(await load(page, false));
      line("warm", i, loads[i]);
    }
    report("warm", loads);
    await ctx.close();
  } catch (e) {
    failed("page.load.warm", e);
  }

  // the reverse chain with 10,000 particles: frame times while it plays, and the drawing alone
  try {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await ctx.newPage();
    await page.goto(http.url + "?chain-model=oracle&chain-particles=10000#chain");
    await page.waitForSelector("body[data-ready=true]", { timeout: 300_000 });
    await page.waitForSelector("#chain[data-source=oracle]", { timeout: 300_000 });
    const drawMs = await page.evaluate(async () => {
      const { drawCloud } = await import("/js/cloud.js");
      const c = document.getElementById("cmp-ddpm");
      const pts = new Float64Array(20_000).map(() => (Math.random() - 0.5) * 5);
      drawCloud(c, pts);
      const t0 = performance.now();
      for (let i = 0; i < 50; i++) drawCloud(c, pts);
      return (performance.now() - t0) / 50;
    });
    console.log("drawing 10,000 particles on a canvas (budget at 60 fps: 16.7 ms per frame)");
    bench("page.draw.p10000", drawMs.toFixed(2), "ms/frame");
    await page.evaluate(() => {
      window.__frames = [];
      let last = performance.now();
      const tick = (now) => { window.__frames.push(now - last); last = now; if (window.__frames.length < 100000) requestAnimationFrame(tick); };
      requestAnimationFrame(tick);
    });
    const p0 = Number(await page.locator("#chain").getAttribute("data-position"));
    await page.click("#chain-play");
    await page.waitForTimeout(10_000);
    await page.click("#chain-play");
    const p1 = Number(await page.locator("#chain").getAttribute("data-position"));
    const frames = (await page.evaluate(() => window.__frames)).slice(5).sort((a, b) => a - b);
    const q = (p) => frames[Math.min(frames.length - 1, Math.floor(p * frames.length))];
    const mean = frames.reduce((s, v) => s + v, 0) / frames.length;
    console.log(`playing the chain with 10,000 particles (oracle, worker) for 10 s: ${frames.length} frames`);
    bench("page.chain.oracle.p10000", ((p1 - p0) / 10).toFixed(1), "steps/s");
    bench("page.chain.frame.mean", mean.toFixed(1), "ms");
    bench("page.chain.frame.median", q(0.5).toFixed(1), "ms");
    bench("page.chain.frame.p95", q(0.95).toFixed(1), "ms");
    await ctx.close();
  } catch (e) {
    failed("page.chain", e);
  }

  // issue 19: what the live samples cost a training run (about one batch a second) — the same
  // untrained x₀ network on the CPU trained in runs of 400 steps, live samples on and off in turn;
  // the steps/s of each run (the worker's own figure, live sampling included) and the share of the
  // run's time the live batches took. Slowdown = 1 − (on / off).
  try {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await ctx.newPage();
    await page.goto(http.url + "?train-backend=cpu");
    await page.waitForSelector("body[data-ready=true]", { timeout: 300_000 });
    await page.selectOption("#train-param", "x0");
    await page.waitForSelector("#training[data-loaded=untrained]", { timeout: 60_000 });
    await page.fill("#train-steps", "400");
    const rates = { on: [], off: [] }, shares = [];
    let steps = 0;
    for (const live of ["warm-up", "off", "on", "off", "on", "off", "on"]) { // (the first run warms the engine up: not counted)
      if (live === "off") await page.uncheck("#train-live-on"); else await page.check("#train-live-on");
      await page.click("#train-start");
      steps += 400;
      await page.waitForSelector(`#training[data-state=finished][data-steps='${steps}']`, { timeout: 300_000 });
      const rate = Number(await page.locator("#training").getAttribute("data-rate"));
      if (live !== "warm-up") rates[live].push(rate);
      if (live === "on") shares.push(Number(await page.locator("#training").getAttribute("data-live-share")));
      console.log(`run ${steps / 400} (live ${live}): ${rate.toFixed(1)} steps/s`);
    }
    const on = median(rates.on), off = median(rates.off);
    bench("page.train.live.steps_per_s", on.toFixed(1), "steps/s");
    bench("page.train.nolive.steps_per_s", off.toFixed(1), "steps/s");
    bench("page.train.live.slowdown", (100 * (1 - on / off)).toFixed(1), "%");
    bench("page.train.live.share", (100 * median(shares)).toFixed(1), "%");
    await ctx.close();
  } catch (e) {
    failed("page.train.live", e);
  }

  // issue 19: the flow animation's frame times while the oracle's path plays
  try {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await ctx.newPage();
    await page.goto(http.url + "#flow");
    await page.waitForSelector("body[data-ready=true]", { timeout: 300_000 });
    await page.locator("#flow-canvas").scrollIntoViewIfNeeded();
    const t0 = Date.now();
    await page.waitForSelector("#flow[data-path-state=ready]", { timeout: 120_000 });
    bench("page.flow.frames_ready", Date.now() - t0, "ms");
    const frames = await page.evaluate(() => new Promise((resolve) => {
      const out = []; let last = performance.now();
      const tick = (now) => { out.push(now - last); last = now; if (document.getElementById("flow").dataset.playing === "true" && out.length < 2000) requestAnimationFrame(tick); else resolve(out); };
      requestAnimationFrame(tick);
    }));
    const sorted = frames.slice(2).sort((a, b) => a - b);
    bench("page.flow.frame.median", median(sorted).toFixed(1), "ms");
    bench("page.flow.frame.p95", sorted[Math.floor(0.95 * sorted.length)].toFixed(1), "ms");
    await ctx.close();
  } catch (e) {
    failed("page.flow", e);
  }
} finally {
  await lab.close();
}
