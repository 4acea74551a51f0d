//! Running property cases concurrently, and shrinking a failing one.
//!
//! proptest's `TestRunner::run` evaluates one case at a time on the calling thread. Here the
//! cases of a family are drawn first (seeded: the same seed draws the same cases), evaluated
//! concurrently up to the run's concurrency, and then the first case that broke a rule (in
//! the order drawn) is shrunk with proptest's own `ValueTree::simplify` / `complicate`, one
//! evaluation at a time, towards the simplest input that still breaks it. proptest itself
//! never prints anything: shrinking is driven here.
//!
//! A value tree is never held across an `.await` (many of proptest's trees are not `Send`,
//! and the run must be a `Send` future): the tree of the case being shrunk is drawn again from
//! the same seed before each step and replayed through the decisions taken so far. Drawing is
//! deterministic and cheap, and a shrink takes at most `max_shrink_iters` steps.

use std::future::Future;

use futures::StreamExt;
use proptest::strategy::{Strategy, ValueTree};

use super::ctx::Ctx;
use super::findings::Findings;

/// Draws the first `count` cases of `strategy` (fewer when the strategy rejects too much).
fn draw<S: Strategy>(ctx: &Ctx, salt: u64, strategy: &S, count: usize) -> Vec<S::Tree> {
    let mut runner = ctx.runner(salt);
    let mut trees = Vec::new();
    for _ in 0..count {
        match strategy.new_tree(&mut runner) {
            Ok(tree) => trees.push(tree),
            // Too many rejections: the strategy cannot draw more cases.
            Err(_) => break,
        }
    }
    trees
}

/// Evaluates `eval` on cases drawn from `strategy`; returns everything they observed.
pub async fn cases<S, F, Fut>(ctx: &Ctx<'_>, salt: u64, strategy: S, eval: F) -> Findings
where
    S: Strategy,
    F: Fn(S::Value) -> Fut,
    Fut: Future<Output = Findings>,
{
    let mut all = Findings::new();
    if ctx.is_stopped() {
        return all;
    }
    let values: Vec<S::Value> = draw(ctx, salt, &strategy, ctx.options.cases.max(1) as usize)
        .iter()
        .map(ValueTree::current)
        .collect();
    let results = in_any_order(ctx, values, &eval).await;
    let first_broken = results.iter().position(Findings::breached);
    for f in results {
        all.merge(f);
    }
    if let Some(index) = first_broken {
        all.merge(shrink(ctx, salt, &strategy, index, &eval).await);
    }
    all
}

/// The state of the shrink of case `index` after `decisions` (one per evaluation: whether it
/// still broke a rule): the value to evaluate next, or `None` when shrinking is over.
fn shrink_step<S: Strategy>(
    ctx: &Ctx,
    salt: u64,
    strategy: &S,
    index: usize,
    decisions: &[bool],
) -> Option<S::Value> {
    let mut tree = draw(ctx, salt, strategy, index + 1).pop()?;
    if !tree.simplify() {
        return None;
    }
    for &broken in decisions {
        let moved = if broken {
            tree.simplify()
        } else {
            tree.complicate()
        };
        if !moved {
            return None;
        }
    }
    Some(tree.current())
}

/// Shrinks a case that broke a rule: simplify while it still breaks one, complicate when a
/// simplification no longer does, within the run's shrink budget.
async fn shrink<S, F, Fut>(
    ctx: &Ctx<'_>,
    salt: u64,
    strategy: &S,
    index: usize,
    eval: &F,
) -> Findings
where
    S: Strategy,
    F: Fn(S::Value) -> Fut,
    Fut: Future<Output = Findings>,
{
    let mut all = Findings::new();
    let mut decisions = Vec::new();
    for _ in 0..ctx.options.max_shrink_iters {
        if ctx.is_stopped() {
            break;
        }
        let Some(value) = shrink_step(ctx, salt, strategy, index, &decisions) else {
            break;
        };
        let found = eval(value).await;
        decisions.push(found.breached());
        all.merge(found);
    }
    all
}

/// Evaluates `eval` on fixed inputs concurrently; returns everything they observed.
pub async fn each<T, F, Fut>(ctx: &Ctx<'_>, inputs: Vec<T>, eval: F) -> Findings
where
    F: Fn(T) -> Fut,
    Fut: Future<Output = Findings>,
{
    let mut all = Findings::new();
    if ctx.is_stopped() {
        return all;
    }
    for f in in_any_order(ctx, inputs, &eval).await {
        all.merge(f);
    }
    all
}

/// Evaluates every input, up to the run's concurrency at once, starting the next as soon as
/// any finishes (a long walk never holds back the ones after it); the results come back in
/// the order of the inputs, so what is judged first does not depend on the scheduling.
async fn in_any_order<T, F, Fut>(ctx: &Ctx<'_>, inputs: Vec<T>, eval: &F) -> Vec<Findings>
where
    F: Fn(T) -> Fut,
    Fut: Future<Output = Findings>,
{
    let mut results: Vec<(usize, Findings)> = futures::stream::iter(inputs.into_iter().enumerate())
        .map(|(i, input)| {
            let found = eval(input);
            async move { (i, found.await) }
        })
        .buffer_unordered(ctx.options.concurrency.max(1))
        .collect()
        .await;
    results.sort_by_key(|(i, _)| *i);
    results.into_iter().map(|(_, f)| f).collect()
}
