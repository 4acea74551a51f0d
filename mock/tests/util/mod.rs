//! Helpers shared by the mock's tests: specs, starting mocks, raw requests, page walks by the
//! one walk model, and schema validation of bodies.
#![allow(dead_code)]

use std::path::PathBuf;
use std::time::Duration;

use mock::{Fault, MockConfig, ReadingMode, RunningMock};
use serde_json::Value;
use specs::walk::{Step, Walker};
use specs::{Location, SecurityKind, Spec};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A walk never needs more pages than this; more means the server loops.
pub const MAX_PAGES: usize = 300;

/// An embedded spec (`peeker`, `devpayr`).
pub fn spec(name: &str) -> Spec {
    specs::load(name).expect("embedded").expect("parses")
}

/// The fixture specs' directory.
pub fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures/specs")
}

/// A fixture spec by file stem.
pub fn fixture(name: &str) -> Spec {
    Spec::load(&fixtures_dir().join(format!("{name}.yaml"))).unwrap_or_else(|e| panic!("{e}"))
}

/// Every fixture spec, by name order.
pub fn fixtures() -> Vec<Spec> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(fixtures_dir())
        .expect("fixtures")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|p| Spec::load(p).unwrap_or_else(|e| panic!("{e}")))
        .collect()
}

/// The two real specs and every fixture.
pub fn all_specs() -> Vec<Spec> {
    let mut out = specs::all().expect("the embedded specs parse");
    out.extend(fixtures());
    out
}

pub async fn start(spec: Spec) -> RunningMock {
    mock::start(MockConfig::new(spec))
        .await
        .expect("mock starts")
}

pub async fn start_fault(spec: Spec, fault: Fault) -> RunningMock {
    mock::start(MockConfig {
        fault: Some(fault),
        ..MockConfig::new(spec)
    })
    .await
    .expect("mock starts")
}

pub async fn start_mode(spec: Spec, mode: ReadingMode) -> RunningMock {
    mock::start(MockConfig {
        reading: Some(mode),
        ..MockConfig::new(spec)
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

#[derive(Debug, Clone)]
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
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
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

/// GET `url` with a secret sent the way the spec says.
pub async fn get_as(m: &RunningMock, url: &str, secret: Option<&str>) -> Reply {
    let Some(secret) = secret else {
        return get(url, None).await;
    };
    let security = m
        .spec()
        .paginated_operation()
        .and_then(|o| o.security.clone());
    match security.map(|s| (s.kind.clone(), s)) {
        Some((SecurityKind::Query(name), _)) => {
            let sep = if url.contains('?') { '&' } else { '?' };
            get(&format!("{url}{sep}{name}={secret}"), None).await
        }
        Some((_, s)) => {
            let name = s.header_name().unwrap_or_default().to_string();
            get(url, Some((&name, &s.header_value(secret)))).await
        }
        None => get(url, None).await,
    }
}

/// The primary credential's secret.
pub fn primary(m: &RunningMock) -> Option<String> {
    m.credentials.primary().map(|k| k.secret.clone())
}

/// GET with the primary credential.
pub async fn get_primary(m: &RunningMock, url: &str) -> Reply {
    get_as(m, url, primary(m).as_deref()).await
}

/// The endpoint URL with the given path values (the primary's by default).
pub fn endpoint(m: &RunningMock, overrides: &[(&str, &str)]) -> String {
    let op = m.spec().paginated_operation().unwrap();
    let mut path = op.path.clone();
    for p in op.parameters_in(Location::Path) {
        let value = overrides
            .iter()
            .find(|(n, _)| *n == p.name)
            .map(|(_, v)| v.to_string())
            .unwrap_or_else(|| m.credentials.path_values[&p.name].clone());
        path = path.replace(&format!("{{{}}}", p.name), &value);
    }
    format!("{}{path}", m.base_url)
}

/// GET `endpoint?query` with the primary credential.
pub async fn query(m: &RunningMock, q: &str) -> Reply {
    get_primary(m, &format!("{}?{q}", endpoint(m, &[]))).await
}

/// The `rel="next"` URL of the reply's `Link` headers, read by the clients' own RFC 8288
/// parser.
pub fn link_next(reply: &Reply) -> Option<String> {
    client_runtime::next_link(&reply.headers)
}

/// One page of a walk.
#[derive(Debug, Clone)]
pub struct Page {
    pub url: String,
    pub reply: Reply,
    pub body: Value,
}

/// Follows the next page from `endpoint?query` with `secret`, as the one walk model of the
/// spec's `x-pagination` says (the clients' and the suite's); returns every page.
pub async fn walk_as(m: &RunningMock, base: &str, q: &str, secret: Option<&str>) -> Vec<Page> {
    let spec = m.spec().clone();
    let p = spec
        .paginated_operation()
        .unwrap()
        .pagination
        .clone()
        .unwrap();
    let first = if q.is_empty() {
        base.to_string()
    } else {
        format!("{base}?{q}")
    };
    let first_url = reqwest::Url::parse(&first).expect("a URL");
    let mut walker = Walker::new(p.walk.clone(), effective_size(&first, &p));
    let mut url = first.clone();
    let mut pages: Vec<Page> = Vec::new();
    for _ in 0..MAX_PAGES {
        let reply = get_as(m, &url, secret).await;
        assert_eq!(reply.status, 200, "{url}: {}", reply.text);
        let body = reply.json();
        let header = |name: &str| {
            let values: Vec<&str> = reply
                .headers
                .get_all(name)
                .iter()
                .filter_map(|v| v.to_str().ok())
                .collect();
            (!values.is_empty()).then(|| values.join(", "))
        };
        let (_, observed) = p.observe(&body, &header).expect("a page");
        let at = reqwest::Url::parse(&url).expect("a URL");
        let step = walker
            .step(&observed, Some(&at), &first_url)
            .expect("the walk goes on or ends");
        pages.push(Page {
            url: url.clone(),
            reply,
            body,
        });
        match step {
            Step::Next(next) => url = next.url(&first_url).to_string(),
            Step::End(_) => return pages,
        }
    }
    panic!("more than {MAX_PAGES} pages: the server loops");
}

/// The size a query asks for, or the default.
fn effective_size(url: &str, p: &specs::Pagination) -> u64 {
    url.split_once('?')
        .map(|(_, q)| q)
        .unwrap_or("")
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .filter(|(k, _)| *k == p.size_param)
        .filter_map(|(_, v)| v.parse().ok())
        .next_back()
        .unwrap_or(p.size_default)
        .clamp(p.size_min, p.size_max)
}

pub fn key_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Walks from the primary's endpoint.
pub async fn walk(m: &RunningMock, q: &str) -> Vec<Page> {
    let base = endpoint(m, &[]);
    walk_as(m, &base, q, primary(m).as_deref()).await
}

/// Every item of some pages.
pub fn items(m: &RunningMock, pages: &[Page]) -> Vec<Value> {
    let p = m
        .spec()
        .paginated_operation()
        .unwrap()
        .pagination
        .clone()
        .unwrap();
    pages
        .iter()
        .flat_map(|page| {
            page.body
                .pointer(&p.items)
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default()
        })
        .collect()
}

/// The item keys of some items, as text.
pub fn keys(m: &RunningMock, items: &[Value]) -> Vec<String> {
    let key = m
        .spec()
        .paginated_operation()
        .unwrap()
        .pagination
        .clone()
        .unwrap()
        .item_key;
    items
        .iter()
        .map(|i| i.pointer(&key).map(key_text).unwrap_or_default())
        .collect()
}

/// The keys of a whole walk.
pub async fn walk_keys(m: &RunningMock, q: &str) -> Vec<String> {
    let pages = walk(m, q).await;
    keys(m, &items(m, &pages))
}

pub fn unique(keys: &[String]) -> usize {
    keys.iter().collect::<std::collections::BTreeSet<_>>().len()
}

/// Problems of a body against the spec's schema for `status` (the error body's, for an error
/// carried in a 200 body), formats asserted; `None` when the status is not documented.
pub fn schema_problems(spec: &Spec, status: u16, body: &Value) -> Option<Vec<String>> {
    let op = spec.paginated_operation().expect("operation");
    let response = match op.errors.in_body_error(status, Some(body)) {
        Some(_) => op.error_body()?,
        None => op.response(status)?,
    };
    let schema = spec.json_schemas().of_response(response)?;
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&schema.schema)
        .expect("schema compiles");
    Some(
        validator
            .iter_errors(body)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect(),
    )
}

/// The status the reference mock answers a refusal of `kind` with: 200 where the spec answers
/// it in the body (`x-errors.in-body` and codes for the kind), else the kind's first status.
pub fn refusal_status(op: &specs::Operation, kind: specs::ErrorKind) -> u16 {
    match (&op.errors.in_body, op.errors.codes(kind)) {
        (Some(_), [_, ..]) => 200,
        _ => op.errors.statuses(kind)[0],
    }
}

/// Asserts that a body conforms when its status is documented.
pub fn assert_conforms(spec: &Spec, status: u16, body: &Value) {
    if let Some(problems) = schema_problems(spec, status, body) {
        assert!(
            problems.is_empty(),
            "{} {status}: {problems:?}\n{body}",
            spec.name
        );
    }
}

/// Sends bytes over a fresh TCP connection and returns the raw response.
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

/// The message of an error body, through `x-errors.message`.
pub fn message(spec: &Spec, body: &Value) -> Option<String> {
    let pointer = spec.paginated_operation()?.errors.message.clone()?;
    body.pointer(&pointer)
        .and_then(Value::as_str)
        .map(str::to_string)
}

/// The field details of an error body for `param`, through `x-errors.details`.
pub fn details<'b>(spec: &Spec, body: &'b Value, param: &str) -> Option<&'b Value> {
    let pointer = spec.paginated_operation()?.errors.details.clone()?;
    body.pointer(&pointer)?.get(param)
}
