// Values for the fuzzer: valid, boundary, wrong-type and hostile, drawn from one seeded generator
// per call (call i's arguments depend only on the seed and i, and on the instances then alive).

/** mulberry32 seeded by (seed, i): a small, fast, reproducible generator. */
export function rngFor(seed, i) {
  let a = (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(i + 1, 0xc2b2ae35)) >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  next.int = (n) => Math.floor(next() * n);
  next.pick = (list) => list[Math.floor(next() * list.length)];
  next.chance = (p) => next() < p;
  return next;
}

const BOUNDARY = [0, -0, 1, -1, 2, 3, 0.5, 1e-300, 5e-324, 1e-17, 1e-12, 1e300, -1e300, 1.7976931348623157e308, 1e154, 1e155, -1e154,
  NaN, Infinity, -Infinity, 2 ** 31, 2 ** 32, 2 ** 32 + 21, 2 ** 53, -(2 ** 53), 1e6, 1e7, 1e9, 65536, 4096, 10.5, 0.999999, 1.000001];
const WRONG = () => ["x", "", "5", null, undefined, true, false, [], {}, { valueOf: () => 3 }, () => 1, Symbol("s"), 10n, new Date(0)];

/** A value that throws or misbehaves when read. */
export function hostile(rnd) {
  switch (rnd.int(7)) {
    case 0: return new Proxy({}, { get() { throw new Error("proxy get"); }, ownKeys() { throw new Error("proxy keys"); } });
    case 1: return Object.defineProperty({}, "x", { enumerable: true, get() { throw new Error("getter"); } });
    case 2: { const a = [1, 2]; a.length = 2 ** 32 - 1; return a; }            // a sparse array four billion long
    case 3: return { length: 2 ** 30 };                                      // array-like, huge
    case 4: return new Proxy([1, 2], { get(t, k) { if (k === "1") throw new Error("index"); return t[k]; } });
    case 5: { const o = { a: 1 }; o.self = o; return o; }                     // cyclic
    default: return [, 1];                                                   // a hole
  }
}

/** A number: mostly small and plausible, often a boundary value, sometimes the wrong type. */
export function number(rnd, plausible) {
  const r = rnd();
  if (r < 0.45 && plausible !== undefined) return rnd.chance(0.5) ? plausible : plausible * rnd.pick([0, 0.5, 2, 10, -1]);
  if (r < 0.7) return rnd.pick([0, 1, 2, 3, 5, 10, 20, 50, 100]) * (rnd.chance(0.9) ? 1 : -1) + (rnd.chance(0.2) ? rnd() : 0);
  if (r < 0.92) return rnd.pick(BOUNDARY);
  if (r < 0.98) return rnd.pick(WRONG());
  return hostile(rnd);
}

/** Numbers: a plain array or typed array of plausible length, or something hostile. */
export function numbers(rnd, dim = 2) {
  const r = rnd();
  const len = rnd.pick([0, 1, dim, dim, 2 * dim, 3 * dim, 8, 16 * dim, 7]);
  const fill = () => Array.from({ length: len }, () => (rnd.chance(0.85) ? (rnd() - 0.5) * rnd.pick([1, 2, 6]) : rnd.pick(BOUNDARY)));
  if (r < 0.55) return fill();
  if (r < 0.8) return new Float64Array(fill());
  if (r < 0.85) return new Float32Array(fill());
  if (r < 0.9) return rnd.pick(WRONG());
  if (r < 0.95) return ["1", null, {}, [1]].slice(0, 1 + rnd.int(4));
  return hostile(rnd);
}

/** Bytes for `trainer.load`: saved checkpoints cut or corrupted, magic with garbage, junk. */
export function bytes(rnd, saved) {
  const r = rnd();
  const magic = [...new TextEncoder().encode("DLCKPT01")];
  if (saved && r < 0.3) {
    const b = new Uint8Array(saved);
    if (rnd.chance(0.5)) return b.slice(0, rnd.int(b.length + 1));
    for (let k = 0; k < 1 + rnd.int(4); k++) b[rnd.int(b.length)] = rnd.int(256);
    return b;
  }
  if (saved && r < 0.4) return new Uint8Array(saved);
  if (r < 0.65) return new Uint8Array([...magic, ...Array.from({ length: rnd.int(24) }, () => rnd.pick([0, 255, rnd.int(256)]))]);
  if (r < 0.8) return Array.from({ length: rnd.int(40) }, () => rnd.pick([0, 255, 256, -1, 1.5, NaN]));
  if (r < 0.9) return rnd.pick(WRONG());
  return hostile(rnd);
}

/** A string: a valid choice, a near miss, a huge or odd string, or the wrong type. */
export function string(rnd, vocabulary) {
  const r = rnd();
  if (r < 0.6) return rnd.pick(vocabulary);
  if (r < 0.7) return rnd.pick(vocabulary).toUpperCase();
  if (r < 0.8) return rnd.pick(["", " ", "x".repeat(rnd.chance(0.1) ? 1e6 : 50), "\u0000", "é中文", "__proto__", "constructor"]);
  if (r < 0.95) return rnd.pick(WRONG());
  return hostile(rnd);
}
