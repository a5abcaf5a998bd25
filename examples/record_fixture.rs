//! Records a new fixture for `tests/recorded.rs` from any endpoint: a real AWS account or a
//! local moto server.
//!
//! ```text
//! cargo run --example record_fixture -- [--operation NAME] CALL.json OUT.http [COMMENT]
//! ```
//!
//! `NAME` is `ReEncrypt` (the default), `Encrypt`, `Decrypt`, `GenerateDataKey` or
//! `GenerateDataKeyWithoutPlaintext`; write `OUT.http` under `tests/fixtures/<operation>/`.
//! `CALL.json` is the input as `aws kms <operation> --cli-input-json` takes it. The call goes to
//! the endpoint, region and credentials of the environment (`AWS_ENDPOINT_URL_KMS`,
//! `AWS_REGION`, `AWS_ACCESS_KEY_ID`...). The fixture keeps the real response (minus `Date`
//! and `Set-Cookie`) and the result it gave; its `request` section is the request rebuilt for
//! the harness's pinned endpoint, time and credentials, so no real credential is written.
//! Check it with `python3 scripts/sign_fixture.py OUT.http` (an independent signer: it must
//! leave the file unchanged), then review the `expect` section by hand.

#[path = "../tests/harness/mod.rs"]
mod harness;

use std::sync::{Arc, Mutex};
use std::time::{Duration, UNIX_EPOCH};

use harness::Recorded;
use kms_lite::__private::codec::reason_phrase;
use kms_lite::__private::endpoint::Endpoint;
use kms_lite::__private::request::{SigningContext, signed_request};
use kms_lite::__private::transport::{TransportConfig, UreqClient};
use kms_lite::credentials::Credentials;
use kms_lite::error::TransportError;
use kms_lite::http::HttpClient;
use kms_lite::http::{HttpRequest, HttpResponse};
use kms_lite::{
    Client, DecryptRequest, EncryptRequest, GenerateDataKeyRequest,
    GenerateDataKeyWithoutPlaintextRequest, ReEncryptRequest,
};

/// Passes requests to the real transport and keeps the last response.
#[derive(Debug)]
struct Recorder {
    inner: UreqClient,
    last: Arc<Mutex<Option<HttpResponse>>>,
}

impl HttpClient for Recorder {
    fn send(
        &self,
        request: &HttpRequest,
        timeout: Option<Duration>,
    ) -> Result<HttpResponse, TransportError> {
        let response = self.inner.send(request, timeout)?;
        *self.last.lock().unwrap() = Some(response.clone());
        Ok(response)
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let operation = match args.first().map(String::as_str) {
        Some("--operation") if args.len() > 1 => {
            let name = args[1].clone();
            args.drain(..2);
            name
        }
        _ => "ReEncrypt".to_owned(),
    };
    match operation.as_str() {
        "ReEncrypt" => record::<ReEncryptRequest>(&args),
        "Encrypt" => record::<EncryptRequest>(&args),
        "Decrypt" => record::<DecryptRequest>(&args),
        "GenerateDataKey" => record::<GenerateDataKeyRequest>(&args),
        "GenerateDataKeyWithoutPlaintext" => {
            record::<GenerateDataKeyWithoutPlaintextRequest>(&args)
        }
        other => Err(format!("unknown operation {other:?}").into()),
    }
}

fn record<Op: Recorded>(args: &[String]) -> Result<(), Box<dyn std::error::Error>> {
    let [call_path, out_path, rest @ ..] = args else {
        eprintln!("usage: record_fixture [--operation NAME] CALL.json OUT.http [COMMENT]");
        std::process::exit(2);
    };
    let call_text = std::fs::read_to_string(call_path)?;
    let call: Op = serde_json::from_str(&call_text)?;
    let last = Arc::new(Mutex::new(None));
    let recorder = Recorder {
        inner: UreqClient::new(&TransportConfig {
            connect_timeout: Duration::from_secs(10),
            read_timeout: Duration::from_secs(30),
            max_response_bytes: 1 << 20,
            user_agent: concat!("kms-lite/", env!("CARGO_PKG_VERSION")).to_owned(),
            connect_to: None,
            ca_bundle_pem: None,
            proxy: None,
        })?,
        last: Arc::clone(&last),
    };
    let client = Client::builder()
        .http_client(recorder)
        .max_attempts(1)
        .build()?;
    let result = Op::call(&client, &call);
    let response = last
        .lock()
        .unwrap()
        .take()
        .ok_or("no response arrived: nothing to record")?;

    // The request as the harness's pinned client sends it.
    let endpoint = Endpoint::parse("http://kms.us-east-1.amazonaws.com")?;
    let credentials = Credentials::new(
        "AKIDEXAMPLE",
        "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        None,
    );
    let body = serde_json::to_vec(&call)?;
    let pinned = signed_request(
        Op::TARGET,
        body.clone(),
        &SigningContext {
            endpoint: &endpoint,
            region: "us-east-1",
            credentials: &credentials,
            time: UNIX_EPOCH + Duration::from_secs(1_795_915_460),
            key_cache: None,
        },
    )
    .with_header("amz-sdk-invocation-id", "<uuid>")
    .with_header("amz-sdk-request", "attempt=1; max=1");
    let mut text = String::new();
    for line in rest.join(" ").lines() {
        text.push_str(&format!("# {line}\n"));
    }
    text.push_str(&format!(
        "--- call\n{}\n--- request\nPOST / HTTP/1.1\n",
        call_text.trim()
    ));
    text.push_str(&format!("content-length: {}\n", body.len()));
    text.push_str("user-agent: kms-lite/<version>\n");
    text.push_str(&format!("host: {}\n", endpoint.host));
    for (name, value) in pinned.headers() {
        text.push_str(&format!("{name}: {value}\n"));
    }
    text.push('\n');
    text.push_str(std::str::from_utf8(&body)?);
    text.push_str(&format!(
        "\n--- response\nHTTP/1.1 {} {}\n",
        response.status,
        reason_phrase(response.status)
    ));
    for (name, value) in &response.headers {
        let skip = [
            "date",
            "set-cookie",
            "content-length",
            "connection",
            "server",
        ];
        if !skip.iter().any(|s| name.eq_ignore_ascii_case(s)) {
            text.push_str(&format!("{name}: {value}\n"));
        }
    }
    text.push('\n');
    text.push_str(&String::from_utf8_lossy(&response.body));
    text.push_str("\n--- expect\n");
    for (k, v) in harness::render_expectations(&result, Op::output_json) {
        text.push_str(&format!("{k}: {v}\n"));
    }
    std::fs::write(out_path, text)?;
    eprintln!("wrote {out_path}; now run: python3 scripts/sign_fixture.py {out_path}");
    Ok(())
}
