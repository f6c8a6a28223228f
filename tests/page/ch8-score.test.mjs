// Chapter 8: score matching and the energy view; 8b: plain against annealed Langevin.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { artifact, errorIs, launch, noError, openPage, passes, setField, until } from "./harness.mjs";

let lab, page, problems;
before(async () => {
  lab = await launch();
  ({ page, problems } = await openPage(lab));
});
after(() => lab?.close());

test("chapter 8: score matching and the energy view, computed off the main thread", async () => {
  await passes(page, "#sm-status");
  // the heavy companions run in the compute worker: measure (not assert) the main thread's long
  // tasks while score matching (20,000 draws × 13 θ) and the ELBO forms recompute
  await page.evaluate(() => {
    window.__computeLongTasks = [];
    new PerformanceObserver((l) => { for (const e of l.getEntries()) window.__computeLongTasks.push(e.duration); }).observe({ type: "longtask" });
  });
  await setField(page, "#sm-sigma", "1");
  await setField(page, "#forms-seed", "1");
  await passes(page, "#sm-status");
  await passes(page, "#forms-status");
  const long = await page.evaluate(() => window.__computeLongTasks);
  console.log(`main-thread tasks over 50 ms while the companions recompute: ${long.length}${long.length ? `, longest ${Math.max(...long).toFixed(0)} ms` : ""}`);
  await noError(page, "#sm-error");
  await page.locator("#score-matching").screenshot({ path: artifact("score-matching.png") });
  assert.deepEqual(problems, []);
});

test("chapter 8b: with the exact score, annealed Langevin recovers the unbalanced weights; plain Langevin does not", async () => {
  await until(page, "#lg-status[data-pass]", { timeout: 120_000 });
  await passes(page, "#lg-status");
  const plainError = Number(await page.locator("#langevin").getAttribute("data-plain-error"));
  const annealedError = Number(await page.locator("#langevin").getAttribute("data-annealed-error"));
  assert.ok(plainError > 4 * annealedError, `plain Langevin's error ${plainError}, annealed ${annealedError}`);
  // a weight outside (0, 1): the compute worker refuses it
  await setField(page, "#lg-light", "1.5");
  await errorIs(page, "#lg-error", { field: "light", code: "range" });
  await setField(page, "#lg-light", "0.2");
  await passes(page, "#lg-status");
  await noError(page, "#lg-error");
  await page.locator("#langevin").screenshot({ path: artifact("langevin.png") });
  assert.deepEqual(problems, []);
});
