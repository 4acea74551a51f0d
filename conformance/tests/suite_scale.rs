//! The suite against lists longer than its budget lets a walk cover: 50,000 items in the
//! reference mock, at the default budget (2,000 requests) and the default cases.
//!
//! A faithful server is checked with every check run (none skipped for want of budget) and
//! the run stays within its budget; the report says how much of the list the walks covered.
//! The page-boundary faults, placed past the first 10,000 items (`fault_from`), are caught:
//! by the second long walk where only a walk reaches that deep (next links), by windows
//! deep in the list where a position can be asked for (offsets).

mod suite_util;

use conformance::{CheckId, Options, Report, Verdict};
use mock::{Fault, MockConfig};
use suite_util::{spec_or_fixture, target};

const ITEMS: usize = 50_000;

/// Deep in the list: past the first 10,000 items.
const DEEP: usize = 12_345;

/// The run's defaults, but for a fixed seed.
fn defaults() -> Options {
    Options {
        seed: 7,
        ..Options::default()
    }
}

async fn check(config: MockConfig, options: Options) -> Report {
    let m = mock::start(config).await.expect("the mock starts");
    let report = conformance::run(target(&m), options).await;
    m.shutdown().await;
    report
}

/// The specs checked at scale: a next-URL list (only walks reach its depth) and an offset
/// list (positions can be asked for).
const SPECS: [&str; 2] = ["peeker", "orders-offset"];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_faithful_long_list_is_checked_within_the_budget() {
    for name in SPECS {
        let report = check(
            MockConfig {
                items: ITEMS,
                ..MockConfig::new(spec_or_fixture(name))
            },
            defaults(),
        )
        .await;
        let text = report.render();
        assert_eq!(report.exit_code(), 0, "{name}\n{text}");
        assert!(report.stop.is_none(), "{name}\n{text}");
        assert!(
            report.requests_used < defaults().max_requests,
            "{name}\n{text}"
        );
        for c in &report.checks {
            assert!(
                !(c.verdict == Verdict::Skip
                    && (c.detail.contains("budget") || c.detail.contains("not finished"))),
                "{name}: {} skipped for want of budget: {}\n{text}",
                c.name(),
                c.detail
            );
        }
        let notes = report.all_notes().join("\n");
        assert!(notes.contains("listed"), "{name}: no coverage note\n{text}");
    }
}

async fn caught_deep(fault: Fault, check_id: CheckId) {
    let mut caught_on = Vec::new();
    for name in SPECS {
        if fault.applies_to(&spec_or_fixture(name)).is_err() {
            continue;
        }
        caught_on.push(name);
        // The pagination family alone: what it walks is what catches these faults.
        let options = Options {
            selection: conformance::Selection::new(&["pagination/*".into()], &[])
                .expect("a real family"),
            ..defaults()
        };
        let report = check(
            MockConfig {
                items: ITEMS,
                fault: Some(fault),
                fault_from: DEEP,
                ..MockConfig::new(spec_or_fixture(name))
            },
            options,
        )
        .await;
        let text = report.render();
        assert_eq!(
            report.check(check_id).map(|c| c.verdict),
            Some(Verdict::Fail),
            "{name} with {} from item {DEEP}: `{check_id}` did not fail\n{text}",
            fault.name()
        );
    }
    assert!(
        !caught_on.is_empty(),
        "{} applies to none of {SPECS:?}",
        fault.name()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gap_deep_in_the_list_is_caught() {
    caught_deep(Fault::PageGap, CheckId::Complete).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_duplicate_deep_in_the_list_is_caught() {
    caught_deep(Fault::PageDuplicate, CheckId::NoDuplicates).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn short_pages_deep_in_the_list_are_caught() {
    caught_deep(Fault::ShortPages, CheckId::PageSize).await;
}

/// The fault really starts deep: the same fault from the start is caught, and the mock
/// serves the first 10,000 items faithfully (a walk over them alone sees nothing).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_deep_faults_leave_the_head_of_the_list_alone() {
    let m = mock::start(MockConfig {
        items: ITEMS,
        fault: Some(Fault::PageGap),
        fault_from: DEEP,
        ..MockConfig::new(spec_or_fixture("peeker"))
    })
    .await
    .expect("the mock starts");
    let mut options = defaults();
    options.max_requests = 60;
    options.selection =
        conformance::Selection::new(&["pagination/complete".into()], &[]).expect("a real check");
    let report = conformance::run(target(&m), options).await;
    m.shutdown().await;
    assert_ne!(
        report.check(CheckId::Complete).map(|c| c.verdict),
        Some(Verdict::Fail),
        "{}",
        report.render()
    );
}
