//! `credential_process`: runs a command (through `sh -c`, or `cmd /C` on Windows) and reads
//! `{"Version": 1, "AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration"}` from its
//! standard output (at most 64 KiB). Its standard error is passed through to ours on success and
//! quoted in the error on failure. The timeout bounds the whole run, output included: at the
//! deadline the command and every process it started (its process group, on Unix) are killed,
//! even when the command itself has exited but left a child holding its output open.

use std::fmt;
use std::io::Read;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

use serde::Deserialize;

use super::fetch::{expiry, json_error, required};
use super::{Credentials, CredentialsError};
use crate::clock::{Clock, SystemClock};

/// The most a credential process may print on stdout (and the most of its stderr kept).
const MAX_OUTPUT: u64 = 64 * 1024;

/// Credentials from an external command, as `credential_process` in a profile.
///
/// ```no_run
/// use kms_lite::credentials::{ProcessProvider, ProvideCredentials};
/// use std::time::Duration;
/// let provider = ProcessProvider::new("/usr/local/bin/get-creds --json", Duration::from_secs(30));
/// let creds = provider.provide_credentials()?;
/// # Ok::<(), kms_lite::credentials::CredentialsError>(())
/// ```
#[derive(Clone)]
pub struct ProcessProvider {
    command: String,
    timeout: Duration,
    clock: Arc<dyn Clock>,
}

impl fmt::Debug for ProcessProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProcessProvider")
            .field("command", &self.command)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Output {
    version: Option<serde_json::Value>,
    access_key_id: Option<String>,
    secret_access_key: Option<String>,
    session_token: Option<String>,
    expiration: Option<String>,
}

impl ProcessProvider {
    /// Runs `command` through the shell, killing it after `timeout`.
    pub fn new(command: impl Into<String>, timeout: Duration) -> Self {
        ProcessProvider {
            command: command.into(),
            timeout,
            clock: Arc::new(SystemClock),
        }
    }

    /// The clock that judges whether returned credentials have expired.
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    fn run(&self) -> Result<Vec<u8>, CredentialsError> {
        let what = "credential_process";
        let mut cmd = if cfg!(windows) {
            let mut c = Command::new("cmd");
            c.arg("/C").arg(&self.command);
            c
        } else {
            let mut c = Command::new("sh");
            c.arg("-c").arg(&self.command);
            c
        };
        // A process group of its own: on timeout the command and everything it started are
        // stopped together.
        #[cfg(unix)]
        std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| {
                CredentialsError::new(format!("{what}: could not start it: {e}")).with_source(e)
            })?;
        let (tx, rx) = mpsc::channel();
        if let Some(out) = child.stdout.take() {
            reader_thread(out, Stream::Stdout, tx.clone());
        }
        if let Some(err) = child.stderr.take() {
            reader_thread(err, Stream::Stderr, tx);
        }
        // The whole run is bounded, output included: a process that exits but leaves a child
        // holding its stdout open is stopped at the deadline like one that never exits.
        let deadline = Instant::now() + self.timeout;
        let (mut status, mut out, mut err) = (None, None, None);
        let (status, out, err) = loop {
            if status.is_none() {
                status = child.try_wait().map_err(|e| {
                    CredentialsError::new(format!("{what}: waiting for the command failed: {e}"))
                        .with_source(e)
                })?;
            }
            if let (Some(s), Some(_), Some(_)) = (status, &out, &err) {
                break (s, out.unwrap_or_default(), err.unwrap_or_default());
            }
            let now = Instant::now();
            if now >= deadline {
                stop(&mut child);
                return Err(CredentialsError::new(format!(
                    "{what}: the command did not finish within {:?} and was stopped (with \
                     every process it started)",
                    self.timeout
                )));
            }
            match rx.recv_timeout((deadline - now).min(Duration::from_millis(5))) {
                Ok((Stream::Stdout, Captured::TooLarge)) => {
                    stop(&mut child);
                    return Err(CredentialsError::new(format!(
                        "{what}: the command printed more than {} KiB; it was stopped",
                        MAX_OUTPUT >> 10
                    )));
                }
                Ok((Stream::Stdout, Captured::Bytes(b))) => out = Some(b),
                Ok((Stream::Stderr, Captured::Bytes(b))) => err = Some(b),
                Ok((Stream::Stderr, Captured::TooLarge)) | Err(_) => {}
            }
        };
        let err_text = String::from_utf8_lossy(&err);
        if !status.success() {
            let code = match status.code() {
                Some(c) => format!("exit status {c}"),
                None => "was killed by a signal".to_owned(),
            };
            let detail = err_text.trim();
            let detail: String = detail.chars().take(1000).collect();
            return Err(CredentialsError::new(if detail.is_empty() {
                format!("{what}: the command failed ({code}) without a message on stderr")
            } else {
                format!("{what}: the command failed ({code}): {detail}")
            }));
        }
        if !err.is_empty() {
            eprint!("{err_text}");
        }
        Ok(out)
    }
}

#[derive(Debug, Clone, Copy)]
enum Stream {
    Stdout,
    Stderr,
}

enum Captured {
    Bytes(Vec<u8>),
    TooLarge,
}

/// Reads a stream to its end on a thread of its own. Standard output over [`MAX_OUTPUT`] is
/// refused (and no longer read); standard error past it is read and dropped, so the command
/// never blocks writing it.
fn reader_thread<R: Read + Send + 'static>(
    mut stream: R,
    which: Stream,
    tx: mpsc::Sender<(Stream, Captured)>,
) {
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = (&mut stream).take(MAX_OUTPUT + 1).read_to_end(&mut buf);
        let result = match which {
            Stream::Stdout if buf.len() as u64 > MAX_OUTPUT => Captured::TooLarge,
            Stream::Stderr if buf.len() as u64 > MAX_OUTPUT => {
                buf.truncate(MAX_OUTPUT as usize);
                let _ = std::io::copy(&mut stream, &mut std::io::sink());
                Captured::Bytes(buf)
            }
            _ => Captured::Bytes(buf),
        };
        // The receiver is gone when the run already ended (a timeout): nothing to do.
        let _ = tx.send((which, result));
    });
}

/// Stops the command and, on Unix, its whole process group, with the POSIX `kill` utility (std
/// cannot signal a group, and kms-lite has no `unsafe`). If that fails the command itself is
/// still killed; a process that left the group is beyond reach.
fn stop(child: &mut Child) {
    #[cfg(unix)]
    {
        let group = format!("-{}", child.id());
        let _ = Command::new("kill")
            .args(["-s", "KILL", "--", &group])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// Reads what a credential process printed: a JSON object with `Version` 1, `AccessKeyId`,
/// `SecretAccessKey`, optional `SessionToken` and `Expiration` (RFC 3339; credentials already
/// expired at `now` are an error). Error messages never quote the output.
pub(crate) fn parse_output(
    stdout: &[u8],
    now: std::time::SystemTime,
) -> Result<Credentials, CredentialsError> {
    let what = "credential_process";
    let out: Output = serde_json::from_slice(stdout).map_err(|e| json_error(what, "output", &e))?;
    match out.version.as_ref().and_then(serde_json::Value::as_u64) {
        Some(1) => {}
        Some(_) => {
            return Err(CredentialsError::new(format!(
                "{what}: unsupported Version (only 1 is supported)"
            )));
        }
        None => {
            return Err(CredentialsError::new(format!(
                "{what}: the output has no Version (must be 1)"
            )));
        }
    }
    let id = required(out.access_key_id, "AccessKeyId", what)?;
    let secret = required(out.secret_access_key, "SecretAccessKey", what)?;
    let token = out
        .session_token
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty());
    let at = match out.expiration.as_deref().map(str::trim) {
        Some(e) if !e.is_empty() => Some(expiry(e, what, now)?),
        _ => None,
    };
    Ok(Credentials::new(id, secret, token)
        .with_expiry(at)
        .with_source("credential_process"))
}

impl super::ProvideCredentials for ProcessProvider {
    fn provide_credentials(&self) -> Result<Credentials, CredentialsError> {
        let stdout = self.run()?;
        parse_output(&stdout, self.clock.now())
    }
}
