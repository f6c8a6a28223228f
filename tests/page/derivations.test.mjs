// The derivation steppers (issue 13) and the count of the seeds' items with a passing live check:
// every stepper's steps hold at the default point; changing the point changes every line's number
// and every step still holds; ← / → step through; the page's live checks, counted by the items of
// ../shared/SEED-ITEMS.md they carry (data-items, data-status), cover at least 45 of the 49.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { artifact, launch, openPage, until } from "./harness.mjs";

let lab, page, problems;
before(async () => {
  lab = await launch();
  // the CPU backend: the held-out estimate, the NCSN and the chain's network need the network's heavy work
  ({ page, problems } = await openPage(lab, "?train-backend=cpu"));
});
after(() => lab?.close());

const steppers = () => page.evaluate(() => [...document.querySelectorAll(".stepper[data-derivation]")].map((r) => r.dataset.derivation));
const settled = (name) => until(page, `#deriv-${name}-status:is([data-status=pass], [data-status=fail])`, { timeout: 120_000 });
const values = (name) => page.evaluate((n) => [...document.querySelectorAll(`#deriv-${n} .deriv-value`)].map((v) => v.dataset.value), name);
const failing = (name) => page.evaluate((n) => [...document.querySelectorAll(`#deriv-${n} .deriv-step[data-holds=false]`)].map((s) => s.dataset.step + ": " + s.textContent), name);

test("every derivation stepper: each step holds at the default point, and at a moved one every line's number changes", async () => {
  const names = await steppers();
  assert.ok(names.length >= 11, names.join(" "));
  for (const name of names) {
    await settled(name);
    assert.equal(await page.locator(`#deriv-${name}-status`).getAttribute("data-status"), "pass", `${name}: ${await failing(name)}`);
    const before = await values(name);
    assert.ok(before.length >= 4, `${name}: ${before.length} lines`);
    // move the point: x₀ and t where the derivation has them, else σ, θ and the seed
    const fields = await page.locator(`#deriv-${name}`).getAttribute("data-fields");
    const bump = async (sel, f) => { const el = page.locator(sel).first(); if (await el.count()) await el.fill(String(f(Number(await el.inputValue())))); };
    await bump(`#deriv-${name}-x00`, (v) => v + 0.3);
    await bump(`#deriv-${name}-x`, (v) => v + 0.3);
    await bump(`#deriv-${name}-t`, (v) => v + 7);
    if (!/x0|\bt\b/.test(fields)) {
      await bump(`#deriv-${name}-sigma`, (v) => v * 1.2);
      await bump(`#deriv-${name}-theta0`, (v) => v + 0.2);
      await bump(`#deriv-${name}-seed`, (v) => v + 1);
    }
    await page.waitForFunction(([n, b]) => {
      const now = [...document.querySelectorAll(`#deriv-${n} .deriv-value`)].map((v) => v.dataset.value);
      return now.some((v, i) => v !== b[i]) && document.querySelector(`#deriv-${n}-status`).dataset.status !== "pending";
    }, [name, before], { timeout: 60_000 });
    const after = await values(name);
    const same = after.map((v, i) => (v === before[i] ? i : -1)).filter((i) => i >= 0);
    // lines that hold at every point (probabilities summing to 1, the norm of a unit pair, a constant
    // the step says is independent of what moved) may stay; every other line moves
    const keys = await page.evaluate((n) => [...document.querySelectorAll(`#deriv-${n} .deriv-line`)].map((l) => l.dataset.line), name);
    const invariant = new Set(["one", "total", "half_dim", "norm", "dot_t", "dot_shifted", "cos_sum"]);
    const stuck = same.map((i) => keys[i]).filter((k) => !invariant.has(k));
    assert.ok(stuck.length <= Math.floor(keys.length / 4), `${name}: lines that did not move: ${stuck.join(", ")}`);
    assert.equal(await page.locator(`#deriv-${name}-status`).getAttribute("data-status"), "pass", `${name} at the moved point: ${await failing(name)}`);
  }
});

test("the stepper reveals one line at a time, by buttons and by ← / →", async () => {
  const root = page.locator("#deriv-posterior");
  await root.scrollIntoViewIfNeeded();
  const shown = async () => Number(await root.getAttribute("data-shown"));
  await root.locator(".deriv-next").focus();
  while ((await shown()) > 0) await page.keyboard.press("ArrowLeft"); // back to the first line
  const s0 = await shown();
  assert.equal(await root.locator(".deriv-prev").isDisabled(), true);
  await root.locator(".deriv-next").click();
  assert.equal(await shown(), s0 + 1);
  await page.keyboard.press("ArrowRight");
  assert.equal(await shown(), s0 + 2);
  await page.keyboard.press("ArrowLeft");
  assert.equal(await shown(), s0 + 1);
  // a hidden line is not shown; the current one is marked
  assert.equal(await root.locator(".deriv-line.current").count(), 1);
  assert.equal(await root.locator(".deriv-line:not([hidden])").count(), s0 + 2);
  // in a field, the arrows are the field's
  await root.locator("#deriv-posterior-t").focus();
  await page.keyboard.press("ArrowRight");
  assert.equal(await shown(), s0 + 1);
  // DDPM's weight over t is charted (both σ² choices), and the denoising terms by τ
  for (const name of ["ddpm_variance", "denoising"]) assert.ok(Number(await page.locator(`#chart-deriv-${name}`).getAttribute("data-points")) >= 50, name);
  await root.locator(".deriv-all").click();
  await root.screenshot({ path: artifact("derivation-posterior.png") });
  await page.locator("#deriv-parameterizations").screenshot({ path: artifact("derivation-parameterizations.png") });
});

test("the seeds' items: at least 45 of the 49 have a passing live check on the page", async () => {
  // the checks that need the reader's action: the NCSN, and the chain's samples at x₀ (exact oracle, DDPM)
  await page.locator("#ncsn-train").click();
  await page.selectOption("#chain-model", "oracle");
  const sampler = await page.locator("#chain-sampler option").evaluateAll((os) => os.map((o) => o.value).find((v) => v.startsWith("ddpm")));
  await page.selectOption("#chain-sampler", sampler);
  await page.waitForTimeout(1000); // the new chain (a model or sampler change) answers first
  await page.locator("#chain-end").click();
  await until(page, "#chain-floor:is([data-status=pass], [data-status=fail])", { timeout: 240_000 });
  await until(page, "#ncsn-status:is([data-status=pass], [data-status=fail])", { timeout: 240_000 });
  // every other check with items settles by itself (those marked data-on-demand wait for a button: ch9-sde.test.mjs runs them)
  await page.waitForFunction(() => [...document.querySelectorAll("[data-items]:not([data-on-demand])")].every((e) => e.dataset.status === "pass" || e.dataset.status === "fail"), null, { timeout: 240_000 })
    .catch(async () => assert.fail("still pending: " + (await page.evaluate(() => [...document.querySelectorAll("[data-items]:not([data-on-demand])")].filter((e) => !["pass", "fail"].includes(e.dataset.status)).map((e) => e.id).join(" ")))));
  const r = await page.evaluate(() => {
    const pass = new Set(), fail = [];
    for (const e of document.querySelectorAll("[data-items]:not([data-on-demand])")) {
      if (e.dataset.status === "pass") for (const i of e.dataset.items.split(" ")) pass.add(Number(i));
      else fail.push(`${e.id}: ${e.textContent.slice(0, 160)}`);
    }
    return { pass: [...pass].sort((a, b) => a - b), fail };
  });
  const missing = Array.from({ length: 49 }, (_, i) => i + 1).filter((i) => !r.pass.includes(i));
  console.log(`BENCH page.seed_items_checked ${r.pass.length} items`);
  console.log(`items without a passing live check: ${missing.join(" ") || "none"}`);
  assert.deepEqual(r.fail, [], "every live check passes");
  assert.ok(r.pass.length >= 45, `${r.pass.length} of 49 items: missing ${missing.join(" ")}`);
  assert.deepEqual(problems, []);
});
