//! The mock serving `specs/peeker.yaml`, driven over real HTTP: data, pagination, filters,
//! auth, errors. A port of the old per-vendor mock's tests; the vendor facts now come from the
//! spec, so only what the spec does not state was dropped (see the report of the port).

mod util;

use std::collections::BTreeSet;

use mock::MockConfig;
use serde_json::Value;
use util::*;

async fn peeker() -> mock::RunningMock {
    start(spec("peeker")).await
}

fn data_ids(pages: &[Page]) -> Vec<String> {
    pages
        .iter()
        .flat_map(|p| p.body["data"].as_array().cloned().unwrap_or_default())
        .map(|i| i["id"].to_string())
        .collect()
}

fn all_items(pages: &[Page]) -> Vec<Value> {
    pages
        .iter()
        .flat_map(|p| p.body["data"].as_array().cloned().unwrap_or_default())
        .collect()
}

#[tokio::test]
async fn walks_are_complete_ordered_and_agree_across_page_sizes() {
    let m = peeker().await;
    let mut orders = Vec::new();
    for q in ["per_page=7", "", "per_page=100", "per_page=1"] {
        let ids = data_ids(&walk(&m, q).await);
        assert_eq!(ids.len(), 130, "{q}");
        assert_eq!(unique(&ids), 130, "duplicates with {q}");
        let mut sorted = ids.clone();
        sorted.sort();
        assert_eq!(ids, sorted, "stable order by id");
        orders.push(ids);
    }
    assert!(orders.windows(2).all(|w| w[0] == w[1]));
    m.shutdown().await;
}

#[tokio::test]
async fn data_covers_every_value_and_optional_field() {
    let m = peeker().await;
    let all = all_items(&walk(&m, "per_page=100").await);
    let spec = spec("peeker");
    let op = spec.paginated_operation().unwrap();
    for filter in &op.filters {
        let Some(values) = &filter.values else {
            continue;
        };
        for v in values {
            assert!(
                all.iter()
                    .any(|i| match &i[filter.field.trim_start_matches('/')] {
                        Value::Array(a) => a.iter().any(|x| x == v),
                        x => x == v,
                    }),
                "no item with {} = {v}",
                filter.param
            );
        }
    }
    let combos: BTreeSet<String> = all.iter().map(|i| i["usable_for"].to_string()).collect();
    assert_eq!(
        combos.len(),
        4,
        "[], [google], [microsoft], both: {combos:?}"
    );
    for field in ["provider", "user_id", "order_id", "forwarding_url"] {
        assert!(
            all.iter().any(|i| i.get(field).is_some()),
            "{field} never present"
        );
        assert!(
            all.iter().any(|i| i.get(field).is_none()),
            "{field} never absent"
        );
    }
    for i in &all {
        for field in [
            "id",
            "domain",
            "category",
            "status",
            "usable_for",
            "created_at",
        ] {
            assert!(i.get(field).is_some(), "{field} missing in {i}");
        }
        assert!(i["id"].as_str().unwrap().starts_with("dom_"));
        assert!(i["created_at"].as_str().unwrap().ends_with('Z'));
        assert!(i.get("email").is_none() && i.get("user_email").is_none());
    }
    let users: BTreeSet<_> = all.iter().filter_map(|i| i["user_id"].as_str()).collect();
    assert!(users.len() >= 3, "several users: {users:?}");
    // Every pair of values of two enum filters is present (the suite's filter checks need
    // non-empty intersections).
    for category in ["inventory", "connected"] {
        for status in [
            "available",
            "in_progress",
            "active",
            "failed",
            "action_required",
        ] {
            assert!(
                all.iter()
                    .any(|i| i["category"] == category && i["status"] == status),
                "{category} × {status}"
            );
        }
    }
    m.shutdown().await;
}

#[tokio::test]
async fn links_and_meta_follow_the_docs() {
    let m = peeker().await;
    let reply = query(&m, "status=active&per_page=3&unknown=1").await;
    assert_eq!(reply.status, 200);
    assert!(reply.content_type().starts_with("application/json"));
    let page = reply.json();
    let path = format!("{}/domains", m.base_url);
    assert_eq!(page["meta"]["path"], path.as_str());
    assert_eq!(page["meta"]["per_page"], 3);
    assert_eq!(page["meta"]["returned"], 3);
    assert_eq!(
        page["links"]["first"],
        format!("{path}?status=active&per_page=3")
    );
    let next = page["links"]["next"].as_str().unwrap();
    assert!(
        next.starts_with(&format!("{path}?status=active&per_page=3&page_token=")),
        "{next}"
    );
    let pages = walk(&m, "").await;
    assert_eq!(pages[0].body["meta"]["per_page"], 25);
    assert_eq!(
        pages[0].body["links"]["first"],
        format!("{path}?per_page=25")
    );
    let last = &pages.last().unwrap().body;
    assert!(last["links"].get("next").is_none());
    assert_eq!(last["meta"]["returned"], 130 % 25);
    m.shutdown().await;
}

fn matches(item: &Value, param: &str, value: &str) -> bool {
    match &item[param] {
        Value::Array(a) => a.iter().any(|x| x == value),
        x => x == value,
    }
}

#[tokio::test]
async fn filters_match_and_combine_with_and() {
    let m = peeker().await;
    let all = all_items(&walk(&m, "per_page=100").await);
    for (param, value) in [
        ("category", "inventory"),
        ("category", "connected"),
        ("status", "active"),
        ("status", "available"),
        ("usable_for", "google"),
        ("usable_for", "microsoft"),
    ] {
        let got = all_items(&walk(&m, &format!("{param}={value}&per_page=9")).await);
        let want: Vec<_> = all
            .iter()
            .filter(|i| matches(i, param, value))
            .cloned()
            .collect();
        assert!(!want.is_empty());
        assert_eq!(got, want, "{param}={value}");
    }
    let user = all.iter().find_map(|i| i["user_id"].as_str()).unwrap();
    let by_id = all_items(&walk(&m, &format!("user_id={user}")).await);
    assert!(!by_id.is_empty() && by_id.iter().all(|i| i["user_id"] == user));
    let email = m.credentials.owners["user_email"][0].clone();
    let by_email = all_items(&walk(&m, &format!("user_email={email}")).await);
    let owners: BTreeSet<_> = by_email.iter().map(|i| i["user_id"].to_string()).collect();
    assert!(!by_email.is_empty() && owners.len() == 1, "{owners:?}");
    let upper = all_items(&walk(&m, &format!("user_email={}", email.to_uppercase())).await);
    assert_eq!(upper, by_email);
    let nobody = all_items(&walk(&m, "user_email=nobody%40example.com").await);
    assert!(nobody.is_empty());
    let both = all_items(&walk(&m, "category=connected&usable_for=google&status=active").await);
    let want: Vec<_> = all
        .iter()
        .filter(|i| {
            i["category"] == "connected"
                && matches(i, "usable_for", "google")
                && i["status"] == "active"
        })
        .cloned()
        .collect();
    assert!(!want.is_empty());
    assert_eq!(both, want);
    m.shutdown().await;
}

#[tokio::test]
async fn auth_is_a_bearer_key() {
    let m = peeker().await;
    let url = format!("{}/domains", m.base_url);
    let token = primary(&m).unwrap();
    assert!(token.starts_with("pk_test_"));
    for header in [
        None,
        Some(("authorization", "Bearer pk_test_wrong".to_string())),
        Some(("authorization", token.clone())),
        Some(("authorization", format!("Basic {token}"))),
        Some(("authorization", "Bearer".to_string())),
    ] {
        let reply = get(&url, header.as_ref().map(|(n, v)| (*n, v.as_str()))).await;
        assert_eq!(reply.status, 401, "{header:?}");
        assert!(reply.is_json());
        assert_eq!(reply.json()["message"], "Unauthenticated.");
    }
    let ok = get(&url, Some(("authorization", &format!("bearer {token}")))).await;
    assert_eq!(ok.status, 200, "the scheme is case-insensitive");
    m.shutdown().await;
}

#[tokio::test]
async fn invalid_parameters_are_422_with_field_errors() {
    let m = peeker().await;
    for (q, field) in [
        ("per_page=0", "per_page"),
        ("per_page=101", "per_page"),
        ("per_page=-1", "per_page"),
        ("per_page=abc", "per_page"),
        ("per_page=1.5", "per_page"),
        (
            "per_page=99999999999999999999999999999999999999999999",
            "per_page",
        ),
        ("status=deleted", "status"),
        ("category=INVENTORY", "category"),
        ("usable_for=yahoo", "usable_for"),
        ("status=%ff", "status"),
        ("status=nope&per_page=0", "per_page"),
    ] {
        let reply = query(&m, q).await;
        assert_eq!(reply.status, 422, "{q}: {}", reply.text);
        assert!(reply.is_json());
        let body = reply.json();
        assert!(body["message"].is_string());
        assert!(body["errors"][field][0].is_string(), "{q}: {body}");
    }
    let reply = query(&m, "user_id=&user_email=&page_token=").await;
    assert_eq!(reply.json()["meta"]["returned"], 25);
    let empty = query(&m, "per_page=&status=").await.json();
    assert!(empty["errors"]["per_page"].is_array() && empty["errors"]["status"].is_array());
    assert_eq!(query(&m, "page=3&foo[]=x").await.status, 200);
    assert_eq!(
        query(&m, "per_page=500&per_page=5").await.json()["meta"]["per_page"],
        5
    );
    m.shutdown().await;
}

#[tokio::test]
async fn page_tokens_are_bound_to_their_query() {
    let m = peeker().await;
    let first = query(&m, "status=active&per_page=2").await.json();
    let next = first["links"]["next"].as_str().unwrap().to_string();
    let token = next.split("page_token=").nth(1).unwrap().to_string();
    assert_eq!(get_primary(&m, &next).await.status, 200);
    let mut flipped = token.clone().into_bytes();
    flipped[4] = if flipped[4] == b'A' { b'B' } else { b'A' };
    let flipped = String::from_utf8(flipped).unwrap();
    for q in [
        format!(
            "status=active&per_page=2&page_token={}",
            &token[..token.len() - 2]
        ),
        format!("status=active&per_page=2&page_token={flipped}"),
        format!("status=active&per_page=3&page_token={token}"),
        format!("status=failed&per_page=2&page_token={token}"),
        format!("per_page=2&page_token={token}"),
        format!("status=active&per_page=2&page_token={}", "A".repeat(20_000)),
        "status=active&per_page=2&page_token=%ff%fe".to_string(),
        "page_token=eyJjdXJzb3IiOiJ4eXoifQ".to_string(),
    ] {
        let reply = query(&m, &q).await;
        assert_eq!(reply.status, 422, "{q}");
        assert!(reply.is_json());
        assert!(reply.json()["errors"]["page_token"][0].is_string());
    }
    m.shutdown().await;
}

#[tokio::test]
async fn rate_limiting_answers_429_with_retry_after() {
    let m = mock::start(MockConfig {
        rate_limit_every: Some(3),
        retry_after_secs: 7,
        ..MockConfig::new(spec("peeker"))
    })
    .await
    .unwrap();
    let mut statuses = Vec::new();
    for _ in 0..6 {
        let reply = query(&m, "").await;
        if reply.status == 429 {
            assert_eq!(reply.headers["retry-after"], "7");
            assert!(reply.is_json());
            assert!(reply.json()["message"].is_string());
            assert_conforms(m.spec(), 429, &reply.json());
        }
        statuses.push(reply.status);
    }
    assert_eq!(statuses, [200, 200, 429, 200, 200, 429]);
    assert_eq!(m.request_count(), 6);
    m.shutdown().await;
}

#[tokio::test]
async fn unknown_paths_and_methods_are_json() {
    let m = peeker().await;
    for path in [
        "/",
        "/api/partner/v1",
        "/api/partner/v1/domains/",
        "/api/partner/v1/domains/x",
    ] {
        let reply = get(&format!("{}{path}", m.origin()), None).await;
        assert_eq!(reply.status, 404, "{path}");
        assert!(reply.is_json());
    }
    let reply = client()
        .post(format!("{}/domains", m.base_url))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 405);
    assert_eq!(reply.headers()["allow"], "GET, HEAD");
    assert!(reply.text().await.unwrap().starts_with('{'));
    m.shutdown().await;
}

#[tokio::test]
async fn the_seed_decides_the_data() {
    let a = peeker().await;
    let b = peeker().await;
    let c = mock::start(MockConfig {
        seed: 9,
        items: 10,
        ..MockConfig::new(spec("peeker"))
    })
    .await
    .unwrap();
    let ia = all_items(&walk(&a, "per_page=100").await);
    let ib = all_items(&walk(&b, "per_page=100").await);
    let ic = all_items(&walk(&c, "per_page=100").await);
    assert_eq!(ia, ib);
    assert_eq!(ic.len(), 10);
    assert_ne!(primary(&a), primary(&c));
    let text = mock::describe(&a);
    assert!(
        text.contains(&a.base_url) && text.contains("Authorization: Bearer pk_test_"),
        "{text}"
    );
    assert!(text.contains("user_email"), "{text}");
    for m in [a, b, c] {
        m.shutdown().await;
    }
}

#[tokio::test]
async fn every_body_conforms_to_the_spec() {
    let m = peeker().await;
    let spec = spec("peeker");
    for page in walk(&m, "per_page=50").await {
        assert_conforms(&spec, 200, &page.body);
    }
    for (q, status) in [("per_page=0", 422), ("page_token=x", 422)] {
        let reply = query(&m, q).await;
        assert_eq!(reply.status, status);
        assert_conforms(&spec, status, &reply.json());
    }
    let reply = get(&format!("{}/domains", m.base_url), None).await;
    assert_conforms(&spec, 401, &reply.json());
    m.shutdown().await;
}

#[tokio::test]
async fn drift_creates_items_at_the_head_or_the_tail_as_requests_come() {
    for at in mock::DriftAt::ALL {
        let m = mock::start(mock::MockConfig {
            drift: Some(mock::Drift { every: 3, at }),
            ..mock::MockConfig::new(spec("peeker"))
        })
        .await
        .unwrap();
        // Requests 1 and 2 walk the 130 items; request 3 creates one before it is served.
        let before = walk_keys(&m, "per_page=100").await;
        assert_eq!((m.inserted(), unique(&before)), (0, 130), "{}", at.name());
        let page = query(&m, "per_page=100").await.json();
        assert_eq!(m.inserted(), 1);
        // Requests 4 and 5: the new item, in its place.
        let after = walk_keys(&m, "per_page=100").await;
        assert_eq!((m.inserted(), unique(&after)), (1, 131));
        let new: Vec<&String> = after.iter().filter(|k| !before.contains(k)).collect();
        assert_eq!(new.len(), 1);
        let first_on_page = keys(&m, std::slice::from_ref(&page["data"][0]))[0].clone();
        match at {
            mock::DriftAt::Head => {
                assert_eq!(&after[0], new[0]);
                assert_eq!(&first_on_page, new[0]);
            }
            mock::DriftAt::Tail => {
                assert_eq!(after.last(), Some(new[0]));
                assert_eq!(first_on_page, before[0]);
            }
        }
        assert!(mock::describe(&m).contains(&format!("at the {} of the list", at.name())));
    }
}
