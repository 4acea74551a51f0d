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

use super::findings::Findings;
use crate::checks::Walk;

/// What one complete walk of the unfiltered list saw.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    /// Item keys in the order listed, each once.
    order: Vec<String>,
    /// The items, by key.
    items: HashMap<String, Value>,
}

impl Snapshot {
    /// The items of `walk`, first occurrences only.
    pub fn of(walk: &Walk) -> Snapshot {
        Snapshot::listing(
            walk.pages
                .iter()
                .flat_map(|page| page.keys.iter().cloned().zip(page.items.iter().cloned())),
        )
    }

    /// Items by key, in the order listed; first occurrences only.
    pub fn listing(items: impl IntoIterator<Item = (String, Value)>) -> Snapshot {
        let mut snapshot = Snapshot::default();
        for (key, item) in items {
            if !snapshot.items.contains_key(&key) {
                snapshot.order.push(key.clone());
                snapshot.items.insert(key, item);
            }
        }
        snapshot
    }

    fn keys(&self) -> BTreeSet<String> {
        self.order.iter().cloned().collect()
    }
}

/// The first unfiltered walk of a run and, when there is one, a complete walk taken after
/// every other walk of the run; the sets the deferred properties are judged against are
/// computed once.
#[derive(Debug, Clone, Default)]
pub struct Bracket {
    before: Snapshot,
    after: Option<Snapshot>,
    before_keys: BTreeSet<String>,
    stable: BTreeSet<String>,
    known: BTreeSet<String>,
    appeared: BTreeSet<String>,
}

impl Bracket {
    /// The bracket of the first walk and the closing one (if it completed).
    pub fn new(before: &Walk, after: Option<&Walk>) -> Bracket {
        let after = after.filter(|w| w.complete()).map(Snapshot::of);
        Bracket::between(Snapshot::of(before), after)
    }

    /// The bracket of two snapshots.
    pub fn between(before: Snapshot, after: Option<Snapshot>) -> Bracket {
        let before_keys = before.keys();
        let last_keys = after
            .as_ref()
            .map_or_else(|| before_keys.clone(), Snapshot::keys);
        Bracket {
            stable: before_keys.intersection(&last_keys).cloned().collect(),
            known: before_keys.union(&last_keys).cloned().collect(),
            appeared: last_keys.difference(&before_keys).cloned().collect(),
            before_keys,
            before,
            after,
        }
    }

    /// The closing snapshot, or the first when there is none.
    fn last(&self) -> &Snapshot {
        self.after.as_ref().unwrap_or(&self.before)
    }

    /// Whether the two walks list different items: the data changed during the run.
    pub fn changed(&self) -> bool {
        self.known.len() != self.stable.len()
    }

    /// The items of the first walk.
    pub fn before(&self) -> &BTreeSet<String> {
        &self.before_keys
    }

    /// The items present in both walks: they existed throughout the run.
    pub fn stable(&self) -> &BTreeSet<String> {
        &self.stable
    }

    /// The items of either walk.
    pub fn known(&self) -> &BTreeSet<String> {
        &self.known
    }

    /// The items of the closing walk that the first did not list.
    pub fn appeared(&self) -> &BTreeSet<String> {
        &self.appeared
    }

    /// The items that satisfy `predicate` in both walks and existed throughout (required of a
    /// filtered walk), and those that satisfy it in either (allowed).
    pub fn matching(&self, predicate: impl Fn(&Value) -> bool) -> (BTreeSet<&str>, BTreeSet<&str>) {
        let of = |s: &Snapshot| -> BTreeSet<String> {
            s.items
                .iter()
                .filter(|(_, item)| predicate(item))
                .map(|(k, _)| k.clone())
                .collect()
        };
        let before = of(&self.before);
        let after = match &self.after {
            Some(after) => of(after),
            None => before.clone(),
        };
        let required = self
            .stable
            .iter()
            .filter(|k| before.contains(*k) && after.contains(*k))
            .map(String::as_str)
            .collect();
        let allowed = self
            .known
            .iter()
            .filter(|k| before.contains(*k) || after.contains(*k))
            .map(String::as_str)
            .collect();
        (required, allowed)
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
        let (before, after) = (self.before_keys.len(), self.last().order.len());
        let gone = before - self.stable.len();
        Some(format!(
            "the data changed during the run: {} items appeared and {gone} disappeared \
             between the first walk ({before} items) and the last ({after}). Walks were compared \
             on the {} items present in both: each walk must return all of them, and may return \
             the others; totals may lie between the two counts; a repeated item is excused only \
             where items appeared ahead of it",
            self.appeared.len(),
            self.stable.len()
        ))
    }
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

    #[test]
    fn without_a_change_every_set_is_the_first_walk() {
        let b = Bracket::between(list(&["a", "b", "c"]), Some(list(&["a", "b", "c"])));
        assert!(!b.changed());
        assert_eq!(b.stable(), &set(&["a", "b", "c"]));
        assert_eq!(b.known(), b.stable());
        assert!(b.appeared().is_empty());
        assert!(!b.explains_repeat("c"), "every repeat fails");
        assert_eq!(b.describe(), None);
        let alone = Bracket::between(list(&["a", "b"]), None);
        assert!(!alone.changed());
        assert_eq!(alone.known(), &set(&["a", "b"]));
    }

    #[test]
    fn items_present_in_both_walks_are_required_and_the_others_allowed() {
        // `n` appeared at the head, `b` was deleted.
        let b = Bracket::between(list(&["a", "b", "cc"]), Some(list(&["n", "a", "cc"])));
        assert!(b.changed());
        assert_eq!(b.stable(), &set(&["a", "cc"]));
        assert_eq!(b.known(), &set(&["a", "b", "cc", "n"]));
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
    fn items_created_at_the_tail_excuse_no_repeat() {
        let b = Bracket::between(list(&["a", "b"]), Some(list(&["a", "b", "z"])));
        assert!(b.changed());
        assert!(!b.explains_repeat("a") && !b.explains_repeat("b"));
    }
}
