//! The DevPayr client against its reference mock (`mock::start` of `specs/devpayr.yaml`):
//! whole walks at several sizes, access errors, a refused redirect and refused loops, retries
//! across the mock's rate limit, and reading modes that keep the status.

use devpayr_client::{Client, Error, RetryPolicy};
use futures::StreamExt as _;
use mock::{Fault, MockConfig, ReadingMode};
use serde_json::Value;

fn config() -> MockConfig {
    MockConfig::new(
        specs::load("devpayr")
            .expect("the devpayr spec")
            .expect("it parses"),
    )
}

async fn start(config: MockConfig) -> mock::RunningMock {
    mock::start(config)
        .await
        .unwrap_or_else(|e| panic!("{e:#}"))
}

fn key(m: &mock::RunningMock) -> String {
    m.credentials
        .primary()
        .expect("a credential")
        .secret
        .clone()
}

fn client(m: &mock::RunningMock) -> Client {
    Client::with_api_key(&m.base_url, key(m)).unwrap()
}

fn project(m: &mock::RunningMock) -> u64 {
    m.credentials.path_values["project"]
        .parse()
        .expect("a project id")
}

/// The ids of a raw walk of the mock with reqwest: the request resent with each
/// `data.next_cursor` until it is null.
async fn raw_ids(m: &mock::RunningMock, per_page: u64) -> Vec<i64> {
    // Each test runs in a process of its own under nextest: install the provider here too.
    client_runtime::install_crypto_provider();
    let http = reqwest::Client::new();
    let (name, value) = mock::primary_header(m).expect("a header credential");
    let first = format!("{}?per_page={per_page}", mock::first_page_url(m));
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
        for item in body["data"]["data"].as_array().unwrap() {
            ids.push(item["id"].as_i64().unwrap());
        }
        match body.pointer("/data/next_cursor").and_then(Value::as_str) {
            Some(cursor) => url = format!("{first}&cursor={cursor}"),
            None => return ids,
        }
    }
    panic!("the raw walk did not end");
}

async fn ids(client: &Client, project: u64, per_page: u64) -> Vec<i64> {
    let all: Vec<_> = client
        .list_project_domains()
        .project(project)
        .per_page(per_page)
        .stream()
        .collect()
        .await;
    all.into_iter().map(|d| d.unwrap().id).collect()
}

#[tokio::test]
async fn walks_every_page_size() {
    let m = start(config()).await;
    let reference = raw_ids(&m, 50).await;
    assert!(!reference.is_empty());
    let client = client(&m);
    for per_page in [1u64, 4, 50] {
        assert_eq!(
            ids(&client, project(&m), per_page).await,
            reference,
            "per_page {per_page}"
        );
    }
    m.shutdown().await;
}

#[tokio::test]
async fn access_errors_are_typed_with_their_status() {
    let m = start(config()).await;
    let client = client(&m);
    let cases = [
        (m.credentials.forbidden["project"].clone(), 403),
        (m.credentials.missing["project"].clone(), 404),
    ];
    for (project, status) in cases {
        let project: u64 = project.parse().unwrap();
        match client.list_project_domains().project(project).send().await {
            Err(Error::ErrorResponse(r)) => {
                assert_eq!(r.status().as_u16(), status, "project {project}");
                assert!(r.typed().is_some_and(|t| !t.status), "{r:?}");
            }
            other => panic!("{other:?}"),
        }
    }
    let wrong = Client::with_api_key(&m.base_url, "nope").unwrap();
    match wrong
        .list_project_domains()
        .project(project(&m))
        .send()
        .await
    {
        Err(Error::ErrorResponse(r)) => assert_eq!(r.status().as_u16(), 403),
        other => panic!("{other:?}"),
    }
    m.shutdown().await;
}

#[tokio::test]
async fn the_key_stays_home_and_loops_are_refused() {
    let mut c = config();
    c.fault = Some(Fault::RedirectOtherOrigin);
    let m = start(c).await;
    let result = client(&m)
        .list_project_domains()
        .project(project(&m))
        .send()
        .await;
    assert!(result.is_err());
    assert_eq!(
        m.decoy_credential_leaks(),
        0,
        "the key did not follow the redirect"
    );
    m.shutdown().await;

    let mut c = config();
    c.fault = Some(Fault::EndlessNext);
    let m = start(c).await;
    let got: Vec<_> = client(&m)
        .list_project_domains()
        .project(project(&m))
        .per_page(2u64)
        .stream()
        .collect()
        .await;
    assert!(got.len() < 1000, "the stream ends");
    match got.last() {
        Some(Err(Error::InvalidRequest(message))) => {
            assert!(message.contains("second time"), "{message}")
        }
        other => panic!("expected the refused cursor, got {other:?}"),
    }
    m.shutdown().await;
}

#[tokio::test]
async fn the_stream_completes_across_the_rate_limit() {
    let reference = {
        let m = start(config()).await;
        let ids = ids(&client(&m), project(&m), 4).await;
        m.shutdown().await;
        ids
    };
    let mut c = config();
    c.rate_limit_every = Some(3);
    c.retry_after_secs = 0;
    let m = start(c).await;
    assert_eq!(
        ids(&client(&m), project(&m), 4).await,
        reference,
        "every item once, in order"
    );
    assert!(
        m.request_count() > reference.len().div_ceil(4) as u64,
        "some pages were retried"
    );

    let client = client(&m).with_retry_policy(RetryPolicy::disabled());
    let got: Vec<_> = client
        .list_project_domains()
        .project(project(&m))
        .per_page(4u64)
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
    let wrong = Client::with_api_key(&m.base_url, "nope").unwrap();
    match wrong
        .list_project_domains()
        .project(project(&m))
        .send()
        .await
    {
        Err(Error::ErrorResponse(r)) => {
            assert_eq!(r.status().as_u16(), 403);
            assert!(r.typed().is_none(), "another shape: {r:?}");
        }
        other => panic!("{other:?}"),
    }
    m.shutdown().await;

    // DevPayr's auth statuses are documented, so `auth-other-status` does not apply; its other
    // reading of 429s, `Retry-After` as an HTTP date, is honoured by the retries, and the 429
    // keeps its status without them.
    let mut c = config();
    c.reading = Some(ReadingMode::RetryAfterDate);
    c.rate_limit_every = Some(2);
    c.retry_after_secs = 0;
    let m = start(c).await;
    let got = ids(&client(&m), project(&m), 50).await;
    assert!(!got.is_empty());
    let client = client(&m).with_retry_policy(RetryPolicy::disabled());
    let mut statuses = Vec::new();
    for _ in 0..2 {
        match client
            .list_project_domains()
            .project(project(&m))
            .send()
            .await
        {
            Ok(page) => statuses.push(page.status().as_u16()),
            Err(Error::ErrorResponse(r)) => {
                assert!(r.headers().contains_key("retry-after"));
                statuses.push(r.status().as_u16());
            }
            Err(other) => panic!("{other:?}"),
        }
    }
    assert!(statuses.contains(&429), "{statuses:?}");
    m.shutdown().await;
}
