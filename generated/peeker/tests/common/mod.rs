//! A local HTTP server that records every request and answers from a closure, so that the
//! tests can assert the exact requests the generated client makes.

use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, Request, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// `GET`, ...
    pub method: String,
    /// Path and query, exactly as sent.
    pub uri: String,
    /// Every header.
    pub headers: HeaderMap,
}

/// What the server answers.
pub struct Reply {
    pub status: u16,
    pub body: Value,
    pub headers: Vec<(&'static str, String)>,
    /// A body that is not JSON: its content type and bytes, sent instead of `body`.
    pub raw: Option<(&'static str, Vec<u8>)>,
}

impl Reply {
    pub fn json(status: u16, body: Value) -> Reply {
        Reply {
            status,
            body,
            headers: Vec::new(),
            raw: None,
        }
    }

    /// A reply whose body is `bytes` of `content_type`, as a proxy or gateway may send.
    #[allow(dead_code)]
    pub fn raw(status: u16, content_type: &'static str, bytes: &[u8]) -> Reply {
        Reply {
            status,
            body: Value::Null,
            headers: Vec::new(),
            raw: Some((content_type, bytes.to_vec())),
        }
    }
}

type Respond = Arc<dyn Fn(&Recorded) -> Reply + Send + Sync>;
type Log = Arc<Mutex<Vec<Recorded>>>;

/// A running server on 127.0.0.1 with an ephemeral port.
pub struct Server {
    /// `http://127.0.0.1:<port>`, without a trailing slash.
    pub origin: String,
    log: Log,
}

impl Server {
    /// Every request received so far, in order.
    pub fn requests(&self) -> Vec<Recorded> {
        self.log.lock().unwrap().clone()
    }

    /// Path and query of every request received so far, in order.
    pub fn uris(&self) -> Vec<String> {
        self.requests().into_iter().map(|r| r.uri).collect()
    }
}

async fn handle(State((log, respond)): State<(Log, Respond)>, request: Request<Body>) -> Response {
    let recorded = Recorded {
        method: request.method().to_string(),
        uri: request.uri().to_string(),
        headers: request.headers().clone(),
    };
    let reply = respond(&recorded);
    log.lock().unwrap().push(recorded);
    let status = StatusCode::from_u16(reply.status).unwrap();
    let mut response = match reply.raw {
        Some((content_type, bytes)) => {
            (status, [("content-type", content_type)], bytes).into_response()
        }
        None => (status, axum::Json(reply.body)).into_response(),
    };
    for (name, value) in reply.headers {
        response.headers_mut().insert(name, value.parse().unwrap());
    }
    response
}

/// Starts a server answering every request with `respond`.
pub async fn serve(respond: impl Fn(&Recorded) -> Reply + Send + Sync + 'static) -> Server {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    let log: Log = Arc::default();
    let respond: Respond = Arc::new(respond);
    let app = axum::Router::new()
        .fallback(handle)
        .with_state((log.clone(), respond));
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    Server { origin, log }
}

#[allow(dead_code)]
impl Server {
    /// The number of requests received so far.
    pub fn count(&self) -> usize {
        self.log.lock().unwrap().len()
    }
}

/// The value of the query parameter `name` in a recorded path and query.
pub fn query_param(uri: &str, name: &str) -> Option<String> {
    let query = uri.split_once('?')?.1;
    query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}
