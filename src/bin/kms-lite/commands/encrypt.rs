//! `kms-lite encrypt`: the Encrypt operation.
//!
//! The plaintext is held as [`SecretBytes`] from the moment it is read, and never appears in a
//! message: errors name options, paths and offsets, and `--debug` logs no bodies.

use kms_lite::{EncryptRequest, SecretBytes};

use super::shared;
use crate::args::{Command, Dest, Invocation, OPERATION_COMMAND, Opt, Takes, optional, required};
use crate::{Failure, model, opts};

pub static PLAINTEXT: Opt = Opt::new(
    "--plaintext",
    Takes::One("BLOB"),
    "The data to encrypt (1 to 4096 bytes). One of:
  fileb://PATH   raw bytes read from a file
  -              raw bytes read from stdin
  file://PATH    base64 text read from a file (line breaks are ignored)
  TEXT           base64 text, as the AWS CLI v2 takes blobs by default
A value on the command line is visible to other local users (ps):
prefer fileb:// or -. The plaintext is never echoed in any message.",
    Dest::Member("Plaintext"),
);

pub static COMMAND: Command = Command {
    name: "encrypt",
    summary: "Encrypt up to 4096 bytes under a KMS key.",
    about: "encrypt up to 4096 bytes of plaintext under a KMS key (the Encrypt
operation). For more data, encrypt locally with a key from generate-data-key.",
    operation: Some(&model::ENCRYPT),
    options: &[
        required(&opts::KEY_ID),
        required(&PLAINTEXT),
        optional(&opts::ENCRYPTION_CONTEXT),
        optional(&opts::GRANT_TOKENS),
        optional(&opts::ENCRYPTION_ALGORITHM),
        optional(&opts::DRY_RUN),
        optional(&opts::NO_DRY_RUN),
        optional(&opts::CIPHERTEXT_OUT),
    ],
    notes: || {
        "EXAMPLE
  kms-lite encrypt --key-id alias/app --plaintext fileb://secret.txt \\
      --encryption-context purpose=backup --ciphertext-out secret.enc
"
        .into()
    },
    run,
    ..OPERATION_COMMAND
};

fn run(inv: &Invocation) -> Result<(), Failure> {
    let (format, dests, mut p) = shared::prepare(inv)?;
    let plaintext = SecretBytes::new(p.blob("Plaintext").unwrap_or_default());
    let mut req = EncryptRequest::new(p.string("KeyId").unwrap_or_default(), plaintext);
    req.encryption_context = p.map("EncryptionContext");
    req.grant_tokens = p.list("GrantTokens");
    req.encryption_algorithm = shared::algorithm(&mut p, "EncryptionAlgorithm");
    req.dry_run = p.bool("DryRun");
    let g = &inv.globals;
    let client = shared::build_client(g, None)?;
    let mut response = client
        .encrypt(&req)
        .map_err(|e| shared::call_failure(&e, req.dry_run))?;
    let blob = shared::take_if(&dests.ciphertext, &mut response.ciphertext_blob);
    shared::respond(g, format, &dests, (blob, "ciphertext"), None, &response)
}
