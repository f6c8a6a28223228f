// Chapter 7: the reverse chain, stepped and inspected, with the pretrained network and the exact
// oracle; DDPM against DDIM from the same x_T.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { artifact, errorIs, launch, openPage, passes, until } from "./harness.mjs";

let lab, page, problems;
before(async () => {
  lab = await launch();
  ({ page, problems } = await openPage(lab));
});
after(() => lab?.close());

// wait for the chain to stand at `t` (and whatever `extra` attribute conditions add)
const at = (t, extra = "") => until(page, `#chain[data-t='${t}']${extra}`, { timeout: 60_000 });

test("the reverse chain steps with the arrow keys and the inspector follows", async () => {
  // the chain runs the pretrained ring8 network a first visit loads
  await until(page, "#training[data-restored=pretrained][data-dataset=ring8]");
  await until(page, "#chain[data-position]", { timeout: 120_000 });
  const chain = page.locator("#chain");
  assert.equal(await chain.getAttribute("data-t"), "1000");
  const before = await chain.getAttribute("data-inspector");
  await page.locator("#chain-canvas").focus();
  for (let i = 0; i < 5; i++) {
    await page.keyboard.press("ArrowRight");
    await page.waitForFunction((n) => document.getElementById("chain").dataset.position === String(n), i + 1, { timeout: 30_000 });
  }
  assert.equal(await chain.getAttribute("data-t"), "995");
  assert.notEqual(await chain.getAttribute("data-inspector"), before, "the inspector's x̂₀ changed");
  await page.keyboard.press("ArrowLeft");
  await until(page, "#chain[data-t='996']", { timeout: 30_000 });
  await page.locator("#chain").screenshot({ path: artifact("chain-start.png") });
  // DDIM in 50 steps to x_0 with the pretrained network: the samples are compared with held-out data
  await page.selectOption("#chain-sampler", "ddim");
  await page.click("#chain-new");
  await at(1000);
  await page.click("#chain-end");
  await until(page, "#chain[data-mmd]", { timeout: 240_000 });
  assert.equal(await chain.getAttribute("data-t"), "0");
  // the quality line: MMD² beside its floor (two data samples), both as numbers
  const floor = Number(await chain.getAttribute("data-mmd-floor"));
  assert.ok(Number.isFinite(floor), `MMD² of two data samples: ${floor}`); // an unbiased estimate: it may dip below 0
  assert.ok((await page.locator("#chain-quality").textContent()).trim().length > 0, "the quality line is shown");
  const mmd = Number(await chain.getAttribute("data-mmd"));
  assert.ok(mmd < 0.02, `the pretrained model's samples: MMD² ${mmd}`);
  await page.locator("#chain").screenshot({ path: artifact("chain-end.png") });
  // forward then reverse with the exact oracle: the true posterior and the KL appear
  await page.selectOption("#chain-sampler", "ddpm:beta_tilde");
  await page.selectOption("#chain-model", "oracle");
  await page.selectOption("#chain-start", "forward");
  await page.fill("#chain-tstart", "200");
  await page.click("#chain-new");
  await at(200, "[data-source=oracle][data-kl]");
  const kl = Number(await chain.getAttribute("data-kl"));
  assert.ok(Number.isFinite(kl) && kl >= 0, `KL(q(x_{t−1}|x_t,x₀) ‖ p_θ) = ${kl} nats`);
  await page.check("#chain-field");
  await page.locator("#chain").screenshot({ path: artifact("chain-forward.png") });
  // bad input gets a message, not a broken chain
  await page.selectOption("#chain-start", "noise");
  await page.fill("#chain-particles", "0");
  await page.click("#chain-new");
  await errorIs(page, "#chain-error", { field: "particles", code: "integer_range", timeout: 30_000 });
  await page.fill("#chain-particles", "2000");
  await page.selectOption("#chain-model", "network");
  await page.selectOption("#chain-start", "noise");
  await page.selectOption("#chain-sampler", "ddpm:beta");
  assert.deepEqual(problems, []);
});

test("chapter 7: the network's DDPM-against-DDIM shows the step it is at and stops when asked", async () => {
  // the network on the CPU (under "auto" the page trains and samples there until a run has timed WebGPU)
  await page.selectOption("#chain-model", "network");
  await page.fill("#chain-particles", "2000");
  await page.click("#chain-compare");
  await page.waitForFunction(() => Number(document.getElementById("chain").dataset.compareSteps) > 0, null, { timeout: 120_000 });
  assert.equal((await page.locator("#chain-compare").textContent()).trim(), "Stop");
  assert.match(await page.locator("#cmp-status").textContent(), /DDPM: step \d+ of 1050/);
  await page.click("#chain-compare");
  await until(page, "#chain[data-compare-stopped]", { timeout: 60_000 });
  await until(page, "#chain:not([data-comparing])");
  assert.ok(Number(await page.locator("#chain").getAttribute("data-compare-stopped")) < 1050);
  assert.match(await page.locator("#cmp-status").textContent(), /stopped after \d+ of 1050 steps/);
  assert.equal((await page.locator("#chain-compare").textContent()).trim(), "Run DDPM and DDIM");
  assert.deepEqual(problems, []);
});

test("chapter 7: DDPM and DDIM side by side from the same x_T", async () => {
  // with the exact oracle: seconds for 1050 steps
  await page.selectOption("#chain-model", "oracle");
  await page.fill("#chain-particles", "1000");
  await page.click("#chain-compare");
  await until(page, "#cmp-status[data-pass]", { timeout: 240_000 });
  await passes(page, "#cmp-status");
  assert.equal(await page.locator("#cmp-table tbody tr").count(), 4); // ring8: the mode-share row too
  const cells = await page.locator("#cmp-table tbody tr:first-child td").allTextContents();
  assert.deepEqual(cells, ["1000", "50"]);
  const mmd = Number(await page.locator("#chain").getAttribute("data-compared"));
  assert.ok(Number.isFinite(mmd) && mmd < 0.05, `DDIM's MMD² ${mmd}`);
  await page.locator("#chain").screenshot({ path: artifact("chain-compare.png") });
  await page.fill("#chain-particles", "2000");
  await page.selectOption("#chain-model", "network");
  assert.deepEqual(problems, []);
});
