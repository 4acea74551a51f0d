//! What every family needs about the run: the probe, the target, the operation, how to build
//! its URLs, whether the run was stopped, and the selected checks.

use std::sync::{Arc, Mutex, OnceLock};

use proptest::test_runner::{Config, RngSeed, TestRunner};
use specs::{JsonSchemas, Location, Operation, Pagination, Spec};
use url::Url;

use super::bracket::Bracket;
use super::findings::Findings;
use crate::probe::{lock, Auth, Probe, ProbeError, Response};
use crate::registry::CheckId;
use crate::target::{Options, Target};

/// Everything a family needs about the run. Shared by the concurrent families (`Sync`).
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
    stopped: Mutex<Option<ProbeError>>,
    opening: OnceLock<Arc<Bracket>>,
    received: Mutex<Received>,
    projection: Vec<specs::Pointer>,
    operations: usize,
}

/// The members of an item the checks of `op` read.
fn projection(op: &Operation, pagination: &Pagination) -> Vec<specs::Pointer> {
    let mut pointers = vec![pagination.item_key.clone()];
    let sorted = op.sort.iter().flat_map(|s| {
        s.orders
            .iter()
            .map(|o| &o.field)
            .chain(s.tie_breaker.as_ref())
    });
    for field in op.filters.iter().flat_map(|f| f.reads()).chain(sorted) {
        if !pointers.contains(field) {
            pointers.push(field.clone());
        }
    }
    // What marks an item restricted, which the narrower callers' walks are judged by.
    if let Some(r) = &op.restricted {
        if !pointers.contains(&r.field) {
            pointers.push(r.field.clone());
        }
    }
    pointers
}

/// Most rate-limited responses of one operation whose shape is judged: they are alike.
const RATE_LIMITED_JUDGED: u64 = 50;

/// What the responses of one operation showed, judged as they arrived.
#[derive(Debug, Clone, Default)]
pub struct Received {
    /// The schema and rate-limit-shape observations.
    pub findings: Findings,
    /// 200 responses that are pages (not errors carried in their bodies).
    pub pages: u64,
    /// Error responses (4xx, 5xx, and errors carried in 200 bodies) other than rate limits.
    pub errors: u64,
    /// Rate-limited responses (429, and the others `x-errors` says are rate limits).
    pub limited: u64,
}

impl<'a> Ctx<'a> {
    /// The context of a run of `target` through `probe`.
    pub fn new(
        probe: &'a Probe,
        target: &'a Target,
        options: &'a Options,
        op: &'a Operation,
        pagination: &'a Pagination,
        operations: usize,
    ) -> Ctx<'a> {
        Ctx {
            probe,
            target,
            options,
            spec: &target.spec,
            op,
            pagination,
            schemas: target.spec.json_schemas(),
            stopped: Mutex::new(None),
            opening: OnceLock::new(),
            received: Mutex::new(Received::default()),
            projection: projection(op, pagination),
            operations: operations.max(1),
        }
    }

    /// The members of an item that the checks read (its key and every filtered field): a
    /// walk keeps its items reduced to them.
    pub fn projection(&self) -> &[specs::Pointer] {
        &self.projection
    }

    /// A request for every item at one page size: no filters but the values that lift the
    /// filters' defaults (`Operation::unfiltered_query`).
    pub fn unfiltered(&self, size: Option<u64>) -> crate::checks::PageRequest {
        crate::checks::PageRequest {
            query: self.op.unfiltered_query(),
            ..crate::checks::PageRequest::sized(size)
        }
    }

    /// A request with filters: `query` (pairs, a parameter repeated for several values), the
    /// lifted defaults of the other filters, none for the `omitted` parameters (so that their
    /// default applies).
    pub fn filtered(
        &self,
        size: Option<u64>,
        query: Vec<(String, String)>,
        omitted: &[&str],
    ) -> crate::checks::PageRequest {
        let mut request = self.unfiltered(size);
        request.query.retain(|(name, _)| {
            !omitted.contains(&name.as_str()) && !query.iter().any(|(q, _)| q == name)
        });
        request.query.extend(query);
        request
    }

    /// This operation's share of the run's request budget (the operations of a run share it).
    pub fn budget(&self) -> u64 {
        self.options.max_requests / self.operations as u64
    }

    /// Sets the first walk of the run: the opening of its [`Bracket`].
    pub fn set_opening(&self, reference: &crate::checks::Walk) {
        let _ = self.opening.set(Arc::new(Bracket::new(reference, None)));
    }

    /// The bracket of the run's first walk alone (empty before it is set).
    pub fn opening(&self) -> Arc<Bracket> {
        self.opening.get().cloned().unwrap_or_default()
    }

    /// Whether `check` is selected for this run.
    pub fn selected(&self, check: CheckId) -> bool {
        self.options.selection.contains(check)
    }

    /// Whether any of `checks` is selected.
    pub fn any_selected(&self, checks: &[CheckId]) -> bool {
        self.options.selection.any(checks)
    }

    /// The operation's URL with path parameters filled in (`overrides` first, then the
    /// target's values) and a query.
    pub fn url(&self, overrides: &[(&str, String)], query: &[(String, String)]) -> Url {
        let mut url = self.target.base_url.clone();
        url.set_query(None);
        url.set_fragment(None);
        let template: Vec<&str> = self.op.path.trim_start_matches('/').split('/').collect();
        if let Ok(mut segments) = url.path_segments_mut() {
            segments.pop_if_empty();
            for part in template {
                match part.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
                    Some(name) => {
                        let value = overrides
                            .iter()
                            .find(|(n, _)| *n == name)
                            .map(|(_, v)| v.clone())
                            .or_else(|| self.path_value(name).map(str::to_string))
                            .unwrap_or_default();
                        segments.push(&value);
                    }
                    None => {
                        segments.push(part);
                    }
                }
            }
        }
        if !query.is_empty() {
            let mut pairs = url.query_pairs_mut();
            for (k, v) in query {
                pairs.append_pair(k, v);
            }
        }
        url
    }

    /// The target's value of a path parameter for this operation: its own, else the one
    /// every operation shares.
    pub fn path_value(&self, name: &str) -> Option<&str> {
        self.target
            .operation_path_values
            .get(&self.op.operation_id)
            .and_then(|values| values.get(name))
            .or_else(|| self.target.path_values.get(name))
            .map(String::as_str)
    }

    /// Path parameters with no value (a usage error: nothing can be requested).
    pub fn missing_path_values(&self) -> Vec<String> {
        self.op
            .parameters_in(Location::Path)
            .filter(|p| self.path_value(&p.name).is_none())
            .map(|p| p.name.clone())
            .collect()
    }

    /// Records a probe error; returns true when it ends the run.
    pub fn note_error(&self, e: &ProbeError) -> bool {
        if e.ends_run() {
            let mut stopped = lock(&self.stopped);
            stopped.get_or_insert_with(|| e.clone());
            true
        } else {
            false
        }
    }

    /// The error that stopped the run, if one did.
    pub fn stopped(&self) -> Option<ProbeError> {
        lock(&self.stopped).clone()
    }

    /// Whether the run was stopped by a probe error.
    pub fn is_stopped(&self) -> bool {
        self.stopped().is_some()
    }

    /// Sends `GET url`; a probe error is noted (it may stop the run) and gives `None`.
    pub async fn get(&self, url: &Url, auth: &Auth) -> Option<Arc<Response>> {
        if self.is_stopped() {
            return None;
        }
        let got = self.probe.get_for(url, auth, &self.op.operation_id).await;
        self.absorb();
        match got {
            Ok(r) => Some(r),
            Err(e) => {
                self.note_error(&e);
                None
            }
        }
    }

    /// Judges the responses of this operation received since the last call (their schema,
    /// and the shape of rate limits), so that no body is kept past its judgement. The findings
    /// add up whatever the order responses arrive in.
    pub fn absorb(&self) {
        let responses = self.probe.take_unjudged(&self.op.operation_id);
        if responses.is_empty() {
            return;
        }
        let errors = &self.op.errors;
        let (limited, finals): (Vec<_>, Vec<_>) = responses
            .into_iter()
            .partition(|r| errors.rate_limits(r.status, |n| r.header(n), r.body()));
        let mut found = Findings::new();
        if self.any_selected(crate::checks::schema::CHECKS) {
            found.merge(crate::checks::schema::judge(self, &finals));
        }
        let mut received = lock(&self.received);
        if self.selected(CheckId::RateLimit) {
            // Every 429 is alike; a few dozen show the shape.
            let room = RATE_LIMITED_JUDGED.saturating_sub(received.limited) as usize;
            let judged = &limited[..limited.len().min(room)];
            found.merge(crate::checks::errors::judge_rate_limited(self, judged));
        }
        let in_body = |r: &Response| errors.in_body_error(r.status, r.body()).is_some();
        received.limited += limited.len() as u64;
        received.pages += finals
            .iter()
            .filter(|r| r.status == 200 && !in_body(r))
            .count() as u64;
        received.errors += finals
            .iter()
            .filter(|r| r.status >= 400 || in_body(r))
            .count() as u64;
        received.findings.merge(found);
    }

    /// What the responses of this operation showed so far (every response is judged first).
    pub fn received(&self) -> Received {
        self.absorb();
        lock(&self.received).clone()
    }

    /// Every transport incident of this operation so far.
    pub fn incidents(&self) -> Vec<crate::probe::Incident> {
        let op = &self.op.operation_id;
        let mut all = self.probe.incidents();
        all.retain(|i| i.operation == *op);
        all
    }

    /// Requests sent for this operation so far.
    pub fn requests_used(&self) -> u64 {
        self.probe.requests_for(&self.op.operation_id)
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
            verbose: 0,
            ..Config::default()
        })
    }
}
