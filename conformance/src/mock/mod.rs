//! Reference mock servers of both vendor APIs: faithful, stateful, fault-injectable.
//!
//! [`start`] binds `127.0.0.1:port`, serves one vendor's paginated endpoint on the current tokio
//! runtime and returns the base URL and the seeded credentials. The mock reads every fact it can
//! from the spec (`specs` crate): the base path, the operation path, parameter names, enums,
//! page-size default, minimum and maximum, and the statuses of `x-errors` and `x-access`.
//!
//! Readings the vendor pages leave open, taken once here:
//! - A page size out of range or not an integer, and an unknown enum value, are refused with
//!   422 and the field-level `errors` map (Laravel's validation style), not clamped.
//! - Unknown query parameters are ignored and a repeated parameter takes its last value, as
//!   Laravel does. An empty free-text value (`user_id=`, `page_token=`) counts as not sent; an
//!   empty typed value (`per_page=`, `status=`) is refused like any other invalid value.
//! - Page tokens and cursors are opaque, HMAC-signed and bound to the query (filters and page
//!   size; DevPayr: key, project and page size). Anything else is refused with 422.
//! - DevPayr checks the key (401 missing, 403 unknown), then the project id (422 if not a
//!   positive integer), then existence (404, even for a scoped key), then access (403).
//! - Routing comes first: an unknown path is 404 and another method is 405, both JSON.
//! - With rate limiting on, every Nth request the server receives answers 429 with
//!   `Retry-After` and the vendor's JSON error body.
//!
//! Each [`Fault`] breaks exactly one of these behaviours. A *decoy* server on a second port
//! serves as the "other origin" of the cross-origin faults and counts what reaches it.

mod bench;
mod data;
mod devpayr;
mod errors;
mod faults;
mod peeker;
mod query;
mod server;
mod token;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context};
use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use bench::{bench_mock, BenchOptions, BenchResult};
pub use faults::Fault;
pub use specs::Vendor;

use server::{App, Data};

/// How to start a mock.
#[derive(Clone, Debug)]
pub struct MockConfig {
    /// Which API to serve.
    pub vendor: Vendor,
    /// Number of seeded domains (all projects together for DevPayr).
    pub items: usize,
    /// Answer every Nth request with 429.
    pub rate_limit_every: Option<u32>,
    /// `Retry-After` of a 429, in seconds.
    pub retry_after_secs: u64,
    /// The fault to inject, if any.
    pub fault: Option<Fault>,
    /// Seed of the data, the credentials and the token key.
    pub seed: u64,
    /// Port to bind on 127.0.0.1; 0 picks a free one.
    pub port: u16,
}

impl MockConfig {
    /// The reference behaviour: 130 items, no rate limiting, no fault, seed 0, any free port.
    pub fn new(vendor: Vendor) -> Self {
        MockConfig {
            vendor,
            items: 130,
            rate_limit_every: None,
            retry_after_secs: 1,
            fault: None,
            seed: 0,
            port: 0,
        }
    }
}

/// The seeded credentials of a running mock. Peeker fields are `None`/empty on a DevPayr mock
/// and the other way round.
#[derive(Clone, Debug, Default)]
pub struct Credentials {
    /// Peeker: the sandbox bearer key (`pk_test_…`).
    pub peeker_token: Option<String>,
    /// Peeker: emails of the seeded customers, for the `user_email` filter (the API never
    /// returns them).
    pub peeker_user_emails: Vec<String>,
    /// DevPayr: a key scoped to [`Credentials::scoped_project`].
    pub scoped_key: Option<String>,
    /// DevPayr: the one project the scoped key reads.
    pub scoped_project: Option<u64>,
    /// DevPayr: a global key of the owner of [`Credentials::global_projects`].
    pub global_key: Option<String>,
    /// DevPayr: the projects the global key reads (the first is the scoped project).
    pub global_projects: Vec<u64>,
    /// DevPayr: a project owned by someone else: 403 for both keys.
    pub forbidden_project: Option<u64>,
    /// DevPayr: a project id that does not exist: 404.
    pub missing_project: Option<u64>,
}

/// A mock serving on 127.0.0.1 until [`RunningMock::shutdown`] (or until the runtime ends).
pub struct RunningMock {
    /// Base URL of the API, the spec's server URL moved to the mock's origin, e.g.
    /// `http://127.0.0.1:PORT/api/partner/v1`.
    pub base_url: String,
    /// The seeded credentials.
    pub credentials: Credentials,
    app: Arc<App>,
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl RunningMock {
    /// Requests the mock has received (rate-limited ones included; the decoy's excluded).
    pub fn request_count(&self) -> u64 {
        self.app.requests.load(Ordering::Relaxed)
    }

    /// The vendor served.
    pub fn vendor(&self) -> Vendor {
        self.app.vendor
    }

    /// The fault injected, if any.
    pub fn fault(&self) -> Option<Fault> {
        self.app.fault
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

    /// Requests the decoy received with an `Authorization` or `X-API-KEY` header: a client
    /// leaking its credentials to another origin.
    pub fn decoy_credential_leaks(&self) -> u64 {
        self.app.decoy_credentials.load(Ordering::Relaxed)
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

/// Starts a mock on the current tokio runtime.
pub async fn start(config: MockConfig) -> anyhow::Result<RunningMock> {
    let vendor = config.vendor;
    if let Some(fault) = config.fault {
        if !fault.applies_to(vendor) {
            bail!("the fault `{fault}` does not apply to {vendor}");
        }
    }
    if config.rate_limit_every == Some(0) {
        bail!("rate limiting every 0 requests is meaningless: use 1 or more");
    }
    if u32::try_from(config.items).is_err() {
        bail!("at most {} items", u32::MAX);
    }
    let spec = vendor.spec()?;
    let op = spec
        .paginated_operation()
        .with_context(|| format!("{}: no paginated operation", spec.file))?
        .clone();
    let pagination = op
        .pagination
        .clone()
        .context("the paginated operation has no x-pagination")?;
    let size_min = op
        .parameters
        .iter()
        .find(|p| p.name == pagination.size_param)
        .and_then(|p| p.minimum())
        .and_then(|m| u64::try_from(m).ok())
        .unwrap_or(1);
    let server = spec.server_url().context("the spec has no server URL")?;
    let base_path = url::Url::parse(server)
        .with_context(|| format!("server URL `{server}`"))?
        .path()
        .trim_end_matches('/')
        .to_string();
    let (forbidden, not_found) = match &op.access {
        Some(a) => (a.forbidden[0], a.not_found[0]),
        None => (403, 404),
    };

    let listener = TcpListener::bind(("127.0.0.1", config.port))
        .await
        .with_context(|| format!("cannot bind 127.0.0.1:{}", config.port))?;
    let decoy = TcpListener::bind(("127.0.0.1", 0))
        .await
        .context("cannot bind the decoy listener")?;
    let addr: SocketAddr = listener.local_addr()?;
    let decoy_addr: SocketAddr = decoy.local_addr()?;
    let origin = format!("http://127.0.0.1:{}", addr.port());

    let (data, credentials) = match vendor {
        Vendor::Peeker => {
            let d = data::peeker(config.seed, config.items, config.fault);
            let credentials = Credentials {
                peeker_token: Some(d.token.clone()),
                peeker_user_emails: d.users.iter().map(|u| u.email.clone()).collect(),
                ..Credentials::default()
            };
            (Data::Peeker(d), credentials)
        }
        Vendor::Devpayr => {
            let d = data::devpayr(config.seed, config.items, config.fault);
            let credentials = Credentials {
                scoped_key: Some(d.scoped_key().secret.clone()),
                scoped_project: d.scoped_key().scope,
                global_key: Some(d.global_key().secret.clone()),
                global_projects: d.global_projects(),
                forbidden_project: Some(d.forbidden_project()),
                missing_project: Some(d.missing_project),
                ..Credentials::default()
            };
            (Data::Devpayr(d), credentials)
        }
    };

    let decoy_origin = format!("http://127.0.0.1:{}", decoy_addr.port());
    let (stop, stopped) = watch::channel(false);
    let app = Arc::new(App {
        vendor,
        fault: config.fault,
        rate_limit_every: config.rate_limit_every,
        retry_after_secs: config.retry_after_secs,
        seed: config.seed,
        origin: origin.clone(),
        endpoint_url: format!("{origin}{base_path}{}", op.path),
        decoy_endpoint_url: format!("{decoy_origin}{base_path}{}", op.path),
        decoy_origin,
        base_path: base_path.clone(),
        template: op
            .path
            .trim_start_matches('/')
            .split('/')
            .map(str::to_string)
            .collect(),
        size_min,
        errors: op.errors.clone(),
        forbidden,
        not_found,
        filters: op
            .filters
            .iter()
            .filter(|f| f.location == "query")
            .cloned()
            .collect(),
        signer: token::Signer::new(config.seed, vendor.name()),
        pagination,
        data,
        requests: AtomicU64::new(0),
        decoy_requests: AtomicU64::new(0),
        decoy_credentials: AtomicU64::new(0),
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
        base_url: format!("{origin}{base_path}"),
        credentials,
        app,
        stop,
        tasks,
    })
}

/// The lines `cargo xtask mock` prints: the base URL, then each credential and what it reaches.
pub fn describe(m: &RunningMock) -> String {
    let c = &m.credentials;
    let mut lines = vec![format!("base URL: {}", m.base_url)];
    match m.vendor() {
        Vendor::Peeker => {
            if let Some(token) = &c.peeker_token {
                lines.push(format!(
                    "Authorization: Bearer {token}    (sandbox key: reads every domain)"
                ));
            }
            if !c.peeker_user_emails.is_empty() {
                lines.push(format!(
                    "customer emails (for user_email): {}",
                    c.peeker_user_emails.join(", ")
                ));
            }
        }
        Vendor::Devpayr => {
            let list = |ps: &[u64]| ps.iter().map(u64::to_string).collect::<Vec<_>>().join(", ");
            if let (Some(key), Some(p)) = (&c.scoped_key, c.scoped_project) {
                lines.push(format!(
                    "X-API-KEY: {key}    (project-scoped: reads project {p} only)"
                ));
            }
            if let Some(key) = &c.global_key {
                lines.push(format!(
                    "X-API-KEY: {key}    (global: reads projects {})",
                    list(&c.global_projects)
                ));
            }
            if let Some(p) = c.forbidden_project {
                lines.push(format!(
                    "project {p}: owned by someone else (403 for both keys)"
                ));
            }
            if let Some(p) = c.missing_project {
                lines.push(format!("project {p}: does not exist (404)"));
            }
        }
    }
    if let Some(fault) = m.fault() {
        lines.push(format!("fault: {fault} ({})", fault.description()));
    }
    if let Some(every) = m.app.rate_limit_every {
        lines.push(format!(
            "rate limit: requests {every}, {}, {}, ... answer 429 (Retry-After: {})",
            2 * u64::from(every),
            3 * u64::from(every),
            m.app.retry_after_secs
        ));
    }
    lines.join("\n")
}
