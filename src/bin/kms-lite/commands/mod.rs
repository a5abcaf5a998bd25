//! One module per command.

pub mod re_encrypt;
