//! The Rust snapshots of `tests/output/` compile against the runtime of the generated crates,
//! and each compiled client, started against its fixture's reference mock, streams exactly
//! the items of a raw walk of that mock: the same keys, in the same order, at several page
//! sizes. rustfmt is kept off the snapshots: they are prettyplease's output, compared byte
//! for byte.

#[path = "support/walk.rs"]
mod walk;

#[allow(dead_code, unused_imports, missing_docs, clippy::all)]
#[rustfmt::skip]
#[path = "output/widgets-next-url.rs"]
mod widgets;

#[allow(dead_code, unused_imports, missing_docs, clippy::all)]
#[rustfmt::skip]
#[path = "output/tickets-link-header.rs"]
mod tickets;

#[allow(dead_code, unused_imports, missing_docs, clippy::all)]
#[rustfmt::skip]
#[path = "output/gadgets-cursor.rs"]
mod gadgets;

#[allow(dead_code, unused_imports, missing_docs, clippy::all)]
#[rustfmt::skip]
#[path = "output/accounts-item-cursor.rs"]
mod accounts;

#[allow(dead_code, unused_imports, missing_docs, clippy::all)]
#[rustfmt::skip]
#[path = "output/orders-offset.rs"]
mod orders;

#[allow(dead_code, unused_imports, missing_docs, clippy::all)]
#[rustfmt::skip]
#[path = "output/books-page.rs"]
mod books;

#[allow(dead_code, unused_imports, missing_docs, clippy::all)]
#[rustfmt::skip]
#[path = "output/shelf-operations.rs"]
mod shelf;

#[allow(dead_code, unused_imports, missing_docs, clippy::all)]
#[rustfmt::skip]
#[path = "output/memos-basic-auth.rs"]
mod memos;

#[allow(dead_code, unused_imports, missing_docs, clippy::all)]
#[rustfmt::skip]
#[path = "output/notes-in-body-errors.rs"]
mod notes;

#[allow(dead_code, unused_imports, missing_docs, clippy::all)]
#[rustfmt::skip]
#[path = "output/events-offset-flag.rs"]
mod events;


#[path = "support/stream.rs"]
mod stream;

use futures::StreamExt as _;
use stream::all;

/// The page sizes of every walk: a page of one, a size that does not divide the item count,
/// and the largest page.
const SIZES: [u64; 3] = [1, 7, 1000];

async fn start(stem: &str) -> mock::RunningMock {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(format!("../fixtures/specs/{stem}.yaml"));
    let spec = specs::Spec::load(&path).unwrap_or_else(|e| panic!("{e}"));
    let mut config = mock::MockConfig::new(spec);
    config.items = 40;
    mock::start(config)
        .await
        .unwrap_or_else(|e| panic!("{e:#}"))
}

fn secret(m: &mock::RunningMock) -> String {
    m.credentials
        .primary()
        .expect("a credential")
        .secret
        .clone()
}

fn path_value(m: &mock::RunningMock, name: &str) -> String {
    m.credentials.path_values[name].clone()
}

fn pagination(m: &mock::RunningMock) -> specs::Pagination {
    m.spec()
        .paginated_operation()
        .and_then(|op| op.pagination.clone())
        .expect("x-pagination")
}

/// The page size the mock serves for `size`: at most the spec's maximum.
fn capped(m: &mock::RunningMock, size: u64) -> u64 {
    size.min(pagination(m).size_max)
}

async fn assert_same_walk<T: serde::Serialize>(m: &mock::RunningMock, size: u64, items: Vec<T>) {
    let raw = walk::raw_keys(m, size).await;
    assert!(!raw.is_empty(), "{}: the mock serves items", m.spec().name);
    let got = walk::client_keys(&items, &pagination(m));
    assert_eq!(got, raw, "{} at page size {size}", m.spec().name);
}

#[tokio::test]
async fn next_url_client_streams_the_mock() {
    let m = start("widgets-next-url").await;
    let client = widgets::Client::with_bearer_token(&m.base_url, secret(&m)).unwrap();
    for size in SIZES.map(|s| capped(&m, s)) {
        let items = all(client.list_widgets().limit(size as u32).stream()).await;
        assert_same_walk(&m, size, items).await;
    }
    m.shutdown().await;
}

/// A client with a rate limit spaces its requests (the pages of a stream included): the mock
/// never sees more than the rate in any second, and the walk takes at least as long as the
/// rate demands.
#[tokio::test]
async fn a_paced_client_keeps_to_its_rate() {
    let m = start("widgets-next-url").await;
    let limit: widgets::RateLimit = "20/s".parse().unwrap();
    let client = widgets::Client::with_bearer_token(&m.base_url, secret(&m))
        .unwrap()
        .with_rate_limit(limit);
    let started = std::time::Instant::now();
    let items = all(client.list_widgets().limit(1).stream()).await;
    let took = started.elapsed();
    let arrivals = m.arrivals();
    m.shutdown().await;
    assert!(arrivals.len() > 21, "{} pages", arrivals.len());
    assert!(!items.is_empty());
    let steady = limit.interval() * (arrivals.len() as u32 - 1);
    assert!(took >= steady, "{took:?} for {} requests", arrivals.len());
    for (i, first) in arrivals.iter().enumerate() {
        let within = arrivals[i..]
            .iter()
            .take_while(|at| at.duration_since(*first) < std::time::Duration::from_secs(1))
            .count();
        assert!(within <= 21, "{within} requests within a second");
    }
}

#[tokio::test]
async fn link_header_client_streams_the_mock() {
    let m = start("tickets-link-header").await;
    let client = tickets::Client::with_api_key(&m.base_url, secret(&m)).unwrap();
    assert!(!format!("{client:?}").contains(&secret(&m)));
    let project = path_value(&m, "project");
    for size in SIZES.map(|s| capped(&m, s)) {
        let stream = client
            .list_project_tickets()
            .project(project.clone())
            .page_size(size as u32)
            .stream();
        assert_same_walk(&m, size, all(stream).await).await;
    }
    m.shutdown().await;
}

#[tokio::test]
async fn cursor_client_streams_the_mock() {
    let m = start("gadgets-cursor").await;
    let client = gadgets::Client::with_api_key(&m.base_url, secret(&m)).unwrap();
    let team = path_value(&m, "team");
    for size in SIZES.map(|s| capped(&m, s)) {
        let stream = client
            .list_team_gadgets()
            .team(team.clone())
            .size(size)
            .stream();
        assert_same_walk(&m, size, all(stream).await).await;
    }
    m.shutdown().await;
}

#[tokio::test]
async fn item_cursor_client_streams_the_mock() {
    let m = start("accounts-item-cursor").await;
    let client = accounts::Client::with_bearer_token(&m.base_url, secret(&m)).unwrap();
    for size in SIZES.map(|s| capped(&m, s)) {
        let items = all(client.list_accounts().limit(size).stream()).await;
        assert_same_walk(&m, size, items).await;
    }
    m.shutdown().await;
}

#[tokio::test]
async fn offset_client_streams_the_mock() {
    let m = start("orders-offset").await;
    let client = orders::Client::with_api_key(&m.base_url, secret(&m)).unwrap();
    for size in SIZES.map(|s| capped(&m, s)) {
        let items = all(client.list_orders().limit(size).stream()).await;
        assert_same_walk(&m, size, items).await;
    }
    m.shutdown().await;
}

#[tokio::test]
async fn page_client_streams_the_mock() {
    let m = start("books-page").await;
    let client = books::Client::with_bearer_token(&m.base_url, secret(&m)).unwrap();
    for size in SIZES.map(|s| capped(&m, s)) {
        let items = all(client.list_books().per_page(size).stream()).await;
        assert_same_walk(&m, size, items).await;
    }
    m.shutdown().await;
}

/// Offsets ended by a last-page flag, from a server that may lower the page size and says so:
/// the client streams what a raw walk gets, from the reference and from a server that serves
/// two thirds of each size asked for (`lowered-page-size`), the same items either way.
#[tokio::test]
async fn offset_client_with_a_flag_streams_a_server_that_lowers_sizes() {
    let reference = start("events-offset-flag").await;
    let lowered = {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../fixtures/specs/events-offset-flag.yaml");
        let mut config = mock::MockConfig::new(specs::Spec::load(&path).unwrap());
        config.items = 40;
        config.reading = Some(mock::ReadingMode::LoweredPageSize);
        mock::start(config).await.unwrap()
    };
    let mut streamed = Vec::new();
    for m in [&reference, &lowered] {
        let client = events::Client::with_bearer_token(&m.base_url, secret(m)).unwrap();
        for size in SIZES.map(|s| capped(m, s)) {
            let items = all(client.list_events().limit(size).stream()).await;
            streamed.push(walk::client_keys(&items, &pagination(m)));
            assert_same_walk(m, size, items).await;
        }
    }
    let (first, second) = streamed.split_at(SIZES.len());
    assert_eq!(first, second, "a lowered size loses or repeats nothing");
    reference.shutdown().await;
    lowered.shutdown().await;
}

/// HTTP Basic: `with_basic_auth` streams what a raw walk with the mock's user name and password
/// gets; its `Debug` shows neither; a wrong password is the documented 401 with a Basic
/// challenge. The operation may be called anonymously: `Client::new` streams fewer memos, every
/// one of them listed to the credential too, and none the spec marks restricted.
#[tokio::test]
async fn basic_auth_client_streams_the_mock_and_an_anonymous_one_sees_less() {
    let m = start("memos-basic-auth").await;
    let secret = secret(&m);
    let (user, password) = secret.split_once(':').expect("user:password");
    let client = memos::Client::with_basic_auth(&m.base_url, user, password).unwrap();
    let debug = format!("{client:?}");
    assert!(
        !debug.contains(user) && !debug.contains(password),
        "{debug}"
    );
    let mut every = Vec::new();
    for size in SIZES.map(|s| capped(&m, s)) {
        every = all(client.list_memos().page_size(size).stream()).await;
        assert_same_walk(&m, size, every.clone()).await;
    }
    let anonymous = memos::Client::new(&m.base_url, memos::Inner::default());
    let seen = all(anonymous.list_memos().page_size(50u64).stream()).await;
    let ids = |memos: &[memos::types::Memo]| -> Vec<i64> { memos.iter().map(|m| m.id).collect() };
    let (all_ids, seen_ids) = (ids(&every), ids(&seen));
    assert!(
        !seen_ids.is_empty() && seen_ids.len() < all_ids.len(),
        "{seen_ids:?}"
    );
    assert!(seen_ids.iter().all(|id| all_ids.contains(id)));
    assert!(seen
        .iter()
        .all(|memo| memo.visibility != memos::types::MemoVisibility::Private));
    assert!(every
        .iter()
        .any(|memo| memo.visibility == memos::types::MemoVisibility::Private));
    let wrong = memos::Client::with_basic_auth(&m.base_url, user, "not-the-password").unwrap();
    match wrong.list_memos().send().await {
        Err(memos::Error::ErrorResponse(r)) => {
            assert_eq!(r.status().as_u16(), 401);
            let challenge = r
                .headers()
                .get("www-authenticate")
                .and_then(|v| v.to_str().ok());
            assert_eq!(
                challenge,
                Some("Basic realm=\"memos-basic-auth\", charset=\"UTF-8\"")
            );
        }
        other => panic!("a wrong password: {other:?}"),
    }
    m.shutdown().await;
}

/// Errors in 200 bodies: the client streams the mock's pages (`ok: true`), and a refusal the
/// mock answers 200 with `ok: false` reaches the caller as `Error::ErrorResponse` with its
/// status and the typed error body: the stream's only item, never an empty page.
#[tokio::test]
async fn in_body_errors_reach_the_caller_as_errors() {
    let m = start("notes-in-body-errors").await;
    let client = notes::Client::with_bearer_token(&m.base_url, secret(&m)).unwrap();
    for size in SIZES.map(|s| capped(&m, s)) {
        let items = all(client.list_notes().limit(size).stream()).await;
        assert_same_walk(&m, size, items).await;
    }
    let wrong = notes::Client::with_bearer_token(&m.base_url, "xoxb-not-a-token").unwrap();
    let got: Vec<_> = wrong.list_notes().stream().collect().await;
    match got.as_slice() {
        [Err(notes::Error::ErrorResponse(r))] => {
            assert_eq!(r.status().as_u16(), 200);
            let typed = r.typed().expect("the error body, typed");
            assert!(!typed.ok);
            assert_eq!(typed.error, "invalid_auth");
        }
        other => panic!("a refused stream: {other:?}"),
    }
    // `send()` too: a cursor the server did not issue.
    match client.list_notes().cursor("bm90LWlzc3VlZA").send().await {
        Err(notes::Error::ErrorResponse(r)) => {
            assert_eq!(r.status().as_u16(), 200);
            assert_eq!(r.typed().map(|t| t.error.as_str()), Some("invalid_cursor"));
        }
        other => panic!("a forged cursor: {other:?}"),
    }
    m.shutdown().await;
}

/// A spec with three paginated operations of three styles: each gets a `stream()` that walks
/// its operation of the mock to the end; the unpaginated operation gets none.
#[tokio::test]
async fn every_paginated_operation_streams_the_mock() {
    let m = start("shelf-operations").await;
    assert_eq!(
        m.operations(),
        ["listAuthors", "listBooks", "listShelfLoans"]
    );
    let client = shelf::Client::with_api_key(&m.base_url, secret(&m)).unwrap();
    let shelf = path_value(&m, "shelf");
    for size in [1u64, 7, 25] {
        let books = all(client.list_books().limit(size as u32).stream()).await;
        let raw = walk::raw_keys_of(&m, "listBooks", size).await;
        assert_eq!(
            walk::client_keys(&books, &walk::pagination_of(&m, "listBooks")),
            raw
        );

        let authors = all(client.list_authors().limit(size as u32).stream()).await;
        let raw = walk::raw_keys_of(&m, "listAuthors", size).await;
        assert_eq!(
            walk::client_keys(&authors, &walk::pagination_of(&m, "listAuthors")),
            raw
        );

        let stream = client
            .list_shelf_loans()
            .shelf(shelf.clone())
            .per_page(size as u32)
            .stream();
        let loans = all(stream).await;
        let raw = walk::raw_keys_of(&m, "listShelfLoans", size).await;
        assert_eq!(
            walk::client_keys(&loans, &walk::pagination_of(&m, "listShelfLoans")),
            raw
        );
        assert!(!raw.is_empty());
    }
    // The unpaginated operation is generated as a plain builder, without `stream()`.
    let _: shelf::builder::GetStatus<'_> = client.get_status();
    m.shutdown().await;
}

#[test]
fn string_enums_of_the_snapshots_are_open() {
    use widgets::types::ListWidgetsColor as Color;
    let read: Vec<Color> = serde_json::from_str(r#"["red", "green"]"#).unwrap();
    assert_eq!(read, [Color::Red, Color::Unknown("green".into())]);
    assert_eq!(serde_json::to_string(&read).unwrap(), r#"["red","green"]"#);
    assert_eq!(read[1].to_string(), "green");
    assert!("green".parse::<Color>().is_err());
}
