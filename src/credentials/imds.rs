//! EC2 instance metadata, IMDSv2 only: `PUT /latest/api/token` with
//! `X-aws-ec2-metadata-token-ttl-seconds: 21600`, then with that token
//! `GET /latest/meta-data/iam/security-credentials/` (the role) and
//! `GET /latest/meta-data/iam/security-credentials/<role>` (its credentials), or
//! `GET /latest/meta-data/placement/region`. Never through a proxy; 1 s timeouts. Each request
//! is retried on a 5xx, and on a 401 with a new token, up to `AWS_METADATA_SERVICE_NUM_ATTEMPTS`
//! (or the profile's `metadata_service_num_attempts`, default 4) attempts; a request that gets
//! no answer is not retried, so that off EC2 the chain moves on at once.
//!
//! The endpoint: `AWS_EC2_METADATA_SERVICE_ENDPOINT`, else the profile's
//! `ec2_metadata_service_endpoint`, else by `AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE` (or the
//! profile's `ec2_metadata_service_endpoint_mode`) `IPv6` `http://[fd00:ec2::254]`, else
//! `http://169.254.169.254`. `AWS_EC2_METADATA_DISABLED=true` turns it off.

use std::fmt;
use std::sync::Arc;

use super::fetch::{metadata_credentials, status_error};
use super::retry::{Attempt, with_retries};
use super::url::MetadataUrl;
use super::{Credentials, CredentialsError, ProviderConfig};
use crate::endpoint::redact_url;
use crate::error::TransportErrorKind;
use crate::http::HttpClient;
use crate::http::{HttpRequest, HttpResponse};
use crate::retry::RetryKind;

/// The IPv4 instance metadata endpoint.
pub(super) const IMDS_ENDPOINT: &str = "http://169.254.169.254";
/// The IPv6 instance metadata endpoint.
pub(super) const IMDS_ENDPOINT_IPV6: &str = "http://[fd00:ec2::254]";
const CREDENTIALS_PATH: &str = "/latest/meta-data/iam/security-credentials/";

/// Credentials of the instance's IAM role.
#[derive(Clone)]
pub struct ImdsProvider {
    cfg: ProviderConfig,
}

impl fmt::Debug for ImdsProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ImdsProvider")
            .field(
                "endpoint",
                &endpoint(&self.cfg).unwrap_or_else(|_| {
                    configured_endpoint(&self.cfg)
                        .map(|u| redact_url(&u).into_owned())
                        .unwrap_or_default()
                }),
            )
            .finish_non_exhaustive()
    }
}

/// The endpoint set by `AWS_EC2_METADATA_SERVICE_ENDPOINT` or the profile, as written.
fn configured_endpoint(cfg: &ProviderConfig) -> Option<String> {
    cfg.shared()
        .env()
        .get_non_empty("AWS_EC2_METADATA_SERVICE_ENDPOINT")
        .or_else(|| {
            cfg.shared()
                .profile_value("ec2_metadata_service_endpoint")
                .map(str::to_owned)
        })
}

/// The metadata endpoint, without a trailing `/`; a configured one that is not a plain
/// `http(s)://host[:port]` URL (user information, say) is refused.
fn endpoint(cfg: &ProviderConfig) -> Result<String, CredentialsError> {
    if let Some(url) = configured_endpoint(cfg) {
        return MetadataUrl::parse(&url).map(|u| u.base()).map_err(|why| {
            CredentialsError::invalid_configuration(format!(
                "the instance metadata endpoint {} is refused: {why}",
                redact_url(&url)
            ))
        });
    }
    let shared = cfg.shared();
    let mode = shared
        .env()
        .get_non_empty("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE")
        .or_else(|| {
            shared
                .profile_value("ec2_metadata_service_endpoint_mode")
                .map(str::to_owned)
        });
    Ok(match mode {
        Some(m) if m.eq_ignore_ascii_case("ipv6") => IMDS_ENDPOINT_IPV6.to_owned(),
        _ => IMDS_ENDPOINT.to_owned(),
    })
}

fn disabled(cfg: &ProviderConfig) -> bool {
    cfg.env()
        .get_non_empty("AWS_EC2_METADATA_DISABLED")
        .is_some_and(|v| v.eq_ignore_ascii_case("true"))
}

struct Session {
    cfg: ProviderConfig,
    base: String,
    http: Arc<dyn HttpClient>,
    attempts: u32,
    token: String,
}

/// Why a metadata call gave nothing: not there (not on EC2) or a real failure.
fn unreachable(base: &str, e: &crate::error::TransportError) -> CredentialsError {
    let msg = format!("no instance metadata service answered at {base}: {e}");
    let err = match e.kind() {
        TransportErrorKind::Connect | TransportErrorKind::Timeout => {
            CredentialsError::not_loaded(msg)
        }
        _ => CredentialsError::new(msg),
    };
    err.with_source(e.clone())
}

/// `PUT /latest/api/token`. A 5xx is retried; no answer is not (off EC2 the chain must move on
/// at once, as in the SDKs); a 403 means IMDS is turned off on this instance.
fn fetch_token(
    cfg: &ProviderConfig,
    base: &str,
    http: &Arc<dyn HttpClient>,
    attempts: u32,
) -> Result<String, CredentialsError> {
    let request = HttpRequest {
        method: "PUT",
        url: format!("{base}/latest/api/token").into(),
        headers: vec![("x-aws-ec2-metadata-token-ttl-seconds", "21600".into())],
        body: Vec::new(),
    };
    with_retries(cfg, attempts, |_| {
        let resp = match http.send(&request, None) {
            Ok(resp) => resp,
            Err(e) => return Attempt::Fail(unreachable(base, &e)),
        };
        match resp.status {
            200 => {}
            403 => {
                return Attempt::Fail(CredentialsError::not_loaded(
                    "instance metadata: the token request was refused (HTTP 403): IMDS is disabled on this instance",
                ));
            }
            s if s >= 500 => {
                return Attempt::Retry(
                    RetryKind::Transient,
                    status_error("instance metadata token", &resp),
                );
            }
            _ => return Attempt::Fail(status_error("instance metadata token", &resp)),
        }
        let token = String::from_utf8_lossy(&resp.body).trim().to_owned();
        if token.is_empty() || token.chars().any(char::is_control) {
            return Attempt::Fail(CredentialsError::new(
                "instance metadata: the token answer is empty or not a token",
            ));
        }
        Attempt::Ok(token)
    })
}

impl Session {
    fn open(cfg: &ProviderConfig) -> Result<Session, CredentialsError> {
        if disabled(cfg) {
            return Err(CredentialsError::not_loaded(
                "turned off by AWS_EC2_METADATA_DISABLED",
            ));
        }
        let base = endpoint(cfg)?;
        let http = cfg.metadata_http()?;
        let attempts = cfg.metadata_attempts()?;
        let token = fetch_token(cfg, &base, &http, attempts)?;
        Ok(Session {
            cfg: cfg.clone(),
            base,
            http,
            attempts,
            token,
        })
    }

    /// `GET path` with the token. A 5xx is retried, and a 401 (the token expired) is retried
    /// with a new token, as the SDKs do; other answers are the caller's to judge. `what` names
    /// the request in errors.
    fn get(&mut self, path: &str, what: &str) -> Result<HttpResponse, CredentialsError> {
        let cfg = self.cfg.clone();
        with_retries(&cfg, self.attempts, |_| {
            let request = HttpRequest {
                method: "GET",
                url: format!("{}{path}", self.base).into(),
                headers: vec![("x-aws-ec2-metadata-token", self.token.clone().into())],
                body: Vec::new(),
            };
            let resp = match self.http.send(&request, None) {
                Ok(resp) => resp,
                Err(e) => {
                    return Attempt::Fail(
                        CredentialsError::new(format!("instance metadata {path}: {e}"))
                            .with_source(e),
                    );
                }
            };
            match resp.status {
                401 => match fetch_token(&cfg, &self.base, &self.http, self.attempts) {
                    Ok(token) => {
                        self.token = token;
                        Attempt::Retry(RetryKind::Transient, status_error(what, &resp))
                    }
                    Err(e) => Attempt::Fail(e),
                },
                s if s >= 500 => Attempt::Retry(RetryKind::Transient, status_error(what, &resp)),
                _ => Attempt::Ok(resp),
            }
        })
    }
}

impl ImdsProvider {
    /// A provider reading its settings from the configuration.
    pub fn new(cfg: ProviderConfig) -> Self {
        ImdsProvider { cfg }
    }
}

impl super::ProvideCredentials for ImdsProvider {
    fn provide_credentials(&self) -> Result<Credentials, CredentialsError> {
        let mut session = Session::open(&self.cfg)?;
        let resp = session.get(CREDENTIALS_PATH, "instance metadata role")?;
        match resp.status {
            200 => {}
            404 => {
                return Err(CredentialsError::not_loaded(
                    "instance metadata: no IAM role is attached to this instance",
                ));
            }
            _ => return Err(status_error("instance metadata role", &resp)),
        }
        let text = String::from_utf8_lossy(&resp.body);
        let role = text.lines().map(str::trim).find(|l| !l.is_empty());
        let Some(role) = role.filter(|r| {
            r.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"+=,.@_-".contains(&b))
        }) else {
            return Err(CredentialsError::new(
                "instance metadata: the role name answer is empty or not a role name",
            ));
        };
        let what = format!("instance metadata credentials of role {role}");
        let resp = session.get(&format!("{CREDENTIALS_PATH}{role}"), &what)?;
        if resp.status != 200 {
            return Err(status_error(&what, &resp));
        }
        metadata_credentials(
            &resp.body,
            &what,
            "instance metadata",
            self.cfg.clock_ref().now(),
        )
    }
}

/// The instance's region from `/latest/meta-data/placement/region`, or `None` when metadata
/// is off, unreachable or says nothing usable.
pub(crate) fn region_from_imds(cfg: &ProviderConfig) -> Option<String> {
    let mut session = Session::open(cfg).ok()?;
    let resp = session
        .get(
            "/latest/meta-data/placement/region",
            "instance metadata region",
        )
        .ok()?;
    if resp.status != 200 {
        return None;
    }
    let region = String::from_utf8_lossy(&resp.body).trim().to_owned();
    crate::endpoint::is_valid_region(&region).then_some(region)
}
