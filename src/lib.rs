//! kms-lite: a synchronous, minimal-dependency client for AWS KMS.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod base64;
mod client;
pub mod clock;
pub mod codec;
pub mod credentials;
pub mod endpoint;
pub mod env;
pub mod error;
pub mod http;
pub mod ops;
pub mod profile_file;
mod proxy;
pub mod request;
pub mod retry;
pub mod secret;
pub mod sigv4;
pub mod timestamp;
pub mod transport;
pub mod xml;

pub use client::{Client, ClientBuilder};
pub use ops::decrypt::{DecryptError, DecryptRequest, DecryptResponse};
pub use ops::encrypt::{EncryptError, EncryptRequest, EncryptResponse};
pub use ops::generate_data_key::{
    GenerateDataKeyError, GenerateDataKeyRequest, GenerateDataKeyResponse,
};
pub use ops::generate_data_key_without_plaintext::{
    GenerateDataKeyWithoutPlaintextError, GenerateDataKeyWithoutPlaintextRequest,
    GenerateDataKeyWithoutPlaintextResponse,
};
pub use ops::re_encrypt::{ReEncryptError, ReEncryptRequest, ReEncryptResponse};
pub use ops::{
    DataKeySpec, DryRunModifierType, EncryptionAlgorithmSpec, KeyEncryptionMechanism, RecipientInfo,
};
pub use secret::{SecretBytes, WithPlaintext};
