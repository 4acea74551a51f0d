//! A raw walk of a reference mock, with reqwest, the spec's pointers and the one walk model:
//! the items the compiled clients must stream, keyed by `item-key`, in order.

use reqwest::Url;
use serde_json::Value;
use specs::walk::{Step, Walker};
use specs::Pagination;

/// The most pages a walk fetches: far more than any fixture's mock serves.
const MAX_PAGES: usize = 1000;

/// The keys of every item of the primary credential's first-page walk of the first operation,
/// at page size `size`.
pub async fn raw_keys(m: &mock::RunningMock, size: u64) -> Vec<String> {
    raw_keys_of(m, m.operations()[0], size).await
}

/// The same for the operation `operation`.
pub async fn raw_keys_of(m: &mock::RunningMock, operation: &str, size: u64) -> Vec<String> {
    let pagination = pagination_of(m, operation);
    let http = reqwest::Client::new();
    let url = mock::operation_url(m, operation).expect("an operation the mock serves");
    let mut first = Url::parse(&url).expect("the first page URL");
    first
        .query_pairs_mut()
        .append_pair(&pagination.size_param, &size.to_string());
    let mut url = first.clone();
    let mut keys = Vec::new();
    let mut walker = Walker::new(pagination.walk.clone(), size);
    for _ in 0..MAX_PAGES {
        let mut request = http.get(url.clone());
        if let Some((name, value)) = mock::primary_header(m) {
            request = request.header(name, value);
        }
        let response = request.send().await.expect("the mock answers");
        assert!(
            response.status().is_success(),
            "{url}: {}",
            response.status()
        );
        let headers = response.headers().clone();
        let body: Value = response.json().await.expect("a JSON page");
        let header = |name: &str| {
            let values: Vec<&str> = headers
                .get_all(name)
                .iter()
                .filter_map(|v| v.to_str().ok())
                .collect();
            (!values.is_empty()).then(|| values.join(", "))
        };
        let (items, observed) = pagination.observe(&body, &header).expect("a page");
        keys.extend(items.iter().map(|item| key(item, &pagination)));
        match walker
            .step(&observed, Some(&url), &first)
            .expect("the walk goes on or ends")
        {
            Step::End(_) => return keys,
            Step::Next(next) => url = with_query_key(m, &first, next.url(&first)),
        }
    }
    panic!("the walk did not end after {MAX_PAGES} pages");
}

/// `next` with the query credential of `first` when the spec sends one and the link does not
/// carry it, as the clients add it to every request.
fn with_query_key(m: &mock::RunningMock, first: &Url, next: Url) -> Url {
    let Some(specs::SecurityKind::Query(name)) = m.spec().security().map(|s| s.kind.clone()) else {
        return next;
    };
    if next.query_pairs().any(|(k, _)| k == name.as_str()) {
        return next;
    }
    match first.query_pairs().find(|(k, _)| k == name.as_str()) {
        Some((_, value)) => {
            let mut url = next.clone();
            url.query_pairs_mut().append_pair(&name, &value);
            url
        }
        None => next,
    }
}

/// The `x-pagination` of the operation `operation`.
pub fn pagination_of(m: &mock::RunningMock, operation: &str) -> Pagination {
    m.spec()
        .operation(operation)
        .and_then(|op| op.pagination.clone())
        .expect("a paginated operation")
}

/// The `item-key` of an item, as text.
pub fn key(item: &Value, pagination: &Pagination) -> String {
    match item.pointer(&pagination.item_key) {
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
        None => panic!("an item without its key: {item}"),
    }
}

/// The keys of items the client streamed, read the same way through their JSON form.
pub fn client_keys<T: serde::Serialize>(items: &[T], pagination: &Pagination) -> Vec<String> {
    items
        .iter()
        .map(|item| {
            key(
                &serde_json::to_value(item).expect("an item serializes"),
                pagination,
            )
        })
        .collect()
}
