//! The measured send rate of adaptive mode: responses are counted in half-second buckets, and
//! when a bucket closes its rate is blended into a smoothed average (80 % new, 20 % old), as the
//! AWS SDKs do (botocore's `RateClocker`). Pure arithmetic: times are seconds on the client's
//! clock.

/// The weight of the bucket that just closed.
pub(crate) const SMOOTHING: f64 = 0.8;
/// Buckets per second.
const BUCKETS_PER_SECOND: f64 = 2.0;

/// The smoothed rate of responses.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct RateMeasure {
    rate: f64,
    /// Start of the open bucket.
    bucket: f64,
    /// Responses counted in it.
    count: u64,
}

impl RateMeasure {
    /// No responses yet; the first bucket starts at the whole second before `now`.
    pub(crate) fn new(now: f64) -> RateMeasure {
        RateMeasure {
            rate: 0.0,
            bucket: now.floor(),
            count: 0,
        }
    }

    /// Counts one response at `now` and returns the smoothed rate. The response that opens a
    /// new bucket is counted in the one it closes, as the SDKs do.
    pub(crate) fn record(&mut self, now: f64) -> f64 {
        let bucket = (now * BUCKETS_PER_SECOND).floor() / BUCKETS_PER_SECOND;
        self.count += 1;
        if bucket > self.bucket {
            let current = self.count as f64 / (bucket - self.bucket);
            self.rate = current * SMOOTHING + self.rate * (1.0 - SMOOTHING);
            self.count = 0;
            self.bucket = bucket;
        }
        self.rate
    }

    /// The smoothed rate as of the last closed bucket.
    pub(crate) fn rate(&self) -> f64 {
        self.rate
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::retry::cubic::assert_close;

    // The cases of botocore's tests/unit/retries/test_adaptive.py (TestRateClocker).
    #[test]
    fn starts_at_zero_and_blends_the_first_bucket() {
        let mut m = RateMeasure::new(0.0);
        assert_eq!(m.rate(), 0.0);
        // One response in [0, 1): 1/s, weighted 0.8.
        assert_close(m.record(1.0), 0.8, "first bucket");
    }

    #[test]
    fn measures_a_constant_rate() {
        let mut m = RateMeasure::new(0.0);
        for t in 1..=20 {
            m.record(f64::from(t));
        }
        assert_close(m.rate(), 1.0, "one a second");
    }

    #[test]
    fn favours_recent_buckets() {
        let mut m = RateMeasure::new(0.0);
        for t in [1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0] {
            m.record(t);
        }
        assert!((1.99..=2.0).contains(&m.rate()), "{}", m.rate());
        // Ten quiet seconds: between 0.1/s and 2/s.
        m.record(14.0);
        assert!((0.1..=2.0).contains(&m.rate()), "{}", m.rate());
    }

    #[test]
    fn repeated_timestamps_do_not_divide_by_zero() {
        let mut m = RateMeasure::new(0.0);
        for t in [1.0, 1.0, 1.0, 2.0, 3.0] {
            assert!(m.record(t).is_finite());
        }
        assert!(m.rate() >= 1.0, "{}", m.rate());
    }

    #[test]
    fn responses_are_grouped_per_half_second() {
        let mut m = RateMeasure::new(0.0);
        for t in [0.1, 0.2, 0.3, 0.4, 0.49] {
            m.record(t);
        }
        // Still in [0, 0.5): the previous rate, 0.
        assert_eq!(m.rate(), 0.0);
        // 0.5 closes the bucket with six responses: 12/s, weighted 0.8.
        assert_close(m.record(0.5), 12.0 * 0.8, "[0, 0.5)");
    }
}
