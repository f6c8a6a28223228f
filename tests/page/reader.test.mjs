// The reader's experience (issue 18): every defect a new reader met, reproduced and now passing —
// the phone layout, first-visit pictures, the refined held-out estimate, queued key presses, far
// moves with progress and stop, Pause → other data → Train, a paused run kept across a reload, the
// backend remembered, messages in the reader's terms, skip links and keyboard-operable pictures,
// the notes named, and pictures for chapters 1 and 4.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { artifact, errorIs, launch, openPage, passes, ready, until } from "./harness.mjs";

// README's measurement of the exact oracle's gap −ELBO − H with σ² = β (4096 held-out points,
// every t; native): the page's refined estimate on its own 2048 points must agree within 0.05
const README_ORACLE_GAP = -0.003;
const PHONE = { width: 390, height: 844 };

let lab;
before(async () => { lab = await launch(); });
after(() => lab?.close());

/** Elements whose box leaves the viewport sideways without a scrolling (or clipping) ancestor. */
const overflowing = (page) => page.evaluate(() => {
  const W = document.documentElement.clientWidth;
  const contained = (el) => { for (let p = el.parentElement; p; p = p.parentElement) if (["auto", "scroll", "hidden"].includes(getComputedStyle(p).overflowX)) return true; return false; };
  const bad = [];
  for (const el of document.querySelectorAll("body *")) {
    const b = el.getBoundingClientRect();
    if (b.width === 0 || b.height === 0) continue;
    if ((b.right > W + 0.5 || b.left < -0.5) && !contained(el)) bad.push(`${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""} ${Math.round(b.left)}..${Math.round(b.right)} (in ${el.closest("section")?.id ?? "header"})`);
  }
  return { width: W, scrollWidth: document.documentElement.scrollWidth, bad };
});

test("phone: nothing is wider than a 390 px screen, in English and 中文, once the numbers are in", async () => {
  for (const lang of ["en", "zh"]) {
    const { context, page, problems } = await openPage(lab, lang === "zh" ? "?lang=zh" : "", { viewport: PHONE });
    for (const id of ["#vae-status", "#kl-status", "#tweedie-status", "#t1-status", "#sm-status"]) await passes(page, id, { timeout: 120_000 });
    await until(page, "#chain[data-position]", { timeout: 180_000 });
    const r = await overflowing(page);
    assert.deepEqual(r.bad, [], `${lang}: elements past the right edge`);
    assert.ok(r.scrollWidth <= PHONE.width, `${lang}: the page is ${r.scrollWidth} px wide`);
    await page.screenshot({ path: artifact(`phone-${lang}-top.png`) });
    for (const id of ["vae", "tweedie", "chain"]) await page.locator(`#${id}`).screenshot({ path: artifact(`phone-${lang}-${id}.png`) });
    assert.deepEqual(problems, []);
    await context.close();
  }
});

test("on a desktop: first visit, refined estimate, the chain's keys and far moves, the pictures", async (t) => {
  // the CPU backend: on this machine WebGPU is SwiftShader, a CPU emulation far slower than the CPU
  // backend itself (issue 14 picks the backend by measurement); the refinement needs the network
  const { context, page, problems } = await openPage(lab, "?train-backend=cpu");

  await t.test("first visit: no blank boxes — an empty chart or panel says what to press", async () => {
    await until(page, "#training[data-restored=pretrained]");
    for (const id of ["#chart-loss", "#chart-loss-t"]) {
      await until(page, `${id}[data-empty]`);
      const note = page.locator(`${id} ~ .chart-note`);
      assert.ok((await note.textContent()).trim().length > 10, `${id} has its sentence`);
    }
    for (const id of ["#cmp-ddpm", "#cmp-ddim"]) assert.ok((await page.locator(`${id} ~ .chart-note`).textContent()).trim().length > 10, `${id} says how to fill it`);
    assert.ok((await page.locator("#cmp-status").textContent()).trim().length > 10, "the comparison says it has not run");
    await until(page, "#chain[data-position='0']", { timeout: 180_000 });
    assert.ok((await page.locator("#chain-quality").textContent()).trim().length > 10, "the quality line says where it is measured");
  });

  await t.test("the held-out estimate is refined until its standard errors are ≤ 0.02; the oracle's gap agrees with README", async () => {
    const t0 = Date.now(); // measured, not asserted: how long the background refinement takes here
    await until(page, "#training[data-refined=precise]", { timeout: 420_000 });
    console.log(`BENCH page.heldout_refined_s ${((Date.now() - t0) / 1000).toFixed(0)} s`); // after the first chapters' checks; wasm CPU backend
    const d = await page.locator("#training").evaluate((el) => ({ ...el.dataset }));
    const [gap, gapSe, se] = [Number(d.oracleGap), Number(d.oracleGapSe), Number(d.heldoutSe)];
    console.log(`refined: oracle gap ${gap.toFixed(4)} ± ${gapSe.toFixed(4)}, network −ELBO ${Number(d.heldout).toFixed(4)} ± ${se.toFixed(4)}, network gap ± ${Number(d.gapSe).toFixed(4)}`);
    assert.ok(gapSe <= 0.02 && se <= 0.02 && Number(d.gapSe) <= 0.02, JSON.stringify(d));
    assert.ok(Math.abs(gap - README_ORACLE_GAP) <= 0.05, `the oracle's gap ${gap} against README's ${README_ORACLE_GAP}`);
    assert.ok((await page.locator("#train-refine").textContent()).trim().length > 10);
    await page.locator("#training").screenshot({ path: artifact("training-refined.png") });
  });

  await t.test("20 quick → presses give 20 steps, also after pressing a button; holding → plays", async () => {
    await page.click("#chain-new");
    await until(page, "#chain[data-position='0'][data-queued='0']", { timeout: 120_000 });
    await page.click("#chain-step"); // the focus stays on the button: the arrows must still step
    for (let i = 0; i < 20; i++) await page.keyboard.press("ArrowRight");
    await until(page, "#chain[data-position='21'][data-queued='0']", { timeout: 180_000 });
    await page.keyboard.press("ArrowLeft");
    await until(page, "#chain[data-position='20'][data-queued='0']", { timeout: 60_000 });
    // held down: repeats step one at a time (no backlog), and it stops when the key is let go
    await page.locator("#chain-canvas").focus();
    await page.keyboard.down("ArrowRight");
    for (let i = 0; i < 15; i++) { await page.keyboard.down("ArrowRight"); await page.waitForTimeout(40); }
    await page.keyboard.up("ArrowRight");
    await until(page, "#chain[data-queued='0']", { timeout: 60_000 });
    const position = Number(await page.locator("#chain").getAttribute("data-position"));
    assert.ok(position > 21 && position <= 36, `holding → from 20 reached ${position}`);
  });

  await t.test("“to x₀” shows where it is and stops when pressed again; a new model menu choice is a new chain", async () => {
    await page.click("#chain-end");
    await until(page, "#chain[data-running=true]");
    const label = (await page.locator("#chain-end").textContent()).trim();
    assert.match(label, /■/, "the button offers to stop");
    await page.waitForFunction(() => /\d+/.test(document.getElementById("chain-t").textContent) && Number(document.getElementById("chain").dataset.position) > 40, null, { timeout: 120_000 });
    await page.click("#chain-end");
    await page.waitForFunction(() => !document.getElementById("chain").dataset.running, null, { timeout: 120_000 });
    const stopped = Number(await page.locator("#chain").getAttribute("data-position"));
    assert.ok(stopped < 1000, `stopped at ${stopped}`);
    // the model menu alone makes the new chain (no "New chain" press)
    await page.selectOption("#chain-model", "oracle");
    await until(page, "#chain[data-source=oracle][data-position='0']", { timeout: 60_000 });
    await page.selectOption("#chain-model", "network");
    await until(page, "#chain[data-source=network][data-position='0']", { timeout: 60_000 });
  });

  await t.test("messages speak of what the reader set: T in chapter 2, σ in 5b; stale numbers are not left standing", async () => {
    await page.fill("#schedule-T", "5");
    const message = await errorIs(page, "#schedule-error", { field: "T", code: "schedule_too_short" });
    assert.match(message, /T ≥ 21/);
    assert.equal(await page.locator("#schedule-table tbody tr").count(), 0, "no table of the previous T");
    assert.equal(await page.locator("#schedule").getAttribute("data-stale"), "true");
    await page.fill("#schedule-T", "1000");
    await until(page, "#schedule:not([data-stale])");
    assert.ok(await page.locator("#schedule-table tbody tr").count() > 5);
    // σ = −1 is refused as it is typed (no Enter, no leaving the field)
    await passes(page, "#t1-status");
    await page.locator("#t1-sigma").fill("-1");
    await errorIs(page, "#t1-error", { field: "sigma", code: "not_positive" });
    await until(page, "#tweedie-1d[data-stale=true]");
    await page.locator("#t1-sigma").fill("0.5");
    await passes(page, "#t1-status");
    assert.equal(await page.locator("#tweedie-1d").getAttribute("data-stale"), null);
  });

  await t.test("keyboard: skip links reach Train and the chain in two keys; the Tweedie picture and a chart's cursor take arrows", async () => {
    // a fresh visit: the first Tab stop is the first skip link, Enter puts the focus on Train
    const fresh = await context.newPage();
    await fresh.goto(lab.url);
    await ready(fresh);
    await fresh.keyboard.press("Tab");
    assert.equal(await fresh.evaluate(() => document.activeElement.dataset.focus), "train-start");
    assert.ok(await fresh.locator(".skip").isVisible(), "the skip links show once focused");
    await fresh.keyboard.press("Enter");
    assert.equal(await fresh.evaluate(() => document.activeElement.id), "train-start");
    // the second skip link, on a fresh load: Tab, Tab, Enter puts the focus on the chain's picture
    await fresh.reload();
    await ready(fresh);
    await fresh.keyboard.press("Tab");
    await fresh.keyboard.press("Tab");
    await fresh.keyboard.press("Enter");
    assert.equal(await fresh.evaluate(() => document.activeElement.id), "chain-canvas");
    await fresh.close();
    // the Tweedie picture: arrows move x_t by 0.1
    const x = Number(await page.locator("#tweedie-x").inputValue());
    await page.locator("#tweedie-canvas").focus();
    await page.keyboard.press("ArrowRight");
    assert.equal(Number(await page.locator("#tweedie-x").inputValue()), Math.round((x + 0.1) * 100) / 100);
    await passes(page, "#tweedie-status");
    // a chart: focus it, → moves the cursor to a point and its legend shows the values there
    await page.locator("#chart-alphabar").focus();
    await page.keyboard.press("ArrowRight");
    await page.keyboard.press("ArrowRight");
    assert.equal(await page.locator("#chart-alphabar").getAttribute("data-cursor"), "2");
    assert.match(await page.locator("#chart-alphabar .u-legend").textContent(), /\d/);
  });

  await t.test("the notes behind the equation numbers are named, with DDPM's numbering beside them", async () => {
    await page.click("#about-summary");
    const about = page.locator("#about");
    assert.equal(await about.getAttribute("open"), "");
    const text = await about.textContent();
    for (const name of ["Ho", "Luo", "Song", "002", "003", "Algorithm"]) assert.ok(text.includes(name), `names ${name}`);
    assert.ok(await about.locator("tbody tr").count() >= 12, "one row per DDPM equation group");
    await about.screenshot({ path: artifact("about.png") });
  });

  await t.test("chapters 1 and 4 have pictures that follow the reader's hand", async () => {
    // chapter 1: drag the encoder's mean in the latent space
    await passes(page, "#vae-status", { timeout: 120_000 });
    await page.locator("#vae-canvas").scrollIntoViewIfNeeded();
    const box = await page.locator("#vae-canvas").boundingBox();
    await page.mouse.click(box.x + box.width * 0.6, box.y + box.height * 0.45);
    await page.waitForFunction(() => Math.abs(Number(document.getElementById("vae-mu1").value) - 0.6) < 0.05, null, { timeout: 10_000 });
    await passes(page, "#vae-status", { timeout: 120_000 });
    const mu2 = Number(await page.locator("#vae-mu2").inputValue()); // 0.3, where the click put it
    await page.locator("#vae-canvas").focus();
    await page.keyboard.press("ArrowUp");
    await page.waitForFunction((m) => Math.abs(Number(document.getElementById("vae-mu2").value) - (m + 0.1)) < 1e-6, mu2, { timeout: 10_000 });
    await page.locator("#vae").screenshot({ path: artifact("vae-picture.png") });
    // chapter 4: move the model's x̂₀; the KL check still holds
    const before = Number(await page.locator("#kl-ha").inputValue());
    await page.locator("#kl-canvas").focus();
    await page.keyboard.press("ArrowLeft");
    assert.equal(Number(await page.locator("#kl-ha").inputValue()), Math.round((before - 0.1) * 100) / 100);
    await passes(page, "#kl-status");
    await page.locator("#kl-mse").screenshot({ path: artifact("kl-picture.png") });
    assert.deepEqual(problems, []);
  });
  await context.close();
});

test("training: Pause, another data set, Train trains; a reload keeps the paused run; the backend is remembered", async () => {
  const { context, page, problems } = await openPage(lab);
  const training = page.locator("#training");
  await until(page, "#training[data-restored=pretrained][data-state=ready]");
  await page.selectOption("#train-backend", "cpu");
  await page.fill("#train-batch", "64");
  await page.fill("#train-steps", "400");
  await page.click("#train-start");
  await until(page, "#training[data-state=training]");
  await page.waitForFunction(() => Number(document.getElementById("training").dataset.steps) >= 5, null, { timeout: 120_000 });
  await page.click("#train-pause");
  await until(page, "#training[data-state=paused]");
  // another data set while paused: its pretrained network at once
  await page.selectOption("#train-dataset", "moons");
  await until(page, "#training[data-loaded=pretrained][data-dataset=moons]", { timeout: 120_000 });
  const pretrained = Number(await training.getAttribute("data-steps"));
  assert.ok(pretrained > 1000, `moons' pretrained network: ${pretrained} steps`);
  // … and Train trains it (it used to say "training" and do nothing)
  await page.click("#train-start");
  await until(page, "#training[data-state=training]");
  await page.waitForFunction((n) => Number(document.getElementById("training").dataset.steps) >= n + 5, pretrained, { timeout: 120_000 });
  // the loss chart counts the model's steps, as the ELBO chart does
  await page.locator("#chart-loss + details.chart-table summary").click();
  await page.waitForSelector("#chart-loss + details.chart-table tbody tr");
  const firstLossStep = Number(await page.locator("#chart-loss + details.chart-table tbody tr:first-child th").textContent());
  assert.equal(firstLossStep, pretrained + 1, "the first loss of this run is at the model's step count");
  await page.click("#train-pause");
  await until(page, "#training[data-state=paused]");
  // the paused run is in storage, at the step count the page shows once the chunk in flight has landed
  await page.waitForFunction(() => { const s = JSON.parse(localStorage.getItem("diffusion-lab.training") || "{}"); return s.remaining > 0 && s.steps === Number(document.getElementById("training").dataset.steps); }, null, { timeout: 30_000 });
  const steps = Number(await training.getAttribute("data-steps"));
  await page.reload();
  await ready(page);
  await until(page, "#training[data-restored=saved][data-state=paused][data-dataset=moons]", { timeout: 120_000 });
  assert.equal(Number(await training.getAttribute("data-steps")), steps);
  assert.ok((await page.locator("#train-progress").textContent()).trim().length > 10, "the restored run says how to resume it");
  await training.screenshot({ path: artifact("training-paused-restored.png") });
  // Resume goes on from there
  await page.click("#train-pause");
  await until(page, "#training[data-state=training]");
  await page.waitForFunction((n) => Number(document.getElementById("training").dataset.steps) > n, steps, { timeout: 120_000 });
  await page.click("#train-pause");
  // a plain visit (no settings in the address) keeps the backend chosen
  const plain = await context.newPage();
  await plain.goto(lab.url);
  await ready(plain);
  assert.equal(await plain.locator("#train-backend").inputValue(), "cpu");
  await plain.close();
  assert.deepEqual(problems, []);
  await context.close();
});
