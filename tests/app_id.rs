//! The application id in the `User-Agent` (`app/<id>`, as the AWS SDKs append it): from
//! `ClientBuilder::app_id`, else `AWS_SDK_UA_APP_ID`, else the profile's `sdk_ua_app_id`;
//! checked (1 to 50 letters, digits and `!$%&'*+-.^_`|~`) with an error naming where it came
//! from and never echoing it; the exact header on the wire, from the library and from the CLI;
//! and `--debug` saying where it came from.

mod common;

use std::sync::{Arc, Mutex};

use common::loopback::Loopback;
use common::{BASE_ENV, code, run_with, stderr};
use kms_lite::__private::profile_file::ProfileSet;
use kms_lite::__private::settings::{Overrides, resolve};
use kms_lite::config::Env;
use kms_lite::config::SharedConfig;
use kms_lite::credentials::{Credentials, ProvideCredentials, ProviderConfig, default_chain};
use kms_lite::{Client, ReEncryptRequest};

const VERSION: &str = env!("CARGO_PKG_VERSION");
const OK_BODY: &str = r#"{"CiphertextBlob":"AQIDBA==","KeyId":"k"}"#;

fn shared(env: &[(&str, &str)], config: &str) -> SharedConfig {
    let set = ProfileSet::from_files(Some((config, "~/.aws/config")), None).unwrap();
    kms_lite::__private::settings::from_profile_set(
        Env::from_pairs(env.iter().copied().chain([("AWS_REGION", "us-east-1")])),
        None,
        set,
    )
}

/// The resolved application id and its source, or the error.
fn app_id(
    code: Option<&str>,
    env: &[(&str, &str)],
    config: &str,
) -> Result<(Option<String>, Option<String>), String> {
    let mut overrides = Overrides::default();
    overrides.app_id = code.map(str::to_owned);
    resolve(&shared(env, config), &overrides, &|| None)
        .map(|r| (r.app_id, r.app_id_source))
        .map_err(|e| e.to_string())
}

fn found(id: &str, source: &str) -> Result<(Option<String>, Option<String>), String> {
    Ok((Some(id.to_owned()), Some(source.to_owned())))
}

#[test]
fn code_wins_over_the_environment_which_wins_over_the_profile() {
    let profile = "[default]\nsdk_ua_app_id = from-profile\n";
    let env = [("AWS_SDK_UA_APP_ID", "from-env")];
    assert_eq!(
        app_id(Some("from-code"), &env, profile),
        found("from-code", "code")
    );
    assert_eq!(
        app_id(None, &env, profile),
        found("from-env", "AWS_SDK_UA_APP_ID")
    );
    assert_eq!(
        app_id(None, &[], profile),
        found(
            "from-profile",
            "~/.aws/config line 2: sdk_ua_app_id in profile default"
        )
    );
    // The Rust SDK's older key, when the new one is absent; an empty variable counts as unset.
    assert_eq!(
        app_id(
            None,
            &[("AWS_SDK_UA_APP_ID", "  ")],
            "[default]\nsdk-ua-app-id = old-key\n"
        ),
        found(
            "old-key",
            "~/.aws/config line 2: sdk-ua-app-id in profile default"
        )
    );
    assert_eq!(
        app_id(
            None,
            &[("AWS_PROFILE", "ci")],
            "[profile ci]\nsdk_ua_app_id = ci-job\n"
        ),
        found(
            "ci-job",
            "~/.aws/config line 2: sdk_ua_app_id in profile ci"
        )
    );
    assert_eq!(
        app_id(None, &[], "[default]\nregion = eu-west-1\n"),
        Ok((None, None))
    );
}

#[test]
fn bad_ids_are_configuration_errors_naming_the_source_not_the_value() {
    let rule = "an application id is 1 to 50 ASCII letters, digits or !$%&'*+-.^_`|~ characters";
    assert_eq!(
        app_id(Some("billing batch"), &[], ""),
        Err(format!(
            "invalid application id (from code): character 8 is not allowed; {rule}"
        ))
    );
    assert_eq!(
        app_id(None, &[("AWS_SDK_UA_APP_ID", &"x".repeat(51))], ""),
        Err(format!(
            "invalid application id (from AWS_SDK_UA_APP_ID): it has 51 characters; {rule}"
        ))
    );
    assert_eq!(
        app_id(
            None,
            &[],
            "[default]\nsdk_ua_app_id = app/\u{1b}[2Jsecret\n"
        ),
        Err(format!(
            "invalid application id (from ~/.aws/config line 2: sdk_ua_app_id in profile \
             default): character 4 is not allowed; {rule}"
        ))
    );
    assert_eq!(
        app_id(Some(""), &[], ""),
        Err(format!(
            "invalid application id (from code): it is empty; {rule}"
        ))
    );
    let e = Client::builder()
        .env(Env::from_pairs::<&str, &str>([]))
        .region("us-east-1")
        .app_id("a\r\nX-Injected: 1")
        .build()
        .unwrap_err();
    assert!(!e.to_string().contains("Injected"), "{e}");
}

/// The library sends exactly `kms-lite/<version> app/<id>`.
#[test]
fn the_header_on_the_wire_from_the_library() {
    let lines = Arc::new(Mutex::new(Vec::<String>::new()));
    let sink = lines.clone();
    for (app_id, env, expected) in [
        (
            Some("billing-batch"),
            vec![("AWS_SDK_UA_APP_ID", "ignored")],
            format!("kms-lite/{VERSION} app/billing-batch"),
        ),
        (
            None,
            vec![("AWS_SDK_UA_APP_ID", "payments.v2")],
            format!("kms-lite/{VERSION} app/payments.v2"),
        ),
        (None, vec![], format!("kms-lite/{VERSION}")),
    ] {
        let server = Loopback::reply(200, OK_BODY);
        let sink = sink.clone();
        let mut builder = Client::builder()
            .env(Env::from_pairs(env))
            .region("us-east-1")
            .endpoint_url(&server.url)
            .credentials(Credentials::new("AKIDEXAMPLE", "secret", None))
            .max_attempts(1)
            .debug_log(move |l| sink.lock().unwrap().push(l.to_owned()));
        if let Some(id) = app_id {
            builder = builder.app_id(id);
        }
        let client = builder.build().unwrap();
        assert_eq!(client.user_agent(), expected);
        client
            .re_encrypt(&ReEncryptRequest::new("alias/new").ciphertext_blob(vec![1, 2, 3]))
            .unwrap();
        let request = server.request();
        let agents: Vec<_> = request
            .headers
            .iter()
            .filter(|(n, _)| n == "user-agent")
            .map(|(_, v)| v.as_str())
            .collect();
        assert_eq!(agents, [expected.as_str()]);
    }
    let lines = lines.lock().unwrap();
    let config: Vec<_> = lines.iter().filter(|l| l.starts_with("config: ")).collect();
    assert_eq!(config.len(), 3);
    assert!(
        config[0].ends_with("; app id billing-batch (from code)"),
        "{}",
        config[0]
    );
    assert!(
        config[1].ends_with("; app id payments.v2 (from AWS_SDK_UA_APP_ID)"),
        "{}",
        config[1]
    );
    assert!(config[2].ends_with("; app id none"), "{}", config[2]);
}

fn re_encrypt_args(url: &str) -> Vec<String> {
    [
        "re-encrypt",
        "--endpoint-url",
        url,
        "--destination-key-id",
        "alias/new",
        "--ciphertext-blob",
        "AQIDBA==",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

/// The CLI reads `AWS_SDK_UA_APP_ID` and the profile like the AWS CLI and sends the same
/// header; `--debug` says where the id came from.
#[test]
fn the_header_on_the_wire_from_the_cli() {
    let dir = std::env::temp_dir().join(format!("kms-lite-app-id-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("config");
    std::fs::write(&config, "[default]\nsdk_ua_app_id = from-profile\n").unwrap();
    let config = config.to_string_lossy().into_owned();
    for (extra, expected, source) in [
        (
            vec![("AWS_SDK_UA_APP_ID", "nightly-rotation")],
            "nightly-rotation",
            "AWS_SDK_UA_APP_ID",
        ),
        (
            vec![("AWS_CONFIG_FILE", config.as_str())],
            "from-profile",
            &*format!("{config} line 2: sdk_ua_app_id in profile default"),
        ),
    ] {
        let server = Loopback::reply(200, OK_BODY);
        let mut args = re_encrypt_args(&server.url);
        args.push("--debug".into());
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let env: Vec<_> = BASE_ENV.iter().copied().chain(extra).collect();
        let out = run_with(&args, &env, b"");
        assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
        assert_eq!(
            server.request().header("user-agent"),
            Some(format!("kms-lite/{VERSION} app/{expected}").as_str())
        );
        assert!(
            stderr(&out).contains(&format!("; app id {expected} (from {source})\n")),
            "{}",
            stderr(&out)
        );
    }
    // A bad id is a configuration error (exit 253) before anything is sent.
    let env: Vec<_> = BASE_ENV
        .iter()
        .copied()
        .chain([("AWS_SDK_UA_APP_ID", "my app")])
        .collect();
    let args = re_encrypt_args("http://127.0.0.1:9");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = run_with(&args, &env, b"");
    assert_eq!(code(&out), 253, "stderr: {}", stderr(&out));
    assert!(
        stderr(&out).contains(
            "invalid application id (from AWS_SDK_UA_APP_ID): character 3 is not allowed"
        ),
        "{}",
        stderr(&out)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// The credential providers' own calls carry the application id too: the client's (STS here,
/// assuming a role from a profile with static keys), and, for providers used on their own, the
/// environment's.
#[test]
fn the_providers_calls_carry_the_application_id() {
    let sts_ok = "<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>ASIAROLE\
        </AccessKeyId><SecretAccessKey>RS</SecretAccessKey><SessionToken>RT</SessionToken>\
        <Expiration>2126-01-01T00:00:00Z</Expiration></Credentials></AssumeRoleResult>\
        </AssumeRoleResponse>";
    let dir = common::tempdir("app-id-sts");
    let config = dir.join("config");
    std::fs::write(
        &config,
        "[default]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = base\n\
         [profile base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = BASESECRET\n",
    )
    .unwrap();
    let config = config.to_str().unwrap();
    let base = [
        ("AWS_CONFIG_FILE", config),
        ("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent"),
        ("AWS_SDK_UA_APP_ID", "from-env"),
    ];
    let sts_reply = || Loopback::reply_with(200, &[("Content-Type", "text/xml")], sts_ok);

    // A client: its own id (code wins over the environment) on STS as on KMS.
    let sts = sts_reply();
    let kms = Loopback::reply(200, OK_BODY);
    let client = Client::builder()
        .env(Env::from_pairs(
            base.iter()
                .copied()
                .chain([("AWS_ENDPOINT_URL_STS", sts.url.as_str())]),
        ))
        .region("us-east-1")
        .endpoint_url(&kms.url)
        .app_id("billing-batch")
        .max_attempts(1)
        .build()
        .unwrap();
    client
        .re_encrypt(&ReEncryptRequest::new("alias/new").ciphertext_blob(vec![1, 2, 3]))
        .unwrap();
    let expected = format!("kms-lite/{VERSION} app/billing-batch");
    let sts = sts.request();
    assert!(sts.body.starts_with(b"Action=AssumeRole"), "{sts:?}");
    assert_eq!(sts.header("user-agent"), Some(expected.as_str()));
    let kms = kms.request();
    assert_eq!(kms.header("user-agent"), Some(expected.as_str()));
    assert!(
        kms.header("authorization")
            .unwrap()
            .contains("Credential=ASIAROLE/")
    );

    // The providers on their own: the environment's id.
    let sts = sts_reply();
    let env = Env::from_pairs(
        base.iter()
            .copied()
            .chain([("AWS_ENDPOINT_URL_STS", sts.url.as_str())]),
    );
    let providers = ProviderConfig::new(SharedConfig::load(env, None).unwrap());
    let credentials = default_chain(&providers).provide_credentials().unwrap();
    assert_eq!(credentials.access_key_id(), "ASIAROLE");
    assert_eq!(
        sts.request().header("user-agent"),
        Some(format!("kms-lite/{VERSION} app/from-env").as_str())
    );
    let _ = std::fs::remove_dir_all(&dir);
}
