//! Credentials from the selected profile of the shared files: static keys
//! (`aws_access_key_id`, `aws_secret_access_key`, `aws_session_token`), `credential_process`,
//! `role_arn` with `source_profile` (followed through chains, cycles refused) or
//! `credential_source` (`Environment`, `Ec2InstanceMetadata`, `EcsContainer`), and `role_arn`
//! with `web_identity_token_file`, and SSO (`sso_session` or `sso_start_url`, see
//! [`SsoProvider`](super::SsoProvider)).
//!
//! As in the AWS SDKs: in the first profile `role_arn` wins over static keys; in a source
//! profile static keys win (so a profile may name itself as `source_profile`). `mfa_serial`
//! is refused with an error that says what to do.

use std::fmt;

use super::process::ProcessProvider;
use super::sso::SsoProvider;
use super::sts::{RoleParams, Sts};
use super::{
    ContainerProvider, Credentials, CredentialsError, EnvironmentProvider, ImdsProvider,
    ProvideCredentials, ProviderConfig, WebIdentityProvider,
};
use crate::profile_file::{ProfileSet, Section};

/// Credentials from the selected profile, following `role_arn` chains through STS.
#[derive(Clone)]
pub struct ProfileProvider {
    cfg: ProviderConfig,
}

impl fmt::Debug for ProfileProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProfileProvider")
            .field("profile", &self.cfg.shared().profile_name())
            .finish_non_exhaustive()
    }
}

/// Where the chain of profiles starts from.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Base {
    Static(String),
    Process(String),
    WebIdentity {
        role_arn: String,
        token_file: String,
        session_name: Option<String>,
    },
    Source(String),
    Sso(String),
}

impl ProfileProvider {
    /// A provider for the configuration's selected profile.
    pub fn new(cfg: ProviderConfig) -> Self {
        ProfileProvider { cfg }
    }
}

fn value<'a>(p: &'a Section, key: &str) -> Option<&'a str> {
    p.get(key).map(str::trim).filter(|v| !v.is_empty())
}

fn has_static(p: &Section) -> bool {
    value(p, "aws_access_key_id").is_some() || value(p, "aws_secret_access_key").is_some()
}

fn static_keys(set: &ProfileSet, name: &str) -> Result<Credentials, CredentialsError> {
    let p = set.profile(name).ok_or_else(|| missing(name))?;
    match (
        value(p, "aws_access_key_id"),
        value(p, "aws_secret_access_key"),
    ) {
        (Some(id), Some(secret)) => {
            Ok(
                Credentials::new(id, secret, value(p, "aws_session_token").map(str::to_owned))
                    .with_source("profile"),
            )
        }
        (Some(_), None) => Err(CredentialsError::invalid_configuration(format!(
            "profile {name} has aws_access_key_id but no aws_secret_access_key"
        ))),
        _ => Err(CredentialsError::invalid_configuration(format!(
            "profile {name} has aws_secret_access_key but no aws_access_key_id"
        ))),
    }
}

fn missing(name: &str) -> CredentialsError {
    CredentialsError::invalid_configuration(format!(
        "profile {name} is not in the config or credentials file"
    ))
}

/// Follows the profiles from `start` to the base credentials; returns the base and the roles
/// to assume, outermost (the first profile's) first.
fn resolve_chain(
    set: &ProfileSet,
    start: &str,
) -> Result<(Base, Vec<RoleParams>), CredentialsError> {
    let mut visited: Vec<String> = Vec::new();
    let mut roles = Vec::new();
    let mut name = start.to_owned();
    loop {
        if visited.contains(&name) {
            visited.push(name);
            return Err(CredentialsError::invalid_configuration(format!(
                "source_profile forms a cycle: {}",
                visited.join(" -> ")
            )));
        }
        visited.push(name.clone());
        let p = set.profile(&name).ok_or_else(|| missing(&name))?;
        let first = visited.len() == 1;
        if !first && has_static(p) {
            return Ok((Base::Static(name), roles));
        }
        if let Some(role_arn) = value(p, "role_arn") {
            if value(p, "mfa_serial").is_some() {
                return Err(CredentialsError::invalid_configuration(format!(
                    "profile {name} sets mfa_serial: multi-factor authentication is not supported \
                     by kms-lite; get session credentials with `aws sts get-session-token` or \
                     `aws configure export-credentials` and export them"
                )));
            }
            let session_name = value(p, "role_session_name").map(str::to_owned);
            if let Some(token_file) = value(p, "web_identity_token_file") {
                return Ok((
                    Base::WebIdentity {
                        role_arn: role_arn.to_owned(),
                        token_file: token_file.to_owned(),
                        session_name,
                    },
                    roles,
                ));
            }
            let duration_seconds = match value(p, "duration_seconds") {
                Some(d) => Some(d.parse::<u32>().map_err(|_| {
                    CredentialsError::invalid_configuration(format!(
                        "duration_seconds in profile {name} must be a whole number of seconds"
                    ))
                })?),
                None => None,
            };
            roles.push(RoleParams {
                role_arn: role_arn.to_owned(),
                session_name,
                external_id: value(p, "external_id").map(str::to_owned),
                duration_seconds,
            });
            match (value(p, "source_profile"), value(p, "credential_source")) {
                (Some(_), Some(_)) => {
                    return Err(CredentialsError::invalid_configuration(format!(
                        "profile {name} sets both source_profile and credential_source; keep one"
                    )));
                }
                (None, None) => {
                    return Err(CredentialsError::invalid_configuration(format!(
                        "profile {name} sets role_arn without source_profile or credential_source"
                    )));
                }
                (Some(source), None) if source == name => {
                    if !has_static(p) {
                        return Err(CredentialsError::invalid_configuration(format!(
                            "profile {name} is its own source_profile but has no static keys"
                        )));
                    }
                    return Ok((Base::Static(name), roles));
                }
                (Some(source), None) => {
                    name = source.to_owned();
                    continue;
                }
                (None, Some(source)) => return Ok((Base::Source(source.to_owned()), roles)),
            }
        }
        if value(p, "sso_session").is_some() || value(p, "sso_start_url").is_some() {
            return Ok((Base::Sso(name), roles));
        }
        if let Some(command) = value(p, "credential_process") {
            return Ok((Base::Process(command.to_owned()), roles));
        }
        if has_static(p) {
            return Ok((Base::Static(name), roles));
        }
        if value(p, "web_identity_token_file").is_some() {
            return Err(CredentialsError::invalid_configuration(format!(
                "profile {name} sets web_identity_token_file but no role_arn"
            )));
        }
        return Err(if first {
            CredentialsError::not_loaded(format!("profile {name} has no credentials"))
        } else {
            CredentialsError::invalid_configuration(format!(
                "profile {name} (a source_profile) has no credentials"
            ))
        });
    }
}

impl ProfileProvider {
    fn base_credentials(&self, base: &Base) -> Result<Credentials, CredentialsError> {
        let set = self.cfg.shared().profiles();
        match base {
            Base::Static(name) => static_keys(set, name),
            Base::Sso(name) => {
                SsoProvider::new(self.cfg.clone(), name.clone()).provide_credentials()
            }
            Base::Process(command) => {
                ProcessProvider::new(command.clone(), self.cfg.process_timeout_value())
                    .with_clock(self.cfg.clock_ref().clone())
                    .provide_credentials()
            }
            Base::WebIdentity {
                role_arn,
                token_file,
                session_name,
            } => WebIdentityProvider::new(
                self.cfg.clone(),
                role_arn.clone(),
                token_file.clone(),
                session_name.clone(),
            )
            .provide_credentials(),
            Base::Source(source) => match source.as_str() {
                "Environment" => EnvironmentProvider::with_env(self.cfg.env().clone())
                    .provide_credentials()
                    .map_err(|e| {
                        e.into_provider_error()
                            .context("credential_source Environment")
                    }),
                "Ec2InstanceMetadata" => ImdsProvider::new(self.cfg.clone())
                    .provide_credentials()
                    .map_err(|e| {
                        e.into_provider_error()
                            .context("credential_source Ec2InstanceMetadata")
                    }),
                "EcsContainer" => ContainerProvider::new(self.cfg.clone())
                    .provide_credentials()
                    .map_err(|e| {
                        e.into_provider_error()
                            .context("credential_source EcsContainer")
                    }),
                other => Err(CredentialsError::invalid_configuration(format!(
                    "credential_source {}is not one of Environment, Ec2InstanceMetadata, \
                     EcsContainer",
                    match crate::profile_file::shown_name(other).as_str() {
                        "" => String::new(),
                        name => format!("{name:?} "),
                    }
                ))),
            },
        }
    }
}

impl ProvideCredentials for ProfileProvider {
    fn provide_credentials(&self) -> Result<Credentials, CredentialsError> {
        let shared = self.cfg.shared();
        let name = shared.profile_name();
        if shared.profile().is_none() {
            return Err(if shared.profile_named() {
                missing(name)
            } else {
                CredentialsError::not_loaded(format!(
                    "no profile {name} in the config or credentials file"
                ))
            });
        }
        let (base, roles) = resolve_chain(shared.profiles(), name)?;
        let mut creds = self.base_credentials(&base)?;
        if roles.is_empty() {
            return Ok(creds);
        }
        let sts = Sts::new(&self.cfg)?;
        for role in roles.iter().rev() {
            creds = sts.assume_role(&creds, role)?;
        }
        Ok(creds)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(text: &str) -> ProfileSet {
        ProfileSet::from_files(Some((text, "config")), None).unwrap()
    }

    #[test]
    fn chains_cycles_and_self_reference() {
        let s = set("[profile a]\nrole_arn = arn:a\nsource_profile = b\n\
             [profile b]\nrole_arn = arn:b\nsource_profile = c\n\
             [profile c]\naws_access_key_id = K\naws_secret_access_key = S\n\
             [profile x]\nrole_arn = arn:x\nsource_profile = y\n\
             [profile y]\nrole_arn = arn:y\nsource_profile = x\n\
             [profile me]\nrole_arn = arn:me\nsource_profile = me\naws_access_key_id = K\naws_secret_access_key = S\n");
        let (base, roles) = resolve_chain(&s, "a").unwrap();
        assert_eq!(base, Base::Static("c".into()));
        let arns: Vec<_> = roles.iter().map(|r| r.role_arn.as_str()).collect();
        assert_eq!(arns, ["arn:a", "arn:b"]);
        let err = resolve_chain(&s, "x").unwrap_err();
        assert!(err.message().contains("x -> y -> x"), "{err}");
        let (base, roles) = resolve_chain(&s, "me").unwrap();
        assert_eq!(base, Base::Static("me".into()));
        assert_eq!(roles.len(), 1);
    }
}
