// Displayed equations: every element with class "tex" holds TeX (its text, kept in data-tex so it
// can be rendered again after the language changes) and is typeset by KaTeX, bundled with the page
// (node_modules/katex, copied by Trunk; no CDN). An equation with words in it (\text{gap}) names its
// catalogue key in data-i18n-tex ("tex.*" in i18n/en.js and zh.js), and is typeset in the page's
// language. Class "display" typesets it as a block; \tag{1.15} puts the seed's equation number beside it.
import { t } from "./i18n.js";

/** Typeset one element; true when KaTeX reported an error in it. */
function typeset(el) {
  if (el.dataset.tex === undefined) el.dataset.tex = el.textContent.trim();
  const katex = window.katex;
  if (!katex) return false; // KaTeX failed to load: the TeX source stays readable
  const source = el.dataset.i18nTex ? t(el.dataset.i18nTex) : el.dataset.tex;
  katex.render(source, el, { displayMode: el.classList.contains("display"), throwOnError: false, strict: false, output: "htmlAndMathml" });
  return Boolean(el.querySelector(".katex-error"));
}

// the whole page's count; a part rendered again (a derivation's lines) adds its own
function count(root, errors) {
  document.body.dataset.texErrors = String(root === document ? errors : Number(document.body.dataset.texErrors || 0) + errors);
  return errors;
}

export function renderTex(root = document) {
  let errors = 0;
  for (const el of root.querySelectorAll(".tex")) if (typeset(el)) errors++;
  return count(root, errors);
}

/** The whole page at load, in slices of ~10 ms with a yield to the event loop between them (the
 * page paints and the views start while it typesets); the equations nearest the top come first. */
export async function renderTexProgressively() {
  let errors = 0, sliceStart = performance.now();
  for (const el of document.querySelectorAll(".tex")) {
    if (typeset(el)) errors++;
    if (performance.now() - sliceStart > 10) { await new Promise((r) => setTimeout(r, 0)); sliceStart = performance.now(); }
  }
  return count(document, errors);
}
