//! Recorded-response harness: fixture files holding one HTTP exchange each, and a std-only
//! loopback server that replays the response and records what arrived.
//!
//! A fixture (`tests/fixtures/**/*.http`) has four sections, each opened by a `--- name` line:
//!
//! - `call`: the operation's input as the AWS CLI's `--cli-input-json` would give it (blobs in
//!   base64);
//! - `request`: the exact request the client must send for the pinned time and credentials:
//!   request line, headers in wire order, blank line, body. A header value `<uuid>` matches any
//!   version-4 UUID (the invocation id is random);
//! - `response`: the status line, headers, blank line, body to replay. `Content-Length` is
//!   added when absent, and sent as written when present (to replay truncated bodies);
//! - `expect`: `key: value` lines the result must match (see `tests/recorded.rs`).
//!
//! Lines before the first section starting with `#` are comments. A section's text runs to the
//! end of the line before the next section marker, so a body has no final newline unless the
//! section ends with an empty line.

#![allow(dead_code)]

#[path = "../support/http1.rs"]
mod http1;
#[path = "../support/repo.rs"]
pub mod repo;

use std::collections::BTreeMap;

use kms_lite::error::OperationError;
use kms_lite::{
    Client, DecryptError, DecryptRequest, DecryptResponse, EncryptError, EncryptRequest,
    EncryptResponse, GenerateDataKeyError, GenerateDataKeyRequest, GenerateDataKeyResponse,
    GenerateDataKeyWithoutPlaintextError, GenerateDataKeyWithoutPlaintextRequest,
    GenerateDataKeyWithoutPlaintextResponse, ReEncryptError, ReEncryptRequest, ReEncryptResponse,
};
use std::io::{BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

/// One parsed fixture.
#[derive(Debug, Clone)]
pub struct Fixture {
    pub name: String,
    pub sections: BTreeMap<String, String>,
}

impl Fixture {
    pub fn parse(name: &str, text: &str) -> Fixture {
        let mut sections = BTreeMap::new();
        let mut current: Option<(String, Vec<&str>)> = None;
        for line in text.split('\n') {
            if let Some(section) = line.strip_prefix("--- ") {
                if let Some((n, lines)) = current.take() {
                    sections.insert(n, lines.join("\n"));
                }
                current = Some((section.trim().to_owned(), Vec::new()));
            } else if let Some((_, lines)) = current.as_mut() {
                lines.push(line);
            } else {
                assert!(
                    line.is_empty() || line.starts_with('#'),
                    "{name}: text before the first section: {line:?}"
                );
            }
        }
        if let Some((n, lines)) = current.take() {
            sections.insert(n, lines.join("\n"));
        }
        Fixture {
            name: name.to_owned(),
            sections,
        }
    }

    pub fn section(&self, name: &str) -> &str {
        self.sections
            .get(name)
            .unwrap_or_else(|| panic!("{}: no `--- {name}` section", self.name))
    }

    /// `key: value` lines of the `expect` section.
    pub fn expectations(&self) -> BTreeMap<String, String> {
        self.section("expect")
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| {
                let (k, v) = l
                    .split_once(':')
                    .unwrap_or_else(|| panic!("{}: expect line without ':' {l:?}", self.name));
                (k.trim().to_owned(), v.trim().to_owned())
            })
            .collect()
    }
}

/// Splits an HTTP message text into its head lines and body.
pub fn split_message(text: &str) -> (Vec<String>, Vec<u8>) {
    let (head, body) = match text.find("\n\n") {
        Some(i) => (&text[..i], &text[i + 2..]),
        None => (text.trim_end_matches('\n'), ""),
    };
    (
        head.lines().map(str::to_owned).collect(),
        body.as_bytes().to_vec(),
    )
}

/// What arrived at the server: the head lines exactly as sent (without CRLF) and the body;
/// `header(name)` gives the first header with that name (ASCII case-insensitive), trimmed.
pub type Received = http1::Request;

/// A loopback server answering each connection's requests from a script of raw responses,
/// one response per request, then closing the connection.
pub struct Replay {
    pub addr: SocketAddr,
    received: mpsc::Receiver<Received>,
}

impl Replay {
    /// Serves `responses` (raw bytes, one per request) in order, on a fresh connection each.
    pub fn start(responses: Vec<Vec<u8>>) -> Replay {
        let (listener, addr) = http1::bind();
        let (tx, rx) = mpsc::channel();
        thread::spawn(move || {
            for response in responses {
                let Ok((mut stream, _)) = listener.accept() else {
                    return;
                };
                stream
                    .set_read_timeout(Some(Duration::from_secs(10)))
                    .unwrap();
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let Some(received) = read_request(&mut reader) else {
                    continue;
                };
                let _ = tx.send(received);
                http1::send_and_close(&mut stream, &response);
            }
        });
        Replay { addr, received: rx }
    }

    /// The next request that arrived (waits up to 10 s).
    pub fn next_request(&self) -> Option<Received> {
        self.received.recv_timeout(Duration::from_secs(10)).ok()
    }

    /// Requests that arrived so far, without waiting.
    pub fn drain(&self) -> Vec<Received> {
        self.received.try_iter().collect()
    }
}

/// Reads one request: head lines up to the blank line, then `Content-Length` bytes.
pub fn read_request(reader: &mut impl std::io::BufRead) -> Option<Received> {
    http1::read_request(reader)
}

/// Renders a fixture's `response` section as the bytes to send: CRLF line ends, and a
/// `Content-Length` computed from the body unless the fixture gives one.
pub fn raw_response(section: &str) -> Vec<u8> {
    let (head, body) = split_message(section);
    let mut out = Vec::new();
    let has_length = head
        .iter()
        .any(|h| h.to_ascii_lowercase().starts_with("content-length:"));
    for line in &head {
        out.extend_from_slice(line.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    if !has_length {
        out.extend_from_slice(format!("Content-Length: {}\r\n", body.len()).as_bytes());
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(&body);
    out
}

/// 2026-11-29T01:24:20Z, the time of the official SDK's captures: every fixture is signed at it.
pub const PINNED: u64 = 1_795_915_460;

/// The client every fixture was recorded with, sending to `addr`: region `us-east-1`, endpoint
/// `http://kms.us-east-1.amazonaws.com`, AWS's example credentials (with `session_token` if
/// given), the pinned time, one attempt, an empty environment.
pub fn pinned_client(addr: SocketAddr, session_token: Option<String>) -> Client {
    use std::time::UNIX_EPOCH;
    Client::builder()
        .env(kms_lite::config::Env::from_pairs::<&str, &str>([]))
        .region("us-east-1")
        .endpoint_url("http://kms.us-east-1.amazonaws.com")
        .connect_to(addr)
        .credentials(kms_lite::credentials::Credentials::new(
            "AKIDEXAMPLE",
            "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            session_token,
        ))
        .clock(kms_lite::clock::ManualClock::new(
            UNIX_EPOCH + Duration::from_secs(PINNED),
        ))
        .max_attempts(1)
        .read_timeout(Duration::from_secs(5))
        .build()
        .unwrap()
}

/// The fixture files (`*.http`) of `tests/fixtures/<dir>`, sorted.
pub fn fixture_paths(dir: &str) -> Vec<std::path::PathBuf> {
    let dir = repo::path("tests/fixtures").join(dir);
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "http"))
        .collect();
    paths.sort();
    paths
}

/// Whether `actual` is a lower-case version-4 UUID.
pub fn is_uuid_v4(actual: &str) -> bool {
    let b = actual.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            14 => *c == b'4',
            19 => b"89ab".contains(c),
            _ => c.is_ascii_digit() || (b'a'..=b'f').contains(c),
        })
}

/// Asserts the received request equals the fixture's `request` section, line for line.
pub fn assert_request(fixture: &str, expected_section: &str, received: &Received) {
    let (expected_head, expected_body) = split_message(expected_section);
    assert_eq!(
        expected_head.len(),
        received.head.len(),
        "{fixture}: header count differs\nexpected: {expected_head:#?}\nreceived: {:#?}",
        received.head
    );
    for (want, got) in expected_head.iter().zip(&received.head) {
        let want = &want.replace("<version>", env!("CARGO_PKG_VERSION"));
        match want.split_once(": <uuid>") {
            Some((name, "")) => {
                let (got_name, got_value) = got.split_once(": ").unwrap_or((got, ""));
                assert_eq!(name, got_name, "{fixture}: header name");
                assert!(is_uuid_v4(got_value), "{fixture}: {got:?} is not a UUID v4");
            }
            _ => assert_eq!(want, got, "{fixture}: request line or header differs"),
        }
    }
    assert_eq!(
        String::from_utf8_lossy(&expected_body),
        String::from_utf8_lossy(&received.body),
        "{fixture}: request body differs"
    );
}

/// The `expect` lines of a result: what the runner compares and what the recorder writes.
/// `output_json` renders a success (the AWS CLI's JSON, plaintext included where there is one).
/// Values are trimmed as [`Fixture::expectations`] reads them (a `key: value` line cannot hold
/// surrounding spaces), so a message-less error's `...operation: ` is written `...operation:`.
pub fn render_expectations<O, E: kms_lite::error::OperationError>(
    result: &Result<O, E>,
    output_json: impl Fn(&O) -> String,
) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut put = |k: &str, v: String| {
        out.insert(k.to_owned(), v.trim().to_owned());
    };
    match result {
        Ok(response) => {
            put("result", "ok".into());
            put("output", output_json(response));
        }
        Err(e) => {
            put("result", "error".into());
            put("variant", e.variant_name().to_owned());
            put("display", e.to_string());
            put("attempts", e.attempts().to_string());
            if let Some(se) = e.service_error() {
                put("code", se.code().to_owned());
                put("status", se.status().to_string());
                put("message", se.message().unwrap_or("<none>").to_owned());
                put("request-id", se.request_id().unwrap_or("<none>").to_owned());
            }
            if let Some(t) = e.transport_error() {
                put("transport-kind", format!("{:?}", t.kind()));
            }
        }
    }
    out
}

/// An operation whose exchanges can be recorded and replayed.
pub trait Recorded: serde::de::DeserializeOwned + serde::Serialize {
    /// The operation's name, as in `X-Amz-Target: TrentService.<OPERATION>`.
    const OPERATION: &'static str;
    /// `TrentService.<OPERATION>`.
    const TARGET: &'static str;
    /// The folder under `tests/fixtures/`.
    const DIR: &'static str;
    /// The fewest fixtures the folder must hold (guards against a lost folder).
    const MIN_FIXTURES: usize;
    type Output;
    type Error: OperationError;
    fn call(client: &Client, request: &Self) -> Result<Self::Output, Self::Error>;
    /// The output as the AWS CLI's JSON, plaintext included.
    fn output_json(output: &Self::Output) -> String;
}

macro_rules! recorded {
    ($req:ty, $op:literal, $dir:literal, $min:literal, $out:ty, $err:ty, $method:ident, $json:expr) => {
        impl Recorded for $req {
            const OPERATION: &'static str = $op;
            const TARGET: &'static str = concat!("TrentService.", $op);
            const DIR: &'static str = $dir;
            const MIN_FIXTURES: usize = $min;
            type Output = $out;
            type Error = $err;
            fn call(client: &Client, request: &Self) -> Result<$out, $err> {
                client.$method(request)
            }
            fn output_json(output: &$out) -> String {
                let json: fn(&$out) -> String = $json;
                json(output)
            }
        }
    };
}

recorded!(
    ReEncryptRequest,
    "ReEncrypt",
    "re_encrypt",
    20,
    ReEncryptResponse,
    ReEncryptError,
    re_encrypt,
    |o| serde_json::to_string(o).unwrap()
);
recorded!(
    EncryptRequest,
    "Encrypt",
    "encrypt",
    5,
    EncryptResponse,
    EncryptError,
    encrypt,
    |o| serde_json::to_string(o).unwrap()
);
recorded!(
    DecryptRequest,
    "Decrypt",
    "decrypt",
    5,
    DecryptResponse,
    DecryptError,
    decrypt,
    |o| serde_json::to_string(&o.with_plaintext()).unwrap()
);
recorded!(
    GenerateDataKeyRequest,
    "GenerateDataKey",
    "generate_data_key",
    5,
    GenerateDataKeyResponse,
    GenerateDataKeyError,
    generate_data_key,
    |o| serde_json::to_string(&o.with_plaintext()).unwrap()
);
recorded!(
    GenerateDataKeyWithoutPlaintextRequest,
    "GenerateDataKeyWithoutPlaintext",
    "generate_data_key_without_plaintext",
    5,
    GenerateDataKeyWithoutPlaintextResponse,
    GenerateDataKeyWithoutPlaintextError,
    generate_data_key_without_plaintext,
    |o| serde_json::to_string(o).unwrap()
);

/// What the scripted server does with one connection.
#[derive(Debug, Clone)]
pub enum Action {
    /// Read the request, send these raw bytes, close (a full response, or a lying one).
    Respond(Vec<u8>),
    /// Close at once without reading the request: the client sees a reset or an EOF.
    CloseAtOnce,
    /// Read the request, then close without answering.
    CloseAfterRequest,
    /// Read the request, then answer nothing until the client hangs up (at most 10 s).
    Stall,
    /// Read the request, send these bytes (a head and part of a body), then stall as `Stall`.
    SendThenStall(Vec<u8>),
    /// Read the request, send the head at once, then the body one byte every 50 ms until it
    /// is sent or the client hangs up (at most 10 s).
    Trickle(Vec<u8>, Vec<u8>),
}

/// A response with `Content-Length` and `Connection: close` added (the server closes every
/// connection after one exchange, so the client must never pool it).
pub fn http_response(status: u16, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let status_line = format!(
        "HTTP/1.1 {status} {}",
        kms_lite::__private::codec::reason_phrase(status)
    );
    let mut headers = headers.to_vec();
    headers.push(("Connection", "close"));
    http1::response(&status_line, &headers, body)
}

/// An AWS JSON 1.1 error response: `{"__type": code}` with the given status.
pub fn json_error(status: u16, code: &str, extra_headers: &[(&str, &str)]) -> Vec<u8> {
    let mut headers = vec![
        ("Content-Type", "application/x-amz-json-1.1"),
        ("x-amzn-RequestId", "req-fault"),
    ];
    headers.extend_from_slice(extra_headers);
    http_response(
        status,
        &headers,
        format!(r#"{{"__type":"{code}","message":"scripted"}}"#).as_bytes(),
    )
}

type Handler = dyn Fn(usize, &Received) -> Action + Send + Sync;

/// Where the server's actions come from.
enum Plan {
    /// Fixed, in order; decided before the request is read (so `CloseAtOnce` reads nothing).
    Script(std::sync::Mutex<std::vec::IntoIter<Action>>),
    /// Decided from the request (`CloseAtOnce` then behaves as `CloseAfterRequest`).
    Handler(Box<Handler>),
}

/// A loopback server for fault tests. Each connection gets one [`Action`]: either the next of
/// a fixed script (connections served one after another) or what a handler decides (each
/// connection on its own thread, for tests with many client threads). It records every request
/// that arrived and counts connections; it stops when the script is done, after `max`
/// connections, when dropped, or after 10 s without a connection.
pub struct Scripted {
    pub addr: SocketAddr,
    received: std::sync::Arc<std::sync::Mutex<Vec<Received>>>,
    connections: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl Scripted {
    /// Serves `actions` in order, one per connection, one connection at a time.
    pub fn start(actions: Vec<Action>) -> Scripted {
        let count = actions.len();
        Self::serve(
            count,
            false,
            Plan::Script(std::sync::Mutex::new(actions.into_iter())),
        )
    }

    /// Serves up to `max` connections concurrently, asking `handler` (given the connection's
    /// index and its request) what to do with each.
    pub fn with_handler(
        max: usize,
        handler: impl Fn(usize, &Received) -> Action + Send + Sync + 'static,
    ) -> Scripted {
        Self::serve(max, true, Plan::Handler(Box::new(handler)))
    }

    fn serve(max: usize, concurrent: bool, plan: Plan) -> Scripted {
        use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
        use std::sync::{Arc, Mutex};
        let (listener, addr) = http1::bind();
        listener.set_nonblocking(true).unwrap();
        let received = Arc::new(Mutex::new(Vec::new()));
        let connections = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let handler = Arc::new(plan);
        let (rec, conns, stopping) = (received.clone(), connections.clone(), stop.clone());
        thread::spawn(move || {
            // Gives up after 10 s without a connection; each connection reads for 10 s at most.
            let ten_seconds = Duration::from_secs(10);
            let mut idle_until = std::time::Instant::now() + ten_seconds;
            let mut workers = Vec::new();
            while conns.load(Ordering::SeqCst) < max {
                let Some(stream) =
                    http1::accept_until(&listener, &stopping, idle_until, ten_seconds)
                else {
                    break;
                };
                let index = conns.fetch_add(1, Ordering::SeqCst);
                let (handler, rec) = (handler.clone(), rec.clone());
                let work = move || serve_one(stream, index, &handler, &rec);
                if concurrent {
                    workers.push(thread::spawn(work));
                } else {
                    work();
                }
                idle_until = std::time::Instant::now() + ten_seconds;
            }
            for w in workers {
                let _ = w.join();
            }
        });
        Scripted {
            addr,
            received,
            connections,
            stop,
        }
    }

    /// Requests that arrived so far, in arrival order.
    pub fn requests(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    /// Connections accepted so far (a connection closed at once carries no request).
    pub fn connections(&self) -> usize {
        self.connections.load(std::sync::atomic::Ordering::SeqCst)
    }
}

impl Drop for Scripted {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
    }
}

fn serve_one(
    stream: TcpStream,
    index: usize,
    plan: &Plan,
    received: &std::sync::Mutex<Vec<Received>>,
) {
    let scripted = match plan {
        Plan::Script(actions) => {
            let next = actions.lock().unwrap().next();
            match next {
                // Closing with the request unread in the socket buffer makes Linux send a RST.
                Some(Action::CloseAtOnce) | None => return,
                other => other,
            }
        }
        Plan::Handler(_) => None,
    };
    let Ok(clone) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(clone);
    let Some(request) = read_request(&mut reader) else {
        return;
    };
    received.lock().unwrap().push(request.clone());
    let mut stream = stream;
    let action = match (scripted, plan) {
        (Some(action), _) => action,
        (None, Plan::Handler(h)) => h(index, &request),
        (None, Plan::Script(_)) => Action::CloseAfterRequest,
    };
    match action {
        Action::Respond(bytes) => http1::send_and_close(&mut stream, &bytes),
        Action::Trickle(head, body) => {
            let start = std::time::Instant::now();
            let _ = stream.write_all(&head);
            for b in body {
                if stream.write_all(&[b]).and_then(|_| stream.flush()).is_err()
                    || start.elapsed() > Duration::from_secs(10)
                {
                    break;
                }
                thread::sleep(Duration::from_millis(50));
            }
            let _ = stream.shutdown(std::net::Shutdown::Both);
        }
        Action::CloseAtOnce | Action::CloseAfterRequest => {
            let _ = stream.shutdown(std::net::Shutdown::Both);
        }
        Action::Stall | Action::SendThenStall(_) => {
            if let Action::SendThenStall(bytes) = &action {
                let _ = http1::send(&mut stream, bytes);
            }
            // Wait for the client to give up (EOF or reset), bounded.
            let _ = stream.set_read_timeout(Some(Duration::from_millis(50)));
            let start = std::time::Instant::now();
            let mut buf = [0u8; 256];
            while start.elapsed() < Duration::from_secs(10) {
                match stream.read(&mut buf) {
                    Ok(0) => break,
                    Ok(_) => {}
                    Err(e)
                        if matches!(
                            e.kind(),
                            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                        ) => {}
                    Err(_) => break,
                }
            }
        }
    }
}
