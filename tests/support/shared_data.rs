//! Data copied from public repositories (AWS's SigV4 suite, the SDKs' shared test data) lives in
//! `../shared` beside the checkout and is never copied into it. Suites find it here; when it is
//! absent they pass without running and say so loudly.

#![allow(dead_code, unused_macros)]

#[path = "repo.rs"]
pub mod repo;

use std::collections::{BTreeMap, BTreeSet};
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
    let path = repo::path("../shared").join(rel);
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

/// A test name from a case's name or documentation: lower case, every run of characters other
/// than ASCII letters and digits one `_`, none at the ends.
pub fn slug(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    out.trim_matches('_').to_owned()
}

/// The test names of cases in data order: their slugs, the second and later of a repeated one
/// suffixed `_2`, `_3`...
pub fn test_names<'a>(names: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    names
        .into_iter()
        .map(|name| {
            let s = slug(name);
            let n = seen.entry(s.clone()).or_insert(0);
            *n += 1;
            if *n == 1 { s } else { format!("{s}_{n}") }
        })
        .collect()
}

/// The cases of a JSON suite (`../shared/<rel>`, its cases the array `list`, each named by its
/// `name_key` member) with their test names, or `None` (SKIPPED) without the data.
pub fn load_cases(
    rel: &str,
    list: &str,
    name_key: &str,
) -> Option<Vec<(String, serde_json::Value)>> {
    let path = shared_path(rel)?;
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{rel}: {e}"));
    let json: serde_json::Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{rel}: {e}"));
    let cases = json[list]
        .as_array()
        .unwrap_or_else(|| panic!("{rel}: {list} is not a list"))
        .clone();
    let names = test_names(cases.iter().map(|c| {
        c[name_key]
            .as_str()
            .unwrap_or_else(|| panic!("{rel}: a case without {name_key}"))
    }));
    Some(names.into_iter().zip(cases).collect())
}

/// The case a test is named after.
pub fn find_case<'a>(
    cases: &'a [(String, serde_json::Value)],
    name: &str,
    rel: &str,
) -> &'a serde_json::Value {
    &cases
        .iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("no case {name} in {rel}"))
        .1
}

/// One `#[test]` per case, each calling `run` with its name, and `CASES` listing them all.
macro_rules! cases {
    ($($name:ident,)*) => {
        $(
            #[test]
            fn $name() {
                run(stringify!($name));
            }
        )*
        const CASES: &[&str] = &[$(stringify!($name)),*];
    };
}

/// Fails unless the tests listed in a suite (`CASES` of [`cases!`]) are exactly the `count`
/// cases in the data, so that no case is dropped (or invented) silently.
pub fn assert_every_case_listed(
    listed: &[&str],
    cases: &[(String, serde_json::Value)],
    count: usize,
    suite: &str,
) {
    assert_eq!(cases.len(), count, "{suite} has {count} cases");
    let listed_set: BTreeSet<&str> = listed.iter().copied().collect();
    let data_set: BTreeSet<&str> = cases.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        listed_set.len(),
        listed.len(),
        "{suite}: a test is listed twice"
    );
    let missing: Vec<_> = data_set.difference(&listed_set).collect();
    let extra: Vec<_> = listed_set.difference(&data_set).collect();
    assert!(
        missing.is_empty(),
        "{suite}: cases in the data with no test: {missing:?}"
    );
    assert!(
        extra.is_empty(),
        "{suite}: tests with no case in the data: {extra:?}"
    );
}

/// Says, past the harness's capture, that a case does not apply to kms-lite and why. The
/// caller still asserts what kms-lite does instead.
pub fn not_applicable(case: &str, why: &str) {
    let _ = writeln!(std::io::stderr(), "NOT APPLICABLE: {case}: {why}");
}
