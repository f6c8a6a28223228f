// Random and boundary values for the configs of the main entry points: every refusal must be an
// Error with a code and params.field (never a panic, a non-Error throw or an uncoded message), and
// the instance must keep working afterwards. Seeded, so a failure reproduces.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
const dl = createRequire(import.meta.url)("../../pkg/diffusion_lab.js");
let seed = 1; const rnd = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
const vals = [0, -1, 1, 2, 0.5, 1e-300, 1e300, -1e300, NaN, Infinity, -Infinity, 1e154, 10.5, "x", "", null, undefined, true, [], [1, 2], [, 1], {}, { a: 1 }, new Float64Array([1, NaN]), () => 1, Symbol("s"), 10n];
const pick = () => vals[Math.floor(rnd() * vals.length)];
const fields = { Schedule: ["kind", "T", "betaStart", "betaEnd", "s", "maxBeta", "betas"], sampleDataset: ["name", "n", "seed", "noise", "radius", "std", "weights"],
  vaeElbo: ["weights", "bias", "noiseVariance", "x", "encoder", "samples", "seed"], tweedie1d: ["prior", "sigma", "x"], withOracle: ["sampler", "particles", "seed", "eta", "steps", "stepSize", "sigmaMax", "sigmaMin", "levels", "stepsPerLevel", "eps", "init", "initScale", "x0", "tStart", "T"] };
const ring = dl.Mixture.ring8({});
const calls = {
  Schedule: (c) => new dl.Schedule(c), sampleDataset: (c) => dl.sampleDataset(c), vaeElbo: (c) => dl.vaeElbo(c), tweedie1d: (c) => dl.tweedie1d(c),
  withOracle: (c) => dl.Chain.withOracle(c, ring),
};
test("3000 random configs: accepted, or refused as coded data naming the field; the instance survives", () => {
const bad = []; let ok = 0, refused = 0;
for (let i = 0; i < 3000; i++) {
  const name = Object.keys(calls)[i % 5];
  const c = {}; for (const f of fields[name]) if (rnd() < 0.3) c[f] = pick();
  if (name === "sampleDataset" && rnd() < 0.7) c.name = ["moons", "ring8", "circles"][i % 3];
  if (name === "Schedule" && (typeof c.T === "number" && c.T > 2000)) c.T = 2000;
  const big = (v) => typeof v === "number" && v > 5000; if (big(c.n) || big(c.particles) || big(c.samples) || big(c.steps) || big(c.levels) || big(c.stepsPerLevel)) continue;
  try { calls[name](c); ok++; }
  catch (e) {
    if (!(e instanceof Error) || !e.code || !e.params?.field) bad.push(`${name} ${JSON.stringify(c, (k, v) => typeof v === "bigint" || typeof v === "symbol" || typeof v === "function" ? String(v) : v)}: ${e && e.name} ${e && e.message}`);
    else refused++;
  }
}
assert.deepEqual(bad.slice(0, 10), []);
assert.ok(ok > 100 && refused > 1000, `${ok} accepted, ${refused} refused: the fuzzer reaches both sides`);
assert.equal(new dl.Schedule({}).T, 1000);
});
