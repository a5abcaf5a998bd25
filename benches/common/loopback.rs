//! A std-only HTTP/1.1 server on 127.0.0.1 that answers every request with one canned
//! response, keeping connections alive. One thread per connection; it never reaches beyond
//! loopback and stops by itself after `max_requests` requests or `max_time`. [`start_with`]
//! wraps each connection first (a TLS server session, say) or ends it on its own terms.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// A running server.
#[derive(Debug)]
pub struct Server {
    /// Where it listens.
    pub addr: SocketAddr,
    /// Requests answered so far.
    pub served: Arc<AtomicU64>,
    /// Connections accepted so far.
    pub accepted: Arc<AtomicU64>,
}

/// Starts a server answering `body` (as `application/x-amz-json-1.1`) on an ephemeral port.
pub fn start(body: Vec<u8>, max_requests: u64, max_time: Duration) -> std::io::Result<Server> {
    start_with(body, max_requests, max_time, Ok)
}

/// [`start`], serving what `wrap` makes of each accepted connection; an error from `wrap`
/// closes the connection.
pub fn start_with<S, W>(
    body: Vec<u8>,
    max_requests: u64,
    max_time: Duration,
    wrap: W,
) -> std::io::Result<Server>
where
    S: Read + Write,
    W: Fn(TcpStream) -> std::io::Result<S> + Send + Sync + 'static,
{
    let listener = TcpListener::bind(("127.0.0.1", 0))?;
    let addr = listener.local_addr()?;
    let served = Arc::new(AtomicU64::new(0));
    let accepted = Arc::new(AtomicU64::new(0));
    let response: Arc<Vec<u8>> = Arc::new(response_bytes(&body));
    let counter = Arc::clone(&served);
    let connections = Arc::clone(&accepted);
    let wrap = Arc::new(wrap);
    let started = Instant::now();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            if started.elapsed() > max_time || counter.load(Ordering::Relaxed) >= max_requests {
                break;
            }
            let Ok(stream) = stream else { continue };
            connections.fetch_add(1, Ordering::Relaxed);
            let response = Arc::clone(&response);
            let counter = Arc::clone(&counter);
            let wrap = Arc::clone(&wrap);
            std::thread::spawn(move || {
                let _ = stream
                    .set_nodelay(true)
                    .and_then(|()| stream.set_read_timeout(Some(Duration::from_secs(30))))
                    .and_then(|()| wrap(stream))
                    .and_then(|stream| {
                        serve(
                            stream,
                            &response,
                            &counter,
                            max_requests,
                            started + max_time,
                        )
                    });
            });
        }
    });
    Ok(Server {
        addr,
        served,
        accepted,
    })
}

fn response_bytes(body: &[u8]) -> Vec<u8> {
    let mut r = format!(
        "HTTP/1.1 200 OK\r\nx-amzn-RequestId: 0b9a6b7e-5d1c-4b7a-9a7e-3f6d2c1b0a99\r\n\
         Content-Type: application/x-amz-json-1.1\r\nContent-Length: {}\r\n\
         Date: Sun, 29 Nov 2026 02:44:20 GMT\r\n\r\n",
        body.len()
    )
    .into_bytes();
    r.extend_from_slice(body);
    r
}

fn serve(
    stream: impl Read + Write,
    response: &[u8],
    served: &AtomicU64,
    max_requests: u64,
    until: Instant,
) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    let mut body = Vec::new();
    loop {
        // Request line; EOF ends the connection.
        line.clear();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let mut length = 0usize;
        let mut close = false;
        loop {
            line.clear();
            if reader.read_line(&mut line)? == 0 {
                return Ok(());
            }
            let l = line.trim_end();
            if l.is_empty() {
                break;
            }
            if let Some((name, value)) = l.split_once(':') {
                let value = value.trim();
                if name.eq_ignore_ascii_case("content-length") {
                    length = value.parse().unwrap_or(0);
                } else if name.eq_ignore_ascii_case("connection") {
                    close = value.eq_ignore_ascii_case("close");
                }
            }
        }
        body.resize(length, 0);
        reader.read_exact(&mut body)?;
        let writer = reader.get_mut();
        writer.write_all(response)?;
        writer.flush()?;
        let n = served.fetch_add(1, Ordering::Relaxed) + 1;
        if close || n >= max_requests || Instant::now() > until {
            return Ok(());
        }
    }
}
