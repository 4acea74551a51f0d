//! Facts of an imported selection: what changed between two versions of the operations a spec
//! imports and the components they reach, each at its pointer, which is the imported spec's
//! pointer too (the import keeps the vendor's).
//!
//! Every scalar of the selection is a fact at its pointer (`type`, `format`, `minimum`,
//! `required: true`, a `$ref`), and a list of scalars (`enum`, `required`) is a set of facts at
//! the list's pointer, so that a value added in the middle is one NEW fact. A whole node that
//! appeared (a new property, a new parameter) is one fact at its root. Prose (descriptions,
//! summaries, titles) and examples are not facts: a change there is listed by pointer.

use std::collections::BTreeSet;
use std::fmt;

use serde_json::Value;

/// Keys whose values are prose or illustration, not contract.
const PROSE: [&str; 6] = [
    "description",
    "summary",
    "title",
    "example",
    "examples",
    "externalDocs",
];

/// One fact of a selection.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct DocFact {
    /// Where it is: a JSON pointer into the selection (and the imported spec).
    pub pointer: String,
    /// The value, as JSON; `None` for a node that is there as a whole.
    pub value: Option<String>,
}

impl fmt::Display for DocFact {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = self
            .pointer
            .rsplit('/')
            .next()
            .map(specs::pointer::unescape)
            .unwrap_or_default();
        match &self.value {
            Some(v) => write!(f, "{name} {v}"),
            None => write!(f, "{name} (the whole node)"),
        }
    }
}

/// The facts and the prose of a selection.
#[derive(Debug, Default)]
pub struct Facts {
    facts: BTreeSet<DocFact>,
    /// Pointer → the prose there, as JSON.
    prose: Vec<(String, String)>,
}

impl Facts {
    /// Reads a selection.
    pub fn of(selection: &Value) -> Facts {
        let mut out = Facts::default();
        out.walk(selection, "");
        out
    }

    fn walk(&mut self, node: &Value, at: &str) {
        match node {
            Value::Object(map) => {
                for (k, v) in map {
                    let here = format!("{at}/{}", specs::pointer::escape(k));
                    if PROSE.contains(&k.as_str()) && !is_name_map(at) {
                        self.prose.push((here, v.to_string()));
                    } else {
                        self.walk(v, &here);
                    }
                }
            }
            Value::Array(items) if items.iter().all(|i| !i.is_object() && !i.is_array()) => {
                for item in items {
                    self.facts.insert(DocFact {
                        pointer: at.to_string(),
                        value: Some(item.to_string()),
                    });
                }
            }
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    self.walk(item, &format!("{at}/{i}"));
                }
            }
            scalar => {
                self.facts.insert(DocFact {
                    pointer: at.to_string(),
                    value: Some(scalar.to_string()),
                });
            }
        }
    }
}

/// Whether the node at `at` maps names to objects, where a key named `description` is a name
/// (a property called `title`), not prose.
fn is_name_map(at: &str) -> bool {
    at.rsplit('/').next().is_some_and(|last| {
        matches!(
            last,
            "properties" | "schemas" | "parameters" | "responses" | "headers"
        )
    })
}

/// What changed from `old` to `new`.
#[derive(Debug, Default)]
pub struct Changes {
    /// Facts of `new` that `old` lacks, whole new nodes collapsed to their root.
    pub new: Vec<DocFact>,
    /// Facts of `old` that `new` lacks, the same way.
    pub gone: Vec<DocFact>,
    /// Pointers whose prose or examples differ.
    pub prose: Vec<String>,
}

/// Compares two selections.
pub fn compare(old: &Value, new: &Value) -> Changes {
    let (then, now) = (Facts::of(old), Facts::of(new));
    let new_facts = collapse(now.facts.difference(&then.facts), old);
    let gone_facts = collapse(then.facts.difference(&now.facts), new);
    let before: BTreeSet<&(String, String)> = then.prose.iter().collect();
    let after: BTreeSet<&(String, String)> = now.prose.iter().collect();
    let mut prose: BTreeSet<String> = before
        .symmetric_difference(&after)
        .map(|(p, _)| p.clone())
        .collect();
    prose.retain(|p| {
        !new_facts
            .iter()
            .chain(&gone_facts)
            .any(|f| f.value.is_none() && is_under(p, &f.pointer))
    });
    Changes {
        new: new_facts,
        gone: gone_facts,
        prose: prose.into_iter().collect(),
    }
}

/// The facts, each replaced by the shallowest node above it that `other` lacks (a whole new
/// property is one fact, not one per keyword; a new keyword keeps its value).
fn collapse<'a>(facts: impl Iterator<Item = &'a DocFact>, other: &Value) -> Vec<DocFact> {
    let mut out: BTreeSet<DocFact> = BTreeSet::new();
    for fact in facts {
        let root = missing_root(&fact.pointer, other).filter(|root| *root != fact.pointer);
        out.insert(match root {
            Some(pointer) => DocFact {
                pointer,
                value: None,
            },
            None => fact.clone(),
        });
    }
    out.into_iter().collect()
}

/// The shallowest prefix of `pointer` that `doc` does not have.
fn missing_root(pointer: &str, doc: &Value) -> Option<String> {
    let mut at = String::new();
    for segment in pointer.split('/').skip(1) {
        at.push('/');
        at.push_str(segment);
        if doc.pointer(&at).is_none() {
            return Some(at);
        }
    }
    None
}

fn is_under(pointer: &str, root: &str) -> bool {
    pointer == root || pointer.starts_with(&format!("{root}/"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn lines(changes: &Changes) -> Vec<String> {
        let mut out: Vec<String> = changes
            .new
            .iter()
            .map(|f| format!("NEW {f} @ {}", f.pointer))
            .collect();
        out.extend(
            changes
                .gone
                .iter()
                .map(|f| format!("GONE {f} @ {}", f.pointer)),
        );
        out.extend(changes.prose.iter().map(|p| format!("TEXT @ {p}")));
        out
    }

    #[test]
    fn changed_facts_are_new_and_gone_at_their_pointers() {
        let old = json!({"components": {"schemas": {"issue": {
        "type": "object", "required": ["id", "url"],
        "properties": {
            "id": {"type": "integer", "description": "The id."},
            "state": {"type": "string", "enum": ["open", "closed"]},
            "title": {"type": "string"}
        }}}}});
        let new = json!({"components": {"schemas": {"issue": {
        "type": "object", "required": ["id"],
        "properties": {
            "id": {"type": "integer", "format": "int64", "description": "The issue's id."},
            "state": {"type": "string", "enum": ["open", "closed", "duplicate"]},
            "labels": {"type": "array", "items": {"type": "string"}}
        }}}}});
        let got = lines(&compare(&old, &new));
        assert_eq!(
            got,
            [
                "NEW format \"int64\" @ /components/schemas/issue/properties/id/format",
                "NEW labels (the whole node) @ /components/schemas/issue/properties/labels",
                "NEW enum \"duplicate\" @ /components/schemas/issue/properties/state/enum",
                "GONE title (the whole node) @ /components/schemas/issue/properties/title",
                "GONE required \"url\" @ /components/schemas/issue/required",
                "TEXT @ /components/schemas/issue/properties/id/description",
            ]
        );
    }

    #[test]
    fn a_property_named_like_prose_is_a_fact() {
        let old = json!({"properties": {"title": {"type": "string"}}});
        let new = json!({"properties": {"title": {"type": "integer"}}});
        let got = lines(&compare(&old, &new));
        assert_eq!(
            got,
            [
                "NEW type \"integer\" @ /properties/title/type",
                "GONE type \"string\" @ /properties/title/type"
            ]
        );
    }

    #[test]
    fn the_same_selection_has_no_changes() {
        let doc = json!({"a": [1, 2], "b": {"description": "x"}});
        assert!(lines(&compare(&doc, &doc)).is_empty());
    }
}
