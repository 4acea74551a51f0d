//! `cargo xtask bench`: the project's speed figures, measured the same way every time.
//!
//! | figure | method |
//! |---|---|
//! | codegen | both clients generated in-process from `specs/`, mean over `--codegen-runs` |
//! | import | each `[[document]]` of `specs/sources.toml` imported with its overlay, against `serde_json::from_str::<Value>` of the same file (the baseline of the same run); medians of `--import-runs` alternating runs |
//! | mock throughput | `testkit::bench`: the mock and a keep-alive load generator share one 2-thread tokio runtime on loopback |
//! | conformance | wall time and requests of `xtask conformance` (every reference mock, default cases), as a user runs it |
//! | stream | per spec with a `generated/<api>/examples/stream_bench.rs`: the client's `stream()` over at least `--stream-items` items at the largest page size against a hand-written reqwest + serde loop over the same pages, served from memory; the ratio of the medians of alternating walks (`testkit::bench::stream`) |
//! | scale | a faithful run of one spec (`--scale-api`, the first by name by default) at 1k, 10k, 100k and 1M items (`--scale-items`): the reference mock in this process, the suite (`xtask conformance`, this build) in a child process; its requests and its peak resident memory (`VmHWM`) |
//! | paced | a faithful run at `--rate-limit 200/s`: its wall time against requests / rate |
//! | latency | each spec's reference mock answering after `--latency-ms` (150 by default, like a sandbox across an ocean), checked at the default concurrency and, as the baseline of the same run, at concurrency 1: wall time, requests, mean requests in flight (time spent in requests / wall time) and effective concurrency (requests × latency / wall time) |
//!
//! Throughput means nothing in a debug build, so a debug `xtask` re-runs itself with `--release`
//! (pass `--no-release` to measure the debug build anyway). The conformance figure uses the dev
//! profile on purpose: that is what `cargo xtask conformance` runs.

use std::path::Path;
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use specs::Spec;
use testkit::bench::{bench_mock, BenchOptions};

#[derive(clap::Args)]
pub struct Args {
    /// Seconds of load per mock.
    #[arg(long, default_value_t = 5)]
    seconds: u64,
    /// Concurrent keep-alive connections of the load generator.
    #[arg(long, default_value_t = 32)]
    connections: usize,
    /// Code generation runs to average.
    #[arg(long, default_value_t = 10)]
    codegen_runs: u32,
    /// Measure this build even if it is a debug build.
    #[arg(long)]
    no_release: bool,
    /// Skip the conformance run (it builds and runs the dev-profile xtask).
    #[arg(long)]
    no_conformance: bool,
    /// Latency of the mocks in the latency run, in milliseconds.
    #[arg(long, default_value_t = 150)]
    latency_ms: u64,
    /// Skip the latency run (about a minute: its baseline is sequential).
    #[arg(long)]
    no_latency: bool,
    /// Items each stream benchmark walks, at least.
    #[arg(long, default_value_t = 10_000)]
    stream_items: usize,
    /// Skip the stream benchmarks (each builds a client's example in release).
    #[arg(long)]
    no_stream: bool,
    /// Runs of the import and of its baseline, alternating, of which the medians are kept.
    #[arg(long, default_value_t = 9)]
    import_runs: u32,
    /// Items of the scale runs (a faithful run of the first spec at each size).
    #[arg(long, value_delimiter = ',', default_values_t = [1_000, 10_000, 100_000, 1_000_000])]
    scale_items: Vec<usize>,
    /// Skip the scale runs (a million items take a few GiB and about a minute).
    #[arg(long)]
    no_scale: bool,
    /// The API of the scale and paced runs (the first spec by name when not given).
    #[arg(long, value_name = "API")]
    scale_api: Option<String>,
}

pub(crate) struct Row {
    pub(crate) name: String,
    pub(crate) figure: String,
    pub(crate) method: String,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    if cfg!(debug_assertions) && !args.no_release {
        eprintln!("bench: re-running in a release build (pass --no-release to skip)");
        let mut forwarded: Vec<String> = std::env::args().skip(1).collect();
        forwarded.push("--no-release".into());
        let status = Command::new(env!("CARGO"))
            .args(["run", "--release", "--quiet", "--package", "xtask", "--"])
            .args(&forwarded)
            .current_dir(crate::root())
            .status()
            .context("cannot start the release build of xtask")?;
        return Ok(ExitCode::from(
            status.code().unwrap_or(2).clamp(0, 255) as u8
        ));
    }
    let mut rows = Vec::new();
    rows.push(codegen_row(args.codegen_runs)?);
    rows.extend(import_rows(args.import_runs)?);
    let embedded = specs::all()?;
    for spec in &embedded {
        let name = spec.name.clone();
        let mut options = BenchOptions::new(spec.clone());
        options.duration = Duration::from_secs(args.seconds);
        options.connections = args.connections;
        let r = bench_mock(options)?;
        if r.requests == 0 {
            bail!(
                "the {name} mock answered no request successfully ({} errors)",
                r.errors
            );
        }
        rows.push(Row {
            name: format!("mock {name} throughput"),
            figure: format!(
                "{:.0} req/s (p50 {:.2} ms, p99 {:.2} ms, {} errors)",
                r.requests_per_sec,
                r.p50.as_secs_f64() * 1e3,
                r.p99.as_secs_f64() * 1e3,
                r.errors
            ),
            method: format!(
                "{} keep-alive connections for {:.1} s, first page of the reference query, {} requests",
                args.connections,
                r.elapsed.as_secs_f64(),
                r.requests
            ),
        });
    }
    if !args.no_conformance {
        rows.push(conformance_row()?);
    }
    if !args.no_stream {
        for spec in &embedded {
            rows.push(crate::bench_stream::row(spec, args.stream_items)?);
        }
    }
    if !args.no_scale {
        let spec = match &args.scale_api {
            Some(name) => embedded
                .iter()
                .find(|s| &s.name == name)
                .with_context(|| format!("--scale-api {name}: no spec of that name in specs/"))?,
            None => embedded.first().context("no spec in specs/")?,
        };
        rows.extend(crate::bench_scale::rows(spec, &args.scale_items)?);
        rows.push(crate::bench_scale::paced_row(spec, 200)?);
    }
    if !args.no_latency {
        for spec in &embedded {
            rows.extend(crate::bench_latency::rows(
                spec,
                Duration::from_millis(args.latency_ms),
            )?);
        }
    }
    print_table(&rows);
    Ok(ExitCode::SUCCESS)
}

fn codegen_row(runs: u32) -> anyhow::Result<Row> {
    let runs = runs.max(1);
    let specs: Vec<Spec> = crate::codegen::spec_files(&crate::root())?;
    let started = Instant::now();
    let mut bytes = 0;
    for _ in 0..runs {
        bytes = 0;
        for spec in &specs {
            let krate = codegen::generate(spec)?;
            bytes += krate.files.iter().map(|f| f.contents.len()).sum::<usize>();
        }
    }
    let mean = started.elapsed() / runs;
    Ok(Row {
        name: format!("codegen, {} clients", specs.len()),
        figure: format!("{:.1} ms", mean.as_secs_f64() * 1e3),
        method: format!(
            "in-process generate() of every spec, mean of {runs} runs, {} KiB of output",
            bytes / 1024
        ),
    })
}

/// For each document a spec is imported from (`[[document]]` of specs/sources.toml): the
/// import of its operations, with its overlay, against parsing the same file into a
/// `serde_json::Value`, the medians of alternating runs (each reads the file).
fn import_rows(runs: u32) -> anyhow::Result<Vec<Row>> {
    let root = crate::root();
    let mut rows = Vec::new();
    for doc in docs_watch::imported_documents(&root.join("specs/sources.toml"))? {
        let document = crate::import::npm_document(&root, &doc.package, &doc.version, &doc.path)?;
        let overlay = root.join(format!("specs/{}.overlay.yaml", doc.spec));
        let request = import::Request {
            api: doc.spec.clone(),
            document: document.clone(),
            operations: doc.operations.clone(),
            overlays: overlay.is_file().then_some(overlay).into_iter().collect(),
            root: root.clone(),
        };
        let parse = || -> anyhow::Result<()> {
            let text = std::fs::read_to_string(&document)?;
            let value: serde_json::Value = serde_json::from_str(&text)?;
            std::hint::black_box(value);
            Ok(())
        };
        let (mut imports, mut parses) = (Vec::new(), Vec::new());
        for _ in 0..runs.max(1) {
            let started = Instant::now();
            std::hint::black_box(import::import(&request)?);
            imports.push(started.elapsed());
            let started = Instant::now();
            parse()?;
            parses.push(started.elapsed());
        }
        let (import, parse) = (median(&mut imports), median(&mut parses));
        let bytes = std::fs::metadata(&document).map(|m| m.len()).unwrap_or(0);
        rows.push(Row {
            name: format!("import {}", doc.spec),
            figure: format!(
                "{:.2}× the parse ({:.0} ms, parse {:.0} ms)",
                import.as_secs_f64() / parse.as_secs_f64().max(f64::EPSILON),
                import.as_secs_f64() * 1e3,
                parse.as_secs_f64() * 1e3
            ),
            method: format!(
                "import::import of {} operation(s) of {} {} ({:.1} MB) with its overlay, against \
                 serde_json::from_str::<Value> of the same file; medians of {} alternating runs",
                doc.operations.len(),
                doc.package,
                doc.version,
                bytes as f64 / 1e6,
                runs.max(1)
            ),
        });
    }
    Ok(rows)
}

fn median(times: &mut [Duration]) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn conformance_row() -> anyhow::Result<Row> {
    let root = crate::root();
    // Build first so the figure is the run, not the compile.
    let status = Command::new(env!("CARGO"))
        .args(["build", "--quiet", "--package", "xtask"])
        .current_dir(&root)
        .status()
        .context("cannot build the dev-profile xtask")?;
    if !status.success() {
        bail!("building the dev-profile xtask failed");
    }
    let exe = root.join("target/debug/xtask");
    let json = root.join("target/bench-conformance.json");
    let started = Instant::now();
    let out = Command::new(&exe)
        .args(["conformance", "--json"])
        .arg(&json)
        .current_dir(&root)
        .output()
        .with_context(|| format!("cannot run {}", exe.display()))?;
    let elapsed = started.elapsed();
    if !out.status.success() {
        bail!(
            "`xtask conformance` exited with {}:\n{}",
            out.status,
            String::from_utf8_lossy(&out.stdout)
        );
    }
    let requests = requests_in(&json)?;
    Ok(Row {
        name: "conformance, every mock".into(),
        figure: format!("{:.1} s, {requests} requests", elapsed.as_secs_f64()),
        method: "`xtask conformance` (dev profile, default cases, mocks in-process), wall time"
            .into(),
    })
}

/// Sums `requests_used` over the reports in a `--json` file.
pub(crate) fn requests_in(path: &Path) -> anyhow::Result<u64> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let value: serde_json::Value =
        serde_json::from_str(&text).with_context(|| format!("{} is not JSON", path.display()))?;
    let reports = value
        .as_array()
        .with_context(|| format!("{} is not a list of reports", path.display()))?;
    Ok(reports
        .iter()
        .filter_map(|r| r.get("requests_used").and_then(|n| n.as_u64()))
        .sum())
}

fn print_table(rows: &[Row]) {
    let w0 = rows.iter().map(|r| r.name.len()).max().unwrap_or(0);
    let w1 = rows.iter().map(|r| r.figure.len()).max().unwrap_or(0);
    println!("| {:w0$} | {:w1$} | method", "benchmark", "figure");
    println!("|{}|{}|--------", "-".repeat(w0 + 2), "-".repeat(w1 + 2));
    for r in rows {
        println!("| {:w0$} | {:w1$} | {}", r.name, r.figure, r.method);
    }
}
