//! The scale rows of `cargo xtask bench`: what a faithful run costs as the list grows, and how
//! closely a paced run keeps to its rate.
//!
//! The reference mock runs in the bench's own process, holding the data (a million items take
//! a few GiB there); the suite runs as users run it, `xtask conformance <api>` in a child
//! process of this same build, whose peak resident memory is read from `/proc/<pid>/status`
//! (`VmHWM`, the high-water mark) while it runs. The rows show the requests and that memory at
//! 1k to 1M items: both stay flat once the list is longer than the budget lets a walk cover.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use mock::{MockConfig, RunningMock};
use specs::Spec;

use crate::bench::Row;

/// What one child run of the suite measured.
struct Measured {
    wall: Duration,
    requests: u64,
    peak_kib: Option<u64>,
    exit: Option<i32>,
}

/// Runs `xtask conformance <api>` against `m` in a child process, watching its peak memory.
fn run_suite(
    m: &RunningMock,
    spec: &Spec,
    extra: &[&str],
    json: &Path,
) -> anyhow::Result<Measured> {
    let exe = std::env::current_exe().context("cannot find the running xtask")?;
    // What the embedded run would check: the mock's primary credential and its path values.
    let target = conformance::target::for_mock(m)?;
    let mut cmd = Command::new(exe);
    cmd.args([
        "conformance",
        &spec.name,
        "--base-url",
        &m.base_url,
        "--json",
    ])
    .arg(json)
    .args(extra)
    .stdout(Stdio::null())
    .stderr(Stdio::null());
    if let (Some(security), Some(key)) = (spec.security(), &target.credential) {
        for (part, value) in security.credential_parts().iter().zip(key.parts()) {
            cmd.env(spec.env_var(part), value);
        }
    }
    for (name, value) in &target.path_values {
        cmd.args(["--path", &format!("{name}={value}")]);
    }
    let started = Instant::now();
    let mut child = cmd.spawn().context("cannot start the suite")?;
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak_kib = None;
    let status = loop {
        if let Some(hwm) = read_hwm(&status_file) {
            peak_kib = Some(hwm);
        }
        if let Some(status) = child.try_wait()? {
            break status;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Ok(Measured {
        wall: started.elapsed(),
        requests: crate::bench::requests_in(json)?,
        peak_kib,
        exit: status.code(),
    })
}

/// `VmHWM` of a process, in KiB, while it runs.
fn read_hwm(status_file: &str) -> Option<u64> {
    let text = std::fs::read_to_string(status_file).ok()?;
    text.lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// The rows of faithful runs of `spec` at each of `sizes` items.
pub(crate) fn rows(spec: &Spec, sizes: &[usize]) -> anyhow::Result<Vec<Row>> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start a tokio runtime")?;
    let json = crate::root().join("target/bench-scale.json");
    let mut rows = Vec::new();
    for &items in sizes {
        let m = runtime.block_on(mock::start(MockConfig {
            items,
            ..MockConfig::new(spec.clone())
        }))?;
        let measured = run_suite(&m, spec, &[], &json);
        runtime.block_on(m.shutdown());
        let measured = measured?;
        if measured.exit != Some(0) {
            bail!(
                "the suite did not pass the {} mock at {items} items (exit {:?})",
                spec.name,
                measured.exit
            );
        }
        rows.push(Row {
            name: format!("scale {} at {items} items", spec.name),
            figure: format!(
                "{} requests, peak {} MiB, {:.1} s",
                measured.requests,
                measured
                    .peak_kib
                    .map_or("?".to_string(), |k| format!("{:.0}", k as f64 / 1024.0)),
                measured.wall.as_secs_f64()
            ),
            method:
                "`xtask conformance` (this build, default budget and cases) in a child process \
                     against the reference mock in the bench's process; peak = the child's VmHWM"
                    .into(),
        });
    }
    Ok(rows)
}

/// A paced run: the wall time of a faithful run at `--rate-limit`, against the requests it sent
/// divided by the rate (the least time the pace allows).
pub(crate) fn paced_row(spec: &Spec, per_second: u32) -> anyhow::Result<Row> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start a tokio runtime")?;
    let json = crate::root().join("target/bench-paced.json");
    let m = runtime.block_on(mock::start(MockConfig::new(spec.clone())))?;
    let rate = format!("{per_second}/s");
    let measured = run_suite(&m, spec, &["--rate-limit", &rate], &json);
    runtime.block_on(m.shutdown());
    let measured = measured?;
    if measured.exit != Some(0) {
        bail!("the paced run of {} did not pass", spec.name);
    }
    let least = measured.requests as f64 / f64::from(per_second);
    Ok(Row {
        name: format!("paced {} at {rate}", spec.name),
        figure: format!(
            "{:.2} s for {} requests: {:.2}× the {:.2} s that {rate} allows",
            measured.wall.as_secs_f64(),
            measured.requests,
            measured.wall.as_secs_f64() / least.max(f64::EPSILON),
            least
        ),
        method: format!(
            "`xtask conformance --rate-limit {rate}` (this build) against the reference mock; \
             baseline = requests / rate"
        ),
    })
}
