// DDPM's sinusoidal time embedding (src/engine/embedding.rs has the numbers: the engine's own f32 embedding).
const line = {
  "deriv.embedding.line.first": String.raw`\big(\mathrm{emb}_0(t),\ \mathrm{emb}_h(t)\big)\quad\text{(the engine's, } \omega_0=1)`,
  "deriv.embedding.line.sin_cos": String.raw`\big(\sin t,\ \cos t\big)`,
  "deriv.embedding.line.norm": String.raw`\|\mathrm{emb}(t)\|^2=\textstyle\sum_i \sin^2(t\omega_i)+\cos^2(t\omega_i)`,
  "deriv.embedding.line.half_dim": String.raw`h=E/2`,
  "deriv.embedding.line.dot_t": String.raw`\langle \mathrm{emb}(t),\mathrm{emb}(t+10)\rangle`,
  "deriv.embedding.line.dot_shifted": String.raw`\langle \mathrm{emb}(t+137),\mathrm{emb}(t+147)\rangle`,
  "deriv.embedding.line.cos_sum": String.raw`\textstyle\sum_{i=0}^{h-1}\cos(10\,\omega_i),\quad \omega_i=10000^{-i/(h-1)}`,
};
export default {
  en: {
    "deriv.embedding.title": "The time embedding the network is fed (DDPM, after the Transformer)",
    "deriv.embedding.intro": "The network sees t as E = 2h numbers, sin(t ω_i) and cos(t ω_i) with geometric frequencies. Why sinusoids: the inner product of two embeddings depends only on how far apart the steps are. Every number here is the engine's own embedding (f32), checked against the frequencies of the formula.",
    ...line,
    "deriv.embedding.step.lowest_frequency": "The first pair uses ω₀ = 1: it is (sin t, cos t).",
    "deriv.embedding.step.unit_pairs": "Each (sin, cos) pair has length one, so the squared norm is h, whatever t.",
    "deriv.embedding.step.offset_only": "Move both steps by 137: the inner product does not change — it depends on the offset only.",
    "deriv.embedding.step.frequencies": "cos(a)cos(b) + sin(a)sin(b) = cos(a − b): the inner product is the sum of cos(k ω_i) for offset k = 10.",
  },
  zh: {
    "deriv.embedding.title": "网络接收的时间嵌入（DDPM，沿用 Transformer）",
    "deriv.embedding.intro": "网络把 t 看作 E = 2h 个数：sin(t ω_i) 与 cos(t ω_i)，频率呈等比数列。为什么用正弦：两个嵌入的内积只取决于两步相隔多远。这里每个数都是引擎自己的嵌入（f32），并对照公式的频率检验。",
    ...line,
    "deriv.embedding.step.lowest_frequency": "第一对用 ω₀ = 1：就是 (sin t, cos t)。",
    "deriv.embedding.step.unit_pairs": "每对 (sin, cos) 长度为一，所以平方范数为 h，与 t 无关。",
    "deriv.embedding.step.offset_only": "两步同时移动 137：内积不变——它只取决于相隔多少。",
    "deriv.embedding.step.frequencies": "cos(a)cos(b) + sin(a)sin(b) = cos(a − b)：内积就是间隔 k = 10 时 cos(k ω_i) 之和。",
  },
};
