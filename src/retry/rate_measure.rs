//! The measured send rate of adaptive mode: responses are counted in half-second buckets, and
//! when a bucket closes its rate is blended into a smoothed average (80 % new, 20 % old), as the
//! AWS SDKs do (botocore's `RateClocker`). Pure arithmetic: times are seconds on the client's
//! clock.
//!
//! The smoothed rate is 0 until the first bucket closes, so the SDKs cut a client throttled in
//! its first half second to their minimum rate, 0.5/s, from which it takes seconds to climb back
//! (measured: about 5 s to settle after the start). The attempts started in the open bucket
//! are counted too: [`RateMeasure::current`] is the larger of the smoothed rate and theirs.

/// The weight of the bucket that just closed.
pub(crate) const SMOOTHING: f64 = 0.8;
/// Buckets per second.
const BUCKETS_PER_SECOND: f64 = 2.0;
/// The rate of the attempts started in the open bucket is counted over at least this long, so
/// a few attempts in its first milliseconds do not read as a high rate.
const MIN_SPAN: f64 = 0.1;

/// The smoothed rate of responses, and the attempts started in the open bucket.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct RateMeasure {
    rate: f64,
    /// Start of the open bucket.
    bucket: f64,
    /// Responses counted in it.
    count: u64,
    /// Start of the bucket the attempts are counted in, and their count.
    sent_bucket: f64,
    sent: u64,
}

/// The start of the half-second bucket holding `now`.
fn bucket_of(now: f64) -> f64 {
    (now * BUCKETS_PER_SECOND).floor() / BUCKETS_PER_SECOND
}

impl RateMeasure {
    /// No responses yet; the first bucket starts at the whole second before `now`.
    pub(crate) fn new(now: f64) -> RateMeasure {
        RateMeasure {
            rate: 0.0,
            bucket: now.floor(),
            count: 0,
            sent_bucket: bucket_of(now),
            sent: 0,
        }
    }

    /// Counts one attempt started at `now`.
    pub(crate) fn sent(&mut self, now: f64) {
        let bucket = bucket_of(now);
        if bucket > self.sent_bucket {
            self.sent_bucket = bucket;
            self.sent = 0;
        }
        self.sent += 1;
    }

    /// The rate to act on at `now`: the smoothed rate, or the rate of the attempts started in
    /// the open bucket when that is higher.
    pub(crate) fn current(&self, now: f64) -> f64 {
        if bucket_of(now) > self.sent_bucket {
            return self.rate;
        }
        let span = (now - self.sent_bucket).max(MIN_SPAN);
        self.rate.max(self.sent as f64 / span)
    }

    /// Counts one response at `now` and returns the smoothed rate. The response that opens a
    /// new bucket is counted in the one it closes, as the SDKs do.
    pub(crate) fn record(&mut self, now: f64) -> f64 {
        let bucket = bucket_of(now);
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
    fn attempts_in_the_open_bucket_count_before_it_closes() {
        let mut m = RateMeasure::new(0.0);
        // 64 attempts at once at the start, answered 20 ms later: the SDKs' rate is still 0.
        for _ in 0..64 {
            m.sent(0.0);
        }
        m.record(0.02);
        assert_eq!(m.rate(), 0.0);
        // Counted over at least 100 ms: 640/s.
        assert_close(m.current(0.02), 640.0, "64 in the first 100 ms");
        assert_close(m.current(0.4), 160.0, "64 in 400 ms");
        // A new half second without attempts: only the smoothed rate.
        assert_eq!(m.current(0.5), 0.0);
        m.record(0.5);
        assert_close(m.current(0.5), 3.2, "2 responses in [0, 0.5), smoothed");
        // One attempt at 0.6: 10/s over the first 100 ms of the bucket; by 0.9, 2.5/s, below
        // the smoothed rate, which wins.
        m.sent(0.6);
        assert_close(m.current(0.6), 10.0, "1 in 100 ms");
        assert_close(m.current(0.9), 3.2, "the smoothed rate");
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
