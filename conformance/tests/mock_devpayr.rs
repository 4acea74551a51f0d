//! The DevPayr reference mock, driven over real HTTP: envelope, cursors, keys and access rules.

mod mock_util;

use std::collections::BTreeSet;

use conformance::mock::{self, MockConfig, Vendor};
use mock_util::*;

const FIELDS: [&str; 8] = [
    "id",
    "project_id",
    "domain",
    "has_paid",
    "is_active",
    "is_primary",
    "created_at",
    "updated_at",
];

#[tokio::test]
async fn walks_are_complete_and_carry_exactly_the_documented_fields() {
    let m = start(Vendor::Devpayr).await;
    let c = m.credentials.clone();
    let project = c.scoped_project.unwrap();
    assert_eq!(c.global_projects[0], project);
    let mut total = 0;
    for &p in &c.global_projects {
        let mut orders = Vec::new();
        for per_page in [None, Some(7), Some(1), Some(50)] {
            let pages = devpayr_walk(&m, global(&m), p, per_page).await;
            for page in &pages {
                assert_eq!(page["status"], true);
                assert_eq!(page["message"], "Success");
                assert!(page["errors"].is_null());
                assert!(
                    page["data"]["next_cursor"].is_string()
                        || page["data"]["next_cursor"].is_null()
                );
                assert!(schema_problems(Vendor::Devpayr, 200, page).is_empty());
                let n = page["data"]["data"].as_array().unwrap().len() as u64;
                assert!(n <= per_page.unwrap_or(50));
            }
            assert!(pages.last().unwrap()["data"]["next_cursor"].is_null());
            let all = items(&pages, "/data/data");
            let ids = ids(&all);
            let unique: BTreeSet<_> = ids.iter().collect();
            assert_eq!(unique.len(), ids.len());
            assert!(all.iter().all(|i| i["project_id"] == p));
            assert_eq!(all.iter().filter(|i| i["is_primary"] == true).count(), 1);
            for item in &all {
                let keys: BTreeSet<&str> = item
                    .as_object()
                    .unwrap()
                    .keys()
                    .map(|k| k.as_str())
                    .collect();
                assert_eq!(keys, FIELDS.into_iter().collect());
                assert!(item["id"].is_u64());
                assert!(
                    item["created_at"].as_str().unwrap() <= item["updated_at"].as_str().unwrap()
                );
            }
            orders.push(ids);
        }
        assert!(orders.windows(2).all(|w| w[0] == w[1]));
        total += orders[0].len();
    }
    let scoped = items(
        &devpayr_walk(&m, scoped(&m), project, None).await,
        "/data/data",
    );
    assert!(!scoped.is_empty());
    assert!(total < 130, "the other owner's project holds the rest");
    m.shutdown().await;
}

#[tokio::test]
async fn data_mixes_paid_and_active() {
    let m = start(Vendor::Devpayr).await;
    let mut all = Vec::new();
    for &p in &m.credentials.global_projects {
        all.extend(items(
            &devpayr_walk(&m, global(&m), p, None).await,
            "/data/data",
        ));
    }
    for field in ["has_paid", "is_active", "is_primary"] {
        let values: BTreeSet<String> = all.iter().map(|i| i[field].to_string()).collect();
        assert_eq!(values.len(), 2, "{field}");
    }
    assert!(m.credentials.global_projects.len() >= 2);
    m.shutdown().await;
}

#[tokio::test]
async fn keys_and_access_rules() {
    let m = start(Vendor::Devpayr).await;
    let c = m.credentials.clone();
    let scoped_project = c.scoped_project.unwrap();
    let other_own = c.global_projects[1];
    let forbidden = c.forbidden_project.unwrap();
    let missing = c.missing_project.unwrap();
    let cases: Vec<(Option<&str>, u64, u16)> = vec![
        (None, scoped_project, 401),
        (Some("dp_global_nope"), scoped_project, 403),
        (Some(scoped(&m)), scoped_project, 200),
        (Some(scoped(&m)), other_own, 403),
        (Some(scoped(&m)), forbidden, 403),
        (Some(scoped(&m)), missing, 404),
        (Some(global(&m)), scoped_project, 200),
        (Some(global(&m)), other_own, 200),
        (Some(global(&m)), forbidden, 403),
        (Some(global(&m)), missing, 404),
    ];
    for (key, project, want) in cases {
        let reply = get(&project_url(&m, project), key.map(|k| ("x-api-key", k))).await;
        assert_eq!(reply.status, want, "{key:?} on {project}: {}", reply.text);
        assert!(reply.is_json());
        let body = reply.json();
        assert_eq!(body["status"], want == 200);
        if want != 200 {
            assert!(body["data"].is_null() && body["errors"].is_null(), "{body}");
            assert!(body["message"].is_string());
            assert!(schema_problems(Vendor::Devpayr, want, &body).is_empty());
        }
    }
    m.shutdown().await;
}

#[tokio::test]
async fn invalid_parameters_are_422() {
    let m = start(Vendor::Devpayr).await;
    let project = m.credentials.scoped_project.unwrap();
    for (path, query, field) in [
        ("0".to_string(), "", "project"),
        ("-4".to_string(), "", "project"),
        ("abc".to_string(), "", "project"),
        ("1.5".to_string(), "", "project"),
        ("%ff".to_string(), "", "project"),
        ("99999999999999999999999".to_string(), "", "project"),
        (project.to_string(), "per_page=51", "per_page"),
        (project.to_string(), "per_page=0", "per_page"),
        (project.to_string(), "per_page=x", "per_page"),
        (project.to_string(), "cursor=forged", "cursor"),
    ] {
        let url = format!("{}?{query}", project_url(&m, &path));
        let reply = devpayr_get(&url, scoped(&m)).await;
        assert_eq!(reply.status, 422, "{path} {query}: {}", reply.text);
        let body = reply.json();
        assert_eq!(body["status"], false);
        assert!(body["errors"][field][0].is_string(), "{body}");
    }
    m.shutdown().await;
}

#[tokio::test]
async fn cursors_are_bound_to_key_project_and_page_size() {
    let m = start(Vendor::Devpayr).await;
    let c = m.credentials.clone();
    let project = c.scoped_project.unwrap();
    let first = devpayr_get(
        &format!("{}?per_page=2", project_url(&m, project)),
        global(&m),
    )
    .await
    .json();
    let cursor = first["data"]["next_cursor"].as_str().unwrap().to_string();
    let ok = devpayr_get(
        &format!("{}?per_page=2&cursor={cursor}", project_url(&m, project)),
        global(&m),
    )
    .await;
    assert_eq!(ok.status, 200);
    for (key, p, query) in [
        (scoped(&m), project, format!("per_page=2&cursor={cursor}")),
        (
            global(&m),
            c.global_projects[1],
            format!("per_page=2&cursor={cursor}"),
        ),
        (global(&m), project, format!("per_page=3&cursor={cursor}")),
        (global(&m), project, format!("cursor={cursor}")),
        (
            global(&m),
            project,
            format!("per_page=2&cursor={}", &cursor[..10]),
        ),
        (
            global(&m),
            project,
            format!("per_page=2&cursor={}", "x".repeat(50_000)),
        ),
    ] {
        let reply = devpayr_get(&format!("{}?{query}", project_url(&m, p)), key).await;
        assert_eq!(reply.status, 422, "{query}");
        assert!(reply.json()["errors"]["cursor"].is_array());
    }
    m.shutdown().await;
}

#[tokio::test]
async fn rate_limiting_and_routing_errors_use_the_envelope() {
    let m = mock::start(MockConfig {
        rate_limit_every: Some(2),
        ..MockConfig::new(Vendor::Devpayr)
    })
    .await
    .unwrap();
    let url = project_url(&m, m.credentials.scoped_project.unwrap());
    assert_eq!(devpayr_get(&url, scoped(&m)).await.status, 200);
    let limited = devpayr_get(&url, scoped(&m)).await;
    assert_eq!(limited.status, 429);
    assert_eq!(limited.headers["retry-after"], "1");
    assert!(schema_problems(Vendor::Devpayr, 429, &limited.json()).is_empty());
    let missing = get(&format!("{}/projects", m.base_url), None).await;
    assert_eq!(missing.status, 404);
    assert_eq!(missing.json()["status"], false);
    let m2 = start(Vendor::Devpayr).await;
    let url = project_url(&m2, 1);
    let reply = client().delete(&url).send().await.unwrap();
    assert_eq!(reply.status(), 405);
    let body: serde_json::Value = reply.json().await.unwrap();
    assert_eq!(body["status"], false);
    assert!(mock::describe(&m2).contains("X-API-KEY"));
    m.shutdown().await;
    m2.shutdown().await;
}
