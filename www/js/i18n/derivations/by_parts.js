// Explicit to implicit score matching by integration by parts, (2.14) → (2.15): the stepper's text
// (src/derivation/integration_by_parts.rs has the numbers). Keys: deriv.<name>.title / .intro;
// .line.<line key> is the line's TeX (KaTeX, display); .step.<step key> the move that leads to the step's second line.
const line = {
  "deriv.by_parts.line.explicit": String.raw`\tfrac12\mathcal L=\tfrac12\,\mathbb E_{p(x)}\big[\|\nabla_x\log p(x)-s_\theta(x)\|^2\big]`,
  "deriv.by_parts.line.expanded": String.raw`\tfrac12\int p(x)\big[\|\nabla_x\log p(x)\|^2+\|s_\theta(x)\|^2-2(\nabla_x\log p(x))^T s_\theta(x)\big]\,dx`,
  "deriv.by_parts.line.cross": String.raw`-\int p(x)\,(\nabla_x\log p(x))^T s_\theta(x)\,dx=-\sum_{i=1}^N\int \frac{\partial p(x)}{\partial x_i}\,s_{\theta i}(x)\,dx`,
  "deriv.by_parts.line.by_parts": String.raw`\sum_{i=1}^N\int p(x)\,\frac{\partial s_{\theta i}(x)}{\partial x_i}\,dx=\mathbb E_{p(x)}\big[\mathrm{tr}(\nabla_x s_\theta(x))\big]`,
  "deriv.by_parts.line.implicit": String.raw`\mathbb E_{p(x)}\big[\tfrac12\|s_\theta(x)\|^2+\mathrm{tr}(\nabla_x s_\theta(x))\big]`,
  "deriv.by_parts.line.printed_2_15": String.raw`\mathbb E_{p(x)}\big[\|{\color{#c0392b}\tfrac12 s_\theta(x)}\|^2+\mathrm{tr}(\nabla_x s_\theta(x))\big]`,
  "deriv.by_parts.line.explicit_theta2": String.raw`\tfrac12\,\mathbb E_{p(x)}\big[\|\nabla_x\log p(x)-s_{\theta'}(x)\|^2\big],\quad \theta'=(m_1+1,\,m_2-1,\,2v)`,
  "deriv.by_parts.line.implicit_theta2": String.raw`\mathbb E_{p(x)}\big[\tfrac12\|s_{\theta'}(x)\|^2+\mathrm{tr}(\nabla_x s_{\theta'}(x))\big]`,
  "deriv.by_parts.line.constant": String.raw`C=\tfrac12\,\mathbb E_{p(x)}\|\nabla_x\log p(x)\|^2\quad\text{(the same draws)}`,
  "deriv.by_parts.line.constant_quadrature": String.raw`\tfrac12\int p(x)\,\|\nabla_x\log p(x)\|^2\,dx\quad\text{(quadrature)}`,
};
export default {
  en: {
    "deriv.by_parts.title": "Explicit to implicit score matching by integration by parts, line by line (2.14) → (2.15)",
    "deriv.by_parts.intro": "The data p is the 8-Gaussian ring (its exact score known), the model s_θ(x) = −(x − m)/v is the score of N(m, vI) with your θ = (m₁, m₂, v). Each line is a Monte Carlo estimate over seeded draws x ~ p; the steps that hold only in expectation are checked to 4 standard errors, and the constant dropped on the way is shown and checked on its own.",
    ...line,
    "deriv.by_parts.step.expand": "Open the square (the seed's second line): the three terms, each averaged over the same draws, add up to (2.14) draw by draw.",
    "deriv.by_parts.step.integrate_by_parts": "Write p ∂log p/∂x_i = ∂p/∂x_i and integrate by parts: the boundary term p s_θ at ±∞ vanishes, so −E[(∇log p)ᵀ s_θ] = E[tr ∇ₓ s_θ]. Two different integrands on independent draws, equal in expectation.",
    "deriv.by_parts.step.drop_constant": "Keep only what depends on θ: ½L = (2.15) + C with C = ½E‖∇log p‖², which the seed drops as a constant. Per draw what is left beyond C, −(∇log p)ᵀ s_θ − tr ∇ₓ s_θ, has mean zero only by the integration by parts, so the step holds to 4 standard errors.",
    "deriv.by_parts.step.slip_2_15": "The seed's last line of (2.15) writes ‖½ s_θ‖² = ¼‖s_θ‖²: the numbers differ, so it is a slip; the line above it, ½‖s_θ‖², is right (confirmed).",
    "deriv.by_parts.step.same_constant": "At a second θ′ the difference is the same C: it does not depend on θ, so minimising (2.15) minimises (2.14).",
    "deriv.by_parts.step.constant_quadrature": "C belongs to the data alone: half the Fisher information of the ring, by quadrature in polar coordinates.",
  },
  zh: {
    "deriv.by_parts.title": "用分部积分把显式分数匹配化为隐式分数匹配，逐行推导 (2.14) → (2.15)",
    "deriv.by_parts.intro": "数据 p 是 8 个高斯组成的环（其分数精确已知），模型 s_θ(x) = −(x − m)/v 是 N(m, vI) 的分数，θ = (m₁, m₂, v) 由你设定。每一行都是对带种子的样本 x ~ p 的蒙特卡洛估计；只在期望意义下成立的步骤按 4 个标准误核对，途中丢掉的常数会显示出来并单独核对。",
    ...line,
    "deriv.by_parts.step.expand": "展开平方（种子文档的第二行）：三项各自在同一批样本上取平均，逐个样本相加就是 (2.14)。",
    "deriv.by_parts.step.integrate_by_parts": "把 p ∂log p/∂x_i 写成 ∂p/∂x_i 再分部积分：边界项 p s_θ 在 ±∞ 处为零，所以 −E[(∇log p)ᵀ s_θ] = E[tr ∇ₓ s_θ]。两个不同的被积函数、互相独立的样本，期望相等。",
    "deriv.by_parts.step.drop_constant": "只保留与 θ 有关的项：½L = (2.15) + C，其中 C = ½E‖∇log p‖² 被种子文档当作常数丢掉。逐个样本看，除 C 之外剩下的 −(∇log p)ᵀ s_θ − tr ∇ₓ s_θ 只因分部积分才均值为零，所以这一步在 4 个标准误内成立。",
    "deriv.by_parts.step.slip_2_15": "种子文档 (2.15) 的最后一行写成 ‖½ s_θ‖² = ¼‖s_θ‖²：数值不同，是笔误；它上面一行的 ½‖s_θ‖² 是对的（已确认）。",
    "deriv.by_parts.step.same_constant": "换一个 θ′，差仍是同一个 C：它与 θ 无关，所以最小化 (2.15) 就是最小化 (2.14)。",
    "deriv.by_parts.step.constant_quadrature": "C 只取决于数据：环的 Fisher 信息的一半，用极坐标数值积分算出。",
  },
};
