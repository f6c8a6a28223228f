// Chapter 9: the SDE view. With the exact oracle (settling by themselves): DDPM = the VP SDE
// discretised, NCSN's ladder = the VE SDE's, the PF-ODE likelihood = the mixture's density, sample
// quality against network evaluations. With the pretrained network (on the reader's request): its
// exact likelihood beside its ELBO, its quality curves, the race of the three parameterizations,
// and chapter 6's per-t score error while training. In English and 中文, at desktop and phone width.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { artifact, errorIs, launch, noError, openPage, passes, setField, until } from "./harness.mjs";

let lab, page, problems;
before(async () => {
  lab = await launch();
  ({ page, problems } = await openPage(lab, "?train-backend=cpu"));
});
after(() => lab?.close());

test("chapter 9 with the oracle: VP = DDPM, VE = NCSN, the ODE's likelihood and quality against steps", async () => {
  for (const id of ["#sde-vp-status", "#sde-step-status", "#sde-ve-status"]) await passes(page, id);
  await passes(page, "#sde-ll-oracle", { timeout: 120_000 });
  await passes(page, "#sde-q-status", { timeout: 180_000 });
  const rows = await page.locator("#sde-q-table tbody tr").count();
  assert.ok(rows >= 6, `${rows} rows in the quality table`);
  // the ODE's likelihood follows its settings: fewer steps, a larger solver error, still within it
  const gap100 = Number(await page.locator("#sde").getAttribute("data-oracle-gap"));
  await setField(page, "#sde-ll-steps", "20");
  await passes(page, "#sde-ll-oracle", { timeout: 120_000 });
  // a bad setting names its field
  await setField(page, "#sde-ll-steps", "1");
  await errorIs(page, "#sde-ll-error", { field: "steps", code: ["integer_range", "range"] });
  await setField(page, "#sde-ll-steps", "100");
  await passes(page, "#sde-ll-oracle", { timeout: 120_000 });
  await noError(page, "#sde-ll-error");
  assert.ok(Number.isFinite(gap100));
  await page.locator("#sde").screenshot({ path: artifact("sde-oracle.png") });
  assert.deepEqual(problems, []);
});

test("chapter 9 with the pretrained network: its exact likelihood beside its ELBO, and its quality curves", async () => {
  await until(page, "#training[data-restored]", { timeout: 180_000 });
  await page.click("#sde-ll-network");
  await passes(page, "#sde-ll-status", { timeout: 300_000 });
  await page.fill("#sde-q-particles", "300");
  await page.click("#sde-q-network");
  await until(page, "#sde-q-caption:text-matches('your network')", { timeout: 400_000 });
  await noError(page, "#sde-q-error");
  assert.deepEqual(problems, []);
});

test("the race: x₀, ε and score networks from one seed converge to the oracle's μ", async () => {
  await page.fill("#race-steps", "600");
  await page.click("#race-start");
  await passes(page, "#race-status", { timeout: 400_000 });
  await page.locator("#race-form").screenshot({ path: artifact("race.png") }).catch(() => {});
  assert.deepEqual(problems, []);
});

test("chapter 6: the score's error by t is drawn and redrawn while training", async () => {
  await until(page, "#chart-score-t[data-steps]", { timeout: 120_000 });
  const before = Number(await page.locator("#chart-score-t").getAttribute("data-steps"));
  await page.selectOption("#train-dataset", "ring8");
  await page.fill("#train-steps", "300");
  await page.click("#train-start");
  await page.waitForFunction((b) => Number(document.querySelector("#chart-score-t").dataset.steps) > b, before, { timeout: 240_000 });
  assert.deepEqual(problems, []);
});
