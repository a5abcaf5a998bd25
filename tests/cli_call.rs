//! `kms-lite call OPERATION --cli-input-json JSON|file://PATH` against a loopback server: the
//! request sent (target, body as given, signed), the output printed through `--output` and
//! `--query`, an empty output printing nothing, the exit codes, and plaintext outputs printed
//! only on stdout.

mod common;

use common::loopback::{Loopback, Reply, Server, closed_port_url};
use common::{BASE_ENV, code, run, run_with, stderr, stdout, tempdir};
use serde_json::json;

const KEY_ARN: &str = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
/// A plaintext no other text in these tests holds, in base64.
const SECRET_B64: &str = "VE9QU0VDUkVULXBsYWludGV4dC0wMTIz";

fn call<'a>(server_url: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut v = vec!["call", "--endpoint-url", server_url];
    v.extend_from_slice(extra);
    v
}

#[test]
fn the_input_is_sent_as_given_and_the_output_printed() {
    let server = Loopback::reply(
        200,
        &json!({"KeyMetadata": {"KeyId": "1234", "Arn": KEY_ARN, "KeyState": "Enabled"}})
            .to_string(),
    );
    let out = run(&call(
        &server.url,
        &[
            "DescribeKey",
            "--cli-input-json",
            r#"{"KeyId": "alias/app", "GrantTokens": ["t"], "Limit": 1.0}"#,
        ],
    ));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        format!(
            "{{\n    \"KeyMetadata\": {{\n        \"Arn\": \"{KEY_ARN}\",\n        \"KeyId\": \"1234\",\n        \"KeyState\": \"Enabled\"\n    }}\n}}\n"
        )
    );
    let request = server.request();
    assert_eq!(
        request.header("x-amz-target"),
        Some("TrentService.DescribeKey")
    );
    assert_eq!(
        request.header("content-type"),
        Some("application/x-amz-json-1.1")
    );
    assert!(
        request
            .header("authorization")
            .is_some_and(|a| a.contains("SignedHeaders=content-type;host;x-amz-date;x-amz-target")),
        "{request:?}"
    );
    // Members sorted by name; numbers keep their form.
    assert_eq!(
        String::from_utf8(request.body).unwrap(),
        r#"{"GrantTokens":["t"],"KeyId":"alias/app","Limit":1.0}"#
    );
}

#[test]
fn query_output_formats_and_file_input_apply() {
    let dir = tempdir("call-file");
    let input = dir.join("create.json");
    std::fs::write(
        &input,
        r#"{"Description": "app key", "KeyUsage": "SIGN_VERIFY"}"#,
    )
    .unwrap();
    let file_arg = format!("file://{}", input.display());
    let body = json!({"KeyMetadata": {"KeyId": "1234", "Arn": KEY_ARN}}).to_string();
    let server = Loopback::reply(200, &body);
    let out = run(&call(
        &server.url,
        &[
            "CreateKey",
            "--cli-input-json",
            &file_arg,
            "--query",
            "KeyMetadata.Arn",
            "--output",
            "text",
        ],
    ));
    assert_eq!((code(&out), stdout(&out)), (0, format!("{KEY_ARN}\n")));
    assert_eq!(
        server.request().json(),
        json!({"Description": "app key", "KeyUsage": "SIGN_VERIFY"})
    );
    // No --cli-input-json: the input is {}.
    let server = Loopback::reply(
        200,
        r#"{"Keys": [{"KeyId": "k1"}, {"KeyId": "k2"}], "Truncated": false}"#,
    );
    let out = run(&call(&server.url, &["ListKeys", "--output", "yaml"]));
    assert_eq!(
        stdout(&out),
        "Keys:\n- KeyId: k1\n- KeyId: k2\nTruncated: false\n"
    );
    assert_eq!(server.request().body, b"{}");
}

#[test]
fn an_output_without_members_prints_nothing() {
    for body in ["", "{}", "null"] {
        let server = Loopback::reply(200, body);
        let out = run(&call(
            &server.url,
            &[
                "CreateAlias",
                "--cli-input-json",
                r#"{"AliasName": "alias/app", "TargetKeyId": "1234"}"#,
            ],
        ));
        assert_eq!(
            (code(&out), stdout(&out), stderr(&out)),
            (0, String::new(), String::new()),
            "{body:?}"
        );
        assert_eq!(
            server.request().header("x-amz-target"),
            Some("TrentService.CreateAlias")
        );
    }
    // A query still prints what it selects, as in the AWS CLI.
    let server = Loopback::reply(200, "");
    let out = run(&call(&server.url, &["EnableKey", "--query", "KeyId"]));
    assert_eq!(stdout(&out), "null\n");
}

#[test]
fn plaintext_outputs_go_to_stdout_only() {
    let server = Loopback::reply(200, &json!({"Plaintext": SECRET_B64}).to_string());
    let mut args = call(
        &server.url,
        &[
            "GenerateRandom",
            "--cli-input-json",
            r#"{"NumberOfBytes": 24}"#,
        ],
    );
    args.push("--debug");
    let out = run(&args);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        format!("{{\n    \"Plaintext\": \"{SECRET_B64}\"\n}}\n")
    );
    assert!(stderr(&out).contains("x-amz-target: TrentService.GenerateRandom"));
    assert!(!stderr(&out).contains(SECRET_B64), "{}", stderr(&out));
    assert!(!stderr(&out).contains("TOPSECRET"));
}

#[test]
fn errors_and_exit_codes_are_the_other_commands() {
    // A service error names the operation (254).
    let server = Loopback::reply(
        400,
        &json!({"__type": "NotFoundException", "message": "Key 'x' does not exist"}).to_string(),
    );
    let out = run(&call(
        &server.url,
        &[
            "ScheduleKeyDeletion",
            "--cli-input-json",
            r#"{"KeyId": "x"}"#,
        ],
    ));
    assert_eq!(code(&out), 254);
    assert_eq!(
        stderr(&out),
        "\nAn error occurred (NotFoundException) when calling the ScheduleKeyDeletion operation: Key 'x' does not exist\n"
    );
    assert_eq!(stdout(&out), "");
    // A dry run that would have succeeded says so and exits 0.
    let server = Loopback::reply(
        412,
        &json!({"__type": "DryRunOperationException", "message": "The request would have succeeded, but the DryRun option is set."}).to_string(),
    );
    let out = run(&call(
        &server.url,
        &[
            "CreateGrant",
            "--cli-input-json",
            r#"{"KeyId": "k", "DryRun": true}"#,
        ],
    ));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(
        stderr(&out),
        "Dry run succeeded: The request would have succeeded, but the DryRun option is set.\n"
    );
    // Retried like the others: throttled twice, then answered.
    let answers = std::sync::atomic::AtomicUsize::new(0);
    let server =
        Server::start(
            move |_| match answers.fetch_add(1, std::sync::atomic::Ordering::SeqCst) {
                0 | 1 => Reply::error(400, "ThrottlingException", "Rate exceeded"),
                _ => Reply::ok(r#"{"KeyId": "k"}"#),
            },
        );
    let env: Vec<_> = BASE_ENV
        .iter()
        .copied()
        .filter(|(k, _)| *k != "AWS_MAX_ATTEMPTS")
        .collect();
    let out = run_with(
        &call(
            &server.url,
            &["GetPublicKey", "--query", "KeyId", "--output", "text"],
        ),
        &env,
        b"",
    );
    assert_eq!(
        (code(&out), stdout(&out)),
        (0, "k\n".to_owned()),
        "{}",
        stderr(&out)
    );
    assert_eq!(server.arrivals().len(), 3);
}

#[test]
fn bad_command_lines_fail_before_anything_is_sent() {
    let nowhere = closed_port_url();
    let usage = |args: &[&str], message: &str| {
        let out = run(args);
        assert_eq!(code(&out), 252, "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(message), "{args:?}: {}", stderr(&out));
        assert_eq!(stdout(&out), "");
    };
    usage(
        &call(&nowhere, &["Decript"]),
        "kms-lite: error: argument operation: Invalid choice, valid choices are: CancelKeyDeletion | ConnectCustomKeyStore | CreateAlias | CreateCustomKeyStore | CreateGrant | CreateKey | Decapsulate | Decrypt | DeleteAlias | DeleteCustomKeyStore | DeleteImportedKeyMaterial | DeriveSharedSecret | DescribeCustomKeyStores | DescribeKey | DisableKey | DisableKeyRotation | DisconnectCustomKeyStore | EnableKey | EnableKeyRotation | Encapsulate | Encrypt | GenerateDataKey | GenerateDataKeyPair | GenerateDataKeyPairWithoutPlaintext | GenerateDataKeyWithoutPlaintext | GenerateMac | GenerateRandom | GetKeyLastUsage | GetKeyPolicy | GetKeyRotationStatus | GetParametersForImport | GetPublicKey | ImportKeyMaterial | ListAliases | ListGrants | ListKeyPolicies | ListKeyRotations | ListKeys | ListResourceTags | ListRetirableGrants | PutKeyPolicy | ReEncrypt | ReplicateKey | RetireGrant | RevokeGrant | RotateKeyOnDemand | ScheduleKeyDeletion | Sign | TagResource | UntagResource | UpdateAlias | UpdateCustomKeyStore | UpdateKeyDescription | UpdatePrimaryRegion | Verify | VerifyMac\n",
    );
    usage(
        &call(&nowhere, &[]),
        "kms-lite: error: the following arguments are required: operation\n",
    );
    usage(
        &call(&nowhere, &["describe-key"]),
        "kms-lite: error: argument operation: Invalid choice, valid choices are: CancelKeyDeletion",
    );
    let usage_param = |args: &[&str], message: &str| {
        let out = run(args);
        assert_eq!(code(&out), 252, "{args:?}: {}", stderr(&out));
        assert_eq!(stderr(&out), message, "{args:?}");
    };
    usage_param(
        &call(&nowhere, &["DescribeKey", "--cli-input-json", "[1]"]),
        "\nError parsing parameter 'cli-input-json': Invalid type: expecting map, received <class 'list'>\n",
    );
    usage_param(
        &call(
            &nowhere,
            &["DescribeKey", "--cli-input-json", "{\"KeyId\": "],
        ),
        "\nError parsing parameter 'cli-input-json': Invalid JSON received (line 1, column 10).\n",
    );
    let deep = format!("{{\"KeyId\": {}1{}}}", "[".repeat(60), "]".repeat(60));
    usage_param(
        &call(&nowhere, &["DescribeKey", "--cli-input-json", &deep]),
        "\nParameter validation failed:\nInvalid value for parameter Input: nests deeper than 32 levels\n",
    );
    let dir = tempdir("call-bad-file");
    let out = run(&call(
        &nowhere,
        &[
            "DescribeKey",
            "--cli-input-json",
            &format!("file://{}", dir.display()),
        ],
    ));
    assert_eq!(code(&out), 252, "{}", stderr(&out));
    // --generate-cli-skeleton needs a model the raw call does not have.
    usage(
        &call(&nowhere, &["DescribeKey", "--generate-cli-skeleton"]),
        "kms-lite: error: argument --generate-cli-skeleton: not supported by call\n",
    );
}

#[test]
fn help_lists_every_operation() {
    let out = run(&["call", "--help"]);
    assert_eq!(code(&out), 0);
    let help = stdout(&out);
    assert!(
        help.contains("\nusage: kms-lite call <operation> [options]\n"),
        "{help}"
    );
    let listed: Vec<&str> = help
        .split("\nOPERATIONS\n")
        .nth(1)
        .unwrap()
        .split("\n\n")
        .next()
        .unwrap()
        .split_whitespace()
        .collect();
    assert_eq!(listed, kms_lite::OPERATIONS);
    let ours = help.split("\nGLOBAL OPTIONS\n").next().unwrap();
    assert!(
        ours.lines()
            .filter(|l| !l.starts_with("Every option also takes"))
            .all(|l| l.len() <= 80),
        "{ours}"
    );
}
