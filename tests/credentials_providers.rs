//! Providers on their own: container URL rules (the 169.254.170.2 default is checked without
//! connecting), the authorization token file re-read at each fetch, IMDS region and endpoint
//! settings, proxies never used for metadata, `credential_source = Environment`.

mod loopback;

use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use kms_lite::__private::profile_file::ProfileSet;
use kms_lite::Client;
use kms_lite::clock::ManualClock;
use kms_lite::config::Env;
use kms_lite::credentials::{
    ContainerProvider, Credentials, ImdsProvider, ProfileProvider, ProvideCredentials,
    ProviderConfig,
};
use loopback::{Exchange, Expected, Server, response};

const NOW: u64 = 1_795_953_600;

fn config(env: Vec<(String, String)>, profiles: &str) -> ProviderConfig {
    let set = ProfileSet::from_files(Some((profiles, "~/.aws/config")), None).unwrap();
    ProviderConfig::new(kms_lite::__private::settings::from_profile_set(
        Env::from_pairs(env),
        None,
        set,
    ))
    .clock(Arc::new(ManualClock::new(
        UNIX_EPOCH + Duration::from_secs(NOW),
    )))
}

fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
    p.iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn get(path: &str) -> Expected {
    Expected {
        method: "GET".into(),
        path: path.into(),
        ..Expected::default()
    }
}

const ECS_JSON: &str = r#"{"AccessKeyId":"ASIAECS","SecretAccessKey":"ECSSECRET","Token":"ECSTOKEN","Expiration":"2026-11-29T13:00:00Z"}"#;

#[test]
fn container_endpoint_urls() {
    let url = |k: &str, v: &str| {
        kms_lite::__private::credentials::container_endpoint_url(&Env::from_pairs([(k, v)]))
    };
    let rel = "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI";
    let full = "AWS_CONTAINER_CREDENTIALS_FULL_URI";
    assert_eq!(
        url(rel, "/v2/credentials/id").unwrap().as_deref(),
        Some("http://169.254.170.2/v2/credentials/id")
    );
    for ok in [
        "http://127.0.0.1:8080/creds",
        "http://127.1.2.3/creds",
        "http://localhost/creds",
        "http://[::1]:80/creds",
        "http://169.254.170.2/creds",
        "http://169.254.170.23/v1/credentials",
        "http://[fd00:ec2::23]/v1/credentials",
        "https://creds.example.com/x",
    ] {
        assert_eq!(url(full, ok).unwrap().as_deref(), Some(ok));
    }
    for bad in [
        "http://creds.example.com/x",
        "http://10.0.0.1/creds",
        "http://169.254.169.254/creds",
        "ftp://127.0.0.1/creds",
    ] {
        assert!(url(full, bad).is_err(), "{bad}");
    }
    // The relative URI wins when both are set.
    let env = Env::from_pairs([(rel, "/a"), (full, "http://127.0.0.1/b")]);
    assert_eq!(
        kms_lite::__private::credentials::container_endpoint_url(&env)
            .unwrap()
            .as_deref(),
        Some("http://169.254.170.2/a")
    );
    assert_eq!(
        kms_lite::__private::credentials::container_endpoint_url(
            &Env::from_pairs::<&str, &str>([])
        )
        .unwrap(),
        None
    );
}

#[test]
fn container_token_file_is_read_at_each_fetch() {
    let ok = response(
        "HTTP/1.1 200 OK",
        &[("content-type", "application/json")],
        ECS_JSON,
    );
    let server = Server::start(vec![
        Exchange::new(get("/creds"), ok.clone()),
        Exchange::new(get("/creds"), ok),
    ]);
    let dir = std::env::temp_dir().join(format!("kms-lite-ecs-token-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let token_file = dir.join("token");
    std::fs::write(&token_file, "FIRST-TOKEN\n").unwrap();
    let provider = ContainerProvider::new(config(
        pairs(&[
            (
                "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                &format!("{}/creds", server.url),
            ),
            (
                "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
                &token_file.to_string_lossy(),
            ),
        ]),
        "",
    ));
    assert_eq!(
        provider.provide_credentials().unwrap().access_key_id(),
        "ASIAECS"
    );
    std::fs::write(&token_file, "SECOND-TOKEN").unwrap();
    provider.provide_credentials().unwrap();
    let received = server.finish();
    let _ = std::fs::remove_dir_all(&dir);
    let tokens: Vec<_> = received
        .iter()
        .map(|r| r.header("authorization").unwrap())
        .collect();
    assert_eq!(tokens, ["FIRST-TOKEN", "SECOND-TOKEN"]);
}

#[test]
fn container_token_with_a_line_break_is_refused() {
    let provider = ContainerProvider::new(config(
        pairs(&[
            (
                "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                "http://127.0.0.1:9/creds",
            ),
            ("AWS_CONTAINER_AUTHORIZATION_TOKEN", "abc\r\nX-Injected: 1"),
        ]),
        "",
    ));
    let e = provider.provide_credentials().unwrap_err();
    assert!(e.message().contains("line breaks"), "{e}");
}

fn imds_token() -> Exchange {
    Exchange::new(
        Expected {
            method: "PUT".into(),
            path: "/latest/api/token".into(),
            headers: vec![(
                "x-aws-ec2-metadata-token-ttl-seconds".into(),
                "21600".into(),
            )],
            ..Expected::default()
        },
        response("HTTP/1.1 200 OK", &[], "TOKEN-A"),
    )
}

#[test]
fn region_from_instance_metadata_when_nothing_else_sets_it() {
    let mut region = get("/latest/meta-data/placement/region");
    region
        .headers
        .push(("x-aws-ec2-metadata-token".into(), "TOKEN-A".into()));
    let server = Server::start(vec![
        imds_token(),
        Exchange::new(region, response("HTTP/1.1 200 OK", &[], "ap-southeast-2\n")),
    ]);
    let client = Client::builder()
        .env(Env::from_pairs([(
            "AWS_EC2_METADATA_SERVICE_ENDPOINT",
            server.url.as_str(),
        )]))
        .credentials(Credentials::new("AKID", "S", None))
        .build()
        .unwrap();
    let received = server.finish();
    assert_eq!(client.region(), "ap-southeast-2");
    assert_eq!(
        client.endpoint_url(),
        "https://kms.ap-southeast-2.amazonaws.com/"
    );
    for (n, (want, got)) in [imds_token().expected, {
        let mut r = get("/latest/meta-data/placement/region");
        r.headers
            .push(("x-aws-ec2-metadata-token".into(), "TOKEN-A".into()));
        r
    }]
    .iter()
    .zip(&received)
    .enumerate()
    {
        loopback::check("imds region", n, want, got);
    }
    assert_eq!(received.len(), 2);
}

#[test]
fn no_region_anywhere_is_an_error_after_asking_instance_metadata() {
    let server = Server::start(vec![Exchange::new(
        Expected::default(),
        response("HTTP/1.1 404 Not Found", &[], ""),
    )]);
    let e = Client::builder()
        .env(Env::from_pairs([(
            "AWS_EC2_METADATA_SERVICE_ENDPOINT",
            server.url.as_str(),
        )]))
        .credentials(Credentials::new("AKID", "S", None))
        .build()
        .unwrap_err();
    assert_eq!(server.finish().len(), 1);
    assert!(e.to_string().starts_with("no region: looked in"), "{e}");
}

#[test]
fn imds_endpoint_settings() {
    let shown = |env: &[(&str, &str)], profiles: &str| {
        format!("{:?}", ImdsProvider::new(config(pairs(env), profiles)))
    };
    assert!(shown(&[], "").contains("http://169.254.169.254"));
    assert!(
        shown(&[("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "IPv6")], "")
            .contains("[fd00:ec2::254]")
    );
    assert!(
        shown(
            &[],
            "[default]\nec2_metadata_service_endpoint_mode = ipv6\n"
        )
        .contains("[fd00:ec2::254]")
    );
    assert!(
        shown(
            &[("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://env:1")],
            "[default]\nec2_metadata_service_endpoint = http://profile:1\n"
        )
        .contains("http://env:1")
    );
    let disabled = ImdsProvider::new(config(pairs(&[("AWS_EC2_METADATA_DISABLED", "TRUE")]), ""));
    assert!(disabled.provide_credentials().unwrap_err().is_not_loaded());
}

#[test]
fn metadata_is_never_reached_through_a_proxy_but_sts_is() {
    // A "proxy" that answers 502 to anything, and a metadata server reached directly.
    let proxy = Server::start(vec![Exchange::new(
        Expected::default(),
        response("HTTP/1.1 502 Bad Gateway", &[], ""),
    )]);
    let imds_json = r#"{"Code":"Success","AccessKeyId":"ASIAIMDS","SecretAccessKey":"S","Token":"T","Expiration":"2026-11-29T13:00:00Z"}"#;
    let metadata = Server::start(vec![
        imds_token(),
        Exchange::new(
            get("/latest/meta-data/iam/security-credentials/"),
            response("HTTP/1.1 200 OK", &[], "role"),
        ),
        Exchange::new(
            get("/latest/meta-data/iam/security-credentials/role"),
            response("HTTP/1.1 200 OK", &[], imds_json),
        ),
    ]);
    let env = pairs(&[
        ("HTTP_PROXY", &proxy.url),
        ("HTTPS_PROXY", &proxy.url),
        ("AWS_EC2_METADATA_SERVICE_ENDPOINT", &metadata.url),
        ("AWS_ENDPOINT_URL_STS", "http://sts.proxied.invalid"),
    ]);
    let provider = ProfileProvider::new(config(
        env,
        "[default]\nrole_arn = arn:aws:iam::1:role/r\ncredential_source = Ec2InstanceMetadata\n",
    ));
    let e = provider.provide_credentials().unwrap_err();
    assert_eq!(metadata.finish().len(), 3, "metadata is reached directly");
    let via_proxy = proxy.finish();
    assert_eq!(via_proxy.len(), 1, "STS goes through the proxy: {e}");
    let seen = format!(
        "{} {} {:?}",
        via_proxy[0].method, via_proxy[0].path, via_proxy[0].headers
    );
    assert!(seen.contains("sts.proxied.invalid"), "{seen}");
}

#[test]
fn credential_source_environment_assumes_the_role_with_environment_keys() {
    let sts_ok = "<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>ASIAROLE</AccessKeyId>\
        <SecretAccessKey>RS</SecretAccessKey><SessionToken>RT</SessionToken>\
        <Expiration>2026-11-29T13:00:00Z</Expiration></Credentials></AssumeRoleResult></AssumeRoleResponse>";
    let server = Server::start(vec![Exchange::new(
        Expected {
            method: "POST".into(),
            path: "/".into(),
            headers: vec![(
                "authorization".into(),
                "AWS4-HMAC-SHA256 Credential=AKIDENV/20261129/eu-west-1/sts/aws4_request*".into(),
            )],
            ..Expected::default()
        },
        response("HTTP/1.1 200 OK", &[], sts_ok),
    )]);
    let provider = ProfileProvider::new(
        config(
            pairs(&[
                ("AWS_ACCESS_KEY_ID", "AKIDENV"),
                ("AWS_SECRET_ACCESS_KEY", "ENVSECRET"),
                ("AWS_ENDPOINT_URL_STS", &server.url),
            ]),
            "[default]\nrole_arn = arn:aws:iam::1:role/r\ncredential_source = Environment\n",
        )
        .region("eu-west-1"),
    );
    let c = provider.provide_credentials().unwrap();
    assert_eq!((c.access_key_id(), c.source()), ("ASIAROLE", "assume role"));
    let received = server.finish();
    loopback::check(
        "credential_source",
        0,
        &{
            let mut e = Expected {
                method: "POST".into(),
                path: "/".into(),
                ..Expected::default()
            };
            e.headers.push((
                "authorization".into(),
                "AWS4-HMAC-SHA256 Credential=AKIDENV/20261129/eu-west-1/sts/aws4_request*".into(),
            ));
            e
        },
        &received[0],
    );
    assert!(
        received[0]
            .body
            .contains("RoleSessionName=kms-lite-1795953600000")
    );
}

fn sts_answer(id: &str, expiration: &str) -> Vec<u8> {
    let body = format!(
        "<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>{id}</AccessKeyId>\
         <SecretAccessKey>S</SecretAccessKey><SessionToken>T</SessionToken>\
         <Expiration>{expiration}</Expiration></Credentials></AssumeRoleResult></AssumeRoleResponse>"
    );
    response("HTTP/1.1 200 OK", &[("content-type", "text/xml")], &body)
}

#[test]
fn the_default_chain_refreshes_role_credentials_five_minutes_before_expiry() {
    let post = || Expected {
        method: "POST".into(),
        path: "/".into(),
        ..Expected::default()
    };
    let server = Server::start(vec![
        Exchange::new(post(), sts_answer("ASIAFIRST", "2026-11-29T12:30:00Z")),
        Exchange::new(post(), sts_answer("ASIASECOND", "2026-11-29T14:00:00Z")),
    ]);
    let clock = ManualClock::new(UNIX_EPOCH + Duration::from_secs(NOW));
    let set = ProfileSet::from_files(
        Some((
            "[default]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = base\n\
             [profile base]\naws_access_key_id = AKID\naws_secret_access_key = S\n",
            "~/.aws/config",
        )),
        None,
    )
    .unwrap();
    let env = Env::from_pairs([
        ("AWS_ENDPOINT_URL_STS", server.url.as_str()),
        ("AWS_EC2_METADATA_DISABLED", "true"),
    ]);
    let cfg = ProviderConfig::new(kms_lite::__private::settings::from_profile_set(
        env, None, set,
    ))
    .clock(Arc::new(clock.clone()));
    let chain = kms_lite::credentials::default_chain(&cfg);
    assert_eq!(
        chain.provide_credentials().unwrap().access_key_id(),
        "ASIAFIRST"
    );
    clock.advance(Duration::from_secs(24 * 60));
    assert_eq!(
        chain.provide_credentials().unwrap().access_key_id(),
        "ASIAFIRST"
    );
    assert_eq!(server.received().len(), 1);
    clock.advance(Duration::from_secs(60));
    assert_eq!(
        chain.provide_credentials().unwrap().access_key_id(),
        "ASIASECOND"
    );
    assert_eq!(
        chain.provide_credentials().unwrap().access_key_id(),
        "ASIASECOND"
    );
    assert_eq!(server.finish().len(), 2);
}
