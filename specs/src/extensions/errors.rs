//! `x-errors`: for each kind of refusal, the statuses the checks accept.

use serde::de::IgnoredAny;
use serde::Deserialize;

use super::{read, Ext, Fact};
use crate::model::OpContext;
use crate::pointer::Pointer;
use crate::SpecError;

/// `x-errors`: for each kind of refusal, the statuses the checks accept.
///
/// Without `x-errors`, or for a kind it does not list, the HTTP conventions apply: 401 or 403
/// for a missing or invalid credential, any 4xx for invalid input, 429 when rate limited.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorRules {
    /// No credentials sent.
    pub missing_key: Fact<Vec<u16>>,
    /// Credentials sent but not valid.
    pub invalid_key: Fact<Vec<u16>>,
    /// A parameter out of its documented range or enum, or not of its type.
    pub invalid_param: Fact<Vec<u16>>,
    /// A page token or cursor that the server did not issue.
    pub invalid_token: Fact<Vec<u16>>,
    /// Rate limited.
    pub rate_limited: Fact<Vec<u16>>,
    /// In an error body, the human-readable message.
    pub message: Option<Pointer>,
    /// In an error body, the field-level details (parameter → messages).
    pub details: Option<Pointer>,
}

/// The statuses HTTP allows for a refused credential.
pub const AUTH_STATUSES: [u16; 2] = [401, 403];

fn client_errors() -> Vec<u16> {
    (400..=499).collect()
}

impl Default for ErrorRules {
    fn default() -> ErrorRules {
        ErrorRules {
            missing_key: Fact::documented(AUTH_STATUSES.to_vec()),
            invalid_key: Fact::documented(AUTH_STATUSES.to_vec()),
            invalid_param: Fact::documented(client_errors()),
            invalid_token: Fact::documented(client_errors()),
            rate_limited: Fact::documented(vec![429]),
            message: None,
            details: None,
        }
    }
}

/// `x-errors` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct Raw {
    missing_key: Option<Vec<u16>>,
    invalid_key: Option<Vec<u16>>,
    invalid_param: Option<Vec<u16>>,
    invalid_token: Option<Vec<u16>>,
    rate_limited: Option<Vec<u16>>,
    message: Option<Pointer>,
    details: Option<Pointer>,
    #[serde(rename = "x-reading")]
    _reading: Option<IgnoredAny>,
}

pub(crate) fn read_errors(cx: &OpContext) -> Result<ErrorRules, SpecError> {
    let Some((raw, ext)) = read::<Raw>(cx, "x-errors")? else {
        return Ok(ErrorRules::default());
    };
    let d = ErrorRules::default();
    Ok(ErrorRules {
        missing_key: statuses(&ext, "missing-key", raw.missing_key, d.missing_key.value)?,
        invalid_key: statuses(&ext, "invalid-key", raw.invalid_key, d.invalid_key.value)?,
        invalid_param: statuses(
            &ext,
            "invalid-param",
            raw.invalid_param,
            d.invalid_param.value,
        )?,
        invalid_token: statuses(
            &ext,
            "invalid-token",
            raw.invalid_token,
            d.invalid_token.value,
        )?,
        rate_limited: statuses(&ext, "rate-limited", raw.rate_limited, d.rate_limited.value)?,
        message: raw.message,
        details: raw.details,
    })
}

/// A list of error statuses under `key` (or `default`), with the reading marked on the key.
pub(crate) fn statuses(
    ext: &Ext,
    key: &str,
    given: Option<Vec<u16>>,
    default: Vec<u16>,
) -> Result<Fact<Vec<u16>>, SpecError> {
    let Some(list) = given else {
        return Ok(ext.fact(key, default));
    };
    if list.is_empty() {
        return Err(ext.error(key, "at least one status is required"));
    }
    if let Some(bad) = list.iter().find(|s| !(400..=599).contains(*s)) {
        return Err(ext.error(key, format!("{bad} is not an error status (400..=599)")));
    }
    Ok(ext.fact(key, list))
}
