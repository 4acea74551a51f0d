//! Reports: the terminal summary, JUnit XML, JSON and markdown, and the exit code.
//!
//! A report never holds the credential: requests appear as curl lines with `***`, and
//! [`Report::redact`] removes the credential from every text a server could have echoed it in.

use std::fmt::Write as _;
use std::path::Path;
use std::time::Duration;

use serde::Serialize;
use specs::OperationId;

use crate::registry::CheckId;

/// The verdict of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// The property held on everything observed.
    Pass,
    /// Only a reading the spec chose where the vendor page is silent was broken.
    Warn,
    /// The server breaks a documented fact or an HTTP/JSON convention.
    Fail,
    /// The property could not be evaluated; the detail says why.
    Skip,
}

impl Verdict {
    fn label(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Warn => "WARN",
            Verdict::Fail => "FAIL",
            Verdict::Skip => "skip",
        }
    }
}

/// The result of one named check on one operation.
#[derive(Debug, Clone, Serialize)]
pub struct CheckResult {
    /// The operation checked (`operationId`).
    pub operation: OperationId,
    /// The check.
    #[serde(rename = "name", serialize_with = "check_name")]
    pub id: CheckId,
    /// What the check asserts.
    pub description: String,
    /// The verdict.
    pub verdict: Verdict,
    /// Why: the failure, the warning, the skip reason, or what was observed.
    pub detail: String,
    /// The (simplest) failing request, as a curl line with the credential masked.
    pub request: Option<String>,
    /// For a warning: each reading that was broken, with where it is marked.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub readings: Vec<String>,
}

fn check_name<S: serde::Serializer>(id: &CheckId, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(id.name())
}

impl CheckResult {
    /// `family/property`.
    pub fn name(&self) -> &'static str {
        self.id.name()
    }
}

/// Why a run ended before every check could run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind", content = "reason")]
pub enum Stop {
    /// Refused before any request (e.g. a live key without `--allow-live`).
    Refused(String),
    /// The options cannot work (e.g. a path parameter without a value).
    Usage(String),
    /// The server could not be reached.
    Unreachable(String),
    /// The request budget ran out.
    BudgetExhausted(String),
    /// The deadline passed.
    Deadline(String),
    /// The server kept failing at the transport level; the probe stopped sending.
    Unusable(String),
}

impl Stop {
    fn text_mut(&mut self) -> &mut String {
        match self {
            Stop::Refused(s)
            | Stop::Usage(s)
            | Stop::Unreachable(s)
            | Stop::BudgetExhausted(s)
            | Stop::Deadline(s)
            | Stop::Unusable(s) => s,
        }
    }
}

/// The outcome of a run against one target.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The API's name (its spec's file stem).
    pub api: String,
    /// The base URL.
    pub base_url: String,
    /// The seed: `--seed N` replays the run.
    pub seed: u64,
    /// Proptest cases per family.
    pub cases: u32,
    /// Requests in flight at most.
    pub concurrency: usize,
    /// Whether warnings were turned into failures.
    pub strict: bool,
    /// Requests sent (429 retries included).
    pub requests_used: u64,
    /// The budget.
    pub requests_allowed: u64,
    /// 429 responses received.
    pub rate_limited: u64,
    /// Wall time.
    #[serde(serialize_with = "millis", rename = "elapsed_ms")]
    pub elapsed: Duration,
    /// Why the run stopped early, if it did.
    pub stop: Option<Stop>,
    /// What the run noticed about the server as a whole.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// Every operation of the spec: checked, with its requests and notes, or not checked,
    /// with the reason. None is left out.
    pub operations: Vec<OperationSummary>,
    /// Every check that ran, operation by operation in spec order, each in registry order.
    pub checks: Vec<CheckResult>,
}

/// One operation of a run.
#[derive(Debug, Clone, Serialize)]
pub struct OperationSummary {
    /// `operationId`.
    pub id: OperationId,
    /// The method, `GET`.
    pub method: String,
    /// The path template.
    pub path: String,
    /// Why it was not checked, when it was not (no x-pagination, not selected, ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_checked: Option<String>,
    /// Requests sent for it (429 retries included).
    pub requests: u64,
    /// What the run noticed about it (the data changed during the run, and how the walks
    /// were compared).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

fn millis<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(d.as_millis() as u64)
}

impl Report {
    /// An empty report for `api` at `base_url`.
    pub fn new(api: &str, base_url: &str, options: &crate::Options) -> Report {
        Report {
            api: api.to_string(),
            base_url: base_url.to_string(),
            seed: options.seed,
            cases: options.cases,
            concurrency: options.concurrency,
            strict: options.strict,
            requests_used: 0,
            requests_allowed: options.max_requests,
            rate_limited: 0,
            elapsed: Duration::ZERO,
            stop: None,
            notes: Vec::new(),
            operations: Vec::new(),
            checks: Vec::new(),
        }
    }

    /// 0: every check passed or warned (skips allowed); 1: a failure; 2: refused, usage,
    /// unreachable, or incomplete (budget or deadline) without a failure.
    pub fn exit_code(&self) -> u8 {
        let failed = self.checks.iter().any(|c| c.verdict == Verdict::Fail);
        match &self.stop {
            Some(Stop::Refused(_) | Stop::Usage(_) | Stop::Unreachable(_)) => 2,
            _ if failed => 1,
            Some(_) => 2,
            None => 0,
        }
    }

    /// The result of `check` where it is worst (failed, then warned, passed, skipped) over the
    /// operations checked, if it ran.
    pub fn check(&self, check: CheckId) -> Option<&CheckResult> {
        let rank = |v: Verdict| match v {
            Verdict::Fail => 0,
            Verdict::Warn => 1,
            Verdict::Pass => 2,
            Verdict::Skip => 3,
        };
        self.checks
            .iter()
            .filter(|c| c.id == check)
            .min_by_key(|c| rank(c.verdict))
    }

    /// The result of `check` on the operation `operation`, if it ran there.
    pub fn operation_check(&self, operation: &str, check: CheckId) -> Option<&CheckResult> {
        self.checks
            .iter()
            .find(|c| c.operation == operation && c.id == check)
    }

    /// The operation `id`.
    pub fn operation(&self, id: &str) -> Option<&OperationSummary> {
        self.operations.iter().find(|o| o.id == id)
    }

    /// Every note: the run's, then each operation's.
    pub fn all_notes(&self) -> Vec<String> {
        let mut out = self.notes.clone();
        for op in &self.operations {
            out.extend(op.notes.iter().map(|n| format!("{}: {n}", op.id)));
        }
        out
    }

    /// The checks that failed on some operation, each once, in registry order.
    pub fn failures(&self) -> Vec<CheckId> {
        self.with(Verdict::Fail)
    }

    /// The checks that warned on some operation (and failed on none), each once.
    pub fn warnings(&self) -> Vec<CheckId> {
        self.with(Verdict::Warn)
    }

    fn with(&self, v: Verdict) -> Vec<CheckId> {
        let mut out: Vec<CheckId> = self
            .checks
            .iter()
            .filter(|c| self.check(c.id).map(|worst| worst.verdict) == Some(v))
            .map(|c| c.id)
            .collect();
        out.sort();
        out.dedup();
        out
    }

    fn count(&self, v: Verdict) -> usize {
        self.checks.iter().filter(|c| c.verdict == v).count()
    }

    /// Under `--strict`, every warning becomes a failure.
    pub fn apply_strict(&mut self) {
        if !self.strict {
            return;
        }
        for c in &mut self.checks {
            if c.verdict == Verdict::Warn {
                c.verdict = Verdict::Fail;
                c.detail = format!("(a warning; --strict makes it a failure) {}", c.detail);
            }
        }
    }

    /// Replaces every occurrence of `secret` in the report's texts with `***`.
    pub fn redact(&mut self, secret: &str) {
        if secret.is_empty() {
            return;
        }
        let fix = |s: &mut String| {
            if s.contains(secret) {
                *s = crate::target::mask(s, secret);
            }
        };
        fix(&mut self.base_url);
        self.notes.iter_mut().for_each(fix);
        for op in &mut self.operations {
            op.notes.iter_mut().for_each(fix);
            if let Some(n) = &mut op.not_checked {
                fix(n);
            }
        }
        for c in &mut self.checks {
            fix(&mut c.detail);
            if let Some(r) = &mut c.request {
                fix(r);
            }
            c.readings.iter_mut().for_each(fix);
        }
        if let Some(stop) = &mut self.stop {
            fix(stop.text_mut());
        }
    }

    /// The human summary: per operation, its requests and notes and one line per check (or
    /// why it was not checked); then the totals and the verdict.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "conformance of {} at {} (seed {}, {} cases, {} in flight)",
            self.api, self.base_url, self.seed, self.cases, self.concurrency
        );
        let width = self
            .checks
            .iter()
            .map(|c| c.name().len())
            .max()
            .unwrap_or(0);
        for op in &self.operations {
            let heading = format!("{}/{} ({} {})", self.api, op.id, op.method, op.path);
            match &op.not_checked {
                Some(why) => {
                    let _ = writeln!(out, "  {heading}: not checked: {why}");
                    continue;
                }
                None => {
                    let _ = writeln!(out, "  {heading}: {} requests", op.requests);
                }
            }
            for c in self.checks.iter().filter(|c| c.operation == op.id) {
                let _ = writeln!(
                    out,
                    "    {:<4}  {:<width$}  {}",
                    c.verdict.label(),
                    c.name(),
                    c.detail
                );
                if matches!(c.verdict, Verdict::Fail | Verdict::Warn) {
                    for r in &c.readings {
                        let _ = writeln!(out, "          {:<width$}  reading: {r}", "");
                    }
                    if let Some(r) = &c.request {
                        let _ = writeln!(out, "          {:<width$}  {r}", "");
                    }
                }
            }
            for note in &op.notes {
                let _ = writeln!(out, "    note: {note}");
            }
        }
        let _ = writeln!(
            out,
            "  {} passed, {} warned, {} failed, {} skipped; {}/{} requests ({} rate-limited) in {:.1} s",
            self.count(Verdict::Pass),
            self.count(Verdict::Warn),
            self.count(Verdict::Fail),
            self.count(Verdict::Skip),
            self.requests_used,
            self.requests_allowed,
            self.rate_limited,
            self.elapsed.as_secs_f64()
        );
        if let Some(line) = self.stop_line() {
            let _ = writeln!(out, "  {line}");
        }
        for note in &self.notes {
            let _ = writeln!(out, "  note: {note}");
        }
        let verdict = match self.exit_code() {
            0 if self.count(Verdict::Warn) > 0 => "PASS with warnings (readings the spec chose were not followed; --strict fails them)",
            0 => "PASS",
            1 => "FAIL",
            _ => "NOT CHECKED",
        };
        let _ = writeln!(
            out,
            "  verdict: {verdict} (replay with --seed {})",
            self.seed
        );
        out
    }

    /// The line that says why the run stopped early, if it did.
    pub fn stop_line(&self) -> Option<String> {
        Some(match self.stop.as_ref()? {
            Stop::Refused(s) => format!("REFUSED: {s}"),
            Stop::Usage(s) => format!("USAGE ERROR: {s}"),
            Stop::Unreachable(s) => format!("UNREACHABLE: {s}"),
            Stop::BudgetExhausted(s) => {
                format!("INCOMPLETE: request budget exhausted ({s}); raise --max-requests")
            }
            Stop::Deadline(s) => {
                format!("INCOMPLETE: {s}; the checks not finished are skipped (raise --deadline)")
            }
            Stop::Unusable(s) => format!("INCOMPLETE: {s}"),
        })
    }
}

/// The exit code of several reports: the worst of them (1 beats 0, 2 beats both).
pub fn exit_code(reports: &[Report]) -> u8 {
    reports.iter().map(Report::exit_code).max().unwrap_or(0)
}

fn write(path: &Path, text: String) -> anyhow::Result<()> {
    std::fs::write(path, text).map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))
}

/// The reports as JUnit XML: one test suite per operation of each target, one test case per
/// check. A warning is a passing test case whose system-out says `warning:` with the reading.
pub fn junit(reports: &[Report]) -> anyhow::Result<String> {
    let mut junit = quick_junit::Report::new("conformance");
    for r in reports {
        for op in &r.operations {
            junit.add_test_suite(junit_suite(r, op));
        }
    }
    Ok(junit.to_string()?)
}

/// One operation as a JUnit test suite (`<api>/<operationId> <base URL>`): a test case per
/// check, or one skipped case saying why the operation was not checked.
fn junit_suite(r: &Report, op: &OperationSummary) -> quick_junit::TestSuite {
    use quick_junit::{NonSuccessKind, TestCase, TestCaseStatus, TestSuite};
    let mut suite = TestSuite::new(format!("{}/{} {}", r.api, op.id, r.base_url));
    let classname = format!("conformance.{}.{}", r.api, op.id);
    if let Some(why) = &op.not_checked {
        let mut status = TestCaseStatus::skipped();
        status.set_message(format!("not checked: {why}"));
        let mut case = TestCase::new("operation", status);
        case.set_classname(classname);
        suite.add_test_case(case);
        return suite;
    }
    suite.set_time(r.elapsed);
    let mut system_out: Vec<String> = r.notes.iter().map(|n| format!("note: {n}")).collect();
    system_out.extend(op.notes.iter().map(|n| format!("note: {n}")));
    system_out.push(format!("{} requests", op.requests));
    suite.set_system_out(system_out.join("\n"));
    for c in r.checks.iter().filter(|c| c.operation == op.id) {
        let status = match c.verdict {
            Verdict::Pass | Verdict::Warn => TestCaseStatus::success(),
            Verdict::Fail => {
                let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
                s.set_message(c.detail.clone());
                let mut text = c.detail.clone();
                for reading in &c.readings {
                    let _ = write!(text, "\nreading: {reading}");
                }
                if let Some(req) = &c.request {
                    let _ = write!(text, "\n{req}");
                }
                let _ = write!(text, "\nreplay with --seed {}", r.seed);
                s.set_description(text);
                s
            }
            Verdict::Skip => {
                let mut s = TestCaseStatus::skipped();
                s.set_message(c.detail.clone());
                s
            }
        };
        let mut case = TestCase::new(c.name(), status);
        case.set_classname(classname.clone());
        if c.verdict == Verdict::Warn {
            let mut text = format!("warning: {}", c.detail);
            for reading in &c.readings {
                let _ = write!(text, "\nreading: {reading}");
            }
            if let Some(req) = &c.request {
                let _ = write!(text, "\n{req}");
            }
            case.set_system_out(text);
        }
        suite.add_test_case(case);
    }
    suite
}

/// Writes the reports as JUnit XML (see [`junit`]).
pub fn write_junit(reports: &[Report], path: &Path) -> anyhow::Result<()> {
    write(path, junit(reports)?)
}

/// Writes the reports as JSON (an array, one object per target).
pub fn write_json(reports: &[Report], path: &Path) -> anyhow::Result<()> {
    write(path, serde_json::to_string_pretty(reports)? + "\n")
}

/// The reports as a GitHub-flavoured markdown summary: per target, a table of every check
/// that ran (check, verdict, detail, the failing curl line).
pub fn markdown(reports: &[Report]) -> String {
    let cell = |s: &str| s.replace('|', "\\|").replace('\n', " ");
    let mut out = String::new();
    for r in reports {
        let verdict = match r.exit_code() {
            0 if r.count(Verdict::Warn) > 0 => "✅ pass, with warnings",
            0 => "✅ pass",
            1 => "❌ fail",
            _ => "⚠️ not checked",
        };
        let _ = writeln!(out, "### Conformance of `{}`: {verdict}\n", r.api);
        let _ = writeln!(
            out,
            "`{}`, seed {}, {}/{} requests ({} rate-limited), {:.1} s. {} passed, {} warned, {} failed, {} skipped.\n",
            r.base_url,
            r.seed,
            r.requests_used,
            r.requests_allowed,
            r.rate_limited,
            r.elapsed.as_secs_f64(),
            r.count(Verdict::Pass),
            r.count(Verdict::Warn),
            r.count(Verdict::Fail),
            r.count(Verdict::Skip),
        );
        if let Some(line) = r.stop_line() {
            let _ = writeln!(out, "**{}**\n", cell(&line));
        }
        for note in &r.notes {
            let _ = writeln!(out, "> Note: {}\n", cell(note));
        }
        for op in &r.operations {
            markdown_operation(&mut out, r, op);
        }
    }
    out
}

/// One operation of a report: its heading, notes and table of checks (or why it was not
/// checked).
fn markdown_operation(out: &mut String, r: &Report, op: &OperationSummary) {
    let cell = |s: &str| s.replace('|', "\\|").replace('\n', " ");
    let heading = format!("#### `{}/{}` ({} `{}`)", r.api, op.id, op.method, op.path);
    if let Some(why) = &op.not_checked {
        let _ = writeln!(out, "{heading}: not checked, {}\n", cell(why));
        return;
    }
    let _ = writeln!(out, "{heading}: {} requests\n", op.requests);
    for note in &op.notes {
        let _ = writeln!(out, "> Note: {}\n", cell(note));
    }
    let _ = writeln!(out, "| check | verdict | detail | request |");
    let _ = writeln!(out, "|---|---|---|---|");
    for c in r.checks.iter().filter(|c| c.operation == op.id) {
        let mut detail = cell(&c.detail);
        for reading in &c.readings {
            let _ = write!(detail, "<br>reading: {}", cell(reading));
        }
        let request = match (&c.request, c.verdict) {
            (Some(req), Verdict::Fail | Verdict::Warn) => {
                format!("`{}`", req.replace('`', "'"))
            }
            _ => String::new(),
        };
        let _ = writeln!(
            out,
            "| `{}` | {} | {detail} | {} |",
            c.name(),
            c.verdict.label(),
            cell(&request)
        );
    }
    out.push('\n');
}

/// Writes the markdown summary (see [`markdown`]).
pub fn write_markdown(reports: &[Report], path: &Path) -> anyhow::Result<()> {
    write(path, markdown(reports))
}
