// The page tests' shared harness: Debian's headless Chromium with WebGPU on SwiftShader (driven by
// playwright-core), the built page (dist/) served on a free loopback port, every page's console
// errors, page errors and Content-Security-Policy violations recorded, screenshots under
// tests/artifacts/, and the small waits the tests share. The waits look at the page's data-*
// hooks (a check's data-pass, a view's data-state, an inline error's data-error-field and
// data-error-code), never at its English sentences, so the tests hold in either language.
import assert from "node:assert/strict";
import { mkdir } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { serve } from "./serve.mjs";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const DIST = process.env.DIST || ROOT + "dist";
export const ARTIFACTS = ROOT + "tests/artifacts/";
export const CHROMIUM = "/usr/bin/chromium";
export const ARGS = [
  "--no-sandbox", "--enable-unsafe-webgpu", "--enable-features=Vulkan", "--use-vulkan=swiftshader",
  "--use-webgpu-adapter=swiftshader", "--enable-unsafe-swiftshader", "--disable-background-networking",
  "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
];
export const VIEWPORT = { width: 1280, height: 900 };
export const READY = 180_000; // the engine compiles on SwiftShader's machine: allow it minutes

/** Where a screenshot (or another artifact) named `name` goes: tests/artifacts/<name>. */
export const artifact = (name) => ARTIFACTS + name;

/** Serve `dist` and start Chromium. Returns {http, browser, url, close()}. */
export async function launch({ dist = DIST, args = ARGS } = {}) {
  await mkdir(ARTIFACTS, { recursive: true });
  const http = await serve(dist);
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args });
  return {
    http, browser, url: http.url,
    async close() { await browser.close(); http.server.close(); },
  };
}

/**
 * Record what goes wrong on `page`: page errors, and console errors unless `console: false`, into
 * the returned array; CSP violations are kept in the page (see cspViolations). Call before goto.
 */
export async function watch(page, { console: consoleErrors = true } = {}) {
  const problems = [];
  if (consoleErrors) page.on("console", (m) => { if (m.type() === "error") problems.push("console: " + m.text()); });
  page.on("pageerror", (e) => problems.push("page error: " + e.message));
  // every Content-Security-Policy violation (a blocked script, style, font or request)
  await page.addInitScript(() => {
    window.__cspViolations = [];
    document.addEventListener("securitypolicyviolation", (e) => window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  return problems;
}

/** The CSP violations `page` has seen since it loaded. */
export const cspViolations = (page) => page.evaluate(() => window.__cspViolations ?? ["the CSP recorder is missing"]);

/** Wait until the page's engine is ready and its views have started (body[data-ready=true]). */
export const ready = (page) => page.waitForSelector("body[data-ready=true]", { timeout: READY });

/**
 * A page of the lab at `path` (a query and/or hash), watched, loaded and ready. A fresh browser
 * context unless `context` is given (a page in the same context shares its storage).
 * Returns {context, page, problems}.
 */
export async function openPage(lab, path = "", { context, viewport = VIEWPORT, console: consoleErrors = true } = {}) {
  context ??= await lab.browser.newContext({ viewport });
  const page = await context.newPage();
  const problems = await watch(page, { console: consoleErrors });
  await page.goto(lab.url + path);
  await ready(page);
  return { context, page, problems };
}

// the element a selector with attribute conditions is about: "#chain[data-t='0']" → "#chain"
const base = (selector) => selector.replace(/\[[^\]]*\]/g, "").trim() || selector;

/** The data-* attributes and the text of the element `selector` is about, for a failure message. */
async function describe(page, selector) {
  return page.evaluate((sel) => {
    const el = document.querySelector(sel);
    if (!el) return `${sel}: no such element`;
    const attrs = Object.entries(el.dataset).map(([k, v]) => `data-${k.replace(/[A-Z]/g, (c) => "-" + c.toLowerCase())}="${String(v).slice(0, 80)}"`).join(" ");
    return `${sel} [${attrs}] "${el.textContent.trim().slice(0, 200)}"`;
  }, base(selector)).catch((e) => `${selector}: ${e.message}`);
}

/** Wait for `selector` (a hook with its state, e.g. "#training[data-state=finished]"); fail with what the element shows. */
export async function until(page, selector, { timeout = 60_000 } = {}) {
  try {
    await page.waitForSelector(selector, { timeout, state: "attached" });
  } catch {
    assert.fail(`waited ${timeout / 1000} s for ${selector}; now ${await describe(page, selector)}`);
  }
}

/** Wait for a check's verdict (data-pass, written when the worker's numbers arrive) and require it to pass. */
export async function passes(page, selector, { timeout = 60_000 } = {}) {
  await until(page, `${selector}[data-pass]`, { timeout });
  const status = page.locator(selector);
  assert.equal(await status.getAttribute("data-pass"), "true", `${selector}: ${await status.textContent()}`);
}

/** Wait for a table to hold exactly n rows (a chart's table fills when its <details> opens: the toggle event comes a moment after the click). */
export async function tableRows(page, selector, n, { timeout = 10_000 } = {}) {
  await page.waitForFunction(([sel, k]) => document.querySelectorAll(sel).length === k, [selector, n], { timeout })
    .catch(async () => assert.fail(`${selector}: ${await page.locator(selector).count()} rows, expected ${n}`));
}

/** The text of a label of the input `selector` (without the input), as the page shows it in its language (its words sit in a <span data-i18n>). */
export const labelOf = (page, selector) => page.evaluate((sel) => {
  const label = document.querySelector(sel).closest("label");
  const words = label.querySelector(":scope > [data-i18n]");
  if (words) return words.textContent.trim();
  return [...label.childNodes].filter((n) => n.nodeType === Node.TEXT_NODE).map((n) => n.data).join(" ").trim();
}, selector);

/**
 * Wait for the inline error `selector` to show an error (text or data-error-field), then require
 * its field and code: data-error-field = `field` (unless undefined: an error about no one field),
 * data-error-code = `code` (a string, or a list of
 * the codes allowed), a message that is not empty and that names the field — `mentions` (default:
 * the field name itself; field names are code, the same in both languages; `{ label: "#input" }`:
 * the input's label as the page shows it). Returns the message.
 */
export async function errorIs(page, selector, { field, code, mentions = field, timeout = 60_000 }) {
  await page.waitForFunction((sel) => { const el = document.querySelector(sel); return el.textContent.trim() !== "" || el.dataset.errorField; }, selector, { timeout })
    .catch(async () => assert.fail(`${selector} shows no error after ${timeout / 1000} s; now ${await describe(page, selector)}`));
  const el = page.locator(selector);
  const message = (await el.textContent()).trim();
  if (field !== undefined) assert.equal(await el.getAttribute("data-error-field"), field, `${selector}'s field: ${await describe(page, selector)}`);
  const codes = [code].flat();
  const got = await el.getAttribute("data-error-code");
  assert.ok(codes.includes(got), `${selector}'s code ${got}, expected ${codes.join(" or ")}: ${await describe(page, selector)}`);
  assert.ok(message.length > 0, `${selector}: an error with no message`);
  const name = typeof mentions === "object" && mentions?.label ? await labelOf(page, mentions.label) : mentions;
  assert.ok(typeof name === "string" && name.length > 0, `errorIs(${selector}) needs the name the message must mention`);
  assert.ok(message.includes(name), `${selector}: the message does not name ${name}: "${message}"`);
  return message;
}

/** Wait for the inline error `selector` to clear: no message, no data-error-field, no data-error-code. */
export async function noError(page, selector, { timeout = 60_000 } = {}) {
  await page.waitForFunction((sel) => { const el = document.querySelector(sel); return el.textContent === "" && !("errorField" in el.dataset) && !("errorCode" in el.dataset); }, selector, { timeout })
    .catch(async () => assert.fail(`${selector} still shows an error: ${await describe(page, selector)}`));
}

/** Fill a number input and fire its change event (the worker views recompute on change). */
export async function setField(page, selector, value) {
  await page.fill(selector, value);
  await page.locator(selector).dispatchEvent("change");
}

