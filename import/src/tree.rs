//! The order-preserving document tree the import works on: `serde_yaml::Value`, whose mappings
//! keep the order they were read in, so that the written spec lists keys as the vendor did.
//! (`serde_json::Value` sorts its keys unless serde_json's `preserve_order` feature is on,
//! which would change every other crate of the workspace.)
//!
//! Mapping keys are always strings here: a YAML key such as `200:` is read as the string
//! `"200"`, as JSON would have it.

use serde_yaml::{Mapping, Value};
use specs::Pointer;

/// A mapping key.
pub(crate) fn key(name: &str) -> Value {
    Value::String(name.to_string())
}

/// The text of a string key (every key is one, see [`normalize_keys`]).
pub(crate) fn key_text(key: &Value) -> &str {
    key.as_str().unwrap_or_default()
}

/// Makes every mapping key a string, as in JSON (`200` → `"200"`, `true` → `"true"`), and
/// drops YAML tags, which OpenAPI has no use for.
pub(crate) fn normalize_keys(value: Value) -> Value {
    match value {
        Value::Mapping(map) => Value::Mapping(
            map.into_iter()
                .map(|(k, v)| (key(&scalar_text(&k)), normalize_keys(v)))
                .collect(),
        ),
        Value::Sequence(items) => Value::Sequence(items.into_iter().map(normalize_keys).collect()),
        Value::Tagged(tagged) => normalize_keys(tagged.value),
        other => other,
    }
}

/// A scalar as the text a JSON key would hold.
fn scalar_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Null => "null".to_string(),
        other => serde_yaml::to_string(other)
            .unwrap_or_default()
            .trim()
            .to_string(),
    }
}

/// The node at `pointer`, if there is one.
pub(crate) fn get<'v>(root: &'v Value, pointer: &Pointer) -> Option<&'v Value> {
    pointer
        .segments()
        .iter()
        .try_fold(root, |node, segment| child(node, segment))
}

/// The node at `pointer`, mutably.
pub(crate) fn get_mut<'v>(root: &'v mut Value, pointer: &Pointer) -> Option<&'v mut Value> {
    let mut node = root;
    for segment in pointer.segments() {
        node = match node {
            Value::Mapping(map) => map.get_mut(segment.as_str())?,
            Value::Sequence(items) => items.get_mut(segment.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(node)
}

/// The member `segment` of a mapping, or the element of a sequence.
pub(crate) fn child<'v>(node: &'v Value, segment: &str) -> Option<&'v Value> {
    match node {
        Value::Mapping(map) => map.get(segment),
        Value::Sequence(items) => items.get(segment.parse::<usize>().ok()?),
        _ => None,
    }
}

/// Sets the member at `pointer`, creating mappings on the way; `false` when a node on the way
/// is neither a mapping nor a sequence, or a sequence index is out of range.
pub(crate) fn set(root: &mut Value, pointer: &Pointer, value: Value) -> bool {
    let segments = pointer.segments();
    let Some((last, path)) = segments.split_last() else {
        *root = value;
        return true;
    };
    let mut node = root;
    for segment in path {
        node = match node {
            Value::Mapping(map) => map
                .entry(key(segment))
                .or_insert_with(|| Value::Mapping(Mapping::new())),
            Value::Sequence(items) => {
                match segment.parse::<usize>().ok().and_then(|i| items.get_mut(i)) {
                    Some(item) => item,
                    None => return false,
                }
            }
            _ => return false,
        };
    }
    match node {
        Value::Mapping(map) => {
            map.insert(key(last), value);
            true
        }
        Value::Sequence(items) => match last.parse::<usize>().ok().and_then(|i| items.get_mut(i)) {
            Some(item) => {
                *item = value;
                true
            }
            None => false,
        },
        _ => false,
    }
}

/// Removes the node at `pointer`, keeping the order of what remains; `false` when there was
/// none (or `pointer` is the root).
pub(crate) fn remove(root: &mut Value, pointer: &Pointer) -> bool {
    let mut segments = pointer.segments();
    let Some(last) = segments.pop() else {
        return false;
    };
    let parent = Pointer::root();
    let parent = segments.iter().fold(parent, |p, s| p.join(s));
    match get_mut(root, &parent) {
        Some(Value::Mapping(map)) => map.shift_remove(last.as_str()).is_some(),
        Some(Value::Sequence(items)) => match last.parse::<usize>() {
            Ok(i) if i < items.len() => {
                items.remove(i);
                true
            }
            _ => false,
        },
        _ => false,
    }
}

/// Merges `update` into `target` as OpenAPI Overlay 1.0 says: mappings member by member
/// (recursively), sequences appended to, anything else replaced.
pub(crate) fn merge(target: &mut Value, update: &Value) {
    match (target, update) {
        (Value::Mapping(mine), Value::Mapping(theirs)) => {
            for (k, v) in theirs {
                match mine.get_mut(k) {
                    Some(existing) => merge(existing, v),
                    None => {
                        mine.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        (Value::Sequence(mine), Value::Sequence(theirs)) => mine.extend(theirs.iter().cloned()),
        (slot, other) => *slot = other.clone(),
    }
}

/// The tree as a `serde_json::Value` (for JSONPath queries and hashing); every key is a string,
/// so this cannot fail on a normalized tree.
pub(crate) fn to_json(value: &Value) -> serde_json::Value {
    match value {
        Value::Null => serde_json::Value::Null,
        Value::Bool(b) => serde_json::Value::Bool(*b),
        Value::Number(n) => number_to_json(n),
        Value::String(s) => serde_json::Value::String(s.clone()),
        Value::Sequence(items) => serde_json::Value::Array(items.iter().map(to_json).collect()),
        Value::Mapping(map) => serde_json::Value::Object(
            map.iter()
                .map(|(k, v)| (scalar_text(k), to_json(v)))
                .collect(),
        ),
        Value::Tagged(tagged) => to_json(&tagged.value),
    }
}

fn number_to_json(n: &serde_yaml::Number) -> serde_json::Value {
    if let Some(i) = n.as_i64() {
        serde_json::Value::from(i)
    } else if let Some(u) = n.as_u64() {
        serde_json::Value::from(u)
    } else {
        n.as_f64()
            .and_then(serde_json::Number::from_f64)
            .map_or(serde_json::Value::Null, serde_json::Value::Number)
    }
}

/// The string member `name` of a mapping.
pub(crate) fn str_member<'v>(node: &'v Value, name: &str) -> Option<&'v str> {
    node.get(name).and_then(Value::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(text: &str) -> Value {
        normalize_keys(serde_yaml::from_str(text).unwrap())
    }

    fn at(text: &str) -> Pointer {
        Pointer::parse(text).unwrap()
    }

    #[test]
    fn keys_become_strings_and_order_is_kept() {
        let d = doc("responses:\n  200: a\n  4XX: b\n  true: c\n");
        let keys: Vec<&str> = d["responses"]
            .as_mapping()
            .unwrap()
            .keys()
            .map(key_text)
            .collect();
        assert_eq!(keys, ["200", "4XX", "true"]);
        assert_eq!(get(&d, &at("/responses/200")).unwrap().as_str(), Some("a"));
    }

    #[test]
    fn set_and_remove_keep_order_and_refuse_scalars() {
        let mut d = doc("a: 1\nb: [x, y]\nc: 3\n");
        assert!(set(&mut d, &at("/d/e"), key("new")));
        assert!(set(&mut d, &at("/b/1"), key("z")));
        assert!(!set(&mut d, &at("/a/f"), key("no")));
        assert!(!set(&mut d, &at("/b/5"), key("no")));
        assert!(remove(&mut d, &at("/b/0")));
        assert!(remove(&mut d, &at("/a")));
        assert!(!remove(&mut d, &at("/zz")));
        assert_eq!(
            serde_yaml::to_string(&d).unwrap(),
            "b:\n- z\nc: 3\nd:\n  e: new\n"
        );
    }

    #[test]
    fn merge_is_overlay_merge() {
        let mut d = doc("a: {x: 1, y: [1]}\nb: 2\n");
        merge(&mut d, &doc("a: {y: [2], z: 3}\nb: {c: 4}\n"));
        assert_eq!(
            serde_yaml::to_string(&d).unwrap(),
            "a:\n  x: 1\n  y:\n  - 1\n  - 2\n  z: 3\nb:\n  c: 4\n"
        );
    }

    #[test]
    fn json_conversion_keeps_numbers() {
        let d = doc("i: -3\nu: 18446744073709551615\nf: 1.5\n");
        assert_eq!(
            to_json(&d),
            serde_json::json!({"i": -3, "u": 18446744073709551615u64, "f": 1.5})
        );
    }
}
