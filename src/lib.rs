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
pub mod sigv4;
pub mod timestamp;
pub mod transport;
pub mod xml;

pub use client::{Client, ClientBuilder, USER_AGENT};
pub use ops::re_encrypt::{ReEncryptError, ReEncryptRequest, ReEncryptResponse};
pub use ops::{DryRunModifierType, EncryptionAlgorithmSpec};
