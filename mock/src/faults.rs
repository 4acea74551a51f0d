//! The faults a mock can be started with: each one breaks exactly one aspect of the reference
//! behaviour, so that a conformance check (or a hardened client) can be shown to notice it.
//!
//! Whether a fault exists for a spec is decided from the spec alone ([`Fault::applies_to`]):
//! a fault whose precondition does not hold would either change nothing or change something
//! the spec does not describe, and the mock refuses to start with it.

use specs::Spec;

use crate::api::Api;

/// One deliberate deviation from the reference behaviour.
///
/// Names are kebab-case and stable: the command line (`cargo xtask mock --fault NAME`) and the
/// conformance tests refer to them.
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
pub enum Fault {
    /// One item is skipped at every page boundary.
    #[strum(message = "one item is skipped at every page boundary")]
    PageGap,
    /// The last item of a page is repeated at the start of the next page.
    #[strum(message = "the last item of a page is repeated at the start of the next page")]
    PageDuplicate,
    /// The order of items depends on the page size.
    #[strum(message = "the order of items changes with the page size")]
    UnstableOrder,
    /// The last page keeps a next link or cursor, which returns the last page again.
    #[strum(message = "the last page keeps a next link/cursor that returns the last page again")]
    EndlessNext,
    /// A response cache keyed without the position: every follow-up returns the first page.
    #[strum(
        message = "a cache keyed without the position: every follow-up returns the first page"
    )]
    CursorIgnoredByCache,
    /// The last query filter with an enum and `match: equals` is ignored.
    #[strum(message = "the last enum filter (match: equals) is ignored")]
    FilterIgnored,
    /// Query filters are combined with OR instead of AND.
    #[strum(message = "query filters are combined with OR instead of AND")]
    FilterOr,
    /// The owner filter is ignored.
    #[strum(message = "the owner filter is ignored")]
    OwnerFilterIgnored,
    /// The `x-access` rules are skipped, so a credential reads values it may not read.
    #[strum(message = "access rules are skipped: a credential reads values it may not read (200)")]
    CrossProjectRead,
    /// A page size above the maximum is served as asked.
    #[strum(message = "a page size above the maximum is served as asked")]
    PerPageUnbounded,
    /// The page size parameter is ignored: every page has the default size.
    #[strum(message = "the page size is ignored: every page has the default size")]
    PerPageIgnored,
    /// A request without credentials is served.
    #[strum(message = "a request without credentials is served (200)")]
    MissingKeyAccepted,
    /// A tampered page token, cursor or item key answers 500.
    #[strum(
        serialize = "bad-token-500",
        message = "a tampered page token, cursor or item key answers 500"
    )]
    BadToken500,
    /// An invalid credential answers 400 instead of the documented status.
    #[strum(message = "an invalid credential answers 400 instead of the documented status")]
    WrongErrorStatus,
    /// One item has a value outside the enum of its first enum field.
    #[strum(message = "one item in sixteen has a value outside the enum of its first enum field")]
    OutOfEnum,
    /// A documented required field is absent from one item in sixteen.
    #[strum(message = "a documented required field is absent from one item in sixteen")]
    MissingField,
    /// Every item carries an undocumented field although the item schema forbids extras.
    #[strum(message = "every item carries an undocumented field")]
    ExtraField,
    /// One item in sixteen has an item key of the wrong JSON type.
    #[strum(message = "one item in sixteen has an item key of the wrong JSON type")]
    WrongType,
    /// The item count of the page is one more than the number of items.
    #[strum(message = "the page's item count is one more than its items")]
    MetaMismatch,
    /// Error responses are HTML (`text/html`) instead of JSON.
    #[strum(message = "error responses are text/html instead of JSON")]
    ErrorNotJson,
    /// The next link points to another origin (a decoy server on another port).
    #[strum(message = "the next link points to another origin (a decoy port)")]
    CrossOriginNext,
    /// Every request to the endpoint is redirected (302) to another origin.
    #[strum(message = "every request is redirected (302) to another origin")]
    RedirectOtherOrigin,
    /// A page's headers and part of its body are sent, then the body stalls until shutdown.
    #[strum(message = "headers and part of the body are sent, then the body stalls")]
    SlowBody,
    /// A page's body is a valid JSON document of about 100 MiB, streamed.
    #[strum(message = "pages are a valid JSON body of about 100 MiB, streamed")]
    HugeBody,
    /// A page's body is truncated JSON, still sent as `application/json`.
    #[strum(message = "pages are truncated JSON sent as application/json")]
    MalformedJson,
    /// A page's JSON body is sent as `text/plain`.
    #[strum(message = "pages are JSON sent as text/plain")]
    WrongContentType,
    /// Every request to the endpoint is rate limited, as `x-errors` says (429 with
    /// `Retry-After` by default).
    #[strum(message = "every request is rate limited (429 with Retry-After, or as x-errors says)")]
    RateLimitStorm,
    /// A rate limit told by headers lacks the one that says when the window resets.
    #[strum(
        message = "every fifth request is rate limited without the header that says when the window resets"
    )]
    RateLimitResetMissing,
    /// A refusal the spec answers in a 200 body is served as a page without items.
    #[strum(message = "a refusal the spec answers in a 200 body is an empty page instead")]
    InBodyErrorAsPage,
    /// A refusal answered in a 200 body names the code of another kind.
    #[strum(message = "a refusal answered in a 200 body carries the code of another kind")]
    InBodyWrongCode,
    /// Every page but the last holds one item fewer than the effective size.
    #[strum(message = "every page but the last holds one item fewer than the size")]
    ShortPages,
    /// Without the size parameter, pages hold half the default size.
    #[strum(message = "without the size parameter, pages hold half the default size")]
    DefaultSizeIgnored,
    /// Continuation requests ignore the query filters.
    #[strum(message = "continuation requests ignore the query filters")]
    ContinuationDropsQuery,
    /// Continuation requests are served without checking the credential.
    #[strum(message = "continuation requests are served without checking the credential")]
    ContinuationUnauthenticated,
    /// The items `x-restricted` marks are listed to the viewer and to anonymous callers.
    #[strum(message = "restricted items are listed to the viewer and to anonymous callers")]
    RestrictedLeak,
    /// An anonymous caller is listed items the main credential's list leaves out.
    #[strum(message = "an anonymous caller is listed items the main credential's list leaves out")]
    AnonymousSuperset,
    /// The viewer is listed items the main credential's list leaves out.
    #[strum(message = "the viewer is listed items the main credential's list leaves out")]
    ViewerSuperset,
    /// The size parameter's exact minimum is refused.
    #[strum(message = "the size parameter's exact minimum is refused")]
    MinimumRefused,
    /// A value of the access path parameter that does not exist is served as an empty page.
    #[strum(message = "a path value that does not exist is served as an empty page (200)")]
    MissingResourceServed,
    /// A value of the access path parameter that does not exist is answered 400.
    #[strum(message = "a path value that does not exist answers 400")]
    MissingResourceWrongStatus,
    /// The last-page flag says more follow on the last page too (`has-more` true, `is-last`
    /// false).
    #[strum(
        message = "the flag says more follow on the last page too (has-more true, is-last false)"
    )]
    HasMoreStuck,
    /// The total (of items or pages) is one more than the truth.
    #[strum(message = "the total is one more than the truth")]
    TotalWrong,
    /// A window past the end returns the last page's items again.
    #[strum(message = "a window past the end returns the last page's items again")]
    PastEndItems,
    /// Date-time fields are Unix epoch seconds, as strings.
    #[strum(message = "date-time fields are Unix epoch seconds, as strings")]
    EpochTimestamps,
    /// An equals filter without an enum matches every item whose value starts with the value
    /// sent (`LIKE 'v%'`).
    #[strum(
        message = "an equals filter without an enum matches values that start with the value sent"
    )]
    FilterPrefix,
    /// An equals filter on text without an enum ignores case.
    #[strum(message = "an equals filter on text without an enum ignores case")]
    FilterCaseFolded,
    /// A page token carries the path values and filters it was issued for, and a request
    /// that sends it is served that scope instead of its own.
    #[strum(
        message = "a page token serves the path values and filters it was issued for, not the URL's"
    )]
    TokenCrossesScope,
    /// A filter of several values applies only the first of them.
    #[strum(message = "a filter of several values applies only the first of them")]
    SeveralFirstOnly,
    /// A search across several fields looks only in the first.
    #[strum(message = "a search across several fields looks only in the first")]
    SearchOneField,
    /// A search documented without case compares case.
    #[strum(message = "a search documented without case compares case")]
    SearchCaseSensitive,
    /// A range filter's bound is exclusive where it is documented inclusive, and the reverse.
    #[strum(message = "a range bound is exclusive where documented inclusive, and the reverse")]
    RangeBoundFlipped,
    /// A filter's documented default does not apply when the parameter is absent.
    #[strum(message = "a filter's default does not apply when the parameter is absent")]
    DefaultIgnored,
    /// The value that lifts a filter's default (`all`) is ignored: the default applies.
    #[strum(
        message = "the value that lifts a filter's default (`all`) is ignored: the default applies"
    )]
    LiftingValueIgnored,
    /// A value that means "anyone" or "no one" (`*`, `none`) is compared as a literal.
    #[strum(
        message = "a value that means anyone or no one (`*`, `none`) is compared as a literal"
    )]
    SentinelLiteral,
    /// The order parameter is ignored: items come in key order.
    #[strum(message = "the order parameter is ignored: items come in key order")]
    SortIgnored,
    /// Descending orders are served ascending.
    #[strum(message = "descending orders are served ascending")]
    SortDirectionIgnored,
    /// Without the order parameter, the default order is served in the other direction.
    #[strum(message = "without the order parameter, the default order runs the other way")]
    SortDefaultReversed,
    /// Where pages before the last may be short, a page the filters left short ends the walk:
    /// its next cursor or link is dropped, and the matches after it are never listed.
    #[strum(
        message = "a page the filters left short ends the walk: the matches after it are lost"
    )]
    ShortPageEndsWalk,
    /// The server lowers the page size but its authoritative size echo says the size asked for.
    #[strum(message = "the page size is lowered but the size echo says the size asked for")]
    LoweredSizeUnreported,
    /// The authoritative size echo says one more than the size asked for.
    #[strum(message = "the size echo says one more than the size asked for")]
    EchoAboveRequest,
}

impl Fault {
    /// Every fault, in a stable order (the order of declaration).
    pub const ALL: &'static [Fault] = <Fault as strum::VariantArray>::VARIANTS;

    /// The kebab-case name used on the command line.
    pub fn name(self) -> &'static str {
        self.into()
    }

    /// One sentence on what the fault changes.
    pub fn description(self) -> &'static str {
        strum::EnumMessage::get_message(&self).unwrap_or_default()
    }

    /// Parses a kebab-case name.
    pub fn from_name(s: &str) -> Option<Fault> {
        Fault::ALL.iter().copied().find(|f| f.name() == s)
    }

    /// Whether the fault exists for this spec, for at least one of the operations the mock
    /// serves; `Err` says why not (for the first operation).
    pub fn applies_to(self, spec: &Spec) -> Result<(), String> {
        crate::api::on_any_operation(spec, |api| self.applies_to_api(api))
    }

    /// Whether the fault exists for the operation `operation_id` of `spec`; `Err` says why not.
    pub fn applies_to_operation(self, spec: &Spec, operation_id: &str) -> Result<(), String> {
        crate::api::on_operation(spec, operation_id, |api| self.applies_to_api(api))
    }

    pub(crate) fn applies_to_api(self, api: &Api) -> Result<(), String> {
        let style = &api.pagination.style;
        let walks = |ok: bool, why: &str| match ok {
            true => Ok(()),
            false => Err(format!("the {style} style {why}")),
        };
        // A page position the client sends back: a token, a cursor or an item's key.
        let positioned = !api.pagination.addressable();
        let need = |ok: bool, why: &str| if ok { Ok(()) } else { Err(why.to_string()) };
        match self {
            Fault::EndlessNext => walks(
                api.carries_next(),
                "has no next link or cursor to point at the last page (see past-end-items)",
            ),
            Fault::FilterIgnored => need(
                api.ignorable_filter().is_some(),
                "no query filter has an enum and `match: equals`",
            ),
            Fault::FilterOr => need(
                api.query_filters()
                    .filter(|f| f.matching != specs::Match::Owner)
                    .count()
                    >= 2,
                "fewer than two query filters that are not owner filters",
            ),
            Fault::OwnerFilterIgnored => need(api.owner_filter().is_some(), "no owner filter"),
            Fault::CrossProjectRead => need(api.op.access.is_some(), "no x-access"),
            Fault::MissingKeyAccepted | Fault::ContinuationUnauthenticated => {
                let security = api
                    .op
                    .security
                    .as_ref()
                    .ok_or("the operation needs no credential")?;
                need(
                    !security.optional,
                    "the operation may be called without credentials (`{}` among its security \
                     requirements)",
                )
            }
            Fault::RestrictedLeak | Fault::ViewerSuperset => {
                need(api.op.restricted.is_some(), "no x-restricted: no viewer")
            }
            Fault::AnonymousSuperset => need(
                api.op.security.as_ref().is_some_and(|s| s.optional),
                "the operation cannot be called anonymously (no `{}` among its security \
                 requirements)",
            ),
            Fault::WrongErrorStatus => {
                need(
                    api.op.security.is_some(),
                    "the operation needs no credential",
                )?;
                need(
                    !api.op.errors.invalid_key.contains(&400),
                    "400 is a documented status for an invalid credential",
                )
            }
            Fault::BadToken500 => walks(positioned, "has no token, cursor or item key"),
            Fault::OutOfEnum => need(
                api.enum_field().is_some(),
                "no item field has an enum (a string with `enum`)",
            ),
            Fault::MissingField => need(
                api.missing_field_candidate().is_some(),
                "no documented required item field other than the item key and filter fields \
                 (whose `required` is not a reading)",
            ),
            Fault::ExtraField => need(
                api.item_schema.get("additionalProperties")
                    == Some(&serde_json::Value::Bool(false)),
                "the item schema does not say `additionalProperties: false`",
            ),
            Fault::MetaMismatch => need(api.pagination.count.is_some(), "no `count` pointer"),
            Fault::CrossOriginNext => walks(api.links(), "carries no next URL"),
            Fault::ShortPages => {
                walks(
                    positioned,
                    "lets the client compute the next position from the page size",
                )?;
                short_pages_are_faults(api)
            }
            Fault::DefaultSizeIgnored => {
                need(
                    api.pagination.size_default >= 2,
                    "half of a default size of 1 is still 1",
                )?;
                short_pages_are_faults(api)
            }
            Fault::ShortPageEndsWalk => {
                need(
                    api.pagination.short_pages,
                    "x-pagination does not say that pages before the last may be short",
                )?;
                need(api.query_filters().next().is_some(), "no query filter")
            }
            Fault::LoweredSizeUnreported | Fault::EchoAboveRequest => lowers_size(api),
            Fault::ContinuationDropsQuery => {
                need(api.query_filters().next().is_some(), "no query filter")
            }
            Fault::MissingResourceServed => need(api.op.access.is_some(), "no x-access"),
            Fault::MissingResourceWrongStatus => {
                let access = api.op.access.as_ref().ok_or("no x-access")?;
                need(
                    !access.not_found.contains(&400),
                    "400 is a documented status for a value that does not exist",
                )
            }
            Fault::HasMoreStuck => walks(
                api.pagination.flag.is_some(),
                "has no has-more or is-last flag",
            ),
            Fault::TotalWrong => need(
                api.total_pointer().is_some() || api.total_pages_pointer().is_some(),
                "no total or total-pages pointer (offset or page style)",
            ),
            Fault::PastEndItems => walks(
                api.pagination.addressable(),
                "never lets the client ask for a window past the end",
            ),
            Fault::TokenCrossesScope => {
                walks(api.carries_next(), "has no page token to carry a scope")?;
                need(
                    api.op.numbered_pages().is_none(),
                    "the next links carry page numbers, which carry no scope",
                )?;
                need(
                    api.query_filters()
                        .any(|f| f.matching != specs::Match::Owner)
                        || api.op.access.is_some(),
                    "no query filter and no x-access path parameter: no other scope to serve",
                )
            }
            Fault::FilterPrefix => need(
                api.free_equals_filters().next().is_some(),
                "no query filter of `match: equals` without an enum",
            ),
            Fault::FilterCaseFolded => need(
                api.free_equals_filters().any(|f| {
                    api.query_param(&f.param).and_then(|p| p.schema_type()) == Some("string")
                }),
                "no text query filter of `match: equals` without an enum",
            ),
            Fault::SeveralFirstOnly
            | Fault::SearchOneField
            | Fault::SearchCaseSensitive
            | Fault::RangeBoundFlipped
            | Fault::DefaultIgnored
            | Fault::LiftingValueIgnored
            | Fault::SentinelLiteral => need(
                self.altered_filter(api).is_some(),
                match self {
                    Fault::SeveralFirstOnly => "no query filter takes several values",
                    Fault::SearchOneField => "no search across several fields",
                    Fault::SearchCaseSensitive => "no search documented without case",
                    Fault::RangeBoundFlipped => "no range filter",
                    Fault::DefaultIgnored => "no query filter has a default",
                    Fault::LiftingValueIgnored => {
                        "no query filter has a default and a value that lifts it"
                    }
                    _ => "no query filter has a value for anyone or no one",
                },
            ),
            Fault::SortIgnored | Fault::SortDirectionIgnored | Fault::SortDefaultReversed => {
                crate::sort::sort_fault_applies(self, api)
            }
            Fault::RateLimitResetMissing => {
                let errors = &api.op.errors;
                need(
                    errors
                        .rate_limit
                        .as_ref()
                        .is_some_and(|r| r.reset.is_some()),
                    "x-errors names no rate-limit header that says when the window resets",
                )?;
                need(
                    errors.codes(specs::ErrorKind::RateLimited).is_empty(),
                    "rate limits are answered in a 200 body, without their headers",
                )
            }
            Fault::InBodyErrorAsPage | Fault::InBodyWrongCode => in_body_fault_applies(self, api),
            Fault::EpochTimestamps => need(
                !api.epoch_fields().is_empty(),
                "no item date-time field whose format (or pattern) is documented",
            ),
            Fault::PageGap
            | Fault::PageDuplicate
            | Fault::UnstableOrder
            | Fault::CursorIgnoredByCache
            | Fault::PerPageUnbounded
            | Fault::PerPageIgnored
            | Fault::WrongType
            | Fault::ErrorNotJson
            | Fault::RedirectOtherOrigin
            | Fault::SlowBody
            | Fault::HugeBody
            | Fault::MalformedJson
            | Fault::WrongContentType
            | Fault::RateLimitStorm
            | Fault::MinimumRefused => Ok(()),
        }
    }
}

/// A page short of the page size is a fault only where the spec does not say pages before the
/// last may be short.
fn short_pages_are_faults(api: &Api) -> Result<(), String> {
    match api.pagination.short_pages {
        true => Err("x-pagination says pages before the last may be short".into()),
        false => Ok(()),
    }
}

/// Whether the server may lower the page size and say so (`size-echo-authoritative`), where a
/// lowered size keeps the walk's positions (not with page numbers in the links).
pub(crate) fn lowers_size(api: &Api) -> Result<(), String> {
    if !api.pagination.size_echo_authoritative {
        return Err("x-pagination does not make its size echo authoritative".into());
    }
    if api.op.numbered_pages().is_some() {
        return Err(
            "the next links carry page numbers, which count pages of the size asked for".into(),
        );
    }
    Ok(())
}

/// The in-body faults break the answer to a request without credentials, which
/// `errors/missing-key` judges: they need that answer to be in a 200 body (and, to name
/// another kind's code, a second kind with codes).
fn in_body_fault_applies(fault: Fault, api: &Api) -> Result<(), String> {
    let errors = &api.op.errors;
    let security = api
        .op
        .security
        .as_ref()
        .ok_or("the operation needs no credential")?;
    if security.optional {
        return Err("the operation may be called without credentials".into());
    }
    if errors.in_body.is_none() || errors.codes(specs::ErrorKind::MissingKey).is_empty() {
        return Err("x-errors answers no missing credential in a 200 body (in-body, codes)".into());
    }
    let kinds = specs::ErrorKind::ALL
        .iter()
        .filter(|k| !errors.codes(**k).is_empty())
        .count();
    match (fault, kinds) {
        (Fault::InBodyWrongCode, 1) => Err("only one kind has in-body codes".into()),
        // Where the codes are a reading, another kind's code is that reading, not a fault.
        (Fault::InBodyWrongCode, _)
            if errors.codes_reading(specs::ErrorKind::MissingKey).is_some() =>
        {
            Err("the missing-key codes are a reading".into())
        }
        _ => Ok(()),
    }
}

impl Fault {
    /// The query filter as a filter fault serves it: the first filter the fault can break,
    /// changed as the fault says (`None` for other faults, or when no filter has what it
    /// breaks).
    pub(crate) fn altered_filter(self, api: &Api) -> Option<specs::Filter> {
        use specs::{Match, Sentinel};
        let mut filters = api.query_filters().cloned();
        match self {
            Fault::SeveralFirstOnly => filters.find(|f| f.several.is_some()),
            Fault::SearchOneField => filters
                .find(|f| f.matching == Match::Search && f.fields.len() > 1)
                .map(|mut f| {
                    f.fields.truncate(1);
                    f
                }),
            // Where case or a bound is a reading, the other way is that reading, not a fault.
            Fault::SearchCaseSensitive => filters
                .find(|f| f.matching == Match::Search && f.ignore_case && f.case_reading.is_none())
                .map(|mut f| {
                    f.ignore_case = false;
                    f
                }),
            Fault::RangeBoundFlipped => filters
                .find(|f| f.matching.is_range() && f.match_reading.is_none())
                .map(|mut f| {
                    f.matching = f.matching.other_bound();
                    f
                }),
            Fault::DefaultIgnored => filters.find(|f| f.narrows_by_default()).map(|mut f| {
                f.default = None;
                f
            }),
            Fault::LiftingValueIgnored => {
                filters.find(|f| f.narrows_by_default() && f.any_value().is_some())
            }
            Fault::SentinelLiteral => filters
                .find(|f| f.sentinels.values().any(|s| *s != Sentinel::Any))
                .map(|mut f| {
                    f.sentinels.retain(|_, s| *s == Sentinel::Any);
                    f
                }),
            _ => None,
        }
    }
}

impl std::fmt::Display for Fault {
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
        for f in Fault::ALL {
            assert_eq!(Fault::from_name(f.name()), Some(*f));
            assert!(seen.insert(f.name()), "{} twice", f.name());
        }
        assert_eq!(Fault::from_name("nope"), None);
    }

    #[test]
    fn every_fault_says_what_it_changes() {
        for f in Fault::ALL {
            assert!(!f.description().is_empty(), "{f}");
        }
    }
}
