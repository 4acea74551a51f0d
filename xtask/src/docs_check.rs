//! `cargo xtask docs-check`: have the vendor pages our specs were written from changed?
//!
//! The command line of the `docs-watch` crate, which does the work (fetch, normalize,
//! fingerprint, compare facts with the spec, report, accept).
//!
//! Exit codes: 0 every page unchanged; 1 some page changed, or was never recorded (`unknown`:
//! it needs a person to read it once and accept it); 2 some page unreachable, or a usage error.

use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// Read each page from DIR/<file name of its snapshot> instead of fetching it.
    #[arg(long, value_name = "DIR")]
    from: Option<PathBuf>,
    /// Record every changed or unknown page as reconciled: fingerprint, date and snapshot.
    #[arg(long)]
    accept: bool,
    /// The sources file [default: specs/sources.toml].
    #[arg(long, value_name = "PATH")]
    sources: Option<PathBuf>,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let specs_dir = crate::root().join("specs");
    let options = docs_watch::Options {
        sources: args
            .sources
            .unwrap_or_else(|| specs_dir.join("sources.toml")),
        specs_dir,
        from: args.from,
        accept: args.accept,
    };
    let status = docs_watch::run(&options, &mut std::io::stdout().lock())?;
    Ok(ExitCode::from(status.exit_code()))
}
