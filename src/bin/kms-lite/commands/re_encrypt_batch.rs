//! `kms-lite re-encrypt-batch`: the command's options turned into a client, a request template
//! and the batch's options; the engine is [`crate::batch`].

use kms_lite::ReEncryptError;
use kms_lite::retry::RetryMode;

use super::shared;
use crate::Failure;
use crate::args::{BatchArgs, BatchInput, Globals};
use crate::batch::{self, Input, Options};

pub mod cli;

pub use cli::COMMAND;

/// The retry mode when neither `AWS_RETRY_MODE` nor the profile's `retry_mode` sets one: the
/// batch finds the account's unknown quota by itself (docs/batch.md, "Rate control").
pub const BATCH_RETRY_MODE: RetryMode = RetryMode::Adaptive;

pub fn run(g: &Globals, a: &BatchArgs) -> Result<(), Failure> {
    let template = a.request.clone();
    let client = shared::build_client(g, Some(BATCH_RETRY_MODE))?;
    let options = Options {
        input: match &a.input {
            BatchInput::Lines(p) => Input::Lines(p.clone()),
            BatchInput::Dir(d) => Input::Dir(d.clone()),
        },
        output_file: a.output_file.clone(),
        journal: a.journal.clone(),
        concurrency: a.concurrency,
        rate: a.rate,
        shard: a.shard,
        give_up_after: a.give_up_after.unwrap_or(batch::DEFAULT_GIVE_UP),
    };
    batch::run(
        client,
        template,
        shared::classify::<ReEncryptError>,
        &options,
    )
}
