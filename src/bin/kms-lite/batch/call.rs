//! One ReEncrypt call for the batch: through the rate gate (slow start, `--rate`) to the
//! client, and its failure sorted by the library's own retry classification. A failure the
//! client classified as retryable (throttling, 5xx, a reset, a timeout, a truncated body: its
//! `retry_stop` is anything but `NotRetryable`) asks for the item to be tried again later;
//! anything else fails the item.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use kms_lite::error::OperationError;
use kms_lite::{Client, ReEncryptError, ReEncryptRequest};

use super::rate::Gate;
use crate::exit;

/// From this try on, a retryable failure other than throttling may fail its item: once the
/// service has answered other calls since the item first failed (so not during an outage).
/// Throttling never fails an item; the give-up bound covers a service that only throttles.
pub const TRANSIENT_TRIES: u32 = 6;

/// How a failed call is reported: the exit code and the message, as the single calls print it.
pub type Classify = fn(&ReEncryptError) -> (u8, String);

/// What the progress line and the summary show about the requests.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Counts {
    /// Requests sent: every attempt, the client's own retries included.
    pub requests: u64,
    /// Of those, the ones answered with a throttling error.
    pub throttled: u64,
    /// Items sent back to the queue (the queue counts them: a retry the queue turns into a
    /// failure, or the end of the run, is not one).
    pub retried: u64,
    /// Whether the client runs in adaptive retry mode.
    pub adaptive: bool,
    /// Adaptive mode: the client's measured request rate (per second).
    pub measured_rate: Option<f64>,
    /// Adaptive mode, once throttled: the rate the client lets requests through.
    pub limit: Option<f64>,
    /// `--rate`.
    pub cap: Option<f64>,
}

/// Why a call gave no ciphertext.
#[derive(Debug)]
pub enum Failed {
    /// Try the item again after this long (`why`: the error, for the give-up message), or
    /// fail it with `or_fail` (code, message) if the service is up.
    Retry {
        after: Duration,
        why: String,
        or_fail: Option<(u8, String)>,
    },
    /// The item failed. `answered`: the service answered (the give-up clock restarts).
    Item {
        code: u8,
        message: String,
        answered: bool,
    },
    /// The run cannot go on (no credentials).
    Fatal { code: u8, message: String },
}

pub struct Caller {
    client: Client,
    template: ReEncryptRequest,
    gate: Gate,
    rate: Option<f64>,
    classify: Classify,
}

impl Caller {
    /// `template` is the request without its ciphertext; `rate` caps calls started per second;
    /// once `stopped` is set, no more calls start.
    pub fn new(
        client: Client,
        template: ReEncryptRequest,
        rate: Option<f64>,
        classify: Classify,
        stopped: Arc<AtomicBool>,
    ) -> Caller {
        Caller {
            client,
            template,
            gate: Gate::new(rate, stopped),
            rate,
            classify,
        }
    }

    /// The counts so far, from the client's own counters (every attempt); `retried` is the
    /// queue's to fill.
    pub fn counts(&self) -> Counts {
        let l = self.client.rate_limiter();
        Counts {
            requests: l.attempts,
            throttled: l.throttled,
            retried: 0,
            adaptive: l.measured_rate.is_some(),
            measured_rate: l.measured_rate,
            limit: l.fill_rate,
            cap: self.rate,
        }
    }

    /// Re-encrypts `blob`; `tries` counts this try of the item, from 1.
    pub fn re_encrypt(&self, blob: &[u8], tries: u32) -> Result<Vec<u8>, Failed> {
        let mut req = self.template.clone();
        req.ciphertext_blob = Some(blob.to_vec());
        if !self.gate.acquire() {
            // The run is stopping: what this returns is not looked at.
            return Err(Failed::Fatal {
                code: exit::OTHER,
                message: "the run stopped".into(),
            });
        }
        let result = self.client.re_encrypt(&req);
        if !self.gate.slow_start_over() && self.client.rate_limiter().throttled > 0 {
            self.gate.end_slow_start();
        }
        match result {
            Ok(resp) => resp.ciphertext_blob.ok_or_else(|| Failed::Item {
                code: exit::OTHER,
                message: "the response carried no CiphertextBlob".into(),
                answered: true,
            }),
            Err(e) => Err(self.sort(&e, tries)),
        }
    }

    fn sort(&self, e: &ReEncryptError, tries: u32) -> Failed {
        let (code, message) = (self.classify)(e);
        if e.credentials_error().is_some() {
            return Failed::Fatal { code, message };
        }
        let throttled = e.is_throttling();
        let Some(after) = kms_lite::retry::backoff_for(e, tries) else {
            return Failed::Item {
                code,
                message,
                answered: e.service_error().is_some(),
            };
        };
        Failed::Retry {
            after,
            or_fail: (!throttled && tries >= TRANSIENT_TRIES)
                .then(|| (code, format!("tried {tries} times: {message}"))),
            why: message,
        }
    }
}
