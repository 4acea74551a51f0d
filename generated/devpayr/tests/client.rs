//! The generated DevPayr client against a local server: the exact requests it makes, how it
//! resends the cursor, what it refuses, how errors come back whatever their body, and how
//! 429s are retried.

use devpayr_client::{types, Client, Error, ErrorBody, RetryPolicy};
use futures::StreamExt as _;
use serde_json::{json, Value};
use testkit::recorder::{query_param, Recorded, Reply, Server};

/// A recording server on 127.0.0.1 answering with `respond` (see `testkit::recorder`).
async fn serve(respond: impl Fn(&Recorded) -> Reply + Send + Sync + 'static) -> Server {
    testkit::recorder::serve(respond)
        .await
        .expect("a local server")
}

const KEY: &str = "dp_k3y_very_secret_value";
const PREFIX: &str = "/api/v1";

fn domain(id: i64) -> Value {
    json!({
        "id": id,
        "project_id": 42,
        "domain": format!("d{id}.example"),
        "has_paid": true,
        "is_active": true,
        "is_primary": id == 1,
        "created_at": "2026-01-10T09:30:00Z",
        "updated_at": "2026-01-12T14:05:00Z",
        // The spec says `additionalProperties: false`; the client must still accept a new field.
        "added_later": true
    })
}

fn page(ids: &[i64], next_cursor: Option<&str>) -> Reply {
    Reply::json(
        200,
        json!({
            "status": true,
            "message": "Success",
            "data": {"data": ids.iter().map(|id| domain(*id)).collect::<Vec<_>>(), "next_cursor": next_cursor},
            "errors": null
        }),
    )
}

fn error(status: u16, message: &str) -> Reply {
    Reply::json(
        status,
        json!({"status": false, "message": message, "data": null, "errors": null}),
    )
}

fn client(origin: &str) -> Client {
    Client::with_api_key(&format!("{origin}{PREFIX}"), KEY).unwrap()
}

/// A client that sends every request once, for the tests of errors.
fn client_without_retries(origin: &str) -> Client {
    client(origin).with_retry_policy(RetryPolicy::disabled())
}

type ClientError = Error<ErrorBody<types::ErrorEnvelope>>;

async fn collect(
    stream: impl futures::Stream<Item = Result<types::ProjectDomain, ClientError>> + Unpin,
) -> (Vec<i64>, Vec<ClientError>) {
    let mut ids = Vec::new();
    let mut errors = Vec::new();
    let all: Vec<_> = stream.collect().await;
    for item in all {
        match item {
            Ok(d) => ids.push(d.id),
            Err(e) => errors.push(e),
        }
    }
    (ids, errors)
}

fn assert_headers(requests: &[Recorded]) {
    for r in requests {
        assert_eq!(r.method, "GET");
        assert_eq!(r.headers["x-api-key"], KEY);
        assert!(r.headers.get("authorization").is_none());
        assert!(
            r.headers.get("api-version").is_none(),
            "progenitor's api-version header must not be sent: {:?}",
            r.headers
        );
    }
}

#[tokio::test]
async fn stream_resends_the_request_with_each_cursor_until_null() {
    let server = serve(|r| match query_param(&r.uri, "cursor").as_deref() {
        None => page(&[1, 2], Some("c2")),
        Some("c2") => page(&[3, 4], Some("c3")),
        Some("c3") => page(&[5], None),
        Some(_) => error(422, "bad cursor"),
    })
    .await;
    let client = client(&server.origin);
    let (ids, errors) = collect(
        client
            .list_project_domains()
            .project(42u64)
            .per_page(2u64)
            .stream(),
    )
    .await;
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(ids, [1, 2, 3, 4, 5]);
    assert_eq!(
        server.uris(),
        [
            format!("{PREFIX}/project/42/domains?per_page=2"),
            format!("{PREFIX}/project/42/domains?cursor=c2&per_page=2"),
            format!("{PREFIX}/project/42/domains?cursor=c3&per_page=2"),
        ]
    );
    assert_headers(&server.requests());
}

#[tokio::test]
async fn stream_of_an_empty_project_makes_one_request() {
    let server = serve(|_| page(&[], None)).await;
    let client = client(&server.origin);
    let (ids, errors) = collect(client.list_project_domains().project(7u64).stream()).await;
    assert!(ids.is_empty() && errors.is_empty(), "{errors:?}");
    assert_eq!(server.uris(), [format!("{PREFIX}/project/7/domains")]);
}

#[tokio::test]
async fn stream_refuses_a_repeated_cursor() {
    let server = serve(|r| match query_param(&r.uri, "cursor").as_deref() {
        None => page(&[1], Some("c2")),
        _ => page(&[2], Some("c2")),
    })
    .await;
    let client = client(&server.origin);
    let (ids, errors) = collect(client.list_project_domains().project(42u64).stream()).await;
    assert_eq!(ids, [1, 2]);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        matches!(&errors[0], Error::InvalidRequest(m) if m.contains("`c2`") && m.contains("second time")),
        "{errors:?}"
    );
    assert_eq!(server.uris().len(), 2);
}

#[tokio::test]
async fn documented_errors_are_typed_with_their_status() {
    for status in [403u16, 404, 429] {
        let server = serve(move |_| error(status, &format!("refused with {status}"))).await;
        let client = client_without_retries(&server.origin);
        let result = client.list_project_domains().project(42u64).send().await;
        match result {
            Err(Error::ErrorResponse(body)) => {
                assert_eq!(body.status().as_u16(), status);
                let typed = body.typed().expect("the spec's error shape");
                assert_eq!(typed.message, format!("refused with {status}"));
                assert!(!typed.status);
            }
            other => panic!("{status}: expected ErrorResponse, got {other:?}"),
        }
        let (ids, errors) = collect(client.list_project_domains().project(42u64).stream()).await;
        assert!(ids.is_empty());
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].status().map(|s| s.as_u16()), Some(status));
        assert_headers(&server.requests());
    }
}

#[tokio::test]
async fn a_redirect_to_another_origin_is_not_followed() {
    let elsewhere = serve(|_| page(&[99], None)).await;
    let target = format!("{}{PREFIX}/project/42/domains", elsewhere.origin);
    let server = serve(move |_| {
        let mut reply = error(302, "moved");
        reply.headers.push(("location", target.clone()));
        reply
    })
    .await;
    let client = client(&server.origin);
    let result = client.list_project_domains().project(42u64).send().await;
    match result {
        Err(Error::CommunicationError(e)) => assert!(e.is_redirect(), "{e:?}"),
        other => panic!("expected a refused redirect, got {other:?}"),
    }
    assert!(
        elsewhere.requests().is_empty(),
        "the key followed a redirect to another origin"
    );
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn a_redirect_within_the_origin_is_followed_with_the_key() {
    let server = serve(|r| {
        if r.uri.starts_with("/moved") {
            page(&[1], None)
        } else {
            let mut reply = error(302, "moved");
            reply.headers.push(("location", "/moved".into()));
            reply
        }
    })
    .await;
    let client = client(&server.origin);
    let (ids, errors) = collect(client.list_project_domains().project(42u64).stream()).await;
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(ids, [1]);
    assert_eq!(
        server.uris(),
        [format!("{PREFIX}/project/42/domains"), "/moved".into()]
    );
    assert_headers(&server.requests());
}

#[tokio::test]
async fn debug_output_does_not_show_the_key() {
    let client = Client::with_api_key("https://api.devpayr.dev/api/v1", KEY).unwrap();
    let debug = format!("{client:?}");
    assert!(!debug.contains(KEY), "{debug}");
    assert!(!debug.contains("secret"), "{debug}");
    assert!(debug.contains("Sensitive"), "{debug}");
}

/// Bodies a proxy, a gateway or a busy server may send with a documented status instead of
/// the spec's error envelope: another JSON shape, HTML, nothing.
fn other_bodies() -> Vec<(&'static str, &'static str, &'static [u8])> {
    vec![
        (
            "another JSON shape",
            "application/json",
            br#"{"message":"Unauthenticated."}"#,
        ),
        (
            "not JSON",
            "text/html",
            b"<html><body>429 Too Many Requests</body></html>",
        ),
        ("empty", "application/json", b""),
    ]
}

#[tokio::test]
async fn error_bodies_of_any_shape_keep_their_status_and_raw_bytes() {
    for status in [401u16, 429] {
        for (what, content_type, bytes) in other_bodies() {
            let server = serve(move |_| Reply::raw(status, content_type, bytes)).await;
            let client = client_without_retries(&server.origin);
            match client.list_project_domains().project(42u64).send().await {
                Err(Error::ErrorResponse(body)) => {
                    assert_eq!(body.status().as_u16(), status, "{what}");
                    assert_eq!(body.raw(), bytes, "{what}");
                    assert!(body.typed().is_none(), "{what}: {body:?}");
                }
                other => panic!("{status}, {what}: expected ErrorResponse, got {other:?}"),
            }
            let (ids, errors) =
                collect(client.list_project_domains().project(42u64).stream()).await;
            assert!(ids.is_empty());
            assert_eq!(errors.len(), 1, "{what}");
            assert_eq!(
                errors[0].status().map(|s| s.as_u16()),
                Some(status),
                "{what}"
            );
        }
        // The spec's envelope is typed, and its bytes are kept too.
        let server = serve(move |_| error(status, "no")).await;
        let client = client_without_retries(&server.origin);
        match client.list_project_domains().project(42u64).send().await {
            Err(Error::ErrorResponse(body)) => {
                assert_eq!(body.status().as_u16(), status);
                assert_eq!(body.typed().map(|t| t.message.as_str()), Some("no"));
                assert!(body.text().contains(r#""message":"no""#));
            }
            other => panic!("{status}: expected ErrorResponse, got {other:?}"),
        }
    }
}

/// A server that answers 429 (`Retry-After: 0`) to the requests `limited` says, and pages of
/// one domain otherwise: 1, 2, then 3, the last.
async fn rate_limited_pages(limited: impl Fn(usize) -> bool + Send + Sync + 'static) -> Server {
    let counter = std::sync::atomic::AtomicUsize::new(0);
    serve(move |r| {
        let n = counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        if limited(n) {
            let mut reply = error(429, "Too Many Attempts.");
            reply.headers.push(("retry-after", "0".into()));
            return reply;
        }
        match query_param(&r.uri, "cursor").as_deref() {
            None => page(&[1], Some("c2")),
            Some("c2") => page(&[2], Some("c3")),
            _ => page(&[3], None),
        }
    })
    .await
}

#[tokio::test]
async fn stream_completes_across_429s_with_every_item_once() {
    let server = rate_limited_pages(|n| n % 2 == 0).await;
    let (ids, errors) = collect(
        client(&server.origin)
            .list_project_domains()
            .project(42u64)
            .stream(),
    )
    .await;
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(ids, [1, 2, 3]);
    assert_eq!(server.count(), 6, "three pages, each sent twice");
    assert_headers(&server.requests());
}

#[tokio::test]
async fn the_retry_policy_bounds_the_attempts() {
    for (policy, attempts) in [
        (RetryPolicy::default(), 4),
        (RetryPolicy::default().with_max_attempts(3), 3),
        (RetryPolicy::disabled(), 1),
    ] {
        let server = rate_limited_pages(|_| true).await;
        let client = client(&server.origin).with_retry_policy(policy.clone());
        match client.list_project_domains().project(42u64).send().await {
            Err(Error::ErrorResponse(body)) => assert_eq!(body.status().as_u16(), 429),
            other => panic!("{policy:?}: expected the last 429, got {other:?}"),
        }
        assert_eq!(server.count(), attempts, "{policy:?}");
    }
}

#[tokio::test]
async fn a_disabled_policy_surfaces_the_429_and_ends_the_stream() {
    let server = rate_limited_pages(|n| n == 1).await;
    let client = client_without_retries(&server.origin);
    let (ids, errors) = collect(client.list_project_domains().project(42u64).stream()).await;
    assert_eq!(ids, [1]);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].status().map(|s| s.as_u16()), Some(429));
    assert_eq!(server.count(), 2);
}
