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
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Fault {
    /// One item is skipped at every page boundary.
    PageGap,
    /// The last item of a page is repeated at the start of the next page.
    PageDuplicate,
    /// The order of items depends on the page size.
    UnstableOrder,
    /// The last page keeps a next link or cursor, which returns the last page again.
    EndlessNext,
    /// A response cache keyed without the position: every follow-up returns the first page.
    CursorIgnoredByCache,
    /// The last query filter with an enum and `match: equals` is ignored.
    FilterIgnored,
    /// Query filters are combined with OR instead of AND.
    FilterOr,
    /// The owner filter is ignored.
    OwnerFilterIgnored,
    /// The `x-access` rules are skipped, so a credential reads values it may not read.
    CrossProjectRead,
    /// A page size above the maximum is served as asked.
    PerPageUnbounded,
    /// The page size parameter is ignored: every page has the default size.
    PerPageIgnored,
    /// A request without credentials is served.
    MissingKeyAccepted,
    /// A tampered page token, cursor or item key answers 500.
    BadToken500,
    /// An invalid credential answers 400 instead of the documented status.
    WrongErrorStatus,
    /// One item has a value outside the enum of its first enum field.
    OutOfEnum,
    /// A documented required field is absent from one item in sixteen.
    MissingField,
    /// Every item carries an undocumented field although the item schema forbids extras.
    ExtraField,
    /// One item in sixteen has an item key of the wrong JSON type.
    WrongType,
    /// The item count of the page is one more than the number of items.
    MetaMismatch,
    /// Error responses are HTML (`text/html`) instead of JSON.
    ErrorNotJson,
    /// The next link points to another origin (a decoy server on another port).
    CrossOriginNext,
    /// Every request to the endpoint is redirected (302) to another origin.
    RedirectOtherOrigin,
    /// A page's headers and part of its body are sent, then the body stalls until shutdown.
    SlowBody,
    /// A page's body is a valid JSON document of about 100 MiB, streamed.
    HugeBody,
    /// A page's body is truncated JSON, still sent as `application/json`.
    MalformedJson,
    /// A page's JSON body is sent as `text/plain`.
    WrongContentType,
    /// Every request to the endpoint answers 429 with `Retry-After`.
    RateLimitStorm,
    /// Every page but the last holds one item fewer than the effective size.
    ShortPages,
    /// Without the size parameter, pages hold half the default size.
    DefaultSizeIgnored,
    /// Continuation requests ignore the query filters.
    ContinuationDropsQuery,
    /// Continuation requests are served without checking the credential.
    ContinuationUnauthenticated,
    /// The size parameter's exact minimum is refused.
    MinimumRefused,
    /// A value of the access path parameter that does not exist is served as an empty page.
    MissingResourceServed,
    /// A value of the access path parameter that does not exist is answered 400.
    MissingResourceWrongStatus,
    /// `has-more` is true on the last page too.
    HasMoreStuck,
    /// The total (of items or pages) is one more than the truth.
    TotalWrong,
    /// A window past the end returns the last page's items again.
    PastEndItems,
    /// Date-time fields are Unix epoch seconds, as strings.
    EpochTimestamps,
    /// An equals filter without an enum matches every item whose value starts with the value
    /// sent (`LIKE 'v%'`).
    FilterPrefix,
    /// An equals filter on text without an enum ignores case.
    FilterCaseFolded,
    /// A page token carries the path values and filters it was issued for, and a request
    /// that sends it is served that scope instead of its own.
    TokenCrossesScope,
}

impl Fault {
    /// Every fault, in a stable order.
    pub const ALL: &'static [Fault] = &[
        Fault::PageGap,
        Fault::PageDuplicate,
        Fault::UnstableOrder,
        Fault::EndlessNext,
        Fault::CursorIgnoredByCache,
        Fault::FilterIgnored,
        Fault::FilterOr,
        Fault::OwnerFilterIgnored,
        Fault::CrossProjectRead,
        Fault::PerPageUnbounded,
        Fault::PerPageIgnored,
        Fault::MissingKeyAccepted,
        Fault::BadToken500,
        Fault::WrongErrorStatus,
        Fault::OutOfEnum,
        Fault::MissingField,
        Fault::ExtraField,
        Fault::WrongType,
        Fault::MetaMismatch,
        Fault::ErrorNotJson,
        Fault::CrossOriginNext,
        Fault::RedirectOtherOrigin,
        Fault::SlowBody,
        Fault::HugeBody,
        Fault::MalformedJson,
        Fault::WrongContentType,
        Fault::RateLimitStorm,
        Fault::ShortPages,
        Fault::DefaultSizeIgnored,
        Fault::ContinuationDropsQuery,
        Fault::ContinuationUnauthenticated,
        Fault::MinimumRefused,
        Fault::MissingResourceServed,
        Fault::MissingResourceWrongStatus,
        Fault::HasMoreStuck,
        Fault::TotalWrong,
        Fault::PastEndItems,
        Fault::EpochTimestamps,
        Fault::FilterPrefix,
        Fault::FilterCaseFolded,
        Fault::TokenCrossesScope,
    ];

    /// The kebab-case name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Fault::PageGap => "page-gap",
            Fault::PageDuplicate => "page-duplicate",
            Fault::UnstableOrder => "unstable-order",
            Fault::EndlessNext => "endless-next",
            Fault::CursorIgnoredByCache => "cursor-ignored-by-cache",
            Fault::FilterIgnored => "filter-ignored",
            Fault::FilterOr => "filter-or",
            Fault::OwnerFilterIgnored => "owner-filter-ignored",
            Fault::CrossProjectRead => "cross-project-read",
            Fault::PerPageUnbounded => "per-page-unbounded",
            Fault::PerPageIgnored => "per-page-ignored",
            Fault::MissingKeyAccepted => "missing-key-accepted",
            Fault::BadToken500 => "bad-token-500",
            Fault::WrongErrorStatus => "wrong-error-status",
            Fault::OutOfEnum => "out-of-enum",
            Fault::MissingField => "missing-field",
            Fault::ExtraField => "extra-field",
            Fault::WrongType => "wrong-type",
            Fault::MetaMismatch => "meta-mismatch",
            Fault::ErrorNotJson => "error-not-json",
            Fault::CrossOriginNext => "cross-origin-next",
            Fault::RedirectOtherOrigin => "redirect-other-origin",
            Fault::SlowBody => "slow-body",
            Fault::HugeBody => "huge-body",
            Fault::MalformedJson => "malformed-json",
            Fault::WrongContentType => "wrong-content-type",
            Fault::RateLimitStorm => "rate-limit-storm",
            Fault::ShortPages => "short-pages",
            Fault::DefaultSizeIgnored => "default-size-ignored",
            Fault::ContinuationDropsQuery => "continuation-drops-query",
            Fault::ContinuationUnauthenticated => "continuation-unauthenticated",
            Fault::MinimumRefused => "minimum-refused",
            Fault::MissingResourceServed => "missing-resource-served",
            Fault::MissingResourceWrongStatus => "missing-resource-wrong-status",
            Fault::HasMoreStuck => "has-more-stuck",
            Fault::TotalWrong => "total-wrong",
            Fault::PastEndItems => "past-end-items",
            Fault::EpochTimestamps => "epoch-timestamps",
            Fault::FilterPrefix => "filter-prefix",
            Fault::FilterCaseFolded => "filter-case-folded",
            Fault::TokenCrossesScope => "token-crosses-scope",
        }
    }

    /// One sentence on what the fault changes.
    pub fn description(self) -> &'static str {
        match self {
            Fault::PageGap => "one item is skipped at every page boundary",
            Fault::PageDuplicate => {
                "the last item of a page is repeated at the start of the next page"
            }
            Fault::UnstableOrder => "the order of items changes with the page size",
            Fault::EndlessNext => {
                "the last page keeps a next link/cursor that returns the last page again"
            }
            Fault::CursorIgnoredByCache => {
                "a cache keyed without the position: every follow-up returns the first page"
            }
            Fault::FilterIgnored => "the last enum filter (match: equals) is ignored",
            Fault::FilterOr => "query filters are combined with OR instead of AND",
            Fault::OwnerFilterIgnored => "the owner filter is ignored",
            Fault::CrossProjectRead => {
                "access rules are skipped: a credential reads values it may not read (200)"
            }
            Fault::PerPageUnbounded => "a page size above the maximum is served as asked",
            Fault::PerPageIgnored => "the page size is ignored: every page has the default size",
            Fault::MissingKeyAccepted => "a request without credentials is served (200)",
            Fault::BadToken500 => "a tampered page token, cursor or item key answers 500",
            Fault::WrongErrorStatus => {
                "an invalid credential answers 400 instead of the documented status"
            }
            Fault::OutOfEnum => {
                "one item in sixteen has a value outside the enum of its first enum field"
            }
            Fault::MissingField => "a documented required field is absent from one item in sixteen",
            Fault::ExtraField => "every item carries an undocumented field",
            Fault::WrongType => "one item in sixteen has an item key of the wrong JSON type",
            Fault::MetaMismatch => "the page's item count is one more than its items",
            Fault::ErrorNotJson => "error responses are text/html instead of JSON",
            Fault::CrossOriginNext => "the next link points to another origin (a decoy port)",
            Fault::RedirectOtherOrigin => "every request is redirected (302) to another origin",
            Fault::SlowBody => "headers and part of the body are sent, then the body stalls",
            Fault::HugeBody => "pages are a valid JSON body of about 100 MiB, streamed",
            Fault::MalformedJson => "pages are truncated JSON sent as application/json",
            Fault::WrongContentType => "pages are JSON sent as text/plain",
            Fault::RateLimitStorm => "every request answers 429 with Retry-After",
            Fault::ShortPages => "every page but the last holds one item fewer than the size",
            Fault::DefaultSizeIgnored => {
                "without the size parameter, pages hold half the default size"
            }
            Fault::ContinuationDropsQuery => "continuation requests ignore the query filters",
            Fault::ContinuationUnauthenticated => {
                "continuation requests are served without checking the credential"
            }
            Fault::MinimumRefused => "the size parameter's exact minimum is refused",
            Fault::MissingResourceServed => {
                "a path value that does not exist is served as an empty page (200)"
            }
            Fault::MissingResourceWrongStatus => "a path value that does not exist answers 400",
            Fault::HasMoreStuck => "has-more is true on the last page too",
            Fault::TotalWrong => "the total is one more than the truth",
            Fault::PastEndItems => "a window past the end returns the last page's items again",
            Fault::EpochTimestamps => "date-time fields are Unix epoch seconds, as strings",
            Fault::FilterPrefix => {
                "an equals filter without an enum matches values that start with the value sent"
            }
            Fault::FilterCaseFolded => "an equals filter on text without an enum ignores case",
            Fault::TokenCrossesScope => {
                "a page token serves the path values and filters it was issued for, not the URL's"
            }
        }
    }

    /// Parses a kebab-case name.
    pub fn from_name(s: &str) -> Option<Fault> {
        Fault::ALL.iter().copied().find(|f| f.name() == s)
    }

    /// Whether the fault exists for this spec; `Err` says why not.
    pub fn applies_to(self, spec: &Spec) -> Result<(), String> {
        let api = Api::new(spec)?;
        self.applies_to_api(&api)
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
            Fault::MissingKeyAccepted | Fault::ContinuationUnauthenticated => need(
                api.op.security.is_some(),
                "the operation needs no credential",
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
            Fault::ShortPages => walks(
                positioned,
                "lets the client compute the next position from the page size",
            ),
            Fault::DefaultSizeIgnored => need(
                api.pagination.size_default >= 2,
                "half of a default size of 1 is still 1",
            ),
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
            Fault::HasMoreStuck => walks(api.has_more_flag(), "has no has-more flag"),
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
}
