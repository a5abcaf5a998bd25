//! `kms-lite decrypt`: the Decrypt operation.
//!
//! A returned plaintext goes to `--plaintext-out` (raw bytes, a 0600 file or stdout) and is
//! then left out of the printed response, or, without it, into the printed JSON or text as the
//! AWS CLI prints it. No message on stderr ever holds it.

use kms_lite::DecryptRequest;

use super::shared;
use crate::args::{Command, Invocation, OPERATION_COMMAND, optional};
use crate::{Failure, model, opts};

pub static COMMAND: Command = Command {
    name: "decrypt",
    summary: "Decrypt a ciphertext made by KMS.",
    about: "decrypt a ciphertext made by encrypt, generate-data-key or re-encrypt
(the Decrypt operation).",
    operation: Some(&model::DECRYPT),
    options: &[
        optional(&opts::CIPHERTEXT_BLOB),
        optional(&opts::ENCRYPTION_CONTEXT),
        optional(&opts::GRANT_TOKENS),
        optional(&opts::KEY_ID),
        optional(&opts::ENCRYPTION_ALGORITHM),
        optional(&opts::RECIPIENT),
        optional(&opts::DRY_RUN),
        optional(&opts::NO_DRY_RUN),
        optional(&opts::DRY_RUN_MODIFIERS),
        optional(&opts::PLAINTEXT_OUT),
    ],
    notes: || {
        "EXAMPLE
  kms-lite decrypt --ciphertext-blob fileb://secret.enc --key-id alias/app \\
      --encryption-context purpose=backup --plaintext-out secret.txt
"
        .into()
    },
    run,
    ..OPERATION_COMMAND
};

fn run(inv: &Invocation) -> Result<(), Failure> {
    let (format, dests, mut p) = shared::prepare(inv)?;
    let mut req = DecryptRequest::without_ciphertext();
    req.ciphertext_blob = p.blob("CiphertextBlob");
    req.encryption_context = p.map("EncryptionContext");
    req.grant_tokens = p.list("GrantTokens");
    req.key_id = p.string("KeyId");
    req.encryption_algorithm = shared::algorithm(&mut p, "EncryptionAlgorithm");
    req.recipient = shared::recipient(&mut p);
    req.dry_run = p.bool("DryRun");
    req.dry_run_modifiers = shared::dry_run_modifiers(&mut p);
    shared::check_recipient(&dests, &req.recipient)?;
    let g = &inv.globals;
    let client = shared::build_client(g, None)?;
    let mut response = client
        .decrypt(&req)
        .map_err(|e| shared::call_failure(&e, req.dry_run))?;
    let plaintext = shared::take_if(&dests.plaintext, &mut response.plaintext);
    let response = response.with_plaintext();
    shared::respond(
        g,
        format,
        &dests,
        (None, "ciphertext"),
        plaintext,
        &response,
    )
}
