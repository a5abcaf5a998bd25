//! Directory mode (`--input-dir DIR`): every regular file of the directory holds one raw
//! ciphertext and is rewritten in place (atomically, keeping its mode and owner).
//!
//! The directory is resolved first (`.` becomes its real path), so the default journal goes
//! beside it, never inside. The run never takes its own journal, its locks or temporary files
//! for items, reads a file only if it is still the regular file listed (never through a link
//! swapped in since), and locks the directory (per shard) against a second run.

use std::collections::HashMap;
use std::ffi::{OsStr, OsString};
use std::fs::{self, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use super::journal::{self, Journal, Record};
use super::lock::{self, Lock};
use super::pipeline::{self, Event, Step};
use super::shard::Shard;
use super::{Context, Outcome, Tally, failed_step, journal_write_error};
use crate::commands::re_encrypt_batch::cli::SHARD;
use crate::{Failure, exit, files};

/// The most read from one file (KMS takes at most 6144 bytes).
const FILE_CAP: u64 = 64 * 1024;

/// A directory-mode journal record: `NAME-IN-HEX NEW-CONTENT-SHA256`.
struct FileRecord<'a> {
    name_hex: &'a str,
    content_hash: &'a str,
}

impl Record for FileRecord<'_> {
    const MODE: &'static str = "dir";
    fn fields(&self) -> Vec<&str> {
        vec![self.name_hex, self.content_hash]
    }
}

/// One file for a worker.
struct Job {
    path: PathBuf,
    /// The name as messages show it.
    shown: String,
    name_hex: String,
    /// The content hashes the journal holds for this name.
    done: Vec<String>,
}

pub(super) fn run(ctx: &Context, dir: &str, journal: Option<&str>) -> Result<(), Failure> {
    let cannot_read = |e: std::io::Error| {
        Failure::Message(
            exit::OTHER,
            format!(
                "cannot read the directory {}: {e}",
                files::shown(Path::new(dir))
            ),
        )
    };
    let dir = resolve(Path::new(dir)).map_err(cannot_read)?;
    let journal_path = journal
        .map(PathBuf::from)
        .unwrap_or_else(|| default_journal(&dir, ctx.shard));
    let dir_lock = lock_dir(&dir, ctx.shard)?;
    let what = format!("the journal {}", files::shown(&journal_path));
    let journal_lock_path = super::lock_path(&journal_path);
    let _journal_lock = super::take_lock(&journal_lock_path, &what)?;
    let mut done: HashMap<String, Vec<String>> = HashMap::new();
    let header = ctx.header();
    let journal = Journal::<FileRecord<'static>>::open(
        &journal_path,
        &[&header[0], &header[1]],
        journal::Sync::Always,
        |f| {
            let (name_hex, hash) = (f.get(0)?, f.get(1)?);
            if f.len() != 2 {
                return None;
            }
            done.entry(name_hex.to_owned())
                .or_default()
                .push(hash.to_owned());
            Some(())
        },
    )
    .map_err(|m| Failure::Message(exit::OTHER, m))?;
    // Ours, wherever they are: never items.
    let own: Vec<files::Id> = [
        journal.id(),
        files::id_of(&journal_lock_path),
        files::id_of(&dir_lock.1),
    ]
    .into_iter()
    .flatten()
    .collect();
    let names = list(&dir, ctx.shard, &own).map_err(cannot_read)?;

    let total = (1..=names.len() as u64)
        .filter(|i| ctx.shard.holds(*i))
        .count() as u64;
    // Which files an earlier run did shows only once each is read: the tally takes those off.
    let mut tally = Tally::with_done_in_total(total);
    let (shard, reader_dir) = (ctx.shard, dir.clone());
    let result = pipeline::run(
        &ctx.pipeline,
        move |feed| {
            for (i, name) in names.into_iter().enumerate() {
                let more = if shard.holds(i as u64 + 1) {
                    let name_hex = hex::encode(name.as_encoded_bytes());
                    feed.job(Job {
                        path: reader_dir.join(&name),
                        shown: files::escape(name.as_encoded_bytes()),
                        done: done.remove(&name_hex).unwrap_or_default(),
                        name_hex,
                    })
                } else {
                    feed.ready(Outcome::NotItem)
                };
                if !more {
                    break;
                }
            }
            Ok(())
        },
        |job: &Job, tries| work(ctx, &journal, job, tries),
        |event| {
            match event {
                Event::Item(n, outcome) => tally.count(n, &outcome),
                Event::Tick => tally.progress.tick(ctx),
            }
            Ok(())
        },
    );
    let result = result.and_then(|()| {
        files::sync_dir(&dir).map_err(|e| {
            pipeline::Stop::Fatal(Failure::Message(
                exit::OTHER,
                format!("cannot sync the directory {}: {e}", files::shown(&dir)),
            ))
        })
    });
    tally.close(ctx, Some(&journal), result)
}

/// The directory's path with `.`, `..` and the links of its parents resolved (its own name
/// kept, so a link to a directory keeps its journal beside the link), checked to be one.
fn resolve(dir: &Path) -> std::io::Result<PathBuf> {
    if !fs::metadata(dir)?.is_dir() {
        return Err(std::io::Error::other("not a directory"));
    }
    match dir.file_name() {
        Some(_) => files::resolve(dir).ok_or_else(|| std::io::Error::other("cannot resolve it")),
        None => fs::canonicalize(dir),
    }
}

/// `DIR.journal` beside the directory (`DIR.shard-K-of-N.journal` for a shard), so shards
/// working on one directory keep apart.
fn default_journal(dir: &Path, shard: Shard) -> PathBuf {
    let mut name = dir.as_os_str().to_owned();
    if shard == Shard::ALL {
        name.push(".journal");
    } else {
        name.push(format!(".shard-{}-of-{}.journal", shard.k, shard.n));
    }
    PathBuf::from(name)
}

/// The lock inside the directory for a shard: `.kms-lite.lock`, `.kms-lite.shard-K-of-N.lock`.
fn lock_name(shard: Shard) -> String {
    if shard == Shard::ALL {
        ".kms-lite.lock".into()
    } else {
        format!(".kms-lite.shard-{}-of-{}.lock", shard.k, shard.n)
    }
}

/// The shard a directory lock's name is for.
fn lock_shard(name: &OsStr) -> Option<Shard> {
    let name = name.to_str()?;
    if name == ".kms-lite.lock" {
        return Some(Shard::ALL);
    }
    let spec = name
        .strip_prefix(".kms-lite.shard-")?
        .strip_suffix(".lock")?;
    let (k, n) = spec.split_once("-of-")?;
    Shard::parse(&format!("{k}/{n}"))
}

/// Locks the directory for `shard`, refusing while a live run holds it for an overlapping
/// shard. Returns the lock and its path.
fn lock_dir(dir: &Path, shard: Shard) -> Result<(Lock, PathBuf), Failure> {
    let what = format!("the directory {}", files::shown(dir));
    let path = dir.join(lock_name(shard));
    let lock = super::take_lock(&path, &what)?;
    let entries = fs::read_dir(dir).map_err(|e| {
        Failure::Message(
            exit::OTHER,
            format!("cannot read the directory {}: {e}", files::shown(dir)),
        )
    })?;
    for entry in entries.flatten() {
        let Some(other) = lock_shard(&entry.file_name()) else {
            continue;
        };
        if other == shard || !other.overlaps(&shard) {
            continue;
        }
        if let Some(h) = lock::holder(&entry.path()) {
            if h.alive() != Some(false) {
                return Err(Failure::Message(
                    exit::OTHER,
                    format!(
                        "{what} is in use by another kms-lite run ({}, {} {}/{}) whose \
                         items overlap these; wait for it to finish",
                        h.describe(),
                        SHARD.name,
                        other.k,
                        other.n
                    ),
                ));
            }
        }
    }
    Ok((lock, path))
}

/// The regular files of `dir` that are items, sorted by name: not links, not this tool's
/// temporary files or locks, not `own` files (the journal and its lock). Leftover temporary
/// files of this shard's items (from a killed run) are removed.
fn list(dir: &Path, shard: Shard, own: &[files::Id]) -> std::io::Result<Vec<OsString>> {
    let mut names = Vec::new();
    let mut temps = Vec::new();
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name();
        // Regular files only (symbolic links are not followed).
        if !entry.file_type()?.is_file() || lock_shard(&name).is_some() {
            continue;
        }
        if files::parse_temp(&name).is_some() {
            temps.push(name);
            continue;
        }
        if files::id(&entry.metadata()?).is_some_and(|id| own.contains(&id)) {
            continue;
        }
        names.push(name);
    }
    names.sort_by(|a, b| a.as_encoded_bytes().cmp(b.as_encoded_bytes()));
    let ours: Vec<Vec<u8>> = names
        .iter()
        .enumerate()
        .filter(|(i, _)| shard.holds(*i as u64 + 1))
        .map(|(_, n)| files::temp_stem(n))
        .collect();
    for temp in temps {
        if let Some((stem, pid)) = files::parse_temp(&temp) {
            let lock_temp = lock_shard(&files_os(stem)).is_some() && lock::surely_gone(pid);
            if lock_temp || ours.iter().any(|s| s.as_slice() == stem) {
                let _ = fs::remove_file(dir.join(&temp));
            }
        }
    }
    Ok(names)
}

/// A stem's bytes as a name, to recognize a lock's temporary file.
fn files_os(stem: &[u8]) -> OsString {
    OsString::from(String::from_utf8_lossy(stem).into_owned())
}

/// A worker's try at one file: read it, skip it if the journal says it is done, call, journal
/// the new content's hash (on disk before the rename it guards), rewrite.
fn work(
    ctx: &Context,
    journal: &Journal<FileRecord<'_>>,
    job: &Job,
    tries: u32,
) -> Step<Outcome<()>, Failure> {
    let failed = |code: u8, m: String| Step::Done {
        outcome: Outcome::Failed {
            code,
            message: format!("({}) {m}", job.shown),
        },
        answered: false,
    };
    let mut old = Vec::new();
    let read = files::open_regular(&job.path, OpenOptions::new().read(true))
        .and_then(|(f, _)| f.take(FILE_CAP + 1).read_to_end(&mut old));
    if let Err(e) = read {
        return failed(exit::OTHER, format!("cannot read the file: {e}"));
    }
    if job.done.iter().any(|h| *h == journal::hash_hex(&old, 64)) {
        return Step::Done {
            outcome: Outcome::Skipped(()),
            answered: false,
        };
    }
    if old.len() as u64 > FILE_CAP {
        return failed(
            exit::USAGE,
            format!("the file is larger than {FILE_CAP} bytes; KMS ciphertexts are at most 6144"),
        );
    }
    let new = match ctx.caller.re_encrypt(&old, tries) {
        Ok(b) => b,
        Err(f) => return failed_step(f, |m| format!("({}) {m}", job.shown)),
    };
    let record = FileRecord {
        name_hex: &job.name_hex,
        content_hash: &journal::hash_hex(&new, 64),
    };
    if let Err(e) = journal.append(&record) {
        return Step::Fatal(journal_write_error(journal.path(), &e));
    }
    let rewrite = files::Output::open(&job.path, false).and_then(|mut o| {
        o.write_all(&new)?;
        o.commit(false)
    });
    match rewrite {
        Ok(()) => Step::Done {
            outcome: Outcome::Done(()),
            answered: true,
        },
        Err(e) => failed(exit::OTHER, format!("cannot rewrite the file: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_names_round_trip() {
        for shard in [Shard::ALL, Shard { k: 3, n: 8 }] {
            assert_eq!(lock_shard(OsStr::new(&lock_name(shard))), Some(shard));
        }
        assert_eq!(lock_shard(OsStr::new(".kms-lite.shard-0-of-2.lock")), None);
        assert_eq!(lock_shard(OsStr::new("kms-lite.lock")), None);
        assert_eq!(
            default_journal(Path::new("/d/secrets"), Shard { k: 2, n: 3 }),
            PathBuf::from("/d/secrets.shard-2-of-3.journal")
        );
    }
}
