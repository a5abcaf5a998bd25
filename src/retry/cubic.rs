//! The CUBIC curve of adaptive mode: after a throttling response at rate `W_max`, the allowed
//! send rate drops to `BETA × W_max`, then follows `C × (t − K)³ + W_max`, where `t` is the time
//! since that response and `K = ∛(W_max × (1 − BETA) / C)` is when the curve is back at `W_max`.
//! It rises fast, flattens near the rate that was throttled, then probes above it.
//!
//! The constants are the AWS SDKs' (botocore `retries/throttling.py`, Go `adaptive_ratelimit.go`,
//! Rust `client_rate_limiter.rs`), with one change: the SDKs' `C` is 0.4 whatever the rate, so
//! the curve takes ∛(0.75 × W_max) seconds to come back (4.2 s at 100/s, 6.7 s at 400/s) and
//! ∛(W_max / 0.4) more to double (6.3 s, 10 s): slow to find a quota that grew. Here `C` is 0.4
//! up to 10 requests/s (the SDKs' curve exactly) and `0.4 × √(W_max / 10)` above: back in 2.9 s
//! and doubled 4.3 s later at 100/s, 3.6 s and 5.4 s at 400/s. Growing with the square root of
//! the rate, not in proportion to it, keeps the SDKs' fairness: clients sharing a quota converge
//! to equal shares only if the smaller ones grow back faster relative to their rate (a `C`
//! proportional to `W_max` kept one of three shards at 8/s beside two at 50/s; measurements in
//! docs/reliability.md). Pure arithmetic: times are seconds on the client's clock.

/// The share of the throttled rate kept after a throttling response.
pub(crate) const BETA: f64 = 0.7;
/// How fast the curve grows back at rates up to [`SCALE_RATE`] (rate units per second cubed).
pub(crate) const SCALE: f64 = 0.4;
/// Above this rate (requests/s), the growth constant grows with the square root of `W_max`.
pub(crate) const SCALE_RATE: f64 = 10.0;

/// The curve since the last throttling response.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Cubic {
    /// The rate at the last throttling response.
    w_max: f64,
    /// When that was.
    last_cut: f64,
}

impl Cubic {
    /// A curve as if a throttling response had come at `w_max` at time `at`, without the cut.
    pub(crate) fn new(w_max: f64, at: f64) -> Cubic {
        Cubic {
            w_max,
            last_cut: at,
        }
    }

    /// The growth constant `C` for this curve.
    fn scale(&self) -> f64 {
        SCALE * (self.w_max / SCALE_RATE).max(1.0).sqrt()
    }

    /// Seconds from the last cut until the curve is back at `w_max` (`K`).
    pub(crate) fn time_to_recover(&self) -> f64 {
        (self.w_max * (1.0 - BETA) / self.scale()).cbrt()
    }

    /// The rate the curve allows at `now` (botocore's `success_received`).
    pub(crate) fn rate_at(&self, now: f64) -> f64 {
        let dt = now - self.last_cut - self.time_to_recover();
        self.scale() * dt * dt * dt + self.w_max
    }

    /// When the last throttling response came.
    pub(crate) fn last_cut(&self) -> f64 {
        self.last_cut
    }

    /// A throttling response at `now` while sending at `rate`: the curve restarts from there;
    /// returns the new rate, `BETA × rate` (botocore's `error_received`).
    pub(crate) fn cut(&mut self, rate: f64, now: f64) -> f64 {
        self.w_max = rate;
        self.last_cut = now;
        rate * BETA
    }
}

#[cfg(test)]
pub(crate) fn assert_close(got: f64, want: f64, what: &str) {
    let tolerance = 1e-9 * want.abs().max(1.0);
    assert!(
        (got - want).abs() <= tolerance,
        "{what}: got {got}, want {want}"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    // botocore tests/unit/retries/test_throttling.py: starting at W_max 10.
    #[test]
    fn recovery_time_and_shape_around_w_max() {
        let cubic = Cubic::new(10.0, 0.0);
        let k = cubic.time_to_recover();
        assert_close(k, 1.957_433_820_584_431_7, "K for W_max 10");
        for t in [k / 3.0, k / 2.0, k / 1.1] {
            assert!(cubic.rate_at(t) <= 10.0, "below W_max before K (t = {t})");
        }
        assert_close(cubic.rate_at(k), 10.0, "W_max at K");
        for t in [k * 1.1, k * 2.0] {
            assert!(cubic.rate_at(t) >= 10.0, "above W_max after K (t = {t})");
        }
    }

    #[test]
    fn a_cut_keeps_beta_and_restarts_the_curve_there() {
        let mut cubic = Cubic::new(10.0, 0.0);
        assert_close(cubic.cut(8.0, 1.0), 8.0 * 0.7, "8 TPS throttled");
        assert_eq!((cubic.w_max, cubic.last_cut()), (8.0, 1.0));
        assert_close(cubic.time_to_recover(), 1.817_120_592_832_139_7, "K for 8");
        // At the instant of the cut the curve is at BETA × W_max.
        assert_close(cubic.rate_at(1.0), 5.6, "the curve at the cut");
    }

    // The Go SDK's TestAdaptiveRateLimit_cubic ("success"), which the Rust SDK ported as
    // test_calculated_rate_with_successes: W_max 10, last throttle at t = 5.
    #[test]
    fn sdk_table_successes() {
        let cubic = Cubic::new(10.0, 5.0);
        for (t, want) in [
            (5.0, 7.0),
            (6.0, 9.648_936_009_66),
            (7.0, 10.000_030_849_917_364),
            (8.0, 10.453_284_520_772_092),
            (9.0, 13.408_697_022_224_185),
            (10.0, 21.266_268_354_273_64),
            (11.0, 36.425_998_516_920_465),
        ] {
            assert_close(cubic.rate_at(t), want, &format!("t = {t}"));
        }
    }

    // The same test's "mixed" case: each throttle cuts the last calculated rate (the SDKs'
    // test feeds the calculated rate back as the sending rate).
    #[test]
    fn sdk_table_mixed() {
        let mut cubic = Cubic::new(10.0, 5.0);
        let mut rate = 0.0;
        for (throttled, t, want) in [
            (false, 5.0, 7.0),
            (false, 6.0, 9.648_936_009_66),
            (true, 7.0, 6.754_255_206_761_999),
            (true, 8.0, 4.727_978_644_733_399),
            (false, 9.0, 4.670_125_557_970_046),
            (false, 10.0, 4.770_870_456_867_401),
            (false, 11.0, 6.011_819_748_005_445),
            (false, 12.0, 10.792_973_431_384_178),
        ] {
            rate = if throttled {
                // The SDK test records the *cut* rate as the new W_max.
                let cut = cubic.cut(rate, t);
                cubic = Cubic::new(cut, t);
                cut
            } else {
                cubic.rate_at(t)
            };
            assert_close(rate, want, &format!("t = {t}"));
        }
    }

    // Above 10/s, C = 0.4 × √(W_max / 10): K and the time to double W_max after it.
    #[test]
    fn faster_rates_grow_back_with_the_square_root_of_the_rate() {
        for (w_max, k, double) in [
            (10.0, 1.957_433_820_584_431_7, 2.924_017_738_212_866),
            (100.0, 2.873_119_928_272_498, 4.291_871_094_662_785),
            (400.0, 3.619_904_276_502_968_5, 5.407_418_735_600_994),
        ] {
            let c = Cubic::new(w_max, 0.0);
            assert_close(c.time_to_recover(), k, "K");
            assert_close(c.rate_at(0.0), 0.7 * w_max, "the cut");
            assert_close(c.rate_at(k), w_max, "back at W_max");
            assert_close(c.rate_at(k + double), 2.0 * w_max, "doubled");
        }
        // Below 10/s, the SDKs' constant.
        let c = Cubic::new(5.0, 0.0);
        assert_close(
            c.time_to_recover(),
            (5.0_f64 * 0.3 / 0.4).cbrt(),
            "K at 5/s",
        );
    }
}
