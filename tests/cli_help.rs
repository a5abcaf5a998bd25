//! `kms-lite` with no arguments, the generated help of every command, the AWS CLI switches that
//! change nothing or how blobs are read, and the shell completion scripts.

mod common;

use common::loopback::Loopback;
use common::{BASE_ENV, code, run, run_with, stderr, stdout, tempdir};
use serde_json::json;

const GLOBAL: &[&str] = &[
    "--region",
    "--endpoint-url",
    "--profile",
    "--ca-bundle",
    "--cli-connect-timeout",
    "--cli-read-timeout",
    "--cli-binary-format",
    "--no-cli-pager",
    "--no-paginate",
    "--color",
    "--debug",
    "--no-verify-ssl",
    "--help",
    "--version",
];
/// The global options only the commands that print a response take.
const RESPONSE: &[&str] = &["--output", "--query"];
/// What every command that calls an operation takes.
const OPERATION: &[&str] = &["--cli-input-json", "--generate-cli-skeleton"];

/// `call`'s own options: its --cli-input-json (no model: no skeleton), and the paging
/// options; it prints a response.
const CALL: &[&str] = &[
    "--cli-input-json",
    "--max-items",
    "--starting-token",
    "--page-size",
];
/// Each command, whether it prints a response, and its own options in help order (before
/// [`OPERATION`]).
const COMMANDS: &[(&str, bool, &[&str])] = &[
    (
        "encrypt",
        true,
        &[
            "--key-id",
            "--plaintext",
            "--encryption-context",
            "--grant-tokens",
            "--encryption-algorithm",
            "--dry-run",
            "--no-dry-run",
            "--ciphertext-out",
        ],
    ),
    (
        "decrypt",
        true,
        &[
            "--ciphertext-blob",
            "--encryption-context",
            "--grant-tokens",
            "--key-id",
            "--encryption-algorithm",
            "--recipient",
            "--dry-run",
            "--no-dry-run",
            "--dry-run-modifiers",
            "--plaintext-out",
        ],
    ),
    (
        "generate-data-key",
        true,
        &[
            "--key-id",
            "--encryption-context",
            "--number-of-bytes",
            "--key-spec",
            "--grant-tokens",
            "--recipient",
            "--dry-run",
            "--no-dry-run",
            "--plaintext-out",
            "--ciphertext-out",
        ],
    ),
    (
        "generate-data-key-without-plaintext",
        true,
        &[
            "--key-id",
            "--encryption-context",
            "--key-spec",
            "--number-of-bytes",
            "--grant-tokens",
            "--dry-run",
            "--no-dry-run",
            "--ciphertext-out",
        ],
    ),
    (
        "re-encrypt",
        true,
        &[
            "--ciphertext-blob",
            "--source-encryption-context",
            "--source-key-id",
            "--destination-key-id",
            "--destination-encryption-context",
            "--source-encryption-algorithm",
            "--destination-encryption-algorithm",
            "--grant-tokens",
            "--dry-run",
            "--no-dry-run",
            "--dry-run-modifiers",
            "--ciphertext-out",
        ],
    ),
    (
        "re-encrypt-batch",
        false,
        &[
            "--destination-key-id",
            "--source-key-id",
            "--source-encryption-context",
            "--destination-encryption-context",
            "--source-encryption-algorithm",
            "--destination-encryption-algorithm",
            "--grant-tokens",
            "--input",
            "--input-dir",
            "--output-file",
            "--journal",
            "--concurrency",
            "--rate",
            "--shard",
            "--give-up-after",
        ],
    ),
];

/// Every option `command` takes: its own, the operation's, then the global ones.
fn options_of(command: &str) -> (Vec<&'static str>, Vec<&'static str>) {
    if command == "completion" {
        return (Vec::new(), GLOBAL.to_vec());
    }
    if command == "call" {
        return (
            CALL.to_vec(),
            RESPONSE.iter().chain(GLOBAL).copied().collect(),
        );
    }
    let (_, prints, own) = COMMANDS
        .iter()
        .find(|(c, _, _)| *c == command)
        .expect("a command of the table");
    let own: Vec<&str> = own.iter().chain(OPERATION).copied().collect();
    let response: &[&str] = if *prints { RESPONSE } else { &[] };
    (own, response.iter().chain(GLOBAL).copied().collect())
}

fn all_commands() -> Vec<&'static str> {
    let mut all: Vec<&str> = COMMANDS.iter().map(|(c, _, _)| *c).collect();
    all.extend(["call", "completion"]);
    all
}

/// The options a help section lists, in order: the first word of each line that starts with
/// two spaces and `--`.
fn headings(help: &str, section: &str) -> Vec<String> {
    let body = help
        .split(&format!("\n{section}\n"))
        .nth(1)
        .unwrap_or_else(|| panic!("no {section} section in:\n{help}"));
    let body = body.split("\n\n").next().unwrap_or_default();
    body.lines()
        .filter(|l| l.starts_with("  --"))
        .map(|l| {
            l.split_whitespace()
                .next()
                .unwrap()
                .trim_end_matches(',')
                .to_owned()
        })
        .collect()
}

/// Every `--word` anywhere in a text.
fn mentioned(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while let Some(at) = text[i..].find("--") {
        let start = i + at;
        let mut end = start + 2;
        while end < bytes.len() && (bytes[end].is_ascii_lowercase() || bytes[end] == b'-') {
            end += 1;
        }
        if end > start + 2 {
            out.push(text[start..end].trim_end_matches('-').to_owned());
        }
        i = end.max(start + 2);
    }
    out
}

#[test]
fn no_arguments_is_the_usage_on_stderr_and_252() {
    for args in [&[][..], &["--region", "eu-west-1"][..]] {
        let out = run_with(args, &[], b"");
        assert_eq!(code(&out), 252, "{args:?}");
        assert_eq!(stdout(&out), "");
        assert_eq!(
            stderr(&out),
            "usage: kms-lite [options] <command> [parameters]\nTo see help text, you can run:\n\n  kms-lite --help\n  kms-lite <command> --help\n\nkms-lite: error: the following arguments are required: command\n"
        );
    }
}

#[test]
fn every_command_help_lists_its_declared_options_and_nothing_else() {
    let every: Vec<&str> = COMMANDS
        .iter()
        .flat_map(|(_, _, own)| own.iter())
        .chain(OPERATION)
        .chain(CALL)
        .chain(RESPONSE)
        .chain(GLOBAL)
        .copied()
        .collect();
    for command in all_commands() {
        let (own, globals) = options_of(command);
        for form in [[command, "--help"], [command, "help"], [command, "-h"]] {
            let out = run_with(&form, &[], b"");
            assert_eq!(code(&out), 0, "{form:?}");
            assert_eq!(stderr(&out), "");
            let help = stdout(&out);
            assert!(help.starts_with(&format!("kms-lite {command}: ")), "{help}");
            if own.is_empty() {
                assert!(!help.contains("\nOPTIONS\n"), "{help}");
            } else {
                assert_eq!(headings(&help, "OPTIONS"), own, "{command}");
            }
            assert_eq!(headings(&help, "GLOBAL OPTIONS"), globals, "{command}");
            // Prose may name other options, but only options that exist.
            for word in mentioned(&help) {
                assert!(
                    word == "--option" || every.contains(&word.as_str()),
                    "{command} help names {word}, which no command takes"
                );
            }
        }
    }
}

#[test]
fn the_help_of_a_command_shows_each_option_with_its_value_and_required_mark() {
    let out = run_with(&["encrypt", "--help"], &[], b"");
    let help = stdout(&out);
    assert!(help.contains("\nusage: kms-lite encrypt --key-id KEY --plaintext BLOB [options]\n"));
    assert!(help.contains("\n  --key-id KEY                    (required)\n"));
    assert!(help.contains("\n  --plaintext BLOB                (required)\n"));
    assert!(help.contains("\n  --grant-tokens TOKEN [TOKEN ...]\n"));
    assert!(help.contains("\n  --generate-cli-skeleton [input|output]\n"));
    assert!(help.contains("\n  --output json|text|table|yaml|yaml-stream|off\n"));
    assert!(help.contains("\n  --color on|off|auto\n"));
    assert!(help.contains("\n  --cli-binary-format base64|raw-in-base64-out\n"));
    assert!(help.contains("\n  --help, -h\n"));
    assert!(help.contains(
        "The members: CiphertextBlob, KeyId, EncryptionAlgorithm.\n  Errors go to stderr, a service error as\n  `An error occurred (CODE) when calling the Encrypt operation: MESSAGE`.\n"
    ));
    // The switches that change nothing say so; --no-paginate says what it does.
    for switch in ["--no-cli-pager", "--color on|off|auto"] {
        let entry = help.split(&format!("\n  {switch}\n")).nth(1).unwrap();
        assert!(entry.starts_with("      Accepted for the AWS CLI's sake; changes nothing"));
    }
    let entry = help.split("\n  --no-paginate\n").nth(1).unwrap();
    assert!(entry.starts_with("      Fetch one page only: `call` with a paginated operation"));
    let out = run_with(&["re-encrypt-batch", "--help"], &[], b"");
    assert!(stdout(&out).contains(
        "\nusage: kms-lite re-encrypt-batch --destination-key-id KEY\n          (--input PATH|- | --input-dir DIR) [options]\n"
    ));
    let out = run_with(&["completion", "--help"], &[], b"");
    assert!(
        stdout(&out).contains("\nusage: kms-lite completion <shell> [options]\n"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn top_help_lists_every_command_and_every_global_option() {
    for form in [&["--help"][..], &["help"], &["-h"]] {
        let out = run_with(form, &[], b"");
        assert_eq!(code(&out), 0);
        let top = stdout(&out);
        for c in all_commands() {
            assert!(
                top.contains(&format!("\n  {c} ")) || top.contains(&format!("\n  {c}\n")),
                "top help lacks {c}"
            );
        }
        let globals: Vec<&str> = RESPONSE.iter().chain(GLOBAL).copied().collect();
        assert_eq!(
            headings(&top, "GLOBAL OPTIONS (before or after the command)"),
            globals
        );
    }
}

const OK_BODY: &str = r#"{"CiphertextBlob":"AQIDBA==","KeyId":"arn:aws:kms:us-east-1:111122223333:key/new","SourceKeyId":"arn:aws:kms:us-east-1:111122223333:key/old"}"#;
const OK_JSON: &str = "{\n    \"CiphertextBlob\": \"AQIDBA==\",\n    \"SourceKeyId\": \"arn:aws:kms:us-east-1:111122223333:key/old\",\n    \"KeyId\": \"arn:aws:kms:us-east-1:111122223333:key/new\"\n}\n";

#[test]
fn pager_pagination_and_color_switches_change_nothing_outside_call() {
    for switches in [
        &[][..],
        &["--no-cli-pager", "--no-paginate", "--color", "off"],
        &["--color=on", "--no-paginate"],
        &["--color", "auto", "--no-cli-pager"],
    ] {
        let server = Loopback::reply(200, OK_BODY);
        let mut args = vec![
            "re-encrypt",
            "--endpoint-url",
            &server.url,
            "--destination-key-id",
            "alias/new",
            "--ciphertext-blob",
            "AAAA",
        ];
        args.extend_from_slice(switches);
        let out = run(&args);
        assert_eq!(code(&out), 0, "{switches:?}: {}", stderr(&out));
        assert_eq!(stdout(&out), OK_JSON, "{switches:?}");
        assert_eq!(stderr(&out), "");
        assert_eq!(
            server.request().json(),
            json!({"CiphertextBlob": "AAAA", "DestinationKeyId": "alias/new"})
        );
    }
    let out = run(&[
        "re-encrypt",
        "--destination-key-id",
        "k",
        "--color",
        "always",
    ]);
    assert_eq!(code(&out), 252);
    assert!(stderr(&out).ends_with(
        "\nkms-lite: error: argument --color: Invalid choice, valid choices are: on | off | auto\n"
    ));
}

/// Runs `encrypt --plaintext TEXT` with extra arguments and environment; the Plaintext sent.
fn sent_plaintext(text: &str, extra: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let server = Loopback::reply(200, r#"{"CiphertextBlob":"AQID","KeyId":"k"}"#);
    let mut args = vec![
        "encrypt",
        "--endpoint-url",
        &server.url,
        "--key-id",
        "k",
        "--plaintext",
        text,
        "--query",
        "KeyId",
    ];
    args.extend_from_slice(extra);
    let mut all_env = BASE_ENV.to_vec();
    all_env.extend_from_slice(env);
    let out = run_with(&args, &all_env, b"");
    let status = code(&out);
    let sent = if status == 0 {
        server.request().json()["Plaintext"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    } else {
        String::new()
    };
    (status, sent, stderr(&out))
}

#[test]
fn raw_in_base64_out_takes_text_blobs_as_their_bytes() {
    // base64 (the default): the text is decoded; "secret text" is not base64.
    assert_eq!(
        sent_plaintext("c2VjcmV0", &[], &[]),
        (0, "c2VjcmV0".into(), String::new())
    );
    let (status, _, err) = sent_plaintext("secret text", &[], &[]);
    assert_eq!(status, 252);
    assert!(
        err.starts_with("\nError parsing parameter '--plaintext': Invalid base64: "),
        "{err}"
    );
    assert!(!err.contains("secret"), "{err}");
    // raw-in-base64-out: the text's UTF-8 is the plaintext (sent base64-encoded).
    let raw = ["--cli-binary-format", "raw-in-base64-out"];
    assert_eq!(
        sent_plaintext("secret text", &raw, &[]),
        (0, "c2VjcmV0IHRleHQ=".into(), String::new())
    );
    assert_eq!(
        sent_plaintext("é", &raw, &[]),
        (0, "w6k=".into(), String::new())
    );
    // A file:// holds text: its bytes as they are.
    let dir = tempdir("raw");
    let file = dir.join("p.txt");
    std::fs::write(&file, "line one\n").unwrap();
    let arg = format!("file://{}", file.display());
    assert_eq!(
        sent_plaintext(&arg, &raw, &[]),
        (0, "bGluZSBvbmUK".into(), String::new())
    );
    // fileb:// is raw bytes in either format.
    std::fs::write(&file, [0u8, 0xff]).unwrap();
    let arg = format!("fileb://{}", file.display());
    for format in ["base64", "raw-in-base64-out"] {
        assert_eq!(
            sent_plaintext(&arg, &["--cli-binary-format", format], &[]),
            (0, "AP8=".into(), String::new())
        );
    }
}

#[test]
fn the_profile_cli_binary_format_applies_unless_the_option_says_otherwise() {
    let dir = tempdir("profile");
    let config = dir.join("config");
    std::fs::write(
        &config,
        "[default]\ncli_binary_format = raw-in-base64-out\n\n[profile odd]\ncli_binary_format = hex\n",
    )
    .unwrap();
    let config_path = config.to_str().unwrap().to_owned();
    let env = [
        ("AWS_CONFIG_FILE", config_path.as_str()),
        (
            "AWS_SHARED_CREDENTIALS_FILE",
            "/nonexistent/kms-lite-credentials",
        ),
    ];
    assert_eq!(
        sent_plaintext("hi", &[], &env),
        (0, "aGk=".into(), String::new())
    );
    assert_eq!(
        sent_plaintext("aGk=", &["--cli-binary-format", "base64"], &env),
        (0, "aGk=".into(), String::new())
    );
    let (status, _, err) = sent_plaintext("aGk=", &["--profile", "odd"], &env);
    assert_eq!(status, 253);
    assert_eq!(
        err,
        "\ncli_binary_format in profile odd must be base64 or raw-in-base64-out\n"
    );
}

fn script(shell: &str) -> String {
    let out = run_with(&["completion", shell], &[], b"");
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(stderr(&out), "");
    stdout(&out)
}

fn shell_check(shell: &str, script: &str) -> Option<std::process::Output> {
    let dir = tempdir(&format!("check-{shell}"));
    let path = dir.join(format!("kms-lite.{shell}"));
    std::fs::write(&path, script).unwrap();
    match std::process::Command::new(shell)
        .arg("-n")
        .arg(&path)
        .output()
    {
        Ok(out) => Some(out),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => panic!("{shell}: {e}"),
    }
}

#[test]
fn completion_scripts_parse_and_name_every_option_of_every_command() {
    for shell in ["bash", "zsh"] {
        let text = script(shell);
        match shell_check(shell, &text) {
            None => eprintln!("SKIPPED: {shell} not found; its script was not parsed"),
            Some(out) => assert!(
                out.status.success(),
                "{shell} -n: {}",
                String::from_utf8_lossy(&out.stderr)
            ),
        }
        for command in all_commands() {
            // The command's own branch of the script names each of its options.
            let branch = text
                .split(&format!("\n        {command})\n"))
                .nth(1)
                .unwrap_or_else(|| panic!("{shell}: no branch for {command}"));
            let branch = branch.split(";;").next().unwrap();
            // zsh specs hold descriptions in brackets: only the option names count.
            let names: String = branch
                .split('[')
                .map(|part| part.split_once(']').map_or(part, |(_, rest)| rest))
                .collect();
            let (own, globals) = options_of(command);
            for o in own.iter().chain(&globals) {
                assert!(
                    mentioned(&names).contains(&o.to_string()),
                    "{shell}: {command} lacks {o}"
                );
            }
            for word in mentioned(&names) {
                assert!(
                    own.contains(&word.as_str()) || globals.contains(&word.as_str()),
                    "{shell}: {command} offers {word}"
                );
            }
        }
    }
    let out = run_with(&["completion", "fish"], &[], b"");
    assert_eq!(code(&out), 252);
    assert!(stderr(&out).ends_with(
        "\nkms-lite: error: argument shell: Invalid choice, valid choices are: bash | zsh\n"
    ));
}

/// What the bash script offers for `words`, the last being the word under the cursor.
fn bash_complete(script_path: &std::path::Path, words: &[&str]) -> Vec<String> {
    let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    let program = format!(
        "source '{}'; COMP_WORDS=(kms-lite {}); COMP_CWORD={}; _kms_lite; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        script_path.display(),
        quoted.join(" "),
        words.len()
    );
    let out = std::process::Command::new("bash")
        .arg("-c")
        .arg(program)
        .env_clear()
        .output()
        .expect("bash runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut offered: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect();
    offered.sort();
    offered
}

fn sorted(words: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = words.iter().map(|w| w.to_string()).collect();
    v.sort();
    v
}

#[test]
fn bash_completion_offers_commands_options_and_values() {
    let dir = tempdir("bash");
    let path = dir.join("kms-lite.bash");
    std::fs::write(&path, script("bash")).unwrap();
    assert_eq!(bash_complete(&path, &[""]), sorted(&all_commands()));
    assert_eq!(
        bash_complete(&path, &["re-"]),
        sorted(&["re-encrypt", "re-encrypt-batch"])
    );
    for command in all_commands() {
        let (own, globals) = options_of(command);
        let all: Vec<&str> = own.iter().chain(&globals).copied().collect();
        // Global options before the command, with their values, are skipped over.
        let words = ["--region", "eu-west-1", "--debug", command, "--"];
        assert_eq!(bash_complete(&path, &words), sorted(&all), "{command}");
    }
    assert_eq!(
        bash_complete(&path, &["re-encrypt", "--destination-"]),
        sorted(&[
            "--destination-key-id",
            "--destination-encryption-context",
            "--destination-encryption-algorithm",
        ])
    );
    assert_eq!(
        bash_complete(&path, &["--output", ""]),
        sorted(&["json", "text", "table", "yaml", "yaml-stream", "off"])
    );
    assert_eq!(
        bash_complete(&path, &["--output", "y"]),
        sorted(&["yaml", "yaml-stream"])
    );
    assert_eq!(
        bash_complete(&path, &["encrypt", "--encryption-algorithm", "RSA"]),
        sorted(&["RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256"])
    );
    assert_eq!(
        bash_complete(&path, &["generate-data-key", "--key-spec", ""]),
        sorted(&["AES_256", "AES_128"])
    );
    assert_eq!(
        bash_complete(&path, &["decrypt", "--dry-run-modifiers", ""]),
        sorted(&["IGNORE_CIPHERTEXT"])
    );
    assert_eq!(
        bash_complete(&path, &["re-encrypt", "--generate-cli-skeleton", ""]),
        sorted(&["input", "output"])
    );
    assert_eq!(
        bash_complete(&path, &["encrypt", "--cli-binary-format", ""]),
        sorted(&["base64", "raw-in-base64-out"])
    );
    assert_eq!(
        bash_complete(&path, &["completion", ""]),
        sorted(&["bash", "zsh"])
    );
    assert_eq!(
        bash_complete(&path, &["call", "GenerateDataKeyP"]),
        sorted(&["GenerateDataKeyPair", "GenerateDataKeyPairWithoutPlaintext"])
    );
    assert_eq!(bash_complete(&path, &["call", ""]).len(), 56);
    // A free value (a key, a path) offers nothing of its own: the shell completes file names.
    assert_eq!(
        bash_complete(&path, &["encrypt", "--key-id", ""]),
        sorted(&[])
    );
}

/// Drives an interactive zsh in a pseudo-terminal (zsh/zpty): types each line, presses TAB,
/// and waits for what the completion must show; `ok LINE` for each.
const ZSH_DRIVER: &str = r#"
zmodload zsh/zpty
zpty z zsh -f -i
zpty -w z "PS1='%% '; autoload -Uz compinit; compinit -D -d ${(q)2}; source ${(q)1}; print READY"
zpty -r z out '*READY*'
check() {
  zpty -w -n z "$1"$'\t'
  zpty -r z out "*$2*" && print -r -- "ok $1"
  # Ctrl-U: clear the line for the next one.
  zpty -w -n z $'\x15'
}
check 'kms-lite generate-data-key --key-s' '--key-spec'
check 'kms-lite generate-data-key --key-spec AES_1' 'AES_128'
check 'kms-lite re-encrypt-b' 're-encrypt-batch'
check 'kms-lite --region eu-west-1 encrypt --cli-in' '--cli-input-json'
check 'kms-lite --output j' 'json'
check 'kms-lite completion z' 'zsh'
check 'kms-lite decrypt --encryption-algorithm SM' 'SM2PKE'
check 'kms-lite re-encrypt --generate-cli-skeleton ou' 'output'
check 'kms-lite call DescribeK' 'DescribeKey'
zpty -d z
"#;

#[test]
fn zsh_completion_completes_commands_options_and_values() {
    let dir = tempdir("zsh");
    let script_path = dir.join("_kms-lite");
    std::fs::write(&script_path, script("zsh")).unwrap();
    let driver = dir.join("driver.zsh");
    std::fs::write(&driver, ZSH_DRIVER).unwrap();
    // `timeout` only keeps a completion that never comes from hanging the test.
    let out = match std::process::Command::new("timeout")
        .args(["60", "zsh", "-f"])
        .arg(&driver)
        .arg(&script_path)
        .arg(dir.join("zcompdump"))
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .output()
    {
        Ok(out) if out.status.code() != Some(127) => out,
        _ => {
            eprintln!("SKIPPED: zsh (or timeout) not found; the zsh completion was not run");
            return;
        }
    };
    let lines: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_owned)
        .collect();
    assert_eq!(
        lines,
        [
            "ok kms-lite generate-data-key --key-s",
            "ok kms-lite generate-data-key --key-spec AES_1",
            "ok kms-lite re-encrypt-b",
            "ok kms-lite --region eu-west-1 encrypt --cli-in",
            "ok kms-lite --output j",
            "ok kms-lite completion z",
            "ok kms-lite decrypt --encryption-algorithm SM",
            "ok kms-lite re-encrypt --generate-cli-skeleton ou",
            "ok kms-lite call DescribeK",
        ],
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}
