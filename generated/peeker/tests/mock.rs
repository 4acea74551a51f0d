//! The Peeker client against its reference mock (`mock::start` of `specs/peeker.yaml`):
//! whole walks at several sizes, filters, documented errors, refused loops and other origins,
//! retries across the mock's rate limit, and reading modes that keep the status.

use std::collections::BTreeSet;

use futures::StreamExt as _;
use mock::{Fault, MockConfig, ReadingMode};
use peeker_client::{types, Client, Error, RetryPolicy};
use serde_json::Value;

fn config() -> MockConfig {
    MockConfig::new(
        specs::load("peeker")
            .expect("the peeker spec")
            .expect("it parses"),
    )
}

async fn start(config: MockConfig) -> mock::RunningMock {
    mock::start(config)
        .await
        .unwrap_or_else(|e| panic!("{e:#}"))
}

fn token(m: &mock::RunningMock) -> String {
    m.credentials
        .primary()
        .expect("a credential")
        .secret
        .clone()
}

fn client(m: &mock::RunningMock) -> Client {
    Client::with_bearer_token(&m.base_url, token(m)).unwrap()
}

/// The ids of a raw walk of the mock with reqwest: `links.next` followed until absent.
async fn raw_ids(m: &mock::RunningMock, per_page: u64) -> Vec<String> {
    // Each test runs in a process of its own under nextest: install the provider here too.
    client_runtime::install_crypto_provider();
    let http = reqwest::Client::new();
    let (name, value) = mock::primary_header(m).expect("a header credential");
    let mut url = format!("{}?per_page={per_page}", mock::first_page_url(m));
    let mut ids = Vec::new();
    for _ in 0..1000 {
        let body: Value = http
            .get(&url)
            .header(&name, &value)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        for item in body["data"].as_array().unwrap() {
            ids.push(item["id"].as_str().unwrap().to_string());
        }
        match body.pointer("/links/next").and_then(Value::as_str) {
            Some(next) => url = next.to_string(),
            None => return ids,
        }
    }
    panic!("the raw walk did not end");
}

async fn ids(client: &Client, per_page: u64) -> Vec<String> {
    let all: Vec<_> = client
        .list_domains()
        .per_page(per_page)
        .stream()
        .collect()
        .await;
    all.into_iter().map(|d| d.unwrap().id).collect()
}

#[tokio::test]
async fn walks_every_page_size() {
    let m = start(config()).await;
    let reference = raw_ids(&m, 100).await;
    assert!(reference.len() > 100, "several pages");
    let client = client(&m);
    for per_page in [1u64, 7, 25, 100] {
        assert_eq!(
            ids(&client, per_page).await,
            reference,
            "per_page {per_page}"
        );
    }
    m.shutdown().await;
}

#[tokio::test]
async fn filters_select_what_they_say() {
    let m = start(config()).await;
    let client = client(&m);
    let active: Vec<_> = client
        .list_domains()
        .status(types::DomainStatus::Active)
        .category(types::Category::Connected)
        .per_page(3u64)
        .stream()
        .collect()
        .await;
    assert!(!active.is_empty());
    for d in active {
        let d = d.unwrap();
        assert_eq!(d.status, types::DomainStatus::Active);
        assert_eq!(d.category, types::Category::Connected);
    }
    let email = m.credentials.owners["user_email"][1].clone();
    let owned: Vec<_> = client
        .list_domains()
        .user_email(email)
        .stream()
        .collect()
        .await;
    let owners: BTreeSet<_> = owned.into_iter().map(|d| d.unwrap().user_id).collect();
    assert_eq!(owners.len(), 1, "{owners:?}");
    m.shutdown().await;
}

#[tokio::test]
async fn documented_errors_are_typed_with_their_status() {
    let m = start(config()).await;
    let wrong = Client::with_bearer_token(&m.base_url, "pk_test_nope").unwrap();
    match wrong.list_domains().send().await {
        Err(Error::ErrorResponse(r)) => {
            assert_eq!(r.status().as_u16(), 401);
            assert!(r.typed().is_some_and(|t| !t.message.is_empty()), "{r:?}");
        }
        other => panic!("{other:?}"),
    }
    match client(&m).list_domains().page_token("forged").send().await {
        Err(Error::ErrorResponse(r)) => assert_eq!(r.status().as_u16(), 422),
        other => panic!("{other:?}"),
    }
    m.shutdown().await;
}

#[tokio::test]
async fn the_stream_refuses_loops_and_other_origins() {
    let mut c = config();
    c.fault = Some(Fault::EndlessNext);
    let m = start(c).await;
    let got: Vec<_> = client(&m)
        .list_domains()
        .per_page(50u64)
        .stream()
        .collect()
        .await;
    assert!(got.len() < 1000, "the stream ends");
    match got.last() {
        Some(Err(Error::InvalidRequest(message))) => {
            assert!(message.contains("already followed"), "{message}")
        }
        other => panic!("expected the refused loop, got {other:?}"),
    }
    m.shutdown().await;

    let mut c = config();
    c.fault = Some(Fault::CrossOriginNext);
    let m = start(c).await;
    let got: Vec<_> = client(&m)
        .list_domains()
        .per_page(50u64)
        .stream()
        .collect()
        .await;
    match got.last() {
        Some(Err(Error::InvalidRequest(message))) => {
            assert!(message.contains("origin"), "{message}")
        }
        other => panic!("expected the refused origin, got {other:?}"),
    }
    assert_eq!(
        m.decoy_request_count(),
        0,
        "nothing was sent to the other origin"
    );
    m.shutdown().await;
}

#[tokio::test]
async fn the_stream_completes_across_the_rate_limit() {
    let reference = {
        let m = start(config()).await;
        let ids = ids(&client(&m), 25).await;
        m.shutdown().await;
        ids
    };
    let mut c = config();
    c.rate_limit_every = Some(3);
    c.retry_after_secs = 0;
    let m = start(c).await;
    assert_eq!(
        ids(&client(&m), 25).await,
        reference,
        "every item once, in order"
    );
    let pages = reference.len().div_ceil(25) as u64;
    assert!(m.request_count() > pages, "some pages were retried");

    // Without retries, the stream yields the 429 with its status and ends.
    let client = client(&m).with_retry_policy(RetryPolicy::disabled());
    let got: Vec<_> = client
        .list_domains()
        .per_page(25u64)
        .stream()
        .collect()
        .await;
    let last = got.last().expect("something");
    assert_eq!(
        last.as_ref()
            .err()
            .and_then(|e| e.status())
            .map(|s| s.as_u16()),
        Some(429)
    );
    assert_eq!(got.iter().filter(|r| r.is_err()).count(), 1);
    m.shutdown().await;
}

#[tokio::test]
async fn reading_modes_keep_the_status() {
    let mut c = config();
    c.reading = Some(ReadingMode::ErrorShape);
    let m = start(c).await;
    let wrong = Client::with_bearer_token(&m.base_url, "pk_test_nope").unwrap();
    match wrong.list_domains().send().await {
        Err(Error::ErrorResponse(r)) => {
            assert_eq!(r.status().as_u16(), 401);
            assert!(r.typed().is_none(), "another shape: {r:?}");
            assert!(r.text().contains("error"), "{r:?}");
        }
        other => panic!("{other:?}"),
    }
    m.shutdown().await;

    let mut c = config();
    c.reading = Some(ReadingMode::AuthOtherStatus);
    let m = start(c).await;
    let wrong = Client::with_bearer_token(&m.base_url, "pk_test_nope").unwrap();
    match wrong.list_domains().send().await {
        Err(Error::ErrorResponse(r)) => assert_eq!(r.status().as_u16(), 403),
        other => panic!("{other:?}"),
    }
    m.shutdown().await;
}
