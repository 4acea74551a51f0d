//! Our `x-` extensions: their types, and reading them out of the raw document.
//!
//! Each extension is read with unknown keys refused, so a typo in a spec is an error with a
//! pointer rather than a silently ignored key. Cross-checks (a `size-param` that names a real
//! query parameter, a `size-max` equal to that parameter's `maximum`) keep the extensions and
//! the standard OpenAPI facts from drifting apart. A key of an extension may carry a reading
//! (`x-reading` on the extension object, keyed by the key); such a key is a [`Fact`] whose
//! `reading` is set.

use std::cell::RefCell;
use std::collections::BTreeSet;

use serde_json::{Map, Value};

use crate::model::{Location, OpContext, Parameter};
use crate::readings::{covering, Reading};
use crate::SpecError;

/// A rule of the spec with its provenance: the page stated it (`reading` is `None`), or the
/// spec chose it where the page is silent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fact<T> {
    /// The rule.
    pub value: T,
    /// The reading it rests on, if the page does not state it.
    pub reading: Option<Reading>,
}

impl<T> Fact<T> {
    /// A rule the page states.
    pub fn documented(value: T) -> Fact<T> {
        Fact {
            value,
            reading: None,
        }
    }
}

impl<T> std::ops::Deref for Fact<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}

/// What a server may do with a value outside a documented range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Bound {
    /// Refuse the request with one of the `invalid-param` statuses.
    Reject,
    /// Serve the nearest value of the range instead.
    Clamp,
}

/// How the last page says that there is no next page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LastPage {
    /// The `next` member is absent.
    Absent,
    /// The `next` member is JSON `null`.
    Null,
}

/// The name of a pagination style, for messages and matching.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum StyleKind {
    /// `next-url`
    NextUrl,
    /// `link-header`
    LinkHeader,
    /// `cursor`
    Cursor,
    /// `item-cursor`
    ItemCursor,
    /// `offset`
    Offset,
    /// `page`
    Page,
}

impl StyleKind {
    /// Every style, in the order the vocabulary lists them.
    pub const ALL: [StyleKind; 6] = [
        StyleKind::NextUrl,
        StyleKind::LinkHeader,
        StyleKind::Cursor,
        StyleKind::ItemCursor,
        StyleKind::Offset,
        StyleKind::Page,
    ];

    /// The name in `x-pagination.style`.
    pub fn name(self) -> &'static str {
        match self {
            StyleKind::NextUrl => "next-url",
            StyleKind::LinkHeader => "link-header",
            StyleKind::Cursor => "cursor",
            StyleKind::ItemCursor => "item-cursor",
            StyleKind::Offset => "offset",
            StyleKind::Page => "page",
        }
    }

    fn parse(s: &str) -> Option<StyleKind> {
        StyleKind::ALL.into_iter().find(|k| k.name() == s)
    }
}

impl std::fmt::Display for StyleKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// How the next page is reached, with the names and pointers each style needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Style {
    /// The body carries the next page's full URL, followed verbatim (`links.next`).
    NextUrl {
        /// Pointer to the next URL in the body.
        next: Fact<String>,
        /// The query parameter of the link that carries the page token.
        token_param: String,
        /// Accepted ways for the last page to say that there is no next page.
        last_page: Fact<Vec<LastPage>>,
    },
    /// The `Link` header (RFC 8288) carries the next page's URL as `rel="next"`.
    LinkHeader {
        /// The query parameter of the link that carries the page token or number, if known.
        token_param: Option<String>,
    },
    /// The body carries an opaque cursor, sent back in `token-param` with the same query.
    Cursor {
        /// Pointer to the cursor in the body.
        next: Fact<String>,
        /// The query parameter that carries it.
        token_param: String,
        /// Accepted ways for the last page to say that there is no next page.
        last_page: Fact<Vec<LastPage>>,
    },
    /// The next page starts after the last item's key (`starting_after`), and a flag says
    /// whether there is more.
    ItemCursor {
        /// The query parameter that takes the key of the last item seen.
        after_param: String,
        /// The query parameter that takes the key of the first item seen, to page backwards.
        before_param: Option<String>,
        /// Pointer to the boolean that is true when more items follow.
        has_more: String,
    },
    /// Pages are windows of an offset and a size.
    Offset {
        /// The query parameter of the offset (0 for the first item).
        offset_param: String,
        /// Pointer to the total number of items, when the body carries it.
        total: Option<String>,
    },
    /// Pages are numbered.
    Page {
        /// The query parameter of the page number.
        page_param: String,
        /// The number of the first page (0 or 1).
        first: u64,
        /// Pointer to the number of pages, when the body carries it.
        total_pages: Option<String>,
        /// Pointer to the total number of items, when the body carries it.
        total: Option<String>,
    },
}

impl Style {
    /// The style's name.
    pub fn kind(&self) -> StyleKind {
        match self {
            Style::NextUrl { .. } => StyleKind::NextUrl,
            Style::LinkHeader { .. } => StyleKind::LinkHeader,
            Style::Cursor { .. } => StyleKind::Cursor,
            Style::ItemCursor { .. } => StyleKind::ItemCursor,
            Style::Offset { .. } => StyleKind::Offset,
            Style::Page { .. } => StyleKind::Page,
        }
    }

    /// The query parameter that carries the position of a page, when the style has one.
    pub fn position_param(&self) -> Option<&str> {
        match self {
            Style::NextUrl { token_param, .. } | Style::Cursor { token_param, .. } => {
                Some(token_param)
            }
            Style::LinkHeader { token_param } => token_param.as_deref(),
            Style::ItemCursor { after_param, .. } => Some(after_param),
            Style::Offset { offset_param, .. } => Some(offset_param),
            Style::Page { page_param, .. } => Some(page_param),
        }
    }
}

/// `x-pagination` on an operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pagination {
    /// Pointer to the `x-pagination` object, where its readings are marked.
    pub pointer: String,
    /// How the next page is reached.
    pub style: Style,
    /// JSON pointer to the array of items in the body.
    pub items: String,
    /// JSON pointer, inside an item, to its unique identity.
    pub item_key: String,
    /// Query parameter that sets the page size.
    pub size_param: String,
    /// Page size when `size-param` is not sent (the parameter's `default`).
    pub size_default: u64,
    /// Largest page size (the parameter's `maximum`).
    pub size_max: u64,
    /// Smallest page size (the parameter's `minimum`, 1 when it has none).
    pub size_min: u64,
    /// Accepted behaviours for a page size above `size-max`.
    pub over_max: Fact<Vec<Bound>>,
    /// Accepted behaviours for a page size below `size-min`.
    pub under_min: Fact<Vec<Bound>>,
    /// JSON pointer to a field that equals the number of items on the page.
    pub count: Option<String>,
    /// JSON pointer to a field that equals the effective page size.
    pub size_echo: Option<String>,
}

/// How a filter parameter relates to the items returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Match {
    /// The item's `field` equals the parameter value.
    Equals,
    /// The item's `field` is an array containing the parameter value.
    Contains,
    /// The parameter identifies an owner that is not in the response; all matches share one
    /// value of `field` (the owner's id), and that value is never absent.
    Owner,
}

/// `x-filter` on a query or path parameter, with the parameter it sits on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filter {
    /// The parameter.
    pub param: String,
    /// Where it travels (query or path).
    pub location: Location,
    /// JSON pointer inside an item to the field the filter constrains.
    pub field: String,
    /// How the parameter value relates to the field.
    pub matching: Match,
    /// The parameter's `enum`, if it has one (from the schema, `$ref`s resolved).
    pub values: Option<Vec<String>>,
    /// A reading marked on the parameter.
    pub reading: Option<Reading>,
}

/// `x-errors`: for each kind of refusal, the statuses the checks accept.
///
/// Without `x-errors`, or for a kind it does not list, the HTTP conventions apply: 401 or 403
/// for a missing or invalid credential, any 4xx for invalid input, 429 when rate limited.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorRules {
    /// No credentials sent.
    pub missing_key: Fact<Vec<u16>>,
    /// Credentials sent but not valid.
    pub invalid_key: Fact<Vec<u16>>,
    /// A parameter out of its documented range or enum, or not of its type.
    pub invalid_param: Fact<Vec<u16>>,
    /// A page token or cursor that the server did not issue.
    pub invalid_token: Fact<Vec<u16>>,
    /// Rate limited.
    pub rate_limited: Fact<Vec<u16>>,
    /// Pointer, in an error body, to the human-readable message.
    pub message: Option<String>,
    /// Pointer, in an error body, to field-level details (parameter → messages).
    pub details: Option<String>,
}

/// The statuses HTTP allows for a refused credential.
pub const AUTH_STATUSES: [u16; 2] = [401, 403];

fn client_errors() -> Vec<u16> {
    (400..=499).collect()
}

impl Default for ErrorRules {
    fn default() -> ErrorRules {
        ErrorRules {
            missing_key: Fact::documented(AUTH_STATUSES.to_vec()),
            invalid_key: Fact::documented(AUTH_STATUSES.to_vec()),
            invalid_param: Fact::documented(client_errors()),
            invalid_token: Fact::documented(client_errors()),
            rate_limited: Fact::documented(vec![429]),
            message: None,
            details: None,
        }
    }
}

/// What a credential of an `x-access` operation may be scoped to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    /// One value of the path parameter (a project-scoped key).
    Value,
    /// Every value its owner owns (a global key of the owner).
    Owner,
}

/// `x-access`: which credential may read which value of a path parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Access {
    /// The path parameter naming the resource that credentials are scoped to.
    pub path_param: String,
    /// The kinds of credential the API has.
    pub scopes: Vec<Scope>,
    /// Statuses for a resource the credential may not read.
    pub forbidden: Fact<Vec<u16>>,
    /// Statuses for a resource that does not exist.
    pub not_found: Fact<Vec<u16>>,
    /// Whether existence is checked before access, so that a resource that does not exist is
    /// `not-found` whatever the credential's scope.
    pub existence_first: Fact<bool>,
}

/// `x-cache`: documented server-side response caching.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cache {
    /// Time to live of a cached response, in seconds.
    pub ttl_seconds: u64,
    /// What the cache key is made of, in the page's words.
    pub key: Vec<String>,
}

/// An extension object being read: typed getters, and a refusal of keys nobody asked for.
struct Obj<'a> {
    cx: &'a OpContext<'a>,
    at: String,
    map: &'a Map<String, Value>,
    used: RefCell<BTreeSet<String>>,
}

impl<'a> Obj<'a> {
    fn new(cx: &'a OpContext<'a>, name: &str) -> Result<Option<Obj<'a>>, SpecError> {
        let at = format!("{}/{name}", cx.pointer);
        match cx.op.get(name) {
            None => Ok(None),
            Some(Value::Object(map)) => Ok(Some(Obj {
                cx,
                at,
                map,
                used: RefCell::new(BTreeSet::from(["x-reading".to_string()])),
            })),
            Some(_) => Err(cx.error(&at, format!("`{name}` must be a mapping"))),
        }
    }

    fn key_at(&self, key: &str) -> String {
        format!("{}/{key}", self.at)
    }

    fn get(&self, key: &str) -> Option<&'a Value> {
        self.used.borrow_mut().insert(key.to_string());
        self.map.get(key)
    }

    fn error(&self, key: &str, problem: impl Into<String>) -> SpecError {
        self.cx.error(&self.key_at(key), problem)
    }

    fn reading(&self, key: &str) -> Option<Reading> {
        covering(self.cx.readings, &self.at, Some(key)).cloned()
    }

    fn fact<T>(&self, key: &str, value: T) -> Fact<T> {
        Fact {
            value,
            reading: self.reading(key),
        }
    }

    fn string(&self, key: &str) -> Result<Option<String>, SpecError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::String(s)) if !s.is_empty() => Ok(Some(s.clone())),
            Some(_) => Err(self.error(key, format!("`{key}` must be a non-empty string"))),
        }
    }

    fn required_string(&self, key: &str) -> Result<String, SpecError> {
        self.string(key)?
            .ok_or_else(|| self.cx.error(&self.at, format!("`{key}` is required here")))
    }

    fn pointer(&self, key: &str) -> Result<Option<String>, SpecError> {
        match self.string(key)? {
            Some(p) if !p.starts_with('/') => Err(self.error(
                key,
                format!("`{key}` must be a JSON pointer starting with `/`, got `{p}`"),
            )),
            other => Ok(other),
        }
    }

    fn required_pointer(&self, key: &str) -> Result<String, SpecError> {
        self.pointer(key)?
            .ok_or_else(|| self.cx.error(&self.at, format!("`{key}` is required here")))
    }

    fn u64(&self, key: &str) -> Result<Option<u64>, SpecError> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => v
                .as_u64()
                .map(Some)
                .ok_or_else(|| self.error(key, format!("`{key}` must be a whole number"))),
        }
    }

    fn statuses(&self, key: &str, default: Vec<u16>) -> Result<Fact<Vec<u16>>, SpecError> {
        let Some(value) = self.get(key) else {
            return Ok(self.fact(key, default));
        };
        let list: Vec<u16> = serde_json::from_value(value.clone())
            .map_err(|_| self.error(key, "a list of HTTP statuses is expected"))?;
        if list.is_empty() {
            return Err(self.error(key, "at least one status is required"));
        }
        if let Some(bad) = list.iter().find(|s| !(400..=599).contains(*s)) {
            return Err(self.error(key, format!("{bad} is not an error status (400..=599)")));
        }
        Ok(self.fact(key, list))
    }

    fn words<T: Copy>(
        &self,
        key: &str,
        choices: &[(&str, T)],
        default: Vec<T>,
    ) -> Result<Fact<Vec<T>>, SpecError> {
        let Some(value) = self.get(key) else {
            return Ok(self.fact(key, default));
        };
        let names: Vec<String> = serde_json::from_value(value.clone())
            .map_err(|_| self.error(key, "a list of words is expected"))?;
        let known = || {
            choices
                .iter()
                .map(|(n, _)| *n)
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut out = Vec::new();
        for name in &names {
            match choices.iter().find(|(n, _)| n == name) {
                Some((_, v)) => out.push(*v),
                None => {
                    return Err(self.error(
                        key,
                        format!("unknown variant `{name}`, expected one of {}", known()),
                    ))
                }
            }
        }
        if out.is_empty() {
            return Err(self.error(key, "at least one accepted behaviour is required"));
        }
        Ok(self.fact(key, out))
    }

    /// A query parameter of the operation named by `key`.
    fn query_param(
        &self,
        key: &str,
        parameters: &[Parameter],
    ) -> Result<Option<String>, SpecError> {
        let Some(name) = self.string(key)? else {
            return Ok(None);
        };
        if !parameters
            .iter()
            .any(|q| q.name == name && q.location == Location::Query)
        {
            return Err(self.error(
                key,
                format!("`{name}` is not a query parameter of this operation"),
            ));
        }
        Ok(Some(name))
    }

    fn required_query_param(
        &self,
        key: &str,
        parameters: &[Parameter],
    ) -> Result<String, SpecError> {
        self.query_param(key, parameters)?
            .ok_or_else(|| self.cx.error(&self.at, format!("`{key}` is required here")))
    }

    /// Refuses keys nobody read.
    fn finish(self) -> Result<(), SpecError> {
        let used = self.used.borrow();
        match self.map.keys().find(|k| !used.contains(k.as_str())) {
            None => Ok(()),
            Some(k) => Err(self.error(k, format!("unknown key `{k}`"))),
        }
    }
}

const BOUNDS: &[(&str, Bound)] = &[("reject", Bound::Reject), ("clamp", Bound::Clamp)];
const LAST_PAGES: &[(&str, LastPage)] = &[("absent", LastPage::Absent), ("null", LastPage::Null)];

pub(crate) fn read_pagination(
    cx: &OpContext,
    parameters: &[Parameter],
) -> Result<Option<Pagination>, SpecError> {
    let Some(o) = Obj::new(cx, "x-pagination")? else {
        return Ok(None);
    };
    let style_name = o.required_string("style")?;
    let kind = StyleKind::parse(&style_name).ok_or_else(|| {
        let known: Vec<&str> = StyleKind::ALL.iter().map(|k| k.name()).collect();
        o.error(
            "style",
            format!(
                "unknown variant `{style_name}`, expected one of {}",
                known.join(", ")
            ),
        )
    })?;
    let style = match kind {
        StyleKind::NextUrl => Style::NextUrl {
            next: o.fact("next", o.required_pointer("next")?),
            token_param: o.required_query_param("token-param", parameters)?,
            last_page: o.words(
                "last-page",
                LAST_PAGES,
                vec![LastPage::Absent, LastPage::Null],
            )?,
        },
        StyleKind::LinkHeader => Style::LinkHeader {
            token_param: o.query_param("token-param", parameters)?,
        },
        StyleKind::Cursor => Style::Cursor {
            next: o.fact("next", o.required_pointer("next")?),
            token_param: o.required_query_param("token-param", parameters)?,
            last_page: o.words("last-page", LAST_PAGES, vec![LastPage::Null])?,
        },
        StyleKind::ItemCursor => Style::ItemCursor {
            after_param: o.required_query_param("after-param", parameters)?,
            before_param: o.query_param("before-param", parameters)?,
            has_more: o.required_pointer("has-more")?,
        },
        StyleKind::Offset => Style::Offset {
            offset_param: o.required_query_param("offset-param", parameters)?,
            total: o.pointer("total")?,
        },
        StyleKind::Page => {
            let first = o.u64("first-page")?.unwrap_or(1);
            if first > 1 {
                return Err(o.error("first-page", "the first page is numbered 0 or 1"));
            }
            Style::Page {
                page_param: o.required_query_param("page-param", parameters)?,
                first,
                total_pages: o.pointer("total-pages")?,
                total: o.pointer("total")?,
            }
        }
    };
    let size_param = o.required_query_param("size-param", parameters)?;
    let size = parameters
        .iter()
        .find(|q| q.name == size_param && q.location == Location::Query)
        .ok_or_else(|| o.error("size-param", "not a query parameter"))?;
    let size_max = o
        .u64("size-max")?
        .ok_or_else(|| cx.error(&o.at, "`size-max` is required here"))?;
    let size_default = o
        .u64("size-default")?
        .ok_or_else(|| cx.error(&o.at, "`size-default` is required here"))?;
    if size.maximum() != i64::try_from(size_max).ok() {
        return Err(o.error(
            "size-max",
            format!(
                "size-max {size_max} disagrees with the `maximum` of parameter `{size_param}` ({:?})",
                size.maximum()
            ),
        ));
    }
    if size.default().and_then(|d| d.as_u64()) != Some(size_default) {
        return Err(o.error(
            "size-default",
            format!("size-default {size_default} disagrees with the `default` of parameter `{size_param}`"),
        ));
    }
    let size_min = match size.minimum() {
        None => 1,
        Some(m) => u64::try_from(m).map_err(|_| {
            cx.error(
                &size.pointer,
                format!("the minimum of `{size_param}` must not be negative"),
            )
        })?,
    };
    if size_default < size_min.max(1) || size_default > size_max {
        return Err(o.error(
            "size-default",
            "size-default must be between the minimum and size-max",
        ));
    }
    let pagination = Pagination {
        pointer: o.at.clone(),
        style,
        items: o.required_pointer("items")?,
        item_key: o.required_pointer("item-key")?,
        size_param,
        size_default,
        size_max,
        size_min: size_min.max(1),
        over_max: o.words("over-max", BOUNDS, vec![Bound::Reject])?,
        under_min: o.words("under-min", BOUNDS, vec![Bound::Reject])?,
        count: o.pointer("count")?,
        size_echo: o.pointer("size-echo")?,
    };
    o.finish()?;
    Ok(Some(pagination))
}

pub(crate) fn read_filters(
    cx: &OpContext,
    parameters: &[Parameter],
) -> Result<Vec<Filter>, SpecError> {
    let mut filters = Vec::new();
    for p in parameters {
        let Some(node) = cx.raw.pointer(&p.pointer) else {
            continue;
        };
        let Some(x) = node.get("x-filter") else {
            continue;
        };
        let at = format!("{}/x-filter", p.pointer);
        let map = x
            .as_object()
            .ok_or_else(|| cx.error(&at, "`x-filter` must be a mapping"))?;
        if let Some(k) = map.keys().find(|k| *k != "field" && *k != "match") {
            return Err(cx.error(&format!("{at}/{k}"), format!("unknown key `{k}`")));
        }
        let field = map
            .get("field")
            .and_then(Value::as_str)
            .filter(|f| f.starts_with('/'))
            .ok_or_else(|| {
                cx.error(
                    &format!("{at}/field"),
                    "`field` must be a JSON pointer starting with `/`",
                )
            })?;
        let matching = match map.get("match").and_then(Value::as_str) {
            Some("equals") => Match::Equals,
            Some("contains") => Match::Contains,
            Some("owner") => Match::Owner,
            other => {
                return Err(cx.error(
                    &format!("{at}/match"),
                    format!(
                        "unknown variant `{}`, expected one of equals, contains, owner",
                        other.unwrap_or("")
                    ),
                ))
            }
        };
        if !matches!(p.location, Location::Query | Location::Path) {
            return Err(cx.error(
                &at,
                format!(
                    "`x-filter` is only meaningful on query or path parameters, `{}` is in {}",
                    p.name,
                    p.location.as_str()
                ),
            ));
        }
        filters.push(Filter {
            param: p.name.clone(),
            location: p.location,
            field: field.to_string(),
            matching,
            values: p.enum_values(),
            reading: covering(cx.readings, &p.pointer, None).cloned(),
        });
    }
    Ok(filters)
}

pub(crate) fn read_errors(cx: &OpContext) -> Result<ErrorRules, SpecError> {
    let Some(o) = Obj::new(cx, "x-errors")? else {
        return Ok(ErrorRules::default());
    };
    let defaults = ErrorRules::default();
    let rules = ErrorRules {
        missing_key: o.statuses("missing-key", defaults.missing_key.value)?,
        invalid_key: o.statuses("invalid-key", defaults.invalid_key.value)?,
        invalid_param: o.statuses("invalid-param", defaults.invalid_param.value)?,
        invalid_token: o.statuses("invalid-token", defaults.invalid_token.value)?,
        rate_limited: o.statuses("rate-limited", defaults.rate_limited.value)?,
        message: o.pointer("message")?,
        details: o.pointer("details")?,
    };
    o.finish()?;
    Ok(rules)
}

pub(crate) fn read_access(
    cx: &OpContext,
    parameters: &[Parameter],
) -> Result<Option<Access>, SpecError> {
    let Some(o) = Obj::new(cx, "x-access")? else {
        return Ok(None);
    };
    let path_param = o.required_string("path-param")?;
    if !parameters
        .iter()
        .any(|q| q.name == path_param && q.location == Location::Path)
    {
        return Err(o.error(
            "path-param",
            format!("`{path_param}` is not a path parameter of this operation"),
        ));
    }
    let scopes = o
        .words(
            "scopes",
            &[("value", Scope::Value), ("owner", Scope::Owner)],
            vec![Scope::Value],
        )?
        .value;
    let existence_first = match o.get("existence-first") {
        None => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => {
            return Err(o.error("existence-first", "`existence-first` must be true or false"))
        }
    };
    let access = Access {
        path_param,
        scopes,
        forbidden: o.statuses("forbidden", vec![403])?,
        not_found: o.statuses("not-found", vec![404])?,
        existence_first: o.fact("existence-first", existence_first),
    };
    o.finish()?;
    Ok(Some(access))
}

pub(crate) fn read_cache(cx: &OpContext) -> Result<Option<Cache>, SpecError> {
    let Some(o) = Obj::new(cx, "x-cache")? else {
        return Ok(None);
    };
    let ttl_seconds = o
        .u64("ttl-seconds")?
        .ok_or_else(|| cx.error(&o.at, "`ttl-seconds` is required here"))?;
    let key = match o.get("key") {
        None => Vec::new(),
        Some(v) => serde_json::from_value(v.clone())
            .map_err(|_| o.error("key", "a list of words is expected"))?,
    };
    o.finish()?;
    Ok(Some(Cache { ttl_seconds, key }))
}
