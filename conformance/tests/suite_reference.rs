//! The suite against the reference mocks: they conform, so every check passes or is skipped
//! with a reason; and the run-level behaviours (refusal, unreachable, budget, replay, reports,
//! secrets).

mod suite_util;

use conformance::mock::{self, Fault, MockConfig, Vendor};
use conformance::{Report, Secret, Stop, Target, Verdict};
use suite_util::{check, faulty, options, target};

fn assert_passes(report: &Report) {
    let text = report.render();
    assert_eq!(report.exit_code(), 0, "{text}");
    assert!(report.failures().is_empty(), "{text}");
    assert!(report.stop.is_none(), "{text}");
}

fn verdict(report: &Report, name: &str) -> Verdict {
    report
        .check(name)
        .map(|c| c.verdict)
        .expect("a known check")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn peeker_reference_mock_passes() {
    let (report, _) = check(MockConfig::new(Vendor::Peeker), options()).await;
    assert_passes(&report);
    // Everything Peeker's spec declares is exercised; only DevPayr's access rules and the
    // 429 shape (no rate limiting here) are skipped.
    let skipped: Vec<&str> = report
        .checks
        .iter()
        .filter(|c| c.verdict == Verdict::Skip)
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(
        skipped,
        [
            "filters/path-scope",
            "errors/forbidden",
            "errors/not-found",
            "errors/rate-limit"
        ],
        "{}",
        report.render()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn devpayr_reference_mock_passes() {
    let (report, _) = check(MockConfig::new(Vendor::Devpayr), options()).await;
    assert_passes(&report);
    for name in ["filters/path-scope", "errors/forbidden", "errors/not-found"] {
        assert_eq!(verdict(&report, name), Verdict::Pass, "{}", report.render());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn devpayr_passes_with_the_global_key_on_another_project() {
    let m = mock::start(MockConfig::new(Vendor::Devpayr)).await.unwrap();
    let mut t = target(&m);
    t.credential = m.credentials.global_key.clone().map(Secret::new);
    t.project = m.credentials.global_projects.last().copied();
    let report = conformance::run(t, options()).await;
    m.shutdown().await;
    assert_passes(&report);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limited_mocks_pass_and_their_429s_are_checked() {
    for vendor in Vendor::ALL {
        let config = MockConfig {
            rate_limit_every: Some(5),
            retry_after_secs: 0,
            ..MockConfig::new(vendor)
        };
        let (report, _) = check(config, options()).await;
        assert_passes(&report);
        assert!(report.rate_limited > 0, "{}", report.render());
        assert_eq!(
            verdict(&report, "errors/rate-limit"),
            Verdict::Pass,
            "{}",
            report.render()
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn empty_data_sets_pass() {
    for vendor in Vendor::ALL {
        let config = MockConfig {
            items: 0,
            ..MockConfig::new(vendor)
        };
        let (report, _) = check(config, options()).await;
        assert_passes(&report);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_live_peeker_key_is_refused_before_any_request() {
    let m = mock::start(MockConfig::new(Vendor::Peeker)).await.unwrap();
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
async fn an_unreachable_server_exits_2() {
    // Bind a port, then free it: nothing listens there any more.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut t = Target::new(
        Vendor::Peeker,
        format!("http://127.0.0.1:{port}/api/partner/v1")
            .parse()
            .unwrap(),
    );
    t.credential = Some(Secret::new("pk_test_x"));
    let report = conformance::run(t, options()).await;
    assert_eq!(report.exit_code(), 2, "{}", report.render());
    assert!(
        matches!(report.stop, Some(Stop::Unreachable(_))),
        "{}",
        report.render()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn devpayr_without_a_project_is_a_usage_error() {
    let m = mock::start(MockConfig::new(Vendor::Devpayr)).await.unwrap();
    let mut t = target(&m);
    t.project = None;
    let report = conformance::run(t, options()).await;
    assert_eq!(m.request_count(), 0);
    m.shutdown().await;
    assert_eq!(report.exit_code(), 2);
    assert!(
        matches!(report.stop, Some(Stop::Usage(_))),
        "{}",
        report.render()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_exhausted_budget_ends_the_run_with_a_clear_verdict() {
    let m = mock::start(MockConfig::new(Vendor::Peeker)).await.unwrap();
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_seed_replays_the_same_run() {
    let config = faulty(Vendor::Peeker, Fault::FilterOr);
    let (a, _) = check(config.clone(), options()).await;
    let (b, _) = check(config, options()).await;
    assert_eq!(a.requests_used, b.requests_used);
    let strip = |r: &Report| {
        let port = r
            .base_url
            .split(':')
            .nth(2)
            .unwrap_or_default()
            .split('/')
            .next()
            .unwrap_or_default()
            .to_string();
        serde_json::to_string(&r.checks)
            .unwrap()
            .replace(&port, "PORT")
    };
    assert_eq!(strip(&a), strip(&b));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reports_never_hold_the_secret() {
    // A failing run, so that failing requests are printed.
    let (report, t) = check(faulty(Vendor::Devpayr, Fault::WrongErrorStatus), options()).await;
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
    assert_eq!(parsed[0]["vendor"], "devpayr");
}

/// `run` works on a current-thread runtime too (the checks block a separate thread).
#[tokio::test]
async fn runs_on_a_current_thread_runtime() {
    let (report, _) = check(MockConfig::new(Vendor::Devpayr), options()).await;
    assert_passes(&report);
}
