//! `kms-lite call OPERATION --cli-input-json JSON|file://PATH` against a loopback server: the
//! request sent (target, body as given, signed), the output printed through `--output` and
//! `--query`, an empty output printing nothing, the exit codes, plaintext outputs printed
//! only on stdout, and the paginated operations paged as the AWS CLI pages them.

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
    // A paginated operation's output is its result list (see `list_operations_fetch_every_page`).
    assert_eq!(stdout(&out), "Keys:\n- KeyId: k1\n- KeyId: k2\n");
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

/// A ListKeys server of `k1`..`k5`, `Limit` a page (2 by default), `NextMarker` `m<index>`.
fn five_keys() -> Server {
    Server::start(|request| {
        let body = request.json();
        let from: usize = body["Marker"]
            .as_str()
            .map_or(0, |m| m[1..].parse().unwrap());
        let per = body["Limit"].as_u64().map_or(2, |l| l as usize);
        let to = (from + per).min(5);
        let keys: Vec<_> = (from..to)
            .map(|i| json!({"KeyId": format!("k{}", i + 1)}))
            .collect();
        let mut page = json!({"Keys": keys, "Truncated": to < 5});
        if to < 5 {
            page["NextMarker"] = json!(format!("m{to}"));
        }
        Reply::ok(page.to_string())
    })
}

/// The body of every request the server got, in order.
fn bodies(server: &Server) -> Vec<String> {
    server
        .arrivals()
        .iter()
        .map(|a| {
            assert_eq!(
                a.request.header("x-amz-target"),
                Some("TrentService.ListKeys")
            );
            String::from_utf8(a.request.body.clone()).unwrap()
        })
        .collect()
}

fn keys_json(ids: &[&str]) -> String {
    let items: Vec<String> = ids
        .iter()
        .map(|id| format!("        {{\n            \"KeyId\": \"{id}\"\n        }}"))
        .collect();
    format!("    \"Keys\": [\n{}\n    ]", items.join(",\n"))
}

#[test]
fn list_operations_fetch_every_page() {
    let server = five_keys();
    let out = run(&call(&server.url, &["ListKeys"]));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    // Each Marker is the NextMarker before; the lists joined, without NextMarker and Truncated.
    assert_eq!(
        bodies(&server),
        ["{}", r#"{"Marker":"m2"}"#, r#"{"Marker":"m4"}"#]
    );
    assert_eq!(
        stdout(&out),
        format!("{{\n{}\n}}\n", keys_json(&["k1", "k2", "k3", "k4", "k5"]))
    );

    // A query applies to the joined result; text and yaml-stream print page by page.
    for (args, want) in [
        (&["--query", "length(Keys)", "--output", "json"][..], "5\n"),
        (
            &["--output", "text"],
            "KEYS\tk1\nKEYS\tk2\nKEYS\tk3\nKEYS\tk4\nKEYS\tk5\n",
        ),
        (
            &["--query", "Keys[].KeyId", "--output", "text"],
            "k1\tk2\nk3\tk4\nk5\n",
        ),
        (
            &["--output", "yaml-stream"],
            "- Keys:\n  - KeyId: k1\n  - KeyId: k2\n  NextMarker: m2\n  Truncated: true\n\
             - Keys:\n  - KeyId: k3\n  - KeyId: k4\n  NextMarker: m4\n  Truncated: true\n\
             - Keys:\n  - KeyId: k5\n  Truncated: false\n",
        ),
        (
            &["--output", "yaml", "--page-size", "4"],
            "Keys:\n- KeyId: k1\n- KeyId: k2\n- KeyId: k3\n- KeyId: k4\n- KeyId: k5\n",
        ),
    ] {
        let server = five_keys();
        let mut a = vec!["ListKeys"];
        a.extend_from_slice(args);
        let out = run(&call(&server.url, &a));
        assert_eq!((code(&out), stdout(&out)), (0, want.to_owned()), "{args:?}");
    }
    let server = five_keys();
    let out = run(&call(&server.url, &["ListKeys", "--page-size", "4"]));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(
        bodies(&server),
        [r#"{"Limit":4}"#, r#"{"Limit":4,"Marker":"m4"}"#]
    );
}

#[test]
fn no_paginate_or_a_marker_in_the_input_fetches_one_page_as_returned() {
    let page = |ids: &[&str], next: &str| {
        format!(
            "{{\n{},\n    \"NextMarker\": \"{next}\",\n    \"Truncated\": true\n}}\n",
            keys_json(ids)
        )
    };
    let server = five_keys();
    let out = run(&call(&server.url, &["ListKeys", "--no-paginate"]));
    assert_eq!((code(&out), stdout(&out)), (0, page(&["k1", "k2"], "m2")));
    assert_eq!(bodies(&server), ["{}"]);
    // A Marker (or a Limit) in the input pages by hand, as in the AWS CLI: that one page.
    let server = five_keys();
    let out = run(&call(
        &server.url,
        &["ListKeys", "--cli-input-json", r#"{"Marker": "m2"}"#],
    ));
    assert_eq!((code(&out), stdout(&out)), (0, page(&["k3", "k4"], "m4")));
    assert_eq!(bodies(&server), [r#"{"Marker":"m2"}"#]);
    let server = five_keys();
    let out = run(&call(
        &server.url,
        &["ListKeys", "--cli-input-json", r#"{"Limit": 1}"#],
    ));
    assert_eq!((code(&out), stdout(&out)), (0, page(&["k1"], "m1")));
    assert_eq!(bodies(&server), [r#"{"Limit":1}"#]);
}

#[test]
fn max_items_hands_out_a_token_that_starting_token_takes_back() {
    let server = five_keys();
    let out = run(&call(&server.url, &["ListKeys", "--max-items", "3"]));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(bodies(&server), ["{}", r#"{"Marker":"m2"}"#]);
    // botocore's token: base64 of {"Marker": "m2", "boto_truncate_amount": 1}.
    let token = "eyJNYXJrZXIiOiAibTIiLCAiYm90b190cnVuY2F0ZV9hbW91bnQiOiAxfQ==";
    assert_eq!(
        stdout(&out),
        format!(
            "{{\n{},\n    \"NextToken\": \"{token}\"\n}}\n",
            keys_json(&["k1", "k2", "k3"])
        )
    );
    // Text prints the token last, as the AWS CLI does.
    let server = five_keys();
    let out = run(&call(
        &server.url,
        &["ListKeys", "--max-items", "3", "--output", "text"],
    ));
    assert_eq!(
        stdout(&out),
        format!("KEYS\tk1\nKEYS\tk2\nKEYS\tk3\nNEXTTOKEN\t{token}\n")
    );
    // The token resumes inside the page it cut.
    let server = five_keys();
    let out = run(&call(&server.url, &["ListKeys", "--starting-token", token]));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(
        bodies(&server),
        [r#"{"Marker":"m2"}"#, r#"{"Marker":"m4"}"#]
    );
    assert_eq!(
        stdout(&out),
        format!("{{\n{}\n}}\n", keys_json(&["k4", "k5"]))
    );
}

#[test]
fn a_looping_server_ends_with_an_error() {
    let answers = std::sync::atomic::AtomicUsize::new(0);
    let server = Server::start(move |_| {
        let n = answers.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let next = ["A", "B"][n % 2];
        Reply::ok(
            json!({"Keys": [{"KeyId": "k"}], "Truncated": true, "NextMarker": next}).to_string(),
        )
    });
    let out = run(&call(&server.url, &["ListKeys"]));
    assert_eq!(code(&out), 255);
    assert_eq!(
        stderr(&out),
        "\nError with pagination: The same next token was received twice: {'Marker': 'A'}\n"
    );
    assert_eq!(stdout(&out), "");
    assert_eq!(
        bodies(&server),
        ["{}", r#"{"Marker":"A"}"#, r#"{"Marker":"B"}"#]
    );
    // A service error on a later page is the call's error.
    let answers = std::sync::atomic::AtomicUsize::new(0);
    let server =
        Server::start(
            move |_| match answers.fetch_add(1, std::sync::atomic::Ordering::SeqCst) {
                0 => Reply::ok(r#"{"Keys": [], "Truncated": true, "NextMarker": "m"}"#),
                _ => Reply::error(400, "KMSInternalException", "later"),
            },
        );
    let out = run(&call(&server.url, &["ListKeys"]));
    assert_eq!(code(&out), 254);
    assert_eq!(
        stderr(&out),
        "\nAn error occurred (KMSInternalException) when calling the ListKeys operation: later\n"
    );
    assert_eq!(stdout(&out), "");
}

#[test]
fn paging_options_are_checked_before_anything_is_sent() {
    let nowhere = closed_port_url();
    for (args, want) in [
        (
            &["DescribeKey", "--max-items", "1"][..],
            "kms-lite: error: argument --max-items: not supported by call DescribeKey (not a \
             paginated operation)\n",
        ),
        (
            &["ListKeys", "--max-items", "0"],
            "kms-lite: error: argument --max-items: must be at least 1\n",
        ),
        (
            &["ListKeys", "--page-size", "ten"],
            "kms-lite: error: argument --page-size: invalid int value: 'ten'\n",
        ),
        (
            &["ListKeys", "--starting-token", "eyJLZXlJZCI6ICJrIn0="],
            "kms-lite: error: argument --starting-token: not a NextToken that kms-lite or the \
             AWS CLI printed\n",
        ),
        (
            &[
                "ListKeys",
                "--no-paginate",
                "--max-items",
                "1",
                "--page-size",
                "2",
            ],
            "\nCannot specify --no-paginate along with pagination arguments: --max-items, \
             --page-size\n",
        ),
        (
            &[
                "ListKeys",
                "--cli-input-json",
                r#"{"Marker": "m"}"#,
                "--starting-token",
                "t",
            ],
            "\nCannot specify Marker or Limit in --cli-input-json along with pagination \
             arguments: --starting-token\n",
        ),
    ] {
        let out = run(&call(&nowhere, args));
        assert_eq!(code(&out), 252, "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).ends_with(want), "{args:?}: {}", stderr(&out));
        assert_eq!(stdout(&out), "");
    }
}
