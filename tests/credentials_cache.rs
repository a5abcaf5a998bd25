//! The credentials cache: reuse until five minutes before expiry, one refresh for all threads,
//! a failed refresh keeps still-valid credentials.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier, Mutex};
use std::thread;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use kms_lite::clock::ManualClock;
use kms_lite::credentials::{Credentials, CredentialsCache, CredentialsError, ProvideCredentials};

const NOW: u64 = 1_795_953_600;

fn start() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(NOW)
}

/// Answers from a script, counting calls, optionally slowly.
#[derive(Debug, Default)]
struct Scripted {
    answers: Mutex<VecDeque<Result<Credentials, CredentialsError>>>,
    calls: AtomicUsize,
    delay: Duration,
}

impl Scripted {
    fn new(answers: Vec<Result<Credentials, CredentialsError>>, delay: Duration) -> Arc<Self> {
        Arc::new(Scripted {
            answers: Mutex::new(answers.into()),
            calls: AtomicUsize::new(0),
            delay,
        })
    }
    fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }
}

impl ProvideCredentials for Scripted {
    fn provide_credentials(&self) -> Result<Credentials, CredentialsError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        thread::sleep(self.delay);
        self.answers
            .lock()
            .unwrap()
            .pop_front()
            .unwrap_or_else(|| Err(CredentialsError::new("script exhausted")))
    }
}

fn temp(id: &str, expires_in: Duration) -> Credentials {
    Credentials::new(id, "secret", Some("token".into())).with_expiry(Some(start() + expires_in))
}

fn cache(inner: &Arc<Scripted>, clock: &ManualClock) -> CredentialsCache {
    CredentialsCache::with_clock(inner.clone(), Arc::new(clock.clone()))
}

#[test]
fn static_credentials_are_fetched_once() {
    let inner = Scripted::new(
        vec![Ok(Credentials::new("AKID", "s", None))],
        Duration::ZERO,
    );
    let clock = ManualClock::new(start());
    let c = cache(&inner, &clock);
    for _ in 0..5 {
        assert_eq!(c.provide_credentials().unwrap().access_key_id(), "AKID");
        clock.advance(Duration::from_secs(86_400));
    }
    assert_eq!(inner.calls(), 1);
}

#[test]
fn temporary_credentials_are_reused_until_five_minutes_before_expiry() {
    let hour = Duration::from_secs(3600);
    let inner = Scripted::new(
        vec![Ok(temp("FIRST", hour)), Ok(temp("SECOND", 3 * hour))],
        Duration::ZERO,
    );
    let clock = ManualClock::new(start());
    let c = cache(&inner, &clock);
    assert_eq!(c.provide_credentials().unwrap().access_key_id(), "FIRST");
    // Credentials are refreshed five minutes before they expire, as the SDKs do.
    clock.advance(hour - Duration::from_secs(5 * 60) - Duration::from_secs(1));
    assert_eq!(c.provide_credentials().unwrap().access_key_id(), "FIRST");
    assert_eq!(inner.calls(), 1);
    clock.advance(Duration::from_secs(1));
    assert_eq!(c.provide_credentials().unwrap().access_key_id(), "SECOND");
    assert_eq!(c.provide_credentials().unwrap().access_key_id(), "SECOND");
    assert_eq!(inner.calls(), 2);
}

#[test]
fn failed_refresh_keeps_still_valid_credentials() {
    let hour = Duration::from_secs(3600);
    let inner = Scripted::new(
        vec![
            Ok(temp("FIRST", hour)),
            Err(CredentialsError::new("STS is down")),
            Err(CredentialsError::new("STS is still down")),
        ],
        Duration::ZERO,
    );
    let clock = ManualClock::new(start());
    let c = cache(&inner, &clock);
    c.provide_credentials().unwrap();
    clock.advance(hour - Duration::from_secs(60));
    assert_eq!(c.provide_credentials().unwrap().access_key_id(), "FIRST");
    clock.advance(Duration::from_secs(60));
    let err = c.provide_credentials().unwrap_err();
    assert_eq!(err.message(), "STS is still down");
    assert_eq!(inner.calls(), 3);
}

#[test]
fn concurrent_callers_share_one_fetch() {
    let inner = Scripted::new(
        vec![Ok(temp("ONCE", Duration::from_secs(3600)))],
        Duration::from_millis(200),
    );
    let clock = ManualClock::new(start());
    let c = Arc::new(cache(&inner, &clock));
    let barrier = Arc::new(Barrier::new(8));
    let handles: Vec<_> = (0..8)
        .map(|_| {
            let (c, barrier) = (Arc::clone(&c), Arc::clone(&barrier));
            thread::spawn(move || {
                barrier.wait();
                c.provide_credentials()
                    .map(|x| x.access_key_id().to_owned())
            })
        })
        .collect();
    for h in handles {
        assert_eq!(h.join().unwrap().unwrap(), "ONCE");
    }
    assert_eq!(inner.calls(), 1);
}

#[test]
fn concurrent_callers_share_one_failure() {
    let inner = Scripted::new(
        vec![Err(CredentialsError::new("denied"))],
        Duration::from_millis(200),
    );
    let clock = ManualClock::new(start());
    let c = Arc::new(cache(&inner, &clock));
    let barrier = Arc::new(Barrier::new(4));
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let (c, barrier) = (Arc::clone(&c), Arc::clone(&barrier));
            thread::spawn(move || {
                barrier.wait();
                c.provide_credentials().map(|_| ())
            })
        })
        .collect();
    for h in handles {
        assert_eq!(h.join().unwrap().unwrap_err().message(), "denied");
    }
    assert_eq!(inner.calls(), 1);
}

#[test]
fn refresh_in_the_window_replaces_the_credentials() {
    let hour = Duration::from_secs(3600);
    let inner = Scripted::new(
        vec![Ok(temp("OLD", hour)), Ok(temp("NEW", 3 * hour))],
        Duration::ZERO,
    );
    let clock = ManualClock::new(start());
    let c = cache(&inner, &clock);
    c.provide_credentials().unwrap();
    clock.advance(hour - Duration::from_secs(120));
    assert_eq!(c.provide_credentials().unwrap().access_key_id(), "NEW");
    assert_eq!(c.provide_credentials().unwrap().access_key_id(), "NEW");
    assert_eq!(inner.calls(), 2);
}

#[test]
fn a_caller_during_a_refresh_keeps_using_still_valid_credentials() {
    let hour = Duration::from_secs(3600);
    let gate = Gate::new(hour);
    let clock = ManualClock::new(start());
    let c = Arc::new(CredentialsCache::with_clock(
        gate.clone(),
        Arc::new(clock.clone()),
    ));
    assert_eq!(c.provide_credentials().unwrap().access_key_id(), "OLD");
    clock.advance(hour - Duration::from_secs(120));
    let refresher = {
        let c = Arc::clone(&c);
        thread::spawn(move || c.provide_credentials().unwrap().access_key_id().to_owned())
    };
    gate.wait_until_fetching();
    // The refresh is in flight and blocked: this caller must not wait for it.
    assert_eq!(c.provide_credentials().unwrap().access_key_id(), "OLD");
    gate.release();
    assert_eq!(refresher.join().unwrap(), "NEW");
    assert_eq!(c.provide_credentials().unwrap().access_key_id(), "NEW");
}

/// First call answers OLD at once; the second blocks until released, then answers NEW.
#[derive(Debug)]
struct Gate {
    state: Mutex<(usize, bool)>,
    changed: std::sync::Condvar,
    hour: Duration,
}

impl Gate {
    fn new(hour: Duration) -> Arc<Gate> {
        Arc::new(Gate {
            state: Mutex::new((0, false)),
            changed: std::sync::Condvar::new(),
            hour,
        })
    }
    fn wait_until_fetching(&self) {
        let mut s = self.state.lock().unwrap();
        while s.0 < 2 {
            s = self.changed.wait(s).unwrap();
        }
    }
    fn release(&self) {
        self.state.lock().unwrap().1 = true;
        self.changed.notify_all();
    }
}

impl ProvideCredentials for Gate {
    fn provide_credentials(&self) -> Result<Credentials, CredentialsError> {
        let mut s = self.state.lock().unwrap();
        s.0 += 1;
        self.changed.notify_all();
        if s.0 == 1 {
            return Ok(temp("OLD", self.hour));
        }
        while !s.1 {
            s = self.changed.wait(s).unwrap();
        }
        Ok(temp("NEW", 3 * self.hour))
    }
}
