// Trunk post-build hook: give the built page a strict Content-Security-Policy, and preload its
// modules. Scripts must come from the page's own origin (main.js loads the wasm itself; an inline
// script, if one were added, would be allowed by its SHA-256 hash). (Trunk's live-reload client is rewritten at serve time, so its hash
// would not match: scripts/serve.sh runs `trunk serve --no-autoreload`.)
// No remote hosts anywhere: the page makes no network access beyond its own files.
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const dir = process.env.TRUNK_STAGING_DIR || process.argv[2];
if (!dir) throw new Error("csp.mjs: no TRUNK_STAGING_DIR (run it as a Trunk post_build hook, or pass the dist folder)");
const file = join(dir, "index.html");
let html = readFileSync(file, "utf8").replace(/<meta http-equiv="Content-Security-Policy"[^>]*>\n?/, "");

const hashes = [];
for (const [, attrs, body] of html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)) {
  if (/\ssrc=/.test(attrs)) continue;
  hashes.push(`'sha256-${createHash("sha256").update(body, "utf8").digest("base64")}'`);
}

export const POLICY = [
  "default-src 'none'",
  `script-src 'self' 'wasm-unsafe-eval' ${hashes.join(" ")}`.trim(),
  "worker-src 'self'",
  "style-src 'self'",
  "font-src 'self'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "object-src 'none'",
].join("; ");

// Module preloads (issue 15): main.js imports the views, they import plot.js, i18n.js, …, so the
// browser would discover the page's modules level by level (three round trips before main.js runs).
// One <link rel="modulepreload"> per module of the page lets it fetch them all at once. The
// workers' scripts are left out: they run in their own contexts.
const jsDir = join(dir, "js");
const modules = readdirSync(jsDir, { recursive: true }).filter((f) => f.endsWith(".js") && !f.endsWith("-worker.js")).sort();
html = html.replace(/<link rel="modulepreload" href="js\/[^"]*">\n?\s*/g, "");
const preloads = modules.map((f) => `<link rel="modulepreload" href="js/${f}">`).join("\n  ");
if (!/<script type="module" src="js\/main.js"><\/script>/.test(html)) throw new Error("csp.mjs: index.html has no js/main.js module script to preload for");
html = html.replace(/<script type="module" src="js\/main.js"><\/script>/, (m) => `${preloads}\n  ${m}`);

const meta = `<meta http-equiv="Content-Security-Policy" content="${POLICY}">`;
if (!/<meta charset="utf-8">/.test(html)) throw new Error("csp.mjs: index.html has no <meta charset> to put the policy after");
html = html.replace(/<meta charset="utf-8">/, (m) => `${m}\n  ${meta}`);
writeFileSync(file, html);
