//! Data that changes during a run, and the properties that can only be judged once it is known
//! whether it did.
//!
//! A shared sandbox is used by other people and jobs while the suite runs: items are created
//! (and deleted) between two walks, or between two pages of one walk. Completeness, duplicates,
//! totals, the matching subset of a filter and the pages past the end compare walks taken at
//! different times, so the families do not judge them as they walk: they [`Deferred`] them.
//! Once every walk is done, the engine walks the list again at the largest page size and
//! brackets the run between that walk and the first one ([`Bracket`]):
//!
//! - When both list the same items, nothing changed that the suite could see, and every
//!   deferred property is judged against them exactly as if it had been judged at once: every
//!   duplicate and every gap fails.
//! - When they differ, the items present in both are the ones that existed throughout: every
//!   walk must return each of them (a gap is still a gap), and may return the items of either
//!   walk besides. A repeated item is excused only when items appeared ahead of it in the
//!   order, where an insertion between two page requests moves an item across a page boundary
//!   (offset-based servers do; no page-based API promises a snapshot). Totals may lie anywhere
//!   between the two walks' counts, and a page past the end may hold as many items as
//!   appeared. The report says that the data changed and how it was compared.
//!
//! What this cannot tell apart: a server that repeats items at page boundaries while items
//! are being inserted ahead of them looks like a faithful one (the report says how many
//! repeats were excused), and an item created and deleted between the two bracketing walks
//! is judged as one the server made up.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use serde_json::Value;

use super::findings::{Basis, Findings};
use crate::checks::Walk;
use crate::registry::CheckId;

/// What one walk of the unfiltered list saw: the whole list, or its first part when the walk
/// stopped where its share of the budget ran out.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    /// Item keys in the order listed, each once.
    order: Vec<String>,
    /// The items by key: their place in `order`, and where the walk keeps the item (the
    /// members the checks read), shared with its page.
    items: HashMap<String, (usize, Held)>,
    /// Whether the walk reached the end of the list.
    complete: bool,
}

/// An item as a page of a walk keeps it.
#[derive(Debug, Clone)]
struct Held {
    page: Arc<[Value]>,
    index: usize,
}

impl Held {
    /// The item, unless the walk kept only its key (past the items a long walk keeps).
    fn item(&self) -> Option<&Value> {
        self.page.get(self.index)
    }
}

impl Snapshot {
    /// The items of `walk`, first occurrences only.
    pub fn of(walk: &Walk) -> Snapshot {
        let mut snapshot = Snapshot::held(walk.pages.iter().flat_map(|page| {
            page.keys.iter().enumerate().map(|(index, key)| {
                let held = Held {
                    page: page.items.clone(),
                    index,
                };
                (key.clone(), held)
            })
        }));
        snapshot.complete = walk.complete();
        snapshot
    }

    /// Items by key, in the order listed; first occurrences only. The list is taken as
    /// complete.
    pub fn listing(items: impl IntoIterator<Item = (String, Value)>) -> Snapshot {
        Snapshot::held(items.into_iter().map(|(key, item)| {
            let held = Held {
                page: Arc::from([item]),
                index: 0,
            };
            (key, held)
        }))
    }

    fn held(items: impl IntoIterator<Item = (String, Held)>) -> Snapshot {
        let mut snapshot = Snapshot {
            complete: true,
            ..Snapshot::default()
        };
        for (key, held) in items {
            if !snapshot.items.contains_key(&key) {
                snapshot.order.push(key.clone());
                snapshot.items.insert(key, (snapshot.order.len() - 1, held));
            }
        }
        snapshot
    }
}

/// The first unfiltered walk of a run and, when there is one, a walk taken after every other
/// walk of the run. The sets the deferred properties are judged against are the first walk's
/// items and what differs: what appeared and what is gone, computed once (empty when nothing
/// changed, so that a long first walk is not held several times over).
#[derive(Debug, Clone, Default)]
pub struct Bracket {
    before: Arc<Snapshot>,
    after: Option<Snapshot>,
    appeared: BTreeSet<String>,
    gone: BTreeSet<String>,
}

impl Bracket {
    /// The bracket of the first walk and the closing one (if it got good pages).
    pub fn new(before: &Walk, after: Option<&Walk>) -> Bracket {
        let after = after.filter(|w| w.usable()).map(Snapshot::of);
        Bracket::between(Snapshot::of(before), after)
    }

    /// The bracket of this bracket's first walk and a closing one: the first walk's snapshot
    /// is shared, not taken again.
    pub fn closed_by(&self, after: Option<&Walk>) -> Bracket {
        let after = after.filter(|w| w.usable()).map(Snapshot::of);
        Bracket::after(self.before.clone(), after)
    }

    /// The bracket of two snapshots. Where the closing one stopped before the first did (its
    /// share of the budget ran out), the first walk's items past it are taken as unchanged.
    pub fn between(before: Snapshot, after: Option<Snapshot>) -> Bracket {
        Bracket::after(Arc::new(before), after)
    }

    fn after(before: Arc<Snapshot>, after: Option<Snapshot>) -> Bracket {
        let Some(last) = &after else {
            return Bracket {
                before,
                after,
                ..Bracket::default()
            };
        };
        let appeared = last
            .order
            .iter()
            .filter(|k| !before.items.contains_key(*k))
            .cloned()
            .collect();
        let reached = match last.complete {
            true => before.order.len(),
            false => last
                .order
                .iter()
                .filter_map(|k| before.items.get(k).map(|(i, _)| *i))
                .max()
                .map_or(0, |i| i + 1),
        };
        let gone = before.order[..reached]
            .iter()
            .filter(|k| !last.items.contains_key(*k))
            .cloned()
            .collect();
        Bracket {
            before,
            after,
            appeared,
            gone,
        }
    }

    /// The closing snapshot, or the first when there is none.
    fn last(&self) -> &Snapshot {
        self.after.as_ref().unwrap_or(&self.before)
    }

    /// Whether the two walks list different items: the data changed during the run.
    pub fn changed(&self) -> bool {
        !self.appeared.is_empty() || !self.gone.is_empty()
    }

    /// The number of items of the first walk.
    pub fn before_len(&self) -> usize {
        self.before.order.len()
    }

    /// Whether `key` was present in both walks: it existed throughout the run.
    pub fn is_stable(&self, key: &str) -> bool {
        self.before.items.contains_key(key) && !self.gone.contains(key)
    }

    /// Whether either walk listed `key`.
    pub fn is_known(&self, key: &str) -> bool {
        self.before.items.contains_key(key) || self.appeared.contains(key)
    }

    /// The items present in both walks, in the first walk's order.
    pub fn stable(&self) -> impl Iterator<Item = &String> {
        self.before.order.iter().filter(|k| !self.gone.contains(*k))
    }

    /// How many items were present in both walks.
    pub fn stable_len(&self) -> usize {
        self.before.order.len() - self.gone.len()
    }

    /// How many items either walk listed.
    pub fn known_len(&self) -> usize {
        self.before.order.len() + self.appeared.len()
    }

    /// The items of the closing walk that the first did not list.
    pub fn appeared(&self) -> &BTreeSet<String> {
        &self.appeared
    }

    /// The items that satisfy `predicate` in both walks and existed throughout (required of a
    /// filtered walk), and those that satisfy it in either (allowed). An item a long walk kept
    /// only the key of may match: it is allowed, never required.
    pub fn matching(&self, predicate: impl Fn(&Value) -> bool) -> (BTreeSet<&str>, BTreeSet<&str>) {
        let holds = |s: &Snapshot, key: &str| {
            s.items
                .get(key)
                .is_some_and(|(_, held)| held.item().is_some_and(&predicate))
        };
        let may = |s: &Snapshot, key: &str| {
            s.items
                .get(key)
                .is_some_and(|(_, held)| held.item().is_none_or(&predicate))
        };
        let after_holds = |key: &str| match &self.after {
            // Past where a closing walk stopped, an item is taken as unchanged.
            Some(after) if after.items.contains_key(key) => holds(after, key),
            Some(_) if self.appeared.contains(key) || self.gone.contains(key) => false,
            _ => holds(&self.before, key),
        };
        let required = self
            .stable()
            .filter(|k| holds(&self.before, k) && after_holds(k))
            .map(String::as_str)
            .collect();
        let after_may = |key: &str| match &self.after {
            Some(after) if after.items.contains_key(key) => may(after, key),
            _ => false,
        };
        let allowed = self
            .before
            .order
            .iter()
            .chain(&self.appeared)
            .filter(|k| may(&self.before, k) || after_may(k))
            .map(String::as_str)
            .collect();
        (required, allowed)
    }

    /// Whether the first walk reached the end of the list.
    pub fn complete(&self) -> bool {
        self.before.complete
    }

    /// The part of the first walk's order that a walk from the start of the list listing
    /// `keys` spans: up to the last of its keys the first walk listed.
    pub fn span(&self, keys: &[String]) -> Span {
        let position = |k: &String| self.before.items.get(k).map(|(i, _)| *i);
        let last = keys.iter().rposition(|k| position(k).is_some());
        let end = match last.and_then(|i| position(&keys[i])) {
            Some(p) => p + 1,
            // Every key came after the first walk, ahead of what it listed.
            None if self.changed() => 0,
            None => keys.len().min(self.before.order.len()),
        };
        Span {
            expected: self.before.order[..end].to_vec(),
            // Past its last key the first walk listed, a key may lie beyond where the first
            // walk stopped: it is judged only when the first walk reached the end.
            judged: match self.before.complete {
                true => keys.len(),
                false => last.map_or(0, |i| i + 1),
            },
        }
    }

    /// Whether an insertion between two page requests could have listed `key` twice: the
    /// data changed and items appeared ahead of it in the closing walk's order.
    pub fn explains_repeat(&self, key: &str) -> bool {
        self.changed()
            && self
                .last()
                .order
                .iter()
                .take_while(|k| k.as_str() != key)
                .any(|k| self.appeared.contains(k))
    }

    /// What the report says about a change, when there was one.
    pub fn describe(&self) -> Option<String> {
        if !self.changed() {
            return None;
        }
        let (before, after) = (self.before.order.len(), self.last().order.len());
        let gone = self.gone.len();
        Some(format!(
            "the data changed during the run: {} items appeared and {gone} disappeared \
             between the first walk ({before} items) and the last ({after}). Walks were compared \
             on the {} items present in both: each walk must return all of them, and may return \
             the others; totals may lie between the two counts; a repeated item is excused only \
             where items appeared ahead of it",
            self.appeared.len(),
            self.stable_len()
        ))
    }
}

/// The part of the list a walk covered, in the first walk's order.
#[derive(Debug, Clone)]
pub struct Span {
    /// The first walk's keys over the part.
    pub expected: Vec<String>,
    /// How many of the walk's keys (from its first) lie inside the part, where a key the
    /// first walk did not list is one too many.
    pub judged: usize,
}

/// A property that compares walks taken at different times, judged once the run's
/// [`Bracket`] is known.
pub trait Deferred: Send + Sync + std::fmt::Debug {
    /// The observations, with the data's changes taken into account.
    fn settle(&self, bracket: &Bracket) -> Findings;

    /// The bracket of the first walk alone, against which the property is judged until the
    /// run is over: as if nothing changed, so that a failing case is shrunk as any other.
    fn opening(&self) -> &Bracket;
}

/// A deferred property, shared between merged findings.
pub type Pending = Arc<dyn Deferred>;

/// A breach that holds only while the data did not change during the run: one that compares
/// two walks (a pair of neighbours across pages, the order at another page size, a walk with
/// several values and the walks with each). A page is a snapshot; a walk is not, and an item
/// created or gone between two requests moves or changes what the second one lists. Where the
/// data changed, the breach is a note.
#[derive(Debug)]
pub struct WhileUnchanged {
    /// The bracket of the first walk.
    pub opening: Arc<Bracket>,
    /// The check it breaks.
    pub check: CheckId,
    /// What the breach rests on.
    pub basis: Basis,
    /// What was seen.
    pub message: String,
    /// The request that shows it.
    pub request: Option<String>,
}

impl Deferred for WhileUnchanged {
    fn opening(&self) -> &Bracket {
        &self.opening
    }

    fn settle(&self, bracket: &Bracket) -> Findings {
        let mut f = Findings::new();
        match bracket.changed() {
            true => f.note(
                self.check,
                format!(
                    "not judged, as the data changed during the run: {}",
                    self.message
                ),
            ),
            false => f.breach(
                self.check,
                self.basis.clone(),
                self.message.clone(),
                self.request.clone(),
            ),
        }
        f
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn list(keys: &[&str]) -> Snapshot {
        Snapshot::listing(
            keys.iter()
                .map(|k| (k.to_string(), json!({"id": k, "odd": k.len() % 2 == 1}))),
        )
    }

    fn set(keys: &[&str]) -> BTreeSet<String> {
        keys.iter().map(|k| k.to_string()).collect()
    }

    fn stable(b: &Bracket) -> BTreeSet<String> {
        b.stable().cloned().collect()
    }

    fn known(b: &Bracket, among: &[&str]) -> BTreeSet<String> {
        among
            .iter()
            .filter(|k| b.is_known(k))
            .map(|k| k.to_string())
            .collect()
    }

    #[test]
    fn without_a_change_every_set_is_the_first_walk() {
        let b = Bracket::between(list(&["a", "b", "c"]), Some(list(&["a", "b", "c"])));
        assert!(!b.changed());
        assert_eq!(stable(&b), set(&["a", "b", "c"]));
        assert_eq!(b.known_len(), b.stable_len());
        assert!(b.appeared().is_empty());
        assert!(!b.explains_repeat("c"), "every repeat fails");
        assert_eq!(b.describe(), None);
        let alone = Bracket::between(list(&["a", "b"]), None);
        assert!(!alone.changed());
        assert_eq!(known(&alone, &["a", "b", "z"]), set(&["a", "b"]));
    }

    #[test]
    fn items_present_in_both_walks_are_required_and_the_others_allowed() {
        // `n` appeared at the head, `b` was deleted.
        let b = Bracket::between(list(&["a", "b", "cc"]), Some(list(&["n", "a", "cc"])));
        assert!(b.changed());
        assert_eq!(stable(&b), set(&["a", "cc"]));
        assert_eq!(
            known(&b, &["a", "b", "cc", "n", "z"]),
            set(&["a", "b", "cc", "n"])
        );
        assert_eq!(b.known_len(), 4);
        assert_eq!(b.appeared(), &set(&["n"]));
        // A repeat of an item behind a new one is excused; of the new one itself, not.
        assert!(b.explains_repeat("a") && b.explains_repeat("cc"));
        assert!(!b.explains_repeat("n"));
        let (required, allowed) = b.matching(|item| item["odd"] == json!(true));
        assert_eq!(required, ["a"].into_iter().collect());
        assert_eq!(allowed, ["a", "b", "n"].into_iter().collect());
        let note = b.describe().unwrap();
        assert!(
            note.contains("1 items appeared and 1 disappeared"),
            "{note}"
        );
    }

    #[test]
    fn past_a_closing_walk_that_stopped_early_the_first_walk_stands() {
        let mut closing = list(&["a", "n", "b"]);
        closing.complete = false;
        let b = Bracket::between(list(&["a", "b", "c", "d"]), Some(closing));
        assert_eq!(b.appeared(), &set(&["n"]));
        assert_eq!(stable(&b), set(&["a", "b", "c", "d"]));
        let (required, _) = b.matching(|item| item["odd"] == json!(true));
        assert_eq!(required, ["a", "b", "c", "d"].into_iter().collect());
    }

    #[test]
    fn items_created_at_the_tail_excuse_no_repeat() {
        let b = Bracket::between(list(&["a", "b"]), Some(list(&["a", "b", "z"])));
        assert!(b.changed());
        assert!(!b.explains_repeat("a") && !b.explains_repeat("b"));
    }
}
