// Displayed equations: every element with class "tex" holds TeX (its text, kept in data-tex so it
// can be rendered again after the language changes) and is typeset by KaTeX, bundled with the page
// (node_modules/katex, copied by Trunk; no CDN). An equation with words in it (\text{gap}) names its
// catalogue key in data-i18n-tex ("tex.*" in i18n/en.js and zh.js), and is typeset in the page's
// language. Class "display" typesets it as a block; \tag{1.15} puts the seed's equation number beside it.
import { t } from "./i18n.js";

export function renderTex(root = document) {
  const katex = window.katex;
  let errors = 0;
  for (const el of root.querySelectorAll(".tex")) {
    if (el.dataset.tex === undefined) el.dataset.tex = el.textContent.trim();
    if (!katex) continue; // KaTeX failed to load: the TeX source stays readable
    const source = el.dataset.i18nTex ? t(el.dataset.i18nTex) : el.dataset.tex;
    katex.render(source, el, { displayMode: el.classList.contains("display"), throwOnError: false, strict: false, output: "htmlAndMathml" });
    if (el.querySelector(".katex-error")) errors++;
  }
  // the whole page's count; a part rendered again (a derivation's lines) adds its own
  document.body.dataset.texErrors = String(root === document ? errors : Number(document.body.dataset.texErrors || 0) + errors);
  return errors;
}
