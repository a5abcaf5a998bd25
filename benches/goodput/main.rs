//! Goodput under an unknown request quota: how much of a loopback server's quota the client
//! gets, how many of its requests are throttled, and how long it takes to settle after the
//! start and after the quota changes. A benchmark, not a test: it prints a table.
//!
//! Each run starts a fresh server (`server.rs`: a token-bucket quota, a latency, KMS's
//! throttling answer) whose quota is Q for one phase, Q/2 for the next, and Q again for the
//! last, and a fresh load (`load.rs`) in standard and in adaptive retry mode: one client with
//! N threads for each concurrency, and three clients (shards) sharing the quota. The figures come
//! from the server's counts:
//!
//! - goodput: successes per second as a % of the quota, from 5 s after each quota change to the
//!   next (the steady part);
//! - throttled: throttling answers as a % of all requests, in the steady part and over the run;
//! - settled after: the first instant after the start (or a change) from which two seconds
//!   bring at least 90 % of the quota with at most 5 % throttled (`-` if none does);
//! - shards: the smallest shard's steady goodput as a share of a fair third.
//!
//! `cargo bench --bench goodput` runs every combination with the library load (long: about 45 s
//! a run). Options, each a comma-separated list where it makes sense: `--mode standard,adaptive`
//! `--concurrency 8,32,128,256` `--latency 5,20,50` (ms) `--quota 100,400` (requests/s)
//! `--shards 3` (0: none) `--shard-concurrency 32` `--phase 15` (seconds) `--burst 1` (seconds of
//! quota the server's bucket holds) `--max-attempts 3` `--timeline 1` (counts per period of
//! that many seconds, and the clients' rates, on stderr).
//!
//! `--load batch` runs `kms-lite re-encrypt-batch` processes instead (one per shard, on one
//! input): the CLI that `cargo bench` builds (`kms-lite-dev`, from the same sources), or
//! `--cli PATH`. By default with the batch's own retry settings, quota 100/s only (about 13
//! minutes); `--mode` and `--max-attempts` then set `AWS_RETRY_MODE` and `AWS_MAX_ATTEMPTS` for
//! the processes. `--quick` is a subset: concurrency 32 and 256 and three shards at 20 ms
//! (about 3 minutes). `--repeat N` runs each case N times (fairness between shards is
//! statistical).

#[path = "../common/mod.rs"]
mod common;
#[path = "../../tests/support/http1.rs"]
mod http1;
mod load;
mod server;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use common::fixtures::Size;
use kms_lite::retry::RetryMode;
use load::Load;
use server::{Config, SLICE, Server, Step, quota_at};

/// The steady part of a phase starts this long after its quota change.
const SETTLE: f64 = 5.0;
/// The window of the "settled" test.
const WINDOW: f64 = 2.0;

/// What sends the requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LoadKind {
    Library,
    Batch,
}

#[derive(Debug, Clone)]
struct Options {
    load: LoadKind,
    /// The batch's CLI.
    cli: PathBuf,
    /// Library: the modes to compare. Batch: `AWS_RETRY_MODE` values (none: the batch's own).
    modes: Vec<RetryMode>,
    concurrency: Vec<usize>,
    latency_ms: Vec<u64>,
    quota: Vec<f64>,
    shards: usize,
    shard_concurrency: usize,
    phase: f64,
    burst: f64,
    /// Library: 3 unless given. Batch: `AWS_MAX_ATTEMPTS`, if given.
    max_attempts: Option<u32>,
    /// Seconds per line of the timeline, if one is wanted.
    timeline: Option<f64>,
    /// Runs of each case.
    repeat: usize,
}

/// A comma-separated list; `none` is an empty one (`--concurrency none --shards 3`: shards
/// only).
fn list<T: std::str::FromStr>(name: &str, value: &str) -> Vec<T> {
    if value == "none" {
        return Vec::new();
    }
    value
        .split(',')
        .map(|v| {
            v.trim()
                .parse()
                .unwrap_or_else(|_| panic!("--{name}: cannot read {v:?}"))
        })
        .collect()
}

impl Options {
    fn parse() -> Options {
        let mut o = Options {
            load: LoadKind::Library,
            cli: PathBuf::from(env!("CARGO_BIN_EXE_kms-lite-dev")),
            modes: vec![RetryMode::Standard, RetryMode::Adaptive],
            concurrency: vec![8, 32, 128, 256],
            latency_ms: vec![5, 20, 50],
            quota: vec![100.0, 400.0],
            shards: 3,
            shard_concurrency: 32,
            phase: 15.0,
            burst: 1.0,
            max_attempts: None,
            timeline: None,
            repeat: 1,
        };
        let args: Vec<String> = std::env::args().skip(1).collect();
        // The load decides the defaults the other options then change.
        if let Some(i) = args.iter().position(|a| a == "--load") {
            match args.get(i + 1).map(String::as_str) {
                Some("library") => {}
                Some("batch") => {
                    o.load = LoadKind::Batch;
                    o.modes = Vec::new();
                    o.quota = vec![100.0];
                }
                _ => panic!("--load: library or batch"),
            }
        }
        let mut args = args.into_iter();
        while let Some(arg) = args.next() {
            let name = arg.trim_start_matches("--");
            // `cargo bench` passes --bench.
            if name == "bench" {
                continue;
            }
            if name == "quick" {
                o.concurrency = vec![32, 256];
                o.latency_ms = vec![20];
                o.shards = 3;
                continue;
            }
            let value = args
                .next()
                .unwrap_or_else(|| panic!("--{name} needs a value"));
            match name {
                "mode" => {
                    o.modes = value
                        .split(',')
                        .map(|m| match m {
                            "standard" => RetryMode::Standard,
                            "adaptive" => RetryMode::Adaptive,
                            _ => panic!("--mode: standard or adaptive"),
                        })
                        .collect()
                }
                "concurrency" => o.concurrency = list(name, &value),
                "latency" => o.latency_ms = list(name, &value),
                "quota" => o.quota = list(name, &value),
                "shards" => o.shards = value.parse().expect("--shards: a count"),
                "shard-concurrency" => o.shard_concurrency = value.parse().expect("a count"),
                "phase" => o.phase = value.parse().expect("--phase: seconds"),
                "burst" => o.burst = value.parse().expect("--burst: seconds"),
                "max-attempts" => o.max_attempts = Some(value.parse().expect("a count")),
                "load" => {}
                "cli" => o.cli = PathBuf::from(value),
                "timeline" => o.timeline = Some(value.parse().expect("--timeline: seconds")),
                "repeat" => o.repeat = value.parse().expect("--repeat: a count"),
                _ => panic!("unknown option --{name} (see the top of benches/goodput/main.rs)"),
            }
        }
        o
    }
}

/// One run's figures.
#[derive(Debug)]
struct Outcome {
    goodput: f64,
    throttled_steady: f64,
    throttled_all: f64,
    settled: Vec<Option<f64>>,
    /// The smallest shard's steady goodput over a fair share (with more than one shard).
    worst_shard: Option<f64>,
    failed: u64,
}

fn slice_of(secs: f64) -> usize {
    (secs / SLICE.as_secs_f64()).round() as usize
}

fn sum(v: &[u32], from: f64, to: f64) -> f64 {
    let (a, b) = (slice_of(from).min(v.len()), slice_of(to).min(v.len()));
    v[a..b].iter().map(|&n| f64::from(n)).sum()
}

fn measure(schedule: &[Step], end: f64, series: &[server::Series], shards: usize) -> Outcome {
    let ok: Vec<u32> = (0..series[0].ok.len())
        .map(|i| series.iter().map(|s| s.ok[i]).sum())
        .collect();
    let thr: Vec<u32> = (0..series[0].ok.len())
        .map(|i| series.iter().map(|s| s.throttled[i]).sum())
        .collect();
    let mut settled = Vec::new();
    let (mut got, mut quota, mut steady_thr, mut steady_all) = (0.0, 0.0, 0.0, 0.0);
    let mut shard_got = vec![0.0; shards];
    for (i, step) in schedule.iter().enumerate() {
        let start = step.at.as_secs_f64();
        let stop = schedule.get(i + 1).map_or(end, |s| s.at.as_secs_f64());
        let mut t = start;
        let mut found = None;
        while t + WINDOW <= stop + 1e-9 {
            let (o, h) = (sum(&ok, t, t + WINDOW), sum(&thr, t, t + WINDOW));
            if o >= 0.9 * step.rate * WINDOW && h <= 0.05 * (o + h) {
                found = Some(t - start);
                break;
            }
            t += SLICE.as_secs_f64();
        }
        settled.push(found);
        let from = start + SETTLE.min((stop - start) / 3.0);
        got += sum(&ok, from, stop);
        steady_thr += sum(&thr, from, stop);
        steady_all += sum(&ok, from, stop) + sum(&thr, from, stop);
        quota += step.rate * (stop - from);
        for (k, g) in shard_got.iter_mut().enumerate() {
            *g += sum(&series[k].ok, from, stop);
        }
    }
    let all_ok: f64 = ok.iter().map(|&n| f64::from(n)).sum();
    let all_thr: f64 = thr.iter().map(|&n| f64::from(n)).sum();
    let fair = quota / shards as f64;
    Outcome {
        goodput: 100.0 * got / quota,
        throttled_steady: 100.0 * steady_thr / steady_all.max(1.0),
        throttled_all: 100.0 * all_thr / (all_ok + all_thr).max(1.0),
        settled,
        worst_shard: (shards > 1).then(|| {
            shard_got
                .iter()
                .map(|g| g / fair)
                .fold(f64::INFINITY, f64::min)
        }),
        failed: 0,
    }
}

fn run(load: &Load, latency: Duration, q: f64, o: &Options) -> Outcome {
    let phase = Duration::from_secs_f64(o.phase);
    let schedule = vec![
        Step {
            at: Duration::ZERO,
            rate: q,
        },
        Step {
            at: phase,
            rate: q / 2.0,
        },
        Step {
            at: phase * 2,
            rate: q,
        },
    ];
    let duration = phase * 3;
    let keys: Vec<String> = (0..load.shards())
        .map(|k| format!("AKIDSHARD{k}"))
        .collect();
    let server = Server::start(
        Config {
            schedule: schedule.clone(),
            burst: Duration::from_secs_f64(o.burst),
            latency,
            tenants: keys.clone(),
            duration,
        },
        Size::Small.response_body(),
    )
    .expect("bind 127.0.0.1");
    let running = load.start(
        &format!("http://{}", server.addr),
        &keys,
        Size::Small.request(),
    );
    let end = server.started() + duration;
    let mut samples = Vec::new();
    while Instant::now() < end {
        std::thread::sleep(SLICE.min(end.saturating_duration_since(Instant::now())));
        if o.timeline.is_some() {
            samples.push((server.started().elapsed(), running.limiters()));
        }
    }
    let (failed, reasons) = running.failed();
    server.open();
    let drain = Instant::now();
    running.finish();
    let series = server.series();
    if let Some(step) = o.timeline {
        print_timeline(&schedule, &series, &samples, step);
    }
    // A loaded machine slows every thread: the load average tells a noisy run.
    let loadavg = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    eprintln!(
        "  ({} connections; drained in {:.1} s; failed: {reasons:?}; load average {})",
        server.connections(),
        drain.elapsed().as_secs_f64(),
        loadavg
            .split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    );
    let mut outcome = measure(&schedule, duration.as_secs_f64(), &series, load.shards());
    outcome.failed = failed;
    outcome
}

fn print_timeline(
    schedule: &[Step],
    series: &[server::Series],
    samples: &[(Duration, Vec<Option<kms_lite::retry::RateLimiterSnapshot>>)],
    step: f64,
) {
    let step = step.max(SLICE.as_secs_f64());
    let end = series[0].ok.len() as f64 * SLICE.as_secs_f64();
    let mut t = 0.0;
    while t + step <= end + 1e-9 {
        let counts: Vec<String> = series
            .iter()
            .filter(|x| x.ok.iter().chain(&x.throttled).any(|&n| n > 0))
            .map(|x| {
                format!(
                    "{}/{}",
                    sum(&x.ok, t, t + step),
                    sum(&x.throttled, t, t + step)
                )
            })
            .collect();
        // The clients' rates at the end of the period.
        let rates = samples
            .iter()
            .find(|(at, _)| at.as_secs_f64() >= t + step)
            .map(|(_, l)| {
                l.iter()
                    .map(|l| match l {
                        Some(l) => format!(
                            "{:.0}/{:.0}",
                            l.fill_rate.unwrap_or(f64::NAN),
                            l.measured_rate.unwrap_or(f64::NAN)
                        ),
                        None => "-".to_owned(),
                    })
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .unwrap_or_default();
        eprintln!(
            "  t={t:>5.1}s quota {:>5.0}  ok/throttled {}  fill/measured {rates}",
            quota_at(schedule, Duration::from_secs_f64(t)),
            counts.join(" ")
        );
        t += step;
    }
}

fn secs(v: Option<f64>) -> String {
    v.map_or_else(|| "-".to_owned(), |s| format!("{s:.1} s"))
}

/// The loads of one (quota, latency, clients × threads) case.
fn loads_of(o: &Options, q: f64, shards: usize, threads: usize) -> Vec<Load> {
    match o.load {
        LoadKind::Library => o
            .modes
            .iter()
            .map(|&mode| Load::Library {
                mode,
                shards,
                threads,
                max_attempts: o.max_attempts.unwrap_or(3),
            })
            .collect(),
        LoadKind::Batch => {
            let attempts = o
                .max_attempts
                .map(|n| ("AWS_MAX_ATTEMPTS".to_owned(), n.to_string()));
            let modes: Vec<Option<RetryMode>> = if o.modes.is_empty() {
                vec![None]
            } else {
                o.modes.iter().copied().map(Some).collect()
            };
            modes
                .into_iter()
                .map(|mode| {
                    let mode = mode.map(|m| {
                        let name = format!("{m:?}").to_lowercase();
                        ("AWS_RETRY_MODE".to_owned(), name)
                    });
                    Load::Batch {
                        cli: o.cli.clone(),
                        dir: PathBuf::from(env!("CARGO_TARGET_TMPDIR")),
                        shards,
                        concurrency: threads,
                        // More than any shard can get in the run (2.5 phases' worth of Q),
                        // so none runs dry: the processes are killed at the end.
                        items: shards * ((4.0 * q * o.phase) as usize + 1000),
                        env: mode.into_iter().chain(attempts.clone()).collect(),
                    }
                })
                .collect()
        }
    }
}

/// The machine, for the record: cores, CPU model, load average.
fn machine() -> String {
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .map_or("unknown CPU", |m| m.trim_start_matches([' ', '\t', ':']));
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let load: Vec<&str> = load.split_whitespace().take(3).collect();
    format!("{cores} cores ({model}), load average {}", load.join(" "))
}

fn main() {
    let o = Options::parse();
    let attempts = match (o.load, o.max_attempts) {
        (_, Some(n)) => n.to_string(),
        (LoadKind::Library, None) => "3".to_owned(),
        (LoadKind::Batch, None) => "the batch's default".to_owned(),
    };
    println!(
        "Goodput against a quota of Q, then Q/2, then Q ({} s each; server bucket {} s of quota; \
         max attempts {attempts}); {:?} load; {}",
        o.phase,
        o.burst,
        o.load,
        machine()
    );
    println!();
    println!(
        "| mode | clients × threads | latency | quota Q | goodput | throttled (steady) | throttled (all) | failed | settled after start | after Q→Q/2 | after Q/2→Q | worst shard / fair |"
    );
    println!("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|");
    let mut cases = Vec::new();
    for &threads in &o.concurrency {
        cases.push((1, threads));
    }
    if o.shards > 0 {
        cases.push((o.shards, o.shard_concurrency));
    }
    for &q in &o.quota {
        for &ms in &o.latency_ms {
            for &(shards, threads) in &cases {
                let runs = loads_of(&o, q, shards, threads);
                for load in runs.iter().flat_map(|l| std::iter::repeat_n(l, o.repeat)) {
                    eprintln!(
                        "{} {shards}×{threads}, {ms} ms, quota {q}",
                        load.mode_name()
                    );
                    let r = run(load, Duration::from_millis(ms), q, &o);
                    let ceiling = (shards * threads) as f64 * 1000.0 / ms as f64;
                    let note = if ceiling < 1.1 * q {
                        format!(" (ceiling {ceiling:.0}/s)")
                    } else {
                        String::new()
                    };
                    println!(
                        "| {} | {shards} × {} | {ms} ms | {q:.0}/s | {:.1} %{note} | {:.1} % | {:.1} % | {} | {} | {} | {} | {} |",
                        load.mode_name(),
                        load.concurrency(),
                        r.goodput,
                        r.throttled_steady,
                        r.throttled_all,
                        r.failed,
                        secs(r.settled[0]),
                        secs(r.settled.get(1).copied().flatten()),
                        secs(r.settled.get(2).copied().flatten()),
                        r.worst_shard
                            .map_or_else(|| "-".to_owned(), |w| format!("{w:.2}")),
                    );
                }
            }
        }
    }
}
