//! `kms-lite` exit codes and error messages, one test per class.

mod common;

use common::loopback::{Loopback, closed_port_url};
use common::{BASE_ENV, NO_IMDS, code, run, run_with, stderr, stdout};

const USAGE_HEAD: &str = "usage: kms-lite [options] <command> [parameters]\n";

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

#[test]
fn unknown_option_is_252() {
    assert_usage(
        &[
            "re-encrypt",
            "--destination-key-id",
            "k",
            "--colour",
            "blue",
        ],
        "Unknown options: --colour, 1 value(s) without an option (argument 5)",
    );
}

#[test]
fn missing_destination_key_is_252() {
    assert_usage(
        &["re-encrypt", "--ciphertext-blob", "AAAA"],
        "the following arguments are required: --destination-key-id",
    );
}

#[test]
fn missing_value_and_repeated_option_are_252() {
    assert_usage(
        &["re-encrypt", "--destination-key-id"],
        "argument --destination-key-id: expected one argument",
    );
    assert_usage(
        &[
            "re-encrypt",
            "--destination-key-id",
            "a",
            "--destination-key-id",
            "b",
        ],
        "argument --destination-key-id: may be given only once",
    );
}

#[test]
fn no_verify_ssl_is_rejected() {
    let out = run(&["re-encrypt", "--destination-key-id", "k", "--no-verify-ssl"]);
    assert_eq!(code(&out), 252);
    assert!(stderr(&out).contains("TLS certificate verification cannot be disabled"));
}

#[test]
fn bad_base64_is_252_with_the_offset() {
    let out = run(&[
        "re-encrypt",
        "--destination-key-id",
        "k",
        "--ciphertext-blob",
        "AAAA-AAA",
    ]);
    assert_eq!(code(&out), 252);
    let err = stderr(&out);
    assert!(
        err.starts_with("\nError parsing parameter '--ciphertext-blob': Invalid base64: "),
        "stderr: {err}"
    );
    assert!(err.contains("offset 4"), "stderr: {err}");
    assert!(!err.contains("AAAA-AAA"), "the value is not echoed: {err}");
}

#[test]
fn bad_context_syntax_is_252() {
    let out = run(&[
        "re-encrypt",
        "--destination-key-id",
        "k",
        "--ciphertext-blob",
        "AAAA",
        "--source-encryption-context",
        "purpose=backup,oops",
    ]);
    assert_eq!(code(&out), 252);
    assert!(
        stderr(&out).starts_with(
            "\nError parsing parameter '--source-encryption-context': Invalid shorthand syntax at offset 19: expected '='"
        ),
        "stderr: {}",
        stderr(&out)
    );
    let out = run(&[
        "re-encrypt",
        "--destination-key-id",
        "k",
        "--ciphertext-blob",
        "AAAA",
        "--destination-encryption-context",
        "{\"a\": 1}",
    ]);
    assert_eq!(code(&out), 252);
    assert!(stderr(&out).contains("must be a string"));
}

#[test]
fn too_many_grant_tokens_is_252_and_nothing_is_sent() {
    let server = Loopback::reply(200, "{}");
    let tokens: Vec<String> = (0..11).map(|i| format!("token{i}")).collect();
    let mut args = vec![
        "re-encrypt",
        "--endpoint-url",
        &server.url,
        "--destination-key-id",
        "k",
        "--ciphertext-blob",
        "AAAA",
        "--grant-tokens",
    ];
    args.extend(tokens.iter().map(String::as_str));
    let out = run(&args);
    assert_eq!(code(&out), 252, "stderr: {}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.starts_with("\nParameter validation failed:\n"),
        "stderr: {err}"
    );
    assert!(err.contains("GrantTokens"), "stderr: {err}");
    assert!(!err.contains("token1"), "tokens are not echoed: {err}");
}

#[test]
fn no_region_is_253() {
    let env: Vec<_> = BASE_ENV
        .iter()
        .copied()
        .filter(|(k, _)| *k != "AWS_REGION")
        .collect();
    let out = run_with(
        &[
            "re-encrypt",
            "--destination-key-id",
            "k",
            "--ciphertext-blob",
            "AAAA",
        ],
        &env,
        b"",
    );
    assert_eq!(code(&out), 253, "stderr: {}", stderr(&out));
    assert!(stderr(&out).starts_with("\n"));
    assert!(stderr(&out).contains("region"));
    assert!(
        stderr(&out).contains("AWS_DEFAULT_REGION") && stderr(&out).contains("instance metadata"),
        "the message lists where it looked: {}",
        stderr(&out)
    );
}

#[test]
fn no_credentials_is_253() {
    let server = Loopback::reply(200, "{}");
    let out = run_with(
        &[
            "re-encrypt",
            "--endpoint-url",
            &server.url,
            "--destination-key-id",
            "k",
            "--ciphertext-blob",
            "AAAA",
        ],
        &[("AWS_REGION", "us-east-1"), NO_IMDS],
        b"",
    );
    assert_eq!(code(&out), 253, "stderr: {}", stderr(&out));
    assert!(stderr(&out).starts_with("\nUnable to locate credentials"));
    // The message lists every source that was tried.
    for source in [
        "environment",
        "profile default",
        "web identity",
        "container",
        "instance metadata",
    ] {
        assert!(stderr(&out).contains(source), "stderr: {}", stderr(&out));
    }
}

#[test]
fn service_error_is_254_with_the_aws_cli_line() {
    let server = Loopback::reply(
        400,
        r#"{"__type":"NotFoundException","message":"Alias arn:aws:kms:us-east-1:111122223333:alias/new is not found."}"#,
    );
    let out = run(&[
        "re-encrypt",
        "--endpoint-url",
        &server.url,
        "--destination-key-id",
        "alias/new",
        "--ciphertext-blob",
        "AAAA",
    ]);
    assert_eq!(code(&out), 254);
    assert_eq!(
        stderr(&out),
        "\nAn error occurred (NotFoundException) when calling the ReEncrypt operation: Alias arn:aws:kms:us-east-1:111122223333:alias/new is not found.\n"
    );
    assert_eq!(stdout(&out), "");
}

#[test]
fn dry_run_exception_without_dry_run_is_a_service_error() {
    let server = Loopback::reply(412, r#"{"__type":"DryRunOperationException"}"#);
    let out = run(&[
        "re-encrypt",
        "--endpoint-url",
        &server.url,
        "--destination-key-id",
        "k",
        "--ciphertext-blob",
        "AAAA",
    ]);
    assert_eq!(code(&out), 254);
}

#[test]
fn connection_refused_is_255() {
    let url = closed_port_url();
    let out = run(&[
        "re-encrypt",
        "--endpoint-url",
        &url,
        "--destination-key-id",
        "k",
        "--ciphertext-blob",
        "AAAA",
    ]);
    assert_eq!(code(&out), 255, "stderr: {}", stderr(&out));
    assert!(stderr(&out).starts_with("\n"));
    assert_eq!(stdout(&out), "");
}

#[test]
fn secrets_never_appear_in_output() {
    let out = run(&[
        "re-encrypt",
        "--endpoint-url",
        &closed_port_url(),
        "--destination-key-id",
        "k",
        "--ciphertext-blob",
        "AAAA",
        "--debug",
    ]);
    let all = format!("{}{}", stdout(&out), stderr(&out));
    assert!(!all.contains("EXAMPLEKEY"), "{all}");
}

#[test]
fn unreadable_ca_bundle_is_252() {
    let out = run(&[
        "re-encrypt",
        "--destination-key-id",
        "k",
        "--ciphertext-blob",
        "AAAA",
        "--ca-bundle",
        "/nonexistent/kms-lite-ca.pem",
    ]);
    assert_eq!(code(&out), 252);
    assert!(stderr(&out).contains("--ca-bundle"));
}

/// Values from the command line that an error echoes (an unknown option, a number, a region,
/// an output that is stdout) come with their control characters escaped: a script that builds
/// its arguments from hostile data cannot drive the terminal through the error.
#[test]
fn values_echoed_from_the_command_line_are_escaped() {
    let evil = "\u{1b}]0;owned\u{7}\u{9b}2J";
    let shown = "\\u{1b}]0;owned\\u{7}\\u{9b}2J";
    let url = closed_port_url();
    let dir = common::tempdir("echoed-escaped");
    // A link to stdout named with control characters.
    let link = dir.join(evil);
    std::os::unix::fs::symlink("/dev/stdout", &link).unwrap();
    let option = format!("--{evil}");
    let re_encrypt = |extra: &[&str]| {
        let mut args = vec![
            "re-encrypt",
            "--endpoint-url",
            &url,
            "--destination-key-id",
            "k",
            "--ciphertext-blob",
            "AAAA",
        ];
        args.extend_from_slice(extra);
        run(&args)
    };
    let usage = |out: std::process::Output, message: String| {
        assert_eq!(code(&out), 252, "{}", stderr(&out));
        let err = stderr(&out);
        assert!(err.starts_with(USAGE_HEAD), "{err}");
        assert!(
            err.ends_with(&format!("\nkms-lite: error: {message}\n")),
            "{err}"
        );
    };
    usage(
        re_encrypt(&[&option]),
        format!("Unknown options: --{shown}"),
    );
    usage(
        re_encrypt(&["--cli-read-timeout", evil]),
        format!("argument --cli-read-timeout: invalid int value: '{shown}'"),
    );
    usage(
        run(&[
            "generate-data-key",
            "--endpoint-url",
            &url,
            "--key-id",
            "k",
            "--number-of-bytes",
            evil,
        ]),
        format!("argument --number-of-bytes: invalid int value: '{shown}'"),
    );
    usage(
        re_encrypt(&[
            "--ciphertext-out",
            link.to_str().unwrap(),
            "--query",
            "KeyId",
        ]),
        format!(
            "argument --query: not allowed with argument --ciphertext-out {}/{shown} (stdout \
             carries only the raw bytes)",
            dir.display()
        ),
    );
    let out = re_encrypt(&["--region", evil]);
    assert_eq!(
        (code(&out), stderr(&out)),
        (
            252,
            format!("\nProvided region_name '{shown}' doesn't match a supported format.\n")
        )
    );
    let _ = std::fs::remove_dir_all(&dir);
}
