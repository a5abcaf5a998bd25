//! One ReEncrypt call through aws-sdk-kms, as a whole process: the SDK counterpart of
//! `kms-lite re-encrypt` for scripts/footprint.sh.
//!
//! `sdk-one-call --endpoint-url URL --region R --ciphertext-blob BASE64 --destination-key-id K`
//! with `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY` in the environment. Prints the new
//! ciphertext's length and key id. A minimal SDK program: no aws-config (no profile files, no
//! credential chain), which only makes the SDK's side cheaper.

use aws_sdk_kms::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_kms::primitives::Blob;

fn main() {
    let mut args = std::env::args().skip(1);
    let (mut endpoint, mut region, mut blob, mut key) = (None, None, None, None);
    while let Some(a) = args.next() {
        let v = args.next();
        match a.as_str() {
            "--endpoint-url" => endpoint = v,
            "--region" => region = v,
            "--ciphertext-blob" => blob = v,
            "--destination-key-id" => key = v,
            other => {
                eprintln!("unknown argument {other}");
                std::process::exit(2);
            }
        }
    }
    let blob = decode_base64(&blob.expect("--ciphertext-blob"));
    let akid = std::env::var("AWS_ACCESS_KEY_ID").expect("AWS_ACCESS_KEY_ID");
    let secret = std::env::var("AWS_SECRET_ACCESS_KEY").expect("AWS_SECRET_ACCESS_KEY");
    let mut config = aws_sdk_kms::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(region.expect("--region")))
        .credentials_provider(Credentials::new(akid, secret, None, None, "environment"));
    if let Some(url) = endpoint {
        config = config.endpoint_url(url);
    }
    let client = aws_sdk_kms::Client::from_conf(config.build());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let out = rt.block_on(
        client
            .re_encrypt()
            .ciphertext_blob(Blob::new(blob))
            .destination_key_id(key.expect("--destination-key-id"))
            .send(),
    );
    match out {
        Ok(out) => println!(
            "{} bytes under {}",
            out.ciphertext_blob().map_or(0, |b| b.as_ref().len()),
            out.key_id().unwrap_or("?")
        ),
        Err(e) => {
            eprintln!("{e:?}");
            std::process::exit(1);
        }
    }
}

/// Standard padded base64 (the SDK's own decoder is not public API).
fn decode_base64(text: &str) -> Vec<u8> {
    let val = |c: u8| -> u32 {
        match c {
            b'A'..=b'Z' => u32::from(c - b'A'),
            b'a'..=b'z' => u32::from(c - b'a') + 26,
            b'0'..=b'9' => u32::from(c - b'0') + 52,
            b'+' => 62,
            b'/' => 63,
            _ => panic!("not base64"),
        }
    };
    let bytes = text.trim().as_bytes();
    let mut out = Vec::with_capacity(bytes.len() / 4 * 3);
    for chunk in bytes.chunks(4) {
        let pad = chunk.iter().filter(|&&c| c == b'=').count();
        let mut n = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            n |= if c == b'=' { 0 } else { val(c) } << (18 - 6 * i);
        }
        let b = n.to_be_bytes();
        out.extend_from_slice(&b[1..4 - pad]);
    }
    out
}
