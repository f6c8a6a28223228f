// The two wasm modules (issue 15): the mathematics module (`--no-default-features`, no burn) that
// the page loads first, and the engine module (everything). One package surface: every export of
// the mathematics module is in the engine module, it gives the same numbers bit for bit, and it
// lacks exactly what needs burn.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const engine = require("../../pkg/diffusion_lab.js");
const math = require("../../pkg-math/diffusion-lab-math.js");

const exported = (m) => Object.keys(m).filter((k) => !k.startsWith("__") && k !== "start").sort();
// what only the engine has: the trainer, the race, the flow-matching pair, burn's devices and their measurement
const ENGINE_ONLY = ["FlowComparison", "Race", "Trainer", "initBackend", "measureBackends", "probeCpu", "probeWebGpu"];

test("the mathematics module is the engine module without burn's exports", () => {
  const e = exported(engine), m = exported(math);
  assert.deepEqual(m.filter((k) => !e.includes(k)), [], "every mathematics export is an engine export");
  assert.deepEqual(e.filter((k) => !m.includes(k)), ENGINE_ONLY, "the engine adds exactly the network's exports");
  for (const k of ["Schedule", "Mixture", "Chain", "Comparison", "vaeElbo", "defaults", "choices", "errorCodes", "webGpuAvailable", "flowPath"]) assert.ok(m.includes(k), k);
});

test("one source of defaults: the same defaults(), choices() and errorCodes() in both modules", () => {
  assert.deepEqual(math.defaults(), engine.defaults());
  assert.deepEqual(math.choices(), engine.choices());
  assert.deepEqual(math.errorCodes(), engine.errorCodes());
});

test("the same numbers bit for bit: the VAE's ELBO, a schedule, the oracle's chain, an error", async () => {
  const vae = (dl, seed) => dl.vaeElbo({ samples: 500, seed });
  assert.deepEqual(vae(math, 3), vae(engine, 3));
  assert.notDeepEqual(vae(math, 3), vae(math, 4), "another seed gives other draws: the comparison can fail");
  assert.deepEqual(new math.Schedule({ kind: "cosine", T: 300 }).alphasCumprod(), new engine.Schedule({ kind: "cosine", T: 300 }).alphasCumprod());
  const chain = async (dl) => { const c = dl.Chain.withOracle({ sampler: "ddpm", particles: 100, seed: 5 }, dl.Mixture.ring8({})); await c.runTo(c.length); return c.state(); };
  assert.deepEqual(await chain(math), await chain(engine));
  const refusal = (dl) => { try { new dl.Schedule({ kind: "linear", T: 5 }); } catch (e) { return [e.message, e.code, e.params]; } return null; };
  assert.ok(refusal(math), "T = 5 is refused");
  assert.deepEqual(refusal(math), refusal(engine));
});
