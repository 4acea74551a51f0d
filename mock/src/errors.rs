//! Refusals, and the one renderer that turns them into responses in the spec's error shape.
//!
//! The body is the spec's error response for the status (its first example as a template, else
//! a skeleton of its schema), with the message at `x-errors.message` and field-level details at
//! `x-errors.details`. A refusal of a kind that `x-errors.codes` gives codes is answered in a
//! 200 body instead (`x-errors.in-body`): the error body, its flag `false` and its code the
//! kind's first. A rate limit carries the headers `x-errors.rate-limit` names (no request
//! left, and when the window resets), else `Retry-After`. Every refusal of the mock goes
//! through [`ApiError::render`], so the shape, the content type and the faults and modes that
//! change them are decided once.

use std::collections::BTreeMap;

use axum::http::{header, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};
use specs::ErrorKind;

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
    /// The kind of refusal `x-errors` describes, when it is one: it decides whether the
    /// refusal is answered in a 200 body, and whether it carries the rate-limit headers.
    pub(crate) kind: Option<ErrorKind>,
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
            kind: None,
        }
    }

    /// A refusal of `kind`, with the first status `x-errors` accepts for it.
    pub(crate) fn of(
        kind: ErrorKind,
        rules: &specs::ErrorRules,
        message: impl Into<String>,
    ) -> Self {
        ApiError::new(rules.statuses(kind)[0], message).with_kind(kind)
    }

    /// The same refusal, said to be of `kind`.
    pub(crate) fn with_kind(self, kind: ErrorKind) -> Self {
        ApiError {
            kind: Some(kind),
            ..self
        }
    }

    /// The code of the 200 body this refusal is answered in: the first code of its kind where
    /// the spec declares errors in 200 bodies and codes for the kind (under `in-body-wrong-code`,
    /// the first code of the next kind that has codes). `None`: answered with its status.
    pub(crate) fn in_body_code<'a>(&self, api: &'a Api, fault: Option<Fault>) -> Option<&'a str> {
        let rules = &api.op.errors;
        let kind = self.kind.filter(|_| rules.in_body.is_some())?;
        rules.codes(kind).first()?;
        let kind = match fault {
            Some(Fault::InBodyWrongCode) => other_kind_with_codes(rules, kind)?,
            _ => kind,
        };
        rules.codes(kind).first().map(String::as_str)
    }

    /// The 200 body of a refusal answered in the body: the error body with its flag `false`,
    /// its code, and the message and details where `x-errors` puts them.
    fn in_body(&self, api: &Api, code: &str) -> Value {
        let rules = &api.op.errors;
        let mut body = api.error_body_template(&self.message);
        if let Some(in_body) = &rules.in_body {
            json::set(&mut body, &in_body.flag, json!(false));
            json::set(&mut body, &in_body.code, json!(code));
        }
        self.fill(&mut body, rules);
        body
    }

    /// Sets the message and the details where `x-errors` says.
    fn fill(&self, body: &mut Value, rules: &specs::ErrorRules) {
        if let Some(pointer) = &rules.message {
            json::set(body, pointer, json!(self.message));
        }
        if let (Some(pointer), Some(details)) = (&rules.details, &self.details) {
            json::set(body, pointer, json!(details));
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
        self.fill(&mut body, &api.op.errors);
        if mode == Some(ReadingMode::StringFlags) {
            string_flags(&mut body, &api.flag_members());
        }
        body
    }

    /// The response: the body as JSON (HTML under `error-not-json`), in a 200 where the kind
    /// has in-body codes; the rate-limit headers of `x-errors.rate-limit` on a rate limit that
    /// has them, else `Retry-After` in seconds (an HTTP date under `retry-after-date`); and
    /// `Allow` when set.
    pub(crate) fn render(
        &self,
        api: &Api,
        fault: Option<Fault>,
        mode: Option<ReadingMode>,
    ) -> Response {
        let in_body = self.in_body_code(api, fault);
        let status = match in_body {
            Some(_) => StatusCode::OK,
            None => self.status,
        };
        let mut response = if mode == Some(ReadingMode::EmptyErrorBodies) && in_body.is_none() {
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
                status,
                [(header::CONTENT_TYPE, "text/html; charset=UTF-8")],
                html,
            )
                .into_response()
        } else {
            let body = match in_body {
                Some(code) => self.in_body(api, code),
                None => self.body(api, mode),
            };
            (
                status,
                [(header::CONTENT_TYPE, "application/json")],
                body.to_string(),
            )
                .into_response()
        };
        let limits = match in_body {
            Some(_) => None,
            None => self.rate_limit_headers(api),
        };
        match limits {
            Some(limits) => self.limit_headers(&mut response, api, limits, fault),
            None => self.retry_after_header(&mut response, mode),
        }
        if let Some(allow) = self.allow {
            response
                .headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static(allow));
        }
        if let Some(challenge) = basic_challenge(api, status) {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, challenge);
        }
        response
    }

    /// The headers `x-errors.rate-limit` names, where this refusal is a rate limit and the
    /// spec declares them.
    fn rate_limit_headers<'a>(&self, api: &'a Api) -> Option<&'a specs::RateLimitHeaders> {
        let limits = api.op.errors.rate_limit.as_ref()?;
        (self.kind == Some(ErrorKind::RateLimited) && self.retry_after.is_some())
            .then_some(&limits.value)
    }

    /// `Retry-After`, when set: seconds, or an HTTP date under `retry-after-date`.
    fn retry_after_header(&self, response: &mut Response, mode: Option<ReadingMode>) {
        let Some(secs) = self.retry_after else {
            return;
        };
        let value = if mode == Some(ReadingMode::RetryAfterDate) {
            HeaderValue::from_str(&http_date(secs)).unwrap_or(HeaderValue::from(secs))
        } else {
            HeaderValue::from(secs)
        };
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }

    /// A rate limit told by headers: no request left, the window resetting `retry_after`
    /// seconds after the answer's `Date` (which is set here, so that the two agree to the
    /// second), and `Retry-After` only where the status's documented response lists it.
    /// `rate-limit-reset-missing` leaves the reset out.
    fn limit_headers(
        &self,
        response: &mut Response,
        api: &Api,
        limits: &specs::RateLimitHeaders,
        fault: Option<Fault>,
    ) {
        let secs = self.retry_after.unwrap_or(0);
        let now = now_secs();
        let mut set = |name: &str, value: String| {
            if let (Ok(name), Ok(value)) = (
                HeaderName::from_bytes(name.as_bytes()),
                HeaderValue::from_str(&value),
            ) {
                response.headers_mut().insert(name, value);
            }
        };
        set(header::DATE.as_str(), http_date_at(now));
        set(&limits.remaining, "0".to_string());
        let reset = limits
            .reset
            .as_ref()
            .filter(|_| fault != Some(Fault::RateLimitResetMissing));
        if let Some(reset) = reset {
            let value = match reset.format {
                specs::ResetFormat::EpochSeconds => now.saturating_add(secs),
                specs::ResetFormat::DeltaSeconds => secs,
            };
            set(&reset.header, value.to_string());
        }
        let documented = api
            .op
            .response(self.status.as_u16())
            .is_some_and(|r| r.header("retry-after").is_some());
        if documented {
            set(header::RETRY_AFTER.as_str(), secs.to_string());
        }
    }
}

/// The next kind after `kind` (in `x-errors` order, round) that has in-body codes.
fn other_kind_with_codes(rules: &specs::ErrorRules, kind: ErrorKind) -> Option<ErrorKind> {
    let at = ErrorKind::ALL.iter().position(|k| *k == kind)?;
    ErrorKind::ALL
        .iter()
        .cycle()
        .skip(at + 1)
        .take(ErrorKind::ALL.len() - 1)
        .copied()
        .find(|k| !rules.codes(*k).is_empty())
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

/// Seconds since the Unix epoch, now.
fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// An RFC 9110 IMF-fixdate `secs` from now.
fn http_date(secs: u64) -> String {
    http_date_at(now_secs().saturating_add(secs))
}

/// An RFC 9110 IMF-fixdate of `epoch` seconds.
fn http_date_at(epoch: u64) -> String {
    let then = i64::try_from(epoch)
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
