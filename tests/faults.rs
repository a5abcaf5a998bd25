//! Fault tests on loopback: a scripted server (tests/harness) throttles, fails, resets,
//! stalls, truncates and lies about its clock; each test checks how many requests arrived,
//! the result, the `amz-sdk-request` headers, the constant invocation id and the backoff delays
//! (through `ManualClock`, never wall-clock timing).

mod harness;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use harness::{Action, Received, Scripted, http_response, is_uuid_v4, json_error};
use kms_lite::clock::{Clock, ManualClock};
use kms_lite::config::Env;
use kms_lite::credentials::Credentials;
use kms_lite::error::{OperationError, RetryStop, TransportError, TransportErrorKind};
use kms_lite::testing::{MockKms, Reply};
use kms_lite::{Client, ClientBuilder, ReEncryptError, ReEncryptRequest};

/// 2026-11-29T01:24:20Z.
const PINNED: u64 = 1_795_915_460;

const OK_BODY: &[u8] = br#"{"CiphertextBlob":"AQID","KeyId":"arn:aws:kms:us-east-1:111122223333:key/new","SourceKeyId":"arn:aws:kms:us-east-1:111122223333:key/old"}"#;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn ok() -> Action {
    Action::Respond(http_response(
        200,
        &[("Content-Type", "application/x-amz-json-1.1")],
        OK_BODY,
    ))
}

fn err(status: u16, code: &str) -> Action {
    Action::Respond(json_error(status, code, &[]))
}

fn pinned_clock() -> ManualClock {
    ManualClock::new(UNIX_EPOCH + Duration::from_secs(PINNED))
}

/// A client for `server` with an empty environment, the manual clock, and jitter 1 (so every
/// backoff is its ceiling).
fn builder(addr: std::net::SocketAddr, clock: &ManualClock) -> ClientBuilder {
    Client::builder()
        .env(Env::from_pairs::<&str, &str>([]))
        .region("us-east-1")
        .endpoint_url("http://kms.us-east-1.amazonaws.com")
        .connect_to(addr)
        .credentials(Credentials::new(
            "AKIDEXAMPLE",
            "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            None,
        ))
        .clock(clock.clone())
        .jitter(|| 1.0)
        .connect_timeout(Duration::from_secs(10))
        .read_timeout(Duration::from_secs(10))
}

fn request() -> ReEncryptRequest {
    ReEncryptRequest::new("alias/new").ciphertext_blob(vec![1, 2, 3])
}

/// The transport error `e` must be.
fn transport(e: &ReEncryptError) -> &TransportError {
    match e {
        ReEncryptError::Transport(t) => t,
        _ => panic!("{e:?}"),
    }
}

/// Every request carries `attempt=i; max=max` in order, one invocation id, and a signature.
fn assert_attempt_headers(received: &[Received], max: u32) {
    let id = received[0]
        .header("amz-sdk-invocation-id")
        .expect("invocation id")
        .to_owned();
    assert!(is_uuid_v4(&id), "{id:?}");
    for (i, r) in received.iter().enumerate() {
        assert_eq!(
            r.header("amz-sdk-request"),
            Some(format!("attempt={}; max={max}", i + 1).as_str()),
            "request {i}"
        );
        assert_eq!(r.header("amz-sdk-invocation-id"), Some(id.as_str()));
        assert!(
            r.header("authorization")
                .is_some_and(|a| a.starts_with("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/"))
        );
    }
}

fn amz_date(t: SystemTime) -> String {
    let secs = t.duration_since(UNIX_EPOCH).unwrap().as_secs() as i64;
    let d = time::OffsetDateTime::from_unix_timestamp(secs).unwrap();
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        d.year(),
        u8::from(d.month()),
        d.day(),
        d.hour(),
        d.minute(),
        d.second()
    )
}

fn http_date(t: SystemTime) -> String {
    let secs = t.duration_since(UNIX_EPOCH).unwrap().as_secs() as i64;
    let d = time::OffsetDateTime::from_unix_timestamp(secs).unwrap();
    const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    format!(
        "{}, {:02} {} {:04} {:02}:{:02}:{:02} GMT",
        DAYS[d.weekday().number_days_from_monday() as usize],
        d.day(),
        MONTHS[u8::from(d.month()) as usize - 1],
        d.year(),
        d.hour(),
        d.minute(),
        d.second()
    )
}

#[test]
fn throttled_twice_then_succeeds_with_one_second_base() {
    let server = Scripted::start(vec![
        err(400, "ThrottlingException"),
        err(400, "ThrottlingException"),
        ok(),
    ]);
    let clock = pinned_clock();
    let client = builder(server.addr, &clock).build().unwrap();
    let out = client
        .re_encrypt(&request())
        .expect("third attempt succeeds");
    assert_eq!(out.ciphertext_blob.as_deref(), Some(&[1u8, 2, 3][..]));
    let received = server.requests();
    assert_eq!(received.len(), 3);
    assert_attempt_headers(&received, 3);
    // Throttling: ceilings 1 s then 2 s; jitter 1 gives exactly the ceiling.
    assert_eq!(clock.sleeps(), vec![ms(1000), ms(2000)]);
    // Every attempt is signed afresh, at the time it is sent.
    let start = UNIX_EPOCH + Duration::from_secs(PINNED);
    for (r, after) in received.iter().zip([0, 1, 3]) {
        assert_eq!(
            r.header("x-amz-date"),
            Some(amz_date(start + Duration::from_secs(after)).as_str())
        );
    }
    let sigs: std::collections::BTreeSet<_> =
        received.iter().map(|r| r.header("authorization")).collect();
    assert_eq!(sigs.len(), 3, "each attempt has its own signature");
}

#[test]
fn server_errors_500_html_502_503_are_retried_with_the_short_base() {
    let html = http_response(
        502,
        &[("Content-Type", "text/html")],
        b"<html><body><h1>502 Bad Gateway</h1></body></html>",
    );
    let server = Scripted::start(vec![
        Action::Respond(http_response(500, &[], b"")),
        Action::Respond(html),
        err(503, "ServiceUnavailableException"),
        ok(),
    ]);
    let clock = pinned_clock();
    let client = builder(server.addr, &clock)
        .max_attempts(4)
        .build()
        .unwrap();
    client
        .re_encrypt(&request())
        .expect("fourth attempt succeeds");
    let received = server.requests();
    assert_eq!(received.len(), 4);
    assert_attempt_headers(&received, 4);
    assert_eq!(clock.sleeps(), vec![ms(50), ms(100), ms(200)]);
}

#[test]
fn kms_server_faults_and_504_exhaust_max_attempts() {
    let server = Scripted::start(vec![
        err(500, "KMSInternalException"),
        err(500, "DependencyTimeoutException"),
        err(504, "KeyUnavailableException"),
    ]);
    let clock = pinned_clock();
    let client = builder(server.addr, &clock).build().unwrap();
    let e = client.re_encrypt(&request()).unwrap_err();
    assert_eq!(e.code(), Some("KeyUnavailableException"));
    assert_eq!(e.attempts(), 3);
    assert_eq!(
        e.service_error().unwrap().retry_stop(),
        RetryStop::MaxAttempts
    );
    assert!(e.to_string().contains("(reached max retries: 2)"), "{e}");
    let received = server.requests();
    assert_eq!(received.len(), 3);
    assert_attempt_headers(&received, 3);
    assert_eq!(clock.sleeps(), vec![ms(50), ms(100)]);
}

#[test]
fn status_429_is_throttling_and_x_amz_retry_after_raises_the_delay() {
    let server = Scripted::start(vec![
        Action::Respond(http_response(429, &[], b"")),
        Action::Respond(json_error(
            503,
            "SlowDown",
            &[("x-amz-retry-after", "7000")],
        )),
        ok(),
    ]);
    let clock = pinned_clock();
    let client = builder(server.addr, &clock).jitter(|| 0.0).build().unwrap();
    client.re_encrypt(&request()).unwrap();
    assert_eq!(server.requests().len(), 3);
    assert_attempt_headers(&server.requests(), 3);
    // Jitter 0: no delay, except the server's 7 s hint.
    assert_eq!(clock.sleeps(), vec![ms(0), ms(7000)]);
}

#[test]
fn non_retryable_400_returns_after_one_attempt() {
    for code in [
        "AccessDeniedException",
        "ValidationException",
        "NotFoundException",
    ] {
        let server = Scripted::start(vec![err(400, code), ok()]);
        let clock = pinned_clock();
        let client = builder(server.addr, &clock)
            .max_attempts(5)
            .build()
            .unwrap();
        let e = client.re_encrypt(&request()).unwrap_err();
        assert_eq!(e.code(), Some(code));
        assert_eq!(e.attempts(), 1);
        assert_eq!(
            e.service_error().unwrap().retry_stop(),
            RetryStop::NotRetryable
        );
        assert_eq!(server.requests().len(), 1, "{code}");
        assert_attempt_headers(&server.requests(), 5);
        assert!(clock.sleeps().is_empty());
    }
}

#[test]
fn connection_closed_before_and_after_the_request_is_retried() {
    let server = Scripted::start(vec![Action::CloseAtOnce, Action::CloseAfterRequest, ok()]);
    let clock = pinned_clock();
    let client = builder(server.addr, &clock).build().unwrap();
    client
        .re_encrypt(&request())
        .expect("third attempt succeeds");
    assert_eq!(server.connections(), 3);
    // The first connection was closed unread: its request never arrived.
    let received = server.requests();
    assert_eq!(received.len(), 2);
    assert_eq!(
        received[0].header("amz-sdk-request"),
        Some("attempt=2; max=3")
    );
    assert_eq!(
        received[1].header("amz-sdk-request"),
        Some("attempt=3; max=3")
    );
    assert_eq!(
        received[0].header("amz-sdk-invocation-id"),
        received[1].header("amz-sdk-invocation-id")
    );
    assert_eq!(clock.sleeps(), vec![ms(50), ms(100)]);
}

#[test]
fn connections_closed_every_time_give_a_retryable_transport_error() {
    let server = Scripted::start(vec![Action::CloseAfterRequest; 3]);
    let clock = pinned_clock();
    let client = builder(server.addr, &clock).build().unwrap();
    let e = client.re_encrypt(&request()).unwrap_err();
    let t = transport(&e);
    assert!(t.kind().is_retryable(), "{t:?}");
    assert_eq!(t.attempts(), 3);
    assert_eq!(t.retry_stop(), RetryStop::MaxAttempts);
    assert_eq!(server.requests().len(), 3);
    assert_attempt_headers(&server.requests(), 3);
    assert_eq!(clock.sleeps(), vec![ms(50), ms(100)]);
}

#[test]
fn connection_refused_is_retried() {
    let addr = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let clock = pinned_clock();
    let client = builder(addr, &clock).build().unwrap();
    let e = client.re_encrypt(&request()).unwrap_err();
    let t = transport(&e);
    assert_eq!(t.kind(), TransportErrorKind::Connect, "{t:?}");
    assert_eq!(t.attempts(), 3);
    assert_eq!(clock.sleeps(), vec![ms(50), ms(100)]);
}

// Read timeouts here are real time: generous where a success must arrive after the stall
// (a loaded machine must not turn it into a second timeout), short where only a timeout can
// come. Nothing asserts how long anything took.
#[test]
fn a_stalled_server_is_cut_off_by_the_read_timeout() {
    let server = Scripted::start(vec![Action::Stall, ok()]);
    let clock = pinned_clock();
    let client = builder(server.addr, &clock)
        .read_timeout(ms(1000))
        .build()
        .unwrap();
    client
        .re_encrypt(&request())
        .expect("second attempt succeeds");
    let received = server.requests();
    assert_eq!(received.len(), 2);
    assert_attempt_headers(&received, 3);
    assert_eq!(clock.sleeps(), vec![ms(50)]);
}

#[test]
fn a_stall_on_every_attempt_ends_in_a_timeout_error() {
    let server = Scripted::start(vec![Action::Stall, Action::Stall]);
    let clock = pinned_clock();
    let client = builder(server.addr, &clock)
        .read_timeout(ms(200))
        .max_attempts(2)
        .build()
        .unwrap();
    let e = client.re_encrypt(&request()).unwrap_err();
    let t = transport(&e);
    assert_eq!(t.kind(), TransportErrorKind::Timeout, "{t:?}");
    assert_eq!(t.attempts(), 2);
    assert_eq!(server.requests().len(), 2);
}

#[test]
fn a_body_stalled_mid_way_is_cut_off_by_the_read_timeout() {
    // The head and part of the body arrive, then nothing.
    let mut partial = http_response(200, &[], OK_BODY);
    partial.truncate(partial.len() - 20);
    let server = Scripted::start(vec![Action::SendThenStall(partial), ok()]);
    let clock = pinned_clock();
    let client = builder(server.addr, &clock)
        .read_timeout(ms(1000))
        .build()
        .unwrap();
    client
        .re_encrypt(&request())
        .expect("second attempt succeeds");
    assert_eq!(server.requests().len(), 2);
    assert_attempt_headers(&server.requests(), 3);
    assert_eq!(clock.sleeps(), vec![ms(50)]);

    // Alone, the stalled body is a timeout, not a partial parse.
    let mut partial = http_response(200, &[], OK_BODY);
    partial.truncate(partial.len() - 20);
    let server = Scripted::start(vec![Action::SendThenStall(partial)]);
    let client = builder(server.addr, &clock)
        .read_timeout(ms(200))
        .max_attempts(1)
        .build()
        .unwrap();
    let e = client.re_encrypt(&request()).unwrap_err();
    assert_eq!(transport(&e).kind(), TransportErrorKind::Timeout, "{e:?}");
}

#[test]
fn a_trickling_body_is_cut_off_by_the_receive_bound() {
    // One byte every 50 ms never trips a 300 ms per-read timeout, but the body as a whole
    // (about 7 s) must arrive within the read timeout too.
    let head = format!(
        "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        OK_BODY.len()
    );
    let server = Scripted::start(vec![Action::Trickle(head.into_bytes(), OK_BODY.to_vec())]);
    let clock = pinned_clock();
    let client = builder(server.addr, &clock)
        .read_timeout(ms(300))
        .max_attempts(1)
        .build()
        .unwrap();
    let e = client.re_encrypt(&request()).unwrap_err();
    assert_eq!(transport(&e).kind(), TransportErrorKind::Timeout, "{e:?}");
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn a_body_shorter_than_its_content_length_is_truncated_and_retried() {
    let mut short = http_response(200, &[], OK_BODY);
    short.truncate(short.len() - 10);
    let server = Scripted::start(vec![Action::Respond(short), ok()]);
    let clock = pinned_clock();
    let client = builder(server.addr, &clock).build().unwrap();
    let out = client.re_encrypt(&request()).expect("second attempt");
    assert_eq!(
        out.key_id.as_deref(),
        Some("arn:aws:kms:us-east-1:111122223333:key/new")
    );
    assert_eq!(server.requests().len(), 2);
    assert_attempt_headers(&server.requests(), 3);
    assert_eq!(clock.sleeps(), vec![ms(50)]);
}

#[test]
fn truncation_on_every_attempt_is_reported_never_parsed() {
    let mut short = http_response(200, &[], OK_BODY);
    short.truncate(short.len() - 1);
    let mut error_short = json_error(400, "NotFoundException", &[]);
    error_short.truncate(error_short.len() - 5);
    let server = Scripted::start(vec![Action::Respond(error_short), Action::Respond(short)]);
    let clock = pinned_clock();
    let client = builder(server.addr, &clock)
        .max_attempts(2)
        .build()
        .unwrap();
    let e = client.re_encrypt(&request()).unwrap_err();
    let t = transport(&e);
    assert_eq!(t.kind(), TransportErrorKind::Truncated, "{t:?}");
    assert_eq!(t.attempts(), 2);
    assert!(e.to_string().contains("reached max retries: 1"), "{e}");
}

#[test]
fn a_chunked_body_that_ends_early_is_an_error() {
    let chunked = |end: &[u8]| {
        let mut r =
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n".to_vec();
        r.extend_from_slice(format!("{:x}\r\n", OK_BODY.len()).as_bytes());
        r.extend_from_slice(OK_BODY);
        r.extend_from_slice(b"\r\n");
        r.extend_from_slice(end);
        r
    };
    // Without the final zero-size chunk; then cut inside a chunk; then whole.
    let mut mid_chunk = chunked(b"");
    mid_chunk.truncate(mid_chunk.len() - 30);
    let server = Scripted::start(vec![
        Action::Respond(chunked(b"")),
        Action::Respond(mid_chunk),
        Action::Respond(chunked(b"0\r\n\r\n")),
    ]);
    let clock = pinned_clock();
    let client = builder(server.addr, &clock).build().unwrap();
    client
        .re_encrypt(&request())
        .expect("the whole chunked body parses");
    assert_eq!(server.requests().len(), 3);
    assert_eq!(clock.sleeps(), vec![ms(50), ms(100)]);

    let mut mid_chunk = chunked(b"");
    mid_chunk.truncate(mid_chunk.len() - 30);
    let server = Scripted::start(vec![Action::Respond(mid_chunk)]);
    let client = builder(server.addr, &clock)
        .max_attempts(1)
        .build()
        .unwrap();
    let e = client.re_encrypt(&request()).unwrap_err();
    let t = transport(&e);
    assert!(
        matches!(
            t.kind(),
            TransportErrorKind::Truncated | TransportErrorKind::Io
        ),
        "{t:?}"
    );
}

#[test]
fn a_body_over_the_cap_is_refused_and_not_retried() {
    let big = vec![b' '; 4096];
    let server = Scripted::start(vec![Action::Respond(http_response(200, &[], &big)), ok()]);
    let clock = pinned_clock();
    let client = builder(server.addr, &clock)
        .max_response_bytes(1024)
        .build()
        .unwrap();
    let e = client.re_encrypt(&request()).unwrap_err();
    let t = transport(&e);
    assert_eq!(t.kind(), TransportErrorKind::BodyTooLarge);
    assert_eq!(t.attempts(), 1);
    assert_eq!(server.requests().len(), 1);

    // The same without a Content-Length (chunked): read up to the cap, then refused.
    let mut chunked =
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n".to_vec();
    chunked.extend_from_slice(format!("{:x}\r\n", big.len()).as_bytes());
    chunked.extend_from_slice(&big);
    chunked.extend_from_slice(b"\r\n0\r\n\r\n");
    let server = Scripted::start(vec![Action::Respond(chunked)]);
    let client = builder(server.addr, &clock)
        .max_response_bytes(1024)
        .build()
        .unwrap();
    let e = client.re_encrypt(&request()).unwrap_err();
    assert_eq!(
        transport(&e).kind(),
        TransportErrorKind::BodyTooLarge,
        "{e:?}"
    );
}

#[test]
fn a_huge_content_length_is_refused_before_reading() {
    // 1 EB declared, 2 bytes sent: refused from the header alone, nothing of that size allocated.
    let response =
        b"HTTP/1.1 200 OK\r\nContent-Length: 1000000000000000000\r\nConnection: close\r\n\r\n{}"
            .to_vec();
    let server = Scripted::start(vec![Action::Respond(response)]);
    let clock = pinned_clock();
    let client = builder(server.addr, &clock)
        .max_response_bytes(64)
        .build()
        .unwrap();
    let e = client.re_encrypt(&request()).unwrap_err();
    assert_eq!(
        transport(&e).kind(),
        TransportErrorKind::BodyTooLarge,
        "{e:?}"
    );
    assert_eq!(e.attempts(), 1);

    // A cap of u64::MAX must not overflow, and a huge declared length is still not
    // preallocated: the body ends early and is reported truncated.
    let response =
        b"HTTP/1.1 200 OK\r\nContent-Length: 1000000000000000000\r\nConnection: close\r\n\r\n{}"
            .to_vec();
    let server = Scripted::start(vec![Action::Respond(response)]);
    let client = builder(server.addr, &clock)
        .max_response_bytes(u64::MAX)
        .max_attempts(1)
        .build()
        .unwrap();
    let e = client.re_encrypt(&request()).unwrap_err();
    assert_eq!(transport(&e).kind(), TransportErrorKind::Truncated, "{e:?}");
}

#[test]
fn non_utf8_and_non_json_bodies_never_panic() {
    let bodies: Vec<Vec<u8>> = vec![
        vec![0xff, 0xfe, 0x00, 0x80, b'{'],
        b"<html>oops</html>".to_vec(),
        b"{\"__type\":".to_vec(),
        b"[1,2,3]".to_vec(),
        vec![b'{'; 3000],
    ];
    for body in bodies {
        for status in [200, 400, 500] {
            let server = Scripted::start(vec![Action::Respond(http_response(
                status,
                &[("Content-Type", "text/plain")],
                &body,
            ))]);
            let clock = pinned_clock();
            let client = builder(server.addr, &clock)
                .max_attempts(1)
                .build()
                .unwrap();
            let e = client.re_encrypt(&request()).unwrap_err();
            match status {
                200 => assert_eq!(
                    transport(&e).kind(),
                    TransportErrorKind::InvalidResponse,
                    "{e:?}"
                ),
                _ => assert_eq!(e.service_error().unwrap().status(), status),
            }
        }
    }
}

#[test]
fn a_skewed_clock_is_corrected_once_and_remembered() {
    // The server's clock is one hour ahead of ours.
    let local = UNIX_EPOCH + Duration::from_secs(PINNED);
    let server_time = local + Duration::from_secs(3600);
    let date = http_date(server_time);
    let skew_error = Action::Respond(json_error(
        400,
        "InvalidSignatureException",
        &[("Date", date.as_str())],
    ));
    let server = Scripted::start(vec![skew_error, ok(), ok()]);
    let clock = pinned_clock();
    let client = builder(server.addr, &clock).build().unwrap();
    client
        .re_encrypt(&request())
        .expect("re-signed attempt succeeds");
    assert_eq!(client.clock_offset_millis(), 3_600_000);
    assert_eq!(client.clock_offset_millis(), 3_600_000);
    let received = server.requests();
    assert_eq!(received.len(), 2);
    assert_attempt_headers(&received, 3);
    assert_eq!(
        received[0].header("x-amz-date"),
        Some(amz_date(local).as_str())
    );
    assert_eq!(
        received[1].header("x-amz-date"),
        Some(amz_date(server_time).as_str())
    );
    assert!(
        clock.sleeps().is_empty(),
        "the skew retry does not back off"
    );

    // The next call signs with the offset from its first attempt.
    client.re_encrypt(&request()).unwrap();
    let received = server.requests();
    assert_eq!(received.len(), 3);
    assert_eq!(
        received[2].header("amz-sdk-request"),
        Some("attempt=1; max=3")
    );
    assert_eq!(
        received[2].header("x-amz-date"),
        Some(amz_date(server_time).as_str())
    );
}

#[test]
fn skew_is_retried_only_once_and_small_skew_not_at_all() {
    let local = UNIX_EPOCH + Duration::from_secs(PINNED);
    // 10 minutes behind, twice: the second error is not a skew any more (the offset is in
    // force), so it is returned.
    let date = http_date(local - Duration::from_secs(600));
    let skew = || {
        Action::Respond(json_error(
            403,
            "RequestExpired",
            &[("Date", date.as_str())],
        ))
    };
    let server = Scripted::start(vec![skew(), skew(), ok()]);
    let clock = pinned_clock();
    let client = builder(server.addr, &clock).build().unwrap();
    let e = client.re_encrypt(&request()).unwrap_err();
    assert_eq!(e.code(), Some("RequestExpired"));
    assert_eq!(e.attempts(), 2);
    assert_eq!(server.requests().len(), 2);
    assert_eq!(client.clock_offset_millis(), -600_000);

    // Three minutes off is within tolerance: a signature error is then simply returned.
    let date = http_date(local + Duration::from_secs(180));
    let server = Scripted::start(vec![
        Action::Respond(json_error(
            400,
            "InvalidSignatureException",
            &[("Date", date.as_str())],
        )),
        ok(),
    ]);
    let client = builder(server.addr, &clock).build().unwrap();
    let e = client.re_encrypt(&request()).unwrap_err();
    assert_eq!(e.code(), Some("InvalidSignatureException"));
    assert_eq!(e.attempts(), 1);
    assert_eq!(client.clock_offset_millis(), 0);
}

#[test]
fn a_stale_offset_is_replaced_when_the_local_clock_is_fixed() {
    let local = UNIX_EPOCH + Duration::from_secs(PINNED);
    let clock = pinned_clock();
    let ahead = http_date(local + Duration::from_secs(3600));
    // First the server is an hour ahead; later it agrees with the local clock, so the learnt
    // offset is now wrong by an hour and must be dropped.
    let now = http_date(local);
    let server = Scripted::start(vec![
        Action::Respond(json_error(
            400,
            "InvalidSignatureException",
            &[("Date", ahead.as_str())],
        )),
        ok(),
        Action::Respond(json_error(
            400,
            "InvalidSignatureException",
            &[("Date", now.as_str())],
        )),
        ok(),
    ]);
    let client = builder(server.addr, &clock).build().unwrap();
    client.re_encrypt(&request()).unwrap();
    assert_eq!(client.clock_offset_millis(), 3_600_000);
    client.re_encrypt(&request()).unwrap();
    assert_eq!(client.clock_offset_millis(), 0);
    let received = server.requests();
    assert_eq!(received.len(), 4);
    assert_eq!(
        received[3].header("x-amz-date"),
        Some(amz_date(local).as_str())
    );
}

#[test]
fn skew_correction_in_a_client_shared_by_threads() {
    const THREADS: usize = 4;
    const CALLS: usize = 3;
    let local = UNIX_EPOCH + Duration::from_secs(PINNED);
    let server_time = local + Duration::from_secs(1800);
    let date = http_date(server_time);
    let good = amz_date(server_time);
    let skew_answers = Arc::new(AtomicUsize::new(0));
    let answers = skew_answers.clone();
    // The server accepts only requests signed at its own time.
    let server = Scripted::with_handler(THREADS * CALLS + THREADS, move |_, req| {
        if req.header("x-amz-date") == Some(good.as_str()) {
            ok()
        } else {
            answers.fetch_add(1, Ordering::SeqCst);
            Action::Respond(json_error(
                400,
                "InvalidSignatureException",
                &[("Date", date.as_str())],
            ))
        }
    });
    let clock = pinned_clock();
    let client = builder(server.addr, &clock).build().unwrap();
    let barrier = Arc::new(std::sync::Barrier::new(THREADS));
    let handles: Vec<_> = (0..THREADS)
        .map(|_| {
            let (client, barrier) = (client.clone(), barrier.clone());
            std::thread::spawn(move || {
                barrier.wait();
                (0..CALLS)
                    .map(|_| client.re_encrypt(&request()).map(|_| ()))
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    for h in handles {
        for r in h.join().unwrap() {
            r.expect("every call succeeds");
        }
    }
    assert_eq!(client.clock_offset_millis(), 1_800_000);
    let skewed = skew_answers.load(Ordering::SeqCst);
    // At most each thread's first call met the wrong time; every call succeeded.
    assert!((1..=THREADS).contains(&skewed), "{skewed}");
    let received = server.requests();
    assert_eq!(received.len(), THREADS * CALLS + skewed);
    // Each call kept one invocation id; a re-signed attempt says attempt=2.
    let retried = received
        .iter()
        .filter(|r| r.header("amz-sdk-request") == Some("attempt=2; max=3"))
        .count();
    assert_eq!(retried, skewed);
    assert!(clock.sleeps().is_empty());
}

/// A client builder over the test double answering `status(n)` to the n-th call (200 with
/// [`OK_BODY`], 429 with `ThrottlingException`, any other status with `KMSInternalException`),
/// with `env` and the manual clock; and the double, which counts the calls.
fn canned_builder(
    env: Env,
    status: fn(usize) -> u16,
    clock: &ManualClock,
) -> (ClientBuilder, MockKms) {
    let kms = MockKms::new().with_handler(move |request| match status(request.index()) {
        200 => Reply::http(200, OK_BODY),
        429 => Reply::http(429, r#"{"__type":"ThrottlingException"}"#),
        other => Reply::http(other, r#"{"__type":"KMSInternalException"}"#),
    });
    let builder = kms.builder().env(env).clock(clock.clone());
    (builder, kms)
}

/// A [`canned_builder`] client with an empty environment and jitter 0.5.
fn canned_client(
    status: fn(usize) -> u16,
    max_attempts: u32,
    clock: &ManualClock,
) -> (Client, MockKms) {
    let (builder, calls) = canned_builder(Env::from_pairs::<&str, &str>([]), status, clock);
    let client = builder
        .jitter(|| 0.5)
        .max_attempts(max_attempts)
        .build()
        .unwrap();
    (client, calls)
}

#[test]
fn the_retry_quota_runs_dry_and_refills_on_success() {
    let clock = pinned_clock();
    let (client, calls) = canned_client(|_| 500, 100, &clock);
    // 500 units at 14 a retry: 35 retries, so 36 attempts, then the quota stops it.
    let e = client.re_encrypt(&request()).unwrap_err();
    assert_eq!(e.attempts(), 36);
    assert_eq!(calls.requests().len(), 36);
    assert_eq!(
        e.service_error().unwrap().retry_stop(),
        RetryStop::QuotaExhausted
    );
    assert!(
        e.to_string()
            .contains("retry quota exhausted after 36 attempts"),
        "{e}"
    );
    // Backoff bounds: jitter 0.5 of 50 ms * 2^(n-1), capped at 20 s.
    let sleeps = clock.sleeps();
    assert_eq!(sleeps.len(), 35);
    for (i, s) in sleeps.iter().enumerate() {
        let ceiling = (ms(50) * 2u32.pow(i.min(20) as u32)).min(Duration::from_secs(20));
        assert_eq!(*s, ceiling / 2, "retry {}", i + 1);
    }
    // 10 units left: the next call may not retry at all.
    let e = client.re_encrypt(&request()).unwrap_err();
    assert_eq!(e.attempts(), 1);
    assert_eq!(
        e.service_error().unwrap().retry_stop(),
        RetryStop::QuotaExhausted
    );
    assert!(
        e.to_string()
            .contains("retry quota exhausted after 1 attempt)"),
        "{e}"
    );
}

#[test]
fn throttling_retries_cost_less_quota() {
    let clock = pinned_clock();
    // 500 units at 5 a retry: 100 retries.
    let (client, calls) = canned_client(|_| 429, 1000, &clock);
    let e = client.re_encrypt(&request()).unwrap_err();
    assert_eq!(e.attempts(), 101);
    assert_eq!(calls.requests().len(), 101);
    assert_eq!(e.code(), Some("ThrottlingException"));
    // Throttling base 1 s, capped at 20 s; jitter 0.5.
    let sleeps = clock.sleeps();
    assert_eq!(
        &sleeps[..6],
        &[ms(500), ms(1000), ms(2000), ms(4000), ms(8000), ms(10000)]
    );
    assert!(sleeps.iter().all(|s| *s <= Duration::from_secs(10)));
}

#[test]
fn successes_refund_the_quota() {
    let clock = pinned_clock();
    // Fail 35 times (draining the quota), then alternate success and failure.
    let (client, calls) = canned_client(
        |n| {
            if n < 35 || (n > 35 && n % 2 == 0) {
                500
            } else {
                200
            }
        },
        36,
        &clock,
    );
    // 35 failures then a success: 35 retries take 490 of the 500 units.
    client.re_encrypt(&request()).unwrap();
    assert_eq!(calls.requests().len(), 36);
    // The last retry's 14 came back: 10 + 14 = 24 units, so one retry (14) fits; without the
    // refund the next call would stop after one attempt. Each call: a failure, a retry that
    // costs 14, a success that refunds it.
    client.re_encrypt(&request()).unwrap();
    assert_eq!(calls.requests().len(), 38);
    client.re_encrypt(&request()).unwrap();
    assert_eq!(calls.requests().len(), 40);
}

#[test]
fn the_operation_deadline_stops_retries_and_bounds_the_sleeps() {
    let server = Scripted::start(vec![
        err(400, "ThrottlingException"),
        err(400, "ThrottlingException"),
        ok(),
    ]);
    let clock = pinned_clock();
    let client = builder(server.addr, &clock)
        .max_attempts(5)
        .operation_timeout(Duration::from_millis(2500))
        .build()
        .unwrap();
    let e = client.re_encrypt(&request()).unwrap_err();
    // After 1 s of backoff, the next would be 2 s: 3 s > 2.5 s, so no second retry.
    assert_eq!(e.attempts(), 2);
    assert_eq!(e.code(), Some("ThrottlingException"));
    assert_eq!(
        e.service_error().unwrap().retry_stop(),
        RetryStop::OperationTimeout
    );
    assert!(
        e.to_string()
            .contains("operation timeout reached after 2 attempts"),
        "{e}"
    );
    assert_eq!(clock.sleeps(), vec![ms(1000)]);
    assert_eq!(server.requests().len(), 2);
    assert_attempt_headers(&server.requests(), 5);
    assert!(clock.monotonic() < Duration::from_millis(2500));
}

#[test]
fn max_attempts_and_retry_mode_come_from_the_environment_unless_set() {
    let clock = pinned_clock();
    let env = |pairs: &[(&str, &str)]| Env::from_pairs(pairs.iter().copied());
    let build = |e: Env, attempts: Option<u32>| {
        let (b, calls) = canned_builder(e, |_| 503, &clock);
        let mut b = b.jitter(|| 0.0);
        if let Some(n) = attempts {
            b = b.max_attempts(n);
        }
        b.build().map(|c| (c, calls))
    };
    let (client, calls) = build(
        env(&[("AWS_MAX_ATTEMPTS", "5"), ("AWS_RETRY_MODE", "standard")]),
        None,
    )
    .unwrap();
    assert_eq!(client.re_encrypt(&request()).unwrap_err().attempts(), 5);
    assert_eq!(calls.requests().len(), 5);
    let (client, _) = build(env(&[("AWS_MAX_ATTEMPTS", "5")]), Some(2)).unwrap();
    assert_eq!(client.re_encrypt(&request()).unwrap_err().attempts(), 2);
    let (client, _) = build(env(&[]), None).unwrap();
    assert_eq!(client.re_encrypt(&request()).unwrap_err().attempts(), 3);
    let (client, _) = build(env(&[("AWS_RETRY_MODE", "adaptive")]), None).unwrap();
    assert_eq!(client.re_encrypt(&request()).unwrap_err().attempts(), 3);
    for bad in [
        ("AWS_MAX_ATTEMPTS", "three"),
        ("AWS_MAX_ATTEMPTS", "0"),
        ("AWS_MAX_ATTEMPTS", "-1"),
        ("AWS_RETRY_MODE", "aggressive"),
    ] {
        let e = build(env(&[bad]), None).unwrap_err();
        assert!(
            e.to_string().contains(bad.0) || e.to_string().contains("at least 1"),
            "{e}"
        );
    }
}

#[test]
fn random_jitter_stays_within_the_ceilings() {
    // A scripted jitter sequence, including out-of-range values the client must clamp.
    let seq = Arc::new(std::sync::Mutex::new(
        vec![0.0, 0.999, 0.25, 7.0, -1.0, f64::NAN].into_iter(),
    ));
    let clock = pinned_clock();
    let (builder, _calls) = canned_builder(Env::from_pairs::<&str, &str>([]), |_| 500, &clock);
    let client = builder
        .jitter(move || seq.lock().unwrap().next().unwrap_or(0.5))
        .max_attempts(7)
        .build()
        .unwrap();
    client.re_encrypt(&request()).unwrap_err();
    let sleeps = clock.sleeps();
    assert_eq!(sleeps.len(), 6);
    assert_eq!(sleeps[0], ms(0));
    assert!(sleeps[1] < ms(100) && sleeps[1] > ms(99));
    assert_eq!(sleeps[2], ms(50));
    assert_eq!(sleeps[3], ms(400));
    assert_eq!(sleeps[4], ms(0));
    assert_eq!(sleeps[5], ms(0));
}

// ---------------------------------------------------------------- TLS certificate verification

/// A loopback server that counts the connections it accepts (so a test sees how many
/// handshakes the client tried) and hands each to `handler` on a thread of its own.
struct CountingServer {
    addr: std::net::SocketAddr,
    connections: Arc<AtomicUsize>,
    stop: Arc<std::sync::atomic::AtomicBool>,
}

impl CountingServer {
    fn start(handler: impl Fn(std::net::TcpStream) + Send + Sync + 'static) -> CountingServer {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let connections = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let handler = Arc::new(handler);
        {
            let (connections, stop) = (Arc::clone(&connections), Arc::clone(&stop));
            std::thread::spawn(move || {
                for stream in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        return;
                    }
                    let Ok(stream) = stream else { continue };
                    connections.fetch_add(1, Ordering::SeqCst);
                    let handler = Arc::clone(&handler);
                    std::thread::spawn(move || handler(stream));
                }
            });
        }
        CountingServer {
            addr,
            connections,
            stop,
        }
    }

    /// A TLS server presenting `leaf` (`tests/fixtures/tls/<leaf>.pem` and `.key`, made by
    /// its `make.sh`); a connection whose handshake completes gets one OK answer.
    fn tls(leaf: &str) -> CountingServer {
        use rustls::pki_types::pem::PemObject;
        use rustls::pki_types::{CertificateDer, PrivateKeyDer};
        let certs = CertificateDer::pem_file_iter(tls_fixture(&format!("{leaf}.pem")))
            .unwrap()
            .collect::<Result<Vec<_>, _>>()
            .unwrap();
        let key = PrivateKeyDer::from_pem_file(tls_fixture(&format!("{leaf}.key"))).unwrap();
        let config = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .unwrap();
        let config = Arc::new(config);
        CountingServer::start(move |stream| {
            let _ = serve_tls(stream, Arc::clone(&config));
        })
    }

    fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

impl Drop for CountingServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = std::net::TcpStream::connect(self.addr);
    }
}

fn tls_fixture(name: &str) -> std::path::PathBuf {
    harness::repo::path("tests/fixtures/tls").join(name)
}

fn serve_tls(stream: std::net::TcpStream, config: Arc<rustls::ServerConfig>) -> Option<()> {
    use std::io::Write;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    let conn = rustls::ServerConnection::new(config).ok()?;
    let mut tls = std::io::BufReader::new(rustls::StreamOwned::new(conn, stream));
    harness::read_request(&mut tls)?;
    let response = http_response(
        200,
        &[("Content-Type", "application/x-amz-json-1.1")],
        OK_BODY,
    );
    let tls = tls.get_mut();
    tls.write_all(&response).ok()?;
    tls.flush().ok()
}

/// A client of `https://kms.us-east-1.amazonaws.com` connected to `server`, trusting only the
/// test CA (or, with `trust_test_ca` false, only a bundle the server's chain is not from).
fn tls_client(server: &CountingServer, clock: &ManualClock, trust_test_ca: bool) -> Client {
    let bundle = if trust_test_ca { "ca.pem" } else { "other.pem" };
    Client::builder()
        .env(Env::from_pairs::<&str, &str>([]))
        .region("us-east-1")
        .endpoint_url("https://kms.us-east-1.amazonaws.com")
        .connect_to(server.addr)
        .ca_bundle_pem(std::fs::read(tls_fixture(bundle)).unwrap())
        .credentials(Credentials::new("AKIDEXAMPLE", "secret", None))
        .clock(clock.clone())
        .jitter(|| 1.0)
        .connect_timeout(Duration::from_secs(10))
        .read_timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

/// The control: the test CA, the right name and dates, so the failures below are the
/// certificate's and nothing else's.
#[test]
fn a_trusted_certificate_for_the_endpoint_name_is_accepted() {
    let server = CountingServer::tls("kms");
    let clock = pinned_clock();
    let out = tls_client(&server, &clock, true)
        .re_encrypt(&request())
        .expect("the handshake succeeds");
    assert_eq!(out.ciphertext_blob.as_deref(), Some(&[1u8, 2, 3][..]));
    assert_eq!(server.connections(), 1);
}

/// A certificate that fails verification (untrusted issuer, another host's name, expired) fails
/// the call at once: one handshake, no retry, no backoff (issue 9 item 20).
#[test]
fn a_certificate_that_fails_verification_is_not_retried() {
    let cases = [
        ("self-signed", true, "UnknownIssuer"),
        ("kms", false, "UnknownIssuer"),
        (
            "other",
            true,
            "certificate not valid for name \"kms.us-east-1.amazonaws.com\"",
        ),
        ("expired", true, "certificate expired"),
    ];
    for (leaf, trust_test_ca, why) in cases {
        let server = CountingServer::tls(leaf);
        let clock = pinned_clock();
        let e = tls_client(&server, &clock, trust_test_ca)
            .re_encrypt(&request())
            .unwrap_err();
        let t = transport(&e);
        assert_eq!(t.kind(), TransportErrorKind::Tls, "{leaf}: {e}");
        assert_eq!(e.attempts(), 1, "{leaf}: {e}");
        assert_eq!(t.retry_stop(), RetryStop::NotRetryable, "{leaf}");
        assert_eq!(server.connections(), 1, "{leaf}: one handshake");
        assert!(clock.sleeps().is_empty(), "{leaf}: no backoff");
        let shown = e.to_string();
        // rustls's words; OpenSSL has its own (tests/tls_backends.rs checks that backend).
        assert!(
            cfg!(feature = "native-tls")
                || shown.starts_with("TLS failed: invalid peer certificate: ")
                    && shown.contains(why),
            "{leaf}: {shown}"
        );
        assert!(
            shown.ends_with(" when calling https://kms.us-east-1.amazonaws.com/"),
            "{leaf}: {shown}"
        );
    }
}

/// The siblings: a peer that answers in plain HTTP is as final as a bad certificate, while a
/// handshake the peer cuts off is a lost connection, retried like any other.
#[test]
fn a_peer_that_does_not_speak_tls_fails_at_once_and_a_cut_handshake_is_retried() {
    let plain = CountingServer::start(|mut stream| {
        use std::io::{Read, Write};
        // Take the ClientHello first and linger until the client hangs up, so that the close
        // never turns into a reset racing the answer.
        let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
        let mut hello = [0u8; 4096];
        let _ = stream.read(&mut hello);
        let _ = stream.write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
        let _ = stream.read_to_end(&mut Vec::new());
    });
    let clock = pinned_clock();
    let e = tls_client(&plain, &clock, true)
        .re_encrypt(&request())
        .unwrap_err();
    assert_eq!(transport(&e).kind(), TransportErrorKind::Tls, "{e}");
    assert_eq!((e.attempts(), plain.connections()), (1, 1), "{e}");
    assert!(e.to_string().starts_with("TLS failed: "), "{e}");

    let cut = CountingServer::start(drop);
    let clock = pinned_clock();
    let e = tls_client(&cut, &clock, true)
        .re_encrypt(&request())
        .unwrap_err();
    assert!(transport(&e).kind().is_retryable(), "{e}");
    assert_eq!((e.attempts(), cut.connections()), (3, 3), "{e}");
    assert_eq!(clock.sleeps(), vec![ms(50), ms(100)]);
}
