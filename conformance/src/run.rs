//! One run: refuse what must not be probed, check the server is there, run every family, and
//! turn what happened into a [`Report`].

use std::io::IsTerminal;
use std::sync::Arc;
use std::time::Instant;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use specs::Spec;

use crate::checks::{self, Ctx};
use crate::probe::{Auth, Probe, ProbeError};
use crate::report::{CheckResult, Report, Stop};
use crate::target::{Options, Target};

type Family = (&'static str, fn(&Ctx) -> Vec<CheckResult>);

/// The families, in the order they run. Schema and transport come last: they judge every
/// response and incident the others produced.
const FAMILIES: &[Family] = &[
    ("pagination", checks::pagination::run),
    ("filters", checks::filters::run),
    ("errors", checks::errors::run),
    ("schema", checks::schema::run),
    ("transport", checks::transport::run),
];

/// Checks `target` against its vendor's spec.
///
/// Must be called inside a tokio runtime (any flavour); the checks themselves run on a
/// blocking thread of it. Never fails: problems are in the report (see [`Report::exit_code`]).
pub async fn run(target: Target, options: Options) -> Report {
    let started = Instant::now();
    let mut report = Report {
        vendor: target.vendor.name().to_string(),
        base_url: target.base_url.to_string(),
        seed: options.seed,
        cases: options.cases,
        requests_used: 0,
        requests_allowed: options.max_requests,
        rate_limited: 0,
        elapsed: Default::default(),
        stop: None,
        checks: Vec::new(),
    };
    if let Some(reason) = target.refusal() {
        report.stop = Some(Stop::Refused(reason));
        return report;
    }
    let spec = match target.vendor.spec() {
        Ok(s) => s,
        Err(e) => {
            report.stop = Some(Stop::Usage(e.to_string()));
            return report;
        }
    };
    let probe = match Probe::new(&target, &spec, &options, tokio::runtime::Handle::current()) {
        Ok(p) => Arc::new(p),
        Err(e) => {
            report.stop = Some(Stop::Usage(format!("cannot build the HTTP client: {e}")));
            return report;
        }
    };
    let secret = target.credential.as_ref().map(|s| s.expose().to_string());
    let job = {
        let probe = probe.clone();
        tokio::task::spawn_blocking(move || run_families(&target, &options, &spec, &probe))
    };
    let (checks, stop) = match job.await {
        Ok(r) => r,
        Err(e) => (
            Vec::new(),
            Some(Stop::Usage(format!("the checks panicked: {e}"))),
        ),
    };
    report.checks = checks;
    report.stop = stop;
    report.requests_used = probe.requests_used();
    report.rate_limited = probe.rate_limited();
    report.elapsed = started.elapsed();
    if let Some(secret) = secret {
        report.redact(&secret);
    }
    report
}

fn run_families(
    target: &Target,
    options: &Options,
    spec: &Spec,
    probe: &Probe,
) -> (Vec<CheckResult>, Option<Stop>) {
    let Some(op) = spec.paginated_operation() else {
        return (
            Vec::new(),
            Some(Stop::Usage(format!(
                "{} has no paginated operation",
                spec.file
            ))),
        );
    };
    let Some(pagination) = op.pagination.as_ref() else {
        return (Vec::new(), None);
    };
    let ctx = Ctx {
        probe,
        target,
        options,
        spec,
        op,
        pagination,
        schemas: spec.json_schemas(),
        reference: Default::default(),
        stopped: Default::default(),
    };
    let missing = ctx.missing_path_values();
    if !missing.is_empty() {
        return (
            Vec::new(),
            Some(Stop::Usage(format!(
                "no value for the path parameter(s) {} of {} (for DevPayr: --project ID)",
                missing.join(", "),
                op.path
            ))),
        );
    }
    // One request first: a server that cannot be reached is a usage problem, not a violation.
    if let Err(e @ ProbeError::Unreachable(_)) = probe.get(&ctx.url(&[], &[]), &Auth::Target) {
        return (Vec::new(), Some(Stop::Unreachable(e.to_string())));
    }

    let bar = if options.progress && std::io::stderr().is_terminal() {
        ProgressBar::with_draw_target(Some(FAMILIES.len() as u64), ProgressDrawTarget::stderr())
    } else {
        ProgressBar::hidden()
    };
    if let Ok(style) = ProgressStyle::with_template("{prefix} [{bar:20}] {pos}/{len} {msg}") {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_prefix(target.vendor.name());
    let mut results = Vec::new();
    for (name, family) in FAMILIES {
        bar.set_message(format!(
            "{name} ({} requests so far)",
            probe.requests_used()
        ));
        results.extend(family(&ctx));
        bar.inc(1);
    }
    bar.finish_and_clear();

    let stop = ctx.stopped.borrow().as_ref().map(|e| match e {
        ProbeError::Budget { .. } => Stop::BudgetExhausted(e.to_string()),
        ProbeError::Deadline(_) => Stop::Deadline(e.to_string()),
        other => Stop::Unusable(other.to_string()),
    });
    (results, stop)
}
