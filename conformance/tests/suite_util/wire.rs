//! A tiny raw HTTP/1.1 server for the hostile behaviours the reference mocks do not offer: a
//! connection reset in the middle of a body, pages that never end, 429s of the wrong shape,
//! links and redirects to another origin. It also counts what reached it: connections, the
//! first bytes of each connection (an `https` request to it would start with a TLS record, not
//! `GET `), every request, and the most requests it was answering at once.
//!
//! A [`Handler`] decides the reply to each request; [`peeker_pages`] answers like a small,
//! valid Peeker API so that only the hostile part of a test is hostile.
//!
//! Used by the `suite_*` tests here and, through `#[path]`, by the `cli_*` tests of xtask:
//! keep to what both crates depend on (conformance, serde_json, tokio).

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// One request as the server read it.
#[derive(Debug, Clone)]
pub struct Request {
    /// Sequence number on this server, from 0.
    pub n: u64,
    /// `GET`.
    pub method: String,
    /// Path and query, e.g. `/api/partner/v1/domains?per_page=100`.
    pub target: String,
    /// Headers, names in lower case.
    pub headers: Vec<(String, String)>,
}

impl Request {
    /// A header's value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// A query parameter's (decoded) value.
    pub fn query(&self, name: &str) -> Option<String> {
        let url = conformance::url::Url::parse(&format!("http://x{}", self.target)).ok()?;
        url.query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    }
}

/// What the server does with a request.
#[derive(Debug, Clone)]
pub enum Reply {
    /// A complete response (`Content-Length` is added).
    Full {
        /// Status.
        status: u16,
        /// Headers besides `Content-Length`.
        headers: Vec<(String, String)>,
        /// Body.
        body: Vec<u8>,
    },
    /// The reply, after a pause.
    Delayed(Duration, Box<Reply>),
    /// Headers announcing `body` in full, the first `sent` bytes of it, then a TCP reset
    /// (`SO_LINGER` 0 and close).
    ResetMidBody {
        /// The complete JSON body the headers announce.
        body: Vec<u8>,
        /// How much of it is sent.
        sent: usize,
    },
    /// Read the request and never answer (until the server is dropped).
    Hang,
}

/// Decides the reply to each request.
pub type Handler = Arc<dyn Fn(&Request) -> Reply + Send + Sync>;

/// A JSON response.
pub fn json_reply(status: u16, body: &Value) -> Reply {
    Reply::Full {
        status,
        headers: vec![("Content-Type".into(), "application/json".into())],
        body: body.to_string().into_bytes(),
    }
}

/// A running server on 127.0.0.1; it stops when dropped.
pub struct Wire {
    /// Where it listens.
    pub addr: SocketAddr,
    state: Arc<State>,
    stop: watch::Sender<bool>,
}

#[derive(Default)]
struct State {
    connections: AtomicU64,
    requests: Mutex<Vec<Request>>,
    first_bytes: Mutex<Vec<Vec<u8>>>,
    in_flight: AtomicU64,
    max_in_flight: AtomicU64,
    next: AtomicU64,
}

impl Wire {
    /// Starts a server on a free port of 127.0.0.1; `make` gets its origin
    /// (`http://127.0.0.1:PORT`) and returns the handler.
    pub async fn start(make: impl FnOnce(String) -> Handler) -> Wire {
        Wire::bind("127.0.0.1:0".parse().unwrap(), make)
            .await
            .expect("bind 127.0.0.1:0")
    }

    /// Starts a server on `addr`.
    pub async fn bind(
        addr: SocketAddr,
        make: impl FnOnce(String) -> Handler,
    ) -> std::io::Result<Wire> {
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let handler = make(format!("http://{addr}"));
        let state = Arc::new(State::default());
        let (stop, stopped) = watch::channel(false);
        let s = state.clone();
        let mut stopped_accept = stopped.clone();
        tokio::spawn(async move {
            loop {
                let stream = tokio::select! {
                    accepted = listener.accept() => match accepted {
                        Ok((stream, _)) => stream,
                        Err(_) => continue,
                    },
                    _ = stopped_accept.changed() => return,
                };
                s.connections.fetch_add(1, Ordering::SeqCst);
                let (s, handler, mut stopped) = (s.clone(), handler.clone(), stopped.clone());
                tokio::spawn(async move {
                    tokio::select! {
                        _ = connection(stream, &s, &handler) => {}
                        _ = stopped.changed() => {}
                    }
                });
            }
        });
        Ok(Wire { addr, state, stop })
    }

    /// `http://127.0.0.1:PORT`.
    pub fn origin(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The Peeker base URL on this server.
    pub fn peeker_base(&self) -> String {
        format!("{}{PEEKER_BASE_PATH}", self.origin())
    }

    /// Connections accepted so far.
    pub fn connections(&self) -> u64 {
        self.state.connections.load(Ordering::SeqCst)
    }

    /// Every request read so far.
    pub fn requests(&self) -> Vec<Request> {
        self.state.requests.lock().unwrap().clone()
    }

    /// The first bytes each connection sent (up to 16).
    pub fn first_bytes(&self) -> Vec<Vec<u8>> {
        self.state.first_bytes.lock().unwrap().clone()
    }

    /// The most requests answered at once.
    pub fn max_in_flight(&self) -> u64 {
        self.state.max_in_flight.load(Ordering::SeqCst)
    }
}

impl Drop for Wire {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

async fn connection(mut stream: TcpStream, state: &State, handler: &Handler) {
    let mut buffer: Vec<u8> = Vec::new();
    let mut first = true;
    loop {
        // Read one request head (requests carry no body here: everything is a GET).
        let head_end = loop {
            if let Some(i) = find(&buffer, b"\r\n\r\n") {
                break i + 4;
            }
            let mut chunk = [0u8; 4096];
            let n = match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => n,
            };
            if first {
                first = false;
                state
                    .first_bytes
                    .lock()
                    .unwrap()
                    .push(chunk[..n.min(16)].to_vec());
            }
            buffer.extend_from_slice(&chunk[..n]);
            if buffer.len() > 64 * 1024 {
                return;
            }
        };
        let head = String::from_utf8_lossy(&buffer[..head_end]).into_owned();
        buffer.drain(..head_end);
        let mut lines = head.split("\r\n");
        let mut start = lines.next().unwrap_or_default().split(' ');
        let request = Request {
            n: state.next.fetch_add(1, Ordering::SeqCst),
            method: start.next().unwrap_or_default().to_string(),
            target: start.next().unwrap_or_default().to_string(),
            headers: lines
                .filter_map(|l| l.split_once(':'))
                .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
                .collect(),
        };
        state.requests.lock().unwrap().push(request.clone());
        let now = state.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        state.max_in_flight.fetch_max(now, Ordering::SeqCst);
        let keep = send(&mut stream, handler(&request)).await;
        state.in_flight.fetch_sub(1, Ordering::SeqCst);
        if !keep {
            return;
        }
    }
}

/// Sends a reply; returns whether the connection stays usable.
async fn send(stream: &mut TcpStream, mut reply: Reply) -> bool {
    loop {
        match reply {
            Reply::Delayed(pause, inner) => {
                tokio::time::sleep(pause).await;
                reply = *inner;
            }
            Reply::Full {
                status,
                headers,
                body,
            } => {
                let mut out = format!("HTTP/1.1 {status} {}\r\n", reason(status));
                for (k, v) in &headers {
                    out.push_str(&format!("{k}: {v}\r\n"));
                }
                out.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
                let mut bytes = out.into_bytes();
                bytes.extend_from_slice(&body);
                return stream.write_all(&bytes).await.is_ok();
            }
            Reply::ResetMidBody { body, sent } => {
                let head = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
                    body.len()
                );
                let _ = stream.write_all(head.as_bytes()).await;
                let _ = stream.write_all(&body[..sent.min(body.len())]).await;
                let _ = stream.flush().await;
                // Let the client read what was sent, then reset instead of a clean close.
                tokio::time::sleep(Duration::from_millis(20)).await;
                let _ = stream.set_zero_linger();
                return false;
            }
            Reply::Hang => {
                std::future::pending::<()>().await;
            }
        }
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        302 => "Found",
        401 => "Unauthorized",
        422 => "Unprocessable Content",
        429 => "Too Many Requests",
        _ => "Status",
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// The spec's base path of Peeker.
pub const PEEKER_BASE_PATH: &str = "/api/partner/v1";

/// A valid Peeker domain.
pub fn peeker_domain(id: &str) -> Value {
    json!({
        "id": id,
        "domain": format!("{id}.example"),
        "category": "inventory",
        "status": "active",
        "usable_for": ["google"],
        "created_at": "2026-01-01T00:00:00Z",
    })
}

/// The page size a Peeker request asks for, as the spec reads it (default 25, max 100);
/// `None` when it is not a valid page size.
pub fn peeker_page_size(r: &Request) -> Option<u64> {
    match r.query("per_page") {
        None => Some(25),
        Some(s) => s.parse::<u64>().ok().filter(|n| (1..=100).contains(n)),
    }
}

/// A valid Peeker page of these ids, with a next link or none.
pub fn peeker_page(origin: &str, per_page: u64, ids: &[String], next: Option<String>) -> Value {
    let data: Vec<Value> = ids.iter().map(|id| peeker_domain(id)).collect();
    let mut links = json!({});
    if let Some(n) = next {
        links["next"] = Value::String(n);
    }
    json!({
        "data": data,
        "links": links,
        "meta": {
            "path": format!("{origin}{PEEKER_BASE_PATH}/domains"),
            "per_page": per_page,
            "returned": ids.len(),
        },
    })
}

/// The Peeker error body.
pub fn peeker_error(status: u16, message: &str) -> Reply {
    json_reply(status, &json!({ "message": message }))
}

/// A small conforming Peeker API holding one domain (`dom_1`: inventory, active, usable for
/// google, no owner): missing or wrong keys get 401, invalid page sizes, enum values and page
/// tokens get 422, filters select. `next` (given the request) may put a next link on a page,
/// for links that must not be followed.
pub fn peeker_pages(
    origin: String,
    key: &'static str,
    next: impl Fn(&Request) -> Option<String> + Send + Sync + 'static,
) -> Handler {
    Arc::new(move |r: &Request| peeker_answer(&origin, key, r, &next))
}

/// What [`peeker_pages`] answers.
pub fn peeker_answer(
    origin: &str,
    key: &str,
    r: &Request,
    next: &dyn Fn(&Request) -> Option<String>,
) -> Reply {
    if !r.target.starts_with(&format!("{PEEKER_BASE_PATH}/domains")) {
        return peeker_error(404, "Not found.");
    }
    if r.header("authorization") != Some(&format!("Bearer {key}")) {
        return peeker_error(401, "Unauthenticated.");
    }
    let Some(size) = peeker_page_size(r) else {
        return peeker_error(422, "The per page field must be between 1 and 100.");
    };
    if r.query("page_token").is_some_and(|t| !t.is_empty()) {
        return peeker_error(422, "Invalid page token.");
    }
    let mut selected = true;
    for (param, values, item) in [
        (
            "status",
            &[
                "available",
                "in_progress",
                "active",
                "failed",
                "action_required",
            ][..],
            "active",
        ),
        ("category", &["inventory", "connected"][..], "inventory"),
        ("usable_for", &["google", "microsoft"][..], "google"),
    ] {
        if let Some(v) = r.query(param) {
            if !values.contains(&v.as_str()) {
                return peeker_error(422, "The selected value is invalid.");
            }
            selected &= v == item;
        }
    }
    for owner in ["user_id", "user_email"] {
        selected &= r.query(owner).is_none_or(|v| v.is_empty());
    }
    let ids = if selected {
        vec!["dom_1".to_string()]
    } else {
        vec![]
    };
    json_reply(200, &peeker_page(origin, size, &ids, next(r)))
}
