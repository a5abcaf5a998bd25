//! The command line of `re-encrypt-batch`: its options, its help, and the [`BatchArgs`] they
//! make.

use std::time::Duration;

use crate::args::{
    BatchArgs, BatchInput, Command, DEFAULT_CONCURRENCY, Invocation, MAX_CONCURRENCY, Opt, Shard,
    Takes, optional, required,
};
use crate::commands::re_encrypt;
use crate::{Failure, model, opts, params};

pub static INPUT: Opt = Opt::local(
    "--input",
    Takes::One("PATH|-"),
    "Newline-delimited base64 ciphertexts (standard alphabet, padded), from
a file, stdin, a pipe (<(cmd)) or a FIFO, read once. Line N is item N.
Blank lines and lines starting with # are not items. Spaces and a
trailing CR around a line are ignored. A line longer than 8192
characters is a failed item; a NUL byte ends the run (the input is not
text).",
);

pub static INPUT_DIR: Opt = Opt::local(
    "--input-dir",
    Takes::One("DIR"),
    "Every regular file in DIR (not subdirectories, not symbolic links, not
kms-lite's own journal, lock or temporary files) holds one raw
ciphertext; files are items 1, 2, ... in byte order of their names.
Each file is rewritten in place atomically, keeping its mode and owner:
a temporary file .NAME.kms-lite-PID.tmp in DIR, written and fsynced,
then renamed over NAME; DIR is fsynced at the end.",
);

pub static OUTPUT_FILE: Opt = Opt::local(
    "--output-file",
    Takes::One("PATH|-"),
    "Line mode only. Default -: stdout. One line per input line, in input
order: the new ciphertext in base64 for an item that succeeded, an
empty line for anything else (a failed item, a blank or comment line,
another shard's item), so `paste input output` pairs them and
`paste -d '' shard1.out shard2.out ...` merges shards. A file is
written to a temporary file beside it and renamed over PATH when the
run ends (keeping its mode and owner; a symbolic link is replaced,
never followed); a device, a FIFO or /dev/stdout is written as the run
goes. It may not be the --input file.",
);

pub static JOURNAL: Opt = Opt::local(
    "--journal",
    Takes::One("PATH"),
    "The journal (default: OUTPUT.journal when --output-file is a file;
DIR.journal beside the directory for --input-dir, DIR.shard-K-of-N.journal
with --shard). Without a file output and without --journal there is no
journal and the run cannot be resumed. A file that is not a journal (or
a symbolic link) is refused untouched. A second run on the same journal
or directory is refused while the first runs (a lock file, PATH.lock or
DIR/.kms-lite.lock; a killed run's lock is taken over).",
);

pub static CONCURRENCY: Opt = Opt::local(
    "--concurrency",
    Takes::One("N"),
    "Requests in flight, 1 to 256 (default 8). The workers share one client
and its connection pool.",
);

pub static RATE: Opt = Opt::local(
    "--rate",
    Takes::One("R"),
    "At most R requests started per second, spread evenly (R may be
fractional, for example 0.5): a hard cap on top of the adaptive rate
(see RATE), to keep a share of the account's KMS quota, which every
other caller shares. Retries inside one request are not counted.",
);

pub static SHARD: Opt = Opt::local(
    "--shard",
    Takes::One("K/N|env:VAR/N"),
    "Take only the items i with (i - 1) mod N = K - 1, K counted from 1
(1 <= K <= N). The N shards of one input are disjoint and together hold
every item. env:VAR/N takes K - 1 from the variable VAR, so one command
line serves every member of a Kubernetes Indexed Job
(env:JOB_COMPLETION_INDEX/N) or an AWS Batch array job
(env:AWS_BATCH_JOB_ARRAY_INDEX/N).",
);

pub static GIVE_UP_AFTER: Opt = Opt::local(
    "--give-up-after",
    Takes::One("SECONDS"),
    "Stop the run when the service has answered no call for this long while
calls keep failing with retryable errors (default under RETRIES); run
again to resume.",
);

pub static COMMAND: Command = Command {
    name: "re-encrypt-batch",
    summary: "Re-encrypt many ciphertexts (base64 lines, or a directory of files
rewritten in place) with bounded concurrency, an optional rate cap,
and a journal that makes an interrupted run resumable.",
    about: "re-encrypt many ciphertexts under another KMS key or
encryption context (ReEncrypt), with bounded concurrency, an optional rate cap,
output in input order, and a journal that lets an interrupted run (crash,
kill -9, Ctrl-C) resume without losing or redoing items. The request options
(and --cli-input-json) are those of re-encrypt, the same for every item.",
    operation: Some(&model::RE_ENCRYPT),
    prints_response: false,
    options: &[
        required(&opts::DESTINATION_KEY_ID),
        optional(&opts::SOURCE_KEY_ID),
        optional(&opts::SOURCE_ENCRYPTION_CONTEXT),
        optional(&opts::DESTINATION_ENCRYPTION_CONTEXT),
        optional(&opts::SOURCE_ENCRYPTION_ALGORITHM),
        optional(&opts::DESTINATION_ENCRYPTION_ALGORITHM),
        optional(&opts::GRANT_TOKENS),
        optional(&INPUT),
        optional(&INPUT_DIR),
        optional(&OUTPUT_FILE),
        optional(&JOURNAL),
        optional(&CONCURRENCY),
        optional(&RATE),
        optional(&SHARD),
        optional(&GIVE_UP_AFTER),
    ],
    positional: None,
    one_of: &[&[&INPUT, &INPUT_DIR]],
    conflicts: &[(&OUTPUT_FILE, &INPUT_DIR, "files are rewritten in place")],
    notes,
    exit_codes: "\
EXIT CODES
  0    every item succeeded (or was already done)
  252  the command line is not valid, or only bad input lines failed
  253  configuration is missing (region, credentials)
  254  at least one item failed with a service error
  255  other failures (network, files, journal); 130 or 137 when interrupted or killed
",
    run,
};

fn notes() -> String {
    format!(
        "\
ITEMS
  Each failed item prints one line on stderr and never stops the batch:
      item N: An error occurred (CODE) when calling the ReEncrypt operation: MESSAGE
  (in directory mode `item N: (NAME) ...`). At the end a summary goes to stderr:
      re-encrypted N, failed M, skipped (already done) S, in T s (R items/s);
      requests Q (q/s), throttled X (P%), retried later Y
  (then `; adaptive rate limit at the end L req/s` when the client is limiting; every
  request counts, the client's own retries included), and, when stderr is a
  terminal, a progress line meanwhile (done, failed, items/s, requests/s and the limit on
  them, throttled requests, ETA).

RESUMING
  Run the same command again. Items the journal records as done are not sent again (line
  mode prints their journaled result), so the output is the one an uninterrupted run gives.
  Failed items are tried again. A journal made with other keys, contexts, algorithms,
  input mode or shard, or for other input lines, is refused: remove it to start over. The
  journal is kept after a complete run, so running again is cheap and changes nothing.

RATE
  Unless AWS_RETRY_MODE or the profile's retry_mode sets another mode, the batch runs in
  the adaptive retry mode: from the first throttling answer on, requests wait for a
  client-side rate that is cut on each throttling answer and grows back otherwise, so the
  batch finds the account's quota by itself and shares it with other callers and shards.
  Until that first answer the request rate starts at {start}/s and doubles every
  {doubling} ms (slow start). --rate is a hard cap on top.

RETRIES
  Each request is tried up to AWS_MAX_ATTEMPTS times (default 3) with the standard
  backoff. An item whose call still ends in a retryable error (throttling, 5xx, a reset,
  a timeout, a truncated response) goes back to the queue and is tried again later,
  with a growing pause. Only a final error fails it, or {tries} failed tries (not
  throttling) while the service answers other calls. A service down for good ends the run
  after {give_up} s without an answer (--give-up-after).
",
        start = crate::batch::rate::START_RATE,
        doubling = crate::batch::rate::DOUBLING.as_millis(),
        tries = crate::batch::call::TRANSIENT_TRIES,
        give_up = crate::batch::DEFAULT_GIVE_UP.as_secs(),
    )
}

fn run(inv: &Invocation) -> Result<(), Failure> {
    let args = batch_args(inv)?;
    super::run(&inv.globals, &args)
}

/// The batch's settings from the command line; the request members from the options and
/// `--cli-input-json`.
fn batch_args(inv: &Invocation) -> Result<BatchArgs, Failure> {
    let usage = |o: &Opt, what: &str| Failure::Usage(format!("argument {}: {what}", o.name));
    let path = |o: &Opt, what: &str| match inv.one(o) {
        Some("") => Err(usage(o, what)),
        v => Ok(v.map(str::to_owned)),
    };
    let input = match (
        path(&INPUT, "expected a path")?,
        path(&INPUT_DIR, "expected a path")?,
    ) {
        (Some(lines), _) => BatchInput::Lines(lines),
        (_, Some(dir)) => BatchInput::Dir(dir),
        // The parser requires one of them.
        (None, None) => return Err(usage(&INPUT, "expected a path")),
    };
    let output_file = path(&OUTPUT_FILE, "expected a file path or -")?;
    let journal = path(&JOURNAL, "expected a file path or -")?;
    let concurrency = match inv.one(&CONCURRENCY) {
        None => DEFAULT_CONCURRENCY,
        Some(v) => v
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=MAX_CONCURRENCY).contains(n))
            .ok_or_else(|| {
                usage(
                    &CONCURRENCY,
                    &format!("expected a whole number from 1 to {MAX_CONCURRENCY}"),
                )
            })?,
    };
    let rate = inv
        .one(&RATE)
        .map(|v| {
            v.parse::<f64>()
                .ok()
                .filter(|r| r.is_finite() && *r >= 0.001 && *r <= 1e6)
                .ok_or_else(|| {
                    usage(
                        &RATE,
                        "expected requests per second, a number from 0.001 to 1000000",
                    )
                })
        })
        .transpose()?;
    let shard = match inv.one(&SHARD) {
        None => Shard::ALL,
        Some(v) => {
            Shard::from_arg(v, |var| std::env::var(var).ok()).map_err(|m| usage(&SHARD, &m))?
        }
    };
    let give_up_after = inv
        .one(&GIVE_UP_AFTER)
        .map(|v| {
            v.parse::<f64>()
                .ok()
                .filter(|s| s.is_finite() && *s >= 0.1 && *s <= 1e7)
                .map(Duration::from_secs_f64)
                .ok_or_else(|| {
                    usage(
                        &GIVE_UP_AFTER,
                        "expected seconds, a number from 0.1 to 10000000",
                    )
                })
        })
        .transpose()?;
    let mut p = params::params(inv)?;
    Ok(BatchArgs {
        request: re_encrypt::template(&mut p),
        input,
        output_file,
        journal,
        concurrency,
        rate,
        shard,
        give_up_after,
    })
}
