//! Walking every page of a list, as `x-pagination` describes it, without ever hanging.
//!
//! A walk ends at a page that signals the end, or is stopped with a termination verdict: a
//! next link or cursor seen before, a non-empty page identical to an earlier one, several empty
//! pages in a row that still point further, or a page cap (derived by the caller from the first
//! walk). A page that is not a usable 200 page ends it as well.

use std::collections::HashSet;
use std::sync::Arc;

use serde_json::Value;
use specs::NextKind;
use url::Url;

use super::Ctx;
use crate::probe::{Auth, ProbeError, Response};

/// Empty pages in a row, each pointing to a next page, after which a walk is judged endless.
/// A server may legitimately serve an empty page before the last one (filtered cursors), but
/// not indefinitely.
const EMPTY_PAGES_IN_A_ROW: usize = 3;

/// What a walk asks for on its first page.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageRequest {
    /// Page size sent in `size-param`; `None` sends none (the default applies).
    pub size: Option<u64>,
    /// Filters and other query parameters.
    pub query: Vec<(String, String)>,
    /// Path parameters that differ from the target's.
    pub path: Vec<(&'static str, String)>,
}

impl PageRequest {
    /// A request at one page size and no filters.
    pub fn sized(size: Option<u64>) -> PageRequest {
        PageRequest {
            size,
            ..PageRequest::default()
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
}

/// How a page says what comes next.
#[derive(Debug, Clone, PartialEq)]
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
    /// The next link or cursor.
    pub next: Next,
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
    },
    /// A page was not a usable 200 page.
    BadPage {
        /// What was wrong.
        message: String,
        /// The request.
        request: String,
    },
    /// No response (see the probe's incidents).
    Probe(ProbeError),
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

    /// The curl line of the first page (or of the request that was never answered).
    pub fn first_curl(&self) -> Option<String> {
        self.pages.first().map(Page::curl)
    }
}

/// The key of an item as compact JSON (`"dom_1"`, `101`); absent keys are `null`.
pub fn item_key(item: &Value, pointer: &str) -> String {
    item.pointer(pointer).unwrap_or(&Value::Null).to_string()
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
    let next = match body.pointer(&p.next) {
        None => Next::Absent,
        Some(Value::Null) => Next::Null,
        Some(Value::String(s)) => Next::Value(s.clone()),
        Some(other) => return Err(format!("{} is not a string or null: {other}", p.next)),
    };
    let keys = items.iter().map(|i| item_key(i, &p.item_key)).collect();
    Ok(Page {
        response,
        items,
        keys,
        next,
    })
}

/// Walks every page of `request`, stopping after `page_cap` pages.
pub fn walk(ctx: &Ctx, request: &PageRequest, page_cap: usize) -> Walk {
    let p = ctx.pagination;
    let first_query = request.first_query(&p.size_param);
    let first_url = ctx.url(&request.path, &first_query);
    let mut url = first_url.clone();
    let mut pages: Vec<Page> = Vec::new();
    let mut seen_next: HashSet<String> = HashSet::new();
    let mut seen_pages: HashSet<Vec<String>> = HashSet::new();
    let mut empty_in_a_row = 0;
    let done = |pages, end| Walk {
        request: request.clone(),
        pages,
        end,
    };
    loop {
        let response = match ctx.probe.get(&url, &Auth::Target) {
            Ok(r) => r,
            Err(e) => {
                ctx.note_error(&e);
                return done(pages, WalkEnd::Probe(e));
            }
        };
        let curl = response.request.curl();
        let page = match read_page(ctx, response) {
            Ok(page) => page,
            Err(message) => {
                let n = pages.len() + 1;
                return done(
                    pages,
                    WalkEnd::BadPage {
                        message: format!("page {n}: {message}"),
                        request: curl,
                    },
                );
            }
        };
        let next = page.next.clone();
        let repeated = !page.keys.is_empty() && !seen_pages.insert(page.keys.clone());
        empty_in_a_row = if page.keys.is_empty() {
            empty_in_a_row + 1
        } else {
            0
        };
        pages.push(page);
        let n = pages.len();
        if repeated {
            return done(
                pages,
                WalkEnd::Endless {
                    message: format!(
                        "page {n} repeats the items of an earlier page: the walk would cycle"
                    ),
                    request: curl,
                },
            );
        }
        let Next::Value(token) = next else {
            return done(pages, WalkEnd::Last);
        };
        if !seen_next.insert(token.clone()) {
            return done(
                pages,
                WalkEnd::Endless {
                    message: format!(
                        "page {n} points to a next page already followed ({token:?}): the walk would cycle"
                    ),
                    request: curl,
                },
            );
        }
        if empty_in_a_row >= EMPTY_PAGES_IN_A_ROW {
            return done(
                pages,
                WalkEnd::Endless {
                    message: format!(
                        "{empty_in_a_row} empty pages in a row still point to a next page"
                    ),
                    request: curl,
                },
            );
        }
        if n >= page_cap {
            return done(
                pages,
                WalkEnd::Endless {
                    message: format!(
                        "no last page after {n} pages (cap derived from the first walk)"
                    ),
                    request: curl,
                },
            );
        }
        url = match p.kind {
            NextKind::NextUrl => match pages[n - 1].response.request.url.join(&token) {
                Ok(u) => u,
                Err(e) => {
                    return done(
                        pages,
                        WalkEnd::BadPage {
                            message: format!("page {n}: next link {token:?} is not a URL ({e})"),
                            request: curl,
                        },
                    )
                }
            },
            NextKind::Cursor => next_cursor_url(&first_url, &p.token_param, &token),
        };
    }
}

/// The first page's URL with the cursor parameter set.
pub fn next_cursor_url(first: &Url, token_param: &str, token: &str) -> Url {
    let pairs: Vec<(String, String)> = first
        .query_pairs()
        .filter(|(k, _)| k != token_param)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let mut url = first.clone();
    url.set_query(None);
    {
        let mut q = url.query_pairs_mut();
        for (k, v) in &pairs {
            q.append_pair(k, v);
        }
        q.append_pair(token_param, token);
    }
    url
}

/// A URL with one query parameter replaced (or added).
pub fn with_param(url: &Url, name: &str, value: &str) -> Url {
    next_cursor_url(url, name, value)
}
