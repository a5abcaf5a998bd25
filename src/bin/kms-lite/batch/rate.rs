//! The gate every worker passes before a request: an optional cap in requests per second
//! (a token bucket holding one token, so requests are spaced evenly, on the monotonic clock)
//! and a shared pause that a throttled worker imposes on all of them.

use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Debug)]
pub struct Gate {
    /// The spacing between requests, if capped.
    interval: Option<Duration>,
    /// No request starts before this instant.
    next: Mutex<Instant>,
}

impl Gate {
    /// A gate letting `rate` requests per second through (`None`: no cap).
    pub fn new(rate: Option<f64>) -> Gate {
        Gate {
            interval: rate.map(|r| Duration::from_secs_f64(1.0 / r)),
            next: Mutex::new(Instant::now()),
        }
    }

    /// Waits for this caller's turn.
    pub fn acquire(&self) {
        let now = Instant::now();
        let start = {
            let mut next = self.next.lock().unwrap_or_else(|p| p.into_inner());
            let start = (*next).max(now);
            *next = match self.interval {
                Some(i) => start + i,
                None => start,
            };
            start
        };
        if start > now {
            std::thread::sleep(start - now);
        }
    }

    /// Holds every worker back for `pause` from now (after the service throttled us even
    /// through the client's retries).
    pub fn pause(&self, pause: Duration) {
        let until = Instant::now() + pause;
        let mut next = self.next.lock().unwrap_or_else(|p| p.into_inner());
        if *next < until {
            *next = until;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spaces_requests_at_the_rate() {
        let gate = Gate::new(Some(100.0));
        let t0 = Instant::now();
        for _ in 0..11 {
            gate.acquire();
        }
        // 11 requests at 100/s: the last starts 100 ms after the first.
        assert!(t0.elapsed() >= Duration::from_millis(95));
    }

    #[test]
    fn uncapped_gate_does_not_wait_and_pause_holds_everyone() {
        let gate = Gate::new(None);
        let t0 = Instant::now();
        for _ in 0..1000 {
            gate.acquire();
        }
        assert!(t0.elapsed() < Duration::from_secs(1));
        gate.pause(Duration::from_millis(50));
        let t1 = Instant::now();
        gate.acquire();
        assert!(t1.elapsed() >= Duration::from_millis(45));
    }
}
