//! OpenAPI 3.0 schemas as JSON Schema (draft 2020-12), so bodies can be validated, and the way
//! back: from a failing keyword to the reading that covers it.
//!
//! OpenAPI 3.0 schemas are *almost* JSON Schema: `nullable` has no JSON Schema keyword, and
//! `$ref`s point into `#/components/schemas`. Everything else (`example`, `x-*`) is an
//! annotation that validators ignore.

use serde_json::{json, Map, Value};

use crate::readings::{covering, Reading};
use crate::{resolve_at, Operation, ResponseSpec};

/// The spec's component schemas converted to JSON Schema, ready to hand to a validator.
#[derive(Debug, Clone)]
pub struct JsonSchemas {
    raw: Value,
    defs: Map<String, Value>,
}

/// The JSON Schema of one response body, and where it sits in the spec.
#[derive(Debug, Clone)]
pub struct ResponseSchema {
    /// A self-contained JSON Schema for the body.
    pub schema: Value,
    /// Pointer, in the spec, of the schema node the JSON Schema was made from.
    pub root: String,
}

const COMPONENT_PREFIX: &str = "#/components/schemas/";

fn convert(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut out = Map::new();
            for (k, v) in map {
                match k.as_str() {
                    "nullable" | "example" | "examples" => {}
                    "$ref" => {
                        let r = v.as_str().unwrap_or_default();
                        let r = match r.strip_prefix(COMPONENT_PREFIX) {
                            Some(name) => format!("#/$defs/{name}"),
                            None => r.to_string(),
                        };
                        out.insert(k.clone(), Value::String(r));
                    }
                    // `properties` maps names to schemas: convert each value, not the keys.
                    "properties" => {
                        let props = v
                            .as_object()
                            .map(|m| m.iter().map(|(n, s)| (n.clone(), convert(s))).collect())
                            .unwrap_or_default();
                        out.insert(k.clone(), Value::Object(props));
                    }
                    _ if k.starts_with("x-") => {}
                    _ => {
                        out.insert(k.clone(), convert(v));
                    }
                }
            }
            if map.get("nullable").and_then(|n| n.as_bool()) == Some(true) {
                make_nullable(&mut out);
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(convert).collect()),
        other => other.clone(),
    }
}

fn make_nullable(schema: &mut Map<String, Value>) {
    if let Some(Value::Array(values)) = schema.get_mut("enum") {
        if !values.contains(&Value::Null) {
            values.push(Value::Null);
        }
    }
    match schema.get("type").cloned() {
        Some(Value::String(t)) => {
            schema.insert("type".into(), json!([t, "null"]));
        }
        Some(_) => {}
        None => {
            // An untyped schema already admits null unless it is a `$ref` or a combinator.
            if schema.contains_key("$ref")
                || schema.contains_key("allOf")
                || schema.contains_key("oneOf")
                || schema.contains_key("anyOf")
            {
                let inner = Value::Object(std::mem::take(schema));
                schema.insert("anyOf".into(), json!([inner, {"type": "null"}]));
            }
        }
    }
}

impl JsonSchemas {
    /// Converts every schema under `components/schemas` of a raw spec.
    pub fn new(raw: &Value) -> JsonSchemas {
        let defs = raw
            .pointer("/components/schemas")
            .and_then(|s| s.as_object())
            .map(|m| m.iter().map(|(k, v)| (k.clone(), convert(v))).collect())
            .unwrap_or_default();
        JsonSchemas {
            raw: raw.clone(),
            defs,
        }
    }

    /// A self-contained JSON Schema for an OpenAPI schema node (inline or `$ref`).
    pub fn standalone(&self, openapi_schema: &Value) -> Value {
        let mut root = match convert(openapi_schema) {
            Value::Object(m) => m,
            other => {
                let mut m = Map::new();
                m.insert("allOf".into(), json!([other]));
                m
            }
        };
        root.insert(
            "$schema".into(),
            json!("https://json-schema.org/draft/2020-12/schema"),
        );
        root.insert("$defs".into(), Value::Object(self.defs.clone()));
        Value::Object(root)
    }

    /// A self-contained JSON Schema for a named component schema.
    pub fn component(&self, name: &str) -> Option<Value> {
        self.defs
            .contains_key(name)
            .then(|| self.standalone(&json!({ "$ref": format!("{COMPONENT_PREFIX}{name}") })))
    }

    /// The JSON body schema of the response `op` documents for `status` (the most specific of
    /// code, range and `default`), if it has an `application/json` body.
    pub fn response(&self, op: &Operation, status: u16) -> Option<ResponseSchema> {
        self.of_response(op.response(status)?)
    }

    /// The schema of `response`'s JSON body (an error carried in a 200 body is judged by
    /// `Operation::error_body`'s).
    pub fn of_response(&self, response: &ResponseSpec) -> Option<ResponseSchema> {
        let root = response.json_schema.clone()?;
        let node = self.raw.pointer(&root)?;
        Some(ResponseSchema {
            schema: self.standalone(node),
            root,
        })
    }

    /// The reading that covers a failing keyword, if one does.
    ///
    /// `evaluation_path` is the validator's dynamic path to the keyword from the root of a
    /// [`ResponseSchema`] (`/$ref/properties/data/items/$ref/required`), `$ref`s included.
    /// The walk follows it through the spec from `root`, and a mark on any node it passes
    /// (whole-node, or for the key it steps into) covers the keyword. A null that fails a
    /// node's `type` (`null` says whether the failing value is one) is also covered by the
    /// node's mark on `nullable`: that is where OpenAPI 3.0 says whether null is allowed, even
    /// where the node does not spell `nullable: false` out.
    pub fn reading_for<'r>(
        &self,
        readings: &'r [Reading],
        root: &str,
        evaluation_path: &str,
        null: bool,
    ) -> Option<&'r Reading> {
        let segments: Vec<String> = evaluation_path
            .split('/')
            .skip(1)
            .map(crate::pointer::unescape)
            .collect();
        let mut pointer = root.to_string();
        let mut i = 0;
        while i < segments.len() {
            let segment = segments[i].as_str();
            if let Some(r) = covering(readings, &pointer, Some(segment)) {
                return Some(r);
            }
            let last = i + 1 == segments.len();
            if null && last && segment == "type" {
                if let Some(r) = covering(readings, &pointer, Some("nullable")) {
                    return Some(r);
                }
            }
            let node = self.raw.pointer(&pointer)?;
            if segment == "$ref" {
                let (_, target) = resolve_at(&self.raw, node, &pointer);
                if target == pointer {
                    return None;
                }
                pointer = target;
            } else if node.get(segment).is_some() {
                pointer = format!("{pointer}/{}", crate::pointer::escape(segment));
            } else if segment == "anyOf"
                && node.get("nullable").and_then(Value::as_bool) == Some(true)
            {
                // The `anyOf` that `nullable` on a `$ref` became: branch 0 is the node itself,
                // branch 1 the `null` alternative, which the spec does not spell out.
                if segments.get(i + 1).map(String::as_str) != Some("0") {
                    return None;
                }
                i += 1;
            } else {
                return None;
            }
            i += 1;
        }
        covering(readings, &pointer, None)
    }
}
