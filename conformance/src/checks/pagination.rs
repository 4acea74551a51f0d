//! Pagination: complete, no duplicates, no gaps, page size honoured, termination, one order.
//!
//! The first walk is at `size-max` (the fewest requests); it is the reference every other walk
//! is compared with, and its length derives the page cap of later walks. Then a second walk at
//! `size-max` (order is stable between walks), a walk at the default size, one at the smallest
//! size the budget allows, and page sizes drawn by proptest in that range.

use std::collections::{BTreeSet, HashSet};

use proptest::prelude::*;
use specs::{LastPage, OverMax};

use super::walk::{read_page, walk, Next, PageRequest, Walk, WalkEnd};
use super::{sample, Ctx, Props};
use crate::probe::Auth;
use crate::report::CheckResult;

/// Every page of a walk is served.
pub const PAGES_SERVED: &str = "pagination/pages-served";
/// Walks terminate.
pub const TERMINATES: &str = "pagination/terminates";
/// No key twice.
pub const NO_DUPLICATES: &str = "pagination/no-duplicates";
/// Same set of keys at every size.
pub const COMPLETE: &str = "pagination/complete";
/// One order.
pub const STABLE_ORDER: &str = "pagination/stable-order";
/// Page size honoured.
pub const PAGE_SIZE: &str = "pagination/page-size";
/// Above the maximum.
pub const OVER_MAX: &str = "pagination/over-max";
/// Count and size echo fields.
pub const COUNT_FIELDS: &str = "pagination/count-fields";
/// The last page's signal.
pub const LAST_PAGE: &str = "pagination/last-page";

const NAMES: &[&str] = &[
    PAGES_SERVED,
    TERMINATES,
    NO_DUPLICATES,
    COMPLETE,
    STABLE_ORDER,
    PAGE_SIZE,
    OVER_MAX,
    COUNT_FIELDS,
    LAST_PAGE,
];

/// Most pages a walk at the smallest drawn size may take; bounds the smallest size drawn.
const PAGES_PER_WALK: u64 = 40;

/// Runs the family; leaves the reference walk in `ctx.reference` for the filters.
pub fn run(ctx: &Ctx) -> Vec<CheckResult> {
    let mut props = Props::new(NAMES);
    let p = ctx.pagination;
    if p.count.is_none() && p.size_echo.is_none() {
        props.skip(
            COUNT_FIELDS,
            "x-pagination declares no count or size-echo field",
        );
    }
    let reference_cap = (ctx.options.max_requests / 4).clamp(10, 10_000) as usize;
    let reference = walk(ctx, &PageRequest::sized(Some(p.size_max)), reference_cap);
    judge_walk(ctx, &mut props, &reference, None);
    if !reference.complete() {
        let why = match &reference.end {
            WalkEnd::Probe(e) => format!("no complete walk at size {}: {e}", p.size_max),
            WalkEnd::Endless { message, .. } | WalkEnd::BadPage { message, .. } => {
                format!("no complete walk at size {}: {message}", p.size_max)
            }
            WalkEnd::Last => unreachable!(),
        };
        for name in NAMES {
            props.skip(name, why.clone());
        }
        return props.finish(ctx.stopped.borrow().as_ref());
    }
    let total = unique(&reference.keys()).len() as u64;
    let cap_for = |size: Option<u64>| {
        let effective = size.unwrap_or(p.size_default).clamp(1, p.size_max);
        (2 * total.div_ceil(effective) + 3) as usize
    };

    // The same walk again: a stable order is not a property of one walk.
    let again = walk(
        ctx,
        &PageRequest::sized(Some(p.size_max)),
        cap_for(Some(p.size_max)),
    );
    judge_walk(ctx, &mut props, &again, Some(&reference));
    let default = walk(ctx, &PageRequest::sized(None), cap_for(None));
    judge_walk(ctx, &mut props, &default, Some(&reference));
    let smallest = total.div_ceil(PAGES_PER_WALK).clamp(1, p.size_max);
    let small = walk(
        ctx,
        &PageRequest::sized(Some(smallest)),
        cap_for(Some(smallest)),
    );
    judge_walk(ctx, &mut props, &small, Some(&reference));

    let props_cell = std::cell::RefCell::new(props);
    let sizes = prop_oneof![
        1 => Just(None),
        6 => (smallest..=p.size_max).prop_map(Some),
    ];
    ctx.cases(0x7061_6765, sizes, |size| {
        let w = walk(ctx, &PageRequest::sized(size), cap_for(size));
        judge_walk(ctx, &mut props_cell.borrow_mut(), &w, Some(&reference))
    });
    let mut props = props_cell.into_inner();

    over_max(ctx, &mut props, total);
    if total <= 1 {
        props.note(
            STABLE_ORDER,
            format!("only {total} item(s): order cannot differ"),
        );
    }
    *ctx.reference.borrow_mut() = Some(reference);
    props.finish(ctx.stopped.borrow().as_ref())
}

fn unique(keys: &[String]) -> BTreeSet<&String> {
    keys.iter().collect()
}

/// Evaluates every per-walk property, and the comparisons with the reference walk.
/// Returns whether a property failed on this walk.
fn judge_walk(ctx: &Ctx, props: &mut Props, w: &Walk, reference: Option<&Walk>) -> bool {
    let p = ctx.pagination;
    let mut failed = false;
    let label = match w.request.size {
        Some(s) => format!("walk at {}={s}", p.size_param),
        None => format!("walk at the default size ({})", p.size_default),
    };
    match &w.end {
        WalkEnd::Last => {
            props.pass(PAGES_SERVED);
            props.pass(TERMINATES);
        }
        WalkEnd::Endless { message, request } => {
            failed |= props.check(
                TERMINATES,
                false,
                || format!("{label}: {message}"),
                Some(request.clone()),
            );
        }
        WalkEnd::BadPage { message, request } => {
            failed |= props.check(
                PAGES_SERVED,
                false,
                || format!("{label}: {message}"),
                Some(request.clone()),
            );
        }
        WalkEnd::Probe(_) => {}
    }

    // No duplicates: holds on whatever part of the walk was seen.
    let mut seen = HashSet::new();
    let mut dup = None;
    'pages: for (i, page) in w.pages.iter().enumerate() {
        for k in &page.keys {
            if !seen.insert(k) {
                dup = Some((i, k.clone(), page.curl()));
                break 'pages;
            }
        }
    }
    if !w.pages.is_empty() {
        failed |= match dup {
            None => props.check(NO_DUPLICATES, true, String::new, None),
            Some((i, k, curl)) => props.check(
                NO_DUPLICATES,
                false,
                || format!("{label}: item {k} appears again on page {}", i + 1),
                Some(curl),
            ),
        };
    }

    // Page size and count fields, page by page.
    let requested = w.request.size.unwrap_or(p.size_default);
    let effective = requested.min(p.size_max);
    for (i, page) in w.pages.iter().enumerate() {
        let n = page.items.len() as u64;
        let limit = requested.min(p.size_max);
        failed |= props.check(
            PAGE_SIZE,
            n <= limit,
            || {
                format!(
                    "{label}: page {} holds {n} items, more than {limit} (requested {requested}, size-max {})",
                    i + 1,
                    p.size_max
                )
            },
            Some(page.curl()),
        );
        let body = page.response.body();
        if let (Some(ptr), Some(body)) = (&p.count, body) {
            let got = body.pointer(ptr).and_then(|v| v.as_u64());
            failed |= props.check(
                COUNT_FIELDS,
                got == Some(n),
                || {
                    format!(
                        "{label}: page {} has {n} items but {ptr} is {}",
                        i + 1,
                        show(body.pointer(ptr))
                    )
                },
                Some(page.curl()),
            );
        }
        if let (Some(ptr), Some(body)) = (&p.size_echo, body) {
            let got = body.pointer(ptr).and_then(|v| v.as_u64());
            failed |= props.check(
                COUNT_FIELDS,
                got == Some(effective),
                || {
                    format!(
                        "{label}: page {} echoes {ptr} = {} but the effective page size is {effective}",
                        i + 1,
                        show(body.pointer(ptr))
                    )
                },
                Some(page.curl()),
            );
        }
    }

    // The last page's signal.
    if let (WalkEnd::Last, Some(last)) = (&w.end, w.pages.last()) {
        let signal = match last.next {
            Next::Absent => Some(LastPage::Absent),
            Next::Null => Some(LastPage::Null),
            Next::Value(_) => None,
        };
        failed |= props.check(
            LAST_PAGE,
            signal.is_some_and(|s| p.last_page.contains(&s)),
            || {
                format!(
                    "{label}: the last page's {} is {:?}; the spec accepts {:?}",
                    p.next, last.next, p.last_page
                )
            },
            Some(last.curl()),
        );
    }

    // Comparisons with the reference walk.
    if let (Some(r), true) = (reference, w.complete()) {
        let (rk, wk) = (r.keys(), w.keys());
        let (rs, ws) = (unique(&rk), unique(&wk));
        let missing: Vec<String> = rs.difference(&ws).map(|s| s.to_string()).collect();
        let extra: Vec<String> = ws.difference(&rs).map(|s| s.to_string()).collect();
        failed |= props.check(
            COMPLETE,
            missing.is_empty() && extra.is_empty(),
            || {
                format!(
                    "{label} returned {} distinct items, the walk at size {} returned {}: {} missing ({}), {} extra ({})",
                    ws.len(),
                    p.size_max,
                    rs.len(),
                    missing.len(),
                    sample(&missing),
                    extra.len(),
                    sample(&extra)
                )
            },
            w.first_curl(),
        );
        // Order of the items both walks returned, first occurrences only.
        let order = |keys: &[String], other: &BTreeSet<&String>| {
            let mut seen = HashSet::new();
            keys.iter()
                .filter(|k| other.contains(k) && seen.insert(k.to_string()))
                .cloned()
                .collect::<Vec<_>>()
        };
        let (ro, wo) = (order(&rk, &ws), order(&wk, &rs));
        let first_difference = ro.iter().zip(&wo).position(|(a, b)| a != b);
        failed |= props.check(
            STABLE_ORDER,
            first_difference.is_none(),
            || {
                let i = first_difference.unwrap_or(0);
                format!(
                    "{label}: item #{} is {} where the walk at size {} has {}",
                    i + 1,
                    wo[i],
                    p.size_max,
                    ro[i]
                )
            },
            w.first_curl(),
        );
    }
    failed
}

fn show(v: Option<&serde_json::Value>) -> String {
    v.map(|v| v.to_string())
        .unwrap_or_else(|| "absent".to_string())
}

/// A page size above the maximum is rejected or clamped, as `over-max` allows.
fn over_max(ctx: &Ctx, props: &mut Props, total: u64) {
    let p = ctx.pagination;
    let statuses = &ctx.op.errors.invalid_param;
    let mut unobservable = false;
    for size in [p.size_max + 1, p.size_max * 3 + 7] {
        let url = ctx.url(&[], &[(p.size_param.clone(), size.to_string())]);
        let response = match ctx.probe.get(&url, &Auth::Target) {
            Ok(r) => r,
            Err(e) => {
                ctx.note_error(&e);
                continue;
            }
        };
        let curl = response.request.curl();
        let status = response.status;
        if statuses.contains(&status) {
            props.check(
                OVER_MAX,
                p.over_max.contains(&OverMax::Reject),
                || format!("{}={size} was rejected with {status}, but the spec does not allow rejecting (over-max {:?})", p.size_param, p.over_max),
                Some(curl),
            );
            continue;
        }
        if status != 200 {
            props.fail(
                OVER_MAX,
                format!(
                    "{}={size} got status {status}; the spec accepts {:?} ({:?})",
                    p.size_param, p.over_max, statuses
                ),
                Some(curl),
            );
            continue;
        }
        if !p.over_max.contains(&OverMax::Clamp) {
            props.fail(
                OVER_MAX,
                format!(
                    "{}={size} was served (200), but the spec requires a rejection",
                    p.size_param
                ),
                Some(curl),
            );
            continue;
        }
        let page = match read_page(ctx, response.clone()) {
            Ok(page) => page,
            Err(message) => {
                props.fail(
                    OVER_MAX,
                    format!("{}={size}: {message}", p.size_param),
                    Some(curl),
                );
                continue;
            }
        };
        let n = page.items.len() as u64;
        if props.check(
            OVER_MAX,
            n <= p.size_max,
            || format!("{}={size} served {n} items, more than size-max {}: neither rejected nor clamped", p.size_param, p.size_max),
            Some(curl.clone()),
        ) {
            continue;
        }
        if let (Some(ptr), Some(body)) = (&p.size_echo, response.body()) {
            let echo = body.pointer(ptr).and_then(|v| v.as_u64());
            props.check(
                OVER_MAX,
                echo == Some(p.size_max),
                || {
                    format!(
                        "{}={size} was served with {ptr} = {}: a clamped page echoes size-max {}",
                        p.size_param,
                        show(body.pointer(ptr)),
                        p.size_max
                    )
                },
                Some(curl),
            );
        } else if total <= p.size_max {
            unobservable = true;
        }
    }
    if unobservable {
        props.note(
            OVER_MAX,
            format!("served with at most size-max items; only {total} items exist, so clamping cannot be told from honouring the size"),
        );
    }
}
