//! kms-lite: a synchronous, minimal-dependency client for AWS KMS.
//!
//! Blocking calls from plain sync code: no async runtime, no C build tools beyond `ring`.
//! SigV4, base64 and the AWS JSON 1.1 codec are hand-written; HTTP is `ureq` with rustls.
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
#![cfg_attr(docsrs, feature(doc_cfg))]
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![warn(unreachable_pub)]

pub mod base64 {
    //! Base64 as KMS and the AWS CLI write blobs: standard (RFC 4648 §4), with `=` padding, and a
    //! strict decoder.
    //!
    //! The encoder always pads. The decoder accepts exactly the canonical
    //! encodings produced by [`encode`]: every other input is rejected with a
    //! [`DecodeError`] that names the 0-based offset of the first offending byte
    //! and what is wrong with it. In particular it rejects:
    //!
    //! * any byte outside `A-Z a-z 0-9 + /` and `=` (whitespace, the URL-safe
    //!   `-` and `_`, non-ASCII bytes, ...): [`DecodeErrorKind::InvalidByte`];
    //! * `=` anywhere except as the last one or two bytes of the final
    //!   4-character group, including `A===` and `AB=C`:
    //!   [`DecodeErrorKind::InvalidPadding`];
    //! * an input whose length is not a multiple of four:
    //!   [`DecodeErrorKind::InvalidLength`];
    //! * a final symbol before the padding that carries non-zero unused bits
    //!   (`QR==` instead of `QQ==`): [`DecodeErrorKind::TrailingBits`].
    //!
    //! Errors never echo the input: at most the single offending byte is shown.
    //!
    //! ```
    //! use kms_lite::base64;
    //!
    //! let text = base64::encode(b"foobar");
    //! assert_eq!(text, "Zm9vYmFy");
    //! assert_eq!(base64::decode(text.as_bytes()).unwrap(), b"foobar");
    //! ```

    pub use crate::base64_codec::{DecodeError, DecodeErrorKind, decode, encode};
}
#[path = "base64.rs"]
mod base64_codec;
mod bounded_file;
mod client;
pub mod clock;
mod codec;
pub mod config;
pub mod credentials;
mod debug_log;
mod endpoint;
mod env;
pub mod error;
pub mod http;
mod ops;
mod profile_file;
mod proxy;
mod request;
pub mod retry;
mod secret;
mod settings;
mod sha1;
mod sigv4;
#[cfg(feature = "testing")]
#[cfg_attr(docsrs, doc(cfg(feature = "testing")))]
pub mod testing;
mod timestamp;
mod transport;
mod user_agent;
mod xml;

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
pub use ops::raw::{OPERATIONS, RawCallError, RawOutput};
pub use ops::re_encrypt::{ReEncryptError, ReEncryptRequest, ReEncryptResponse};
pub use ops::{
    DataKeySpec, DryRunModifierType, EncryptionAlgorithmSpec, KeyEncryptionMechanism, RecipientInfo,
};
pub use secret::{SecretBytes, WithPlaintext};

/// Internals that kms-lite's own tests and benches reach (the signer, the codec, the profile
/// file reader...). **Not part of the API**: not covered by semantic versioning, changed or
/// removed in any release without notice. Do not use it.
#[doc(hidden)]
pub mod __private {
    pub mod credentials {
        use crate::config::Env;
        use crate::credentials::{ContainerProvider, CredentialsError};

        /// Credentials from a `credential_process`'s output, judged at `now`.
        pub fn parse_process_output(
            stdout: &[u8],
            now: std::time::SystemTime,
        ) -> Result<crate::credentials::Credentials, CredentialsError> {
            crate::credentials::parse_process_output(stdout, now)
        }

        /// The URL the container provider fetches from in `env`, `None` when neither variable
        /// is set, or why the full URI is refused.
        pub fn container_endpoint_url(env: &Env) -> Result<Option<String>, CredentialsError> {
            ContainerProvider::endpoint_url(env)
        }
    }
    pub mod base64 {
        pub use crate::base64_codec::*;
    }
    pub mod codec {
        pub use crate::codec::*;
    }
    pub mod endpoint {
        pub use crate::endpoint::*;
    }
    pub mod profile_file {
        pub use crate::profile_file::*;
    }
    pub mod request {
        pub use crate::request::*;
    }
    pub mod settings {
        use crate::config::{EndpointOptions, Env};
        use crate::error::ConfigError;
        use crate::profile_file::ProfileSet;
        pub use crate::settings::*;

        /// [`SharedConfig`] from already parsed files; no I/O.
        pub fn from_profile_set(env: Env, profile: Option<&str>, set: ProfileSet) -> SharedConfig {
            SharedConfig::from_profile_set(env, profile, set)
        }

        /// FIPS and dual-stack as the environment and profile set them.
        pub fn endpoint_options(shared: &SharedConfig) -> Result<EndpointOptions, ConfigError> {
            shared.endpoint_options()
        }

        /// Both files, merged.
        pub fn profiles(shared: &SharedConfig) -> &ProfileSet {
            shared.profiles()
        }

        /// A service's endpoint URL and where it came from.
        pub fn service_endpoint(
            shared: &SharedConfig,
            service: &str,
            region: &str,
            options: EndpointOptions,
        ) -> Result<(String, String), ConfigError> {
            shared.service_endpoint(service, region, options)
        }
    }
    pub mod sigv4 {
        pub use crate::sigv4::*;
    }
    pub mod timestamp {
        pub use crate::timestamp::*;
    }
    pub mod transport {
        pub use crate::transport::*;
    }
    pub mod xml {
        pub use crate::xml::*;
    }
}

#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

#[cfg(doctest)]
#[doc = include_str!("../docs/demo.md")]
struct DemoDoctests;
