//! The mock produces what the walk model consumes: for every way a walk advances (a next URL
//! in the body, in a header or in `Link`, a cursor in the body or in a header, the last item's
//! key, an offset, a page number) and every end signal it can take (no, null or empty next,
//! has-more, is-last, a total, a short page, an empty page), the reference mock's pages,
//! walked by the shared implementation at several page sizes, give every item exactly once.
//!
//! The specs are the fixtures with their `x-pagination` rewritten (and an envelope member
//! added for a flag or a total): the items are generated from the item schema alone, so each
//! variant serves the same items as its fixture.

mod util;

use serde_json::{json, Value};
use specs::Spec;
use util::*;

/// A fixture with `x-pagination` changed by `edit`, and members (name → schema) added to the
/// page envelope.
fn variant(
    fixture_name: &str,
    edit: &dyn Fn(&mut serde_json::Map<String, Value>),
    members: &[(&str, Value)],
) -> Spec {
    let base = fixture(fixture_name);
    let op = base.paginated_operation().expect("paginated").clone();
    let mut raw = base.raw.clone();
    let x = raw
        .pointer_mut(&format!("{}/x-pagination", op.pointer))
        .and_then(Value::as_object_mut)
        .expect("x-pagination");
    edit(x);
    let page = op
        .response(200)
        .and_then(|r| r.json_schema.clone())
        .unwrap();
    let (_, at) = specs::resolve_at(&base.raw, base.raw.pointer(&page).unwrap(), &page);
    for (name, schema) in members {
        let props = raw
            .pointer_mut(&format!("{at}/properties"))
            .and_then(Value::as_object_mut)
            .expect("the envelope's properties");
        props.insert(name.to_string(), schema.clone());
    }
    let text = serde_yaml::to_string(&raw).expect("YAML");
    Spec::parse(&format!("{fixture_name}.yaml"), &text)
        .unwrap_or_else(|e| panic!("{fixture_name} variant: {e}"))
}

fn set(x: &mut serde_json::Map<String, Value>, key: &str, value: Value) {
    x.insert(key.to_string(), value);
}

fn flag() -> (&'static str, Value) {
    ("flag", json!({"type": "boolean"}))
}

fn total() -> (&'static str, Value) {
    ("total_items", json!({"type": "integer", "minimum": 0}))
}

/// A mock of `spec` with few items (an odd number, so that the last page of most sizes is
/// short and of some is full).
async fn few(spec: Spec) -> mock::RunningMock {
    mock::start(mock::MockConfig {
        items: 61,
        ..mock::MockConfig::new(spec)
    })
    .await
    .expect("the mock starts")
}

/// Walks `spec`'s mock at several sizes by the model; each walk lists `expected` (the fixture's
/// items, walked the fixture's own way) exactly once.
async fn round_trip(label: &str, spec: Spec, expected: &[String]) {
    let p = spec
        .paginated_operation()
        .unwrap()
        .pagination
        .clone()
        .unwrap();
    let m = few(spec).await;
    for size in [2, p.size_max] {
        let keys = walk_keys(&m, &format!("{}={size}", p.size_param)).await;
        assert_eq!(
            keys, expected,
            "{label} at size {size}: every item exactly once, in order"
        );
    }
    m.shutdown().await;
}

/// The items of a fixture, walked as its spec says.
async fn items_of(fixture_name: &str) -> Vec<String> {
    let spec = fixture(fixture_name);
    let size = spec
        .paginated_operation()
        .unwrap()
        .pagination
        .as_ref()
        .unwrap()
        .size_max;
    let size_param = spec
        .paginated_operation()
        .unwrap()
        .pagination
        .as_ref()
        .unwrap()
        .size_param
        .clone();
    let m = few(spec).await;
    let keys = walk_keys(&m, &format!("{size_param}={size}")).await;
    assert_eq!(unique(&keys), keys.len());
    assert!(keys.len() > 5, "{fixture_name}: {} items", keys.len());
    m.shutdown().await;
    keys
}

type Edit = Box<dyn Fn(&mut serde_json::Map<String, Value>)>;

/// One end signal to try: its name, the edit of `x-pagination`, and the envelope members it
/// needs.
type Variant = (&'static str, Edit, Vec<(&'static str, Value)>);

/// The end signals a walk that carries its next position can take.
fn carried_ends(in_header: bool) -> Vec<Variant> {
    let mut out: Vec<Variant> = vec![
        (
            "no-next",
            Box::new(|x| set(x, "end", json!(["no-next"]))),
            vec![],
        ),
        (
            "short-page",
            Box::new(|x| set(x, "end", json!(["short-page"]))),
            vec![],
        ),
        (
            "empty-page",
            Box::new(|x| set(x, "end", json!(["empty-page"]))),
            vec![],
        ),
        (
            "has-more",
            Box::new(|x| {
                set(x, "has-more", json!("/flag"));
                set(x, "end", json!(["has-more"]));
            }),
            vec![flag()],
        ),
        (
            "is-last",
            Box::new(|x| {
                set(x, "is-last", json!("/flag"));
                set(x, "end", json!(["is-last"]));
            }),
            vec![flag()],
        ),
        (
            "total",
            Box::new(|x| {
                set(x, "total", json!("/total_items"));
                set(x, "end", json!(["total"]));
            }),
            vec![total()],
        ),
    ];
    if !in_header {
        out.push((
            "null-next",
            Box::new(|x| set(x, "end", json!(["null-next"]))),
            vec![],
        ));
        out.push((
            "empty-next",
            Box::new(|x| set(x, "end", json!(["empty-next"]))),
            vec![],
        ));
    }
    out
}

/// The end signals a walk whose client makes the next position can take.
fn counted_ends(flagless: bool) -> Vec<Variant> {
    let mut out: Vec<Variant> = vec![
        (
            "short-page",
            Box::new(|x| set(x, "end", json!(["short-page"]))),
            vec![],
        ),
        (
            "empty-page",
            Box::new(|x| set(x, "end", json!(["empty-page"]))),
            vec![],
        ),
        (
            "is-last",
            Box::new(|x| {
                x.remove("has-more");
                set(x, "is-last", json!("/flag"));
                set(x, "end", json!(["is-last"]));
            }),
            vec![flag()],
        ),
        (
            "total",
            Box::new(|x| {
                x.remove("total-pages");
                set(x, "total", json!("/total_items"));
                set(x, "end", json!(["total"]));
            }),
            vec![total()],
        ),
    ];
    if flagless {
        out.push((
            "has-more",
            Box::new(|x| {
                set(x, "has-more", json!("/flag"));
                set(x, "end", json!(["has-more"]));
            }),
            vec![flag()],
        ));
    }
    out
}

#[tokio::test]
async fn a_next_url_in_the_body_or_a_header_ends_on_every_signal() {
    let expected = items_of("widgets-next-url").await;
    for in_header in [false, true] {
        for (end, edit, members) in carried_ends(in_header) {
            let spec = variant(
                "widgets-next-url",
                &|x| {
                    x.remove("last-page");
                    if in_header {
                        x.remove("next");
                        set(x, "next-header", json!("X-Next-Page"));
                    }
                    edit(x);
                },
                &members,
            );
            let label = format!(
                "next-url in {}, {end}",
                if in_header { "a header" } else { "the body" }
            );
            round_trip(&label, spec, &expected).await;
        }
    }
}

#[tokio::test]
async fn a_link_header_ends_on_every_signal() {
    let expected = items_of("tickets-link-header").await;
    for (end, edit, members) in carried_ends(true) {
        let spec = variant("tickets-link-header", &*edit, &members);
        round_trip(&format!("link-header, {end}"), spec, &expected).await;
    }
}

#[tokio::test]
async fn a_cursor_in_the_body_or_a_header_ends_on_every_signal() {
    let expected = items_of("gadgets-cursor").await;
    for in_header in [false, true] {
        for (end, edit, members) in carried_ends(in_header) {
            let spec = variant(
                "gadgets-cursor",
                &|x| {
                    x.remove("last-page");
                    if in_header {
                        x.remove("next");
                        set(x, "next-header", json!("X-Cursor"));
                    }
                    edit(x);
                },
                &members,
            );
            let label = format!(
                "cursor in {}, {end}",
                if in_header { "a header" } else { "the body" }
            );
            round_trip(&label, spec, &expected).await;
        }
    }
}

#[tokio::test]
async fn the_last_key_offsets_and_page_numbers_end_on_every_signal() {
    for (name, flagless) in [
        ("accounts-item-cursor", false),
        ("orders-offset", true),
        ("books-page", true),
    ] {
        let expected = items_of(name).await;
        for (end, edit, members) in counted_ends(flagless) {
            let spec = variant(name, &*edit, &members);
            round_trip(&format!("{name}, {end}"), spec, &expected).await;
        }
    }
}
