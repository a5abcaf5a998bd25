//! The sans-IO request and response that pass between the core and the transport.

/// A signed HTTP request, ready to send.
#[derive(Clone, PartialEq, Eq)]
pub struct HttpRequest {
    /// `POST` for every KMS call.
    pub method: &'static str,
    /// The full URL: endpoint and path.
    pub url: String,
    /// Header names and values in the order they are sent (`Host` and `Content-Length` are
    /// left to the transport, which derives them from the URL and body).
    /// Values borrow where they are constants (content type, target) and own otherwise.
    pub headers: Vec<(&'static str, std::borrow::Cow<'static, str>)>,
    /// The body.
    pub body: Vec<u8>,
}

impl HttpRequest {
    /// The first header with this name (ASCII case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_ref())
    }
}

/// Headers whose values are credentials or tokens: `Debug` and the debug log show them as
/// `** redacted **`.
pub const SECRET_HEADERS: &[&str] = &[
    "authorization",
    "x-amz-security-token",
    "x-aws-ec2-metadata-token",
    "x-amz-sso_bearer_token",
];

/// Whether a header's value must never be shown.
pub fn is_secret_header(name: &str) -> bool {
    SECRET_HEADERS.iter().any(|s| s.eq_ignore_ascii_case(name))
}

/// Header names and values as `Debug` shows them: secret values (see [`is_secret_header`])
/// replaced by `** redacted **`.
pub(crate) fn redacted_headers<'a>(
    headers: impl Iterator<Item = (&'a str, &'a str)>,
) -> Vec<(&'a str, &'a str)> {
    headers
        .map(|(n, v)| {
            (
                n,
                if is_secret_header(n) {
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
        let headers = redacted_headers(self.headers.iter().map(|(n, v)| (*n, v.as_ref())));
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("url", &self.url)
            .field("headers", &headers)
            .field("body_len", &self.body.len())
            .finish()
    }
}

/// An HTTP response as the transport read it: status, headers, whole body.
#[derive(Clone, PartialEq, Eq)]
pub struct HttpResponse {
    /// The status code.
    pub status: u16,
    /// Header names (as received) and values; non-UTF-8 values are dropped.
    pub headers: Vec<(String, String)>,
    /// The body, complete (the transport rejects truncated or oversized bodies).
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// The first header with this name (ASCII case-insensitive).
    ///
    /// ```
    /// use kms_lite::http::HttpResponse;
    /// let r = HttpResponse { status: 200, headers: vec![("X-Amzn-RequestId".into(), "abc".into())], body: vec![] };
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
