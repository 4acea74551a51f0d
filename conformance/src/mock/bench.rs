//! A small in-process load generator for the mocks, for `cargo xtask bench`.
//!
//! It starts a reference mock on 127.0.0.1, then `connections` tokio tasks each send the
//! reference first-page request over a shared keep-alive reqwest client until the duration or
//! the request budget runs out. Only loopback traffic, bounded in time and count.

use std::time::{Duration, Instant};

use anyhow::{bail, Context};

use super::{start, MockConfig, Vendor};

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
    pub fn new(vendor: Vendor) -> Self {
        BenchOptions {
            config: MockConfig::new(vendor),
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
    /// The vendor benchmarked.
    pub vendor: Vendor,
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
            self.vendor,
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

async fn run(options: BenchOptions) -> anyhow::Result<BenchResult> {
    // reqwest is built with `rustls-no-provider`; plain HTTP needs no TLS, but building a
    // client still asks for a process-wide provider. Another caller may have installed one.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let vendor = options.config.vendor;
    let mock = start(MockConfig {
        port: 0,
        ..options.config.clone()
    })
    .await?;
    let c = &mock.credentials;
    let (url, header, value) = match vendor {
        Vendor::Peeker => (
            format!("{}/domains", mock.base_url),
            "authorization",
            format!("Bearer {}", c.peeker_token.clone().unwrap_or_default()),
        ),
        Vendor::Devpayr => (
            format!(
                "{}/project/{}/domains",
                mock.base_url,
                c.scoped_project.unwrap_or(1)
            ),
            "x-api-key",
            c.scoped_key.clone().unwrap_or_default(),
        ),
    };
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(options.connections)
        .build()
        .context("cannot build the HTTP client")?;

    let started = Instant::now();
    let deadline = started + options.duration;
    let budget = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(options.max_requests));
    let mut tasks = Vec::new();
    for _ in 0..options.connections {
        let (client, url, value, budget) =
            (client.clone(), url.clone(), value.clone(), budget.clone());
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::with_capacity(64 * 1024);
            let mut errors = 0u64;
            while Instant::now() < deadline
                && budget
                    .fetch_update(
                        std::sync::atomic::Ordering::Relaxed,
                        std::sync::atomic::Ordering::Relaxed,
                        |b| b.checked_sub(1),
                    )
                    .is_ok()
            {
                let t = Instant::now();
                let ok = match client.get(&url).header(header, &value).send().await {
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
        }));
    }
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
        vendor,
        requests: latencies.len() as u64,
        errors,
        elapsed,
        requests_per_sec: latencies.len() as f64 / elapsed.as_secs_f64(),
        p50: at(0.50),
        p99: at(0.99),
    })
}
