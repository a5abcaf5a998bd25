//! What sends the requests: N threads per library `Client`, one client per shard, each thread
//! calling ReEncrypt in a loop until the run ends (a failed call counts and the thread goes
//! on); or `kms-lite re-encrypt-batch` processes, one per shard of one input, each with its own
//! `AWS_ACCESS_KEY_ID` (the server tells shards apart by it), killed when the run ends.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
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
    /// `shards` processes of `cli re-encrypt-batch --concurrency C --shard K/N` on one input
    /// of `items` lines, with `env` (`AWS_RETRY_MODE`, `AWS_MAX_ATTEMPTS`) added to a clean
    /// environment; the input is written in `dir`.
    Batch {
        cli: PathBuf,
        dir: PathBuf,
        shards: usize,
        concurrency: usize,
        items: usize,
        env: Vec<(String, String)>,
    },
}

impl Load {
    /// The number of independent senders (the server's tenants).
    pub fn shards(&self) -> usize {
        match self {
            Load::Library { shards, .. } | Load::Batch { shards, .. } => *shards,
        }
    }

    /// A short name for tables.
    pub fn mode_name(&self) -> String {
        match self {
            Load::Library { mode, .. } => format!("{mode:?}").to_lowercase(),
            Load::Batch { env, .. } => {
                let set: Vec<String> = env.iter().map(|(k, v)| format!("{k}={v}")).collect();
                if set.is_empty() {
                    "batch".to_owned()
                } else {
                    format!("batch, {}", set.join(" "))
                }
            }
        }
    }

    /// Requests in flight per shard, at most.
    pub fn concurrency(&self) -> usize {
        match self {
            Load::Library { threads, .. } => *threads,
            Load::Batch { concurrency, .. } => *concurrency,
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
                    children: Vec::new(),
                }
            }
            Load::Batch {
                cli,
                dir,
                shards,
                concurrency,
                items,
                env,
            } => {
                let input = write_input(dir, &request, *items);
                let key = request.destination_key_id.clone();
                let failed: Vec<Arc<AtomicU64>> = (0..*shards).map(|_| Arc::default()).collect();
                let reasons: Arc<Mutex<BTreeMap<String, u64>>> = Arc::default();
                let mut children = Vec::new();
                let mut workers = Vec::new();
                for (k, (access_key, failed)) in keys.iter().zip(&failed).enumerate() {
                    let mut child = Command::new(cli)
                        .args(["re-encrypt-batch", "--destination-key-id", &key])
                        .arg("--input")
                        .arg(&input)
                        .args(["--concurrency", &concurrency.to_string()])
                        .args(["--shard", &format!("{}/{shards}", k + 1)])
                        .env_clear()
                        .env("AWS_REGION", "us-east-1")
                        .env("AWS_ACCESS_KEY_ID", access_key)
                        .env("AWS_SECRET_ACCESS_KEY", "secret")
                        .env("AWS_ENDPOINT_URL", endpoint)
                        .env("AWS_EC2_METADATA_DISABLED", "true")
                        .env("AWS_CONFIG_FILE", dir.join("no-config"))
                        .env("AWS_SHARED_CREDENTIALS_FILE", dir.join("no-credentials"))
                        .envs(env.iter().map(|(k, v)| (k, v)))
                        .stdin(Stdio::null())
                        .stdout(Stdio::null())
                        .stderr(Stdio::piped())
                        .spawn()
                        .unwrap_or_else(|e| panic!("cannot start {}: {e}", cli.display()));
                    let stderr = child.stderr.take().expect("stderr is piped");
                    let (failed, reasons) = (Arc::clone(failed), Arc::clone(&reasons));
                    // Failed items print `item N: MESSAGE`; anything else on stderr is shown
                    // as a reason too (the summary never comes: the process is killed).
                    workers.push(std::thread::spawn(move || {
                        for line in BufReader::new(stderr).lines() {
                            let Ok(line) = line else { break };
                            let reason = match line.split_once(": ") {
                                Some((item, message)) if item.starts_with("item ") => {
                                    failed.fetch_add(1, Ordering::Relaxed);
                                    message.chars().take(80).collect()
                                }
                                _ => line.chars().take(120).collect(),
                            };
                            let mut r = reasons.lock().unwrap_or_else(|p| p.into_inner());
                            *r.entry(reason).or_default() += 1;
                        }
                    }));
                    children.push(child);
                }
                Running {
                    clients: Vec::new(),
                    failed,
                    reasons,
                    stop: Arc::default(),
                    workers,
                    children,
                }
            }
        }
    }
}

/// `items` lines of the request's ciphertext in base64, in `dir`.
fn write_input(dir: &Path, request: &ReEncryptRequest, items: usize) -> PathBuf {
    let blob = request.ciphertext_blob.as_deref().unwrap_or_default();
    let line = kms_lite::base64::encode(blob) + "\n";
    std::fs::create_dir_all(dir).expect("create the bench directory");
    let path = dir.join("goodput-input.txt");
    std::fs::write(&path, line.repeat(items)).expect("write the batch input");
    path
}

/// A load that is sending.
#[derive(Debug)]
pub struct Running {
    clients: Vec<Client>,
    failed: Vec<Arc<AtomicU64>>,
    reasons: Arc<Mutex<BTreeMap<String, u64>>>,
    stop: Arc<AtomicBool>,
    workers: Vec<JoinHandle<()>>,
    /// The batch processes.
    children: Vec<Child>,
}

impl Running {
    /// Each shard's rate limiter, when the load can see it (not inside a process).
    pub fn limiters(&self) -> Vec<Option<RateLimiterSnapshot>> {
        if self.clients.is_empty() {
            return vec![None; self.children.len()];
        }
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

    /// Stops sending and waits for the calls in flight (the server should be open by then);
    /// kills the batch processes (by their own handles) and waits for them.
    pub fn finish(mut self) {
        self.stop.store(true, Ordering::Relaxed);
        for c in &mut self.children {
            let _ = c.kill();
            let _ = c.wait();
        }
        for w in self.workers {
            let _ = w.join();
        }
    }
}
