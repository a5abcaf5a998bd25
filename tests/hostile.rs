//! Hostile values against the CLI and the library: text from a server (error codes and
//! messages with terminal escapes), and values from the environment, the command line and code
//! that reach the HTTP stack (ureq, http, rustls) or std APIs that panic on them (proxy URLs,
//! endpoint authorities, header values, timeouts, CA bundles). Each gives a clear error and
//! never a panic (the release CLI aborts on one: exit 134) nor a raw control character on the
//! terminal. Everything stays on loopback: host names appear only in values refused before any
//! I/O, or with `connect_to`.
//!
//! The CLI cases run the debug binary; `KMS_LITE_CLI=path/to/kms-lite` runs them against
//! another build, such as the release one (`panic = "abort"`).

mod common;

use std::process::{Command, Output, Stdio};
use std::time::Duration;

use common::loopback::{Loopback, Reply, Server};
use common::{BASE_ENV, code, run, stderr};
use kms_lite::__private::profile_file::ProfileSet;
use kms_lite::config::Env;
use kms_lite::credentials::{Credentials, ProfileProvider, ProvideCredentials, ProviderConfig};
use kms_lite::error::OperationError;
use kms_lite::error::TransportErrorKind;
use kms_lite::{Client, ClientBuilder, DecryptError, DecryptRequest};

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

/// `kms-lite decrypt` (with `extra` options) against a server answering 400 with `body`.
fn decrypt_answered_with(body: &str, extra: &[&str]) -> Output {
    let server = Loopback::reply(400, body);
    let mut args = vec![
        "decrypt",
        "--endpoint-url",
        server.url.as_str(),
        "--ciphertext-blob",
        "AAAA",
    ];
    args.extend_from_slice(extra);
    run(&args)
}

#[test]
fn a_service_error_is_printed_escaped() {
    let out = decrypt_answered_with(HOSTILE_ERROR, &[]);
    assert_eq!(code(&out), 254, "stderr: {}", stderr(&out));
    let err = stderr(&out);
    assert_eq!(err, format!("\n{}\n", hostile_line("Decrypt")));
    assert_no_raw_controls(&err);
    assert_eq!(out.stdout, b"");

    // `--debug` names the error code of each response: escaped too.
    let out = decrypt_answered_with(HOSTILE_ERROR, &["--debug"]);
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
        ..Reply::ok(HOSTILE_ERROR)
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

/// `--debug` lines name files from the environment (the CA bundle): a hostile file name cannot
/// drive the terminal through them.
#[test]
fn a_debug_line_naming_a_hostile_file_is_escaped() {
    let dir = common::tempdir("debug-names");
    let bundle = dir.join("ca\u{1b}]0;owned\u{7}\u{9b}2J.pem");
    let pem = common::repo::path("tests/fixtures/tls/ca.pem");
    std::fs::copy(pem, &bundle).unwrap();
    let url = common::loopback::closed_port_url();
    let mut env = BASE_ENV.to_vec();
    env.push(("AWS_CA_BUNDLE", bundle.to_str().unwrap()));
    let out = common::run_with(
        &[
            "decrypt",
            "--endpoint-url",
            &url,
            "--ciphertext-blob",
            "AAAA",
            "--debug",
        ],
        &env,
        b"",
    );
    let err = stderr(&out);
    let shown = format!(
        "{}/ca\\u{{1b}}]0;owned\\u{{7}}\\u{{9b}}2J.pem",
        dir.display()
    );
    assert!(
        err.contains(&format!("; CA bundle {shown} (from AWS_CA_BUNDLE)")),
        "{err}"
    );
    assert_no_raw_controls(&err);

    // The library's own hook gets the line escaped too.
    let lines = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink = std::sync::Arc::clone(&lines);
    builder(&url, &[("AWS_CA_BUNDLE", bundle.to_str().unwrap())])
        .debug_log(move |line| sink.lock().unwrap().push(line.to_owned()))
        .build()
        .unwrap();
    let lines = lines.lock().unwrap().join("\n");
    assert!(
        lines.contains(&format!("; CA bundle {shown} (from AWS_CA_BUNDLE)")),
        "{lines}"
    );
    assert_no_raw_controls(&lines);
    let _ = std::fs::remove_dir_all(&dir);
}

/// The AWS CLI's template always has the colon (issue 9 item 21).
#[test]
fn a_service_error_without_a_message_ends_with_the_colon() {
    let out = decrypt_answered_with(r#"{"__type":"InvalidCiphertextException"}"#, &[]);
    assert_eq!(code(&out), 254);
    assert_eq!(
        stderr(&out),
        "\nAn error occurred (InvalidCiphertextException) when calling the Decrypt operation: \n"
    );
}

// ---------------------------------------------------------------- proxies (issue 9 item 13)

const DECRYPT_OK: &str = r#"{"KeyId":"arn:aws:kms:us-east-1:111122223333:key/k","Plaintext":"AAAA","EncryptionAlgorithm":"SYMMETRIC_DEFAULT"}"#;

/// A loopback KMS answering every Decrypt with success.
fn kms() -> Server {
    Server::start(|_| Reply::ok(DECRYPT_OK))
}

/// A client of `endpoint` with exactly `env`, fixed credentials and one attempt.
fn builder(endpoint: &str, env: &[(&str, &str)]) -> ClientBuilder {
    Client::builder()
        .env(Env::from_pairs(env.iter().copied()))
        .region("us-east-1")
        .endpoint_url(endpoint)
        .credentials(Credentials::new("AKIDEXAMPLE", "hunter2-secret", None))
        .max_attempts(1)
        .connect_timeout(Duration::from_secs(10))
        .read_timeout(Duration::from_secs(10))
}

fn decrypt(client: &Client) -> Result<(), DecryptError> {
    client
        .decrypt(&DecryptRequest::new(vec![1, 2, 3]))
        .map(drop)
}

/// What a refused proxy scheme says: the variable and the scheme, never the URL.
fn unsupported(var: &str, named: &str) -> String {
    format!(
        "{var} names {named}, which kms-lite does not support: use an http:// or https:// \
         proxy, or exclude the endpoint with NO_PROXY"
    )
}

/// Proxy URLs of schemes ureq cannot use without panicking (SOCKS: its feature is off) or at
/// all, each with the words that name it.
const UNSUPPORTED_PROXIES: [(&str, &str); 7] = [
    ("socks5://proxy-user:hunter2@127.0.0.1:1", "a socks5 proxy"),
    ("socks5h://127.0.0.1:1", "a socks5h proxy"),
    ("SOCKS4://127.0.0.1:1", "a socks4 proxy"),
    ("socks4a://127.0.0.1:1", "a socks4a proxy"),
    ("socks://127.0.0.1:1", "a socks proxy"),
    ("ftp://127.0.0.1:1", "a ftp proxy"),
    (
        "\u{1b}]0;x\u{7}://hunter2@127.0.0.1:1",
        "a proxy of an unknown scheme",
    ),
];

#[test]
fn proxy_variables_of_other_schemes_are_configuration_errors_naming_the_variable() {
    for (var, endpoint) in [
        ("HTTPS_PROXY", "https://kms.us-east-1.amazonaws.com"),
        ("https_proxy", "https://kms.us-east-1.amazonaws.com"),
        ("HTTP_PROXY", "http://127.0.0.1:1"),
        ("http_proxy", "http://127.0.0.1:1"),
    ] {
        for (proxy, named) in UNSUPPORTED_PROXIES {
            let e = builder(endpoint, &[(var, proxy)]).build().unwrap_err();
            assert_eq!(e.to_string(), unsupported(var, named), "{var}={proxy:?}");
        }
    }
}

#[test]
fn proxy_urls_that_do_not_parse_are_configuration_errors_without_their_text() {
    for proxy in [
        "http://hunter2:pw@ü.example",
        "http://[::1",
        "http://proxy name",
        "http://",
        "//127.0.0.1:1",
        "http://127.0.0.1:99999",
        "http://hunter2@127.0.0.1:-1",
        "\u{1}",
        "http://x\r\nHost: y",
    ] {
        let e = builder("http://127.0.0.1:1", &[("HTTP_PROXY", proxy)])
            .build()
            .expect_err(proxy);
        assert_eq!(
            e.to_string(),
            "HTTP_PROXY is not a valid proxy URL (expected http://[user:password@]host[:port])",
            "{proxy:?}"
        );
    }
}

/// The credential providers' transport (STS here) refuses them the same way.
#[test]
fn the_sts_transport_refuses_them_too() {
    let set = ProfileSet::from_files(
        Some((
            "[default]\nrole_arn = arn:aws:iam::1:role/r\ncredential_source = Environment\n",
            "~/.aws/config",
        )),
        None,
    )
    .unwrap();
    let env = Env::from_pairs([
        ("AWS_ACCESS_KEY_ID", "AKIDENV"),
        ("AWS_SECRET_ACCESS_KEY", "ENVSECRET"),
        ("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:1"),
        ("HTTP_PROXY", "socks5://sts-user:hunter2@127.0.0.1:1"),
    ]);
    let provider = ProfileProvider::new(
        ProviderConfig::new(kms_lite::__private::settings::from_profile_set(
            env, None, set,
        ))
        .region("us-east-1"),
    );
    let e = provider.provide_credentials().unwrap_err().to_string();
    assert!(
        e.contains(&unsupported("HTTP_PROXY", "a socks5 proxy")),
        "{e}"
    );
    assert!(!e.contains("hunter2"), "{e}");
}

/// As in botocore, `ALL_PROXY` is not read: a SOCKS proxy there (common for other tools) is
/// neither an error nor used. `NO_PROXY` exempting the endpoint skips the check too.
#[test]
fn all_proxy_is_ignored_and_no_proxy_exempts_before_the_check() {
    let server = kms();
    for env in [
        &[("ALL_PROXY", "socks5://127.0.0.1:1")][..],
        &[("all_proxy", "socks5h://127.0.0.1:1")],
        &[
            ("HTTP_PROXY", "socks5://127.0.0.1:1"),
            ("NO_PROXY", "127.0.0.1"),
        ],
        &[("http_proxy", "socks5://127.0.0.1:1"), ("no_proxy", "*")],
    ] {
        let client = builder(&server.url, env).build().unwrap();
        decrypt(&client).unwrap_or_else(|e| panic!("{env:?}: {e}"));
    }
    assert_eq!(server.arrivals().len(), 4);
}

/// Odd `NO_PROXY` lists never panic: each either exempts the loopback endpoint (the call goes
/// straight to it) or leaves it to the (dead) proxy, and then the error says so.
#[test]
fn odd_no_proxy_lists_exempt_or_not_but_never_panic() {
    let server = kms();
    for (no_proxy, exempt) in [
        ("*", true),
        ("127.0.0.1", true),
        (" , 127.0.0.1:9 ,", true),
        ("[", false),
        ("]", false),
        (":", false),
        (",,,", false),
        ("\u{1b}[31m", false),
        ("ü.example", false),
        ("*.", false),
        ("[::1]:80", false),
    ] {
        let env = [("HTTP_PROXY", "http://127.0.0.1:1"), ("NO_PROXY", no_proxy)];
        let result = decrypt(&builder(&server.url, &env).build().unwrap());
        match (exempt, result) {
            (true, Ok(())) => {}
            (false, Err(DecryptError::Transport(t))) => {
                assert_eq!(t.kind(), TransportErrorKind::Connect, "{no_proxy:?}: {t}");
                assert!(
                    t.message()
                        .contains("(through the proxy) when calling http://127.0.0.1:"),
                    "{no_proxy:?}: {t}"
                );
            }
            (_, other) => panic!("{no_proxy:?}: {other:?}"),
        }
    }
}

// ---------------------------------------------------------------- values that reach the stack

/// ureq adds timeouts to the current instant: `Duration::MAX` used to overflow it (a panic).
#[test]
fn timeouts_beyond_any_instant_are_bounded_not_a_panic() {
    let server = kms();
    for huge in [Duration::MAX, Duration::from_secs(u64::MAX)] {
        for b in [
            builder(&server.url, &[]).connect_timeout(huge),
            builder(&server.url, &[]).read_timeout(huge),
            builder(&server.url, &[]).operation_timeout(huge),
        ] {
            decrypt(&b.build().unwrap()).unwrap();
        }
    }
    assert_eq!(server.arrivals().len(), 6);
}

/// Credentials HTTP cannot carry in a header (a line break, NUL, non-ASCII) are refused before
/// anything is sent, naming the header and never the value; the error is not retried.
#[test]
fn header_values_http_cannot_carry_are_refused_before_sending() {
    let server = kms();
    let cases = [
        ("AKID\nEXAMPLE", None, "authorization", "the access key id"),
        ("AKIDÉ", None, "authorization", "the access key id"),
        (
            "AKID",
            Some("tok\r\nX-Evil: 1"),
            "x-amz-security-token",
            "the session token",
        ),
        (
            "AKID",
            Some("tok\0en"),
            "x-amz-security-token",
            "the session token",
        ),
        (
            "AKID",
            Some("jeton-été"),
            "x-amz-security-token",
            "the session token",
        ),
    ];
    for (key_id, token, header, what) in cases {
        let client = builder(&server.url, &[])
            .credentials(Credentials::new(
                key_id,
                "hunter2-secret",
                token.map(str::to_owned),
            ))
            .max_attempts(3)
            .build()
            .unwrap();
        let e = decrypt(&client).unwrap_err();
        let DecryptError::Transport(t) = &e else {
            panic!("{key_id:?} {token:?}: {e:?}")
        };
        assert_eq!(t.kind(), TransportErrorKind::InvalidRequest);
        assert_eq!(e.attempts(), 1, "not retried");
        assert_eq!(
            e.to_string(),
            format!(
                "the request was not sent: its {header} header would hold a control character \
                 or non-ASCII text (it carries {what}: check the credentials)"
            )
        );
    }
    assert!(server.arrivals().is_empty(), "nothing was sent");
}

/// A CA bundle that holds no usable certificate is a configuration error when the client is
/// built, never a silent "trust nothing" nor a panic.
#[test]
fn ca_bundles_without_a_certificate_are_configuration_errors() {
    let cert_of =
        |body: &str| format!("-----BEGIN CERTIFICATE-----\n{body}\n-----END CERTIFICATE-----\n");
    let cases: [(Vec<u8>, &str); 7] = [
        (Vec::new(), "the CA bundle holds no certificate"),
        (
            b"not pem at all".to_vec(),
            "the CA bundle holds no certificate",
        ),
        (vec![0xff; 4096], "the CA bundle holds no certificate"),
        (
            cert_of("AAAA").into_bytes(),
            "the CA bundle's certificate number 1 is not a DER certificate",
        ),
        (
            cert_of("MAMCAQ==").into_bytes(),
            "the CA bundle's certificate number 1 is not a DER certificate",
        ),
        (
            cert_of("!!!!").into_bytes(),
            "the CA bundle is not valid PEM",
        ),
        (
            b"-----BEGIN CERTIFICATE-----\nMAA=\n".to_vec(),
            "the CA bundle is not valid PEM",
        ),
    ];
    for (pem, want) in cases {
        let shown = String::from_utf8_lossy(&pem).into_owned();
        let e = builder("https://kms.us-east-1.amazonaws.com", &[])
            .ca_bundle_pem(pem)
            .build()
            .unwrap_err();
        assert_eq!(e.to_string(), want, "{shown:?}");
    }
}

// ---------------------------------------------------------------- the CLI, release build too

/// Runs the CLI (`KMS_LITE_CLI`, relative to the repository root, else the debug build) with
/// exactly `env` and no stdin.
fn run_cli(args: &[&str], env: &[(&str, &str)]) -> Output {
    let bin = std::env::var_os("KMS_LITE_CLI").map_or_else(
        || env!("CARGO_BIN_EXE_kms-lite-dev").into(),
        |path| common::repo::root().join(path),
    );
    Command::new(bin)
        .args(args)
        .env_clear()
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .output()
        .expect("the binary runs")
}

/// One CLI run: extra variables, extra arguments, the exit code and the whole message (empty:
/// nothing on stderr).
struct CliCase<'a> {
    env: &'a [(&'a str, &'a str)],
    args: &'a [&'a str],
    code: i32,
    message: String,
}

fn case<'a>(
    env: &'a [(&'a str, &'a str)],
    args: &'a [&'a str],
    code: i32,
    message: &str,
) -> CliCase<'a> {
    CliCase {
        env,
        args,
        code,
        message: message.to_owned(),
    }
}

/// Hostile environment and command-line values through the binary: each ends in the exit code
/// and message given, and never in a panic (101 in a debug build, 134 in the release build),
/// a raw control character or the password it was given.
#[test]
fn the_cli_refuses_hostile_values_with_a_message_and_an_exit_code() {
    let server = kms();
    let url = server.url.as_str();
    const SOCKS: &str = "socks5://proxy-user:hunter2@127.0.0.1:1";
    let region = "a region is lower-case letters, digits and '-', such as us-east-1";
    let bad_header = "the request was not sent: its authorization header would hold a control \
                      character or non-ASCII text (it carries the access key id: check the \
                      credentials)";
    let bad_token = "the request was not sent: its x-amz-security-token header would hold a \
                     control character or non-ASCII text (it carries the session token: check \
                     the credentials)";
    let endpoint_arg = ["--endpoint-url", url];
    let huge_timeouts = [
        "--endpoint-url",
        url,
        "--cli-read-timeout",
        "18446744073709551615",
        "--cli-connect-timeout",
        "18446744073709551615",
    ];
    let cases = [
        case(
            &[("HTTPS_PROXY", SOCKS)],
            &[],
            253,
            &unsupported("HTTPS_PROXY", "a socks5 proxy"),
        ),
        case(
            &[("https_proxy", "socks5h://127.0.0.1:1")],
            &[],
            253,
            &unsupported("https_proxy", "a socks5h proxy"),
        ),
        case(
            &[("HTTP_PROXY", SOCKS)],
            &endpoint_arg,
            253,
            &unsupported("HTTP_PROXY", "a socks5 proxy"),
        ),
        case(
            &[("http_proxy", "socks4://127.0.0.1:1")],
            &endpoint_arg,
            253,
            &unsupported("http_proxy", "a socks4 proxy"),
        ),
        case(
            &[("HTTP_PROXY", "http://hunter2@[::1")],
            &endpoint_arg,
            253,
            "HTTP_PROXY is not a valid proxy URL (expected http://[user:password@]host[:port])",
        ),
        case(
            &[("AWS_REGION", "123")],
            &[],
            253,
            &format!("invalid region \"123\" (from AWS_REGION): {region}"),
        ),
        case(
            &[("AWS_REGION", "us-east-1\u{1b}[2J")],
            &[],
            253,
            &format!("invalid region \"us-east-1\\u{{1b}}[2J\" (from AWS_REGION): {region}"),
        ),
        case(
            &[("AWS_ENDPOINT_URL_KMS", "http://[::1")],
            &[],
            253,
            "invalid endpoint URL \"http://[::1\": an IPv6 address is missing its closing ']'",
        ),
        case(
            &[("AWS_ENDPOINT_URL", "http://user:hunter2@[::1]x")],
            &[],
            253,
            "invalid endpoint URL \"http://***@[::1]x\": user information is not allowed",
        ),
        case(
            &[],
            &["--endpoint-url", "http://h/caf\u{e9}"],
            252,
            "Bad value for --endpoint-url: invalid endpoint URL \"http://h/caf\u{e9}\": the path \
             has spaces or control characters, non-ASCII text or one of < > ` (percent-encode \
             them)",
        ),
        case(
            &[],
            &["--endpoint-url", "http://a:1:2"],
            252,
            "Bad value for --endpoint-url: invalid endpoint URL \"http://a:1:2\": an IPv6 \
             address must be in brackets, and a host has at most one :port",
        ),
        case(
            &[("AWS_ACCESS_KEY_ID", "AKID\u{e9}")],
            &endpoint_arg,
            255,
            bad_header,
        ),
        case(
            &[("AWS_SESSION_TOKEN", "hunter2\u{1b}[8m")],
            &endpoint_arg,
            255,
            bad_token,
        ),
        case(&[], &huge_timeouts, 0, ""),
    ];
    for CliCase {
        env: extra_env,
        args: extra_args,
        code: want_code,
        message: want_message,
    } in cases
    {
        let mut env: Vec<(&str, &str)> = BASE_ENV
            .iter()
            .copied()
            .filter(|(k, _)| !extra_env.iter().any(|(x, _)| x == k))
            .collect();
        env.extend(extra_env.iter().copied());
        let mut args = vec!["decrypt", "--ciphertext-blob", "AAAA"];
        args.extend(extra_args.iter().copied());
        let out = run_cli(&args, &env);
        let err = String::from_utf8_lossy(&out.stderr).into_owned();
        let case = format!("{extra_env:?} {extra_args:?}");
        assert_eq!(out.status.code(), Some(want_code), "{case}: {err}");
        if want_message.is_empty() {
            assert_eq!(err, "", "{case}");
        } else {
            assert_eq!(err, format!("\n{want_message}\n"), "{case}");
        }
        assert!(!err.contains("hunter2"), "{case}: {err}");
        assert_no_raw_controls(&err);
    }
}
