//! Side by side, in one process and one run: kms-lite against aws-sdk-kms (whole request path
//! on a canned connector, and a loopback round trip), against aws-sigv4 (signing), and against
//! the `base64` crate (strict standard engine).
//!
//! `cd benches/compare && cargo run --release` (a name filter may follow: `-- sigv4`);
//! `BENCH_MS`, `BENCH_SAMPLES` as for kms-lite's own benches.

#[path = "../../common/mod.rs"]
mod common;
mod sdk;

use std::hint::black_box;
use std::time::Duration;

use base64::Engine as _;
use common::Table;
use common::fixtures::{self, Size};
// The signer and codec are kms-lite's internals, reached through its unstable path.
use kms_lite::__private::endpoint::Endpoint;
use kms_lite::__private::{codec, sigv4};

fn main() {
    let mut t = Table::new();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");

    // base64: kms-lite against the base64 crate's STANDARD engine (padded, canonical, strict).
    let engine = base64::engine::general_purpose::STANDARD;
    for len in [64usize, 1024, 6144] {
        let raw = fixtures::bytes(len, 0);
        let text = kms_lite::base64::encode(&raw);
        assert_eq!(engine.encode(&raw), text);
        assert_eq!(engine.decode(&text).unwrap(), raw);
        let (ours, theirs) = (
            format!("kms-lite base64 encode {len} B"),
            format!("base64 crate encode {len} B"),
        );
        t.bench(&ours, Some(len), || {
            black_box(kms_lite::base64::encode(black_box(&raw)));
        });
        t.bench(&theirs, Some(len), || {
            black_box(engine.encode(black_box(&raw)));
        });
        t.ratio(&theirs, &ours);
        let (ours, theirs) = (
            format!("kms-lite base64 decode {len} B"),
            format!("base64 crate decode {len} B"),
        );
        t.bench(&ours, Some(len), || {
            black_box(kms_lite::base64::decode(black_box(text.as_bytes())).unwrap());
        });
        t.bench(&theirs, Some(len), || {
            black_box(engine.decode(black_box(text.as_bytes())).unwrap());
        });
        t.ratio(&theirs, &ours);
    }

    let endpoint = Endpoint::parse("https://kms.us-east-1.amazonaws.com").unwrap();
    let url = "https://kms.us-east-1.amazonaws.com/";
    let time = fixtures::time();
    let date = sigv4::amz_date(time);
    let identity = aws_credential_types::Credentials::new(
        fixtures::ACCESS_KEY_ID,
        fixtures::SECRET_ACCESS_KEY,
        None,
        None,
        "bench",
    )
    .into();
    let cache = sigv4::SigningKeyCache::new();

    for size in Size::ALL {
        let s = size.name();
        let req = size.request();
        let blob = size.blob();
        let body = codec::to_body(&req);
        let blen = body.len();

        // Signing alone: the same four headers and body.
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
        let cold = format!("kms-lite sigv4 sign {s}, key cold");
        let cached = format!("kms-lite sigv4 sign {s}, key cached");
        let theirs = format!("aws-sigv4 sign {s}");
        t.bench(&cold, Some(blen), || {
            black_box(sigv4::sign(black_box(&signable), &params, None));
        });
        t.bench(&cached, Some(blen), || {
            black_box(sigv4::sign(black_box(&signable), &params, Some(&cache)));
        });
        // aws-sigv4 adds x-amz-date itself.
        let aws_headers = [
            ("content-type", codec::CONTENT_TYPE),
            ("host", endpoint.host.as_str()),
            ("x-amz-target", fixtures::TARGET),
        ];
        let aws_params = aws_sigv4::sign::v4::SigningParams::builder()
            .identity(&identity)
            .region(fixtures::REGION)
            .name("kms")
            .time(time)
            .settings(aws_sigv4::http_request::SigningSettings::default())
            .build()
            .unwrap()
            .into();
        t.bench(&theirs, Some(blen), || {
            let signable = aws_sigv4::http_request::SignableRequest::new(
                "POST",
                url,
                aws_headers.iter().copied(),
                aws_sigv4::http_request::SignableBody::Bytes(black_box(&body)),
            )
            .unwrap();
            black_box(aws_sigv4::http_request::sign(signable, &aws_params).unwrap());
        });
        t.ratio(&theirs, &cold);

        // The whole request path, nothing sent: build, serialize, sign, dispatch, parse.
        let ours = format!("kms-lite client.re_encrypt {s} (canned)");
        let theirs = format!("aws-sdk-kms re_encrypt {s} (canned)");
        let client = fixtures::client(fixtures::CannedHttp::success(size), None);
        t.bench(&ours, Some(blen), || {
            let req = kms_lite::ReEncryptRequest::new(fixtures::DESTINATION_KEY_ID)
                .ciphertext_blob(blob.clone());
            let req = match size {
                Size::Small => req
                    .source_encryption_context(fixtures::CONTEXT)
                    .destination_encryption_context(fixtures::CONTEXT),
                Size::Large => req,
            };
            black_box(client.re_encrypt(black_box(&req)).unwrap());
        });
        let sdk_client = sdk::canned_client(size);
        t.bench(&theirs, Some(blen), || {
            black_box(rt.block_on(sdk::re_encrypt(&sdk_client, size, black_box(&blob))));
        });
        t.ratio(&theirs, &ours);
    }

    // Loopback round trips, one thread, keep-alive, against the same std-only server.
    for size in Size::ALL {
        let s = size.name();
        let server =
            common::loopback::start(size.response_body(), u64::MAX, Duration::from_secs(600))
                .expect("loopback server");
        let url = format!("http://{}", server.addr);
        let blob = size.blob();
        let req = size.request();
        let ours = format!("kms-lite loopback round trip {s}");
        let theirs = format!("aws-sdk-kms loopback round trip {s}");
        let client = fixtures::client_default_http(&url);
        t.bench_wall(&ours, Some(blen_of(&req)), || {
            black_box(client.re_encrypt(black_box(&req)).unwrap());
        });
        let sdk_client = sdk::http_client(&url);
        t.bench_wall(&theirs, Some(blen_of(&req)), || {
            black_box(rt.block_on(sdk::re_encrypt(&sdk_client, size, black_box(&blob))));
        });
        t.ratio(&theirs, &ours);
        for name in [&ours, &theirs] {
            if let Some(row) = t.rows.iter_mut().find(|r| &r.name == name) {
                if row.ratio.is_none() {
                    row.note = Some(format!("{:.0} calls/s", 1e9 / row.m.ns));
                }
            }
        }
    }

    t.print("kms-lite vs aws-sdk-kms, aws-sigv4 and base64 (ratio > 1: the other is slower)");
    for r in &t.rows {
        if r.name.contains("loopback") {
            println!("{}: {:.0} calls/s", r.name, 1e9 / r.m.ns);
        }
    }
}

fn blen_of(req: &kms_lite::ReEncryptRequest) -> usize {
    codec::to_body(req).len()
}
