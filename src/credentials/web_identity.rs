//! Web identity: a token file (Kubernetes service account, GitHub OIDC...) exchanged for role
//! credentials through STS `AssumeRoleWithWebIdentity`. Configured by `AWS_ROLE_ARN` +
//! `AWS_WEB_IDENTITY_TOKEN_FILE` (+ `AWS_ROLE_SESSION_NAME`), or by a profile's `role_arn` +
//! `web_identity_token_file` (+ `role_session_name`). The file is read at every fetch, since
//! those tokens rotate.

use std::fmt;

use super::sts::Sts;
use super::{Credentials, CredentialsError, ProviderConfig};

/// Credentials for a role, obtained with a web identity token.
#[derive(Clone)]
pub struct WebIdentityProvider {
    cfg: ProviderConfig,
    fixed: Option<Settings>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Settings {
    role_arn: String,
    token_file: String,
    session_name: Option<String>,
}

impl fmt::Debug for WebIdentityProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebIdentityProvider")
            .field("settings", &self.fixed)
            .finish_non_exhaustive()
    }
}

impl WebIdentityProvider {
    /// Reads `AWS_ROLE_ARN`, `AWS_WEB_IDENTITY_TOKEN_FILE` and `AWS_ROLE_SESSION_NAME` from the
    /// configuration's environment at each fetch.
    pub fn from_env(cfg: ProviderConfig) -> Self {
        WebIdentityProvider { cfg, fixed: None }
    }

    /// A provider for a given role and token file (a profile's settings).
    pub fn new(
        cfg: ProviderConfig,
        role_arn: impl Into<String>,
        token_file: impl Into<String>,
        session_name: Option<String>,
    ) -> Self {
        WebIdentityProvider {
            cfg,
            fixed: Some(Settings {
                role_arn: role_arn.into(),
                token_file: token_file.into(),
                session_name,
            }),
        }
    }

    fn settings(&self) -> Result<Settings, CredentialsError> {
        if let Some(s) = &self.fixed {
            return Ok(s.clone());
        }
        let env = self.cfg.env();
        match (
            env.get_non_empty("AWS_ROLE_ARN"),
            env.get_non_empty("AWS_WEB_IDENTITY_TOKEN_FILE"),
        ) {
            (Some(role_arn), Some(token_file)) => Ok(Settings {
                role_arn,
                token_file,
                session_name: env.get_non_empty("AWS_ROLE_SESSION_NAME"),
            }),
            (None, None) => Err(CredentialsError::not_loaded(
                "AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE are not set",
            )),
            (Some(_), None) => Err(CredentialsError::not_loaded(
                "AWS_ROLE_ARN is set but AWS_WEB_IDENTITY_TOKEN_FILE is not",
            )),
            (None, Some(_)) => Err(CredentialsError::invalid_configuration(
                "AWS_WEB_IDENTITY_TOKEN_FILE is set but AWS_ROLE_ARN is not",
            )),
        }
    }
}

impl super::ProvideCredentials for WebIdentityProvider {
    fn provide_credentials(&self) -> Result<Credentials, CredentialsError> {
        let s = self.settings()?;
        let token = crate::bounded_file::read_to_string(
            s.token_file.as_ref(),
            crate::bounded_file::TOKEN_FILE_CAP,
        )
        .map_err(|e| {
            CredentialsError::new(format!(
                "cannot read the web identity token file {}: {e}",
                s.token_file
            ))
            .with_read_error(e)
        })?;
        let token = token.trim();
        if token.is_empty() {
            return Err(CredentialsError::new(format!(
                "the web identity token file {} is empty",
                s.token_file
            )));
        }
        Sts::new(&self.cfg)?.assume_role_with_web_identity(
            &s.role_arn,
            s.session_name.as_deref(),
            token,
        )
    }
}
