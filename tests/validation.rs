//! Every operation's model constraints are checked before any I/O, with errors naming the
//! member; grant tokens and plaintext never reach `Debug`, `Display` or error text; the wire body
//! is what the model says; `--cli-input-json` style input is read strictly.

use kms_lite::error::OperationError;
use kms_lite::testing::{MockKms, Reply};
use kms_lite::{
    Client, DataKeySpec, DecryptRequest, DryRunModifierType, EncryptRequest,
    EncryptionAlgorithmSpec, GenerateDataKeyRequest, GenerateDataKeyWithoutPlaintextRequest,
    ReEncryptRequest, RecipientInfo, SecretBytes,
};

/// The test double answering every request with `status` and `body`, and a one-attempt client
/// over it.
fn canned(status: u16, body: &str) -> (MockKms, Client) {
    let body = body.to_owned();
    let kms = MockKms::new().with_handler(move |_| Reply::http(status, body.clone()));
    let client = kms.builder().max_attempts(1).build().unwrap();
    (kms, client)
}

/// The request bodies the double received, as sent.
fn sent(kms: &MockKms) -> Vec<String> {
    kms.requests()
        .iter()
        .map(|r| String::from_utf8(r.body().to_vec()).unwrap())
        .collect()
}

fn client(status: u16, body: &str) -> Client {
    canned(status, body).1
}

/// Asserts a parameter error for `member` whose problem contains `problem`, and that nothing
/// was sent.
fn rejected<T: std::fmt::Debug, E: OperationError>(
    call: impl FnOnce(&Client) -> Result<T, E>,
    member: &str,
    problem: &str,
) {
    let (http, client) = canned(200, "{}");
    let err = call(&client).unwrap_err();
    let p = err
        .parameter_error()
        .unwrap_or_else(|| panic!("expected InvalidParameter for {member}, got {err:?}"));
    assert_eq!(p.member(), member, "{err}");
    assert!(p.problem().contains(problem), "{err}");
    assert_eq!(
        err.to_string(),
        format!("Invalid value for parameter {member}: {}", p.problem())
    );
    assert_eq!(err.variant_name(), "InvalidParameter");
    assert_eq!(err.attempts(), 0);
    assert!(sent(&http).is_empty(), "nothing may be sent");
}

fn accepted<T: std::fmt::Debug, E: OperationError>(call: impl FnOnce(&Client) -> Result<T, E>) {
    let (http, client) = canned(200, "{}");
    call(&client).unwrap();
    assert_eq!(sent(&http).len(), 1);
}

#[test]
fn encrypt_constraints() {
    let enc = |r: EncryptRequest| move |c: &Client| c.encrypt(&r);
    rejected(
        enc(EncryptRequest::new("k", Vec::new())),
        "Plaintext",
        "0 bytes",
    );
    rejected(
        enc(EncryptRequest::new("k", vec![0; 4097])),
        "Plaintext",
        "4097 bytes",
    );
    accepted(enc(EncryptRequest::new("k", vec![0; 4096])));
    accepted(enc(EncryptRequest::new("k", vec![0; 1])));
    rejected(enc(EncryptRequest::new("", vec![1])), "KeyId", "length 0");
    rejected(
        enc(EncryptRequest::new("k".repeat(2049), vec![1])),
        "KeyId",
        "2049",
    );
    rejected(
        enc(EncryptRequest::new("k", vec![1])
            .encryption_algorithm(EncryptionAlgorithmSpec::from("ROT13"))),
        "EncryptionAlgorithm",
        "\"ROT13\" is not one of SYMMETRIC_DEFAULT",
    );
    rejected(
        enc(EncryptRequest::new("k", vec![1]).grant_tokens(vec!["t"; 11])),
        "GrantTokens",
        "11 tokens",
    );
}

#[test]
fn decrypt_constraints() {
    let dec = |r: DecryptRequest| move |c: &Client| c.decrypt(&r);
    rejected(
        dec(DecryptRequest::without_ciphertext()),
        "CiphertextBlob",
        "required unless DryRun",
    );
    rejected(
        dec(DecryptRequest::without_ciphertext().dry_run(true)),
        "CiphertextBlob",
        "required",
    );
    accepted(dec(DecryptRequest::without_ciphertext()
        .dry_run(true)
        .dry_run_modifiers([DryRunModifierType::IgnoreCiphertext])));
    rejected(
        dec(DecryptRequest::new(Vec::new())),
        "CiphertextBlob",
        "0 bytes",
    );
    rejected(
        dec(DecryptRequest::new(vec![1; 6145])),
        "CiphertextBlob",
        "6145",
    );
    rejected(
        dec(DecryptRequest::new(vec![1]).key_id("")),
        "KeyId",
        "length 0",
    );
    rejected(
        dec(DecryptRequest::new(vec![1]).recipient(RecipientInfo::new(Vec::new()))),
        "Recipient.AttestationDocument",
        "0 bytes",
    );
    rejected(
        dec(DecryptRequest::new(vec![1]).recipient(RecipientInfo::new(vec![0; 262_145]))),
        "Recipient.AttestationDocument",
        "262145",
    );
    let mut unknown = RecipientInfo::new(vec![1]);
    unknown.key_encryption_algorithm = Some("RSAES_PKCS1".into());
    rejected(
        dec(DecryptRequest::new(vec![1]).recipient(unknown)),
        "Recipient.KeyEncryptionAlgorithm",
        "RSAES_OAEP_SHA_256",
    );
    rejected(
        dec(DecryptRequest::new(vec![1]).dry_run_modifiers([DryRunModifierType::from("X")])),
        "DryRunModifiers",
        "IGNORE_CIPHERTEXT",
    );
}

#[test]
fn data_key_size_is_exactly_one_of_key_spec_and_number_of_bytes() {
    let gdk = |r: GenerateDataKeyRequest| move |c: &Client| c.generate_data_key(&r);
    let wp = |r: GenerateDataKeyWithoutPlaintextRequest| {
        move |c: &Client| c.generate_data_key_without_plaintext(&r)
    };
    let mut neither = GenerateDataKeyRequest::new("k");
    neither.key_spec = None;
    rejected(gdk(neither), "KeySpec", "either KeySpec");
    let mut both = GenerateDataKeyRequest::new("k");
    both.number_of_bytes = Some(32);
    rejected(gdk(both), "KeySpec", "not both");
    rejected(
        gdk(GenerateDataKeyRequest::new("k").number_of_bytes(0)),
        "NumberOfBytes",
        "0 is outside 1..=1024",
    );
    rejected(
        gdk(GenerateDataKeyRequest::new("k").number_of_bytes(1025)),
        "NumberOfBytes",
        "1025",
    );
    rejected(
        gdk(GenerateDataKeyRequest::new("k").key_spec(DataKeySpec::from("AES_512"))),
        "KeySpec",
        "\"AES_512\" is not one of AES_256, AES_128",
    );
    accepted(gdk(GenerateDataKeyRequest::new("k").number_of_bytes(1024)));
    accepted(gdk(
        GenerateDataKeyRequest::new("k").key_spec(DataKeySpec::Aes128)
    ));
    rejected(gdk(GenerateDataKeyRequest::new("")), "KeyId", "length 0");

    let mut neither = GenerateDataKeyWithoutPlaintextRequest::new("k");
    neither.key_spec = None;
    rejected(wp(neither), "KeySpec", "either KeySpec");
    rejected(
        wp(GenerateDataKeyWithoutPlaintextRequest::new("k").number_of_bytes(2000)),
        "NumberOfBytes",
        "2000",
    );
    accepted(wp(
        GenerateDataKeyWithoutPlaintextRequest::new("k").number_of_bytes(1)
    ));
}

#[test]
fn wire_bodies_follow_the_model() {
    let (http, c) = canned(200, "{}");
    c.encrypt(
        &EncryptRequest::new("alias/a", b"hi".to_vec())
            .encryption_context([("z", "1"), ("a", "2")])
            .dry_run(false),
    )
    .unwrap();
    c.generate_data_key(&GenerateDataKeyRequest::new("alias/a").number_of_bytes(64))
        .unwrap();
    c.generate_data_key_without_plaintext(&GenerateDataKeyWithoutPlaintextRequest::new("alias/a"))
        .unwrap();
    c.decrypt(
        &DecryptRequest::new(vec![1, 2, 3])
            .recipient(RecipientInfo::new(b"doc".to_vec()))
            .key_id("alias/a"),
    )
    .unwrap();
    assert_eq!(
        sent(&http),
        [
            r#"{"KeyId":"alias/a","Plaintext":"aGk=","EncryptionContext":{"a":"2","z":"1"},"DryRun":false}"#,
            r#"{"KeyId":"alias/a","NumberOfBytes":64}"#,
            r#"{"KeyId":"alias/a","KeySpec":"AES_256"}"#,
            r#"{"CiphertextBlob":"AQID","KeyId":"alias/a","Recipient":{"KeyEncryptionAlgorithm":"RSAES_OAEP_SHA_256","AttestationDocument":"ZG9j"}}"#,
        ]
    );
}

const SECRET: &[u8] = b"correct horse battery staple";
const SECRET_B64: &str = "Y29ycmVjdCBob3JzZSBiYXR0ZXJ5IHN0YXBsZQ==";

fn assert_no_secret(what: &str, text: &str) {
    assert!(
        !text.contains("correct horse") && !text.contains(SECRET_B64),
        "{what} shows the plaintext: {text}"
    );
    // Nor as a list of byte values.
    assert!(!text.contains("99, 111, 114, 114"), "{what}: {text}");
}

#[test]
fn plaintext_never_reaches_debug_display_or_errors() {
    let req = EncryptRequest::new("k", SECRET.to_vec()).grant_tokens(["grant-secret"]);
    let debug = format!("{req:?} {req:#?}");
    assert_no_secret("EncryptRequest Debug", &debug);
    assert!(debug.contains("28 bytes"), "{debug}");
    assert!(!debug.contains("grant-secret"), "{debug}");

    let body = format!(r#"{{"Plaintext":"{SECRET_B64}","KeyId":"arn:k"}}"#);
    let c = client(200, &body);
    let out = c.decrypt(&DecryptRequest::new(vec![1])).unwrap();
    assert_no_secret("DecryptResponse Debug", &format!("{out:?} {out:#?}"));
    assert_eq!(out.plaintext.as_ref().unwrap().as_bytes(), SECRET);
    let dk = c
        .generate_data_key(&GenerateDataKeyRequest::new("k"))
        .unwrap();
    assert_no_secret("GenerateDataKeyResponse Debug", &format!("{dk:?}"));

    // Serializing the plaintext is an explicit, visible choice.
    let json = serde_json::to_string(&out.with_plaintext()).unwrap();
    assert_eq!(
        json,
        format!(r#"{{"KeyId":"arn:k","Plaintext":"{SECRET_B64}"}}"#)
    );

    // A success body that does not parse: the error names the position, never the content.
    let bad = format!(r#"{{"Plaintext":"{SECRET_B64}","KeyId":7}}"#);
    let err = client(200, &bad)
        .decrypt(&DecryptRequest::new(vec![1]))
        .unwrap_err();
    assert_no_secret("Decrypt error", &format!("{err} {err:?}"));
    let bad = r#"{"Plaintext":"correct horse!"}"#;
    let err = client(200, bad)
        .decrypt(&DecryptRequest::new(vec![1]))
        .unwrap_err();
    assert_no_secret("Decrypt error", &format!("{err} {err:?}"));

    // A parameter error about the plaintext gives its length only.
    let err = client(200, "{}")
        .encrypt(&EncryptRequest::new("k", SECRET.repeat(200)))
        .unwrap_err();
    assert_no_secret("Encrypt parameter error", &format!("{err} {err:?}"));

    let s = SecretBytes::from(SECRET);
    assert_no_secret("SecretBytes Debug", &format!("{s:?}"));
}

// ---------------------------------------------------------------- ReEncrypt

fn valid() -> ReEncryptRequest {
    ReEncryptRequest::new("alias/dest").ciphertext_blob(vec![7; 32])
}

/// `rejected` and `accepted` for a ReEncrypt request.
fn rejected_re(req: ReEncryptRequest, member: &str, problem: &str) {
    rejected(move |c: &Client| c.re_encrypt(&req), member, problem);
}

fn accepted_re(req: ReEncryptRequest) {
    accepted(move |c: &Client| c.re_encrypt(&req));
}

#[test]
fn ciphertext_blob_bounds() {
    accepted_re(ReEncryptRequest::new("k").ciphertext_blob(vec![0; 1]));
    accepted_re(ReEncryptRequest::new("k").ciphertext_blob(vec![0; 6144]));
    rejected_re(
        ReEncryptRequest::new("k").ciphertext_blob(vec![]),
        "CiphertextBlob",
        "length 0 bytes is outside 1..=6144",
    );
    rejected_re(
        ReEncryptRequest::new("k").ciphertext_blob(vec![0; 6145]),
        "CiphertextBlob",
        "6145",
    );
}

#[test]
fn ciphertext_is_required_unless_the_dry_run_ignores_it() {
    rejected_re(ReEncryptRequest::new("k"), "CiphertextBlob", "is required");
    rejected_re(
        ReEncryptRequest::new("k").dry_run(true),
        "CiphertextBlob",
        "is required",
    );
    rejected_re(
        ReEncryptRequest::new("k")
            .dry_run(false)
            .dry_run_modifiers([DryRunModifierType::IgnoreCiphertext]),
        "CiphertextBlob",
        "is required",
    );
    accepted_re(
        ReEncryptRequest::new("k")
            .dry_run(true)
            .dry_run_modifiers([DryRunModifierType::IgnoreCiphertext]),
    );
}

#[test]
fn key_id_lengths_count_characters() {
    rejected_re(
        ReEncryptRequest::new("").ciphertext_blob(vec![1]),
        "DestinationKeyId",
        "length 0",
    );
    rejected_re(
        ReEncryptRequest::new("k".repeat(2049)).ciphertext_blob(vec![1]),
        "DestinationKeyId",
        "2049",
    );
    accepted_re(ReEncryptRequest::new("k".repeat(2048)).ciphertext_blob(vec![1]));
    // 2048 multi-byte characters are 2048 characters, not 4096.
    accepted_re(ReEncryptRequest::new("é".repeat(2048)).ciphertext_blob(vec![1]));
    rejected_re(valid().source_key_id(""), "SourceKeyId", "length 0");
    rejected_re(
        valid().source_key_id("k".repeat(2049)),
        "SourceKeyId",
        "2049",
    );
}

#[test]
fn grant_tokens_count_and_length() {
    accepted_re(valid().grant_tokens(vec!["t"; 10]));
    rejected_re(
        valid().grant_tokens(vec!["t"; 11]),
        "GrantTokens",
        "11 tokens given, at most 10",
    );
    rejected_re(
        valid().grant_tokens(["ok", ""]),
        "GrantTokens",
        "token 2 has length 0",
    );
    rejected_re(
        valid().grant_tokens(["x".repeat(8193)]),
        "GrantTokens",
        "token 1 has length 8193",
    );
    accepted_re(valid().grant_tokens(["x".repeat(8192)]));
}

#[test]
fn grant_tokens_never_reach_error_text_or_debug() {
    let secret = format!("SECRETGRANT{}", "x".repeat(8190));
    let req = valid().grant_tokens([secret.clone()]);
    assert!(!format!("{req:?}").contains("SECRETGRANT"));
    let err = client(200, "{}").re_encrypt(&req).unwrap_err();
    assert!(!err.to_string().contains("SECRETGRANT"));
    assert!(!format!("{err:?}").contains("SECRETGRANT"));
}

#[test]
fn enums_only_take_the_model_values() {
    rejected_re(
        valid().source_encryption_algorithm(EncryptionAlgorithmSpec::from("AES_999")),
        "SourceEncryptionAlgorithm",
        "\"AES_999\" is not one of SYMMETRIC_DEFAULT, RSAES_OAEP_SHA_1, RSAES_OAEP_SHA_256, SM2PKE",
    );
    rejected_re(
        valid().destination_encryption_algorithm(EncryptionAlgorithmSpec::from("rsaes_oaep_sha_1")),
        "DestinationEncryptionAlgorithm",
        "is not one of",
    );
    rejected_re(
        valid().dry_run_modifiers([DryRunModifierType::from("IGNORE_EVERYTHING")]),
        "DryRunModifiers",
        "\"IGNORE_EVERYTHING\" is not one of IGNORE_CIPHERTEXT",
    );
    for alg in EncryptionAlgorithmSpec::KNOWN {
        accepted_re(valid().destination_encryption_algorithm(EncryptionAlgorithmSpec::from(alg)));
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
