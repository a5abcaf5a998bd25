//! Output as the AWS CLI v2 writes it: the response as a value (members in the service model's
//! order), `--query` applied ([`query`], JMESPath), then printed in the chosen format
//! ([`format`]: json, text, table, yaml, yaml-stream, or nothing for `off`).

pub mod format;
pub mod query;

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

use crate::args::OutputFormat;
use query::Query;

/// A response value, or what a query made of it.
#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    Null,
    Bool(bool),
    Num(Number),
    Str(String),
    List(Vec<Val>),
    /// Members in insertion order (the model's order for a response), keys unique.
    Object(Vec<(String, Val)>),
}

/// A number as Python holds it: an integer or a float (`1` and `1.0` print differently).
#[derive(Debug, Clone, Copy)]
pub enum Number {
    Int(i64),
    Float(f64),
}

impl Number {
    pub fn as_f64(self) -> f64 {
        match self {
            // Exact for the magnitudes an i64 holds up to 2^53; beyond, the nearest float, as
            // Python compares an int to a float only approximately there too.
            Number::Int(i) => i as f64,
            Number::Float(f) => f,
        }
    }
}

impl PartialEq for Number {
    /// `1 == 1.0`, as in JSON and Python.
    fn eq(&self, other: &Number) -> bool {
        match (self, other) {
            (Number::Int(a), Number::Int(b)) => a == b,
            _ => self.as_f64() == other.as_f64(),
        }
    }
}

impl Val {
    /// Any response as the AWS CLI shows it: its `Serialize` form (AWS member names, blobs in
    /// base64, absent members left out) with the members in serialization order, which is the
    /// model's order. serde_json's own `Value` sorts object keys, so the value is read back
    /// from the serialized text with the order-preserving [`Deserialize`] below. The text is
    /// overwritten with zeros afterwards (it may hold a plaintext the caller chose to print).
    pub fn from_response<T: serde::Serialize>(response: &T) -> Result<Val, String> {
        let mut text = serde_json::to_vec(response)
            .map_err(|e| format!("cannot serialize the response: {}", category(&e)))?;
        let v = serde_json::from_slice::<Val>(&text);
        text.fill(0);
        std::hint::black_box(&mut text);
        // The text was just written by serde_json: reading it back cannot fail.
        v.map_err(|_| "cannot serialize the response".to_owned())
    }

    /// The member `name` of an object; `None` for a missing member or another kind of value.
    pub fn get(&self, name: &str) -> Option<&Val> {
        match self {
            Val::Object(members) => members.iter().find(|(k, _)| k == name).map(|(_, v)| v),
            _ => None,
        }
    }

    /// Overwrites every string with zeros before the value is dropped (a response may hold a
    /// plaintext the caller chose to print).
    pub fn wipe(&mut self) {
        match self {
            Val::Str(s) => wipe_string(s),
            Val::List(items) => items.iter_mut().for_each(Val::wipe),
            Val::Object(members) => members.iter_mut().for_each(|(k, v)| {
                wipe_string(k);
                v.wipe();
            }),
            _ => {}
        }
    }

    /// A list or an object (the formats treat the others as scalars).
    pub fn is_container(&self) -> bool {
        matches!(self, Val::List(_) | Val::Object(_))
    }

    /// Python's falsiness, which the table format uses to print nothing: `None`, `False`, `0`,
    /// `0.0`, `''`, `[]`, `{}`.
    pub fn is_falsy(&self) -> bool {
        match self {
            Val::Null | Val::Bool(false) => true,
            Val::Bool(true) => false,
            Val::Num(n) => n.as_f64() == 0.0,
            Val::Str(s) => s.is_empty(),
            Val::List(items) => items.is_empty(),
            Val::Object(members) => members.is_empty(),
        }
    }
}

fn wipe_string(s: &mut String) {
    let mut bytes = std::mem::take(s).into_bytes();
    bytes.fill(0);
    std::hint::black_box(&mut bytes);
}

/// Sets `key` in an object's members as a Python dict does: a new key goes last, an existing
/// key keeps its place and takes the new value.
pub fn insert(members: &mut Vec<(String, Val)>, key: String, value: Val) {
    match members.iter_mut().find(|(k, _)| *k == key) {
        Some((_, v)) => *v = value,
        None => members.push((key, value)),
    }
}

/// serde_json's Display may quote data; only the category is shown.
fn category(e: &serde_json::Error) -> &'static str {
    match e.classify() {
        serde_json::error::Category::Io => "write error",
        serde_json::error::Category::Syntax | serde_json::error::Category::Eof => "syntax",
        serde_json::error::Category::Data => "a member cannot be represented",
    }
}

impl<'de> Deserialize<'de> for Val {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Val, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Val;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON value")
            }
            fn visit_unit<E: de::Error>(self) -> Result<Val, E> {
                Ok(Val::Null)
            }
            fn visit_none<E: de::Error>(self) -> Result<Val, E> {
                Ok(Val::Null)
            }
            fn visit_bool<E: de::Error>(self, b: bool) -> Result<Val, E> {
                Ok(Val::Bool(b))
            }
            fn visit_i64<E: de::Error>(self, n: i64) -> Result<Val, E> {
                Ok(Val::Num(Number::Int(n)))
            }
            fn visit_u64<E: de::Error>(self, n: u64) -> Result<Val, E> {
                i64::try_from(n)
                    .map(|i| Val::Num(Number::Int(i)))
                    .map_err(|_| E::custom("an integer larger than 2^63 - 1"))
            }
            fn visit_f64<E: de::Error>(self, n: f64) -> Result<Val, E> {
                Ok(Val::Num(Number::Float(n)))
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Val, E> {
                Ok(Val::Str(s.to_owned()))
            }
            fn visit_string<E: de::Error>(self, s: String) -> Result<Val, E> {
                Ok(Val::Str(s))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Val, A::Error> {
                let mut items = Vec::new();
                while let Some(v) = seq.next_element()? {
                    items.push(v);
                }
                Ok(Val::List(items))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Val, A::Error> {
                let mut members = Vec::new();
                while let Some((k, v)) = map.next_entry::<String, Val>()? {
                    insert(&mut members, k, v);
                }
                Ok(Val::Object(members))
            }
        }
        d.deserialize_any(V)
    }
}

/// The name of the operation a response answers, which the table format prints as its title.
pub trait OperationName {
    const NAME: &'static str;
}

macro_rules! operation_names {
    ($($t:ty => $name:literal),* $(,)?) => {
        $(impl OperationName for $t { const NAME: &'static str = $name; })*
    };
}

operation_names! {
    kms_lite::EncryptResponse => "Encrypt",
    kms_lite::DecryptResponse => "Decrypt",
    kms_lite::GenerateDataKeyResponse => "GenerateDataKey",
    kms_lite::GenerateDataKeyWithoutPlaintextResponse => "GenerateDataKeyWithoutPlaintext",
    kms_lite::ReEncryptResponse => "ReEncrypt",
}

impl<T: OperationName> OperationName for kms_lite::WithPlaintext<'_, T> {
    const NAME: &'static str = T::NAME;
}

/// How a command prints its response: the format, the compiled `--query`, and whether stdout
/// is a terminal (then server text is escaped: see `format/terminal.rs`).
#[derive(Debug, Clone)]
pub struct Output {
    pub format: OutputFormat,
    pub query: Option<Query>,
    pub terminal: bool,
}

/// Why a response could not be printed.
#[derive(Debug, Clone, PartialEq)]
pub enum RenderError {
    /// The query failed on this response (a function given the wrong type, a result too
    /// large).
    Query(query::QueryError),
    /// The value has a shape the format cannot show (the AWS CLI fails on these too).
    Shape(String),
}

impl Output {
    /// The response's value after the query, printed: what goes on stdout (maybe nothing).
    /// `operation` titles a table.
    pub fn render(&self, response: &Val, operation: &str) -> Result<String, RenderError> {
        match &self.query {
            Some(q) => {
                let mut queried = q.search(response).map_err(RenderError::Query)?;
                let text = format::render(&queried, self.format, operation, self.terminal);
                queried.wipe();
                text.map_err(RenderError::Shape)
            }
            None => format::render(response, self.format, operation, self.terminal)
                .map_err(RenderError::Shape),
        }
    }
}
