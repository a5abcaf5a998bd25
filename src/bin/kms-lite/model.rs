//! The KMS service model, as far as the commands need it: each operation's input and output
//! members in the model's order, with their shapes. It drives `--cli-input-json` validation,
//! `--generate-cli-skeleton`, the output members listed in help, and the completion of enum
//! values.

use kms_lite::{DataKeySpec, DryRunModifierType, EncryptionAlgorithmSpec, KeyEncryptionMechanism};

/// What a member holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    String,
    /// A string the model lists values for (the service may add more).
    Enum(&'static [&'static str]),
    /// Bytes; base64 in JSON.
    Blob,
    /// An integer; `min` and `max` are the model's bounds.
    Integer {
        min: i64,
        max: i64,
    },
    Boolean,
    List(&'static Shape),
    /// A map from strings to this shape.
    Map(&'static Shape),
    Structure(&'static [Member]),
}

/// One member of a structure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Member {
    pub name: &'static str,
    pub shape: Shape,
    pub required: bool,
}

/// One operation: its name and its input and output members in the model's order.
#[derive(Debug)]
pub struct Operation {
    pub name: &'static str,
    pub input: &'static [Member],
    pub output: &'static [Member],
}

impl Operation {
    /// An input member by name.
    pub fn input_member(&self, name: &str) -> Option<&'static Member> {
        self.input.iter().find(|m| m.name == name)
    }
}

const fn member(name: &'static str, shape: Shape) -> Member {
    Member {
        name,
        shape,
        required: false,
    }
}

const fn required(name: &'static str, shape: Shape) -> Member {
    Member {
        name,
        shape,
        required: true,
    }
}

const ALGORITHM: Shape = Shape::Enum(&EncryptionAlgorithmSpec::KNOWN);
const KEY_SPEC: Shape = Shape::Enum(&DataKeySpec::KNOWN);
const CONTEXT: Shape = Shape::Map(&Shape::String);
const GRANT_TOKENS: Shape = Shape::List(&Shape::String);
const DRY_RUN_MODIFIERS: Shape = Shape::List(&Shape::Enum(&DryRunModifierType::KNOWN));
const NUMBER_OF_BYTES: Shape = Shape::Integer { min: 1, max: 1024 };
const RECIPIENT: Shape = Shape::Structure(&[
    member(
        "KeyEncryptionAlgorithm",
        Shape::Enum(&KeyEncryptionMechanism::KNOWN),
    ),
    member("AttestationDocument", Shape::Blob),
]);

pub static ENCRYPT: Operation = Operation {
    name: "Encrypt",
    input: &[
        required("KeyId", Shape::String),
        required("Plaintext", Shape::Blob),
        member("EncryptionContext", CONTEXT),
        member("GrantTokens", GRANT_TOKENS),
        member("EncryptionAlgorithm", ALGORITHM),
        member("DryRun", Shape::Boolean),
    ],
    output: &[
        member("CiphertextBlob", Shape::Blob),
        member("KeyId", Shape::String),
        member("EncryptionAlgorithm", ALGORITHM),
    ],
};

pub static DECRYPT: Operation = Operation {
    name: "Decrypt",
    input: &[
        member("CiphertextBlob", Shape::Blob),
        member("EncryptionContext", CONTEXT),
        member("GrantTokens", GRANT_TOKENS),
        member("KeyId", Shape::String),
        member("EncryptionAlgorithm", ALGORITHM),
        member("Recipient", RECIPIENT),
        member("DryRun", Shape::Boolean),
        member("DryRunModifiers", DRY_RUN_MODIFIERS),
    ],
    output: &[
        member("KeyId", Shape::String),
        member("Plaintext", Shape::Blob),
        member("EncryptionAlgorithm", ALGORITHM),
        member("CiphertextForRecipient", Shape::Blob),
        member("KeyMaterialId", Shape::String),
    ],
};

pub static GENERATE_DATA_KEY: Operation = Operation {
    name: "GenerateDataKey",
    input: &[
        required("KeyId", Shape::String),
        member("EncryptionContext", CONTEXT),
        member("NumberOfBytes", NUMBER_OF_BYTES),
        member("KeySpec", KEY_SPEC),
        member("GrantTokens", GRANT_TOKENS),
        member("Recipient", RECIPIENT),
        member("DryRun", Shape::Boolean),
    ],
    output: &[
        member("CiphertextBlob", Shape::Blob),
        member("Plaintext", Shape::Blob),
        member("KeyId", Shape::String),
        member("CiphertextForRecipient", Shape::Blob),
        member("KeyMaterialId", Shape::String),
    ],
};

pub static GENERATE_DATA_KEY_WITHOUT_PLAINTEXT: Operation = Operation {
    name: "GenerateDataKeyWithoutPlaintext",
    input: &[
        required("KeyId", Shape::String),
        member("EncryptionContext", CONTEXT),
        member("KeySpec", KEY_SPEC),
        member("NumberOfBytes", NUMBER_OF_BYTES),
        member("GrantTokens", GRANT_TOKENS),
        member("DryRun", Shape::Boolean),
    ],
    output: &[
        member("CiphertextBlob", Shape::Blob),
        member("KeyId", Shape::String),
        member("KeyMaterialId", Shape::String),
    ],
};

pub static RE_ENCRYPT: Operation = Operation {
    name: "ReEncrypt",
    input: &[
        member("CiphertextBlob", Shape::Blob),
        member("SourceEncryptionContext", CONTEXT),
        member("SourceKeyId", Shape::String),
        required("DestinationKeyId", Shape::String),
        member("DestinationEncryptionContext", CONTEXT),
        member("SourceEncryptionAlgorithm", ALGORITHM),
        member("DestinationEncryptionAlgorithm", ALGORITHM),
        member("GrantTokens", GRANT_TOKENS),
        member("DryRun", Shape::Boolean),
        member("DryRunModifiers", DRY_RUN_MODIFIERS),
    ],
    output: &[
        member("CiphertextBlob", Shape::Blob),
        member("SourceKeyId", Shape::String),
        member("KeyId", Shape::String),
        member("SourceEncryptionAlgorithm", ALGORITHM),
        member("DestinationEncryptionAlgorithm", ALGORITHM),
        member("SourceKeyMaterialId", Shape::String),
        member("DestinationKeyMaterialId", Shape::String),
    ],
};

#[cfg(test)]
mod tests {
    use super::*;

    /// The model's member order is the library's serialization order: a request built with
    /// every member set serializes its members in the order listed here.
    #[test]
    fn input_order_is_the_librarys() {
        let req = kms_lite::ReEncryptRequest::new("k")
            .ciphertext_blob(vec![1])
            .source_encryption_context([("a", "b")])
            .source_key_id("s")
            .destination_encryption_context([("a", "b")])
            .source_encryption_algorithm(kms_lite::EncryptionAlgorithmSpec::SymmetricDefault)
            .destination_encryption_algorithm(kms_lite::EncryptionAlgorithmSpec::SymmetricDefault)
            .grant_tokens(["t"])
            .dry_run(true)
            .dry_run_modifiers([kms_lite::DryRunModifierType::IgnoreCiphertext]);
        let names = crate::output::Val::from_response(&req).map(|v| match v {
            crate::output::Val::Object(members) => {
                members.into_iter().map(|(k, _)| k).collect::<Vec<_>>()
            }
            _ => Vec::new(),
        });
        let model: Vec<String> = RE_ENCRYPT.input.iter().map(|m| m.name.into()).collect();
        assert_eq!(names, Ok(model));
    }
}
