//! Retries of the providers' own calls (STS, SSO, the container endpoint, instance metadata), as
//! the AWS SDKs make them: a bounded number of attempts, the standard mode's backoff
//! ([`crate::retry::backoff`]: 50 ms doubling for transient failures, 1 s for throttling, with
//! jitter, at most 20 s), slept on the configuration's [`Clock`](crate::clock::Clock) so tests
//! never sleep for real.

use super::{CredentialsError, ProviderConfig};
use crate::error::TransportError;
use crate::retry::{RetryKind, backoff};

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

/// How an HTTP answer from an AWS service (STS, SSO) may be retried: as the client retries
/// KMS's answers ([`crate::retry::classify_service`]); an answer without a code by its status.
pub(crate) fn classify_status(status: u16, code: Option<&str>) -> RetryKind {
    crate::retry::classify_service(code.unwrap_or(""), status)
}

/// The attempt that failed with `e` (`{what}: {e}`, with `e` as the source): retried when no
/// answer arrived whole (a reset, a timeout, a truncated body), as the client retries KMS
/// calls ([`crate::retry::classify_transport`]).
pub(crate) fn transport_failure<T>(what: &str, e: TransportError) -> Attempt<T> {
    let kind = crate::retry::classify_transport(e.kind());
    let err = CredentialsError::new(format!("{what}: {e}")).with_source(e);
    match kind {
        RetryKind::No => Attempt::Fail(err),
        kind => Attempt::Retry(kind, err),
    }
}
