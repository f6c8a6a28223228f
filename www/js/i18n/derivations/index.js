// The derivation steppers' text, one file per derivation (src/derivation/<name>.rs has the numbers):
// merged into the two catalogues by en.js and zh.js. `deriv.<name>.line.<key>` entries are TeX.
import hvae from "./hvae.js";
import consistency from "./consistency.js";
import denoising from "./denoising.js";
import posterior from "./posterior.js";
import parameterizations from "./parameterizations.js";
import tweedie from "./tweedie.js";
import ddpmVariance from "./ddpm_variance.js";
import decoder from "./decoder.js";
import integrationByParts from "./by_parts.js";
import dsm from "./dsm.js";
import timeEmbedding from "./embedding.js";
import flowMatching from "./flow_matching.js";

const all = [hvae, consistency, denoising, posterior, parameterizations, tweedie, ddpmVariance, decoder, integrationByParts, dsm, timeEmbedding, flowMatching];
export const en = Object.assign({}, ...all.map((d) => d.en));
export const zh = Object.assign({}, ...all.map((d) => d.zh));
