//! The blocking transport: one ureq `Agent` per client, no redirects, capped bodies.

use std::fmt;
use std::io::Read;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use crate::error::{ConfigError, ConfigErrorKind, TransportError, TransportErrorKind};
use crate::http::{HttpClient, HttpRequest, HttpResponse};

/// The longest bound the transport applies: a timeout longer than this (`Duration::MAX`, say)
/// is taken as this, since ureq adds timeouts to the current instant.
pub const LONGEST_TIMEOUT: Duration = Duration::from_secs(365 * 24 * 60 * 60);

/// Settings of the ureq transport.
#[derive(Debug, Clone)]
pub struct TransportConfig {
    /// Connect timeout (TCP and TLS handshake); at most [`LONGEST_TIMEOUT`].
    pub connect_timeout: Duration,
    /// Longest wait for any single read from the socket; also the most time for receiving the
    /// response head, and separately the body, of one attempt. At most [`LONGEST_TIMEOUT`].
    pub read_timeout: Duration,
    /// The largest response body accepted.
    pub max_response_bytes: u64,
    /// The `User-Agent` header.
    pub user_agent: String,
    /// Connect here instead of resolving the endpoint's host.
    pub connect_to: Option<SocketAddr>,
    /// Trust only these PEM certificates (a CA bundle) instead of the built-in roots.
    pub ca_bundle_pem: Option<Arc<Vec<u8>>>,
    /// The proxy URL, if the request must go through one: `http://` or `https://` (a URL
    /// without a scheme is `http://`); any other scheme is a configuration error.
    pub proxy: Option<String>,
}

/// The default transport: a ureq `Agent` with pooled keep-alive connections.
pub struct UreqClient {
    agent: ureq::Agent,
    max_response_bytes: u64,
    /// Every connection goes to a proxy first: connection errors say so.
    through_proxy: bool,
}

impl fmt::Debug for UreqClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UreqClient")
            .field("max_response_bytes", &self.max_response_bytes)
            .finish_non_exhaustive()
    }
}

#[derive(Debug)]
struct FixedResolver(SocketAddr);

impl ureq::unversioned::resolver::Resolver for FixedResolver {
    fn resolve(
        &self,
        _uri: &ureq::http::Uri,
        _config: &ureq::config::Config,
        _timeout: ureq::unversioned::transport::NextTimeout,
    ) -> Result<ureq::unversioned::resolver::ResolvedSocketAddrs, ureq::Error> {
        let mut addrs = self.empty();
        addrs.push(self.0);
        Ok(addrs)
    }
}

impl UreqClient {
    /// Builds the agent. Root certificates are only parsed when a CA bundle is given; the
    /// built-in roots are loaded by rustls on the first TLS connection, never for plain HTTP.
    pub fn new(config: &TransportConfig) -> Result<Self, ConfigError> {
        use ureq::config::AutoHeaderValue;
        let connect_timeout = config.connect_timeout.min(LONGEST_TIMEOUT);
        let read_timeout = config.read_timeout.min(LONGEST_TIMEOUT);
        let mut builder = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .max_redirects_will_error(false)
            .user_agent(AutoHeaderValue::Provided(Arc::new(
                config.user_agent.clone(),
            )))
            .accept(AutoHeaderValue::None)
            .accept_encoding(AutoHeaderValue::None)
            .timeout_connect(Some(connect_timeout))
            // Per read restarts on every read; the receive bounds stop a server that trickles
            // a byte at a time from holding an attempt open for ever.
            .timeout_per_read(Some(read_timeout))
            .timeout_recv_response(Some(read_timeout))
            .timeout_recv_body(Some(read_timeout))
            .timeout_per_write(Some(read_timeout))
            .max_idle_connections_per_host(64)
            // KMS messages are a few KiB: ureq's 128 KiB per-connection buffers would be most
            // of a small process's memory, and of a batch's with many connections.
            .max_response_header_size(16 * 1024)
            .input_buffer_size(32 * 1024)
            .output_buffer_size(16 * 1024)
            .proxy(None);
        if let Some(proxy) = &config.proxy {
            builder = builder.proxy(Some(crate::proxy::parse(proxy, "the proxy URL")?));
        }
        let ca_bundle = match &config.ca_bundle_pem {
            Some(pem) => Some(parse_ca_bundle(pem)?),
            None => None,
        };
        builder = builder.tls_config(crate::tls::config(ca_bundle)?);
        let agent_config = builder.build();
        let agent = match config.connect_to {
            Some(addr) => ureq::Agent::with_parts(
                agent_config,
                ureq::unversioned::transport::DefaultConnector::default(),
                FixedResolver(addr),
            ),
            None => ureq::Agent::new_with_config(agent_config),
        };
        Ok(UreqClient {
            agent,
            max_response_bytes: config.max_response_bytes,
            through_proxy: config.proxy.is_some(),
        })
    }
}

/// Parses every certificate of a PEM bundle; a bundle without any is an error, and so is a
/// certificate that is not even a DER structure (rustls would drop it without a word, and
/// every handshake would then fail as untrusted).
fn parse_ca_bundle(pem: &[u8]) -> Result<Vec<ureq::tls::Certificate<'static>>, ConfigError> {
    let mut certs = Vec::new();
    for item in ureq::tls::parse_pem(pem) {
        match item {
            Ok(ureq::tls::PemItem::Certificate(c)) if !is_der_sequence(c.der()) => {
                return Err(ConfigError::of(
                    ConfigErrorKind::CaBundle,
                    format!(
                        "the CA bundle's certificate number {} is not a DER certificate",
                        certs.len() + 1
                    ),
                ));
            }
            Ok(ureq::tls::PemItem::Certificate(c)) => certs.push(c),
            Ok(_) => {}
            Err(_) => {
                return Err(ConfigError::of(
                    ConfigErrorKind::CaBundle,
                    "the CA bundle is not valid PEM",
                ));
            }
        }
    }
    if certs.is_empty() {
        return Err(ConfigError::of(
            ConfigErrorKind::CaBundle,
            "the CA bundle holds no certificate",
        ));
    }
    Ok(certs)
}

/// Whether `der` is one whole DER SEQUENCE (definite length, nothing after it): the envelope
/// of every X.509 certificate.
fn is_der_sequence(der: &[u8]) -> bool {
    let [0x30, first, rest @ ..] = der else {
        return false;
    };
    let (len, body) = if *first < 0x80 {
        (usize::from(*first), rest)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 || rest.len() < n {
            return false;
        }
        let len = rest[..n]
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
        (len, &rest[n..])
    };
    body.len() == len
}

/// Refuses a header value HTTP/1.1 could not carry as text (control characters, non-ASCII),
/// naming the header and what it is made from, never its value.
fn check_header_values(request: &HttpRequest) -> Result<(), TransportError> {
    let Some((name, _)) = request.headers.iter().find(|(_, v)| {
        !v.as_str()
            .bytes()
            .all(|b| b == b'\t' || (b' '..=b'~').contains(&b))
    }) else {
        return Ok(());
    };
    let from = if name.eq_ignore_ascii_case("authorization") {
        " (it carries the access key id: check the credentials)"
    } else if name.eq_ignore_ascii_case("x-amz-security-token") {
        " (it carries the session token: check the credentials)"
    } else {
        ""
    };
    Err(TransportError::new(
        TransportErrorKind::InvalidRequest,
        format!(
            "the request was not sent: its {name} header would hold a control character or \
             non-ASCII text{from}"
        ),
    ))
}

impl HttpClient for UreqClient {
    fn send(
        &self,
        request: &HttpRequest,
        timeout: Option<Duration>,
    ) -> Result<HttpResponse, TransportError> {
        check_header_values(request)?;
        let mut builder = ureq::http::Request::builder()
            .method(request.method)
            .uri(&*request.url);
        for (name, value) in &request.headers {
            builder = builder.header(*name, value.as_str());
        }
        let http_request = builder.body(&request.body[..]).map_err(|_| {
            TransportError::new(
                TransportErrorKind::InvalidRequest,
                format!(
                    "the request was not sent: the HTTP stack refuses its URL {}",
                    crate::endpoint::redact_url(&request.url)
                ),
            )
        })?;
        let http_request = match timeout {
            Some(t) => self
                .agent
                .configure_request(http_request)
                .timeout_global(Some(t.min(LONGEST_TIMEOUT)))
                .build(),
            None => http_request,
        };
        let mut response = self
            .agent
            .run(http_request)
            .map_err(|e| map_error(e, &request.url, self.through_proxy))?;
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .filter_map(|(n, v)| Some((n.as_str().to_owned(), v.to_str().ok()?.to_owned())))
            .collect();
        let body = read_body(response.body_mut(), self.max_response_bytes)?;
        Ok(HttpResponse {
            status,
            headers,
            body,
        })
    }
}

/// Preallocate at most this much from a declared `Content-Length`; more grows as bytes arrive.
const PREALLOCATE_MAX: u64 = 64 * 1024;

/// Reads the whole body, refusing more than `cap` bytes and bodies that end early (shorter than
/// their `Content-Length`, a chunked body without its last chunk, a connection closed mid-body).
/// A declared length over the cap is refused before anything is read or allocated.
fn read_body(body: &mut ureq::Body, cap: u64) -> Result<Vec<u8>, TransportError> {
    let declared = body.content_length();
    if let Some(len) = declared {
        if len > cap {
            return Err(too_large(cap));
        }
    }
    // Read one byte past the cap to tell "exactly at the cap" from "over it".
    let mut reader = body
        .with_config()
        .limit(u64::MAX)
        .reader()
        .take(cap.saturating_add(1));
    let prealloc = declared.unwrap_or(0).min(cap).min(PREALLOCATE_MAX);
    let mut out = Vec::with_capacity(usize::try_from(prealloc).unwrap_or(0));
    reader.read_to_end(&mut out).map_err(body_error)?;
    if out.len() as u64 > cap {
        return Err(too_large(cap));
    }
    if let Some(len) = declared {
        if (out.len() as u64) < len {
            return Err(TransportError::new(
                TransportErrorKind::Truncated,
                format!(
                    "the response body ended after {} of its {} bytes",
                    out.len(),
                    len
                ),
            ));
        }
    }
    Ok(out)
}

/// Sorts an error met while reading the body: an early end is `Truncated`, a timeout is
/// `Timeout`, anything else (a reset, a malformed chunk) is `Io`. All three are retryable.
fn body_error(e: std::io::Error) -> TransportError {
    use TransportErrorKind as K;
    let e = ureq::Error::from(e);
    let (kind, why) = match &e {
        ureq::Error::Io(io) => match io.kind() {
            std::io::ErrorKind::UnexpectedEof => (
                K::Truncated,
                "the connection closed before the whole response body arrived".to_owned(),
            ),
            std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock => (
                K::Timeout,
                format!("reading the response body timed out: {io}"),
            ),
            _ => (K::Io, format!("reading the response body failed: {io}")),
        },
        ureq::Error::Timeout(t) => (
            K::Timeout,
            format!("reading the response body timed out ({t})"),
        ),
        ureq::Error::BodyExceedsLimit(n) => (
            K::BodyTooLarge,
            format!("the response body exceeds {n} bytes"),
        ),
        other => (K::Io, format!("reading the response body failed: {other}")),
    };
    with_cause(TransportError::new(kind, why), e)
}

/// Keeps what is behind a ureq error as the transport error's source: the `std::io::Error`
/// of the connection, or the TLS library's error. Other ureq errors are described by the
/// message alone (their text can hold a URL with user information, or a proxy's answer).
fn with_cause(error: TransportError, cause: ureq::Error) -> TransportError {
    match cause {
        ureq::Error::Io(io) => error.with_source(io),
        #[cfg(any(feature = "rustls", feature = "platform-verifier"))]
        ureq::Error::Rustls(tls) => error.with_source(tls),
        #[cfg(feature = "native-tls")]
        ureq::Error::NativeTls(tls) => error.with_source(tls),
        _ => error,
    }
}

fn too_large(cap: u64) -> TransportError {
    TransportError::new(
        TransportErrorKind::BodyTooLarge,
        format!("the response body is larger than the {cap}-byte limit"),
    )
}

fn map_error(e: ureq::Error, url: &str, through_proxy: bool) -> TransportError {
    use TransportErrorKind as K;
    let (kind, what) = match &e {
        ureq::Error::Timeout(t) => (K::Timeout, format!("timed out ({t:?})")),
        ureq::Error::HostNotFound => (K::Connect, "the host name could not be resolved".into()),
        ureq::Error::ConnectionFailed => (K::Connect, "the connection failed".into()),
        ureq::Error::Io(io) => match io.kind() {
            std::io::ErrorKind::ConnectionRefused
            | std::io::ErrorKind::AddrNotAvailable
            | std::io::ErrorKind::NetworkUnreachable
            | std::io::ErrorKind::HostUnreachable => {
                (K::Connect, format!("could not connect: {io}"))
            }
            std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock => {
                (K::Timeout, format!("timed out: {io}"))
            }
            // rustls reports every TLS failure (a certificate that fails verification, an
            // alert, a peer that does not speak TLS) as InvalidData; nothing else in the
            // connection does. None of them is fixed by trying again.
            std::io::ErrorKind::InvalidData => (K::Tls, format!("TLS failed: {io}")),
            _ => (K::Io, format!("the connection failed: {io}")),
        },
        ureq::Error::Tls(msg) => (K::Tls, format!("TLS failed: {msg}")),
        #[cfg(any(feature = "rustls", feature = "platform-verifier"))]
        ureq::Error::Rustls(err) => (K::Tls, format!("TLS failed: {err}")),
        #[cfg(feature = "native-tls")]
        ureq::Error::NativeTls(err) => crate::tls::native_tls_error(err),
        ureq::Error::BodyExceedsLimit(n) => (
            K::BodyTooLarge,
            format!("the response body exceeds {n} bytes"),
        ),
        ureq::Error::Protocol(p) => (K::Io, format!("the response is not valid HTTP/1.1: {p}")),
        ureq::Error::InvalidProxyUrl | ureq::Error::ConnectProxyFailed(_) => {
            (K::Connect, format!("the proxy failed: {e}"))
        }
        other => (K::Io, other.to_string()),
    };
    let via = if through_proxy && kind == K::Connect {
        " (through the proxy)"
    } else {
        ""
    };
    let url = crate::endpoint::redact_url(url);
    with_cause(
        TransportError::new(kind, format!("{what}{via} when calling {url}")),
        e,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A URL with user info (a container credentials URI can carry one) never shows its password
    /// in a transport error, whatever failed.
    #[test]
    fn transport_errors_never_show_a_urls_password() {
        let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = closed.local_addr().unwrap();
        drop(closed);
        let http = UreqClient::new(&TransportConfig {
            connect_timeout: Duration::from_secs(5),
            read_timeout: Duration::from_secs(5),
            max_response_bytes: 1024,
            user_agent: "kms-lite-test".into(),
            connect_to: None,
            ca_bundle_pem: None,
            proxy: None,
        })
        .unwrap();
        for (url, kind, shown) in [
            (
                format!("http://user:hunter2@{addr}/creds"),
                TransportErrorKind::Connect,
                format!(" when calling http://***@{addr}/creds"),
            ),
            (
                format!("http://user:hunter2@{addr}/a b"),
                TransportErrorKind::InvalidRequest,
                format!("the HTTP stack refuses its URL http://***@{addr}/a b"),
            ),
        ] {
            let request = HttpRequest::new("GET", url);
            let e = http.send(&request, None).unwrap_err();
            assert_eq!(e.kind(), kind, "{e}");
            let text = e.to_string();
            assert!(text.contains(&shown), "{text}");
            assert!(!text.contains("hunter2"), "{text}");
        }
    }
}
