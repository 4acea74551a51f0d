//! A small in-process load generator for the mock, for `cargo xtask bench`.
//!
//! It starts a mock on 127.0.0.1, then `connections` tokio tasks each send the primary
//! credential's first-page request over a shared keep-alive reqwest client until the duration
//! or the request budget runs out. Only loopback traffic, bounded in time and count.

pub mod stream;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};

use mock::{first_page_url, primary_header, start, MockConfig};

/// What to measure.
#[derive(Clone, Debug)]
pub struct BenchOptions {
    /// The mock to start (its port is ignored: a free one is used).
    pub config: MockConfig,
    /// Concurrent connections (one task each).
    pub connections: usize,
    /// How long to send requests.
    pub duration: Duration,
    /// Stop after this many requests, whichever comes first.
    pub max_requests: u64,
    /// Worker threads of the runtime that runs both the mock and the load generator.
    pub threads: usize,
}

impl BenchOptions {
    /// 32 connections for 5 seconds (at most 2 million requests) on 2 threads.
    pub fn new(spec: specs::Spec) -> Self {
        BenchOptions {
            config: MockConfig::new(spec),
            connections: 32,
            duration: Duration::from_secs(5),
            max_requests: 2_000_000,
            threads: 2,
        }
    }
}

/// What was measured.
#[derive(Clone, Debug)]
pub struct BenchResult {
    /// The API benchmarked.
    pub api: String,
    /// Successful (200) responses.
    pub requests: u64,
    /// Responses that were not 200, and transport errors.
    pub errors: u64,
    /// Wall time of the run.
    pub elapsed: Duration,
    /// Successful requests per second.
    pub requests_per_sec: f64,
    /// Median latency.
    pub p50: Duration,
    /// 99th percentile latency.
    pub p99: Duration,
}

impl std::fmt::Display for BenchResult {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "mock {}: {:.0} req/s, p50 {:?}, p99 {:?} ({} requests, {} errors, {:.1?})",
            self.api,
            self.requests_per_sec,
            self.p50,
            self.p99,
            self.requests,
            self.errors,
            self.elapsed
        )
    }
}

/// Runs the benchmark on a runtime of its own (call it outside any tokio runtime).
pub fn bench_mock(options: BenchOptions) -> anyhow::Result<BenchResult> {
    if options.connections == 0 {
        bail!("at least one connection is needed");
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(options.threads.max(1))
        .enable_all()
        .build()
        .context("cannot start a tokio runtime")?;
    runtime.block_on(run(options))
}

/// One connection's loop: requests until the deadline or the shared budget ends.
async fn load(
    client: reqwest::Client,
    url: String,
    header: Option<(String, String)>,
    deadline: Instant,
    budget: Arc<AtomicU64>,
) -> (Vec<Duration>, u64) {
    let mut latencies = Vec::with_capacity(64 * 1024);
    let mut errors = 0u64;
    while Instant::now() < deadline
        && budget
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |b| b.checked_sub(1))
            .is_ok()
    {
        let t = Instant::now();
        let mut request = client.get(&url);
        if let Some((name, value)) = &header {
            request = request.header(name, value);
        }
        let ok = match request.send().await {
            Ok(r) => r.status() == reqwest::StatusCode::OK && r.bytes().await.is_ok(),
            Err(_) => false,
        };
        if ok {
            latencies.push(t.elapsed());
        } else {
            errors += 1;
        }
    }
    (latencies, errors)
}

async fn run(options: BenchOptions) -> anyhow::Result<BenchResult> {
    // reqwest is built with `rustls-no-provider`; plain HTTP needs no TLS, but building a
    // client still asks for a process-wide provider. Another caller may have installed one.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let api = options.config.spec.name.clone();
    let mock = start(MockConfig {
        port: 0,
        ..options.config.clone()
    })
    .await?;
    let url = first_page_url(&mock);
    let header = primary_header(&mock);
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(options.connections)
        .build()
        .context("cannot build the HTTP client")?;

    let started = Instant::now();
    let deadline = started + options.duration;
    let budget = Arc::new(AtomicU64::new(options.max_requests));
    let tasks: Vec<_> = (0..options.connections)
        .map(|_| {
            tokio::spawn(load(
                client.clone(),
                url.clone(),
                header.clone(),
                deadline,
                budget.clone(),
            ))
        })
        .collect();
    let mut latencies = Vec::new();
    let mut errors = 0;
    for task in tasks {
        let (l, e) = task.await.context("a load task panicked")?;
        latencies.extend(l);
        errors += e;
    }
    let elapsed = started.elapsed();
    mock.shutdown().await;
    latencies.sort_unstable();
    let at = |q: f64| {
        latencies
            .get(((latencies.len() as f64 * q) as usize).min(latencies.len().saturating_sub(1)))
            .copied()
            .unwrap_or_default()
    };
    Ok(BenchResult {
        api,
        requests: latencies.len() as u64,
        errors,
        elapsed,
        requests_per_sec: latencies.len() as f64 / elapsed.as_secs_f64(),
        p50: at(0.50),
        p99: at(0.99),
    })
}
