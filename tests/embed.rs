//! A scratch application embedding kms-lite, written as a user would write it: only the public
//! surface (nothing hidden from the documentation; checked at the end), one client shared by
//! threads, errors matched by variant and asked through the trait, its own code tested with the
//! test double, a raw call for an operation the crate has no types for, and an application id.

/// The application: re-wraps stored data keys under a new key, reporting per item.
mod app {
    use kms_lite::error::OperationError;
    use kms_lite::{Client, ReEncryptError, ReEncryptRequest};

    /// What happened to one stored key.
    #[derive(Debug, PartialEq, Eq)]
    pub enum Outcome {
        /// Re-wrapped: the new ciphertext.
        Rewrapped(Vec<u8>),
        /// The old key is gone or disabled: needs a human.
        Orphaned(String),
        /// KMS said no for now (throttled, unavailable): try again later.
        Later { code: Option<String>, attempts: u32 },
        /// Anything else, with the request id to give AWS support.
        Failed {
            message: String,
            request_id: Option<String>,
        },
    }

    pub struct Rewrapper {
        client: Client,
        destination: String,
    }

    impl Rewrapper {
        /// The client is built once; the configuration comes from the environment and the
        /// shared files, as for the AWS CLI, plus the application's id for CloudTrail.
        pub fn from_environment(destination: &str) -> Result<Self, kms_lite::error::ConfigError> {
            let client = Client::builder().app_id("key-rewrapper").build()?;
            Ok(Self::with_client(client, destination))
        }

        pub fn with_client(client: Client, destination: &str) -> Self {
            Rewrapper {
                client,
                destination: destination.to_owned(),
            }
        }

        /// Re-wraps one key.
        pub fn rewrap(&self, tenant: &str, blob: Vec<u8>) -> Outcome {
            let request = ReEncryptRequest::new(self.destination.clone())
                .ciphertext_blob(blob)
                .source_encryption_context([("tenant", tenant)])
                .destination_encryption_context([("tenant", tenant)]);
            match self.client.re_encrypt(&request) {
                Ok(out) => Outcome::Rewrapped(out.ciphertext_blob.unwrap_or_default()),
                Err(ReEncryptError::NotFound(e) | ReEncryptError::Disabled(e)) => {
                    Outcome::Orphaned(e.to_string())
                }
                Err(e) if e.is_retryable() => Outcome::Later {
                    code: e.code().map(str::to_owned),
                    attempts: e.attempts(),
                },
                Err(e) => Outcome::Failed {
                    message: e.to_string(),
                    request_id: e.request_id().map(str::to_owned),
                },
            }
        }

        /// Re-wraps many keys on `threads` threads sharing the one client.
        pub fn rewrap_all(&self, items: Vec<(String, Vec<u8>)>, threads: usize) -> Vec<Outcome> {
            let chunk = items.len().div_ceil(threads.max(1)).max(1);
            let chunks: Vec<Vec<(String, Vec<u8>)>> =
                items.chunks(chunk).map(|c| c.to_vec()).collect();
            std::thread::scope(|s| {
                let handles: Vec<_> = chunks
                    .into_iter()
                    .map(|chunk| {
                        s.spawn(move || {
                            chunk
                                .into_iter()
                                .map(|(tenant, blob)| self.rewrap(&tenant, blob))
                                .collect::<Vec<_>>()
                        })
                    })
                    .collect();
                handles
                    .into_iter()
                    .flat_map(|h| h.join().expect("no thread panics"))
                    .collect()
            })
        }

        /// The state of a key, through the raw call (kms-lite has no DescribeKey types).
        pub fn key_state(&self, key: &str) -> Result<String, kms_lite::RawCallError> {
            let out = self
                .client
                .raw_call("DescribeKey", &serde_json::json!({ "KeyId": key }))?;
            Ok(out.json()["KeyMetadata"]["KeyState"]
                .as_str()
                .unwrap_or("unknown")
                .to_owned())
        }
    }
}

use app::{Outcome, Rewrapper};
use kms_lite::config::Env;
use kms_lite::testing::{MockKms, Reply};

#[test]
fn a_success_and_each_kind_of_failure_in_ten_lines_each() {
    let kms = MockKms::new()
        .then(Reply::json(serde_json::json!({"CiphertextBlob": "bmV3"})))
        .then(Reply::error("NotFoundException"))
        .with_handler(|_| Reply::throttling());
    let app = Rewrapper::with_client(kms.client(), "alias/new");
    assert_eq!(
        app.rewrap("42", b"old".to_vec()),
        Outcome::Rewrapped(b"new".to_vec())
    );
    assert!(
        matches!(app.rewrap("42", b"old".to_vec()), Outcome::Orphaned(m) if m.contains("NotFoundException"))
    );
    assert_eq!(
        app.rewrap("42", b"old".to_vec()),
        Outcome::Later {
            code: Some("ThrottlingException".into()),
            attempts: 3
        }
    );
    // What the application sent, and that the retries did not really sleep.
    let first = &kms.requests()[0];
    assert_eq!(first.operation(), "ReEncrypt");
    assert_eq!(first.input()["DestinationKeyId"], "alias/new");
    assert_eq!(first.input()["SourceEncryptionContext"]["tenant"], "42");
    assert_eq!(kms.requests().len(), 1 + 1 + 3);
    assert_eq!(kms.sleeps().len(), 2);
}

#[test]
fn other_failures_keep_the_request_id() {
    let kms = MockKms::new().then(Reply::error_message(
        "AccessDeniedException",
        "no ReEncrypt",
    ));
    let app = Rewrapper::with_client(kms.client(), "alias/new");
    let Outcome::Failed {
        message,
        request_id,
    } = app.rewrap("7", b"old".to_vec())
    else {
        panic!("not a failure");
    };
    assert!(message.contains("AccessDeniedException") && message.contains("no ReEncrypt"));
    assert_eq!(request_id.as_deref(), Some(kms_lite::testing::REQUEST_ID));
}

#[test]
fn one_client_shared_by_threads() {
    let kms = MockKms::new().with_handler(|request| {
        // Echo the tenant back as the new ciphertext.
        let tenant = request.input()["SourceEncryptionContext"]["tenant"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        Reply::json(serde_json::json!({
            "CiphertextBlob": kms_lite::base64::encode(tenant.as_bytes())
        }))
    });
    let app = Rewrapper::with_client(kms.client(), "alias/new");
    let items: Vec<(String, Vec<u8>)> = (0..40).map(|i| (i.to_string(), vec![1, 2, 3])).collect();
    let outcomes = app.rewrap_all(items, 4);
    let want: Vec<Outcome> = (0..40)
        .map(|i: i32| Outcome::Rewrapped(i.to_string().into_bytes()))
        .collect();
    assert_eq!(outcomes, want);
    assert_eq!(kms.requests().len(), 40);
}

#[test]
fn a_raw_call_for_an_operation_without_types() {
    let kms = MockKms::new()
        .on(
            "DescribeKey",
            Reply::json(
                serde_json::json!({"KeyMetadata": {"KeyId": "k", "KeyState": "PendingDeletion"}}),
            ),
        )
        .on("DescribeKey", Reply::error("NotFoundException"));
    let app = Rewrapper::with_client(kms.client(), "alias/new");
    assert_eq!(app.key_state("alias/old").unwrap(), "PendingDeletion");
    let e = app.key_state("alias/gone").unwrap_err();
    use kms_lite::error::OperationError;
    assert_eq!(e.code(), Some("NotFoundException"));
    assert_eq!(kms.requests()[1].input()["KeyId"], "alias/gone");
}

#[test]
fn the_application_id_is_in_the_user_agent() {
    let kms = MockKms::new();
    let client = kms
        .builder()
        .app_id("key-rewrapper")
        .build()
        .expect("a valid id");
    assert!(
        client.user_agent().ends_with(" app/key-rewrapper"),
        "{}",
        client.user_agent()
    );
    // An id HTTP or CloudTrail could not carry is refused when the client is built.
    let e = kms.builder().app_id("key rewrapper").build().unwrap_err();
    assert_eq!(e.kind(), kms_lite::error::ConfigErrorKind::Setting);
    // From the environment, as the SDKs read it, when the code sets none.
    let e = kms_lite::Client::builder()
        .env(Env::from_pairs([
            ("AWS_SDK_UA_APP_ID", "x y"),
            ("AWS_REGION", "eu-west-1"),
        ]))
        .build()
        .unwrap_err();
    assert!(e.to_string().contains("AWS_SDK_UA_APP_ID"), "{e}");
    let _ = Rewrapper::from_environment;
}

/// This file stands for an application outside the crate: it must not reach the unstable path.
#[test]
fn the_application_uses_only_the_public_surface() {
    let source = include_str!("embed.rs");
    let unstable = concat!("__", "private");
    assert!(
        !source.contains(unstable),
        "tests/embed.rs reaches kms_lite::{unstable}"
    );
}
