// The training backend by measurement (issue 14): under "auto" the page trains on the CPU until a
// model shape's first run has timed a few warm steps on the CPU and on WebGPU (here SwiftShader, a
// CPU emulation of a GPU), then uses the faster, shows both figures, remembers them per shape, and
// lets the reader override them.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { launch, openPage, until } from "./harness.mjs";

let lab, page, problems;
before(async () => {
  lab = await launch();
  ({ page, problems } = await openPage(lab, "?train-steps=20#training"));
});
after(() => lab?.close());

const STORE = "diffusion-lab.backend-measured";
const kept = () => page.evaluate((k) => JSON.parse(localStorage.getItem(k) || "{}"), STORE);

test("the first run times both devices and trains on the faster; the badge shows both figures", async () => {
  await until(page, "#training[data-restored=pretrained]", { timeout: 120_000 });
  assert.equal(await page.locator("#backend-badge").getAttribute("data-webgpu"), "found");
  assert.equal(await page.locator("#training").getAttribute("data-backend"), "cpu", "the CPU until measured");
  assert.equal(await page.locator("#train-backend").inputValue(), "auto");
  await page.click("#train-start");
  await until(page, "#backend-badge[data-measured]", { timeout: 240_000 });
  const all = await kept();
  const keys = Object.keys(all);
  assert.equal(keys.length, 1, `one shape measured: ${keys}`);
  const m = all[keys[0]];
  assert.ok(m.cpu.stepsPerSec > 0 && m.cpu.steps >= 2, `CPU measured: ${JSON.stringify(m.cpu)}`);
  assert.ok(m.webgpu && m.webgpu.stepsPerSec > 0, `WebGPU measured: ${JSON.stringify(m)}`);
  // the rule, recomputed from the figures: WebGPU only at ≥ margin × the CPU's speed
  const faster = m.webgpu.stepsPerSec >= m.margin * m.cpu.stepsPerSec ? "webgpu" : "cpu";
  assert.equal(m.chosen, faster);
  console.log(`BENCH page.backend_choice.cpu ${m.cpu.stepsPerSec.toFixed(1)} steps/s`);
  console.log(`BENCH page.backend_choice.webgpu ${m.webgpu.stepsPerSec.toFixed(2)} steps/s`);
  await until(page, "#training[data-state=finished]", { timeout: 240_000 });
  assert.equal(await page.locator("#training").getAttribute("data-backend"), faster, "trained on the faster");
  assert.equal(await page.locator("#backend-badge").getAttribute("data-kind"), faster);
  const badge = await page.locator("#backend-badge").textContent();
  const shown = (v) => (v >= 10 ? v.toFixed(0) : v.toPrecision(2));
  assert.ok(badge.includes(shown(m.cpu.stepsPerSec)) && badge.includes(shown(m.webgpu.stepsPerSec)), `both figures in the badge: "${badge}"`);
});

test("the measurement is kept: a second run does not time again; the reader's choice wins; auto again measures afresh", async () => {
  const before = (await kept());
  await page.reload();
  await until(page, "#training[data-restored=saved]", { timeout: 120_000 });
  await page.click("#train-start");
  await until(page, "#training[data-state=finished]", { timeout: 240_000 });
  assert.deepEqual(await kept(), before, "not measured again");
  assert.equal(await page.locator("#backend-badge").getAttribute("data-measured"), Object.values(before)[0].chosen);
  // the reader's own choice: the badge says so, and the measurement stays
  await page.selectOption("#train-backend", "cpu");
  await until(page, "#backend-badge:not([data-measured])");
  assert.match(await page.locator("#backend-badge").textContent(), /CPU/);
  assert.deepEqual(await kept(), before);
  // choosing "auto" again forgets the figures: the next run measures afresh
  await page.selectOption("#train-backend", "auto");
  assert.deepEqual(await kept(), {});
  assert.deepEqual(problems, []);
});
