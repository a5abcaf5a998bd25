//! Retries of the providers' own calls (STS, SSO, the container endpoint, instance metadata), as
//! the AWS SDKs make them: a bounded number of attempts, the standard mode's backoff
//! ([`crate::retry::backoff`]: 50 ms doubling for transient failures, 1 s for throttling, with
//! jitter, at most 20 s), slept on the configuration's [`Clock`](crate::clock::Clock) so tests
//! never sleep for real.

use super::{CredentialsError, ProviderConfig};
use crate::error::TransportError;
use crate::retry::{RetryKind, TRANSIENT_CODES, backoff, is_throttling_code};

/// What one attempt came to.
pub(crate) enum Attempt<T> {
    /// Done.
    Ok(T),
    /// Failed in a way worth another attempt.
    Retry(RetryKind, CredentialsError),
    /// Failed for good.
    Fail(CredentialsError),
}

/// Runs `attempt` (given the 1-based attempt number) until it succeeds, fails for good, or
/// `max_attempts` have been made; the last error then says how many were made.
pub(crate) fn with_retries<T>(
    cfg: &ProviderConfig,
    max_attempts: u32,
    mut attempt: impl FnMut(u32) -> Attempt<T>,
) -> Result<T, CredentialsError> {
    let max_attempts = max_attempts.max(1);
    let mut n = 1;
    loop {
        match attempt(n) {
            Attempt::Ok(value) => return Ok(value),
            Attempt::Fail(e) => return Err(e),
            Attempt::Retry(_, e) if n >= max_attempts => {
                return Err(if n > 1 {
                    e.with_suffix(&format!(" ({n} attempts)"))
                } else {
                    e
                });
            }
            Attempt::Retry(kind, _) => {
                let delay = backoff(kind, n, cfg.jitter_value(), None);
                cfg.clock_ref().sleep(delay);
                n += 1;
            }
        }
    }
}

/// How an HTTP answer from an AWS service (STS, SSO) may be retried: throttling codes and 429
/// as throttling; the transient codes and 500, 502, 503, 504 as transient; anything else not.
pub(crate) fn classify_status(status: u16, code: Option<&str>) -> RetryKind {
    let code = code.unwrap_or("");
    if status == 429 || is_throttling_code(code) {
        RetryKind::Throttling
    } else if TRANSIENT_CODES.contains(&code) || matches!(status, 500 | 502 | 503 | 504) {
        RetryKind::Transient
    } else {
        RetryKind::No
    }
}

/// Whether a failed exchange is worth another attempt (no answer, a reset, a truncated body).
pub(crate) fn transport_retryable(e: &TransportError) -> bool {
    e.kind().is_retryable()
}
