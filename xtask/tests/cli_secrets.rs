//! The key never leaves the process except in its one header: the real binary, against the
//! reference mocks, passing and failing, with the key from the flag and from the environment,
//! never prints it (stdout, stderr), never writes it (JUnit, JSON), and prints the failing
//! requests as curl lines with `***`. Usage errors and `--help` do not show it either.

mod cli_util;

use cli_util::{
    cargo_xtask, key_flag_and_env, mock_args, read, runtime, spec, start_mock, suffix, xtask,
    Output, TempDir,
};
use mock::{Fault, MockConfig};

#[derive(Clone, Copy, Debug, PartialEq)]
enum Via {
    Flag,
    Env,
}

/// The fault that makes a failing run, and the masked header its curl lines show.
fn failing(api: &str) -> (Fault, &'static str) {
    match api {
        "peeker" => (Fault::FilterIgnored, "Authorization: Bearer ***"),
        "devpayr" => (Fault::CrossProjectRead, "X-API-KEY: ***"),
        _ => (Fault::PageGap, "Authorization: Bearer ***"),
    }
}

fn assert_no_key(what: &str, text: &str, key: &str) {
    assert!(!text.contains(key), "{what} holds the key:\n{text}");
    assert!(
        !text.contains(suffix(key)),
        "{what} holds the key's distinctive part {}:\n{text}",
        suffix(key)
    );
}

/// Runs the binary against a mock of `api` (faulty when `fail`), the key passed `via`.
fn secret_run(api: &str, fail: bool, via: Via) {
    let rt = runtime();
    let (fault, masked) = failing(api);
    let vendor = api;
    let config = MockConfig {
        fault: fail.then_some(fault),
        items: 400,
        ..MockConfig::new(spec(api))
    };
    let m = start_mock(&rt, config);
    let (key, mut args) = mock_args(&m);
    let dir = TempDir::new(&format!("secrets-{vendor}-{fail}-{via:?}"));
    let (junit, json) = (dir.file("report.xml"), dir.file("report.json"));
    args.splice(0..0, ["conformance".to_string()]);
    args.extend([
        "--cases".into(),
        "4".into(),
        "--junit".into(),
        junit.clone(),
        "--json".into(),
        json.clone(),
    ]);
    let (flag, env) = key_flag_and_env(&spec(api));
    let mut env_pairs: Vec<(&str, &str)> = Vec::new();
    match via {
        Via::Flag => args.extend([flag.clone(), key.clone()]),
        Via::Env => env_pairs.push((&env, &key)),
    }
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = xtask(&argv, &env_pairs);
    let requests = m.request_count();
    rt.block_on(m.shutdown());

    let both = out.both();
    assert_eq!(out.code, Some(if fail { 1 } else { 0 }), "{both}");
    assert!(requests > 0, "nothing reached the mock\n{both}");
    let (junit, json) = (read(&junit), read(&json));
    assert!(junit.contains("<testsuite"), "no JUnit report\n{both}");
    assert!(json.contains("\"requests_used\""), "no JSON report\n{both}");
    for (what, text) in [
        ("stdout", &out.stdout),
        ("stderr", &out.stderr),
        ("the JUnit report", &junit),
        ("the JSON report", &json),
    ] {
        assert_no_key(what, text, &key);
    }
    if fail {
        // Failing requests are printed, with the key masked.
        assert!(out.stdout.contains(masked), "no masked curl line\n{both}");
        assert!(
            junit.contains(masked),
            "no masked curl line in JUnit:\n{junit}"
        );
        assert!(out.stdout.contains("curl -sS -H"), "{both}");
    }
}

macro_rules! secret_tests {
    ($($test:ident: $api:literal, $fail:literal, $via:ident;)*) => {
        $(
            #[test]
            fn $test() {
                secret_run($api, $fail, Via::$via);
            }
        )*
    };
}

secret_tests! {
    peeker_passing_key_by_flag: "peeker", false, Flag;
    peeker_passing_key_by_env: "peeker", false, Env;
    peeker_failing_key_by_flag: "peeker", true, Flag;
    peeker_failing_key_by_env: "peeker", true, Env;
    devpayr_passing_key_by_flag: "devpayr", false, Flag;
    devpayr_passing_key_by_env: "devpayr", false, Env;
    devpayr_failing_key_by_flag: "devpayr", true, Flag;
    devpayr_failing_key_by_env: "devpayr", true, Env;
    stripe_failing_key_by_flag: "stripe", true, Flag;
    stripe_failing_key_by_env: "stripe", true, Env;
}

/// Through `cargo xtask`, as users run it: cargo echoes the command line it runs (`Running
/// target/debug/xtask … --token T`) unless quiet, and nothing of ours could mask that. The
/// workspace's alias keeps cargo quiet, so no output shows the key, however it is passed.
#[test]
fn cargo_xtask_never_prints_the_key() {
    let rt = runtime();
    let m = start_mock(&rt, MockConfig::new(spec("peeker")));
    let (key, mut args) = mock_args(&m);
    args.splice(0..0, ["conformance".to_string()]);
    args.extend(["--cases".into(), "2".into()]);
    for via in [Via::Flag, Via::Env] {
        let mut argv: Vec<String> = args.clone();
        let mut env: Vec<(&str, &str)> = Vec::new();
        match via {
            Via::Flag => argv.extend(["--token".into(), key.clone()]),
            Via::Env => env.push(("PEEKER_TOKEN", &key)),
        }
        let argv: Vec<&str> = argv.iter().map(String::as_str).collect();
        let out = cargo_xtask(&argv, &env);
        assert_eq!(out.code, Some(0), "{via:?}\n{}", out.both());
        assert!(out.stdout.contains("verdict: PASS"), "{}", out.both());
        assert_no_key("cargo xtask's stdout", &out.stdout, &key);
        assert_no_key("cargo xtask's stderr", &out.stderr, &key);
    }
    rt.block_on(m.shutdown());
}

/// The viewer's token, from its environment variable: it is sent (the viewer's walk is made,
/// and recorded as the viewer's), and it is never printed or written. The reference mock of
/// Peeker knows no viewer, so the check says that the viewer's walk got no page.
#[test]
fn the_viewer_credential_is_sent_but_never_printed_or_written() {
    const VIEWER: &str = "pk_test_VIEWERSECRET0123456789abcd";
    let rt = runtime();
    let m = start_mock(&rt, MockConfig::new(spec("peeker")));
    let (key, mut args) = mock_args(&m);
    let dir = TempDir::new("secrets-viewer");
    let (json, har) = (dir.file("report.json"), dir.file("run.har"));
    args.splice(0..0, ["conformance".to_string()]);
    args.extend([
        "--cases".into(),
        "2".into(),
        "--token".into(),
        key.clone(),
        "--json".into(),
        json.clone(),
        "--har".into(),
        har.clone(),
    ]);
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = xtask(&argv, &[("PEEKER_VIEWER_TOKEN", VIEWER)]);
    rt.block_on(m.shutdown());
    assert_eq!(out.code, Some(0), "{}", out.both());
    let (json, har) = (read(&json), read(&har));
    assert!(
        json.contains("the viewer's walk got no page"),
        "the viewer was sent and refused:\n{json}"
    );
    assert!(
        har.contains(r#"\"auth\":\"viewer\""#),
        "no viewer request recorded"
    );
    for (what, text) in [
        ("stdout", &out.stdout),
        ("stderr", &out.stderr),
        ("the JSON report", &json),
        ("the HAR archive", &har),
    ] {
        assert_no_key(what, text, VIEWER);
        assert_no_key(what, text, &key);
    }
}

const PEEKER_KEY: &str = "pk_test_CLISECRET0123456789abcdef";
const DEVPAYR_KEY: &str = "dp_scoped_CLISECRETfedcba9876543210";

fn assert_clean(out: &Output, key: &str) {
    assert_no_key("stdout", &out.stdout, key);
    assert_no_key("stderr", &out.stderr, key);
}

#[test]
fn usage_errors_do_not_show_the_key() {
    let cases: &[(&[&str], &str)] = &[
        (
            &["conformance", "peeker", "--base-url", "not a url"],
            "not a URL",
        ),
        (
            &["conformance", "peeker", "--base-url", "ftp://127.0.0.1/x"],
            "not an http(s) URL",
        ),
        (
            &[
                "conformance",
                "peeker",
                "--base-url",
                "http://127.0.0.1:1/x",
                "--bogus",
            ],
            "--bogus",
        ),
        (
            &[
                "conformance",
                "peeker",
                "--base-url",
                "http://127.0.0.1:1/x",
                "--max-requests",
                "many",
            ],
            "--max-requests",
        ),
        (
            &[
                "conformance",
                "peeker",
                "--base-url",
                "http://127.0.0.1:1/x",
                "--request-timeout",
                "0",
            ],
            "--request-timeout",
        ),
        (
            &[
                "conformance",
                "peeker",
                "--base-url",
                "http://127.0.0.1:1/x",
                "--deadline",
                "soon",
            ],
            "--deadline",
        ),
        (&["conformance", "peeker"], "--base-url"),
    ];
    for (args, says) in cases {
        for via in [Via::Env, Via::Flag] {
            let mut argv: Vec<&str> = args.to_vec();
            let mut env: Vec<(&str, &str)> = Vec::new();
            match via {
                Via::Env => env.push(("PEEKER_TOKEN", PEEKER_KEY)),
                Via::Flag => argv.extend(["--token", PEEKER_KEY]),
            }
            let out = xtask(&argv, &env);
            assert_eq!(out.code, Some(2), "{argv:?}\n{}", out.both());
            assert!(out.stderr.contains(says), "{argv:?}: {}", out.both());
            assert_clean(&out, PEEKER_KEY);
        }
    }
    // DevPayr without --project.
    let out = xtask(
        &[
            "conformance",
            "devpayr",
            "--base-url",
            "http://127.0.0.1:1/api/v1",
        ],
        &[("DEVPAYR_API_KEY", DEVPAYR_KEY)],
    );
    assert_eq!(out.code, Some(2), "{}", out.both());
    assert!(out.stderr.contains("--project"), "{}", out.both());
    // With --path, the generic form.
    let out = xtask(
        &[
            "conformance",
            "devpayr",
            "--base-url",
            "http://127.0.0.1:1/api/v1",
            "--path",
            "nope=1",
        ],
        &[("DEVPAYR_API_KEY", DEVPAYR_KEY)],
    );
    assert_eq!(out.code, Some(2), "{}", out.both());
    assert!(
        out.stderr.contains("`nope` is not a path parameter"),
        "{}",
        out.both()
    );
    assert_clean(&out, DEVPAYR_KEY);
    assert_clean(&out, DEVPAYR_KEY);
    // The key given twice.
    let out = xtask(
        &[
            "conformance",
            "devpayr",
            "--base-url",
            "http://127.0.0.1:1/api/v1",
            "--project",
            "1",
            "--api-key",
            DEVPAYR_KEY,
            "--api-key",
            DEVPAYR_KEY,
        ],
        &[],
    );
    assert_eq!(out.code, Some(2), "{}", out.both());
    assert_clean(&out, DEVPAYR_KEY);
}

/// A server that cannot be reached is exit 2, and the message names the problem, not the key.
#[test]
fn an_unreachable_server_does_not_show_the_key() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let base = format!("http://127.0.0.1:{port}/api/partner/v1");
    let out = xtask(
        &["conformance", "peeker", "--base-url", &base],
        &[("PEEKER_TOKEN", PEEKER_KEY)],
    );
    assert_eq!(out.code, Some(2), "{}", out.both());
    assert!(out.stdout.contains("UNREACHABLE"), "{}", out.both());
    assert!(out.stderr.contains("cannot connect"), "{}", out.both());
    assert_clean(&out, PEEKER_KEY);
}

#[test]
fn help_names_the_variables_but_never_their_values() {
    let env = [
        ("PEEKER_TOKEN", PEEKER_KEY),
        ("DEVPAYR_API_KEY", DEVPAYR_KEY),
    ];
    for args in [
        &["conformance", "--help"][..],
        &["conformance", "peeker", "--help"],
        &["conformance", "peeker", "-h"],
        &["conformance", "devpayr", "--help"],
        &["conformance", "stripe", "--help"],
        &["help", "conformance"],
    ] {
        let out = xtask(args, &env);
        assert_eq!(out.code, Some(0), "{args:?}\n{}", out.both());
        assert_clean(&out, PEEKER_KEY);
        assert_clean(&out, DEVPAYR_KEY);
        if args.contains(&"peeker") {
            assert!(out.stdout.contains("[env: PEEKER_TOKEN]"), "{}", out.stdout);
        }
        if args.contains(&"devpayr") {
            assert!(
                out.stdout.contains("[env: DEVPAYR_API_KEY]"),
                "{}",
                out.stdout
            );
            // The help of an API lists what its spec needs.
            for flag in [
                "--project",
                "--forbidden-project",
                "--missing-project",
                "--path",
                "--forbidden",
                "--missing",
            ] {
                assert!(out.stdout.contains(flag), "{flag}: {}", out.stdout);
            }
            assert!(out.stdout.contains("This API needs"), "{}", out.stdout);
        }
        if args.contains(&"stripe") {
            assert!(
                out.stdout.contains("[env: STRIPE_TOKEN]") && out.stdout.contains("--allow-live"),
                "{}",
                out.stdout
            );
        }
    }
}
