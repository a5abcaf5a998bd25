//! A std-only HTTP server on 127.0.0.1 that answers one request with a canned response and
//! records what arrived.

#[path = "../support/http1.rs"]
mod http1;

use std::io::BufReader;
use std::thread::JoinHandle;
use std::time::Duration;

/// The request id every canned response carries.
const REQUEST_ID: &str = "11111111-2222-3333-4444-555555555555";

/// One request as it arrived.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    /// Header names in lower case, values trimmed, in arrival order.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        http1::find_header(&self.headers, name)
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("the request body is JSON")
    }

    /// The request as the tests see it; `None` without a method and path, or with a header
    /// line that has no colon.
    fn from_wire(request: http1::Request) -> Option<Recorded> {
        let (method, path) = request.method_path()?;
        let (method, path) = (method.to_owned(), path.to_owned());
        Some(Recorded {
            method,
            path,
            headers: request.headers()?,
            body: request.body,
        })
    }
}

/// A server that answers a single request.
pub struct Loopback {
    pub url: String,
    handle: JoinHandle<Option<Recorded>>,
}

impl Loopback {
    /// Starts a server that answers with `status` and a JSON `body`.
    pub fn reply(status: u16, body: &str) -> Loopback {
        Self::reply_with(
            status,
            &[("Content-Type", "application/x-amz-json-1.1")],
            body,
        )
    }

    /// Starts a server that answers with `status`, extra headers and `body`.
    pub fn reply_with(status: u16, headers: &[(&str, &str)], body: &str) -> Loopback {
        let (listener, addr) = http1::bind();
        let url = format!("http://{addr}");
        let mut headers = headers.to_vec();
        headers.extend([("x-amzn-RequestId", REQUEST_ID), ("Connection", "close")]);
        let status_line = format!("HTTP/1.1 {status} Canned");
        let response = http1::response(&status_line, &headers, body.as_bytes());
        let handle = std::thread::spawn(move || {
            let (stream, _) = listener.accept().ok()?;
            stream
                .set_read_timeout(Some(Duration::from_secs(10)))
                .ok()?;
            let mut reader = BufReader::new(stream);
            let request = Recorded::from_wire(http1::read_request(&mut reader)?)?;
            http1::send(reader.get_mut(), &response).ok()?;
            Some(request)
        });
        Loopback { url, handle }
    }

    /// The request that arrived. Panics if none did.
    pub fn request(self) -> Recorded {
        self.handle
            .join()
            .expect("the server thread does not panic")
            .expect("a request arrived")
    }
}

/// An address on which nothing listens: bound, then closed.
pub fn closed_port_url() -> String {
    let (listener, addr) = http1::bind();
    drop(listener);
    format!("http://{addr}")
}

/// What a [`Server`] handler answers.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub body: String,
    /// Held back this long before answering (a slow service).
    pub delay: Duration,
    /// A broken answer instead of this one.
    pub fault: Option<Fault>,
}

/// A way for a [`Server`] to fail a request without an HTTP error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Close the connection without answering.
    HangUp,
    /// Send the head and half the body, then close the connection.
    Truncate,
}

impl Reply {
    pub fn ok(body: impl Into<String>) -> Reply {
        Reply {
            status: 200,
            body: body.into(),
            delay: Duration::ZERO,
            fault: None,
        }
    }

    /// This reply, broken by `fault`.
    pub fn broken(mut self, fault: Fault) -> Reply {
        self.fault = Some(fault);
        self
    }

    /// An AWS JSON error (an empty message is left out, as KMS does for some codes).
    pub fn error(status: u16, code: &str, message: &str) -> Reply {
        let body = if message.is_empty() {
            serde_json::json!({ "__type": code })
        } else {
            serde_json::json!({"__type": code, "message": message})
        };
        Reply {
            status,
            body: body.to_string(),
            delay: Duration::ZERO,
            fault: None,
        }
    }

    pub fn after(mut self, delay: Duration) -> Reply {
        self.delay = delay;
        self
    }
}

/// A request a [`Server`] received, and when.
#[derive(Debug, Clone)]
pub struct Arrival {
    pub at: std::time::Instant,
    pub request: Recorded,
}

type Handler = dyn Fn(&Recorded) -> Reply + Send + Sync;

/// A std-only HTTP/1.1 server on 127.0.0.1 that answers any number of requests, on any number
/// of keep-alive connections (a thread each), with a handler, and records them all. It stops
/// accepting when dropped; connection threads end when the client closes or after 10 s idle.
pub struct Server {
    pub url: String,
    arrivals: std::sync::Arc<std::sync::Mutex<Vec<Arrival>>>,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    addr: std::net::SocketAddr,
}

impl Server {
    pub fn start(handler: impl Fn(&Recorded) -> Reply + Send + Sync + 'static) -> Server {
        use std::sync::atomic::{AtomicBool, Ordering};
        use std::sync::{Arc, Mutex};
        let (listener, addr) = http1::bind();
        let arrivals: Arc<Mutex<Vec<Arrival>>> = Arc::default();
        let stop = Arc::new(AtomicBool::new(false));
        let handler: Arc<Handler> = Arc::new(handler);
        {
            let arrivals = Arc::clone(&arrivals);
            let stop = Arc::clone(&stop);
            std::thread::spawn(move || {
                for stream in listener.incoming() {
                    if stop.load(Ordering::Relaxed) {
                        return;
                    }
                    let Ok(stream) = stream else { continue };
                    let arrivals = Arc::clone(&arrivals);
                    let handler = Arc::clone(&handler);
                    std::thread::spawn(move || serve(stream, &*handler, &arrivals));
                }
            });
        }
        Server {
            url: format!("http://{addr}"),
            arrivals,
            stop,
            addr,
        }
    }

    /// Every request so far, in arrival order.
    pub fn arrivals(&self) -> Vec<Arrival> {
        self.arrivals.lock().expect("not poisoned").clone()
    }

    /// The base64 `CiphertextBlob` of every request so far, in arrival order.
    pub fn blobs(&self) -> Vec<String> {
        self.arrivals()
            .iter()
            .map(|a| {
                a.request.json()["CiphertextBlob"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned()
            })
            .collect()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        // Wake the accept loop so it sees the flag.
        let _ = std::net::TcpStream::connect(self.addr);
    }
}

fn serve(
    stream: std::net::TcpStream,
    handler: &Handler,
    arrivals: &std::sync::Mutex<Vec<Arrival>>,
) -> Option<()> {
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .ok()?;
    let _ = stream.set_nodelay(true);
    let mut reader = BufReader::new(stream.try_clone().ok()?);
    let mut writer = stream;
    // One request after another until the client closes the connection (or breaks a request).
    loop {
        let request = Recorded::from_wire(http1::read_request(&mut reader)?)?;
        let at = std::time::Instant::now();
        let reply = handler(&request);
        arrivals
            .lock()
            .expect("not poisoned")
            .push(Arrival { at, request });
        if !reply.delay.is_zero() {
            std::thread::sleep(reply.delay);
        }
        let response = http1::response(
            &format!("HTTP/1.1 {} Loopback", reply.status),
            &[
                ("Content-Type", "application/x-amz-json-1.1"),
                ("x-amzn-RequestId", REQUEST_ID),
            ],
            reply.body.as_bytes(),
        );
        match reply.fault {
            None => http1::send(&mut writer, &response).ok()?,
            Some(Fault::HangUp) => {
                http1::send_and_close(&mut writer, b"");
                return None;
            }
            Some(Fault::Truncate) => {
                let cut = response.len() - reply.body.len() / 2;
                http1::send_and_close(&mut writer, &response[..cut]);
                return None;
            }
        }
    }
}
