//! `cargo xtask mock peeker|devpayr`: runs one reference mock until Ctrl-C.
//!
//! It prints the base URL and each credential with what it can reach, one per line, so that a
//! person (or a script reading stdout) can point a client or `cargo xtask conformance` at it.

use std::process::ExitCode;

use anyhow::Context;
use conformance::mock::{self, Fault, MockConfig, Vendor};

#[derive(clap::Args)]
pub struct Args {
    /// Which vendor API to serve: peeker or devpayr.
    #[arg(value_parser = ["peeker", "devpayr"])]
    vendor: String,
    /// Port on 127.0.0.1; 0 picks a free one.
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Number of seeded domains.
    #[arg(long, default_value_t = 130)]
    items: usize,
    /// Answer every Nth request with 429.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    rate_limit_every: Option<u32>,
    /// Retry-After of a 429, in seconds.
    #[arg(long, default_value_t = 1)]
    retry_after: u64,
    /// Inject a fault; `--fault help` lists them.
    #[arg(long)]
    fault: Option<String>,
    /// Seed of the data and the credentials.
    #[arg(long, default_value_t = 0)]
    seed: u64,
}

fn fault_list() -> String {
    Fault::ALL
        .iter()
        .map(|f| {
            let vendors: Vec<&str> = f.vendors().iter().map(|v| v.name()).collect();
            format!(
                "  {:<24} [{}] {}",
                f.name(),
                vendors.join(", "),
                f.description()
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let vendor = Vendor::from_name(&args.vendor).context("unknown vendor")?;
    let fault = match args.fault.as_deref() {
        None => None,
        Some("help") => {
            println!("Faults (name [vendors] what changes):\n{}", fault_list());
            return Ok(ExitCode::SUCCESS);
        }
        Some(name) => match Fault::from_name(name) {
            Some(f) if f.applies_to(vendor) => Some(f),
            Some(f) => {
                eprintln!(
                    "error: the fault `{f}` does not apply to {vendor}\n{}",
                    fault_list()
                );
                return Ok(ExitCode::from(2));
            }
            None => {
                eprintln!(
                    "error: unknown fault `{name}`; valid names:\n{}",
                    fault_list()
                );
                return Ok(ExitCode::from(2));
            }
        },
    };
    let config = MockConfig {
        items: args.items,
        rate_limit_every: args.rate_limit_every,
        retry_after_secs: args.retry_after,
        fault,
        seed: args.seed,
        port: args.port,
        ..MockConfig::new(vendor)
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start a tokio runtime")?;
    runtime.block_on(async move {
        let running = mock::start(config).await?;
        println!("{}", mock::describe(&running));
        eprintln!("serving {vendor} until Ctrl-C");
        tokio::signal::ctrl_c()
            .await
            .context("cannot listen for Ctrl-C")?;
        running.shutdown().await;
        Ok(ExitCode::SUCCESS)
    })
}
