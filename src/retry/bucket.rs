//! The client-side token bucket of adaptive mode: it fills at the allowed send rate, holds at
//! most one second of it (at least one token), and every attempt takes one token. Pure
//! arithmetic: times are seconds on the client's clock; a caller that must wait is told how
//! long, and asks again after sleeping.

use std::time::Duration;

/// The lowest fill rate, in tokens per second.
pub(crate) const MIN_FILL_RATE: f64 = 0.5;
/// The smallest capacity, in tokens.
pub(crate) const MIN_CAPACITY: f64 = 1.0;
/// Tolerance for the rounding of sleeps to whole nanoseconds and of float sums.
const EPSILON: f64 = 1e-6;

/// A token bucket with a changing fill rate.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TokenBucket {
    fill_rate: f64,
    max_capacity: f64,
    tokens: f64,
    /// When the bucket was last filled; `None` before the first fill.
    last: Option<f64>,
}

impl TokenBucket {
    /// An empty bucket filling at `rate` from `now`.
    pub(crate) fn new(rate: f64, now: f64) -> TokenBucket {
        let mut bucket = TokenBucket {
            fill_rate: MIN_FILL_RATE,
            max_capacity: MIN_CAPACITY,
            tokens: 0.0,
            last: None,
        };
        bucket.set_rate(rate, now);
        bucket
    }

    /// Adds what the time since the last fill brought, up to the capacity.
    fn refill(&mut self, now: f64) {
        match self.last {
            // A clock that went back fills nothing and does not move the mark back.
            Some(last) if now <= last => {}
            Some(last) => {
                let brought = (now - last) * self.fill_rate;
                self.tokens = (self.tokens + brought).min(self.max_capacity);
                self.last = Some(now);
            }
            None => self.last = Some(now),
        }
    }

    /// Changes the fill rate from `now` (at least [`MIN_FILL_RATE`]); the capacity follows it,
    /// and tokens above the new capacity are dropped. A rate that is not a number counts as the
    /// minimum.
    pub(crate) fn set_rate(&mut self, rate: f64, now: f64) {
        self.refill(now);
        let rate = if rate.is_nan() { 0.0 } else { rate };
        self.fill_rate = rate.max(MIN_FILL_RATE);
        self.max_capacity = rate.max(MIN_CAPACITY);
        self.tokens = self.tokens.min(self.max_capacity);
    }

    /// Takes one token at `now`, leaving `ahead` tokens for the callers queued before this one;
    /// otherwise returns how long until there are enough (rounded up to whole nanoseconds).
    pub(crate) fn take(&mut self, ahead: f64, now: f64) -> Result<(), Duration> {
        self.refill(now);
        let needed = ahead + 1.0;
        if self.tokens + EPSILON >= needed {
            self.tokens = (self.tokens - 1.0).max(0.0);
            return Ok(());
        }
        let secs = (needed - self.tokens) / self.fill_rate;
        // At least 1 ns, at most a day: a wait is always finite and always advances time.
        // (Less a thousandth of a nanosecond, so float noise does not add one.)
        let nanos = (secs * 1e9 - 1e-3).ceil().clamp(1.0, 86_400e9);
        Err(Duration::from_nanos(nanos as u64))
    }

    /// Drops the tokens saved up (after a throttling response: they would let a burst out at
    /// the rate that was just throttled).
    pub(crate) fn empty(&mut self) {
        self.tokens = 0.0;
    }

    /// Tokens per second.
    pub(crate) fn fill_rate(&self) -> f64 {
        self.fill_rate
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::retry::cubic::assert_close;

    // The cases of botocore's tests/unit/retries/test_bucket.py, on our clock and minimum.
    #[test]
    fn takes_tokens_below_the_fill_rate() {
        let mut b = TokenBucket::new(10.0, 0.0);
        for t in 1..=5 {
            assert_eq!(b.take(0.0, f64::from(t)), Ok(()), "t = {t}");
        }
    }

    #[test]
    fn a_lower_rate_lowers_the_capacity() {
        let mut b = TokenBucket::new(10.0, 0.0);
        for t in 1..=5 {
            assert_eq!(b.take(0.0, f64::from(t)), Ok(()));
        }
        assert_close(b.tokens, 9.0, "ten filled, one taken");
        b.set_rate(1.0, 5.0);
        assert_eq!((b.fill_rate(), b.max_capacity, b.tokens), (1.0, 1.0, 1.0));
        for t in 6..=10 {
            assert_eq!(b.take(0.0, f64::from(t)), Ok(()), "t = {t}");
        }
    }

    #[test]
    fn capacity_is_at_least_one_and_rate_at_least_the_minimum() {
        let mut b = TokenBucket::new(1.0, 0.0);
        b.set_rate(0.5, 1.0);
        assert_eq!((b.fill_rate(), b.max_capacity), (0.5, 1.0));
        b.set_rate(0.1, 2.0);
        assert_eq!((b.fill_rate(), b.max_capacity), (MIN_FILL_RATE, 1.0));
        for bad in [f64::NAN, f64::NEG_INFINITY, -3.0] {
            b.set_rate(bad, 3.0);
            assert_eq!((b.fill_rate(), b.max_capacity), (MIN_FILL_RATE, 1.0));
        }
    }

    #[test]
    fn a_large_amount_is_refused_with_the_time_to_fill_it() {
        let mut b = TokenBucket::new(10.0, 0.0);
        // 10 tokens at t = 1 (capacity 10); 100 would take 9 more seconds.
        assert_eq!(b.take(99.0, 1.0), Err(Duration::from_secs(9)));
        assert_close(b.tokens, 10.0, "nothing taken");
    }

    #[test]
    fn takes_at_exactly_the_fill_rate() {
        let mut b = TokenBucket::new(10.0, 0.0);
        for i in 0..20 {
            assert_eq!(b.take(0.0, 1.0 + 0.1 * f64::from(i)), Ok(()), "i = {i}");
        }
    }

    #[test]
    fn waits_until_the_next_token() {
        let mut b = TokenBucket::new(10.0, 0.0);
        assert_eq!(b.take(0.0, 0.1), Ok(()));
        assert_close(b.tokens, 0.0, "empty");
        // Half a token at 0.15: 50 ms more.
        assert_eq!(b.take(0.0, 0.15), Err(Duration::from_millis(50)));
        assert_eq!(b.take(0.0, 0.2), Ok(()));
        assert_eq!(b.take(0.0, 0.300_001), Ok(()));
    }

    #[test]
    fn callers_ahead_are_served_first() {
        let mut b = TokenBucket::new(10.0, 0.0);
        // 0.5 tokens at 0.05; two callers ahead: 2.5 more tokens, 250 ms.
        assert_eq!(b.take(2.0, 0.05), Err(Duration::from_millis(250)));
        assert_eq!(b.take(2.0, 0.3), Ok(()));
        assert_close(b.tokens, 2.0, "two left for the callers ahead");
    }

    #[test]
    fn an_emptied_bucket_fills_again_at_its_rate() {
        let mut b = TokenBucket::new(10.0, 0.0);
        b.empty();
        assert_close(b.tokens, 0.0, "nothing left at once");
        b.empty();
        assert_eq!(b.take(0.0, 1.0), Ok(()));
        assert_close(b.tokens, 9.0, "a second at 10/s, one taken");
        b.empty();
        assert_eq!(b.take(0.0, 1.05), Err(Duration::from_millis(50)));
    }

    #[test]
    fn waits_are_finite_and_positive() {
        let mut b = TokenBucket::new(MIN_FILL_RATE, 0.0);
        assert_eq!(b.take(1e30, 0.0), Err(Duration::from_secs(86_400)));
        let mut b = TokenBucket::new(1e12, 0.0);
        assert_eq!(b.take(0.0, 0.999e-12), Err(Duration::from_nanos(1)));
        // Time going back fills nothing, and the bucket fills from its latest time.
        let mut b = TokenBucket::new(10.0, 0.0);
        assert_eq!(b.take(0.0, -5.0), Err(Duration::from_millis(100)));
        assert_eq!(b.take(0.0, 0.05), Err(Duration::from_millis(50)));
    }
}
