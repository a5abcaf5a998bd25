//! A lock file that keeps two runs off one journal or one directory, and that a killed run
//! (`kill -9`, a crash, a reboot) does not leave blocking.
//!
//! The lock is a small file naming its holder: host, boot, process id and the process's start
//! time. It is made complete in a temporary file and hard-linked into place, so it never exists
//! half-written, and the link fails if a lock is already there. A run that finds a lock checks
//! the holder: on the same host, with `/proc` (Linux), a holder whose process is gone, or whose
//! process id now belongs to a process started at another time, or which ran before the last
//! boot, is stale and its lock is taken over. Without `/proc`, or from another host, staleness
//! cannot be told: the run refuses and names the lock to remove. (No `flock`: no libc, and
//! `File::lock` is newer than the supported Rust.)

use std::fs;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use crate::files;

/// The first field of a lock file.
const MAGIC: &str = "kms-lite-lock";
/// The most read from a lock file.
const LOCK_CAP: u64 = 4096;

/// Who holds a lock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holder {
    pub host: String,
    pub boot: String,
    pub pid: u32,
    /// Clock ticks after boot, from `/proc/PID/stat`; 0 where unknown.
    pub start: u64,
}

impl Holder {
    /// This process.
    pub fn me() -> Holder {
        let pid = std::process::id();
        Holder {
            host: hostname(),
            boot: read_small("/proc/sys/kernel/random/boot_id").unwrap_or_default(),
            pid,
            start: start_time(pid).unwrap_or(0),
        }
    }

    fn text(&self) -> String {
        format!(
            "{MAGIC} host={} boot={} pid={} start={}\n",
            self.host, self.boot, self.pid, self.start
        )
    }

    fn parse(text: &str) -> Option<Holder> {
        let mut fields = text.trim_end().split(' ');
        if fields.next()? != MAGIC {
            return None;
        }
        let mut value = |key: &str| -> Option<String> {
            fields
                .next()?
                .strip_prefix(key)?
                .strip_prefix('=')
                .map(str::to_owned)
        };
        Some(Holder {
            host: value("host")?,
            boot: value("boot")?,
            pid: value("pid")?.parse().ok()?,
            start: value("start")?.parse().ok()?,
        })
    }

    /// Whether the holder still runs: `Some(false)` when it surely does not, `None` when that
    /// cannot be told from here.
    pub fn alive(&self) -> Option<bool> {
        let me = Holder::me();
        if self.host != me.host || me.start == 0 {
            return None;
        }
        if !self.boot.is_empty() && !me.boot.is_empty() && self.boot != me.boot {
            return Some(false);
        }
        Some(start_time(self.pid) == Some(self.start))
    }

    /// For messages: `pid P` (with the host when it is not this one).
    pub fn describe(&self) -> String {
        if self.host == hostname() {
            format!("pid {}", self.pid)
        } else {
            format!(
                "pid {} on {}",
                self.pid,
                files::escape(self.host.as_bytes())
            )
        }
    }
}

/// Whether process `pid` surely no longer runs (for leftover temporary files).
pub fn surely_gone(pid: u32) -> bool {
    start_time(std::process::id()).is_some() && start_time(pid).is_none()
}

/// A held lock; dropping it removes the file.
#[derive(Debug)]
pub struct Lock {
    path: PathBuf,
}

/// Why a lock was not taken.
#[derive(Debug)]
pub enum Refused {
    /// Another run holds it (`None`: the lock file cannot be read as one).
    Held(Option<Holder>),
    Io(io::Error),
}

impl Lock {
    /// Takes the lock at `path`, taking over a stale one.
    pub fn acquire(path: &Path) -> Result<Lock, Refused> {
        let me = Holder::me();
        for _ in 0..3 {
            match place(path, &me.text()) {
                Ok(()) => {
                    return Ok(Lock {
                        path: path.to_owned(),
                    });
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(Refused::Io(e)),
            }
            let Some(text) = read_lock(path).map_err(Refused::Io)? else {
                continue; // gone meanwhile: try again
            };
            let holder = Holder::parse(&text);
            match holder.as_ref().and_then(Holder::alive) {
                Some(false) => take_over(path, &text).map_err(Refused::Io)?,
                _ => return Err(Refused::Held(holder)),
            }
        }
        Err(Refused::Held(
            read_lock(path)
                .ok()
                .flatten()
                .and_then(|t| Holder::parse(&t)),
        ))
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.path);
    }
}

/// Who holds the lock at `path`, if it exists and reads as a lock.
pub fn holder(path: &Path) -> Option<Holder> {
    Holder::parse(&read_lock(path).ok()??)
}

/// Creates the lock file complete, or fails with `AlreadyExists`.
fn place(path: &Path, text: &str) -> io::Result<()> {
    let (temp, mut file) = files::create_temp(path, 0o644)?;
    let written = file
        .write_all(text.as_bytes())
        .and_then(|()| file.sync_all());
    let linked = written.and_then(|()| fs::hard_link(&temp, path));
    let _ = fs::remove_file(&temp);
    match linked {
        // A file system without hard links: create it in place (it may be seen empty for an
        // instant, which reads as held).
        Err(e)
            if e.kind() != io::ErrorKind::AlreadyExists && fs::symlink_metadata(path).is_err() =>
        {
            let mut f = files::create_new(path, 0o644)?;
            f.write_all(text.as_bytes())?;
            f.sync_all()
        }
        other => other,
    }
}

/// The lock's text; `None` when there is no lock. A link or anything but a small regular file
/// is refused (it is not one of ours).
fn read_lock(path: &Path) -> io::Result<Option<String>> {
    let (file, _) = match files::open_regular(path, fs::OpenOptions::new().read(true)) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    let mut text = String::new();
    file.take(LOCK_CAP).read_to_string(&mut text)?;
    Ok(Some(text))
}

/// Removes the stale lock whose text is `stale`: renamed aside first, so that a lock another
/// run made meanwhile is put back rather than removed.
fn take_over(path: &Path, stale: &str) -> io::Result<()> {
    let aside = path.with_file_name(format!(
        ".{}.stale-{}",
        path.file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default(),
        std::process::id()
    ));
    match fs::rename(path, &aside) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    }
    let moved = fs::read_to_string(&aside).unwrap_or_default();
    if moved != stale {
        // Not the lock judged stale: put it back (never over a newer one).
        let _ = fs::hard_link(&aside, path);
    }
    fs::remove_file(&aside)
}

/// The start time of process `pid` in clock ticks after boot (field 22 of `/proc/PID/stat`).
fn start_time(pid: u32) -> Option<u64> {
    let stat = read_small(&format!("/proc/{pid}/stat"))?;
    // The command name (field 2) is in parentheses and may hold spaces and parentheses.
    let after = &stat[stat.rfind(')')? + 1..];
    after.split_whitespace().nth(19)?.parse().ok()
}

fn hostname() -> String {
    let name = read_small("/proc/sys/kernel/hostname")
        .or_else(|| read_small("/etc/hostname"))
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_default();
    // One field of the lock file: no spaces, no line breaks.
    let name: String = name
        .trim()
        .chars()
        .filter(|c| !c.is_whitespace() && !c.is_control())
        .take(64)
        .collect();
    if name.is_empty() {
        "unknown".into()
    } else {
        name
    }
}

/// A small system file's first line, trimmed.
fn read_small(path: &str) -> Option<String> {
    let mut text = String::new();
    fs::File::open(path)
        .ok()?
        .take(LOCK_CAP)
        .read_to_string(&mut text)
        .ok()?;
    Some(text.lines().next()?.trim().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("kms-lite-lock-{}-{name}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn a_lock_is_exclusive_and_removed_when_dropped() {
        let dir = temp("excl");
        let path = dir.join("j.lock");
        let lock = Lock::acquire(&path).unwrap();
        let text = fs::read_to_string(&path).unwrap();
        assert_eq!(Holder::parse(&text), Some(Holder::me()));
        if Holder::me().start != 0 {
            assert_eq!(Holder::me().alive(), Some(true));
            match Lock::acquire(&path) {
                Err(Refused::Held(Some(h))) => assert_eq!(h.pid, std::process::id()),
                other => panic!("{other:?}"),
            }
        }
        drop(lock);
        assert!(!path.exists());
        assert_eq!(
            fs::read_dir(&dir).unwrap().count(),
            0,
            "no temporary file left"
        );
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_stale_lock_is_taken_over_and_an_unreadable_one_is_not() {
        if Holder::me().start == 0 {
            eprintln!("SKIPPED: no /proc here: staleness cannot be told");
            return;
        }
        let dir = temp("stale");
        let path = dir.join("d.lock");
        // This process, but started at another time: a reused process id.
        let mut stale = Holder::me();
        stale.start += 1;
        assert_eq!(stale.alive(), Some(false));
        fs::write(&path, stale.text()).unwrap();
        let lock = Lock::acquire(&path).unwrap();
        assert_eq!(holder(&path), Some(Holder::me()));
        drop(lock);

        // From before the last boot.
        let mut old = Holder::me();
        old.boot = "another-boot".into();
        assert_eq!(old.alive(), Some(false));
        // From another host: cannot tell, so held.
        let mut remote = Holder::me();
        remote.host = "elsewhere".into();
        assert_eq!(remote.alive(), None);
        fs::write(&path, remote.text()).unwrap();
        assert!(
            matches!(Lock::acquire(&path), Err(Refused::Held(Some(h))) if h.host == "elsewhere")
        );
        // Not a lock at all: held, and left alone.
        fs::write(&path, "something else\n").unwrap();
        assert!(matches!(Lock::acquire(&path), Err(Refused::Held(None))));
        assert_eq!(fs::read_to_string(&path).unwrap(), "something else\n");
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn start_time_skips_a_command_name_with_spaces_and_parentheses() {
        if let Some(t) = start_time(std::process::id()) {
            assert!(t > 0);
        }
        assert_eq!(start_time(u32::MAX), None);
    }
}
