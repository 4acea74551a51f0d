//! Choosing the operations and everything they reach: the path items with only the selected
//! methods, every component a `$ref` leads to (transitively, through components, parameters,
//! responses, headers, examples and request bodies alike), the security schemes they require,
//! the servers, and the tags they name.
//!
//! The document is assembled at the vendor's own pointers (`/components/schemas/issue` stays
//! `/components/schemas/issue`), so a pointer into the written spec is a pointer into the
//! vendor's document too.

use std::collections::{BTreeSet, HashMap};

use serde_yaml::{Mapping, Value};
use specs::Pointer;

use crate::source::{OperationRef, Source, METHODS};
use crate::tree::{self, key, key_text};
use crate::ImportError;

/// The top-level members the written spec keeps, in OpenAPI's order for those the vendor's
/// document lacks.
const KEPT: [&str; 8] = [
    "openapi",
    "info",
    "servers",
    "security",
    "tags",
    "externalDocs",
    "paths",
    "components",
];

/// Finds the operations named by `wanted`, each an `operationId` or `METHOD /path`, in the
/// document's order; one that names nothing is an error that lists close matches.
pub(crate) fn find_operations(
    source: &Source,
    wanted: &[String],
) -> Result<Vec<OperationRef>, ImportError> {
    let all = source.operations()?;
    let mut chosen = BTreeSet::new();
    for name in wanted {
        let name = name.trim();
        let found = all.iter().position(|op| names(op, name));
        match found {
            Some(i) => {
                chosen.insert(i);
            }
            None => return Err(unknown_operation(source, &all, name)),
        }
    }
    Ok(chosen.into_iter().map(|i| all[i].clone()).collect())
}

/// Whether `name` names `op`: its `operationId`, or its method and path (`get /a`, any case
/// of the method).
fn names(op: &OperationRef, name: &str) -> bool {
    if op.id.as_deref() == Some(name) {
        return true;
    }
    match name.split_once(' ') {
        Some((method, path)) => method.eq_ignore_ascii_case(&op.method) && path.trim() == op.path,
        None => false,
    }
}

fn unknown_operation(source: &Source, all: &[OperationRef], name: &str) -> ImportError {
    let stem = name.split(['/', ' ', '-', '_']).next().unwrap_or(name);
    let close: Vec<String> = all
        .iter()
        .filter_map(|op| op.id.clone())
        .filter(|id| !stem.is_empty() && id.starts_with(stem))
        .take(8)
        .collect();
    let hint = match close.is_empty() {
        true => String::new(),
        false => format!("; operations that start alike: {}", close.join(", ")),
    };
    source.error(
        "/paths",
        format!(
            "no operation has the operationId `{name}`, and no `METHOD /path` names one ({} operations){hint}",
            all.len()
        ),
    )
}

/// The document with the selected operations and everything they reach, at the vendor's
/// pointers.
pub(crate) fn assemble(source: &Source, ops: &[OperationRef]) -> Result<Value, ImportError> {
    let mut paths = Mapping::new();
    for op in ops {
        if paths.contains_key(op.path.as_str()) {
            continue;
        }
        let chosen: Vec<&str> = ops
            .iter()
            .filter(|o| o.path == op.path)
            .map(|o| o.method.as_str())
            .collect();
        paths.insert(key(&op.path), path_item(source, &op.path, &chosen)?);
    }
    let mut doc = Mapping::new();
    for name in ordered_top_keys(source) {
        let value = match name.as_str() {
            "paths" => Value::Mapping(paths.clone()),
            "components" => Value::Mapping(Mapping::new()),
            "tags" => match tags(source, ops)? {
                Some(tags) => tags,
                None => continue,
            },
            other => match source.node(&Pointer::root().join(other))? {
                Some(v) => v,
                None => continue,
            },
        };
        doc.insert(key(&name), value);
    }
    let mut doc = Value::Mapping(doc);
    complete(&mut doc, Some(source))?;
    Ok(doc)
}

/// The kept top-level members: in the vendor's order, then the missing ones of `paths` and
/// `components`.
fn ordered_top_keys(source: &Source) -> Vec<String> {
    let mut out: Vec<String> = source
        .top_keys()
        .into_iter()
        .filter(|k| KEPT.contains(&k.as_str()))
        .collect();
    for needed in ["paths", "components"] {
        if !out.iter().any(|k| k == needed) {
            out.push(needed.to_string());
        }
    }
    out
}

/// The path item at `path` with only the `chosen` methods (and its other members: summary,
/// description, servers, parameters, extensions).
fn path_item(source: &Source, path: &str, chosen: &[&str]) -> Result<Value, ImportError> {
    let at = Pointer::root().join("paths").join(path);
    let Some(Value::Mapping(item)) = source.node(&at)? else {
        return Err(source.error(&at, "the path item is not a mapping"));
    };
    if item.contains_key("$ref") {
        return Err(source.error(
            &at.join("$ref"),
            "a path item that is a `$ref` is not supported: progenitor cannot take it",
        ));
    }
    let kept = item
        .into_iter()
        .filter(|(k, _)| {
            let k = key_text(k);
            !METHODS.contains(&k) || chosen.contains(&k)
        })
        .collect();
    Ok(Value::Mapping(kept))
}

/// The tag objects the selected operations name, in the document's order.
fn tags(source: &Source, ops: &[OperationRef]) -> Result<Option<Value>, ImportError> {
    let Some(Value::Sequence(all)) = source.node(&Pointer::root().join("tags"))? else {
        return Ok(None);
    };
    let mut named = BTreeSet::new();
    for op in ops {
        if let Some(Value::Sequence(list)) = source.node(&op.pointer().join("tags"))? {
            named.extend(list.iter().filter_map(Value::as_str).map(str::to_string));
        }
    }
    let kept: Vec<Value> = all
        .into_iter()
        .filter(|t| tree::str_member(t, "name").is_some_and(|n| named.contains(n)))
        .collect();
    Ok((!kept.is_empty()).then_some(Value::Sequence(kept)))
}

/// A component: its section (`schemas`) and name.
type Component = (String, String);

/// Makes `doc` hold exactly the components it reaches from its paths and its security: a
/// missing one is copied from `source` (an error when there is none, or no source), an
/// unreached one is dropped; then the components are put in the vendor's order.
pub(crate) fn complete(doc: &mut Value, source: Option<&Source>) -> Result<(), ImportError> {
    let mut reached: BTreeSet<Component> = BTreeSet::new();
    let mut todo: Vec<(String, Pointer)> = Vec::new();
    if let Some(paths) = doc.get("paths") {
        refs(
            paths,
            &Pointer::root().join("paths"),
            Role::Names,
            &mut todo,
        );
    }
    security_refs(doc, &mut todo);
    while let Some((reference, at)) = todo.pop() {
        let Some(component) = local_component(doc, source, &reference, &at)? else {
            continue;
        };
        if !reached.insert(component.clone()) {
            continue;
        }
        let pointer = component_pointer(&component);
        if tree::get(doc, &pointer).is_none() {
            let copied = fetch(source, &component, &reference, &at)?;
            tree::set(doc, &pointer, copied);
        }
        let role = match component.0.as_str() {
            "examples" => Role::Example,
            _ => Role::Object,
        };
        if let Some(node) = tree::get(doc, &pointer) {
            refs(node, &pointer, role, &mut todo);
        }
    }
    let ranks = source.map(Source::component_ranks).unwrap_or_default();
    reorder_components(doc, &reached, &ranks);
    Ok(())
}

fn component_pointer((section, name): &Component) -> Pointer {
    Pointer::root().join("components").join(section).join(name)
}

/// The component a local reference leads into, or `None` for a local reference elsewhere
/// that the document holds; anything else is an error located at the reference.
fn local_component(
    doc: &Value,
    source: Option<&Source>,
    reference: &str,
    at: &Pointer,
) -> Result<Option<Component>, ImportError> {
    let error = |problem: String| match source {
        Some(s) => s.error(at, problem),
        None => ImportError::new("(imported document)", at, problem),
    };
    let Some(target) = reference.strip_prefix('#') else {
        return Err(error(format!(
            "`{reference}` is an external reference: bundle the document into one file first"
        )));
    };
    let pointer = Pointer::parse(target)
        .map_err(|e| error(format!("`{reference}` is not a JSON pointer: {e}")))?;
    match pointer.segments().as_slice() {
        [c, section, name, ..] if c == "components" => Ok(Some((section.clone(), name.clone()))),
        _ if tree::get(doc, &pointer).is_some() => Ok(None),
        _ => Err(error(format!(
            "`{reference}` leads outside the components and the imported operations"
        ))),
    }
}

/// A component of the vendor's document, copied.
fn fetch(
    source: Option<&Source>,
    component: &Component,
    reference: &str,
    at: &Pointer,
) -> Result<Value, ImportError> {
    let pointer = component_pointer(component);
    let Some(source) = source else {
        return Err(ImportError::new(
            "(imported document)",
            at,
            format!("`{reference}` does not resolve"),
        ));
    };
    source.node(&pointer)?.ok_or_else(|| {
        source.error(
            at,
            format!("`{reference}` does not resolve: the document has no {pointer}"),
        )
    })
}

/// The security schemes named by the `security` requirements of the document and of its
/// operations, as references.
fn security_refs(doc: &Value, todo: &mut Vec<(String, Pointer)>) {
    let mut lists = vec![(Pointer::root().join("security"), doc.get("security"))];
    for (path, item) in doc
        .get("paths")
        .and_then(Value::as_mapping)
        .into_iter()
        .flatten()
    {
        for (method, op) in item.as_mapping().into_iter().flatten() {
            let at = Pointer::root()
                .join("paths")
                .join(key_text(path))
                .join(key_text(method))
                .join("security");
            lists.push((at, op.get("security")));
        }
    }
    for (at, list) in lists {
        for (i, requirement) in list
            .and_then(Value::as_sequence)
            .into_iter()
            .flatten()
            .enumerate()
        {
            for name in requirement
                .as_mapping()
                .into_iter()
                .flatten()
                .map(|(k, _)| k)
            {
                let reference = format!(
                    "#/components/securitySchemes/{}",
                    specs::pointer::escape(key_text(name))
                );
                todo.push((reference, at.join(&i.to_string())));
            }
        }
    }
}

/// How the keys of a node are to be read while looking for references.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    /// An OpenAPI or schema object: its keys are keywords.
    Object,
    /// A map of names to objects (`properties`, `responses`, `content`, ...).
    Names,
    /// An Example object, whose `value` is literal data.
    Example,
}

/// Keywords whose values are literal data, never followed.
const LITERAL: [&str; 4] = ["example", "default", "enum", "const"];

/// Keywords whose values map names to objects.
const NAME_MAPS: [&str; 16] = [
    "properties",
    "patternProperties",
    "definitions",
    "$defs",
    "paths",
    "responses",
    "content",
    "headers",
    "links",
    "callbacks",
    "encoding",
    "schemas",
    "parameters",
    "requestBodies",
    "securitySchemes",
    "dependentSchemas",
];

/// Every `$ref` under `node` (at `at`), with the pointer of the object that holds it.
fn refs(node: &Value, at: &Pointer, role: Role, out: &mut Vec<(String, Pointer)>) {
    match node {
        Value::Mapping(map) => {
            for (k, v) in map {
                let k = key_text(k);
                let here = at.join(k);
                match role {
                    Role::Names => refs(v, &here, Role::Object, out),
                    _ if k == "$ref" => {
                        if let Some(r) = v.as_str() {
                            out.push((r.to_string(), at.clone()));
                        }
                    }
                    Role::Example if k == "value" => {}
                    _ if LITERAL.contains(&k) => {}
                    _ if k == "examples" && v.is_mapping() => {
                        for (name, example) in v.as_mapping().into_iter().flatten() {
                            refs(example, &here.join(key_text(name)), Role::Example, out);
                        }
                    }
                    _ if k == "examples" => {}
                    _ if k == "discriminator" => discriminator_refs(v, &here, out),
                    _ if NAME_MAPS.contains(&k) && v.is_mapping() => {
                        refs(v, &here, Role::Names, out)
                    }
                    _ => refs(v, &here, Role::Object, out),
                }
            }
        }
        Value::Sequence(items) => {
            for (i, item) in items.iter().enumerate() {
                refs(item, &at.join(&i.to_string()), Role::Object, out);
            }
        }
        _ => {}
    }
}

/// A discriminator's `mapping` names schemas by reference (or by bare name).
fn discriminator_refs(node: &Value, at: &Pointer, out: &mut Vec<(String, Pointer)>) {
    let Some(mapping) = node.get("mapping").and_then(Value::as_mapping) else {
        return;
    };
    for (name, target) in mapping {
        let Some(target) = target.as_str() else {
            continue;
        };
        let reference = match target.contains('#') || target.contains('/') {
            true => target.to_string(),
            false => format!("#/components/schemas/{}", specs::pointer::escape(target)),
        };
        out.push((reference, at.join("mapping").join(key_text(name))));
    }
}

/// Keeps only the `reached` components, sections and names in the vendor's order (those the
/// vendor's document does not have, which an overlay added, after them in their own order).
fn reorder_components(
    doc: &mut Value,
    reached: &BTreeSet<Component>,
    ranks: &HashMap<(String, String), usize>,
) {
    let Some(Value::Mapping(components)) = doc.get_mut("components") else {
        return;
    };
    let mut entries: Vec<(usize, usize, String, String, Value)> = Vec::new();
    let mut position = 0;
    for (section_key, names) in std::mem::take(components) {
        let section = key_text(&section_key).to_string();
        let Value::Mapping(names) = names else {
            continue;
        };
        for (name, value) in names {
            let name = key_text(&name).to_string();
            position += 1;
            if !reached.contains(&(section.clone(), name.clone())) {
                continue;
            }
            let rank = ranks
                .get(&(section.clone(), name.clone()))
                .copied()
                .unwrap_or(usize::MAX);
            entries.push((rank, position, section.clone(), name, value));
        }
    }
    entries.sort_by_key(|(rank, position, ..)| (*rank, *position));
    let mut out = Mapping::new();
    for (_, _, section, name, value) in entries {
        let names = out
            .entry(key(&section))
            .or_insert_with(|| Value::Mapping(Mapping::new()));
        if let Value::Mapping(names) = names {
            names.insert(key(&name), value);
        }
    }
    *components = out;
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = r##"
openapi: 3.0.3
info: {title: T, version: "1"}
x-vendor-top: dropped
tags: [{name: a, description: kept}, {name: b}]
servers: [{url: "https://api.example"}]
paths:
  /a:
    parameters: [{$ref: "#/components/parameters/p"}]
    get:
      operationId: get-a
      tags: [a]
      security: [{key: []}]
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: "#/components/schemas/A"}
              examples:
                one: {$ref: "#/components/examples/E"}
                two: {value: {$ref: "not followed: literal data"}}
    post:
      operationId: post-a
      responses: {"201": {$ref: "#/components/responses/R"}}
  /b:
    get: {operationId: get-b, responses: {"200": {description: ok}}}
components:
  securitySchemes:
    key: {type: apiKey, in: header, name: K}
    other: {type: http, scheme: bearer}
  parameters:
    p: {name: p, in: query, schema: {$ref: "#/components/schemas/C"}}
  examples:
    E: {value: {x: 1}}
  responses:
    R: {description: r}
  schemas:
    Unused: {type: string}
    C: {type: string, default: {$ref: literal}}
    A:
      type: object
      properties:
        default: {$ref: "#/components/schemas/B"}
        example: {type: string, example: {$ref: literal}}
    B: {allOf: [{$ref: "#/components/schemas/C"}]}
"##;

    fn source(text: &str) -> Source<'_> {
        Source::parse("doc.yaml", text).unwrap()
    }

    fn wanted(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn reaches_exactly_the_components_of_the_selected_operations() {
        let s = source(DOC);
        let ops = find_operations(&s, &wanted(&["get-a"])).unwrap();
        let doc = assemble(&s, &ops).unwrap();
        let text = serde_yaml::to_string(&doc).unwrap();
        let components: Vec<String> = doc["components"]
            .as_mapping()
            .unwrap()
            .iter()
            .flat_map(|(s, names)| {
                names
                    .as_mapping()
                    .unwrap()
                    .keys()
                    .map(move |n| format!("{}/{}", key_text(s), key_text(n)))
            })
            .collect();
        // The vendor's order, refs through parameters, examples and allOf followed; literal
        // data and an unused scheme left alone.
        assert_eq!(
            components,
            [
                "securitySchemes/key",
                "parameters/p",
                "examples/E",
                "schemas/C",
                "schemas/A",
                "schemas/B"
            ],
            "{text}"
        );
        assert!(doc["paths"]["/a"].get("post").is_none());
        assert!(doc.get("x-vendor-top").is_none());
        assert_eq!(doc["tags"].as_sequence().unwrap().len(), 1);
        let top: Vec<&str> = doc.as_mapping().unwrap().keys().map(key_text).collect();
        assert_eq!(
            top,
            ["openapi", "info", "tags", "servers", "paths", "components"]
        );
    }

    #[test]
    fn operations_are_named_by_id_or_method_and_path() {
        let s = source(DOC);
        let ops = find_operations(&s, &wanted(&["GET /b", "post-a", "get /b"])).unwrap();
        let labels: Vec<String> = ops.iter().map(OperationRef::label).collect();
        assert_eq!(labels, ["POST /a", "GET /b"]);
        let err = find_operations(&s, &wanted(&["get-c"]))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("doc.yaml: at /paths: no operation has the operationId `get-c`"),
            "{err}"
        );
        assert!(err.contains("start alike: get-a, get-b"), "{err}");
    }

    #[test]
    fn an_unresolvable_reference_is_located() {
        let text = DOC.replace(
            "#/components/schemas/C\"}]",
            "#/components/schemas/Gone\"}]",
        );
        let s = source(&text);
        let ops = find_operations(&s, &wanted(&["get-a"])).unwrap();
        let err = assemble(&s, &ops).unwrap_err().to_string();
        assert!(
            err.contains(
                "at /components/schemas/B/allOf/0: `#/components/schemas/Gone` does not resolve"
            ),
            "{err}"
        );
        let external = DOC.replace("#/components/responses/R", "other.yaml#/R");
        let s = source(&external);
        let ops = find_operations(&s, &wanted(&["post-a"])).unwrap();
        let err = assemble(&s, &ops).unwrap_err().to_string();
        assert!(
            err.contains("/responses/201: `other.yaml#/R` is an external reference"),
            "{err}"
        );
    }

    #[test]
    fn complete_drops_what_is_no_longer_reached() {
        let s = source(DOC);
        let ops = find_operations(&s, &wanted(&["get-a"])).unwrap();
        let mut doc = assemble(&s, &ops).unwrap();
        tree::set(
            &mut doc,
            &Pointer::parse("/components/schemas/A/properties/default").unwrap(),
            serde_yaml::from_str("{type: string}").unwrap(),
        );
        complete(&mut doc, Some(&s)).unwrap();
        assert!(doc["components"]["schemas"].get("B").is_none());
        assert!(doc["components"]["schemas"].get("C").is_some());
    }
}
