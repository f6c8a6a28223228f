//! A derivation as the seed writes it: lines, each evaluated on its own at the reader's point, and
//! steps between two lines with the relation the seed claims (equal, equal in expectation, equal up
//! to a constant computed on its own, or a printed slip the numbers expose).
//!
//! Every line is a closure of the point, so a test can hand one line a different point (`tamper`)
//! and see a step that touches it fail: no step here compares a quantity with itself.

/// One line: its key (the page's catalogue has its TeX and words), the seed's equation number,
/// its value (one number per coordinate or a scalar), and a standard error when it is a Monte Carlo estimate.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub key: &'static str,
    pub eq: &'static str,
    pub value: Vec<f64>,
    pub std_error: Option<Vec<f64>>,
}

/// What a step claims about its two lines.
#[derive(Debug, Clone, PartialEq)]
pub enum Relation {
    /// equal to rounding (or to the stated accuracy of a quadrature or finite difference)
    Equal,
    /// equal in expectation: the difference within `Z_MAX` standard errors
    Expectation,
    /// `from − to` is a constant independent of `of`; the constant is computed by its own formula
    PlusConstant { constant: Vec<f64>, of: &'static str },
    /// the seed's printed line: the numbers expose it (the step "holds" when they differ)
    Slip,
}

impl Relation {
    pub fn name(&self) -> &'static str {
        match self {
            Relation::Equal => "equal",
            Relation::Expectation => "expectation",
            Relation::PlusConstant { .. } => "constant",
            Relation::Slip => "slip",
        }
    }
}

/// A step from one line to another, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub key: &'static str,
    pub from: usize,
    pub to: usize,
    pub relation: Relation,
    /// the largest discrepancy: |from − to − constant| relative to the lines' size, or the largest
    /// |difference| / standard error for an expectation
    pub residual: f64,
    pub tolerance: f64,
    /// the claim holds (for a slip: the printed line really differs)
    pub holds: bool,
}

/// A derivation evaluated at one point.
#[derive(Debug, Clone, PartialEq)]
pub struct Derivation {
    pub name: &'static str,
    /// the numbers of SEED-ITEMS.md this derivation checks
    pub items: &'static [u8],
    pub lines: Vec<Line>,
    pub steps: Vec<Step>,
    /// extra series for a chart (name, values), e.g. a weight over t
    pub series: Vec<(&'static str, Vec<f64>)>,
}

impl Derivation {
    /// Every step the seed gets right holds. A printed slip is shown, not judged: at some points the
    /// printed and the corrected line coincide (e.g. Σ⁻¹ = diag(σ²) at σ = 1), and that is no failure.
    pub fn holds(&self) -> bool {
        self.steps.iter().all(|s| s.holds || s.relation == Relation::Slip)
    }
    /// The step by key (tests).
    pub fn step(&self, key: &str) -> &Step {
        self.steps.iter().find(|s| s.key == key).unwrap_or_else(|| panic!("no step {key} in {}", self.name))
    }
    /// The line by key (tests).
    pub fn line(&self, key: &str) -> &Line {
        self.lines.iter().find(|l| l.key == key).unwrap_or_else(|| panic!("no line {key} in {}", self.name))
    }
}

/// An expectation holds when every coordinate's difference is within this many standard errors.
pub const Z_MAX: f64 = 4.0;
/// Relative accuracy of an exact step (rounding in f64 after a few hundred operations).
pub const EXACT: f64 = 1e-9;

/// Builds a derivation line by line. `tamper = Some((k, q))` evaluates line k at the point q instead
/// (a test's way to break one line's input).
pub struct Builder<'a, P> {
    point: &'a P,
    tamper: Option<(usize, &'a P)>,
    d: Derivation,
}

impl<'a, P> Builder<'a, P> {
    pub fn new(name: &'static str, items: &'static [u8], point: &'a P, tamper: Option<(usize, &'a P)>) -> Self {
        Self { point, tamper, d: Derivation { name, items, lines: vec![], steps: vec![], series: vec![] } }
    }

    fn at(&self) -> &'a P {
        match self.tamper {
            Some((k, q)) if k == self.d.lines.len() => q,
            _ => self.point,
        }
    }

    /// An exact line; returns its index.
    pub fn line(&mut self, key: &'static str, eq: &'static str, f: impl FnOnce(&P) -> Vec<f64>) -> usize {
        let value = f(self.at());
        self.d.lines.push(Line { key, eq, value, std_error: None });
        self.d.lines.len() - 1
    }

    /// A Monte Carlo line: (mean, standard error) per coordinate.
    pub fn estimate(&mut self, key: &'static str, eq: &'static str, f: impl FnOnce(&P) -> (Vec<f64>, Vec<f64>)) -> usize {
        let (value, se) = f(self.at());
        self.d.lines.push(Line { key, eq, value, std_error: Some(se) });
        self.d.lines.len() - 1
    }

    /// A step checked to the default accuracy of its relation.
    pub fn step(&mut self, key: &'static str, from: usize, to: usize, relation: Relation) {
        let tol = match relation {
            Relation::Expectation => Z_MAX,
            _ => EXACT,
        };
        self.step_within(key, from, to, relation, tol)
    }

    /// A step checked to `tolerance` (relative for exact relations, in standard errors for an expectation).
    pub fn step_within(&mut self, key: &'static str, from: usize, to: usize, relation: Relation, tolerance: f64) {
        let (a, b) = (&self.d.lines[from], &self.d.lines[to]);
        let residual = residual(a, b, &relation);
        let holds = match relation {
            Relation::Slip => residual > tolerance,
            _ => residual <= tolerance,
        };
        self.d.steps.push(Step { key, from, to, relation, residual, tolerance, holds });
    }

    /// A series for the page's chart.
    pub fn series(&mut self, name: &'static str, values: Vec<f64>) {
        self.d.series.push((name, values));
    }

    pub fn finish(self) -> Derivation {
        self.d
    }
}

fn residual(a: &Line, b: &Line, relation: &Relation) -> f64 {
    if a.value.len() != b.value.len() {
        return f64::INFINITY;
    }
    let zero = vec![0.0; a.value.len()];
    let c = match relation {
        Relation::PlusConstant { constant, .. } if constant.len() == a.value.len() => constant,
        Relation::PlusConstant { .. } => return f64::INFINITY,
        _ => &zero,
    };
    let mut worst: f64 = 0.0;
    for i in 0..a.value.len() {
        let d = a.value[i] - b.value[i] - c[i];
        let r = match relation {
            Relation::Expectation => {
                let se = |l: &Line| l.std_error.as_ref().map_or(0.0, |s| s[i]);
                let s = (se(a).powi(2) + se(b).powi(2)).sqrt();
                if s > 0.0 { d.abs() / s } else if d == 0.0 { 0.0 } else { f64::INFINITY }
            }
            _ => d.abs() / (1.0 + a.value[i].abs().max(b.value[i].abs())),
        };
        if r.is_nan() {
            return f64::INFINITY;
        }
        worst = worst.max(r);
    }
    worst
}

/// Mean and standard error of each column of rows (Monte Carlo over draws).
pub fn mean_se(rows: &[Vec<f64>]) -> (Vec<f64>, Vec<f64>) {
    let d = rows.first().map_or(0, |r| r.len());
    let n = rows.len() as f64;
    let mut mean = vec![0.0; d];
    for r in rows {
        for (m, v) in mean.iter_mut().zip(r) {
            *m += v / n;
        }
    }
    let mut var = vec![0.0; d];
    for r in rows {
        for ((s, v), m) in var.iter_mut().zip(r).zip(&mean) {
            *s += (v - m).powi(2) / (n - 1.0).max(1.0);
        }
    }
    (mean, var.iter().map(|v| (v / n).sqrt()).collect())
}

/// Check a derivation's steps the way the page does, and that every line matters: handing any one
/// line the point `broken` makes a step touching it fail. Tests of every derivation call this.
#[cfg(test)]
pub fn assert_checks_can_fail<P>(point: &P, broken: &P, derive: impl Fn(&P, Option<(usize, &P)>) -> Derivation) {
    let d = derive(point, None);
    for s in &d.steps {
        assert!(s.holds, "{}: step {} ({}) does not hold: residual {} > {}", d.name, s.key, s.relation.name(), s.residual, s.tolerance);
    }
    for k in 0..d.lines.len() {
        let t = derive(point, Some((k, broken)));
        let touching: Vec<&Step> = t.steps.iter().filter(|s| (s.from == k || s.to == k) && s.relation != Relation::Slip).collect();
        // a line that is the same at every point (an invariant, e.g. probabilities summing to 1) cannot be
        // broken by moving the point: its own test breaks the code instead
        let same = t.lines[k].value.iter().zip(&d.lines[k].value).all(|(a, b)| (a - b).abs() <= 1e-9 * (1.0 + b.abs()));
        if touching.is_empty() || same {
            continue;
        }
        assert!(touching.iter().any(|s| !s.holds), "{}: line {} ({}) fed a broken point, yet every step touching it holds", d.name, k, d.lines[k].key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toy(p: &f64, tamper: Option<(usize, &f64)>) -> Derivation {
        let mut b = Builder::new("toy", &[], p, tamper);
        let a = b.line("square", "", |x| vec![(x + 1.0).powi(2)]);
        let c = b.line("expanded", "", |x| vec![x * x + 2.0 * x + 1.0]);
        let e = b.line("without_one", "", |x| vec![x * x + 2.0 * x]);
        b.step("expand", a, c, Relation::Equal);
        b.step("drop", c, e, Relation::PlusConstant { constant: vec![1.0], of: "x" });
        b.finish()
    }

    #[test]
    fn a_step_holds_and_a_tampered_line_breaks_it() {
        assert_checks_can_fail(&0.7, &1.3, toy);
        let t = toy(&0.7, Some((1, &1.3)));
        assert!(!t.step("expand").holds && !t.step("drop").holds);
    }

    #[test]
    fn expectation_uses_the_standard_errors_and_a_nan_never_holds() {
        let mut b = Builder::new("mc", &[], &(), None);
        let a = b.line("exact", "", |_| vec![1.0]);
        let m = b.estimate("mc", "", |_| (vec![1.03], vec![0.01]));
        let n = b.line("nan", "", |_| vec![f64::NAN]);
        b.step("near", a, m, Relation::Expectation);
        b.step("nan", a, n, Relation::Equal);
        let d = b.finish();
        assert!(d.step("near").holds && (d.step("near").residual - 3.0).abs() < 1e-9);
        assert!(!d.step("nan").holds);
    }
}
