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
use specs::Style;
use url::Url;

use crate::engine::Ctx;
use crate::probe::{Auth, ProbeError, Response};

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

/// How a page says what comes next (next-url and cursor styles).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Next {
    /// The member is absent.
    Absent,
    /// The member is `null`.
    Null,
    /// A next URL or cursor.
    Value(String),
}

/// One page of a walk.
#[derive(Debug, Clone)]
pub struct Page {
    /// The response.
    pub response: Arc<Response>,
    /// The items.
    pub items: Vec<Value>,
    /// Their keys (`item-key`, as compact JSON).
    pub keys: Vec<String>,
    /// The next link or cursor (next-url, cursor, link-header styles).
    pub next: Next,
    /// The has-more flag (item-cursor style).
    pub has_more: Option<bool>,
    /// The total number of items the page reports (offset, page styles).
    pub total: Option<u64>,
    /// The total number of pages the page reports (page style).
    pub total_pages: Option<u64>,
}

impl Page {
    /// The request as a curl line.
    pub fn curl(&self) -> String {
        self.response.request.curl()
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
}

impl WalkEnd {
    /// In words, for skip reasons.
    pub fn describe(&self) -> String {
        match self {
            WalkEnd::Last => "complete".into(),
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
        self.pages.get(1).map(|p| p.response.request.url.clone())
    }
}

/// The key of an item as compact JSON (`"dom_1"`, `101`); absent keys are `null`.
pub fn item_key(item: &Value, pointer: &str) -> String {
    item.pointer(pointer).unwrap_or(&Value::Null).to_string()
}

/// A JSON scalar as it would be written in a query string (`true`, `42`, `abc`).
pub fn as_param(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn count_at(body: &Value, pointer: &Option<String>) -> Result<Option<u64>, String> {
    match pointer {
        None => Ok(None),
        Some(p) => match body.pointer(p) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => v
                .as_u64()
                .map(Some)
                .ok_or_else(|| format!("{p} is not a whole number: {v}")),
        },
    }
}

/// The URL of `rel="next"` in a `Link` header (RFC 8288), relations compared without case.
pub fn link_next(header: Option<&str>) -> Result<Option<String>, String> {
    let Some(header) = header else {
        return Ok(None);
    };
    let links = parse_link_header::parse_with_rel(header)
        .map_err(|e| format!("the Link header {header:?} does not parse ({e:?})"))?;
    Ok(links
        .into_iter()
        .find(|(rel, _)| {
            rel.split_whitespace()
                .any(|r| r.eq_ignore_ascii_case("next"))
        })
        .map(|(_, link)| link.raw_uri))
}

/// Reads one response as a page of the paginated operation.
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
    let items = body
        .pointer(&p.items)
        .and_then(Value::as_array)
        .ok_or_else(|| format!("a 200 without an items array at {}", p.items))?
        .clone();
    let mut page = Page {
        keys: items.iter().map(|i| item_key(i, &p.item_key)).collect(),
        items,
        next: Next::Absent,
        has_more: None,
        total: None,
        total_pages: None,
        response: response.clone(),
    };
    match &p.style {
        Style::NextUrl { next, .. } | Style::Cursor { next, .. } => {
            page.next = match body.pointer(next) {
                None => Next::Absent,
                Some(Value::Null) => Next::Null,
                Some(Value::String(s)) => Next::Value(s.clone()),
                Some(other) => {
                    return Err(format!("{} is not a string or null: {other}", next.value))
                }
            };
        }
        Style::LinkHeader { .. } => {
            page.next = match link_next(response.header("link"))? {
                Some(url) => Next::Value(url),
                None => Next::Absent,
            };
        }
        Style::ItemCursor { has_more, .. } => {
            page.has_more = match body.pointer(has_more) {
                Some(Value::Bool(b)) => Some(*b),
                other => {
                    return Err(format!(
                        "{has_more} is not a boolean: {}",
                        other.map_or("absent".to_string(), Value::to_string)
                    ))
                }
            };
        }
        Style::Offset { total, .. } => page.total = count_at(body, total)?,
        Style::Page {
            total_pages, total, ..
        } => {
            page.total = count_at(body, total)?;
            page.total_pages = count_at(body, total_pages)?;
        }
    }
    Ok(page)
}

/// Where a walk goes after a page.
pub enum Step {
    /// To this URL; the string identifies the position (a link, a cursor, an offset).
    To(Url, String),
    /// Nowhere: the page is the last.
    End,
}

/// The next step of `request` after `page`, the `index`-th (from 0) page, whose URL was `at`;
/// `first` is the URL of the walk's first page.
pub fn step(
    ctx: &Ctx,
    request: &PageRequest,
    first: &Url,
    at: &Url,
    index: usize,
    page: &Page,
) -> Result<Step, String> {
    let p = ctx.pagination;
    let size = request.effective_size(p) as usize;
    match &p.style {
        Style::NextUrl { .. } | Style::LinkHeader { .. } => match &page.next {
            Next::Value(link) => at
                .join(link)
                .map(|u| Step::To(u, link.clone()))
                .map_err(|e| format!("next link {link:?} is not a URL ({e})")),
            _ => Ok(Step::End),
        },
        Style::Cursor { token_param, .. } => match &page.next {
            Next::Value(cursor) => Ok(Step::To(
                with_param(first, token_param, cursor),
                cursor.clone(),
            )),
            _ => Ok(Step::End),
        },
        Style::ItemCursor { after_param, .. } => match (page.has_more, page.items.last()) {
            (Some(true), Some(last)) => {
                let key = last
                    .pointer(&p.item_key)
                    .and_then(as_param)
                    .ok_or_else(|| format!("the last item has no usable key at {}", p.item_key))?;
                Ok(Step::To(with_param(first, after_param, &key), key))
            }
            (Some(true), None) => Err("an empty page says it has more".into()),
            _ => Ok(Step::End),
        },
        // With a total, the total says where the list ends (a short page before it is a
        // page-size violation, not the end); without one, a short page is the last.
        Style::Offset { offset_param, .. } => {
            let next = (index + 1) * size;
            let last = match page.total {
                Some(total) => next as u64 >= total,
                None => page.items.len() < size,
            };
            if last {
                Ok(Step::End)
            } else {
                Ok(Step::To(
                    with_param(first, offset_param, &next.to_string()),
                    next.to_string(),
                ))
            }
        }
        Style::Page {
            page_param,
            first: first_number,
            ..
        } => {
            let number = first_number + index as u64 + 1;
            let last = match (page.total_pages, page.total) {
                (Some(pages), _) => number >= first_number + pages,
                (None, Some(total)) => (index as u64 + 1) * size as u64 >= total,
                (None, None) => page.items.len() < size,
            };
            if last {
                Ok(Step::End)
            } else {
                Ok(Step::To(
                    with_param(first, page_param, &number.to_string()),
                    number.to_string(),
                ))
            }
        }
    }
}

/// Walks every page of `request` with the target's credential, stopping after `page_cap`
/// pages.
pub async fn walk(ctx: &Ctx<'_>, request: &PageRequest, page_cap: usize) -> Walk {
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
    let mut seen_pages: HashSet<Vec<String>> = HashSet::new();
    let mut empty_in_a_row = 0;
    let mut repeated_in_a_row = 0;
    let mut distinct: HashSet<String> = HashSet::new();
    // One turn for every page: the walk's next page goes before requests that came later.
    let turn = ctx.probe.turn();
    let done = |pages, end| Walk {
        request: request.clone(),
        pages,
        end,
    };
    loop {
        let response = match ctx.probe.get_in_turn(&url, &Auth::Target, turn).await {
            Ok(r) => r,
            Err(e) => {
                ctx.note_error(&e);
                return done(pages, WalkEnd::Probe(e));
            }
        };
        let curl = response.request.curl();
        let status = response.status;
        let page = match read_page(ctx, response) {
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
        let repeated = !page.keys.is_empty() && !seen_pages.insert(page.keys.clone());
        repeated_in_a_row = if repeated { repeated_in_a_row + 1 } else { 0 };
        empty_in_a_row = if page.keys.is_empty() {
            empty_in_a_row + 1
        } else {
            0
        };
        let next = step(ctx, request, &first_url, &url, pages.len(), &page);
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
        if empty_in_a_row >= EMPTY_PAGES_IN_A_ROW {
            return done(
                pages,
                endless(format!(
                    "{empty_in_a_row} empty pages in a row still point to a next page"
                )),
            );
        }
        distinct.extend(pages[n - 1].keys.iter().cloned());
        let cap = grown_cap(
            page_cap,
            distinct.len(),
            request.effective_size(ctx.pagination),
        );
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
pub fn with_param(url: &Url, name: &str, value: &str) -> Url {
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| k != name)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let mut out = url.clone();
    out.set_query(None);
    {
        let mut q = out.query_pairs_mut();
        for (k, v) in &pairs {
            q.append_pair(k, v);
        }
        q.append_pair(name, value);
    }
    out
}

/// The pages a walk at `size` may take at most: twice what `total` items need, plus a few.
pub fn page_cap(total: u64, size: u64) -> usize {
    (2 * total.div_ceil(size.max(1)) + 3) as usize
}

/// The page cap of a walk that has seen `distinct` items so far: a list that grows while it
/// is walked (a shared sandbox) brings new items on every page, and gets room for them, up to
/// four times the cap derived from the first walk. A walk that cycles over the same items, or
/// over empty pages, does not grow its cap.
fn grown_cap(cap: usize, distinct: usize, size: u64) -> usize {
    cap.max(page_cap(distinct as u64, size))
        .min(cap.saturating_mul(4))
}
