//! Output as the AWS CLI writes it: JSON (`json.dump(indent=4, ensure_ascii=False)` plus a
//! newline, members in the service model's order) or text (scalars tab-separated, keys sorted),
//! after an optional `--query`.

use kms_lite::ReEncryptResponse;

use crate::args::OutputFormat;

/// A response value: the few shapes ReEncrypt and `--query` can produce.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Val {
    Null,
    Str(String),
    List(Vec<Val>),
    /// Members in the order they are printed as JSON.
    Object(Vec<(String, Val)>),
}

/// The response as the AWS CLI shows it: members in the model's order, the blob in base64,
/// absent members left out. `omit_blob` leaves out `CiphertextBlob` (written elsewhere).
pub fn response_value(resp: &ReEncryptResponse, omit_blob: bool) -> Val {
    let mut members = Vec::new();
    let mut put = |name: &str, v: Option<String>| {
        if let Some(v) = v {
            members.push((name.to_owned(), Val::Str(v)));
        }
    };
    if !omit_blob {
        put(
            "CiphertextBlob",
            resp.ciphertext_blob
                .as_deref()
                .map(kms_lite::base64::encode),
        );
    }
    put("SourceKeyId", resp.source_key_id.clone());
    put("KeyId", resp.key_id.clone());
    put(
        "SourceEncryptionAlgorithm",
        resp.source_encryption_algorithm
            .as_ref()
            .map(|a| a.as_str().to_owned()),
    );
    put(
        "DestinationEncryptionAlgorithm",
        resp.destination_encryption_algorithm
            .as_ref()
            .map(|a| a.as_str().to_owned()),
    );
    put("SourceKeyMaterialId", resp.source_key_material_id.clone());
    put(
        "DestinationKeyMaterialId",
        resp.destination_key_material_id.clone(),
    );
    Val::Object(members)
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
        Val::Str(s) => Some(s),
        _ => None,
    }
}

/// The AWS CLI's text format for the shapes here: a scalar on its own line; an object's scalar
/// members on one line, tab-separated, in key order; a list of scalars on one line.
fn text(v: &Val, out: &mut String) {
    match v {
        Val::Null | Val::Str(_) => {
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
