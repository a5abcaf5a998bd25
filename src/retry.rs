//! How a [`Client`](crate::Client) retries: the [`RetryMode`], the adaptive mode's
//! [`RateLimiterSnapshot`], and [`backoff_for`] for programs that retry failed items themselves.
//!
//! In the AWS SDKs' standard mode (the default) a call is retried, up to `max_attempts`
//! attempts in all (3 unless configured), when no response arrived whole (a failed connection,
//! a reset, a timeout, a truncated body), on HTTP 500, 502, 503, 504 and 429, on the throttling
//! codes (`ThrottlingException`, `TooManyRequestsException`...), the transient ones
//! (`RequestTimeout`...) and KMS's server faults (`KMSInternalException`,
//! `KeyUnavailableException`, `DependencyTimeoutException`). Before each retry the client
//! sleeps a random delay up to `min(base * 2^(n-1), 20 s)`, with a base of 50 ms, or 1 s after
//! throttling, and at least the server's `x-amz-retry-after`. A retry quota of 500 units per
//! client (a retry costs 5 after throttling and 14 otherwise; a success gives back what its
//! retry cost, or 1) stops retries when the service keeps failing. The error a call returns
//! says how many attempts were made and why retrying stopped
//! ([`RetryStop`](crate::error::RetryStop)).
//!
//! The adaptive mode adds the AWS SDKs' client-side rate limiter in front of every attempt: a
//! token bucket shared by every thread using the client, whose fill rate follows a CUBIC curve
//! over the measured sending rate, cut on each throttling answer and growing back after it.
//! Retries after throttling cost no retry quota there (the limiter paces them).
//! [`Client::rate_limiter`](crate::Client::rate_limiter) shows its state.

mod bucket;
mod cubic;
mod rate_limiter;
mod rate_measure;

use std::sync::Mutex;
use std::time::Duration;

use crate::error::{Failure, OperationError, TransportErrorKind};
pub(crate) use rate_limiter::RateLimiter;
pub use rate_limiter::RateLimiterSnapshot;

/// Throttling codes: retried with the longer (1 s) backoff base.
pub(crate) const THROTTLING_CODES: [&str; 8] = [
    "ThrottlingException",
    "Throttling",
    "ThrottledException",
    "RequestThrottledException",
    "TooManyRequestsException",
    "RequestLimitExceeded",
    "LimitExceededException",
    "SlowDown",
];

/// Transient codes: retried with the short (50 ms) backoff base.
pub(crate) const TRANSIENT_CODES: [&str; 3] = [
    "RequestTimeout",
    "RequestTimeoutException",
    "PriorRequestNotComplete",
];

/// KMS's server faults, sent with a 5xx status.
pub(crate) const KMS_SERVER_FAULTS: [&str; 3] = [
    "KMSInternalException",
    "KeyUnavailableException",
    "DependencyTimeoutException",
];

/// Whether an error code means the caller is being throttled.
pub(crate) fn is_throttling_code(code: &str) -> bool {
    THROTTLING_CODES.contains(&code)
}

/// The retry mode. `legacy` is accepted and behaves as `standard`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum RetryMode {
    /// The AWS SDKs' standard mode.
    #[default]
    Standard,
    /// Standard mode plus a client-side rate limiter shared by every thread using the client:
    /// after a throttling response, attempts wait for a token bucket whose rate follows the
    /// AWS SDKs' CUBIC curve (see [the module docs](self)).
    Adaptive,
    /// Accepted for compatibility; retries as `Standard`.
    Legacy,
}

impl RetryMode {
    /// Parses `standard`, `adaptive` or `legacy` (case-insensitive).
    pub(crate) fn parse(s: &str) -> Option<RetryMode> {
        match s.trim().to_ascii_lowercase().as_str() {
            "standard" => Some(RetryMode::Standard),
            "adaptive" => Some(RetryMode::Adaptive),
            "legacy" => Some(RetryMode::Legacy),
            _ => None,
        }
    }
}

/// How a failed attempt may be retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RetryKind {
    /// Throttled: retry with the 1 s base, costing 5 quota units.
    Throttling,
    /// No response, a 5xx or a transient code: retry with the 50 ms base, costing 14 units.
    Transient,
    /// Not retryable.
    No,
}

/// Classifies a failed attempt: the one place that says what the client retries (the
/// errors' [`OperationError::is_retryable`](crate::error::OperationError::is_retryable) and
/// `is_throttling` ask it too).
pub(crate) fn classify(failure: &Failure) -> RetryKind {
    match failure {
        Failure::Transport(t) => classify_transport(t.kind()),
        Failure::Service(e) => classify_service(e.code(), e.status()),
        _ => RetryKind::No,
    }
}

/// Classifies a service's error answer by its code and HTTP status: throttling codes and 429
/// as throttling; the transient codes, KMS's server faults and 500, 502, 503, 504 as
/// transient; anything else not.
pub(crate) fn classify_service(code: &str, status: u16) -> RetryKind {
    if is_throttling_code(code) || status == 429 {
        RetryKind::Throttling
    } else if TRANSIENT_CODES.contains(&code)
        || KMS_SERVER_FAULTS.contains(&code)
        || matches!(status, 500 | 502 | 503 | 504)
    {
        RetryKind::Transient
    } else {
        RetryKind::No
    }
}

/// Classifies a transport failure: retried when no response arrived whole.
pub(crate) fn classify_transport(kind: TransportErrorKind) -> RetryKind {
    if kind.is_retryable() {
        RetryKind::Transient
    } else {
        RetryKind::No
    }
}

/// The longest backoff.
pub(crate) const MAX_BACKOFF: Duration = Duration::from_secs(20);

/// How long the AWS SDKs' standard mode waits before trying `error` again for the `retry`-th
/// time (from 1): a random delay up to `min(base * 2^(retry-1), 20 s)`, with a base of 1 s after
/// throttling and 50 ms otherwise; `None` when the error is not retryable
/// ([`OperationError::is_retryable`]).
///
/// The client already retries each call this way, up to its `max_attempts`; this is for
/// programs that put a failed item back in their own queue to try it later (a batch job), so
/// that they back off as the client does.
///
/// ```
/// use kms_lite::error::OperationError;
/// use kms_lite::retry::backoff_for;
/// # fn demo(client: &kms_lite::Client, request: &kms_lite::ReEncryptRequest) {
/// for tries in 1.. {
///     match client.re_encrypt(request) {
///         Ok(_) => break,
///         Err(e) => match backoff_for(&e, tries) {
///             Some(delay) if tries < 5 => std::thread::sleep(delay),
///             _ => {
///                 eprintln!("giving up: {e}");
///                 break;
///             }
///         },
///     }
/// }
/// # }
/// ```
pub fn backoff_for<E: OperationError + ?Sized>(error: &E, retry: u32) -> Option<Duration> {
    let kind = if error.is_throttling() {
        RetryKind::Throttling
    } else if error.is_retryable() {
        RetryKind::Transient
    } else {
        return None;
    };
    Some(backoff(kind, retry, random_unit(), None))
}

/// The delay before retry `n` (1-based): `jitter * min(base * 2^(n-1), 20 s)`, raised to the
/// server's `x-amz-retry-after` when that is larger (still at most 20 s). `jitter` is in [0, 1).
pub(crate) fn backoff(
    kind: RetryKind,
    retry: u32,
    jitter: f64,
    retry_after: Option<Duration>,
) -> Duration {
    let base = match kind {
        RetryKind::Throttling => Duration::from_secs(1),
        _ => Duration::from_millis(50),
    };
    let exp = retry.saturating_sub(1).min(31);
    let ceiling = base.saturating_mul(1u32 << exp).min(MAX_BACKOFF);
    let jitter = if jitter.is_finite() {
        jitter.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let delay = ceiling.mul_f64(jitter);
    match retry_after {
        Some(ra) => delay.max(ra.min(MAX_BACKOFF)),
        None => delay,
    }
}

/// The per-client retry quota: 500 units; a retry costs 5 after throttling and 14 otherwise;
/// a success gives back what its retry took, or 1 when it needed none.
#[derive(Debug)]
pub(crate) struct RetryQuota {
    available: Mutex<u32>,
}

/// The quota's capacity.
pub(crate) const QUOTA_CAPACITY: u32 = 500;

impl Default for RetryQuota {
    fn default() -> Self {
        RetryQuota {
            available: Mutex::new(QUOTA_CAPACITY),
        }
    }
}

impl RetryQuota {
    /// The cost of a retry of this kind.
    pub(crate) fn cost(kind: RetryKind) -> u32 {
        match kind {
            RetryKind::Throttling => 5,
            _ => 14,
        }
    }

    /// Takes the cost of one retry; `None` when the quota cannot pay for it.
    pub(crate) fn acquire(&self, kind: RetryKind) -> Option<u32> {
        let cost = Self::cost(kind);
        let mut available = self.available.lock().unwrap_or_else(|p| p.into_inner());
        if *available < cost {
            return None;
        }
        *available -= cost;
        Some(cost)
    }

    /// Gives back after a success: what the last retry cost, or 1.
    pub(crate) fn release(&self, last_cost: Option<u32>) {
        let mut available = self.available.lock().unwrap_or_else(|p| p.into_inner());
        *available = (*available + last_cost.unwrap_or(1)).min(QUOTA_CAPACITY);
    }

    /// Units left.
    #[cfg(test)]
    pub(crate) fn available(&self) -> u32 {
        *self.available.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// A random number in [0, 1), from std's per-process random hashing keys (no extra crate).
pub(crate) fn random_unit() -> f64 {
    (random_u64() >> 11) as f64 / (1u64 << 53) as f64
}

/// A random 64-bit number: each `RandomState` gets fresh keys.
pub(crate) fn random_u64() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(0x9e37_79b9_7f4a_7c15);
    h.finish()
}

/// A random UUID (version 4) for `amz-sdk-invocation-id`, formatted without `format!`; shared
/// by every attempt of the call.
pub(crate) fn invocation_id() -> std::sync::Arc<str> {
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&random_u64().to_be_bytes());
    bytes[8..].copy_from_slice(&random_u64().to_be_bytes());
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = [0u8; 36];
    let mut at = 0;
    for (i, b) in bytes.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            out[at] = b'-';
            at += 1;
        }
        out[at] = HEX[usize::from(b >> 4)];
        out[at + 1] = HEX[usize::from(b & 0x0f)];
        at += 2;
    }
    // Only ASCII hex digits and dashes were written.
    std::str::from_utf8(&out).unwrap_or_default().into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{ServiceError, TransportError};

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    fn service(status: u16, code: &str) -> Failure {
        Failure::Service(ServiceError::new("ReEncrypt", code, None, status, None))
    }

    #[test]
    fn classification_follows_standard_mode() {
        for code in THROTTLING_CODES {
            assert_eq!(
                classify(&service(400, code)),
                RetryKind::Throttling,
                "{code}"
            );
        }
        assert_eq!(classify(&service(429, "429")), RetryKind::Throttling);
        for code in TRANSIENT_CODES.iter().chain(&KMS_SERVER_FAULTS) {
            assert_eq!(
                classify(&service(400, code)),
                RetryKind::Transient,
                "{code}"
            );
        }
        for status in [500, 502, 503, 504] {
            assert_eq!(classify(&service(status, "Whatever")), RetryKind::Transient);
        }
        for (status, code) in [
            (400, "ValidationException"),
            (400, "AccessDeniedException"),
            (400, "InvalidSignatureException"),
            (501, "NotImplemented"),
            (505, "505"),
            (404, "404"),
        ] {
            assert_eq!(classify(&service(status, code)), RetryKind::No, "{code}");
        }
        use TransportErrorKind as K;
        for (kind, want) in [
            (K::Connect, RetryKind::Transient),
            (K::Timeout, RetryKind::Transient),
            (K::Io, RetryKind::Transient),
            (K::Truncated, RetryKind::Transient),
            (K::BodyTooLarge, RetryKind::No),
            (K::Tls, RetryKind::No),
            (K::InvalidResponse, RetryKind::No),
            (K::InvalidRequest, RetryKind::No),
        ] {
            let f = Failure::Transport(TransportError::new(kind, "x"));
            assert_eq!(classify(&f), want, "{kind:?}");
        }
    }

    #[test]
    fn backoff_is_capped_and_never_panics() {
        for retry in [0, 1, 2, 10, 31, 32, 1000, u32::MAX] {
            for jitter in [0.0, 0.5, 1.0, 2.0, -1.0, f64::NAN, f64::INFINITY] {
                for kind in [RetryKind::Throttling, RetryKind::Transient] {
                    let d = backoff(kind, retry, jitter, Some(Duration::from_secs(u64::MAX)));
                    assert!(d <= MAX_BACKOFF);
                    assert!(backoff(kind, retry, jitter, None) <= MAX_BACKOFF);
                }
            }
        }
        assert_eq!(
            backoff(RetryKind::Transient, 5, 1.0, None),
            Duration::from_millis(800)
        );
        assert_eq!(backoff(RetryKind::Transient, 1, 1.0, None), ms(50));
        assert_eq!(backoff(RetryKind::Throttling, 3, 0.5, None), ms(2000));
        assert_eq!(backoff(RetryKind::Throttling, 10, 1.0, None), ms(20_000));
        let after = Some(ms(700));
        assert_eq!(backoff(RetryKind::Transient, 1, 0.0, after), ms(700));
    }

    #[test]
    fn quota_charges_refunds_and_caps() {
        let q = RetryQuota::default();
        assert_eq!(q.acquire(RetryKind::Transient), Some(14));
        assert_eq!(q.acquire(RetryKind::Throttling), Some(5));
        assert_eq!(q.available(), 481);
        q.release(Some(5));
        assert_eq!(q.available(), 486);
        q.release(None);
        assert_eq!(q.available(), 487);
        for _ in 0..100 {
            q.release(Some(14));
        }
        assert_eq!(q.available(), QUOTA_CAPACITY);
        while q.acquire(RetryKind::Transient).is_some() {}
        assert_eq!(q.available(), 500 % 14);
        // 10 units: no transient retry, two throttling ones.
        assert_eq!(q.acquire(RetryKind::Throttling), Some(5));
        assert_eq!(q.acquire(RetryKind::Throttling), Some(5));
        assert_eq!(q.acquire(RetryKind::Throttling), None);
    }

    #[test]
    fn invocation_ids_are_uuid_v4_and_differ() {
        let a = invocation_id();
        let b = invocation_id();
        assert_ne!(a, b);
        assert_eq!(a.len(), 36);
        assert_eq!(&a[14..15], "4");
        assert!("89ab".contains(&a[19..20]));
        let dashes: Vec<usize> = a.match_indices('-').map(|(i, _)| i).collect();
        assert_eq!(dashes, [8, 13, 18, 23]);
        assert!(
            a.bytes()
                .all(|c| c == b'-' || c.is_ascii_digit() || (b'a'..=b'f').contains(&c))
        );
    }
}
