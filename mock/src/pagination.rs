//! The six pagination styles: where a request's page starts, where it ends, and how the next
//! one is reached, with the pagination faults applied.
//!
//! Items are ordered by item key. A request's position is a token (next-url, link-header,
//! cursor), an item key (item-cursor), an offset or a page number; the window is cut from the
//! matching items in that order.

use specs::walk::Advance;
use specs::Parameter;

use crate::data::Item;
use crate::errors::{problem, ApiError, Problems};
use crate::faults::Fault;
use crate::modes::ReadingMode;
use crate::query::{Query, Value};
use crate::server::App;

/// Where the request asks its page to start.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Position<'q> {
    /// The first page.
    First,
    /// A page token or cursor (`None`: bytes that are not UTF-8).
    Token(Option<&'q str>),
    /// After the item with this key (`None`: not UTF-8).
    After(Option<&'q str>),
    /// Before the item with this key (`None`: not UTF-8).
    Before(Option<&'q str>),
    /// An item offset.
    Offset(u64),
    /// A page number.
    Page(u64),
}

/// A page cut from the ordered matches.
#[derive(Debug, Clone)]
pub(crate) struct Window {
    /// Indices into the data's items, in serving order.
    pub(crate) items: Vec<usize>,
    /// The start of the next page, for the token styles.
    pub(crate) next: Option<usize>,
    /// The item-cursor style's flag.
    pub(crate) has_more: bool,
    /// Items matching the query, for totals.
    pub(crate) total: usize,
    /// The page size the size echo says (the effective size, or the lowered one).
    pub(crate) echo: u64,
}

/// A stable mix of two numbers, for orders keyed by a seed.
fn mix(a: u64, b: u64) -> u64 {
    let mut z = a.rotate_left(17) ^ b ^ 0x9E37_79B9_7F4A_7C15;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A text parameter: absent and empty are the same.
fn text<'q>(q: &'q Query, name: &str) -> Option<Option<&'q str>> {
    match q.get(name) {
        Value::Absent | Value::Text("") => None,
        Value::Text(t) => Some(Some(t)),
        Value::NotUtf8 => Some(None),
    }
}

/// A non-negative integer parameter at least `min` and within the range of the parameter's
/// `format` (a number beyond it is not a value of the parameter's type); problems are
/// collected.
fn number(
    q: &Query,
    param: Option<&Parameter>,
    name: &str,
    min: u64,
    problems: &mut Problems,
) -> Option<u64> {
    let t = match q.get(name) {
        Value::Absent => return None,
        Value::Text(t) => t,
        Value::NotUtf8 => "",
    };
    if param.is_some_and(|p| !p.fits_format(t)) {
        problem(
            problems,
            name,
            format!("The {name} field must be an integer."),
        );
        return None;
    }
    match t.parse::<i128>() {
        Ok(n) if n < i128::from(min) => {
            problem(
                problems,
                name,
                format!("The {name} field must be at least {min}."),
            );
            None
        }
        Ok(n) => Some(u64::try_from(n).unwrap_or(u64::MAX)),
        Err(_) => {
            problem(
                problems,
                name,
                format!("The {name} field must be an integer."),
            );
            None
        }
    }
}

impl App {
    /// The position the request asks for; malformed numbers are collected as problems.
    pub(crate) fn position<'q>(&self, q: &'q Query, problems: &mut Problems) -> Position<'q> {
        let p = &self.api.pagination;
        match &p.walk.advance {
            Advance::NextUrl { .. } | Advance::Cursor { .. } => p
                .position_param
                .as_deref()
                .and_then(|t| text(q, t))
                .map_or(Position::First, Position::Token),
            Advance::AfterKey { param: after } => {
                let before = p.before_param.as_deref();
                match (text(q, after), before.and_then(|b| text(q, b))) {
                    (Some(_), Some(_)) => {
                        let before = before.unwrap_or_default();
                        problem(
                            problems,
                            before,
                            format!("The {before} field cannot be combined with {after}."),
                        );
                        Position::First
                    }
                    (Some(a), None) => Position::After(a),
                    (None, Some(b)) => Position::Before(b),
                    (None, None) => Position::First,
                }
            }
            Advance::Offset { param } => {
                let declared = self.api.query_param(param);
                Position::Offset(number(q, declared, param, 0, problems).unwrap_or(0))
            }
            Advance::Page { param, first } => {
                let declared = self.api.query_param(param);
                Position::Page(number(q, declared, param, *first, problems).unwrap_or(*first))
            }
        }
    }

    /// Whether a request continues a walk: it carries a token, an item key, an offset above 0
    /// or a page after the first. Decided on the raw query, before anything is validated.
    pub(crate) fn is_continuation(&self, q: &Query) -> bool {
        let p = &self.api.pagination;
        let positive = |name: &str, above: u64| match q.get(name) {
            Value::Text(t) => t.parse::<u64>().is_ok_and(|n| n > above),
            _ => false,
        };
        let sent = |name: Option<&str>| name.is_some_and(|n| text(q, n).is_some());
        match &p.walk.advance {
            Advance::Offset { param } => positive(param, 0),
            Advance::Page { param, first } => positive(param, *first),
            Advance::AfterKey { param } => sent(Some(param)) || sent(p.before_param.as_deref()),
            Advance::NextUrl { .. } | Advance::Cursor { .. } => sent(p.position_param.as_deref()),
        }
    }

    /// The rank of an item in the serving order: its key order, or under `unstable-order` an
    /// order that depends on the page size.
    fn rank(&self, item: usize, size: u64) -> u64 {
        if self.fault == Some(Fault::UnstableOrder) {
            mix(mix(self.seed, size), item as u64)
        } else {
            item as u64
        }
    }

    /// The matches in serving order.
    pub(crate) fn order(&self, mut matched: Vec<usize>, size: u64) -> Vec<usize> {
        if self.fault == Some(Fault::UnstableOrder) {
            matched.sort_by_key(|&i| self.rank(i, size));
        }
        matched
    }

    /// The refusal of a token or key the server did not issue (500 under `bad-token-500`,
    /// the first page under `token-restart`).
    fn invalid_token(&self, param: &str) -> Result<usize, ApiError> {
        if self.fault == Some(Fault::BadToken500) {
            return Err(ApiError::new(500, "Server Error"));
        }
        if self.mode == Some(ReadingMode::TokenRestart) {
            return Ok(0);
        }
        if self.mode == Some(ReadingMode::GoneTokens) {
            return Err(ApiError::new(
                410,
                format!("The {param} has expired; start again from the first page."),
            ));
        }
        Err(ApiError::field(
            self.api.op.errors.invalid_token[0],
            param,
            format!("The {param} is invalid or expired; start again from the first page."),
        )
        .with_kind(specs::ErrorKind::InvalidToken))
    }

    /// The start of the page a token stands for.
    fn token_start(
        &self,
        token: Option<&str>,
        bindings: &[String],
        size: u64,
    ) -> Result<usize, ApiError> {
        let param = self
            .api
            .pagination
            .position_param
            .clone()
            .unwrap_or_default();
        if self.fault == Some(Fault::CursorIgnoredByCache) {
            // A cache keyed without the token answers before anything looks at it.
            return Ok(0);
        }
        let Some(token) = token else {
            return self.invalid_token(&param);
        };
        if let Some(first) = self.api.op.numbered_pages() {
            // A page number: any number from the first names a page, past the end an empty one.
            return match token.parse::<u64>() {
                Ok(n) if n >= first => {
                    Ok(usize::try_from((n - first).saturating_mul(size)).unwrap_or(usize::MAX))
                }
                _ => self.invalid_token(&param),
            };
        }
        let carrying = self.tokens_carry();
        let offset = bindings.iter().find_map(|b| {
            if carrying {
                self.signer.verify_carrying(b, token)
            } else {
                self.signer.verify(b, token)
            }
        });
        match offset {
            Some(offset) => Ok(offset as usize),
            None => self.invalid_token(&param),
        }
    }

    /// The index, in `items`, of the item whose key is `key`.
    fn item_by_key(&self, items: &[Item], key: &str) -> Option<usize> {
        let key = match self.api.key_kind {
            crate::api::KeyKind::Integer => key.parse::<i64>().ok()?.to_string(),
            crate::api::KeyKind::Text => key.to_string(),
        };
        items.iter().position(|i| i.key == key)
    }

    /// Cuts the page the request asks for from the ordered matches its caller sees.
    pub(crate) fn window(
        &self,
        all: &[Item],
        ordered: &[usize],
        position: Position<'_>,
        selection: &crate::params::Selection<'_>,
        bindings: &[String],
    ) -> Result<Window, ApiError> {
        let (size, size_sent) = (selection.size, selection.size_sent);
        let sorted = selection.sort.is_some();
        let visible = self.visible(all, ordered);
        let ordered = visible.as_deref().unwrap_or(ordered);
        let len = ordered.len();
        let size_items = usize::try_from(size).unwrap_or(usize::MAX).max(1);
        let served = self.served_size(size);
        let take = if self.fault == Some(Fault::DefaultSizeIgnored) && !size_sent {
            (size_items / 2).max(1)
        } else {
            usize::try_from(served).unwrap_or(usize::MAX).max(1)
        };
        let continuation = !matches!(position, Position::First);
        let cached = self.fault == Some(Fault::CursorIgnoredByCache) && continuation;
        let mut backwards_end = None;
        let start = match position {
            Position::First => 0,
            Position::Token(t) => self.token_start(t, bindings, size)?,
            Position::After(key) | Position::Before(key) => {
                let p = &self.api.pagination;
                let param = match (&p.before_param, position) {
                    (Some(before), Position::Before(_)) => before.clone(),
                    _ => p.position_param.clone().unwrap_or_default(),
                };
                match key.and_then(|k| self.item_by_key(all, k)) {
                    _ if cached => 0,
                    None => self.invalid_token(&param)?,
                    Some(found) => {
                        let r = self.rank(found, size);
                        // In an order other than the keys', the item is found by its place.
                        let at = match sorted {
                            true => ordered.iter().position(|&i| i == found),
                            false => None,
                        };
                        if matches!(position, Position::Before(_)) {
                            let end = at.unwrap_or_else(|| {
                                ordered.partition_point(|&i| self.rank(i, size) < r)
                            });
                            backwards_end = Some(end);
                            end.saturating_sub(take)
                        } else {
                            let after = at.map(|p| p + 1).unwrap_or_else(|| {
                                ordered.partition_point(|&i| self.rank(i, size) <= r)
                            });
                            match self.boundary_fault(after) {
                                Some(Fault::PageGap) => after + 1,
                                Some(Fault::PageDuplicate) if take >= 2 => after.saturating_sub(1),
                                _ => after,
                            }
                        }
                    }
                }
            }
            Position::Offset(_) | Position::Page(_) if cached => 0,
            Position::Offset(o) => self.grid_start(usize::try_from(o).unwrap_or(usize::MAX), take),
            Position::Page(p) => {
                let first = match self.api.pagination.walk.advance {
                    Advance::Page { first, .. } => first,
                    _ => 0,
                };
                let n = usize::try_from(p - first.min(p)).unwrap_or(usize::MAX);
                self.grid_start(n.saturating_mul(size_items), take)
            }
        };
        let (start, end) = self.cut(ordered.len(), start, take, backwards_end, &position);
        let items = ordered
            .get(start..end)
            .map(<[usize]>::to_vec)
            .unwrap_or_default();
        let has_more = match backwards_end {
            Some(_) => start > 0,
            None => end < len || (self.fault == Some(Fault::HasMoreStuck) && !items.is_empty()),
        };
        let next = if end < len {
            match self.boundary_fault(end) {
                Some(Fault::PageGap) if end + 1 < len => Some(end + 1),
                Some(Fault::PageGap) => None,
                Some(Fault::PageDuplicate) if end - start >= 2 => Some(end - 1),
                _ => Some(end),
            }
        } else if self.fault == Some(Fault::EndlessNext) {
            Some(start)
        } else if (self.mode == Some(ReadingMode::TrailingEmptyPage)
            || self.api.ends_on_counted_pages())
            && start < len
        {
            // The page that holds the last items still points further: to an empty page (the
            // next page's start, which a page number can name too).
            Some(start.saturating_add(take).max(len))
        } else {
            None
        };
        Ok(Window {
            items,
            next,
            has_more,
            total: len,
            echo: self.echoed_size(size, served),
        })
    }

    /// The page size a page of `size` is served at: lowered to two thirds (at least the
    /// minimum) under `lowered-page-size` and `lowered-size-unreported`.
    fn served_size(&self, size: u64) -> u64 {
        let lowered = self.mode == Some(ReadingMode::LoweredPageSize)
            || self.fault == Some(Fault::LoweredSizeUnreported);
        match lowered {
            true => (size * 2)
                .div_ceil(3)
                .max(self.api.pagination.size_min)
                .min(size),
            false => size,
        }
    }

    /// What the size echo says of a page asked for at `size` and served at `served`.
    fn echoed_size(&self, size: u64, served: u64) -> u64 {
        match self.fault {
            Some(Fault::LoweredSizeUnreported) => size,
            Some(Fault::EchoAboveRequest) => size + 1,
            _ => served,
        }
    }

    /// The fault that acts at a page boundary at `position`: the page-boundary faults act
    /// only from `fault_from` on.
    fn boundary_fault(&self, position: usize) -> Option<Fault> {
        self.fault.filter(|f| {
            !matches!(f, Fault::PageGap | Fault::PageDuplicate | Fault::ShortPages)
                || position >= self.fault_from
        })
    }

    /// The start of an offset or page window, with the faults that shift the grid (from
    /// `fault_from` on: each boundary past the one at or before it shifts the grid by one).
    fn grid_start(&self, start: usize, take: usize) -> usize {
        let take = take.max(1);
        let boundaries = (start / take).saturating_sub(self.fault_from / take);
        match self.boundary_fault(start) {
            Some(Fault::PageGap) => start.saturating_add(boundaries),
            Some(Fault::PageDuplicate) if take >= 2 => start - boundaries,
            _ => start,
        }
    }

    /// The window `[start, end)` of `len` matches, with `short-pages` and `past-end-items`.
    fn cut(
        &self,
        len: usize,
        start: usize,
        take: usize,
        backwards_end: Option<usize>,
        position: &Position<'_>,
    ) -> (usize, usize) {
        if let Some(end) = backwards_end {
            return (start, end);
        }
        let grid = matches!(position, Position::Offset(_) | Position::Page(_));
        if grid && start >= len && len > 0 && self.fault == Some(Fault::PastEndItems) {
            let last = (len - 1) / take * take;
            return (last, len);
        }
        let start = start.min(len);
        let take = if self.boundary_fault(start) == Some(Fault::ShortPages)
            && start.saturating_add(take) < len
        {
            (take - 1).max(1)
        } else {
            take
        };
        (start, start.saturating_add(take).min(len))
    }
}
