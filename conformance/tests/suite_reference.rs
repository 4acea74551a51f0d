//! The suite against the reference mocks: they conform, so every check passes or is skipped
//! with a reason, without a single warning; and the run-level behaviours (refusal,
//! unreachable, budget, replay by seed, the same verdicts at any concurrency, reports,
//! secrets).

mod suite_util;

use std::collections::BTreeMap;

use conformance::{CheckId, Report, Secret, Stop, Target, Verdict};
use mock::{Fault, MockConfig};
use suite_util::{check, faulty, fixture, fixtures, options, spec, target};

fn assert_passes(report: &Report) {
    let text = report.render();
    assert_eq!(report.exit_code(), 0, "{text}");
    assert!(report.failures().is_empty(), "{text}");
    assert!(
        report.warnings().is_empty(),
        "a faithful mock warns:\n{text}"
    );
    assert!(report.stop.is_none(), "{text}");
}

fn skipped(report: &Report) -> Vec<&'static str> {
    report
        .checks
        .iter()
        .filter(|c| c.verdict == Verdict::Skip)
        .map(|c| c.name())
        .collect()
}

fn verdict(report: &Report, check: CheckId) -> Verdict {
    report
        .check(check)
        .map(|c| c.verdict)
        .expect("a check that ran")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn peeker_reference_mock_passes() {
    let (report, _) = check(MockConfig::new(spec("peeker")), options()).await;
    assert_passes(&report);
    // Everything Peeker's spec declares is exercised; only what it does not have (access
    // rules, anonymous calls, a viewer, style checks of other styles) and the 429 shape (no
    // rate limiting here) are skipped.
    assert_eq!(
        skipped(&report),
        [
            "pagination/has-more",
            "pagination/total",
            "pagination/past-end",
            "filters/path-scope",
            "sort/order",
            "sort/default",
            "sort/reverse",
            "errors/anonymous-view",
            "errors/forbidden",
            "errors/not-found",
            "errors/viewer-scope",
            "errors/rate-limit"
        ],
        "{}",
        report.render()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn devpayr_reference_mock_passes() {
    let (report, _) = check(MockConfig::new(spec("devpayr")), options()).await;
    assert_passes(&report);
    for c in [CheckId::PathScope, CheckId::Forbidden, CheckId::NotFound] {
        assert_eq!(verdict(&report, c), Verdict::Pass, "{}", report.render());
    }
    // No missing project was given: the suite made one up, and says so.
    let not_found = report.check(CheckId::NotFound).unwrap();
    assert!(
        not_found
            .detail
            .contains("made up from the parameter's type"),
        "{}",
        not_found.detail
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stripe_reference_mock_passes() {
    let (report, _) = check(MockConfig::new(spec("stripe")), options()).await;
    assert_passes(&report);
    for c in [
        CheckId::HasMore,
        CheckId::PastEnd,
        CheckId::ItemsMatch,
        CheckId::ExactSubset,
    ] {
        assert_eq!(
            verdict(&report, c),
            Verdict::Pass,
            "{c}: {}",
            report.render()
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_fixture_api_passes_on_its_reference_mock() {
    for spec in fixtures() {
        let name = spec.name.clone();
        let (report, _) = check(MockConfig::new(spec), options()).await;
        assert_passes(&report);
        assert!(!report.checks.is_empty(), "{name}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn devpayr_passes_with_the_global_key_on_another_project() {
    let m = mock::start(MockConfig::new(spec("devpayr"))).await.unwrap();
    let mut t = target(&m);
    let global = m
        .credentials
        .keys
        .iter()
        .find_map(|k| match &k.scope {
            mock::Scope::Owner(values) => Some((k.secret.clone(), values.last().cloned().unwrap())),
            _ => None,
        })
        .expect("an owner-scoped key");
    t.credential = Some(Secret::new(global.0));
    t.path_values.insert("project".into(), global.1);
    let report = conformance::run(t, options()).await;
    m.shutdown().await;
    assert_passes(&report);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_missing_value_flag_overrides_the_made_up_one() {
    let m = mock::start(MockConfig::new(spec("devpayr"))).await.unwrap();
    let mut t = target(&m);
    t.missing = m.credentials.missing.clone();
    let report = conformance::run(t, options()).await;
    m.shutdown().await;
    assert_passes(&report);
    let detail = &report.check(CheckId::NotFound).unwrap().detail;
    assert!(!detail.contains("made up"), "{detail}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limited_mocks_pass_and_their_429s_are_checked() {
    for name in ["peeker", "devpayr"] {
        let config = MockConfig {
            rate_limit_every: Some(5),
            retry_after_secs: 0,
            ..MockConfig::new(spec(name))
        };
        let (report, _) = check(config, options()).await;
        assert_passes(&report);
        assert!(report.rate_limited > 0, "{}", report.render());
        assert_eq!(
            verdict(&report, CheckId::RateLimit),
            Verdict::Pass,
            "{}",
            report.render()
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn empty_data_sets_pass() {
    for name in ["peeker", "devpayr"] {
        let config = MockConfig {
            items: 0,
            ..MockConfig::new(spec(name))
        };
        let (report, _) = check(config, options()).await;
        assert_passes(&report);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_live_key_is_refused_before_any_request() {
    let m = mock::start(MockConfig::new(spec("peeker"))).await.unwrap();
    let mut t = target(&m);
    t.credential = Some(Secret::new("pk_live_0123456789"));
    let report = conformance::run(t.clone(), options()).await;
    assert_eq!(m.request_count(), 0);
    assert_eq!(report.exit_code(), 2);
    assert!(matches!(report.stop, Some(Stop::Refused(_))));
    assert!(!report.render().contains("pk_live_0123456789"));
    // --allow-live lets it through (the mock then refuses the unknown key, as a server would).
    t.allow_live = true;
    let report = conformance::run(t, options()).await;
    assert!(m.request_count() > 0);
    assert!(
        !matches!(report.stop, Some(Stop::Refused(_))),
        "{}",
        report.render()
    );
    m.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_too_short_or_too_common_to_mask_are_refused_with_a_clear_message() {
    let m = mock::start(MockConfig::new(spec("peeker"))).await.unwrap();
    for key in ["k", "test", "pk_test", "pagination", "domains"] {
        let mut t = target(&m);
        t.credential = Some(Secret::new(key));
        let report = conformance::run(t, options()).await;
        let text = report.render();
        assert_eq!(report.exit_code(), 2, "{key}: {text}");
        match &report.stop {
            Some(Stop::Refused(reason)) => assert!(
                reason.contains("mask") && reason.contains("nothing is sent")
                    || reason.contains("occurs in the spec"),
                "{key}: {reason}"
            ),
            other => panic!("{key}: {other:?}"),
        }
    }
    assert_eq!(m.request_count(), 0);
    m.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_server_exits_2() {
    // Bind a port, then free it: nothing listens there any more.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut t = Target::new(
        std::sync::Arc::new(spec("peeker")),
        format!("http://127.0.0.1:{port}/api/partner/v1")
            .parse()
            .unwrap(),
    );
    t.credential = Some(Secret::new("pk_test_0123456789"));
    let report = conformance::run(t, options()).await;
    assert_eq!(report.exit_code(), 2, "{}", report.render());
    assert!(
        matches!(report.stop, Some(Stop::Unreachable(_))),
        "{}",
        report.render()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_path_value_is_a_usage_error() {
    let m = mock::start(MockConfig::new(spec("devpayr"))).await.unwrap();
    let mut t = target(&m);
    t.path_values.clear();
    let report = conformance::run(t, options()).await;
    assert_eq!(m.request_count(), 0);
    m.shutdown().await;
    assert_eq!(report.exit_code(), 2);
    match &report.stop {
        Some(Stop::Usage(s)) => assert!(s.contains("project"), "{s}"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_exhausted_budget_ends_the_run_with_a_clear_verdict() {
    let m = mock::start(MockConfig::new(spec("peeker"))).await.unwrap();
    let mut o = options();
    o.max_requests = 15;
    let report = conformance::run(target(&m), o).await;
    let received = m.request_count();
    m.shutdown().await;
    let text = report.render();
    assert_eq!(report.exit_code(), 2, "{text}");
    assert!(
        matches!(report.stop, Some(Stop::BudgetExhausted(_))),
        "{text}"
    );
    assert!(report.failures().is_empty(), "{text}");
    assert_eq!(report.requests_used, 15, "{text}");
    assert_eq!(received, 15, "{text}");
    assert!(text.contains("budget exhausted"), "{text}");
}

/// The checks of a report as JSON, the mock's port replaced (every run has its own mock).
fn verdicts_of(r: &Report) -> String {
    let port = r
        .base_url
        .split(':')
        .nth(2)
        .unwrap_or_default()
        .split('/')
        .next()
        .unwrap_or_default()
        .to_string();
    serde_json::to_string_pretty(&r.checks)
        .unwrap()
        .replace(&port, "PORT")
}

/// Every request a run sent, with its credential choice, counted.
fn requests_of(run: &conformance::Run) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    let port = run
        .report
        .base_url
        .split(':')
        .nth(2)
        .unwrap_or_default()
        .split('/')
        .next()
        .unwrap_or_default()
        .to_string();
    for e in run.probe.as_ref().unwrap().sent() {
        *out.entry(e.request.key().replace(&port, "PORT"))
            .or_default() += 1;
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_seed_gives_the_same_verdicts_and_requests_at_any_concurrency() {
    for (name, fault) in [("peeker", Fault::FilterOr), ("devpayr", Fault::PageGap)] {
        let mut runs = Vec::new();
        for concurrency in [1, 4, 9] {
            let m = mock::start(faulty(spec(name), fault)).await.unwrap();
            let mut o = options();
            o.concurrency = concurrency;
            runs.push(conformance::run_recorded(target(&m), o).await);
            m.shutdown().await;
        }
        let first = &runs[0];
        assert_eq!(first.report.exit_code(), 1, "{}", first.report.render());
        for other in &runs[1..] {
            assert_eq!(
                verdicts_of(&first.report),
                verdicts_of(&other.report),
                "{name}: verdicts differ"
            );
            assert_eq!(
                requests_of(first),
                requests_of(other),
                "{name}: the request sets differ"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reports_never_hold_the_secret() {
    // A failing run, so that failing requests are printed.
    let (report, t) = check(faulty(spec("devpayr"), Fault::WrongErrorStatus), options()).await;
    assert_eq!(report.exit_code(), 1);
    let secret = t.credential.as_ref().unwrap().expose().to_string();
    let texts = suite_util::ReportTexts::of(&report, "suite-reports");
    let target_debug = format!("{t:?}");
    for text in texts.all().into_iter().chain([target_debug.as_str()]) {
        assert!(!text.contains(&secret), "the secret leaked:\n{text}");
    }
    assert!(texts.render.contains("X-API-KEY: ***"), "{}", texts.render);
    assert!(texts.junit.contains("errors/invalid-key"));
    let parsed: serde_json::Value = serde_json::from_str(&texts.json).unwrap();
    assert_eq!(parsed[0]["api"], "devpayr");
}

/// `run` works on a current-thread runtime too, and its future can be spawned.
#[tokio::test]
async fn runs_on_a_current_thread_runtime() {
    fn spawnable<F: std::future::Future + Send + 'static>(f: F) -> F {
        f
    }
    let m = mock::start(MockConfig::new(spec("devpayr"))).await.unwrap();
    let report = tokio::spawn(spawnable(conformance::run(target(&m), options())))
        .await
        .unwrap();
    m.shutdown().await;
    assert_passes(&report);
}

/// A spec with three paginated operations and one unpaginated: every paginated operation is
/// walked and judged on its own, the unpaginated one is listed with the reason it is not, and
/// `--operation` narrows the run to the operations it names.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_paginated_operation_of_a_spec_is_checked() {
    let (report, _) = check(MockConfig::new(fixture("shelf-operations")), options()).await;
    assert_passes(&report);
    let listed: Vec<(&str, bool)> = report
        .operations
        .iter()
        .map(|o| (o.id.as_str(), o.not_checked.is_none()))
        .collect();
    assert_eq!(
        listed,
        [
            ("listAuthors", true),
            ("listBooks", true),
            ("listShelfLoans", true),
            ("getStatus", false)
        ]
    );
    let why = report.operation("getStatus").unwrap().not_checked.clone();
    assert!(why.unwrap().contains("x-pagination"));
    for op in ["listAuthors", "listBooks", "listShelfLoans"] {
        assert!(report.operation(op).unwrap().requests > 0, "{op}");
        assert_eq!(
            report
                .operation_check(op, CheckId::Complete)
                .map(|c| c.verdict),
            Some(Verdict::Pass),
            "{op}: {}",
            report.render()
        );
    }
    // Each style's own checks ran where the style has them.
    let verdict_on = |op: &str, c: CheckId| report.operation_check(op, c).map(|c| c.verdict);
    assert_eq!(
        verdict_on("listAuthors", CheckId::HasMore),
        Some(Verdict::Pass)
    );
    assert_eq!(verdict_on("listBooks", CheckId::Total), Some(Verdict::Pass));
    assert_eq!(
        verdict_on("listShelfLoans", CheckId::PathScope),
        Some(Verdict::Pass)
    );
    assert_eq!(
        verdict_on("listBooks", CheckId::HasMore),
        Some(Verdict::Skip)
    );

    let only = |patterns: &[&str]| {
        let mut o = options();
        o.operations = patterns.iter().map(|p| p.to_string()).collect();
        o
    };
    let (report, _) = check(
        MockConfig::new(fixture("shelf-operations")),
        only(&["list*s", "GET /shelves/{shelf}/loans"]),
    )
    .await;
    assert_passes(&report);
    let checked: Vec<&str> = report
        .operations
        .iter()
        .filter(|o| o.not_checked.is_none())
        .map(|o| o.id.as_str())
        .collect();
    assert_eq!(checked, ["listAuthors", "listBooks", "listShelfLoans"]);
    let (report, _) = check(
        MockConfig::new(fixture("shelf-operations")),
        only(&["listBooks"]),
    )
    .await;
    assert_passes(&report);
    let skipped = report.operation("listAuthors").unwrap();
    assert!(skipped
        .not_checked
        .as_ref()
        .unwrap()
        .contains("--operation listBooks"));
    assert_eq!(skipped.requests, 0);
    assert!(report.checks.iter().all(|c| c.operation == "listBooks"));
}

/// An `--operation` that names no operation, or is no pattern, is a usage error naming it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operation_that_names_nothing_is_a_usage_error() {
    for (pattern, says) in [
        ("listBoks", "names no operation"),
        ("list[", "not a valid pattern"),
        ("getStatus", "no paginated GET operation"),
    ] {
        let mut o = options();
        o.operations = vec![pattern.to_string()];
        let (report, _) = check(MockConfig::new(fixture("shelf-operations")), o).await;
        assert_eq!(report.exit_code(), 2, "{}", report.render());
        match &report.stop {
            Some(Stop::Usage(why)) => {
                assert!(why.contains(says) && why.contains(pattern), "{why}")
            }
            other => panic!("{pattern}: {other:?}"),
        }
    }
}

/// `--rate-limit` paces the whole run: in no second does the server see more requests than
/// the rate allows plus one burst (of one), whatever the concurrency. The mock counts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paced_run_keeps_to_the_rate() {
    let rate: u32 = 40;
    let m = mock::start(MockConfig::new(spec("peeker"))).await.unwrap();
    let mut o = options();
    o.concurrency = 8;
    o.max_requests = 90;
    o.rate_limit = conformance::RateLimit::per_second(rate);
    let report = conformance::run(target(&m), o).await;
    let arrivals = m.arrivals();
    m.shutdown().await;
    assert!(arrivals.len() > 2 * rate as usize, "{}", report.render());
    let window = std::time::Duration::from_secs(1);
    for (i, first) in arrivals.iter().enumerate() {
        let within = arrivals[i..]
            .iter()
            .take_while(|at| at.duration_since(*first) < window)
            .count();
        assert!(
            within <= rate as usize + 1,
            "{within} requests within a second from request {i}, at {rate}/s"
        );
    }
}
