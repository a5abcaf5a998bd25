//! `--rate`: the gate every worker passes before a request, a hard cap in requests per second
//! (a token bucket holding one token, so requests are spaced evenly, on the monotonic clock).

use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Debug)]
pub struct Gate {
    /// The spacing between requests, if capped.
    interval: Option<Duration>,
    /// No request starts before this instant.
    next: Mutex<Option<Instant>>,
}

impl Gate {
    /// A gate letting `rate` requests per second through (`None`: no cap).
    pub fn new(rate: Option<f64>) -> Gate {
        Gate {
            interval: rate.map(|r| Duration::from_secs_f64(1.0 / r)),
            next: Mutex::new(None),
        }
    }

    /// Waits for this caller's turn.
    pub fn acquire(&self) {
        let now = Instant::now();
        let start = self.reserve(now);
        if start > now {
            std::thread::sleep(start - now);
        }
    }

    /// The instant at which a caller arriving at `now` may start, taking that turn.
    fn reserve(&self, now: Instant) -> Instant {
        let Some(interval) = self.interval else {
            return now;
        };
        let mut next = self.next.lock().unwrap_or_else(|p| p.into_inner());
        let start = next.map_or(now, |n| n.max(now));
        *next = Some(start + interval);
        start
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn turns_are_spaced_at_the_rate_and_idle_time_is_not_banked() {
        let gate = Gate::new(Some(100.0));
        let t0 = Instant::now();
        let ms = Duration::from_millis;
        // Eleven callers at once: every 10 ms.
        let turns: Vec<Duration> = (0..11).map(|_| gate.reserve(t0) - t0).collect();
        assert_eq!(turns, (0..11).map(|i| ms(10 * i)).collect::<Vec<_>>());
        // After a long idle spell, one turn at once, then spaced again: no burst.
        let later = t0 + ms(1000);
        assert_eq!(gate.reserve(later), later);
        assert_eq!(gate.reserve(later), later + ms(10));

        let open = Gate::new(None);
        assert_eq!(open.reserve(t0), t0);
        assert_eq!(open.reserve(t0), t0);
    }
}
