//! JavaScript values in and out, and nothing else (one file of ~450 lines: the reader, serde over
//! its tree and the errors it makes belong together).
//!
//! In: a config object is first copied into a plain tree ([`Js`]) — every property read through
//! `Reflect`, so a getter that throws, a Proxy or a cyclic object is an [`InputError`] naming the
//! field, never an exception unwinding through wasm — and then deserialised by serde into a
//! `#[derive(Deserialize)]` struct (`rename_all = "camelCase"`, `deny_unknown_fields`). Errors
//! carry the JS path of the field (`encoder.mean[1]`) and the rule, not serde's wording.
//!
//! Out: [`Obj`] builds plain objects; [`f64s`] makes `Float64Array`s; an [`InputError`] becomes a
//! JS `Error` with `code` and `params` (see `numerics::error`) so the page renders it in either
//! language.

use js_sys::{Array, Float64Array, Object, Reflect};
use serde::de::{self, DeserializeOwned, IntoDeserializer, Visitor};
use wasm_bindgen::prelude::*;

use crate::numerics::error::{short_number, short_text, InputError, Param, Rule};

pub type JsResult<T> = Result<T, JsValue>;

/// A JS value copied into Rust: what a config can hold.
#[derive(Debug, Clone)]
pub enum Js {
    Absent,
    Bool(bool),
    Num(f64),
    Str(String),
    Arr(Vec<Js>),
    Obj(Vec<(String, Js)>),
    /// a function, symbol or bigint: never valid in a config
    Other(&'static str),
}

const MAX_DEPTH: usize = 12;

/// The most values one call may hand over (all its arrays and configs together): 2^24 numbers,
/// 128 MiB as f64 — eight million 2-D points.
pub const MAX_VALUES: usize = 1 << 24;

impl Js {
    /// Copy `v` (`field` is its path, for errors).
    pub fn read(v: &JsValue, field: &str) -> Result<Js, InputError> {
        let mut budget = MAX_VALUES;
        Self::read_at(v, field, 0, &mut budget)
    }

    fn read_at(v: &JsValue, field: &str, depth: usize, budget: &mut usize) -> Result<Js, InputError> {
        // the config itself has the empty path (its fields are "T", not "config.T"); errors about
        // the whole value call it "config"
        let label = if field.is_empty() { "config" } else { field };
        if depth > MAX_DEPTH {
            return Err(InputError::new(label, Rule::Unreadable, None));
        }
        // every value read counts against one budget per call, so no array (a sparse one four
        // billion long, a typed array of 2^30) makes the reading itself the hang
        let mut spend = |n: usize| -> Result<(), InputError> {
            if n > *budget {
                return Err(InputError::new(label, Rule::TooMuchWork { max: format!("{MAX_VALUES} values in one call") }, None));
            }
            *budget -= n;
            Ok(())
        };
        spend(1)?;
        if v.is_undefined() || v.is_null() {
            return Ok(Js::Absent);
        }
        if let Some(b) = v.as_bool() {
            return Ok(Js::Bool(b));
        }
        if let Some(x) = v.as_f64() {
            return Ok(Js::Num(x));
        }
        if let Some(s) = v.as_string() {
            return Ok(Js::Str(s));
        }
        if v.is_function() {
            return Ok(Js::Other("function"));
        }
        if v.is_symbol() {
            return Ok(Js::Other("symbol"));
        }
        if v.is_bigint() {
            return Ok(Js::Other("bigint"));
        }
        if js_sys::ArrayBuffer::is_view(v) {
            if v.is_instance_of::<js_sys::BigInt64Array>() || v.is_instance_of::<js_sys::BigUint64Array>() || v.is_instance_of::<js_sys::DataView>() {
                return Err(InputError::new(field, Rule::Type("numbers"), None));
            }
            let len = Reflect::get(v, &"length".into()).ok().and_then(|l| l.as_f64()).unwrap_or(0.0);
            spend(len as usize)?;
            return Ok(Js::Arr(Float64Array::new(v).to_vec().into_iter().map(Js::Num).collect()));
        }
        let unreadable = || InputError::new(label, Rule::Unreadable, None);
        if Array::is_array(v) {
            let len = Reflect::get(v, &"length".into()).map_err(|_| unreadable())?.as_f64().unwrap_or(0.0);
            spend(len as usize)?;
            let mut out = Vec::with_capacity(len as usize);
            for i in 0..len as u32 {
                let item = Reflect::get_u32(v, i).map_err(|_| unreadable())?;
                out.push(Self::read_at(&item, &format!("{field}[{i}]"), depth + 1, budget)?);
            }
            return Ok(Js::Arr(out));
        }
        let keys = Reflect::own_keys(v).map_err(|_| unreadable())?;
        let mut out = Vec::new();
        for key in keys.iter() {
            let Some(name) = key.as_string() else { continue }; // symbol keys are not config
            let value = Reflect::get(v, &key).map_err(|_| InputError::new(&join(field, &name), Rule::Unreadable, None))?;
            out.push((name.clone(), Self::read_at(&value, &join(field, &name), depth + 1, budget)?));
        }
        Ok(Js::Obj(out))
    }

    /// How a message shows this value.
    fn describe(&self) -> String {
        match self {
            Js::Absent => "undefined".into(),
            Js::Bool(b) => b.to_string(),
            Js::Num(x) => short_number(*x),
            Js::Str(s) => format!("\"{}\"", short_text(s)),
            Js::Arr(a) => format!("an array of {}", a.len()),
            Js::Obj(_) => "an object".into(),
            Js::Other(t) => format!("a {t}"),
        }
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

/// Read a config: `undefined`/`null` is the default config (every field absent).
pub fn config<T: DeserializeOwned>(value: &JsValue) -> Result<T, InputError> {
    let js = Js::read(value, "")?;
    if !matches!(js, Js::Obj(_) | Js::Absent) {
        return Err(InputError::new("config", Rule::Type("object"), Some(js.describe())));
    }
    from_tree(&js)
}

/// Deserialise an already read tree (e.g. a field kept as [`Js`]).
pub fn from_tree<T: DeserializeOwned>(js: &Js) -> Result<T, InputError> {
    let js = match js {
        Js::Absent => Js::Obj(vec![]),
        other => other.clone(),
    };
    T::deserialize(De(&js)).map_err(|e| e.into_input_error())
}

// ---------------------------------------------------------------------------------------------
// serde over the tree, with an error that knows the path and the rule

/// What went wrong while deserialising, and where (path segments, innermost last).
#[derive(Debug)]
pub struct DeError {
    path: Vec<String>,
    rule: Rule,
    value: Option<String>,
}

impl DeError {
    fn under(mut self, segment: String) -> Self {
        self.path.insert(0, segment);
        self
    }

    fn into_input_error(self) -> InputError {
        let mut field = String::new();
        for s in &self.path {
            if s.starts_with('[') {
                field.push_str(s);
            } else {
                field = join(&field, s);
            }
        }
        if field.is_empty() {
            field = "config".into();
        }
        InputError::new(&field, self.rule, self.value)
    }
}

impl std::fmt::Display for DeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.rule.code())
    }
}

impl std::error::Error for DeError {}

/// serde's name for an expected type → the JS type a person would say.
fn js_type(expected: &str) -> &'static str {
    match expected {
        "f64" | "f32" => "number",
        "u8" | "u16" | "u32" | "u64" | "usize" | "i32" | "i64" => "integer",
        "a string" | "string" | "a borrowed string" | "char" => "string",
        "a boolean" | "bool" => "boolean",
        e if e.starts_with("a sequence") || e.starts_with("an array") || e.starts_with("a tuple") => "array",
        e if e.starts_with("struct") || e.starts_with("a map") || e.starts_with("an object") => "object",
        e if e.starts_with("variant") || e.starts_with("enum") => "string",
        _ => "value",
    }
}

impl de::Error for DeError {
    fn custom<T: std::fmt::Display>(msg: T) -> Self {
        // only reached through types we do not use; keep serde's words out of the message
        let _ = msg;
        DeError { path: vec![], rule: Rule::Type("value"), value: None }
    }
    fn invalid_type(_unexp: de::Unexpected, exp: &dyn de::Expected) -> Self {
        DeError { path: vec![], rule: Rule::Type(js_type(&exp.to_string())), value: None }
    }
    fn invalid_value(_unexp: de::Unexpected, exp: &dyn de::Expected) -> Self {
        DeError { path: vec![], rule: Rule::Type(js_type(&exp.to_string())), value: None }
    }
    fn unknown_field(field: &str, expected: &'static [&'static str]) -> Self {
        DeError {
            path: vec![field.to_string()],
            rule: Rule::UnknownField(expected.iter().map(|s| s.to_string()).collect()),
            value: None,
        }
    }
    fn unknown_variant(variant: &str, expected: &'static [&'static str]) -> Self {
        DeError { path: vec![], rule: Rule::OneOf(expected.iter().map(|s| s.to_string()).collect()), value: Some(short_text(variant)) }
    }
    fn missing_field(field: &'static str) -> Self {
        DeError { path: vec![field.to_string()], rule: Rule::Missing, value: None }
    }
}

struct De<'a>(&'a Js);

impl<'a> De<'a> {
    /// Attach the offending value to a type error raised by the visitor.
    fn tag(&self, e: DeError) -> DeError {
        if e.value.is_none() && e.path.is_empty() && matches!(e.rule, Rule::Type(_)) {
            DeError { value: Some(self.0.describe()), ..e }
        } else {
            e
        }
    }
}

impl<'de, 'a> de::Deserializer<'de> for De<'a> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        let r = match self.0 {
            Js::Absent => visitor.visit_unit(),
            Js::Bool(b) => visitor.visit_bool(*b),
            Js::Num(x) => visitor.visit_f64(*x),
            Js::Str(s) => visitor.visit_str(s),
            Js::Arr(items) => visitor.visit_seq(Seq { items, i: 0 }),
            Js::Obj(entries) => visitor.visit_map(Map { entries, i: 0, key: None }),
            // a function, symbol or bigint: let the visitor refuse it, naming the type it wanted
            Js::Other(_) => visitor.visit_bytes(&[]),
        };
        r.map_err(|e| self.tag(e))
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.0 {
            Js::Absent => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(self, _name: &'static str, _variants: &'static [&'static str], visitor: V) -> Result<V::Value, DeError> {
        match self.0 {
            Js::Str(s) => visitor.visit_enum(s.as_str().into_deserializer()).map_err(|e: DeError| self.tag(e)),
            _ => Err(self.tag(DeError { path: vec![], rule: Rule::Type("string"), value: None })),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(self, _name: &'static str, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_newtype_struct(self)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf unit unit_struct seq tuple
        tuple_struct map struct identifier ignored_any
    }
}

struct Seq<'a> {
    items: &'a [Js],
    i: usize,
}

impl<'de, 'a> de::SeqAccess<'de> for Seq<'a> {
    type Error = DeError;
    fn next_element_seed<T: de::DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, DeError> {
        let Some(item) = self.items.get(self.i) else { return Ok(None) };
        let i = self.i;
        self.i += 1;
        seed.deserialize(De(item)).map(Some).map_err(|e| e.under(format!("[{i}]")))
    }
    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len() - self.i)
    }
}

struct Map<'a> {
    entries: &'a [(String, Js)],
    i: usize,
    key: Option<&'a str>,
}

impl<'de, 'a> de::MapAccess<'de> for Map<'a> {
    type Error = DeError;
    fn next_key_seed<K: de::DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, DeError> {
        // a field set to undefined counts as absent
        while let Some((_, Js::Absent)) = self.entries.get(self.i) {
            self.i += 1;
        }
        let Some((k, _)) = self.entries.get(self.i) else { return Ok(None) };
        self.key = Some(k);
        seed.deserialize(k.as_str().into_deserializer()).map(Some)
    }
    fn next_value_seed<V: de::DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, DeError> {
        let (k, v) = &self.entries[self.i];
        self.i += 1;
        seed.deserialize(De(v)).map_err(|e| e.under(k.clone()))
    }
}

impl<'de> de::Deserialize<'de> for Js {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Js, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Js;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("any value")
            }
            fn visit_unit<E>(self) -> Result<Js, E> {
                Ok(Js::Absent)
            }
            fn visit_none<E>(self) -> Result<Js, E> {
                Ok(Js::Absent)
            }
            fn visit_bool<E>(self, b: bool) -> Result<Js, E> {
                Ok(Js::Bool(b))
            }
            fn visit_f64<E>(self, x: f64) -> Result<Js, E> {
                Ok(Js::Num(x))
            }
            fn visit_str<E>(self, s: &str) -> Result<Js, E> {
                Ok(Js::Str(s.to_string()))
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut a: A) -> Result<Js, A::Error> {
                let mut v = Vec::new();
                while let Some(x) = a.next_element()? {
                    v.push(x);
                }
                Ok(Js::Arr(v))
            }
            fn visit_map<A: de::MapAccess<'de>>(self, mut a: A) -> Result<Js, A::Error> {
                let mut v = Vec::new();
                while let Some((k, x)) = a.next_entry::<String, Js>()? {
                    v.push((k, x));
                }
                Ok(Js::Obj(v))
            }
        }
        d.deserialize_any(V)
    }
}

// ---------------------------------------------------------------------------------------------
// out

/// An [`InputError`] as a JS `Error`: `message` (English), `code`, `params`.
impl From<InputError> for JsValue {
    fn from(e: InputError) -> JsValue {
        let err = js_sys::Error::new(&e.message);
        err.set_name("InputError");
        let params = Object::new();
        for (k, p) in e.params() {
            let v: JsValue = match p {
                Param::Text(s) => s.into(),
                Param::Number(x) => x.into(),
                Param::List(l) => l.iter().map(|s| JsValue::from_str(s)).collect::<Array>().into(),
            };
            let _ = Reflect::set(&params, &k.into(), &v);
        }
        let _ = Reflect::set(&err, &"code".into(), &e.code().into());
        let _ = Reflect::set(&err, &"params".into(), &params);
        err.into()
    }
}

/// An engine failure: a rejected input as above, or a failed device.
impl From<crate::engine::failure::EngineFailure> for JsValue {
    fn from(e: crate::engine::failure::EngineFailure) -> JsValue {
        match e {
            crate::engine::failure::EngineFailure::Input(e) => e.into(),
            crate::engine::failure::EngineFailure::Device(m) => device_error(&m),
        }
    }
}

/// A failure of the device (a lost GPU, out of memory): code "device", the driver's words kept.
pub fn device_error(message: &str) -> JsValue {
    let err = js_sys::Error::new(message);
    err.set_name("DeviceError");
    let params = Obj::new().set("field", "device").set("message", message).build();
    let _ = Reflect::set(&err, &"code".into(), &"device".into());
    let _ = Reflect::set(&err, &"params".into(), &params);
    err.into()
}

pub fn f64s(v: &[f64]) -> Float64Array {
    Float64Array::from(v)
}

/// The output net: values that came out NaN or ±Infinity from accepted input are refused as
/// `overflow`, naming the input `field` that drove them, never handed back silently.
pub fn finite_all(field: &str, v: &[f64]) -> Result<Float64Array, InputError> {
    match v.iter().all(|x| x.is_finite()) {
        true => Ok(f64s(v)),
        false => Err(InputError::new(field, Rule::Overflow, None)),
    }
}

/// Build a plain JS object field by field.
pub struct Obj(pub(super) Object);

impl Obj {
    pub fn new() -> Self {
        Obj(Object::new())
    }
    pub fn set(self, key: &str, value: impl Into<JsValue>) -> Self {
        let _ = Reflect::set(&self.0, &JsValue::from_str(key), &value.into());
        self
    }
    pub fn build(self) -> JsValue {
        self.0.into()
    }
}

impl Default for Obj {
    fn default() -> Self {
        Self::new()
    }
}

/// The names of a list, as a JS array of strings.
pub fn names(list: &[&str]) -> Array {
    list.iter().map(|s| JsValue::from_str(s)).collect()
}

// ---------------------------------------------------------------------------------------------
// positional arguments: taken as `JsValue` and read here, so a wrong type, a hostile array or a
// throwing getter is an error naming the argument (wasm-bindgen's own conversion would throw
// its words, or a TypeError, before the engine sees the call)

/// An argument that must be numbers: an array of numbers or a typed array.
pub fn arg_numbers(v: &JsValue, field: &str) -> Result<Vec<f64>, InputError> {
    match Js::read(v, field)? {
        Js::Arr(items) => items
            .iter()
            .enumerate()
            .map(|(i, x)| match x {
                Js::Num(x) => Ok(*x),
                other => Err(InputError::new(&format!("{field}[{i}]"), Rule::Type("number"), Some(other.describe()))),
            })
            .collect(),
        other => Err(InputError::new(field, Rule::Type("numbers"), Some(other.describe()))),
    }
}

/// An argument that must be a JS number (its range is the engine's to check).
pub fn arg_number(v: &JsValue, field: &str) -> Result<f64, InputError> {
    match v.as_f64() {
        Some(x) => Ok(x),
        None => Err(InputError::new(field, Rule::Type("number"), Some(Js::read(v, field).map(|j| j.describe()).unwrap_or_else(|_| "unreadable".into())))),
    }
}

/// An argument that must be a string.
pub fn arg_string(v: &JsValue, field: &str) -> Result<String, InputError> {
    match v.as_string() {
        Some(s) => Ok(s),
        None => Err(InputError::new(field, Rule::Type("string"), Some(Js::read(v, field).map(|j| j.describe()).unwrap_or_else(|_| "unreadable".into())))),
    }
}

#[cfg(feature = "engine")]
/// An argument that must be bytes: a `Uint8Array`, an `ArrayBuffer` or an array of integers 0..=255.
pub fn arg_bytes(v: &JsValue, field: &str) -> Result<Vec<u8>, InputError> {
    let typed = if v.is_instance_of::<js_sys::Uint8Array>() {
        Some(js_sys::Uint8Array::new(v))
    } else if v.is_instance_of::<js_sys::ArrayBuffer>() {
        Some(js_sys::Uint8Array::new(v))
    } else {
        None
    };
    if let Some(b) = typed {
        if b.length() as usize > MAX_VALUES * 8 {
            return Err(InputError::new(field, Rule::TooMuchWork { max: format!("{} bytes", MAX_VALUES * 8) }, None));
        }
        return Ok(b.to_vec());
    }
    arg_numbers(v, field)
        .map_err(|e| if e.rule == Rule::Type("numbers") { InputError::new(field, Rule::Type("bytes"), e.value) } else { e })?
        .iter()
        .enumerate()
        .map(|(i, x)| if x.fract() == 0.0 && (0.0..=255.0).contains(x) { Ok(*x as u8) } else { Err(InputError::integer(&format!("{field}[{i}]"), *x, 0, 255)) })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// numbers from JS, validated once into core types

/// The largest integer a JS number holds exactly (seeds).
pub const MAX_SEED: u64 = 9_007_199_254_740_991;

/// A JS number that must be an integer in min..=max (t, T, n, seed, counts).
pub fn integer(field: &str, v: f64, min: u64, max: u64) -> Result<u64, InputError> {
    if v.is_finite() && v.fract() == 0.0 && v >= min as f64 && v <= max as f64 {
        Ok(v as u64)
    } else if !v.is_finite() {
        Err(InputError::at(field, Rule::Finite, v))
    } else {
        Err(InputError::integer(field, v, min, max))
    }
}

/// An optional count with its default.
pub fn count(field: &str, v: Option<f64>, default: usize, min: usize, max: usize) -> Result<usize, InputError> {
    Ok(integer(field, v.unwrap_or(default as f64), min as u64, max as u64)? as usize)
}

/// An optional seed (default 0 unless given).
pub fn seed(v: Option<f64>, default: u64) -> Result<u64, InputError> {
    integer("seed", v.unwrap_or(default as f64), 0, MAX_SEED)
}
