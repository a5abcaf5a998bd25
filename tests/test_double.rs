//! `kms_lite::testing`: the test double users build their own tests on. Each reply helper
//! gives the exact response KMS would (status, body, headers), the client reads it as it
//! would KMS's, the queues are used in their documented order, and every request is recorded
//! with its operation, input and headers, secrets redacted from `Debug`.

use std::time::Duration;

use kms_lite::error::{OperationError, RetryStop, TransportErrorKind};
use kms_lite::http::HttpClient;
use kms_lite::http::{HttpRequest, HttpResponse};
use kms_lite::testing::{ACCESS_KEY_ID, FROZEN_TIME_SECS, MockKms, REQUEST_ID, Reply};
use kms_lite::{
    DecryptError, DecryptRequest, DecryptResponse, EncryptRequest, EncryptResponse,
    GenerateDataKeyRequest, GenerateDataKeyResponse, GenerateDataKeyWithoutPlaintextRequest,
    GenerateDataKeyWithoutPlaintextResponse, ReEncryptError, ReEncryptRequest, ReEncryptResponse,
};
use serde_json::json;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn re_encrypt() -> ReEncryptRequest {
    ReEncryptRequest::new("alias/new").ciphertext_blob(b"old".to_vec())
}

/// What `reply` looks like on the wire, as a transport hands it to the client.
fn wire(reply: Reply, operation: &str) -> Result<HttpResponse, kms_lite::error::TransportError> {
    let request = HttpRequest::new("POST", "https://kms.us-east-1.amazonaws.com/")
        .with_header("x-amz-target", format!("TrentService.{operation}"))
        .with_body(b"{}".to_vec());
    MockKms::new().then(reply).send(&request, None)
}

#[test]
fn replies_are_the_responses_kms_sends() {
    let json_headers = || {
        vec![
            ("x-amzn-RequestId".to_owned(), REQUEST_ID.to_owned()),
            (
                "Content-Type".to_owned(),
                "application/x-amz-json-1.1".to_owned(),
            ),
        ]
    };
    let cases = [
        (Reply::json(json!({"KeyId": "k"})), 200, r#"{"KeyId":"k"}"#),
        (
            Reply::error("NotFoundException"),
            400,
            r#"{"__type":"NotFoundException"}"#,
        ),
        (
            Reply::error_message("InvalidCiphertextException", "bad \"blob\""),
            400,
            r#"{"__type":"InvalidCiphertextException","message":"bad \"blob\""}"#,
        ),
        (
            Reply::error("KMSInternalException"),
            500,
            r#"{"__type":"KMSInternalException"}"#,
        ),
        (
            Reply::error("KeyUnavailableException"),
            500,
            r#"{"__type":"KeyUnavailableException"}"#,
        ),
        (
            Reply::error("DependencyTimeoutException"),
            503,
            r#"{"__type":"DependencyTimeoutException"}"#,
        ),
        (
            Reply::error("DryRunOperationException"),
            412,
            r#"{"__type":"DryRunOperationException"}"#,
        ),
        (
            Reply::throttling(),
            400,
            r#"{"__type":"ThrottlingException","message":"Rate exceeded"}"#,
        ),
    ];
    for (reply, status, body) in cases {
        let resp = wire(reply, "Decrypt").unwrap();
        assert_eq!(
            (
                resp.status,
                resp.headers,
                String::from_utf8(resp.body).unwrap()
            ),
            (status, json_headers(), body.to_owned())
        );
    }
    let resp = wire(Reply::status(503), "Decrypt").unwrap();
    assert_eq!(
        (resp.status, resp.headers.len(), resp.body.len()),
        (503, 1, 0)
    );
    let resp = wire(Reply::http(502, "<html>bad gateway</html>"), "Decrypt").unwrap();
    assert_eq!(
        (resp.status, resp.headers.len(), resp.body),
        (502, 0, b"<html>bad gateway</html>".to_vec())
    );
    let resp = wire(
        Reply::json(json!({}))
            .with_header("x-amzn-requestid", "req-2")
            .with_header("Date", "Sun, 29 Nov 2026 01:54:20 GMT"),
        "Decrypt",
    )
    .unwrap();
    let header = |n: &str, v: &str| (n.to_owned(), v.to_owned());
    assert_eq!(
        resp.headers,
        [
            header("Content-Type", "application/x-amz-json-1.1"),
            header("x-amzn-requestid", "req-2"),
            header("Date", "Sun, 29 Nov 2026 01:54:20 GMT"),
        ]
    );
    let reset = wire(Reply::connection_reset(), "Decrypt").unwrap_err();
    assert_eq!(reset.kind(), TransportErrorKind::Io);
    let timeout = wire(Reply::timeout(), "Decrypt").unwrap_err();
    assert_eq!(timeout.kind(), TransportErrorKind::Timeout);
}

#[test]
fn typed_outputs_round_trip_through_the_client() {
    let mut re = ReEncryptResponse::default();
    re.ciphertext_blob = Some(vec![0, 1, 254, 255]);
    re.key_id = Some("arn:aws:kms:us-east-1:111122223333:key/new".into());
    re.source_encryption_algorithm = Some("SYMMETRIC_DEFAULT".into());
    let mut enc = EncryptResponse::default();
    enc.ciphertext_blob = Some(b"sealed".to_vec());
    let mut dec = DecryptResponse::default();
    dec.plaintext = Some(b"secret".into());
    dec.key_id = Some("k".into());
    let mut gdk = GenerateDataKeyResponse::default();
    gdk.plaintext = Some(vec![7; 32].into());
    gdk.ciphertext_blob = Some(vec![8; 40]);
    let mut wp = GenerateDataKeyWithoutPlaintextResponse::default();
    wp.ciphertext_blob = Some(vec![9; 40]);
    let kms = MockKms::new()
        .then(Reply::output(&re))
        .then(Reply::output(&enc))
        .then(Reply::output(&dec))
        .then(Reply::output(&gdk))
        .then(Reply::output(&wp));
    let client = kms.client();
    assert_eq!(client.re_encrypt(&re_encrypt()).unwrap(), re);
    assert_eq!(
        client
            .encrypt(&EncryptRequest::new("k", b"x".to_vec()))
            .unwrap(),
        enc
    );
    assert_eq!(client.decrypt(&DecryptRequest::new(vec![1])).unwrap(), dec);
    assert_eq!(
        client
            .generate_data_key(&GenerateDataKeyRequest::new("k"))
            .unwrap(),
        gdk
    );
    assert_eq!(
        client
            .generate_data_key_without_plaintext(&GenerateDataKeyWithoutPlaintextRequest::new("k"))
            .unwrap(),
        wp
    );
    assert_eq!(kms.remaining(), 0);
    // The wire form is KMS's: AWS member names, base64 blobs, absent members left out.
    let resp = wire(Reply::output(&re), "ReEncrypt").unwrap();
    assert_eq!(
        String::from_utf8(resp.body).unwrap(),
        r#"{"CiphertextBlob":"AAH+/w==","KeyId":"arn:aws:kms:us-east-1:111122223333:key/new","SourceEncryptionAlgorithm":"SYMMETRIC_DEFAULT"}"#
    );
    // A raw output answers with its secrets in place.
    let raw = MockKms::new()
        .then(Reply::json(json!({"Plaintext": "AQID", "KeyId": "k"})))
        .client()
        .raw_call("Decrypt", &json!({"CiphertextBlob": "AQ=="}))
        .unwrap();
    let again = MockKms::new()
        .then(Reply::output(&raw))
        .client()
        .raw_call("Decrypt", &json!({"CiphertextBlob": "AQ=="}))
        .unwrap();
    assert_eq!(again, raw);
    assert_eq!(again.secret("Plaintext").unwrap().as_bytes(), [1, 2, 3]);
}

#[test]
fn a_typed_output_refuses_another_operation() {
    let kms = MockKms::new().then(Reply::output(&EncryptResponse::default()));
    let e = kms
        .client()
        .decrypt(&DecryptRequest::new(vec![1]))
        .unwrap_err();
    let DecryptError::Transport(t) = &e else {
        panic!("{e:?}")
    };
    assert_eq!(t.kind(), TransportErrorKind::InvalidResponse);
    assert_eq!(
        e.to_string(),
        "kms_lite::testing::MockKms: the next reply is an output of Encrypt, but the request is Decrypt"
    );
    assert_eq!(kms.requests().len(), 1, "not retried");
}

#[test]
fn modelled_errors_reach_their_variants_with_status_and_request_id() {
    let cases = [
        ("NotFoundException", "NotFound"),
        ("InvalidCiphertextException", "InvalidCiphertext"),
        ("DisabledException", "Disabled"),
        ("IncorrectKeyException", "IncorrectKey"),
        ("AccessDeniedException", "AccessDenied"),
        ("DryRunOperationException", "DryRunOperation"),
    ];
    for (code, variant) in cases {
        let kms = MockKms::new().on("ReEncrypt", Reply::error_message(code, "why"));
        let e = kms.client().re_encrypt(&re_encrypt()).unwrap_err();
        assert_eq!(e.variant_name(), variant, "{code}: {e:?}");
        let s = e.service_error().unwrap();
        assert_eq!(
            (s.code(), s.message(), s.request_id(), s.attempts()),
            (code, Some("why"), Some(REQUEST_ID), 1)
        );
        assert_eq!(
            e.to_string(),
            format!("An error occurred ({code}) when calling the ReEncrypt operation: why")
        );
    }
}

#[test]
fn retried_failures_follow_the_standard_mode_without_sleeping() {
    let request = re_encrypt();
    // Throttled on every attempt: 3 attempts, backoff 1 s and 2 s ceilings at jitter 0.5.
    let kms = MockKms::new().with_handler(|_| Reply::throttling());
    let e = kms.client().re_encrypt(&request).unwrap_err();
    assert!(matches!(e, ReEncryptError::Throttling(_)), "{e:?}");
    assert_eq!(
        e.service_error().unwrap().retry_stop(),
        RetryStop::MaxAttempts
    );
    assert_eq!(kms.sleeps(), [ms(500), ms(1000)]);
    // Server faults, a 503 and network failures: the transient backoff (50 ms base).
    for reply in [
        Reply::error("KMSInternalException"),
        Reply::error("KeyUnavailableException"),
        Reply::error("DependencyTimeoutException"),
        Reply::status(503),
        Reply::connection_reset(),
        Reply::timeout(),
    ] {
        let kms = MockKms::new()
            .then(reply.clone())
            .then(reply)
            .then(Reply::json(json!({"CiphertextBlob": "bmV3"})));
        let out = kms.client().re_encrypt(&request).unwrap();
        assert_eq!(out.ciphertext_blob.as_deref(), Some(&b"new"[..]));
        assert_eq!(kms.sleeps(), [ms(25), ms(50)]);
        let attempts: Vec<_> = kms
            .requests()
            .iter()
            .map(|r| r.header("amz-sdk-request").unwrap().to_owned())
            .collect();
        assert_eq!(
            attempts,
            ["attempt=1; max=3", "attempt=2; max=3", "attempt=3; max=3"]
        );
    }
    // The builder changes what the test needs: one attempt, nothing retried.
    let kms = MockKms::new().then(Reply::throttling());
    let client = kms.builder().max_attempts(1).build().unwrap();
    assert_eq!(client.re_encrypt(&request).unwrap_err().attempts(), 1);
    assert!(kms.sleeps().is_empty());
}

#[test]
fn queues_are_used_by_operation_then_in_order_then_by_the_handler() {
    let kms = MockKms::new()
        .then(Reply::json(json!({"N": "then 1"})))
        .on("ListKeys", Reply::json(json!({"N": "on ListKeys 1"})))
        .then(Reply::json(json!({"N": "then 2"})))
        .on("ListKeys", Reply::json(json!({"N": "on ListKeys 2"})))
        .with_handler(|r| Reply::json(json!({"N": format!("handler {}", r.index())})));
    assert_eq!(kms.remaining(), 4);
    let client = kms.client();
    let n = |op: &str| {
        client.raw_call(op, &json!({})).unwrap().json()["N"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert_eq!(n("DescribeKey"), "then 1");
    assert_eq!(n("ListKeys"), "on ListKeys 1");
    assert_eq!(n("ListKeys"), "on ListKeys 2");
    assert_eq!(n("ListKeys"), "then 2");
    assert_eq!(n("ListKeys"), "handler 4");
    assert_eq!(n("DescribeKey"), "handler 5");
    assert_eq!(kms.remaining(), 0);
    let ops: Vec<_> = kms
        .requests()
        .iter()
        .map(|r| (r.index(), r.operation().to_owned()))
        .collect();
    assert_eq!(
        ops,
        [
            (0, "DescribeKey".to_owned()),
            (1, "ListKeys".to_owned()),
            (2, "ListKeys".to_owned()),
            (3, "ListKeys".to_owned()),
            (4, "ListKeys".to_owned()),
            (5, "DescribeKey".to_owned()),
        ]
    );
}

#[test]
fn with_nothing_queued_the_call_fails_at_once_saying_why() {
    let kms = MockKms::new();
    let e = kms.client().re_encrypt(&re_encrypt()).unwrap_err();
    assert_eq!(
        e.to_string(),
        "kms_lite::testing::MockKms has no reply for request 1 (ReEncrypt): queue one with on(), \
         then() or with_handler()"
    );
    assert_eq!(e.attempts(), 1);
    assert_eq!(kms.requests().len(), 1);
    // Replies for another operation are kept for it.
    let kms = MockKms::new().on("Decrypt", Reply::json(json!({})));
    assert!(kms.client().re_encrypt(&re_encrypt()).is_err());
    assert_eq!(kms.remaining(), 1);
}

#[test]
fn requests_are_recorded_as_sent_and_debug_hides_secrets() {
    let kms = MockKms::new().with_handler(|_| Reply::json(json!({})));
    let client = kms.client();
    client
        .encrypt(
            &EncryptRequest::new("alias/app", b"correct horse".to_vec())
                .grant_tokens(["grant-secret"]),
        )
        .unwrap();
    let [request] = kms.requests().try_into().unwrap();
    assert_eq!(request.operation(), "Encrypt");
    assert_eq!(
        request.input(),
        &json!({"KeyId": "alias/app", "Plaintext": "Y29ycmVjdCBob3JzZQ==", "GrantTokens": ["grant-secret"]})
    );
    let names: Vec<_> = request.headers().iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "content-type",
            "x-amz-target",
            "x-amz-date",
            "authorization",
            "amz-sdk-invocation-id",
            "amz-sdk-request"
        ]
    );
    // The frozen clock signs at 2026-11-29T01:24:20Z with the fixed credentials.
    assert_eq!(FROZEN_TIME_SECS, 1_795_915_460);
    assert_eq!(request.header("X-Amz-Date"), Some("20261129T012420Z"));
    assert!(
        request
            .header("authorization")
            .unwrap()
            .starts_with(&format!(
                "AWS4-HMAC-SHA256 Credential={ACCESS_KEY_ID}/20261129/us-east-1/kms/aws4_request, \
                 SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature="
            ))
    );
    let debug = format!("{request:?} {request:#?} {kms:?}");
    for secret in [
        "Y29ycmVjdCBob3JzZQ==",
        "grant-secret",
        "Signature=",
        "correct horse",
    ] {
        assert!(!debug.contains(secret), "{secret} in {debug}");
    }
    assert!(debug.contains("alias/app"), "{debug}");
    // Reply's Debug shows no body either.
    let reply = Reply::json(json!({"Plaintext": "c2VjcmV0"}));
    assert!(!format!("{reply:?}").contains("c2VjcmV0"));
}

#[test]
fn clones_share_state_and_the_client_is_shared_across_threads() {
    let kms = MockKms::new().with_handler(|r| {
        Reply::json(json!({"CiphertextBlob": "bmV3", "KeyId": r.index().to_string()}))
    });
    let client = kms.clone().client();
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let client = client.clone();
            std::thread::spawn(move || {
                for _ in 0..25 {
                    client.re_encrypt(&re_encrypt()).unwrap();
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    let requests = kms.requests();
    assert_eq!(requests.len(), 100);
    assert!(requests.iter().enumerate().all(|(i, r)| r.index() == i));
    // A clone queues for the original's clients too.
    let _ = kms.clone().then(Reply::error("DisabledException"));
    assert!(matches!(
        client.re_encrypt(&re_encrypt()).unwrap_err(),
        ReEncryptError::Disabled(_)
    ));
}

#[test]
fn a_handler_may_look_at_the_double_it_serves() {
    let kms = MockKms::new();
    let seen = kms.clone();
    let kms = kms.with_handler(move |_| {
        // Reading the record from inside the handler must not deadlock.
        Reply::json(json!({"Seen": seen.requests().len()}))
    });
    let out = kms.client().raw_call("ListKeys", &json!({})).unwrap();
    assert_eq!(out.json()["Seen"], 1);
}

#[test]
fn the_environment_of_the_machine_is_not_read() {
    // Whatever AWS_* variables and files this machine has, the double's client ignores them.
    let client = MockKms::new().client();
    assert_eq!(client.region(), "us-east-1");
    assert_eq!(
        client.endpoint_url(),
        "https://kms.us-east-1.amazonaws.com/"
    );
    assert_eq!(
        client.user_agent(),
        concat!("kms-lite/", env!("CARGO_PKG_VERSION"))
    );
}
