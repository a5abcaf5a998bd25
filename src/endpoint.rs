//! Where requests go: the KMS endpoint for a region and partition, or a custom one.

use std::sync::Arc;

use crate::error::{ConfigError, ConfigErrorKind};

/// The endpoint variants the AWS SDKs compute: FIPS and dual-stack (otherwise
/// `AWS_USE_FIPS_ENDPOINT` and `AWS_USE_DUALSTACK_ENDPOINT`, or the profile's `use_fips_endpoint`
/// and `use_dualstack_endpoint`).
///
/// ```
/// use kms_lite::config::EndpointOptions;
/// let client = kms_lite::Client::builder()
///     .env(kms_lite::config::Env::from_pairs::<&str, &str>([]))
///     .region("us-gov-west-1")
///     .endpoint_options(EndpointOptions::default().with_fips(true))
///     .credentials(kms_lite::credentials::Credentials::new("AKIDEXAMPLE", "secret", None))
///     .build()?;
/// assert_eq!(client.endpoint_url(), "https://kms-fips.us-gov-west-1.amazonaws.com/");
/// # Ok::<(), kms_lite::error::ConfigError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct EndpointOptions {
    /// Use the FIPS endpoint (`kms-fips.<region>...`).
    pub use_fips: bool,
    /// Use the dual-stack (IPv4 and IPv6) endpoint.
    pub use_dual_stack: bool,
}

impl EndpointOptions {
    /// Neither FIPS nor dual-stack (the default).
    pub const fn new() -> Self {
        EndpointOptions {
            use_fips: false,
            use_dual_stack: false,
        }
    }

    /// The same options with the FIPS endpoint on or off.
    pub const fn with_fips(mut self, use_fips: bool) -> Self {
        self.use_fips = use_fips;
        self
    }

    /// The same options with the dual-stack endpoint on or off.
    pub const fn with_dual_stack(mut self, use_dual_stack: bool) -> Self {
        self.use_dual_stack = use_dual_stack;
        self
    }
}

struct Partition {
    suffix: &'static str,
    dual_stack_suffix: &'static str,
}

fn partition(region: &str) -> Partition {
    let p = |suffix, dual_stack_suffix| Partition {
        suffix,
        dual_stack_suffix,
    };
    if region.starts_with("cn-") {
        p("amazonaws.com.cn", "api.amazonwebservices.com.cn")
    } else if region.starts_with("us-gov-") {
        p("amazonaws.com", "api.aws")
    } else if region.starts_with("us-isob-") {
        p("sc2s.sgov.gov", "sc2s.sgov.gov")
    } else if region.starts_with("us-isof-") {
        p("csp.hci.ic.gov", "csp.hci.ic.gov")
    } else if region.starts_with("us-iso-") {
        p("c2s.ic.gov", "c2s.ic.gov")
    } else if region.starts_with("eu-isoe-") {
        p("cloud.adc-e.uk", "cloud.adc-e.uk")
    } else if region.starts_with("eusc-") {
        p("amazonaws.eu", "amazonaws.eu")
    } else {
        p("amazonaws.com", "api.aws")
    }
}

/// Whether a region name is a plausible host label: lower-case letters, digits and `-`,
/// 1..=63 long, not starting or ending with `-`, not all digits (botocore's
/// `validate_region_name`, which also allows upper case).
pub fn is_valid_region(region: &str) -> bool {
    !region.is_empty()
        && region.len() <= 63
        && region
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !region.starts_with('-')
        && !region.ends_with('-')
        && !region.bytes().all(|b| b.is_ascii_digit())
}

/// The KMS endpoint URL for a region, by the partition rules of the AWS SDKs.
///
/// ```
/// use kms_lite::__private::endpoint::{resolve, EndpointOptions};
/// assert_eq!(resolve("eu-west-1", EndpointOptions::default()).unwrap(), "https://kms.eu-west-1.amazonaws.com");
/// let fips = EndpointOptions::new().with_fips(true).with_dual_stack(false);
/// assert_eq!(resolve("us-gov-west-1", fips).unwrap(), "https://kms-fips.us-gov-west-1.amazonaws.com");
/// let ds = EndpointOptions::new().with_fips(false).with_dual_stack(true);
/// assert_eq!(resolve("cn-north-1", ds).unwrap(), "https://kms.cn-north-1.api.amazonwebservices.com.cn");
/// ```
pub fn resolve(region: &str, options: EndpointOptions) -> Result<String, ConfigError> {
    resolve_service("kms", region, options)
}

/// The endpoint URL of any regional AWS service (`kms`, `sts`) by the same partition rules:
/// `https://{service}[-fips].{region}.{suffix}`.
///
/// ```
/// use kms_lite::__private::endpoint::{resolve_service, EndpointOptions};
/// assert_eq!(resolve_service("sts", "cn-north-1", EndpointOptions::default()).unwrap(),
///     "https://sts.cn-north-1.amazonaws.com.cn");
/// ```
pub fn resolve_service(
    service: &str,
    region: &str,
    options: EndpointOptions,
) -> Result<String, ConfigError> {
    if !is_valid_region(region) {
        return Err(ConfigError::of(
            ConfigErrorKind::Region,
            format!(
                "invalid region {region:?}: a region is lower-case letters, digits and '-', such as us-east-1"
            ),
        ));
    }
    let p = partition(region);
    let suffix = if options.use_dual_stack {
        p.dual_stack_suffix
    } else {
        p.suffix
    };
    let fips = if options.use_fips { "-fips" } else { "" };
    Ok(format!("https://{service}{fips}.{region}.{suffix}"))
}

/// The SSO portal endpoint (`GetRoleCredentials`) for a region, by the SSO endpoint rules:
/// `https://portal.sso[-fips].{region}.{suffix}` with the dual-stack suffix for dual-stack, except
/// FIPS alone in AWS GovCloud (US), which is `https://portal.sso.{region}.amazonaws.com`.
///
/// ```
/// use kms_lite::__private::endpoint::{resolve_sso_portal, EndpointOptions};
/// let both = EndpointOptions::new().with_fips(true).with_dual_stack(true);
/// assert_eq!(resolve_sso_portal("us-east-2", both).unwrap(), "https://portal.sso-fips.us-east-2.api.aws");
/// let fips = EndpointOptions::new().with_fips(true).with_dual_stack(false);
/// assert_eq!(resolve_sso_portal("us-east-2", fips).unwrap(), "https://portal.sso-fips.us-east-2.amazonaws.com");
/// assert_eq!(resolve_sso_portal("us-gov-west-1", fips).unwrap(), "https://portal.sso.us-gov-west-1.amazonaws.com");
/// assert_eq!(resolve_sso_portal("eu-west-1", EndpointOptions::default()).unwrap(),
///     "https://portal.sso.eu-west-1.amazonaws.com");
/// ```
pub fn resolve_sso_portal(region: &str, options: EndpointOptions) -> Result<String, ConfigError> {
    if options.use_fips && !options.use_dual_stack && region.starts_with("us-gov-") {
        resolve_service("portal.sso", region, EndpointOptions::default())
    } else {
        resolve_service("portal.sso", region, options)
    }
}

/// A parsed endpoint URL: what the transport connects to and what the signer signs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// `http` or `https`.
    pub scheme: &'static str,
    /// The `Host` header: host name, with the port when it is not the scheme's default.
    pub host: String,
    /// The path prefix, `/` when there is none.
    pub path: String,
    /// The whole URL, built once: every request of every attempt shares it.
    url: Arc<str>,
}

impl Endpoint {
    /// Parses `scheme://host[:port][/path]`: the host a DNS name (labels of letters, digits,
    /// `-` and `_`), an IPv4 address or a bracketed IPv6 address; the path printable ASCII.
    /// Query strings, fragments and user info are refused, and so is anything the HTTP stack
    /// could not send as is.
    ///
    /// ```
    /// use kms_lite::__private::endpoint::Endpoint;
    /// let e = Endpoint::parse("http://localhost:4566").unwrap();
    /// assert_eq!((e.host.as_str(), e.path.as_str()), ("localhost:4566", "/"));
    /// assert_eq!(Endpoint::parse("https://kms.us-east-1.amazonaws.com:443/").unwrap().host, "kms.us-east-1.amazonaws.com");
    /// assert!(Endpoint::parse("ftp://example").is_err());
    /// assert!(Endpoint::parse("http://[::1").is_err());
    /// ```
    pub fn parse(url: &str) -> Result<Endpoint, ConfigError> {
        let shown = redact_url(url);
        let bad = |why: &str| {
            ConfigError::of(
                ConfigErrorKind::Endpoint,
                format!("invalid endpoint URL {shown:?}: {why}"),
            )
        };
        if url.len() > MAX_URL_LEN {
            return Err(bad("it is longer than 4096 bytes"));
        }
        let (scheme, rest) = if let Some(r) = url.strip_prefix("https://") {
            ("https", r)
        } else if let Some(r) = url.strip_prefix("http://") {
            ("http", r)
        } else {
            return Err(bad("it must start with https:// or http://"));
        };
        if rest.contains(['?', '#']) {
            return Err(bad("a query or fragment is not allowed"));
        }
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, "/"),
        };
        if authority.is_empty() {
            return Err(bad("the host is missing"));
        }
        if authority.contains('@') {
            return Err(bad("user information is not allowed"));
        }
        if !authority
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._:[]".contains(&b))
        {
            return Err(bad("the host has characters a host name cannot have"));
        }
        let (name, port) = split_authority(authority).map_err(bad)?;
        if port.is_some_and(|p| !is_port(p)) {
            return Err(bad("the port is not a number from 0 to 65535"));
        }
        if !name.starts_with('[') && !is_host_name(name) {
            return Err(bad(
                "the host is not a valid host name (dot-separated labels of letters, digits, \
                 '-' and '_', none empty or longer than 63) nor an IP address",
            ));
        }
        let default_port = if scheme == "https" { ":443" } else { ":80" };
        let host = authority.strip_suffix(default_port).unwrap_or(authority);
        // What the HTTP stack sends as is; `<`, `>` and `` ` `` must be percent-encoded.
        if !path
            .bytes()
            .all(|b| b.is_ascii_graphic() && !b"<>`".contains(&b))
        {
            return Err(bad(
                "the path has spaces or control characters, non-ASCII text or one of < > ` \
                 (percent-encode them)",
            ));
        }
        let host = host.to_ascii_lowercase();
        let url = [scheme, "://", &host, path].concat().into();
        Ok(Endpoint {
            scheme,
            host,
            path: path.to_owned(),
            url,
        })
    }

    /// The URL requests are sent to.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The URL, shared (each request holds it without a copy).
    pub(crate) fn shared_url(&self) -> Arc<str> {
        Arc::clone(&self.url)
    }
}

/// The URL as it may be printed: any user information (`user:password@`) replaced by `***`.
/// Every URL kms-lite shows (errors, `--debug` lines, `Debug` output) goes through this.
///
/// Everything between the scheme and the *last* `@` is hidden: a password may hold `/`, `?` or
/// `#` unencoded, so where the authority ends cannot be trusted (an `@` in a path hides more
/// than needed, never less).
///
/// ```
/// use kms_lite::__private::endpoint::redact_url;
/// assert_eq!(redact_url("http://user:pa/ss@proxy:3128"), "http://***@proxy:3128");
/// assert_eq!(redact_url("user:pass@proxy:3128"), "***@proxy:3128");
/// assert_eq!(redact_url("https://kms.eu-west-1.amazonaws.com/"), "https://kms.eu-west-1.amazonaws.com/");
/// ```
pub fn redact_url(url: &str) -> std::borrow::Cow<'_, str> {
    let start = url.find("://").map_or(0, |i| i + 3);
    match url[start..].rfind('@') {
        Some(at) => format!("{}***{}", &url[..start], &url[start + at..]).into(),
        None => url.into(),
    }
}

/// The longest endpoint URL accepted (the HTTP stack refuses URIs near 64 KiB).
const MAX_URL_LEN: usize = 4096;

/// Splits `host[:port]` or `[ipv6][:port]`; the IPv6 literal must parse.
pub(crate) fn split_authority(authority: &str) -> Result<(&str, Option<&str>), &'static str> {
    if let Some(rest) = authority.strip_prefix('[') {
        let Some((ip, after)) = rest.split_once(']') else {
            return Err("an IPv6 address is missing its closing ']'");
        };
        if ip.parse::<std::net::Ipv6Addr>().is_err() {
            return Err("the text in brackets is not an IPv6 address");
        }
        return match after {
            "" => Ok((&authority[..ip.len() + 2], None)),
            _ => match after.strip_prefix(':') {
                Some(port) => Ok((&authority[..ip.len() + 2], Some(port))),
                None => Err("only a :port may follow an IPv6 address"),
            },
        };
    }
    if authority.contains(['[', ']']) {
        return Err("brackets are only allowed around an IPv6 address");
    }
    match authority.split_once(':') {
        Some((_, port)) if port.contains(':') => {
            Err("an IPv6 address must be in brackets, and a host has at most one :port")
        }
        Some((name, port)) => Ok((name, Some(port))),
        None => Ok((authority, None)),
    }
}

/// Whether `port` is the digits of a port number (0..=65535).
pub(crate) fn is_port(port: &str) -> bool {
    !port.is_empty()
        && port.len() <= 5
        && port.bytes().all(|b| b.is_ascii_digit())
        && port.parse::<u16>().is_ok()
}

/// A DNS name (labels of letters, digits, `-` and `_`, 1..=63 long, not starting or ending
/// with `-`; at most 253 characters; one trailing dot allowed) or a dotted IPv4 address.
fn is_host_name(name: &str) -> bool {
    let name = name.strip_suffix('.').unwrap_or(name);
    !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
}
