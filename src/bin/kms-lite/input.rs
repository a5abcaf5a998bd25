//! Turning option values into request members: blobs (`fileb://`, `file://`, `-`, base64 text)
//! and string maps (shorthand, JSON, `file://`). Errors name the option and an offset, never
//! the value itself.

use std::collections::BTreeMap;
use std::io::Read;

/// The most read from any file or stdin. KMS takes at most 6144 bytes of ciphertext; the
/// library reports the exact limit, this only keeps a wrong file from filling memory.
const READ_CAP: u64 = 1 << 20;

/// How a blob given as text is read (`--cli-binary-format`, the profile's `cli_binary_format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BinaryFormat {
    /// The text is base64 (the AWS CLI v2's default).
    #[default]
    Base64,
    /// The text's own bytes, its UTF-8 (`raw-in-base64-out`).
    Raw,
}

impl BinaryFormat {
    pub fn parse(s: &str) -> Option<BinaryFormat> {
        match s {
            "base64" => Some(BinaryFormat::Base64),
            "raw-in-base64-out" => Some(BinaryFormat::Raw),
            _ => None,
        }
    }
}

/// A parameter value that cannot be used: printed as `Error parsing parameter '--x': ...`,
/// exit 252.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParamError {
    pub option: &'static str,
    pub message: String,
}

impl ParamError {
    pub fn new(option: &'static str, message: impl Into<String>) -> Self {
        ParamError {
            option,
            message: message.into(),
        }
    }
}

impl std::fmt::Display for ParamError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Error parsing parameter '{}': {}",
            self.option, self.message
        )
    }
}

/// Reads at most [`READ_CAP`] bytes; more is an error.
fn read_capped(option: &'static str, what: &str, r: impl Read) -> Result<Vec<u8>, ParamError> {
    let mut buf = Vec::new();
    r.take(READ_CAP + 1)
        .read_to_end(&mut buf)
        .map_err(|e| ParamError::new(option, format!("Unable to read {what}: {e}")))?;
    if buf.len() as u64 > READ_CAP {
        return Err(ParamError::new(
            option,
            format!("{what} holds more than {READ_CAP} bytes"),
        ));
    }
    Ok(buf)
}

/// `fileb://PATH` or `file://PATH` for a message: the path's control characters escaped (a
/// script may build it from a hostile file name).
fn shown(prefix: &str, path: &str) -> String {
    format!("{prefix}{}", kms_lite::error::Escaped(path))
}

/// Reads a file named by `fileb://` or `file://`.
pub fn read_file(option: &'static str, prefix: &str, path: &str) -> Result<Vec<u8>, ParamError> {
    let shown = shown(prefix, path);
    let file = std::fs::File::open(path)
        .map_err(|e| ParamError::new(option, format!("Unable to load paramfile {shown}: {e}")))?;
    read_capped(option, &shown, file)
}

/// A blob option: `fileb://PATH` raw bytes, `-` raw bytes from stdin, `file://PATH` text from
/// a file, else the text itself. Text is base64, decoded strictly (in a file, line breaks are
/// allowed, as `base64` writes them), or with [`BinaryFormat::Raw`] the bytes themselves.
pub fn blob(
    option: &'static str,
    value: &str,
    stdin: impl Read,
    format: BinaryFormat,
) -> Result<Vec<u8>, ParamError> {
    if value == "-" {
        return read_capped(option, "stdin", stdin);
    }
    if let Some(path) = value.strip_prefix("fileb://") {
        return read_file(option, "fileb://", path);
    }
    if let Some(path) = value.strip_prefix("file://") {
        let text = read_file(option, "file://", path)?;
        if format == BinaryFormat::Raw {
            return Ok(text);
        }
        // Drop line breaks, remembering where each kept byte was, so an error names the offset
        // in the file.
        let (kept, at): (Vec<u8>, Vec<usize>) = text
            .iter()
            .enumerate()
            .filter(|(_, b)| !matches!(b, b'\n' | b'\r'))
            .map(|(i, b)| (*b, i))
            .unzip();
        return kms_lite::base64::decode(&kept).map_err(|e| {
            let offset = at.get(e.position).copied().unwrap_or(text.len());
            ParamError::new(
                option,
                format!(
                    "Invalid base64 in {} at offset {offset} of the file \
                     (line breaks removed: {e})",
                    shown("file://", path)
                ),
            )
        });
    }
    blob_text(option, "", value, format)
}

/// Blob text: base64 decoded strictly, or with [`BinaryFormat::Raw`] its own bytes. `what`
/// names where it came from in an error (` in CiphertextBlob`), or is empty.
pub fn blob_text(
    option: &'static str,
    what: &str,
    value: &str,
    format: BinaryFormat,
) -> Result<Vec<u8>, ParamError> {
    match format {
        BinaryFormat::Raw => Ok(value.as_bytes().to_vec()),
        BinaryFormat::Base64 => kms_lite::base64::decode(value.as_bytes())
            .map_err(|e| ParamError::new(option, format!("Invalid base64{what}: {e}"))),
    }
}

/// A map of strings (an encryption context, or a structure's members given as shorthand):
/// `k=v,k2=v2` shorthand, a JSON object of strings, or `file://PATH` holding either.
pub fn context(option: &'static str, value: &str) -> Result<BTreeMap<String, String>, ParamError> {
    if let Some(path) = value.strip_prefix("file://") {
        let bytes = read_file(option, "file://", path)?;
        let text = String::from_utf8(bytes).map_err(|e| {
            ParamError::new(
                option,
                format!(
                    "{} is not UTF-8 text (offset {})",
                    shown("file://", path),
                    e.utf8_error().valid_up_to()
                ),
            )
        })?;
        return context_text(option, &text);
    }
    context_text(option, value)
}

fn context_text(option: &'static str, value: &str) -> Result<BTreeMap<String, String>, ParamError> {
    let trimmed = value.trim();
    if trimmed.starts_with('{') || trimmed.starts_with('[') {
        return context_json(option, trimmed);
    }
    shorthand(value).map_err(|(offset, what)| {
        ParamError::new(
            option,
            format!("Invalid shorthand syntax at offset {offset}: {what} (expected key=value,key2=value2 or a JSON object)"),
        )
    })
}

fn context_json(option: &'static str, text: &str) -> Result<BTreeMap<String, String>, ParamError> {
    let v: serde_json::Value = serde_json::from_str(text).map_err(|e| {
        ParamError::new(
            option,
            format!("Invalid JSON at line {} column {}", e.line(), e.column()),
        )
    })?;
    let serde_json::Value::Object(map) = v else {
        return Err(ParamError::new(
            option,
            "expected a JSON object of strings, such as {\"purpose\":\"backup\"}",
        ));
    };
    map.into_iter()
        .map(|(k, v)| match v {
            serde_json::Value::String(s) => Ok((k, s)),
            _ => Err(ParamError::new(
                option,
                format!("the value of key {k:?} must be a string"),
            )),
        })
        .collect()
}

/// The AWS CLI shorthand for a map of strings: `key=value` pairs separated by commas. Spaces
/// around keys and unquoted values are dropped; a value may be quoted with `"` or `'` (then it
/// may hold commas; `\` escapes the quote or itself), and in an unquoted value `\,` is a comma
/// and `\\` a backslash. Values may contain `=`. Empty keys and repeated keys are errors.
fn shorthand(s: &str) -> Result<BTreeMap<String, String>, (usize, &'static str)> {
    let chars: Vec<(usize, char)> = s.char_indices().collect();
    let end = s.len();
    let at = |i: usize| chars.get(i).map_or(end, |(o, _)| *o);
    let mut map = BTreeMap::new();
    let mut i = 0;
    loop {
        while chars.get(i).is_some_and(|(_, c)| *c == ' ') {
            i += 1;
        }
        let key_start = i;
        while chars.get(i).is_some_and(|(_, c)| !matches!(c, '=' | ',')) {
            i += 1;
        }
        let key: String = chars[key_start..i].iter().map(|(_, c)| c).collect();
        let key = key.trim_end().to_owned();
        match chars.get(i) {
            Some((_, '=')) => {}
            _ => return Err((at(i), "expected '='")),
        }
        if key.is_empty() {
            return Err((at(key_start), "empty key"));
        }
        i += 1;
        while chars.get(i).is_some_and(|(_, c)| *c == ' ') {
            i += 1;
        }
        let mut value = String::new();
        match chars.get(i) {
            Some((_, q @ ('"' | '\''))) => {
                let q = *q;
                let open = i;
                i += 1;
                loop {
                    match chars.get(i) {
                        None => return Err((at(open), "unterminated quoted value")),
                        Some((_, '\\'))
                            if chars.get(i + 1).is_some_and(|(_, c)| *c == q || *c == '\\') =>
                        {
                            value.push(chars[i + 1].1);
                            i += 2;
                        }
                        Some((_, c)) if *c == q => {
                            i += 1;
                            break;
                        }
                        Some((_, c)) => {
                            value.push(*c);
                            i += 1;
                        }
                    }
                }
                while chars.get(i).is_some_and(|(_, c)| *c == ' ') {
                    i += 1;
                }
                if !matches!(chars.get(i), None | Some((_, ','))) {
                    return Err((at(i), "expected ',' after a quoted value"));
                }
            }
            _ => {
                loop {
                    match chars.get(i) {
                        None | Some((_, ',')) => break,
                        Some((_, '\\'))
                            if chars
                                .get(i + 1)
                                .is_some_and(|(_, c)| matches!(c, ',' | '\\')) =>
                        {
                            value.push(chars[i + 1].1);
                            i += 2;
                        }
                        Some((_, c)) => {
                            value.push(*c);
                            i += 1;
                        }
                    }
                }
                let trimmed = value.trim_end_matches(' ').len();
                value.truncate(trimmed);
            }
        }
        if map.insert(key, value).is_some() {
            return Err((at(key_start), "repeated key"));
        }
        match chars.get(i) {
            None => return Ok(map),
            Some(_) => i += 1, // the ','
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn shorthand_forms() {
        assert_eq!(shorthand("a=1,b=2"), Ok(ctx(&[("a", "1"), ("b", "2")])));
        assert_eq!(
            shorthand(" a = 1 , b=x=y"),
            Ok(ctx(&[("a", "1"), ("b", "x=y")]))
        );
        assert_eq!(
            shorthand("a=\"1,2\",b='it\\'s'"),
            Ok(ctx(&[("a", "1,2"), ("b", "it's")]))
        );
        assert_eq!(shorthand("a=1\\,2"), Ok(ctx(&[("a", "1,2")])));
        assert_eq!(shorthand("a="), Ok(ctx(&[("a", "")])));
        assert_eq!(shorthand("tenant=é"), Ok(ctx(&[("tenant", "é")])));
    }

    #[test]
    fn shorthand_errors() {
        assert_eq!(shorthand("a"), Err((1, "expected '='")));
        assert_eq!(shorthand("a=1,b"), Err((5, "expected '='")));
        assert_eq!(shorthand("a=1,,b=2"), Err((4, "expected '='")));
        assert_eq!(shorthand(""), Err((0, "expected '='")));
        assert_eq!(shorthand("=1"), Err((0, "empty key")));
        assert_eq!(shorthand("a=1,a=2"), Err((4, "repeated key")));
        assert_eq!(shorthand("a=\"1"), Err((2, "unterminated quoted value")));
        assert_eq!(
            shorthand("a=\"1\"x"),
            Err((5, "expected ',' after a quoted value"))
        );
    }

    #[test]
    fn json_contexts() {
        assert_eq!(
            context("--x", r#" {"a":"1","b":"2"} "#),
            Ok(ctx(&[("a", "1"), ("b", "2")]))
        );
        assert_eq!(context("--x", "{}"), Ok(ctx(&[])));
        assert!(
            context("--x", r#"{"a":1}"#)
                .unwrap_err()
                .message
                .contains("must be a string")
        );
        assert!(
            context("--x", "[1]")
                .unwrap_err()
                .message
                .contains("JSON object")
        );
        assert!(
            context("--x", "{\"a\"")
                .unwrap_err()
                .message
                .contains("Invalid JSON")
        );
    }

    #[test]
    fn blob_stdin_is_raw() {
        for format in [BinaryFormat::Base64, BinaryFormat::Raw] {
            assert_eq!(
                blob("--b", "-", &b"\x00\xff"[..], format),
                Ok(vec![0, 0xff])
            );
        }
    }

    #[test]
    fn blob_text_per_binary_format() {
        let none = &b""[..];
        assert_eq!(
            blob("--b", "AAE=", none, BinaryFormat::Base64),
            Ok(vec![0, 1])
        );
        assert_eq!(
            blob("--b", "AAE=", none, BinaryFormat::Raw),
            Ok(b"AAE=".to_vec())
        );
        assert_eq!(
            blob("--b", "é!", none, BinaryFormat::Raw),
            Ok("é!".as_bytes().to_vec())
        );
        let e = blob("--b", "AA-=", none, BinaryFormat::Base64).unwrap_err();
        assert!(e.message.starts_with("Invalid base64: "), "{e}");
        assert!(!e.message.contains("AA-="), "{e}");
    }
}
