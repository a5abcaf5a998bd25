//! A std-only loopback HTTP server answering every request with a canned ReEncrypt response,
//! for `scripts/footprint.sh` (one CLI process against it). Prints its port, then serves until
//! it has answered `MAX_REQUESTS` (argument 1, default 1000) requests or `SECONDS` (argument 2,
//! default 120) have passed.
//!
//! `cargo run --release --example loopback_server -- 10`

#[path = "../benches/common/loopback.rs"]
mod loopback;

use std::time::Duration;

fn main() {
    let max: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1000);
    let body = br#"{"CiphertextBlob":"AQIDBA==","KeyId":"arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab","SourceKeyId":"arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab","SourceEncryptionAlgorithm":"SYMMETRIC_DEFAULT","DestinationEncryptionAlgorithm":"SYMMETRIC_DEFAULT"}"#;
    let secs: u64 = std::env::args()
        .nth(2)
        .and_then(|a| a.parse().ok())
        .unwrap_or(120);
    let limit = Duration::from_secs(secs);
    let server = loopback::start(body.to_vec(), max, limit).expect("bind 127.0.0.1");
    println!("{}", server.addr.port());
    let started = std::time::Instant::now();
    while server.served.load(std::sync::atomic::Ordering::Relaxed) < max
        && started.elapsed() < limit
    {
        std::thread::sleep(Duration::from_millis(20));
    }
}
