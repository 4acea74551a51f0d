//! What every family needs about the run: the probe, the target, the operation, how to build
//! its URLs, whether the run was stopped, and the selected checks.

use std::sync::{Arc, Mutex, OnceLock};

use proptest::test_runner::{Config, RngSeed, TestRunner};
use specs::{JsonSchemas, Location, Operation, Pagination, Spec};
use url::Url;

use super::bracket::Bracket;
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
}

impl<'a> Ctx<'a> {
    /// The context of a run of `target` through `probe`.
    pub fn new(
        probe: &'a Probe,
        target: &'a Target,
        options: &'a Options,
        op: &'a Operation,
        pagination: &'a Pagination,
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
        }
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
        match self.probe.get_for(url, auth, &self.op.operation_id).await {
            Ok(r) => Some(r),
            Err(e) => {
                self.note_error(&e);
                None
            }
        }
    }

    /// Every final (non-429) response of this operation so far, in an order that does not
    /// depend on scheduling.
    pub fn responses(&self) -> Vec<Arc<Response>> {
        let op = &self.op.operation_id;
        let mut all = self.probe.responses();
        all.retain(|r| r.request.operation == *op);
        all
    }

    /// Every 429 of this operation so far.
    pub fn rate_limited_responses(&self) -> Vec<Arc<Response>> {
        let op = &self.op.operation_id;
        let mut all = self.probe.rate_limited_responses();
        all.retain(|r| r.request.operation == *op);
        all
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
