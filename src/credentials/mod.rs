//! AWS credentials and where they come from.
//!
//! [`Credentials`] never shows its secret parts: `Debug` prints the access key id and redacts the
//! secret access key and session token.
//!
//! One file a provider: [`EnvironmentProvider`], [`ProfileProvider`] (static keys,
//! `credential_process`, `role_arn` chains, `web_identity_token_file`, SSO), [`ProcessProvider`],
//! [`SsoProvider`],
//! [`WebIdentityProvider`], [`ContainerProvider`], [`ImdsProvider`], the STS calls they use, the
//! [`CredentialsChain`] that tries them in the AWS SDKs' order ([`default_chain`]) and the
//! [`CredentialsCache`] that keeps temporary credentials until shortly before they expire.

use std::fmt;
use std::time::SystemTime;

mod cache;
mod chain;
mod container;
mod env;
mod fetch;
mod imds;
mod process;
mod profile;
mod provider_config;
mod retry;
mod sso;
mod sts;
mod url;
mod web_identity;

pub use cache::{CredentialsCache, REFRESH_BEFORE_EXPIRY};
pub use chain::{CredentialsChain, default_chain};
pub use container::ContainerProvider;
pub use env::EnvironmentProvider;
pub use imds::ImdsProvider;
pub(crate) use imds::region_from_imds;
pub use process::ProcessProvider;
pub use profile::ProfileProvider;
pub use provider_config::{
    DEFAULT_MAX_ATTEMPTS, DEFAULT_METADATA_ATTEMPTS, DEFAULT_METADATA_TIMEOUT,
    DEFAULT_PROCESS_TIMEOUT, ProviderConfig,
};
pub use sso::SsoProvider;
pub use web_identity::WebIdentityProvider;

/// A set of AWS credentials: an access key id, its secret, and for temporary credentials a
/// session token and an expiry.
///
/// ```
/// use kms_lite::credentials::Credentials;
/// let c = Credentials::new("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", None);
/// assert!(!format!("{c:?}").contains("EXAMPLEKEY"));
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    access_key_id: String,
    secret_access_key: String,
    session_token: Option<String>,
    expiry: Option<SystemTime>,
    source: &'static str,
}

impl Credentials {
    /// Static credentials, with a session token for temporary ones.
    pub fn new(
        access_key_id: impl Into<String>,
        secret_access_key: impl Into<String>,
        session_token: Option<String>,
    ) -> Self {
        Credentials {
            access_key_id: access_key_id.into(),
            secret_access_key: secret_access_key.into(),
            session_token,
            expiry: None,
            source: "static",
        }
    }

    /// The same credentials with an expiry time.
    pub fn with_expiry(mut self, expiry: Option<SystemTime>) -> Self {
        self.expiry = expiry;
        self
    }

    /// The same credentials, labelled with the provider that produced them (shown in `Debug`).
    pub fn with_source(mut self, source: &'static str) -> Self {
        self.source = source;
        self
    }

    /// The access key id (not secret: it appears in every signed request).
    pub fn access_key_id(&self) -> &str {
        &self.access_key_id
    }

    /// The secret access key. Handle with care: never log it.
    pub fn secret_access_key(&self) -> &str {
        &self.secret_access_key
    }

    /// The session token of temporary credentials.
    pub fn session_token(&self) -> Option<&str> {
        self.session_token.as_deref()
    }

    /// When temporary credentials stop working.
    pub fn expiry(&self) -> Option<SystemTime> {
        self.expiry
    }

    /// The name of the provider that produced these credentials.
    pub fn source(&self) -> &'static str {
        self.source
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"** redacted **")
            .field(
                "session_token",
                &self.session_token.as_ref().map(|_| "** redacted **"),
            )
            .field("expiry", &self.expiry)
            .field("source", &self.source)
            .finish()
    }
}

/// What kind of credentials failure this is: the chain moves on after [`NotLoaded`] and stops
/// at anything else.
///
/// [`NotLoaded`]: CredentialsErrorKind::NotLoaded
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CredentialsErrorKind {
    /// The source is not configured here (no variables, no profile keys, not on EC2).
    NotLoaded,
    /// The source is configured but is wrong (a bad profile, an unsupported setting).
    InvalidConfiguration,
    /// The source is configured but fetching failed (STS refused, a process failed, a timeout).
    ProviderError,
}

/// Why no credentials could be had. The message never holds a secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialsError {
    kind: CredentialsErrorKind,
    message: String,
}

impl CredentialsError {
    /// A provider failure with a message that tells the user what was tried and what to do.
    pub fn new(message: impl Into<String>) -> Self {
        Self::with_kind(CredentialsErrorKind::ProviderError, message)
    }

    /// "This source is not configured": the chain moves on to the next provider.
    pub fn not_loaded(message: impl Into<String>) -> Self {
        Self::with_kind(CredentialsErrorKind::NotLoaded, message)
    }

    /// A configuration mistake in this source: the chain stops and reports it.
    pub fn invalid_configuration(message: impl Into<String>) -> Self {
        Self::with_kind(CredentialsErrorKind::InvalidConfiguration, message)
    }

    /// An error of the given kind.
    pub fn with_kind(kind: CredentialsErrorKind, message: impl Into<String>) -> Self {
        CredentialsError {
            kind,
            message: message.into(),
        }
    }

    /// What kind of failure this is.
    pub fn kind(&self) -> CredentialsErrorKind {
        self.kind
    }

    /// Whether the source simply is not configured.
    pub fn is_not_loaded(&self) -> bool {
        self.kind == CredentialsErrorKind::NotLoaded
    }

    /// The same error with `context: ` in front of its message.
    pub fn context(mut self, context: impl fmt::Display) -> Self {
        self.message = format!("{context}: {}", self.message);
        self
    }

    /// The same error with `suffix` after its message.
    pub(crate) fn with_suffix(mut self, suffix: &str) -> Self {
        self.message.push_str(suffix);
        self
    }

    /// The message.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for CredentialsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", crate::error::Escaped(&self.message))
    }
}

impl std::error::Error for CredentialsError {}

/// A source of credentials. Implementations must be cheap to call repeatedly: the client asks
/// before every attempt (wrap slow sources in a cache).
pub trait ProvideCredentials: fmt::Debug + Send + Sync {
    /// Current credentials, or why there are none.
    fn provide_credentials(&self) -> Result<Credentials, CredentialsError>;
}

impl<T: ProvideCredentials + ?Sized> ProvideCredentials for std::sync::Arc<T> {
    fn provide_credentials(&self) -> Result<Credentials, CredentialsError> {
        (**self).provide_credentials()
    }
}

impl ProvideCredentials for Credentials {
    fn provide_credentials(&self) -> Result<Credentials, CredentialsError> {
        Ok(self.clone())
    }
}
