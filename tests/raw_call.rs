//! `Client::raw_call`: any KMS operation by name, through the typed operations' path. The name
//! is checked before any I/O; the request is the one a typed call sends, byte for byte
//! (replayed against every recorded fixture whose body the raw input reproduces); errors decode
//! as the typed ones do; plaintext in the output is held apart and never reaches `Debug`,
//! `Display`, errors or the debug log.

mod harness;

use std::path::Path;
use std::sync::{Arc, Mutex};

use harness::{Fixture, Replay, assert_request, raw_response, render_expectations};
use kms_lite::OPERATIONS;
use kms_lite::error::{OperationError, RetryStop, TransportErrorKind};
use kms_lite::testing::{MockKms, Reply};
use kms_lite::{RawCallError, ReEncryptRequest};
use serde_json::{Value, json};

const SECRET_B64: &str = "Y29ycmVjdCBob3JzZSBiYXR0ZXJ5IHN0YXBsZQ==";

fn assert_no_secret(what: &str, text: &str) {
    assert!(
        !text.contains(SECRET_B64) && !text.contains("correct horse"),
        "{what} shows the plaintext: {text}"
    );
}

#[test]
fn a_raw_call_sends_the_operation_and_input_and_returns_the_output() {
    let kms = MockKms::new().on(
        "DescribeKey",
        Reply::json(json!({"KeyMetadata": {"KeyId": "1234", "KeyState": "Enabled"}})),
    );
    let out = kms
        .client()
        .raw_call(
            "DescribeKey",
            &json!({"KeyId": "alias/app", "GrantTokens": []}),
        )
        .unwrap();
    assert_eq!(out.operation(), "DescribeKey");
    assert_eq!(
        Value::Object(out.json().clone()),
        json!({"KeyMetadata": {"KeyId": "1234", "KeyState": "Enabled"}})
    );
    let [request] = kms.requests().try_into().unwrap();
    assert_eq!(
        request.header("x-amz-target"),
        Some("TrentService.DescribeKey")
    );
    assert_eq!(
        request.header("content-type"),
        Some("application/x-amz-json-1.1")
    );
    assert_eq!(
        request.input(),
        &json!({"KeyId": "alias/app", "GrantTokens": []})
    );
    // Operations without output members answer with an empty body.
    let kms = MockKms::new().then(Reply::http(200, ""));
    let out = kms
        .client()
        .raw_call("EnableKey", &json!({"KeyId": "k"}))
        .unwrap();
    assert!(out.json().is_empty());
}

#[test]
fn every_kms_operation_is_reachable() {
    let kms = MockKms::new().with_handler(|_| Reply::json(json!({})));
    let client = kms.client();
    for op in OPERATIONS {
        client.raw_call(op, &json!({})).unwrap();
    }
    let targets: Vec<String> = kms
        .requests()
        .iter()
        .map(|r| r.header("x-amz-target").unwrap().to_owned())
        .collect();
    let expected: Vec<String> = OPERATIONS
        .iter()
        .map(|op| format!("TrentService.{op}"))
        .collect();
    assert_eq!(targets, expected);
    for op in [
        "CreateKey",
        "DescribeKey",
        "ListKeys",
        "Sign",
        "Verify",
        "GenerateMac",
        "GenerateRandom",
        "CreateAlias",
        "ScheduleKeyDeletion",
    ] {
        assert!(OPERATIONS.contains(&op), "{op}");
    }
}

#[test]
fn bad_names_and_inputs_fail_before_any_io() {
    let kms = MockKms::new().with_handler(|_| Reply::json(json!({})));
    let client = kms.client();
    let cases = [
        (
            "Decript",
            json!({}),
            "Invalid value for parameter OperationName: \"Decript\" is not a KMS operation; did \
             you mean Decrypt?",
        ),
        (
            "describe-key",
            json!({}),
            "Invalid value for parameter OperationName: is not an operation name: KMS operation \
             names are ASCII letters and digits in PascalCase, such as DescribeKey",
        ),
        (
            "Decrypt\r\nX-Amz-Target: TrentService.ScheduleKeyDeletion",
            json!({}),
            "Invalid value for parameter OperationName: is not an operation name: KMS operation \
             names are ASCII letters and digits in PascalCase, such as DescribeKey",
        ),
        (
            "DescribeKey",
            json!(["KeyId"]),
            "Invalid value for parameter Input: must be a JSON object of the operation's \
             members, such as {\"KeyId\": \"alias/app\"}",
        ),
    ];
    for (name, input, display) in cases {
        let e = client.raw_call(name, &input).unwrap_err();
        assert!(matches!(e, RawCallError::InvalidParameter(_)), "{e:?}");
        assert_eq!(e.to_string(), display);
        assert_eq!((e.attempts(), e.variant_name()), (0, "InvalidParameter"));
    }
    // Deep enough to overflow the stack of any recursive walk (serialization, clone).
    let mut deep = json!("leaf");
    for _ in 0..100_000 {
        deep = Value::Array(vec![deep]);
    }
    let mut input = serde_json::Map::new();
    input.insert("KeyId".to_owned(), deep);
    let input = Value::Object(input);
    let e = client.raw_call("DescribeKey", &input).unwrap_err();
    assert!(
        e.to_string().ends_with("nests deeper than 32 levels"),
        "{e}"
    );
    // serde_json drops a value recursively: take this one apart iteratively.
    let Value::Object(mut input) = input else {
        unreachable!()
    };
    let mut v = input.remove("KeyId").unwrap();
    while let Value::Array(mut items) = v {
        v = items.pop().unwrap_or(Value::Null);
    }
    assert!(kms.requests().is_empty(), "nothing may be sent");
}

#[test]
fn service_errors_decode_like_the_typed_ones() {
    let kms = MockKms::new().on(
        "ScheduleKeyDeletion",
        Reply::error_message("KMSInvalidStateException", "Key is pending deletion")
            .with_header("x-amzn-RequestId", "req-9"),
    );
    let e = kms
        .client()
        .raw_call(
            "ScheduleKeyDeletion",
            &json!({"KeyId": "k", "PendingWindowInDays": 7}),
        )
        .unwrap_err();
    assert!(matches!(e, RawCallError::Unhandled(_)), "{e:?}");
    assert_eq!(e.code(), Some("KMSInvalidStateException"));
    let s = e.service_error().unwrap();
    assert_eq!(
        (
            s.operation(),
            s.status(),
            s.message(),
            s.request_id(),
            s.attempts()
        ),
        (
            "ScheduleKeyDeletion",
            400,
            Some("Key is pending deletion"),
            Some("req-9"),
            1
        )
    );
    assert_eq!(
        e.to_string(),
        "An error occurred (KMSInvalidStateException) when calling the ScheduleKeyDeletion \
         operation: Key is pending deletion"
    );
    // The common AWS errors have their variants; retries and their summary are the typed ones'.
    let kms = MockKms::new().with_handler(|_| Reply::throttling());
    let e = kms.client().raw_call("ListKeys", &json!({})).unwrap_err();
    assert!(matches!(e, RawCallError::Throttling(_)), "{e:?}");
    assert_eq!(e.attempts(), 3);
    assert_eq!(
        e.service_error().unwrap().retry_stop(),
        RetryStop::MaxAttempts
    );
    assert_eq!(
        e.to_string(),
        "An error occurred (ThrottlingException) when calling the ListKeys operation (reached \
         max retries: 2): Rate exceeded"
    );
    let kms = MockKms::new()
        .then(Reply::error("KMSInternalException"))
        .then(Reply::connection_reset())
        .then(Reply::json(json!({"KeyId": "k"})));
    kms.client()
        .raw_call("GetPublicKey", &json!({"KeyId": "k"}))
        .unwrap();
    assert_eq!(kms.requests().len(), 3);
    let kms = MockKms::new().then(Reply::http(200, "[1, 2]"));
    let e = kms.client().raw_call("ListKeys", &json!({})).unwrap_err();
    let RawCallError::Transport(t) = &e else {
        panic!("{e:?}")
    };
    assert_eq!(t.kind(), TransportErrorKind::InvalidResponse);
    assert_eq!(
        e.to_string(),
        "the ListKeys response body is not valid: it is not a JSON object"
    );
}

#[test]
fn plaintext_outputs_are_held_apart_and_never_shown() {
    let cases = [
        ("GenerateRandom", "Plaintext"),
        ("Decrypt", "Plaintext"),
        ("GenerateDataKey", "Plaintext"),
        ("GenerateDataKeyPair", "PrivateKeyPlaintext"),
        ("DeriveSharedSecret", "SharedSecret"),
        ("Decapsulate", "SharedSecret"),
    ];
    for (op, member) in cases {
        let lines = Arc::new(Mutex::new(Vec::<String>::new()));
        let sink = lines.clone();
        let kms = MockKms::new().then(Reply::json(
            json!({ member: SECRET_B64, "KeyId": "arn:k", "CiphertextBlob": "AQID" }),
        ));
        let client = kms
            .builder()
            .debug_log(move |l| sink.lock().unwrap().push(l.to_owned()))
            .build()
            .unwrap();
        let out = client.raw_call(op, &json!({"KeyId": "k"})).unwrap();
        assert_eq!(
            out.secret(member).unwrap().as_bytes(),
            b"correct horse battery staple"
        );
        assert!(out.json().get(member).is_none(), "{op}");
        assert_eq!(out.json()["CiphertextBlob"], "AQID");
        assert_no_secret(op, &format!("{out:?} {out:#?}"));
        assert_no_secret(op, &lines.lock().unwrap().join("\n"));
        // Written out only on purpose, in the AWS CLI's shape.
        assert_eq!(
            serde_json::to_value(out.with_plaintext()).unwrap(),
            json!({ member: SECRET_B64, "KeyId": "arn:k", "CiphertextBlob": "AQID" })
        );
    }
    // A blob that is not base64 is a response error that never echoes the body.
    let kms = MockKms::new().then(Reply::json(
        json!({"Plaintext": "correct horse battery staple!"}),
    ));
    let e = kms
        .client()
        .raw_call("GenerateRandom", &json!({"NumberOfBytes": 29}))
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "the GenerateRandom response body is not valid: Plaintext is not a base64 string"
    );
    assert_no_secret("error", &format!("{e} {e:?}"));
    // The model's other sensitive members, and grant tokens, stay in the JSON but not in Debug.
    let kms = MockKms::new().then(Reply::json(json!({
        "GrantToken": "grant-secret",
        "CustomKeyStores": [{"XksProxyConfiguration": {"AccessKeyId": "XKSACCESSKEY", "UriPath": "/kms/xks/v1"}}],
    })));
    let out = kms.client().raw_call("CreateGrant", &json!({})).unwrap();
    assert_eq!(out.json()["GrantToken"], "grant-secret");
    let debug = format!("{out:?}");
    assert!(
        !debug.contains("grant-secret") && !debug.contains("XKSACCESSKEY"),
        "{debug}"
    );
    assert!(debug.contains("/kms/xks/v1"), "{debug}");
    // And a raw input's secrets stay out of the recorded request's Debug.
    let kms = MockKms::new().then(Reply::json(json!({})));
    kms.client()
        .raw_call(
            "Sign",
            &json!({"KeyId": "k", "Message": SECRET_B64, "SigningAlgorithm": "ECDSA_SHA_256"}),
        )
        .unwrap();
    assert_no_secret("request", &format!("{:?}", kms.requests()));
}

/// A raw call and a typed call with the same input send the same request, signature included,
/// and answer the same way.
#[test]
fn a_raw_call_is_a_typed_call_on_the_wire() {
    let reply = || Reply::json(json!({"CiphertextBlob": "bmV3", "KeyId": "arn:k"}));
    let typed = MockKms::new().then(reply());
    let raw = MockKms::new().then(reply());
    let request = ReEncryptRequest::new("alias/new").ciphertext_blob(b"old".to_vec());
    let out = typed.client().re_encrypt(&request).unwrap();
    let raw_out = raw
        .client()
        .raw_call(
            "ReEncrypt",
            &json!({"CiphertextBlob": "b2xk", "DestinationKeyId": "alias/new"}),
        )
        .unwrap();
    let headers = |kms: &MockKms| {
        let mut h = kms.requests()[0].headers().to_vec();
        h.retain(|(n, _)| n != "amz-sdk-invocation-id");
        h
    };
    assert_eq!(headers(&typed), headers(&raw));
    assert_eq!(typed.requests()[0].input(), raw.requests()[0].input());
    assert_eq!(
        serde_json::to_value(&out).unwrap(),
        serde_json::to_value(raw_out.with_plaintext()).unwrap()
    );
}

/// The typed variants every error type shares; a raw call reports the others as `Unhandled`.
const COMMON_VARIANTS: [&str; 16] = [
    "AccessDenied",
    "UnrecognizedClient",
    "InvalidSignature",
    "IncompleteSignature",
    "MissingAuthenticationToken",
    "ExpiredToken",
    "RequestExpired",
    "Throttling",
    "Validation",
    "Serialization",
    "InternalFailure",
    "ServiceUnavailable",
    "Unhandled",
    "InvalidParameter",
    "Credentials",
    "Transport",
];

/// Replays a recorded fixture through `raw_call` when the raw input reproduces its request
/// body; returns whether it did.
fn replay_raw(operation: &str, path: &Path) -> bool {
    let name = path.display().to_string();
    let fixture = Fixture::parse(&name, &std::fs::read_to_string(path).unwrap());
    let input: Value = serde_json::from_str(fixture.section("call")).unwrap();
    let (_, body) = harness::split_message(fixture.section("request"));
    let expected = fixture.expectations();
    // The raw body is the input with its members sorted; typed outputs and errors whose
    // members fail the typed decoding are the typed layer's business.
    if serde_json::to_vec(&input).unwrap() != body
        || fixture.sections.contains_key("client")
        || expected.get("transport-kind").map(String::as_str) == Some("InvalidResponse")
    {
        return false;
    }
    let replay = Replay::start(vec![raw_response(fixture.section("response"))]);
    let client = harness::pinned_client(replay.addr, None);
    let result = client.raw_call(operation, &input);
    assert_request(
        &name,
        fixture.section("request"),
        &replay.next_request().expect("a request arrived"),
    );
    let mut got = render_expectations(&result, |out| {
        serde_json::to_string(&out.with_plaintext()).unwrap()
    });
    let mut want = expected;
    // The raw output is the JSON as sent, unknown and null members included: every member of
    // the typed output must be in it, with the same value.
    if let (Some(raw), Some(typed)) = (got.remove("output"), want.remove("output")) {
        let raw: Value = serde_json::from_str(&raw).unwrap();
        let typed: Value = serde_json::from_str(&typed).unwrap();
        for (member, value) in typed.as_object().unwrap() {
            assert_eq!(raw.get(member), Some(value), "{name}: {member}");
        }
    }
    if let Some(v) = want.get_mut("variant") {
        if !COMMON_VARIANTS.contains(&v.as_str()) {
            *v = "Unhandled".to_owned();
        }
    }
    assert_eq!(got, want, "{name}");
    true
}

/// How many of `Op`'s fixtures replay through the raw call.
fn replayed<Op: harness::Recorded>() -> usize {
    harness::fixture_paths(Op::DIR)
        .iter()
        .filter(|p| replay_raw(Op::OPERATION, p))
        .count()
}

#[test]
fn recorded_exchanges_replay_through_the_raw_call() {
    let replayed = replayed::<kms_lite::ReEncryptRequest>()
        + replayed::<kms_lite::EncryptRequest>()
        + replayed::<kms_lite::DecryptRequest>()
        + replayed::<kms_lite::GenerateDataKeyRequest>()
        + replayed::<kms_lite::GenerateDataKeyWithoutPlaintextRequest>();
    // Guards against the filter quietly skipping everything.
    assert!(replayed >= 40, "only {replayed} fixtures replayed");
    eprintln!("{replayed} recorded exchanges replayed through raw_call");
}
