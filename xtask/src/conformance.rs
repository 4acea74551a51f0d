//! `cargo xtask conformance`: check a server against its spec.
//!
//! With no vendor, both reference mocks are started in-process and checked (the embedded
//! default, what CI runs). With `peeker` or `devpayr`, the server at `--base-url` is checked.
//! Exit 0: every check passed (skips are listed); 1: a violation; 2: usage error, unreachable
//! server, refused (a `pk_live_` key without `--allow-live`: nothing is sent), or incomplete.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Subcommand;
use conformance::mock::{self, MockConfig, RunningMock, Vendor};
use conformance::{Options, Report, Secret, Target};

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    server: Option<Server>,
    #[command(flatten)]
    common: Common,
}

#[derive(Subcommand)]
enum Server {
    /// Check a Peeker server (e.g. the sandbox, or `cargo xtask mock peeker`).
    Peeker {
        /// The spec's server URL on that server, e.g. http://127.0.0.1:8080/api/partner/v1.
        #[arg(long)]
        base_url: String,
        /// The partner key (pk_test_…).
        #[arg(long, env = "PEEKER_TOKEN", hide_env_values = true)]
        token: Option<String>,
        /// Allow a live key (pk_live_…): the checks send hundreds of requests, some malformed.
        #[arg(long)]
        allow_live: bool,
    },
    /// Check a DevPayr server (e.g. `cargo xtask mock devpayr`).
    Devpayr {
        /// The spec's server URL on that server, e.g. http://127.0.0.1:8081/api/v1.
        #[arg(long)]
        base_url: String,
        /// The API key (project-scoped or global).
        #[arg(long, env = "DEVPAYR_API_KEY", hide_env_values = true)]
        api_key: Option<String>,
        /// A project the key may read.
        #[arg(long)]
        project: u64,
        /// A project the key may not read (checks the 403); skipped without it.
        #[arg(long)]
        forbidden_project: Option<u64>,
        /// A project id that does not exist (checks the 404); skipped without it.
        #[arg(long)]
        missing_project: Option<u64>,
    },
}

#[derive(clap::Args)]
struct Common {
    /// Proptest cases per property family.
    #[arg(long, global = true)]
    cases: Option<u32>,
    /// Seed of every strategy; the report prints it, so `--seed N` replays a run.
    #[arg(long, global = true)]
    seed: Option<u64>,
    /// Most requests per server (429 retries included).
    #[arg(long, global = true)]
    max_requests: Option<u64>,
    /// Write a JUnit XML report here.
    #[arg(long, global = true)]
    junit: Option<PathBuf>,
    /// Write a JSON report here.
    #[arg(long, global = true)]
    json: Option<PathBuf>,
}

impl Common {
    fn options(&self) -> Options {
        let mut o = Options {
            progress: true,
            ..Options::default()
        };
        if let Some(c) = self.cases {
            o.cases = c;
        }
        if let Some(s) = self.seed {
            o.seed = s;
        }
        if let Some(m) = self.max_requests {
            o.max_requests = m;
        }
        o
    }
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let options = args.common.options();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the tokio runtime")?;
    let reports = match args.server {
        None => runtime.block_on(embedded(options))?,
        Some(server) => {
            let target = target(server)?;
            vec![runtime.block_on(conformance::run(target, options))]
        }
    };
    for r in &reports {
        println!("{}", r.render());
    }
    if let Some(path) = &args.common.junit {
        conformance::report::write_junit(&reports, path)?;
    }
    if let Some(path) = &args.common.json {
        conformance::report::write_json(&reports, path)?;
    }
    Ok(ExitCode::from(conformance::report::exit_code(&reports)))
}

fn parse_url(s: &str) -> anyhow::Result<conformance::url::Url> {
    let url = conformance::url::Url::parse(s)
        .with_context(|| format!("--base-url `{s}` is not a URL"))?;
    anyhow::ensure!(
        matches!(url.scheme(), "http" | "https"),
        "--base-url `{s}` is not an http(s) URL"
    );
    Ok(url)
}

fn target(server: Server) -> anyhow::Result<Target> {
    Ok(match server {
        Server::Peeker {
            base_url,
            token,
            allow_live,
        } => {
            let token = token.context("no Peeker key: pass --token or set PEEKER_TOKEN")?;
            let mut t = Target::new(Vendor::Peeker, parse_url(&base_url)?);
            t.credential = Some(Secret::new(token));
            t.allow_live = allow_live;
            t
        }
        Server::Devpayr {
            base_url,
            api_key,
            project,
            forbidden_project,
            missing_project,
        } => {
            let key = api_key.context("no DevPayr key: pass --api-key or set DEVPAYR_API_KEY")?;
            let mut t = Target::new(Vendor::Devpayr, parse_url(&base_url)?);
            t.credential = Some(Secret::new(key));
            t.project = Some(project);
            t.forbidden_project = forbidden_project;
            t.missing_project = missing_project;
            t
        }
    })
}

/// A target for a reference mock, with every credential and option it offers.
fn mock_target(m: &RunningMock) -> anyhow::Result<Target> {
    let c = &m.credentials;
    let mut t = Target::new(m.vendor(), parse_url(&m.base_url)?);
    match m.vendor() {
        Vendor::Peeker => {
            t.credential = c.peeker_token.clone().map(Secret::new);
            t.owner_values = c.peeker_user_emails.clone();
        }
        Vendor::Devpayr => {
            t.credential = c.scoped_key.clone().map(Secret::new);
            t.project = c.scoped_project;
            t.forbidden_project = c.forbidden_project;
            t.missing_project = c.missing_project;
        }
    }
    Ok(t)
}

/// Starts both reference mocks in-process and checks them side by side.
///
/// The mocks rate-limit every 20th request (with `Retry-After: 0`, so no time is lost), so that
/// the 429 handling and the 429-shape check are exercised as well.
async fn embedded(options: Options) -> anyhow::Result<Vec<Report>> {
    let config = |vendor| MockConfig {
        rate_limit_every: Some(20),
        retry_after_secs: 0,
        ..MockConfig::new(vendor)
    };
    let peeker = mock::start(config(Vendor::Peeker)).await?;
    let devpayr = mock::start(config(Vendor::Devpayr)).await?;
    let (a, b) = tokio::join!(
        conformance::run(mock_target(&peeker)?, options.clone()),
        conformance::run(mock_target(&devpayr)?, options),
    );
    peeker.shutdown().await;
    devpayr.shutdown().await;
    Ok(vec![a, b])
}
