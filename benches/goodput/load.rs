//! What sends the requests: for now N threads per library `Client`, one client per shard, each
//! thread calling ReEncrypt in a loop until the run ends (a failed call counts and the thread
//! goes on). The server tells shards apart by access key id, so another kind of load (for
//! example `kms-lite re-encrypt-batch` processes, one per shard, each with its own
//! `AWS_ACCESS_KEY_ID`) is one more variant here, measured by the same server counts.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use kms_lite::config::Env;
use kms_lite::credentials::Credentials;
use kms_lite::error::OperationError;
use kms_lite::retry::{RateLimiterSnapshot, RetryMode};
use kms_lite::{Client, ReEncryptRequest};

/// A kind of load.
#[derive(Debug, Clone)]
pub enum Load {
    /// `threads` threads on each of `shards` library clients in `mode`.
    Library {
        mode: RetryMode,
        shards: usize,
        threads: usize,
        max_attempts: u32,
    },
}

impl Load {
    /// The number of independent senders (the server's tenants).
    pub fn shards(&self) -> usize {
        match self {
            Load::Library { shards, .. } => *shards,
        }
    }

    /// A short name for tables.
    pub fn mode_name(&self) -> String {
        match self {
            Load::Library { mode, .. } => format!("{mode:?}").to_lowercase(),
        }
    }

    /// Requests in flight per shard, at most.
    pub fn concurrency(&self) -> usize {
        match self {
            Load::Library { threads, .. } => *threads,
        }
    }

    /// Starts sending to `endpoint`, shard k signing with access key `keys[k]`.
    pub fn start(&self, endpoint: &str, keys: &[String], request: ReEncryptRequest) -> Running {
        match self {
            Load::Library {
                mode,
                shards,
                threads,
                max_attempts,
            } => {
                let stop = Arc::new(AtomicBool::new(false));
                let clients: Vec<Client> = keys[..*shards]
                    .iter()
                    .map(|key| {
                        Client::builder()
                            .env(Env::from_pairs::<&str, &str>([]))
                            .region("us-east-1")
                            .endpoint_url(endpoint)
                            .credentials(Credentials::new(key.as_str(), "secret", None))
                            .retry_mode(*mode)
                            .max_attempts(*max_attempts)
                            .build()
                            .expect("a loopback client builds")
                    })
                    .collect();
                let failed: Vec<Arc<AtomicU64>> = (0..*shards).map(|_| Arc::default()).collect();
                let reasons: Arc<Mutex<BTreeMap<String, u64>>> = Arc::default();
                let mut workers = Vec::new();
                for (client, failed) in clients.iter().zip(&failed) {
                    for _ in 0..*threads {
                        let (client, failed, stop) =
                            (client.clone(), Arc::clone(failed), Arc::clone(&stop));
                        let (request, reasons) = (request.clone(), Arc::clone(&reasons));
                        workers.push(std::thread::spawn(move || {
                            while !stop.load(Ordering::Relaxed) {
                                if let Err(e) = client.re_encrypt(&request) {
                                    failed.fetch_add(1, Ordering::Relaxed);
                                    let reason = match e.code() {
                                        Some(code) => code.to_owned(),
                                        None => format!("{}: {e}", e.variant_name()),
                                    };
                                    let mut r = reasons.lock().unwrap_or_else(|p| p.into_inner());
                                    *r.entry(reason).or_default() += 1;
                                }
                            }
                        }));
                    }
                }
                Running {
                    clients,
                    failed,
                    reasons,
                    stop,
                    workers,
                }
            }
        }
    }
}

/// A load that is sending.
#[derive(Debug)]
pub struct Running {
    clients: Vec<Client>,
    failed: Vec<Arc<AtomicU64>>,
    reasons: Arc<Mutex<BTreeMap<String, u64>>>,
    stop: Arc<AtomicBool>,
    workers: Vec<JoinHandle<()>>,
}

impl Running {
    /// Each shard's rate limiter, when the load can see it.
    pub fn limiters(&self) -> Vec<Option<RateLimiterSnapshot>> {
        self.clients
            .iter()
            .map(|c| Some(c.rate_limiter()))
            .collect()
    }

    /// Calls that failed so far (all shards), and why (error code or kind: count).
    pub fn failed(&self) -> (u64, BTreeMap<String, u64>) {
        let n = self.failed.iter().map(|f| f.load(Ordering::Relaxed)).sum();
        let reasons = self.reasons.lock().unwrap_or_else(|p| p.into_inner());
        (n, reasons.clone())
    }

    /// Stops sending and waits for the calls in flight (the server should be open by then).
    pub fn finish(self) {
        self.stop.store(true, Ordering::Relaxed);
        for w in self.workers {
            let _ = w.join();
        }
    }
}
