// DDPM's L_0: the discretized decoder (src/derivation/decoder.rs has the numbers).
const line = {
  "deriv.decoder.line.engine": String.raw`\log p_\theta(x_0\mid x_1)=\log\!\big[\Phi(\tfrac{\delta_+(x_0)-\mu}{\sigma_1})-\Phi(\tfrac{\delta_-(x_0)-\mu}{\sigma_1})\big]\quad\text{(the engine's closed form)}`,
  "deriv.decoder.line.quadrature": String.raw`\log\int_{\delta_-(x_0)}^{\delta_+(x_0)}\mathcal N(x;\mu,\sigma_1^2)\,dx\quad\text{(Simpson)}`,
  "deriv.decoder.line.total": String.raw`\sum_{k=0}^{255} p_\theta\big(x_0=\tfrac{k}{127.5}-1\mid x_1\big)`,
  "deriv.decoder.line.one": String.raw`1`,
};
export default {
  en: {
    "deriv.decoder.title": "DDPM's L₀: the discretized decoder, bin by bin",
    "deriv.decoder.intro": "For 8-bit images DDPM makes the last step a distribution over the 256 levels in [−1, 1] (eq. 13): each level's probability is the Gaussian's mass over its bin of width 2/255, the two edge bins open to ±∞. Your x₀/3 is rounded to a level; the decoder's mean μ = 0.97 × the level + 0.02 z is a few bins off, with σ₁² = β₁.",
    ...line,
    "deriv.decoder.step.bin_mass": "Integrate the Gaussian density over the bin numerically: the same probability as the engine's erf-based closed form.",
    "deriv.decoder.step.normalised": "Over all 256 levels the probabilities add up to one: the edge bins carry the tails, so L₀ is a proper likelihood.",
  },
  zh: {
    "deriv.decoder.title": "DDPM 的 L₀：离散化解码器，逐个分箱",
    "deriv.decoder.intro": "对 8 位图像，DDPM 让最后一步成为 [−1, 1] 中 256 个取值上的分布（式 13）：每个取值的概率是高斯在宽 2/255 的分箱上的质量，两端的分箱延伸到 ±∞。你的 x₀/3 被取整到一个取值；解码器均值 μ = 0.97 × 取值 + 0.02 z 偏开几个分箱，σ₁² = β₁。",
    ...line,
    "deriv.decoder.step.bin_mass": "对分箱上的高斯密度做数值积分：与引擎基于 erf 的闭式概率相同。",
    "deriv.decoder.step.normalised": "在全部 256 个取值上概率之和为 1：两端分箱承载尾部，所以 L₀ 是真正的似然。",
  },
};
