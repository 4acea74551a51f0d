//! Refusals a status alone does not tell, against the reference mocks: errors carried in 200
//! bodies (`x-errors.in-body`, the `notes-in-body-errors` fixture) and rate limits told by
//! headers (`x-errors.rate-limit`, GitHub's primary rate limit: 403 with
//! `x-ratelimit-remaining: 0` and `x-ratelimit-reset`).

mod suite_util;

use std::time::{Duration, Instant};

use conformance::report::Stop;
use conformance::{CheckId, Report, Verdict};
use mock::MockConfig;
use suite_util::{check, fixture, options, spec};

fn verdict(report: &Report, check: CheckId) -> Verdict {
    report
        .check(check)
        .map(|c| c.verdict)
        .unwrap_or_else(|| panic!("{check} did not run\n{}", report.render()))
}

fn assert_passes(report: &Report) {
    assert_eq!(report.exit_code(), 0, "{}", report.render());
    assert!(
        report.checks.iter().all(|c| c.verdict != Verdict::Warn),
        "{}",
        report.render()
    );
}

/// Every refusal of the fixture is a 200 with `ok: false` and its kind's code: the error
/// checks judge them as the refusals they are (passed, not skipped), the schema checks judge
/// their bodies as error bodies, and no walk reads one as a page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_in_200_bodies_are_judged_as_the_refusals_they_are() {
    let (report, _) = check(MockConfig::new(fixture("notes-in-body-errors")), options()).await;
    assert_passes(&report);
    for c in [
        CheckId::MissingKey,
        CheckId::InvalidKey,
        CheckId::InvalidParam,
        CheckId::RangeBounds,
        CheckId::TamperedToken,
        CheckId::OverMax,
        CheckId::ErrorBody,
        CheckId::PageBody,
    ] {
        assert_eq!(
            verdict(&report, c),
            Verdict::Pass,
            "{c}\n{}",
            report.render()
        );
    }
}

/// A rate limit answered in a 200 body (`ratelimited`) is retried as a 429 is, and judged.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limits_in_200_bodies_are_retried_and_judged() {
    let config = MockConfig {
        rate_limit_every: Some(5),
        retry_after_secs: 0,
        ..MockConfig::new(fixture("notes-in-body-errors"))
    };
    let (report, _) = check(config, options()).await;
    assert_passes(&report);
    assert!(report.rate_limited > 0, "{}", report.render());
    assert_eq!(verdict(&report, CheckId::RateLimit), Verdict::Pass);
}

/// GitHub's primary rate limit: every twentieth request of one operation is a 403 with no
/// request left and the window resetting a second after the answer. The run waits for each
/// reset (the cap is above a second) and passes, and `errors/rate-limit` judges the headers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_primary_rate_limit_is_waited_for_until_the_window_resets() {
    let config = MockConfig {
        rate_limit_every: Some(20),
        retry_after_secs: 1,
        ..MockConfig::new(spec("github"))
    };
    let mut options = options();
    options.retry_after_cap = Duration::from_secs(3);
    options.operations = vec!["repos/list-for-org".into()];
    let started = Instant::now();
    let (report, _) = check(config, options).await;
    assert_passes(&report);
    assert!(report.rate_limited > 0, "{}", report.render());
    assert!(started.elapsed() >= Duration::from_millis(900));
    assert_eq!(verdict(&report, CheckId::RateLimit), Verdict::Pass);
    assert_eq!(verdict(&report, CheckId::RateLimitRecovers), Verdict::Pass);
}

/// A window that resets in an hour is longer than any run waits: the run ends at once, with
/// the reset in the reason, instead of hanging or hammering the server until then.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_window_that_resets_after_the_longest_wait_ends_the_run_clearly() {
    let config = MockConfig {
        rate_limit_every: Some(3),
        retry_after_secs: 3600,
        ..MockConfig::new(spec("github"))
    };
    let started = Instant::now();
    let (report, _) = check(config, options()).await;
    assert!(started.elapsed() < Duration::from_secs(30));
    assert_eq!(report.exit_code(), 2, "{}", report.render());
    let Some(Stop::Unusable(reason)) = &report.stop else {
        panic!("the run stops\n{}", report.render());
    };
    assert!(reason.contains("x-ratelimit-reset"), "{reason}");
    assert!(reason.contains("run again after the reset"), "{reason}");
    assert!(
        reason.contains("3600 s") || reason.contains("3599 s"),
        "{reason}"
    );
    // The limited request was sent once: nothing hammers a server that said when to return.
    assert!(report.rate_limited <= 4, "{}", report.render());
}

/// A replay answers from the recording and waits for nothing: the recorded run waited for
/// each window's reset, and the replay, whose longest wait is zero, neither waits nor stops
/// there; it ends with the recorded verdicts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replay_of_a_rate_limited_run_waits_for_nothing_and_agrees() {
    let m = mock::start(MockConfig {
        rate_limit_every: Some(20),
        retry_after_secs: 1,
        ..MockConfig::new(spec("github"))
    })
    .await
    .unwrap();
    let target = suite_util::target(&m);
    let mut options = options();
    options.retry_after_cap = Duration::from_secs(3);
    options.operations = vec!["repos/list-for-org".into()];
    let dir = std::env::temp_dir().join(format!("suite-refusals-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("run.har");
    let har = conformance::har::HarWriter::create(&path).unwrap();
    let recorder = har.recorder_for(0, &target);
    let run = conformance::run_recording(target, options, Some(recorder)).await;
    har.finish(run.meta.clone().into_iter().collect()).unwrap();
    m.shutdown().await;
    assert!(run.report.rate_limited > 0, "{}", run.report.render());
    let replayed = conformance::har::replay(&path).unwrap().remove(0);
    let started = Instant::now();
    let again = conformance::run_with(replayed.target, replayed.options, replayed.transport).await;
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    assert!(again.report.stop.is_none(), "{}", again.report.render());
    let verdicts = |r: &Report| -> Vec<(String, CheckId, Verdict)> {
        r.checks
            .iter()
            .map(|c| (c.operation.to_string(), c.id, c.verdict))
            .collect()
    };
    assert_eq!(verdicts(&again.report), verdicts(&run.report));
}
