//! How kms-lite writes files, in one place: temporary names, exclusive creation (never through
//! a link), atomic replacement of regular files keeping their mode and owner, in-place writes
//! to everything else, fsync of file and directory, file identity, no-follow opens, and file
//! names made safe for messages.
//!
//! Where an output (`--ciphertext-out`, `--plaintext-out`, `--output-file`, a directory-mode
//! rewrite) goes, by what its path names:
//! - nothing: a new regular file, written to a temporary file beside it, fsynced, renamed into
//!   place, the directory fsynced;
//! - a regular file: replaced the same way, so it is always either the old or the whole new
//!   content; its mode and owner are kept (the owner where the user may set it), and a private
//!   output (a plaintext) is 0600 whatever it replaces;
//! - a character device or a FIFO (`/dev/null`, a terminal, a named pipe), or one of this
//!   process's own descriptors (`/dev/stdout`, `/dev/fd/N`, `/proc/self/fd/N`, whatever they
//!   lead to): written in place, opened for appending, never renamed over nor created;
//! - a symbolic link to anything else (a regular file, a directory, nothing): the link itself
//!   is replaced, as `aws s3 cp` replaces it; its target is never written or created;
//! - a directory, a block device or a socket: refused.

use std::ffi::{OsStr, OsString};
use std::fmt::Write as _;
use std::fs::{self, File, Metadata, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// How every temporary file this tool makes ends.
const TEMP_SUFFIX: &str = ".tmp";
/// What precedes the process id in a temporary name.
const TEMP_TAG: &[u8] = b".kms-lite-";
/// Names longer than this (in bytes) are cut and hashed in temporary names, which then stay
/// under the usual 255-byte limit on a file name.
const STEM_MAX: usize = 200;
/// How many temporary names are tried when the first ones are taken.
const TEMP_TRIES: u32 = 64;
/// How many symbolic links are followed when looking for a descriptor.
const MAX_LINKS: usize = 40;
/// The path whose identity is stdout's (`-`).
const STDOUT: &str = "/dev/stdout";

/// The part of a temporary name that stands for the file `name`: the name itself, or for a
/// long one its first 100 bytes, `~` and 16 hex digits of its SHA-256.
pub fn temp_stem(name: &OsStr) -> Vec<u8> {
    let bytes = name.as_encoded_bytes();
    if bytes.len() <= STEM_MAX {
        return bytes.to_vec();
    }
    let mut cut = 100;
    // Never split a UTF-8 sequence.
    while cut > 0 && bytes[cut] & 0xC0 == 0x80 {
        cut -= 1;
    }
    let mut stem = bytes[..cut].to_vec();
    stem.push(b'~');
    stem.extend_from_slice(hex::encode(&Sha256::digest(bytes)[..8]).as_bytes());
    stem
}

/// The temporary name for the file `name`: `.NAME.kms-lite-PID.tmp`, or
/// `.NAME.kms-lite-PID-N.tmp` for the `N`th retry when a name is taken.
fn temp_name(name: &OsStr, retry: u32) -> OsString {
    let mut t = vec![b'.'];
    t.extend(temp_stem(name));
    t.extend_from_slice(TEMP_TAG);
    t.extend_from_slice(std::process::id().to_string().as_bytes());
    if retry > 0 {
        t.extend_from_slice(format!("-{retry}").as_bytes());
    }
    t.extend_from_slice(TEMP_SUFFIX.as_bytes());
    os_string(t)
}

/// If `name` is a temporary name this tool makes, the stem of the file it was for and the
/// process that made it.
pub fn parse_temp(name: &OsStr) -> Option<(&[u8], u32)> {
    let rest = name
        .as_encoded_bytes()
        .strip_prefix(b".")?
        .strip_suffix(TEMP_SUFFIX.as_bytes())?;
    let at = rest.windows(TEMP_TAG.len()).rposition(|w| w == TEMP_TAG)?;
    let (stem, tail) = (&rest[..at], &rest[at + TEMP_TAG.len()..]);
    let pid = match tail.iter().position(|b| *b == b'-') {
        Some(dash) if digits(&tail[dash + 1..]) => &tail[..dash],
        Some(_) => return None,
        None => tail,
    };
    if stem.is_empty() || !digits(pid) {
        return None;
    }
    Some((stem, std::str::from_utf8(pid).ok()?.parse().ok()?))
}

fn digits(b: &[u8]) -> bool {
    !b.is_empty() && b.iter().all(u8::is_ascii_digit)
}

#[cfg(unix)]
fn os_string(bytes: Vec<u8>) -> OsString {
    std::os::unix::ffi::OsStringExt::from_vec(bytes)
}

#[cfg(not(unix))]
fn os_string(bytes: Vec<u8>) -> OsString {
    String::from_utf8_lossy(&bytes).into_owned().into()
}

/// Creates a file that did not exist, with `mode` (before the umask) on Unix. The exclusive
/// creation (`O_EXCL`) never follows a link and never opens an existing file.
pub fn create_new(path: &Path, mode: u32) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, mode);
    #[cfg(not(unix))]
    let _ = mode;
    options.open(path)
}

/// Creates a fresh temporary file beside `path` (see [`create_new`]), trying other names when
/// one is taken (a leftover, or something planted there).
pub fn create_temp(path: &Path, mode: u32) -> io::Result<(PathBuf, File)> {
    let name = path
        .file_name()
        .ok_or_else(|| io::Error::other("not a file path"))?;
    for retry in 0..TEMP_TRIES {
        let temp = path.with_file_name(temp_name(name, retry));
        match create_new(&temp, mode) {
            Ok(f) => return Ok((temp, f)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(e),
        }
    }
    Err(io::Error::new(
        io::ErrorKind::AlreadyExists,
        "every temporary name beside it is taken",
    ))
}

/// The directory holding `path` (`.` for a bare name).
pub fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    }
}

/// Makes renames inside `dir` durable (a no-op where directories cannot be opened).
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    match File::open(dir) {
        Ok(d) => d.sync_all(),
        Err(_) => Ok(()),
    }
}

/// What becomes of an output path.
enum Kind {
    /// Written where it is.
    InPlace,
    /// Replaced by a renamed temporary file; the regular file it replaces, if any.
    Replace(Option<Metadata>),
}

fn kind(path: &Path) -> io::Result<Kind> {
    if leads_to_descriptor(path) {
        return Ok(Kind::InPlace);
    }
    let meta = match fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Kind::Replace(None)),
        Err(e) => return Err(e),
    };
    if meta.file_type().is_symlink() {
        // Followed only to a device or a FIFO; any other link is replaced, its target untouched.
        return match fs::metadata(path) {
            Ok(target) if in_place(&target) => Ok(Kind::InPlace),
            Ok(target) if !target.is_file() && !target.is_dir() => Err(refusal(&target)),
            _ => Ok(Kind::Replace(None)),
        };
    }
    if meta.is_file() {
        Ok(Kind::Replace(Some(meta)))
    } else if in_place(&meta) {
        Ok(Kind::InPlace)
    } else {
        Err(refusal(&meta))
    }
}

#[cfg(unix)]
fn in_place(meta: &Metadata) -> bool {
    use std::os::unix::fs::FileTypeExt;
    let t = meta.file_type();
    t.is_char_device() || t.is_fifo()
}

#[cfg(not(unix))]
fn in_place(_: &Metadata) -> bool {
    false
}

fn refusal(meta: &Metadata) -> io::Error {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let t = meta.file_type();
        if t.is_block_device() {
            return io::Error::other(
                "it is a block device (kms-lite writes only regular files, character devices \
                 and FIFOs)",
            );
        }
        if t.is_socket() {
            return io::Error::other("it is a socket");
        }
    }
    if meta.is_dir() {
        return io::Error::other("it is a directory");
    }
    io::Error::other("it is not a file kms-lite can write")
}

/// Whether `path`, or a link it leads through, names one of a process's open descriptors
/// (`/proc/PID/fd/N`, so also `/dev/stdout`, `/dev/fd/N`, `/proc/self/fd/N`).
fn leads_to_descriptor(path: &Path) -> bool {
    descriptor(path).is_some()
}

/// Whether an output destination is this process's stdout: `-`, or a path that leads to its
/// descriptor 1 (`/dev/stdout`, `/dev/fd/1`, `/proc/self/fd/1`). Such an output is written to
/// the inherited stdout, exactly as `-` is: reopening it would need permission on what stdout
/// is (a file or pipe another user owns), and would not share its offset.
pub fn is_stdout(dest: &str) -> bool {
    dest == "-" || descriptor(Path::new(dest)) == Some((std::process::id(), 1))
}

/// Whether an output destination is this process's stderr (`/dev/stderr`, `/dev/fd/2`,
/// `/proc/self/fd/2`, or a link to one of them).
pub fn is_stderr(dest: &str) -> bool {
    descriptor(Path::new(dest)) == Some((std::process::id(), 2))
}

/// The process and descriptor number `path` leads to, if it names an open descriptor.
fn descriptor(path: &Path) -> Option<(u32, u32)> {
    let mut p = path.to_path_buf();
    for _ in 0..MAX_LINKS {
        let dir = parent_dir(&p);
        if let Some(pid) = fs::canonicalize(dir).ok().and_then(|d| descriptor_dir(&d)) {
            let fd = p.file_name()?.to_str()?.parse().ok()?;
            return Some((pid, fd));
        }
        match fs::symlink_metadata(&p) {
            Ok(m) if m.file_type().is_symlink() => p = dir.join(fs::read_link(&p).ok()?),
            _ => return None,
        }
    }
    None
}

/// For `/proc/PID/fd` or `/proc/PID/task/TID/fd`, the PID.
fn descriptor_dir(dir: &Path) -> Option<u32> {
    let parts: Vec<&OsStr> = dir.iter().collect();
    let pid = match parts.as_slice() {
        [root, proc, pid, fd] if *root == "/" && *proc == "proc" && *fd == "fd" => pid,
        [root, proc, pid, task, _, fd]
            if *root == "/" && *proc == "proc" && *task == "task" && *fd == "fd" =>
        {
            pid
        }
        _ => return None,
    };
    pid.to_str()?.parse().ok()
}

/// Whether an output to `path` is written in place (a device, a FIFO, a descriptor) rather
/// than replacing a regular file.
pub fn written_in_place(path: &Path) -> bool {
    matches!(kind(path), Ok(Kind::InPlace))
}

/// The mode and owner a replacement takes over.
struct Keep {
    #[cfg(unix)]
    mode: u32,
    #[cfg(unix)]
    owner: (u32, u32),
}

impl Keep {
    fn of(old: &Metadata, private: bool) -> Keep {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            Keep {
                mode: if private { 0o600 } else { old.mode() & 0o777 },
                owner: (old.uid(), old.gid()),
            }
        }
        #[cfg(not(unix))]
        {
            let _ = (old, private);
            Keep {}
        }
    }

    /// Gives `file` the kept owner (where permitted: root, or a group the user is in) and mode.
    fn apply(&self, file: &File) -> io::Result<()> {
        #[cfg(unix)]
        {
            use std::os::unix::fs::{MetadataExt, PermissionsExt};
            let now = file.metadata()?;
            let (uid, gid) = self.owner;
            if (now.uid(), now.gid()) != (uid, gid)
                && std::os::unix::fs::fchown(file, Some(uid), Some(gid)).is_err()
            {
                let _ = std::os::unix::fs::fchown(file, None, Some(gid));
            }
            // After fchown, which may clear mode bits.
            file.set_permissions(fs::Permissions::from_mode(self.mode))?;
        }
        #[cfg(not(unix))]
        let _ = file;
        Ok(())
    }
}

/// An output being written (see the module documentation for where it goes). Dropped without
/// [`Output::commit`], it leaves the target as it was and removes its temporary file.
pub struct Output {
    file: File,
    target: PathBuf,
    /// The temporary file to rename over `target`; `None` when writing in place.
    temp: Option<PathBuf>,
    keep: Option<Keep>,
}

impl Output {
    /// Opens the output for `path`. `private` (a plaintext) creates the temporary file with mode
    /// 0600 from the start, so the bytes are never readable by others, not even briefly.
    pub fn open(path: &Path, private: bool) -> io::Result<Output> {
        let existing = match kind(path)? {
            Kind::InPlace => {
                let file = OpenOptions::new().append(true).open(path)?;
                return Ok(Output {
                    file,
                    target: path.to_owned(),
                    temp: None,
                    keep: None,
                });
            }
            Kind::Replace(existing) => existing,
        };
        let keep = existing.map(|m| Keep::of(&m, private));
        let mode = if private || keep.is_some() {
            0o600
        } else {
            0o666
        };
        let (temp, file) = create_temp(path, mode)?;
        Ok(Output {
            file,
            target: path.to_owned(),
            temp: Some(temp),
            keep,
        })
    }

    /// Finishes the output: in place, nothing more; otherwise fsyncs the temporary file, gives
    /// it the mode and owner of the file it replaces, renames it over the target and, with
    /// `sync_dir`, fsyncs the directory so that the rename survives a power loss.
    pub fn commit(mut self, sync_dir: bool) -> io::Result<()> {
        let Some(temp) = self.temp.take() else {
            return self.file.flush();
        };
        let result = self
            .file
            .sync_all()
            .and_then(|()| match &self.keep {
                Some(k) => k.apply(&self.file),
                None => Ok(()),
            })
            .and_then(|()| fs::rename(&temp, &self.target));
        if result.is_err() {
            let _ = fs::remove_file(&temp);
            return result;
        }
        if sync_dir {
            self::sync_dir(parent_dir(&self.target))?;
        }
        Ok(())
    }
}

impl Write for Output {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.file.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

impl Drop for Output {
    fn drop(&mut self) {
        if let Some(temp) = self.temp.take() {
            let _ = fs::remove_file(temp);
        }
    }
}

/// Writes `bytes` to the output `path` and commits it (see [`Output`]).
pub fn write(path: &Path, bytes: &[u8], private: bool) -> io::Result<()> {
    let mut out = Output::open(path, private)?;
    out.write_all(bytes)?;
    out.commit(true)
}

/// A file's identity: its device and inode (`None` where the platform has none).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Id(u64, u64);

/// The identity of the file `meta` describes.
pub fn id(meta: &Metadata) -> Option<Id> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        Some(Id(meta.dev(), meta.ino()))
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        None
    }
}

/// The identity of the file `path` leads to, if it exists.
pub fn id_of(path: &Path) -> Option<Id> {
    fs::metadata(path).ok().as_ref().and_then(id)
}

/// `path` with its directory resolved (links, `.`, `..`) and its last component as given; `None`
/// when the directory does not exist or the path ends in `..`.
pub fn resolve(path: &Path) -> Option<PathBuf> {
    let name = path.file_name()?;
    Some(fs::canonicalize(parent_dir(path)).ok()?.join(name))
}

/// Whether two output destinations (`-` for stdout, or paths) are one file: the same path once
/// resolved, or the same device and inode (a hard link, a symbolic link to the other, `-` and
/// `/dev/stdout`).
pub fn same_file(a: &str, b: &str) -> bool {
    let identity = |dest: &str| {
        let path = Path::new(if dest == "-" { STDOUT } else { dest });
        (resolve(path), id_of(path))
    };
    let ((pa, ia), (pb, ib)) = (identity(a), identity(b));
    a == b || (pa.is_some() && pa == pb) || (ia.is_some() && ia == ib)
}

/// Opens the existing regular file `path` with `options` (which must not create), refusing a
/// symbolic link or anything that is not a regular file, and a file swapped while it was being
/// opened. Returns it with its metadata.
pub fn open_regular(path: &Path, options: &OpenOptions) -> io::Result<(File, Metadata)> {
    let before = fs::symlink_metadata(path)?;
    if before.file_type().is_symlink() {
        return Err(io::Error::other("it is a symbolic link"));
    }
    if !before.is_file() {
        return Err(io::Error::other("it is not a regular file"));
    }
    let file = options.open(path)?;
    let after = file.metadata()?;
    if !after.is_file() || id(&before) != id(&after) {
        return Err(io::Error::other("it was replaced while being opened"));
    }
    Ok((file, after))
}

/// `path` for a message (see [`escape`]).
pub fn shown(path: &Path) -> String {
    escape(path.as_os_str().as_encoded_bytes())
}

/// Text for a terminal: control characters (C0, DEL, C1), line separators and bidirectional
/// overrides escaped as Rust escapes them (`\n`, `\u{1b}`), bytes that are not UTF-8 as `\xNN`.
/// A hostile file name can then neither move the cursor, colour the screen, nor fake a line.
pub fn escape(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            let bidi = matches!(
                c,
                '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{2028}' | '\u{2029}'
            ) || ('\u{202A}'..='\u{202E}').contains(&c)
                || ('\u{2066}'..='\u{2069}').contains(&c);
            if c.is_control() || bidi {
                out.extend(c.escape_default());
            } else {
                out.push(c);
            }
        }
        for b in chunk.invalid() {
            let _ = write!(out, "\\x{b:02x}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temp_names_parse_back() {
        let t = temp_name(OsStr::new("key.bin"), 0);
        let pid = std::process::id();
        assert_eq!(t, OsString::from(format!(".key.bin.kms-lite-{pid}.tmp")));
        assert_eq!(parse_temp(&t), Some((&b"key.bin"[..], pid)));
        let t = temp_name(OsStr::new("a.kms-lite-1.tmp"), 3);
        assert_eq!(parse_temp(&t), Some((&b"a.kms-lite-1.tmp"[..], pid)));
        for not in [
            "key.bin",
            ".key.bin.tmp",
            ".key.kms-lite-.tmp",
            ".key.kms-lite-12x.tmp",
            ".key.kms-lite-12-.tmp",
            "..kms-lite-12.tmp",
        ] {
            assert_eq!(parse_temp(OsStr::new(not)), None, "{not}");
        }
    }

    #[test]
    fn long_names_are_cut_and_hashed_within_the_name_limit() {
        let long = "é".repeat(120); // 240 bytes
        let stem = temp_stem(OsStr::new(&long));
        assert_eq!(stem.len(), 100 + 1 + 16);
        assert!(
            std::str::from_utf8(&stem).is_ok(),
            "cut on a character boundary"
        );
        let t = temp_name(OsStr::new(&long), 63);
        assert!(t.len() <= 255, "{}", t.len());
        assert_eq!(parse_temp(&t).unwrap().0, &stem[..]);
        assert_ne!(stem, temp_stem(OsStr::new(&"é".repeat(121))));
    }

    #[test]
    fn escape_defuses_control_characters() {
        assert_eq!(escape(b"plain name.bin"), "plain name.bin");
        assert_eq!(escape("café".as_bytes()), "café");
        assert_eq!(
            escape(b"a\x1b[31mred\r\nb\x07"),
            "a\\u{1b}[31mred\\r\\nb\\u{7}"
        );
        assert_eq!(escape("x\u{202E}y\u{85}".as_bytes()), "x\\u{202e}y\\u{85}");
        assert_eq!(escape(b"bad\xff\xfe"), "bad\\xff\\xfe");
    }

    #[test]
    fn descriptor_directories() {
        assert_eq!(descriptor_dir(Path::new("/proc/123/fd")), Some(123));
        assert_eq!(descriptor_dir(Path::new("/proc/7/task/9/fd")), Some(7));
        assert_eq!(descriptor_dir(Path::new("/proc/123/fdinfo")), None);
        assert_eq!(descriptor_dir(Path::new("/tmp/proc/1/fd")), None);
        #[cfg(target_os = "linux")]
        {
            let me = std::process::id();
            assert_eq!(descriptor(Path::new("/dev/stdout")), Some((me, 1)));
            assert_eq!(descriptor(Path::new("/dev/fd/2")), Some((me, 2)));
            assert_eq!(descriptor(Path::new("/proc/self/fd/1")), Some((me, 1)));
            assert_eq!(descriptor(Path::new("/dev/null")), None);
            assert!(is_stdout("/dev/stdout") && is_stdout("-") && !is_stdout("/dev/stderr"));
        }
    }

    #[test]
    fn same_file_by_path_and_identity() {
        let dir = std::env::temp_dir().join(format!("kms-lite-files-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        let a = dir.join("a.bin");
        let a_str = a.to_str().unwrap();
        let dotted = format!("{}/./a.bin", dir.display());
        assert!(same_file(a_str, &dotted), "a missing file by two paths");
        assert!(!same_file(a_str, dir.join("b.bin").to_str().unwrap()));
        fs::write(&a, b"x").unwrap();
        fs::hard_link(&a, dir.join("hard")).unwrap();
        assert!(same_file(a_str, dir.join("hard").to_str().unwrap()));
        assert!(same_file("-", "-"));
        let _ = fs::remove_dir_all(&dir);
    }
}
