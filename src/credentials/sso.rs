//! IAM Identity Center (SSO) profiles: the access token the AWS CLI cached at `aws sso login`
//! (`~/.aws/sso/cache/<sha1 of the sso_session name, or of sso_start_url for legacy
//! profiles>.json`) is exchanged for role credentials with the SSO portal's
//! `GetRoleCredentials` (`GET https://portal.sso.{sso_region}.amazonaws.com/federation/credentials`,
//! or its FIPS and dual-stack variants: see [`resolve_sso_portal`](crate::endpoint::resolve_sso_portal)),
//! retried as the SDKs' standard mode retries.
//!
//! The token is never refreshed here (the CLI refreshes it with SSO OIDC `CreateToken`): an
//! expired or missing token is an error telling the user to run `aws sso login`.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::Deserialize;

use super::fetch::{check_not_expired, json_error, required, status_error};
use super::retry::{Attempt, classify_status, transport_failure, with_retries};
use super::{Credentials, CredentialsError, ProviderConfig};
use crate::endpoint::{self, Endpoint};
use crate::error::JsonProblem;
use crate::http::HttpRequest;
use crate::retry::RetryKind;

/// Role credentials for an SSO profile, from the AWS CLI's cached token.
#[derive(Clone)]
pub struct SsoProvider {
    cfg: ProviderConfig,
    profile: String,
}

impl fmt::Debug for SsoProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SsoProvider")
            .field("profile", &self.profile)
            .finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CachedToken {
    access_token: Option<String>,
    expires_at: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RoleCredentialsAnswer {
    role_credentials: Option<RoleCredentials>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RoleCredentials {
    access_key_id: Option<String>,
    secret_access_key: Option<String>,
    session_token: Option<String>,
    expiration: Option<u64>,
}

/// What an SSO profile names.
struct Settings {
    region: String,
    cache_key: String,
    account_id: String,
    role_name: String,
}

impl SsoProvider {
    /// A provider for the SSO profile `profile`.
    pub fn new(cfg: ProviderConfig, profile: impl Into<String>) -> Self {
        SsoProvider {
            cfg,
            profile: profile.into(),
        }
    }

    fn settings(&self) -> Result<Settings, CredentialsError> {
        let name = &self.profile;
        let set = self.cfg.shared().profiles();
        let p = set.profile(name).ok_or_else(|| {
            CredentialsError::invalid_configuration(format!("profile {name} is not in the files"))
        })?;
        let get = |key: &str| p.get(key).map(str::trim).filter(|v| !v.is_empty());
        let need = |key: &str| {
            get(key).map(str::to_owned).ok_or_else(|| {
                CredentialsError::invalid_configuration(format!("SSO profile {name} has no {key}"))
            })
        };
        let (region, cache_key) = match get("sso_session") {
            Some(session) => {
                let s = set.sso_session(session).ok_or_else(|| {
                    CredentialsError::invalid_configuration(format!(
                        "profile {name} names sso_session {session}, but there is no \
                         [sso-session {session}] section in the config file"
                    ))
                })?;
                let region = s
                    .get("sso_region")
                    .map(str::trim)
                    .filter(|v| !v.is_empty())
                    .ok_or_else(|| {
                        CredentialsError::invalid_configuration(format!(
                            "[sso-session {session}] has no sso_region"
                        ))
                    })?;
                (region.to_owned(), session.to_owned())
            }
            None => (need("sso_region")?, need("sso_start_url")?),
        };
        if get("sso_account_id").is_none() && get("sso_role_name").is_none() {
            return Err(CredentialsError::invalid_configuration(format!(
                "SSO profile {name} has no sso_account_id and no sso_role_name: it gives an SSO \
                 access token (for services that take one), not AWS credentials"
            )));
        }
        Ok(Settings {
            region,
            cache_key,
            account_id: need("sso_account_id")?,
            role_name: need("sso_role_name")?,
        })
    }

    fn token(&self, s: &Settings) -> Result<String, CredentialsError> {
        let login = format!(
            "run `aws sso login --profile {}` and try again",
            self.profile
        );
        let env = self.cfg.env();
        let home = env
            .get_non_empty("HOME")
            .or_else(|| env.get_non_empty("USERPROFILE"))
            .ok_or_else(|| {
                CredentialsError::new("SSO: no home directory (HOME) to find ~/.aws/sso/cache in")
            })?;
        let file = format!("{}.json", crate::sha1::sha1_hex(s.cache_key.as_bytes()));
        let path = std::path::Path::new(&home)
            .join(".aws")
            .join("sso")
            .join("cache")
            .join(&file);
        let text =
            crate::bounded_file::read(&path, crate::bounded_file::TOKEN_FILE_CAP).map_err(|e| {
                let what = if e.is_not_found() {
                    "no cached token"
                } else {
                    "cannot read the cached token"
                };
                CredentialsError::new(format!(
                    "SSO: {what} ~/.aws/sso/cache/{file} ({e}); {login}"
                ))
                .with_read_error(e)
            })?;
        let cached: CachedToken = serde_json::from_slice(&text).map_err(|e| {
            let problem = JsonProblem::new(&e);
            CredentialsError::new(format!(
                "SSO: the cached token ~/.aws/sso/cache/{file} {}; {login}",
                problem.predicate()
            ))
            .with_source(problem)
        })?;
        let what = format!("SSO: the cached token ~/.aws/sso/cache/{file}");
        let token = required(cached.access_token, "accessToken", &what)?;
        let expires = required(cached.expires_at, "expiresAt", &what)?;
        let at = crate::timestamp::parse_rfc3339(&expires).ok_or_else(|| {
            CredentialsError::new(format!("{what}: expiresAt is not an RFC 3339 timestamp"))
        })?;
        if at <= self.cfg.clock_ref().now() {
            return Err(CredentialsError::new(format!(
                "SSO: the session token has expired; {login}"
            )));
        }
        Ok(token)
    }
}

fn query_encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

impl super::ProvideCredentials for SsoProvider {
    fn provide_credentials(&self) -> Result<Credentials, CredentialsError> {
        let s = self.settings()?;
        let token = self.token(&s)?;
        let invalid = CredentialsError::from_config;
        let options = self.cfg.options();
        let base = match self
            .cfg
            .shared()
            .configured_endpoint("sso")
            .map_err(invalid)?
        {
            Some((url, _)) => {
                crate::settings::custom_endpoint_allowed(options).map_err(invalid)?;
                url
            }
            None => endpoint::resolve_sso_portal(&s.region, options).map_err(invalid)?,
        };
        let endpoint = Endpoint::parse(&base).map_err(invalid)?;
        let url = format!(
            "{}://{}{}federation/credentials?account_id={}&role_name={}",
            endpoint.scheme,
            endpoint.host,
            if endpoint.path.ends_with('/') {
                endpoint.path.clone()
            } else {
                format!("{}/", endpoint.path)
            },
            query_encode(&s.account_id),
            query_encode(&s.role_name)
        );
        let request = HttpRequest {
            method: "GET",
            url: url.into(),
            headers: vec![("x-amz-sso_bearer_token", token.into())],
            body: Vec::new(),
        };
        let what = format!(
            "SSO GetRoleCredentials for role {} in account {}",
            s.role_name, s.account_id
        );
        let http = self.cfg.http_for(&endpoint)?;
        let resp = with_retries(&self.cfg, self.cfg.max_attempts_value(), |_| {
            let resp = match http.send(&request, None) {
                Ok(resp) => resp,
                Err(e) => return transport_failure(&what, e),
            };
            match resp.status {
                200 => Attempt::Ok(resp),
                401 | 403 => Attempt::Fail(CredentialsError::new(format!(
                    "{what}: refused (HTTP {}); run `aws sso login --profile {}` and try again",
                    resp.status, self.profile
                ))),
                status => match classify_status(status, resp.header("x-amzn-errortype")) {
                    RetryKind::No => Attempt::Fail(status_error(&what, &resp)),
                    kind => Attempt::Retry(kind, status_error(&what, &resp)),
                },
            }
        })?;
        let answer: RoleCredentialsAnswer =
            serde_json::from_slice(&resp.body).map_err(|e| json_error(&what, "answer", &e))?;
        let rc = answer.role_credentials.ok_or_else(|| {
            CredentialsError::new(format!("{what}: the answer has no roleCredentials"))
        })?;
        let id = required(rc.access_key_id, "accessKeyId", &what)?;
        let secret = required(rc.secret_access_key, "secretAccessKey", &what)?;
        let session = required(rc.session_token, "sessionToken", &what)?;
        let millis = rc.expiration.ok_or_else(|| {
            CredentialsError::new(format!("{what}: the answer has no expiration"))
        })?;
        let at: SystemTime = UNIX_EPOCH + Duration::from_millis(millis);
        check_not_expired(at, &what, self.cfg.clock_ref().now())?;
        Ok(Credentials::new(id, secret, Some(session))
            .with_expiry(Some(at))
            .with_source("sso"))
    }
}
