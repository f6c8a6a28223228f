// English and 中文, by key. Every text the reader sees has a key in both catalogues,
// i18n/en.js and i18n/zh.js: flat objects of key → text, with `{name}` placeholders. No i18n
// library: the page needs a lookup, placeholders and a switch — a few dozen lines, no dependency,
// and nothing a strict Content-Security-Policy must allow (no eval, no catalogue fetched at run time).
//
// - Static text: index.html marks elements with data-i18n="key" (its text), data-i18n-html="key"
//   (a sentence with inline markup: the catalogue's own HTML), data-i18n-aria-label="key" and
//   data-i18n-title="key" (attributes), data-i18n-tex="key" (an equation with words in it; tex.js).
// - Live text: views write through t(key, params), or through setText / setCheck (plot.js) /
//   showError, which remember how they made an element's text, so a language switch re-renders it;
//   tables and charts are redrawn from the last result on onLanguageChange(fn).
// - Engine errors carry {code, params}; describeError renders them from error.<code> (and
//   hint.<hint>) in either language. An error without a code (a device or driver failure) is shown
//   as its message inside the keyed frame error.engine.
// Nothing is ever translated by matching English text. Numbers are the engine's: views format them
// with fmt (plot.js) before they go into params.
// To add a string: give it a key in both en.js and zh.js (tests/node/i18n.test.mjs checks that
// both have the same keys and placeholders, and that every key the page uses exists).
import en from "./i18n/en.js";
import zh from "./i18n/zh.js";

export const CATALOGUES = { en, zh };
const STORE = "diffusion-lab.lang";
const EVENT = "languagechange-dl";
let lang = "en";
const live = new Map(); // element → the function that makes its text in the current language

/** The page's language: "en" or "zh". */
export const language = () => lang;

/** Whether `key` is in the catalogue of `l`. */
export const has = (key, l = lang) => Object.hasOwn(CATALOGUES[l] || en, key);

// `{name}` → params[name]; a name params lacks stays as it is (TeX's braces pass through untouched)
function fill(template, params) {
  let out = "", i = 0;
  for (;;) {
    const open = template.indexOf("{", i);
    const close = open < 0 ? -1 : template.indexOf("}", open + 1);
    if (close < 0) return out + template.slice(i);
    const name = template.slice(open + 1, close);
    if (Object.hasOwn(params, name) && params[name] !== undefined) {
      out += template.slice(i, open) + String(params[name]);
      i = close + 1;
    } else {
      out += template.slice(i, open + 1);
      i = open + 1;
    }
  }
}

/** The text of `key` in the page's language (or in `l`), its `{name}` placeholders filled from params. */
export function t(key, params, l = lang) {
  const c = CATALOGUES[l] || en;
  const text = Object.hasOwn(c, key) ? c[key] : Object.hasOwn(en, key) ? en[key] : key;
  return params ? fill(text, params) : text;
}

/**
 * Give `el` a live text: `render()` now, and again after every language switch. `render = null`
 * empties the element. An element that gets a live text loses its static data-i18n key.
 */
export function bindText(el, render) {
  el.removeAttribute("data-i18n");
  if (render) {
    live.set(el, render);
    el.textContent = render();
  } else {
    live.delete(el);
    el.textContent = "";
  }
}

/** Set `el`'s text to t(key, params), kept in the page's language; no key empties it. */
export function setText(el, key, params) {
  bindText(el, key ? () => t(key, params) : null);
}

// ---------------------------------------------------------------------------------------------
// Errors. The engine's carry `code` and `params` ({field, value?, ...}; the contract is in the
// README of the engine's JS API); the page's own (errors.js: pageError) the same. `params.label`,
// on a page error only, is the key of the control's name ("train.lr" → "learning rate").

const quoted = (v) => `"${v}"`;

/** The sentence for an error, in the page's language (or `l`). */
export function describeError(e, l = lang) {
  if (e == null) return "";
  const message = typeof e === "object" ? String(e.message ?? "") : String(e);
  const code = typeof e === "object" && typeof e.code === "string" && e.code ? e.code : null;
  if (!code) return t("error.engine", { message }, l);
  const p = e.params && typeof e.params === "object" ? e.params : {};
  const params = { message };
  for (const [k, v] of Object.entries(p)) if (v !== undefined && v !== null) params[k] = Array.isArray(v) ? v.join(t("common.list_sep", null, l)) : String(v);
  params.field = p.label && has(p.label, l) ? t(p.label, null, l) : String(p.field ?? "?");
  if (Array.isArray(p.choices)) params.choices = p.choices.map(quoted).join(t("common.list_sep", null, l));
  for (const name of ["expected", "what", "reason"]) { // words the catalogue knows, else as the engine wrote them
    if (typeof p[name] === "string" && has(`${name}.${p[name]}`, l)) params[name] = t(`${name}.${p[name]}`, null, l);
  }
  const key = `error.${code}`;
  let sentence;
  if (!has(key, l)) sentence = t("error.fallback", params, l); // a code this page does not know yet
  else if (p.value !== undefined && has(`${key}.value`, l)) sentence = t(`${key}.value`, params, l);
  else sentence = t(key, params, l);
  const hint = typeof p.hint === "string" && has(`hint.${p.hint}`, l) ? t(`hint.${p.hint}`, params, l) : null;
  return hint ? t("error.with_hint", { sentence, hint }, l) : sentence;
}

/**
 * Show an error in an inline error element (or clear it with null): its sentence in the page's
 * language, and data-error-code / data-error-field for the tests ("engine" for an error without a
 * code). `frame(sentence)`, if given, puts the sentence into a longer text (a keyed one).
 */
export function showError(el, e, frame = (sentence) => sentence) {
  if (e == null) {
    bindText(el, null);
    delete el.dataset.errorCode;
    delete el.dataset.errorField;
    return;
  }
  bindText(el, () => frame(describeError(e)));
  el.dataset.errorCode = (typeof e === "object" && e.code) || "engine";
  const field = typeof e === "object" ? e.params?.field : undefined;
  if (field != null) el.dataset.errorField = String(field);
  else delete el.dataset.errorField;
}

// ---------------------------------------------------------------------------------------------
// The switch.

/** Fill every static text under `root` from its data-i18n* key. */
export function applyStatic(root = document) {
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll("[data-i18n-html]")) el.innerHTML = t(el.dataset.i18nHtml); // the catalogue's own markup
  for (const el of root.querySelectorAll("[data-i18n-aria-label]")) el.setAttribute("aria-label", t(el.dataset.i18nAriaLabel));
  for (const el of root.querySelectorAll("[data-i18n-title]")) el.setAttribute("title", t(el.dataset.i18nTitle));
}

/** Run `fn(lang)` after every language switch (views redraw their last result with it). */
export function onLanguageChange(fn) {
  addEventListener(EVENT, (e) => fn(e.detail));
}

/** Switch the page's language ("en" or "zh"): every static and live text follows; the choice is remembered. */
export function setLanguage(next, { remember = true } = {}) {
  lang = next === "zh" ? "zh" : "en";
  document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
  document.title = t("page.title");
  applyStatic();
  document.getElementById("lang-switch")?.setAttribute("lang", lang === "zh" ? "en" : "zh"); // the button names the other language
  for (const [el, render] of live) {
    if (el.isConnected) el.textContent = render();
    else live.delete(el);
  }
  if (remember) try { localStorage.setItem(STORE, lang); } catch { /* storage unavailable */ }
  dispatchEvent(new CustomEvent(EVENT, { detail: lang }));
}

/** Start: the language from the link (?lang=zh), else the last choice, else the browser's. */
export function startLanguage() {
  const fromUrl = new URL(location.href).searchParams.get("lang");
  let saved = null;
  try { saved = localStorage.getItem(STORE); } catch { /* none */ }
  const browserZh = (navigator.language || "").toLowerCase().startsWith("zh");
  document.getElementById("lang-switch")?.addEventListener("click", () => setLanguage(lang === "zh" ? "en" : "zh"));
  setLanguage(fromUrl || saved || (browserZh ? "zh" : "en"), { remember: !!fromUrl });
}
