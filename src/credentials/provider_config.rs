//! What every provider needs: the shared configuration, the region for STS, a clock, the
//! transports and their settings.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use super::CredentialsError;
use crate::clock::{Clock, SystemClock};
use crate::config::{CaBundle, SharedConfig};
use crate::debug_log::{self, DebugLog};
use crate::endpoint::{Endpoint, EndpointOptions};
use crate::env::Env;
use crate::transport::{HttpClient, TransportConfig, UreqClient};

/// Default limit on how long a `credential_process` may run.
pub const DEFAULT_PROCESS_TIMEOUT: Duration = Duration::from_secs(60);
/// Default connect and read timeout for instance metadata and container endpoints.
pub const DEFAULT_METADATA_TIMEOUT: Duration = Duration::from_secs(1);

/// Settings shared by the credential providers: where configuration comes from, the region STS
/// is called in, the clock that judges expiry, and the transports.
///
/// ```
/// use kms_lite::config::SharedConfig;
/// use kms_lite::credentials::ProviderConfig;
/// use kms_lite::env::Env;
/// let shared = SharedConfig::from_profile_set(Env::from_pairs::<&str, &str>([]), None, Default::default());
/// let config = ProviderConfig::new(shared).region("eu-west-1");
/// assert!(format!("{config:?}").contains("eu-west-1"));
/// ```
#[derive(Clone)]
pub struct ProviderConfig {
    shared: SharedConfig,
    region: Option<String>,
    endpoint_options: EndpointOptions,
    clock: Arc<dyn Clock>,
    http: Option<Arc<dyn HttpClient>>,
    ca_bundle: Option<CaBundle>,
    process_timeout: Duration,
    metadata_timeout: Duration,
    debug_log: Option<DebugLog>,
}

impl fmt::Debug for ProviderConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProviderConfig")
            .field("profile", &self.shared.profile_name())
            .field("region", &self.region)
            .field("endpoint_options", &self.endpoint_options)
            .field("process_timeout", &self.process_timeout)
            .field("metadata_timeout", &self.metadata_timeout)
            .finish_non_exhaustive()
    }
}

impl ProviderConfig {
    /// Settings reading `shared`, with the system clock and default timeouts.
    pub fn new(shared: SharedConfig) -> Self {
        ProviderConfig {
            shared,
            region: None,
            endpoint_options: EndpointOptions::default(),
            clock: Arc::new(SystemClock),
            http: None,
            ca_bundle: None,
            process_timeout: DEFAULT_PROCESS_TIMEOUT,
            metadata_timeout: DEFAULT_METADATA_TIMEOUT,
            debug_log: None,
        }
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
    /// The CA bundle for STS.
    pub fn ca_bundle(mut self, bundle: Option<CaBundle>) -> Self {
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
    pub fn debug_log(mut self, log: Option<DebugLog>) -> Self {
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
            (Some(bundle), "https") => Some(
                bundle
                    .load()
                    .map_err(|e| CredentialsError::invalid_configuration(e.to_string()))?,
            ),
            _ => None,
        };
        let http = UreqClient::new(&TransportConfig {
            connect_timeout: Duration::from_secs(10),
            read_timeout: Duration::from_secs(30),
            max_response_bytes: 1 << 20,
            user_agent: crate::client::USER_AGENT.to_owned(),
            connect_to: None,
            ca_bundle_pem,
            proxy: crate::proxy::for_endpoint(endpoint, self.env())
                .map_err(|e| CredentialsError::invalid_configuration(e.to_string()))?,
        })
        .map_err(|e| CredentialsError::invalid_configuration(e.to_string()))?;
        Ok(debug_log::wrap(Arc::new(http), self.debug_log.as_ref()))
    }

    /// A transport for the instance metadata and container endpoints: never through a proxy,
    /// short timeouts, built-in roots.
    pub(crate) fn metadata_http(&self) -> Result<Arc<dyn HttpClient>, CredentialsError> {
        let http = UreqClient::new(&TransportConfig {
            connect_timeout: self.metadata_timeout,
            read_timeout: self.metadata_timeout,
            max_response_bytes: 64 * 1024,
            user_agent: crate::client::USER_AGENT.to_owned(),
            connect_to: None,
            ca_bundle_pem: None,
            proxy: None,
        })
        .map_err(|e| CredentialsError::invalid_configuration(e.to_string()))?;
        Ok(debug_log::wrap(Arc::new(http), self.debug_log.as_ref()))
    }
}
