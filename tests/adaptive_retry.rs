//! Adaptive retry mode through the client, on `ManualClock`: a throttling response makes the
//! client limit its rate, later attempts wait for the expected times, every thread using the
//! client shares the limiter, and `Client::rate_limiter` shows the state. The arithmetic
//! itself (the SDKs' tables) is tested in `src/retry/`.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, UNIX_EPOCH};

use kms_lite::clock::{Clock, ManualClock};
use kms_lite::config::Env;
use kms_lite::credentials::Credentials;
use kms_lite::error::{OperationError, RetryStop, TransportError, TransportErrorKind};
use kms_lite::http::HttpClient;
use kms_lite::http::{HttpRequest, HttpResponse};
use kms_lite::retry::RetryMode;
use kms_lite::{Client, ClientBuilder, ReEncryptError, ReEncryptRequest};

const OK_BODY: &[u8] = br#"{"CiphertextBlob":"AQID","KeyId":"arn:aws:kms:us-east-1:111122223333:key/new","SourceKeyId":"arn:aws:kms:us-east-1:111122223333:key/old"}"#;
const THROTTLED_BODY: &[u8] = br#"{"__type":"ThrottlingException","message":"Rate exceeded"}"#;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// What the fake service answers to its n-th request (from 0).
#[derive(Debug, Clone, Copy, PartialEq)]
enum Reply {
    Ok,
    Throttle,
    Reset,
}

/// A fake service on the manual clock: answers from a script, taking `latency` of the clock's
/// time per request, and records when each request was sent (monotonic).
#[derive(Debug, Clone)]
struct Service {
    clock: ManualClock,
    latency: Duration,
    script: fn(usize) -> Reply,
    sent: Arc<Mutex<Vec<Duration>>>,
    calls: Arc<AtomicUsize>,
}

impl Service {
    fn new(clock: &ManualClock, script: fn(usize) -> Reply) -> Service {
        Service {
            clock: clock.clone(),
            latency: Duration::ZERO,
            script,
            sent: Arc::default(),
            calls: Arc::default(),
        }
    }

    fn sent(&self) -> Vec<Duration> {
        self.sent.lock().unwrap().clone()
    }
}

impl HttpClient for Service {
    fn send(&self, _: &HttpRequest, _: Option<Duration>) -> Result<HttpResponse, TransportError> {
        self.sent.lock().unwrap().push(self.clock.monotonic());
        let n = self.calls.fetch_add(1, Ordering::SeqCst);
        self.clock.advance(self.latency);
        let (status, body) = match (self.script)(n) {
            Reply::Ok => (200, OK_BODY),
            Reply::Throttle => (400, THROTTLED_BODY),
            Reply::Reset => {
                return Err(TransportError::new(TransportErrorKind::Io, "reset"));
            }
        };
        Ok(HttpResponse::new(
            status,
            vec![("Content-Type".into(), "application/x-amz-json-1.1".into())],
            body.to_vec(),
        ))
    }
}

/// A client over `service` with an empty environment, the manual clock and no jitter (retries
/// after throttling wait 0 s, so every recorded sleep is the limiter's).
fn builder(service: &Service, env: &[(&str, &str)]) -> ClientBuilder {
    Client::builder()
        .env(Env::from_pairs(env.iter().copied()))
        .region("us-east-1")
        .credentials(Credentials::new("AKIDEXAMPLE", "secret", None))
        .http_client(service.clone())
        .clock(service.clock.clone())
        .jitter(|| 0.0)
}

fn adaptive(service: &Service, max_attempts: u32) -> Client {
    builder(service, &[])
        .retry_mode(RetryMode::Adaptive)
        .max_attempts(max_attempts)
        .build()
        .unwrap()
}

fn request() -> ReEncryptRequest {
    ReEncryptRequest::new("alias/new").ciphertext_blob(vec![1, 2, 3])
}

fn clock() -> ManualClock {
    ManualClock::new(UNIX_EPOCH + Duration::from_secs(1_795_915_460))
}

fn first_throttled(n: usize) -> Reply {
    if n == 0 { Reply::Throttle } else { Reply::Ok }
}

#[test]
fn a_throttling_response_makes_later_attempts_wait_for_the_bucket() {
    // 160 calls at 16/s (62.5 ms each, exact in binary), then a throttling response, then
    // successes again.
    let clock = clock();
    let mut service = Service::new(
        &clock,
        |n| {
            if n == 160 { Reply::Throttle } else { Reply::Ok }
        },
    );
    service.latency = Duration::from_micros(62_500);
    let client = adaptive(&service, 3);
    for _ in 0..160 {
        client.re_encrypt(&request()).unwrap();
    }
    let state = client.rate_limiter();
    assert_eq!(state.fill_rate, None);
    let measured = state.measured_rate.unwrap();
    assert!((measured - 16.0).abs() < 1e-9, "{measured}");
    assert!(clock.sleeps().is_empty(), "nothing waits before a throttle");
    client.re_encrypt(&request()).unwrap();
    // Throttled at 10.0625 s: the rate is cut to 0.7 × 16 = 11.2/s and the bucket emptied, so
    // the retry (after its backoff, 0 s with this jitter) waits one token: 1/11.2 s.
    assert_eq!(
        clock.sleeps(),
        vec![Duration::ZERO, Duration::from_nanos(89_285_715)]
    );
    let state = client.rate_limiter();
    assert_eq!((state.attempts, state.throttled), (162, 1));
    let fill = state.fill_rate.unwrap();
    assert!(fill > 11.2 && fill < 16.0, "growing back from 11.2: {fill}");
    // From then on the limiter, not the service, sets the pace: each call waits, the gaps
    // between requests are longer than the service's 62.5 ms and shrink as the rate grows.
    for _ in 0..20 {
        client.re_encrypt(&request()).unwrap();
    }
    assert_eq!(clock.sleeps().len(), 22);
    let sent = service.sent();
    let gaps: Vec<Duration> = sent[162..].windows(2).map(|w| w[1] - w[0]).collect();
    assert!(gaps[0] > Duration::from_millis(80), "{gaps:?}");
    assert!(
        gaps.iter().all(|g| *g > Duration::from_micros(62_500)),
        "{gaps:?}"
    );
    assert!(gaps.windows(2).all(|w| w[1] <= w[0]), "{gaps:?}");
}

#[test]
fn standard_mode_never_waits_for_a_bucket_but_counts_throttling() {
    let clock = clock();
    let service = Service::new(&clock, first_throttled);
    let client = builder(&service, &[]).build().unwrap();
    client.re_encrypt(&request()).unwrap();
    client.re_encrypt(&request()).unwrap();
    assert_eq!(service.sent(), vec![ms(0); 3]);
    assert!(clock.sleeps().iter().all(|s| s.is_zero()));
    let state = client.rate_limiter();
    assert_eq!((state.fill_rate, state.measured_rate), (None, None));
    assert_eq!((state.attempts, state.throttled), (3, 1));
}

#[test]
fn the_mode_comes_from_the_environment_and_legacy_is_standard() {
    let clock = clock();
    let service = Service::new(&clock, |_| Reply::Throttle);
    for (mode, limited) in [("adaptive", true), ("standard", false), ("legacy", false)] {
        let client = builder(&service, &[("AWS_RETRY_MODE", mode)])
            .max_attempts(1)
            .build()
            .unwrap();
        client.re_encrypt(&request()).unwrap_err();
        let state = client.rate_limiter();
        assert_eq!(state.fill_rate.is_some(), limited, "{mode}");
        assert_eq!(state.measured_rate.is_some(), limited, "{mode}");
        assert_eq!(state.throttled, 1, "{mode}");
    }
}

#[test]
fn threads_share_one_limiter() {
    let clock = clock();
    let service = Service::new(&clock, first_throttled);
    let client = adaptive(&service, 1);
    // One thread is throttled...
    let c = client.clone();
    let e = std::thread::spawn(move || c.re_encrypt(&request()).unwrap_err())
        .join()
        .unwrap();
    assert_eq!(e.code(), Some("ThrottlingException"));
    // ...and another thread's call waits for the shared bucket: one attempt started in the
    // first 100 ms (10/s), cut to 7/s, the bucket empty: 1/7 s.
    let c = client.clone();
    std::thread::spawn(move || c.re_encrypt(&request()).unwrap())
        .join()
        .unwrap();
    assert_eq!(
        service.sent(),
        vec![ms(0), Duration::from_nanos(142_857_143)]
    );
    let state = client.rate_limiter();
    assert_eq!((state.attempts, state.throttled), (2, 1));
    assert!(state.fill_rate.is_some());
}

#[test]
fn many_threads_together_get_no_more_than_the_bucket_allows() {
    let clock = clock();
    let service = Service::new(&clock, first_throttled);
    let client = adaptive(&service, 1);
    client.re_encrypt(&request()).unwrap_err();
    // Eight threads at once on an empty bucket filling at 7/s (then faster as the rate grows):
    // none goes before the first token, 1/7 s on, and none is lost or stuck, whatever the
    // interleaving (the manual clock adds up every thread's sleeps, so only the order counts).
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let c = client.clone();
            std::thread::spawn(move || c.re_encrypt(&request()).unwrap())
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let sent = service.sent();
    assert_eq!(sent.len(), 9);
    assert!(sent[1] >= ms(142), "{sent:?}");
    assert!(sent.windows(2).all(|w| w[0] <= w[1]), "{sent:?}");
    assert_eq!(client.rate_limiter().attempts, 9);
}

// A retry whose wait for a token would pass the operation timeout ends the call with the
// failure that made it retry (here the throttling answer, as standard mode's backoff check
// does), not with a transport timeout that hides it (it used to: `is_throttling()` false).
#[test]
fn a_retry_past_the_operation_timeout_returns_the_last_failure() {
    let clock = clock();
    let service = Service::new(&clock, first_throttled);
    let client = builder(&service, &[])
        .retry_mode(RetryMode::Adaptive)
        .max_attempts(3)
        .operation_timeout(ms(100))
        .build()
        .unwrap();
    // Throttled, cut to 7/s; the retry's token is 143 ms away, past the 100 ms timeout.
    let e = client.re_encrypt(&request()).unwrap_err();
    let ReEncryptError::Throttling(t) = &e else {
        panic!("{e:?}")
    };
    assert_eq!(t.retry_stop(), RetryStop::OperationTimeout);
    assert_eq!((e.attempts(), e.is_throttling()), (1, true));
    assert_eq!(
        e.to_string(),
        "An error occurred (ThrottlingException) when calling the ReEncrypt operation \
         (operation timeout reached after 1 attempt): Rate exceeded"
    );
    assert_eq!(service.sent().len(), 1);
    // The backoff (0 s without jitter), and no wait for the token.
    assert_eq!(clock.sleeps(), [Duration::ZERO]);
}

#[test]
fn a_wait_past_the_operation_timeout_fails_at_once() {
    let clock = clock();
    let service = Service::new(&clock, first_throttled);
    let client = builder(&service, &[])
        .retry_mode(RetryMode::Adaptive)
        .max_attempts(1)
        .operation_timeout(ms(100))
        .build()
        .unwrap();
    client.re_encrypt(&request()).unwrap_err();
    // Cut to 7/s: the next token is 143 ms away, past the 100 ms timeout: nothing is sent,
    // nothing slept.
    let e = client.re_encrypt(&request()).unwrap_err();
    let ReEncryptError::Transport(t) = &e else {
        panic!("{e:?}")
    };
    assert_eq!(t.kind(), TransportErrorKind::Timeout);
    assert_eq!(t.retry_stop(), RetryStop::OperationTimeout);
    assert_eq!(e.attempts(), 0);
    assert!(
        e.to_string().contains("before another attempt could start"),
        "{e}"
    );
    assert_eq!(service.sent().len(), 1);
    assert!(clock.sleeps().is_empty());
    // The caller that gave up kept no place in the line: 50 ms later 0.35 of a token is there
    // and the next call waits 0.65/7 s for the rest (second in line, it would wait 1.65/7 s,
    // past its timeout).
    clock.advance(ms(50));
    client.re_encrypt(&request()).unwrap();
    assert_eq!(clock.sleeps(), vec![Duration::from_nanos(92_857_143)]);
    assert_eq!(service.sent().len(), 2);
}

#[test]
fn only_throttling_cuts_the_rate() {
    let clock = clock();
    let mut service = Service::new(&clock, |n| match n % 4 {
        3 => Reply::Reset,
        _ => Reply::Ok,
    });
    service.latency = ms(10);
    let client = adaptive(&service, 1);
    for _ in 0..400 {
        let _ = client.re_encrypt(&request());
    }
    // Four seconds at 100 attempts/s with resets and successes: measured, never limiting, and
    // no attempt waited.
    let state = client.rate_limiter();
    assert_eq!(state.fill_rate, None);
    let measured = state.measured_rate.unwrap();
    assert!((99.0..=101.0).contains(&measured), "{measured}");
    assert_eq!((state.attempts, state.throttled), (400, 0));
    assert!(clock.sleeps().is_empty());
    assert_eq!(service.sent()[399], ms(3990));
}

#[test]
fn after_a_cut_the_rate_grows_back_along_the_curve() {
    // 50 requests/s for 10 s, one throttling response, then 40 s more of successes: the rate is
    // cut to 0.7 of the measured 50/s, then grows back past 50/s.
    let clock = clock();
    let mut service = Service::new(
        &clock,
        |n| if n == 500 { Reply::Throttle } else { Reply::Ok },
    );
    service.latency = ms(20);
    let client = adaptive(&service, 1);
    for _ in 0..500 {
        client.re_encrypt(&request()).unwrap();
    }
    assert_eq!(client.rate_limiter().fill_rate, None);
    client.re_encrypt(&request()).unwrap_err();
    let cut = client.rate_limiter().fill_rate.unwrap();
    assert!((cut - 35.0).abs() < 1e-6, "{cut}");
    // The curve (C = 0.4 × √5) takes K = ∛(50 × 0.3 / C) ≈ 2.56 s to come back to 50/s, then
    // rises above.
    let mut rates = Vec::new();
    for _ in 0..2000 {
        client.re_encrypt(&request()).unwrap();
        rates.push((clock.monotonic(), client.rate_limiter().fill_rate.unwrap()));
    }
    let at = |secs: f64| {
        rates
            .iter()
            .find(|(t, _)| t.as_secs_f64() >= 10.02 + secs)
            .unwrap()
            .1
    };
    assert!(at(0.5) < 50.0 && at(0.5) > 35.0, "{}", at(0.5));
    assert!(at(2.0) > at(1.0) && at(1.0) > at(0.5));
    assert!(at(10.0) > 50.0, "{}", at(10.0));
    assert_eq!(client.rate_limiter().throttled, 1);
}

#[test]
fn throttling_does_not_spend_the_retry_quota_in_adaptive_mode() {
    // 100 calls throttled twice each (100 retries after throttling: 500 units of quota in
    // standard mode, all of it), then a reset that one retry would fix.
    fn script(n: usize) -> Reply {
        match n {
            0..200 => Reply::Throttle,
            200 => Reply::Reset,
            _ => Reply::Ok,
        }
    }
    for (mode, retried) in [(RetryMode::Standard, false), (RetryMode::Adaptive, true)] {
        let clock = clock();
        let service = Service::new(&clock, script);
        let client = builder(&service, &[])
            .retry_mode(mode)
            .max_attempts(2)
            .build()
            .unwrap();
        for _ in 0..100 {
            let e = client.re_encrypt(&request()).unwrap_err();
            assert_eq!(e.code(), Some("ThrottlingException"));
            assert_eq!(e.attempts(), 2, "{mode:?}");
        }
        let result = client.re_encrypt(&request());
        match result {
            Ok(_) => assert!(retried, "{mode:?}"),
            Err(e) => {
                assert!(!retried, "{mode:?}: {e}");
                let ReEncryptError::Transport(t) = &e else {
                    panic!("{e:?}")
                };
                assert_eq!(t.retry_stop(), RetryStop::QuotaExhausted);
                assert_eq!(e.attempts(), 1);
            }
        }
        assert_eq!(client.rate_limiter().throttled, 200, "{mode:?}");
    }
}
