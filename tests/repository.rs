//! What the repository holds: no copy of the data copied from public repositories, which stays
//! in `../shared` beside the checkout (issue 9 item 24: the SigV4 suite once sat in
//! `tests/data/sigv4-test-suite/`). Every file of `../shared/sigv4-test-suite/` and
//! `../shared/aws-test-data/` is compared, by content, with every file of the checkout.

#[path = "support/shared_data.rs"]
mod shared_data;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

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
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
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
