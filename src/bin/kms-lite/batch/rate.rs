//! The gate every worker passes before a call: `--rate`, a hard cap in calls per second (a
//! token bucket holding one token, so calls are spaced evenly, on the monotonic clock), and
//! the slow start.
//!
//! Slow start: until a throttling answer has been seen, calls are also spaced at a rate that
//! starts at [`START_RATE`] and doubles every [`DOUBLING`]. Nothing tells the client the quota
//! before it is throttled: without this, `--concurrency 256` sends 256 calls in the first round
//! trip, and the rate it is measured at when the first throttling answer comes is far above
//! the quota, so the adaptive limiter's cuts take several round trips to come down to it
//! (docs/batch.md, "Rate control", has the measurements). A rate that grows by time, rather
//! than calls in flight that grow with every answer, is at most a few times the quota when the
//! service's own burst allowance runs out. Once throttled, the client's adaptive limiter paces
//! the calls and the slow start ends.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// The slow start's first rate, calls per second.
pub const START_RATE: f64 = 20.0;
/// The slow start's rate doubles this often.
pub const DOUBLING: Duration = Duration::from_millis(250);
/// Above this rate the slow start no longer spaces anything.
const NO_LIMIT: f64 = 1e6;
/// The longest single sleep at the gate: a run that stops has its waiting callers back this
/// soon (under `--rate 0.01` a turn may be minutes away).
const NAP: Duration = Duration::from_millis(100);

#[derive(Debug)]
pub struct Gate {
    /// `--rate`: the spacing between calls, if capped.
    cap: Option<Duration>,
    /// When the slow start began: at the first call (not at the start of the run, which may
    /// spend a while reading a directory or skipping journaled items).
    began: OnceLock<Instant>,
    /// Whether the slow start has ended (a throttling answer was seen).
    slow_start_over: AtomicBool,
    /// No call starts before this instant.
    next: Mutex<Option<Instant>>,
    /// Set when the run stops: callers still waiting give up their turn.
    stopped: Arc<AtomicBool>,
}

impl Gate {
    /// A gate letting `rate` calls per second through (`None`: no cap), after a slow start
    /// from the first call, until `stopped` is set.
    pub fn new(rate: Option<f64>, stopped: Arc<AtomicBool>) -> Gate {
        Gate {
            cap: rate.map(|r| Duration::from_secs_f64(1.0 / r)),
            began: OnceLock::new(),
            slow_start_over: AtomicBool::new(false),
            next: Mutex::new(None),
            stopped,
        }
    }

    /// Waits for this caller's turn: `false` if the run stopped first (the caller must not
    /// call).
    pub fn acquire(&self) -> bool {
        let start = self.reserve(Instant::now());
        loop {
            if self.stopped.load(Ordering::Relaxed) {
                return false;
            }
            let now = Instant::now();
            if now >= start {
                return true;
            }
            std::thread::sleep((start - now).min(NAP));
        }
    }

    /// Whether the slow start is over.
    pub fn slow_start_over(&self) -> bool {
        self.slow_start_over.load(Ordering::Relaxed)
    }

    /// Ends the slow start (a throttling answer was seen): from now on only `--rate` spaces
    /// calls. Turns already given out stand; the client's limiter paces them.
    pub fn end_slow_start(&self) {
        self.slow_start_over.store(true, Ordering::Relaxed);
    }

    /// The spacing after a call starting at `at`: the cap's or the slow start's, the larger.
    fn spacing(&self, at: Instant) -> Option<Duration> {
        let ramp = if self.slow_start_over() {
            None
        } else {
            let began = *self.began.get_or_init(|| at);
            let doublings =
                at.saturating_duration_since(began).as_secs_f64() / DOUBLING.as_secs_f64();
            let rate = START_RATE * doublings.min(64.0).exp2();
            (rate < NO_LIMIT).then(|| Duration::from_secs_f64(1.0 / rate))
        };
        match (self.cap, ramp) {
            (Some(c), Some(r)) => Some(c.max(r)),
            (c, r) => c.or(r),
        }
    }

    /// The instant at which a caller arriving at `now` may start, taking that turn.
    fn reserve(&self, now: Instant) -> Instant {
        let mut next = self.next.lock().unwrap_or_else(|p| p.into_inner());
        let start = next.map_or(now, |n| n.max(now));
        *next = self.spacing(start).map(|s| start + s);
        start
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: fn(u64) -> Duration = Duration::from_millis;

    fn new_gate(rate: Option<f64>) -> Gate {
        Gate::new(rate, Arc::new(AtomicBool::new(false)))
    }

    /// A gate whose slow start began at `t0`.
    fn starting_at(rate: Option<f64>, t0: Instant) -> Gate {
        let gate = new_gate(rate);
        gate.began.set(t0).unwrap();
        gate
    }

    /// A gate past its slow start.
    fn past_slow_start(rate: Option<f64>, t0: Instant) -> Gate {
        let gate = starting_at(rate, t0);
        gate.end_slow_start();
        gate
    }

    #[test]
    fn turns_are_spaced_at_the_rate_and_idle_time_is_not_banked() {
        let t0 = Instant::now();
        let gate = past_slow_start(Some(100.0), t0);
        // Eleven callers at once: every 10 ms.
        let turns: Vec<Duration> = (0..11).map(|_| gate.reserve(t0) - t0).collect();
        assert_eq!(turns, (0..11).map(|i| MS(10 * i)).collect::<Vec<_>>());
        // After a long idle spell, one turn at once, then spaced again: no burst.
        let later = t0 + MS(1000);
        assert_eq!(gate.reserve(later), later);
        assert_eq!(gate.reserve(later), later + MS(10));

        let open = past_slow_start(None, t0);
        assert_eq!(open.reserve(t0), t0);
        assert_eq!(open.reserve(t0), t0);
    }

    #[test]
    fn the_slow_start_doubles_the_rate_every_quarter_second_until_throttled() {
        let t0 = Instant::now();
        let gate = starting_at(None, t0);
        // 256 workers at once: the first at once, the second 50 ms later (20/s), ...
        let turns: Vec<Duration> = (0..256).map(|_| gate.reserve(t0) - t0).collect();
        assert_eq!((turns[0], turns[1]), (Duration::ZERO, MS(50)));
        // ... the gaps shrink as the rate doubles: from 20/s at 0 to 40/s at 0.25 s, ...
        for w in turns.windows(3) {
            assert!(w[2] - w[1] <= w[1] - w[0], "{turns:?}");
        }
        // ... so that by t the turns given out are at most the integral of the rate,
        // 20 × 0.25 s / ln 2 × (2^(t / 0.25 s) − 1), plus the one at 0: 256 turns take more
        // than 1.28 s.
        let by = |t: f64| 1.0 + START_RATE * 0.25 / 2f64.ln() * ((t / 0.25).exp2() - 1.0);
        for (i, turn) in turns.iter().enumerate() {
            assert!(
                (i + 1) as f64 <= by(turn.as_secs_f64()) + 1.0,
                "turn {i} at {turn:?}"
            );
        }
        assert!(turns[255] > MS(1280), "{:?}", turns[255]);
        // A throttling answer ends it: turns already given out stand (the next was set with
        // the last turn's spacing), and from then on, without --rate, callers go at once.
        gate.end_slow_start();
        let last = t0 + turns[255];
        let first = gate.reserve(t0);
        assert!(first > last && first < last + MS(50), "{:?}", first - last);
        assert_eq!(gate.reserve(t0), t0);
        assert_eq!(gate.reserve(t0), t0);
    }

    #[test]
    fn the_cap_holds_during_the_slow_start_and_the_slow_start_ends_by_itself() {
        let t0 = Instant::now();
        // --rate 5: slower than the slow start's 20/s.
        let gate = starting_at(Some(5.0), t0);
        assert_eq!(gate.reserve(t0), t0);
        assert_eq!(gate.reserve(t0), t0 + MS(200));
        // --rate 1000 and the slow start's 20/s: 50 ms.
        let gate = starting_at(Some(1000.0), t0);
        assert_eq!(gate.reserve(t0), t0);
        assert_eq!(gate.reserve(t0), t0 + MS(50));
        // The slow start begins at the first call, not when the gate is made.
        let gate = new_gate(None);
        let late = t0 + Duration::from_secs(60);
        assert_eq!(gate.reserve(late), late);
        assert_eq!(gate.reserve(late), late + MS(50));
        // Never throttled: after 16 doublings (4 s) the slow start's rate is 1.3 million/s,
        // and it spaces nothing.
        let gate = starting_at(None, t0);
        let late = t0 + Duration::from_secs(4);
        assert_eq!(gate.reserve(late), late);
        assert_eq!(gate.reserve(late), late);
    }

    /// A caller whose turn is far away (1000 s under `--rate 0.001`) is back, without a
    /// call, once the run stops: the run ended only after every such turn (a run that gave up
    /// took 20 s to end, and sent 3 more requests, under `--rate 0.2 --concurrency 4`).
    #[test]
    fn a_stopped_run_has_its_waiting_callers_back_at_once() {
        let stopped = Arc::new(AtomicBool::new(false));
        let gate = Arc::new(Gate::new(Some(0.001), Arc::clone(&stopped)));
        gate.end_slow_start();
        assert!(gate.acquire());
        let (tx, rx) = std::sync::mpsc::channel();
        let waiting = Arc::clone(&gate);
        let waiter = std::thread::spawn(move || tx.send(waiting.acquire()).unwrap());
        stopped.store(true, Ordering::Relaxed);
        // Bounded only so that the old behaviour fails rather than hangs: 1000 s to wait.
        let got = rx.recv_timeout(Duration::from_secs(300));
        assert_eq!(got, Ok(false));
        waiter.join().unwrap();
        // Once stopped, no turn is given.
        assert!(!gate.acquire());
    }
}
