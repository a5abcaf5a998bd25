//! Errors that chain and classify (issue 10 item 4): every error type answers the one trait
//! (`code`, `message`, `request_id`, `http_status`, `is_retryable`, `is_throttling`), its
//! retry answers agree with what the client actually retries, and `source()` returns the
//! underlying error (I/O, JSON, transport behind credentials) without any secret in its text.

use std::error::Error as _;
use std::time::{Duration, UNIX_EPOCH};

use kms_lite::clock::ManualClock;
use kms_lite::config::Env;
use kms_lite::credentials::{Credentials, ProcessProvider, ProvideCredentials};
use kms_lite::error::{ConfigErrorKind, OperationError, TransportError, TransportErrorKind};
use kms_lite::testing::{MockKms, Reply};
use kms_lite::{Client, DecryptError, DecryptRequest, ReEncryptError, ReEncryptRequest};

/// A client over the test double answering every request with `reply`, making at most two
/// attempts (no real sleep); and the double, which records the requests.
fn client(reply: Reply) -> (Client, MockKms) {
    let kms = MockKms::new().with_handler(move |_| reply.clone());
    let client = kms.builder().max_attempts(2).build().unwrap();
    (client, kms)
}

/// A service error answer with this status and code, its message and request id.
fn status(status: u16, code: &str) -> Reply {
    let body = format!(r#"{{"__type":"{code}","message":"the {code} message"}}"#);
    Reply::http(status, body).with_header("x-amzn-RequestId", "req-42")
}

fn re_encrypt(client: &Client) -> ReEncryptError {
    client
        .re_encrypt(&ReEncryptRequest::new("alias/new").ciphertext_blob(vec![1, 2, 3]))
        .unwrap_err()
}

#[test]
fn service_errors_answer_the_trait_and_retry_as_it_says() {
    // (status, code, retryable, throttling, variant)
    let cases = [
        (400, "ThrottlingException", true, true, "Throttling"),
        (400, "TooManyRequestsException", true, true, "Throttling"),
        (429, "SomethingElse", true, true, "Unhandled"),
        (400, "RequestTimeoutException", true, false, "Unhandled"),
        (500, "KMSInternalException", true, false, "KmsInternal"),
        (
            400,
            "KeyUnavailableException",
            true,
            false,
            "KeyUnavailable",
        ),
        (503, "ServiceUnavailable", true, false, "ServiceUnavailable"),
        (502, "Whatever", true, false, "Unhandled"),
        (400, "NotFoundException", false, false, "NotFound"),
        (400, "AccessDeniedException", false, false, "AccessDenied"),
        (400, "ValidationException", false, false, "Validation"),
        (501, "NotImplemented", false, false, "Unhandled"),
    ];
    for (status, code, retryable, throttling, variant) in cases {
        let (client, kms) = client(self::status(status, code));
        let e = re_encrypt(&client);
        let what = format!("{status} {code}: {e:?}");
        assert_eq!(e.variant_name(), variant, "{what}");
        assert_eq!(e.code(), Some(code), "{what}");
        assert_eq!(e.message(), Some(format!("the {code} message").as_str()));
        assert_eq!(e.request_id(), Some("req-42"), "{what}");
        assert_eq!(e.http_status(), Some(status), "{what}");
        assert_eq!(e.is_retryable(), retryable, "{what}");
        assert_eq!(e.is_throttling(), throttling, "{what}");
        // The client retried exactly what the trait calls retryable.
        let attempts = if retryable { 2 } else { 1 };
        assert_eq!(kms.requests().len(), attempts as usize, "{what}");
        assert_eq!(e.attempts(), attempts, "{what}");
        assert!(e.source().is_none(), "{what}");
        assert!(e.transport_error().is_none() && e.credentials_error().is_none());
    }
}

#[test]
fn transport_errors_answer_the_trait_and_retry_as_it_says() {
    use TransportErrorKind as K;
    for (kind, retryable) in [
        (K::Connect, true),
        (K::Timeout, true),
        (K::Io, true),
        (K::Truncated, true),
        (K::BodyTooLarge, false),
        (K::Tls, false),
        (K::InvalidResponse, false),
        (K::InvalidRequest, false),
    ] {
        let (client, kms) = client(Reply::failure(TransportError::new(kind, "canned failure")));
        let e = re_encrypt(&client);
        assert_eq!(e.variant_name(), "Transport");
        assert_eq!(e.is_retryable(), retryable, "{kind:?}");
        assert!(!e.is_throttling(), "{kind:?}");
        assert_eq!(kms.requests().len(), if retryable { 2 } else { 1 });
        assert_eq!(
            (e.code(), e.http_status(), e.request_id()),
            (None, None, None)
        );
        assert_eq!(e.message(), Some("canned failure"));
        assert_eq!(e.transport_error().unwrap().kind(), kind);
    }
}

#[test]
fn parameter_credentials_and_config_errors_are_not_retryable() {
    let (client, kms) = client(Reply::json(serde_json::json!({})));
    let e = client
        .re_encrypt(&ReEncryptRequest::new("alias/new"))
        .unwrap_err();
    assert_eq!(e.variant_name(), "InvalidParameter");
    assert!(!e.is_retryable() && !e.is_throttling());
    assert_eq!(e.attempts(), 0);
    assert!(kms.requests().is_empty());
    assert!(e.message().unwrap().contains("is required"), "{e}");

    let e = Client::builder()
        .env(Env::from_pairs([("AWS_EC2_METADATA_DISABLED", "true")]))
        .build()
        .unwrap_err();
    assert_eq!(e.kind(), ConfigErrorKind::Region);
    assert!(e.message().starts_with("no region: "), "{e}");
    assert_eq!(
        (e.variant_name(), e.code(), e.is_retryable(), e.attempts()),
        ("Config", None, false, 0)
    );
    assert_eq!(OperationError::message(&e), Some(e.message()));

    let e = kms_lite::credentials::CredentialsError::new("the vault is sealed");
    assert_eq!(e.variant_name(), "Credentials");
    assert_eq!(OperationError::message(&e), Some("the vault is sealed"));
    assert!(!e.is_retryable() && e.credentials_error().is_some());
}

/// Code written once for every error of the crate, boxed or generic.
#[test]
fn the_trait_is_usable_as_a_trait_object() {
    let (client, _) = client(Reply::throttling());
    let errors: Vec<Box<dyn OperationError>> = vec![
        Box::new(re_encrypt(&client)),
        Box::new(
            client
                .decrypt(&DecryptRequest::new(vec![1, 2, 3]))
                .unwrap_err(),
        ),
        Box::new(Client::builder().region("bad region").build().unwrap_err()),
    ];
    let throttled: Vec<bool> = errors.iter().map(|e| e.is_throttling()).collect();
    assert_eq!(throttled, [true, true, false]);
}

#[test]
fn a_refused_connection_keeps_its_io_error_as_the_source() {
    let (listener, addr) = bind();
    drop(listener);
    let client = Client::builder()
        .env(Env::from_pairs::<&str, &str>([]))
        .region("us-east-1")
        .endpoint_url(format!("http://{addr}"))
        .credentials(Credentials::new("AKIDEXAMPLE", "SECRETKEY", None))
        .clock(ManualClock::new(UNIX_EPOCH))
        .max_attempts(1)
        .build()
        .unwrap();
    let e = re_encrypt(&client);
    let t = e.transport_error().expect("a transport error");
    assert_eq!(t.kind(), TransportErrorKind::Connect);
    // The operation error is transparent: its source is the transport error's.
    let io = e
        .source()
        .and_then(|s| s.downcast_ref::<std::io::Error>())
        .expect("an io::Error source");
    assert_eq!(io.kind(), std::io::ErrorKind::ConnectionRefused);
    assert!(t.source().unwrap().is::<std::io::Error>());
    // Errors stay Clone and comparable with their source.
    assert_eq!(e.clone(), e);
    assert!(e.clone().source().is_some());
}

#[test]
fn a_body_that_is_not_json_is_described_without_its_text() {
    let body: &[u8] = br#"{"Plaintext":"U0VDUkVU","KeyId":SECRETVALUE}"#;
    let (client, _) = client(Reply::http(200, body));
    let e: DecryptError = client
        .decrypt(&DecryptRequest::new(vec![1, 2, 3]))
        .unwrap_err();
    assert_eq!(
        e.transport_error().unwrap().kind(),
        TransportErrorKind::InvalidResponse
    );
    let source = e.source().expect("the JSON problem");
    assert_eq!(source.to_string(), "malformed JSON at line 1 column 33");
    let all = format!("{e} {e:?} {source} {source:?}");
    assert!(
        !all.contains("SECRET") && !all.contains("U0VDUkVU"),
        "{all}"
    );
}

#[test]
fn a_credential_process_answer_that_is_not_json_is_described_without_its_text() {
    let provider = ProcessProvider::new(
        r#"printf '{"Version":1,"AccessKeyId":"AKID","SecretAccessKey":"PROCSECRET",'"#,
        Duration::from_secs(30),
    );
    let e = provider.provide_credentials().unwrap_err();
    let source = e.source().expect("the JSON problem");
    assert_eq!(source.to_string(), "JSON ends early at line 1 column 65");
    let all = format!("{e} {e:?} {source} {source:?}");
    assert!(!all.contains("PROCSECRET"), "{all}");
}

#[test]
fn an_unreadable_ca_bundle_keeps_its_io_error_as_the_source() {
    let e = Client::builder()
        .env(Env::from_pairs::<&str, &str>([]))
        .region("us-east-1")
        .credentials(Credentials::new("AKIDEXAMPLE", "SECRETKEY", None))
        .ca_bundle_file("/nonexistent/kms-lite-errors-test.pem")
        .build()
        .unwrap_err();
    let io = e
        .source()
        .and_then(|s| s.downcast_ref::<std::io::Error>())
        .expect("an io::Error source");
    assert_eq!(io.kind(), std::io::ErrorKind::NotFound);
    assert_eq!(e.kind(), ConfigErrorKind::CaBundle);
    assert!(
        e.to_string()
            .contains("/nonexistent/kms-lite-errors-test.pem"),
        "{e}"
    );
}

/// A role assumed through STS that cannot be reached: the credentials error's source is the
/// STS call's transport error, whose source is the I/O error.
#[test]
fn a_failed_sts_call_chains_credentials_transport_and_io_errors() {
    let (listener, addr) = bind();
    drop(listener);
    let dir = std::env::temp_dir().join(format!("kms-lite-errors-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("config");
    std::fs::write(
        &config,
        "[default]\nrole_arn = arn:aws:iam::111122223333:role/r\nsource_profile = base\n\
         [profile base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = BASESECRET\n",
    )
    .unwrap();
    let sts = format!("http://{addr}");
    let env = Env::from_pairs([
        ("AWS_CONFIG_FILE", config.to_str().unwrap()),
        (
            "AWS_SHARED_CREDENTIALS_FILE",
            "/nonexistent/kms-lite-credentials",
        ),
        ("AWS_ENDPOINT_URL_STS", sts.as_str()),
        ("AWS_EC2_METADATA_DISABLED", "true"),
    ]);
    // The double answers KMS; the default chain's STS call goes to the closed port.
    let kms = MockKms::new().with_handler(|_| Reply::json(serde_json::json!({})));
    let client = Client::builder()
        .env(env)
        .region("us-east-1")
        .http_client(kms.clone())
        .clock(ManualClock::new(
            UNIX_EPOCH + Duration::from_secs(1_795_915_460),
        ))
        .max_attempts(1)
        .build()
        .unwrap();
    let e = re_encrypt(&client);
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(
        kms.requests().is_empty(),
        "nothing reaches KMS without credentials"
    );
    let c = e.credentials_error().expect("a credentials error");
    assert!(!e.is_retryable());
    let transport = c
        .source()
        .and_then(|s| s.downcast_ref::<TransportError>())
        .expect("the STS call's transport error");
    assert_eq!(transport.kind(), TransportErrorKind::Connect);
    let io = transport
        .source()
        .and_then(|s| s.downcast_ref::<std::io::Error>())
        .expect("its io::Error");
    assert_eq!(io.kind(), std::io::ErrorKind::ConnectionRefused);
    // The operation error forwards the credentials error's source.
    assert!(e.source().unwrap().is::<TransportError>());
    let mut chain = String::new();
    let mut next: Option<&dyn std::error::Error> = Some(&e);
    while let Some(err) = next {
        chain.push_str(&format!("{err} | {err:?} | "));
        next = err.source();
    }
    assert!(!chain.contains("BASESECRET"), "{chain}");
}

fn bind() -> (std::net::TcpListener, std::net::SocketAddr) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    (listener, addr)
}

/// `retry::backoff_for` backs off as the client does: the throttling base (1 s) after
/// throttling, the transient one (50 ms) otherwise, doubling, at most 20 s, randomly below the
/// ceiling; nothing for an error that is not retried.
#[test]
fn backoff_for_follows_the_clients_retry_rules() {
    use kms_lite::retry::backoff_for;
    let error_of = |reply: Reply| re_encrypt(&client(reply).0);
    let throttled = error_of(Reply::throttling());
    let transient = error_of(Reply::error("KMSInternalException"));
    let denied = error_of(Reply::error("AccessDeniedException"));
    assert_eq!(backoff_for(&denied, 1), None);
    for (e, base) in [
        (&throttled, Duration::from_secs(1)),
        (&transient, Duration::from_millis(50)),
    ] {
        for retry in 1..=8u32 {
            let ceiling = (base * 2u32.pow(retry - 1)).min(Duration::from_secs(20));
            let delays: Vec<Duration> = (0..50).map(|_| backoff_for(e, retry).unwrap()).collect();
            assert!(delays.iter().all(|d| *d <= ceiling), "{retry}: {delays:?}");
            assert!(
                delays.iter().any(|d| *d != delays[0]),
                "not random: {delays:?}"
            );
        }
    }
    // Through a trait object too.
    let boxed: Box<dyn OperationError> = Box::new(throttled);
    assert!(backoff_for(boxed.as_ref(), 1).unwrap() <= Duration::from_secs(1));
}

/// Each kind of configuration error, as a program would tell its user which option to fix.
#[test]
fn configuration_errors_say_which_setting_is_at_fault() {
    let build = |pairs: &[(&str, &str)], profile: Option<&str>| {
        let mut b = Client::builder()
            .env(Env::from_pairs(pairs.iter().copied()))
            .credentials(Credentials::new("AKIDEXAMPLE", "SECRETKEY", None));
        if let Some(p) = profile {
            b = b.profile(p);
        }
        b.build().unwrap_err()
    };
    let region = [("AWS_REGION", "us-east-1")];
    for (pairs, profile, kind) in [
        (
            &[("AWS_EC2_METADATA_DISABLED", "true")][..],
            None,
            ConfigErrorKind::Region,
        ),
        (
            &[("AWS_REGION", "not a region")],
            None,
            ConfigErrorKind::Region,
        ),
        (
            &[("AWS_REGION", "us-east-1"), ("AWS_ENDPOINT_URL", "ftp://x")],
            None,
            ConfigErrorKind::Endpoint,
        ),
        (
            &[
                ("AWS_REGION", "us-east-1"),
                ("AWS_CA_BUNDLE", "/nonexistent/ca.pem"),
            ],
            None,
            ConfigErrorKind::CaBundle,
        ),
        (&region, Some("missing-profile"), ConfigErrorKind::Profile),
        (
            &[("AWS_REGION", "us-east-1"), ("AWS_MAX_ATTEMPTS", "many")],
            None,
            ConfigErrorKind::Setting,
        ),
        (
            &[("AWS_REGION", "us-east-1"), ("AWS_RETRY_MODE", "eager")],
            None,
            ConfigErrorKind::Setting,
        ),
        (
            &[
                ("AWS_REGION", "us-east-1"),
                ("HTTPS_PROXY", "socks5://p:1080"),
            ],
            None,
            ConfigErrorKind::Setting,
        ),
    ] {
        let e = build(pairs, profile);
        assert_eq!(e.kind(), kind, "{pairs:?}: {e}");
        assert!(!e.is_retryable());
    }
}
