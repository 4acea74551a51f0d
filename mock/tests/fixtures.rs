//! The fixture specs: every one parses, and every pagination style walks completely, without
//! duplicates and in the same order at every page size; bodies conform to the spec.

mod util;

use std::collections::BTreeSet;

use serde_json::Value;
use specs::walk::{Advance, Carrier};
use specs::Pagination;
use util::*;

#[test]
fn every_fixture_parses_and_the_six_styles_are_covered() {
    let specs = fixtures();
    assert!(specs.len() >= 6);
    let styles: BTreeSet<String> = specs
        .iter()
        .map(|s| {
            s.paginated_operation()
                .expect("paginated")
                .pagination
                .as_ref()
                .unwrap()
                .style
                .clone()
        })
        .collect();
    assert_eq!(styles.len(), 6, "{styles:?}");
    for s in &specs {
        for name in ["peeker", "devpayr"] {
            assert!(!s.name.contains(name), "fixture names are no vendor's");
        }
        assert!(s.security().is_some(), "{}: a security scheme", s.name);
    }
    assert!(
        specs.iter().any(|s| s.operations.len() > 1),
        "an unpaginated operation"
    );
    assert!(specs
        .iter()
        .any(|s| s.paginated_operation().unwrap().access.is_some()));
}

/// Walks at sizes 1, 7, the default and the maximum agree, are complete and have no
/// duplicates; every page conforms to the schema.
#[tokio::test]
async fn every_style_walks_completely_at_every_size() {
    for spec in fixtures() {
        let p = spec
            .paginated_operation()
            .unwrap()
            .pagination
            .clone()
            .unwrap();
        let m = start(spec.clone()).await;
        let mut orders: Vec<Vec<String>> = Vec::new();
        for size in [Some(1), Some(7.min(p.size_max)), None, Some(p.size_max)] {
            let q = size
                .map(|s| format!("{}={s}", p.size_param))
                .unwrap_or_default();
            let pages = walk(&m, &q).await;
            let effective = size.unwrap_or(p.size_default).min(p.size_max) as usize;
            for (k, page) in pages.iter().enumerate() {
                assert_conforms(&spec, 200, &page.body);
                let n = page
                    .body
                    .pointer(&p.items)
                    .and_then(Value::as_array)
                    .map(Vec::len)
                    .unwrap();
                assert!(
                    n <= effective,
                    "{}: {n} items on a page of {effective}",
                    spec.name
                );
                if k + 1 < pages.len() {
                    assert_eq!(n, effective, "{}: only the last page is short", spec.name);
                }
            }
            let keys = keys(&m, &items(&m, &pages));
            assert!(!keys.is_empty(), "{}", spec.name);
            assert_eq!(unique(&keys), keys.len(), "{} {q}: duplicates", spec.name);
            style_checks(&m, &p, &pages, keys.len()).await;
            orders.push(keys);
        }
        assert!(
            orders.windows(2).all(|w| w[0] == w[1]),
            "{}: orders differ",
            spec.name
        );
        m.shutdown().await;
    }
}

/// What the walk promises about its last page, its flag and its totals.
async fn style_checks(m: &mock::RunningMock, p: &Pagination, pages: &[Page], total: usize) {
    let last = pages.last().unwrap();
    if let Some((flag, last_value)) = &p.flag {
        for (k, page) in pages.iter().enumerate() {
            let value = page.body.pointer(flag).and_then(Value::as_bool);
            let is_last = k + 1 == pages.len();
            assert_eq!(value, Some(is_last == *last_value), "the flag on page {k}");
        }
    }
    if let Some(t) = &p.total {
        for page in pages {
            assert_eq!(
                page.body.pointer(t).and_then(Value::as_u64),
                Some(total as u64)
            );
        }
    }
    if let (Some(tp), Advance::Page { .. }) = (&p.total_pages, &p.walk.advance) {
        assert_eq!(
            last.body.pointer(tp).and_then(Value::as_u64),
            Some(pages.len() as u64)
        );
    }
    if p.walk.advance.carrier() == Some(&Carrier::Link) {
        for (k, page) in pages.iter().enumerate() {
            let link = page.reply.header("link").expect("a Link header");
            assert!(link.contains("rel=\"first\""), "{link}");
            assert_eq!(
                link_next(&page.reply).is_some(),
                k + 1 < pages.len(),
                "{link}"
            );
            if let Some(next) = link_next(&page.reply) {
                assert!(next.starts_with(m.origin()), "{next}");
            }
        }
    }
}

#[tokio::test]
async fn same_seed_same_data_other_seed_other_data() {
    for spec in [fixture("books-page"), fixture("tickets-link-header")] {
        let a = start(spec.clone()).await;
        let b = start(spec.clone()).await;
        let c = mock::start(mock::MockConfig {
            seed: 3,
            ..mock::MockConfig::new(spec.clone())
        })
        .await
        .unwrap();
        let ia = items(&a, &walk(&a, "").await);
        let ib = items(&b, &walk(&b, "").await);
        assert_eq!(ia, ib);
        assert_eq!(a.credentials.keys, b.credentials.keys);
        assert_eq!(a.credentials.path_values, b.credentials.path_values);
        assert_ne!(a.credentials.keys, c.credentials.keys);
        let ic = items(&c, &walk(&c, "").await);
        assert_ne!(ia, ic);
        // Tokens are keyed by the seed: another seed's token is refused.
        for m in [a, b, c] {
            m.shutdown().await;
        }
    }
}

#[tokio::test]
async fn latency_is_added_before_every_answer() {
    let m = mock::start(mock::MockConfig {
        latency: std::time::Duration::from_millis(150),
        ..mock::MockConfig::new(fixture("orders-offset"))
    })
    .await
    .unwrap();
    let t = std::time::Instant::now();
    assert_eq!(query(&m, "").await.status, 200);
    assert_eq!(get(&format!("{}/nope", m.base_url), None).await.status, 404);
    assert!(
        t.elapsed() >= std::time::Duration::from_millis(300),
        "{:?}",
        t.elapsed()
    );
    assert!(mock::describe(&m).contains("latency"));
    m.shutdown().await;
}

#[tokio::test]
async fn errors_use_each_fixture_s_error_shape() {
    for spec in fixtures() {
        let m = start(spec.clone()).await;
        let op = spec.paginated_operation().unwrap().clone();
        let p = op.pagination.clone().unwrap();
        // No credential (a wrong one where the operation may be called without), a bad
        // size, an unknown path, another method.
        let optional = op.security.as_ref().is_some_and(|s| s.optional);
        let missing = match optional {
            false => get(&endpoint(&m, &[]), None).await,
            true => get_as(&m, &endpoint(&m, &[]), Some("nobody-at-all:wrong-password")).await,
        };
        let refusal = match optional {
            false => specs::ErrorKind::MissingKey,
            true => specs::ErrorKind::InvalidKey,
        };
        assert_eq!(
            missing.status,
            refusal_status(&op, refusal),
            "{}",
            spec.name
        );
        assert!(missing.is_json());
        assert_conforms(&spec, missing.status, &missing.json());
        let bad = query(&m, &format!("{}=0", p.size_param)).await;
        assert_eq!(
            bad.status,
            refusal_status(&op, specs::ErrorKind::InvalidParam),
            "{}: {}",
            spec.name,
            bad.text
        );
        assert_conforms(&spec, bad.status, &bad.json());
        if op.errors.details.is_some() {
            assert!(
                details(&spec, &bad.json(), &p.size_param).is_some(),
                "{}: {}",
                spec.name,
                bad.text
            );
        }
        if op.errors.message.is_some() {
            assert!(message(&spec, &bad.json()).is_some(), "{}", spec.name);
        }
        let nowhere = get(&format!("{}/nowhere", m.base_url), None).await;
        assert_eq!(nowhere.status, 404);
        assert!(nowhere.is_json());
        let post = client().post(endpoint(&m, &[])).send().await.unwrap();
        assert_eq!(post.status(), 405);
        assert_eq!(post.headers()["allow"], "GET, HEAD");
        m.shutdown().await;
    }
}

/// The three functions this crate added to `specs` read what the mock relies on.
#[test]
fn specs_reads_examples_member_schemas_and_coverings() {
    let peeker = spec("peeker");
    let op = peeker.paginated_operation().unwrap();
    let example = peeker.response_example(op.response(200).unwrap()).unwrap();
    assert_eq!(example["meta"]["per_page"], 25);
    let page = op.response(200).unwrap().json_schema.clone().unwrap();
    let (item, at) = peeker.member_schema(&page, "/data/0").unwrap();
    assert_eq!(at, "/components/schemas/Domain");
    assert!(item["properties"]["id"].is_object());
    assert!(peeker.covering(&at, Some("required")).is_some());
    assert!(peeker.covering(&at, Some("properties")).is_none());
    let accounts = fixture("accounts-item-cursor");
    let op = accounts.paginated_operation().unwrap();
    assert_eq!(
        accounts
            .response_example(op.response(500).unwrap())
            .unwrap()["error"]["message"],
        "No such account."
    );
}
