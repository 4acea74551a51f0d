//! Politeness of the real binary: the request budget (reported as used/allowed, in the summary
//! and the JSON report), `--request-timeout` and `--deadline`, with their defaults in `--help`.
//! Every run ends with a clear verdict; none may hang (the helper kills a hung binary).

mod cli_util;

use std::sync::Arc;
use std::time::Duration;

use cli_util::wire::{json_reply, peeker_page, peeker_page_size, Reply, Request, Wire};
use cli_util::{read, runtime, start_mock, xtask, TempDir};
use mock::MockConfig;
use serde_json::Value;

fn json_report(path: &str) -> Value {
    let text = read(path);
    let v: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
    v[0].clone()
}

#[test]
fn the_budget_stops_the_run_with_a_clear_verdict() {
    let rt = runtime();
    let m = start_mock(&rt, MockConfig::new(cli_util::spec("peeker")));
    let dir = TempDir::new("budget");
    let json = dir.file("r.json");
    let token = m.credentials.primary().unwrap().secret.clone();
    let out = xtask(
        &[
            "conformance",
            "peeker",
            "--base-url",
            &m.base_url,
            "--max-requests",
            "10",
            "--json",
            &json,
        ],
        &[("PEEKER_TOKEN", &token)],
    );
    let received = m.request_count();
    rt.block_on(m.shutdown());
    let both = out.both();
    assert_eq!(out.code, Some(2), "{both}");
    assert!(out.stdout.contains("budget exhausted"), "{both}");
    assert!(out.stdout.contains("10/10 requests"), "{both}");
    assert!(out.stdout.contains("verdict: NOT CHECKED"), "{both}");
    assert!(out.stderr.contains("raise --max-requests"), "{both}");
    assert!(
        received <= 10,
        "the server received {received} requests\n{both}"
    );
    let r = json_report(&json);
    assert_eq!(r["requests_allowed"], 10, "{r}");
    assert!(r["requests_used"].as_u64().unwrap() <= 10, "{r}");
    assert_eq!(r["stop"]["kind"], "budget-exhausted", "{r}");
}

#[test]
fn the_default_budget_is_reported_as_used_of_allowed() {
    let rt = runtime();
    let m = start_mock(&rt, MockConfig::new(cli_util::spec("devpayr")));
    let c = m.credentials.clone();
    let dir = TempDir::new("default-budget");
    let json = dir.file("r.json");
    let project = c.path_values["project"].clone();
    let out = xtask(
        &[
            "conformance",
            "devpayr",
            "--base-url",
            &m.base_url,
            "--project",
            &project,
            "--cases",
            "2",
            "--json",
            &json,
        ],
        &[("DEVPAYR_API_KEY", c.primary().unwrap().secret.as_str())],
    );
    rt.block_on(m.shutdown());
    assert_eq!(out.code, Some(0), "{}", out.both());
    let r = json_report(&json);
    let used = r["requests_used"].as_u64().unwrap();
    assert_eq!(r["requests_allowed"], 2000, "{r}");
    assert!(used > 0 && used <= 2000, "{r}");
    assert!(
        out.stdout.contains(&format!("{used}/2000 requests")),
        "{}",
        out.both()
    );
    assert!(r["rate_limited"].is_u64(), "{r}");
}

/// Slow pages (well within the per-request timeout), each with a fresh next link, forever:
/// only the deadline ends the run.
#[test]
fn the_deadline_ends_a_run_against_a_slow_endless_server() {
    let rt = runtime();
    let wire = rt.block_on(Wire::start(|origin| {
        Arc::new(move |r: &Request| {
            let n: u64 = r
                .query("page_token")
                .and_then(|t| t.parse().ok())
                .unwrap_or(0);
            let size = peeker_page_size(r).unwrap_or(25);
            let next = format!(
                "{origin}/api/partner/v1/domains?per_page={size}&page_token={}",
                n + 1
            );
            // Full pages, so that only the deadline is wrong with this server.
            let ids: Vec<String> = (0..size).map(|k| format!("dom_{n}_{k}")).collect();
            let page = peeker_page(&origin, size, &ids, Some(next));
            Reply::Delayed(Duration::from_millis(50), Box::new(json_reply(200, &page)))
        })
    }));
    let dir = TempDir::new("deadline");
    let json = dir.file("r.json");
    let out = xtask(
        &[
            "conformance",
            "peeker",
            "--base-url",
            &wire.peeker_base(),
            "--deadline",
            "1",
            "--request-timeout",
            "5",
            "--max-requests",
            "1000000",
            "--json",
            &json,
        ],
        &[("PEEKER_TOKEN", "pk_test_slow")],
    );
    let both = out.both();
    assert_eq!(out.code, Some(2), "{both}");
    assert!(out.stdout.contains("INCOMPLETE"), "{both}");
    assert!(out.stdout.contains("deadline"), "{both}");
    assert!(out.stderr.contains("raise --deadline"), "{both}");
    assert!(
        !out.stdout.contains("FAIL "),
        "the deadline is not a violation\n{both}"
    );
    let r = json_report(&json);
    assert_eq!(r["stop"]["kind"], "deadline", "{r}");
    drop(wire);
}

/// A server that never answers: each request ends at `--request-timeout`, and after a few in
/// a row the run stops, naming the violation.
#[test]
fn the_request_timeout_bounds_a_server_that_never_answers() {
    let rt = runtime();
    let wire = rt.block_on(Wire::start(|_| Arc::new(|_: &Request| Reply::Hang)));
    let out = xtask(
        &[
            "conformance",
            "peeker",
            "--base-url",
            &wire.peeker_base(),
            "--request-timeout",
            "0.3",
        ],
        &[("PEEKER_TOKEN", "pk_test_hang")],
    );
    let both = out.both();
    assert_eq!(out.code, Some(1), "{both}");
    assert!(
        out.stdout
            .lines()
            .any(|l| l.contains("FAIL") && l.contains("transport/timely")),
        "{both}"
    );
    assert!(
        out.stdout.contains("no complete response within 300ms"),
        "{both}"
    );
    // A few requests, not one per check: the probe stops after three failures in a row, and
    // at most the requests already in flight (4 by default) are sent meanwhile.
    assert!(wire.requests().len() <= 3 + 4, "{both}");
    drop(wire);
}

#[test]
fn help_documents_the_limits_and_their_defaults() {
    for vendor in ["peeker", "devpayr"] {
        let out = xtask(&["conformance", vendor, "--help"], &[]);
        assert_eq!(out.code, Some(0), "{}", out.both());
        for says in [
            "--max-requests",
            "[default: 2000]",
            "--request-timeout <SECS>",
            "[default: 10]",
            "--deadline <SECS>",
            "[default: 600]",
            "Retry-After",
            "8 MiB",
            "--allow-live",
            "Exit codes",
        ] {
            assert!(
                out.stdout.contains(says),
                "{vendor} --help lacks {says:?}\n{}",
                out.stdout
            );
        }
    }
}

/// `conformance.toml` gives the base URL, the budget, the checks and the rate limit; a flag
/// wins over it; a credential in it is refused before anything is sent.
#[test]
fn the_settings_file_describes_the_run_and_flags_win() {
    let rt = runtime();
    let m = start_mock(&rt, MockConfig::new(cli_util::spec("peeker")));
    let dir = TempDir::new("settings");
    let settings = dir.file("conformance.toml");
    let json = dir.file("r.json");
    std::fs::write(
        &settings,
        format!(
            "max-requests = 12\nrate-limit = \"200/s\"\n\n[api.peeker]\nbase-url = \"{}\"\nchecks = [\"pagination/*\"]\n",
            m.base_url
        ),
    )
    .unwrap();
    let token = m.credentials.primary().unwrap().secret.clone();
    let run = |extra: &[&str]| {
        let mut args = vec![
            "conformance",
            "peeker",
            "--config",
            &settings,
            "--json",
            &json,
        ];
        args.extend(extra);
        xtask(&args, &[("PEEKER_TOKEN", &token)])
    };
    let out = run(&[]);
    let both = out.both();
    assert_eq!(
        out.code,
        Some(2),
        "the file's budget of 12 ends the run\n{both}"
    );
    let r = json_report(&json);
    assert_eq!(r["requests_allowed"], 12, "{r}");
    assert!(r["checks"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["name"].as_str().unwrap().starts_with("pagination/")));
    let out = run(&["--max-requests", "3000"]);
    assert_eq!(
        json_report(&json)["requests_allowed"],
        3000,
        "{}",
        out.both()
    );
    rt.block_on(m.shutdown());

    std::fs::write(
        &settings,
        "[api.peeker]\ntoken = \"pk_test_0123456789abcdef\"\n",
    )
    .unwrap();
    let out = run(&[]);
    let both = out.both();
    assert_eq!(out.code, Some(2), "{both}");
    assert!(out.stderr.contains("api.peeker.token"), "{both}");
    assert!(!both.contains("pk_test_0123456789abcdef"), "{both}");
}
