//! Errors: what each operation's error type ([`ReEncryptError`](crate::ReEncryptError)...)
//! carries ([`ServiceError`], [`ParameterError`], [`TransportError`], and
//! [`CredentialsError`]), the [`ConfigError`] of a client that cannot be built, and the one
//! trait they all answer, [`OperationError`].

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use crate::credentials::CredentialsError;
use crate::retry::{self, RetryKind};

/// The underlying error of a [`TransportError`], [`CredentialsError`] or [`ConfigError`]: shared,
/// so that the errors stay `Clone`.
pub(crate) type Source = Arc<dyn std::error::Error + Send + Sync + 'static>;

/// Compares two optional sources by their text (the underlying error types are rarely
/// comparable); used by the errors' `PartialEq`.
pub(crate) fn same_source(a: &Option<Source>, b: &Option<Source>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => Arc::ptr_eq(a, b) || a.to_string() == b.to_string(),
        _ => false,
    }
}

/// The source as `std::error::Error::source` returns it.
pub(crate) fn as_source(s: &Option<Source>) -> Option<&(dyn std::error::Error + 'static)> {
    s.as_deref()
        .map(|e| e as &(dyn std::error::Error + 'static))
}

/// A JSON document that could not be read, as the source of an error: what kind of problem
/// and where, never text from the document (serde_json's own message can quote a value, and
/// the document may be a credentials answer or a response holding key material).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct JsonProblem {
    category: serde_json::error::Category,
    line: usize,
    column: usize,
}

impl JsonProblem {
    pub(crate) fn new(e: &serde_json::Error) -> JsonProblem {
        JsonProblem {
            category: e.classify(),
            line: e.line(),
            column: e.column(),
        }
    }

    /// The problem as what a document does: `is not valid JSON (line 1, column 2)`.
    pub(crate) fn predicate(&self) -> String {
        use serde_json::error::Category;
        let what = match self.category {
            Category::Io => "could not be read",
            Category::Syntax => "is not valid JSON",
            Category::Data => "has a field of the wrong type",
            Category::Eof => "ends too early",
        };
        format!("{what} (line {}, column {})", self.line, self.column)
    }
}

/// The problem as a noun: `malformed JSON at line 1 column 2`.
impl fmt::Display for JsonProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use serde_json::error::Category;
        let what = match self.category {
            Category::Io => "read error",
            Category::Syntax => "malformed JSON",
            Category::Data => "a member has the wrong type or value",
            Category::Eof => "JSON ends early",
        };
        write!(f, "{what} at line {} column {}", self.line, self.column)
    }
}

impl std::error::Error for JsonProblem {}

/// Shows a value with the control characters of its text escaped, so that text from outside (a
/// server's error code or message, a certificate's names, a file, an environment variable)
/// cannot drive the terminal it is printed on: C0 and C1 controls, DEL and the Unicode
/// bidirectional controls become `\n`, `\r`, `\t` or `\u{1b}`-style escapes; everything else,
/// non-ASCII text included, is shown as is. Every error type's `Display` in this crate goes
/// through it.
///
/// ```
/// use kms_lite::error::Escaped;
/// assert_eq!(Escaped("\u{1b}]0;owned\u{7}done\r\n").to_string(), "\\u{1b}]0;owned\\u{7}done\\r\\n");
/// assert_eq!(Escaped("clé introuvable").to_string(), "clé introuvable");
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Escaped<T>(pub T);

impl<T: fmt::Display> fmt::Display for Escaped<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use fmt::Write;
        write!(EscapingWriter(f), "{}", self.0)
    }
}

/// [`Escaped`] as a string, borrowed when nothing needed escaping.
///
/// ```
/// use kms_lite::error::escape_controls;
/// assert_eq!(escape_controls("a\u{9b}31mb"), "a\\u{9b}31mb");
/// assert!(matches!(escape_controls("plain"), std::borrow::Cow::Borrowed("plain")));
/// ```
pub fn escape_controls(text: &str) -> Cow<'_, str> {
    if text.chars().any(needs_escape) {
        Cow::Owned(Escaped(text).to_string())
    } else {
        Cow::Borrowed(text)
    }
}

/// C0 and C1 controls and DEL (`char::is_control`), and the bidirectional controls that can
/// reorder what a terminal shows (U+061C, U+200E, U+200F, U+202A..=U+202E, U+2066..=U+2069),
/// and the line and paragraph separators.
fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061c}'
                | '\u{200e}'
                | '\u{200f}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{202a}'..='\u{202e}'
                | '\u{2066}'..='\u{2069}'
        )
}

/// Escapes what passes through it (see [`Escaped`]).
struct EscapingWriter<'a, 'b>(&'a mut fmt::Formatter<'b>);

impl fmt::Write for EscapingWriter<'_, '_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let mut start = 0;
        for (i, c) in s.char_indices() {
            if !needs_escape(c) {
                continue;
            }
            self.0.write_str(&s[start..i])?;
            match c {
                '\n' => self.0.write_str("\\n")?,
                '\r' => self.0.write_str("\\r")?,
                '\t' => self.0.write_str("\\t")?,
                _ => write!(self.0, "\\u{{{:x}}}", u32::from(c))?,
            }
            start = i + c.len_utf8();
        }
        self.0.write_str(&s[start..])
    }
}

/// An error the service returned: its code, message, HTTP status and request id.
///
/// `Display` reads like the AWS CLI's line:
/// `An error occurred (NotFoundException) when calling the ReEncrypt operation: Key ... not found`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceError {
    pub(crate) operation: &'static str,
    pub(crate) code: String,
    pub(crate) message: Option<String>,
    pub(crate) status: u16,
    pub(crate) request_id: Option<String>,
    pub(crate) attempts: u32,
    pub(crate) retry_stop: RetryStop,
}

impl ServiceError {
    /// A service error with these parts, as the client decodes one from an error response
    /// (`code` without namespace, the `x-amzn-RequestId`): one attempt, not retried.
    pub fn new(
        operation: &'static str,
        code: impl Into<String>,
        message: Option<String>,
        status: u16,
        request_id: Option<String>,
    ) -> Self {
        ServiceError {
            operation,
            code: code.into(),
            message,
            status,
            request_id,
            attempts: 1,
            retry_stop: RetryStop::NotRetryable,
        }
    }

    /// The operation that failed, for example `ReEncrypt`.
    pub fn operation(&self) -> &'static str {
        self.operation
    }
    /// The error code without namespace or URI, for example `NotFoundException`; the HTTP status
    /// as text when the body carried no code.
    pub fn code(&self) -> &str {
        &self.code
    }
    /// The message, when the service sent one (KMS often sends none).
    pub fn message(&self) -> Option<&str> {
        self.message.as_deref()
    }
    /// The HTTP status.
    pub fn status(&self) -> u16 {
        self.status
    }
    /// The `x-amzn-RequestId` that AWS support asks for.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }
    /// How many attempts were made before this error was returned.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }
    /// Why the client stopped retrying.
    pub fn retry_stop(&self) -> RetryStop {
        self.retry_stop
    }
}

/// Why a call gave up: the last attempt's error was final, or retrying was no longer allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RetryStop {
    /// The error is not retryable (or nothing was retried yet); it was returned at once.
    NotRetryable,
    /// The error was retryable but every allowed attempt (`max_attempts`) had been made.
    MaxAttempts,
    /// The error was retryable but the client's retry quota could not pay for another retry
    /// (many recent failures on this client).
    QuotaExhausted,
    /// The error was retryable but the operation timeout would pass before the next attempt.
    OperationTimeout,
}

/// Appends the retry summary botocore-style: ` (reached max retries: 2)` and the like.
fn write_retry_summary(f: &mut fmt::Formatter<'_>, attempts: u32, stop: RetryStop) -> fmt::Result {
    match stop {
        RetryStop::MaxAttempts if attempts > 1 => {
            write!(f, " (reached max retries: {})", attempts - 1)
        }
        RetryStop::QuotaExhausted => write!(
            f,
            " (retry quota exhausted after {attempts} attempt{})",
            if attempts == 1 { "" } else { "s" }
        ),
        RetryStop::OperationTimeout => write!(
            f,
            " (operation timeout reached after {attempts} attempt{})",
            if attempts == 1 { "" } else { "s" }
        ),
        _ if attempts > 1 => write!(f, " (after {attempts} attempts)"),
        _ => Ok(()),
    }
}

/// The AWS CLI's line (botocore's `ClientError` template): the colon is always there, with
/// nothing after it when the service sent no message. The code and message are the service's
/// text, shown [`Escaped`].
impl fmt::Display for ServiceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "An error occurred ({}) when calling the {} operation",
            Escaped(&self.code),
            self.operation
        )?;
        write_retry_summary(f, self.attempts, self.retry_stop)?;
        write!(f, ": {}", Escaped(self.message.as_deref().unwrap_or("")))
    }
}

impl std::error::Error for ServiceError {}

/// A request member that breaks the service model's constraints, caught before any I/O.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParameterError {
    pub(crate) member: &'static str,
    pub(crate) problem: String,
}

impl ParameterError {
    pub(crate) fn new(member: &'static str, problem: impl Into<String>) -> Self {
        ParameterError {
            member,
            problem: problem.into(),
        }
    }
    /// The member at fault, as the service model names it (for example `GrantTokens`).
    pub fn member(&self) -> &'static str {
        self.member
    }
    /// What is wrong with it.
    pub fn problem(&self) -> &str {
        &self.problem
    }
}

impl fmt::Display for ParameterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Invalid value for parameter {}: {}",
            self.member,
            Escaped(&self.problem)
        )
    }
}

impl std::error::Error for ParameterError {}

/// A configuration problem: no region, an endpoint that cannot be used, an unreadable file.
/// [`kind`](Self::kind) says which setting is at fault, so that a program can tell its user
/// which of its own options to fix; the message says what to change.
///
/// [`source`](std::error::Error::source) is the underlying error where there is one (the
/// `std::io::Error` of a file that could not be read).
///
/// ```
/// use kms_lite::error::{ConfigError, ConfigErrorKind};
/// let e: ConfigError = kms_lite::Client::builder()
///     .env(kms_lite::config::Env::from_pairs([("AWS_EC2_METADATA_DISABLED", "true")]))
///     .region("eu_west_1")
///     .build()
///     .unwrap_err();
/// assert_eq!(e.kind(), ConfigErrorKind::Region);
/// assert!(e.to_string().starts_with("invalid region \"eu_west_1\" (from code)"));
/// ```
#[derive(Debug, Clone)]
pub struct ConfigError {
    kind: ConfigErrorKind,
    message: String,
    source: Option<Source>,
}

/// Which setting a [`ConfigError`] is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ConfigErrorKind {
    /// No region was found, or the one found is not a region name.
    Region,
    /// An endpoint URL is not one that can be used (malformed, with user information...).
    Endpoint,
    /// The CA bundle cannot be read or holds no usable certificate.
    CaBundle,
    /// A shared config or credentials file cannot be read or parsed, or the profile chosen is
    /// in neither.
    Profile,
    /// Another setting has a value that cannot be used: attempts, retry mode, a `true`/`false`
    /// setting, a proxy, an application id, a custom endpoint combined with FIPS or dual-stack.
    Setting,
}

impl ConfigError {
    /// A problem with a setting's value ([`ConfigErrorKind::Setting`]).
    pub(crate) fn new(message: impl Into<String>) -> Self {
        Self::of(ConfigErrorKind::Setting, message)
    }
    /// A problem of this kind.
    pub(crate) fn of(kind: ConfigErrorKind, message: impl Into<String>) -> Self {
        ConfigError {
            kind,
            message: message.into(),
            source: None,
        }
    }
    /// Which setting is at fault.
    pub fn kind(&self) -> ConfigErrorKind {
        self.kind
    }
    /// The same error with its underlying cause.
    pub(crate) fn with_source(
        mut self,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        self.source = Some(Arc::new(source));
        self
    }
    /// The message.
    pub fn message(&self) -> &str {
        &self.message
    }
    pub(crate) fn source_shared(&self) -> Option<Source> {
        self.source.clone()
    }
    /// The same error with the I/O error behind a failed file read, if any, as its source.
    pub(crate) fn with_read_error(self, e: crate::bounded_file::ReadError) -> Self {
        match e.into_io_source() {
            Some(io) => self.with_source(io),
            None => self,
        }
    }
}

/// Equal when kinds, messages and the sources' texts are.
impl PartialEq for ConfigError {
    fn eq(&self, other: &Self) -> bool {
        self.kind == other.kind
            && self.message == other.message
            && same_source(&self.source, &other.source)
    }
}

impl Eq for ConfigError {}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", Escaped(&self.message))
    }
}

impl std::error::Error for ConfigError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        as_source(&self.source)
    }
}

/// What kind of failure kept a response from arriving whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TransportErrorKind {
    /// The connection could not be made (refused, unreachable, DNS).
    Connect,
    /// The connect or read timeout, or the operation deadline, passed.
    Timeout,
    /// The connection failed mid-request or mid-response (reset, closed early).
    Io,
    /// The body was shorter than its `Content-Length`.
    Truncated,
    /// The body was larger than the client's response size cap.
    BodyTooLarge,
    /// TLS failed (certificate not trusted, handshake error).
    Tls,
    /// The response was not what the protocol promises (a success body that is not the
    /// operation's JSON, invalid base64 in a blob, a malformed HTTP response).
    InvalidResponse,
    /// The request could not be sent as built, and was not: a header value HTTP does not
    /// allow (a control character or non-ASCII text, as in an access key id or a session
    /// token), or a URL the HTTP stack refuses.
    InvalidRequest,
}

impl TransportErrorKind {
    /// Whether an attempt that failed this way may be retried (no response arrived whole).
    pub fn is_retryable(self) -> bool {
        matches!(
            self,
            Self::Connect | Self::Timeout | Self::Io | Self::Truncated
        )
    }
}

/// A failure of the network or of the response's form: no usable response arrived.
///
/// [`source`](std::error::Error::source) is the underlying error where there is one: the
/// `std::io::Error` of a failed connection or read, the TLS library's error, or a description
/// of a response body that is not JSON (its kind and position, never its text).
///
/// A transport of your own ([`HttpClient`](crate::http::HttpClient)) returns one:
///
/// ```
/// use kms_lite::error::{TransportError, TransportErrorKind};
/// let io = std::io::Error::new(std::io::ErrorKind::ConnectionReset, "reset by peer");
/// let e = TransportError::new(TransportErrorKind::Io, "the connection was reset").with_source(io);
/// let cause = std::error::Error::source(&e).unwrap();
/// assert_eq!(cause.downcast_ref::<std::io::Error>().unwrap().kind(), std::io::ErrorKind::ConnectionReset);
/// ```
#[derive(Debug, Clone)]
pub struct TransportError {
    pub(crate) kind: TransportErrorKind,
    pub(crate) message: String,
    pub(crate) attempts: u32,
    pub(crate) retry_stop: RetryStop,
    pub(crate) source: Option<Source>,
}

impl TransportError {
    /// A transport error of this kind.
    pub fn new(kind: TransportErrorKind, message: impl Into<String>) -> Self {
        TransportError {
            kind,
            message: message.into(),
            attempts: 1,
            retry_stop: RetryStop::NotRetryable,
            source: None,
        }
    }
    /// The same error with its underlying cause, returned by
    /// [`source`](std::error::Error::source). Its `Display` must not hold secrets.
    pub fn with_source(mut self, source: impl std::error::Error + Send + Sync + 'static) -> Self {
        self.source = Some(Arc::new(source));
        self
    }
    /// The kind of failure.
    pub fn kind(&self) -> TransportErrorKind {
        self.kind
    }
    /// The detail.
    pub fn message(&self) -> &str {
        &self.message
    }
    /// How many attempts were made.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }
    /// Why the client stopped retrying.
    pub fn retry_stop(&self) -> RetryStop {
        self.retry_stop
    }
}

/// Equal when kind, message, attempts, retry stop and the sources' texts are.
impl PartialEq for TransportError {
    fn eq(&self, other: &Self) -> bool {
        self.kind == other.kind
            && self.message == other.message
            && self.attempts == other.attempts
            && self.retry_stop == other.retry_stop
            && same_source(&self.source, &other.source)
    }
}

impl Eq for TransportError {}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The detail can quote the peer (a certificate's names, a proxy's answer).
        write!(f, "{}", Escaped(&self.message))?;
        write_retry_summary(f, self.attempts, self.retry_stop)
    }
}

impl std::error::Error for TransportError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        as_source(&self.source)
    }
}

/// Any failure of a call before it is sorted into an operation's own error type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Failure {
    Service(ServiceError),
    Parameter(ParameterError),
    Credentials(CredentialsError),
    Transport(TransportError),
}

impl Failure {
    pub(crate) fn set_attempts(&mut self, attempts: u32, stop: RetryStop) {
        match self {
            Failure::Service(e) => {
                e.attempts = attempts;
                e.retry_stop = stop;
            }
            Failure::Transport(e) => {
                e.attempts = attempts;
                e.retry_stop = stop;
            }
            _ => {}
        }
    }
}

/// What every error of this crate answers, whatever its type: the service's code, message,
/// request id and HTTP status when the service answered, whether the failure is one the
/// client retries, and whether it was throttling.
///
/// It is implemented by each operation's error type ([`ReEncryptError`](crate::ReEncryptError),
/// [`DecryptError`](crate::DecryptError)...), by [`CredentialsError`] and by [`ConfigError`],
/// so code that handles them all alike (a CLI, a retry wrapper, a metrics layer) is written
/// once. It is sealed: only this crate implements it, so that methods can be added without
/// breaking anyone.
///
/// [`is_retryable`](Self::is_retryable) and [`is_throttling`](Self::is_throttling) follow the
/// client's own retry classification (the AWS SDKs' standard mode): an error that comes back
/// retryable has already been retried until `max_attempts`, the retry quota or the operation
/// timeout stopped it ([`attempts`](Self::attempts) says how many were made), so retrying it
/// later, more slowly, is what is left to do.
///
/// ```
/// use kms_lite::error::OperationError;
/// use kms_lite::{ReEncryptError, ReEncryptRequest};
///
/// fn rewrap(client: &kms_lite::Client, blob: Vec<u8>) -> Result<Vec<u8>, String> {
///     let request = ReEncryptRequest::new("alias/archive").ciphertext_blob(blob);
///     match client.re_encrypt(&request) {
///         Ok(out) => Ok(out.ciphertext_blob.unwrap_or_default()),
///         // A modelled error, matched by its variant.
///         Err(ReEncryptError::NotFound(e)) => Err(format!("no such key: {e}")),
///         // Everything else through the trait.
///         Err(e) if e.is_throttling() => Err(format!("throttled after {} attempts", e.attempts())),
///         Err(e) => Err(format!(
///             "{} (code {:?}, HTTP {:?}, request id {:?}, retryable: {})",
///             e,
///             e.code(),
///             e.http_status(),
///             e.request_id(),
///             e.is_retryable()
///         )),
///     }
/// }
///
/// // Generic over every error of the crate:
/// fn log_line<E: OperationError>(e: &E) -> String {
///     format!("{} {}", e.code().unwrap_or("-"), e.message().unwrap_or(""))
/// }
/// # let _ = (rewrap, log_line::<ReEncryptError>);
/// ```
pub trait OperationError: std::error::Error + Send + Sync + 'static + sealed::Sealed {
    /// The service error, whatever its code; `None` for failures on this side.
    fn service_error(&self) -> Option<&ServiceError> {
        None
    }
    /// The transport failure, if no usable response arrived.
    fn transport_error(&self) -> Option<&TransportError> {
        None
    }
    /// The parameter that broke the model's constraints, if nothing was sent for that reason.
    fn parameter_error(&self) -> Option<&ParameterError> {
        None
    }
    /// The credentials failure, if no credentials could be had.
    fn credentials_error(&self) -> Option<&CredentialsError> {
        None
    }
    /// The name of the variant, for example `NotFound` or `Transport` (`Credentials` for a
    /// [`CredentialsError`], `Config` for a [`ConfigError`]).
    fn variant_name(&self) -> &'static str;

    /// The service's error code without namespace, for example `NotFoundException`; `None`
    /// unless the service answered with an error.
    fn code(&self) -> Option<&str> {
        self.service_error().map(ServiceError::code)
    }
    /// The message: the service's (KMS often sends none), or for a failure on this side what
    /// went wrong (a parameter's problem, the transport's, credentials' or configuration's
    /// message).
    fn message(&self) -> Option<&str> {
        if let Some(e) = self.service_error() {
            return e.message();
        }
        self.parameter_error()
            .map(ParameterError::problem)
            .or_else(|| self.transport_error().map(TransportError::message))
            .or_else(|| self.credentials_error().map(CredentialsError::message))
    }
    /// The `x-amzn-RequestId` of the service's answer, which AWS support asks for.
    fn request_id(&self) -> Option<&str> {
        self.service_error().and_then(ServiceError::request_id)
    }
    /// The HTTP status of the service's answer.
    fn http_status(&self) -> Option<u16> {
        self.service_error().map(ServiceError::status)
    }
    /// Whether the client's retry policy retries this kind of failure: throttling, a 5xx or a
    /// transient code, a connection that failed or a response that did not arrive whole.
    /// Parameter, credentials and configuration errors are not retryable.
    fn is_retryable(&self) -> bool {
        retry_kind(self.service_error(), self.transport_error()) != RetryKind::No
    }
    /// Whether the service throttled the call (`ThrottlingException` and the other throttling
    /// codes, or HTTP 429).
    fn is_throttling(&self) -> bool {
        retry_kind(self.service_error(), self.transport_error()) == RetryKind::Throttling
    }
    /// How many attempts were made, for a service or transport failure; 0 otherwise (nothing
    /// was sent, or the call ended on a credentials failure, which carries no count even
    /// when earlier attempts were retried).
    fn attempts(&self) -> u32 {
        match (self.service_error(), self.transport_error()) {
            (Some(e), _) => e.attempts(),
            (None, Some(e)) => e.attempts(),
            (None, None) => 0,
        }
    }
}

/// The retry classification of a service or transport failure (see [`retry::classify`]).
fn retry_kind(service: Option<&ServiceError>, transport: Option<&TransportError>) -> RetryKind {
    match (service, transport) {
        (Some(e), _) => retry::classify_service(e.code(), e.status()),
        (None, Some(e)) => retry::classify_transport(e.kind()),
        (None, None) => RetryKind::No,
    }
}

pub(crate) mod sealed {
    /// Only this crate's errors implement [`OperationError`](super::OperationError).
    pub trait Sealed {}
}

impl sealed::Sealed for CredentialsError {}

impl OperationError for CredentialsError {
    fn credentials_error(&self) -> Option<&CredentialsError> {
        Some(self)
    }
    fn variant_name(&self) -> &'static str {
        "Credentials"
    }
}

impl sealed::Sealed for ConfigError {}

impl OperationError for ConfigError {
    fn variant_name(&self) -> &'static str {
        "Config"
    }
    fn message(&self) -> Option<&str> {
        Some(&self.message)
    }
}

/// Codes every AWS JSON service may send, shared by all operations' error types.
macro_rules! operation_error {
    (
        $(#[$meta:meta])*
        $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $code:literal, )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        #[non_exhaustive]
        pub enum $name {
            $( $(#[$vmeta])* $variant($crate::error::ServiceError), )*
            /// `AccessDeniedException`: the caller lacks permission (key policy, IAM, grants).
            AccessDenied($crate::error::ServiceError),
            /// `UnrecognizedClientException`: the access key id or session token is not valid.
            UnrecognizedClient($crate::error::ServiceError),
            /// `InvalidSignatureException`: the signature did not match, or the clock is off.
            InvalidSignature($crate::error::ServiceError),
            /// `IncompleteSignatureException`: the request's signing headers were incomplete.
            IncompleteSignature($crate::error::ServiceError),
            /// `MissingAuthenticationTokenException`: the request was not signed.
            MissingAuthenticationToken($crate::error::ServiceError),
            /// `ExpiredTokenException`: the session token has expired.
            ExpiredToken($crate::error::ServiceError),
            /// `RequestExpired`: the request's time is too far from the service's clock.
            RequestExpired($crate::error::ServiceError),
            /// `ThrottlingException` (or another throttling code): the account's request rate
            /// was exceeded.
            Throttling($crate::error::ServiceError),
            /// `ValidationException`: the service rejected a parameter.
            Validation($crate::error::ServiceError),
            /// `SerializationException`: the service could not read the request body.
            Serialization($crate::error::ServiceError),
            /// `InternalFailure`: an unknown server-side failure.
            InternalFailure($crate::error::ServiceError),
            /// `ServiceUnavailable`: the service could not take the request.
            ServiceUnavailable($crate::error::ServiceError),
            /// Any other code, or an error response without a readable code (then the code is
            /// the HTTP status).
            Unhandled($crate::error::ServiceError),
            /// A request member broke the model's constraints; nothing was sent.
            InvalidParameter($crate::error::ParameterError),
            /// No credentials could be had.
            Credentials($crate::credentials::CredentialsError),
            /// No usable response arrived (network, timeout, truncated or malformed response).
            Transport($crate::error::TransportError),
        }

        impl $name {
            pub(crate) fn from_service(e: $crate::error::ServiceError) -> Self {
                match e.code() {
                    $( $code => Self::$variant(e), )*
                    "AccessDeniedException" => Self::AccessDenied(e),
                    "UnrecognizedClientException" => Self::UnrecognizedClient(e),
                    "InvalidSignatureException" => Self::InvalidSignature(e),
                    "IncompleteSignatureException" => Self::IncompleteSignature(e),
                    "MissingAuthenticationTokenException" => Self::MissingAuthenticationToken(e),
                    "ExpiredTokenException" => Self::ExpiredToken(e),
                    "RequestExpired" => Self::RequestExpired(e),
                    c if $crate::retry::is_throttling_code(c) => Self::Throttling(e),
                    "ValidationException" => Self::Validation(e),
                    "SerializationException" => Self::Serialization(e),
                    "InternalFailure" => Self::InternalFailure(e),
                    "ServiceUnavailable" => Self::ServiceUnavailable(e),
                    _ => Self::Unhandled(e),
                }
            }
        }

        impl $crate::error::sealed::Sealed for $name {}

        impl $crate::error::OperationError for $name {
            fn service_error(&self) -> Option<&$crate::error::ServiceError> {
                match self {
                    $( Self::$variant(e) => Some(e), )*
                    Self::AccessDenied(e)
                    | Self::UnrecognizedClient(e)
                    | Self::InvalidSignature(e)
                    | Self::IncompleteSignature(e)
                    | Self::MissingAuthenticationToken(e)
                    | Self::ExpiredToken(e)
                    | Self::RequestExpired(e)
                    | Self::Throttling(e)
                    | Self::Validation(e)
                    | Self::Serialization(e)
                    | Self::InternalFailure(e)
                    | Self::ServiceUnavailable(e)
                    | Self::Unhandled(e) => Some(e),
                    Self::InvalidParameter(_)
                    | Self::Credentials(_)
                    | Self::Transport(_) => None,
                }
            }
            fn transport_error(&self) -> Option<&$crate::error::TransportError> {
                match self {
                    Self::Transport(e) => Some(e),
                    _ => None,
                }
            }
            fn parameter_error(&self) -> Option<&$crate::error::ParameterError> {
                match self {
                    Self::InvalidParameter(e) => Some(e),
                    _ => None,
                }
            }
            fn credentials_error(&self) -> Option<&$crate::credentials::CredentialsError> {
                match self {
                    Self::Credentials(e) => Some(e),
                    _ => None,
                }
            }
            fn variant_name(&self) -> &'static str {
                match self {
                    $( Self::$variant(_) => stringify!($variant), )*
                    Self::AccessDenied(_) => "AccessDenied",
                    Self::UnrecognizedClient(_) => "UnrecognizedClient",
                    Self::InvalidSignature(_) => "InvalidSignature",
                    Self::IncompleteSignature(_) => "IncompleteSignature",
                    Self::MissingAuthenticationToken(_) => "MissingAuthenticationToken",
                    Self::ExpiredToken(_) => "ExpiredToken",
                    Self::RequestExpired(_) => "RequestExpired",
                    Self::Throttling(_) => "Throttling",
                    Self::Validation(_) => "Validation",
                    Self::Serialization(_) => "Serialization",
                    Self::InternalFailure(_) => "InternalFailure",
                    Self::ServiceUnavailable(_) => "ServiceUnavailable",
                    Self::Unhandled(_) => "Unhandled",
                    Self::InvalidParameter(_) => "InvalidParameter",
                    Self::Credentials(_) => "Credentials",
                    Self::Transport(_) => "Transport",
                }
            }
        }

        impl From<$crate::error::Failure> for $name {
            fn from(f: $crate::error::Failure) -> Self {
                match f {
                    $crate::error::Failure::Service(e) => Self::from_service(e),
                    $crate::error::Failure::Parameter(e) => Self::InvalidParameter(e),
                    $crate::error::Failure::Credentials(e) => Self::Credentials(e),
                    $crate::error::Failure::Transport(e) => Self::Transport(e),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                match self {
                    Self::InvalidParameter(e) => std::fmt::Display::fmt(e, f),
                    Self::Credentials(e) => std::fmt::Display::fmt(e, f),
                    Self::Transport(e) => std::fmt::Display::fmt(e, f),
                    other => match $crate::error::OperationError::service_error(other) {
                        Some(e) => std::fmt::Display::fmt(e, f),
                        None => Ok(()),
                    },
                }
            }
        }

        /// The source is the underlying error of a transport or credentials failure (the
        /// `std::io::Error` of a failed connection, for example); `Display` is already the
        /// wrapped error's.
        impl std::error::Error for $name {
            fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
                match self {
                    Self::Transport(e) => std::error::Error::source(e),
                    Self::Credentials(e) => std::error::Error::source(e),
                    _ => None,
                }
            }
        }
    };
}

pub(crate) use operation_error;
