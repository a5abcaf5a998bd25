//! The TLS backend the Cargo features chose, and what it trusts.
//!
//! Exactly one backend is used: `native-tls` wins over `platform-verifier`, which wins over
//! `rustls` (features add up across a dependency tree, so several may be on). A CA bundle
//! replaces the backend's default trust, as in botocore. Certificates are always verified:
//! nothing here can turn that off.

#[cfg(not(any(
    feature = "rustls",
    feature = "platform-verifier",
    feature = "native-tls"
)))]
compile_error!(
    "kms-lite needs a TLS backend: enable one of its features `rustls` (the default), \
     `platform-verifier` or `native-tls`"
);

use std::sync::Arc;

use ureq::tls::{Certificate, RootCerts, TlsConfig, TlsProvider};

use crate::error::ConfigError;

/// Whether the backend's default trust is the operating system's store, which the TLS library
/// reads itself (on Linux honouring `SSL_CERT_FILE` and `SSL_CERT_DIR`).
const SYSTEM_TRUST: bool = cfg!(any(feature = "native-tls", feature = "platform-verifier"));

/// The backend and its default trust, as the `--debug` configuration line shows them.
pub(crate) const DEFAULT_TRUST: &str = if cfg!(feature = "native-tls") {
    "native-tls, the system store"
} else if cfg!(feature = "platform-verifier") {
    "rustls, the platform verifier"
} else {
    "rustls, the bundled Mozilla roots"
};

/// The TLS settings of the agent: the backend, and the CA bundle's certificates or the
/// backend's default trust.
pub(crate) fn config(
    ca_bundle: Option<Vec<Certificate<'static>>>,
) -> Result<TlsConfig, ConfigError> {
    let provider = if cfg!(feature = "native-tls") {
        TlsProvider::NativeTls
    } else {
        TlsProvider::Rustls
    };
    // Where OpenSSL and rustls-native-certs read it (Unix but Apple's). native-tls loads the
    // system store, SSL_CERT_FILE included, before a bundle replaces it.
    let reads_cert_file = cfg!(all(unix, not(target_vendor = "apple")))
        && (cfg!(feature = "native-tls") || (SYSTEM_TRUST && ca_bundle.is_none()));
    if reads_cert_file {
        check_cert_file_env()?;
    }
    let roots = match ca_bundle {
        Some(certs) => RootCerts::Specific(Arc::new(certs)),
        None if SYSTEM_TRUST => RootCerts::PlatformVerifier,
        None => RootCerts::WebPki,
    };
    Ok(TlsConfig::builder()
        .provider(provider)
        .root_certs(roots)
        .build())
}

/// The system store's libraries read `SSL_CERT_FILE` from the process environment in full and
/// without a bound: a FIFO would hang them, `/dev/zero` exhaust memory or spin. Refuse what is
/// not a regular file of at most the CA bundle cap; leave a missing file to the library (OpenSSL
/// then uses its directories).
fn check_cert_file_env() -> Result<(), ConfigError> {
    let Some(path) = std::env::var_os("SSL_CERT_FILE").filter(|p| !p.is_empty()) else {
        return Ok(());
    };
    match crate::bounded_file::check_regular(path.as_ref(), crate::bounded_file::CA_BUNDLE_CAP) {
        Err(e) if !e.is_not_found() => Err(ConfigError::new(format!(
            "cannot use the trust store file {} (SSL_CERT_FILE): {e}",
            std::path::Path::new(&path).display()
        ))),
        _ => Ok(()),
    }
}

/// Sorts a native-tls (OpenSSL) failure, as the rustls ones are sorted. The peer closing the
/// connection mid-handshake is a lost connection, retried like any other: OpenSSL calls it an
/// "unexpected EOF" (resets and timeouts reach ureq before OpenSSL and are sorted there).
/// Everything else (a certificate that fails verification, an alert, a peer that does not speak
/// TLS) is final.
#[cfg(feature = "native-tls")]
pub(crate) fn native_tls_error(
    err: &dyn std::error::Error,
) -> (crate::error::TransportErrorKind, String) {
    use crate::error::TransportErrorKind as K;
    let text = err.to_string();
    if text.to_ascii_lowercase().contains("unexpected eof") {
        (
            K::Io,
            format!("the connection closed during the TLS handshake ({text})"),
        )
    } else {
        (K::Tls, format!("TLS failed: {text}"))
    }
}
