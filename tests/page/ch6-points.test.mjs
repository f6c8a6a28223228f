// Chapter 6's "points you draw": a data set drawn by mouse and keyboard, kept, trained on, sampled.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { artifact, errorIs, launch, noError, openPage, ready, until } from "./harness.mjs";

let lab, page, errors;
before(async () => {
  lab = await launch();
  // page errors only (not console errors): as this test always has
  ({ page, problems: errors } = await openPage(lab, "?train-dataset=points&train-backend=cpu&train-steps=40&train-batch=64#training", { console: false }));
});
after(() => lab?.close());

test("points the reader draws become a data set: drawn by mouse and keyboard, kept, trained on, sampled", async () => {
  assert.equal(await page.locator("#draw-panel").isVisible(), true);
  await page.click("#draw-clear");
  assert.equal(await page.locator("#draw-panel").getAttribute("data-points"), "0");
  // no points: training refuses with a sentence that says to draw some first, about the points
  await page.click("#train-start");
  await errorIs(page, "#train-error", { field: "points", code: "draw_first" });
  // a stroke with the mouse, and points by keyboard
  const box = await page.locator("#draw-canvas").boundingBox();
  await page.mouse.move(box.x + box.width * 0.25, box.y + box.height * 0.3);
  await page.mouse.down();
  for (let i = 0; i <= 30; i++) await page.mouse.move(box.x + box.width * (0.25 + i / 60), box.y + box.height * (0.3 + i / 80));
  await page.mouse.up();
  await page.locator("#draw-canvas").focus();
  for (const key of ["ArrowLeft", "ArrowLeft", " ", "ArrowDown", " ", " "]) await page.keyboard.press(key);
  const n = Number(await page.locator("#draw-panel").getAttribute("data-points"));
  assert.ok(n >= 60, `${n} points drawn`);
  await page.locator("#draw-panel").screenshot({ path: artifact("draw-points.png") });
  await page.click("#train-start");
  await until(page, "#training[data-state=finished]", { timeout: 180_000 });
  assert.equal(await page.locator("#training").getAttribute("data-steps"), "40");
  assert.equal(await page.locator("#train-error").textContent(), "");
  await noError(page, "#train-error");
  // the chain samples from the network trained on them, scored against the drawn points
  await page.click("#chain-new");
  await until(page, "#chain[data-t='1000']");
  await page.click("#chain-end");
  await until(page, "#chain[data-mmd]", { timeout: 240_000 });
  // a reload keeps the drawing
  await page.reload();
  await ready(page);
  assert.equal(Number(await page.locator("#draw-panel").getAttribute("data-points")), n);
  assert.deepEqual(errors, []);
});
