//! `HTTPS_PROXY`, `HTTP_PROXY` and `NO_PROXY`, read from the client's [`Env`] (never for the
//! metadata endpoints, which are always reached directly).

use crate::endpoint::Endpoint;
use crate::env::Env;

/// The proxy URL for this endpoint, or `None` when no proxy applies.
pub(crate) fn for_endpoint(endpoint: &Endpoint, env: &Env) -> Option<String> {
    let names: [&str; 2] = if endpoint.scheme == "https" {
        ["HTTPS_PROXY", "https_proxy"]
    } else {
        ["HTTP_PROXY", "http_proxy"]
    };
    let proxy = names.iter().find_map(|n| env.get_non_empty(n))?;
    let no_proxy = env
        .get_non_empty("NO_PROXY")
        .or_else(|| env.get_non_empty("no_proxy"))
        .unwrap_or_default();
    if bypasses(&no_proxy, host_without_port(&endpoint.host)) {
        return None;
    }
    Some(proxy)
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
            for_endpoint(&https, &env).as_deref(),
            Some("http://proxy:3128")
        );
        assert_eq!(for_endpoint(&http, &env), None);
        assert_eq!(for_endpoint(&internal, &env), None);
    }
}
