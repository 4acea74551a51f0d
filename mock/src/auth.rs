//! Credentials and access: who sent the request, and whether that credential may read the
//! value of the `x-access` path parameter.
//!
//! The order of the checks is the spec's: the credential (missing, then unknown), then the
//! path parameters, then existence and access in the order `existence-first` says, and only
//! then the query. Statuses come from `x-errors` and `x-access`.
//!
//! A request without credentials to an operation whose security is optional (`{}` among its
//! requirements) is served as the anonymous caller, and the viewer credential as the viewer:
//! both reach what the widest key reaches, and neither sees the items `x-restricted` marks
//! (see [`crate::caller`]).

use std::borrow::Cow;

use axum::http::{header, HeaderMap};
use base64::Engine as _;
use specs::{ErrorKind, SecurityKind};

use crate::data::{Key, Reach};
use crate::errors::ApiError;
use crate::faults::Fault;
use crate::modes::ReadingMode;
use crate::query::{Query, Value};
use crate::server::App;

/// What the request presented as its credential.
enum Presented<'r> {
    Missing,
    Sent(Cow<'r, [u8]>),
    /// Something that cannot be a credential of the scheme (another scheme, not UTF-8, Basic
    /// credentials that are not the base64 of `user:password`), and why.
    Malformed(&'static str),
}

/// Why a Basic `Authorization` header holds no credentials.
const NOT_BASIC: &str =
    "The Authorization header does not hold Basic credentials (the base64 of user:password).";

/// The outcome of the access rules.
pub(crate) enum Access {
    /// No `x-access`, or the credential was not checked.
    Unrestricted,
    /// The index of the access value the request reads.
    Value(usize),
    /// The value does not exist and is served as an empty page (`missing-resource-served`).
    Empty,
}

/// The other status HTTP allows for a refused credential (401 ↔ 403).
fn other_auth_status(status: u16) -> u16 {
    match status {
        401 => 403,
        403 => 401,
        other => other,
    }
}

impl App {
    fn presented<'r>(&self, headers: &'r HeaderMap, q: &'r Query) -> Presented<'r> {
        let Some(security) = &self.api.op.security else {
            return Presented::Missing;
        };
        let unknown = "Unauthenticated.";
        match &security.kind {
            SecurityKind::Bearer | SecurityKind::Basic => {
                let Some(value) = headers.get(header::AUTHORIZATION) else {
                    return Presented::Missing;
                };
                let Ok(value) = value.to_str() else {
                    return Presented::Malformed(unknown);
                };
                match (&security.kind, value.split_once(' ')) {
                    (SecurityKind::Bearer, Some((scheme, token)))
                        if scheme.eq_ignore_ascii_case("bearer") =>
                    {
                        Presented::Sent(Cow::Borrowed(token.trim().as_bytes()))
                    }
                    (SecurityKind::Basic, Some((scheme, encoded)))
                        if scheme.eq_ignore_ascii_case("basic") =>
                    {
                        basic_credentials(encoded)
                    }
                    (SecurityKind::Basic, _) => Presented::Malformed(NOT_BASIC),
                    _ => Presented::Malformed(unknown),
                }
            }
            SecurityKind::Header(name) => match headers.get(name.as_str()) {
                None => Presented::Missing,
                Some(v) if v.is_empty() => Presented::Missing,
                Some(v) => Presented::Sent(Cow::Borrowed(v.as_bytes())),
            },
            SecurityKind::Query(name) => match q.get(name) {
                Value::Absent | Value::Text("") => Presented::Missing,
                Value::NotUtf8 => Presented::Malformed(unknown),
                Value::Text(v) => Presented::Sent(Cow::Borrowed(v.as_bytes())),
            },
        }
    }

    /// The credential of the request: `Ok(None)` when the operation needs none or when a
    /// fault serves the request unchecked.
    pub(crate) fn authenticate(
        &self,
        headers: &HeaderMap,
        q: &Query,
        continuation: bool,
    ) -> Result<Option<&Key>, ApiError> {
        if self.api.op.security.is_none() {
            return Ok(None);
        }
        let unchecked = continuation && self.fault == Some(Fault::ContinuationUnauthenticated);
        let optional = self.api.op.security.as_ref().is_some_and(|s| s.optional);
        let (found, why) = match self.presented(headers, q) {
            Presented::Sent(secret) => (
                self.data
                    .keys
                    .iter()
                    .chain(&self.data.viewer)
                    .find(|k| k.secret.as_bytes() == secret.as_ref()),
                "Unauthenticated.",
            ),
            Presented::Missing if optional => {
                crate::caller::set(self.data.anonymous.caller);
                return Ok(Some(&self.data.anonymous));
            }
            Presented::Missing if self.fault == Some(Fault::MissingKeyAccepted) => {
                return Ok(self.data.keys.first());
            }
            Presented::Missing if unchecked => return Ok(None),
            Presented::Missing => {
                return Err(self.auth_error(ErrorKind::MissingKey, "Unauthenticated."))
            }
            Presented::Malformed(why) => (None, why),
        };
        match found {
            Some(key) => {
                crate::caller::set(key.caller);
                Ok(Some(key))
            }
            None if unchecked => Ok(None),
            None if self.fault == Some(Fault::WrongErrorStatus) => Err(ApiError::new(400, why)),
            None => Err(self.auth_error(ErrorKind::InvalidKey, why)),
        }
    }

    fn auth_error(&self, kind: ErrorKind, message: &str) -> ApiError {
        let status = self.api.op.errors.statuses(kind)[0];
        let status = if self.mode == Some(ReadingMode::AuthOtherStatus) {
            other_auth_status(status)
        } else {
            status
        };
        ApiError::new(status, message).with_kind(kind)
    }

    /// Existence and access for the `x-access` path parameter, whose canonical value is
    /// `value`.
    pub(crate) fn access(
        &self,
        key: Option<&Key>,
        value: Option<&str>,
    ) -> Result<Access, ApiError> {
        let (Some(rules), Some(value)) = (&self.api.op.access, value) else {
            return Ok(Access::Unrestricted);
        };
        let found = self.data.access_values.iter().position(|v| v.text == value);
        let existence_first = *rules.existence_first && self.mode != Some(ReadingMode::ScopeFirst);
        // The missing-resource faults are a lookup that answers before any access rule.
        let looked_up_first = matches!(
            self.fault,
            Some(Fault::MissingResourceServed | Fault::MissingResourceWrongStatus)
        );
        if found.is_none() && (existence_first || looked_up_first) {
            return self.missing_resource();
        }
        if let (Some(key), false) = (key, self.fault == Some(Fault::CrossProjectRead)) {
            let allowed = match key.reach {
                Reach::All => true,
                Reach::Value(v) => found == Some(v),
                // An owner key cannot be told apart from others on a value that does not
                // exist; existence decides then.
                Reach::Owner(o) => found.is_none_or(|f| self.data.access_values[f].owner == o),
            };
            if !allowed {
                return Err(ApiError::new(
                    rules.forbidden[0],
                    format!("This credential may not read this {}.", rules.path_param),
                ));
            }
        }
        match found {
            Some(f) => Ok(Access::Value(f)),
            None => self.missing_resource(),
        }
    }

    fn missing_resource(&self) -> Result<Access, ApiError> {
        let rules = self.api.op.access.as_ref();
        let name = rules.map_or("resource", |r| r.path_param.as_str());
        let message = format!("The requested {name} does not exist.");
        match self.fault {
            Some(Fault::MissingResourceServed) => Ok(Access::Empty),
            Some(Fault::MissingResourceWrongStatus) => Err(ApiError::new(400, message)),
            _ => Err(ApiError::new(
                rules.map_or(404, |r| r.not_found[0]),
                message,
            )),
        }
    }
}

/// The credentials of a Basic `Authorization` header's parameter: the base64 of
/// `user:password`. Anything else (not base64, no colon) is malformed, never a panic.
fn basic_credentials(encoded: &str) -> Presented<'static> {
    match base64::engine::general_purpose::STANDARD.decode(encoded.trim()) {
        Ok(user_pass) if user_pass.contains(&b':') => Presented::Sent(Cow::Owned(user_pass)),
        _ => Presented::Malformed(NOT_BASIC),
    }
}
