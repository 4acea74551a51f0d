//! The probe client: HTTP to the target, with every guard the checks rely on.
//!
//! - Redirects are never followed: a 3xx is returned as it is and recorded as an incident, so
//!   the credential never travels to wherever `Location` points.
//! - Same-origin guard: a URL whose scheme, host or port differs from the base URL's is not
//!   requested at all; the refusal is an incident (a named violation in the report).
//! - Rate limits: a 429, and what the operation's `x-errors` says is one (a 403 whose remaining
//!   header says 0, an error in a 200 body with a `rate-limited` code). `Retry-After` is
//!   honoured up to a cap (seconds or an HTTP date), else the reset of the window
//!   `x-errors.rate-limit` names, with exponential backoff when neither is there (see
//!   [`retry_wait`]); the wait holds back *every* request of the run, not only the limited one:
//!   one rate limit slows everyone. A window that resets later than the cap ends the run, with
//!   the reset in the reason: every request before it would be refused again. Every rate limit
//!   is kept for the rate-limit check, and a request still limited after a few retries is given
//!   up.
//! - Request budget, per-request timeout (headers and whole body), total deadline, body size
//!   cap, and at most `concurrency` requests in flight. A request cut short by the run's
//!   deadline is not the server's fault: it ends the run without a timeout incident.
//! - Every exchange is recorded, with a `curl` line that prints the credential as `***`, and a
//!   server that echoes a credential of the run (in a body, a header or a `Location`; in any
//!   form it takes on the wire: the base64 of Basic credentials, a percent-encoded key) has it
//!   replaced by `***` as the response is read, so no excerpt can carry it into a report.
//!
//! The probe is async; the families run their walks and probes concurrently on it.

mod gate;
pub mod transport;

pub use gate::Turn;

use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use serde_json::Value;
use sha2::{Digest, Sha256};
use specs::{ErrorRules, OperationId, Security, SecurityKind};
use url::Url;

use crate::target::{mask_all, Options, Secret, Target, MASK};
use transport::{Transport, WireError, WireHeader, WireRequest};

pub use transport::install_crypto_provider;

/// Which credential a request carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Auth {
    /// The target's credential (none if the target has none).
    Target,
    /// The target's viewer credential, the narrower one (none if the target has none).
    Viewer,
    /// No credential at all.
    None,
    /// A deliberately wrong credential (masked like the real one).
    Other(Secret),
}

impl Auth {
    /// A label for the choice that names no secret, to match recordings by.
    fn label(&self) -> String {
        match self {
            Auth::Target => "target".into(),
            Auth::Viewer => "viewer".into(),
            Auth::None => "none".into(),
            Auth::Other(s) => {
                let digest = Sha256::digest(s.expose().as_bytes());
                let hex: String = digest.iter().take(6).map(|b| format!("{b:02x}")).collect();
                format!("other:{hex}")
            }
        }
    }
}

/// A request as sent, enough to replay it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestInfo {
    /// The URL, without any credential.
    pub url: Url,
    /// How the credential was chosen: `target`, `none` or `other:<digest>`.
    pub auth: String,
    /// Header carrying a credential, if any; its value is never stored.
    pub auth_header: Option<String>,
    /// Query parameter carrying a credential, if any.
    pub auth_query: Option<String>,
    /// How the credential header is written in the curl line, e.g. `Bearer ***`.
    auth_display: String,
    /// The operation (`operationId`) the request checks; empty for a request of no operation.
    pub operation: OperationId,
}

impl RequestInfo {
    /// A `curl` command line replaying the request, the credential printed as `***`.
    pub fn curl(&self) -> String {
        let quote = |s: &str| format!("'{}'", s.replace('\'', r"'\''"));
        let url = self.url_masked();
        match &self.auth_header {
            Some(h) => format!(
                "curl -sS -H {} {}",
                quote(&format!("{h}: {}", self.auth_display)),
                quote(url.as_str())
            ),
            None => format!("curl -sS {}", quote(url.as_str())),
        }
    }

    /// The URL as it was sent, a query credential shown as `***`.
    pub fn url_masked(&self) -> Url {
        let mut url = self.url.clone();
        if let Some(q) = &self.auth_query {
            url.query_pairs_mut().append_pair(q, MASK);
        }
        url
    }

    /// The request as a recording knows it: `target http://…`, the URL masked.
    pub fn key(&self) -> String {
        format!("{} {}", self.auth, self.url_masked())
    }

    /// The request headers as sent, the credential as `***` (for recordings).
    pub fn headers_masked(&self) -> Vec<(String, String)> {
        let mut headers = vec![
            ("accept".to_string(), "application/json".to_string()),
            (
                "user-agent".to_string(),
                concat!("conformance/", env!("CARGO_PKG_VERSION")).to_string(),
            ),
        ];
        if let Some(h) = &self.auth_header {
            headers.push((h.clone(), self.auth_display.clone()));
        }
        headers
    }
}

/// A response, its body read (up to the cap), masked and parsed.
#[derive(Debug, Clone)]
pub struct Response {
    /// The request.
    pub request: RequestInfo,
    /// HTTP status.
    pub status: u16,
    /// Every header, names in lower case, the credential masked.
    pub headers: Vec<(String, String)>,
    /// The body, the credential masked.
    pub body: Vec<u8>,
    /// The body as JSON, or why it is not JSON (with the start of the body).
    pub json: Result<Value, String>,
    /// Time from sending to the last byte.
    pub elapsed: Duration,
}

impl Response {
    /// The body as JSON, if it is.
    pub fn body(&self) -> Option<&Value> {
        self.json.as_ref().ok()
    }

    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Every value of header `name` (case-insensitive), joined by `, ` as HTTP allows for
    /// list headers such as `Link`; `None` when it was not sent.
    pub fn header_values(&self, name: &str) -> Option<String> {
        let values: Vec<&str> = self
            .headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect();
        (!values.is_empty()).then(|| values.join(", "))
    }

    /// `Content-Type`, if sent.
    pub fn content_type(&self) -> Option<&str> {
        self.header("content-type")
    }
}

/// Why a request produced no response.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProbeError {
    /// The run's request budget is used up.
    #[error("request budget exhausted ({used}/{allowed} requests)")]
    Budget {
        /// Requests sent.
        used: u64,
        /// Requests allowed.
        allowed: u64,
    },
    /// The run's deadline passed.
    #[error("the run's deadline ({0:?}) passed")]
    Deadline(Duration),
    /// The URL is not on the base URL's origin; nothing was sent.
    #[error("refused to send a request to another origin: {0}")]
    CrossOrigin(String),
    /// No complete response in time.
    #[error("no complete response within {0:?}")]
    Timeout(Duration),
    /// The body is larger than the cap.
    #[error("body larger than {0} bytes; stopped reading")]
    BodyTooLarge(usize),
    /// Still 429 after the allowed retries.
    #[error("still rate limited (429) after {0} retries")]
    RateLimited(u32),
    /// Rate limited until a window resets later than the run waits for one.
    #[error(
        "rate limited until the window resets in {} s ({header}), longer than the {} s a run \
         waits for a rate limit; run again after the reset",
        wait.as_secs(),
        cap.as_secs_f64()
    )]
    RateLimitWindow {
        /// The header that says when the window resets.
        header: String,
        /// How long until it does.
        wait: Duration,
        /// The longest wait of the run.
        cap: Duration,
    },
    /// Connection or protocol failure.
    #[error("transport error: {0}")]
    Transport(String),
    /// No connection could be made.
    #[error("cannot connect: {0}")]
    Unreachable(String),
    /// Too many requests in a row met a transport problem; the probe sends no more.
    #[error("{0} requests in a row met a transport problem (timeout, oversized body, 429 storm, connection error); no further request is sent")]
    Unusable(u32),
    /// A recording has no answer to this request (replay only).
    #[error("the recording has no answer to this request")]
    NotRecorded,
}

impl ProbeError {
    /// Whether the error ends the whole run (no further request can be sent).
    pub fn ends_run(&self) -> bool {
        matches!(
            self,
            ProbeError::Budget { .. }
                | ProbeError::Deadline(_)
                | ProbeError::Unusable(_)
                | ProbeError::RateLimitWindow { .. }
        )
    }
}

/// What went wrong on the wire, whichever check was running: each kind is a named check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum IncidentKind {
    /// A URL to follow was on another origin.
    CrossOrigin,
    /// The server answered with a redirect.
    Redirect,
    /// A request timed out.
    Timeout,
    /// A body was larger than the cap.
    BodyTooLarge,
    /// A request stayed rate limited.
    RateLimitStorm,
    /// Connection or protocol failure.
    Transport,
}

/// One transport-level problem, with the request that met it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Incident {
    /// What happened.
    pub kind: IncidentKind,
    /// In words.
    pub message: String,
    /// The request, as a curl line with the credential masked.
    pub curl: String,
    /// The operation the request was for (`operationId`).
    pub operation: OperationId,
}

/// What became of one request sent (or refused) by the probe.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// A response (429s included).
    Response(Arc<Response>),
    /// No response: timeout, oversized body, connection error.
    Failed(ProbeError),
    /// Not sent: another origin.
    NotSent(String),
}

/// Where each exchange goes as soon as it is done: a recording written as the run goes (the
/// probe keeps no body once its exchange is recorded and judged).
pub trait Recorder: Send + Sync {
    /// Records one exchange; `seq` order is the order of the calls.
    fn record(&self, exchange: &Exchange);
}

/// What the probe keeps of an exchange after it is done: no headers, no body.
#[derive(Debug, Clone)]
pub struct Logged {
    /// Order in which the probe sent it.
    pub seq: u64,
    /// The request.
    pub request: RequestInfo,
    /// The status of the response, if there was one.
    pub status: Option<u16>,
    /// Why there was no response, if there was none (`None` with no status: not sent).
    pub error: Option<ProbeError>,
}

/// One exchange, for recordings: every attempt, rate-limited, refused and failed ones too.
#[derive(Debug, Clone)]
pub struct Exchange {
    /// Order in which the probe sent it.
    pub seq: u64,
    /// The request.
    pub request: RequestInfo,
    /// When it was sent.
    pub started: SystemTime,
    /// How long it took.
    pub elapsed: Duration,
    /// What came of it.
    pub outcome: Outcome,
    /// Whether the response refused the request for the rate limit, as its operation's
    /// `x-errors` says (a 429, a 403 with no request left, a code in a 200 body).
    pub rate_limited: bool,
}

/// Requests in a row that may end in a transport problem before the probe gives up.
pub const FAILURES_IN_A_ROW: u32 = 3;

/// The probe client of one run against one target.
pub struct Probe {
    transport: Arc<dyn Transport>,
    credential: Option<Secret>,
    viewer: Option<Secret>,
    /// Every form of the target's credentials, longest first, masked in whatever a response
    /// or a transport error says.
    masks: Vec<String>,
    security: Option<Security>,
    /// Each operation's `x-errors`, which says what a rate limit looks like.
    errors: std::collections::BTreeMap<OperationId, ErrorRules>,
    /// The conventions, for requests of no operation.
    no_errors: ErrorRules,
    base: Url,
    options: Options,
    started: Instant,
    used: AtomicU64,
    /// Requests sent, by operation.
    used_by: Mutex<std::collections::BTreeMap<OperationId, u64>>,
    rate_limited: AtomicU64,
    exhausted: AtomicBool,
    failures_in_a_row: AtomicU32,
    /// The in-flight limit, served by turn ([`Turn`]).
    in_flight: gate::Gate,
    /// Requests wait until this instant (a 429's `Retry-After` holds everyone back).
    paused_until: Mutex<Option<Instant>>,
    /// Set once a rate-limit window resets later than the run waits: every later request
    /// fails with it, unsent (the server said when to come back).
    closed: Mutex<Option<ProbeError>>,
    /// First attempts share this lane; a retry after a 429 takes it alone, once the requests
    /// in flight are done and before any new one starts, so that a server limiting every Nth
    /// request cannot keep hitting the same request while the others fill the gaps.
    lane: tokio::sync::RwLock<()>,
    /// Most requests in flight at once, and the sum of request durations, for benchmarks.
    busy: Mutex<(u64, Duration)>,
    /// Every exchange, without its body.
    sent: Mutex<Vec<Logged>>,
    /// Responses (429s included) not yet judged, by operation: the families judge them as
    /// they go ([`Probe::take_unjudged`]), so that no body outlives its judgement.
    unjudged: Mutex<std::collections::BTreeMap<OperationId, Vec<Arc<Response>>>>,
    /// 429 responses by operation.
    limited_by: Mutex<std::collections::BTreeMap<OperationId, u64>>,
    /// Where exchanges are recorded as they happen, if anywhere.
    recorder: Option<Arc<dyn Recorder>>,
    /// Spaces requests to `--rate-limit`.
    pacer: Option<client_runtime::Pacer>,
    incidents: Mutex<Vec<Incident>>,
}

impl std::fmt::Debug for Probe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Probe")
            .field("base", &self.base.as_str())
            .field("credential", &self.credential)
            .finish_non_exhaustive()
    }
}

impl Probe {
    /// A probe for `target` that sends through `transport`.
    pub fn new(target: &Target, options: &Options, transport: Arc<dyn Transport>) -> Probe {
        Probe::recording(target, options, transport, None)
    }

    /// A probe that also hands every exchange to `recorder` as soon as it is done.
    pub fn recording(
        target: &Target,
        options: &Options,
        transport: Arc<dyn Transport>,
        recorder: Option<Arc<dyn Recorder>>,
    ) -> Probe {
        Probe {
            transport,
            credential: target.credential.clone(),
            viewer: target.viewer.clone(),
            masks: target.masked_forms(),
            security: target.spec.security().cloned(),
            errors: target
                .spec
                .operations
                .iter()
                .map(|op| (op.operation_id.clone(), op.errors.clone()))
                .collect(),
            no_errors: ErrorRules::default(),
            base: target.base_url.clone(),
            options: options.clone(),
            started: Instant::now(),
            used: AtomicU64::new(0),
            used_by: Mutex::new(std::collections::BTreeMap::new()),
            rate_limited: AtomicU64::new(0),
            exhausted: AtomicBool::new(false),
            failures_in_a_row: AtomicU32::new(0),
            in_flight: gate::Gate::new(options.concurrency.max(1)),
            paused_until: Mutex::new(None),
            closed: Mutex::new(None),
            lane: tokio::sync::RwLock::new(()),
            busy: Mutex::new((0, Duration::ZERO)),
            sent: Mutex::new(Vec::new()),
            unjudged: Mutex::new(std::collections::BTreeMap::new()),
            limited_by: Mutex::new(std::collections::BTreeMap::new()),
            recorder,
            pacer: options
                .rate_limit
                .map(|limit| client_runtime::Pacer::new(limit, 1)),
            incidents: Mutex::new(Vec::new()),
        }
    }

    /// The base URL of the target.
    pub fn base(&self) -> &Url {
        &self.base
    }

    /// Requests sent so far (429 retries included).
    pub fn requests_used(&self) -> u64 {
        self.used.load(Ordering::SeqCst)
    }

    /// Requests sent so far for the operation `operation` (429 retries included).
    pub fn requests_for(&self, operation: &OperationId) -> u64 {
        lock(&self.used_by).get(operation).copied().unwrap_or(0)
    }

    /// Rate-limited responses so far (429, and what `x-errors` says is a rate limit).
    pub fn rate_limited(&self) -> u64 {
        self.rate_limited.load(Ordering::SeqCst)
    }

    /// Whether the budget ran out.
    pub fn budget_exhausted(&self) -> bool {
        self.exhausted.load(Ordering::SeqCst)
    }

    /// The sum of the time every request took, for the mean number in flight.
    pub fn busy_time(&self) -> Duration {
        lock(&self.busy).1
    }

    /// The responses of `operation` (429s included) received since the last call: each is
    /// handed out once, to be judged, and the probe keeps no other reference to its body.
    pub fn take_unjudged(&self, operation: &OperationId) -> Vec<Arc<Response>> {
        lock(&self.unjudged).remove(operation).unwrap_or_default()
    }

    /// Rate-limited responses of `operation` so far.
    pub fn rate_limited_for(&self, operation: &OperationId) -> u64 {
        lock(&self.limited_by).get(operation).copied().unwrap_or(0)
    }

    /// Every transport incident so far, in an order that does not depend on scheduling.
    pub fn incidents(&self) -> Vec<Incident> {
        let mut incidents = lock(&self.incidents).clone();
        incidents.sort();
        incidents
    }

    /// Every exchange so far, in the order sent, without bodies.
    pub fn sent(&self) -> Vec<Logged> {
        lock(&self.sent).clone()
    }

    /// Describes a request without sending it.
    pub fn describe(&self, url: &Url, auth: &Auth, operation: &OperationId) -> RequestInfo {
        let key_present = match auth {
            Auth::Target => self.credential.is_some(),
            Auth::Viewer => self.viewer.is_some(),
            Auth::None => false,
            Auth::Other(_) => true,
        };
        let (auth_header, auth_query) = match (&self.security, key_present) {
            (Some(s), true) => match &s.kind {
                SecurityKind::Query(q) => (None, Some(q.clone())),
                _ => (s.header_name().map(str::to_string), None),
            },
            _ => (None, None),
        };
        let auth_display = self
            .security
            .as_ref()
            .map(|s| s.masked_header_value(MASK))
            .unwrap_or_default();
        RequestInfo {
            url: url.clone(),
            auth: auth.label(),
            auth_header,
            auth_query,
            auth_display,
            operation: operation.clone(),
        }
    }

    /// The `x-errors` of `operation` (the conventions for a request of no operation).
    fn errors_of(&self, operation: &OperationId) -> &ErrorRules {
        self.errors.get(operation).unwrap_or(&self.no_errors)
    }

    /// Whether `response` refuses its request for the rate limit, as its operation's
    /// `x-errors` says.
    fn is_rate_limited(&self, response: &Response) -> bool {
        self.errors_of(&response.request.operation).rate_limits(
            response.status,
            |n| response.header(n),
            response.body(),
        )
    }

    fn incident(&self, kind: IncidentKind, message: String, request: &RequestInfo) {
        lock(&self.incidents).push(Incident {
            kind,
            message,
            curl: request.curl(),
            operation: request.operation.clone(),
        });
    }

    fn record(
        &self,
        request: &RequestInfo,
        started: SystemTime,
        elapsed: Duration,
        outcome: Outcome,
    ) {
        // One lock for the log and the recorder, so that a recording holds the exchanges in
        // the order of their `seq`.
        let mut log = lock(&self.sent);
        let seq = log.len() as u64 + 1;
        let (status, error) = match &outcome {
            Outcome::Response(r) => (Some(r.status), None),
            Outcome::Failed(e) => (None, Some(e.clone())),
            Outcome::NotSent(_) => (None, None),
        };
        log.push(Logged {
            seq,
            request: request.clone(),
            status,
            error,
        });
        let rate_limited = matches!(&outcome, Outcome::Response(r) if self.is_rate_limited(r));
        if let Outcome::Response(r) = &outcome {
            if rate_limited {
                *lock(&self.limited_by)
                    .entry(request.operation.clone())
                    .or_default() += 1;
            }
            lock(&self.unjudged)
                .entry(request.operation.clone())
                .or_default()
                .push(r.clone());
        }
        if let Some(recorder) = &self.recorder {
            recorder.record(&Exchange {
                seq,
                request: request.clone(),
                started,
                elapsed,
                outcome,
                rate_limited,
            });
        }
    }

    /// Sends `GET url`, retrying a rate limit (429, or what `x-errors` says is one).
    ///
    /// After [`FAILURES_IN_A_ROW`] requests in a row end in a transport problem, every later
    /// request fails at once with [`ProbeError::Unusable`]: a server that times out or streams
    /// endless bodies would otherwise make the run last (requests × timeout).
    pub async fn get(&self, url: &Url, auth: &Auth) -> Result<Arc<Response>, ProbeError> {
        self.get_for(url, auth, &OperationId::default()).await
    }

    /// [`Probe::get`] for the operation `operation` (its requests are counted apart).
    pub async fn get_for(
        &self,
        url: &Url,
        auth: &Auth,
        operation: &OperationId,
    ) -> Result<Arc<Response>, ProbeError> {
        self.get_in_turn(url, auth, self.turn(), operation).await
    }

    /// A new [`Turn`]: a walk takes one for all its pages, so that a free place in flight
    /// goes to its next page before the requests that arrived after it started.
    pub fn turn(&self) -> Turn {
        self.in_flight.turn()
    }

    /// [`Probe::get_for`] in `turn`.
    pub async fn get_in_turn(
        &self,
        url: &Url,
        auth: &Auth,
        turn: Turn,
        operation: &OperationId,
    ) -> Result<Arc<Response>, ProbeError> {
        let failures = self.failures_in_a_row.load(Ordering::SeqCst);
        if failures >= FAILURES_IN_A_ROW {
            return Err(ProbeError::Unusable(failures));
        }
        if let Some(closed) = lock(&self.closed).clone() {
            return Err(closed);
        }
        let result = self.get_retrying(url, auth, turn, operation).await;
        match &result {
            Ok(_) => self.failures_in_a_row.store(0, Ordering::SeqCst),
            Err(
                ProbeError::Timeout(_)
                | ProbeError::BodyTooLarge(_)
                | ProbeError::RateLimited(_)
                | ProbeError::Transport(_)
                | ProbeError::Unreachable(_),
            ) => {
                self.failures_in_a_row.fetch_add(1, Ordering::SeqCst);
            }
            Err(_) => {}
        }
        result
    }

    async fn get_retrying(
        &self,
        url: &Url,
        auth: &Auth,
        turn: Turn,
        operation: &OperationId,
    ) -> Result<Arc<Response>, ProbeError> {
        let info = self.describe(url, auth, operation);
        if !same_origin(&self.base, url) {
            let message = format!(
                "{url} is not on the origin of the base URL ({}); the request was not sent",
                self.base.origin().ascii_serialization()
            );
            self.incident(IncidentKind::CrossOrigin, message.clone(), &info);
            self.record(
                &info,
                SystemTime::now(),
                Duration::ZERO,
                Outcome::NotSent(message),
            );
            return Err(ProbeError::CrossOrigin(url.to_string()));
        }
        let key = match auth {
            Auth::Target => self.credential.as_ref(),
            Auth::Viewer => self.viewer.as_ref(),
            Auth::None => None,
            Auth::Other(s) => Some(s),
        };
        let mut attempt: u32 = 0;
        // Once rate limited, the request keeps the lane to itself until it is served or
        // given up, so that its retries follow each other on the server.
        let mut alone = None;
        let result = loop {
            if let Err(e) = self.wait_for_pause().await {
                break Err(e);
            }
            let sent = if attempt == 0 {
                let _shared = self.lane.read().await;
                self.send_once(url, key, &info, turn).await
            } else {
                if alone.is_none() {
                    alone = Some(self.lane.write().await);
                }
                self.send_once(url, key, &info, turn).await
            };
            let response = match sent {
                Ok(r) => r,
                Err(e) => break Err(e),
            };
            if !self.is_rate_limited(&response) {
                if (300..400).contains(&response.status) {
                    self.incident(
                        IncidentKind::Redirect,
                        format!(
                            "status {} redirecting to {}; not followed (the credential stays with the base URL's origin)",
                            response.status,
                            response.header("location").unwrap_or("(no Location)")
                        ),
                        &info,
                    );
                }
                break Ok(response);
            }
            self.rate_limited.fetch_add(1, Ordering::SeqCst);
            if attempt >= self.options.max_retries {
                self.incident(
                    IncidentKind::RateLimitStorm,
                    format!(
                        "still rate limited ({}) after {attempt} retries that honoured Retry-After or the window's reset (capped at {:?})",
                        response.status,
                        self.options.retry_after_cap
                    ),
                    &info,
                );
                break Err(ProbeError::RateLimited(attempt));
            }
            let wait = match self.limit_wait(&response, attempt) {
                Ok(wait) => wait,
                Err(e) => {
                    lock(&self.closed).get_or_insert_with(|| e.clone());
                    break Err(e);
                }
            };
            let left = self.options.deadline.saturating_sub(self.started.elapsed());
            if wait >= left {
                break Err(ProbeError::Deadline(self.options.deadline));
            }
            self.pause_everyone(wait);
            attempt += 1;
        };
        drop(alone);
        result
    }

    /// How long to wait before sending a rate-limited request again: as `Retry-After` says,
    /// else until the window resets (`x-errors.rate-limit`, on the answer's clock), else the
    /// back-off ([`retry_wait`]). A window that resets later than the cap is an error that
    /// ends the run (unless the run is a replay, which waits for nothing).
    fn limit_wait(&self, response: &Response, attempt: u32) -> Result<Duration, ProbeError> {
        let now = SystemTime::now();
        let cap = self.options.retry_after_cap;
        let asked = response.header("retry-after");
        let usable = asked.and_then(|v| client_runtime::retry_after_value(v, now));
        let limits = self
            .errors_of(&response.request.operation)
            .rate_limit
            .as_ref();
        let reset = limits.and_then(|l| Some((l, l.reset_wait(|n| response.header(n), now)?)));
        match (usable, reset) {
            (None, Some((limits, wait))) if !wait.is_zero() => {
                if wait > cap && !self.options.replayed {
                    let header = limits.reset.as_ref().map(|r| r.header.clone());
                    return Err(ProbeError::RateLimitWindow {
                        header: header.unwrap_or_default(),
                        wait,
                        cap,
                    });
                }
                Ok(wait.min(cap))
            }
            _ => Ok(retry_wait(asked, attempt, cap, now)),
        }
    }

    /// Holds back every request of the run for `wait`.
    fn pause_everyone(&self, wait: Duration) {
        let until = Instant::now() + wait;
        let mut paused = lock(&self.paused_until);
        if paused.is_none_or(|p| p < until) {
            *paused = Some(until);
        }
    }

    async fn wait_for_pause(&self) -> Result<(), ProbeError> {
        loop {
            let until = *lock(&self.paused_until);
            match until {
                Some(until) if until > Instant::now() => {
                    if self.started.elapsed() + (until - Instant::now()) >= self.options.deadline {
                        return Err(ProbeError::Deadline(self.options.deadline));
                    }
                    tokio::time::sleep_until(until.into()).await;
                }
                _ => return Ok(()),
            }
        }
    }

    /// One attempt: budget, deadline, the in-flight limit, the timeout, then the transport.
    async fn send_once(
        &self,
        url: &Url,
        key: Option<&Secret>,
        info: &RequestInfo,
        turn: Turn,
    ) -> Result<Arc<Response>, ProbeError> {
        // The checks come after the wait for a place in flight: a request that waited there
        // while others failed must not be sent to a server already given up on.
        let _place = self.in_flight.enter(turn).await;
        let failures = self.failures_in_a_row.load(Ordering::SeqCst);
        if failures >= FAILURES_IN_A_ROW {
            return Err(ProbeError::Unusable(failures));
        }
        // Nor to a server that said, while this request waited, when to come back.
        if let Some(closed) = lock(&self.closed).clone() {
            return Err(closed);
        }
        if let Some(pacer) = &self.pacer {
            let at = pacer.book();
            let deadline = tokio::time::Instant::from_std(self.started + self.options.deadline);
            if at >= deadline {
                return Err(ProbeError::Deadline(self.options.deadline));
            }
            tokio::time::sleep_until(at).await;
        }
        let elapsed = self.started.elapsed();
        if elapsed >= self.options.deadline {
            return Err(ProbeError::Deadline(self.options.deadline));
        }
        let used = self.used.fetch_add(1, Ordering::SeqCst);
        if used >= self.options.max_requests {
            self.used.fetch_sub(1, Ordering::SeqCst);
            self.exhausted.store(true, Ordering::SeqCst);
            return Err(ProbeError::Budget {
                used,
                allowed: self.options.max_requests,
            });
        }
        *lock(&self.used_by)
            .entry(info.operation.clone())
            .or_default() += 1;
        let limit = self
            .options
            .request_timeout
            .min(self.options.deadline - elapsed);
        let request = self.wire_request(url, key, info)?;
        let started_at = SystemTime::now();
        let started = Instant::now();
        let sent = tokio::time::timeout(limit, self.transport.send(request)).await;
        let took = started.elapsed();
        {
            let mut busy = lock(&self.busy);
            busy.0 += 1;
            busy.1 += took;
        }
        let wire = match sent {
            // Cut short by the run's deadline, not by the per-request timeout: the server is
            // not to blame, the run is over.
            Err(_) if limit < self.options.request_timeout => {
                self.record(
                    info,
                    started_at,
                    took,
                    Outcome::Failed(ProbeError::Deadline(self.options.deadline)),
                );
                return Err(ProbeError::Deadline(self.options.deadline));
            }
            Err(_) => Err(WireError::Timeout(limit)),
            Ok(result) => result,
        };
        let wire = match wire {
            Ok(w) => w,
            Err(e) => {
                let (kind, error) = match e {
                    WireError::Timeout(d) => (Some(IncidentKind::Timeout), ProbeError::Timeout(d)),
                    WireError::BodyTooLarge(cap) => (
                        Some(IncidentKind::BodyTooLarge),
                        ProbeError::BodyTooLarge(cap),
                    ),
                    WireError::Transport(m) => {
                        (Some(IncidentKind::Transport), ProbeError::Transport(m))
                    }
                    WireError::Unreachable(m) => {
                        (Some(IncidentKind::Transport), ProbeError::Unreachable(m))
                    }
                    WireError::NotRecorded => (None, ProbeError::NotRecorded),
                };
                let masks = self.masks_for(key);
                let error = match &error {
                    ProbeError::Transport(m) => ProbeError::Transport(mask_all(m, &masks)),
                    ProbeError::Unreachable(m) => ProbeError::Unreachable(mask_all(m, &masks)),
                    _ => error,
                };
                if let Some(kind) = kind {
                    let message = match &error {
                        ProbeError::Timeout(d) => format!("no complete response within {d:?}"),
                        other => other.to_string(),
                    };
                    self.incident(kind, message, info);
                }
                self.record(info, started_at, took, Outcome::Failed(error.clone()));
                return Err(error);
            }
        };
        let response = Arc::new(self.read(wire, key, info, took));
        self.record(info, started_at, took, Outcome::Response(response.clone()));
        Ok(response)
    }

    fn wire_request(
        &self,
        url: &Url,
        key: Option<&Secret>,
        info: &RequestInfo,
    ) -> Result<WireRequest, ProbeError> {
        let mut request_url = url.clone();
        let mut headers = vec![WireHeader {
            name: "accept".into(),
            value: "application/json".into(),
            sensitive: false,
        }];
        if let (Some(security), Some(key)) = (&self.security, key) {
            match &security.kind {
                SecurityKind::Query(q) => {
                    request_url.query_pairs_mut().append_pair(q, key.expose());
                }
                _ => {
                    let name = security
                        .header_name()
                        .unwrap_or("authorization")
                        .to_string();
                    let value = security.header_value(key.expose());
                    if reqwest::header::HeaderValue::from_str(&value).is_err() {
                        return Err(ProbeError::Transport(
                            "the credential is not a valid header value".into(),
                        ));
                    }
                    headers.push(WireHeader {
                        name,
                        value,
                        sensitive: true,
                    });
                }
            }
        }
        Ok(WireRequest {
            url: request_url,
            headers,
            body_cap: self.options.body_cap,
            auth: info.auth.clone(),
            key: info.key(),
        })
    }

    /// Every form of the run's credentials and of `key` (a made-up one), longest first.
    fn masks_for(&self, key: Option<&Secret>) -> Vec<String> {
        let mut masks = self.masks.clone();
        if let Some(k) = key {
            masks.extend(k.masked_forms());
            masks.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
            masks.dedup();
        }
        masks
    }

    /// A wire response as the checks see it: the credentials masked, the body parsed.
    fn read(
        &self,
        wire: transport::WireResponse,
        key: Option<&Secret>,
        info: &RequestInfo,
        took: Duration,
    ) -> Response {
        let masks = self.masks_for(key);
        // A server that echoes a credential must not get it into any report: replace it
        // before the body is parsed or excerpted (an excerpt could cut it in two).
        let body = masks
            .iter()
            .fold(wire.body, |body, form| redact_bytes(body, form.as_bytes()));
        let headers = wire
            .headers
            .into_iter()
            .map(|(n, v)| (n, mask_all(&v, &masks)))
            .collect();
        let json = serde_json::from_slice::<Value>(&body).map_err(|e| {
            let text = String::from_utf8_lossy(&body[..body.len().min(120)]).into_owned();
            format!("not JSON ({e}); the body starts with {text:?}")
        });
        Response {
            request: info.clone(),
            status: wire.status,
            headers,
            body,
            json,
            elapsed: took,
        }
    }
}

/// Whether `url` may be requested with the credential of `base`: same scheme, host and port.
///
/// `localhost` and `127.0.0.1` are different hosts, `http` and `https` different schemes; an
/// explicit default port (`http://h:80`) is the same origin as none. URLs without a tuple
/// origin (`file:`, `data:`) are never the same origin as anything.
pub fn same_origin(base: &Url, url: &Url) -> bool {
    let (a, b) = (base.origin(), url.origin());
    a.is_tuple() && a == b
}

/// First wait after a 429 without a usable `Retry-After`; doubled on each further retry.
pub const BACKOFF_START: Duration = Duration::from_millis(100);

/// How long to wait before retrying a request answered 429.
///
/// `Retry-After` in seconds (`0`, `7`) or as an HTTP date (RFC 9110, compared with `now`) is
/// honoured; when it is absent or unusable, the wait is [`BACKOFF_START`] doubled per earlier
/// retry (`attempt` counts them from 0): 100 ms, 200 ms, 400 ms, … Never longer than `cap`.
pub fn retry_wait(
    retry_after: Option<&str>,
    attempt: u32,
    cap: Duration,
    now: SystemTime,
) -> Duration {
    let given = retry_after.and_then(|s| client_runtime::retry_after_value(s, now));
    let wait = given.unwrap_or_else(|| BACKOFF_START.saturating_mul(1u32 << attempt.min(20)));
    wait.min(cap)
}

fn redact_bytes(body: Vec<u8>, secret: &[u8]) -> Vec<u8> {
    if secret.is_empty() || !body.windows(secret.len()).any(|w| w == secret) {
        return body;
    }
    let mut out = Vec::with_capacity(body.len());
    let mut i = 0;
    while i < body.len() {
        if body[i..].starts_with(secret) {
            out.extend_from_slice(MASK.as_bytes());
            i += secret.len();
        } else {
            out.push(body[i]);
            i += 1;
        }
    }
    out
}

/// The value behind `m`, also after a panic elsewhere poisoned it: the state stays usable.
pub(crate) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_exact_origin_of_the_base_url_is_the_same_origin() {
        let base = Url::parse("http://127.0.0.1:8080/api/v1").unwrap();
        let same = [
            "http://127.0.0.1:8080/api/v1/items?page_token=x",
            "http://127.0.0.1:8080/elsewhere",
            "HTTP://127.0.0.1:8080/x",
            "http://user:pw@127.0.0.1:8080/x",
        ];
        let other = [
            "http://127.0.0.1:8081/api/v1/items",  // port
            "http://127.0.0.1/api/v1/items",       // port (default 80)
            "http://localhost:8080/api/v1/items",  // host: same machine, other name
            "http://127.0.0.2:8080/api/v1/items",  // host
            "http://[::1]:8080/api/v1/items",      // host
            "http://[::ffff:127.0.0.1]:8080/x",    // host, however equivalent
            "https://127.0.0.1:8080/api/v1/items", // scheme
            "ws://127.0.0.1:8080/x",               // scheme
            "file:///etc/passwd",                  // no origin at all
            "data:text/plain,x",
        ];
        for u in same {
            assert!(same_origin(&base, &Url::parse(u).unwrap()), "{u}");
        }
        for u in other {
            assert!(!same_origin(&base, &Url::parse(u).unwrap()), "{u}");
        }
        // A protocol-relative next link resolves to another host.
        let joined = base.join("//localhost:8080/api/v1/items").unwrap();
        assert!(!same_origin(&base, &joined));
        let https = Url::parse("https://api.example.com/v1").unwrap();
        assert!(same_origin(
            &https,
            &Url::parse("https://api.example.com:443/x").unwrap()
        ));
        assert!(!same_origin(
            &https,
            &Url::parse("http://api.example.com/x").unwrap()
        ));
        assert!(!same_origin(
            &https,
            &Url::parse("https://api.example.com.evil.example/x").unwrap()
        ));
        assert!(!same_origin(
            &https,
            &Url::parse("https://sandbox.api.example.com/x").unwrap()
        ));
    }

    #[test]
    fn retry_after_is_honoured_up_to_the_cap() {
        let cap = Duration::from_secs(5);
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_445_412_480);
        assert_eq!(retry_wait(Some("0"), 0, cap, now), Duration::ZERO);
        assert_eq!(retry_wait(Some("2"), 3, cap, now), Duration::from_secs(2));
        assert_eq!(retry_wait(Some(" 3 "), 0, cap, now), Duration::from_secs(3));
        assert_eq!(retry_wait(Some("3600"), 0, cap, now), cap);
        assert_eq!(retry_wait(Some("18446744073709551615"), 0, cap, now), cap);
        // An HTTP date: 2015-10-21 07:28:00 GMT is 2 s after `now`; a date past is no wait.
        assert_eq!(
            retry_wait(Some("Wed, 21 Oct 2015 07:28:02 GMT"), 0, cap, now),
            Duration::from_secs(2)
        );
        assert_eq!(
            retry_wait(Some("Wed, 21 Oct 2015 07:00:00 GMT"), 0, cap, now),
            Duration::ZERO
        );
    }

    #[test]
    fn without_retry_after_the_backoff_doubles_up_to_the_cap() {
        let cap = Duration::from_secs(5);
        let now = SystemTime::now();
        let schedule: Vec<u128> = (0..8)
            .map(|a| retry_wait(None, a, cap, now).as_millis())
            .collect();
        assert_eq!(schedule, [100, 200, 400, 800, 1600, 3200, 5000, 5000]);
        for bad in ["-1", "1.5", "", "soon"] {
            assert_eq!(
                retry_wait(Some(bad), 2, cap, now),
                Duration::from_millis(400),
                "{bad:?}"
            );
        }
        assert_eq!(retry_wait(None, u32::MAX, cap, now), cap);
        assert_eq!(
            retry_wait(None, 3, Duration::from_millis(50), now),
            Duration::from_millis(50)
        );
    }

    #[test]
    fn an_echoed_credential_is_replaced() {
        let body = br#"{"message":"bad key pk_test_abc in pk_test_abc"}"#.to_vec();
        assert_eq!(
            redact_bytes(body, b"pk_test_abc"),
            br#"{"message":"bad key *** in ***"}"#.to_vec()
        );
        assert_eq!(
            redact_bytes(b"nothing".to_vec(), b"pk_test_abc"),
            b"nothing"
        );
        assert_eq!(
            crate::target::mask("http://x/?k=abc", "abc"),
            "http://x/?k=***"
        );
    }

    #[test]
    fn curl_masks_the_credential() {
        let info = RequestInfo {
            url: Url::parse("http://h/x?a=1").unwrap(),
            auth: "target".into(),
            auth_header: Some("Authorization".into()),
            auth_query: None,
            auth_display: "Bearer ***".into(),
            operation: OperationId::default(),
        };
        assert_eq!(
            info.curl(),
            "curl -sS -H 'Authorization: Bearer ***' 'http://h/x?a=1'"
        );
        let info = RequestInfo {
            auth_header: None,
            auth_query: Some("api_key".into()),
            ..info
        };
        assert_eq!(info.curl(), "curl -sS 'http://h/x?a=1&api_key=***'");
    }
}
