//! Reading modes: another plausible reading of what a vendor page leaves open, served
//! faithfully otherwise.
//!
//! Each mode relies on a reading mark of the spec (`x-reading`, looked up through `specs`,
//! never by field name); [`ReadingMode::applies_to`] says whether the mark is there. A suite run
//! against a mode shows which checks rest on that reading: they warn, everything else passes.

use specs::walk::End;
use specs::{Bound, Spec};

use crate::api::Api;

/// One alternative reading the mock can serve (`--reading NAME`).
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    strum::VariantArray,
    strum::IntoStaticStr,
    strum::EnumMessage,
)]
#[strum(serialize_all = "kebab-case")]
pub enum ReadingMode {
    /// Missing and invalid credentials get the other HTTP auth status (401 ↔ 403).
    #[strum(message = "missing and invalid credentials get the other auth status (401 <-> 403)")]
    AuthOtherStatus,
    /// An enum value outside the enum selects nothing; a malformed size means the default.
    #[strum(message = "an unknown enum value selects nothing; a malformed size means the default")]
    LenientParams,
    /// Sizes outside the range are served clamped.
    #[strum(message = "sizes outside the range are served clamped")]
    ClampOutOfRange,
    /// An unknown token, cursor or item key serves the first page.
    #[strum(message = "an unknown token, cursor or item key serves page one")]
    TokenRestart,
    /// A token, cursor or item key the server did not issue answers 410 Gone, a status the
    /// spec does not list.
    #[strum(
        message = "an unknown token, cursor or item key answers 410 Gone, which the spec does not list"
    )]
    GoneTokens,
    /// `Retry-After` is an HTTP date.
    #[strum(message = "Retry-After is an HTTP date, not seconds")]
    RetryAfterDate,
    /// Every error body is `{"error": {"status": <code>, "detail": "<message>"}}`.
    #[strum(
        message = "error bodies are {\"error\": {\"status\": <code>, \"detail\": <message>}} (or under `problem` where the spec names `error`)"
    )]
    ErrorShape,
    /// Item fields whose presence is a reading are omitted on one item in eight.
    #[strum(message = "an item field whose presence is a reading is omitted on one item in eight")]
    SparseItems,
    /// Envelope members whose presence is a reading are omitted.
    #[strum(message = "envelope members whose presence is a reading are omitted")]
    SparseEnvelope,
    /// Envelope objects that may carry more members get extra paginator members.
    #[strum(
        message = "open envelope objects carry extra paginator members (path, per_page, prev_cursor)"
    )]
    ExtraEnvelopeFields,
    /// Item fields whose nullability is a reading are null on one item in eight.
    #[strum(message = "item fields whose nullability is a reading are null on one item in eight")]
    NullFields,
    /// Boolean envelope flags whose type is a reading are the strings "success" / "error".
    #[strum(message = "boolean envelope flags are the strings \"success\" / \"error\"")]
    StringFlags,
    /// Access is checked before existence.
    #[strum(message = "access is checked before existence")]
    ScopeFirst,
    /// An owner filter value that names no owner is refused.
    #[strum(message = "an owner filter naming no owner is refused")]
    UnknownOwnerRefused,
    /// Unknown query parameters are refused.
    #[strum(message = "unknown query parameters are refused")]
    UnknownParamsRefused,
    /// Next links carry only the token parameter; the token keeps the query.
    #[strum(message = "next links carry only the token, which keeps the query")]
    NextTokenOnly,
    /// The last page's next is null instead of absent.
    #[strum(message = "the last page's next is null instead of absent")]
    LastPageNull,
    /// The last page with items still carries a next link or cursor, which leads to one
    /// empty page: a server that cannot know a page is the last until it looks.
    #[strum(message = "the last page with items still links to a next page, which is empty")]
    TrailingEmptyPage,
    /// Error responses carry no body and no `Content-Type` (a 401 of a bearer scheme carries
    /// `WWW-Authenticate: Bearer`).
    #[strum(message = "errors have no body and no Content-Type (401: WWW-Authenticate: Bearer)")]
    EmptyErrorBodies,
    /// A page size beyond the range of its `format` (int32, int64) is refused as not an
    /// integer, though sizes above the maximum are clamped.
    #[strum(
        message = "a page size beyond its int32/int64 format is refused; other large sizes are clamped"
    )]
    FormatOverflowRefused,
    /// Date-time fields whose RFC 3339 profile is a reading are in ISO 8601's basic format
    /// (`20260110T093000Z`).
    #[strum(
        message = "date-times are ISO 8601 in the basic format (20260110T093000Z), not RFC 3339"
    )]
    IsoBasicTimestamps,
    /// Filters whose range bound or case is a reading are served the other way.
    #[strum(
        message = "filters whose bound (inclusive or not) or case is a reading are served the other way"
    )]
    OtherFilterReadings,
    /// The page size is lowered below the one asked for (to two thirds), and the size echo
    /// says so, as a vendor that makes its echo authoritative tells clients to expect.
    #[strum(
        message = "page sizes are lowered to two thirds of the size asked for, and the echo says so"
    )]
    LoweredPageSize,
}

impl ReadingMode {
    /// Every mode, in a stable order (the order of declaration).
    pub const ALL: &'static [ReadingMode] = <ReadingMode as strum::VariantArray>::VARIANTS;

    /// The kebab-case name used on the command line.
    pub fn name(self) -> &'static str {
        self.into()
    }

    /// One sentence on what the mode serves.
    pub fn description(self) -> &'static str {
        strum::EnumMessage::get_message(&self).unwrap_or_default()
    }

    /// Parses a kebab-case name.
    pub fn from_name(s: &str) -> Option<ReadingMode> {
        ReadingMode::ALL.iter().copied().find(|m| m.name() == s)
    }

    /// Whether the reading this mode departs from is marked in the spec, for at least one of
    /// the operations the mock serves; `Err` says why not (for the first operation).
    pub fn applies_to(self, spec: &Spec) -> Result<(), String> {
        crate::api::on_any_operation(spec, |api| self.applies_to_api(api))
    }

    /// Whether the mode exists for the operation `operation_id` of `spec`; `Err` says why not.
    pub fn applies_to_operation(self, spec: &Spec, operation_id: &str) -> Result<(), String> {
        crate::api::on_operation(spec, operation_id, |api| self.applies_to_api(api))
    }

    pub(crate) fn applies_to_api(self, api: &Api) -> Result<(), String> {
        let op = &api.op;
        let p = &api.pagination;
        let need = |ok: bool, why: &str| if ok { Ok(()) } else { Err(why.to_string()) };
        match self {
            ReadingMode::AuthOtherStatus => {
                need(op.security.is_some(), "the operation needs no credential")?;
                need(
                    op.errors.missing_key.reading.is_some() || op.errors.invalid_key.reading.is_some(),
                    "the statuses of x-errors missing-key and invalid-key are documented, not readings",
                )
            }
            ReadingMode::LenientParams => need(
                op.errors.invalid_param.reading.is_some(),
                "x-errors invalid-param is documented, not a reading",
            ),
            ReadingMode::ClampOutOfRange => need(
                (p.over_max.reading.is_some() && p.over_max.first() != Some(&Bound::Clamp))
                    || (p.under_min.reading.is_some()
                        && p.under_min.first() != Some(&Bound::Clamp)),
                "neither over-max nor under-min is a reading that rejects",
            ),
            ReadingMode::TokenRestart => need(
                op.errors.invalid_token.reading.is_some(),
                "x-errors invalid-token is documented, not a reading",
            ),
            ReadingMode::GoneTokens => need(
                op.errors.invalid_token.reading.is_some()
                    && api.spec.reading(&op.pointer, Some("responses")).is_some()
                    && op.response(410).is_none(),
                "x-errors invalid-token or the operation's list of statuses is documented, not \
                 a reading (or 410 is documented)",
            ),
            ReadingMode::RetryAfterDate => need(
                api.retry_after_reading().is_some(),
                "the 429 response's Retry-After header carries no reading",
            ),
            ReadingMode::ErrorShape => need(
                api.error_schema_reading().is_some(),
                "the shape of the error body (its required members) is documented, not a reading",
            ),
            ReadingMode::SparseItems => need(
                api.sparse_item_field().is_some(),
                "no item field whose presence (`required`) is a reading, other than the item key \
                 and filter fields",
            ),
            ReadingMode::SparseEnvelope => need(
                !api.sparse_envelope_members().is_empty(),
                "no envelope member whose presence is a reading, off the path to the items and \
                 the next link",
            ),
            ReadingMode::ExtraEnvelopeFields => need(
                !api.open_envelope_objects().is_empty(),
                "no envelope object with a reading on `additionalProperties`",
            ),
            ReadingMode::NullFields => need(
                !api.null_field_members().is_empty(),
                "no non-nullable item field carries a reading on `nullable`",
            ),
            ReadingMode::StringFlags => need(
                !api.flag_members().is_empty(),
                "no boolean envelope member carries a whole-node reading",
            ),
            ReadingMode::ScopeFirst => {
                let access = op.access.as_ref().ok_or("no x-access")?;
                need(
                    *access.existence_first && access.existence_first.reading.is_some(),
                    "x-access existence-first is not a reading that checks existence first",
                )
            }
            ReadingMode::UnknownOwnerRefused => need(
                api.owner_filter().is_some_and(|f| f.reading.is_some()),
                "no owner filter parameter carries a reading",
            ),
            ReadingMode::UnknownParamsRefused => need(
                api.spec.covering(&op.pointer, Some("parameters")).is_some(),
                "the operation carries no reading on `parameters`",
            ),
            ReadingMode::NextTokenOnly => {
                need(api.links(), "only walks that follow links serve next links")?;
                need(
                    api.spec.covering(&p.pointer, Some("next")).is_some(),
                    "x-pagination next carries no reading",
                )
            }
            ReadingMode::LastPageNull => {
                need(
                    api.next_pointer().is_some(),
                    &format!("the {} style has no next member in the body", p.style),
                )?;
                need(
                    p.last_page.contains(&End::NullNext)
                        && p.last_page.first() == Some(&End::NoNext),
                    "last-page does not accept null beside the absent next the reference serves",
                )
            }
            ReadingMode::TrailingEmptyPage => need(
                api.carries_next(),
                "only walks whose pages carry the next link or cursor hand out a next position \
                 that promises no items",
            ),
            ReadingMode::EmptyErrorBodies => need(
                api.error_schema_reading().is_some(),
                "the shape of the error body (its required members) is documented, not a reading",
            ),
            ReadingMode::FormatOverflowRefused => {
                need(
                    p.over_max.first() == Some(&Bound::Clamp),
                    "a page size above the maximum is not clamped, so refusing any is the rule",
                )?;
                need(
                    api.query_param(&p.size_param)
                        .is_some_and(|q| matches!(q.format(), Some("int32" | "int64"))),
                    "the size parameter has no int32 or int64 format",
                )
            }
            ReadingMode::IsoBasicTimestamps => need(
                !api.iso_profile_fields().is_empty(),
                "no item date-time field whose format is a reading",
            ),
            ReadingMode::LoweredPageSize => crate::faults::lowers_size(api),
            ReadingMode::OtherFilterReadings => need(
                api.query_filters().any(|f| f.otherwise().is_some()),
                "no query filter whose bound or case is a reading",
            ),
        }
    }
}

impl std::fmt::Display for ReadingMode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_are_unique() {
        let mut seen = std::collections::BTreeSet::new();
        for m in ReadingMode::ALL {
            assert_eq!(ReadingMode::from_name(m.name()), Some(*m));
            assert!(seen.insert(m.name()), "{} twice", m.name());
        }
    }

    #[test]
    fn every_mode_says_what_it_serves() {
        for m in ReadingMode::ALL {
            assert!(!m.description().is_empty(), "{m}");
        }
    }
}
