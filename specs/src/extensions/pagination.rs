//! `x-pagination`: how a list is paged, as the one walk model of `client_runtime::walk` (how
//! it advances, what ends it) plus the page-size rules and the members the checks read.
//!
//! The six styles of the vocabulary are shorthands: each names an advance and its usual end
//! signals, and `end` replaces the signals where a vendor differs.

use client_runtime::{Advance, Carrier, End, Member, Observed, Walk};
use serde::de::IgnoredAny;
use serde::Deserialize;
use serde_json::Value;

use super::{read, Bound, Ext, Fact};
use crate::model::{Location, OpContext, Parameter};
use crate::pointer::Pointer;
use crate::SpecError;

/// `x-pagination` on an operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pagination {
    /// Pointer to the `x-pagination` object, where its readings are marked.
    pub pointer: String,
    /// The style the spec names (`cursor`), for messages.
    pub style: String,
    /// How a walk advances and what ends it.
    pub walk: Walk,
    /// The array of items in the body (the root for a body that is the array).
    pub items: Pointer,
    /// Inside an item, its unique identity.
    pub item_key: Pointer,
    /// The body member that carries the next URL or cursor, when the body carries it.
    pub next: Option<Pointer>,
    /// The query parameter that carries the position of a page: the cursor, the item key, the
    /// offset or the page number; for a next link, its page token (if known).
    pub position_param: Option<String>,
    /// The query parameter that pages backwards from an item's key, when there is one.
    pub before_param: Option<String>,
    /// A boolean member and the value it has on the last page only (`has-more`: `false`;
    /// `is-last`: `true`).
    pub flag: Option<(Pointer, bool)>,
    /// The total number of items, when the body carries it.
    pub total: Option<Pointer>,
    /// The total number of pages, when the body carries it.
    pub total_pages: Option<Pointer>,
    /// The ways the next member may say that a page is the last (absent, null, empty).
    pub last_page: Fact<Vec<End>>,
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
    /// A field that equals the number of items on the page.
    pub count: Option<Pointer>,
    /// A field that equals the effective page size.
    pub size_echo: Option<Pointer>,
    /// Whether the server may lower the page size below the one asked for and says so in
    /// `size-echo` (`size-echo-authoritative`): pages are then judged against the echo, which
    /// never exceeds the size asked for or `size-max`.
    pub size_echo_authoritative: bool,
    /// Whether pages before the last may hold fewer items than the page size, even none
    /// (`short-pages`: a vendor that filters a page's window after taking it).
    pub short_pages: bool,
}

impl Pagination {
    /// What a page says, read along the spec's pointers: its items and the members the walk
    /// reads. `header` gives a response header's values, joined by `, ` (for the `Link`
    /// header and a next carried in a header). `Err` says why the body is not such a page.
    pub fn observe(
        &self,
        body: &Value,
        header: &dyn Fn(&str) -> Option<String>,
    ) -> Result<(Vec<Value>, Observed), String> {
        let items = self.items_of(body)?;
        let last_key = match self.walk.advance {
            Advance::AfterKey { .. } => items
                .last()
                .and_then(|item| item.pointer(&self.item_key))
                .and_then(param_text),
            _ => None,
        };
        let next = match self.walk.advance.carrier() {
            None => Member::Absent,
            Some(Carrier::Link) => header("link")
                .and_then(|v| client_runtime::next_link_in([v.as_str()]))
                .map_or(Member::Absent, Member::Text),
            Some(Carrier::Header(name)) => header(name).map_or(Member::Absent, Member::Text),
            Some(Carrier::Body) => match self.next.as_ref().and_then(|p| body.pointer(p)) {
                None => Member::Absent,
                Some(Value::Null) => Member::Null,
                Some(Value::String(s)) => Member::Text(s.clone()),
                Some(other) => {
                    let at = self.next.as_deref().unwrap_or_default();
                    return Err(format!("{at} is not a string or null: {other}"));
                }
            },
        };
        let flag = match &self.flag {
            None => None,
            Some((at, _)) => match body.pointer(at) {
                Some(Value::Bool(b)) => Some(*b),
                other => {
                    let shown = other.map_or("absent".to_string(), Value::to_string);
                    return Err(format!("{at} is not a boolean: {shown}"));
                }
            },
        };
        let observed = Observed {
            items: items.len() as u64,
            last_key,
            next,
            flag,
            total: count_at(body, self.total.as_ref())?,
            total_pages: count_at(body, self.total_pages.as_ref())?,
            size: match self.size_echo_authoritative {
                true => count_at(body, self.size_echo.as_ref())?,
                false => None,
            },
        };
        Ok((items, observed))
    }

    /// The items of a page body.
    pub fn items_of(&self, body: &Value) -> Result<Vec<Value>, String> {
        body.pointer(&self.items)
            .and_then(Value::as_array)
            .cloned()
            .ok_or_else(|| match self.items.is_root() {
                true => "a 200 whose body is not an array of items".to_string(),
                false => format!("a 200 without an items array at {}", self.items),
            })
    }

    /// How a walk goes from page to page and what ends it, in words (for the clients'
    /// documentation and the reports): "resends the request with `cursor` set to the cursor at
    /// `/data/next_cursor`, until it is null".
    pub fn describe(&self) -> String {
        let next_at = || match self.walk.advance.carrier() {
            Some(Carrier::Header(h)) => format!("of each response's `{h}` header"),
            Some(Carrier::Link) => "of each response's `Link` header (`rel=\"next\"`)".into(),
            _ => format!(
                "at `{}` of each body",
                self.next.as_deref().unwrap_or_default()
            ),
        };
        let advance = match &self.walk.advance {
            Advance::NextUrl { .. } => format!(
                "follows the next-page URL {} (resolved against the request's URL, and carrying the \
                 filters and the page size itself)",
                next_at()
            ),
            Advance::Cursor { param, .. } => format!(
                "resends the request (with its parameters and page size) with `{param}` set to the \
                 cursor {}",
                next_at()
            ),
            Advance::AfterKey { param } => format!(
                "resends the request (with its parameters and page size) with `{param}` set to the \
                 key (`{}`) of the last item",
                self.item_key
            ),
            Advance::Offset { param } => format!(
                "resends the request (with its parameters and page size) with `{param}` moved past \
                 the items received"
            ),
            Advance::Page { param, first } => format!(
                "resends the request (with its parameters and page size) with `{param}` set to the \
                 next page number (the first is {first})"
            ),
        };
        let next = match self.walk.advance {
            Advance::Cursor { .. } => "the cursor",
            _ => "the next URL",
        };
        let ends: Vec<String> = self
            .walk
            .ends
            .iter()
            .map(|end| match end {
                End::NoNext => format!("{next} is absent"),
                End::NullNext => format!("{next} is null"),
                End::EmptyNext => format!("{next} is empty"),
                End::Flag(last) => {
                    let at = self
                        .flag
                        .as_ref()
                        .map(|(p, _)| p.as_str())
                        .unwrap_or_default();
                    format!("`{at}` is {last}")
                }
                End::Total => match (&self.total, &self.total_pages) {
                    (Some(t), _) => format!("the items at `{t}` are all received"),
                    (None, Some(t)) => format!("the page count at `{t}` is reached"),
                    (None, None) => "the total is reached".into(),
                },
                End::ShortPage => "a page is shorter than the page size".into(),
                End::EmptyPage => "a page is empty".into(),
            })
            .collect();
        format!("{advance}, until {}", ends.join(", or "))
    }

    /// Whether the walk sends the page's position in a query parameter the client fills in
    /// (a cursor, an item's key, an offset, a page number) rather than following a link.
    pub fn client_positions(&self) -> bool {
        self.walk.advance.param().is_some()
    }

    /// Whether pages are windows a client may address directly: an offset or a page number.
    pub fn addressable(&self) -> bool {
        matches!(
            self.walk.advance,
            Advance::Offset { .. } | Advance::Page { .. }
        )
    }
}

/// A JSON scalar as it would be written in a query string (`true`, `42`, `abc`).
pub fn param_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn count_at(body: &Value, pointer: Option<&Pointer>) -> Result<Option<u64>, String> {
    let Some(p) = pointer else {
        return Ok(None);
    };
    match body.pointer(p) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_u64()
            .map(Some)
            .ok_or_else(|| format!("{p} is not a whole number: {v}")),
    }
}

/// The styles of the vocabulary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
enum Style {
    NextUrl,
    LinkHeader,
    Cursor,
    ItemCursor,
    Offset,
    Page,
}

impl Style {
    fn name(self) -> &'static str {
        match self {
            Style::NextUrl => "next-url",
            Style::LinkHeader => "link-header",
            Style::Cursor => "cursor",
            Style::ItemCursor => "item-cursor",
            Style::Offset => "offset",
            Style::Page => "page",
        }
    }

    /// The keys of the style that no other style takes, and whether each is required.
    fn own_keys(self) -> &'static [(&'static str, bool)] {
        match self {
            Style::NextUrl => &[("token-param", true)],
            Style::LinkHeader => &[("token-param", false)],
            Style::Cursor => &[("token-param", true)],
            Style::ItemCursor => &[("after-param", true), ("before-param", false)],
            Style::Offset => &[("offset-param", true)],
            Style::Page => &[("page-param", true), ("first-page", false)],
        }
    }

    /// Whether the body (or a header) carries the next URL or cursor.
    fn carries_next(self) -> bool {
        matches!(self, Style::NextUrl | Style::Cursor)
    }

    /// How the last page's next member says it is the last, when the spec does not say.
    fn default_last_page(self) -> Vec<LastPage> {
        match self {
            Style::NextUrl => vec![LastPage::Absent, LastPage::Null],
            Style::LinkHeader => vec![LastPage::Absent],
            Style::Cursor => vec![LastPage::Null],
            _ => Vec::new(),
        }
    }
}

/// How a last page's next member says it is the last.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
enum LastPage {
    Absent,
    Null,
    Empty,
}

impl LastPage {
    fn signal(self) -> End {
        match self {
            LastPage::Absent => End::NoNext,
            LastPage::Null => End::NullNext,
            LastPage::Empty => End::EmptyNext,
        }
    }
}

/// The end signals `end` may name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
enum Signal {
    NoNext,
    NullNext,
    EmptyNext,
    HasMore,
    IsLast,
    Total,
    ShortPage,
    EmptyPage,
}

/// `x-pagination` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct Raw {
    style: Style,
    items: Pointer,
    item_key: Pointer,
    size_param: String,
    size_default: u64,
    size_max: u64,
    over_max: Option<Vec<Bound>>,
    under_min: Option<Vec<Bound>>,
    count: Option<Pointer>,
    size_echo: Option<Pointer>,
    size_echo_authoritative: Option<bool>,
    short_pages: Option<bool>,
    next: Option<Pointer>,
    next_header: Option<String>,
    token_param: Option<String>,
    after_param: Option<String>,
    before_param: Option<String>,
    offset_param: Option<String>,
    page_param: Option<String>,
    first_page: Option<u64>,
    has_more: Option<Pointer>,
    is_last: Option<Pointer>,
    total: Option<Pointer>,
    total_pages: Option<Pointer>,
    last_page: Option<Vec<LastPage>>,
    end: Option<Vec<Signal>>,
    #[serde(rename = "x-reading")]
    _reading: Option<IgnoredAny>,
}

impl Raw {
    /// The style-specific keys that are set.
    fn set(&self) -> Vec<&'static str> {
        let keys: [(&str, bool); 7] = [
            ("token-param", self.token_param.is_some()),
            ("after-param", self.after_param.is_some()),
            ("before-param", self.before_param.is_some()),
            ("offset-param", self.offset_param.is_some()),
            ("page-param", self.page_param.is_some()),
            ("first-page", self.first_page.is_some()),
            ("next", self.next.is_some() || self.next_header.is_some()),
        ];
        keys.iter()
            .filter(|(_, set)| *set)
            .map(|(k, _)| *k)
            .collect()
    }
}

pub(crate) fn read_pagination(
    cx: &OpContext,
    parameters: &[Parameter],
) -> Result<Option<Pagination>, SpecError> {
    let Some((raw, ext)) = read::<Raw>(cx, "x-pagination")? else {
        return Ok(None);
    };
    check_style_keys(&raw, &ext)?;
    let query = |key: &str, name: &Option<String>| -> Result<Option<String>, SpecError> {
        match name {
            Some(n) if !is_query_param(parameters, n) => Err(ext.error(
                key,
                format!("`{n}` is not a query parameter of this operation"),
            )),
            other => Ok(other.clone()),
        }
    };
    let token_param = query("token-param", &raw.token_param)?;
    let after_param = query("after-param", &raw.after_param)?;
    let before_param = query("before-param", &raw.before_param)?;
    let offset_param = query("offset-param", &raw.offset_param)?;
    let page_param = query("page-param", &raw.page_param)?;
    let flag = match (&raw.has_more, &raw.is_last) {
        (Some(_), Some(_)) => {
            return Err(ext.error(
                "is-last",
                "a page has one flag: `has-more` or `is-last`, not both",
            ))
        }
        (Some(p), None) => Some((p.clone(), false)),
        (None, Some(p)) => Some((p.clone(), true)),
        (None, None) => None,
    };
    if raw.style == Style::ItemCursor && flag.is_none() && raw.end.is_none() {
        return Err(ext.error_here(
            "`has-more` (or `is-last`, or an `end` list) is required here: nothing else says \
             which page is the last",
        ));
    }
    let first = raw.first_page.unwrap_or(1);
    if first > 1 {
        return Err(ext.error("first-page", "the first page is numbered 0 or 1"));
    }
    let from = match &raw.next_header {
        Some(name) => Carrier::Header(name.clone()),
        None => Carrier::Body,
    };
    let required = |p: Option<String>| p.unwrap_or_default();
    let advance = match raw.style {
        Style::NextUrl => Advance::NextUrl { from },
        Style::LinkHeader => Advance::NextUrl {
            from: Carrier::Link,
        },
        Style::Cursor => Advance::Cursor {
            from,
            param: required(token_param.clone()),
        },
        Style::ItemCursor => Advance::AfterKey {
            param: required(after_param.clone()),
        },
        Style::Offset => Advance::Offset {
            param: required(offset_param.clone()),
        },
        Style::Page => Advance::Page {
            param: required(page_param.clone()),
            first,
        },
    };
    let mut last_page = last_page(&raw, &ext)?;
    let ends = ends(&raw, &ext, &last_page, flag.as_ref().map(|(_, last)| *last))?;
    // Where `end` names how the next member ends a walk, that is what a last page shows.
    let named: Vec<End> = ends
        .iter()
        .copied()
        .filter(|e| matches!(e, End::NoNext | End::NullNext | End::EmptyNext))
        .collect();
    if raw.end.is_some() && !named.is_empty() {
        if raw.last_page.is_some() {
            return Err(ext.error(
                "last-page",
                "`end` names the next member's signals already: leave `last-page` out",
            ));
        }
        last_page = named;
    }
    let position_param = match raw.style {
        Style::NextUrl | Style::LinkHeader | Style::Cursor => token_param,
        Style::ItemCursor => after_param,
        Style::Offset => offset_param,
        Style::Page => page_param,
    };
    let sizes = sizes(&raw, &ext, parameters)?;
    let size_echo_authoritative = authoritative_echo(&raw, &ext)?;
    let short_pages = short_pages(&raw, &ext, &ends)?;
    Ok(Some(Pagination {
        pointer: ext.at.clone(),
        style: raw.style.name().to_string(),
        walk: Walk { advance, ends },
        items: raw.items,
        item_key: raw.item_key,
        next: raw.next,
        position_param,
        before_param,
        flag,
        total: raw.total,
        total_pages: raw.total_pages,
        last_page: ext.fact("last-page", last_page),
        size_param: raw.size_param,
        size_default: sizes.default,
        size_max: sizes.max,
        size_min: sizes.min,
        over_max: bounds(&ext, "over-max", raw.over_max)?,
        under_min: bounds(&ext, "under-min", raw.under_min)?,
        count: raw.count,
        size_echo: raw.size_echo,
        size_echo_authoritative,
        short_pages,
    }))
}

/// `size-echo-authoritative`: only with a `size-echo` to believe, and not where pages are
/// numbered (a page number counts pages of the size asked for, which a lowered size breaks).
fn authoritative_echo(raw: &Raw, ext: &Ext) -> Result<bool, SpecError> {
    let key = "size-echo-authoritative";
    if raw.size_echo_authoritative != Some(true) {
        return Ok(false);
    }
    if raw.size_echo.is_none() {
        return Err(ext.error(
            key,
            "an authoritative echo needs `size-echo`, the field it is in",
        ));
    }
    if raw.style == Style::Page {
        return Err(ext.error(
            key,
            "page numbers count pages of the size asked for: a server that lowers it cannot keep \
             them (use offsets, a cursor or a next link)",
        ));
    }
    Ok(true)
}

/// `short-pages`: a page before the last may be short, so a short or an empty page cannot
/// end the walk, and something the page states must.
fn short_pages(raw: &Raw, ext: &Ext, ends: &[End]) -> Result<bool, SpecError> {
    let key = "short-pages";
    if raw.short_pages != Some(true) {
        return Ok(false);
    }
    if let Some(counted) = ends.iter().find(|e| !e.is_stated()) {
        return Err(ext.error(
            key,
            format!(
                "where pages before the last may be short, `{}` cannot end a walk: name the \
                 signals the page states in `end`",
                counted.name()
            ),
        ));
    }
    Ok(true)
}

fn is_query_param(parameters: &[Parameter], name: &str) -> bool {
    parameters
        .iter()
        .any(|q| q.name == name && q.location == Location::Query)
}

/// Every style-specific key is one of the style's, and the style's required ones are set.
fn check_style_keys(raw: &Raw, ext: &Ext) -> Result<(), SpecError> {
    let style = raw.style;
    let own = style.own_keys();
    for key in raw.set() {
        let allowed = own.iter().any(|(k, _)| *k == key)
            || (key == "next" && style.carries_next())
            || (key == "token-param" && style == Style::LinkHeader);
        if !allowed {
            let key = match key {
                "next" if raw.next.is_none() => "next-header",
                k => k,
            };
            return Err(ext.error(
                key,
                format!("`{key}` does not apply to the {} style", style.name()),
            ));
        }
    }
    for (key, required) in own {
        if *required && !raw.set().contains(key) {
            return Err(ext.error_here(format!("`{key}` is required here")));
        }
    }
    if style.carries_next() && raw.next.is_none() && raw.next_header.is_none() {
        return Err(ext.error_here("`next` (or `next-header`) is required here"));
    }
    if raw.next.is_some() && raw.next_header.is_some() {
        return Err(ext.error(
            "next-header",
            "the next URL or cursor is in the body (`next`) or in a header, not both",
        ));
    }
    Ok(())
}

/// The ways a last page's next member says it is the last: `last-page`, or the style's. A
/// header is absent or there: only a body member can be null or empty.
fn last_page(raw: &Raw, ext: &Ext) -> Result<Vec<End>, SpecError> {
    let in_header = raw.next_header.is_some() || raw.style == Style::LinkHeader;
    let named = match (&raw.last_page, in_header) {
        (Some(named), _) => named.clone(),
        (None, true) => vec![LastPage::Absent],
        (None, false) => raw.style.default_last_page(),
    };
    if in_header && named.iter().any(|l| *l != LastPage::Absent) {
        return Err(ext.error(
            "last-page",
            "a next link or cursor in a header is there or absent, never null or empty",
        ));
    }
    if raw.last_page.is_some() && !raw.style.carries_next() && raw.style != Style::LinkHeader {
        return Err(ext.error(
            "last-page",
            format!(
                "the {} style has no next member to end with",
                raw.style.name()
            ),
        ));
    }
    if raw.last_page.as_ref().is_some_and(Vec::is_empty) {
        return Err(ext.error("last-page", "at least one accepted behaviour is required"));
    }
    Ok(named.into_iter().map(LastPage::signal).collect())
}

/// The end signals: `end` as written, or the style's (its next member's, its flag, its
/// totals, and a short page for the windows of offsets and page numbers).
fn ends(
    raw: &Raw,
    ext: &Ext,
    last_page: &[End],
    flag: Option<bool>,
) -> Result<Vec<End>, SpecError> {
    let Some(named) = &raw.end else {
        let mut ends = last_page.to_vec();
        ends.extend(flag.map(End::Flag));
        if raw.total.is_some() || raw.total_pages.is_some() {
            ends.push(End::Total);
        }
        if matches!(raw.style, Style::Offset | Style::Page) {
            ends.push(End::ShortPage);
        }
        return Ok(ends);
    };
    if named.is_empty() {
        return Err(ext.error("end", "at least one end signal is required"));
    }
    let mut ends = Vec::new();
    for (i, signal) in named.iter().enumerate() {
        let at = format!("{}/end/{i}", ext.at);
        let needs = |ok: bool, what: &str| match ok {
            true => Ok(()),
            false => Err(ext.cx.error(&at, what.to_string())),
        };
        let end = match signal {
            Signal::NoNext => End::NoNext,
            Signal::NullNext => End::NullNext,
            Signal::EmptyNext => End::EmptyNext,
            Signal::HasMore => {
                needs(
                    flag == Some(false),
                    "`has-more` ends a walk only with a `has-more` pointer",
                )?;
                End::Flag(false)
            }
            Signal::IsLast => {
                needs(
                    flag == Some(true),
                    "`is-last` ends a walk only with an `is-last` pointer",
                )?;
                End::Flag(true)
            }
            Signal::Total => {
                needs(
                    raw.total.is_some() || raw.total_pages.is_some(),
                    "`total` ends a walk only with a `total` or `total-pages` pointer",
                )?;
                End::Total
            }
            Signal::ShortPage => End::ShortPage,
            Signal::EmptyPage => End::EmptyPage,
        };
        if matches!(end, End::NoNext | End::NullNext | End::EmptyNext) {
            needs(
                raw.style.carries_next() || raw.style == Style::LinkHeader,
                "a next member ends only a walk that follows one",
            )?;
        }
        if matches!(end, End::NullNext | End::EmptyNext) {
            needs(
                raw.next_header.is_none() && raw.style != Style::LinkHeader,
                "a next link or cursor in a header is there or absent, never null or empty",
            )?;
        }
        if !ends.contains(&end) {
            ends.push(end);
        }
    }
    Ok(ends)
}

struct Sizes {
    default: u64,
    max: u64,
    min: u64,
}

/// The page size's default, maximum and minimum, which must agree with the size parameter.
fn sizes(raw: &Raw, ext: &Ext, parameters: &[Parameter]) -> Result<Sizes, SpecError> {
    let name = &raw.size_param;
    let size = parameters
        .iter()
        .find(|q| q.name == *name && q.location == Location::Query)
        .ok_or_else(|| {
            ext.error(
                "size-param",
                format!("`{name}` is not a query parameter of this operation"),
            )
        })?;
    let (default, max) = (raw.size_default, raw.size_max);
    if size.maximum() != i64::try_from(max).ok() {
        return Err(ext.error(
            "size-max",
            format!(
                "size-max {max} disagrees with the `maximum` of parameter `{name}` ({:?})",
                size.maximum()
            ),
        ));
    }
    if size.default().and_then(|d| d.as_u64()) != Some(default) {
        return Err(ext.error(
            "size-default",
            format!("size-default {default} disagrees with the `default` of parameter `{name}`"),
        ));
    }
    let min = match size.minimum() {
        None => 1,
        Some(m) => u64::try_from(m).map_err(|_| {
            ext.cx.error(
                &size.pointer,
                format!("the minimum of `{name}` must not be negative"),
            )
        })?,
    }
    .max(1);
    if default < min || default > max {
        return Err(ext.error(
            "size-default",
            "size-default must be between the minimum and size-max",
        ));
    }
    Ok(Sizes { default, max, min })
}

/// `over-max` or `under-min`: the behaviours accepted (default: reject).
fn bounds(ext: &Ext, key: &str, given: Option<Vec<Bound>>) -> Result<Fact<Vec<Bound>>, SpecError> {
    match given {
        Some(list) if list.is_empty() => {
            Err(ext.error(key, "at least one accepted behaviour is required"))
        }
        Some(list) => Ok(ext.fact(key, list)),
        None => Ok(ext.fact(key, vec![Bound::Reject])),
    }
}

impl crate::Operation {
    /// Where the page a next link (or cursor) points to is named by a page number rather than
    /// an opaque token: the token parameter is an integer parameter (GitHub's `page` in its
    /// `Link` URLs). The number of the first page (the parameter's `minimum`, else its
    /// `default`, else 1); `None` for an opaque token.
    pub fn numbered_pages(&self) -> Option<u64> {
        let p = self.pagination.as_ref()?;
        if p.addressable() {
            return None;
        }
        let param = self.parameter(p.position_param.as_deref()?, crate::Location::Query)?;
        if param.schema_type() != Some("integer") {
            return None;
        }
        let number = |key: &str| param.schema.get(key).and_then(serde_json::Value::as_u64);
        Some(number("minimum").or_else(|| number("default")).unwrap_or(1))
    }
}
