//! The blocking [`Client`]: validates, serializes, signs, sends with retries, and decodes.

use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, SystemTime};

use crate::clock::{Clock, SystemClock};
use crate::codec::decode_error;
use crate::credentials::{Credentials, EnvironmentProvider, ProvideCredentials};
use crate::endpoint::{self, Endpoint, EndpointOptions};
use crate::env::Env;
use crate::error::{ConfigError, Failure, TransportError, TransportErrorKind};
use crate::http::HttpResponse;
use crate::ops::Operation;
use crate::request::{SigningContext, signed_request};
use crate::retry::{self, RetryKind, RetryMode, RetryQuota};
use crate::sigv4::SigningKeyCache;
use crate::transport::{HttpClient, TransportConfig, UreqClient};

/// The `User-Agent` sent with every request.
pub const USER_AGENT: &str = concat!("kms-lite/", env!("CARGO_PKG_VERSION"));

/// Default connect timeout.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Default read timeout (longest wait for any one read from the socket).
pub const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(60);
/// Default cap on a response body. KMS answers are a few KiB.
pub const DEFAULT_MAX_RESPONSE_BYTES: u64 = 1 << 20;
/// Default number of attempts, counting the first.
pub const DEFAULT_MAX_ATTEMPTS: u32 = 3;

/// Clock skew larger than this, seen on a signature or expiry error, is corrected.
const SKEW_THRESHOLD: Duration = Duration::from_secs(4 * 60);

/// Codes that mean "your clock is off" when the `Date` header agrees.
const SKEW_CODES: [&str; 6] = [
    "InvalidSignatureException",
    "SignatureDoesNotMatch",
    "RequestExpired",
    "RequestTimeTooSkewed",
    "RequestInTheFuture",
    "AuthFailure",
];

/// A blocking KMS client. Cheap to share across threads (`Send + Sync`); connections are pooled
/// and reused.
///
/// ```no_run
/// use kms_lite::{Client, ReEncryptRequest};
/// let client = Client::builder().region("eu-west-1").build()?;
/// let ciphertext = std::fs::read("secret.bin")?;
/// let out = client.re_encrypt(&ReEncryptRequest::new("alias/new-key").ciphertext_blob(ciphertext))?;
/// std::fs::write("secret.rewrapped.bin", out.ciphertext_blob.unwrap_or_default())?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    region: String,
    endpoint: Endpoint,
    credentials: Arc<dyn ProvideCredentials>,
    http: Arc<dyn HttpClient>,
    clock: Arc<dyn Clock>,
    jitter: Arc<dyn Fn() -> f64 + Send + Sync>,
    key_cache: SigningKeyCache,
    quota: RetryQuota,
    max_attempts: u32,
    retry_mode: RetryMode,
    operation_timeout: Option<Duration>,
    skew_millis: AtomicI64,
}

impl Clone for Client {
    fn clone(&self) -> Self {
        Client {
            inner: Arc::clone(&self.inner),
        }
    }
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("region", &self.inner.region)
            .field("endpoint", &self.inner.endpoint.url())
            .field("credentials", &self.inner.credentials)
            .field("max_attempts", &self.inner.max_attempts)
            .field("retry_mode", &self.inner.retry_mode)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A builder that resolves anything not set from the environment.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// The signing region.
    pub fn region(&self) -> &str {
        &self.inner.region
    }

    /// The endpoint URL requests go to.
    pub fn endpoint_url(&self) -> String {
        self.inner.endpoint.url()
    }

    /// The clock offset learnt from the service (server time minus local time), applied to
    /// every signature.
    pub fn clock_skew(&self) -> Duration {
        Duration::from_millis(
            self.inner
                .skew_millis
                .load(Ordering::Relaxed)
                .unsigned_abs(),
        )
    }

    pub(crate) fn call<Op: Operation>(&self, input: &Op) -> Result<Op::Output, Op::Error> {
        input
            .validate()
            .map_err(|e| Op::Error::from(Failure::Parameter(e)))?;
        let body = input.to_body();
        let response = self
            .send_with_retries(Op::NAME, Op::TARGET, body)
            .map_err(Op::Error::from)?;
        Op::parse_output(&response.body).map_err(|e| Op::Error::from(Failure::Transport(e)))
    }

    fn signing_time(&self) -> SystemTime {
        let now = self.inner.clock.now();
        let skew = self.inner.skew_millis.load(Ordering::Relaxed);
        let offset = Duration::from_millis(skew.unsigned_abs());
        if skew >= 0 {
            now + offset
        } else {
            now.checked_sub(offset).unwrap_or(now)
        }
    }

    fn send_with_retries(
        &self,
        name: &'static str,
        target: &'static str,
        mut body: Vec<u8>,
    ) -> Result<HttpResponse, Failure> {
        let inner = &*self.inner;
        let started = inner.clock.monotonic();
        let deadline = inner.operation_timeout.map(|t| started + t);
        let invocation_id = retry::invocation_id();
        let mut attempt = 0u32;
        let mut last_cost = None;
        let mut skew_corrected = false;
        loop {
            attempt += 1;
            let credentials = inner
                .credentials
                .provide_credentials()
                .map_err(Failure::Credentials)?;
            let remaining = match deadline {
                Some(d) => match d.checked_sub(inner.clock.monotonic()) {
                    Some(r) if !r.is_zero() => Some(r),
                    _ => return Err(deadline_passed(attempt - 1, inner.operation_timeout)),
                },
                None => None,
            };
            // The body moves into the request and back out after the attempt: no copy.
            let request = signed_request(
                target,
                std::mem::take(&mut body),
                &SigningContext {
                    endpoint: &inner.endpoint,
                    region: &inner.region,
                    credentials: &credentials,
                    time: self.signing_time(),
                    key_cache: Some(&inner.key_cache),
                },
                vec![
                    ("amz-sdk-invocation-id", invocation_id.clone()),
                    (
                        "amz-sdk-request",
                        format!("attempt={attempt}; max={}", inner.max_attempts),
                    ),
                ],
            );
            let result = inner.http.send(&request, remaining);
            body = request.body;
            let (failure, retry_after) = match result {
                Ok(resp) if (200..300).contains(&resp.status) => {
                    inner.quota.release(last_cost);
                    return Ok(resp);
                }
                Ok(resp) => {
                    let err = decode_error(name, &resp);
                    if !skew_corrected && SKEW_CODES.contains(&err.code()) && self.learn_skew(&resp)
                    {
                        skew_corrected = true;
                        attempt -= 1;
                        continue;
                    }
                    let retry_after = resp
                        .header("x-amz-retry-after")
                        .and_then(|v| v.trim().parse::<u64>().ok())
                        .map(Duration::from_millis);
                    (Failure::Service(err), retry_after)
                }
                Err(e) => (Failure::Transport(e), None),
            };
            let kind = retry::classify(&failure);
            let out_of_attempts = attempt >= inner.max_attempts;
            if kind == RetryKind::No || out_of_attempts {
                return Err(with_attempts(
                    failure,
                    attempt,
                    out_of_attempts && kind != RetryKind::No,
                ));
            }
            let Some(cost) = inner.quota.acquire(kind) else {
                return Err(with_attempts(failure, attempt, false));
            };
            last_cost = Some(cost);
            let delay = retry::backoff(kind, attempt, (inner.jitter)(), retry_after);
            if let Some(d) = deadline {
                if inner.clock.monotonic() + delay >= d {
                    return Err(with_attempts(failure, attempt, false));
                }
            }
            inner.clock.sleep(delay);
        }
    }

    /// Reads the server's `Date`; when it is more than four minutes from the local clock,
    /// remembers the offset for every later request and says so.
    fn learn_skew(&self, resp: &HttpResponse) -> bool {
        let Some(server) = resp
            .header("date")
            .and_then(crate::timestamp::parse_http_date)
        else {
            return false;
        };
        let local = self.inner.clock.now();
        let skew_ms: i64 = match server.duration_since(local) {
            Ok(ahead) => i64::try_from(ahead.as_millis()).unwrap_or(i64::MAX),
            Err(behind) => -i64::try_from(behind.duration().as_millis()).unwrap_or(i64::MAX),
        };
        if Duration::from_millis(skew_ms.unsigned_abs()) <= SKEW_THRESHOLD {
            return false;
        }
        self.inner.skew_millis.store(skew_ms, Ordering::Relaxed);
        true
    }
}

fn with_attempts(mut failure: Failure, attempts: u32, max_reached: bool) -> Failure {
    failure.set_attempts(attempts, max_reached);
    failure
}

fn deadline_passed(attempts: u32, timeout: Option<Duration>) -> Failure {
    let mut e = TransportError::new(
        TransportErrorKind::Timeout,
        format!(
            "the operation timeout of {:?} passed",
            timeout.unwrap_or_default()
        ),
    );
    e.attempts = attempts.max(1);
    Failure::Transport(e)
}

/// Builds a [`Client`]. Whatever is not set is resolved the way the AWS CLI does it.
///
/// ```
/// use kms_lite::{Client, credentials::Credentials};
/// let client = Client::builder()
///     .region("eu-central-1")
///     .endpoint_url("http://127.0.0.1:4566")
///     .credentials(Credentials::new("AKIDEXAMPLE", "secret", None))
///     .build()
///     .unwrap();
/// assert_eq!(client.endpoint_url(), "http://127.0.0.1:4566/");
/// ```
#[derive(Default)]
pub struct ClientBuilder {
    region: Option<String>,
    endpoint_url: Option<String>,
    endpoint_options: Option<EndpointOptions>,
    credentials: Option<Arc<dyn ProvideCredentials>>,
    http: Option<Arc<dyn HttpClient>>,
    clock: Option<Arc<dyn Clock>>,
    jitter: Option<Arc<dyn Fn() -> f64 + Send + Sync>>,
    env: Option<Env>,
    connect_timeout: Option<Duration>,
    read_timeout: Option<Duration>,
    operation_timeout: Option<Duration>,
    max_response_bytes: Option<u64>,
    max_attempts: Option<u32>,
    retry_mode: Option<RetryMode>,
    connect_to: Option<SocketAddr>,
    ca_bundle_pem: Option<Vec<u8>>,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("region", &self.region)
            .field("endpoint_url", &self.endpoint_url)
            .field("credentials", &self.credentials)
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    /// The region (otherwise `AWS_REGION`, then `AWS_DEFAULT_REGION`).
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }
    /// A custom endpoint such as `http://localhost:4566` (otherwise `AWS_ENDPOINT_URL_KMS`,
    /// then `AWS_ENDPOINT_URL`, then the region's KMS endpoint).
    pub fn endpoint_url(mut self, url: impl Into<String>) -> Self {
        self.endpoint_url = Some(url.into());
        self
    }
    /// FIPS and dual-stack (otherwise `AWS_USE_FIPS_ENDPOINT` and `AWS_USE_DUALSTACK_ENDPOINT`).
    pub fn endpoint_options(mut self, options: EndpointOptions) -> Self {
        self.endpoint_options = Some(options);
        self
    }
    /// Fixed credentials (otherwise the environment's).
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = Some(Arc::new(credentials));
        self
    }
    /// A credentials provider, asked before every attempt.
    pub fn credentials_provider(mut self, provider: impl ProvideCredentials + 'static) -> Self {
        self.credentials = Some(Arc::new(provider));
        self
    }
    /// Reads configuration from this environment instead of the process's (tests, embedding).
    pub fn env(mut self, env: Env) -> Self {
        self.env = Some(env);
        self
    }
    /// The connect timeout (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }
    /// The read timeout: the longest wait for any single read (default 60 s).
    pub fn read_timeout(mut self, timeout: Duration) -> Self {
        self.read_timeout = Some(timeout);
        self
    }
    /// A deadline for a whole call, attempts and backoff included (default none).
    pub fn operation_timeout(mut self, timeout: Duration) -> Self {
        self.operation_timeout = Some(timeout);
        self
    }
    /// The largest response body accepted (default 1 MiB).
    pub fn max_response_bytes(mut self, bytes: u64) -> Self {
        self.max_response_bytes = Some(bytes);
        self
    }
    /// Attempts per call, counting the first (otherwise `AWS_MAX_ATTEMPTS`, default 3).
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = Some(attempts);
        self
    }
    /// The retry mode (otherwise `AWS_RETRY_MODE`, default standard).
    pub fn retry_mode(mut self, mode: RetryMode) -> Self {
        self.retry_mode = Some(mode);
        self
    }
    /// Connects to this address whatever the endpoint's host resolves to; the `Host` header,
    /// the signature and the TLS name stay the endpoint's (like curl's `--connect-to`).
    pub fn connect_to(mut self, addr: SocketAddr) -> Self {
        self.connect_to = Some(addr);
        self
    }
    /// Trusts exactly the certificates of this PEM bundle (otherwise `AWS_CA_BUNDLE`, then the
    /// built-in Mozilla roots).
    pub fn ca_bundle_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.ca_bundle_pem = Some(pem.into());
        self
    }
    /// Replaces the HTTP transport (tests, benches, custom stacks).
    pub fn http_client(mut self, http: impl HttpClient + 'static) -> Self {
        self.http = Some(Arc::new(http));
        self
    }
    /// Replaces the clock (tests: pinned signing time, recorded sleeps).
    pub fn clock(mut self, clock: impl Clock + 'static) -> Self {
        self.clock = Some(Arc::new(clock));
        self
    }
    /// Replaces the backoff jitter source, which must return values in [0, 1).
    pub fn jitter(mut self, jitter: impl Fn() -> f64 + Send + Sync + 'static) -> Self {
        self.jitter = Some(Arc::new(jitter));
        self
    }

    /// Resolves the configuration and builds the client.
    pub fn build(self) -> Result<Client, ConfigError> {
        let env = self.env.unwrap_or_default();
        let region = self
            .region
            .or_else(|| env.get_non_empty("AWS_REGION"))
            .or_else(|| env.get_non_empty("AWS_DEFAULT_REGION"))
            .ok_or_else(|| {
                ConfigError::new(
                    "no region: set it with --region, AWS_REGION or AWS_DEFAULT_REGION",
                )
            })?;
        if !endpoint::is_valid_region(&region) {
            return Err(ConfigError::new(format!("invalid region {region:?}")));
        }
        let options = match self.endpoint_options {
            Some(o) => o,
            None => EndpointOptions {
                use_fips: env_bool(&env, "AWS_USE_FIPS_ENDPOINT")?.unwrap_or(false),
                use_dual_stack: env_bool(&env, "AWS_USE_DUALSTACK_ENDPOINT")?.unwrap_or(false),
            },
        };
        let ignore_configured =
            env_bool(&env, "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")?.unwrap_or(false);
        let configured = if ignore_configured {
            None
        } else {
            env.get_non_empty("AWS_ENDPOINT_URL_KMS")
                .or_else(|| env.get_non_empty("AWS_ENDPOINT_URL"))
        };
        let endpoint_url = match self.endpoint_url.or(configured) {
            Some(url) => {
                if options.use_fips || options.use_dual_stack {
                    return Err(ConfigError::new(
                        "a custom endpoint cannot be combined with FIPS or dual-stack endpoints",
                    ));
                }
                url
            }
            None => endpoint::resolve(&region, options)?,
        };
        let endpoint = Endpoint::parse(&endpoint_url)?;
        let credentials = match self.credentials {
            Some(c) => c,
            None => Arc::new(EnvironmentProvider::with_env(env.clone())),
        };
        let max_attempts = match self.max_attempts {
            Some(n) => n,
            None => match env.get_non_empty("AWS_MAX_ATTEMPTS") {
                Some(v) => v.parse().map_err(|_| {
                    ConfigError::new(format!(
                        "AWS_MAX_ATTEMPTS must be a whole number, got {v:?}"
                    ))
                })?,
                None => DEFAULT_MAX_ATTEMPTS,
            },
        };
        if max_attempts == 0 {
            return Err(ConfigError::new("max attempts must be at least 1"));
        }
        let retry_mode = match self.retry_mode {
            Some(m) => m,
            None => match env.get_non_empty("AWS_RETRY_MODE") {
                Some(v) => RetryMode::parse(&v).ok_or_else(|| {
                    ConfigError::new(format!(
                        "AWS_RETRY_MODE must be standard, adaptive or legacy, got {v:?}"
                    ))
                })?,
                None => RetryMode::Standard,
            },
        };
        let http: Arc<dyn HttpClient> = match self.http {
            Some(h) => h,
            None => {
                let ca_bundle_pem = match self.ca_bundle_pem {
                    Some(pem) => Some(pem),
                    None if endpoint.scheme == "https" => {
                        match env.get_non_empty("AWS_CA_BUNDLE") {
                            Some(path) => Some(std::fs::read(&path).map_err(|e| {
                                ConfigError::new(format!("cannot read the CA bundle {path}: {e}"))
                            })?),
                            None => None,
                        }
                    }
                    None => None,
                };
                Arc::new(UreqClient::new(&TransportConfig {
                    connect_timeout: self.connect_timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT),
                    read_timeout: self.read_timeout.unwrap_or(DEFAULT_READ_TIMEOUT),
                    max_response_bytes: self
                        .max_response_bytes
                        .unwrap_or(DEFAULT_MAX_RESPONSE_BYTES),
                    user_agent: USER_AGENT.to_owned(),
                    connect_to: self.connect_to,
                    ca_bundle_pem: ca_bundle_pem.map(Arc::new),
                    proxy: crate::proxy::for_endpoint(&endpoint, &env),
                })?)
            }
        };
        Ok(Client {
            inner: Arc::new(Inner {
                region,
                endpoint,
                credentials,
                http,
                clock: self.clock.unwrap_or_else(|| Arc::new(SystemClock)),
                jitter: self.jitter.unwrap_or_else(|| Arc::new(retry::random_unit)),
                key_cache: SigningKeyCache::default(),
                quota: RetryQuota::default(),
                max_attempts,
                retry_mode,
                operation_timeout: self.operation_timeout,
                skew_millis: AtomicI64::new(0),
            }),
        })
    }
}

/// Reads a `true`/`false` variable; anything else is an error naming it.
fn env_bool(env: &Env, name: &str) -> Result<Option<bool>, ConfigError> {
    match env.get_non_empty(name) {
        None => Ok(None),
        Some(v) if v.eq_ignore_ascii_case("true") => Ok(Some(true)),
        Some(v) if v.eq_ignore_ascii_case("false") => Ok(Some(false)),
        Some(v) => Err(ConfigError::new(format!(
            "{name} must be true or false, got {v:?}"
        ))),
    }
}
