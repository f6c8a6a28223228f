// The page's two catalogues (www/js/i18n/en.js and zh.js) against each other and against the
// sources that use them, and the error renderer in both languages. Needs no build: the page's
// modules are imported as they are (package.json says "type": "module").
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import en from "../../www/js/i18n/en.js";
import zh from "../../www/js/i18n/zh.js";
import { describeError, t } from "../../www/js/i18n.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const html = readFileSync(root + "www/index.html", "utf8");
const jsFiles = readdirSync(root + "www/js").filter((f) => f.endsWith(".js")).map((f) => root + "www/js/" + f);
const js = jsFiles.map((f) => ({ file: f.slice(root.length), text: readFileSync(f, "utf8") }));

const placeholders = (s) => [...new Set([...s.matchAll(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g)].map((m) => m[1]))].sort();
const isTex = (key) => key.startsWith("tex.") || key.includes(".line."); // TeX (a derivation's lines too): its braces are not placeholders
// keys looked up by a code or type the engine sends (error.<code>, hint.<hint>, …), not written out in the sources
const DYNAMIC = ["error.", "hint.", "expected.", "what.", "reason.", "deriv."]; // deriv.*: the engine's line and step keys (api.test.mjs checks them)

test("the two catalogues have the same keys", () => {
  const onlyEn = Object.keys(en).filter((k) => !Object.hasOwn(zh, k));
  const onlyZh = Object.keys(zh).filter((k) => !Object.hasOwn(en, k));
  assert.deepEqual({ onlyEn, onlyZh }, { onlyEn: [], onlyZh: [] });
  assert.ok(Object.keys(en).length >= 300, `${Object.keys(en).length} keys`);
  for (const [k, v] of Object.entries({ ...en, ...zh })) assert.equal(typeof v, "string", k);
});

test("every placeholder {x} of a key is in both languages", () => {
  const differ = Object.keys(en).filter((k) => !isTex(k) && Object.hasOwn(zh, k))
    .filter((k) => placeholders(en[k]).join() !== placeholders(zh[k]).join())
    .map((k) => `${k}: en {${placeholders(en[k])}} zh {${placeholders(zh[k])}}`);
  assert.deepEqual(differ, []);
  // the check can fail: a placeholder-bearing key exists and is compared
  assert.deepEqual(placeholders(en["error.range"]), ["field", "range", "value"]);
});

test("the Chinese catalogue is Chinese: no entry left in English", () => {
  const cjk = /[\u4e00-\u9fff]/;
  const same = Object.keys(en).filter((k) => !isTex(k) && zh[k] === en[k] && /[a-z]{4,}/.test(en[k].replace(/<[^>]*>|\\[a-zA-Z]+/g, "")) && !cjk.test(zh[k]));
  // names, units and formulas may read the same in both; anything else is untranslated
  const allowed = new Set(["backend.webgpu", "nav.tweedie", "t1.laplace"]);
  assert.deepEqual(same.filter((k) => !allowed.has(k)), []);
});

// the keys the sources use: string literals in www/js that name a catalogue key (its namespace is
// one the catalogue has), and the data-i18n* attributes of index.html
const namespaces = new Set(Object.keys(en).map((k) => k.slice(0, k.indexOf("."))));
function keysInJs() {
  const used = [];
  for (const { file, text } of js) {
    if (file.includes("/i18n/")) continue;
    for (const m of text.matchAll(/["']([a-z][a-z0-9]*)\.([A-Za-z0-9_.]+)["']/g)) {
      if (namespaces.has(m[1]) && !m[2].endsWith(".js")) used.push({ key: `${m[1]}.${m[2]}`, file });
    }
  }
  return used;
}
function keysInHtml() {
  return [...html.matchAll(/data-i18n(?:-html|-aria-label|-title|-tex)?="([^"]+)"/g)].map((m) => m[1]);
}

test("every key the page's scripts use is in both catalogues (and the scan finds them)", () => {
  const used = keysInJs();
  assert.ok(used.length >= 200, `the scan found only ${used.length} keys in www/js`);
  const files = new Set(used.map((u) => u.file));
  assert.ok(files.size >= 15, `keys found in ${files.size} files only`);
  const missing = used.filter((u) => !Object.hasOwn(en, u.key) || !Object.hasOwn(zh, u.key)).map((u) => `${u.key} (${u.file})`);
  assert.deepEqual(missing, []);
});

test("every data-i18n key of index.html is in both catalogues (and the scan finds them)", () => {
  const used = keysInHtml();
  assert.ok(used.length >= 150, `the scan found only ${used.length} keys in index.html`);
  assert.deepEqual(used.filter((k) => !Object.hasOwn(en, k) || !Object.hasOwn(zh, k)), []);
});

test("every key of the catalogue is used somewhere (or is looked up by an engine code)", () => {
  const used = new Set([...keysInJs().map((u) => u.key), ...keysInHtml()]);
  const unused = Object.keys(en).filter((k) => !used.has(k) && !DYNAMIC.some((p) => k.startsWith(p)));
  assert.deepEqual(unused, []);
});

// index.html keeps its English text (the page without scripts, and the first paint): it must be
// the English catalogue's, or switching back to English would change it
const decode = (s) => s.replace(/&quot;/g, "\"").replace(/&#39;/g, "'").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
const squash = (s) => s.replace(/\s+/g, " ").trim();
test("index.html's English is the English catalogue's", () => {
  const differ = [];
  let checked = 0;
  // elements: <tag ... data-i18n[-html|-tex]="key" ...>content</tag> (no element of the same tag inside)
  for (const m of html.matchAll(/<([a-z0-9]+)\b([^>]*?)\bdata-i18n(-html|-tex)?="([^"]+)"([^>]*)>/g)) {
    const [whole, tag, , kind, key] = m;
    const start = m.index + whole.length, end = html.indexOf(`</${tag}>`, start);
    const inner = html.slice(start, end);
    const source = kind === "-html" ? squash(inner) : squash(decode(inner));
    const want = kind === "-html" ? squash(en[key] ?? "") : squash(en[key] ?? "");
    checked++;
    if (source !== want) differ.push(`${key}:\n  html ${source}\n  en   ${want}`);
  }
  for (const m of html.matchAll(/<[a-z0-9]+\b([^>]*)>/g)) {
    for (const [attr, keyAttr] of [["aria-label", "data-i18n-aria-label"], ["title", "data-i18n-title"]]) {
      const key = m[1].match(new RegExp(`${keyAttr}="([^"]+)"`))?.[1];
      if (!key) continue;
      const value = m[1].match(new RegExp(`\\s${attr}="([^"]*)"`))?.[1];
      checked++;
      if (decode(value ?? "") !== en[key]) differ.push(`${key} (${attr}): html "${value}", en "${en[key]}"`);
    }
  }
  assert.ok(checked >= 150, `compared ${checked} texts`);
  assert.deepEqual(differ, []);
});

test("no text is translated by matching English: no regular expression or observer in the translation path", () => {
  const i18n = readFileSync(root + "www/js/i18n.js", "utf8").replace(/\/\/.*$/gm, "");
  for (const banned of ["RegExp", ".match(", ".replace(", ".test(", "MutationObserver"]) assert.ok(!i18n.includes(banned), `i18n.js uses ${banned}`);
  for (const { file, text } of js) assert.ok(!text.includes("MutationObserver"), `${file} observes the DOM`);
  assert.ok(!jsFiles.some((f) => f.endsWith("i18n-zh.js")), "the old pattern catalogue is gone");
});

test("describeError renders a range error in English and in Chinese, naming the field and the range", () => {
  const e = { code: "range", params: { field: "betaStart", value: "2", range: "(0, 1)" }, message: "betaStart = 2 is out of range" };
  const enText = describeError(e, "en"), zhText = describeError(e, "zh");
  assert.equal(enText, "betaStart = 2 is out of range: betaStart must be a number in (0, 1)");
  for (const text of [enText, zhText]) {
    assert.ok(text.includes("betaStart"), text);
    assert.ok(text.includes("(0, 1)"), text);
  }
  assert.notEqual(zhText, enText);
  assert.match(zhText, /[\u4e00-\u9fff]/);
});

test("describeError: hints, choices, the page's own labels, unknown codes and errors without a code", () => {
  const hinted = { code: "integer_range", params: { field: "t", value: "1", range: "2..=1000", hint: "decoder_term" } };
  assert.equal(describeError(hinted, "en"), "t = 1 is out of range: t must be an integer in 2..=1000 (t = 1 is the decoder term, not a denoising-matching term)");
  assert.ok(describeError(hinted, "zh").includes("解码器项"));
  const choice = { code: "unknown_choice", params: { field: "kind", value: "cosin", choices: ["linear", "cosine"] } };
  assert.equal(describeError(choice, "en"), "unknown kind \"cosin\": valid ones are \"linear\", \"cosine\"");
  assert.ok(describeError(choice, "zh").includes("\"linear\"、\"cosine\""));
  // the page's readNumber: the field's name from its label key, the expected type in words
  const typed = { code: "wrong_type", params: { field: "learningRate", label: "train.lr", value: "abc", expected: "number" } };
  assert.equal(describeError(typed, "en"), "learning rate must be a number (got \"abc\")");
  assert.equal(describeError(typed, "zh"), "学习率 必须是数字（收到 \"abc\"）");
  assert.equal(describeError({ code: "wrong_type", params: { field: "x0", expected: "numbers" } }, "en"), "x0 must be an array of numbers");
  // a code the page does not know yet: the generic keyed fallback, never a crash
  const unknown = { code: "brand_new", params: { field: "widget" }, message: "widget is wrong" };
  assert.equal(describeError(unknown, "en"), "widget: widget is wrong");
  assert.equal(describeError(unknown, "zh"), "widget：widget is wrong");
  // no code (a device or driver failure): its message in a keyed frame
  const device = new Error("the WebGPU device was lost (destroyed)");
  assert.equal(describeError(device, "en"), "engine error: the WebGPU device was lost (destroyed)");
  assert.equal(describeError(device, "zh"), "引擎错误：the WebGPU device was lost (destroyed)");
  assert.equal(describeError("plain text", "en"), "engine error: plain text");
  // every code of the engine's contract has a sentence in both languages
  for (const code of ["not_finite", "not_positive", "integer_range", "range", "unknown_choice", "unknown_field", "wrong_type", "missing", "length", "empty",
    "less_than", "too_much_work", "unreadable", "busy", "disposed", "not_checkpoint", "checkpoint_mismatch", "no_chain", "needs_sampler",
    "non_finite_prediction", "mixture_only", "bad_input"]) {
    for (const l of [en, zh]) assert.ok(Object.hasOwn(l, `error.${code}`), `error.${code}`);
  }
});

test("t fills placeholders and leaves TeX braces alone", () => {
  assert.equal(t("draw.count", { n: 12 }, "en"), "12 points");
  assert.equal(t("draw.count", { n: 12 }, "zh"), "12 个点");
  assert.equal(t("tex.vae_1_15", null, "en"), en["tex.vae_1_15"]);
  assert.equal(t("common.se", {}, "en"), "{value} s.e."); // a missing parameter stays visible
  assert.equal(t("no.such.key", null, "zh"), "no.such.key");
});

test("every code, hint and reason the engine can send has its sentence in both catalogues", async () => {
  const { createRequire } = await import("node:module");
  const dl = createRequire(import.meta.url)("../../pkg/diffusion_lab.js");
  const { codes, hints, reasons } = dl.errorVocabulary();
  assert.ok(codes.length >= 20 && hints.length >= 3 && reasons.length >= 3);
  const missing = [...codes.map((c) => `error.${c}`), ...hints.map((h) => `hint.${h}`), ...reasons.map((r) => `reason.${r}`)]
    .filter((k) => !Object.hasOwn(en, k) || !Object.hasOwn(zh, k));
  assert.deepEqual(missing, []);
  // the example, rendered from the engine's own error in both languages
  let e;
  try { new dl.Schedule({ betaStart: 2 }); } catch (err) { e = err; }
  for (const l of ["en", "zh"]) {
    const s = describeError(e, l);
    assert.ok(s.includes("betaStart") && s.includes("(0, 1)"), `${l}: ${s}`);
  }
  assert.notEqual(describeError(e, "en"), describeError(e, "zh"));
  assert.match(describeError(e, "zh"), /[\u4e00-\u9fff]/);
});
