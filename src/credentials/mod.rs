//! AWS credentials and where they come from.
//!
//! A [`Client`](crate::Client) asks its [`ProvideCredentials`] before every attempt: the
//! [`Credentials`] given to [`ClientBuilder::credentials`](crate::ClientBuilder::credentials),
//! a provider given to
//! [`credentials_provider`](crate::ClientBuilder::credentials_provider), or by default the AWS
//! SDKs' chain ([`default_chain`]). [`Credentials`] never show their secret parts: `Debug`
//! prints the access key id and redacts the secret access key and session token.
//!
//! The providers, each usable alone: [`EnvironmentProvider`], [`ProfileProvider`] (static keys,
//! `credential_process`, `role_arn` chains through STS, `web_identity_token_file`, IAM Identity
//! Center), [`ProcessProvider`], [`SsoProvider`], [`WebIdentityProvider`],
//! [`ContainerProvider`], [`ImdsProvider`]; the [`CredentialsChain`] that tries providers in
//! order; the [`CredentialsCache`] that keeps temporary credentials until five minutes before
//! they expire. They share their settings through a [`ProviderConfig`].
//!
//! A provider of your own (a vault, a secrets manager) implements [`ProvideCredentials`];
//! wrap it in a [`CredentialsCache`] when fetching is slow:
//!
//! ```
//! use kms_lite::credentials::{Credentials, CredentialsCache, CredentialsError, ProvideCredentials};
//!
//! #[derive(Debug)]
//! struct Vault;
//!
//! impl ProvideCredentials for Vault {
//!     fn provide_credentials(&self) -> Result<Credentials, CredentialsError> {
//!         // Fetch from the vault here; say why when it fails, never with a secret.
//!         Ok(Credentials::new("AKIDEXAMPLE", "secret from the vault", None))
//!     }
//! }
//!
//! let client = kms_lite::Client::builder()
//!     # .env(kms_lite::config::Env::from_pairs::<&str, &str>([]))
//!     .region("eu-west-1")
//!     .credentials_provider(CredentialsCache::new(Vault))
//!     .build()?;
//! # Ok::<(), kms_lite::error::ConfigError>(())
//! ```

use std::fmt;
use std::sync::Arc;
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

pub use cache::CredentialsCache;
pub use chain::{CredentialsChain, default_chain};
pub use container::ContainerProvider;
pub use env::EnvironmentProvider;
pub use imds::ImdsProvider;
pub(crate) use imds::region_from_imds;
pub use process::ProcessProvider;
pub(crate) use process::parse_output as parse_process_output;
pub use profile::ProfileProvider;
pub use provider_config::ProviderConfig;
pub use sso::SsoProvider;
pub use web_identity::WebIdentityProvider;

/// A set of AWS credentials: an access key id, its secret, and for temporary credentials a
/// session token and an expiry.
///
/// Cloning is cheap (the parts are shared, not copied): the client asks its provider for
/// credentials before every attempt, and a cache hands out the same set to every thread.
///
/// ```
/// use kms_lite::credentials::Credentials;
/// let c = Credentials::new("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", None);
/// assert!(!format!("{c:?}").contains("EXAMPLEKEY"));
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    inner: Arc<CredentialsInner>,
}

#[derive(Clone, PartialEq, Eq)]
struct CredentialsInner {
    access_key_id: String,
    secret_access_key: String,
    session_token: Option<Arc<str>>,
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
            inner: Arc::new(CredentialsInner {
                access_key_id: access_key_id.into(),
                secret_access_key: secret_access_key.into(),
                session_token: session_token.map(Arc::from),
                expiry: None,
                source: "static",
            }),
        }
    }

    /// The same credentials with an expiry time.
    pub fn with_expiry(mut self, expiry: Option<SystemTime>) -> Self {
        Arc::make_mut(&mut self.inner).expiry = expiry;
        self
    }

    /// The same credentials, labelled with the provider that produced them (shown in `Debug`).
    pub fn with_source(mut self, source: &'static str) -> Self {
        Arc::make_mut(&mut self.inner).source = source;
        self
    }

    /// The access key id (not secret: it appears in every signed request).
    pub fn access_key_id(&self) -> &str {
        &self.inner.access_key_id
    }

    /// The secret access key. Handle with care: never log it.
    pub fn secret_access_key(&self) -> &str {
        &self.inner.secret_access_key
    }

    /// The session token of temporary credentials.
    pub fn session_token(&self) -> Option<&str> {
        self.inner.session_token.as_deref()
    }

    /// The session token, shared rather than copied (it is sent with every request).
    pub(crate) fn shared_session_token(&self) -> Option<&Arc<str>> {
        self.inner.session_token.as_ref()
    }

    /// When temporary credentials stop working.
    pub fn expiry(&self) -> Option<SystemTime> {
        self.inner.expiry
    }

    /// The name of the provider that produced these credentials.
    pub fn source(&self) -> &'static str {
        self.inner.source
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = &*self.inner;
        f.debug_struct("Credentials")
            .field("access_key_id", &c.access_key_id)
            .field("secret_access_key", &"** redacted **")
            .field(
                "session_token",
                &c.session_token.as_ref().map(|_| "** redacted **"),
            )
            .field("expiry", &c.expiry)
            .field("source", &c.source)
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
///
/// [`source`](std::error::Error::source) is the underlying error where there is one: the
/// [`TransportError`](crate::error::TransportError) of an STS, SSO, container or instance
/// metadata call, the `std::io::Error` of a file or a `credential_process` that could not be
/// read or run, a description of a JSON or XML answer that could not be read (its kind and
/// position, never its text).
#[derive(Debug, Clone)]
pub struct CredentialsError {
    kind: CredentialsErrorKind,
    message: String,
    source: Option<crate::error::Source>,
}

/// Equal when kind, message and the sources' texts are.
impl PartialEq for CredentialsError {
    fn eq(&self, other: &Self) -> bool {
        self.kind == other.kind
            && self.message == other.message
            && crate::error::same_source(&self.source, &other.source)
    }
}

impl Eq for CredentialsError {}

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
            source: None,
        }
    }

    /// The same error with its underlying cause, returned by
    /// [`source`](std::error::Error::source). Its `Display` must not hold secrets.
    ///
    /// ```
    /// use kms_lite::credentials::CredentialsError;
    /// let io = std::io::Error::new(std::io::ErrorKind::NotFound, "no such file");
    /// let e = CredentialsError::new("my-vault: cannot read the token file").with_source(io);
    /// assert!(std::error::Error::source(&e).unwrap().is::<std::io::Error>());
    /// ```
    pub fn with_source(mut self, source: impl std::error::Error + Send + Sync + 'static) -> Self {
        self.source = Some(std::sync::Arc::new(source));
        self
    }

    /// What kind of failure this is.
    pub fn kind(&self) -> CredentialsErrorKind {
        self.kind
    }

    /// Whether the source simply is not configured.
    pub fn is_not_loaded(&self) -> bool {
        self.kind == CredentialsErrorKind::NotLoaded
    }

    /// The same error with `source` as its source (shared with another error).
    pub(crate) fn with_shared_source(mut self, source: Option<crate::error::Source>) -> Self {
        self.source = source;
        self
    }

    /// The same error with the I/O error behind a failed file read, if any, as its source.
    pub(crate) fn with_read_error(self, e: crate::bounded_file::ReadError) -> Self {
        match e.into_io_source() {
            Some(io) => self.with_source(io),
            None => self,
        }
    }

    /// A configuration error of this source, keeping what caused it.
    pub(crate) fn from_config(e: crate::error::ConfigError) -> Self {
        Self::invalid_configuration(e.message()).with_shared_source(e.source_shared())
    }

    /// The same error as a provider failure (for a source that must answer: a profile's
    /// `credential_source`), keeping its message and source.
    pub(crate) fn into_provider_error(mut self) -> Self {
        self.kind = CredentialsErrorKind::ProviderError;
        self
    }

    /// The same error with `context: ` in front of its message.
    pub(crate) fn context(mut self, context: impl fmt::Display) -> Self {
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

impl std::error::Error for CredentialsError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        crate::error::as_source(&self.source)
    }
}

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
