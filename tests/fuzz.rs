//! Seeded property loops over everything that reads untrusted text: the ReEncrypt response
//! parser, the error-code extractor, base64, the INI profile-file reader, the XML reader, the
//! timestamp parsers and the `credential_process` JSON reader.
//! Properties: no panic, and results bounded by the input's size. Std only: a xorshift PRNG
//! and input generators that mix structure (JSON, INI, XML tokens) with random bytes.
//!
//! `cargo test --test fuzz` runs a few thousand inputs per target. A longer run:
//!
//! ```text
//! KMS_LITE_FUZZ_ITERATIONS=2000000 KMS_LITE_FUZZ_SECONDS=60 \
//!     cargo test --release --test fuzz -- --nocapture --test-threads 1
//! ```
//!
//! `KMS_LITE_FUZZ_SEED` sets the base seed (default fixed, so plain `cargo test` is
//! reproducible); `KMS_LITE_FUZZ_SECONDS` bounds each target's time. A failing input prints
//! the one-case command that replays it.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::time::{Duration, Instant, UNIX_EPOCH};

use kms_lite::__private::codec::decode_error;
use kms_lite::__private::profile_file::{self, FileKind};
use kms_lite::__private::{timestamp, xml};
use kms_lite::error::OperationError;
use kms_lite::http::HttpResponse;
use kms_lite::testing::{MockKms, Reply};
use kms_lite::{ReEncryptError, ReEncryptRequest, base64};

/// Inputs per target in a plain `cargo test` (debug build).
const DEFAULT_ITERATIONS: u64 = 3000;
/// Largest generated input, in bytes (a few targets add one large case on top).
const MAX_INPUT: usize = 4096;

/// xorshift64*: small, fast, good enough to drive generators.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        // splitmix64 so that neighbouring seeds give unrelated streams (and never zero).
        let mut z = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        Rng((z ^ (z >> 31)) | 1)
    }
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
    fn chance(&mut self, one_in: usize) -> bool {
        self.below(one_in) == 0
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
    fn bytes(&mut self, max: usize) -> Vec<u8> {
        let n = self.below(max + 1);
        (0..n).map(|_| self.next() as u8).collect()
    }
    /// Joins random tokens until about `max` bytes.
    fn soup(&mut self, tokens: &[&str], max: usize) -> Vec<u8> {
        let target = self.below(max + 1);
        let mut out = Vec::new();
        while out.len() < target {
            if self.chance(20) {
                out.push(self.next() as u8);
            } else {
                out.extend_from_slice(self.pick(tokens).as_bytes());
            }
        }
        out
    }
}

/// Damages an input: flips, deletes, duplicates or truncates at random.
fn mutate(rng: &mut Rng, mut input: Vec<u8>) -> Vec<u8> {
    for _ in 0..rng.below(4) {
        if input.is_empty() {
            break;
        }
        let i = rng.below(input.len());
        match rng.below(5) {
            0 => input[i] ^= 1 << rng.below(8),
            1 => {
                input.remove(i);
            }
            2 => input.truncate(i),
            3 => {
                let chunk: Vec<u8> = input[i..].iter().take(16).copied().collect();
                input.splice(i..i, chunk);
            }
            _ => input[i] = *rng.pick(b"\"{}[]:,\\\0\xff\n="),
        }
    }
    input.truncate(MAX_INPUT * 2);
    input
}

fn iterations() -> u64 {
    std::env::var("KMS_LITE_FUZZ_ITERATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(DEFAULT_ITERATIONS)
}

fn base_seed() -> u64 {
    std::env::var("KMS_LITE_FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0x6b6d_735f_6c69_7465)
}

fn time_budget() -> Option<Duration> {
    std::env::var("KMS_LITE_FUZZ_SECONDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .map(Duration::from_secs)
}

/// Runs `case` on `iterations()` seeds; on a panic prints the seed and the input, then fails.
fn run(target: &str, mut case: impl FnMut(&mut Rng) -> Vec<u8>) {
    let (n, base, budget) = (iterations(), base_seed(), time_budget());
    let started = Instant::now();
    let mut ran = 0u64;
    for i in 0..n {
        let seed = base.wrapping_add(i);
        let mut rng = Rng::new(seed);
        let mut last_input = Vec::new();
        let result = catch_unwind(AssertUnwindSafe(|| {
            last_input = case(&mut rng);
        }));
        ran += 1;
        if let Err(panic) = result {
            let what = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            panic!(
                "fuzz target {target} failed after {ran} inputs: {what}\n\
                 replay: KMS_LITE_FUZZ_SEED={seed} KMS_LITE_FUZZ_ITERATIONS=1 \
                 cargo test --test fuzz {target}"
            );
        }
        if budget.is_some_and(|b| started.elapsed() > b) {
            break;
        }
    }
    println!(
        "fuzz {target}: {ran} inputs in {:.2?} (base seed {base})",
        started.elapsed()
    );
}

// ---------------------------------------------------------------- ReEncrypt responses

const MEMBERS: [&str; 9] = [
    "CiphertextBlob",
    "SourceKeyId",
    "KeyId",
    "SourceEncryptionAlgorithm",
    "DestinationEncryptionAlgorithm",
    "__type",
    "message",
    "Unknown",
    "",
];

fn json_value(rng: &mut Rng, depth: usize) -> String {
    match rng.below(if depth > 6 { 6 } else { 9 }) {
        0 => "null".into(),
        1 => rng.pick(&["true", "false"]).to_string(),
        2 => rng
            .pick(&["0", "-1", "1e400", "3.5", "18446744073709551616", "-0"])
            .to_string(),
        3 => format!(
            "\"{}\"",
            rng.pick(&[
                "AQID",
                "AQIDBA==",
                "AQIDBAU=",
                "====",
                "A",
                "AB=C",
                "@@@",
                "",
                "SYMMETRIC_DEFAULT",
                "RSAES_OAEP_SHA_256",
                "NEW_ALGO",
                "\\u0000",
                "\\ud800",
                "\\\"",
                "é",
            ])
        ),
        4 => {
            let blob: Vec<u8> = rng.bytes(64);
            format!("\"{}\"", base64::encode(&blob))
        }
        5 => format!("\"{}\"", "A".repeat(rng.below(300))),
        6 => {
            let n = rng.below(4);
            let items: Vec<String> = (0..n).map(|_| json_value(rng, depth + 1)).collect();
            format!("[{}]", items.join(","))
        }
        _ => json_object(rng, depth + 1),
    }
}

fn json_object(rng: &mut Rng, depth: usize) -> String {
    let n = rng.below(7);
    let members: Vec<String> = (0..n)
        .map(|_| format!("\"{}\":{}", rng.pick(&MEMBERS), json_value(rng, depth)))
        .collect();
    format!("{{{}}}", members.join(","))
}

fn json_ish(rng: &mut Rng) -> Vec<u8> {
    match rng.below(6) {
        0 => rng.bytes(256),
        1 => rng.soup(
            &[
                "{",
                "}",
                "[",
                "]",
                "\"",
                ":",
                ",",
                "null",
                "1",
                " ",
                "\"KeyId\"",
            ],
            512,
        ),
        2 => {
            // Deep nesting: serde_json's recursion limit must turn this into an error.
            let depth = 1 + rng.below(2000);
            let open = rng.pick(&["[", "{\"a\":"]).repeat(depth);
            open.into_bytes()
        }
        _ => {
            let doc = json_object(rng, 0).into_bytes();
            if rng.chance(2) { mutate(rng, doc) } else { doc }
        }
    }
}

#[test]
fn fuzz_re_encrypt_response_parser() {
    // The test double answers each call with the response this iteration puts in the slot.
    let slot = Arc::new(std::sync::Mutex::new(None::<Reply>));
    let next = slot.clone();
    let kms = MockKms::new()
        .with_handler(move |_| next.lock().unwrap().take().unwrap_or(Reply::http(500, "")));
    let client = kms.builder().max_attempts(1).build().unwrap();
    let request = ReEncryptRequest::new("alias/new").ciphertext_blob(vec![1, 2, 3]);
    run("re_encrypt_response", |rng| {
        let body = json_ish(rng);
        let status = *rng.pick(&[200, 200, 200, 204, 400, 500, 503]);
        let mut headers = vec![];
        let mut body = body;
        if status == 400 && rng.chance(2) {
            // A hostile clock: a signature error whose Date is anywhere from year 0 to 9999;
            // the client learns it and signs the next request with it.
            body = br#"{"__type":"InvalidSignatureException"}"#.to_vec();
            const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
            headers.push((
                "Date".to_owned(),
                format!(
                    "{}, {:02} Jan {:04} {:02}:{:02}:{:02} GMT",
                    rng.pick(&DAYS),
                    1 + rng.below(31),
                    rng.below(10_000),
                    rng.below(24),
                    rng.below(60),
                    rng.below(61),
                ),
            ));
        }
        let reply = headers
            .iter()
            .fold(Reply::http(status, body.clone()), |r, (n, v)| {
                r.with_header(n, v)
            });
        *slot.lock().unwrap() = Some(reply);
        match client.re_encrypt(&request) {
            Ok(out) => {
                assert!((200..300).contains(&status));
                let blob = out.ciphertext_blob.as_ref().map_or(0, Vec::len);
                assert!(blob <= body.len(), "blob larger than the body");
                for s in [&out.key_id, &out.source_key_id].into_iter().flatten() {
                    assert!(s.len() <= body.len());
                }
            }
            Err(ReEncryptError::Transport(t)) => assert!(t.message().len() < 300),
            Err(e) => {
                let se = e.service_error().expect("a service error");
                assert_eq!(se.status(), status);
                assert!(se.code().len() <= body.len().max(3));
            }
        }
        body
    });
}

// ---------------------------------------------------------------- error codes

#[test]
fn fuzz_decode_error() {
    run("decode_error", |rng| {
        let mut headers = Vec::new();
        for _ in 0..rng.below(5) {
            let name = rng
                .pick(&[
                    "x-amzn-ErrorType",
                    "X-AMZN-ERRORTYPE",
                    "x-amzn-RequestId",
                    "Content-Type",
                    "Date",
                    "",
                ])
                .to_string();
            let value = String::from_utf8_lossy(&rng.soup(
                &[
                    "com.amazonaws.kms#",
                    "NotFoundException",
                    ":",
                    "#",
                    "http://internal.amazon.com/",
                    " ",
                    "é",
                    "\u{0}",
                    "text/html",
                ],
                200,
            ))
            .into_owned();
            headers.push((name, value));
        }
        let body = json_ish(rng);
        let resp = HttpResponse::new(
            rng.pick(&[0u16, 100, 301, 400, 403, 429, 500, 502, 599, 999, u16::MAX])
                .to_owned(),
            headers,
            body,
        );
        let e = decode_error("ReEncrypt", &resp);
        let input_size = resp.body.len() + resp.headers.iter().map(|(_, v)| v.len()).sum::<usize>();
        assert!(!e.code().is_empty());
        assert!(e.code().len() <= input_size.max(5));
        assert!(e.message().map_or(0, str::len) <= resp.body.len().max(300));
        assert!(e.request_id().map_or(0, str::len) <= input_size);
        let _ = e.to_string();
        resp.body
    });
}

// ---------------------------------------------------------------- base64

#[test]
fn fuzz_base64() {
    run("base64", |rng| {
        let input = match rng.below(3) {
            0 => rng.bytes(MAX_INPUT),
            1 => rng.soup(
                &[
                    "A", "z", "0", "+", "/", "=", "==", "AAAA", "-", "_", " ", "\n", "\r",
                ],
                MAX_INPUT,
            ),
            _ => {
                let raw = rng.bytes(MAX_INPUT / 2);
                let encoded = base64::encode(&raw);
                assert_eq!(base64::decode(encoded.as_bytes()).unwrap(), raw);
                mutate(rng, encoded.into_bytes())
            }
        };
        if let Ok(out) = base64::decode(&input) {
            assert!(out.len() <= input.len() / 4 * 3 + 3);
            // Whatever decodes re-encodes to something that decodes to the same bytes.
            assert_eq!(
                base64::decode(base64::encode(&out).as_bytes()).unwrap(),
                out
            );
        } else if let Err(e) = base64::decode(&input) {
            let _ = e.to_string();
        }
        input
    });
}

// ---------------------------------------------------------------- INI profile files

#[test]
fn fuzz_profile_file() {
    const TOKENS: [&str; 30] = [
        "[",
        "]",
        "[default]",
        "[profile ",
        "[sso-session ",
        "[services ",
        "dev",
        "default",
        "profile",
        " ",
        "\t",
        "\n",
        "\r\n",
        "=",
        " = ",
        "#",
        ";",
        " ;",
        "region",
        "kms",
        "endpoint_url",
        "aws_access_key_id",
        "  nested = 1",
        "\n  ",
        "s3 =",
        "é",
        "\u{feff}",
        "\0",
        "==",
        "\\",
    ];
    run("profile_file", |rng| {
        let bytes = match rng.below(4) {
            0 => rng.bytes(512),
            _ => rng.soup(&TOKENS, MAX_INPUT),
        };
        let text = String::from_utf8_lossy(&bytes).into_owned();
        for kind in [FileKind::Config, FileKind::Credentials] {
            match profile_file::parse(&text, kind, "fuzz") {
                Ok(set) => {
                    let lines = text.lines().count() + 1;
                    assert!(set.profile_names().count() <= lines);
                    for name in set.profile_names() {
                        assert!(name.len() <= text.len());
                        let p = set.profile(name).expect("a listed profile exists");
                        for key in p.keys() {
                            assert!(key.len() <= text.len());
                            assert!(p.get(key).map_or(0, str::len) <= text.len());
                        }
                    }
                    assert!(set.warnings().len() <= lines * 2);
                }
                Err(e) => {
                    let _ = e.to_string();
                }
            }
        }
        bytes
    });
}

// ---------------------------------------------------------------- XML

#[test]
fn fuzz_xml() {
    const TOKENS: [&str; 36] = [
        "<",
        ">",
        "</",
        "/>",
        "<?xml version=\"1.0\"?>",
        "<!--",
        "-->",
        "<![CDATA[",
        "]]>",
        "<!DOCTYPE x>",
        "&lt;",
        "&gt;",
        "&amp;",
        "&quot;",
        "&apos;",
        "&#x41;",
        "&#65;",
        "&#1114112;",
        "&#xD800;",
        "&",
        "&bogus;",
        "AssumeRoleResponse",
        "AssumeRoleResult",
        "Credentials",
        "AccessKeyId",
        "SecretAccessKey",
        "SessionToken",
        "Expiration",
        "ErrorResponse",
        "Error",
        "Code",
        "Message",
        " xmlns=\"urn:x\"",
        "a:",
        "\"",
        "é",
    ];
    run("xml", |rng| {
        let bytes = match rng.below(5) {
            0 => rng.bytes(512),
            1 => {
                // Deep nesting: refused past the depth limit, never a stack overflow.
                let depth = 1 + rng.below(5000);
                let mut doc = "<a>".repeat(depth);
                if rng.chance(2) {
                    doc.push_str(&"</a>".repeat(depth));
                }
                doc.into_bytes()
            }
            2 => {
                let doc = format!(
                    "<AssumeRoleResponse><AssumeRoleResult><Credentials>\
                     <AccessKeyId>{}</AccessKeyId><SecretAccessKey>s</SecretAccessKey>\
                     <SessionToken>t</SessionToken><Expiration>{}</Expiration>\
                     </Credentials></AssumeRoleResult></AssumeRoleResponse>",
                    rng.pick(&["AKID", "", "&lt;", "<![CDATA[x]]>"]),
                    rng.pick(&[
                        "2026-11-29T01:24:20Z",
                        "yesterday",
                        "",
                        "9999-99-99T99:99:99Z"
                    ])
                );
                mutate(rng, doc.into_bytes())
            }
            _ => rng.soup(&TOKENS, MAX_INPUT),
        };
        let text = String::from_utf8_lossy(&bytes).into_owned();
        if let Ok(Some(t)) = xml::find_text(&text, &["a", "a"]) {
            assert!(t.len() <= text.len());
        }
        if let Ok(Some(t)) = xml::find_text(&text, &["AssumeRoleResponse", "AssumeRoleResult"]) {
            assert!(t.len() <= text.len());
        }
        match xml::parse_sts_credentials(&text, "AssumeRoleResult") {
            Ok(c) => {
                assert!(c.access_key_id.len() <= text.len());
                let _ = format!("{c:?}");
            }
            Err(e) => {
                let _ = e.to_string();
            }
        }
        if let Some((code, message)) = xml::parse_sts_error(&text) {
            assert!(code.len() + message.len() <= text.len());
        }
        bytes
    });
}

// ---------------------------------------------------------------- timestamps

#[test]
fn fuzz_timestamps() {
    const SEEDS: [&str; 4] = [
        "2026-11-29T12:34:56.123456789+05:30",
        "2024-02-29T23:59:59Z",
        "Sun, 29 Nov 2026 02:21:10 GMT",
        "9999-12-31T23:59:59-23:59",
    ];
    run("timestamps", |rng| {
        let seed = rng.pick(&SEEDS).as_bytes().to_vec();
        let input = mutate(rng, seed);
        let text = String::from_utf8_lossy(&input);
        let _ = timestamp::parse_rfc3339(&text);
        let _ = timestamp::parse_http_date(&text);
        input
    });
}

// ---------------------------------------------------------------- credential_process JSON

#[test]
fn fuzz_credential_process_output() {
    const TOKENS: [&str; 18] = [
        "{",
        "}",
        "\"Version\"",
        ":",
        "1",
        "2",
        ",",
        "\"AccessKeyId\"",
        "\"AKID\"",
        "\"SecretAccessKey\"",
        "\"SECRETVALUE\"",
        "\"SessionToken\"",
        "\"Expiration\"",
        "\"2026-11-29T12:00:00Z\"",
        "\"1969-01-01T00:00:00Z\"",
        "null",
        "[",
        "]",
    ];
    let now = UNIX_EPOCH + Duration::from_secs(1_795_915_460);
    run("credential_process", |rng| {
        let soup = rng.soup(&TOKENS, 512);
        let input = mutate(rng, soup);
        match kms_lite::__private::credentials::parse_process_output(&input, now) {
            Ok(c) => assert!(c.access_key_id().len() <= input.len()),
            Err(e) => assert!(!e.to_string().contains("SECRETVALUE"), "{e}"),
        }
        input
    });
}
