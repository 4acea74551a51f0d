//! The tolerant copy of a spec that progenitor turns into the client.
//!
//! The spec files state the vendor's documented contract exactly, and the conformance checks
//! hold servers to it. A client has a different job: it must keep working when the vendor adds
//! a field. So the copy given to progenitor drops `additionalProperties: false` (typify would
//! otherwise emit `#[serde(deny_unknown_fields)]`, and one new field would fail every page).
//!
//! progenitor also counts a `default` response as a success body (it asserts that an
//! operation has one success type), so an operation with a 2xx response and a `default` one
//! gets `4XX` and `5XX` in the copy instead of `default`, where it has no range of its own:
//! for a client, `default` beside a documented success is the error body of every other
//! status.
//!
//! Finally `format: uuid` is dropped (typify would type it `::uuid::Uuid`, a crate the
//! clients do not depend on): the value stays a string, which also keeps working when a
//! vendor's identifier is not quite a UUID. So is a string's `pattern` (typify would make a
//! newtype checked with the `regex` crate, another dependency, and a client that refuses a
//! page over the spelling of one value).

use serde_json::Value;
use specs::{Operation, Spec, StatusKey};

use crate::CodegenError;

/// Whether `op`'s `default` response stands for errors only: the operation documents a 2xx
/// response beside it.
pub(crate) fn default_is_error_only(op: &Operation) -> bool {
    let has = |key: StatusKey| op.responses.iter().any(|r| r.key == key);
    has(StatusKey::Default)
        && op.responses.iter().any(|r| match r.key {
            StatusKey::Code(code) => (200..=299).contains(&code),
            StatusKey::Range(class) => class == 2,
            StatusKey::Default => false,
        })
}

/// The spec as progenitor should see it.
pub(crate) fn tolerant_copy(spec: &Spec) -> Result<openapiv3::OpenAPI, CodegenError> {
    let mut raw = spec.raw.clone();
    strip_closed_objects(&mut raw);
    crate::operators::spell_out(spec, &mut raw);
    for op in spec
        .operations
        .iter()
        .filter(|op| default_is_error_only(op))
    {
        split_default(&mut raw, op);
    }
    serde_json::from_value(raw).map_err(|e| {
        CodegenError::new(
            &spec.file,
            "",
            format!("not a valid OpenAPI 3.0 document after preparation: {e}"),
        )
    })
}

/// Replaces the `default` response of `op` by `4XX` and `5XX`, each where the operation has no
/// response for that range already.
fn split_default(raw: &mut Value, op: &Operation) {
    let Some(responses) = raw
        .pointer_mut(&format!("{}/responses", op.pointer))
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    let Some(default) = responses.remove("default") else {
        return;
    };
    for (class, key) in [(4u8, "4XX"), (5, "5XX")] {
        if !op
            .responses
            .iter()
            .any(|r| r.key == StatusKey::Range(class))
        {
            responses.insert(key.to_string(), default.clone());
        }
    }
}

/// Removes every `additionalProperties: false`, `format: uuid` and string `pattern`, leaving
/// example values untouched (an example is data, and data may legitimately contain keys of
/// those names).
fn strip_closed_objects(value: &mut Value) {
    match value {
        Value::Object(map) => {
            if map.get("additionalProperties") == Some(&Value::Bool(false)) {
                map.remove("additionalProperties");
            }
            if map.get("format").and_then(Value::as_str) == Some("uuid") {
                map.remove("format");
            }
            // A property named `pattern` is an object (its schema), never a string.
            if map.get("pattern").is_some_and(Value::is_string) {
                map.remove("pattern");
            }
            for (key, child) in map.iter_mut() {
                if key != "example" && key != "examples" {
                    strip_closed_objects(child);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(strip_closed_objects),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_closed_objects_but_not_examples() {
        let mut v = serde_json::json!({
            "schemas": {"A": {"type": "object", "additionalProperties": false}},
            "example": {"additionalProperties": false},
            "nested": [{"additionalProperties": false}, {"additionalProperties": true}]
        });
        strip_closed_objects(&mut v);
        assert_eq!(
            v,
            serde_json::json!({
                "schemas": {"A": {"type": "object"}},
                "example": {"additionalProperties": false},
                "nested": [{}, {"additionalProperties": true}]
            })
        );
    }
}
