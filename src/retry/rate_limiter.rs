//! The client-side rate limiter of adaptive mode, shared by every thread using one `Client`:
//! a [`TokenBucket`] in front of every attempt, whose fill rate follows the [`Cubic`] curve
//! over the [`RateMeasure`]d send rate. It lets everything through until the first throttling
//! response; from then on each attempt takes a token, a throttling response cuts the rate to
//! `BETA` of what was being sent, and other responses let it grow back along the curve, never
//! above twice the measured rate.
//!
//! Changes to the SDKs' limiter, measured with `benches/goodput` (numbered and explained in
//! docs/reliability.md): a throttling response to an attempt sent *before* the last cut does
//! not cut again (the SDKs cut once per response, so the throttled attempts already in flight
//! cut the rate to 0.7ⁿ of what it was); a cut empties the bucket (the SDKs keep up to a second
//! of tokens, which let a burst out at the rate just throttled); and the rate acted on counts
//! the attempts started in the current half second ([`RateMeasure::current`]). The CUBIC
//! curve's own change is in [`Cubic`]'s module.
//!
//! Callers that must wait queue in order: each is told to sleep until the tokens for the callers
//! ahead of it and its own have come, then asks again, so a change of rate applies at once and
//! sleepers do not all wake for the same token.

use std::sync::Mutex;
use std::time::Duration;

use super::bucket::TokenBucket;
use super::cubic::Cubic;
use super::rate_measure::RateMeasure;
use crate::clock::Clock;

/// The longest single sleep while queued: a waiter asks again at least this often, so a rate
/// that has grown meanwhile is used without waiting out a wait computed at a lower one.
pub(crate) const MAX_SLEEP: Duration = Duration::from_millis(250);

/// The new rate is at most this many times the measured rate.
pub(crate) const MAX_RATE_MULTIPLE: f64 = 2.0;

/// What the rate limiter shows: [`Client::rate_limiter`](crate::Client::rate_limiter).
///
/// ```
/// use kms_lite::{Client, credentials::Credentials, retry::RetryMode};
/// let client = Client::builder()
///     # .env(kms_lite::config::Env::from_pairs::<&str, &str>([]))
///     .region("eu-west-1")
///     .credentials(Credentials::new("AKIDEXAMPLE", "secret", None))
///     .retry_mode(RetryMode::Adaptive)
///     .build()?;
/// let state = client.rate_limiter();
/// // Nothing sent yet: not limiting, nothing measured.
/// assert_eq!((state.fill_rate, state.measured_rate), (None, Some(0.0)));
/// assert_eq!((state.attempts, state.throttled), (0, 0));
/// # Ok::<(), kms_lite::error::ConfigError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct RateLimiterSnapshot {
    /// Attempts per second the client lets through, when it is limiting: in adaptive mode, from
    /// the first throttling response on. `None` otherwise.
    pub fill_rate: Option<f64>,
    /// The client's smoothed rate of attempts per second (responses and transport failures),
    /// in adaptive mode; `None` in the other modes.
    pub measured_rate: Option<f64>,
    /// Attempts made since the client was built (each retry is one more).
    pub attempts: u64,
    /// Of those, the ones answered with a throttling error.
    pub throttled: u64,
}

/// The shared state.
#[derive(Debug)]
struct State {
    /// Whether a throttling response has been seen: until then every attempt goes at once.
    enabled: bool,
    bucket: TokenBucket,
    measure: RateMeasure,
    cubic: Cubic,
    /// Queued callers' tickets, oldest first.
    queue: Vec<u64>,
    next_ticket: u64,
}

/// The adaptive-mode rate limiter of one client.
#[derive(Debug)]
pub(crate) struct RateLimiter {
    /// The clock's reading when the limiter was made: the arithmetic counts seconds from here,
    /// so its precision does not depend on how far the clock had run (an `f64` of a clock read
    /// 10^15 s on is 0.125 s coarse).
    origin: Duration,
    state: Mutex<State>,
}

/// A caller's place in the queue; leaving it (for example at a deadline) frees the place.
struct Place<'a> {
    limiter: &'a RateLimiter,
    ticket: Option<u64>,
}

impl Drop for Place<'_> {
    fn drop(&mut self) {
        if let Some(ticket) = self.ticket.take() {
            let mut s = self.limiter.lock();
            if let Ok(i) = s.queue.binary_search(&ticket) {
                s.queue.remove(i);
            }
        }
    }
}

/// The wait for a token would end at or after the caller's deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PastDeadline;

impl RateLimiter {
    /// A limiter created at `now` (monotonic): not limiting, nothing measured.
    pub(crate) fn new(now: Duration) -> RateLimiter {
        RateLimiter {
            origin: now,
            state: Mutex::new(State {
                enabled: false,
                bucket: TokenBucket::new(0.0, 0.0),
                measure: RateMeasure::new(0.0),
                cubic: Cubic::new(0.0, 0.0),
                queue: Vec::new(),
                next_ticket: 0,
            }),
        }
    }

    /// Seconds from the limiter's origin to `t` (0 for a time before it).
    fn secs(&self, t: Duration) -> f64 {
        t.saturating_sub(self.origin).as_secs_f64()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Asks for one attempt at `now` (seconds from the origin): `Ok` to go, or how long to sleep before asking again.
    /// `ticket` is the caller's place in the queue, taken on the first refusal and given up
    /// when the token is granted.
    fn try_acquire(&self, now: f64, ticket: &mut Option<u64>) -> Result<(), Duration> {
        let mut s = self.lock();
        let rank = match *ticket {
            Some(t) => s.queue.binary_search(&t).unwrap_or(0),
            None => s.queue.len(),
        };
        let granted = if s.enabled {
            s.bucket.take(rank as f64, now)
        } else {
            Ok(())
        };
        if granted.is_ok() {
            s.measure.sent(now);
        }
        match (granted, *ticket) {
            (Ok(()), Some(t)) => {
                if let Ok(i) = s.queue.binary_search(&t) {
                    s.queue.remove(i);
                }
                *ticket = None;
            }
            (Err(_), None) => {
                let t = s.next_ticket;
                s.next_ticket += 1;
                s.queue.push(t);
                *ticket = Some(t);
            }
            _ => {}
        }
        granted
    }

    /// Waits on `clock` until the bucket lets one attempt through; returns the time waited.
    /// Fails at once, without sleeping, when the wait would end at or after `deadline`
    /// (monotonic).
    pub(crate) fn acquire(
        &self,
        clock: &dyn Clock,
        deadline: Option<Duration>,
    ) -> Result<Duration, PastDeadline> {
        let mut place = Place {
            limiter: self,
            ticket: None,
        };
        let mut waited = Duration::ZERO;
        let mut now = clock.monotonic();
        loop {
            let wait = match self.try_acquire(self.secs(now), &mut place.ticket) {
                Ok(()) => return Ok(waited),
                Err(wait) => wait,
            };
            if deadline.is_some_and(|d| now.saturating_add(wait) >= d) {
                return Err(PastDeadline);
            }
            let slice = wait.min(MAX_SLEEP);
            clock.sleep(slice);
            waited += slice;
            // At least the time slept has passed, even on a clock that stands still (a test's
            // fake with a no-op sleep), which would otherwise hold the caller here for ever.
            now = clock.monotonic().max(now.saturating_add(slice));
        }
    }

    /// Takes in the outcome of an attempt sent at `sent_at` that ended at `now` (monotonic):
    /// the measured rate, and the curve (cut on a throttling response, followed otherwise).
    pub(crate) fn record(&self, now: Duration, sent_at: Duration, throttled: bool) {
        let (now, sent_at) = (self.secs(now), self.secs(sent_at));
        let mut s = self.lock();
        s.measure.record(now);
        let measured = s.measure.current(now);
        if throttled && s.enabled && sent_at < s.cubic.last_cut() {
            // Sent before the last cut: that cut already answered it.
            return;
        }
        let rate = if throttled {
            let sending = if s.enabled {
                measured.min(s.bucket.fill_rate())
            } else {
                measured
            };
            s.enabled = true;
            s.cubic.cut(sending, now)
        } else {
            s.cubic.rate_at(now)
        };
        s.bucket
            .set_rate(rate.min(MAX_RATE_MULTIPLE * measured), now);
        if throttled {
            s.bucket.empty();
        }
    }

    /// The fill rate (when limiting) and the measured rate.
    pub(crate) fn rates(&self) -> (Option<f64>, f64) {
        let s = self.lock();
        (s.enabled.then(|| s.bucket.fill_rate()), s.measure.rate())
    }

    /// Callers queued for a token.
    #[cfg(test)]
    fn queued(&self) -> usize {
        self.lock().queue.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::{Clock, ManualClock};
    use crate::retry::cubic::assert_close;
    use std::time::UNIX_EPOCH;

    /// `t` seconds on the clock.
    fn at(t: f64) -> Duration {
        Duration::from_secs_f64(t)
    }

    fn fill_rate(l: &RateLimiter) -> f64 {
        l.lock().bucket.fill_rate()
    }

    /// A limiter that saw a response every 62.5 ms (exact in binary) for 10 s: 16/s.
    fn steady_16_per_second() -> RateLimiter {
        let l = RateLimiter::new(Duration::ZERO);
        for i in 1..=160 {
            l.record(at(f64::from(i) / 16.0), at(f64::from(i) / 16.0), false);
        }
        l
    }

    // The Go SDK's TestAdaptiveRateLimit_Update, which the Rust SDK ported as
    // test_client_sending_rates: a response every 200 ms from t = 0.2, two of them throttled;
    // the measured rate and the fill rate after each.
    #[test]
    fn sdk_table_measured_and_fill_rates() {
        let l = RateLimiter::new(Duration::ZERO);
        for (throttled, t, measured, fill) in [
            (false, 0.2, 0.0, 0.5),
            (false, 0.4, 0.0, 0.5),
            (false, 0.6, 4.8, 0.5),
            (false, 0.8, 4.8, 0.5),
            (false, 1.0, 4.16, 0.5),
            (false, 1.2, 4.16, 0.6912),
            (false, 1.4, 4.16, 1.0976),
            (false, 1.6, 5.632, 1.6384),
            (false, 1.8, 5.632, 2.3328),
            (true, 2.0, 4.3264, 3.02848),
            (false, 2.2, 4.3264, 3.486_639_173_470_26),
            (false, 2.4, 4.3264, 3.821_874_416_040_255),
            (false, 2.6, 5.66528, 4.053_385_727_709_987),
            (false, 2.8, 5.66528, 4.200_373_108_479_454),
            (false, 3.0, 4.333_056, 4.282_036_558_348_658),
            (true, 3.2, 4.333_056, 2.997_425_590_844_06),
            (false, 3.4, 4.333_056, 3.452_226_394_386_346_3),
        ] {
            l.record(at(t), at(t), throttled);
            let (_, m) = l.rates();
            assert_close(m, measured, &format!("measured rate at {t}"));
            assert_close(fill_rate(&l), fill, &format!("fill rate at {t}"));
            // Limiting from the first throttling response on.
            assert_eq!(l.rates().0.is_some(), t >= 2.0, "t = {t}");
        }
    }

    // botocore's TestClientRateLimiter: the bucket is only asked once a throttling response
    // has been seen, and the new rate is at most twice the measured one.
    #[test]
    fn lets_everything_through_until_throttled() {
        let clock = ManualClock::new(UNIX_EPOCH);
        let l = RateLimiter::new(Duration::ZERO);
        for _ in 0..100 {
            assert_eq!(l.acquire(&clock, None), Ok(Duration::ZERO));
        }
        assert!(clock.sleeps().is_empty());
        assert_eq!(l.rates(), (None, 0.0));
        // Throttled at 50 ms, before any half second closed: the SDKs would cut to their
        // minimum, 0.5/s; here the 100 attempts started (counted over 100 ms: 1000/s) are cut
        // to 700/s.
        l.record(at(0.05), at(0.0), true);
        assert_eq!(l.rates(), (Some(700.0), 0.0));
        // The bucket is empty: one token at 700/s.
        clock.advance(Duration::from_millis(50));
        assert_eq!(l.acquire(&clock, None), Ok(Duration::from_nanos(1_428_572)));
        // With nothing started, the SDKs' rule: the measured rate, 0, and the minimum rate.
        let l = RateLimiter::new(Duration::ZERO);
        l.record(at(0.05), at(0.0), true);
        assert_eq!(l.rates(), (Some(0.5), 0.0));
    }

    #[test]
    fn growth_is_capped_at_twice_the_measured_rate() {
        let l = steady_16_per_second();
        // The curve (W_max 0, 10 s on) is far above: twice the measured rate.
        assert_close(l.rates().1, 16.0, "measured");
        assert_close(fill_rate(&l), 32.0, "twice the measured rate");
    }

    #[test]
    fn a_throttle_cuts_to_beta_of_the_lower_of_measured_and_fill_rate() {
        let l = steady_16_per_second();
        // Not limiting yet: the measured rate, 16/s, is cut to 11.2.
        l.record(at(10.0), at(9.9), true);
        assert_close(fill_rate(&l), 11.2, "0.7 × 16");
        // Another attempt sent before that cut is throttled: the cut already answered it.
        l.record(at(10.05), at(9.95), true);
        assert_close(fill_rate(&l), 11.2, "no second cut");
        // One sent after it is: limiting, the fill rate (11.2) is below the measured rate
        // (16): 7.84.
        l.record(at(10.2), at(10.1), true);
        assert_close(fill_rate(&l), 7.84, "0.7 × 11.2");
    }

    #[test]
    fn queued_callers_wait_their_turn_and_a_deadline_frees_the_place() {
        let clock = ManualClock::new(UNIX_EPOCH);
        let l = steady_16_per_second();
        clock.advance(Duration::from_secs(10));
        // The cut empties the bucket (it held up to a second's worth).
        l.record(at(10.0), at(10.0), true);
        assert_close(fill_rate(&l), 11.2, "0.7 × 16");
        // Two callers queue (as two threads would, between their asks): the first waits one
        // token at 11.2/s, the second two.
        let (mut a, mut b) = (None, None);
        let wait_a = l.try_acquire(10.0, &mut a).unwrap_err();
        let wait_b = l.try_acquire(10.0, &mut b).unwrap_err();
        assert_eq!((a, b, l.queued()), (Some(0), Some(1), 2));
        assert_eq!(wait_a, Duration::from_nanos(89_285_715));
        assert_eq!(wait_b, Duration::from_nanos(178_571_429));
        // When the first token comes, the second caller may not take it.
        let t = 10.0 + wait_a.as_secs_f64();
        assert!(l.try_acquire(t, &mut b).is_err());
        assert_eq!(l.try_acquire(t, &mut a), Ok(()));
        assert_eq!((a, l.queued()), (None, 1));
        // A third caller whose deadline comes first leaves nothing behind.
        let deadline = clock.monotonic() + Duration::from_millis(1);
        assert_eq!(l.acquire(&clock, Some(deadline)), Err(PastDeadline));
        assert_eq!(l.queued(), 1);
        assert!(clock.sleeps().is_empty());
    }

    #[test]
    fn a_rate_that_grows_while_queued_is_used_at_the_next_ask() {
        let l = RateLimiter::new(Duration::ZERO);
        l.record(at(0.0), at(0.0), true);
        let mut ticket = None;
        // At 0.5/s the token is 2 s away; the caller sleeps one slice.
        assert_eq!(l.try_acquire(0.0, &mut ticket), Err(Duration::from_secs(2)));
        // Meanwhile the bucket is set to 40/s: by 0.25 s it holds its token.
        l.lock().bucket.set_rate(40.0, 0.0);
        assert_eq!(l.try_acquire(0.25, &mut ticket), Ok(()));
        assert_eq!(l.queued(), 0);
    }

    // The limiter counts from its own start: a clock that has run for ages (a ManualClock
    // advanced far, a custom Clock counting from the epoch) gives the same waits as a new one.
    // Counted in absolute f64 seconds, 1.8e19 s on made the 1.4 ms wait 1025 s (717 465 sleeps).
    #[test]
    fn waits_do_not_depend_on_how_far_the_clock_has_run() {
        let run = |offset: Duration| {
            let clock = ManualClock::new(UNIX_EPOCH);
            clock.advance(offset);
            let start = clock.monotonic();
            let l = RateLimiter::new(start);
            for _ in 0..100 {
                assert_eq!(l.acquire(&clock, None), Ok(Duration::ZERO));
            }
            l.record(start + Duration::from_millis(50), start, true);
            clock.advance(Duration::from_millis(50));
            let waits = [l.acquire(&clock, None), l.acquire(&clock, None)];
            (l.rates(), waits, clock.sleeps())
        };
        let near = run(Duration::ZERO);
        assert_eq!(
            near.1,
            [
                Ok(Duration::from_nanos(1_428_572)),
                Ok(Duration::from_nanos(1_428_571))
            ]
        );
        for secs in [
            1_000_000_000,
            1_000_000_000_000_000,
            18_000_000_000_000_000_000,
        ] {
            assert_eq!(run(Duration::from_secs(secs)), near, "{secs} s on");
        }
    }

    /// A test's clock whose time stands still whatever sleeps (a user's fake with a no-op
    /// `sleep`); it gives up after 10 000 sleeps so that a limiter spinning on it fails.
    #[derive(Debug, Default)]
    struct FrozenClock {
        sleeps: std::sync::Mutex<Vec<Duration>>,
    }

    impl Clock for FrozenClock {
        fn now(&self) -> std::time::SystemTime {
            UNIX_EPOCH
        }
        fn monotonic(&self) -> Duration {
            Duration::from_secs(7)
        }
        fn sleep(&self, d: Duration) {
            let mut sleeps = self.sleeps.lock().unwrap();
            sleeps.push(d);
            assert!(
                sleeps.len() < 10_000,
                "the limiter spins on a clock that stands still"
            );
        }
    }

    // A clock that does not move with its sleeps must not keep a caller queued for ever: the
    // limiter counts the time it slept. (It used to ask the frozen clock again and again.)
    #[test]
    fn a_clock_that_stands_still_does_not_hold_callers_for_ever() {
        let clock = FrozenClock::default();
        let l = RateLimiter::new(clock.monotonic());
        l.record(clock.monotonic(), clock.monotonic(), true);
        assert_eq!(l.rates(), (Some(0.5), 0.0));
        // At 0.5/s, two seconds per token: eight slices of 250 ms each.
        assert_eq!(l.acquire(&clock, None), Ok(Duration::from_secs(2)));
        assert_eq!(*clock.sleeps.lock().unwrap(), [MAX_SLEEP; 8]);
        // The next caller starts again from the clock's time: it waits too, and gets through.
        assert!(l.acquire(&clock, None).is_ok());
        assert_eq!(l.queued(), 0);
    }

    /// A clock whose first sleep panics (a user's clock, a test's assertion).
    #[derive(Debug)]
    struct PanickyClock(ManualClock, std::sync::atomic::AtomicBool);

    impl Clock for PanickyClock {
        fn now(&self) -> std::time::SystemTime {
            self.0.now()
        }
        fn monotonic(&self) -> Duration {
            self.0.monotonic()
        }
        fn sleep(&self, d: Duration) {
            if !self.1.swap(true, std::sync::atomic::Ordering::SeqCst) {
                panic!("the clock failed");
            }
            self.0.sleep(d)
        }
    }

    // A caller that unwinds while queued (the limiter's lock is not held while it sleeps)
    // leaves neither its ticket nor a poisoned lock: the next caller is first in line.
    #[test]
    fn a_caller_that_panics_while_queued_leaves_no_place_behind() {
        let clock = PanickyClock(ManualClock::new(UNIX_EPOCH), Default::default());
        let l = RateLimiter::new(Duration::ZERO);
        l.record(Duration::ZERO, Duration::ZERO, true);
        let unwound =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| l.acquire(&clock, None)));
        assert!(unwound.is_err());
        assert_eq!((l.queued(), l.state.is_poisoned()), (0, false));
        // First in line: one token at 0.5/s, eight slices.
        assert_eq!(l.acquire(&clock, None), Ok(Duration::from_secs(2)));
        assert_eq!(clock.0.sleeps(), [MAX_SLEEP; 8]);
    }
}
