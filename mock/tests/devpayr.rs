//! The mock serving `specs/devpayr.yaml`, driven over real HTTP: envelope, cursors, keys and
//! access rules. A port of the old per-vendor mock's tests.

mod util;

use std::collections::BTreeSet;

use mock::{MockConfig, Scope};
use serde_json::Value;
use util::*;

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

struct Keys {
    scoped: String,
    project: String,
    global: String,
    global_projects: Vec<String>,
    forbidden: String,
    missing: String,
}

fn keys_of(m: &mock::RunningMock) -> Keys {
    let c = &m.credentials;
    let scoped = c
        .keys
        .iter()
        .find(|k| matches!(k.scope, Scope::Value(_)))
        .unwrap();
    let global = c
        .keys
        .iter()
        .find(|k| matches!(k.scope, Scope::Owner(_)))
        .unwrap();
    let Scope::Value(project) = &scoped.scope else {
        unreachable!()
    };
    let Scope::Owner(global_projects) = &global.scope else {
        unreachable!()
    };
    Keys {
        scoped: scoped.secret.clone(),
        project: project.clone(),
        global: global.secret.clone(),
        global_projects: global_projects.clone(),
        forbidden: c.forbidden["project"].clone(),
        missing: c.missing["project"].clone(),
    }
}

fn project_url(m: &mock::RunningMock, project: &str) -> String {
    format!("{}/project/{project}/domains", m.base_url)
}

async fn devpayr_walk(
    m: &mock::RunningMock,
    key: &str,
    project: &str,
    per_page: Option<u64>,
) -> Vec<Page> {
    let q = per_page
        .map(|p| format!("per_page={p}"))
        .unwrap_or_default();
    walk_as(m, &project_url(m, project), &q, Some(key)).await
}

fn data_items(pages: &[Page]) -> Vec<Value> {
    pages
        .iter()
        .flat_map(|p| {
            p.body["data"]["data"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .collect()
}

#[tokio::test]
async fn walks_are_complete_and_carry_exactly_the_documented_fields() {
    let m = start(spec("devpayr")).await;
    let k = keys_of(&m);
    assert_eq!(k.global_projects[0], k.project);
    assert_eq!(
        m.credentials.primary().unwrap().secret,
        k.global,
        "the broadest key is the primary"
    );
    let readable = &m.credentials.readable["project"];
    assert_eq!(readable[..], k.global_projects[1..]);
    assert_eq!(m.credentials.path_values["project"], k.project);
    let mut total = 0;
    for p in &k.global_projects {
        let mut orders = Vec::new();
        for per_page in [None, Some(7), Some(1), Some(50)] {
            let pages = devpayr_walk(&m, &k.global, p, per_page).await;
            for page in &pages {
                let body = &page.body;
                assert_eq!(body["status"], true);
                assert_eq!(body["message"], "Success");
                assert!(body["errors"].is_null());
                assert!(
                    body["data"]["next_cursor"].is_string()
                        || body["data"]["next_cursor"].is_null()
                );
                assert_conforms(m.spec(), 200, body);
                let n = body["data"]["data"].as_array().unwrap().len() as u64;
                assert!(n <= per_page.unwrap_or(50));
            }
            assert!(pages.last().unwrap().body["data"]["next_cursor"].is_null());
            let all = data_items(&pages);
            let ids: Vec<String> = all.iter().map(|i| i["id"].to_string()).collect();
            assert_eq!(unique(&ids), ids.len());
            assert!(all.iter().all(|i| key_text(&i["project_id"]) == *p));
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
    let scoped = data_items(&devpayr_walk(&m, &k.scoped, &k.project, None).await);
    assert!(!scoped.is_empty());
    assert!(total < 130, "the other owner's project holds the rest");
    m.shutdown().await;
}

#[tokio::test]
async fn data_mixes_paid_and_active() {
    let m = start(spec("devpayr")).await;
    let k = keys_of(&m);
    let mut all = Vec::new();
    for p in &k.global_projects {
        all.extend(data_items(&devpayr_walk(&m, &k.global, p, None).await));
    }
    for field in ["has_paid", "is_active", "is_primary"] {
        let values: BTreeSet<String> = all.iter().map(|i| i[field].to_string()).collect();
        assert_eq!(values.len(), 2, "{field}");
    }
    assert!(k.global_projects.len() >= 2);
    m.shutdown().await;
}

#[tokio::test]
async fn keys_and_access_rules() {
    let m = start(spec("devpayr")).await;
    let k = keys_of(&m);
    let other_own = k.global_projects[1].clone();
    let cases: Vec<(Option<&str>, &str, u16)> = vec![
        (None, &k.project, 401),
        (Some("dp_global_nope"), &k.project, 403),
        (Some(&k.scoped), &k.project, 200),
        (Some(&k.scoped), &other_own, 403),
        (Some(&k.scoped), &k.forbidden, 403),
        (Some(&k.scoped), &k.missing, 404),
        (Some(&k.global), &k.project, 200),
        (Some(&k.global), &other_own, 200),
        (Some(&k.global), &k.forbidden, 403),
        (Some(&k.global), &k.missing, 404),
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
            assert_conforms(m.spec(), want, &body);
        }
    }
    m.shutdown().await;
}

#[tokio::test]
async fn invalid_parameters_are_422() {
    let m = start(spec("devpayr")).await;
    let k = keys_of(&m);
    for (path, q, field) in [
        ("0", "", "project"),
        ("-4", "", "project"),
        ("abc", "", "project"),
        ("1.5", "", "project"),
        ("%ff", "", "project"),
        ("99999999999999999999999", "", "project"),
        (k.project.as_str(), "per_page=51", "per_page"),
        (k.project.as_str(), "per_page=0", "per_page"),
        (k.project.as_str(), "per_page=x", "per_page"),
        (k.project.as_str(), "cursor=forged", "cursor"),
    ] {
        let url = format!("{}?{q}", project_url(&m, path));
        let reply = get(&url, Some(("x-api-key", &k.scoped))).await;
        assert_eq!(reply.status, 422, "{path} {q}: {}", reply.text);
        let body = reply.json();
        assert_eq!(body["status"], false);
        assert!(body["errors"][field][0].is_string(), "{body}");
        assert_conforms(m.spec(), 422, &body);
    }
    m.shutdown().await;
}

#[tokio::test]
async fn cursors_are_bound_to_key_project_and_page_size() {
    let m = start(spec("devpayr")).await;
    let k = keys_of(&m);
    let url = project_url(&m, &k.project);
    let first = get(&format!("{url}?per_page=2"), Some(("x-api-key", &k.global)))
        .await
        .json();
    let cursor = first["data"]["next_cursor"].as_str().unwrap().to_string();
    let ok = get(
        &format!("{url}?per_page=2&cursor={cursor}"),
        Some(("x-api-key", &k.global)),
    )
    .await;
    assert_eq!(ok.status, 200);
    for (key, p, q) in [
        (&k.scoped, &k.project, format!("per_page=2&cursor={cursor}")),
        (
            &k.global,
            &k.global_projects[1],
            format!("per_page=2&cursor={cursor}"),
        ),
        (&k.global, &k.project, format!("per_page=3&cursor={cursor}")),
        (&k.global, &k.project, format!("cursor={cursor}")),
        (
            &k.global,
            &k.project,
            format!("per_page=2&cursor={}", &cursor[..10]),
        ),
        (
            &k.global,
            &k.project,
            format!("per_page=2&cursor={}", "x".repeat(50_000)),
        ),
    ] {
        let reply = get(
            &format!("{}?{q}", project_url(&m, p)),
            Some(("x-api-key", key)),
        )
        .await;
        assert_eq!(reply.status, 422, "{q}");
        assert!(reply.json()["errors"]["cursor"].is_array());
    }
    m.shutdown().await;
}

#[tokio::test]
async fn rate_limiting_and_routing_errors_use_the_envelope() {
    let m = mock::start(MockConfig {
        rate_limit_every: Some(2),
        ..MockConfig::new(spec("devpayr"))
    })
    .await
    .unwrap();
    let k = keys_of(&m);
    let url = project_url(&m, &k.project);
    assert_eq!(get(&url, Some(("x-api-key", &k.scoped))).await.status, 200);
    let limited = get(&url, Some(("x-api-key", &k.scoped))).await;
    assert_eq!(limited.status, 429);
    assert_eq!(limited.headers["retry-after"], "1");
    assert_conforms(m.spec(), 429, &limited.json());
    let missing = get(&format!("{}/projects", m.base_url), None).await;
    assert_eq!(missing.status, 404);
    assert_eq!(missing.json()["status"], false);
    let m2 = start(spec("devpayr")).await;
    let reply = client().delete(project_url(&m2, "1")).send().await.unwrap();
    assert_eq!(reply.status(), 405);
    let body: Value = reply.json().await.unwrap();
    assert_eq!(body["status"], false);
    assert!(mock::describe(&m2).contains("X-API-KEY"));
    m.shutdown().await;
    m2.shutdown().await;
}
