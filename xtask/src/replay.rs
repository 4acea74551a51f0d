//! `cargo xtask replay PATH.har`: re-judges a run recorded with `--har`, offline.
//!
//! The archive holds every exchange of the run and the options it ran with; the same checks
//! send the same requests, answered from the recording, and the same report is printed. No
//! server and no key are needed. A request the recording does not hold (a run cut short, a
//! check added since) makes the checks that needed it skip, saying so.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;

#[derive(clap::Args)]
pub struct Args {
    /// An HTTP Archive written by `cargo xtask conformance --har PATH`.
    har: PathBuf,
    /// Write a JUnit XML report here.
    #[arg(long, value_name = "PATH")]
    junit: Option<PathBuf>,
    /// Write a JSON report here.
    #[arg(long, value_name = "PATH")]
    json: Option<PathBuf>,
    /// Write a markdown summary here.
    #[arg(long, value_name = "PATH")]
    markdown: Option<PathBuf>,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let replayed = match conformance::har::replay(&args.har) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e:#}");
            return Ok(ExitCode::from(2));
        }
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the tokio runtime")?;
    let reports: Vec<conformance::Report> = runtime.block_on(async {
        let mut reports = Vec::new();
        for r in replayed {
            reports.push(
                conformance::run_with(r.target, r.options, r.transport)
                    .await
                    .report,
            );
        }
        reports
    });
    for r in &reports {
        println!("{}", r.render());
    }
    if let Some(path) = &args.junit {
        conformance::report::write_junit(&reports, path)?;
    }
    if let Some(path) = &args.json {
        conformance::report::write_json(&reports, path)?;
    }
    if let Some(path) = &args.markdown {
        conformance::report::write_markdown(&reports, path)?;
    }
    Ok(ExitCode::from(conformance::report::exit_code(&reports)))
}
