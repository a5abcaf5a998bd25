//! The URLs of the metadata endpoints (container credentials, instance metadata), parsed the way
//! the connection will use them, so that a check on the host is a check on where the request
//! goes.
//!
//! Anything two parsers could read differently is refused: user information (`user@host`),
//! backslashes, percent-encoding, whitespace or control characters in the authority, an empty
//! or out-of-range port, a trailing dot. An IPv4 host is read as the system resolver reads it
//! (`inet_aton`: `127.1`, `2130706433`, `0x7f.0.0.1` and `0177.0.0.1` are all 127.0.0.1) and the
//! URL is rebuilt with the address in its usual form, so the transport connects to exactly the
//! address that was checked.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// The host of a metadata URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Host {
    /// An IP address, however it was written.
    Ip(IpAddr),
    /// A name, lower-cased.
    Name(String),
}

/// A parsed `http://` or `https://` URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct MetadataUrl {
    pub(crate) https: bool,
    pub(crate) host: Host,
    port: Option<u16>,
    /// Path, query and fragment as given (starts with `/` when not empty).
    rest: String,
}

impl MetadataUrl {
    /// Parses `url`, or says why it is refused (never quoting it).
    pub(crate) fn parse(url: &str) -> Result<MetadataUrl, &'static str> {
        if url.chars().any(|c| c.is_control() || c.is_whitespace()) {
            return Err("it holds spaces or control characters");
        }
        if url.contains('\\') {
            return Err("it holds a backslash");
        }
        let (scheme, rest) = url
            .split_once("://")
            .ok_or("it must start with http:// or https://")?;
        let https = if scheme.eq_ignore_ascii_case("https") {
            true
        } else if scheme.eq_ignore_ascii_case("http") {
            false
        } else {
            return Err("it must start with http:// or https://");
        };
        let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let (authority, tail) = rest.split_at(end);
        if authority.contains('@') {
            return Err("user information (user@host) is not allowed in it");
        }
        if authority.contains('%') {
            return Err("its host is percent-encoded");
        }
        let (host, port) = split_port(authority)?;
        let host = if let Some(v6) = host.strip_prefix('[') {
            let v6 = v6
                .strip_suffix(']')
                .ok_or("its IPv6 address has no closing ]")?;
            Host::Ip(IpAddr::V6(
                v6.parse::<Ipv6Addr>()
                    .map_err(|_| "its IPv6 address is not valid")?,
            ))
        } else if host.is_empty() {
            return Err("it has no host");
        } else if host.ends_with('.') {
            return Err("its host ends with a dot");
        } else if let Some(v4) = parse_inet_aton(host) {
            Host::Ip(IpAddr::V4(v4))
        } else if host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
        {
            Host::Name(host.to_ascii_lowercase())
        } else {
            return Err("its host is not a host name or an IP address");
        };
        let rest = if tail.is_empty() || tail.starts_with('/') {
            tail.to_owned()
        } else {
            format!("/{tail}")
        };
        Ok(MetadataUrl {
            https,
            host,
            port,
            rest,
        })
    }

    /// The URL to send to: the address in its usual form, the port if one was given, the rest.
    pub(crate) fn to_url(&self) -> String {
        let scheme = if self.https { "https" } else { "http" };
        let host = match &self.host {
            Host::Ip(IpAddr::V4(v4)) => v4.to_string(),
            Host::Ip(IpAddr::V6(v6)) => format!("[{v6}]"),
            Host::Name(name) => name.clone(),
        };
        let port = self.port.map(|p| format!(":{p}")).unwrap_or_default();
        format!("{scheme}://{host}{port}{}", self.rest)
    }

    /// The base URL (no trailing `/`), for endpoints that paths are appended to.
    pub(crate) fn base(&self) -> String {
        self.to_url().trim_end_matches('/').to_owned()
    }
}

/// `host[:port]`, where the host may be a bracketed IPv6 address.
fn split_port(authority: &str) -> Result<(&str, Option<u16>), &'static str> {
    let colon = match authority.rfind(']') {
        Some(close) => authority[close..].find(':').map(|i| close + i),
        None => authority.rfind(':'),
    };
    let Some(colon) = colon else {
        return Ok((authority, None));
    };
    let port = &authority[colon + 1..];
    if port.is_empty() || !port.bytes().all(|b| b.is_ascii_digit()) {
        return Err("its port is not a number");
    }
    let port = port
        .parse::<u16>()
        .map_err(|_| "its port is not a number from 0 to 65535")?;
    Ok((&authority[..colon], Some(port)))
}

/// An IPv4 address as `inet_aton` (and so the system resolver) reads it: one to four parts,
/// each decimal, octal (leading `0`) or hexadecimal (`0x`), the last filling the remaining
/// bytes. `None` when it is not such an address.
pub(crate) fn parse_inet_aton(s: &str) -> Option<Ipv4Addr> {
    let parts: Vec<&str> = s.split('.').collect();
    if parts.is_empty() || parts.len() > 4 {
        return None;
    }
    let mut numbers = Vec::with_capacity(parts.len());
    for part in &parts {
        let (digits, radix) =
            if let Some(h) = part.strip_prefix("0x").or_else(|| part.strip_prefix("0X")) {
                (h, 16)
            } else if part.len() > 1 && part.starts_with('0') {
                (&part[1..], 8)
            } else {
                (*part, 10)
            };
        if digits.is_empty() || !digits.bytes().all(|b| (b as char).is_digit(radix)) {
            return None;
        }
        let value = u32::from_str_radix(digits, radix).ok()?;
        numbers.push(value);
    }
    let (last, leading) = numbers.split_last()?;
    if leading.iter().any(|&n| n > 255) {
        return None;
    }
    let last_bits = 8 * (4 - leading.len() as u32);
    if last_bits < 32 && *last >= 1 << last_bits {
        return None;
    }
    let mut addr: u32 = 0;
    for (i, n) in leading.iter().enumerate() {
        addr |= n << (24 - 8 * i as u32);
    }
    Some(Ipv4Addr::from(addr | last))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inet_aton_forms() {
        let lo = Some(Ipv4Addr::LOCALHOST);
        for s in [
            "127.0.0.1",
            "127.1",
            "127.0.1",
            "2130706433",
            "0x7f000001",
            "0x7f.1",
            "0177.0.0.1",
            "0177.0.0.01",
            "0x7F.0.0.1",
        ] {
            assert_eq!(parse_inet_aton(s), lo, "{s}");
        }
        assert_eq!(
            parse_inet_aton("010.0.0.1"),
            Some(Ipv4Addr::new(8, 0, 0, 1))
        );
        assert_eq!(parse_inet_aton("0"), Some(Ipv4Addr::UNSPECIFIED));
        for s in [
            "",
            "1.2.3.4.5",
            "256.0.0.1",
            "1.2.3.256",
            "08.0.0.1",
            "0x",
            "1..2",
            "a.b",
            "1.2.65536",
            "4294967296",
            "-1",
        ] {
            assert_eq!(parse_inet_aton(s), None, "{s}");
        }
    }
}
