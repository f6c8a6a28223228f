// Chapter 1: latent variables and the ELBO of a linear-Gaussian VAE.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { artifact, errorIs, launch, noError, openPage, passes, setField } from "./harness.mjs";

let lab, page;
before(async () => {
  lab = await launch();
  ({ page } = await openPage(lab));
});
after(() => lab?.close());

test("chapter 1: the VAE identities pass, follow the encoder, and reject bad input inline", async () => {
  await passes(page, "#vae-status");
  // the gap KL(q ‖ p(z|x)): the fifth row's exact value
  const gap = async () => Number((await page.locator("#vae-table tbody tr:nth-child(5) td:nth-of-type(1)").textContent()));
  const before = await gap();
  await page.click("#vae-best");
  await passes(page, "#vae-status");
  const after = await gap();
  assert.ok(after < before && after > 0, `the best diagonal q narrows the gap but cannot close it: ${before} → ${after}`);
  // σ₁ = −1: the engine refuses the encoder's std
  await setField(page, "#vae-s1", "-1");
  await errorIs(page, "#vae-error", { field: "encoder.std[0]", code: "not_positive" });
  // no number: the page's form reading refuses it, naming the field
  await setField(page, "#vae-s1", "");
  await errorIs(page, "#vae-error", { field: "std", code: "wrong_type", mentions: "σ₁" });
  await setField(page, "#vae-s1", "0.6");
  await noError(page, "#vae-error");
  await passes(page, "#vae-status");
  await page.locator("#vae").screenshot({ path: artifact("vae.png") });
});
