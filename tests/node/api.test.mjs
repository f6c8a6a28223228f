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
  assert.deepEqual(Object.keys(dl.choices()).sort(), ["datasets", "decoders", "inits", "lrSchedules", "odeMethods", "parameterizations", "samplers", "schedules", "sdeKinds", "sdeSamplers", "tSamplings", "variances", "weightings"]);
});

test("issue 14: the comparison as a job equals compareSamplers; measureBackends times the CPU and says why not WebGPU", async () => {
  const ring = dl.Mixture.ring8({});
  const whole = await dl.compareSamplers(ring, { particles: 300, seed: 2 });
  const job = dl.Comparison.withOracle(ring, { particles: 300, seed: 2 });
  assert.throws(() => job.result(), (e) => e.code === "busy" && e.params.field === "comparison");
  let p = job.progress();
  assert.deepEqual([p.done, p.steps, p.total, p.running], [false, 0, 1050, "ddpm"]);
  const seen = [];
  while (!(p = await job.advance()).done) seen.push(p.steps);
  assert.deepEqual([p.steps, p.total, p.running], [1050, 1050, "done"]);
  assert.ok(seen.every((v, i) => i === 0 || v > seen[i - 1]), `progress only grows: ${seen}`);
  const r = job.result();
  assert.deepEqual(Array.from(r.ddpm.state), Array.from(whole.ddpm.state));
  assert.deepEqual(Array.from(r.ddim.state), Array.from(whole.ddim.state));
  assert.deepEqual([r.ddpm.mmd2, r.ddim.mmd2, r.floor, r.sameStart], [whole.ddpm.mmd2, whole.ddim.mmd2, whole.floor, true]);
  job.free();
  // Node has no WebGPU: the CPU is timed and chosen, and the reason is given
  const d = dl.defaults().backendChoice;
  const m = await dl.measureBackends({ dataset: "ring8", batchSize: 64 }, { budgetMs: 50 });
  assert.equal(m.chosen, "cpu");
  assert.equal(m.webgpu, null);
  assert.match(m.webgpuError, /WebGPU/);
  assert.ok(m.cpu.steps >= d.minSteps && m.cpu.ms >= 50 && m.cpu.stepsPerSec > 0, JSON.stringify(m.cpu));
  assert.equal(m.margin, d.margin);
  assert.match(m.shape, /^34→128→128→128→2, batch 64$/);
  await assert.rejects(dl.measureBackends({ dataset: "ring8" }, { budgetMs: -1 }), (e) => e.params.field === "budgetMs");
  await assert.rejects(dl.measureBackends({ dataset: "ring8", batchSize: 0 }, {}), (e) => e.params.field === "batchSize");
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

test("pure steps for reproduction: DDPM, DDIM, x̂₀ from μ, Langevin and annealed Langevin against a JS re-implementation", async () => {
  const s = new dl.Schedule({ kind: "cosine", T: 200 });
  const T = 200, betas = Array.from(s.betas());
  // improved-diffusion's GaussianDiffusion arrays, computed here from the betas
  const ac = []; let acc = 1; for (const b of betas) { acc *= 1 - b; ac.push(acc); }
  const acPrev = [1, ...ac.slice(0, -1)], acNext = [...ac.slice(1), 0];
  const postVar = betas.map((b, i) => (b * (1 - acPrev[i])) / (1 - ac[i]));
  const coef1 = betas.map((b, i) => (b * Math.sqrt(acPrev[i])) / (1 - ac[i]));
  const coef2 = betas.map((b, i) => ((1 - acPrev[i]) * Math.sqrt(1 - b)) / (1 - ac[i]));
  const recip = ac.map((a) => Math.sqrt(1 / a)), recipm1 = ac.map((a) => Math.sqrt(1 / a - 1));
  const same = (got, want, rel, what) => { assert.equal(got.length, want.length, what); want.forEach((w, i) => assert.ok(close(got[i], w, rel), `${what}[${i}]: ${got[i]} vs ${w}`)); };
  same(s.alphasCumprodNext(), acNext, 1e-15, "alphasCumprodNext");
  assert.equal(s.alphasCumprodNext()[T - 1], 0);
  same(s.logOneMinusAlphasCumprod(), ac.map((a) => Math.log(1 - a)), 1e-14, "logOneMinusAlphasCumprod");
  same(s.sqrtRecipAlphasCumprod(), recip, 1e-15, "sqrtRecipAlphasCumprod");
  same(s.sqrtRecipm1AlphasCumprod(), recipm1, 1e-15, "sqrtRecipm1AlphasCumprod");

  // p_sample: x̂₀ = recip·x − recipm1·ε, μ = coef1·x̂₀ + coef2·x, prev = μ + σ·z (no noise at t = 1)
  const dim = 2, xT = new Float64Array([0.4, -1.1, 2.0, 0.3, -0.6, 0.9]), eps = new Float64Array([0.2, 0.7, -1.3, 0.5, 0.1, -0.4]);
  const noise = new Float64Array([1.1, -0.3, 0.6, 0.2, -1.7, 0.8]);
  const fixedLarge = (i) => (i === 0 ? postVar[1] : betas[i]);
  for (const t of [1, 2, 57, 150]) {
    const i = t - 1;
    for (const [variance, v] of [["fixed_large", fixedLarge(i)], ["beta", betas[i]], ["beta_tilde", postVar[i === 0 ? 1 : i]]]) {
      const r = s.ddpmStep({ xT, dim, t, prediction: eps, param: "eps", variance, noise });
      const x0 = Array.from(xT, (x, j) => recip[i] * x - recipm1[i] * eps[j]);
      const mean = x0.map((x0j, j) => coef1[i] * x0j + coef2[i] * xT[j]);
      const sigma = t > 1 ? Math.sqrt(v) : 0;
      same(r.x0, x0, 1e-9, `x0 t=${t}`);
      same(r.mean, mean, 1e-9, `mean t=${t} ${variance}`);
      same(r.prev, mean.map((m, j) => m + sigma * noise[j]), 1e-9, `prev t=${t} ${variance}`);
      assert.ok(close(r.sigma, sigma, 1e-15) && close(r.variance, v, 1e-15), `σ t=${t} ${variance}: ${r.sigma}`);
      same(r.score, Array.from(eps, (e) => -e / Math.sqrt(1 - ac[i])), 1e-12, `score t=${t}`);
      // the same step from an x̂₀ prediction
      const r0 = s.ddpmStep({ xT, dim, t, prediction: r.x0, param: "x0", variance, noise });
      same(r0.prev, r.prev, 1e-9, `x0-param prev t=${t}`);
    }
  }
  // FIXED_LARGE: β̃₂ for the decoder at t = 1 and β_t beyond, beside "beta" (β₁) and "beta_tilde"
  assert.ok(close(s.modelVariance(1, "fixed_large"), postVar[1]) && close(s.modelVariance(1, "beta"), betas[0]) && close(s.modelVariance(2, "fixed_large"), betas[1]));
  assert.ok(dl.choices().variances.includes("fixed_large"));
  const xs = new Float64Array(T * 2).map((_, k) => Math.sin(k)), preds = new Float64Array(T * 2).map((_, k) => Math.cos(k));
  const [eL, eB] = ["fixed_large", "beta"].map((variance) => s.elboTerms([0.2, -0.5], xs, preds, { parameterization: "eps", variance, decoder: "gaussian" }));
  assert.deepEqual(eL.denoisingKl, eB.denoisingKl);
  assert.ok(Math.abs(eL.reconstruction - eB.reconstruction) > 1e-3);

  // ddim_sample: ε from x̂₀, σ = η √((1−ᾱ')/(1−ᾱ)) √(1 − ᾱ/ᾱ'), prev = √ᾱ' x̂₀ + √(1 − ᾱ' − σ²) ε + σ z
  for (const [t, tPrev, eta] of [[150, 145, 0.7], [57, 0, 1], [2, 1, 0]]) {
    const i = t - 1, ab = ac[i], abp = tPrev === 0 ? 1 : ac[tPrev - 1];
    const x0 = new Float64Array([0.9, -0.2, 1.4, 0.1, -1.0, 0.5]);
    const r = s.ddimStep({ xT, dim, t, tPrev, prediction: x0, param: "x0", eta, noise });
    const e = Array.from(xT, (x, j) => (recip[i] * x - x0[j]) / recipm1[i]);
    const sigma = eta * Math.sqrt((1 - abp) / (1 - ab)) * Math.sqrt(1 - ab / abp);
    const mean = e.map((ej, j) => Math.sqrt(abp) * x0[j] + Math.sqrt(1 - abp - sigma * sigma) * ej);
    same(r.eps, e, 1e-9, `ddim eps t=${t}`);
    same(r.mean, mean, 1e-9, `ddim mean t=${t}`);
    same(r.prev, mean.map((m, j) => m + sigma * noise[j]), 1e-9, `ddim prev t=${t}`);
    assert.ok(close(r.sigma, sigma, 1e-12) && close(r.variance, sigma * sigma, 1e-12));
  }

  // x̂₀ from the posterior mean: the inverse of (1.88)
  for (const t of [1, 3, 120]) {
    const x0 = new Float64Array([0.3, -0.8]), x = new Float64Array([1.2, 0.4]);
    const { mean } = s.posterior(x, x0, t);
    const back = s.x0FromPosteriorMean({ xT: x, t, mean });
    same(back, Array.from(mean, (m, j) => (m - coef2[t - 1] * x[j]) / coef1[t - 1]), 1e-15, `x0FromPosteriorMean t=${t}`);
    same(back, x0, 1e-9, `round trip t=${t}`);
  }

  // Langevin: mean = x + (h/2)·s, next = mean + √h·z, the same operations bit for bit
  const L = dl.langevinStep({ x: xT, dim, score: eps, stepSize: 0.01, noise });
  assert.deepEqual(Array.from(L.mean), Array.from(xT, (x, j) => x + 0.5 * 0.01 * eps[j]));
  assert.deepEqual(Array.from(L.next), Array.from(L.mean, (m, j) => m + Math.sqrt(0.01) * noise[j]));

  // annealed Langevin on a two-Gaussian mixture, its exact score of q_σ = q ∗ N(0, σ²I) written here
  const mix = { weights: [0.3, 0.7], means: [[-1, 0.5], [1.5, -0.2]], variances: [[0.2, 0.3], [0.4, 0.1]] };
  const scoreSigma = (p, sigma) => {
    const logs = mix.weights.map((w, k) => Math.log(w) + p.reduce((a, x, j) => { const v = mix.variances[k][j] + sigma * sigma; return a - 0.5 * (Math.log(2 * Math.PI * v) + (x - mix.means[k][j]) ** 2 / v); }, 0));
    const top = Math.max(...logs), r = logs.map((l) => Math.exp(l - top)), z = r.reduce((a, b) => a + b);
    return p.map((x, j) => r.reduce((a, rk, k) => a - (rk / z) * (x - mix.means[k][j]) / (mix.variances[k][j] + sigma * sigma), 0));
  };
  const sigmas = [2, 0.8, 0.3], K = 4, n = 3, epsStep = 0.01;
  const x = new Float64Array([3, 3, -3, 0, 0.5, -2]);
  const z = new Float64Array(sigmas.length * K * n * dim).map((_, k) => Math.sin(3.7 * k + 1));
  const A = dl.annealedLangevin({ x, dim, sigmas, stepsPerLevel: K, eps: epsStep, noise: z, mixture: mix });
  let state = Array.from(x);
  sigmas.forEach((sigma, li) => {
    const alpha = (epsStep * sigma * sigma) / (sigmas[2] * sigmas[2]);
    assert.ok(close(A.stepSizes[li], alpha, 1e-15));
    for (let k = 0; k < K; k++) {
      const off = (li * K + k) * n * dim;
      const g = [0, 1, 2].flatMap((p) => scoreSigma(state.slice(p * dim, (p + 1) * dim), sigma));
      state = state.map((v, j) => v + 0.5 * alpha * g[j] + Math.sqrt(alpha) * z[off + j]);
    }
    const means = [0, 1].map((j) => (state[j] + state[j + 2] + state[j + 4]) / 3);
    same(A.levelMeans.slice(li * dim, (li + 1) * dim), means, 1e-9, `levelMeans ${li}`);
  });
  same(A.samples, state, 1e-9, "annealed samples");
  // absent mixture: the default ring8 (a different target, different numbers)
  const R = dl.annealedLangevin({ x, dim, sigmas, stepsPerLevel: K, eps: epsStep, noise: z });
  assert.ok(Math.abs(R.samples[0] - A.samples[0]) > 1e-3);

  // a DDPM chain with "fixed_large" moves exactly as with "beta" (they differ only in the decoder)
  const ring = dl.Mixture.ring8({});
  const chainState = async (variance) => { const c = dl.Chain.withOracle({ sampler: "ddpm", variance, particles: 20, seed: 4, T: 50 }, ring); await c.runTo(c.length); return Array.from(c.state()); };
  assert.deepEqual(await chainState("fixed_large"), await chainState("beta"));

  // bad inputs name the field and its rule
  const ok = { xT, dim, t: 5, prediction: eps, param: "eps", variance: "fixed_large", noise };
  const refuse = (f, field, code) => assert.throws(f, (e) => { assert.ok(e.message.length <= 220, e.message); return e.params?.field === field && e.code === code; }, `${field} ${code}`);
  refuse(() => s.ddpmStep({ ...ok, noise: noise.slice(1) }), "noise", "length");
  refuse(() => s.ddpmStep({ ...ok, variance: "fixedlarge" }), "variance", "unknown_choice");
  assert.throws(() => s.ddpmStep({ ...ok, variance: "FIXED_LARGE" }), /"beta_tilde", "beta", "fixed_large"/);
  refuse(() => s.ddpmStep({ ...ok, param: "v" }), "param", "unknown_choice");
  refuse(() => s.ddpmStep({ ...ok, noise: undefined }), "noise", "missing");
  refuse(() => s.ddpmStep({ ...ok, prediction: eps.slice(2) }), "prediction", "length");
  refuse(() => s.ddpmStep({ ...ok, dim: 4 }), "xT", "length");
  refuse(() => s.ddpmStep({ ...ok, t: 0 }), "t", "integer_range");
  refuse(() => s.ddpmStep({ ...ok, noise: [NaN, 0, 0, 0, 0, 0] }), "noise[0]", "not_finite");
  refuse(() => s.ddpmStep({ ...ok, colour: 1 }), "colour", "unknown_field");
  const okDdim = { xT, dim, t: 5, tPrev: 4, prediction: eps, param: "eps", eta: 0, noise };
  refuse(() => s.ddimStep({ ...okDdim, tPrev: 5 }), "tPrev", "integer_range");
  refuse(() => s.ddimStep({ ...okDdim, eta: 2 }), "eta", "range");
  refuse(() => s.x0FromPosteriorMean({ xT, t: 3, mean: [1] }), "mean", "length");
  refuse(() => dl.langevinStep({ x: xT, dim, score: eps, stepSize: 0, noise }), "stepSize", "not_positive");
  refuse(() => dl.langevinStep({ x: xT, dim, score: eps, stepSize: 0.1, noise: [1] }), "noise", "length");
  const okA = { x, dim, sigmas, stepsPerLevel: K, eps: epsStep, noise: z };
  refuse(() => dl.annealedLangevin({ ...okA, noise: z.slice(1) }), "noise", "length");
  assert.throws(() => dl.annealedLangevin({ ...okA, noise: z.slice(1) }), /sigmas\.length·stepsPerLevel·n·dim = 3·4·3·2 = 72/);
  refuse(() => dl.annealedLangevin({ ...okA, dim: 3 }), "dim", "mismatch");
  refuse(() => dl.annealedLangevin({ ...okA, sigmas: [1, -1] }), "sigmas[1]", "not_positive");
  refuse(() => dl.annealedLangevin({ ...okA, stepsPerLevel: 0 }), "stepsPerLevel", "integer_range");
  refuse(() => dl.annealedLangevin({ ...okA, mixture: { ...mix, variances: [[0.2, 0], [1, 1]] } }), "mixture.variances[0][1]", "not_positive");
  refuse(() => dl.annealedLangevin({ ...okA, x: new Float64Array(2e6), stepsPerLevel: 100, noise: new Float64Array(3) }), "stepsPerLevel", "too_much_work");
  s.free();
});

test("issue 17: the score error per t, and the three parameterizations raced on the same batches", async () => {
  const d = dl.defaults();
  assert.deepEqual([...d.scoreErrorByT.ts].slice(0, 5), [1, 2, 3, 4, 6]);
  assert.equal(d.scoreErrorByT.ts.length, 16);
  assert.equal(d.race.weighting, "elbo");
  assert.deepEqual([...d.race.parameterizations], ["x0", "eps", "score"]);
  // the reader's network against the exact score, t by t
  const tr = await dl.Trainer.create({ dataset: "ring8", T: 100, batchSize: 32, heldout: 64 }, { backend: "cpu" });
  try {
    const e = await tr.scoreErrorByT({ points: 32 });
    assert.deepEqual([...e.ts], [1, 1, 2, 3, 3, 5, 6, 9, 12, 16, 22, 29, 40, 54, 74, 100].filter((t, i, a) => a.indexOf(t) === i));
    assert.ok(e.relativeError instanceof Float64Array && e.relativeError.every((v) => v > 0 && Number.isFinite(v)));
    const f = await tr.scoreErrorByT({ points: 32, ts: [50, 100] });
    assert.deepEqual([...f.ts], [50, 100]);
    await assert.rejects(tr.scoreErrorByT({ ts: [0] }), (e) => e.params.field === "ts[0]" && e.message.length <= 220);
    await assert.rejects(tr.scoreErrorByT({ ts: [] }), (e) => e.params.field === "ts");
    await assert.rejects(tr.scoreErrorByT({ tee: 1 }), (e) => e.code === "unknown_field");
  } finally {
    tr.free();
  }
  const moons = await dl.Trainer.create({ dataset: "moons", T: 100, heldout: 16 }, { backend: "cpu" });
  await assert.rejects(moons.scoreErrorByT({}), (e) => e.params.field === "dataset");
  moons.free();
  // the race: three networks, one seed, the same batches
  const race = new dl.Race({ T: 100, batchSize: 32, heldout: 64, train: 256 });
  try {
    assert.equal(race.stepCount, 0);
    const before = await race.meansAt({ x: [1.5, 1.2], t: 20 });
    assert.ok(before.oracle instanceof Float64Array && before.oracle.length === 2);
    for (const p of ["x0", "eps", "score"]) assert.equal(before[p].length, 2);
    const r = await race.run(30);
    assert.deepEqual([r.steps, r.totalSteps], [30, 30]);
    for (const p of ["x0", "eps", "score"]) assert.equal(r.losses[p].length, 30);
    // ELBO weights: the ε and score losses are one function of μ_θ on the same batches
    assert.ok(Math.abs(r.mean.eps - r.mean.score) < 0.2 * r.mean.eps, `${r.mean.eps} vs ${r.mean.score}`);
    assert.equal(race.sameBatches, true);
    const after = await race.meansAt({ x: [1.5, 1.2, -1.0, 0.3], t: 20 });
    assert.equal(after.eps.length, 4);
    assert.ok(after.sigma > 0 && Object.values(after.distance).every((v) => v >= 0));
    const h = await race.heldOut({ points: 16, tSamples: 8 });
    for (const p of ["x0", "eps", "score", "oracle"]) assert.ok(Number.isFinite(h[p]) && h.stdError[p] >= 0, p);
    assert.ok(h.oracle < h.eps && h.spread >= 0 && h.unit === "nats/dim" && h.points === 16 && h.steps === 30);
    await assert.rejects(race.meansAt({ x: [1, 2, 3], t: 20 }), (e) => e.params.field === "x" && e.message.length <= 220);
    await assert.rejects(race.meansAt({ x: [1, 2], t: 101 }), (e) => e.params.field === "t");
    await assert.rejects(race.meansAt({ x: [1, 2] }), (e) => e.code === "missing" && e.params.field === "t");
    await assert.rejects(race.run(0), (e) => e.params.field === "steps");
    await assert.rejects(race.run(1e6), (e) => e.params.field === "steps");
    await assert.rejects(race.heldOut({ variance: "big" }), (e) => e.params.field === "variance");
  } finally {
    race.free();
  }
  assert.throws(() => new dl.Race({ dataset: "digits" }), (e) => e.params.field === "dataset");
  assert.throws(() => new dl.Race({ weighting: "snr" }), (e) => e.params.field === "weighting");
  assert.throws(() => new dl.Race({ parameterization: "eps" }), (e) => e.code === "unknown_field");
});

test("trainer.likelihood and trainer.qualityVsSteps: the network as a VP SDE, small, with bad options named", async () => {
  const tr = await dl.Trainer.create({ dataset: "ring8", T: 100, batchSize: 32 }, { backend: "cpu" });
  try {
    await tr.run(2);
    const d = dl.defaults();
    assert.equal(d.trainerLikelihood.method, "rk4");
    assert.ok(d.trainerLikelihood.steps >= 2 && d.trainerQuality.nfes.length >= 1 && d.trainerQuality.samplers.includes("ode_heun"));
    const l = await tr.likelihood({ points: 12, steps: 4, method: "heun", seed: 1 });
    assert.equal(l.points, 12);
    assert.equal(l.nfe, 8); // 4 steps × 2 stages (the coarse pass's 2 × 2 are the solver's error)
    for (const k of ["logLikelihoodPerDim", "stdErrorPerDim", "solverError", "oracleLogLikelihoodPerDim", "exactLogDensityPerDim", "gapPerDim", "gapStdError", "ms"]) assert.ok(Number.isFinite(l[k]), k);
    // ring8's exact mixture at those points, and the gap paired point by point: log q − log p_θ
    assert.ok(Math.abs(l.gapPerDim - (l.exactLogDensityPerDim - l.logLikelihoodPerDim)) < 1e-9);
    assert.ok(l.gapPerDim > 0.5, `an untrained network is far from the data: ${l.gapPerDim}`);
    const same = await tr.likelihood({ points: 12, steps: 4, method: "heun", seed: 1 });
    assert.equal(same.logLikelihoodPerDim, l.logLikelihoodPerDim);
    const refuse = async (options, field, code) => assert.rejects(tr.likelihood(options), (e) => e.params?.field === field && e.code === code, JSON.stringify(options));
    await refuse({ method: "rk5" }, "method", "unknown_choice");
    await refuse({ steps: 1 }, "steps", "integer_range");
    await refuse({ points: 0 }, "points", "integer_range");
    await refuse({ tEps: 0.1 }, "tEps", "unknown_field");

    const q = await tr.qualityVsSteps({ nfes: [2, 5], samplers: ["ddim", "ode_heun"], particles: 20, seed: 3 });
    assert.deepEqual(Array.from(q.nfes), [2, 5]);
    assert.deepEqual(Object.keys(q.samplers).sort(), ["ddim", "ode_heun"]);
    assert.ok(q.samplers.ddim instanceof Float64Array && q.samplers.ddim.length === 2 && q.samplers.ode_heun.every(Number.isFinite));
    assert.deepEqual(Array.from(q.evaluations.ddim), [2, 5]); // one evaluation per step
    assert.ok(q.evaluations.ode_heun.every((e, i) => e >= 1 && e <= q.nfes[i]), "Heun: two per step, never more than asked");
    assert.ok(Number.isFinite(q.floor) && q.particles === 20);
    const refuseQ = async (options, field, code) => assert.rejects(tr.qualityVsSteps(options), (e) => e.params?.field === field && e.code === code, JSON.stringify(options));
    await refuseQ({ samplers: ["langevin"] }, "samplers", "unknown_choice");
    await refuseQ({ nfes: [5, 0], particles: 20 }, "nfes[1]", "integer_range");
    await refuseQ({ nfes: [101], samplers: ["ddpm"], particles: 20 }, "nfes[0]", "integer_range"); // DDPM and DDIM: at most T
    await refuseQ({ nfes: [], particles: 20 }, "nfes", "empty");
    await refuseQ({ particles: 100000, nfes: Array(60).fill(100000), samplers: ["ode_euler"] }, "particles", "too_much_work");
  } finally {
    tr.free();
  }
  // a cosine schedule is no VP SDE of the linear family: refused, naming the schedule
  const cos = await dl.Trainer.create({ dataset: "ring8", schedule: "cosine", T: 50, batchSize: 32 }, { backend: "cpu" });
  try {
    await assert.rejects(cos.likelihood({ points: 4, steps: 2 }), (e) => e.params?.field === "schedule" && e.code === "mismatch" && /linear/.test(e.message));
    await assert.rejects(cos.qualityVsSteps({ particles: 4 }), (e) => e.params?.field === "schedule");
  } finally {
    cos.free();
  }
});

test("issue 17, the SDE view with the exact oracle: sde, sdeCorrespondence, pfOdeLikelihood, qualityVsSteps; bad inputs named", () => {
  const d = dl.defaults().sde;
  const ch = dl.choices();
  assert.deepEqual(Array.from(ch.sdeKinds), ["vp", "ve", "subvp"]);
  assert.deepEqual(Array.from(ch.odeMethods), ["euler", "heun", "rk4"]);
  assert.deepEqual(Array.from(ch.sdeSamplers), ["ddpm", "ddim", "reverse_sde", "ode_euler", "ode_heun"]);
  assert.equal(d.kinds.vp.betaMin * 1000 / d.kinds.vp.N, 0.1); // β_min/N = DDPM's β_1 = 1e-4
  // the marginals: VP preserves variance, sub-VP stays below it, VE's std is σ_min (σ_max/σ_min)^t
  const vp = dl.sde({ kind: "vp" }), sub = dl.sde({ kind: "subvp" }), ve = dl.sde({ kind: "ve", ts: [0, 0.5, 1] });
  assert.equal(vp.ts.length, d.curvePoints);
  assert.ok(vp.meanScale instanceof Float64Array && vp.std instanceof Float64Array && vp.driftCoef instanceof Float64Array && vp.diffusion instanceof Float64Array);
  vp.ts.forEach((t, i) => {
    assert.ok(close(vp.meanScale[i] ** 2 + vp.std[i] ** 2, 1, 1e-12), `VP at t = ${t}`);
    if (t > 0) assert.ok(sub.std[i] < vp.std[i]);
    assert.ok(close(vp.diffusion[i] ** 2, 0.1 + t * 19.9, 1e-12) && close(vp.driftCoef[i], -0.5 * (0.1 + t * 19.9), 1e-12));
  });
  const { sigmaMin, sigmaMax } = d.kinds.ve;
  assert.ok(close(ve.std[1], sigmaMin * Math.sqrt(sigmaMax / sigmaMin), 1e-12) && close(ve.std[2], sigmaMax, 1e-12) && ve.driftCoef.every((v) => v === 0));

  // DDPM is the VP SDE discretised, NCSN's ladder the VE SDE's
  const c = dl.sdeCorrespondence({});
  assert.deepEqual(Array.from(c.vp.i), Array.from(d.correspondence.indices));
  assert.ok(c.vp.maxBetaRelDiff < 1e-12, `β: ${c.vp.maxBetaRelDiff}`);
  assert.ok(c.vp.maxAlphaBarAbsDiff < 0.01 && c.vp.maxLogAlphaBarGapAfterSecondOrder < c.vp.maxLogAlphaBarGap);
  assert.ok(c.ve.maxSigmaRelDiff < 1e-12 && c.ve.maxStepRelDiff < 0.05 && c.ve.alphaToG2DtSpread < 1e-12);
  assert.ok(c.step.nFine === 2 * c.step.nCoarse && c.step.gapCoarse / c.step.gapFine > 2.5, JSON.stringify(c.step));
  assert.ok(Math.abs(c.steps.gapOrder + 1) < 0.3, `gap per unit time ~ 1/N: ${c.steps.gapOrder}`);
  // a VP whose β_max is not 20 is not DDPM's linear schedule: the same numbers say so
  assert.ok(dl.sdeCorrespondence({ betaMax: 19, indices: [1, 1000] }).vp.maxBetaRelDiff > 1e-3);

  // the PF-ODE likelihood with the exact score is the mixture's own log density, to solver error
  const l = dl.pfOdeLikelihood({ n: 64, steps: 50, method: "rk4", seed: 2 });
  assert.equal(l.logLikelihood.length, 64);
  assert.ok(Math.abs(l.meanPerDim - l.exactMeanPerDim) <= l.solverError + 1e-6, `${l.meanPerDim} vs ${l.exactMeanPerDim} ± ${l.solverError}`);
  assert.ok(l.nfe === 200 && l.totalNfe === 300 && l.solverError < 1e-2, `${l.nfe} ${l.totalNfe} ${l.solverError}`);
  assert.ok(Math.abs(l.dataMeanPerDim - l.exactMeanPerDim) < 1e-2 && Math.abs(l.priorGapPerDim) < 1e-3);
  const g = dl.pfOdeLikelihood({ dataset: "gaussian", points: new Float64Array([0.5, -0.3, 1, 0]), steps: 20, method: "heun", kind: "ve" });
  assert.ok(Math.abs(g.meanPerDim - g.exactMeanPerDim) <= g.solverError && g.nfe === 40);

  // quality against evaluations, small: the table's shape
  const q = dl.qualityVsSteps({ nfes: [4, 16], samplers: ["ddim", "ode_heun"], particles: 60, heldOut: 80, seed: 1 });
  assert.deepEqual(Array.from(q.nfes), [4, 16]);
  assert.deepEqual(Object.keys(q.samplers), ["ddim", "ode_heun"]);
  assert.ok(q.samplers.ddim instanceof Float64Array && q.samplers.ddim.every(Number.isFinite) && Number.isFinite(q.floor));
  assert.deepEqual(Array.from(q.evaluations.ode_heun), [4, 16]);
  assert.ok(q.particles === 60 && q.heldOut === 80);

  // bad inputs throw, naming the field
  const refuse = (f, config, field, code) => assert.throws(() => f(config), (e) => e.params?.field === field && e.code === code && e.message.length <= 220, `${JSON.stringify(config)} → ${field}`);
  refuse(dl.sde, { kind: "vee" }, "kind", "unknown_choice");
  refuse(dl.sde, { kind: "ve", sigmaMin: 2, sigmaMax: 1 }, "sigmaMin", "less_than");
  refuse(dl.sde, { ts: [0, 1.5] }, "ts[1]", "range");
  refuse(dl.sde, { N: 1 }, "N", "integer_range");
  refuse(dl.sde, { betaMax: "20" }, "betaMax", "wrong_type");
  refuse(dl.sde, { beta: 1 }, "beta", "unknown_field");
  refuse(dl.sdeCorrespondence, { indices: [0] }, "indices[0]", "integer_range");
  refuse(dl.sdeCorrespondence, { stepNs: [1] }, "stepNs[0]", "integer_range");
  refuse(dl.pfOdeLikelihood, { method: "rk5" }, "method", "unknown_choice");
  refuse(dl.pfOdeLikelihood, { dataset: "moons" }, "dataset", "unknown_choice");
  refuse(dl.pfOdeLikelihood, { steps: 1 }, "steps", "integer_range");
  refuse(dl.pfOdeLikelihood, { tEps: 0 }, "tEps", "range");
  refuse(dl.pfOdeLikelihood, { points: [1, 2, 3] }, "points", "length");
  refuse(dl.pfOdeLikelihood, { points: [1, 2], n: 1 }, "n", "mismatch");
  refuse(dl.pfOdeLikelihood, { n: 100000, steps: 100000 }, "steps", "too_much_work");
  refuse(dl.qualityVsSteps, { samplers: ["langevin"] }, "samplers[0]", "unknown_choice");
  refuse(dl.qualityVsSteps, { nfes: [4, 2000] }, "nfes[1]", "integer_range"); // DDPM and DDIM: at most N
  refuse(dl.qualityVsSteps, { nfes: [1], samplers: ["ode_heun"] }, "nfes[0]", "integer_range"); // Heun: two per step
  refuse(dl.qualityVsSteps, { nfes: [] }, "nfes", "empty");
  refuse(dl.qualityVsSteps, { particles: 1 }, "particles", "integer_range");
  refuse(dl.qualityVsSteps, { particles: 100000 }, "particles", "too_much_work");
});

test("the training recipe's fields: defaults and choices from the engine, each read, bad ones named", async () => {
  const d = dl.defaults().train, c = dl.choices();
  assert.deepEqual(Array.from(c.lrSchedules), ["constant", "step_decay", "warmup_cosine"]);
  assert.deepEqual(Array.from(c.tSamplings), ["uniform", "loss_aware"]);
  assert.ok(c.lrSchedules.includes(d.lrSchedule.kind) && c.tSamplings.includes(d.tSampling.kind));
  assert.ok(d.lrSchedule.warmup < d.lrSchedule.total && d.lrSchedule.floor >= 0 && d.tSampling.uniform > 0);
  assert.ok(d.ema >= 0 && d.ema < 1 && typeof d.antithetic === "boolean");
  // the defaults as a config are accepted as they are, and every recipe trains
  const small = { dataset: "ring8", T: 50, batchSize: 16, heldout: 16 };
  for (const recipe of [
    { lrSchedule: d.lrSchedule, ema: d.ema, tSampling: d.tSampling, antithetic: d.antithetic },
    { lrSchedule: { kind: "warmup_cosine", warmup: 2, total: 10, floor: 0.1 }, ema: 0.9, tSampling: { kind: "loss_aware", uniform: 0.2 }, antithetic: true },
    { lrSchedule: { kind: "constant" }, ema: 0, tSampling: { kind: "uniform" }, antithetic: false },
    { lrSchedule: { kind: "step_decay" } },
  ]) {
    const tr = await dl.Trainer.create({ ...small, ...recipe }, { backend: "cpu" });
    try {
      const r = await tr.run(12);
      assert.ok(r.steps === 12 && Number.isFinite(r.mean), JSON.stringify(recipe));
    } finally {
      tr.free();
    }
  }
  const refuse = (extra, field, code) =>
    assert.rejects(dl.Trainer.create({ ...small, ...extra }, { backend: "cpu" }), (e) => e.params?.field === field && e.code === code && e.message.length <= 220, JSON.stringify(extra));
  await refuse({ ema: 1 }, "ema", "range");
  await refuse({ ema: -0.1 }, "ema", "range");
  await refuse({ lrSchedule: { kind: "linear" } }, "lrSchedule.kind", "unknown_choice");
  await refuse({ lrSchedule: { kind: "warmup_cosine", warmup: 10, total: 10 } }, "lrSchedule.warmup", "integer_range");
  await refuse({ lrSchedule: { kind: "warmup_cosine", total: 2.5 } }, "lrSchedule.total", "integer_range");
  await refuse({ lrSchedule: { kind: "warmup_cosine", floor: 2 } }, "lrSchedule.floor", "range");
  await refuse({ lrSchedule: { kind: "constant", total: 5 } }, "lrSchedule.total", "unknown_field");
  await refuse({ lrSchedule: { kind: "constant", peak: 5 } }, "lrSchedule.peak", "unknown_field");
  await refuse({ tSampling: { kind: "loss_aware", uniform: 0 } }, "tSampling.uniform", "range");
  await refuse({ tSampling: { kind: "stratified" } }, "tSampling.kind", "unknown_choice");
  await refuse({ antithetic: 1 }, "antithetic", "wrong_type");
});
