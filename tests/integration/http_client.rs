//! A minimal HTTP/1.0 client for the `serve` tests, over a plain `TcpStream`.
//!
//! Hand-written on purpose: the traversal tests must put raw, unnormalised paths (`/../`,
//! `%2e%2e`, backslashes) on the wire, which HTTP client crates clean up or refuse. HTTP/1.0
//! keeps responses close-delimited (no chunked framing), which also makes the event stream easy
//! to read line by line.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

/// A response: status, headers (names lowercased) and body.
#[derive(Debug)]
pub(crate) struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    pub(crate) fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

fn connect(addr: SocketAddr) -> TcpStream {
    let stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    stream
}

fn read_head(reader: &mut impl BufRead) -> (u16, Vec<(String, String)>) {
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    let status = line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("bad status line {line:?}"));
    let mut headers = Vec::new();
    loop {
        line.clear();
        reader.read_line(&mut line).unwrap();
        let l = line.trim_end();
        if l.is_empty() {
            break;
        }
        if let Some((n, v)) = l.split_once(':') {
            headers.push((n.trim().to_ascii_lowercase(), v.trim().to_owned()));
        }
    }
    (status, headers)
}

/// Sends `GET <raw_path>` exactly as given and reads the whole response.
pub(crate) fn get(addr: SocketAddr, raw_path: &str) -> Response {
    request(addr, "GET", raw_path)
}

pub(crate) fn request(addr: SocketAddr, method: &str, raw_path: &str) -> Response {
    let mut stream = connect(addr);
    write!(
        stream,
        "{method} {raw_path} HTTP/1.0\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut reader = BufReader::new(stream);
    let (status, headers) = read_head(&mut reader);
    let mut body = Vec::new();
    reader.read_to_end(&mut body).unwrap();
    Response {
        status,
        headers,
        body,
    }
}

/// One server-sent event.
#[derive(Debug, Clone)]
pub(crate) struct Event {
    pub event: String,
    pub data: String,
}

impl Event {
    pub(crate) fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.data).unwrap()
    }
}

/// An open event stream.
pub(crate) struct EventStream {
    reader: BufReader<TcpStream>,
    pub headers: Vec<(String, String)>,
}

impl EventStream {
    pub(crate) fn open(addr: SocketAddr) -> Self {
        let mut stream = connect(addr);
        write!(
            stream,
            "GET /__veiviser/events HTTP/1.0\r\nHost: {addr}\r\nAccept: text/event-stream\r\n\r\n"
        )
        .unwrap();
        let mut reader = BufReader::new(stream);
        let (status, headers) = read_head(&mut reader);
        assert_eq!(status, 200);
        EventStream { reader, headers }
    }

    /// The next event (keep-alive comments skipped); `None` when the stream ended.
    pub(crate) fn next(&mut self) -> Option<Event> {
        let mut event = Event {
            event: "message".into(),
            data: String::new(),
        };
        let mut seen = false;
        let mut line = String::new();
        loop {
            line.clear();
            if self.reader.read_line(&mut line).ok()? == 0 {
                return None;
            }
            let l = line.trim_end_matches(['\r', '\n']);
            if l.is_empty() {
                if seen {
                    return Some(event);
                }
                continue;
            }
            if l.starts_with(':') {
                continue;
            }
            let (field, value) = l.split_once(':').unwrap_or((l, ""));
            let value = value.strip_prefix(' ').unwrap_or(value);
            match field {
                "event" => value.clone_into(&mut event.event),
                "data" => {
                    if !event.data.is_empty() {
                        event.data.push('\n');
                    }
                    event.data.push_str(value);
                }
                _ => {}
            }
            seen = true;
        }
    }

    /// Waits for a `state` event satisfying `pred`, failing after `timeout`.
    #[track_caller]
    pub(crate) fn wait_for(
        &mut self,
        timeout: Duration,
        pred: impl Fn(&serde_json::Value) -> bool,
    ) -> serde_json::Value {
        let deadline = Instant::now() + timeout;
        let mut seen = Vec::new();
        while Instant::now() < deadline {
            let left = deadline.saturating_duration_since(Instant::now());
            self.reader
                .get_ref()
                .set_read_timeout(Some(left.max(Duration::from_millis(10))))
                .unwrap();
            match self.next() {
                Some(e) if e.event == "state" => {
                    let v = e.json();
                    if pred(&v) {
                        return v;
                    }
                    seen.push(v);
                }
                Some(_) => {}
                None => break,
            }
        }
        panic!("no matching event within {timeout:?}; saw {seen:#?}");
    }
}
