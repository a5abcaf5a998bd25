//! A loopback KMS stand-in with a request quota: a token bucket filling at the quota (requests
//! per second, changing at given times) and holding `burst` seconds of it. A request that finds
//! a token gets a ReEncrypt success; one that does not gets KMS's throttling answer (HTTP 400,
//! `{"__type":"ThrottlingException","message":"Rate exceeded"}`). Both come after the same
//! latency, which stands for the whole round trip to the service.
//!
//! Requests are attributed to tenants by the access key id of their `Authorization` header, so
//! shards (library clients or processes) are told apart without cooperating; the server counts
//! successes and throttles per tenant per 100 ms slice. Std only, 127.0.0.1 only, one thread
//! per connection, HTTP/1.1 keep-alive.

use std::io::BufReader;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::http1;

/// The length of a counting slice.
pub const SLICE: Duration = Duration::from_millis(100);

/// KMS's answer to a request over the quota.
pub const THROTTLED_BODY: &[u8] = br#"{"__type":"ThrottlingException","message":"Rate exceeded"}"#;

/// A quota change: from `at` (since the server started) the quota is `rate` requests/s.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Step {
    pub at: Duration,
    pub rate: f64,
}

/// What the server does.
#[derive(Debug, Clone)]
pub struct Config {
    /// The quota over time, first step at 0.
    pub schedule: Vec<Step>,
    /// The bucket holds this much time of the quota (at least one request).
    pub burst: Duration,
    /// Time from a request's arrival to its answer.
    pub latency: Duration,
    /// Access key ids told apart; others count as one more tenant.
    pub tenants: Vec<String>,
    /// How long to count for.
    pub duration: Duration,
}

/// Successes and throttles of one tenant in one slice.
#[derive(Debug, Default)]
struct Counts {
    ok: AtomicU32,
    throttled: AtomicU32,
}

#[derive(Debug)]
struct Shared {
    config: Config,
    started: Instant,
    bucket: Mutex<(f64, Instant)>,
    /// `[tenant][slice]`.
    counts: Vec<Vec<Counts>>,
    /// After the run: answer everything at once (lets clients drain).
    open: AtomicBool,
    stop: AtomicBool,
    connections: AtomicU64,
    request_ids: AtomicU64,
    success_body: Vec<u8>,
}

/// A running server; stopped when dropped.
#[derive(Debug)]
pub struct Server {
    pub addr: SocketAddr,
    shared: Arc<Shared>,
}

/// What one tenant got in each slice.
#[derive(Debug, Clone, Default)]
pub struct Series {
    pub ok: Vec<u32>,
    pub throttled: Vec<u32>,
}

impl Server {
    /// Binds 127.0.0.1 on a free port and starts accepting; the clock and the quota start now.
    pub fn start(config: Config, success_body: Vec<u8>) -> std::io::Result<Server> {
        let listener = TcpListener::bind(("127.0.0.1", 0))?;
        let addr = listener.local_addr()?;
        let slices = (config.duration.as_nanos() / SLICE.as_nanos()) as usize + 1;
        let tenants = config.tenants.len() + 1;
        let started = Instant::now();
        let burst = bucket_size(config.schedule[0].rate, config.burst);
        let shared = Arc::new(Shared {
            counts: (0..tenants)
                .map(|_| (0..slices).map(|_| Counts::default()).collect())
                .collect(),
            config,
            started,
            bucket: Mutex::new((burst, started)),
            open: AtomicBool::new(false),
            stop: AtomicBool::new(false),
            connections: AtomicU64::new(0),
            request_ids: AtomicU64::new(0),
            success_body,
        });
        // std's listen backlog is 128: a client opening hundreds of connections at once would
        // see some handshakes dropped and retried a second later. So this thread only accepts
        // and another starts the connection threads.
        let (tx, rx) = std::sync::mpsc::channel::<TcpStream>();
        let s = Arc::clone(&shared);
        std::thread::spawn(move || {
            for stream in rx {
                let s = Arc::clone(&s);
                std::thread::spawn(move || serve(stream, &s));
            }
        });
        let s = Arc::clone(&shared);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if s.stop.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                s.connections.fetch_add(1, Ordering::Relaxed);
                if tx.send(stream).is_err() {
                    break;
                }
            }
        });
        Ok(Server { addr, shared })
    }

    /// When the quota started.
    pub fn started(&self) -> Instant {
        self.shared.started
    }

    /// From now on, answers every request at once with a success (the run is over; lets the
    /// clients' last calls end quickly). Nothing more is counted.
    pub fn open(&self) {
        self.shared.open.store(true, Ordering::SeqCst);
    }

    /// Connections accepted so far.
    pub fn connections(&self) -> u64 {
        self.shared.connections.load(Ordering::Relaxed)
    }

    /// The counts so far, per tenant (the configured ones, then the others).
    pub fn series(&self) -> Vec<Series> {
        self.shared
            .counts
            .iter()
            .map(|slices| Series {
                ok: slices
                    .iter()
                    .map(|c| c.ok.load(Ordering::Relaxed))
                    .collect(),
                throttled: slices
                    .iter()
                    .map(|c| c.throttled.load(Ordering::Relaxed))
                    .collect(),
            })
            .collect()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        self.shared.open.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect(self.addr);
    }
}

/// The quota in force `at` into the run.
pub fn quota_at(schedule: &[Step], at: Duration) -> f64 {
    schedule
        .iter()
        .take_while(|s| s.at <= at)
        .last()
        .map_or(schedule[0].rate, |s| s.rate)
}

fn bucket_size(rate: f64, burst: Duration) -> f64 {
    (rate * burst.as_secs_f64()).max(1.0)
}

impl Shared {
    /// Takes a token for a request arriving at `now`, if there is one.
    fn admit(&self, now: Instant) -> bool {
        let at = now.saturating_duration_since(self.started);
        let rate = quota_at(&self.config.schedule, at);
        let size = bucket_size(rate, self.config.burst);
        let mut b = self.bucket.lock().unwrap_or_else(|p| p.into_inner());
        let (tokens, last) = *b;
        let tokens = (tokens + now.saturating_duration_since(last).as_secs_f64() * rate).min(size);
        let admitted = tokens >= 1.0;
        *b = (if admitted { tokens - 1.0 } else { tokens }, now.max(last));
        admitted
    }

    fn count(&self, now: Instant, tenant: usize, ok: bool) {
        let slice =
            (now.saturating_duration_since(self.started).as_nanos() / SLICE.as_nanos()) as usize;
        if let Some(c) = self.counts[tenant].get(slice) {
            let counter = if ok { &c.ok } else { &c.throttled };
            counter.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// The tenant of a request: the index of its access key id, or the last one.
    fn tenant(&self, request: &http1::Request) -> usize {
        let key = request
            .header("authorization")
            .and_then(|a| a.split("Credential=").nth(1))
            .and_then(|c| c.split('/').next());
        let tenants = &self.config.tenants;
        key.and_then(|k| tenants.iter().position(|t| t == k))
            .unwrap_or(tenants.len())
    }

    fn response(&self, ok: bool) -> Vec<u8> {
        let id = self.request_ids.fetch_add(1, Ordering::Relaxed);
        let id = format!("00000000-0000-4000-8000-{id:012x}");
        let date = http_date(SystemTime::now());
        let headers = [
            ("x-amzn-RequestId", id.as_str()),
            ("Content-Type", "application/x-amz-json-1.1"),
            ("Date", date.as_str()),
        ];
        if ok {
            http1::response("HTTP/1.1 200 OK", &headers, &self.success_body)
        } else {
            http1::response("HTTP/1.1 400 Bad Request", &headers, THROTTLED_BODY)
        }
    }
}

/// Serves one keep-alive connection until the client closes it or goes quiet for 30 s.
fn serve(stream: TcpStream, shared: &Shared) {
    let _ = stream.set_nodelay(true);
    let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
    let Ok(writer) = stream.try_clone() else {
        return;
    };
    let mut writer = writer;
    let mut reader = BufReader::new(stream);
    while let Some(request) = http1::read_request(&mut reader) {
        let arrived = Instant::now();
        let open = shared.open.load(Ordering::SeqCst);
        let ok = open || shared.admit(arrived);
        if !open {
            shared.count(arrived, shared.tenant(&request), ok);
            std::thread::sleep(shared.config.latency);
        }
        if http1::send(&mut writer, &shared.response(ok)).is_err() {
            return;
        }
        if request
            .header("connection")
            .is_some_and(|c| c.eq_ignore_ascii_case("close"))
        {
            return;
        }
    }
}

/// An HTTP date (`Sun, 29 Nov 2026 02:44:20 GMT`).
fn http_date(t: SystemTime) -> String {
    const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let secs = t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let d = time::OffsetDateTime::from_unix_timestamp(secs as i64)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    format!(
        "{}, {:02} {} {} {:02}:{:02}:{:02} GMT",
        DAYS[d.weekday().number_days_from_monday() as usize],
        d.day(),
        MONTHS[usize::from(u8::from(d.month())) - 1],
        d.year(),
        d.hour(),
        d.minute(),
        d.second()
    )
}
