//! One test per fault: the faulty aspect differs from the reference, the rest does not.

mod mock_util;

use std::collections::BTreeSet;
use std::time::Duration;

use conformance::mock::{Fault, RunningMock, Vendor};
use futures::StreamExt;
use mock_util::*;
use serde_json::Value;

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
        };
        assert_eq!(test, f.name().replace('-', "_"));
    }
}

async fn peeker_ids(m: &RunningMock, query: &str) -> Vec<String> {
    ids(&items(&peeker_walk(m, query).await, "/data"))
}

async fn devpayr_ids(m: &RunningMock, per_page: u64) -> Vec<String> {
    let p = m.credentials.scoped_project.unwrap();
    ids(&items(
        &devpayr_walk(m, scoped(m), p, Some(per_page)).await,
        "/data/data",
    ))
}

fn unique(ids: &[String]) -> usize {
    ids.iter().collect::<BTreeSet<_>>().len()
}

#[tokio::test]
async fn page_gap() {
    let m = start_with(Vendor::Peeker, Fault::PageGap).await;
    let got = peeker_ids(&m, "per_page=10").await;
    assert_eq!(unique(&got), got.len(), "no duplicates, only gaps");
    assert!(got.len() < 130, "{} items", got.len());
    assert_eq!(peeker_ids(&m, "per_page=100").await.len(), 129);
    let d = start_with(Vendor::Devpayr, Fault::PageGap).await;
    let reference = start(Vendor::Devpayr).await;
    assert!(devpayr_ids(&d, 3).await.len() < devpayr_ids(&reference, 3).await.len());
}

#[tokio::test]
async fn page_duplicate() {
    let m = start_with(Vendor::Peeker, Fault::PageDuplicate).await;
    let got = peeker_ids(&m, "per_page=10").await;
    assert_eq!(unique(&got), 130, "complete");
    assert!(got.len() > 130, "duplicates at boundaries");
    let d = start_with(Vendor::Devpayr, Fault::PageDuplicate).await;
    let got = devpayr_ids(&d, 3).await;
    assert!(got.len() > unique(&got));
}

#[tokio::test]
async fn unstable_order() {
    let m = start_with(Vendor::Peeker, Fault::UnstableOrder).await;
    let a = peeker_ids(&m, "per_page=7").await;
    let b = peeker_ids(&m, "per_page=25").await;
    assert_eq!(
        (unique(&a), unique(&b)),
        (130, 130),
        "each walk is complete"
    );
    assert_ne!(a, b, "but the order depends on the page size");
    let d = start_with(Vendor::Devpayr, Fault::UnstableOrder).await;
    assert_ne!(devpayr_ids(&d, 3).await, devpayr_ids(&d, 50).await);
}

#[tokio::test]
async fn endless_next() {
    let m = start_with(Vendor::Peeker, Fault::EndlessNext).await;
    let mut page = peeker_query(&m, "per_page=100").await.json();
    page = peeker_get(&m, page["links"]["next"].as_str().unwrap())
        .await
        .json();
    assert_eq!(page["meta"]["returned"], 30);
    let again = peeker_get(
        &m,
        page["links"]["next"]
            .as_str()
            .expect("next on the last page"),
    )
    .await
    .json();
    assert_eq!(again["data"], page["data"]);
    let d = start_with(Vendor::Devpayr, Fault::EndlessNext).await;
    let url = project_url(&d, d.credentials.scoped_project.unwrap());
    let page = devpayr_get(&url, scoped(&d)).await.json();
    let cursor = page["data"]["next_cursor"]
        .as_str()
        .expect("a cursor on the only page");
    let again = devpayr_get(&format!("{url}?cursor={cursor}"), scoped(&d))
        .await
        .json();
    assert_eq!(again["data"]["data"], page["data"]["data"]);
}

#[tokio::test]
async fn cursor_ignored_by_cache() {
    let m = start_with(Vendor::Peeker, Fault::CursorIgnoredByCache).await;
    let first = peeker_query(&m, "per_page=10").await.json();
    let second = peeker_get(&m, first["links"]["next"].as_str().unwrap())
        .await
        .json();
    assert_eq!(second["data"], first["data"]);
    let d = start_with(Vendor::Devpayr, Fault::CursorIgnoredByCache).await;
    let url = format!(
        "{}?per_page=2",
        project_url(&d, d.credentials.scoped_project.unwrap())
    );
    let first = devpayr_get(&url, scoped(&d)).await.json();
    let cursor = first["data"]["next_cursor"].as_str().unwrap();
    let second = devpayr_get(&format!("{url}&cursor={cursor}"), scoped(&d))
        .await
        .json();
    assert_eq!(second["data"], first["data"]);
}

#[tokio::test]
async fn filter_ignored() {
    let m = start_with(Vendor::Peeker, Fault::FilterIgnored).await;
    let got = items(&peeker_walk(&m, "status=active").await, "/data");
    assert!(got.iter().any(|i| i["status"] != "active"));
    let got = items(&peeker_walk(&m, "category=inventory").await, "/data");
    assert!(
        got.iter().all(|i| i["category"] == "inventory"),
        "other filters still work"
    );
    assert!(!Fault::FilterIgnored.applies_to(Vendor::Devpayr));
}

#[tokio::test]
async fn filter_or() {
    let m = start_with(Vendor::Peeker, Fault::FilterOr).await;
    let got = items(
        &peeker_walk(&m, "category=inventory&status=active").await,
        "/data",
    );
    assert!(!got.is_empty(), "AND would be empty");
    let single = items(&peeker_walk(&m, "status=active").await, "/data");
    assert!(
        single.iter().all(|i| i["status"] == "active"),
        "a single filter still works"
    );
}

#[tokio::test]
async fn owner_filter_ignored() {
    let m = start_with(Vendor::Peeker, Fault::OwnerFilterIgnored).await;
    let email = m.credentials.peeker_user_emails[0].clone();
    let got = items(
        &peeker_walk(&m, &format!("user_email={email}")).await,
        "/data",
    );
    let owners: BTreeSet<String> = got.iter().map(|i| i["user_id"].to_string()).collect();
    assert!(owners.len() > 1, "{owners:?}");
}

#[tokio::test]
async fn cross_project_read() {
    let d = start_with(Vendor::Devpayr, Fault::CrossProjectRead).await;
    let c = d.credentials.clone();
    let forbidden = c.forbidden_project.unwrap();
    let reply = devpayr_get(&project_url(&d, forbidden), scoped(&d)).await;
    assert_eq!(reply.status, 200);
    let got = reply.json();
    assert!(got["data"]["data"]
        .as_array()
        .unwrap()
        .iter()
        .all(|i| i["project_id"] == forbidden));
    assert_eq!(
        devpayr_get(&project_url(&d, forbidden), global(&d))
            .await
            .status,
        200
    );
    assert_eq!(
        devpayr_get(&project_url(&d, c.missing_project.unwrap()), global(&d))
            .await
            .status,
        404
    );
}

#[tokio::test]
async fn per_page_unbounded() {
    let m = start_with(Vendor::Peeker, Fault::PerPageUnbounded).await;
    let page = peeker_query(&m, "per_page=120").await;
    assert_eq!(page.status, 200);
    assert_eq!(page.json()["data"].as_array().unwrap().len(), 120);
    let d = start_with(Vendor::Devpayr, Fault::PerPageUnbounded).await;
    let url = format!(
        "{}?per_page=51",
        project_url(&d, d.credentials.scoped_project.unwrap())
    );
    assert_eq!(devpayr_get(&url, scoped(&d)).await.status, 200);
}

#[tokio::test]
async fn per_page_ignored() {
    let m = start_with(Vendor::Peeker, Fault::PerPageIgnored).await;
    let page = peeker_query(&m, "per_page=10").await.json();
    assert_eq!(page["data"].as_array().unwrap().len(), 25);
    let d = start_with(Vendor::Devpayr, Fault::PerPageIgnored).await;
    assert_eq!(
        devpayr_ids(&d, 2).await.len(),
        devpayr_ids(&d, 50).await.len()
    );
    let url = format!(
        "{}?per_page=2",
        project_url(&d, d.credentials.scoped_project.unwrap())
    );
    assert!(
        devpayr_get(&url, scoped(&d)).await.json()["data"]["data"]
            .as_array()
            .unwrap()
            .len()
            > 2
    );
}

#[tokio::test]
async fn missing_key_accepted() {
    let m = start_with(Vendor::Peeker, Fault::MissingKeyAccepted).await;
    assert_eq!(
        get(&format!("{}/domains", m.base_url), None).await.status,
        200
    );
    let wrong = get(
        &format!("{}/domains", m.base_url),
        Some(("authorization", "Bearer x")),
    )
    .await;
    assert_eq!(wrong.status, 401, "a wrong key is still refused");
    let d = start_with(Vendor::Devpayr, Fault::MissingKeyAccepted).await;
    let url = project_url(&d, d.credentials.scoped_project.unwrap());
    assert_eq!(get(&url, None).await.status, 200);
}

#[tokio::test]
async fn bad_token_500() {
    let m = start_with(Vendor::Peeker, Fault::BadToken500).await;
    let reply = peeker_query(&m, "page_token=forged").await;
    assert_eq!(reply.status, 500);
    assert!(reply.is_json());
    assert_eq!(
        peeker_walk(&m, "per_page=50").await.len(),
        3,
        "real tokens work"
    );
    let d = start_with(Vendor::Devpayr, Fault::BadToken500).await;
    let url = project_url(&d, d.credentials.scoped_project.unwrap());
    assert_eq!(
        devpayr_get(&format!("{url}?cursor=forged"), scoped(&d))
            .await
            .status,
        500
    );
}

#[tokio::test]
async fn wrong_error_status() {
    let m = start_with(Vendor::Peeker, Fault::WrongErrorStatus).await;
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
    let d = start_with(Vendor::Devpayr, Fault::WrongErrorStatus).await;
    let url = project_url(&d, d.credentials.scoped_project.unwrap());
    assert_eq!(devpayr_get(&url, "nope").await.status, 400);
}

#[tokio::test]
async fn out_of_enum() {
    let m = start_with(Vendor::Peeker, Fault::OutOfEnum).await;
    let all = items(&peeker_walk(&m, "per_page=100").await, "/data");
    assert_eq!(all.iter().filter(|i| i["status"] == "deleted").count(), 1);
    assert_eq!(all.len(), 130);
}

#[tokio::test]
async fn missing_field() {
    let m = start_with(Vendor::Peeker, Fault::MissingField).await;
    let pages = peeker_walk(&m, "per_page=100").await;
    let all = items(&pages, "/data");
    assert!(all.iter().any(|i| i.get("created_at").is_none()));
    assert!(all.iter().filter(|i| i.get("created_at").is_some()).count() > 100);
    assert!(!schema_problems(Vendor::Peeker, 200, &pages[0]).is_empty());
    let d = start_with(Vendor::Devpayr, Fault::MissingField).await;
    let p = d.credentials.global_projects.clone();
    let mut all = Vec::new();
    for p in p {
        all.extend(items(
            &devpayr_walk(&d, global(&d), p, None).await,
            "/data/data",
        ));
    }
    assert!(all.iter().any(|i| i.get("updated_at").is_none()));
}

#[tokio::test]
async fn extra_field() {
    let d = start_with(Vendor::Devpayr, Fault::ExtraField).await;
    let pages = devpayr_walk(&d, scoped(&d), d.credentials.scoped_project.unwrap(), None).await;
    let all = items(&pages, "/data/data");
    assert!(all.iter().all(|i| i["license_key"].is_string()));
    assert!(!schema_problems(Vendor::Devpayr, 200, &pages[0]).is_empty());
}

#[tokio::test]
async fn wrong_type() {
    let m = start_with(Vendor::Peeker, Fault::WrongType).await;
    let all = items(&peeker_walk(&m, "per_page=100").await, "/data");
    assert!(all.iter().any(|i| i["id"].is_number()));
    assert!(all.iter().filter(|i| i["id"].is_string()).count() > 100);
    let d = start_with(Vendor::Devpayr, Fault::WrongType).await;
    let mut all = Vec::new();
    for p in d.credentials.global_projects.clone() {
        all.extend(items(
            &devpayr_walk(&d, global(&d), p, None).await,
            "/data/data",
        ));
    }
    assert!(all.iter().any(|i| i["id"].is_string()));
}

#[tokio::test]
async fn meta_mismatch() {
    let m = start_with(Vendor::Peeker, Fault::MetaMismatch).await;
    let page = peeker_query(&m, "per_page=10").await.json();
    assert_eq!(page["data"].as_array().unwrap().len(), 10);
    assert_eq!(page["meta"]["returned"], 11);
}

#[tokio::test]
async fn error_not_json() {
    let m = start_with(Vendor::Peeker, Fault::ErrorNotJson).await;
    let reply = get(&format!("{}/domains", m.base_url), None).await;
    assert_eq!(reply.status, 401);
    assert!(reply.content_type().starts_with("text/html"));
    assert!(serde_json::from_str::<Value>(&reply.text).is_err());
    assert!(peeker_query(&m, "").await.is_json(), "pages are still JSON");
    let d = start_with(Vendor::Devpayr, Fault::ErrorNotJson).await;
    let reply = get(&project_url(&d, 1), None).await;
    assert!(reply.content_type().starts_with("text/html"));
}

#[tokio::test]
async fn cross_origin_next() {
    let m = start_with(Vendor::Peeker, Fault::CrossOriginNext).await;
    let page = peeker_query(&m, "per_page=10").await.json();
    let next = page["links"]["next"].as_str().unwrap();
    assert!(next.starts_with(m.decoy_origin()), "{next}");
    assert_ne!(m.decoy_origin(), m.origin());
    assert!(page["links"]["first"]
        .as_str()
        .unwrap()
        .starts_with(m.origin()));
    assert_eq!(m.decoy_request_count(), 0);
    // A client that follows it leaks its key to the decoy, which counts it.
    let _ = peeker_get(&m, next).await;
    assert_eq!(
        (m.decoy_request_count(), m.decoy_credential_leaks()),
        (1, 1)
    );
}

#[tokio::test]
async fn redirect_other_origin() {
    let m = start_with(Vendor::Peeker, Fault::RedirectOtherOrigin).await;
    let reply = peeker_query(&m, "per_page=10").await;
    assert_eq!(reply.status, 302);
    let location = reply.headers["location"].to_str().unwrap();
    assert!(location.starts_with(m.decoy_origin()), "{location}");
    assert!(location.ends_with("/domains?per_page=10"));
    let d = start_with(Vendor::Devpayr, Fault::RedirectOtherOrigin).await;
    let reply = devpayr_get(&project_url(&d, 5), scoped(&d)).await;
    assert_eq!(reply.status, 302);
}

#[tokio::test]
async fn slow_body() {
    for m in [
        start_with(Vendor::Peeker, Fault::SlowBody).await,
        start_with(Vendor::Devpayr, Fault::SlowBody).await,
    ] {
        let url = match m.vendor() {
            Vendor::Peeker => format!("{}/domains", m.base_url),
            Vendor::Devpayr => project_url(&m, m.credentials.scoped_project.unwrap()),
        };
        let (name, value) = match m.vendor() {
            Vendor::Peeker => ("authorization", bearer(&m)),
            Vendor::Devpayr => ("x-api-key", scoped(&m).to_string()),
        };
        let response = client().get(&url).header(name, value).send().await.unwrap();
        assert_eq!(response.status(), 200, "headers arrive");
        let mut stream = response.bytes_stream();
        let first = stream.next().await.unwrap().unwrap();
        assert!(!first.is_empty(), "part of the body arrives");
        let rest = tokio::time::timeout(Duration::from_millis(500), stream.next()).await;
        assert!(rest.is_err(), "then the body stalls");
        m.shutdown().await;
    }
}

#[tokio::test]
async fn huge_body() {
    let m = start_with(Vendor::Peeker, Fault::HugeBody).await;
    let response = client()
        .get(format!("{}/domains", m.base_url))
        .header("authorization", bearer(&m))
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
    let d = start_with(Vendor::Devpayr, Fault::HugeBody).await;
    let url = project_url(&d, d.credentials.scoped_project.unwrap());
    let response = client()
        .get(url)
        .header("x-api-key", scoped(&d))
        .send()
        .await
        .unwrap();
    let first = response.bytes_stream().next().await.unwrap().unwrap();
    assert!(first.starts_with(b"{\"status\":true"));
}

#[tokio::test]
async fn malformed_json() {
    let m = start_with(Vendor::Peeker, Fault::MalformedJson).await;
    let reply = peeker_query(&m, "").await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.content_type(), "application/json");
    assert!(serde_json::from_str::<Value>(&reply.text).is_err());
    let d = start_with(Vendor::Devpayr, Fault::MalformedJson).await;
    let reply = devpayr_get(
        &project_url(&d, d.credentials.scoped_project.unwrap()),
        scoped(&d),
    )
    .await;
    assert!(serde_json::from_str::<Value>(&reply.text).is_err());
}

#[tokio::test]
async fn wrong_content_type() {
    let m = start_with(Vendor::Peeker, Fault::WrongContentType).await;
    let reply = peeker_query(&m, "").await;
    assert_eq!(reply.status, 200);
    assert!(reply.content_type().starts_with("text/plain"));
    assert!(serde_json::from_str::<Value>(&reply.text).is_ok());
    let d = start_with(Vendor::Devpayr, Fault::WrongContentType).await;
    let reply = devpayr_get(
        &project_url(&d, d.credentials.scoped_project.unwrap()),
        scoped(&d),
    )
    .await;
    assert!(reply.content_type().starts_with("text/plain"));
}

#[tokio::test]
async fn rate_limit_storm() {
    let m = start_with(Vendor::Peeker, Fault::RateLimitStorm).await;
    for _ in 0..3 {
        let reply = peeker_query(&m, "").await;
        assert_eq!(reply.status, 429);
        assert_eq!(reply.headers["retry-after"], "1");
        assert!(reply.is_json());
    }
    let d = start_with(Vendor::Devpayr, Fault::RateLimitStorm).await;
    assert_eq!(
        devpayr_get(&project_url(&d, 1), scoped(&d)).await.status,
        429
    );
}
