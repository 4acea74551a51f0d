//! The property families, one file each, and what they share: the context of a run, the
//! bookkeeping of named properties, and walking the pages of a list.
//!
//! Every check is a named property. A family evaluates its properties on many requests, some
//! fixed and some drawn by proptest strategies (seeded from the run's seed, so that `--seed N`
//! replays them); a failing case is shrunk, and the simplest failing request seen for a
//! property is the one reported. A property that was never evaluated is reported as skipped
//! with the reason, never as passed.

pub mod errors;
pub mod filters;
pub mod pagination;
pub mod schema;
pub mod transport;
mod walk;

use std::cell::RefCell;
use std::collections::BTreeMap;

use proptest::strategy::Strategy;
use proptest::test_runner::{Config, RngSeed, TestCaseError, TestRunner};
use specs::{JsonSchemas, Operation, Pagination, Spec};
use url::Url;

use crate::probe::{Probe, ProbeError};
use crate::report::{CheckResult, Verdict};
use crate::target::{Options, Target};

pub use walk::{walk, Next, Page, PageRequest, Walk, WalkEnd};

/// Every check, in report order, with what it asserts.
pub const CHECKS: &[(&str, &str)] = &[
    (pagination::PAGES_SERVED, "every page of a walk is a 200 JSON page with the items array"),
    (pagination::TERMINATES, "every walk reaches a last page: no repeated next link or cursor, no repeated page, within a page cap derived from the first walk"),
    (pagination::NO_DUPLICATES, "no item key appears twice in a walk"),
    (pagination::COMPLETE, "walks at every page size return the same set of item keys (no gaps)"),
    (pagination::STABLE_ORDER, "walks at any page size, and repeated walks, list the items in one order"),
    (pagination::PAGE_SIZE, "every page holds at most the requested (or default) size and at most size-max items"),
    (pagination::OVER_MAX, "a page size above size-max is rejected with an invalid-param status or clamped, as x-pagination over-max allows"),
    (pagination::COUNT_FIELDS, "the count field equals the items on the page and the size echo equals the effective page size"),
    (pagination::LAST_PAGE, "the last page signals its end as x-pagination last-page allows (absent or null next)"),
    (filters::ITEMS_MATCH, "every item of a filtered walk satisfies every filter of the request (combinations are AND)"),
    (filters::EXACT_SUBSET, "a filtered walk returns exactly the items of the unfiltered walk that match"),
    (filters::OWNER, "an owner filter returns items of one non-null owner, a subset of the unfiltered walk; an unknown owner returns none"),
    (filters::PATH_SCOPE, "every item belongs to the resource named in the path (path filters)"),
    (errors::MISSING_KEY, "a request without credentials gets an x-errors missing-key status"),
    (errors::INVALID_KEY, "a request with a wrong credential gets an x-errors invalid-key status"),
    (errors::INVALID_PARAM, "out-of-range, non-integer and out-of-enum parameters get an invalid-param status, never a page or a 5xx"),
    (errors::TAMPERED_TOKEN, "flipped, truncated, extended and forged page tokens get an invalid-token status, never a page or a 5xx"),
    (errors::FORBIDDEN, "a resource the key may not read gets an x-access forbidden status"),
    (errors::NOT_FOUND, "a resource that does not exist gets an x-access not-found status"),
    (errors::RATE_LIMIT, "every 429 has the documented headers and body"),
    (schema::DOCUMENTED_STATUS, "every status the server sent is documented for the operation"),
    (schema::CONTENT_TYPE, "every response is served with a documented content type (application/json)"),
    (schema::JSON, "every body is well-formed JSON"),
    (schema::PAGE_BODY, "every 200 body validates against the spec's response schema"),
    (schema::ERROR_BODY, "every error body validates against the spec's schema for its status"),
    (transport::SAME_ORIGIN, "every link to follow stays on the base URL's origin (otherwise it is not requested)"),
    (transport::NO_REDIRECT, "no response is a redirect (redirects are never followed with the credential)"),
    (transport::TIMELY, "every response arrives complete within the per-request timeout"),
    (transport::BODY_SIZE, "every body is smaller than the body size cap"),
    (transport::RATE_LIMIT_RECOVERS, "a rate-limited request is served after honouring Retry-After a few times"),
    (transport::CONNECTION, "every request gets a complete HTTP response (no reset or protocol error)"),
];

/// The description of a check, by name.
pub fn description(name: &str) -> &'static str {
    CHECKS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, d)| *d)
        .unwrap_or("")
}

/// Everything a family needs about the run.
pub struct Ctx<'a> {
    /// The probe client.
    pub probe: &'a Probe,
    /// The target.
    pub target: &'a Target,
    /// The run's options.
    pub options: &'a Options,
    /// The spec.
    pub spec: &'a Spec,
    /// The paginated operation under test.
    pub op: &'a Operation,
    /// Its `x-pagination`.
    pub pagination: &'a Pagination,
    /// The spec's schemas, for validation.
    pub schemas: JsonSchemas,
    /// The first complete walk at size-max, shared by the families.
    pub reference: RefCell<Option<Walk>>,
    /// Set when a probe error ends the run (budget, deadline): later cases stop at once.
    pub stopped: RefCell<Option<ProbeError>>,
}

impl Ctx<'_> {
    /// The operation's URL with path parameters filled in (`overrides` first) and a query.
    pub fn url(&self, overrides: &[(&str, String)], query: &[(String, String)]) -> Url {
        let mut path = self.op.path.clone();
        for p in self.op.parameters.iter().filter(|p| p.location == "path") {
            let value = overrides
                .iter()
                .find(|(n, _)| *n == p.name)
                .map(|(_, v)| v.clone())
                .or_else(|| self.path_value(&p.name))
                .unwrap_or_default();
            path = path.replace(&format!("{{{}}}", p.name), &value);
        }
        let mut url = self.target.base_url.clone();
        let base_path = url.path().trim_end_matches('/').to_string();
        url.set_path(&format!("{base_path}{path}"));
        url.set_query(None);
        if !query.is_empty() {
            let mut pairs = url.query_pairs_mut();
            for (k, v) in query {
                pairs.append_pair(k, v);
            }
        }
        url
    }

    /// The value of a path parameter: the `x-access` one is the target's project.
    pub fn path_value(&self, name: &str) -> Option<String> {
        let access = self.op.access.as_ref()?;
        (access.path_param == name)
            .then(|| self.target.project.map(|p| p.to_string()))
            .flatten()
    }

    /// Path parameters with no value (a usage error: nothing can be requested).
    pub fn missing_path_values(&self) -> Vec<String> {
        self.op
            .parameters
            .iter()
            .filter(|p| p.location == "path" && self.path_value(&p.name).is_none())
            .map(|p| p.name.clone())
            .collect()
    }

    /// Records a probe error; returns true when it ends the run.
    pub fn note_error(&self, e: &ProbeError) -> bool {
        if e.ends_run() {
            self.stopped.borrow_mut().get_or_insert_with(|| e.clone());
            true
        } else {
            false
        }
    }

    /// Whether the run was stopped by a probe error.
    pub fn is_stopped(&self) -> bool {
        self.stopped.borrow().is_some()
    }

    /// A proptest runner seeded from the run's seed and a per-family salt.
    pub fn runner(&self, salt: u64) -> TestRunner {
        TestRunner::new(Config {
            cases: self.options.cases.max(1),
            max_shrink_iters: self.options.max_shrink_iters,
            failure_persistence: None,
            rng_seed: RngSeed::Fixed(self.options.seed.wrapping_add(salt)),
            max_global_rejects: 64,
            max_local_rejects: 64,
            ..Config::default()
        })
    }

    /// Runs `case` on inputs drawn from `strategy`, shrinking on failure.
    ///
    /// `case` records its findings in a [`Props`] and returns whether it found a violation;
    /// proptest then shrinks towards simpler inputs, and each simpler failure overwrites the
    /// recorded one, so that the report shows the simplest failing request.
    pub fn cases<S: Strategy>(&self, salt: u64, strategy: S, case: impl Fn(S::Value) -> bool)
    where
        S::Value: std::fmt::Debug,
    {
        if self.is_stopped() {
            return;
        }
        let mut runner = self.runner(salt);
        let _ = runner.run(&strategy, |input| {
            if self.is_stopped() || case(input) {
                Err(TestCaseError::fail("violation"))
            } else {
                Ok(())
            }
        });
    }
}

#[derive(Debug, Clone)]
enum State {
    NotRun,
    Passed(u64, Option<String>),
    Failed {
        message: String,
        request: Option<String>,
        failures: u64,
    },
    Skipped(String),
}

/// The verdicts of a family's named properties, as they are evaluated.
#[derive(Debug)]
pub struct Props {
    states: BTreeMap<&'static str, State>,
    order: Vec<&'static str>,
}

impl Props {
    /// Properties that start not run.
    pub fn new(names: &[&'static str]) -> Props {
        Props {
            states: names.iter().map(|n| (*n, State::NotRun)).collect(),
            order: names.to_vec(),
        }
    }

    /// The property held on one more observation.
    pub fn pass(&mut self, name: &'static str) {
        let state = self.states.entry(name).or_insert(State::NotRun);
        match state {
            State::NotRun | State::Skipped(_) => *state = State::Passed(1, None),
            State::Passed(n, _) => *n += 1,
            State::Failed { .. } => {}
        }
    }

    /// The property held, and `note` says on what (replaces the observation count).
    pub fn pass_noted(&mut self, name: &'static str, note: impl Into<String>) {
        self.pass(name);
        if let Some(State::Passed(n, old)) = self.states.get_mut(name) {
            *n = 0;
            *old = Some(note.into());
        }
    }

    /// A note shown with a passing verdict.
    pub fn note(&mut self, name: &'static str, note: impl Into<String>) {
        if let Some(State::Passed(_, n)) = self.states.get_mut(name) {
            *n = Some(note.into());
        }
    }

    /// The property failed. The simplest failure is kept: the one with the shortest request,
    /// the later one on a tie (proptest's shrinking ends on its simplest failing input).
    pub fn fail(
        &mut self,
        name: &'static str,
        message: impl Into<String>,
        request: Option<String>,
    ) {
        let state = self.states.entry(name).or_insert(State::NotRun);
        let length = |r: &Option<String>| r.as_ref().map_or(usize::MAX, String::len);
        match state {
            State::Failed {
                failures,
                request: kept,
                message: kept_message,
            } => {
                *failures += 1;
                if length(&request) <= length(kept) {
                    *kept = request;
                    *kept_message = message.into();
                }
            }
            _ => {
                *state = State::Failed {
                    message: message.into(),
                    request,
                    failures: 1,
                }
            }
        }
    }

    /// Records a pass or a failure; returns whether it failed.
    pub fn check(
        &mut self,
        name: &'static str,
        ok: bool,
        message: impl FnOnce() -> String,
        request: Option<String>,
    ) -> bool {
        if ok {
            self.pass(name);
        } else {
            self.fail(name, message(), request);
        }
        !ok
    }

    /// The property cannot be evaluated, unless it already was.
    pub fn skip(&mut self, name: &'static str, reason: impl Into<String>) {
        let state = self.states.entry(name).or_insert(State::NotRun);
        if matches!(state, State::NotRun) {
            *state = State::Skipped(reason.into());
        }
    }

    /// Whether the property failed.
    pub fn failed(&self, name: &str) -> bool {
        matches!(self.states.get(name), Some(State::Failed { .. }))
    }

    /// The verdicts; `stopped` (a run-ending probe error) turns unfinished passes into skips.
    pub fn finish(self, stopped: Option<&ProbeError>) -> Vec<CheckResult> {
        let mut states = self.states;
        self.order
            .iter()
            .map(|name| {
                let state = states.remove(name).unwrap_or(State::NotRun);
                let (verdict, detail, request) = match (state, stopped) {
                    (
                        State::Failed {
                            message,
                            request,
                            failures,
                        },
                        _,
                    ) => {
                        let detail = if failures > 1 {
                            format!("{message} ({failures} failing cases; the simplest is shown)")
                        } else {
                            message
                        };
                        (Verdict::Fail, detail, request)
                    }
                    (State::Passed(n, note), None) => {
                        let detail = match (n, note) {
                            (0, Some(note)) => note,
                            (n, None) => format!("held on {n} observation{}", plural(n)),
                            (n, Some(note)) => {
                                format!("held on {n} observation{}; {note}", plural(n))
                            }
                        };
                        (Verdict::Pass, detail, None)
                    }
                    (State::Passed(..) | State::NotRun, Some(e)) => {
                        (Verdict::Skip, format!("not finished: {e}"), None)
                    }
                    (State::Skipped(reason), _) => (Verdict::Skip, reason, None),
                    (State::NotRun, None) => (
                        Verdict::Skip,
                        "not exercised: every attempt met a transport problem (see transport/*)"
                            .to_string(),
                        None,
                    ),
                };
                CheckResult {
                    name: name.to_string(),
                    description: description(name).to_string(),
                    verdict,
                    detail,
                    request,
                }
            })
            .collect()
    }
}

fn plural(n: u64) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// A JSON value as it would be written in a query string (`true`, `42`, `abc`).
pub fn as_param(value: &serde_json::Value) -> Option<String> {
    match value {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        serde_json::Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A short excerpt of a list of strings, for messages.
pub fn sample(items: &[String]) -> String {
    let mut out: Vec<&str> = items.iter().take(3).map(String::as_str).collect();
    if items.len() > 3 {
        out.push("…");
    }
    out.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_property_never_evaluated_is_skipped_not_passed() {
        let props = Props::new(&["a/x"]);
        let r = props.finish(None);
        assert_eq!(r[0].verdict, Verdict::Skip);
        assert!(r[0].detail.contains("not exercised"));
    }

    #[test]
    fn a_failure_sticks_and_the_shortest_request_is_kept() {
        let mut props = Props::new(&["a/x"]);
        props.pass("a/x");
        props.fail("a/x", "long", Some("curl 'http://h/x?a=1&b=2'".into()));
        props.pass("a/x");
        props.fail("a/x", "short", Some("curl 'http://h/x?a=1'".into()));
        props.fail(
            "a/x",
            "longer again",
            Some("curl 'http://h/x?a=1&b=2&c=3'".into()),
        );
        let r = props.finish(None);
        assert_eq!(r[0].verdict, Verdict::Fail);
        assert!(
            r[0].detail.starts_with("short (3 failing cases"),
            "{}",
            r[0].detail
        );
        assert_eq!(r[0].request.as_deref(), Some("curl 'http://h/x?a=1'"));
    }

    #[test]
    fn a_stopped_run_turns_unfinished_passes_into_skips() {
        let mut props = Props::new(&["a/x", "a/y"]);
        props.pass("a/x");
        props.fail("a/y", "bad", None);
        let stop = ProbeError::Budget {
            used: 5,
            allowed: 5,
        };
        let r = props.finish(Some(&stop));
        assert_eq!(r[0].verdict, Verdict::Skip);
        assert!(r[0].detail.contains("budget exhausted"));
        assert_eq!(r[1].verdict, Verdict::Fail);
    }

    #[test]
    fn every_check_has_a_unique_name_and_a_description() {
        let mut seen = std::collections::BTreeSet::new();
        for (name, description) in CHECKS {
            assert!(seen.insert(*name), "{name} twice");
            assert!(name.contains('/') && !description.is_empty());
        }
    }
}
