//! Replays every recorded exchange under `tests/fixtures/<operation>/` against a loopback
//! server and checks the request the client sent, byte for byte, and the result it returned.
//!
//! The client is pinned: region `us-east-1`, endpoint `http://kms.us-east-1.amazonaws.com`
//! (connected to the loopback server), credentials `AKIDEXAMPLE` /
//! `wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY`, time 2026-11-29T01:24:20Z, one attempt, an
//! empty environment. A fixture's optional `client` section may set `session-token`.
//!
//! One runner serves every operation: [`Recorded`] (in the harness, shared with the recorder
//! example) says where an operation's fixtures live, how to call it and how to render its
//! output.

mod harness;

use std::path::Path;

use harness::{Fixture, Recorded, Replay, assert_request, raw_response};
use kms_lite::{
    DecryptRequest, EncryptRequest, GenerateDataKeyRequest, GenerateDataKeyWithoutPlaintextRequest,
    ReEncryptRequest,
};

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
    let client = harness::pinned_client(replay.addr, client_opts.get("session-token").cloned());
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
    let paths = harness::fixture_paths(Op::DIR);
    assert!(
        paths.len() >= Op::MIN_FIXTURES,
        "only {} fixtures found in {}",
        paths.len(),
        Op::DIR
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
