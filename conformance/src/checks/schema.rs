//! Schema: every response the other families received, success and error alike, has a
//! documented status, a documented content type, a JSON body, and validates against the
//! spec's schema for that status (JSON Schema 2020-12, formats asserted). DevPayr's "exactly
//! the documented fields" comes from `additionalProperties: false` in its spec, not from code.

use std::collections::BTreeMap;

use serde_json::Value;

use super::{Ctx, Props};
use crate::probe::Auth;
use crate::report::CheckResult;

/// Documented statuses only.
pub const DOCUMENTED_STATUS: &str = "schema/documented-status";
/// Documented content type.
pub const CONTENT_TYPE: &str = "schema/content-type";
/// Well-formed JSON.
pub const JSON: &str = "schema/json";
/// 200 bodies.
pub const PAGE_BODY: &str = "schema/page-body";
/// Error bodies.
pub const ERROR_BODY: &str = "schema/error-body";

const NAMES: &[&str] = &[DOCUMENTED_STATUS, CONTENT_TYPE, JSON, PAGE_BODY, ERROR_BODY];

/// Most validation errors quoted per body.
const ERRORS_QUOTED: usize = 3;

/// Runs the family over every response received so far.
pub fn run(ctx: &Ctx) -> Vec<CheckResult> {
    let mut props = Props::new(NAMES);
    let mut responses = ctx.probe.responses();
    if !responses.iter().any(|r| r.status == 200) && !ctx.is_stopped() {
        // Run on its own (or after families that saw no page): ask for one page.
        match ctx.probe.get(&ctx.url(&[], &[]), &Auth::Target) {
            Ok(r) => responses.push(r),
            Err(e) => {
                ctx.note_error(&e);
            }
        }
    }
    let mut validators: BTreeMap<String, Option<jsonschema::Validator>> = BTreeMap::new();
    for r in &responses {
        let status = r.status.to_string();
        let curl = Some(r.request.curl());
        let documented = ctx.op.statuses.iter().any(|s| covers(s, r.status));
        props.check(
            DOCUMENTED_STATUS,
            documented,
            || {
                format!(
                    "status {status} is not documented for {} {} (documented: {})",
                    ctx.op.method,
                    ctx.op.path,
                    ctx.op.statuses.join(", ")
                )
            },
            curl.clone(),
        );
        if !documented || (300..400).contains(&r.status) {
            continue;
        }
        let key = ctx
            .op
            .statuses
            .iter()
            .find(|s| covers(s, r.status))
            .cloned()
            .unwrap_or(status.clone());
        let types = content_types(ctx, &key);
        if !types.is_empty() {
            let media = r
                .content_type
                .as_deref()
                .and_then(|c| c.split(';').next())
                .map(|c| c.trim().to_ascii_lowercase());
            props.check(
                CONTENT_TYPE,
                media.as_ref().is_some_and(|m| types.contains(m)),
                || {
                    format!(
                        "status {status} served as {:?}; the spec documents {}",
                        r.content_type.as_deref().unwrap_or("(no Content-Type)"),
                        types.join(", ")
                    )
                },
                curl.clone(),
            );
        }
        let body = match &r.json {
            Ok(b) => {
                props.pass(JSON);
                b
            }
            Err(e) => {
                props.fail(
                    JSON,
                    format!("status {status}: the body is {e}"),
                    curl.clone(),
                );
                continue;
            }
        };
        let validator = validators.entry(key.clone()).or_insert_with(|| {
            let schema = ctx.schemas.response(&ctx.op.pointer, &key)?;
            jsonschema::options()
                .should_validate_formats(true)
                .build(&schema)
                .ok()
        });
        let Some(validator) = validator else { continue };
        let name = if r.status == 200 {
            PAGE_BODY
        } else {
            ERROR_BODY
        };
        let errors = violations(validator, body);
        props.check(
            name,
            errors.is_empty(),
            || {
                format!(
                    "status {status}: the body does not match the spec's schema: {}",
                    errors.join("; ")
                )
            },
            curl,
        );
    }
    if !responses.iter().any(|r| r.status != 200) {
        props.skip(ERROR_BODY, "no error response was received");
    }
    // These checks only read responses already received: a stopped run does not void them.
    props.finish(None)
}

/// Whether a documented status key (`"404"`, `"4XX"`, `"default"`) covers a status.
fn covers(key: &str, status: u16) -> bool {
    let s = status.to_string();
    key == s
        || key == "default"
        || (key.len() == 3 && key.ends_with("XX") && key.as_bytes()[0] == s.as_bytes()[0])
}

/// Documented media types of a response, lower case.
fn content_types(ctx: &Ctx, status: &str) -> Vec<String> {
    let raw = &ctx.spec.raw;
    let mut node = raw.pointer(&format!("{}/responses/{status}", ctx.op.pointer));
    for _ in 0..8 {
        match node.and_then(|n| n.get("$ref")).and_then(Value::as_str) {
            Some(r) if r.starts_with("#/") => node = raw.pointer(&r[1..]),
            _ => break,
        }
    }
    node.and_then(|n| n.get("content"))
        .and_then(Value::as_object)
        .map(|c| c.keys().map(|k| k.to_ascii_lowercase()).collect())
        .unwrap_or_default()
}

/// The validation errors of a body, at most a few, each with its location.
pub fn violations(validator: &jsonschema::Validator, body: &Value) -> Vec<String> {
    validator
        .iter_errors(body)
        .take(ERRORS_QUOTED)
        .map(|e| {
            let at = e.instance_path().to_string();
            let at = if at.is_empty() { "/".to_string() } else { at };
            format!("at {at}: {e}")
        })
        .collect()
}
