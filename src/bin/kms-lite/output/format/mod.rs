//! The AWS CLI v2's output formats, each in its own module, and the Python spellings of
//! values they share (the CLI is Python: `str(True)` is `True`, `str(None)` is `None`).

mod json;
mod table;
mod terminal;
mod text;
mod width;
mod yaml;

use super::{Number, Val};
use crate::args::OutputFormat;

pub use json::compact as json_compact;

/// What goes on stdout for `value` in `format`; `operation` titles a table. With `terminal`
/// (stdout is one), what would act on it is escaped (see [`terminal`]). An error for a shape
/// the format cannot show (the AWS CLI fails on the same shapes).
pub fn render(
    value: &Val,
    format: OutputFormat,
    operation: &str,
    terminal: bool,
) -> Result<String, String> {
    if terminal && matches!(format, OutputFormat::Text | OutputFormat::Table) {
        if let Some(mut escaped) = terminal::escaped(value) {
            let text = render(&escaped, format, operation, false);
            escaped.wipe();
            return text;
        }
    }
    Ok(match format {
        OutputFormat::Json if terminal => terminal::json(json::render(value)),
        OutputFormat::Json => json::render(value),
        OutputFormat::Text => text::render(value)?,
        OutputFormat::Table => table::render(value, operation)?,
        OutputFormat::Yaml => yaml::render(value, terminal),
        OutputFormat::YamlStream => yaml::render_stream(value, terminal),
        OutputFormat::Off => String::new(),
    })
}

/// Python's `repr()` of a float: the shortest digits that read back to it, in fixed notation
/// for exponents from -4 to 15 (always with a fraction: `1.0`), else scientific with a signed
/// two-digit-or-more exponent (`1e+16`, `1.5e-07`).
pub fn float_repr(f: f64) -> String {
    if f.is_nan() {
        return "nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "inf" } else { "-inf" }.into();
    }
    // `{:e}` gives the shortest round-trip digits: "-1.2345e-7".
    let sci = format!("{:e}", f);
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let negative = mantissa.starts_with('-');
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let mut out = String::new();
    if negative {
        out.push('-');
    }
    if (-4..16).contains(&exp) {
        if exp < 0 {
            out.push_str("0.");
            out.extend(std::iter::repeat_n('0', (-exp - 1) as usize));
            out.push_str(&digits);
        } else {
            let int_len = exp as usize + 1;
            if digits.len() <= int_len {
                out.push_str(&digits);
                out.extend(std::iter::repeat_n('0', int_len - digits.len()));
                out.push_str(".0");
            } else {
                out.push_str(&digits[..int_len]);
                out.push('.');
                out.push_str(&digits[int_len..]);
            }
        }
    } else {
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        out.push_str(&format!(
            "e{}{:02}",
            if exp < 0 { '-' } else { '+' },
            exp.abs()
        ));
    }
    out
}

/// Python's `str()` of a number.
pub fn number_str(n: Number) -> String {
    match n {
        Number::Int(i) => i.to_string(),
        Number::Float(f) => float_repr(f),
    }
}

/// Python's `str()` of a value, as the text and table formats print a cell: a string as is,
/// `None`, `True`, a list or an object as Python's `repr()` (`['a', 1]`, `{'k': None}`).
pub fn py_str(v: &Val) -> String {
    match v {
        Val::Str(s) => s.clone(),
        _ => {
            let mut out = String::new();
            py_repr(v, &mut out);
            out
        }
    }
}

fn py_repr(v: &Val, out: &mut String) {
    match v {
        Val::Null => out.push_str("None"),
        Val::Bool(true) => out.push_str("True"),
        Val::Bool(false) => out.push_str("False"),
        Val::Num(n) => out.push_str(&number_str(*n)),
        Val::Str(s) => py_repr_str(s, out),
        Val::List(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                py_repr(item, out);
            }
            out.push(']');
        }
        Val::Object(members) => {
            out.push('{');
            for (i, (k, item)) in members.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                py_repr_str(k, out);
                out.push_str(": ");
                py_repr(item, out);
            }
            out.push('}');
        }
    }
}

/// Python's `repr()` of a string: single quotes unless the string holds a single quote and
/// no double quote; backslash escapes for the quote, `\\`, `\t`, `\n`, `\r` and characters
/// Python does not print.
fn py_repr_str(s: &str, out: &mut String) {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if !py_printable(c) => {
                let n = c as u32;
                if n < 0x100 {
                    out.push_str(&format!("\\x{n:02x}"));
                } else if n < 0x10000 {
                    out.push_str(&format!("\\u{n:04x}"));
                } else {
                    out.push_str(&format!("\\U{n:08x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push(quote);
}

/// Python's `str.isprintable()` for one character, for the characters a KMS response or a
/// query can plausibly hold: not the controls, the separators other than the ASCII space,
/// the format characters, private use and the noncharacters. (Unassigned code points count
/// as printable here; Python escapes them.)
fn py_printable(c: char) -> bool {
    let n = c as u32;
    !matches!(n,
        0x00..=0x1F | 0x7F..=0xA0 | 0xAD
        | 0x600..=0x605 | 0x61C | 0x6DD | 0x70F | 0x890..=0x891 | 0x8E2 | 0x1680 | 0x180E
        | 0x2000..=0x200F | 0x2028..=0x202F | 0x205F..=0x2064 | 0x2066..=0x206F | 0x3000
        | 0xD800..=0xF8FF | 0xFEFF | 0xFFF9..=0xFFFB | 0xFFFE..=0xFFFF
        | 0x110BD | 0x110CD | 0x13430..=0x1343F | 0x1BCA0..=0x1BCA3 | 0x1D173..=0x1D17A
        | 0xE0001 | 0xE0020..=0xE007F | 0xF0000..=0x10FFFF)
}

#[cfg(test)]
pub mod tests {
    use super::*;

    pub fn s(v: &str) -> Val {
        Val::Str(v.into())
    }

    pub fn obj(members: &[(&str, Val)]) -> Val {
        Val::Object(
            members
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
        )
    }

    #[test]
    fn floats_print_as_python_repr() {
        for (f, want) in [
            (1.0, "1.0"),
            (-0.0, "-0.0"),
            (0.0, "0.0"),
            (1.5, "1.5"),
            (0.1, "0.1"),
            (1e16, "1e+16"),
            (1e15, "1000000000000000.0"),
            (123456789012345678.0, "1.2345678901234568e+17"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (1.5e-7, "1.5e-07"),
            (-2.5e100, "-2.5e+100"),
            (1e22, "1e+22"),
            (f64::INFINITY, "inf"),
            (f64::NEG_INFINITY, "-inf"),
            (f64::NAN, "nan"),
            (12.34, "12.34"),
        ] {
            assert_eq!(float_repr(f), want, "{f:e}");
        }
    }

    #[test]
    fn python_str_and_repr() {
        let v = Val::List(vec![
            Val::Str("it's".into()),
            Val::Str("a'b\"c".into()),
            Val::Str("tab\there\\ \u{7f} \u{e9} \u{2028} \u{1f600}".into()),
            Val::Null,
            Val::Bool(true),
            Val::Num(Number::Int(-3)),
            Val::Num(Number::Float(2.0)),
            Val::Object(vec![("k".into(), Val::List(vec![]))]),
        ]);
        assert_eq!(
            py_str(&v),
            "[\"it's\", 'a\\'b\"c', 'tab\\there\\\\ \\x7f \u{e9} \\u2028 \u{1f600}', None, True, -3, 2.0, {'k': []}]"
        );
        assert_eq!(py_str(&Val::Str("as is".into())), "as is");
        assert_eq!(py_str(&Val::Bool(false)), "False");
    }
}
