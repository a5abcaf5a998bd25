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

use std::collections::BTreeMap;

use kms_lite::error::OperationError;
use kms_lite::{
    Client, DecryptError, DecryptRequest, DecryptResponse, EncryptError, EncryptRequest,
    EncryptResponse, GenerateDataKeyError, GenerateDataKeyRequest, GenerateDataKeyResponse,
    GenerateDataKeyWithoutPlaintextError, GenerateDataKeyWithoutPlaintextRequest,
    GenerateDataKeyWithoutPlaintextResponse, ReEncryptError, ReEncryptRequest, ReEncryptResponse,
};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
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

/// What arrived at the server: the head lines exactly as sent (without CRLF) and the body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    pub head: Vec<String>,
    pub body: Vec<u8>,
}

/// A loopback server answering each connection's requests from a script of raw responses,
/// one response per request, then closing the connection.
pub struct Replay {
    pub addr: SocketAddr,
    received: mpsc::Receiver<Received>,
}

impl Replay {
    /// Serves `responses` (raw bytes, one per request) in order, on a fresh connection each.
    pub fn start(responses: Vec<Vec<u8>>) -> Replay {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let addr = listener.local_addr().unwrap();
        let (tx, rx) = mpsc::channel();
        thread::spawn(move || {
            for response in responses {
                let Ok((stream, _)) = listener.accept() else {
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
                let mut stream = stream;
                let _ = stream.write_all(&response);
                let _ = stream.flush();
                let _ = stream.shutdown(std::net::Shutdown::Both);
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
pub fn read_request(reader: &mut BufReader<TcpStream>) -> Option<Received> {
    let mut head = Vec::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.strip_suffix("\r\n")?.to_owned();
        if line.is_empty() {
            break;
        }
        head.push(line);
    }
    let len = head
        .iter()
        .find_map(|h| {
            let (n, v) = h.split_once(':')?;
            n.eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse::<usize>().ok())?
        })
        .unwrap_or(0);
    let mut body = vec![0; len];
    reader.read_exact(&mut body).ok()?;
    Some(Received { head, body })
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
pub fn render_expectations<O, E: kms_lite::error::OperationError>(
    result: &Result<O, E>,
    output_json: impl Fn(&O) -> String,
) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut put = |k: &str, v: String| {
        out.insert(k.to_owned(), v);
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
