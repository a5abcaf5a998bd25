//! `kms-lite encrypt`, `decrypt`, `generate-data-key` and `generate-data-key-without-plaintext`
//! against a loopback server: what is sent, what is printed or written, and that a plaintext
//! never reaches stderr.

mod common;

use common::loopback::{Loopback, closed_port_url};
use common::{BASE_ENV, code, run, run_with, stderr, stdout, tempdir};
use serde_json::json;

/// A plaintext no other text in these tests contains, raw and in base64.
const SECRET: &[u8] = b"TOPSECRET-plaintext-0123";
const SECRET_B64: &str = "VE9QU0VDUkVULXBsYWludGV4dC0wMTIz";

const KEY_ARN: &str = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const MATERIAL: &str = "d1c6b1d3f1e2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c";

const USAGE_HEAD: &str = "usage: kms-lite [options] <command> [parameters]\n";

fn encrypt_body() -> String {
    json!({"CiphertextBlob": "AQIDBA==", "KeyId": KEY_ARN, "EncryptionAlgorithm": "SYMMETRIC_DEFAULT", "Unknown": 1}).to_string()
}

fn decrypt_body() -> String {
    // Members deliberately out of the model's order: the output follows the model.
    json!({"KeyMaterialId": MATERIAL, "EncryptionAlgorithm": "SYMMETRIC_DEFAULT", "Plaintext": SECRET_B64, "KeyId": KEY_ARN}).to_string()
}

fn gdk_body() -> String {
    json!({"KeyId": KEY_ARN, "Plaintext": SECRET_B64, "CiphertextBlob": "AQIDBA==", "KeyMaterialId": MATERIAL}).to_string()
}

fn gdkwp_body() -> String {
    json!({"KeyMaterialId": MATERIAL, "KeyId": KEY_ARN, "CiphertextBlob": "BQYHCA=="}).to_string()
}

/// `COMMAND --endpoint-url URL EXTRA...`.
fn args<'a>(command: &'a str, server: &'a Loopback, extra: &[&'a str]) -> Vec<&'a str> {
    let mut v = vec![command, "--endpoint-url", server.url.as_str()];
    v.extend_from_slice(extra);
    v
}

#[cfg(unix)]
fn mode(path: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

fn assert_usage(args: &[&str], message: &str) {
    let out = run(args);
    assert_eq!(code(&out), 252, "stderr: {}", stderr(&out));
    let err = stderr(&out);
    assert!(err.starts_with(USAGE_HEAD), "stderr: {err}");
    assert!(
        err.ends_with(&format!("\nkms-lite: error: {message}\n")),
        "stderr: {err}"
    );
    assert_eq!(out.stdout, b"");
}

/// Neither the raw plaintext nor its base64 is in `text`.
fn assert_no_secret(text: &[u8]) {
    let s = String::from_utf8_lossy(text);
    assert!(!s.contains("TOPSECRET"), "plaintext leaked: {s}");
    assert!(!s.contains(SECRET_B64), "plaintext (base64) leaked: {s}");
    // Any 8-character window of the base64 form, whatever the alignment.
    for i in 0..SECRET_B64.len() - 8 {
        assert!(
            !s.contains(&SECRET_B64[i..i + 8]),
            "plaintext (base64) leaked: {s}"
        );
    }
}

const DRY_RUN_REPLY: &str = r#"{"__type":"DryRunOperationException","message":"The request would have succeeded, but the DryRun option is set."}"#;
const DRY_RUN_LINE: &str =
    "Dry run succeeded: The request would have succeeded, but the DryRun option is set.\n";

// ---------------------------------------------------------------- encrypt

#[test]
fn encrypt_sends_base64_plaintext_shorthand_context_and_prints_exact_json() {
    let server = Loopback::reply(200, &encrypt_body());
    let out = run(&args(
        "encrypt",
        &server,
        &[
            "--key-id",
            "alias/app",
            "--plaintext",
            SECRET_B64,
            "--encryption-context",
            "purpose=backup,tenant=\"a,b\"",
            "--grant-tokens",
            "tok1",
            "tok2",
            "--encryption-algorithm",
            "SYMMETRIC_DEFAULT",
            "--no-dry-run",
        ],
    ));
    assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
    assert_eq!(
        stdout(&out),
        format!(
            "{{\n    \"CiphertextBlob\": \"AQIDBA==\",\n    \"KeyId\": \"{KEY_ARN}\",\n    \"EncryptionAlgorithm\": \"SYMMETRIC_DEFAULT\"\n}}\n"
        )
    );
    assert_eq!(stderr(&out), "");
    let req = server.request();
    assert_eq!(req.header("x-amz-target"), Some("TrentService.Encrypt"));
    assert_eq!(
        req.json(),
        json!({
            "KeyId": "alias/app",
            "Plaintext": SECRET_B64,
            "EncryptionContext": {"purpose": "backup", "tenant": "a,b"},
            "GrantTokens": ["tok1", "tok2"],
            "EncryptionAlgorithm": "SYMMETRIC_DEFAULT",
            "DryRun": false
        })
    );
}

#[test]
fn encrypt_plaintext_from_fileb_and_from_stdin_with_a_json_context() {
    let dir = tempdir("enc-fileb");
    let path = dir.join("plain.bin");
    std::fs::write(&path, SECRET).unwrap();
    let arg = format!("fileb://{}", path.display());
    let server = Loopback::reply(200, &encrypt_body());
    let out = run(&args(
        "encrypt",
        &server,
        &["--key-id", "k", "--plaintext", &arg],
    ));
    assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
    assert_eq!(
        server.request().json(),
        json!({"KeyId": "k", "Plaintext": SECRET_B64})
    );

    let raw: Vec<u8> = (0u8..=255).collect();
    let server = Loopback::reply(200, &encrypt_body());
    let out = run_with(
        &args(
            "encrypt",
            &server,
            &[
                "--key-id=k",
                "--plaintext",
                "-",
                "--encryption-context",
                r#"{"purpose":"archive","n":"1"}"#,
            ],
        ),
        BASE_ENV,
        &raw,
    );
    assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
    let body = server.request().json();
    assert_eq!(
        body["EncryptionContext"],
        json!({"purpose": "archive", "n": "1"})
    );
    let sent = kms_lite::base64::decode(body["Plaintext"].as_str().unwrap().as_bytes()).unwrap();
    assert_eq!(sent, raw);
}

#[test]
fn encrypt_text_output_and_query() {
    let server = Loopback::reply(200, &encrypt_body());
    let out = run(&args(
        "encrypt",
        &server,
        &["--key-id", "k", "--plaintext", "AAAA", "--output", "text"],
    ));
    assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
    assert_eq!(
        stdout(&out),
        format!("AQIDBA==\tSYMMETRIC_DEFAULT\t{KEY_ARN}\n")
    );

    let server = Loopback::reply(200, &encrypt_body());
    let out = run(&args(
        "encrypt",
        &server,
        &["--key-id", "k", "--plaintext", "AAAA", "--query", "KeyId"],
    ));
    assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
    assert_eq!(stdout(&out), format!("\"{KEY_ARN}\"\n"));
}

#[test]
fn encrypt_ciphertext_out_dash_and_path() {
    let server = Loopback::reply(200, &encrypt_body());
    let out = run(&args(
        "encrypt",
        &server,
        &[
            "--key-id",
            "k",
            "--plaintext",
            "AAAA",
            "--ciphertext-out",
            "-",
        ],
    ));
    assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
    assert_eq!(out.stdout, vec![1, 2, 3, 4]);
    assert_eq!(stderr(&out), "");

    let dir = tempdir("enc-out");
    let path = dir.join("secret.enc");
    let path_arg = path.display().to_string();
    let server = Loopback::reply(200, &encrypt_body());
    let out = run(&args(
        "encrypt",
        &server,
        &[
            "--key-id",
            "k",
            "--plaintext",
            "AAAA",
            "--ciphertext-out",
            &path_arg,
        ],
    ));
    assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
    assert_eq!(std::fs::read(&path).unwrap(), vec![1, 2, 3, 4]);
    assert_eq!(
        stdout(&out),
        format!(
            "{{\n    \"KeyId\": \"{KEY_ARN}\",\n    \"EncryptionAlgorithm\": \"SYMMETRIC_DEFAULT\"\n}}\n"
        )
    );
    assert_eq!(
        std::fs::read_dir(&dir).unwrap().count(),
        1,
        "no temporary file left"
    );
}

#[test]
fn encrypt_usage_errors() {
    assert_usage(
        &["encrypt", "--plaintext", "AAAA"],
        "the following arguments are required: --key-id",
    );
    assert_usage(
        &["encrypt"],
        "the following arguments are required: --key-id, --plaintext",
    );
    assert_usage(
        &[
            "encrypt",
            "--key-id",
            "k",
            "--plaintext",
            "AAAA",
            "--plaintext-out",
            "-",
        ],
        "argument --plaintext-out: not supported by encrypt",
    );
    assert_usage(
        &[
            "encrypt",
            "--key-id",
            "k",
            "--plaintext",
            "AAAA",
            "--ciphertext-out",
            "-",
            "--query",
            "KeyId",
        ],
        "argument --query: not allowed with argument --ciphertext-out - \
         (stdout carries only the raw bytes)",
    );
}

#[test]
fn encrypt_bad_base64_plaintext_is_252_without_the_value() {
    let value = "TOPSECRET-plaintext!";
    let out = run(&["encrypt", "--key-id", "k", "--plaintext", value]);
    assert_eq!(code(&out), 252);
    assert_eq!(
        stderr(&out),
        "\nError parsing parameter '--plaintext': Invalid base64: invalid base64 character 0x2d at offset 9\n"
    );
}

#[test]
fn encrypt_too_long_plaintext_is_the_library_validation_error() {
    let out = run_with(
        &["encrypt", "--key-id", "k", "--plaintext", "-"],
        BASE_ENV,
        &[b'x'; 4097],
    );
    assert_eq!(code(&out), 252, "stderr: {}", stderr(&out));
    let err = stderr(&out);
    assert!(err.starts_with("\nParameter validation failed:\n"), "{err}");
    assert!(err.contains("Plaintext"), "{err}");
    assert!(!err.contains("xxxx"), "{err}");
}

#[test]
fn encrypt_dry_run_exits_zero_and_service_error_is_254() {
    let server = Loopback::reply(412, DRY_RUN_REPLY);
    let out = run(&args(
        "encrypt",
        &server,
        &["--key-id", "k", "--plaintext", "AAAA", "--dry-run"],
    ));
    assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
    assert_eq!(stdout(&out), "");
    assert_eq!(stderr(&out), DRY_RUN_LINE);
    assert_eq!(
        server.request().json(),
        json!({"KeyId": "k", "Plaintext": "AAAA", "DryRun": true})
    );

    let server = Loopback::reply(
        400,
        r#"{"__type":"NotFoundException","message":"Alias arn:aws:kms:us-east-1:111122223333:alias/none is not found."}"#,
    );
    let out = run(&args(
        "encrypt",
        &server,
        &["--key-id", "alias/none", "--plaintext", SECRET_B64],
    ));
    assert_eq!(code(&out), 254);
    assert_eq!(
        stderr(&out),
        "\nAn error occurred (NotFoundException) when calling the Encrypt operation: Alias arn:aws:kms:us-east-1:111122223333:alias/none is not found.\n"
    );
    assert_eq!(out.stdout, b"");
}

#[test]
fn encrypt_plaintext_is_not_in_debug_output() {
    let server = Loopback::reply(200, &encrypt_body());
    let out = run_with(
        &args(
            "encrypt",
            &server,
            &["--key-id", "k", "--plaintext", "-", "--debug"],
        ),
        BASE_ENV,
        SECRET,
    );
    assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
    assert!(stderr(&out).contains("kms-lite debug: request: POST "));
    assert_no_secret(&out.stderr);
    assert_no_secret(&out.stdout);
}

// ---------------------------------------------------------------- decrypt

#[test]
fn decrypt_sends_every_member_and_prints_the_plaintext_like_the_aws_cli() {
    let server = Loopback::reply(200, &decrypt_body());
    let out = run(&args(
        "decrypt",
        &server,
        &[
            "--ciphertext-blob",
            "3q2+7w==",
            "--encryption-context",
            r#"{"purpose":"backup"}"#,
            "--grant-tokens",
            "tok1",
            "--key-id",
            "alias/app",
            "--encryption-algorithm",
            "SYMMETRIC_DEFAULT",
            "--no-dry-run",
        ],
    ));
    assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
    assert_eq!(
        stdout(&out),
        format!(
            "{{\n    \"KeyId\": \"{KEY_ARN}\",\n    \"Plaintext\": \"{SECRET_B64}\",\n    \"EncryptionAlgorithm\": \"SYMMETRIC_DEFAULT\",\n    \"KeyMaterialId\": \"{MATERIAL}\"\n}}\n"
        )
    );
    assert_eq!(stderr(&out), "");
    let req = server.request();
    assert_eq!(req.header("x-amz-target"), Some("TrentService.Decrypt"));
    assert_eq!(
        req.json(),
        json!({
            "CiphertextBlob": "3q2+7w==",
            "EncryptionContext": {"purpose": "backup"},
            "GrantTokens": ["tok1"],
            "KeyId": "alias/app",
            "EncryptionAlgorithm": "SYMMETRIC_DEFAULT",
            "DryRun": false
        })
    );
}

#[test]
fn decrypt_text_output() {
    let server = Loopback::reply(200, &decrypt_body());
    let out = run(&args(
        "decrypt",
        &server,
        &["--ciphertext-blob", "AAAA", "--output", "text"],
    ));
    assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
    assert_eq!(
        stdout(&out),
        format!("SYMMETRIC_DEFAULT\t{KEY_ARN}\t{MATERIAL}\t{SECRET_B64}\n")
    );
}

#[test]
fn decrypt_ciphertext_from_fileb_and_stdin_with_shorthand_context() {
    let dir = tempdir("dec-fileb");
    let path = dir.join("in.enc");
    std::fs::write(&path, b"\x01\x02\x03\xfe\xff").unwrap();
    let arg = format!("fileb://{}", path.display());
    let server = Loopback::reply(200, &decrypt_body());
    let out = run(&args(
        "decrypt",
        &server,
        &["--ciphertext-blob", &arg, "--encryption-context", "a=1,b=2"],
    ));
    assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
    assert_eq!(
        server.request().json(),
        json!({"CiphertextBlob": "AQID/v8=", "EncryptionContext": {"a": "1", "b": "2"}})
    );

    let server = Loopback::reply(200, &decrypt_body());
    let out = run_with(
        &args("decrypt", &server, &["--ciphertext-blob", "-"]),
        BASE_ENV,
        b"\xde\xad\xbe\xef",
    );
    assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
    assert_eq!(
        server.request().json(),
        json!({"CiphertextBlob": "3q2+7w=="})
    );
}

#[test]
fn decrypt_recipient_shorthand_and_json() {
    let reply = json!({"KeyId": KEY_ARN, "CiphertextForRecipient": "CQoL", "EncryptionAlgorithm": "SYMMETRIC_DEFAULT"}).to_string();
    let server = Loopback::reply(200, &reply);
    let out = run(&args(
        "decrypt",
        &server,
        &[
            "--ciphertext-blob",
            "AAAA",
            "--recipient",
            "KeyEncryptionAlgorithm=RSAES_OAEP_SHA_256,AttestationDocument=AAECAw==",
        ],
    ));
    assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
    assert_eq!(
        stdout(&out),
        format!(
            "{{\n    \"KeyId\": \"{KEY_ARN}\",\n    \"EncryptionAlgorithm\": \"SYMMETRIC_DEFAULT\",\n    \"CiphertextForRecipient\": \"CQoL\"\n}}\n"
        )
    );
    assert_eq!(
        server.request().json(),
        json!({"CiphertextBlob": "AAAA", "Recipient": {"KeyEncryptionAlgorithm": "RSAES_OAEP_SHA_256", "AttestationDocument": "AAECAw=="}})
    );

    let server = Loopback::reply(200, &reply);
    let out = run(&args(
        "decrypt",
        &server,
        &[
            "--ciphertext-blob",
            "AAAA",
            "--recipient",
            r#"{"AttestationDocument": "AAECAw=="}"#,
        ],
    ));
    assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
    assert_eq!(
        server.request().json()["Recipient"],
        json!({"AttestationDocument": "AAECAw=="})
    );
}

#[test]
fn decrypt_plaintext_out_dash_writes_only_the_raw_plaintext() {
    let server = Loopback::reply(200, &decrypt_body());
    let out = run(&args(
        "decrypt",
        &server,
        &["--ciphertext-blob", "AAAA", "--plaintext-out", "-"],
    ));
    assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
    assert_eq!(out.stdout, SECRET);
    assert_eq!(stderr(&out), "");
}

#[cfg(unix)]
#[test]
fn decrypt_plaintext_out_path_is_0600_and_the_json_omits_the_plaintext() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempdir("dec-out");
    let path = dir.join("plain.txt");
    // An existing, world-readable file is replaced by a private one.
    std::fs::write(&path, b"old").unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let path_arg = path.display().to_string();
    let server = Loopback::reply(200, &decrypt_body());
    let out = run(&args(
        "decrypt",
        &server,
        &["--ciphertext-blob", "AAAA", "--plaintext-out", &path_arg],
    ));
    assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
    assert_eq!(std::fs::read(&path).unwrap(), SECRET);
    assert_eq!(mode(&path), 0o600);
    assert_eq!(
        stdout(&out),
        format!(
            "{{\n    \"KeyId\": \"{KEY_ARN}\",\n    \"EncryptionAlgorithm\": \"SYMMETRIC_DEFAULT\",\n    \"KeyMaterialId\": \"{MATERIAL}\"\n}}\n"
        )
    );
    assert_no_secret(&out.stdout);
    assert_eq!(
        std::fs::read_dir(&dir).unwrap().count(),
        1,
        "no temporary file left"
    );
}

#[test]
fn decrypt_plaintext_never_reaches_stderr() {
    // --debug, printed JSON.
    let server = Loopback::reply(200, &decrypt_body());
    let out = run(&args(
        "decrypt",
        &server,
        &["--ciphertext-blob", "AAAA", "--debug"],
    ));
    assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
    assert!(stderr(&out).contains("kms-lite debug: response: 200 OK"));
    assert_no_secret(&out.stderr);

    // --debug, raw plaintext on stdout.
    let server = Loopback::reply(200, &decrypt_body());
    let out = run(&args(
        "decrypt",
        &server,
        &[
            "--ciphertext-blob",
            "AAAA",
            "--debug",
            "--plaintext-out",
            "-",
        ],
    ));
    assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
    assert_eq!(out.stdout, SECRET);
    assert_no_secret(&out.stderr);

    // The plaintext arrived but cannot be written: the error names the path only.
    let dir = tempdir("dec-nodir");
    let path_arg = dir.join("missing").join("plain.txt").display().to_string();
    let server = Loopback::reply(200, &decrypt_body());
    let out = run(&args(
        "decrypt",
        &server,
        &[
            "--ciphertext-blob",
            "AAAA",
            "--debug",
            "--plaintext-out",
            &path_arg,
        ],
    ));
    assert_eq!(code(&out), 255);
    let err = stderr(&out);
    assert!(
        err.contains(&format!(
            "cannot write the plaintext (--plaintext-out) to {path_arg}: "
        )),
        "{err}"
    );
    assert_no_secret(&out.stderr);
    assert_eq!(out.stdout, b"");

    // A malformed response holding the plaintext: the error does not quote it.
    let bad = format!(r#"{{"KeyId": 7, "Plaintext": "{SECRET_B64}"}}"#);
    let server = Loopback::reply(200, &bad);
    let out = run(&args(
        "decrypt",
        &server,
        &["--ciphertext-blob", "AAAA", "--debug"],
    ));
    assert_eq!(code(&out), 255, "stderr: {}", stderr(&out));
    assert_no_secret(&out.stderr);
    assert_eq!(out.stdout, b"");
}

#[test]
fn decrypt_dry_run_ignoring_the_ciphertext_exits_zero() {
    let server = Loopback::reply(412, DRY_RUN_REPLY);
    let out = run(&args(
        "decrypt",
        &server,
        &[
            "--dry-run",
            "--dry-run-modifiers",
            "IGNORE_CIPHERTEXT",
            "--key-id",
            "k",
        ],
    ));
    assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
    assert_eq!(stdout(&out), "");
    assert_eq!(stderr(&out), DRY_RUN_LINE);
    assert_eq!(
        server.request().json(),
        json!({"KeyId": "k", "DryRun": true, "DryRunModifiers": ["IGNORE_CIPHERTEXT"]})
    );
}

#[test]
fn decrypt_service_error_is_254() {
    let server = Loopback::reply(
        400,
        r#"{"__type":"InvalidCiphertextException","message":"The ciphertext or its encryption context is not valid."}"#,
    );
    let out = run(&args("decrypt", &server, &["--ciphertext-blob", "AAAA"]));
    assert_eq!(code(&out), 254);
    assert_eq!(
        stderr(&out),
        "\nAn error occurred (InvalidCiphertextException) when calling the Decrypt operation: The ciphertext or its encryption context is not valid.\n"
    );
}

#[test]
fn decrypt_usage_errors() {
    assert_usage(
        &[
            "decrypt",
            "--ciphertext-blob",
            "AAAA",
            "--plaintext-out",
            "-",
            "--query",
            "KeyId",
        ],
        "argument --query: not allowed with argument --plaintext-out - \
         (stdout carries only the raw bytes)",
    );
    assert_usage(
        &[
            "decrypt",
            "--ciphertext-blob",
            "AAAA",
            "--recipient",
            "AttestationDocument=AAAA",
            "--plaintext-out",
            "p",
        ],
        "argument --plaintext-out: not allowed with argument --recipient (the plaintext \
         comes back only encrypted for the recipient, as CiphertextForRecipient)",
    );
    assert_usage(
        &[
            "decrypt",
            "--ciphertext-blob",
            "AAAA",
            "--ciphertext-out",
            "-",
        ],
        "argument --ciphertext-out: not supported by decrypt",
    );
    assert_usage(
        &["decrypt", "--ciphertext-blob", "AAAA", "--plaintext-out="],
        "argument --plaintext-out: expected a file path or -",
    );
    // A recipient member the model does not have: botocore's message, nothing sent.
    let out = run(&[
        "decrypt",
        "--endpoint-url",
        &closed_port_url(),
        "--ciphertext-blob",
        "AAAA",
        "--recipient",
        "Attestation=AAAA",
    ]);
    assert_eq!(code(&out), 252, "stderr: {}", stderr(&out));
    assert_eq!(
        stderr(&out),
        "\nParameter validation failed:\nUnknown parameter in Recipient: \"Attestation\", must be one of: KeyEncryptionAlgorithm, AttestationDocument\n"
    );
    // Nothing is sent without a ciphertext (the library's validation).
    let out = run(&["decrypt", "--endpoint-url", &closed_port_url()]);
    assert_eq!(code(&out), 252, "stderr: {}", stderr(&out));
    assert!(stderr(&out).starts_with("\nParameter validation failed:\n"));
}

// ---------------------------------------------------------------- generate-data-key

#[test]
fn generate_data_key_request_and_exact_json_and_text() {
    let server = Loopback::reply(200, &gdk_body());
    let out = run(&args(
        "generate-data-key",
        &server,
        &[
            "--key-id",
            "alias/app",
            "--key-spec",
            "AES_256",
            "--encryption-context",
            "file=a.txt",
            "--grant-tokens",
            "tok1",
            "--no-dry-run",
        ],
    ));
    assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
    assert_eq!(
        stdout(&out),
        format!(
            "{{\n    \"CiphertextBlob\": \"AQIDBA==\",\n    \"Plaintext\": \"{SECRET_B64}\",\n    \"KeyId\": \"{KEY_ARN}\",\n    \"KeyMaterialId\": \"{MATERIAL}\"\n}}\n"
        )
    );
    let req = server.request();
    assert_eq!(
        req.header("x-amz-target"),
        Some("TrentService.GenerateDataKey")
    );
    assert_eq!(
        req.json(),
        json!({
            "KeyId": "alias/app",
            "EncryptionContext": {"file": "a.txt"},
            "KeySpec": "AES_256",
            "GrantTokens": ["tok1"],
            "DryRun": false
        })
    );

    let server = Loopback::reply(200, &gdk_body());
    let out = run(&args(
        "generate-data-key",
        &server,
        &[
            "--key-id",
            "k",
            "--number-of-bytes",
            "24",
            "--output",
            "text",
        ],
    ));
    assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
    assert_eq!(
        stdout(&out),
        format!("AQIDBA==\t{KEY_ARN}\t{MATERIAL}\t{SECRET_B64}\n")
    );
    assert_eq!(
        server.request().json(),
        json!({"KeyId": "k", "NumberOfBytes": 24})
    );
}

#[cfg(unix)]
#[test]
fn generate_data_key_plaintext_out_dash_and_ciphertext_out_path() {
    let dir = tempdir("gdk-a");
    let enc = dir.join("data.key.enc");
    let enc_arg = enc.display().to_string();
    let server = Loopback::reply(200, &gdk_body());
    let out = run(&args(
        "generate-data-key",
        &server,
        &[
            "--key-id",
            "k",
            "--key-spec",
            "AES_256",
            "--plaintext-out",
            "-",
            "--ciphertext-out",
            &enc_arg,
        ],
    ));
    assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
    assert_eq!(out.stdout, SECRET);
    assert_eq!(std::fs::read(&enc).unwrap(), vec![1, 2, 3, 4]);
    assert_eq!(stderr(&out), "");
}

#[cfg(unix)]
#[test]
fn generate_data_key_plaintext_out_path_is_0600_and_ciphertext_out_dash() {
    let dir = tempdir("gdk-b");
    let key = dir.join("data.key");
    let key_arg = key.display().to_string();
    let server = Loopback::reply(200, &gdk_body());
    let out = run(&args(
        "generate-data-key",
        &server,
        &[
            "--key-id",
            "k",
            "--key-spec",
            "AES_256",
            "--plaintext-out",
            &key_arg,
            "--ciphertext-out",
            "-",
        ],
    ));
    assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
    assert_eq!(out.stdout, vec![1, 2, 3, 4]);
    assert_eq!(std::fs::read(&key).unwrap(), SECRET);
    assert_eq!(mode(&key), 0o600);

    // Both to files: stdout has the JSON without either blob.
    let enc_arg = dir.join("data.key.enc").display().to_string();
    let server = Loopback::reply(200, &gdk_body());
    let out = run(&args(
        "generate-data-key",
        &server,
        &[
            "--key-id",
            "k",
            "--key-spec",
            "AES_256",
            "--plaintext-out",
            &key_arg,
            "--ciphertext-out",
            &enc_arg,
        ],
    ));
    assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
    assert_eq!(
        stdout(&out),
        format!("{{\n    \"KeyId\": \"{KEY_ARN}\",\n    \"KeyMaterialId\": \"{MATERIAL}\"\n}}\n")
    );
    assert_eq!(std::fs::read(&enc_arg).unwrap(), vec![1, 2, 3, 4]);
    assert_eq!(mode(&key), 0o600);
    assert_eq!(
        std::fs::read_dir(&dir).unwrap().count(),
        2,
        "no temporary file left"
    );
}

#[test]
fn generate_data_key_plaintext_never_reaches_stderr() {
    let server = Loopback::reply(200, &gdk_body());
    let out = run(&args(
        "generate-data-key",
        &server,
        &["--key-id", "k", "--key-spec", "AES_256", "--debug"],
    ));
    assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
    assert!(stderr(&out).contains("kms-lite debug: request: POST "));
    assert_no_secret(&out.stderr);

    let server = Loopback::reply(200, &gdk_body());
    let out = run(&args(
        "generate-data-key",
        &server,
        &[
            "--key-id",
            "k",
            "--key-spec",
            "AES_256",
            "--debug",
            "--plaintext-out",
            "-",
        ],
    ));
    assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
    assert_eq!(out.stdout, SECRET);
    assert_no_secret(&out.stderr);

    // The ciphertext cannot be written: nothing is written, the plaintext goes nowhere.
    let dir = tempdir("gdk-fail");
    let key = dir.join("data.key");
    let key_arg = key.display().to_string();
    let bad = dir.join("missing").join("x.enc").display().to_string();
    let server = Loopback::reply(200, &gdk_body());
    let out = run(&args(
        "generate-data-key",
        &server,
        &[
            "--key-id",
            "k",
            "--key-spec",
            "AES_256",
            "--debug",
            "--plaintext-out",
            &key_arg,
            "--ciphertext-out",
            &bad,
        ],
    ));
    assert_eq!(code(&out), 255);
    assert!(stderr(&out).contains("cannot write the ciphertext (--ciphertext-out)"));
    assert_no_secret(&out.stderr);
    assert_eq!(out.stdout, b"");
    assert!(!key.exists(), "no plaintext key without its encrypted copy");
}

#[test]
fn generate_data_key_usage_and_validation_errors() {
    assert_usage(
        &["generate-data-key", "--key-spec", "AES_256"],
        "the following arguments are required: --key-id",
    );
    assert_usage(
        &[
            "generate-data-key",
            "--key-id",
            "k",
            "--key-spec",
            "AES_256",
            "--plaintext-out",
            "-",
            "--ciphertext-out",
            "-",
        ],
        "argument --ciphertext-out: not allowed with argument --plaintext-out - \
         (stdout can carry only one of them)",
    );
    assert_usage(
        &[
            "generate-data-key",
            "--key-id",
            "k",
            "--plaintext-out",
            "same",
            "--ciphertext-out",
            "same",
        ],
        "argument --ciphertext-out: not allowed with argument --plaintext-out naming the \
         same file",
    );
    assert_usage(
        &[
            "generate-data-key",
            "--key-id",
            "k",
            "--number-of-bytes",
            "abc",
        ],
        "argument --number-of-bytes: invalid int value: 'abc'",
    );
    assert_usage(
        &[
            "generate-data-key",
            "--key-id",
            "k",
            "--number-of-bytes",
            "-1",
        ],
        "argument --number-of-bytes: invalid int value: '-1'",
    );
    // Both a spec and a size: the library's validation, nothing sent.
    let out = run(&[
        "generate-data-key",
        "--endpoint-url",
        &closed_port_url(),
        "--key-id",
        "k",
        "--key-spec",
        "AES_256",
        "--number-of-bytes",
        "32",
    ]);
    assert_eq!(code(&out), 252, "stderr: {}", stderr(&out));
    assert_eq!(
        stderr(&out),
        "\nParameter validation failed:\nInvalid value for parameter KeySpec: give either KeySpec or NumberOfBytes, not both\n"
    );
    // Neither.
    let out = run(&[
        "generate-data-key",
        "--endpoint-url",
        &closed_port_url(),
        "--key-id",
        "k",
    ]);
    assert_eq!(code(&out), 252, "stderr: {}", stderr(&out));
    assert_eq!(
        stderr(&out),
        "\nParameter validation failed:\nInvalid value for parameter KeySpec: give either KeySpec (AES_256 or AES_128) or NumberOfBytes\n"
    );
    // Out of range.
    let out = run(&[
        "generate-data-key",
        "--endpoint-url",
        &closed_port_url(),
        "--key-id",
        "k",
        "--number-of-bytes",
        "1025",
    ]);
    assert_eq!(code(&out), 252, "stderr: {}", stderr(&out));
    assert!(stderr(&out).contains("NumberOfBytes: 1025 is outside 1..=1024"));
}

#[test]
fn generate_data_key_dry_run_and_service_error() {
    let server = Loopback::reply(412, DRY_RUN_REPLY);
    let out = run(&args(
        "generate-data-key",
        &server,
        &["--key-id", "k", "--key-spec", "AES_128", "--dry-run"],
    ));
    assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
    assert_eq!(stdout(&out), "");
    assert_eq!(stderr(&out), DRY_RUN_LINE);
    assert_eq!(
        server.request().json(),
        json!({"KeyId": "k", "KeySpec": "AES_128", "DryRun": true})
    );

    let server = Loopback::reply(
        400,
        r#"{"__type":"DisabledException","message":"arn:aws:kms:us-east-1:111122223333:key/x is disabled."}"#,
    );
    let out = run(&args(
        "generate-data-key",
        &server,
        &["--key-id", "k", "--key-spec", "AES_256"],
    ));
    assert_eq!(code(&out), 254);
    assert_eq!(
        stderr(&out),
        "\nAn error occurred (DisabledException) when calling the GenerateDataKey operation: arn:aws:kms:us-east-1:111122223333:key/x is disabled.\n"
    );
}

// ---------------------------------------------------------------- generate-data-key-without-plaintext

#[test]
fn generate_data_key_without_plaintext_request_json_and_text() {
    let server = Loopback::reply(200, &gdkwp_body());
    let out = run(&args(
        "generate-data-key-without-plaintext",
        &server,
        &[
            "--key-id",
            "alias/app",
            "--number-of-bytes",
            "64",
            "--encryption-context",
            r#"{"file":"a.txt"}"#,
            "--grant-tokens",
            "t",
        ],
    ));
    assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
    assert_eq!(
        stdout(&out),
        format!(
            "{{\n    \"CiphertextBlob\": \"BQYHCA==\",\n    \"KeyId\": \"{KEY_ARN}\",\n    \"KeyMaterialId\": \"{MATERIAL}\"\n}}\n"
        )
    );
    let req = server.request();
    assert_eq!(
        req.header("x-amz-target"),
        Some("TrentService.GenerateDataKeyWithoutPlaintext")
    );
    assert_eq!(
        req.json(),
        json!({"KeyId": "alias/app", "EncryptionContext": {"file": "a.txt"}, "NumberOfBytes": 64, "GrantTokens": ["t"]})
    );

    let server = Loopback::reply(200, &gdkwp_body());
    let out = run(&args(
        "generate-data-key-without-plaintext",
        &server,
        &["--key-id", "k", "--key-spec", "AES_128", "--output", "text"],
    ));
    assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
    assert_eq!(stdout(&out), format!("BQYHCA==\t{KEY_ARN}\t{MATERIAL}\n"));
    assert_eq!(
        server.request().json(),
        json!({"KeyId": "k", "KeySpec": "AES_128"})
    );
}

#[test]
fn generate_data_key_without_plaintext_ciphertext_out_dash() {
    let server = Loopback::reply(200, &gdkwp_body());
    let out = run(&args(
        "generate-data-key-without-plaintext",
        &server,
        &[
            "--key-id",
            "k",
            "--key-spec",
            "AES_256",
            "--ciphertext-out",
            "-",
        ],
    ));
    assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
    assert_eq!(out.stdout, vec![5, 6, 7, 8]);
}

#[test]
fn generate_data_key_without_plaintext_errors_and_dry_run() {
    assert_usage(
        &[
            "generate-data-key-without-plaintext",
            "--key-spec",
            "AES_256",
        ],
        "the following arguments are required: --key-id",
    );
    assert_usage(
        &[
            "generate-data-key-without-plaintext",
            "--key-id",
            "k",
            "--plaintext-out",
            "-",
        ],
        "argument --plaintext-out: not supported by generate-data-key-without-plaintext",
    );
    assert_usage(
        &[
            "generate-data-key-without-plaintext",
            "--key-id",
            "k",
            "--number-of-bytes",
            "1.5",
        ],
        "argument --number-of-bytes: invalid int value: '1.5'",
    );
    let out = run(&[
        "generate-data-key-without-plaintext",
        "--endpoint-url",
        &closed_port_url(),
        "--key-id",
        "k",
        "--key-spec",
        "AES_256",
        "--number-of-bytes",
        "32",
    ]);
    assert_eq!(code(&out), 252, "stderr: {}", stderr(&out));
    assert_eq!(
        stderr(&out),
        "\nParameter validation failed:\nInvalid value for parameter KeySpec: give either KeySpec or NumberOfBytes, not both\n"
    );

    let server = Loopback::reply(412, DRY_RUN_REPLY);
    let out = run(&args(
        "generate-data-key-without-plaintext",
        &server,
        &["--key-id", "k", "--key-spec", "AES_256", "--dry-run"],
    ));
    assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
    assert_eq!(stderr(&out), DRY_RUN_LINE);

    let server = Loopback::reply(
        400,
        r#"{"__type":"InvalidKeyUsageException","message":"KeyUsage SIGN_VERIFY is not compatible with GenerateDataKeyWithoutPlaintext"}"#,
    );
    let out = run(&args(
        "generate-data-key-without-plaintext",
        &server,
        &["--key-id", "k", "--key-spec", "AES_256"],
    ));
    assert_eq!(code(&out), 254);
    assert_eq!(
        stderr(&out),
        "\nAn error occurred (InvalidKeyUsageException) when calling the GenerateDataKeyWithoutPlaintext operation: KeyUsage SIGN_VERIFY is not compatible with GenerateDataKeyWithoutPlaintext\n"
    );
}
