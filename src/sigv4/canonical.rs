//! The canonical request, written once by a generic writer: into a buffer for
//! [`canonical_request`], straight into SHA-256 for [`sign`](super::sign).

use std::borrow::Cow;
use std::fmt;
use std::ops::Range;

use hmac::Mac;
use sha2::{Digest, Sha256};

use super::key::HmacSha256;
use super::{Payload, SignableRequest, SigningSettings, UriEncoding};

/// Where canonical text goes: a buffer, a hasher or an HMAC.
pub(crate) trait Sink {
    fn put(&mut self, bytes: &[u8]);
}

impl Sink for Vec<u8> {
    fn put(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }
}

impl Sink for Sha256 {
    fn put(&mut self, bytes: &[u8]) {
        Digest::update(self, bytes);
    }
}

impl Sink for HmacSha256 {
    fn put(&mut self, bytes: &[u8]) {
        Mac::update(self, bytes);
    }
}

const HEX_LOWER: &[u8; 16] = b"0123456789abcdef";
const HEX_UPPER: &[u8; 16] = b"0123456789ABCDEF";

/// Lower-case hex of a 32-byte digest, on the stack.
pub(crate) fn hex32(bytes: &[u8]) -> [u8; 64] {
    let mut out = [0u8; 64];
    for (pair, b) in out.chunks_exact_mut(2).zip(bytes) {
        pair[0] = HEX_LOWER[usize::from(b >> 4)];
        pair[1] = HEX_LOWER[usize::from(b & 0x0f)];
    }
    out
}

/// The hex buffer as text (always ASCII).
pub(crate) fn hex_str(hex: &[u8; 64]) -> &str {
    std::str::from_utf8(hex).unwrap_or_default()
}

/// Hex SHA-256 of `bytes`.
pub(crate) fn sha256_hex(bytes: &[u8]) -> [u8; 64] {
    hex32(&Sha256::digest(bytes))
}

/// The SigV4 unreserved set: `A-Z a-z 0-9 - _ . ~`.
fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~')
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Percent-decodes `input` (a `%` not followed by two hex digits stays a literal `%`), then
/// percent-encodes every byte outside the unreserved set as `%XX` (upper-case hex), or as
/// `%25XX` when `double` (the encoding applied twice). Streams runs of unchanged bytes.
fn write_encoded<S: Sink>(sink: &mut S, input: &[u8], double: bool) {
    let mut run = 0;
    let mut i = 0;
    while i < input.len() {
        let b = input[i];
        if is_unreserved(b) {
            i += 1;
            continue;
        }
        if run < i {
            sink.put(&input[run..i]);
        }
        let (byte, used) = match (b, input.get(i + 1), input.get(i + 2)) {
            (b'%', Some(&h), Some(&l)) => match (hex_value(h), hex_value(l)) {
                (Some(h), Some(l)) => ((h << 4) | l, 3),
                _ => (b, 1),
            },
            _ => (b, 1),
        };
        if is_unreserved(byte) {
            sink.put(&[byte]);
        } else {
            let hi = HEX_UPPER[usize::from(byte >> 4)];
            let lo = HEX_UPPER[usize::from(byte & 0x0f)];
            if double {
                sink.put(&[b'%', b'2', b'5', hi, lo]);
            } else {
                sink.put(&[b'%', hi, lo]);
            }
        }
        i += used;
        run = i;
    }
    if run < input.len() {
        sink.put(&input[run..]);
    }
}

/// Percent-decodes then SigV4-encodes `input` once, into a new buffer (query parts).
fn encoded(input: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len());
    write_encoded(&mut out, input.as_bytes(), false);
    out
}

/// The canonical URI: `path` optionally normalized, each segment decoded then encoded once or
/// twice; an empty path is `/`.
pub(crate) fn write_canonical_uri<S: Sink>(sink: &mut S, path: &str, settings: &SigningSettings) {
    let double = settings.uri_encoding == UriEncoding::Double;
    if path.is_empty() || path == "/" {
        sink.put(b"/");
        return;
    }
    if settings.normalize_path {
        let mut segments: Vec<&str> = Vec::with_capacity(path.len() / 2 + 1);
        for seg in path.split('/') {
            match seg {
                "" | "." => {}
                ".." => {
                    segments.pop();
                }
                seg => segments.push(seg),
            }
        }
        for seg in &segments {
            sink.put(b"/");
            write_encoded(sink, seg.as_bytes(), double);
        }
        // "/a/b/" and "/a/b/." keep their trailing slash; "/a/b/.." does not (as in aws-sigv4
        // and botocore).
        if segments.is_empty() || path.ends_with('/') || path.ends_with("/.") {
            sink.put(b"/");
        }
    } else {
        if !path.starts_with('/') {
            sink.put(b"/");
        }
        for (i, seg) in path.split('/').enumerate() {
            if i > 0 {
                sink.put(b"/");
            }
            write_encoded(sink, seg.as_bytes(), double);
        }
    }
}

/// The canonical query string: parameters split on `&` (empty ones dropped), key and value on
/// the first `=` (`key` alone is `key=`), each decoded then encoded once, sorted by encoded key
/// then encoded value. A leading `?` is ignored.
pub(crate) fn write_canonical_query<S: Sink>(sink: &mut S, query: &str) {
    let query = query.strip_prefix('?').unwrap_or(query);
    if query.is_empty() {
        return;
    }
    let mut params: Vec<(Vec<u8>, Vec<u8>)> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (encoded(k), encoded(v))
        })
        .collect();
    params.sort_unstable();
    for (i, (k, v)) in params.iter().enumerate() {
        if i > 0 {
            sink.put(b"&");
        }
        sink.put(k);
        sink.put(b"=");
        sink.put(v);
    }
}

/// A header about to be signed: its canonical (lower-case, trimmed) name and its raw value.
#[derive(Default, Clone)]
pub(crate) struct Entry<'a> {
    pub(crate) name: Cow<'a, str>,
    pub(crate) value: &'a str,
}

fn is_ows(c: char) -> bool {
    c == ' ' || c == '\t'
}

/// The lower-case, trimmed header name, borrowed when it already is one.
fn canonical_name(name: &str) -> Cow<'_, str> {
    let trimmed = name.trim_matches(is_ows);
    if trimmed.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(trimmed.to_ascii_lowercase())
    } else {
        Cow::Borrowed(trimmed)
    }
}

/// How many headers are sorted on the stack before falling back to a `Vec`.
const STACK_HEADERS: usize = 16;

/// Runs `f` with the headers to sign: excluded ones dropped, names canonical, sorted by name,
/// repeated names kept in the order given. No allocation for up to 16 headers whose names are
/// already lower-case.
pub(crate) fn with_signed_headers<R>(
    headers: &[(&str, &str)],
    settings: &SigningSettings,
    f: impl FnOnce(&[Entry<'_>]) -> R,
) -> R {
    let included = headers.iter().filter(|(name, _)| {
        let name = name.trim_matches(is_ows);
        !settings
            .excluded_headers
            .iter()
            .any(|x| x.eq_ignore_ascii_case(name))
    });
    let by_name = |a: &Entry<'_>, b: &Entry<'_>| a.name.cmp(&b.name);
    if headers.len() <= STACK_HEADERS {
        let mut stack: [Entry<'_>; STACK_HEADERS] = Default::default();
        let mut n = 0;
        for (slot, (name, value)) in stack.iter_mut().zip(included) {
            *slot = Entry {
                name: canonical_name(name),
                value,
            };
            n += 1;
        }
        let entries = &mut stack[..n];
        // Stable: repeated headers keep their order. Insertion sort for short slices, no heap.
        entries.sort_by(by_name);
        f(entries)
    } else {
        let mut entries: Vec<Entry<'_>> = included
            .map(|(name, value)| Entry {
                name: canonical_name(name),
                value,
            })
            .collect();
        entries.sort_by(by_name);
        f(&entries)
    }
}

/// A header value trimmed, with inner runs of spaces collapsed to one.
fn write_header_value<S: Sink>(sink: &mut S, value: &str) {
    let v = value.trim_matches(is_ows);
    if !v.contains("  ") {
        sink.put(v.as_bytes());
        return;
    }
    for (i, piece) in v.split(' ').filter(|p| !p.is_empty()).enumerate() {
        if i > 0 {
            sink.put(b" ");
        }
        sink.put(piece.as_bytes());
    }
}

/// Calls `f` with each distinct signed header name, in order.
pub(crate) fn for_each_signed_name<'e>(entries: &'e [Entry<'_>], mut f: impl FnMut(&'e str)) {
    let mut prev: Option<&str> = None;
    for e in entries {
        let name: &str = &e.name;
        if prev != Some(name) {
            f(name);
            prev = Some(name);
        }
    }
}

/// Writes the whole canonical request. Returns the byte range of the signed-header list within
/// what was written (used by [`canonical_request`]).
pub(crate) fn write_canonical_request<S: Sink>(
    sink: &mut S,
    req: &SignableRequest<'_>,
    entries: &[Entry<'_>],
    settings: &SigningSettings,
) {
    sink.put(req.method.as_bytes());
    sink.put(b"\n");
    write_canonical_uri(sink, req.path, settings);
    sink.put(b"\n");
    write_canonical_query(sink, req.query);
    sink.put(b"\n");

    let mut i = 0;
    while i < entries.len() {
        let name: &str = &entries[i].name;
        sink.put(name.as_bytes());
        sink.put(b":");
        write_header_value(sink, entries[i].value);
        i += 1;
        while i < entries.len() && entries[i].name == name {
            sink.put(b",");
            write_header_value(sink, entries[i].value);
            i += 1;
        }
        sink.put(b"\n");
    }
    sink.put(b"\n");

    let mut first = true;
    for_each_signed_name(entries, |name| {
        if !first {
            sink.put(b";");
        }
        first = false;
        sink.put(name.as_bytes());
    });
    sink.put(b"\n");

    match req.payload {
        Payload::Bytes(body) => sink.put(&sha256_hex(body)),
        Payload::Hash(hash) => sink.put(hash.as_bytes()),
    }
}

/// A canonical request, materialized (for tests, debugging and [`string_to_sign`](super::string_to_sign)).
///
/// [`sign`](super::sign) never builds one: it streams the same bytes into SHA-256.
///
/// There is deliberately no `Display`: the text contains the session token when it is signed.
/// `Debug` shows the signed headers and the length only.
#[derive(Clone, PartialEq, Eq)]
pub struct CanonicalRequest {
    text: String,
    signed_headers: Range<usize>,
}

impl CanonicalRequest {
    /// The exact canonical request: method, canonical URI, canonical query, canonical headers, a
    /// blank line, signed headers and payload hash, joined by `\n` (no trailing newline).
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The signed header list, `;`-separated (for example `host;x-amz-date`).
    pub fn signed_headers(&self) -> &str {
        &self.text[self.signed_headers.clone()]
    }

    /// Lower-case hex SHA-256 of [`text`](Self::text): the last line of the string to sign.
    pub fn sha256_hex(&self) -> String {
        hex_str(&sha256_hex(self.text.as_bytes())).to_owned()
    }

    /// The canonical request text, consuming `self`.
    pub fn into_text(self) -> String {
        self.text
    }
}

impl fmt::Debug for CanonicalRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CanonicalRequest")
            .field("signed_headers", &self.signed_headers())
            .field("len", &self.text.len())
            .finish_non_exhaustive()
    }
}

/// Builds the canonical request of `req` under `settings`.
///
/// ```
/// use kms_lite::__private::sigv4::{canonical_request, Payload, SignableRequest, SigningSettings, UriEncoding};
///
/// let req = SignableRequest {
///     method: "GET",
///     path: "/example space/",
///     query: "b=2&a=1",
///     headers: &[("Host", "example.amazonaws.com"), ("X-Amz-Date", "20150830T123600Z")],
///     payload: Payload::Bytes(b""),
/// };
/// let creq = canonical_request(&req, &SigningSettings::new().with_uri_encoding(UriEncoding::Single));
/// assert_eq!(
///     creq.text(),
///     "GET\n/example%20space/\na=1&b=2\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n\
///      host;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
/// );
/// assert_eq!(creq.signed_headers(), "host;x-amz-date");
/// ```
pub fn canonical_request(
    req: &SignableRequest<'_>,
    settings: &SigningSettings,
) -> CanonicalRequest {
    with_signed_headers(req.headers, settings, |entries| {
        let mut buf: Vec<u8> = Vec::with_capacity(256);
        write_canonical_request(&mut buf, req, entries, settings);
        // Everything written is either ASCII or copied from `&str` inputs.
        let text = String::from_utf8(buf)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
        // The signed header list is the second-to-last line.
        let end = text.rfind('\n').unwrap_or(0);
        let start = text[..end].rfind('\n').map_or(0, |i| i + 1);
        CanonicalRequest {
            text,
            signed_headers: start..end,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc(input: &str, double: bool) -> String {
        let mut v = Vec::new();
        write_encoded(&mut v, input.as_bytes(), double);
        String::from_utf8(v).unwrap()
    }

    fn uri(path: &str, encoding: UriEncoding, normalize: bool) -> String {
        let settings = SigningSettings::new()
            .with_uri_encoding(encoding)
            .with_path_normalization(normalize);
        let mut v = Vec::new();
        write_canonical_uri(&mut v, path, &settings);
        String::from_utf8(v).unwrap()
    }

    fn query(q: &str) -> String {
        let mut v = Vec::new();
        write_canonical_query(&mut v, q);
        String::from_utf8(v).unwrap()
    }

    fn creq(headers: &[(&str, &str)]) -> CanonicalRequest {
        let req = SignableRequest {
            method: "POST",
            path: "/",
            query: "",
            headers,
            payload: Payload::Hash("UNSIGNED-PAYLOAD"),
        };
        canonical_request(&req, &SigningSettings::new())
    }

    /// The header block of a canonical request: the lines between the query and the blank line.
    fn header_lines(c: &CanonicalRequest) -> Vec<&str> {
        let lines: Vec<&str> = c.text().split('\n').collect();
        let blank = lines.iter().skip(3).position(|l| l.is_empty()).unwrap() + 3;
        lines[3..blank].to_vec()
    }

    #[test]
    fn encoding_unreserved_reserved_utf8() {
        assert_eq!(enc("AZaz09-_.~", false), "AZaz09-_.~");
        assert_eq!(enc("a b/c+d=e&f", false), "a%20b%2Fc%2Bd%3De%26f");
        assert_eq!(enc("ሴ", false), "%E1%88%B4");
        assert_eq!(enc("a b", true), "a%2520b");
        assert_eq!(enc("ሴ", true), "%25E1%2588%25B4");
    }

    #[test]
    fn encoding_decodes_first() {
        assert_eq!(enc("a%20b", false), "a%20b");
        assert_eq!(enc("a%2fb", false), "a%2Fb");
        assert_eq!(enc("%41%7e", false), "A~");
        assert_eq!(enc("a%20b", true), "a%2520b");
        // Not escapes: kept as a literal '%', which is then encoded.
        assert_eq!(enc("100%", false), "100%25");
        assert_eq!(enc("%zz%4", false), "%25zz%254");
        assert_eq!(enc("%%41", false), "%25A");
    }

    #[test]
    fn empty_and_root_paths() {
        for e in [UriEncoding::Single, UriEncoding::Double] {
            for n in [true, false] {
                assert_eq!(uri("", e, n), "/");
                assert_eq!(uri("/", e, n), "/");
            }
        }
    }

    #[test]
    fn path_normalization() {
        let s = UriEncoding::Single;
        assert_eq!(uri("//", s, true), "/");
        assert_eq!(uri("/./", s, true), "/");
        assert_eq!(uri("/./example", s, true), "/example");
        assert_eq!(uri("/example/..", s, true), "/");
        assert_eq!(uri("/example1/example2/../..", s, true), "/");
        assert_eq!(uri("//example//", s, true), "/example/");
        assert_eq!(uri("/a/b/.", s, true), "/a/b/");
        assert_eq!(uri("/a/b/..", s, true), "/a");
        assert_eq!(uri("/../../a", s, true), "/a");
        assert_eq!(uri("a/b", s, true), "/a/b");
        assert_eq!(uri("/example space/", s, true), "/example%20space/");
    }

    #[test]
    fn path_without_normalization() {
        let s = UriEncoding::Single;
        assert_eq!(uri("//example//", s, false), "//example//");
        assert_eq!(uri("/./a/../b", s, false), "/./a/../b");
        assert_eq!(uri("a b", s, false), "/a%20b");
    }

    #[test]
    fn double_encoding_of_a_prefix() {
        assert_eq!(
            uri("/prefix/a b", UriEncoding::Single, true),
            "/prefix/a%20b"
        );
        assert_eq!(
            uri("/prefix/a b", UriEncoding::Double, true),
            "/prefix/a%2520b"
        );
        // The wire form of the same path gives the same canonical URI.
        assert_eq!(
            uri("/prefix/a%20b", UriEncoding::Double, true),
            "/prefix/a%2520b"
        );
        // Unreserved-only paths are the same either way.
        assert_eq!(uri("/prefix/a-b", UriEncoding::Double, true), "/prefix/a-b");
    }

    #[test]
    fn query_edge_cases() {
        assert_eq!(query(""), "");
        assert_eq!(query("?"), "");
        assert_eq!(query("a=1"), "a=1");
        assert_eq!(query("?a=1"), "a=1");
        assert_eq!(query("key"), "key=");
        assert_eq!(query("key="), "key=");
        assert_eq!(query("=v"), "=v");
        assert_eq!(query("a=1&&b=2&"), "a=1&b=2");
        assert_eq!(query("b=2&a=1"), "a=1&b=2");
        // Same key: sorted by value, upper case before lower case (byte order).
        assert_eq!(
            query("p=value2&p=Value1&p=value1"),
            "p=Value1&p=value1&p=value2"
        );
        // Sorted by the *encoded* key: "%20" (0x25) sorts before "A" (0x41).
        assert_eq!(query("A=1&%20=2"), "%20=2&A=1");
        // Only the first '=' splits; the rest is value.
        assert_eq!(query("a=b=c"), "a=b%3Dc");
        // Decoded then re-encoded; '+' is a literal plus, not a space.
        assert_eq!(query("a%20b=c%2fd&x=y+z"), "a%20b=c%2Fd&x=y%2Bz");
        assert_eq!(query("k=ሴ"), "k=%E1%88%B4");
        assert_eq!(query("-._~=-._~"), "-._~=-._~");
    }

    #[test]
    fn headers_trimmed_and_collapsed() {
        let c = creq(&[
            ("host", "example.com"),
            ("My-Header1", " value1 "),
            ("My-Header2", "\"a   b   c\""),
            ("my-header3", "\t a  b\t"),
            ("my-header4", ""),
            ("my-header5", "   "),
        ]);
        assert_eq!(
            header_lines(&c),
            [
                "host:example.com",
                "my-header1:value1",
                "my-header2:\"a b c\"",
                "my-header3:a b",
                "my-header4:",
                "my-header5:",
            ]
        );
    }

    #[test]
    fn headers_sorted_lowercased_and_joined() {
        let c = creq(&[
            ("X-Amz-Date", "20150830T123600Z"),
            ("host", "example.com"),
            ("My-Header1", "value4"),
            ("my-header1", "value1"),
            ("content-type", "a"),
            ("MY-HEADER1", "value3"),
            (" My-Header1 ", "value2"),
        ]);
        assert_eq!(
            header_lines(&c),
            [
                "content-type:a",
                "host:example.com",
                "my-header1:value4,value1,value3,value2",
                "x-amz-date:20150830T123600Z",
            ]
        );
        assert_eq!(
            c.signed_headers(),
            "content-type;host;my-header1;x-amz-date"
        );
    }

    #[test]
    fn never_signed_headers_excluded_case_insensitively() {
        let c = creq(&[
            ("Host", "example.com"),
            ("User-Agent", "ua"),
            ("X-Amzn-Trace-Id", "Root=1"),
            ("Transfer-Encoding", "chunked"),
            ("AUTHORIZATION", "AWS4-HMAC-SHA256 ..."),
            ("expect", "100-continue"),
            ("x-amz-user-agent", "sdk"),
        ]);
        assert_eq!(c.signed_headers(), "host;x-amz-user-agent");
        assert!(!c.text().contains("ua\n"));
        assert!(!c.text().contains("chunked"));

        // The list is a setting.
        let req = SignableRequest {
            method: "GET",
            path: "/",
            query: "",
            headers: &[("Host", "h"), ("User-Agent", "ua"), ("X-Custom", "c")],
            payload: Payload::Bytes(b""),
        };
        let settings = SigningSettings::new().with_excluded_headers(&["x-custom"]);
        assert_eq!(
            canonical_request(&req, &settings).signed_headers(),
            "host;user-agent"
        );
    }

    #[test]
    fn many_headers_use_the_heap_path_identically() {
        let names: Vec<String> = (0..40).rev().map(|i| format!("X-H{i:02}")).collect();
        let headers: Vec<(&str, &str)> = names.iter().map(|n| (n.as_str(), " v  w ")).collect();
        let c = creq(&headers);
        let lines = header_lines(&c);
        assert_eq!(lines.len(), 40);
        assert_eq!(lines[0], "x-h00:v w");
        assert_eq!(lines[39], "x-h39:v w");
        let small = creq(&headers[24..]);
        assert_eq!(header_lines(&small)[0], "x-h00:v w");
    }

    #[test]
    fn no_headers_and_payload_kinds() {
        let req = SignableRequest {
            method: "GET",
            path: "",
            query: "",
            headers: &[],
            payload: Payload::Bytes(b""),
        };
        let c = canonical_request(&req, &SigningSettings::new());
        assert_eq!(
            c.text(),
            "GET\n/\n\n\n\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(c.signed_headers(), "");
        let req = SignableRequest {
            payload: Payload::Hash("UNSIGNED-PAYLOAD"),
            ..req
        };
        assert!(
            canonical_request(&req, &SigningSettings::new())
                .text()
                .ends_with("\n\nUNSIGNED-PAYLOAD")
        );
    }

    #[test]
    fn debug_hides_text() {
        let c = creq(&[("host", "h"), ("x-amz-security-token", "SECRET-TOKEN")]);
        let shown = format!("{c:?}");
        assert!(!shown.contains("SECRET-TOKEN"), "{shown}");
        assert!(shown.contains("host;x-amz-security-token"), "{shown}");
    }

    #[test]
    fn hex_helpers() {
        let h = sha256_hex(b"abc");
        assert_eq!(
            hex_str(&h),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
