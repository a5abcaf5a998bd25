//! AWS JSON 1.1: request bodies, blobs as base64, success bodies, and the error-code rules
//! (code from `X-Amzn-ErrorType`, else the body's `code` or `__type`, without namespace or URI).

use serde::de::{self, Deserializer};
use serde::{Serialize, Serializer};

use crate::error::{JsonProblem, ServiceError, TransportError, TransportErrorKind};
use crate::http::HttpResponse;

/// The `Content-Type` of every request.
pub const CONTENT_TYPE: &str = "application/x-amz-json-1.1";

/// The `X-Amz-Target` prefix of every KMS operation.
pub const TARGET_PREFIX: &str = "TrentService";

thread_local! {
    /// Set while [`to_body`] runs on this thread: blobs are then handed to [`BodyFormatter`] as
    /// bytes, which writes their base64 text straight into the body.
    static BLOBS_AS_BYTES: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Serializes a blob as standard base64 text (`serialize_with`).
///
/// Through [`to_body`], the text is written by [`BodyFormatter`] without passing through
/// serde_json's string escaping (base64 never needs escaping, and that byte-by-byte scan cost
/// more than the encoding itself). Any other serializer gets an ordinary string.
pub(crate) fn ser_blob<S: Serializer>(blob: &[u8], s: S) -> Result<S::Ok, S::Error> {
    if BLOBS_AS_BYTES.with(std::cell::Cell::get) {
        s.serialize_bytes(blob)
    } else {
        let text = crate::base64_codec::encode(blob);
        let written = s.serialize_str(&text);
        // The blob may be a plaintext (`with_plaintext`).
        crate::secret::wipe(&mut text.into_bytes());
        written
    }
}

/// serde_json's compact output, except that byte arrays (only blobs reach it, see
/// [`ser_blob`]) are written as quoted base64 text.
struct BodyFormatter<'a> {
    /// In [`to_body`]'s sizing pass: where blobs add the length of their quoted text, which is
    /// then not written (nor encoded).
    blob_len: Option<&'a std::cell::Cell<usize>>,
}

impl serde_json::ser::Formatter for BodyFormatter<'_> {
    fn write_byte_array<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
        value: &[u8],
    ) -> std::io::Result<()> {
        let quoted = crate::base64_codec::encoded_len(value.len()) + 2;
        if let Some(total) = self.blob_len {
            total.set(total.get() + quoted);
            return Ok(());
        }
        let mut text = String::with_capacity(quoted);
        text.push('"');
        crate::base64_codec::encode_into(value, &mut text);
        text.push('"');
        let written = writer.write_all(text.as_bytes());
        // The blob may be a plaintext (Encrypt).
        crate::secret::wipe(&mut text.into_bytes());
        written
    }
}

/// Counts the bytes written to it.
#[derive(Default)]
pub(crate) struct ByteCount(pub(crate) usize);

impl std::io::Write for ByteCount {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len();
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Resets [`BLOBS_AS_BYTES`] even if serialization unwinds.
struct BlobsAsBytes;

impl BlobsAsBytes {
    fn set() -> BlobsAsBytes {
        BLOBS_AS_BYTES.with(|f| f.set(true));
        BlobsAsBytes
    }
}

impl Drop for BlobsAsBytes {
    fn drop(&mut self) {
        BLOBS_AS_BYTES.with(|f| f.set(false));
    }
}

/// Serializes an optional blob (`serialize_with`, with `skip_serializing_if = "Option::is_none"`).
pub(crate) fn ser_opt_blob<S: Serializer>(blob: &Option<Vec<u8>>, s: S) -> Result<S::Ok, S::Error> {
    match blob {
        Some(b) => ser_blob(b, s),
        None => s.serialize_none(),
    }
}

/// Deserializes an optional base64 blob; `null` is absent, invalid base64 is an error. The text
/// is decoded where the parser holds it, without first copying it into a `String`.
pub(crate) fn de_opt_blob<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<u8>>, D::Error> {
    struct Blob;
    impl<'de> de::Visitor<'de> for Blob {
        type Value = Option<Vec<u8>>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a base64 string or null")
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_str(Blob)
        }
        fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
            crate::base64_codec::decode(text.as_bytes())
                .map(Some)
                .map_err(|e| E::custom(format_args!("blob is not valid base64: {e}")))
        }
    }
    d.deserialize_option(Blob)
}

/// Writes a request body: one JSON object of the members that are set.
///
/// ```
/// let body = kms_lite::__private::codec::to_body(&kms_lite::ReEncryptRequest::new("alias/k").ciphertext_blob(vec![1, 2, 3, 4]));
/// assert_eq!(body, br#"{"CiphertextBlob":"AQIDBA==","DestinationKeyId":"alias/k"}"#);
/// ```
pub fn to_body<T: Serialize>(input: &T) -> Vec<u8> {
    let _blobs = BlobsAsBytes::set();
    // Sized first, so that the buffer never grows: a buffer outgrown is freed with the text
    // written so far, a plaintext's base64 among it, out of reach of the wipe.
    let blob_len = std::cell::Cell::new(0);
    let mut count = ByteCount::default();
    write_body(input, &mut count, Some(&blob_len));
    let mut out = Vec::with_capacity(count.0 + blob_len.get());
    write_body(input, &mut out, None);
    out
}

fn write_body<T: Serialize, W: std::io::Write>(
    input: &T,
    out: W,
    blob_len: Option<&std::cell::Cell<usize>>,
) {
    let mut ser = serde_json::Serializer::with_formatter(out, BodyFormatter { blob_len });
    // A Serialize impl of plain structs, strings and maps cannot fail, nor can these writers.
    input
        .serialize(&mut ser)
        .expect("request members always serialize");
}

/// Reads a success body: an empty body is `{}`, unknown members are ignored, `null` is absent.
/// `operation` names the operation in the error.
///
/// ```
/// let out: kms_lite::ReEncryptResponse =
///     kms_lite::__private::codec::from_body("ReEncrypt", br#"{"CiphertextBlob":"AQIDBA==","Extra":1}"#).unwrap();
/// assert_eq!(out.ciphertext_blob, Some(vec![1, 2, 3, 4]));
/// ```
pub fn from_body<T: serde::de::DeserializeOwned>(
    operation: &str,
    body: &[u8],
) -> Result<T, TransportError> {
    let body = if body.iter().all(u8::is_ascii_whitespace) {
        &b"{}"[..]
    } else {
        body
    };
    serde_json::from_slice(body).map_err(|e| {
        // serde_json's Display can quote response text: only the category and position.
        let problem = JsonProblem::new(&e);
        TransportError::new(
            TransportErrorKind::InvalidResponse,
            format!("the {operation} response body is not valid: {problem}"),
        )
        .with_source(problem)
    })
}

/// Reduces a raw error code to its short name: the part before the first `:`, then the part
/// after the first `#`.
///
/// ```
/// use kms_lite::__private::codec::sanitize_error_code;
/// assert_eq!(
///     sanitize_error_code("com.amazonaws.kms#NotFoundException:http://internal.amazon.com/"),
///     "NotFoundException"
/// );
/// assert_eq!(sanitize_error_code("ThrottlingException"), "ThrottlingException");
/// ```
pub fn sanitize_error_code(raw: &str) -> &str {
    let before_colon = raw.split(':').next().unwrap_or(raw);
    let after_hash = match before_colon.find('#') {
        Some(i) => &before_colon[i + 1..],
        None => before_colon,
    };
    after_hash.trim()
}

/// Only the top-level members that name an error; everything else in the body is skipped.
#[derive(serde::Deserialize, Default)]
struct ErrorBody {
    code: Option<serde_json::Value>,
    #[serde(rename = "__type")]
    type_: Option<serde_json::Value>,
    message: Option<serde_json::Value>,
    #[serde(rename = "Message")]
    message_upper: Option<serde_json::Value>,
    #[serde(rename = "errorMessage")]
    error_message: Option<serde_json::Value>,
}

fn as_text(v: Option<serde_json::Value>) -> Option<String> {
    match v {
        Some(serde_json::Value::String(s)) => Some(s),
        _ => None,
    }
}

/// Turns a non-2xx response into a [`ServiceError`] by the rules of AWS JSON 1.1: code from
/// `X-Amzn-ErrorType`, then the body's `code`, then its `__type`; message from `message`,
/// `Message` or `errorMessage`. An AWS Query-style XML error document gives its `Code` and
/// `Message`. Any other body (an HTML page from a proxy, an empty body) gives the HTTP status as
/// the code and says what the body was, without echoing it.
///
/// ```
/// use kms_lite::__private::codec::decode_error;
/// use kms_lite::http::HttpResponse;
/// let resp = HttpResponse::new(
///     400,
///     vec![("x-amzn-RequestId".into(), "req-1".into())],
///     br#"{"__type":"com.amazonaws.kms#NotFoundException","message":"no such key"}"#.to_vec(),
/// );
/// let e = decode_error("ReEncrypt", &resp);
/// assert_eq!(e.code(), "NotFoundException");
/// assert_eq!(e.message(), Some("no such key"));
/// assert_eq!(e.request_id(), Some("req-1"));
/// ```
pub fn decode_error(operation: &'static str, resp: &HttpResponse) -> ServiceError {
    let request_id = resp.request_id().map(str::to_owned);
    let parsed: Option<ErrorBody> = if resp.body.iter().all(u8::is_ascii_whitespace) {
        Some(ErrorBody::default())
    } else {
        serde_json::from_slice(&resp.body).ok()
    };
    let header_code = resp
        .header("x-amzn-errortype")
        .map(sanitize_error_code)
        .filter(|c| !c.is_empty())
        .map(str::to_owned);
    match parsed {
        Some(body) => {
            let body_code = [body.code, body.type_]
                .into_iter()
                .filter_map(|v| as_text(v).map(|c| sanitize_error_code(&c).to_owned()))
                .find(|c| !c.is_empty());
            let message = as_text(body.message)
                .or_else(|| as_text(body.message_upper))
                .or_else(|| as_text(body.error_message));
            let (code, message) = match header_code.or(body_code) {
                Some(code) => (code, message),
                None => (
                    resp.status.to_string(),
                    message.or_else(|| Some(reason_phrase(resp.status).to_owned())),
                ),
            };
            ServiceError::new(operation, code, message, resp.status, request_id)
        }
        None => {
            if let Some((code, message)) = xml_error(&resp.body) {
                let code = header_code.unwrap_or(code);
                return ServiceError::new(operation, code, message, resp.status, request_id);
            }
            let what = match resp.header("content-type") {
                Some(ct) if ct.len() <= 100 && ct.bytes().all(|b| (0x20..0x7f).contains(&b)) => {
                    format!("{ct}, ")
                }
                _ => String::new(),
            };
            let message = format!(
                "{} (the response body was not a JSON error object: {what}{} bytes)",
                reason_phrase(resp.status),
                resp.body.len()
            );
            let code = header_code.unwrap_or_else(|| resp.status.to_string());
            ServiceError::new(operation, code, Some(message), resp.status, request_id)
        }
    }
}

/// The code and message of an AWS Query-style XML error (`<ErrorResponse><Error><Code>`, or with
/// an `<Errors>` wrapper), which some front ends and stand-ins answer with instead of JSON.
fn xml_error(body: &[u8]) -> Option<(String, Option<String>)> {
    let text = std::str::from_utf8(body).ok()?;
    if !text.trim_start().starts_with('<') {
        return None;
    }
    const ROOTS: [&[&str]; 3] = [
        &["ErrorResponse", "Error"],
        &["ErrorResponse", "Errors", "Error"],
        &["Response", "Errors", "Error"],
    ];
    ROOTS.iter().find_map(|root| {
        let at = |leaf: &str| {
            let path: Vec<&str> = root.iter().copied().chain([leaf]).collect();
            crate::xml::find_text(text, &path).ok().flatten()
        };
        let code = at("Code")
            .map(|c| c.trim().to_owned())
            .filter(|c| !c.is_empty())?;
        let message = at("Message")
            .map(|m| m.trim().to_owned())
            .filter(|m| !m.is_empty());
        Some((sanitize_error_code(&code).to_owned(), message))
    })
}

/// The reason phrase of a status code (as botocore reports it for bodies it cannot read; any
/// other success is "Success").
pub fn reason_phrase(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201..=299 => "Success",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        413 => "Payload Too Large",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Unknown",
    }
}

#[cfg(test)]
mod body_tests {
    use super::*;
    use crate::ReEncryptRequest;

    #[test]
    fn to_body_writes_blobs_as_plain_serde_json_would() {
        for len in [0usize, 1, 2, 3, 200, 767, 768, 769, 6144] {
            let blob: Vec<u8> = (0..len).map(|i| (i * 7 + 3) as u8).collect();
            let req = ReEncryptRequest::new("alias/\"quoted\"\\key\u{1}")
                .ciphertext_blob(blob)
                .source_encryption_context([("k\n", "v\u{e9}")])
                .destination_encryption_context([("a", "")]);
            // The plain serializer (no fast path) gives the reference text.
            let plain = serde_json::to_vec(&req).unwrap();
            assert_eq!(to_body(&req), plain, "blob of {len} bytes");
            let text = String::from_utf8(plain).unwrap();
            assert!(text.contains("\"CiphertextBlob\":\""), "{text}");
        }
    }

    #[test]
    fn the_fast_path_is_off_outside_to_body() {
        let req = ReEncryptRequest::new("k").ciphertext_blob(vec![1, 2, 3, 4]);
        let _ = to_body(&req);
        assert_eq!(
            serde_json::to_string(&req).unwrap(),
            r#"{"CiphertextBlob":"AQIDBA==","DestinationKeyId":"k"}"#
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // A body that outgrew its buffer would leave the earlier buffers, with the plaintext's
    // base64 text written so far, freed without being wiped: the body is written into a
    // buffer of its final size (it grew from 256 bytes to 8 KiB for a 4 KiB plaintext).
    #[test]
    fn a_body_is_written_into_a_buffer_of_its_final_size() {
        for len in [0, 1, 200, 4096] {
            let request = crate::EncryptRequest::new("alias/k", vec![7u8; len])
                .encryption_context([("tenant", "a\"b\u{1}")]);
            let body = to_body(&request);
            assert_eq!(body.capacity(), body.len(), "{len} bytes");
            let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
            assert_eq!(
                json["Plaintext"],
                crate::base64_codec::encode(&vec![7u8; len]),
            );
            assert_eq!(json["EncryptionContext"]["tenant"], "a\"b\u{1}");
        }
    }
}
