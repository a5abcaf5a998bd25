//! The journal: an append-only text file of completed items that makes a batch resumable
//! after a crash, `kill -9` or Ctrl-C.
//!
//! Format: the first line is a header naming the format version, the input mode, the shard and
//! a hash of the request options; every other line is one record. Every line (header
//! included) is space-separated fields followed by a check field: the first 8 hex digits of
//! the SHA-256 of the text before it. A record is written with one `write()` on a file opened
//! for appending, so a process killed at any instant leaves at worst a torn last line (no
//! newline, or a bad check): it is ignored and cut off when the journal is opened again. A bad
//! check on any other line means the file was damaged: the run stops rather than guess.
//!
//! Durability: `write()` alone survives the process being killed (the data is in the kernel).
//! Against power loss, the caller chooses: [`Sync::Always`] calls `fdatasync` after each
//! record (needed when the record must be on disk before a rename that it guards),
//! [`Sync::Periodic`] at most once a second and when the journal is closed.

use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

/// The first field of the header line.
const MAGIC: &str = "kms-lite-journal";
const VERSION: &str = "1";

/// When records reach the disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sync {
    /// `fdatasync` after every record.
    Always,
    /// `fdatasync` at most once a second, and on [`Journal::finish`].
    Periodic,
}

/// Shared by every worker: a record is written under a lock (so records never interleave);
/// `fdatasync` runs outside it, so workers waiting for the disk overlap and the file system can
/// commit their records together.
#[derive(Debug)]
pub struct Journal {
    file: File,
    path: PathBuf,
    sync: Sync,
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    last_sync: Instant,
    dirty: bool,
}

/// Hex SHA-256 of `data`, cut to `len` hex digits.
pub fn hash_hex(data: &[u8], len: usize) -> String {
    let mut h = hex::encode(Sha256::digest(data));
    h.truncate(len);
    h
}

fn check(text: &str) -> String {
    hash_hex(text.as_bytes(), 8)
}

/// One line: the fields, a space, the check, a newline.
fn line(fields: &[&str]) -> String {
    let text = fields.join(" ");
    let c = check(&text);
    format!("{text} {c}\n")
}

/// Splits a line into its fields if its check is right.
fn parse(line: &str) -> Option<Vec<String>> {
    let (text, c) = line.rsplit_once(' ')?;
    (check(text) == c).then(|| text.split(' ').map(str::to_owned).collect())
}

impl Journal {
    /// Opens the journal at `path`, creating it with a header made of `header` fields when it
    /// does not exist or is empty. Returns the records already there (fields without the
    /// check). A journal written for other settings (a different header) is refused.
    pub fn open(
        path: &Path,
        header: &[&str],
        sync: Sync,
    ) -> Result<(Journal, Vec<Vec<String>>), String> {
        let shown = path.display();
        let mut file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(path)
            .map_err(|e| format!("cannot open the journal {shown}: {e}"))?;
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes)
            .map_err(|e| format!("cannot read the journal {shown}: {e}"))?;
        let mut full: Vec<&str> = vec![MAGIC, VERSION];
        full.extend_from_slice(header);
        let header_line = line(&full);
        let mut records = Vec::new();
        // The length of the good part: whole lines with a right check.
        let mut good = 0usize;
        let mut lines = bytes.split_inclusive(|b| *b == b'\n').peekable();
        while let Some(raw) = lines.next() {
            let last = lines.peek().is_none();
            let whole = raw.ends_with(b"\n");
            let parsed = std::str::from_utf8(raw)
                .ok()
                .filter(|_| whole)
                .and_then(|t| parse(t.trim_end_matches('\n')));
            match parsed {
                Some(fields) => {
                    if good == 0 {
                        if *raw != *header_line.as_bytes() {
                            return Err(format!(
                                "the journal {shown} was written by a run with other options \
                                 (input mode, --shard, keys, contexts or algorithms); finish \
                                 that run with the same options, or remove the journal to \
                                 start over"
                            ));
                        }
                    } else {
                        records.push(fields);
                    }
                    good += raw.len();
                }
                // A torn last line: cut it off.
                None if last => break,
                None => {
                    return Err(format!(
                        "the journal {shown} is damaged at byte {good} (a record in the middle \
                         fails its check); remove it to start over"
                    ));
                }
            }
        }
        if good < bytes.len() {
            file.set_len(good as u64)
                .map_err(|e| format!("cannot repair the journal {shown}: {e}"))?;
        }
        let journal = Journal {
            file,
            path: path.to_owned(),
            sync,
            state: Mutex::new(State {
                last_sync: Instant::now(),
                dirty: false,
            }),
        };
        if good == 0 {
            journal
                .write_line(&header_line)
                .and_then(|()| journal.file.sync_all())
                .map_err(|e| format!("cannot write the journal {shown}: {e}"))?;
            if let Some(dir) = path.parent() {
                let dir = if dir.as_os_str().is_empty() {
                    Path::new(".")
                } else {
                    dir
                };
                let _ = crate::files::sync_dir(dir);
            }
        }
        Ok((journal, records))
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn write_line(&self, text: &str) -> std::io::Result<()> {
        let mut state = self.state();
        // One write() for the whole line; File::write_all loops only on a short write, which
        // a regular file gives only when the disk is full.
        (&self.file).write_all(text.as_bytes())?;
        state.dirty = true;
        Ok(())
    }

    /// Appends one record (fields must not hold spaces or newlines); with [`Sync::Always`],
    /// returns once it is on disk.
    pub fn append(&self, fields: &[&str]) -> std::io::Result<()> {
        let text = line(fields);
        let due = {
            let mut state = self.state();
            (&self.file).write_all(text.as_bytes())?;
            state.dirty = true;
            let due = match self.sync {
                Sync::Always => true,
                Sync::Periodic => state.last_sync.elapsed() >= Duration::from_secs(1),
            };
            if due {
                state.last_sync = Instant::now();
                state.dirty = false;
            }
            due
        };
        if due {
            self.file.sync_data()?;
        }
        Ok(())
    }

    /// Flushes what is not on disk yet.
    pub fn finish(&self) -> std::io::Result<()> {
        let dirty = std::mem::replace(&mut self.state().dirty, false);
        if dirty {
            self.file.sync_data()?;
        }
        Ok(())
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("kms-lite-journal-{}-{name}", std::process::id()));
        let _ = std::fs::remove_file(&dir);
        dir
    }

    #[test]
    fn records_survive_and_a_torn_tail_is_cut() {
        let path = temp("torn");
        {
            let (j, recs) = Journal::open(&path, &["lines", "1/1", "abc"], Sync::Periodic).unwrap();
            assert!(recs.is_empty());
            j.append(&["1", "h1", "AAAA"]).unwrap();
            j.append(&["2", "h2", "BBBB"]).unwrap();
        }
        // A record cut in the middle, as a kill during write() would leave it.
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(b"3 h3 CC").unwrap();
        drop(f);
        let (j, recs) = Journal::open(&path, &["lines", "1/1", "abc"], Sync::Periodic).unwrap();
        assert_eq!(recs, vec![vec!["1", "h1", "AAAA"], vec!["2", "h2", "BBBB"]]);
        j.append(&["3", "h3", "CCCC"]).unwrap();
        drop(j);
        let (_, recs) = Journal::open(&path, &["lines", "1/1", "abc"], Sync::Always).unwrap();
        assert_eq!(recs.len(), 3);
        assert_eq!(recs[2], vec!["3", "h3", "CCCC"]);

        // A whole last line with a bad check (torn inside the check) is cut too.
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(b"4 h4 DDDD 00000000\n").unwrap();
        drop(f);
        let (_, recs) = Journal::open(&path, &["lines", "1/1", "abc"], Sync::Always).unwrap();
        assert_eq!(recs.len(), 3);

        // Other options: refused.
        let err = Journal::open(&path, &["lines", "2/2", "abc"], Sync::Always).unwrap_err();
        assert!(err.contains("other options"), "{err}");
        let _ = std::fs::remove_file(&path);
    }

    #[test]
    fn damage_in_the_middle_is_refused() {
        let path = temp("damaged");
        {
            let (j, _) = Journal::open(&path, &["dir"], Sync::Periodic).unwrap();
            j.append(&["a", "1"]).unwrap();
            j.append(&["b", "2"]).unwrap();
        }
        let text = std::fs::read_to_string(&path)
            .unwrap()
            .replacen("a 1", "a 9", 1);
        std::fs::write(&path, text).unwrap();
        let err = Journal::open(&path, &["dir"], Sync::Periodic).unwrap_err();
        assert!(err.contains("damaged"), "{err}");
        let _ = std::fs::remove_file(&path);
    }
}
