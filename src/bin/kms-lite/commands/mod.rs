//! One module per command, and what they share.

pub mod re_encrypt;
pub mod re_encrypt_batch;
pub mod shared;
