//! Counting, the progress line (only when stderr is a terminal) and the summary.

use std::collections::VecDeque;
use std::io::IsTerminal;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use super::call::Stats;
use crate::write_stderr;

/// The most often the progress line is redrawn.
const REDRAW: Duration = Duration::from_millis(250);
/// The current request rate is measured over this much time.
const RATE_WINDOW: Duration = Duration::from_secs(5);

#[derive(Debug)]
pub struct Progress {
    started: Instant,
    /// Items this run will send, when known up front (file inputs).
    pub total: Option<u64>,
    pub done: u64,
    pub failed: u64,
    pub skipped: u64,
    tty: bool,
    drawn: bool,
    last_draw: Option<Instant>,
    /// Calls made so far, sampled at each redraw, for the current request rate.
    samples: VecDeque<(Instant, u64)>,
}

impl Progress {
    pub fn new(total: Option<u64>) -> Progress {
        Progress {
            started: Instant::now(),
            total,
            done: 0,
            failed: 0,
            skipped: 0,
            tty: std::io::stderr().is_terminal(),
            drawn: false,
            last_draw: None,
            samples: VecDeque::new(),
        }
    }

    /// Requests per second over the last few seconds (calls, retries included).
    fn request_rate(&mut self, calls: u64) -> f64 {
        let now = Instant::now();
        self.samples.push_back((now, calls));
        while self
            .samples
            .front()
            .is_some_and(|(t, _)| now.duration_since(*t) > RATE_WINDOW)
        {
            self.samples.pop_front();
        }
        let (t0, c0) = self.samples.front().copied().unwrap_or((now, calls));
        let secs = now.duration_since(t0).as_secs_f64();
        if secs > 0.0 {
            (calls - c0) as f64 / secs
        } else {
            0.0
        }
    }

    fn rate(&self) -> f64 {
        let secs = self.started.elapsed().as_secs_f64();
        if secs > 0.0 {
            (self.done + self.failed) as f64 / secs
        } else {
            0.0
        }
    }

    /// Redraws the progress line if stderr is a terminal and the last redraw is old enough:
    /// items done, failed, items/s, the current request rate, throttled calls, ETA.
    pub fn tick(&mut self, stats: &Stats) {
        if !self.tty || self.last_draw.is_some_and(|t| t.elapsed() < REDRAW) {
            return;
        }
        self.last_draw = Some(Instant::now());
        let rate = self.rate();
        let requests = self.request_rate(stats.calls.load(Ordering::Relaxed));
        let processed = self.done + self.failed;
        let mut line = match self.total {
            Some(t) => format!("\r\x1b[K{processed}/{t} items"),
            None => format!("\r\x1b[K{processed} items"),
        };
        line.push_str(&format!(
            ", {} failed, {rate:.1} items/s, {requests:.1} req/s, {} throttled",
            self.failed,
            stats.throttled.load(Ordering::Relaxed)
        ));
        if let Some(t) = self.total {
            if rate > 0.0 && t >= processed {
                let eta = ((t - processed) as f64 / rate).round() as u64;
                line.push_str(&format!(", ETA {}", clock(eta)));
            }
        }
        write_stderr(&line);
        self.drawn = true;
    }

    /// Prints a line on stderr, clearing the progress line first.
    pub fn line(&mut self, text: &str) {
        self.clear();
        write_stderr(&format!("{text}\n"));
    }

    fn clear(&mut self) {
        if self.drawn {
            write_stderr("\r\x1b[K");
            self.drawn = false;
            self.last_draw = None;
        }
    }

    /// The closing summary line, with the calls that ended throttled and the items sent back
    /// to the queue.
    pub fn summary(&mut self, stats: &Stats) {
        let secs = self.started.elapsed().as_secs_f64();
        let rate = if secs > 0.0 {
            self.done as f64 / secs
        } else {
            0.0
        };
        let text = format!(
            "re-encrypted {}, failed {}, skipped (already done) {}, in {secs:.1} s ({rate:.1} \
             items/s); throttled {}, retried later {}",
            self.done,
            self.failed,
            self.skipped,
            stats.throttled.load(Ordering::Relaxed),
            stats.retried.load(Ordering::Relaxed)
        );
        self.line(&text);
    }
}

/// `H:MM:SS` or `M:SS`.
fn clock(secs: u64) -> String {
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m}:{s:02}")
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn clock_format() {
        assert_eq!(super::clock(5), "0:05");
        assert_eq!(super::clock(3725), "1:02:05");
    }
}
