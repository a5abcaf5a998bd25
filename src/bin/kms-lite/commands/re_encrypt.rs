//! `kms-lite re-encrypt`: the ReEncrypt operation.

use kms_lite::ReEncryptRequest;

use super::shared;
use crate::args::{Command, Invocation, OPERATION_COMMAND, optional, required};
use crate::params::Params;
use crate::{Failure, model, opts};

pub static COMMAND: Command = Command {
    name: "re-encrypt",
    summary: "Decrypt a ciphertext and encrypt it again under another KMS key or
encryption context, inside KMS.",
    about: "decrypt a ciphertext and encrypt it again under another KMS key
or encryption context, inside KMS (the ReEncrypt operation). The plaintext never
leaves KMS.",
    operation: Some(&model::RE_ENCRYPT),
    options: &[
        optional(&opts::CIPHERTEXT_BLOB),
        optional(&opts::SOURCE_ENCRYPTION_CONTEXT),
        optional(&opts::SOURCE_KEY_ID),
        required(&opts::DESTINATION_KEY_ID),
        optional(&opts::DESTINATION_ENCRYPTION_CONTEXT),
        optional(&opts::SOURCE_ENCRYPTION_ALGORITHM),
        optional(&opts::DESTINATION_ENCRYPTION_ALGORITHM),
        optional(&opts::GRANT_TOKENS),
        optional(&opts::DRY_RUN),
        optional(&opts::NO_DRY_RUN),
        optional(&opts::DRY_RUN_MODIFIERS),
        optional(&opts::CIPHERTEXT_OUT),
    ],
    notes: || {
        "EXAMPLE
  kms-lite re-encrypt --ciphertext-blob fileb://secret.enc \\
      --destination-key-id alias/new-key \\
      --source-encryption-context purpose=backup \\
      --destination-encryption-context purpose=backup \\
      --ciphertext-out secret.enc
"
        .into()
    },
    run,
    ..OPERATION_COMMAND
};

fn run(inv: &Invocation) -> Result<(), Failure> {
    let (format, dests, mut p) = shared::prepare(inv)?;
    let mut req = template(&mut p);
    req.ciphertext_blob = p.blob("CiphertextBlob");
    req.dry_run = p.bool("DryRun");
    req.dry_run_modifiers = shared::dry_run_modifiers(&mut p);
    let g = &inv.globals;
    let client = shared::build_client(g, None)?;
    let mut response = client
        .re_encrypt(&req)
        .map_err(|e| shared::call_failure(&e, req.dry_run))?;
    let blob = shared::take_if(&dests.ciphertext, &mut response.ciphertext_blob);
    shared::respond(g, format, &dests, (blob, "new ciphertext"), None, &response)
}

/// The request without its ciphertext or dry-run members: keys, contexts, algorithms, grant
/// tokens (what every item of `re-encrypt-batch` shares).
pub fn template(p: &mut Params) -> ReEncryptRequest {
    let mut req = ReEncryptRequest::new(p.string("DestinationKeyId").unwrap_or_default());
    req.source_encryption_context = p.map("SourceEncryptionContext");
    req.source_key_id = p.string("SourceKeyId");
    req.destination_encryption_context = p.map("DestinationEncryptionContext");
    req.source_encryption_algorithm = shared::algorithm(p, "SourceEncryptionAlgorithm");
    req.destination_encryption_algorithm = shared::algorithm(p, "DestinationEncryptionAlgorithm");
    req.grant_tokens = p.list("GrantTokens");
    req
}
