//! The transport seam: the [`HttpClient`] trait a [`Client`](crate::Client) sends each attempt
//! through, and the [`HttpRequest`] and [`HttpResponse`] it takes and gives.
//!
//! The default transport (ureq with the TLS backend the features choose, pooled keep-alive
//! connections, no redirects, capped bodies) is built by
//! [`ClientBuilder::build`](crate::ClientBuilder::build); another is given with
//! [`ClientBuilder::http_client`](crate::ClientBuilder::http_client): an HTTP stack of your
//! own, or a fake in tests (the `testing` feature's `MockKms` is one). The
//! request is already signed: a transport sends it as it is, adding `Host`, `Content-Length`
//! and its `User-Agent`, and must not follow redirects.
//!
//! ```
//! use std::time::Duration;
//! use kms_lite::error::{TransportError, TransportErrorKind};
//! use kms_lite::http::{HttpClient, HttpRequest, HttpResponse};
//!
//! /// Answers every request with an empty success, as a service that is always happy.
//! #[derive(Debug)]
//! struct AlwaysOk;
//!
//! impl HttpClient for AlwaysOk {
//!     fn send(&self, request: &HttpRequest, _timeout: Option<Duration>) -> Result<HttpResponse, TransportError> {
//!         if request.url().starts_with("https://") {
//!             Ok(HttpResponse::new(200, vec![], b"{}".to_vec()))
//!         } else {
//!             Err(TransportError::new(TransportErrorKind::InvalidRequest, "https only"))
//!         }
//!     }
//! }
//!
//! let client = kms_lite::Client::builder()
//!     .env(kms_lite::config::Env::from_pairs([("AWS_REGION", "us-east-1")]))
//!     .credentials(kms_lite::credentials::Credentials::new("AKIDEXAMPLE", "secret", None))
//!     .http_client(AlwaysOk)
//!     .build()?;
//! let out = client.raw_call("ListKeys", &serde_json::json!({}))?;
//! assert!(out.json().is_empty());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::error::TransportError;

/// Sends one request and reads the whole response. The client calls it once per attempt.
///
/// The default is ureq; tests and benches plug in their own (a capturing client, a replay).
pub trait HttpClient: fmt::Debug + Send + Sync {
    /// Sends `request` and returns the response with its whole body, or why none arrived.
    /// `timeout` bounds the whole exchange when the call has a deadline.
    fn send(
        &self,
        request: &HttpRequest,
        timeout: Option<Duration>,
    ) -> Result<HttpResponse, TransportError>;
}

/// A signed HTTP request, ready to send: what a transport ([`HttpClient`]) is given.
///
/// The client builds one per attempt without copying what stays the same between attempts
/// (the URL, the session token).
///
/// ```
/// use kms_lite::http::HttpRequest;
/// let request = HttpRequest::new("POST", "https://kms.us-east-1.amazonaws.com/")
///     .with_header("content-type", "application/x-amz-json-1.1")
///     .with_body(br#"{"KeyId":"alias/app"}"#.to_vec());
/// assert_eq!(request.header("Content-Type"), Some("application/x-amz-json-1.1"));
/// assert_eq!(request.headers().count(), 1);
/// assert_eq!(request.body().len(), 21);
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct HttpRequest {
    pub(crate) method: &'static str,
    pub(crate) url: Arc<str>,
    pub(crate) headers: Vec<(&'static str, HeaderValue)>,
    pub(crate) body: Vec<u8>,
}

/// A header value: a constant, a string of this request, or one shared with every attempt.
#[derive(Clone, PartialEq, Eq)]
pub(crate) enum HeaderValue {
    Static(&'static str),
    Owned(String),
    Shared(Arc<str>),
    /// `x-amz-date`, held inline.
    Date(crate::sigv4::AmzDate),
}

impl HeaderValue {
    pub(crate) fn as_str(&self) -> &str {
        match self {
            HeaderValue::Static(s) => s,
            HeaderValue::Owned(s) => s,
            HeaderValue::Shared(s) => s,
            HeaderValue::Date(d) => d.as_str(),
        }
    }
}

impl From<&'static str> for HeaderValue {
    fn from(s: &'static str) -> Self {
        HeaderValue::Static(s)
    }
}

impl From<String> for HeaderValue {
    fn from(s: String) -> Self {
        HeaderValue::Owned(s)
    }
}

impl From<Arc<str>> for HeaderValue {
    fn from(s: Arc<str>) -> Self {
        HeaderValue::Shared(s)
    }
}

impl HttpRequest {
    /// A request without headers or body. `Host` and `Content-Length` are never set here:
    /// the transport derives them from the URL and the body.
    pub fn new(method: &'static str, url: impl Into<Arc<str>>) -> Self {
        HttpRequest {
            method,
            url: url.into(),
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    /// The same request with one more header, sent after those already set.
    pub fn with_header(mut self, name: &'static str, value: impl Into<Cow<'static, str>>) -> Self {
        let value = match value.into() {
            Cow::Borrowed(s) => HeaderValue::Static(s),
            Cow::Owned(s) => HeaderValue::Owned(s),
        };
        self.headers.push((name, value));
        self
    }

    /// The same request with this body.
    pub fn with_body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = body.into();
        self
    }

    /// The method: `POST` for every KMS call.
    pub fn method(&self) -> &str {
        self.method
    }

    /// The full URL: endpoint and path.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The header names and values in the order they are to be sent (`Host` and
    /// `Content-Length` are left to the transport, which derives them from the URL and body).
    pub fn headers(&self) -> impl ExactSizeIterator<Item = (&str, &str)> + '_ {
        self.headers.iter().map(|(n, v)| (*n, v.as_str()))
    }

    /// The first header with this name (ASCII case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    }

    /// The body.
    pub fn body(&self) -> &[u8] {
        &self.body
    }
}

/// Header names and values as `Debug` shows them: secret values (authorization, session and
/// metadata tokens) replaced by `** redacted **`.
pub(crate) fn redacted_headers<'a>(
    headers: impl Iterator<Item = (&'a str, &'a str)>,
) -> Vec<(&'a str, &'a str)> {
    headers
        .map(|(n, v)| {
            (
                n,
                if crate::debug_log::is_secret_header(n) {
                    "** redacted **"
                } else {
                    v
                },
            )
        })
        .collect()
}

impl std::fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let headers = redacted_headers(self.headers());
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("url", &self.url)
            .field("headers", &headers)
            .field("body_len", &self.body.len())
            .finish()
    }
}

/// An HTTP response as the transport read it: status, headers, whole body. A transport of
/// your own builds it with [`HttpResponse::new`].
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct HttpResponse {
    /// The status code.
    pub status: u16,
    /// Header names (as received) and values; non-UTF-8 values are dropped.
    pub headers: Vec<(String, String)>,
    /// The body, complete (the transport rejects truncated or oversized bodies).
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// A response with this status, these headers (names as received) and this whole body.
    ///
    /// ```
    /// use kms_lite::http::HttpResponse;
    /// let r = HttpResponse::new(200, vec![("X-Amzn-RequestId".into(), "abc".into())], b"{}".to_vec());
    /// assert_eq!((r.status, r.body.as_slice()), (200, &b"{}"[..]));
    /// ```
    pub fn new(status: u16, headers: Vec<(String, String)>, body: Vec<u8>) -> Self {
        HttpResponse {
            status,
            headers,
            body,
        }
    }

    /// The first header with this name (ASCII case-insensitive).
    ///
    /// ```
    /// use kms_lite::http::HttpResponse;
    /// let r = HttpResponse::new(200, vec![("X-Amzn-RequestId".into(), "abc".into())], vec![]);
    /// assert_eq!(r.header("x-amzn-requestid"), Some("abc"));
    /// ```
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The request id KMS assigned (`x-amzn-RequestId`).
    pub fn request_id(&self) -> Option<&str> {
        self.header("x-amzn-requestid")
    }
}

impl std::fmt::Debug for HttpResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The body can hold key material (GenerateDataKey, Decrypt): only its length is shown.
        f.debug_struct("HttpResponse")
            .field("status", &self.status)
            .field("headers", &self.headers)
            .field("body_len", &self.body.len())
            .finish()
    }
}
