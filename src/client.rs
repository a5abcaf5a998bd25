//! The blocking [`Client`]: validates, serializes, signs, sends with retries, and decodes.

use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use crate::clock::{Clock, SystemClock};
use crate::codec::decode_error;
use crate::credentials::{Credentials, ProvideCredentials, ProviderConfig};
use crate::debug_log::DebugLog;
use crate::endpoint::{Endpoint, EndpointOptions};
use crate::env::Env;
use crate::error::{ConfigError, Failure, RetryStop, TransportError, TransportErrorKind};
use crate::http::{HttpClient, HttpResponse};
use crate::ops::Operation;
use crate::request::{SigningContext, signed_request};
use crate::retry::{self, RateLimiter, RateLimiterSnapshot, RetryKind, RetryMode, RetryQuota};
use crate::secret::SecretBytes;
use crate::settings::{self, CaBundle, Overrides, SharedConfig};
use crate::sigv4::SigningKeyCache;
use crate::transport::{TransportConfig, UreqClient};

/// Default connect timeout.
pub(crate) const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Default read timeout (longest wait for any one read from the socket).
pub(crate) const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(60);
/// Default cap on a response body. KMS answers are a few KiB.
pub(crate) const DEFAULT_MAX_RESPONSE_BYTES: u64 = 1 << 20;

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
    user_agent: String,
    credentials: Arc<dyn ProvideCredentials>,
    http: Arc<dyn HttpClient>,
    clock: Arc<dyn Clock>,
    jitter: Arc<dyn Fn() -> f64 + Send + Sync>,
    key_cache: SigningKeyCache,
    quota: RetryQuota,
    /// Adaptive mode's rate limiter; `None` in the other modes.
    limiter: Option<RateLimiter>,
    /// Attempts made, and of those the throttled ones (every mode).
    attempts: AtomicU64,
    throttled: AtomicU64,
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
    pub fn endpoint_url(&self) -> &str {
        self.inner.endpoint.url()
    }

    /// The `User-Agent` header of KMS requests: `kms-lite/<version>`, then `app/<id>` when an
    /// application id is configured (see [`ClientBuilder::app_id`]). The default transport
    /// sends it; a transport given with [`ClientBuilder::http_client`] sets its own.
    pub fn user_agent(&self) -> &str {
        &self.inner.user_agent
    }

    /// The clock offset learnt from the service, in milliseconds, applied to every signature:
    /// positive when the service's clock is ahead of the local one, 0 until a skew is seen.
    pub fn clock_offset_millis(&self) -> i64 {
        self.inner.skew_millis.load(Ordering::Relaxed)
    }

    /// The rate limiter's state and the attempt counters, for progress displays: in adaptive
    /// mode the rate the client lets attempts through (once a throttling response has made it
    /// limit) and its measured rate; in every mode the attempts made and how many of them were
    /// throttled. See [`crate::retry`].
    pub fn rate_limiter(&self) -> RateLimiterSnapshot {
        let inner = &*self.inner;
        let (fill_rate, measured_rate) = match &inner.limiter {
            Some(l) => {
                let (fill, measured) = l.rates();
                (fill, Some(measured))
            }
            None => (None, None),
        };
        RateLimiterSnapshot {
            fill_rate,
            measured_rate,
            attempts: inner.attempts.load(Ordering::Relaxed),
            throttled: inner.throttled.load(Ordering::Relaxed),
        }
    }

    /// Counts an attempt sent at `sent_at` (monotonic) and, in adaptive mode, feeds its outcome
    /// to the rate limiter.
    fn record_attempt(&self, sent_at: Duration, throttled: bool) {
        let inner = &*self.inner;
        inner.attempts.fetch_add(1, Ordering::Relaxed);
        if throttled {
            inner.throttled.fetch_add(1, Ordering::Relaxed);
        }
        if let Some(limiter) = &inner.limiter {
            limiter.record(inner.clock.monotonic(), sent_at, throttled);
        }
    }

    pub(crate) fn call<Op: Operation>(&self, input: &Op) -> Result<Op::Output, Op::Error> {
        input
            .validate()
            .map_err(|e| Op::Error::from(Failure::Parameter(e)))?;
        let body = crate::codec::to_body(input);
        let mut response = self
            .send_with_retries(Op::NAME, Op::TARGET, body)
            .map_err(Op::Error::from)?;
        let output = crate::codec::from_body(Op::NAME, &response.body);
        // A Decrypt or GenerateDataKey body holds the plaintext in base64.
        crate::secret::wipe(&mut response.body);
        output.map_err(|e| Op::Error::from(Failure::Transport(e)))
    }

    /// The local time corrected by `skew` milliseconds (server minus local).
    fn signing_time(&self, skew: i64) -> SystemTime {
        let now = self.inner.clock.now();
        let offset = Duration::from_millis(skew.unsigned_abs());
        if skew >= 0 {
            now.checked_add(offset).unwrap_or(now)
        } else {
            now.checked_sub(offset).unwrap_or(now)
        }
    }

    /// Sends one operation: in adaptive mode waits for the rate limiter before every attempt,
    /// signs every attempt afresh, retries what standard mode retries (see [`crate::retry`]),
    /// corrects a skewed clock once, and stops at `max_attempts`, when the retry quota runs dry,
    /// or when the operation timeout would pass.
    fn send_with_retries(
        &self,
        name: &'static str,
        target: &'static str,
        body: Vec<u8>,
    ) -> Result<HttpResponse, Failure> {
        // An Encrypt body holds the plaintext in base64: zeroed when the call ends, however.
        let mut body = SecretBytes::new(body);
        let inner = &*self.inner;
        let started = inner.clock.monotonic();
        let deadline = inner.operation_timeout.map(|t| started.saturating_add(t));
        let invocation_id = retry::invocation_id();
        let mut attempt = 0u32;
        let mut last_cost = None;
        let mut skew_corrected = false;
        // The failure the next attempt retries: what the call returns if the operation timeout
        // stops it before that attempt is sent.
        let mut retrying: Option<Failure> = None;
        let timed_out = |retrying: Option<Failure>, attempts: u32| match retrying {
            Some(failure) => with_attempts(failure, attempts, RetryStop::OperationTimeout),
            None => deadline_passed(attempts, inner.operation_timeout),
        };
        loop {
            attempt += 1;
            if let Some(limiter) = &inner.limiter {
                if limiter.acquire(&*inner.clock, deadline).is_err() {
                    return Err(timed_out(retrying, attempt - 1));
                }
            }
            let credentials = inner
                .credentials
                .provide_credentials()
                .map_err(Failure::Credentials)?;
            let remaining = match deadline {
                Some(d) => match d.checked_sub(inner.clock.monotonic()) {
                    Some(r) if !r.is_zero() => Some(r),
                    _ => return Err(timed_out(retrying, attempt - 1)),
                },
                None => None,
            };
            // Read once: the time signed and the offset judged against must agree even when
            // another thread learns a new offset meanwhile.
            let signed_at = self.signing_time_offset();
            // The body moves into the request and back out after the attempt: no copy.
            let mut request = signed_request(
                target,
                std::mem::take(body.as_mut_vec()),
                &SigningContext {
                    endpoint: &inner.endpoint,
                    region: &inner.region,
                    credentials: &credentials,
                    time: self.signing_time(signed_at),
                    key_cache: Some(&inner.key_cache),
                },
            );
            request.headers.extend([
                ("amz-sdk-invocation-id", Arc::clone(&invocation_id).into()),
                (
                    "amz-sdk-request",
                    format!("attempt={attempt}; max={}", inner.max_attempts).into(),
                ),
            ]);
            let sent_at = inner.clock.monotonic();
            let result = inner.http.send(&request, remaining);
            *body.as_mut_vec() = request.body;
            let out_of_attempts = attempt >= inner.max_attempts;
            let (failure, retry_after) = match result {
                Ok(resp) if (200..300).contains(&resp.status) => {
                    self.record_attempt(sent_at, false);
                    inner.quota.release(last_cost);
                    return Ok(resp);
                }
                Ok(resp) => {
                    let err = decode_error(name, &resp);
                    // A signature or expiry error from a skewed clock: learn the offset and, once
                    // per call, re-sign at once with the corrected time. Later calls (on any
                    // thread) sign with the offset from their first attempt.
                    if SKEW_CODES.contains(&err.code())
                        && self.learn_skew(&resp, signed_at)
                        && !skew_corrected
                        && !out_of_attempts
                    {
                        self.record_attempt(sent_at, false);
                        skew_corrected = true;
                        retrying = Some(Failure::Service(err));
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
            self.record_attempt(sent_at, kind == RetryKind::Throttling);
            if kind == RetryKind::No {
                return Err(with_attempts(failure, attempt, RetryStop::NotRetryable));
            }
            if out_of_attempts {
                return Err(with_attempts(failure, attempt, RetryStop::MaxAttempts));
            }
            let delay = retry::backoff(kind, attempt, (inner.jitter)(), retry_after);
            if let Some(d) = deadline {
                if inner.clock.monotonic().saturating_add(delay) >= d {
                    return Err(with_attempts(failure, attempt, RetryStop::OperationTimeout));
                }
            }
            // In adaptive mode the rate limiter paces retries after throttling (each waits for a
            // token), so they cost no retry quota: throttling must not spend the quota that a
            // reset or a 5xx needs.
            let cost = if inner.limiter.is_some() && kind == RetryKind::Throttling {
                Some(0)
            } else {
                inner.quota.acquire(kind)
            };
            let Some(cost) = cost else {
                return Err(with_attempts(failure, attempt, RetryStop::QuotaExhausted));
            };
            last_cost = Some(cost);
            inner.clock.sleep(delay);
            retrying = Some(failure);
        }
    }

    /// The offset (milliseconds, server minus local) that signatures apply now.
    fn signing_time_offset(&self) -> i64 {
        self.inner.skew_millis.load(Ordering::Relaxed)
    }

    /// Reads the server's `Date`. When it is more than four minutes from the time the request
    /// was signed with (local time plus the offset in force, `signed_offset`), stores the new
    /// offset (server minus local) for every later request and returns `true`. A stale offset
    /// is replaced the same way, so a clock that has since been fixed is followed back.
    fn learn_skew(&self, resp: &HttpResponse, signed_offset: i64) -> bool {
        let Some(server) = resp
            .header("date")
            .and_then(crate::timestamp::parse_http_date)
        else {
            return false;
        };
        let local = self.inner.clock.now();
        let skew_ms: i64 = match server.duration_since(local) {
            Ok(ahead) => i64::try_from(ahead.as_millis()).unwrap_or(i64::MAX),
            Err(behind) => i64::try_from(behind.duration().as_millis()).map_or(i64::MIN, |v| -v),
        };
        let error_ms = skew_ms.saturating_sub(signed_offset).unsigned_abs();
        if error_ms <= SKEW_THRESHOLD.as_millis() as u64 {
            return false;
        }
        self.inner.skew_millis.store(skew_ms, Ordering::Relaxed);
        true
    }

    /// The path of a call whose body is already written (the raw call): retries and all, as
    /// for the typed operations.
    pub(crate) fn send_json(
        &self,
        name: &'static str,
        target: &'static str,
        body: Vec<u8>,
    ) -> Result<HttpResponse, Failure> {
        self.send_with_retries(name, target, body)
    }
}

fn with_attempts(mut failure: Failure, attempts: u32, stop: RetryStop) -> Failure {
    failure.set_attempts(attempts, stop);
    failure
}

fn deadline_passed(attempts: u32, timeout: Option<Duration>) -> Failure {
    let mut e = TransportError::new(
        TransportErrorKind::Timeout,
        format!(
            "the operation timeout of {:?} passed before another attempt could start",
            timeout.unwrap_or_default()
        ),
    );
    e.attempts = attempts;
    e.retry_stop = RetryStop::OperationTimeout;
    Failure::Transport(e)
}

/// Builds a [`Client`]. Whatever is not set is resolved the way the AWS CLI does it.
///
/// ```
/// use kms_lite::{Client, credentials::Credentials};
/// let client = Client::builder()
///     # .env(kms_lite::config::Env::from_pairs::<&str, &str>([]))
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
    default_max_attempts: Option<u32>,
    retry_mode: Option<RetryMode>,
    default_retry_mode: Option<RetryMode>,
    connect_to: Option<SocketAddr>,
    ca_bundle_pem: Option<Vec<u8>>,
    ca_bundle_file: Option<String>,
    profile: Option<String>,
    debug_log: Option<DebugLog>,
    process_timeout: Option<Duration>,
    app_id: Option<String>,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("region", &self.region)
            .field(
                "endpoint_url",
                &self
                    .endpoint_url
                    .as_deref()
                    .map(crate::endpoint::redact_url),
            )
            .field("credentials", &self.credentials)
            .field("profile", &self.profile)
            .field("app_id", &self.app_id)
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    /// The region (otherwise `AWS_REGION`, `AWS_DEFAULT_REGION`, the profile's `region`, then
    /// instance metadata).
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }
    /// A custom endpoint such as `http://localhost:4566` (otherwise `AWS_ENDPOINT_URL_KMS`,
    /// `AWS_ENDPOINT_URL`, the profile's services section or `endpoint_url`, then the region's
    /// KMS endpoint).
    pub fn endpoint_url(mut self, url: impl Into<String>) -> Self {
        self.endpoint_url = Some(url.into());
        self
    }
    /// FIPS and dual-stack (otherwise `AWS_USE_FIPS_ENDPOINT` and `AWS_USE_DUALSTACK_ENDPOINT`).
    pub fn endpoint_options(mut self, options: EndpointOptions) -> Self {
        self.endpoint_options = Some(options);
        self
    }
    /// Fixed credentials (otherwise the default chain's: environment, profile, web identity,
    /// container, instance metadata).
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
    /// The read timeout of each attempt (default 60 s): the longest wait for any single read,
    /// and also the most time for receiving the response head and, separately, its body, so a
    /// server trickling bytes cannot hold an attempt open for ever.
    pub fn read_timeout(mut self, timeout: Duration) -> Self {
        self.read_timeout = Some(timeout);
        self
    }
    /// A deadline for a whole call, attempts, backoff sleeps and the adaptive mode's waits
    /// included (default none). Each attempt gets what is left of it as its own bound, and no
    /// retry starts whose backoff or wait would end past it: the call then fails with the last
    /// attempt's error, its [`RetryStop`](crate::error::RetryStop) `OperationTimeout` (with a
    /// `Timeout` transport error when no attempt was made).
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
    /// Attempts per call when neither [`max_attempts`](Self::max_attempts), `AWS_MAX_ATTEMPTS`
    /// nor the profile's `max_attempts` sets them (otherwise 3). For callers that know their
    /// workload wants more patience, such as a long batch under a shared account quota.
    pub fn default_max_attempts(mut self, attempts: u32) -> Self {
        self.default_max_attempts = Some(attempts);
        self
    }
    /// The retry mode (otherwise `AWS_RETRY_MODE`, the profile's `retry_mode`, default
    /// standard).
    pub fn retry_mode(mut self, mode: RetryMode) -> Self {
        self.retry_mode = Some(mode);
        self
    }
    /// The retry mode when neither [`retry_mode`](Self::retry_mode), `AWS_RETRY_MODE` nor the
    /// profile's `retry_mode` sets it (otherwise standard): what the user configured wins. For
    /// callers whose workload wants another default, such as a batch that should find an
    /// unknown request quota by itself ([`RetryMode::Adaptive`]).
    ///
    /// ```
    /// use kms_lite::{Client, config::Env, credentials::Credentials, retry::RetryMode};
    /// let build = |env: Env| {
    ///     Client::builder()
    ///         .env(env)
    ///         .region("eu-west-1")
    ///         .credentials(Credentials::new("AKIDEXAMPLE", "secret", None))
    ///         .default_retry_mode(RetryMode::Adaptive)
    ///         .build()
    /// };
    /// // Adaptive: the snapshot has a measured rate.
    /// let adaptive = build(Env::from_pairs::<&str, &str>([]))?;
    /// assert!(adaptive.rate_limiter().measured_rate.is_some());
    /// // AWS_RETRY_MODE=standard wins over the default.
    /// let standard = build(Env::from_pairs([("AWS_RETRY_MODE", "standard")]))?;
    /// assert!(standard.rate_limiter().measured_rate.is_none());
    /// # Ok::<(), kms_lite::error::ConfigError>(())
    /// ```
    pub fn default_retry_mode(mut self, mode: RetryMode) -> Self {
        self.default_retry_mode = Some(mode);
        self
    }
    /// Connects to this address whatever the endpoint's host resolves to; the `Host` header,
    /// the signature and the TLS name stay the endpoint's (like curl's `--connect-to`).
    pub fn connect_to(mut self, addr: SocketAddr) -> Self {
        self.connect_to = Some(addr);
        self
    }
    /// Trusts exactly the certificates of this PEM bundle (otherwise `AWS_CA_BUNDLE`, the
    /// profile's `ca_bundle`, then the built-in Mozilla roots). The bundle replaces the
    /// built-in roots: it must hold every root the endpoints need.
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

    /// The profile of the shared files to read (like `--profile`; otherwise `AWS_PROFILE`, then
    /// `default`). A profile chosen here or by `AWS_PROFILE` that neither file holds makes
    /// [`build`](Self::build) fail.
    pub fn profile(mut self, name: impl Into<String>) -> Self {
        self.profile = Some(name.into());
        self
    }
    /// Trusts exactly the certificates of this PEM file (like `--ca-bundle`; read when the
    /// client is built). Like [`ca_bundle_pem`](Self::ca_bundle_pem), it replaces the built-in
    /// roots rather than adding to them.
    pub fn ca_bundle_file(mut self, path: impl Into<String>) -> Self {
        self.ca_bundle_file = Some(path.into());
        self
    }
    /// Receives one line per HTTP request and per response (KMS, STS, instance metadata,
    /// container endpoint) and a line saying where the configuration came from: method, URL,
    /// headers with `authorization`, `x-amz-security-token` and metadata tokens redacted, body
    /// lengths (never bodies), and for error responses the status and error code. For `--debug`.
    /// The lines name files and variables (a CA bundle's path, a profile): their control
    /// characters come [`Escaped`](crate::error::Escaped), as in every error.
    pub fn debug_log(mut self, log: impl Fn(&str) + Send + Sync + 'static) -> Self {
        self.debug_log = Some(Arc::new(move |line: &str| {
            log(&crate::error::escape_controls(line))
        }));
        self
    }
    /// How long a profile's `credential_process` may run before it is stopped (default 60 s).
    pub fn credential_process_timeout(mut self, timeout: Duration) -> Self {
        self.process_timeout = Some(timeout);
        self
    }
    /// The application id appended to the `User-Agent` of KMS requests as `app/<id>`, as the
    /// AWS SDKs do, so that CloudTrail records which application made a call (otherwise
    /// `AWS_SDK_UA_APP_ID`, then the profile's `sdk_ua_app_id`). 1 to 50 ASCII letters, digits
    /// or ``!$%&'*+-.^_`|~`` characters; anything else makes [`build`](Self::build) fail.
    ///
    /// ```
    /// let client = kms_lite::Client::builder()
    ///     # .env(kms_lite::config::Env::from_pairs::<&str, &str>([]))
    ///     .region("us-east-1")
    ///     .credentials(kms_lite::credentials::Credentials::new("AKIDEXAMPLE", "secret", None))
    ///     .app_id("billing-batch")
    ///     .build()?;
    /// assert_eq!(client.user_agent(), concat!("kms-lite/", env!("CARGO_PKG_VERSION"), " app/billing-batch"));
    /// let refused = kms_lite::Client::builder()
    ///     # .env(kms_lite::config::Env::from_pairs::<&str, &str>([]))
    ///     .region("us-east-1")
    ///     .app_id("billing batch")
    ///     .build()
    ///     .unwrap_err();
    /// assert!(refused.to_string().starts_with("invalid application id (from code): character 8"));
    /// # Ok::<(), kms_lite::error::ConfigError>(())
    /// ```
    pub fn app_id(mut self, id: impl Into<String>) -> Self {
        self.app_id = Some(id.into());
        self
    }

    /// Resolves the configuration (see [`crate::config`]) and builds the client. Credentials
    /// not given in code come from the default chain ([`crate::credentials::default_chain`]),
    /// which does no I/O until the first call.
    pub fn build(self) -> Result<Client, ConfigError> {
        let env = self.env.unwrap_or_default();
        let shared = SharedConfig::load(env.clone(), self.profile.as_deref())?;
        let clock: Arc<dyn Clock> = self.clock.unwrap_or_else(|| Arc::new(SystemClock));
        let mut providers = ProviderConfig::new(shared.clone())
            .clock(Arc::clone(&clock))
            .debug_log(self.debug_log.clone());
        if let Some(t) = self.process_timeout {
            providers = providers.process_timeout(t);
        }
        let overrides = Overrides {
            region: self.region,
            endpoint_url: self.endpoint_url,
            endpoint_options: self.endpoint_options,
            max_attempts: self.max_attempts,
            default_max_attempts: self.default_max_attempts,
            retry_mode: self.retry_mode,
            default_retry_mode: self.default_retry_mode,
            ca_bundle: match (self.ca_bundle_pem, self.ca_bundle_file) {
                (Some(pem), _) => Some(CaBundle::Pem(Arc::new(pem))),
                (None, Some(path)) => Some(CaBundle::File {
                    path,
                    source: "--ca-bundle".to_owned(),
                }),
                (None, None) => None,
            },
            app_id: self.app_id,
        };
        let imds_config = providers.clone();
        let resolved = settings::resolve(&shared, &overrides, &|| {
            crate::credentials::region_from_imds(&imds_config)
        })?;
        if let Some(log) = &self.debug_log {
            let proxy = Endpoint::parse(&resolved.endpoint_url)
                .ok()
                .and_then(|e| crate::proxy::for_endpoint(&e, &env).ok().flatten());
            log(&crate::debug_log::config_line(
                &shared,
                &resolved,
                proxy.as_deref(),
            ));
        }
        if let Some(log) = &self.debug_log {
            for warning in shared.profiles().warnings() {
                log(&format!("config warning: {warning}"));
            }
        }
        let endpoint = Endpoint::parse(&resolved.endpoint_url)?;
        let user_agent = crate::user_agent::header(resolved.app_id.as_deref());
        let credentials: Arc<dyn ProvideCredentials> = match self.credentials {
            Some(c) => c,
            None => {
                let mut providers = providers
                    .user_agent(user_agent.clone())
                    .region(resolved.region.clone())
                    .endpoint_options(resolved.endpoint_options)
                    .ca_bundle(resolved.ca_bundle.clone())
                    .max_attempts(resolved.max_attempts);
                if let Some(jitter) = &self.jitter {
                    providers = providers.jitter(Arc::clone(jitter));
                }
                Arc::new(crate::credentials::default_chain(&providers))
            }
        };
        let http: Arc<dyn HttpClient> = match self.http {
            Some(h) => h,
            None => {
                let ca_bundle_pem = match &resolved.ca_bundle {
                    Some(bundle) if endpoint.scheme == "https" => Some(bundle.load()?),
                    _ => None,
                };
                Arc::new(UreqClient::new(&TransportConfig {
                    connect_timeout: self.connect_timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT),
                    read_timeout: self.read_timeout.unwrap_or(DEFAULT_READ_TIMEOUT),
                    max_response_bytes: self
                        .max_response_bytes
                        .unwrap_or(DEFAULT_MAX_RESPONSE_BYTES),
                    user_agent: user_agent.clone(),
                    connect_to: self.connect_to,
                    ca_bundle_pem,
                    proxy: crate::proxy::for_endpoint(&endpoint, &env)?,
                })?)
            }
        };
        let http = crate::debug_log::wrap(http, self.debug_log.as_ref());
        let limiter = (resolved.retry_mode == RetryMode::Adaptive)
            .then(|| RateLimiter::new(clock.monotonic()));
        Ok(Client {
            inner: Arc::new(Inner {
                region: resolved.region,
                endpoint,
                user_agent,
                credentials,
                http,
                clock,
                jitter: self.jitter.unwrap_or_else(|| Arc::new(retry::random_unit)),
                key_cache: SigningKeyCache::default(),
                quota: RetryQuota::default(),
                limiter,
                attempts: AtomicU64::new(0),
                throttled: AtomicU64::new(0),
                max_attempts: resolved.max_attempts,
                retry_mode: resolved.retry_mode,
                operation_timeout: self.operation_timeout,
                skew_millis: AtomicI64::new(0),
            }),
        })
    }
}
