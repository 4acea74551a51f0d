//! Refusals, and the one renderer that turns them into responses in the spec's error shape.
//!
//! The body is the spec's error response for the status (its first example as a template, else
//! a skeleton of its schema), with the message at `x-errors.message` and field-level details at
//! `x-errors.details`. Every refusal of the mock goes through [`ApiError::render`], so the
//! shape, the content type and the faults and modes that change them are decided once.

use std::collections::BTreeMap;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use crate::api::Api;
use crate::faults::Fault;
use crate::json;
use crate::modes::ReadingMode;

/// A refusal, before it is rendered.
#[derive(Debug, Clone)]
pub(crate) struct ApiError {
    pub(crate) status: StatusCode,
    pub(crate) message: String,
    /// Field-level messages, keyed by parameter name.
    pub(crate) details: Option<BTreeMap<String, Vec<String>>>,
    pub(crate) retry_after: Option<u64>,
    pub(crate) allow: Option<&'static str>,
}

/// Field-level problems collected while reading a request.
pub(crate) type Problems = BTreeMap<String, Vec<String>>;

/// Adds a problem for `field`.
pub(crate) fn problem(problems: &mut Problems, field: &str, message: String) {
    problems.entry(field.to_string()).or_default().push(message);
}

impl ApiError {
    pub(crate) fn new(status: u16, message: impl Into<String>) -> Self {
        ApiError {
            // Statuses come from the spec's lists, which the specs crate limits to 400..=599,
            // or from this crate; an impossible one still must not panic.
            status: StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST),
            message: message.into(),
            details: None,
            retry_after: None,
            allow: None,
        }
    }

    /// A validation failure of several parameters, Laravel style: the message is the first
    /// problem, with a count of the others.
    pub(crate) fn invalid(status: u16, details: Problems) -> Self {
        let all: Vec<&String> = details.values().flatten().collect();
        let first = all
            .first()
            .map(|s| s.as_str())
            .unwrap_or("The given data was invalid.");
        let message = match all.len() {
            0 | 1 => first.to_string(),
            2 => format!("{first} (and 1 more error)"),
            n => format!("{first} (and {} more errors)", n - 1),
        };
        ApiError {
            details: Some(details),
            ..ApiError::new(status, message)
        }
    }

    /// A validation failure of one parameter.
    pub(crate) fn field(status: u16, field: &str, message: impl Into<String>) -> Self {
        ApiError::invalid(
            status,
            BTreeMap::from([(field.to_string(), vec![message.into()])]),
        )
    }

    /// The JSON body in the spec's error shape (or the `error-shape` mode's).
    pub(crate) fn body(&self, api: &Api, mode: Option<ReadingMode>) -> Value {
        let code = self.status.as_u16();
        if mode == Some(ReadingMode::ErrorShape) {
            let mut body = serde_json::Map::new();
            body.insert(
                api.other_error_member().to_string(),
                json!({ "status": code, "detail": self.message }),
            );
            return Value::Object(body);
        }
        let mut body = api.error_template(code, &self.message);
        let rules = &api.op.errors;
        if let Some(pointer) = &rules.message {
            json::set(&mut body, pointer, json!(self.message));
        }
        if let (Some(pointer), Some(details)) = (&rules.details, &self.details) {
            json::set(&mut body, pointer, json!(details));
        }
        if mode == Some(ReadingMode::StringFlags) {
            string_flags(&mut body, &api.flag_members());
        }
        body
    }

    /// The response: the body as JSON (HTML under `error-not-json`), `Retry-After` in seconds
    /// (an HTTP date under `retry-after-date`) and `Allow` when set.
    pub(crate) fn render(
        &self,
        api: &Api,
        fault: Option<Fault>,
        mode: Option<ReadingMode>,
    ) -> Response {
        let mut response = if mode == Some(ReadingMode::EmptyErrorBodies) {
            // Only the status (and the challenge of RFC 6750 for a bearer token).
            let mut response = self.status.into_response();
            let bearer = api
                .op
                .security
                .as_ref()
                .is_some_and(|s| s.kind == specs::SecurityKind::Bearer);
            if self.status == StatusCode::UNAUTHORIZED && bearer {
                response.headers_mut().insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Bearer realm=\"api\""),
                );
            }
            response
        } else if fault == Some(Fault::ErrorNotJson) {
            // What a framework's default error page looks like when JSON rendering is off.
            let html = format!(
                "<!DOCTYPE html><html><head><title>{code}</title></head><body><h1>{code}</h1>\
                 <p>{message}</p></body></html>",
                code = self.status.as_u16(),
                message = html_escape(&self.message)
            );
            (
                self.status,
                [(header::CONTENT_TYPE, "text/html; charset=UTF-8")],
                html,
            )
                .into_response()
        } else {
            (
                self.status,
                [(header::CONTENT_TYPE, "application/json")],
                self.body(api, mode).to_string(),
            )
                .into_response()
        };
        if let Some(secs) = self.retry_after {
            let value = if mode == Some(ReadingMode::RetryAfterDate) {
                HeaderValue::from_str(&http_date(secs)).unwrap_or(HeaderValue::from(secs))
            } else {
                HeaderValue::from(secs)
            };
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        if let Some(allow) = self.allow {
            response
                .headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static(allow));
        }
        if let Some(challenge) = basic_challenge(api, self.status) {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, challenge);
        }
        response
    }
}

/// The challenge of a 401 to HTTP Basic credentials (RFC 7617 requires one, and clients need
/// it to know which scheme to answer with): `Basic realm="<api>"`, the realm the API's name.
fn basic_challenge(api: &Api, status: StatusCode) -> Option<HeaderValue> {
    let basic = api
        .op
        .security
        .as_ref()
        .is_some_and(|s| s.kind == specs::SecurityKind::Basic);
    if status != StatusCode::UNAUTHORIZED || !basic {
        return None;
    }
    // Spec names are lower-case letters, digits, `-` and `_`: nothing to quote.
    HeaderValue::from_str(&format!(
        "Basic realm=\"{}\", charset=\"UTF-8\"",
        api.spec.name
    ))
    .ok()
}

/// Boolean flags become `"success"` (true) or `"error"` (false).
pub(crate) fn string_flags(body: &mut Value, flags: &[String]) {
    for pointer in flags {
        if let Some(Value::Bool(b)) = body.pointer(pointer) {
            let text = if *b { "success" } else { "error" };
            json::set(body, pointer, json!(text));
        }
    }
}

/// An RFC 9110 IMF-fixdate `secs` from now.
fn http_date(secs: u64) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let then = i64::try_from(now.saturating_add(secs))
        .ok()
        .and_then(|s| chrono::DateTime::from_timestamp(s, 0))
        .unwrap_or(chrono::DateTime::UNIX_EPOCH);
    then.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
