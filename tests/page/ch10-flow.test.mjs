// Issue 19: samples drawn live while a network trains (chapter 6), the whole reverse process
// animated — played, paused, scrubbed, paused at the start for a reader who asks for reduced
// motion — and flow matching trained beside diffusion with its checks (chapter 10). In English and
// 中文, with the keyboard, at desktop and phone width.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { artifact, errorIs, launch, openPage, passes, until } from "./harness.mjs";

const PHONE = { width: 390, height: 844 };
let lab;
before(async () => { lab = await launch(); });
after(() => lab?.close());

const data = (page, sel, key) => page.locator(sel).getAttribute(`data-${key}`);
const frame = async (page) => Number(await data(page, "#flow", "frame"));

test("live samples update while a network trains, and their MMD² falls", async () => {
  const { page, problems, context } = await openPage(lab);
  // an x₀ network: no pretrained one ships, so it starts untrained and its samples start far off
  await until(page, "#training[data-restored]");
  await page.selectOption("#train-param", "x0");
  await until(page, "#training[data-loaded=untrained]");
  await page.fill("#train-steps", "600");
  await page.click("#train-start");
  await until(page, "#training[data-state=finished]", { timeout: 300_000 });
  await until(page, "#training[data-live-step='600']", { timeout: 30_000 });
  const count = Number(await data(page, "#training", "live-count"));
  const first = Number(await data(page, "#training", "live-first-mmd2")), last = Number(await data(page, "#training", "live-mmd2"));
  assert.ok(count >= 3, `live batches during the run: ${count}`);
  assert.ok(last < 0.5 * first, `the live samples' MMD² fell: ${first} → ${last}`);
  const share = Number(await data(page, "#training", "live-share"));
  assert.ok(share > 0 && share < 1, `the share of the run the live samples took is reported: ${share}`);
  assert.match(await page.locator("#train-live-text").textContent(), /MMD²/);
  await page.locator("#train-live-canvas").scrollIntoViewIfNeeded();
  await page.locator("#training").screenshot({ path: artifact("live-samples.png") });
  // off: a run draws none
  await page.uncheck("#train-live-on");
  await page.fill("#train-steps", "50");
  await page.click("#train-start");
  await until(page, "#training[data-state=finished][data-steps='650']", { timeout: 120_000 });
  assert.equal(await data(page, "#training", "live-step"), "600", "no live batch with live samples off");
  assert.deepEqual(problems, []);
  await context.close();
});

test("the flow animation plays, pauses, scrubs with the keyboard, and shows each model's path", async () => {
  const { page, problems, context } = await openPage(lab);
  await page.locator("#flow-canvas").scrollIntoViewIfNeeded();
  await until(page, "#flow[data-path-state=ready][data-path-source=oracle-ddim]", { timeout: 60_000 });
  assert.equal(await data(page, "#flow", "exact"), "true");
  assert.equal(await data(page, "#flow", "playing"), "true", "it plays by itself");
  await page.waitForFunction(() => Number(document.getElementById("flow").dataset.frame) >= 5, null, { timeout: 30_000 });
  // pause with the keyboard: the frame stays
  await page.locator("#flow-play").focus();
  await page.keyboard.press("Enter");
  await until(page, "#flow[data-playing=false]");
  const stopped = await frame(page);
  await page.waitForTimeout(500);
  assert.equal(await frame(page), stopped, "paused: the frame stays");
  // scrub: the slider's keys move through the frames
  await page.locator("#flow-scrub").focus();
  await page.keyboard.press("Home");
  await until(page, "#flow[data-frame='0']");
  assert.equal(Number(await data(page, "#flow", "time")), 1, "frame 0 is pure noise (t/T = 1)");
  await page.keyboard.press("End");
  await until(page, "#flow[data-frame='40']");
  assert.equal(Number(await data(page, "#flow", "time")), 0, "the last frame is the data");
  await page.locator("#flow").screenshot({ path: artifact("flow-oracle-end.png") });
  await page.keyboard.press("Home");
  for (let i = 0; i < 3; i++) await page.keyboard.press("ArrowRight");
  assert.ok((await frame(page)) > 0, "the arrow keys move forward");
  await page.locator("#flow").screenshot({ path: artifact("flow-oracle-early.png") });
  // the straight path of rectified flow, with the oracle's exact velocity
  await page.selectOption("#flow-source", "oracle-flow");
  await until(page, "#flow[data-path-state=ready][data-path-source=oracle-flow][data-path=flow]", { timeout: 60_000 });
  // the reader's network (the pretrained ε network of ring8): its own sampler, a kernel estimate
  await page.selectOption("#flow-source", "network");
  await until(page, "#flow[data-path-state=ready][data-path-source=network]", { timeout: 120_000 });
  assert.equal(await data(page, "#flow", "exact"), "false");
  assert.equal(await data(page, "#flow", "path"), "ddim");
  await page.locator("#flow-play").click(); // (it played by itself; play again from wherever it stands)
  await page.locator("#flow-scrub").focus();
  await page.keyboard.press("End");
  await page.locator("#flow").screenshot({ path: artifact("flow-network.png") });
  assert.deepEqual(problems, []);
  await context.close();
});

test("reduced motion: on a phone in 中文 the animation waits paused at the start until Play", async () => {
  const context = await lab.browser.newContext({ viewport: PHONE, reducedMotion: "reduce" });
  const { page, problems } = await openPage(lab, "?lang=zh", { context });
  await page.locator("#flow-canvas").scrollIntoViewIfNeeded();
  await until(page, "#flow[data-path-state=ready]", { timeout: 60_000 });
  assert.equal(await data(page, "#flow", "reduced-motion"), "true");
  assert.equal(await data(page, "#flow", "playing"), "false");
  await page.waitForTimeout(500);
  assert.equal(await frame(page), 0, "it waits at the start");
  assert.match(await page.locator("#flow-anim-status").textContent(), /[\u4e00-\u9fff]/, "the note is in Chinese");
  assert.equal((await page.locator("#flow-play").textContent()).trim(), "播放");
  await page.locator("#flow").screenshot({ path: artifact("flow-phone-zh.png") });
  await page.locator("#flow-play").focus();
  await page.keyboard.press("Space");
  await until(page, "#flow[data-playing=true]");
  await page.waitForFunction(() => Number(document.getElementById("flow").dataset.frame) > 0, null, { timeout: 30_000 });
  // the phone's layout: the canvas fits the screen
  const box = await page.locator("#flow-canvas").boundingBox();
  assert.ok(box.width <= PHONE.width && box.width > 200, `canvas width ${box.width}`);
  assert.deepEqual(problems, []);
  await context.close();
});

test("flow matching trains beside diffusion from one seed; its samples and its velocity check pass", async () => {
  const { page, problems, context } = await openPage(lab);
  // the velocity/ε/score identities at the reader's point, with the oracle (the stepper)
  await page.locator("#deriv-flow_matching").scrollIntoViewIfNeeded();
  await until(page, "#deriv-flow_matching-status[data-status=pass]", { timeout: 60_000 });
  assert.equal(await data(page, "#deriv-flow_matching-status", "items"), "31 32");
  // bad input is named before any training
  await page.fill("#flow-tau", "1.5");
  await page.click("#flow-train");
  await errorIs(page, "#flow-error", { field: "tau", code: "range" });
  await page.fill("#flow-tau", "0.5");
  await page.fill("#flow-steps", "1200");
  await page.click("#flow-train");
  await passes(page, "#flow-status", { timeout: 400_000 });
  await passes(page, "#flow-velocity-status", { timeout: 30_000 });
  assert.equal(await page.locator("#flow-table tbody tr").count(), 4, "three samplers and the floor");
  assert.equal(await data(page, "#flow-status", "status"), "pass");
  await page.locator("#flow-table").scrollIntoViewIfNeeded();
  await page.locator("#flow").screenshot({ path: artifact("flow-matching.png") });
  // the flow network's own path, animated
  await page.selectOption("#flow-source", "flow-net");
  await until(page, "#flow[data-path-state=ready][data-path-source=flow-net][data-path=flow]", { timeout: 120_000 });
  assert.equal(await data(page, "#flow", "exact"), "false");
  assert.deepEqual(problems, []);
  await context.close();
});
