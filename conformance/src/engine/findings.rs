//! What the checks observe, with the provenance of each rule, and how observations become
//! verdicts.
//!
//! Every observation is a rule that held, or a [`Breach`] of a rule that rests on a [`Basis`]:
//! the vendor page, an HTTP/JSON convention, or a reading the spec chose. A check fails when a
//! documented fact or a convention is broken, warns when only readings are, and passes when
//! every observation held.
//!
//! [`Findings`] are merged in any order with the same result (counts add up, and of several
//! breaches the simplest is kept by a total order), so checks that run concurrently give the
//! same report whatever the scheduling.

use std::collections::{BTreeMap, BTreeSet};

use specs::{OperationId, Reading};

use super::bracket::{Bracket, Deferred, Pending};
use crate::probe::ProbeError;
use crate::registry::CheckId;
use crate::report::{CheckResult, Verdict};

/// What a rule rests on.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Basis {
    /// The vendor page states it (or the spec's standard OpenAPI facts taken from it).
    Documented,
    /// An HTTP or JSON-API convention that holds for any such API.
    Convention(&'static str),
    /// A reading the spec chose where the page is silent.
    Reading(Reading),
}

impl Basis {
    /// The reading a rule rests on, or the page: a rule whose `Fact` has no reading is
    /// documented.
    pub fn of(reading: &Option<Reading>) -> Basis {
        match reading {
            Some(r) => Basis::Reading(r.clone()),
            None => Basis::Documented,
        }
    }
}

/// The conventions the checks rest on, named once.
pub mod conventions {
    /// A JSON API answers JSON.
    pub const JSON: &str = "a JSON API answers JSON, errors included";
    /// Client input is never a server error.
    pub const NO_5XX: &str = "no 5xx for client input";
    /// Credentials are refused with 401 or 403.
    pub const AUTH: &str = "401 or 403 for missing or invalid credentials";
    /// One order.
    pub const ONE_ORDER: &str = "a paginated list has one order, whatever the page size";
    /// 429 (RFC 6585).
    pub const RATE_LIMIT: &str = "429 when rate limited (RFC 6585)";
    /// No redirects or links to other origins.
    pub const SAME_ORIGIN: &str =
        "a key is never sent to another origin: links and redirects stay on the API's origin";
    /// A narrower caller reaches less.
    pub const NARROWER: &str = "a narrower caller (a narrower credential, or none where the \
         operation allows it) is listed a subset of what the main credential is listed";
    /// Complete responses in reasonable time and size.
    pub const COMPLETE_RESPONSES: &str =
        "every request gets a complete response of reasonable size in reasonable time";
}

/// One broken rule, as observed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Breach {
    /// What the rule rests on.
    pub basis: Basis,
    /// What was seen.
    pub message: String,
    /// The request that showed it, as a curl line with the credential masked.
    pub request: Option<String>,
}

/// Why a check observed nothing, when nothing else says why.
pub const UNEXERCISED: &str =
    "not exercised: every attempt met a transport problem (see transport/*)";

/// The same, in a replay whose recording lacks the requests the check sends.
pub const UNRECORDED: &str =
    "not exercised: the recording holds no answer to the requests this check sends";

/// The simplest of several breaches: the shortest request, then the smallest text, so the
/// choice does not depend on the order they were seen in.
#[derive(Debug, Clone, Default)]
struct Kept {
    count: u64,
    simplest: Option<(usize, String, String)>,
}

impl Kept {
    fn add(&mut self, message: &str, request: &Option<String>, times: u64) {
        self.count += times;
        let candidate = (
            request.as_ref().map_or(usize::MAX, String::len),
            request.clone().unwrap_or_default(),
            message.to_string(),
        );
        if self.simplest.as_ref().is_none_or(|s| candidate < *s) {
            self.simplest = Some(candidate);
        }
    }

    fn merge(&mut self, other: Kept) {
        if let Some((_, request, message)) = other.simplest {
            let request = (!request.is_empty()).then_some(request);
            self.add(&message, &request, other.count);
        }
    }
}

#[derive(Debug, Clone, Default)]
struct CheckState {
    held: u64,
    notes: BTreeSet<String>,
    failures: Kept,
    warnings: Kept,
    readings: BTreeSet<Reading>,
    skip: BTreeSet<String>,
}

/// The observations of some checks, mergeable in any order.
#[derive(Debug, Clone, Default)]
pub struct Findings {
    states: BTreeMap<CheckId, CheckState>,
    /// Properties to judge once the run's bracket is known ([`Findings::settle`]).
    deferred: Vec<Pending>,
    /// What the report says about the whole run (the data changed, ...).
    run_notes: BTreeSet<String>,
}

impl Findings {
    /// No observations.
    pub fn new() -> Findings {
        Findings::default()
    }

    fn state(&mut self, check: CheckId) -> &mut CheckState {
        self.states.entry(check).or_default()
    }

    /// The rule held on one more observation.
    pub fn held(&mut self, check: CheckId) {
        self.state(check).held += 1;
    }

    /// The rule is broken.
    pub fn breach(
        &mut self,
        check: CheckId,
        basis: Basis,
        message: impl Into<String>,
        request: Option<String>,
    ) {
        let message = message.into();
        let state = self.state(check);
        match basis {
            Basis::Reading(reading) => {
                state.warnings.add(&message, &request, 1);
                state.readings.insert(reading);
            }
            Basis::Convention(convention) => {
                state.failures.add(
                    &format!("{message} (convention: {convention})"),
                    &request,
                    1,
                );
            }
            Basis::Documented => state.failures.add(&message, &request, 1),
        }
    }

    /// Records `breach`, or that the rule held when there is none; returns whether it broke.
    pub fn judge(&mut self, check: CheckId, breach: Option<Breach>) -> bool {
        match breach {
            None => {
                self.held(check);
                false
            }
            Some(b) => {
                self.breach(check, b.basis, b.message, b.request);
                true
            }
        }
    }

    /// A note shown with a passing verdict (notes are sorted, so order does not matter).
    pub fn note(&mut self, check: CheckId, note: impl Into<String>) {
        self.state(check).notes.insert(note.into());
    }

    /// The check cannot be evaluated here; it is skipped unless something else evaluates it.
    pub fn skip(&mut self, check: CheckId, reason: impl Into<String>) {
        self.state(check).skip.insert(reason.into());
    }

    /// Judges `property` once the run's bracket is known.
    pub fn defer(&mut self, property: impl Deferred + 'static) {
        self.deferred.push(std::sync::Arc::new(property));
    }

    /// Whether properties wait for the run's bracket.
    pub fn has_deferred(&self) -> bool {
        !self.deferred.is_empty()
    }

    /// Whether a deferred property is broken when judged against the first walk alone: only
    /// then can a change of the data matter to the verdicts.
    pub fn breached_deferred(&self) -> bool {
        self.deferred
            .iter()
            .any(|d| d.settle(d.opening()).breached())
    }

    /// Judges every deferred property against `bracket`, and notes a change of the data.
    pub fn settle(mut self, bracket: &Bracket) -> Findings {
        for property in std::mem::take(&mut self.deferred) {
            self.merge(property.settle(bracket));
        }
        if let Some(note) = bracket.describe() {
            self.run_notes.insert(note);
        }
        self
    }

    /// A note on the whole run.
    pub fn note_run(&mut self, note: impl Into<String>) {
        self.run_notes.insert(note.into());
    }

    /// The notes on the whole run, sorted.
    pub fn run_notes(&self) -> Vec<String> {
        self.run_notes.iter().cloned().collect()
    }

    /// Whether anything was broken (a failure or a warning); a deferred property counts as
    /// broken when it breaks against the first walk alone.
    pub fn breached(&self) -> bool {
        self.states
            .values()
            .any(|s| s.failures.count > 0 || s.warnings.count > 0)
            || self
                .deferred
                .iter()
                .any(|d| d.settle(d.opening()).breached())
    }

    /// Whether `check` was broken so far.
    pub fn broke(&self, check: CheckId) -> bool {
        self.states
            .get(&check)
            .is_some_and(|s| s.failures.count > 0 || s.warnings.count > 0)
    }

    /// Adds `other`'s observations.
    pub fn merge(&mut self, other: Findings) {
        self.deferred.extend(other.deferred);
        self.run_notes.extend(other.run_notes);
        for (check, theirs) in other.states {
            let mine = self.state(check);
            mine.held += theirs.held;
            mine.notes.extend(theirs.notes);
            mine.failures.merge(theirs.failures);
            mine.warnings.merge(theirs.warnings);
            mine.readings.extend(theirs.readings);
            mine.skip.extend(theirs.skip);
        }
    }

    /// The verdict of each of `checks`, in that order. `stopped` (a run-ending probe error)
    /// turns unfinished passes into skips; `judged_after` lists checks that only read what
    /// the run already received, which a stop does not void; `unexercised` is the reason
    /// given for a check that observed nothing and was given no reason to skip.
    pub fn verdicts(
        mut self,
        checks: &[CheckId],
        stopped: Option<&ProbeError>,
        judged_after: &[CheckId],
        unexercised: &str,
    ) -> Vec<CheckResult> {
        checks
            .iter()
            .map(|&check| {
                let state = self.states.remove(&check).unwrap_or_default();
                let stopped = stopped.filter(|_| !judged_after.contains(&check));
                verdict(check, state, stopped, unexercised)
            })
            .collect()
    }
}

fn simplest(kept: &Kept) -> (String, Option<String>) {
    let (_, request, message) = kept.simplest.clone().unwrap_or_default();
    let message = if kept.count > 1 {
        format!("{message} ({} cases; the simplest is shown)", kept.count)
    } else {
        message
    };
    (message, (!request.is_empty()).then_some(request))
}

fn verdict(
    check: CheckId,
    state: CheckState,
    stopped: Option<&ProbeError>,
    unexercised: &str,
) -> CheckResult {
    let result = |verdict, detail: String, request, readings: Vec<String>| CheckResult {
        operation: OperationId::default(),
        id: check,
        description: check.description().to_string(),
        verdict,
        detail,
        request,
        readings,
    };
    let readings: Vec<String> = state.readings.iter().map(|r| r.to_string()).collect();
    if state.failures.count > 0 {
        let (detail, request) = simplest(&state.failures);
        return result(Verdict::Fail, detail, request, readings);
    }
    if state.warnings.count > 0 {
        let (detail, request) = simplest(&state.warnings);
        return result(Verdict::Warn, detail, request, readings);
    }
    if let Some(e) = stopped {
        return result(
            Verdict::Skip,
            format!("not finished: {e}"),
            None,
            Vec::new(),
        );
    }
    let notes: Vec<String> = state.notes.into_iter().collect();
    if state.held > 0 || !notes.is_empty() {
        let observed = match state.held {
            0 => None,
            1 => Some("held on 1 observation".to_string()),
            n => Some(format!("held on {n} observations")),
        };
        let detail = observed
            .into_iter()
            .chain(notes)
            .collect::<Vec<_>>()
            .join("; ");
        return result(Verdict::Pass, detail, None, Vec::new());
    }
    let reason = if state.skip.is_empty() {
        unexercised.to_string()
    } else {
        state.skip.into_iter().collect::<Vec<_>>().join("; ")
    };
    result(Verdict::Skip, reason, None, Vec::new())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reading() -> Reading {
        Reading {
            pointer: "/x".into(),
            key: None,
            text: "a reading".into(),
        }
    }

    #[test]
    fn a_check_never_evaluated_is_skipped_not_passed() {
        let r = Findings::new().verdicts(&[CheckId::Complete], None, &[], UNEXERCISED);
        assert_eq!(r[0].verdict, Verdict::Skip);
        assert!(r[0].detail.contains("not exercised"));
    }

    #[test]
    fn facts_fail_readings_warn() {
        let mut f = Findings::new();
        f.held(CheckId::Complete);
        f.breach(
            CheckId::Complete,
            Basis::Reading(reading()),
            "only a reading",
            None,
        );
        f.breach(CheckId::Json, Basis::Reading(reading()), "a reading", None);
        f.breach(
            CheckId::Json,
            Basis::Convention(conventions::JSON),
            "not JSON",
            None,
        );
        let r = f.verdicts(&[CheckId::Complete, CheckId::Json], None, &[], UNEXERCISED);
        assert_eq!(r[0].verdict, Verdict::Warn);
        assert_eq!(r[0].readings.len(), 1);
        assert!(
            r[0].readings[0].contains("a reading (reading at #/x)"),
            "{:?}",
            r[0].readings
        );
        assert_eq!(r[1].verdict, Verdict::Fail);
        assert!(
            r[1].detail.contains("convention: a JSON API answers JSON"),
            "{}",
            r[1].detail
        );
    }

    #[test]
    fn merging_in_any_order_gives_the_same_verdicts() {
        let cases: Vec<Findings> = (0..5)
            .map(|i| {
                let mut f = Findings::new();
                f.held(CheckId::PageSize);
                if i % 2 == 0 {
                    f.breach(
                        CheckId::PageSize,
                        Basis::Documented,
                        format!("case {i}"),
                        Some(format!("curl 'http://h/x?n={}'", "9".repeat(5 - i))),
                    );
                }
                f
            })
            .collect();
        let fold = |order: Vec<usize>| {
            let mut all = Findings::new();
            for i in order {
                all.merge(cases[i].clone());
            }
            let r = all.verdicts(&[CheckId::PageSize], None, &[], UNEXERCISED);
            (r[0].detail.clone(), r[0].request.clone())
        };
        let forward = fold(vec![0, 1, 2, 3, 4]);
        assert_eq!(forward, fold(vec![4, 3, 2, 1, 0]));
        assert_eq!(forward, fold(vec![2, 0, 4, 1, 3]));
        assert_eq!(forward.0, "case 4 (3 cases; the simplest is shown)");
    }

    #[test]
    fn a_stopped_run_turns_unfinished_passes_into_skips() {
        let mut f = Findings::new();
        f.held(CheckId::Complete);
        f.held(CheckId::Json);
        f.breach(CheckId::PageSize, Basis::Documented, "bad", None);
        let stop = ProbeError::Budget {
            used: 5,
            allowed: 5,
        };
        let r = f.verdicts(
            &[CheckId::Complete, CheckId::PageSize, CheckId::Json],
            Some(&stop),
            &[CheckId::Json],
            UNEXERCISED,
        );
        assert_eq!(r[0].verdict, Verdict::Skip);
        assert!(r[0].detail.contains("budget exhausted"));
        assert_eq!(r[1].verdict, Verdict::Fail);
        assert_eq!(r[2].verdict, Verdict::Pass);
    }
}
