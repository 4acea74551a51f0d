//! The suite against every fault of the reference mocks: each must be caught, by the check
//! this table names. A fault may trip other checks as well (a malformed page also breaks the
//! walk); the table names the check that states the broken property.

mod suite_util;

use conformance::mock::{self, Fault, Vendor};
use suite_util::{faulty, options, target};

/// Fault → the check that must fail. Keep in sync with `Fault::ALL` (a test checks it) and
/// with the README's table.
pub const FAULT_CHECKS: &[(&str, &str)] = &[
    ("page-gap", "pagination/complete"),
    ("page-duplicate", "pagination/no-duplicates"),
    ("unstable-order", "pagination/stable-order"),
    ("endless-next", "pagination/terminates"),
    ("cursor-ignored-by-cache", "pagination/terminates"),
    ("filter-ignored", "filters/items-match"),
    ("filter-or", "filters/items-match"),
    ("owner-filter-ignored", "filters/owner"),
    ("cross-project-read", "errors/forbidden"),
    ("per-page-unbounded", "pagination/over-max"),
    ("per-page-ignored", "pagination/page-size"),
    ("missing-key-accepted", "errors/missing-key"),
    ("bad-token-500", "errors/tampered-token"),
    ("wrong-error-status", "errors/invalid-key"),
    ("out-of-enum", "schema/page-body"),
    ("missing-field", "schema/page-body"),
    ("extra-field", "schema/page-body"),
    ("wrong-type", "schema/page-body"),
    ("meta-mismatch", "pagination/count-fields"),
    ("error-not-json", "schema/content-type"),
    ("cross-origin-next", "transport/same-origin"),
    ("redirect-other-origin", "transport/no-redirect"),
    ("slow-body", "transport/timely"),
    ("huge-body", "transport/body-size"),
    ("malformed-json", "schema/json"),
    ("wrong-content-type", "schema/content-type"),
    ("rate-limit-storm", "transport/rate-limit-recovers"),
];

fn expected(fault: Fault) -> &'static str {
    FAULT_CHECKS
        .iter()
        .find(|(f, _)| *f == fault.name())
        .map(|(_, c)| *c)
        .unwrap_or_else(|| panic!("fault `{fault}` is not in FAULT_CHECKS"))
}

#[test]
fn the_table_covers_every_fault_and_names_real_checks() {
    for f in Fault::ALL {
        expected(*f);
    }
    assert_eq!(
        FAULT_CHECKS.len(),
        Fault::ALL.len(),
        "a fault listed twice or unknown"
    );
    for (fault, check) in FAULT_CHECKS {
        assert!(Fault::from_name(fault).is_some(), "unknown fault {fault}");
        assert!(
            conformance::checks::CHECKS.iter().any(|(n, _)| n == check),
            "unknown check {check}"
        );
    }
}

async fn caught(vendor: Vendor, name: &str) {
    let fault = Fault::from_name(name).expect("a fault name");
    if !fault.applies_to(vendor) {
        return;
    }
    let m = mock::start(faulty(vendor, fault))
        .await
        .expect("the mock starts");
    let mut options = options();
    if fault == Fault::SlowBody {
        // Every body stalls, so the verdict is the same for any timeout; a short one keeps the
        // three timeouts before the probe gives up from costing 9 s per vendor.
        options.request_timeout = std::time::Duration::from_millis(300);
    }
    let report = conformance::run(target(&m), options).await;
    let (decoy_requests, leaks) = (m.decoy_request_count(), m.decoy_credential_leaks());
    m.shutdown().await;
    let text = report.render();
    println!("{text}");
    let check = expected(fault);
    assert_eq!(
        report.exit_code(),
        1,
        "{vendor} with {fault}: exit code\n{text}"
    );
    assert!(
        report.failures().contains(&check),
        "{vendor} with {fault}: `{check}` did not fail\n{text}"
    );
    assert_eq!(
        decoy_requests, 0,
        "{vendor} with {fault}: a request reached the other origin"
    );
    assert_eq!(
        leaks, 0,
        "{vendor} with {fault}: the credential reached the other origin"
    );
}

macro_rules! fault_tests {
    ($($test:ident: $name:literal,)*) => {
        mod peeker {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $test() {
                    super::caught(super::Vendor::Peeker, $name).await;
                }
            )*
        }
        mod devpayr {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $test() {
                    super::caught(super::Vendor::Devpayr, $name).await;
                }
            )*
        }
    };
}

fault_tests! {
    page_gap: "page-gap",
    page_duplicate: "page-duplicate",
    unstable_order: "unstable-order",
    endless_next: "endless-next",
    cursor_ignored_by_cache: "cursor-ignored-by-cache",
    filter_ignored: "filter-ignored",
    filter_or: "filter-or",
    owner_filter_ignored: "owner-filter-ignored",
    cross_project_read: "cross-project-read",
    per_page_unbounded: "per-page-unbounded",
    per_page_ignored: "per-page-ignored",
    missing_key_accepted: "missing-key-accepted",
    bad_token_500: "bad-token-500",
    wrong_error_status: "wrong-error-status",
    out_of_enum: "out-of-enum",
    missing_field: "missing-field",
    extra_field: "extra-field",
    wrong_type: "wrong-type",
    meta_mismatch: "meta-mismatch",
    error_not_json: "error-not-json",
    cross_origin_next: "cross-origin-next",
    redirect_other_origin: "redirect-other-origin",
    slow_body: "slow-body",
    huge_body: "huge-body",
    malformed_json: "malformed-json",
    wrong_content_type: "wrong-content-type",
    rate_limit_storm: "rate-limit-storm",
}
