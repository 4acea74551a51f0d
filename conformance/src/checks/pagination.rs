//! Pagination: complete, no duplicates, no gaps, page size honoured (the default included),
//! termination, one order, and the invariants of each style (the last page's signal, the
//! has-more flag, totals, nothing past the end).
//!
//! The first walk is at `size-max` (the fewest requests); it is the reference every other walk
//! is compared with, and its length derives the page cap of later walks. Then, concurrently: a
//! second walk at `size-max` (order is stable between walks), a walk at the default size, one
//! at the smallest size the budget allows, page sizes drawn by proptest in that range, the
//! sizes above the maximum, and a page past the end.

use std::collections::{BTreeSet, HashSet};
use std::sync::Arc;

use proptest::prelude::*;
use specs::walk::{Advance, Carrier, End, Member};
use url::Url;

use super::sample;
use super::walk::{
    page_cap, read_page, walk, walk_within, with_param, Page, PageRequest, Reach, Start, Walk,
    WalkEnd,
};
use crate::engine::bracket::{Bracket, Deferred};
use crate::engine::findings::{conventions, Basis};
use crate::engine::{cases, Ctx, Findings};
use crate::probe::Auth;
use crate::registry::CheckId;

/// The checks of this family.
pub const CHECKS: &[CheckId] = &[
    CheckId::PagesServed,
    CheckId::Terminates,
    CheckId::NoDuplicates,
    CheckId::Complete,
    CheckId::StableOrder,
    CheckId::PageSize,
    CheckId::DefaultSize,
    CheckId::OverMax,
    CheckId::CountFields,
    CheckId::LastPage,
    CheckId::HasMore,
    CheckId::Total,
    CheckId::PastEnd,
];

/// The checks that compare walks with the reference walk, or judge walks of their own.
const WALKING: &[CheckId] = &[
    CheckId::PagesServed,
    CheckId::Terminates,
    CheckId::NoDuplicates,
    CheckId::Complete,
    CheckId::StableOrder,
    CheckId::PageSize,
    CheckId::CountFields,
    CheckId::LastPage,
    CheckId::HasMore,
    CheckId::Total,
];

/// Pages a window takes at most: enough page boundaries at its size to show a gap, a repeat
/// or a short page, at a cost that does not grow with the list.
pub const PAGES_PER_WINDOW: u64 = 8;

/// The share of the operation's request budget that the second long walk may take.
const LONG_VIEW_SHARE: f64 = 0.2;

/// Windows deep in an addressable list, each walked at two sizes.
const DEEP_WINDOWS: u64 = 3;

/// Runs the family against the reference walk (a walk at `size-max`, to the end or as far as
/// its share of the budget allows, or the reason there is none).
///
/// Every other walk is bounded: windows of [`PAGES_PER_WINDOW`] pages at other sizes are
/// compared with the same part of the reference; a second long walk at another size follows
/// the reference as far as it went (for lists only a walk can reach into); windows deep in an
/// addressable list are walked at two sizes and compared with each other.
pub async fn run(ctx: &Ctx<'_>, reference: &Walk) -> Findings {
    let mut f = Findings::new();
    let p = ctx.pagination;
    skip_inapplicable(ctx, &mut f);
    f.merge(judge_walk(ctx, reference, None));
    if reference.complete() {
        let label = reference.request.label(&p.size_param, p.size_default);
        judge_totals(ctx, &mut f, reference, &label);
    }
    if !reference.usable() {
        let why = format!(
            "no walk at size {}: {}",
            p.size_max,
            reference.end.describe()
        );
        for check in CHECKS {
            f.skip(*check, why.clone());
        }
        return f;
    }
    let listed = reference.item_count() as u64;
    if !reference.complete() {
        // The last page is judged where a walk reaches it: a filtered walk may.
        let why = format!(
            "no walk reached the last page: the walk at size {} stopped after {listed} items, \
             where its share of the request budget ran out",
            p.size_max
        );
        let next_member = matches!(
            p.walk.advance.carrier(),
            Some(Carrier::Body | Carrier::Header(_))
        );
        if next_member {
            f.skip(CheckId::LastPage, why.clone());
        }
        if p.flag.is_some() {
            f.skip(CheckId::HasMore, why);
        }
    }
    let end = list_end(ctx, reference).await;
    let sizes = drawn_sizes(ctx);
    let (windows, long, deep, over, past) = tokio::join!(
        windows(ctx, reference, sizes.clone()),
        long_view(ctx, reference),
        deep_windows(ctx, end),
        over_max(ctx, listed),
        past_end(ctx, reference, end),
    );
    for found in [windows, long, deep, over, past] {
        f.merge(found);
    }
    if listed <= 1 {
        f.note(
            CheckId::StableOrder,
            format!("only {listed} item(s): order cannot differ"),
        );
    }
    f.note_run(coverage_note(ctx, reference, end));
    f
}

/// The number of items of an addressable list (offset or page number), found with a few
/// one-item requests when the reference walk stopped before the end; the reference's count
/// when it reached the end; `None` when neither tells.
async fn list_end(ctx: &Ctx<'_>, reference: &Walk) -> Option<u64> {
    if reference.complete() {
        return Some(unique(&reference.keys()).len() as u64);
    }
    let p = ctx.pagination;
    let at = |position: u64| async move {
        let request = start_at(ctx, p.size_min, position)?;
        let url = ctx.url(&[], &request.first_query(&p.size_param));
        let response = ctx.get(&url, &Auth::Target).await?;
        read_page(ctx, response)
            .ok()
            .map(|page| !page.keys.is_empty())
    };
    if !matches!(
        p.walk.advance,
        Advance::Offset { .. } | Advance::Page { .. }
    ) {
        return None;
    }
    // Doubling from what the reference saw to a position past the end, then halving.
    let (mut low, mut high) = (reference.item_count() as u64, 0);
    for _ in 0..40 {
        let probe = low.max(1) * 2;
        match at(probe).await? {
            true => low = probe,
            false => {
                high = probe;
                break;
            }
        }
    }
    if high == 0 {
        return None;
    }
    while high - low > p.size_min {
        let mid = low + (high - low) / 2;
        match at(mid).await? {
            true => low = mid,
            false => high = mid,
        }
    }
    // `low` holds an item and `high` none: the count lies in between, within one page.
    Some(low + 1)
}

/// A walk of pages of `size` starting after `position` items, where the style can address a
/// position (an offset, a page number at a multiple of `size`).
fn start_at(ctx: &Ctx, size: u64, position: u64) -> Option<PageRequest> {
    let p = ctx.pagination;
    let (param, value) = match &p.walk.advance {
        Advance::Offset { param } => (param.clone(), position.to_string()),
        Advance::Page { param, first } if position.is_multiple_of(size) => {
            (param.clone(), (first + position / size).to_string())
        }
        _ => return None,
    };
    Some(PageRequest {
        start: Some(Start {
            param,
            value,
            skipped: position,
        }),
        ..ctx.unfiltered(Some(size))
    })
}

/// The page sizes drawn by proptest: the default (no size sent) now and then, any size of the
/// range otherwise.
fn drawn_sizes(ctx: &Ctx) -> SBoxedStrategy<Option<u64>> {
    let p = ctx.pagination;
    prop_oneof![
        1 => Just(None),
        6 => (p.size_min..=p.size_max).prop_map(Some),
    ]
    .sboxed()
}

/// The items a window at `size` covers.
fn window_items(ctx: &Ctx, size: Option<u64>) -> u64 {
    let p = ctx.pagination;
    PAGES_PER_WINDOW * size.unwrap_or(p.size_default).clamp(p.size_min, p.size_max)
}

/// Walks a window at `size` from the start of the list: to the end when the reference
/// showed the list is no longer than the window.
async fn window(ctx: &Ctx<'_>, reference: &Walk, size: Option<u64>) -> Walk {
    let p = ctx.pagination;
    let listed = reference.span(p);
    let items = window_items(ctx, size);
    let request = ctx.unfiltered(size);
    let effective = size.unwrap_or(p.size_default);
    if reference.complete() && items >= listed {
        walk(ctx, &request, page_cap(listed, effective)).await
    } else {
        // Where pages may be short, a window is its pages, not the items they hold.
        let pages = p.short_pages.then_some(PAGES_PER_WINDOW as usize);
        let reach = Reach {
            pages,
            ..Reach::window(items as usize)
        };
        walk_within(ctx, &request, reach).await
    }
}

/// The windows at the fixed sizes (`size-max` again, the default, the smallest) and at the
/// drawn ones, each compared with the reference.
async fn windows(ctx: &Ctx<'_>, reference: &Walk, sizes: SBoxedStrategy<Option<u64>>) -> Findings {
    let p = ctx.pagination;
    if !ctx.any_selected(WALKING) && !ctx.selected(CheckId::DefaultSize) {
        return Findings::new();
    }
    let fixed = match ctx.any_selected(WALKING) {
        true => vec![Some(p.size_max), None, Some(p.size_min)],
        false => vec![None],
    };
    let judged = |size: Option<u64>| async move {
        let w = window(ctx, reference, size).await;
        judge_walk(ctx, &w, Some(reference))
    };
    let drawn = async {
        if !ctx.any_selected(WALKING) {
            return Findings::new();
        }
        cases::cases(ctx, 0x7061_6765, sizes, judged).await
    };
    let (mut found, drawn) = tokio::join!(cases::each(ctx, fixed, judged), drawn);
    found.merge(drawn);
    found
}

/// The size of the second long walk: the largest below `size-max`, so that its page
/// boundaries fall elsewhere.
fn long_view_size(ctx: &Ctx) -> Option<u64> {
    let p = ctx.pagination;
    (p.size_max > p.size_min).then(|| p.size_max - 1)
}

/// A second walk at another size, as far as the reference went (within its share of the
/// budget): the only view of the deep part of a list that only a walk can reach into (next
/// links, cursors), where a gap at page boundaries shows as a difference from the reference.
async fn long_view(ctx: &Ctx<'_>, reference: &Walk) -> Findings {
    let p = ctx.pagination;
    let listed = reference.item_count() as u64;
    let Some(size) = long_view_size(ctx) else {
        return Findings::new();
    };
    let covered_by_windows = window_items(ctx, Some(p.size_max)).max(window_items(ctx, None));
    if !ctx.any_selected(WALKING) || p.addressable() || listed <= covered_by_windows {
        return Findings::new();
    }
    let pages = ((ctx.budget() as f64 * LONG_VIEW_SHARE) as usize).max(1);
    let reach = Reach {
        page_cap: page_cap(listed, size),
        items: (!reference.complete()).then_some(listed as usize),
        pages: Some(pages),
        keep_items: 0,
    };
    let w = walk_within(ctx, &ctx.unfiltered(Some(size)), reach).await;
    judge_walk(ctx, &w, Some(reference))
}

/// Windows deep in an addressable list, each walked at `size-max` and at a smaller size from
/// the same position: the two must list the same items in the same order. They reach where
/// the reference walk did not (a list longer than the budget allows to walk).
async fn deep_windows(ctx: &Ctx<'_>, end: Option<u64>) -> Findings {
    let p = ctx.pagination;
    let small = (p.size_max / 4).max(p.size_min);
    let items = window_items(ctx, Some(small));
    let Some(end) = end.filter(|&end| end > 2 * items && small < p.size_max) else {
        return Findings::new();
    };
    if !ctx.any_selected(WALKING) {
        return Findings::new();
    }
    // Spread over the list, past what the windows from the start cover; a multiple of both
    // sizes, so that a page-numbered list can start both walks there.
    let step = lcm(small, p.size_max);
    let positions: Vec<u64> = (1..=DEEP_WINDOWS)
        .map(|k| (end.saturating_sub(items) * k / DEEP_WINDOWS) / step * step)
        .filter(|&at| at > 0)
        .collect();
    cases::each(ctx, positions, |at| async move {
        let mut f = Findings::new();
        let (Some(wide), Some(narrow)) = (start_at(ctx, p.size_max, at), start_at(ctx, small, at))
        else {
            return f;
        };
        let reach = Reach::window(items as usize);
        let (a, b) = tokio::join!(
            walk_within(ctx, &wide, reach),
            walk_within(ctx, &narrow, reach)
        );
        f.merge(judge_walk(ctx, &a, None));
        f.merge(judge_walk(ctx, &b, None));
        if a.usable() && b.usable() {
            f.defer(SameWindow {
                opening: ctx.opening(),
                at,
                sizes: (p.size_max, small),
                keys: (a.keys(), b.keys()),
                request: b.first_curl(),
            });
        }
        f
    })
    .await
}

fn lcm(a: u64, b: u64) -> u64 {
    fn gcd(a: u64, b: u64) -> u64 {
        if b == 0 {
            a
        } else {
            gcd(b, a % b)
        }
    }
    (a / gcd(a, b).max(1)).saturating_mul(b).max(1)
}

/// Two walks of one window deep in the list, at two sizes: the same items, in the same
/// order, over the part both covered. While the data changed they cannot be compared
/// (positions move).
#[derive(Debug)]
struct SameWindow {
    opening: Arc<Bracket>,
    at: u64,
    sizes: (u64, u64),
    keys: (Vec<String>, Vec<String>),
    request: Option<String>,
}

impl Deferred for SameWindow {
    fn opening(&self) -> &Bracket {
        &self.opening
    }

    fn settle(&self, bracket: &Bracket) -> Findings {
        let mut f = Findings::new();
        if bracket.changed() {
            f.note(
                CheckId::Complete,
                format!(
                    "the window at position {} was not compared: the data changed during the run",
                    self.at
                ),
            );
            return f;
        }
        let n = self.keys.0.len().min(self.keys.1.len());
        let (a, b) = (&self.keys.0[..n], &self.keys.1[..n]);
        if a == b {
            f.held(CheckId::Complete);
            f.held(CheckId::StableOrder);
            return f;
        }
        let (sa, sb): (BTreeSet<&String>, BTreeSet<&String>) =
            (a.iter().collect(), b.iter().collect());
        let missing: Vec<String> = sa.difference(&sb).map(|k| k.to_string()).collect();
        let extra: Vec<String> = sb.difference(&sa).map(|k| k.to_string()).collect();
        let (wide, narrow) = self.sizes;
        if missing.is_empty() && extra.is_empty() {
            let i = a.iter().zip(b).position(|(x, y)| x != y).unwrap_or(0);
            f.breach(
                CheckId::StableOrder,
                Basis::Convention(conventions::ONE_ORDER),
                format!(
                    "from position {}: item #{} is {} at size {narrow} and {} at size {wide}",
                    self.at,
                    i + 1,
                    b[i],
                    a[i]
                ),
                self.request.clone(),
            );
        } else {
            f.breach(
                CheckId::Complete,
                Basis::Documented,
                format!(
                    "from position {}, the first {n} items at size {narrow} differ from those at size {wide}: {} missing ({}), {} extra ({})",
                    self.at,
                    missing.len(),
                    sample(&missing),
                    extra.len(),
                    sample(&extra)
                ),
                self.request.clone(),
            );
        }
        f
    }
}

/// What the walks of the family covered, for the report.
fn coverage_note(ctx: &Ctx, reference: &Walk, end: Option<u64>) -> String {
    let p = ctx.pagination;
    let listed = reference.item_count() as u64;
    let of = match (reference.complete(), end) {
        (true, _) => format!("all {listed}"),
        (false, Some(end)) => format!("{listed} of about {end}"),
        (false, None) => {
            format!("the first {listed} (it stopped where its share of the request budget ran out)")
        }
    };
    let mut parts = vec![format!(
        "the walk at size {} listed {of} item(s); windows of {PAGES_PER_WINDOW} pages at other sizes were compared with it",
        p.size_max
    )];
    if let Some(size) = long_view_size(ctx) {
        if !p.addressable()
            && listed > window_items(ctx, Some(p.size_max)).max(window_items(ctx, None))
        {
            parts.push(format!(
                "a second walk at size {size} followed it as far as the budget allowed"
            ));
        }
    }
    if end.is_some_and(|e| e > 2 * window_items(ctx, Some((p.size_max / 4).max(p.size_min)))) {
        parts.push(format!(
            "{DEEP_WINDOWS} windows deep in the list were each walked at two sizes"
        ));
    }
    parts.join("; ")
}

fn skip_inapplicable(ctx: &Ctx, f: &mut Findings) {
    let p = ctx.pagination;
    if p.count.is_none() && p.size_echo.is_none() {
        f.skip(
            CheckId::CountFields,
            "x-pagination declares no count or size-echo field",
        );
    }
    let style = &p.style;
    let next_member = matches!(
        p.walk.advance.carrier(),
        Some(Carrier::Body | Carrier::Header(_))
    );
    if !next_member {
        f.skip(
            CheckId::LastPage,
            format!("the {style} style has no next member to end with"),
        );
    }
    if p.flag.is_none() {
        f.skip(
            CheckId::HasMore,
            format!("the {style} style has no has-more flag"),
        );
    }
    if p.total.is_none() && p.total_pages.is_none() {
        f.skip(CheckId::Total, "x-pagination declares no total");
    }
    if p.walk.advance.carrier().is_some() {
        f.skip(
            CheckId::PastEnd,
            format!("a client of the {style} style cannot ask for a page past the end"),
        );
    }
}

fn unique(keys: &[String]) -> BTreeSet<&String> {
    keys.iter().collect()
}

/// Every per-walk property, and the comparisons with the reference walk.
pub fn judge_walk(ctx: &Ctx, w: &Walk, reference: Option<&Walk>) -> Findings {
    let mut f = Findings::new();
    let p = ctx.pagination;
    let label = w.request.label(&p.size_param, p.size_default);
    judge_end(ctx, &mut f, w, &label);
    judge_duplicates(ctx, &mut f, w, &label);
    judge_page_sizes(ctx, &mut f, w, &label);
    judge_counts(ctx, &mut f, w, &label);
    judge_last_page(ctx, &mut f, w, &label);
    judge_has_more(ctx, &mut f, w, &label);
    // The totals a walk read are judged against what the bracketing walks saw, when the first
    // walk listed the whole list (the closing walk's own totals may count items created while
    // it ran that it never reached).
    if let Some(r) = reference {
        if w.usable() && r.complete() {
            judge_totals(ctx, &mut f, w, &label);
        }
        if w.usable() {
            judge_against_reference(ctx, &mut f, w, r, &label);
        }
    }
    f
}

fn judge_end(ctx: &Ctx, f: &mut Findings, w: &Walk, label: &str) {
    match &w.end {
        WalkEnd::Last | WalkEnd::Stopped(_) => {
            f.held(CheckId::PagesServed);
            f.held(CheckId::Terminates);
        }
        WalkEnd::Endless {
            message,
            request,
            repeated,
        } if !repeated.is_empty() => f.defer(Stalled {
            opening: ctx.opening(),
            check: CheckId::Terminates,
            message: format!("{label}: {message}"),
            request: request.clone(),
            repeated: repeated.clone(),
        }),
        WalkEnd::Endless {
            message, request, ..
        } => {
            f.breach(
                CheckId::Terminates,
                Basis::Documented,
                format!("{label}: {message}"),
                Some(request.clone()),
            );
        }
        WalkEnd::BadPage {
            message,
            request,
            status,
        } => {
            let basis = match status {
                Some(s) if *s >= 500 => Basis::Convention(conventions::NO_5XX),
                _ => Basis::Documented,
            };
            f.breach(
                CheckId::PagesServed,
                basis,
                format!("{label}: {message}"),
                Some(request.clone()),
            );
        }
        WalkEnd::Probe(_) => {}
    }
}

fn judge_duplicates(ctx: &Ctx, f: &mut Findings, w: &Walk, label: &str) {
    if w.pages.is_empty() {
        return;
    }
    f.defer(Repeats {
        opening: ctx.opening(),
        label: label.to_string(),
        pages: w.pages.iter().map(|p| (p.keys.clone(), p.curl())).collect(),
    });
}

/// `pagination/no-duplicates` of one walk: its keys page by page.
#[derive(Debug)]
struct Repeats {
    opening: Arc<Bracket>,
    label: String,
    pages: Vec<(Vec<String>, String)>,
}

impl Deferred for Repeats {
    fn opening(&self) -> &Bracket {
        &self.opening
    }

    fn settle(&self, bracket: &Bracket) -> Findings {
        let mut f = Findings::new();
        let mut seen = HashSet::new();
        let mut excused = 0;
        for (i, (keys, curl)) in self.pages.iter().enumerate() {
            for k in keys {
                if seen.insert(k) {
                    continue;
                }
                if bracket.explains_repeat(k) {
                    excused += 1;
                    continue;
                }
                f.breach(
                    CheckId::NoDuplicates,
                    Basis::Documented,
                    format!("{}: item {k} appears again on page {}", self.label, i + 1),
                    Some(curl.clone()),
                );
                return f;
            }
        }
        f.held(CheckId::NoDuplicates);
        if excused > 0 {
            f.note(
                CheckId::NoDuplicates,
                format!(
                    "{excused} repeated items were excused: items appeared ahead of them while the data changed"
                ),
            );
        }
        f
    }
}

/// Every page but the last holds exactly the effective size; none holds more. A walk without
/// the size parameter is judged by `default-size`, one with it by `page-size`. Where the spec
/// makes the size echo authoritative, a page is judged against the size it says it used (the
/// echo's own bounds are `count-fields`' concern); where pages before the last may be short,
/// only "none holds more" is left.
pub fn judge_page_sizes(ctx: &Ctx, f: &mut Findings, w: &Walk, label: &str) {
    let p = ctx.pagination;
    let check = match w.request.size {
        Some(_) => CheckId::PageSize,
        None => CheckId::DefaultSize,
    };
    let asked = w.request.effective_size(p);
    let ending = ending_page(w);
    for (i, page) in w.pages.iter().enumerate() {
        let n = page.keys.len() as u64;
        let (effective, of) = match page.observed.size {
            Some(echo) if echo <= asked => (echo, "the size the page echoes"),
            _ => (asked, "the page size"),
        };
        let not_last = i < ending;
        let breach = if n > effective {
            Some(format!(
                "page {} holds {n} items, more than {effective} ({of})",
                i + 1
            ))
        } else if not_last && n != effective && !p.short_pages {
            Some(format!(
                "page {} holds {n} items but is not the last page: every page before the last holds {effective} ({of})",
                i + 1
            ))
        } else {
            None
        };
        match breach {
            Some(message) => f.breach(
                check,
                Basis::Documented,
                format!("{label}: {message}"),
                Some(page.curl()),
            ),
            None => f.held(check),
        }
    }
}

/// The index of the page that ends the list for the page-size rules: the last page, or the
/// page before a single empty last page. A server that cannot know that a page is the last
/// until it looks (a cursor over a live table) may hand out a next link or cursor on the last
/// page that has items; that link leads to one empty page, which ends the walk. Neither page
/// breaks a rule: a next link promises a request, not items. A short page followed by a page
/// with items is still a short page.
fn ending_page(w: &Walk) -> usize {
    match w.pages.as_slice() {
        // Stopped before the end: every page it got said more follow.
        pages if matches!(w.end, WalkEnd::Stopped(_)) => pages.len(),
        [.., _, last] if w.complete() && last.keys.is_empty() => w.pages.len() - 2,
        pages => pages.len().saturating_sub(1),
    }
}

fn judge_counts(ctx: &Ctx, f: &mut Findings, w: &Walk, label: &str) {
    let p = ctx.pagination;
    let effective = w.request.effective_size(p);
    for (i, page) in w.pages.iter().enumerate() {
        let n = page.keys.len() as u64;
        // An absent field is the schema family's concern (its presence may be a reading).
        let judged = [
            (&p.count, &page.count, judge_count(page, n)),
            (&p.size_echo, &page.echo, judge_echo(p, page, effective)),
        ];
        for (pointer, got, verdict) in judged {
            let (Some(pointer), Some(got)) = (pointer, got) else {
                continue;
            };
            match verdict {
                None => f.held(CheckId::CountFields),
                Some(what) => f.breach(
                    CheckId::CountFields,
                    Basis::Documented,
                    format!("{label}: page {} has {pointer} = {got} but {what}", i + 1),
                    Some(page.curl()),
                ),
            }
        }
    }
}

/// The item count equals the items on the page; `Some` says what it should have been.
fn judge_count(page: &Page, n: u64) -> Option<String> {
    let got = page.count.as_ref()?;
    (got.as_u64() != Some(n)).then(|| format!("the items on the page are {n}"))
}

/// The size echo equals the effective page size; an authoritative echo may be lower (the
/// server lowered the size), but never above the size asked for or `size-max`, never below
/// the items it served, and never 0.
fn judge_echo(p: &specs::Pagination, page: &Page, effective: u64) -> Option<String> {
    let got = page.echo.as_ref()?;
    if !p.size_echo_authoritative {
        return (got.as_u64() != Some(effective))
            .then(|| format!("the effective page size is {effective}"));
    }
    let n = page.keys.len() as u64;
    match got.as_u64() {
        Some(echo) if echo > effective => Some(format!(
            "the size asked for is {effective}: a server may lower the size, never raise it"
        )),
        Some(echo) if echo > p.size_max => Some(format!("size-max is {}", p.size_max)),
        Some(echo) if echo < n.max(1) => Some(format!(
            "the page holds {n} item(s): the size it was served at is at least that, and at least 1"
        )),
        Some(_) => None,
        None => Some("the echo is not a whole number".to_string()),
    }
}

/// The last page's next member says that it is the last in one of the ways `last-page`
/// accepts (absent, null, empty).
pub(crate) fn judge_last_page(ctx: &Ctx, f: &mut Findings, w: &Walk, label: &str) {
    let p = ctx.pagination;
    let next_member = matches!(
        p.walk.advance.carrier(),
        Some(Carrier::Body | Carrier::Header(_))
    );
    let (true, WalkEnd::Last, Some(last)) = (next_member, &w.end, w.pages.last()) else {
        return;
    };
    let signal = match &last.observed.next {
        Member::Absent => Some(End::NoNext),
        Member::Null => Some(End::NullNext),
        Member::Text(t) if t.is_empty() => Some(End::EmptyNext),
        Member::Text(_) => None,
    };
    if signal.is_some_and(|s| p.last_page.contains(&s)) {
        f.held(CheckId::LastPage);
        return;
    }
    let name = |s: End| match s {
        End::NoNext => "absent",
        End::NullNext => "null",
        End::EmptyNext => "empty",
        _ => "a value",
    };
    let at = p.next.as_deref().unwrap_or("the next member");
    f.breach(
        CheckId::LastPage,
        Basis::of(&p.last_page.reading),
        format!(
            "{label}: the last page's {at} is {}; the spec accepts {}",
            signal.map_or("a value", name),
            p.last_page
                .iter()
                .map(|s| name(*s))
                .collect::<Vec<_>>()
                .join(" or ")
        ),
        Some(last.curl()),
    );
}

/// The flag says "more" on every page but the last and "last" on the last: a last page
/// without items after a page that said "more" means the flag said "more" where nothing
/// followed.
pub(crate) fn judge_has_more(ctx: &Ctx, f: &mut Findings, w: &Walk, label: &str) {
    let Some((_, last_value)) = ctx.pagination.flag else {
        return;
    };
    if !w.complete() {
        return;
    }
    let more = Some(!last_value);
    match w.pages.as_slice() {
        [.., before, last] if last.keys.is_empty() && before.observed.flag == more => f.breach(
            CheckId::HasMore,
            Basis::Documented,
            format!(
                "{label}: page {} says more items follow, but the page after it is empty: the flag said so on the last page",
                w.pages.len() - 1
            ),
            Some(before.curl()),
        ),
        _ => f.held(CheckId::HasMore),
    }
}

fn judge_totals(ctx: &Ctx, f: &mut Findings, w: &Walk, label: &str) {
    let pages: Vec<_> = w
        .pages
        .iter()
        .map(|p| (p.observed.total, p.observed.total_pages, p.curl()))
        .filter(|(t, tp, _)| t.is_some() || tp.is_some())
        .collect();
    if !pages.is_empty() {
        f.defer(Totals {
            opening: ctx.opening(),
            label: label.to_string(),
            size: w.request.effective_size(ctx.pagination),
            pages,
        });
    }
}

/// `pagination/total` of one walk: the total and total pages each page reported.
#[derive(Debug)]
struct Totals {
    opening: Arc<Bracket>,
    label: String,
    size: u64,
    pages: Vec<(Option<u64>, Option<u64>, String)>,
}

impl Deferred for Totals {
    fn opening(&self) -> &Bracket {
        &self.opening
    }

    fn settle(&self, bracket: &Bracket) -> Findings {
        let mut f = Findings::new();
        // Items that existed throughout, and every item seen: a total reported at any time
        // of the run lies between the two. Items created while the first walk ran are listed
        // by both walks, yet were not there throughout: while the data changed, as many may
        // have been as appeared between the walks.
        let appeared = bracket.appeared().len();
        let low = bracket.stable_len().saturating_sub(appeared) as u64;
        let high = bracket.known_len() as u64;
        let size = self.size.max(1);
        for (i, (total, total_pages, curl)) in self.pages.iter().enumerate() {
            for (got, range, what) in [
                (total, (low, high), "total"),
                (
                    total_pages,
                    (low.div_ceil(size), high.div_ceil(size)),
                    "total pages",
                ),
            ] {
                let Some(got) = got else { continue };
                if (range.0..=range.1).contains(got) {
                    f.held(CheckId::Total);
                    continue;
                }
                let want = match range.0 == range.1 {
                    true => format!("the walk has {}", range.0),
                    false => format!(
                        "the list held {} to {} while the data changed",
                        range.0, range.1
                    ),
                };
                f.breach(
                    CheckId::Total,
                    Basis::Documented,
                    format!(
                        "{}: page {} reports {what} {got}, {want}",
                        self.label,
                        i + 1
                    ),
                    Some(curl.clone()),
                );
            }
        }
        f
    }
}

fn judge_against_reference(ctx: &Ctx, f: &mut Findings, w: &Walk, r: &Walk, label: &str) {
    let p = ctx.pagination;
    f.defer(Coverage {
        opening: ctx.opening(),
        label: label.to_string(),
        size_max: p.size_max,
        keys: w.keys(),
        whole: w.complete() && r.complete(),
        request: w.first_curl(),
    });
    let (rk, wk) = (r.keys(), w.keys());
    let (rs, ws) = (unique(&rk), unique(&wk));
    // Order of the items both walks returned, first occurrences only.
    let order = |keys: &[String], other: &BTreeSet<&String>| {
        let mut seen = HashSet::new();
        keys.iter()
            .filter(|k| other.contains(k) && seen.insert(k.to_string()))
            .cloned()
            .collect::<Vec<_>>()
    };
    let (ro, wo) = (order(&rk, &ws), order(&wk, &rs));
    match ro.iter().zip(&wo).position(|(a, b)| a != b) {
        None => f.held(CheckId::StableOrder),
        Some(i) => f.breach(
            CheckId::StableOrder,
            Basis::Convention(conventions::ONE_ORDER),
            format!(
                "{label}: item #{} is {} where the walk at size {} has {}",
                i + 1,
                wo[i],
                p.size_max,
                ro[i]
            ),
            w.first_curl(),
        ),
    }
}

/// `pagination/complete` of one walk: every item that existed throughout, and nothing else;
/// of a walk that covered part of the list (a window, or either walk stopped by the budget),
/// every such item of the part of the first walk's order it spans.
#[derive(Debug)]
struct Coverage {
    opening: Arc<Bracket>,
    label: String,
    size_max: u64,
    keys: Vec<String>,
    /// Both this walk and the first reached the end: the whole list is compared.
    whole: bool,
    request: Option<String>,
}

impl Deferred for Coverage {
    fn opening(&self) -> &Bracket {
        &self.opening
    }

    fn settle(&self, bracket: &Bracket) -> Findings {
        let mut f = Findings::new();
        let got: BTreeSet<&str> = self.keys.iter().map(String::as_str).collect();
        let span = match self.whole {
            true => None,
            false => Some(bracket.span(&self.keys)),
        };
        let missing: Vec<String> = match &span {
            None => bracket
                .stable()
                .filter(|k| !got.contains(k.as_str()))
                .cloned()
                .collect(),
            Some(span) => span
                .expected
                .iter()
                .filter(|k| bracket.is_stable(k) && !got.contains(k.as_str()))
                .cloned()
                .collect(),
        };
        // A key past the end of a first walk that stopped early may well exist.
        let judged = span.as_ref().map_or(self.keys.len(), |s| s.judged);
        let extra: Vec<String> = self.keys[..judged]
            .iter()
            .filter(|k| !bracket.is_known(k))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .cloned()
            .collect();
        if missing.is_empty() && extra.is_empty() {
            f.held(CheckId::Complete);
            return f;
        }
        let compared = match (bracket.changed(), &span) {
            (false, Some(span)) => format!(
                "the walk at size {} listed {} over the same part of the list",
                self.size_max,
                span.expected.len()
            ),
            (false, None) => format!(
                "the walk at size {} returned {}",
                self.size_max,
                bracket.before_len()
            ),
            (true, _) => format!(
                "{} items were listed by the first and the last walk at size {}",
                bracket.stable_len(),
                self.size_max
            ),
        };
        f.breach(
            CheckId::Complete,
            Basis::Documented,
            format!(
                "{} returned {} distinct items, {compared}: {} missing ({}), {} extra ({})",
                self.label,
                got.len(),
                missing.len(),
                sample(&missing),
                extra.len(),
                sample(&extra)
            ),
            self.request.clone(),
        );
        f
    }
}

/// A page size above the maximum is rejected or clamped, as `over-max` accepts.
async fn over_max(ctx: &Ctx<'_>, total: u64) -> Findings {
    let mut f = Findings::new();
    if !ctx.selected(CheckId::OverMax) {
        return f;
    }
    let p = ctx.pagination;
    let sizes = vec![p.size_max + 1, p.size_max * 3 + 7];
    f.merge(
        cases::each(ctx, sizes, |size| async move {
            let mut f = Findings::new();
            // Every item (defaults lifted), so that more than size-max exist where they can.
            let url = ctx.url(&[], &ctx.unfiltered(Some(size)).first_query(&p.size_param));
            if let Some(response) = ctx.get(&url, &Auth::Target).await {
                let breach =
                    super::out_of_range(ctx, &size.to_string(), &response, &p.over_max, p.size_max);
                let held = !f.judge(CheckId::OverMax, breach);
                if held && response.status == 200 && total <= p.size_max {
                    f.note(
                        CheckId::OverMax,
                        format!("served with at most size-max items; only {total} items exist, so clamping cannot be told from honouring the size"),
                    );
                }
            }
            f
        })
        .await,
    );
    f
}

/// A window past the end of the list (offset, page number, or after the last item) has no
/// items. The end is where the reference walk ended, or where [`list_end`] found it.
async fn past_end(ctx: &Ctx<'_>, reference: &Walk, end: Option<u64>) -> Findings {
    let mut f = Findings::new();
    if !ctx.selected(CheckId::PastEnd) {
        return f;
    }
    let p = ctx.pagination;
    let Some(total) = end else {
        if p.walk.advance.carrier().is_none() {
            f.skip(
                CheckId::PastEnd,
                "the walk at size-max stopped before the end of the list, so where it ends is unknown",
            );
        }
        return f;
    };
    let size = p.size_max;
    let base = ctx.url(&[], &ctx.unfiltered(Some(size)).first_query(&p.size_param));
    let urls: Vec<Url> = match &p.walk.advance {
        Advance::Offset { param } => vec![
            with_param(&base, param, &total.to_string()),
            with_param(&base, param, &(total + size).to_string()),
        ],
        Advance::Page { param, first } => {
            let past = first + total.div_ceil(size).max(1);
            vec![with_param(&base, param, &past.to_string())]
        }
        // Keys are kept as compact JSON (`"cus_9"`, `42`).
        Advance::AfterKey { param } if reference.complete() => reference
            .pages
            .iter()
            .rev()
            .find_map(|page| page.keys.last())
            .and_then(|key| serde_json::from_str::<serde_json::Value>(key).ok())
            .and_then(|key| super::walk::as_param(&key))
            .map(|key| vec![with_param(&base, param, &key)])
            .unwrap_or_default(),
        _ => Vec::new(),
    };
    for url in urls {
        let Some(response) = ctx.get(&url, &Auth::Target).await else {
            continue;
        };
        let curl = response.request.curl();
        match read_page(ctx, response) {
            Ok(Page { keys, .. }) => f.defer(BeyondEnd {
                opening: ctx.opening(),
                total,
                keys,
                request: curl,
            }),
            Err(message) => f.breach(
                CheckId::PastEnd,
                Basis::Documented,
                format!("a page past the end of the list: {message}"),
                Some(curl),
            ),
        }
    }
    f
}

/// `pagination/past-end` of one window past the end of the first walk's items.
#[derive(Debug)]
struct BeyondEnd {
    opening: Arc<Bracket>,
    total: u64,
    keys: Vec<String>,
    request: String,
}

impl Deferred for BeyondEnd {
    fn opening(&self) -> &Bracket {
        &self.opening
    }

    /// Empty; while the data changed, the list may have grown past the window by as many
    /// items as appeared.
    fn settle(&self, bracket: &Bracket) -> Findings {
        let mut f = Findings::new();
        let grown = bracket.appeared().len();
        if self.keys.len() <= grown {
            f.held(CheckId::PastEnd);
            if !self.keys.is_empty() {
                f.note(
                    CheckId::PastEnd,
                    format!(
                        "a window past the first walk's end held {} items, no more than the {grown} that appeared while the data changed",
                        self.keys.len()
                    ),
                );
            }
            return f;
        }
        f.breach(
            CheckId::PastEnd,
            Basis::Documented,
            format!(
                "a page past the end of the {} items holds {} items ({})",
                self.total,
                self.keys.len(),
                sample(&self.keys)
            ),
            Some(self.request.clone()),
        );
        f
    }
}

/// A walk stopped on pages that repeated earlier items: a cycle, unless the list grew ahead
/// of every repeated item while it was read (a list growing at its head faster than a walk
/// reads it by offsets cannot be walked to its end, and says nothing about the server).
#[derive(Debug)]
pub(crate) struct Stalled {
    pub(crate) opening: Arc<Bracket>,
    pub(crate) check: CheckId,
    pub(crate) message: String,
    pub(crate) request: String,
    pub(crate) repeated: Vec<String>,
}

impl Deferred for Stalled {
    fn opening(&self) -> &Bracket {
        &self.opening
    }

    fn settle(&self, bracket: &Bracket) -> Findings {
        let mut f = Findings::new();
        if self.repeated.iter().all(|k| bracket.explains_repeat(k)) {
            f.note(
                self.check,
                "a walk was stopped where items inserted ahead of it kept moving the items it read \
                 onto its next pages; it is not counted",
            );
        } else {
            f.breach(
                self.check,
                Basis::Documented,
                self.message.clone(),
                Some(self.request.clone()),
            );
        }
        f
    }
}
