//! The schema combinators as the data generator meets them in vendors' documents: `allOf`
//! merged into one schema, one branch of `oneOf` or `anyOf` taken, and `$ref`s followed, so
//! that the generator only ever fills in a concrete schema (a `type`, an `enum`, `properties`).
//!
//! A value made for one branch of a `oneOf` must not also satisfy another: the branch taken is
//! the first, by a seeded turn, whose type differs from every other branch's, else the turn's
//! own (objects of different required members, as vendors write them, tell themselves apart).

use std::borrow::Cow;

use serde_json::{Map, Value};

/// The keywords that combine schemas, and the one the generator cannot serve.
const COMBINATORS: [&str; 3] = ["allOf", "oneOf", "anyOf"];

/// `schema` with its `$ref`s followed and its combinators resolved: `allOf` branches merged,
/// and branch `turn` (modulo their number) of a `oneOf` or `anyOf`. The annotations of the
/// combining node (`description`, `nullable`, `example`) are kept on the result.
pub(crate) fn concrete<'v>(raw: &'v Value, schema: &'v Value, turn: usize) -> Cow<'v, Value> {
    concrete_at(raw, schema, turn, 0)
}

/// Nesting of combinators beyond which the generator stops following them (a cyclic `$ref`
/// through combinators would otherwise never end).
const MAX_DEPTH: u32 = 16;

fn concrete_at<'v>(raw: &'v Value, schema: &'v Value, turn: usize, depth: u32) -> Cow<'v, Value> {
    let schema = specs::resolve(raw, schema);
    let Some(map) = schema.as_object() else {
        return Cow::Borrowed(schema);
    };
    if depth > MAX_DEPTH || !COMBINATORS.iter().any(|k| map.contains_key(*k)) {
        return Cow::Borrowed(schema);
    }
    let mut out = annotations(map);
    if let Some(branches) = map.get("allOf").and_then(Value::as_array) {
        for branch in branches {
            merge(
                &mut out,
                concrete_at(raw, branch, turn, depth + 1).into_owned(),
            );
        }
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(branches) = map.get(key).and_then(Value::as_array) {
            if let Some(branch) = pick(raw, branches, turn, key == "oneOf") {
                merge(
                    &mut out,
                    concrete_at(raw, branch, turn, depth + 1).into_owned(),
                );
            }
        }
    }
    Cow::Owned(Value::Object(out))
}

/// The members of a combining node other than its combinators.
fn annotations(map: &Map<String, Value>) -> Map<String, Value> {
    map.iter()
        .filter(|(k, _)| !COMBINATORS.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// The branch to generate for: for a `oneOf`, one whose `type` no other branch has (a string
/// beside an object), starting at the turn; else the turn's.
fn pick<'v>(
    raw: &'v Value,
    branches: &'v [Value],
    turn: usize,
    exclusive: bool,
) -> Option<&'v Value> {
    if branches.is_empty() {
        return None;
    }
    let n = branches.len();
    let type_of = |b: &Value| {
        specs::resolve(raw, b)
            .get("type")
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    let types: Vec<Option<String>> = branches.iter().map(type_of).collect();
    let distinct = |i: usize| {
        types[i].is_some()
            && types
                .iter()
                .enumerate()
                .all(|(j, t)| j == i || *t != types[i])
    };
    let chosen = (0..n)
        .map(|k| (turn + k) % n)
        .find(|&i| !exclusive || distinct(i))
        .unwrap_or(turn % n);
    branches.get(chosen)
}

/// Merges `from` into `into`: `properties` and `required` united, other keywords kept where
/// `into` has them already.
fn merge(into: &mut Map<String, Value>, from: Value) {
    let Value::Object(from) = from else {
        return;
    };
    for (key, value) in from {
        match (key.as_str(), into.get_mut(&key), value) {
            ("properties", Some(Value::Object(mine)), Value::Object(theirs)) => {
                for (name, schema) in theirs {
                    mine.entry(name).or_insert(schema);
                }
            }
            ("required", Some(Value::Array(mine)), Value::Array(theirs)) => {
                for name in theirs {
                    if !mine.contains(&name) {
                        mine.push(name);
                    }
                }
            }
            (_, Some(_), _) => {}
            (_, None, value) => {
                into.insert(key, value);
            }
        }
    }
}

/// Refuses schemas the generator cannot make values for: a `not` (nothing says what would
/// satisfy it), a combinator whose branches are not a list, or a schema nested deeper than
/// `max_depth` (`at` locates it; `$ref`s are followed).
pub(crate) fn check(
    raw: &Value,
    schema: &Value,
    at: &str,
    depth: u32,
    max_depth: u32,
) -> Result<(), String> {
    let schema = specs::resolve(raw, schema);
    if depth > max_depth {
        return Err(format!(
            "the item schema nests deeper than {max_depth} levels at {at}"
        ));
    }
    if schema.get("not").is_some() {
        return Err(format!(
            "the item schema uses `not` at {at}, which the data generator cannot serve"
        ));
    }
    for key in COMBINATORS {
        let Some(branches) = schema.get(key) else {
            continue;
        };
        let branches = branches
            .as_array()
            .filter(|b| !b.is_empty())
            .ok_or_else(|| format!("`{key}` at {at} is not a list of schemas"))?;
        for (i, branch) in branches.iter().enumerate() {
            check(raw, branch, &format!("{at}/{key}/{i}"), depth, max_depth)?;
        }
    }
    if let Some(props) = schema.get("properties").and_then(Value::as_object) {
        for (name, prop) in props {
            let at = format!("{at}/properties/{}", specs::pointer::escape(name));
            check(raw, prop, &at, depth + 1, max_depth)?;
        }
    }
    if let Some(items) = schema.get("items") {
        check(raw, items, &format!("{at}/items"), depth + 1, max_depth)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc() -> Value {
        json!({"components": {"schemas": {
            "user": {"type": "object", "required": ["login"], "properties": {"login": {"type": "string"}}},
            "org": {"type": "object", "required": ["slug"], "properties": {"slug": {"type": "string"}}},
            "named": {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}}
        }}})
    }

    #[test]
    fn all_of_merges_properties_and_required() {
        let schema = json!({"description": "both", "allOf": [
            {"$ref": "#/components/schemas/user"},
            {"$ref": "#/components/schemas/named"}
        ]});
        let d = doc();
        let out = concrete(&d, &schema, 0);
        assert_eq!(out["description"], "both");
        assert_eq!(out["type"], "object");
        assert_eq!(out["required"], json!(["login", "name"]));
        assert!(out["properties"]["login"].is_object() && out["properties"]["name"].is_object());
    }

    #[test]
    fn one_of_takes_a_branch_of_its_own_type() {
        let schema = json!({"oneOf": [{"type": "string"}, {"type": "object", "properties": {}}]});
        for turn in 0..4 {
            let d = doc();
            let out = concrete(&d, &schema, turn);
            assert!(out["type"] == "string" || out["type"] == "object", "{out}");
        }
        let objects = json!({"oneOf": [{"$ref": "#/components/schemas/user"}, {"$ref": "#/components/schemas/org"}]});
        let d = doc();
        assert_eq!(concrete(&d, &objects, 0)["required"], json!(["login"]));
        assert_eq!(concrete(&d, &objects, 1)["required"], json!(["slug"]));
    }

    #[test]
    fn nullable_stays_on_the_combining_node() {
        let schema = json!({"nullable": true, "anyOf": [{"type": "string"}, {"type": "integer"}]});
        let d = doc();
        let out = concrete(&d, &schema, 1);
        assert_eq!(out["nullable"], true);
        assert_eq!(out["type"], "integer");
    }

    #[test]
    fn not_and_bad_branches_are_refused_with_their_pointer() {
        let err = check(&doc(), &json!({"not": {"type": "string"}}), "/x", 0, 6).unwrap_err();
        assert!(err.contains("`not` at /x"), "{err}");
        let err = check(&doc(), &json!({"oneOf": {}}), "/y", 0, 6).unwrap_err();
        assert!(err.contains("`oneOf` at /y"), "{err}");
        check(
            &doc(),
            &json!({"oneOf": [{"$ref": "#/components/schemas/user"}]}),
            "/z",
            0,
            6,
        )
        .unwrap();
    }
}
