// Chapters 3 and 4: the ELBO in two forms (consistency and denoising matching), and KL → MSE.
// (Chapter 3 for a trained network is in ch6-training.test.mjs: it needs the training run.)
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { artifact, errorIs, launch, noError, openPage, passes, setField } from "./harness.mjs";

let lab, page;
before(async () => {
  lab = await launch();
  ({ page } = await openPage(lab));
});
after(() => lab?.close());

test("chapters 3 and 4: both ELBO forms agree, and the KL is the weighted squared error", async () => {
  await passes(page, "#forms-status");
  const first = await page.locator("#forms-table").textContent();
  await page.selectOption("#forms-model", "standard_normal");
  await passes(page, "#forms-status");
  assert.notEqual(await page.locator("#forms-table").textContent(), first);
  // no trajectories: the engine refuses it
  await setField(page, "#forms-samples", "0");
  await errorIs(page, "#forms-error", { field: "samples", code: "integer_range" });
  await setField(page, "#forms-samples", "128");
  await page.selectOption("#forms-model", "oracle");
  await passes(page, "#forms-status");
  await noError(page, "#forms-error");
  await page.locator("#elbo-forms").screenshot({ path: artifact("elbo-forms.png") });
  // chapter 4: KL(q ‖ p_θ) term by term, and as the weighted x₀ error
  await passes(page, "#kl-status");
  await page.fill("#kl-t", "700");
  await passes(page, "#kl-status");
  // t = 1 is the decoder term: the page refuses it for the KL
  await page.fill("#kl-t", "1");
  await errorIs(page, "#kl-error", { field: "t", code: "integer_range" });
  await page.fill("#kl-t", "100");
  await noError(page, "#kl-error");
  await passes(page, "#kl-status");
  await page.locator("#kl-mse").screenshot({ path: artifact("kl-mse.png") });
});
