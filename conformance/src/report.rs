//! Reports: the terminal summary, JUnit XML and JSON, and the exit code.
//!
//! A report never holds the credential: requests appear as curl lines with `***`, and
//! [`Report::redact`] removes the credential from every text a server could have echoed it in.

use std::fmt::Write as _;
use std::path::Path;
use std::time::Duration;

use serde::Serialize;

/// The verdict of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// The property held on everything observed.
    Pass,
    /// The server violates the property.
    Fail,
    /// The property could not be evaluated; the detail says why.
    Skip,
}

impl Verdict {
    fn label(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Fail => "FAIL",
            Verdict::Skip => "skip",
        }
    }
}

/// The result of one named check.
#[derive(Debug, Clone, Serialize)]
pub struct CheckResult {
    /// `family/property`, e.g. `pagination/complete`.
    pub name: String,
    /// What the check asserts.
    pub description: String,
    /// The verdict.
    pub verdict: Verdict,
    /// Why: the failure, the skip reason, or what was observed.
    pub detail: String,
    /// The (simplest) failing request, as a curl line with the credential masked.
    pub request: Option<String>,
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

/// The outcome of a run against one target.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Vendor name.
    pub vendor: String,
    /// The base URL.
    pub base_url: String,
    /// The seed: `--seed N` replays the run.
    pub seed: u64,
    /// Proptest cases per family.
    pub cases: u32,
    /// Requests sent (429 retries included).
    pub requests_used: u64,
    /// The budget.
    pub requests_allowed: u64,
    /// 429 responses received.
    pub rate_limited: u64,
    /// Wall time.
    #[serde(serialize_with = "millis")]
    pub elapsed: Duration,
    /// Why the run stopped early, if it did.
    pub stop: Option<Stop>,
    /// Every check, in order.
    pub checks: Vec<CheckResult>,
}

fn millis<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(d.as_millis() as u64)
}

impl Report {
    /// 0: every check passed (skips allowed); 1: a violation; 2: refused, usage, unreachable,
    /// or incomplete (budget or deadline) without a violation.
    pub fn exit_code(&self) -> u8 {
        let failed = self.checks.iter().any(|c| c.verdict == Verdict::Fail);
        match &self.stop {
            Some(Stop::Refused(_) | Stop::Usage(_) | Stop::Unreachable(_)) => 2,
            _ if failed => 1,
            Some(_) => 2,
            None => 0,
        }
    }

    /// The check with this name.
    pub fn check(&self, name: &str) -> Option<&CheckResult> {
        self.checks.iter().find(|c| c.name == name)
    }

    /// Names of the failed checks.
    pub fn failures(&self) -> Vec<&str> {
        self.checks
            .iter()
            .filter(|c| c.verdict == Verdict::Fail)
            .map(|c| c.name.as_str())
            .collect()
    }

    fn count(&self, v: Verdict) -> usize {
        self.checks.iter().filter(|c| c.verdict == v).count()
    }

    /// Replaces every occurrence of `secret` in the report's texts with `***`.
    pub fn redact(&mut self, secret: &str) {
        if secret.is_empty() {
            return;
        }
        let fix = |s: &mut String| {
            if s.contains(secret) {
                *s = s.replace(secret, "***");
            }
        };
        for c in &mut self.checks {
            fix(&mut c.detail);
            if let Some(r) = &mut c.request {
                fix(r);
            }
        }
        if let Some(
            Stop::Refused(s)
            | Stop::Usage(s)
            | Stop::Unreachable(s)
            | Stop::BudgetExhausted(s)
            | Stop::Deadline(s)
            | Stop::Unusable(s),
        ) = &mut self.stop
        {
            fix(s);
        }
    }

    /// The human summary.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "conformance of {} at {} (seed {}, {} cases)",
            self.vendor, self.base_url, self.seed, self.cases
        );
        let width = self.checks.iter().map(|c| c.name.len()).max().unwrap_or(0);
        for c in &self.checks {
            let _ = writeln!(
                out,
                "  {:<4}  {:<width$}  {}",
                c.verdict.label(),
                c.name,
                c.detail
            );
            if c.verdict == Verdict::Fail {
                if let Some(r) = &c.request {
                    let _ = writeln!(out, "        {:<width$}  {r}", "");
                }
            }
        }
        let _ = writeln!(
            out,
            "  {} passed, {} failed, {} skipped; {}/{} requests ({} rate-limited) in {:.1} s",
            self.count(Verdict::Pass),
            self.count(Verdict::Fail),
            self.count(Verdict::Skip),
            self.requests_used,
            self.requests_allowed,
            self.rate_limited,
            self.elapsed.as_secs_f64()
        );
        match &self.stop {
            Some(Stop::Refused(s)) => {
                let _ = writeln!(out, "  REFUSED: {s}");
            }
            Some(Stop::Usage(s)) => {
                let _ = writeln!(out, "  USAGE ERROR: {s}");
            }
            Some(Stop::Unreachable(s)) => {
                let _ = writeln!(out, "  UNREACHABLE: {s}");
            }
            Some(Stop::BudgetExhausted(s)) => {
                let _ = writeln!(
                    out,
                    "  INCOMPLETE: request budget exhausted ({s}); raise --max-requests"
                );
            }
            Some(Stop::Deadline(s)) => {
                let _ = writeln!(
                    out,
                    "  INCOMPLETE: {s}; the checks not finished are skipped (raise --deadline)"
                );
            }
            Some(Stop::Unusable(s)) => {
                let _ = writeln!(out, "  INCOMPLETE: {s}");
            }
            None => {}
        }
        let verdict = match self.exit_code() {
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
}

/// The exit code of several reports: the worst of them (1 beats 0, 2 beats both).
pub fn exit_code(reports: &[Report]) -> u8 {
    reports.iter().map(Report::exit_code).max().unwrap_or(0)
}

/// Writes the reports as JUnit XML: one test suite per target, one test case per check.
pub fn write_junit(reports: &[Report], path: &Path) -> anyhow::Result<()> {
    use quick_junit::{NonSuccessKind, TestCase, TestCaseStatus, TestSuite};
    let mut junit = quick_junit::Report::new("conformance");
    for r in reports {
        let mut suite = TestSuite::new(format!("{} {}", r.vendor, r.base_url));
        suite.set_time(r.elapsed);
        for c in &r.checks {
            let status = match c.verdict {
                Verdict::Pass => TestCaseStatus::success(),
                Verdict::Fail => {
                    let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
                    s.set_message(c.detail.clone());
                    if let Some(req) = &c.request {
                        s.set_description(format!(
                            "{}\n{req}\nreplay with --seed {}",
                            c.detail, r.seed
                        ));
                    }
                    s
                }
                Verdict::Skip => {
                    let mut s = TestCaseStatus::skipped();
                    s.set_message(c.detail.clone());
                    s
                }
            };
            let mut case = TestCase::new(c.name.clone(), status);
            case.set_classname(format!("conformance.{}", r.vendor));
            suite.add_test_case(case);
        }
        junit.add_test_suite(suite);
    }
    let xml = junit.to_string()?;
    std::fs::write(path, xml).map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))
}

/// Writes the reports as JSON (an array, one object per target).
pub fn write_json(reports: &[Report], path: &Path) -> anyhow::Result<()> {
    let text = serde_json::to_string_pretty(reports)?;
    std::fs::write(path, text + "\n")
        .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))
}
