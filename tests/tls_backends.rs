//! Each TLS backend (the `rustls`, `platform-verifier` and `native-tls` features; this file
//! tests the one the build uses) against loopback TLS servers presenting the test certificates
//! of `tests/fixtures/tls-loopback/` (made by its `make.sh`): the CA bundle trusted and
//! replacing the default trust, verification failures final and never retried, a cut handshake
//! retried, proxies, the system trust store's environment variables and hostile values of them.
//!
//! `cargo test --test tls_backends` tests the default; `cargo test --no-default-features
//! --features platform-verifier --test tls_backends` (or `native-tls`) the others.

mod common;
#[allow(dead_code)]
#[path = "../benches/common/loopback.rs"]
mod loopback;
#[path = "../benches/common/tls_server.rs"]
mod tls_server;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Duration, UNIX_EPOCH};

use kms_lite::clock::ManualClock;
use kms_lite::config::Env;
use kms_lite::credentials::Credentials;
use kms_lite::error::{OperationError, RetryStop, TransportError, TransportErrorKind};
use kms_lite::{Client, ReEncryptError, ReEncryptRequest};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Backend {
    Rustls,
    PlatformVerifier,
    NativeTls,
}

/// The backend this build uses (the precedence of Cargo.toml's features).
const BACKEND: Backend = if cfg!(feature = "native-tls") {
    Backend::NativeTls
} else if cfg!(feature = "platform-verifier") {
    Backend::PlatformVerifier
} else {
    Backend::Rustls
};

const BODY: &[u8] = br#"{"CiphertextBlob":"AQID","KeyId":"arn:aws:kms:us-east-1:111122223333:key/new","SourceKeyId":"arn:aws:kms:us-east-1:111122223333:key/old"}"#;

const KMS: &str = "https://kms.us-east-1.amazonaws.com";

fn fixture(name: &str) -> PathBuf {
    common::repo::path("tests/fixtures/tls-loopback").join(name)
}

fn fixture_text(name: &str) -> String {
    fixture(name).to_str().expect("a UTF-8 path").to_owned()
}

/// A loopback TLS server presenting `leaf` (`<leaf>.pem`, its chain, and `<leaf>.key`),
/// answering every request with [`BODY`].
fn tls_server(leaf: &str) -> loopback::Server {
    let config = tls_server::config(
        &fixture(&format!("{leaf}.pem")),
        &fixture(&format!("{leaf}.key")),
    )
    .unwrap();
    loopback::start_with(
        BODY.to_vec(),
        u64::MAX,
        Duration::from_secs(60),
        tls_server::wrap(config),
    )
    .unwrap()
}

fn accepted(server: &loopback::Server) -> u64 {
    server.accepted.load(Ordering::SeqCst)
}

fn pinned_clock() -> ManualClock {
    ManualClock::new(UNIX_EPOCH + Duration::from_secs(1_795_915_460))
}

/// A client of `endpoint` (at most 3 attempts) that reaches `addr` whatever the endpoint's
/// host, trusting only the PEM file `bundle` of the fixtures.
fn client(endpoint: &str, addr: SocketAddr, bundle: &str, clock: &ManualClock) -> Client {
    Client::builder()
        .env(Env::from_pairs::<&str, &str>([]))
        .region("us-east-1")
        .endpoint_url(endpoint)
        .connect_to(addr)
        .ca_bundle_pem(std::fs::read(fixture(bundle)).unwrap())
        .credentials(Credentials::new("AKIDEXAMPLE", "secret", None))
        .clock(clock.clone())
        .jitter(|| 1.0)
        .max_attempts(3)
        .connect_timeout(Duration::from_secs(10))
        .read_timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

fn request() -> ReEncryptRequest {
    ReEncryptRequest::new("alias/new").ciphertext_blob(vec![1, 2, 3])
}

fn transport(e: &ReEncryptError) -> &TransportError {
    match e {
        ReEncryptError::Transport(t) => t,
        _ => panic!("not a transport error: {e:?}"),
    }
}

/// Asserts that `e` is a final TLS failure after one attempt and no backoff, and returns its
/// text.
fn assert_final_tls(e: &ReEncryptError, clock: &ManualClock, what: &str) -> String {
    let t = transport(e);
    assert_eq!(t.kind(), TransportErrorKind::Tls, "{what}: {e}");
    assert_eq!(t.retry_stop(), RetryStop::NotRetryable, "{what}: {e}");
    assert_eq!(e.attempts(), 1, "{what}: {e}");
    assert!(clock.sleeps().is_empty(), "{what}: no backoff");
    e.to_string()
}

/// The backend's words for a certificate no trusted root vouches for.
fn assert_untrusted_text(shown: &str, url: &str) {
    let want_end = format!(" when calling {url}/");
    assert!(shown.ends_with(&want_end), "{shown}");
    match BACKEND {
        Backend::Rustls | Backend::PlatformVerifier => assert_eq!(
            shown,
            format!("TLS failed: invalid peer certificate: UnknownIssuer{want_end}")
        ),
        Backend::NativeTls => assert!(
            shown.starts_with("TLS failed: error:")
                && shown.contains(":certificate verify failed:")
                && shown.contains(" (unable to get local issuer certificate)"),
            "{shown}"
        ),
    }
}

// ------------------------------------------------------------------------------- CA bundle

/// The control for the failures below: the bundle's root, the endpoint's name, valid dates;
/// once with the leaf signed by the root, once with a chain through an intermediate.
#[test]
fn a_certificate_the_ca_bundle_vouches_for_is_accepted() {
    for leaf in ["localhost", "chained"] {
        let server = tls_server(leaf);
        let clock = pinned_clock();
        let out = client(KMS, server.addr, "ca.pem", &clock)
            .re_encrypt(&request())
            .unwrap_or_else(|e| panic!("{leaf}: {e}"));
        assert_eq!(out.ciphertext_blob.as_deref(), Some(&[1u8, 2, 3][..]));
        assert_eq!(accepted(&server), 1, "{leaf}");
    }
}

/// A certificate that fails verification fails the call at once on every backend: one
/// handshake, no retry, no backoff. The server presents a leaf of the test CA; the client
/// trusts another CA (untrusted issuer), or asks for another host name.
#[test]
fn a_certificate_that_fails_verification_is_final() {
    let server = tls_server("localhost");
    let clock = pinned_clock();
    let e = client(KMS, server.addr, "other-ca.pem", &clock)
        .re_encrypt(&request())
        .unwrap_err();
    let shown = assert_final_tls(&e, &clock, "untrusted");
    assert_untrusted_text(&shown, KMS);
    assert_eq!(accepted(&server), 1);

    let server = tls_server("localhost");
    let clock = pinned_clock();
    let other = "https://kms.eu-west-1.amazonaws.com";
    let e = client(other, server.addr, "ca.pem", &clock)
        .re_encrypt(&request())
        .unwrap_err();
    let shown = assert_final_tls(&e, &clock, "another name");
    let want = match BACKEND {
        Backend::Rustls | Backend::PlatformVerifier => {
            "TLS failed: invalid peer certificate: certificate not valid for name \
             \"kms.eu-west-1.amazonaws.com\""
        }
        Backend::NativeTls => "TLS failed: error:",
    };
    assert!(shown.starts_with(want), "{shown}");
    if BACKEND == Backend::NativeTls {
        assert!(shown.contains(" (hostname mismatch)"), "{shown}");
    }
    assert_eq!(accepted(&server), 1);
}

/// The one difference in what a CA bundle means: a bundle holding only an intermediate CA.
/// rustls takes any certificate of the bundle as a trust anchor; OpenSSL wants the chain to
/// end at a self-signed root of the bundle, so the same call fails there (final, as above).
#[test]
fn a_bundle_of_only_an_intermediate_ca_is_enough_for_rustls_not_for_openssl() {
    let server = tls_server("chained");
    let clock = pinned_clock();
    let result = client(KMS, server.addr, "intermediate.pem", &clock).re_encrypt(&request());
    match BACKEND {
        Backend::Rustls | Backend::PlatformVerifier => {
            assert!(result.is_ok(), "{result:?}");
        }
        Backend::NativeTls => {
            let e = result.unwrap_err();
            let shown = assert_final_tls(&e, &clock, "intermediate only");
            assert!(
                shown.contains(":certificate verify failed:")
                    && shown.contains(" (unable to get issuer certificate)"),
                "{shown}"
            );
        }
    }
    assert_eq!(accepted(&server), 1);
}

// -------------------------------------------------------------- the siblings of a bad certificate

/// A loopback server that hands each connection to `handler` and then closes it, serving no
/// request.
fn raw_server(handler: impl Fn(TcpStream) + Send + Sync + 'static) -> loopback::Server {
    let wrap = move |stream| {
        handler(stream);
        Err::<TcpStream, _>(std::io::Error::other("handled"))
    };
    loopback::start_with(Vec::new(), u64::MAX, Duration::from_secs(60), wrap).unwrap()
}

/// A peer that answers in plain HTTP is as final as a bad certificate; a peer that closes the
/// connection during the handshake is a lost connection, retried like any other.
#[test]
fn a_peer_that_does_not_speak_tls_is_final_and_a_cut_handshake_is_retried() {
    let plain = raw_server(|mut stream| {
        // Take the ClientHello, answer in HTTP, and linger until the client hangs up, so that
        // the close never turns into a reset racing the answer.
        let mut hello = [0u8; 4096];
        let _ = stream.read(&mut hello);
        let _ = stream.write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
        let _ = stream.read_to_end(&mut Vec::new());
    });
    let clock = pinned_clock();
    let e = client(KMS, plain.addr, "ca.pem", &clock)
        .re_encrypt(&request())
        .unwrap_err();
    let shown = assert_final_tls(&e, &clock, "plain HTTP");
    let want = match BACKEND {
        Backend::Rustls | Backend::PlatformVerifier => "TLS failed: received corrupt message",
        Backend::NativeTls => "TLS failed: error:",
    };
    assert!(shown.starts_with(want), "{shown}");
    if BACKEND == Backend::NativeTls {
        assert!(shown.contains(":wrong version number:"), "{shown}");
    }
    assert_eq!(accepted(&plain), 1);

    let cut = raw_server(drop);
    let clock = pinned_clock();
    let e = client(KMS, cut.addr, "ca.pem", &clock)
        .re_encrypt(&request())
        .unwrap_err();
    let t = transport(&e);
    assert!(t.kind().is_retryable(), "{e}");
    assert_eq!((e.attempts(), accepted(&cut)), (3, 3), "{e}");
    assert_eq!(
        clock.sleeps(),
        vec![Duration::from_millis(50), Duration::from_millis(100)]
    );
}

// ---------------------------------------------------------------------------------- proxies

/// A loopback HTTP proxy that answers `CONNECT` by tunnelling to `target`, recording each
/// request head it received.
fn connect_proxy(target: SocketAddr) -> (SocketAddr, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let heads = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&heads);
    std::thread::spawn(move || {
        for client in listener.incoming() {
            let Ok(mut client) = client else { continue };
            let seen = Arc::clone(&seen);
            std::thread::spawn(move || -> std::io::Result<()> {
                client.set_read_timeout(Some(Duration::from_secs(10)))?;
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") && head.len() < 8192 {
                    client.read_exact(&mut byte)?;
                    head.push(byte[0]);
                }
                seen.lock()
                    .unwrap()
                    .push(String::from_utf8_lossy(&head).into_owned());
                let mut upstream = TcpStream::connect(target)?;
                client.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")?;
                let (mut c2, mut u2) = (client.try_clone()?, upstream.try_clone()?);
                std::thread::spawn(move || std::io::copy(&mut u2, &mut c2));
                std::io::copy(&mut client, &mut upstream)?;
                Ok(())
            });
        }
    });
    (addr, heads)
}

/// HTTPS through an HTTP proxy works on every backend: a `CONNECT` to the endpoint's host, then
/// the handshake with the endpoint (verified as without a proxy) inside the tunnel.
#[test]
fn https_goes_through_the_proxy_with_every_backend() {
    let server = tls_server("localhost");
    let (proxy, heads) = connect_proxy(server.addr);
    let proxy_url = format!("http://{proxy}");
    let build = |bundle: &str| {
        Client::builder()
            .env(Env::from_pairs([("HTTPS_PROXY", proxy_url.as_str())]))
            .region("us-east-1")
            .endpoint_url(KMS)
            .ca_bundle_pem(std::fs::read(fixture(bundle)).unwrap())
            .credentials(Credentials::new("AKIDEXAMPLE", "secret", None))
            .clock(pinned_clock())
            .max_attempts(1)
            .build()
            .unwrap()
    };
    let out = build("ca.pem").re_encrypt(&request()).unwrap();
    assert_eq!(out.ciphertext_blob.as_deref(), Some(&[1u8, 2, 3][..]));
    let e = build("other-ca.pem").re_encrypt(&request()).unwrap_err();
    assert_eq!(transport(&e).kind(), TransportErrorKind::Tls, "{e}");
    let heads = heads.lock().unwrap().clone();
    assert_eq!(heads.len(), 2, "{heads:?}");
    for head in heads {
        assert!(
            head.starts_with("CONNECT kms.us-east-1.amazonaws.com:443 HTTP/1.1\r\n"),
            "{head}"
        );
    }
}

// ------------------------------------------------ the system trust store (the CLI, its own env)

/// Runs `kms-lite re-encrypt` against `https://127.0.0.1:PORT` with the tests' base
/// environment (up to 3 attempts) plus `env`, and `args`; returns the exit code and stderr.
fn cli(port: u16, env: &[(&str, &str)], args: &[&str]) -> (i32, String) {
    let url = format!("https://127.0.0.1:{port}");
    let mut all = vec![
        "re-encrypt",
        "--endpoint-url",
        &url,
        "--ciphertext-blob",
        "AQID",
        "--destination-key-id",
        "alias/new",
    ];
    all.extend_from_slice(args);
    // Three attempts, so that one connection shows that nothing was retried.
    let mut vars = common::BASE_ENV.to_vec();
    vars.push(("AWS_MAX_ATTEMPTS", "3"));
    vars.extend_from_slice(env);
    // Bounded: a TLS library reading a FIFO would wait for a writer for ever.
    let out = Command::new("/usr/bin/timeout")
        .arg("60")
        .arg(env!("CARGO_BIN_EXE_kms-lite-dev"))
        .args(&all)
        .env_clear()
        .envs(vars)
        .stdin(Stdio::null())
        .output()
        .expect("timeout(1) runs kms-lite");
    let (code, err) = (common::code(&out), common::stderr(&out));
    assert_ne!(code, 124, "kms-lite did not finish within 60 s: {err}");
    (code, err)
}

/// Runs [`cli`] and asserts its outcome: success and nothing on stderr when the server's
/// certificate is `trusted`, else exit 255 with the backend's words for an untrusted one.
fn cli_expect(trusted: bool, port: u16, env: &[(&str, &str)], args: &[&str], what: &str) {
    let (code, err) = cli(port, env, args);
    if trusted {
        assert_eq!((code, err.as_str()), (0, ""), "{what}");
    } else {
        assert_eq!(code, 255, "{what}: {err}");
        assert_untrusted_text(err.trim(), &format!("https://127.0.0.1:{port}"));
    }
}

/// Whether the backend's default trust is the system store, which honours `SSL_CERT_FILE` and
/// `SSL_CERT_DIR` on Linux.
const SYSTEM_TRUST: bool = !matches!(BACKEND, Backend::Rustls);

/// `SSL_CERT_FILE` and `SSL_CERT_DIR` add the test CA to the system store: the system-store
/// backends then trust the server; rustls keeps its bundled roots and does not.
#[test]
fn the_system_store_honours_ssl_cert_file_and_ssl_cert_dir() {
    let file = fixture_text("ca.pem");
    let dir = fixture_text("ca-dir");
    for var in [
        ("SSL_CERT_FILE", file.as_str()),
        ("SSL_CERT_DIR", dir.as_str()),
    ] {
        let server = tls_server("localhost");
        let what = format!("{var:?}");
        cli_expect(SYSTEM_TRUST, server.addr.port(), &[var], &[], &what);
        assert_eq!(accepted(&server), 1, "{var:?}: one handshake");
    }
    // Without them, the test CA is nobody's root.
    let server = tls_server("localhost");
    cli_expect(false, server.addr.port(), &[], &[], "no variable");
}

/// From each of its three sources, a CA bundle replaces the default trust on every backend:
/// with the test CA in the system store (`SSL_CERT_FILE`), a bundle of another CA still fails,
/// and with another CA in the system store, the test CA's bundle succeeds.
#[test]
fn a_ca_bundle_from_any_source_replaces_the_system_store() {
    let scratch = scratch_dir("bundle-sources");
    for (store, bundle, ok) in [
        ("ca.pem", "other-ca.pem", false),
        ("other-ca.pem", "ca.pem", true),
    ] {
        let store = fixture_text(store);
        let bundle = fixture_text(bundle);
        let config = scratch.join("config");
        std::fs::write(&config, format!("[default]\nca_bundle = {bundle}\n")).unwrap();
        let config = config.to_str().unwrap().to_owned();
        let flag = ["--ca-bundle", bundle.as_str()];
        for (source, var, args) in [
            ("--ca-bundle", None, &flag[..]),
            (
                "AWS_CA_BUNDLE",
                Some(("AWS_CA_BUNDLE", bundle.as_str())),
                &[][..],
            ),
            (
                "profile",
                Some(("AWS_CONFIG_FILE", config.as_str())),
                &[][..],
            ),
        ] {
            let server = tls_server("localhost");
            let mut env = vec![("SSL_CERT_FILE", store.as_str())];
            env.extend(var);
            cli_expect(ok, server.addr.port(), &env, args, source);
            assert_eq!(accepted(&server), 1, "{source}");
        }
    }
    std::fs::remove_dir_all(scratch).unwrap();
}

/// The system store's libraries would read `SSL_CERT_FILE` whole and without a bound: where
/// the backend reads it, a FIFO, a device or a directory is refused before any connection (exit
/// 253, the path named), instead of a hang or memory exhausted. rustls never reads it, nor does
/// the platform verifier when a CA bundle replaces the store; OpenSSL reads it even then.
#[test]
fn a_hostile_ssl_cert_file_is_refused_where_it_would_be_read() {
    let scratch = scratch_dir("hostile");
    let fifo = scratch.join("fifo");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    let fifo = fifo.to_str().unwrap().to_owned();
    let dir = scratch.to_str().unwrap().to_owned();
    let bundle = fixture_text("ca.pem");
    for (path, kind) in [
        ("/dev/zero", "a character device"),
        (fifo.as_str(), "a FIFO or pipe"),
        (dir.as_str(), "a directory"),
    ] {
        let refused = format!(
            "\ncannot use the trust store file {path} (SSL_CERT_FILE): it is {kind}, not a file\n"
        );
        let server = tls_server("localhost");
        let port = server.addr.port();
        if SYSTEM_TRUST {
            let (code, err) = cli(port, &[("SSL_CERT_FILE", path)], &[]);
            assert_eq!((code, err.as_str()), (253, refused.as_str()), "{path}");
        } else {
            cli_expect(false, port, &[("SSL_CERT_FILE", path)], &[], path);
        }
        let (code, err) = cli(port, &[("SSL_CERT_FILE", path)], &["--ca-bundle", &bundle]);
        if BACKEND == Backend::NativeTls {
            assert_eq!((code, err.as_str()), (253, refused.as_str()), "{path}");
        } else {
            assert_eq!((code, err.as_str()), (0, ""), "{path} with a CA bundle");
        }
        let handshakes = match BACKEND {
            Backend::Rustls => 2,
            Backend::PlatformVerifier => 1,
            Backend::NativeTls => 0,
        };
        assert_eq!(accepted(&server), handshakes, "{path}");
    }
    std::fs::remove_dir_all(scratch).unwrap();
}

/// A missing `SSL_CERT_FILE` is left to the library: the platform verifier then finds no root
/// at all and says so, OpenSSL falls back to its directories; either way a final TLS error
/// (the message would end with "reached max retries" after a retry).
#[test]
fn a_missing_ssl_cert_file_is_a_final_tls_error() {
    let server = tls_server("localhost");
    let port = server.addr.port();
    let (code, err) = cli(port, &[("SSL_CERT_FILE", "/nonexistent/ca.pem")], &[]);
    assert_eq!(code, 255, "{err}");
    let url = format!("https://127.0.0.1:{port}");
    match BACKEND {
        Backend::PlatformVerifier => assert_eq!(
            err,
            format!(
                "\nTLS failed: unexpected error: No CA certificates were loaded from the system \
                 when calling {url}/\n"
            )
        ),
        Backend::Rustls | Backend::NativeTls => assert_untrusted_text(err.trim(), &url),
    }
}

/// `--debug` names the backend and its default trust when no CA bundle replaces it.
#[test]
fn debug_names_the_backend() {
    let server = tls_server("localhost");
    let (code, err) = cli(server.addr.port(), &[], &["--debug"]);
    assert_eq!(code, 255, "{err}");
    let want = match BACKEND {
        Backend::Rustls => "; CA bundle none (rustls, the bundled Mozilla roots); ",
        Backend::PlatformVerifier => "; CA bundle none (rustls, the platform verifier); ",
        Backend::NativeTls => "; CA bundle none (native-tls, the system store); ",
    };
    assert!(err.contains(want), "{err}");
}

/// A fresh directory under Cargo's scratch space for integration tests.
fn scratch_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("tls_backends-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
