//! What `re-encrypt` and `re-encrypt-batch` share: the request options, the client, how a
//! failed call maps to an exit code, and the atomic file write.

use std::io::Write;
use std::path::Path;

use kms_lite::{Client, EncryptionAlgorithmSpec, ReEncryptError, ReEncryptRequest};

use crate::args::{Globals, ReEncryptArgs};
use crate::input::{self, ParamError};
use crate::{Failure, exit, write_stderr};

pub fn param(e: ParamError) -> Failure {
    Failure::Message(exit::USAGE, e.to_string())
}

/// The request without its ciphertext or dry-run members: keys, contexts, algorithms, grant
/// tokens.
pub fn request_template(a: &ReEncryptArgs) -> Result<ReEncryptRequest, Failure> {
    let mut req = ReEncryptRequest::new(a.destination_key_id.clone());
    if let Some(v) = &a.source_encryption_context {
        req.source_encryption_context =
            Some(input::context("--source-encryption-context", v).map_err(param)?);
    }
    if let Some(v) = &a.destination_encryption_context {
        req.destination_encryption_context =
            Some(input::context("--destination-encryption-context", v).map_err(param)?);
    }
    req.source_key_id = a.source_key_id.clone();
    req.source_encryption_algorithm = a
        .source_encryption_algorithm
        .as_deref()
        .map(EncryptionAlgorithmSpec::from);
    req.destination_encryption_algorithm = a
        .destination_encryption_algorithm
        .as_deref()
        .map(EncryptionAlgorithmSpec::from);
    req.grant_tokens = a.grant_tokens.clone();
    Ok(req)
}

/// The client the global options describe. `default_attempts` replaces the default of 3
/// attempts when neither `AWS_MAX_ATTEMPTS` nor the profile sets them.
pub fn build_client(g: &Globals, default_attempts: Option<u32>) -> Result<Client, Failure> {
    let mut b = Client::builder();
    if let Some(r) = &g.region {
        if !kms_lite::endpoint::is_valid_region(r) {
            return Err(Failure::Message(
                exit::USAGE,
                format!("Provided region_name '{r}' doesn't match a supported format."),
            ));
        }
        b = b.region(r.clone());
    }
    if let Some(u) = &g.endpoint_url {
        if let Err(e) = kms_lite::endpoint::Endpoint::parse(u) {
            return Err(Failure::Message(
                exit::USAGE,
                format!("Bad value for --endpoint-url: {e}"),
            ));
        }
        b = b.endpoint_url(u.clone());
    }
    if let Some(p) = &g.profile {
        b = b.profile(p.clone());
    }
    if g.debug {
        b = b.debug_log(|line| write_stderr(&format!("kms-lite debug: {line}\n")));
    }
    if let Some(t) = g.connect_timeout {
        b = b.connect_timeout(t);
    }
    if let Some(t) = g.read_timeout {
        b = b.read_timeout(t);
    }
    if let Some(path) = &g.ca_bundle {
        let pem = std::fs::read(path).map_err(|e| {
            Failure::Message(
                exit::USAGE,
                format!("Unable to read the --ca-bundle file {path}: {e}"),
            )
        })?;
        b = b.ca_bundle_pem(pem);
    }
    if let Some(n) = default_attempts {
        b = b.default_max_attempts(n);
    }
    b.build()
        .map_err(|e| Failure::Message(exit::CONFIG, e.to_string()))
}

/// The exit code and message for a failed call, as the AWS CLI reports it: 254 for a service
/// error, 252 for a parameter the model rejects, 253 for missing credentials, 255 otherwise.
pub fn classify(e: &ReEncryptError) -> (u8, String) {
    if let Some(se) = e.service_error() {
        return (exit::SERVICE, se.to_string());
    }
    match e {
        ReEncryptError::InvalidParameter(p) => {
            (exit::USAGE, format!("Parameter validation failed:\n{p}"))
        }
        ReEncryptError::Credentials(c) => {
            (exit::CONFIG, format!("Unable to locate credentials: {c}"))
        }
        other => (exit::OTHER, other.to_string()),
    }
}

/// The temporary name used for an atomic write of `path`: a hidden file beside it.
pub fn temp_path(path: &Path) -> std::io::Result<std::path::PathBuf> {
    let name = path
        .file_name()
        .ok_or_else(|| std::io::Error::other("not a file path"))?;
    let mut tmp_name = std::ffi::OsString::from(".");
    tmp_name.push(name);
    tmp_name.push(format!(".kms-lite-{}{TEMP_SUFFIX}", std::process::id()));
    Ok(path.with_file_name(tmp_name))
}

/// How every temporary file this tool makes ends.
pub const TEMP_SUFFIX: &str = ".tmp";

/// Writes `bytes` to a fresh temporary file beside `path`, fsyncs it, then renames it over
/// `path`, so a failure never leaves a half-written ciphertext (re-encrypting a file in place
/// is safe). The directory is not fsynced here; callers that need the rename durable do it.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = temp_path(path)?;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&tmp)?;
    let result = f
        .write_all(bytes)
        .and_then(|()| f.sync_all())
        .and_then(|()| std::fs::rename(&tmp, path));
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Makes renames inside `dir` durable (a no-op where directories cannot be opened).
pub fn sync_dir(dir: &Path) -> std::io::Result<()> {
    match std::fs::File::open(dir) {
        Ok(d) => d.sync_all(),
        Err(_) => Ok(()),
    }
}
