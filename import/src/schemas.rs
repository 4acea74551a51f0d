//! Every schema object of a document, visited in place with its pointer: the components'
//! schemas, and the schemas of parameters, headers, media types (responses and request
//! bodies), in components and in operations alike, then every subschema of each.
//!
//! The visitor runs on a node before its subschemas, so a rewrite of the node (a branch
//! removed from an `anyOf`) decides which subschemas are then visited.

use serde_yaml::{Mapping, Value};
use specs::Pointer;

use crate::source::METHODS;
use crate::tree::key_text;

/// What is done to each schema object: `Err` stops the walk.
pub(crate) type Visit<'f, E> = &'f mut dyn FnMut(&mut Mapping, &Pointer) -> Result<(), E>;

/// Subschema keywords whose value is one schema.
const ONE: [&str; 10] = [
    "items",
    "additionalProperties",
    "not",
    "contains",
    "if",
    "then",
    "else",
    "unevaluatedProperties",
    "propertyNames",
    "contentSchema",
];
/// Subschema keywords whose value is a list of schemas.
const LIST: [&str; 4] = ["allOf", "anyOf", "oneOf", "prefixItems"];
/// Subschema keywords whose value maps names to schemas.
const MAP: [&str; 4] = [
    "properties",
    "patternProperties",
    "dependentSchemas",
    "$defs",
];

/// Visits every schema of `doc`.
pub(crate) fn visit<E>(doc: &mut Value, f: Visit<'_, E>) -> Result<(), E> {
    let root = Pointer::root();
    if let Some(Value::Mapping(paths)) = doc.get_mut("paths") {
        let at = root.join("paths");
        for (path, item) in paths.iter_mut() {
            path_item(item, &at.join(key_text(path)), f)?;
        }
    }
    let Some(Value::Mapping(components)) = doc.get_mut("components") else {
        return Ok(());
    };
    let at = root.join("components");
    for (section, entries) in components.iter_mut() {
        let section = key_text(section).to_string();
        let Value::Mapping(entries) = entries else {
            continue;
        };
        for (name, node) in entries.iter_mut() {
            let here = at.join(&section).join(key_text(name));
            match section.as_str() {
                "schemas" => schema(node, &here, f)?,
                "parameters" | "headers" => parameter(node, &here, f)?,
                "responses" => response(node, &here, f)?,
                "requestBodies" => content(node, &here, f)?,
                _ => {}
            }
        }
    }
    Ok(())
}

fn path_item<E>(item: &mut Value, at: &Pointer, f: Visit<'_, E>) -> Result<(), E> {
    let Value::Mapping(item) = item else {
        return Ok(());
    };
    for (k, v) in item.iter_mut() {
        let k = key_text(k).to_string();
        match k.as_str() {
            "parameters" => each(v, &at.join(&k), f, parameter)?,
            m if METHODS.contains(&m) => operation(v, &at.join(&k), f)?,
            _ => {}
        }
    }
    Ok(())
}

fn operation<E>(op: &mut Value, at: &Pointer, f: Visit<'_, E>) -> Result<(), E> {
    if let Some(params) = op.get_mut("parameters") {
        each(params, &at.join("parameters"), f, parameter)?;
    }
    if let Some(body) = op.get_mut("requestBody") {
        content(body, &at.join("requestBody"), f)?;
    }
    if let Some(Value::Mapping(responses)) = op.get_mut("responses") {
        let here = at.join("responses");
        for (status, r) in responses.iter_mut() {
            response(r, &here.join(key_text(status)), f)?;
        }
    }
    Ok(())
}

/// Each element of a list.
fn each<E>(
    list: &mut Value,
    at: &Pointer,
    f: Visit<'_, E>,
    visit: fn(&mut Value, &Pointer, Visit<'_, E>) -> Result<(), E>,
) -> Result<(), E> {
    if let Value::Sequence(items) = list {
        for (i, item) in items.iter_mut().enumerate() {
            visit(item, &at.join(&i.to_string()), f)?;
        }
    }
    Ok(())
}

/// A parameter or a header: its `schema`, or the schemas of its `content`.
fn parameter<E>(node: &mut Value, at: &Pointer, f: Visit<'_, E>) -> Result<(), E> {
    if let Some(s) = node.get_mut("schema") {
        schema(s, &at.join("schema"), f)?;
    }
    content(node, at, f)
}

fn response<E>(node: &mut Value, at: &Pointer, f: Visit<'_, E>) -> Result<(), E> {
    if let Some(Value::Mapping(headers)) = node.get_mut("headers") {
        let here = at.join("headers");
        for (name, h) in headers.iter_mut() {
            parameter(h, &here.join(key_text(name)), f)?;
        }
    }
    content(node, at, f)
}

/// The schemas of a node's `content` media types.
fn content<E>(node: &mut Value, at: &Pointer, f: Visit<'_, E>) -> Result<(), E> {
    let Some(Value::Mapping(media)) = node.get_mut("content") else {
        return Ok(());
    };
    let here = at.join("content");
    for (name, m) in media.iter_mut() {
        if let Some(s) = m.get_mut("schema") {
            schema(s, &here.join(key_text(name)).join("schema"), f)?;
        }
    }
    Ok(())
}

/// A schema object and, after it, its subschemas.
pub(crate) fn schema<E>(node: &mut Value, at: &Pointer, f: Visit<'_, E>) -> Result<(), E> {
    let Value::Mapping(map) = node else {
        return Ok(());
    };
    f(map, at)?;
    for (k, v) in map.iter_mut() {
        let k = key_text(k).to_string();
        let here = at.join(&k);
        if ONE.contains(&k.as_str()) {
            schema(v, &here, f)?;
        } else if LIST.contains(&k.as_str()) {
            each(v, &here, f, schema)?;
        } else if MAP.contains(&k.as_str()) {
            if let Value::Mapping(named) = v {
                for (name, s) in named.iter_mut() {
                    schema(s, &here.join(key_text(name)), f)?;
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn visits_every_schema_once_with_its_pointer() {
        let mut doc: Value = serde_yaml::from_str(
            r##"
paths:
  /a:
    parameters: [{name: p, in: query, schema: {type: string}}]
    get:
      requestBody: {content: {application/json: {schema: {type: object}}}}
      responses:
        "200":
          headers: {Link: {schema: {type: string}}}
          content: {application/json: {schema: {type: array, items: {$ref: "#/components/schemas/A"}}}}
components:
  schemas:
    A:
      allOf: [{type: object}]
      properties: {x: {not: {type: string}}, example: {type: string}}
      additionalProperties: false
      example: {properties: {ignored: {}}}
  headers:
    H: {content: {text/plain: {schema: {type: string}}}}
  examples:
    E: {value: {schema: {}}}
"##,
        )
        .unwrap();
        let mut seen = Vec::new();
        visit::<()>(&mut doc, &mut |_, at| {
            seen.push(at.to_string());
            Ok(())
        })
        .unwrap();
        assert_eq!(
            seen,
            [
                "/paths/~1a/parameters/0/schema",
                "/paths/~1a/get/requestBody/content/application~1json/schema",
                "/paths/~1a/get/responses/200/headers/Link/schema",
                "/paths/~1a/get/responses/200/content/application~1json/schema",
                "/paths/~1a/get/responses/200/content/application~1json/schema/items",
                "/components/schemas/A",
                "/components/schemas/A/allOf/0",
                "/components/schemas/A/properties/x",
                "/components/schemas/A/properties/x/not",
                "/components/schemas/A/properties/example",
                "/components/headers/H/content/text~1plain/schema",
            ]
        );
    }
}
