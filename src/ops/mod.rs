//! One file per KMS operation: its request and response types, validation and error type.
//! Everything else (codec, signing, transport, retries) is shared through the crate-private `Operation` trait.

use std::collections::BTreeMap;

use crate::error::{Failure, ParameterError};

pub(crate) mod decrypt;
pub(crate) mod encrypt;
pub(crate) mod generate_data_key;
pub(crate) mod generate_data_key_without_plaintext;
pub(crate) mod raw;
pub(crate) mod re_encrypt;
mod types;

pub use types::{
    DataKeySpec, DryRunModifierType, EncryptionAlgorithmSpec, KeyEncryptionMechanism, RecipientInfo,
};

/// A KMS operation: what the shared call path needs to know about one request type. The body
/// is the request's serde form and the output is read back with serde (see [`crate::codec`]).
pub(crate) trait Operation: sealed::Sealed + serde::Serialize {
    /// The operation's name, as in `X-Amz-Target: TrentService.<NAME>`.
    const NAME: &'static str;
    /// `TrentService.<NAME>`.
    const TARGET: &'static str;
    /// What a successful call returns.
    type Output: serde::de::DeserializeOwned;
    /// What a failed call returns.
    type Error: From<Failure>;

    /// Checks the service model's constraints before anything is sent.
    fn validate(&self) -> Result<(), ParameterError>;
}

pub(crate) mod sealed {
    pub(crate) trait Sealed {}
}

/// Checks a string's length in characters, as the model counts it.
pub(crate) fn check_len(
    member: &'static str,
    value: &str,
    min: usize,
    max: usize,
) -> Result<(), ParameterError> {
    let n = value.chars().count();
    if n < min || n > max {
        return Err(ParameterError::new(
            member,
            format!("length {n} is outside {min}..={max}"),
        ));
    }
    Ok(())
}

/// Checks a blob's length in bytes.
pub(crate) fn check_blob(
    member: &'static str,
    value: &[u8],
    min: usize,
    max: usize,
) -> Result<(), ParameterError> {
    let n = value.len();
    if n < min || n > max {
        return Err(ParameterError::new(
            member,
            format!("length {n} bytes is outside {min}..={max}"),
        ));
    }
    Ok(())
}

/// Checks a grant token list: at most 10 tokens of 1..=8192 characters.
pub(crate) fn check_grant_tokens(tokens: &Option<Vec<String>>) -> Result<(), ParameterError> {
    let Some(tokens) = tokens else { return Ok(()) };
    if tokens.len() > 10 {
        return Err(ParameterError::new(
            "GrantTokens",
            format!("{} tokens given, at most 10 allowed", tokens.len()),
        ));
    }
    for (i, t) in tokens.iter().enumerate() {
        let n = t.chars().count();
        if n == 0 || n > 8192 {
            return Err(ParameterError::new(
                "GrantTokens",
                format!("token {} has length {n}, outside 1..=8192", i + 1),
            ));
        }
    }
    Ok(())
}

/// Checks a key identifier (key id, key ARN, alias name or alias ARN): 1..=2048 characters.
pub(crate) fn check_key_id(member: &'static str, value: &str) -> Result<(), ParameterError> {
    check_len(member, value, 1, 2048)
}

/// What [`check_enum`] needs to know about a model enum (implemented by `string_enum!`).
pub(crate) trait ModelEnum {
    fn wire(&self) -> &str;
    fn known(&self) -> bool;
    fn known_values() -> &'static [&'static str];
}

/// Checks that an optional enum member carries one of the model's values: unknown values are
/// kept when the service sends them, but never sent.
pub(crate) fn check_enum<E: ModelEnum>(
    member: &'static str,
    value: Option<&E>,
) -> Result<(), ParameterError> {
    match value {
        Some(v) if !v.known() => Err(ParameterError::new(
            member,
            format!(
                "{:?} is not one of {}",
                v.wire(),
                E::known_values().join(", ")
            ),
        )),
        _ => Ok(()),
    }
}

/// Checks every value of an optional enum list with [`check_enum`].
pub(crate) fn check_enums<E: ModelEnum>(
    member: &'static str,
    values: &Option<Vec<E>>,
) -> Result<(), ParameterError> {
    values
        .iter()
        .flatten()
        .try_for_each(|v| check_enum(member, Some(v)))
}

/// Checks a `Recipient`: a known key encryption algorithm and an attestation document of
/// 1..=262144 bytes.
pub(crate) fn check_recipient(recipient: &Option<RecipientInfo>) -> Result<(), ParameterError> {
    let Some(r) = recipient else { return Ok(()) };
    check_enum(
        "Recipient.KeyEncryptionAlgorithm",
        r.key_encryption_algorithm.as_ref(),
    )?;
    match &r.attestation_document {
        Some(doc) => check_blob("Recipient.AttestationDocument", doc, 1, 262_144),
        None => Ok(()),
    }
}

/// Whether a dry run asks to skip the ciphertext (`DryRun` true with `IGNORE_CIPHERTEXT`).
pub(crate) fn ignores_ciphertext(
    dry_run: Option<bool>,
    modifiers: &Option<Vec<DryRunModifierType>>,
) -> bool {
    dry_run == Some(true)
        && modifiers
            .as_ref()
            .is_some_and(|m| m.contains(&DryRunModifierType::IgnoreCiphertext))
}

/// Checks a ciphertext member that is required unless the dry run ignores it.
pub(crate) fn check_ciphertext(
    blob: &Option<Vec<u8>>,
    dry_run: Option<bool>,
    modifiers: &Option<Vec<DryRunModifierType>>,
) -> Result<(), ParameterError> {
    match blob {
        Some(blob) => check_blob("CiphertextBlob", blob, 1, 6144),
        None if ignores_ciphertext(dry_run, modifiers) => Ok(()),
        None => Err(ParameterError::new(
            "CiphertextBlob",
            "is required unless DryRun is true with DryRunModifiers IGNORE_CIPHERTEXT",
        )),
    }
}

/// Checks the size of a data key: exactly one of `NumberOfBytes` (1..=1024) and `KeySpec` (a
/// known value), as the GenerateDataKey documentation requires ("either ... but not both").
pub(crate) fn check_data_key_size(
    number_of_bytes: Option<u32>,
    key_spec: Option<&DataKeySpec>,
) -> Result<(), ParameterError> {
    match (number_of_bytes, key_spec) {
        (Some(_), Some(_)) => Err(ParameterError::new(
            "KeySpec",
            "give either KeySpec or NumberOfBytes, not both",
        )),
        (None, None) => Err(ParameterError::new(
            "KeySpec",
            "give either KeySpec (AES_256 or AES_128) or NumberOfBytes",
        )),
        (Some(n), None) if !(1..=1024).contains(&n) => Err(ParameterError::new(
            "NumberOfBytes",
            format!("{n} is outside 1..=1024"),
        )),
        (_, spec) => check_enum("KeySpec", spec),
    }
}

/// Collects `(key, value)` pairs into an encryption context.
pub(crate) fn context<K: Into<String>, V: Into<String>>(
    pairs: impl IntoIterator<Item = (K, V)>,
) -> BTreeMap<String, String> {
    pairs
        .into_iter()
        .map(|(k, v)| (k.into(), v.into()))
        .collect()
}

/// Builder setters that several requests share, each for a field of the same name:
/// `encryption_context`, `grant_tokens`, `dry_run`, `recipient`, `key_id_opt` (an optional
/// `key_id`), `encryption_algorithm`, `dry_run_modifiers`, `number_of_bytes` and `key_spec`
/// (each clears the other).
macro_rules! common_setters {
    ($ty:ty { $($setter:ident),+ $(,)? }) => {
        impl $ty {
            $( $crate::ops::common_setters!(@one $setter); )+
        }
    };
    (@one encryption_context) => {
        /// Sets the encryption context (an empty map is sent as `{}`).
        pub fn encryption_context<K: Into<String>, V: Into<String>>(
            mut self,
            pairs: impl IntoIterator<Item = (K, V)>,
        ) -> Self {
            self.encryption_context = Some($crate::ops::context(pairs));
            self
        }
    };
    (@one grant_tokens) => {
        /// Sets the grant tokens (at most 10, each 1..=8192 characters).
        pub fn grant_tokens<T: Into<String>>(mut self, tokens: impl IntoIterator<Item = T>) -> Self {
            self.grant_tokens = Some(tokens.into_iter().map(Into::into).collect());
            self
        }
    };
    (@one dry_run) => {
        /// Makes this a dry run (or explicitly not one): KMS checks permissions and parameters
        /// and answers `DryRunOperationException` when the call would have succeeded.
        pub fn dry_run(mut self, dry_run: bool) -> Self {
            self.dry_run = Some(dry_run);
            self
        }
    };
    (@one recipient) => {
        /// Sets the attested recipient: the plaintext then comes back encrypted for it, as
        /// `CiphertextForRecipient`.
        pub fn recipient(mut self, recipient: $crate::ops::RecipientInfo) -> Self {
            self.recipient = Some(recipient);
            self
        }
    };
    (@one key_id_opt) => {
        /// Sets the key expected to decrypt (required for asymmetric keys).
        pub fn key_id(mut self, key: impl Into<String>) -> Self {
            self.key_id = Some(key.into());
            self
        }
    };
    (@one encryption_algorithm) => {
        /// Sets the encryption algorithm.
        pub fn encryption_algorithm(mut self, alg: $crate::ops::EncryptionAlgorithmSpec) -> Self {
            self.encryption_algorithm = Some(alg);
            self
        }
    };
    (@one number_of_bytes) => {
        /// Asks for a data key of this many bytes (1..=1024), instead of a `KeySpec`.
        pub fn number_of_bytes(mut self, n: u32) -> Self {
            self.number_of_bytes = Some(n);
            self.key_spec = None;
            self
        }
    };
    (@one key_spec) => {
        /// Asks for a data key of this spec (`AES_256` or `AES_128`), instead of a number of
        /// bytes.
        pub fn key_spec(mut self, spec: $crate::ops::DataKeySpec) -> Self {
            self.key_spec = Some(spec);
            self.number_of_bytes = None;
            self
        }
    };
    (@one dry_run_modifiers) => {
        /// Sets the dry-run modifiers.
        pub fn dry_run_modifiers(
            mut self,
            modifiers: impl IntoIterator<Item = $crate::ops::DryRunModifierType>,
        ) -> Self {
            self.dry_run_modifiers = Some(modifiers.into_iter().collect());
            self
        }
    };
}

pub(crate) use common_setters;
