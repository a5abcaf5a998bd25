//! Metadata endpoint URLs are checked where the request really goes (issue 9, item 11), and no
//! URL is ever printed with its user information (item 17).

mod loopback;

use std::sync::{Arc, Mutex};
use std::time::{Duration, UNIX_EPOCH};

use kms_lite::__private::profile_file::ProfileSet;
use kms_lite::__private::settings::{Overrides, resolve};
use kms_lite::Client;
use kms_lite::clock::ManualClock;
use kms_lite::config::Env;
use kms_lite::credentials::{ContainerProvider, ImdsProvider, ProvideCredentials, ProviderConfig};
use loopback::{Exchange, Expected, Server, response};

const FULL: &str = "AWS_CONTAINER_CREDENTIALS_FULL_URI";
const REL: &str = "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI";

fn url(name: &str, value: &str) -> Result<Option<String>, String> {
    kms_lite::__private::credentials::container_endpoint_url(&Env::from_pairs([(name, value)]))
        .map_err(|e| e.to_string())
}

#[test]
fn full_uri_user_info_is_refused_and_nothing_is_sent() {
    // The original defect: the allow-list read the host as the text before the first `:`
    // (127.0.0.1) while the request went to the host after the `@`, with the token.
    let server = Server::start(vec![Exchange::new(
        Expected::default(),
        response("HTTP/1.1 200 OK", &[], "{}"),
    )]);
    let hostile = server.url.replace("http://", "http://127.0.0.1:1@");
    let env = Env::from_pairs([
        (FULL, hostile.as_str()),
        ("AWS_CONTAINER_AUTHORIZATION_TOKEN", "Basic SECRET-TOKEN"),
    ]);
    let set = ProfileSet::default();
    let cfg = ProviderConfig::new(kms_lite::__private::settings::from_profile_set(
        env, None, set,
    ));
    let err = ContainerProvider::new(cfg)
        .provide_credentials()
        .unwrap_err();
    assert!(
        err.message()
            .contains("user information (user@host) is not allowed"),
        "{err}"
    );
    assert!(!err.message().contains("127.0.0.1:1@"), "{err}");
    assert!(server.finish().is_empty(), "a request was sent");
}

#[test]
fn full_uri_hosts_are_read_as_the_connection_reads_them() {
    for bad in [
        "http://127.0.0.1:1@evil.example/creds",
        "http://user@127.0.0.1/creds",
        "http://user:pass@localhost/creds",
        "https://user:pass@creds.example.com/creds",
        "http://127.0.0.1%2f@evil.example/creds",
        "http://127.0.0.1%2e1/creds",
        "http://127.0.0.1\\@evil.example/creds",
        "http://127.0.0.1./creds",
        "http://localhost./creds",
        "http://127.0.0.1:/creds",
        "http://127.0.0.1:99999/creds",
        "http://127.0.0.1:8x/creds",
        "http://[::1%25eth0]/creds",
        "http://[::1/creds",
        "http://127.0.0.1 /creds",
        "http://127.0.0.1\t/creds",
        "http://evil.example#@127.0.0.1/creds",
        "http://evil.example?@127.0.0.1/creds",
        "http://169.254.170.2.evil.example/creds",
        "http://localhost.evil.example/creds",
        "http://0x7f000001.evil.example/creds",
        "http://010.0.0.1/creds",
        "http://[::ffff:10.0.0.1]/creds",
        "http://[fd00:ec2::254]/creds",
        "http:///creds",
        "ftp://127.0.0.1/creds",
        "127.0.0.1/creds",
    ] {
        assert!(url(FULL, bad).is_err(), "{bad} was accepted");
    }
    for (given, sent) in [
        ("HTTP://LOCALHOST:8080/creds", "http://localhost:8080/creds"),
        ("http://2130706433/creds", "http://127.0.0.1/creds"),
        ("http://0x7f.1:8080/creds", "http://127.0.0.1:8080/creds"),
        ("http://0177.0.0.1/creds", "http://127.0.0.1/creds"),
        ("http://127.1/creds", "http://127.0.0.1/creds"),
        (
            "http://0251.0376.0252.02/creds?x",
            "http://169.254.170.2/creds?x",
        ),
        (
            "http://[::ffff:127.0.0.1]/creds",
            "http://[::ffff:127.0.0.1]/creds",
        ),
        (
            "http://[FD00:EC2::23]/v1/credentials",
            "http://[fd00:ec2::23]/v1/credentials",
        ),
        ("http://169.254.170.23:80/v1", "http://169.254.170.23:80/v1"),
        ("https://Creds.Example.com/x", "https://creds.example.com/x"),
    ] {
        assert_eq!(url(FULL, given).unwrap().as_deref(), Some(sent), "{given}");
    }
}

#[test]
fn relative_uri_stays_on_the_ecs_endpoint() {
    assert_eq!(
        url(REL, "@evil.example/x").unwrap().as_deref(),
        Some("http://169.254.170.2/@evil.example/x")
    );
    assert_eq!(
        url(REL, "//evil.example/x").unwrap().as_deref(),
        Some("http://169.254.170.2//evil.example/x")
    );
    assert!(url(REL, "/v2/a b").is_err());
    assert!(url(REL, "/v2/a\\b").is_err());
}

#[test]
fn refusals_never_echo_a_password() {
    let err = url(FULL, "http://user:hunter2@10.0.0.1/creds").unwrap_err();
    assert_eq!(
        err,
        "AWS_CONTAINER_CREDENTIALS_FULL_URI http://***@10.0.0.1/creds is refused: user \
         information (user@host) is not allowed in it"
    );
}

fn clock() -> Arc<ManualClock> {
    Arc::new(ManualClock::new(
        UNIX_EPOCH + Duration::from_secs(1_795_953_600),
    ))
}

#[test]
fn metadata_endpoint_with_user_info_is_refused_without_echoing_it() {
    let env = Env::from_pairs([(
        "AWS_EC2_METADATA_SERVICE_ENDPOINT",
        "http://user:hunter2@127.0.0.1:9",
    )]);
    let shared = kms_lite::__private::settings::from_profile_set(env, None, ProfileSet::default());
    let provider = ImdsProvider::new(ProviderConfig::new(shared).clock(clock()));
    let err = provider.provide_credentials().unwrap_err();
    assert_eq!(
        err.message(),
        "the instance metadata endpoint http://***@127.0.0.1:9 is refused: user information \
         (user@host) is not allowed in it"
    );
    assert!(!format!("{provider:?}").contains("hunter2"), "{provider:?}");
    // From the profile too.
    let set = ProfileSet::from_files(
        Some((
            "[default]\nec2_metadata_service_endpoint = http://u:hunter2@127.0.0.1:9\n",
            "config",
        )),
        None,
    )
    .unwrap();
    let shared = kms_lite::__private::settings::from_profile_set(
        Env::from_pairs::<&str, &str>([]),
        None,
        set,
    );
    let err = ImdsProvider::new(ProviderConfig::new(shared))
        .provide_credentials()
        .unwrap_err();
    assert!(!err.message().contains("hunter2"), "{err}");
}

#[test]
fn debug_config_line_and_debug_output_redact_urls() {
    let lines = Arc::new(Mutex::new(Vec::<String>::new()));
    let sink = Arc::clone(&lines);
    let env = Env::from_pairs([
        ("AWS_REGION", "eu-west-1"),
        ("AWS_ACCESS_KEY_ID", "AKID"),
        ("AWS_SECRET_ACCESS_KEY", "SECRET"),
        ("HOME", "/nonexistent"),
        (
            "AWS_ENDPOINT_URL_KMS",
            "https://user:hunter2@kms.example.com",
        ),
    ]);
    let err = Client::builder()
        .env(env.clone())
        .debug_log(move |l| sink.lock().unwrap().push(l.to_owned()))
        .build()
        .unwrap_err();
    assert!(!err.to_string().contains("hunter2"), "{err}");
    let logged = lines.lock().unwrap().join("\n");
    assert!(
        logged.contains("endpoint https://***@kms.example.com (from AWS_ENDPOINT_URL_KMS)"),
        "{logged}"
    );
    assert!(!logged.contains("hunter2"), "{logged}");

    // The proxy is shown, redacted.
    let lines = Arc::new(Mutex::new(Vec::<String>::new()));
    let sink = Arc::clone(&lines);
    Client::builder()
        .env(Env::from_pairs([
            ("AWS_REGION", "eu-west-1"),
            ("HOME", "/nonexistent"),
            ("HTTPS_PROXY", "http://puser:hunter2@proxy.example:3128"),
        ]))
        .debug_log(move |l| sink.lock().unwrap().push(l.to_owned()))
        .build()
        .unwrap();
    let logged = lines.lock().unwrap().join("\n");
    assert!(
        logged.contains("proxy http://***@proxy.example:3128;"),
        "{logged}"
    );

    // Debug of everything that holds a URL.
    let set = ProfileSet::from_files(
        Some((
            "[default]\nendpoint_url = https://u:hunter2@kms.example.com\n",
            "config",
        )),
        None,
    )
    .unwrap();
    let shared = kms_lite::__private::settings::from_profile_set(env, None, set);
    let resolved = resolve(&shared, &Overrides::default(), &|| None).unwrap();
    let mut overrides = Overrides::default();
    overrides.endpoint_url = Some("http://u:hunter2@localhost:4566".into());
    let builder = Client::builder().endpoint_url("http://u:hunter2@localhost:4566");
    for shown in [
        format!("{shared:?}"),
        format!("{resolved:?}"),
        format!("{overrides:?}"),
        format!("{builder:?}"),
    ] {
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("***@"), "{shown}");
    }
}
