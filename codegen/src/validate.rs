//! Checks for what progenitor 0.15 asserts or panics on, so that a malformed spec yields an
//! error naming the file and JSON pointer instead of a panic deep inside the generator.
//!
//! The spec is read through `specs` only: its operations, parameters, responses and status
//! keys, and [`specs::Spec::check_references`] for the `$ref`s. Each check below names the
//! progenitor behaviour it guards against.

use serde_json::Value;
use specs::pointer::escape as escape_pointer_segment;
use specs::{Location, Operation, Spec, StatusKey};

use crate::prepare::default_is_error_only;
use crate::CodegenError;

pub(crate) fn validate(spec: &Spec) -> Result<(), CodegenError> {
    let err = |pointer: &str, problem: String| CodegenError::new(&spec.file, pointer, problem);

    // progenitor reads OpenAPI 3.0.x only (`validate_openapi`).
    let version = spec
        .raw
        .get("openapi")
        .and_then(Value::as_str)
        .unwrap_or("");
    if !version.starts_with("3.0.") {
        return Err(err(
            "/openapi",
            format!("OpenAPI version `{version}` is not supported: progenitor reads 3.0.x only"),
        ));
    }
    // progenitor looks every `$ref` up with `unwrap` (util.rs: "key ... is missing"), and
    // lib.rs takes path items with `ref_or_item.as_item().unwrap()`.
    spec.check_references()?;
    // to_schema.rs: `todo!("exclusive_minimum set without minimum")`.
    check_exclusive_bounds(spec, &spec.raw, "")?;
    for op in &spec.operations {
        check_path_params(spec, op)?;
        check_request_body(spec, op)?;
        check_responses(spec, op)?;
    }
    Ok(())
}

fn child(pointer: &str, key: &str) -> String {
    format!("{pointer}/{}", escape_pointer_segment(key))
}

fn check_exclusive_bounds(spec: &Spec, value: &Value, pointer: &str) -> Result<(), CodegenError> {
    match value {
        Value::Object(map) => {
            for (flag, bound) in [
                ("exclusiveMinimum", "minimum"),
                ("exclusiveMaximum", "maximum"),
            ] {
                if map.get(flag) == Some(&Value::Bool(true)) && !map.contains_key(bound) {
                    return Err(CodegenError::new(
                        &spec.file,
                        &child(pointer, flag),
                        format!("`{flag}: true` needs a `{bound}`; progenitor cannot convert this schema"),
                    ));
                }
            }
            map.iter()
                .filter(|(key, _)| *key != "example" && *key != "examples")
                .try_for_each(|(key, v)| check_exclusive_bounds(spec, v, &child(pointer, key)))
        }
        Value::Array(items) => items
            .iter()
            .enumerate()
            .try_for_each(|(i, v)| check_exclusive_bounds(spec, v, &format!("{pointer}/{i}"))),
        _ => Ok(()),
    }
}

/// method.rs panics with "... missing from path" when a path parameter is not in the template,
/// and requires path parameters to be required.
fn check_path_params(spec: &Spec, op: &Operation) -> Result<(), CodegenError> {
    let template: Vec<&str> = op
        .path
        .split('{')
        .skip(1)
        .filter_map(|s| s.split_once('}').map(|(name, _)| name))
        .collect();
    for p in op.parameters_in(Location::Path) {
        if !template.contains(&p.name.as_str()) {
            return Err(CodegenError::new(
                &spec.file,
                &p.pointer,
                format!(
                    "path parameter `{}` does not appear in the path `{}`",
                    p.name, op.path
                ),
            ));
        }
        if !p.required {
            return Err(CodegenError::new(
                &spec.file,
                &p.pointer,
                format!("path parameter `{}` must be `required: true`", p.name),
            ));
        }
    }
    if let Some(missing) = template
        .iter()
        .find(|t| op.parameter(t, Location::Path).is_none())
    {
        return Err(CodegenError::new(
            &spec.file,
            &op.pointer,
            format!(
                "the path `{}` has `{{{missing}}}` but no path parameter of that name",
                op.path
            ),
        ));
    }
    Ok(())
}

/// method.rs: `todo!("more media types than expected ...")` and "media type encoding".
fn check_request_body(spec: &Spec, op: &Operation) -> Result<(), CodegenError> {
    let Some(body) = spec
        .raw
        .pointer(&op.pointer)
        .and_then(|o| o.get("requestBody"))
    else {
        return Ok(());
    };
    let (body, body_ptr) = specs::resolve_at(&spec.raw, body, &child(&op.pointer, "requestBody"));
    let at = child(&body_ptr, "content");
    let Some(content) = body.get("content").and_then(Value::as_object) else {
        return Ok(());
    };
    if content.len() > 1 {
        return Err(CodegenError::new(
            &spec.file,
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
                &spec.file,
                &child(&at, mt),
                "the request body media type has no `schema`",
            ));
        }
        no_encoding(spec, media, &child(&at, mt), "a request body")?;
    }
    Ok(())
}

/// What progenitor makes of one response's body.
#[derive(Debug, Clone, PartialEq, Eq)]
enum BodyKind {
    /// JSON with the schema at this pointer (after `$ref`s): one type for progenitor.
    Json(String),
    /// Some other media type: a byte stream.
    Raw,
    /// No content.
    None,
}

impl BodyKind {
    fn describe(&self) -> String {
        match self {
            BodyKind::Json(s) => format!("JSON #{s}"),
            BodyKind::Raw => "a non-JSON body".into(),
            BodyKind::None => "no body".into(),
        }
    }
}

/// method.rs `extract_responses`: `assert!(response_types.len() <= 1)`, once for the success
/// statuses and once for the error statuses; also the JSON media-type asserts.
fn check_responses(spec: &Spec, op: &Operation) -> Result<(), CodegenError> {
    let at = format!("{}/responses", op.pointer);
    if op.responses.is_empty() {
        return Err(CodegenError::new(
            &spec.file,
            &at,
            format!("operation `{}` has no `responses`", op.operation_id),
        ));
    }
    let error_only_default = default_is_error_only(op);
    let mut success: Vec<(String, BodyKind)> = Vec::new();
    let mut errors: Vec<(String, BodyKind)> = Vec::new();
    for response in &op.responses {
        let kind = body_kind(spec, response)?;
        let (is_success, is_error) = classify(response.key, error_only_default);
        if is_success {
            success.push((response.key.to_string(), kind.clone()));
        }
        if is_error {
            errors.push((response.key.to_string(), kind));
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
                &spec.file,
                &at,
                format!(
                    "operation `{}` has {} different {what} response bodies ({listed}); \
                     progenitor supports one {what} body per operation: give every {what} status the same schema",
                    op.operation_id,
                    distinct.len()
                ),
            ));
        }
    }
    Ok(())
}

/// `(counts as success, counts as error)` the way progenitor sorts status keys, after
/// `prepare` turned an error-only `default` into `4XX` and `5XX`.
pub(crate) fn classify(key: StatusKey, error_only_default: bool) -> (bool, bool) {
    match key {
        StatusKey::Default => (!error_only_default, true),
        StatusKey::Range(class) => (class == 2, class == 4 || class == 5),
        StatusKey::Code(code) => (
            code == 101 || (200..=299).contains(&code),
            (400..=599).contains(&code),
        ),
    }
}

fn body_kind(spec: &Spec, response: &specs::ResponseSpec) -> Result<BodyKind, CodegenError> {
    let content = child(&response.pointer, "content");
    let json_type = response
        .content_types
        .iter()
        .find(|t| *t == "application/json");
    match (&response.json_schema, json_type) {
        (Some(schema), _) => {
            let at = child(&content, "application/json");
            if let Some(media) = spec.raw.pointer(&at) {
                no_encoding(spec, media, &at, "a JSON response")?;
            }
            // Two refs that lead to the same schema are one type for progenitor.
            let resolved = spec
                .member_schema(schema, "")
                .map(|(_, at)| at)
                .unwrap_or_else(|| schema.clone());
            Ok(BodyKind::Json(resolved))
        }
        (None, Some(mt)) => Err(CodegenError::new(
            &spec.file,
            &child(&content, mt),
            "a JSON response needs a `schema` (progenitor cannot type it otherwise)",
        )),
        (None, None) if response.content_types.is_empty() => Ok(BodyKind::None),
        (None, None) => Ok(BodyKind::Raw),
    }
}

/// Refuses a media type object (at `at`) that declares `encoding`, which progenitor ignores.
fn no_encoding(spec: &Spec, media: &Value, at: &str, on: &str) -> Result<(), CodegenError> {
    if media
        .get("encoding")
        .and_then(Value::as_object)
        .is_some_and(|e| !e.is_empty())
    {
        return Err(CodegenError::new(
            &spec.file,
            &child(at, "encoding"),
            format!("`encoding` on {on} is not supported by progenitor"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::classify;
    use specs::StatusKey;

    #[test]
    fn statuses_are_classified_like_progenitor() {
        assert_eq!(classify(StatusKey::Code(200), false), (true, false));
        assert_eq!(classify(StatusKey::Range(2), false), (true, false));
        assert_eq!(classify(StatusKey::Range(4), false), (false, true));
        assert_eq!(classify(StatusKey::Default, false), (true, true));
        assert_eq!(classify(StatusKey::Default, true), (false, true));
        assert_eq!(classify(StatusKey::Code(302), false), (false, false));
    }
}
