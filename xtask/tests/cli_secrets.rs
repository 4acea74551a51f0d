//! The key never leaves the process except in its one header: the real binary, against the
//! reference mocks, passing and failing, with the key from the flag and from the environment,
//! never prints it (stdout, stderr), never writes it (JUnit, JSON), and prints the failing
//! requests as curl lines with `***`. Usage errors and `--help` do not show it either.

mod cli_util;

use cli_util::{
    key_flag_and_env, mock_args, read, runtime, start_mock, suffix, xtask, Output, TempDir,
};
use conformance::mock::{Fault, MockConfig, Vendor};

#[derive(Clone, Copy, Debug, PartialEq)]
enum Via {
    Flag,
    Env,
}

/// The fault that makes a failing run, and the masked header its curl lines show.
fn failing(vendor: Vendor) -> (Fault, &'static str) {
    match vendor {
        Vendor::Peeker => (Fault::FilterIgnored, "Authorization: Bearer ***"),
        Vendor::Devpayr => (Fault::CrossProjectRead, "X-API-KEY: ***"),
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

/// Runs the binary against a mock of `vendor` (faulty when `fail`), the key passed `via`.
fn secret_run(vendor: Vendor, fail: bool, via: Via) {
    let rt = runtime();
    let (fault, masked) = failing(vendor);
    let config = MockConfig {
        fault: fail.then_some(fault),
        items: if vendor == Vendor::Devpayr { 400 } else { 130 },
        ..MockConfig::new(vendor)
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
    let (flag, env) = key_flag_and_env(vendor);
    let mut env_pairs: Vec<(&str, &str)> = Vec::new();
    match via {
        Via::Flag => args.extend([flag.to_string(), key.clone()]),
        Via::Env => env_pairs.push((env, &key)),
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
    ($($test:ident: $vendor:ident, $fail:literal, $via:ident;)*) => {
        $(
            #[test]
            fn $test() {
                secret_run(Vendor::$vendor, $fail, Via::$via);
            }
        )*
    };
}

secret_tests! {
    peeker_passing_key_by_flag: Peeker, false, Flag;
    peeker_passing_key_by_env: Peeker, false, Env;
    peeker_failing_key_by_flag: Peeker, true, Flag;
    peeker_failing_key_by_env: Peeker, true, Env;
    devpayr_passing_key_by_flag: Devpayr, false, Flag;
    devpayr_passing_key_by_env: Devpayr, false, Env;
    devpayr_failing_key_by_flag: Devpayr, true, Flag;
    devpayr_failing_key_by_env: Devpayr, true, Env;
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
        }
    }
}
