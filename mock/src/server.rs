//! The server: state, the one fallback handler, rate limiting, the order of the checks, and
//! the response-level faults.
//!
//! There is one axum fallback handler and no typed extractors: every request, however
//! malformed, reaches code that answers in the spec's JSON error shape. (A request line that
//! hyper itself cannot parse is answered by hyper with a bodiless 400 before any of this runs.)

use std::convert::Infallible;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use specs::walk::{Advance, Carrier};
use specs::{ErrorKind, Location};
use tokio::sync::watch;

use crate::api::Api;
use crate::auth::Access;
use crate::data::{Data, Item};
use crate::errors::{ApiError, Problems};
use crate::faults::Fault;
use crate::modes::ReadingMode;
use crate::pagination::Window;
use crate::params::{encode, Selection};
use crate::query::{Query, Value};
use crate::render::Facts;
use crate::routing::{route, PathParam};
use crate::token::Signer;

/// Everything a request handler reads. Immutable after start-up except the counters and the
/// queries that `next-token-only` tokens carry.
pub(crate) struct App {
    pub(crate) api: Api,
    pub(crate) data: Data,
    /// The items served, in serving order; drift inserts into it as the run goes.
    pub(crate) items: RwLock<Vec<Item>>,
    /// Items not yet created, in key order, and how the drift inserts them.
    pub(crate) reserve: Mutex<std::collections::VecDeque<Item>>,
    pub(crate) drift: Option<crate::Drift>,
    pub(crate) inserted: AtomicU64,
    pub(crate) fault: Option<Fault>,
    /// The query filters as a filter fault (`Fault::altered_filter`) or the
    /// `other-filter-readings` mode serves them.
    pub(crate) altered: Vec<specs::Filter>,
    /// Where the page-boundary faults start (see `MockConfig::fault_from`).
    pub(crate) fault_from: usize,
    pub(crate) mode: Option<ReadingMode>,
    pub(crate) rate_limit_every: Option<u32>,
    pub(crate) retry_after_secs: u64,
    pub(crate) latency: Duration,
    pub(crate) seed: u64,
    /// `http://127.0.0.1:PORT`, from the bound address (never from the Host header, which a
    /// client controls).
    pub(crate) origin: String,
    /// Origin of the decoy server used by the cross-origin faults.
    pub(crate) decoy_origin: String,
    pub(crate) signer: Signer,
    /// The scopes that carrying tokens stand for, by number: the canonical query (for
    /// `next-token-only`) and the path values (for `token-crosses-scope`).
    pub(crate) carried: Mutex<Vec<Carried>>,
    /// Requests to any operation of the mock (shared by every operation).
    pub(crate) requests: Arc<AtomicU64>,
    /// Requests to the decoy, and those carrying the credential (shared).
    pub(crate) decoy_requests: Arc<AtomicU64>,
    pub(crate) decoy_leaks: Arc<AtomicU64>,
    pub(crate) shutdown: watch::Receiver<bool>,
    /// The items each recent selection matched, with the number of items created when it was
    /// computed ([`App::matching_cached`]).
    pub(crate) matched: Mutex<std::collections::HashMap<String, Matched>>,
}

/// The matches of one selection, and the number of items created when they were computed.
pub(crate) type Matched = (u64, Arc<Vec<usize>>);

/// Selections whose matches are remembered at once.
const MATCHED_CACHED: usize = 16;

/// The scope a carrying token was issued for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Carried {
    pub(crate) canonical: String,
    pub(crate) path_values: Vec<(String, String)>,
}

/// A successful page, before the response-level faults: `prefix`, the items joined by commas,
/// then `suffix`, and the headers that carry the next page (`Link`, or the walk's header).
pub(crate) struct Page<'a> {
    pub(crate) prefix: String,
    pub(crate) items: Vec<&'a str>,
    pub(crate) suffix: String,
    pub(crate) headers: Vec<(String, String)>,
}

/// Under `rate-limit-reset-missing` without `--rate-limit-every`, every this many requests
/// are rate limited.
const RESET_MISSING_EVERY: u32 = 5;

impl App {
    /// The response to a refusal; under `in-body-error-as-page`, a refusal of a kind the spec
    /// answers in a 200 body is a page instead.
    pub(crate) fn render(&self, e: ApiError) -> Response {
        if self.fault == Some(Fault::InBodyErrorAsPage) && e.in_body_code(&self.api, None).is_some()
        {
            return self.empty_page();
        }
        e.render(&self.api, self.fault, self.mode)
    }

    /// A page without items that says it is the last, what a server that lets a refusal fall
    /// through to an empty list serves.
    fn empty_page(&self) -> Response {
        let size = self.api.pagination.size_default;
        let facts = Facts {
            count: 0,
            size,
            next: None,
            has_more: false,
            total: 0,
            first_url: &self.origin,
            endpoint_url: &self.origin,
        };
        let (prefix, suffix) = self.envelope(&facts);
        self.success(Page {
            prefix,
            items: Vec::new(),
            suffix,
            headers: Vec::new(),
        })
    }

    /// The rate limit's answer to request `n` when rate limiting says so: every request under
    /// `rate-limit-storm`, every `--rate-limit-every` requests, and every
    /// [`RESET_MISSING_EVERY`] under `rate-limit-reset-missing` without it. Its status, body
    /// and headers are the spec's (`x-errors`: `rate-limited`, `codes`, `rate-limit`).
    fn rate_limited(&self, n: u64) -> Option<Response> {
        let storm = self.fault == Some(Fault::RateLimitStorm);
        let every = match (self.rate_limit_every, self.fault) {
            (Some(every), _) => Some(every),
            (None, Some(Fault::RateLimitResetMissing)) => Some(RESET_MISSING_EVERY),
            _ => None,
        };
        let due = every.is_some_and(|every| n.is_multiple_of(u64::from(every)));
        (storm || due).then(|| {
            let rules = &self.api.op.errors;
            let mut e = ApiError::of(ErrorKind::RateLimited, rules, "Too Many Attempts.");
            e.retry_after = Some(self.retry_after_secs);
            self.render(e)
        })
    }

    /// A request routed to this operation, with its path parameters.
    fn handle(
        &self,
        method: &Method,
        path: &str,
        params: &[PathParam],
        raw_query: Option<&str>,
        headers: &HeaderMap,
    ) -> Response {
        if method != Method::GET && method != Method::HEAD {
            let mut e = ApiError::new(
                405,
                format!("The {method} method is not supported for this route. Supported methods: GET, HEAD."),
            );
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
        match self.serve(path, params, raw_query, headers) {
            Ok(response) => response,
            Err(e) => self.render(e),
        }
    }

    /// The checks in the spec's order, then the page.
    fn serve(
        &self,
        path: &str,
        params: &[PathParam],
        raw_query: Option<&str>,
        headers: &HeaderMap,
    ) -> Result<Response, ApiError> {
        let q = Query::parse(raw_query);
        let continuation = self.is_continuation(&q);
        let key = self.authenticate(headers, &q, continuation)?;
        let path_values = self.path_values(params)?;
        let carried = self.carried_scope(&q);
        // `token-crosses-scope`: the token's path values replace the URL's.
        let path_values = match carried.as_ref() {
            Some(c) if self.fault == Some(Fault::TokenCrossesScope) => c.path_values.clone(),
            _ => path_values,
        };
        let access_param = self.api.op.access.as_ref().map(|a| a.path_param.as_str());
        let access_value = path_values
            .iter()
            .find(|(n, _)| Some(n.as_str()) == access_param)
            .map(|(_, v)| v.as_str());
        let access = self.access(key, access_value)?;

        let effective = self.effective_query(&q, carried.as_ref());
        let mut problems = Problems::new();
        let selection = self.selection(effective.as_ref().unwrap_or(&q), &mut problems);
        let position = self.position(&q, &mut problems);
        self.unknown_params(&q, &mut problems);
        self.enum_params(&q, &mut problems);
        self.unread_params(&q, &mut problems);
        if !problems.is_empty() {
            return Err(self.invalid_params(problems));
        }
        let canonical =
            selection.canonical(&self.api.pagination.size_param, self.api.op.sort.as_ref());
        let path_text: Vec<&str> = path_values.iter().map(|(_, v)| v.as_str()).collect();
        let path_text = path_text.join("/");
        let binding = |id: &str| format!("{canonical}\n{id}\n{path_text}");
        let bindings: Vec<String> = match key {
            Some(k) => vec![binding(&k.id.to_string())],
            None if self.api.op.security.is_none() => vec![binding("-")],
            // Served unchecked (`continuation-unauthenticated`): any credential's token works.
            None => self
                .data
                .keys
                .iter()
                .map(|k| binding(&k.id.to_string()))
                .collect(),
        };

        let dropped = continuation && self.fault == Some(Fault::ContinuationDropsQuery);
        // One view of the items for the whole request: an insertion waits until it is served.
        let items = crate::read(&self.items);
        let matched = self.matching_cached(&items, &selection, &path_values, &access, dropped);
        // Where pages before the last may be short, the window is cut from the list without
        // the query's filters, which then apply to it (`filter_window`).
        let filtered_after = self.api.pagination.short_pages && !selection.active.is_empty();
        let listed = match filtered_after {
            false => matched.clone(),
            true => {
                let unfiltered = Selection {
                    active: Vec::new(),
                    ..selection.clone()
                };
                self.matching_cached(&items, &unfiltered, &path_values, &access, false)
            }
        };
        let sorted = self.sorted(
            &items,
            listed.as_ref().clone(),
            selection.sort.as_ref(),
            selection.sort_sent,
        );
        let ordered = self.order(sorted, selection.size);
        let window = self.window(&items, &ordered, position, &selection, &bindings)?;
        let window = match filtered_after {
            true => self.filter_window(window, &matched),
            false => window,
        };
        let page_path = Carried {
            canonical: canonical.clone(),
            path_values,
        };
        Ok(self.page(&items, path, &page_path, &selection, &window, &bindings[0]))
    }

    /// A window of the whole list with the query's filters applied after it was taken, as a
    /// vendor that says pages before the last may be short serves it: the page keeps the
    /// matches among its items, and the walk goes on from the window's end. Under
    /// `short-page-ends-walk`, a page the filters left short is the last.
    fn filter_window(&self, mut window: Window, matched: &[usize]) -> Window {
        let kept: std::collections::HashSet<usize> = matched.iter().copied().collect();
        let taken = window.items.len() as u64;
        window.items.retain(|i| kept.contains(i));
        window.total = matched.len();
        let short = (window.items.len() as u64) < taken.min(window.echo);
        if self.fault == Some(Fault::ShortPageEndsWalk) && short {
            window.next = None;
            window.has_more = false;
        }
        window
    }

    /// Under drift, request `n` first creates an item when `n` is a multiple of the period:
    /// at the head of the order (a newest-first list) or at its tail (ascending ids), as a
    /// shared sandbox changes while a run goes on.
    fn drift_step(&self, n: u64) {
        let Some(drift) = self.drift else {
            return;
        };
        if !n.is_multiple_of(u64::from(drift.every)) {
            return;
        }
        let Some(item) = crate::lock(&self.reserve).pop_front() else {
            return;
        };
        let mut items = crate::write(&self.items);
        match drift.at {
            crate::DriftAt::Head => items.insert(0, item),
            crate::DriftAt::Tail => items.push(item),
        }
        self.inserted.fetch_add(1, Ordering::Relaxed);
    }

    /// Whether tokens carry the scope they were issued for.
    pub(crate) fn tokens_carry(&self) -> bool {
        self.mode == Some(ReadingMode::NextTokenOnly)
            || self.fault == Some(Fault::TokenCrossesScope)
    }

    /// The scope the request's token was issued for, when tokens carry one.
    fn carried_scope(&self, q: &Query) -> Option<Carried> {
        if !self.tokens_carry() {
            return None;
        }
        let token_param = self.api.pagination.position_param.as_deref()?;
        let Value::Text(token) = q.get(token_param) else {
            return None;
        };
        let id = usize::try_from(self.signer.carried(token)?).ok()?;
        crate::lock(&self.carried).get(id).cloned()
    }

    /// The query a request is served: under `next-token-only`, a request that carries a token
    /// and no query of its own is served the query its token carries; under
    /// `token-crosses-scope`, every token's query replaces the request's.
    fn effective_query(&self, q: &Query, carried: Option<&Carried>) -> Option<Query> {
        let carried = carried?;
        if self.fault == Some(Fault::TokenCrossesScope) {
            return Some(Query::parse(Some(&carried.canonical)));
        }
        let own_query = self
            .api
            .query_filters()
            .map(|f| f.param.as_str())
            .chain([self.api.pagination.size_param.as_str()])
            .any(|name| q.get(name) != Value::Absent);
        (!own_query).then(|| Query::parse(Some(&carried.canonical)))
    }

    /// [`App::matching`], remembered per selection while the items stay as they are: a long
    /// list is then filtered once per query, not once per page.
    fn matching_cached(
        &self,
        items: &[Item],
        selection: &Selection<'_>,
        path_values: &[(String, String)],
        access: &Access,
        drop_query: bool,
    ) -> Arc<Vec<usize>> {
        let access_key = match access {
            Access::Unrestricted => "*".to_string(),
            Access::Value(v) => v.to_string(),
            Access::Empty => "-".to_string(),
        };
        let key = format!(
            "{}\n{path_values:?}\n{access_key}\n{drop_query}\n{}",
            selection.canonical(&self.api.pagination.size_param, self.api.op.sort.as_ref()),
            selection.nothing
        );
        let version = self.inserted.load(Ordering::Relaxed);
        if let Some((v, found)) = crate::lock(&self.matched).get(&key) {
            if *v == version {
                return found.clone();
            }
        }
        let found = Arc::new(self.matching(items, selection, path_values, access, drop_query));
        let mut cache = crate::lock(&self.matched);
        if cache.len() >= MATCHED_CACHED {
            cache.clear();
        }
        cache.insert(key, (version, found.clone()));
        found
    }

    /// The items the request selects, in key order.
    fn matching(
        &self,
        items: &[Item],
        selection: &Selection<'_>,
        path_values: &[(String, String)],
        access: &Access,
        drop_query: bool,
    ) -> Vec<usize> {
        if matches!(access, Access::Empty) || selection.nothing {
            return Vec::new();
        }
        let applied: Vec<&(&specs::Filter, Vec<String>)> = selection
            .active
            .iter()
            .filter(|_| !drop_query)
            .filter(|(f, _)| match self.fault {
                Some(Fault::FilterIgnored) => Some(*f) != self.api.ignorable_filter(),
                Some(Fault::OwnerFilterIgnored) => f.matching != specs::Match::Owner,
                _ => true,
            })
            .collect();
        let path_filters: Vec<(&specs::Filter, &str)> = self
            .api
            .op
            .filters
            .iter()
            .filter(|f| f.location == Location::Path)
            .filter(|f| {
                self.api
                    .op
                    .access
                    .as_ref()
                    .is_none_or(|a| a.path_param != f.param)
            })
            .filter_map(|f| {
                let value = path_values.iter().find(|(n, _)| *n == f.param)?;
                Some((f, value.1.as_str()))
            })
            .collect();
        let or = self.fault == Some(Fault::FilterOr);
        items
            .iter()
            .enumerate()
            .filter(|(_, item)| match access {
                Access::Value(v) => item.access == Some(*v),
                _ => true,
            })
            .filter(|(_, item)| {
                path_filters
                    .iter()
                    .all(|(f, v)| f.matches(&item.value, v) == Some(true))
            })
            .filter(|(_, item)| {
                let mut each = applied
                    .iter()
                    .map(|(f, v)| self.passes_all(&item.value, f, v));
                if or && !applied.is_empty() {
                    each.any(|m| m)
                } else {
                    each.all(|m| m)
                }
            })
            .map(|(i, _)| i)
            .collect()
    }

    /// The page as a response: envelope, items, the next link or cursor where the walk reads
    /// it, the faults.
    fn page(
        &self,
        all: &[Item],
        path: &str,
        scope: &Carried,
        selection: &Selection<'_>,
        window: &crate::pagination::Window,
        binding: &str,
    ) -> Response {
        let canonical = scope.canonical.as_str();
        let endpoint_url = format!("{}{path}", self.origin);
        let first_url = format!("{endpoint_url}?{canonical}");
        let token = window
            .next
            .map(|n| self.token(binding, scope, n, selection.size));
        let next_link = token.as_ref().map(|t| self.next_link(path, canonical, t));
        let walk = &self.api.pagination.walk;
        let next = match walk.advance {
            Advance::NextUrl { .. } => next_link,
            Advance::Cursor { .. } => token,
            _ => None,
        };
        let mut headers = Vec::new();
        match walk.advance.carrier() {
            Some(Carrier::Link) => headers.push((
                "link".to_string(),
                match &next {
                    Some(n) => format!("<{n}>; rel=\"next\", <{first_url}>; rel=\"first\""),
                    None => format!("<{first_url}>; rel=\"first\""),
                },
            )),
            Some(Carrier::Header(name)) => {
                headers.extend(next.clone().map(|n| (name.to_ascii_lowercase(), n)));
            }
            _ => {}
        }
        let body_next = match walk.advance.carrier() {
            Some(Carrier::Body) => next,
            _ => None,
        };
        let facts = Facts {
            count: window.items.len(),
            size: window.echo,
            next: body_next,
            has_more: window.has_more,
            total: window.total,
            first_url: &first_url,
            endpoint_url: &endpoint_url,
        };
        let (prefix, suffix) = self.envelope(&facts);
        let items = window.items.iter().map(|&i| all[i].json.as_str()).collect();
        self.success(Page {
            prefix,
            items,
            suffix,
            headers,
        })
    }

    /// A token for the page starting at `next` of the request whose scope is `scope`.
    fn token(&self, binding: &str, scope: &Carried, next: usize, size: u64) -> String {
        if let Some(first) = self.api.op.numbered_pages() {
            return (next as u64 / size.max(1) + first).to_string();
        }
        let offset = u32::try_from(next).unwrap_or(u32::MAX);
        if !self.tokens_carry() {
            return self.signer.issue(binding, offset);
        }
        let id = {
            let mut carried = crate::lock(&self.carried);
            match carried.iter().position(|c| c == scope) {
                Some(id) => id,
                None => {
                    carried.push(scope.clone());
                    carried.len() - 1
                }
            }
        };
        self.signer
            .issue_carrying(binding, offset, u32::try_from(id).unwrap_or(u32::MAX))
    }

    /// The next link: the endpoint, the canonical query (not under `next-token-only`) and the
    /// token; on the decoy's origin under `cross-origin-next`.
    fn next_link(&self, path: &str, canonical: &str, token: &str) -> String {
        let origin = if self.fault == Some(Fault::CrossOriginNext) {
            &self.decoy_origin
        } else if self.api.relative_urls {
            // A path, as the spec writes its links; the client resolves it against the page.
            ""
        } else {
            &self.origin
        };
        let param = encode(
            self.api
                .pagination
                .position_param
                .as_deref()
                .unwrap_or_default(),
        );
        if self.mode == Some(ReadingMode::NextTokenOnly) {
            format!("{origin}{path}?{param}={}", encode(token))
        } else {
            format!("{origin}{path}?{canonical}&{param}={}", encode(token))
        }
    }

    /// A URL of the mock as the spec writes its own: a path where links are paths.
    pub(crate) fn as_written<'u>(&self, url: &'u str) -> &'u str {
        match self.api.relative_urls {
            true => url.strip_prefix(self.origin.as_str()).unwrap_or(url),
            false => url,
        }
    }

    /// A successful page as a response, with the response-level faults applied.
    fn success(&self, page: Page<'_>) -> Response {
        let mut response = match self.fault {
            Some(Fault::HugeBody) => self.huge_body(&page),
            Some(Fault::SlowBody) => self.slow_body(&page),
            _ => self.plain_body(&page),
        };
        for (name, value) in &page.headers {
            let name = axum::http::HeaderName::from_bytes(name.as_bytes());
            if let (Ok(name), Ok(value)) = (name, HeaderValue::from_str(value)) {
                response.headers_mut().insert(name, value);
            }
        }
        response
    }

    fn plain_body(&self, page: &Page<'_>) -> Response {
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

    fn huge_body(&self, page: &Page<'_>) -> Response {
        const TARGET: usize = 100 * 1024 * 1024;
        let item = page.items.first().copied().unwrap_or("{}");
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

    fn slow_body(&self, page: &Page<'_>) -> Response {
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

    /// Whether a decoy request carries the spec's credential (header or query parameter).
    fn leaks(&self, headers: &HeaderMap, raw_query: Option<&str>) -> bool {
        let Some(security) = &self.api.op.security else {
            return false;
        };
        match &security.kind {
            specs::SecurityKind::Query(name) => Query::parse(raw_query).get(name) != Value::Absent,
            _ => security
                .header_name()
                .is_some_and(|h| headers.contains_key(h)),
        }
    }
}

/// Every paginated operation the mock serves, each with its own data, and the routing of a
/// request to one of them. The request counter (for rate limiting and drift), the decoy's
/// counters and the credentials are shared.
pub(crate) struct Site {
    /// One per operation, in spec order; never empty.
    pub(crate) apps: Vec<Arc<App>>,
    /// When each request arrived, for tests of a client's pace.
    pub(crate) arrivals: Mutex<Vec<std::time::Instant>>,
}

impl Site {
    /// The first operation, which answers what routes to none.
    pub(crate) fn first(&self) -> &App {
        &self.apps[0]
    }

    fn handle(
        &self,
        method: &Method,
        path: &str,
        raw_query: Option<&str>,
        headers: &HeaderMap,
    ) -> Response {
        let routed = self
            .apps
            .iter()
            .find_map(|app| route(&app.api, path).map(|params| (app, params)));
        let app = routed
            .as_ref()
            .map_or(self.first(), |(app, _)| app.as_ref());
        crate::lock(&self.arrivals).push(std::time::Instant::now());
        let n = app.requests.fetch_add(1, Ordering::Relaxed) + 1;
        app.drift_step(n);
        if let Some(limited) = app.rate_limited(n) {
            return limited;
        }
        match &routed {
            None => app.render(ApiError::new(404, "Not Found.")),
            Some((app, params)) => app.handle(method, path, params, raw_query, headers),
        }
    }
}

/// The mock's only handler.
pub(crate) async fn handler(State(site): State<Arc<Site>>, request: Request) -> Response {
    let (parts, _body) = request.into_parts();
    let response = site.handle(
        &parts.method,
        parts.uri.path(),
        parts.uri.query(),
        &parts.headers,
    );
    let latency = site.first().latency;
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    response
}

/// The decoy server's only handler: it counts requests, and those that carried the spec's
/// credential (a client that leaks its key to another origin), and answers 404 in the spec's
/// error shape.
pub(crate) async fn decoy_handler(State(site): State<Arc<Site>>, request: Request) -> Response {
    let app = site.first();
    app.decoy_requests.fetch_add(1, Ordering::Relaxed);
    if app.leaks(request.headers(), request.uri().query()) {
        app.decoy_leaks.fetch_add(1, Ordering::Relaxed);
    }
    ApiError::new(404, "Not Found.").render(&app.api, None, app.mode)
}
