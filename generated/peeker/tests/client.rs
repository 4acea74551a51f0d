//! The generated Peeker client against a local server: the exact requests it makes, how it
//! follows `links.next`, what it refuses, how errors come back whatever their body, and how
//! 429s are retried.

use futures::StreamExt as _;
use peeker_client::{types, Client, Error, ErrorBody, RetryPolicy};
use serde_json::{json, Value};
use testkit::recorder::{query_param, Recorded, Reply, Server};

/// A recording server on 127.0.0.1 answering with `respond` (see `testkit::recorder`).
async fn serve(respond: impl Fn(&Recorded) -> Reply + Send + Sync + 'static) -> Server {
    testkit::recorder::serve(respond)
        .await
        .expect("a local server")
}

const TOKEN: &str = "pk_test_s3cr3t_token_value";
const PREFIX: &str = "/api/partner/v1";

fn domain(id: &str) -> Value {
    json!({
        "id": id,
        "domain": format!("{id}.example"),
        "category": "connected",
        "status": "active",
        "usable_for": ["google"],
        "created_at": "2026-05-08T12:00:00Z",
        // A field the spec does not know: the client must ignore it.
        "added_later": {"by": "the vendor"}
    })
}

fn page(request: &Recorded, ids: &[&str], next: Value) -> Reply {
    let host = request.headers["host"].to_str().unwrap();
    let mut links = json!({"first": format!("http://{host}{PREFIX}/domains?per_page=2")});
    if next != Value::Null || ids.is_empty() {
        links["next"] = next;
    }
    Reply::json(
        200,
        json!({
            "data": ids.iter().map(|id| domain(id)).collect::<Vec<_>>(),
            "links": links,
            "meta": {"path": format!("http://{host}{PREFIX}/domains"), "per_page": 2, "returned": ids.len()}
        }),
    )
}

/// A link to the next page on the same server, carrying the filters like the vendor does.
fn next_link(request: &Recorded, token: &str) -> Value {
    let host = request.headers["host"].to_str().unwrap();
    json!(format!(
        "http://{host}{PREFIX}/domains?status=active&per_page=2&page_token={token}"
    ))
}

fn client(origin: &str) -> Client {
    Client::with_bearer_token(&format!("{origin}{PREFIX}"), TOKEN).unwrap()
}

/// A client that sends every request once, for the tests of errors.
fn client_without_retries(origin: &str) -> Client {
    client(origin).with_retry_policy(RetryPolicy::disabled())
}

type ClientError = Error<ErrorBody<types::Error>>;

async fn collect(
    stream: impl futures::Stream<Item = Result<types::Domain, ClientError>> + Unpin,
) -> (Vec<String>, Vec<ClientError>) {
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
        assert_eq!(
            r.headers["authorization"],
            format!("Bearer {TOKEN}").as_str()
        );
        assert!(
            r.headers.get("api-version").is_none(),
            "progenitor's api-version header must not be sent: {:?}",
            r.headers
        );
    }
}

#[tokio::test]
async fn stream_follows_next_links_verbatim_until_absent() {
    let server = serve(|r| match query_param(&r.uri, "page_token").as_deref() {
        None => page(r, &["d1", "d2"], next_link(r, "t2")),
        Some("t2") => page(r, &["d3", "d4"], next_link(r, "t3")),
        // The last page has no `links.next` at all.
        Some("t3") => page(r, &["d5"], Value::Null),
        Some(other) => Reply::json(422, json!({"message": format!("bad token {other}")})),
    })
    .await;
    let client = client(&server.origin);
    let stream = client
        .list_domains()
        .status(types::DomainStatus::Active)
        .per_page(2u64)
        .stream();
    let (ids, errors) = collect(stream).await;
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(ids, ["d1", "d2", "d3", "d4", "d5"]);
    assert_eq!(
        server.uris(),
        [
            format!("{PREFIX}/domains?per_page=2&status=active"),
            format!("{PREFIX}/domains?status=active&per_page=2&page_token=t2"),
            format!("{PREFIX}/domains?status=active&per_page=2&page_token=t3"),
        ]
    );
    assert_headers(&server.requests());
}

#[tokio::test]
async fn stream_ends_on_a_null_next_link() {
    let server = serve(|r| match query_param(&r.uri, "page_token").as_deref() {
        None => page(r, &["d1"], next_link(r, "t2")),
        _ => {
            let mut reply = page(r, &["d2"], Value::Null);
            reply.body["links"]["next"] = Value::Null;
            reply
        }
    })
    .await;
    let client = client(&server.origin);
    let (ids, errors) = collect(
        client
            .list_domains()
            .category(types::Category::Connected)
            .per_page(1u64)
            .stream(),
    )
    .await;
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(ids, ["d1", "d2"]);
    assert_eq!(
        server.uris(),
        [
            format!("{PREFIX}/domains?category=connected&per_page=1"),
            format!("{PREFIX}/domains?status=active&per_page=2&page_token=t2"),
        ]
    );
}

#[tokio::test]
async fn stream_refuses_a_next_link_to_another_origin() {
    let elsewhere = serve(|r| page(r, &["stolen"], Value::Null)).await;
    let other = elsewhere.origin.clone();
    let server = serve(move |r| {
        page(
            r,
            &["d1"],
            json!(format!("{other}{PREFIX}/domains?per_page=2&page_token=t2")),
        )
    })
    .await;
    let client = client(&server.origin);
    let (ids, errors) = collect(client.list_domains().per_page(2u64).stream()).await;
    assert_eq!(
        ids,
        ["d1"],
        "the first page's items come before the refusal"
    );
    assert_eq!(errors.len(), 1, "{errors:?}");
    match &errors[0] {
        Error::InvalidRequest(message) => {
            assert!(message.contains("origin"), "{message}");
            assert!(message.contains(&elsewhere.origin), "{message}");
        }
        other => panic!("expected InvalidRequest, got {other:?}"),
    }
    assert!(
        elsewhere.requests().is_empty(),
        "the other origin got a request"
    );
    assert_eq!(server.uris(), [format!("{PREFIX}/domains?per_page=2")]);
}

#[tokio::test]
async fn stream_refuses_a_next_link_already_followed() {
    let server = serve(|r| match query_param(&r.uri, "page_token").as_deref() {
        None => page(r, &["d1"], next_link(r, "t2")),
        // The server links back to the page it just served.
        _ => page(r, &["d2"], next_link(r, "t2")),
    })
    .await;
    let client = client(&server.origin);
    let (ids, errors) = collect(client.list_domains().stream()).await;
    assert_eq!(ids, ["d1", "d2"]);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        matches!(&errors[0], Error::InvalidRequest(m) if m.contains("already followed")),
        "{errors:?}"
    );
    assert_eq!(server.uris().len(), 2);
}

#[tokio::test]
async fn documented_errors_are_typed_with_their_status() {
    for status in [401u16, 403, 422, 429] {
        let server = serve(move |_| {
            let mut reply =
                Reply::json(status, json!({"message": format!("refused with {status}")}));
            if status == 429 {
                reply.headers.push(("retry-after", "7".into()));
            }
            reply
        })
        .await;
        let client = client_without_retries(&server.origin);
        let error = client.list_domains().send().await.unwrap_err();
        match &error {
            Error::ErrorResponse(body) => {
                assert_eq!(body.status().as_u16(), status);
                let typed = body.typed().expect("the spec's error shape");
                assert_eq!(typed.message, format!("refused with {status}"));
                if status == 429 {
                    assert_eq!(body.headers()["retry-after"], "7");
                }
            }
            other => panic!("{status}: expected ErrorResponse, got {other:?}"),
        }
        // The stream yields the same error once, then ends.
        let (ids, errors) = collect(client.list_domains().stream()).await;
        assert!(ids.is_empty());
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].status().map(|s| s.as_u16()), Some(status));
        assert_headers(&server.requests());
    }
}

#[tokio::test]
async fn an_error_on_a_later_page_ends_the_stream_after_the_earlier_items() {
    let server = serve(|r| match query_param(&r.uri, "page_token").as_deref() {
        None => page(r, &["d1"], next_link(r, "t2")),
        _ => Reply::json(429, json!({"message": "Too Many Attempts."})),
    })
    .await;
    let client = client_without_retries(&server.origin);
    let (ids, errors) = collect(client.list_domains().stream()).await;
    assert_eq!(ids, ["d1"]);
    assert_eq!(errors.len(), 1);
    assert!(matches!(&errors[0], Error::ErrorResponse(b) if b.status() == 429));
    assert_headers(&server.requests());
}

#[tokio::test]
async fn debug_output_does_not_show_the_token() {
    let client = Client::with_bearer_token("https://api.peeker.ai/api/partner/v1", TOKEN).unwrap();
    let debug = format!("{client:?}");
    assert!(!debug.contains(TOKEN), "{debug}");
    assert!(!debug.contains("s3cr3t"), "{debug}");
    assert!(debug.contains("Sensitive"), "{debug}");
}

#[tokio::test]
async fn constructor_rejects_bad_input_without_echoing_the_token() {
    let error = Client::with_bearer_token("not a url", TOKEN).unwrap_err();
    assert!(matches!(
        error,
        peeker_client::ClientBuildError::InvalidBaseUrl(_)
    ));
    let error = Client::with_bearer_token("https://api.peeker.ai", "bad\ntoken").unwrap_err();
    assert!(!error.to_string().contains("bad"), "{error}");
}

/// A page of two domains: the first with values the spec does not list (the vendor added
/// them later), the second with documented ones.
fn page_with_new_enum_values(request: &Recorded) -> Reply {
    let mut reply = page(request, &["new", "old"], Value::Null);
    let data = &mut reply.body["data"];
    data[0]["status"] = json!("suspended");
    data[0]["usable_for"] = json!(["google", "yahoo"]);
    data[1]["category"] = json!("inventory");
    data[1]["status"] = json!("action_required");
    data[1]["usable_for"] = json!(["microsoft"]);
    reply
}

fn assert_new_enum_values(domains: &[types::Domain]) {
    let ids: Vec<&str> = domains.iter().map(|d| d.id.as_str()).collect();
    assert_eq!(ids, ["new", "old"]);
    let (new, old) = (&domains[0], &domains[1]);
    assert_eq!(new.status, types::DomainStatus::Unknown("suspended".into()));
    assert_eq!(
        new.usable_for,
        [
            types::MailProvider::Google,
            types::MailProvider::Unknown("yahoo".into())
        ]
    );
    assert_eq!(new.category, types::Category::Connected);
    assert_eq!(old.status, types::DomainStatus::ActionRequired);
    assert_eq!(old.usable_for, [types::MailProvider::Microsoft]);
    assert_eq!(old.category, types::Category::Inventory);
}

#[tokio::test]
async fn enum_values_the_spec_does_not_list_deserialize_as_unknown() {
    let server = serve(page_with_new_enum_values).await;
    let client = client(&server.origin);

    let page = client
        .list_domains()
        .status(types::DomainStatus::Unknown("suspended".into()))
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_new_enum_values(&page.data);

    // stream() moves the items out of the decoded page: `Unknown` is kept as it is.
    let all: Vec<_> = client.list_domains().stream().collect().await;
    let domains: Vec<types::Domain> = all.into_iter().map(Result::unwrap).collect();
    assert_new_enum_values(&domains);

    // An `Unknown` filter goes out as its string.
    assert_eq!(
        server.uris(),
        [
            format!("{PREFIX}/domains?status=suspended"),
            format!("{PREFIX}/domains"),
        ]
    );
}

#[test]
fn known_enum_values_map_to_their_variants() {
    let cases = [
        ("available", types::DomainStatus::Available),
        ("in_progress", types::DomainStatus::InProgress),
        ("active", types::DomainStatus::Active),
        ("failed", types::DomainStatus::Failed),
        ("action_required", types::DomainStatus::ActionRequired),
    ];
    for (name, variant) in cases {
        let read: types::DomainStatus = serde_json::from_value(json!(name)).unwrap();
        assert_eq!(read, variant);
        assert_eq!(serde_json::to_value(&variant).unwrap(), json!(name));
        assert_eq!(variant.to_string(), name);
    }
    let read: Vec<types::MailProvider> =
        serde_json::from_value(json!(["google", "microsoft"])).unwrap();
    assert_eq!(
        read,
        [types::MailProvider::Google, types::MailProvider::Microsoft]
    );
    let read: types::Category = serde_json::from_value(json!("inventory")).unwrap();
    assert_eq!(read, types::Category::Inventory);
}

#[test]
fn unknown_enum_values_serialize_and_display_as_their_string() {
    let unknown = types::DomainStatus::Unknown("x".into());
    assert_eq!(serde_json::to_value(&unknown).unwrap(), json!("x"));
    assert_eq!(serde_json::to_string(&unknown).unwrap(), r#""x""#);
    assert_eq!(unknown.to_string(), "x");
    let provider = types::MailProvider::Unknown("x".into());
    assert_eq!(serde_json::to_value(&provider).unwrap(), json!("x"));
    assert_eq!(provider.to_string(), "x");

    // Deserialization is tolerant; parsing what a user passes in stays strict.
    let read: types::MailProvider = serde_json::from_value(json!("x")).unwrap();
    assert_eq!(read, provider);
    assert!("x".parse::<types::DomainStatus>().is_err());
    assert!(types::MailProvider::try_from("x").is_err());
    assert_eq!(
        "active".parse::<types::DomainStatus>().unwrap(),
        types::DomainStatus::Active
    );
    // A non-string is still refused.
    assert!(serde_json::from_value::<types::DomainStatus>(json!(3)).is_err());
}

/// Bodies a proxy, a gateway or a busy server may send with a documented status instead of
/// the spec's error shape: another JSON shape, HTML, nothing.
fn other_bodies() -> Vec<(&'static str, &'static str, &'static [u8])> {
    vec![
        (
            "another JSON shape",
            "application/json",
            br#"{"error":{"code":"busy"}}"#,
        ),
        (
            "not JSON",
            "text/html",
            b"<html><body>502 Bad Gateway</body></html>",
        ),
        ("empty", "application/json", b""),
    ]
}

#[tokio::test]
async fn error_bodies_of_any_shape_keep_their_status_and_raw_bytes() {
    for status in [401u16, 429] {
        for (what, content_type, bytes) in other_bodies() {
            let server = serve(move |_| {
                let mut reply = Reply::raw(status, content_type, bytes);
                reply.headers.push(("retry-after", "0".into()));
                reply
            })
            .await;
            let client = client_without_retries(&server.origin);
            match client.list_domains().send().await {
                Err(Error::ErrorResponse(body)) => {
                    assert_eq!(body.status().as_u16(), status, "{what}");
                    assert_eq!(body.raw(), bytes, "{what}");
                    assert!(body.typed().is_none(), "{what}: {body:?}");
                    assert_eq!(body.headers()["retry-after"], "0");
                }
                other => panic!("{status}, {what}: expected ErrorResponse, got {other:?}"),
            }
            // The stream yields the same error once, with its status, then ends.
            let (ids, errors) = collect(client.list_domains().stream()).await;
            assert!(ids.is_empty());
            assert_eq!(errors.len(), 1, "{what}");
            assert_eq!(
                errors[0].status().map(|s| s.as_u16()),
                Some(status),
                "{what}"
            );
        }
        // The spec's shape is typed, and its bytes are kept too.
        let server = serve(move |_| Reply::json(status, json!({"message": "no"}))).await;
        match client_without_retries(&server.origin)
            .list_domains()
            .send()
            .await
        {
            Err(Error::ErrorResponse(body)) => {
                assert_eq!(body.status().as_u16(), status);
                assert_eq!(body.typed().map(|t| t.message.as_str()), Some("no"));
                assert_eq!(body.text(), r#"{"message":"no"}"#);
            }
            other => panic!("{status}: expected ErrorResponse, got {other:?}"),
        }
    }
}

/// A server that answers 429 (`Retry-After: 0`) to the requests `limited` says, and pages of
/// one domain otherwise: `d1` then `d2` then `d3`, the last.
async fn rate_limited_pages(limited: impl Fn(usize) -> bool + Send + Sync + 'static) -> Server {
    let counter = std::sync::atomic::AtomicUsize::new(0);
    serve(move |r| {
        let n = counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        if limited(n) {
            let mut reply = Reply::json(429, json!({"message": "Too Many Attempts."}));
            reply.headers.push(("retry-after", "0".into()));
            return reply;
        }
        match query_param(&r.uri, "page_token").as_deref() {
            None => page(r, &["d1"], next_link(r, "t2")),
            Some("t2") => page(r, &["d2"], next_link(r, "t3")),
            _ => page(r, &["d3"], Value::Null),
        }
    })
    .await
}

#[tokio::test]
async fn stream_completes_across_429s_with_every_item_once() {
    // Every second request is refused once: each page needs two attempts.
    let server = rate_limited_pages(|n| n % 2 == 0).await;
    let (ids, errors) = collect(client(&server.origin).list_domains().stream()).await;
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(ids, ["d1", "d2", "d3"]);
    assert_eq!(server.count(), 6, "three pages, each sent twice");
    assert_headers(&server.requests());
}

#[tokio::test]
async fn the_retry_policy_bounds_the_attempts() {
    for (policy, attempts) in [
        (RetryPolicy::default(), 4),
        (RetryPolicy::default().with_max_attempts(2), 2),
        (RetryPolicy::disabled(), 1),
    ] {
        let server = rate_limited_pages(|_| true).await;
        let client = client(&server.origin).with_retry_policy(policy.clone());
        match client.list_domains().send().await {
            Err(Error::ErrorResponse(body)) => assert_eq!(body.status().as_u16(), 429),
            other => panic!("{policy:?}: expected the last 429, got {other:?}"),
        }
        assert_eq!(server.count(), attempts, "{policy:?}");
    }
}

#[tokio::test]
async fn a_disabled_policy_surfaces_the_429_and_ends_the_stream() {
    // The second request (the second page) is refused.
    let server = rate_limited_pages(|n| n == 1).await;
    let client = client_without_retries(&server.origin);
    let (ids, errors) = collect(client.list_domains().stream()).await;
    assert_eq!(ids, ["d1"]);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].status().map(|s| s.as_u16()), Some(429));
    assert_eq!(server.count(), 2);
}
