//! `kms-lite re-encrypt-batch`: re-encrypt many ciphertexts with a pool of workers sharing one
//! client, resumably.
//!
//! The roles: [`pipeline`] runs a reader, workers and an in-order writer and knows nothing of
//! files; each input mode is a module ([`lines`], [`dir`]) that gives it a reader, a job and an
//! emitter, and defines its journal record; [`journal`] makes a run resumable, [`lock`] keeps
//! two runs apart, [`call`] makes one ReEncrypt and sorts its failure (retry later, or fail the
//! item), [`rate`] starts the request rate slowly and caps it, [`progress`] counts and reports,
//! [`shard`] splits an input between runs. Nothing here depends on the commands: the command
//! hands over a client, a request template and how errors are reported. A new input mode is one
//! new module and one arm in [`run`].

pub mod call;
mod dir;
mod journal;
mod lines;
mod lock;
mod pipeline;
mod progress;
pub mod rate;
pub mod shard;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use kms_lite::{Client, ReEncryptRequest};

use self::call::{Caller, Classify, Counts, Failed};
use self::journal::{Journal, Record};
use self::lock::{Lock, Refused};
use self::pipeline::{Step, Stop};
use self::progress::Progress;
use self::shard::Shard;
use crate::{Failure, exit, files, write_stderr};

/// How long the service may answer no call before the run gives up, by default.
pub const DEFAULT_GIVE_UP: Duration = Duration::from_secs(300);

/// Where the items are.
#[derive(Debug, Clone)]
pub enum Input {
    /// `--input PATH|-`: newline-delimited base64 ciphertexts.
    Lines(String),
    /// `--input-dir DIR`: one raw ciphertext per regular file, rewritten in place.
    Dir(String),
}

/// What a run is asked to do, besides the request.
#[derive(Debug, Clone)]
pub struct Options {
    pub input: Input,
    /// `--output-file PATH|-` (line mode; default stdout).
    pub output_file: Option<String>,
    pub journal: Option<String>,
    pub concurrency: usize,
    /// Requests per second, if capped.
    pub rate: Option<f64>,
    pub shard: Shard,
    pub give_up_after: Duration,
}

/// What every input mode shares.
struct Context {
    caller: Caller,
    /// The journal header's hash of the request options.
    settings: String,
    shard: Shard,
    pipeline: pipeline::Settings,
}

impl Context {
    /// The counts so far: the client's and the queue's.
    fn counts(&self) -> Counts {
        Counts {
            retried: self.pipeline.requeued.load(Ordering::Relaxed),
            ..self.caller.counts()
        }
    }

    /// The journal header's fields after the mode.
    fn header(&self) -> [String; 2] {
        [
            format!("{}/{}", self.shard.k, self.shard.n),
            self.settings.clone(),
        ]
    }
}

/// Runs a batch: `template` is the request without its ciphertext, `classify` how a failed
/// call is reported.
pub fn run(
    client: Client,
    template: ReEncryptRequest,
    classify: Classify,
    o: &Options,
) -> Result<(), Failure> {
    let stopped = Arc::new(AtomicBool::new(false));
    let ctx = Context {
        settings: settings_hash(&template),
        caller: Caller::new(client, template, o.rate, classify, Arc::clone(&stopped)),
        shard: o.shard,
        pipeline: pipeline::Settings {
            workers: o.concurrency,
            window: (o.concurrency as u64 * 16).max(1024),
            give_up_after: o.give_up_after,
            requeued: AtomicU64::new(0),
            stopped,
        },
    };
    match &o.input {
        Input::Lines(input) => {
            lines::run(&ctx, input, o.output_file.as_deref(), o.journal.as_deref())
        }
        Input::Dir(dir) => dir::run(&ctx, dir, o.journal.as_deref()),
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

/// What became of one input position (`T`: what a mode's writer needs of a done item).
enum Outcome<T> {
    /// Not an item of this run: a blank or comment line, or another shard's.
    NotItem,
    Done(T),
    /// Already done by an earlier run.
    Skipped(T),
    Failed {
        code: u8,
        message: String,
    },
}

/// The step for a call that failed: a retry, a failed item (its message through `label`), or
/// the end of the run.
fn failed_step<T>(f: Failed, label: impl Fn(String) -> String) -> Step<Outcome<T>, Failure> {
    match f {
        Failed::Retry {
            after,
            why,
            or_fail,
        } => Step::Retry {
            after,
            why,
            or_end: or_fail.map(|(code, message)| Outcome::Failed {
                code,
                message: label(message),
            }),
        },
        Failed::Item {
            code,
            message,
            answered,
        } => Step::Done {
            outcome: Outcome::Failed {
                code,
                message: label(message),
            },
            answered,
        },
        Failed::Fatal { code, message } => Step::Fatal(Failure::Message(code, message)),
    }
}

/// The counts, the failure lines and the exit code, as outcomes are written in input order.
struct Tally {
    progress: Progress,
    worst: Option<u8>,
    /// Whether the total counts the items an earlier run did (directory mode knows those only
    /// once a worker has read the file): each one skipped is then taken off it.
    total_has_done: bool,
}

impl Tally {
    /// `total`: the items the run will send, known up front without the ones done before.
    fn new(total: Option<u64>) -> Tally {
        Tally {
            progress: Progress::new(total),
            worst: None,
            total_has_done: false,
        }
    }

    /// `total`: the items of the run, the ones done before among them.
    fn with_done_in_total(total: u64) -> Tally {
        Tally {
            total_has_done: true,
            ..Tally::new(Some(total))
        }
    }

    fn count<T>(&mut self, n: u64, outcome: &Outcome<T>) {
        match outcome {
            Outcome::Done(_) => self.progress.done += 1,
            Outcome::Skipped(_) => {
                self.progress.skipped += 1;
                if self.total_has_done {
                    if let Some(t) = &mut self.progress.total {
                        *t = t.saturating_sub(1);
                    }
                }
            }
            Outcome::Failed { code, message } => {
                self.progress.failed += 1;
                self.worst = Some(worse(self.worst, *code));
                self.progress
                    .line(&format!("item {n}: {}", message.replace('\n', " ")));
            }
            Outcome::NotItem => {}
        }
    }

    /// Ends a run: syncs the journal, reports a stop, prints the summary, and gives the exit
    /// code the items earned (0, 252, 254 or 255).
    fn close<R: Record>(
        mut self,
        ctx: &Context,
        journal: Option<&Journal<R>>,
        result: Result<(), Stop<Failure>>,
    ) -> Result<(), Failure> {
        if let Some(j) = journal {
            if let Err(e) = j.finish() {
                write_stderr(&format!(
                    "kms-lite: warning: cannot sync the journal {}: {e}\n",
                    files::shown(j.path())
                ));
            }
        }
        let stopped = match result {
            Ok(()) => None,
            Err(Stop::GaveUp { after, last }) => {
                self.progress.line(&format!(
                    "kms-lite: error: giving up: the service has answered no call for {} \
                     (--give-up-after); the last error: {last}. Run the same command again to \
                     resume.",
                    seconds(after)
                ));
                Some(Failure::Quiet(exit::OTHER))
            }
            Err(Stop::Fatal(Failure::Message(code, message))) => {
                self.progress.line(&format!("kms-lite: error: {message}"));
                Some(Failure::Quiet(code))
            }
            Err(Stop::Fatal(f)) => Some(f),
        };
        self.progress.summary(&ctx.counts());
        match (stopped, self.worst) {
            (Some(f), _) => Err(f),
            (None, None) => Ok(()),
            (None, Some(code)) => Err(Failure::Quiet(code)),
        }
    }
}

/// `300 s`, `1.5 s`.
fn seconds(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s.fract() == 0.0 {
        format!("{s:.0} s")
    } else {
        format!("{s:.1} s")
    }
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

/// `PATH.lock`: the lock beside a journal.
fn lock_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".lock");
    PathBuf::from(name)
}

/// Takes the lock at `lock` for `what` (`the journal X`, `the directory D`).
fn take_lock(lock: &Path, what: &str) -> Result<Lock, Failure> {
    Lock::acquire(lock).map_err(|r| Failure::Message(exit::OTHER, refusal(r, lock, what)))
}

/// Why `what` cannot be had, its lock being `lock`.
fn refusal(r: Refused, lock: &Path, what: &str) -> String {
    let shown = files::shown(lock);
    match r {
        Refused::Held(Some(h)) if h.alive() == Some(true) => format!(
            "{what} is in use by another kms-lite run ({}); wait for it to finish",
            h.describe()
        ),
        Refused::Held(Some(h)) => format!(
            "{what} is locked by a kms-lite run ({}) that cannot be seen from here; if it is \
             no longer running, remove {shown}",
            h.describe()
        ),
        Refused::Held(None) => format!(
            "{what} is locked ({shown} is not a lock kms-lite can read); if no kms-lite run uses \
             it, remove {shown}"
        ),
        Refused::Io(e) => format!("cannot lock {what} ({shown}): {e}"),
    }
}

/// A write error of the output: a closed pipe ends the run quietly.
fn write_error(e: std::io::Error) -> Failure {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        Failure::Quiet(exit::OTHER)
    } else {
        Failure::Message(exit::OTHER, format!("cannot write the output: {e}"))
    }
}

/// A journal error as the run reports it.
fn journal_write_error(path: &Path, e: &std::io::Error) -> Failure {
    Failure::Message(
        exit::OTHER,
        format!("cannot write the journal {}: {e}", files::shown(path)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A resumed directory run: 4 files, 1 done by an earlier run. The progress line's total
    /// ends at the items processed (it stayed at 4, "2/4 items" with an ETA, at the end).
    #[test]
    fn files_done_before_are_taken_off_the_total_as_they_are_found() {
        let mut tally = Tally::with_done_in_total(4);
        tally.count(1, &Outcome::Done(()));
        tally.count(2, &Outcome::<()>::Skipped(()));
        tally.count(3, &Outcome::<()>::NotItem);
        tally.count(4, &Outcome::Done(()));
        let p = &tally.progress;
        assert_eq!((p.done, p.failed, p.skipped, p.total), (2, 0, 1, Some(3)));
        // Line mode counts up front without the lines done before: a skip leaves the total.
        let mut tally = Tally::new(Some(2));
        tally.count(1, &Outcome::<()>::Skipped(()));
        assert_eq!(tally.progress.total, Some(2));
    }
}
