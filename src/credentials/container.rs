//! Container credentials (ECS task roles, EKS Pod Identity): a GET to
//! `http://169.254.170.2$AWS_CONTAINER_CREDENTIALS_RELATIVE_URI`, or to
//! `AWS_CONTAINER_CREDENTIALS_FULL_URI` (https anywhere; http only on loopback, 169.254.170.2,
//! 169.254.170.23 or fd00:ec2::23), with `Authorization` from
//! `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE` (read again at every fetch) or
//! `AWS_CONTAINER_AUTHORIZATION_TOKEN`. Never through a proxy; short timeouts.

use std::fmt;

use super::fetch::{metadata_credentials, status_error};
use super::{Credentials, CredentialsError, ProviderConfig};
use crate::env::Env;
use crate::http::HttpRequest;

/// The ECS credentials endpoint that relative URIs are resolved against.
pub const ECS_ENDPOINT: &str = "http://169.254.170.2";

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
    ///
    /// ```
    /// use kms_lite::credentials::ContainerProvider;
    /// use kms_lite::env::Env;
    /// let env = Env::from_pairs([("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/credentials/abc")]);
    /// assert_eq!(ContainerProvider::endpoint_url(&env).unwrap().as_deref(),
    ///     Some("http://169.254.170.2/v2/credentials/abc"));
    /// let env = Env::from_pairs([("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://example.com/creds")]);
    /// assert!(ContainerProvider::endpoint_url(&env).is_err());
    /// ```
    pub fn endpoint_url(env: &Env) -> Result<Option<String>, CredentialsError> {
        if let Some(rel) = env.get_non_empty("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") {
            let sep = if rel.starts_with('/') { "" } else { "/" };
            return Ok(Some(format!("{ECS_ENDPOINT}{sep}{rel}")));
        }
        let Some(full) = env.get_non_empty("AWS_CONTAINER_CREDENTIALS_FULL_URI") else {
            return Ok(None);
        };
        if full.starts_with("https://") {
            return Ok(Some(full));
        }
        let Some(rest) = full.strip_prefix("http://") else {
            return Err(CredentialsError::invalid_configuration(
                "AWS_CONTAINER_CREDENTIALS_FULL_URI must be an http:// or https:// URL",
            ));
        };
        let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
        let host = match authority.strip_prefix('[') {
            Some(r) => r.split(']').next().unwrap_or(""),
            None => authority.split(':').next().unwrap_or(""),
        };
        if is_allowed_http_host(host) {
            Ok(Some(full))
        } else {
            Err(CredentialsError::invalid_configuration(format!(
                "AWS_CONTAINER_CREDENTIALS_FULL_URI with http:// must point at a loopback address, \
                 169.254.170.2, 169.254.170.23 or fd00:ec2::23 (got host {host:?}); use https://"
            )))
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

fn is_allowed_http_host(host: &str) -> bool {
    let host = host.to_ascii_lowercase();
    if host == "localhost" || host == "169.254.170.2" || host == "169.254.170.23" {
        return true;
    }
    match host.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V4(v4)) => v4.is_loopback(),
        Ok(std::net::IpAddr::V6(v6)) => {
            v6.is_loopback() || v6 == std::net::Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x23)
        }
        Err(_) => false,
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
            url,
            headers: headers.into_iter().map(|(n, v)| (n, v.into())).collect(),
            body: Vec::new(),
        };
        let resp = self
            .cfg
            .metadata_http()?
            .send(&request, None)
            .map_err(|e| CredentialsError::new(format!("{what}: {e}")))?;
        if resp.status != 200 {
            return Err(status_error(what, &resp));
        }
        metadata_credentials(&resp.body, what, "container", self.cfg.clock_ref().now())
    }
}
