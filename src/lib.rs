//! kms-lite: a synchronous, minimal-dependency client for AWS KMS.
//!
//! Blocking calls from plain sync code: no async runtime, no C build tools beyond `ring`.
//! SigV4, base64 and the AWS JSON 1.1 codec are hand-written; HTTP is `ureq` ([TLS](#tls) below).
//!
//! ```no_run
//! use kms_lite::{Client, ReEncryptRequest};
//! let client = Client::builder().build()?; // region, endpoint, credentials as the AWS CLI finds them
//! let out = client.re_encrypt(
//!     &ReEncryptRequest::new("alias/archive").ciphertext_blob(std::fs::read("key.enc")?),
//! )?;
//! std::fs::write("key.enc", out.ciphertext_blob.unwrap_or_default())?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! How a call flows, and where each step lives:
//!
//! - [`ops`]: one module per operation: request (validated against the KMS model before any
//!   I/O), response, and an error type naming every modelled error.
//! - [`codec`]: AWS JSON 1.1 bodies and the error-code rules; [`base64`] for blobs.
//! - [`request`] and [`sigv4`]: the signed request of one attempt, a pure function of body,
//!   endpoint, credentials and time.
//! - [`transport`]: the blocking ureq transport (no redirects, capped bodies), replaceable
//!   through [`transport::HttpClient`].
//! - [`retry`] and [`clock`]: the AWS SDKs' standard and adaptive retry modes, clock-skew correction,
//!   injectable time.
//! - [`credentials`], [`endpoint`], [`profile_file`], [`config`], [`env`](mod@env): configuration as the AWS CLI
//!   resolves it.
//!
//! # TLS
//!
//! Certificates are always verified. Cargo features choose the backend: `rustls` (the default:
//! rustls with ring, trusting the Mozilla roots compiled in), `platform-verifier` (rustls,
//! verifying with the operating system's trust store) or `native-tls` (the system's TLS
//! library, OpenSSL on Linux, with its store); with several enabled, `native-tls` wins, then
//! `platform-verifier`. A CA bundle ([`ClientBuilder::ca_bundle_pem`], `--ca-bundle`,
//! `AWS_CA_BUNDLE`, the profile's `ca_bundle`) replaces the default trust on every backend.
//!
#![cfg_attr(docsrs, feature(doc_cfg))]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod base64;
mod bounded_file;
mod client;
pub mod clock;
pub mod codec;
pub mod config;
pub mod credentials;
pub mod debug_log;
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
mod sha1;
pub mod sigv4;
#[cfg(feature = "testing")]
#[cfg_attr(docsrs, doc(cfg(feature = "testing")))]
pub mod testing;
pub mod timestamp;
mod tls;
pub mod transport;
mod user_agent;
pub mod xml;

pub use client::{Client, ClientBuilder, USER_AGENT};
pub use ops::decrypt::{DecryptError, DecryptRequest, DecryptResponse};
pub use ops::encrypt::{EncryptError, EncryptRequest, EncryptResponse};
pub use ops::generate_data_key::{
    GenerateDataKeyError, GenerateDataKeyRequest, GenerateDataKeyResponse,
};
pub use ops::generate_data_key_without_plaintext::{
    GenerateDataKeyWithoutPlaintextError, GenerateDataKeyWithoutPlaintextRequest,
    GenerateDataKeyWithoutPlaintextResponse,
};
pub use ops::raw::{RawCallError, RawOutput};
pub use ops::re_encrypt::{ReEncryptError, ReEncryptRequest, ReEncryptResponse};
pub use ops::{
    DataKeySpec, DryRunModifierType, EncryptionAlgorithmSpec, KeyEncryptionMechanism, RecipientInfo,
};
pub use secret::{SecretBytes, WithPlaintext};

#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

#[cfg(doctest)]
#[doc = include_str!("../docs/demo.md")]
struct DemoDoctests;
