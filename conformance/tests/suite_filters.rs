//! The filter vocabulary beyond equality, on the `cards-search` fixture (no Rust names it): a
//! search across two fields without case, an in-list of identities, labels that must all be
//! present, a default that a sentinel lifts, sentinels for "anyone" and "no one", and ranges.
//! The reference mock passes with none of them skipped; each filter fault fails the check that
//! judges it.

mod suite_util;

use conformance::{CheckId, Verdict};
use mock::MockConfig;
use suite_util::{check, fixture, options};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_kind_of_filter_is_judged_on_the_reference_mock() {
    let (report, _) = check(MockConfig::new(fixture("cards-search")), options()).await;
    let text = report.render();
    println!("{text}");
    assert_eq!(report.exit_code(), 0, "{text}");
    assert!(report.warnings().is_empty(), "{text}");
    for id in [CheckId::ItemsMatch, CheckId::ExactSubset] {
        assert_eq!(
            report.check(id).map(|c| c.verdict),
            Some(Verdict::Pass),
            "{id}\n{text}"
        );
    }
}
