//! Checks for what progenitor 0.15 asserts or panics on, so that a malformed spec yields an
//! error naming the file and JSON pointer instead of a panic deep inside the generator.
//!
//! Each check below names the progenitor behaviour it guards against. The `specs` crate has
//! already checked the OpenAPI version, `operationId`s and our `x-` extensions; the checks that
//! overlap are repeated here because codegen must not depend on how its input was built.

use std::collections::BTreeMap;

use serde_json::{Map, Value};
use specs::{escape_pointer_segment, resolve, Spec};

use crate::CodegenError;

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

pub(crate) fn validate(spec: &Spec) -> Result<(), CodegenError> {
    let file = spec.file.as_str();
    let raw = &spec.raw;
    let err = |pointer: &str, problem: String| CodegenError::new(file, pointer, problem);

    // progenitor reads OpenAPI 3.0.x only (`validate_openapi`).
    let version = raw.get("openapi").and_then(Value::as_str).unwrap_or("");
    if !version.starts_with("3.0.") {
        return Err(err(
            "/openapi",
            format!("OpenAPI version `{version}` is not supported: progenitor reads 3.0.x only"),
        ));
    }

    // progenitor looks every `$ref` up with `unwrap` (util.rs: "key ... is missing").
    check_refs(file, raw, raw, "")?;
    // to_schema.rs: `todo!("exclusive_minimum set without minimum")`.
    check_exclusive_bounds(file, raw, "")?;

    let Some(paths) = raw.get("paths").and_then(Value::as_object) else {
        return Err(err("/paths", "the spec has no `paths` mapping".into()));
    };
    let mut operation_ids: BTreeMap<String, String> = BTreeMap::new();
    for (path, item) in paths {
        let item_ptr = format!("/paths/{}", escape_pointer_segment(path));
        // lib.rs: `ref_or_item.as_item().unwrap()`.
        if item.get("$ref").is_some() {
            return Err(err(
                &item_ptr,
                "path items given by `$ref` are not supported by progenitor".into(),
            ));
        }
        for method in METHODS {
            let Some(op) = item.get(method) else { continue };
            let op_ptr = format!("{item_ptr}/{method}");
            let id = op
                .get("operationId")
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .ok_or_else(|| {
                    err(
                        &op_ptr,
                        "every operation needs an `operationId` (progenitor names methods after it)"
                            .into(),
                    )
                })?;
            if let Some(first) = operation_ids.insert(id.to_string(), op_ptr.clone()) {
                return Err(err(
                    &format!("{op_ptr}/operationId"),
                    format!("operationId `{id}` is also used at {first}"),
                ));
            }
            check_path_params(file, raw, path, item, op, &item_ptr, &op_ptr)?;
            check_request_body(file, raw, op, &op_ptr)?;
            check_responses(file, raw, id, op, &op_ptr)?;
        }
    }
    Ok(())
}

/// Like [`resolve`], also returning the pointer of the node reached, so that errors point at
/// the definition rather than at the reference.
fn resolve_at<'a>(raw: &'a Value, mut value: &'a Value, pointer: &str) -> (&'a Value, String) {
    let mut pointer = pointer.to_string();
    for _ in 0..16 {
        match value
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix('#'))
            .and_then(|p| raw.pointer(p).map(|t| (p, t)))
        {
            Some((p, target)) => {
                pointer = p.to_string();
                value = target;
            }
            None => break,
        }
    }
    (value, pointer)
}

fn child(pointer: &str, key: &str) -> String {
    format!("{pointer}/{}", escape_pointer_segment(key))
}

/// Walks the document (skipping example values, which are data) and checks that every
/// `$ref` is local and resolves, and that refs do not only point at each other.
fn check_refs(file: &str, raw: &Value, value: &Value, pointer: &str) -> Result<(), CodegenError> {
    match value {
        Value::Object(map) => {
            if let Some(reference) = map.get("$ref") {
                let at = child(pointer, "$ref");
                let Some(target) = reference.as_str() else {
                    return Err(CodegenError::new(file, &at, "`$ref` must be a string"));
                };
                let Some(local) = target.strip_prefix('#') else {
                    return Err(CodegenError::new(
                        file,
                        &at,
                        format!("`{target}` is not a local reference (`#/...`); progenitor resolves local references only"),
                    ));
                };
                if raw.pointer(local).is_none() {
                    return Err(CodegenError::new(
                        file,
                        &at,
                        format!("`{target}` does not resolve to anything in this document"),
                    ));
                }
                let mut current = value;
                let mut hops = 0;
                while let Some(next) = current
                    .get("$ref")
                    .and_then(Value::as_str)
                    .and_then(|r| r.strip_prefix('#'))
                    .and_then(|p| raw.pointer(p))
                {
                    hops += 1;
                    if hops > 16 {
                        return Err(CodegenError::new(
                            file,
                            &at,
                            format!("`{target}` is part of a cycle of references"),
                        ));
                    }
                    current = next;
                }
            }
            walk_children(map, pointer, |v, p| check_refs(file, raw, v, p))
        }
        Value::Array(items) => items
            .iter()
            .enumerate()
            .try_for_each(|(i, v)| check_refs(file, raw, v, &format!("{pointer}/{i}"))),
        _ => Ok(()),
    }
}

/// Calls `f` on every child of an object except example data.
fn walk_children(
    map: &Map<String, Value>,
    pointer: &str,
    mut f: impl FnMut(&Value, &str) -> Result<(), CodegenError>,
) -> Result<(), CodegenError> {
    for (key, v) in map {
        match key.as_str() {
            "example" => continue,
            "examples" => {
                // Example objects: their `value` is data, the rest (a `$ref`) is structure.
                if let Some(examples) = v.as_object() {
                    for (name, example) in examples {
                        let at = child(&child(pointer, key), name);
                        if let Some(e) = example.as_object() {
                            for (k, ev) in e {
                                if k != "value" {
                                    f(ev, &child(&at, k))?;
                                }
                            }
                        }
                    }
                }
            }
            _ => f(v, &child(pointer, key))?,
        }
    }
    Ok(())
}

fn check_exclusive_bounds(file: &str, value: &Value, pointer: &str) -> Result<(), CodegenError> {
    match value {
        Value::Object(map) => {
            for (flag, bound) in [
                ("exclusiveMinimum", "minimum"),
                ("exclusiveMaximum", "maximum"),
            ] {
                if map.get(flag) == Some(&Value::Bool(true)) && !map.contains_key(bound) {
                    return Err(CodegenError::new(
                        file,
                        &child(pointer, flag),
                        format!("`{flag}: true` needs a `{bound}`; progenitor cannot convert this schema"),
                    ));
                }
            }
            walk_children(map, pointer, |v, p| check_exclusive_bounds(file, v, p))
        }
        Value::Array(items) => items
            .iter()
            .enumerate()
            .try_for_each(|(i, v)| check_exclusive_bounds(file, v, &format!("{pointer}/{i}"))),
        _ => Ok(()),
    }
}

/// method.rs panics with "... missing from path" when a path parameter is not in the template.
fn check_path_params(
    file: &str,
    raw: &Value,
    path: &str,
    item: &Value,
    op: &Value,
    item_ptr: &str,
    op_ptr: &str,
) -> Result<(), CodegenError> {
    let template: Vec<&str> = path
        .split('{')
        .skip(1)
        .filter_map(|s| s.split_once('}').map(|(name, _)| name))
        .collect();
    let mut declared = Vec::new();
    for (base, list) in [
        (item_ptr, item.get("parameters")),
        (op_ptr, op.get("parameters")),
    ] {
        for (i, p) in list
            .and_then(Value::as_array)
            .map(|l| l.iter().enumerate().collect::<Vec<_>>())
            .unwrap_or_default()
        {
            let p = resolve(raw, p);
            let at = format!("{base}/parameters/{i}");
            if p.get("in").and_then(Value::as_str) != Some("path") {
                continue;
            }
            let name = p.get("name").and_then(Value::as_str).unwrap_or("");
            if !template.contains(&name) {
                return Err(CodegenError::new(
                    file,
                    &at,
                    format!("path parameter `{name}` does not appear in the path `{path}`"),
                ));
            }
            if p.get("required") != Some(&Value::Bool(true)) {
                return Err(CodegenError::new(
                    file,
                    &at,
                    format!("path parameter `{name}` must be `required: true`"),
                ));
            }
            declared.push(name.to_string());
        }
    }
    if let Some(missing) = template.iter().find(|t| !declared.iter().any(|d| d == *t)) {
        return Err(CodegenError::new(
            file,
            op_ptr,
            format!("the path `{path}` has `{{{missing}}}` but no path parameter of that name"),
        ));
    }
    Ok(())
}

/// method.rs: `todo!("more media types than expected ...")` and "media type encoding".
fn check_request_body(
    file: &str,
    raw: &Value,
    op: &Value,
    op_ptr: &str,
) -> Result<(), CodegenError> {
    let Some(body) = op.get("requestBody") else {
        return Ok(());
    };
    let (body, body_ptr) = resolve_at(raw, body, &format!("{op_ptr}/requestBody"));
    let at = format!("{body_ptr}/content");
    let content = body.get("content").and_then(Value::as_object);
    if let Some(content) = content {
        if content.len() > 1 {
            return Err(CodegenError::new(
                file,
                &at,
                format!(
                    "the request body has {} media types; progenitor supports one",
                    content.len()
                ),
            ));
        }
        for (mt, media) in content {
            if media.get("schema").is_none() {
                return Err(CodegenError::new(
                    file,
                    &child(&at, mt),
                    "the request body media type has no `schema`",
                ));
            }
            no_encoding(file, media, &child(&at, mt), "a request body")?;
        }
    }
    Ok(())
}

/// What progenitor makes of one response's body.
#[derive(Debug, Clone, PartialEq, Eq)]
enum BodyKind {
    /// JSON with this schema (a `$ref` target, or the inline schema as JSON text).
    Json(String),
    /// Some other media type: a byte stream.
    Raw,
    /// No content.
    None,
}

impl BodyKind {
    fn describe(&self) -> String {
        match self {
            BodyKind::Json(s) => format!("JSON {s}"),
            BodyKind::Raw => "a non-JSON body".into(),
            BodyKind::None => "no body".into(),
        }
    }
}

/// method.rs `extract_responses`: `assert!(response_types.len() <= 1)`, once for the success
/// statuses and once for the error statuses; also the JSON media-type asserts.
fn check_responses(
    file: &str,
    raw: &Value,
    operation_id: &str,
    op: &Value,
    op_ptr: &str,
) -> Result<(), CodegenError> {
    let at = format!("{op_ptr}/responses");
    let Some(responses) = op.get("responses").and_then(Value::as_object) else {
        return Err(CodegenError::new(
            file,
            &at,
            format!("operation `{operation_id}` has no `responses`"),
        ));
    };
    let mut success: Vec<(String, BodyKind)> = Vec::new();
    let mut errors: Vec<(String, BodyKind)> = Vec::new();
    for (status, response) in responses {
        let status_ptr = child(&at, status);
        let (is_success, is_error) = classify_status(status).ok_or_else(|| {
            CodegenError::new(
                file,
                &status_ptr,
                format!("`{status}` is not a status code, a range such as `4XX`, or `default`"),
            )
        })?;
        let kind = body_kind(file, raw, response, &status_ptr)?;
        if is_success {
            success.push((status.clone(), kind.clone()));
        }
        if is_error {
            errors.push((status.clone(), kind));
        }
    }
    for (what, list) in [("success", &success), ("error", &errors)] {
        let mut distinct: Vec<&(String, BodyKind)> = Vec::new();
        for entry in list {
            if !distinct.iter().any(|d| d.1 == entry.1) {
                distinct.push(entry);
            }
        }
        if distinct.len() > 1 {
            let listed = distinct
                .iter()
                .map(|(status, kind)| format!("{status}: {}", kind.describe()))
                .collect::<Vec<_>>()
                .join("; ");
            return Err(CodegenError::new(
                file,
                &at,
                format!(
                    "operation `{operation_id}` has {} different {what} response bodies ({listed}); \
                     progenitor supports one {what} body per operation: give every {what} status the same schema",
                    distinct.len()
                ),
            ));
        }
    }
    Ok(())
}

/// `(counts as success, counts as error)` the way progenitor sorts statuses.
fn classify_status(status: &str) -> Option<(bool, bool)> {
    if status == "default" {
        return Some((true, true));
    }
    let bytes = status.as_bytes();
    if bytes.len() != 3 {
        return None;
    }
    if status[1..].eq_ignore_ascii_case("xx") {
        let class = (bytes[0] as char).to_digit(10)?;
        if !(1..=5).contains(&class) {
            return None;
        }
        return Some((class == 2, class == 4 || class == 5));
    }
    let code: u16 = status.parse().ok()?;
    if !(100..=599).contains(&code) {
        return None;
    }
    Some((
        code == 101 || (200..=299).contains(&code),
        (400..=599).contains(&code),
    ))
}

fn body_kind(
    file: &str,
    raw: &Value,
    response: &Value,
    status_ptr: &str,
) -> Result<BodyKind, CodegenError> {
    let (response, response_ptr) = resolve_at(raw, response, status_ptr);
    let Some(content) = response.get("content").and_then(Value::as_object) else {
        return Ok(BodyKind::None);
    };
    let json = content
        .iter()
        .find(|(mt, _)| *mt == "application/json" || mt.starts_with("application/json;"));
    let Some((mt, media)) = json else {
        return Ok(if content.is_empty() {
            BodyKind::None
        } else {
            BodyKind::Raw
        });
    };
    let at = child(&child(&response_ptr, "content"), mt);
    no_encoding(file, media, &at, "a JSON response")?;
    let Some(schema) = media.get("schema") else {
        return Err(CodegenError::new(
            file,
            &at,
            "a JSON response needs a `schema` (progenitor cannot type it otherwise)",
        ));
    };
    Ok(BodyKind::Json(
        match schema.get("$ref").and_then(Value::as_str) {
            Some(target) => {
                // Two refs that lead to the same schema are one type for progenitor.
                let mut target = target.to_string();
                let mut node = schema;
                for _ in 0..16 {
                    match node.get("$ref").and_then(Value::as_str).and_then(|r| {
                        r.strip_prefix('#')
                            .and_then(|p| raw.pointer(p))
                            .map(|t| (r, t))
                    }) {
                        Some((r, t)) => {
                            target = r.to_string();
                            node = t;
                        }
                        None => break,
                    }
                }
                target
            }
            None => format!("inline schema {schema}"),
        },
    ))
}

/// Refuses a media type object (at `at`) that declares `encoding`, which progenitor ignores.
fn no_encoding(file: &str, media: &Value, at: &str, on: &str) -> Result<(), CodegenError> {
    if media
        .get("encoding")
        .and_then(Value::as_object)
        .is_some_and(|e| !e.is_empty())
    {
        return Err(CodegenError::new(
            file,
            &child(at, "encoding"),
            format!("`encoding` on {on} is not supported by progenitor"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::classify_status;

    #[test]
    fn statuses_are_classified_like_progenitor() {
        assert_eq!(classify_status("200"), Some((true, false)));
        assert_eq!(classify_status("2XX"), Some((true, false)));
        assert_eq!(classify_status("4xx"), Some((false, true)));
        assert_eq!(classify_status("default"), Some((true, true)));
        assert_eq!(classify_status("302"), Some((false, false)));
        assert_eq!(classify_status("999"), None);
        assert_eq!(classify_status("20"), None);
    }
}
