//! `kms-lite encrypt`, `decrypt`, `generate-data-key` and
//! `generate-data-key-without-plaintext`: one request each, built from the shared input
//! parsing, the response printed by [`shared::finish`].
//!
//! Plaintext safety: a plaintext read for Encrypt is held as [`SecretBytes`] from the moment it
//! is read; a returned plaintext goes to `--plaintext-out` (raw bytes, a 0600 file or stdout)
//! and is then left out of the printed response, or, without `--plaintext-out`, into the
//! printed JSON or text as the AWS CLI prints it. No message on stderr ever holds it: errors
//! name options, paths and offsets, and `--debug` logs no bodies.

use std::collections::BTreeMap;

use kms_lite::{
    DataKeySpec, DecryptRequest, EncryptRequest, EncryptionAlgorithmSpec, GenerateDataKeyRequest,
    GenerateDataKeyWithoutPlaintextRequest, SecretBytes,
};

use super::shared::{self, RawOut, param};
use crate::Failure;
use crate::args::{Command, Globals, OpArgs};
use crate::input;

pub fn run(command: Command, g: &Globals, a: &OpArgs) -> Result<(), Failure> {
    match command {
        Command::Encrypt => encrypt(g, a),
        Command::Decrypt => decrypt(g, a),
        Command::GenerateDataKey => generate_data_key(g, a),
        Command::GenerateDataKeyWithoutPlaintext => generate_data_key_without_plaintext(g, a),
        // The parser hands these to their own modules.
        Command::ReEncrypt | Command::ReEncryptBatch => Err(Failure::Usage(format!(
            "{} is not an operation command",
            command.name()
        ))),
    }
}

fn encrypt(g: &Globals, a: &OpArgs) -> Result<(), Failure> {
    let format = shared::output_format(g)?;
    let mut req = EncryptRequest::new(a.key_id.clone().unwrap_or_default(), SecretBytes::default());
    if let Some(v) = &a.plaintext {
        let stdin = std::io::stdin().lock();
        req.plaintext = SecretBytes::new(input::blob("--plaintext", v, stdin).map_err(param)?);
    }
    req.encryption_context = context(a)?;
    req.grant_tokens = a.grant_tokens.clone();
    req.encryption_algorithm = algorithm(a);
    req.dry_run = a.dry_run;
    let client = shared::build_client(g, None)?;
    let mut response = client
        .encrypt(&req)
        .map_err(|e| shared::call_failure(&e, a.dry_run))?;
    let blob = shared::take_if(&a.ciphertext_out, &mut response.ciphertext_blob);
    let mut outs = Vec::new();
    if let Some(dest) = &a.ciphertext_out {
        outs.push(shared::ciphertext_out(dest, blob.as_deref(), "ciphertext")?);
    }
    shared::finish(g, format, &outs, &response)
}

fn decrypt(g: &Globals, a: &OpArgs) -> Result<(), Failure> {
    let format = shared::output_format(g)?;
    let mut req = DecryptRequest::without_ciphertext();
    if let Some(v) = &a.ciphertext_blob {
        let stdin = std::io::stdin().lock();
        req.ciphertext_blob = Some(input::blob("--ciphertext-blob", v, stdin).map_err(param)?);
    }
    req.encryption_context = context(a)?;
    req.grant_tokens = a.grant_tokens.clone();
    req.key_id = a.key_id.clone();
    req.encryption_algorithm = algorithm(a);
    req.recipient = recipient(a)?;
    req.dry_run = a.dry_run;
    req.dry_run_modifiers = shared::dry_run_modifiers(&a.dry_run_modifiers);
    let client = shared::build_client(g, None)?;
    let mut response = client
        .decrypt(&req)
        .map_err(|e| shared::call_failure(&e, a.dry_run))?;
    let plaintext = shared::take_if(&a.plaintext_out, &mut response.plaintext);
    let mut outs = Vec::new();
    if let Some(dest) = &a.plaintext_out {
        outs.push(plaintext_out(dest, plaintext.as_ref())?);
    }
    shared::finish(g, format, &outs, &response.with_plaintext())
}

fn generate_data_key(g: &Globals, a: &OpArgs) -> Result<(), Failure> {
    let format = shared::output_format(g)?;
    let mut req = GenerateDataKeyRequest::new(a.key_id.clone().unwrap_or_default());
    req.encryption_context = context(a)?;
    // Both, or neither, as given: the library's validation answers either.
    req.number_of_bytes = a.number_of_bytes;
    req.key_spec = a.key_spec.as_deref().map(DataKeySpec::from);
    req.grant_tokens = a.grant_tokens.clone();
    req.recipient = recipient(a)?;
    req.dry_run = a.dry_run;
    let client = shared::build_client(g, None)?;
    let mut response = client
        .generate_data_key(&req)
        .map_err(|e| shared::call_failure(&e, a.dry_run))?;
    let blob = shared::take_if(&a.ciphertext_out, &mut response.ciphertext_blob);
    let plaintext = shared::take_if(&a.plaintext_out, &mut response.plaintext);
    // The ciphertext is written first: a failure then leaves no plaintext key file behind
    // without its encrypted copy.
    let mut outs = Vec::new();
    if let Some(dest) = &a.ciphertext_out {
        outs.push(shared::ciphertext_out(dest, blob.as_deref(), "ciphertext")?);
    }
    if let Some(dest) = &a.plaintext_out {
        outs.push(plaintext_out(dest, plaintext.as_ref())?);
    }
    shared::finish(g, format, &outs, &response.with_plaintext())
}

fn generate_data_key_without_plaintext(g: &Globals, a: &OpArgs) -> Result<(), Failure> {
    let format = shared::output_format(g)?;
    let mut req = GenerateDataKeyWithoutPlaintextRequest::new(a.key_id.clone().unwrap_or_default());
    req.encryption_context = context(a)?;
    req.number_of_bytes = a.number_of_bytes;
    req.key_spec = a.key_spec.as_deref().map(DataKeySpec::from);
    req.grant_tokens = a.grant_tokens.clone();
    req.dry_run = a.dry_run;
    let client = shared::build_client(g, None)?;
    let mut response = client
        .generate_data_key_without_plaintext(&req)
        .map_err(|e| shared::call_failure(&e, a.dry_run))?;
    let blob = shared::take_if(&a.ciphertext_out, &mut response.ciphertext_blob);
    let mut outs = Vec::new();
    if let Some(dest) = &a.ciphertext_out {
        outs.push(shared::ciphertext_out(dest, blob.as_deref(), "ciphertext")?);
    }
    shared::finish(g, format, &outs, &response)
}

fn plaintext_out<'a>(
    dest: &'a str,
    plaintext: Option<&'a SecretBytes>,
) -> Result<RawOut<'a>, Failure> {
    Ok(RawOut {
        option: "--plaintext-out",
        what: "plaintext",
        dest,
        bytes: shared::member(plaintext.map(SecretBytes::as_bytes), "Plaintext")?,
        private: true,
    })
}

fn context(a: &OpArgs) -> Result<Option<BTreeMap<String, String>>, Failure> {
    a.encryption_context
        .as_deref()
        .map(|v| input::context("--encryption-context", v).map_err(param))
        .transpose()
}

fn algorithm(a: &OpArgs) -> Option<EncryptionAlgorithmSpec> {
    a.encryption_algorithm
        .as_deref()
        .map(EncryptionAlgorithmSpec::from)
}

fn recipient(a: &OpArgs) -> Result<Option<kms_lite::RecipientInfo>, Failure> {
    a.recipient
        .as_deref()
        .map(|v| input::recipient("--recipient", v).map_err(param))
        .transpose()
}
