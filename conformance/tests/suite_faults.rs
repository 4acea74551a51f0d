//! The suite against every fault of the reference mocks, on every spec it applies to (the
//! embedded specs and the fixture specs no Rust names): each must fail, by the check this
//! table names. A fault may trip other checks as well (a malformed page also breaks the walk);
//! the table names the check that states the broken property. The README's table is tested
//! against this one.

mod suite_util;

use conformance::{CheckId, Verdict};
use mock::Fault;
use suite_util::{faulty, fixtures, options, spec, target};

/// Fault → the check that must fail.
pub const FAULT_CHECKS: &[(Fault, CheckId)] = &[
    (Fault::PageGap, CheckId::Complete),
    (Fault::PageDuplicate, CheckId::NoDuplicates),
    (Fault::UnstableOrder, CheckId::StableOrder),
    (Fault::EndlessNext, CheckId::Terminates),
    (Fault::CursorIgnoredByCache, CheckId::Terminates),
    (Fault::FilterIgnored, CheckId::ItemsMatch),
    (Fault::FilterOr, CheckId::ItemsMatch),
    (Fault::OwnerFilterIgnored, CheckId::Owner),
    (Fault::CrossProjectRead, CheckId::Forbidden),
    (Fault::PerPageUnbounded, CheckId::OverMax),
    (Fault::PerPageIgnored, CheckId::PageSize),
    (Fault::MissingKeyAccepted, CheckId::MissingKey),
    (Fault::BadToken500, CheckId::TamperedToken),
    (Fault::WrongErrorStatus, CheckId::InvalidKey),
    (Fault::OutOfEnum, CheckId::PageBody),
    (Fault::MissingField, CheckId::PageBody),
    (Fault::ExtraField, CheckId::PageBody),
    (Fault::WrongType, CheckId::PageBody),
    (Fault::MetaMismatch, CheckId::CountFields),
    (Fault::ErrorNotJson, CheckId::ContentType),
    (Fault::CrossOriginNext, CheckId::SameOrigin),
    (Fault::RedirectOtherOrigin, CheckId::NoRedirect),
    (Fault::SlowBody, CheckId::Timely),
    (Fault::HugeBody, CheckId::BodySize),
    (Fault::MalformedJson, CheckId::Json),
    (Fault::WrongContentType, CheckId::ContentType),
    (Fault::RateLimitStorm, CheckId::RateLimitRecovers),
    (Fault::ShortPages, CheckId::PageSize),
    (Fault::DefaultSizeIgnored, CheckId::DefaultSize),
    (Fault::ContinuationDropsQuery, CheckId::ItemsMatch),
    (Fault::ContinuationUnauthenticated, CheckId::MissingKey),
    (Fault::RestrictedLeak, CheckId::ViewerScope),
    (Fault::AnonymousSuperset, CheckId::AnonymousView),
    (Fault::ViewerSuperset, CheckId::ViewerScope),
    (Fault::MinimumRefused, CheckId::RangeBounds),
    (Fault::MissingResourceServed, CheckId::NotFound),
    (Fault::MissingResourceWrongStatus, CheckId::NotFound),
    (Fault::HasMoreStuck, CheckId::HasMore),
    (Fault::TotalWrong, CheckId::Total),
    (Fault::PastEndItems, CheckId::PastEnd),
    (Fault::EpochTimestamps, CheckId::PageBody),
    (Fault::FilterPrefix, CheckId::ItemsMatch),
    (Fault::FilterCaseFolded, CheckId::ItemsMatch),
    (Fault::TokenCrossesScope, CheckId::TokenScope),
    (Fault::SeveralFirstOnly, CheckId::ExactSubset),
    (Fault::SearchOneField, CheckId::ExactSubset),
    (Fault::SearchCaseSensitive, CheckId::ExactSubset),
    (Fault::RangeBoundFlipped, CheckId::ExactSubset),
    (Fault::DefaultIgnored, CheckId::ItemsMatch),
    (Fault::LiftingValueIgnored, CheckId::ExactSubset),
    (Fault::SentinelLiteral, CheckId::ExactSubset),
    (Fault::SortIgnored, CheckId::SortOrder),
    (Fault::SortDirectionIgnored, CheckId::SortOrder),
    (Fault::SortDefaultReversed, CheckId::SortDefault),
    (Fault::ShortPageEndsWalk, CheckId::ExactSubset),
    (Fault::LoweredSizeUnreported, CheckId::PageSize),
    (Fault::EchoAboveRequest, CheckId::CountFields),
    (Fault::RateLimitResetMissing, CheckId::RateLimit),
    (Fault::InBodyErrorAsPage, CheckId::MissingKey),
    (Fault::InBodyWrongCode, CheckId::MissingKey),
];

fn expected(fault: Fault) -> CheckId {
    FAULT_CHECKS
        .iter()
        .find(|(f, _)| *f == fault)
        .map(|(_, c)| *c)
        .unwrap_or_else(|| panic!("fault `{}` is not in FAULT_CHECKS", fault.name()))
}

#[test]
fn the_table_covers_every_fault_once() {
    for f in Fault::ALL {
        expected(*f);
    }
    assert_eq!(FAULT_CHECKS.len(), Fault::ALL.len(), "a fault listed twice");
}

/// The README's fault table is this table: same faults, same checks, nothing else.
#[test]
fn the_readme_table_is_this_table() {
    let readme = include_str!("../../README.md");
    let section = readme
        .split("<!-- fault-table -->")
        .nth(1)
        .expect("README.md marks its fault table with <!-- fault-table -->");
    let mut listed = Vec::new();
    for line in section
        .lines()
        .take_while(|l| !l.starts_with("<!-- /fault-table -->"))
    {
        let cells: Vec<&str> = line
            .split('|')
            .map(|c| c.trim().trim_matches('`'))
            .collect();
        if let [_, fault, check, ..] = cells.as_slice() {
            if Fault::from_name(fault).is_some() {
                listed.push((fault.to_string(), check.to_string()));
            }
        }
    }
    let mut want: Vec<(String, String)> = FAULT_CHECKS
        .iter()
        .map(|(f, c)| (f.name().to_string(), c.name().to_string()))
        .collect();
    listed.sort();
    want.sort();
    assert_eq!(
        listed, want,
        "README.md's fault table differs from FAULT_CHECKS"
    );
}

/// Every spec a fault could apply to: the embedded ones and the fixtures.
fn all_specs() -> Vec<specs::Spec> {
    let mut all = specs::all().expect("the embedded specs parse");
    all.extend(fixtures());
    all
}

async fn caught(fault: Fault) {
    let check = expected(fault);
    let mut applied = Vec::new();
    for spec in all_specs() {
        if fault.applies_to(&spec).is_err() {
            continue;
        }
        let name = spec.name.clone();
        applied.push(name.clone());
        let mut config = faulty(spec.clone(), fault);
        if matches!(fault, Fault::RateLimitStorm | Fault::RateLimitResetMissing) {
            // The window resets at once: the suite's short waits (50 ms) see what the server
            // does after the reset, not a window the run would refuse to wait for.
            config.retry_after_secs = 0;
        }
        let m = mock::start(config).await.expect("the mock starts");
        let mut options = options();
        if fault == Fault::SlowBody {
            // Every body stalls, so the verdict is the same for any timeout; a short one keeps
            // the three timeouts before the probe gives up from costing seconds per spec.
            options.request_timeout = std::time::Duration::from_millis(300);
        }
        let report = conformance::run(target(&m), options).await;
        let (decoy_requests, leaks) = (m.decoy_request_count(), m.decoy_credential_leaks());
        m.shutdown().await;
        let text = report.render();
        assert_eq!(
            report.exit_code(),
            1,
            "{name} with {}: exit code\n{text}",
            fault.name()
        );
        assert_eq!(
            report.check(check).map(|c| c.verdict),
            Some(Verdict::Fail),
            "{name} with {}: `{check}` did not fail\n{text}",
            fault.name()
        );
        // Each operation the fault is served on fails by the check (or is skipped, where a
        // fault that stops the whole run stopped it first); the spec's other operations are
        // served faithfully and fail nothing.
        for op in &report.operations {
            let op = op.id.as_str();
            if fault.applies_to_operation(&spec, op).is_ok() {
                let verdict = report.operation_check(op, check).map(|c| c.verdict);
                let stopped_first = report.stop.is_some() && verdict == Some(Verdict::Skip);
                assert!(
                    verdict == Some(Verdict::Fail) || stopped_first,
                    "{name} with {}: `{check}` did not fail on {op}\n{text}",
                    fault.name()
                );
            } else if report
                .operation(op)
                .is_some_and(|o| o.not_checked.is_none())
            {
                let failed: Vec<_> = report
                    .checks
                    .iter()
                    .filter(|c| c.operation == op && c.verdict == Verdict::Fail)
                    .map(|c| c.id)
                    .collect();
                assert!(
                    failed.is_empty(),
                    "{name} with {}: {op} is served faithfully but failed {failed:?}\n{text}",
                    fault.name()
                );
            }
        }
        assert_eq!(
            decoy_requests,
            0,
            "{name} with {}: a request reached the other origin",
            fault.name()
        );
        assert_eq!(
            leaks,
            0,
            "{name} with {}: the credential reached the other origin",
            fault.name()
        );
    }
    assert!(!applied.is_empty(), "{} applies to no spec", fault.name());
}

/// Each fault applies where its precondition holds: at least to one of the two vendors, and
/// to every spec of a style it is about.
#[test]
fn faults_apply_where_their_preconditions_hold() {
    let peeker = spec("peeker");
    let devpayr = spec("devpayr");
    for fault in Fault::ALL {
        let on = |s: &specs::Spec| fault.applies_to(s).is_ok();
        let vendors = on(&peeker) || on(&devpayr);
        let style_fault = matches!(
            fault,
            Fault::HasMoreStuck | Fault::TotalWrong | Fault::PastEndItems
        );
        // Faults of credentials the two seed vendors do not have: optional security and
        // restricted items.
        let credential_fault = matches!(
            fault,
            Fault::RestrictedLeak | Fault::AnonymousSuperset | Fault::ViewerSuperset
        );
        // Faults of filter kinds the two seed vendors do not have (search, several values,
        // ranges, defaults, sentinels) and of sorting: they apply wherever a spec uses them.
        let vocabulary_fault = matches!(
            fault,
            Fault::SeveralFirstOnly
                | Fault::SearchOneField
                | Fault::SearchCaseSensitive
                | Fault::RangeBoundFlipped
                | Fault::DefaultIgnored
                | Fault::LiftingValueIgnored
                | Fault::SentinelLiteral
                | Fault::SortIgnored
                | Fault::SortDirectionIgnored
                | Fault::SortDefaultReversed
        );
        // Faults of page sizes the two seed vendors do not declare: short pages before the
        // last, and a size the server may lower.
        let page_fault = matches!(
            fault,
            Fault::ShortPageEndsWalk | Fault::LoweredSizeUnreported | Fault::EchoAboveRequest
        );
        // Faults of refusals the two seed vendors tell by their status alone: errors in 200
        // bodies, and rate limits told by headers.
        let refusal_fault = matches!(
            fault,
            Fault::RateLimitResetMissing | Fault::InBodyErrorAsPage | Fault::InBodyWrongCode
        );
        assert!(
            vendors
                || style_fault
                || vocabulary_fault
                || credential_fault
                || page_fault
                || refusal_fault,
            "{} applies to neither vendor",
            fault.name()
        );
    }
    // The precondition is the spec's, not a vendor's: the owner filter, x-access, the count.
    assert!(Fault::OwnerFilterIgnored.applies_to(&peeker).is_ok());
    assert!(Fault::OwnerFilterIgnored.applies_to(&devpayr).is_err());
    assert!(Fault::CrossProjectRead.applies_to(&devpayr).is_ok());
    assert!(Fault::CrossProjectRead.applies_to(&peeker).is_err());
    // Peeker's required fields are a reading, so removing one is not a documented fault.
    assert!(Fault::MissingField.applies_to(&peeker).is_err());
    assert!(Fault::MissingField.applies_to(&devpayr).is_ok());
}

macro_rules! fault_tests {
    ($($test:ident: $fault:ident,)*) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $test() {
                caught(Fault::$fault).await;
            }
        )*

        /// A new fault without a test here is a compile error.
        #[allow(dead_code)]
        fn every_fault_has_a_test(f: Fault) {
            match f {
                $(Fault::$fault => {})*
            }
        }
    };
}

fault_tests! {
    page_gap: PageGap,
    page_duplicate: PageDuplicate,
    unstable_order: UnstableOrder,
    endless_next: EndlessNext,
    cursor_ignored_by_cache: CursorIgnoredByCache,
    filter_ignored: FilterIgnored,
    filter_or: FilterOr,
    owner_filter_ignored: OwnerFilterIgnored,
    cross_project_read: CrossProjectRead,
    per_page_unbounded: PerPageUnbounded,
    per_page_ignored: PerPageIgnored,
    missing_key_accepted: MissingKeyAccepted,
    bad_token_500: BadToken500,
    wrong_error_status: WrongErrorStatus,
    out_of_enum: OutOfEnum,
    missing_field: MissingField,
    extra_field: ExtraField,
    wrong_type: WrongType,
    meta_mismatch: MetaMismatch,
    error_not_json: ErrorNotJson,
    cross_origin_next: CrossOriginNext,
    redirect_other_origin: RedirectOtherOrigin,
    slow_body: SlowBody,
    huge_body: HugeBody,
    malformed_json: MalformedJson,
    wrong_content_type: WrongContentType,
    rate_limit_storm: RateLimitStorm,
    short_pages: ShortPages,
    default_size_ignored: DefaultSizeIgnored,
    continuation_drops_query: ContinuationDropsQuery,
    continuation_unauthenticated: ContinuationUnauthenticated,
    restricted_leak: RestrictedLeak,
    anonymous_superset: AnonymousSuperset,
    viewer_superset: ViewerSuperset,
    minimum_refused: MinimumRefused,
    missing_resource_served: MissingResourceServed,
    missing_resource_wrong_status: MissingResourceWrongStatus,
    has_more_stuck: HasMoreStuck,
    total_wrong: TotalWrong,
    past_end_items: PastEndItems,
    epoch_timestamps: EpochTimestamps,
    filter_prefix: FilterPrefix,
    filter_case_folded: FilterCaseFolded,
    token_crosses_scope: TokenCrossesScope,
    several_first_only: SeveralFirstOnly,
    search_one_field: SearchOneField,
    search_case_sensitive: SearchCaseSensitive,
    range_bound_flipped: RangeBoundFlipped,
    default_ignored: DefaultIgnored,
    lifting_value_ignored: LiftingValueIgnored,
    sentinel_literal: SentinelLiteral,
    sort_ignored: SortIgnored,
    sort_direction_ignored: SortDirectionIgnored,
    sort_default_reversed: SortDefaultReversed,
    short_page_ends_walk: ShortPageEndsWalk,
    lowered_size_unreported: LoweredSizeUnreported,
    echo_above_request: EchoAboveRequest,
    rate_limit_reset_missing: RateLimitResetMissing,
    in_body_error_as_page: InBodyErrorAsPage,
    in_body_wrong_code: InBodyWrongCode,
}
