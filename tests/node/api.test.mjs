// The JavaScript API from Node (`wasm-pack build --target nodejs`): typed arrays in and out,
// configs as plain objects, errors as thrown Errors with messages naming the parameter.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const dl = require("../../pkg/diffusion_lab.js");

const close = (a, b, rel = 1e-12) => Math.abs(a - b) <= rel * Math.max(1, Math.abs(a), Math.abs(b));

test("DDPM default schedule: ᾱ_1000 = 4.0358e-5 and typed arrays out", () => {
  const s = new dl.Schedule({ kind: "linear", T: 1000 });
  assert.equal(s.T, 1000);
  assert.equal(s.kind, "linear");
  const abar = s.alphasCumprod();
  assert.ok(abar instanceof Float64Array);
  assert.equal(abar.length, 1000);
  assert.equal(Number(abar[999].toPrecision(5)), 4.0358e-5);
  assert.equal(s.alphaBar(0), 1);
  assert.equal(s.betas()[0], 1e-4);
  s.free();
});

test("posterior, conversions and μ_θ agree across parameterizations", () => {
  const s = new dl.Schedule({ kind: "cosine", T: 200 });
  const x0 = new Float64Array([0.5, -1.0]);
  const noise = new Float64Array([0.3, 1.2]);
  const t = 37;
  const { sample: xt, variance } = s.qSample(x0, t, noise);
  assert.ok(close(variance, 1 - s.alphaBar(t)));
  const eps = s.convert("x0", "eps", xt, t, x0);
  assert.ok(close(eps[0], 0.3, 1e-10) && close(eps[1], 1.2, 1e-10));
  const score = s.convert("eps", "score", xt, t, eps);
  const m0 = s.modelMean("x0", xt, t, x0), m1 = s.modelMean("eps", xt, t, eps), m2 = s.modelMean("score", xt, t, score);
  const post = s.posterior(xt, x0, t);
  for (let i = 0; i < 2; i++) {
    assert.ok(close(m0[i], post.mean[i], 1e-10) && close(m1[i], post.mean[i], 1e-10) && close(m2[i], post.mean[i], 1e-10));
  }
  assert.ok(close(post.variance, s.posteriorVariance()[t - 1]));
  // plain arrays are accepted where typed arrays are expected
  assert.deepEqual([...s.convert("x0", "x0", [1, 2], t, [3, 4])], [3, 4]);
});

test("denoising KL equals weight × squared error for each parameterization", () => {
  const s = new dl.Schedule({ kind: "linear", T: 100 });
  const x0 = [0.2, 0.9], noise = [-0.4, 0.8], t = 50;
  const xt = s.qSample(x0, t, noise).sample;
  const predX0 = [0.0, 0.5];
  const kl = s.denoisingKl(x0, xt, t, "x0", predX0, "beta_tilde");
  for (const p of ["x0", "eps", "score"]) {
    const pred = s.convert("x0", p, xt, t, predX0);
    const target = s.convert("x0", p, xt, t, x0);
    const sq = (pred[0] - target[0]) ** 2 + (pred[1] - target[1]) ** 2;
    assert.ok(close(s.lossWeight(p, t, "beta_tilde") * sq, kl, 1e-9), p);
    assert.ok(close(s.denoisingKl(x0, xt, t, p, pred, "beta_tilde"), kl, 1e-9), p);
  }
  assert.ok(close(s.snrWeight(t), s.lossWeight("x0", t, "beta_tilde"), 1e-9));
});

test("ELBO terms add up, in nats and bits/dim", () => {
  const T = 20;
  const s = new dl.Schedule({ kind: "cosine", T });
  const x0 = [0.5, -0.5];
  const xts = new Float64Array(2 * T), preds = new Float64Array(2 * T);
  for (let t = 1; t <= T; t++) {
    const xt = s.qSample(x0, t, [0.1 * t, -0.05 * t]).sample;
    xts.set(xt, 2 * (t - 1));
    preds.set([0.4, -0.6], 2 * (t - 1));
  }
  const e = s.elboTerms(x0, xts, preds, { parameterization: "x0", variance: "beta", decoder: "gaussian" });
  assert.equal(e.denoisingKl.length, T - 1);
  const sum = e.denoisingKl.reduce((a, b) => a + b, 0);
  assert.ok(close(e.denoisingTotal, sum));
  assert.ok(close(e.negElboNats, e.priorKl + sum - e.reconstruction));
  assert.ok(close(e.negElboBitsPerDim, e.negElboNats / (2 * Math.LN2)));
});

test("mixture oracle: Tweedie exact, entropy with standard error", () => {
  const s = new dl.Schedule({});
  const m = new dl.Mixture({ weights: [1, 3], means: [[-1, 0], [1, 1]], variances: [[0.1, 0.2], [0.3, 0.1]] });
  assert.deepEqual([...m.weights()], [0.25, 0.75]);
  const pts = new Float64Array([0.2, 0.4, -1.1, 0.3]);
  const t = 120;
  const score = m.score(pts, s, t);
  const x0 = m.posteriorMeanX0(pts, s, t);
  for (let i = 0; i < 2; i++) {
    const tw = s.convert("score", "x0", pts.subarray(2 * i, 2 * i + 2), t, score.subarray(2 * i, 2 * i + 2));
    assert.ok(close(tw[0], x0[2 * i], 1e-9) && close(tw[1], x0[2 * i + 1], 1e-9));
  }
  const h = m.entropy(20000, 1);
  assert.ok(h.stdError > 0 && h.stdError < 0.05 && Number.isFinite(h.mean));
  assert.equal(m.logDensity(pts, s, 0).length, 2);
});

test("datasets are seeded and reproducible", () => {
  const a = dl.sampleDataset({ name: "swissroll", n: 100, seed: 3 });
  const b = dl.sampleDataset({ name: "swissroll", n: 100, seed: 3 });
  assert.equal(a.length, 200);
  assert.deepEqual(a, b);
  assert.deepEqual(dl.choices().datasets, ["ring8", "moons", "swissroll", "checkerboard", "circles"]);
  assert.equal(dl.validatePoints([0, 1, 2, 3], 2), 2);
});

test("every bad input is a thrown Error naming the parameter and range", () => {
  const s = new dl.Schedule({ T: 1000 });
  const cases = [
    [() => new dl.Schedule({ T: 1 }), /T = 1 is out of range: T must be an integer in 2\.\.=100000/],
    [() => new dl.Schedule({ kind: "explicit", betas: [0.5, 0] }), /betas\[1\] = 0 is out of range: betas\[1\] must be a number in \[1e-12, 1\)/],
    [() => new dl.Schedule({ kind: "quadratic" }), /valid ones are "linear", "cosine", "explicit"/],
    [() => s.qSample([0], 1001, [0]), /t = 1001 is out of range: t must be an integer in 1\.\.=1000/],
    [() => s.qSample([0, 1], 3, [0]), /lengths must match/],
    [() => s.qSample([NaN], 3, [0]), /x0\[0\] = NaN is not a finite number/],
    [() => s.convert("x0", "velocity", [0], 3, [0]), /valid ones are "x0", "eps", "score"/],
    [() => s.denoisingKl([0], [0], 1, "eps", [0], "beta"), /2\.\.=1000 \(t = 1 is the decoder term/],
    [() => s.elboTerms([0], new Float64Array(10), new Float64Array(1000), {}), /xTs has 10 values/],
    [() => s.elboTerms([0], new Float64Array(1000), new Float64Array(1000), { decoder: "laplace" }), /valid ones are "gaussian"/],
    [() => dl.gaussianKl([0], [-1], [0], [1]), /var1\[0\] = -1 is out of range/],
    [() => dl.discretizedDecoderLogLikelihood([2], [0], 1), /\[-1, 1\]/],
    [() => new dl.Mixture({ weights: [1], means: [[0, 0]], variances: [[1]] }), /lengths must match/],
    [() => dl.sampleDataset({ name: "moons", n: 0 }), /n = 0 is out of range/],
    [() => dl.sampleDataset({ name: "moons", n: 10, seed: -1 }), /seed = -1 is out of range/],
    [() => dl.sampleDataset({ name: "moons", colour: "red" }), /unknown field "colour"/],
  ];
  for (const [f, re] of cases) assert.throws(f, (e) => e instanceof Error && re.test(e.message), String(re));
});

test("the discretized decoder stays finite in the tails", () => {
  const ll = dl.discretizedDecoderLogLikelihood([-1, 1, 0.5], [0.99, -0.99, -0.99], 1e-10);
  for (const v of ll) assert.ok(Number.isFinite(v) && v < 0);
  assert.ok(Number.isFinite(dl.logStdNormalCdf(-1e4)));
});

test("the reverse chain from JS: DDIM with the oracle, deterministic from the seed, annealed vs plain Langevin", async () => {
  const ring = dl.Mixture.ring8({});
  const run = async (cfg) => { const c = dl.Chain.withOracle(cfg, ring); await c.runTo(c.length); const s = c.state(); return { c, s }; };
  const a = await run({ sampler: "ddim", steps: 25, particles: 200, seed: 9 });
  const b = await run({ sampler: "ddim", steps: 25, particles: 200, seed: 9 });
  assert.ok(a.s instanceof Float64Array && a.s.length === 400);
  assert.deepEqual(a.s, b.s);
  assert.equal(a.c.at.t, 0);
  const q = a.c.quality(ring.sample(400, 3));
  assert.ok(q.mmd2 < 0.02, `MMD² ${q.mmd2}`);
  assert.equal(q.modeFractions.length, 8);
  // an unbalanced pair of modes: annealed Langevin gets the weights right, plain Langevin does not
  const m = new dl.Mixture({ weights: [0.2, 0.8], means: [[-5, -5], [5, 5]], variances: [[1, 1], [1, 1]] });
  const plain = dl.Chain.withOracle({ sampler: "langevin", stepSize: 0.1, steps: 300, particles: 500, initScale: 8, seed: 1 }, m);
  await plain.runTo(plain.length);
  const annealed = dl.Chain.withOracle({ sampler: "annealed", sigmaMax: 15, sigmaMin: 0.3, levels: 10, stepsPerLevel: 30, eps: 0.045, particles: 500, initScale: 8, seed: 1 }, m);
  assert.equal(annealed.sigmas().length, 10);
  await annealed.runTo(annealed.length);
  const ref = m.sample(500, 2);
  const [p, an] = [plain.quality(ref), annealed.quality(ref)];
  assert.ok(an.modeWeightError < 0.06 && p.modeWeightError > an.modeWeightError + 0.1, `plain ${p.modeFractions} annealed ${an.modeFractions}`);
  assert.throws(() => dl.Chain.withOracle({ sampler: "ddim", steps: 0 }, ring), /steps = 0 is out of range/);
});

test("numerical companions: VAE identity, KL → MSE, ELBO forms, score matching, 1-D Tweedie", () => {
  const v = dl.vaeElbo({ samples: 5000, seed: 1 });
  assert.ok(Math.abs(v.identityResidual) < 1e-12);
  assert.ok(Math.abs(v.logEvidence - v.elbo - v.posteriorKl) < 1e-12);
  assert.ok(Math.abs(v.monteCarlo.elbo.mean - v.elbo) < 4 * v.monteCarlo.elbo.stdError);
  assert.ok(v.encoder.mean instanceof Float64Array);
  const g = dl.vaeGradients({ encoder: { mean: [0, 0], std: [1, 1] }, samples: 20000 });
  assert.deepEqual([...g.names], ["mu_1", "mu_2", "sigma_1", "sigma_2"]);
  assert.ok([...g.varianceRatio].every((r) => r > 1));
  const k = dl.klEqualVariance(new Float64Array([0, 1]), new Float64Array([1, 1]), 0.5);
  assert.ok(close(k.full, 1) && close(k.simplified, 1) && close(k.general, 1));
  const s = new dl.Schedule({ kind: "linear", T: 200 });
  const m = dl.Mixture.ring8();
  const f = dl.elboForms(s, m, { samples: 400, seed: 3 });
  assert.ok(Math.abs(f.consistencyMinusDenoising.mean) < 4 * f.consistencyMinusDenoising.stdError);
  assert.ok(f.singleTVarianceRatio > 10);
  const sm = dl.scoreMatching(m, { samples: 5000, thetas: [{ mean: [0, 0], variance: 2 }, { mean: [1, 0], variance: 1 }] });
  assert.equal(sm.explicit.length, 2);
  assert.ok(sm.implicitConstant.mean > 0);
  const tw = dl.tweedie1d({ prior: { kind: "laplace", loc: 0, scale: 1 }, sigma: 0.3, x: [-1, 0, 2] });
  assert.ok(tw.maxAbsResidual < 1e-6);
  assert.throws(() => dl.tweedie1d({ prior: { kind: "gaussian", mean: 0 } }), /prior\.variance is missing/);
  assert.throws(() => dl.vaeElbo({ noiseVariance: -2 }), /noiseVariance = -2 is out of range/);
  s.free();
  m.free();
});

test("noiseDataset: the closed form (1.73) and the iterated chain (1.63) agree in law", () => {
  const s = new dl.Schedule({ kind: "cosine", T: 300 });
  const r = dl.noiseDataset(s, { dataset: "swissroll", n: 2000, t: 120, seed: 4 });
  assert.equal(r.closed.length, 4000);
  assert.equal(r.iterated.length, 4000);
  assert.ok(close(r.variance, 1 - s.alphaBar(120)));
  assert.equal(r.varianceByStep.length, 120);
  assert.ok(r.maxZExact < 4.5 && r.maxZBetween < 4.5, `${r.maxZExact}, ${r.maxZBetween}`);
  for (const m of [...r.closedMoments, ...r.iteratedMoments]) assert.ok(Math.abs(m.secondMoment.mean - r.variance) < 5 * m.secondMoment.stdError);
  // the same seed gives the same points; a bad config is refused with a sentence
  assert.deepEqual(dl.noiseDataset(s, { dataset: "swissroll", n: 50, t: 3, seed: 1 }).closed, dl.noiseDataset(s, { dataset: "swissroll", n: 50, t: 3, seed: 1 }).closed);
  assert.throws(() => dl.noiseDataset(s, { dataset: "swissroll", t: 301 }), /t = 301 is out of range/);
  assert.throws(() => dl.noiseDataset(s, { dataset: "spiral" }), /spiral/);
  assert.throws(() => dl.noiseDataset(s, { dataset: "moons", colour: 1 }), /colour/);
  s.free();
});

test("errors are data: code, the JS field and its rule, in every language's hands", () => {
  const e = (() => { try { new dl.Schedule({ betaStart: 2 }); } catch (err) { return err; } })();
  assert.ok(e instanceof Error);
  assert.equal(e.code, "range");
  assert.equal(e.params.field, "betaStart");
  assert.equal(e.params.range, "[1e-12, 1)");
  assert.equal(e.params.value, "2");
  assert.match(e.message, /^betaStart = 2 is out of range/);
  const codes = dl.errorCodes();
  for (const c of ["range", "integer_range", "unknown_field", "wrong_type", "busy", "device"]) assert.ok(codes.includes(c), c);
  // a config whose getter throws is refused, and the instance keeps working
  const bad = { get T() { throw new Error("boom"); } };
  for (let i = 0; i < 1000; i++) assert.throws(() => new dl.Schedule(bad), (err) => err.code === "unreadable" && err.params.field === "T");
  assert.equal(new dl.Schedule({}).T, 1000);
  assert.throws(() => new dl.Schedule({ T: [, 1] }), (err) => err.code === "wrong_type" && err.params.field === "T");
});

test("one source for defaults: the engine's own numbers", () => {
  const d = dl.defaults();
  assert.equal(d.schedule.T, 1000);
  assert.equal(d.train.lossBins, 20);
  assert.equal(d.chain.ddim.steps, 50);
  assert.equal(d.chain.langevin.stepSize, 0.004);
  assert.equal(d.heldOut.points, 256);
  // a chain built without settings uses exactly these
  const c = dl.Chain.withOracle({ sampler: "langevin", particles: 10 }, dl.Mixture.ring8({}));
  assert.equal(c.length, d.chain.langevin.steps);
  assert.deepEqual(Object.keys(dl.choices()).sort(), ["datasets", "decoders", "inits", "parameterizations", "samplers", "schedules", "variances", "weightings"]);
});

test("the experiments the workers used to run: DDPM vs DDIM and plain vs annealed Langevin, in the engine", async () => {
  const ring = dl.Mixture.ring8({});
  const c = await dl.compareSamplers(ring, { particles: 300, seed: 2 });
  assert.equal(c.sameStart, true);
  assert.equal(c.ddpm.steps, 1000);
  assert.equal(c.ddim.steps, 50);
  assert.ok(c.ddim.mmd2 < 0.02 && c.ddpm.mmd2 < 0.02, `${c.ddpm.mmd2} ${c.ddim.mmd2}`);
  const moons = await dl.compareSamplers(ring, { particles: 300, seed: 2, dataset: "moons" });
  assert.ok(moons.ddim.mmd2 > 5 * Math.max(c.ddim.mmd2, 1e-3), "scored against other data the same samples are far off");
  const l = await dl.langevinCompare({ particles: 600, steps: 600 });
  assert.ok(l.plain.modeWeightError > 0.15 && l.annealed.modeWeightError < 0.06, `${l.plain.modeWeightError} ${l.annealed.modeWeightError}`);
  assert.equal(l.plain.at.length, l.plain.share.length);
  const chain = dl.Chain.withOracle({ sampler: "ddim", particles: 300 }, ring);
  await chain.runTo(chain.length);
  const q = chain.qualityAgainst({ dataset: "ring8" });
  assert.ok(q.mmd2 < 0.02 && Number.isFinite(q.floor));
  const drawn = chain.qualityAgainst({ reference: new Float64Array([5, 5, 5.1, 5, 5, 5.1]) });
  assert.ok(drawn.mmd2 > 0.1, "three far points as the reader's data: far from the ring");
  await assert.rejects(dl.langevinCompare({ light: 1 }), (err) => err.code === "range" && err.params.field === "light");
});

test("the held-out estimate refined: slices pooled per point, a new step starts afresh, a bad option named", async () => {
  const tr = await dl.Trainer.create({ dataset: "ring8", batchSize: 32 }, { backend: "cpu" });
  try {
    const a = await tr.heldOut({ variance: "beta", refine: true, points: 40 });
    assert.equal(a.rounds, 1);
    assert.equal(a.points, 40);
    assert.equal(a.targetStdError, 0.02);
    assert.equal(a.refined, false);
    const b = await tr.heldOut({ variance: "beta", refine: true, points: 60 });
    assert.deepEqual([b.rounds, b.points], [2, 100]);
    assert.ok(b.oracleGapStdError < a.oracleGapStdError * 1.2, `${a.oracleGapStdError} → ${b.oracleGapStdError}`);
    // a quick estimate in between leaves the pool alone; another variance or a step starts a new one
    await tr.heldOut({});
    assert.equal((await tr.heldOut({ variance: "beta", refine: true, points: 10 })).rounds, 3);
    assert.equal((await tr.heldOut({ variance: "beta_tilde", refine: true, points: 10 })).rounds, 1);
    await tr.run(1);
    assert.equal((await tr.heldOut({ variance: "beta_tilde", refine: true, points: 10 })).rounds, 1);
    await assert.rejects(tr.heldOut({ refine: "yes" }), (e) => e.code === "wrong_type" && e.params.field === "refine");
  } finally {
    tr.free();
  }
});

test("derivation(): every derivation's steps hold, its keys have text in both languages, bad inputs are named", async () => {
  const { default: en } = await import("../../www/js/i18n/en.js");
  const { default: zh } = await import("../../www/js/i18n/zh.js");
  const names = Array.from(dl.derivationNames());
  assert.ok(names.length >= 11 && names.includes("posterior") && names.includes("embedding"), names.join(" "));
  const d = dl.defaults().derivation;
  for (const name of names) {
    const r = dl.derivation({ name });
    assert.equal(r.name, name);
    assert.ok(r.holds, `${name}: ${r.steps.filter((s) => !s.holds).map((s) => s.key).join(", ")}`);
    assert.ok(r.items.length >= 1 && r.items.every((i) => i >= 1 && i <= 49), `${name} items ${r.items}`);
    for (const key of [`deriv.${name}.title`, `deriv.${name}.intro`, ...r.lines.map((l) => `deriv.${name}.line.${l.key}`), ...r.steps.map((s) => `deriv.${name}.step.${s.key}`)]) {
      assert.ok(Object.hasOwn(en, key) && Object.hasOwn(zh, key), `${key} in both catalogues`);
    }
    for (const k of Object.keys(r.series).filter((k) => k !== "t")) {
      for (const key of [`deriv.${name}.series.${k}`, `deriv.${name}.chart`]) assert.ok(Object.hasOwn(en, key) && Object.hasOwn(zh, key), `${key} in both catalogues`);
    }
    for (const s of r.steps) assert.ok(s.from < r.lines.length && s.to < r.lines.length && ["equal", "expectation", "constant", "slip"].includes(s.relation));
    // the theta the page starts from is the one the derivation uses when none is given
    if (d.theta[name]?.length) assert.deepEqual(dl.derivation({ name, theta: Array.from(d.theta[name]) }).lines.map((l) => Array.from(l.value)), r.lines.map((l) => Array.from(l.value)));
  }
  // a moved point moves the numbers, and the steps still hold
  const a = dl.derivation({ name: "posterior", x0: [1.5, -0.4], t: 100 }), b = dl.derivation({ name: "posterior", x0: [1.8, -0.4], t: 107 });
  assert.ok(b.holds && a.lines.every((l, i) => Array.from(l.value).join() !== Array.from(b.lines[i].value).join()));
  const refuse = (config, field, code) => assert.throws(() => dl.derivation(config), (e) => e.params?.field === field && e.code === code, JSON.stringify(config));
  refuse({ name: "nonsense" }, "name", "unknown_choice");
  refuse({ name: "posterior", x0: [1] }, "x0", "length");
  refuse({ name: "posterior", x0: [1, 99] }, "x0[1]", "range");
  refuse({ name: "posterior", t: 1 }, "t", "integer_range");
  refuse({ name: "posterior", t: 1001 }, "t", "integer_range");
  refuse({ name: "hvae", samples: 1e9 }, "samples", "integer_range");
  refuse({ name: "posterior", colour: 1 }, "colour", "unknown_field");
  refuse({ name: "posterior", x0: [NaN, 0] }, "x0[0]", "not_finite");
});
