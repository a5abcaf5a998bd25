//! `--output json`: Python's `json.dump(value, indent=4, ensure_ascii=False)` and a newline;
//! nothing at all for an empty object (an operation without output).

use super::float_repr;
use crate::output::{Number, Val};

pub fn render(v: &Val) -> String {
    let mut out = String::new();
    if *v != Val::Object(Vec::new()) {
        value(v, 0, &mut out);
        out.push('\n');
    }
    out
}

/// A JSON string as Python writes it with `ensure_ascii=False`: only `"`, `\` and the C0
/// controls are escaped (`\n`, `\r`, `\t`, `\b`, `\f`, else `\u00XX`).
pub fn string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// A number as Python's `json` writes it (`allow_nan`: `NaN`, `Infinity`).
pub fn number(n: Number, out: &mut String) {
    match n {
        Number::Int(i) => out.push_str(&i.to_string()),
        Number::Float(f) if f.is_nan() => out.push_str("NaN"),
        Number::Float(f) if f.is_infinite() => {
            out.push_str(if f > 0.0 { "Infinity" } else { "-Infinity" })
        }
        Number::Float(f) => out.push_str(&float_repr(f)),
    }
}

fn indent(level: usize, out: &mut String) {
    for _ in 0..level {
        out.push_str("    ");
    }
}

fn value(v: &Val, level: usize, out: &mut String) {
    match v {
        Val::Null => out.push_str("null"),
        Val::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Val::Num(n) => number(*n, out),
        Val::Str(s) => string(s, out),
        Val::List(items) if items.is_empty() => out.push_str("[]"),
        Val::Object(members) if members.is_empty() => out.push_str("{}"),
        Val::List(items) => {
            out.push_str("[\n");
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(",\n");
                }
                indent(level + 1, out);
                value(item, level + 1, out);
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
                string(k, out);
                out.push_str(": ");
                value(item, level + 1, out);
            }
            out.push('\n');
            indent(level, out);
            out.push('}');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> Val {
        Val::Str(v.into())
    }

    #[test]
    fn four_space_indent_model_order_and_python_escapes() {
        let v = Val::Object(vec![
            ("KeyId".into(), s("k\"1\\")),
            ("SourceKeyId".into(), s("\u{e9}\n\u{1}\u{7f}\u{2028}")),
            ("Empty".into(), Val::List(vec![])),
            ("Nested".into(), Val::Object(vec![("A".into(), Val::Null)])),
            (
                "L".into(),
                Val::List(vec![
                    Val::Bool(true),
                    Val::Num(Number::Int(-1)),
                    Val::Num(Number::Float(2.0)),
                    Val::Num(Number::Float(f64::INFINITY)),
                ]),
            ),
        ]);
        assert_eq!(
            render(&v),
            "{\n    \"KeyId\": \"k\\\"1\\\\\",\n    \"SourceKeyId\": \"\u{e9}\\n\\u0001\u{7f}\u{2028}\",\n    \"Empty\": [],\n    \"Nested\": {\n        \"A\": null\n    },\n    \"L\": [\n        true,\n        -1,\n        2.0,\n        Infinity\n    ]\n}\n"
        );
    }

    #[test]
    fn an_empty_object_prints_nothing_but_other_empty_values_print() {
        assert_eq!(render(&Val::Object(vec![])), "");
        assert_eq!(render(&Val::Null), "null\n");
        assert_eq!(render(&s("")), "\"\"\n");
        assert_eq!(render(&Val::List(vec![])), "[]\n");
        assert_eq!(render(&Val::Num(Number::Int(0))), "0\n");
    }
}
