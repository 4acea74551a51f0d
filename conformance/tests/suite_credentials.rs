//! Credentials beyond one key, end to end: HTTP Basic (a user name and a password), an
//! operation that may be called anonymously, a narrower viewer credential, and an API key in
//! the query. Every form of a secret (the user name, the password, their base64, a key and its
//! percent-encoding) stays out of everything a run prints or writes: the terminal summary, the
//! JSON, JUnit and markdown reports, and the HAR archive.

mod suite_util;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use base64::Engine as _;
use conformance::{CheckId, Options, Report, Secret, Target, Verdict};
use mock::{Fault, MockConfig};
use serde_json::json;
use suite_util::wire::{json_reply, Reply, Request, Wire};
use suite_util::{fixture, options, target};

fn memos() -> specs::Spec {
    fixture("memos-basic-auth")
}

fn verdict(report: &Report, check: CheckId) -> Verdict {
    report
        .check(check)
        .map(|c| c.verdict)
        .unwrap_or_else(|| panic!("no verdict for {check}"))
}

fn detail(report: &Report, check: CheckId) -> String {
    report
        .check(check)
        .map(|c| c.detail.clone())
        .unwrap_or_default()
}

/// A scratch directory of this test, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    fn path(&self, file: &str) -> PathBuf {
        self.0.join(file)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs `target` recording a HAR archive, writes every report, and returns the report and
/// every text that reaches a person or a file: the terminal summary, `Debug` of the report
/// and of the target, the JSON, JUnit and markdown reports, and the archive.
async fn run_and_write(target: Target, options: Options, dir: &Scratch) -> (Report, Vec<String>) {
    let har = conformance::har::HarWriter::create(&dir.path("run.har")).unwrap();
    let recorder = har.recorder_for(0, &target);
    let run = conformance::run_recording(target.clone(), options, Some(recorder)).await;
    har.finish(run.meta.clone().into_iter().collect()).unwrap();
    let report = run.report;
    let reports = std::slice::from_ref(&report);
    conformance::report::write_json(reports, &dir.path("r.json")).unwrap();
    conformance::report::write_junit(reports, &dir.path("r.xml")).unwrap();
    conformance::report::write_markdown(reports, &dir.path("r.md")).unwrap();
    let mut texts = vec![
        report.render(),
        format!("{report:?}"),
        format!("{target:?}"),
    ];
    for file in ["run.har", "r.json", "r.xml", "r.md"] {
        texts.push(std::fs::read_to_string(dir.path(file)).unwrap());
    }
    (report, texts)
}

/// Asserts that none of `secrets` occurs in any of `texts`.
fn assert_none_holds(texts: &[String], secrets: &[String]) {
    for secret in secrets {
        assert!(secret.len() >= 8, "a secret worth looking for: {secret:?}");
        for text in texts {
            assert!(
                !text.contains(secret.as_str()),
                "`{secret}` leaked:\n{}",
                &text[..text.len().min(4000)]
            );
        }
    }
}

/// The user name, the password, `user:password` and its base64 of a Basic secret.
fn basic_forms(secret: &Secret) -> Vec<String> {
    let parts = secret.parts();
    assert_eq!(parts.len(), 2, "Basic credentials");
    vec![
        parts[0].to_string(),
        parts[1].to_string(),
        secret.expose().to_string(),
        base64::engine::general_purpose::STANDARD.encode(secret.expose()),
    ]
}

/// The reference mock of a Basic spec passes: the credential is a user name and a password,
/// the anonymous view and the viewer's are judged (subsets of the main list, no restricted
/// item), and a request without credentials served as the spec allows is no failure.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_basic_auth_api_with_optional_security_and_a_viewer_passes_on_its_mock() {
    let m = mock::start(MockConfig::new(memos())).await.unwrap();
    let t = target(&m);
    assert!(t.credential.as_ref().unwrap().is_basic());
    assert!(t.viewer.as_ref().unwrap().is_basic());
    let report = conformance::run(t, options()).await;
    m.shutdown().await;
    let text = report.render();
    assert_eq!(report.exit_code(), 0, "{text}");
    for check in [
        CheckId::MissingKey,
        CheckId::InvalidKey,
        CheckId::AnonymousView,
        CheckId::ViewerScope,
    ] {
        assert_eq!(verdict(&report, check), Verdict::Pass, "{check}\n{text}");
    }
    assert!(
        detail(&report, CheckId::MissingKey).contains("may be called without credentials"),
        "{text}"
    );
    // The subset and the restricted items were both observed, for each view.
    for check in [CheckId::AnonymousView, CheckId::ViewerScope] {
        let said = detail(&report, check);
        assert!(said.contains("held on 2 observations"), "{check}: {said}");
    }
}

/// A spec whose operations require their credential, and a target without a viewer: the two
/// views are skipped, each with its reason (the viewer's names its flags and variables).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_views_are_skipped_with_a_reason_where_they_cannot_run() {
    let m = mock::start(MockConfig::new(memos())).await.unwrap();
    let mut t = target(&m);
    t.viewer = None;
    let report = conformance::run(t, options()).await;
    m.shutdown().await;
    assert_eq!(verdict(&report, CheckId::ViewerScope), Verdict::Skip);
    let why = detail(&report, CheckId::ViewerScope);
    assert!(
        why.contains("--viewer-username and --viewer-password")
            && why.contains("MEMOS_BASIC_AUTH_VIEWER_PASSWORD"),
        "{why}"
    );
    let m = mock::start(MockConfig::new(fixture("books-page")))
        .await
        .unwrap();
    let report = conformance::run(target(&m), options()).await;
    m.shutdown().await;
    assert_eq!(verdict(&report, CheckId::AnonymousView), Verdict::Skip);
    assert!(detail(&report, CheckId::AnonymousView).contains("`{}`"));
    assert_eq!(verdict(&report, CheckId::ViewerScope), Verdict::Skip);
}

/// A run that fails (so that failing requests are printed as curl lines) against the Basic
/// mock: neither the user name, nor the password, nor `user:password`, nor its base64 appears
/// in the terminal summary, the reports or the HAR archive, for the main credential or the
/// viewer's; the Authorization header is recorded as `Basic ***`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_form_of_basic_credentials_is_printed_or_written() {
    let m = mock::start(MockConfig {
        fault: Some(Fault::RestrictedLeak),
        ..MockConfig::new(memos())
    })
    .await
    .unwrap();
    let t = target(&m);
    let mut secrets = basic_forms(t.credential.as_ref().unwrap());
    secrets.extend(basic_forms(t.viewer.as_ref().unwrap()));
    let dir = Scratch::new("suite-credentials-basic");
    let (report, texts) = run_and_write(t, options(), &dir).await;
    m.shutdown().await;
    assert_eq!(report.exit_code(), 1, "{}", report.render());
    assert_eq!(verdict(&report, CheckId::ViewerScope), Verdict::Fail);
    assert_none_holds(&texts, &secrets);
    let har = &texts[3];
    assert!(
        har.contains("\"Basic ***\""),
        "the header is recorded masked"
    );
    let failing = report.check(CheckId::ViewerScope).unwrap();
    assert!(
        failing
            .request
            .as_deref()
            .is_some_and(|c| c.contains("-H 'Authorization: Basic ***'")),
        "{failing:?}"
    );
    // What a replay needs is recorded: that there were credentials, none of their values.
    let archive: serde_json::Value = serde_json::from_str(har).unwrap();
    let comment = archive["log"]["comment"]
        .as_str()
        .expect("the runs described");
    let runs: serde_json::Value = serde_json::from_str(comment).unwrap();
    let run = &runs["conformance"][0];
    assert_eq!(
        (&run["credential"], &run["viewer"]),
        (&json!(true), &json!(true))
    );
    assert_eq!(
        run["credential_prefix"], "",
        "a user name is no prefix to record"
    );
}

/// A user name that is also a path value (an account id in the path, as some vendors put it
/// there): the URLs of the reports and of the archive show `***` in its place.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_name_in_the_path_is_masked_too() {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/specs/memos-basic-auth.yaml"),
    )
    .unwrap();
    let account = "      parameters:\n        - name: account\n          in: path\n          required: true\n          schema:\n            type: string\n";
    let text = text
        .replacen("  /memos:\n", "  /accounts/{account}/memos:\n", 1)
        .replacen("      parameters:\n", account, 1);
    let spec = specs::Spec::parse("memos-basic-auth.yaml", &text).unwrap();
    let m = mock::start(MockConfig {
        fault: Some(Fault::RestrictedLeak),
        ..MockConfig::new(spec)
    })
    .await
    .unwrap();
    let mut t = target(&m);
    let user = t.credential.as_ref().unwrap().parts()[0].to_string();
    t.path_values.insert("account".into(), user.clone());
    let dir = Scratch::new("suite-credentials-path");
    let (report, mut texts) = run_and_write(t, options(), &dir).await;
    m.shutdown().await;
    assert_eq!(
        verdict(&report, CheckId::ViewerScope),
        Verdict::Fail,
        "{}",
        report.render()
    );
    // `Debug` of the target shows the path values it was given, as given: no output of a run.
    texts.remove(2);
    assert_none_holds(&texts, &[user]);
    assert!(
        texts[2].contains("/accounts/***/memos"),
        "the archive's URLs"
    );
    let curl = report
        .check(CheckId::ViewerScope)
        .unwrap()
        .request
        .clone()
        .unwrap();
    assert!(curl.contains("/accounts/***/memos"), "{curl}");
}

/// A server that echoes what it was sent (the Authorization header, decoded or not, and the
/// user name in its items): every echo reaches the reports and the archive masked.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn basic_credentials_a_server_echoes_are_masked() {
    const USER: &str = "AC0f1e2d3c4b5a69788796a5b4c3d2e1f0";
    const PASSWORD: &str = "tok-9a8b7c6d5e4f3a2b1c0d";
    let wire = Wire::start(|_origin| {
        Arc::new(move |r: &Request| -> Reply {
            let auth = r.header("authorization").unwrap_or("").to_string();
            let decoded = auth
                .strip_prefix("Basic ")
                .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
                .map(|b| String::from_utf8_lossy(&b).into_owned())
                .unwrap_or_default();
            if decoded != format!("{USER}:{PASSWORD}") {
                return json_reply(
                    401,
                    &json!({ "message": format!("unknown credentials {auth} ({decoded})") }),
                );
            }
            let memo = |id: i64| {
                json!({
                    "id": id,
                    "title": format!("for {decoded} via {auth}"),
                    "topic": "travel",
                    "visibility": "team",
                    "written_at": "2026-01-02T03:04:05Z",
                })
            };
            json_reply(
                200,
                &json!({ "memos": [memo(1), memo(2)], "next_cursor": null }),
            )
        })
    })
    .await;
    let mut t = Target::new(
        Arc::new(memos()),
        format!("{}/v1", wire.origin()).parse().unwrap(),
    );
    t.credential = Some(Secret::basic(USER, PASSWORD));
    let secrets = basic_forms(t.credential.as_ref().unwrap());
    let dir = Scratch::new("suite-credentials-echo");
    let (report, texts) = run_and_write(t, options(), &dir).await;
    assert!(!wire.requests().is_empty());
    assert_none_holds(&texts, &secrets);
    // The echoes were read (and masked), so the test did exercise them.
    let har = &texts[3];
    assert!(
        har.contains("for *** via Basic ***"),
        "{}",
        &har[..har.len().min(3000)]
    );
    assert!(report.render().contains("Basic ***"), "{}", report.render());
}

/// An API key in the query: every URL the suite prints or records shows it as `***`, and a
/// server that echoes the URL it was asked for (the key percent-encoded in it) has the echo
/// masked as well.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_in_the_query_is_masked_in_every_url() {
    // A key whose percent-encoding differs from it: `+`, `/` and `=` are encoded in a query.
    const KEY: &str = "qk_test_Zm9v+YmFy/YmF6=";
    let encoded: String =
        conformance::url::form_urlencoded::byte_serialize(KEY.as_bytes()).collect();
    assert_ne!(encoded, KEY);
    let wire = Wire::start(|origin| {
        Arc::new(move |r: &Request| -> Reply {
            let echo = format!("{origin}{}", r.target);
            json_reply(401, &json!({ "error": format!("no such key in {echo}") }))
        })
    })
    .await;
    let spec = fixture("tickets-link-header");
    let base = format!("{}{}", wire.origin(), spec.server_path());
    let mut t = Target::new(Arc::new(spec), base.parse().unwrap());
    t.credential = Some(Secret::new(KEY));
    t.path_values.insert("project".into(), "alpha".into());
    let dir = Scratch::new("suite-credentials-query");
    let (report, texts) = run_and_write(t, options(), &dir).await;
    let sent: Vec<String> = wire.requests().into_iter().map(|r| r.target).collect();
    assert!(
        sent.iter()
            .any(|s| s.contains(&format!("api_key={encoded}"))),
        "the key was sent: {sent:?}"
    );
    assert_none_holds(
        &texts,
        &[KEY.to_string(), encoded.clone(), "Zm9v+YmFy".into()],
    );
    let har = &texts[3];
    assert!(har.contains("api_key=***"), "the URLs hold the key masked");
    assert!(har.contains("no such key in"), "the echoes were recorded");
    let curl = report
        .checks
        .iter()
        .find_map(|c| c.request.clone())
        .expect("a failing request is printed");
    assert!(curl.contains("api_key=***"), "{curl}");
    assert!(Path::new(&dir.path("run.har")).exists());
}

/// The masked forms of a secret: what was given and each form it takes on the wire, longest
/// first, so that masking never cuts a longer form in two.
#[test]
fn a_secret_knows_every_form_it_takes() {
    let basic = Secret::basic("someuser", "p@ss word");
    let forms = basic.masked_forms();
    for want in [
        "someuser",
        "p@ss word",
        "someuser:p@ss word",
        "c29tZXVzZXI6cEBzcyB3b3Jk",
        "p%40ss+word",
    ] {
        assert!(forms.iter().any(|f| f == want), "{want}: {forms:?}");
    }
    assert!(
        forms.windows(2).all(|w| w[0].len() >= w[1].len()),
        "{forms:?}"
    );
    assert_eq!(
        basic.mask("Authorization: Basic c29tZXVzZXI6cEBzcyB3b3Jk for someuser"),
        "Authorization: Basic *** for ***"
    );
    assert_eq!(format!("{basic:?} {basic}"), "*** ***");
    let key = Secret::new("k+y/with=signs");
    assert!(key
        .masked_forms()
        .contains(&"k%2By%2Fwith%3Dsigns".to_string()));
    assert_eq!(key.parts(), ["k+y/with=signs"]);
}
