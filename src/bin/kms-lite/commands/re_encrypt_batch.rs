//! `kms-lite re-encrypt-batch`: re-encrypt many ciphertexts with a pool of workers sharing one
//! client, resumably.
//!
//! Threads: a reader walks the input in order and hands out jobs (bounded queue); `--concurrency`
//! workers take jobs, pass the rate gate, call ReEncrypt and journal each success; the calling
//! thread reorders the outcomes and writes output lines, error lines and progress in input
//! order. The reader may run at most [`window`] items ahead of the writer, so memory stays
//! bounded whatever the input size.

use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, Sender, SyncSender};
use std::sync::{Condvar, Mutex};
use std::time::Duration;

use kms_lite::{Client, ReEncryptError, ReEncryptRequest};

use super::shared;
use crate::args::{BatchArgs, BatchInput, Globals, Shard};
use crate::batch::journal::{self, Journal};
use crate::batch::progress::Progress;
use crate::batch::rate::Gate;
use crate::{Failure, exit, write_stderr};

mod cli;

pub use cli::COMMAND;

/// Attempts per request when `AWS_MAX_ATTEMPTS` is not set: a batch rides out throttling
/// rather than failing items (the single-call default is 3).
pub const BATCH_DEFAULT_ATTEMPTS: u32 = 8;
/// After the client's retries, a throttled item is tried again this many more times, each
/// after pausing every worker.
pub const THROTTLE_ROUNDS: u32 = 4;
/// The most read from one file in directory mode (KMS takes at most 6144 bytes).
const FILE_CAP: u64 = 64 * 1024;
/// Hex digits of an input line's SHA-256 kept in the journal to check a resume's input.
const INPUT_HASH_LEN: usize = 16;

/// How far the reader may run ahead of the writer.
fn window(concurrency: usize) -> u64 {
    (concurrency as u64 * 16).max(1024)
}

/// The records of a journal, each as its fields.
type Records = Vec<Vec<String>>;

/// One unit of work.
enum Job {
    /// Line mode: the decoded ciphertext and the hash of its line.
    Line { blob: Vec<u8>, input_hash: String },
    /// Directory mode: the file, and the new-content hashes the journal holds for it.
    File {
        path: PathBuf,
        name_hex: String,
        done: Vec<String>,
    },
}

/// What became of one input line or file.
enum Outcome {
    /// Not an item of this run: a blank or comment line, or another shard's.
    NotItem,
    /// Re-encrypted (line mode: the new ciphertext in base64).
    Done(Option<String>),
    /// Already done by an earlier run (line mode: its result from the journal).
    Skipped(Option<String>),
    Failed {
        code: u8,
        message: String,
    },
    /// The run must stop: credentials, journal or disk failures.
    Fatal {
        code: u8,
        message: String,
    },
}

/// Limits how far the reader runs ahead of the writer.
struct Window {
    /// Items handed out and not yet written.
    open: Mutex<u64>,
    cv: Condvar,
    size: u64,
}

impl Window {
    /// Waits for room; false if the run is stopping.
    fn enter(&self, stop: &AtomicBool) -> bool {
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        while *open >= self.size {
            if stop.load(Ordering::Relaxed) {
                return false;
            }
            open = self
                .cv
                .wait_timeout(open, Duration::from_millis(100))
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
        *open += 1;
        !stop.load(Ordering::Relaxed)
    }

    fn leave(&self, n: u64) {
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        *open -= n;
        self.cv.notify_all();
    }
}

/// Everything the threads share.
struct Shared<'a> {
    client: Client,
    template: ReEncryptRequest,
    gate: Gate,
    stop: AtomicBool,
    window: Window,
    journal: Option<Journal>,
    shard: Shard,
    dir: Option<&'a Path>,
}

pub fn run(g: &Globals, a: &BatchArgs) -> Result<(), Failure> {
    let template = a.request.clone();
    let client = shared::build_client(g, Some(BATCH_DEFAULT_ATTEMPTS))?;
    let settings = settings_hash(&template);
    let shard = format!("{}/{}", a.shard.k, a.shard.n);
    // Only one input kind runs, so the client and template move into its `Shared`.
    let make_shared = |journal, dir| Shared {
        client,
        template,
        gate: Gate::new(a.rate),
        stop: AtomicBool::new(false),
        window: Window {
            open: Mutex::new(0),
            cv: Condvar::new(),
            size: window(a.concurrency),
        },
        journal,
        shard: a.shard,
        dir,
    };
    match &a.input {
        BatchInput::Lines(input) => {
            let journal_path = match (&a.journal, a.output_file.as_deref()) {
                (Some(j), _) => Some(PathBuf::from(j)),
                (None, Some(out)) if out != "-" => Some(PathBuf::from(format!("{out}.journal"))),
                _ => None,
            };
            let (journal, records) =
                open_journal(journal_path.as_deref(), &["lines", &shard, &settings])?;
            let mut done = HashMap::new();
            for r in records {
                match r.as_slice() {
                    [item, hash, b64] => {
                        if let Ok(i) = item.parse::<u64>() {
                            done.insert(i, (hash.clone(), b64.clone()));
                        }
                    }
                    _ => return Err(bad_journal(journal_path.as_deref())),
                }
            }
            let shared = make_shared(journal, None);
            run_lines(&shared, a, input, done)
        }
        BatchInput::Dir(dir) => {
            let dir_path = Path::new(dir);
            let journal_path = match &a.journal {
                Some(j) => PathBuf::from(j),
                None => default_dir_journal(dir_path, a.shard),
            };
            let names = list_dir(dir_path, a.shard)?;
            let (journal, records) =
                open_journal(Some(&journal_path), &["dir", &shard, &settings])?;
            let mut done: HashMap<String, Vec<String>> = HashMap::new();
            for r in records {
                match r.as_slice() {
                    [name_hex, hash] => {
                        done.entry(name_hex.clone()).or_default().push(hash.clone())
                    }
                    _ => return Err(bad_journal(Some(&journal_path))),
                }
            }
            let shared = make_shared(journal, Some(dir_path));
            run_dir(&shared, a, names, done)
        }
    }
}

/// A hash of the options that decide what a re-encrypted item is (keys, contexts,
/// algorithms; not grant tokens, which may change between runs).
fn settings_hash(template: &ReEncryptRequest) -> String {
    let mut t = template.clone();
    t.grant_tokens = None;
    let json = serde_json::to_vec(&t).unwrap_or_default();
    journal::hash_hex(&json, 16)
}

fn open_journal(
    path: Option<&Path>,
    header: &[&str],
) -> Result<(Option<Journal>, Records), Failure> {
    let Some(path) = path else {
        return Ok((None, Vec::new()));
    };
    let sync = if header[0] == "dir" {
        journal::Sync::Always
    } else {
        journal::Sync::Periodic
    };
    let (j, records) =
        Journal::open(path, header, sync).map_err(|m| Failure::Message(exit::OTHER, m))?;
    Ok((Some(j), records))
}

fn bad_journal(path: Option<&Path>) -> Failure {
    Failure::Message(
        exit::OTHER,
        format!(
            "the journal {} holds records of another kind; remove it to start over",
            path.map(|p| p.display().to_string()).unwrap_or_default()
        ),
    )
}

/// `DIR.journal` beside the directory (`DIR.shard-K-of-N.journal` for a shard), so shards
/// working on one directory keep apart.
fn default_dir_journal(dir: &Path, shard: Shard) -> PathBuf {
    let trimmed = dir.to_string_lossy().trim_end_matches('/').to_owned();
    let base = if trimmed.is_empty() {
        "/".to_owned()
    } else {
        trimmed
    };
    if shard == Shard::ALL {
        PathBuf::from(format!("{base}.journal"))
    } else {
        PathBuf::from(format!("{base}.shard-{}-of-{}.journal", shard.k, shard.n))
    }
}

/// Whether a directory entry is a temporary file this tool made (`.NAME.kms-lite-PID.tmp`),
/// and if so, the NAME it was for.
fn temp_target(name: &str) -> Option<&str> {
    let rest = name.strip_prefix('.')?.strip_suffix(shared::TEMP_SUFFIX)?;
    let (target, pid) = rest.rsplit_once(".kms-lite-")?;
    (!pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit())).then_some(target)
}

/// The regular files of `dir`, sorted by name, temporary files left out. Leftover temporary
/// files of this shard's items (from a killed run) are removed.
fn list_dir(dir: &Path, shard: Shard) -> Result<Vec<String>, Failure> {
    let fail = |e: std::io::Error| {
        Failure::Message(
            exit::OTHER,
            format!("cannot read the directory {}: {e}", dir.display()),
        )
    };
    let mut names = Vec::new();
    let mut temps = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(fail)? {
        let entry = entry.map_err(fail)?;
        let Ok(name) = entry.file_name().into_string() else {
            return Err(Failure::Message(
                exit::OTHER,
                format!(
                    "{}: a file name is not UTF-8: {:?}",
                    dir.display(),
                    entry.file_name()
                ),
            ));
        };
        // Regular files only (symbolic links are not followed).
        if !entry.file_type().map_err(fail)?.is_file() {
            continue;
        }
        match temp_target(&name) {
            Some(target) => temps.push((name.clone(), target.to_owned())),
            None => names.push(name),
        }
    }
    names.sort();
    for (temp, target) in temps {
        if let Ok(pos) = names.binary_search(&target) {
            if shard.holds(pos as u64 + 1) {
                let _ = std::fs::remove_file(dir.join(&temp));
            }
        }
    }
    Ok(names)
}

// ----- line mode -----

fn run_lines(
    s: &Shared<'_>,
    a: &BatchArgs,
    input: &str,
    done: HashMap<u64, (String, String)>,
) -> Result<(), Failure> {
    let open_input = || -> Result<Box<dyn BufRead + Send>, Failure> {
        if input == "-" {
            Ok(Box::new(BufReader::new(std::io::stdin())))
        } else {
            let f = File::open(input).map_err(|e| {
                Failure::Message(
                    exit::USAGE,
                    format!("Error parsing parameter '--input': cannot open {input}: {e}"),
                )
            })?;
            Ok(Box::new(BufReader::with_capacity(1 << 16, f)))
        }
    };
    // A file can be counted first, for the ETA; stdin cannot.
    let total = if input == "-" {
        None
    } else {
        let mut reader = open_input()?;
        let mut n = 0u64;
        let mut todo = 0u64;
        let mut buf = Vec::new();
        loop {
            buf.clear();
            match reader.read_until(b'\n', &mut buf) {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            }
            n += 1;
            if is_item(&buf) && s.shard.holds(n) && !done.contains_key(&n) {
                todo += 1;
            }
        }
        Some(todo)
    };
    let reader = open_input()?;

    // Where the output goes: stdout, or a temporary file renamed over the output at the end.
    let out_path = a
        .output_file
        .as_deref()
        .filter(|o| *o != "-")
        .map(PathBuf::from);
    if let Some(p) = &out_path {
        remove_stale_temps(p);
    }
    let temp = match &out_path {
        Some(p) => Some(shared::temp_path(p).map_err(|e| {
            Failure::Message(exit::OTHER, format!("cannot write {}: {e}", p.display()))
        })?),
        None => None,
    };
    let mut sink: Box<dyn Write> = match &temp {
        Some(t) => Box::new(BufWriter::new(File::create(t).map_err(|e| {
            Failure::Message(exit::OTHER, format!("cannot create {}: {e}", t.display()))
        })?)),
        None => Box::new(BufWriter::new(std::io::stdout().lock())),
    };

    let mut progress = Progress::new(total);
    let result = pipeline(
        s,
        a.concurrency,
        &mut progress,
        |jobs, outcomes| read_lines(s, reader, &done, jobs, outcomes),
        |outcome| {
            let text = match outcome {
                Outcome::Done(Some(b)) | Outcome::Skipped(Some(b)) => b.as_str(),
                _ => "",
            };
            sink.write_all(text.as_bytes())
                .and_then(|()| sink.write_all(b"\n"))
        },
    );
    let finish = |r: Result<u8, Failure>| -> Result<u8, Failure> {
        let code = r?;
        sink.flush().map_err(write_error)?;
        drop(sink);
        if let (Some(t), Some(p)) = (&temp, &out_path) {
            let f = File::open(t).and_then(|f| f.sync_all());
            f.and_then(|()| std::fs::rename(t, p)).map_err(|e| {
                Failure::Message(exit::OTHER, format!("cannot write {}: {e}", p.display()))
            })?;
        }
        Ok(code)
    };
    let result = finish(result);
    if result.is_err() {
        if let Some(t) = &temp {
            let _ = std::fs::remove_file(t);
        }
    }
    close(s, &mut progress, result)
}

/// Removes the temporary files that killed runs left for the output `path`
/// (`.NAME.kms-lite-PID.tmp` beside it).
fn remove_stale_temps(path: &Path) {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return;
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let is_ours = file_name
            .to_str()
            .and_then(temp_target)
            .is_some_and(|target| target == name);
        if is_ours && entry.file_type().is_ok_and(|t| t.is_file()) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

fn write_error(e: std::io::Error) -> Failure {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        Failure::Quiet(exit::OTHER)
    } else {
        Failure::Message(exit::OTHER, format!("cannot write the output: {e}"))
    }
}

/// A line that holds an item: not blank, not a `#` comment.
fn is_item(line: &[u8]) -> bool {
    let t = line.trim_ascii();
    !t.is_empty() && t[0] != b'#'
}

fn read_lines(
    s: &Shared<'_>,
    mut reader: Box<dyn BufRead + Send>,
    done: &HashMap<u64, (String, String)>,
    jobs: &SyncSender<(u64, Job)>,
    outcomes: &Sender<(u64, Outcome)>,
) {
    let mut buf = Vec::new();
    let mut n = 0u64;
    loop {
        buf.clear();
        match reader.read_until(b'\n', &mut buf) {
            Ok(0) => return,
            Ok(_) => {}
            Err(e) => {
                let _ = outcomes.send((
                    n + 1,
                    Outcome::Fatal {
                        code: exit::OTHER,
                        message: format!("cannot read the input: {e}"),
                    },
                ));
                return;
            }
        }
        n += 1;
        if !s.window.enter(&s.stop) {
            return;
        }
        let line = buf.trim_ascii();
        let immediate = if !is_item(line) || !s.shard.holds(n) {
            Some(Outcome::NotItem)
        } else {
            let input_hash = journal::hash_hex(line, INPUT_HASH_LEN);
            match done.get(&n) {
                Some((h, b64)) if *h == input_hash => Some(Outcome::Skipped(Some(b64.clone()))),
                Some(_) => Some(Outcome::Fatal {
                    code: exit::OTHER,
                    message: format!(
                        "item {n}: the input differs from the one the journal was written for; \
                         use the same input, or remove the journal to start over"
                    ),
                }),
                None => match kms_lite::base64::decode(line) {
                    Ok(blob) => {
                        if jobs.send((n, Job::Line { blob, input_hash })).is_err() {
                            return;
                        }
                        None
                    }
                    Err(e) => Some(Outcome::Failed {
                        code: exit::USAGE,
                        message: format!("Invalid base64: {e}"),
                    }),
                },
            }
        };
        if let Some(o) = immediate {
            if outcomes.send((n, o)).is_err() {
                return;
            }
        }
    }
}

// ----- directory mode -----

fn run_dir(
    s: &Shared<'_>,
    a: &BatchArgs,
    names: Vec<String>,
    done: HashMap<String, Vec<String>>,
) -> Result<(), Failure> {
    let dir = s.dir.unwrap_or(Path::new("."));
    let total = (1..=names.len() as u64)
        .filter(|i| s.shard.holds(*i))
        .count() as u64;
    let mut progress = Progress::new(Some(total));
    let result = pipeline(
        s,
        a.concurrency,
        &mut progress,
        |jobs, outcomes| {
            for (i, name) in names.iter().enumerate() {
                let n = i as u64 + 1;
                if !s.window.enter(&s.stop) {
                    return;
                }
                if !s.shard.holds(n) {
                    if outcomes.send((n, Outcome::NotItem)).is_err() {
                        return;
                    }
                    continue;
                }
                let name_hex = hex::encode(name.as_bytes());
                let job = Job::File {
                    path: dir.join(name),
                    done: done.get(&name_hex).cloned().unwrap_or_default(),
                    name_hex,
                };
                if jobs.send((n, job)).is_err() {
                    return;
                }
            }
        },
        |_| Ok(()),
    );
    let result = result.and_then(|code| {
        shared::sync_dir(dir).map_err(|e| {
            Failure::Message(
                exit::OTHER,
                format!("cannot sync the directory {}: {e}", dir.display()),
            )
        })?;
        Ok(code)
    });
    close(s, &mut progress, result)
}

// ----- the pipeline -----

/// Runs the reader, the workers and the in-order writer. `emit` is called for every line or
/// file in input order. Returns the exit code the items earned (0, 252, 254 or 255).
fn pipeline<R, E>(
    s: &Shared<'_>,
    concurrency: usize,
    progress: &mut Progress,
    read: R,
    mut emit: E,
) -> Result<u8, Failure>
where
    R: FnOnce(&SyncSender<(u64, Job)>, &Sender<(u64, Outcome)>) + Send,
    E: FnMut(&Outcome) -> std::io::Result<()>,
{
    let (job_tx, job_rx) = mpsc::sync_channel::<(u64, Job)>(concurrency * 2);
    let job_rx = Mutex::new(job_rx);
    let (out_tx, out_rx) = mpsc::channel::<(u64, Outcome)>();
    std::thread::scope(|scope| {
        for _ in 0..concurrency {
            let out_tx = out_tx.clone();
            let job_rx = &job_rx;
            scope.spawn(move || worker(s, job_rx, &out_tx));
        }
        let reader_tx = out_tx.clone();
        drop(out_tx);
        scope.spawn(move || {
            read(&job_tx, &reader_tx);
            // Dropping job_tx ends the workers once the queue is empty.
        });
        let r = write_in_order(s, &out_rx, progress, &mut emit);
        if r.is_err() {
            s.stop.store(true, Ordering::Relaxed);
            s.window.cv.notify_all();
            // Drain so that no sender blocks; the scope then joins every thread.
            while out_rx.recv().is_ok() {}
        }
        r
    })
}

fn write_in_order<E>(
    s: &Shared<'_>,
    rx: &Receiver<(u64, Outcome)>,
    progress: &mut Progress,
    emit: &mut E,
) -> Result<u8, Failure>
where
    E: FnMut(&Outcome) -> std::io::Result<()>,
{
    let mut pending: BTreeMap<u64, Outcome> = BTreeMap::new();
    let mut next = 1u64;
    let mut worst: Option<u8> = None;
    loop {
        match rx.recv_timeout(Duration::from_millis(250)) {
            Ok((item, outcome)) => {
                if let Outcome::Fatal { code, message } = outcome {
                    progress.line(&format!("kms-lite: error: {message}"));
                    return Err(Failure::Quiet(code));
                }
                pending.insert(item, outcome);
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
        let mut written = 0;
        while let Some(outcome) = pending.remove(&next) {
            match &outcome {
                Outcome::Done(_) => progress.done += 1,
                Outcome::Skipped(_) => progress.skipped += 1,
                Outcome::Failed { code, message } => {
                    progress.failed += 1;
                    worst = Some(worse(worst, *code));
                    progress.line(&format!("item {next}: {}", message.replace('\n', " ")));
                }
                Outcome::NotItem | Outcome::Fatal { .. } => {}
            }
            emit(&outcome).map_err(write_error)?;
            next += 1;
            written += 1;
        }
        if written > 0 {
            s.window.leave(written);
        }
        progress.tick();
    }
    Ok(worst.unwrap_or(exit::OK))
}

/// The exit code for a run with failed items: a service error wins, then other failures,
/// then bad input lines.
fn worse(a: Option<u8>, b: u8) -> u8 {
    let rank = |c: u8| match c {
        exit::SERVICE => 4,
        exit::OTHER => 3,
        exit::CONFIG => 2,
        _ => 1,
    };
    match a {
        Some(a) if rank(a) >= rank(b) => a,
        _ => b,
    }
}

fn worker(s: &Shared<'_>, jobs: &Mutex<Receiver<(u64, Job)>>, out: &Sender<(u64, Outcome)>) {
    loop {
        let job = {
            let rx = jobs.lock().unwrap_or_else(|p| p.into_inner());
            rx.recv()
        };
        let Ok((item, job)) = job else { return };
        if s.stop.load(Ordering::Relaxed) {
            // Keep taking jobs, without doing them, so the reader is never stuck on a full
            // queue; the queue closes when the reader sees the stop.
            continue;
        }
        let outcome = match job {
            Job::Line { blob, input_hash } => line_job(s, item, blob, &input_hash),
            Job::File {
                path,
                name_hex,
                done,
            } => file_job(s, &path, &name_hex, &done),
        };
        if matches!(outcome, Outcome::Fatal { .. }) {
            s.stop.store(true, Ordering::Relaxed);
        }
        if out.send((item, outcome)).is_err() {
            return;
        }
    }
}

/// Calls ReEncrypt through the gate. An item still throttled after the client's own retries
/// pauses every worker and is tried again, up to [`THROTTLE_ROUNDS`] times.
fn call(s: &Shared<'_>, blob: Vec<u8>) -> Result<Vec<u8>, Outcome> {
    let mut req = s.template.clone();
    req.ciphertext_blob = Some(blob);
    let mut round = 0;
    loop {
        s.gate.acquire();
        match s.client.re_encrypt(&req) {
            Ok(resp) => {
                return resp.ciphertext_blob.ok_or(Outcome::Failed {
                    code: exit::OTHER,
                    message: "the response carried no CiphertextBlob".into(),
                });
            }
            Err(ReEncryptError::Throttling(_)) if round < THROTTLE_ROUNDS => {
                round += 1;
                s.gate.pause(Duration::from_secs(1 << round.min(4)));
            }
            Err(e @ ReEncryptError::Credentials(_)) => {
                let (code, message) = shared::classify(&e);
                return Err(Outcome::Fatal { code, message });
            }
            Err(e) => {
                let (code, message) = shared::classify(&e);
                return Err(Outcome::Failed { code, message });
            }
        }
    }
}

fn line_job(s: &Shared<'_>, item: u64, blob: Vec<u8>, input_hash: &str) -> Outcome {
    let new = match call(s, blob) {
        Ok(b) => b,
        Err(o) => return o,
    };
    let b64 = kms_lite::base64::encode(&new);
    if let Some(j) = &s.journal {
        if let Err(e) = j.append(&[&item.to_string(), input_hash, &b64]) {
            return Outcome::Fatal {
                code: exit::OTHER,
                message: format!("cannot write the journal {}: {e}", j.path().display()),
            };
        }
    }
    Outcome::Done(Some(b64))
}

fn file_job(s: &Shared<'_>, path: &Path, name_hex: &str, done: &[String]) -> Outcome {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let failed = |code: u8, m: String| Outcome::Failed {
        code,
        message: format!("({name}) {m}"),
    };
    let mut old = Vec::new();
    let read = File::open(path).and_then(|f| f.take(FILE_CAP + 1).read_to_end(&mut old));
    if let Err(e) = read {
        return failed(exit::OTHER, format!("cannot read the file: {e}"));
    }
    if !done.is_empty() && done.iter().any(|h| *h == journal::hash_hex(&old, 64)) {
        return Outcome::Skipped(None);
    }
    if old.len() as u64 > FILE_CAP {
        return failed(
            exit::USAGE,
            format!("the file is larger than {FILE_CAP} bytes; KMS ciphertexts are at most 6144"),
        );
    }
    let new = match call(s, old) {
        Ok(b) => b,
        Err(Outcome::Failed { code, message }) => return failed(code, message),
        Err(o) => return o,
    };
    // Journal the new content's hash before the rename that commits it: on resume, a file
    // whose content has this hash is done, whatever else happened.
    if let Some(j) = &s.journal {
        if let Err(e) = j.append(&[name_hex, &journal::hash_hex(&new, 64)]) {
            return Outcome::Fatal {
                code: exit::OTHER,
                message: format!("cannot write the journal {}: {e}", j.path().display()),
            };
        }
    }
    match shared::write_atomically(path, &new) {
        Ok(()) => Outcome::Done(None),
        Err(e) => failed(exit::OTHER, format!("cannot rewrite the file: {e}")),
    }
}

/// Flushes the journal, prints the summary and turns the items' exit code into the result.
fn close(
    s: &Shared<'_>,
    progress: &mut Progress,
    result: Result<u8, Failure>,
) -> Result<(), Failure> {
    if let Some(j) = &s.journal {
        if let Err(e) = j.finish() {
            write_stderr(&format!(
                "kms-lite: warning: cannot sync the journal {}: {e}\n",
                j.path().display()
            ));
        }
    }
    progress.summary();
    match result? {
        exit::OK => Ok(()),
        code => Err(Failure::Quiet(code)),
    }
}
