// English and 中文. The page is written in English; switching to Chinese
//  - replaces the inner HTML of every element marked data-i18n="key" (paragraphs and captions
//    whose sentences carry inline markup) with the key's entry in i18n-zh.js, and
//  - translates every other text node (headings, labels, options, buttons, table cells, the checks'
//    verdicts, progress messages) by exact match or by pattern, also as views update them later
//    (a MutationObserver), so the views themselves stay language-free.
// Numbers are the engine's and stay as they are. Switching back restores the English originals.
import { ZH } from "./i18n-zh.js";

const SKIP = "script, style, .tex, .katex, [data-i18n], textarea";
const originals = new WeakMap(); // text node → its English text
const htmlOriginals = new Map(); // data-i18n element → its English inner HTML
const attrOriginals = new WeakMap(); // element → {aria-label, title} in English
let lang = "en";
const NUMERIC = /^[-+\d.e±×()\s,/=]*$/; // numbers need no translation (the fast path while the chain plays)
let applying = false;

export const currentLanguage = () => lang;

/** A label drawn on a canvas (chart legends and axes): translated when the page is in 中文. */
export function tr(en) {
  if (lang !== "zh" || typeof en !== "string") return en;
  return translateText(en) ?? en;
}

function translateText(en) {
  const trimmed = en.trim();
  if (!trimmed || NUMERIC.test(trimmed)) return null;
  const exact = ZH.text[trimmed];
  if (exact !== undefined) return en.replace(trimmed, exact);
  for (const [re, zh] of ZH.patterns) {
    const m = trimmed.match(re);
    if (m) return en.replace(trimmed, typeof zh === "function" ? zh(...m.slice(1)) : trimmed.replace(re, zh));
  }
  return null;
}

function translateNode(node) {
  if (node.parentElement?.closest(SKIP)) return;
  const current = node.data;
  const known = originals.get(node);
  // a view wrote new English text into a node translated before: start from the new text
  const en = known && (current === known.zh) ? known.en : current;
  const zh = lang === "zh" ? translateText(en) : null;
  if (lang === "zh" && zh !== null) {
    originals.set(node, { en, zh });
    if (current !== zh) node.data = zh;
  } else if (known && current === known.zh) {
    node.data = known.en;
  }
}

function translateAttributes(el) {
  const saved = attrOriginals.get(el) || {};
  for (const a of ["aria-label", "title"]) {
    if (!el.hasAttribute(a)) continue;
    if (!(a in saved)) saved[a] = el.getAttribute(a);
    const zh = lang === "zh" ? translateText(saved[a]) : null;
    el.setAttribute(a, zh ?? saved[a]);
  }
  attrOriginals.set(el, saved);
}

function translateTree(root) {
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) translateNode(n);
  for (const el of root.querySelectorAll?.("[aria-label], [title]") || []) translateAttributes(el);
}

/** Switch the page's language ("en" or "zh"): every static and live text follows. */
export function setLanguage(next) {
  lang = next === "zh" ? "zh" : "en";
  applying = true;
  document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
  for (const el of document.querySelectorAll("[data-i18n]")) {
    if (!htmlOriginals.has(el)) htmlOriginals.set(el, el.innerHTML);
    const zh = ZH.html[el.dataset.i18n];
    el.innerHTML = lang === "zh" && zh !== undefined ? zh : htmlOriginals.get(el);
  }
  translateTree(document.body);
  document.title = lang === "zh" ? ZH.title : "Diffusion Lab — learn diffusion models by running them";
  const button = document.getElementById("lang-switch");
  if (button) {
    button.textContent = lang === "zh" ? "English" : "中文";
    button.setAttribute("aria-label", lang === "zh" ? "Switch to English" : "切换到中文");
  }
  try { localStorage.setItem("diffusion-lab.lang", lang); } catch { /* storage unavailable */ }
  applying = false;
  dispatchEvent(new CustomEvent("languagechange-dl", { detail: lang }));
  dispatchEvent(new Event("resize")); // the charts redraw, with their legends in the new language
}

/** Start: the language from the link (?lang=zh), else the last choice, else the browser's. */
export function startLanguage() {
  const fromUrl = new URL(location.href).searchParams.get("lang");
  let saved = null;
  try { saved = localStorage.getItem("diffusion-lab.lang"); } catch { /* none */ }
  const browserZh = (navigator.language || "").toLowerCase().startsWith("zh");
  const initial = fromUrl || saved || (browserZh ? "zh" : "en");
  new MutationObserver((records) => {
    if (applying || lang === "en") return;
    for (const r of records) {
      if (r.type === "characterData") translateNode(r.target);
      else for (const n of r.addedNodes) n.nodeType === Node.TEXT_NODE ? translateNode(n) : n.nodeType === Node.ELEMENT_NODE && translateTree(n);
    }
  }).observe(document.body, { subtree: true, childList: true, characterData: true });
  document.getElementById("lang-switch")?.addEventListener("click", () => setLanguage(lang === "zh" ? "en" : "zh"));
  if (initial === "zh") setLanguage("zh");
}
