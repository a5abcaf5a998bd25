//! The providers' own calls are retried as the SDKs retry them (issue 9, item 14): STS
//! (`AssumeRole`, `AssumeRoleWithWebIdentity`), SSO `GetRoleCredentials`, the container endpoint
//! and instance metadata (5xx, and 401 with a new token), with bounded attempts and the standard
//! backoff slept on the injected clock. And the SSO portal honours FIPS and dual-stack (item 15).
//! Everything runs on an in-memory transport: nothing is dialled.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, UNIX_EPOCH};

use kms_lite::__private::profile_file::ProfileSet;
use kms_lite::clock::ManualClock;
use kms_lite::config::EndpointOptions;
use kms_lite::config::Env;
use kms_lite::credentials::{
    ContainerProvider, CredentialsErrorKind, ImdsProvider, ProfileProvider, ProvideCredentials,
    ProviderConfig, WebIdentityProvider,
};
use kms_lite::error::{TransportError, TransportErrorKind};
use kms_lite::http::HttpClient;
use kms_lite::http::{HttpRequest, HttpResponse};

/// Answers in order and records what was sent.
#[derive(Debug, Default)]
struct Script {
    answers: Mutex<VecDeque<Result<(u16, String), TransportErrorKind>>>,
    sent: Mutex<Vec<(String, String, Option<String>)>>,
}

impl Script {
    fn new(answers: Vec<Result<(u16, &str), TransportErrorKind>>) -> Arc<Script> {
        Arc::new(Script {
            answers: Mutex::new(
                answers
                    .into_iter()
                    .map(|a| a.map(|(s, b)| (s, b.to_owned())))
                    .collect(),
            ),
            sent: Mutex::default(),
        })
    }
    /// Method, URL and token header of each request.
    fn sent(&self) -> Vec<(String, String, Option<String>)> {
        self.sent.lock().unwrap().clone()
    }
}

impl HttpClient for Script {
    fn send(&self, r: &HttpRequest, _: Option<Duration>) -> Result<HttpResponse, TransportError> {
        let token = r
            .header("x-aws-ec2-metadata-token")
            .or(r.header("x-amz-sso_bearer_token"))
            .map(str::to_owned);
        self.sent
            .lock()
            .unwrap()
            .push((r.method().to_owned(), r.url().to_owned(), token));
        match self.answers.lock().unwrap().pop_front() {
            Some(Ok((status, body))) => Ok(HttpResponse::new(status, vec![], body.into_bytes())),
            Some(Err(kind)) => Err(TransportError::new(kind, "scripted failure")),
            None => Err(TransportError::new(
                TransportErrorKind::InvalidResponse,
                "the script has no more answers",
            )),
        }
    }
}

/// 2026-11-29T12:00:00Z.
const NOW: u64 = 1_795_953_600;

fn config(
    env: &[(&str, &str)],
    profiles: &str,
    http: &Arc<Script>,
    clock: &ManualClock,
) -> ProviderConfig {
    let set = ProfileSet::from_files(Some((profiles, "~/.aws/config")), None).unwrap();
    let shared = kms_lite::__private::settings::from_profile_set(
        Env::from_pairs(env.iter().copied()),
        None,
        set,
    );
    ProviderConfig::new(shared)
        .clock(Arc::new(clock.clone()))
        .jitter(Arc::new(|| 1.0))
        .http_client(Arc::clone(http) as Arc<dyn HttpClient>)
        .metadata_http_client(Arc::clone(http) as Arc<dyn HttpClient>)
}

fn clock() -> ManualClock {
    ManualClock::new(UNIX_EPOCH + Duration::from_secs(NOW))
}

const ROLE_PROFILE: &str = "[default]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = base\n\
                            [profile base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = S\n";

fn sts_ok(result: &str) -> String {
    format!(
        "<{result}Response><{result}Result><Credentials><AccessKeyId>ASIAROLE</AccessKeyId>\
         <SecretAccessKey>ROLESECRET</SecretAccessKey><SessionToken>ROLETOKEN</SessionToken>\
         <Expiration>2026-11-29T13:00:00Z</Expiration></Credentials></{result}Result></{result}Response>"
    )
}

fn sts_error(code: &str) -> String {
    format!(
        "<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>m</Message></Error></ErrorResponse>"
    )
}

const MS: fn(u64) -> Duration = Duration::from_millis;

#[test]
fn assume_role_retries_5xx_and_throttling_then_succeeds() {
    let ok = sts_ok("AssumeRole");
    let throttled = sts_error("Throttling");
    let http = Script::new(vec![Ok((503, "")), Ok((400, &throttled)), Ok((200, &ok))]);
    let clock = clock();
    let cfg = config(&[], ROLE_PROFILE, &http, &clock).max_attempts(3);
    let c = ProfileProvider::new(cfg).provide_credentials().unwrap();
    assert_eq!(c.access_key_id(), "ASIAROLE");
    assert_eq!(http.sent().len(), 3);
    // Transient: 50 ms; then throttling, second retry: 1 s * 2.
    assert_eq!(clock.sleeps(), [MS(50), MS(2000)]);
}

#[test]
fn assume_role_attempts_are_bounded_and_errors_not_retried() {
    let http = Script::new(vec![
        Ok((503, "")),
        Ok((500, "")),
        Ok((502, "")),
        Ok((200, "")),
    ]);
    let clock = clock();
    let cfg = config(&[], ROLE_PROFILE, &http, &clock);
    let e = ProfileProvider::new(cfg).provide_credentials().unwrap_err();
    assert!(
        e.message()
            .ends_with("failed: HTTP 502 Bad Gateway without an STS error document (3 attempts)"),
        "{e}"
    );
    assert_eq!(http.sent().len(), 3);
    assert_eq!(clock.sleeps(), [MS(50), MS(100)]);

    // An error that is not transient is not retried.
    let denied = sts_error("AccessDenied");
    let http = Script::new(vec![Ok((403, &denied))]);
    let clock = self::clock();
    let e = ProfileProvider::new(config(&[], ROLE_PROFILE, &http, &clock))
        .provide_credentials()
        .unwrap_err();
    assert!(e.message().contains("AccessDenied (HTTP 403)"), "{e}");
    assert_eq!((http.sent().len(), clock.sleeps().len()), (1, 0));

    // A connection that failed is retried; a client's max_attempts of 1 makes one attempt.
    let http = Script::new(vec![
        Err(TransportErrorKind::Connect),
        Ok((200, &sts_ok("AssumeRole"))),
    ]);
    let clock = self::clock();
    let c = ProfileProvider::new(config(&[], ROLE_PROFILE, &http, &clock))
        .provide_credentials()
        .unwrap();
    assert_eq!(c.session_token(), Some("ROLETOKEN"));
    let http = Script::new(vec![Ok((503, ""))]);
    let e = ProfileProvider::new(config(&[], ROLE_PROFILE, &http, &clock).max_attempts(1))
        .provide_credentials()
        .unwrap_err();
    assert!(!e.message().contains("attempts"), "{e}");
    assert_eq!(http.sent().len(), 1);
}

#[test]
fn web_identity_retries() {
    let dir = std::env::temp_dir().join(format!("kms-lite-retries-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let token = dir.join("token");
    std::fs::write(&token, "jwt").unwrap();
    let ok = sts_ok("AssumeRoleWithWebIdentity");
    let http = Script::new(vec![Ok((500, "")), Ok((200, &ok))]);
    let clock = clock();
    let cfg = config(&[], "", &http, &clock);
    let c = WebIdentityProvider::new(
        cfg,
        "arn:aws:iam::1:role/r",
        token.to_string_lossy(),
        Some("s".into()),
    )
    .provide_credentials()
    .unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(c.access_key_id(), "ASIAROLE");
    assert_eq!(http.sent().len(), 2);
    assert_eq!(clock.sleeps(), [MS(50)]);
}

const IMDS_CREDS: &str = r#"{"Code":"Success","AccessKeyId":"ASIAIMDS","SecretAccessKey":"S","Token":"T","Expiration":"2026-11-29T18:00:00Z"}"#;
const IMDS: &str = "http://169.254.169.254";

#[test]
fn instance_metadata_retries_5xx_and_refreshes_an_expired_token() {
    let http = Script::new(vec![
        Ok((503, "")),       // token
        Ok((200, "TOKEN1")), // token, retried
        Ok((401, "")),       // role: token expired
        Ok((200, "TOKEN2")), // new token
        Ok((200, "role")),   // role, retried with the new token
        Ok((500, "")),       // credentials
        Ok((200, IMDS_CREDS)),
    ]);
    let clock = clock();
    let c = ImdsProvider::new(config(&[], "", &http, &clock))
        .provide_credentials()
        .unwrap();
    assert_eq!(c.access_key_id(), "ASIAIMDS");
    let role = format!("{IMDS}/latest/meta-data/iam/security-credentials/");
    let creds = format!("{role}role");
    let token = format!("{IMDS}/latest/api/token");
    let sent = http.sent();
    let want: Vec<(String, String, Option<String>)> = vec![
        ("PUT".into(), token.clone(), None),
        ("PUT".into(), token.clone(), None),
        ("GET".into(), role.clone(), Some("TOKEN1".into())),
        ("PUT".into(), token.clone(), None),
        ("GET".into(), role, Some("TOKEN2".into())),
        ("GET".into(), creds.clone(), Some("TOKEN2".into())),
        ("GET".into(), creds, Some("TOKEN2".into())),
    ];
    assert_eq!(sent, want);
    assert_eq!(clock.sleeps(), [MS(50), MS(50), MS(50)]);
}

#[test]
fn instance_metadata_attempts_are_bounded_and_no_answer_is_not_retried() {
    // Off EC2: no answer at all moves the chain on at once.
    let http = Script::new(vec![Err(TransportErrorKind::Connect)]);
    let clock = clock();
    let e = ImdsProvider::new(config(&[], "", &http, &clock))
        .provide_credentials()
        .unwrap_err();
    assert_eq!(e.kind(), CredentialsErrorKind::NotLoaded);
    assert_eq!(http.sent().len(), 1);
    // Four attempts by default.
    let http = Script::new(vec![Ok((503, "")); 5]);
    let e = ImdsProvider::new(config(&[], "", &http, &clock))
        .provide_credentials()
        .unwrap_err();
    assert!(
        e.message()
            .ends_with("HTTP 503 Service Unavailable (4 attempts)"),
        "{e}"
    );
    assert_eq!(http.sent().len(), 4);
    // As many as AWS_METADATA_SERVICE_NUM_ATTEMPTS, else the profile's setting.
    let http = Script::new(vec![Ok((503, "")); 5]);
    let env = [("AWS_METADATA_SERVICE_NUM_ATTEMPTS", "2")];
    let _ = ImdsProvider::new(config(&env, "", &http, &clock)).provide_credentials();
    assert_eq!(http.sent().len(), 2);
    let http = Script::new(vec![Ok((503, "")); 5]);
    let profile = "[default]\nmetadata_service_num_attempts = 1\n";
    let _ = ImdsProvider::new(config(&[], profile, &http, &clock)).provide_credentials();
    assert_eq!(http.sent().len(), 1);
    let e = ImdsProvider::new(config(
        &[],
        "[default]\nmetadata_service_num_attempts = x\n",
        &http,
        &clock,
    ))
    .provide_credentials()
    .unwrap_err();
    assert_eq!(
        e.message(),
        "~/.aws/config line 2: metadata_service_num_attempts in profile default must be a whole \
         number of at least 1"
    );
}

#[test]
fn container_retries_5xx_and_unreadable_answers() {
    let ecs = r#"{"AccessKeyId":"ASIAECS","SecretAccessKey":"S","Token":"T","Expiration":"2026-11-29T13:00:00Z"}"#;
    let http = Script::new(vec![Ok((500, "")), Ok((200, "{\"Access")), Ok((200, ecs))]);
    let clock = clock();
    let env = [("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/creds")];
    let c = ContainerProvider::new(config(&env, "", &http, &clock))
        .provide_credentials()
        .unwrap();
    assert_eq!(c.access_key_id(), "ASIAECS");
    assert_eq!(http.sent().len(), 3);
    assert_eq!(clock.sleeps(), [MS(50), MS(100)]);
    // The endpoint's own refusal is final.
    let http = Script::new(vec![Ok((403, "")), Ok((200, ecs))]);
    let e = ContainerProvider::new(config(&env, "", &http, &clock))
        .provide_credentials()
        .unwrap_err();
    assert!(e.message().contains("HTTP 403"), "{e}");
    assert_eq!(http.sent().len(), 1);
}

struct SsoHome(std::path::PathBuf);

impl SsoHome {
    fn new(name: &str) -> SsoHome {
        let home = std::env::temp_dir().join(format!("kms-lite-sso-{}-{name}", std::process::id()));
        let cache = home.join(".aws/sso/cache");
        std::fs::create_dir_all(&cache).unwrap();
        // sha1("s"): the cache key of sso_session `s`.
        std::fs::write(
            cache.join("a0f1490a20d0211c997b44bc357e1972deab8ae3.json"),
            r#"{"accessToken":"SSOTOKEN","expiresAt":"2030-01-01T00:00:00Z"}"#,
        )
        .unwrap();
        SsoHome(home)
    }
    fn home(&self) -> String {
        self.0.to_string_lossy().into_owned()
    }
}

impl Drop for SsoHome {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

const SSO_PROFILE: &str = "[default]\nsso_session = s\nsso_account_id = 111122223333\n\
                           sso_role_name = Reader\n[sso-session s]\nsso_region = us-east-2\n\
                           sso_start_url = https://example.awsapps.com/start\n";
const SSO_OK: &str = r#"{"roleCredentials":{"accessKeyId":"ASIASSO","secretAccessKey":"S","sessionToken":"T","expiration":1890000000000}}"#;

#[test]
fn sso_retries_5xx_but_not_a_refusal() {
    let home = SsoHome::new("retry");
    let env = [("HOME", home.home())];
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let http = Script::new(vec![Ok((503, "")), Ok((429, "")), Ok((200, SSO_OK))]);
    let clock = clock();
    let c = ProfileProvider::new(config(&env, SSO_PROFILE, &http, &clock))
        .provide_credentials()
        .unwrap();
    assert_eq!(c.access_key_id(), "ASIASSO");
    assert_eq!(clock.sleeps(), [MS(50), MS(2000)]);
    let http = Script::new(vec![Ok((401, "")), Ok((200, SSO_OK))]);
    let e = ProfileProvider::new(config(&env, SSO_PROFILE, &http, &clock))
        .provide_credentials()
        .unwrap_err();
    assert!(e.message().contains("refused (HTTP 401)"), "{e}");
    assert_eq!(http.sent().len(), 1);
}

#[test]
fn sso_portal_honours_fips_and_dual_stack() {
    let home = SsoHome::new("fips");
    let env = [("HOME", home.home())];
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let query = "/federation/credentials?account_id=111122223333&role_name=Reader";
    for (fips, dual, host) in [
        (false, false, "portal.sso.us-east-2.amazonaws.com"),
        (true, false, "portal.sso-fips.us-east-2.amazonaws.com"),
        (false, true, "portal.sso.us-east-2.api.aws"),
        (true, true, "portal.sso-fips.us-east-2.api.aws"),
    ] {
        let http = Script::new(vec![Ok((200, SSO_OK))]);
        let options = EndpointOptions::new().with_fips(fips).with_dual_stack(dual);
        ProfileProvider::new(config(&env, SSO_PROFILE, &http, &clock()).endpoint_options(options))
            .provide_credentials()
            .unwrap();
        assert_eq!(
            http.sent(),
            [(
                "GET".to_owned(),
                format!("https://{host}{query}"),
                Some("SSOTOKEN".to_owned())
            )]
        );
    }
    // A custom SSO endpoint cannot be combined with them, as in the SDKs' rules.
    let mut env = env.clone();
    env.push(("AWS_ENDPOINT_URL_SSO", "http://localhost:4566"));
    let http = Script::new(vec![]);
    let options = EndpointOptions::new()
        .with_fips(true)
        .with_dual_stack(false);
    let e =
        ProfileProvider::new(config(&env, SSO_PROFILE, &http, &clock()).endpoint_options(options))
            .provide_credentials()
            .unwrap_err();
    assert!(e.message().contains("cannot be combined with FIPS"), "{e}");
    assert!(http.sent().is_empty());
}
