//! Slow start: the calls in flight start at [`INITIAL`] and grow by one with each call that
//! ends unthrottled (so they double every round trip, as TCP's window does), until they reach
//! `--concurrency` or a throttling answer has been seen; from then on every worker may call and
//! the client's adaptive rate limiter, which has learnt something, paces them. Without it,
//! `--concurrency 256` sends 256 requests in the first round trip, before any answer can say
//! the quota is lower (docs/batch.md, "Rate control", has the measurements).

use std::sync::{Condvar, Mutex, MutexGuard};

/// Calls in flight at the start.
pub const INITIAL: usize = 8;

#[derive(Debug)]
struct State {
    /// Calls allowed in flight; `usize::MAX` once open.
    window: usize,
    in_flight: usize,
}

#[derive(Debug)]
pub struct Ramp {
    /// `--concurrency`: the window opens fully when it gets there.
    max: usize,
    state: Mutex<State>,
    cv: Condvar,
}

impl Ramp {
    pub fn new(max: usize) -> Ramp {
        let window = if max <= INITIAL { usize::MAX } else { INITIAL };
        Ramp {
            max,
            state: Mutex::new(State {
                window,
                in_flight: 0,
            }),
            cv: Condvar::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Waits until one more call may be in flight, and counts it.
    pub fn enter(&self) {
        let mut s = self.lock();
        while s.in_flight >= s.window {
            s = self.cv.wait(s).unwrap_or_else(|p| p.into_inner());
        }
        s.in_flight += 1;
    }

    /// A call ended; `throttled` says whether a throttling answer has been seen (by this call
    /// or another), asked only while the ramp is still closed.
    pub fn leave(&self, throttled: impl FnOnce() -> bool) {
        let mut s = self.lock();
        s.in_flight = s.in_flight.saturating_sub(1);
        if s.window != usize::MAX && (throttled() || s.window.saturating_add(1) >= self.max) {
            s.window = usize::MAX;
            self.cv.notify_all();
        } else if s.window != usize::MAX {
            s.window += 1;
            // Room for two: the one that left and the one the window grew by.
            self.cv.notify_one();
            self.cv.notify_one();
        } else {
            self.cv.notify_one();
        }
    }

    /// Calls allowed in flight now (`None`: no limit).
    #[cfg(test)]
    fn window(&self) -> Option<usize> {
        let w = self.lock().window;
        (w != usize::MAX).then_some(w)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_per_round_trip_until_the_concurrency() {
        let r = Ramp::new(32);
        assert_eq!(r.window(), Some(8));
        // A round trip: the 8 in flight end unthrottled, 16 may go.
        for _ in 0..8 {
            r.enter();
        }
        for _ in 0..8 {
            r.leave(|| false);
        }
        assert_eq!(r.window(), Some(16));
        for _ in 0..16 {
            r.enter();
        }
        for _ in 0..15 {
            r.leave(|| false);
        }
        assert_eq!(r.window(), Some(31));
        // Reaching --concurrency opens it.
        r.leave(|| false);
        assert_eq!(r.window(), None);
    }

    #[test]
    fn a_throttling_answer_opens_it_and_small_concurrency_never_waits() {
        let r = Ramp::new(256);
        r.enter();
        r.enter();
        r.leave(|| true);
        assert_eq!(r.window(), None);
        // Open: every worker enters at once.
        for _ in 0..300 {
            r.enter();
        }
        assert_eq!(Ramp::new(8).window(), None);
        assert_eq!(Ramp::new(1).window(), None);
        assert_eq!(Ramp::new(9).window(), Some(8));
    }
}
