// The page as a whole: it loads with a backend badge and no console errors, under a strict
// Content-Security-Policy with every equation typeset; the URL carries settings and chapter; the
// language switch. The chapters' own tests are in ch*.test.mjs; the shared harness in harness.mjs.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { artifact, cspViolations, errorIs, launch, openPage, ready, until, watch } from "./harness.mjs";

let lab, page, problems;
before(async () => {
  lab = await launch();
  ({ page, problems } = await openPage(lab));
});
after(() => lab?.close());

test("the page loads with a backend badge and no console errors", async () => {
  const badge = await page.locator("#backend-badge");
  // Chromium here has WebGPU on SwiftShader: the page must find it, and train on the CPU until a
  // first run has timed both (issue 14: the faster by measurement)
  await page.waitForSelector("#backend-badge[data-webgpu]");
  assert.equal(await badge.getAttribute("data-webgpu"), "found", `expected WebGPU, got: ${await badge.textContent()} / ${await page.locator("#backend-note").textContent()}`);
  assert.equal(await badge.getAttribute("data-kind"), "cpu");
  assert.match(await badge.textContent(), /WebGPU/);
  await page.screenshot({ path: artifact("page-top.png") });
  assert.deepEqual(problems, []);
});

test("two wasm modules: the page fetches the mathematics module only; the engine is the training worker's", async () => {
  await page.waitForSelector("#chain[data-source]"); // the training worker's engine has made the chain
  // the page's own resource timeline (a worker's fetches are in the worker's, not here)
  const fetched = await page.evaluate(() => performance.getEntriesByType("resource").map((e) => new URL(e.name).pathname.split("/").pop()));
  assert.ok(fetched.includes("diffusion-lab-math_bg.wasm"), `the mathematics module: ${fetched.filter((f) => f.endsWith(".wasm"))}`);
  // (a module worker's imports, the engine's 150 KB of JS glue among them, show in the page's
  // timeline too; its 17 MB of wasm is fetched by the worker's own code and does not)
  assert.ok(!fetched.includes("diffusion-lab-engine_bg.wasm"), `the page itself fetched the engine: ${fetched.filter((f) => f.startsWith("diffusion-lab"))}`);
  // what it holds: no Trainer on the page's module (window.wasmBindings), the oracle's Chain there
  assert.deepEqual(await page.evaluate(() => [typeof window.wasmBindings.Trainer, typeof window.wasmBindings.Chain, typeof window.wasmBindings.initBackend]), ["undefined", "function", "undefined"]);
  // and the load's stages in order (the marks the page benchmark reads)
  const marks = await page.evaluate(() => Object.fromEntries(performance.getEntriesByType("mark").filter((m) => m.name.startsWith("dl:")).map((m) => [m.name, m.startTime])));
  for (const m of ["dl:script", "dl:math", "dl:views", "dl:first-compute"]) assert.ok(m in marks, `${m}: ${JSON.stringify(marks)}`);
  assert.ok(marks["dl:script"] <= marks["dl:views"] && marks["dl:math"] <= marks["dl:views"], JSON.stringify(marks));
});

test("a strict Content-Security-Policy, nothing it blocks, and every equation typeset by the bundled KaTeX", async () => {
  const policy = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute("content");
  assert.match(policy, /default-src 'none'/);
  const scripts = policy.split(";").find((d) => d.trim().startsWith("script-src"));
  assert.doesNotMatch(scripts, /https?:|\*|'unsafe-inline'|'unsafe-eval'/, `script-src allows too much: ${scripts}`);
  assert.deepEqual(await cspViolations(page), []);
  // no resource from another origin was loaded
  const foreign = await page.evaluate(() => performance.getEntriesByType("resource").map((r) => r.name).filter((u) => new URL(u).origin !== location.origin));
  assert.deepEqual(foreign, []);
  const typeset = await page.locator(".equations .katex-display").count();
  const sources = await page.locator(".equations .tex").count();
  assert.ok(sources >= 20 && typeset === sources, `${typeset} of ${sources} displayed equations typeset`);
  assert.equal(await page.locator(".katex-error").count(), 0);
  assert.equal(await page.evaluate(() => typeof window.katex?.render), "function");
});

test("the URL carries settings and chapter, round-trips through a reload, and reports a bad link", async () => {
  // a fresh context: no saved session (the saved model offered back by a link: ch6-training.test.mjs)
  const context = await lab.browser.newContext({ viewport: { width: 1280, height: 900 } });
  const p2 = await context.newPage();
  const errors = await watch(p2, { console: false }); // page errors, and CSP violations
  try {
    await p2.goto(lab.url + "?train-dataset=moons&train-lr=0.002&chain-particles=500&forms-seed=3#chain");
    await ready(p2);
    for (const [id, v] of [["train-dataset", "moons"], ["train-lr", "0.002"], ["chain-particles", "500"], ["forms-seed", "3"]]) {
      assert.equal(await p2.locator("#" + id).inputValue(), v, id);
    }
    // the link's data set has a pretrained model: it is loaded
    await until(p2, "#training[data-restored=pretrained]");
    await until(p2, "#training[data-loaded=pretrained][data-dataset=moons]");
    const top = await p2.evaluate(() => document.getElementById("chain").getBoundingClientRect().top);
    assert.ok(Math.abs(top) < 40, `chapter 7 is in view (its top at ${top} px)`);
    await p2.fill("#chain-seed", "7");
    await p2.locator("#chain-seed").dispatchEvent("change");
    await p2.selectOption("#schedule-kind", "cosine");
    assert.match(p2.url(), /chain-seed=7/);
    assert.match(p2.url(), /schedule-kind=cosine/);
    assert.match(p2.url(), /#chain$/);
    await p2.reload();
    await ready(p2);
    for (const [id, v] of [["chain-seed", "7"], ["schedule-kind", "cosine"], ["train-dataset", "moons"], ["train-lr", "0.002"]]) {
      assert.equal(await p2.locator("#" + id).inputValue(), v, `${id} after the reload`);
    }
    // a bad link: a choice that does not exist, a control that does not exist, a number that is not one
    await p2.goto(lab.url + "?chain-sampler=nope&colour=red&train-lr=abc");
    await ready(p2);
    const note = p2.locator("#url-note");
    assert.equal(await note.isVisible(), true, "the link's problems are named under the header");
    assert.equal(await note.getAttribute("data-unknown-choice"), "chain-sampler");
    assert.equal(await note.getAttribute("data-unknown-field"), "colour");
    // the note names the link's keys (code, the same in both languages)
    const text = await note.textContent();
    assert.ok(text.includes("chain-sampler") && text.includes("nope"), `the note names chain-sampler = nope: "${text}"`);
    assert.ok(text.includes("colour"), `the note names colour: "${text}"`);
    assert.equal(await p2.locator("#chain-sampler").inputValue(), "ddpm:beta", "an unknown choice leaves the default");
    // the learning rate that is not a number: refused inline, as if typed
    await errorIs(p2, "#train-error", { field: "learningRate", code: "wrong_type", mentions: { label: "#train-lr" } });
    assert.deepEqual(errors, []);
    assert.deepEqual(await cspViolations(p2), []);
  } finally {
    await context.close();
  }
});

test("the language switch turns every text to 中文 and back, live numbers included", async () => {
  const context = await lab.browser.newContext({ viewport: { width: 1280, height: 900 } });
  const p3 = await context.newPage();
  const errors = await watch(p3);
  try {
    await p3.goto(lab.url + "#tweedie");
    await ready(p3);
    await until(p3, "#vae-status[data-pass=true]");
    const english = await p3.locator("#vae-h").textContent();
    await p3.click("#lang-switch");
    assert.equal(await p3.evaluate(() => document.documentElement.lang), "zh-CN");
    assert.equal(await p3.locator("#vae-h").textContent(), "1 · 隐变量与 ELBO");
    assert.match(await p3.locator("#vae-status").textContent(), /^✓ \(1\.15\)、\(1\.20\).* nats 内成立/);
    assert.match(p3.url(), /lang=zh/);
    // every visible text outside the equations has Chinese in it or is a number, a symbol or a formula
    const untranslated = await p3.evaluate(() => {
      const left = [];
      const w = document.createTreeWalker(document.querySelector("main"), NodeFilter.SHOW_TEXT);
      for (let n = w.nextNode(); n; n = w.nextNode()) {
        const t = n.data.trim();
        if (!t || n.parentElement.closest(".tex, .katex, [hidden], .error, option")) continue;
        if (/[\u4e00-\u9fff]/.test(t)) continue;
        if (/[a-z]{4,}/.test(t.replace(/\b(ELBO|Tweedie|log|exact|var|nats|bits|dim|ring8|moons|digits|eps|score|WebGPU|CPU|swiftshader|google|DDPM|DDIM|MMD|Langevin|simple|Monte|Carlo|trajectory|Algorithm)\b/gi, ""))) left.push(t);
      }
      return left;
    });
    assert.deepEqual(untranslated, [], `English left on the 中文 page: ${untranslated.join(" | ")}`);
    // a view updating its numbers keeps them in Chinese: move Tweedie's t
    await p3.locator("#tweedie-t").fill("700");
    await until(p3, "#tweedie[data-t='700']", { timeout: 30_000 });
    await until(p3, "#tweedie-status[data-pass=true]");
    const verdict = await p3.locator("#tweedie-status").textContent();
    assert.match(verdict, /t = 700 处成立/, verdict);
    await p3.locator("#tweedie").screenshot({ path: artifact("tweedie-zh.png") });
    await p3.locator("#vae").screenshot({ path: artifact("vae-zh.png") });
    // the choice survives a reload (storage and URL), and switching back restores the English
    await p3.reload();
    await ready(p3);
    assert.equal(await p3.locator("#vae-h").textContent(), "1 · 隐变量与 ELBO");
    await p3.click("#lang-switch");
    assert.equal(await p3.locator("#vae-h").textContent(), english);
    assert.doesNotMatch(p3.url(), /lang=zh/);
    assert.deepEqual(errors, []);
    assert.deepEqual(await cspViolations(p3), []);
  } finally {
    await context.close();
  }
});
