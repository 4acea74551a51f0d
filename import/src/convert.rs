//! OpenAPI 3.1 to 3.0.3, which the spec reader and progenitor take. Each rule keeps what the
//! schema accepts; a keyword with no 3.0 form is refused with its pointer.
//!
//! | 3.1 | 3.0.3 |
//! |---|---|
//! | `type: [T, "null"]` | `type: T`, `nullable: true` |
//! | `anyOf`/`oneOf` with a `{type: "null"}` branch | the other branches, `nullable: true` (one `$ref` left: `allOf: [$ref]`) |
//! | `examples: [a, …]` on a schema | `example: a` |
//! | `const: v` | `enum: [v]` |
//! | `exclusiveMinimum: n` (a number) | `minimum: n`, `exclusiveMinimum: true` (and the same for the maximum) |
//! | `$comment`, `$schema`; `info.summary`, `info.license.identifier` | dropped (annotations 3.0 has no field for) |
//!
//! Refused: a type list of several non-null types, a schema that is only `null`, and the
//! keywords of JSON Schema 2020-12 that OpenAPI 3.0 lacks (`prefixItems`, `$defs`, `if`, …).

use std::collections::BTreeMap;

use serde_yaml::{Mapping, Value};
use specs::Pointer;

use crate::schemas;
use crate::tree::{self, key};
use crate::ImportError;

/// The version the import writes.
pub(crate) const OPENAPI_3_0: &str = "3.0.3";

/// Keywords of JSON Schema 2020-12 that OpenAPI 3.0 has no form for.
const REFUSED: [&str; 18] = [
    "prefixItems",
    "$defs",
    "$id",
    "$anchor",
    "$dynamicRef",
    "$dynamicAnchor",
    "if",
    "then",
    "else",
    "dependentSchemas",
    "dependentRequired",
    "unevaluatedProperties",
    "unevaluatedItems",
    "contains",
    "minContains",
    "maxContains",
    "propertyNames",
    "patternProperties",
];

/// What the conversion did: for each rule, how many nodes it rewrote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Conversion {
    /// The document's version before (`3.1.0`).
    pub from: String,
    /// Rule → nodes rewritten.
    pub rules: BTreeMap<&'static str, usize>,
}

impl Conversion {
    fn count(&mut self, rule: &'static str) {
        *self.rules.entry(rule).or_default() += 1;
    }

    /// The lines of the spec's header: `converted from OpenAPI 3.1.0 to 3.0.3:`, then one
    /// line per rule applied (`  2 × const → enum`).
    pub fn summary(&self) -> Vec<String> {
        let nothing = match self.rules.is_empty() {
            true => " nothing to rewrite",
            false => "",
        };
        let mut lines = vec![format!(
            "converted from OpenAPI {} to {OPENAPI_3_0}:{nothing}",
            self.from
        )];
        lines.extend(self.rules.iter().map(|(rule, n)| format!("  {n} × {rule}")));
        lines
    }
}

/// Converts the assembled document in place; `file` names the vendor's document in errors.
pub(crate) fn convert(
    doc: &mut Value,
    file: &str,
    conversion: &mut Conversion,
) -> Result<(), ImportError> {
    tree::set(doc, &Pointer::root().join("openapi"), key(OPENAPI_3_0));
    for (at, rule) in [
        ("/info/summary", "info.summary dropped"),
        (
            "/info/license/identifier",
            "info.license.identifier dropped",
        ),
    ] {
        if tree::remove(doc, &Pointer::parse(at).unwrap_or_default()) {
            conversion.count(rule);
        }
    }
    schemas::visit(doc, &mut |schema, at| {
        convert_schema(schema, conversion).map_err(|problem| ImportError::new(file, at, problem))
    })
}

/// Converts one schema object (not its subschemas).
fn convert_schema(schema: &mut Mapping, c: &mut Conversion) -> Result<(), String> {
    if let Some(keyword) = REFUSED.iter().find(|k| schema.contains_key(**k)) {
        return Err(format!(
            "`{keyword}` (JSON Schema 2020-12) has no OpenAPI 3.0 form: the import cannot convert this schema"
        ));
    }
    for annotation in ["$comment", "$schema"] {
        if schema.shift_remove(annotation).is_some() {
            c.count("$comment/$schema dropped");
        }
    }
    type_list(schema, c)?;
    null_branch(schema, c)?;
    examples(schema, c);
    constant(schema, c)?;
    exclusive(schema, "exclusiveMinimum", "minimum", c);
    exclusive(schema, "exclusiveMaximum", "maximum", c);
    Ok(())
}

/// `type: [T, "null"]` → `type: T, nullable: true`.
fn type_list(schema: &mut Mapping, c: &mut Conversion) -> Result<(), String> {
    match schema.get("type") {
        Some(Value::Sequence(types)) => {
            let names: Vec<&str> = types.iter().filter_map(Value::as_str).collect();
            let others: Vec<&str> = names.iter().copied().filter(|t| *t != "null").collect();
            let nullable = others.len() < names.len();
            let only = match others.as_slice() {
                [one] => one.to_string(),
                [] => {
                    return Err("a schema whose only type is `null` has no OpenAPI 3.0 form".into())
                }
                several => {
                    return Err(format!(
                        "a schema of several types ({}) has no OpenAPI 3.0 form",
                        several.join(", ")
                    ))
                }
            };
            schema.insert(key("type"), key(&only));
            if nullable {
                schema.insert(key("nullable"), Value::Bool(true));
            }
            c.count("type lists → type (and nullable)");
            Ok(())
        }
        Some(Value::String(t)) if t == "null" => {
            Err("a schema whose only type is `null` has no OpenAPI 3.0 form".into())
        }
        _ => Ok(()),
    }
}

/// Whether a branch is `{type: "null"}` (or `{type: ["null"]}`).
fn is_null_schema(branch: &Value) -> bool {
    match branch.get("type") {
        Some(Value::String(t)) => t == "null",
        Some(Value::Sequence(ts)) => ts.len() == 1 && ts[0].as_str() == Some("null"),
        _ => false,
    }
}

/// `anyOf`/`oneOf` with a null branch → the other branches and `nullable: true`.
fn null_branch(schema: &mut Mapping, c: &mut Conversion) -> Result<(), String> {
    for keyword in ["anyOf", "oneOf"] {
        let Some(Value::Sequence(branches)) = schema.get(keyword) else {
            continue;
        };
        if !branches.iter().any(is_null_schema) {
            continue;
        }
        let rest: Vec<Value> = branches
            .iter()
            .filter(|b| !is_null_schema(b))
            .cloned()
            .collect();
        schema.shift_remove(keyword);
        match rest.as_slice() {
            [] => {
                return Err(format!(
                    "`{keyword}` of `null` alone has no OpenAPI 3.0 form"
                ))
            }
            [Value::Mapping(one)] if !one.contains_key("$ref") => {
                for (k, v) in one {
                    schema.entry(k.clone()).or_insert_with(|| v.clone());
                }
            }
            [one] => {
                schema.insert(key("allOf"), Value::Sequence(vec![one.clone()]));
            }
            _ => {
                schema.insert(key(keyword), Value::Sequence(rest));
            }
        }
        schema.insert(key("nullable"), Value::Bool(true));
        c.count("null branches → nullable");
    }
    Ok(())
}

/// `examples: [a, …]` → `example: a`.
fn examples(schema: &mut Mapping, c: &mut Conversion) {
    if !matches!(schema.get("examples"), Some(Value::Sequence(_))) {
        return;
    }
    if let Some(Value::Sequence(list)) = schema.shift_remove("examples") {
        if let Some(first) = list.into_iter().next() {
            schema.entry(key("example")).or_insert(first);
        }
        c.count("examples → example");
    }
}

/// `const: v` → `enum: [v]`.
fn constant(schema: &mut Mapping, c: &mut Conversion) -> Result<(), String> {
    let Some(value) = schema.shift_remove("const") else {
        return Ok(());
    };
    match schema.get("enum") {
        Some(Value::Sequence(values)) if !values.contains(&value) => {
            return Err("`const` outside the schema's own `enum` accepts nothing".into())
        }
        _ => {}
    }
    schema.insert(key("enum"), Value::Sequence(vec![value]));
    c.count("const → enum");
    Ok(())
}

/// A numeric `exclusiveMinimum: n` → `minimum: n, exclusiveMinimum: true`, unless an inclusive
/// `minimum` is stricter already (and the same for the maximum).
fn exclusive(schema: &mut Mapping, keyword: &str, bound: &str, c: &mut Conversion) {
    let Some(Value::Number(limit)) = schema.get(keyword).cloned() else {
        return;
    };
    let lower = keyword == "exclusiveMinimum";
    let stricter = schema
        .get(bound)
        .and_then(Value::as_f64)
        .zip(limit.as_f64())
        .is_some_and(|(inclusive, exclusive)| match lower {
            true => inclusive > exclusive,
            false => inclusive < exclusive,
        });
    if stricter {
        schema.shift_remove(keyword);
    } else {
        schema.insert(key(bound), Value::Number(limit));
        schema.insert(key(keyword), Value::Bool(true));
    }
    c.count("numeric exclusive bounds → boolean");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn convert_one(text: &str) -> Result<String, String> {
        let mut doc: Value = serde_yaml::from_str(&format!(
            "openapi: 3.1.0\ninfo: {{title: t, version: '1', summary: s}}\ncomponents:\n  schemas:\n    S: {text}\n"
        ))
        .unwrap();
        let mut c = Conversion {
            from: "3.1.0".into(),
            ..Conversion::default()
        };
        convert(&mut doc, "doc.yaml", &mut c).map_err(|e| e.to_string())?;
        assert_eq!(doc["openapi"], "3.0.3");
        assert!(doc["info"].get("summary").is_none());
        let s = serde_yaml::to_string(&doc["components"]["schemas"]["S"]).unwrap();
        Ok(s.trim_end().replace('\n', "; "))
    }

    #[test]
    fn each_rule_keeps_what_the_schema_accepts() {
        assert_eq!(
            convert_one("{type: [string, 'null']}").unwrap(),
            "type: string; nullable: true"
        );
        assert_eq!(convert_one("{type: [integer]}").unwrap(), "type: integer");
        assert_eq!(
            convert_one("{anyOf: [{$ref: '#/components/schemas/T'}, {type: 'null'}]}").unwrap(),
            "allOf:; - $ref: '#/components/schemas/T'; nullable: true"
        );
        assert_eq!(
            convert_one("{oneOf: [{type: string, format: uri}, {type: 'null'}]}").unwrap(),
            "type: string; format: uri; nullable: true"
        );
        assert_eq!(convert_one("{examples: [a, b]}").unwrap(), "example: a");
        assert_eq!(convert_one("{const: x}").unwrap(), "enum:; - x");
        assert_eq!(
            convert_one("{type: number, exclusiveMinimum: 0, exclusiveMaximum: 10, maximum: 5}")
                .unwrap(),
            "type: number; exclusiveMinimum: true; maximum: 5; minimum: 0"
        );
        assert_eq!(
            convert_one("{$comment: c, type: string}").unwrap(),
            "type: string"
        );
    }

    #[test]
    fn subschemas_are_converted_too() {
        assert_eq!(
            convert_one("{type: object, properties: {a: {type: [string, 'null']}}, items: {const: 1}}").unwrap(),
            "type: object; properties:;   a:;     type: string;     nullable: true; items:;   enum:;   - 1"
        );
    }

    #[test]
    fn what_has_no_3_0_form_is_refused_with_its_pointer() {
        let err = convert_one("{properties: {a: {prefixItems: [{}]}}}").unwrap_err();
        assert!(
            err.contains("doc.yaml: at /components/schemas/S/properties/a: `prefixItems`"),
            "{err}"
        );
        let err = convert_one("{type: [string, integer]}").unwrap_err();
        assert!(err.contains("several types (string, integer)"), "{err}");
        let err = convert_one("{type: 'null'}").unwrap_err();
        assert!(err.contains("only type is `null`"), "{err}");
        let err = convert_one("{const: a, enum: [b]}").unwrap_err();
        assert!(err.contains("`const` outside"), "{err}");
    }
}
