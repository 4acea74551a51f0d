//! `x-errors`: for each kind of refusal, the statuses the checks accept; errors carried in 200
//! bodies (`in-body`, and the `codes` of each kind); and the headers of a rate limit
//! (`rate-limit`).

use std::collections::BTreeMap;

use client_runtime::{InBody, RateLimitHeaders, Reset, ResetFormat};
use serde::de::IgnoredAny;
use serde::Deserialize;
use serde_json::Value;

use super::{read, Ext, Fact};
use crate::model::{error_body_of, OpContext, ResponseSpec, StatusKey};
use crate::pointer::Pointer;
use crate::readings::{covering, Reading};
use crate::SpecError;

/// A kind of refusal `x-errors` describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ErrorKind {
    /// No credentials sent.
    MissingKey,
    /// Credentials sent but not valid.
    InvalidKey,
    /// A parameter out of its documented range or enum, or not of its type.
    InvalidParam,
    /// A page token or cursor that the server did not issue.
    InvalidToken,
    /// Rate limited.
    RateLimited,
}

impl ErrorKind {
    /// Every kind, in the order `x-errors` lists them.
    pub const ALL: [ErrorKind; 5] = [
        ErrorKind::MissingKey,
        ErrorKind::InvalidKey,
        ErrorKind::InvalidParam,
        ErrorKind::InvalidToken,
        ErrorKind::RateLimited,
    ];

    /// The key of the kind in `x-errors` (`missing-key`).
    pub fn name(self) -> &'static str {
        match self {
            ErrorKind::MissingKey => "missing-key",
            ErrorKind::InvalidKey => "invalid-key",
            ErrorKind::InvalidParam => "invalid-param",
            ErrorKind::InvalidToken => "invalid-token",
            ErrorKind::RateLimited => "rate-limited",
        }
    }
}

impl std::fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

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
    /// `in-body`: errors carried in 200 bodies, a flag that is `false` on them and the code
    /// that names them (Slack's `{"ok": false, "error": "invalid_auth"}`).
    pub in_body: Option<InBody>,
    /// `codes`: for each kind, the codes of an error in a 200 body that say it (only with
    /// `in_body`); a kind without codes is refused by its statuses only. A list is a reading
    /// where `codes` marks its kind (`codes: {x-reading: {invalid-param: ...}}`), or where
    /// `x-errors` marks `codes` as a whole.
    pub codes: BTreeMap<ErrorKind, Fact<Vec<String>>>,
    /// `rate-limit`: the headers that tell a rate limit (the requests left, and when the
    /// window resets), and the statuses of `rate-limited` they apply to.
    pub rate_limit: Option<Fact<RateLimitHeaders>>,
}

/// An error carried in a 200 body: the code it names, and the kind that code says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InBodyError<'b> {
    /// The body's code, when its code member is a string.
    pub code: Option<&'b str>,
    /// The kind whose `codes` list that code, if one does.
    pub kind: Option<ErrorKind>,
}

/// The statuses HTTP allows for a refused credential.
pub const AUTH_STATUSES: [u16; 2] = [401, 403];

/// The status of a rate limit whatever its headers (RFC 6585).
pub const TOO_MANY_REQUESTS: u16 = 429;

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
            rate_limited: Fact::documented(vec![TOO_MANY_REQUESTS]),
            message: None,
            details: None,
            in_body: None,
            codes: BTreeMap::new(),
            rate_limit: None,
        }
    }
}

impl ErrorRules {
    /// The statuses accepted for `kind`.
    pub fn statuses(&self, kind: ErrorKind) -> &Fact<Vec<u16>> {
        match kind {
            ErrorKind::MissingKey => &self.missing_key,
            ErrorKind::InvalidKey => &self.invalid_key,
            ErrorKind::InvalidParam => &self.invalid_param,
            ErrorKind::InvalidToken => &self.invalid_token,
            ErrorKind::RateLimited => &self.rate_limited,
        }
    }

    /// The codes of an error in a 200 body that say `kind` (none: its statuses only).
    pub fn codes(&self, kind: ErrorKind) -> &[String] {
        self.codes.get(&kind).map_or(&[], |f| f.value.as_slice())
    }

    /// The reading the codes of `kind` rest on, if the page does not state them.
    pub fn codes_reading(&self, kind: ErrorKind) -> Option<&Reading> {
        self.codes.get(&kind)?.reading.as_ref()
    }

    /// The error an answer carries in its body: a 200 whose flag is `false`, where the spec
    /// declares errors in 200 bodies. `None` for any other answer.
    pub fn in_body_error<'b>(
        &self,
        status: u16,
        body: Option<&'b Value>,
    ) -> Option<InBodyError<'b>> {
        let in_body = self.in_body.as_ref()?;
        let body = body.filter(|b| status == 200 && in_body.is_error(b))?;
        let code = in_body.code(body);
        let kind = code.and_then(|c| {
            ErrorKind::ALL
                .into_iter()
                .find(|k| self.codes(*k).iter().any(|listed| listed == c))
        });
        Some(InBodyError { code, kind })
    }

    /// Whether an answer refuses a request as `kind` says: with one of its statuses, or with
    /// an error in a 200 body whose code is one of its codes. (A rate limit is also told by
    /// headers: see [`ErrorRules::rate_limits`].)
    pub fn refuses_as(&self, kind: ErrorKind, status: u16, body: Option<&Value>) -> bool {
        self.statuses(kind).contains(&status)
            || self
                .in_body_error(status, body)
                .is_some_and(|e| e.kind == Some(kind))
    }

    /// Whether an answer refuses a request for the rate limit: a 429 (RFC 6585); a status of
    /// `rate-limited` whose remaining header says that no request is left (`rate-limit`); an
    /// error in a 200 body whose code is a `rate-limited` one. `header` looks a header up by
    /// name, without case.
    pub fn rate_limits<'h>(
        &self,
        status: u16,
        header: impl Fn(&str) -> Option<&'h str>,
        body: Option<&Value>,
    ) -> bool {
        status == TOO_MANY_REQUESTS
            || self
                .rate_limit
                .as_ref()
                .is_some_and(|r| r.limits(status, header))
            || self
                .in_body_error(status, body)
                .is_some_and(|e| e.kind == Some(ErrorKind::RateLimited))
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
    in_body: Option<RawInBody>,
    codes: Option<RawCodes>,
    rate_limit: Option<RawRateLimit>,
    #[serde(rename = "x-reading")]
    _reading: Option<IgnoredAny>,
}

/// `in-body` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawInBody {
    flag: Pointer,
    code: Pointer,
}

/// `codes` as written: a key per kind, so that an unknown kind is refused at its key.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawCodes {
    missing_key: Option<Vec<String>>,
    invalid_key: Option<Vec<String>>,
    invalid_param: Option<Vec<String>>,
    invalid_token: Option<Vec<String>>,
    rate_limited: Option<Vec<String>>,
    #[serde(rename = "x-reading")]
    _reading: Option<IgnoredAny>,
}

impl RawCodes {
    fn into_kinds(self) -> Vec<(ErrorKind, Vec<String>)> {
        [
            (ErrorKind::MissingKey, self.missing_key),
            (ErrorKind::InvalidKey, self.invalid_key),
            (ErrorKind::InvalidParam, self.invalid_param),
            (ErrorKind::InvalidToken, self.invalid_token),
            (ErrorKind::RateLimited, self.rate_limited),
        ]
        .into_iter()
        .filter_map(|(kind, codes)| Some((kind, codes?)))
        .collect()
    }
}

/// `rate-limit` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawRateLimit {
    remaining: String,
    reset: Option<String>,
    reset_format: Option<RawResetFormat>,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "kebab-case")]
enum RawResetFormat {
    EpochSeconds,
    DeltaSeconds,
}

pub(crate) fn read_errors(
    cx: &OpContext,
    responses: &[ResponseSpec],
) -> Result<ErrorRules, SpecError> {
    let Some((raw, ext)) = read::<Raw>(cx, "x-errors")? else {
        return Ok(ErrorRules::default());
    };
    let d = ErrorRules::default();
    let rate_limited = statuses(&ext, "rate-limited", raw.rate_limited, d.rate_limited.value)?;
    let in_body = raw
        .in_body
        .map(|r| read_in_body(cx, &ext, r, responses))
        .transpose()?;
    let codes = match raw.codes {
        None => BTreeMap::new(),
        Some(_) if in_body.is_none() => {
            return Err(ext.error(
                "codes",
                "`codes` name errors carried in 200 bodies: declare where with `in-body` \
                 (`{flag: /ok, code: /error}`)",
            ))
        }
        Some(codes) => read_codes(&ext, codes)?,
    };
    let rate_limit = read_rate_limit(&ext, raw.rate_limit, &rate_limited)?;
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
        rate_limited,
        message: raw.message,
        details: raw.details,
        in_body,
        codes,
        rate_limit,
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

/// `in-body`: two pointers into the body, the flag a boolean member of the 200 body and of the
/// error body (`true` on a page, `false` on an error), the code a string member of the error
/// body. The error body is the operation's shared error response (`default`, else the first
/// error status or range with a JSON schema), which describes an error whatever its status.
fn read_in_body(
    cx: &OpContext,
    ext: &Ext,
    raw: RawInBody,
    responses: &[ResponseSpec],
) -> Result<InBody, SpecError> {
    let at = |key: &str| format!("{}/{key}", ext.key_at("in-body"));
    for (key, pointer) in [("flag", &raw.flag), ("code", &raw.code)] {
        if pointer.is_root() {
            return Err(cx.error(
                &at(key),
                format!("the {key} is a member of the body, not the whole body"),
            ));
        }
    }
    if raw.flag == raw.code {
        return Err(cx.error(&at("code"), "the code and the flag are one member"));
    }
    let page = responses
        .iter()
        .find(|r| r.key == StatusKey::Code(200))
        .and_then(|r| r.json_schema.as_deref());
    let error = error_body_of(responses).and_then(|r| r.json_schema.as_deref());
    let (Some(page), Some(error)) = (page, error) else {
        return Err(ext.error(
            "in-body",
            "an error in a 200 body is an error body: the operation needs a 200 response and an \
             error response (`default`, a 4XX or an error status) with JSON schemas",
        ));
    };
    let member_type = |schema: &str, member: &Pointer| {
        crate::member_schema_in(cx.raw, schema, member.as_str())
            .and_then(|(s, _)| s.get("type").and_then(Value::as_str).map(str::to_string))
    };
    for (schema, what) in [(page, "200"), (error, "error")] {
        if member_type(schema, &raw.flag).as_deref() != Some("boolean") {
            return Err(cx.error(
                &at("flag"),
                format!(
                    "`{}` is not a boolean member of the {what} response's schema ({schema})",
                    raw.flag
                ),
            ));
        }
    }
    if member_type(error, &raw.code).as_deref() != Some("string") {
        return Err(cx.error(
            &at("code"),
            format!(
                "`{}` is not a string member of the error response's schema ({error})",
                raw.code
            ),
        ));
    }
    Ok(InBody {
        flag: raw.flag.into(),
        code: raw.code.into(),
    })
}

/// `codes`: each list not empty, no empty code, and no code said by two kinds (a code names
/// one kind of refusal); each with the reading marked on its kind, or on `codes` as a whole.
fn read_codes(
    ext: &Ext,
    raw: RawCodes,
) -> Result<BTreeMap<ErrorKind, Fact<Vec<String>>>, SpecError> {
    let mut out: BTreeMap<ErrorKind, Fact<Vec<String>>> = BTreeMap::new();
    let whole = ext.fact("codes", ()).reading;
    for (kind, codes) in raw.into_kinds() {
        let at = format!("{}/{}", ext.key_at("codes"), kind.name());
        if codes.is_empty() {
            return Err(ext.cx.error(
                &at,
                "at least one code is required (leave the kind out to accept its statuses only)",
            ));
        }
        for (i, code) in codes.iter().enumerate() {
            if code.is_empty() {
                return Err(ext.cx.error(&format!("{at}/{i}"), "a code is not empty"));
            }
            if let Some((other, _)) = out.iter().find(|(_, listed)| listed.contains(code)) {
                return Err(ext.cx.error(
                    &format!("{at}/{i}"),
                    format!("`{code}` is a code of {other} already: a code names one kind"),
                ));
            }
        }
        let reading = covering(ext.cx.readings, &ext.key_at("codes"), Some(kind.name()))
            .cloned()
            .or_else(|| whole.clone());
        out.insert(
            kind,
            Fact {
                value: codes,
                reading,
            },
        );
    }
    Ok(out)
}

/// `rate-limit`: header names, a reset with its format; and every `rate-limited` status other
/// than 429 needs it, since such a status (GitHub's 403) also refuses other requests and only
/// the remaining header tells a rate limit apart.
fn read_rate_limit(
    ext: &Ext,
    raw: Option<RawRateLimit>,
    rate_limited: &Fact<Vec<u16>>,
) -> Result<Option<Fact<RateLimitHeaders>>, SpecError> {
    let Some(raw) = raw else {
        return match rate_limited.iter().find(|s| **s != TOO_MANY_REQUESTS) {
            Some(other) => Err(ext.error(
                "rate-limited",
                format!(
                    "{other} is not 429: a rate limit with another status is told by its headers; \
                     add `rate-limit` with the header that counts the requests left"
                ),
            )),
            None => Ok(None),
        };
    };
    let at = |key: &str| format!("{}/{key}", ext.key_at("rate-limit"));
    let header = |key: &str, name: &str| match is_header_name(name) {
        true => Ok(name.to_ascii_lowercase()),
        false => Err(ext
            .cx
            .error(&at(key), format!("`{name}` is not a header name"))),
    };
    let remaining = header("remaining", &raw.remaining)?;
    let reset =
        match (raw.reset, raw.reset_format) {
            (None, None) => None,
            (Some(name), Some(format)) => Some(Reset {
                header: header("reset", &name)?,
                format: match format {
                    RawResetFormat::EpochSeconds => ResetFormat::EpochSeconds,
                    RawResetFormat::DeltaSeconds => ResetFormat::DeltaSeconds,
                },
            }),
            (Some(_), None) => return Err(ext.cx.error(
                &at("reset"),
                "say how the reset is written: `reset-format: epoch-seconds` or `delta-seconds`",
            )),
            (None, Some(_)) => {
                return Err(ext.cx.error(
                    &at("reset-format"),
                    "`reset-format` without the `reset` header",
                ))
            }
        };
    Ok(Some(ext.fact(
        "rate-limit",
        RateLimitHeaders {
            statuses: rate_limited.value.clone(),
            remaining,
            reset,
        },
    )))
}

/// Whether `name` is an HTTP field name (RFC 9110 `token`).
fn is_header_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Spec;

    const NOTES: &str = include_str!("../../../fixtures/specs/notes-in-body-errors.yaml");
    const OP: &str = "/paths/~1notes.list/get";

    fn notes() -> Spec {
        Spec::parse("notes-in-body-errors.yaml", NOTES).unwrap_or_else(|e| panic!("{e}"))
    }

    fn with(text: &str, from: &str, to: &str) -> String {
        assert!(text.contains(from), "test edit target `{from}` not found");
        text.replacen(from, to, 1)
    }

    fn refused(text: &str) -> SpecError {
        Spec::parse("notes-in-body-errors.yaml", text).unwrap_err()
    }

    #[test]
    fn errors_in_200_bodies_are_read_with_the_codes_of_each_kind() {
        let spec = notes();
        let errors = &spec.operations[0].errors;
        let in_body = errors.in_body.as_ref().expect("in-body");
        assert_eq!(
            (in_body.flag.as_str(), in_body.code.as_str()),
            ("/ok", "/error")
        );
        assert_eq!(
            errors.codes(ErrorKind::InvalidKey),
            ["invalid_auth", "token_revoked"]
        );
        assert!(ErrorKind::ALL.iter().all(|k| !errors.codes(*k).is_empty()));
        let body = |v: serde_json::Value| v;
        let revoked = body(serde_json::json!({"ok": false, "error": "token_revoked"}));
        let error = errors.in_body_error(200, Some(&revoked)).expect("an error");
        assert_eq!(error.code, Some("token_revoked"));
        assert_eq!(error.kind, Some(ErrorKind::InvalidKey));
        assert!(errors.refuses_as(ErrorKind::InvalidKey, 200, Some(&revoked)));
        assert!(!errors.refuses_as(ErrorKind::MissingKey, 200, Some(&revoked)));
        // Its statuses stay accepted; a page, or the same body with another status, is no
        // error in the body.
        assert!(errors.refuses_as(ErrorKind::InvalidKey, 401, None));
        assert!(errors.in_body_error(400, Some(&revoked)).is_none());
        let page = body(serde_json::json!({"ok": true, "notes": []}));
        assert!(errors.in_body_error(200, Some(&page)).is_none());
        let unknown = body(serde_json::json!({"ok": false, "error": "fatal_error"}));
        assert_eq!(
            errors.in_body_error(200, Some(&unknown)).unwrap().kind,
            None
        );
        let limited = body(serde_json::json!({"ok": false, "error": "ratelimited"}));
        assert!(errors.rate_limits(200, |_| None, Some(&limited)));
        assert!(!errors.rate_limits(200, |_| None, Some(&revoked)));
        assert!(errors.rate_limits(429, |_| None, None));
        let op = &spec.operations[0];
        assert_eq!(
            op.error_body().map(|r| r.key),
            Some(StatusKey::Default),
            "the error body is the default response"
        );
        assert!(ErrorKind::ALL
            .iter()
            .all(|k| errors.codes_reading(*k).is_none()));
        // A mark keyed by a kind on `codes` covers that kind's list; one keyed `codes` on
        // `x-errors`, every list.
        let per_kind = with(
            NOTES,
            "          rate-limited: [ratelimited]\n",
            "          rate-limited: [ratelimited]\n          x-reading:\n            invalid-param: Which values get which code is a reading.\n",
        );
        let per_kind = Spec::parse("n.yaml", &per_kind).unwrap_or_else(|e| panic!("{e}"));
        let read = &per_kind.operations[0].errors;
        assert!(read.codes_reading(ErrorKind::InvalidParam).is_some());
        assert!(read.codes_reading(ErrorKind::MissingKey).is_none());
        let whole = with(
            NOTES,
            "          rate-limited: [ratelimited]\n",
            "          rate-limited: [ratelimited]\n        x-reading:\n          codes: Which values get which code is a reading.\n",
        );
        let whole = Spec::parse("n.yaml", &whole).unwrap_or_else(|e| panic!("{e}"));
        let read = &whole.operations[0].errors;
        assert!(ErrorKind::ALL
            .iter()
            .all(|k| read.codes_reading(*k).is_some()));
    }

    #[test]
    fn misused_in_body_errors_are_located() {
        let cases = [
            // An unknown kind.
            (
                "          rate-limited: [ratelimited]",
                "          rate-limit: [ratelimited]",
                "/x-errors/codes/rate-limit",
                "unknown key `rate-limit`",
            ),
            // An empty list.
            (
                "invalid-token: [invalid_cursor]",
                "invalid-token: []",
                "/x-errors/codes/invalid-token",
                "at least one code",
            ),
            // A code of two kinds.
            (
                "invalid-token: [invalid_cursor]",
                "invalid-token: [invalid_limit]",
                "/x-errors/codes/invalid-token/0",
                "a code of invalid-param already",
            ),
            // Not a pointer.
            (
                "in-body: {flag: /ok, code: /error}",
                "in-body: {flag: ok, code: /error}",
                "/x-errors/in-body/flag",
                "not a JSON pointer",
            ),
            // The whole body.
            (
                "in-body: {flag: /ok, code: /error}",
                "in-body: {flag: /ok, code: \"\"}",
                "/x-errors/in-body/code",
                "not the whole body",
            ),
            // A flag that is no boolean member of the page.
            (
                "in-body: {flag: /ok, code: /error}",
                "in-body: {flag: /okay, code: /error}",
                "/x-errors/in-body/flag",
                "not a boolean member of the 200 response's schema",
            ),
            // A code that is no string member of the error body.
            (
                "in-body: {flag: /ok, code: /error}",
                "in-body: {flag: /ok, code: /detail/text}",
                "/x-errors/in-body/code",
                "not a string member of the error response's schema",
            ),
            // A key of neither.
            (
                "in-body: {flag: /ok, code: /error}",
                "in-body: {flag: /ok, code: /error, message: /detail}",
                "/x-errors/in-body/message",
                "unknown key `message`",
            ),
        ];
        for (from, to, pointer, problem) in cases {
            let err = refused(&with(NOTES, from, to));
            assert_eq!(err.pointer, format!("{OP}{pointer}"), "{err}");
            assert!(err.problem.contains(problem), "{err}");
        }
        // Codes without in-body.
        let err = refused(&with(
            NOTES,
            "        in-body: {flag: /ok, code: /error}\n",
            "",
        ));
        assert_eq!(err.pointer, format!("{OP}/x-errors/codes"), "{err}");
        assert!(err.problem.contains("in-body"), "{err}");
        // No error body to follow.
        let text = with(
            NOTES,
            "        default:\n          description: A refusal",
            "        \"299\":\n          description: A refusal",
        );
        let err = refused(&text);
        assert_eq!(err.pointer, format!("{OP}/x-errors/in-body"), "{err}");
        assert!(err.problem.contains("error response"), "{err}");
    }

    #[test]
    fn a_rate_limit_told_by_headers_is_read_and_misuses_are_located() {
        let limited = with(
            NOTES,
            "        rate-limited: [429]\n",
            "        rate-limited: [403, 429]\n        rate-limit: {remaining: X-RateLimit-Remaining, reset: X-RateLimit-Reset, reset-format: epoch-seconds}\n",
        );
        let spec = Spec::parse("n.yaml", &limited).unwrap_or_else(|e| panic!("{e}"));
        let rule = spec.operations[0]
            .errors
            .rate_limit
            .clone()
            .expect("rate-limit");
        assert_eq!(rule.statuses, [403, 429]);
        assert_eq!(rule.remaining, "x-ratelimit-remaining");
        let reset = rule.reset.as_ref().expect("a reset");
        assert_eq!(
            (reset.header.as_str(), reset.format),
            ("x-ratelimit-reset", ResetFormat::EpochSeconds)
        );
        let errors = &spec.operations[0].errors;
        let none_left = |name: &str| (name == "x-ratelimit-remaining").then_some("0");
        assert!(errors.rate_limits(403, none_left, None));
        assert!(!errors.rate_limits(403, |_| None, None));
        assert!(!errors.rate_limits(401, none_left, None));

        let cases = [
            (
                "rate-limited: [429]",
                "rate-limited: [403, 429]",
                "/x-errors/rate-limited",
                "403 is not 429",
            ),
            (
                "rate-limited: [429]",
                "rate-limited: [429]\n        rate-limit: {remaining: x-left, reset: x-reset}",
                "/x-errors/rate-limit/reset",
                "reset-format",
            ),
            (
                "rate-limited: [429]",
                "rate-limited: [429]\n        rate-limit: {remaining: x-left, reset-format: delta-seconds}",
                "/x-errors/rate-limit/reset-format",
                "without the `reset` header",
            ),
            (
                "rate-limited: [429]",
                "rate-limited: [429]\n        rate-limit: {remaining: \"x left\"}",
                "/x-errors/rate-limit/remaining",
                "not a header name",
            ),
            (
                "rate-limited: [429]",
                "rate-limited: [429]\n        rate-limit: {remaining: x-left, reset: x-reset, reset-format: unix}",
                "/x-errors/rate-limit/reset-format",
                "unix",
            ),
        ];
        for (from, to, pointer, problem) in cases {
            let err = refused(&with(NOTES, from, to));
            assert_eq!(err.pointer, format!("{OP}{pointer}"), "{err}");
            assert!(err.problem.contains(problem), "{err}");
        }
    }
}
