//! Refusals a status alone does not tell, as the reference mock serves them: errors carried in
//! 200 bodies (`x-errors.in-body`, the `notes-in-body-errors` fixture) and a rate limit told by
//! headers (`x-errors.rate-limit`, GitHub's primary rate limit).

mod util;

use mock::MockConfig;
use serde_json::{json, Value};
use util::*;

fn notes() -> specs::Spec {
    fixture("notes-in-body-errors")
}

/// Every kind with codes is answered 200, its flag false, its first code, and the message
/// where `x-errors.message` says; the body is the error body (`default`); a page says `ok`.
#[tokio::test]
async fn refusals_of_a_kind_with_codes_are_answered_in_200_bodies() {
    let m = start(notes()).await;
    let url = endpoint(&m, &[]);
    let refusals = [
        (get(&url, None).await, "not_authed"),
        (
            get(&url, Some(("authorization", "Bearer xoxb-nope"))).await,
            "invalid_auth",
        ),
        (query(&m, "limit=0").await, "invalid_limit"),
        (query(&m, "limit=ten").await, "invalid_limit"),
        (query(&m, "cursor=bm9wZQ").await, "invalid_cursor"),
    ];
    for (reply, code) in refusals {
        assert_eq!(reply.status, 200, "{code}: {}", reply.text);
        assert!(reply.is_json(), "{code}");
        let body = reply.json();
        assert_eq!(body["ok"], false, "{body}");
        assert_eq!(body["error"], code, "{body}");
        assert!(
            body["detail"].as_str().is_some_and(|d| !d.is_empty()),
            "{body}"
        );
        assert_conforms(&notes(), 200, &body);
    }
    let page = query(&m, "limit=3").await.json();
    assert_eq!(page["ok"], true, "{page}");
    assert_eq!(page["notes"].as_array().map(Vec::len), Some(3), "{page}");
    assert!(page.get("error").is_none(), "{page}");
    assert_conforms(&notes(), 200, &page);
}

/// A rate limit of a kind with codes is answered in the body too, with `Retry-After`.
#[tokio::test]
async fn a_rate_limit_with_codes_is_answered_in_a_200_body() {
    let m = mock::start(MockConfig {
        rate_limit_every: Some(2),
        retry_after_secs: 3,
        ..MockConfig::new(notes())
    })
    .await
    .unwrap();
    assert_eq!(query(&m, "").await.json()["ok"], true);
    let limited = query(&m, "").await;
    assert_eq!(limited.status, 200);
    assert_eq!(
        (
            limited.json()["ok"].clone(),
            limited.json()["error"].clone()
        ),
        (json!(false), json!("ratelimited"))
    );
    assert_eq!(limited.header("retry-after"), Some("3"));
    let described = mock::describe(&m);
    assert!(
        described
            .contains(r#"answer 200 with /ok false and /error "ratelimited" (Retry-After: 3)"#),
        "{described}"
    );
}

/// GitHub's primary rate limit: 403 (its first rate-limited status), no request left, the
/// window resetting `retry-after-secs` after the answer's own `Date`, no `Retry-After` (its
/// documented response has none), and a basic error.
#[tokio::test]
async fn a_rate_limit_told_by_headers_carries_them() {
    let m = mock::start(MockConfig {
        rate_limit_every: Some(2),
        retry_after_secs: 30,
        ..MockConfig::new(spec("github"))
    })
    .await
    .unwrap();
    assert_eq!(query(&m, "per_page=1").await.status, 200);
    let limited = query(&m, "per_page=1").await;
    assert_eq!(limited.status, 403, "{}", limited.text);
    assert_eq!(limited.header("x-ratelimit-remaining"), Some("0"));
    assert_eq!(limited.header("retry-after"), None);
    let date = client_runtime::answered_at(|n| limited.header(n), std::time::UNIX_EPOCH);
    let epoch = date
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let reset: u64 = limited
        .header("x-ratelimit-reset")
        .expect("a reset")
        .parse()
        .expect("epoch seconds");
    assert!(epoch > 0, "a Date");
    assert_eq!(reset, epoch + 30);
    let body: Value = limited.json();
    assert!(body["message"].is_string(), "{body}");
    assert_conforms(&spec("github"), 403, &body);
    let described = mock::describe(&m);
    assert!(
        described.contains(
            "answer 403 (x-ratelimit-remaining: 0, x-ratelimit-reset 30 s after the answer)"
        ),
        "{described}"
    );
}
