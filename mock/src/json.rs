//! Writing into JSON documents by JSON pointer (RFC 6901): the envelope templates are filled in
//! at the pointers `x-pagination` and `x-errors` name.

use serde_json::{Map, Value};

/// The unescaped segments of a pointer (`/a/b~1c` → `a`, `b/c`).
pub(crate) fn segments(pointer: &str) -> Vec<String> {
    pointer
        .split('/')
        .skip(1)
        .map(specs::pointer::unescape)
        .collect()
}

/// Sets the member at `pointer`, creating objects on the way (and replacing non-objects met
/// on the way, which a template that disagrees with its own pointers would otherwise make
/// impossible). The empty pointer replaces the whole document.
pub(crate) fn set(doc: &mut Value, pointer: &str, value: Value) {
    let mut node = doc;
    let segments = segments(pointer);
    let Some((last, path)) = segments.split_last() else {
        *node = value;
        return;
    };
    for segment in path {
        node = child_object(node)
            .entry(segment.clone())
            .or_insert(Value::Null);
    }
    child_object(node).insert(last.clone(), value);
}

/// Removes the member at `pointer`, if it is there.
pub(crate) fn remove(doc: &mut Value, pointer: &str) {
    let segments = segments(pointer);
    let Some((last, path)) = segments.split_last() else {
        return;
    };
    let mut node = doc;
    for segment in path {
        match node.get_mut(segment.as_str()) {
            Some(child) => node = child,
            None => return,
        }
    }
    if let Some(map) = node.as_object_mut() {
        map.remove(last);
    }
}

fn child_object(node: &mut Value) -> &mut Map<String, Value> {
    if !node.is_object() {
        *node = Value::Object(Map::new());
    }
    match node {
        Value::Object(map) => map,
        // Just made an object above.
        _ => unreachable!("the node was made an object"),
    }
}

/// Whether `pointer` is `prefix` or lies under it.
pub(crate) fn is_under(pointer: &str, prefix: &str) -> bool {
    pointer == prefix
        || pointer
            .strip_prefix(prefix)
            .is_some_and(|rest| rest.starts_with('/'))
}

pub(crate) use specs::pointer::escape;

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn set_and_remove_by_pointer() {
        let mut doc = json!({"a": {"b": 1}, "c": 2});
        set(&mut doc, "/a/x~1y", json!(true));
        set(&mut doc, "/c/d", json!(3));
        assert_eq!(doc, json!({"a": {"b": 1, "x/y": true}, "c": {"d": 3}}));
        remove(&mut doc, "/a/b");
        remove(&mut doc, "/nope/b");
        assert_eq!(doc, json!({"a": {"x/y": true}, "c": {"d": 3}}));
        assert!(is_under("/a/b", "/a") && is_under("/a", "/a") && !is_under("/ab", "/a"));
    }
}
