//! `cargo xtask conformance`: check a server against its spec.
//!
//! With no vendor, both reference mocks are started in-process and checked (the embedded
//! default, what CI runs). With `peeker` or `devpayr`, the server at `--base-url` is checked.
//! Exit 0: every check passed (skips are listed); 1: a violation; 2: usage error, unreachable
//! server, refused (a `pk_live_` key without `--allow-live`: nothing is sent), or incomplete.

use std::fmt;
use std::path::PathBuf;
use std::process::ExitCode;
use std::str::FromStr;
use std::time::Duration;

use anyhow::Context;
use clap::Subcommand;
use conformance::mock::{self, MockConfig, Vendor};
use conformance::{Options, Report, Secret, Stop, Target};

/// What `--help` says about the guards, after the options; the numbers are the defaults of
/// [`Options`], so the text cannot drift from them.
fn guards() -> String {
    let o = Options::default();
    format!(
        "\
What is sent, and where:
  Requests go only to the origin (scheme, host, port) of --base-url. The key is sent only
  there, only in the spec's header (Peeker: Authorization: Bearer; DevPayr: X-API-KEY).
  A next link or a redirect to another origin is reported (transport/same-origin,
  transport/no-redirect) and never followed; no redirect is ever followed.
  Prefer the env vars PEEKER_TOKEN / DEVPAYR_API_KEY to --token / --api-key (command
  lines are visible to other users of the machine). The key is printed as *** everywhere.
  A Peeker pk_live_ key is refused (exit 2, nothing sent) unless --allow-live is given.

Politeness (per server):
  --max-requests (default {max}, 429 retries included), --request-timeout (default {timeout} s,
  headers and whole body), --deadline (default {deadline} s for the whole run); at most
  {concurrency} requests in flight; bodies larger than {cap} MiB are not read (transport/body-size).
  A 429 waits for Retry-After (seconds, capped at {retry_cap} s) or backs off 100 ms, 200 ms,
  400 ms, ... when it is absent; a request still limited after {retries} retries is given up
  (transport/rate-limit-recovers). 429s are counted in the summary and checked against
  the documented shape (errors/rate-limit), never reported otherwise.

Exit codes: 0 every check passed (skips are listed); 1 the server violates a check;
  2 usage error, unreachable, refused, or incomplete (budget or deadline).",
        max = o.max_requests,
        timeout = o.request_timeout.as_secs_f64(),
        deadline = o.deadline.as_secs_f64(),
        concurrency = o.concurrency,
        cap = o.body_cap / (1024 * 1024),
        retry_cap = o.retry_after_cap.as_secs_f64(),
        retries = o.max_retries,
    )
}

#[derive(clap::Args)]
#[command(after_help = guards())]
pub struct Args {
    #[command(subcommand)]
    server: Option<Server>,
    #[command(flatten)]
    common: Common,
}

#[derive(Subcommand)]
enum Server {
    /// Check a Peeker server (e.g. the sandbox, or `cargo xtask mock peeker`).
    #[command(after_help = guards())]
    Peeker {
        /// The spec's server URL on that server, e.g. http://127.0.0.1:8080/api/partner/v1.
        #[arg(long)]
        base_url: String,
        /// The partner key (pk_test_…); prefer the env var, which no process list shows.
        #[arg(
            long,
            env = "PEEKER_TOKEN",
            hide_env_values = true,
            allow_hyphen_values = true
        )]
        token: Option<String>,
        /// Allow a live key (pk_live_…): the checks send hundreds of requests, some malformed.
        #[arg(long)]
        allow_live: bool,
        /// The email of a customer with domains (repeatable). The response never shows emails,
        /// so without one the `user_email` filter is checked only with an unknown address.
        #[arg(long = "user-email", value_name = "EMAIL")]
        user_emails: Vec<String>,
    },
    /// Check a DevPayr server (e.g. `cargo xtask mock devpayr`).
    #[command(after_help = guards())]
    Devpayr {
        /// The spec's server URL on that server, e.g. http://127.0.0.1:8081/api/v1.
        #[arg(long)]
        base_url: String,
        /// The API key (project-scoped or global); prefer the env var, which no process list
        /// shows.
        #[arg(
            long,
            env = "DEVPAYR_API_KEY",
            hide_env_values = true,
            allow_hyphen_values = true
        )]
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
    /// Most requests per server (429 retries included); the run stops when they are used.
    #[arg(long, global = true, default_value_t = Options::default().max_requests)]
    max_requests: u64,
    /// Limit on one request, from sending it to the last byte of the body (seconds, e.g. 10
    /// or 2.5).
    #[arg(long, global = true, value_name = "SECS", default_value_t = Secs(Options::default().request_timeout))]
    request_timeout: Secs,
    /// Limit on the whole run against one server (seconds); checks not finished by then are
    /// skipped and the run exits 2.
    #[arg(long, global = true, value_name = "SECS", default_value_t = Secs(Options::default().deadline))]
    deadline: Secs,
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
        o.max_requests = self.max_requests;
        o.request_timeout = self.request_timeout.0;
        o.deadline = self.deadline.0;
        o
    }
}

/// A positive number of seconds on the command line (`10`, `0.5`).
#[derive(Clone, Copy, Debug, PartialEq)]
struct Secs(Duration);

impl FromStr for Secs {
    type Err = String;

    fn from_str(s: &str) -> Result<Secs, String> {
        let secs: f64 = s
            .trim()
            .parse()
            .map_err(|_| format!("`{s}` is not a number of seconds"))?;
        if !(secs.is_finite() && secs > 0.0 && secs <= 86_400.0 * 365.0) {
            return Err(format!("`{s}`: give a positive number of seconds"));
        }
        Ok(Secs(Duration::from_secs_f64(secs)))
    }
}

impl fmt::Display for Secs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.as_secs_f64())
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
            if let Some(secret) = &target.credential {
                redact_panics(secret.expose().to_string());
            }
            vec![runtime.block_on(conformance::run(target, options))]
        }
    };
    for r in &reports {
        println!("{}", r.render());
    }
    // Why nothing (or not everything) was checked, on stderr as well, where a script or a CI
    // log shows errors.
    for r in &reports {
        match &r.stop {
            Some(Stop::Refused(s) | Stop::Usage(s) | Stop::Unreachable(s)) => {
                eprintln!("error: {}: {s}", r.vendor);
            }
            Some(Stop::BudgetExhausted(s)) => {
                eprintln!("error: {}: incomplete, {s}; raise --max-requests", r.vendor);
            }
            Some(Stop::Deadline(s)) => {
                eprintln!("error: {}: incomplete, {s}; raise --deadline", r.vendor);
            }
            Some(Stop::Unusable(s)) => eprintln!("error: {}: incomplete, {s}", r.vendor),
            None => {}
        }
    }
    if let Some(path) = &args.common.junit {
        conformance::report::write_junit(&reports, path)?;
    }
    if let Some(path) = &args.common.json {
        conformance::report::write_json(&reports, path)?;
    }
    Ok(ExitCode::from(conformance::report::exit_code(&reports)))
}

/// Replaces the default panic message with one where the credential is `***`: a panic in a
/// check must not print it, whatever the panic message holds.
fn redact_panics(secret: String) {
    if secret.is_empty() {
        return;
    }
    std::panic::set_hook(Box::new(move |info| {
        let payload = info.payload();
        let message = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "Box<dyn Any>".to_string());
        let location = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        let thread = std::thread::current();
        eprintln!(
            "thread '{}' panicked{location}:\n{}",
            thread.name().unwrap_or("<unnamed>"),
            message.replace(&secret, "***")
        );
        let backtrace = std::backtrace::Backtrace::capture();
        if backtrace.status() == std::backtrace::BacktraceStatus::Captured {
            eprintln!("{backtrace}");
        }
    }));
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
            user_emails,
        } => {
            let token = token.context("no Peeker key: pass --token or set PEEKER_TOKEN")?;
            let mut t = Target::new(Vendor::Peeker, parse_url(&base_url)?);
            t.credential = Some(Secret::new(token));
            t.allow_live = allow_live;
            t.owner_values = user_emails;
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
        conformance::run(Target::for_mock(&peeker)?, options.clone()),
        conformance::run(Target::for_mock(&devpayr)?, options),
    );
    peeker.shutdown().await;
    devpayr.shutdown().await;
    Ok(vec![a, b])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_are_positive_numbers() {
        assert_eq!("10".parse::<Secs>(), Ok(Secs(Duration::from_secs(10))));
        assert_eq!("0.5".parse::<Secs>(), Ok(Secs(Duration::from_millis(500))));
        for bad in ["0", "-1", "abc", "", "inf", "NaN", "1e12"] {
            assert!(bad.parse::<Secs>().is_err(), "{bad:?}");
        }
        assert_eq!(Secs(Options::default().request_timeout).to_string(), "10");
    }

    #[test]
    fn the_help_text_states_the_defaults() {
        let o = Options::default();
        let text = guards();
        assert!(text.contains(&format!("default {}", o.max_requests)));
        assert!(text.contains(&format!("{} requests in flight", o.concurrency)));
        assert!(text.contains(&format!("{} MiB", o.body_cap / (1024 * 1024))));
    }
}
