//! Output as the AWS CLI writes it: JSON (`json.dump(indent=4, ensure_ascii=False)` plus a
//! newline, members in the service model's order) or text (scalars tab-separated, keys sorted),
//! after an optional `--query`.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

use crate::args::OutputFormat;

/// A response value, members in the order they are printed as JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Val {
    Null,
    Bool(bool),
    /// A number, as JSON wrote it.
    Num(String),
    Str(String),
    List(Vec<Val>),
    /// Members in the order they are printed as JSON.
    Object(Vec<(String, Val)>),
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
                Ok(Val::Num(n.to_string()))
            }
            fn visit_u64<E: de::Error>(self, n: u64) -> Result<Val, E> {
                Ok(Val::Num(n.to_string()))
            }
            fn visit_f64<E: de::Error>(self, n: f64) -> Result<Val, E> {
                Ok(Val::Num(n.to_string()))
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
                    members.push((k, v));
                }
                Ok(Val::Object(members))
            }
        }
        d.deserialize_any(V)
    }
}

/// The subset of JMESPath that `--query` supports: a top-level member name (`CiphertextBlob`,
/// or quoted: `"KeyId"`), or a multi-select list of them (`[KeyId, CiphertextBlob]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Query {
    Member(String),
    List(Vec<String>),
}

impl Query {
    pub fn parse(text: &str) -> Result<Query, String> {
        let unsupported = || {
            "kms-lite supports only a top-level member name (for example CiphertextBlob) \
             or a list of them ([KeyId, CiphertextBlob])"
                .to_owned()
        };
        let t = text.trim();
        if let Some(inner) = t.strip_prefix('[').and_then(|s| s.strip_suffix(']')) {
            let names = inner
                .split(',')
                .map(|n| identifier(n.trim()).ok_or_else(unsupported))
                .collect::<Result<Vec<_>, _>>()?;
            return Ok(Query::List(names));
        }
        identifier(t).map(Query::Member).ok_or_else(unsupported)
    }

    /// Applies the query the way JMESPath does: a missing member is `null`.
    pub fn search(&self, v: &Val) -> Val {
        let get = |name: &str| match v {
            Val::Object(members) => members
                .iter()
                .find(|(k, _)| k == name)
                .map_or(Val::Null, |(_, v)| v.clone()),
            _ => Val::Null,
        };
        match self {
            Query::Member(n) => get(n),
            Query::List(ns) => Val::List(ns.iter().map(|n| get(n)).collect()),
        }
    }
}

/// A JMESPath identifier: unquoted `[A-Za-z_][A-Za-z0-9_]*`, or a double-quoted one without
/// escapes.
fn identifier(s: &str) -> Option<String> {
    if let Some(q) = s.strip_prefix('"').and_then(|s| s.strip_suffix('"')) {
        return (!q.is_empty() && !q.contains(['"', '\\'])).then(|| q.to_owned());
    }
    let mut chars = s.chars();
    let first = chars.next()?;
    ((first.is_ascii_alphabetic() || first == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_'))
    .then(|| s.to_owned())
}

/// Renders the value to what goes on stdout.
pub fn render(v: &Val, format: OutputFormat) -> String {
    let mut out = String::new();
    match format {
        OutputFormat::Json => {
            // The AWS CLI prints nothing for an empty response object.
            if *v != Val::Object(Vec::new()) {
                json(v, 0, &mut out);
                out.push('\n');
            }
        }
        OutputFormat::Text => text(v, &mut out),
    }
    out
}

fn json_string(s: &str, out: &mut String) {
    // Strings always serialize; the fallback is never taken.
    out.push_str(&serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_owned()));
}

fn indent(level: usize, out: &mut String) {
    for _ in 0..level {
        out.push_str("    ");
    }
}

fn json(v: &Val, level: usize, out: &mut String) {
    match v {
        Val::Null => out.push_str("null"),
        Val::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Val::Num(n) => out.push_str(n),
        Val::Str(s) => json_string(s, out),
        Val::List(items) if items.is_empty() => out.push_str("[]"),
        Val::Object(members) if members.is_empty() => out.push_str("{}"),
        Val::List(items) => {
            out.push_str("[\n");
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(",\n");
                }
                indent(level + 1, out);
                json(item, level + 1, out);
            }
            out.push('\n');
            indent(level, out);
            out.push(']');
        }
        Val::Object(members) => {
            out.push_str("{\n");
            for (i, (k, item)) in members.iter().enumerate() {
                if i > 0 {
                    out.push_str(",\n");
                }
                indent(level + 1, out);
                json_string(k, out);
                out.push_str(": ");
                json(item, level + 1, out);
            }
            out.push('\n');
            indent(level, out);
            out.push('}');
        }
    }
}

fn scalar(v: &Val) -> Option<&str> {
    match v {
        Val::Null => Some("None"),
        // Python's str() of a bool, as the AWS CLI's text output prints it.
        Val::Bool(true) => Some("True"),
        Val::Bool(false) => Some("False"),
        Val::Num(n) => Some(n),
        Val::Str(s) => Some(s),
        _ => None,
    }
}

/// The AWS CLI's text format for the shapes here: a scalar on its own line; an object's scalar
/// members on one line, tab-separated, in key order; a list of scalars on one line.
fn text(v: &Val, out: &mut String) {
    match v {
        Val::Null | Val::Bool(_) | Val::Num(_) | Val::Str(_) => {
            out.push_str(scalar(v).unwrap_or_default());
            out.push('\n');
        }
        Val::List(items) => {
            let scalars: Vec<&str> = items.iter().filter_map(scalar).collect();
            if !scalars.is_empty() {
                out.push_str(&scalars.join("\t"));
                out.push('\n');
            }
        }
        Val::Object(members) => {
            let mut sorted: Vec<&(String, Val)> = members.iter().collect();
            sorted.sort_by(|a, b| a.0.cmp(&b.0));
            let scalars: Vec<&str> = sorted.iter().filter_map(|(_, v)| scalar(v)).collect();
            if !scalars.is_empty() {
                out.push_str(&scalars.join("\t"));
                out.push('\n');
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obj(pairs: &[(&str, &str)]) -> Val {
        Val::Object(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), Val::Str(v.to_string())))
                .collect(),
        )
    }

    #[test]
    fn json_is_four_space_indented() {
        let v = obj(&[("KeyId", "k\"1"), ("SourceKeyId", "é")]);
        assert_eq!(
            render(&v, OutputFormat::Json),
            "{\n    \"KeyId\": \"k\\\"1\",\n    \"SourceKeyId\": \"é\"\n}\n"
        );
        assert_eq!(render(&Val::Object(vec![]), OutputFormat::Json), "");
        assert_eq!(render(&Val::Null, OutputFormat::Json), "null\n");
        assert_eq!(
            render(
                &Val::List(vec![Val::Str("a".into()), Val::Null]),
                OutputFormat::Json
            ),
            "[\n    \"a\",\n    null\n]\n"
        );
    }

    #[test]
    fn text_sorts_keys() {
        let v = obj(&[
            ("SourceKeyId", "s"),
            ("KeyId", "k"),
            ("CiphertextBlob", "b"),
        ]);
        assert_eq!(render(&v, OutputFormat::Text), "b\tk\ts\n");
        assert_eq!(render(&Val::Null, OutputFormat::Text), "None\n");
    }

    #[test]
    fn responses_keep_the_serialization_order() {
        #[derive(serde::Serialize)]
        #[serde(rename_all = "PascalCase")]
        struct R {
            zeta: &'static str,
            alpha: Option<u32>,
            #[serde(skip_serializing_if = "Option::is_none")]
            absent: Option<String>,
            flag: bool,
            list: Vec<&'static str>,
        }
        let v = Val::from_response(&R {
            zeta: "z",
            alpha: None,
            absent: None,
            flag: true,
            list: vec!["a"],
        })
        .unwrap();
        assert_eq!(
            render(&v, OutputFormat::Json),
            "{\n    \"Zeta\": \"z\",\n    \"Alpha\": null,\n    \"Flag\": true,\n    \"List\": [\n        \"a\"\n    ]\n}\n"
        );
        assert_eq!(render(&v, OutputFormat::Text), "None\tTrue\tz\n");
    }

    #[test]
    fn queries() {
        let v = obj(&[("KeyId", "k"), ("CiphertextBlob", "b")]);
        assert_eq!(
            Query::parse("CiphertextBlob").unwrap().search(&v),
            Val::Str("b".into())
        );
        assert_eq!(
            Query::parse("\"KeyId\"").unwrap().search(&v),
            Val::Str("k".into())
        );
        assert_eq!(Query::parse("Nope").unwrap().search(&v), Val::Null);
        assert_eq!(
            Query::parse("[KeyId, CiphertextBlob]").unwrap().search(&v),
            Val::List(vec![Val::Str("k".into()), Val::Str("b".into())])
        );
        assert!(Query::parse("KeyId.foo").is_err());
        assert!(Query::parse("").is_err());
        assert!(Query::parse("[]").is_err());
    }
}
