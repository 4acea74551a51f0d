//! The runtime against local servers on 127.0.0.1:0, and its stream driver over pages made
//! in memory: retries, error bodies, redirects, and every pagination style.

// The fake pages return progenitor's `Error` by value, as the emitted `send()` does; its size
// is progenitor's choice, not ours.
#![allow(clippy::result_large_err)]

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use client_runtime::{
    basic_auth_client, basic_authorization, error_response, execute, execute_limited,
    page_or_error, paginate, secret_header_client, Advance, Carrier, ClientBuildError, End,
    ErrorBody, Fetch, InBody, Inner, Member, Observed, Page, RateLimitHeaders, Reset, ResetFormat,
    RetryPolicy, Walk,
};
use futures::StreamExt as _;
use progenitor_client::{Error, ResponseValue};

fn block_on<F: Future>(f: F) -> F::Output {
    client_runtime::install_crypto_provider();
    tokio_time::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("a runtime")
        .block_on(f)
}

/// A server answering with `reply(n)` to its n-th request (from 0); returns its origin and the
/// request counter.
async fn serve(
    reply: impl Fn(usize) -> (u16, Vec<(&'static str, String)>, Vec<u8>) + Send + Sync + 'static,
) -> (String, Arc<AtomicUsize>) {
    let count = Arc::new(AtomicUsize::new(0));
    let seen = count.clone();
    let reply = Arc::new(reply);
    let app = axum::Router::new().fallback(move || {
        let reply = reply.clone();
        let n = seen.fetch_add(1, Ordering::SeqCst);
        async move {
            let (status, headers, body) = reply(n);
            let mut map = HeaderMap::new();
            for (name, value) in headers {
                map.insert(name, value.parse().expect("a header value"));
            }
            (StatusCode::from_u16(status).expect("a status"), map, body).into_response()
        }
    });
    let listener = tokio_time::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a port");
    let origin = format!("http://{}", listener.local_addr().expect("an address"));
    tokio_time::spawn(async move { axum::serve(listener, app).await });
    (origin, count)
}

fn limited(retry_after: &str) -> (u16, Vec<(&'static str, String)>, Vec<u8>) {
    (
        429,
        vec![("retry-after", retry_after.to_string())],
        b"{}".to_vec(),
    )
}

async fn get(origin: &str, inner: &Inner, method: reqwest::Method) -> reqwest::Response {
    let client = reqwest::Client::new();
    let request = client
        .request(method, format!("{origin}/x"))
        .build()
        .unwrap();
    execute(&client, inner, request).await.expect("an answer")
}

#[test]
fn a_429_is_retried_until_it_passes() {
    block_on(async {
        let (origin, count) = serve(|n| {
            if n < 2 {
                limited("0")
            } else {
                (200, vec![], b"ok".to_vec())
            }
        })
        .await;
        let response = get(&origin, &Inner::default(), reqwest::Method::GET).await;
        assert_eq!(response.status(), 200);
        assert_eq!(count.load(Ordering::SeqCst), 3);
    });
}

#[test]
fn attempts_are_bounded_and_the_last_429_is_returned() {
    block_on(async {
        for (policy, attempts) in [
            (RetryPolicy::default(), 4),
            (RetryPolicy::default().with_max_attempts(2), 2),
            (RetryPolicy::disabled(), 1),
        ] {
            let (origin, count) = serve(|_| limited("0")).await;
            let inner = Inner::default().with_retry_policy(policy.clone());
            let response = get(&origin, &inner, reqwest::Method::POST).await;
            assert_eq!(response.status(), 429, "{policy:?}");
            assert_eq!(count.load(Ordering::SeqCst), attempts, "{policy:?}");
        }
    });
}

#[test]
fn gateways_errors_are_retried_for_get_only() {
    block_on(async {
        let (origin, count) = serve(|n| {
            if n == 0 {
                (503, vec![], vec![])
            } else {
                (200, vec![], vec![])
            }
        })
        .await;
        let inner = Inner::default().with_retry_policy(
            RetryPolicy::default().with_base_delay(std::time::Duration::from_millis(1)),
        );
        assert_eq!(
            get(&origin, &inner, reqwest::Method::GET).await.status(),
            200
        );
        assert_eq!(count.load(Ordering::SeqCst), 2);
        let (origin, count) = serve(|_| (503, vec![], vec![])).await;
        assert_eq!(
            get(&origin, &inner, reqwest::Method::POST).await.status(),
            503
        );
        assert_eq!(count.load(Ordering::SeqCst), 1);
    });
}

/// GitHub's primary rate limit: 403 or 429 with `x-ratelimit-remaining: 0`, and the reset in
/// epoch seconds.
fn primary_limit() -> RateLimitHeaders {
    RateLimitHeaders {
        statuses: vec![403, 429],
        remaining: "x-ratelimit-remaining".into(),
        reset: Some(Reset {
            header: "x-ratelimit-reset".into(),
            format: ResetFormat::EpochSeconds,
        }),
    }
}

/// A 403 saying that no request is left until `reset_in` seconds from now.
fn exhausted(reset_in: u64) -> (u16, Vec<(&'static str, String)>, Vec<u8>) {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    (
        403,
        vec![
            ("x-ratelimit-remaining", "0".into()),
            ("x-ratelimit-reset", (now + reset_in).to_string()),
        ],
        br#"{"message":"API rate limit exceeded"}"#.to_vec(),
    )
}

async fn get_limited(origin: &str, inner: &Inner) -> reqwest::Response {
    let client = reqwest::Client::new();
    let request = client.get(format!("{origin}/x")).build().unwrap();
    execute_limited(&client, inner, request, Some(&primary_limit()))
        .await
        .expect("an answer")
}

#[test]
fn a_403_with_no_request_left_is_retried_once_its_window_resets() {
    block_on(async {
        let (origin, count) = serve(|n| match n {
            0 => exhausted(1),
            _ => (200, vec![], b"ok".to_vec()),
        })
        .await;
        let started = std::time::Instant::now();
        let response = get_limited(&origin, &Inner::default()).await;
        assert_eq!(response.status(), 200);
        assert_eq!(count.load(Ordering::SeqCst), 2);
        // The reset is the next second at the latest: the client waited for it, not more.
        assert!(started.elapsed() < std::time::Duration::from_secs(3));
    });
}

#[test]
fn a_403_that_is_no_rate_limit_or_resets_too_late_is_answered_at_once() {
    block_on(async {
        // Requests are left: an access refusal, not a rate limit.
        let (origin, count) = serve(|_| {
            (
                403,
                vec![("x-ratelimit-remaining", "4999".into())],
                b"{}".to_vec(),
            )
        })
        .await;
        assert_eq!(get_limited(&origin, &Inner::default()).await.status(), 403);
        assert_eq!(count.load(Ordering::SeqCst), 1);
        // The window resets in an hour, past the longest wait (30 s).
        let (origin, count) = serve(|_| exhausted(3600)).await;
        let started = std::time::Instant::now();
        let response = get_limited(&origin, &Inner::default()).await;
        assert_eq!(response.status(), 403);
        assert_eq!(response.headers()["x-ratelimit-remaining"], "0");
        assert_eq!(count.load(Ordering::SeqCst), 1);
        assert!(started.elapsed() < std::time::Duration::from_secs(2));
        // Without the spec's headers, a 403 is never retried.
        let (origin, count) = serve(|_| exhausted(0)).await;
        assert_eq!(
            get(&origin, &Inner::default(), reqwest::Method::GET)
                .await
                .status(),
            403
        );
        assert_eq!(count.load(Ordering::SeqCst), 1);
    });
}

#[derive(Debug, serde::Deserialize, PartialEq)]
struct Problem {
    message: String,
}

/// A page whose items may be absent, as an envelope that also carries errors has them.
#[derive(Debug, serde::Deserialize, PartialEq)]
struct Channels {
    #[serde(default)]
    channels: Vec<u32>,
}

#[derive(Debug, serde::Deserialize, PartialEq)]
struct SlackError {
    ok: bool,
    error: String,
}

#[test]
fn an_error_in_a_200_body_is_an_error_response_not_an_empty_page() {
    block_on(async {
        let in_body = InBody {
            flag: "/ok".into(),
            code: "/error".into(),
        };
        let bodies: [&'static [u8]; 3] = [
            br#"{"ok":false,"error":"invalid_auth"}"#,
            br#"{"ok":true,"channels":[1,2]}"#,
            b"<html>busy</html>",
        ];
        let (origin, _) = serve(move |n| (200, vec![], bodies[n % 3].to_vec())).await;
        let get = || async { reqwest::get(format!("{origin}/x")).await.unwrap() };
        let refused: Result<ResponseValue<Channels>, Error<ErrorBody<SlackError>>> =
            page_or_error(get().await, &in_body).await;
        match refused {
            Err(Error::ErrorResponse(r)) => {
                assert_eq!(r.status(), 200);
                assert_eq!(r.raw(), bodies[0]);
                assert_eq!(
                    r.typed(),
                    Some(&SlackError {
                        ok: false,
                        error: "invalid_auth".into()
                    })
                );
            }
            other => panic!("an error in the body: {other:?}"),
        }
        let page: Result<ResponseValue<Channels>, Error<ErrorBody<SlackError>>> =
            page_or_error(get().await, &in_body).await;
        assert_eq!(page.unwrap().into_inner().channels, [1, 2]);
        let html: Result<ResponseValue<Channels>, Error<ErrorBody<SlackError>>> =
            page_or_error(get().await, &in_body).await;
        assert!(
            matches!(html, Err(Error::InvalidResponsePayload(..))),
            "{html:?}"
        );
    });
}

#[test]
fn error_bodies_keep_status_headers_and_bytes_whatever_their_shape() {
    block_on(async {
        let bodies: [(&[u8], Option<&str>); 4] = [
            (br#"{"message":"no"}"#, Some("no")),
            (br#"{"error":"other"}"#, None),
            (b"<html>busy</html>", None),
            (b"", None),
        ];
        for (bytes, typed) in bodies {
            let (origin, _) =
                serve(move |_| (401, vec![("x-request-id", "r1".into())], bytes.to_vec())).await;
            let response = reqwest::get(format!("{origin}/x")).await.unwrap();
            let body: ResponseValue<ErrorBody<Problem>> = error_response(response).await;
            assert_eq!(body.status(), 401);
            assert_eq!(body.headers()["x-request-id"], "r1");
            assert_eq!(body.raw(), bytes);
            assert_eq!(body.typed().map(|p| p.message.as_str()), typed);
            assert_eq!(body.text(), String::from_utf8_lossy(bytes));
            assert!(body.read_error().is_none());
        }
    });
}

#[test]
fn secret_headers_stay_on_their_origin() {
    block_on(async {
        let (elsewhere, leaked) = serve(|_| (200, vec![], vec![])).await;
        let target = format!("{elsewhere}/stolen");
        let (origin, _) = serve(move |_| (302, vec![("location", target.clone())], vec![])).await;
        let client = secret_header_client(
            &origin,
            reqwest::header::HeaderName::from_static("x-api-key"),
            "k3y".into(),
        )
        .unwrap();
        assert!(!format!("{client:?}").contains("k3y"));
        let error = client.get(format!("{origin}/x")).send().await.unwrap_err();
        assert!(error.is_redirect(), "{error:?}");
        assert_eq!(leaked.load(Ordering::SeqCst), 0);
        assert!(
            secret_header_client("not a url", reqwest::header::AUTHORIZATION, "t".into()).is_err()
        );
        assert!(
            secret_header_client(&origin, reqwest::header::AUTHORIZATION, "bad\nvalue".into())
                .is_err()
        );
    });
}

/// HTTP Basic: the header is RFC 7617's (its own example), sent on every request, hidden from
/// `Debug`, and a user name with a colon is refused, since it would change where the password
/// starts.
#[test]
fn basic_credentials_are_sent_as_rfc_7617_says() {
    assert_eq!(
        basic_authorization("Aladdin:open sesame"),
        "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="
    );
    block_on(async {
        let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
        let app = {
            let seen = seen.clone();
            axum::Router::new().fallback(move |headers: HeaderMap| {
                let value = headers
                    .get("authorization")
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_string);
                seen.lock().unwrap().push(value);
                async { StatusCode::OK }
            })
        };
        let listener = tokio_time::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a port");
        let origin = format!("http://{}", listener.local_addr().expect("an address"));
        tokio_time::spawn(async move { axum::serve(listener, app).await });
        let client = basic_auth_client(&origin, "ACuser01", "s3cr:et pass").unwrap();
        assert!(!format!("{client:?}").contains("s3cr"), "{client:?}");
        for _ in 0..2 {
            client.get(format!("{origin}/x")).send().await.unwrap();
        }
        let want = basic_authorization("ACuser01:s3cr:et pass");
        assert_eq!(*seen.lock().unwrap(), vec![Some(want.clone()), Some(want)]);
        assert!(matches!(
            basic_auth_client(&origin, "a:b", "pw"),
            Err(ClientBuildError::InvalidUserName)
        ));
    });
}

/// A page made in memory: its items, and what its body says of the next page.
struct Memory {
    items: Vec<u32>,
    observed: Observed,
}

impl Page for Memory {
    type Item = u32;
    fn into_parts(self) -> (Vec<u32>, Observed) {
        (self.items, self.observed)
    }
}

fn answer(
    items: &[u32],
    observed: Observed,
    headers: HeaderMap,
) -> Result<ResponseValue<Memory>, Error<()>> {
    let observed = Observed {
        items: items.len() as u64,
        last_key: items.last().map(|i| format!("k{i}")),
        ..observed
    };
    Ok(ResponseValue::new(
        Memory {
            items: items.to_vec(),
            observed,
        },
        StatusCode::OK,
        headers,
    ))
}

fn page(items: &[u32], next: Option<&str>) -> Result<ResponseValue<Memory>, Error<()>> {
    let next = next.map_or(Member::Null, |n| Member::Text(n.to_string()));
    answer(
        items,
        Observed {
            next,
            ..Observed::default()
        },
        HeaderMap::new(),
    )
}

fn walk_of(advance: Advance, ends: &[End]) -> Walk {
    Walk {
        advance,
        ends: ends.to_vec(),
    }
}

fn cursor() -> Walk {
    walk_of(
        Advance::Cursor {
            from: Carrier::Body,
            param: "cursor".into(),
        },
        &[End::NullNext],
    )
}

/// Streams `walk` at page size `size` over `serve`, returning the items, the errors as text,
/// and the fetches.
fn walk(
    walk: Walk,
    size: u64,
    serve: impl Fn(&Fetch) -> Result<ResponseValue<Memory>, Error<()>>,
) -> (Vec<u32>, Vec<String>, Vec<Fetch>) {
    let inner = Inner::default();
    let fetches = std::cell::RefCell::new(Vec::new());
    let results: Vec<Result<u32, Error<()>>> = block_on(
        paginate(walk, size, "http://127.0.0.1:1/api", &inner, |at: Fetch| {
            let answer = serve(&at);
            fetches.borrow_mut().push(at);
            async move { answer }
        })
        .collect(),
    );
    let mut items = Vec::new();
    let mut errors = Vec::new();
    for r in results {
        match r {
            Ok(i) => items.push(i),
            Err(e) => errors.push(e.to_string()),
        }
    }
    (items, errors, fetches.into_inner())
}

#[test]
fn cursors_are_followed_until_null_and_never_twice() {
    let (items, errors, fetches) = walk(cursor(), 2, |at| match at {
        Fetch::First => page(&[1, 2], Some("c2")),
        Fetch::Param(t) if t == "c2" => page(&[3], Some("c3")),
        _ => page(&[4], None),
    });
    assert_eq!((items, errors.len()), (vec![1, 2, 3, 4], 0));
    assert_eq!(fetches[1], Fetch::Param("c2".into()));
    let after_key = walk_of(
        Advance::AfterKey {
            param: "starting_after".into(),
        },
        &[End::Flag(false)],
    );
    let more = |items: &[u32]| {
        let observed = Observed {
            flag: Some(true),
            ..Observed::default()
        };
        answer(items, observed, HeaderMap::new())
    };
    let (items, errors, _) = walk(after_key, 1, |_| more(&[1]));
    assert_eq!(items, [1, 1]);
    assert!(errors[0].contains("second time"), "{errors:?}");
}

#[test]
fn next_urls_are_followed_on_the_origin_only() {
    let next_url = walk_of(
        Advance::NextUrl {
            from: Carrier::Body,
        },
        &[End::NoNext, End::NullNext],
    );
    let (items, errors, fetches) = walk(next_url, 1, |at| match at {
        Fetch::First => page(&[1], Some("http://127.0.0.1:1/api/x?t=2")),
        _ => page(&[2], Some("http://127.0.0.1:2/api/x?t=3")),
    });
    assert_eq!(items, [1, 2], "the items come before the refusal");
    assert_eq!(errors.len(), 1);
    assert!(errors[0].contains("origin"), "{errors:?}");
    assert_eq!(
        fetches,
        [
            Fetch::First,
            Fetch::Url("http://127.0.0.1:1/api/x?t=2".into())
        ]
    );
}

/// A relative next link resolves against the URL of the request that got the page (noted by
/// the pre-request hook, as a generated client calls it), then must stay on the origin.
#[test]
fn relative_links_in_a_header_resolve_against_the_request() {
    let next_url = walk_of(
        Advance::NextUrl {
            from: Carrier::Header("X-Next".into()),
        },
        &[End::NoNext],
    );
    let inner = Inner::default();
    let served = std::cell::RefCell::new(Vec::new());
    let results: Vec<Result<u32, Error<()>>> = block_on(
        paginate(
            next_url,
            1,
            "http://127.0.0.1:1/api/",
            &inner,
            |at: Fetch| {
                let url = match &at {
                    Fetch::Url(u) => u.clone(),
                    _ => "http://127.0.0.1:1/api/items?size=1".to_string(),
                };
                // What a generated client's `send()` does: the hook sees the request.
                let mut request = reqwest::Request::new(reqwest::Method::GET, url.parse().unwrap());
                client_runtime::prepare(&inner, &mut request);
                served.borrow_mut().push(url);
                let mut headers = HeaderMap::new();
                let n = served.borrow().len() as u32;
                if n < 3 {
                    headers.insert("x-next", format!("?size=1&page={}", n + 1).parse().unwrap());
                }
                let page = answer(&[n], Observed::default(), headers);
                async move { page }
            },
        )
        .collect(),
    );
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    assert_eq!(
        served.into_inner(),
        [
            "http://127.0.0.1:1/api/items?size=1",
            "http://127.0.0.1:1/api/items?size=1&page=2",
            "http://127.0.0.1:1/api/items?size=1&page=3",
        ]
    );
}

#[test]
fn offsets_and_pages_count_until_a_short_page_or_the_totals() {
    let offset = walk_of(
        Advance::Offset {
            param: "offset".into(),
        },
        &[End::ShortPage],
    );
    let (items, _, fetches) = walk(offset, 2, |at| match at {
        Fetch::First => page(&[1, 2], None),
        Fetch::Param(o) if o == "2" => page(&[3, 4], None),
        _ => page(&[5], None),
    });
    assert_eq!(items, [1, 2, 3, 4, 5]);
    assert_eq!(fetches.last(), Some(&Fetch::Param("4".into())));

    let total = |items: &[u32], total: u64| {
        let observed = Observed {
            total: Some(total),
            ..Observed::default()
        };
        answer(items, observed, HeaderMap::new())
    };
    let numbered = walk_of(
        Advance::Page {
            param: "page".into(),
            first: 1,
        },
        &[End::Total, End::ShortPage],
    );
    let (items, _, fetches) = walk(numbered, 2, |at| match at {
        Fetch::First => total(&[1, 2], 4),
        _ => total(&[3, 4], 4),
    });
    assert_eq!(items, [1, 2, 3, 4]);
    assert_eq!(
        fetches,
        [Fetch::First, Fetch::Param("2".into())],
        "the total ends the walk without an empty page"
    );
}

#[test]
fn an_error_is_yielded_once_and_ends_the_stream() {
    let (items, errors, fetches) = walk(cursor(), 1, |at| match at {
        Fetch::First => page(&[1], Some("c2")),
        _ => Err(Error::InvalidRequest("broken".into())),
    });
    assert_eq!(items, [1]);
    assert_eq!(errors.len(), 1);
    assert_eq!(fetches.len(), 2);
}
