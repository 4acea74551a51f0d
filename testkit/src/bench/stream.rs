//! The stream benchmark of `cargo xtask bench`: a generated client's `stream()` against a
//! hand-written reqwest + serde loop over the same pages, as a ratio.
//!
//! Method. A reference mock holds at least `items` items, walked at the spec's largest page
//! size. In front of it sits a loopback server that fetches each page from the mock once,
//! keeps its bytes (with the mock's origin rewritten to its own, so that links stay on the
//! origin the clients were given) and answers every later request for the same path and query
//! from memory. Both walks are run twice to fill that cache, then `rounds` times each,
//! alternating, on a single-threaded runtime while the servers run on another thread; the
//! figure is the ratio of their medians. Serving from memory keeps the mock's own work out of
//! both figures, so the ratio is the client's cost and not diluted by the server's. A request
//! that misses the cache during the timed rounds is counted and reported.
//!
//! Each generated crate supplies both walks in `examples/stream_bench.rs`: the baseline is by
//! definition code a user writes for that API.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};

use mock::{first_page_url, primary_header, start, MockConfig, RunningMock};

use crate::lock;

/// What the walks are given.
#[derive(Clone, Debug)]
pub struct StreamSetup {
    /// Base URL of the caching server in front of the mock: the walks' API.
    pub base_url: String,
    /// The primary credential's secret.
    pub secret: String,
    /// The header that carries it, and its value as sent (`Bearer …` for bearer schemes).
    pub header: Option<(String, String)>,
    /// The path values of the primary credential (`project` → `7`, …).
    pub path_values: BTreeMap<String, String>,
    /// The largest page size the spec allows: every walk asks for it.
    pub page_size: u64,
    /// The first page's URL with `size-param` set to `page_size`, for the hand-written walk.
    pub first_page: String,
}

/// How to measure.
#[derive(Clone, Debug)]
pub struct StreamOptions {
    /// At least this many items are walked.
    pub items: usize,
    /// Timed walks of each kind.
    pub rounds: usize,
    /// Seed of the mock's data.
    pub seed: u64,
}

impl Default for StreamOptions {
    /// 10,000 items, 41 timed walks of each kind, seed 0.
    fn default() -> Self {
        StreamOptions {
            items: 10_000,
            rounds: 41,
            seed: 0,
        }
    }
}

/// What was measured: the medians of both walks and their ratio.
#[derive(Clone, Debug)]
pub struct StreamResult {
    /// The API measured.
    pub api: String,
    /// Items of one walk.
    pub items: usize,
    /// Requests of one walk (pages, and the empty last one where the style has it).
    pub requests: u64,
    /// Page size asked for.
    pub page_size: u64,
    /// Timed walks of each kind.
    pub rounds: usize,
    /// Median wall time of the generated client's `stream()`.
    pub generated: Duration,
    /// Median wall time of the hand-written loop.
    pub handwritten: Duration,
    /// Requests answered by the mock during the timed rounds (0: every page came from memory).
    pub misses: u64,
}

impl StreamResult {
    /// `generated / handwritten`: 1.0 is as fast as the hand-written loop.
    pub fn ratio(&self) -> f64 {
        self.generated.as_secs_f64() / self.handwritten.as_secs_f64()
    }

    /// One line of JSON, the form `cargo xtask bench` reads from the example's standard output.
    pub fn to_json(&self) -> String {
        serde_json::json!({
            "api": self.api,
            "items": self.items,
            "requests": self.requests,
            "page_size": self.page_size,
            "rounds": self.rounds,
            "generated_ms": self.generated.as_secs_f64() * 1e3,
            "handwritten_ms": self.handwritten.as_secs_f64() * 1e3,
            "ratio": self.ratio(),
            "misses": self.misses,
        })
        .to_string()
    }
}

/// The loopback server in front of the mock.
struct Front {
    upstream: String,
    origin: String,
    http: reqwest::Client,
    cache: Mutex<HashMap<String, Cached>>,
    misses: AtomicU64,
    requests: AtomicU64,
}

#[derive(Clone)]
struct Cached {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
}

/// Path and query with the query's pairs sorted: two clients that order parameters
/// differently still share one cached page.
fn cache_key(uri: &Uri) -> String {
    let mut pairs: Vec<&str> = uri
        .query()
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty())
        .collect();
    pairs.sort_unstable();
    format!("{}?{}", uri.path(), pairs.join("&"))
}

async fn fetch_upstream(front: &Front, uri: &Uri, headers: &HeaderMap) -> anyhow::Result<Cached> {
    let path_and_query = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
    let mut request = front
        .http
        .get(format!("{}{path_and_query}", front.upstream));
    for (name, value) in headers {
        if name != axum::http::header::HOST {
            request = request.header(name, value);
        }
    }
    let response = request.send().await.context("the mock did not answer")?;
    let status = StatusCode::from_u16(response.status().as_u16())?;
    let mut kept = HeaderMap::new();
    for (name, value) in response.headers() {
        let text = value.to_str().unwrap_or_default();
        if text.contains(&front.upstream) {
            kept.insert(
                name.as_str().parse::<axum::http::HeaderName>()?,
                HeaderValue::from_str(&text.replace(&front.upstream, &front.origin))?,
            );
        } else if name != reqwest::header::CONTENT_LENGTH {
            kept.insert(
                name.as_str().parse::<axum::http::HeaderName>()?,
                HeaderValue::from_bytes(value.as_bytes())?,
            );
        }
    }
    let body = response.text().await.context("the mock's body")?;
    let body = Bytes::from(body.replace(&front.upstream, &front.origin));
    Ok(Cached {
        status,
        headers: kept,
        body,
    })
}

async fn serve(State(front): State<Arc<Front>>, uri: Uri, headers: HeaderMap) -> Response {
    front.requests.fetch_add(1, Ordering::Relaxed);
    let key = cache_key(&uri);
    let hit = lock(&front.cache).get(&key).cloned();
    let cached = match hit {
        Some(c) => c,
        None => {
            front.misses.fetch_add(1, Ordering::Relaxed);
            match fetch_upstream(&front, &uri, &headers).await {
                Ok(c) => {
                    lock(&front.cache).insert(key, c.clone());
                    c
                }
                Err(e) => return (StatusCode::BAD_GATEWAY, format!("{e:#}")).into_response(),
            }
        }
    };
    (cached.status, cached.headers, cached.body).into_response()
}

/// Starts the caching server in front of `mock` on the current runtime.
async fn start_front(mock: &RunningMock) -> anyhow::Result<Arc<Front>> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .context("cannot bind 127.0.0.1:0")?;
    let origin = format!("http://{}", listener.local_addr()?);
    let front = Arc::new(Front {
        upstream: mock.origin().to_string(),
        origin,
        http: reqwest::Client::new(),
        cache: Mutex::new(HashMap::new()),
        misses: AtomicU64::new(0),
        requests: AtomicU64::new(0),
    });
    let app = axum::Router::new()
        .fallback(serve)
        .with_state(front.clone());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok(front)
}

fn setup(mock: &RunningMock, front: &Front) -> anyhow::Result<StreamSetup> {
    let pagination = mock
        .spec()
        .paginated_operation()
        .and_then(|o| o.pagination.as_ref())
        .context("the spec has no paginated operation")?;
    let secret = mock
        .credentials
        .primary()
        .context("the mock has no credential")?
        .secret
        .clone();
    let on_front = |url: &str| url.replacen(mock.origin(), &front.origin, 1);
    let first = on_front(&first_page_url(mock));
    let separator = if first.contains('?') { '&' } else { '?' };
    Ok(StreamSetup {
        base_url: on_front(&mock.base_url),
        secret,
        header: primary_header(mock),
        path_values: mock.credentials.path_values.clone(),
        page_size: pagination.size_max,
        first_page: format!(
            "{first}{separator}{}={}",
            pagination.size_param, pagination.size_max
        ),
    })
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort_unstable();
    times[times.len() / 2]
}

/// Runs the stream benchmark of `spec`. `generated` and `handwritten` are given the setup once
/// (build clients there) and return a walk: an async closure that streams every item and
/// returns how many it saw. Call it outside any tokio runtime.
pub fn stream_bench<G, H>(
    spec: specs::Spec,
    options: StreamOptions,
    generated: impl FnOnce(&StreamSetup) -> G,
    handwritten: impl Fn(&StreamSetup) -> H,
) -> anyhow::Result<StreamResult>
where
    G: AsyncFn() -> Result<usize, String>,
    H: AsyncFn() -> Result<usize, String>,
{
    let _ = rustls::crypto::ring::default_provider().install_default();
    if options.rounds == 0 || options.items == 0 {
        bail!("at least one round of at least one item is needed");
    }
    let servers = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .context("cannot start the servers' runtime")?;
    let client = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the clients' runtime")?;
    let (mock, front, setup) = walk_ready(&servers, &client, &spec, &options, &handwritten)?;
    let generated = generated(&setup);
    let handwritten = handwritten(&setup);
    let result = client.block_on(async {
        let mut items = None;
        let mut check = |kind: &str, n: usize| -> anyhow::Result<()> {
            match items {
                Some(seen) if seen != n => {
                    bail!("the {kind} walk saw {n} items, the other {seen}")
                }
                _ => items = Some(n),
            }
            Ok(())
        };
        for _ in 0..2 {
            check("generated", generated().await.map_err(anyhow::Error::msg)?)?;
            check(
                "hand-written",
                handwritten().await.map_err(anyhow::Error::msg)?,
            )?;
        }
        let before = front.misses.load(Ordering::Relaxed);
        let requests_before = front.requests.load(Ordering::Relaxed);
        let (mut g, mut h) = (Vec::new(), Vec::new());
        // Alternating which walk goes first keeps warm caches from favouring one of them.
        for round in 0..options.rounds {
            for kind in [round % 2, 1 - round % 2] {
                let t = Instant::now();
                if kind == 0 {
                    check("generated", generated().await.map_err(anyhow::Error::msg)?)?;
                    g.push(t.elapsed());
                } else {
                    let n = handwritten().await.map_err(anyhow::Error::msg)?;
                    h.push(t.elapsed());
                    check("hand-written", n)?;
                }
            }
        }
        let items = items.unwrap_or(0);
        anyhow::Ok(StreamResult {
            api: spec.name.clone(),
            items,
            requests: (front.requests.load(Ordering::Relaxed) - requests_before)
                / (2 * options.rounds as u64),
            page_size: setup.page_size,
            rounds: options.rounds,
            generated: median(g),
            handwritten: median(h),
            misses: front.misses.load(Ordering::Relaxed) - before,
        })
    });
    servers.block_on(mock.shutdown());
    result
}

/// Starts the mock with enough items that the primary credential's walk has at least
/// `options.items` (items are spread over the path values), and the caching server in front.
fn walk_ready<H>(
    servers: &tokio::runtime::Runtime,
    client: &tokio::runtime::Runtime,
    spec: &specs::Spec,
    options: &StreamOptions,
    handwritten: &impl Fn(&StreamSetup) -> H,
) -> anyhow::Result<(RunningMock, Arc<Front>, StreamSetup)>
where
    H: AsyncFn() -> Result<usize, String>,
{
    let mut total = options.items;
    for _ in 0..4 {
        let mock = servers.block_on(start(MockConfig {
            items: total,
            seed: options.seed,
            ..MockConfig::new(spec.clone())
        }))?;
        let front = servers.block_on(start_front(&mock))?;
        let setup = setup(&mock, &front)?;
        let walk = handwritten(&setup);
        let seen = client
            .block_on(walk())
            .map_err(anyhow::Error::msg)
            .context("the hand-written walk failed")?;
        if seen >= options.items {
            return Ok((mock, front, setup));
        }
        if seen == 0 {
            bail!("the hand-written walk saw no item");
        }
        servers.block_on(mock.shutdown());
        total = total * options.items / seen + options.items / 50 + 1;
    }
    bail!(
        "no mock of {} gave the primary credential {} items",
        spec.name,
        options.items
    )
}

/// Consumes every item of a generated client's `stream()` as a user's loop would (each item
/// is moved out and handed to [`std::hint::black_box`]) and returns how many there were.
pub async fn drain<T, E: std::fmt::Display>(
    mut items: impl futures::Stream<Item = Result<T, E>> + Unpin,
) -> Result<usize, String> {
    use futures::StreamExt as _;
    let mut n = 0;
    while let Some(item) = items.next().await {
        std::hint::black_box(item.map_err(|e| e.to_string())?);
        n += 1;
    }
    Ok(n)
}

/// Consumes the items of one page of a hand-written walk the same way; returns how many.
pub fn consume<T>(items: Vec<T>) -> usize {
    let mut n = 0;
    for item in items {
        std::hint::black_box(item);
        n += 1;
    }
    n
}

/// Sends `request` and decodes its JSON body into `T`, as a user's loop does with reqwest and
/// serde: one call per page of a hand-written walk.
pub async fn get_json<T: serde::de::DeserializeOwned>(
    request: reqwest::RequestBuilder,
) -> Result<T, String> {
    let response = request
        .send()
        .await
        .and_then(|r| r.error_for_status())
        .map_err(|e| e.to_string())?;
    response.json().await.map_err(|e| e.to_string())
}

/// The `main` of a crate's `examples/stream_bench.rs`: the spec embedded as `api`, the item
/// count from the first argument (10,000 without one), one line of JSON on standard output.
pub fn example_main<G, H>(
    api: &str,
    generated: impl FnOnce(&StreamSetup) -> G,
    handwritten: impl Fn(&StreamSetup) -> H,
) -> std::process::ExitCode
where
    G: AsyncFn() -> Result<usize, String>,
    H: AsyncFn() -> Result<usize, String>,
{
    let run = || -> anyhow::Result<StreamResult> {
        let mut options = StreamOptions::default();
        if let Some(arg) = std::env::args().nth(1) {
            options.items = arg
                .parse()
                .with_context(|| format!("`{arg}` is not a number of items"))?;
        }
        let spec =
            specs::load(api).with_context(|| format!("no spec named `{api}` is embedded"))??;
        stream_bench(spec, options, generated, handwritten)
    };
    match run() {
        Ok(result) => {
            println!("{}", result.to_json());
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("stream benchmark of {api}: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cache_key_ignores_the_order_of_the_query() {
        let a: Uri = "/v1/x?b=2&a=1".parse().unwrap();
        let b: Uri = "/v1/x?a=1&b=2".parse().unwrap();
        assert_eq!(cache_key(&a), cache_key(&b));
        let c: Uri = "/v1/x?a=1&b=3".parse().unwrap();
        assert_ne!(cache_key(&a), cache_key(&c));
    }
}
