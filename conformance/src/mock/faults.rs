//! The faults a mock can be started with: each one breaks exactly one aspect of the reference
//! behaviour, so that a conformance check (or a hardened client) can be shown to notice it.

use specs::Vendor;

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
    /// A response cache keyed without the page token: every follow-up returns the first page.
    CursorIgnoredByCache,
    /// Peeker: the `status` filter is ignored.
    FilterIgnored,
    /// Peeker: filters are combined with OR instead of AND.
    FilterOr,
    /// Peeker: the `user_email` owner filter is ignored.
    OwnerFilterIgnored,
    /// DevPayr: the access rules are skipped, so a key reads projects it may not read.
    CrossProjectRead,
    /// A page size above the maximum is served as asked.
    PerPageUnbounded,
    /// The page size parameter is ignored: every page has the default size.
    PerPageIgnored,
    /// A request without credentials is served.
    MissingKeyAccepted,
    /// A tampered page token or cursor answers 500.
    BadToken500,
    /// An invalid key answers 400 instead of the documented status.
    WrongErrorStatus,
    /// Peeker: one item has the undocumented status `deleted`.
    OutOfEnum,
    /// A required field is absent from one item in sixteen (Peeker `created_at`, DevPayr
    /// `updated_at`).
    MissingField,
    /// DevPayr: every item carries an undocumented `license_key` field.
    ExtraField,
    /// One item in sixteen has an `id` of the wrong JSON type (Peeker number, DevPayr string).
    WrongType,
    /// Peeker: `meta.returned` is one more than the number of items.
    MetaMismatch,
    /// Error responses are HTML (`text/html`) instead of JSON.
    ErrorNotJson,
    /// Peeker: `links.next` points to another origin (a decoy server on another port).
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
                "a cache keyed without the page token: every follow-up returns the first page"
            }
            Fault::FilterIgnored => "the `status` filter is ignored",
            Fault::FilterOr => "filters are combined with OR instead of AND",
            Fault::OwnerFilterIgnored => "the `user_email` owner filter is ignored",
            Fault::CrossProjectRead => {
                "access rules are skipped: a key reads projects it may not read (200)"
            }
            Fault::PerPageUnbounded => "a page size above the maximum is served as asked",
            Fault::PerPageIgnored => "the page size is ignored: every page has the default size",
            Fault::MissingKeyAccepted => "a request without credentials is served (200)",
            Fault::BadToken500 => "a tampered page token or cursor answers 500",
            Fault::WrongErrorStatus => {
                "an invalid key answers 400 instead of the documented status"
            }
            Fault::OutOfEnum => "one item has the undocumented status `deleted`",
            Fault::MissingField => {
                "a required field is absent from some items (Peeker created_at, DevPayr updated_at)"
            }
            Fault::ExtraField => "every item carries an undocumented `license_key` field",
            Fault::WrongType => "some items have an `id` of the wrong JSON type",
            Fault::MetaMismatch => "`meta.returned` is one more than the number of items",
            Fault::ErrorNotJson => "error responses are text/html instead of JSON",
            Fault::CrossOriginNext => "`links.next` points to another origin (a decoy port)",
            Fault::RedirectOtherOrigin => "every request is redirected (302) to another origin",
            Fault::SlowBody => "headers and part of the body are sent, then the body stalls",
            Fault::HugeBody => "pages are a valid JSON body of about 100 MiB, streamed",
            Fault::MalformedJson => "pages are truncated JSON sent as application/json",
            Fault::WrongContentType => "pages are JSON sent as text/plain",
            Fault::RateLimitStorm => "every request answers 429 with Retry-After",
        }
    }

    /// Parses a kebab-case name.
    pub fn from_name(s: &str) -> Option<Fault> {
        Fault::ALL.iter().copied().find(|f| f.name() == s)
    }

    /// Whether the fault exists for this vendor's API.
    pub fn applies_to(self, v: Vendor) -> bool {
        match self {
            Fault::FilterIgnored
            | Fault::FilterOr
            | Fault::OwnerFilterIgnored
            | Fault::OutOfEnum
            | Fault::MetaMismatch
            | Fault::CrossOriginNext => v == Vendor::Peeker,
            Fault::CrossProjectRead | Fault::ExtraField => v == Vendor::Devpayr,
            _ => true,
        }
    }

    /// The vendors the fault applies to, for help texts.
    pub fn vendors(self) -> Vec<Vendor> {
        Vendor::ALL
            .into_iter()
            .filter(|v| self.applies_to(*v))
            .collect()
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
            assert!(!f.vendors().is_empty());
        }
        assert_eq!(Fault::from_name("nope"), None);
    }
}
