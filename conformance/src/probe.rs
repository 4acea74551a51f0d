//! The probe client: raw HTTP to the target, with every guard the checks rely on.
//!
//! - Redirects are never followed: a 3xx is returned as it is and recorded as an incident, so
//!   the credential never travels to wherever `Location` points.
//! - Same-origin guard: a URL whose scheme, host or port differs from the base URL's is not
//!   requested at all; the refusal is an incident (a named violation in the report).
//! - 429: `Retry-After` is honoured up to a cap, with exponential backoff when it is absent
//!   (see [`retry_wait`]); every 429 is counted and kept for the 429-shape check, and a request
//!   still limited after a few retries is given up (an incident).
//! - Request budget, per-request timeout (headers and whole body), total deadline, body size
//!   cap (the body is read in chunks and reading stops at the cap), concurrency limit. A
//!   request cut short by the run's deadline is not the server's fault: it ends the run
//!   ([`ProbeError::Deadline`]) without a timeout incident.
//! - Every exchange is recorded with a `curl` line that prints the credential as `***`, and a
//!   server that echoes the credential (in a body or a `Location`) has it replaced by `***`
//!   as the response is read, so no excerpt of a body can carry it into a report.
//!
//! The checks are synchronous (proptest drives them), so the probe offers a blocking
//! [`Probe::get`] that runs the request on the tokio runtime the probe was made on. Checks run
//! on a `spawn_blocking` thread; see [`crate::run`].

use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;
use specs::Spec;
use tokio::runtime::Handle;
use tokio::sync::Semaphore;
use url::Url;

use crate::target::{Options, Secret, Target};

/// How the spec says the credential is sent (`components/securitySchemes`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthScheme {
    /// `Authorization: Bearer <key>` (`type: http, scheme: bearer`).
    Bearer,
    /// A named header (`type: apiKey, in: header`).
    Header(String),
    /// A named query parameter (`type: apiKey, in: query`).
    Query(String),
}

impl AuthScheme {
    /// The scheme of the spec's first top-level security requirement.
    pub fn from_spec(spec: &Spec) -> Option<AuthScheme> {
        let requirement = spec.raw.pointer("/security/0")?.as_object()?;
        let name = requirement.keys().next()?;
        let scheme = spec
            .raw
            .pointer(&format!(
                "/components/securitySchemes/{}",
                specs::escape_pointer_segment(name)
            ))?
            .as_object()?;
        let get = |k: &str| scheme.get(k).and_then(|v| v.as_str()).unwrap_or_default();
        match (get("type"), get("in")) {
            ("http", _) if get("scheme").eq_ignore_ascii_case("bearer") => Some(AuthScheme::Bearer),
            ("apiKey", "header") => Some(AuthScheme::Header(get("name").to_string())),
            ("apiKey", "query") => Some(AuthScheme::Query(get("name").to_string())),
            _ => None,
        }
    }

    fn header_name(&self) -> Option<&str> {
        match self {
            AuthScheme::Bearer => Some("Authorization"),
            AuthScheme::Header(name) => Some(name),
            AuthScheme::Query(_) => None,
        }
    }

    fn header_value(&self, key: &str) -> String {
        match self {
            AuthScheme::Bearer => format!("Bearer {key}"),
            _ => key.to_string(),
        }
    }
}

/// Which credential a request carries.
#[derive(Debug, Clone)]
pub enum Auth {
    /// The target's credential (none if the target has none).
    Target,
    /// No credential at all.
    None,
    /// A deliberately wrong credential (masked like the real one).
    Other(Secret),
}

/// A request as sent, enough to replay it.
#[derive(Debug, Clone)]
pub struct RequestInfo {
    /// The URL, without any credential.
    pub url: Url,
    /// Header carrying a credential, if any; its value is never stored.
    pub auth_header: Option<String>,
    /// Query parameter carrying a credential, if any.
    pub auth_query: Option<String>,
    /// How the credential header is written in the curl line, e.g. `Bearer ***`.
    auth_display: String,
}

impl RequestInfo {
    /// A `curl` command line replaying the request, the credential printed as `***`.
    pub fn curl(&self) -> String {
        let mut url = self.url.clone();
        if let Some(q) = &self.auth_query {
            url.query_pairs_mut().append_pair(q, "***");
        }
        let quote = |s: &str| format!("'{}'", s.replace('\'', r"'\''"));
        match &self.auth_header {
            Some(h) => format!(
                "curl -sS -H {} {}",
                quote(&format!("{h}: {}", self.auth_display)),
                quote(url.as_str())
            ),
            None => format!("curl -sS {}", quote(url.as_str())),
        }
    }
}

/// A response, its body read (up to the cap) and parsed.
#[derive(Debug, Clone)]
pub struct Response {
    /// Sequence number of the exchange in this run.
    pub id: u64,
    /// The request.
    pub request: RequestInfo,
    /// HTTP status.
    pub status: u16,
    /// `Content-Type`, if sent.
    pub content_type: Option<String>,
    /// `Retry-After`, if sent.
    pub retry_after: Option<String>,
    /// `Location`, if sent.
    pub location: Option<String>,
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
    /// Connection or protocol failure.
    #[error("transport error: {0}")]
    Transport(String),
    /// No connection could be made.
    #[error("cannot connect: {0}")]
    Unreachable(String),
    /// Too many requests in a row met a transport problem; the probe sends no more.
    #[error("{0} requests in a row met a transport problem (timeout, oversized body, 429 storm, connection error); no further request is sent")]
    Unusable(u32),
}

impl ProbeError {
    /// Whether the error ends the whole run (no further request can be sent).
    pub fn ends_run(&self) -> bool {
        matches!(
            self,
            ProbeError::Budget { .. } | ProbeError::Deadline(_) | ProbeError::Unusable(_)
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
#[derive(Debug, Clone)]
pub struct Incident {
    /// What happened.
    pub kind: IncidentKind,
    /// In words.
    pub message: String,
    /// The request, as a curl line with the credential masked.
    pub curl: String,
}

/// Requests in a row that may end in a transport problem before the probe gives up.
pub const FAILURES_IN_A_ROW: u32 = 3;

/// The probe client of one run against one target.
pub struct Probe {
    client: reqwest::Client,
    handle: Handle,
    credential: Option<Secret>,
    scheme: Option<AuthScheme>,
    base: Url,
    options: Options,
    started: Instant,
    used: AtomicU64,
    rate_limited: AtomicU64,
    exhausted: AtomicBool,
    failures_in_a_row: AtomicU32,
    semaphore: Semaphore,
    log: Mutex<Vec<Arc<Response>>>,
    limited: Mutex<Vec<Arc<Response>>>,
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

/// Installs the rustls crypto provider once per process (reqwest is built without one).
pub fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

impl Probe {
    /// A probe for `target`, running its requests on `handle`.
    pub fn new(
        target: &Target,
        spec: &Spec,
        options: &Options,
        handle: Handle,
    ) -> anyhow::Result<Probe> {
        install_crypto_provider();
        let mut builder = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .tls_backend_rustls()
            .user_agent(concat!("conformance/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(options.request_timeout);
        if matches!(
            target.base_url.host_str(),
            Some("127.0.0.1" | "localhost" | "[::1]")
        ) {
            builder = builder.no_proxy();
        }
        let client = builder.build()?;
        Ok(Probe {
            client,
            handle,
            credential: target.credential.clone(),
            scheme: AuthScheme::from_spec(spec),
            base: target.base_url.clone(),
            options: options.clone(),
            started: Instant::now(),
            used: AtomicU64::new(0),
            rate_limited: AtomicU64::new(0),
            exhausted: AtomicBool::new(false),
            failures_in_a_row: AtomicU32::new(0),
            semaphore: Semaphore::new(options.concurrency.max(1)),
            log: Mutex::new(Vec::new()),
            limited: Mutex::new(Vec::new()),
            incidents: Mutex::new(Vec::new()),
        })
    }

    /// The base URL of the target.
    pub fn base(&self) -> &Url {
        &self.base
    }

    /// Requests sent so far (429 retries included).
    pub fn requests_used(&self) -> u64 {
        self.used.load(Ordering::SeqCst)
    }

    /// Requests allowed.
    pub fn requests_allowed(&self) -> u64 {
        self.options.max_requests
    }

    /// Responses with status 429 so far.
    pub fn rate_limited(&self) -> u64 {
        self.rate_limited.load(Ordering::SeqCst)
    }

    /// Whether the budget ran out.
    pub fn budget_exhausted(&self) -> bool {
        self.exhausted.load(Ordering::SeqCst)
    }

    /// Every final (non-429) response so far, in order.
    pub fn responses(&self) -> Vec<Arc<Response>> {
        lock(&self.log).clone()
    }

    /// Every 429 response so far.
    pub fn rate_limited_responses(&self) -> Vec<Arc<Response>> {
        lock(&self.limited).clone()
    }

    /// Every transport incident so far.
    pub fn incidents(&self) -> Vec<Incident> {
        lock(&self.incidents).clone()
    }

    /// Describes a request without sending it (for reports about requests never sent).
    pub fn describe(&self, url: &Url, auth: &Auth) -> RequestInfo {
        let key_present = match auth {
            Auth::Target => self.credential.is_some(),
            Auth::None => false,
            Auth::Other(_) => true,
        };
        let (auth_header, auth_query) = match (&self.scheme, key_present) {
            (Some(AuthScheme::Query(q)), true) => (None, Some(q.clone())),
            (Some(s), true) => (s.header_name().map(str::to_string), None),
            _ => (None, None),
        };
        let auth_display = self
            .scheme
            .as_ref()
            .map(|s| s.header_value("***"))
            .unwrap_or_default();
        RequestInfo {
            url: url.clone(),
            auth_header,
            auth_query,
            auth_display,
        }
    }

    /// Sends `GET url` (blocking the calling thread, which must not be a runtime worker).
    pub fn get(&self, url: &Url, auth: &Auth) -> Result<Arc<Response>, ProbeError> {
        self.handle.block_on(self.get_async(url, auth))
    }

    fn incident(&self, kind: IncidentKind, message: String, request: &RequestInfo) {
        lock(&self.incidents).push(Incident {
            kind,
            message,
            curl: request.curl(),
        });
    }

    /// Sends `GET url`, retrying on 429.
    ///
    /// After [`FAILURES_IN_A_ROW`] requests in a row end in a transport problem, every later
    /// request fails at once with [`ProbeError::Unusable`]: a server that times out or streams
    /// endless bodies would otherwise make the run last (requests × timeout).
    pub async fn get_async(&self, url: &Url, auth: &Auth) -> Result<Arc<Response>, ProbeError> {
        let failures = self.failures_in_a_row.load(Ordering::SeqCst);
        if failures >= FAILURES_IN_A_ROW {
            return Err(ProbeError::Unusable(failures));
        }
        let result = self.get_retrying(url, auth).await;
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

    async fn get_retrying(&self, url: &Url, auth: &Auth) -> Result<Arc<Response>, ProbeError> {
        let info = self.describe(url, auth);
        if !same_origin(&self.base, url) {
            let message = format!(
                "{url} is not on the origin of the base URL ({}); the request was not sent",
                self.base.origin().ascii_serialization()
            );
            self.incident(IncidentKind::CrossOrigin, message, &info);
            return Err(ProbeError::CrossOrigin(url.to_string()));
        }
        let key = match auth {
            Auth::Target => self.credential.as_ref(),
            Auth::None => None,
            Auth::Other(s) => Some(s),
        };
        let mut attempt: u32 = 0;
        loop {
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
            let limit = self
                .options
                .request_timeout
                .min(self.options.deadline - elapsed);
            let id = used + 1;
            let sent = {
                let _permit = self.semaphore.acquire().await;
                tokio::time::timeout(limit, self.send_once(id, url, key, &info)).await
            };
            let response = match sent {
                // Cut short by the run's deadline, not by the per-request timeout: the server
                // is not to blame, the run is over.
                Err(_) if limit < self.options.request_timeout => {
                    return Err(ProbeError::Deadline(self.options.deadline));
                }
                Err(_) => {
                    self.incident(
                        IncidentKind::Timeout,
                        format!("no complete response within {limit:?}"),
                        &info,
                    );
                    return Err(ProbeError::Timeout(limit));
                }
                Ok(Err(e)) => {
                    let kind = match e {
                        ProbeError::BodyTooLarge(_) => IncidentKind::BodyTooLarge,
                        _ => IncidentKind::Transport,
                    };
                    self.incident(kind, e.to_string(), &info);
                    return Err(e);
                }
                Ok(Ok(r)) => Arc::new(r),
            };
            if response.status == 429 {
                self.rate_limited.fetch_add(1, Ordering::SeqCst);
                lock(&self.limited).push(response.clone());
                if attempt >= self.options.max_retries {
                    self.incident(
                        IncidentKind::RateLimitStorm,
                        format!(
                            "still 429 after {attempt} retries that honoured Retry-After (capped at {:?})",
                            self.options.retry_after_cap
                        ),
                        &info,
                    );
                    return Err(ProbeError::RateLimited(attempt));
                }
                let wait = retry_wait(
                    response.retry_after.as_deref(),
                    attempt,
                    self.options.retry_after_cap,
                );
                let left = self.options.deadline.saturating_sub(self.started.elapsed());
                if wait >= left {
                    return Err(ProbeError::Deadline(self.options.deadline));
                }
                tokio::time::sleep(wait).await;
                attempt += 1;
                continue;
            }
            if (300..400).contains(&response.status) {
                self.incident(
                    IncidentKind::Redirect,
                    format!(
                        "status {} redirecting to {}; not followed (the credential stays with the base URL's origin)",
                        response.status,
                        response.location.as_deref().unwrap_or("(no Location)")
                    ),
                    &info,
                );
            }
            lock(&self.log).push(response.clone());
            return Ok(response);
        }
    }

    async fn send_once(
        &self,
        id: u64,
        url: &Url,
        key: Option<&Secret>,
        info: &RequestInfo,
    ) -> Result<Response, ProbeError> {
        let started = Instant::now();
        let mut request_url = url.clone();
        let mut request = self.client.get(url.clone());
        if let (Some(scheme), Some(key)) = (&self.scheme, key) {
            match scheme {
                AuthScheme::Query(q) => {
                    request_url.query_pairs_mut().append_pair(q, key.expose());
                    request = self.client.get(request_url);
                }
                s => {
                    let name = s.header_name().unwrap_or("Authorization");
                    let mut value =
                        reqwest::header::HeaderValue::from_str(&s.header_value(key.expose()))
                            .map_err(|_| {
                                ProbeError::Transport(
                                    "the credential is not a valid header value".into(),
                                )
                            })?;
                    value.set_sensitive(true);
                    request = request.header(name, value);
                }
            }
        }
        let mut response = request.send().await.map_err(transport)?;
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        };
        let status = response.status().as_u16();
        let content_type = header("content-type");
        let retry_after = header("retry-after");
        let location = header("location").map(|l| match key {
            Some(k) => redact_text(&l, k.expose()),
            None => l,
        });
        let cap = self.options.body_cap;
        if response.content_length().is_some_and(|l| l > cap as u64) {
            return Err(ProbeError::BodyTooLarge(cap));
        }
        let mut body: Vec<u8> = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(transport)? {
            if body.len() + chunk.len() > cap {
                return Err(ProbeError::BodyTooLarge(cap));
            }
            body.extend_from_slice(&chunk);
        }
        // A server that echoes the credential must not get it into any report: replace it
        // before the body is parsed or excerpted (an excerpt could cut it in two).
        if let Some(k) = key {
            body = redact_bytes(body, k.expose().as_bytes());
        }
        let json = serde_json::from_slice::<Value>(&body).map_err(|e| {
            let text = String::from_utf8_lossy(&body[..body.len().min(120)]).into_owned();
            format!("not JSON ({e}); the body starts with {text:?}")
        });
        Ok(Response {
            id,
            request: info.clone(),
            status,
            content_type,
            retry_after,
            location,
            json,
            elapsed: started.elapsed(),
        })
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
/// `Retry-After` in seconds (`0`, `7`) is honoured; when it is absent or unusable (an HTTP
/// date, garbage), the wait is [`BACKOFF_START`] doubled per earlier retry (`attempt` counts
/// them from 0): 100 ms, 200 ms, 400 ms, … Either way never longer than `cap`.
pub fn retry_wait(retry_after: Option<&str>, attempt: u32, cap: Duration) -> Duration {
    let wait = match retry_after.and_then(|s| s.trim().parse::<u64>().ok()) {
        Some(secs) => Duration::from_secs(secs),
        None => BACKOFF_START.saturating_mul(1u32 << attempt.min(20)),
    };
    wait.min(cap)
}

fn redact_text(text: &str, secret: &str) -> String {
    if secret.is_empty() {
        text.to_string()
    } else {
        text.replace(secret, "***")
    }
}

fn redact_bytes(body: Vec<u8>, secret: &[u8]) -> Vec<u8> {
    if secret.is_empty() || !body.windows(secret.len()).any(|w| w == secret) {
        return body;
    }
    let mut out = Vec::with_capacity(body.len());
    let mut i = 0;
    while i < body.len() {
        if body[i..].starts_with(secret) {
            out.extend_from_slice(b"***");
            i += secret.len();
        } else {
            out.push(body[i]);
            i += 1;
        }
    }
    out
}

fn transport(e: reqwest::Error) -> ProbeError {
    let connect = e.is_connect();
    // reqwest's messages name the URL (which never holds the credential: it travels in a
    // header, or is added to a copy of the URL that is not part of any message) and the cause.
    let e = e.without_url();
    let mut message = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        message.push_str(&format!(": {s}"));
        source = s.source();
    }
    if connect {
        ProbeError::Unreachable(message)
    } else {
        ProbeError::Transport(message)
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use specs::Vendor;

    #[test]
    fn schemes_come_from_the_specs() {
        let p = Vendor::Peeker.spec().unwrap();
        let d = Vendor::Devpayr.spec().unwrap();
        assert_eq!(AuthScheme::from_spec(&p), Some(AuthScheme::Bearer));
        assert_eq!(
            AuthScheme::from_spec(&d),
            Some(AuthScheme::Header("X-API-KEY".into()))
        );
    }

    #[test]
    fn only_the_exact_origin_of_the_base_url_is_the_same_origin() {
        let base = Url::parse("http://127.0.0.1:8080/api/partner/v1").unwrap();
        let same = [
            "http://127.0.0.1:8080/api/partner/v1/domains?page_token=x",
            "http://127.0.0.1:8080/elsewhere",
            "HTTP://127.0.0.1:8080/x",
            "http://user:pw@127.0.0.1:8080/x",
        ];
        let other = [
            "http://127.0.0.1:8081/api/partner/v1/domains", // port
            "http://127.0.0.1/api/partner/v1/domains",      // port (default 80)
            "http://localhost:8080/api/partner/v1/domains", // host: same machine, other name
            "http://127.0.0.2:8080/api/partner/v1/domains", // host
            "http://[::1]:8080/api/partner/v1/domains",     // host
            "http://[::ffff:127.0.0.1]:8080/x",             // host, however equivalent
            "https://127.0.0.1:8080/api/partner/v1/domains", // scheme
            "ws://127.0.0.1:8080/x",                        // scheme
            "file:///etc/passwd",                           // no origin at all
            "data:text/plain,x",
        ];
        for u in same {
            assert!(same_origin(&base, &Url::parse(u).unwrap()), "{u}");
        }
        for u in other {
            assert!(!same_origin(&base, &Url::parse(u).unwrap()), "{u}");
        }
        // A protocol-relative next link resolves to another host.
        let joined = base
            .join("//localhost:8080/api/partner/v1/domains")
            .unwrap();
        assert!(!same_origin(&base, &joined));
        // Explicit default ports are the same origin as none.
        let https = Url::parse("https://api.peeker.ai/api/partner/v1").unwrap();
        assert!(same_origin(
            &https,
            &Url::parse("https://api.peeker.ai:443/x").unwrap()
        ));
        assert!(!same_origin(
            &https,
            &Url::parse("http://api.peeker.ai/x").unwrap()
        ));
        assert!(!same_origin(
            &https,
            &Url::parse("https://api.peeker.ai.evil.example/x").unwrap()
        ));
        assert!(!same_origin(
            &https,
            &Url::parse("https://sandbox.api.peeker.ai/x").unwrap()
        ));
    }

    #[test]
    fn retry_after_is_honoured_up_to_the_cap() {
        let cap = Duration::from_secs(5);
        assert_eq!(retry_wait(Some("0"), 0, cap), Duration::ZERO);
        assert_eq!(retry_wait(Some("2"), 3, cap), Duration::from_secs(2));
        assert_eq!(retry_wait(Some(" 3 "), 0, cap), Duration::from_secs(3));
        assert_eq!(retry_wait(Some("3600"), 0, cap), cap);
        assert_eq!(retry_wait(Some("18446744073709551615"), 0, cap), cap);
    }

    #[test]
    fn without_retry_after_the_backoff_doubles_up_to_the_cap() {
        let cap = Duration::from_secs(5);
        let schedule: Vec<u128> = (0..8)
            .map(|a| retry_wait(None, a, cap).as_millis())
            .collect();
        assert_eq!(schedule, [100, 200, 400, 800, 1600, 3200, 5000, 5000]);
        // An unusable Retry-After (an HTTP date, a negative or fractional number) backs off too.
        for bad in ["Wed, 21 Oct 2015 07:28:00 GMT", "-1", "1.5", ""] {
            assert_eq!(
                retry_wait(Some(bad), 2, cap),
                Duration::from_millis(400),
                "{bad:?}"
            );
        }
        // Huge attempt numbers neither overflow nor exceed the cap.
        assert_eq!(retry_wait(None, u32::MAX, cap), cap);
        assert_eq!(
            retry_wait(None, 3, Duration::from_millis(50)),
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
        assert_eq!(redact_text("http://x/?k=abc", "abc"), "http://x/?k=***");
    }

    #[test]
    fn curl_masks_the_credential() {
        let info = RequestInfo {
            url: Url::parse("http://h/x?a=1").unwrap(),
            auth_header: Some("Authorization".into()),
            auth_query: None,
            auth_display: "Bearer ***".into(),
        };
        assert_eq!(
            info.curl(),
            "curl -sS -H 'Authorization: Bearer ***' 'http://h/x?a=1'"
        );
    }
}
