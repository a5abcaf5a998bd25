//! Hostile values against the CLI and the library: text from a server (error codes and
//! messages with terminal escapes) and, below, values from the environment that reach the HTTP
//! stack. Each gives a clear error and never a panic (the release CLI aborts on a panic) nor a
//! raw control character on the terminal.

mod common;

use common::loopback::{Loopback, Reply, Server};
use common::{code, run, stderr};

/// An error code and message carrying ESC, OSC with BEL, CR LF, a C1 CSI and a right-to-left
/// override: what a hostile or spoofed endpoint could send to take over a terminal.
const HOSTILE_ERROR: &str = r#"{"__type":"Evil\u001b[31mException","message":"a\u001b]0;owned\u0007b\r\n\u001b[2Jc\u009b31m\u202etxt"}"#;

/// How the CLI shows [`HOSTILE_ERROR`] for `operation`.
fn hostile_line(operation: &str) -> String {
    format!(
        r"An error occurred (Evil\u{{1b}}[31mException) when calling the {operation} operation: a\u{{1b}}]0;owned\u{{7}}b\r\n\u{{1b}}[2Jc\u{{9b}}31m\u{{202e}}txt"
    )
}

/// Only the line breaks the CLI writes itself may be control characters.
fn assert_no_raw_controls(text: &str) {
    assert!(
        !text
            .chars()
            .any(|c| c != '\n' && (c.is_control() || ('\u{202a}'..='\u{202e}').contains(&c))),
        "{text:?}"
    );
}

#[test]
fn a_service_error_is_printed_escaped() {
    let server = Loopback::reply(400, HOSTILE_ERROR);
    let out = run(&[
        "decrypt",
        "--endpoint-url",
        server.url.as_str(),
        "--ciphertext-blob",
        "AAAA",
    ]);
    assert_eq!(code(&out), 254, "stderr: {}", stderr(&out));
    let err = stderr(&out);
    assert_eq!(err, format!("\n{}\n", hostile_line("Decrypt")));
    assert_no_raw_controls(&err);
    assert_eq!(out.stdout, b"");

    // `--debug` names the error code of each response: escaped too.
    let server = Loopback::reply(400, HOSTILE_ERROR);
    let out = run(&[
        "decrypt",
        "--debug",
        "--endpoint-url",
        server.url.as_str(),
        "--ciphertext-blob",
        "AAAA",
    ]);
    assert_eq!(code(&out), 254);
    let err = stderr(&out);
    assert!(
        err.contains(r" error code: Evil\u{1b}[31mException"),
        "{err}"
    );
    assert_no_raw_controls(&err);
}

#[test]
fn a_dry_run_message_is_printed_escaped() {
    let server = Loopback::reply(
        412,
        r#"{"__type":"DryRunOperationException","message":"ok\u001b[8m hidden"}"#,
    );
    let out = run(&[
        "encrypt",
        "--endpoint-url",
        server.url.as_str(),
        "--key-id",
        "k",
        "--plaintext",
        "AAAA",
        "--dry-run",
    ]);
    assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
    assert_eq!(stderr(&out), "Dry run succeeded: ok\\u{1b}[8m hidden\n");
}

#[test]
fn a_batch_item_error_is_printed_escaped() {
    let server = Server::start(|_| Reply {
        status: 400,
        body: HOSTILE_ERROR.to_owned(),
        delay: std::time::Duration::ZERO,
    });
    let dir = std::env::temp_dir().join(format!("kms-lite-hostile-batch-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let input = dir.join("in.txt");
    std::fs::write(&input, "AAAA\n").unwrap();
    let output = dir.join("out.txt");
    let out = run(&[
        "re-encrypt-batch",
        "--endpoint-url",
        server.url.as_str(),
        "--destination-key-id",
        "alias/new",
        "--input",
        input.to_str().unwrap(),
        "--output-file",
        output.to_str().unwrap(),
    ]);
    assert_eq!(code(&out), 254, "stderr: {}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains(&format!("item 1: {}\n", hostile_line("ReEncrypt"))),
        "{err}"
    );
    assert_no_raw_controls(&err);
    let _ = std::fs::remove_dir_all(&dir);
}

/// The AWS CLI's template always has the colon (issue 9 item 21).
#[test]
fn a_service_error_without_a_message_ends_with_the_colon() {
    let server = Loopback::reply(400, r#"{"__type":"InvalidCiphertextException"}"#);
    let out = run(&[
        "decrypt",
        "--endpoint-url",
        server.url.as_str(),
        "--ciphertext-blob",
        "AAAA",
    ]);
    assert_eq!(code(&out), 254);
    assert_eq!(
        stderr(&out),
        "\nAn error occurred (InvalidCiphertextException) when calling the Decrypt operation: \n"
    );
}
