//! The latency run of `cargo xtask bench`: the suite against a reference mock that answers
//! every request after a fixed delay, at the default concurrency and, as the baseline measured
//! in the same run, one request at a time.
//!
//! Figures per run: wall time, requests, mean requests in flight (the time spent in requests
//! divided by the wall time, as the probe measures it) and effective concurrency (requests ×
//! latency / wall time: how many latencies the run overlapped). The target is an effective
//! concurrency of at least 3 at the default of 4 in flight.

use std::time::{Duration, Instant};

use anyhow::Context;
use conformance::Options;
use mock::MockConfig;
use specs::Spec;

use crate::bench::Row;

/// What one latency run measured.
struct Measured {
    wall: Duration,
    requests: u64,
    busy: Duration,
    exit: u8,
}

async fn measure(spec: &Spec, latency: Duration, concurrency: usize) -> anyhow::Result<Measured> {
    let m = mock::start(MockConfig {
        latency,
        ..MockConfig::new(spec.clone())
    })
    .await?;
    let target = conformance::target::for_mock(&m)?;
    let options = Options {
        concurrency,
        ..Options::default()
    };
    let started = Instant::now();
    let run = conformance::run_recorded(target, options).await;
    let wall = started.elapsed();
    m.shutdown().await;
    let probe = run.probe.context("the run sent nothing")?;
    Ok(Measured {
        wall,
        requests: probe.requests_used(),
        busy: probe.busy_time(),
        exit: run.report.exit_code(),
    })
}

/// The rows of the latency run of `spec`.
pub(crate) fn rows(spec: &Spec, latency: Duration) -> anyhow::Result<Vec<Row>> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start a tokio runtime")?;
    let default = Options::default().concurrency;
    let (concurrent, sequential) = runtime.block_on(async {
        let concurrent = measure(spec, latency, default).await?;
        let sequential = measure(spec, latency, 1).await?;
        anyhow::Ok((concurrent, sequential))
    })?;
    anyhow::ensure!(
        concurrent.exit == 0 && sequential.exit == 0,
        "the {} reference mock did not pass with {latency:?} latency",
        spec.name
    );
    let effective = |m: &Measured| m.requests as f64 * latency.as_secs_f64() / m.wall.as_secs_f64();
    let in_flight = |m: &Measured| m.busy.as_secs_f64() / m.wall.as_secs_f64();
    let row = |m: &Measured, concurrency: usize, extra: String| {
        Row {
        name: format!("latency {}, {concurrency} in flight", spec.name),
        figure: format!(
            "{:.1} s, {} requests, {:.2} in flight on average, effective concurrency {:.2}{extra}",
            m.wall.as_secs_f64(),
            m.requests,
            in_flight(m),
            effective(m)
        ),
        method: format!(
            "reference mock answering after {} ms, default cases, --concurrency {concurrency}; effective concurrency = requests × latency / wall",
            latency.as_millis()
        ),
    }
    };
    let speedup = sequential.wall.as_secs_f64() / concurrent.wall.as_secs_f64();
    Ok(vec![
        row(
            &concurrent,
            default,
            format!("; {speedup:.2}× faster than 1 in flight"),
        ),
        row(&sequential, 1, " (baseline)".into()),
    ])
}
