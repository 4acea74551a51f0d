//! Hostile input never crashes the mock, never gets a 5xx, and every error is JSON in the
//! spec's error shape, for the real specs and every fixture.

mod util;

use mock::RunningMock;
use specs::SecurityKind;
use util::*;

const PIECES: &[&str] = &[
    "per_page=",
    "per_page=-1",
    "per_page=0",
    "per_page=1",
    "per_page=100",
    "per_page=50",
    "per_page=51",
    "per_page=18446744073709551616",
    "per_page=9223372036854775807",
    "per_page=%2B5",
    "per_page=1e3",
    "per_page=%00",
    "limit=0",
    "limit=-3",
    "page=0",
    "page=-1",
    "page=99999999999999999999",
    "offset=-1",
    "offset=x",
    "offset=99999999999999",
    "starting_after=nope",
    "ending_before=%ff",
    "starting_after=1",
    "status=active",
    "status=deleted",
    "status=%ff",
    "status[]=active",
    "category=inventory",
    "category=connected&category=bogus",
    "usable_for=google",
    "user_id=usr_%F0%9F%92%A9",
    "user_email=a%40b",
    "user_email=%C0%AF",
    "gift=maybe",
    "available=1",
    "page_token=",
    "page_token=AAAA",
    "page_token=%ff%fe%fd",
    "cursor=",
    "cursor=eyJpZCI6MTAxfQ",
    "cursor=%",
    "after=x",
    "%",
    "%%",
    "=",
    "&&&",
    "a=b=c",
    "unknown=1",
    "per_page",
    "+",
    "%zz=%zz",
    "api_key=",
    "api_key=%ff",
];

/// A deterministic stream of hostile query strings (seeded, so a failure replays).
fn queries(seed: u64, count: usize) -> Vec<String> {
    let mut state = seed;
    let mut next = move || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 33) as usize
    };
    (0..count)
        .map(|_| {
            let n = next() % 5;
            (0..n)
                .map(|_| PIECES[next() % PIECES.len()].to_string())
                .collect::<Vec<_>>()
                .join("&")
        })
        .collect()
}

fn check(m: &RunningMock, reply: &Reply, what: &str) {
    assert!(
        reply.status < 500,
        "{what}: {} {}",
        reply.status,
        reply.text
    );
    if reply.status >= 400 {
        assert!(
            reply.content_type().starts_with("application/json"),
            "{what}"
        );
        let body = reply.json();
        if m.spec()
            .paginated_operation()
            .unwrap()
            .errors
            .message
            .is_some()
        {
            assert!(message(m.spec(), &body).is_some(), "{what}: {body}");
        }
        assert_conforms(m.spec(), reply.status, &body);
    }
}

#[tokio::test]
async fn hostile_query_strings() {
    for spec in all_specs() {
        let m = start(spec).await;
        let url = endpoint(&m, &[]);
        for (k, q) in queries(7, 120).into_iter().enumerate() {
            let full = format!("{url}?{q}");
            let reply = get_primary(&m, &full).await;
            check(&m, &reply, &format!("{} case {k}: {full}", m.spec().name));
        }
        m.shutdown().await;
    }
}

/// The header a spec's credential travels in (the query for query keys: `x-api-key` stands in).
fn credential_header(m: &RunningMock) -> (String, String) {
    let security = m
        .spec()
        .paginated_operation()
        .unwrap()
        .security
        .clone()
        .unwrap();
    let secret = primary(m).unwrap();
    match &security.kind {
        SecurityKind::Query(_) => ("x-api-key".to_string(), secret),
        _ => (
            security.header_name().unwrap().to_string(),
            security.header_value(&secret),
        ),
    }
}

#[tokio::test]
async fn hostile_paths_headers_and_methods() {
    for spec in all_specs() {
        let m = start(spec).await;
        let url = endpoint(&m, &[]);
        let (name, value) = credential_header(&m);
        let long = "k".repeat(16 * 1024);
        for header in [
            Some((name.as_str(), long.as_str())),
            Some((name.as_str(), "")),
            Some((name.as_str(), " ")),
            Some(("authorization", "Bearer ")),
            Some(("x-api-key", "\t")),
        ] {
            check(&m, &get(&url, header).await, &format!("{header:?}"));
        }
        let base = m.base_url.trim_start_matches(m.origin()).to_string();
        for path in [
            "/api/v1/project//domains".to_string(),
            "/api/v1/project/%ff/domains".to_string(),
            "/api/v1/project/1%2F2/domains".to_string(),
            "/api/v1/project/00001/domains".to_string(),
            "/api/v1/project/-0/domains".to_string(),
            "/api/partner/v1/domains/../domains".to_string(),
            "/api/partner/v1//domains".to_string(),
            "/%00".to_string(),
            format!("{base}/projects/%ff%fe/tickets"),
            format!("{base}/teams/%00/gadgets"),
        ] {
            let reply = get_primary(&m, &format!("{}{path}", m.origin())).await;
            check(&m, &reply, &path);
        }
        for method in ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"] {
            let reply = client()
                .request(method.parse().unwrap(), &url)
                .body("{\"x\":1}")
                .send()
                .await
                .unwrap();
            assert_eq!(reply.status(), 405, "{method}");
            assert!(reply.text().await.unwrap().starts_with('{'));
        }
        let head = client()
            .head(&url)
            .header(&name, &value)
            .send()
            .await
            .unwrap();
        if !matches!(
            m.spec()
                .paginated_operation()
                .unwrap()
                .security
                .as_ref()
                .unwrap()
                .kind,
            SecurityKind::Query(_)
        ) {
            assert_eq!(head.status(), 200, "{}", m.spec().name);
        }
        m.shutdown().await;
    }
}

#[tokio::test]
async fn raw_requests_no_client_would_send() {
    for spec in all_specs() {
        let m = start(spec).await;
        let url = endpoint(&m, &[]);
        let (name, value) = credential_header(&m);
        let path = url.trim_start_matches(m.origin());
        for request in [
            format!("GET {path}?per_page=%ff%fe HTTP/1.1\r\n{name}: {value}"),
            format!("GET {path}?%%%&&==&per_page=%4 HTTP/1.1\r\n{name}: {value}"),
            format!("GET {path}?page_token=%c3%28&cursor=%c3%28&api_key=%c3%28 HTTP/1.1\r\n{name}: {value}"),
            format!("GET {path} HTTP/1.1\r\n{name}: \u{00e9}\u{00e8}"),
            format!("GET {path} HTTP/1.1\r\n{name}: {value}\r\n{name}: other"),
            format!("GET {path}?per_page=1&per_page=2&per_page=x HTTP/1.1\r\n{name}: {value}"),
            "GET /api/v1/project/%ff%fe/domains HTTP/1.1".to_string(),
            "GET /api/v1/project/%ff%fe/domains HTTP/1.1\r\nx-api-key: x".to_string(),
        ] {
            let (status, response) = raw(&m, &request).await;
            assert!((200..500).contains(&status), "{request:?}: {response}");
            if status >= 400 {
                let head = response.split("\r\n\r\n").next().unwrap().to_ascii_lowercase();
                assert!(head.contains("content-type: application/json"), "{response}");
                let body = raw_body(&response);
                assert!(serde_json::from_str::<serde_json::Value>(&body).is_ok(), "{body}");
            }
        }
        m.shutdown().await;
    }
}
