//! AWS Signature Version 4, sans I/O.
//!
//! Signing is a pure function of the request (method, path, query, headers, payload), the
//! credentials, the region, the service and the time: nothing here reads a clock, the
//! environment or the network, so tests pin every input and get byte-exact results.
//!
//! The pieces, in the order SigV4 defines them:
//!
//! 1. [`canonical_request`]: method, canonical URI, canonical query, canonical headers, signed
//!    header list and payload hash;
//! 2. [`string_to_sign`]: algorithm, [`AmzDate`], credential scope and the canonical request's
//!    SHA-256;
//! 3. the signature, HMAC-SHA256 of the string to sign with the [`SigningKey`] from
//!    [`derive_signing_key`] (or a [`SigningKeyCache`]);
//! 4. the `Authorization` header value, returned by [`sign`] in a [`Signature`].
//!
//! [`sign`] does all four without building the canonical request or the string to sign: it
//! streams them into SHA-256 and HMAC. Its only allocation in the common case (up to 16 headers,
//! names already lower-case, empty query) is the returned `Authorization` string.
//!
//! # What the caller passes
//!
//! Every header the request will carry, `host` and `x-amz-date` included, and
//! `x-amz-security-token` when temporary credentials should sign their token. The signer signs
//! all of them except [`NEVER_SIGNED_HEADERS`] (or the list in [`SigningSettings`]). The
//! `x-amz-date` header must hold [`amz_date`] of [`SigningParams::time`]: the signer uses the
//! time for the string to sign and does not cross-check the header.
//!
//! # Example: a KMS request
//!
//! ```
//! use std::time::{Duration, UNIX_EPOCH};
//! use kms_lite::__private::sigv4::{amz_date, sign, Payload, SignableRequest, SigningKeyCache, SigningParams, SigningSettings};
//!
//! let time = UNIX_EPOCH + Duration::from_secs(1_795_915_460);
//! let date = amz_date(time);
//! let body = br#"{"CiphertextBlob":"AQIDBA==","DestinationKeyId":"alias/example-destination"}"#;
//! let headers = [
//!     ("content-type", "application/x-amz-json-1.1"),
//!     ("x-amz-target", "TrentService.ReEncrypt"),
//!     ("content-length", "76"),
//!     ("x-amz-date", date.as_str()),
//!     ("host", "127.0.0.1:18080"),
//! ];
//! let req = SignableRequest { method: "POST", path: "/", query: "", headers: &headers, payload: Payload::Bytes(body) };
//! let params = SigningParams {
//!     access_key_id: "AKIDEXAMPLE",
//!     secret_access_key: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
//!     region: "us-east-1",
//!     service: "kms",
//!     time,
//!     settings: SigningSettings::new(),
//! };
//! let cache = SigningKeyCache::new();
//! let sig = sign(&req, &params, Some(&cache));
//! assert!(sig.authorization().starts_with(
//!     "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261129/us-east-1/kms/aws4_request, \
//!      SignedHeaders=content-length;content-type;host;x-amz-date;x-amz-target, Signature="
//! ));
//! assert_eq!(sig.signature().len(), 64);
//! ```

use std::fmt;
use std::ops::Range;
use std::time::SystemTime;

use hmac::Mac;
use sha2::{Digest, Sha256};

mod canonical;
mod date;
mod key;

pub use canonical::{CanonicalRequest, canonical_request};
pub use date::{AmzDate, amz_date};
pub use key::{SigningKey, SigningKeyCache, derive_signing_key};

use canonical::{Sink, for_each_signed_name, hex_str, hex32};

/// The signing algorithm name, first in the string to sign and the `Authorization` header.
pub const ALGORITHM: &str = "AWS4-HMAC-SHA256";

/// Headers never signed by default, because proxies and HTTP stacks add, change or drop them:
/// `authorization`, `user-agent`, `x-amzn-trace-id`, `transfer-encoding` and `expect`
/// (matched case-insensitively). The same list as aws-sigv4.
pub const NEVER_SIGNED_HEADERS: &[&str] = &[
    "authorization",
    "user-agent",
    "x-amzn-trace-id",
    "transfer-encoding",
    "expect",
];

/// How the segments of the URI path are percent-encoded in the canonical URI.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum UriEncoding {
    /// Encode each segment once: S3, and the official SigV4 test suite.
    Single,
    /// Encode each segment twice (`a b` becomes `a%2520b`): KMS and every other non-S3 service.
    Double,
}

/// Signer settings, modelled on aws-sigv4's. [`SigningSettings::new`] (also the `Default`) is
/// right for KMS and other non-S3 services: double URI encoding, path normalization on,
/// [`NEVER_SIGNED_HEADERS`] excluded.
///
/// ```
/// use kms_lite::__private::sigv4::{SigningSettings, UriEncoding};
///
/// // The official SigV4 test suite.
/// let suite = SigningSettings::new().with_uri_encoding(UriEncoding::Single);
/// assert!(suite.normalize_path);
/// // S3.
/// let s3 = SigningSettings::s3();
/// assert_eq!((s3.uri_encoding, s3.normalize_path), (UriEncoding::Single, false));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SigningSettings {
    /// Encode path segments once or twice.
    pub uri_encoding: UriEncoding,
    /// Remove `.` and `..` segments and repeated `/` from the path before encoding it.
    pub normalize_path: bool,
    /// Header names never signed, compared case-insensitively.
    pub excluded_headers: &'static [&'static str],
}

impl SigningSettings {
    /// The settings for KMS and other non-S3 services: [`UriEncoding::Double`], path
    /// normalization on, [`NEVER_SIGNED_HEADERS`] excluded.
    pub const fn new() -> SigningSettings {
        SigningSettings {
            uri_encoding: UriEncoding::Double,
            normalize_path: true,
            excluded_headers: NEVER_SIGNED_HEADERS,
        }
    }

    /// The settings for S3: [`UriEncoding::Single`], no path normalization.
    pub const fn s3() -> SigningSettings {
        SigningSettings {
            uri_encoding: UriEncoding::Single,
            normalize_path: false,
            excluded_headers: NEVER_SIGNED_HEADERS,
        }
    }

    /// The same settings with another URI encoding.
    pub const fn with_uri_encoding(mut self, uri_encoding: UriEncoding) -> SigningSettings {
        self.uri_encoding = uri_encoding;
        self
    }

    /// The same settings with path normalization on or off.
    pub const fn with_path_normalization(mut self, normalize_path: bool) -> SigningSettings {
        self.normalize_path = normalize_path;
        self
    }

    /// The same settings with another list of never-signed headers (replacing the default one).
    pub const fn with_excluded_headers(
        mut self,
        excluded_headers: &'static [&'static str],
    ) -> SigningSettings {
        self.excluded_headers = excluded_headers;
        self
    }
}

impl Default for SigningSettings {
    fn default() -> SigningSettings {
        SigningSettings::new()
    }
}

/// The request body, or its hash when the caller already has it.
#[derive(Clone, Copy)]
pub enum Payload<'a> {
    /// The body bytes; the signer hashes them.
    Bytes(&'a [u8]),
    /// The lower-case hex SHA-256 of the body, used as is (or a special value such as
    /// `UNSIGNED-PAYLOAD` where the service accepts one).
    Hash(&'a str),
}

impl fmt::Debug for Payload<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            // The body may be plaintext: show its length only.
            Payload::Bytes(b) => write!(f, "Bytes(<{} bytes>)", b.len()),
            Payload::Hash(h) => f.debug_tuple("Hash").field(h).finish(),
        }
    }
}

/// The parts of an HTTP request that SigV4 signs.
///
/// `Debug` redacts the values of `x-amz-security-token` and `authorization` and shows the
/// payload's length only.
#[derive(Clone, Copy)]
pub struct SignableRequest<'a> {
    /// The HTTP method, as sent (`POST`).
    pub method: &'a str,
    /// The path, raw (`/example space/`) or percent-encoded as on the wire
    /// (`/example%20space/`): each segment is percent-decoded, then encoded per
    /// [`SigningSettings::uri_encoding`]. Empty means `/`.
    pub path: &'a str,
    /// The query string without the `?` (a leading `?` is ignored), raw or percent-encoded.
    /// `+` is a literal plus sign: encode spaces as `%20`.
    pub query: &'a str,
    /// Every header the request will send, names in any case, repeated names allowed (their
    /// values are joined with `,` in this order).
    pub headers: &'a [(&'a str, &'a str)],
    /// The body.
    pub payload: Payload<'a>,
}

/// Header names whose values `Debug` hides.
const SECRET_HEADERS: &[&str] = &["x-amz-security-token", "authorization"];

impl fmt::Debug for SignableRequest<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        struct Headers<'h>(&'h [(&'h str, &'h str)]);
        impl fmt::Debug for Headers<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                let mut l = f.debug_list();
                for (name, value) in self.0 {
                    let secret = SECRET_HEADERS
                        .iter()
                        .any(|s| s.eq_ignore_ascii_case(name.trim()));
                    l.entry(&(name, if secret { "<redacted>" } else { value }));
                }
                l.finish()
            }
        }
        f.debug_struct("SignableRequest")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("query", &self.query)
            .field("headers", &Headers(self.headers))
            .field("payload", &self.payload)
            .finish()
    }
}

/// Who signs, for which region and service, and when. The session token, if any, travels as an
/// `x-amz-security-token` header in [`SignableRequest::headers`].
///
/// `Debug` redacts the secret access key.
#[derive(Clone, Copy)]
pub struct SigningParams<'a> {
    /// The access key id (`AKIA...` or `ASIA...`); appears in the credential scope.
    pub access_key_id: &'a str,
    /// The secret access key.
    pub secret_access_key: &'a str,
    /// The signing region (`us-east-1`): always the plain region, even for FIPS endpoints.
    pub region: &'a str,
    /// The signing service name (`kms`).
    pub service: &'a str,
    /// The signing time; the `x-amz-date` header must be [`amz_date`] of it.
    pub time: SystemTime,
    /// Encoding, normalization and excluded headers.
    pub settings: SigningSettings,
}

impl fmt::Debug for SigningParams<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningParams")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"<redacted>")
            .field("region", &self.region)
            .field("service", &self.service)
            .field("time", &amz_date(self.time))
            .field("settings", &self.settings)
            .finish()
    }
}

/// Streams the string to sign for a canonical-request hash into `sink`.
fn write_string_to_sign<S: Sink>(
    sink: &mut S,
    creq_sha256_hex: &[u8],
    date: &AmzDate,
    region: &str,
    service: &str,
) {
    sink.put(ALGORITHM.as_bytes());
    sink.put(b"\n");
    sink.put(date.as_bytes());
    sink.put(b"\n");
    sink.put(date.date().as_bytes());
    sink.put(b"/");
    sink.put(region.as_bytes());
    sink.put(b"/");
    sink.put(service.as_bytes());
    sink.put(b"/aws4_request\n");
    sink.put(creq_sha256_hex);
}

/// The string to sign: `AWS4-HMAC-SHA256`, the timestamp, the credential scope
/// (`YYYYMMDD/region/service/aws4_request`) and the canonical request's hex SHA-256, joined by
/// `\n`.
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use kms_lite::__private::sigv4::{amz_date, canonical_request, string_to_sign, Payload, SignableRequest, SigningSettings};
///
/// let req = SignableRequest {
///     method: "GET", path: "/", query: "",
///     headers: &[("Host", "example.amazonaws.com"), ("X-Amz-Date", "20150830T123600Z")],
///     payload: Payload::Bytes(b""),
/// };
/// let creq = canonical_request(&req, &SigningSettings::new());
/// let date = amz_date(UNIX_EPOCH + Duration::from_secs(1_440_938_160));
/// assert_eq!(
///     string_to_sign(&creq, &date, "us-east-1", "service"),
///     "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n\
///      bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63"
/// );
/// ```
pub fn string_to_sign(
    canonical_request: &CanonicalRequest,
    date: &AmzDate,
    region: &str,
    service: &str,
) -> String {
    let hash = canonical::sha256_hex(canonical_request.text().as_bytes());
    let mut buf = Vec::with_capacity(128);
    write_string_to_sign(&mut buf, &hash, date, region, service);
    String::from_utf8(buf).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// The hex signature of a string to sign (for example one from [`string_to_sign`]).
///
/// ```
/// use kms_lite::__private::sigv4::{derive_signing_key, signature_of};
///
/// let key = derive_signing_key("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20150830", "us-east-1", "service");
/// let sts = "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n\
///            bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63";
/// assert_eq!(signature_of(&key, sts), "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
/// ```
pub fn signature_of(key: &SigningKey, string_to_sign: &str) -> String {
    let mut mac = key.mac();
    mac.update(string_to_sign.as_bytes());
    hex_str(&hex32(&mac.finalize().into_bytes())).to_owned()
}

/// The result of [`sign`]: the `Authorization` header value, with views of its parts.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Signature {
    authorization: String,
    signed_headers: Range<usize>,
    signature: Range<usize>,
}

impl Signature {
    /// The full `Authorization` header value:
    /// `AWS4-HMAC-SHA256 Credential=AKID/YYYYMMDD/region/service/aws4_request,
    /// SignedHeaders=a;b, Signature=<64 hex>`.
    pub fn authorization(&self) -> &str {
        &self.authorization
    }

    /// The `Authorization` header value, consuming `self` (no copy).
    pub fn into_authorization(self) -> String {
        self.authorization
    }

    /// The lower-case hex signature (64 characters).
    pub fn signature(&self) -> &str {
        &self.authorization[self.signature.clone()]
    }

    /// The signed header list, `;`-separated.
    pub fn signed_headers(&self) -> &str {
        &self.authorization[self.signed_headers.clone()]
    }
}

impl fmt::Display for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.authorization)
    }
}

/// Signs `req`: canonical request streamed into SHA-256, string to sign streamed into
/// HMAC-SHA256 with the signing key (from `cache` when given, derived otherwise), and the
/// `Authorization` header value built in one allocation.
///
/// The module documentation has a complete example.
pub fn sign(
    req: &SignableRequest<'_>,
    params: &SigningParams<'_>,
    cache: Option<&SigningKeyCache>,
) -> Signature {
    let settings = &params.settings;
    let date = amz_date(params.time);
    canonical::with_signed_headers(req.headers, settings, |entries| {
        let mut hasher = Sha256::new();
        canonical::write_canonical_request(&mut hasher, req, entries, settings);
        let creq_hash = hex32(&hasher.finalize());

        let mut mac = match cache {
            Some(c) => c.mac(
                params.secret_access_key,
                date.date(),
                params.region,
                params.service,
            ),
            None => derive_signing_key(
                params.secret_access_key,
                date.date(),
                params.region,
                params.service,
            )
            .mac(),
        };
        write_string_to_sign(&mut mac, &creq_hash, &date, params.region, params.service);
        let sig = hex32(&mac.finalize().into_bytes());

        const PREFIX: &str = "AWS4-HMAC-SHA256 Credential=";
        const SCOPE_END: &str = "/aws4_request, SignedHeaders=";
        const SIG: &str = ", Signature=";
        let names_len: usize = entries.iter().map(|e| e.name.len() + 1).sum();
        let mut auth = String::with_capacity(
            PREFIX.len()
                + params.access_key_id.len()
                + 10
                + params.region.len()
                + 1
                + params.service.len()
                + SCOPE_END.len()
                + names_len
                + SIG.len()
                + 64,
        );
        auth.push_str(PREFIX);
        auth.push_str(params.access_key_id);
        auth.push('/');
        auth.push_str(date.date());
        auth.push('/');
        auth.push_str(params.region);
        auth.push('/');
        auth.push_str(params.service);
        auth.push_str(SCOPE_END);
        let sh_start = auth.len();
        for_each_signed_name(entries, |name| {
            if auth.len() > sh_start {
                auth.push(';');
            }
            auth.push_str(name);
        });
        let sh_end = auth.len();
        auth.push_str(SIG);
        let sig_start = auth.len();
        auth.push_str(hex_str(&sig));
        let sig_end = auth.len();
        Signature {
            authorization: auth,
            signed_headers: sh_start..sh_end,
            signature: sig_start..sig_end,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

    fn params(settings: SigningSettings) -> SigningParams<'static> {
        SigningParams {
            access_key_id: "AKIDEXAMPLE",
            secret_access_key: SECRET,
            region: "us-east-1",
            service: "service",
            time: UNIX_EPOCH + Duration::from_secs(1_440_938_160),
            settings,
        }
    }

    const VANILLA: SignableRequest<'static> = SignableRequest {
        method: "GET",
        path: "/",
        query: "",
        headers: &[
            ("Host", "example.amazonaws.com"),
            ("X-Amz-Date", "20150830T123600Z"),
        ],
        payload: Payload::Bytes(b""),
    };

    #[test]
    fn get_vanilla() {
        let sig = sign(&VANILLA, &params(SigningSettings::new()), None);
        assert_eq!(
            sig.authorization(),
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, \
             SignedHeaders=host;x-amz-date, \
             Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
        );
        assert_eq!(sig.signed_headers(), "host;x-amz-date");
        assert_eq!(
            sig.signature(),
            "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
        );
        assert_eq!(sig.to_string(), sig.authorization());
    }

    #[test]
    fn streamed_equals_materialized() {
        let p = params(SigningSettings::new());
        let headers = [
            ("Host", "example.amazonaws.com"),
            ("X-Amz-Date", "20150830T123600Z"),
            ("my-header", "  a   b "),
            ("User-Agent", "not signed"),
            ("my-header", "c"),
        ];
        let req = SignableRequest {
            method: "POST",
            path: "/a b/./c/../d",
            query: "z=1&a=%20&a",
            headers: &headers,
            payload: Payload::Bytes(b"{}"),
        };
        let creq = canonical_request(&req, &p.settings);
        let sts = string_to_sign(&creq, &amz_date(p.time), p.region, p.service);
        let key = derive_signing_key(SECRET, "20150830", p.region, p.service);
        let sig = sign(&req, &p, None);
        assert_eq!(sig.signature(), signature_of(&key, &sts));
        assert_eq!(sig.signed_headers(), creq.signed_headers());
        assert_eq!(sig.signed_headers(), "host;my-header;x-amz-date");
        // Hash given instead of bytes: same result.
        let hash = canonical::sha256_hex(b"{}");
        let req2 = SignableRequest {
            payload: Payload::Hash(hex_str(&hash)),
            ..req
        };
        assert_eq!(sign(&req2, &p, None), sig);
    }

    #[test]
    fn cache_gives_the_same_signature() {
        let cache = SigningKeyCache::new();
        let p = params(SigningSettings::new());
        let a = sign(&VANILLA, &p, Some(&cache));
        let b = sign(&VANILLA, &p, Some(&cache));
        assert_eq!(a, b);
        assert_eq!(a, sign(&VANILLA, &p, None));
        assert_eq!(cache.derivations(), 1);
    }

    #[test]
    fn debug_redacts_secrets() {
        let p = params(SigningSettings::new());
        let shown = format!("{p:?}");
        assert!(!shown.contains(SECRET), "{shown}");
        assert!(shown.contains("AKIDEXAMPLE") && shown.contains("20150830T123600Z"));

        let req = SignableRequest {
            headers: &[
                ("Host", "h"),
                ("X-Amz-Security-Token", "TOKEN-VALUE"),
                ("authorization", "AWS4-HMAC-SHA256 SIG"),
            ],
            payload: Payload::Bytes(b"PLAINTEXT"),
            ..VANILLA
        };
        let shown = format!("{req:?}");
        assert!(!shown.contains("TOKEN-VALUE"), "{shown}");
        assert!(!shown.contains("SIG"), "{shown}");
        assert!(!shown.contains("PLAINTEXT"), "{shown}");
        assert!(shown.contains("<9 bytes>"), "{shown}");
    }

    #[test]
    fn settings_defaults() {
        let s = SigningSettings::default();
        assert_eq!(s, SigningSettings::new());
        assert_eq!(s.uri_encoding, UriEncoding::Double);
        assert!(s.normalize_path);
        assert_eq!(s.excluded_headers, NEVER_SIGNED_HEADERS);
    }

    #[test]
    fn public_types_are_send_sync() {
        fn check<T: Send + Sync>() {}
        check::<Signature>();
        check::<SigningSettings>();
        check::<SignableRequest<'static>>();
        check::<SigningParams<'static>>();
        check::<CanonicalRequest>();
        check::<AmzDate>();
    }
}
