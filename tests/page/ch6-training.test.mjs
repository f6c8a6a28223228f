// Chapter 6: training a denoiser in the worker, and what depends on that run, in order: chapter 3
// for the trained network, a reload keeping the model, export and import of the weights, a link
// for other settings offering the saved model back, and the WebGPU device-loss fallback.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { artifact, errorIs, launch, noError, openPage, passes, ready, setField, tableRows, until } from "./harness.mjs";

let lab, context, page, problems;
before(async () => {
  lab = await launch();
  ({ context, page, problems } = await openPage(lab));
});
after(() => lab?.close());

const training = () => page.locator("#training");

test("the pretrained model is loaded on first visit", async () => {
  await until(page, "#training[data-restored=pretrained]");
  await until(page, "#training[data-heldout]");
  // the pretrained ring8 checkpoint: its data set and parameterization, as the engine's header says
  await until(page, "#training[data-loaded=pretrained][data-dataset=ring8]");
  assert.equal(await training().getAttribute("data-parameterization"), "eps");
});

test("a short training run in the worker updates the loss chart and the held-out ELBO", async () => {
  await page.selectOption("#train-dataset", "ring8");
  await page.selectOption("#train-backend", "cpu");
  await page.fill("#train-batch", "64");
  await page.fill("#train-steps", "80");
  await page.fill("#train-lr", "");
  await page.click("#train-start");
  // no learning rate: the page's form reading refuses it, naming the field as its label does
  await errorIs(page, "#train-error", { field: "learningRate", code: "wrong_type", mentions: { label: "#train-lr" } });
  await page.fill("#train-lr", "0.002");
  // measure (not assert) the main thread's long tasks (> 50 ms) while the worker trains
  await page.evaluate(() => {
    window.__longTasks = [];
    new PerformanceObserver((l) => { for (const e of l.getEntries()) window.__longTasks.push(e.duration); }).observe({ type: "longtask" });
  });
  await page.click("#train-start");
  await until(page, "#training[data-state=finished]", { timeout: 180_000 });
  const long = await page.evaluate(() => window.__longTasks);
  console.log(`main-thread tasks over 50 ms while training: ${long.length}${long.length ? `, longest ${Math.max(...long).toFixed(0)} ms` : ""}`);
  assert.equal(await training().getAttribute("data-steps"), "80");
  // the loss chart holds one point per step, and its numbers open as a table
  assert.equal(await page.locator("#chart-loss").getAttribute("data-points"), "80");
  await page.locator("#chart-loss + details.chart-table summary").click();
  await tableRows(page, "#chart-loss + details.chart-table tbody tr", 80);
  const firstLoss = Number(await page.locator("#chart-loss + details.chart-table tbody tr:first-child td").textContent());
  assert.ok(firstLoss > 0, `the first loss in the table: ${firstLoss}`);
  const heldout = Number(await training().getAttribute("data-heldout"));
  assert.ok(Number.isFinite(heldout), `held-out −ELBO ${heldout}`);
  // for the 8 Gaussians the held-out line sets the −ELBO against the data's entropy: the gap
  const entropy = Number(await training().getAttribute("data-entropy"));
  const gap = Number(await training().getAttribute("data-gap"));
  assert.ok(Number.isFinite(entropy) && Number.isFinite(gap), `data entropy ${entropy}, gap ${gap}`);
  assert.ok((await page.locator("#train-heldout").textContent()).trim().length > 0, "the held-out line is shown");
  assert.equal(await page.locator("#train-error").textContent(), "");
  await noError(page, "#train-error");
  await training().screenshot({ path: artifact("training.png") });
  await page.screenshot({ path: artifact("page-full.png"), fullPage: true });
  assert.deepEqual(problems, []);
});

test("chapter 3 for your model: the ELBO breakdown follows training, and both forms agree for the network", async () => {
  // after the training run above, the breakdown shows step 80's held-out estimate, and adds up
  await until(page, "#elbo-breakdown[data-step='80']");
  await until(page, "#breakdown-status[data-step='80']"); // a note, not a verdict: the engine's −ELBO is the sum of these terms
  assert.equal(await page.locator("#chart-breakdown").getAttribute("data-points"), "20");
  await page.locator("#elbo-breakdown").screenshot({ path: artifact("elbo-breakdown.png") });
  await page.selectOption("#forms-model", "network");
  await setField(page, "#forms-samples", "64");
  await until(page, "#forms-status[data-pass]", { timeout: 120_000 });
  await passes(page, "#forms-status");
  await page.selectOption("#forms-model", "oracle");
  await setField(page, "#forms-samples", "128");
  await passes(page, "#forms-status");
});

test("a reload keeps the trained model", async () => {
  // the finished run (nothing left to resume) is what storage holds
  await page.waitForFunction(() => JSON.parse(localStorage.getItem("diffusion-lab.training") || "{}").remaining === 0, null, { timeout: 30_000 });
  await page.reload();
  await ready(page);
  await until(page, "#training[data-restored=saved]");
  // your model: ring8, 80 steps
  await until(page, "#training[data-loaded=saved][data-dataset=ring8]");
  assert.equal(await training().getAttribute("data-steps"), "80");
  assert.equal(await page.locator("#train-batch").inputValue(), "64");
  assert.deepEqual(problems, []);
});

test("export the weights, import them back, and a file that is not a checkpoint is refused with a message", async () => {
  await until(page, "#training[data-restored=saved]");
  const [download] = await Promise.all([page.waitForEvent("download"), page.click("#train-export")]);
  assert.match(download.suggestedFilename(), /^diffusion-lab-ring8-eps\.dlckpt$/);
  const file = artifact("exported.dlckpt");
  await download.saveAs(file);
  await page.setInputFiles("#train-import", file);
  // the weights loaded back: ring8, predicts eps, 80 steps
  await until(page, "#training[data-loaded=imported][data-dataset=ring8][data-parameterization=eps]");
  assert.equal(await training().getAttribute("data-steps"), "80");
  await noError(page, "#train-error");
  await page.setInputFiles("#train-import", { name: "notes.dlckpt", mimeType: "application/octet-stream", buffer: Buffer.from("not a checkpoint at all") });
  await page.waitForFunction(() => document.getElementById("train-error").textContent.length > 0, null, { timeout: 60_000 });
  const message = await page.locator("#train-error").textContent();
  // the message names the format's magic (code, the same in both languages)
  await errorIs(page, "#train-error", { code: "not_checkpoint", mentions: "DLCKPT" });
  // the model is still the one loaded before
  assert.equal(await training().getAttribute("data-steps"), "80");
  assert.equal(await training().getAttribute("data-loaded"), "imported");
  assert.deepEqual(problems, []);
});

test("a link for other training settings loads their pretrained model and offers the saved one back", async () => {
  // a second page in the same browser context: the same storage, so the same saved ring8 session
  const p2 = await context.newPage();
  const errors = [];
  p2.on("pageerror", (e) => errors.push(e.message));
  try {
    await p2.goto(lab.url + "?train-dataset=moons&train-lr=0.002&chain-particles=500&forms-seed=3#chain");
    await ready(p2);
    // the link's model settings differ from the saved ring8 session: moons' pretrained model, the saved one offered back
    await until(p2, "#training[data-restored=pretrained]");
    await until(p2, "#training[data-loaded=pretrained][data-dataset=moons]");
    const note = p2.locator("#train-saved-note");
    assert.equal(await note.isVisible(), true, "the saved model is offered");
    assert.equal(await note.getAttribute("data-saved-dataset"), "ring8");
    assert.equal(await note.getAttribute("data-saved-steps"), "80");
    assert.ok((await note.textContent()).trim().length > 0);
    // its link opens the saved model's settings
    const href = new URL(await note.locator("a").getAttribute("href"));
    assert.equal(href.searchParams.get("train-dataset"), "ring8");
    assert.equal(href.searchParams.get("train-batch"), "64");
    assert.deepEqual(errors, []);
  } finally {
    await p2.close();
  }
});

test("training on WebGPU in the worker; a lost GPU device falls back to the CPU with the weights kept", async () => {
  await until(page, "#training[data-restored=saved]");
  const before = Number(await training().getAttribute("data-steps"));
  await page.selectOption("#train-backend", "webgpu");
  await page.fill("#train-steps", "30");
  await page.click("#train-start");
  // SwiftShader is slow: wait for a few WebGPU steps (and the worker's first snapshots)
  await page.waitForFunction((n) => Number(document.getElementById("training").dataset.steps) >= n, before + 3, { timeout: 240_000 });
  assert.equal(await training().getAttribute("data-backend"), "webgpu");
  assert.equal(await training().getAttribute("data-state"), "training");
  // a real device loss: destroy the WebGPU device the worker's engine runs on
  const worker = page.workers().find((w) => w.url().includes("train-worker"));
  assert.ok(worker, "the training worker is running");
  const destroyed = await worker.evaluate(() => { self.gpuDevices.forEach((d) => d.destroy()); return self.gpuDevices.length; });
  assert.ok(destroyed >= 1, "the worker opened a WebGPU device");
  await until(page, "#training[data-fallback]", { timeout: 120_000 });
  const kept = Number(await training().getAttribute("data-fallback"));
  assert.ok(kept >= before, `training went on from the weights of step ${kept} (it started at ${before})`);
  assert.equal(await training().getAttribute("data-backend"), "cpu");
  // the page says so: a message that names the step the CPU goes on from
  const message = await page.locator("#train-error").textContent();
  assert.ok(message.trim().length > 0 && message.includes(String(kept)), `the fallback message names step ${kept}: "${message}"`);
  await until(page, "#training[data-state=finished]", { timeout: 180_000 });
  assert.equal(Number(await training().getAttribute("data-steps")), before + 30);
  assert.ok(Number.isFinite(Number(await training().getAttribute("data-heldout"))));
  await training().screenshot({ path: artifact("training-fallback.png") });
  assert.deepEqual(problems.filter((p) => !/WebGPU|device|GPU/i.test(p)), []);
});
