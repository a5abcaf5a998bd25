//! kms-lite: a synchronous, minimal-dependency client for AWS KMS.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod base64;
pub mod credentials;
pub mod env;
pub mod sigv4;
