//! Error responses in each vendor's error schema.
//!
//! Every refusal of either mock goes through [`ApiError::render`], so the body shape and the
//! content type are decided once: Peeker `{"message", "errors"?}` (the shared `Error` schema),
//! DevPayr `{"status": false, "message", "data": null, "errors": null | {...}}`.

use std::collections::BTreeMap;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use specs::Vendor;

use super::faults::Fault;

/// A refusal, before it is rendered for a vendor.
#[derive(Debug, Clone)]
pub(crate) struct ApiError {
    pub(crate) status: StatusCode,
    pub(crate) message: String,
    /// Field-level messages, keyed by parameter name.
    pub(crate) errors: Option<BTreeMap<String, Vec<String>>>,
    pub(crate) retry_after: Option<u64>,
    pub(crate) allow: Option<&'static str>,
}

impl ApiError {
    pub(crate) fn new(status: u16, message: impl Into<String>) -> Self {
        ApiError {
            // Statuses come from the spec's `x-errors` lists, which the specs crate limits to
            // 400..=599, or from this module; an impossible one still must not panic.
            status: StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST),
            message: message.into(),
            errors: None,
            retry_after: None,
            allow: None,
        }
    }

    /// A validation failure of several parameters, Laravel style: the message is the first
    /// error, with a count of the others.
    pub(crate) fn invalid(status: u16, errors: BTreeMap<String, Vec<String>>) -> Self {
        let all: Vec<&String> = errors.values().flatten().collect();
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
            errors: Some(errors),
            ..ApiError::new(status, message)
        }
    }

    pub(crate) fn field(status: u16, field: &str, message: impl Into<String>) -> Self {
        ApiError::invalid(
            status,
            BTreeMap::from([(field.to_string(), vec![message.into()])]),
        )
    }

    /// The JSON body in the vendor's error schema.
    pub(crate) fn body(&self, vendor: Vendor) -> serde_json::Value {
        match vendor {
            Vendor::Peeker => match &self.errors {
                Some(errors) => json!({ "message": self.message, "errors": errors }),
                None => json!({ "message": self.message }),
            },
            Vendor::Devpayr => json!({
                "status": false,
                "message": self.message,
                "data": null,
                "errors": self.errors,
            }),
        }
    }

    pub(crate) fn render(&self, vendor: Vendor, fault: Option<Fault>) -> Response {
        let mut response = if fault == Some(Fault::ErrorNotJson) {
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
                self.body(vendor).to_string(),
            )
                .into_response()
        };
        if let Some(secs) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        if let Some(allow) = self.allow {
            response
                .headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static(allow));
        }
        response
    }
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
