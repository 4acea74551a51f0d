//! One run: refuse what must not be probed, walk the reference, run the families
//! concurrently, judge what was received, and turn the findings into a [`Report`].
//!
//! The families that send requests (pagination, filters, errors) run at the same time, each
//! running its own walks and probes concurrently; the probe keeps at most `--concurrency`
//! requests in flight and shares one budget, one deadline and one 429 back-off between them.
//! Schema, rate-limit shape and transport come last: they judge every response and incident
//! the others produced. Findings merge in any order with the same result, so a seed gives the
//! same report whatever the scheduling.

pub mod bracket;
pub mod cases;
pub mod ctx;
pub mod findings;

use std::io::IsTerminal;
use std::sync::Arc;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

pub use ctx::Ctx;
pub use findings::Findings;

use crate::checks::walk::walk_within;
use crate::checks::{self, walk, Walk, WalkEnd};

/// The share of an operation's request budget that the first walk may take.
pub const REFERENCE_SHARE: f64 = 0.3;

/// Requests the closing walk leaves unspent, for the operations still running.
const CLOSING_RESERVE: u64 = 20;
use crate::probe::transport::{Live, Transport};
use crate::probe::{Probe, ProbeError, Recorder};
use crate::registry::CheckId;
use crate::report::{Report, Stop};
use crate::target::{Options, Target};

/// What a finished run leaves besides its report: every exchange, for recordings.
pub struct Run {
    /// The report.
    pub report: Report,
    /// The probe, with every exchange and incident of the run.
    pub probe: Option<Arc<Probe>>,
    /// What a replay of the run needs to send the same requests.
    pub meta: Option<crate::har::RunMeta>,
}

/// Checks `target` against its spec over HTTP. Never fails: problems are in the report (see
/// [`Report::exit_code`]).
pub async fn run(target: Target, options: Options) -> Report {
    run_recorded(target, options).await.report
}

/// Like [`run`], keeping the probe (and with it the list of exchanges).
pub async fn run_recorded(target: Target, options: Options) -> Run {
    run_recording(target, options, None).await
}

/// Like [`run_recorded`], handing every exchange to `recorder` as soon as it is done (a HAR
/// written as the run goes).
pub async fn run_recording(
    target: Target,
    options: Options,
    recorder: Option<Arc<dyn Recorder>>,
) -> Run {
    let transport = match Live::new(&target.base_url, options.request_timeout) {
        Ok(t) => Arc::new(t) as Arc<dyn Transport>,
        Err(e) => {
            let mut report = Report::new(&target.spec.name, target.base_url.as_str(), &options);
            report.stop = Some(Stop::Usage(format!("cannot build the HTTP client: {e}")));
            return Run {
                report,
                probe: None,
                meta: Some(crate::har::meta(&target, &options)),
            };
        }
    };
    checked(target, options, transport, recorder).await
}

/// Checks `target` through `transport` (HTTP, or a recording being replayed).
pub async fn run_with(target: Target, options: Options, transport: Arc<dyn Transport>) -> Run {
    checked(target, options, transport, None).await
}

async fn checked(
    target: Target,
    options: Options,
    transport: Arc<dyn Transport>,
    recorder: Option<Arc<dyn Recorder>>,
) -> Run {
    let started = Instant::now();
    let mut report = Report::new(&target.spec.name, target.base_url.as_str(), &options);
    let meta = Some(crate::har::meta(&target, &options));
    if let Some(reason) = target.refusal() {
        report.stop = Some(Stop::Refused(reason));
        return Run {
            report,
            probe: None,
            meta,
        };
    }
    let spec = target.spec.clone();
    if let Some(problem) = options.operations_problem(&spec) {
        report.stop = Some(Stop::Usage(problem));
        return Run {
            report,
            probe: None,
            meta,
        };
    }
    let plan = plan(&spec, &options);
    let checked: Vec<(&specs::Operation, &specs::Pagination)> = plan
        .iter()
        .filter_map(|(op, why)| match why {
            None => op.pagination.as_ref().map(|p| (*op, p)),
            Some(_) => None,
        })
        .collect();
    if checked.is_empty() {
        let problem = match options.operations.is_empty() {
            true => format!("{} has no GET operation with x-pagination", spec.file),
            false => format!(
                "no paginated GET operation of {} matches --operation {}",
                spec.file,
                options.operations.join(", ")
            ),
        };
        report.stop = Some(Stop::Usage(problem));
        report.operations = summaries(&plan, None);
        return Run {
            report,
            probe: None,
            meta,
        };
    }
    let probe = Arc::new(Probe::recording(&target, &options, transport, recorder));
    let ctxs: Vec<Ctx> = checked
        .iter()
        .map(|(op, pagination)| Ctx::new(&probe, &target, &options, op, pagination, checked.len()))
        .collect();
    let missing: Vec<String> = ctxs
        .iter()
        .flat_map(|ctx| {
            ctx.missing_path_values()
                .into_iter()
                .map(|name| format!("`{name}` of {}", ctx.op.operation_id))
        })
        .collect();
    if !missing.is_empty() {
        report.stop = Some(Stop::Usage(format!(
            "no value for the path parameter(s) {} (give --path NAME=VALUE, or \
             --path OPERATION:NAME=VALUE for one operation)",
            missing.join(", ")
        )));
        report.operations = summaries(&plan, None);
        return Run {
            report,
            probe: Some(probe),
            meta,
        };
    }
    // The operations share the probe: one budget, one deadline, one pause after a 429, one
    // limit of requests in flight.
    let all = futures::future::join_all(ctxs.iter().map(families));
    let findings = with_progress(&probe, &spec.name, &options, all).await;
    if let Some(reason) = unreachable(&probe) {
        report.stop = Some(Stop::Unreachable(reason));
        report.operations = summaries(&plan, None);
    } else {
        let unrecorded = probe
            .sent()
            .iter()
            .any(|e| e.error == Some(ProbeError::NotRecorded));
        let mut notes = std::collections::BTreeMap::new();
        let mut stopped = None;
        for (ctx, found) in ctxs.iter().zip(findings) {
            notes.insert(ctx.op.operation_id.clone(), found.run_notes());
            let stop = ctx.stopped();
            report
                .checks
                .extend(verdicts(ctx, found, stop.as_ref(), unrecorded));
            stopped = stopped.or(stop);
        }
        report.operations = summaries(&plan, Some((&probe, &notes)));
        report.stop = stopped.map(|e| match e {
            ProbeError::Budget { .. } => Stop::BudgetExhausted(e.to_string()),
            ProbeError::Deadline(_) => Stop::Deadline(e.to_string()),
            other => Stop::Unusable(other.to_string()),
        });
    }
    report.requests_used = probe.requests_used();
    report.rate_limited = probe.rate_limited();
    report.elapsed = started.elapsed();
    for form in target.masked_forms() {
        report.redact(&form);
    }
    report.apply_strict();
    Run {
        report,
        probe: Some(probe),
        meta,
    }
}

/// Every operation of the spec, in spec order, and why it is not checked (`None`: it is).
fn plan<'s>(
    spec: &'s specs::Spec,
    options: &Options,
) -> Vec<(&'s specs::Operation, Option<String>)> {
    spec.operations
        .iter()
        .map(|op| {
            let why = if op.pagination.is_none() {
                Some("the operation has no x-pagination, so there is no list to walk".to_string())
            } else if op.method != specs::Method::Get {
                Some(format!(
                    "the suite walks GET operations; this one is {}",
                    op.method
                ))
            } else if !options.selects(op) {
                Some(format!(
                    "not selected by --operation {}",
                    options.operations.join(", ")
                ))
            } else {
                None
            };
            (op, why)
        })
        .collect()
}

/// The report's list of operations: each with its requests and notes (when the run got that
/// far), or why it was not checked.
fn summaries(
    plan: &[(&specs::Operation, Option<String>)],
    run: Option<(
        &Probe,
        &std::collections::BTreeMap<specs::OperationId, Vec<String>>,
    )>,
) -> Vec<crate::report::OperationSummary> {
    plan.iter()
        .map(|(op, why)| crate::report::OperationSummary {
            id: op.operation_id.clone(),
            method: op.method.to_string(),
            path: op.path.clone(),
            not_checked: why.clone(),
            requests: run.map_or(0, |(probe, _)| probe.requests_for(&op.operation_id)),
            notes: run
                .and_then(|(_, notes)| notes.get(&op.operation_id).cloned())
                .unwrap_or_default(),
        })
        .collect()
}

/// The verdicts of one operation's checks.
fn verdicts(
    ctx: &Ctx,
    findings: Findings,
    stopped: Option<&ProbeError>,
    unrecorded: bool,
) -> Vec<crate::report::CheckResult> {
    let judged_after = [
        checks::schema::CHECKS,
        checks::transport::KINDS
            .iter()
            .map(|(c, _)| *c)
            .collect::<Vec<_>>()
            .as_slice(),
        &[CheckId::RateLimit],
    ]
    .concat();
    let unexercised = if unrecorded {
        findings::UNRECORDED
    } else {
        findings::UNEXERCISED
    };
    let mut results = findings.verdicts(
        ctx.options.selection.checks(),
        stopped,
        &judged_after,
        unexercised,
    );
    for r in &mut results {
        r.operation = ctx.op.operation_id.clone();
    }
    results
}

/// The reason the server could not be reached, when no request got any response.
fn unreachable(probe: &Probe) -> Option<String> {
    let sent = probe.sent();
    if sent.iter().any(|e| e.status.is_some()) {
        return None;
    }
    sent.iter().find_map(|e| match &e.error {
        Some(err @ ProbeError::Unreachable(_)) => Some(err.to_string()),
        _ => None,
    })
}

/// The checks that need the reference walk.
fn need_reference(ctx: &Ctx) -> bool {
    let uses = |list: &[CheckId]| {
        list.iter()
            .any(|c| *c != CheckId::OverMax && ctx.selected(*c))
    };
    uses(checks::pagination::CHECKS)
        || uses(checks::filters::CHECKS)
        || uses(checks::sort::CHECKS)
        || ctx.selected(CheckId::TokenScope)
}

/// Every family, the request-sending ones concurrently, then the judges of what was received.
async fn families<'a>(ctx: &'a Ctx<'a>) -> Findings {
    let p = ctx.pagination;
    let reference = if need_reference(ctx) {
        // As far as its share of the budget allows: a longer list is compared on the part it
        // covered, and the report says how far that was.
        let pages = ((ctx.budget() as f64 * REFERENCE_SHARE) as usize).max(1);
        let reach = walk::Reach::within(usize::MAX, pages);
        let first = walk_within(ctx, &ctx.unfiltered(Some(p.size_max)), reach).await;
        ctx.set_opening(&first);
        first
    } else {
        Walk {
            request: ctx.unfiltered(Some(p.size_max)),
            pages: Vec::new(),
            end: WalkEnd::Probe(ProbeError::NotRecorded),
        }
    };
    let pagination = async {
        match ctx.any_selected(checks::pagination::CHECKS) {
            true => checks::pagination::run(ctx, &reference).await,
            false => Findings::new(),
        }
    };
    let filters = async {
        match ctx.any_selected(checks::filters::CHECKS) {
            true => checks::filters::run(ctx, &reference).await,
            false => Findings::new(),
        }
    };
    let errors = async {
        match ctx.any_selected(checks::errors::CHECKS) {
            true => checks::errors::run(ctx, &reference).await,
            false => Findings::new(),
        }
    };
    let sort = async {
        match ctx.any_selected(checks::sort::CHECKS) {
            true => checks::sort::run(ctx, &reference).await,
            false => Findings::new(),
        }
    };
    let (a, b, c, d) = tokio::join!(pagination, filters, errors, sort);
    let mut f = Findings::new();
    for found in [a, b, c, d] {
        f.merge(found);
    }
    let mut f = settle(ctx, &reference, f).await;
    if ctx.any_selected(checks::schema::CHECKS) {
        f.merge(checks::schema::run(ctx).await);
    }
    if ctx.selected(CheckId::RateLimit) {
        f.merge(checks::errors::rate_limit_shape(ctx));
    }
    f.merge(ctx.received().findings);
    f.merge(checks::transport::run(ctx));
    f
}

/// Judges the properties that compare walks taken at different times: once every other walk
/// is done, the list is walked again at the largest page size, and the run is bracketed
/// between that walk and the first (see [`bracket`]). When a walk differed from the first,
/// the closing walk goes as far as the first did (within what is left of the budget), to
/// tell a change of the data from a fault; otherwise a window of the list's head is enough
/// to see whether it changed.
async fn settle(ctx: &Ctx<'_>, reference: &Walk, mut f: Findings) -> Findings {
    let left = ctx
        .options
        .max_requests
        .saturating_sub(ctx.probe.requests_used())
        .saturating_sub(CLOSING_RESERVE) as usize;
    let differs = f.breached_deferred();
    let closing = match reference.usable() && f.has_deferred() && !ctx.is_stopped() && left > 0 {
        true => {
            let p = ctx.pagination;
            let listed = reference.item_count();
            let head = (checks::pagination::PAGES_PER_WINDOW * p.size_max) as usize;
            let items = match differs {
                true => (!reference.complete()).then_some(listed),
                false => Some(head.min(listed)).filter(|&n| n < listed),
            };
            let reach = walk::Reach {
                page_cap: checks::walk::page_cap(reference.span(p), p.size_max),
                items,
                pages: Some(left.min(reference.pages.len() + 3)),
                keep_items: walk::ITEMS_KEPT,
            };
            let w = walk_within(ctx, &ctx.unfiltered(Some(p.size_max)), reach).await;
            if ctx.any_selected(checks::pagination::CHECKS) {
                f.merge(checks::pagination::judge_walk(ctx, &w, None));
            }
            Some(w)
        }
        false => None,
    };
    f.settle(&ctx.opening().closed_by(closing.as_ref()))
}

/// Runs `work`, drawing a spinner with the requests sent so far on a terminal.
async fn with_progress<T, F: std::future::Future<Output = T>>(
    probe: &Probe,
    api: &str,
    options: &Options,
    work: F,
) -> T {
    if !(options.progress && std::io::stderr().is_terminal()) {
        return work.await;
    }
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template("{spinner} {prefix}: {msg}") {
        bar.set_style(style);
    }
    bar.set_prefix(api.to_string());
    let ticker = async {
        loop {
            bar.set_message(format!("{} requests so far", probe.requests_used()));
            bar.tick();
            tokio::time::sleep(Duration::from_millis(120)).await;
        }
    };
    let found = tokio::select! {
        found = work => found,
        () = ticker => unreachable!("the ticker never ends"),
    };
    bar.finish_and_clear();
    found
}
