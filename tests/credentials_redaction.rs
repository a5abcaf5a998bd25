//! No secret access key, session token or web identity token appears in any `Debug` or
//! `Display` output (credentials, providers, chain, cache, configuration, errors, client) or in
//! the debug log.

mod loopback;

use std::sync::{Arc, Mutex};

use kms_lite::__private::profile_file::ProfileSet;
use kms_lite::config::Env;
use kms_lite::credentials::{
    Credentials, CredentialsCache, ProfileProvider, ProvideCredentials, ProviderConfig,
    default_chain,
};
use kms_lite::{Client, ReEncryptRequest};
use loopback::{Exchange, Expected, Server, response};

const SECRETS: [&str; 6] = [
    "ENVSECRET",
    "PROFILESECRET",
    "ROLESECRET",
    "ROLETOKEN",
    "WEB-IDENTITY-TOKEN",
    "PLAINTEXTMARKER",
];

fn assert_clean(what: &str, text: &str) {
    for s in SECRETS {
        assert!(!text.contains(s), "{what} shows {s}: {text}");
    }
}

fn any(method: &str) -> Expected {
    Expected {
        method: method.into(),
        path: "/".into(),
        ..Expected::default()
    }
}

const STS_WEB_OK: &str = "<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult>\
    <Credentials><AccessKeyId>ASIAROLE</AccessKeyId><SecretAccessKey>ROLESECRET</SecretAccessKey>\
    <SessionToken>ROLETOKEN</SessionToken><Expiration>2099-01-01T00:00:00Z</Expiration>\
    </Credentials></AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>";

#[test]
fn debug_log_and_debug_output_of_a_whole_call() {
    // "PLAINTEXTMARKER" in base64, standing in for a plaintext-bearing success body.
    let kms_ok = r#"{"CiphertextBlob":"UExBSU5URVhUTUFSS0VS","KeyId":"k","SourceKeyId":"s"}"#;
    let server = Server::start(vec![
        Exchange::new(
            any("POST"),
            response(
                "HTTP/1.1 200 OK",
                &[("content-type", "text/xml")],
                STS_WEB_OK,
            ),
        ),
        Exchange::new(
            any("POST"),
            response(
                "HTTP/1.1 200 OK",
                &[("content-type", "application/x-amz-json-1.1")],
                kms_ok,
            ),
        ),
        Exchange::new(
            any("POST"),
            response(
                "HTTP/1.1 400 Bad Request",
                &[
                    ("content-type", "application/x-amz-json-1.1"),
                    ("x-amzn-RequestId", "req-9"),
                ],
                r#"{"__type":"NotFoundException","message":"Key not found"}"#,
            ),
        ),
    ]);
    let dir = std::env::temp_dir().join(format!("kms-lite-redaction-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let token_file = dir.join("token");
    std::fs::write(&token_file, "WEB-IDENTITY-TOKEN").unwrap();
    let token_path = token_file.to_string_lossy().into_owned();
    let lines = Arc::new(Mutex::new(Vec::<String>::new()));
    let sink = Arc::clone(&lines);
    let client = Client::builder()
        .env(Env::from_pairs([
            ("AWS_REGION", "eu-west-1"),
            ("AWS_ENDPOINT_URL", server.url.as_str()),
            ("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/web"),
            ("AWS_WEB_IDENTITY_TOKEN_FILE", token_path.as_str()),
            ("AWS_EC2_METADATA_DISABLED", "true"),
            ("HOME", "/nonexistent"),
        ]))
        .debug_log(move |line| sink.lock().unwrap().push(line.to_owned()))
        .max_attempts(1)
        .build()
        .unwrap();
    let req = ReEncryptRequest::new("alias/new").ciphertext_blob(vec![1, 2, 3]);
    let ok = client.re_encrypt(&req).unwrap();
    assert_eq!(ok.ciphertext_blob.as_deref(), Some(&b"PLAINTEXTMARKER"[..]));
    let err = client.re_encrypt(&req).unwrap_err();
    let received = server.finish();
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(received.len(), 3);
    assert!(
        received[0]
            .body
            .contains("WebIdentityToken=WEB-IDENTITY-TOKEN")
    );
    assert_eq!(
        received[1].header("x-amz-security-token"),
        Some("ROLETOKEN")
    );

    let lines = lines.lock().unwrap().clone();
    let log = lines.join("\n");
    assert_clean("the debug log", &log);
    assert!(
        lines[0].starts_with("config: profile default; region eu-west-1 (from AWS_REGION)"),
        "{log}"
    );
    assert_eq!(lines.len(), 7, "{log}");
    assert!(
        lines[1].starts_with("request: POST http://127.0.0.1"),
        "{log}"
    );
    assert!(lines[1].ends_with(" bytes"), "{log}");
    assert!(
        lines[3].contains("x-amz-security-token: ** redacted **"),
        "{log}"
    );
    assert!(lines[3].contains("authorization: ** redacted **"), "{log}");
    assert!(lines[4].starts_with("response: 200 OK to POST"), "{log}");
    assert!(lines[6].starts_with("response: 400 Bad Request"), "{log}");
    assert!(lines[6].ends_with("error code: NotFoundException"), "{log}");

    assert_clean("the client", &format!("{client:?}"));
    assert_clean("the error", &format!("{err} {err:?}"));
    assert_clean("the response", &format!("{ok:?}"));
}

#[test]
fn credentials_providers_chain_cache_and_config_never_show_secrets() {
    let creds = Credentials::new("AKID", "PROFILESECRET", Some("ROLETOKEN".into()));
    assert_clean("credentials", &format!("{creds:?}"));
    let cache = CredentialsCache::new(creds.clone());
    cache.provide_credentials().unwrap();
    assert_clean("cache", &format!("{cache:?}"));

    let files = ProfileSet::from_files(
        Some((
            "[default]\naws_access_key_id = AKID\naws_secret_access_key = PROFILESECRET\n\
             aws_session_token = ROLETOKEN\nregion = eu-west-1\n",
            "~/.aws/config",
        )),
        None,
    )
    .unwrap();
    let env = Env::from_pairs([
        ("AWS_ACCESS_KEY_ID", "AKIDENV"),
        ("AWS_SECRET_ACCESS_KEY", "ENVSECRET"),
        ("AWS_SESSION_TOKEN", "ROLETOKEN"),
        ("AWS_CONTAINER_AUTHORIZATION_TOKEN", "WEB-IDENTITY-TOKEN"),
    ]);
    let shared = kms_lite::__private::settings::from_profile_set(env.clone(), None, files);
    assert_clean("shared config", &format!("{shared:?}"));
    let cfg = ProviderConfig::new(shared.clone());
    assert_clean("provider config", &format!("{cfg:?}"));
    let chain = default_chain(&cfg);
    let got = chain.provide_credentials().unwrap();
    assert_eq!(got.access_key_id(), "AKIDENV");
    assert_clean("chain", &format!("{chain:?}"));
    assert_clean(
        "profile provider",
        &format!("{:?}", ProfileProvider::new(cfg)),
    );
    let builder = Client::builder()
        .env(env)
        .region("eu-west-1")
        .credentials(creds);
    assert_clean("builder", &format!("{builder:?}"));
    let client = builder.build().unwrap();
    assert_clean("client", &format!("{client:?}"));
}

#[test]
fn sts_errors_never_quote_secrets() {
    let partial = "<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>ASIA</AccessKeyId>\
        <SecretAccessKey>ROLESECRET</SecretAccessKey></Credentials></AssumeRoleResult></AssumeRoleResponse>";
    let server = Server::start(vec![Exchange::new(
        any("POST"),
        response("HTTP/1.1 200 OK", &[], partial),
    )]);
    let files = ProfileSet::from_files(
        Some((
            "[default]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = base\n\
             [profile base]\naws_access_key_id = AKID\naws_secret_access_key = PROFILESECRET\n",
            "~/.aws/config",
        )),
        None,
    )
    .unwrap();
    let env = Env::from_pairs([("AWS_ENDPOINT_URL_STS", server.url.as_str())]);
    let provider = ProfileProvider::new(ProviderConfig::new(
        kms_lite::__private::settings::from_profile_set(env, None, files),
    ));
    let e = provider.provide_credentials().unwrap_err();
    server.finish();
    assert!(e.message().contains("SessionToken"), "{e}");
    assert_clean("STS error", &format!("{e} {e:?}"));
}

/// (The same request's `--debug` line is checked in `debug_log`'s unit tests.)
#[test]
fn metadata_container_and_sso_tokens_are_redacted_in_request_debug() {
    let req = kms_lite::http::HttpRequest::new("GET", "http://127.0.0.1:1/x")
        .with_header("x-aws-ec2-metadata-token", "ROLETOKEN")
        .with_header("x-amz-sso_bearer_token", "WEB-IDENTITY-TOKEN")
        .with_header("authorization", "ROLESECRET")
        .with_header("x-aws-ec2-metadata-token-ttl-seconds", "21600")
        .with_body(b"ROLESECRET".to_vec());
    let debug = format!("{req:?} {req:#?}");
    assert_clean("request Debug", &debug);
    assert!(debug.contains("21600"), "{debug}");
}
