//! The doctests of the repository's Markdown documents that the published package does not
//! ship: compiled here, against kms-lite as a dependency, so that `cargo test` on the published
//! crate builds from the package alone (tests/repository.rs checks that).

#[cfg(doctest)]
#[doc = include_str!("../docs/demo.md")]
struct DemoDoctests;
