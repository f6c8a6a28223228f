//! The one error type of the crate: a rejected input, as data. An [`InputError`] names the field
//! as the JavaScript caller writes it (`betaStart`, `x0`, `T`), the [`Rule`] the value broke, and
//! the offending value, shortened. The English sentence is made from those here; the page renders
//! the same data in English or Chinese from its catalogues (key `error.<code>`), so no message is
//! ever translated by matching text.
//!
//! `field = value is out of range: field must be an integer in 1..=1000` is the shape of most
//! messages; [`Rule::code`] and [`InputError::params`] are what crosses the wasm boundary.

use std::fmt;

/// An interval of the real line, open or closed at each end, written `(0, 1]`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interval {
    pub lo: f64,
    pub hi: f64,
    pub lo_open: bool,
    pub hi_open: bool,
}

impl Interval {
    /// (lo, hi)
    pub const fn open(lo: f64, hi: f64) -> Self {
        Self { lo, hi, lo_open: true, hi_open: true }
    }
    /// [lo, hi]
    pub const fn closed(lo: f64, hi: f64) -> Self {
        Self { lo, hi, lo_open: false, hi_open: false }
    }
    /// (lo, hi]
    pub const fn open_closed(lo: f64, hi: f64) -> Self {
        Self { lo, hi, lo_open: true, hi_open: false }
    }
    /// [lo, hi)
    pub const fn closed_open(lo: f64, hi: f64) -> Self {
        Self { lo, hi, lo_open: false, hi_open: true }
    }
    /// [lo, ∞)
    pub const fn at_least(lo: f64) -> Self {
        Self { lo, hi: f64::INFINITY, lo_open: false, hi_open: true }
    }

    pub fn contains(&self, v: f64) -> bool {
        let above = if self.lo_open { v > self.lo } else { v >= self.lo };
        let below = if self.hi_open { v < self.hi } else { v <= self.hi };
        !v.is_nan() && above && below
    }
}

impl fmt::Display for Interval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hi = if self.hi.is_infinite() { "∞".to_string() } else { short_number(self.hi) };
        write!(f, "{}{}, {}{}", if self.lo_open { "(" } else { "[" }, short_number(self.lo), hi, if self.hi_open { ")" } else { "]" })
    }
}

/// The rule a value broke. Each has a stable `code` (the catalogue key `error.<code>`).
#[derive(Debug, Clone, PartialEq)]
pub enum Rule {
    /// must be a finite number
    Finite,
    /// must be a finite number > 0
    Positive,
    /// must be an integer in min..=max
    Integer { min: u64, max: u64 },
    /// must be a number in the interval
    Range(Interval),
    /// an unknown name: must be one of these
    OneOf(Vec<String>),
    /// a field the config does not have: the valid fields
    UnknownField(Vec<String>),
    /// must be of this JS type: "number", "integer", "string", "array", "numbers", "object", "boolean"
    Type(&'static str),
    /// a required field is absent
    Missing,
    /// an array holds `length` values but must hold `expected` (a short formula, e.g. "T·D = 2000")
    Length { length: usize, expected: String },
    /// an array must not be empty
    Empty,
    /// must be smaller than another field
    LessThan { other: String, other_value: String },
    /// the work this value asks for exceeds what one call may do
    TooMuchWork { max: String },
    /// the value could not be read (a getter threw, a Proxy, a cyclic object)
    Unreadable,
    /// a call is still running on this handle
    Busy,
    /// the handle was freed
    Disposed,
    /// bytes that are not a checkpoint (or digits file); `reason` is a catalogue key `reason.<reason>`
    NotCheckpoint { reason: &'static str },
    /// a checkpoint made for another model: `what` differs, `file` has it, `model` wants it
    CheckpointMismatch { what: &'static str, file: String, model: String },
    /// the chain asked for does not exist (yet)
    NoChain,
    /// forward-then-reverse needs a DDPM or DDIM sampler
    NeedsSampler,
    /// the model predicted a non-finite value at this t
    NonFinitePrediction { t: usize },
    /// this needs data from a known mixture (ring8)
    MixtureOnly,
    /// this needs the diffusion chain, not a noise-conditional score network (NCSN)
    NotForNcsn,
    /// this needs the diffusion chain's ε, x₀ or score network, not a flow-matching (velocity) one
    NotForFlow,
    /// two fields that must agree do not (`other` names the second)
    Mismatch { other: String },
    /// the inputs are valid one by one but the result overflows f64 (NaN or ±Infinity)
    Overflow,
}

impl Rule {
    /// Every code, for the catalogue test (each must have `error.<code>` in both languages).
    pub const CODES: [&'static str; 26] = [
        "not_finite", "not_positive", "integer_range", "range", "unknown_choice", "unknown_field", "wrong_type", "missing",
        "length", "empty", "less_than", "too_much_work", "unreadable", "busy", "disposed", "not_checkpoint",
        "checkpoint_mismatch", "no_chain", "needs_sampler", "non_finite_prediction", "mixture_only", "not_for_ncsn",
        "not_for_flow", "mismatch", "device", "overflow",
    ];

    pub fn code(&self) -> &'static str {
        match self {
            Rule::Finite => "not_finite",
            Rule::Positive => "not_positive",
            Rule::Integer { .. } => "integer_range",
            Rule::Range(_) => "range",
            Rule::OneOf(_) => "unknown_choice",
            Rule::UnknownField(_) => "unknown_field",
            Rule::Type(_) => "wrong_type",
            Rule::Missing => "missing",
            Rule::Length { .. } => "length",
            Rule::Empty => "empty",
            Rule::LessThan { .. } => "less_than",
            Rule::TooMuchWork { .. } => "too_much_work",
            Rule::Unreadable => "unreadable",
            Rule::Busy => "busy",
            Rule::Disposed => "disposed",
            Rule::NotCheckpoint { .. } => "not_checkpoint",
            Rule::CheckpointMismatch { .. } => "checkpoint_mismatch",
            Rule::NoChain => "no_chain",
            Rule::NeedsSampler => "needs_sampler",
            Rule::NonFinitePrediction { .. } => "non_finite_prediction",
            Rule::MixtureOnly => "mixture_only",
            Rule::NotForNcsn => "not_for_ncsn",
            Rule::NotForFlow => "not_for_flow",
            Rule::Mismatch { .. } => "mismatch",
            Rule::Overflow => "overflow",
        }
    }
}

/// A parameter of a message: text, a number or a list of names.
#[derive(Debug, Clone, PartialEq)]
pub enum Param {
    Text(String),
    Number(f64),
    List(Vec<String>),
}

/// A rejected input: the field (the caller's name for it), the rule it broke, the offending value
/// (shortened), and optionally a hint (catalogue key `hint.<hint>`) that says why the rule is there.
#[derive(Debug, Clone, PartialEq)]
pub struct InputError {
    pub field: String,
    pub rule: Rule,
    pub value: Option<String>,
    pub hint: Option<&'static str>,
    /// the English sentence, made from the above
    pub message: String,
}

/// Every hint an error can carry (`hint.<key>` in the page's catalogues).
pub const HINTS: [&str; 6] = ["decoder_term", "data_itself", "short_schedule", "even_time_dim", "eighth_bit", "held_out"];
/// Every reason a [`Rule::NotCheckpoint`] can give (`reason.<key>`).
pub const REASONS: [&str; 6] = ["magic", "truncated", "header", "version", "weights", "values"];

/// The English hints (the page's catalogues hold both languages under `hint.<key>`).
fn hint_text(key: &str) -> &'static str {
    match key {
        "decoder_term" => "t = 1 is the decoder term, not a denoising-matching term",
        "data_itself" => "t = 0 is the data itself",
        "short_schedule" => "the linear defaults 1e-4·1000/T and 0.02·1000/T leave (0, 1) for T ≤ 20",
        "even_time_dim" => "the embedding has sine and cosine halves",
        "eighth_bit" => "8-bit data must be scaled to [-1, 1]",
        "held_out" => "some points are held out",
        _ => "",
    }
}

impl InputError {
    pub fn new(field: &str, rule: Rule, value: Option<String>) -> Self {
        let mut e = Self { field: field.to_string(), rule, value, hint: None, message: String::new() };
        e.message = e.english();
        e
    }

    /// With a number as the offending value.
    pub fn at(field: &str, rule: Rule, value: f64) -> Self {
        Self::new(field, rule, Some(short_number(value)))
    }

    /// With a hint (see [`hint_text`]'s keys).
    pub fn with_hint(mut self, hint: &'static str) -> Self {
        self.hint = Some(hint);
        self.message = self.english();
        self
    }

    /// `field = value is out of range: field must be an integer in min..=max`
    pub fn integer(field: &str, value: f64, min: u64, max: u64) -> Self {
        Self::at(field, Rule::Integer { min, max }, value)
    }

    /// `field = value is out of range: field must be in (lo, hi)`
    pub fn range(field: &str, value: f64, interval: Interval) -> Self {
        Self::at(field, Rule::Range(interval), value)
    }

    /// An unknown name among `choices`.
    pub fn one_of(field: &str, value: &str, choices: &[&str]) -> Self {
        Self::new(field, Rule::OneOf(choices.iter().map(|c| c.to_string()).collect()), Some(short_text(value)))
    }

    /// An array of the wrong length.
    pub fn length(field: &str, length: usize, expected: impl Into<String>) -> Self {
        Self::new(field, Rule::Length { length, expected: expected.into() }, None)
    }

    /// The code of the rule (`error.<code>` in the page's catalogues).
    pub fn code(&self) -> &'static str {
        self.rule.code()
    }

    /// Every parameter of the message, by name, as the page's catalogue templates use them.
    pub fn params(&self) -> Vec<(&'static str, Param)> {
        let text = |s: &str| Param::Text(s.to_string());
        let mut p = vec![("field", text(&self.field))];
        if let Some(v) = &self.value {
            p.push(("value", text(v)));
        }
        match &self.rule {
            Rule::Integer { min, max } => p.push(("range", Param::Text(format!("{min}..={max}")))),
            Rule::Range(i) => p.push(("range", Param::Text(i.to_string()))),
            Rule::OneOf(c) | Rule::UnknownField(c) => p.push(("choices", Param::List(c.clone()))),
            Rule::Type(t) => p.push(("expected", text(t))),
            Rule::Length { length, expected } => {
                p.push(("length", Param::Number(*length as f64)));
                p.push(("expected", text(expected)));
            }
            Rule::LessThan { other, other_value } => {
                p.push(("other", text(other)));
                p.push(("otherValue", text(other_value)));
            }
            Rule::TooMuchWork { max } => p.push(("max", text(max))),
            Rule::NotCheckpoint { reason } => p.push(("reason", text(reason))),
            Rule::CheckpointMismatch { what, file, model } => {
                p.push(("what", text(what)));
                p.push(("file", text(file)));
                p.push(("model", text(model)));
            }
            Rule::NonFinitePrediction { t } => p.push(("t", Param::Number(*t as f64))),
            Rule::Mismatch { other } => p.push(("other", text(other))),
            _ => {}
        }
        if let Some(h) = self.hint {
            p.push(("hint", text(h)));
        }
        p
    }

    fn english(&self) -> String {
        let f = &self.field;
        let v = self.value.as_deref().unwrap_or("");
        // the whole list is in `params`; a sentence names as many as fit in a line of 140 characters
        // (every message stays ≤ 220 characters however many choices there are)
        let quoted = |c: &[String]| {
            let mut names = String::new();
            for (i, n) in c.iter().enumerate() {
                let next = format!("{}\"{n}\"", if i == 0 { "" } else { ", " });
                if names.len() + next.len() > 140 {
                    names.push_str(", …");
                    break;
                }
                names.push_str(&next);
            }
            names
        };
        let mut s = match &self.rule {
            Rule::Finite => format!("{f} = {v} is not a finite number"),
            Rule::Positive => format!("{f} = {v} is out of range: {f} must be a finite number > 0"),
            Rule::Integer { min, max } => format!("{f} = {v} is out of range: {f} must be an integer in {min}..={max}"),
            Rule::Range(i) => format!("{f} = {v} is out of range: {f} must be a number in {i}"),
            Rule::OneOf(c) => format!("unknown {f} \"{v}\": valid ones are {}", quoted(c)),
            Rule::UnknownField(c) => format!("unknown field \"{f}\": valid fields are {}", quoted(c)),
            Rule::Type(t) => {
                let what = match *t {
                    "integer" => "an integer",
                    "even_integer" => "an even integer",
                    "array" => "an array",
                    "numbers" => "an array of numbers",
                    "bytes" => "a Uint8Array of bytes",
                    "object" => "an object",
                    other => return format!("{f} must be a {other}{}", if v.is_empty() { String::new() } else { format!(" (it is {v})") }),
                };
                format!("{f} must be {what}{}", if v.is_empty() { String::new() } else { format!(" (it is {v})") })
            }
            Rule::Missing => format!("{f} is missing: it is required"),
            Rule::Length { length, expected } => format!("{f} has {length} value{} but must hold {expected}: the lengths must match", if *length == 1 { "" } else { "s" }),
            Rule::Empty => format!("{f} is empty: it needs at least one value"),
            Rule::LessThan { other, other_value } => format!("{f} = {v} must be smaller than {other} = {other_value}"),
            Rule::TooMuchWork { max } if v.is_empty() => format!("{f} asks for too much work: at most {max}"),
            Rule::TooMuchWork { max } => format!("{f} = {v} asks for too much work: at most {max}"),
            Rule::Unreadable => format!("{f} could not be read: give a plain object, array or number"),
            Rule::Busy => format!("the {f} is busy: wait for the previous call to finish"),
            Rule::Disposed => format!("the {f} was disposed"),
            Rule::NotCheckpoint { reason } => format!("this file is not a Diffusion Lab {f}: {}", reason_text(reason)),
            Rule::CheckpointMismatch { what, file, model } => format!("the {f}'s {what} is {file} but this model's is {model}"),
            Rule::NoChain => "there is no chain yet: press New chain".to_string(),
            Rule::NeedsSampler => format!("{f} = \"{v}\": forward-then-reverse starts from q(x_t|x_0) and needs a DDPM or DDIM sampler"),
            Rule::NonFinitePrediction { t } => format!("{f} is not finite: the model predicts a non-finite value at t = {t}"),
            Rule::MixtureOnly => format!("{f} needs data from a known mixture (ring8)"),
            Rule::NotForNcsn => format!("{f} belongs to the diffusion chain; a noise-conditional score network has no {f}"),
            Rule::NotForFlow => format!("{f} belongs to the diffusion chain's ELBO; a flow-matching network predicts a velocity and has no {f}"),
            Rule::Mismatch { other } => format!("{f} does not match {other}"),
            Rule::Overflow => format!("{f} makes the result overflow (NaN or ±Infinity in f64): use values nearer the data's scale"),
        };
        if let Some(h) = self.hint {
            s.push_str(&format!(" ({})", hint_text(h)));
        }
        s
    }
}

/// The English of a [`Rule::NotCheckpoint`] reason (the catalogues hold `reason.<key>`).
fn reason_text(key: &str) -> &'static str {
    match key {
        "magic" => "it does not start with the format's magic bytes",
        "truncated" => "it ends before its header says it should",
        "header" => "its header cannot be read",
        "version" => "it was written by another version of the format",
        "weights" => "it holds a weight that is not a finite number",
        "values" => "it holds values outside the format's range",
        _ => "it is damaged",
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for InputError {}

pub type Result<T> = std::result::Result<T, InputError>;

/// A number as a message shows it: at most 6 significant digits, never a 300-character number.
pub fn short_number(v: f64) -> String {
    if v.is_nan() {
        return "NaN".into();
    }
    if v.is_infinite() {
        return if v > 0.0 { "Infinity".into() } else { "-Infinity".into() };
    }
    if v == v.trunc() && v.abs() < 1e15 {
        return format!("{}", v as i64);
    }
    let a = v.abs();
    if (1e-4..1e6).contains(&a) {
        let s = format!("{:.6}", v);
        let s = s.trim_end_matches('0').trim_end_matches('.');
        // keep 6 significant digits
        let digits: usize = s.chars().filter(|c| c.is_ascii_digit()).count();
        if digits <= 7 {
            return s.to_string();
        }
        return format!("{}", (v * 1e6).round() / 1e6);
    }
    let s = format!("{:.5e}", v);
    let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
    let m = if m.contains('.') { m.trim_end_matches('0').trim_end_matches('.') } else { m };
    format!("{m}e{e}")
}

/// Text as a message shows it: at most 40 characters.
pub fn short_text(s: &str) -> String {
    if s.chars().count() <= 40 {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(39).collect::<String>())
    }
}

/// Every value of `values` must be finite.
pub fn check_finite(field: &str, values: &[f64]) -> Result<()> {
    match values.iter().position(|v| !v.is_finite() || v.abs() > MAX_MAGNITUDE) {
        None => Ok(()),
        Some(i) => check_finite_scalar(&format!("{field}[{i}]"), values[i]),
    }
}

/// The largest magnitude an input value may have: squares and products of two such values
/// (distances, x²/σ²) stay far inside f64, so accepted input gives finite output.
pub const MAX_MAGNITUDE: f64 = 1e100;

/// A single finite number of magnitude ≤ [`MAX_MAGNITUDE`].
pub fn check_finite_scalar(field: &str, value: f64) -> Result<()> {
    if !value.is_finite() {
        Err(InputError::at(field, Rule::Finite, value))
    } else if value.abs() > MAX_MAGNITUDE {
        Err(InputError::at(field, Rule::Range(Interval::closed(-MAX_MAGNITUDE, MAX_MAGNITUDE)), value))
    } else {
        Ok(())
    }
}

/// A number strictly positive and finite (variances, standard deviations).
pub fn check_positive(field: &str, value: f64) -> Result<()> {
    if !(value.is_finite() && value > 0.0) {
        Err(InputError::at(field, Rule::Positive, value))
    } else if !(POSITIVE_RANGE.contains(value)) {
        // a scale of 5e-324 or 1e300 is positive but makes x²/σ² or σ·z overflow
        Err(InputError::at(field, Rule::Range(POSITIVE_RANGE), value))
    } else {
        Ok(())
    }
}

/// Where a variance, standard deviation or step size must lie: with magnitudes ≤ 1e100,
/// x²/σ² ≤ 1e300 stays finite.
pub const POSITIVE_RANGE: Interval = Interval::closed(1e-100, 1e100);

/// A number in an interval.
pub fn check_range(field: &str, value: f64, interval: Interval) -> Result<()> {
    if interval.contains(value) {
        Ok(())
    } else {
        Err(InputError::range(field, value, interval))
    }
}

/// An integer count in min..=max.
pub fn check_count(field: &str, value: usize, min: usize, max: usize) -> Result<()> {
    if (min..=max).contains(&value) {
        Ok(())
    } else {
        Err(InputError::integer(field, value as f64, min as u64, max as u64))
    }
}

/// Row-major points: a flat array of `dim`-vectors, all finite, at least one and at most `max`.
/// Returns how many there are.
pub fn check_points(field: &str, points: &[f64], dim: usize, max: usize) -> Result<usize> {
    if dim == 0 {
        return Err(InputError::integer("dim", 0.0, 1, 4096));
    }
    if points.is_empty() {
        return Err(InputError::new(field, Rule::Empty, None));
    }
    if points.len() % dim != 0 {
        return Err(InputError::length(field, points.len(), format!("a multiple of {dim} (whole points of {dim} coordinates)")));
    }
    check_finite(field, points)?;
    if points.len() / dim > max {
        return Err(InputError::length(field, points.len(), format!("at most {max} points of {dim} coordinates")));
    }
    Ok(points.len() / dim)
}

/// Two arrays that must have the same length.
pub fn check_same_len(field: &str, len: usize, other: &str, other_len: usize) -> Result<()> {
    if len == other_len {
        Ok(())
    } else {
        Err(InputError::length(field, len, format!("{other_len} (as many as {other})")))
    }
}

/// A non-empty array.
pub fn check_nonempty(field: &str, len: usize) -> Result<()> {
    if len > 0 {
        Ok(())
    } else {
        Err(InputError::new(field, Rule::Empty, None))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn values_beyond_1e100_are_refused_so_squares_stay_finite() {
        assert!(check_finite("x", &[1e100, -1e100]).is_ok());
        let e = check_finite("x", &[0.0, 1.5e100]).unwrap_err();
        assert_eq!((e.field.as_str(), e.rule.code()), ("x[1]", "range"));
        assert_eq!(check_finite("x", &[f64::NAN]).unwrap_err().rule.code(), "not_finite");
        assert!(check_finite_scalar("z", 1e154).is_err());
    }

    use super::*;

    #[test]
    fn messages_name_the_field_the_rule_and_a_short_value() {
        let e = InputError::range("betaStart", 2.0, Interval::open(0.0, 1.0));
        assert_eq!(e.message, "betaStart = 2 is out of range: betaStart must be a number in (0, 1)");
        assert_eq!(e.code(), "range");
        assert!(e.params().contains(&("range", Param::Text("(0, 1)".into()))));
        let long = InputError::at("x", Rule::Finite, f64::MAX);
        assert!(long.message.len() < 80, "{}", long.message);
        assert_eq!(short_number(0.1 + 0.2), "0.3");
        assert_eq!(short_number(1e-300), "1e-300");
        assert_eq!(short_number(-1.5e154), "-1.5e154");
        assert_eq!(short_text(&"a".repeat(300)).chars().count(), 40);
    }

    /// A long list of choices (the derivations' names, a value of 40 characters) keeps the sentence
    /// within 220 characters: the names that fit, then "…"; the whole list stays in the params.
    #[test]
    fn a_long_list_of_choices_keeps_the_message_short() {
        let names = crate::derivation::NAMES;
        let e = InputError::one_of("name", &"x".repeat(50), &names);
        assert!(e.message.chars().count() <= 220 && e.message.ends_with("…"), "{} ({} chars)", e.message, e.message.chars().count());
        assert!(e.message.contains("\"hvae\", \"consistency\""));
        assert!(matches!(&e.rule, Rule::OneOf(c) if c.len() == names.len()));
        let short = InputError::one_of("weighting", "x", &["simple", "elbo"]);
        assert!(short.message.ends_with("\"simple\", \"elbo\""), "{}", short.message);
    }

    #[test]
    fn every_rule_has_a_listed_code() {
        let rules = [
            Rule::Finite, Rule::Positive, Rule::Integer { min: 0, max: 1 }, Rule::Range(Interval::open(0.0, 1.0)), Rule::OneOf(vec![]),
            Rule::UnknownField(vec![]), Rule::Type("number"), Rule::Missing, Rule::Length { length: 0, expected: "1".into() }, Rule::Empty,
            Rule::LessThan { other: "a".into(), other_value: "1".into() }, Rule::TooMuchWork { max: "1".into() }, Rule::Unreadable,
            Rule::Busy, Rule::Disposed, Rule::NotCheckpoint { reason: "magic" },
            Rule::CheckpointMismatch { what: "width", file: "1".into(), model: "2".into() }, Rule::NoChain, Rule::NeedsSampler,
            Rule::NonFinitePrediction { t: 1 }, Rule::MixtureOnly, Rule::NotForNcsn, Rule::NotForFlow, Rule::Mismatch { other: "b".into() }, Rule::Overflow,
        ];
        for r in &rules {
            assert!(Rule::CODES.contains(&r.code()), "{}", r.code());
        }
        // "device" is the boundary's code for a failed GPU, not a rule of the inputs
        assert_eq!(rules.len() + 1, Rule::CODES.len());
    }

    #[test]
    fn every_hint_and_reason_has_english() {
        for h in HINTS {
            assert!(!hint_text(h).is_empty(), "{h}");
        }
        for r in REASONS {
            assert_ne!(reason_text(r), reason_text("no such reason"), "{r}");
        }
    }

    #[test]
    fn intervals_hold_what_they_say() {
        assert!(Interval::open(0.0, 1.0).contains(0.5) && !Interval::open(0.0, 1.0).contains(1.0));
        assert!(Interval::open_closed(0.0, 1.0).contains(1.0) && !Interval::open_closed(0.0, 1.0).contains(0.0));
        assert!(!Interval::closed(0.0, 1.0).contains(f64::NAN));
        assert_eq!(Interval::at_least(0.0).to_string(), "[0, ∞)");
    }
}
