//! What every provider needs: the shared configuration, the region for STS, a clock, the
//! transports and their settings.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use super::CredentialsError;
use crate::clock::{Clock, SystemClock};
use crate::debug_log::{self, DebugLog};
use crate::endpoint::{Endpoint, EndpointOptions};
use crate::env::Env;
use crate::http::HttpClient;
use crate::settings::{CaBundle, SharedConfig};
use crate::transport::{TransportConfig, UreqClient};

/// Default limit on how long a `credential_process` may run.
pub(crate) const DEFAULT_PROCESS_TIMEOUT: Duration = Duration::from_secs(60);
/// Default connect and read timeout for instance metadata and container endpoints.
pub(crate) const DEFAULT_METADATA_TIMEOUT: Duration = Duration::from_secs(1);
/// Default attempts of each STS, SSO and container-endpoint call, counting the first (the SDKs'
/// standard mode).
pub(crate) const DEFAULT_MAX_ATTEMPTS: u32 = 3;
/// Default attempts of each instance metadata request (the Rust SDK's); otherwise
/// `AWS_METADATA_SERVICE_NUM_ATTEMPTS` or the profile's `metadata_service_num_attempts`.
pub(crate) const DEFAULT_METADATA_ATTEMPTS: u32 = 4;

/// Settings shared by the credential providers: where configuration comes from, the region STS
/// is called in, the clock that judges expiry, and the transports.
///
/// ```
/// use kms_lite::config::{Env, SharedConfig};
/// use kms_lite::credentials::{ProfileProvider, ProviderConfig};
/// // The shared files and profile of this environment (here an empty one: no file is read).
/// let shared = SharedConfig::load(Env::from_pairs::<&str, &str>([]), None)?;
/// let config = ProviderConfig::new(shared).region("eu-west-1");
/// assert!(format!("{config:?}").contains("eu-west-1"));
/// let provider = ProfileProvider::new(config);
/// # Ok::<(), kms_lite::error::ConfigError>(())
/// ```
#[derive(Clone)]
pub struct ProviderConfig {
    shared: SharedConfig,
    region: Option<String>,
    endpoint_options: EndpointOptions,
    clock: Arc<dyn Clock>,
    http: Option<Arc<dyn HttpClient>>,
    metadata_http: Option<Arc<dyn HttpClient>>,
    jitter: Arc<dyn Fn() -> f64 + Send + Sync>,
    max_attempts: u32,
    ca_bundle: Option<CaBundle>,
    process_timeout: Duration,
    metadata_timeout: Duration,
    debug_log: Option<DebugLog>,
    user_agent: String,
}

impl fmt::Debug for ProviderConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProviderConfig")
            .field("profile", &self.shared.profile_name())
            .field("region", &self.region)
            .field("endpoint_options", &self.endpoint_options)
            .field("process_timeout", &self.process_timeout)
            .field("metadata_timeout", &self.metadata_timeout)
            .field("max_attempts", &self.max_attempts)
            .finish_non_exhaustive()
    }
}

impl ProviderConfig {
    /// Settings reading `shared`, with the system clock and default timeouts.
    pub fn new(shared: SharedConfig) -> Self {
        ProviderConfig {
            user_agent: crate::settings::default_user_agent(&shared),
            shared,
            region: None,
            endpoint_options: EndpointOptions::default(),
            clock: Arc::new(SystemClock),
            http: None,
            metadata_http: None,
            jitter: Arc::new(crate::retry::random_unit),
            max_attempts: DEFAULT_MAX_ATTEMPTS,
            ca_bundle: None,
            process_timeout: DEFAULT_PROCESS_TIMEOUT,
            metadata_timeout: DEFAULT_METADATA_TIMEOUT,
            debug_log: None,
        }
    }

    /// The `User-Agent` of the providers' calls: the client's, application id included.
    pub(crate) fn user_agent(mut self, user_agent: String) -> Self {
        self.user_agent = user_agent;
        self
    }

    /// The region STS is called in (otherwise the profile's `region`, else `us-east-1`).
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }
    /// FIPS and dual-stack for the STS endpoint.
    pub fn endpoint_options(mut self, options: EndpointOptions) -> Self {
        self.endpoint_options = options;
        self
    }
    /// The clock that judges expiry.
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }
    /// The transport for STS calls (never used for metadata endpoints).
    pub fn http_client(mut self, http: Arc<dyn HttpClient>) -> Self {
        self.http = Some(http);
        self
    }
    /// The transport for the instance metadata and container endpoints (tests, replays);
    /// otherwise ureq, never through a proxy, with short timeouts.
    pub fn metadata_http_client(mut self, http: Arc<dyn HttpClient>) -> Self {
        self.metadata_http = Some(http);
        self
    }
    /// The backoff jitter source for retries, returning values in [0, 1) (default random).
    pub fn jitter(mut self, jitter: Arc<dyn Fn() -> f64 + Send + Sync>) -> Self {
        self.jitter = jitter;
        self
    }
    /// Attempts of each STS, SSO and container-endpoint call, counting the first (default 3;
    /// the client passes its resolved `max_attempts`).
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }
    /// The CA bundle for STS.
    pub(crate) fn ca_bundle(mut self, bundle: Option<CaBundle>) -> Self {
        self.ca_bundle = bundle;
        self
    }
    /// How long a `credential_process` may run (default 60 s).
    pub fn process_timeout(mut self, timeout: Duration) -> Self {
        self.process_timeout = timeout;
        self
    }
    /// Connect and read timeout of the instance metadata and container endpoints (default 1 s).
    pub fn metadata_timeout(mut self, timeout: Duration) -> Self {
        self.metadata_timeout = timeout;
        self
    }
    /// Receives one line per request and response the providers make (secrets redacted).
    pub(crate) fn debug_log(mut self, log: Option<DebugLog>) -> Self {
        self.debug_log = log;
        self
    }

    /// The shared configuration.
    pub fn shared(&self) -> &SharedConfig {
        &self.shared
    }

    pub(crate) fn env(&self) -> &Env {
        self.shared.env()
    }

    pub(crate) fn clock_ref(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    pub(crate) fn options(&self) -> EndpointOptions {
        self.endpoint_options
    }

    pub(crate) fn process_timeout_value(&self) -> Duration {
        self.process_timeout
    }

    pub(crate) fn jitter_value(&self) -> f64 {
        (self.jitter)()
    }

    pub(crate) fn max_attempts_value(&self) -> u32 {
        self.max_attempts
    }

    /// Attempts per instance metadata request: `AWS_METADATA_SERVICE_NUM_ATTEMPTS`, else the
    /// profile's `metadata_service_num_attempts`, else [`DEFAULT_METADATA_ATTEMPTS`].
    pub(crate) fn metadata_attempts(&self) -> Result<u32, CredentialsError> {
        let (value, what) = match self
            .env()
            .get_non_empty("AWS_METADATA_SERVICE_NUM_ATTEMPTS")
        {
            Some(v) => (v, "AWS_METADATA_SERVICE_NUM_ATTEMPTS".to_owned()),
            None => match self.shared.profile_value("metadata_service_num_attempts") {
                Some(v) => (
                    v.to_owned(),
                    self.shared
                        .profile_key_label("metadata_service_num_attempts"),
                ),
                None => return Ok(DEFAULT_METADATA_ATTEMPTS),
            },
        };
        match value.parse::<u32>() {
            Ok(n) if n >= 1 => Ok(n),
            _ => Err(CredentialsError::invalid_configuration(format!(
                "{what} must be a whole number of at least 1"
            ))),
        }
    }

    /// The region for STS: set, else the profile's, else `us-east-1`.
    pub(crate) fn sts_region(&self) -> String {
        self.region
            .clone()
            .or_else(|| self.shared.region().map(|(r, _)| r))
            .unwrap_or_else(|| "us-east-1".to_owned())
    }

    /// A transport for an AWS endpoint: the one given, else ureq honouring the proxy variables
    /// and the CA bundle.
    pub(crate) fn http_for(
        &self,
        endpoint: &Endpoint,
    ) -> Result<Arc<dyn HttpClient>, CredentialsError> {
        if let Some(http) = &self.http {
            return Ok(debug_log::wrap(Arc::clone(http), self.debug_log.as_ref()));
        }
        let ca_bundle_pem = match (&self.ca_bundle, endpoint.scheme) {
            (Some(bundle), "https") => Some(bundle.load().map_err(CredentialsError::from_config)?),
            _ => None,
        };
        let http = UreqClient::new(&TransportConfig {
            connect_timeout: Duration::from_secs(10),
            read_timeout: Duration::from_secs(30),
            max_response_bytes: 1 << 20,
            user_agent: self.user_agent.clone(),
            connect_to: None,
            ca_bundle_pem,
            proxy: crate::proxy::for_endpoint(endpoint, self.env())
                .map_err(CredentialsError::from_config)?,
        })
        .map_err(CredentialsError::from_config)?;
        Ok(debug_log::wrap(Arc::new(http), self.debug_log.as_ref()))
    }

    /// A transport for the instance metadata and container endpoints: never through a proxy,
    /// short timeouts, built-in roots.
    pub(crate) fn metadata_http(&self) -> Result<Arc<dyn HttpClient>, CredentialsError> {
        if let Some(http) = &self.metadata_http {
            return Ok(debug_log::wrap(Arc::clone(http), self.debug_log.as_ref()));
        }
        let http = UreqClient::new(&TransportConfig {
            connect_timeout: self.metadata_timeout,
            read_timeout: self.metadata_timeout,
            max_response_bytes: 64 * 1024,
            user_agent: self.user_agent.clone(),
            connect_to: None,
            ca_bundle_pem: None,
            proxy: None,
        })
        .map_err(CredentialsError::from_config)?;
        Ok(debug_log::wrap(Arc::new(http), self.debug_log.as_ref()))
    }
}
