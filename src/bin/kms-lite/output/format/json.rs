//! `--output json`: Python's `json.dump(value, indent=4, ensure_ascii=False)` and a newline;
//! nothing at all for an empty object (an operation without output). Also the compact form
//! of `json.dumps(value, separators=(',', ':'))` that JMESPath's `to_string` gives.

use super::float_repr;
use crate::output::{Number, Val};

pub fn render(v: &Val) -> String {
    let mut out = String::new();
    if *v != Val::Object(Vec::new()) {
        value(v, Some(0), &mut out);
        out.push('\n');
    }
    out
}

/// One line, no spaces, non-ASCII characters escaped (`\u00e9`, surrogate pairs beyond the
/// Basic Multilingual Plane): Python's `json.dumps` defaults with compact separators.
pub fn compact(v: &Val) -> String {
    let mut out = String::new();
    value(v, None, &mut out);
    out
}

/// A JSON string as Python writes it: `"`, `\` and the C0 controls escaped (`\n`, `\r`, `\t`,
/// `\b`, `\f`, else `\u00XX`), and with `ascii` everything beyond `~` too.
fn string(s: &str, ascii: bool, out: &mut String) {
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
            c if (c as u32) < 0x20 || (ascii && (c as u32) > 0x7E) => {
                let mut units = [0u16; 2];
                for u in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{u:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// A number as Python's `json` writes it (`allow_nan`: `NaN`, `Infinity`).
fn number(n: Number, out: &mut String) {
    match n {
        Number::Int(i) => out.push_str(&i.to_string()),
        Number::Float(f) if f.is_nan() => out.push_str("NaN"),
        Number::Float(f) if f.is_infinite() => {
            out.push_str(if f > 0.0 { "Infinity" } else { "-Infinity" })
        }
        Number::Float(f) => out.push_str(&float_repr(f)),
    }
}

/// `level`: the indentation level of a pretty value (four spaces each), `None` for compact.
fn value(v: &Val, level: Option<usize>, out: &mut String) {
    let newline = |level: usize, out: &mut String| {
        out.push('\n');
        for _ in 0..level {
            out.push_str("    ");
        }
    };
    let inner = level.map(|l| l + 1);
    match v {
        Val::Null => out.push_str("null"),
        Val::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Val::Num(n) => number(*n, out),
        Val::Str(s) => string(s, level.is_none(), out),
        Val::List(items) if items.is_empty() => out.push_str("[]"),
        Val::Object(members) if members.is_empty() => out.push_str("{}"),
        Val::List(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                if let Some(l) = inner {
                    newline(l, out);
                }
                value(item, inner, out);
            }
            if let Some(l) = level {
                newline(l, out);
            }
            out.push(']');
        }
        Val::Object(members) => {
            out.push('{');
            for (i, (k, item)) in members.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                if let Some(l) = inner {
                    newline(l, out);
                }
                string(k, level.is_none(), out);
                out.push_str(if level.is_some() { ": " } else { ":" });
                value(item, inner, out);
            }
            if let Some(l) = level {
                newline(l, out);
            }
            out.push('}');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{obj, s};
    use super::*;

    #[test]
    fn four_space_indent_model_order_and_python_escapes() {
        let v = obj(&[
            ("KeyId", s("k\"1\\")),
            ("SourceKeyId", s("\u{e9}\n\u{1}\u{7f}\u{2028}")),
            ("Empty", Val::List(vec![])),
            ("Nested", obj(&[("A", Val::Null)])),
            (
                "L",
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
        assert_eq!(
            compact(&v),
            "{\"KeyId\":\"k\\\"1\\\\\",\"SourceKeyId\":\"\\u00e9\\n\\u0001\\u007f\\u2028\",\"Empty\":[],\"Nested\":{\"A\":null},\"L\":[true,-1,2.0,Infinity]}"
        );
        assert_eq!(compact(&s("\u{1f600}")), "\"\\ud83d\\ude00\"");
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
