//! Walking every page of a list, as `x-pagination` describes it, without ever hanging.
//!
//! A walk ends at a page that signals the end (in the way its style does), or is stopped with
//! a termination verdict: a next link or cursor seen before, several non-empty pages in a row
//! identical to earlier ones, several empty pages in a row that still point further, or a page
//! cap (derived by the caller from the first walk). A page that is not a usable 200 page ends
//! it as well.

use std::collections::HashSet;
use std::sync::Arc;

use serde_json::Value;
use specs::walk::{Observed, Step as WalkStep, Walker};
use url::Url;

use crate::engine::Ctx;
use crate::probe::{Auth, ProbeError, RequestInfo, Response};

/// Empty pages in a row, each pointing to a next page, after which a walk is judged endless.
/// A server may legitimately serve an empty page before the last one (filtered cursors), but
/// not indefinitely.
const EMPTY_PAGES_IN_A_ROW: usize = 3;

/// Pages in a row that repeat an earlier page's items, each pointing to a next position not
/// followed before, after which a walk is judged endless. One such page is no cycle: an item
/// inserted ahead moves the last item of a page of one onto the next page (a duplicate, which
/// `pagination/no-duplicates` judges).
const REPEATED_PAGES_IN_A_ROW: usize = 3;

/// What a walk asks for on its first page.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageRequest {
    /// Page size sent in `size-param`; `None` sends none (the default applies).
    pub size: Option<u64>,
    /// Filters and other query parameters.
    pub query: Vec<(String, String)>,
    /// Path parameters that differ from the target's.
    pub path: Vec<(String, String)>,
    /// Where in the list the walk starts, for a window deep in the list; `None` starts at
    /// the beginning.
    pub start: Option<Start>,
}

/// The start of a walk deep in an addressable list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Start {
    /// The position parameter (an offset, a page number, an item's key) and its value.
    pub param: String,
    /// See `param`.
    pub value: String,
    /// The items before the start.
    pub skipped: u64,
}

impl PageRequest {
    /// A request at one page size and no filters.
    pub fn sized(size: Option<u64>) -> PageRequest {
        PageRequest {
            size,
            ..PageRequest::default()
        }
    }

    /// The same request at another page size.
    pub fn at_size(&self, size: Option<u64>) -> PageRequest {
        PageRequest {
            size,
            ..self.clone()
        }
    }

    /// The query of the first page.
    pub fn first_query(&self, size_param: &str) -> Vec<(String, String)> {
        let mut q = self.query.clone();
        if let Some(s) = self.size {
            q.push((size_param.to_string(), s.to_string()));
        }
        if let Some(start) = &self.start {
            q.push((start.param.clone(), start.value.clone()));
        }
        q
    }

    /// The filters as `a=1&b=2`, for messages.
    pub fn label(&self, size_param: &str, size_default: u64) -> String {
        let mut parts: Vec<String> = self.query.iter().map(|(k, v)| format!("{k}={v}")).collect();
        parts.extend(self.path.iter().map(|(k, v)| format!("{{{k}}}={v}")));
        let size = match self.size {
            Some(s) => format!("{size_param}={s}"),
            None => format!("the default size ({size_default})"),
        };
        let size = match &self.start {
            Some(start) => format!("{size} from {}={}", start.param, start.value),
            None => size,
        };
        if parts.is_empty() {
            format!("walk at {size}")
        } else {
            format!("walk of {} at {size}", parts.join("&"))
        }
    }

    /// The page size the server should apply: the requested one within the range, or the
    /// default.
    pub fn effective_size(&self, p: &specs::Pagination) -> u64 {
        self.size
            .unwrap_or(p.size_default)
            .clamp(p.size_min, p.size_max)
    }
}

/// One page of a walk, without its body: the walks of a run keep what their checks read.
#[derive(Debug, Clone)]
pub struct Page {
    /// The request that got it.
    pub request: RequestInfo,
    /// The items, each reduced to the members the checks read ([`Ctx::projection`]), shared
    /// with the snapshots of the run; empty where the walk keeps only keys.
    pub items: Arc<[Value]>,
    /// Their keys (`item-key`, as compact JSON).
    pub keys: Vec<String>,
    /// What the page says about the next one, as the walk model reads it.
    pub observed: Observed,
    /// The page's item count and size echo, where `x-pagination` declares them and the body
    /// has them.
    pub count: Option<Value>,
    /// See `count`.
    pub echo: Option<Value>,
}

impl Page {
    /// The request as a curl line.
    pub fn curl(&self) -> String {
        self.request.curl()
    }
}

/// Why a walk ended.
#[derive(Debug, Clone)]
pub enum WalkEnd {
    /// A page signalled the end.
    Last,
    /// The walk did not terminate properly (a termination violation).
    Endless {
        /// What was seen.
        message: String,
        /// The request that showed it.
        request: String,
        /// For pages that repeated earlier pages' items, those items: a list that grows at
        /// its head while it is read by offsets shows the same, which only the run's bracket
        /// tells apart.
        repeated: Vec<String>,
    },
    /// A page was not a usable 200 page.
    BadPage {
        /// What was wrong.
        message: String,
        /// The request.
        request: String,
        /// Its status, when it had one.
        status: Option<u16>,
    },
    /// No response (see the probe's incidents).
    Probe(ProbeError),
    /// Stopped on purpose before the last page: the window it was to cover is covered, or
    /// its share of the request budget is spent. Every page it got says more follow.
    Stopped(Stopped),
}

/// Why a walk stopped before the last page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stopped {
    /// It covered the window of the list it was to compare.
    Window,
    /// It took as many pages as its share of the request budget allows.
    Budget,
}

/// How far a walk may go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reach {
    /// The termination guard: more pages than this (grown with the distinct items seen)
    /// judges the walk endless.
    pub page_cap: usize,
    /// Stop once this many items are received: a window of the list.
    pub items: Option<usize>,
    /// Stop after this many pages: the walk's share of the request budget.
    pub pages: Option<usize>,
    /// How many of its items (reduced to what the checks read) the walk keeps, besides every
    /// key: the walks whose items are judged or looked up later keep them, a long walk only
    /// its first ones.
    pub keep_items: usize,
}

/// The items a long walk keeps: enough to find the values of the filters and judge filtered
/// walks against, whatever the length of the list.
pub const ITEMS_KEPT: usize = 20_000;

impl Reach {
    /// To the last page, with `page_cap` as the termination guard.
    pub fn full(page_cap: usize) -> Reach {
        Reach {
            page_cap,
            items: None,
            pages: None,
            keep_items: ITEMS_KEPT,
        }
    }

    /// The first `items` items (or to the end, if sooner).
    pub fn window(items: usize) -> Reach {
        Reach {
            page_cap: usize::MAX,
            items: Some(items),
            pages: None,
            keep_items: 0,
        }
    }

    /// At most `pages` pages, spent on the way to the end.
    pub fn within(page_cap: usize, pages: usize) -> Reach {
        Reach {
            page_cap,
            items: None,
            pages: Some(pages),
            keep_items: ITEMS_KEPT,
        }
    }
}

impl WalkEnd {
    /// In words, for skip reasons.
    pub fn describe(&self) -> String {
        match self {
            WalkEnd::Last => "complete".into(),
            WalkEnd::Stopped(Stopped::Window) => "stopped after its window".into(),
            WalkEnd::Stopped(Stopped::Budget) => {
                "stopped where its share of the request budget ran out".into()
            }
            WalkEnd::Probe(e) => e.to_string(),
            WalkEnd::Endless { message, .. } | WalkEnd::BadPage { message, .. } => message.clone(),
        }
    }
}

/// Every page of one walk.
#[derive(Debug, Clone)]
pub struct Walk {
    /// What was asked for.
    pub request: PageRequest,
    /// The pages, in order.
    pub pages: Vec<Page>,
    /// Why it ended.
    pub end: WalkEnd,
}

impl Walk {
    /// Whether the walk reached a last page.
    pub fn complete(&self) -> bool {
        matches!(self.end, WalkEnd::Last)
    }

    /// Whether every page it got was a good page: it reached the last page, or was stopped
    /// on purpose before it.
    pub fn usable(&self) -> bool {
        matches!(self.end, WalkEnd::Last | WalkEnd::Stopped(_))
    }

    /// The number of items it received (duplicates included).
    pub fn item_count(&self) -> usize {
        self.pages.iter().map(|p| p.keys.len()).sum()
    }

    /// The most items a walk of the same list, at any size, may page past: the items this one
    /// listed; where pages before the last may be short (a window filtered after it is taken),
    /// every window it took, as full (what a page cap derived from a walk counts).
    pub fn span(&self, p: &specs::Pagination) -> u64 {
        let listed = self.item_count() as u64;
        match p.short_pages {
            true => listed.max(self.pages.len() as u64 * self.request.effective_size(p)),
            false => listed,
        }
    }

    /// Every item key, in order, duplicates kept.
    pub fn keys(&self) -> Vec<String> {
        self.pages.iter().flat_map(|p| p.keys.clone()).collect()
    }

    /// Every item, in order.
    pub fn items(&self) -> impl Iterator<Item = &Value> {
        self.pages.iter().flat_map(|p| p.items.iter())
    }

    /// The curl line of the first page.
    pub fn first_curl(&self) -> Option<String> {
        self.pages.first().map(Page::curl)
    }

    /// The first continuation request of the walk (its second page's URL), if it has one.
    pub fn continuation(&self) -> Option<Url> {
        self.pages.get(1).map(|p| p.request.url.clone())
    }
}

/// The key of an item as compact JSON (`"dom_1"`, `101`); absent keys are `null`.
pub fn item_key(item: &Value, pointer: &str) -> String {
    item.pointer(pointer).unwrap_or(&Value::Null).to_string()
}

/// A JSON scalar as it would be written in a query string (`true`, `42`, `abc`).
pub fn as_param(value: &Value) -> Option<String> {
    specs::param_text(value)
}

/// Reads one response as a page of the paginated operation, along the spec's pointers.
pub fn read_page(ctx: &Ctx, response: Arc<Response>) -> Result<Page, String> {
    let p = ctx.pagination;
    if response.status != 200 {
        let excerpt = match &response.json {
            Ok(v) => v.to_string().chars().take(160).collect::<String>(),
            Err(e) => e.clone(),
        };
        return Err(format!(
            "status {} instead of a page: {excerpt}",
            response.status
        ));
    }
    let body = response
        .json
        .as_ref()
        .map_err(|e| format!("a 200 whose body is {e}"))?;
    if let Some(error) = ctx.op.errors.in_body_error(response.status, Some(body)) {
        let code = error
            .code
            .map_or("no code".to_string(), |c| format!("code {c:?}"));
        return Err(format!(
            "a 200 whose body says it is an error ({code}), not a page"
        ));
    }
    let (items, observed) = p.observe(body, &|name| response.header_values(name))?;
    let member = |pointer: &Option<specs::Pointer>| {
        pointer.as_deref().and_then(|at| body.pointer(at)).cloned()
    };
    Ok(Page {
        keys: items.iter().map(|i| item_key(i, &p.item_key)).collect(),
        items: items
            .iter()
            .map(|item| specs::Pointer::project(item, ctx.projection()))
            .collect::<Vec<_>>()
            .into(),
        observed,
        count: member(&p.count),
        echo: member(&p.size_echo),
        request: response.request.clone(),
    })
}

/// Where a walk goes after a page: the next request (with the position it stands for), or
/// the end.
pub enum Step {
    /// To this URL; the string identifies the position (a link, a cursor, an offset).
    To(Url, String),
    /// Nowhere: the page is the last.
    End,
}

/// The next step of `walker` after `page`, the page that the request to `at` got; `first` is
/// the URL of the walk's first page, which a position parameter is set on.
pub fn step(
    ctx: &Ctx,
    walker: &mut Walker,
    first: &Url,
    at: &Url,
    page: &Page,
) -> Result<Step, String> {
    match walker.step(&page.observed, Some(at), ctx.probe.base())? {
        WalkStep::End(_) => Ok(Step::End),
        WalkStep::Next(next) => Ok(Step::To(next.url(first), next.position().to_string())),
    }
}

/// A walker for `request`: the model of the operation's walk at the request's page size.
pub fn walker(ctx: &Ctx, request: &PageRequest) -> Walker {
    Walker::from_position(
        ctx.pagination.walk.clone(),
        request.effective_size(ctx.pagination),
        request.start.as_ref().map_or(0, |s| s.skipped),
    )
}

/// Walks every page of `request` with the target's credential, judging it endless after
/// `page_cap` pages.
pub async fn walk(ctx: &Ctx<'_>, request: &PageRequest, page_cap: usize) -> Walk {
    walk_within(ctx, request, Reach::full(page_cap)).await
}

/// Walks the pages of `request` with the target's credential as far as `reach` allows.
pub async fn walk_within(ctx: &Ctx<'_>, request: &PageRequest, reach: Reach) -> Walk {
    walk_as(ctx, request, reach, &Auth::Target).await
}

/// Walks the pages of `request` with the credential `auth` chooses (the viewer's, or none) as
/// far as `reach` allows.
pub async fn walk_as(ctx: &Ctx<'_>, request: &PageRequest, reach: Reach, auth: &Auth) -> Walk {
    let page_cap = reach.page_cap;
    let p = ctx.pagination;
    let path: Vec<(&str, String)> = request
        .path
        .iter()
        .map(|(k, v)| (k.as_str(), v.clone()))
        .collect();
    let first_url = ctx.url(&path, &request.first_query(&p.size_param));
    let mut url = first_url.clone();
    let mut pages: Vec<Page> = Vec::new();
    let mut seen_next: HashSet<String> = HashSet::new();
    // Pages and keys seen, by hash: a long walk keeps no second copy of its keys.
    let mut seen_pages: HashSet<u64> = HashSet::new();
    let mut empty_in_a_row = 0;
    let mut repeated_in_a_row = 0;
    let mut distinct: HashSet<u64> = HashSet::new();
    // The page size the pages are served at, for the cap: the effective size, or the smallest
    // an authoritative echo said the server lowered it to.
    let mut served = request.effective_size(p);
    let mut walker = walker(ctx, request);
    // One turn for every page: the walk's next page goes before requests that came later.
    let turn = ctx.probe.turn();
    let done = |pages, end| Walk {
        request: request.clone(),
        pages,
        end,
    };
    loop {
        let got = ctx
            .probe
            .get_in_turn(&url, auth, turn, &ctx.op.operation_id)
            .await;
        ctx.absorb();
        let response = match got {
            Ok(r) => r,
            Err(e) => {
                ctx.note_error(&e);
                return done(pages, WalkEnd::Probe(e));
            }
        };
        let curl = response.request.curl();
        let status = response.status;
        let kept: usize = pages.iter().map(|p| p.items.len()).sum();
        let page = match read_page(ctx, response) {
            Ok(page) if kept + page.keys.len() > reach.keep_items => Page {
                items: Arc::from([]),
                ..page
            },
            Ok(page) => page,
            Err(message) => {
                let n = pages.len() + 1;
                return done(
                    pages,
                    WalkEnd::BadPage {
                        message: format!("page {n}: {message}"),
                        request: curl,
                        status: Some(status),
                    },
                );
            }
        };
        let repeated = !page.keys.is_empty() && !seen_pages.insert(hash_of(&page.keys));
        repeated_in_a_row = if repeated { repeated_in_a_row + 1 } else { 0 };
        empty_in_a_row = if page.keys.is_empty() {
            empty_in_a_row + 1
        } else {
            0
        };
        let next = step(ctx, &mut walker, &first_url, &url, &page);
        served = page
            .observed
            .size
            .filter(|&echo| echo > 0)
            .map_or(served, |echo| echo.min(served));
        pages.push(page);
        let n = pages.len();
        let endless = |message: String| WalkEnd::Endless {
            message,
            request: curl.clone(),
            repeated: Vec::new(),
        };
        if repeated_in_a_row >= REPEATED_PAGES_IN_A_ROW {
            let repeated = pages[n - repeated_in_a_row..]
                .iter()
                .flat_map(|p| p.keys.iter().cloned())
                .collect();
            return done(
                pages,
                WalkEnd::Endless {
                    message: format!(
                        "{repeated_in_a_row} pages in a row, to page {n}, repeat the items of earlier pages: the walk would cycle"
                    ),
                    request: curl.clone(),
                    repeated,
                },
            );
        }
        let (next_url, token) = match next {
            Ok(Step::End) => return done(pages, WalkEnd::Last),
            Ok(Step::To(u, t)) => (u, t),
            Err(message) => {
                return done(
                    pages,
                    WalkEnd::BadPage {
                        message: format!("page {n}: {message}"),
                        request: curl.clone(),
                        status: Some(status),
                    },
                )
            }
        };
        if !seen_next.insert(token.clone()) {
            return done(pages, endless(format!("page {n} points to a next page already followed ({token:?}): the walk would cycle")));
        }
        // Where the vendor says pages before the last may be empty (a window filtered after it
        // is taken), a run of them is a sparse filter, and the page cap bounds the walk.
        if empty_in_a_row >= EMPTY_PAGES_IN_A_ROW && !ctx.pagination.short_pages {
            return done(
                pages,
                endless(format!(
                    "{empty_in_a_row} empty pages in a row still point to a next page"
                )),
            );
        }
        distinct.extend(pages[n - 1].keys.iter().map(hash_of));
        let received: usize = pages.iter().map(|p| p.keys.len()).sum();
        if reach.items.is_some_and(|items| received >= items) {
            return done(pages, WalkEnd::Stopped(Stopped::Window));
        }
        if reach.pages.is_some_and(|most| n >= most) {
            return done(pages, WalkEnd::Stopped(Stopped::Budget));
        }
        let cap = grown_cap(page_cap, distinct.len(), served);
        if n >= cap {
            return done(
                pages,
                endless(format!(
                    "no last page after {n} pages (cap derived from the first walk and the items seen)"
                )),
            );
        }
        url = next_url;
    }
}

/// A URL with one query parameter replaced (or added at the end).
pub use client_runtime::with_param;

/// The pages a walk at `size` may take at most: twice what `total` items need, plus a few.
pub fn page_cap(total: u64, size: u64) -> usize {
    (2 * total.div_ceil(size.max(1)) + 3) as usize
}

/// A hash of `value`, to tell values apart without keeping them.
fn hash_of<T: std::hash::Hash + ?Sized>(value: &T) -> u64 {
    use std::hash::{BuildHasher, BuildHasherDefault};
    BuildHasherDefault::<std::collections::hash_map::DefaultHasher>::default().hash_one(value)
}

/// The page cap of a walk that has seen `distinct` items so far: a list that grows while it
/// is walked (a shared sandbox) brings new items on every page, and gets room for them, up to
/// four times the cap derived from the first walk. A walk that cycles over the same items, or
/// over empty pages, does not grow its cap.
fn grown_cap(cap: usize, distinct: usize, size: u64) -> usize {
    cap.max(page_cap(distinct as u64, size))
        .min(cap.saturating_mul(4))
}
