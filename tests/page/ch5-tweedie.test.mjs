// Chapter 5: Tweedie's formula checked exactly on the 8 Gaussians, the three ways to say one
// thing (x₀, ε, score), and 5b: Tweedie in one dimension for every prior.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { artifact, errorIs, launch, noError, openPage, passes, setField, until } from "./harness.mjs";

let lab, page, problems;
before(async () => {
  lab = await launch();
  ({ page, problems } = await openPage(lab));
});
after(() => lab?.close());

test("Tweedie's check passes, and follows the reader's t and point", async () => {
  const status = page.locator("#tweedie-status");
  assert.equal(await status.getAttribute("data-pass"), "true", await status.textContent());
  const before = await page.locator("#tweedie-table").textContent();
  await page.locator("#tweedie-t").focus();
  for (let i = 0; i < 10; i++) await page.keyboard.press("ArrowRight");
  assert.equal(await page.locator("#tweedie-t-value").textContent(), "210");
  await until(page, "#tweedie[data-t='210']");
  await page.locator("#tweedie-canvas").click({ position: { x: 60, y: 80 } });
  const after = await page.locator("#tweedie-table").textContent();
  assert.notEqual(after, before);
  assert.equal(await status.getAttribute("data-pass"), "true", await status.textContent());
  // x₀, ε and score: one μ_θ and one loss, at this t and at t = 1 and t = 999
  await passes(page, "#three-status");
  // the loss in all 4 weightings: (1.100), (1.119), (1.140) and the SNR form (1.104)
  assert.equal(await page.locator("#three-status").getAttribute("data-weightings"), "4");
  for (const t of ["1", "999"]) {
    await page.locator("#tweedie-t").fill(t);
    await until(page, `#tweedie[data-t='${t}']`);
    await passes(page, "#three-status");
  }
  assert.equal(await page.locator("#three-status").getAttribute("data-weightings"), "4"); // t = 999
  await page.locator("#tweedie-t").fill("210");
  // no first coordinate: the page's form reading refuses it
  await page.fill("#tweedie-x", "");
  await errorIs(page, "#tweedie-error", { field: "x", code: "wrong_type" });
  await page.fill("#tweedie-x", "0.5");
  await noError(page, "#tweedie-error");
  await page.locator("#tweedie").screenshot({ path: artifact("tweedie.png") });
  assert.deepEqual(problems, []);
});

test("chapter 5b: 1-D Tweedie for every prior, and a bad σ is refused inline", async () => {
  for (const prior of ["mixture", "gaussian", "uniform", "laplace"]) {
    await page.selectOption("#t1-prior", prior);
    await passes(page, "#t1-status");
  }
  await setField(page, "#t1-sigma", "-0.5");
  await errorIs(page, "#t1-error", { field: "sigma", code: "not_positive" });
  await setField(page, "#t1-sigma", "0.5");
  await page.selectOption("#t1-prior", "mixture");
  await passes(page, "#t1-status");
  await noError(page, "#t1-error");
  await page.locator("#tweedie-1d").screenshot({ path: artifact("tweedie-1d.png") });
  assert.deepEqual(problems, []);
});
