//! kms-lite's hot paths, one table: base64, request serialization, SigV4 signing, response
//! parsing, the whole build-and-sign of a ReEncrypt request and its floor, and the whole request
//! path through the `Client` with a canned transport.
//!
//! The floor of a build-and-sign is what any SigV4 client must compute: the SHA-256 of the body,
//! the SHA-256 of the canonical request and the final HMAC-SHA256 with a cached signing key,
//! measured here the same way (same process, same run).
//!
//! `cargo bench --bench perf` (optionally a name filter: `cargo bench --bench perf -- sign`);
//! `BENCH_MS` and `BENCH_SAMPLES` set the sample time and count.

mod common;

use std::hint::black_box;

use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};

use common::Table;
use common::fixtures::{self, Size};
use kms_lite::__private::codec;
use kms_lite::__private::endpoint::Endpoint;
use kms_lite::__private::request::{SigningContext, signed_request};
use kms_lite::__private::sigv4;
use kms_lite::{ReEncryptRequest, ReEncryptResponse, base64};

fn main() {
    let mut t = Table::new();

    for len in [64usize, 1024, 6144] {
        let raw = fixtures::bytes(len, 0);
        let text = base64::encode(&raw);
        assert_eq!(base64::decode(text.as_bytes()).unwrap(), raw);
        t.bench(&format!("base64 encode {len} B"), Some(len), || {
            black_box(base64::encode(black_box(&raw)));
        });
        t.bench(&format!("base64 decode {len} B"), Some(len), || {
            black_box(base64::decode(black_box(text.as_bytes())).unwrap());
        });
        // What serde_json adds on top of the encoding: the escape scan and copy of the text.
        t.bench(&format!("json string of base64 {len} B"), Some(len), || {
            let mut out = Vec::with_capacity(text.len() + 2);
            serde_json::to_writer(&mut out, black_box(text.as_str())).unwrap();
            black_box(out);
        });
    }

    let endpoint = Endpoint::parse("https://kms.us-east-1.amazonaws.com").unwrap();
    let creds = fixtures::credentials();
    let cache = sigv4::SigningKeyCache::new();
    let time = fixtures::time();
    let date = sigv4::amz_date(time);

    for size in Size::ALL {
        let s = size.name();
        let req: ReEncryptRequest = size.request();
        let body = codec::to_body(&req);
        let blen = body.len();
        eprintln!("{s}: request body {blen} bytes");

        t.bench(&format!("serialize {s}"), Some(blen), || {
            black_box(codec::to_body(black_box(&req)));
        });

        // The signable request exactly as `signed_request` builds it.
        let headers = [
            ("content-type", codec::CONTENT_TYPE),
            ("host", endpoint.host.as_str()),
            ("x-amz-date", date.as_str()),
            ("x-amz-target", fixtures::TARGET),
        ];
        let signable = sigv4::SignableRequest {
            method: "POST",
            path: "/",
            query: "",
            headers: &headers,
            payload: sigv4::Payload::Bytes(&body),
        };
        let params = sigv4::SigningParams {
            access_key_id: fixtures::ACCESS_KEY_ID,
            secret_access_key: fixtures::SECRET_ACCESS_KEY,
            region: fixtures::REGION,
            service: "kms",
            time,
            settings: sigv4::SigningSettings::new(),
        };
        t.bench(&format!("sigv4 sign {s}, key cold"), Some(blen), || {
            black_box(sigv4::sign(black_box(&signable), &params, None));
        });
        t.bench(&format!("sigv4 sign {s}, key cached"), Some(blen), || {
            black_box(sigv4::sign(black_box(&signable), &params, Some(&cache)));
        });

        // The floor: body hash, canonical-request hash, final HMAC with a cached key.
        let creq = sigv4::canonical_request(&signable, &params.settings);
        let sts = sigv4::string_to_sign(&creq, &date, fixtures::REGION, "kms");
        let key = sigv4::derive_signing_key(
            fixtures::SECRET_ACCESS_KEY,
            date.date(),
            fixtures::REGION,
            "kms",
        );
        let floor = format!("floor {s}: sha256(body)+sha256(creq)+hmac");
        t.bench(&floor, Some(blen), || {
            black_box(Sha256::digest(black_box(&body)));
            black_box(Sha256::digest(black_box(creq.text().as_bytes())));
            let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key.as_bytes()).unwrap();
            mac.update(black_box(sts.as_bytes()));
            black_box(mac.finalize());
        });
        t.ratio(&format!("sigv4 sign {s}, key cached"), &floor);

        let ctx = SigningContext {
            endpoint: &endpoint,
            region: fixtures::REGION,
            credentials: &creds,
            time,
            key_cache: Some(&cache),
        };
        // The client shares one invocation id between a call's attempts.
        let invocation_id = "c0a1e3f2-1b6d-4e0a-9f9e-2b3c4d5e6f70";
        let build = format!("build+sign ReEncrypt {s}");
        t.bench(&build, Some(blen), || {
            let body = codec::to_body(black_box(&req));
            black_box(
                signed_request(fixtures::TARGET, body, &ctx)
                    .with_header("amz-sdk-invocation-id", invocation_id)
                    .with_header("amz-sdk-request", format!("attempt={}; max={}", 1, 3)),
            );
        });
        t.ratio(&build, &floor);

        let resp = size.response_body();
        t.bench(&format!("parse success {s}"), Some(resp.len()), || {
            let out: ReEncryptResponse = codec::from_body("ReEncrypt", black_box(&resp)).unwrap();
            black_box(out);
        });

        let client = fixtures::client(fixtures::CannedHttp::success(size), None);
        let path = format!("client.re_encrypt {s} (canned transport)");
        t.bench(&path, Some(blen), || {
            black_box(client.re_encrypt(black_box(&req)).unwrap());
        });
        t.ratio(&path, &floor);

        // The same call by name, its input a JSON value (Client::raw_call).
        let raw_input = serde_json::to_value(&req).unwrap();
        let raw = format!("client.raw_call ReEncrypt {s} (canned transport)");
        t.bench(&raw, Some(blen), || {
            black_box(client.raw_call("ReEncrypt", black_box(&raw_input)).unwrap());
        });
        t.ratio(&raw, &path);

        // Temporary credentials (a session token of ~1 KiB), the usual case on AWS compute.
        let client = fixtures::client_with(
            fixtures::CannedHttp::success(size),
            None,
            fixtures::temporary_credentials(),
        );
        let path = format!("client.re_encrypt {s}, session token (canned transport)");
        t.bench(&path, Some(blen), || {
            black_box(client.re_encrypt(black_box(&req)).unwrap());
        });
        t.ratio(&path, &floor);
    }

    let err = fixtures::error_response();
    t.bench(
        "parse error (NotFoundException)",
        Some(err.body.len()),
        || {
            black_box(codec::decode_error("ReEncrypt", black_box(&err)));
        },
    );

    t.print("kms-lite");
}
