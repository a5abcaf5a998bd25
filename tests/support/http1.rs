//! The HTTP/1.1 wire pieces the std-only loopback test servers share: reading one request
//! (request line, headers, a `Content-Length` body, within limits), looking up its headers,
//! rendering and sending a response, and a bounded accept on a non-blocking listener.
//!
//! Included by `tests/harness/mod.rs`, `tests/common/loopback.rs` and `tests/loopback/mod.rs`
//! with `#[path = "../support/http1.rs"] mod http1;`; each keeps its own request type and API.
#![allow(dead_code)]

use std::io::{self, BufRead, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

/// The longest request line or header line accepted, CRLF included.
pub const MAX_LINE: u64 = 16 * 1024;
/// The most lines a request head may have, request line included.
pub const MAX_HEAD_LINES: usize = 256;
/// The largest request body accepted.
pub const MAX_BODY: usize = 16 * 1024 * 1024;

/// One request as it arrived.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// The request line and the header lines, exactly as sent, without their CRLF.
    pub head: Vec<String>,
    pub body: Vec<u8>,
}

impl Request {
    /// The method and the request target of the request line.
    pub fn method_path(&self) -> Option<(&str, &str)> {
        let mut parts = self.head.first()?.split_whitespace();
        Some((parts.next()?, parts.next()?))
    }

    /// The first header with this name (ASCII case-insensitive), its value trimmed.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.head.iter().skip(1).find_map(|h| {
            let (n, v) = h.split_once(':')?;
            n.trim().eq_ignore_ascii_case(name).then(|| v.trim())
        })
    }

    /// Every header in arrival order, names in lower case and values trimmed; `None` when a
    /// header line has no colon.
    pub fn headers(&self) -> Option<Vec<(String, String)>> {
        self.head
            .iter()
            .skip(1)
            .map(|h| {
                let (n, v) = h.split_once(':')?;
                Some((n.trim().to_ascii_lowercase(), v.trim().to_owned()))
            })
            .collect()
    }
}

/// The value of the first header named `name` (ASCII case-insensitive) in parsed `headers`.
pub fn find_header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// Reads one CRLF-terminated line of at most [`MAX_LINE`] bytes, without its CRLF. `None` on
/// EOF, a timeout, a bare LF, an over-long line or one that is not UTF-8.
fn read_line(reader: &mut impl BufRead) -> Option<String> {
    let mut line = Vec::new();
    reader
        .by_ref()
        .take(MAX_LINE)
        .read_until(b'\n', &mut line)
        .ok()?;
    let line = line.strip_suffix(b"\r\n")?;
    String::from_utf8(line.to_vec()).ok()
}

/// Reads one request: head lines up to the blank line, then `Content-Length` bytes of body (none
/// without the header). `None` when the peer closed or timed out first, or the request breaks
/// the limits or the CRLF framing.
pub fn read_request(reader: &mut impl BufRead) -> Option<Request> {
    let mut head = Vec::new();
    loop {
        let line = read_line(reader)?;
        if line.is_empty() {
            break;
        }
        if head.len() == MAX_HEAD_LINES {
            return None;
        }
        head.push(line);
    }
    if head.is_empty() {
        return None;
    }
    let mut request = Request {
        head,
        body: Vec::new(),
    };
    let len = request
        .header("content-length")
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(0);
    if len > MAX_BODY {
        return None;
    }
    request.body = vec![0; len];
    reader.read_exact(&mut request.body).ok()?;
    Some(request)
}

/// A response: the status line, the headers in the order given, `Content-Length`, a blank line
/// and the body.
pub fn response(status_line: &str, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let mut out = format!("{status_line}\r\n");
    for (n, v) in headers {
        out.push_str(&format!("{n}: {v}\r\n"));
    }
    out.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    let mut out = out.into_bytes();
    out.extend_from_slice(body);
    out
}

/// Writes `bytes` and flushes.
pub fn send(stream: &mut impl Write, bytes: &[u8]) -> io::Result<()> {
    stream.write_all(bytes)?;
    stream.flush()
}

/// Writes `bytes`, flushes and shuts the connection down both ways, ignoring errors (the client
/// may have hung up already).
pub fn send_and_close(stream: &mut TcpStream, bytes: &[u8]) {
    let _ = send(stream, bytes);
    let _ = stream.shutdown(Shutdown::Both);
}

/// A listener on 127.0.0.1 with a port of the system's choosing.
pub fn bind() -> (TcpListener, SocketAddr) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    let addr = listener.local_addr().expect("local addr");
    (listener, addr)
}

/// The next connection on a non-blocking `listener`, polled every 2 ms until `stop` is set or
/// `deadline` passes (then `None`). The stream returned blocks, with `read_timeout`.
pub fn accept_until(
    listener: &TcpListener,
    stop: &AtomicBool,
    deadline: Instant,
    read_timeout: Duration,
) -> Option<TcpStream> {
    loop {
        if stop.load(Ordering::SeqCst) || Instant::now() > deadline {
            return None;
        }
        match listener.accept() {
            Ok((stream, _)) => {
                let _ = stream.set_nonblocking(false);
                let _ = stream.set_read_timeout(Some(read_timeout));
                return Some(stream);
            }
            Err(_) => thread::sleep(Duration::from_millis(2)),
        }
    }
}
