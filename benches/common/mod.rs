//! Shared bench helpers: the timing loop, the result table, the fixtures (inputs, canned
//! responses, a fake transport) and a std-only loopback HTTP server.
//!
//! Used by the `harness = false` benches of kms-lite (`mod common;`) and, through `#[path]`,
//! by the comparison crate in `benches/compare/`, so every figure is taken the same way.
//!
//! How a figure is taken: the iteration count is calibrated so that one sample takes about
//! `BENCH_MS` milliseconds (default 150), then `BENCH_SAMPLES` samples (default 7) are timed and
//! the median ns/op is reported with the spread (max - min over median). Arguments that do not
//! start with `-` filter the rows by substring.
//!
//! The clock: on a shared machine the wall clock also counts the time the thread waits for a
//! core, so in-process figures use the thread's on-CPU time (`/proc/thread-self/schedstat`,
//! nanoseconds) where Linux offers it, and the wall clock otherwise or when `BENCH_CLOCK=wall`.
//! Round trips through a server thread always use the wall clock.
#![allow(dead_code)]

pub mod fixtures;
pub mod loopback;

use std::time::{Duration, Instant};

/// What a sample's time is read from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Clock {
    /// The thread's on-CPU time.
    Cpu,
    /// `Instant`.
    Wall,
}

/// The calling thread's on-CPU time in nanoseconds, if the kernel reports it.
pub fn thread_cpu_ns() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    text.split_whitespace().next()?.parse().ok()
}

fn now(clock: Clock) -> (Instant, u64) {
    let cpu = match clock {
        Clock::Cpu => thread_cpu_ns().unwrap_or(0),
        Clock::Wall => 0,
    };
    (Instant::now(), cpu)
}

fn elapsed_ns(clock: Clock, start: (Instant, u64)) -> f64 {
    match clock {
        Clock::Cpu => thread_cpu_ns().unwrap_or(0).saturating_sub(start.1) as f64,
        Clock::Wall => start.0.elapsed().as_nanos() as f64,
    }
}

/// Timing settings, from the environment.
#[derive(Clone, Debug)]
pub struct Settings {
    /// The clock of in-process figures.
    pub clock: Clock,
    /// Time per sample.
    pub sample: Duration,
    /// Samples per figure (the median is reported).
    pub samples: usize,
    /// Substrings selecting rows; empty selects every row.
    pub filters: Vec<String>,
}

impl Settings {
    /// `BENCH_MS`, `BENCH_SAMPLES` and the non-flag arguments.
    pub fn from_env() -> Settings {
        let ms = std::env::var("BENCH_MS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(150u64);
        let samples = std::env::var("BENCH_SAMPLES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(7usize)
            .max(1);
        let filters = std::env::args()
            .skip(1)
            .filter(|a| !a.starts_with('-'))
            .collect();
        let cpu_works = thread_cpu_ns().is_some_and(|t| t > 0);
        let clock = match std::env::var("BENCH_CLOCK").as_deref() {
            Ok("wall") => Clock::Wall,
            _ if cpu_works => Clock::Cpu,
            _ => Clock::Wall,
        };
        Settings {
            clock,
            sample: Duration::from_millis(ms),
            samples,
            filters,
        }
    }

    fn selects(&self, name: &str) -> bool {
        self.filters.is_empty() || self.filters.iter().any(|f| name.contains(f.as_str()))
    }
}

/// One timed figure.
#[derive(Clone, Debug)]
pub struct Measurement {
    /// Median nanoseconds per operation.
    pub ns: f64,
    /// (max - min) / median of the samples.
    pub spread: f64,
}

/// Times `f` on `clock`: calibrates an iteration count for `sample` (by the wall clock), then
/// takes `samples` samples and returns the median ns/op.
pub fn measure(settings: &Settings, clock: Clock, mut f: impl FnMut()) -> Measurement {
    // Warm up and calibrate: double the count until a batch takes 1/10 of a sample.
    let mut iters = 1u64;
    loop {
        let t = Instant::now();
        for _ in 0..iters {
            f();
        }
        let el = t.elapsed();
        if el >= settings.sample / 10 || iters >= 1 << 40 {
            let per = el.as_secs_f64() / iters as f64;
            iters = ((settings.sample.as_secs_f64() / per.max(1e-12)) as u64).max(1);
            break;
        }
        iters *= 2;
    }
    let mut samples: Vec<f64> = (0..settings.samples)
        .map(|_| {
            let start = now(clock);
            for _ in 0..iters {
                f();
            }
            elapsed_ns(clock, start) / iters as f64
        })
        .collect();
    samples.sort_by(f64::total_cmp);
    let median = samples[samples.len() / 2];
    let spread = (samples[samples.len() - 1] - samples[0]) / median;
    Measurement { ns: median, spread }
}

/// A row of the table.
#[derive(Clone, Debug)]
pub struct Row {
    /// What was measured.
    pub name: String,
    /// The figure.
    pub m: Measurement,
    /// Bytes processed per operation, for MB/s.
    pub bytes: Option<usize>,
    /// Another row's name and this row's ns/op divided by that row's.
    pub ratio: Option<(String, f64)>,
    /// How the figure is counted, when not ns/op (for example calls/s).
    pub note: Option<String>,
}

/// The result table of one bench program.
#[derive(Debug)]
pub struct Table {
    /// Timing settings.
    pub settings: Settings,
    /// Rows, in the order measured.
    pub rows: Vec<Row>,
}

impl Table {
    /// An empty table with the environment's settings.
    pub fn new() -> Table {
        Table {
            settings: Settings::from_env(),
            rows: Vec::new(),
        }
    }

    /// Whether `name` is selected by the command-line filters.
    pub fn selects(&self, name: &str) -> bool {
        self.settings.selects(name)
    }

    /// Measures `f` as row `name` (when selected) on the settings' clock; `bytes` per operation
    /// give MB/s.
    pub fn bench(&mut self, name: &str, bytes: Option<usize>, f: impl FnMut()) {
        let clock = self.settings.clock;
        self.bench_on(clock, name, bytes, f);
    }

    /// Like [`Table::bench`], on the wall clock (round trips through other threads).
    pub fn bench_wall(&mut self, name: &str, bytes: Option<usize>, f: impl FnMut()) {
        self.bench_on(Clock::Wall, name, bytes, f);
    }

    fn bench_on(&mut self, clock: Clock, name: &str, bytes: Option<usize>, f: impl FnMut()) {
        if !self.selects(name) {
            return;
        }
        let m = measure(&self.settings, clock, f);
        eprintln!("  {name}: {:.0} ns/op", m.ns);
        self.rows.push(Row {
            name: name.to_owned(),
            m,
            bytes,
            ratio: None,
            note: None,
        });
    }

    /// Adds a figure measured elsewhere (for example a round-trip rate).
    pub fn push(&mut self, name: &str, ns: f64, spread: f64, note: Option<String>) {
        self.rows.push(Row {
            name: name.to_owned(),
            m: Measurement { ns, spread },
            bytes: None,
            ratio: None,
            note,
        });
    }

    /// The median ns/op of row `name`, if measured.
    pub fn ns(&self, name: &str) -> Option<f64> {
        self.rows.iter().find(|r| r.name == name).map(|r| r.m.ns)
    }

    /// Sets row `name`'s ratio to row `reference` (when both were measured).
    pub fn ratio(&mut self, name: &str, reference: &str) {
        let Some(r) = self.ns(reference) else { return };
        if let Some(row) = self.rows.iter_mut().find(|row| row.name == name) {
            row.ratio = Some((reference.to_owned(), row.m.ns / r));
        }
    }

    /// Prints the table as Markdown.
    pub fn print(&self, title: &str) {
        println!();
        let clock = match self.settings.clock {
            Clock::Cpu => "thread on-CPU time",
            Clock::Wall => "wall clock",
        };
        println!(
            "{title} (median of {} samples of ~{} ms; {clock}, round trips on the wall clock)",
            self.settings.samples,
            self.settings.sample.as_millis()
        );
        println!();
        println!(
            "| {:<44} | {:>12} | {:>9} | {:>7} | {:<40} |",
            "name", "ns/op", "MB/s", "spread", "ratio"
        );
        println!(
            "|{:-<46}|{:->14}|{:->11}|{:->9}|{:-<42}|",
            ":", ":", ":", ":", ":"
        );
        for r in &self.rows {
            let mbs = match r.bytes {
                Some(b) if r.m.ns > 0.0 => format!("{:.0}", b as f64 * 1e3 / r.m.ns),
                _ => "-".to_owned(),
            };
            let ratio = match &r.ratio {
                Some((to, x)) => format!("{x:.2}x {to}"),
                None => r.note.clone().unwrap_or_else(|| "-".to_owned()),
            };
            println!(
                "| {:<44} | {:>12} | {:>9} | {:>6.0}% | {:<40} |",
                r.name,
                fmt_ns(r.m.ns),
                mbs,
                r.m.spread * 100.0,
                ratio
            );
        }
    }
}

impl Default for Table {
    fn default() -> Self {
        Table::new()
    }
}

/// ns with a thousands separator-free fixed precision that reads well from 10 ns to 10 ms.
pub fn fmt_ns(ns: f64) -> String {
    if ns < 100.0 {
        format!("{ns:.1}")
    } else {
        format!("{ns:.0}")
    }
}
