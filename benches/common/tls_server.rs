//! The server side of loopback TLS: a rustls server session (ring) over each connection of
//! [`super::loopback`]'s server, presenting a certificate chain and key read from PEM files
//! (the test certificates of `tests/fixtures/tls-loopback/`). Used by `tests/tls_backends.rs`
//! and `examples/loopback_server.rs`; needs the `rustls` dev-dependency.

use std::net::TcpStream;
use std::path::Path;
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::{ServerConfig, ServerConnection, StreamOwned};

/// A server configuration presenting the chain in `cert_pem` (leaf first) with `key_pem`.
pub fn config(cert_pem: &Path, key_pem: &Path) -> Result<Arc<ServerConfig>, String> {
    let certs = CertificateDer::pem_file_iter(cert_pem)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(|e| format!("{}: {e}", cert_pem.display()))?;
    let key =
        PrivateKeyDer::from_pem_file(key_pem).map_err(|e| format!("{}: {e}", key_pem.display()))?;
    ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .and_then(|b| b.with_no_client_auth().with_single_cert(certs, key))
        .map(Arc::new)
        .map_err(|e| e.to_string())
}

/// The wrapper for [`super::loopback::start_with`]: a TLS session whose handshake runs on the
/// first read.
pub fn wrap(
    config: Arc<ServerConfig>,
) -> impl Fn(TcpStream) -> std::io::Result<StreamOwned<ServerConnection, TcpStream>> + Send + Sync {
    move |stream| {
        let session = ServerConnection::new(Arc::clone(&config)).map_err(std::io::Error::other)?;
        Ok(StreamOwned::new(session, stream))
    }
}
