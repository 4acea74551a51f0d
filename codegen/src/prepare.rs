//! The tolerant copy of a spec that progenitor turns into the client.
//!
//! The spec files state the vendor's documented contract exactly, and the conformance checks
//! hold servers to it. A client has a different job: it must keep working when the vendor adds
//! a field. So the copy given to progenitor drops `additionalProperties: false` (typify would
//! otherwise emit `#[serde(deny_unknown_fields)]`, and one new field would fail every page).

use serde_json::Value;
use specs::Spec;

use crate::CodegenError;

/// The spec as progenitor should see it.
pub(crate) fn tolerant_copy(spec: &Spec) -> Result<openapiv3::OpenAPI, CodegenError> {
    let mut raw = spec.raw.clone();
    strip_closed_objects(&mut raw);
    serde_json::from_value(raw).map_err(|e| {
        CodegenError::new(
            &spec.file,
            "",
            format!("not a valid OpenAPI 3.0 document after preparation: {e}"),
        )
    })
}

/// Removes every `additionalProperties: false`, leaving example values untouched (an example
/// is data, and data may legitimately contain a key of that name).
fn strip_closed_objects(value: &mut Value) {
    match value {
        Value::Object(map) => {
            if map.get("additionalProperties") == Some(&Value::Bool(false)) {
                map.remove("additionalProperties");
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
