//! Error values shared by every operation: service errors, bad parameters, configuration,
//! transport. Each operation's own error type (for example
//! [`ReEncryptError`](crate::ReEncryptError)) wraps these and names its modelled errors.

use std::borrow::Cow;
use std::fmt;

pub use crate::credentials::CredentialsError;

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
    /// A service error as decoded from a response (see [`crate::codec::decode_error`]).
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
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    message: String,
}

impl ConfigError {
    /// A configuration error with a message that says what to change.
    pub fn new(message: impl Into<String>) -> Self {
        ConfigError {
            message: message.into(),
        }
    }
    /// The message.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", Escaped(&self.message))
    }
}

impl std::error::Error for ConfigError {}

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
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransportError {
    pub(crate) kind: TransportErrorKind,
    pub(crate) message: String,
    pub(crate) attempts: u32,
    pub(crate) retry_stop: RetryStop,
}

impl TransportError {
    /// A transport error of this kind.
    pub fn new(kind: TransportErrorKind, message: impl Into<String>) -> Self {
        TransportError {
            kind,
            message: message.into(),
            attempts: 1,
            retry_stop: RetryStop::NotRetryable,
        }
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

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The detail can quote the peer (a certificate's names, a proxy's answer).
        write!(f, "{}", Escaped(&self.message))?;
        write_retry_summary(f, self.attempts, self.retry_stop)
    }
}

impl std::error::Error for TransportError {}

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

/// What every operation's error type (for example [`ReEncryptError`](crate::ReEncryptError),
/// [`DecryptError`](crate::DecryptError)) has in common, for code that handles them all alike
/// (a CLI, a test harness, a retry wrapper).
///
/// ```
/// use kms_lite::error::OperationError;
/// fn report<E: OperationError>(e: &E) -> String {
///     match e.service_error() {
///         Some(s) => format!("{} (HTTP {})", s.code(), s.status()),
///         None => e.to_string(),
///     }
/// }
/// ```
pub trait OperationError: std::error::Error + Send + Sync + 'static {
    /// The service error, whatever its code; `None` for client-side failures.
    fn service_error(&self) -> Option<&ServiceError>;
    /// The transport failure, if no usable response arrived.
    fn transport_error(&self) -> Option<&TransportError>;
    /// The parameter that broke the model's constraints, if nothing was sent for that reason.
    fn parameter_error(&self) -> Option<&ParameterError>;
    /// The credentials failure, if no credentials could be had.
    fn credentials_error(&self) -> Option<&CredentialsError>;
    /// How many attempts were made (0 when nothing was sent).
    fn attempts(&self) -> u32;
    /// The name of the variant, for example `NotFound` or `Transport`.
    fn variant_name(&self) -> &'static str;
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
            Credentials($crate::error::CredentialsError),
            /// No usable response arrived (network, timeout, truncated or malformed response).
            Transport($crate::error::TransportError),
        }

        impl $name {
            /// The service error, whatever its code; `None` for client-side failures.
            pub fn service_error(&self) -> Option<&$crate::error::ServiceError> {
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

            /// The service's error code (for example `NotFoundException`), if the service
            /// answered with an error.
            pub fn code(&self) -> Option<&str> {
                self.service_error().map(|e| e.code())
            }

            /// How many attempts were made (0 when nothing was sent).
            pub fn attempts(&self) -> u32 {
                match self {
                    Self::Transport(e) => e.attempts(),
                    _ => self.service_error().map_or(0, |e| e.attempts()),
                }
            }

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

        impl $crate::error::OperationError for $name {
            fn service_error(&self) -> Option<&$crate::error::ServiceError> {
                $name::service_error(self)
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
            fn credentials_error(&self) -> Option<&$crate::error::CredentialsError> {
                match self {
                    Self::Credentials(e) => Some(e),
                    _ => None,
                }
            }
            fn attempts(&self) -> u32 {
                $name::attempts(self)
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
                    other => match other.service_error() {
                        Some(e) => std::fmt::Display::fmt(e, f),
                        None => Ok(()),
                    },
                }
            }
        }

        impl std::error::Error for $name {}
    };
}

pub(crate) use operation_error;
