// Flow matching's velocity, ε̂ and the score at the reader's point: the stepper's text
// (src/derivation/flow_matching.rs has the numbers). Keys as in tweedie.js.
const line = {
  "deriv.flow_matching.line.x_tau": String.raw`x_\tau=(1-\tau)\,x_0+\tau\,\epsilon`,
  "deriv.flow_matching.line.x0_mean": String.raw`\hat x_0=\mathbb E[x_0\mid x_\tau]=\sum_k r_k(x_\tau)\Big(m_k+\frac{(1-\tau)S_k\,(x_\tau-(1-\tau)m_k)}{(1-\tau)^2S_k+\tau^2}\Big)`,
  "deriv.flow_matching.line.eps_score": String.raw`\hat\epsilon=\mathbb E[\epsilon\mid x_\tau]=-\tau\,\nabla\log p_\tau(x_\tau)\quad\text{(central differences)}`,
  "deriv.flow_matching.line.recombined": String.raw`(1-\tau)\,\hat x_0+\tau\,\hat\epsilon`,
  "deriv.flow_matching.line.v_pair": String.raw`v=\hat\epsilon-\hat x_0=\mathbb E[\epsilon-x_0\mid x_\tau]`,
  "deriv.flow_matching.line.v_eps": String.raw`v=\frac{\hat\epsilon-x_\tau}{1-\tau}`,
  "deriv.flow_matching.line.v_score": String.raw`v=-\frac{x_\tau+\tau\,\nabla\log p_\tau(x_\tau)}{1-\tau}\quad\text{(closed-form score)}`,
  "deriv.flow_matching.line.v_oracle": String.raw`v=\frac{x_\tau-(1-\tau)\hat x_0}{\tau}-\hat x_0\quad\text{(the oracle's velocity)}`,
  "deriv.flow_matching.line.eps_vp": String.raw`\hat\epsilon_{\text{DDPM}}\big(x_\tau/c,\ \bar\alpha=(1-\tau)^2/c^2\big),\quad c^2=(1-\tau)^2+\tau^2`,
  "deriv.flow_matching.line.x0_from_velocity": String.raw`x_\tau-\tau\,v=\frac{x_\tau+\tau^2\nabla\log p_\tau(x_\tau)}{1-\tau}`,
  "deriv.flow_matching.line.dlogp_dtau": String.raw`\frac{\partial}{\partial\tau}\log p_\tau(x_\tau)\quad\text{(central differences in }\tau)`,
  "deriv.flow_matching.line.transport": String.raw`-\nabla\!\cdot v-v\cdot\nabla\log p_\tau\quad\text{(divergence by central differences)}`,
};
export default {
  en: {
    "deriv.flow_matching.title": "The velocity, ε̂ and the score at your point, line by line",
    "deriv.flow_matching.intro": "At your x₀, t (τ = t/1000) and x_τ = (1 − τ) x₀ + τ ε, with the 8-Gaussian ring as the data and the exact oracle as the model: x̂₀ from each component's Gaussian posterior, ε̂ from the score by central differences of the exact log-density, the velocity three ways, DDPM's ε̂ at the equivalent point, and the continuity equation — the velocity really carries the density, which no rearrangement of the formulas guarantees.",
    ...line,
    "deriv.flow_matching.step.mean_of_the_line": "Average x_τ = (1 − τ) x₀ + τ ε given x_τ: the posterior mean of x₀ (from the components' posteriors) and of ε (from the finite-difference score, −τ ∇log p_τ as (1.143) says for a path with σ = τ) put back on the line give x_τ itself.",
    "deriv.flow_matching.step.velocity_from_eps": "Solve that line for x̂₀ = (x_τ − τ ε̂)/(1 − τ) and put it into ε̂ − x̂₀: the velocity needs ε̂ alone.",
    "deriv.flow_matching.step.velocity_from_score": "Replace ε̂ by −τ ∇log p_τ (the closed-form score now, not the differences): the velocity is the score, rescaled and shifted.",
    "deriv.flow_matching.step.closed_form_velocity": "The velocity the engine's samplers use for the oracle (from x̂₀ alone) is the conditional mean of the target ε − x₀.",
    "deriv.flow_matching.step.same_noise_as_ddpm": "Divide x_τ by c = √((1 − τ)² + τ²): x_τ/c = √ᾱ x₀ + √(1 − ᾱ) ε with ᾱ = (1 − τ)²/c², a point of DDPM's chain with the same ε. DDPM's oracle there (1.143) predicts the same ε̂: flow matching and ε-prediction are one objective on two clocks.",
    "deriv.flow_matching.step.tweedie_on_the_path": "Tweedie (1.125) on this path: x̂₀ = (x_τ + τ² ∇log p_τ)/(1 − τ) = x_τ − τ v, the same as the components' posterior mean.",
    "deriv.flow_matching.step.continuity": "The continuity equation ∂_τ p_τ + ∇·(p_τ v) = 0 divided by p_τ: the rate at which log p_τ changes at your point equals −∇·v − v·∇log p_τ, each side by its own finite differences. This is what makes v a flow that carries N(0, I) onto the data.",
  },
  zh: {
    "deriv.flow_matching.title": "你的点上的速度、ε̂ 与分数，逐行推导",
    "deriv.flow_matching.intro": "在你的 x₀、t（τ = t/1000）和 x_τ = (1 − τ) x₀ + τ ε 处，以 8 个高斯组成的环为数据、精确 oracle 为模型：x̂₀ 由各分量的高斯后验得到，ε̂ 由精确对数密度的中心差分得到的分数给出，速度用三种方式计算，还有等价点上 DDPM 的 ε̂，以及连续性方程——速度确实搬运了密度，而这一点不是公式变形所能保证的。",
    ...line,
    "deriv.flow_matching.step.mean_of_the_line": "在给定 x_τ 的条件下对 x_τ = (1 − τ) x₀ + τ ε 取平均：x₀ 的后验均值（由各分量的后验）和 ε 的后验均值（由差分分数，按 (1.143) 对 σ = τ 的路径为 −τ ∇log p_τ）放回直线上，正好得到 x_τ 本身。",
    "deriv.flow_matching.step.velocity_from_eps": "由这条直线解出 x̂₀ = (x_τ − τ ε̂)/(1 − τ)，代入 ε̂ − x̂₀：速度只需要 ε̂。",
    "deriv.flow_matching.step.velocity_from_score": "把 ε̂ 换成 −τ ∇log p_τ（此处用闭式分数，而非差分）：速度就是经过缩放和平移的分数。",
    "deriv.flow_matching.step.closed_form_velocity": "引擎的采样器对 oracle 使用的速度（只由 x̂₀ 算出）就是目标 ε − x₀ 的条件均值。",
    "deriv.flow_matching.step.same_noise_as_ddpm": "把 x_τ 除以 c = √((1 − τ)² + τ²)：x_τ/c = √ᾱ x₀ + √(1 − ᾱ) ε，其中 ᾱ = (1 − τ)²/c²，这是 DDPM 链上具有同一个 ε 的一点。DDPM 的 oracle 在那里（1.143）预测同一个 ε̂：流匹配和 ε 预测是同一个目标，两种时钟。",
    "deriv.flow_matching.step.tweedie_on_the_path": "这条路径上的 Tweedie 公式（1.125）：x̂₀ = (x_τ + τ² ∇log p_τ)/(1 − τ) = x_τ − τ v，与各分量后验均值一致。",
    "deriv.flow_matching.step.continuity": "连续性方程 ∂_τ p_τ + ∇·(p_τ v) = 0 两边除以 p_τ：log p_τ 在你的点上的变化率等于 −∇·v − v·∇log p_τ，两边各用自己的有限差分计算。正是这一点使 v 成为把 N(0, I) 搬运到数据上的流。",
  },
};
