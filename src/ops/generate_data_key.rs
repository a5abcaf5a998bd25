//! GenerateDataKey: a fresh symmetric data key, as plaintext and encrypted under a KMS key, for
//! encrypting data locally (envelope encryption).

use std::collections::BTreeMap;
use std::fmt;

use serde::ser::SerializeMap;
use serde::{Deserialize, Serialize};

use super::{
    DataKeySpec, Operation, RecipientInfo, check_data_key_size, check_grant_tokens, check_key_id,
    check_recipient, common_setters, sealed,
};
use crate::Client;
use crate::codec;
use crate::error::{ParameterError, operation_error};
use crate::secret::{self, Base64, SecretBytes, WithPlaintext};

/// The input of GenerateDataKey. The key is required, and exactly one of `KeySpec` and
/// `NumberOfBytes`; [`GenerateDataKeyRequest::new`] starts with `AES_256`.
///
/// ```
/// use kms_lite::{DataKeySpec, GenerateDataKeyRequest};
/// let req = GenerateDataKeyRequest::new("alias/app").encryption_context([("file", "a.txt")]);
/// assert_eq!(req.key_spec, Some(DataKeySpec::Aes256));
/// let req = req.number_of_bytes(64);
/// assert_eq!((req.key_spec, req.number_of_bytes), (None, Some(64)));
/// ```
#[derive(Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct GenerateDataKeyRequest {
    /// The symmetric KMS key to encrypt the data key under (1..=2048).
    pub key_id: String,
    /// The encryption context bound to the encrypted data key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encryption_context: Option<BTreeMap<String, String>>,
    /// The data key's length in bytes (1..=1024); exclusive with `key_spec`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number_of_bytes: Option<u32>,
    /// The data key's spec (`AES_256`, `AES_128`); exclusive with `number_of_bytes`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_spec: Option<DataKeySpec>,
    /// Grant tokens (at most 10, each 1..=8192 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grant_tokens: Option<Vec<String>>,
    /// An attested enclave to receive the plaintext key, encrypted for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recipient: Option<RecipientInfo>,
    /// Check permissions and parameters without generating a key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dry_run: Option<bool>,
}

impl GenerateDataKeyRequest {
    /// A request for an `AES_256` data key under `key_id`.
    pub fn new(key_id: impl Into<String>) -> Self {
        GenerateDataKeyRequest {
            key_id: key_id.into(),
            key_spec: Some(DataKeySpec::Aes256),
            ..Default::default()
        }
    }
}

common_setters!(GenerateDataKeyRequest {
    encryption_context,
    number_of_bytes,
    key_spec,
    grant_tokens,
    recipient,
    dry_run
});

impl fmt::Debug for GenerateDataKeyRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Grant tokens confer permissions: only their number is shown.
        f.debug_struct("GenerateDataKeyRequest")
            .field("key_id", &self.key_id)
            .field("encryption_context", &self.encryption_context)
            .field("number_of_bytes", &self.number_of_bytes)
            .field("key_spec", &self.key_spec)
            .field("grant_tokens", &self.grant_tokens.as_ref().map(Vec::len))
            .field("recipient", &self.recipient)
            .field("dry_run", &self.dry_run)
            .finish()
    }
}

/// The output of GenerateDataKey. Every member is optional, as in the model.
///
/// The plaintext key is a [`SecretBytes`]: `Debug` shows its length only. This type does not
/// implement `Serialize`; [`with_plaintext`](Self::with_plaintext) serializes it on purpose.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
#[non_exhaustive]
pub struct GenerateDataKeyResponse {
    /// The data key encrypted under the KMS key: store it next to the data.
    #[serde(deserialize_with = "codec::de_opt_blob")]
    pub ciphertext_blob: Option<Vec<u8>>,
    /// The plaintext data key (absent when a recipient was given): use it, then drop it.
    #[serde(deserialize_with = "secret::de_opt_secret")]
    pub plaintext: Option<SecretBytes>,
    /// The ARN of the KMS key.
    pub key_id: Option<String>,
    /// The plaintext key encrypted under the recipient's public key (when a recipient was
    /// given).
    #[serde(deserialize_with = "codec::de_opt_blob")]
    pub ciphertext_for_recipient: Option<Vec<u8>>,
    /// The identifier of the key material that encrypted the data key.
    pub key_material_id: Option<String>,
}

impl GenerateDataKeyResponse {
    /// This response for `Serialize`, plaintext included (see [`WithPlaintext`]).
    pub fn with_plaintext(&self) -> WithPlaintext<'_, Self> {
        WithPlaintext(self)
    }
}

impl Serialize for WithPlaintext<'_, GenerateDataKeyResponse> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let r = self.0;
        let mut m = s.serialize_map(None)?;
        secret::entry(
            &mut m,
            "CiphertextBlob",
            r.ciphertext_blob.as_deref().map(Base64).as_ref(),
        )?;
        secret::entry(
            &mut m,
            "Plaintext",
            r.plaintext.as_ref().map(|p| Base64(p.as_bytes())).as_ref(),
        )?;
        secret::entry(&mut m, "KeyId", r.key_id.as_ref())?;
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
    /// Why a GenerateDataKey call failed: one variant per modelled KMS error, the common AWS
    /// errors, and the client-side failures. `Display` reads like the AWS CLI's error line.
    GenerateDataKeyError {
        /// `NotFoundException`: the key or alias does not exist.
        NotFound = "NotFoundException",
        /// `DisabledException`: the key is disabled.
        Disabled = "DisabledException",
        /// `KeyUnavailableException`: the key cannot be used right now (retryable).
        KeyUnavailable = "KeyUnavailableException",
        /// `DependencyTimeoutException`: a KMS dependency timed out (retryable).
        DependencyTimeout = "DependencyTimeoutException",
        /// `InvalidKeyUsageException`: the key is not a symmetric encryption key.
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

impl sealed::Sealed for GenerateDataKeyRequest {}

impl Operation for GenerateDataKeyRequest {
    const NAME: &'static str = "GenerateDataKey";
    const TARGET: &'static str = "TrentService.GenerateDataKey";
    type Output = GenerateDataKeyResponse;
    type Error = GenerateDataKeyError;

    fn validate(&self) -> Result<(), ParameterError> {
        check_key_id("KeyId", &self.key_id)?;
        check_data_key_size(self.number_of_bytes, self.key_spec.as_ref())?;
        check_grant_tokens(&self.grant_tokens)?;
        check_recipient(&self.recipient)
    }
}

impl Client {
    /// Generates a data key: use the plaintext to encrypt locally, store the ciphertext blob
    /// next to the data, and decrypt it with [`decrypt`](Client::decrypt) when needed.
    ///
    /// ```no_run
    /// # let client = kms_lite::Client::builder().region("us-east-1").build().unwrap();
    /// use kms_lite::GenerateDataKeyRequest;
    /// let out = client
    ///     .generate_data_key(&GenerateDataKeyRequest::new("alias/app"))
    ///     .unwrap();
    /// let key = out.plaintext.expect("no recipient was given");
    /// assert_eq!(key.len(), 32);
    /// ```
    pub fn generate_data_key(
        &self,
        request: &GenerateDataKeyRequest,
    ) -> Result<GenerateDataKeyResponse, GenerateDataKeyError> {
        self.call(request)
    }
}
