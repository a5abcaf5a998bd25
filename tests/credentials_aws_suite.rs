//! The Rust SDK's credential-provider cases (smithy-rs `aws-config/test-data`, copied unchanged
//! into `../shared/aws-test-data/smithy-rs/`, never into this repository), one test per case,
//! named after it: `default-credential-provider-chain/` through [`default_chain`] and
//! `profile-provider/` through [`ProfileProvider`], both built from the case's `env.json` and its
//! fake home, with `http-traffic.json` replayed by an in-memory [`HttpClient`] (for STS and SSO
//! and for the metadata endpoints). Each case checks the credentials or the error, and every
//! request sent.
//!
//! How the data is used:
//!
//! - **The fake file system** (`fs/`, "mounted at /" by smithy-rs) is copied into a temporary
//!   directory, and the absolute paths the case names are moved under it: `HOME` and the token,
//!   config and credentials file variables of `env.json`, and `web_identity_token_file` in the
//!   copied profile files. Nothing is mounted (no root or namespace needed), the library reads
//!   real files through its ordinary code, and no other path of the machine is consulted because
//!   the environment is exactly `env.json`.
//! - **The clock** reads 2009-02-13T23:00:00Z: the recorded answers' credentials expire between
//!   2009-02-13T23:31:30Z and 2022, and kms-lite refuses credentials that have already expired
//!   (smithy-rs does not check), so the clock sits before all of them. Backoff jitter is 1.
//! - **Requests** are compared as smithy-rs compares them, and more: method, URL (query
//!   parameters in any order), `content-type` (media type: kms-lite adds `; charset=utf-8` as
//!   botocore does), the metadata and SSO tokens, `accept`, `x-amz-security-token`, and the
//!   access key, region and service of the signature's scope (the signature itself differs: the
//!   SDK also signed `x-amz-user-agent` and `content-length`, and at another time). Form bodies
//!   are compared parameter by parameter, except `RoleSessionName` when the case sets none (each
//!   SDK has its own default) and the values listed in [`STALE`].
//! - **Results**: the access key id, secret, session token and expiry must be equal; the
//!   `account_id` of the expected credentials is not compared (kms-lite's credentials carry no
//!   account id: KMS has no account-based endpoints). Errors are smithy-rs's own texts, so each
//!   error case names the kms-lite error it corresponds to in [`ERRORS`].

#[path = "support/repo.rs"]
mod repo;

use std::collections::{BTreeMap, VecDeque};
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, UNIX_EPOCH};

use kms_lite::clock::ManualClock;
use kms_lite::config::Env;
use kms_lite::config::SharedConfig;
use kms_lite::credentials::{
    Credentials, CredentialsError, ProfileProvider, ProvideCredentials, ProviderConfig,
    default_chain,
};
use kms_lite::error::{TransportError, TransportErrorKind};
use kms_lite::http::HttpClient;
use kms_lite::http::{HttpRequest, HttpResponse};
use serde_json::Value;

fn data() -> PathBuf {
    repo::path("../shared/aws-test-data/smithy-rs")
}

/// 2009-02-13T23:00:00Z, before every expiry in the recorded answers.
const NOW: u64 = 1_234_566_000;

/// What kms-lite says where smithy-rs says the case's `ErrorContains`: (case, text kms-lite's
/// error holds).
const ERRORS: &[(&str, &str)] = &[
    // "the credential provider was not enabled": nothing in the chain had credentials.
    (
        "imds_default_chain_error",
        "no credentials found; tried, in order",
    ),
    ("imds_disabled", "turned off by AWS_EC2_METADATA_DISABLED"),
    (
        "imds_no_iam_role",
        "no IAM role is attached to this instance",
    ),
    (
        "empty_config",
        "no profile default in the config or credentials file",
    ),
    // "request forbidden: IMDS is disabled".
    (
        "imds_token_fail",
        "(HTTP 403): IMDS is disabled on this instance",
    ),
    // "provider was not enabled": the profile's credential_source Environment has nothing; the
    // web identity variables are not used.
    (
        "profile_overrides_web_identity",
        "credential_source Environment: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set",
    ),
    (
        "eks_pod_identity_no_token_file",
        "No such file or directory (os error 2)",
    ),
    (
        "sso_no_token_file",
        "no cached token ~/.aws/sso/cache/dace00cba5f8355ec9d274ceb2bcebdfbeed0e12.json (No such \
         file or directory (os error 2))",
    ),
    // "an error occurred while loading credentials" after a 503 (see RETRIED_PAST_RECORDING).
    (
        "sso_server_error",
        "SSO GetRoleCredentials for role MySsoRole in account 123456789: the endpoint answered \
         HTTP 503 Service Unavailable (3 attempts)",
    ),
    (
        "web_identity_source_profile_no_env",
        "profile B sets web_identity_token_file but no role_arn",
    ),
    (
        "web_identity_token_invalid_jwt",
        "InvalidIdentityToken (HTTP 400): No OpenIDConnect provider found in your account",
    ),
    (
        "credential_process_failure",
        "credential_process: the command failed (exit status 1)",
    ),
    (
        "credential_process_invalid",
        "credential_process: the output is not valid JSON",
    ),
    // "could not parse profile file".
    (
        "invalid_config",
        "~/.aws/config line 2: expected a property name before `=`",
    ),
    // "selected profile will resolve an access token instead of credentials".
    (
        "invalid_sso_credentials_config",
        "has no sso_account_id and no sso_role_name: it gives an SSO access token",
    ),
    (
        "sso_token",
        "has no sso_account_id and no sso_role_name: it gives an SSO access token",
    ),
];

/// Recorded form values and headers that contradict the case's own configuration or its own
/// recorded answers (smithy-rs never compares bodies nor these headers, so they went stale):
/// (case, parameter or header). A stale parameter's presence is still checked.
const STALE: &[(&str, &str)] = &[
    // The AssumeRole request was recorded signed with the credentials of imds_assume_role
    // (ASIARSTSBASE, tokenbase), not with those the case's container endpoint answers.
    ("ecs_assume_role", "authorization"),
    ("ecs_assume_role", "x-amz-security-token"),
    // The AssumeRole request carries another session token than the recorded
    // AssumeRoleWithWebIdentity answer gives.
    ("web_identity_token_source_profile", "x-amz-security-token"),
    // Sent to sts.us-east-2 (AWS_REGION) but recorded as signed for us-east-1.
    ("region_override", "authorization"),
    // The recording has account 123456789123; env.json sets 123456789012.
    ("web_identity_token_env", "RoleArn"),
    // Recorded with another role and token than the case's config and token file hold.
    ("web_identity_token_profile", "RoleArn"),
    ("web_identity_token_profile", "WebIdentityToken"),
    ("web_identity_token_source_profile", "RoleArn"),
    ("web_identity_token_source_profile", "WebIdentityToken"),
    ("web_identity_token_invalid_jwt", "WebIdentityToken"),
];

/// Cases whose recording ends before kms-lite stops: (case, why). Their last answer is given
/// again to each further request, which must repeat the last recorded one.
const RETRIED_PAST_RECORDING: &[(&str, &str)] = &[(
    "sso_server_error",
    "the recording holds one 503 and smithy-rs' replay answers any further request with a \
     connector error; here the 503 is answered again, as a failing service would, and kms-lite \
     makes its 3 attempts",
)];

/// One recorded exchange.
#[derive(Debug, Clone)]
struct Exchange {
    method: String,
    uri: String,
    headers: BTreeMap<String, String>,
    body: String,
    status: u16,
    response_headers: Vec<(String, String)>,
    response_body: String,
}

fn traffic(path: &Path) -> Vec<Exchange> {
    let doc: Value = serde_json::from_str(&fs::read_to_string(path).unwrap()).unwrap();
    let mut by_connection: BTreeMap<u64, Exchange> = BTreeMap::new();
    for event in doc["events"].as_array().unwrap() {
        let id = event["connection_id"].as_u64().unwrap();
        let action = &event["action"];
        let e = by_connection.entry(id).or_insert_with(|| Exchange {
            method: String::new(),
            uri: String::new(),
            headers: BTreeMap::new(),
            body: String::new(),
            status: 0,
            response_headers: Vec::new(),
            response_body: String::new(),
        });
        let headers = |v: &Value| -> Vec<(String, String)> {
            v.as_object()
                .map(|m| {
                    m.iter()
                        .map(|(k, v)| {
                            let joined = v
                                .as_array()
                                .unwrap()
                                .iter()
                                .map(|s| s.as_str().unwrap())
                                .collect::<Vec<_>>()
                                .join(", ");
                            (k.to_ascii_lowercase(), joined)
                        })
                        .collect()
                })
                .unwrap_or_default()
        };
        if let Some(r) = action.get("Request") {
            let r = &r["request"];
            e.method = r["method"].as_str().unwrap().to_owned();
            e.uri = r["uri"].as_str().unwrap().to_owned();
            e.headers = headers(&r["headers"]).into_iter().collect();
        } else if let Some(r) = action.get("Response") {
            let ok = &r["response"]["Ok"];
            e.status = ok["status"].as_u64().unwrap() as u16;
            e.response_headers = headers(&ok["headers"]);
        } else if let Some(d) = action.get("Data") {
            let text = d["data"]["Utf8"].as_str().unwrap_or_default();
            match d["direction"].as_str() {
                Some("Request") => e.body.push_str(text),
                _ => e.response_body.push_str(text),
            }
        }
    }
    by_connection.into_values().collect()
}

/// Answers each request with the next recorded response, and records what was sent.
#[derive(Debug)]
struct Replay {
    answers: Mutex<VecDeque<Exchange>>,
    sent: Mutex<Vec<HttpRequest>>,
    /// The last answer, given again past the recording (see [`RETRIED_PAST_RECORDING`]).
    repeat: Option<Exchange>,
}

impl HttpClient for Replay {
    fn send(&self, r: &HttpRequest, _: Option<Duration>) -> Result<HttpResponse, TransportError> {
        self.sent.lock().unwrap().push(r.clone());
        match self
            .answers
            .lock()
            .unwrap()
            .pop_front()
            .or(self.repeat.clone())
        {
            Some(e) => Ok(HttpResponse::new(
                e.status,
                e.response_headers,
                e.response_body.into_bytes(),
            )),
            None => Err(TransportError::new(
                TransportErrorKind::InvalidResponse,
                "the recording has no more exchanges",
            )),
        }
    }
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// Variables whose absolute paths refer to the fake file system.
const PATH_VARIABLES: &[&str] = &[
    "HOME",
    "AWS_CONFIG_FILE",
    "AWS_SHARED_CREDENTIALS_FILE",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
];

/// Profile keys whose absolute paths refer to the fake file system.
const PATH_KEYS: &[&str] = &["web_identity_token_file"];

/// `path` moved under `root` when it is absolute.
fn under(root: &Path, path: &str) -> String {
    match path.strip_prefix('/') {
        Some(rest) => root.join(rest).to_string_lossy().into_owned(),
        None => path.to_owned(),
    }
}

fn rewrite_profile_file(root: &Path, file: &Path) {
    let Ok(text) = fs::read_to_string(file) else {
        return;
    };
    let lines: Vec<String> = text
        .lines()
        .map(|line| match line.split_once('=') {
            Some((k, v)) if PATH_KEYS.contains(&k.trim()) && v.trim().starts_with('/') => {
                format!("{} = {}", k.trim(), under(root, v.trim()))
            }
            _ => line.to_owned(),
        })
        .collect();
    fs::write(file, lines.join("\n") + "\n").unwrap();
}

fn form(body: &str) -> BTreeMap<String, String> {
    body.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (k.to_owned(), v.to_owned())
        })
        .collect()
}

fn split_uri(uri: &str) -> (String, Vec<String>) {
    let (base, query) = uri.split_once('?').unwrap_or((uri, ""));
    let base = if base.matches('/').count() == 2 {
        format!("{base}/")
    } else {
        base.to_owned()
    };
    let mut params: Vec<String> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(str::to_owned)
        .collect();
    params.sort();
    (base, params)
}

/// `AKID/region/service` of an `Authorization` header's credential scope.
fn scope(authorization: &str) -> String {
    let credential = authorization
        .split("Credential=")
        .nth(1)
        .unwrap_or("")
        .split(',')
        .next()
        .unwrap_or("");
    let parts: Vec<&str> = credential.split('/').collect();
    match parts.as_slice() {
        [akid, _date, region, service, ..] => format!("{akid}/{region}/{service}"),
        _ => String::new(),
    }
}

fn check_request(
    case: &str,
    n: usize,
    want: &Exchange,
    got: &HttpRequest,
    session_name_set: bool,
) -> Vec<String> {
    let mut problems = Vec::new();
    let mut differ = |what: &str, w: &dyn std::fmt::Debug, g: &dyn std::fmt::Debug| {
        problems.push(format!("request {n}: {what}: recorded {w:?}, sent {g:?}"));
    };
    if want.method != got.method() {
        differ("method", &want.method, &got.method());
    }
    if split_uri(&want.uri) != split_uri(got.url()) {
        differ("URL", &want.uri, &got.url());
    }
    for (name, value) in &want.headers {
        if STALE.contains(&(case, name.as_str())) {
            continue;
        }
        let sent = got.header(name);
        let media = |v: &str| v.split(';').next().unwrap_or("").trim().to_owned();
        let same = match name.as_str() {
            "content-type" => sent.map(media) == Some(media(value)),
            "authorization" => sent.map(scope) == Some(scope(value)),
            "accept"
            | "x-aws-ec2-metadata-token"
            | "x-aws-ec2-metadata-token-ttl-seconds"
            | "x-amz-sso_bearer_token"
            | "x-amz-security-token" => sent == Some(value.as_str()),
            _ => true,
        };
        if !same {
            differ(name, value, &sent);
        }
    }
    let (want_form, got_form) = (form(&want.body), form(&String::from_utf8_lossy(got.body())));
    if want_form.keys().ne(got_form.keys()) {
        differ("body parameters", &want_form.keys(), &got_form.keys());
    }
    for (k, v) in &want_form {
        let stale = STALE.contains(&(case, k.as_str()));
        let sdk_default = k == "RoleSessionName" && !session_name_set;
        if sdk_default {
            let ours = got_form.get(k).map(String::as_str).unwrap_or("");
            let digits = ours.strip_prefix("kms-lite-").unwrap_or("x");
            if !digits.bytes().all(|b| b.is_ascii_digit()) {
                differ("default RoleSessionName", &"kms-lite-<millis>", &ours);
            }
        } else if !stale && got_form.get(k) != Some(v) {
            differ(k, v, &got_form.get(k));
        }
    }
    problems
}

fn run(suite: &str, case: &str) {
    let dir = data().join(suite).join(case);
    if !data().is_dir() {
        eprintln!("SKIPPED: ../shared/aws-test-data/smithy-rs not found: {suite}/{case} not run");
        return;
    }
    let meta: Value =
        serde_json::from_str(&fs::read_to_string(dir.join("test-case.json")).unwrap()).unwrap();
    let env: BTreeMap<String, String> =
        serde_json::from_str(&fs::read_to_string(dir.join("env.json")).unwrap()).unwrap();
    let exchanges = traffic(&dir.join("http-traffic.json"));

    let root = std::env::temp_dir().join(format!(
        "kms-lite-aws-suite-{}-{suite}-{case}",
        std::process::id()
    ));
    let _ = fs::remove_dir_all(&root);
    fs::create_dir_all(&root).unwrap();
    if dir.join("fs").is_dir() {
        copy_dir(&dir.join("fs"), &root);
    }
    let env: BTreeMap<String, String> = env
        .into_iter()
        .map(|(k, v)| {
            let v = if PATH_VARIABLES.contains(&k.as_str()) {
                under(&root, &v)
            } else {
                v
            };
            (k, v)
        })
        .collect();
    let session_name_set = env.contains_key("AWS_ROLE_SESSION_NAME");
    if let Some(home) = env.get("HOME") {
        for f in ["config", "credentials"] {
            rewrite_profile_file(&root, &PathBuf::from(home).join(".aws").join(f));
        }
    }
    let repeat_last = RETRIED_PAST_RECORDING.iter().any(|(c, _)| *c == case);
    let replay = Arc::new(Replay {
        answers: Mutex::new(exchanges.iter().cloned().collect()),
        sent: Mutex::default(),
        repeat: exchanges.last().cloned().filter(|_| repeat_last),
    });
    let result: Result<Credentials, String> = SharedConfig::load(Env::from_pairs(env), None)
        .map_err(|e| e.to_string())
        .and_then(|shared| {
            let options = kms_lite::__private::settings::endpoint_options(&shared)
                .map_err(|e| e.to_string())?;
            let cfg = ProviderConfig::new(shared)
                .clock(Arc::new(ManualClock::new(
                    UNIX_EPOCH + Duration::from_secs(NOW),
                )))
                .jitter(Arc::new(|| 1.0))
                .endpoint_options(options)
                .http_client(Arc::clone(&replay) as Arc<dyn HttpClient>)
                .metadata_http_client(Arc::clone(&replay) as Arc<dyn HttpClient>);
            let out: Result<Credentials, CredentialsError> = match suite {
                "default-credential-provider-chain" => default_chain(&cfg).provide_credentials(),
                _ => ProfileProvider::new(cfg).provide_credentials(),
            };
            out.map_err(|e| e.to_string())
        });
    let _ = fs::remove_dir_all(&root);

    let mut problems = Vec::new();
    let sent = replay.sent.lock().unwrap().clone();
    if sent.len() != exchanges.len() && !(repeat_last && sent.len() > exchanges.len()) {
        problems.push(format!(
            "{} requests recorded, {} sent: {:?}",
            exchanges.len(),
            sent.len(),
            sent.iter()
                .map(|r| format!("{} {}", r.method(), r.url()))
                .collect::<Vec<_>>()
        ));
    }
    for (n, (want, got)) in exchanges.iter().zip(&sent).enumerate() {
        problems.extend(check_request(case, n, want, got, session_name_set));
    }
    // Requests past the recording may only repeat the last one (a retry).
    if let Some(last) = exchanges.last() {
        for got in sent.iter().skip(exchanges.len()) {
            problems.extend(check_request(
                case,
                exchanges.len(),
                last,
                got,
                session_name_set,
            ));
        }
    }
    let expected = &meta["result"];
    match (&result, expected.get("Ok")) {
        (Ok(c), Some(want)) => {
            let s = |k: &str| want.get(k).and_then(Value::as_str);
            let expiry = c
                .expiry()
                .map(|t| t.duration_since(UNIX_EPOCH).unwrap().as_secs());
            let checks = [
                (
                    "access_key_id",
                    s("access_key_id") == Some(c.access_key_id()),
                ),
                (
                    "secret_access_key",
                    s("secret_access_key") == Some(c.secret_access_key()),
                ),
                ("session_token", s("session_token") == c.session_token()),
                (
                    "expiry",
                    want.get("expiry").and_then(Value::as_u64) == expiry,
                ),
            ];
            for (what, ok) in checks {
                if !ok {
                    problems.push(format!("{what} differs: expected {want}, got {c:?}"));
                }
            }
        }
        (Err(e), None) => {
            let smithy = expected["ErrorContains"].as_str().unwrap_or("");
            match ERRORS.iter().find(|(c, _)| *c == case) {
                Some((_, ours)) if e.contains(ours) => {}
                Some((_, ours)) => problems.push(format!(
                    "error {e:?} does not contain {ours:?} (smithy-rs: {smithy:?})"
                )),
                None => problems.push(format!(
                    "error case not mapped in ERRORS (smithy-rs: {smithy:?}); kms-lite said {e:?}"
                )),
            }
        }
        (Ok(c), None) => problems.push(format!("expected an error, got {c:?}")),
        (Err(e), Some(_)) => problems.push(format!("expected credentials, got error: {e}")),
    }
    assert!(
        problems.is_empty(),
        "{suite}/{case}:\n  {}",
        problems.join("\n  ")
    );
}

macro_rules! cases {
    ($module:ident, $suite:literal, [$($case:ident),* $(,)?]) => {
        mod $module {
            pub(crate) const SUITE: &str = $suite;
            pub(crate) const CASES: &[&str] = &[$(stringify!($case)),*];
            $(
                #[test]
                fn $case() {
                    super::run(SUITE, stringify!($case));
                }
            )*
        }
    };
}

cases!(
    default_credential_provider_chain,
    "default-credential-provider-chain",
    [
        e2e_fips_and_dual_stack_sso,
        ecs_assume_role,
        ecs_credentials,
        ecs_credentials_invalid_profile,
        eks_pod_identity_credentials,
        eks_pod_identity_no_token_file,
        environment_variables,
        environment_variables_blank,
        imds_assume_role,
        imds_config_with_no_creds,
        imds_default_chain_error,
        imds_default_chain_retries,
        imds_default_chain_success,
        imds_disabled,
        imds_no_iam_role,
        imds_token_fail,
        prefer_environment,
        profile_name,
        profile_overrides_web_identity,
        profile_static_keys,
        profile_static_keys_case_insensitive,
        sso_assume_role,
        sso_no_token_file,
        sso_server_error,
        web_identity_source_profile_no_env,
        web_identity_token_env,
        web_identity_token_invalid_jwt,
        web_identity_token_profile,
        web_identity_token_source_profile,
    ]
);

cases!(
    profile_provider,
    "profile-provider",
    [
        assume_role_override_global_env_url,
        assume_role_override_global_profile_url,
        assume_role_override_service_env_url,
        assume_role_override_service_profile_url,
        credential_process,
        credential_process_account_id_fallback,
        credential_process_failure,
        credential_process_invalid,
        e2e_assume_role,
        e2e_fips_and_dual_stack_sts,
        empty_config,
        invalid_config,
        invalid_sso_credentials_config,
        region_override,
        retry_on_error,
        sso_credentials,
        sso_override_global_env_url,
        sso_token,
    ]
);

/// Every case directory has its test above, and every test its directory: none is dropped.
#[test]
fn every_case_is_listed() {
    if !data().is_dir() {
        eprintln!("SKIPPED: ../shared/aws-test-data/smithy-rs not found");
        return;
    }
    for (suite, listed) in [
        (
            default_credential_provider_chain::SUITE,
            default_credential_provider_chain::CASES,
        ),
        (profile_provider::SUITE, profile_provider::CASES),
    ] {
        let mut found: Vec<String> = fs::read_dir(data().join(suite))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        found.sort();
        assert_eq!(found, listed, "{suite}");
    }
    for (case, _) in ERRORS.iter().chain(RETRIED_PAST_RECORDING) {
        assert!(
            default_credential_provider_chain::CASES.contains(case)
                || profile_provider::CASES.contains(case),
            "{case}"
        );
    }
}
