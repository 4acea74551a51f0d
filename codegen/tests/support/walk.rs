//! A raw walk of a reference mock, with reqwest and the spec's `x-pagination` alone: the
//! items the compiled clients must stream, keyed by `item-key`, in order.

use reqwest::Url;
use serde_json::Value;
use specs::{Pagination, Style};

/// The most pages a walk fetches: far more than any fixture's mock serves.
const MAX_PAGES: usize = 1000;

/// The keys of every item of the primary credential's first-page walk, at page size `size`.
pub async fn raw_keys(m: &mock::RunningMock, size: u64) -> Vec<String> {
    let pagination = m
        .spec()
        .paginated_operation()
        .and_then(|op| op.pagination.clone())
        .expect("a paginated operation");
    let http = reqwest::Client::new();
    let mut first = Url::parse(&mock::first_page_url(m)).expect("the first page URL");
    first
        .query_pairs_mut()
        .append_pair(&pagination.size_param, &size.to_string());
    let mut url = first.clone();
    let mut keys = Vec::new();
    let mut received = 0u64;
    for page_index in 0..MAX_PAGES {
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
        let link = client_runtime::next_link(response.headers());
        let body: Value = response.json().await.expect("a JSON page");
        let items = body
            .pointer(&pagination.items)
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        received += items.len() as u64;
        keys.extend(items.iter().map(|item| key(item, &pagination)));
        let string_at = |pointer: &str| {
            body.pointer(pointer)
                .and_then(Value::as_str)
                .map(str::to_string)
        };
        let number_at = |pointer: &Option<String>| {
            pointer
                .as_deref()
                .and_then(|p| body.pointer(p))
                .and_then(Value::as_u64)
        };
        let short = (items.len() as u64) < size || items.is_empty();
        let next = match &pagination.style {
            Style::NextUrl { next, .. } => string_at(next).map(|u| Url::parse(&u).expect("a URL")),
            Style::LinkHeader { .. } => link.map(|u| Url::parse(&u).expect("a URL")),
            Style::Cursor {
                next, token_param, ..
            } => string_at(next).map(|cursor| with(&first, token_param, &cursor)),
            Style::ItemCursor {
                after_param,
                has_more,
                ..
            } => {
                let more = body
                    .pointer(has_more)
                    .and_then(Value::as_bool)
                    .unwrap_or(false);
                match (more, items.last()) {
                    (true, Some(last)) => Some(with(&first, after_param, &key(last, &pagination))),
                    _ => None,
                }
            }
            Style::Offset {
                offset_param,
                total,
            } => {
                let done = short || number_at(total).is_some_and(|t| received >= t);
                (!done).then(|| with(&first, offset_param, &received.to_string()))
            }
            Style::Page {
                page_param,
                first: first_page,
                total_pages,
                total,
            } => {
                let done = short
                    || number_at(total_pages).is_some_and(|p| page_index as u64 + 1 >= p)
                    || number_at(total).is_some_and(|t| received >= t);
                let number = first_page + page_index as u64 + 1;
                (!done).then(|| with(&first, page_param, &number.to_string()))
            }
        };
        match next {
            Some(next) => url = with_query_key(m, &first, next),
            None => return keys,
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

/// `base` with the query parameter `name` set to `value`.
fn with(base: &Url, name: &str, value: &str) -> Url {
    let mut url = base.clone();
    let pairs: Vec<(String, String)> = base
        .query_pairs()
        .filter(|(k, _)| k != name)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    url.query_pairs_mut()
        .clear()
        .extend_pairs(pairs)
        .append_pair(name, value);
    url
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
