//! The journal: an append-only text file of completed items that makes a batch resumable
//! after a crash, `kill -9` or Ctrl-C. Each input mode has its own record type ([`Record`]).
//!
//! Format: the first line is a header naming the format version, the input mode, the shard and
//! a hash of the request options; every other line is one record. Every line (header
//! included) is space-separated fields followed by a check field: the first 8 hex digits of
//! the SHA-256 of the text before it. A record is written with one `write()` on a file opened
//! for appending, so a process killed at any instant leaves at worst a torn last line (no
//! newline, or a bad check): it is ignored and cut off when the journal is opened again. A bad
//! check on any other line means the file was damaged: the run stops rather than guess.
//!
//! A journal is only ever written when it is one: a new file (created exclusively, never
//! through a link), an empty file, or a file whose first line is this run's header. Anything
//! else (another file named by mistake, a symbolic link planted at its name, a device) is
//! refused untouched. It is read line by line, each line and the whole file capped, so memory
//! holds only what each mode keeps of a record.
//!
//! Durability: `write()` alone survives the process being killed (the data is in the kernel).
//! Against power loss, the caller chooses: [`Sync::Always`] calls `fdatasync` after each
//! record (needed when the record must be on disk before a rename that it guards),
//! [`Sync::Periodic`] at most once a second and when the journal is closed.

use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::marker::PhantomData;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

use crate::commands::re_encrypt_batch::cli::{JOURNAL, SHARD};
use crate::files;

/// The first field of the header line.
const MAGIC: &str = "kms-lite-journal";
const VERSION: &str = "1";
/// The longest line read from a journal: a record holds at most 8192 base64 characters.
pub const LINE_CAP: usize = 16 * 1024;
/// The largest journal read: about 16 million line-mode records of typical data keys.
pub const JOURNAL_CAP: u64 = 4 << 30;

/// When records reach the disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sync {
    /// `fdatasync` after every record.
    Always,
    /// `fdatasync` at most once a second, and on [`Journal::finish`].
    Periodic,
}

/// One input mode's record.
pub trait Record {
    /// The mode's name in the header.
    const MODE: &'static str;
    /// The record's fields, in order (no spaces or line breaks in them).
    fn fields(&self) -> Vec<&str>;
}

/// The fields of one record read back, and where each lies in the file.
pub struct Fields<'a> {
    line: &'a str,
    /// The file offset of `line`.
    at: u64,
    parts: Vec<&'a str>,
}

impl<'a> Fields<'a> {
    pub fn get(&self, i: usize) -> Option<&'a str> {
        self.parts.get(i).copied()
    }

    pub fn len(&self) -> usize {
        self.parts.len()
    }

    /// The file offset of field `i` (for [`Journal::read_at`]).
    pub fn offset(&self, i: usize) -> u64 {
        let start = self.parts[i].as_ptr() as usize - self.line.as_ptr() as usize;
        self.at + start as u64
    }
}

/// Shared by every worker: a record is written under a lock (so records never interleave);
/// `fdatasync` runs outside it, so workers waiting for the disk overlap and the file system can
/// commit their records together.
#[derive(Debug)]
pub struct Journal<R> {
    file: File,
    /// A second handle for [`Journal::read_at`] (appends ignore its offset).
    reader: Mutex<File>,
    path: PathBuf,
    id: Option<files::Id>,
    sync: Sync,
    state: Mutex<State>,
    record: PhantomData<fn() -> R>,
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

/// The text before the check, if the check is right.
fn checked(line: &str) -> Option<&str> {
    let (text, c) = line.rsplit_once(' ')?;
    (check(text) == c).then_some(text)
}

impl<R: Record> Journal<R> {
    /// Opens the journal at `path`, creating it with a header of `header` fields (after the
    /// magic, the version and the mode) when it does not exist or is empty, and hands every
    /// record already there to `each`, which fails on a record it cannot read. A journal
    /// written for other settings (another header) is refused, and so is anything that is not
    /// a journal.
    pub fn open(
        path: &Path,
        header: &[&str],
        sync: Sync,
        mut each: impl FnMut(&Fields<'_>) -> Option<()>,
    ) -> Result<Journal<R>, String> {
        let shown = files::shown(path);
        let mut full = vec![MAGIC, VERSION, R::MODE];
        full.extend_from_slice(header);
        let header_line = line(&full);
        let existing = match std::fs::symlink_metadata(path) {
            Ok(m) if m.file_type().is_symlink() => {
                return Err(format!(
                    "the journal {shown} is a symbolic link; kms-lite neither follows nor \
                     replaces it: give the journal's own path with {}",
                    JOURNAL.name
                ));
            }
            Ok(m) if !m.is_file() => {
                return Err(format!("the journal {shown} is not a regular file"));
            }
            Ok(_) => true,
            Err(e) if e.kind() == io::ErrorKind::NotFound => false,
            Err(e) => return Err(format!("cannot open the journal {shown}: {e}")),
        };
        let file = if existing {
            let (file, meta) =
                files::open_regular(path, OpenOptions::new().read(true).append(true))
                    .map_err(|e| format!("cannot open the journal {shown}: {e}"))?;
            if meta.len() > JOURNAL_CAP {
                return Err(format!(
                    "the journal {shown} is larger than {} GiB, more than any journal \
                     kms-lite writes; split the input with {}",
                    JOURNAL_CAP >> 30,
                    SHARD.name
                ));
            }
            file
        } else {
            files::create_new(path, 0o666)
                .map_err(|e| format!("cannot create the journal {shown}: {e}"))?
        };
        let len = file
            .metadata()
            .map_err(|e| format!("cannot read the journal {shown}: {e}"))?
            .len();
        let good = read_records(&file, len, &header_line, &shown, &mut each)?;
        let journal = Journal {
            reader: Mutex::new(
                file.try_clone()
                    .map_err(|e| format!("cannot open the journal {shown}: {e}"))?,
            ),
            id: file.metadata().ok().as_ref().and_then(files::id),
            file,
            path: path.to_owned(),
            sync,
            state: Mutex::new(State {
                last_sync: Instant::now(),
                dirty: false,
            }),
            record: PhantomData,
        };
        if good == 0 {
            // New or empty: the header, on disk with its directory entry before any record.
            journal
                .write_line(&header_line)
                .and_then(|()| journal.file.sync_all())
                .map_err(|e| format!("cannot write the journal {shown}: {e}"))?;
            let _ = files::sync_dir(files::parent_dir(path));
        } else if good < len {
            journal
                .file
                .set_len(good)
                .map_err(|e| format!("cannot repair the journal {shown}: {e}"))?;
        }
        Ok(journal)
    }

    /// Appends one record; with [`Sync::Always`], returns once it is on disk.
    pub fn append(&self, record: &R) -> io::Result<()> {
        let text = line(&record.fields());
        let due = {
            let mut state = self.state();
            // One write() for the whole line; File::write_all loops only on a short write,
            // which a regular file gives only when the disk is full.
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

    /// `len` bytes at `offset` (a field of a record read at open, see [`Fields::offset`]).
    pub fn read_at(&self, offset: u64, len: usize) -> io::Result<Vec<u8>> {
        let mut reader = self.reader.lock().unwrap_or_else(|p| p.into_inner());
        reader.seek(SeekFrom::Start(offset))?;
        let mut bytes = vec![0; len];
        reader.read_exact(&mut bytes)?;
        Ok(bytes)
    }

    /// Flushes what is not on disk yet.
    pub fn finish(&self) -> io::Result<()> {
        let dirty = std::mem::replace(&mut self.state().dirty, false);
        if dirty {
            self.file.sync_data()?;
        }
        Ok(())
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The journal file's identity (a directory-mode input must not take it for an item).
    pub fn id(&self) -> Option<files::Id> {
        self.id
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn write_line(&self, text: &str) -> io::Result<()> {
        let mut state = self.state();
        (&self.file).write_all(text.as_bytes())?;
        state.dirty = true;
        Ok(())
    }
}

/// Reads the first `len` bytes of `file` line by line: checks the header, hands each record to
/// `each`, and returns the length of the good part (0 for an empty file).
fn read_records(
    file: &File,
    len: u64,
    header_line: &str,
    shown: &str,
    each: &mut impl FnMut(&Fields<'_>) -> Option<()>,
) -> Result<u64, String> {
    let mut reader = BufReader::with_capacity(1 << 16, file.take(len));
    let mut buf = Vec::new();
    let mut good = 0u64;
    loop {
        buf.clear();
        let n = (&mut reader)
            .take(LINE_CAP as u64 + 1)
            .read_until(b'\n', &mut buf)
            .map_err(|e| format!("cannot read the journal {shown}: {e}"))?;
        if n == 0 {
            return Ok(good);
        }
        let last = good + n as u64 == len;
        let text = buf
            .strip_suffix(b"\n")
            .and_then(|t| std::str::from_utf8(t).ok())
            .and_then(checked);
        if good == 0 {
            if buf == header_line.as_bytes() {
                good += n as u64;
                continue;
            }
            if text.is_some_and(|t| t.starts_with(&format!("{MAGIC} "))) {
                return Err(format!(
                    "the journal {shown} was written by a run with other options (input \
                     mode, {}, keys, contexts or algorithms); finish that run with the same \
                     options, or remove the journal to start over",
                    SHARD.name
                ));
            }
            return Err(format!(
                "the journal {shown} does not start with a kms-lite journal header; kms-lite \
                 leaves it alone: give another path with {}, or remove it",
                JOURNAL.name
            ));
        }
        match text {
            Some(text) => {
                let fields = Fields {
                    line: text,
                    at: good,
                    parts: text.split(' ').collect(),
                };
                each(&fields).ok_or_else(|| {
                    format!(
                        "the journal {shown} holds records of another kind; remove it to start \
                         over"
                    )
                })?;
            }
            // A torn last line: cut off by the caller.
            None if last => return Ok(good),
            None => {
                return Err(format!(
                    "the journal {shown} is damaged at byte {good} (a record in the middle \
                     fails its check); remove it to start over"
                ));
            }
        }
        good += n as u64;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Rec<'a>(Vec<&'a str>);

    impl Record for Rec<'_> {
        const MODE: &'static str = "lines";
        fn fields(&self) -> Vec<&str> {
            self.0.clone()
        }
    }

    fn temp(name: &str) -> PathBuf {
        let path =
            std::env::temp_dir().join(format!("kms-lite-journal-{}-{name}", std::process::id()));
        let _ = std::fs::remove_file(&path);
        path
    }

    /// Opens `path` and returns the journal and its records' fields.
    fn open(
        path: &Path,
        header: &[&str],
    ) -> Result<(Journal<Rec<'static>>, Vec<Vec<String>>), String> {
        let mut records = Vec::new();
        let j = Journal::open(path, header, Sync::Periodic, |f| {
            records.push((0..f.len()).map(|i| f.get(i).unwrap().to_owned()).collect());
            Some(())
        })?;
        Ok((j, records))
    }

    #[test]
    fn records_survive_and_a_torn_tail_is_cut() {
        let path = temp("torn");
        {
            let (j, recs) = open(&path, &["1/1", "abc"]).unwrap();
            assert!(recs.is_empty());
            j.append(&Rec(vec!["1", "h1", "AAAA"])).unwrap();
            j.append(&Rec(vec!["2", "h2", "BBBB"])).unwrap();
        }
        // A record cut in the middle, as a kill during write() would leave it.
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(b"3 h3 CC").unwrap();
        drop(f);
        let (j, recs) = open(&path, &["1/1", "abc"]).unwrap();
        assert_eq!(recs, vec![vec!["1", "h1", "AAAA"], vec!["2", "h2", "BBBB"]]);
        j.append(&Rec(vec!["3", "h3", "CCCC"])).unwrap();
        drop(j);
        let (_, recs) = open(&path, &["1/1", "abc"]).unwrap();
        assert_eq!(recs.len(), 3);
        assert_eq!(recs[2], vec!["3", "h3", "CCCC"]);

        // A whole last line with a bad check (torn inside the check) is cut too.
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(b"4 h4 DDDD 00000000\n").unwrap();
        drop(f);
        let (_, recs) = open(&path, &["1/1", "abc"]).unwrap();
        assert_eq!(recs.len(), 3);

        // Other options: refused.
        let err = open(&path, &["2/2", "abc"]).err().unwrap();
        assert!(err.contains("other options"), "{err}");
        let _ = std::fs::remove_file(&path);
    }

    #[test]
    fn a_field_is_read_back_where_it_lies() {
        let path = temp("read-at");
        let (j, _) = open(&path, &["1/1", "s"]).unwrap();
        j.append(&Rec(vec!["7", "hash", "QUJD"])).unwrap();
        drop(j);
        let mut at = None;
        let j: Journal<Rec<'static>> = Journal::open(&path, &["1/1", "s"], Sync::Periodic, |f| {
            at = Some((f.offset(2), f.get(2)?.len()));
            Some(())
        })
        .unwrap();
        let (offset, len) = at.unwrap();
        assert_eq!(j.read_at(offset, len).unwrap(), b"QUJD");
        let _ = std::fs::remove_file(&path);
    }

    #[test]
    fn damage_in_the_middle_is_refused() {
        let path = temp("damaged");
        {
            let (j, _) = open(&path, &[]).unwrap();
            j.append(&Rec(vec!["a", "1"])).unwrap();
            j.append(&Rec(vec!["b", "2"])).unwrap();
        }
        let text = std::fs::read_to_string(&path)
            .unwrap()
            .replacen("a 1", "a 9", 1);
        std::fs::write(&path, text).unwrap();
        let err = open(&path, &[]).err().unwrap();
        assert!(err.contains("damaged"), "{err}");
        let _ = std::fs::remove_file(&path);
    }

    #[test]
    fn what_is_not_a_journal_is_left_alone() {
        let path = temp("foreign");
        for content in [
            &b"hello\n"[..],
            b"one line without a newline",
            b"kms-lite-journal 1 lines 1/1 abc 00000000\n",
        ] {
            std::fs::write(&path, content).unwrap();
            let err = open(&path, &["1/1", "abc"]).err().unwrap();
            assert!(
                err.contains("does not start with a kms-lite journal header"),
                "{err}"
            );
            assert_eq!(std::fs::read(&path).unwrap(), content);
        }
        // A line longer than the cap, as the first line.
        std::fs::write(&path, vec![b'x'; LINE_CAP * 2]).unwrap();
        assert!(open(&path, &["1/1", "abc"]).is_err());
        assert_eq!(std::fs::metadata(&path).unwrap().len(), LINE_CAP as u64 * 2);

        // Larger than the cap (a sparse file): refused before reading.
        let f = File::create(&path).unwrap();
        f.set_len(JOURNAL_CAP + 1).unwrap();
        let err = open(&path, &["1/1", "abc"]).err().unwrap();
        assert!(err.contains("larger than 4 GiB"), "{err}");
        assert_eq!(std::fs::metadata(&path).unwrap().len(), JOURNAL_CAP + 1);

        // A symbolic link: refused, its target untouched.
        let target = temp("foreign-target");
        std::fs::write(&target, b"precious\n").unwrap();
        let _ = std::fs::remove_file(&path);
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(&target, &path).unwrap();
            let err = open(&path, &["1/1", "abc"]).err().unwrap();
            assert!(err.contains("is a symbolic link"), "{err}");
            assert_eq!(std::fs::read(&target).unwrap(), b"precious\n");
        }
        // An empty file becomes a journal.
        let _ = std::fs::remove_file(&path);
        std::fs::write(&path, b"").unwrap();
        assert!(open(&path, &["1/1", "abc"]).is_ok());
        assert!(
            std::fs::read_to_string(&path)
                .unwrap()
                .starts_with("kms-lite-journal 1 lines 1/1 abc ")
        );
        let _ = std::fs::remove_file(&path);
        let _ = std::fs::remove_file(&target);
    }
}
