//! A scripted loopback HTTP server standing in for STS, IMDS and the container endpoint (std
//! only, 127.0.0.1:0, bounded: it serves its script once, gives up on a connection after a few
//! seconds, and stops when the test finishes with it), and the `traffic` file format.
//!
//! A `traffic` file is a list of exchanges:
//!
//! ```text
//! === request
//! PUT /latest/api/token
//! x-aws-ec2-metadata-token-ttl-seconds: 21600
//!
//! === response
//! HTTP/1.1 200 OK
//! content-type: text/plain
//!
//! TOKEN
//! ```
//!
//! Request: `METHOD PATH`, then headers that must be present (a value ending in `*` is a
//! prefix; `!name` means the header must be absent), a blank line, then the exact body (if
//! any). Response: raw HTTP; `Content-Length` is added. `=== response delay=1500ms` waits before
//! answering.
#![allow(dead_code)]

#[path = "../support/http1.rs"]
mod http1;

use std::io::BufReader;
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// What the test expects the client to send.
#[derive(Debug, Clone, Default)]
pub struct Expected {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub absent: Vec<String>,
    pub body: Option<String>,
}

/// One scripted exchange.
#[derive(Debug, Clone)]
pub struct Exchange {
    pub expected: Expected,
    pub response: Vec<u8>,
    pub delay: Duration,
}

impl Exchange {
    /// An exchange answered at once.
    pub fn new(expected: Expected, response: Vec<u8>) -> Exchange {
        Exchange {
            expected,
            response,
            delay: Duration::ZERO,
        }
    }
}

/// A request as it arrived.
#[derive(Debug, Clone)]
pub struct Received {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Received {
    pub fn header(&self, name: &str) -> Option<&str> {
        http1::find_header(&self.headers, name)
    }
}

/// The running server.
pub struct Server {
    pub url: String,
    stop: Arc<AtomicBool>,
    received: Arc<Mutex<Vec<Received>>>,
    handle: Option<thread::JoinHandle<()>>,
}

impl Server {
    /// Serves `exchanges` in order, one connection each.
    pub fn start(exchanges: Vec<Exchange>) -> Server {
        let (listener, addr) = http1::bind();
        listener.set_nonblocking(true).unwrap();
        let url = format!("http://{addr}");
        let stop = Arc::new(AtomicBool::new(false));
        let received = Arc::new(Mutex::new(Vec::new()));
        let (stop2, received2) = (Arc::clone(&stop), Arc::clone(&received));
        let handle = thread::spawn(move || {
            let give_up = Instant::now() + Duration::from_secs(20);
            for exchange in exchanges {
                let read_timeout = Duration::from_secs(5);
                let Some(mut stream) =
                    http1::accept_until(&listener, &stop2, give_up, read_timeout)
                else {
                    return;
                };
                let Some(req) = read_request(&stream) else {
                    continue;
                };
                received2.lock().unwrap().push(req);
                let deadline = Instant::now() + exchange.delay;
                while Instant::now() < deadline && !stop2.load(Ordering::Relaxed) {
                    thread::sleep(Duration::from_millis(5));
                }
                http1::send_and_close(&mut stream, &exchange.response);
            }
        });
        Server {
            url,
            stop,
            received,
            handle: Some(handle),
        }
    }

    /// Requests received so far.
    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    /// Stops the server and returns every request it received.
    pub fn finish(mut self) -> Vec<Received> {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
        self.received()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// Reads one request; `None` when it breaks the framing or has a header line without a colon.
fn read_request(stream: &TcpStream) -> Option<Received> {
    let request = http1::read_request(&mut BufReader::new(stream.try_clone().ok()?))?;
    let (method, path) = request.method_path()?;
    Some(Received {
        method: method.to_owned(),
        path: path.to_owned(),
        headers: request.headers()?,
        body: String::from_utf8_lossy(&request.body).into_owned(),
    })
}

/// A raw response with `Connection: close` and `Content-Length` added.
pub fn response(status_line: &str, headers: &[(&str, &str)], body: &str) -> Vec<u8> {
    let mut headers = headers.to_vec();
    headers.push(("Connection", "close"));
    http1::response(status_line, &headers, body.as_bytes())
}

/// Parses a `traffic` file (see the module docs), after substitutions.
pub fn parse_traffic(text: &str) -> Vec<Exchange> {
    let mut exchanges = Vec::new();
    let mut sections: Vec<(String, Vec<&str>)> = Vec::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("=== ") {
            sections.push((rest.trim().to_owned(), Vec::new()));
        } else if let Some((_, lines)) = sections.last_mut() {
            lines.push(line);
        }
    }
    let mut expected: Option<Expected> = None;
    for (title, lines) in sections {
        let (head, body) = split_head_body(&lines);
        if title == "request" {
            let mut e = Expected::default();
            let mut first = head[0].splitn(2, ' ');
            e.method = first.next().unwrap().to_owned();
            e.path = first.next().unwrap_or("/").to_owned();
            for h in &head[1..] {
                if let Some(name) = h.strip_prefix('!') {
                    e.absent.push(name.trim().to_ascii_lowercase());
                } else {
                    let (n, v) = h.split_once(':').expect("header line");
                    e.headers
                        .push((n.trim().to_ascii_lowercase(), v.trim().to_owned()));
                }
            }
            e.body = body;
            expected = Some(e);
        } else if let Some(rest) = title.strip_prefix("response") {
            let delay = rest
                .trim()
                .strip_prefix("delay=")
                .and_then(|d| d.strip_suffix("ms"))
                .map(|ms| Duration::from_millis(ms.parse().unwrap()))
                .unwrap_or_default();
            let hs: Vec<(&str, &str)> = head[1..]
                .iter()
                .map(|h| {
                    let (n, v) = h.split_once(':').unwrap();
                    (n.trim(), v.trim())
                })
                .collect();
            exchanges.push(Exchange {
                expected: expected.take().expect("a request before each response"),
                response: response(&head[0], &hs, &body.unwrap_or_default()),
                delay,
            });
        } else {
            panic!("unknown traffic section {title}");
        }
    }
    exchanges
}

fn split_head_body(lines: &[&str]) -> (Vec<String>, Option<String>) {
    let mut head = Vec::new();
    let mut i = 0;
    while i < lines.len() && !lines[i].is_empty() {
        head.push(lines[i].to_owned());
        i += 1;
    }
    let rest = if i < lines.len() {
        &lines[i + 1..]
    } else {
        &[][..]
    };
    let body = rest.join("\n");
    let body = body.trim_end_matches('\n').to_owned();
    (head, if body.is_empty() { None } else { Some(body) })
}

/// Panics with a readable message when `got` does not match `want`.
pub fn check(case: &str, n: usize, want: &Expected, got: &Received) {
    let at = format!("{case}: request {}", n + 1);
    assert_eq!(
        (want.method.as_str(), want.path.as_str()),
        (got.method.as_str(), got.path.as_str()),
        "{at}: request line"
    );
    for (name, value) in &want.headers {
        let actual = got
            .header(name)
            .unwrap_or_else(|| panic!("{at}: header {name} missing; got {:?}", got.headers));
        match value.strip_suffix('*') {
            Some(prefix) => assert!(
                actual.starts_with(prefix),
                "{at}: header {name}: {actual:?} does not start with {prefix:?}"
            ),
            None => assert_eq!(actual, value, "{at}: header {name}"),
        }
    }
    for name in &want.absent {
        assert!(
            got.header(name).is_none(),
            "{at}: header {name} must be absent"
        );
    }
    if let Some(body) = &want.body {
        assert_eq!(&got.body, body, "{at}: body");
    }
}
