//! A chain of providers tried in order, and the AWS SDKs' default chain.

use std::fmt;
use std::sync::Arc;

use super::{
    ContainerProvider, Credentials, CredentialsCache, CredentialsError, EnvironmentProvider,
    ImdsProvider, ProfileProvider, ProvideCredentials, ProviderConfig, WebIdentityProvider,
};

/// Providers tried in order: the first that has credentials answers; one that is not configured
/// ([`CredentialsError::is_not_loaded`]) passes to the next; any other failure stops the chain.
/// When none has credentials, the error lists what each said.
///
/// ```
/// use kms_lite::credentials::{Credentials, CredentialsChain, EnvironmentProvider, ProvideCredentials};
/// use kms_lite::config::Env;
/// let chain = CredentialsChain::new()
///     .with("environment", EnvironmentProvider::with_env(Env::from_pairs::<&str, &str>([])))
///     .with("fixed", Credentials::new("AKID", "secret", None));
/// assert_eq!(chain.provide_credentials().unwrap().access_key_id(), "AKID");
/// ```
#[derive(Default)]
pub struct CredentialsChain {
    providers: Vec<(String, Box<dyn ProvideCredentials>)>,
}

impl fmt::Debug for CredentialsChain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.providers.iter().map(|(n, p)| (n, p)))
            .finish()
    }
}

impl CredentialsChain {
    /// An empty chain.
    pub fn new() -> Self {
        Self::default()
    }

    /// The chain with `provider` added last, under `name` (used in errors).
    pub fn with(
        mut self,
        name: impl Into<String>,
        provider: impl ProvideCredentials + 'static,
    ) -> Self {
        self.providers.push((name.into(), Box::new(provider)));
        self
    }

    /// The names of the providers, in order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.providers.iter().map(|(n, _)| n.as_str())
    }
}

impl ProvideCredentials for CredentialsChain {
    fn provide_credentials(&self) -> Result<Credentials, CredentialsError> {
        let mut tried = Vec::new();
        for (name, provider) in &self.providers {
            match provider.provide_credentials() {
                Ok(c) => return Ok(c),
                Err(e) if e.is_not_loaded() => tried.push(format!("{name}: {}", e.message())),
                Err(e) => return Err(e.context(name)),
            }
        }
        Err(CredentialsError::not_loaded(format!(
            "no credentials found; tried, in order: {}. Set AWS_ACCESS_KEY_ID and \
             AWS_SECRET_ACCESS_KEY, run `aws configure`, or choose a profile with --profile or \
             AWS_PROFILE",
            tried.join("; ")
        )))
    }
}

/// The AWS SDKs' default chain, in their order, wrapped in a [`CredentialsCache`]:
/// environment variables; the selected profile (static keys, `credential_process`, role
/// chains, web identity); web identity from `AWS_ROLE_ARN` + `AWS_WEB_IDENTITY_TOKEN_FILE`;
/// container credentials; EC2 instance metadata. Nothing is read or fetched until credentials
/// are first asked for.
pub fn default_chain(cfg: &ProviderConfig) -> CredentialsCache {
    let profile = format!("profile {}", cfg.shared().profile_name());
    let chain = CredentialsChain::new()
        .with(
            "environment",
            EnvironmentProvider::with_env(cfg.env().clone()),
        )
        .with(profile, ProfileProvider::new(cfg.clone()))
        .with("web identity", WebIdentityProvider::from_env(cfg.clone()))
        .with("container", ContainerProvider::new(cfg.clone()))
        .with("instance metadata", ImdsProvider::new(cfg.clone()));
    CredentialsCache::with_clock(Arc::new(chain), cfg.clock_ref().clone())
}
