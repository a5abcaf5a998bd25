//! Errors and warnings about the shared files name the file, the line and at most a property name
//! that is a plain identifier: never a value, never the raw line (issue 9, item 16), in errors,
//! in the `--debug` warnings and in every message the configuration can produce from a value.

use std::sync::{Arc, Mutex};

use kms_lite::__private::profile_file::{FileKind, ProfileSet, parse};
use kms_lite::__private::settings::{Overrides, resolve};
use kms_lite::Client;
use kms_lite::config::Env;
use kms_lite::credentials::{ProfileProvider, ProvideCredentials, ProviderConfig};

const FILE: &str = "~/.aws/config";

fn err(text: &str) -> String {
    parse(text, FileKind::Config, FILE).unwrap_err().to_string()
}

fn warnings(text: &str, kind: FileKind) -> Vec<String> {
    parse(text, kind, FILE).unwrap().warnings().to_vec()
}

#[test]
fn a_malformed_line_is_never_echoed() {
    // The defect: a key without its `=` before any section printed most of the token.
    assert_eq!(
        err("aws_session_token FwoGZXIvYXdzEJr//SECRETTOKEN==\n[default]\n"),
        "~/.aws/config line 1: a property appears before any `[section]` header"
    );
    assert_eq!(
        err("aws_secret_access_key:wJalr/XUtn+FEMI = x\n"),
        "~/.aws/config line 1: a property appears before any `[section]` header"
    );
    // A plain name is still named.
    assert_eq!(
        err("region = us-east-1\n"),
        "~/.aws/config line 1: property `region` appears before any `[section]` header"
    );
    // Inside a section it was a warning (shown by --debug), lower-cased.
    let w = warnings(
        "[default]\naws_session_token FwoGZXIvYXdzEJr//SECRETTOKEN==\n",
        FileKind::Config,
    );
    assert_eq!(
        w,
        ["~/.aws/config line 2: a key that is not a valid property name was ignored"]
    );
    // Sub-properties under a key that is not a plain name.
    assert_eq!(
        err("[services s]\nkms SECRETKEY =\n  not a sub property\n"),
        "~/.aws/config line 3: expected `name = value` in the sub-properties of a property"
    );
    assert_eq!(
        err("[services s]\nkms SECRETKEY =\n  = v\n"),
        "~/.aws/config line 3: expected a sub-property name before `=` under a property"
    );
}

#[test]
fn ignored_sections_are_named_only_when_plain() {
    let w = warnings(
        "[aws_secret_access_key wJalr/XUtn+FEMI]\n[profile foo bar]\n[weird kind]\n[foo]\n",
        FileKind::Config,
    );
    assert_eq!(
        w,
        [
            "~/.aws/config line 1: a section ignored: unknown kind of section",
            "~/.aws/config line 2: a section ignored: its name is not a valid name",
            "~/.aws/config line 3: section `[weird kind]` ignored: unknown kind of section",
            "~/.aws/config line 4: section `[foo]` ignored: profiles in the config file need the \
             `profile` prefix, as in `[profile foo]`",
        ]
    );
    let w = warnings("[secret wJalr/XUtn+FEMI]\n", FileKind::Credentials);
    assert_eq!(
        w,
        [
            "~/.aws/config line 1: a section ignored: sections in the credentials file take no \
          prefix, other sections belong in the config file"
        ]
    );
}

#[test]
fn debug_warnings_never_show_the_line() {
    let dir = std::env::temp_dir().join(format!("kms-lite-messages-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("config");
    std::fs::write(
        &config,
        "[default]\nregion = eu-west-1\naws_session_token FwoGZXIvYXdzEJr//SECRETTOKEN==\n",
    )
    .unwrap();
    let lines = Arc::new(Mutex::new(Vec::<String>::new()));
    let sink = Arc::clone(&lines);
    let config = config.to_string_lossy().into_owned();
    Client::builder()
        .env(Env::from_pairs([
            ("AWS_CONFIG_FILE", config.as_str()),
            ("AWS_SHARED_CREDENTIALS_FILE", "/dev/null"),
        ]))
        .debug_log(move |l| sink.lock().unwrap().push(l.to_owned()))
        .build()
        .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    let logged = lines.lock().unwrap().join("\n");
    assert!(
        logged.contains(&format!(
            "config warning: {config} line 3: a key that is not a valid property name was ignored"
        )),
        "{logged}"
    );
    assert!(!logged.to_lowercase().contains("secrettoken"), "{logged}");
}

fn resolve_err(config: &str) -> String {
    let set = ProfileSet::from_files(Some((config, FILE)), None).unwrap();
    let shared = kms_lite::__private::settings::from_profile_set(
        Env::from_pairs([("AWS_REGION", "us-east-1")]),
        None,
        set,
    );
    resolve(&shared, &Overrides::default(), &|| None)
        .unwrap_err()
        .to_string()
}

#[test]
fn bad_values_name_file_line_and_key_but_not_the_value() {
    for (text, want) in [
        (
            "[default]\n\nuse_fips_endpoint = SECRETVALUE\n",
            "~/.aws/config line 3: use_fips_endpoint in profile default must be true or false",
        ),
        (
            "[default]\nuse_dualstack_endpoint = SECRETVALUE\n",
            "~/.aws/config line 2: use_dualstack_endpoint in profile default must be true or false",
        ),
        (
            "[default]\nmax_attempts = SECRETVALUE\n",
            "~/.aws/config line 2: max_attempts in profile default must be a whole number",
        ),
        (
            "[default]\nretry_mode = SECRETVALUE\n",
            "~/.aws/config line 2: retry_mode in profile default must be standard, adaptive or \
             legacy",
        ),
        (
            "[default]\nignore_configured_endpoint_urls = SECRETVALUE\n",
            "~/.aws/config line 2: ignore_configured_endpoint_urls in profile default must be \
             true or false",
        ),
    ] {
        assert_eq!(resolve_err(text), want, "{text}");
    }
    // Environment values are not echoed either.
    let shared = kms_lite::__private::settings::from_profile_set(
        Env::from_pairs([
            ("AWS_REGION", "us-east-1"),
            ("AWS_MAX_ATTEMPTS", "SECRETVALUE"),
        ]),
        None,
        ProfileSet::default(),
    );
    let e = resolve(&shared, &Overrides::default(), &|| None).unwrap_err();
    assert_eq!(e.to_string(), "AWS_MAX_ATTEMPTS must be a whole number");
}

#[test]
fn a_credential_source_that_is_not_a_name_is_not_echoed() {
    let set = ProfileSet::from_files(
        Some((
            "[default]\nrole_arn = arn:aws:iam::1:role/r\ncredential_source = wJalr/XUtn+FEMI SECRET\n",
            FILE,
        )),
        None,
    )
    .unwrap();
    let shared = kms_lite::__private::settings::from_profile_set(
        Env::from_pairs::<&str, &str>([]),
        None,
        set,
    );
    let e = ProfileProvider::new(ProviderConfig::new(shared))
        .provide_credentials()
        .unwrap_err();
    assert_eq!(
        e.message(),
        "credential_source is not one of Environment, Ec2InstanceMetadata, EcsContainer"
    );
}

/// The file's name comes from `AWS_CONFIG_FILE` and may hold control characters: the
/// profile reader's errors and warnings show it escaped, as every error of the crate does.
#[test]
fn a_hostile_file_name_is_escaped_in_errors_and_warnings() {
    let name = "conf\u{1b}]0;owned\u{7}\u{9b}2J";
    let shown = "conf\\u{1b}]0;owned\\u{7}\\u{9b}2J";
    assert_eq!(
        parse("region = x\n", FileKind::Config, name)
            .unwrap_err()
            .to_string(),
        format!("{shown} line 1: property `region` appears before any `[section]` header")
    );
    assert_eq!(
        parse("[default]\nbad key = 1\n", FileKind::Config, name)
            .unwrap()
            .warnings(),
        [format!(
            "{shown} line 2: a key that is not a valid property name was ignored"
        )]
    );
    // Through `load`: a file that cannot be read (a directory).
    let dir = std::env::temp_dir().join(format!("kms-lite-config-messages-{}", std::process::id()));
    let path = dir.join(name);
    std::fs::create_dir_all(&path).unwrap();
    let env = Env::from_pairs([
        ("AWS_CONFIG_FILE", path.to_str().unwrap()),
        ("HOME", "/nonexistent"),
    ]);
    let e = kms_lite::__private::profile_file::load(&env)
        .unwrap_err()
        .to_string();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        e.starts_with(&format!("{}/{shown}: cannot read: ", dir.display())),
        "{e}"
    );
}
