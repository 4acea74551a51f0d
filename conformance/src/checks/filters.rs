//! Filters: each item of each page matches, filtered results are exactly the matching part of
//! the unfiltered walk, combinations are AND, owner filters select one owner, path filters
//! scope every item.
//!
//! Values come from the data (every value of each filtered field in the unfiltered walk), from
//! the spec (every `enum` value, present in the data or not: absent ones must return nothing),
//! one value that cannot exist (which must return nothing), and, for an equality filter
//! without an enum, near misses of a real value (a strict prefix, a case variant, one
//! character more), which select only exact matches: a server that matches by prefix or
//! without case is seen where values taken from the data cannot show it. Owner filters identify the
//! owner by something the response does not show (an email): known owners come from the
//! target when it has them, and an unknown owner must return nothing.
//!
//! Every filtered walk is also walked again at a page size small enough for its result to span
//! at least three pages (when it has three items or more), so that a server that drops the
//! filters on continuation pages, or filters after cutting the page, is seen.

use std::collections::{BTreeSet, HashSet};
use std::sync::Arc;

use proptest::prelude::*;
use proptest::sample::Index;
use serde_json::Value;
use specs::{Filter, Location, Match};

use super::pagination::{judge_has_more, judge_last_page, judge_page_sizes};
use super::sample;
use super::walk::{
    as_param, item_key, page_cap, walk, walk_within, PageRequest, Reach, Walk, WalkEnd,
};
use crate::engine::bracket::{Bracket, Deferred};
use crate::engine::findings::{conventions, Basis};
use crate::engine::{cases, Ctx, Findings};
use crate::registry::CheckId;

/// The checks of this family.
pub const CHECKS: &[CheckId] = &[
    CheckId::ItemsMatch,
    CheckId::ExactSubset,
    CheckId::Owner,
    CheckId::PathScope,
];

/// Most values tried per filter in the fixed cases.
const VALUES_PER_FILTER: usize = 6;

/// Values of the filtered field found in the data, those with the fewest items first: their
/// walks are the shortest, so a case costs the same whatever the size of the list.
fn discovered(items: &[&Value], filter: &Filter) -> Vec<String> {
    let mut counts = value_counts(items, filter);
    counts.reverse();
    counts.into_iter().map(|(v, _)| v).collect()
}

/// The values of a filter's field among `items`, each with the number of items that have it,
/// most frequent first (ties in order of appearance). Owner filters have none: the owner's
/// identity is not in the items.
pub(crate) fn value_counts(items: &[&Value], filter: &Filter) -> Vec<(String, usize)> {
    let mut counts: Vec<(String, usize)> = Vec::new();
    let mut index: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for item in items {
        let values: Vec<String> = match (filter.matching, item.pointer(&filter.field)) {
            (Match::Equals, Some(v)) => as_param(v).into_iter().collect(),
            (Match::OnDate, Some(v)) => Filter::date_of(v).into_iter().collect(),
            (Match::Contains, Some(Value::Array(_))) => filter
                .elements(item)
                .into_iter()
                .filter_map(as_param)
                .collect(),
            _ => Vec::new(),
        };
        for v in values {
            match index.get(&v) {
                Some(&i) => counts[i].1 += 1,
                None => {
                    index.insert(v.clone(), counts.len());
                    counts.push((v, 1));
                }
            }
        }
    }
    counts.sort_by_key(|c| std::cmp::Reverse(c.1));
    counts
}

/// What a case sends for one filter.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Sent {
    /// These values: one, or several for a multi-value filter.
    Values(Vec<String>),
    /// Nothing: the filter's documented default applies.
    Omitted,
}

impl Sent {
    fn one(value: impl Into<String>) -> Sent {
        Sent::Values(vec![value.into()])
    }

    /// The values in force: those sent, or the filter's default.
    fn effective(&self, filter: &Filter) -> Vec<String> {
        match self {
            Sent::Values(values) => values.clone(),
            Sent::Omitted => filter.default.iter().cloned().collect(),
        }
    }
}

/// A query filter and the values to try with it.
struct Candidate<'f> {
    filter: &'f Filter,
    values: Vec<Sent>,
    /// Values known not to occur (absent enum values, the synthetic unknown value).
    unknown: HashSet<Sent>,
    /// Near misses of a real value (a strict prefix, a case variant, one character more),
    /// also among `values`: an equality filter selects only exact matches, so a server that
    /// matches by prefix or without case shows itself on them.
    near: Vec<Sent>,
    /// What every run tries besides single values, also among `values`: several values at
    /// once, each sentinel (`all`, `none`, `*`), and the parameter left out for its default.
    special: Vec<Sent>,
    /// Whether the parameter takes dates: a value from the data is sent as its UTC date.
    dates: bool,
}

/// What every filtered walk of a run is judged against.
struct Scene<'a> {
    candidates: Vec<Candidate<'a>>,
    path_filters: Vec<(&'a Filter, String)>,
    reference: &'a Walk,
}

/// Runs the family against the reference walk.
pub async fn run(ctx: &Ctx<'_>, reference: &Walk) -> Findings {
    let mut f = Findings::new();
    if !reference.usable() {
        for check in CHECKS {
            f.skip(
                *check,
                format!("no unfiltered walk: {}", reference.end.describe()),
            );
        }
        return f;
    }
    let path_filters: Vec<(&Filter, String)> = ctx
        .op
        .filters
        .iter()
        .filter(|f| f.location == Location::Path)
        .filter_map(|f| ctx.path_value(&f.param).map(|v| (f, v.to_string())))
        .collect();
    if path_filters.is_empty() {
        f.skip(CheckId::PathScope, "the operation has no path filters");
    }
    f.merge(judge_path_scope(
        &path_filters,
        reference,
        "the unfiltered walk",
    ));
    let query: Vec<&Filter> = ctx
        .op
        .filters
        .iter()
        .filter(|f| f.location == Location::Query)
        .collect();
    if query.is_empty() {
        for check in [CheckId::ItemsMatch, CheckId::ExactSubset, CheckId::Owner] {
            f.skip(check, "the operation has no query filters");
        }
        return f;
    }
    if !query.iter().any(|f| f.matching == Match::Owner) {
        f.skip(CheckId::Owner, "the operation has no owner filters");
    }
    if !ctx.any_selected(&[
        CheckId::ItemsMatch,
        CheckId::ExactSubset,
        CheckId::Owner,
        CheckId::PageSize,
    ]) {
        return f;
    }
    let items: Vec<&Value> = reference.items().collect();
    let scene = Scene {
        candidates: query
            .iter()
            .map(|filter| candidate(ctx, filter, &items))
            .collect(),
        path_filters,
        reference,
    };
    let scene = &scene;
    f.merge(
        cases::each(ctx, fixed_cases(scene, &items), |chosen| async move {
            judge_case(ctx, scene, &chosen).await
        })
        .await,
    );

    // Drawn cases: one to three filters, each with one of its values.
    let n = scene.candidates.len();
    let strategy = proptest::collection::vec((0..n, any::<Index>()), 1..=n.min(3));
    f.merge(
        cases::cases(ctx, 0x6669_6c74, strategy, |picks| async move {
            let mut chosen: Vec<(usize, Sent)> = Vec::new();
            for (i, index) in picks {
                let values = &scene.candidates[i].values;
                // A filter without values (none could be read off the data) is not drawn.
                if !values.is_empty() && chosen.iter().all(|(j, _)| *j != i) {
                    chosen.push((i, values[index.index(values.len())].clone()));
                }
            }
            if chosen.is_empty() {
                return Findings::new();
            }
            judge_case(ctx, scene, &chosen).await
        })
        .await,
    );
    f
}

/// Whether `filter`'s parameter takes dates (`on-date`, or `format: date`): a request selects
/// a date-time of the data by its UTC date.
fn takes_dates(ctx: &Ctx, filter: &Filter) -> bool {
    filter.matching == Match::OnDate
        || ctx
            .op
            .parameter(&filter.param, filter.location)
            .is_some_and(|p| p.format() == Some("date"))
}

/// What a request sends to select the value `v` of the data: the value, or its UTC date where
/// the parameter takes dates.
fn sent_text(dates: bool, v: &Value) -> Option<String> {
    match dates {
        true => Filter::date_of(v),
        false => as_param(v),
    }
}

fn candidate<'f>(ctx: &Ctx, filter: &'f Filter, items: &[&Value]) -> Candidate<'f> {
    let dates = takes_dates(ctx, filter);
    let (values, unknown, near) = match filter.matching {
        Match::Search => search_values(ctx, filter, items),
        m if m.is_range() => (
            range_values(filter, items, dates),
            HashSet::new(),
            Vec::new(),
        ),
        _ => scalar_values(ctx, filter, items),
    };
    let special = special_values(filter, items, &values, &unknown, &near);
    let mut values: Vec<Sent> = values.into_iter().map(Sent::one).collect();
    values.extend(special.iter().cloned());
    Candidate {
        filter,
        values,
        unknown: unknown.into_iter().map(Sent::one).collect(),
        near: near.into_iter().map(Sent::one).collect(),
        special,
        dates,
    }
}

/// Values, unknown values and near misses of a filter that compares one value with a field.
type Scalars = (Vec<String>, HashSet<String>, Vec<String>);

fn scalar_values(ctx: &Ctx, filter: &Filter, items: &[&Value]) -> Scalars {
    let found = discovered(items, filter);
    let mut values: Vec<String> = Vec::new();
    let mut unknown = HashSet::new();
    let kind = ctx
        .op
        .parameter(&filter.param, filter.location)
        .and_then(|p| p.schema_type().map(str::to_string));
    match (&filter.values, filter.matching, kind.as_deref()) {
        (_, Match::Owner, _) => {
            // The owner's identity is not in the response: real values come from the target
            // (when known), plus one that cannot belong to anyone.
            values.extend(
                ctx.target
                    .owner_values
                    .get(&filter.param)
                    .into_iter()
                    .flatten()
                    .cloned(),
            );
            let v = format!("conformance-{:x}@example.invalid", ctx.options.seed);
            unknown.insert(v.clone());
            values.push(v);
        }
        (Some(allowed), _, _) if !filter.means.is_empty() => {
            // Values that stand for conditions: one that no listed item satisfies selects
            // nothing.
            for v in allowed
                .iter()
                .filter(|v| !filter.sentinels.contains_key(*v))
            {
                if !items.iter().any(|i| filter.matches(i, v) == Some(true)) {
                    unknown.insert(v.clone());
                }
                values.push(v.clone());
            }
        }
        (Some(allowed), _, _) => {
            // Values outside the enum are the errors family's concern; sentinels are special.
            values.extend(found.iter().filter(|v| allowed.contains(v)).cloned());
            for v in allowed {
                if !values.contains(v) && !filter.sentinels.contains_key(v) {
                    unknown.insert(v.clone());
                    values.push(v.clone());
                }
            }
        }
        (None, _, Some("boolean")) => {
            // Both values are valid; one that is absent from the data must select nothing.
            for v in ["true", "false"] {
                if !found.iter().any(|f| f == v) {
                    unknown.insert(v.to_string());
                }
                values.push(v.to_string());
            }
        }
        (None, _, Some("integer")) => {
            // A value one past the largest seen is a valid integer that selects nothing.
            let largest = found
                .iter()
                .filter_map(|v| v.parse::<i64>().ok())
                .max()
                .unwrap_or(0);
            values.extend(found.iter().cloned());
            if let Some(v) = largest.checked_add(1000) {
                unknown.insert(v.to_string());
                values.push(v.to_string());
            }
        }
        (None, _, _) if takes_dates(ctx, filter) => {
            // A valid date that no item has: the day before the earliest.
            values.extend(found.iter().cloned());
            let earliest = found
                .iter()
                .filter_map(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
                .min()
                .unwrap_or(chrono::NaiveDate::from_ymd_opt(2000, 1, 2).unwrap_or_default());
            if let Some(day) = earliest.pred_opt() {
                let v = day.format("%Y-%m-%d").to_string();
                unknown.insert(v.clone());
                values.push(v);
            }
        }
        (None, _, _) => {
            values.extend(found.iter().cloned());
            let v = format!("conformance-unknown-{:x}", ctx.options.seed);
            unknown.insert(v.clone());
            values.push(v);
        }
    }
    let near = match (&filter.values, filter.matching) {
        (None, Match::Equals | Match::Contains) => near_misses(found.first(), kind.as_deref()),
        _ => Vec::new(),
    };
    for v in &near {
        if !found.contains(v) {
            unknown.insert(v.clone());
        }
        if !values.contains(v) {
            values.push(v.clone());
        }
    }
    (values, unknown, near)
}

/// Search terms taken from the data: from a text of each searched field, a part of a word
/// (its start for a prefix search, its middle for a substring), the same term in the other
/// case, and a term no item has. A server that searches one field of several, matches case
/// where the spec says it does not (or the reverse), or matches whole values only, shows
/// itself on them.
fn search_values(ctx: &Ctx, filter: &Filter, items: &[&Value]) -> Scalars {
    let mut values: Vec<String> = Vec::new();
    for field in &filter.fields {
        let term = items
            .iter()
            .filter_map(|item| item.pointer(field).and_then(Value::as_str))
            .find_map(|text| search_term(filter, text));
        if let Some(term) = term {
            if !values.contains(&term) {
                values.push(term);
            }
        }
    }
    if let Some(first) = values.first() {
        let swapped = swap_case(first);
        if swapped != *first {
            values.push(swapped);
        }
    }
    let none = format!("conformance-unknown-{:x}", ctx.options.seed);
    values.push(none.clone());
    (values, HashSet::from([none]), Vec::new())
}

/// A term that `text` matches: the start of it for a prefix search, the middle of its
/// longest word for a substring search.
fn search_term(filter: &Filter, text: &str) -> Option<String> {
    match filter.search {
        specs::SearchHow::Prefix => {
            let start: String = text.chars().take(4).collect();
            (!start.trim().is_empty()).then_some(start)
        }
        specs::SearchHow::Substring => {
            let word = text
                .split(|c: char| !c.is_alphanumeric())
                .max_by_key(|w| w.chars().count())?;
            let n = word.chars().count();
            let skip = usize::from(n > 3);
            let term: String = word.chars().skip(skip).take(5.min(n - skip)).collect();
            (!term.is_empty()).then_some(term)
        }
    }
}

fn swap_case(v: &str) -> String {
    v.chars()
        .map(|c| match c.is_lowercase() {
            true => c.to_uppercase().collect::<String>(),
            false => c.to_lowercase().collect(),
        })
        .collect()
}

/// Bounds of a range filter taken from the data: the smallest, the middle and the largest
/// value of the field, so that each bound equals some item's value (an inclusive bound that
/// is applied exclusively, or the reverse, shows itself on that item); where the parameter
/// takes dates, their UTC dates (each the date of some item).
fn range_values(filter: &Filter, items: &[&Value], dates: bool) -> Vec<String> {
    let mut found: Vec<&Value> = items
        .iter()
        .filter_map(|item| item.pointer(&filter.field))
        .filter(|v| as_param(v).is_some())
        .collect();
    found.sort_by(|a, b| range_order(a, b));
    let mut values: Vec<String> = Vec::new();
    if let (Some(first), Some(last)) = (found.first(), found.last()) {
        for v in [found[found.len() / 2], *first, *last] {
            if let Some(text) = sent_text(dates, v) {
                if !values.contains(&text) {
                    values.push(text);
                }
            }
        }
    }
    values
}

/// A total order of a range field's values from a server, which may mix types: numbers, then
/// instants (RFC 3339 or RFC 2822), then other text (ISO 8601 dates order as text). A total
/// order, so that sorting what a server sent never panics.
fn range_order(a: &Value, b: &Value) -> std::cmp::Ordering {
    fn key(v: &Value) -> (u8, f64, String) {
        let instant = |s: &str| {
            chrono::DateTime::parse_from_rfc3339(s)
                .or_else(|_| chrono::DateTime::parse_from_rfc2822(s))
                .ok()
                .map(|t| t.timestamp() as f64 + f64::from(t.timestamp_subsec_nanos()) / 1e9)
        };
        match v {
            Value::Number(n) => (0, n.as_f64().unwrap_or(0.0), String::new()),
            Value::String(s) => match instant(s) {
                Some(t) => (1, t, String::new()),
                None => (2, 0.0, s.clone()),
            },
            other => (3, 0.0, other.to_string()),
        }
    }
    let (a, b) = (key(a), key(b));
    a.0.cmp(&b.0)
        .then(a.1.total_cmp(&b.1))
        .then_with(|| a.2.cmp(&b.2))
}

/// The cases beyond single values: several values at once (two real ones; for an all-of
/// filter two that one item has together; for an in-list of identities one real value and one
/// near miss, which selects exactly the real one's items), each sentinel, and the parameter
/// left out when it has a default.
fn special_values(
    filter: &Filter,
    items: &[&Value],
    values: &[String],
    unknown: &HashSet<String>,
    near: &[String],
) -> Vec<Sent> {
    let mut out = Vec::new();
    let known: Vec<&String> = values
        .iter()
        .filter(|v| !unknown.contains(*v) && !near.contains(v))
        .collect();
    match filter.several {
        Some(specs::Several::All) => {
            let together = items.iter().find_map(|item| {
                let mut found: Vec<String> = Vec::new();
                for v in filter.elements(item).into_iter().filter_map(as_param) {
                    if !found.contains(&v) {
                        found.push(v);
                    }
                }
                (found.len() >= 2).then(|| found[..2].to_vec())
            });
            out.extend(together.map(Sent::Values));
        }
        Some(specs::Several::Any) => {
            if let [a, b, ..] = known.as_slice() {
                out.push(Sent::Values(vec![(*a).clone(), (*b).clone()]));
            }
            if let (Some(a), Some(miss)) = (known.first(), near.first()) {
                out.push(Sent::Values(vec![(*a).clone(), miss.clone()]));
            }
        }
        None => {}
    }
    out.extend(filter.sentinels.keys().map(Sent::one));
    if filter.default.is_some() {
        out.push(Sent::Omitted);
    }
    out
}

/// Values next to the real value `v` that equality tells apart from it: a strict prefix, a
/// case variant and one character more (for an integer, one digit fewer and one more).
fn near_misses(v: Option<&String>, kind: Option<&str>) -> Vec<String> {
    let Some(v) = v else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if kind == Some("integer") {
        if let Ok(n) = v.parse::<i64>() {
            if n.abs() >= 10 {
                out.push((n / 10).to_string());
            }
            out.extend(
                n.checked_mul(10)
                    .and_then(|m| m.checked_add(7))
                    .map(|m| m.to_string()),
            );
        }
        return out;
    }
    let mut chars = v.chars();
    if chars.next_back().is_some() && !chars.as_str().is_empty() {
        out.push(chars.as_str().to_string());
    }
    let swapped = swap_case(v);
    if swapped != *v {
        out.push(swapped);
    }
    out.push(format!("{v}x"));
    out
}

/// Every filter alone with each of its first values, then every pair of value-carrying
/// filters with the values of one item that has both (so that the intersection is not empty
/// and an OR would show).
fn fixed_cases(scene: &Scene, items: &[&Value]) -> Vec<Vec<(usize, Sent)>> {
    let mut out = Vec::new();
    for (i, c) in scene.candidates.iter().enumerate() {
        let known = c
            .values
            .iter()
            .filter(|v| !c.unknown.contains(*v) && !c.special.contains(v))
            .take(VALUES_PER_FILTER);
        let unknown = c
            .values
            .iter()
            .filter(|v| c.unknown.contains(*v) && !c.near.contains(v))
            .take(2);
        for v in known.chain(unknown).chain(&c.near).chain(&c.special) {
            if !out
                .iter()
                .any(|case: &Vec<(usize, Sent)>| case == &[(i, v.clone())])
            {
                out.push(vec![(i, v.clone())]);
            }
        }
    }
    let pick = |item: &Value, c: &Candidate| {
        let f = c.filter;
        match f.matching {
            // A value that stands for conditions the item meets.
            _ if !f.means.is_empty() => f
                .means
                .keys()
                .find(|v| f.matches(item, v) == Some(true))
                .cloned(),
            Match::Contains => f.elements(item).into_iter().find_map(as_param),
            Match::Search => item
                .pointer(&f.field)
                .and_then(Value::as_str)
                .and_then(|text| search_term(f, text)),
            _ => item.pointer(&f.field).and_then(|v| sent_text(c.dates, v)),
        }
    };
    for i in 0..scene.candidates.len() {
        for j in i + 1..scene.candidates.len() {
            let (a, b) = (&scene.candidates[i], &scene.candidates[j]);
            if a.filter.matching == Match::Owner || b.filter.matching == Match::Owner {
                continue;
            }
            if let Some((va, vb)) = items
                .iter()
                .find_map(|it| Some((pick(it, a)?, pick(it, b)?)))
            {
                out.push(vec![(i, Sent::one(va)), (j, Sent::one(vb))]);
            }
        }
    }
    out
}

fn judge_path_scope(path_filters: &[(&Filter, String)], w: &Walk, label: &str) -> Findings {
    let mut f = Findings::new();
    for (filter, value) in path_filters {
        for page in &w.pages {
            match page
                .items
                .iter()
                .find(|i| filter.matches(i, value) == Some(false))
            {
                None => f.held(CheckId::PathScope),
                Some(bad) => f.breach(
                    CheckId::PathScope,
                    Basis::Documented,
                    format!(
                        "{label}: an item of {}={value} has {} = {}",
                        filter.param,
                        filter.field,
                        super::show(bad.pointer(&filter.field))
                    ),
                    Some(page.curl()),
                ),
            }
        }
    }
    f
}

/// Pages a filtered walk at `size-max` takes at most: a value with more results than that is
/// judged on the items it got (each must match; none may be outside the list), not for
/// completeness, so that the cost of a case does not grow with the list.
const FILTERED_PAGES: usize = 4;

/// Where pages before the last may be short, the pages a spanning walk takes: windows of the
/// whole list, not of the results, so their number is set by the list's length.
const SHORT_SPANNING_PAGES: u64 = 9;

/// One filtered case: a walk at `size-max`, and one that spans at least three pages.
async fn judge_case(ctx: &Ctx<'_>, scene: &Scene<'_>, chosen: &[(usize, Sent)]) -> Findings {
    let p = ctx.pagination;
    let request = case_request(ctx, scene, chosen);
    let total = scene.reference.span(p);
    let first = walk_within(ctx, &request, case_reach(ctx, scene)).await;
    let mut f = judge_filtered(ctx, scene, chosen, &first);
    f.merge(judge_several_as_singles(ctx, scene, chosen, &first).await);
    let n = first.item_count() as u64;
    if first.usable() && n >= 3 {
        // Three pages of the results, or of their first part when the walk at size-max
        // stopped before their end. Where a window is filtered after it is taken, the pages
        // are windows of the whole list: about nine of them, whatever the results.
        let small = match (p.short_pages, first.complete()) {
            (true, _) => total
                .div_ceil(SHORT_SPANNING_PAGES)
                .clamp(p.size_min, p.size_max),
            (false, true) => (n / 3).clamp(p.size_min, p.size_max),
            (false, false) => (p.size_max / 3).max(p.size_min),
        };
        let spans = match p.short_pages {
            true => total.div_ceil(small),
            false => n.div_ceil(small),
        };
        if spans >= 3 {
            let spanning = request.at_size(Some(small));
            let spanning = match first.complete() {
                // Where a window is filtered after it is taken, the walk takes the pages of
                // the whole list.
                true => {
                    let items = if p.short_pages { total } else { n };
                    walk(ctx, &spanning, page_cap(items, small)).await
                }
                false => {
                    let reach = Reach {
                        pages: p.short_pages.then_some(3),
                        ..Reach::window(3 * small as usize)
                    };
                    walk_within(ctx, &spanning, reach).await
                }
            };
            f.merge(judge_filtered(ctx, scene, chosen, &spanning));
            if spanning.usable() {
                judge_same_items(ctx, &mut f, &first, &spanning, chosen, scene);
            }
        }
    }
    f
}

/// The request of a case at `size-max`: each filter's values, or the parameter left out.
fn case_request(ctx: &Ctx, scene: &Scene, chosen: &[(usize, Sent)]) -> PageRequest {
    let mut query: Vec<(String, String)> = Vec::new();
    let mut omitted: Vec<&str> = Vec::new();
    for (i, sent) in chosen {
        let filter = scene.candidates[*i].filter;
        match sent {
            Sent::Values(values) => query.extend(filter.query(values)),
            Sent::Omitted => omitted.push(&filter.param),
        }
    }
    ctx.filtered(Some(ctx.pagination.size_max), query, &omitted)
}

/// How far a case's walk at `size-max` goes.
fn case_reach(ctx: &Ctx, scene: &Scene) -> Reach {
    let total = scene.reference.span(ctx.pagination);
    Reach::within(page_cap(total, ctx.pagination.size_max), FILTERED_PAGES)
}

/// `filters/exact-subset` of a case that gives one filter several values: the walk lists what
/// the walks with each value alone list together, their union where any value selects an item
/// and their intersection where every value must. This holds whatever the unfiltered walk
/// shows (also where a default narrows it), so it is judged where the walks are complete, and
/// only while the data did not change between them.
async fn judge_several_as_singles(
    ctx: &Ctx<'_>,
    scene: &Scene<'_>,
    chosen: &[(usize, Sent)],
    several: &Walk,
) -> Findings {
    let mut f = Findings::new();
    let multi = chosen.iter().enumerate().find_map(|(at, (i, sent))| {
        let filter = scene.candidates[*i].filter;
        let values = sent.effective(filter);
        (filter.several.is_some() && values.len() >= 2).then_some((at, filter, values))
    });
    let Some((at, filter, values)) = multi else {
        return f;
    };
    if !several.complete() {
        return f;
    }
    let mut singles: Vec<(String, BTreeSet<String>)> = Vec::new();
    for value in &values {
        let mut one = chosen.to_vec();
        one[at].1 = Sent::one(value.clone());
        let request = case_request(ctx, scene, &one);
        let w = walk_within(ctx, &request, case_reach(ctx, scene)).await;
        if !w.complete() {
            return f;
        }
        singles.push((value.clone(), w.keys().into_iter().collect()));
    }
    let all = filter.several == Some(specs::Several::All);
    let expected: BTreeSet<String> = singles
        .iter()
        .map(|(_, keys)| keys.clone())
        .reduce(|a, b| match all {
            true => a.intersection(&b).cloned().collect(),
            false => a.union(&b).cloned().collect(),
        })
        .unwrap_or_default();
    let got: BTreeSet<String> = several.keys().into_iter().collect();
    if got == expected {
        f.held(CheckId::ExactSubset);
        return f;
    }
    let missing: Vec<String> = expected.difference(&got).cloned().collect();
    let extra: Vec<String> = got.difference(&expected).cloned().collect();
    let sent = filter.query(&values);
    let each: Vec<String> = singles
        .iter()
        .map(|(v, keys)| format!("{}={v}: {}", filter.param, keys.len()))
        .collect();
    f.defer(crate::engine::bracket::WhileUnchanged {
        opening: ctx.opening(),
        check: CheckId::ExactSubset,
        basis: Basis::of(&filter.reading),
        message: format!(
            "{} lists {} item(s), but the {} of the walks with each value alone ({}) has {}: \
             {} missing ({}), {} extra ({})",
            sent.iter()
                .map(|(n, v)| format!("{n}={v}"))
                .collect::<Vec<_>>()
                .join("&"),
            got.len(),
            if all { "intersection" } else { "union" },
            each.join("; "),
            expected.len(),
            missing.len(),
            sample(&missing),
            extra.len(),
            sample(&extra),
        ),
        request: several.first_curl(),
    });
    f
}

/// The spanning walk returns what the walk at `size-max` returned.
fn judge_same_items(
    ctx: &Ctx,
    f: &mut Findings,
    first: &Walk,
    spanning: &Walk,
    chosen: &[(usize, Sent)],
    scene: &Scene,
) {
    let check = if chosen
        .iter()
        .any(|(i, _)| scene.candidates[*i].filter.matching == Match::Owner)
    {
        CheckId::Owner
    } else {
        CheckId::ExactSubset
    };
    // Where either walk stopped before the end, the part both covered is compared: the
    // first items of the results, as many as the shorter walk got.
    let (mut a, mut b) = (first.keys(), spanning.keys());
    if !(first.complete() && spanning.complete()) {
        let n = a.len().min(b.len());
        a.truncate(n);
        b.truncate(n);
    }
    f.defer(SameItems {
        opening: ctx.opening(),
        check,
        first: (first.request.size.unwrap_or_default(), a),
        spanning: (spanning.request.size.unwrap_or_default(), b),
        request: spanning.first_curl(),
    });
}

/// Two walks of the same filters at two page sizes: the same items (those present throughout,
/// while the data changed).
#[derive(Debug)]
struct SameItems {
    opening: Arc<Bracket>,
    check: CheckId,
    first: (u64, Vec<String>),
    spanning: (u64, Vec<String>),
    request: Option<String>,
}

impl Deferred for SameItems {
    fn opening(&self) -> &Bracket {
        &self.opening
    }

    fn settle(&self, bracket: &Bracket) -> Findings {
        let mut f = Findings::new();
        let kept = |keys: &[String]| -> BTreeSet<String> {
            keys.iter()
                .filter(|k| !bracket.changed() || bracket.is_stable(k))
                .cloned()
                .collect()
        };
        let (a, b) = (kept(&self.first.1), kept(&self.spanning.1));
        if a == b {
            f.held(self.check);
            return f;
        }
        let missing: Vec<String> = a.difference(&b).cloned().collect();
        let extra: Vec<String> = b.difference(&a).cloned().collect();
        f.breach(
            self.check,
            Basis::Documented,
            format!(
                "the same filters at {} returned {} items, at {} {}: {} missing ({}), {} extra ({})",
                self.spanning.0,
                b.len(),
                self.first.0,
                a.len(),
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

/// Every property of one filtered walk: its end, its page sizes, each item of each page, the
/// owner's invariants, and the matching subset of the unfiltered walk.
fn judge_filtered(ctx: &Ctx, scene: &Scene, chosen: &[(usize, Sent)], w: &Walk) -> Findings {
    let p = ctx.pagination;
    let mut f = Findings::new();
    let label = w.request.label(&p.size_param, p.size_default);
    let owner = chosen
        .iter()
        .find(|(i, _)| scene.candidates[*i].filter.matching == Match::Owner)
        .map(|(i, v)| (&scene.candidates[*i], v));
    let main = if owner.is_some() {
        CheckId::Owner
    } else {
        CheckId::ItemsMatch
    };
    match &w.end {
        WalkEnd::Last | WalkEnd::Stopped(_) => {}
        WalkEnd::Probe(_) => return f,
        WalkEnd::BadPage {
            message,
            request,
            status,
        } => {
            let invalid = &ctx.op.errors.invalid_param;
            let near_refused = status.is_some_and(|s| invalid.contains(&s))
                && chosen
                    .iter()
                    .any(|(i, v)| scene.candidates[*i].near.contains(v));
            if near_refused {
                // A near miss may break a format the server checks (a UUID cut short): the
                // refusal selects nothing, which is all equality asks.
                f.note(
                    CheckId::ItemsMatch,
                    "a near miss of a real value was refused as invalid, which selects nothing",
                );
                return f;
            }
            let basis = match (status, owner) {
                (Some(s), _) if *s >= 500 => Basis::Convention(conventions::NO_5XX),
                // An owner nobody has, refused as invalid: another reading of the filter.
                (Some(s), Some((c, value))) if c.unknown.contains(value) && invalid.contains(s) => {
                    Basis::of(&c.filter.reading)
                }
                _ => Basis::Documented,
            };
            f.breach(
                main,
                basis,
                format!("{label}: the filtered walk failed: {message}"),
                Some(request.clone()),
            );
            return f;
        }
        WalkEnd::Endless {
            message,
            request,
            repeated,
        } if !repeated.is_empty() => {
            f.defer(super::pagination::Stalled {
                opening: ctx.opening(),
                check: main,
                message: format!("{label}: the filtered walk failed: {message}"),
                request: request.clone(),
                repeated: repeated.clone(),
            });
            return f;
        }
        WalkEnd::Endless {
            message, request, ..
        } => {
            f.breach(
                main,
                Basis::Documented,
                format!("{label}: the filtered walk failed: {message}"),
                Some(request.clone()),
            );
            return f;
        }
    }
    f.merge(judge_path_scope(&scene.path_filters, w, &label));
    judge_page_sizes(ctx, &mut f, w, &label);
    // A filtered walk that reaches its last page shows how the list ends, also where the
    // unfiltered list is longer than a walk can cover.
    if w.complete() {
        judge_last_page(ctx, &mut f, w, &label);
        judge_has_more(ctx, &mut f, w, &label);
    }
    judge_items(ctx, &mut f, scene, chosen, w, &label);
    if let Some(why) = beyond_reference(ctx, scene, chosen) {
        let check = match owner {
            Some(_) => CheckId::Owner,
            None => CheckId::ExactSubset,
        };
        f.note(
            check,
            format!("{label}: not compared with the unfiltered walk: {why}"),
        );
        return f;
    }
    match owner {
        Some(_) => judge_owner(ctx, &mut f, scene, chosen, w, &label),
        None => judge_subset(ctx, &mut f, scene, chosen, w, &label),
    }
    f
}

/// Why a case's items cannot be a part of the unfiltered walk: it sets a filter whose
/// default narrows every unfiltered walk (no value lifts it) to a value other than the
/// default.
fn beyond_reference(ctx: &Ctx, scene: &Scene, chosen: &[(usize, Sent)]) -> Option<String> {
    let narrowing = ctx.op.narrowing_default()?;
    let default = narrowing.default.clone()?;
    chosen.iter().find_map(|(i, sent)| {
        let filter = scene.candidates[*i].filter;
        let values = sent.effective(filter);
        (filter.param == narrowing.param && values != [default.clone()]).then(|| {
            format!(
                "the unfiltered walk lists only {}={default} (its default, which no value lifts)",
                filter.param
            )
        })
    })
}

/// Each item of each page satisfies each (judgeable) filter.
fn judge_items(
    ctx: &Ctx,
    f: &mut Findings,
    scene: &Scene,
    chosen: &[(usize, Sent)],
    w: &Walk,
    label: &str,
) {
    for (i, sent) in chosen {
        let filter = scene.candidates[*i].filter;
        if filter.matching == Match::Owner {
            continue;
        }
        let values = sent.effective(filter);
        let otherwise = filter.otherwise();
        for (n, page) in w.pages.iter().enumerate() {
            let bad: Vec<&Value> = page
                .items
                .iter()
                .filter(|item| filter.matches_all(item, &values) == Some(false))
                .collect();
            // Items that the other reading of the filter admits: that reading, not a bug.
            let basis = match &otherwise {
                Some((other, reading))
                    if bad
                        .iter()
                        .all(|item| other.matches_all(item, &values) == Some(true)) =>
                {
                    Basis::Reading((*reading).clone())
                }
                _ => Basis::Documented,
            };
            match bad.first() {
                None => f.held(CheckId::ItemsMatch),
                Some(bad) => f.breach(
                    CheckId::ItemsMatch,
                    basis,
                    format!(
                        "{label}: an item on page {} has {} = {} (item {})",
                        n + 1,
                        filter.field,
                        super::show(bad.pointer(&filter.field)),
                        item_key(bad, &ctx.pagination.item_key)
                    ),
                    Some(page.curl()),
                ),
            }
        }
    }
}

/// Results of an owner filter are a subset of the unfiltered walk, share one non-null owner,
/// and an owner that does not exist selects nothing.
fn judge_owner(
    ctx: &Ctx,
    f: &mut Findings,
    scene: &Scene,
    chosen: &[(usize, Sent)],
    w: &Walk,
    label: &str,
) {
    let got: BTreeSet<String> = w.keys().into_iter().collect();
    f.defer(Within {
        opening: ctx.opening(),
        label: label.to_string(),
        keys: got.iter().cloned().collect(),
        request: w.first_curl(),
    });
    for (i, value) in chosen {
        let c = &scene.candidates[*i];
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
        if owners.len() <= 1 && !owners.contains("null") {
            f.held(CheckId::Owner);
        } else {
            f.breach(
                CheckId::Owner,
                Basis::Documented,
                format!(
                    "{label}: the items have {} owners by {} ({})",
                    owners.len(),
                    c.filter.field,
                    sample(&owners.iter().cloned().collect::<Vec<_>>())
                ),
                w.first_curl(),
            );
        }
        if c.unknown.contains(value) {
            if got.is_empty() {
                f.held(CheckId::Owner);
            } else {
                f.breach(
                    CheckId::Owner,
                    Basis::of(&c.filter.reading),
                    format!(
                        "{label}: an owner that does not exist selected {} items",
                        got.len()
                    ),
                    w.first_curl(),
                );
            }
        }
    }
}

/// Exactly the matching subset of the unfiltered walk.
fn judge_subset(
    ctx: &Ctx,
    f: &mut Findings,
    scene: &Scene,
    chosen: &[(usize, Sent)],
    w: &Walk,
    label: &str,
) {
    f.defer(Subset {
        opening: ctx.opening(),
        label: label.to_string(),
        filters: chosen
            .iter()
            .map(|(i, sent)| {
                let filter = scene.candidates[*i].filter;
                (filter.clone(), sent.effective(filter))
            })
            .collect(),
        keys: w.keys(),
        complete: w.complete(),
        request: w.first_curl(),
    });
}

/// `filters/owner`: an owner's items are items of the unfiltered list.
#[derive(Debug)]
struct Within {
    opening: Arc<Bracket>,
    label: String,
    keys: Vec<String>,
    request: Option<String>,
}

impl Deferred for Within {
    fn opening(&self) -> &Bracket {
        &self.opening
    }

    fn settle(&self, bracket: &Bracket) -> Findings {
        let mut f = Findings::new();
        let extra: Vec<String> = self
            .keys
            .iter()
            .filter(|k| bracket.complete() && !bracket.is_known(k))
            .cloned()
            .collect();
        if extra.is_empty() {
            f.held(CheckId::Owner);
        } else {
            f.breach(
                CheckId::Owner,
                Basis::Documented,
                format!(
                    "{}: {} items not in the unfiltered walk ({})",
                    self.label,
                    extra.len(),
                    sample(&extra)
                ),
                self.request.clone(),
            );
        }
        f
    }
}

/// `filters/exact-subset` of one filtered walk: the items of the unfiltered list that match
/// every filter, and only those.
#[derive(Debug)]
struct Subset {
    opening: Arc<Bracket>,
    label: String,
    filters: Vec<(Filter, Vec<String>)>,
    keys: Vec<String>,
    /// The filtered walk reached the end of its results.
    complete: bool,
    request: Option<String>,
}

impl Deferred for Subset {
    fn opening(&self) -> &Bracket {
        &self.opening
    }

    /// While the data changed, the items that matched in both bracketing walks are required
    /// and those that matched in either are allowed.
    fn settle(&self, bracket: &Bracket) -> Findings {
        let mut f = Findings::new();
        let got: BTreeSet<&str> = self.keys.iter().map(String::as_str).collect();
        let (missing, extra, required) = self.differences(bracket, &got, |f| f.clone());
        if missing.is_empty() && extra.is_empty() {
            f.held(CheckId::ExactSubset);
            return f;
        }
        // The results the other reading of a filter (a bound, case) gives: that reading.
        let other = self
            .filters
            .iter()
            .find_map(|(filter, _)| filter.otherwise());
        let basis = match other {
            Some((_, reading)) => {
                let (m, e, _) = self.differences(bracket, &got, |f| {
                    f.otherwise().map_or_else(|| f.clone(), |(o, _)| o)
                });
                match m.is_empty() && e.is_empty() {
                    true => Basis::Reading(reading.clone()),
                    false => Basis::Documented,
                }
            }
            None => Basis::Documented,
        };
        f.breach(
            CheckId::ExactSubset,
            basis,
            format!(
                "{}: {} items, but {} items of the unfiltered walk match: {} missing ({}), {} extra ({})",
                self.label,
                got.len(),
                required,
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

impl Subset {
    /// What the walk missed and what it had too many of, against the unfiltered walk filtered
    /// by `read` of each filter; and how many items are required.
    fn differences(
        &self,
        bracket: &Bracket,
        got: &BTreeSet<&str>,
        read: impl Fn(&Filter) -> Filter,
    ) -> (Vec<String>, Vec<String>, usize) {
        let filters: Vec<(Filter, &Vec<String>)> =
            self.filters.iter().map(|(f, v)| (read(f), v)).collect();
        let (required, allowed) = bracket.matching(|item| {
            filters
                .iter()
                .all(|(filter, v)| filter.matches_all(item, v) == Some(true))
        });
        // A walk that stopped early cannot miss what it did not reach; a first walk that
        // stopped early cannot tell what lies past it.
        let missing: Vec<String> = match self.complete {
            true => required.difference(got).map(|s| s.to_string()).collect(),
            false => Vec::new(),
        };
        let extra: Vec<String> = match bracket.complete() {
            true => got.difference(&allowed).map(|s| s.to_string()).collect(),
            false => Vec::new(),
        };
        (missing, extra, required.len())
    }
}
