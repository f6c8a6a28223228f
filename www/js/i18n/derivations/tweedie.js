// Tweedie's formula, (1.120)–(1.125) and (1.141)–(1.143): the stepper's text (src/derivation/tweedie.rs has the numbers).
// Keys: deriv.<name>.title / .intro; .line.<line key> is the line's TeX (KaTeX, display); .step.<step key>
// the move that leads to the step's second line. The stepper shows each line's value per coordinate.
const line = {
  "deriv.tweedie.line.posterior_mean": String.raw`\mathbb E[x_0\mid x_t]=\frac{\int x_0\,q(x_0)\,q(x_t\mid x_0)\,dx_0}{\int q(x_0)\,q(x_t\mid x_0)\,dx_0}\quad\text{(quadrature)}`,
  "deriv.tweedie.line.mean_of_mu": String.raw`\mathbb E[\mu_{x_t}\mid x_t]=\int \sqrt{\bar\alpha_t}\,x_0\;p(x_0\mid x_t)\,dx_0\quad\text{(quadrature)}`,
  "deriv.tweedie.line.score_fd": String.raw`\nabla_{x_t}\log p(x_t)\quad\text{(central differences of }\log p(x_t)\text{)}`,
  "deriv.tweedie.line.score_closed_form": String.raw`\nabla_{x_t}\log p(x_t)=\sum_k r_k(x_t)\,\frac{-(x_t-\sqrt{\bar\alpha_t}\,m_k)}{\bar\alpha_t S_k+1-\bar\alpha_t}`,
  "deriv.tweedie.line.tweedie_1_123": String.raw`x_t+(1-\bar\alpha_t)\nabla_{x_t}\log p(x_t)`,
  "deriv.tweedie.line.x0_1_125": String.raw`x_0=\frac{x_t+(1-\bar\alpha_t)\nabla_{x_t}\log p(x_t)}{\sqrt{\bar\alpha_t}}`,
  "deriv.tweedie.line.x0_closed_form": String.raw`\mathbb E[x_0\mid x_t]=\sum_k r_k(x_t)\Big(m_k+\frac{\sqrt{\bar\alpha_t}\,S_k\,(x_t-\sqrt{\bar\alpha_t}\,m_k)}{\bar\alpha_t S_k+1-\bar\alpha_t}\Big)`,
  "deriv.tweedie.line.eps_mean": String.raw`\mathbb E[\epsilon_0\mid x_t]=\frac{x_t-\sqrt{\bar\alpha_t}\,\mathbb E[x_0\mid x_t]}{\sqrt{1-\bar\alpha_t}}\quad\text{(quadrature)}`,
  "deriv.tweedie.line.eps_from_score": String.raw`-\sqrt{1-\bar\alpha_t}\;\nabla\log p(x_t)`,
  "deriv.tweedie.line.eps_closed_form": String.raw`\mathbb E[\epsilon_0\mid x_t]=\sum_k r_k(x_t)\,\frac{\sqrt{1-\bar\alpha_t}\,(x_t-\sqrt{\bar\alpha_t}\,m_k)}{\bar\alpha_t S_k+1-\bar\alpha_t}`,
  "deriv.tweedie.line.score_drawn_eps": String.raw`-\frac{1}{\sqrt{1-\bar\alpha_t}}\,{\color{#c0392b}\epsilon_0}\quad(\epsilon_0\ \text{as drawn})`,
  "deriv.tweedie.line.mse_posterior_mean": String.raw`\mathbb E\big[\|x_0-\mathbb E[x_0\mid x_t]\|^2\,\big|\,x_t\big]\quad\text{(quadrature)}`,
  "deriv.tweedie.line.mse_prior_mean": String.raw`\mathbb E\big[\|x_0-\mathbb E[x_0]\|^2\,\big|\,x_t\big]\quad\text{(quadrature)}`,
};
export default {
  en: {
    "deriv.tweedie.title": "Tweedie's formula and the score as the noise, line by line (1.120)–(1.125), (1.141)–(1.143)",
    "deriv.tweedie.intro": "At your x₀, t and x_t = √ᾱ_t x₀ + √(1 − ᾱ_t) ε, with the 8-Gaussian ring as the data, three independent computations meet: the posterior mean E[x₀ | x_t] by quadrature over the plane (no score used), the score ∇log p(x_t) by central differences of the marginal log-density, and the oracle's closed forms. Each '=' is checked to the quadrature's and the differences' accuracy.",
    ...line,
    "deriv.tweedie.step.finite_differences": "The score by central differences of log p(x_t) (a mixture of Gaussians, (1.73) per component) is the oracle's closed form.",
    "deriv.tweedie.step.tweedie_1_123": "Tweedie's formula (1.122) with z = x_t, μ_z = √ᾱ_t x₀ and Σ_z = (1 − ᾱ_t) I from (1.73): the posterior mean of μ_{x_t}, by quadrature, is x_t + (1 − ᾱ_t) ∇log p(x_t) from the finite-difference score (1.123).",
    "deriv.tweedie.step.tweedie_1_125": "Divide (1.124) by √ᾱ_t: the x₀ of (1.125) is E[x₀ | x_t] of (1.120), the quadrature's posterior mean computed without any score.",
    "deriv.tweedie.step.closed_form_x0": "The oracle's closed form of E[x₀ | x_t] (each component's Gaussian posterior mean, weighted by its responsibility) gives the same x₀.",
    "deriv.tweedie.step.score_is_noise": "Put x₀ = (x_t − √(1 − ᾱ_t) ε₀)/√ᾱ_t (1.105) into (1.141) and cancel (1.142): the noise's posterior mean, from the quadrature, is −√(1 − ᾱ_t) times the finite-difference score (1.143).",
    "deriv.tweedie.step.closed_form_eps": "The oracle's closed form of E[ε₀ | x_t] agrees with the quadrature.",
    "deriv.tweedie.step.drawn_noise": "Read literally with the ε₀ actually drawn, (1.143) fails at your point: the score is −E[ε₀ | x_t]/√(1 − ᾱ_t), not −ε₀/√(1 − ᾱ_t). The x₀ of (1.141) is E[x₀ | x_t] (Tweedie's estimate), not the x₀ that made x_t.",
    "deriv.tweedie.step.mse_minimum": "(1.120): the posterior mean is the least-squares estimate. By quadrature, E[‖x₀ − g‖² | x_t] at the estimate g = E[x₀] that ignores x_t exceeds the posterior variance (the error at E[x₀ | x_t]) by exactly ‖g − E[x₀ | x_t]‖² ≥ 0, the closed form's distance: no g does better.",
  },
  zh: {
    "deriv.tweedie.title": "Tweedie 公式与“分数即噪声”，逐行推导 (1.120)–(1.125)、(1.141)–(1.143)",
    "deriv.tweedie.intro": "在你的 x₀、t 和 x_t = √ᾱ_t x₀ + √(1 − ᾱ_t) ε 处，以 8 个高斯组成的环为数据，三种互相独立的计算在此汇合：在平面上用数值积分求后验均值 E[x₀ | x_t]（不用分数），用对数边缘密度的中心差分求分数 ∇log p(x_t)，以及 oracle 的闭式解。每个“=”都在数值积分和差分的精度内核对。",
    ...line,
    "deriv.tweedie.step.finite_differences": "对 log p(x_t)（一个高斯混合，每个分量按 (1.73)）做中心差分得到的分数，就是 oracle 的闭式解。",
    "deriv.tweedie.step.tweedie_1_123": "Tweedie 公式 (1.122)，取 z = x_t、μ_z = √ᾱ_t x₀、Σ_z = (1 − ᾱ_t) I（由 (1.73)）：数值积分得到的 μ_{x_t} 的后验均值，等于用差分分数算出的 x_t + (1 − ᾱ_t) ∇log p(x_t)（1.123）。",
    "deriv.tweedie.step.tweedie_1_125": "(1.124) 两边除以 √ᾱ_t：(1.125) 的 x₀ 就是 (1.120) 的 E[x₀ | x_t]，即完全不用分数、由数值积分得到的后验均值。",
    "deriv.tweedie.step.closed_form_x0": "oracle 的 E[x₀ | x_t] 闭式解（各分量的高斯后验均值按责任度加权）给出同一个 x₀。",
    "deriv.tweedie.step.score_is_noise": "把 x₀ = (x_t − √(1 − ᾱ_t) ε₀)/√ᾱ_t（1.105）代入 (1.141) 并消去（1.142）：由数值积分得到的噪声后验均值，等于差分分数乘以 −√(1 − ᾱ_t)（1.143）。",
    "deriv.tweedie.step.closed_form_eps": "oracle 的 E[ε₀ | x_t] 闭式解与数值积分一致。",
    "deriv.tweedie.step.drawn_noise": "若按字面把 (1.143) 里的 ε₀ 当作实际抽到的噪声，它在你的点上不成立：分数是 −E[ε₀ | x_t]/√(1 − ᾱ_t)，而不是 −ε₀/√(1 − ᾱ_t)。(1.141) 的 x₀ 是 E[x₀ | x_t]（Tweedie 的估计），不是生成 x_t 的那个 x₀。",
    "deriv.tweedie.step.mse_minimum": "(1.120)：后验均值是均方误差最小的估计。数值积分表明，在忽略 x_t 的估计 g = E[x₀] 处，E[‖x₀ − g‖² | x_t] 比后验方差（在 E[x₀ | x_t] 处的误差）恰好多出 ‖g − E[x₀ | x_t]‖² ≥ 0（用闭式解算出的距离）：没有哪个 g 更好。",
  },
};
