//! A synchronous, minimal-dependency client for AWS KMS.
//!
//! kms-lite calls AWS KMS from plain blocking Rust: no async runtime, no C build tools beyond
//! `ring`, a few dependencies (`ureq` with rustls by default, `serde`, `serde_json`, `hmac`,
//! `sha2`, `hex`). It resolves region, endpoint and credentials the way the AWS CLI does, signs
//! with SigV4 (checked against AWS's test suite), retries like the AWS SDKs, and keeps secrets
//! out of `Debug`, `Display`, logs and error messages. It is built around ReEncrypt (re-wrapping
//! ciphertexts under another key or context without the plaintext leaving KMS), with Encrypt,
//! Decrypt, GenerateDataKey and GenerateDataKeyWithoutPlaintext typed, and every other KMS
//! operation reachable through a raw JSON call.
//!
//! Why: the official SDK is async-only and compiles about 170 crates, two TLS stacks and a C
//! library; light clients tend to skip what the SDKs get right (the credential chain, the error
//! rules, retries, clock skew). kms-lite does those things, blocking, in a fraction of the build
//! time and of the cost of a call.
//!
//! # Contents
//!
//! - [Quick start](#quick-start)
//! - [Sharing a client](#sharing-a-client)
//! - [Configuration](#configuration)
//! - [Errors](#errors)
//! - [Retries and timeouts](#retries-and-timeouts)
//! - [Secrets](#secrets)
//! - [Testing your own code](#testing-your-own-code)
//! - [Every other operation: the raw call](#every-other-operation-the-raw-call)
//! - [TLS](#tls)
//! - [The command line](#the-command-line)
//! - [Versioning](#versioning)
//!
//! # Quick start
//!
//! ```toml
//! [dependencies]
//! kms-lite = "0.1"
//! ```
//!
//! ```no_run
//! use kms_lite::{Client, ReEncryptError, ReEncryptRequest};
//!
//! // Region, endpoint and credentials as the AWS CLI finds them.
//! let client = Client::builder().build()?;
//!
//! let request = ReEncryptRequest::new("alias/archive")
//!     .ciphertext_blob(std::fs::read("data-key.enc")?)
//!     .source_encryption_context([("tenant", "42")])
//!     .destination_encryption_context([("tenant", "42"), ("tier", "archive")]);
//! match client.re_encrypt(&request) {
//!     Ok(out) => std::fs::write("data-key.enc", out.ciphertext_blob.unwrap_or_default())?,
//!     Err(ReEncryptError::InvalidCiphertext(e)) => eprintln!("wrong context or key? {e}"),
//!     Err(e) => return Err(e.into()),
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Each operation is a method of [`Client`] taking its request type (built with `new` and
//! setters) and returning its response type or its own error type:
//!
//! | method | request | response | error |
//! |---|---|---|---|
//! | [`re_encrypt`](Client::re_encrypt) | [`ReEncryptRequest`] | [`ReEncryptResponse`] | [`ReEncryptError`] |
//! | [`encrypt`](Client::encrypt) | [`EncryptRequest`] | [`EncryptResponse`] | [`EncryptError`] |
//! | [`decrypt`](Client::decrypt) | [`DecryptRequest`] | [`DecryptResponse`] | [`DecryptError`] |
//! | [`generate_data_key`](Client::generate_data_key) | [`GenerateDataKeyRequest`] | [`GenerateDataKeyResponse`] | [`GenerateDataKeyError`] |
//! | [`generate_data_key_without_plaintext`](Client::generate_data_key_without_plaintext) | [`GenerateDataKeyWithoutPlaintextRequest`] | [`GenerateDataKeyWithoutPlaintextResponse`] | [`GenerateDataKeyWithoutPlaintextError`] |
//! | [`raw_call`](Client::raw_call) (any of [`OPERATIONS`]) | JSON | [`RawOutput`] | [`RawCallError`] |
//!
//! A request is checked against the KMS model (lengths, required members, known enum values)
//! before anything is sent: a request that breaks it fails with `InvalidParameter` and no I/O.
//! Responses keep enum values this version does not know (`Unknown(String)`) instead of failing.
//!
//! # Sharing a client
//!
//! A [`Client`] is `Send + Sync` and cheap to clone (a reference count): build one and share it,
//! across threads too. It keeps a pool of keep-alive connections, the signing key of the day, the
//! credentials (refreshed by one thread while the others keep working), the retry quota and the
//! clock offset learnt from the service, so one client for the whole program is both the fastest
//! and the kindest to KMS.
//!
//! ```no_run
//! use kms_lite::{Client, ReEncryptRequest};
//!
//! let client = Client::builder().region("eu-west-1").build()?;
//! let blobs: Vec<Vec<u8>> = vec![/* ciphertexts */];
//! std::thread::scope(|s| {
//!     for blob in blobs {
//!         let client = &client;
//!         s.spawn(move || {
//!             let request = ReEncryptRequest::new("alias/archive").ciphertext_blob(blob);
//!             client.re_encrypt(&request)
//!         });
//!     }
//! });
//! # Ok::<(), kms_lite::error::ConfigError>(())
//! ```
//!
//! # Configuration
//!
//! [`Client::builder`] resolves whatever is not set on the [`ClientBuilder`] as the AWS CLI does,
//! so a machine where `aws kms ...` works needs no extra setup: a value set in code wins, then the
//! environment, then the selected profile of `~/.aws/config` and `~/.aws/credentials`
//! (`AWS_CONFIG_FILE`, `AWS_SHARED_CREDENTIALS_FILE`; the profile from
//! [`ClientBuilder::profile`], else `AWS_PROFILE`, else `default`).
//!
//! - **Region**: [`ClientBuilder::region`], `AWS_REGION`, `AWS_DEFAULT_REGION`, the profile's
//!   `region`, then EC2 instance metadata. There is no silent default: without a region,
//!   [`build`](ClientBuilder::build) fails with an error that lists where it looked.
//! - **Endpoint**: [`ClientBuilder::endpoint_url`] (a local KMS, a VPC endpoint), then
//!   `AWS_ENDPOINT_URL_KMS`, `AWS_ENDPOINT_URL`, the profile's `services` section or
//!   `endpoint_url`, else the region's KMS endpoint in its partition; FIPS and dual-stack from
//!   [`ClientBuilder::endpoint_options`], `AWS_USE_FIPS_ENDPOINT`, `AWS_USE_DUALSTACK_ENDPOINT` or
//!   the profile.
//! - **Credentials**: [`ClientBuilder::credentials`] or
//!   [`credentials_provider`](ClientBuilder::credentials_provider), else the AWS SDKs' default
//!   chain ([`credentials::default_chain`]): environment variables; the profile (static keys,
//!   `credential_process`, `role_arn` through STS, `web_identity_token_file`, IAM Identity Center);
//!   `AWS_ROLE_ARN` with `AWS_WEB_IDENTITY_TOKEN_FILE` (EKS); container credentials (ECS, EKS Pod
//!   Identity); EC2 instance metadata (IMDSv2). Temporary credentials are cached and refreshed
//!   five minutes before they expire. Nothing is read or fetched before the first call.
//! - **TLS trust**: the built-in Mozilla roots, or a PEM bundle from
//!   [`ClientBuilder::ca_bundle_pem`], [`ca_bundle_file`](ClientBuilder::ca_bundle_file),
//!   `AWS_CA_BUNDLE` or the profile's `ca_bundle`, which replaces the built-in roots as in botocore.
//! - **Proxies**: `HTTPS_PROXY`, `HTTP_PROXY` and `NO_PROXY` for KMS, STS and SSO (never for the
//!   metadata endpoints); `http://` and `https://` proxies only.
//! - **Retries**: [`ClientBuilder::max_attempts`], `AWS_MAX_ATTEMPTS` or the profile's
//!   `max_attempts` (default 3); [`ClientBuilder::retry_mode`], `AWS_RETRY_MODE` or the profile's
//!   `retry_mode`.
//! - **Application id**: [`ClientBuilder::app_id`], `AWS_SDK_UA_APP_ID` or the profile's
//!   `sdk_ua_app_id`, appended to the `User-Agent` as the AWS SDKs do (`app/<id>`), so that
//!   CloudTrail attributes each call to the application that made it.
//! - **Diagnostics**: [`ClientBuilder::debug_log`] receives a line saying where each setting came
//!   from and one line per request and response (KMS, STS, SSO, the metadata endpoints), with
//!   every secret and token redacted and no bodies.
//!
//! The environment is read through [`config::Env`]: the process's by default, or a fixed map given
//! to [`ClientBuilder::env`], which makes a client hermetic (nothing of the machine's environment,
//! home directory or shared files reaches it):
//!
//! ```
//! use kms_lite::config::Env;
//! use kms_lite::credentials::Credentials;
//!
//! let client = kms_lite::Client::builder()
//!     .env(Env::from_pairs([("AWS_REGION", "eu-central-1")]))
//!     .endpoint_url("http://localhost:4566")
//!     .credentials(Credentials::new("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", None))
//!     .build()?;
//! assert_eq!(client.region(), "eu-central-1");
//! assert_eq!(client.endpoint_url(), "http://localhost:4566/");
//! # Ok::<(), kms_lite::error::ConfigError>(())
//! ```
//!
//! A configuration that cannot be used fails [`build`](ClientBuilder::build) with a
//! [`ConfigError`](error::ConfigError) whose [`kind`](error::ConfigError::kind) says which setting
//! is at fault (region, endpoint, CA bundle, profile files, another setting) and whose message says
//! what to change, naming files and lines but never a secret value. The credential providers can
//! also be used on their own (see [`credentials`]), and the selected profile's settings read with
//! [`config::SharedConfig`].
//!
//! # Errors
//!
//! Each operation has its own error enum, with one variant per error the KMS model lists for it
//! (`NotFound`, `Disabled`, `InvalidCiphertext`...), the errors any AWS service can send
//! (`AccessDenied`, `Throttling`, `ExpiredToken`...), `Unhandled` for any other code, and the
//! failures on this side: `InvalidParameter` (nothing was sent), `Credentials` and `Transport`.
//! The enums are `#[non_exhaustive]`: KMS adds errors, and a new version may name them. Their
//! `Display` reads like the AWS CLI's error line, with the server's text escaped so that it cannot
//! drive a terminal.
//!
//! Code that handles every error alike asks the one trait all the crate's errors implement,
//! [`error::OperationError`]: [`code`](error::OperationError::code),
//! [`message`](error::OperationError::message),
//! [`request_id`](error::OperationError::request_id),
//! [`http_status`](error::OperationError::http_status),
//! [`is_retryable`](error::OperationError::is_retryable) and
//! [`is_throttling`](error::OperationError::is_throttling), which follow the client's own retry
//! rules, and the parts ([`service_error`](error::OperationError::service_error),
//! [`transport_error`](error::OperationError::transport_error)...).
//!
//! ```
//! use kms_lite::error::OperationError;
//! use kms_lite::{Client, DecryptError, DecryptRequest};
//!
//! fn open(client: &Client, blob: Vec<u8>) -> Result<Vec<u8>, String> {
//!     match client.decrypt(&DecryptRequest::new(blob).key_id("alias/app")) {
//!         Ok(out) => Ok(out.plaintext.map(|p| p.into_vec()).unwrap_or_default()),
//!         Err(DecryptError::IncorrectKey(_)) => Err("not encrypted under alias/app".into()),
//!         Err(e) if e.is_throttling() => Err(format!("throttled after {} attempts", e.attempts())),
//!         Err(e) => Err(format!(
//!             "{e} (code {:?}, HTTP {:?}, request id {:?})",
//!             e.code(),
//!             e.http_status(),
//!             e.request_id()
//!         )),
//!     }
//! }
//! # let _ = open;
//! ```
//!
//! `std::error::Error::source` returns what is underneath where there is something: the
//! `std::io::Error` of a failed connection or file, the TLS library's error, the STS call behind a
//! credentials failure, a description (kind and position, never the text) of a response that is not
//! valid JSON. The errors are `Clone`, `Send` and `Sync`.
//!
//! # Retries and timeouts
//!
//! Retries follow the AWS SDKs (see [`retry`] for the rules). In the **standard** mode (the
//! default), a call is retried up to `max_attempts` attempts in all when no response arrived whole,
//! on 5xx and 429 answers and on throttling and transient codes, after a random, exponentially
//! growing delay, while a per-client retry quota lasts. Every attempt is signed afresh. When a
//! signature or expiry error comes with a server `Date` more than four minutes from the local
//! clock, the client learns the offset (for every thread) and re-signs at once.
//!
//! The **adaptive** mode ([`ClientBuilder::retry_mode`], `AWS_RETRY_MODE=adaptive` or the
//! profile's `retry_mode = adaptive`) adds the AWS SDKs' client-side rate limiter, shared by every
//! thread using the client: after a throttling answer, attempts wait for a token bucket whose rate
//! is cut below the measured sending rate and then grows back along a CUBIC curve, so that a
//! program with many threads settles near the account's quota instead of being throttled over and
//! over. [`Client::rate_limiter`] shows its state. `legacy` is accepted and retries as `standard`.
//!
//! | timeout | default | bounds | set with |
//! |---|---|---|---|
//! | connect | 10 s | TCP connect and TLS handshake, per attempt | [`ClientBuilder::connect_timeout`] |
//! | read | 60 s | each read, and receiving the head and the body, per attempt | [`ClientBuilder::read_timeout`] |
//! | operation | none | the whole call: every attempt, backoff sleep and wait for the adaptive mode's rate limiter | [`ClientBuilder::operation_timeout`] |
//!
//! Response bodies are capped (1 MiB, [`ClientBuilder::max_response_bytes`]); a body shorter than
//! its `Content-Length` is a retryable error, never a partial answer. Redirects are never followed:
//! a signed request goes only where it was meant to. A program that queues failed items to try them
//! later can back off as the client does with [`retry::backoff_for`].
//!
//! # Secrets
//!
//! Plaintexts (the plaintext of Decrypt and of a data key) come back as [`SecretBytes`]: `Debug`
//! shows only their length, there is no `Display` or `Serialize`, and the buffer is overwritten
//! with zeros when dropped. Responses that hold one do not implement `Serialize` either; their
//! `with_plaintext()` ([`WithPlaintext`]) serializes them, plaintext included, only when asked to.
//! Requests show only the length of a plaintext and the number of grant tokens in `Debug`;
//! [`credentials::Credentials`] show their access key id, never the secret key or session token.
//!
//! # Testing your own code
//!
//! The `testing` feature adds [`testing`](testing/index.html): a test double for code that calls KMS through a
//! [`Client`]. [`testing::MockKms`](testing/struct.MockKms.html) answers each request with a canned
//! [`testing::Reply`](testing/struct.Reply.html) (a
//! typed response, any JSON, each modelled error, throttling, a network failure), by operation,
//! in order, or from a closure, and records every request it was sent. Its client is a real one
//! (the same validation, signing, retries and decoding as in production) with a fixed region and
//! credentials, an empty environment and a frozen clock: retries do not sleep.
//!
//! ```toml
//! [dev-dependencies]
//! kms-lite = { version = "0.1", features = ["testing"] }
//! ```
//!
//! A success, then a throttled call (three attempts, the standard mode's, without sleeping):
//!
//! ```
//! # #[cfg(feature = "testing")] {
//! use kms_lite::testing::{MockKms, Reply};
//! use kms_lite::{ReEncryptError, ReEncryptRequest};
//!
//! let kms = MockKms::new()
//!     .then(Reply::json(serde_json::json!({"CiphertextBlob": "bmV3"})))
//!     .with_handler(|_| Reply::throttling());
//! let client = kms.client(); // give this to the code under test
//! let request = ReEncryptRequest::new("alias/new").ciphertext_blob(b"old".to_vec());
//! assert_eq!(client.re_encrypt(&request).unwrap().ciphertext_blob.unwrap(), b"new");
//! assert!(matches!(client.re_encrypt(&request), Err(ReEncryptError::Throttling(_))));
//! assert_eq!(kms.requests()[0].input()["DestinationKeyId"], "alias/new");
//! assert_eq!(kms.requests().len(), 1 + 3);
//! # }
//! ```
//!
//! Typed responses are `#[non_exhaustive]`: build one from its `Default` and set what the test
//! needs (`let mut out = DecryptResponse::default(); out.plaintext = Some(...)`), then answer with
//! [`Reply::output`](testing/struct.Reply.html#method.output). To fake the transport yourself instead, implement
//! [`http::HttpClient`] and give it to [`ClientBuilder::http_client`], with a
//! [`clock::ManualClock`] to pin the signing time and record backoff sleeps.
//!
//! # Every other operation: the raw call
//!
//! [`Client::raw_call`] reaches every KMS operation ([`OPERATIONS`]: `CreateKey`,
//! `DescribeKey`, `Sign`, `GenerateMac`, `ListKeys`...) with its input as a JSON object, as the AWS
//! CLI's `--cli-input-json` takes it (AWS member names, blobs in base64), and returns the JSON
//! output. The name is checked before any I/O (with a suggestion when it is close to one); signing,
//! retries, error decoding and the debug log are those of the typed operations. Plaintext in the
//! output (`Plaintext`, `PrivateKeyPlaintext`, `SharedSecret`) is taken out of the JSON into
//! [`SecretBytes`], reached with [`RawOutput::secret`]. One call is one request: a list
//! operation returns one page (`Truncated`, `NextMarker` for the next request's `Marker`);
//! `kms-lite call` follows the pages as the AWS CLI does.
//!
//! ```no_run
//! use kms_lite::error::OperationError;
//!
//! let client = kms_lite::Client::builder().build()?;
//! let out = client.raw_call("CreateKey", &serde_json::json!({"Description": "archive"}))?;
//! let key_id = out.json()["KeyMetadata"]["KeyId"].as_str().unwrap_or_default().to_owned();
//! match client.raw_call("DescribeKey", &serde_json::json!({"KeyId": key_id})) {
//!     Ok(out) => println!("{}", out.json()["KeyMetadata"]["KeyState"]),
//!     Err(e) if e.code() == Some("NotFoundException") => eprintln!("not there yet"),
//!     Err(e) => return Err(e.into()),
//! }
//! let random = client.raw_call("GenerateRandom", &serde_json::json!({"NumberOfBytes": 32}))?;
//! assert_eq!(random.secret("Plaintext").map(|p| p.len()), Some(32));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # TLS
//!
//! Certificates are always verified; there is no option to turn that off. Cargo features choose
//! the backend:
//!
//! | feature | TLS | trusts | builds with |
//! |---|---|---|---|
//! | `rustls` (default) | rustls with ring | the Mozilla roots compiled into the binary: the same on every machine | no C tools beyond ring's |
//! | `platform-verifier` | rustls with ring | the operating system's store (on Linux `SSL_CERT_FILE`, `SSL_CERT_DIR`, else the distribution's bundle; the keychain on macOS; the Windows store): corporate CAs installed on the machine | no C tools beyond ring's |
//! | `native-tls` | the system's TLS library (OpenSSL on Linux, FIPS-validated where the system's is) | OpenSSL's default store | OpenSSL's headers and `pkg-config` |
//!
//! ```toml
//! [dependencies]
//! kms-lite = { version = "0.1", default-features = false, features = ["native-tls"] }
//! ```
//!
//! With several enabled (Cargo adds features up across a dependency tree), `native-tls` wins,
//! then `platform-verifier`. A CA bundle ([`ClientBuilder::ca_bundle_pem`],
//! [`ca_bundle_file`](ClientBuilder::ca_bundle_file), `AWS_CA_BUNDLE`, the profile's
//! `ca_bundle`) replaces the default trust on every backend.
//!
//! # The command line
//!
//! The crate also builds `kms-lite`, a command-line tool that speaks the AWS CLI's conventions for
//! the same operations (`kms-lite re-encrypt --ciphertext-blob fileb://key.enc
//! --destination-key-id alias/archive --ciphertext-out key.enc`, with `--region`, `--profile`,
//! `--endpoint-url`, `--output`, `--query`, the AWS CLI's exit codes), plus `re-encrypt-batch`,
//! which re-wraps many ciphertexts in parallel, resumably, under the account's rate limit. It uses
//! only this crate's public API. `kms-lite help` describes every command.
//!
//! # Versioning
//!
//! kms-lite follows [semantic versioning](https://semver.org). Before 1.0, a release that breaks
//! the API increments the minor version (0.1 → 0.2) and every other release the patch version.
//! The promise covers every public item documented here: names, signatures, and the behaviour
//! described. It does not cover:
//!
//! - the `Debug` output of any type, and the text of error messages (match on variants, kinds and
//!   codes, not on text);
//! - items hidden from this documentation (`#[doc(hidden)]`, such as the `__private` module,
//!   which exists for kms-lite's own tests and benches and changes without notice);
//! - the exact delays of backoff, which follow the AWS SDKs as they evolve.
//!
//! Types marked `#[non_exhaustive]` (error enums and kinds, responses, requests, options) may gain
//! variants or fields in a minor release: match them with a `_` arm, build responses from their
//! `Default` (or the test double) and requests with `new` and the setters.
//!
//! The minimum supported Rust version (MSRV) is **1.85** (`rust-version` in Cargo.toml), tested in
//! CI; raising it is done in a minor release and said in the release notes, never in a patch.
//!
//! Cargo features: `rustls` (the default), `platform-verifier` and `native-tls` choose the TLS
//! backend ([TLS](#tls)); `testing` (off by default) adds the [`testing`](testing/index.html)
//! module. Adding a backend or changing what the default one trusts is a minor release.
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
mod tls;
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
