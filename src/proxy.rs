//! `HTTPS_PROXY`, `HTTP_PROXY` and `NO_PROXY`, read from the client's [`Env`] (never for the
//! metadata endpoints, which are always reached directly).
//!
//! As in botocore, the proxy is the one named for the endpoint's scheme; `ALL_PROXY` is not
//! read. A proxy is an `http://` or `https://` URL (a value without a scheme is `http://`);
//! any other scheme, SOCKS included, is refused with a configuration error naming the variable,
//! never showing the value (it may hold a password).

use crate::endpoint::Endpoint;
use crate::env::Env;
use crate::error::ConfigError;

/// The proxy URL for this endpoint, or `None` when no proxy applies; an error when the
/// variable that applies holds a proxy the transport cannot use.
pub(crate) fn for_endpoint(endpoint: &Endpoint, env: &Env) -> Result<Option<String>, ConfigError> {
    let names: [&str; 2] = if endpoint.scheme == "https" {
        ["HTTPS_PROXY", "https_proxy"]
    } else {
        ["HTTP_PROXY", "http_proxy"]
    };
    let Some((name, proxy)) = names
        .iter()
        .find_map(|n| env.get_non_empty(n).map(|v| (*n, v)))
    else {
        return Ok(None);
    };
    let no_proxy = env
        .get_non_empty("NO_PROXY")
        .or_else(|| env.get_non_empty("no_proxy"))
        .unwrap_or_default();
    if bypasses(&no_proxy, host_without_port(&endpoint.host)) {
        return Ok(None);
    }
    parse(&proxy, name)?;
    Ok(Some(proxy))
}

/// The proxy as ureq takes it. `source` names where the URL came from in the error (a
/// variable, or "the proxy URL"); the URL itself is never shown.
pub(crate) fn parse(url: &str, source: &str) -> Result<ureq::Proxy, ConfigError> {
    let scheme = url.split_once("://").map(|(s, _)| s);
    match scheme {
        None => {}
        Some(s) if s.eq_ignore_ascii_case("http") || s.eq_ignore_ascii_case("https") => {}
        Some(s) => {
            let named = if !s.is_empty()
                && s.len() <= 16
                && s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"+.-".contains(&b))
            {
                format!("a {} proxy", s.to_ascii_lowercase())
            } else {
                "a proxy of an unknown scheme".to_owned()
            };
            return Err(ConfigError::new(format!(
                "{source} names {named}, which kms-lite does not support: use an http:// or \
                 https:// proxy, or exclude the endpoint with NO_PROXY"
            )));
        }
    }
    let invalid = || {
        ConfigError::new(format!(
            "{source} is not a valid proxy URL (expected http://[user:password@]host[:port])"
        ))
    };
    // ureq would take a port it cannot read (`:99999`, `:-1`) as the default port.
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = rest.split('/').next().unwrap_or(rest);
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    match crate::endpoint::split_authority(host_port) {
        Ok((_, port)) if port.is_none_or(crate::endpoint::is_port) => {}
        _ => return Err(invalid()),
    }
    ureq::Proxy::new(url).map_err(|_| invalid())
}

fn host_without_port(host: &str) -> &str {
    if let Some(rest) = host.strip_prefix('[') {
        return rest.split(']').next().unwrap_or(rest);
    }
    match host.rfind(':') {
        Some(i) => &host[..i],
        None => host,
    }
}

/// Whether `NO_PROXY` (comma-separated host names, domain suffixes with or without a leading
/// `.`, IP addresses, or `*`) exempts `host`.
pub(crate) fn bypasses(no_proxy: &str, host: &str) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    no_proxy.split(',').map(str::trim).any(|entry| {
        let entry = entry.to_ascii_lowercase();
        let entry = host_without_port(entry.trim_start_matches("*."));
        let entry = entry.trim_start_matches('.');
        if entry == "*" {
            return true;
        }
        !entry.is_empty()
            && (host == entry
                || host
                    .strip_suffix(entry)
                    .is_some_and(|prefix| prefix.ends_with('.')))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_proxy_rules() {
        assert!(bypasses("*", "kms.us-east-1.amazonaws.com"));
        assert!(bypasses("amazonaws.com", "kms.us-east-1.amazonaws.com"));
        assert!(bypasses(".amazonaws.com", "kms.us-east-1.amazonaws.com"));
        assert!(bypasses("*.amazonaws.com", "kms.us-east-1.amazonaws.com"));
        assert!(bypasses("localhost, 127.0.0.1", "127.0.0.1"));
        assert!(bypasses("localhost:4566", "localhost"));
        assert!(!bypasses("zonaws.com", "kms.us-east-1.amazonaws.com"));
        assert!(!bypasses("", "localhost"));
        assert!(!bypasses(",,", "localhost"));
    }

    #[test]
    fn proxy_by_scheme_and_no_proxy() {
        let env = Env::from_pairs([
            ("HTTPS_PROXY", "http://proxy:3128"),
            ("NO_PROXY", "internal"),
        ]);
        let https = Endpoint::parse("https://kms.us-east-1.amazonaws.com").unwrap();
        let http = Endpoint::parse("http://localhost:4566").unwrap();
        let internal = Endpoint::parse("https://kms.internal:8443").unwrap();
        assert_eq!(
            for_endpoint(&https, &env).unwrap().as_deref(),
            Some("http://proxy:3128")
        );
        assert_eq!(for_endpoint(&http, &env).unwrap(), None);
        assert_eq!(for_endpoint(&internal, &env).unwrap(), None);
    }

    #[test]
    fn only_http_and_https_proxies_are_taken() {
        for ok in [
            "http://proxy:3128",
            "HTTPS://user:pw@proxy",
            "proxy:3128",
            "http://[::1]:3128",
        ] {
            assert!(parse(ok, "HTTPS_PROXY").is_ok(), "{ok}");
        }
        for (bad, named) in [
            ("socks5://u:hunter2@proxy:1080", "a socks5 proxy"),
            ("SOCKS5H://proxy", "a socks5h proxy"),
            ("socks4a://proxy", "a socks4a proxy"),
            ("socks://proxy", "a socks proxy"),
            ("ftp://proxy", "a ftp proxy"),
            ("\u{1b}[31m://hunter2@proxy", "a proxy of an unknown scheme"),
            ("://proxy", "a proxy of an unknown scheme"),
        ] {
            let e = parse(bad, "https_proxy").unwrap_err().to_string();
            assert_eq!(
                e,
                format!(
                    "https_proxy names {named}, which kms-lite does not support: use an http:// \
                     or https:// proxy, or exclude the endpoint with NO_PROXY"
                ),
                "{bad}"
            );
        }
        for bad in [
            "http://[::1",
            "http://hunter2:pw@ü",
            "http://a b",
            "http://",
            "http://proxy:99999",
            "http://proxy:-1",
            "http://proxy:",
            "proxy:3128:1",
            "http://u:p@[zz]:1",
        ] {
            let e = parse(bad, "HTTP_PROXY").unwrap_err().to_string();
            assert_eq!(
                e,
                "HTTP_PROXY is not a valid proxy URL (expected \
                 http://[user:password@]host[:port])",
                "{bad}"
            );
        }
    }
}
