//! Endpoint resolution for every partition, and custom endpoint parsing, through the public
//! builder: what a user's configuration turns into.

use kms_lite::Client;
use kms_lite::config::{EndpointOptions, Env};
use kms_lite::credentials::Credentials;
use kms_lite::error::{ConfigError, ConfigErrorKind};

/// A client for `region` with `options` and, if given, a custom endpoint; nothing of the
/// machine's environment is read.
fn build(region: &str, options: EndpointOptions, url: Option<&str>) -> Result<Client, ConfigError> {
    let mut b = Client::builder()
        .env(Env::from_pairs::<&str, &str>([]))
        .region(region)
        .endpoint_options(options)
        .credentials(Credentials::new("AKIDEXAMPLE", "secret", None));
    if let Some(url) = url {
        b = b.endpoint_url(url);
    }
    b.build()
}

/// The region's endpoint URL (without the path).
fn resolve(region: &str, options: EndpointOptions) -> Result<String, ConfigError> {
    let client = build(region, options, None)?;
    Ok(client.endpoint_url().trim_end_matches('/').to_owned())
}

/// The URL a custom endpoint is used as, or why it is refused.
fn parse(url: &str) -> Result<String, ConfigError> {
    build("us-east-1", PLAIN, Some(url)).map(|c| c.endpoint_url().to_owned())
}

const PLAIN: EndpointOptions = EndpointOptions::new()
    .with_fips(false)
    .with_dual_stack(false);
const FIPS: EndpointOptions = EndpointOptions::new()
    .with_fips(true)
    .with_dual_stack(false);
const DUAL: EndpointOptions = EndpointOptions::new()
    .with_fips(false)
    .with_dual_stack(true);
const BOTH: EndpointOptions = EndpointOptions::new().with_fips(true).with_dual_stack(true);

#[test]
fn every_partition_and_variant() {
    let cases = [
        ("us-east-1", PLAIN, "https://kms.us-east-1.amazonaws.com"),
        (
            "us-east-1",
            FIPS,
            "https://kms-fips.us-east-1.amazonaws.com",
        ),
        ("us-east-1", DUAL, "https://kms.us-east-1.api.aws"),
        ("us-east-1", BOTH, "https://kms-fips.us-east-1.api.aws"),
        ("eu-west-1", PLAIN, "https://kms.eu-west-1.amazonaws.com"),
        (
            "cn-north-1",
            PLAIN,
            "https://kms.cn-north-1.amazonaws.com.cn",
        ),
        (
            "cn-northwest-1",
            DUAL,
            "https://kms.cn-northwest-1.api.amazonwebservices.com.cn",
        ),
        (
            "us-gov-west-1",
            PLAIN,
            "https://kms.us-gov-west-1.amazonaws.com",
        ),
        (
            "us-gov-east-1",
            FIPS,
            "https://kms-fips.us-gov-east-1.amazonaws.com",
        ),
        ("us-gov-west-1", DUAL, "https://kms.us-gov-west-1.api.aws"),
        (
            "us-iso-east-1",
            PLAIN,
            "https://kms.us-iso-east-1.c2s.ic.gov",
        ),
        (
            "us-isob-east-1",
            PLAIN,
            "https://kms.us-isob-east-1.sc2s.sgov.gov",
        ),
        (
            "eu-isoe-west-1",
            PLAIN,
            "https://kms.eu-isoe-west-1.cloud.adc-e.uk",
        ),
        (
            "us-isof-south-1",
            PLAIN,
            "https://kms.us-isof-south-1.csp.hci.ic.gov",
        ),
        (
            "eusc-de-east-1",
            PLAIN,
            "https://kms.eusc-de-east-1.amazonaws.eu",
        ),
        // Unknown regions fall back to the aws partition.
        (
            "mars-north-1",
            PLAIN,
            "https://kms.mars-north-1.amazonaws.com",
        ),
        ("mars-north-1", DUAL, "https://kms.mars-north-1.api.aws"),
    ];
    for (region, options, want) in cases {
        assert_eq!(
            resolve(region, options).unwrap(),
            want,
            "{region} {options:?}"
        );
    }
}

#[test]
fn invalid_regions_are_refused_before_they_reach_a_host_name() {
    for bad in [
        "",
        "US-EAST-1",
        "us_east_1",
        "us-east-1.evil.com",
        "-us",
        "us-",
        "a/b",
        "us east",
        // botocore's validate_region_name: a host label, never all digits.
        "123",
        "0",
    ] {
        let err = resolve(bad, PLAIN).unwrap_err();
        assert_eq!(err.kind(), ConfigErrorKind::Region, "{bad:?}: {err}");
        assert!(err.message().contains("invalid region"), "{bad:?}: {err}");
    }
    assert!(resolve(&"a".repeat(64), PLAIN).is_err());
}

#[test]
fn custom_endpoints_keep_their_port_and_path() {
    assert_eq!(
        parse("http://localhost:4566").unwrap(),
        "http://localhost:4566/"
    );
    // Host names are lower-cased: the Host header and the signature carry them.
    assert_eq!(
        parse("https://VPCE-123.KMS.us-east-1.vpce.amazonaws.com/").unwrap(),
        "https://vpce-123.kms.us-east-1.vpce.amazonaws.com/"
    );
    assert_eq!(
        parse("https://proxy.example:8443/kms/prefix").unwrap(),
        "https://proxy.example:8443/kms/prefix"
    );

    // Default ports are dropped, as the Host header and the signature carry them.
    assert_eq!(parse("https://h:443").unwrap(), "https://h/");
    assert_eq!(parse("http://h:80/").unwrap(), "http://h/");
    assert_eq!(parse("http://h:443").unwrap(), "http://h:443/");
    assert_eq!(parse("http://[::1]:4566").unwrap(), "http://[::1]:4566/");

    // Names the grammar still takes: underscores (container names), a trailing dot, the
    // longest label, IPv4, a path with what the HTTP stack sends as is.
    for ok in [
        "http://local_kms:8080",
        "https://kms.us-east-1.amazonaws.com.",
        &format!("https://{}.example", "a".repeat(63)),
        "http://10.0.0.1:4566",
        "http://[fe80::1]",
        "https://h/p%2Fq/~x_y-z.(1)!$&'*+,;=:@\"{}|^[]",
    ] {
        parse(ok).unwrap_or_else(|e| panic!("{ok}: {e}"));
    }
    assert!(parse(&format!("https://{}.example", "a".repeat(64))).is_err());
    assert!(parse(&format!("https://h/{}", "p".repeat(5000))).is_err());
}

#[test]
fn malformed_endpoints_are_configuration_errors() {
    let cases = [
        ("ftp://host", "must start with https:// or http://"),
        ("host:443", "must start with https:// or http://"),
        ("https://", "the host is missing"),
        ("https:///path", "the host is missing"),
        ("https://user:pw@host", "user information is not allowed"),
        ("https://host?x=1", "a query or fragment is not allowed"),
        ("https://host#frag", "a query or fragment is not allowed"),
        ("https://host:99999", "the port is not a number"),
        ("https://host:abc", "the port is not a number"),
        ("https://ho st", "characters a host name cannot have"),
        ("https://host/a b", "spaces or control characters"),
        ("https://host/\u{7f}", "spaces or control characters"),
        // What the HTTP stack would refuse, or read as another host, is refused here with a
        // reason, not later as an unclear transport error (or a DNS query for a bogus name).
        ("http://[::1", "missing its closing ']'"),
        ("http://[", "missing its closing ']'"),
        (
            "http://[zz]:80",
            "the text in brackets is not an IPv6 address",
        ),
        ("http://[::1]x", "only a :port may follow an IPv6 address"),
        ("http://[::1]:80:1", "the port is not a number"),
        (
            "http://a]b",
            "brackets are only allowed around an IPv6 address",
        ),
        ("http://::1", "an IPv6 address must be in brackets"),
        ("http://a:1:2", "an IPv6 address must be in brackets"),
        ("https://:443", "the host is not a valid host name"),
        ("https://a..b", "the host is not a valid host name"),
        ("https://-a.example", "the host is not a valid host name"),
        ("https://a-.example", "the host is not a valid host name"),
        ("https://.example", "the host is not a valid host name"),
        ("https://a.example:", "the port is not a number"),
        (
            "https://a.example:+80",
            "the host has characters a host name cannot have",
        ),
        ("https://a.example:080000", "the port is not a number"),
        ("https://h/caf\u{e9}", "non-ASCII text"),
        ("https://h/a<b>", "one of < > `"),
        ("https://h/a`b", "one of < > `"),
    ];
    for (url, why) in cases {
        let err = parse(url).unwrap_err();
        assert_eq!(err.kind(), ConfigErrorKind::Endpoint, "{url:?}: {err}");
        assert!(err.message().contains(why), "{url:?}: {err}");
    }
    // The user-info password is not echoed.
    let err = parse("https://user:hunter2@host").unwrap_err();
    assert!(!err.message().contains("hunter2"), "{err}");
    assert!(err.message().contains("https://***@host"), "{err}");
}
