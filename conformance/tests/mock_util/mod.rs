//! Helpers shared by the `mock_*` tests: starting mocks, raw requests and page walks.
#![allow(dead_code)]

use std::time::Duration;

use conformance::mock::{self, Fault, MockConfig, RunningMock, Vendor};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A walk never needs more pages than this; more means the server loops.
pub const MAX_PAGES: usize = 200;

pub async fn start(vendor: Vendor) -> RunningMock {
    mock::start(MockConfig::new(vendor))
        .await
        .expect("mock starts")
}

pub async fn start_with(vendor: Vendor, fault: Fault) -> RunningMock {
    mock::start(MockConfig {
        fault: Some(fault),
        ..MockConfig::new(vendor)
    })
    .await
    .expect("mock starts")
}

/// A client that follows no redirects, so tests see them.
pub fn client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(10))
        .build()
        .expect("client builds")
}

#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub text: String,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", self.text))
    }
    pub fn content_type(&self) -> &str {
        self.headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
    pub fn is_json(&self) -> bool {
        self.content_type().starts_with("application/json")
            && serde_json::from_str::<Value>(&self.text).is_ok()
    }
}

/// GET `url` with an optional header.
pub async fn get(url: &str, header: Option<(&str, &str)>) -> Reply {
    let mut request = client().get(url);
    if let Some((name, value)) = header {
        request = request.header(name, value);
    }
    let response = request.send().await.expect("request sent");
    Reply {
        status: response.status().as_u16(),
        headers: response.headers().clone(),
        text: response.text().await.expect("body read"),
    }
}

pub fn bearer(m: &RunningMock) -> String {
    format!("Bearer {}", m.credentials.peeker_token.as_deref().unwrap())
}

/// GET a Peeker URL with the mock's token.
pub async fn peeker_get(m: &RunningMock, url: &str) -> Reply {
    get(url, Some(("authorization", &bearer(m)))).await
}

/// GET `/domains?{query}` with the mock's token.
pub async fn peeker_query(m: &RunningMock, query: &str) -> Reply {
    peeker_get(m, &format!("{}/domains?{query}", m.base_url)).await
}

/// Follows `links.next` from `/domains?{query}`; returns the pages' bodies.
pub async fn peeker_walk(m: &RunningMock, query: &str) -> Vec<Value> {
    let mut url = format!("{}/domains?{query}", m.base_url);
    let mut pages = Vec::new();
    for _ in 0..MAX_PAGES {
        let reply = peeker_get(m, &url).await;
        assert_eq!(reply.status, 200, "{url}: {}", reply.text);
        let page = reply.json();
        let next = page["links"]["next"].as_str().map(str::to_string);
        pages.push(page);
        match next {
            Some(n) => url = n,
            None => return pages,
        }
    }
    panic!("more than {MAX_PAGES} pages: the server loops");
}

pub fn items(pages: &[Value], pointer: &str) -> Vec<Value> {
    pages
        .iter()
        .flat_map(|p| {
            p.pointer(pointer)
                .and_then(|d| d.as_array())
                .cloned()
                .unwrap_or_default()
        })
        .collect()
}

pub fn ids(items: &[Value]) -> Vec<String> {
    items.iter().map(|i| i["id"].to_string()).collect()
}

pub fn project_url(m: &RunningMock, project: impl std::fmt::Display) -> String {
    format!("{}/project/{project}/domains", m.base_url)
}

pub fn scoped(m: &RunningMock) -> &str {
    m.credentials.scoped_key.as_deref().unwrap()
}

pub fn global(m: &RunningMock) -> &str {
    m.credentials.global_key.as_deref().unwrap()
}

pub async fn devpayr_get(url: &str, key: &str) -> Reply {
    get(url, Some(("x-api-key", key))).await
}

/// Follows `data.next_cursor` on a project; returns the pages' bodies.
pub async fn devpayr_walk(
    m: &RunningMock,
    key: &str,
    project: u64,
    per_page: Option<u64>,
) -> Vec<Value> {
    let base = project_url(m, project);
    let size = per_page
        .map(|p| format!("per_page={p}"))
        .unwrap_or_default();
    let mut url = format!("{base}?{size}");
    let mut pages = Vec::new();
    for _ in 0..MAX_PAGES {
        let reply = devpayr_get(&url, key).await;
        assert_eq!(reply.status, 200, "{url}: {}", reply.text);
        let page = reply.json();
        let next = page["data"]["next_cursor"].as_str().map(str::to_string);
        pages.push(page);
        match next {
            Some(c) => url = format!("{base}?{size}&cursor={c}"),
            None => return pages,
        }
    }
    panic!("more than {MAX_PAGES} pages: the server loops");
}

/// Sends bytes over a fresh TCP connection and returns the raw response (for requests that no
/// HTTP client library would send).
pub async fn raw(m: &RunningMock, request_line_and_headers: &str) -> (u16, String) {
    let addr = m.origin().trim_start_matches("http://").to_string();
    let mut stream = tokio::net::TcpStream::connect(&addr)
        .await
        .expect("connect");
    let request =
        format!("{request_line_and_headers}\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.expect("write");
    let mut out = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut out))
        .await
        .expect("response in time")
        .expect("read");
    let text = String::from_utf8_lossy(&out).to_string();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, text)
}

/// The body of a raw response (after the blank line), de-chunked when needed.
pub fn raw_body(response: &str) -> String {
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((response, ""));
    if !head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        return body.to_string();
    }
    let mut out = String::new();
    let mut rest = body;
    while let Some((size, tail)) = rest.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 || tail.len() < n {
            break;
        }
        out.push_str(&tail[..n]);
        rest = tail[n..].trim_start_matches("\r\n");
    }
    out
}

/// Problems of a response body against the spec's schema for `status` (empty when it conforms).
pub fn schema_problems(vendor: Vendor, status: u16, body: &Value) -> Vec<String> {
    let spec = vendor.spec().expect("spec");
    let op = spec.paginated_operation().expect("operation");
    let schema = spec
        .json_schemas()
        .response(&op.pointer, &status.to_string())
        .unwrap_or_else(|| panic!("status {status} is not documented"));
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    validator
        .iter_errors(body)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect()
}
