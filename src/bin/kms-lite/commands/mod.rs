//! One module per command (the single-call operations share one), and what they share.

pub mod ops;
pub mod re_encrypt;
pub mod re_encrypt_batch;
pub mod shared;

pub use ops::run as run_op;
