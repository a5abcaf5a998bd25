//! Line mode (`--input PATH|-`): newline-delimited base64 in; out, one line per input line in
//! input order (the new ciphertext, or an empty line), to stdout or a file.
//!
//! The input is opened once and read once, in bounded memory, so pipes (`--input <(cmd)`),
//! FIFOs and devices work; a regular file is counted first (on the same handle) for the ETA.
//! A line longer than any ciphertext's base64 is one failed item; a NUL byte, or no end of line
//! in 1 GiB, means the input is not base64 text and ends the run.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::journal::{self, Fields, Journal, Record};
use super::pipeline::{self, Event, Feed, Step};
use super::{Context, Outcome, Tally, failed_step, journal_write_error, lock, write_error};
use crate::commands::re_encrypt_batch::cli::{INPUT, INPUT_DIR, OUTPUT_FILE};
use crate::{Failure, exit, files};

/// The longest line that can hold a ciphertext: the base64 of 6144 bytes.
const MAX_LINE: usize = 8192;
/// How far a line is scanned for its end before the input is judged not to be lines at all.
const MAX_SCAN: u64 = 1 << 30;
/// Hex digits of an input line's SHA-256 kept in the journal to check a resume's input.
const INPUT_HASH_LEN: usize = 16;

/// A line-mode journal record: `ITEM INPUT-HASH NEW-CIPHERTEXT-BASE64`.
struct LineRecord<'a> {
    item: &'a str,
    input_hash: &'a str,
    output: &'a str,
}

impl Record for LineRecord<'_> {
    const MODE: &'static str = "lines";
    fn fields(&self) -> Vec<&str> {
        vec![self.item, self.input_hash, self.output]
    }
}

/// What is kept in memory of a journaled item: its input's hash and where its result lies in
/// the journal (about 40 bytes an item, whatever the ciphertext's size).
struct Journaled {
    input_hash: u64,
    at: u64,
    len: u32,
}

impl Journaled {
    fn parse(f: &Fields<'_>) -> Option<(u64, Journaled)> {
        let (item, hash, output) = (f.get(0)?, f.get(1)?, f.get(2)?);
        if f.len() != 3 || hash.len() != INPUT_HASH_LEN || output.len() > MAX_LINE {
            return None;
        }
        let item = item.parse().ok()?;
        Some((
            item,
            Journaled {
                input_hash: u64::from_str_radix(hash, 16).ok()?,
                at: f.offset(2),
                len: output.len() as u32,
            },
        ))
    }
}

/// One item for a worker.
struct Job {
    item: u64,
    blob: Vec<u8>,
    input_hash: String,
}

/// An item's output line.
enum Text {
    New(String),
    /// In the journal, at this offset.
    Journaled {
        at: u64,
        len: u32,
    },
}

pub(super) fn run(
    ctx: &Context,
    input: &str,
    output: Option<&str>,
    journal: Option<&str>,
) -> Result<(), Failure> {
    let (source, regular) = open_input(input)?;
    // The identity of the input, for the checks below (`-` is stdin, not stdout).
    let input_id = if input == "-" { "/dev/stdin" } else { input };
    let output = output.filter(|o| !files::is_stdout(o));
    let replaced = output.filter(|o| !files::written_in_place(Path::new(o)));
    if let Some(o) = replaced {
        if files::same_file(o, input_id) {
            return Err(usage(format!(
                "the {} {} is the {} file: the output would replace the input and lose the \
                 lines of failed items; write it elsewhere",
                OUTPUT_FILE.name,
                files::shown(Path::new(o)),
                INPUT.name
            )));
        }
    }
    // No default journal beside a device or a FIFO.
    let journal_path = journal
        .map(PathBuf::from)
        .or_else(|| replaced.map(|o| PathBuf::from(format!("{o}.journal"))));
    if let Some(j) = &journal_path {
        let j_str = j.to_string_lossy();
        for (other, option) in [(Some(input_id), INPUT.name), (output, OUTPUT_FILE.name)] {
            if other.is_some_and(|o| files::same_file(&j_str, o)) {
                return Err(usage(format!(
                    "the journal {} is the {option} file; give the journal a path of its own",
                    files::shown(j)
                )));
            }
        }
    }
    // Before the journal: an output that cannot be written leaves no new journal behind.
    let mut sink = match output {
        Some(o) => {
            let path = Path::new(o);
            if replaced.is_some() {
                remove_stale_temps(path);
            }
            let out = files::Output::open(path, false).map_err(|e| {
                Failure::Message(
                    exit::OTHER,
                    format!("cannot write {}: {e}", files::shown(path)),
                )
            })?;
            Sink::File(BufWriter::new(out))
        }
        None => Sink::Stdout(BufWriter::new(io::stdout().lock())),
    };

    let _lock = journal_path
        .as_deref()
        .map(|j| {
            let what = format!("the journal {}", files::shown(j));
            super::take_lock(&super::lock_path(j), &what)
        })
        .transpose()?;
    let mut done = HashMap::new();
    let journal = journal_path
        .as_deref()
        .map(|j| {
            let header = ctx.header();
            Journal::<LineRecord<'_>>::open(
                j,
                &[&header[0], &header[1]],
                journal::Sync::Periodic,
                |f| {
                    let (item, entry) = Journaled::parse(f)?;
                    done.insert(item, entry);
                    Some(())
                },
            )
        })
        .transpose()
        .map_err(|m| Failure::Message(exit::OTHER, m))?;
    let done = Arc::new(done);

    let total = regular
        .as_ref()
        .and_then(|f| count(f, ctx, &done).ok().flatten());
    let source: Box<dyn BufRead + Send> = match regular {
        Some(f) => Box::new(BufReader::with_capacity(1 << 16, f)),
        None => source,
    };

    let mut tally = Tally::new(total);
    let shard = ctx.shard;
    let reader_done = Arc::clone(&done);
    let result = pipeline::run(
        &ctx.pipeline,
        move |feed| read(feed, source, shard, &reader_done),
        |job: &Job, tries| work(ctx, journal.as_ref(), job, tries),
        |event| match event {
            Event::Item(n, outcome) => {
                tally.count(n, &outcome);
                let text = match outcome {
                    Outcome::Done(Text::New(b64)) | Outcome::Skipped(Text::New(b64)) => {
                        b64.into_bytes()
                    }
                    Outcome::Done(Text::Journaled { at, len })
                    | Outcome::Skipped(Text::Journaled { at, len }) => journal
                        .as_ref()
                        .ok_or_else(|| Failure::Message(exit::OTHER, "no journal".into()))?
                        .read_at(at, len as usize)
                        .map_err(|e| {
                            Failure::Message(
                                exit::OTHER,
                                format!("cannot read the journal back: {e}"),
                            )
                        })?,
                    Outcome::Failed { .. } | Outcome::NotItem => Vec::new(),
                };
                sink.write_line(&text).map_err(write_error)
            }
            Event::Tick => {
                tally.progress.tick(ctx);
                Ok(())
            }
        },
    );
    let result = result.and_then(|()| sink.finish().map_err(pipeline::Stop::Fatal));
    tally.close(ctx, journal.as_ref(), result)
}

fn usage(message: String) -> Failure {
    Failure::Message(exit::USAGE, message)
}

/// The input, opened once: a regular file is also returned on its own, to be counted.
fn open_input(input: &str) -> Result<(Box<dyn BufRead + Send>, Option<File>), Failure> {
    if input == "-" {
        return Ok((Box::new(BufReader::new(io::stdin())), None));
    }
    let file = File::open(input).map_err(|e| {
        Failure::Message(
            exit::USAGE,
            format!(
                "Error parsing parameter '{}': cannot open {}: {e}",
                INPUT.name,
                files::shown(Path::new(input))
            ),
        )
    })?;
    if file.metadata().is_ok_and(|m| m.is_file()) {
        // The stand-in is replaced by the file itself after counting.
        Ok((Box::new(io::empty()), Some(file)))
    } else {
        Ok((Box::new(BufReader::with_capacity(1 << 16, file)), None))
    }
}

/// The items this run will send, counted on `file`, which is then rewound; `None` when the
/// file cannot be read as lines (the run reports why).
fn count(file: &File, ctx: &Context, done: &HashMap<u64, Journaled>) -> io::Result<Option<u64>> {
    let mut lines = LineReader::new(BufReader::with_capacity(1 << 16, file));
    let mut buf = Vec::new();
    let mut todo = 0;
    let complete = loop {
        match lines.next(&mut buf) {
            Ok(Some(_)) => {
                let n = lines.number;
                if is_item(&buf) && ctx.shard.holds(n) && !done.contains_key(&n) {
                    todo += 1;
                }
            }
            Ok(None) => break true,
            Err(_) => break false,
        }
    };
    (&*file).seek(SeekFrom::Start(0))?;
    Ok(complete.then_some(todo))
}

/// The reader: one position per input line.
fn read(
    feed: &mut Feed<Job, Outcome<Text>, Failure>,
    source: Box<dyn BufRead + Send>,
    shard: super::Shard,
    done: &HashMap<u64, Journaled>,
) -> Result<(), Failure> {
    let mut lines = LineReader::new(source);
    let mut buf = Vec::new();
    loop {
        let too_long = match lines.next(&mut buf) {
            Ok(Some(too_long)) => too_long,
            Ok(None) => return Ok(()),
            Err(e) => return Err(e.failure(lines.number + 1)),
        };
        let n = lines.number;
        if !is_item(&buf) || !shard.holds(n) {
            if !feed.ready(Outcome::NotItem) {
                return Ok(());
            }
            continue;
        }
        let failed = |message: String| Outcome::Failed {
            code: exit::USAGE,
            message,
        };
        let more = if too_long {
            feed.ready(failed(format!(
                "the line is longer than {MAX_LINE} characters, the base64 of the largest \
                 ciphertext (6144 bytes)"
            )))
        } else {
            let input_hash = journal::hash_hex(&buf, INPUT_HASH_LEN);
            match done.get(&n) {
                Some(j) if u64::from_str_radix(&input_hash, 16) == Ok(j.input_hash) => {
                    feed.ready(Outcome::Skipped(Text::Journaled {
                        at: j.at,
                        len: j.len,
                    }))
                }
                Some(_) => {
                    return Err(Failure::Message(
                        exit::OTHER,
                        format!(
                            "item {n}: the input differs from the one the journal was written \
                             for; use the same input, or remove the journal to start over"
                        ),
                    ));
                }
                None => match kms_lite::base64::decode(&buf) {
                    Ok(blob) => feed.job(Job {
                        item: n,
                        blob,
                        input_hash,
                    }),
                    Err(e) => feed.ready(failed(format!("Invalid base64: {e}"))),
                },
            }
        };
        if !more {
            return Ok(());
        }
    }
}

/// A worker's try at one item: the call, then the journal record.
fn work(
    ctx: &Context,
    journal: Option<&Journal<LineRecord<'_>>>,
    job: &Job,
    tries: u32,
) -> Step<Outcome<Text>, Failure> {
    let new = match ctx.caller.re_encrypt(&job.blob, tries) {
        Ok(b) => b,
        Err(f) => return failed_step(f, |m| m),
    };
    let b64 = kms_lite::base64::encode(&new);
    if let Some(j) = journal {
        let record = LineRecord {
            item: &job.item.to_string(),
            input_hash: &job.input_hash,
            output: &b64,
        };
        if let Err(e) = j.append(&record) {
            return Step::Fatal(journal_write_error(j.path(), &e));
        }
    }
    Step::Done {
        outcome: Outcome::Done(Text::New(b64)),
        answered: true,
    }
}

/// A line that holds an item: not blank, not a `#` comment.
fn is_item(line: &[u8]) -> bool {
    line.first().is_some_and(|b| *b != b'#')
}

/// Where the output lines go.
enum Sink<'a> {
    Stdout(BufWriter<io::StdoutLock<'a>>),
    File(BufWriter<files::Output>),
}

impl Sink<'_> {
    fn write_line(&mut self, text: &[u8]) -> io::Result<()> {
        let w: &mut dyn Write = match self {
            Sink::Stdout(w) => w,
            Sink::File(w) => w,
        };
        w.write_all(text)?;
        w.write_all(b"\n")
    }

    /// Flushes, and commits a file (renamed over the output, or written in place).
    fn finish(self) -> Result<(), Failure> {
        match self {
            Sink::Stdout(mut w) => w.flush().map_err(write_error),
            Sink::File(w) => {
                let out = w.into_inner().map_err(|e| write_error(e.into_error()))?;
                out.commit(true).map_err(write_error)
            }
        }
    }
}

/// Removes the temporary files that killed runs left beside the output `path`
/// (`.NAME.kms-lite-PID.tmp` of a process that is surely gone).
fn remove_stale_temps(path: &Path) {
    let Some(name) = path.file_name() else {
        return;
    };
    let stem = files::temp_stem(name);
    let Ok(entries) = std::fs::read_dir(files::parent_dir(path)) else {
        return;
    };
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let stale = files::parse_temp(&file_name)
            .is_some_and(|(s, pid)| s == stem.as_slice() && lock::surely_gone(pid));
        if stale && entry.file_type().is_ok_and(|t| t.is_file()) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Why the input cannot be read as lines.
enum LineError {
    Io(io::Error),
    /// A NUL byte: binary, not base64 text.
    Nul,
    /// No end of line within [`MAX_SCAN`] bytes.
    Endless,
}

impl LineError {
    /// The failure that ends the run, for line `n`.
    fn failure(self, n: u64) -> Failure {
        let message = match self {
            LineError::Io(e) => format!("cannot read the input: {e}"),
            LineError::Nul => format!(
                "line {n} of the input holds a NUL byte: it is not base64 text (for a directory \
                 of raw ciphertext files, use {})",
                INPUT_DIR.name
            ),
            LineError::Endless => format!(
                "line {n} of the input has no end in its first {} GiB: it is not \
                 newline-delimited base64",
                MAX_SCAN >> 30
            ),
        };
        Failure::Message(exit::OTHER, message)
    }
}

/// Reads lines in bounded memory: each line's text, without the spaces around it, up to
/// [`MAX_LINE`] bytes; beyond that the line is only scanned for its end.
struct LineReader<R> {
    inner: R,
    /// Lines read so far.
    number: u64,
}

impl<R: BufRead> LineReader<R> {
    fn new(inner: R) -> Self {
        LineReader { inner, number: 0 }
    }

    /// Reads the next line's text into `buf`; `Some(true)` when it was longer than
    /// [`MAX_LINE`] (then `buf` holds its beginning), `None` at the end of the input.
    fn next(&mut self, buf: &mut Vec<u8>) -> Result<Option<bool>, LineError> {
        buf.clear();
        let (mut started, mut too_long, mut any) = (false, false, false);
        let mut scanned = 0u64;
        loop {
            let chunk = match self.inner.fill_buf() {
                Ok(c) => c,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(LineError::Io(e)),
            };
            if chunk.is_empty() {
                if !any {
                    return Ok(None);
                }
                break;
            }
            any = true;
            let (part, used, end) = match chunk.iter().position(|b| *b == b'\n') {
                Some(i) => (&chunk[..i], i + 1, true),
                None => (chunk, chunk.len(), false),
            };
            if part.contains(&0) {
                return Err(LineError::Nul);
            }
            if !too_long {
                for &b in part {
                    if !started {
                        if b.is_ascii_whitespace() {
                            continue;
                        }
                        started = true;
                    }
                    if buf.len() < MAX_LINE {
                        buf.push(b);
                    } else if !b.is_ascii_whitespace() {
                        too_long = true;
                        break;
                    }
                }
            }
            scanned += used as u64;
            self.inner.consume(used);
            if end {
                break;
            }
            if scanned > MAX_SCAN {
                return Err(LineError::Endless);
            }
        }
        self.number += 1;
        buf.truncate(buf.trim_ascii_end().len());
        Ok(Some(too_long))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(input: &[u8]) -> Vec<Result<(String, bool), &'static str>> {
        let mut r = LineReader::new(BufReader::with_capacity(7, input));
        let mut buf = Vec::new();
        let mut out = Vec::new();
        loop {
            match r.next(&mut buf) {
                Ok(Some(long)) => out.push(Ok((String::from_utf8_lossy(&buf).into_owned(), long))),
                Ok(None) => return out,
                Err(LineError::Nul) => return [out, vec![Err("nul")]].concat(),
                Err(_) => return [out, vec![Err("other")]].concat(),
            }
        }
    }

    #[test]
    fn lines_are_trimmed_and_bounded() {
        let ok = |s: &str| Ok((s.to_owned(), false));
        assert_eq!(
            lines(b"  AAAA  \r\n\nBB BB\n# c\nlast"),
            vec![ok("AAAA"), ok(""), ok("BB BB"), ok("# c"), ok("last")]
        );
        let exact = "A".repeat(MAX_LINE);
        let input = format!("{exact}   \n{exact}B\n   {exact}  \t\nx");
        let got = lines(input.as_bytes());
        assert_eq!(got[0], ok(&exact));
        assert_eq!(got[1], Ok((exact.clone(), true)));
        assert_eq!(got[2], ok(&exact));
        assert_eq!(got[3], ok("x"));
        assert_eq!(lines(b"AAAA\nBB\0BB\nCC"), vec![ok("AAAA"), Err("nul")]);
        assert_eq!(lines(b""), vec![]);
    }
}
