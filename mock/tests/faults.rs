//! One test per fault: the faulty aspect differs from the reference, the rest does not.

mod util;

use std::collections::BTreeSet;
use std::time::Duration;

use futures::StreamExt;
use mock::{Fault, RunningMock, Scope};
use serde_json::Value;
use util::*;

/// Forces a test for every fault: adding a fault without a test here fails to compile.
#[test]
fn every_fault_has_a_test() {
    for f in Fault::ALL {
        let test = match f {
            Fault::PageGap => "page_gap",
            Fault::PageDuplicate => "page_duplicate",
            Fault::UnstableOrder => "unstable_order",
            Fault::EndlessNext => "endless_next",
            Fault::CursorIgnoredByCache => "cursor_ignored_by_cache",
            Fault::FilterIgnored => "filter_ignored",
            Fault::FilterOr => "filter_or",
            Fault::OwnerFilterIgnored => "owner_filter_ignored",
            Fault::CrossProjectRead => "cross_project_read",
            Fault::PerPageUnbounded => "per_page_unbounded",
            Fault::PerPageIgnored => "per_page_ignored",
            Fault::MissingKeyAccepted => "missing_key_accepted",
            Fault::BadToken500 => "bad_token_500",
            Fault::WrongErrorStatus => "wrong_error_status",
            Fault::OutOfEnum => "out_of_enum",
            Fault::MissingField => "missing_field",
            Fault::ExtraField => "extra_field",
            Fault::WrongType => "wrong_type",
            Fault::MetaMismatch => "meta_mismatch",
            Fault::ErrorNotJson => "error_not_json",
            Fault::CrossOriginNext => "cross_origin_next",
            Fault::RedirectOtherOrigin => "redirect_other_origin",
            Fault::SlowBody => "slow_body",
            Fault::HugeBody => "huge_body",
            Fault::MalformedJson => "malformed_json",
            Fault::WrongContentType => "wrong_content_type",
            Fault::RateLimitStorm => "rate_limit_storm",
            Fault::ShortPages => "short_pages",
            Fault::DefaultSizeIgnored => "default_size_ignored",
            Fault::ContinuationDropsQuery => "continuation_drops_query",
            Fault::ContinuationUnauthenticated => "continuation_unauthenticated",
            Fault::RestrictedLeak => "restricted_leak",
            Fault::AnonymousSuperset => "anonymous_superset",
            Fault::ViewerSuperset => "viewer_superset",
            Fault::MinimumRefused => "minimum_refused",
            Fault::MissingResourceServed => "missing_resource_served",
            Fault::MissingResourceWrongStatus => "missing_resource_wrong_status",
            Fault::HasMoreStuck => "has_more_stuck",
            Fault::TotalWrong => "total_wrong",
            Fault::PastEndItems => "past_end_items",
            Fault::EpochTimestamps => "epoch_timestamps",
            Fault::FilterPrefix => "filter_prefix",
            Fault::FilterCaseFolded => "filter_case_folded",
            Fault::TokenCrossesScope => "token_crosses_scope",
            Fault::SeveralFirstOnly => "several_first_only",
            Fault::SearchOneField => "search_one_field",
            Fault::SearchCaseSensitive => "search_case_sensitive",
            Fault::RangeBoundFlipped => "range_bound_flipped",
            Fault::DefaultIgnored => "default_ignored",
            Fault::LiftingValueIgnored => "lifting_value_ignored",
            Fault::SentinelLiteral => "sentinel_literal",
            Fault::SortIgnored => "sort_ignored",
            Fault::SortDirectionIgnored => "sort_direction_ignored",
            Fault::SortDefaultReversed => "sort_default_reversed",
            Fault::ShortPageEndsWalk => "short_page_ends_walk",
            Fault::LoweredSizeUnreported => "lowered_size_unreported",
            Fault::EchoAboveRequest => "echo_above_request",
            Fault::RateLimitResetMissing => "rate_limit_reset_missing",
            Fault::InBodyErrorAsPage => "in_body_error_as_page",
            Fault::InBodyWrongCode => "in_body_wrong_code",
        };
        assert_eq!(test, f.name().replace('-', "_"));
    }
}

async fn peeker(fault: Fault) -> RunningMock {
    start_fault(spec("peeker"), fault).await
}

fn data(body: &Value) -> Vec<Value> {
    body["data"].as_array().cloned().unwrap_or_default()
}

/// The scoped DevPayr project and key, the forbidden and the missing project.
fn devpayr_values(m: &RunningMock) -> (String, String, String, String) {
    let c = &m.credentials;
    let scoped = c
        .keys
        .iter()
        .find(|k| matches!(k.scope, Scope::Value(_)))
        .unwrap();
    let Scope::Value(p) = &scoped.scope else {
        unreachable!()
    };
    (
        scoped.secret.clone(),
        p.clone(),
        c.forbidden["project"].clone(),
        c.missing["project"].clone(),
    )
}

#[tokio::test]
async fn page_gap() {
    let m = peeker(Fault::PageGap).await;
    let got = walk_keys(&m, "per_page=10").await;
    assert_eq!(unique(&got), got.len(), "no duplicates, only gaps");
    assert!(got.len() < 130, "{} items", got.len());
    assert_eq!(walk_keys(&m, "per_page=100").await.len(), 129);
    let o = start_fault(fixture("orders-offset"), Fault::PageGap).await;
    let got = walk_keys(&o, "limit=10").await;
    assert!(
        got.len() < 130 && unique(&got) == got.len(),
        "{}",
        got.len()
    );
}

#[tokio::test]
async fn page_duplicate() {
    let m = peeker(Fault::PageDuplicate).await;
    let got = walk_keys(&m, "per_page=10").await;
    assert_eq!(unique(&got), 130, "complete");
    assert!(got.len() > 130, "duplicates at boundaries");
    let a = start_fault(fixture("accounts-item-cursor"), Fault::PageDuplicate).await;
    let got = walk_keys(&a, "limit=5").await;
    assert!(got.len() > unique(&got) && unique(&got) == 130);
}

#[tokio::test]
async fn unstable_order() {
    let m = peeker(Fault::UnstableOrder).await;
    let a = walk_keys(&m, "per_page=7").await;
    let b = walk_keys(&m, "per_page=25").await;
    assert_eq!(
        (unique(&a), unique(&b)),
        (130, 130),
        "each walk is complete"
    );
    assert_ne!(a, b, "but the order depends on the page size");
}

#[tokio::test]
async fn endless_next() {
    let m = peeker(Fault::EndlessNext).await;
    let page = query(&m, "per_page=100").await.json();
    let page = get_primary(&m, page["links"]["next"].as_str().unwrap())
        .await
        .json();
    assert_eq!(page["meta"]["returned"], 30);
    let again = get_primary(
        &m,
        page["links"]["next"]
            .as_str()
            .expect("next on the last page"),
    )
    .await
    .json();
    assert_eq!(again["data"], page["data"]);
    let d = start_fault(spec("devpayr"), Fault::EndlessNext).await;
    let (key, project, _, _) = devpayr_values(&d);
    let url = format!("{}/project/{project}/domains", d.base_url);
    let page = get(&url, Some(("x-api-key", &key))).await.json();
    let cursor = page["data"]["next_cursor"]
        .as_str()
        .expect("a cursor on the only page");
    let again = get(&format!("{url}?cursor={cursor}"), Some(("x-api-key", &key)))
        .await
        .json();
    assert_eq!(again["data"]["data"], page["data"]["data"]);
    assert!(Fault::EndlessNext
        .applies_to(&fixture("books-page"))
        .is_err());
}

#[tokio::test]
async fn cursor_ignored_by_cache() {
    let m = peeker(Fault::CursorIgnoredByCache).await;
    let first = query(&m, "per_page=10").await.json();
    let second = get_primary(&m, first["links"]["next"].as_str().unwrap())
        .await
        .json();
    assert_eq!(second["data"], first["data"]);
    let b = start_fault(fixture("books-page"), Fault::CursorIgnoredByCache).await;
    assert_eq!(
        query(&b, "page=2").await.json()["results"],
        query(&b, "").await.json()["results"]
    );
}

#[tokio::test]
async fn filter_ignored() {
    let m = peeker(Fault::FilterIgnored).await;
    let got = items(&m, &walk(&m, "status=active").await);
    assert!(got.iter().any(|i| i["status"] != "active"));
    let got = items(&m, &walk(&m, "category=inventory").await);
    assert!(
        got.iter().all(|i| i["category"] == "inventory"),
        "other filters still work"
    );
    assert!(Fault::FilterIgnored.applies_to(&spec("devpayr")).is_err());
}

#[tokio::test]
async fn filter_or() {
    let m = peeker(Fault::FilterOr).await;
    let got = items(&m, &walk(&m, "category=inventory&status=active").await);
    assert!(
        got.iter()
            .any(|i| i["category"] != "inventory" || i["status"] != "active"),
        "OR, not AND"
    );
    let single = items(&m, &walk(&m, "status=active").await);
    assert!(
        single.iter().all(|i| i["status"] == "active"),
        "a single filter still works"
    );
}

#[tokio::test]
async fn owner_filter_ignored() {
    let m = peeker(Fault::OwnerFilterIgnored).await;
    let email = m.credentials.owners["user_email"][0].clone();
    let got = items(&m, &walk(&m, &format!("user_email={email}")).await);
    let owners: BTreeSet<String> = got.iter().map(|i| i["user_id"].to_string()).collect();
    assert!(owners.len() > 1, "{owners:?}");
}

#[tokio::test]
async fn cross_project_read() {
    let d = start_fault(spec("devpayr"), Fault::CrossProjectRead).await;
    let (key, _, forbidden, missing) = devpayr_values(&d);
    let reply = get(
        &format!("{}/project/{forbidden}/domains", d.base_url),
        Some(("x-api-key", &key)),
    )
    .await;
    assert_eq!(reply.status, 200);
    let got = reply.json();
    let items = got["data"]["data"].as_array().unwrap();
    assert!(
        !items.is_empty()
            && items
                .iter()
                .all(|i| key_text(&i["project_id"]) == forbidden)
    );
    let reply = get(
        &format!("{}/project/{missing}/domains", d.base_url),
        Some(("x-api-key", &key)),
    )
    .await;
    assert_eq!(reply.status, 404);
}

#[tokio::test]
async fn per_page_unbounded() {
    let m = peeker(Fault::PerPageUnbounded).await;
    let page = query(&m, "per_page=120").await;
    assert_eq!(page.status, 200);
    assert_eq!(data(&page.json()).len(), 120);
}

#[tokio::test]
async fn per_page_ignored() {
    let m = peeker(Fault::PerPageIgnored).await;
    assert_eq!(data(&query(&m, "per_page=10").await.json()).len(), 25);
}

#[tokio::test]
async fn missing_key_accepted() {
    let m = peeker(Fault::MissingKeyAccepted).await;
    let url = format!("{}/domains", m.base_url);
    assert_eq!(get(&url, None).await.status, 200);
    assert_eq!(
        get(&url, Some(("authorization", "Bearer x"))).await.status,
        401,
        "a wrong key is still refused"
    );
}

#[tokio::test]
async fn bad_token_500() {
    let m = peeker(Fault::BadToken500).await;
    let reply = query(&m, "page_token=forged").await;
    assert_eq!(reply.status, 500);
    assert!(reply.is_json());
    assert_eq!(walk(&m, "per_page=50").await.len(), 3, "real tokens work");
    let a = start_fault(fixture("accounts-item-cursor"), Fault::BadToken500).await;
    assert_eq!(query(&a, "starting_after=acct_nope").await.status, 500);
}

#[tokio::test]
async fn wrong_error_status() {
    let m = peeker(Fault::WrongErrorStatus).await;
    let url = format!("{}/domains", m.base_url);
    assert_eq!(
        get(&url, Some(("authorization", "Bearer pk_test_x")))
            .await
            .status,
        400
    );
    assert_eq!(
        get(&url, None).await.status,
        401,
        "a missing key is unchanged"
    );
}

#[tokio::test]
async fn out_of_enum() {
    let m = peeker(Fault::OutOfEnum).await;
    let all = items(&m, &walk(&m, "per_page=100").await);
    let outside = all
        .iter()
        .filter(|i| i["category"] != "inventory" && i["category"] != "connected")
        .count();
    // One item in sixteen, so that whichever slice of the data a client sees has some.
    assert_eq!(outside, (0..130).filter(|i| i % 16 == 8).count());
    assert_eq!(all.len(), 130);
}

#[tokio::test]
async fn missing_field() {
    let d = start_fault(spec("devpayr"), Fault::MissingField).await;
    let c = d.credentials.clone();
    let global = c
        .keys
        .iter()
        .find(|k| matches!(k.scope, Scope::Owner(_)))
        .unwrap();
    let Scope::Owner(projects) = &global.scope else {
        unreachable!()
    };
    let mut all = Vec::new();
    for p in projects {
        let pages = walk_as(
            &d,
            &format!("{}/project/{p}/domains", d.base_url),
            "",
            Some(&global.secret),
        )
        .await;
        for page in &pages {
            let items = page.body["data"]["data"].as_array().unwrap();
            if items.iter().any(|i| i.get("updated_at").is_none()) {
                assert!(!schema_problems(d.spec(), 200, &page.body)
                    .unwrap()
                    .is_empty());
            }
            all.extend(items.clone());
        }
    }
    assert!(all.iter().any(|i| i.get("updated_at").is_none()));
    assert!(all.iter().filter(|i| i.get("updated_at").is_some()).count() > all.len() * 3 / 4);
    assert!(
        Fault::MissingField.applies_to(&spec("peeker")).is_err(),
        "Peeker's required is a reading"
    );
}

#[tokio::test]
async fn extra_field() {
    let d = start_fault(spec("devpayr"), Fault::ExtraField).await;
    let pages = walk(&d, "").await;
    let all = items(&d, &pages);
    assert!(all.iter().all(|i| i["undocumented_field"].is_string()));
    assert!(!schema_problems(d.spec(), 200, &pages[0].body)
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn wrong_type() {
    let m = peeker(Fault::WrongType).await;
    let all = items(&m, &walk(&m, "per_page=100").await);
    assert!(all.iter().any(|i| i["id"].is_number()));
    assert!(all.iter().filter(|i| i["id"].is_string()).count() > 100);
}

#[tokio::test]
async fn meta_mismatch() {
    let m = peeker(Fault::MetaMismatch).await;
    let page = query(&m, "per_page=10").await.json();
    assert_eq!(data(&page).len(), 10);
    assert_eq!(page["meta"]["returned"], 11);
}

#[tokio::test]
async fn error_not_json() {
    let m = peeker(Fault::ErrorNotJson).await;
    let reply = get(&format!("{}/domains", m.base_url), None).await;
    assert_eq!(reply.status, 401);
    assert!(reply.content_type().starts_with("text/html"));
    assert!(serde_json::from_str::<Value>(&reply.text).is_err());
    assert!(query(&m, "").await.is_json(), "pages are still JSON");
}

#[tokio::test]
async fn cross_origin_next() {
    let m = peeker(Fault::CrossOriginNext).await;
    let page = query(&m, "per_page=10").await.json();
    let next = page["links"]["next"].as_str().unwrap();
    assert!(next.starts_with(m.decoy_origin()), "{next}");
    assert_ne!(m.decoy_origin(), m.origin());
    assert!(page["links"]["first"]
        .as_str()
        .unwrap()
        .starts_with(m.origin()));
    assert_eq!(m.decoy_request_count(), 0);
    let _ = get_primary(&m, next).await;
    assert_eq!(
        (m.decoy_request_count(), m.decoy_credential_leaks()),
        (1, 1)
    );
    // A query-string key leaks with the URL.
    let t = start_fault(fixture("tickets-link-header"), Fault::CrossOriginNext).await;
    let reply = query(&t, "page_size=5").await;
    let next = link_next(&reply).unwrap();
    assert!(next.starts_with(t.decoy_origin()));
    let _ = get_primary(&t, &next).await;
    assert_eq!(t.decoy_credential_leaks(), 1);
}

#[tokio::test]
async fn redirect_other_origin() {
    let m = peeker(Fault::RedirectOtherOrigin).await;
    let reply = query(&m, "per_page=10").await;
    assert_eq!(reply.status, 302);
    let location = reply.headers["location"].to_str().unwrap();
    assert!(location.starts_with(m.decoy_origin()), "{location}");
    assert!(location.ends_with("/domains?per_page=10"));
}

#[tokio::test]
async fn slow_body() {
    let m = peeker(Fault::SlowBody).await;
    let (name, value) = mock::primary_header(&m).unwrap();
    let response = client()
        .get(endpoint(&m, &[]))
        .header(name, value)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "headers arrive");
    let mut stream = response.bytes_stream();
    let first = stream.next().await.unwrap().unwrap();
    assert!(!first.is_empty(), "part of the body arrives");
    let rest = tokio::time::timeout(Duration::from_millis(500), stream.next()).await;
    assert!(rest.is_err(), "then the body stalls");
    m.shutdown().await;
}

#[tokio::test]
async fn huge_body() {
    let m = peeker(Fault::HugeBody).await;
    let (name, value) = mock::primary_header(&m).unwrap();
    let response = client()
        .get(endpoint(&m, &[]))
        .header(name, value)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.content_length().is_none(),
        "streamed, no length announced"
    );
    let mut stream = response.bytes_stream();
    let mut total = 0usize;
    let mut head = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.unwrap();
        if head.len() < 16 {
            head.extend_from_slice(&chunk[..chunk.len().min(16)]);
        }
        total += chunk.len();
    }
    assert!(total >= 100 * 1024 * 1024 - 128 * 1024, "{total} bytes");
    assert!(head.starts_with(b"{\"data\":["));
}

#[tokio::test]
async fn malformed_json() {
    let m = peeker(Fault::MalformedJson).await;
    let reply = query(&m, "").await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.content_type(), "application/json");
    assert!(serde_json::from_str::<Value>(&reply.text).is_err());
}

#[tokio::test]
async fn wrong_content_type() {
    let m = peeker(Fault::WrongContentType).await;
    let reply = query(&m, "").await;
    assert_eq!(reply.status, 200);
    assert!(reply.content_type().starts_with("text/plain"));
    assert!(serde_json::from_str::<Value>(&reply.text).is_ok());
}

#[tokio::test]
async fn rate_limit_storm() {
    let m = peeker(Fault::RateLimitStorm).await;
    for _ in 0..3 {
        let reply = query(&m, "").await;
        assert_eq!(reply.status, 429);
        assert_eq!(reply.headers["retry-after"], "1");
        assert!(reply.is_json());
    }
}

#[tokio::test]
async fn short_pages() {
    let m = peeker(Fault::ShortPages).await;
    let pages = walk(&m, "per_page=10").await;
    for page in &pages[..pages.len() - 1] {
        assert_eq!(data(&page.body).len(), 9);
        assert_eq!(page.body["meta"]["per_page"], 10);
    }
    let keys = keys(&m, &items(&m, &pages));
    assert_eq!((keys.len(), unique(&keys)), (130, 130), "nothing is lost");
}

/// The pages of a walk of `events-offset-flag` at `limit=30`: (items, echo) of each.
async fn event_pages(m: &RunningMock) -> (Vec<(usize, u64)>, Vec<String>) {
    let pages = walk(m, "limit=30").await;
    let sizes = pages
        .iter()
        .map(|p| {
            let n = p.body["events"].as_array().map_or(0, Vec::len);
            (n, p.body["meta"]["limit"].as_u64().unwrap_or(0))
        })
        .collect();
    (sizes, keys(m, &items(m, &pages)))
}

/// Where pages before the last may be short (a window filtered after it is taken), the
/// reference walks every window; under the fault the first page the filter left short is the
/// last, and the matches after it are lost.
#[tokio::test]
async fn short_page_ends_walk() {
    let m = start_fault(spec("slack"), Fault::ShortPageEndsWalk).await;
    let r = start(spec("slack")).await;
    let (faulty, reference) = (
        walk(&m, "types=im&limit=5").await,
        walk(&r, "types=im&limit=5").await,
    );
    let short = |pages: &[Page]| {
        pages[..pages.len() - 1]
            .iter()
            .filter(|p| p.body["channels"].as_array().map_or(0, Vec::len) < 5)
            .count()
    };
    assert!(
        short(&reference) > 0,
        "the reference serves short pages before the last"
    );
    assert_eq!(short(&faulty), 0, "a short page is the last");
    let (got, all) = (
        keys(&m, &items(&m, &faulty)),
        keys(&r, &items(&r, &reference)),
    );
    assert!(got.len() < all.len(), "{} of {}", got.len(), all.len());
    assert_eq!(
        got,
        all[..got.len()],
        "what it lists is the reference's beginning"
    );
}

#[tokio::test]
async fn lowered_size_unreported() {
    let m = start_fault(fixture("events-offset-flag"), Fault::LoweredSizeUnreported).await;
    let r = start(fixture("events-offset-flag")).await;
    let (sizes, keys) = event_pages(&m).await;
    let (_, all) = event_pages(&r).await;
    for (n, echo) in &sizes[..sizes.len() - 1] {
        assert_eq!((*n, *echo), (20, 30), "lowered to 20, echoed as asked");
    }
    assert_eq!(keys, all, "nothing is lost");
}

#[tokio::test]
async fn echo_above_request() {
    let m = start_fault(fixture("events-offset-flag"), Fault::EchoAboveRequest).await;
    let r = start(fixture("events-offset-flag")).await;
    let (sizes, keys) = event_pages(&m).await;
    let (_, all) = event_pages(&r).await;
    for (n, echo) in &sizes[..sizes.len() - 1] {
        assert_eq!((*n, *echo), (30, 31), "served as asked, echoed one above");
    }
    assert_eq!(keys, all, "nothing is lost");
}

#[tokio::test]
async fn default_size_ignored() {
    let m = peeker(Fault::DefaultSizeIgnored).await;
    let page = query(&m, "").await.json();
    assert_eq!(data(&page).len(), 12);
    assert_eq!(
        page["meta"]["per_page"], 25,
        "the echo still says the default"
    );
    assert_eq!(
        data(&query(&m, "per_page=25").await.json()).len(),
        25,
        "an explicit size works"
    );
}

#[tokio::test]
async fn continuation_drops_query() {
    let m = peeker(Fault::ContinuationDropsQuery).await;
    let pages = walk(&m, "status=active&per_page=5").await;
    assert!(data(&pages[0].body).iter().all(|i| i["status"] == "active"));
    assert!(pages[1..]
        .iter()
        .flat_map(|p| data(&p.body))
        .any(|i| i["status"] != "active"));
}

#[tokio::test]
async fn continuation_unauthenticated() {
    let m = peeker(Fault::ContinuationUnauthenticated).await;
    let first = query(&m, "per_page=5").await.json();
    let next = first["links"]["next"].as_str().unwrap();
    assert_eq!(
        get(next, None).await.status,
        200,
        "the follow-up needs no key"
    );
    assert_eq!(
        get(next, Some(("authorization", "Bearer nope")))
            .await
            .status,
        200
    );
    assert_eq!(
        get(&endpoint(&m, &[]), None).await.status,
        401,
        "the first page still does"
    );
}

#[tokio::test]
async fn minimum_refused() {
    let m = peeker(Fault::MinimumRefused).await;
    let reply = query(&m, "per_page=1").await;
    assert_eq!(reply.status, 422);
    assert!(reply.json()["errors"]["per_page"][0].is_string());
    assert_eq!(query(&m, "per_page=2").await.status, 200);
}

#[tokio::test]
async fn missing_resource_served() {
    let d = start_fault(spec("devpayr"), Fault::MissingResourceServed).await;
    let (key, _, forbidden, missing) = devpayr_values(&d);
    let reply = get(
        &format!("{}/project/{missing}/domains", d.base_url),
        Some(("x-api-key", &key)),
    )
    .await;
    assert_eq!(reply.status, 200);
    assert!(reply.json()["data"]["data"].as_array().unwrap().is_empty());
    let reply = get(
        &format!("{}/project/{forbidden}/domains", d.base_url),
        Some(("x-api-key", &key)),
    )
    .await;
    assert_eq!(reply.status, 403, "access is unchanged");
}

#[tokio::test]
async fn missing_resource_wrong_status() {
    let d = start_fault(spec("devpayr"), Fault::MissingResourceWrongStatus).await;
    let (key, _, _, missing) = devpayr_values(&d);
    let reply = get(
        &format!("{}/project/{missing}/domains", d.base_url),
        Some(("x-api-key", &key)),
    )
    .await;
    assert_eq!(reply.status, 400);
    assert!(reply.is_json());
}

#[tokio::test]
async fn has_more_stuck() {
    let a = start_fault(fixture("accounts-item-cursor"), Fault::HasMoreStuck).await;
    let pages = walk(&a, "limit=50").await;
    let n = pages.len();
    assert!(n >= 2);
    assert_eq!(
        pages[n - 2].body["has_more"],
        true,
        "the last page with items says more"
    );
    assert!(pages[n - 1].body["data"].as_array().unwrap().is_empty());
    assert_eq!(pages[n - 1].body["has_more"], false);
    assert_eq!(unique(&keys(&a, &items(&a, &pages))), 130);
    // An is-last flag says "not the last" on the last page with items: a short page that the
    // flag says is not the end, then an empty one that is.
    let e = start_fault(fixture("events-offset-flag"), Fault::HasMoreStuck).await;
    let pages = walk(&e, "limit=50").await;
    let n = pages.len();
    assert_eq!(pages[n - 2].body["meta"]["is_last"], false);
    assert!(pages[n - 2].body["events"].as_array().unwrap().len() < 50);
    assert!(pages[n - 1].body["events"].as_array().unwrap().is_empty());
    assert_eq!(pages[n - 1].body["meta"]["is_last"], true);
}

#[tokio::test]
async fn total_wrong() {
    let o = start_fault(fixture("orders-offset"), Fault::TotalWrong).await;
    assert_eq!(query(&o, "").await.json()["total"], 131);
    let b = start_fault(fixture("books-page"), Fault::TotalWrong).await;
    let page = query(&b, "per_page=25").await.json();
    assert_eq!(
        (
            page["meta"]["total"].clone(),
            page["meta"]["total_pages"].clone()
        ),
        (131.into(), 7.into())
    );
}

#[tokio::test]
async fn past_end_items() {
    let o = start_fault(fixture("orders-offset"), Fault::PastEndItems).await;
    let last = query(&o, "limit=50&offset=100").await.json();
    let past = query(&o, "limit=50&offset=1000").await.json();
    assert_eq!(past["orders"], last["orders"]);
    assert!(!past["orders"].as_array().unwrap().is_empty());
    let b = start_fault(fixture("books-page"), Fault::PastEndItems).await;
    let last = query(&b, "per_page=25&page=6").await.json();
    assert_eq!(
        query(&b, "per_page=25&page=99").await.json()["results"],
        last["results"]
    );
}

#[tokio::test]
async fn epoch_timestamps() {
    let m = start_fault(spec("devpayr"), Fault::EpochTimestamps).await;
    let r = start(spec("devpayr")).await;
    let item = |body: Value| body.pointer("/data/data/0").cloned().unwrap();
    let (faulty, faithful) = (
        item(query(&m, "").await.json()),
        item(query(&r, "").await.json()),
    );
    let epoch = faulty["updated_at"].as_str().unwrap();
    assert!(epoch.parse::<i64>().is_ok(), "{epoch}");
    let rfc3339 = faithful["updated_at"].as_str().unwrap();
    let parsed = chrono::DateTime::parse_from_rfc3339(rfc3339).unwrap();
    assert_eq!(epoch, parsed.timestamp().to_string());
    assert_eq!(faulty["id"], faithful["id"]);
}

#[tokio::test]
async fn filter_prefix() {
    let m = start_fault(spec("stripe"), Fault::FilterPrefix).await;
    let r = start(spec("stripe")).await;
    let all = items(&r, &walk(&r, "limit=100").await);
    let email = all[0]["email"].as_str().unwrap().to_string();
    let prefix = &email[..email.len() - 1];
    let exact = items(&r, &walk(&r, &format!("limit=100&email={prefix}")).await);
    assert!(exact.is_empty(), "the reference matches exactly");
    let loose = items(&m, &walk(&m, &format!("limit=100&email={prefix}")).await);
    assert!(!loose.is_empty());
    assert!(loose.iter().all(|c| c["email"] == email.as_str()));
}

#[tokio::test]
async fn filter_case_folded() {
    let m = start_fault(spec("stripe"), Fault::FilterCaseFolded).await;
    let r = start(spec("stripe")).await;
    let all = items(&r, &walk(&r, "limit=100").await);
    let email = all[0]["email"].as_str().unwrap().to_string();
    let upper = email.to_uppercase();
    assert!(items(&r, &walk(&r, &format!("limit=100&email={upper}")).await).is_empty());
    let folded = items(&m, &walk(&m, &format!("limit=100&email={upper}")).await);
    assert!(!folded.is_empty());
    assert!(folded.iter().all(|c| c["email"] == email.as_str()));
}

#[tokio::test]
async fn token_crosses_scope() {
    // DevPayr: a cursor of one project, sent for another the key may read, pages the first.
    let m = start_fault(spec("devpayr"), Fault::TokenCrossesScope).await;
    let r = start(spec("devpayr")).await;
    for (mock, crossed) in [(&m, true), (&r, false)] {
        let c = &mock.credentials;
        let first = c.path_values["project"].clone();
        let other = c.readable["project"][0].clone();
        let body = query(mock, "per_page=1").await.json();
        let cursor = body["data"]["next_cursor"].as_str().unwrap().to_string();
        let url = endpoint(mock, &[("project", &other)]);
        let replayed = get_primary(mock, &format!("{url}?per_page=1&cursor={cursor}")).await;
        if crossed {
            assert_eq!(replayed.status, 200, "{}", replayed.text);
            let project = &replayed.json()["data"]["data"][0]["project_id"];
            assert_eq!(project.to_string(), first);
        } else {
            assert_eq!(replayed.status, 422, "{}", replayed.text);
        }
    }
    // Peeker: a link of one status, sent with another, pages the first.
    let m = start_fault(spec("peeker"), Fault::TokenCrossesScope).await;
    let body = query(&m, "per_page=1&status=active").await.json();
    let next = body["links"]["next"]
        .as_str()
        .unwrap()
        .replace("status=active", "status=failed");
    let replayed = get_primary(&m, &next).await.json();
    assert_eq!(replayed["data"][0]["status"], "active");
}

/// The keys and the number of restricted items of a walk of the memos fixture with `secret`
/// (`None`: anonymous).
async fn memos_walk(m: &RunningMock, secret: Option<&str>) -> (BTreeSet<String>, usize) {
    let pages = walk_as(m, &endpoint(m, &[]), "page_size=50", secret).await;
    let items = items(m, &pages);
    let restricted = items
        .iter()
        .filter(|i| i["visibility"] == "private")
        .count();
    (keys(m, &items).into_iter().collect(), restricted)
}

/// The main credential's, the viewer's and an anonymous caller's walks of the memos fixture
/// under `fault`: (keys, restricted items) each.
async fn memos_views(fault: Option<Fault>) -> [(BTreeSet<String>, usize); 3] {
    let spec = fixture("memos-basic-auth");
    let m = match fault {
        Some(f) => start_fault(spec, f).await,
        None => start(spec).await,
    };
    let viewer = m.credentials.viewer.clone().expect("a viewer").secret;
    let views = [
        memos_walk(&m, primary(&m).as_deref()).await,
        memos_walk(&m, Some(&viewer)).await,
        memos_walk(&m, None).await,
    ];
    m.shutdown().await;
    views
}

#[tokio::test]
async fn restricted_leak() {
    let [main, viewer, anonymous] = memos_views(Some(Fault::RestrictedLeak)).await;
    let [faithful, _, _] = memos_views(None).await;
    assert_eq!(main, faithful, "the main credential's list is untouched");
    assert!(main.1 > 0);
    assert_eq!(viewer.1, main.1, "the viewer sees every restricted item");
    assert_eq!(anonymous.1, main.1, "and so does an anonymous caller");
}

#[tokio::test]
async fn anonymous_superset() {
    let [main, viewer, anonymous] = memos_views(Some(Fault::AnonymousSuperset)).await;
    let [faithful, faithful_viewer, _] = memos_views(None).await;
    assert!(
        !anonymous.0.is_subset(&main.0),
        "an anonymous caller sees more"
    );
    assert!(anonymous.0.is_subset(&faithful.0));
    assert!(viewer.0.is_subset(&main.0), "the viewer does not");
    assert!(viewer.0.len() < faithful_viewer.0.len());
    assert_eq!(
        (viewer.1, anonymous.1),
        (0, 0),
        "nobody narrower sees restricted items"
    );
}

#[tokio::test]
async fn viewer_superset() {
    let [main, viewer, anonymous] = memos_views(Some(Fault::ViewerSuperset)).await;
    assert!(!viewer.0.is_subset(&main.0), "the viewer sees more");
    assert!(
        anonymous.0.is_subset(&main.0),
        "an anonymous caller does not"
    );
    assert_eq!(
        (viewer.1, anonymous.1),
        (0, 0),
        "nobody narrower sees restricted items"
    );
}

/// The notes fixture, whose refusals are answered in 200 bodies.
fn notes() -> specs::Spec {
    fixture("notes-in-body-errors")
}

/// A refusal the spec answers in a 200 body is a page instead: no items, `ok` true, the last.
#[tokio::test]
async fn in_body_error_as_page() {
    let m = start_fault(notes(), Fault::InBodyErrorAsPage).await;
    for reply in [
        get(&endpoint(&m, &[]), None).await,
        get(
            &endpoint(&m, &[]),
            Some(("authorization", "Bearer xoxb-nope")),
        )
        .await,
        query(&m, "limit=0").await,
    ] {
        assert_eq!(reply.status, 200);
        let body = reply.json();
        assert_eq!(body["ok"], true, "{body}");
        assert_eq!(body["notes"], serde_json::json!([]), "{body}");
        assert_eq!(body["response_metadata"]["next_cursor"], "", "{body}");
    }
    assert_eq!(
        walk_keys(&m, "limit=50").await.len(),
        130,
        "pages are unchanged"
    );
}

/// A refusal answered in a 200 body names the first code of the next kind that has codes.
#[tokio::test]
async fn in_body_wrong_code() {
    let m = start_fault(notes(), Fault::InBodyWrongCode).await;
    let missing = get(&endpoint(&m, &[]), None).await.json();
    assert_eq!(
        (&missing["ok"], &missing["error"]),
        (&Value::Bool(false), &Value::from("invalid_auth"))
    );
    let invalid = query(&m, "limit=0").await.json();
    assert_eq!(invalid["error"], "invalid_cursor", "{invalid}");
    assert_eq!(
        walk_keys(&m, "limit=50").await.len(),
        130,
        "pages are unchanged"
    );
}

/// Every fifth request is rate limited as `x-errors.rate-limit` says, without its reset.
#[tokio::test]
async fn rate_limit_reset_missing() {
    let m = start_fault(spec("github"), Fault::RateLimitResetMissing).await;
    let mut limited = Vec::new();
    for _ in 0..10 {
        let reply = query(&m, "per_page=1").await;
        if reply.status != 200 {
            limited.push(reply);
        }
    }
    assert_eq!(limited.len(), 2, "requests 5 and 10");
    for reply in limited {
        assert_eq!(reply.status, 403);
        assert_eq!(reply.header("x-ratelimit-remaining"), Some("0"));
        assert_eq!(reply.header("x-ratelimit-reset"), None);
        assert!(reply.is_json());
    }
}
