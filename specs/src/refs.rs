//! Every `$ref` of a document, checked once: local, resolving, and not part of a cycle.
//!
//! [`crate::resolve`] stops quietly at a reference that does not resolve, which suits readers
//! that only look things up; a generator must instead refuse such a document before it
//! trips over it, with the pointer of the reference.

use serde_json::{Map, Value};

use crate::SpecError;

/// The most references followed from one `$ref` before it counts as a cycle.
const MAX_HOPS: usize = 16;

/// Checks every `$ref` of `raw` (example values are data and are skipped), and that no path
/// item is itself a `$ref` (the reader of operations does not follow those).
pub(crate) fn check(file: &str, raw: &Value) -> Result<(), SpecError> {
    if let Some(paths) = raw.get("paths").and_then(Value::as_object) {
        for (path, item) in paths {
            if item.get("$ref").is_some() {
                return Err(SpecError::new(
                    file,
                    &format!("/paths/{}", crate::pointer::escape(path)),
                    "path items given by `$ref` are not supported",
                ));
            }
        }
    }
    walk(file, raw, raw, "")
}

fn walk(file: &str, raw: &Value, value: &Value, pointer: &str) -> Result<(), SpecError> {
    match value {
        Value::Object(map) => {
            if let Some(reference) = map.get("$ref") {
                check_one(file, raw, value, reference, &child(pointer, "$ref"))?;
            }
            children(map, pointer, |v, p| walk(file, raw, v, p))
        }
        Value::Array(items) => items
            .iter()
            .enumerate()
            .try_for_each(|(i, v)| walk(file, raw, v, &format!("{pointer}/{i}"))),
        _ => Ok(()),
    }
}

fn check_one(
    file: &str,
    raw: &Value,
    node: &Value,
    reference: &Value,
    at: &str,
) -> Result<(), SpecError> {
    let Some(target) = reference.as_str() else {
        return Err(SpecError::new(file, at, "`$ref` must be a string"));
    };
    let Some(local) = target.strip_prefix('#') else {
        return Err(SpecError::new(
            file,
            at,
            format!("`{target}` is not a local reference (`#/...`); only local references are supported"),
        ));
    };
    if raw.pointer(local).is_none() {
        return Err(SpecError::new(
            file,
            at,
            format!("`{target}` does not resolve to anything in this document"),
        ));
    }
    let mut current = node;
    let mut hops = 0;
    while let Some(next) = current
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix('#'))
        .and_then(|p| raw.pointer(p))
    {
        hops += 1;
        if hops > MAX_HOPS {
            return Err(SpecError::new(
                file,
                at,
                format!("`{target}` is part of a cycle of references"),
            ));
        }
        current = next;
    }
    Ok(())
}

fn child(pointer: &str, key: &str) -> String {
    format!("{pointer}/{}", crate::pointer::escape(key))
}

/// Calls `f` on every child of an object except example data (the `value` of an example
/// object is data; its `$ref` is structure).
fn children(
    map: &Map<String, Value>,
    pointer: &str,
    mut f: impl FnMut(&Value, &str) -> Result<(), SpecError>,
) -> Result<(), SpecError> {
    for (key, v) in map {
        match key.as_str() {
            "example" => continue,
            "examples" => {
                let Some(examples) = v.as_object() else {
                    continue;
                };
                for (name, example) in examples {
                    let at = child(&child(pointer, key), name);
                    for (k, ev) in example.as_object().into_iter().flatten() {
                        if k != "value" {
                            f(ev, &child(&at, k))?;
                        }
                    }
                }
            }
            _ => f(v, &child(pointer, key))?,
        }
    }
    Ok(())
}
