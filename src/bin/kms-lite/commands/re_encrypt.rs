//! `kms-lite re-encrypt`.

use kms_lite::ReEncryptRequest;

use super::shared::{self, param};
use crate::Failure;
use crate::args::{Globals, ReEncryptArgs};
use crate::input;

pub fn run(g: &Globals, a: &ReEncryptArgs) -> Result<(), Failure> {
    let format = shared::output_format(g)?;
    let request = build_request(a)?;
    let client = shared::build_client(g, None)?;
    let mut response = client
        .re_encrypt(&request)
        .map_err(|e| shared::call_failure(&e, a.dry_run))?;

    let blob = shared::take_if(&a.ciphertext_out, &mut response.ciphertext_blob);
    let mut outs = Vec::new();
    if let Some(dest) = &a.ciphertext_out {
        outs.push(shared::ciphertext_out(
            dest,
            blob.as_deref(),
            "new ciphertext",
        )?);
    }
    shared::finish(g, format, &outs, &response)
}

fn build_request(a: &ReEncryptArgs) -> Result<ReEncryptRequest, Failure> {
    let mut req = shared::request_template(a)?;
    if let Some(v) = &a.ciphertext_blob {
        let stdin = std::io::stdin().lock();
        req.ciphertext_blob = Some(input::blob("--ciphertext-blob", v, stdin).map_err(param)?);
    }
    req.dry_run = a.dry_run;
    req.dry_run_modifiers = shared::dry_run_modifiers(&a.dry_run_modifiers);
    Ok(req)
}
