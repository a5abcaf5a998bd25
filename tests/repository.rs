//! What the repository holds: no copy of the data copied from public repositories, which stays
//! in `../shared` beside the checkout (issue 9 item 24: the SigV4 suite once sat in
//! `tests/data/sigv4-test-suite/`). Every file of `../shared/sigv4-test-suite/` and
//! `../shared/aws-test-data/` is compared, by content, with every file of the checkout.
//!
//! And what goes where (issue 10 item 8): the published package (the root) holds the library
//! and the CLI, and nothing else; every test, bench and example file is a target of the
//! unpublished `dev/` package, so none stops running unnoticed.

#[path = "support/shared_data.rs"]
mod shared_data;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use sha2::{Digest, Sha256};
use shared_data::repo;

/// Files this small (`{}`, an empty list) may match by chance.
const SMALLEST: u64 = 64;

/// Every regular file under `dir`, skipping the build output and version control.
fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        let name = entry.file_name();
        if kind.is_dir() && name != "target" && name != ".git" {
            files(&path, out);
        } else if kind.is_file() {
            out.push(path);
        }
    }
}

/// The contents that count: not the licence texts (this crate's own Apache-2.0 text may equal
/// theirs), nothing tiny.
fn digest(path: &Path) -> Option<[u8; 32]> {
    let name = path.file_name()?.to_str()?.to_ascii_uppercase();
    if name.starts_with("LICENSE") || name.starts_with("NOTICE") {
        return None;
    }
    if std::fs::metadata(path).ok()?.len() < SMALLEST {
        return None;
    }
    Some(Sha256::digest(std::fs::read(path).ok()?).into())
}

#[test]
fn the_checkout_holds_no_copy_of_the_shared_data() {
    let mut theirs: BTreeMap<[u8; 32], PathBuf> = BTreeMap::new();
    for rel in ["sigv4-test-suite", "aws-test-data"] {
        let Some(dir) = shared_data::shared_path(rel) else {
            continue;
        };
        let mut all = Vec::new();
        files(&dir, &mut all);
        assert!(!all.is_empty(), "{} is empty", shared_data::shown(rel));
        for path in all {
            if let Some(d) = digest(&path) {
                theirs.insert(d, path);
            }
        }
    }
    let root = repo::root();
    let mut ours = Vec::new();
    files(root, &mut ours);
    let copies: Vec<String> = ours
        .iter()
        .filter_map(|p| {
            let original = theirs.get(&digest(p)?)?;
            Some(format!("{} (= {})", p.display(), original.display()))
        })
        .collect();
    assert!(
        copies.is_empty(),
        "copies of ../shared data in the checkout: tests read it from ../shared instead:\n{}",
        copies.join("\n")
    );
}

/// `cargo ARGS --offline` (the cargo running the tests) in the repository root: its stdout.
fn cargo(args: &[&str]) -> String {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let out = Command::new(cargo)
        .args(args)
        .arg("--offline")
        .current_dir(repo::root())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "cargo {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// `path` relative to the repository root, `/`-separated.
fn relative(path: &Path) -> String {
    let root = repo::root().canonicalize().unwrap();
    let path = path
        .canonicalize()
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let rel = path.strip_prefix(&root).unwrap_or_else(|_| {
        panic!("{} is outside the repository", path.display());
    });
    rel.to_str().unwrap().to_owned()
}

/// The target files of `dir` (`tests`, `benches`, `examples`) as cargo's conventions find them
/// (`dir/NAME.rs`, `dir/NAME/main.rs`), by target name.
fn conventional_targets(dir: &str) -> BTreeSet<(String, String)> {
    let mut found = BTreeSet::new();
    for entry in std::fs::read_dir(repo::path(dir)).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_str().unwrap().to_owned();
        if path.extension().is_some_and(|e| e == "rs") && path.is_file() {
            found.insert((name, relative(&path)));
        } else if path.join("main.rs").is_file() {
            found.insert((name, relative(&path.join("main.rs"))));
        }
    }
    found
}

/// The workspace's packages as `cargo metadata` describes them.
fn metadata() -> serde_json::Value {
    serde_json::from_str(&cargo(&[
        "metadata",
        "--no-deps",
        "--format-version",
        "1",
        "--locked",
    ]))
    .unwrap()
}

/// Package `name` in the `metadata`.
fn package<'a>(metadata: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    metadata["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == name)
        .unwrap_or_else(|| panic!("no package {name} in the workspace"))
}

/// The targets `cargo metadata` reports for package `name`: (kind, name, file).
fn declared_targets(
    metadata: &serde_json::Value,
    name: &str,
) -> BTreeSet<(String, String, String)> {
    package(metadata, name)["targets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            let kinds = t["kind"].as_array().unwrap();
            assert_eq!(kinds.len(), 1, "{t}");
            (
                kinds[0].as_str().unwrap().to_owned(),
                t["name"].as_str().unwrap().to_owned(),
                relative(Path::new(t["src_path"].as_str().unwrap())),
            )
        })
        .collect()
}

/// The published package's targets are the library and the CLI; every file under `tests/`,
/// `benches/` and `examples/` that cargo's conventions would make a target is one in `dev/`,
/// under the same name (so `cargo test --test NAME` and the rest select what they did). A new
/// test file that is not declared there would silently never run.
#[test]
fn every_test_bench_and_example_is_a_target_of_the_dev_package() {
    let metadata = metadata();
    let cli = ("kms-lite".to_owned(), "src/bin/kms-lite/main.rs".to_owned());
    let published: BTreeSet<_> = [("lib", "kms_lite", "src/lib.rs"), ("bin", &cli.0, &cli.1)]
        .into_iter()
        .map(|(k, n, f)| (k.to_owned(), n.to_owned(), f.to_owned()))
        .collect();
    assert_eq!(declared_targets(&metadata, "kms-lite"), published);

    let mut want = BTreeSet::new();
    want.insert(("bin".to_owned(), "kms-lite-dev".to_owned(), cli.1.clone()));
    let doctests = ("lib", "kms_lite_dev", "dev/doctests.rs");
    want.insert((
        doctests.0.to_owned(),
        doctests.1.to_owned(),
        doctests.2.to_owned(),
    ));
    for (kind, dir) in [
        ("test", "tests"),
        ("bench", "benches"),
        ("example", "examples"),
    ] {
        for (name, file) in conventional_targets(dir) {
            want.insert((kind.to_owned(), name, file));
        }
    }
    let declared = declared_targets(&metadata, "kms-lite-dev");
    let missing: Vec<_> = want.difference(&declared).collect();
    let extra: Vec<_> = declared.difference(&want).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "dev/Cargo.toml: undeclared (kind, name, file): {missing:?}; declared but not found: {extra:?}"
    );
    // Not two empty sets: this very file is one of them.
    let this = ("test", "repository", "tests/repository.rs");
    let this = (this.0.to_owned(), this.1.to_owned(), this.2.to_owned());
    assert!(declared.contains(&this), "{declared:?}");
}

/// The dev package has the published one's features, each forwarded to it, with the same
/// default: `--no-default-features --features X` at the root selects the same backend for the
/// library and for the tests that ask which one it is (`cfg!(feature = ...)`).
#[test]
fn the_dev_package_forwards_every_feature() {
    let metadata = metadata();
    let published = package(&metadata, "kms-lite")["features"]
        .as_object()
        .unwrap();
    let dev = package(&metadata, "kms-lite-dev")["features"]
        .as_object()
        .unwrap();
    let names =
        |m: &serde_json::Map<String, serde_json::Value>| m.keys().cloned().collect::<Vec<_>>();
    assert_eq!(names(dev), names(published), "dev/Cargo.toml [features]");
    for (name, enables) in dev {
        if name == "default" {
            assert_eq!(enables, &published["default"], "dev/Cargo.toml: default");
        } else {
            assert_eq!(
                enables,
                &serde_json::json!([format!("kms-lite/{name}")]),
                "dev/Cargo.toml: {name}"
            );
        }
    }
}

/// The files `cargo package -p kms-lite` ships, relative to the package root, but for the VCS
/// information (only in a git checkout).
fn packaged() -> BTreeSet<String> {
    let mut listed: BTreeSet<String> = cargo(&[
        "package",
        "--list",
        "-p",
        "kms-lite",
        "--locked",
        "--allow-dirty",
    ])
    .lines()
    .map(str::to_owned)
    .collect();
    listed.remove(".cargo_vcs_info.json");
    listed
}

/// The string literal that follows `marker` in `line`, if any.
fn literal_after<'a>(line: &'a str, marker: &str) -> Option<&'a str> {
    let rest = &line[line.find(marker)? + marker.len()..];
    let rest = rest.trim_start().strip_prefix('"')?;
    Some(&rest[..rest.find('"')?])
}

/// Every file the published sources read at compile time (`include_str!`, `include_bytes!`,
/// `#[path]`; `#[cfg(doctest)]` included, since `cargo test` on the published crate compiles
/// its doctests) is in the package: once, `src/lib.rs` compiled `docs/demo.md` as a doctest,
/// so the package's own doctests did not build.
#[test]
fn the_published_sources_read_only_packaged_files() {
    let listed = packaged();
    let mut sources = Vec::new();
    files(&repo::path("src"), &mut sources);
    let mut outside = Vec::new();
    for source in sources
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
    {
        let text = std::fs::read_to_string(source).unwrap();
        for line in text.lines() {
            let read = ["include_str!(", "include_bytes!(", "#[path ="]
                .into_iter()
                .find_map(|marker| literal_after(line, marker));
            let Some(read) = read else { continue };
            let path = source.parent().unwrap().join(read);
            let packaged = path.exists() && listed.contains(&relative(&path));
            if !packaged {
                outside.push(format!("{}: {read}", relative(source)));
            }
        }
    }
    assert!(
        outside.is_empty(),
        "read by the published sources but not in the package: {outside:?}"
    );
}

/// `cargo package -p kms-lite` ships the sources of the library and the CLI, the README and the
/// licence, and what cargo adds (the manifests, the lock file, the VCS information): no tests,
/// fixtures, benches, scripts or CI files.
#[test]
fn the_package_holds_only_the_library_and_the_cli() {
    let listed = packaged();
    let mut sources = Vec::new();
    files(&repo::path("src"), &mut sources);
    let mut want: BTreeSet<String> = sources
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .map(|p| relative(p))
        .collect();
    assert!(want.contains("src/lib.rs") && want.contains("src/bin/kms-lite/main.rs"));
    for added in [
        "Cargo.toml",
        "Cargo.toml.orig",
        "Cargo.lock",
        "README.md",
        "LICENSE",
    ] {
        want.insert(added.to_owned());
    }
    let extra: Vec<_> = listed.difference(&want).collect();
    let missing: Vec<_> = want.difference(&listed).collect();
    assert!(
        extra.is_empty() && missing.is_empty(),
        "cargo package -p kms-lite: ships {extra:?}; leaves out {missing:?}"
    );
}

/// docs/public-api.md, the note for whoever changes the crate, names every item the public
/// modules declare (the providers as "every provider"): an item added without it is caught
/// here. (The test double's `CannedOutput` and constants, and the adaptive mode's
/// `RateLimiterSnapshot`, were missing from it.)
#[test]
fn the_public_api_note_names_every_public_item() {
    let note = std::fs::read_to_string(repo::path("docs/public-api.md")).unwrap();
    let mut sources: Vec<PathBuf> = [
        "src/clock.rs",
        "src/error.rs",
        "src/http.rs",
        "src/ops/raw.rs",
        "src/retry.rs",
        "src/secret.rs",
        "src/testing.rs",
    ]
    .into_iter()
    .map(repo::path)
    .collect();
    for dir in ["src/retry", "src/credentials"] {
        files(&repo::path(dir), &mut sources);
    }
    let mut missing = Vec::new();
    for source in sources {
        let text = std::fs::read_to_string(&source).unwrap();
        for line in text.lines() {
            let Some(rest) = [
                "pub struct ",
                "pub enum ",
                "pub trait ",
                "pub const ",
                "pub fn ",
            ]
            .iter()
            .find_map(|p| line.strip_prefix(p)) else {
                continue;
            };
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !name.ends_with("Provider") && !note.contains(&format!("`{name}`")) {
                missing.push(format!("{name} ({})", relative(&source)));
            }
        }
    }
    assert!(missing.is_empty(), "not in docs/public-api.md: {missing:?}");
}
