//! A std-only loopback HTTP server answering every request with a canned ReEncrypt response,
//! for `scripts/footprint.sh` (one CLI process against it). Prints its port, then serves until
//! it has answered `MAX_REQUESTS` (argument 1, default 1000) requests or `SECONDS` (argument 2,
//! default 120) have passed. With `CERT_PEM KEY_PEM` (arguments 3 and 4) it speaks TLS,
//! presenting that chain (`tests/fixtures/tls-loopback/localhost.pem` and `.key`).
//!
//! `cargo run --release --example loopback_server -- 10`

#[allow(dead_code)]
#[path = "../benches/common/loopback.rs"]
mod loopback;
#[path = "../benches/common/tls_server.rs"]
mod tls_server;

use std::time::Duration;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let max: u64 = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(1000);
    let body = br#"{"CiphertextBlob":"AQIDBA==","KeyId":"arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab","SourceKeyId":"arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab","SourceEncryptionAlgorithm":"SYMMETRIC_DEFAULT","DestinationEncryptionAlgorithm":"SYMMETRIC_DEFAULT"}"#;
    let secs: u64 = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(120);
    let limit = Duration::from_secs(secs);
    let server = match (args.get(3), args.get(4)) {
        (Some(cert), Some(key)) => {
            let config = tls_server::config(cert.as_ref(), key.as_ref()).unwrap_or_else(|e| {
                eprintln!("loopback_server: {e}");
                std::process::exit(2)
            });
            loopback::start_with(body.to_vec(), max, limit, tls_server::wrap(config))
        }
        _ => loopback::start(body.to_vec(), max, limit),
    }
    .expect("bind 127.0.0.1");
    println!("{}", server.addr.port());
    let started = std::time::Instant::now();
    while server.served.load(std::sync::atomic::Ordering::Relaxed) < max
        && started.elapsed() < limit
    {
        std::thread::sleep(Duration::from_millis(20));
    }
}
