//! Time, injectable: the wall clock for signing and a monotonic clock and sleep for retries and
//! deadlines. Tests use a fake that advances only when told to sleep.

use std::fmt;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant, SystemTime};

/// The client's source of time.
pub trait Clock: fmt::Debug + Send + Sync {
    /// The wall-clock time, used to sign requests.
    fn now(&self) -> SystemTime;
    /// Time since an arbitrary fixed start that never goes back; used for deadlines and the
    /// adaptive mode's rate.
    fn monotonic(&self) -> Duration;
    /// Waits before a retry, or for the adaptive mode's rate limiter.
    fn sleep(&self, duration: Duration);
}

/// The real clock: `SystemTime`, `Instant` and `std::thread::sleep`.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
    fn monotonic(&self) -> Duration {
        static START: OnceLock<Instant> = OnceLock::new();
        START.get_or_init(Instant::now).elapsed()
    }
    fn sleep(&self, duration: Duration) {
        std::thread::sleep(duration)
    }
}

/// A clock for tests: starts at a given wall-clock time, advances only when something sleeps
/// or [`ManualClock::advance`] is called, and records every sleep. Clones share the same time.
///
/// Like `Instant`, it panics when time would pass what `Duration` (monotonic) or `SystemTime`
/// (wall clock) can hold, hundreds of billions of years on.
///
/// ```
/// use kms_lite::clock::{Clock, ManualClock};
/// use std::time::{Duration, UNIX_EPOCH};
/// let clock = ManualClock::new(UNIX_EPOCH + Duration::from_secs(1_795_915_460));
/// clock.sleep(Duration::from_millis(50));
/// assert_eq!(clock.sleeps(), vec![Duration::from_millis(50)]);
/// assert_eq!(clock.monotonic(), Duration::from_millis(50));
/// ```
#[derive(Debug, Clone)]
pub struct ManualClock {
    state: Arc<Mutex<ManualState>>,
}

#[derive(Debug)]
struct ManualState {
    start: SystemTime,
    elapsed: Duration,
    sleeps: Vec<Duration>,
}

impl ManualClock {
    /// A clock reading `start`.
    pub fn new(start: SystemTime) -> Self {
        ManualClock {
            state: Arc::new(Mutex::new(ManualState {
                start,
                elapsed: Duration::ZERO,
                sleeps: Vec::new(),
            })),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, ManualState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Moves time forward without recording a sleep.
    pub fn advance(&self, by: Duration) {
        self.state().elapsed += by;
    }

    /// Every sleep so far, in order.
    pub fn sleeps(&self) -> Vec<Duration> {
        self.state().sleeps.clone()
    }
}

impl Clock for ManualClock {
    fn now(&self) -> SystemTime {
        let s = self.state();
        s.start + s.elapsed
    }
    fn monotonic(&self) -> Duration {
        self.state().elapsed
    }
    fn sleep(&self, duration: Duration) {
        let mut s = self.state();
        s.elapsed += duration;
        s.sleeps.push(duration);
    }
}
