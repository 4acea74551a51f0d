//! `cargo xtask`: the one entry point for people and CI.
//!
//! Each subcommand lives in its own module; this file only parses the command line and maps
//! results to exit codes (0 success, 1 the check found problems, 2 usage error or unreachable).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod bench;
mod bench_latency;
mod bench_scale;
mod bench_stream;
mod ci;
mod codegen;
mod conformance;
mod docs_check;
mod import;
mod mock;
mod replay;
mod schemathesis;

#[derive(Parser)]
#[command(
    name = "cargo xtask",
    about = "Specs → typed clients → conformance checks"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Regenerate generated/ from specs/; --check fails on drift and prints the diff.
    Codegen(codegen::Args),
    /// Write specs/<api>.yaml from the vendor's OpenAPI document and our overlay; --check
    /// fails on drift and prints the diff.
    Import(import::Args),
    /// Run the reference mock of one API until Ctrl-C.
    Mock(mock::Args),
    /// Check a server against its spec; with no API, check every reference mock in-process.
    Conformance(Box<conformance::Args>),
    /// Re-judge a run recorded with `conformance --har`, offline.
    Replay(replay::Args),
    /// fmt --check, clippy -D warnings, codegen --check, the tests and Schemathesis.
    Ci(ci::Args),
    /// Run the benchmarks and print them as a table.
    Bench(bench::Args),
    /// Compare the vendor doc pages with the fingerprints in specs/sources.toml.
    DocsCheck(docs_check::Args),
    /// Run Schemathesis (in a virtualenv under target/) with specs/*.yaml against their mocks.
    Schemathesis(schemathesis::Args),
}

/// The workspace root, whatever directory the command was started from.
pub(crate) fn root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().map(PathBuf::from).unwrap_or(manifest)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Codegen(args) => codegen::run(args),
        Command::Import(args) => import::run(args),
        Command::Mock(args) => mock::run(args),
        Command::Conformance(args) => conformance::run(*args),
        Command::Replay(args) => replay::run(args),
        Command::Ci(args) => ci::run(args),
        Command::Bench(args) => bench::run(args),
        Command::DocsCheck(args) => docs_check::run(args),
        Command::Schemathesis(args) => schemathesis::run(args),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(2)
        }
    }
}
