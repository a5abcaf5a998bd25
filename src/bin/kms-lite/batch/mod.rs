//! The parts of `re-encrypt-batch`: the journal that makes a run resumable, the shared rate
//! gate, and the progress line.

pub mod journal;
pub mod progress;
pub mod rate;
