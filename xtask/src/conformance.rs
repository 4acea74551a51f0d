//! `cargo xtask conformance`: check a server against its spec.
//!
//! With no API, every spec's reference mock is started in-process and checked (the embedded
//! default, what CI runs). With `<api>` (any spec in `specs/`), the server at `--base-url` is
//! checked. The subcommand of each API is built from its spec ([`command`]): the credential
//! flag and its environment variable come from the security scheme (`--token` / `PEEKER_TOKEN`
//! for a bearer token, `--api-key` / `DEVPAYR_API_KEY` for an API key), path values are
//! `--path [OPERATION:]NAME=VALUE` (or `--NAME VALUE`), access probes `--forbidden NAME=VALUE`
//! and `--missing NAME=VALUE` (or `--forbidden-NAME`, `--missing-NAME`), owner filters take
//! known owners as `--PARAM`, and `--operation` narrows the run to some operations.
//!
//! Exit 0: every check passed or warned; 1: a failure; 2: usage error, unreachable server,
//! refused (a live key without `--allow-live`: nothing is sent), or incomplete.

mod command;

use conformance::settings::{self as config, Config};

use std::fmt;
use std::path::PathBuf;
use std::process::ExitCode;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use clap::{ArgMatches, Command, FromArgMatches};
use conformance::{Options, Report, Selection, Stop};

/// What `--help` says about the guards, after the options; the numbers are the defaults of
/// [`Options`], so the text cannot drift from them.
fn guards() -> String {
    let o = Options::default();
    format!(
        "\
What is sent, and where:
  Requests go only to the origin (scheme, host, port) of --base-url. The credential is sent
  only there, only where the spec's security scheme puts it. A next link or a redirect to
  another origin is reported (transport/same-origin, transport/no-redirect) and never
  followed; no redirect is ever followed. Prefer the environment variable to the credential
  flag (command lines are visible to other users of the machine). The credential is printed
  as *** everywhere, in every form it takes (a user name, a password, their base64, a key in a
  URL); one shorter than {min} characters is refused (it could not be masked in the report
  without mangling it). A live key (the spec's x-live-prefix) is refused (exit 2, nothing
  sent) unless --allow-live is given.

Politeness (per server):
  --max-requests (default {max}, 429 retries included), --request-timeout (default {timeout} s,
  headers and whole body), --deadline (default {deadline} s for the whole run); at most
  --concurrency (default {concurrency}) requests in flight; bodies larger than {cap} MiB are not
  read (transport/body-size). A 429 waits for Retry-After (seconds or an HTTP date, capped at
  {retry_cap} s) or backs off 100 ms, 200 ms, 400 ms, ... when it is absent, and holds back
  every request of the run meanwhile; a request still limited after {retries} retries is given
  up (transport/rate-limit-recovers). 429s are counted in the summary and checked against the
  documented shape (errors/rate-limit).

Verdicts: pass; warn when only a reading the spec chose where the vendor page is silent is
  broken (shown with the reading); fail when a documented fact or an HTTP/JSON convention is.

Exit codes: 0 every check passed or warned (skips are listed); 1 a failure (or, with
  --strict, a warning); 2 usage error, unreachable, refused, or incomplete (budget or deadline).",
        min = conformance::target::MIN_SECRET_LEN,
        max = o.max_requests,
        timeout = o.request_timeout.as_secs_f64(),
        deadline = o.deadline.as_secs_f64(),
        concurrency = o.concurrency,
        cap = o.body_cap / (1024 * 1024),
        retry_cap = o.retry_after_cap.as_secs_f64(),
        retries = o.max_retries,
    )
}

/// The options every run takes, before or after the API's name.
#[derive(clap::Args, Debug)]
pub struct Common {
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
    /// Requests in flight at once; independent walks and probes run concurrently up to it.
    #[arg(long, global = true, value_name = "N", default_value_t = Options::default().concurrency,
          value_parser = concurrency)]
    concurrency: usize,
    /// Warnings (readings the spec chose, not followed by the server) count as failures.
    #[arg(long, global = true)]
    strict: bool,
    /// Keep to the vendor's rate limit: at most N requests per second, minute or hour
    /// (`25/s`, `100/m`, `5000/h`), 429 retries included, across every request in flight.
    #[arg(long, global = true, value_name = "N/s|N/m|N/h")]
    rate_limit: Option<conformance::RateLimit>,
    /// Run only these checks: names or family globs, comma-separated (`pagination/*,errors/missing-key`).
    #[arg(long, global = true, value_name = "LIST", value_delimiter = ',')]
    checks: Vec<String>,
    /// Leave out these checks: names or family globs, comma-separated.
    #[arg(long, global = true, value_name = "LIST", value_delimiter = ',')]
    exclude_checks: Vec<String>,
    /// Write a JUnit XML report here.
    #[arg(long, global = true, value_name = "PATH")]
    junit: Option<PathBuf>,
    /// Write a JSON report here.
    #[arg(long, global = true, value_name = "PATH")]
    json: Option<PathBuf>,
    /// Write a markdown summary here (GitHub-flavoured; for $GITHUB_STEP_SUMMARY).
    #[arg(long, global = true, value_name = "PATH")]
    markdown: Option<PathBuf>,
    /// Record every exchange as an HTTP Archive (HAR 1.2) here, the credential masked.
    #[arg(long, global = true, value_name = "PATH")]
    har: Option<PathBuf>,
    /// Settings of runs against a server (`conformance.toml` in the working directory when
    /// it exists): base URL, path values, owners, operations, checks, budget, rate limit, per
    /// API. Flags win over the file; credentials never go in it.
    #[arg(long, global = true, value_name = "PATH")]
    config: Option<PathBuf>,
}

impl Common {
    /// The options of the flags given, then of `file` (an API's settings), then the defaults.
    fn options(&self, given: &Given, file: &config::Settings) -> anyhow::Result<Options> {
        let (checks, exclude) = (
            match (given.has("checks"), &file.checks) {
                (false, Some(c)) => c.clone(),
                _ => self.checks.clone(),
            },
            match (given.has("exclude_checks"), &file.exclude_checks) {
                (false, Some(c)) => c.clone(),
                _ => self.exclude_checks.clone(),
            },
        );
        let selection = Selection::new(&checks, &exclude).map_err(Usage::from)?;
        let mut o = Options {
            progress: true,
            selection,
            ..Options::default()
        };
        if let Some(c) = self.cases.or(file.cases) {
            o.cases = c;
        }
        if let Some(s) = self.seed.or(file.seed) {
            o.seed = s;
        }
        o.max_requests = match file.max_requests {
            Some(n) if !given.has("max_requests") => n,
            _ => self.max_requests,
        };
        let secs = |id: &str, flag: Secs, file: Option<f64>| -> anyhow::Result<Duration> {
            match file {
                Some(s) if !given.has(id) => Ok(s
                    .to_string()
                    .parse::<Secs>()
                    .map_err(|e| Usage(format!("{id} in the settings file: {e}")))?
                    .0),
                _ => Ok(flag.0),
            }
        };
        o.request_timeout = secs(
            "request_timeout",
            self.request_timeout,
            file.request_timeout,
        )?;
        o.deadline = secs("deadline", self.deadline, file.deadline)?;
        o.concurrency = match file.concurrency {
            Some(n) if !given.has("concurrency") => concurrency(&n.to_string())
                .map_err(|e| Usage(format!("concurrency in the settings file: {e}")))?,
            _ => self.concurrency,
        };
        o.strict = self.strict || file.strict.unwrap_or(false);
        o.rate_limit = match (&self.rate_limit, &file.rate_limit) {
            (Some(r), _) => Some(*r),
            (None, Some(text)) => Some(
                text.parse()
                    .map_err(|e| Usage(format!("rate-limit in the settings file: {e}")))?,
            ),
            (None, None) => None,
        };
        Ok(o)
    }
}

/// The common options given on the command line (or by their environment variable), as
/// opposed to their defaults: only those win over the settings file.
#[derive(Debug, Default)]
struct Given(std::collections::BTreeSet<String>);

impl Given {
    fn of(matches: &ArgMatches) -> Given {
        let ids = [
            "max_requests",
            "request_timeout",
            "deadline",
            "concurrency",
            "checks",
            "exclude_checks",
        ];
        Given(
            ids.iter()
                .filter(|id| {
                    matches!(
                        matches.value_source(id),
                        Some(
                            clap::parser::ValueSource::CommandLine
                                | clap::parser::ValueSource::EnvVariable
                        )
                    )
                })
                .map(|id| id.to_string())
                .collect(),
        )
    }

    fn has(&self, id: &str) -> bool {
        self.0.contains(id)
    }
}

/// A usage error found after parsing: exit 2 with the message.
#[derive(Debug)]
pub struct Usage(pub String);

impl fmt::Display for Usage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Usage {}

impl From<conformance::registry::UnknownCheck> for Usage {
    fn from(e: conformance::registry::UnknownCheck) -> Usage {
        Usage(e.to_string())
    }
}

/// The parsed command line: the API (if any) with its own arguments, and the common options.
#[derive(Debug)]
pub struct Args {
    server: Option<(String, ArgMatches)>,
    common: Common,
    given: Given,
}

impl FromArgMatches for Args {
    fn from_arg_matches(matches: &ArgMatches) -> Result<Self, clap::Error> {
        let common = Common::from_arg_matches(matches)?;
        let given = Given::of(matches);
        let server = matches
            .subcommand()
            .map(|(name, m)| (name.to_string(), m.clone()));
        Ok(Args {
            server,
            common,
            given,
        })
    }

    fn update_from_arg_matches(&mut self, matches: &ArgMatches) -> Result<(), clap::Error> {
        *self = Args::from_arg_matches(matches)?;
        Ok(())
    }
}

impl clap::Args for Args {
    fn augment_args(cmd: Command) -> Command {
        let guards = guards();
        let mut cmd = Common::augment_args(cmd).after_help(guards.clone());
        // A spec that does not load still gets its subcommand, which names the error.
        for name in specs::names() {
            let sub = match specs::load(name) {
                Some(Ok(spec)) => command::server_command(&spec, &guards),
                Some(Err(e)) => command::broken_command(name, &e),
                None => continue,
            };
            cmd = cmd.subcommand(sub);
        }
        cmd
    }

    fn augment_args_for_update(cmd: Command) -> Command {
        Args::augment_args(cmd)
    }
}

/// `--concurrency`: 1 to 64 requests in flight.
fn concurrency(s: &str) -> Result<usize, String> {
    match s.trim().parse::<usize>() {
        Ok(n @ 1..=64) => Ok(n),
        _ => Err(format!(
            "`{s}`: give a number of requests in flight from 1 to 64"
        )),
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
    // The settings file describes runs against servers; the embedded run checks our own
    // mocks and takes only flags.
    let api = match &args.server {
        None => config::ApiSettings::default(),
        Some((name, _)) => match Config::load(args.common.config.as_deref()) {
            Ok(file) => {
                let unknown = file.unknown_apis(&specs::names());
                if !unknown.is_empty() {
                    return usage(&format!(
                        "{}: [api.{}] names no spec in specs/ (the specs: {})",
                        file.file
                            .as_ref()
                            .map_or(String::new(), |f| f.display().to_string()),
                        unknown.join("], [api."),
                        specs::names().join(", ")
                    ));
                }
                file.for_api(name)
            }
            Err(e) => return usage(&format!("{e:#}")),
        },
    };
    let options = match args.common.options(&args.given, &api.settings) {
        Ok(o) => o,
        Err(e) => return usage(&e.to_string()),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the tokio runtime")?;
    // The archive is written as the runs go; it is put in place once they are over.
    let har = match &args.common.har {
        Some(path) => Some(conformance::har::HarWriter::create(path)?),
        None => None,
    };
    let runs = match &args.server {
        None => runtime.block_on(embedded(options, har.as_ref()))?,
        Some((name, matches)) => {
            let (target, operations) = match command::target(name, matches, &api) {
                Ok(t) => t,
                Err(e) => return usage(&e.to_string()),
            };
            redact_panics(target.masked_forms());
            let options = Options {
                operations,
                ..options
            };
            let recorder = har.as_ref().map(|w| w.recorder_for(0, &target));
            vec![runtime.block_on(conformance::run_recording(target, options, recorder))]
        }
    };
    let reports: Vec<Report> = runs.iter().map(|r| r.report.clone()).collect();
    for r in &reports {
        println!("{}", r.render());
    }
    // Why nothing (or not everything) was checked, on stderr as well, where a script or a CI
    // log shows errors.
    for r in &reports {
        match &r.stop {
            Some(Stop::Refused(s) | Stop::Usage(s) | Stop::Unreachable(s)) => {
                eprintln!("error: {}: {s}", r.api);
            }
            Some(Stop::BudgetExhausted(s)) => {
                eprintln!("error: {}: incomplete, {s}; raise --max-requests", r.api);
            }
            Some(Stop::Deadline(s)) => {
                eprintln!("error: {}: incomplete, {s}; raise --deadline", r.api);
            }
            Some(Stop::Unusable(s)) => eprintln!("error: {}: incomplete, {s}", r.api),
            None => {}
        }
    }
    let common = &args.common;
    if let Some(path) = &common.junit {
        conformance::report::write_junit(&reports, path)?;
    }
    if let Some(path) = &common.json {
        conformance::report::write_json(&reports, path)?;
    }
    if let Some(path) = &common.markdown {
        conformance::report::write_markdown(&reports, path)?;
    }
    if let Some(writer) = &har {
        writer.finish(runs.iter().filter_map(|r| r.meta.clone()).collect())?;
    }
    Ok(ExitCode::from(conformance::report::exit_code(&reports)))
}

fn usage(message: &str) -> anyhow::Result<ExitCode> {
    eprintln!("error: {message}");
    Ok(ExitCode::from(2))
}

/// Replaces the default panic message with one where every form of the credentials
/// (`secrets`, longest first) is `***`: a panic in a check must not print one, whatever the
/// panic message holds.
fn redact_panics(secrets: Vec<String>) {
    if secrets.is_empty() {
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
            conformance::target::mask_all(&message, &secrets)
        );
        let backtrace = std::backtrace::Backtrace::capture();
        if backtrace.status() == std::backtrace::BacktraceStatus::Captured {
            eprintln!("{backtrace}");
        }
    }));
}

/// Starts every spec's reference mock in-process and checks them side by side.
///
/// The mocks rate-limit every 20th request (with `Retry-After: 0`, so no time is lost), so that
/// the 429 handling and the 429-shape check are exercised as well.
async fn embedded(
    options: Options,
    har: Option<&Arc<conformance::har::HarWriter>>,
) -> anyhow::Result<Vec<conformance::Run>> {
    let mut mocks = Vec::new();
    for spec in specs::all()? {
        let config = mock::MockConfig {
            rate_limit_every: Some(20),
            retry_after_secs: 0,
            ..mock::MockConfig::new(spec)
        };
        mocks.push(mock::start(config).await?);
    }
    let targets = mocks
        .iter()
        .map(conformance::target::for_mock)
        .collect::<Result<Vec<_>, _>>()?;
    let runs = futures::future::join_all(targets.into_iter().enumerate().map(|(i, t)| {
        let recorder = har.map(|w| w.recorder_for(i, &t));
        conformance::run_recording(t, options.clone(), recorder)
    }))
    .await;
    for m in mocks {
        m.shutdown().await;
    }
    Ok(runs)
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
        assert!(text.contains(&format!("(default {}) requests in flight", o.concurrency)));
        assert!(text.contains(&format!("{} MiB", o.body_cap / (1024 * 1024))));
    }
}
