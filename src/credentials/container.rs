//! Container credentials (ECS task roles, EKS Pod Identity): a GET to
//! `http://169.254.170.2$AWS_CONTAINER_CREDENTIALS_RELATIVE_URI`, or to
//! `AWS_CONTAINER_CREDENTIALS_FULL_URI` (https anywhere; http only on loopback, 169.254.170.2,
//! 169.254.170.23 or fd00:ec2::23), with `Authorization` from
//! `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE` (read again at every fetch) or
//! `AWS_CONTAINER_AUTHORIZATION_TOKEN`. Never through a proxy; short timeouts; failed fetches
//! retried (connection failures, 5xx, 429, an answer that is not JSON), 3 attempts by default.

use std::fmt;

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::fetch::{metadata_credentials, status_error};
use super::retry::{Attempt, classify_status, transport_failure, with_retries};
use super::url::{Host, MetadataUrl};
use super::{Credentials, CredentialsError, ProviderConfig};
use crate::endpoint::redact_url;
use crate::env::Env;
use crate::http::HttpRequest;
use crate::retry::RetryKind;

/// The ECS credentials endpoint that relative URIs are resolved against.
pub(super) const ECS_ENDPOINT: &str = "http://169.254.170.2";

/// Credentials from the container credentials endpoint.
#[derive(Clone)]
pub struct ContainerProvider {
    cfg: ProviderConfig,
}

impl fmt::Debug for ContainerProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ContainerProvider").finish_non_exhaustive()
    }
}

impl ContainerProvider {
    /// A provider reading its settings from the configuration's environment.
    pub fn new(cfg: ProviderConfig) -> Self {
        ContainerProvider { cfg }
    }

    /// The URL credentials are fetched from, `None` when neither variable is set, or why the
    /// full URI is refused.
    pub(crate) fn endpoint_url(env: &Env) -> Result<Option<String>, CredentialsError> {
        if let Some(rel) = env.get_non_empty("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") {
            let sep = if rel.starts_with('/') { "" } else { "/" };
            let url = MetadataUrl::parse(&format!("{ECS_ENDPOINT}{sep}{rel}")).map_err(|why| {
                CredentialsError::invalid_configuration(format!(
                    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI is refused: {why}"
                ))
            })?;
            return Ok(Some(url.to_url()));
        }
        let Some(full) = env.get_non_empty("AWS_CONTAINER_CREDENTIALS_FULL_URI") else {
            return Ok(None);
        };
        let url = MetadataUrl::parse(&full).map_err(|why| {
            CredentialsError::invalid_configuration(format!(
                "AWS_CONTAINER_CREDENTIALS_FULL_URI {} is refused: {why}",
                redact_url(&full)
            ))
        })?;
        match &url.host {
            _ if url.https => Ok(Some(url.to_url())),
            Host::Ip(ip) if is_allowed_http_ip(*ip) => Ok(Some(url.to_url())),
            Host::Name(name) if name == "localhost" => Ok(Some(url.to_url())),
            host => Err(CredentialsError::invalid_configuration(format!(
                "AWS_CONTAINER_CREDENTIALS_FULL_URI with http:// must point at a loopback address, \
                 169.254.170.2, 169.254.170.23 or fd00:ec2::23 (got host {}); use https://",
                match host {
                    Host::Ip(ip) => ip.to_string(),
                    Host::Name(name) => name.clone(),
                }
            ))),
        }
    }

    fn token(&self) -> Result<Option<String>, CredentialsError> {
        let env = self.cfg.env();
        let token = match env.get_non_empty("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE") {
            Some(path) => Some(
                crate::bounded_file::read_to_string(
                    path.as_ref(),
                    crate::bounded_file::TOKEN_FILE_CAP,
                )
                .map_err(|e| {
                    CredentialsError::new(format!(
                        "cannot read AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE {path}: {e}"
                    ))
                    .with_read_error(e)
                })?,
            ),
            None => env.get_non_empty("AWS_CONTAINER_AUTHORIZATION_TOKEN"),
        };
        let token = token.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty());
        if token
            .as_deref()
            .is_some_and(|t| t.contains(['\r', '\n']) || t.chars().any(char::is_control))
        {
            return Err(CredentialsError::invalid_configuration(
                "the container authorization token holds control characters or line breaks",
            ));
        }
        Ok(token)
    }
}

/// The addresses plain http may go to: loopback (IPv4-mapped too), the ECS endpoint and the
/// EKS Pod Identity endpoints.
fn is_allowed_http_ip(ip: IpAddr) -> bool {
    let ip = match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    };
    match ip {
        IpAddr::V4(v4) => {
            v4.is_loopback()
                || v4 == Ipv4Addr::new(169, 254, 170, 2)
                || v4 == Ipv4Addr::new(169, 254, 170, 23)
        }
        IpAddr::V6(v6) => {
            v6.is_loopback() || v6 == Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x23)
        }
    }
}

impl super::ProvideCredentials for ContainerProvider {
    fn provide_credentials(&self) -> Result<Credentials, CredentialsError> {
        let Some(url) = Self::endpoint_url(self.cfg.env())? else {
            return Err(CredentialsError::not_loaded(
                "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI and AWS_CONTAINER_CREDENTIALS_FULL_URI are not set",
            ));
        };
        let what = "container credentials";
        let mut headers = vec![("accept", "application/json".to_owned())];
        if let Some(t) = self.token()? {
            headers.push(("authorization", t));
        }
        let request = HttpRequest {
            method: "GET",
            url: url.into(),
            headers: headers.into_iter().map(|(n, v)| (n, v.into())).collect(),
            body: Vec::new(),
        };
        let http = self.cfg.metadata_http()?;
        // As the SDKs: connection failures, 5xx, 429 and a 200 whose body is not credentials
        // JSON are retried; the endpoint's own refusals (4xx, `Code` other than Success) are not.
        with_retries(&self.cfg, self.cfg.max_attempts_value(), |_| {
            let resp = match http.send(&request, None) {
                Ok(resp) => resp,
                Err(e) => return transport_failure(what, e),
            };
            if resp.status != 200 {
                return match classify_status(resp.status, None) {
                    RetryKind::No => Attempt::Fail(status_error(what, &resp)),
                    kind => Attempt::Retry(kind, status_error(what, &resp)),
                };
            }
            match metadata_credentials(&resp.body, what, "container", self.cfg.clock_ref().now()) {
                Ok(c) => Attempt::Ok(c),
                Err(e) if serde_json::from_slice::<serde_json::Value>(&resp.body).is_err() => {
                    Attempt::Retry(RetryKind::Transient, e)
                }
                Err(e) => Attempt::Fail(e),
            }
        })
    }
}
