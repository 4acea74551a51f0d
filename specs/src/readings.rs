//! `x-reading`: where the vendor page is silent, the choice the spec made.
//!
//! A mark sits on any node of the document: a schema, a response, a header, a parameter, an
//! operation, or one of our own extension objects. Its value is either a string, which covers
//! the whole node (every keyword under it), or a mapping from keys of the node to strings,
//! which covers only those keys (and what is under them):
//!
//! ```yaml
//! status:
//!   type: boolean
//!   x-reading: "\"status → success indicator\", without a type. Reading: a boolean …"
//! Domain:
//!   required: [id, domain]
//!   x-reading:
//!     required: "Which fields are always present is shown only by the example. …"
//! ```
//!
//! A check that finds a rule broken asks whether a mark covers the rule; if one does, the
//! verdict is a warning that quotes the mark, never a failure.

use serde_json::Value;

use crate::SpecError;

/// One `x-reading` mark: the node it sits on, the key it covers, and its text.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Reading {
    /// JSON pointer of the node that carries the mark, e.g. `/components/schemas/Error`.
    pub pointer: String,
    /// The key of the node the mark covers (`required`), or `None` for the whole node.
    pub key: Option<String>,
    /// What the page says, and what the spec chose.
    pub text: String,
}

impl Reading {
    /// Where the mark covers, as one pointer: the node, or the node's key.
    pub fn location(&self) -> String {
        match &self.key {
            None => self.pointer.clone(),
            Some(k) => format!("{}/{}", self.pointer, crate::pointer::escape(k)),
        }
    }
}

impl std::fmt::Display for Reading {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} (reading at #{})", self.text, self.location())
    }
}

/// Keywords a schema may be marked on even where the node does not spell them out (an absent
/// `additionalProperties` allows any, and a reading may say so).
const SCHEMA_KEYWORDS: &[&str] = &[
    "type",
    "format",
    "enum",
    "required",
    "properties",
    "additionalProperties",
    "items",
    "nullable",
    "minimum",
    "maximum",
    "minItems",
    "maxItems",
    "minLength",
    "maxLength",
    "pattern",
];

/// Every mark of the document, in document order. Example values are data and are skipped.
pub(crate) fn collect(file: &str, raw: &Value) -> Result<Vec<Reading>, SpecError> {
    let mut out = Vec::new();
    walk(file, raw, "", &mut out)?;
    Ok(out)
}

fn walk(file: &str, node: &Value, pointer: &str, out: &mut Vec<Reading>) -> Result<(), SpecError> {
    match node {
        Value::Object(map) => {
            if let Some(mark) = map.get("x-reading") {
                let at = format!("{pointer}/x-reading");
                match mark {
                    Value::String(text) => out.push(reading(file, &at, pointer, None, text)?),
                    Value::Object(keys) if !keys.is_empty() => {
                        for (key, text) in keys {
                            let key_at = format!("{at}/{}", crate::pointer::escape(key));
                            if !map.contains_key(key) && !SCHEMA_KEYWORDS.contains(&key.as_str()) {
                                return Err(SpecError::new(
                                    file,
                                    &key_at,
                                    format!("`{key}` is not a key of the node this reading is on"),
                                ));
                            }
                            let Value::String(text) = text else {
                                return Err(SpecError::new(file, &key_at, "a reading must be a string"));
                            };
                            out.push(reading(file, &key_at, pointer, Some(key), text)?);
                        }
                    }
                    _ => {
                        return Err(SpecError::new(
                            file,
                            &at,
                            "`x-reading` must be a string, or a mapping from keys of this node to strings",
                        ))
                    }
                }
            }
            for (key, child) in map {
                if key == "x-reading" || key == "example" || key == "examples" {
                    continue;
                }
                walk(
                    file,
                    child,
                    &format!("{pointer}/{}", crate::pointer::escape(key)),
                    out,
                )?;
            }
            Ok(())
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                walk(file, child, &format!("{pointer}/{i}"), out)?;
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

fn reading(
    file: &str,
    at: &str,
    pointer: &str,
    key: Option<&String>,
    text: &str,
) -> Result<Reading, SpecError> {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.is_empty() {
        return Err(SpecError::new(
            file,
            at,
            "a reading must say what the page says and what the spec chose",
        ));
    }
    Ok(Reading {
        pointer: if pointer.is_empty() {
            "/".into()
        } else {
            pointer.to_string()
        },
        key: key.cloned(),
        text,
    })
}

/// The mark that covers a step from the node at `pointer` into its key `key`: a whole-node
/// mark of the node, or its mark for `key`.
pub(crate) fn covering<'r>(
    readings: &'r [Reading],
    pointer: &str,
    key: Option<&str>,
) -> Option<&'r Reading> {
    let pointer = if pointer.is_empty() { "/" } else { pointer };
    readings
        .iter()
        .find(|r| r.pointer == pointer && r.key.is_none())
        .or_else(|| {
            key.and_then(|k| {
                readings
                    .iter()
                    .find(|r| r.pointer == pointer && r.key.as_deref() == Some(k))
            })
        })
}
