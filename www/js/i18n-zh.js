// 中文 for the page (see i18n.js). `html`: whole paragraphs and captions by their data-i18n key;
// `text`: exact English texts (trimmed) → Chinese; `patterns`: texts that carry numbers, matched
// whole, the engine's numbers carried over unchanged. Terms follow the seed notes (重建项,
// 先验匹配项, 去噪匹配项, 一致性项, 分数, 朗之万动力学).
const E = (n) => `<span class="eq">(${n})</span>`;

const html = {
  tagline: "扩散模型的数学，在你的浏览器里实时计算——下面的每一个数都来自引擎（Rust → WebAssembly，精确的 f64）。",
  "vae.intro": `VAE 用隐变量 z 解释 x：p(x) = ∫ p(x, z) dz ${E("1.1")}。任何编码器 q<sub>φ</sub>(z|x) 都把证据精确地拆开：
    log p(x) = ELBO + KL(q<sub>φ</sub>(z|x) ‖ p(z|x)) ${E("1.15")}；ELBO 又拆成重建项 − 先验匹配项，
    E<sub>q</sub>[log p<sub>θ</sub>(x|z)] − KL(q<sub>φ</sub>(z|x) ‖ p(z)) ${E("1.20")}，后者由高斯 KL 公式 ${E("1.23")} 给出。
    这里的模型是线性高斯的——p(z) = N(0, I)，p<sub>θ</sub>(x|z) = N(Wz + b, s²I)，W = [[1, 0.6], [−0.4, 0.9]]，s² = 0.3，x = (1.2, −0.5)——
    所以 log p(x) 和真实后验都精确已知，每一项都能检验：精确值，以及用 z = μ + σ ⊙ ε ${E("1.25")} 的蒙特卡洛估计。
    移动编码器，看差距 KL(q ‖ p(z|x)) 张开又合上；没有哪个对角 q 能把它完全合上，因为这个后验是相关的。`,
  "schedule.intro": `前向过程一步步加入高斯噪声，x<sub>t</sub> = √α<sub>t</sub> x<sub>t−1</sub> + √(1−α<sub>t</sub>) ε ${E("1.63")}，
    于是有闭式 q(x<sub>t</sub>|x<sub>0</sub>) = N(√ᾱ<sub>t</sub> x<sub>0</sub>, (1−ᾱ<sub>t</sub>) I)，其中 ᾱ<sub>t</sub> = ∏ α<sub>i</sub> ${E("1.72–1.73")}。
    反向一步的真实方差介于 β̃<sub>t</sub> = σ<sub>q</sub>²(t) ${E("1.89")} 与 β<sub>t</sub> 之间。
    这是带三个约束的马尔可夫分层 VAE ${E("§1.3.3")}：每层隐变量 x<sub>t</sub> 与数据维度相同；编码器 q(x<sub>t</sub>|x<sub>t−1</sub>) 不是学出来的，而是固定的线性高斯 ${E("1.33–1.34")}；
    其参数按调度变化，使 x<sub>T</sub> 成为标准高斯——下表最后一行衡量它有多接近 ${E("1.35")}。`,
  "chart-alphabar.caption": "ᾱ<sub>t</sub> 与 √ᾱ<sub>t</sub> 随 t 的变化——还剩多少信号",
  "chart-snr.caption": `log SNR<sub>t</sub> = log ᾱ<sub>t</sub>/(1−ᾱ<sub>t</sub>) ${E("1.104")}`,
  "chart-betas.caption": "β<sub>t</sub> 与 β̃<sub>t</sub>（对数坐标）——σ<sub>t</sub>² 的两种取法",
  "noising.intro": `用上面选定的调度，把一个数据集加噪到第 t 步，两种做法：用闭式 q(x<sub>t</sub>|x<sub>0</sub>) ${E("1.73")} 一步跳到，
    或者用 t 个小步 q(x<sub>k</sub>|x<sub>k−1</sub>) ${E("1.63")}，每步用新的噪声。两团点是不同的抽样，但服从同一个分布：
    两种做法下，残差 r = x<sub>t</sub> − √ᾱ<sub>t</sub> x<sub>0</sub> 都是 N(0, (1 − ᾱ<sub>t</sub>) I)。拖动 t，看数据的结构如何溶解成高斯。`,
  "noise-canvas.caption": `<span class="key grey">●</span> x<sub>0</sub> <span class="key blue">●</span> 闭式 (1.73) <span class="key orange">●</span> 迭代链 (1.63)`,
  "chart-noise.caption": "沿途的 E‖r<sub>k</sub>‖²/2，k = 1..t：两者都跟随 1 − ᾱ<sub>k</sub>",
  "noise-table.caption": "残差 r = x<sub>t</sub> − √ᾱ<sub>t</sub> x<sub>0</sub>，逐坐标（对所有点的均值 ± 标准误）",
  "elbo-forms.intro": `种子文档把同一个 ELBO 改写了两次。<em>一致性</em>形式 ${E("1.45–1.46")} 把每个前向步 q(x<sub>t</sub>|x<sub>t−1</sub>) 与模型的步 p<sub>θ</sub>(x<sub>t</sub>|x<sub>t+1</sub>) 比较，每一项依赖三个随机状态；
    <em>去噪匹配</em>形式 ${E("1.62")} 把后验 q(x<sub>t−1</sub>|x<sub>t</sub>, x<sub>0</sub>) 与 p<sub>θ</sub>(x<sub>t−1</sub>|x<sub>t</sub>) 以精确的 KL 比较，每一项只依赖一个。
    这里用同一个 x<sub>0</sub> 的<em>同一批</em>前向轨迹（T = 1000，线性调度）估计两者，模型是八高斯的精确预言机，或一个故意很差的模型（N(0, I) 数据的精确去噪器）。
    数字讲清了两件事：逐项看——也就是训练时一次抽一个 t——${E("1.62")} 的噪声小得多，这正是种子文档选它的理由；
    但对整条轨迹求和时，一致性各项会相消成一个重要性权重，对好的模型它反而是<em>噪声更小</em>的估计。
    另外，推到 (1.47) 的那一步把一致性项写成 x<sub>t</sub> 重新抽样的 KL，这并不是恒等式：x<sub>t+1</sub> 是从 x<sub>t</sub> 抽出的，所以 KL 形式远低于 ELBO。`,
  "elbo-breakdown.intro": `第 6 节模型（在你训练之前是预训练模型）在留出数据上的去噪匹配形式 ${E("1.62")}：
    t = 1 处的重建项，t = T 处的先验匹配项，以及中间每一步的 KL——模型在链上的哪里为它的误差付出代价。
    模型训练时，它随每次留出估计更新；第 6 节的 σ² 选择同样适用。解码器 p<sub>θ</sub>(x<sub>0</sub>|x<sub>1</sub>) 是很窄的连续高斯，其对数密度可以大于 0，所以重建代价可以为负。要看旁边的一致性形式，请在上面第 3 节选择“你的网络”。`,
  "kl-mse.intro": `q(x<sub>t−1</sub>|x<sub>t</sub>, x<sub>0</sub>) 是高斯分布，均值 μ<sub>q</sub>，方差 σ<sub>q</sub>²(t) = β̃<sub>t</sub> ${E("1.88–1.89")}。让 p<sub>θ</sub>(x<sub>t−1</sub>|x<sub>t</sub>) 取相同的方差，两个高斯的 KL
    ${E("1.90")} 就失去了对数行列式项和迹项：½[log 1 − d + d + (μ<sub>θ</sub> − μ<sub>q</sub>)ᵀΣ<sub>q</sub>⁻¹(μ<sub>θ</sub> − μ<sub>q</sub>)] ${E("1.91–1.93")} = ‖μ<sub>θ</sub> − μ<sub>q</sub>‖² / 2σ<sub>q</sub>² ${E("1.95")}；
    若 μ<sub>θ</sub> 由猜测 x̂<sub>0</sub> 构造，它就是 ${E("1.100")} 中加权的 x<sub>0</sub> 误差。引擎由 x<sub>0</sub> 和 ε 得到 x<sub>t</sub>，模型给出猜测 x̂<sub>0</sub>。`,
  "tweedie.intro": `若数据来自高斯混合（这里是环上的八个高斯），q(x<sub>t</sub>) 仍是高斯混合，所以引擎以闭式知道它的分数 ∇log q(x<sub>t</sub>) 以及后验均值 E[x<sub>0</sub>|x<sub>t</sub>]、E[ε|x<sub>t</sub>]。
    Tweedie 公式说，x<sub>0</sub> 的最佳猜测是 (x<sub>t</sub> + (1−ᾱ<sub>t</sub>) ∇log q(x<sub>t</sub>)) / √ᾱ<sub>t</sub> ${E("1.125")}，而分数是 −E[ε|x<sub>t</sub>]/√(1−ᾱ<sub>t</sub>) ${E("1.143")}。
    点击图移动 x<sub>t</sub>；拖动滑块改变 t。`,
  "three-table.caption": "同一件事的三种说法，在这个 x<sub>t</sub> 与 t：x₀、ε 或分数",
  "tweedie-1d.intro": `观测 x = θ + σε。在平方误差下 θ 的最佳估计是后验均值 E[θ|x] = ∫θ p(θ|x) dθ ${E("1.120")}，而 Tweedie 说它等于
    x + σ² d/dx log p(x) ${E("1.121")}——完全不必写出先验。引擎用数值积分计算两边（右边对积分 log p(x) 求导），先验有尖点和边界时也一样。`,
  "training.intro": `DDPM 的算法 1：从数据中抽 x<sub>0</sub>，t 在 1..T 中均匀抽取，ε ~ N(0, I)，让网络输出回归 x<sub>0</sub> ${E("1.100")}、ε ${E("1.119")} 或分数 ${E("1.140")}，
    权重为 L<sub>simple</sub>（普通均方误差）或真正的 ELBO 权重。留出数据上每维的 −ELBO ${E("1.62")} 是模型负对数似然的上界；对八高斯数据，它与数据的真实熵并列显示，两者之差是 KL(数据 ‖ 模型) 的上界。
    训练在 Web Worker 中运行，页面始终可以操作。`,
  "draw.help": "画出你自己的数据集：在方框上点击或拖动来喷洒点（或者聚焦它，用方向键和空格）。一两个形状、几百个点就能训练得不错；它们保存在这个浏览器里。",
  "chart-elbo.caption": `留出数据上每维的 −ELBO <span id="elbo-unit"></span>，对八高斯还有数据的熵`,
  "chain.intro": `采样让学到的反向过程从噪声走到数据。DDPM 的算法 2 取
    x<sub>t−1</sub> = μ<sub>θ</sub>(x<sub>t</sub>, t) + σ<sub>t</sub> z，其中 μ<sub>θ</sub> = (x<sub>t</sub> − β<sub>t</sub>/√(1−ᾱ<sub>t</sub>) ε̂)/√α<sub>t</sub> ${E("1.115")}，
    σ<sub>t</sub>² = β<sub>t</sub> 或 β̃<sub>t</sub>；DDIM（η = 0）沿 x̂<sub>0</sub> 与 ε̂ 确定性地移动；朗之万动力学沿分数前进，
    x ← x + (α/2) s(x) + √α z ${E("§2.1")}；退火朗之万则逐级降低噪声水平 σ ${E("§2.2.6")}。
    用按钮或 ← → 键单步（先点一下图），或拖动滑块。红色粒子被跟踪：它的轨迹，以及一个绿色叉号，标出模型从它当前位置预测的 x̂<sub>0</sub>。`,
  "compare.h": "DDPM 与 DDIM，从同一个 x<sub>T</sub> 出发",
  "compare.intro": `同一个随机种子给两个采样器相同的起始噪声。DDPM 走完全部 1000 个随机步 ${E("1.115")}；η = 0 的 DDIM 沿 x̂<sub>0</sub> 与 ε̂ 走 50 个确定性的步，使用同一个网络（或上面选定的预言机）。
    比较粒子最后落在哪里、每团点与留出数据有多接近，以及各自的代价。`,
  "cmp-ddpm.caption": "DDPM，σ² = β<sub>t</sub>，1000 步",
  "score-matching.intro": `基于能量的模型 p(x) = e<sup>−f(x)</sup>/C ${E("2.12")} 的分数是 ∇log p(x) = −∇f(x)：归一化常数消失了 ${E("2.13")}。
    分数模型 s<sub>θ</sub> 可以用显式分数匹配 E<sub>p</sub>‖∇log p − s<sub>θ</sub>‖² ${E("2.14")} 来拟合——但这需要未知的分数——
    或者分部积分后用隐式损失 E<sub>p</sub>[½‖s<sub>θ</sub>‖² + tr ∇s<sub>θ</sub>] ${E("2.15")}，或用去噪分数匹配 ½E‖s<sub>θ</sub>(x̃) + (x̃ − x)/σ²‖² ${E("2.24")}，它匹配的是加噪数据 q<sub>σ</sub> 的分数 ${E("2.18")}。
    这些恒等式说明曲线之间只差常数。这里 s<sub>θ</sub>(x) = −(x − μ)/v 沿一条 θ 路径滑动（μ₁ 从 −1.5 到 1.5，v 从 1 到 4），作用于八高斯数据，所有 θ 用同一批样本。`,
  "langevin.intro": `两个高斯：(−2, −2) 处权重为 w，(2, 2) 处权重为 1 − w。两个采样器都沿<em>精确</em>的分数走，从同一批均匀分布的起点出发。
    普通的朗之万动力学能把每个模态采好，却几乎从不穿过两者之间的空白区域，所以各模态中的粒子比例保持起点给定的样子——仅凭分数看不到权重，因为在一个模态附近，另一个模态的权重几乎不改变 ∇log p。
    退火朗之万先沿被大噪声 σ<sub>1</sub> 模糊后的数据的分数走，这时两个模态相互重叠，质量按权重在它们之间流动，然后逐级变清晰（4 → 0.1，共 8 级）。`,
  "chart-dsm.caption": "去噪 (2.24) 与 q<sub>σ</sub> 上的显式 (2.18) + ½(D/σ² − E‖∇log q<sub>σ</sub>‖²)",
  footer: "公式编号对应种子笔记（VAE → VDM、DDPM、基于分数的模型）。引擎：Rust + burn，编译为 WebAssembly。",
};

const text = {
  // header, navigation
  "Diffusion Lab": "扩散实验室 Diffusion Lab",
  "engine loading…": "引擎加载中…", "checking WebGPU…": "正在检查 WebGPU…", "CPU (burn flex)": "CPU（burn flex）", "engine failed": "引擎失败",
  chapters: "章节", "1 VAE & ELBO": "1 VAE 与 ELBO", "2 Forward process": "2 前向过程", "3 Two ELBOs": "3 两种 ELBO", "4 KL → MSE": "4 KL → 均方误差",
  "5 Tweedie": "5 Tweedie", "6 Training": "6 训练", "7 Reverse chain": "7 反向链", "8 Score matching": "8 分数匹配",
  // headings
  "1 · Latent variables and the ELBO": "1 · 隐变量与 ELBO",
  "2 · The forward process and its noise schedule": "2 · 前向过程与噪声调度",
  "3 · Two ways to write the ELBO of a diffusion model": "3 · 扩散模型 ELBO 的两种写法",
  "4 · The posterior, and why the KL becomes a squared error": "4 · 后验，以及 KL 为何变成平方误差",
  "5 · x₀, ε or the score: Tweedie's formula, checked exactly": "5 · x₀、ε 还是分数：精确检验 Tweedie 公式",
  "5b · Tweedie in one dimension, for a prior you pick": "5b · 一维 Tweedie，先验由你选",
  "6 · Train a denoiser": "6 · 训练一个去噪器",
  "7 · The reverse chain, one step at a time": "7 · 反向链，一次一步",
  "8 · Score matching": "8 · 分数匹配",
  // section 1
  samples: "样本数", seed: "随机种子", "best diagonal q": "最佳对角 q",
  "exact, and Monte Carlo (mean ± standard error), in nats": "精确值与蒙特卡洛（均值 ± 标准误），单位 nats",
  exact: "精确", "Monte Carlo": "蒙特卡洛", "variance ratio": "方差比",
  "log p(x), evidence": "log p(x)，证据",
  "ELBO = E_q[log p(x,z) − log q(z|x)]": "ELBO = E_q[log p(x,z) − log q(z|x)]",
  "reconstruction E_q[log p_θ(x|z)]": "重建项 E_q[log p_θ(x|z)]",
  "prior matching KL(q ‖ p(z))": "先验匹配项 KL(q ‖ p(z))",
  "gap KL(q ‖ p(z|x))": "差距 KL(q ‖ p(z|x))",
  "reconstruction − prior matching − ELBO": "重建项 − 先验匹配项 − ELBO",
  "∇ of the reconstruction term in φ = (μ, σ): reparameterization (1.25) vs score function, same draws": "重建项对 φ = (μ, σ) 的梯度：重参数化 (1.25) 与得分函数估计，同一批样本",
  // section 2
  schedule: "调度", "linear (DDPM)": "线性（DDPM）", "cosine (Nichol & Dhariwal)": "余弦（Nichol & Dhariwal）", "inspect t": "查看 t",
  "The engine's values at the inspected t": "引擎在所查看的 t 处给出的值",
  "μ_q coefficient of x_0": "μ_q 中 x_0 的系数", "μ_q coefficient of x_t": "μ_q 中 x_t 的系数",
  "ᾱ_T, and KL(q(x_T|x₀) ‖ N(0, I)) at x₀ = (2, 0), nats": "ᾱ_T，以及 x₀ = (2, 0) 处的 KL(q(x_T|x₀) ‖ N(0, I))，nats",
  // section 2b
  "2b · A data set, noised: the closed form against the iterated chain": "2b · 给数据集加噪：闭式与迭代链的对照",
  points: "点数", "closed form": "闭式", iterated: "迭代", "1 − ᾱ_k (exact)": "1 − ᾱ_k（精确）", "closed form (1.73)": "闭式 (1.73)", "iterated (1.63)": "迭代 (1.63)",
  "the data set and its two noised versions": "数据集及其两种加噪结果", "second moment of the residual over the steps": "残差二阶矩随步数的变化",
  // chapter 7, compare
  "Run DDPM and DDIM": "运行 DDPM 与 DDIM", "DDIM, η = 0, 50 steps": "DDIM，η = 0，50 步", "reverse steps (network evaluations)": "反向步数（网络调用次数）",
  "time in the worker (ms)": "在 worker 中的用时（毫秒）", "DDPM samples": "DDPM 样本", "DDIM samples": "DDIM 样本",
  "running DDPM (1000 steps) and DDIM (50 steps)…": "正在运行 DDPM（1000 步）与 DDIM（50 步）…",
  // section 8b
  "8b · Langevin dynamics and annealed Langevin on an unbalanced mixture": "8b · 不平衡混合分布上的朗之万动力学与退火朗之万",
  "weight w of the light mode": "轻模态的权重 w", "plain Langevin steps": "普通朗之万步数", "plain Langevin (step 0.01)": "普通朗之万（步长 0.01）",
  "annealed Langevin (σ from 4 to 0.1)": "退火朗之万（σ 从 4 到 0.1）", "share of the particles in the light mode, step by step": "轻模态中粒子所占比例，逐步变化",
  "the samples at the end of each chain": "每条链最后的样本", true: "真实值", "plain Langevin": "普通朗之万", "annealed Langevin": "退火朗之万", "true weight": "真实权重",
  "share in the light mode (−2, −2)": "轻模态 (−2, −2) 中的比例", "share in the heavy mode (2, 2)": "重模态 (2, 2) 中的比例",
  "largest error in a mode's share": "各模态比例的最大误差", "MMD² to the mixture (floor: two samples of it)": "与混合分布的 MMD²（下限：它自身的两份样本）",
  "running both chains…": "两条链运行中…", "samples of plain Langevin dynamics": "普通朗之万动力学的样本", "samples of annealed Langevin dynamics": "退火朗之万动力学的样本",
  "share of particles in the light mode over the steps": "轻模态中粒子比例随步数的变化", "8b Langevin": "8b 朗之万",
  // section 3
  model: "模型", "exact oracle": "精确预言机", "N(0, I) denoiser (poor)": "N(0, I) 去噪器（差）", trajectories: "轨迹数",
  "nats for the whole x₀ (mean ± standard error over trajectories)": "整个 x₀ 的 nats（对轨迹的均值 ± 标准误）",
  "consistency form": "一致性形式", "denoising-matching form": "去噪匹配形式", "difference, paired by trajectory": "差，按轨迹配对",
  "(1.47) as printed": "原文的 (1.47)", "whole trajectory: Var(consistency) / Var(denoising)": "整条轨迹：Var(一致性) / Var(去噪)",
  "one random t: Var(consistency) / Var(denoising)": "随机一个 t：Var(一致性) / Var(去噪)", "reconstruction term (shared)": "重建项（共用）",
  "variance of each term over t (log scale): consistency (1.46) vs denoising matching (1.62)": "各项方差随 t 的变化（对数坐标）：一致性 (1.46) 与去噪匹配 (1.62)",
  consistency: "一致性", denoising: "去噪",
  // section 3b
  "3b · Your model's ELBO, term by term": "3b · 你的模型的 ELBO，逐项看",
  "the denoising-matching terms, summed over each twentieth of t": "去噪匹配项，在 t 的每个二十分之一区间内求和",
  "per dimension, averaged over the held-out points": "每维，对留出数据点取平均", "reconstruction −E[log p_θ(x₀|x₁)]": "重建项 −E[log p_θ(x₀|x₁)]",
  "prior matching KL(q(x_T|x₀) ‖ p(x_T))": "先验匹配项 KL(q(x_T|x₀) ‖ p(x_T))", "denoising matching Σ_{t≥2} E[KL_t]": "去噪匹配项 Σ_{t≥2} E[KL_t]",
  "−ELBO = the sum of the three": "−ELBO = 三项之和", "−ELBO as the engine reports it": "引擎报告的 −ELBO",
  "waiting for the model's first held-out estimate…": "等待模型的第一次留出估计…", "computing with your network…": "正在用你的网络计算…",
  "denoising-matching KL by bins of t": "按 t 分组的去噪匹配 KL", "Σ KL_t over the bin (nats/dim)": "区间内的 Σ KL_t（nats/dim）", "Σ KL_t over the bin (bits/dim)": "区间内的 Σ KL_t（bits/dim）",
  // section 4
  "model's x̂₀ = (": "模型的 x̂₀ = (", "μ_θ from x̂₀": "由 x̂₀ 得到的 μ_θ", "½ [sum of the four]": "½ [四项之和]",
  "general Gaussian KL, Σ of (1.23)": "一般的高斯 KL，(1.23) 逐维求和", "weight(t) · ‖x̂₀ − x₀‖²": "权重(t) · ‖x̂₀ − x₀‖²",
  // section 5
  "∇log q(x_t), exact": "∇log q(x_t)，精确", "E[x₀|x_t], exact posterior mean": "E[x₀|x_t]，精确后验均值", "largest difference": "最大差",
  "E[ε|x_t], exact": "E[ε|x_t]，精确", mixture: "混合分布的闭式",
  "x̂₀ (the exact posterior mean)": "x̂₀（精确后验均值）", "μ_θ from x̂₀ / from ε̂ / from ŝ": "由 x̂₀ / ε̂ / ŝ 得到的 μ_θ",
  "largest difference between the three μ_θ": "三个 μ_θ 之间的最大差", "ε̂ → x̂₀ round trip, largest difference": "ε̂ → x̂₀ 往返的最大差",
  "the same as ½(SNR_{t−1} − SNR_t)‖x̂₀ − x₀‖²": "写成 ½(SNR_{t−1} − SNR_t)‖x̂₀ − x₀‖² 也一样",
  // section 5b
  prior: "先验", "two Gaussians": "两个高斯", "Gaussian N(0.5, 2)": "高斯 N(0.5, 2)", "uniform on [−1, 2]": "[−1, 2] 上的均匀分布",
  "Laplace(0, 0.7)": "拉普拉斯(0, 0.7)", "at a few x": "几个 x 处", difference: "差",
  "E[θ|x] by quadrature (1.120) and x + σ² d/dx log p(x) (1.121), over x; the green dashed line is x itself (no shrinkage)": "数值积分得到的 E[θ|x] (1.120) 与 x + σ² d/dx log p(x) (1.121)，随 x 变化；绿色虚线是 x 本身（不收缩）",
  // section 6
  data: "数据", "8 Gaussians": "八个高斯", "two moons": "双月", "swiss roll": "瑞士卷", checkerboard: "棋盘", circles: "同心圆", "8×8 digits": "8×8 手写数字",
  "points you draw": "你画的点", Clear: "清除",
  "draw the data: click or drag to add points; with the keyboard, arrows move the cursor and space adds points": "画出数据：点击或拖动来添加点；用键盘时，方向键移动光标，空格添加点",
  predict: "预测", "ε (1.119)": "ε (1.119)", "x₀ (1.100)": "x₀ (1.100)", "score (1.140)": "分数 (1.140)", weighting: "权重",
  "learning rate": "学习率", batch: "批大小", steps: "步数", "ELBO with σ²": "ELBO 中取 σ²", backend: "后端", auto: "自动",
  Train: "训练", Pause: "暂停", Resume: "继续", Reset: "重置", "Export weights": "导出权重", "Import weights": "导入权重", "a .dlckpt weights file": "一个 .dlckpt 权重文件",
  "building the model…": "正在构建模型…", "open it": "打开它",
  "training loss per step (mean over the batch)": "每步的训练损失（批内均值）",
  "training loss by t (20 bins): which timesteps are hard": "按 t 分组的训练损失（20 组）：哪些时间步难",
  "σ_t² of p_θ(x_{t−1}|x_t) used in the held-out ELBO": "留出 ELBO 中 p_θ(x_{t−1}|x_t) 所用的 σ_t²",
  // section 7
  sampler: "采样器", "DDPM, σ² = β_t": "DDPM，σ² = β_t", "DDPM, σ² = β̃_t": "DDPM，σ² = β̃_t", "DDIM (50 steps)": "DDIM（50 步）",
  "Langevin (score at σ ≈ 0)": "朗之万（σ ≈ 0 处的分数）", "annealed Langevin": "退火朗之万",
  "your network (section 6)": "你的网络（第 6 节）", "exact oracle (8 Gaussians)": "精确预言机（八高斯）", particles: "粒子数", start: "起点",
  "from noise x_T": "从噪声 x_T 开始", "forward then reverse": "先前向再反向", "start t": "起始 t", "New chain": "新链",
  "← back": "← 后退", "▶ play": "▶ 播放", pause: "暂停", "step →": "前进 →", "to x₀": "到 x₀", "score field": "分数场",
  "what the model says at this step, for the red particle": "在这一步，模型对红色粒子怎么说",
  particle: "粒子", "x at this step": "这一步的 x", "μ_θ: where the step goes before noise": "μ_θ：加噪声前这一步走到哪里",
  "σ: the noise the step adds": "σ：这一步加入的噪声", "predicted x̂₀": "预测的 x̂₀", "predicted ε̂": "预测的 ε̂", "predicted score ŝ": "预测的分数 ŝ",
  "the chain has ended": "链已结束", "x₀ is a sample": "x₀ 是一个样本", "true x₀ of this particle": "这个粒子真实的 x₀",
  "true posterior mean μ_q(x_t, x₀)": "真实后验均值 μ_q(x_t, x₀)", "true variance β̃_t vs model σ_t²": "真实方差 β̃_t 与模型 σ_t²",
  "— (t = 1: the decoder)": "—（t = 1：解码器）", "σ_t (Algorithm 2) or √α": "σ_t（算法 2）或 √α",
  "The chain view draws 2-D data: choose a 2-D data set in section 6 (the digits train, but are not drawn here).": "反向链视图只画二维数据：请在第 6 节选择一个二维数据集（手写数字可以训练，但这里不画）。",
  "The exact oracle is known for the 8 Gaussians only: choose them in section 6, or use your network.": "精确预言机只对八高斯已知：请在第 6 节选择它，或使用你的网络。",
  "Forward then reverse needs DDPM or DDIM: it starts from q(x_t | x_0).": "“先前向再反向”需要 DDPM 或 DDIM：它从 q(x_t | x_0) 出发。",
  // section 8
  "σ (denoising)": "σ（去噪）", "the constants and what is left of the differences": "常数，以及差值中剩下的部分",
  "explicit (2.14) and 2 × implicit (2.15) + E‖∇log p‖², over μ₁ along the path": "显式 (2.14) 与 2 × 隐式 (2.15) + E‖∇log p‖²，沿路径随 μ₁ 变化",
  "spread of (2.14) − 2·(2.15) over θ": "(2.14) − 2·(2.15) 在各 θ 间的极差", "largest residual from C": "与 C 的最大残差",
  "spread of (2.24) − (2.18) over θ": "(2.24) − (2.18) 在各 θ 间的极差", "largest residual from C′": "与 C′ 的最大残差",
  "minimiser of (2.14) / (2.15)": "(2.14) / (2.15) 的极小点", "minimiser of (2.18) / (2.24)": "(2.18) / (2.24) 的极小点",
  "(2.13) at x = (1.3, −0.4): the same energy with three normalising constants": "(2.13) 在 x = (1.3, −0.4)：同一能量配三个不同的归一化常数",
  "score by finite differences": "有限差分得到的分数", "exact score": "精确分数",
  "explicit (2.14)": "显式 (2.14)", "2·implicit + C": "2·隐式 + C", "denoising (2.24)": "去噪 (2.24)",
  // chart legends and axes
  loss: "损失", "held-out −ELBO": "留出 −ELBO", entropy: "熵", step: "步", "t bin (of 20)": "t 分组（共 20 组）",
  "(2.18) + C′": "(2.18) + C′",
  "the numbers as a table": "以表格查看数值", "the chart library did not load": "图表库未能加载",
  // status words
  "computing…": "计算中…", "waiting for valid input": "等待有效输入",
  // accessible names
  "ᾱ_t over t": "ᾱ_t 随 t 的变化", "log SNR over t": "log SNR 随 t 的变化", "beta_t and beta tilde_t over t": "β_t 与 β̃_t 随 t 的变化",
  "variance of each term over t": "各项方差随 t 的变化", "density of q(x_t) with the chosen point": "q(x_t) 的密度与所选的点",
  "posterior mean and Tweedie estimate over x": "后验均值与 Tweedie 估计随 x 的变化", "training loss over steps": "训练损失随步数的变化",
  "held-out negative ELBO over steps": "留出负 ELBO 随步数的变化", "loss per t": "按 t 的损失", "step back": "后退一步", "step forward": "前进一步",
  "position in the chain": "链中的位置", "the particles of the reverse chain": "反向链的粒子",
  "explicit and implicit score matching over theta": "显式与隐式分数匹配随 θ 的变化", "denoising score matching over theta": "去噪分数匹配随 θ 的变化",
  "Switch to English": "Switch to English",
};

// the rules in the engine's "X = v is out of range: <rule>" messages
const RULES = [
  [/^(.+) must be an integer in (.+)$/, "$1 须为 $2 中的整数"],
  [/^(.+) must be a finite number > 0$/, "$1 须为大于 0 的有限数"],
  [/^(?:it|(.+)) must be in (.+)$/, (a, b) => `${a ? a + " " : ""}须在 ${b} 内`],
  [/^it must be an integer in (.+)$/, "须为 $1 中的整数"],
];
const rule = (r) => { for (const [re, zh] of RULES) if (re.test(r)) return r.replace(re, zh); return r; };

const patterns = [
  [/^(.+) = (.+) is out of range: (.+)$/, (a, b, c) => `${a} = ${b} 超出范围：${rule(c)}`],
  [/^(.+) = (.+) is not a finite number(.*)$/, (a, b) => `${a} = ${b} 不是有限数`],
  [/^(.+) must be a number \(got "(.*)"\)$/, (a, b) => `${text[a] || a} 必须是数字（收到 "${b}"）`],
  [/^unknown (.+?) "(.+?)": valid ones are (.+)$/, "未知的 $1 \"$2\"：可用的有 $3"],
  [/^points holds (\d+) points: training needs at least 4 \(some are held out\)$/, "只有 $1 个点：训练至少需要 4 个（一部分留作验证）"],
  [/^points has (\d+) values: it must hold at least one point of (\d+) coordinates .*$/, "points 有 $1 个值：至少需要一个 $2 维的点"],
  [/^This section could not start: (.+)$/, "本节无法启动：$1"],
  [/^The engine could not start: (.+)$/, "引擎无法启动：$1"],
  [/^the link's setting "(.+?)" is not a control on this page(.*)$/, (a, rest) => `链接中的设置 "${a}" 不是本页的控件${rest}`],
  [/^the link's (.+?) = "(.*?)" is not one of its choices; the default "(.*?)" is used(.*)$/, (a, b, c, rest) => `链接中的 ${a} = "${b}" 不是可选项，已使用默认值 "${c}"${rest}`],
  // checks
  [/^✓ \(1\.15\) and \(1\.20\) hold to (.+) nats; every Monte Carlo estimate is within (.+) standard errors of its exact value; the reparameterized gradient is (.+)× or more less noisy than the score-function one\.$/,
    "✓ (1.15) 与 (1.20) 在 $1 nats 内成立；每个蒙特卡洛估计都在其精确值的 $2 个标准误以内；重参数化梯度的噪声至少比得分函数梯度小 $3 倍。"],
  [/^✓ both forms estimate the same ELBO \(difference (.+) standard errors\); one t at a time \(1\.62\) is (.+)× less noisy; the printed \(1\.47\) misses by (.+) nats\.$/,
    "✓ 两种形式估计的是同一个 ELBO（相差 $1 个标准误）；一次一个 t 时 (1.62) 的噪声小 $2 倍；原文的 (1.47) 偏差 $3 nats。"],
  [/^✓ the full KL \(1\.91\), the general formula and ‖μ_θ − μ_q‖²\/2σ_q² \(1\.95\) agree \((.+) nats\), and so does the weighted x₀ error \(1\.100\)\.$/,
    "✓ 完整的 KL (1.91)、一般公式与 ‖μ_θ − μ_q‖²/2σ_q² (1.95) 一致（$1 nats），加权的 x₀ 误差 (1.100) 也一致。"],
  [/^✓ Tweedie \(1\.125\) and \(1\.143\) hold at t = (\d+): both differences are at rounding level\.$/, "✓ Tweedie (1.125) 与 (1.143) 在 t = $1 处成立：两个差都在舍入误差量级。"],
  [/^✓ Tweedie \(1\.121\) matches the posterior mean \(1\.120\) at all (\d+) x: largest difference (.+)\.$/, "✓ 在全部 $1 个 x 处，Tweedie (1.121) 与后验均值 (1.120) 一致：最大差 $2。"],
  [/^✓ the losses differ by constants: every residual is within (.+) standard errors of zero( and the minimisers coincide)?; the score is the same for all three normalising constants \(to (.+)\)\.$/,
    (a, b, c) => `✓ 各损失只差常数：每个残差都在零的 ${a} 个标准误以内${b ? "，极小点也重合" : ""}；三个归一化常数给出相同的分数（误差 ${c}）。`],
  [/^✓ at t = (\d+) the closed form and \d+ iterated steps give the same law: every moment is within (.+) standard errors of N\(0, \(1 − ᾱ_t\) I\), and the two within (.+) of each other\.$/,
    "✓ 在 t = $1，闭式与 $1 步迭代给出同一个分布：每个矩都在 N(0, (1 − ᾱ_t) I) 的 $2 个标准误以内，两者彼此相差在 $3 个标准误以内。"],
  [/^✓ annealed Langevin recovers the weights \(largest error (.+)\); plain Langevin with the same exact score, from the same points, is off by (.+): it keeps the split it started with\.$/,
    "✓ 退火朗之万恢复了权重（最大误差 $1）；用同样精确的分数、从同样起点出发的普通朗之万偏差 $2：它保持了起点时的分配。"],
  [/^✓ the three terms add up to the held-out −ELBO \((.+) ± (.+) (nats\/dim|bits\/dim) at step (\d+), to (.+)\)\.$/, "✓ 三项之和等于留出 −ELBO（第 $4 步为 $1 ± $2 $3，误差 $5）。"],
  [/^MMD² to held-out data \(two data samples: (.+)\)$/, "与留出数据的 MMD²（两份数据样本之间：$1）"],
  [/^✓ both chains started from the same (\d+) points x_T \(seed (\d+)\); DDIM used (\d+) steps to DDPM's (\d+)\.$/, "✓ 两条链从同样的 $1 个点 x_T 出发（种子 $2）；DDIM 用了 $3 步，DDPM 用了 $4 步。"],
  [/^loss against x₀ = (.+): \(1\.100\) \/ \(1\.119\) \/ \(1\.140\)$/, "相对 x₀ = $1 的损失：(1.100) / (1.119) / (1.140)"],
  [/^✓ one μ_θ from all three predictions, and one loss in all (\d+) weightings \((.+)\), at t = (\d+)\.$/, "✓ 三种预测给出同一个 μ_θ，$1 种权重给出同一个损失（$2），t = $3。"],
  [/^✓ one μ_θ from all three predictions at t = 1 \(the loss weights start at t = 2\)\.$/, "✓ 在 t = 1，三种预测给出同一个 μ_θ（损失权重从 t = 2 开始）。"],
  // training
  [/^restored your model: (.+), predicts (.+), (\d+) steps$/, "已恢复你的模型：$1，预测 $2，$3 步"],
  [/^pretrained model loaded: (.+), predicts (.+), (\d+) steps — train on to continue$/, "已加载预训练模型：$1，预测 $2，$3 步——继续训练即可"],
  [/^loaded weights: (.+), predicts (.+), (\d+) steps$/, "已加载权重：$1，预测 $2，$3 步"],
  [/^no pretrained model for (.+): the network is untrained — press Train$/, "$1 没有预训练模型：网络尚未训练——请按“训练”"],
  [/^ready on (WebGPU|CPU)(, with the weights so far)?$/, (a, b) => `已就绪，后端 ${a}${b ? "，沿用目前的权重" : ""}`],
  [/^step (\d+) · (.+) steps\/s · ETA (.+) s$/, "第 $1 步 · $2 步/秒 · 预计还需 $3 秒"],
  [/^held-out −ELBO at step (\d+): (.+?) ± (.+?) (nats\/dim|bits\/dim) \(σ² = (.+?)\)(.*)$/, (step, m, se, unit, sig, rest) =>
    `第 ${step} 步的留出 −ELBO：${m} ± ${se} ${unit}（σ² = ${sig}）` + rest
      .replace(/^ — data entropy (.+?) ± (.+?); gap −ELBO − H = (.+?) ± (.+?) ≥ KL\(data ‖ model\)\/D \(paired per point\); the exact oracle's gap: (.+)$/,
        "——数据熵 $1 ± $2；差距 −ELBO − H = $3 ± $4 ≥ KL(数据 ‖ 模型)/D（逐点配对）；精确预言机的差距：$5")],
  [/^(.+)\. Training continues on the CPU from the weights of step (\d+)\.$/, "$1。训练从第 $2 步的权重起在 CPU 上继续。"],
  [/^Your saved model \((.+?), predicts (.+?), (\d+) steps\) is for other settings than this link's; it is kept in this browser until you train again — $/,
    "你保存的模型（$1，预测 $2，$3 步）与这个链接的设置不同；在你再次训练之前，它保存在这个浏览器里——"],
  // chain
  [/^t = (\d+) · step (\d+) of (\d+)$/, "t = $1 · 第 $2 步，共 $3 步"],
  [/^Langevin step (\d+) of (\d+)(?: · level (\d+), σ = (.+))?$/, (a, b, c, d) => `朗之万第 ${a} 步，共 ${b} 步${c ? ` · 第 ${c} 级，σ = ${d}` : ""}`],
  [/^#(\d+) of (\d+) \(click the picture to pick another\)$/, "#$1，共 $2 个（点击图选择另一个）"],
  [/^samples vs held-out data: MMD² = (.+?) \(two data samples: (.+?); (.+?)\)(.*)$/, (a, b, c, rest) =>
    `样本与留出数据：MMD² = ${a}（两份数据样本之间：${b}；${c}）` + rest
      .replace(/ · share of samples per mode (.+) \(true (.+) each\) · mean log q\(x\) = (.+)$/, " · 各模态的样本占比 $1（真实值各为 $2） · 平均 log q(x) = $3")],
  [/^WebGPU · (.+)$/, "WebGPU · $1"],
  [/^every (\d+)th of (\d+) points$/, "共 $2 个点，每 $1 个取一个"],
  [/^(\d+) points$/, "$1 个点"],
];

export const ZH = { html, text, patterns, title: "扩散实验室——运行扩散模型来理解它" };
