//! A test double for code that calls KMS through a [`Client`]: canned answers, every request
//! recorded, no network, no real sleeps. Enabled by the `testing` feature; add it where your
//! tests need it:
//!
//! ```toml
//! [dev-dependencies]
//! kms-lite = { version = "0.1", features = ["testing"] }
//! ```
//!
//! [`MockKms`] is an [`HttpClient`] that answers each request with a [`Reply`]: one queued for
//! that operation ([`MockKms::on`]), else the next one queued for any operation
//! ([`MockKms::then`]), else one made by a closure ([`MockKms::with_handler`]). Its
//! [`client`](MockKms::client) is a real [`Client`] (the same validation, signing, retries and
//! decoding as in production) with a fixed region (`us-east-1`), fixed credentials, an empty
//! environment (no variable or file of the machine is read) and a frozen clock that records
//! sleeps (retries' backoff, the adaptive mode's waits for its rate limiter) instead of sleeping.
//!
//! A ReEncrypt that succeeds, then one throttled on every attempt:
//!
//! ```
//! use kms_lite::testing::{MockKms, Reply};
//! use kms_lite::{ReEncryptError, ReEncryptRequest};
//!
//! let request = ReEncryptRequest::new("alias/new").ciphertext_blob(b"old".to_vec());
//! let kms = MockKms::new().on("ReEncrypt", Reply::json(serde_json::json!({"CiphertextBlob": "bmV3"})));
//! assert_eq!(kms.client().re_encrypt(&request).unwrap().ciphertext_blob.unwrap(), b"new");
//! assert_eq!(kms.requests()[0].input()["DestinationKeyId"], "alias/new");
//!
//! let kms = MockKms::new().with_handler(|_| Reply::throttling());
//! let error = kms.client().re_encrypt(&request).unwrap_err();
//! assert!(matches!(error, ReEncryptError::Throttling(_)));
//! assert_eq!((kms.requests().len(), kms.sleeps().len()), (3, 2)); // retried; nothing slept
//! ```
//!
//! Typed responses are `#[non_exhaustive]`: build one from its `Default` and set the fields
//! you need, so that fields added later take their defaults and your test still compiles.
//!
//! ```
//! use kms_lite::testing::{MockKms, Reply};
//! use kms_lite::{DecryptRequest, DecryptResponse};
//!
//! let mut canned = DecryptResponse::default();
//! canned.plaintext = Some(b"data key".into());
//! let kms = MockKms::new()
//!     .then(Reply::connection_reset())
//!     .then(Reply::error("KMSInternalException"))
//!     .then(Reply::output(&canned));
//! let out = kms.client().decrypt(&DecryptRequest::new(b"blob".to_vec())).unwrap();
//! assert_eq!(out.plaintext, canned.plaintext);
//! assert_eq!(kms.requests()[2].header("amz-sdk-request"), Some("attempt=3; max=3"));
//! ```

use std::collections::{BTreeMap, VecDeque};
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, UNIX_EPOCH};

use serde_json::Value;

use crate::clock::ManualClock;
use crate::config::Env;
use crate::credentials::Credentials;
use crate::error::{TransportError, TransportErrorKind};
use crate::http::{HttpClient, HttpRequest, HttpResponse};
use crate::ops::Operation;
use crate::{Client, ClientBuilder};

/// The wall-clock time of [`MockKms::client`]'s frozen clock: 2026-11-29T01:24:20Z.
pub const FROZEN_TIME_SECS: u64 = 1_795_915_460;

/// The `x-amzn-RequestId` of every [`Reply`] that does not set its own.
pub const REQUEST_ID: &str = "00000000-0000-4000-8000-000000000000";

/// The access key id of [`MockKms::client`]'s credentials (its secret key is AWS's documented
/// example key).
pub const ACCESS_KEY_ID: &str = "AKIDEXAMPLE";

type Handler = Arc<dyn Fn(&Request) -> Reply + Send + Sync>;

/// A KMS stand-in: answers with canned [`Reply`]s and records every [`Request`].
///
/// Clones share the same replies, record and clock, so a clone can be handed to a
/// [`ClientBuilder`] (it is an [`HttpClient`]) while the test keeps the original to inspect.
///
/// ```
/// use kms_lite::error::OperationError;
/// use kms_lite::testing::{MockKms, Reply};
/// let kms = MockKms::new()
///     .on("DescribeKey", Reply::error("NotFoundException"))
///     .with_handler(|request| Reply::json(serde_json::json!({"Echo": request.operation()})));
/// let client = kms.client();
/// let e = client.raw_call("DescribeKey", &serde_json::json!({"KeyId": "alias/x"})).unwrap_err();
/// assert_eq!(e.code(), Some("NotFoundException"));
/// let out = client.raw_call("ListKeys", &serde_json::json!({})).unwrap();
/// assert_eq!(out.json()["Echo"], "ListKeys");
/// assert_eq!(kms.remaining(), 0);
/// ```
#[derive(Clone)]
pub struct MockKms {
    state: Arc<Mutex<State>>,
    clock: ManualClock,
}

#[derive(Default)]
struct State {
    by_operation: BTreeMap<String, VecDeque<Reply>>,
    in_order: VecDeque<Reply>,
    handler: Option<Handler>,
    requests: Vec<Request>,
}

impl Default for MockKms {
    fn default() -> Self {
        MockKms::new()
    }
}

impl fmt::Debug for MockKms {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.state();
        f.debug_struct("MockKms")
            .field("remaining", &remaining(&state))
            .field("handler", &state.handler.is_some())
            .field("requests", &state.requests.len())
            .finish()
    }
}

fn remaining(state: &State) -> usize {
    state.in_order.len()
        + state
            .by_operation
            .values()
            .map(VecDeque::len)
            .sum::<usize>()
}

impl MockKms {
    /// A double with no replies yet: every request fails until some are queued.
    pub fn new() -> Self {
        MockKms {
            state: Arc::default(),
            clock: ManualClock::new(UNIX_EPOCH + Duration::from_secs(FROZEN_TIME_SECS)),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Queues `reply` for the next request of `operation` (for example `ReEncrypt`) that no
    /// earlier reply of that operation answered. Replies for one operation are used in the
    /// order they were queued, before those of [`then`](Self::then).
    pub fn on(self, operation: &str, reply: Reply) -> Self {
        self.state()
            .by_operation
            .entry(operation.to_owned())
            .or_default()
            .push_back(reply);
        self
    }

    /// Queues `reply` for the next request, whatever its operation, that no reply queued with
    /// [`on`](Self::on) answers.
    pub fn then(self, reply: Reply) -> Self {
        self.state().in_order.push_back(reply);
        self
    }

    /// Answers every request that no queued reply answers with `handler`'s reply (replacing an
    /// earlier handler). It may be called from several threads at once.
    pub fn with_handler(self, handler: impl Fn(&Request) -> Reply + Send + Sync + 'static) -> Self {
        self.state().handler = Some(Arc::new(handler));
        self
    }

    /// A client over this double; see [`builder`](Self::builder).
    pub fn client(&self) -> Client {
        self.builder()
            .build()
            .expect("the test double's fixed configuration always builds")
    }

    /// A builder for a client over this double, to change more before building (for example
    /// `max_attempts`, an `operation_timeout`, an `app_id`): region `us-east-1`, credentials
    /// [`ACCESS_KEY_ID`] with AWS's example secret key and no session token, an empty
    /// environment, the double's frozen clock (starting at [`FROZEN_TIME_SECS`], advanced only
    /// by the sleeps it records), and a fixed backoff jitter of 0.5. Retries are the standard
    /// mode's: 3 attempts.
    pub fn builder(&self) -> ClientBuilder {
        Client::builder()
            .env(Env::from_pairs::<&str, &str>([]))
            .region("us-east-1")
            .credentials(Credentials::new(
                ACCESS_KEY_ID,
                "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                None,
            ))
            .http_client(self.clone())
            .clock(self.clock.clone())
            .jitter(|| 0.5)
    }

    /// Every request received so far, in order (each attempt of a retried call is one).
    pub fn requests(&self) -> Vec<Request> {
        self.state().requests.clone()
    }

    /// The sleeps the clients of [`client`](Self::client) and [`builder`](Self::builder) took,
    /// in order (none of them really slept): the backoff before each retry and, in adaptive
    /// mode, the waits for the rate limiter.
    pub fn sleeps(&self) -> Vec<Duration> {
        self.clock.sleeps()
    }

    /// How many queued replies were not used yet (the handler's do not count): 0 at the end of
    /// a test that used every reply it queued.
    pub fn remaining(&self) -> usize {
        remaining(&self.state())
    }

    fn next_reply(&self, request: &Request) -> Option<Reply> {
        let handler = {
            let mut state = self.state();
            let queued = state
                .by_operation
                .get_mut(&request.operation)
                .and_then(VecDeque::pop_front);
            if let Some(reply) = queued.or_else(|| state.in_order.pop_front()) {
                return Some(reply);
            }
            state.handler.clone()
        };
        // Called unlocked: the handler may inspect this double.
        handler.map(|h| h(request))
    }
}

impl HttpClient for MockKms {
    fn send(
        &self,
        request: &HttpRequest,
        _timeout: Option<Duration>,
    ) -> Result<HttpResponse, TransportError> {
        let operation = request
            .header("x-amz-target")
            .and_then(|t| t.strip_prefix("TrentService."))
            .unwrap_or_default()
            .to_owned();
        let recorded = {
            let mut state = self.state();
            let recorded = Request {
                index: state.requests.len(),
                operation,
                input: serde_json::from_slice(&request.body).unwrap_or(Value::Null),
                headers: request
                    .headers()
                    .map(|(n, v)| (n.to_owned(), v.to_owned()))
                    .collect(),
                body: request.body.clone(),
            };
            state.requests.push(recorded.clone());
            recorded
        };
        let Some(reply) = self.next_reply(&recorded) else {
            return Err(TransportError::new(
                TransportErrorKind::InvalidResponse,
                format!(
                    "kms_lite::testing::MockKms has no reply for request {} ({}): queue one with \
                     on(), then() or with_handler()",
                    recorded.index + 1,
                    recorded.operation
                ),
            ));
        };
        reply.answer(&recorded.operation)
    }
}

/// One request as the double received it.
///
/// `Debug` redacts the `authorization` and token headers, and the input members that carry
/// plaintext, secrets or grant tokens; it shows the body's length only.
#[derive(Clone, PartialEq, Eq)]
pub struct Request {
    index: usize,
    operation: String,
    input: Value,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Request {
    /// Its place among the requests the double received: 0 for the first.
    pub fn index(&self) -> usize {
        self.index
    }
    /// The operation, from `X-Amz-Target` (for example `ReEncrypt`).
    pub fn operation(&self) -> &str {
        &self.operation
    }
    /// The JSON body: the operation's input members as sent (blobs in base64).
    pub fn input(&self) -> &Value {
        &self.input
    }
    /// The body's bytes, exactly as sent (members in the order written).
    pub fn body(&self) -> &[u8] {
        &self.body
    }
    /// The first header with this name (ASCII case-insensitive). The transport adds `host`,
    /// `content-length` and `user-agent` to what is recorded here.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    /// Every header, in the order sent.
    pub fn headers(&self) -> &[(String, String)] {
        &self.headers
    }
}

impl fmt::Debug for Request {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let headers = crate::http::redacted_headers(
            self.headers.iter().map(|(n, v)| (n.as_str(), v.as_str())),
        );
        f.debug_struct("Request")
            .field("index", &self.index)
            .field("operation", &self.operation)
            .field(
                "input",
                &format_args!("{}", crate::ops::raw::redacted(&self.input)),
            )
            .field("headers", &headers)
            .field("body_len", &self.body.len())
            .finish()
    }
}

/// A canned answer: a response (success, service error, any status and body) or a network
/// failure.
///
/// `Debug` shows the status, headers and body length, never the body.
#[derive(Clone)]
pub struct Reply {
    outcome: Result<Canned, TransportError>,
}

#[derive(Clone)]
struct Canned {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    /// For typed outputs: the operation they belong to.
    operation: Option<&'static str>,
}

impl fmt::Debug for Reply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.outcome {
            Ok(c) => f
                .debug_struct("Reply")
                .field("status", &c.status)
                .field("headers", &c.headers)
                .field("body_len", &c.body.len())
                .field("operation", &c.operation)
                .finish(),
            Err(e) => f.debug_tuple("Reply").field(e).finish(),
        }
    }
}

/// The status KMS answers a modelled error with: its server faults are 5xx, a dry run that
/// would have succeeded is 412, everything else 400.
fn error_status(code: &str) -> u16 {
    match code {
        "KMSInternalException" | "KeyUnavailableException" => 500,
        "DependencyTimeoutException" => 503,
        "DryRunOperationException" => 412,
        _ => 400,
    }
}

impl Reply {
    fn response(status: u16, body: Vec<u8>) -> Reply {
        let mut headers = vec![("x-amzn-RequestId".to_owned(), REQUEST_ID.to_owned())];
        if !body.is_empty() {
            headers.push((
                "Content-Type".to_owned(),
                crate::codec::CONTENT_TYPE.to_owned(),
            ));
        }
        Reply {
            outcome: Ok(Canned {
                status,
                headers,
                body,
                operation: None,
            }),
        }
    }

    /// A success carrying this typed response, written as KMS writes it (blobs in base64,
    /// absent members omitted). Served to a request of another operation, it fails that call
    /// with a message saying so.
    pub fn output<O: CannedOutput>(output: &O) -> Reply {
        let mut reply = Reply::json(output.wire());
        if let Ok(c) = &mut reply.outcome {
            c.operation = Some(output.operation());
        }
        reply
    }

    /// A success (200) whose body is this JSON: the operation's output members, blobs in
    /// base64.
    pub fn json(output: Value) -> Reply {
        Reply::response(200, output.to_string().into_bytes())
    }

    /// A KMS error with this code (for example `NotFoundException`,
    /// `InvalidCiphertextException`, `DisabledException`, `KMSInvalidStateException`,
    /// `AccessDeniedException`) and no message, as KMS often sends it. The status is KMS's:
    /// 500 for `KMSInternalException` and `KeyUnavailableException`, 503 for
    /// `DependencyTimeoutException`, 412 for `DryRunOperationException`, 400 otherwise.
    pub fn error(code: &str) -> Reply {
        Reply::response(
            error_status(code),
            serde_json::json!({ "__type": code })
                .to_string()
                .into_bytes(),
        )
    }

    /// A KMS error with this code and message.
    pub fn error_message(code: &str, message: &str) -> Reply {
        Reply::response(
            error_status(code),
            serde_json::json!({ "__type": code, "message": message })
                .to_string()
                .into_bytes(),
        )
    }

    /// `ThrottlingException` ("Rate exceeded", 400), which the client retries with the
    /// throttling backoff.
    pub fn throttling() -> Reply {
        Reply::error_message("ThrottlingException", "Rate exceeded")
    }

    /// A response with this status and an empty body (for example 503 from a load balancer):
    /// the error code is then the status.
    pub fn status(status: u16) -> Reply {
        Reply::response(status, Vec::new())
    }

    /// A response with this status and body, as given, and no headers (add them with
    /// [`with_header`](Self::with_header)).
    pub fn http(status: u16, body: impl Into<Vec<u8>>) -> Reply {
        Reply {
            outcome: Ok(Canned {
                status,
                headers: Vec::new(),
                body: body.into(),
                operation: None,
            }),
        }
    }

    /// The connection was reset before a response arrived (retried).
    pub fn connection_reset() -> Reply {
        Reply {
            outcome: Err(TransportError::new(
                TransportErrorKind::Io,
                "connection reset by peer (kms_lite::testing)",
            )),
        }
    }

    /// The read timeout passed before a response arrived (retried).
    pub fn timeout() -> Reply {
        Reply {
            outcome: Err(TransportError::new(
                TransportErrorKind::Timeout,
                "timed out reading the response (kms_lite::testing)",
            )),
        }
    }

    /// No response: the transport failed this way (a refused connection, a TLS failure, a
    /// truncated body...). The client retries it when its kind is retryable
    /// ([`TransportErrorKind::is_retryable`]).
    ///
    /// ```
    /// use kms_lite::error::{OperationError, TransportError, TransportErrorKind};
    /// use kms_lite::testing::{MockKms, Reply};
    /// let tls = TransportError::new(TransportErrorKind::Tls, "certificate not trusted");
    /// let kms = MockKms::new().then(Reply::failure(tls));
    /// let e = kms.client().raw_call("ListKeys", &serde_json::json!({})).unwrap_err();
    /// assert!(!e.is_retryable());
    /// assert_eq!(kms.requests().len(), 1);
    /// ```
    pub fn failure(error: TransportError) -> Reply {
        Reply {
            outcome: Err(error),
        }
    }

    /// Adds a response header, or replaces one of this name (for example `x-amzn-RequestId`,
    /// or `Date` to make the client correct its clock). No effect on a network failure.
    pub fn with_header(mut self, name: &str, value: &str) -> Reply {
        if let Ok(c) = &mut self.outcome {
            c.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
            c.headers.push((name.to_owned(), value.to_owned()));
        }
        self
    }

    fn answer(self, operation: &str) -> Result<HttpResponse, TransportError> {
        let c = self.outcome?;
        if let Some(expected) = c.operation.filter(|o| *o != operation) {
            return Err(TransportError::new(
                TransportErrorKind::InvalidResponse,
                format!(
                    "kms_lite::testing::MockKms: the next reply is an output of {expected}, but the \
                     request is {operation}"
                ),
            ));
        }
        Ok(HttpResponse {
            status: c.status,
            headers: c.headers,
            body: c.body,
        })
    }
}

/// A typed response [`Reply::output`] can answer with: every operation's response type, and
/// [`RawOutput`](crate::RawOutput).
pub trait CannedOutput: sealed::Output {}

mod sealed {
    pub trait Output {
        fn operation(&self) -> &'static str;
        fn wire(&self) -> serde_json::Value;
    }
}

macro_rules! canned_outputs {
    ($($response:ty => $request:ty, $wire:expr;)*) => {$(
        impl sealed::Output for $response {
            fn operation(&self) -> &'static str {
                <$request as Operation>::NAME
            }
            fn wire(&self) -> Value {
                let wire: fn(&$response) -> Value = $wire;
                wire(self)
            }
        }
        impl CannedOutput for $response {}
    )*};
}

/// Responses that serialize as they travel.
fn plain<T: serde::Serialize>(response: &T) -> Value {
    serde_json::to_value(response).unwrap_or(Value::Null)
}

canned_outputs! {
    crate::ReEncryptResponse => crate::ReEncryptRequest, plain;
    crate::EncryptResponse => crate::EncryptRequest, plain;
    crate::GenerateDataKeyWithoutPlaintextResponse => crate::GenerateDataKeyWithoutPlaintextRequest, plain;
    crate::DecryptResponse => crate::DecryptRequest, |r| plain(&r.with_plaintext());
    crate::GenerateDataKeyResponse => crate::GenerateDataKeyRequest, |r| plain(&r.with_plaintext());
}

impl sealed::Output for crate::RawOutput {
    fn operation(&self) -> &'static str {
        crate::RawOutput::operation(self)
    }
    fn wire(&self) -> Value {
        plain(&self.with_plaintext())
    }
}

impl CannedOutput for crate::RawOutput {}
