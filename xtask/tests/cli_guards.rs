//! The live-key guard of the real binary: a Peeker `pk_live_` key is refused with exit 2 and a
//! message naming `--allow-live`, before any connection is made; `--allow-live` lets it
//! through.

mod cli_util;

use cli_util::{runtime, start_mock, suffix, xtask, Silent};
use mock::MockConfig;

const LIVE_KEY: &str = "pk_live_LIVESECRET0123456789abcdef";

#[test]
fn a_live_key_is_refused_before_any_connection() {
    let mut server = Silent::bind();
    let base = format!("http://127.0.0.1:{}/api/partner/v1", server.port());
    for (args, env) in [
        (
            vec!["conformance", "peeker", "--base-url", &base],
            vec![("PEEKER_TOKEN", LIVE_KEY)],
        ),
        (
            vec![
                "conformance",
                "peeker",
                "--base-url",
                &base,
                "--token",
                LIVE_KEY,
            ],
            vec![],
        ),
    ] {
        let out = xtask(&args, &env);
        let both = out.both();
        assert_eq!(out.code, Some(2), "{both}");
        assert!(
            out.stderr.contains("--allow-live"),
            "stderr must explain --allow-live\n{both}"
        );
        assert!(out.stderr.contains("live key"), "{both}");
        assert!(out.stdout.contains("REFUSED"), "{both}");
        assert!(
            !both.contains(LIVE_KEY) && !both.contains(suffix(LIVE_KEY)),
            "{both}"
        );
        assert_eq!(server.connections(), 0, "a connection was made\n{both}");
    }
}

#[test]
fn allow_live_lets_a_live_key_through() {
    let rt = runtime();
    let m = start_mock(&rt, MockConfig::new(cli_util::spec("peeker")));
    let out = xtask(
        &[
            "conformance",
            "peeker",
            "--base-url",
            &m.base_url,
            "--allow-live",
            "--cases",
            "2",
        ],
        &[("PEEKER_TOKEN", LIVE_KEY)],
    );
    let requests = m.request_count();
    rt.block_on(m.shutdown());
    let both = out.both();
    assert!(requests > 0, "nothing was sent\n{both}");
    assert!(!both.contains("REFUSED"), "{both}");
    // The mock does not know the key, so the run finds violations; what matters is that it ran.
    assert!(matches!(out.code, Some(0 | 1)), "{both}");
    assert!(
        !both.contains(LIVE_KEY) && !both.contains(suffix(LIVE_KEY)),
        "{both}"
    );
}

/// A test key is not refused, and DevPayr has no live-key rule.
#[test]
fn test_keys_are_not_refused() {
    let mut server = Silent::bind();
    let base = format!("http://127.0.0.1:{}/api/partner/v1", server.port());
    let out = xtask(
        &[
            "conformance",
            "peeker",
            "--base-url",
            &base,
            "--request-timeout",
            "0.5",
            "--deadline",
            "5",
        ],
        &[("PEEKER_TOKEN", "pk_test_notlive")],
    );
    assert!(!out.both().contains("REFUSED"), "{}", out.both());
    assert!(server.connections() > 0, "{}", out.both());
}
