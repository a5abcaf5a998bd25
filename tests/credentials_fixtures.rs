//! The credential chain against fixture directories, in the style of the AWS SDKs'
//! credential-chain tests: `tests/fixtures/credentials/<case>/` holds `env` (KEY=VALUE lines), a
//! fake home (`home/.aws/config`, `home/.aws/credentials`, token files), `traffic` (the requests
//! the loopback stand-in for STS, IMDS and the container endpoint must receive, and its
//! answers; see `tests/loopback/mod.rs`) and `expected` (the credentials, or an error).
//!
//! `${HOME}` and `${SERVER}` in `env` and in the home's files are replaced by the fake home's
//! path and the loopback server's URL. The clock reads 2026-11-29T12:00:00Z.

mod loopback;
#[path = "support/repo.rs"]
mod repo;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use kms_lite::clock::ManualClock;
use kms_lite::config::Env;
use kms_lite::config::SharedConfig;
use kms_lite::credentials::{ProvideCredentials, ProviderConfig, default_chain};

/// 2026-11-29T12:00:00Z.
const NOW: u64 = 1_795_953_600;

fn fixtures_dir() -> PathBuf {
    repo::path("tests/fixtures/credentials")
}

fn copy_with_substitutions(from: &Path, to: &Path, subs: &[(&str, String)]) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_with_substitutions(&entry.path(), &target, subs);
        } else {
            fs::write(
                &target,
                substitute(&fs::read_to_string(entry.path()).unwrap(), subs),
            )
            .unwrap();
        }
    }
}

fn substitute(text: &str, subs: &[(&str, String)]) -> String {
    subs.iter()
        .fold(text.to_owned(), |t, (k, v)| t.replace(k, v))
}

fn key_values(text: &str, sep: char) -> Vec<(String, String)> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (k, v) = l.split_once(sep).expect("KEY=VALUE line");
            (k.trim().to_owned(), v.trim().to_owned())
        })
        .collect()
}

fn run_case(dir: &Path) -> Result<(), String> {
    let name = dir.file_name().unwrap().to_string_lossy().into_owned();
    let traffic = fs::read_to_string(dir.join("traffic")).unwrap_or_default();
    let exchanges = loopback::parse_traffic(&traffic);
    let server = loopback::Server::start(exchanges.clone());
    let tmp = std::env::temp_dir().join(format!(
        "kms-lite-credentials-{}-{name}",
        std::process::id()
    ));
    let _ = fs::remove_dir_all(&tmp);
    let home = tmp.join("home");
    let subs = [
        ("${HOME}", home.to_string_lossy().into_owned()),
        ("${SERVER}", server.url.clone()),
    ];
    if dir.join("home").is_dir() {
        copy_with_substitutions(&dir.join("home"), &home, &subs);
    }
    let env_text = substitute(
        &fs::read_to_string(dir.join("env")).unwrap_or_default(),
        &subs,
    );
    let mut env: BTreeMap<String, String> = key_values(&env_text, '=').into_iter().collect();
    env.entry("HOME".into())
        .or_insert_with(|| home.to_string_lossy().into_owned());
    let region = env.get("AWS_REGION").cloned();
    let expected: BTreeMap<String, String> =
        key_values(&fs::read_to_string(dir.join("expected")).unwrap(), '=')
            .into_iter()
            .collect();

    let clock = ManualClock::new(UNIX_EPOCH + Duration::from_secs(NOW));
    let result = SharedConfig::load(Env::from_pairs(env), None)
        .map_err(|e| e.to_string())
        .and_then(|shared| {
            let mut cfg = ProviderConfig::new(shared).clock(Arc::new(clock));
            if let Some(r) = region {
                cfg = cfg.region(r);
            }
            default_chain(&cfg)
                .provide_credentials()
                .map_err(|e| e.to_string())
        });
    let received = server.finish();
    let _ = fs::remove_dir_all(&tmp);

    let mut problems = Vec::new();
    if received.len() != exchanges.len() {
        problems.push(format!(
            "expected {} requests, got {}: {:?}",
            exchanges.len(),
            received.len(),
            received
                .iter()
                .map(|r| format!("{} {}", r.method, r.path))
                .collect::<Vec<_>>()
        ));
    }
    for (n, (want, got)) in exchanges.iter().zip(&received).enumerate() {
        if let Err(p) = std::panic::catch_unwind(|| loopback::check(&name, n, &want.expected, got))
        {
            problems.push(
                p.downcast_ref::<String>()
                    .cloned()
                    .unwrap_or_else(|| "request mismatch".into()),
            );
        }
    }
    match (&result, expected.get("error")) {
        (Ok(c), None) => {
            let token = c.session_token().unwrap_or("none");
            let expiry = c
                .expiry()
                .map(|e| kms_lite::__private::sigv4::amz_date(e).as_str().to_owned())
                .unwrap_or_else(|| "none".into());
            let actual = [
                ("access_key_id", c.access_key_id()),
                ("secret_access_key", c.secret_access_key()),
                ("session_token", token),
                ("expiry", expiry.as_str()),
                ("source", c.source()),
            ];
            for (k, v) in actual {
                if let Some(want) = expected.get(k) {
                    if want != v {
                        problems.push(format!("{k}: expected {want:?}, got {v:?}"));
                    }
                }
            }
        }
        (Err(e), Some(want)) => {
            for part in want.split(" && ") {
                if !e.contains(part) {
                    problems.push(format!("error {e:?} does not contain {part:?}"));
                }
            }
        }
        (Ok(c), Some(want)) => problems.push(format!("expected error {want:?}, got {c:?}")),
        (Err(e), None) => problems.push(format!("unexpected error: {e}")),
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!("{name}:\n  {}", problems.join("\n  ")))
    }
}

#[test]
fn credential_chain_fixtures() {
    let mut dirs: Vec<PathBuf> = fs::read_dir(fixtures_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    assert!(dirs.len() >= 30, "fixtures are missing");
    let failures: Vec<String> = dirs.iter().filter_map(|d| run_case(d).err()).collect();
    assert!(
        failures.is_empty(),
        "{} of {} fixtures failed:\n{}",
        failures.len(),
        dirs.len(),
        failures.join("\n")
    );
    eprintln!("{} credential fixtures passed", dirs.len());
}
