//! Every check, once: its typed identity, its name, its family and what it asserts.
//!
//! Checks are selected (`--checks`), excluded, reported and tested by [`CheckId`]; the name
//! (`pagination/complete`) is derived from it, never written elsewhere. The README's table of
//! checks is tested against [`CheckId::ALL`].

use std::fmt;

/// A property family: one file under `checks/` each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Family {
    /// Walking the pages of a list.
    Pagination,
    /// Filter parameters and the items they select.
    Filters,
    /// The order parameter and the order of the items.
    Sort,
    /// Refusals: credentials, access, invalid input, tokens, rate limiting.
    Errors,
    /// Statuses, content types and bodies against the spec.
    Schema,
    /// What happened on the wire.
    Transport,
}

impl Family {
    /// Every family, in report order.
    pub const ALL: [Family; 6] = [
        Family::Pagination,
        Family::Filters,
        Family::Sort,
        Family::Errors,
        Family::Schema,
        Family::Transport,
    ];

    /// The family's name, the part of a check name before the `/`.
    pub fn name(self) -> &'static str {
        match self {
            Family::Pagination => "pagination",
            Family::Filters => "filters",
            Family::Sort => "sort",
            Family::Errors => "errors",
            Family::Schema => "schema",
            Family::Transport => "transport",
        }
    }
}

macro_rules! checks {
    ($($id:ident: $family:ident, $short:literal, $what:literal;)*) => {
        /// The identity of one check.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum CheckId {
            $(
                #[doc = $what]
                $id,
            )*
        }

        impl CheckId {
            /// Every check, in report order.
            pub const ALL: &'static [CheckId] = &[$(CheckId::$id),*];

            /// `family/property`, e.g. `pagination/complete`.
            pub fn name(self) -> &'static str {
                match self {
                    $(CheckId::$id => concat!(checks!(@family $family), "/", $short),)*
                }
            }

            /// The family the check belongs to.
            pub fn family(self) -> Family {
                match self {
                    $(CheckId::$id => Family::$family,)*
                }
            }

            /// What the check asserts, in one sentence.
            pub fn description(self) -> &'static str {
                match self {
                    $(CheckId::$id => $what,)*
                }
            }
        }
    };
    (@family Pagination) => { "pagination" };
    (@family Filters) => { "filters" };
    (@family Sort) => { "sort" };
    (@family Errors) => { "errors" };
    (@family Schema) => { "schema" };
    (@family Transport) => { "transport" };
}

checks! {
    PagesServed: Pagination, "pages-served",
        "every page of a walk is a 200 JSON page with the items array";
    Terminates: Pagination, "terminates",
        "every walk reaches a last page: no repeated next link or cursor, no repeated page, within a page cap derived from the first walk";
    NoDuplicates: Pagination, "no-duplicates",
        "no item key appears twice in a walk";
    Complete: Pagination, "complete",
        "walks at every page size return the same set of item keys (no gaps)";
    StableOrder: Pagination, "stable-order",
        "walks at any page size, and repeated walks, list the items in one order";
    PageSize: Pagination, "page-size",
        "every page but the last with items holds exactly the effective page size (one empty page may end a walk; pages may be short where x-pagination short-pages says so; an authoritative size echo is the size judged), and none holds more (filtered walks included)";
    DefaultSize: Pagination, "default-size",
        "a walk without the size parameter has pages of size-default";
    OverMax: Pagination, "over-max",
        "a page size above size-max is rejected or clamped, as x-pagination over-max accepts";
    CountFields: Pagination, "count-fields",
        "the count field equals the items on the page and the size echo equals the effective page size (an authoritative echo may be lower, never above the size asked for or size-max)";
    LastPage: Pagination, "last-page",
        "the last page signals its end as x-pagination last-page accepts (absent, null or empty next)";
    HasMore: Pagination, "has-more",
        "the has-more flag is false (an is-last flag true) on the last page and only there";
    Total: Pagination, "total",
        "the total (and total pages) a page reports agree with the walk";
    PastEnd: Pagination, "past-end",
        "a page past the end of the list has no items";
    ItemsMatch: Filters, "items-match",
        "every item of every page of a filtered walk satisfies every filter of the request (combinations are AND)";
    ExactSubset: Filters, "exact-subset",
        "a filtered walk returns exactly the items of the unfiltered walk that match, and a walk with several values of one filter the union (any) or intersection (all) of the walks with each value";
    Owner: Filters, "owner",
        "an owner filter returns items of one non-null owner, a subset of the unfiltered walk; an unknown owner returns none";
    PathScope: Filters, "path-scope",
        "every item belongs to the resource named in the path (path filters)";
    SortOrder: Sort, "order",
        "a walk in each order of x-sort, each direction, lists its items in that order across pages, and in the same order at another page size";
    SortDefault: Sort, "default",
        "without the order parameter, the items are in the default order x-sort states";
    SortReverse: Sort, "reverse",
        "each order walked to its end descending is the same order ascending reversed, up to ties";
    MissingKey: Errors, "missing-key",
        "a request without credentials, first page or continuation, gets an x-errors missing-key status";
    InvalidKey: Errors, "invalid-key",
        "a request with a wrong credential, first page or continuation, gets an x-errors invalid-key status";
    AnonymousView: Errors, "anonymous-view",
        "an operation that may be called without credentials (security `{}`) refuses an anonymous walk as missing-key says, or lists a subset of the credentialed walk and no item x-restricted marks";
    InvalidParam: Errors, "invalid-param",
        "out-of-range, non-integer and out-of-enum parameters get an invalid-param status, never a page or a 5xx";
    RangeBounds: Errors, "range-bounds",
        "each documented range is accepted at its exact minimum and maximum, and one past each is refused or clamped as the spec accepts";
    TamperedToken: Errors, "tampered-token",
        "flipped, truncated, extended and forged page tokens get an invalid-token status, never a page or a 5xx";
    TokenScope: Errors, "token-scope",
        "a page token replayed under another readable path value or other filters is refused or pages the scope in the URL, never the scope it was issued for";
    Forbidden: Errors, "forbidden",
        "a resource the credential may not read gets an x-access forbidden status";
    NotFound: Errors, "not-found",
        "a resource that does not exist gets an x-access not-found status";
    ViewerScope: Errors, "viewer-scope",
        "a walk with the viewer credential (--viewer-…) lists a subset of the main credential's walk and no item x-restricted marks";
    RateLimit: Errors, "rate-limit",
        "every rate limit (429, or as x-errors says) has a rate-limited status or in-body code, the documented headers, the rate-limit headers x-errors names (none left, a reset of its format within a day) and the documented body";
    DocumentedStatus: Schema, "documented-status",
        "every status the server sent is documented for the operation";
    ContentType: Schema, "content-type",
        "every response is served with a documented content type (application/json)";
    Json: Schema, "json",
        "every body is well-formed JSON";
    PageBody: Schema, "page-body",
        "every 200 body validates against the spec's response schema";
    ErrorBody: Schema, "error-body",
        "every error body validates against the spec's schema for its status";
    SameOrigin: Transport, "same-origin",
        "every link to follow stays on the base URL's origin (otherwise it is not requested)";
    NoRedirect: Transport, "no-redirect",
        "no response is a redirect (redirects are never followed with the credential)";
    Timely: Transport, "timely",
        "every response arrives complete within the per-request timeout";
    BodySize: Transport, "body-size",
        "every body is smaller than the body size cap";
    RateLimitRecovers: Transport, "rate-limit-recovers",
        "a rate-limited request is served after honouring Retry-After a few times";
    Connection: Transport, "connection",
        "every request gets a complete HTTP response (no reset or protocol error)";
}

impl CheckId {
    /// The check named `name` (`pagination/complete`).
    pub fn from_name(name: &str) -> Option<CheckId> {
        CheckId::ALL.iter().copied().find(|c| c.name() == name)
    }

    /// The checks of a family, in report order.
    pub fn of(family: Family) -> impl Iterator<Item = CheckId> {
        CheckId::ALL
            .iter()
            .copied()
            .filter(move |c| c.family() == family)
    }
}

impl fmt::Display for CheckId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Which checks a run evaluates: `--checks` and `--exclude-checks`, by name or family glob.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection {
    selected: Vec<CheckId>,
}

impl Default for Selection {
    fn default() -> Selection {
        Selection {
            selected: CheckId::ALL.to_vec(),
        }
    }
}

/// A pattern that names no check.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{pattern}` names no check; the checks are: {}", valid())]
pub struct UnknownCheck {
    /// The pattern as given.
    pub pattern: String,
}

fn valid() -> String {
    let families: Vec<String> = Family::ALL
        .iter()
        .map(|f| format!("{}/*", f.name()))
        .collect();
    let names: Vec<&str> = CheckId::ALL.iter().map(|c| c.name()).collect();
    format!(
        "{} (or a family: {})",
        names.join(", "),
        families.join(", ")
    )
}

fn matching(pattern: &str) -> Result<Vec<CheckId>, UnknownCheck> {
    let pattern = pattern.trim();
    let found: Vec<CheckId> = match pattern.strip_suffix("/*") {
        Some(family) => CheckId::ALL
            .iter()
            .copied()
            .filter(|c| c.family().name() == family)
            .collect(),
        None => CheckId::from_name(pattern).into_iter().collect(),
    };
    if found.is_empty() {
        Err(UnknownCheck {
            pattern: pattern.to_string(),
        })
    } else {
        Ok(found)
    }
}

impl Selection {
    /// The checks named by `include` (all when empty) minus those named by `exclude`; each
    /// entry is a check name or a family glob (`pagination/*`).
    pub fn new(include: &[String], exclude: &[String]) -> Result<Selection, UnknownCheck> {
        let mut selected: Vec<CheckId> = if include.is_empty() {
            CheckId::ALL.to_vec()
        } else {
            let mut chosen = Vec::new();
            for pattern in include {
                chosen.extend(matching(pattern)?);
            }
            CheckId::ALL
                .iter()
                .copied()
                .filter(|c| chosen.contains(c))
                .collect()
        };
        for pattern in exclude {
            let excluded = matching(pattern)?;
            selected.retain(|c| !excluded.contains(c));
        }
        Ok(Selection { selected })
    }

    /// Whether `check` is selected.
    pub fn contains(&self, check: CheckId) -> bool {
        self.selected.contains(&check)
    }

    /// Whether any of `checks` is selected.
    pub fn any(&self, checks: &[CheckId]) -> bool {
        checks.iter().any(|c| self.contains(*c))
    }

    /// The selected checks, in report order.
    pub fn checks(&self) -> &[CheckId] {
        &self.selected
    }

    /// Whether every check is selected.
    pub fn is_all(&self) -> bool {
        self.selected.len() == CheckId::ALL.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_carry_their_family() {
        let mut seen = std::collections::BTreeSet::new();
        for c in CheckId::ALL {
            assert!(seen.insert(c.name()), "{c} twice");
            assert_eq!(c.name().split('/').next(), Some(c.family().name()));
            assert_eq!(CheckId::from_name(c.name()), Some(*c));
            assert!(!c.description().is_empty());
        }
    }

    /// The README's table of checks is the registry: same checks, same order, same words.
    #[test]
    fn the_readme_table_is_the_registry() {
        let readme = include_str!("../../README.md");
        let table = readme
            .split("<!-- check-table -->")
            .nth(1)
            .and_then(|s| s.split("<!-- /check-table -->").next())
            .expect("README.md marks its check table with <!-- check-table -->");
        let mut want = String::from("\n| check | what it asserts |\n|---|---|\n");
        for c in CheckId::ALL {
            want.push_str(&format!("| `{}` | {} |\n", c.name(), c.description()));
        }
        assert_eq!(
            table, want,
            "README.md's check table differs from the registry; it should be:\n{want}"
        );
    }

    #[test]
    fn selection_takes_names_and_family_globs() {
        let s = Selection::new(&["pagination/*".into(), "errors/missing-key".into()], &[]).unwrap();
        assert!(s.contains(CheckId::Complete) && s.contains(CheckId::MissingKey));
        assert!(!s.contains(CheckId::InvalidKey));
        let s = Selection::new(&[], &["schema/*".into()]).unwrap();
        assert!(!s.contains(CheckId::PageBody) && s.contains(CheckId::Complete));
        let err = Selection::new(&["pagination/compleat".into()], &[]).unwrap_err();
        assert!(err.to_string().contains("pagination/complete"), "{err}");
        assert!(Selection::new(&["nope/*".into()], &[]).is_err());
        assert!(Selection::default().is_all());
    }
}
