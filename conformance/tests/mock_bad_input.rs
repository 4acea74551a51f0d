//! Hostile input never crashes a reference mock, never gets a 5xx, and every error is JSON in
//! the vendor's error schema.

mod mock_util;

use conformance::mock::{RunningMock, Vendor};
use mock_util::*;

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
    "page_token=",
    "page_token=AAAA",
    "page_token=%ff%fe%fd",
    "cursor=",
    "cursor=eyJpZCI6MTAxfQ",
    "cursor=%",
    "%",
    "%%",
    "=",
    "&&&",
    "a=b=c",
    "unknown=1",
    "per_page",
    "+",
    "%zz=%zz",
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

fn check(reply: &Reply, vendor: Vendor, what: &str) {
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
        assert!(body["message"].is_string(), "{what}: {body}");
        if vendor == Vendor::Devpayr {
            assert_eq!(body["status"], false, "{what}");
            assert!(body["data"].is_null(), "{what}");
        }
    }
}

async fn endpoint(m: &RunningMock) -> (String, &'static str, String) {
    match m.vendor() {
        Vendor::Peeker => (
            format!("{}/domains", m.base_url),
            "authorization",
            bearer(m),
        ),
        Vendor::Devpayr => (
            project_url(m, m.credentials.scoped_project.unwrap()),
            "x-api-key",
            scoped(m).to_string(),
        ),
    }
}

#[tokio::test]
async fn hostile_query_strings() {
    for vendor in Vendor::ALL {
        let m = start(vendor).await;
        let (url, name, value) = endpoint(&m).await;
        for (k, query) in queries(7, 300).into_iter().enumerate() {
            let full = format!("{url}?{query}");
            let reply = get(&full, Some((name, &value))).await;
            check(&reply, vendor, &format!("case {k}: {full}"));
        }
        m.shutdown().await;
    }
}

#[tokio::test]
async fn hostile_paths_headers_and_methods() {
    for vendor in Vendor::ALL {
        let m = start(vendor).await;
        let (url, name, value) = endpoint(&m).await;
        let long = "k".repeat(16 * 1024);
        for header in [
            Some((name, long.as_str())),
            Some((name, "")),
            Some((name, " ")),
            Some(("authorization", "Bearer ")),
            Some(("x-api-key", "\t")),
        ] {
            check(&get(&url, header).await, vendor, &format!("{header:?}"));
        }
        for path in [
            "/api/v1/project//domains",
            "/api/v1/project/%ff/domains",
            "/api/v1/project/1%2F2/domains",
            "/api/v1/project/00001/domains",
            "/api/v1/project/-0/domains",
            "/api/partner/v1/domains/../domains",
            "/api/partner/v1//domains",
            "/%00",
        ] {
            let reply = get(&format!("{}{path}", m.origin()), Some((name, &value))).await;
            check(&reply, vendor, path);
        }
        for method in ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"] {
            let reply = client()
                .request(method.parse().unwrap(), &url)
                .header(name, &value)
                .body("{\"x\":1}")
                .send()
                .await
                .unwrap();
            assert_eq!(reply.status(), 405, "{method}");
            assert!(reply.text().await.unwrap().starts_with('{'));
        }
        let head = client()
            .head(&url)
            .header(name, &value)
            .send()
            .await
            .unwrap();
        assert_eq!(head.status(), 200);
        m.shutdown().await;
    }
}

#[tokio::test]
async fn raw_requests_no_client_would_send() {
    for vendor in Vendor::ALL {
        let m = start(vendor).await;
        let (url, name, value) = endpoint(&m).await;
        let path = url.trim_start_matches(m.origin());
        for request in [
            format!("GET {path}?per_page=%ff%fe HTTP/1.1\r\n{name}: {value}"),
            format!("GET {path}?%%%&&==&per_page=%4 HTTP/1.1\r\n{name}: {value}"),
            format!("GET {path}?page_token=%c3%28&cursor=%c3%28 HTTP/1.1\r\n{name}: {value}"),
            format!("GET {path} HTTP/1.1\r\n{name}: \u{00e9}\u{00e8}"),
            format!("GET {path} HTTP/1.1\r\n{name}: {value}\r\n{name}: other"),
            format!("GET {path}?per_page=1&per_page=2&per_page=x HTTP/1.1\r\n{name}: {value}"),
            "GET /api/v1/project/%ff%fe/domains HTTP/1.1".to_string(),
            "GET /api/v1/project/%ff%fe/domains HTTP/1.1\r\nx-api-key: x".to_string(),
        ] {
            let (status, response) = raw(&m, &request).await;
            assert!((200..500).contains(&status), "{request:?}: {response}");
            if status >= 400 {
                let head = response
                    .split("\r\n\r\n")
                    .next()
                    .unwrap()
                    .to_ascii_lowercase();
                assert!(
                    head.contains("content-type: application/json"),
                    "{response}"
                );
                let body = raw_body(&response);
                assert!(
                    serde_json::from_str::<serde_json::Value>(&body).is_ok(),
                    "{body}"
                );
            }
        }
        m.shutdown().await;
    }
}
