//! The Stripe client against its reference mock (`mock::start` of `specs/stripe.yaml`): every
//! customer of every page exactly once, in the order of a raw walk, at several sizes; the
//! `email` filter; `has_more` ending the stream; errors and 429s keeping their status.

use futures::StreamExt as _;
use mock::{Fault, MockConfig, ReadingMode};
use serde_json::Value;
use stripe_client::{Client, Error, RetryPolicy};

fn config() -> MockConfig {
    MockConfig::new(
        specs::load("stripe")
            .expect("the stripe spec")
            .expect("it parses"),
    )
}

async fn start(config: MockConfig) -> mock::RunningMock {
    mock::start(config)
        .await
        .unwrap_or_else(|e| panic!("{e:#}"))
}

fn client(m: &mock::RunningMock) -> Client {
    let key = m
        .credentials
        .primary()
        .expect("a credential")
        .secret
        .clone();
    Client::with_bearer_token(&m.base_url, key).unwrap()
}

/// The ids of a raw walk with reqwest: `starting_after` the last id while `has_more`.
async fn raw_ids(m: &mock::RunningMock, limit: u64, query: &str) -> Vec<String> {
    client_runtime::install_crypto_provider();
    let http = reqwest::Client::new();
    let (name, value) = mock::primary_header(m).expect("a header credential");
    let first = format!("{}?limit={limit}{query}", mock::first_page_url(m));
    let mut url = first.clone();
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
        if body["has_more"] != Value::Bool(true) {
            return ids;
        }
        url = format!("{first}&starting_after={}", ids.last().unwrap());
    }
    panic!("the raw walk did not end");
}

#[tokio::test]
async fn streams_every_customer_once_in_order_at_every_size() {
    let m = start(config()).await;
    let reference = raw_ids(&m, 100, "").await;
    assert_eq!(reference.len(), 130);
    let c = client(&m);
    for limit in [1u64, 7, 10, 100] {
        let got: Vec<String> = c
            .list_customers()
            .limit(limit)
            .stream()
            .map(|customer| customer.unwrap().id)
            .collect()
            .await;
        assert_eq!(got, reference, "limit {limit}");
    }
    m.shutdown().await;
}

#[tokio::test]
async fn the_email_filter_streams_its_customers_across_pages() {
    let m = start(config()).await;
    let c = client(&m);
    let first: Vec<_> = c
        .list_customers()
        .limit(100u64)
        .send()
        .await
        .unwrap()
        .into_inner()
        .data;
    let email = first
        .iter()
        .find_map(|customer| customer.email.clone())
        .expect("an email");
    let query = format!("&email={}", email.replace('@', "%40"));
    let reference = raw_ids(&m, 100, &query).await;
    assert!(reference.len() >= 3, "{reference:?}");
    let got: Vec<_> = c
        .list_customers()
        .email(email.clone())
        .limit(2u64)
        .stream()
        .collect()
        .await;
    let got: Vec<_> = got.into_iter().map(|r| r.unwrap()).collect();
    assert!(got
        .iter()
        .all(|customer| customer.email.as_deref() == Some(email.as_str())));
    assert_eq!(
        got.into_iter()
            .map(|customer| customer.id)
            .collect::<Vec<_>>(),
        reference
    );
    m.shutdown().await;
}

#[tokio::test]
async fn a_stream_rides_out_429s_and_a_disabled_policy_surfaces_them() {
    let m = start(MockConfig {
        rate_limit_every: Some(3),
        retry_after_secs: 0,
        ..config()
    })
    .await;
    let c = client(&m);
    let got: Vec<_> = c.list_customers().limit(10u64).stream().collect().await;
    let ids: Vec<String> = got.into_iter().map(|r| r.unwrap().id).collect();
    assert_eq!(ids.len(), 130);
    let unique: std::collections::BTreeSet<_> = ids.iter().collect();
    assert_eq!(unique.len(), 130, "every customer exactly once");

    let strict = c.with_retry_policy(RetryPolicy::disabled());
    let mut statuses = Vec::new();
    for _ in 0..3 {
        match strict.list_customers().send().await {
            Ok(_) => statuses.push(200),
            Err(Error::ErrorResponse(r)) => statuses.push(r.status().as_u16()),
            Err(e) => panic!("{e}"),
        }
    }
    assert!(statuses.contains(&429), "{statuses:?}");
    m.shutdown().await;
}

#[tokio::test]
async fn errors_keep_their_status_in_any_body_shape() {
    for reading in [None, Some(ReadingMode::ErrorShape)] {
        let m = start(MockConfig {
            reading,
            ..config()
        })
        .await;
        let wrong = Client::with_bearer_token(&m.base_url, "sk_test_not-a-key").unwrap();
        match wrong.list_customers().send().await {
            Err(Error::ErrorResponse(r)) => {
                assert_eq!(r.status().as_u16(), 401);
                let body = r.into_inner();
                assert_eq!(body.typed().is_some(), reading.is_none(), "{}", body.text());
                assert!(!body.raw().is_empty());
            }
            other => panic!("{other:?}"),
        }
        m.shutdown().await;
    }
    // A server whose error is not JSON at all: the status still reaches the caller.
    let m = start(MockConfig {
        fault: Some(Fault::ErrorNotJson),
        ..config()
    })
    .await;
    let wrong = Client::with_bearer_token(&m.base_url, "sk_test_not-a-key").unwrap();
    match wrong.list_customers().send().await {
        Err(Error::ErrorResponse(r)) => {
            assert_eq!(r.status().as_u16(), 401);
            assert!(r.into_inner().text().contains("<html"));
        }
        other => panic!("{other:?}"),
    }
    m.shutdown().await;
}
