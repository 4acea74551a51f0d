//! Error bodies that never lose their status.

use std::borrow::Cow;
use std::fmt;

use progenitor_client::{Error, ResponseValue};
use serde::de::DeserializeOwned;

use crate::refusals::InBody;

/// The body of an error response: the raw bytes as sent, and the spec's error type when they
/// parse as it.
///
/// A server under load, a proxy or a gateway may answer a documented error status with
/// another JSON shape, HTML or nothing at all. progenitor would then report a payload error
/// and the status would be lost; with an `ErrorBody` the caller always gets
/// `Error::ErrorResponse` with the status and headers, and looks at [`ErrorBody::typed`] for
/// the documented fields.
#[derive(Clone, PartialEq, Eq)]
pub struct ErrorBody<T> {
    raw: Vec<u8>,
    typed: Option<T>,
    read_error: Option<String>,
}

impl<T> ErrorBody<T> {
    /// An error body of these bytes and their typed reading (`None`: they do not parse).
    pub fn new(raw: Vec<u8>, typed: Option<T>) -> ErrorBody<T> {
        ErrorBody {
            raw,
            typed,
            read_error: None,
        }
    }

    /// The spec's error type, when the body parses as it.
    pub fn typed(&self) -> Option<&T> {
        self.typed.as_ref()
    }

    /// The spec's error type, when the body parses as it, by value.
    pub fn into_typed(self) -> Option<T> {
        self.typed
    }

    /// The bytes of the body as sent (empty for an empty body).
    pub fn raw(&self) -> &[u8] {
        &self.raw
    }

    /// The body as text; bytes that are not UTF-8 are replaced.
    pub fn text(&self) -> Cow<'_, str> {
        String::from_utf8_lossy(&self.raw)
    }

    /// Why the body could not be read to its end, when it could not (the connection broke):
    /// [`ErrorBody::raw`] then holds nothing.
    pub fn read_error(&self) -> Option<&str> {
        self.read_error.as_deref()
    }
}

impl<T: fmt::Debug> fmt::Debug for ErrorBody<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct("ErrorBody");
        s.field("typed", &self.typed).field("text", &self.text());
        if let Some(e) = &self.read_error {
            s.field("read_error", e);
        }
        s.finish()
    }
}

/// Reads a documented error response: its status, headers and body bytes, and the body typed
/// as `T` when it parses. Never fails, so that the status always reaches the caller.
///
/// The generated dispatch calls it for every documented error status in place of progenitor's
/// `ResponseValue::from_response`, which fails on a body of another shape.
pub async fn error_response<T: DeserializeOwned>(
    response: reqwest::Response,
) -> ResponseValue<ErrorBody<T>> {
    let status = response.status();
    let headers = response.headers().clone();
    let body = match response.bytes().await {
        Ok(bytes) => {
            let typed = serde_json::from_slice(&bytes).ok();
            ErrorBody::new(bytes.to_vec(), typed)
        }
        Err(e) => ErrorBody {
            raw: Vec::new(),
            typed: None,
            read_error: Some(e.without_url().to_string()),
        },
    };
    ResponseValue::new(body, status, headers)
}

/// Reads a 200 answer of an operation whose errors may come in 200 bodies (`x-errors.in-body`):
/// a body that says it is an error (its flag is `false`) is `Error::ErrorResponse`, with the
/// status, the headers and an [`ErrorBody`], as a documented error status is, so that a
/// refusal never reads as a page (an empty one, where the page's members are optional); any
/// other body is the page, decoded as progenitor decodes one.
///
/// The generated dispatch calls it for the 200 of such an operation, in place of progenitor's
/// `ResponseValue::from_response`, so that `send()` and every page of `stream()` see it.
pub async fn page_or_error<P: DeserializeOwned, T: DeserializeOwned>(
    response: reqwest::Response,
    in_body: &InBody,
) -> Result<ResponseValue<P>, Error<ErrorBody<T>>> {
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.bytes().await.map_err(Error::ResponseBodyError)?;
    let refused = serde_json::from_slice::<serde_json::Value>(&bytes)
        .is_ok_and(|body| in_body.is_error(&body));
    if refused {
        let typed = serde_json::from_slice(&bytes).ok();
        let body = ErrorBody::new(bytes.to_vec(), typed);
        return Err(Error::ErrorResponse(ResponseValue::new(
            body, status, headers,
        )));
    }
    match serde_json::from_slice(&bytes) {
        Ok(page) => Ok(ResponseValue::new(page, status, headers)),
        Err(e) => Err(Error::InvalidResponsePayload(bytes, e)),
    }
}
