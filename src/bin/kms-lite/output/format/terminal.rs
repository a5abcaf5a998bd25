//! Output for a terminal. A response's strings come from the server, and a hostile or spoofed
//! endpoint can put terminal escapes in them (a `KeyId` holding `ESC ] 52` writes the
//! clipboard; CR and `ESC [ 2J` hide or fake lines; a right-to-left override reorders what is
//! shown). The AWS CLI prints them raw. When stdout is a terminal, kms-lite shows every
//! character that [`escape_controls`] escapes in errors (C0 and C1 controls, DEL, the
//! bidirectional controls, the line and paragraph separators) as an escape instead:
//! - `json`: as a JSON `\uXXXX` escape, so the document still reads back to the same value;
//! - `yaml`, `yaml-stream`: in a double-quoted scalar with YAML's escapes, the same value too;
//! - `text`, `table`: as [`escape_controls`] shows it (`\u{1b}`), since these formats have no
//!   escapes of their own.
//!
//! To a pipe or a file the output is the AWS CLI's, byte for byte: a program reading it gets
//! the service's data (as `ls` escapes names only on a terminal).

use std::borrow::Cow;

use kms_lite::error::escape_controls;

use crate::output::Val;

/// Whether `c` would act on a terminal rather than show (see the module documentation).
pub fn acts(c: char) -> bool {
    matches!(escape_controls(c.encode_utf8(&mut [0; 4])), Cow::Owned(_))
}

/// Pretty JSON for a terminal: what [`acts`] escaped as `\uXXXX`. The JSON writer already
/// escapes the C0 controls, so the only such characters left outside strings are its own line
/// breaks, which stay.
pub fn json(text: String) -> String {
    if !text.chars().any(|c| c != '\n' && acts(c)) {
        return text;
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if c != '\n' && acts(c) {
            let mut units = [0u16; 2];
            for u in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{u:04x}"));
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// `value` with every string and key escaped for a terminal (for the formats without escapes);
/// `None` when nothing needed it. The caller wipes the copy (it may hold a plaintext).
pub fn escaped(value: &Val) -> Option<Val> {
    fn needs(v: &Val) -> bool {
        match v {
            Val::Str(s) => s.chars().any(acts),
            Val::List(items) => items.iter().any(needs),
            Val::Object(members) => members.iter().any(|(k, v)| k.chars().any(acts) || needs(v)),
            _ => false,
        }
    }
    fn copy(v: &Val) -> Val {
        match v {
            Val::Str(s) => Val::Str(escape_controls(s).into_owned()),
            Val::List(items) => Val::List(items.iter().map(copy).collect()),
            Val::Object(members) => Val::Object(
                members
                    .iter()
                    .map(|(k, v)| (escape_controls(k).into_owned(), copy(v)))
                    .collect(),
            ),
            other => other.clone(),
        }
    }
    needs(value).then(|| copy(value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_acts_on_a_terminal() {
        for c in [
            '\u{1b}', '\u{7}', '\r', '\t', '\u{7f}', '\u{9b}', '\u{202e}', '\u{2028}',
        ] {
            assert!(acts(c), "{c:?}");
        }
        for c in ['a', ' ', 'é', '\u{1f600}', '\u{a0}'] {
            assert!(!acts(c), "{c:?}");
        }
    }

    #[test]
    fn json_keeps_its_line_breaks_and_escapes_the_rest() {
        assert_eq!(
            json("{\n    \"k\": \"a\u{9b}2J\u{202e}b\u{7f}\"\n}\n".into()),
            "{\n    \"k\": \"a\\u009b2J\\u202eb\\u007f\"\n}\n"
        );
        assert_eq!(json("\"plain é\"\n".into()), "\"plain é\"\n");
    }

    #[test]
    fn strings_and_keys_are_escaped_in_a_copy() {
        let v = Val::Object(vec![(
            "K\u{1b}".into(),
            Val::List(vec![Val::Str("a\rb".into()), Val::Null]),
        )]);
        assert_eq!(
            escaped(&v),
            Some(Val::Object(vec![(
                "K\\u{1b}".into(),
                Val::List(vec![Val::Str("a\\rb".into()), Val::Null]),
            )]))
        );
        assert_eq!(escaped(&Val::Str("clean".into())), None);
    }
}
