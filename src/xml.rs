//! A tiny, strict-enough XML reader for the few fields kms-lite needs from AWS STS responses
//! (`AssumeRoleResponse`, `AssumeRoleWithWebIdentityResponse`, `ErrorResponse`).
//!
//! It is a real tokenizer, not a substring search: the whole document must be well formed
//! (one root element, matching start and end tags, terminated comments, CDATA sections and
//! processing instructions, valid entity references) before any field is read, so a truncated or
//! spliced response is an error rather than a half-read credential. It is also bounded: documents
//! over [`MAX_DOCUMENT_BYTES`] and nesting deeper than [`MAX_DEPTH`] are refused, nothing recurses,
//! and no input makes it panic.
//!
//! Supported: an optional BOM, the XML declaration and other processing instructions, comments,
//! CDATA sections, attributes (checked for syntax, then ignored, so `xmlns` declarations do not
//! matter), namespace prefixes on element names (lookups match the local name after the last
//! `:`), the five predefined entities and decimal/hexadecimal character references. Not
//! supported, by design: DTDs (`<!DOCTYPE ...>` is an error, so there is no entity expansion).
//!
//! Error messages name elements and byte offsets, never text content: the text of these documents
//! is credentials.

use std::fmt;
use std::time::SystemTime;

use crate::timestamp::parse_rfc3339;

/// The largest document accepted, in bytes (1 MiB; real STS responses are a few KiB).
pub const MAX_DOCUMENT_BYTES: usize = 1 << 20;

/// The deepest element nesting accepted (STS responses nest four levels).
pub const MAX_DEPTH: usize = 64;

/// Why a document could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum XmlError {
    /// The document is larger than [`MAX_DOCUMENT_BYTES`].
    TooLarge {
        /// The document's length in bytes.
        len: usize,
    },
    /// Elements nest deeper than [`MAX_DEPTH`].
    TooDeep {
        /// Byte offset of the start tag that went too deep.
        offset: usize,
    },
    /// The document is not well-formed XML.
    Syntax {
        /// Byte offset where the problem was found.
        offset: usize,
        /// What is wrong.
        problem: &'static str,
    },
    /// An end tag does not match the open element.
    MismatchedTag {
        /// Byte offset of the end tag.
        offset: usize,
        /// The name of the element that is open.
        expected: String,
        /// The name in the end tag.
        found: String,
    },
    /// The document ends inside an element (it was truncated).
    UnexpectedEnd {
        /// The innermost element left open, if any.
        open: Option<String>,
    },
    /// A required element is absent or empty.
    MissingElement {
        /// Its path from the root, joined with `/`.
        path: String,
    },
    /// A timestamp element does not hold an RFC 3339 timestamp.
    InvalidTimestamp {
        /// Its path from the root, joined with `/`.
        path: String,
    },
    /// The document is an STS `ErrorResponse` rather than the expected result.
    ErrorResponse {
        /// The error code, e.g. `AccessDenied`.
        code: String,
        /// The error message (may be empty).
        message: String,
    },
}

/// The server's text (an STS error's code and message, element names) is shown
/// [`Escaped`](crate::error::Escaped).
impl fmt::Display for XmlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", crate::error::Escaped(Unescaped(self)))
    }
}

/// An [`XmlError`]'s words as they are.
struct Unescaped<'a>(&'a XmlError);

impl fmt::Display for Unescaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            XmlError::TooLarge { len } => write!(
                f,
                "XML document too large: {len} bytes (limit {MAX_DOCUMENT_BYTES})"
            ),
            XmlError::TooDeep { offset } => write!(
                f,
                "XML elements nested deeper than {MAX_DEPTH} levels at byte {offset}"
            ),
            XmlError::Syntax { offset, problem } => {
                write!(f, "malformed XML at byte {offset}: {problem}")
            }
            XmlError::MismatchedTag {
                offset,
                expected,
                found,
            } => write!(
                f,
                "malformed XML at byte {offset}: end tag `</{found}>` does not match open element `<{expected}>`"
            ),
            XmlError::UnexpectedEnd { open: Some(open) } => write!(
                f,
                "XML document ends inside element `<{open}>` (truncated response?)"
            ),
            XmlError::UnexpectedEnd { open: None } => {
                write!(f, "XML document has no root element")
            }
            XmlError::MissingElement { path } => {
                write!(f, "XML response lacks element `{path}` (or it is empty)")
            }
            XmlError::InvalidTimestamp { path } => {
                write!(f, "XML element `{path}` is not an RFC 3339 timestamp")
            }
            XmlError::ErrorResponse { code, message } if message.is_empty() => {
                write!(f, "STS returned an error: {code}")
            }
            XmlError::ErrorResponse { code, message } => {
                write!(f, "STS returned an error: {code}: {message}")
            }
        }
    }
}

impl std::error::Error for XmlError {}

/// The text content of the element at `path` (element names from the root down), or `None` when
/// there is no such element. The first matching element wins at each level.
///
/// The whole document is checked first (see the module documentation), so an error means the
/// document is unusable, not that the element is missing. Entities and character references are
/// decoded and CDATA sections included; the text is returned untrimmed. For an element with child
/// elements only its own text is returned, and text that is only whitespace between children
/// counts as nothing.
///
/// ```
/// use kms_lite::__private::xml::find_text;
/// let doc = r#"<?xml version="1.0"?><A xmlns="urn:x"><B><C>1 &lt; 2</C></B></A>"#;
/// assert_eq!(find_text(doc, &["A", "B", "C"]).unwrap().as_deref(), Some("1 < 2"));
/// assert_eq!(find_text(doc, &["A", "D"]).unwrap(), None);
/// assert!(find_text("<A><B></A>", &["A"]).is_err());
/// ```
pub fn find_text(doc: &str, path: &[&str]) -> Result<Option<String>, XmlError> {
    let root = parse(doc)?;
    Ok(root.find(path).map(|e| e.text.clone()))
}

/// Temporary credentials read from an STS `AssumeRole`-style response.
///
/// `Debug` shows the access key id and expiry but redacts the secret and the session token.
#[derive(Clone, PartialEq, Eq)]
pub struct StsCredentials {
    /// `Credentials/AccessKeyId`.
    pub access_key_id: String,
    /// `Credentials/SecretAccessKey`. Never log it.
    pub secret_access_key: String,
    /// `Credentials/SessionToken`. Never log it.
    pub session_token: String,
    /// `Credentials/Expiration`.
    pub expiration: SystemTime,
    /// `AssumedRoleUser/Arn`, when present.
    pub assumed_role_arn: Option<String>,
}

impl fmt::Debug for StsCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StsCredentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"** redacted **")
            .field("session_token", &"** redacted **")
            .field("expiration", &self.expiration)
            .field("assumed_role_arn", &self.assumed_role_arn)
            .finish()
    }
}

/// Reads the credentials from an STS response whose root element holds `result_element`
/// (`"AssumeRoleResult"` or `"AssumeRoleWithWebIdentityResult"`), which holds `Credentials` with
/// `AccessKeyId`, `SecretAccessKey`, `SessionToken` and `Expiration`.
///
/// Values are trimmed of surrounding whitespace; a missing or empty field is
/// [`XmlError::MissingElement`] naming its path, an `Expiration` that is not RFC 3339 is
/// [`XmlError::InvalidTimestamp`], and an `ErrorResponse` document is
/// [`XmlError::ErrorResponse`].
///
/// ```
/// use kms_lite::__private::xml::parse_sts_credentials;
/// let doc = "<AssumeRoleResponse><AssumeRoleResult><Credentials>\
///     <AccessKeyId>ASIAEXAMPLE</AccessKeyId><SecretAccessKey>SECRET1</SecretAccessKey>\
///     <SessionToken>TOKEN1</SessionToken><Expiration>2026-11-29T12:34:56Z</Expiration>\
///     </Credentials></AssumeRoleResult></AssumeRoleResponse>";
/// let creds = parse_sts_credentials(doc, "AssumeRoleResult").unwrap();
/// assert_eq!(creds.access_key_id, "ASIAEXAMPLE");
/// let shown = format!("{creds:?}");
/// assert!(shown.contains("ASIAEXAMPLE") && !shown.contains("SECRET1") && !shown.contains("TOKEN1"));
/// ```
pub fn parse_sts_credentials(doc: &str, result_element: &str) -> Result<StsCredentials, XmlError> {
    let root = parse(doc)?;
    if root.local_name() == "ErrorResponse" {
        if let Some((code, message)) = sts_error(&root) {
            return Err(XmlError::ErrorResponse { code, message });
        }
    }
    let root_name = root.local_name().to_string();
    let field = |names: &[&str]| -> Result<String, XmlError> {
        let value = root
            .find_below(names)
            .map(|e| e.text.trim())
            .filter(|t| !t.is_empty());
        match value {
            Some(v) => Ok(v.to_string()),
            None => Err(XmlError::MissingElement {
                path: join_path(&root_name, names),
            }),
        }
    };
    let access_key_id = field(&[result_element, "Credentials", "AccessKeyId"])?;
    let secret_access_key = field(&[result_element, "Credentials", "SecretAccessKey"])?;
    let session_token = field(&[result_element, "Credentials", "SessionToken"])?;
    let expiration_path = [result_element, "Credentials", "Expiration"];
    let expiration =
        parse_rfc3339(&field(&expiration_path)?).ok_or_else(|| XmlError::InvalidTimestamp {
            path: join_path(&root_name, &expiration_path),
        })?;
    let assumed_role_arn = field(&[result_element, "AssumedRoleUser", "Arn"]).ok();
    Ok(StsCredentials {
        access_key_id,
        secret_access_key,
        session_token,
        expiration,
        assumed_role_arn,
    })
}

/// The `(code, message)` of an STS XML error document
/// (`<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>...</Message>
/// </Error><RequestId>...</RequestId></ErrorResponse>`), both trimmed; the message is empty when
/// absent. `None` when the document is malformed, is not an `ErrorResponse`, or has no code.
///
/// ```
/// use kms_lite::__private::xml::parse_sts_error;
/// let doc = "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code>\
///     <Message>Not authorized</Message></Error><RequestId>r</RequestId></ErrorResponse>";
/// assert_eq!(
///     parse_sts_error(doc),
///     Some(("AccessDenied".to_string(), "Not authorized".to_string()))
/// );
/// assert_eq!(parse_sts_error("<html>Bad Gateway</html>"), None);
/// ```
pub fn parse_sts_error(doc: &str) -> Option<(String, String)> {
    let root = parse(doc).ok()?;
    if root.local_name() != "ErrorResponse" {
        return None;
    }
    sts_error(&root)
}

fn sts_error(root: &Element) -> Option<(String, String)> {
    let code = root.find_below(&["Error", "Code"])?.text.trim();
    if code.is_empty() {
        return None;
    }
    let message = root
        .find_below(&["Error", "Message"])
        .map(|e| e.text.trim())
        .unwrap_or("");
    Some((code.to_string(), message.to_string()))
}

fn join_path(root: &str, below: &[&str]) -> String {
    let mut path = root.to_string();
    for name in below {
        path.push('/');
        path.push_str(name);
    }
    path
}

/// One element: its name as written (with any prefix), its own text, and its children.
#[derive(Debug, Default)]
struct Element {
    name: String,
    text: String,
    children: Vec<Element>,
}

impl Element {
    /// The name without a namespace prefix.
    fn local_name(&self) -> &str {
        self.name.rsplit(':').next().unwrap_or(&self.name)
    }

    /// The element at `path`, whose first entry names this element.
    fn find(&self, path: &[&str]) -> Option<&Element> {
        let (first, rest) = path.split_first()?;
        if self.local_name() != *first {
            return None;
        }
        self.find_below(rest)
    }

    /// The descendant at `path`, whose first entry names a child (empty: this element).
    fn find_below(&self, path: &[&str]) -> Option<&Element> {
        let mut current = self;
        for name in path {
            current = current.children.iter().find(|c| c.local_name() == *name)?;
        }
        Some(current)
    }
}

fn syntax(offset: usize, problem: &'static str) -> XmlError {
    XmlError::Syntax { offset, problem }
}

/// Parses the whole document into its root element.
fn parse(doc: &str) -> Result<Element, XmlError> {
    if doc.len() > MAX_DOCUMENT_BYTES {
        return Err(XmlError::TooLarge { len: doc.len() });
    }
    let bytes = doc.as_bytes();
    let mut pos = if doc.starts_with('\u{feff}') { 3 } else { 0 };
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;

    while pos < bytes.len() {
        if bytes[pos] != b'<' {
            let end = find_byte(bytes, pos, b'<').unwrap_or(bytes.len());
            let raw = doc.get(pos..end).ok_or_else(|| syntax(pos, "bad text"))?;
            match stack.last_mut() {
                Some(open) => decode_into(&mut open.text, raw, pos)?,
                None => {
                    if !raw.trim_matches(is_xml_space).is_empty() {
                        return Err(syntax(pos, "text outside the root element"));
                    }
                }
            }
            pos = end;
            continue;
        }
        let rest = &bytes[pos..];
        if rest.starts_with(b"<?") {
            let end = find_seq(bytes, pos + 2, b"?>")
                .ok_or_else(|| syntax(pos, "unterminated processing instruction"))?;
            if end == pos + 2 {
                return Err(syntax(pos, "processing instruction without a target"));
            }
            pos = end + 2;
        } else if rest.starts_with(b"<!--") {
            let end = find_seq(bytes, pos + 4, b"-->")
                .ok_or_else(|| syntax(pos, "unterminated comment"))?;
            pos = end + 3;
        } else if rest.starts_with(b"<![CDATA[") {
            let start = pos + 9;
            let end = find_seq(bytes, start, b"]]>")
                .ok_or_else(|| syntax(pos, "unterminated CDATA section"))?;
            let open = stack
                .last_mut()
                .ok_or_else(|| syntax(pos, "CDATA section outside the root element"))?;
            let raw = doc
                .get(start..end)
                .ok_or_else(|| syntax(pos, "bad CDATA"))?;
            open.text.push_str(raw);
            pos = end + 3;
        } else if rest.starts_with(b"<!") {
            return Err(syntax(pos, "DTDs and declarations are not supported"));
        } else if rest.starts_with(b"</") {
            let (name, after) = read_name(doc, pos + 2)?;
            let after = skip_space(bytes, after);
            if bytes.get(after) != Some(&b'>') {
                return Err(if after >= bytes.len() {
                    XmlError::UnexpectedEnd {
                        open: stack.last().map(|e| e.name.clone()),
                    }
                } else {
                    syntax(after, "expected `>` to close an end tag")
                });
            }
            let mut element = stack
                .pop()
                .ok_or_else(|| syntax(pos, "end tag without a start tag"))?;
            if element.name != name {
                return Err(XmlError::MismatchedTag {
                    offset: pos,
                    expected: element.name,
                    found: name.to_string(),
                });
            }
            if !element.children.is_empty() && element.text.trim_matches(is_xml_space).is_empty() {
                element.text.clear();
            }
            close(element, &mut stack, &mut root, pos)?;
            pos = after + 1;
        } else {
            // A start tag or an empty-element tag.
            let (name, mut at) = read_name(doc, pos + 1)?;
            let empty = loop {
                let before = at;
                at = skip_space(bytes, at);
                match bytes.get(at) {
                    None => {
                        return Err(XmlError::UnexpectedEnd {
                            open: Some(name.to_string()),
                        });
                    }
                    Some(b'>') => break false,
                    Some(b'/') => {
                        if bytes.get(at + 1) == Some(&b'>') {
                            at += 1;
                            break true;
                        }
                        return Err(syntax(at, "expected `/>`"));
                    }
                    Some(_) => {
                        if at == before {
                            return Err(syntax(at, "expected whitespace before an attribute"));
                        }
                        at = read_attribute(doc, at)?;
                    }
                }
            };
            if root.is_some() {
                return Err(syntax(pos, "more than one root element"));
            }
            if stack.len() >= MAX_DEPTH {
                return Err(XmlError::TooDeep { offset: pos });
            }
            let element = Element {
                name: name.to_string(),
                ..Element::default()
            };
            if empty {
                close(element, &mut stack, &mut root, pos)?;
            } else {
                stack.push(element);
            }
            pos = at + 1;
        }
    }
    if let Some(open) = stack.last() {
        return Err(XmlError::UnexpectedEnd {
            open: Some(open.name.clone()),
        });
    }
    root.ok_or(XmlError::UnexpectedEnd { open: None })
}

/// Attaches a finished element to its parent, or makes it the root.
fn close(
    element: Element,
    stack: &mut [Element],
    root: &mut Option<Element>,
    pos: usize,
) -> Result<(), XmlError> {
    match stack.last_mut() {
        Some(parent) => parent.children.push(element),
        None if root.is_none() => *root = Some(element),
        None => return Err(syntax(pos, "more than one root element")),
    }
    Ok(())
}

fn is_xml_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

fn skip_space(bytes: &[u8], mut at: usize) -> usize {
    while matches!(bytes.get(at), Some(b' ' | b'\t' | b'\r' | b'\n')) {
        at += 1;
    }
    at
}

fn find_byte(bytes: &[u8], from: usize, want: u8) -> Option<usize> {
    bytes
        .get(from..)?
        .iter()
        .position(|&b| b == want)
        .map(|i| from + i)
}

fn find_seq(bytes: &[u8], from: usize, want: &[u8]) -> Option<usize> {
    bytes
        .get(from..)?
        .windows(want.len())
        .position(|w| w == want)
        .map(|i| from + i)
}

/// Reads an element or attribute name starting at `at`; returns it and the offset after it.
fn read_name(doc: &str, at: usize) -> Result<(&str, usize), XmlError> {
    let bytes = doc.as_bytes();
    let mut end = at;
    while let Some(&b) = bytes.get(end) {
        if matches!(
            b,
            b' ' | b'\t' | b'\r' | b'\n' | b'>' | b'/' | b'=' | b'<' | b'"' | b'\'' | b'&'
        ) {
            break;
        }
        end += 1;
    }
    if end >= bytes.len() {
        return Err(XmlError::UnexpectedEnd {
            open: doc.get(at..end).map(str::to_string),
        });
    }
    let name = doc.get(at..end).ok_or_else(|| syntax(at, "bad name"))?;
    match name.chars().next() {
        None => Err(syntax(at, "expected a name")),
        Some(c) if c.is_ascii_digit() || c == '-' || c == '.' || c == ':' => {
            Err(syntax(at, "a name cannot start with this character"))
        }
        Some(_) => Ok((name, end)),
    }
}

/// Reads `name = "value"` (or single quotes) at `at`; returns the offset after it. The value is
/// checked (no `<`, valid references) and dropped.
fn read_attribute(doc: &str, at: usize) -> Result<usize, XmlError> {
    let bytes = doc.as_bytes();
    let (_, after_name) = read_name(doc, at)?;
    let eq = skip_space(bytes, after_name);
    match bytes.get(eq) {
        Some(b'=') => {}
        None => return Err(XmlError::UnexpectedEnd { open: None }),
        Some(_) => return Err(syntax(eq, "expected `=` after an attribute name")),
    }
    let quote_at = skip_space(bytes, eq + 1);
    let quote = match bytes.get(quote_at) {
        Some(&q @ (b'"' | b'\'')) => q,
        None => return Err(XmlError::UnexpectedEnd { open: None }),
        Some(_) => return Err(syntax(quote_at, "expected a quoted attribute value")),
    };
    let close =
        find_byte(bytes, quote_at + 1, quote).ok_or(XmlError::UnexpectedEnd { open: None })?;
    let value = doc
        .get(quote_at + 1..close)
        .ok_or_else(|| syntax(quote_at, "bad attribute value"))?;
    if value.contains('<') {
        return Err(syntax(quote_at, "`<` in an attribute value"));
    }
    let mut scratch = String::new();
    decode_into(&mut scratch, value, quote_at + 1)?;
    Ok(close + 1)
}

/// Appends `raw` to `out`, decoding entity and character references.
fn decode_into(out: &mut String, raw: &str, offset: usize) -> Result<(), XmlError> {
    let mut rest = raw;
    let mut base = offset;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let semi = after
            .find(';')
            .filter(|&i| i <= 10)
            .ok_or_else(|| syntax(base + amp, "unterminated or unknown entity reference"))?;
        let entity = &after[..semi];
        let decoded = match entity {
            "lt" => '<',
            "gt" => '>',
            "amp" => '&',
            "quot" => '"',
            "apos" => '\'',
            _ => char_reference(entity).ok_or_else(|| {
                syntax(base + amp, "unknown entity or invalid character reference")
            })?,
        };
        out.push(decoded);
        let consumed = amp + 1 + semi + 1;
        rest = &rest[consumed..];
        base += consumed;
    }
    out.push_str(rest);
    Ok(())
}

/// Decodes `#123` or `#x7B` to a character allowed in XML 1.0.
fn char_reference(entity: &str) -> Option<char> {
    let digits = entity.strip_prefix('#')?;
    let (digits, radix) = match digits.strip_prefix('x') {
        Some(hex) => (hex, 16),
        None => (digits, 10),
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let code = u32::from_str_radix(digits, radix).ok()?;
    let c = char::from_u32(code)?;
    let allowed =
        matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && c != '\u{fffe}' && c != '\u{ffff}');
    allowed.then_some(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_and_empty_elements() {
        let root = parse("<a><b/><c>x<d>y</d>z</c></a>").unwrap();
        assert_eq!(root.children.len(), 2);
        assert_eq!(root.find(&["a", "c"]).unwrap().text, "xz");
        assert_eq!(root.find(&["a", "c", "d"]).unwrap().text, "y");
        assert_eq!(root.find(&["a", "b"]).unwrap().text, "");
    }

    #[test]
    fn character_references() {
        assert_eq!(char_reference("#65"), Some('A'));
        assert_eq!(char_reference("#x41"), Some('A'));
        assert_eq!(char_reference("#x1F600"), Some('😀'));
        assert_eq!(char_reference("#0"), None);
        assert_eq!(char_reference("#xD800"), None);
        assert_eq!(char_reference("#x110000"), None);
        assert_eq!(char_reference("#99999999999"), None);
        assert_eq!(char_reference("#x"), None);
        assert_eq!(char_reference("#-1"), None);
        assert_eq!(char_reference("#+1"), None);
        assert_eq!(char_reference("#X41"), None);
        assert_eq!(char_reference("#1"), None);
    }
}
