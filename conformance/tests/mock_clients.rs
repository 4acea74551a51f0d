//! The generated clients against the reference mocks: whole walks, filters, errors, and the
//! faults a client must refuse (loops, other origins).

mod mock_util;

use std::collections::BTreeSet;

use conformance::mock::{Fault, Vendor};
use futures::StreamExt;
use mock_util::*;

#[tokio::test]
async fn peeker_client_walks_every_page_size() {
    let m = start(Vendor::Peeker).await;
    let token = m.credentials.peeker_token.clone().unwrap();
    let client = peeker_client::Client::with_bearer_token(&m.base_url, token).unwrap();
    let reference: Vec<String> = items(&peeker_walk(&m, "per_page=100").await, "/data")
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_string())
        .collect();
    for per_page in [1u64, 7, 25, 100] {
        let domains: Vec<_> = client
            .list_domains()
            .per_page(per_page)
            .stream()
            .collect()
            .await;
        let ids: Vec<String> = domains.into_iter().map(|d| d.unwrap().id).collect();
        assert_eq!(ids, reference, "per_page {per_page}");
    }
    let active: Vec<_> = client
        .list_domains()
        .status(peeker_client::types::DomainStatus::Active)
        .category(peeker_client::types::Category::Connected)
        .per_page(3u64)
        .stream()
        .collect()
        .await;
    assert!(!active.is_empty());
    for d in active {
        let d = d.unwrap();
        assert_eq!(d.status, peeker_client::types::DomainStatus::Active);
        assert_eq!(d.category, peeker_client::types::Category::Connected);
    }
    let email = m.credentials.peeker_user_emails[1].clone();
    let owned: Vec<_> = client
        .list_domains()
        .user_email(email)
        .stream()
        .collect()
        .await;
    let owners: BTreeSet<_> = owned.into_iter().map(|d| d.unwrap().user_id).collect();
    assert_eq!(owners.len(), 1);
    m.shutdown().await;
}

#[tokio::test]
async fn peeker_client_sees_documented_errors() {
    let m = start(Vendor::Peeker).await;
    let client = peeker_client::Client::with_bearer_token(&m.base_url, "pk_test_nope").unwrap();
    match client.list_domains().send().await {
        Err(peeker_client::Error::ErrorResponse(r)) => {
            assert_eq!(r.status().as_u16(), 401);
            assert_eq!(r.into_inner().message, "Unauthenticated.");
        }
        other => panic!("{other:?}"),
    }
    let token = m.credentials.peeker_token.clone().unwrap();
    let client = peeker_client::Client::with_bearer_token(&m.base_url, token).unwrap();
    match client.list_domains().page_token("forged").send().await {
        Err(peeker_client::Error::ErrorResponse(r)) => assert_eq!(r.status().as_u16(), 422),
        other => panic!("{other:?}"),
    }
    m.shutdown().await;
}

#[tokio::test]
async fn devpayr_client_walks_each_readable_project() {
    let m = start(Vendor::Devpayr).await;
    let c = m.credentials.clone();
    let client = devpayr_client::Client::with_api_key(&m.base_url, global(&m)).unwrap();
    for &project in &c.global_projects {
        let reference = ids(&items(
            &devpayr_walk(&m, global(&m), project, None).await,
            "/data/data",
        ));
        for per_page in [1u64, 4, 50] {
            let got: Vec<_> = client
                .list_project_domains()
                .project(project)
                .per_page(per_page)
                .stream()
                .collect()
                .await;
            let got: Vec<String> = got.into_iter().map(|d| d.unwrap().id.to_string()).collect();
            assert_eq!(got, reference, "project {project}, per_page {per_page}");
        }
    }
    let scoped_client = devpayr_client::Client::with_api_key(&m.base_url, scoped(&m)).unwrap();
    for (project, status) in [
        (c.global_projects[1], 403),
        (c.forbidden_project.unwrap(), 403),
        (c.missing_project.unwrap(), 404),
    ] {
        match scoped_client
            .list_project_domains()
            .project(project)
            .send()
            .await
        {
            Err(devpayr_client::Error::ErrorResponse(r)) => {
                assert_eq!(r.status().as_u16(), status, "project {project}");
                assert!(!r.into_inner().status);
            }
            other => panic!("{other:?}"),
        }
    }
    m.shutdown().await;
}

#[tokio::test]
async fn clients_stop_on_loops_and_other_origins() {
    let m = start_with(Vendor::Peeker, Fault::EndlessNext).await;
    let token = m.credentials.peeker_token.clone().unwrap();
    let client = peeker_client::Client::with_bearer_token(&m.base_url, token.clone()).unwrap();
    let got: Vec<_> = client
        .list_domains()
        .per_page(50u64)
        .stream()
        .collect()
        .await;
    assert!(got.len() < 200, "the stream ends");
    assert!(
        got.last().unwrap().is_err(),
        "with an error naming the loop"
    );

    let m = start_with(Vendor::Peeker, Fault::CrossOriginNext).await;
    let client = peeker_client::Client::with_bearer_token(&m.base_url, token).unwrap();
    let got: Vec<_> = client
        .list_domains()
        .per_page(50u64)
        .stream()
        .collect()
        .await;
    assert!(got.last().unwrap().is_err());
    assert_eq!(
        m.decoy_request_count(),
        0,
        "nothing was sent to the other origin"
    );

    let d = start_with(Vendor::Devpayr, Fault::RedirectOtherOrigin).await;
    let client = devpayr_client::Client::with_api_key(&d.base_url, scoped(&d)).unwrap();
    let result = client
        .list_project_domains()
        .project(d.credentials.scoped_project.unwrap())
        .send()
        .await;
    assert!(result.is_err());
    assert_eq!(
        d.decoy_credential_leaks(),
        0,
        "the key did not follow the redirect"
    );

    let d = start_with(Vendor::Devpayr, Fault::CursorIgnoredByCache).await;
    let client = devpayr_client::Client::with_api_key(&d.base_url, scoped(&d)).unwrap();
    let got: Vec<_> = client
        .list_project_domains()
        .project(d.credentials.scoped_project.unwrap())
        .per_page(2u64)
        .stream()
        .collect()
        .await;
    assert!(got.len() < 200 && got.last().unwrap().is_err());
}
