//! The plumbing both mocks share: state, routing, rate limiting, page sizes, page tokens,
//! pagination and the response-level faults.
//!
//! There is one axum fallback handler and no typed extractors: every request, however malformed,
//! reaches code that answers in the vendor's JSON error schema. (A request line that hyper itself
//! cannot parse is answered by hyper with a bodiless 400 before any of this runs.)

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use specs::{ErrorStatuses, Filter, Pagination, Vendor};
use tokio::sync::watch;

use super::data::{mix, DevpayrData, PeekerData};
use super::errors::ApiError;
use super::faults::Fault;
use super::query::{Query, Value};
use super::token::Signer;

/// The data set of the vendor a mock serves.
pub(crate) enum Data {
    Peeker(PeekerData),
    Devpayr(DevpayrData),
}

/// Everything a request handler reads. Immutable after start-up except the counters.
pub(crate) struct App {
    pub(crate) vendor: Vendor,
    pub(crate) fault: Option<Fault>,
    pub(crate) rate_limit_every: Option<u32>,
    pub(crate) retry_after_secs: u64,
    pub(crate) seed: u64,
    /// `http://127.0.0.1:PORT`, from the bound address (never from the Host header, which a
    /// client controls).
    pub(crate) origin: String,
    /// Origin of the decoy server used by the cross-origin faults.
    pub(crate) decoy_origin: String,
    /// Full URL of the operation when it has no path parameters (Peeker `meta.path`).
    pub(crate) endpoint_url: String,
    /// The same on the decoy's origin.
    pub(crate) decoy_endpoint_url: String,
    /// Path of the spec's server URL, e.g. `/api/partner/v1`.
    pub(crate) base_path: String,
    /// Segments of the operation's path template, e.g. `["project", "{project}", "domains"]`.
    pub(crate) template: Vec<String>,
    pub(crate) pagination: Pagination,
    pub(crate) size_min: u64,
    pub(crate) errors: ErrorStatuses,
    pub(crate) forbidden: u16,
    pub(crate) not_found: u16,
    pub(crate) filters: Vec<Filter>,
    pub(crate) signer: Signer,
    pub(crate) data: Data,
    pub(crate) requests: AtomicU64,
    pub(crate) decoy_requests: AtomicU64,
    pub(crate) decoy_credentials: AtomicU64,
    pub(crate) shutdown: watch::Receiver<bool>,
}

/// A successful page, before the response-level faults: `prefix`, the items joined by commas,
/// then `suffix`.
pub(crate) struct Page<'a> {
    pub(crate) prefix: String,
    pub(crate) items: Vec<&'a str>,
    pub(crate) suffix: String,
}

/// The status to use from a list of accepted ones: 422 when listed (what Laravel answers for
/// validation failures), else the first.
pub(crate) fn pick(list: &[u16]) -> u16 {
    if list.contains(&422) {
        422
    } else {
        list.first().copied().unwrap_or(400)
    }
}

impl App {
    pub(crate) fn error(&self, status: u16, message: &str) -> ApiError {
        ApiError::new(status, message)
    }

    /// The refusal of a request without credentials.
    pub(crate) fn missing_key(&self, message: &str) -> ApiError {
        ApiError::new(self.errors.missing_key[0], message)
    }

    /// The refusal of unknown credentials (400 under `wrong-error-status`).
    pub(crate) fn invalid_key(&self, message: &str) -> ApiError {
        let status = if self.fault == Some(Fault::WrongErrorStatus) {
            400
        } else {
            self.errors.invalid_key[0]
        };
        ApiError::new(status, message)
    }

    pub(crate) fn invalid_params(&self, errors: BTreeMap<String, Vec<String>>) -> ApiError {
        ApiError::invalid(pick(&self.errors.invalid_param), errors)
    }

    /// The effective page size, or a validation message in `errors`.
    pub(crate) fn page_size(&self, q: &Query, errors: &mut BTreeMap<String, Vec<String>>) -> u64 {
        let p = &self.pagination;
        if self.fault == Some(Fault::PerPageIgnored) {
            return p.size_default;
        }
        let name = &p.size_param;
        let problem = match q.get(name) {
            Value::Absent => return p.size_default,
            Value::NotUtf8 => format!("The {name} field must be an integer."),
            Value::Text(v) => match v.parse::<i128>() {
                Err(_) => format!("The {name} field must be an integer."),
                Ok(n) if n < i128::from(self.size_min) => {
                    format!("The {name} field must be at least {}.", self.size_min)
                }
                Ok(n)
                    if n > i128::from(p.size_max)
                        && self.fault != Some(Fault::PerPageUnbounded) =>
                {
                    format!("The {name} field must not be greater than {}.", p.size_max)
                }
                Ok(n) => return u64::try_from(n).unwrap_or(u64::MAX),
            },
        };
        errors.entry(name.clone()).or_default().push(problem);
        p.size_default
    }

    /// The offset the request's page token stands for (0 without a token).
    pub(crate) fn offset(&self, q: &Query, binding: &str) -> Result<usize, ApiError> {
        let name = &self.pagination.token_param;
        let token = match q.get(name) {
            Value::Absent | Value::Text("") => return Ok(0),
            // A cache keyed without the token answers before anything looks at it.
            _ if self.fault == Some(Fault::CursorIgnoredByCache) => return Ok(0),
            Value::NotUtf8 => None,
            Value::Text(t) => self.signer.verify(binding, t),
        };
        match token {
            Some(offset) => Ok(offset as usize),
            None if self.fault == Some(Fault::BadToken500) => {
                Err(ApiError::new(500, "Server Error"))
            }
            None => Err(ApiError::field(
                pick(&self.errors.invalid_token),
                name,
                format!("The {name} is invalid or expired; start again from the first page."),
            )),
        }
    }

    /// Orders `matched` (indices into the items, by id) and cuts the page at `offset`.
    /// Returns the page's indices and the token of the next page, if any.
    pub(crate) fn paginate(
        &self,
        mut matched: Vec<usize>,
        per_page: u64,
        offset: usize,
        binding: &str,
    ) -> (Vec<usize>, Option<String>) {
        if self.fault == Some(Fault::UnstableOrder) {
            // Sorted by a key that depends on the page size: each walk is complete, but walks
            // with different page sizes disagree on the order.
            let salt = mix(self.seed, per_page);
            matched.sort_by_key(|&i| mix(salt, i as u64));
        }
        let len = matched.len();
        let start = offset.min(len);
        let end = start
            .saturating_add(usize::try_from(per_page).unwrap_or(usize::MAX))
            .min(len);
        let next = if end < len {
            match self.fault {
                Some(Fault::PageGap) if end + 1 < len => Some(end + 1),
                Some(Fault::PageGap) => None,
                Some(Fault::PageDuplicate) if end - start >= 2 => Some(end - 1),
                _ => Some(end),
            }
        } else if self.fault == Some(Fault::EndlessNext) {
            Some(start)
        } else {
            None
        };
        let token = next.map(|n| {
            self.signer
                .issue(binding, u32::try_from(n).unwrap_or(u32::MAX))
        });
        (matched[start..end].to_vec(), token)
    }

    /// A successful page as a response, with the response-level faults applied.
    pub(crate) fn success(&self, page: Page<'_>, filler: &str) -> Response {
        match self.fault {
            Some(Fault::HugeBody) => return self.huge_body(&page, filler),
            Some(Fault::SlowBody) => return self.slow_body(page),
            _ => {}
        }
        let mut body = String::with_capacity(
            page.prefix.len()
                + page.suffix.len()
                + page.items.iter().map(|i| i.len() + 1).sum::<usize>(),
        );
        body.push_str(&page.prefix);
        for (k, item) in page.items.iter().enumerate() {
            if k > 0 {
                body.push(',');
            }
            body.push_str(item);
        }
        body.push_str(&page.suffix);
        let content_type = match self.fault {
            Some(Fault::WrongContentType) => "text/plain; charset=utf-8",
            _ => "application/json",
        };
        if self.fault == Some(Fault::MalformedJson) {
            // Cut mid-document, as a proxy that drops the tail of a buffered body would.
            body.truncate(body.len() * 2 / 3);
        }
        (StatusCode::OK, [(header::CONTENT_TYPE, content_type)], body).into_response()
    }

    fn huge_body(&self, page: &Page<'_>, filler: &str) -> Response {
        const TARGET: usize = 100 * 1024 * 1024;
        let item = page.items.first().copied().unwrap_or(filler);
        let mut chunk = String::with_capacity(64 * 1024 + item.len() + 1);
        while chunk.len() < 64 * 1024 {
            chunk.push_str(item);
            chunk.push(',');
        }
        let chunk = Bytes::from(chunk);
        let count = TARGET / chunk.len();
        let head = Bytes::from(page.prefix.clone());
        let tail = Bytes::from(format!("{item}{}", page.suffix));
        let parts = std::iter::once(head)
            .chain(std::iter::repeat_n(chunk, count))
            .chain(std::iter::once(tail))
            .map(Ok::<_, Infallible>);
        (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/json")],
            Body::from_stream(futures::stream::iter(parts)),
        )
            .into_response()
    }

    fn slow_body(&self, page: Page<'_>) -> Response {
        let body = format!("{}{}{}", page.prefix, page.items.join(","), page.suffix);
        let first = Bytes::from(body[..body.len() / 2].to_string());
        let mut shutdown = self.shutdown.clone();
        let stall = async move {
            // Stalls until the mock shuts down (or ten minutes, so nothing hangs forever), then
            // breaks the body off so the client sees an incomplete response.
            let _ = tokio::time::timeout(
                Duration::from_secs(600),
                shutdown.wait_for(|stopped| *stopped),
            )
            .await;
            Err::<Bytes, std::io::Error>(std::io::Error::other("slow-body fault: body abandoned"))
        };
        let stream = futures::StreamExt::chain(
            futures::stream::once(async move { Ok(first) }),
            futures::stream::once(stall),
        );
        (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/json")],
            Body::from_stream(stream),
        )
            .into_response()
    }

    /// Matches the request path against the operation's template; returns the path parameters.
    fn route<'p>(&self, path: &'p str) -> Option<Vec<(&str, &'p str)>> {
        let rest = path.strip_prefix(&self.base_path)?.strip_prefix('/')?;
        let segments: Vec<&str> = rest.split('/').collect();
        if segments.len() != self.template.len() {
            return None;
        }
        let mut params = Vec::new();
        for (t, s) in self.template.iter().zip(segments) {
            if let Some(name) = t.strip_prefix('{').and_then(|t| t.strip_suffix('}')) {
                if s.is_empty() {
                    return None;
                }
                params.push((name, s));
            } else if t != s {
                return None;
            }
        }
        Some(params)
    }

    fn handle(
        &self,
        method: &Method,
        path: &str,
        raw_query: Option<&str>,
        headers: &HeaderMap,
    ) -> Response {
        let n = self.requests.fetch_add(1, Ordering::Relaxed) + 1;
        let storm = self.fault == Some(Fault::RateLimitStorm);
        if storm
            || self
                .rate_limit_every
                .is_some_and(|every| n.is_multiple_of(u64::from(every)))
        {
            let mut e = ApiError::new(pick(&self.errors.rate_limited), "Too Many Attempts.");
            e.retry_after = Some(self.retry_after_secs);
            return self.render(e);
        }
        let Some(params) = self.route(path) else {
            return self.render(ApiError::new(404, "Not Found."));
        };
        if method != Method::GET && method != Method::HEAD {
            let mut e = ApiError::new(405, format!("The {method} method is not supported for this route. Supported methods: GET, HEAD."));
            e.allow = Some("GET, HEAD");
            return self.render(e);
        }
        if self.fault == Some(Fault::RedirectOtherOrigin) {
            let location = match raw_query {
                Some(q) => format!("{}{path}?{q}", self.decoy_origin),
                None => format!("{}{path}", self.decoy_origin),
            };
            return (StatusCode::FOUND, [(header::LOCATION, location)]).into_response();
        }
        let query = Query::parse(raw_query);
        let result = match &self.data {
            Data::Peeker(data) => self.list_domains(data, headers, &query),
            Data::Devpayr(data) => self.list_project_domains(data, headers, &params, &query),
        };
        match result {
            Ok(response) => response,
            Err(e) => self.render(e),
        }
    }

    pub(crate) fn render(&self, e: ApiError) -> Response {
        e.render(self.vendor, self.fault)
    }
}

/// The mock's only handler.
pub(crate) async fn handler(State(app): State<Arc<App>>, request: Request) -> Response {
    let (parts, _body) = request.into_parts();
    app.handle(
        &parts.method,
        parts.uri.path(),
        parts.uri.query(),
        &parts.headers,
    )
}

/// The decoy server's only handler: it counts requests, and those that carried credentials
/// (a client that leaks its key to another origin), and answers 404 in the vendor's schema.
pub(crate) async fn decoy_handler(State(app): State<Arc<App>>, request: Request) -> Response {
    app.decoy_requests.fetch_add(1, Ordering::Relaxed);
    let h = request.headers();
    if h.contains_key(header::AUTHORIZATION) || h.contains_key("x-api-key") {
        app.decoy_credentials.fetch_add(1, Ordering::Relaxed);
    }
    ApiError::new(404, "Not Found.").render(app.vendor, None)
}
