//! `kms-lite generate-data-key-without-plaintext`: the GenerateDataKeyWithoutPlaintext
//! operation.

use kms_lite::{DataKeySpec, GenerateDataKeyWithoutPlaintextRequest};

use super::shared;
use crate::args::{Command, Invocation, OPERATION_COMMAND, optional, required};
use crate::{Failure, model, opts};

pub static COMMAND: Command = Command {
    name: "generate-data-key-without-plaintext",
    summary: "Make a data key returned only encrypted under a KMS key.",
    about: "make a fresh symmetric data key
returned only encrypted under a KMS key (the GenerateDataKeyWithoutPlaintext
operation), for a component that stores it now and has it decrypted later.",
    operation: Some(&model::GENERATE_DATA_KEY_WITHOUT_PLAINTEXT),
    options: &[
        required(&opts::KEY_ID),
        optional(&opts::ENCRYPTION_CONTEXT),
        optional(&opts::KEY_SPEC),
        optional(&opts::NUMBER_OF_BYTES),
        optional(&opts::GRANT_TOKENS),
        optional(&opts::DRY_RUN),
        optional(&opts::NO_DRY_RUN),
        optional(&opts::CIPHERTEXT_OUT),
    ],
    notes: || {
        "EXAMPLE
  kms-lite generate-data-key-without-plaintext --key-id alias/app --key-spec AES_256 \\
      --ciphertext-out data.key.enc
"
        .into()
    },
    run,
    ..OPERATION_COMMAND
};

fn run(inv: &Invocation) -> Result<(), Failure> {
    let (format, dests, mut p) = shared::prepare(inv)?;
    let mut req =
        GenerateDataKeyWithoutPlaintextRequest::new(p.string("KeyId").unwrap_or_default());
    req.encryption_context = p.map("EncryptionContext");
    req.key_spec = p.string("KeySpec").as_deref().map(DataKeySpec::from);
    req.number_of_bytes = p.int("NumberOfBytes");
    req.grant_tokens = p.list("GrantTokens");
    req.dry_run = p.bool("DryRun");
    let g = &inv.globals;
    let client = shared::build_client(g, None)?;
    let mut response = client
        .generate_data_key_without_plaintext(&req)
        .map_err(|e| shared::call_failure(&e, req.dry_run))?;
    let blob = shared::take_if(&dests.ciphertext, &mut response.ciphertext_blob);
    shared::respond(g, format, &dests, (blob, "ciphertext"), None, &response)
}
