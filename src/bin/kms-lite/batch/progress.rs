//! Counting, the progress line (only when stderr is a terminal) and the summary.

use std::collections::VecDeque;
use std::io::IsTerminal;
use std::time::{Duration, Instant};

use super::Context;
use super::call::Counts;
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
    /// Requests sent so far, sampled at each redraw, for the current request rate.
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

    /// Requests per second over the last few seconds (every attempt).
    fn request_rate(&mut self, requests: u64) -> f64 {
        let now = Instant::now();
        self.samples.push_back((now, requests));
        while self
            .samples
            .front()
            .is_some_and(|(t, _)| now.duration_since(*t) > RATE_WINDOW)
        {
            self.samples.pop_front();
        }
        let (t0, r0) = self.samples.front().copied().unwrap_or((now, requests));
        let secs = now.duration_since(t0).as_secs_f64();
        if secs > 0.0 {
            requests.saturating_sub(r0) as f64 / secs
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

    /// Redraws the progress line if stderr is a terminal and the last redraw is old enough.
    pub fn tick(&mut self, ctx: &Context) {
        if !self.tty || self.last_draw.is_some_and(|t| t.elapsed() < REDRAW) {
            return;
        }
        self.last_draw = Some(Instant::now());
        let c = ctx.counts();
        let windowed = self.request_rate(c.requests);
        let text = self.progress_text(self.rate(), windowed, &c);
        write_stderr(&format!("\r\x1b[K{text}"));
        self.drawn = true;
    }

    /// The progress line: items done, failed, items/s, the current request rate (adaptive
    /// mode: the client's measured rate; otherwise `windowed`, over the last few seconds) and
    /// what limits it, the throttled requests, the ETA.
    fn progress_text(&self, rate: f64, windowed: f64, c: &Counts) -> String {
        let processed = self.done + self.failed;
        let mut line = match self.total {
            Some(t) => format!("{processed}/{t} items"),
            None => format!("{processed} items"),
        };
        let requests = c.measured_rate.unwrap_or(windowed);
        line.push_str(&format!(
            ", {} failed, {rate:.1} items/s, {requests:.1} req/s{}, {} throttled",
            self.failed,
            limits(c),
            c.throttled
        ));
        if let Some(t) = self.total {
            if rate > 0.0 && t >= processed {
                let eta = ((t - processed) as f64 / rate).round() as u64;
                line.push_str(&format!(", ETA {}", clock(eta)));
            }
        }
        line
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

    /// The closing summary (and a note when throttling met a client that cannot slow down).
    pub fn summary(&mut self, c: &Counts) {
        let secs = self.started.elapsed().as_secs_f64();
        for text in self.summary_text(secs, c) {
            self.line(&text);
        }
    }

    fn summary_text(&self, secs: f64, c: &Counts) -> Vec<String> {
        let rate = if secs > 0.0 {
            self.done as f64 / secs
        } else {
            0.0
        };
        let requests_rate = if secs > 0.0 {
            c.requests as f64 / secs
        } else {
            0.0
        };
        let mut text = format!(
            "re-encrypted {}, failed {}, skipped (already done) {}, in {secs:.1} s ({rate:.1} \
             items/s); requests {} ({requests_rate:.1}/s), throttled {}",
            self.done, self.failed, self.skipped, c.requests, c.throttled
        );
        if c.requests > 0 {
            text.push_str(&format!(
                " ({:.1}%)",
                100.0 * c.throttled as f64 / c.requests as f64
            ));
        }
        text.push_str(&format!(", retried later {}", c.retried));
        if let Some(limit) = c.limit {
            text.push_str(&format!(
                "; adaptive rate limit at the end {limit:.1} req/s"
            ));
        }
        let mut lines = vec![text];
        if !c.adaptive && c.cap.is_none() && c.throttled > 0 {
            lines.push(
                "kms-lite: note: the retry mode is not adaptive (AWS_RETRY_MODE or retry_mode in \
                 the profile), so the batch did not slow down to the quota by itself; unset it, \
                 or cap the rate with --rate"
                    .to_owned(),
            );
        }
        lines
    }
}

/// ` (adaptive limit 97.5/s, cap 50/s)`: what bounds the request rate, if anything does.
fn limits(c: &Counts) -> String {
    let mut parts = Vec::new();
    if let Some(limit) = c.limit {
        parts.push(format!("adaptive limit {limit:.1}/s"));
    }
    if let Some(cap) = c.cap {
        parts.push(format!("cap {cap}/s"));
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!(" ({})", parts.join(", "))
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
    use super::*;

    #[test]
    fn clock_format() {
        assert_eq!(super::clock(5), "0:05");
        assert_eq!(super::clock(3725), "1:02:05");
    }

    fn counts(adaptive: bool) -> Counts {
        Counts {
            requests: 1250,
            throttled: 50,
            retried: 3,
            adaptive,
            measured_rate: adaptive.then_some(97.46),
            limit: None,
            cap: None,
        }
    }

    fn progress(total: Option<u64>) -> Progress {
        let mut p = Progress::new(total);
        (p.done, p.failed, p.skipped) = (1190, 10, 7);
        p
    }

    #[test]
    fn the_progress_line_shows_the_request_rate_what_limits_it_and_every_throttled_request() {
        let p = progress(Some(2400));
        // Adaptive, not yet limiting: the client's measured rate, not the windowed one.
        assert_eq!(
            p.progress_text(100.0, 80.0, &counts(true)),
            "1200/2400 items, 10 failed, 100.0 items/s, 97.5 req/s, 50 throttled, ETA 0:12"
        );
        let limited = Counts {
            limit: Some(98.25),
            cap: Some(120.0),
            ..counts(true)
        };
        assert_eq!(
            p.progress_text(100.0, 80.0, &limited),
            "1200/2400 items, 10 failed, 100.0 items/s, 97.5 req/s (adaptive limit 98.2/s, cap \
             120/s), 50 throttled, ETA 0:12"
        );
        // Standard mode: the rate over the last seconds; an input of unknown length.
        let standard = Counts {
            cap: Some(0.5),
            ..counts(false)
        };
        assert_eq!(
            progress(None).progress_text(100.0, 80.0, &standard),
            "1200 items, 10 failed, 100.0 items/s, 80.0 req/s (cap 0.5/s), 50 throttled"
        );
    }

    #[test]
    fn the_summary_counts_requests_and_throttled_ones_and_says_when_nothing_adapts() {
        let p = progress(Some(2400));
        let adaptive = Counts {
            limit: Some(101.04),
            ..counts(true)
        };
        assert_eq!(
            p.summary_text(12.0, &adaptive),
            vec![
                "re-encrypted 1190, failed 10, skipped (already done) 7, in 12.0 s (99.2 items/s); \
                 requests 1250 (104.2/s), throttled 50 (4.0%), retried later 3; adaptive rate \
                 limit at the end 101.0 req/s"
            ]
        );
        let standard = p.summary_text(12.0, &counts(false));
        assert_eq!(standard.len(), 2);
        assert_eq!(
            standard[0],
            "re-encrypted 1190, failed 10, skipped (already done) 7, in 12.0 s (99.2 items/s); \
             requests 1250 (104.2/s), throttled 50 (4.0%), retried later 3"
        );
        assert!(
            standard[1].starts_with("kms-lite: note: the retry mode is not adaptive"),
            "{standard:?}"
        );
        // No note under --rate, nor without throttling; no percentage of nothing.
        let capped = Counts {
            cap: Some(10.0),
            ..counts(false)
        };
        assert_eq!(p.summary_text(12.0, &capped).len(), 1);
        let quiet = Counts {
            requests: 0,
            throttled: 0,
            ..counts(false)
        };
        assert_eq!(
            p.summary_text(0.0, &quiet),
            vec![
                "re-encrypted 1190, failed 10, skipped (already done) 7, in 0.0 s (0.0 items/s); \
                 requests 0 (0.0/s), throttled 0, retried later 3"
            ]
        );
    }
}
