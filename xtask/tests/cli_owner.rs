//! `--user-email`: the response never shows emails, so the `user_email` filter can only be
//! checked against a real customer when the user names one. Without it only an unknown address
//! is tried (which must select nothing); with it, the real customer's results must share one
//! owner, and a server that ignores the filter is caught on that customer.

mod cli_util;

use cli_util::{mock_args, runtime, start_mock, xtask};
use mock::{Fault, MockConfig};

const EMAIL_PARAM: &str = "user_email=owner";

fn run(fault: Option<Fault>, with_email: bool) -> (Option<i32>, String) {
    let rt = runtime();
    let mut config = MockConfig::new(cli_util::spec("peeker"));
    config.fault = fault;
    let m = start_mock(&rt, config);
    let (key, mut args) = mock_args(&m);
    if with_email {
        args.push("--user-email".into());
        args.push(m.credentials.owners["user_email"][0].clone());
    }
    let mut argv = vec!["conformance"];
    argv.extend(args.iter().map(String::as_str));
    let out = xtask(&argv, &[("PEEKER_TOKEN", key.as_str())]);
    (out.code, out.both())
}

#[test]
fn a_known_email_lets_the_owner_check_catch_an_ignored_filter() {
    let (code, out) = run(Some(Fault::OwnerFilterIgnored), true);
    assert_eq!(code, Some(1), "{out}");
    let fail = out
        .lines()
        .find(|l| l.contains("FAIL") && l.contains("filters/owner"))
        .unwrap_or_else(|| panic!("filters/owner did not fail\n{out}"));
    assert!(
        fail.contains(EMAIL_PARAM),
        "the known customer was not asked for: {fail}"
    );

    // Without the flag the same server is caught only through the unknown address.
    let (code, out) = run(Some(Fault::OwnerFilterIgnored), false);
    assert_eq!(code, Some(1), "{out}");
    assert!(!out.contains(EMAIL_PARAM), "{out}");
}

#[test]
fn a_known_email_passes_on_the_reference_mock() {
    let (code, out) = run(None, true);
    assert_eq!(code, Some(0), "{out}");
}
