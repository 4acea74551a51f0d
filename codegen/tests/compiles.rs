//! The Rust snapshots of `tests/output/` compile against the runtime of the generated crates,
//! and `stream()` yields the item type that `x-pagination` leads to. rustfmt is kept off the
//! snapshots: they are prettyplease's output, compared byte for byte.

#[allow(dead_code, unused_imports, missing_docs)]
#[rustfmt::skip]
#[path = "output/widgets-next-url.rs"]
mod widgets;

#[allow(dead_code, unused_imports, missing_docs)]
#[rustfmt::skip]
#[path = "output/gadgets-cursor.rs"]
mod gadgets;

fn assert_stream<T, E>(_: impl futures::Stream<Item = Result<T, widgets::Error<E>>> + Unpin) {}

#[test]
fn streams_yield_the_item_types() {
    let widgets = widgets::Client::with_bearer_token("http://127.0.0.1:9", "t").unwrap();
    let stream = widgets.list_widgets().limit(20).stream();
    assert_stream::<widgets::types::Widget, widgets::types::Problem>(stream);

    let gadgets = gadgets::Client::with_api_key("http://127.0.0.1:9", "k").unwrap();
    let stream = gadgets.list_team_gadgets().team("a").size(5u64).stream();
    assert_stream::<gadgets::types::Gadget, gadgets::types::Oops>(stream);
}

#[test]
fn string_enums_of_the_snapshots_are_open() {
    use widgets::types::ListWidgetsColor as Color;
    let read: Vec<Color> = serde_json::from_str(r#"["red", "green"]"#).unwrap();
    assert_eq!(read, [Color::Red, Color::Unknown("green".into())]);
    assert_eq!(serde_json::to_string(&read).unwrap(), r#"["red","green"]"#);
    assert_eq!(read[1].to_string(), "green");
    assert!("green".parse::<Color>().is_err());
}
