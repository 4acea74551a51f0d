//! Safe against a hostile server: every behaviour in [`HOSTILE`] ends with a clear verdict
//! (exit 1 naming the violation, or 2 when there is nothing to check), without a panic, a hang
//! or a request to another origin. Then the guards one by one: the origin guard (other port,
//! host, scheme), the concurrency limit, the total deadline, 429 handling, and a server that
//! echoes the key.
//!
//! Time limits here are small where the server never finishes (any limit gives the same
//! verdict) and generous everywhere else; the outer `tokio::time::timeout` only detects hangs.
//! Nothing asserts how long something took.

mod suite_util;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use conformance::probe::transport::Live;
use conformance::probe::{Auth, Probe, ProbeError};
use conformance::{CheckId, Options, Report, Secret, Stop, Target, Verdict};
use mock::Fault;
use serde_json::json;
use suite_util::wire::{
    json_reply, peeker_answer, peeker_page, peeker_page_size, peeker_pages, Handler, Reply,
    Request, Wire, PEEKER_BASE_PATH,
};
use suite_util::{faulty, spec, target};

/// The key the in-test servers accept. Its middle is distinctive, so that a partial leak (an
/// excerpt cut in the middle of the key) is caught too.
const KEY: &str = "pk_test_HOSTILESECRET0123456789abcdef";
const KEY_MIDDLE: &str = "HOSTILESECRET";

/// Longer than any run here may take: only a hang gets there.
const HANG: Duration = Duration::from_secs(120);

/// Options for a hostile server: `timeout` per request, a deadline no row should meet (rows
/// must end by detecting the behaviour, not by running out of time), a small body cap and
/// short 429 waits.
fn options(timeout: Duration) -> Options {
    Options {
        cases: 4,
        seed: 7,
        max_shrink_iters: 4,
        max_requests: 400,
        request_timeout: timeout,
        deadline: Duration::from_secs(60),
        body_cap: 1024 * 1024,
        retry_after_cap: Duration::from_millis(20),
        max_retries: 2,
        ..Options::default()
    }
}

/// A per-request timeout for servers that answer: generous, it never decides a verdict.
const ANSWERS: Duration = Duration::from_secs(5);
/// A per-request timeout for servers that never finish: any value gives the same verdict.
const STALLS: Duration = Duration::from_millis(300);

/// Which server shows the behaviour.
#[derive(Clone, Copy)]
enum Server {
    /// A reference mock with a fault.
    Mock(&'static str, &'static str),
    /// An in-test server: the handler is made from (its origin, the decoy's origin).
    Wire(fn(String, String) -> Handler),
    /// A port with nothing listening.
    Down,
}

/// What the run must end with.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Expect {
    /// Exit 1, this check failed.
    Violation(&'static str),
    /// Exit 2, the server could not be reached.
    Unreachable,
}

struct Row {
    behaviour: &'static str,
    server: Server,
    timeout: Duration,
    expect: Expect,
}

const fn row(behaviour: &'static str, server: Server, timeout: Duration, expect: Expect) -> Row {
    Row {
        behaviour,
        server,
        timeout,
        expect,
    }
}

use Expect::{Unreachable, Violation};
use Server::{Down, Mock, Wire as W};

/// Behaviour → the verdict it must produce.
const HOSTILE: &[Row] = &[
    row(
        "next link cycles (A → B → A)",
        W(cycling_next),
        ANSWERS,
        Violation("pagination/terminates"),
    ),
    // A list that never ends cannot be told from one longer than the budget lets a walk
    // cover: the walk stops where its share runs out, and the list is judged on what the walks
    // saw. This one makes up its items per page, so walks at two sizes disagree.
    row(
        "next link never ends (fresh link and items on every page)",
        W(endless_fresh_next),
        ANSWERS,
        Violation("pagination/complete"),
    ),
    row(
        "last page links to itself (Peeker)",
        Mock("peeker", "endless-next"),
        ANSWERS,
        Violation("pagination/terminates"),
    ),
    row(
        "last cursor returns the last page again (DevPayr)",
        Mock("devpayr", "endless-next"),
        ANSWERS,
        Violation("pagination/terminates"),
    ),
    row(
        "cursor ignored: every follow-up is the first page",
        Mock("devpayr", "cursor-ignored-by-cache"),
        ANSWERS,
        Violation("pagination/terminates"),
    ),
    row(
        "429 storm (Peeker)",
        Mock("peeker", "rate-limit-storm"),
        ANSWERS,
        Violation("transport/rate-limit-recovers"),
    ),
    row(
        "429 storm (DevPayr)",
        Mock("devpayr", "rate-limit-storm"),
        ANSWERS,
        Violation("transport/rate-limit-recovers"),
    ),
    row(
        "429 whose body is not JSON",
        W(rate_limit_wrong_shape),
        ANSWERS,
        Violation("errors/rate-limit"),
    ),
    row(
        "body never finishes (Peeker)",
        Mock("peeker", "slow-body"),
        STALLS,
        Violation("transport/timely"),
    ),
    row(
        "body never finishes (DevPayr)",
        Mock("devpayr", "slow-body"),
        STALLS,
        Violation("transport/timely"),
    ),
    row(
        "no answer at all after the request",
        W(never_answers),
        STALLS,
        Violation("transport/timely"),
    ),
    row(
        "100 MB body (Peeker)",
        Mock("peeker", "huge-body"),
        ANSWERS,
        Violation("transport/body-size"),
    ),
    row(
        "100 MB body (DevPayr)",
        Mock("devpayr", "huge-body"),
        ANSWERS,
        Violation("transport/body-size"),
    ),
    row(
        "malformed JSON (Peeker)",
        Mock("peeker", "malformed-json"),
        ANSWERS,
        Violation("schema/json"),
    ),
    row(
        "malformed JSON (DevPayr)",
        Mock("devpayr", "malformed-json"),
        ANSWERS,
        Violation("schema/json"),
    ),
    row(
        "wrong content type (Peeker)",
        Mock("peeker", "wrong-content-type"),
        ANSWERS,
        Violation("schema/content-type"),
    ),
    row(
        "wrong content type (DevPayr)",
        Mock("devpayr", "wrong-content-type"),
        ANSWERS,
        Violation("schema/content-type"),
    ),
    row(
        "connection reset in the middle of every body",
        W(reset_mid_body),
        ANSWERS,
        Violation("transport/connection"),
    ),
    row(
        "connection reset in the middle of the second page",
        W(reset_second_page),
        ANSWERS,
        Violation("transport/connection"),
    ),
    row(
        "redirect to another origin",
        W(redirect_elsewhere),
        ANSWERS,
        Violation("transport/no-redirect"),
    ),
    row(
        "redirect to another origin (Peeker mock)",
        Mock("peeker", "redirect-other-origin"),
        ANSWERS,
        Violation("transport/no-redirect"),
    ),
    row(
        "redirect to another origin (DevPayr mock)",
        Mock("devpayr", "redirect-other-origin"),
        ANSWERS,
        Violation("transport/no-redirect"),
    ),
    row(
        "next link to another origin",
        W(next_elsewhere),
        ANSWERS,
        Violation("transport/same-origin"),
    ),
    row(
        "next link to another origin (Peeker mock)",
        Mock("peeker", "cross-origin-next"),
        ANSWERS,
        Violation("transport/same-origin"),
    ),
    row("server down (nothing listens)", Down, ANSWERS, Unreachable),
];

// ---- the in-test servers of the table -------------------------------------------------------

fn page(origin: &str, r: &Request, ids: &[String], next: Option<String>) -> Reply {
    let size = peeker_page_size(r).unwrap_or(25);
    json_reply(200, &peeker_page(origin, size, ids, next))
}

fn domains(origin: &str) -> String {
    format!("{origin}{PEEKER_BASE_PATH}/domains")
}

/// A next link carrying the request's page size, as Peeker's do.
fn next_link(origin: &str, r: &Request, token: &str) -> String {
    match r.query("per_page") {
        Some(size) => format!("{}?per_page={size}&page_token={token}", domains(origin)),
        None => format!("{}?page_token={token}", domains(origin)),
    }
}

/// Page tokens `a` and `b` point to each other, each page with its own item.
fn cycling_next(origin: String, _: String) -> Handler {
    Arc::new(move |r: &Request| {
        let (id, next) = match r.query("page_token").as_deref() {
            Some("a") => ("dom_a", "b"),
            Some("b") => ("dom_b", "a"),
            _ => ("dom_0", "a"),
        };
        let next = next_link(&origin, r, next);
        page(&origin, r, &[id.to_string()], Some(next))
    })
}

/// Page `n` is full (as many fresh items as the page size) and links to page `n + 1`,
/// forever.
fn endless_fresh_next(origin: String, _: String) -> Handler {
    Arc::new(move |r: &Request| {
        let n: u64 = r
            .query("page_token")
            .and_then(|t| t.parse().ok())
            .unwrap_or(0);
        let size = peeker_page_size(r).unwrap_or(25);
        let ids: Vec<String> = (0..size).map(|k| format!("dom_{n}_{k}")).collect();
        let next = next_link(&origin, r, &(n + 1).to_string());
        page(&origin, r, &ids, Some(next))
    })
}

/// Every other request is a 429 with `body` as `content_type`.
fn rate_limited_every_other(
    origin: String,
    content_type: &'static str,
    body: &'static [u8],
) -> Handler {
    Arc::new(move |r: &Request| {
        if r.n.is_multiple_of(2) {
            Reply::Full {
                status: 429,
                headers: vec![
                    ("Content-Type".into(), content_type.into()),
                    ("Retry-After".into(), "0".into()),
                ],
                body: body.to_vec(),
            }
        } else {
            peeker_answer(&origin, KEY, r, &|_| None)
        }
    })
}

/// Every other request is a 429 whose body is not JSON: a JSON API answers JSON, errors
/// included.
fn rate_limit_wrong_shape(origin: String, _: String) -> Handler {
    rate_limited_every_other(
        origin,
        "text/html",
        b"<html><body>Too Many Requests</body></html>",
    )
}

/// Every other request is a 429 whose body is JSON of another shape than the spec's reading.
fn rate_limit_other_json(origin: String, _: String) -> Handler {
    rate_limited_every_other(origin, "application/json", br#"{"error":{"code":429}}"#)
}

fn never_answers(_: String, _: String) -> Handler {
    Arc::new(|_: &Request| Reply::Hang)
}

fn reset_mid_body(origin: String, _: String) -> Handler {
    Arc::new(move |_: &Request| {
        let body = peeker_page(&origin, 25, &["dom_1".into(), "dom_2".into()], None).to_string();
        let sent = body.len() / 2;
        Reply::ResetMidBody {
            body: body.into_bytes(),
            sent,
        }
    })
}

/// A good first page whose next link leads to a page that is reset mid-body.
fn reset_second_page(origin: String, _: String) -> Handler {
    Arc::new(move |r: &Request| {
        if r.query("page_token").as_deref() == Some("2") {
            let body = peeker_page(&origin, 25, &["dom_2".into()], None).to_string();
            let sent = body.len() / 3;
            return Reply::ResetMidBody {
                body: body.into_bytes(),
                sent,
            };
        }
        let next = next_link(&origin, r, "2");
        page(&origin, r, &["dom_1".into()], Some(next))
    })
}

fn redirect_elsewhere(_: String, decoy: String) -> Handler {
    Arc::new(move |r: &Request| Reply::Full {
        status: 302,
        headers: vec![("Location".into(), format!("{decoy}{}", r.target))],
        body: Vec::new(),
    })
}

fn next_elsewhere(origin: String, decoy: String) -> Handler {
    peeker_pages(origin, KEY, move |_| {
        Some(format!("{decoy}{PEEKER_BASE_PATH}/domains?page_token=x"))
    })
}

// ---- running a row --------------------------------------------------------------------------

/// A server answering `{}` to everything: the "other origin", counting what reaches it.
async fn decoy() -> Wire {
    Wire::start(|_| Arc::new(|_: &Request| json_reply(200, &json!({})))).await
}

/// A probe of `target` over HTTP.
fn probe(target: &Target, options: &Options) -> Probe {
    let live = Live::new(&target.base_url, options.request_timeout).expect("an HTTP client");
    Probe::new(target, options, Arc::new(live))
}

/// A port nothing listens on: bound, then freed.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn wire_target(wire: &Wire) -> Target {
    let mut t = Target::new(
        Arc::new(spec("peeker")),
        wire.peeker_base().parse().unwrap(),
    );
    t.credential = Some(Secret::new(KEY));
    t
}

/// Runs `target` with a hang detector.
async fn run(target: Target, options: Options) -> Report {
    tokio::time::timeout(HANG, conformance::run(target, options))
        .await
        .expect("the run hung")
}

/// Runs one row; returns the report and what reached the other origin (requests, and
/// requests carrying a credential).
async fn run_row(r: &Row) -> (Report, u64, u64, String) {
    let options = options(r.timeout);
    match r.server {
        Mock(vendor, fault) => {
            let fault = Fault::from_name(fault).expect("a fault name");
            let m = mock::start(faulty(spec(vendor), fault))
                .await
                .expect("mock");
            let t = target(&m);
            let secret = t.credential.as_ref().unwrap().expose().to_string();
            let report = run(t, options).await;
            let seen = (m.decoy_request_count(), m.decoy_credential_leaks());
            m.shutdown().await;
            (report, seen.0, seen.1, secret)
        }
        W(make) => {
            let decoy = decoy().await;
            let other = decoy.origin();
            let wire = Wire::start(|origin| make(origin, other)).await;
            let report = run(wire_target(&wire), options).await;
            let leaks = decoy
                .requests()
                .iter()
                .filter(|q| q.header("authorization").is_some())
                .count() as u64;
            (report, decoy.connections(), leaks, KEY.to_string())
        }
        Down => {
            let mut t = Target::new(
                Arc::new(spec("peeker")),
                format!("http://127.0.0.1:{}{PEEKER_BASE_PATH}", free_port())
                    .parse()
                    .unwrap(),
            );
            t.credential = Some(Secret::new(KEY));
            (run(t, options).await, 0, 0, KEY.to_string())
        }
    }
}

async fn hostile(behaviour: &str) {
    let r = HOSTILE
        .iter()
        .find(|r| r.behaviour == behaviour)
        .unwrap_or_else(|| panic!("no row `{behaviour}`"));
    let (report, decoy, leaks, secret) = run_row(r).await;
    let text = report.render();
    println!("{behaviour}:\n{text}");
    assert!(
        !matches!(&report.stop, Some(Stop::Usage(s)) if s.contains("panicked")),
        "{behaviour}: the checks panicked\n{text}"
    );
    assert!(
        !matches!(report.stop, Some(Stop::Deadline(_))),
        "{behaviour}: ended by the deadline, not by a verdict\n{text}"
    );
    match r.expect {
        Violation(check) => {
            assert_eq!(report.exit_code(), 1, "{behaviour}: exit code\n{text}");
            assert!(
                report.failures().iter().any(|c| c.name() == check),
                "{behaviour}: `{check}` did not fail\n{text}"
            );
            assert!(text.contains("verdict: FAIL"), "{text}");
        }
        Unreachable => {
            assert_eq!(report.exit_code(), 2, "{behaviour}: exit code\n{text}");
            assert!(
                matches!(report.stop, Some(Stop::Unreachable(_))),
                "{behaviour}: {text}"
            );
            assert!(text.contains("UNREACHABLE"), "{text}");
        }
    }
    assert_eq!(decoy, 0, "{behaviour}: a request reached the other origin");
    assert_eq!(leaks, 0, "{behaviour}: the key reached the other origin");
    let json = serde_json::to_string(&report).unwrap();
    assert!(
        !text.contains(&secret) && !json.contains(&secret),
        "{behaviour}: the key leaked"
    );
}

#[test]
fn the_table_names_real_checks_and_unique_behaviours() {
    let mut seen = std::collections::BTreeSet::new();
    for r in HOSTILE {
        assert!(seen.insert(r.behaviour), "{} twice", r.behaviour);
        if let Violation(check) = r.expect {
            assert!(CheckId::from_name(check).is_some(), "unknown check {check}");
        }
        if let Mock(vendor, fault) = r.server {
            let f = Fault::from_name(fault).unwrap_or_else(|| panic!("unknown fault {fault}"));
            assert!(
                f.applies_to(&spec(vendor)).is_ok(),
                "{fault} does not apply to {vendor}"
            );
        }
    }
}

macro_rules! hostile_tests {
    ($($test:ident: $behaviour:literal,)*) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $test() {
                hostile($behaviour).await;
            }
        )*
        #[test]
        fn every_row_has_a_test() {
            let tested = [$($behaviour),*];
            for r in HOSTILE {
                assert!(tested.contains(&r.behaviour), "no test for `{}`", r.behaviour);
            }
        }
    };
}

hostile_tests! {
    next_cycles: "next link cycles (A → B → A)",
    next_never_ends: "next link never ends (fresh link and items on every page)",
    last_page_links_to_itself: "last page links to itself (Peeker)",
    last_cursor_repeats: "last cursor returns the last page again (DevPayr)",
    cursor_ignored: "cursor ignored: every follow-up is the first page",
    rate_limit_storm_peeker: "429 storm (Peeker)",
    rate_limit_storm_devpayr: "429 storm (DevPayr)",
    rate_limit_wrong_shape_fails_the_shape_check: "429 whose body is not JSON",
    body_never_finishes_peeker: "body never finishes (Peeker)",
    body_never_finishes_devpayr: "body never finishes (DevPayr)",
    no_answer: "no answer at all after the request",
    huge_body_peeker: "100 MB body (Peeker)",
    huge_body_devpayr: "100 MB body (DevPayr)",
    malformed_json_peeker: "malformed JSON (Peeker)",
    malformed_json_devpayr: "malformed JSON (DevPayr)",
    wrong_content_type_peeker: "wrong content type (Peeker)",
    wrong_content_type_devpayr: "wrong content type (DevPayr)",
    reset_mid_body_every_time: "connection reset in the middle of every body",
    reset_mid_body_on_page_two: "connection reset in the middle of the second page",
    redirect_to_another_origin: "redirect to another origin",
    redirect_to_another_origin_peeker_mock: "redirect to another origin (Peeker mock)",
    redirect_to_another_origin_devpayr_mock: "redirect to another origin (DevPayr mock)",
    next_to_another_origin: "next link to another origin",
    next_to_another_origin_peeker_mock: "next link to another origin (Peeker mock)",
    server_down: "server down (nothing listens)",
}

// ---- the in-test Peeker API itself conforms -------------------------------------------------

/// The base the hostile servers start from passes: so every failure above is the hostile
/// behaviour's, not the harness's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_in_test_peeker_api_conforms() {
    let wire = Wire::start(|origin| peeker_pages(origin, KEY, |_| None)).await;
    let report = run(wire_target(&wire), options(ANSWERS)).await;
    let text = report.render();
    assert_eq!(report.exit_code(), 0, "{text}");
}

// ---- origin guard ---------------------------------------------------------------------------

/// Next links to another origin — another port, another host (even `localhost` for
/// `127.0.0.1`, or another loopback address on the same port), another scheme, a
/// protocol-relative link — are reported and never requested: no connection reaches any other
/// listener, and the server itself never sees the link's request (nor a TLS handshake).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn next_links_to_other_origins_are_reported_and_never_requested() {
    let decoy = decoy().await;
    let marker = "decoy-marker";
    let path = format!("{PEEKER_BASE_PATH}/domains?page_token={marker}");
    // The link of the first page; the server's other pages have none.
    let link = Arc::new(std::sync::Mutex::new(String::new()));
    let l = link.clone();
    let wire = Wire::start(|origin| {
        peeker_pages(origin, KEY, move |r| {
            r.query("page_token")
                .is_none()
                .then(|| l.lock().unwrap().clone())
        })
    })
    .await;
    let port = wire.addr.port();
    // Same port, another loopback host (Linux routes all of 127/8 to lo), and IPv6 loopback,
    // where `localhost` may resolve. Either may be unavailable: then that listener is absent.
    let mut same_port_decoys = Vec::new();
    for addr in [
        SocketAddr::from(([127, 0, 0, 2], port)),
        SocketAddr::from((std::net::Ipv6Addr::LOCALHOST, port)),
    ] {
        let h: Handler = Arc::new(|_: &Request| json_reply(200, &json!({})));
        if let Ok(w) = Wire::bind(addr, |_| h).await {
            same_port_decoys.push(w);
        }
    }
    let links = [
        ("another port", format!("{}{path}", decoy.origin())),
        (
            "another host (localhost)",
            format!("http://localhost:{port}{path}"),
        ),
        (
            "another host (127.0.0.2)",
            format!("http://127.0.0.2:{port}{path}"),
        ),
        (
            "another scheme (https, same port)",
            format!("https://127.0.0.1:{port}{path}"),
        ),
        (
            "another scheme and port",
            format!("https://127.0.0.1:{}{path}", decoy.addr.port()),
        ),
        (
            "protocol-relative, another host",
            format!("//localhost:{port}{path}"),
        ),
    ];
    for (what, next) in links {
        *link.lock().unwrap() = next;
        let report = run(wire_target(&wire), options(ANSWERS)).await;
        let text = report.render();
        assert_eq!(report.exit_code(), 1, "{what}: {text}");
        let check = report.check(CheckId::SameOrigin).unwrap();
        assert_eq!(check.verdict, Verdict::Fail, "{what}: {text}");
        assert!(
            check.detail.contains("not sent"),
            "{what}: {}",
            check.detail
        );
        assert_eq!(
            report.failures(),
            [CheckId::SameOrigin],
            "{what}: only the link is wrong\n{text}"
        );
        assert!(
            wire.requests().iter().all(|q| !q.target.contains(marker)),
            "{what}: the link was requested from the server itself"
        );
        assert!(
            wire.first_bytes().iter().all(|b| b.starts_with(b"GET ")),
            "{what}: something other than plain HTTP reached the server (a TLS handshake?)"
        );
        assert_eq!(
            decoy.connections(),
            0,
            "{what}: a connection reached the decoy"
        );
        for d in &same_port_decoys {
            assert_eq!(
                d.connections(),
                0,
                "{what}: a connection reached {}",
                d.addr
            );
        }
    }
}

/// The probe itself refuses another origin before connecting: no connection, no budget used,
/// one incident per refusal.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_probe_refuses_other_origins_before_connecting() {
    let server = Wire::start(|origin| peeker_pages(origin, KEY, |_| None)).await;
    let decoy = decoy().await;
    let target = wire_target(&server);
    let probe = probe(&target, &options(ANSWERS));
    let port = server.addr.port();
    let urls = [
        format!("{}/api/partner/v1/domains", decoy.origin()),
        format!("http://localhost:{port}/api/partner/v1/domains"),
        format!("https://127.0.0.1:{port}/api/partner/v1/domains"),
        format!("http://127.0.0.2:{port}/api/partner/v1/domains"),
    ];
    for (i, u) in urls.iter().enumerate() {
        for auth in [Auth::Target, Auth::None] {
            let result = probe.get(&u.parse().unwrap(), &auth).await;
            assert!(
                matches!(&result, Err(ProbeError::CrossOrigin(_))),
                "{u}: {result:?}"
            );
        }
        assert_eq!(probe.incidents().len(), 2 * (i + 1));
    }
    assert_eq!(probe.requests_used(), 0);
    assert_eq!(server.connections(), 0);
    assert_eq!(decoy.connections(), 0);
    // The same origin is served.
    let ok = probe
        .get(
            &format!("{}/domains", server.peeker_base()).parse().unwrap(),
            &Auth::Target,
        )
        .await
        .unwrap();
    assert_eq!(ok.status, 200);
    assert!(!format!("{probe:?}").contains(KEY));
}

// ---- politeness -----------------------------------------------------------------------------

/// However many requests are started at once, at most `concurrency` are in flight.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_most_the_concurrency_limit_is_in_flight() {
    let server = Wire::start(|origin| {
        let inner = peeker_pages(origin, KEY, |_| None);
        Arc::new(move |r: &Request| Reply::Delayed(Duration::from_millis(30), Box::new(inner(r))))
    })
    .await;
    for limit in [1usize, 2] {
        let o = Options {
            concurrency: limit,
            ..options(ANSWERS)
        };
        let probe = probe(&wire_target(&server), &o);
        let url: conformance::url::Url =
            format!("{}/domains", server.peeker_base()).parse().unwrap();
        let all = futures::future::join_all((0..8).map(|_| probe.get(&url, &Auth::Target)));
        for r in all.await {
            assert_eq!(r.unwrap().status, 200);
        }
        assert!(
            server.max_in_flight() <= limit as u64,
            "{} in flight with a limit of {limit}",
            server.max_in_flight()
        );
    }
}

/// A server that answers every page slowly (well within the per-request timeout) with a fresh
/// next link forever: the total deadline ends the run, with a clear "incomplete" verdict and
/// no violation (the request the deadline cut short is not a timeout of the server).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_deadline_ends_a_run_against_a_slow_endless_server() {
    let wire = Wire::start(|origin| {
        let endless = endless_fresh_next(origin, String::new());
        Arc::new(move |r: &Request| Reply::Delayed(Duration::from_millis(40), Box::new(endless(r))))
    })
    .await;
    let o = Options {
        max_requests: 1_000_000,
        deadline: Duration::from_millis(800),
        ..options(ANSWERS)
    };
    let report = run(wire_target(&wire), o).await;
    let text = report.render();
    assert_eq!(report.exit_code(), 2, "{text}");
    assert!(matches!(report.stop, Some(Stop::Deadline(_))), "{text}");
    assert!(report.failures().is_empty(), "{text}");
    assert!(
        text.contains("INCOMPLETE") && text.contains("--deadline"),
        "{text}"
    );
    assert!(text.contains("verdict: NOT CHECKED"), "{text}");
    assert_eq!(
        report.check(CheckId::Terminates).unwrap().verdict,
        Verdict::Skip,
        "{text}"
    );
    assert!(report.requests_used < 1_000_000);
}

/// A 429 without `Retry-After` is retried after a backoff, counted, and not a failure when
/// its body has the documented shape.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_without_retry_after_is_retried_counted_and_not_a_failure() {
    let limited = Arc::new(AtomicU64::new(0));
    let l = limited.clone();
    let wire = Wire::start(|origin| {
        Arc::new(move |r: &Request| {
            // The first two requests, then every tenth: 429 without Retry-After.
            if r.n < 2 || r.n % 10 == 5 {
                l.fetch_add(1, Ordering::SeqCst);
                json_reply(429, &json!({ "message": "Too Many Attempts." }))
            } else {
                peeker_answer(&origin, KEY, r, &|_| None)
            }
        })
    })
    .await;
    let report = run(wire_target(&wire), options(ANSWERS)).await;
    let text = report.render();
    assert_eq!(report.exit_code(), 0, "{text}");
    assert_eq!(
        report.rate_limited,
        limited.load(Ordering::SeqCst),
        "{text}"
    );
    assert!(report.rate_limited >= 2, "{text}");
    assert_eq!(
        report.check(CheckId::RateLimit).unwrap().verdict,
        Verdict::Pass,
        "{text}"
    );
    assert!(
        text.contains(&format!("({} rate-limited)", report.rate_limited)),
        "{text}"
    );
    // Retries are requests: they count against the budget.
    assert_eq!(report.requests_used, wire.requests().len() as u64, "{text}");
}

/// A 429 whose body is JSON of another shape than Peeker's (whose error body the page never
/// documents) breaks a reading only: a warning, with the reading quoted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_of_another_json_shape_only_warns() {
    let wire = Wire::start(|origin| rate_limit_other_json(origin, String::new())).await;
    let report = run(wire_target(&wire), options(ANSWERS)).await;
    let text = report.render();
    assert_eq!(report.exit_code(), 0, "{text}");
    assert_eq!(report.warnings(), [CheckId::RateLimit], "{text}");
    let check = report.check(CheckId::RateLimit).unwrap();
    assert!(
        check
            .readings
            .iter()
            .any(|r| r.contains("#/components/schemas/Error")),
        "{check:?}"
    );
}

/// With a 429 body that is not JSON, only the shape check fails: the 429s themselves are
/// handled, not reported.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_of_the_wrong_shape_fails_only_the_shape_check() {
    let wire = Wire::start(|origin| rate_limit_wrong_shape(origin, String::new())).await;
    let report = run(wire_target(&wire), options(ANSWERS)).await;
    let text = report.render();
    assert_eq!(report.failures(), [CheckId::RateLimit], "{text}");
    assert!(report.rate_limited > 0);
    let check = report.check(CheckId::RateLimit).unwrap();
    assert!(check.detail.contains("429 body"), "{}", check.detail);
    assert!(
        check.detail.contains("convention: a JSON API answers JSON"),
        "{}",
        check.detail
    );
    assert!(
        check
            .request
            .as_deref()
            .is_some_and(|c| c.starts_with("curl ") && !c.contains(KEY)),
        "{check:?}"
    );
    assert_eq!(
        report.check(CheckId::RateLimitRecovers).unwrap().verdict,
        Verdict::Pass,
        "{text}"
    );
}

// ---- a server that echoes the key -----------------------------------------------------------

/// Whatever a server echoes of the key (in error bodies, excerpts cut in the middle of it,
/// item ids, `Location`), no report holds it, not even in part.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_echoing_the_key_does_not_get_it_into_any_report() {
    let wire = Wire::start(|origin| {
        Arc::new(move |r: &Request| {
            let auth = r.header("authorization").unwrap_or("").to_string();
            match r.query("per_page").as_deref() {
                // Tampered page tokens: a redirect whose Location holds the key.
                _ if r.query("page_token").is_some() => Reply::Full {
                    status: 302,
                    headers: vec![("Location".into(), format!("{origin}/login?key={auth}"))],
                    body: Vec::new(),
                },
                // The walk at the smallest page size: a 500 whose excerpt in the report is
                // cut in the middle of the echoed key.
                Some("1") => json_reply(
                    500,
                    &json!({ "message": format!("{}{auth}", "x".repeat(115)) }),
                ),
                _ if !auth.ends_with(KEY) => {
                    json_reply(401, &json!({ "message": format!("unknown key {auth}") }))
                }
                _ => {
                    let size = peeker_page_size(r).unwrap_or(25);
                    let ids = [format!("dom_{auth}")];
                    json_reply(200, &peeker_page(&origin, size, &ids, None))
                }
            }
        })
    })
    .await;
    let report = run(wire_target(&wire), options(ANSWERS)).await;
    println!("{}", report.render());
    assert_eq!(report.exit_code(), 1, "{}", report.render());
    let texts = suite_util::ReportTexts::of(&report, "suite-hostile-echo");
    for text in texts.all() {
        assert!(!text.contains(KEY_MIDDLE), "the key leaked:\n{text}");
    }
    // The echoes were seen (and masked), so the test did exercise them.
    let check = |c: CheckId| report.check(c).unwrap().detail.clone();
    assert!(
        check(CheckId::PagesServed).contains("Bearer ***"),
        "{}",
        texts.render
    );
    assert!(
        check(CheckId::NoRedirect).contains("key=Bearer ***"),
        "{}",
        texts.render
    );
    assert!(
        check(CheckId::ItemsMatch).contains("dom_Bearer ***"),
        "{}",
        texts.render
    );
}
