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
use super::walk::{page_cap, read_page, walk, with_param, Page, PageRequest, Walk, WalkEnd};
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

/// Most pages a walk at the smallest drawn size may take; bounds the smallest size drawn.
const PAGES_PER_WALK: u64 = 40;

/// Runs the family against the reference walk (a complete walk at `size-max`, or the reason
/// there is none).
pub async fn run(ctx: &Ctx<'_>, reference: &Walk) -> Findings {
    let mut f = Findings::new();
    let p = ctx.pagination;
    skip_inapplicable(ctx, &mut f);
    f.merge(judge_walk(ctx, reference, None));
    if !reference.complete() {
        let why = format!(
            "no complete walk at size {}: {}",
            p.size_max,
            reference.end.describe()
        );
        for check in CHECKS {
            f.skip(*check, why.clone());
        }
        return f;
    }
    let total = unique(&reference.keys()).len() as u64;
    let smallest = smallest_size(ctx, total, reference.pages.len());
    let walks = async {
        if !ctx.any_selected(WALKING) && !ctx.selected(CheckId::DefaultSize) {
            return Findings::new();
        }
        let mut fixed = vec![Some(p.size_max), None, Some(smallest)];
        if !ctx.any_selected(WALKING) {
            fixed = vec![None];
        }
        let judged = |size: Option<u64>| async move {
            let w = walk(
                ctx,
                &PageRequest::sized(size),
                page_cap(total, size.unwrap_or(p.size_default)),
            )
            .await;
            judge_walk(ctx, &w, Some(reference))
        };
        // The fixed sizes (the smallest is the longest walk) and the drawn ones at once.
        let drawn = async {
            if !ctx.any_selected(WALKING) {
                return Findings::new();
            }
            let sizes = prop_oneof![
                1 => Just(None),
                6 => (smallest..=p.size_max).prop_map(Some),
            ];
            cases::cases(ctx, 0x7061_6765, sizes, judged).await
        };
        let (mut found, drawn) = tokio::join!(cases::each(ctx, fixed, judged), drawn);
        found.merge(drawn);
        found
    };
    let (walked, over, past) = tokio::join!(walks, over_max(ctx, total), past_end(ctx, reference));
    f.merge(walked);
    f.merge(over);
    f.merge(past);
    if total <= 1 {
        f.note(
            CheckId::StableOrder,
            format!("only {total} item(s): order cannot differ"),
        );
    }
    f
}

/// The smallest page size walked: a walk may take [`PAGES_PER_WALK`] pages, or twice the
/// reference walk's when that is longer (a small maximum), and at least two sizes are walked
/// when the range has two.
fn smallest_size(ctx: &Ctx, total: u64, reference_pages: usize) -> u64 {
    let p = ctx.pagination;
    let pages = PAGES_PER_WALK.max(2 * reference_pages as u64);
    let smallest = total.div_ceil(pages).clamp(p.size_min, p.size_max);
    if smallest == p.size_max && p.size_max > p.size_min {
        p.size_max - 1
    } else {
        smallest
    }
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
    if let Some(r) = reference {
        if w.complete() {
            judge_totals(ctx, &mut f, w, &label);
            judge_against_reference(ctx, &mut f, w, r, &label);
        }
    }
    f
}

fn judge_end(ctx: &Ctx, f: &mut Findings, w: &Walk, label: &str) {
    match &w.end {
        WalkEnd::Last => {
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
/// the size parameter is judged by `default-size`, one with it by `page-size`.
pub fn judge_page_sizes(ctx: &Ctx, f: &mut Findings, w: &Walk, label: &str) {
    let p = ctx.pagination;
    let check = match w.request.size {
        Some(_) => CheckId::PageSize,
        None => CheckId::DefaultSize,
    };
    let effective = w.request.effective_size(p);
    let ending = ending_page(w);
    for (i, page) in w.pages.iter().enumerate() {
        let n = page.items.len() as u64;
        let not_last = i < ending;
        let breach = if n > effective {
            Some(format!(
                "page {} holds {n} items, more than {effective}",
                i + 1
            ))
        } else if not_last && n != effective {
            Some(format!(
                "page {} holds {n} items but is not the last page: every page before the last holds {effective}",
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
        [.., _, last] if w.complete() && last.items.is_empty() => w.pages.len() - 2,
        pages => pages.len().saturating_sub(1),
    }
}

fn judge_counts(ctx: &Ctx, f: &mut Findings, w: &Walk, label: &str) {
    let p = ctx.pagination;
    let effective = w.request.effective_size(p);
    for (i, page) in w.pages.iter().enumerate() {
        let Some(body) = page.response.body() else {
            continue;
        };
        let n = page.items.len() as u64;
        // An absent field is the schema family's concern (its presence may be a reading).
        for (pointer, want, what) in [
            (&p.count, n, "the items on the page"),
            (&p.size_echo, effective, "the effective page size"),
        ] {
            let Some(pointer) = pointer else { continue };
            let Some(got) = body.pointer(pointer) else {
                continue;
            };
            if got.as_u64() == Some(want) {
                f.held(CheckId::CountFields);
            } else {
                f.breach(
                    CheckId::CountFields,
                    Basis::Documented,
                    format!(
                        "{label}: page {} has {pointer} = {got} but {what} is {want}",
                        i + 1
                    ),
                    Some(page.curl()),
                );
            }
        }
    }
}

/// The last page's next member says that it is the last in one of the ways `last-page`
/// accepts (absent, null, empty).
fn judge_last_page(ctx: &Ctx, f: &mut Findings, w: &Walk, label: &str) {
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
fn judge_has_more(ctx: &Ctx, f: &mut Findings, w: &Walk, label: &str) {
    let Some((_, last_value)) = ctx.pagination.flag else {
        return;
    };
    if !w.complete() {
        return;
    }
    let more = Some(!last_value);
    match w.pages.as_slice() {
        [.., before, last] if last.items.is_empty() && before.observed.flag == more => f.breach(
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
        // of the run lies between the two.
        let (low, high) = (bracket.stable().len() as u64, bracket.known().len() as u64);
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

/// `pagination/complete` of one walk: every item that existed throughout, and nothing else.
#[derive(Debug)]
struct Coverage {
    opening: Arc<Bracket>,
    label: String,
    size_max: u64,
    keys: Vec<String>,
    request: Option<String>,
}

impl Deferred for Coverage {
    fn opening(&self) -> &Bracket {
        &self.opening
    }

    fn settle(&self, bracket: &Bracket) -> Findings {
        let mut f = Findings::new();
        let got: BTreeSet<&str> = self.keys.iter().map(String::as_str).collect();
        let (stable, known) = (bracket.stable(), bracket.known());
        let missing: Vec<String> = stable
            .iter()
            .filter(|k| !got.contains(k.as_str()))
            .cloned()
            .collect();
        let extra: Vec<String> = got
            .iter()
            .filter(|k| !known.contains(**k))
            .map(|s| s.to_string())
            .collect();
        if missing.is_empty() && extra.is_empty() {
            f.held(CheckId::Complete);
            return f;
        }
        let compared = match bracket.changed() {
            false => format!(
                "the walk at size {} returned {}",
                self.size_max,
                bracket.before().len()
            ),
            true => format!(
                "{} items were listed by the first and the last walk at size {}",
                stable.len(),
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
            let url = ctx.url(&[], &[(p.size_param.clone(), size.to_string())]);
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
/// items.
async fn past_end(ctx: &Ctx<'_>, reference: &Walk) -> Findings {
    let mut f = Findings::new();
    if !ctx.selected(CheckId::PastEnd) || !reference.complete() {
        return f;
    }
    let p = ctx.pagination;
    let total = unique(&reference.keys()).len() as u64;
    let size = p.size_max;
    let base = ctx.url(&[], &[(p.size_param.clone(), size.to_string())]);
    let urls: Vec<Url> = match &p.walk.advance {
        Advance::Offset { param } => vec![
            with_param(&base, param, &total.to_string()),
            with_param(&base, param, &(total + size).to_string()),
        ],
        Advance::Page { param, first } => {
            let past = first + total.div_ceil(size).max(1);
            vec![with_param(&base, param, &past.to_string())]
        }
        Advance::AfterKey { param } => reference
            .items()
            .last()
            .and_then(|item| item.pointer(&p.item_key))
            .and_then(super::walk::as_param)
            .map(|key| vec![with_param(&base, param, &key)])
            .unwrap_or_default(),
        Advance::NextUrl { .. } | Advance::Cursor { .. } => Vec::new(),
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
