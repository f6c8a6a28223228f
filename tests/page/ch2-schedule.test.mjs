// Chapter 2: the forward process and its noise schedule; 2b: a data set noised two ways.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { artifact, errorIs, launch, noError, openPage, passes, setField, tableRows, until } from "./harness.mjs";

let lab, page;
before(async () => {
  lab = await launch();
  ({ page } = await openPage(lab));
});
after(() => lab?.close());

test("the schedule section shows the engine's numbers and rejects bad input inline", async () => {
  // ᾱ_500 of DDPM's linear schedule, read from the table the page rendered
  const abar = Number(await page.locator("#schedule").getAttribute("data-alpha-bar-t"));
  assert.ok(Math.abs(abar - 0.0785872428817782) < 1e-12, `ᾱ_500 = ${abar}`);
  const rows = await page.locator("#schedule-table tbody tr").count();
  assert.ok(rows >= 9);
  await page.selectOption("#schedule-kind", "cosine");
  const cos = Number(await page.locator("#schedule").getAttribute("data-alpha-bar-t"));
  assert.ok(cos > abar, "cosine keeps more signal at t = 500");
  // T = 1: the engine refuses it
  await page.fill("#schedule-T", "1");
  await errorIs(page, "#schedule-error", { field: "T", code: "integer_range" });
  // no number at all: the page's own form reading refuses it
  await page.fill("#schedule-T", "");
  await errorIs(page, "#schedule-error", { field: "T", code: "wrong_type" });
  await page.fill("#schedule-T", "1000");
  assert.equal(await page.locator("#schedule-error").textContent(), "");
  await noError(page, "#schedule-error");
  // hovering a chart shows the exact values at the cursor: they are the engine's ᾱ_t and √ᾱ_t at that t
  const plot = page.locator("#chart-alphabar .u-over");
  await plot.scrollIntoViewIfNeeded();
  const box = await plot.boundingBox();
  await page.mouse.move(box.x + box.width * 0.3, box.y + box.height / 2);
  await page.waitForFunction(() => document.querySelector("#chart-alphabar .u-legend .u-value").textContent !== "—", null, { timeout: 10_000 });
  const legend = await page.locator("#chart-alphabar .u-legend .u-value").allTextContents();
  const hoverT = Number(legend[0]);
  assert.ok(Number.isInteger(hoverT) && hoverT > 1 && hoverT < 1000, `hovered t = ${legend[0]}`);
  const exact = await page.evaluate((t) => new window.wasmBindings.Schedule({ kind: document.getElementById("schedule-kind").value, T: 1000 }).alphasCumprod()[t - 1], hoverT);
  assert.ok(Math.abs(Number(legend[1]) - exact) <= 1e-4 * Math.abs(exact), `legend ᾱ_${hoverT} = ${legend[1]}, engine ${exact}`);
  await page.locator("#chart-alphabar + details.chart-table summary").click();
  await tableRows(page, "#chart-alphabar + details.chart-table tbody tr", 334); // every 3rd of 1000 t
  await page.locator("#schedule").screenshot({ path: artifact("schedule.png") });
});

test("chapter 2b: a data set noised live, closed form and iterated chain agree at every t the reader drags to", async () => {
  await passes(page, "#noise-status");
  await page.locator("#noise-t").fill("900");
  await until(page, "#noising[data-t='900']");
  await passes(page, "#noise-status");
  await page.selectOption("#noise-dataset", "checkerboard");
  await passes(page, "#noise-status");
  assert.equal(await page.locator("#noise-table tbody tr").count(), 4);
  assert.equal(await page.locator("#chart-noise").getAttribute("data-points"), "900");
  // one point: the engine refuses it (moments need at least two)
  await setField(page, "#noise-n", "1");
  await errorIs(page, "#noise-error", { field: "n", code: "integer_range" });
  await setField(page, "#noise-n", "1000");
  await passes(page, "#noise-status");
  await noError(page, "#noise-error");
  await page.locator("#noise-t").fill("100");
  await passes(page, "#noise-status");
  await page.locator("#noising").screenshot({ path: artifact("noising.png") });
});
