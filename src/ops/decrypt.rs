//! Decrypt: decrypt a ciphertext made by Encrypt, GenerateDataKey or ReEncrypt (or by the public
//! key of an asymmetric KMS key).

use std::collections::BTreeMap;
use std::fmt;

use serde::ser::SerializeMap;
use serde::{Deserialize, Serialize};

use super::{
    DryRunModifierType, EncryptionAlgorithmSpec, Operation, RecipientInfo, check_ciphertext,
    check_enum, check_enums, check_grant_tokens, check_key_id, check_recipient, common_setters,
    sealed,
};
use crate::Client;
use crate::codec;
use crate::error::{ParameterError, operation_error};
use crate::secret::{self, Base64, SecretBytes, WithPlaintext};

/// The input of Decrypt. The ciphertext is required unless a dry run ignores it; build it with
/// [`DecryptRequest::new`] and the setters.
///
/// ```
/// use kms_lite::DecryptRequest;
/// let req = DecryptRequest::new(vec![1, 2, 3, 4])
///     .key_id("alias/app")
///     .encryption_context([("tenant", "42")]);
/// assert_eq!(req.key_id.as_deref(), Some("alias/app"));
/// ```
#[derive(Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct DecryptRequest {
    /// The ciphertext (1..=6144 bytes). Required unless `DryRun` is true with
    /// `DryRunModifiers` `IGNORE_CIPHERTEXT`.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "codec::ser_opt_blob",
        deserialize_with = "codec::de_opt_blob"
    )]
    pub ciphertext_blob: Option<Vec<u8>>,
    /// The encryption context the ciphertext was made under.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encryption_context: Option<BTreeMap<String, String>>,
    /// Grant tokens (at most 10, each 1..=8192 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grant_tokens: Option<Vec<String>>,
    /// The key expected to decrypt (1..=2048; required for asymmetric keys, recommended
    /// always: KMS then refuses ciphertext made under another key).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
    /// The algorithm the ciphertext was made with (required for asymmetric keys).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encryption_algorithm: Option<EncryptionAlgorithmSpec>,
    /// An attested enclave to receive the plaintext, encrypted for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recipient: Option<RecipientInfo>,
    /// Check permissions and parameters without decrypting.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dry_run: Option<bool>,
    /// Dry-run modifiers (`IGNORE_CIPHERTEXT`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dry_run_modifiers: Option<Vec<DryRunModifierType>>,
}

impl DecryptRequest {
    /// A request to decrypt `ciphertext_blob`.
    pub fn new(ciphertext_blob: impl Into<Vec<u8>>) -> Self {
        DecryptRequest {
            ciphertext_blob: Some(ciphertext_blob.into()),
            ..Default::default()
        }
    }

    /// A request without a ciphertext, for a dry run with `IGNORE_CIPHERTEXT` (set both).
    pub fn without_ciphertext() -> Self {
        DecryptRequest::default()
    }

    /// Sets the ciphertext.
    pub fn ciphertext_blob(mut self, blob: impl Into<Vec<u8>>) -> Self {
        self.ciphertext_blob = Some(blob.into());
        self
    }
}

common_setters!(DecryptRequest {
    encryption_context,
    grant_tokens,
    key_id_opt,
    encryption_algorithm,
    recipient,
    dry_run,
    dry_run_modifiers
});

impl fmt::Debug for DecryptRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Grant tokens confer permissions: only their number is shown.
        f.debug_struct("DecryptRequest")
            .field(
                "ciphertext_blob_len",
                &self.ciphertext_blob.as_ref().map(Vec::len),
            )
            .field("encryption_context", &self.encryption_context)
            .field("grant_tokens", &self.grant_tokens.as_ref().map(Vec::len))
            .field("key_id", &self.key_id)
            .field("encryption_algorithm", &self.encryption_algorithm)
            .field("recipient", &self.recipient)
            .field("dry_run", &self.dry_run)
            .field("dry_run_modifiers", &self.dry_run_modifiers)
            .finish()
    }
}

/// The output of Decrypt. Every member is optional, as in the model.
///
/// The plaintext is a [`SecretBytes`]: `Debug` shows its length only. This type does not
/// implement `Serialize`; [`with_plaintext`](Self::with_plaintext) serializes it on purpose.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
#[non_exhaustive]
pub struct DecryptResponse {
    /// The ARN of the key that decrypted.
    pub key_id: Option<String>,
    /// The plaintext (absent when a recipient was given).
    #[serde(deserialize_with = "secret::de_opt_secret")]
    pub plaintext: Option<SecretBytes>,
    /// The algorithm used.
    pub encryption_algorithm: Option<EncryptionAlgorithmSpec>,
    /// The plaintext encrypted under the recipient's public key (when a recipient was given).
    #[serde(deserialize_with = "codec::de_opt_blob")]
    pub ciphertext_for_recipient: Option<Vec<u8>>,
    /// The identifier of the key material that decrypted (64 lower-case hex characters).
    pub key_material_id: Option<String>,
}

impl DecryptResponse {
    /// This response for `Serialize`, plaintext included (see [`WithPlaintext`]).
    pub fn with_plaintext(&self) -> WithPlaintext<'_, Self> {
        WithPlaintext(self)
    }
}

impl Serialize for WithPlaintext<'_, DecryptResponse> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let r = self.0;
        let mut m = s.serialize_map(None)?;
        secret::entry(&mut m, "KeyId", r.key_id.as_ref())?;
        secret::entry(
            &mut m,
            "Plaintext",
            r.plaintext.as_ref().map(|p| Base64(p.as_bytes())).as_ref(),
        )?;
        secret::entry(
            &mut m,
            "EncryptionAlgorithm",
            r.encryption_algorithm.as_ref(),
        )?;
        secret::entry(
            &mut m,
            "CiphertextForRecipient",
            r.ciphertext_for_recipient.as_deref().map(Base64).as_ref(),
        )?;
        secret::entry(&mut m, "KeyMaterialId", r.key_material_id.as_ref())?;
        m.end()
    }
}

operation_error! {
    /// Why a Decrypt call failed: one variant per modelled KMS error, the common AWS errors,
    /// and the client-side failures. `Display` reads like the AWS CLI's error line.
    ///
    /// ```
    /// # fn demo(client: &kms_lite::Client, req: &kms_lite::DecryptRequest) {
    /// use kms_lite::DecryptError;
    /// match client.decrypt(req) {
    ///     Ok(out) => println!("{} bytes", out.plaintext.map_or(0, |p| p.len())),
    ///     Err(DecryptError::InvalidCiphertext(e)) => eprintln!("wrong context? {e}"),
    ///     Err(e) => eprintln!("{e}"),
    /// }
    /// # }
    /// ```
    DecryptError {
        /// `NotFoundException`: the key or alias does not exist.
        NotFound = "NotFoundException",
        /// `DisabledException`: the key is disabled.
        Disabled = "DisabledException",
        /// `InvalidCiphertextException`: the ciphertext, its context or its algorithm is wrong.
        InvalidCiphertext = "InvalidCiphertextException",
        /// `KeyUnavailableException`: the key cannot be used right now (retryable).
        KeyUnavailable = "KeyUnavailableException",
        /// `IncorrectKeyException`: the given key did not make this ciphertext.
        IncorrectKey = "IncorrectKeyException",
        /// `InvalidKeyUsageException`: the key's usage or spec does not allow decryption.
        InvalidKeyUsage = "InvalidKeyUsageException",
        /// `DependencyTimeoutException`: a KMS dependency timed out (retryable).
        DependencyTimeout = "DependencyTimeoutException",
        /// `InvalidGrantTokenException`: a grant token is not valid.
        InvalidGrantToken = "InvalidGrantTokenException",
        /// `KMSInternalException`: an internal KMS failure (retryable).
        KmsInternal = "KMSInternalException",
        /// `KMSInvalidStateException`: the key is in a state that forbids this.
        KmsInvalidState = "KMSInvalidStateException",
        /// `DryRunOperationException`: the dry run would have succeeded.
        DryRunOperation = "DryRunOperationException",
    }
}

impl sealed::Sealed for DecryptRequest {}

impl Operation for DecryptRequest {
    const NAME: &'static str = "Decrypt";
    const TARGET: &'static str = "TrentService.Decrypt";
    type Output = DecryptResponse;
    type Error = DecryptError;

    fn validate(&self) -> Result<(), ParameterError> {
        check_ciphertext(&self.ciphertext_blob, self.dry_run, &self.dry_run_modifiers)?;
        check_grant_tokens(&self.grant_tokens)?;
        if let Some(k) = &self.key_id {
            check_key_id("KeyId", k)?;
        }
        check_enum("EncryptionAlgorithm", self.encryption_algorithm.as_ref())?;
        check_recipient(&self.recipient)?;
        check_enums("DryRunModifiers", &self.dry_run_modifiers)
    }
}

impl Client {
    /// Decrypts a ciphertext. Pass the encryption context it was made under, and the key id
    /// to make sure no other key is used.
    ///
    /// ```no_run
    /// # let client = kms_lite::Client::builder().region("us-east-1").build().unwrap();
    /// use kms_lite::DecryptRequest;
    /// let req = DecryptRequest::new(std::fs::read("secret.enc").unwrap())
    ///     .key_id("alias/app")
    ///     .encryption_context([("tenant", "42")]);
    /// let out = client.decrypt(&req).unwrap();
    /// let plaintext = out.plaintext.expect("no recipient was given");
    /// assert!(!plaintext.is_empty());
    /// ```
    pub fn decrypt(&self, request: &DecryptRequest) -> Result<DecryptResponse, DecryptError> {
        self.call(request)
    }
}
