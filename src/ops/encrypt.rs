//! Encrypt: encrypt up to 4096 bytes of plaintext under a KMS key.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use super::{
    EncryptionAlgorithmSpec, Operation, check_blob, check_enum, check_grant_tokens, check_key_id,
    common_setters, sealed,
};
use crate::Client;
use crate::codec;
use crate::error::{ParameterError, operation_error};
use crate::secret::{self, SecretBytes};

/// The input of Encrypt. The key and the plaintext are required; build it with
/// [`EncryptRequest::new`] and the setters.
///
/// Serializes to the wire form, plaintext included (base64): that is what is sent to KMS.
/// `Debug` shows only the plaintext's length and the number of grant tokens.
///
/// ```
/// use kms_lite::EncryptRequest;
/// let req = EncryptRequest::new("alias/app", b"database password".to_vec())
///     .encryption_context([("tenant", "42")]);
/// assert_eq!(req.key_id, "alias/app");
/// assert!(!format!("{req:?}").contains("password"));
/// ```
#[derive(Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct EncryptRequest {
    /// The key to encrypt under: key id, key ARN, alias name or alias ARN (1..=2048).
    pub key_id: String,
    /// The data to encrypt (1..=4096 bytes).
    #[serde(
        serialize_with = "secret::ser_secret",
        deserialize_with = "secret::de_secret"
    )]
    pub plaintext: SecretBytes,
    /// The encryption context: non-secret pairs bound to the ciphertext, needed again to
    /// decrypt (symmetric keys only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encryption_context: Option<BTreeMap<String, String>>,
    /// Grant tokens (at most 10, each 1..=8192 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grant_tokens: Option<Vec<String>>,
    /// The algorithm (default `SYMMETRIC_DEFAULT`; asymmetric keys need an RSA or SM2 one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encryption_algorithm: Option<EncryptionAlgorithmSpec>,
    /// Check permissions and parameters without encrypting.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dry_run: Option<bool>,
}

impl EncryptRequest {
    /// A request to encrypt `plaintext` under `key_id`.
    pub fn new(key_id: impl Into<String>, plaintext: impl Into<SecretBytes>) -> Self {
        EncryptRequest {
            key_id: key_id.into(),
            plaintext: plaintext.into(),
            ..Default::default()
        }
    }
}

common_setters!(EncryptRequest {
    encryption_context,
    grant_tokens,
    encryption_algorithm,
    dry_run
});

impl fmt::Debug for EncryptRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Grant tokens confer permissions: only their number is shown.
        f.debug_struct("EncryptRequest")
            .field("key_id", &self.key_id)
            .field("plaintext", &self.plaintext)
            .field("encryption_context", &self.encryption_context)
            .field("grant_tokens", &self.grant_tokens.as_ref().map(Vec::len))
            .field("encryption_algorithm", &self.encryption_algorithm)
            .field("dry_run", &self.dry_run)
            .finish()
    }
}

/// The output of Encrypt. Every member is optional, as in the model. Serializes to the AWS
/// CLI's JSON (AWS member names, blobs in base64, absent members omitted).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
#[non_exhaustive]
pub struct EncryptResponse {
    /// The ciphertext.
    #[serde(
        deserialize_with = "codec::de_opt_blob",
        serialize_with = "codec::ser_opt_blob",
        skip_serializing_if = "Option::is_none"
    )]
    pub ciphertext_blob: Option<Vec<u8>>,
    /// The ARN of the key that encrypted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
    /// The algorithm used.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encryption_algorithm: Option<EncryptionAlgorithmSpec>,
}

operation_error! {
    /// Why an Encrypt call failed: one variant per modelled KMS error, the common AWS errors,
    /// and the client-side failures. `Display` reads like the AWS CLI's error line.
    EncryptError {
        /// `NotFoundException`: the key or alias does not exist.
        NotFound = "NotFoundException",
        /// `DisabledException`: the key is disabled.
        Disabled = "DisabledException",
        /// `KeyUnavailableException`: the key cannot be used right now (retryable).
        KeyUnavailable = "KeyUnavailableException",
        /// `DependencyTimeoutException`: a KMS dependency timed out (retryable).
        DependencyTimeout = "DependencyTimeoutException",
        /// `InvalidKeyUsageException`: the key's usage or spec does not allow encryption, or
        /// the algorithm does not fit the key.
        InvalidKeyUsage = "InvalidKeyUsageException",
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

impl sealed::Sealed for EncryptRequest {}

impl Operation for EncryptRequest {
    const NAME: &'static str = "Encrypt";
    const TARGET: &'static str = "TrentService.Encrypt";
    type Output = EncryptResponse;
    type Error = EncryptError;

    fn validate(&self) -> Result<(), ParameterError> {
        check_key_id("KeyId", &self.key_id)?;
        check_blob("Plaintext", self.plaintext.as_bytes(), 1, 4096)?;
        check_grant_tokens(&self.grant_tokens)?;
        check_enum("EncryptionAlgorithm", self.encryption_algorithm.as_ref())
    }
}

impl Client {
    /// Encrypts up to 4096 bytes under a KMS key. For more, encrypt locally with a data key
    /// from [`generate_data_key`](Client::generate_data_key).
    ///
    /// ```no_run
    /// # let client = kms_lite::Client::builder().region("us-east-1").build().unwrap();
    /// use kms_lite::{EncryptError, EncryptRequest};
    /// let req = EncryptRequest::new("alias/app", b"s3cr3t".to_vec())
    ///     .encryption_context([("tenant", "42")]);
    /// match client.encrypt(&req) {
    ///     Ok(out) => std::fs::write("secret.enc", out.ciphertext_blob.unwrap()).unwrap(),
    ///     Err(EncryptError::NotFound(e)) => eprintln!("no such key: {e}"),
    ///     Err(e) => eprintln!("{e}"),
    /// }
    /// ```
    pub fn encrypt(&self, request: &EncryptRequest) -> Result<EncryptResponse, EncryptError> {
        self.call(request)
    }
}
