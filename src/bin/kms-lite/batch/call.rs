//! One ReEncrypt call for the batch: through the rate gate to the client, and its failure sorted
//! by the library's own retry classification. A failure the client classified as retryable
//! (throttling, 5xx, a reset, a timeout, a truncated body: its `retry_stop` is anything but
//! `NotRetryable`) asks for the item to be tried again later; anything else fails the item.

use std::sync::atomic::{AtomicU64, Ordering};
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

/// What the batch counts about its calls (read by the progress line and the summary).
#[derive(Debug, Default)]
pub struct Stats {
    /// Calls made (each may hold several attempts of the client's own retries).
    pub calls: AtomicU64,
    /// Calls that ended throttled.
    pub throttled: AtomicU64,
    /// Items sent back to the queue.
    pub retried: AtomicU64,
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
    classify: Classify,
    pub stats: Stats,
}

impl Caller {
    /// `template` is the request without its ciphertext; `rate` caps requests per second.
    pub fn new(
        client: Client,
        template: ReEncryptRequest,
        rate: Option<f64>,
        classify: Classify,
    ) -> Caller {
        Caller {
            client,
            template,
            gate: Gate::new(rate),
            classify,
            stats: Stats::default(),
        }
    }

    /// Re-encrypts `blob`; `tries` counts this try of the item, from 1.
    pub fn re_encrypt(&self, blob: &[u8], tries: u32) -> Result<Vec<u8>, Failed> {
        let mut req = self.template.clone();
        req.ciphertext_blob = Some(blob.to_vec());
        self.gate.acquire();
        self.stats.calls.fetch_add(1, Ordering::Relaxed);
        match self.client.re_encrypt(&req) {
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
        if throttled {
            self.stats.throttled.fetch_add(1, Ordering::Relaxed);
        }
        let Some(after) = kms_lite::retry::backoff_for(e, tries) else {
            return Failed::Item {
                code,
                message,
                answered: e.service_error().is_some(),
            };
        };
        self.stats.retried.fetch_add(1, Ordering::Relaxed);
        Failed::Retry {
            after,
            or_fail: (!throttled && tries >= TRANSIENT_TRIES)
                .then(|| (code, format!("tried {tries} times: {message}"))),
            why: message,
        }
    }
}
