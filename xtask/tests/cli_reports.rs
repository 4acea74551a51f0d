//! The reports of the real binary: `--har` records exactly what the mock received, with no
//! key; `replay` re-judges a recording offline with the same verdicts; `--markdown` names every
//! check that ran; `--checks` sends only what the selected checks need; a key too short or too
//! common to mask is refused with a clear message; no library prints into the output.

mod cli_util;

use cli_util::{mock_args, read, runtime, spec, start_mock, xtask, TempDir};
use mock::{Fault, MockConfig};
use serde_json::Value;

/// Runs `conformance` against a mock of `api` (with `fault`), with `extra` arguments; returns
/// the key, the output and the requests the mock received.
fn run(api: &str, config: MockConfig, extra: &[&str]) -> (String, cli_util::Output, u64) {
    let rt = runtime();
    let m = start_mock(&rt, config);
    let (key, mut args) = mock_args(&m);
    args.splice(0..0, ["conformance".to_string()]);
    args.extend(["--cases".into(), "3".into()]);
    args.extend(extra.iter().map(|s| s.to_string()));
    let env = cli_util::key_flag_and_env(&spec(api)).1;
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = xtask(&argv, &[(env.as_str(), key.as_str())]);
    let received = m.request_count();
    rt.block_on(m.shutdown());
    (key, out, received)
}

fn faulty(api: &str, fault: Fault) -> MockConfig {
    MockConfig {
        fault: Some(fault),
        items: 400,
        rate_limit_every: Some(9),
        retry_after_secs: 0,
        ..MockConfig::new(spec(api))
    }
}

/// The verdict of each check in a JSON report.
fn verdicts(json: &str) -> Vec<(String, String)> {
    let reports: Value = serde_json::from_str(json).expect("a JSON report");
    reports[0]["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .map(|c| {
            (
                c["name"].as_str().unwrap_or_default().to_string(),
                c["verdict"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

#[test]
fn the_har_holds_every_request_the_mock_received_and_no_key() {
    let dir = TempDir::new("har");
    let har = dir.file("run.har");
    let (key, out, received) = run(
        "devpayr",
        faulty("devpayr", Fault::PageGap),
        &["--har", &har],
    );
    assert_eq!(out.code, Some(1), "{}", out.both());
    let text = read(&har);
    assert!(!text.contains(&key), "the HAR holds the key");
    assert!(
        !text.contains(cli_util::suffix(&key)),
        "the HAR holds part of the key"
    );
    // An archive the `har` crate (a well-kept HAR 1.2 implementation) reads back.
    let parsed = har::from_str(&text).expect("a HAR document");
    let har::Spec::V1_2(log) = parsed.log else {
        panic!("not HAR 1.2");
    };
    assert_eq!(
        log.entries.len() as u64,
        received,
        "one entry per request the mock received"
    );
    let comments: Vec<Value> = log
        .entries
        .iter()
        .map(|e| serde_json::from_str(e.comment.as_deref().unwrap()).unwrap())
        .collect();
    let limited = comments
        .iter()
        .filter(|c| c["outcome"] == "rate-limited")
        .count();
    let statuses_429 = log
        .entries
        .iter()
        .filter(|e| e.response.status == 429)
        .count();
    assert!(
        limited > 0 && limited == statuses_429,
        "rate-limited entries are marked"
    );
    assert!(
        comments.iter().any(|c| c["auth"] == "none"),
        "requests without a key are marked"
    );
    // The key's header is recorded, masked.
    let masked = log
        .entries
        .iter()
        .flat_map(|e| e.request.headers.iter())
        .any(|h| h.name.eq_ignore_ascii_case("x-api-key") && h.value == "***");
    assert!(masked, "the credential header is recorded as ***");
}

#[test]
fn a_replayed_har_gives_the_same_failing_checks_offline() {
    let dir = TempDir::new("replay");
    let (har, json, replayed_json) = (
        dir.file("run.har"),
        dir.file("run.json"),
        dir.file("replayed.json"),
    );
    let (key, out, _) = run(
        "peeker",
        faulty("peeker", Fault::FilterIgnored),
        &["--har", &har, "--json", &json],
    );
    assert_eq!(out.code, Some(1), "{}", out.both());
    // No server and no key now.
    let replay = xtask(&["replay", &har, "--json", &replayed_json], &[]);
    assert_eq!(replay.code, Some(1), "{}", replay.both());
    assert!(!replay.both().contains(&key));
    let (recorded, replayed) = (verdicts(&read(&json)), verdicts(&read(&replayed_json)));
    let failing = |v: &[(String, String)]| {
        v.iter()
            .filter(|(_, verdict)| verdict == "fail")
            .map(|(n, _)| n.clone())
            .collect::<Vec<_>>()
    };
    assert!(
        failing(&recorded).contains(&"filters/items-match".to_string()),
        "{recorded:?}"
    );
    assert_eq!(failing(&recorded), failing(&replayed), "{}", replay.stdout);
    assert_eq!(
        recorded, replayed,
        "every verdict replays\n{}",
        replay.stdout
    );
}

#[test]
fn a_replay_says_what_the_recording_lacks() {
    let dir = TempDir::new("replay-lacks");
    let har = dir.file("run.har");
    let (_, out, _) = run(
        "peeker",
        MockConfig::new(spec("peeker")),
        &["--har", &har, "--checks", "errors/missing-key"],
    );
    assert_eq!(out.code, Some(0), "{}", out.both());
    // Edit the recording's options so that the replay runs a check it has no answers for.
    let mut archive: Value = serde_json::from_str(&read(&har)).unwrap();
    let comment = archive["log"]["comment"].as_str().unwrap().replace(
        "\"checks\":[\"errors/missing-key\"]",
        "\"checks\":[\"errors/missing-key\",\"errors/invalid-param\"]",
    );
    archive["log"]["comment"] = Value::String(comment);
    std::fs::write(&har, archive.to_string()).unwrap();
    let replay = xtask(&["replay", &har], &[]);
    assert_eq!(replay.code, Some(0), "{}", replay.both());
    let line = replay
        .stdout
        .lines()
        .find(|l| l.contains("errors/invalid-param"))
        .unwrap_or_else(|| panic!("{}", replay.stdout));
    assert!(
        line.contains("skip") && line.contains("recording"),
        "{line}"
    );
}

#[test]
fn the_markdown_summary_names_every_check_that_ran() {
    let dir = TempDir::new("markdown");
    let (md, json) = (dir.file("summary.md"), dir.file("run.json"));
    let (key, out, _) = run(
        "peeker",
        faulty("peeker", Fault::FilterOr),
        &["--markdown", &md, "--json", &json],
    );
    assert_eq!(out.code, Some(1), "{}", out.both());
    let text = read(&md);
    assert!(
        text.contains("| check | verdict | detail | request |"),
        "{text}"
    );
    assert!(!text.contains(&key));
    for (name, _) in verdicts(&read(&json)) {
        assert!(
            text.contains(&format!("| `{name}` |")),
            "{name} missing:\n{text}"
        );
    }
    assert!(
        text.contains("❌ fail") && text.contains("curl -sS -H"),
        "{text}"
    );
}

#[test]
fn checks_selects_and_sends_only_what_the_selected_checks_need() {
    // errors/missing-key needs the first page at the smallest size (for a real continuation
    // request), and the first page and that continuation without a key: three requests.
    let (_, out, received) = run(
        "peeker",
        MockConfig::new(spec("peeker")),
        &["--checks", "errors/missing-key"],
    );
    assert_eq!(out.code, Some(0), "{}", out.both());
    assert_eq!(received, 3, "{}", out.both());
    let checks: Vec<&str> = out
        .stdout
        .lines()
        .filter(|l| l.starts_with("    pass ") || l.starts_with("    skip "))
        .collect();
    assert_eq!(checks.len(), 1, "{}", out.stdout);
    assert!(checks[0].contains("errors/missing-key"), "{}", out.stdout);

    // A family glob, minus one check.
    let (_, out, _) = run(
        "peeker",
        MockConfig::new(spec("peeker")),
        &[
            "--checks",
            "pagination/*",
            "--exclude-checks",
            "pagination/over-max",
        ],
    );
    assert_eq!(out.code, Some(0), "{}", out.both());
    assert!(
        out.stdout.contains("pagination/complete") && !out.stdout.contains("pagination/over-max")
    );
    assert!(
        !out.stdout.contains("errors/") && !out.stdout.contains("schema/"),
        "{}",
        out.stdout
    );
}

#[test]
fn an_unknown_check_is_a_usage_error_that_lists_the_valid_ones() {
    let out = xtask(
        &[
            "conformance",
            "peeker",
            "--base-url",
            "http://127.0.0.1:1/x",
            "--checks",
            "pagination/compleat",
        ],
        &[("PEEKER_TOKEN", "pk_test_0123456789abcdef")],
    );
    assert_eq!(out.code, Some(2), "{}", out.both());
    assert!(
        out.stderr.contains("`pagination/compleat` names no check"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("pagination/complete") && out.stderr.contains("errors/*"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_short_or_common_key_is_refused_with_a_readable_message() {
    let rt = runtime();
    let m = start_mock(&rt, MockConfig::new(spec("peeker")));
    for key in ["k", "test", "domains"] {
        let out = xtask(
            &["conformance", "peeker", "--base-url", &m.base_url],
            &[("PEEKER_TOKEN", key)],
        );
        assert_eq!(out.code, Some(2), "{key}: {}", out.both());
        assert!(out.stderr.contains("refused:"), "{key}: {}", out.both());
        // The report reads as written: the suite's own words are not mangled.
        assert!(!out.both().contains("***"), "{key}: {}", out.both());
        assert!(
            out.stdout.contains("REFUSED") && out.stdout.contains("verdict: NOT CHECKED"),
            "{}",
            out.stdout
        );
    }
    assert_eq!(m.request_count(), 0, "nothing was sent");
    rt.block_on(m.shutdown());
}

#[test]
fn no_library_prints_into_the_output() {
    // A failing run shrinks its cases: proptest must not print about it.
    let (_, out, _) = run("peeker", faulty("peeker", Fault::FilterOr), &[]);
    assert_eq!(out.code, Some(1), "{}", out.both());
    for line in out.stdout.lines().chain(out.stderr.lines()) {
        assert!(
            line.is_empty()
                || line.starts_with("  ")
                || line.starts_with("conformance of ")
                || line.starts_with("error: "),
            "a line the suite did not write: {line:?}"
        );
        assert!(
            !line.contains("proptest") && !line.contains("Aborting shrinking"),
            "{line}"
        );
    }
}
