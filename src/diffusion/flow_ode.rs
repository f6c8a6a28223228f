//! Exact likelihood through the probability-flow ODE (Song et al. 2021, eq. 13 and Appendix D.2),
//! as a pull-based state machine: the solver asks ([`LikelihoodSolver::query`]) for ε̂ and div ε̂
//! at the points and time it needs, the caller answers (a network, or the exact mixture oracle),
//! until it is done. The same solver serves a synchronous loop ([`solve`]) and an engine that
//! evaluates a network asynchronously.
//!
//! The ODE dx/dt = f̃(x, t) = f(x, t) − ½ g(t)² ∇log p_t(x) carries p_t into p_{t'}, and the
//! instantaneous change of variables gives
//!   log p_{t_eps}(x) = log p_T(x(T)) + ∫_{t_eps}^{T} ∇·f̃(x(t), t) dt,   x(t_eps) = x, T = 1,
//! with ∇·f̃ = d·drift_coef(t) + ½ g²/std · div ε̂ (the score is −ε̂/std). The divergence is exact
//! (the model's own trace, not Hutchinson's estimator: in 2-D it costs d backward passes or, for
//! the oracle, a closed form). log p_T is the SDE's prior (`Sde::prior_log_density`, as in
//! score_sde); [`Likelihood::rebase_prior`] swaps in another (the exact p_T of a known mixture).
//!
//! Units: nats per point. The solver integrates with `steps` uniform steps and again with
//! `steps/2`; the mean |fine − coarse| is reported as the solver's error. For a method of order p
//! the coarse error is 2^p times the fine one, so |fine − coarse| ≈ (2^p − 1)·error: a bound on
//! the error for Heun (≈ 3×) and RK4 (≈ 15×), an estimate of it for Euler (≈ 1×; measured 0.97×).
//!
//! What it measures: the density at t_eps, i.e. of the data blurred by the marginal at t_eps
//! (VP: std ≈ √(β_min t_eps); VE: std σ(t_eps) ≥ σ_min). The tests compare with that exactly.

use crate::diffusion::sde::{Query, Sde};
use crate::numerics::error::{check_finite, InputError, Interval, Result, Rule};

/// The most steps one solve may take.
pub const MAX_STEPS: usize = 100_000;

/// An explicit Runge–Kutta method for the augmented ODE (x, log-det).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OdeMethod {
    /// forward Euler, order 1, one evaluation per step
    Euler,
    /// Heun's method (explicit trapezoid), order 2, two evaluations per step
    Heun,
    /// the classical Runge–Kutta method, order 4, four evaluations per step
    Rk4,
}

impl OdeMethod {
    pub const NAMES: [&'static str; 3] = ["euler", "heun", "rk4"];

    pub fn parse(name: &str) -> Result<Self> {
        match name {
            "euler" => Ok(OdeMethod::Euler),
            "heun" => Ok(OdeMethod::Heun),
            "rk4" => Ok(OdeMethod::Rk4),
            other => Err(InputError::one_of("method", other, &Self::NAMES)),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            OdeMethod::Euler => "euler",
            OdeMethod::Heun => "heun",
            OdeMethod::Rk4 => "rk4",
        }
    }

    /// The order of accuracy p (global error O(h^p)).
    pub fn order(self) -> u32 {
        match self {
            OdeMethod::Euler => 1,
            OdeMethod::Heun => 2,
            OdeMethod::Rk4 => 4,
        }
    }

    /// Model evaluations per step.
    pub fn stages(self) -> usize {
        self.tableau().0.len()
    }

    /// The Butcher tableau (c, a, b): stage s is evaluated at t + c_s h, at y + h Σ_j a_sj k_j.
    fn tableau(self) -> (&'static [f64], &'static [&'static [f64]], &'static [f64]) {
        match self {
            OdeMethod::Euler => (&[0.0], &[&[]], &[1.0]),
            OdeMethod::Heun => (&[0.0, 1.0], &[&[], &[1.0]], &[0.5, 0.5]),
            OdeMethod::Rk4 => (&[0.0, 0.5, 0.5, 1.0], &[&[], &[0.5], &[0.0, 0.5], &[0.0, 0.0, 1.0]], &[1.0 / 6.0, 1.0 / 3.0, 1.0 / 3.0, 1.0 / 6.0]),
        }
    }
}

/// One integration from t_eps to 1 with a fixed number of steps.
#[derive(Debug, Clone)]
struct Pass {
    steps: usize,
    /// the state y = (x: n × dim, ℓ: n), ℓ = ∫ ∇·f̃ dt so far
    y: Vec<f64>,
    /// the step being taken (0-based) and its stage
    step: usize,
    stage: usize,
    /// the stage derivatives k_s of this step
    k: Vec<Vec<f64>>,
    /// the point of the stage being asked for (n × dim) and its time
    stage_x: Vec<f64>,
    stage_t: f64,
}

/// The solver's state: the fine pass, then the coarse one.
pub struct LikelihoodSolver {
    sde: Sde,
    dim: usize,
    n: usize,
    method: OdeMethod,
    t_eps: f64,
    /// the fine pass's steps (the coarse pass takes steps/2)
    steps: usize,
    x0: Vec<f64>,
    pass: Pass,
    /// the fine pass's final state, once it is done
    fine: Option<Vec<f64>>,
    /// the coarse pass's final state, once it is done
    coarse: Option<Vec<f64>>,
    evaluations: usize,
    fine_evaluations: usize,
}

/// The result: log p(x) per point by the fine and the coarse pass, and what they are made of.
#[derive(Debug, Clone, PartialEq)]
pub struct Likelihood {
    /// log p_{t_eps}(x) per point, nats, from the fine pass (`steps`)
    pub log_p: Vec<f64>,
    /// the same from the coarse pass (`steps/2`)
    pub coarse_log_p: Vec<f64>,
    /// mean over points of |log_p − coarse_log_p|, nats
    pub solver_error: f64,
    /// model evaluations of the fine pass (each evaluation answers all n points)
    pub nfe: usize,
    /// model evaluations of both passes
    pub total_nfe: usize,
    /// x(T) per point (n × dim), fine and coarse
    pub endpoints: Vec<f64>,
    pub coarse_endpoints: Vec<f64>,
    /// ∫_{t_eps}^{T} ∇·f̃ dt per point, fine and coarse
    pub delta_log_p: Vec<f64>,
    pub coarse_delta_log_p: Vec<f64>,
    /// log p_T(x(T)) of the prior used, per point (fine)
    pub prior_log_p: Vec<f64>,
    pub dim: usize,
}

impl Likelihood {
    /// Recompute log p with another prior log-density (e.g. the exact p_T of a known mixture):
    /// log_p = prior(x(T)) + ∫ ∇·f̃ dt, for both passes, and the solver's error with them.
    pub fn rebase_prior(&mut self, prior: impl Fn(&[f64]) -> f64) {
        let d = self.dim;
        self.prior_log_p = self.endpoints.chunks(d).map(&prior).collect();
        self.log_p = self.prior_log_p.iter().zip(&self.delta_log_p).map(|(p, l)| p + l).collect();
        self.coarse_log_p = self.coarse_endpoints.chunks(d).zip(&self.coarse_delta_log_p).map(|(x, l)| prior(x) + l).collect();
        self.solver_error = mean_abs_gap(&self.log_p, &self.coarse_log_p);
    }

    /// The mean of `log_p` per dimension, nats.
    pub fn mean_per_dim(&self) -> f64 {
        self.log_p.iter().sum::<f64>() / (self.log_p.len() * self.dim) as f64
    }
}

fn mean_abs_gap(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(a, b)| (a - b).abs()).sum::<f64>() / a.len().max(1) as f64
}

/// The one-Gaussian data set of the likelihood check: N((0.5, −0.3), diag(0.5, 0.2)), whose log
/// density at every t is a closed form.
pub fn likelihood_gaussian() -> crate::diffusion::oracle::GaussianMixture {
    crate::diffusion::oracle::GaussianMixture::new(vec![1.0], vec![vec![0.5, -0.3]], vec![vec![0.5, 0.2]]).expect("a valid Gaussian")
}

/// Where t_eps must lie: the integration starts just above the data (score_sde: 1e-5).
pub const T_EPS_RANGE: Interval = Interval::open(0.0, 0.5);

impl LikelihoodSolver {
    /// A solver for the points `x0` (n × dim, row-major) under `sde`, with `steps` (2..=MAX_STEPS)
    /// uniform steps of `method` from `t_eps` to 1, and again with `steps/2`.
    pub fn new(sde: Sde, x0: &[f64], dim: usize, steps: usize, method: OdeMethod, t_eps: f64) -> Result<Self> {
        sde.validate()?;
        let n = crate::numerics::error::check_points("points", x0, dim, crate::data::toy::MAX_POINTS)?;
        if !(2..=MAX_STEPS).contains(&steps) {
            return Err(InputError::integer("steps", steps as f64, 2, MAX_STEPS as u64));
        }
        crate::numerics::error::check_range("tEps", t_eps, T_EPS_RANGE)?;
        let pass = Self::start(x0, n, steps, method, t_eps);
        Ok(Self { sde, dim, n, method, t_eps, steps, x0: x0.to_vec(), pass, fine: None, coarse: None, evaluations: 0, fine_evaluations: 0 })
    }

    fn start(x0: &[f64], n: usize, steps: usize, method: OdeMethod, t_eps: f64) -> Pass {
        let mut y = x0.to_vec();
        y.resize(x0.len() + n, 0.0);
        Pass { steps, y, step: 0, stage: 0, k: Vec::with_capacity(method.stages()), stage_x: x0.to_vec(), stage_t: t_eps }
    }

    fn h(&self) -> f64 {
        (1.0 - self.t_eps) / self.pass.steps as f64
    }

    fn done(&self) -> bool {
        self.coarse.is_some()
    }

    /// The next query (ε̂ and div ε̂ at the stage's points and time), or None once finished.
    pub fn query(&self) -> Option<Query<'_>> {
        if self.done() {
            return None;
        }
        let t = self.pass.stage_t;
        Some(Query { x: &self.pass.stage_x, dim: self.dim, t, index: self.sde.network_index(t), marginal: self.sde.marginal(t), divergence: true })
    }

    /// Answer the current query: ε̂ (n × dim) and div ε̂ (n values).
    pub fn answer(&mut self, eps: &[f64], div_eps: &[f64]) -> Result<()> {
        if self.done() {
            return Err(InputError::new("answer", Rule::Mismatch { other: "query (none is open: the solve is finished)".into() }, None));
        }
        let (n, d) = (self.n, self.dim);
        if eps.len() != n * d {
            return Err(InputError::length("eps", eps.len(), format!("n × dim = {}", n * d)));
        }
        if div_eps.len() != n {
            return Err(InputError::length("divEps", div_eps.len(), format!("n = {n}")));
        }
        check_finite("eps", eps)?;
        check_finite("divEps", div_eps)?;
        self.evaluations += 1;
        // k = f̃ and ∇·f̃ at the stage
        let t = self.pass.stage_t;
        let (a, g2, s) = (self.sde.drift_coef(t), self.sde.diffusion(t).powi(2), self.sde.marginal(t).std);
        let c = 0.5 * g2 / s;
        let mut k = Vec::with_capacity(n * d + n);
        k.extend(self.pass.stage_x.iter().zip(eps).map(|(x, e)| a * x + c * e));
        k.extend(div_eps.iter().map(|v| a * d as f64 + c * v));
        self.pass.k.push(k);
        let (cs, a_rows, b) = self.method.tableau();
        let h = self.h();
        let t0 = self.t_eps + self.pass.step as f64 * h;
        self.pass.stage += 1;
        if self.pass.stage == cs.len() {
            // the step: y ← y + h Σ b_s k_s
            for (bs, ks) in b.iter().zip(&self.pass.k) {
                for (y, k) in self.pass.y.iter_mut().zip(ks) {
                    *y += h * bs * k;
                }
            }
            self.pass.k.clear();
            self.pass.stage = 0;
            self.pass.step += 1;
            if self.pass.step == self.pass.steps {
                self.end_pass();
                return Ok(());
            }
            self.pass.stage_t = self.t_eps + self.pass.step as f64 * h;
            self.pass.stage_x = self.pass.y[..n * d].to_vec();
        } else {
            // the next stage's point y + h Σ_j a_sj k_j
            let row = a_rows[self.pass.stage];
            let mut x = self.pass.y[..n * d].to_vec();
            for (aj, kj) in row.iter().zip(&self.pass.k) {
                if *aj != 0.0 {
                    for (x, k) in x.iter_mut().zip(kj) {
                        *x += h * aj * k;
                    }
                }
            }
            self.pass.stage_x = x;
            // the last stage lands on t = 1 exactly
            self.pass.stage_t = if cs[self.pass.stage] == 1.0 && self.pass.step + 1 == self.pass.steps { 1.0 } else { t0 + cs[self.pass.stage] * h };
        }
        Ok(())
    }

    fn end_pass(&mut self) {
        let y = std::mem::take(&mut self.pass.y);
        if self.fine.is_none() {
            self.fine = Some(y);
            self.fine_evaluations = self.evaluations;
            self.pass = Self::start(&self.x0, self.n, self.steps / 2, self.method, self.t_eps);
        } else {
            self.coarse = Some(y);
        }
    }

    /// Model evaluations so far (both passes).
    pub fn evaluations(&self) -> usize {
        self.evaluations
    }

    /// The evaluations the whole solve takes: (steps + steps/2) × stages.
    pub fn total_evaluations(&self) -> usize {
        (self.steps + self.steps / 2) * self.method.stages()
    }

    /// The likelihood, once every query is answered.
    pub fn finish(self) -> Result<Likelihood> {
        let (Some(fine), Some(coarse)) = (self.fine, self.coarse) else {
            return Err(InputError::new("answer", Rule::Missing, None));
        };
        let (n, d) = (self.n, self.dim);
        let sde = self.sde;
        let split = |y: Vec<f64>| (y[..n * d].to_vec(), y[n * d..].to_vec());
        let (endpoints, delta_log_p) = split(fine);
        let (coarse_endpoints, coarse_delta_log_p) = split(coarse);
        let mut l = Likelihood {
            log_p: Vec::new(),
            coarse_log_p: Vec::new(),
            solver_error: 0.0,
            nfe: self.fine_evaluations,
            total_nfe: self.evaluations,
            endpoints,
            coarse_endpoints,
            delta_log_p,
            coarse_delta_log_p,
            prior_log_p: Vec::new(),
            dim: d,
        };
        l.rebase_prior(|x| sde.prior_log_density(x));
        Ok(l)
    }
}

/// Drive a solver synchronously: `f` answers each query with (ε̂, div ε̂).
pub fn solve(mut solver: LikelihoodSolver, mut f: impl FnMut(&Query) -> Result<(Vec<f64>, Vec<f64>)>) -> Result<Likelihood> {
    while let Some(q) = solver.query() {
        let (eps, div) = f(&q)?;
        solver.answer(&eps, &div)?;
    }
    solver.finish()
}

/// The exact mixture oracle as the model: log p_{t_eps} of `x0` under `mixture` pushed through
/// `sde`, by the PF-ODE, with the SDE's prior (rebase with the exact p_T for the solver's error
/// alone).
pub fn oracle_likelihood(mixture: &crate::diffusion::oracle::GaussianMixture, sde: Sde, x0: &[f64], steps: usize, method: OdeMethod, t_eps: f64) -> Result<Likelihood> {
    let solver = LikelihoodSolver::new(sde, x0, mixture.dim, steps, method, t_eps)?;
    solve(solver, |q| Ok(mixture.answer(q)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diffusion::oracle::GaussianMixture;
    use crate::numerics::rng::Rng;

    fn gaussian() -> GaussianMixture {
        GaussianMixture::new(vec![1.0], vec![vec![0.7, -0.4]], vec![vec![0.3, 0.08]]).unwrap()
    }

    fn ring() -> GaussianMixture {
        crate::data::toy::Dataset::ring8_default().mixture().unwrap()
    }

    /// log p with the exact p_T of the mixture, and the exact log p_{t_eps}, per point.
    fn exact_run(m: &GaussianMixture, sde: Sde, x: &[f64], steps: usize, method: OdeMethod, t_eps: f64) -> (Likelihood, Vec<f64>) {
        let mut l = oracle_likelihood(m, sde, x, steps, method, t_eps).unwrap();
        let end = sde.marginal(1.0);
        l.rebase_prior(|x| m.log_density_at(x, end));
        let at = sde.marginal(t_eps);
        (l, x.chunks(m.dim).map(|x| m.log_density_at(x, at)).collect())
    }

    fn mean_abs(a: &[f64], b: &[f64]) -> f64 {
        mean_abs_gap(a, b)
    }

    #[test]
    fn a_gaussian_gets_its_exact_log_density_to_solver_error() {
        let g = gaussian();
        let x = g.sample(20, &mut Rng::new(1));
        for sde in [Sde::vp_default(), Sde::sub_vp_default(), Sde::ve_default()] {
            let (l, exact) = exact_run(&g, sde, &x, 200, OdeMethod::Rk4, 1e-3);
            let err = mean_abs(&l.log_p, &exact);
            assert!(err < 1e-6, "{}: error {err}, solver error {}", sde.name(), l.solver_error);
            assert!(err <= l.solver_error, "{}: error {err} > reported {}", sde.name(), l.solver_error);
            assert_eq!(l.nfe, 800);
            assert_eq!(l.total_nfe, 1200);
        }
    }

    #[test]
    fn ring8_with_the_exact_score_gets_the_mixtures_log_density() {
        let m = ring();
        let x = m.sample(30, &mut Rng::new(2));
        for sde in [Sde::vp_default(), Sde::ve_default()] {
            let (l, exact) = exact_run(&m, sde, &x, 400, OdeMethod::Rk4, 1e-3);
            let err = mean_abs(&l.log_p, &exact);
            assert!(err < 1e-4, "{}: error {err}, solver error {}", sde.name(), l.solver_error);
            assert!(err <= l.solver_error.max(1e-9), "{}: error {err} vs reported {}", sde.name(), l.solver_error);
        }
        // with the SDE's own prior (score_sde's N(0, I)), VP's t = 1 marginal is close to it
        let l = oracle_likelihood(&m, Sde::vp_default(), &x, 400, OdeMethod::Rk4, 1e-3).unwrap();
        let at = Sde::vp_default().marginal(1e-3);
        let exact: Vec<f64> = x.chunks(2).map(|p| m.log_density_at(p, at)).collect();
        assert!(mean_abs(&l.log_p, &exact) < 1e-3);
        // and at t_eps = 1e-5 the density is the data's own to 1e-3 nats
        let data: Vec<f64> = x.chunks(2).map(|p| m.log_density(p, 1.0)).collect();
        let (l, _) = exact_run(&m, Sde::vp_default(), &x, 400, OdeMethod::Rk4, 1e-5);
        assert!(mean_abs(&l.log_p, &data) < 1e-3, "{}", mean_abs(&l.log_p, &data));
    }

    #[test]
    fn a_broken_score_fails() {
        let m = ring();
        let x = m.sample(10, &mut Rng::new(3));
        let sde = Sde::vp_default();
        let solver = LikelihoodSolver::new(sde, &x, 2, 200, OdeMethod::Rk4, 1e-3).unwrap();
        let mut l = solve(solver, |q| {
            let (e, d) = m.answer(q);
            Ok((e.iter().map(|v| 1.1 * v).collect(), d.iter().map(|v| 1.1 * v).collect()))
        })
        .unwrap();
        l.rebase_prior(|p| m.log_density_at(p, sde.marginal(1.0)));
        let at = sde.marginal(1e-3);
        let exact: Vec<f64> = x.chunks(2).map(|p| m.log_density_at(p, at)).collect();
        let err = mean_abs(&l.log_p, &exact);
        assert!(err > 100.0 * l.solver_error && err > 1e-2, "broken score: error {err}, solver error {}", l.solver_error);
        // the divergence alone broken fails as well
        let solver = LikelihoodSolver::new(sde, &x, 2, 200, OdeMethod::Rk4, 1e-3).unwrap();
        let l = solve(solver, |q| {
            let (e, d) = m.answer(q);
            Ok((e, d.iter().map(|v| v + 0.1).collect()))
        })
        .unwrap();
        assert!(mean_abs(&l.log_p, &exact) > 1e-2);
    }

    #[test]
    fn euler_heun_and_rk4_converge_at_their_orders_and_the_reported_error_bounds_the_true_one() {
        let g = gaussian();
        let x = g.sample(10, &mut Rng::new(4));
        let sde = Sde::vp_default();
        for (method, steps) in [(OdeMethod::Euler, 200), (OdeMethod::Heun, 50), (OdeMethod::Rk4, 20)] {
            let (a, exact) = exact_run(&g, sde, &x, steps, method, 1e-2);
            let (b, _) = exact_run(&g, sde, &x, 2 * steps, method, 1e-2);
            let (ea, eb) = (mean_abs(&a.log_p, &exact), mean_abs(&b.log_p, &exact));
            let order = (ea / eb).log2();
            assert!((order - method.order() as f64).abs() < 0.35, "{}: observed order {order} ({ea} → {eb})", method.name());
            // a bound for Heun and RK4 (≈ 3× and 15× the error); for Euler an estimate (≈ 1×)
            let slack = if method == OdeMethod::Euler { 1.1 } else { 1.0 };
            assert!(ea <= slack * a.solver_error && eb <= slack * b.solver_error, "{}: {ea} vs {}, {eb} vs {}", method.name(), a.solver_error, b.solver_error);
            // …and is not far above it: (2^p − 1) times, within a factor 2
            let ratio = a.solver_error / ea;
            let want = 2f64.powi(method.order() as i32) - 1.0;
            assert!(ratio > want / 2.0 && ratio < want * 2.0, "{}: reported/true {ratio}, expected ≈ {want}", method.name());
        }
    }

    #[test]
    fn the_state_machine_refuses_wrong_answers_and_counts_evaluations() {
        let g = gaussian();
        let x = [0.1, 0.2, 0.3, 0.4];
        let mut s = LikelihoodSolver::new(Sde::vp_default(), &x, 2, 4, OdeMethod::Heun, 1e-3).unwrap();
        assert_eq!(s.total_evaluations(), 12);
        assert_eq!(s.answer(&[0.0; 3], &[0.0; 2]).unwrap_err().field, "eps");
        assert_eq!(s.answer(&[0.0; 4], &[0.0; 1]).unwrap_err().field, "divEps");
        assert_eq!(s.answer(&[f64::NAN, 0.0, 0.0, 0.0], &[0.0; 2]).unwrap_err().field, "eps[0]");
        let q = s.query().unwrap();
        assert!(q.divergence && q.t == 1e-3 && q.x.len() == 4);
        let mut count = 0;
        while let Some(q) = s.query() {
            let (e, d) = g.answer(&q);
            s.answer(&e, &d).unwrap();
            count += 1;
        }
        assert_eq!((count, s.evaluations()), (12, 12));
        assert!(s.answer(&[0.0; 4], &[0.0; 2]).is_err());
        s.finish().unwrap();
        let s = LikelihoodSolver::new(Sde::vp_default(), &x, 2, 4, OdeMethod::Heun, 1e-3).unwrap();
        assert_eq!(s.finish().unwrap_err().field, "answer");
        assert_eq!(LikelihoodSolver::new(Sde::vp_default(), &x, 2, 1, OdeMethod::Heun, 1e-3).err().unwrap().field, "steps");
        assert_eq!(LikelihoodSolver::new(Sde::vp_default(), &x, 2, 4, OdeMethod::Heun, 0.0).err().unwrap().field, "tEps");
        assert_eq!(LikelihoodSolver::new(Sde::vp_default(), &x[..3], 2, 4, OdeMethod::Heun, 0.1).err().unwrap().field, "points");
        assert_eq!(OdeMethod::parse("rk5").unwrap_err().field, "method");
    }
}
