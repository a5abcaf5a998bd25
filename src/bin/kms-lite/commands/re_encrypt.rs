//! `kms-lite re-encrypt`.

use std::io::Write;
use std::path::Path;

use kms_lite::{
    Client, DryRunModifierType, EncryptionAlgorithmSpec, ReEncryptError, ReEncryptRequest,
};

use crate::args::{Globals, OutputFormat, ReEncryptArgs};
use crate::input::{self, ParamError};
use crate::output;
use crate::{Failure, exit, write_stderr, write_stdout};

fn param(e: ParamError) -> Failure {
    Failure::Message(exit::USAGE, e.to_string())
}

pub fn run(g: &Globals, a: &ReEncryptArgs) -> Result<(), Failure> {
    if g.profile.is_some() {
        write_stderr(
            "kms-lite: warning: --profile is not supported yet and is ignored; credentials come \
             from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN\n",
        );
    }
    if g.debug {
        write_stderr(
            "kms-lite: warning: --debug is accepted but request logging is not implemented yet\n",
        );
    }
    let format = output_format(g)?;
    let request = build_request(a)?;
    let client = build_client(g)?;
    let dry_run = a.dry_run == Some(true);

    let response = match client.re_encrypt(&request) {
        Ok(r) => r,
        Err(e) => return Err(classify(e, dry_run)),
    };

    let to_stdout = a.ciphertext_out.as_deref() == Some("-");
    if let Some(out) = &a.ciphertext_out {
        let Some(blob) = &response.ciphertext_blob else {
            return Err(Failure::Message(
                exit::OTHER,
                "the response carried no CiphertextBlob; nothing was written".into(),
            ));
        };
        if to_stdout {
            return write_stdout(blob);
        }
        write_atomically(Path::new(out), blob).map_err(|e| {
            Failure::Message(
                exit::OTHER,
                format!("cannot write the new ciphertext to {out}: {e}"),
            )
        })?;
    }
    let mut value = output::response_value(&response, a.ciphertext_out.is_some());
    if let Some(q) = &g.query {
        value = q.search(&value);
    }
    write_stdout(output::render(&value, format).as_bytes())
}

/// `--output`, else `AWS_DEFAULT_OUTPUT`, else JSON.
fn output_format(g: &Globals) -> Result<OutputFormat, Failure> {
    if let Some(f) = g.output {
        return Ok(f);
    }
    match std::env::var("AWS_DEFAULT_OUTPUT") {
        Ok(v) if !v.trim().is_empty() => OutputFormat::parse(v.trim()).ok_or_else(|| {
            Failure::Message(
                exit::CONFIG,
                "AWS_DEFAULT_OUTPUT must be json or text".into(),
            )
        }),
        _ => Ok(OutputFormat::Json),
    }
}

fn build_request(a: &ReEncryptArgs) -> Result<ReEncryptRequest, Failure> {
    let mut req = ReEncryptRequest::new(a.destination_key_id.clone());
    if let Some(v) = &a.ciphertext_blob {
        let stdin = std::io::stdin().lock();
        req.ciphertext_blob = Some(input::blob("--ciphertext-blob", v, stdin).map_err(param)?);
    }
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
    req.dry_run = a.dry_run;
    req.dry_run_modifiers = a.dry_run_modifiers.as_ref().map(|m| {
        m.iter()
            .map(|s| DryRunModifierType::from(s.as_str()))
            .collect()
    });
    Ok(req)
}

fn build_client(g: &Globals) -> Result<Client, Failure> {
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
    b.build()
        .map_err(|e| Failure::Message(exit::CONFIG, e.to_string()))
}

/// Sorts a failed call into the AWS CLI's exit codes. A dry run that would have succeeded is
/// reported on stderr and is a success.
fn classify(e: ReEncryptError, dry_run: bool) -> Failure {
    if let Some(se) = e.service_error() {
        if dry_run && se.code() == "DryRunOperationException" {
            let detail = se
                .message()
                .unwrap_or("the request would have succeeded, but the DryRun option is set.");
            write_stderr(&format!("Dry run succeeded: {detail}\n"));
            return Failure::Quiet(exit::OK);
        }
        return Failure::Message(exit::SERVICE, se.to_string());
    }
    match e {
        ReEncryptError::InvalidParameter(p) => {
            Failure::Message(exit::USAGE, format!("Parameter validation failed:\n{p}"))
        }
        ReEncryptError::Credentials(c) => {
            Failure::Message(exit::CONFIG, format!("Unable to locate credentials: {c}"))
        }
        other => Failure::Message(exit::OTHER, other.to_string()),
    }
}

/// Writes `bytes` to a fresh temporary file beside `path`, then renames it over `path`, so a
/// failure never leaves a half-written ciphertext (re-encrypting a file in place is safe).
fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let name = path
        .file_name()
        .ok_or_else(|| std::io::Error::other("not a file path"))?;
    let mut tmp_name = std::ffi::OsString::from(".");
    tmp_name.push(name);
    tmp_name.push(format!(".kms-lite-{}.tmp", std::process::id()));
    let tmp = path.with_file_name(tmp_name);
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
