//! Region, endpoint, retry settings and CA bundle: code > environment > profile > default, and
//! the client builder wired to them. Environments are fixed maps (`Env::from_pairs`), never the
//! real one.

use std::cell::Cell;
use std::path::PathBuf;

use kms_lite::__private::profile_file::ProfileSet;
use kms_lite::__private::settings::{CaBundle, Overrides, ResolvedConfig, resolve};
use kms_lite::Client;
use kms_lite::config::EndpointOptions;
use kms_lite::config::Env;
use kms_lite::config::SharedConfig;
use kms_lite::credentials::Credentials;
use kms_lite::retry::RetryMode;

fn shared(env: &[(&str, &str)], config: &str) -> SharedConfig {
    let set = ProfileSet::from_files(Some((config, "~/.aws/config")), None).unwrap();
    kms_lite::__private::settings::from_profile_set(Env::from_pairs(env.iter().copied()), None, set)
}

fn resolved(env: &[(&str, &str)], config: &str, overrides: &Overrides) -> ResolvedConfig {
    resolve(&shared(env, config), overrides, &|| None).unwrap()
}

fn error(env: &[(&str, &str)], config: &str) -> String {
    resolve(&shared(env, config), &Overrides::default(), &|| None)
        .unwrap_err()
        .to_string()
}

fn region_override(r: &str) -> Overrides {
    let mut o = Overrides::default();
    o.region = Some(r.into());
    o
}

/// Variables for a case.
type Vars<'a> = &'a [(&'a str, &'a str)];

const PROFILE_REGION: &str = "[default]\nregion = eu-north-1\n";

#[test]
fn region_precedence_between_every_pair() {
    let imds = || Some("ap-south-1".to_owned());
    let sources: [(&str, Vars, &str); 4] = [
        ("AWS_REGION", &[("AWS_REGION", "eu-west-1")], ""),
        (
            "AWS_DEFAULT_REGION",
            &[("AWS_DEFAULT_REGION", "eu-west-2")],
            "",
        ),
        ("profile default", &[], PROFILE_REGION),
        ("instance metadata", &[], ""),
    ];
    // Code beats everything.
    let all = shared(
        &[
            ("AWS_REGION", "eu-west-1"),
            ("AWS_DEFAULT_REGION", "eu-west-2"),
        ],
        PROFILE_REGION,
    );
    let r = resolve(&all, &region_override("us-west-2"), &imds).unwrap();
    assert_eq!(
        (r.region.as_str(), r.region_source.as_str()),
        ("us-west-2", "code")
    );
    // Each source beats every later one.
    for (i, (winner, env_a, cfg_a)) in sources.iter().enumerate() {
        for (_, env_b, cfg_b) in &sources[i + 1..] {
            let env: Vec<(&str, &str)> = env_a.iter().chain(env_b.iter()).copied().collect();
            let config = format!("{cfg_a}{cfg_b}");
            let r = resolve(&shared(&env, &config), &Overrides::default(), &imds).unwrap();
            assert_eq!(&r.region_source, winner, "{env:?} {config:?}");
        }
    }
}

#[test]
fn instance_metadata_is_asked_only_when_needed_and_allowed() {
    let asked = Cell::new(0);
    let imds = || {
        asked.set(asked.get() + 1);
        Some("ap-south-1".to_owned())
    };
    let r = resolve(&shared(&[], PROFILE_REGION), &Overrides::default(), &imds).unwrap();
    assert_eq!(r.region, "eu-north-1");
    assert_eq!(asked.get(), 0);
    let r = resolve(&shared(&[], ""), &Overrides::default(), &imds).unwrap();
    assert_eq!((r.region.as_str(), asked.get()), ("ap-south-1", 1));
    let disabled = shared(&[("AWS_EC2_METADATA_DISABLED", "true")], "");
    let e = resolve(&disabled, &Overrides::default(), &imds).unwrap_err();
    assert_eq!(asked.get(), 1);
    assert!(
        e.to_string()
            .contains("disabled by AWS_EC2_METADATA_DISABLED")
    );
}

#[test]
fn a_missing_region_lists_where_it_looked() {
    let e = error(&[("AWS_PROFILE", "dev")], "[profile dev]\noutput = json\n");
    for place in [
        "--region",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "`region` in profile dev",
        "instance metadata",
    ] {
        assert!(e.contains(place), "{e} lacks {place}");
    }
}

#[test]
fn an_invalid_region_names_its_source() {
    let e = error(&[], "[default]\nregion = EU West\n");
    assert!(
        e.contains("\"EU West\"") && e.contains("profile default"),
        "{e}"
    );
}

#[test]
fn endpoint_precedence_between_every_pair() {
    let services = "[default]\nregion = us-east-1\nservices = local\nendpoint_url = http://profile:1\n\
                    [services local]\nkms =\n  endpoint_url = http://services:1\n";
    let env_kms = ("AWS_ENDPOINT_URL_KMS", "http://env-kms:1");
    let env_all = ("AWS_ENDPOINT_URL", "http://env-all:1");
    let cases: [(Vars, &str, &str); 6] = [
        (&[env_kms, env_all], services, "http://env-kms:1"),
        (&[env_all], services, "http://env-all:1"),
        (&[], services, "http://services:1"),
        (
            &[],
            "[default]\nregion = us-east-1\nendpoint_url = http://profile:1\n",
            "http://profile:1",
        ),
        (
            &[],
            "[default]\nregion = us-east-1\nservices = other\nendpoint_url = http://profile:1\n[services other]\ns3 =\n  endpoint_url = http://s3:1\n",
            "http://profile:1",
        ),
        (
            &[],
            "[default]\nregion = us-east-1\n",
            "https://kms.us-east-1.amazonaws.com",
        ),
    ];
    for (env, config, want) in cases {
        assert_eq!(
            resolved(env, config, &Overrides::default()).endpoint_url,
            want
        );
    }
    let mut code = Overrides::default();
    code.endpoint_url = Some("http://code:1".into());
    let r = resolved(&[env_kms, env_all], services, &code);
    assert_eq!(
        (r.endpoint_url.as_str(), r.endpoint_source.as_str()),
        ("http://code:1", "code")
    );
}

#[test]
fn configured_endpoints_can_be_ignored() {
    let config = "[default]\nregion = us-east-1\nendpoint_url = http://profile:1\n";
    let env = [
        ("AWS_ENDPOINT_URL_KMS", "http://env:1"),
        ("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true"),
    ];
    let computed = "https://kms.us-east-1.amazonaws.com";
    assert_eq!(
        resolved(&env, config, &Overrides::default()).endpoint_url,
        computed
    );
    let by_profile = format!("{config}ignore_configured_endpoint_urls = true\n");
    assert_eq!(
        resolved(
            &[("AWS_ENDPOINT_URL", "http://env:1")],
            &by_profile,
            &Overrides::default()
        )
        .endpoint_url,
        computed
    );
    // The environment's "false" beats the profile's "true".
    assert_eq!(
        resolved(
            &[("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "false")],
            &by_profile,
            &Overrides::default()
        )
        .endpoint_url,
        "http://profile:1"
    );
    // Code is never ignored.
    let mut code = Overrides::default();
    code.endpoint_url = Some("http://code:1".into());
    assert_eq!(resolved(&env, config, &code).endpoint_url, "http://code:1");
}

#[test]
fn fips_and_dual_stack_from_environment_and_profile() {
    let fips_profile = "[default]\nregion = us-gov-west-1\nuse_fips_endpoint = true\n";
    assert_eq!(
        resolved(&[], fips_profile, &Overrides::default()).endpoint_url,
        "https://kms-fips.us-gov-west-1.amazonaws.com"
    );
    assert_eq!(
        resolved(
            &[("AWS_USE_FIPS_ENDPOINT", "false")],
            fips_profile,
            &Overrides::default()
        )
        .endpoint_url,
        "https://kms.us-gov-west-1.amazonaws.com"
    );
    assert_eq!(
        resolved(
            &[("AWS_USE_DUALSTACK_ENDPOINT", "true")],
            "[default]\nregion = eu-west-1\n",
            &Overrides::default()
        )
        .endpoint_url,
        "https://kms.eu-west-1.api.aws"
    );
    let mut code = Overrides::default();
    code.endpoint_options = Some(EndpointOptions::default());
    assert_eq!(
        resolved(&[], fips_profile, &code).endpoint_url,
        "https://kms.us-gov-west-1.amazonaws.com"
    );
    let e = error(
        &[
            ("AWS_USE_FIPS_ENDPOINT", "yes"),
            ("AWS_REGION", "us-east-1"),
        ],
        "",
    );
    assert!(
        e.contains("AWS_USE_FIPS_ENDPOINT must be true or false"),
        "{e}"
    );
    let e = error(&[("AWS_ENDPOINT_URL", "http://x:1")], fips_profile);
    assert!(e.contains("cannot be combined with FIPS"), "{e}");
}

#[test]
fn retry_settings_environment_over_profile_over_default() {
    let profile = "[default]\nregion = us-east-1\nmax_attempts = 7\nretry_mode = adaptive\n";
    let r = resolved(&[], profile, &Overrides::default());
    assert_eq!((r.max_attempts, r.retry_mode), (7, RetryMode::Adaptive));
    let r = resolved(
        &[("AWS_MAX_ATTEMPTS", "2"), ("AWS_RETRY_MODE", "legacy")],
        profile,
        &Overrides::default(),
    );
    assert_eq!((r.max_attempts, r.retry_mode), (2, RetryMode::Legacy));
    let mut code = Overrides::default();
    code.max_attempts = Some(9);
    code.retry_mode = Some(RetryMode::Standard);
    let r = resolved(&[("AWS_MAX_ATTEMPTS", "2")], profile, &code);
    assert_eq!((r.max_attempts, r.retry_mode), (9, RetryMode::Standard));
    let r = resolved(
        &[],
        "[default]\nregion = us-east-1\n",
        &Overrides::default(),
    );
    assert_eq!((r.max_attempts, r.retry_mode), (3, RetryMode::Standard));
    // A caller's default (the batch command's) sits below environment and profile.
    let mut patient = Overrides::default();
    patient.default_max_attempts = Some(8);
    let r = resolved(&[], "[default]\nregion = us-east-1\n", &patient);
    assert_eq!(r.max_attempts, 8);
    assert_eq!(resolved(&[], profile, &patient).max_attempts, 7);
    let r = resolved(&[("AWS_MAX_ATTEMPTS", "2")], profile, &patient);
    assert_eq!(r.max_attempts, 2);
    // So does a caller's default retry mode: what the user configured wins.
    let mut adapts = Overrides::default();
    adapts.default_retry_mode = Some(RetryMode::Adaptive);
    let r = resolved(&[], "[default]\nregion = us-east-1\n", &adapts);
    assert_eq!(r.retry_mode, RetryMode::Adaptive);
    let standard = "[default]\nregion = us-east-1\nretry_mode = standard\n";
    assert_eq!(
        resolved(&[], standard, &adapts).retry_mode,
        RetryMode::Standard
    );
    let r = resolved(&[("AWS_RETRY_MODE", "legacy")], profile, &adapts);
    assert_eq!(r.retry_mode, RetryMode::Legacy);
    adapts.retry_mode = Some(RetryMode::Standard);
    assert_eq!(
        resolved(&[], "[default]\nregion = us-east-1\n", &adapts).retry_mode,
        RetryMode::Standard
    );
    let e = error(&[], "[default]\nregion = us-east-1\nmax_attempts = many\n");
    assert!(
        e.contains("max_attempts in profile default must be a whole number"),
        "{e}"
    );
    let e = error(&[], "[default]\nregion = us-east-1\nretry_mode = fast\n");
    assert!(
        e.contains("retry_mode in profile default must be standard"),
        "{e}"
    );
}

#[test]
fn ca_bundle_code_over_environment_over_profile() {
    let profile = "[default]\nregion = us-east-1\nca_bundle = /etc/profile-ca.pem\n";
    let file = |path: &str, source: &str| {
        Some(CaBundle::File {
            path: path.into(),
            source: source.into(),
        })
    };
    assert_eq!(
        resolved(&[], profile, &Overrides::default()).ca_bundle,
        file("/etc/profile-ca.pem", "ca_bundle in profile default")
    );
    assert_eq!(
        resolved(
            &[("AWS_CA_BUNDLE", "/etc/env-ca.pem")],
            profile,
            &Overrides::default()
        )
        .ca_bundle,
        file("/etc/env-ca.pem", "AWS_CA_BUNDLE")
    );
    let mut code = Overrides::default();
    code.ca_bundle = file("/etc/flag.pem", "--ca-bundle");
    assert_eq!(
        resolved(&[("AWS_CA_BUNDLE", "/etc/env-ca.pem")], profile, &code).ca_bundle,
        file("/etc/flag.pem", "--ca-bundle")
    );
}

#[test]
fn sts_endpoints_are_regional_and_partition_aware() {
    let s = shared(&[], "");
    let sts = |region: &str, o: EndpointOptions| {
        kms_lite::__private::settings::service_endpoint(&s, "sts", region, o)
            .unwrap()
            .0
    };
    let plain = EndpointOptions::default();
    assert_eq!(
        sts("eu-west-1", plain),
        "https://sts.eu-west-1.amazonaws.com"
    );
    assert_eq!(
        sts("cn-north-1", plain),
        "https://sts.cn-north-1.amazonaws.com.cn"
    );
    assert_eq!(
        sts(
            "us-gov-west-1",
            EndpointOptions::new()
                .with_fips(true)
                .with_dual_stack(false)
        ),
        "https://sts-fips.us-gov-west-1.amazonaws.com"
    );
    let s = shared(
        &[
            ("AWS_ENDPOINT_URL_STS", "http://sts-env:1"),
            ("AWS_ENDPOINT_URL", "http://all:1"),
        ],
        "",
    );
    assert_eq!(
        kms_lite::__private::settings::service_endpoint(&s, "sts", "eu-west-1", plain)
            .unwrap()
            .0,
        "http://sts-env:1"
    );
    assert_eq!(
        kms_lite::__private::settings::service_endpoint(&s, "kms", "eu-west-1", plain)
            .unwrap()
            .0,
        "http://all:1"
    );
}

/// A fake home with the given config file, removed on drop.
struct Home(PathBuf);

impl Home {
    fn new(name: &str, config: &str) -> Home {
        let dir =
            std::env::temp_dir().join(format!("kms-lite-config-{}-{name}", std::process::id()));
        std::fs::create_dir_all(dir.join(".aws")).unwrap();
        std::fs::write(dir.join(".aws/config"), config).unwrap();
        Home(dir)
    }
    fn env(&self, extra: &[(&str, &str)]) -> Env {
        let home = self.0.to_string_lossy().into_owned();
        let mut pairs = vec![("HOME".to_owned(), home)];
        pairs.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        Env::from_pairs(pairs)
    }
}

impl Drop for Home {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn creds() -> Credentials {
    Credentials::new("AKID", "secret", None)
}

#[test]
fn the_builder_reads_the_selected_profile() {
    let home = Home::new(
        "builder",
        "[default]\nregion = eu-west-1\n[profile dev]\nregion = eu-central-1\nmax_attempts = 4\n\
         services = dev\n[services dev]\nkms =\n  endpoint_url = http://localhost:4566\n",
    );
    let c = Client::builder()
        .env(home.env(&[]))
        .credentials(creds())
        .build()
        .unwrap();
    assert_eq!(c.region(), "eu-west-1");
    assert_eq!(c.endpoint_url(), "https://kms.eu-west-1.amazonaws.com/");
    let c = Client::builder()
        .env(home.env(&[("AWS_PROFILE", "dev")]))
        .credentials(creds())
        .build()
        .unwrap();
    assert_eq!(c.region(), "eu-central-1");
    assert_eq!(c.endpoint_url(), "http://localhost:4566/");
    assert!(format!("{c:?}").contains("max_attempts: 4"));
    // The builder's profile beats AWS_PROFILE.
    let c = Client::builder()
        .env(home.env(&[("AWS_PROFILE", "dev")]))
        .profile("default")
        .credentials(creds())
        .build()
        .unwrap();
    assert_eq!(c.region(), "eu-west-1");
}

#[test]
fn a_named_profile_that_does_not_exist_is_an_error() {
    let home = Home::new("missing", "[default]\nregion = eu-west-1\n");
    let e = Client::builder()
        .env(home.env(&[]))
        .profile("prod")
        .credentials(creds())
        .build()
        .unwrap_err();
    assert!(
        e.to_string()
            .contains("config profile (prod) could not be found"),
        "{e}"
    );
}

#[test]
fn a_malformed_file_is_an_error_naming_file_and_line() {
    let home = Home::new(
        "malformed",
        "[default]\nregion = eu-west-1\n[profile broken\n",
    );
    let e = Client::builder()
        .env(home.env(&[]))
        .region("eu-west-1")
        .credentials(creds())
        .build()
        .unwrap_err();
    assert!(e.to_string().starts_with("~/.aws/config line 3:"), "{e}");
    let moved = home.0.join(".aws/config").to_string_lossy().into_owned();
    let e = Client::builder()
        .env(Env::from_pairs([("AWS_CONFIG_FILE", moved.as_str())]))
        .region("eu-west-1")
        .credentials(creds())
        .build()
        .unwrap_err();
    assert!(e.to_string().contains(&format!("{moved} line 3")), "{e}");
}

#[test]
fn an_unreadable_ca_bundle_names_the_file_and_setting() {
    let home = Home::new(
        "ca",
        "[default]\nregion = eu-west-1\nca_bundle = /nonexistent/ca.pem\n",
    );
    let e = Client::builder()
        .env(home.env(&[]))
        .credentials(creds())
        .build()
        .unwrap_err();
    assert!(
        e.to_string()
            .contains("/nonexistent/ca.pem (ca_bundle in profile default)"),
        "{e}"
    );
    let e = Client::builder()
        .env(home.env(&[]))
        .ca_bundle_file("/nonexistent/flag.pem")
        .credentials(creds())
        .build()
        .unwrap_err();
    assert!(
        e.to_string()
            .contains("/nonexistent/flag.pem (--ca-bundle)"),
        "{e}"
    );
    // Plain-HTTP endpoints never read it.
    Client::builder()
        .env(home.env(&[]))
        .endpoint_url("http://localhost:4566")
        .credentials(creds())
        .build()
        .unwrap();
}

#[test]
fn building_without_credentials_does_no_io() {
    // The default chain is lazy: a build with IMDS pointed at a closed port succeeds at once.
    let c = Client::builder()
        .env(Env::from_pairs([
            ("AWS_REGION", "eu-west-1"),
            ("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:9"),
        ]))
        .build()
        .unwrap();
    assert_eq!(c.region(), "eu-west-1");
}
