//! GenerateDataKeyWithoutPlaintext: a fresh data key returned only encrypted under a KMS key,
//! for a component that stores it now and has it decrypted later.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use super::{
    DataKeySpec, Operation, check_data_key_size, check_grant_tokens, check_key_id, common_setters,
    sealed,
};
use crate::Client;
use crate::codec;
use crate::error::{ParameterError, operation_error};

/// The input of GenerateDataKeyWithoutPlaintext. The key is required, and exactly one of
/// `KeySpec` and `NumberOfBytes`; [`GenerateDataKeyWithoutPlaintextRequest::new`] starts with
/// `AES_256`.
///
/// ```
/// use kms_lite::{DataKeySpec, GenerateDataKeyWithoutPlaintextRequest};
/// let req = GenerateDataKeyWithoutPlaintextRequest::new("alias/app").key_spec(DataKeySpec::Aes128);
/// assert_eq!(req.key_spec, Some(DataKeySpec::Aes128));
/// ```
#[derive(Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct GenerateDataKeyWithoutPlaintextRequest {
    /// The symmetric KMS key to encrypt the data key under (1..=2048).
    pub key_id: String,
    /// The encryption context bound to the encrypted data key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encryption_context: Option<BTreeMap<String, String>>,
    /// The data key's spec (`AES_256`, `AES_128`); exclusive with `number_of_bytes`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_spec: Option<DataKeySpec>,
    /// The data key's length in bytes (1..=1024); exclusive with `key_spec`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number_of_bytes: Option<u32>,
    /// Grant tokens (at most 10, each 1..=8192 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grant_tokens: Option<Vec<String>>,
    /// Check permissions and parameters without generating a key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dry_run: Option<bool>,
}

impl GenerateDataKeyWithoutPlaintextRequest {
    /// A request for an `AES_256` data key under `key_id`.
    pub fn new(key_id: impl Into<String>) -> Self {
        GenerateDataKeyWithoutPlaintextRequest {
            key_id: key_id.into(),
            key_spec: Some(DataKeySpec::Aes256),
            ..Default::default()
        }
    }
}

common_setters!(GenerateDataKeyWithoutPlaintextRequest {
    encryption_context,
    key_spec,
    number_of_bytes,
    grant_tokens,
    dry_run
});

impl fmt::Debug for GenerateDataKeyWithoutPlaintextRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Grant tokens confer permissions: only their number is shown.
        f.debug_struct("GenerateDataKeyWithoutPlaintextRequest")
            .field("key_id", &self.key_id)
            .field("encryption_context", &self.encryption_context)
            .field("key_spec", &self.key_spec)
            .field("number_of_bytes", &self.number_of_bytes)
            .field("grant_tokens", &self.grant_tokens.as_ref().map(Vec::len))
            .field("dry_run", &self.dry_run)
            .finish()
    }
}

/// The output of GenerateDataKeyWithoutPlaintext. Every member is optional, as in the model.
/// It holds no plaintext, so it serializes to the AWS CLI's JSON directly.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
#[non_exhaustive]
pub struct GenerateDataKeyWithoutPlaintextResponse {
    /// The data key encrypted under the KMS key.
    #[serde(
        deserialize_with = "codec::de_opt_blob",
        serialize_with = "codec::ser_opt_blob",
        skip_serializing_if = "Option::is_none"
    )]
    pub ciphertext_blob: Option<Vec<u8>>,
    /// The ARN of the KMS key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
    /// The identifier of the key material that encrypted the data key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_material_id: Option<String>,
}

operation_error! {
    /// Why a GenerateDataKeyWithoutPlaintext call failed: one variant per modelled KMS error,
    /// the common AWS errors, and the client-side failures.
    GenerateDataKeyWithoutPlaintextError {
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

impl sealed::Sealed for GenerateDataKeyWithoutPlaintextRequest {}

impl Operation for GenerateDataKeyWithoutPlaintextRequest {
    const NAME: &'static str = "GenerateDataKeyWithoutPlaintext";
    const TARGET: &'static str = "TrentService.GenerateDataKeyWithoutPlaintext";
    type Output = GenerateDataKeyWithoutPlaintextResponse;
    type Error = GenerateDataKeyWithoutPlaintextError;

    fn validate(&self) -> Result<(), ParameterError> {
        check_key_id("KeyId", &self.key_id)?;
        check_data_key_size(self.number_of_bytes, self.key_spec.as_ref())?;
        check_grant_tokens(&self.grant_tokens)
    }
}

impl Client {
    /// Generates a data key and returns it only encrypted under the KMS key.
    ///
    /// ```no_run
    /// # let client = kms_lite::Client::builder().region("us-east-1").build().unwrap();
    /// use kms_lite::GenerateDataKeyWithoutPlaintextRequest;
    /// let out = client
    ///     .generate_data_key_without_plaintext(&GenerateDataKeyWithoutPlaintextRequest::new("alias/app"))
    ///     .unwrap();
    /// std::fs::write("data.key.enc", out.ciphertext_blob.unwrap()).unwrap();
    /// ```
    pub fn generate_data_key_without_plaintext(
        &self,
        request: &GenerateDataKeyWithoutPlaintextRequest,
    ) -> Result<GenerateDataKeyWithoutPlaintextResponse, GenerateDataKeyWithoutPlaintextError> {
        self.call(request)
    }
}
