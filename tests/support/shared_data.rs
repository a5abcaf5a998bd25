//! Data copied from public repositories (AWS's SigV4 suite, the SDKs' shared test data) lives in
//! `../shared` beside the checkout and is never copied into it. Suites find it here; when it is
//! absent they pass without running and say so loudly.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Mutex;

/// The crate-relative spelling of `rel`, as the messages show it.
pub fn shown(rel: &str) -> String {
    format!("../shared/{rel}")
}

/// `../shared/<rel>` (relative to the crate root), or `None` when it does not exist. The first
/// miss of each path prints `SKIPPED: ../shared/<rel> not found` straight to the process's
/// stderr, past the test harness's capture, so the skip shows in every `cargo test` run.
pub fn shared_path(rel: &str) -> Option<PathBuf> {
    let path = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared")).join(rel);
    if path.exists() {
        return Some(path);
    }
    static REPORTED: Mutex<BTreeSet<String>> = Mutex::new(BTreeSet::new());
    let mut reported = REPORTED.lock().unwrap_or_else(|p| p.into_inner());
    if reported.insert(rel.to_owned()) {
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED: {} not found (it sits beside the checkout; these tests ran nothing)",
            shown(rel)
        );
    }
    None
}
