//! A local HTTP server that records every request and answers from a closure, so that client
//! tests can assert the exact requests a generated client makes. Bound to 127.0.0.1 on an
//! ephemeral port.

use std::sync::{Arc, Mutex};

use anyhow::Context as _;

use crate::lock;

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
    /// The status.
    pub status: u16,
    /// The JSON body (unless `raw` is set).
    pub body: Value,
    /// Headers to add.
    pub headers: Vec<(&'static str, String)>,
    /// A body that is not JSON: its content type and bytes, sent instead of `body`.
    pub raw: Option<(&'static str, Vec<u8>)>,
}

impl Reply {
    /// A JSON reply.
    pub fn json(status: u16, body: Value) -> Reply {
        Reply {
            status,
            body,
            headers: Vec::new(),
            raw: None,
        }
    }

    /// A reply whose body is `bytes` of `content_type`, as a proxy or gateway may send.
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
        lock(&self.log).clone()
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
    lock(&log).push(recorded);
    let Ok(status) = StatusCode::from_u16(reply.status) else {
        let message = format!("the test's reply has the invalid status {}", reply.status);
        return (StatusCode::INTERNAL_SERVER_ERROR, message).into_response();
    };
    let mut response = match reply.raw {
        Some((content_type, bytes)) => {
            (status, [("content-type", content_type)], bytes).into_response()
        }
        None => (status, axum::Json(reply.body)).into_response(),
    };
    for (name, value) in reply.headers {
        let Ok(value) = value.parse() else {
            let message = format!("the test's header {name}: {value:?} is not a header value");
            return (StatusCode::INTERNAL_SERVER_ERROR, message).into_response();
        };
        response.headers_mut().insert(name, value);
    }
    response
}

/// Starts a server answering every request with `respond`.
pub async fn serve(
    respond: impl Fn(&Recorded) -> Reply + Send + Sync + 'static,
) -> anyhow::Result<Server> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .context("cannot bind 127.0.0.1:0")?;
    let origin = format!("http://{}", listener.local_addr()?);
    let log: Log = Arc::default();
    let respond: Respond = Arc::new(respond);
    let app = axum::Router::new()
        .fallback(handle)
        .with_state((log.clone(), respond));
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok(Server { origin, log })
}

impl Server {
    /// The number of requests received so far.
    pub fn count(&self) -> usize {
        lock(&self.log).len()
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
