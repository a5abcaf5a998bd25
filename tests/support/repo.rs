//! Files of the repository, for the tests, benches and examples that read them (fixtures,
//! scripts, `../shared`). They are targets of the unpublished package in `dev/`, so their
//! `CARGO_MANIFEST_DIR` is `dev/`: paths start from its parent, the repository root.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// The repository root: the directory of the published package's `Cargo.toml`.
pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("dev/ is inside the repository")
}

/// `rel` (`tests/fixtures/...`, `../shared/...`) from the repository root.
pub fn path(rel: &str) -> PathBuf {
    root().join(rel)
}
