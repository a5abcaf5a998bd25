//! `kms-lite generate-data-key`: the GenerateDataKey operation.
//!
//! The plaintext data key goes to `--plaintext-out` (a 0600 file or stdout) and is then left
//! out of the printed response; files are written ciphertext first, so a failure never leaves
//! a plaintext key without its encrypted copy.

use kms_lite::{DataKeySpec, GenerateDataKeyRequest};

use super::shared;
use crate::args::{Command, Invocation, OPERATION_COMMAND, optional, required};
use crate::{Failure, model, opts};

pub static COMMAND: Command = Command {
    name: "generate-data-key",
    summary: "Make a data key: its plaintext, and a copy encrypted under a KMS key.",
    about: "make a fresh symmetric data key, returned as plaintext
and encrypted under a KMS key (the GenerateDataKey operation). Encrypt data locally
with the plaintext, store the encrypted copy beside the data, and forget the
plaintext.",
    operation: Some(&model::GENERATE_DATA_KEY),
    options: &[
        required(&opts::KEY_ID),
        optional(&opts::ENCRYPTION_CONTEXT),
        optional(&opts::NUMBER_OF_BYTES),
        optional(&opts::KEY_SPEC),
        optional(&opts::GRANT_TOKENS),
        optional(&opts::RECIPIENT),
        optional(&opts::DRY_RUN),
        optional(&opts::NO_DRY_RUN),
        optional(&opts::PLAINTEXT_OUT),
        optional(&opts::CIPHERTEXT_OUT),
    ],
    notes: || {
        "EXAMPLE
  kms-lite generate-data-key --key-id alias/app --key-spec AES_256 \\
      --plaintext-out data.key --ciphertext-out data.key.enc
"
        .into()
    },
    run,
    ..OPERATION_COMMAND
};

fn run(inv: &Invocation) -> Result<(), Failure> {
    let (format, dests, mut p) = shared::prepare(inv)?;
    let mut req = GenerateDataKeyRequest::new(p.string("KeyId").unwrap_or_default());
    req.encryption_context = p.map("EncryptionContext");
    // Both, or neither, as given: the library's validation answers either.
    req.number_of_bytes = p.int("NumberOfBytes");
    req.key_spec = p.string("KeySpec").as_deref().map(DataKeySpec::from);
    req.grant_tokens = p.list("GrantTokens");
    req.recipient = shared::recipient(&mut p);
    req.dry_run = p.bool("DryRun");
    shared::check_recipient(&dests, &req.recipient)?;
    let g = &inv.globals;
    let client = shared::build_client(g, None)?;
    let mut response = client
        .generate_data_key(&req)
        .map_err(|e| shared::call_failure(&e, req.dry_run))?;
    let blob = shared::take_if(&dests.ciphertext, &mut response.ciphertext_blob);
    let plaintext = shared::take_if(&dests.plaintext, &mut response.plaintext);
    let response = response.with_plaintext();
    shared::respond(
        g,
        format,
        &dests,
        (blob, "ciphertext"),
        plaintext,
        &response,
    )
}
