//! `cargo xtask mock <api>`: runs the reference mock of any spec in `specs/` until Ctrl-C.
//!
//! It prints the base URL and each credential with what it can reach, one per line, so that a
//! person (or a script reading stdout) can point a client or `cargo xtask conformance` at it.

use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use mock::{Drift, DriftAt, Fault, MockConfig, ReadingMode};

#[derive(clap::Args)]
pub struct Args {
    /// Which API to serve: the name of a spec in specs/ (`peeker` for specs/peeker.yaml).
    #[arg(value_parser = clap::builder::PossibleValuesParser::new(specs::names()))]
    api: String,
    /// Port on 127.0.0.1; 0 picks a free one.
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Number of seeded items.
    #[arg(long, default_value_t = 130)]
    items: usize,
    /// Answer every Nth request with 429.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    rate_limit_every: Option<u32>,
    /// Retry-After of a 429, in seconds.
    #[arg(long, default_value_t = 1)]
    retry_after: u64,
    /// Milliseconds added before every answer, like a server across an ocean.
    #[arg(long, value_name = "MS", default_value_t = 0)]
    latency_ms: u64,
    /// Inject a fault; `--fault help` lists them.
    #[arg(long)]
    fault: Option<String>,
    /// Where in the list a page-boundary fault (page-gap, page-duplicate, short-pages)
    /// starts: the pages before this item are served faithfully.
    #[arg(long, value_name = "N", default_value_t = 0, requires = "fault")]
    fault_from: usize,
    /// Serve another plausible reading of what the vendor page leaves open; `--reading help`
    /// lists them.
    #[arg(long)]
    reading: Option<String>,
    /// Create an item every N requests, as a shared sandbox changes while others use it.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    drift_every: Option<u32>,
    /// Where created items appear: at the head of the list (newest first) or its tail
    /// (ascending ids).
    #[arg(long, value_name = "WHERE", default_value = "tail", requires = "drift_every",
          value_parser = clap::builder::PossibleValuesParser::new(DriftAt::ALL.map(DriftAt::name)))]
    drift_at: String,
    /// Seed of the data and the credentials.
    #[arg(long, default_value_t = 0)]
    seed: u64,
}

fn list<T: Copy>(
    all: &[T],
    name: fn(T) -> &'static str,
    description: fn(T) -> &'static str,
    applies: impl Fn(T) -> Result<(), String>,
) -> String {
    all.iter()
        .map(|&x| {
            let mark = match applies(x) {
                Ok(()) => String::new(),
                Err(why) => format!("  (not here: {why})"),
            };
            format!("  {:<30} {}{mark}", name(x), description(x))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Parses `--fault` or `--reading`: `help` lists them (exit 0), an unknown or inapplicable
/// name is a usage error (exit 2) with the list.
fn choose<T: Copy>(
    what: &str,
    given: Option<&str>,
    all: &[T],
    from_name: fn(&str) -> Option<T>,
    name: fn(T) -> &'static str,
    description: fn(T) -> &'static str,
    applies: impl Fn(T) -> Result<(), String>,
) -> Result<Option<T>, ExitCode> {
    let Some(given) = given else {
        return Ok(None);
    };
    let table = list(all, name, description, &applies);
    if given == "help" {
        println!("{what}s (name, what changes):\n{table}");
        return Err(ExitCode::SUCCESS);
    }
    match from_name(given) {
        Some(x) => match applies(x) {
            Ok(()) => Ok(Some(x)),
            Err(why) => {
                eprintln!("error: the {what} `{given}` does not apply here: {why}\n{table}");
                Err(ExitCode::from(2))
            }
        },
        None => {
            eprintln!("error: unknown {what} `{given}`; valid names:\n{table}");
            Err(ExitCode::from(2))
        }
    }
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let spec = specs::load(&args.api).with_context(|| format!("no spec `{}`", args.api))??;
    let fault = match choose(
        "fault",
        args.fault.as_deref(),
        Fault::ALL,
        Fault::from_name,
        Fault::name,
        Fault::description,
        |f| f.applies_to(&spec),
    ) {
        Ok(f) => f,
        Err(code) => return Ok(code),
    };
    let reading = match choose(
        "reading mode",
        args.reading.as_deref(),
        ReadingMode::ALL,
        ReadingMode::from_name,
        ReadingMode::name,
        ReadingMode::description,
        |m| m.applies_to(&spec),
    ) {
        Ok(m) => m,
        Err(code) => return Ok(code),
    };
    let name = spec.name.clone();
    let drift = args.drift_every.map(|every| Drift {
        every,
        at: DriftAt::ALL
            .into_iter()
            .find(|at| at.name() == args.drift_at)
            .unwrap_or(DriftAt::Tail),
    });
    let config = MockConfig {
        drift,
        items: args.items,
        rate_limit_every: args.rate_limit_every,
        retry_after_secs: args.retry_after,
        latency: Duration::from_millis(args.latency_ms),
        fault,
        fault_from: args.fault_from,
        reading,
        seed: args.seed,
        port: args.port,
        ..MockConfig::new(spec)
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start a tokio runtime")?;
    runtime.block_on(async move {
        let running = mock::start(config).await?;
        println!("{}", mock::describe(&running));
        eprintln!("serving {name} until Ctrl-C");
        tokio::signal::ctrl_c()
            .await
            .context("cannot listen for Ctrl-C")?;
        running.shutdown().await;
        Ok(ExitCode::SUCCESS)
    })
}
