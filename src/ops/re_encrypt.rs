//! ReEncrypt: decrypt a ciphertext and encrypt it again under another key or context, inside
//! KMS, without the plaintext ever leaving it.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use super::{
    DryRunModifierType, EncryptionAlgorithmSpec, Operation, check_ciphertext, check_enum,
    check_enums, check_grant_tokens, check_key_id, common_setters, context, sealed,
};
use crate::Client;
use crate::codec;
use crate::error::{ParameterError, operation_error};

/// The input of ReEncrypt. The destination key and the ciphertext are required (the ciphertext
/// may be left out only by a dry run that ignores it: `DryRun` true with `IGNORE_CIPHERTEXT`);
/// build it with [`ReEncryptRequest::new`] and the setters.
///
/// ```
/// use kms_lite::ReEncryptRequest;
/// let req = ReEncryptRequest::new("alias/new-key")
///     .ciphertext_blob(vec![1, 2, 3, 4])
///     .source_encryption_context([("purpose", "backup")])
///     .destination_encryption_context([("purpose", "archive")]);
/// assert_eq!(req.destination_key_id, "alias/new-key");
/// ```
#[derive(Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct ReEncryptRequest {
    /// The ciphertext to re-encrypt (1..=6144 bytes). Required unless a dry run ignores it.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "codec::ser_opt_blob",
        deserialize_with = "codec::de_opt_blob"
    )]
    pub ciphertext_blob: Option<Vec<u8>>,
    /// The encryption context the ciphertext was made under.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_encryption_context: Option<BTreeMap<String, String>>,
    /// The key that decrypts it (required for asymmetric ciphertexts; 1..=2048 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_key_id: Option<String>,
    /// The key to re-encrypt under: key id, key ARN, alias name or alias ARN (1..=2048).
    pub destination_key_id: String,
    /// The encryption context for the new ciphertext (symmetric destination keys only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destination_encryption_context: Option<BTreeMap<String, String>>,
    /// The algorithm the ciphertext was made with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_encryption_algorithm: Option<EncryptionAlgorithmSpec>,
    /// The algorithm to re-encrypt with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destination_encryption_algorithm: Option<EncryptionAlgorithmSpec>,
    /// Grant tokens (at most 10, each 1..=8192 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grant_tokens: Option<Vec<String>>,
    /// Check permissions and parameters without re-encrypting.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dry_run: Option<bool>,
    /// Dry-run modifiers (`IGNORE_CIPHERTEXT`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dry_run_modifiers: Option<Vec<DryRunModifierType>>,
}

impl ReEncryptRequest {
    /// A request to re-encrypt under `destination_key_id`.
    pub fn new(destination_key_id: impl Into<String>) -> Self {
        ReEncryptRequest {
            destination_key_id: destination_key_id.into(),
            ..Default::default()
        }
    }
    /// Sets the ciphertext.
    pub fn ciphertext_blob(mut self, blob: impl Into<Vec<u8>>) -> Self {
        self.ciphertext_blob = Some(blob.into());
        self
    }
    /// Sets the source encryption context (an empty map is sent as `{}`).
    pub fn source_encryption_context<K: Into<String>, V: Into<String>>(
        mut self,
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        self.source_encryption_context = Some(context(pairs));
        self
    }
    /// Sets the source key.
    pub fn source_key_id(mut self, key: impl Into<String>) -> Self {
        self.source_key_id = Some(key.into());
        self
    }
    /// Sets the destination encryption context (an empty map is sent as `{}`).
    pub fn destination_encryption_context<K: Into<String>, V: Into<String>>(
        mut self,
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        self.destination_encryption_context = Some(context(pairs));
        self
    }
    /// Sets the source encryption algorithm.
    pub fn source_encryption_algorithm(mut self, alg: EncryptionAlgorithmSpec) -> Self {
        self.source_encryption_algorithm = Some(alg);
        self
    }
    /// Sets the destination encryption algorithm.
    pub fn destination_encryption_algorithm(mut self, alg: EncryptionAlgorithmSpec) -> Self {
        self.destination_encryption_algorithm = Some(alg);
        self
    }
}

common_setters!(ReEncryptRequest {
    grant_tokens,
    dry_run,
    dry_run_modifiers
});

impl fmt::Debug for ReEncryptRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Grant tokens confer permissions: only their number is shown.
        f.debug_struct("ReEncryptRequest")
            .field(
                "ciphertext_blob_len",
                &self.ciphertext_blob.as_ref().map(Vec::len),
            )
            .field("source_encryption_context", &self.source_encryption_context)
            .field("source_key_id", &self.source_key_id)
            .field("destination_key_id", &self.destination_key_id)
            .field(
                "destination_encryption_context",
                &self.destination_encryption_context,
            )
            .field(
                "source_encryption_algorithm",
                &self.source_encryption_algorithm,
            )
            .field(
                "destination_encryption_algorithm",
                &self.destination_encryption_algorithm,
            )
            .field("grant_tokens", &self.grant_tokens.as_ref().map(Vec::len))
            .field("dry_run", &self.dry_run)
            .field("dry_run_modifiers", &self.dry_run_modifiers)
            .finish()
    }
}

/// The output of ReEncrypt. Every member is optional, as in the model. Serializes to the AWS
/// CLI's JSON (AWS member names, blobs in base64, absent members omitted).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
#[non_exhaustive]
pub struct ReEncryptResponse {
    /// The re-encrypted ciphertext.
    #[serde(
        deserialize_with = "codec::de_opt_blob",
        serialize_with = "codec::ser_opt_blob",
        skip_serializing_if = "Option::is_none"
    )]
    pub ciphertext_blob: Option<Vec<u8>>,
    /// The ARN of the key that decrypted the ciphertext.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_key_id: Option<String>,
    /// The ARN of the key that re-encrypted it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
    /// The algorithm used to decrypt.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_encryption_algorithm: Option<EncryptionAlgorithmSpec>,
    /// The algorithm used to re-encrypt.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub destination_encryption_algorithm: Option<EncryptionAlgorithmSpec>,
    /// The identifier of the key material that decrypted (64 lower-case hex characters).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_key_material_id: Option<String>,
    /// The identifier of the key material that re-encrypted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub destination_key_material_id: Option<String>,
}

operation_error! {
    /// Why a ReEncrypt call failed: one variant per modelled KMS error, the common AWS errors,
    /// and the client-side failures. `Display` reads like the AWS CLI's error line.
    ///
    /// ```
    /// # fn demo(client: &kms_lite::Client, req: &kms_lite::ReEncryptRequest) {
    /// use kms_lite::ReEncryptError;
    /// match client.re_encrypt(req) {
    ///     Ok(out) => println!("{} bytes", out.ciphertext_blob.map_or(0, |b| b.len())),
    ///     Err(ReEncryptError::NotFound(e)) => eprintln!("no such key: {e}"),
    ///     Err(e) => eprintln!("{e}"),
    /// }
    /// # }
    /// ```
    ReEncryptError {
        /// `NotFoundException`: a key or alias does not exist.
        NotFound = "NotFoundException",
        /// `DisabledException`: a key is disabled.
        Disabled = "DisabledException",
        /// `InvalidCiphertextException`: the ciphertext, its context or its algorithm is wrong.
        InvalidCiphertext = "InvalidCiphertextException",
        /// `KeyUnavailableException`: the key cannot be used right now (retryable).
        KeyUnavailable = "KeyUnavailableException",
        /// `IncorrectKeyException`: the source key does not match the ciphertext.
        IncorrectKey = "IncorrectKeyException",
        /// `DependencyTimeoutException`: a KMS dependency timed out (retryable).
        DependencyTimeout = "DependencyTimeoutException",
        /// `InvalidKeyUsageException`: a key's usage or spec does not allow this.
        InvalidKeyUsage = "InvalidKeyUsageException",
        /// `InvalidGrantTokenException`: a grant token is not valid.
        InvalidGrantToken = "InvalidGrantTokenException",
        /// `KMSInternalException`: an internal KMS failure (retryable).
        KmsInternal = "KMSInternalException",
        /// `KMSInvalidStateException`: a key is in a state that forbids this (pending deletion,
        /// pending import...).
        KmsInvalidState = "KMSInvalidStateException",
        /// `DryRunOperationException`: the dry run would have succeeded.
        DryRunOperation = "DryRunOperationException",
    }
}

impl sealed::Sealed for ReEncryptRequest {}

impl Operation for ReEncryptRequest {
    const NAME: &'static str = "ReEncrypt";
    const TARGET: &'static str = "TrentService.ReEncrypt";
    type Output = ReEncryptResponse;
    type Error = ReEncryptError;

    fn validate(&self) -> Result<(), ParameterError> {
        check_ciphertext(&self.ciphertext_blob, self.dry_run, &self.dry_run_modifiers)?;
        if let Some(k) = &self.source_key_id {
            check_key_id("SourceKeyId", k)?;
        }
        check_key_id("DestinationKeyId", &self.destination_key_id)?;
        check_enum(
            "SourceEncryptionAlgorithm",
            self.source_encryption_algorithm.as_ref(),
        )?;
        check_enum(
            "DestinationEncryptionAlgorithm",
            self.destination_encryption_algorithm.as_ref(),
        )?;
        check_grant_tokens(&self.grant_tokens)?;
        check_enums("DryRunModifiers", &self.dry_run_modifiers)
    }
}

impl Client {
    /// Decrypts a ciphertext and encrypts it again under another key or encryption context,
    /// inside KMS.
    ///
    /// ```no_run
    /// # let client = kms_lite::Client::builder().region("us-east-1").build().unwrap();
    /// use kms_lite::{ReEncryptError, ReEncryptRequest};
    /// let req = ReEncryptRequest::new("alias/new")
    ///     .ciphertext_blob(std::fs::read("key.enc").unwrap())
    ///     .source_encryption_context([("tenant", "42")])
    ///     .destination_encryption_context([("tenant", "42")]);
    /// match client.re_encrypt(&req) {
    ///     Ok(out) => std::fs::write("key.enc", out.ciphertext_blob.unwrap()).unwrap(),
    ///     Err(ReEncryptError::InvalidCiphertext(e)) => eprintln!("wrong context? {e}"),
    ///     Err(e) => eprintln!("{e}"),
    /// }
    /// ```
    pub fn re_encrypt(
        &self,
        request: &ReEncryptRequest,
    ) -> Result<ReEncryptResponse, ReEncryptError> {
        self.call(request)
    }
}
