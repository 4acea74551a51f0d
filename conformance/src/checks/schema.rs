//! Schema: every response the other families received, success and error alike, has a
//! documented status, a documented content type, a JSON body, and validates against the
//! spec's schema for that status (JSON Schema 2020-12, formats asserted).
//!
//! An error carried in a 200 body (`x-errors.in-body`) is an error body: `schema/error-body`
//! judges it against the operation's error body response (`default`, else its first error
//! response), never as a page.
//!
//! A failing keyword that lies under a node marked `x-reading` breaks only a reading (a
//! warning); every other one breaks what the page documents (a failure). No check here names a
//! field: DevPayr's "exactly the documented fields" is `additionalProperties: false` in its
//! spec, Peeker's error body is a reading because its schema is marked as one.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::engine::findings::{conventions, Basis};
use crate::engine::{Ctx, Findings};
use crate::probe::{Auth, Response};
use crate::registry::CheckId;

/// The checks of this family.
pub const CHECKS: &[CheckId] = &[
    CheckId::DocumentedStatus,
    CheckId::ContentType,
    CheckId::Json,
    CheckId::PageBody,
    CheckId::ErrorBody,
];

/// Most validation errors examined per body.
const ERRORS_EXAMINED: usize = 16;

/// The family's verdicts over every response of the operation, each judged as it arrived
/// ([`Ctx::absorb`]); asks for one page if none was received.
pub async fn run(ctx: &Ctx<'_>) -> Findings {
    if ctx.received().pages == 0 {
        // Run on its own (or after families that saw no page): ask for one page.
        let _ = ctx.get(&ctx.url(&[], &[]), &Auth::Target).await;
    }
    let received = ctx.received();
    let mut f = Findings::new();
    if received.errors == 0 {
        f.skip(CheckId::ErrorBody, "no error response was received");
    }
    f
}

/// Judges `responses` (no 429s: those are judged by `errors/rate-limit`).
pub fn judge(ctx: &Ctx, responses: &[std::sync::Arc<Response>]) -> Findings {
    let mut f = Findings::new();
    let mut validators: BTreeMap<String, Option<(jsonschema::Validator, String)>> = BTreeMap::new();
    let no_members = Value::Object(serde_json::Map::new());
    for r in responses {
        let curl = Some(r.request.curl());
        documented_status(ctx, &mut f, r);
        if (300..400).contains(&r.status) {
            continue;
        }
        let (body, what) = if is_empty_error(r) {
            // No body is not a body in another format: there is no content type or JSON to
            // judge. The error schema judges it as a body without members, so that a documented
            // error body fails and a read one warns.
            (&no_members, "an empty body")
        } else {
            content_type(ctx, &mut f, r);
            match &r.json {
                Ok(b) => {
                    f.held(CheckId::Json);
                    (b, "the body")
                }
                Err(e) => {
                    f.breach(
                        CheckId::Json,
                        Basis::Convention(conventions::JSON),
                        format!("status {}: the body is {e}", r.status),
                        curl,
                    );
                    continue;
                }
            }
        };
        let in_body = ctx.op.errors.in_body_error(r.status, Some(body)).is_some();
        let documented = match in_body {
            true => ctx.op.error_body(),
            false => ctx.op.response(r.status),
        };
        let Some(documented) = documented else {
            continue;
        };
        let validator = validators
            .entry(documented.pointer.clone())
            .or_insert_with(|| {
                let schema = ctx.schemas.of_response(documented)?;
                let v = jsonschema::options()
                    .should_validate_formats(true)
                    .build(&schema.schema)
                    .ok()?;
                Some((v, schema.root))
            });
        let Some((validator, root)) = validator else {
            continue;
        };
        let check = if r.status == 200 && !in_body {
            CheckId::PageBody
        } else {
            CheckId::ErrorBody
        };
        match first_violation(ctx, validator, root, body) {
            None => f.held(check),
            Some((basis, message)) => f.breach(
                check,
                basis,
                format!(
                    "status {}: {what} does not match the spec's schema: {message}",
                    r.status
                ),
                curl,
            ),
        }
    }
    f
}

/// Whether `r` is an error answered without a body (RFC 6750 servers commonly send a 401 with
/// only `WWW-Authenticate`).
pub fn is_empty_error(r: &Response) -> bool {
    r.status >= 400 && r.body.iter().all(u8::is_ascii_whitespace)
}

fn documented_status(ctx: &Ctx, f: &mut Findings, r: &Response) {
    if ctx.op.response(r.status).is_some() {
        f.held(CheckId::DocumentedStatus);
        return;
    }
    let basis = match r.status {
        500..=599 => Basis::Convention(conventions::NO_5XX),
        400..=499 => Basis::of(
            &ctx.spec
                .reading(&ctx.op.pointer, Some("responses"))
                .cloned(),
        ),
        _ => Basis::Documented,
    };
    f.breach(
        CheckId::DocumentedStatus,
        basis,
        format!(
            "status {} is not documented for {} {} (documented: {})",
            r.status,
            ctx.op.method,
            ctx.op.path,
            ctx.op.status_list()
        ),
        Some(r.request.curl()),
    );
}

fn content_type(ctx: &Ctx, f: &mut Findings, r: &Response) {
    let media = r
        .content_type()
        .and_then(|c| c.split(';').next())
        .map(|c| c.trim().to_ascii_lowercase());
    let documented = ctx
        .op
        .response(r.status)
        .map(|d| d.content_types.clone())
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| vec!["application/json".to_string()]);
    if media.as_ref().is_some_and(|m| documented.contains(m)) {
        f.held(CheckId::ContentType);
        return;
    }
    let json = media
        .as_deref()
        .is_some_and(|m| m == "application/json" || m.ends_with("+json"));
    let basis = if json {
        Basis::Documented
    } else {
        Basis::Convention(conventions::JSON)
    };
    f.breach(
        CheckId::ContentType,
        basis,
        format!(
            "status {} served as {:?}; the spec documents {}",
            r.status,
            r.content_type().unwrap_or("(no Content-Type)"),
            documented.join(", ")
        ),
        Some(r.request.curl()),
    );
}

/// The worst violation of `body` against `validator`: one that breaks a documented rule when
/// there is one, else one that breaks only a reading, with the basis and a located message.
/// `root` is where the validated schema sits in the spec.
pub fn first_violation(
    ctx: &Ctx,
    validator: &jsonschema::Validator,
    root: &str,
    body: &Value,
) -> Option<(Basis, String)> {
    let mut reading = None;
    for e in validator.iter_errors(body).take(ERRORS_EXAMINED) {
        let at = e.instance_path().to_string();
        let at = if at.is_empty() { "/".to_string() } else { at };
        let message = format!("at {at}: {e}");
        let null = e.instance().is_null();
        match ctx
            .schemas
            .reading_for(&ctx.spec.readings, root, e.evaluation_path().as_str(), null)
        {
            None => return Some((Basis::Documented, message)),
            Some(r) => {
                reading.get_or_insert((Basis::Reading(r.clone()), message));
            }
        }
    }
    reading
}
