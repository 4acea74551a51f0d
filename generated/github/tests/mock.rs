//! The GitHub client against its reference mock (`mock::start` of `specs/github.yaml`, imported
//! from GitHub's description with our overlay): each of the three list operations streams every
//! item once, in the order of a raw walk that follows the `Link` header, at several page sizes;
//! the comma-separated `labels` (all of them) and the order parameters reach the server.

use futures::StreamExt as _;
use github_client::{types, Client};
use serde_json::Value;

async fn start() -> mock::RunningMock {
    let spec = specs::load("github")
        .expect("the github spec")
        .expect("it parses");
    mock::start(mock::MockConfig::new(spec))
        .await
        .unwrap_or_else(|e| panic!("{e:#}"))
}

fn client(m: &mock::RunningMock) -> Client {
    let token = m.credentials.primary().expect("a token").secret.clone();
    Client::with_bearer_token(&m.base_url, token).unwrap()
}

fn path_value(m: &mock::RunningMock, name: &str) -> String {
    m.credentials.path_values[name].clone()
}

/// The items of a raw walk with reqwest: the body is the array of items, and the `Link`
/// header's `rel="next"` leads on until it is absent.
async fn raw(m: &mock::RunningMock, operation: &str, query: &str) -> Vec<Value> {
    client_runtime::install_crypto_provider();
    let http = reqwest::Client::new();
    let (name, value) = mock::primary_header(m).expect("a header credential");
    let mut url = format!("{}?{query}", mock::operation_url(m, operation).unwrap());
    let mut items = Vec::new();
    for _ in 0..1000 {
        let response = http.get(&url).header(&name, &value).send().await.unwrap();
        let next = client_runtime::next_link(response.headers());
        let page: Vec<Value> = response.json().await.unwrap();
        items.extend(page);
        match next {
            Some(next) => url = next,
            None => return items,
        }
    }
    panic!("the raw walk did not end");
}

fn ids(items: &[Value]) -> Vec<i64> {
    items.iter().map(|i| i["id"].as_i64().unwrap()).collect()
}

#[tokio::test]
async fn each_operation_streams_every_item_once_in_order_at_every_size() {
    let m = start().await;
    let c = client(&m);
    let (owner, repo, org) = (
        path_value(&m, "owner"),
        path_value(&m, "repo"),
        path_value(&m, "org"),
    );
    let issues = ids(&raw(&m, "issues/list-for-repo", "state=all&per_page=100").await);
    let pulls = ids(&raw(&m, "pulls/list", "state=all&per_page=100").await);
    let repos = ids(&raw(&m, "repos/list-for-org", "per_page=100").await);
    assert!(!issues.is_empty() && !pulls.is_empty() && !repos.is_empty());
    for size in [1u64, 7, 30, 100] {
        let got: Vec<i64> = c
            .issues_list_for_repo()
            .owner(owner.as_str())
            .repo(repo.as_str())
            .state(types::IssuesListForRepoState::All)
            .per_page(std::num::NonZeroU64::new(size).unwrap())
            .stream()
            .map(|i| i.unwrap().id)
            .collect()
            .await;
        assert_eq!(got, issues, "issues at per_page={size}");
        let got: Vec<i64> = c
            .pulls_list()
            .owner(owner.as_str())
            .repo(repo.as_str())
            .state(types::PullsListState::All)
            .per_page(std::num::NonZeroU64::new(size).unwrap())
            .stream()
            .map(|p| p.unwrap().id)
            .collect()
            .await;
        assert_eq!(got, pulls, "pulls at per_page={size}");
        let got: Vec<i64> = c
            .repos_list_for_org()
            .org(org.as_str())
            .per_page(std::num::NonZeroU64::new(size).unwrap())
            .stream()
            .map(|r| r.unwrap().id)
            .collect()
            .await;
        assert_eq!(got, repos, "repositories at per_page={size}");
    }
    m.shutdown().await;
}

/// Labels travel as the comma list GitHub documents, and select the issues that carry every
/// one; an order and its direction travel too, and the stream keeps the server's order.
#[tokio::test]
async fn labels_and_orders_reach_the_server() {
    let m = start().await;
    let c = client(&m);
    let (owner, repo) = (path_value(&m, "owner"), path_value(&m, "repo"));
    let every = raw(&m, "issues/list-for-repo", "state=all&per_page=100").await;
    let names = |i: &Value| -> Vec<String> {
        i["labels"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|l| l.get("name").or(Some(l)).and_then(Value::as_str))
            .map(str::to_string)
            .collect()
    };
    let issue = every
        .iter()
        .find(|i| names(i).len() >= 2)
        .expect("an issue with two labels");
    let both = names(issue)[..2].to_vec();
    let two = both.join(",");
    let want: Vec<i64> = every
        .iter()
        .filter(|i| both.iter().all(|n| names(i).contains(n)))
        .map(|i| i["id"].as_i64().unwrap())
        .collect();
    let got: Vec<i64> = c
        .issues_list_for_repo()
        .owner(owner.as_str())
        .repo(repo.as_str())
        .state(types::IssuesListForRepoState::All)
        .labels(two.as_str())
        .stream()
        .map(|i| i.unwrap().id)
        .collect()
        .await;
    assert_eq!(got, want, "labels={two}");
    let sorted = ids(&raw(
        &m,
        "issues/list-for-repo",
        "state=all&sort=comments&direction=asc&per_page=100",
    )
    .await);
    let got: Vec<i64> = c
        .issues_list_for_repo()
        .owner(owner.as_str())
        .repo(repo.as_str())
        .state(types::IssuesListForRepoState::All)
        .sort(types::IssuesListForRepoSort::Comments)
        .direction(types::IssuesListForRepoDirection::Asc)
        .per_page(std::num::NonZeroU64::new(7).unwrap())
        .stream()
        .map(|i| i.unwrap().id)
        .collect()
        .await;
    assert_eq!(got, sorted);
    assert_ne!(sorted, ids(&every), "the order changed the list");
    m.shutdown().await;
}

/// GitHub's primary rate limit (403 with `x-ratelimit-remaining: 0` and `x-ratelimit-reset`,
/// as `x-errors.rate-limit` says): the client waits until the window resets and goes on; a
/// window that resets after the client's longest wait is the caller's answer at once.
#[tokio::test]
async fn the_primary_rate_limit_is_waited_for_until_the_window_resets() {
    let spec = || {
        specs::load("github")
            .expect("the github spec")
            .expect("it parses")
    };
    let limited = |every: u32, reset_in: u64| mock::MockConfig {
        rate_limit_every: Some(every),
        retry_after_secs: reset_in,
        ..mock::MockConfig::new(spec())
    };
    let m = mock::start(limited(3, 1)).await.unwrap();
    let org = path_value(&m, "org");
    let started = std::time::Instant::now();
    let got: Vec<i64> = client(&m)
        .repos_list_for_org()
        .org(org.as_str())
        .per_page(std::num::NonZeroU64::new(30).unwrap())
        .stream()
        .map(|r| r.unwrap().id)
        .collect()
        .await;
    let requests = m.arrivals().len();
    assert!(requests >= 3, "{requests} requests: one was rate limited");
    assert!(
        started.elapsed() >= std::time::Duration::from_millis(900),
        "waited for the reset, a second after the 403"
    );
    m.shutdown().await;
    let reference = start().await;
    assert_eq!(
        got,
        ids(&raw(&reference, "repos/list-for-org", "per_page=30").await)
    );
    reference.shutdown().await;

    let m = mock::start(limited(1, 3600)).await.unwrap();
    let started = std::time::Instant::now();
    match client(&m)
        .repos_list_for_org()
        .org(org.as_str())
        .send()
        .await
    {
        Err(github_client::Error::ErrorResponse(r)) => {
            assert_eq!(r.status().as_u16(), 403);
            assert_eq!(r.headers()["x-ratelimit-remaining"], "0");
            assert!(r.headers().contains_key("x-ratelimit-reset"));
        }
        other => panic!("a window that resets in an hour: {other:?}"),
    }
    assert_eq!(
        m.arrivals().len(),
        1,
        "sent once: the reset is past the longest wait"
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    m.shutdown().await;
}
