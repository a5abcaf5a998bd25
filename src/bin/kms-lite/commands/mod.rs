//! One module per command: its declaration (options, help) and its `run`; and what they share.
//! A new command is a new module and one line in [`ALL`].

pub mod call;
pub mod completion;
pub mod decrypt;
pub mod encrypt;
pub mod generate_data_key;
pub mod generate_data_key_without_plaintext;
pub mod re_encrypt;
pub mod re_encrypt_batch;
pub mod shared;

use crate::args::Command;

/// Every command, in the order help lists them.
pub static ALL: &[&Command] = &[
    &encrypt::COMMAND,
    &decrypt::COMMAND,
    &generate_data_key::COMMAND,
    &generate_data_key_without_plaintext::COMMAND,
    &re_encrypt::COMMAND,
    &re_encrypt_batch::COMMAND,
    &call::COMMAND,
    &completion::COMMAND,
];
