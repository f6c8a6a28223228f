// The denoising-matching form of the diffusion ELBO, (1.50)–(1.62), and q(x_t|x₀) (1.64)–(1.73): the
// stepper's text (src/derivation/denoising.rs has the numbers).
// Keys: deriv.<name>.title / .intro; .line.<line key> is the line's TeX (KaTeX, display); .step.<step key>
// the move that leads to the step's second line. τ is the reader's t on the short schedule (T = 50).
const line = {
  "deriv.denoising.line.bayes_lhs_1_50": String.raw`\sum_{t=2}^{T}\log q(x_t\mid x_{t-1},x_0)=\sum_{t=2}^{T}\log\mathcal N\big(x_t;\sqrt{\alpha_t}\,x_{t-1},(1-\alpha_t)I\big)`,
  "deriv.denoising.line.bayes_rhs_1_50": String.raw`\sum_{t=2}^{T}\log\frac{q(x_{t-1}\mid x_t,x_0)\,q(x_t\mid x_0)}{q(x_{t-1}\mid x_0)}`,
  "deriv.denoising.line.telescope_sum_1_57": String.raw`\sum_{t=2}^{T}\log\frac{q(x_{t-1}\mid x_0)}{q(x_t\mid x_0)}`,
  "deriv.denoising.line.telescope_ends_1_58": String.raw`\log\frac{q(x_1\mid x_0)}{q(x_T\mid x_0)}`,
  "deriv.denoising.line.integrand_1_52": String.raw`\log\frac{p(x_T)\prod_{t=1}^{T}p_\theta(x_{t-1}\mid x_t)}{\prod_{t=1}^{T}q(x_t\mid x_{t-1})}`,
  "deriv.denoising.line.integrand_1_53": String.raw`\log\frac{p(x_T)\,p_\theta(x_0\mid x_1)}{q(x_1\mid x_0)}+\sum_{t=2}^{T}\log\frac{p_\theta(x_{t-1}\mid x_t)}{q(x_t\mid x_{t-1},x_0)}`,
  "deriv.denoising.line.integrand_1_56": String.raw`\log\frac{p(x_T)\,p_\theta(x_0\mid x_1)}{q(x_1\mid x_0)}+\sum_{t=2}^{T}\log\frac{p_\theta(x_{t-1}\mid x_t)}{q(x_{t-1}\mid x_t,x_0)\,q(x_t\mid x_0)/q(x_{t-1}\mid x_0)}`,
  "deriv.denoising.line.integrand_1_59": String.raw`\log\frac{p(x_T)\,p_\theta(x_0\mid x_1)}{q(x_T\mid x_0)}+\sum_{t=2}^{T}\log\frac{p_\theta(x_{t-1}\mid x_t)}{q(x_{t-1}\mid x_t,x_0)}`,
  "deriv.denoising.line.elbo_1_61": String.raw`\mathbb E_{q(x_1\mid x_0)}[\log p_\theta(x_0\mid x_1)]+\mathbb E_{q(x_T\mid x_0)}\Big[\log\tfrac{p(x_T)}{q(x_T\mid x_0)}\Big]+\sum_{t=2}^{T}\mathbb E_{q(x_t,x_{t-1}\mid x_0)}\Big[\log\tfrac{p_\theta(x_{t-1}\mid x_t)}{q(x_{t-1}\mid x_t,x_0)}\Big]`,
  "deriv.denoising.line.elbo_1_62": String.raw`\mathbb E_{q(x_1\mid x_0)}[\log p_\theta(x_0\mid x_1)]-D_{KL}\big(q(x_T\mid x_0)\,\|\,p(x_T)\big)-\sum_{t=2}^{T}\mathbb E_{q(x_t\mid x_0)}\big[D_{KL}(q(x_{t-1}\mid x_t,x_0)\,\|\,p_\theta(x_{t-1}\mid x_t))\big]`,
  "deriv.denoising.line.term_1_61": String.raw`\mathbb E_{q(x_\tau,x_{\tau-1}\mid x_0)}\Big[\log\frac{p_\theta(x_{\tau-1}\mid x_\tau)}{q(x_{\tau-1}\mid x_\tau,x_0)}\Big]\quad(\tau\ge 2)`,
  "deriv.denoising.line.term_1_62": String.raw`-\mathbb E_{q(x_\tau\mid x_0)}\big[D_{KL}(q(x_{\tau-1}\mid x_\tau,x_0)\,\|\,p_\theta(x_{\tau-1}\mid x_\tau))\big]=-L_{\tau-1}`,
  "deriv.denoising.line.prior_1_61": String.raw`\int q(x_T\mid x_0)\log\frac{p(x_T)}{q(x_T\mid x_0)}\,dx_T\quad\text{(per coordinate, Simpson)}`,
  "deriv.denoising.line.prior_1_62": String.raw`-D_{KL}\big(\mathcal N(\sqrt{\bar\alpha_T}x_0,(1-\bar\alpha_T)I)\,\|\,\mathcal N(0,I)\big)`,
  "deriv.denoising.line.iterated_1_64": String.raw`m_t=\sqrt{\alpha_t}\,m_{t-1},\ \ v_t=\alpha_t v_{t-1}+(1-\alpha_t)\ \ (t=1..\tau):\ \ (m_\tau,\ v_\tau)`,
  "deriv.denoising.line.closed_1_72": String.raw`\Big(\sqrt{\textstyle\prod_{i=1}^{\tau}\alpha_i}\;x_0,\ \ 1-\textstyle\prod_{i=1}^{\tau}\alpha_i\Big)=\big(\sqrt{\bar\alpha_\tau}\,x_0,\ 1-\bar\alpha_\tau\big)`,
};
export default {
  en: {
    "deriv.denoising.title": "The ELBO's denoising-matching form, line by line (1.50)–(1.62)",
    "deriv.denoising.intro": "On the short linear schedule of the consistency form (T = 50): your t is read as τ = ⌈t·50/1000⌉, and as τ = 2 where that gives 1, since the denoising terms L_{τ−1} start at t = 2. The model is the exact oracle of the 8-Gaussian ring (μ_θ from x̂₀ = E[x₀|x_t] through (1.97)/(1.88), σ_t² = β̃_t), p(x_T) = N(0, I). The exact lines use one trajectory from your seed; the ELBO lines use samples/4 trajectories, the lines at τ samples fresh draws.",
    ...line,
    "deriv.denoising.step.bayes": "Bayes' rule (1.50): q(x_t|x_{t−1}) = q(x_t|x_{t−1}, x₀) (Markov) = q(x_{t−1}|x_t, x₀) q(x_t|x₀) / q(x_{t−1}|x₀), with the posterior of (1.88)–(1.89) and the marginals of (1.73) — equal on the trajectory, summed over t = 2..T.",
    "deriv.denoising.step.cancel": "The telescoping product (1.57)–(1.58): in Σ_t [log q(x_{t−1}|x₀) − log q(x_t|x₀)] every middle term cancels, leaving the first and the last.",
    "deriv.denoising.step.split_first": "Take the t = 1 factors apart, q(x₁|x₀) on its own, and write q(x_t|x_{t−1}) as q(x_t|x_{t−1}, x₀) (1.53–1.55).",
    "deriv.denoising.step.substitute_bayes": "Substitute Bayes' rule (1.50) for each q(x_t|x_{t−1}, x₀), t ≥ 2 (1.56).",
    "deriv.denoising.step.telescope": "Cancel the marginals (1.57)–(1.58): what is left of them is q(x₁|x₀)/q(x_T|x₀), and q(x₁|x₀) cancels against the t = 1 denominator (1.59).",
    "deriv.denoising.step.rewrite_1_59": "So the rewritten integrand (1.59) is the integrand of (1.36) itself, on every trajectory.",
    "deriv.denoising.step.kl_terms": "Average (1.60)–(1.61), then integrate each log-ratio against its own distribution: −KL(q(x_T|x₀) ‖ p(x_T)) and −KL(q(x_{t−1}|x_t, x₀) ‖ p_θ(x_{t−1}|x_t)) for each trajectory's x_t, in closed form (1.62). Equal in expectation.",
    "deriv.denoising.step.term_kl": "The term L_{τ−1} alone: the log-ratio averaged over (x_{τ−1}, x_τ) is minus the KL averaged over x_τ alone — one random variable instead of two.",
    "deriv.denoising.step.prior_kl": "The prior-matching term: the integral by quadrature is −KL(q(x_T|x₀) ‖ N(0, I)) of (1.23).",
    "deriv.denoising.step.iterate": "(1.64)–(1.72): each step multiplies the mean by √α_t and adds two independent Gaussian variances, α_t v + (1 − α_t); iterated, the mean is √(∏α_i) x₀ and the variance 1 − ∏α_i = 1 − ᾱ_t.",
  },
  zh: {
    "deriv.denoising.title": "ELBO 的去噪匹配形式，逐行推导 (1.50)–(1.62)",
    "deriv.denoising.intro": "沿用一致性形式的短线性调度（T = 50）：你的 t 读作 τ = ⌈t·50/1000⌉，若结果为 1 则取 τ = 2，因为去噪项 L_{τ−1} 从 t = 2 开始。模型是 8 高斯环的精确 oracle（μ_θ 由 x̂₀ = E[x₀|x_t] 经 (1.97)/(1.88) 得到，σ_t² = β̃_t），p(x_T) = N(0, I)。精确的行用你的种子生成的一条轨迹；ELBO 的行用 samples/4 条轨迹，τ 处的行单独抽取 samples 次。",
    ...line,
    "deriv.denoising.step.bayes": "贝叶斯公式 (1.50)：q(x_t|x_{t−1}) = q(x_t|x_{t−1}, x₀)（马尔可夫性）= q(x_{t−1}|x_t, x₀) q(x_t|x₀) / q(x_{t−1}|x₀)，后验用 (1.88)–(1.89)，边缘分布用 (1.73)——在轨迹上对 t = 2..T 求和后相等。",
    "deriv.denoising.step.cancel": "连乘相消 (1.57)–(1.58)：在 Σ_t [log q(x_{t−1}|x₀) − log q(x_t|x₀)] 中所有中间项抵消，只剩首尾两项。",
    "deriv.denoising.step.split_first": "把 t = 1 的因子单独拿出来，q(x₁|x₀) 单列，并把 q(x_t|x_{t−1}) 写成 q(x_t|x_{t−1}, x₀)（1.53–1.55）。",
    "deriv.denoising.step.substitute_bayes": "对每个 t ≥ 2，用贝叶斯公式 (1.50) 代换 q(x_t|x_{t−1}, x₀)（1.56）。",
    "deriv.denoising.step.telescope": "消去边缘分布 (1.57)–(1.58)：它们只剩 q(x₁|x₀)/q(x_T|x₀)，而 q(x₁|x₀) 又与 t = 1 的分母抵消（1.59）。",
    "deriv.denoising.step.rewrite_1_59": "所以改写后的被积函数 (1.59) 在每条轨迹上都就是 (1.36) 的被积函数本身。",
    "deriv.denoising.step.kl_terms": "取期望 (1.60)–(1.61)，再把每个对数比对它自己的分布积分：得到 −KL(q(x_T|x₀) ‖ p(x_T)) 和对每条轨迹的 x_t 的 −KL(q(x_{t−1}|x_t, x₀) ‖ p_θ(x_{t−1}|x_t))，都是闭式（1.62）。期望相等。",
    "deriv.denoising.step.term_kl": "单独看 L_{τ−1}：对 (x_{τ−1}, x_τ) 平均的对数比，等于只对 x_τ 平均的负 KL——一个随机变量代替两个。",
    "deriv.denoising.step.prior_kl": "先验匹配项：数值积分的结果就是 (1.23) 的 −KL(q(x_T|x₀) ‖ N(0, I))。",
    "deriv.denoising.step.iterate": "(1.64)–(1.72)：每一步把均值乘以 √α_t，并把两个独立高斯的方差相加，α_t v + (1 − α_t)；迭代后均值为 √(∏α_i) x₀，方差为 1 − ∏α_i = 1 − ᾱ_t。",
  },
};
