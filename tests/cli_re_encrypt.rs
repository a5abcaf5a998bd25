//! `kms-lite re-encrypt` against a loopback server: what is sent, what is printed.

mod common;

use common::loopback::Loopback;
use common::{BASE_ENV, code, run, run_with, stderr, stdout, tempdir};
use serde_json::json;

const OK_BODY: &str = r#"{"CiphertextBlob":"AQIDBA==","KeyId":"arn:aws:kms:us-east-1:111122223333:key/new","SourceKeyId":"arn:aws:kms:us-east-1:111122223333:key/old","SourceEncryptionAlgorithm":"SYMMETRIC_DEFAULT","DestinationEncryptionAlgorithm":"SYMMETRIC_DEFAULT","Unknown":1}"#;

fn args<'a>(server: &'a Loopback, extra: &[&'a str]) -> Vec<&'a str> {
    let mut v = vec![
        "re-encrypt",
        "--endpoint-url",
        server.url.as_str(),
        "--destination-key-id",
        "alias/new",
    ];
    v.extend_from_slice(extra);
    v
}

#[test]
fn json_output_is_exact_and_request_is_well_formed() {
    let server = Loopback::reply(200, OK_BODY);
    let out = run(&args(&server, &["--ciphertext-blob", "3q2+7w=="]));
    assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "{\n    \"CiphertextBlob\": \"AQIDBA==\",\n    \"SourceKeyId\": \"arn:aws:kms:us-east-1:111122223333:key/old\",\n    \"KeyId\": \"arn:aws:kms:us-east-1:111122223333:key/new\",\n    \"SourceEncryptionAlgorithm\": \"SYMMETRIC_DEFAULT\",\n    \"DestinationEncryptionAlgorithm\": \"SYMMETRIC_DEFAULT\"\n}\n"
    );
    assert_eq!(stderr(&out), "");
    let req = server.request();
    assert_eq!(req.method, "POST");
    assert_eq!(req.path, "/");
    assert_eq!(req.header("x-amz-target"), Some("TrentService.ReEncrypt"));
    assert_eq!(
        req.header("content-type"),
        Some("application/x-amz-json-1.1")
    );
    assert_eq!(
        req.json(),
        json!({"CiphertextBlob": "3q2+7w==", "DestinationKeyId": "alias/new"})
    );
}

#[test]
fn text_output_is_tab_separated_in_key_order() {
    let server = Loopback::reply(200, OK_BODY);
    let out = run(&args(
        &server,
        &["--ciphertext-blob", "AAAA", "--output", "text"],
    ));
    assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "AQIDBA==\tSYMMETRIC_DEFAULT\tarn:aws:kms:us-east-1:111122223333:key/new\tSYMMETRIC_DEFAULT\tarn:aws:kms:us-east-1:111122223333:key/old\n"
    );
}

#[test]
fn query_a_member_as_json_and_text() {
    let server = Loopback::reply(200, OK_BODY);
    let out = run(&args(
        &server,
        &["--ciphertext-blob", "AAAA", "--query", "CiphertextBlob"],
    ));
    assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
    assert_eq!(stdout(&out), "\"AQIDBA==\"\n");

    let server = Loopback::reply(200, OK_BODY);
    let out = run(&args(
        &server,
        &[
            "--ciphertext-blob=AAAA",
            "--query=CiphertextBlob",
            "--output=text",
        ],
    ));
    assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
    assert_eq!(stdout(&out), "AQIDBA==\n");

    let server = Loopback::reply(200, OK_BODY);
    let out = run(&args(
        &server,
        &[
            "--ciphertext-blob",
            "AAAA",
            "--query",
            "[KeyId,SourceKeyMaterialId]",
            "--output",
            "text",
        ],
    ));
    assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "arn:aws:kms:us-east-1:111122223333:key/new\tNone\n"
    );
}

#[test]
fn ciphertext_from_stdin_is_sent_base64_encoded() {
    let raw: Vec<u8> = (0u8..=255).collect();
    let server = Loopback::reply(200, OK_BODY);
    let out = run_with(&args(&server, &["--ciphertext-blob", "-"]), BASE_ENV, &raw);
    assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
    let body = server.request().json();
    let sent = body["CiphertextBlob"].as_str().expect("a string");
    assert_eq!(kms_lite_decode(sent), raw);
}

#[test]
fn ciphertext_from_fileb_is_sent_base64_encoded() {
    let dir = tempdir("fileb");
    let path = dir.join("in.bin");
    std::fs::write(&path, b"\x01\x02\x03\xfe\xff").unwrap();
    let arg = format!("fileb://{}", path.display());
    let server = Loopback::reply(200, OK_BODY);
    let out = run(&args(&server, &["--ciphertext-blob", &arg]));
    assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
    assert_eq!(server.request().json()["CiphertextBlob"], json!("AQID/v8="));
}

#[test]
fn ciphertext_out_dash_writes_only_the_raw_bytes() {
    let server = Loopback::reply(200, OK_BODY);
    let out = run(&args(
        &server,
        &["--ciphertext-blob", "AAAA", "--ciphertext-out", "-"],
    ));
    assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
    assert_eq!(out.stdout, vec![1, 2, 3, 4]);
    assert_eq!(stderr(&out), "");
}

#[test]
fn ciphertext_out_path_writes_the_file_and_json_without_the_blob() {
    let dir = tempdir("out");
    let path = dir.join("new.bin");
    std::fs::write(&path, b"old contents").unwrap();
    let path_arg = path.display().to_string();
    let server = Loopback::reply(200, OK_BODY);
    let out = run(&args(
        &server,
        &["--ciphertext-blob", "AAAA", "--ciphertext-out", &path_arg],
    ));
    assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
    assert_eq!(std::fs::read(&path).unwrap(), vec![1, 2, 3, 4]);
    assert_eq!(
        stdout(&out),
        "{\n    \"SourceKeyId\": \"arn:aws:kms:us-east-1:111122223333:key/old\",\n    \"KeyId\": \"arn:aws:kms:us-east-1:111122223333:key/new\",\n    \"SourceEncryptionAlgorithm\": \"SYMMETRIC_DEFAULT\",\n    \"DestinationEncryptionAlgorithm\": \"SYMMETRIC_DEFAULT\"\n}\n"
    );
    // No temporary file is left behind.
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
}

#[test]
fn contexts_shorthand_and_json_and_every_other_member() {
    let dir = tempdir("ctx");
    let ctx_file = dir.join("ctx.json");
    std::fs::write(&ctx_file, "{\"from\": \"file\"}\n").unwrap();
    let file_arg = format!("file://{}", ctx_file.display());

    let server = Loopback::reply(200, OK_BODY);
    let out = run(&args(
        &server,
        &[
            "--ciphertext-blob",
            "AAAA",
            "--source-encryption-context",
            "purpose=backup,tenant=\"a,b\"",
            "--destination-encryption-context",
            r#"{"purpose":"archive","n":"1"}"#,
            "--source-key-id",
            "alias/old",
            "--source-encryption-algorithm",
            "SYMMETRIC_DEFAULT",
            "--destination-encryption-algorithm",
            "RSAES_OAEP_SHA_256",
            "--grant-tokens",
            "tok1",
            "tok2",
            "--no-dry-run",
        ],
    ));
    assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
    assert_eq!(
        server.request().json(),
        json!({
            "CiphertextBlob": "AAAA",
            "SourceEncryptionContext": {"purpose": "backup", "tenant": "a,b"},
            "SourceKeyId": "alias/old",
            "DestinationKeyId": "alias/new",
            "DestinationEncryptionContext": {"purpose": "archive", "n": "1"},
            "SourceEncryptionAlgorithm": "SYMMETRIC_DEFAULT",
            "DestinationEncryptionAlgorithm": "RSAES_OAEP_SHA_256",
            "GrantTokens": ["tok1", "tok2"],
            "DryRun": false
        })
    );

    let server = Loopback::reply(200, OK_BODY);
    let out = run(&args(
        &server,
        &[
            "--ciphertext-blob",
            "AAAA",
            "--source-encryption-context",
            &file_arg,
        ],
    ));
    assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
    assert_eq!(
        server.request().json()["SourceEncryptionContext"],
        json!({"from": "file"})
    );
}

#[test]
fn dry_run_that_would_succeed_exits_zero() {
    let server = Loopback::reply(
        412,
        r#"{"__type":"DryRunOperationException","message":"The request would have succeeded, but the DryRun option is set."}"#,
    );
    let out = run(&args(
        &server,
        &["--dry-run", "--dry-run-modifiers", "IGNORE_CIPHERTEXT"],
    ));
    assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
    assert_eq!(stdout(&out), "");
    assert_eq!(
        stderr(&out),
        "Dry run succeeded: The request would have succeeded, but the DryRun option is set.\n"
    );
    assert_eq!(
        server.request().json(),
        json!({"DestinationKeyId": "alias/new", "DryRun": true, "DryRunModifiers": ["IGNORE_CIPHERTEXT"]})
    );
}

#[test]
fn empty_response_prints_nothing() {
    let server = Loopback::reply(200, "{}");
    let out = run(&args(&server, &["--ciphertext-blob", "AAAA"]));
    assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
    assert_eq!(out.stdout, b"");
}

#[test]
fn version() {
    for args in [&["--version"][..], &["re-encrypt", "--version"]] {
        let out = run_with(args, &[], b"");
        assert_eq!(code(&out), 0);
        assert_eq!(
            stdout(&out),
            format!("kms-lite/{}\n", env!("CARGO_PKG_VERSION"))
        );
    }
}

/// Decodes base64 with the test's own decoder, independent of the library's.
fn kms_lite_decode(text: &str) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut bits = 0u32;
    let mut n = 0;
    let mut out = Vec::new();
    for b in text.bytes().filter(|b| *b != b'=') {
        let v = ALPHABET.iter().position(|a| *a == b).expect("base64") as u32;
        bits = (bits << 6) | v;
        n += 6;
        if n >= 8 {
            n -= 8;
            out.push((bits >> n) as u8);
            bits &= (1 << n) - 1;
        }
    }
    out
}

#[test]
fn closed_stdout_exits_quietly_without_a_panic() {
    use std::process::{Command, Stdio};
    // A pipe whose reader has already exited: `true` takes the read end and quits.
    let mut reader = Command::new("true")
        .stdin(Stdio::piped())
        .spawn()
        .expect("`true` runs");
    let write_end = reader.stdin.take().expect("piped");
    reader.wait().expect("`true` exits");
    let server = Loopback::reply(200, OK_BODY);
    let out = Command::new(env!("CARGO_BIN_EXE_kms-lite-dev"))
        .args(args(&server, &["--ciphertext-blob", "AAAA"]))
        .env_clear()
        .envs(BASE_ENV.iter().copied())
        .stdin(Stdio::null())
        .stdout(write_end)
        .stderr(Stdio::piped())
        .output()
        .expect("the binary runs");
    assert_eq!(code(&out), 255);
    assert_eq!(stderr(&out), "");
}

#[test]
fn zero_timeouts_mean_no_timeout_and_debug_logs_redacted_requests() {
    let server = Loopback::reply(200, OK_BODY);
    let out = run(&args(
        &server,
        &[
            "--ciphertext-blob",
            "AAAA",
            "--cli-connect-timeout",
            "0",
            "--cli-read-timeout",
            "0",
            "--debug",
            "--query",
            "KeyId",
        ],
    ));
    assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "\"arn:aws:kms:us-east-1:111122223333:key/new\"\n"
    );
    let err = stderr(&out);
    assert!(
        err.contains("kms-lite debug: config: profile default; region us-east-1 (from AWS_REGION)"),
        "{err}"
    );
    assert!(err.contains("kms-lite debug: request: POST "), "{err}");
    assert!(err.contains("authorization: ** redacted **"), "{err}");
    assert!(err.contains("kms-lite debug: response: 200 OK"), "{err}");
    assert!(
        !err.contains("EXAMPLEKEY") && !err.contains("arn:aws:kms:us-east-1:111122223333:key/new"),
        "{err}"
    );
}
