//! ReEncrypt's model constraints are checked before any I/O, with errors naming the member.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use kms_lite::credentials::Credentials;
use kms_lite::env::Env;
use kms_lite::error::TransportError;
use kms_lite::http::{HttpRequest, HttpResponse};
use kms_lite::transport::HttpClient;
use kms_lite::{
    Client, DryRunModifierType, EncryptionAlgorithmSpec, ReEncryptError, ReEncryptRequest,
};

/// Counts calls and answers with an empty success.
#[derive(Debug, Default, Clone)]
struct Counting(Arc<AtomicUsize>);

impl HttpClient for Counting {
    fn send(&self, _: &HttpRequest, _: Option<Duration>) -> Result<HttpResponse, TransportError> {
        self.0.fetch_add(1, Ordering::SeqCst);
        Ok(HttpResponse {
            status: 200,
            headers: vec![],
            body: b"{}".to_vec(),
        })
    }
}

fn client(http: Counting) -> Client {
    Client::builder()
        .env(Env::from_pairs::<&str, &str>([]))
        .region("us-east-1")
        .credentials(Credentials::new("AKIDEXAMPLE", "secret", None))
        .http_client(http)
        .build()
        .unwrap()
}

fn valid() -> ReEncryptRequest {
    ReEncryptRequest::new("alias/dest").ciphertext_blob(vec![7; 32])
}

fn rejected(req: ReEncryptRequest, member: &str, problem: &str) {
    let http = Counting::default();
    let err = client(http.clone()).re_encrypt(&req).unwrap_err();
    match &err {
        ReEncryptError::InvalidParameter(p) => {
            assert_eq!(p.member(), member, "{err}");
            assert!(p.problem().contains(problem), "{err}");
            assert_eq!(
                err.to_string(),
                format!("Invalid value for parameter {member}: {}", p.problem())
            );
        }
        other => panic!("expected InvalidParameter for {member}, got {other:?}"),
    }
    assert_eq!(err.attempts(), 0);
    assert_eq!(http.0.load(Ordering::SeqCst), 0, "nothing may be sent");
}

fn accepted(req: ReEncryptRequest) {
    let http = Counting::default();
    client(http.clone()).re_encrypt(&req).unwrap();
    assert_eq!(http.0.load(Ordering::SeqCst), 1);
}

#[test]
fn ciphertext_blob_bounds() {
    accepted(ReEncryptRequest::new("k").ciphertext_blob(vec![0; 1]));
    accepted(ReEncryptRequest::new("k").ciphertext_blob(vec![0; 6144]));
    rejected(
        ReEncryptRequest::new("k").ciphertext_blob(vec![]),
        "CiphertextBlob",
        "length 0 bytes is outside 1..=6144",
    );
    rejected(
        ReEncryptRequest::new("k").ciphertext_blob(vec![0; 6145]),
        "CiphertextBlob",
        "6145",
    );
}

#[test]
fn ciphertext_is_required_unless_the_dry_run_ignores_it() {
    rejected(ReEncryptRequest::new("k"), "CiphertextBlob", "is required");
    rejected(
        ReEncryptRequest::new("k").dry_run(true),
        "CiphertextBlob",
        "is required",
    );
    rejected(
        ReEncryptRequest::new("k")
            .dry_run(false)
            .dry_run_modifiers([DryRunModifierType::IgnoreCiphertext]),
        "CiphertextBlob",
        "is required",
    );
    accepted(
        ReEncryptRequest::new("k")
            .dry_run(true)
            .dry_run_modifiers([DryRunModifierType::IgnoreCiphertext]),
    );
}

#[test]
fn key_id_lengths_count_characters() {
    rejected(
        ReEncryptRequest::new("").ciphertext_blob(vec![1]),
        "DestinationKeyId",
        "length 0",
    );
    rejected(
        ReEncryptRequest::new("k".repeat(2049)).ciphertext_blob(vec![1]),
        "DestinationKeyId",
        "2049",
    );
    accepted(ReEncryptRequest::new("k".repeat(2048)).ciphertext_blob(vec![1]));
    // 2048 multi-byte characters are 2048 characters, not 4096.
    accepted(ReEncryptRequest::new("é".repeat(2048)).ciphertext_blob(vec![1]));
    rejected(valid().source_key_id(""), "SourceKeyId", "length 0");
    rejected(
        valid().source_key_id("k".repeat(2049)),
        "SourceKeyId",
        "2049",
    );
}

#[test]
fn grant_tokens_count_and_length() {
    accepted(valid().grant_tokens(vec!["t"; 10]));
    rejected(
        valid().grant_tokens(vec!["t"; 11]),
        "GrantTokens",
        "11 tokens given, at most 10",
    );
    rejected(
        valid().grant_tokens(["ok", ""]),
        "GrantTokens",
        "token 2 has length 0",
    );
    rejected(
        valid().grant_tokens(["x".repeat(8193)]),
        "GrantTokens",
        "token 1 has length 8193",
    );
    accepted(valid().grant_tokens(["x".repeat(8192)]));
}

#[test]
fn grant_tokens_never_reach_error_text_or_debug() {
    let secret = format!("SECRETGRANT{}", "x".repeat(8190));
    let req = valid().grant_tokens([secret.clone()]);
    assert!(!format!("{req:?}").contains("SECRETGRANT"));
    let err = client(Counting::default()).re_encrypt(&req).unwrap_err();
    assert!(!err.to_string().contains("SECRETGRANT"));
    assert!(!format!("{err:?}").contains("SECRETGRANT"));
}

#[test]
fn enums_only_take_the_model_values() {
    rejected(
        valid().source_encryption_algorithm(EncryptionAlgorithmSpec::from("AES_999")),
        "SourceEncryptionAlgorithm",
        "\"AES_999\" is not one of SYMMETRIC_DEFAULT, RSAES_OAEP_SHA_1, RSAES_OAEP_SHA_256, SM2PKE",
    );
    rejected(
        valid().destination_encryption_algorithm(EncryptionAlgorithmSpec::from("rsaes_oaep_sha_1")),
        "DestinationEncryptionAlgorithm",
        "is not one of",
    );
    rejected(
        valid().dry_run_modifiers([DryRunModifierType::from("IGNORE_EVERYTHING")]),
        "DryRunModifiers",
        "\"IGNORE_EVERYTHING\" is not one of IGNORE_CIPHERTEXT",
    );
    for alg in EncryptionAlgorithmSpec::KNOWN {
        accepted(valid().destination_encryption_algorithm(EncryptionAlgorithmSpec::from(alg)));
    }
}

#[test]
fn cli_input_json_is_read_strictly() {
    let req: ReEncryptRequest = serde_json::from_str(
        r#"{"CiphertextBlob":"AQIDBA==","DestinationKeyId":"k","SourceEncryptionContext":{},"GrantTokens":[]}"#,
    )
    .unwrap();
    assert_eq!(req.ciphertext_blob.as_deref(), Some(&[1u8, 2, 3, 4][..]));
    // Set-but-empty maps and lists are kept on the wire.
    let body = String::from_utf8(serde_json::to_vec(&req).unwrap()).unwrap();
    assert_eq!(
        body,
        r#"{"CiphertextBlob":"AQIDBA==","SourceEncryptionContext":{},"DestinationKeyId":"k","GrantTokens":[]}"#
    );
    for bad in [
        r#"{"DestinationKeyId":"k","Unknown":1}"#,
        r#"{"CiphertextBlob":"AQIDBA=="}"#,
        r#"{"DestinationKeyId":"k","CiphertextBlob":"AQID!A=="}"#,
        r#"{"DestinationKeyId":5}"#,
    ] {
        assert!(
            serde_json::from_str::<ReEncryptRequest>(bad).is_err(),
            "{bad}"
        );
    }
}
