//! The suite against data that changes during the run, as a shared sandbox does: the
//! reference mocks create an item every few requests (`--drift-every`), at the head of the list
//! (a newest-first list) or at its tail (ascending ids).
//!
//! A faithful server passes, on every spec and at several concurrencies, and the report says
//! that the data changed and how the walks were compared. A server that skips items or
//! ignores a filter still fails while its data changes.

mod suite_util;

use conformance::{CheckId, Options, Report, Verdict};
use mock::{Drift, DriftAt, Fault, MockConfig};
use suite_util::{fixtures, options, spec, target};

/// Every spec: the embedded ones and the fixtures.
fn all_specs() -> Vec<specs::Spec> {
    let mut all: Vec<specs::Spec> = specs::names().into_iter().map(spec).collect();
    all.extend(fixtures());
    all
}

fn drifting(spec: specs::Spec, at: DriftAt, fault: Option<Fault>) -> MockConfig {
    MockConfig {
        drift: Some(Drift { every: 10, at }),
        fault,
        items: if fault.is_some() { 400 } else { 130 },
        ..MockConfig::new(spec)
    }
}

async fn run(config: MockConfig, options: Options) -> (Report, u64) {
    let m = mock::start(config).await.expect("the mock starts");
    let report = conformance::run(target(&m), options).await;
    let inserted = m.inserted();
    m.shutdown().await;
    (report, inserted)
}

/// A faithful server whose data changes passes, without warnings, and the report says so.
async fn faithful(at: DriftAt, concurrency: usize, names: &[&str]) {
    for spec in all_specs() {
        if !names.is_empty() && !names.contains(&spec.name.as_str()) {
            continue;
        }
        let name = spec.name.clone();
        let (report, inserted) = run(
            drifting(spec, at, None),
            Options {
                concurrency,
                ..options()
            },
        )
        .await;
        let text = report.render();
        let label = format!("{name}, drift at the {} in {concurrency}", at.name());
        assert!(inserted > 0, "{label}: nothing was created");
        assert_eq!(report.exit_code(), 0, "{label}\n{text}");
        assert!(report.warnings().is_empty(), "{label}\n{text}");
        // Items created at the head move every later walk's pages, so a walk differs from
        // the first and the run takes a closing walk, which sees the change. Items created at
        // the tail may reach no walk after the first: then nothing differed, no closing walk
        // was needed, and the run has nothing to say.
        let noted = report
            .all_notes()
            .iter()
            .any(|n| n.contains("the data changed during the run"));
        assert!(
            noted || at == DriftAt::Tail,
            "{label}: the report does not say that the data changed\n{text}"
        );
        let complete = report.check(CheckId::Complete).expect("complete ran");
        assert_eq!(complete.verdict, Verdict::Pass, "{label}\n{text}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_spec_passes_while_items_are_created_at_the_head() {
    faithful(DriftAt::Head, 4, &[]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_spec_passes_while_items_are_created_at_the_tail() {
    faithful(DriftAt::Tail, 4, &[]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_vendors_pass_while_their_data_changes_at_one_and_nine_in_flight() {
    for at in DriftAt::ALL {
        for concurrency in [1, 9] {
            faithful(at, concurrency, &["peeker", "devpayr", "stripe"]).await;
        }
    }
}

/// Without change, the report says nothing about it: its only note is what the walks covered.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn data_that_does_not_change_gets_no_note() {
    let (report, inserted) = run(MockConfig::new(spec("peeker")), options()).await;
    assert_eq!(inserted, 0);
    let notes = report.all_notes();
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(notes[0].contains("listed all "), "{notes:?}");
}

/// A fault still fails while the data changes, by the check that states it.
async fn caught(fault: Fault, at: DriftAt, check: CheckId) {
    for spec in all_specs() {
        if fault.applies_to(&spec).is_err() {
            continue;
        }
        let name = spec.name.clone();
        let (report, _) = run(drifting(spec, at, Some(fault)), options()).await;
        let text = report.render();
        assert_eq!(
            report.check(check).map(|c| c.verdict),
            Some(Verdict::Fail),
            "{name} with {fault} and drift at the {}: {check} did not fail\n{text}",
            at.name()
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gap_is_a_gap_while_the_data_changes() {
    for at in DriftAt::ALL {
        caught(Fault::PageGap, at, CheckId::Complete).await;
    }
}

/// Items created at the tail cannot move an item across a page boundary: a repeated item is
/// the server's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_repeat_is_a_repeat_while_items_are_created_at_the_tail() {
    caught(Fault::PageDuplicate, DriftAt::Tail, CheckId::NoDuplicates).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ignored_filter_is_seen_while_the_data_changes() {
    for at in DriftAt::ALL {
        caught(Fault::FilterIgnored, at, CheckId::ItemsMatch).await;
        caught(Fault::FilterOr, at, CheckId::ItemsMatch).await;
    }
}
