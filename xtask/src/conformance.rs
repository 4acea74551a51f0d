//! `cargo xtask conformance`: check a server against its spec.
//!
//! With no API, every spec's reference mock is started in-process and checked (the embedded
//! default, what CI runs). With `<api>` (any spec in `specs/`), the server at `--base-url` is
//! checked. The subcommand of each API is built from its spec: the credential flag and its
//! environment variable come from the security scheme (`--token` / `PEEKER_TOKEN` for a bearer
//! token, `--api-key` / `DEVPAYR_API_KEY` for an API key), path values are `--path NAME=VALUE`
//! (or `--NAME VALUE`), access probes `--forbidden NAME=VALUE` and `--missing NAME=VALUE` (or
//! `--forbidden-NAME`, `--missing-NAME`), and owner filters take known owners as `--PARAM`.
//!
//! Exit 0: every check passed or warned; 1: a failure; 2: usage error, unreachable server,
//! refused (a live key without `--allow-live`: nothing is sent), or incomplete.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
use std::process::ExitCode;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use clap::{Arg, ArgAction, ArgMatches, Command, FromArgMatches};
use conformance::{Options, Report, Secret, Selection, Stop, Target};
use heck::ToKebabCase;
use specs::{Location, Match, Spec};

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
  as *** everywhere; one shorter than {min} characters is refused (it could not be masked in
  the report without mangling it). A live key (the spec's x-live-prefix) is refused (exit 2,
  nothing sent) unless --allow-live is given.

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
}

impl Common {
    fn options(&self) -> anyhow::Result<Options> {
        let selection = Selection::new(&self.checks, &self.exclude_checks).map_err(Usage::from)?;
        let mut o = Options {
            progress: true,
            selection,
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
        o.concurrency = self.concurrency;
        o.strict = self.strict;
        Ok(o)
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
}

impl FromArgMatches for Args {
    fn from_arg_matches(matches: &ArgMatches) -> Result<Self, clap::Error> {
        let common = Common::from_arg_matches(matches)?;
        let server = matches
            .subcommand()
            .map(|(name, m)| (name.to_string(), m.clone()));
        Ok(Args { server, common })
    }

    fn update_from_arg_matches(&mut self, matches: &ArgMatches) -> Result<(), clap::Error> {
        *self = Args::from_arg_matches(matches)?;
        Ok(())
    }
}

impl clap::Args for Args {
    fn augment_args(cmd: Command) -> Command {
        let mut cmd = Common::augment_args(cmd).after_help(guards());
        // A spec that does not parse is reported when it is used, with its located error.
        for spec in specs::names()
            .into_iter()
            .filter_map(|n| specs::load(n)?.ok())
        {
            cmd = cmd.subcommand(server_command(&spec));
        }
        cmd
    }

    fn augment_args_for_update(cmd: Command) -> Command {
        Args::augment_args(cmd)
    }
}

/// The environment variable of `spec`'s credential.
fn env_var(spec: &Spec) -> Option<String> {
    spec.credential_env()
}

/// The owner filters of the operation under test: (parameter, flag).
fn owner_flags(spec: &Spec) -> Vec<(String, String)> {
    spec.paginated_operation()
        .map(|op| {
            op.filters
                .iter()
                .filter(|f| f.matching == Match::Owner)
                .map(|f| (f.param.clone(), f.param.to_kebab_case()))
                .collect()
        })
        .unwrap_or_default()
}

/// The path parameters of the operation under test, and the one credentials are scoped to.
fn path_params(spec: &Spec) -> (Vec<String>, Option<String>) {
    let Some(op) = spec.paginated_operation() else {
        return (Vec::new(), None);
    };
    let names = op
        .parameters_in(Location::Path)
        .map(|p| p.name.clone())
        .collect();
    (names, op.access.as_ref().map(|a| a.path_param.clone()))
}

/// The subcommand of one API, built from its spec.
fn server_command(spec: &Spec) -> Command {
    let title = spec.openapi.info.title.clone();
    let server = spec.server_url().unwrap_or("https://api.example.com");
    let example = format!("http://127.0.0.1:8080{}", spec.server_path());
    let mut needs: Vec<String> = Vec::new();
    let mut cmd = Command::new(spec.name.clone())
        .about(format!(
            "Check a server of the {title} against specs/{}.yaml",
            spec.name
        ))
        .arg(
            Arg::new("base-url")
                .long("base-url")
                .required(true)
                .value_name("URL")
                .help(format!(
                    "The spec's server URL ({server}) on that server, e.g. {example}"
                )),
        );
    if let Some(security) = spec.security() {
        let noun = security.credential_noun();
        let env = env_var(spec).unwrap_or_default();
        cmd = cmd.arg(
            Arg::new("credential")
                .long(noun)
                .value_name(noun.to_ascii_uppercase().replace('-', "_"))
                .env(env.clone())
                .hide_env_values(true)
                .allow_hyphen_values(true)
                .help(format!(
                    "The credential ({}); prefer the environment variable, which no process list shows",
                    match security.header_name() {
                        Some(h) => format!("sent in the {h} header"),
                        None => "sent in the query".to_string(),
                    }
                )),
        );
        needs.push(format!("a credential: --{noun} or {env}"));
        if let Some(prefix) = &security.live_prefix {
            cmd = cmd.arg(
                Arg::new("allow-live")
                    .long("allow-live")
                    .action(ArgAction::SetTrue)
                    .help(format!(
                        "Allow a live key ({prefix}…): the checks send hundreds of requests, some malformed"
                    )),
            );
        }
    }
    let (paths, access) = path_params(spec);
    if !paths.is_empty() {
        cmd = cmd.arg(
            Arg::new("path")
                .long("path")
                .value_name("NAME=VALUE")
                .action(ArgAction::Append)
                .help(format!(
                    "A value of a path parameter the credential may read ({}); repeat it with other \
                     values the credential may read, and page tokens are replayed across them \
                     (errors/token-scope)",
                    paths.join(", ")
                )),
        );
    }
    for name in &paths {
        cmd = cmd.arg(
            Arg::new(format!("path:{name}"))
                .long(name.to_kebab_case())
                .value_name("VALUE")
                .help(format!("Same as --path {name}=VALUE")),
        );
        needs.push(format!(
            "--{} VALUE (or --path {name}=VALUE)",
            name.to_kebab_case()
        ));
    }
    if let Some(name) = &access {
        let kebab = name.to_kebab_case();
        cmd = cmd
            .arg(
                Arg::new("forbidden")
                    .long("forbidden")
                    .value_name("NAME=VALUE")
                    .action(ArgAction::Append)
                    .help(format!("A value of `{name}` the credential may not read (checks errors/forbidden; skipped without it)")),
            )
            .arg(
                Arg::new("missing")
                    .long("missing")
                    .value_name("NAME=VALUE")
                    .action(ArgAction::Append)
                    .help(format!(
                        "A value of `{name}` that does not exist (checks errors/not-found; without it one is made up from the parameter's type)"
                    )),
            )
            .arg(
                Arg::new(format!("forbidden:{name}"))
                    .long(format!("forbidden-{kebab}"))
                    .value_name("VALUE")
                    .help(format!("Same as --forbidden {name}=VALUE")),
            )
            .arg(
                Arg::new(format!("missing:{name}"))
                    .long(format!("missing-{kebab}"))
                    .value_name("VALUE")
                    .help(format!("Same as --missing {name}=VALUE")),
            );
    }
    for (param, flag) in owner_flags(spec) {
        cmd = cmd.arg(
            Arg::new(format!("owner:{param}"))
                .long(flag.clone())
                .value_name("VALUE")
                .action(ArgAction::Append)
                .help(format!(
                    "A known value of the owner filter `{param}` (repeatable). The response never shows it, so without one the filter is checked only with a value that must select nothing"
                )),
        );
    }
    let needs = if needs.is_empty() {
        "nothing but --base-url".to_string()
    } else {
        needs.join("; ")
    };
    cmd.after_help(format!(
        "This API needs: --base-url; {needs}.\n\n{}",
        guards()
    ))
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
    let options = match args.common.options() {
        Ok(o) => o,
        Err(e) => return usage(&e.to_string()),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the tokio runtime")?;
    let runs = match &args.server {
        None => runtime.block_on(embedded(options))?,
        Some((name, matches)) => {
            let target = match target(name, matches) {
                Ok(t) => t,
                Err(e) => return usage(&e.to_string()),
            };
            if let Some(secret) = &target.credential {
                redact_panics(secret.expose().to_string());
            }
            vec![runtime.block_on(conformance::run_recorded(target, options))]
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
    if let Some(path) = &common.har {
        conformance::har::write(&runs, path)?;
    }
    Ok(ExitCode::from(conformance::report::exit_code(&reports)))
}

fn usage(message: &str) -> anyhow::Result<ExitCode> {
    eprintln!("error: {message}");
    Ok(ExitCode::from(2))
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
            conformance::target::mask(&message, &secret)
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

/// `NAME=VALUE` pairs of a repeatable flag, each name one of `known`: every value of each
/// name, in the order given.
fn all_pairs(
    matches: &ArgMatches,
    id: &str,
    flag: &str,
    known: &[String],
) -> anyhow::Result<BTreeMap<String, Vec<String>>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    // An API without path parameters has no such flag at all.
    let given = matches.try_get_many::<String>(id).ok().flatten();
    for pair in given.into_iter().flatten() {
        let (name, value) = pair
            .split_once('=')
            .with_context(|| format!("--{flag} `{pair}`: give NAME=VALUE"))?;
        anyhow::ensure!(
            known.iter().any(|k| k == name),
            "--{flag} `{pair}`: `{name}` is not a path parameter here (the path parameters are: {})",
            known.join(", ")
        );
        let values = out.entry(name.to_string()).or_default();
        if !values.iter().any(|v| v == value) {
            values.push(value.to_string());
        }
    }
    Ok(out)
}

/// `NAME=VALUE` pairs of a repeatable flag, the last value of each name.
fn pairs(
    matches: &ArgMatches,
    id: &str,
    flag: &str,
    known: &[String],
) -> anyhow::Result<BTreeMap<String, String>> {
    Ok(all_pairs(matches, id, flag, known)?
        .into_iter()
        .filter_map(|(name, mut values)| Some((name, values.pop()?)))
        .collect())
}

fn target(name: &str, matches: &ArgMatches) -> anyhow::Result<Target> {
    let spec = Arc::new(specs::load(name).with_context(|| format!("no spec `{name}` in specs/"))??);
    let base = matches
        .get_one::<String>("base-url")
        .context("--base-url is required")?;
    let mut t = Target::new(spec.clone(), parse_url(base)?);
    if let Some(security) = spec.security() {
        let noun = security.credential_noun();
        let env = env_var(&spec).unwrap_or_default();
        let key = matches
            .get_one::<String>("credential")
            .with_context(|| format!("no credential: pass --{noun} or set {env}"))?;
        t.credential = Some(Secret::new(key.clone()));
        t.allow_live = matches
            .try_get_one::<bool>("allow-live")
            .ok()
            .flatten()
            .copied()
            .unwrap_or(false);
    }
    let (paths, access) = path_params(&spec);
    // `--NAME VALUE` is the value walked; without it, the first `--path NAME=VALUE`. Every
    // other value given is one the credential may also read.
    for (name, mut values) in all_pairs(matches, "path", "path", &paths)? {
        if let Some(v) = matches.get_one::<String>(&format!("path:{name}")) {
            values.retain(|x| x != v);
            values.insert(0, v.clone());
        }
        let mut values = values.into_iter();
        if let Some(main) = values.next() {
            t.path_values.insert(name.clone(), main);
        }
        let others: Vec<String> = values.collect();
        if !others.is_empty() {
            t.readable.insert(name, others);
        }
    }
    for p in &paths {
        if let Some(v) = matches.get_one::<String>(&format!("path:{p}")) {
            t.path_values.insert(p.clone(), v.clone());
        }
    }
    if let Some(missing) = paths.iter().find(|p| !t.path_values.contains_key(*p)) {
        anyhow::bail!(
            "no value for the path parameter `{missing}`: pass --{} VALUE (or --path {missing}=VALUE)",
            missing.to_kebab_case()
        );
    }
    if let Some(a) = &access {
        let known = std::slice::from_ref(a);
        t.forbidden = pairs(matches, "forbidden", "forbidden", known)?;
        t.missing = pairs(matches, "missing", "missing", known)?;
        if let Some(v) = matches.get_one::<String>(&format!("forbidden:{a}")) {
            t.forbidden.insert(a.clone(), v.clone());
        }
        if let Some(v) = matches.get_one::<String>(&format!("missing:{a}")) {
            t.missing.insert(a.clone(), v.clone());
        }
    }
    for (param, _) in owner_flags(&spec) {
        let values: Vec<String> = matches
            .get_many::<String>(&format!("owner:{param}"))
            .into_iter()
            .flatten()
            .cloned()
            .collect();
        if !values.is_empty() {
            t.owner_values.insert(param, values);
        }
    }
    Ok(t)
}

/// Starts every spec's reference mock in-process and checks them side by side.
///
/// The mocks rate-limit every 20th request (with `Retry-After: 0`, so no time is lost), so that
/// the 429 handling and the 429-shape check are exercised as well.
async fn embedded(options: Options) -> anyhow::Result<Vec<conformance::Run>> {
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
    let runs = futures::future::join_all(
        targets
            .into_iter()
            .map(|t| conformance::run_recorded(t, options.clone())),
    )
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

    #[test]
    fn repeated_path_values_are_values_the_credential_may_also_read() {
        let spec = specs::load("devpayr").unwrap().unwrap();
        let matches = |args: &[&str]| {
            let mut all = vec!["devpayr", "--base-url", "http://127.0.0.1:1/api/v1"];
            all.extend(args);
            all.extend(["--api-key", "devpayr_test_0123456789abcdef"]);
            server_command(&spec).try_get_matches_from(all).unwrap()
        };
        let t = target(
            "devpayr",
            &matches(&["--project", "42", "--path", "project=43"]),
        )
        .unwrap();
        assert_eq!(t.path_values["project"], "42");
        assert_eq!(t.readable["project"], ["43"]);
        let t = target(
            "devpayr",
            &matches(&[
                "--path",
                "project=7",
                "--path",
                "project=8",
                "--path",
                "project=7",
            ]),
        )
        .unwrap();
        assert_eq!(t.path_values["project"], "7");
        assert_eq!(t.readable["project"], ["8"]);
        let t = target("devpayr", &matches(&["--project", "42"])).unwrap();
        assert!(t.readable.is_empty());
    }

    #[test]
    fn every_spec_gets_a_subcommand_with_its_own_flags() {
        for spec in specs::all().unwrap() {
            let cmd = server_command(&spec);
            let longs: Vec<&str> = cmd.get_arguments().filter_map(|a| a.get_long()).collect();
            assert!(longs.contains(&"base-url"));
            if let Some(security) = spec.security() {
                assert!(
                    longs.contains(&security.credential_noun()),
                    "{}: {longs:?}",
                    spec.name
                );
            }
            for p in path_params(&spec).0 {
                assert!(
                    longs.contains(&p.to_kebab_case().as_str()),
                    "{}: {longs:?}",
                    spec.name
                );
            }
        }
    }
}
