//! The output formats and `--query`, through the binary against a loopback server: where the
//! format comes from (`--output`, `AWS_DEFAULT_OUTPUT`, the profile's `output`), what each
//! prints, the JMESPath queries users write, and the errors. Expected outputs are the AWS CLI
//! v2's for the same responses.

mod common;

use common::loopback::{Loopback, closed_port_url};
use common::{BASE_ENV, code, run, run_with, stderr, stdout};

const KEY_NEW: &str = "arn:aws:kms:us-east-1:111122223333:key/new";
const RE_ENCRYPT_BODY: &str = r#"{"CiphertextBlob":"AQIDBA==","KeyId":"arn:aws:kms:us-east-1:111122223333:key/new","SourceKeyId":"arn:aws:kms:us-east-1:111122223333:key/old","SourceEncryptionAlgorithm":"SYMMETRIC_DEFAULT","DestinationEncryptionAlgorithm":"SYMMETRIC_DEFAULT"}"#;

const KEY_ARN: &str = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const MATERIAL: &str = "d1c6b1d3f1e2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c";
/// A plaintext no other text here contains, in base64.
const SECRET_B64: &str = "VE9QU0VDUkVULXBsYWludGV4dC0wMTIz";

const USAGE_HEAD: &str = "usage: kms-lite [options] <command> [parameters]\n";

/// `re-encrypt` against `url` with `extra` options.
fn re_encrypt<'a>(url: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut v = vec![
        "re-encrypt",
        "--endpoint-url",
        url,
        "--destination-key-id",
        "alias/new",
        "--ciphertext-blob",
        "AAAA",
    ];
    v.extend_from_slice(extra);
    v
}

/// What re-encrypt prints with `extra` options and `env` besides the base environment.
fn printed(extra: &[&str], env: &[(&str, &str)]) -> String {
    let server = Loopback::reply(200, RE_ENCRYPT_BODY);
    let mut all = BASE_ENV.to_vec();
    all.extend_from_slice(env);
    let out = run_with(&re_encrypt(&server.url, extra), &all, b"");
    assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
    assert_eq!(stderr(&out), "");
    stdout(&out)
}

/// A config file holding `contents`, removed when dropped.
struct ConfigFile(std::path::PathBuf);

impl ConfigFile {
    fn new(name: &str, contents: &str) -> ConfigFile {
        let path = std::env::temp_dir().join(format!(
            "kms-lite-cli-output-{name}-{}.config",
            std::process::id()
        ));
        std::fs::write(&path, contents).unwrap();
        ConfigFile(path)
    }

    fn path(&self) -> &str {
        self.0.to_str().unwrap()
    }
}

impl Drop for ConfigFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

const TABLE: &str = "\
----------------------------------------------------------------------------------
|                                    ReEncrypt                                   |
+---------------------------------+----------------------------------------------+
|  CiphertextBlob                 |  AQIDBA==                                    |
|  DestinationEncryptionAlgorithm |  SYMMETRIC_DEFAULT                           |
|  KeyId                          |  arn:aws:kms:us-east-1:111122223333:key/new  |
|  SourceEncryptionAlgorithm      |  SYMMETRIC_DEFAULT                           |
|  SourceKeyId                    |  arn:aws:kms:us-east-1:111122223333:key/old  |
+---------------------------------+----------------------------------------------+
";

const YAML: &str = "\
CiphertextBlob: AQIDBA==
DestinationEncryptionAlgorithm: SYMMETRIC_DEFAULT
KeyId: arn:aws:kms:us-east-1:111122223333:key/new
SourceEncryptionAlgorithm: SYMMETRIC_DEFAULT
SourceKeyId: arn:aws:kms:us-east-1:111122223333:key/old
";

const JSON: &str = "\
{
    \"CiphertextBlob\": \"AQIDBA==\",
    \"SourceKeyId\": \"arn:aws:kms:us-east-1:111122223333:key/old\",
    \"KeyId\": \"arn:aws:kms:us-east-1:111122223333:key/new\",
    \"SourceEncryptionAlgorithm\": \"SYMMETRIC_DEFAULT\",
    \"DestinationEncryptionAlgorithm\": \"SYMMETRIC_DEFAULT\"
}
";

#[test]
fn every_format_prints_the_response_as_the_aws_cli_v2_does() {
    // Wider than 80 columns as one row: key/value rows, columns scaled to the widest section.
    assert_eq!(printed(&["--output", "table"], &[]), TABLE);
    // Keys sorted; base64 with `+`, `/` or `=` stays plain.
    assert_eq!(printed(&["--output", "yaml"], &[]), YAML);
    assert_eq!(
        printed(&["--output", "yaml-stream"], &[]),
        "\
- CiphertextBlob: AQIDBA==
  DestinationEncryptionAlgorithm: SYMMETRIC_DEFAULT
  KeyId: arn:aws:kms:us-east-1:111122223333:key/new
  SourceEncryptionAlgorithm: SYMMETRIC_DEFAULT
  SourceKeyId: arn:aws:kms:us-east-1:111122223333:key/old
"
    );
    assert_eq!(
        printed(&["--output", "text"], &[]),
        format!(
            "AQIDBA==\tSYMMETRIC_DEFAULT\t{KEY_NEW}\tSYMMETRIC_DEFAULT\t\
             arn:aws:kms:us-east-1:111122223333:key/old\n"
        )
    );
    assert_eq!(printed(&["--output=json"], &[]), JSON);
    assert_eq!(printed(&[], &[]), JSON);
    assert_eq!(printed(&["--output", "off"], &[]), "");
}

#[test]
fn the_format_comes_from_the_option_then_the_environment_then_the_profile() {
    let config = ConfigFile::new(
        "precedence",
        "[default]\noutput = table\n[profile y]\noutput = yaml\n[profile none]\nregion = us-east-1\n",
    );
    let file = ("AWS_CONFIG_FILE", config.path());
    // The profile's `output`, which the AWS CLI honours: `default`, then the one chosen.
    assert_eq!(printed(&[], &[file]), TABLE);
    assert_eq!(printed(&["--profile", "y"], &[file]), YAML);
    assert_eq!(printed(&[], &[file, ("AWS_PROFILE", "y")]), YAML);
    assert_eq!(printed(&["--profile", "none"], &[file]), JSON);
    // AWS_DEFAULT_OUTPUT wins over the profile; blank counts as unset.
    assert_eq!(printed(&[], &[file, ("AWS_DEFAULT_OUTPUT", "yaml")]), YAML);
    assert_eq!(printed(&[], &[("AWS_DEFAULT_OUTPUT", "yaml")]), YAML);
    assert_eq!(printed(&[], &[file, ("AWS_DEFAULT_OUTPUT", " ")]), TABLE);
    // The option wins over both.
    assert_eq!(
        printed(
            &["--output", "json"],
            &[file, ("AWS_DEFAULT_OUTPUT", "yaml")]
        ),
        JSON
    );
}

#[test]
fn an_unknown_format_is_the_aws_cli_error_and_nothing_is_sent() {
    // Nothing listens on the endpoint: a request would be a connection error instead.
    let url = closed_port_url();
    let out = run(&re_encrypt(&url, &["--output", "xml"]));
    assert_eq!(code(&out), 252);
    let err = stderr(&out);
    assert!(err.starts_with(USAGE_HEAD), "{err}");
    assert!(
        err.ends_with(
            "\nkms-lite: error: argument --output: Invalid choice, valid choices are: \
             json | text | table | yaml | yaml-stream | off\n"
        ),
        "{err}"
    );

    let mut env = BASE_ENV.to_vec();
    env.push(("AWS_DEFAULT_OUTPUT", "YAML"));
    let out = run_with(&re_encrypt(&url, &[]), &env, b"");
    assert_eq!(code(&out), 255);
    assert_eq!(stderr(&out), "\nUnknown output type: YAML\n");
    assert_eq!(out.stdout, b"");

    let config = ConfigFile::new("unknown", "[default]\noutput = xml\n");
    let mut env = BASE_ENV.to_vec();
    env.push(("AWS_CONFIG_FILE", config.path()));
    let out = run_with(&re_encrypt(&url, &[]), &env, b"");
    assert_eq!(code(&out), 255);
    assert_eq!(stderr(&out), "\nUnknown output type: xml\n");

    // A config file that cannot be read is the configuration error the client would give.
    let config = ConfigFile::new("malformed", "[default\noutput = yaml\n");
    let mut env = BASE_ENV.to_vec();
    env.push(("AWS_CONFIG_FILE", config.path()));
    let out = run_with(&re_encrypt(&url, &[]), &env, b"");
    assert_eq!(code(&out), 253, "stderr: {}", stderr(&out));
}

/// The unknown type is echoed as the AWS CLI does, but a variable or a config file cannot drive
/// the terminal through it: its control characters are escaped.
#[test]
fn an_unknown_format_from_the_environment_or_a_profile_is_echoed_escaped() {
    let url = closed_port_url();
    let hostile = "x\u{1b}]0;owned\u{7}\u{9b}2J\u{202e}";
    let want = "\nUnknown output type: x\\u{1b}]0;owned\\u{7}\\u{9b}2J\\u{202e}\n";
    let mut env = BASE_ENV.to_vec();
    env.push(("AWS_DEFAULT_OUTPUT", hostile));
    let out = run_with(&re_encrypt(&url, &[]), &env, b"");
    assert_eq!((code(&out), stderr(&out).as_str()), (255, want));

    let config = ConfigFile::new("hostile", &format!("[default]\noutput = {hostile}\n"));
    let mut env = BASE_ENV.to_vec();
    env.push(("AWS_CONFIG_FILE", config.path()));
    let out = run_with(&re_encrypt(&url, &[]), &env, b"");
    assert_eq!((code(&out), stderr(&out).as_str()), (255, want));
}

#[test]
fn the_queries_from_the_issue() {
    let q = |query: &str, output: &str| printed(&["--query", query, "--output", output], &[]);
    assert_eq!(q("KeyId", "json"), format!("\"{KEY_NEW}\"\n"));
    assert_eq!(q("KeyId", "text"), format!("{KEY_NEW}\n"));
    assert_eq!(q("\"KeyId\"", "yaml"), format!("{KEY_NEW}\n...\n"));
    assert_eq!(q("KeyId", "yaml-stream"), format!("- {KEY_NEW}\n"));
    // A scalar in a table shows only the title.
    assert_eq!(
        q("KeyId", "table"),
        "-----------\n|ReEncrypt|\n+---------+\n"
    );

    let hash = "{id: KeyId, src: SourceKeyId}";
    assert_eq!(
        q(hash, "json"),
        format!(
            "{{\n    \"id\": \"{KEY_NEW}\",\n    \"src\": \
             \"arn:aws:kms:us-east-1:111122223333:key/old\"\n}}\n"
        )
    );
    assert_eq!(
        q(hash, "text"),
        format!("{KEY_NEW}\tarn:aws:kms:us-east-1:111122223333:key/old\n")
    );
    assert_eq!(
        q("{id: KeyId, alg: DestinationEncryptionAlgorithm}", "yaml"),
        format!("alg: SYMMETRIC_DEFAULT\nid: {KEY_NEW}\n")
    );
    assert_eq!(
        q("{id: KeyId, alg: DestinationEncryptionAlgorithm}", "table"),
        "\
---------------------------------------------------------------------
|                             ReEncrypt                             |
+--------------------+----------------------------------------------+
|         alg        |                     id                       |
+--------------------+----------------------------------------------+
|  SYMMETRIC_DEFAULT |  arn:aws:kms:us-east-1:111122223333:key/new  |
+--------------------+----------------------------------------------+
"
    );

    assert_eq!(q("length(CiphertextBlob)", "json"), "8\n");
    assert_eq!(q("length(CiphertextBlob)", "text"), "8\n");
    assert_eq!(q("length(CiphertextBlob)", "yaml"), "8\n...\n");
    assert_eq!(
        q("[KeyId, SourceKeyMaterialId]", "text"),
        format!("{KEY_NEW}\tNone\n")
    );
    assert_eq!(
        q(
            "[KeyId, SourceKeyId] | [?ends_with(@, '/new')] | join(',', @)",
            "text"
        ),
        format!("{KEY_NEW}\n")
    );
    assert_eq!(
        q(
            "starts_with(KeyId, 'arn:aws:kms:') && !contains(KeyId, 'old')",
            "json"
        ),
        "true\n"
    );
    // A falsy result prints nothing in a table, as in the AWS CLI.
    assert_eq!(q("Missing", "table"), "");
    assert_eq!(q("Missing", "json"), "null\n");
    assert_eq!(q("Missing", "text"), "None\n");
}

#[test]
fn a_bad_query_fails_before_anything_is_sent() {
    let url = closed_port_url();
    for (query, message) in [
        (
            "KeyId.",
            "Bad value for --query KeyId.: Expecting: ['quoted_identifier', \
             'unquoted_identifier', 'lbracket', 'lbrace'], got: eof: Parse error at column 6, \
             token \"\" (EOF), for expression:\n\"KeyId.\"\n       ^",
        ),
        (
            "[KeyId",
            "Bad value for --query [KeyId: Invalid jmespath expression: Incomplete \
             expression:\n\"[KeyId\"\n       ^",
        ),
        (
            "lenght(KeyId)",
            "Bad value for --query lenght(KeyId): Unknown function: lenght() (at column 0), \
             for expression:\n\"lenght(KeyId)\"\n ^",
        ),
        (
            "KeyId == `\"x`",
            "Bad value for --query KeyId == `\"x`: Bad jmespath expression: Bad token \"x:\n\
             KeyId == `\"x`\n         ^",
        ),
        (
            "",
            "Bad value for --query : Invalid JMESPath expression: cannot be empty.",
        ),
        // Control characters (an expression built from a script's data) are escaped, and the
        // caret stays under the escaped column.
        (
            "a.\u{1b}]0;x\u{7}",
            "Bad value for --query a.\\u{1b}]0;x\\u{7}: Bad jmespath expression: Unknown token \
             \\u{1b}:\na.\\u{1b}]0;x\\u{7}\n  ^",
        ),
        (
            "\u{9b}2J.Key\u{7}",
            "Bad value for --query \\u{9b}2J.Key\\u{7}: Bad jmespath expression: Unknown token \
             \\u{9b}:\n\\u{9b}2J.Key\\u{7}\n^",
        ),
        (
            "'\u{1b}[31m' | [",
            "Bad value for --query '\\u{1b}[31m' | [: Invalid jmespath expression: Incomplete \
             expression:\n\"'\\u{1b}[31m' | [\"\n                 ^",
        ),
        (
            "\"\u{202e}\" \"x\"",
            "Bad value for --query \"\\u{202e}\" \"x\": Unexpected token: x: Parse error at \
             column 4, token \"x\" (QUOTED_IDENTIFIER), for expression:\n\"\"\\u{202e}\" \
             \"x\"\"\n            ^",
        ),
    ] {
        let out = run(&re_encrypt(&url, &["--query", query]));
        assert_eq!(code(&out), 252, "{query}: {}", stderr(&out));
        assert_eq!(stderr(&out), format!("\n{message}\n"), "{query}");
        assert_eq!(out.stdout, b"");
    }
}

#[test]
fn a_type_error_is_252_and_never_shows_the_value() {
    let body = format!(
        r#"{{"KeyId":"{KEY_ARN}","Plaintext":"{SECRET_B64}","EncryptionAlgorithm":"SYMMETRIC_DEFAULT"}}"#
    );
    let server = Loopback::reply(200, &body);
    let out = run(&[
        "decrypt",
        "--endpoint-url",
        &server.url,
        "--ciphertext-blob",
        "AAAA",
        "--query",
        "abs(Plaintext)",
    ]);
    assert_eq!(code(&out), 252);
    assert_eq!(
        stderr(&out),
        "\nBad value for --query abs(Plaintext): In function abs(), invalid type for value, \
         expected one of: ['number'], received: \"string\" (at column 0), for expression:\n\
         \"abs(Plaintext)\"\n ^\n"
    );
    assert_eq!(out.stdout, b"");
}

#[test]
fn every_command_applies_the_query_and_the_format() {
    let encrypt = format!(
        r#"{{"CiphertextBlob":"AQIDBA==","KeyId":"{KEY_ARN}","EncryptionAlgorithm":"SYMMETRIC_DEFAULT"}}"#
    );
    let decrypt = format!(
        r#"{{"KeyId":"{KEY_ARN}","Plaintext":"{SECRET_B64}","EncryptionAlgorithm":"SYMMETRIC_DEFAULT","KeyMaterialId":"{MATERIAL}"}}"#
    );
    let gdk = format!(
        r#"{{"CiphertextBlob":"AQIDBA==","Plaintext":"{SECRET_B64}","KeyId":"{KEY_ARN}","KeyMaterialId":"{MATERIAL}"}}"#
    );
    let gdkwp = format!(
        r#"{{"CiphertextBlob":"BQYHCA==","KeyId":"{KEY_ARN}","KeyMaterialId":"{MATERIAL}"}}"#
    );
    let commands: [(&str, &[&str], &str, &str); 5] = [
        (
            "encrypt",
            &["--key-id", "k", "--plaintext", "AAAA"],
            &encrypt,
            "Encrypt",
        ),
        (
            "decrypt",
            &["--ciphertext-blob", "AAAA"],
            &decrypt,
            "Decrypt",
        ),
        (
            "generate-data-key",
            &["--key-id", "k", "--key-spec", "AES_256"],
            &gdk,
            "GenerateDataKey",
        ),
        (
            "generate-data-key-without-plaintext",
            &["--key-id", "k", "--key-spec", "AES_256"],
            &gdkwp,
            "GenerateDataKeyWithoutPlaintext",
        ),
        (
            "re-encrypt",
            &["--ciphertext-blob", "AAAA", "--destination-key-id", "k"],
            RE_ENCRYPT_BODY,
            "ReEncrypt",
        ),
    ];
    for (command, options, body, operation) in commands {
        let run_command = |extra: &[&str]| {
            let server = Loopback::reply(200, body);
            let mut args = vec![command, "--endpoint-url", server.url.as_str()];
            args.extend_from_slice(options);
            args.extend_from_slice(extra);
            let out = run(&args);
            assert_eq!(code(&out), 0, "{command}: {}", stderr(&out));
            stdout(&out)
        };
        // The table's title is the operation's name.
        let bar = "-".repeat(operation.len());
        assert_eq!(
            run_command(&["--output", "table", "--query", "KeyId"]),
            format!("-{bar}-\n|{operation}|\n+{bar}+\n"),
            "{command}"
        );
        let key = if command == "re-encrypt" {
            KEY_NEW
        } else {
            KEY_ARN
        };
        assert_eq!(
            run_command(&["--query", "{k: KeyId}", "--output", "yaml-stream"]),
            format!("- k: {key}\n"),
            "{command}"
        );
    }

    // Whole responses as YAML: sorted keys; the 64-hex key material id stays plain.
    let server = Loopback::reply(200, &decrypt);
    let out = run(&[
        "decrypt",
        "--endpoint-url",
        &server.url,
        "--ciphertext-blob",
        "AAAA",
        "--output",
        "yaml",
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        format!(
            "EncryptionAlgorithm: SYMMETRIC_DEFAULT\nKeyId: {KEY_ARN}\nKeyMaterialId: \
             {MATERIAL}\nPlaintext: {SECRET_B64}\n"
        )
    );
    // A one-member object too wide for the terminal: one key/value row, columns scaled.
    let server = Loopback::reply(200, &gdk);
    let out = run(&[
        "generate-data-key",
        "--endpoint-url",
        &server.url,
        "--key-id",
        "k",
        "--key-spec",
        "AES_256",
        "--output",
        "table",
        "--query",
        "{Id: KeyId}",
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "\
---------------------------------------------------------------------------------------
|                                   GenerateDataKey                                   |
+----+--------------------------------------------------------------------------------+
|  Id|  arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab   |
+----+--------------------------------------------------------------------------------+
"
    );
}

#[test]
fn the_query_applies_to_what_the_raw_outputs_leave() {
    let dir = std::env::temp_dir().join(format!("kms-lite-cli-output-raw-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("new.enc");
    let path_arg = path.to_str().unwrap();
    // CiphertextBlob went to the file: the query sees it missing, as in the printed JSON.
    let out = printed(
        &[
            "--ciphertext-out",
            path_arg,
            "--query",
            "[CiphertextBlob, KeyId]",
            "--output",
            "yaml",
        ],
        &[],
    );
    assert_eq!(out, format!("- null\n- {KEY_NEW}\n"));
    assert_eq!(std::fs::read(&path).unwrap(), [1, 2, 3, 4]);

    // The plaintext to a file: not printed, not queryable; the rest is.
    let body = format!(
        r#"{{"CiphertextBlob":"AQIDBA==","Plaintext":"{SECRET_B64}","KeyId":"{KEY_ARN}"}}"#
    );
    let server = Loopback::reply(200, &body);
    let key_path = dir.join("key.bin");
    let out = run(&[
        "generate-data-key",
        "--endpoint-url",
        &server.url,
        "--key-id",
        "k",
        "--key-spec",
        "AES_256",
        "--plaintext-out",
        key_path.to_str().unwrap(),
        "--output",
        "text",
        "--query",
        "[Plaintext, CiphertextBlob]",
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(stdout(&out), "None\tAQIDBA==\n");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_query_cannot_build_an_unbounded_result() {
    // Each stage doubles the value: refused long before memory runs out.
    let query = "{a:@,b:@}".to_string() + &"|{a:@,b:@}".repeat(40);
    let server = Loopback::reply(200, RE_ENCRYPT_BODY);
    let out = run(&re_encrypt(&server.url, &["--query", &query]));
    assert_eq!(code(&out), 252);
    assert!(
        stderr(&out).contains("the query would copy or build more than 4 Mi values"),
        "{}",
        stderr(&out)
    );
    assert_eq!(out.stdout, b"");
}

/// A hostile or spoofed endpoint's strings: an OSC title change with BEL, CR LF to fake a line,
/// a C1 CSI clearing the screen, a right-to-left override, a tab, DEL.
const HOSTILE_BODY: &str = r#"{"CiphertextBlob":"AQIDBA==","KeyId":"k\u001b]0;owned\u0007\r\n\u009b2J\u202eevil","SourceKeyId":"old\tx\u007f"}"#;

/// On a terminal, every format shows what would act on it as an escape: JSON and YAML with
/// their own escapes (the same value), text and table as error lines show it. Through a pipe
/// the bytes are the AWS CLI's.
#[test]
fn server_text_is_escaped_on_a_terminal_and_exact_through_a_pipe() {
    let server = common::loopback::Server::start(|_| common::loopback::Reply::ok(HOSTILE_BODY));
    let key = r"k\u{1b}]0;owned\u{7}\r\n\u{9b}2J\u{202e}evil";
    let on_terminal = [
        (
            "json",
            "{\n    \"CiphertextBlob\": \"AQIDBA==\",\n    \"SourceKeyId\": \"old\\tx\\u007f\",\n    \
             \"KeyId\": \"k\\u001b]0;owned\\u0007\\r\\n\\u009b2J\\u202eevil\"\n}\n"
                .to_owned(),
        ),
        (
            "yaml",
            "CiphertextBlob: AQIDBA==\nKeyId: \"k\\e]0;owned\\a\\r\\n\\x9B2J\\u202Eevil\"\n\
             SourceKeyId: \"old\\tx\\x7F\"\n"
                .to_owned(),
        ),
        (
            "yaml-stream",
            "- CiphertextBlob: AQIDBA==\n  KeyId: \"k\\e]0;owned\\a\\r\\n\\x9B2J\\u202Eevil\"\n  \
             SourceKeyId: \"old\\tx\\x7F\"\n"
                .to_owned(),
        ),
        ("text", format!("AQIDBA==\t{key}\told\\tx\\u{{7f}}\n")),
        (
            "table",
            format!(
                "\
--------------------------------------------------------------------
|                             ReEncrypt                            |
+-----------------+------------------------------------------------+
|  CiphertextBlob |  AQIDBA==                                      |
|  KeyId          |  {key}  |
|  SourceKeyId    |  old\\tx\\u{{7f}}                                  |
+-----------------+------------------------------------------------+
"
            ),
        ),
    ];
    for (format, want) in on_terminal {
        let args = re_encrypt(&server.url, &["--output", format]);
        let Some((code, shown)) = common::run_in_terminal(&args, BASE_ENV) else {
            return;
        };
        assert_eq!((code, shown.as_str()), (0, want.as_str()), "{format}");
    }
    // Through a pipe, the AWS CLI's bytes (Python's json and libyaml leave DEL, C1 and the
    // bidirectional controls as they are).
    let raw = "k\\u001b]0;owned\\u0007\\r\\n\u{9b}2J\u{202e}evil";
    for (format, want) in [
        (
            "json",
            format!(
                "{{\n    \"CiphertextBlob\": \"AQIDBA==\",\n    \"SourceKeyId\": \
                 \"old\\tx\u{7f}\",\n    \"KeyId\": \"{raw}\"\n}}\n"
            ),
        ),
        (
            "yaml",
            "CiphertextBlob: AQIDBA==\nKeyId: \"k\\e]0;owned\\a\\r\\n\\x9B2J\u{202e}evil\"\n\
             SourceKeyId: \"old\\tx\\x7F\"\n"
                .to_owned(),
        ),
        (
            "text",
            "AQIDBA==\tk\u{1b}]0;owned\u{7}\r\n\u{9b}2J\u{202e}evil\told\tx\u{7f}\n".to_owned(),
        ),
    ] {
        let out = run(&re_encrypt(&server.url, &["--output", format]));
        assert_eq!((code(&out), stdout(&out)), (0, want), "{format}");
    }
}
