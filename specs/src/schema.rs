//! OpenAPI 3.0 schemas as JSON Schema (draft 2020-12), so bodies can be validated.
//!
//! OpenAPI 3.0 schemas are *almost* JSON Schema: `nullable` has no JSON Schema keyword, and
//! `$ref`s point into `#/components/schemas`. Everything else (`example`, `x-*`) is an
//! annotation that validators ignore.

use serde_json::{json, Map, Value};

use crate::extensions::resolve;

/// The spec's component schemas converted to JSON Schema, ready to hand to a validator.
#[derive(Debug, Clone)]
pub struct JsonSchemas {
    raw: Value,
    defs: Map<String, Value>,
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

    /// The JSON body schema of one documented response of an operation, by status (`"200"`).
    ///
    /// `operation_pointer` is [`crate::Operation::pointer`]. `None` when the status is not
    /// documented or has no `application/json` body.
    pub fn response(&self, operation_pointer: &str, status: &str) -> Option<Value> {
        let response = self
            .raw
            .pointer(&format!("{operation_pointer}/responses/{status}"))?;
        let response = resolve(&self.raw, response);
        let schema = response.pointer("/content/application~1json/schema")?;
        Some(self.standalone(schema))
    }

    /// Names of the response headers documented for a status, e.g. `Retry-After` on 429.
    pub fn response_headers(&self, operation_pointer: &str, status: &str) -> Vec<String> {
        self.raw
            .pointer(&format!("{operation_pointer}/responses/{status}"))
            .map(|r| resolve(&self.raw, r))
            .and_then(|r| r.get("headers"))
            .and_then(|h| h.as_object())
            .map(|h| h.keys().cloned().collect())
            .unwrap_or_default()
    }
}
