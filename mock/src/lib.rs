//! A spec-driven reference mock: any spec's paginated operation, served faithfully on
//! 127.0.0.1 with data generated from the spec, and switchable into faults and reading modes.
//!
//! [`start`] reads the spec through the `specs` crate and serves `Spec::paginated_operation()`.
//! Every vendor fact comes from the spec: the server path and the path template, the security
//! scheme, parameter names, enums, the page-size default, minimum and maximum, the statuses of
//! `x-errors` and `x-access`, the pagination style and its pointers, the body templates (the
//! docs' examples) and the item schema the data is generated from. No Rust here names an API.
//!
//! Rules of the reference behaviour, the same for every spec:
//! - Routing comes first: an unknown path is 404 and another method is 405 with
//!   `Allow: GET, HEAD`, both JSON in the spec's error shape.
//! - Credentials per the operation's `security`; missing and unknown ones get the first status
//!   of `x-errors` `missing-key` and `invalid-key`.
//! - With `x-access`: the credential, then the path parameters (type, minimum), then
//!   existence and access in the order `existence-first` says, then the query.
//! - Query filters from `x-filter` combine with AND; enum values are checked; the page size
//!   is refused outside its range unless `over-max` / `under-min` say clamp. An empty free-text
//!   value counts as not sent, an empty typed value is refused; a repeated parameter takes its
//!   last value; unknown parameters are ignored.
//! - Page tokens and cursors are opaque, HMAC-signed and bound to the canonical query (filters
//!   in spec order, then the size), the credential and the path values; anything else is
//!   refused with the first `invalid-token` status.
//! - With rate limiting on, every Nth request answers 429 with `Retry-After` and the spec's
//!   error body.
//!
//! Each [`Fault`] breaks exactly one of these behaviours; each [`ReadingMode`] serves another
//! plausible reading of something the vendor page leaves open. A *decoy* server on a second
//! port serves as the "other origin" of the cross-origin faults and counts what reaches it.
#![deny(missing_docs)]

mod api;
mod auth;
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
mod token;

use std::collections::BTreeMap;
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
use server::App;

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
    /// The secret a client sends.
    pub secret: String,
    /// What it reaches.
    pub scope: Scope,
}

/// What a client needs to use the mock.
#[derive(Clone, Debug, Default)]
pub struct Credentials {
    /// Every credential, the one a conformance run should use first (`primary`).
    pub keys: Vec<Credential>,
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
    /// The seeded credentials and values.
    pub credentials: Credentials,
    app: Arc<App>,
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl RunningMock {
    /// The spec served.
    pub fn spec(&self) -> &specs::Spec {
        &self.app.api.spec
    }

    /// Requests the mock has received (rate-limited ones included; the decoy's excluded).
    pub fn request_count(&self) -> u64 {
        self.app.requests.load(Ordering::Relaxed)
    }

    /// The fault injected, if any.
    pub fn fault(&self) -> Option<Fault> {
        self.app.fault
    }

    /// The reading mode served, if any.
    pub fn reading(&self) -> Option<ReadingMode> {
        self.app.mode
    }

    /// Items created so far by the drift.
    pub fn inserted(&self) -> u64 {
        self.app.inserted.load(Ordering::Relaxed)
    }

    /// `http://127.0.0.1:PORT` of the mock.
    pub fn origin(&self) -> &str {
        &self.app.origin
    }

    /// `http://127.0.0.1:PORT` of the decoy: the "other origin" of `cross-origin-next` and
    /// `redirect-other-origin`.
    pub fn decoy_origin(&self) -> &str {
        &self.app.decoy_origin
    }

    /// Requests the decoy has received.
    pub fn decoy_request_count(&self) -> u64 {
        self.app.decoy_requests.load(Ordering::Relaxed)
    }

    /// Decoy requests that carried the spec's credential header or query parameter: a client
    /// leaking its credential to another origin.
    pub fn decoy_credential_leaks(&self) -> u64 {
        self.app.decoy_leaks.load(Ordering::Relaxed)
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
fn check(config: &MockConfig, api: &Api) -> anyhow::Result<()> {
    if let Some(fault) = config.fault {
        if let Err(why) = fault.applies_to_api(api) {
            bail!(
                "the fault `{fault}` does not apply to {}: {why}",
                config.spec.name
            );
        }
    }
    if let Some(mode) = config.reading {
        if let Err(why) = mode.applies_to_api(api) {
            bail!(
                "the reading mode `{mode}` does not apply to {}: {why}",
                config.spec.name
            );
        }
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

/// The public view of the seeded credentials and values.
fn credentials(api: &Api, data: &Data) -> Credentials {
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
        path_values: data.path_values.clone(),
        ..Credentials::default()
    };
    if let Some(access) = &api.op.access {
        if let Some(f) = data.forbidden {
            out.forbidden
                .insert(access.path_param.clone(), value_text(f));
        }
        if let Some(m) = &data.missing {
            out.missing.insert(access.path_param.clone(), m.clone());
        }
    }
    for set in &data.owners {
        for (param, identities) in &set.identities {
            out.owners.insert(param.clone(), identities.clone());
        }
    }
    if let (Some(access), Some(primary)) = (&api.op.access, out.primary()) {
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

/// Starts a mock on the current tokio runtime.
///
/// Errors (never panics): a fault or reading mode that does not apply to the spec, rate
/// limiting every 0 requests, a spec without a paginated operation, or one the generator
/// cannot serve; each says why.
pub async fn start(config: MockConfig) -> anyhow::Result<RunningMock> {
    let api = Api::new(&config.spec).map_err(|why| {
        anyhow::anyhow!(
            "{}: the mock cannot serve this spec: {why}",
            config.spec.file
        )
    })?;
    check(&config, &api)?;
    let reserve = match config.drift {
        Some(_) => DRIFT_RESERVE,
        None => 0,
    };
    let mut data = Data::generate(
        &api,
        config.seed,
        config.items,
        reserve,
        config.fault,
        config.reading,
    )
    .map_err(|why| anyhow::anyhow!("{}: {why}", config.spec.file))?;
    let items = RwLock::new(std::mem::take(&mut data.items));
    let reserve = Mutex::new(std::mem::take(&mut data.reserve).into());
    let listener = TcpListener::bind(("127.0.0.1", config.port))
        .await
        .with_context(|| format!("cannot bind 127.0.0.1:{}", config.port))?;
    let decoy = TcpListener::bind(("127.0.0.1", 0))
        .await
        .context("cannot bind the decoy listener")?;
    let origin = format!("http://127.0.0.1:{}", listener.local_addr()?.port());
    let decoy_origin = format!("http://127.0.0.1:{}", decoy.local_addr()?.port());
    let credentials = credentials(&api, &data);
    let base_url = format!("{origin}{}", api.base_path);
    let (stop, stopped) = watch::channel(false);
    let app = Arc::new(App {
        signer: token::Signer::new(config.seed, &config.spec.name),
        api,
        data,
        items,
        reserve,
        drift: config.drift,
        inserted: AtomicU64::new(0),
        fault: config.fault,
        mode: config.reading,
        rate_limit_every: config.rate_limit_every,
        retry_after_secs: config.retry_after_secs,
        latency: config.latency,
        seed: config.seed,
        origin,
        decoy_origin,
        carried: Mutex::new(Vec::new()),
        requests: AtomicU64::new(0),
        decoy_requests: AtomicU64::new(0),
        decoy_leaks: AtomicU64::new(0),
        shutdown: stopped.clone(),
    });

    let mut tasks = Vec::new();
    for (listener, router) in [
        (
            listener,
            Router::new()
                .fallback(server::handler)
                .with_state(app.clone()),
        ),
        (
            decoy,
            Router::new()
                .fallback(server::decoy_handler)
                .with_state(app.clone()),
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
        app,
        stop,
        tasks,
    })
}

/// How a credential is sent, as the line a client would send (`Authorization: Bearer …`,
/// `X-API-KEY: …`, or `?api_key=…`).
fn credential_line(security: &specs::Security, secret: &str) -> String {
    match &security.kind {
        specs::SecurityKind::Query(name) => format!("?{name}={secret}"),
        _ => format!(
            "{}: {}",
            security.header_name().unwrap_or_default(),
            security.header_value(secret)
        ),
    }
}

/// The lines `cargo xtask mock` prints: the base URL, each credential and what it reaches,
/// the path values, the forbidden and missing values, the owners, the fault, the reading mode
/// and rate limiting.
pub fn describe(m: &RunningMock) -> String {
    let c = &m.credentials;
    let api = &m.app.api;
    let mut lines = vec![format!(
        "base URL: {}    ({} {}{})",
        m.base_url, api.op.method, api.base_path, api.op.path
    )];
    if let Some(security) = &api.op.security {
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
    } else {
        lines.push("no credential needed".to_string());
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
        lines.push(format!("fault: {fault} ({})", fault.description()));
    }
    if let Some(mode) = m.reading() {
        lines.push(format!("reading mode: {mode} ({})", mode.description()));
    }
    if let Some(every) = m.app.rate_limit_every {
        lines.push(format!(
            "rate limit: requests {every}, {}, {}, ... answer 429 (Retry-After: {})",
            2 * u64::from(every),
            3 * u64::from(every),
            m.app.retry_after_secs
        ));
    }
    if let Some(drift) = m.app.drift {
        lines.push(format!(
            "drift: every {} requests, an item is created at the {} of the list",
            drift.every,
            drift.at.name()
        ));
    }
    if !m.app.latency.is_zero() {
        lines.push(format!("latency: {:?} before every answer", m.app.latency));
    }
    lines.join("\n")
}

/// The URL of the primary credential's first page: the base URL, the path template with the
/// path values, and the credential when it travels in the query.
pub fn first_page_url(m: &RunningMock) -> String {
    let api = &m.app.api;
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
    url
}

/// The header that carries the primary credential, when it travels in one: name and value.
pub fn primary_header(m: &RunningMock) -> Option<(String, String)> {
    let security = m.app.api.op.security.as_ref()?;
    let key = m.credentials.primary()?;
    let name = security.header_name()?;
    Some((name.to_string(), security.header_value(&key.secret)))
}
