//! Sorting (`x-sort`): every order, in both directions, puts its items in order across page
//! boundaries, and the same order at another page size; without the parameter the default
//! order holds; descending is ascending reversed, up to ties.
//!
//! Each order is walked at `size-max` for a few pages (the order of neighbours is judged on
//! the items a walk got, so the cost does not grow with the list). Where `x-sort` does not say
//! where items without a value go, pairs with such an item are not judged.

use serde_json::Value;
use specs::{Sort, SortChoice};

use super::sample;
use super::walk::{item_key, page_cap, walk_within, Reach, Walk, WalkEnd};
use crate::engine::findings::Basis;
use crate::engine::{Ctx, Findings};
use crate::registry::CheckId;

/// The checks of this family.
pub const CHECKS: &[CheckId] = &[
    CheckId::SortOrder,
    CheckId::SortDefault,
    CheckId::SortReverse,
];

/// Pages a sorted walk takes at most.
const SORTED_PAGES: usize = 4;

/// Runs the family: the reference walk is the list without the order parameter.
pub async fn run(ctx: &Ctx<'_>, reference: &Walk) -> Findings {
    let mut f = Findings::new();
    let Some(sort) = &ctx.op.sort else {
        for check in CHECKS {
            f.skip(*check, "the operation has no x-sort");
        }
        return f;
    };
    f.merge(judge_default(ctx, sort, reference));
    let mut walks: Vec<(SortChoice, Walk)> = Vec::new();
    for choice in sort.choices() {
        if ctx.is_stopped() {
            break;
        }
        let w = sorted_walk(ctx, sort, &choice, ctx.pagination.size_max, reference).await;
        f.merge(judge_walk(ctx, sort, &choice, &w));
        walks.push((choice, w));
    }
    if let Some((choice, first)) = walks.first() {
        f.merge(judge_other_size(ctx, sort, choice, first, reference).await);
    }
    f.merge(judge_reverse(sort, &walks));
    f
}

/// A walk of one order at `size`, as far as a few pages.
async fn sorted_walk(
    ctx: &Ctx<'_>,
    sort: &Sort,
    choice: &SortChoice,
    size: u64,
    reference: &Walk,
) -> Walk {
    let request = ctx.filtered(Some(size), sort.query(choice), &[]);
    let total = reference.span(ctx.pagination);
    let reach = match reference.complete() {
        true => Reach::within(page_cap(total, size), SORTED_PAGES),
        false => Reach::within(usize::MAX, SORTED_PAGES),
    };
    walk_within(ctx, &request, reach).await
}

/// How an order is named in messages: `created descending`.
fn describe(choice: &SortChoice) -> String {
    let way = if choice.descending {
        "descending"
    } else {
        "ascending"
    };
    format!("{} {way}", choice.order.value)
}

/// A pair of neighbours out of order.
struct OutOfOrder<'w> {
    before: &'w Value,
    after: &'w Value,
    /// The page of `after`.
    curl: String,
    /// Whether the pair straddles two pages (the last item of one, the first of the next).
    seam: bool,
}

/// Neighbours in order: the first pair out of order within a page, else the first across a
/// page boundary.
fn out_of_order<'w>(sort: &Sort, choice: &SortChoice, w: &'w Walk) -> Option<OutOfOrder<'w>> {
    let mut previous: Option<&Value> = None;
    let mut seam = None;
    for page in &w.pages {
        for (i, item) in page.items.iter().enumerate() {
            if let Some(before) = previous {
                if sort.compare(choice, before, item) == Some(std::cmp::Ordering::Greater) {
                    let found = OutOfOrder {
                        before,
                        after: item,
                        curl: page.curl(),
                        seam: i == 0,
                    };
                    match found.seam {
                        false => return Some(found),
                        true => seam = seam.or(Some(found)),
                    }
                }
            }
            previous = Some(item);
        }
    }
    seam
}

/// Whether a pair involves an item without a value of the sort field: its verdict rests on
/// `nulls`, which may be a reading.
fn involves_null(choice: &SortChoice, a: &Value, b: &Value) -> bool {
    let none = |v: &Value| v.pointer(&choice.order.field).is_none_or(Value::is_null);
    none(a) || none(b)
}

/// `check`: the walk's items are in the order `choice`.
fn judge_in_order(
    ctx: &Ctx,
    f: &mut Findings,
    check: CheckId,
    sort: &Sort,
    choice: &SortChoice,
    w: &Walk,
    label: &str,
) {
    let Some(bad) = out_of_order(sort, choice, w) else {
        f.held(check);
        return;
    };
    let (a, b) = (bad.before, bad.after);
    let basis = match involves_null(choice, a, b) {
        true => Basis::of(&sort.nulls.reading),
        false => Basis::Documented,
    };
    let field = &choice.order.field;
    let key = &ctx.pagination.item_key;
    let message = format!(
        "{label}: item {} ({field} = {}) comes after item {} ({field} = {}){}",
        item_key(b, key),
        super::show(b.pointer(field)),
        item_key(a, key),
        super::show(a.pointer(field)),
        if bad.seam { ", across pages" } else { "" },
    );
    match bad.seam {
        false => f.breach(check, basis, message, Some(bad.curl)),
        true => f.defer(crate::engine::bracket::WhileUnchanged {
            opening: ctx.opening(),
            check,
            basis,
            message,
            request: Some(bad.curl),
        }),
    }
}

/// A walk ended by a refusal or an error: the order it asked for is not served.
fn judge_walk(ctx: &Ctx, sort: &Sort, choice: &SortChoice, w: &Walk) -> Findings {
    let mut f = Findings::new();
    let label = format!("the walk in {} order", describe(choice));
    match &w.end {
        WalkEnd::Last | WalkEnd::Stopped(_) => {
            judge_in_order(ctx, &mut f, CheckId::SortOrder, sort, choice, w, &label)
        }
        WalkEnd::Probe(_) => {}
        WalkEnd::BadPage {
            message, request, ..
        }
        | WalkEnd::Endless {
            message, request, ..
        } => f.breach(
            CheckId::SortOrder,
            Basis::Documented,
            format!("{label} failed: {message}"),
            Some(request.clone()),
        ),
    }
    f
}

/// `sort/default`: without the parameter, the items are in the default order.
fn judge_default(ctx: &Ctx, sort: &Sort, reference: &Walk) -> Findings {
    let mut f = Findings::new();
    let Some(choice) = sort.default_choice() else {
        f.skip(CheckId::SortDefault, "x-sort states no default order");
        return f;
    };
    if !reference.usable() {
        f.skip(
            CheckId::SortDefault,
            format!(
                "no walk without the order parameter: {}",
                reference.end.describe()
            ),
        );
        return f;
    }
    let label = format!(
        "the walk without {} (default: {})",
        sort.param,
        describe(&choice)
    );
    judge_in_order(
        ctx,
        &mut f,
        CheckId::SortDefault,
        sort,
        &choice,
        reference,
        &label,
    );
    f
}

/// `sort/order` at another page size: the values of the sort field come in the same sequence
/// (ties may be ordered either way, values may not).
async fn judge_other_size(
    ctx: &Ctx<'_>,
    sort: &Sort,
    choice: &SortChoice,
    first: &Walk,
    reference: &Walk,
) -> Findings {
    let mut f = Findings::new();
    let p = ctx.pagination;
    let small = (p.size_max / 3).max(p.size_min);
    if small == p.size_max || !first.usable() {
        return f;
    }
    let other = sorted_walk(ctx, sort, choice, small, reference).await;
    f.merge(judge_walk(ctx, sort, choice, &other));
    if !other.usable() {
        return f;
    }
    // The items both walks listed, in each walk's order: items created or gone between the
    // walks (a shared sandbox) are left out of the comparison.
    let key = &p.item_key;
    let keys = |w: &Walk| -> std::collections::HashSet<String> {
        w.items().map(|i| item_key(i, key)).collect()
    };
    let (in_first, in_other) = (keys(first), keys(&other));
    let values = |w: &Walk, both: &std::collections::HashSet<String>| {
        let listed = w.items().filter(|i| both.contains(&item_key(i, key)));
        field_values(listed, &choice.order.field)
    };
    let (a, b) = (values(first, &in_other), values(&other, &in_first));
    let n = a.len().min(b.len());
    let shown = |v: &Option<String>| v.clone().unwrap_or_else(|| "absent".to_string());
    match (0..n).find(|&i| a[i] != b[i]) {
        None => f.held(CheckId::SortOrder),
        Some(i) => f.defer(crate::engine::bracket::WhileUnchanged {
            opening: ctx.opening(),
            check: CheckId::SortOrder,
            basis: Basis::Documented,
            message: format!(
                "in {} order, the item in place {} of those both walks listed has {} = {} at size {small} but {} at size {}",
                describe(choice),
                i + 1,
                choice.order.field,
                shown(&b[i]),
                shown(&a[i]),
                p.size_max
            ),
            request: other.first_curl(),
        }),
    }
    f
}

/// The values of `field` along `items`, in order, as JSON text; `None` for an item without one
/// (absent and null are alike: no value). What `sort/order` compares between page sizes and
/// `sort/reverse` between directions.
fn field_values<'v>(
    items: impl Iterator<Item = &'v Value>,
    field: &specs::Pointer,
) -> Vec<Option<String>> {
    items
        .map(|i| {
            i.pointer(field)
                .filter(|v| !v.is_null())
                .map(Value::to_string)
        })
        .collect()
}

/// `sort/reverse`: for each order walked to its end both ways, the descending values are the
/// ascending ones reversed.
fn judge_reverse(sort: &Sort, walks: &[(SortChoice, Walk)]) -> Findings {
    let mut f = Findings::new();
    let mut judged = false;
    for order in &sort.orders {
        let walk = |descending: bool| {
            walks
                .iter()
                .find(|(c, _)| c.order == *order && c.descending == descending)
                .map(|(_, w)| w)
                .filter(|w| w.complete())
        };
        let (Some(asc), Some(desc)) = (walk(false), walk(true)) else {
            continue;
        };
        let keys = |w: &Walk| {
            let mut k = w.keys();
            k.sort();
            k
        };
        if keys(asc) != keys(desc) {
            f.note(
                CheckId::SortReverse,
                format!(
                    "{}: the list changed between the two walks, so they are not compared",
                    order.value
                ),
            );
            continue;
        }
        judged = true;
        // Items without a value go where `nulls` puts them (or anywhere, where it is not
        // stated) in both directions: the reversal is judged on the others.
        let values = |w: &Walk| -> Vec<String> {
            field_values(w.items(), &order.field)
                .into_iter()
                .flatten()
                .collect()
        };
        let up = values(asc);
        let mut down = values(desc);
        down.reverse();
        if up == down {
            f.held(CheckId::SortReverse);
        } else {
            let i = (0..up.len().min(down.len()))
                .find(|&i| up[i] != down[i])
                .unwrap_or(0);
            f.breach(
                CheckId::SortReverse,
                Basis::Documented,
                format!(
                    "{}: descending is not ascending reversed: from the end, value {} is {} descending but {} ascending ({})",
                    order.value,
                    i + 1,
                    down.get(i).map_or("nothing", String::as_str),
                    up.get(i).map_or("nothing", String::as_str),
                    sample(&down[i..])
                ),
                desc.first_curl(),
            );
        }
    }
    if !judged {
        f.skip(
            CheckId::SortReverse,
            "no order was walked to its end both ways within the pages a sorted walk takes",
        );
    }
    f
}
