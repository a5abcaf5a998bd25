//! Replays every recorded exchange under `tests/fixtures/<operation>/` against a loopback
//! server and checks the request the client sent, byte for byte, and the result it returned.
//!
//! The client is pinned: region `us-east-1`, endpoint `http://kms.us-east-1.amazonaws.com`
//! (connected to the loopback server), credentials `AKIDEXAMPLE` /
//! `wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY`, time 2026-11-29T01:24:20Z, one attempt, an
//! empty environment. A fixture's optional `client` section may set `session-token`.
//!
//! One runner serves every operation: [`Recorded`] says where an operation's fixtures live, how
//! to call it and how to render its output.

mod harness;

use std::path::Path;
use std::time::{Duration, UNIX_EPOCH};

use harness::{Fixture, Replay, assert_request, raw_response};
use kms_lite::clock::ManualClock;
use kms_lite::credentials::Credentials;
use kms_lite::env::Env;
use kms_lite::error::OperationError;
use kms_lite::{
    Client, DecryptError, DecryptRequest, DecryptResponse, EncryptError, EncryptRequest,
    EncryptResponse, GenerateDataKeyError, GenerateDataKeyRequest, GenerateDataKeyResponse,
    GenerateDataKeyWithoutPlaintextError, GenerateDataKeyWithoutPlaintextRequest,
    GenerateDataKeyWithoutPlaintextResponse, ReEncryptError, ReEncryptRequest, ReEncryptResponse,
};

/// 2026-11-29T01:24:20Z, the time of the official SDK's captures.
const PINNED: u64 = 1_795_915_460;

/// An operation whose recorded exchanges can be replayed.
trait Recorded: serde::de::DeserializeOwned {
    /// The folder under `tests/fixtures/`.
    const DIR: &'static str;
    /// The fewest fixtures the folder must hold (guards against a lost folder).
    const MIN_FIXTURES: usize;
    type Output;
    type Error: OperationError;
    fn call(client: &Client, request: &Self) -> Result<Self::Output, Self::Error>;
    /// The output as the AWS CLI's JSON, plaintext included.
    fn output_json(output: &Self::Output) -> String;
}

impl Recorded for ReEncryptRequest {
    const DIR: &'static str = "re_encrypt";
    const MIN_FIXTURES: usize = 20;
    type Output = ReEncryptResponse;
    type Error = ReEncryptError;
    fn call(client: &Client, request: &Self) -> Result<Self::Output, Self::Error> {
        client.re_encrypt(request)
    }
    fn output_json(output: &Self::Output) -> String {
        serde_json::to_string(output).unwrap()
    }
}

impl Recorded for EncryptRequest {
    const DIR: &'static str = "encrypt";
    const MIN_FIXTURES: usize = 5;
    type Output = EncryptResponse;
    type Error = EncryptError;
    fn call(client: &Client, request: &Self) -> Result<Self::Output, Self::Error> {
        client.encrypt(request)
    }
    fn output_json(output: &Self::Output) -> String {
        serde_json::to_string(output).unwrap()
    }
}

impl Recorded for DecryptRequest {
    const DIR: &'static str = "decrypt";
    const MIN_FIXTURES: usize = 5;
    type Output = DecryptResponse;
    type Error = DecryptError;
    fn call(client: &Client, request: &Self) -> Result<Self::Output, Self::Error> {
        client.decrypt(request)
    }
    fn output_json(output: &Self::Output) -> String {
        serde_json::to_string(&output.with_plaintext()).unwrap()
    }
}

impl Recorded for GenerateDataKeyRequest {
    const DIR: &'static str = "generate_data_key";
    const MIN_FIXTURES: usize = 5;
    type Output = GenerateDataKeyResponse;
    type Error = GenerateDataKeyError;
    fn call(client: &Client, request: &Self) -> Result<Self::Output, Self::Error> {
        client.generate_data_key(request)
    }
    fn output_json(output: &Self::Output) -> String {
        serde_json::to_string(&output.with_plaintext()).unwrap()
    }
}

impl Recorded for GenerateDataKeyWithoutPlaintextRequest {
    const DIR: &'static str = "generate_data_key_without_plaintext";
    const MIN_FIXTURES: usize = 5;
    type Output = GenerateDataKeyWithoutPlaintextResponse;
    type Error = GenerateDataKeyWithoutPlaintextError;
    fn call(client: &Client, request: &Self) -> Result<Self::Output, Self::Error> {
        client.generate_data_key_without_plaintext(request)
    }
    fn output_json(output: &Self::Output) -> String {
        serde_json::to_string(output).unwrap()
    }
}

fn run<Op: Recorded>(path: &Path) {
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    let text = std::fs::read_to_string(path).unwrap();
    let fixture = Fixture::parse(&name, &text);
    let client_opts = fixture
        .sections
        .get("client")
        .map(|s| {
            s.lines()
                .filter_map(|l| l.split_once(':'))
                .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
                .collect::<std::collections::BTreeMap<_, _>>()
        })
        .unwrap_or_default();
    let call: Op = serde_json::from_str(fixture.section("call"))
        .unwrap_or_else(|e| panic!("{name}: bad call section: {e}"));
    let replay = Replay::start(vec![raw_response(fixture.section("response"))]);
    let client = Client::builder()
        .env(Env::from_pairs::<&str, &str>([]))
        .region("us-east-1")
        .endpoint_url("http://kms.us-east-1.amazonaws.com")
        .connect_to(replay.addr)
        .credentials(Credentials::new(
            "AKIDEXAMPLE",
            "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            client_opts.get("session-token").cloned(),
        ))
        .clock(ManualClock::new(UNIX_EPOCH + Duration::from_secs(PINNED)))
        .max_attempts(1)
        .read_timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let result = Op::call(&client, &call);
    let received = replay
        .next_request()
        .unwrap_or_else(|| panic!("{name}: no request arrived"));
    assert_request(&name, fixture.section("request"), &received);
    let got = harness::render_expectations(&result, Op::output_json);
    let want = fixture.expectations();
    assert_eq!(got, want, "{name}: result differs from the expect section");
}

fn replay_all<Op: Recorded>() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(Op::DIR);
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "http"))
        .collect();
    paths.sort();
    assert!(
        paths.len() >= Op::MIN_FIXTURES,
        "only {} fixtures found in {}",
        paths.len(),
        dir.display()
    );
    let failed: Vec<String> = paths
        .iter()
        .filter(|p| std::panic::catch_unwind(|| run::<Op>(p)).is_err())
        .map(|p| p.display().to_string())
        .collect();
    assert!(
        failed.is_empty(),
        "{} of {} fixtures failed: {failed:#?}",
        failed.len(),
        paths.len()
    );
}

#[test]
fn every_recorded_exchange_replays() {
    replay_all::<ReEncryptRequest>();
}

#[test]
fn every_recorded_encrypt_exchange_replays() {
    replay_all::<EncryptRequest>();
}

#[test]
fn every_recorded_decrypt_exchange_replays() {
    replay_all::<DecryptRequest>();
}

#[test]
fn every_recorded_generate_data_key_exchange_replays() {
    replay_all::<GenerateDataKeyRequest>();
}

#[test]
fn every_recorded_generate_data_key_without_plaintext_exchange_replays() {
    replay_all::<GenerateDataKeyWithoutPlaintextRequest>();
}
