//! `kms-lite re-encrypt`.

use std::path::Path;

use kms_lite::{DryRunModifierType, ReEncryptError, ReEncryptRequest};

use super::shared::{self, param};
use crate::args::{Globals, OutputFormat, ReEncryptArgs};
use crate::input;
use crate::output;
use crate::{Failure, exit, write_stderr, write_stdout};

pub fn run(g: &Globals, a: &ReEncryptArgs) -> Result<(), Failure> {
    let format = output_format(g)?;
    let request = build_request(a)?;
    let client = shared::build_client(g, None)?;
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
        shared::write_atomically(Path::new(out), blob).map_err(|e| {
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
    let mut req = shared::request_template(a)?;
    if let Some(v) = &a.ciphertext_blob {
        let stdin = std::io::stdin().lock();
        req.ciphertext_blob = Some(input::blob("--ciphertext-blob", v, stdin).map_err(param)?);
    }
    req.dry_run = a.dry_run;
    req.dry_run_modifiers = a.dry_run_modifiers.as_ref().map(|m| {
        m.iter()
            .map(|s| DryRunModifierType::from(s.as_str()))
            .collect()
    });
    Ok(req)
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
    }
    let (code, message) = shared::classify(&e);
    Failure::Message(code, message)
}
