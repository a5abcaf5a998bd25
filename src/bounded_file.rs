//! Whole-file reads with a size cap, for every file the configuration names: the shared config
//! and credentials files, CA bundles, token files and the SSO cache.
//!
//! A file over its cap is refused after reading one byte past it, so `/dev/zero` fails at once.
//! Only regular files and character devices (`/dev/null`, a common way to say "no file") are
//! read: a directory, a FIFO or pipe (whose open would wait for a writer for ever), a socket or a
//! block device is refused before it is opened.

use std::fmt;
use std::io::{self, Read};
use std::path::Path;

/// The CA bundle cap: the Mozilla bundle is about 220 KiB, large corporate ones a few MiB.
pub(crate) const CA_BUNDLE_CAP: u64 = 16 << 20;
/// The cap of `~/.aws/config` and `~/.aws/credentials` (real ones hold a few KiB).
pub(crate) const PROFILE_FILE_CAP: u64 = 4 << 20;
/// The cap of token files (web identity, container authorization) and SSO cache entries: a JWT
/// is a few KiB.
pub(crate) const TOKEN_FILE_CAP: u64 = 1 << 20;

/// Why a file could not be read. `Display` says why without the path (callers name the file).
#[derive(Debug)]
pub(crate) enum ReadError {
    /// Opening or reading failed (not found, permissions...).
    Io(io::Error),
    /// Not a regular file: what it is instead.
    NotAFile(&'static str),
    /// Larger than the cap (in bytes).
    TooLarge(u64),
}

impl ReadError {
    /// Whether the file does not exist.
    pub(crate) fn is_not_found(&self) -> bool {
        matches!(self, ReadError::Io(e) if e.kind() == io::ErrorKind::NotFound)
    }

    /// The underlying I/O error, when there is one (kept as an error's source).
    pub(crate) fn into_io_source(self) -> Option<io::Error> {
        match self {
            ReadError::Io(e) => Some(e),
            _ => None,
        }
    }

    /// The same as an `io::Error`, for error types that hold one.
    pub(crate) fn into_io(self) -> io::Error {
        match self {
            ReadError::Io(e) => e,
            other => io::Error::new(io::ErrorKind::InvalidData, other.to_string()),
        }
    }
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadError::Io(e) => write!(f, "{e}"),
            ReadError::NotAFile(kind) => write!(f, "it is {kind}, not a file"),
            ReadError::TooLarge(cap) => write!(f, "it is larger than the {} limit", size(*cap)),
        }
    }
}

fn size(bytes: u64) -> String {
    if bytes % (1 << 20) == 0 {
        format!("{} MiB", bytes >> 20)
    } else {
        format!("{bytes}-byte")
    }
}

/// What a file type is, when it is not one we read.
fn refused_kind(file_type: std::fs::FileType) -> Option<&'static str> {
    if file_type.is_dir() {
        return Some("a directory");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return Some("a FIFO or pipe");
        }
        if file_type.is_socket() {
            return Some("a socket");
        }
        if file_type.is_block_device() {
            return Some("a block device");
        }
    }
    None
}

/// Reads the whole file at `path` (following symbolic links), refusing more than `cap` bytes
/// and anything that is not a regular file or a character device.
pub(crate) fn read(path: &Path, cap: u64) -> Result<Vec<u8>, ReadError> {
    // Checked before opening: opening a FIFO blocks until a writer comes.
    let meta = std::fs::metadata(path).map_err(ReadError::Io)?;
    if let Some(kind) = refused_kind(meta.file_type()) {
        return Err(ReadError::NotAFile(kind));
    }
    let file = std::fs::File::open(path).map_err(ReadError::Io)?;
    let meta = file.metadata().map_err(ReadError::Io)?;
    if let Some(kind) = refused_kind(meta.file_type()) {
        return Err(ReadError::NotAFile(kind));
    }
    if meta.is_file() && meta.len() > cap {
        return Err(ReadError::TooLarge(cap));
    }
    let prealloc = if meta.is_file() { meta.len() } else { 0 };
    let mut out = Vec::with_capacity(usize::try_from(prealloc.min(cap)).unwrap_or(0));
    file.take(cap.saturating_add(1))
        .read_to_end(&mut out)
        .map_err(ReadError::Io)?;
    if out.len() as u64 > cap {
        return Err(ReadError::TooLarge(cap));
    }
    Ok(out)
}

/// The checks of [`read`] without reading, for a file another library reads in full and
/// without a bound: only a regular file of at most `cap` bytes passes (a character device such
/// as `/dev/zero` would be read for ever).
pub(crate) fn check_regular(path: &Path, cap: u64) -> Result<(), ReadError> {
    let meta = std::fs::metadata(path).map_err(ReadError::Io)?;
    if let Some(kind) = refused_kind(meta.file_type()) {
        return Err(ReadError::NotAFile(kind));
    }
    if !meta.is_file() {
        return Err(ReadError::NotAFile("a character device"));
    }
    if meta.len() > cap {
        return Err(ReadError::TooLarge(cap));
    }
    Ok(())
}

/// [`read`] as UTF-8 text.
pub(crate) fn read_to_string(path: &Path, cap: u64) -> Result<String, ReadError> {
    String::from_utf8(read(path, cap)?).map_err(|_| {
        ReadError::Io(io::Error::new(
            io::ErrorKind::InvalidData,
            "not valid UTF-8",
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caps_types_and_sizes() {
        let dir = std::env::temp_dir().join(format!("kms-lite-bounded-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("f");
        std::fs::write(&file, b"12345").unwrap();
        assert_eq!(read(&file, 5).unwrap(), b"12345");
        assert!(matches!(read(&file, 4), Err(ReadError::TooLarge(4))));
        assert!(matches!(
            read(&dir, 5),
            Err(ReadError::NotAFile("a directory"))
        ));
        assert!(read(&dir.join("missing"), 5).unwrap_err().is_not_found());
        assert!(check_regular(&file, 5).is_ok());
        assert!(matches!(
            check_regular(&file, 4),
            Err(ReadError::TooLarge(4))
        ));
        assert!(matches!(
            check_regular(&dir, 5),
            Err(ReadError::NotAFile("a directory"))
        ));
        assert!(matches!(
            check_regular(Path::new("/dev/zero"), 5),
            Err(ReadError::NotAFile("a character device"))
        ));
        assert!(
            check_regular(&dir.join("missing"), 5)
                .unwrap_err()
                .is_not_found()
        );
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(size(16 << 20), "16 MiB");
        assert_eq!(size(10), "10-byte");
    }
}
