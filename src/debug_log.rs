//! The `--debug` hook: one line per HTTP request and per response, with credentials redacted
//! and no body ever shown (Decrypt and GenerateDataKey answers hold plaintext, STS answers hold
//! secret keys, web identity requests hold tokens): only body lengths.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::endpoint::redact_url;
use crate::error::TransportError;
use crate::http::HttpClient;
use crate::http::{HttpRequest, HttpResponse};
use crate::settings::{CaBundle, ResolvedConfig, SharedConfig};

/// A receiver of debug lines, shared by the client and the credential providers.
pub(crate) type DebugLog = Arc<dyn Fn(&str) + Send + Sync>;

/// The `config:` line: where each setting came from. URLs (the endpoint, the proxy) are shown
/// with any user information redacted.
pub(crate) fn config_line(
    shared: &SharedConfig,
    resolved: &ResolvedConfig,
    proxy: Option<&str>,
) -> String {
    format!(
        "config: profile {}; region {} (from {}); endpoint {} (from {}); proxy {}; max attempts \
         {}; retry mode {:?}; CA bundle {}; app id {}",
        shared.profile_name(),
        resolved.region,
        resolved.region_source,
        redact_url(&resolved.endpoint_url),
        resolved.endpoint_source,
        proxy.map_or("none".into(), redact_url),
        resolved.max_attempts,
        resolved.retry_mode,
        match &resolved.ca_bundle {
            Some(CaBundle::File { path, source }) => format!("{path} (from {source})"),
            Some(CaBundle::Pem(_)) => "given in code".to_owned(),
            None => format!("none ({})", crate::tls::DEFAULT_TRUST),
        },
        match (&resolved.app_id, &resolved.app_id_source) {
            (Some(id), Some(source)) => format!("{id} (from {source})"),
            _ => "none".to_owned(),
        },
    )
}

/// The log line of a request: `request: POST https://... headers: {...} body: N bytes`.
pub(crate) fn request_line(req: &HttpRequest) -> String {
    let headers = req
        .headers
        .iter()
        .map(|(n, v)| header_text(n, v.as_str()))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "request: {} {} headers: {{{headers}}} body: {} bytes",
        req.method,
        redact_url(&req.url),
        req.body.len()
    )
}

/// The log line of a response: status, headers, body length, and for errors the error code.
pub(crate) fn response_line(req: &HttpRequest, resp: &HttpResponse) -> String {
    let headers = resp
        .headers
        .iter()
        .map(|(n, v)| header_text(n, v.as_str()))
        .collect::<Vec<_>>()
        .join(", ");
    let reason = crate::codec::reason_phrase(resp.status);
    let mut line = format!(
        "response: {} {reason} to {} {} headers: {{{headers}}} body: {} bytes",
        resp.status,
        req.method,
        redact_url(&req.url),
        resp.body.len()
    );
    if resp.status >= 300 {
        let code = crate::error::Escaped(error_code(resp));
        line.push_str(&format!(" error code: {code}"));
    }
    line
}

fn header_text(name: &str, value: &str) -> String {
    if is_secret_header(name) {
        format!("{name}: ** redacted **")
    } else {
        format!("{name}: {value}")
    }
}

fn error_code(resp: &HttpResponse) -> String {
    let text = String::from_utf8_lossy(&resp.body);
    if text.trim_start().starts_with('<') {
        if let Some((code, _)) = crate::xml::parse_sts_error(&text) {
            return code;
        }
        return resp.status.to_string();
    }
    crate::codec::decode_error("", resp).code().to_owned()
}

/// A transport that logs each exchange before handing it on.
pub(crate) struct LoggingHttp {
    pub(crate) inner: Arc<dyn HttpClient>,
    pub(crate) log: DebugLog,
}

impl fmt::Debug for LoggingHttp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoggingHttp")
            .field("inner", &self.inner)
            .finish_non_exhaustive()
    }
}

impl HttpClient for LoggingHttp {
    fn send(
        &self,
        request: &HttpRequest,
        timeout: Option<Duration>,
    ) -> Result<HttpResponse, TransportError> {
        (self.log)(&request_line(request));
        let result = self.inner.send(request, timeout);
        match &result {
            Ok(resp) => (self.log)(&response_line(request, resp)),
            Err(e) => (self.log)(&format!(
                "response: none to {} {}: {e}",
                request.method,
                redact_url(&request.url)
            )),
        }
        result
    }
}

/// Wraps `http` in a logger when there is a log.
pub(crate) fn wrap(http: Arc<dyn HttpClient>, log: Option<&DebugLog>) -> Arc<dyn HttpClient> {
    match log {
        Some(log) => Arc::new(LoggingHttp {
            inner: http,
            log: Arc::clone(log),
        }),
        None => http,
    }
}

/// Headers whose values are credentials or tokens: `Debug` and the debug log show them as
/// `** redacted **`.
pub(crate) const SECRET_HEADERS: &[&str] = &[
    "authorization",
    "x-amz-security-token",
    "x-aws-ec2-metadata-token",
    "x-amz-sso_bearer_token",
];

/// Whether a header's value must never be shown.
pub(crate) fn is_secret_header(name: &str) -> bool {
    SECRET_HEADERS.iter().any(|s| s.eq_ignore_ascii_case(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_container_and_sso_tokens_are_redacted_in_log_lines() {
        let req = HttpRequest::new("GET", "http://127.0.0.1:1/x")
            .with_header("x-aws-ec2-metadata-token", "ROLETOKEN")
            .with_header("x-amz-sso_bearer_token", "WEB-IDENTITY-TOKEN")
            .with_header("authorization", "ROLESECRET")
            .with_header("x-aws-ec2-metadata-token-ttl-seconds", "21600")
            .with_body(b"ROLESECRET".to_vec());
        let line = request_line(&req);
        for secret in ["ROLETOKEN", "WEB-IDENTITY-TOKEN", "ROLESECRET"] {
            assert!(!line.contains(secret), "{line}");
        }
        assert!(
            line.contains("x-aws-ec2-metadata-token-ttl-seconds: 21600"),
            "{line}"
        );
        assert!(line.ends_with("body: 10 bytes"), "{line}");
    }
}
