//! Filters: each item matches, filtered results are exactly the matching part of the unfiltered
//! walk, combinations are AND, owner filters select one owner, path filters scope every item.
//!
//! Values come from the data (every value of each filtered field in the unfiltered walk), from
//! the spec (every `enum` value, present in the data or not: absent ones must return nothing),
//! and one value that cannot exist (which must return nothing). Owner filters identify the
//! owner by something the response does not show (Peeker `user_email`): known owners come from
//! the target when it has them (all their items share one owner), and an unknown owner must
//! return nothing.

use std::collections::{BTreeSet, HashSet};

use proptest::prelude::*;
use proptest::sample::Index;
use serde_json::Value;
use specs::{Filter, Match};

use super::walk::{walk, PageRequest, Walk, WalkEnd};
use super::{as_param, sample, Ctx, Props};
use crate::report::CheckResult;

/// Every item matches every filter.
pub const ITEMS_MATCH: &str = "filters/items-match";
/// Filtered == matching subset of unfiltered.
pub const EXACT_SUBSET: &str = "filters/exact-subset";
/// Owner filters.
pub const OWNER: &str = "filters/owner";
/// Path filters.
pub const PATH_SCOPE: &str = "filters/path-scope";

const NAMES: &[&str] = &[ITEMS_MATCH, EXACT_SUBSET, OWNER, PATH_SCOPE];

/// Most values tried per filter in the fixed cases.
const VALUES_PER_FILTER: usize = 6;

/// Whether an item satisfies a filter with this value (owner filters cannot be judged).
fn matches(item: &Value, filter: &Filter, value: &str) -> Option<bool> {
    let field = item.pointer(&filter.field);
    match filter.matching {
        Match::Equals => Some(field.and_then(as_param).is_some_and(|v| v == value)),
        Match::Contains => Some(
            field
                .and_then(Value::as_array)
                .is_some_and(|a| a.iter().filter_map(as_param).any(|v| v == value)),
        ),
        Match::Owner => None,
    }
}

/// Values of the filtered field found in the data, most frequent first.
fn discovered(items: &[&Value], filter: &Filter) -> Vec<String> {
    let mut counts: Vec<(String, usize)> = Vec::new();
    for item in items {
        let values: Vec<String> = match (filter.matching, item.pointer(&filter.field)) {
            (Match::Equals, Some(v)) => as_param(v).into_iter().collect(),
            (Match::Contains, Some(Value::Array(a))) => a.iter().filter_map(as_param).collect(),
            _ => Vec::new(),
        };
        for v in values {
            match counts.iter_mut().find(|(c, _)| *c == v) {
                Some((_, n)) => *n += 1,
                None => counts.push((v, 1)),
            }
        }
    }
    counts.sort_by_key(|c| std::cmp::Reverse(c.1));
    counts.into_iter().map(|(v, _)| v).collect()
}

/// A query filter and the values to try with it.
struct Candidate<'f> {
    filter: &'f Filter,
    values: Vec<String>,
    /// Values known not to occur (absent enum values, the synthetic unknown value).
    unknown: HashSet<String>,
}

/// Runs the family.
pub fn run(ctx: &Ctx) -> Vec<CheckResult> {
    let mut props = Props::new(NAMES);
    let p = ctx.pagination;
    let reference = match ctx.reference.borrow().clone() {
        Some(r) => r,
        None => walk(
            ctx,
            &PageRequest::sized(Some(p.size_max)),
            (ctx.options.max_requests / 4).clamp(10, 10_000) as usize,
        ),
    };
    if !reference.complete() {
        let why = match &reference.end {
            WalkEnd::Probe(e) => e.to_string(),
            WalkEnd::Endless { message, .. } | WalkEnd::BadPage { message, .. } => message.clone(),
            WalkEnd::Last => String::new(),
        };
        for name in NAMES {
            props.skip(name, format!("no complete unfiltered walk: {why}"));
        }
        return props.finish(ctx.stopped.borrow().as_ref());
    }
    let items: Vec<&Value> = reference.items().collect();
    let total = reference.keys().len();
    let cap = (2 * (total as u64).div_ceil(p.size_max) + 3) as usize;

    // Path filters are judged on every walk, the unfiltered one included.
    let path_filters: Vec<(&Filter, String)> = ctx
        .op
        .filters
        .iter()
        .filter(|f| f.location == "path")
        .filter_map(|f| ctx.path_value(&f.param).map(|v| (f, v)))
        .collect();
    let query: Vec<&Filter> = ctx
        .op
        .filters
        .iter()
        .filter(|f| f.location == "query")
        .collect();
    if path_filters.is_empty() {
        props.skip(PATH_SCOPE, "the operation has no path filters");
    }
    judge_path_scope(&mut props, &path_filters, &reference, "the unfiltered walk");
    if query.is_empty() {
        for name in [ITEMS_MATCH, EXACT_SUBSET, OWNER] {
            props.skip(name, "the operation has no query filters");
        }
        return props.finish(ctx.stopped.borrow().as_ref());
    }
    if !query.iter().any(|f| f.matching == Match::Owner) {
        props.skip(OWNER, "the operation has no owner filters");
    }

    let unknown_value = format!("conformance-unknown-{:x}", ctx.options.seed);
    let candidates: Vec<Candidate> = query
        .iter()
        .map(|f| {
            let found = discovered(&items, f);
            let mut values: Vec<String> = Vec::new();
            let mut unknown = HashSet::new();
            match (&f.values, f.matching) {
                (_, Match::Owner) => {
                    // The owner's identity is not in the response: real values come from the
                    // target (when known), plus an address that cannot belong to anyone.
                    values.extend(ctx.target.owner_values.iter().cloned());
                    let v = format!("conformance-{:x}@example.invalid", ctx.options.seed);
                    unknown.insert(v.clone());
                    values.push(v);
                }
                (Some(allowed), _) => {
                    // Values outside the enum are the schema family's concern.
                    values.extend(found.iter().filter(|v| allowed.contains(v)).cloned());
                    for v in allowed {
                        if !values.contains(v) {
                            unknown.insert(v.clone());
                            values.push(v.clone());
                        }
                    }
                }
                (None, _) => {
                    values.extend(found);
                    unknown.insert(unknown_value.clone());
                    values.push(unknown_value.clone());
                }
            }
            Candidate {
                filter: f,
                values,
                unknown,
            }
        })
        .collect();

    let props = std::cell::RefCell::new(props);
    let case = |chosen: &[(usize, String)]| -> bool {
        judge_case(
            ctx,
            &mut props.borrow_mut(),
            &candidates,
            chosen,
            &path_filters,
            &reference,
            cap,
        )
    };

    // Fixed cases: every filter alone with each of its first values, then every pair of
    // value-carrying filters with the values of one item that has both (so that the
    // intersection is not empty and an OR would show).
    for (i, c) in candidates.iter().enumerate() {
        let mut values: Vec<&String> = c
            .values
            .iter()
            .filter(|v| !c.unknown.contains(*v))
            .take(VALUES_PER_FILTER)
            .collect();
        values.extend(c.values.iter().filter(|v| c.unknown.contains(*v)).take(2));
        for v in values {
            if ctx.is_stopped() {
                break;
            }
            case(&[(i, v.clone())]);
        }
    }
    for i in 0..candidates.len() {
        for j in i + 1..candidates.len() {
            let (a, b) = (candidates[i].filter, candidates[j].filter);
            if a.matching == Match::Owner || b.matching == Match::Owner || ctx.is_stopped() {
                continue;
            }
            let pick = |item: &Value, f: &Filter| match f.matching {
                Match::Contains => item
                    .pointer(&f.field)
                    .and_then(Value::as_array)
                    .and_then(|a| a.iter().find_map(as_param)),
                _ => item.pointer(&f.field).and_then(as_param),
            };
            if let Some((va, vb)) = items
                .iter()
                .find_map(|it| Some((pick(it, a)?, pick(it, b)?)))
            {
                case(&[(i, va), (j, vb)]);
            }
        }
    }

    // Drawn cases: one to three filters, each with one of its values.
    let n = candidates.len();
    let strategy = proptest::collection::vec((0..n, any::<Index>()), 1..=n.min(3));
    ctx.cases(0x6669_6c74, strategy, |picks| {
        let mut chosen: Vec<(usize, String)> = Vec::new();
        for (i, index) in picks {
            if chosen.iter().all(|(j, _)| *j != i) {
                let values = &candidates[i].values;
                chosen.push((i, values[index.index(values.len())].clone()));
            }
        }
        case(&chosen)
    });
    props.into_inner().finish(ctx.stopped.borrow().as_ref())
}

fn judge_path_scope(
    props: &mut Props,
    path_filters: &[(&Filter, String)],
    w: &Walk,
    label: &str,
) -> bool {
    let mut failed = false;
    for (f, value) in path_filters {
        for page in &w.pages {
            let bad = page
                .items
                .iter()
                .find(|i| matches(i, f, value) == Some(false));
            failed |= props.check(
                PATH_SCOPE,
                bad.is_none(),
                || {
                    format!(
                        "{label}: an item of {}={value} has {} = {}",
                        f.param,
                        f.field,
                        bad.and_then(|i| i.pointer(&f.field))
                            .map(|v| v.to_string())
                            .unwrap_or_else(|| "absent".into())
                    )
                },
                Some(page.curl()),
            );
        }
    }
    failed
}

/// One filtered walk, judged. Returns whether a property failed.
fn judge_case(
    ctx: &Ctx,
    props: &mut Props,
    candidates: &[Candidate],
    chosen: &[(usize, String)],
    path_filters: &[(&Filter, String)],
    reference: &Walk,
    cap: usize,
) -> bool {
    let p = ctx.pagination;
    let query: Vec<(String, String)> = chosen
        .iter()
        .map(|(i, v)| (candidates[*i].filter.param.clone(), v.clone()))
        .collect();
    let label = query
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    let request = PageRequest {
        size: Some(p.size_max),
        query,
        path: Vec::new(),
    };
    let w = walk(ctx, &request, cap);
    let has_owner = chosen
        .iter()
        .any(|(i, _)| candidates[*i].filter.matching == Match::Owner);
    let main = if has_owner { OWNER } else { ITEMS_MATCH };
    match &w.end {
        WalkEnd::Last => {}
        WalkEnd::Probe(_) => return false,
        WalkEnd::Endless { message, request } | WalkEnd::BadPage { message, request } => {
            props.fail(
                main,
                format!("{label}: the filtered walk failed: {message}"),
                Some(request.clone()),
            );
            return true;
        }
    }
    let curl = w.first_curl();
    let mut failed = judge_path_scope(props, path_filters, &w, &label);

    // Each item satisfies each (judgeable) filter.
    for (i, value) in chosen {
        let f = candidates[*i].filter;
        if f.matching == Match::Owner {
            continue;
        }
        let bad = w
            .items()
            .find(|item| matches(item, f, value) == Some(false));
        failed |= props.check(
            ITEMS_MATCH,
            bad.is_none(),
            || {
                format!(
                    "{label}: an item has {} = {} (item {})",
                    f.field,
                    bad.and_then(|i| i.pointer(&f.field))
                        .map(|v| v.to_string())
                        .unwrap_or_else(|| "absent".into()),
                    bad.map(|i| super::walk::item_key(i, &p.item_key))
                        .unwrap_or_default()
                )
            },
            curl.clone(),
        );
    }

    let got: BTreeSet<String> = w.keys().into_iter().collect();
    let all: BTreeSet<String> = reference.keys().into_iter().collect();
    if has_owner {
        // Results are a subset of the unfiltered walk and share one non-null owner value.
        let extra: Vec<String> = got.difference(&all).cloned().collect();
        failed |= props.check(
            OWNER,
            extra.is_empty(),
            || {
                format!(
                    "{label}: {} items not in the unfiltered walk ({})",
                    extra.len(),
                    sample(&extra)
                )
            },
            curl.clone(),
        );
        for (i, value) in chosen {
            let c = &candidates[*i];
            if c.filter.matching != Match::Owner {
                continue;
            }
            let owners: BTreeSet<String> = w
                .items()
                .map(|item| {
                    item.pointer(&c.filter.field)
                        .map(|v| v.to_string())
                        .unwrap_or_else(|| "null".into())
                })
                .collect();
            let one_owner = owners.len() <= 1 && !owners.contains("null");
            failed |= props.check(
                OWNER,
                one_owner,
                || {
                    format!(
                        "{label}: the items have {} owners by {} ({})",
                        owners.len(),
                        c.filter.field,
                        sample(&owners.iter().cloned().collect::<Vec<_>>())
                    )
                },
                curl.clone(),
            );
            if c.unknown.contains(value) {
                failed |= props.check(
                    OWNER,
                    got.is_empty(),
                    || {
                        format!(
                            "{label}: an owner that does not exist selected {} items",
                            got.len()
                        )
                    },
                    curl.clone(),
                );
            }
        }
        return failed;
    }

    // Exactly the matching subset of the unfiltered walk.
    let expected: BTreeSet<String> = reference
        .items()
        .filter(|item| {
            chosen
                .iter()
                .all(|(i, v)| matches(item, candidates[*i].filter, v) == Some(true))
        })
        .map(|item| super::walk::item_key(item, &p.item_key))
        .collect();
    let missing: Vec<String> = expected.difference(&got).cloned().collect();
    let extra: Vec<String> = got.difference(&expected).cloned().collect();
    failed |= props.check(
        EXACT_SUBSET,
        missing.is_empty() && extra.is_empty(),
        || {
            format!(
                "{label}: {} items, but {} items of the unfiltered walk match: {} missing ({}), {} extra ({})",
                got.len(),
                expected.len(),
                missing.len(),
                sample(&missing),
                extra.len(),
                sample(&extra)
            )
        },
        curl,
    );
    failed
}
