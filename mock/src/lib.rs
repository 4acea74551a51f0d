//! A spec-driven reference mock: every paginated operation of any spec, served faithfully on
//! 127.0.0.1 with data generated from the spec, and switchable into faults and reading modes.
//!
//! [`start`] reads the spec through the `specs` crate and serves each of
//! `Spec::paginated_operations()` on its own path; a fault or a reading mode is served on the
//! operations whose shape has it.
//! Every vendor fact comes from the spec: the server path and the path template, the security
//! scheme, parameter names, enums, the page-size default, minimum and maximum, the statuses of
//! `x-errors` and `x-access`, the pagination style and its pointers, the body templates (the
//! docs' examples) and the item schema the data is generated from. No Rust here names an API.
//!
//! Rules of the reference behaviour, the same for every spec:
//! - Routing comes first: an unknown path is 404 and another method is 405 with
//!   `Allow: GET, HEAD`, both JSON in the spec's error shape.
//! - Credentials per the operation's `security`; missing and unknown ones get the first status
//!   of `x-errors` `missing-key` and `invalid-key`. HTTP Basic credentials are `user:password`,
//!   and an `Authorization` header that holds none (not base64, no colon, another scheme) is
//!   an unknown credential, with `WWW-Authenticate: Basic realm="<api>"` on its 401. Where the
//!   security is optional (`{}`), a request without credentials is served as an anonymous
//!   caller; where the spec marks items restricted (`x-restricted`), a viewer key exists. Both
//!   reach what the widest key reaches, without the restricted items.
//! - With `x-access`: the credential, then the path parameters (type, minimum), then
//!   existence and access in the order `existence-first` says, then the query.
//! - Query filters from `x-filter` combine with AND; enum values are checked; the page size
//!   is refused outside its range unless `over-max` / `under-min` say clamp. An empty free-text
//!   value counts as not sent, an empty typed value is refused; a repeated parameter takes its
//!   last value; a documented parameter nothing else reads (a page index kept for the client)
//!   is refused outside its type and range, and otherwise ignored; unknown parameters are
//!   ignored.
//! - Page tokens and cursors are opaque, HMAC-signed and bound to the canonical query (filters
//!   in spec order, then the size), the credential and the path values; anything else is
//!   refused with the first `invalid-token` status.
//! - With rate limiting on, every Nth request answers 429 with `Retry-After` and the spec's
//!   error body.
//! - Data follows the item schema: formats (`date-time` as RFC 3339, `date-time-rfc-2822` as
//!   RFC 2822 in GMT, `date`, `email`, `uri`, `uuid`), and a string with a `pattern` its
//!   example matches is shaped like the example (its leading capitals kept, every other digit
//!   and hexadecimal letter seeded), keys and access values included. Links are written as the
//!   spec's example writes them: absolute, or a path relative to the origin.
//!
//! Each [`Fault`] breaks exactly one of these behaviours; each [`ReadingMode`] serves another
//! plausible reading of something the vendor page leaves open. A *decoy* server on a second
//! port serves as the "other origin" of the cross-origin faults and counts what reaches it.
#![deny(missing_docs)]

mod api;
mod auth;
mod caller;
mod combinators;
mod data;
mod errors;
mod faults;
mod json;
mod modes;
mod pagination;
mod params;
mod query;
mod render;
mod routing;
mod server;
mod sort;
mod token;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use anyhow::{bail, Context};
use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use faults::Fault;
pub use modes::ReadingMode;

use api::Api;
use data::{Data, Reach};
use server::{App, Site};

/// The value behind `m`, also after a panic elsewhere poisoned it: the state stays usable.
pub(crate) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// [`lock`] for reading an `RwLock`.
pub(crate) fn read<T>(l: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    l.read().unwrap_or_else(|e| e.into_inner())
}

/// [`lock`] for writing an `RwLock`.
pub(crate) fn write<T>(l: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    l.write().unwrap_or_else(|e| e.into_inner())
}

/// Data that changes during a run, as a shared sandbox does while others use it: every
/// `every`-th request creates one item first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Drift {
    /// Requests per item created (1 or more).
    pub every: u32,
    /// Where the new item appears in the order.
    pub at: DriftAt,
}

/// Where a created item appears in the list's order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DriftAt {
    /// First: a newest-first list.
    Head,
    /// Last: a list in ascending id order.
    Tail,
}

impl DriftAt {
    /// Both places, for `--drift-at`.
    pub const ALL: [DriftAt; 2] = [DriftAt::Head, DriftAt::Tail];

    /// `head` or `tail`.
    pub fn name(self) -> &'static str {
        match self {
            DriftAt::Head => "head",
            DriftAt::Tail => "tail",
        }
    }
}

/// Items a drifting mock can create: enough for a default run's whole budget at one item per
/// request.
const DRIFT_RESERVE: usize = 2_000;

/// How to start a mock.
#[derive(Clone, Debug)]
pub struct MockConfig {
    /// The API to serve.
    pub spec: specs::Spec,
    /// Number of seeded items (all path values together).
    pub items: usize,
    /// Answer every Nth request with 429 (0 is an error).
    pub rate_limit_every: Option<u32>,
    /// `Retry-After` of a 429, in seconds.
    pub retry_after_secs: u64,
    /// Added before every answer, for benchmarks of clients.
    pub latency: Duration,
    /// The fault to inject, if any.
    pub fault: Option<Fault>,
    /// Where in the list a fault at page boundaries (`page-gap`, `page-duplicate`,
    /// `short-pages`) starts: boundaries before this position are served faithfully, so that
    /// the fault lies deep in a long list. 0: from the start.
    pub fault_from: usize,
    /// The reading mode to serve, if any.
    pub reading: Option<ReadingMode>,
    /// Items created while the mock serves, if any.
    pub drift: Option<Drift>,
    /// Seed of the data, the credentials and the token key.
    pub seed: u64,
    /// Port to bind on 127.0.0.1; 0 picks a free one.
    pub port: u16,
}

impl MockConfig {
    /// The reference behaviour: 130 items, no rate limiting, no latency, no fault, no reading
    /// mode, seed 0, any free port.
    pub fn new(spec: specs::Spec) -> MockConfig {
        MockConfig {
            spec,
            items: 130,
            rate_limit_every: None,
            retry_after_secs: 1,
            latency: Duration::ZERO,
            fault: None,
            fault_from: 0,
            reading: None,
            drift: None,
            seed: 0,
            port: 0,
        }
    }
}

/// What a credential of the mock reaches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Everything.
    All,
    /// One value of the `x-access` path parameter.
    Value(String),
    /// Every value its owner owns (listed).
    Owner(Vec<String>),
}

/// A credential of the mock.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Credential {
    /// The secret a client sends: the key or token, or for HTTP Basic the user name and the
    /// password joined by a colon (`user:password`, the user name never holding a colon).
    pub secret: String,
    /// What it reaches.
    pub scope: Scope,
}

/// What a client needs to use the mock.
#[derive(Clone, Debug, Default)]
pub struct Credentials {
    /// Every credential, the one a conformance run should use first (`primary`).
    pub keys: Vec<Credential>,
    /// A narrower credential, where the spec marks items restricted (`x-restricted`): it reads
    /// what the primary reads but the restricted items. Not among `keys`.
    pub viewer: Option<Credential>,
    /// A value for every path parameter, readable by the primary credential.
    pub path_values: BTreeMap<String, String>,
    /// x-access: for the access path parameter, a value no credential of the mock may read.
    pub forbidden: BTreeMap<String, String>,
    /// x-access: for the access path parameter, a value that does not exist.
    pub missing: BTreeMap<String, String>,
    /// Owner filters (`match: owner`): parameter name → the owner identities the data has
    /// (e.g. customer emails), which the response never shows.
    pub owners: BTreeMap<String, Vec<String>>,
    /// x-access: for the access path parameter, the other values the primary credential may
    /// read besides its path value.
    pub readable: BTreeMap<String, Vec<String>>,
}

impl Credentials {
    /// The credential a conformance run should use first: the one that reads the most (a key
    /// of everything, then an owner's key, then a key of one value), so that a run can cross
    /// from one readable value to another.
    pub fn primary(&self) -> Option<&Credential> {
        let reach = |k: &&Credential| match &k.scope {
            Scope::All => usize::MAX,
            Scope::Owner(values) => values.len(),
            Scope::Value(_) => 1,
        };
        self.keys.iter().rev().max_by_key(reach)
    }
}

/// A mock serving on 127.0.0.1 until [`RunningMock::shutdown`] (or until the runtime ends).
pub struct RunningMock {
    /// Base URL of the API, the spec's server URL moved to the mock's origin, e.g.
    /// `http://127.0.0.1:PORT/api/v1`.
    pub base_url: String,
    /// The seeded credentials and values (one set for every operation).
    pub credentials: Credentials,
    config: MockSummary,
    site: Arc<Site>,
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

/// What the mock was started with, for the whole spec.
#[derive(Debug, Clone, Copy)]
struct MockSummary {
    fault: Option<Fault>,
    fault_from: usize,
    reading: Option<ReadingMode>,
}

impl RunningMock {
    /// The spec served.
    pub fn spec(&self) -> &specs::Spec {
        &self.site.first().api.spec
    }

    /// The operations served (every paginated GET operation of the spec), by `operationId`,
    /// in spec order.
    pub fn operations(&self) -> Vec<&str> {
        self.site
            .apps
            .iter()
            .map(|app| app.api.op.operation_id.as_str())
            .collect()
    }

    /// When each request arrived (the decoy's excluded), in order.
    pub fn arrivals(&self) -> Vec<std::time::Instant> {
        lock(&self.site.arrivals).clone()
    }

    /// Requests the mock has received, every operation's (rate-limited ones included; the
    /// decoy's excluded).
    pub fn request_count(&self) -> u64 {
        self.site.first().requests.load(Ordering::Relaxed)
    }

    /// The fault injected, if any (it acts on the operations it applies to).
    pub fn fault(&self) -> Option<Fault> {
        self.config.fault
    }

    /// The reading mode served, if any (on the operations it applies to).
    pub fn reading(&self) -> Option<ReadingMode> {
        self.config.reading
    }

    /// Items created so far by the drift, over every operation.
    pub fn inserted(&self) -> u64 {
        self.site
            .apps
            .iter()
            .map(|app| app.inserted.load(Ordering::Relaxed))
            .sum()
    }

    /// `http://127.0.0.1:PORT` of the mock.
    pub fn origin(&self) -> &str {
        &self.site.first().origin
    }

    /// `http://127.0.0.1:PORT` of the decoy: the "other origin" of `cross-origin-next` and
    /// `redirect-other-origin`.
    pub fn decoy_origin(&self) -> &str {
        &self.site.first().decoy_origin
    }

    /// Requests the decoy has received.
    pub fn decoy_request_count(&self) -> u64 {
        self.site.first().decoy_requests.load(Ordering::Relaxed)
    }

    /// Decoy requests that carried the spec's credential header or query parameter: a client
    /// leaking its credential to another origin.
    pub fn decoy_credential_leaks(&self) -> u64 {
        self.site.first().decoy_leaks.load(Ordering::Relaxed)
    }

    /// Stops both listeners. Connections still open after a short grace period are dropped.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        for task in self.tasks {
            let abort = task.abort_handle();
            if tokio::time::timeout(Duration::from_secs(2), task)
                .await
                .is_err()
            {
                abort.abort();
            }
        }
    }
}

/// Checks a configuration against its spec before anything is bound.
fn check(config: &MockConfig, apis: &[Api]) -> anyhow::Result<()> {
    let name = &config.spec.name;
    if let Some(fault) = config.fault {
        let why = apis
            .iter()
            .map(|api| fault.applies_to_api(api))
            .find_map(Result::err);
        if !apis.iter().any(|api| fault.applies_to_api(api).is_ok()) {
            bail!(
                "the fault `{fault}` does not apply to {name}: {}",
                why.unwrap_or_default()
            );
        }
    }
    if let Some(mode) = config.reading {
        let why = apis
            .iter()
            .map(|api| mode.applies_to_api(api))
            .find_map(Result::err);
        if !apis.iter().any(|api| mode.applies_to_api(api).is_ok()) {
            bail!(
                "the reading mode `{mode}` does not apply to {name}: {}",
                why.unwrap_or_default()
            );
        }
    }
    let access: BTreeSet<&str> = apis
        .iter()
        .filter_map(|api| api.op.access.as_ref().map(|a| a.path_param.as_str()))
        .collect();
    if access.len() > 1 {
        bail!(
            "{name}: the mock scopes credentials to one path parameter, and x-access names {}",
            access.into_iter().collect::<Vec<_>>().join(" and ")
        );
    }
    if config.rate_limit_every == Some(0) {
        bail!("rate limiting every 0 requests is meaningless: use 1 or more");
    }
    if config.drift.is_some_and(|d| d.every == 0) {
        bail!("creating an item every 0 requests is meaningless: use 1 or more");
    }
    if u32::try_from(config.items).is_err() {
        bail!("at most {} items", u32::MAX);
    }
    Ok(())
}

/// The public view of the seeded credentials and values, over every operation: `apis[i]`'s
/// data is `datas[i]`, and the first holds the credentials.
fn credentials(apis: &[Api], datas: &[Data]) -> Credentials {
    let data = &datas[0];
    let value_text = |i: usize| {
        data.access_values
            .get(i)
            .map(|v| v.text.clone())
            .unwrap_or_default()
    };
    let keys = data
        .keys
        .iter()
        .map(|k| Credential {
            secret: k.secret.clone(),
            scope: match k.reach {
                Reach::All => Scope::All,
                Reach::Value(v) => Scope::Value(value_text(v)),
                Reach::Owner(o) => Scope::Owner(
                    data.access_values
                        .iter()
                        .filter(|v| v.owner == o)
                        .map(|v| v.text.clone())
                        .collect(),
                ),
            },
        })
        .collect();
    let mut out = Credentials {
        keys,
        ..Credentials::default()
    };
    // The viewer reaches what the primary reaches, less the restricted items.
    out.viewer = data.viewer.as_ref().map(|k| Credential {
        secret: k.secret.clone(),
        scope: out.primary().map_or(Scope::All, |p| p.scope.clone()),
    });
    for d in datas {
        for (name, value) in &d.path_values {
            out.path_values
                .entry(name.clone())
                .or_insert_with(|| value.clone());
        }
        for set in &d.owners {
            for (param, identities) in &set.identities {
                out.owners
                    .entry(param.clone())
                    .or_insert_with(|| identities.clone());
            }
        }
    }
    let access = apis.iter().find_map(|api| api.op.access.as_ref());
    if let Some(access) = access {
        if let Some(f) = data.forbidden {
            out.forbidden
                .insert(access.path_param.clone(), value_text(f));
        }
        if let Some(m) = &data.missing {
            out.missing.insert(access.path_param.clone(), m.clone());
        }
    }
    if let (Some(access), Some(primary)) = (access, out.primary()) {
        let main = out.path_values.get(&access.path_param);
        let others: Vec<String> = match &primary.scope {
            Scope::Owner(values) => values
                .iter()
                .filter(|v| Some(*v) != main)
                .cloned()
                .collect(),
            Scope::All => data
                .access_values
                .iter()
                .map(|v| v.text.clone())
                .filter(|v| Some(v) != main)
                .collect(),
            Scope::Value(_) => Vec::new(),
        };
        if !others.is_empty() {
            out.readable.insert(access.path_param.clone(), others);
        }
    }
    out
}

/// The index of the operation whose data holds the credentials: the first with `x-access`,
/// else the first with a security scheme, else the first.
fn anchor(apis: &[Api]) -> usize {
    apis.iter()
        .position(|a| a.op.access.is_some())
        .or_else(|| apis.iter().position(|a| a.op.security.is_some()))
        .unwrap_or(0)
}

/// Starts a mock on the current tokio runtime.
///
/// Errors (never panics): a fault or reading mode that does not apply to the spec, rate
/// limiting every 0 requests, a spec without a paginated operation, or one the generator
/// cannot serve; each says why.
pub async fn start(config: MockConfig) -> anyhow::Result<RunningMock> {
    let spec = Arc::new(config.spec.clone());
    let apis = Api::all(&spec).map_err(|why| {
        anyhow::anyhow!(
            "{}: the mock cannot serve this spec: {why}",
            config.spec.file
        )
    })?;
    check(&config, &apis)?;
    let datas = generate(&config, &apis)?;
    let listener = TcpListener::bind(("127.0.0.1", config.port))
        .await
        .with_context(|| format!("cannot bind 127.0.0.1:{}", config.port))?;
    let decoy = TcpListener::bind(("127.0.0.1", 0))
        .await
        .context("cannot bind the decoy listener")?;
    let origin = format!("http://127.0.0.1:{}", listener.local_addr()?.port());
    let decoy_origin = format!("http://127.0.0.1:{}", decoy.local_addr()?.port());
    let credentials = credentials(&apis, &datas);
    let base_url = format!("{origin}{}", apis[0].base_path);
    let (stop, stopped) = watch::channel(false);
    let (requests, decoy_requests, decoy_leaks) = Default::default();
    let counters: (Arc<AtomicU64>, Arc<AtomicU64>, Arc<AtomicU64>) =
        (requests, decoy_requests, decoy_leaks);
    let apps = apis
        .into_iter()
        .zip(datas)
        .map(|(api, mut data)| {
            // A fault or mode acts where it applies; every other operation is served faithfully.
            let fault = config.fault.filter(|f| f.applies_to_api(&api).is_ok());
            let mode = config.reading.filter(|m| m.applies_to_api(&api).is_ok());
            let altered: Vec<specs::Filter> = match (fault, mode) {
                (Some(f), _) => f.altered_filter(&api).into_iter().collect(),
                (None, Some(ReadingMode::OtherFilterReadings)) => api
                    .query_filters()
                    .filter_map(|f| f.otherwise().map(|(other, _)| other))
                    .collect(),
                _ => Vec::new(),
            };
            Arc::new(App {
                altered,
                signer: token::Signer::new(config.seed, &config.spec.name),
                items: RwLock::new(std::mem::take(&mut data.items)),
                reserve: Mutex::new(std::mem::take(&mut data.reserve).into()),
                api,
                data,
                drift: config.drift,
                inserted: AtomicU64::new(0),
                fault,
                fault_from: config.fault_from,
                mode,
                rate_limit_every: config.rate_limit_every,
                retry_after_secs: config.retry_after_secs,
                latency: config.latency,
                seed: config.seed,
                origin: origin.clone(),
                decoy_origin: decoy_origin.clone(),
                carried: Mutex::new(Vec::new()),
                requests: counters.0.clone(),
                decoy_requests: counters.1.clone(),
                decoy_leaks: counters.2.clone(),
                shutdown: stopped.clone(),
                matched: Mutex::new(std::collections::HashMap::new()),
            })
        })
        .collect();
    let site = Arc::new(Site {
        apps,
        arrivals: Mutex::new(Vec::new()),
    });

    let mut tasks = Vec::new();
    for (listener, router) in [
        (
            listener,
            Router::new()
                .fallback(caller::handler)
                .with_state(site.clone()),
        ),
        (
            decoy,
            Router::new()
                .fallback(server::decoy_handler)
                .with_state(site.clone()),
        ),
    ] {
        let mut stopped = stopped.clone();
        tasks.push(tokio::spawn(async move {
            let signal = async move {
                let _ = stopped.wait_for(|s| *s).await;
            };
            // Errors of single connections are handled inside axum::serve; this only ends
            // when the listener fails, which leaves nothing to do but stop.
            let _ = axum::serve(listener, router)
                .with_graceful_shutdown(signal)
                .await;
        }));
    }
    Ok(RunningMock {
        base_url,
        credentials,
        config: MockSummary {
            fault: config.fault,
            fault_from: config.fault_from,
            reading: config.reading,
        },
        site,
        stop,
        tasks,
    })
}

/// The data of every operation, in the order of `apis`: the anchor's is made first (it makes
/// the credentials), and the others share its credentials, access values and path values.
fn generate(config: &MockConfig, apis: &[Api]) -> anyhow::Result<Vec<Data>> {
    let reserve = match config.drift {
        Some(_) => DRIFT_RESERVE,
        None => 0,
    };
    let one = |api: &Api, first: Option<&Data>| {
        let fault = config.fault.filter(|f| f.applies_to_api(api).is_ok());
        let mode = config.reading.filter(|m| m.applies_to_api(api).is_ok());
        Data::generate(api, config.seed, config.items, reserve, fault, mode, first)
            .map_err(|why| anyhow::anyhow!("{}: {why}", config.spec.file))
    };
    let anchor_index = anchor(apis);
    let anchor = one(&apis[anchor_index], None)?;
    let mut datas = Vec::with_capacity(apis.len());
    for (i, api) in apis.iter().enumerate() {
        datas.push(match i == anchor_index {
            true => anchor.clone(),
            false => one(api, Some(&anchor))?,
        });
    }
    Ok(datas)
}

/// How a credential is sent, as the line a client would send (`Authorization: Bearer …`,
/// `X-API-KEY: …`, or `?api_key=…`; HTTP Basic with its user name and password).
fn credential_line(security: &specs::Security, secret: &str) -> String {
    match &security.kind {
        specs::SecurityKind::Query(name) => format!("?{name}={secret}"),
        specs::SecurityKind::Basic => {
            let (user, password) = secret.split_once(':').unwrap_or((secret, ""));
            format!(
                "{}: {} (user name {user}, password {password})",
                security.header_name().unwrap_or_default(),
                security.header_value(secret)
            )
        }
        _ => format!(
            "{}: {}",
            security.header_name().unwrap_or_default(),
            security.header_value(secret)
        ),
    }
}

/// The lines `cargo xtask mock` prints: the base URL, each operation served, each credential
/// and what it reaches, the path values, the forbidden and missing values, the owners, the
/// fault, the reading mode and rate limiting.
pub fn describe(m: &RunningMock) -> String {
    let c = &m.credentials;
    let first = m.site.first();
    let mut lines = vec![format!("base URL: {}", m.base_url)];
    for app in &m.site.apps {
        let api = &app.api;
        lines.push(format!(
            "operation {}: {} {}{}",
            api.op.operation_id, api.op.method, api.base_path, api.op.path
        ));
    }
    match m.site.apps.iter().find_map(|a| a.api.op.security.as_ref()) {
        Some(security) => {
            for key in &c.keys {
                let reach = match &key.scope {
                    Scope::All => "reads everything".to_string(),
                    Scope::Value(v) => format!("scoped: reads {v} only"),
                    Scope::Owner(vs) => format!("owner: reads {}", vs.join(", ")),
                };
                lines.push(format!(
                    "{}    ({reach})",
                    credential_line(security, &key.secret)
                ));
            }
            if let Some(viewer) = &c.viewer {
                lines.push(format!(
                    "{}    (viewer: reads what the first reads, but no item x-restricted marks)",
                    credential_line(security, &viewer.secret)
                ));
            }
        }
        None => lines.push("no credential needed".to_string()),
    }
    for app in &m.site.apps {
        if app.api.op.security.as_ref().is_some_and(|s| s.optional) {
            lines.push(format!(
                "operation {}: served without credentials too, as an anonymous caller (no item x-restricted marks)",
                app.api.op.operation_id
            ));
        }
    }
    for (name, value) in &c.path_values {
        lines.push(format!("path {name}={value}"));
    }
    for (name, value) in &c.forbidden {
        lines.push(format!(
            "path {name}={value}: owned by someone else (refused for every credential)"
        ));
    }
    for (name, value) in &c.missing {
        lines.push(format!("path {name}={value}: does not exist"));
    }
    for (param, owners) in &c.owners {
        lines.push(format!("owners (for {param}): {}", owners.join(", ")));
    }
    if let Some(fault) = m.fault() {
        let from = match m.config.fault_from {
            0 => String::new(),
            n => format!(", at page boundaries from item {n} on"),
        };
        lines.push(format!("fault: {fault} ({}{from})", fault.description()));
    }
    if let Some(mode) = m.reading() {
        lines.push(format!("reading mode: {mode} ({})", mode.description()));
    }
    if let Some(every) = first.rate_limit_every {
        lines.push(format!(
            "rate limit: requests {every}, {}, {}, ... answer {}",
            2 * u64::from(every),
            3 * u64::from(every),
            rate_limit_answer(&first.api.op.errors, first.retry_after_secs)
        ));
    }
    if let Some(drift) = first.drift {
        lines.push(format!(
            "drift: every {} requests, an item is created at the {} of the list",
            drift.every,
            drift.at.name()
        ));
    }
    if !first.latency.is_zero() {
        lines.push(format!("latency: {:?} before every answer", first.latency));
    }
    lines.join("\n")
}

/// How the mock answers a rate-limited request, as `x-errors` says (of the first operation).
fn rate_limit_answer(errors: &specs::ErrorRules, secs: u64) -> String {
    let kind = specs::ErrorKind::RateLimited;
    if let (Some(in_body), [code, ..]) = (&errors.in_body, errors.codes(kind)) {
        return format!(
            "200 with {} false and {} {code:?} (Retry-After: {secs})",
            in_body.flag, in_body.code
        );
    }
    let status = errors.rate_limited[0];
    match &errors.rate_limit {
        Some(limits) => {
            let reset = match &limits.reset {
                Some(reset) => format!(", {} {secs} s after the answer", reset.header),
                None => String::new(),
            };
            format!("{status} ({}: 0{reset})", limits.remaining)
        }
        None => format!("{status} (Retry-After: {secs})"),
    }
}

/// The URL of the primary credential's first page of the first operation served: the base
/// URL, the path template with the path values, and the credential when it travels in the
/// query.
pub fn first_page_url(m: &RunningMock) -> String {
    operation_url(m, m.operations()[0]).unwrap_or_default()
}

/// The URL of the primary credential's first page of the operation `operation_id`, if the
/// mock serves it.
pub fn operation_url(m: &RunningMock, operation_id: &str) -> Option<String> {
    let app = m
        .site
        .apps
        .iter()
        .find(|a| a.api.op.operation_id == operation_id)?;
    let api = &app.api;
    let mut path = api.op.path.clone();
    for (name, value) in &m.credentials.path_values {
        path = path.replace(&format!("{{{name}}}"), &params::encode(value));
    }
    let mut url = format!("{}{path}", m.base_url);
    if let (Some(security), Some(key)) = (&api.op.security, m.credentials.primary()) {
        if let specs::SecurityKind::Query(name) = &security.kind {
            url.push_str(&format!(
                "?{}={}",
                params::encode(name),
                params::encode(&key.secret)
            ));
        }
    }
    Some(url)
}

/// The header that carries the primary credential, when it travels in one: name and value.
pub fn primary_header(m: &RunningMock) -> Option<(String, String)> {
    let security = m
        .site
        .apps
        .iter()
        .find_map(|a| a.api.op.security.as_ref())?;
    let key = m.credentials.primary()?;
    let name = security.header_name()?;
    Some((name.to_string(), security.header_value(&key.secret)))
}
