//! A credentials cache: temporary credentials are reused until [`REFRESH_BEFORE_EXPIRY`] before
//! they expire, then refreshed by one caller while the others wait (or keep using the old ones
//! while they are still valid). A failed refresh keeps credentials that are still valid.

use std::fmt;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use super::{Credentials, CredentialsError, ProvideCredentials};
use crate::clock::{Clock, SystemClock};

/// How long before their expiry cached credentials are refreshed (five minutes, as the SDKs).
pub(crate) const REFRESH_BEFORE_EXPIRY: Duration = Duration::from_secs(5 * 60);

/// Caches what another provider returns; see the module docs.
///
/// ```
/// use kms_lite::credentials::{Credentials, CredentialsCache, ProvideCredentials};
/// let cache = CredentialsCache::new(Credentials::new("AKID", "secret", None));
/// assert_eq!(cache.provide_credentials().unwrap().access_key_id(), "AKID");
/// ```
pub struct CredentialsCache {
    inner: Arc<dyn ProvideCredentials>,
    clock: Arc<dyn Clock>,
    state: Mutex<State>,
    refreshed: Condvar,
}

#[derive(Default)]
struct State {
    cached: Option<Credentials>,
    refreshing: bool,
    generation: u64,
    last_error: Option<CredentialsError>,
}

impl fmt::Debug for CredentialsCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let cached = self.lock().cached.clone();
        f.debug_struct("CredentialsCache")
            .field("inner", &self.inner)
            .field("cached", &cached)
            .finish()
    }
}

/// Resets `refreshing` even if the provider panics, so waiters are never stuck.
struct RefreshGuard<'a>(&'a CredentialsCache);

impl Drop for RefreshGuard<'_> {
    fn drop(&mut self) {
        let mut s = self.0.lock();
        if s.refreshing {
            s.refreshing = false;
            s.generation += 1;
            self.0.refreshed.notify_all();
        }
    }
}

impl CredentialsCache {
    /// Caches `inner`, judging expiry by the system clock.
    pub fn new(inner: impl ProvideCredentials + 'static) -> Self {
        Self::with_clock(Arc::new(inner), Arc::new(SystemClock))
    }

    /// Caches `inner`, judging expiry by `clock`.
    pub fn with_clock(inner: Arc<dyn ProvideCredentials>, clock: Arc<dyn Clock>) -> Self {
        CredentialsCache {
            inner,
            clock,
            state: Mutex::new(State::default()),
            refreshed: Condvar::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn fresh(c: &Credentials, now: SystemTime) -> bool {
        match c.expiry() {
            None => true,
            Some(at) => at
                .checked_sub(REFRESH_BEFORE_EXPIRY)
                .is_some_and(|refresh_at| now < refresh_at),
        }
    }

    fn valid(c: &Credentials, now: SystemTime) -> bool {
        c.expiry().is_none_or(|at| now < at)
    }
}

impl ProvideCredentials for CredentialsCache {
    fn provide_credentials(&self) -> Result<Credentials, CredentialsError> {
        let mut s = self.lock();
        loop {
            let now = self.clock.now();
            if let Some(c) = &s.cached {
                if Self::fresh(c, now) {
                    return Ok(c.clone());
                }
            }
            if !s.refreshing {
                break;
            }
            // Someone else is refreshing: use still-valid credentials, or wait for them.
            if let Some(c) = s.cached.as_ref().filter(|c| Self::valid(c, now)) {
                return Ok(c.clone());
            }
            let generation = s.generation;
            while s.refreshing && s.generation == generation {
                s = self.refreshed.wait(s).unwrap_or_else(|p| p.into_inner());
            }
            let now = self.clock.now();
            if let Some(c) = s.cached.as_ref().filter(|c| Self::valid(c, now)) {
                return Ok(c.clone());
            }
            if let Some(e) = &s.last_error {
                return Err(e.clone());
            }
        }
        s.refreshing = true;
        drop(s);
        let guard = RefreshGuard(self);
        let result = self.inner.provide_credentials();
        let mut s = self.lock();
        let now = self.clock.now();
        let out = match result {
            Ok(c) => {
                s.cached = Some(c.clone());
                s.last_error = None;
                Ok(c)
            }
            Err(e) => match s.cached.as_ref().filter(|c| Self::valid(c, now)) {
                Some(old) => Ok(old.clone()),
                None => {
                    s.last_error = Some(e.clone());
                    Err(e)
                }
            },
        };
        s.refreshing = false;
        s.generation += 1;
        self.refreshed.notify_all();
        drop(s);
        drop(guard);
        out
    }
}
