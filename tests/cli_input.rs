//! Input skeletons as the AWS CLI v2 has them: `--generate-cli-skeleton [input|output]` and
//! `--cli-input-json JSON|file://PATH`, merged with the options on the command line (they win)
//! and checked against the operation's members with botocore's messages.

mod common;

use common::loopback::{Loopback, Reply, Server, closed_port_url};
use common::{BASE_ENV, code, run, run_with, stderr, stdout, tempdir};
use serde_json::json;

/// Runs with no environment at all: no region, no credentials. Anything that needed them (a
/// request) fails, so a success proves nothing was sent.
fn offline(args: &[&str]) -> std::process::Output {
    run_with(args, &[], b"")
}

const RE_ENCRYPT_SKELETON: &str = r#"{
    "CiphertextBlob": null,
    "SourceEncryptionContext": {
        "KeyName": ""
    },
    "SourceKeyId": "",
    "DestinationKeyId": "",
    "DestinationEncryptionContext": {
        "KeyName": ""
    },
    "SourceEncryptionAlgorithm": "SYMMETRIC_DEFAULT",
    "DestinationEncryptionAlgorithm": "SYMMETRIC_DEFAULT",
    "GrantTokens": [
        ""
    ],
    "DryRun": true,
    "DryRunModifiers": [
        "IGNORE_CIPHERTEXT"
    ]
}
"#;

#[test]
fn input_skeletons_of_every_operation_command() {
    let cases: &[(&str, &str)] = &[
        (
            "encrypt",
            r#"{
    "KeyId": "",
    "Plaintext": null,
    "EncryptionContext": {
        "KeyName": ""
    },
    "GrantTokens": [
        ""
    ],
    "EncryptionAlgorithm": "SYMMETRIC_DEFAULT",
    "DryRun": true
}
"#,
        ),
        (
            "decrypt",
            r#"{
    "CiphertextBlob": null,
    "EncryptionContext": {
        "KeyName": ""
    },
    "GrantTokens": [
        ""
    ],
    "KeyId": "",
    "EncryptionAlgorithm": "SYMMETRIC_DEFAULT",
    "Recipient": {
        "KeyEncryptionAlgorithm": "RSAES_OAEP_SHA_256",
        "AttestationDocument": null
    },
    "DryRun": true,
    "DryRunModifiers": [
        "IGNORE_CIPHERTEXT"
    ]
}
"#,
        ),
        (
            "generate-data-key",
            r#"{
    "KeyId": "",
    "EncryptionContext": {
        "KeyName": ""
    },
    "NumberOfBytes": 0,
    "KeySpec": "AES_256",
    "GrantTokens": [
        ""
    ],
    "Recipient": {
        "KeyEncryptionAlgorithm": "RSAES_OAEP_SHA_256",
        "AttestationDocument": null
    },
    "DryRun": true
}
"#,
        ),
        (
            "generate-data-key-without-plaintext",
            r#"{
    "KeyId": "",
    "EncryptionContext": {
        "KeyName": ""
    },
    "KeySpec": "AES_256",
    "NumberOfBytes": 0,
    "GrantTokens": [
        ""
    ],
    "DryRun": true
}
"#,
        ),
        ("re-encrypt", RE_ENCRYPT_SKELETON),
        // The batch's members: those of its request options, the same for every item.
        (
            "re-encrypt-batch",
            r#"{
    "SourceEncryptionContext": {
        "KeyName": ""
    },
    "SourceKeyId": "",
    "DestinationKeyId": "",
    "DestinationEncryptionContext": {
        "KeyName": ""
    },
    "SourceEncryptionAlgorithm": "SYMMETRIC_DEFAULT",
    "DestinationEncryptionAlgorithm": "SYMMETRIC_DEFAULT",
    "GrantTokens": [
        ""
    ]
}
"#,
        ),
    ];
    for (command, skeleton) in cases {
        for form in [
            &[*command, "--generate-cli-skeleton"][..],
            &[*command, "--generate-cli-skeleton", "input"],
            &["--generate-cli-skeleton=input", command],
        ] {
            let out = offline(form);
            assert_eq!(code(&out), 0, "{form:?}: {}", stderr(&out));
            assert_eq!(stdout(&out), *skeleton, "{form:?}");
            assert_eq!(stderr(&out), "");
        }
    }
}

#[test]
fn an_input_skeleton_ignores_the_other_options_and_reads_nothing() {
    // Required options left out, values not read (stdin would block), an output format: the
    // same skeleton.
    let out = offline(&[
        "re-encrypt",
        "--ciphertext-blob",
        "-",
        "--source-encryption-context",
        "file:///nonexistent/ctx.json",
        "--output",
        "text",
        "--generate-cli-skeleton",
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(stdout(&out), RE_ENCRYPT_SKELETON);
    // An unknown option is still an error.
    let out = offline(&["re-encrypt", "--generate-cli-skeleton", "--bogus"]);
    assert_eq!(code(&out), 252);
    assert!(
        stderr(&out).ends_with("\nkms-lite: error: Unknown options: --bogus\n"),
        "{}",
        stderr(&out)
    );
    let out = offline(&["re-encrypt", "--generate-cli-skeleton", "yaml-input"]);
    assert_eq!(code(&out), 252);
    assert!(stderr(&out).ends_with(
        "\nkms-lite: error: argument --generate-cli-skeleton: Invalid choice, valid choices are: input | output\n"
    ));
}

#[test]
fn output_skeletons_print_a_sample_response_in_the_chosen_format() {
    let args = [
        "re-encrypt",
        "--destination-key-id",
        "k",
        "--generate-cli-skeleton",
        "output",
    ];
    let out = offline(&args);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        r#"{
    "CiphertextBlob": "CiphertextBlob",
    "SourceKeyId": "SourceKeyId",
    "KeyId": "KeyId",
    "SourceEncryptionAlgorithm": "SourceEncryptionAlgorithm",
    "DestinationEncryptionAlgorithm": "DestinationEncryptionAlgorithm",
    "SourceKeyMaterialId": "SourceKeyMaterialId",
    "DestinationKeyMaterialId": "DestinationKeyMaterialId"
}
"#
    );
    let mut text = args.to_vec();
    text.extend(["--output", "text"]);
    assert_eq!(
        stdout(&offline(&text)),
        "CiphertextBlob\tDestinationEncryptionAlgorithm\tDestinationKeyMaterialId\tKeyId\tSourceEncryptionAlgorithm\tSourceKeyId\tSourceKeyMaterialId\n"
    );
    let mut query = args.to_vec();
    query.extend(["--query", "[KeyId,SourceKeyId]", "--output", "text"]);
    assert_eq!(stdout(&offline(&query)), "KeyId\tSourceKeyId\n");

    let cases: &[(&[&str], &str)] = &[
        (
            &["encrypt", "--key-id", "k", "--plaintext", "AAAA"],
            "{\n    \"CiphertextBlob\": \"CiphertextBlob\",\n    \"KeyId\": \"KeyId\",\n    \"EncryptionAlgorithm\": \"EncryptionAlgorithm\"\n}\n",
        ),
        (
            &["decrypt", "--ciphertext-blob", "AAAA"],
            "{\n    \"KeyId\": \"KeyId\",\n    \"Plaintext\": \"Plaintext\",\n    \"EncryptionAlgorithm\": \"EncryptionAlgorithm\",\n    \"CiphertextForRecipient\": \"CiphertextForRecipient\",\n    \"KeyMaterialId\": \"KeyMaterialId\"\n}\n",
        ),
        (
            &[
                "generate-data-key",
                "--key-id",
                "k",
                "--key-spec",
                "AES_256",
            ],
            "{\n    \"CiphertextBlob\": \"CiphertextBlob\",\n    \"Plaintext\": \"Plaintext\",\n    \"KeyId\": \"KeyId\",\n    \"CiphertextForRecipient\": \"CiphertextForRecipient\",\n    \"KeyMaterialId\": \"KeyMaterialId\"\n}\n",
        ),
        (
            &["generate-data-key-without-plaintext", "--key-id", "k"],
            "{\n    \"CiphertextBlob\": \"CiphertextBlob\",\n    \"KeyId\": \"KeyId\",\n    \"KeyMaterialId\": \"KeyMaterialId\"\n}\n",
        ),
    ];
    for (args, expected) in cases {
        let mut all = args.to_vec();
        all.extend(["--generate-cli-skeleton", "output"]);
        let out = offline(&all);
        assert_eq!(code(&out), 0, "{args:?}: {}", stderr(&out));
        assert_eq!(stdout(&out), *expected, "{args:?}");
    }
}

#[test]
fn an_output_skeleton_checks_the_options_as_a_real_run_does() {
    let out = offline(&["re-encrypt", "--generate-cli-skeleton", "output"]);
    assert_eq!(code(&out), 252);
    assert!(stderr(&out).ends_with(
        "\nkms-lite: error: the following arguments are required: --destination-key-id\n"
    ));
    let out = offline(&[
        "re-encrypt",
        "--destination-key-id",
        "k",
        "--ciphertext-blob",
        "AA-A",
        "--generate-cli-skeleton",
        "output",
    ]);
    assert_eq!(code(&out), 252);
    assert!(
        stderr(&out).starts_with("\nError parsing parameter '--ciphertext-blob': Invalid base64: "),
        "{}",
        stderr(&out)
    );
    let out = offline(&[
        "re-encrypt",
        "--cli-input-json",
        r#"{"Bogus": 1}"#,
        "--generate-cli-skeleton",
        "output",
    ]);
    assert_eq!(code(&out), 252);
    assert!(stderr(&out).starts_with(
        "\nParameter validation failed:\nMissing required parameter in input: \"DestinationKeyId\"\nUnknown parameter in input: \"Bogus\", must be one of: "
    ));
    // The batch prints no response.
    let out = offline(&[
        "re-encrypt-batch",
        "--destination-key-id",
        "k",
        "--input",
        "-",
        "--generate-cli-skeleton",
        "output",
    ]);
    assert_eq!(code(&out), 252);
    assert!(stderr(&out).ends_with(
        "\nkms-lite: error: argument --generate-cli-skeleton: re-encrypt-batch prints no response; only input is available\n"
    ));
}

const OK_BODY: &str =
    r#"{"CiphertextBlob":"AQIDBA==","KeyId":"arn:aws:kms:us-east-1:111122223333:key/new"}"#;
const OK_JSON: &str = "{\n    \"CiphertextBlob\": \"AQIDBA==\",\n    \"KeyId\": \"arn:aws:kms:us-east-1:111122223333:key/new\"\n}\n";

fn re_encrypt(server: &Loopback, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["re-encrypt", "--endpoint-url", server.url.as_str()];
    args.extend_from_slice(extra);
    run(&args)
}

#[test]
fn cli_input_json_sends_every_member_and_blobs_are_base64() {
    let input = json!({
        "CiphertextBlob": "3q2+7w==",
        "SourceEncryptionContext": {"purpose": "backup"},
        "SourceKeyId": "alias/old",
        "DestinationKeyId": "alias/new",
        "DestinationEncryptionContext": {"purpose": "archive", "n": "1"},
        "SourceEncryptionAlgorithm": "SYMMETRIC_DEFAULT",
        "DestinationEncryptionAlgorithm": "RSAES_OAEP_SHA_256",
        "GrantTokens": ["tok1", "tok2"],
        "DryRun": false
    });
    let server = Loopback::reply(200, OK_BODY);
    let out = re_encrypt(&server, &["--cli-input-json", &input.to_string()]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(stdout(&out), OK_JSON);
    assert_eq!(server.request().json(), input);

    // From a file, the same.
    let dir = tempdir("file");
    let path = dir.join("call.json");
    std::fs::write(&path, serde_json::to_vec_pretty(&input).unwrap()).unwrap();
    let arg = format!("file://{}", path.display());
    let server = Loopback::reply(200, OK_BODY);
    let out = re_encrypt(&server, &["--cli-input-json", &arg]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(server.request().json(), input);
}

#[test]
fn options_on_the_command_line_win_over_the_json() {
    let input = json!({
        "DestinationKeyId": "alias/json",
        "SourceKeyId": "alias/json-source",
        "GrantTokens": ["json-token"],
        "DestinationEncryptionContext": {"from": "json", "other": "x"},
        "DryRun": true
    });
    let server = Loopback::reply(200, OK_BODY);
    let out = re_encrypt(
        &server,
        &[
            "--destination-key-id",
            "alias/cli",
            "--cli-input-json",
            &input.to_string(),
            "--ciphertext-blob",
            "AAAA",
            "--grant-tokens",
            "cli-token",
            "--destination-encryption-context",
            "from=cli",
            "--no-dry-run",
        ],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    // A member is taken whole from one side: the contexts are not merged key by key.
    assert_eq!(
        server.request().json(),
        json!({
            "CiphertextBlob": "AAAA",
            "SourceKeyId": "alias/json-source",
            "DestinationKeyId": "alias/cli",
            "DestinationEncryptionContext": {"from": "cli"},
            "GrantTokens": ["cli-token"],
            "DryRun": false
        })
    );
}

/// Runs with `--cli-input-json JSON` against a closed port: a usage error is all there is.
fn rejected(command: &[&str], json: &str) -> String {
    let url = closed_port_url();
    let mut args = command.to_vec();
    args.extend(["--endpoint-url", &url, "--cli-input-json", json]);
    let out = run(&args);
    assert_eq!(code(&out), 252, "{}", stderr(&out));
    assert_eq!(stdout(&out), "");
    stderr(&out)
}

#[test]
fn unknown_members_are_botocores_error() {
    assert_eq!(
        rejected(
            &["re-encrypt"],
            r#"{"DestinationKeyId": "k", "Destination": "x"}"#
        ),
        "\nParameter validation failed:\nUnknown parameter in input: \"Destination\", must be one of: CiphertextBlob, SourceEncryptionContext, SourceKeyId, DestinationKeyId, DestinationEncryptionContext, SourceEncryptionAlgorithm, DestinationEncryptionAlgorithm, GrantTokens, DryRun, DryRunModifiers\n"
    );
    // The batch takes only the members every item shares.
    let out = run_with(
        &[
            "re-encrypt-batch",
            "--input",
            "-",
            "--endpoint-url",
            &closed_port_url(),
            "--cli-input-json",
            r#"{"DestinationKeyId": "k", "CiphertextBlob": "AAAA", "DryRun": true}"#,
        ],
        BASE_ENV,
        b"AAAA\n",
    );
    assert_eq!(code(&out), 252, "{}", stderr(&out));
    let must_be = "must be one of: SourceEncryptionContext, SourceKeyId, DestinationKeyId, DestinationEncryptionContext, SourceEncryptionAlgorithm, DestinationEncryptionAlgorithm, GrantTokens";
    assert_eq!(
        stderr(&out),
        format!(
            "\nParameter validation failed:\nUnknown parameter in input: \"CiphertextBlob\", {must_be}\nUnknown parameter in input: \"DryRun\", {must_be}\n"
        )
    );
    // In a structure, with its own members.
    assert_eq!(
        rejected(
            &["decrypt"],
            r#"{"CiphertextBlob": "AAAA", "Recipient": {"AttestationDocument": "AAAA", "Document": "x"}}"#
        ),
        "\nParameter validation failed:\nUnknown parameter in Recipient: \"Document\", must be one of: KeyEncryptionAlgorithm, AttestationDocument\n"
    );
}

#[test]
fn wrong_types_and_missing_members_are_botocores_errors_without_the_values() {
    let err = rejected(
        &["re-encrypt"],
        r#"{"DestinationKeyId": 5, "GrantTokens": "secret-token", "SourceEncryptionContext": {"a": 1, "b": "ok"}, "DryRun": "yes", "CiphertextBlob": null, "DryRunModifiers": [true]}"#,
    );
    assert_eq!(
        err,
        "\nParameter validation failed:\n\
         Invalid type for parameter DestinationKeyId, type: <class 'int'>, valid types: <class 'str'>\n\
         Invalid type for parameter GrantTokens, type: <class 'str'>, valid types: <class 'list'>, <class 'tuple'>\n\
         Invalid type for parameter SourceEncryptionContext.a, type: <class 'int'>, valid types: <class 'str'>\n\
         Invalid type for parameter DryRun, type: <class 'str'>, valid types: <class 'bool'>\n\
         Invalid type for parameter CiphertextBlob, type: <class 'NoneType'>, valid types: <class 'bytes'>, <class 'bytearray'>, file-like object\n\
         Invalid type for parameter DryRunModifiers[0], type: <class 'bool'>, valid types: <class 'str'>\n"
    );
    assert!(!err.contains("secret-token"));
    assert_eq!(
        rejected(&["encrypt"], r#"{"KeyId": "k"}"#),
        "\nParameter validation failed:\nMissing required parameter in input: \"Plaintext\"\n"
    );
    assert_eq!(
        rejected(
            &["generate-data-key", "--key-id", "k"],
            r#"{"NumberOfBytes": -1}"#
        ),
        "\nParameter validation failed:\nInvalid value for parameter NumberOfBytes, value: -1, valid min value: 1\n"
    );
    assert_eq!(
        rejected(
            &["generate-data-key", "--key-id", "k"],
            r#"{"NumberOfBytes": 1.5}"#
        ),
        "\nParameter validation failed:\nInvalid type for parameter NumberOfBytes, type: <class 'float'>, valid types: <class 'int'>\n"
    );
}

#[test]
fn bad_json_input_is_the_aws_cli_parameter_error() {
    assert_eq!(
        rejected(&["re-encrypt"], "{\"DestinationKeyId\": "),
        "\nError parsing parameter 'cli-input-json': Invalid JSON received (line 1, column 21).\n"
    );
    assert_eq!(
        rejected(&["re-encrypt"], r#"["DestinationKeyId"]"#),
        "\nError parsing parameter 'cli-input-json': Invalid type: expecting map, received <class 'list'>\n"
    );
    assert_eq!(
        rejected(&["re-encrypt"], "file:///nonexistent/kms-lite/call.json"),
        "\nError parsing parameter 'cli-input-json': Unable to load paramfile file:///nonexistent/kms-lite/call.json: No such file or directory (os error 2)\n"
    );
    let err = rejected(
        &["re-encrypt"],
        r#"{"DestinationKeyId": "k", "CiphertextBlob": "TOPSECRET-AA"}"#,
    );
    assert!(
        err.starts_with(
            "\nError parsing parameter 'cli-input-json': Invalid base64 in CiphertextBlob: "
        ),
        "{err}"
    );
    assert!(!err.contains("TOPSECRET"), "{err}");
    // The same check for a blob given on the command line in a structure.
    let err = rejected(
        &["decrypt", "--recipient", "AttestationDocument=SECRET-A"],
        r#"{"CiphertextBlob": "AAAA"}"#,
    );
    assert!(
        err.starts_with(
            "\nError parsing parameter '--recipient': Invalid base64 in Recipient.AttestationDocument: "
        ),
        "{err}"
    );
    assert!(!err.contains("SECRET"), "{err}");
}

#[test]
fn the_binary_format_applies_to_blobs_in_the_json() {
    let server = Loopback::reply(200, r#"{"CiphertextBlob":"AQID","KeyId":"k"}"#);
    let out = run(&[
        "encrypt",
        "--endpoint-url",
        &server.url,
        "--cli-binary-format",
        "raw-in-base64-out",
        "--cli-input-json",
        r#"{"KeyId": "alias/app", "Plaintext": "hello", "EncryptionContext": {"k": "v"}}"#,
        "--query",
        "KeyId",
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(stdout(&out), "\"k\"\n");
    assert_eq!(
        server.request().json(),
        json!({"KeyId": "alias/app", "Plaintext": "aGVsbG8=", "EncryptionContext": {"k": "v"}})
    );
}

#[test]
fn a_filled_in_skeleton_runs() {
    let out = offline(&["decrypt", "--generate-cli-skeleton"]);
    let mut skeleton: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let obj = skeleton.as_object_mut().unwrap();
    obj.insert("CiphertextBlob".into(), json!("AQIDBA=="));
    obj.insert("EncryptionContext".into(), json!({"purpose": "test"}));
    obj.insert("GrantTokens".into(), json!(["t1"]));
    obj.insert("KeyId".into(), json!("alias/app"));
    obj.insert(
        "Recipient".into(),
        json!({"KeyEncryptionAlgorithm": "RSAES_OAEP_SHA_256", "AttestationDocument": "AAEC"}),
    );
    obj.insert("DryRun".into(), json!(false));
    obj.remove("DryRunModifiers");
    let dir = tempdir("filled");
    let path = dir.join("decrypt.json");
    std::fs::write(&path, serde_json::to_vec(&skeleton).unwrap()).unwrap();
    let server = Loopback::reply(
        200,
        r#"{"KeyId":"arn:aws:kms:us-east-1:111122223333:key/k","CiphertextForRecipient":"BQY=","EncryptionAlgorithm":"SYMMETRIC_DEFAULT"}"#,
    );
    let arg = format!("file://{}", path.display());
    let out = run(&[
        "decrypt",
        "--endpoint-url",
        &server.url,
        "--cli-input-json",
        &arg,
        "--output",
        "text",
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "BQY=\tSYMMETRIC_DEFAULT\tarn:aws:kms:us-east-1:111122223333:key/k\n"
    );
    assert_eq!(server.request().json(), skeleton);
}

#[test]
fn plaintext_out_with_a_recipient_from_the_json_is_refused() {
    let out = run(&[
        "decrypt",
        "--endpoint-url",
        &closed_port_url(),
        "--plaintext-out",
        "p.bin",
        "--cli-input-json",
        r#"{"CiphertextBlob": "AAAA", "Recipient": {"AttestationDocument": "AAEC"}}"#,
    ]);
    assert_eq!(code(&out), 252, "{}", stderr(&out));
    assert!(stderr(&out).ends_with(
        "\nkms-lite: error: argument --plaintext-out: not allowed with argument --recipient (the plaintext comes back only encrypted for the recipient, as CiphertextForRecipient)\n"
    ));
}

#[test]
fn the_batch_takes_its_shared_request_members_from_the_json() {
    let server = Server::start(|req| {
        Reply::ok(json!({"CiphertextBlob": req.json()["CiphertextBlob"], "KeyId": "k"}).to_string())
    });
    let out = run_with(
        &[
            "re-encrypt-batch",
            "--endpoint-url",
            &server.url,
            "--input",
            "-",
            "--source-key-id",
            "alias/cli-source",
            "--cli-input-json",
            r#"{"DestinationKeyId": "alias/json", "SourceKeyId": "alias/json-source", "DestinationEncryptionContext": {"k": "v"}}"#,
        ],
        BASE_ENV,
        b"AAAA\nAQID\n",
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(stdout(&out), "AAAA\nAQID\n");
    let mut bodies: Vec<serde_json::Value> = server
        .arrivals()
        .into_iter()
        .map(|a| a.request.json())
        .collect();
    bodies.sort_by_key(|b| b["CiphertextBlob"].as_str().unwrap_or_default().to_owned());
    assert_eq!(
        bodies,
        ["AAAA", "AQID"].map(|blob| json!({
            "CiphertextBlob": blob,
            "SourceKeyId": "alias/cli-source",
            "DestinationKeyId": "alias/json",
            "DestinationEncryptionContext": {"k": "v"}
        }))
    );
}

#[test]
fn hostile_json_inputs_are_bounded_errors() {
    // Nesting deep enough to overflow a naive recursive reader.
    let dir = tempdir("hostile");
    let deep = dir.join("deep.json");
    let nested = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    std::fs::write(&deep, format!("{{\"DestinationKeyId\": {nested}}}")).unwrap();
    let err = rejected(&["re-encrypt"], &format!("file://{}", deep.display()));
    assert!(
        err.starts_with(
            "\nError parsing parameter 'cli-input-json': Invalid JSON received (line 1, column "
        ),
        "{err}"
    );
    // An endless file: read up to the cap, then refused.
    assert_eq!(
        rejected(&["re-encrypt"], "file:///dev/zero"),
        "\nError parsing parameter 'cli-input-json': file:///dev/zero holds more than 1048576 bytes\n"
    );
    // A directory.
    let arg = format!("file://{}", dir.display());
    let err = rejected(&["re-encrypt"], &arg);
    assert!(
        err.starts_with(&format!(
            "\nError parsing parameter 'cli-input-json': Unable to read {arg}: "
        )),
        "{err}"
    );
}

/// A member name from the JSON is echoed as botocore does, with its control characters
/// escaped: a hostile input file cannot drive the terminal through the message.
#[test]
fn member_names_from_the_json_are_echoed_escaped() {
    let err = rejected(
        &["re-encrypt"],
        r#"{"DestinationKeyId": "k", "\u001b]0;owned\u0007": 1, "SourceEncryptionContext": {"\u001b[2J\u009b": 1}, "DryRunModifiers": {"\u202e": 1}}"#,
    );
    assert_eq!(
        err,
        "\nParameter validation failed:\n\
         Unknown parameter in input: \"\\u{1b}]0;owned\\u{7}\", must be one of: CiphertextBlob, \
         SourceEncryptionContext, SourceKeyId, DestinationKeyId, DestinationEncryptionContext, \
         SourceEncryptionAlgorithm, DestinationEncryptionAlgorithm, GrantTokens, DryRun, \
         DryRunModifiers\n\
         Invalid type for parameter SourceEncryptionContext.\\u{1b}[2J\\u{9b}, type: <class 'int'>, \
         valid types: <class 'str'>\n\
         Invalid type for parameter DryRunModifiers, type: <class 'dict'>, valid types: <class \
         'list'>, <class 'tuple'>\n"
    );
    // In a structure.
    let err = rejected(
        &["decrypt"],
        r#"{"CiphertextBlob": "AAAA", "Recipient": {"\u001b[31m": 1}}"#,
    );
    assert_eq!(
        err,
        "\nParameter validation failed:\nUnknown parameter in Recipient: \"\\u{1b}[31m\", must \
         be one of: KeyEncryptionAlgorithm, AttestationDocument\n"
    );
}

/// A paramfile's path is echoed in every message about it with its control characters
/// escaped: a script that builds `fileb://NAME` from a hostile file name cannot drive the
/// terminal through the error.
#[test]
fn paramfile_paths_are_echoed_escaped() {
    let dir = tempdir("paramfile-names");
    let name = "x\u{1b}]0;owned\u{7}\u{9b}2J";
    let shown = format!("{}/x\\u{{1b}}]0;owned\\u{{7}}\\u{{9b}}2J", dir.display());
    let missing = format!("{}/{name}", dir.display());
    let url = closed_port_url();
    let decrypt = |blob: &str, extra: &[&str]| {
        let mut args = vec!["decrypt", "--endpoint-url", &url, "--ciphertext-blob", blob];
        args.extend_from_slice(extra);
        let out = run(&args);
        assert_eq!(code(&out), 252, "{}", stderr(&out));
        stderr(&out)
    };
    let no_file = "No such file or directory (os error 2)";
    for prefix in ["fileb://", "file://"] {
        assert_eq!(
            decrypt(&format!("{prefix}{missing}"), &[]),
            format!(
                "\nError parsing parameter '--ciphertext-blob': Unable to load paramfile \
                 {prefix}{shown}: {no_file}\n"
            )
        );
    }
    assert_eq!(
        decrypt(
            "AAAA",
            &["--encryption-context", &format!("file://{missing}")]
        ),
        format!(
            "\nError parsing parameter '--encryption-context': Unable to load paramfile \
             file://{shown}: {no_file}\n"
        )
    );
    assert_eq!(
        decrypt("AAAA", &["--cli-input-json", &format!("file://{missing}")]),
        format!(
            "\nError parsing parameter 'cli-input-json': Unable to load paramfile \
             file://{shown}: {no_file}\n"
        )
    );
    // A file that exists but holds bad text.
    std::fs::write(&missing, b"AA\xffA").unwrap();
    assert_eq!(
        decrypt(&format!("file://{missing}"), &[]),
        format!(
            "\nError parsing parameter '--ciphertext-blob': Invalid base64 in file://{shown} at \
             offset 2 of the file (line breaks removed: invalid base64 character 0xff at offset 2)\n"
        )
    );
    assert_eq!(
        decrypt(
            "AAAA",
            &["--encryption-context", &format!("file://{missing}")]
        ),
        format!(
            "\nError parsing parameter '--encryption-context': file://{shown} is not UTF-8 text \
             (offset 2)\n"
        )
    );
    let _ = std::fs::remove_dir_all(&dir);
}
