//! One ReEncrypt call as a whole process: a stand-in for `kms-lite re-encrypt` until the CLI
//! lands, with the same arguments, so scripts/footprint.sh can measure a process either way.
//!
//! `one_call re-encrypt --endpoint-url URL --region R --ciphertext-blob BASE64
//!  --destination-key-id K`, credentials from `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`.

use kms_lite::{Client, ReEncryptRequest};

fn main() {
    let mut args = std::env::args().skip(1).peekable();
    if args.peek().map(String::as_str) == Some("re-encrypt") {
        args.next();
    }
    let mut client = Client::builder();
    let mut blob = Vec::new();
    let mut key = String::new();
    while let Some(a) = args.next() {
        let v = args.next().unwrap_or_default();
        match a.as_str() {
            "--endpoint-url" => client = client.endpoint_url(v),
            "--region" => client = client.region(v),
            "--ciphertext-blob" => {
                blob = kms_lite::base64::decode(v.as_bytes()).expect("--ciphertext-blob is base64")
            }
            "--destination-key-id" => key = v,
            other => {
                eprintln!("unknown argument {other}");
                std::process::exit(2);
            }
        }
    }
    let client = client.build().unwrap_or_else(|e| {
        eprintln!("{e}");
        std::process::exit(2)
    });
    match client.re_encrypt(&ReEncryptRequest::new(key).ciphertext_blob(blob)) {
        Ok(out) => println!(
            "{}",
            serde_json::to_string(&out).expect("output serializes")
        ),
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1)
        }
    }
}
