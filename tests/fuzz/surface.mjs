// The JS API as the package declares it: every export of pkg/diffusion_lab.d.ts (functions,
// constructors, static and instance methods, getters, setters) with its parameters' declared types.
// The fuzzer calls exactly this list, so a new export is fuzzed without touching the fuzzer.
import fs from "node:fs";

/** Split "a: T, b: U | V" at top-level commas. */
function params(text) {
  const out = []; let depth = 0, cur = "";
  for (const ch of text) {
    if ("<([{".includes(ch)) depth++;
    if (">)]}".includes(ch)) depth--;
    if (ch === "," && depth === 0) { out.push(cur); cur = ""; } else cur += ch;
  }
  if (cur.trim()) out.push(cur);
  return out.map((p) => { const i = p.indexOf(":"); return { name: p.slice(0, i).trim().replace(/\?$/, ""), type: p.slice(i + 1).trim() }; });
}

/** Every callable export: {owner, kind: "function"|"constructor"|"static"|"method"|"getter"|"setter", name, params, async}. */
export function surface(dtsPath) {
  const lines = fs.readFileSync(dtsPath, "utf8").split("\n");
  const out = []; let owner = null;
  for (const raw of lines) {
    const line = raw.trim();
    if (line.startsWith("/*") || line.startsWith("*")) continue;
    let m;
    if ((m = line.match(/^export class (\w+)/))) { owner = m[1]; continue; }
    if (owner && line === "}") { owner = null; continue; }
    if ((m = line.match(/^export function (\w+)\((.*)\): (.*);$/))) { out.push({ owner: null, kind: "function", name: m[1], params: params(m[2]), async: m[3].startsWith("Promise") }); continue; }
    if (!owner) continue;
    if (line.startsWith("private constructor") || line.startsWith("[Symbol")) continue;
    if ((m = line.match(/^constructor\((.*)\);$/))) { out.push({ owner, kind: "constructor", name: "constructor", params: params(m[1]), async: false }); continue; }
    if ((m = line.match(/^static (\w+)\((.*)\): (.*);$/))) { out.push({ owner, kind: "static", name: m[1], params: params(m[2]), async: m[3].startsWith("Promise") }); continue; }
    if ((m = line.match(/^(?:readonly |get )(\w+)(?:\(\))?: (.*);$/))) { out.push({ owner, kind: "getter", name: m[1], params: [], async: false }); continue; }
    if ((m = line.match(/^set (\w+)\((.*)\);$/))) { out.push({ owner, kind: "setter", name: m[1], params: params(m[2]), async: false }); continue; }
    if ((m = line.match(/^(\w+)\((.*)\): (.*);$/))) { out.push({ owner, kind: "method", name: m[1], params: params(m[2]), async: m[3].startsWith("Promise") }); continue; }
  }
  return out;
}
