//! OpenAPI Overlay 1.0: the marks a team adds to a document it does not own.
//!
//! An overlay is `overlay: 1.0.x`, `info` (`title`, `version`), an optional `extends`, and
//! `actions` applied in order. Each action's `target` is a JSONPath (RFC 9535, evaluated by
//! `serde_json_path`) that must select objects or arrays; `update` is merged into each
//! selected object (mappings member by member, lists appended to, anything else replaced) or
//! appended to each selected list; `remove: true` removes each selected node. A target that
//! selects nothing is an error naming it: a mark that no longer lands means the vendor's
//! document moved.
//!
//! The actions are applied to the order-preserving tree by the normalized paths the query
//! returns, so the vendor's key order survives, and so does the order the overlay's author
//! wrote `update` in. (The `roas-overlay` crate applies overlays to a `serde_json::Value`, which
//! sorts keys in this workspace; its model and merge rules are the same as here.)

use serde::Deserialize;
use serde_json_path::{JsonPath, NormalizedPath, PathElement};
use serde_yaml::Value;
use specs::Pointer;

use crate::tree;
use crate::ImportError;

/// An overlay document as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Overlay {
    overlay: String,
    info: Info,
    /// The document the overlay was written for; the import applies it to what it selected.
    #[serde(default, rename = "extends")]
    _extends: Option<String>,
    actions: Vec<Action>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Info {
    title: String,
    version: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Action {
    target: String,
    #[serde(default, rename = "description")]
    _description: Option<String>,
    #[serde(default)]
    update: Option<Value>,
    #[serde(default)]
    remove: Option<bool>,
}

/// Applies the overlay file `file` (its text) to `doc`, in order.
pub(crate) fn apply(doc: &mut Value, file: &str, text: &str) -> Result<(), ImportError> {
    let overlay = read(file, text)?;
    for (i, action) in overlay.actions.iter().enumerate() {
        let at = Pointer::root().join("actions").join(&i.to_string());
        apply_action(doc, action)
            .map_err(|(key, problem)| ImportError::new(file, &at.join(key), problem))?;
    }
    Ok(())
}

/// Reads and checks the overlay document; errors are located in it.
fn read(file: &str, text: &str) -> Result<Overlay, ImportError> {
    let raw: Value = serde_yaml::from_str(text).map_err(|e| {
        let at = e
            .location()
            .map(|l| format!(" (line {}, column {})", l.line(), l.column()))
            .unwrap_or_default();
        ImportError::new(file, "", format!("not valid YAML{at}: {e}"))
    })?;
    let mut raw = tree::normalize_keys(raw);
    strip_extensions(&mut raw);
    let overlay: Overlay = serde_path_to_error::deserialize(raw).map_err(|e| {
        let pointer = e
            .path()
            .iter()
            .fold(Pointer::root(), |p, segment| match segment {
                serde_path_to_error::Segment::Seq { index } => p.join(&index.to_string()),
                serde_path_to_error::Segment::Map { key } => p.join(key),
                _ => p,
            });
        ImportError::new(
            file,
            &pointer,
            format!("not an OpenAPI Overlay 1.0 document: {}", e.inner()),
        )
    })?;
    if !(overlay.overlay == "1.0" || overlay.overlay.starts_with("1.0.")) {
        return Err(ImportError::new(
            file,
            "/overlay",
            format!(
                "Overlay `{}` is not supported: the import applies Overlay 1.0.x",
                overlay.overlay
            ),
        ));
    }
    if overlay.info.title.is_empty() || overlay.info.version.is_empty() {
        return Err(ImportError::new(
            file,
            "/info",
            "`title` and `version` must not be empty",
        ));
    }
    if overlay.actions.is_empty() {
        return Err(ImportError::new(
            file,
            "/actions",
            "an overlay needs at least one action",
        ));
    }
    Ok(overlay)
}

/// Drops the `x-` extensions of the overlay object, its `info` and its actions: the Overlay
/// specification allows them and gives them no meaning.
fn strip_extensions(raw: &mut Value) {
    let strip = |node: &mut Value| {
        if let Value::Mapping(map) = node {
            map.retain(|k, _| !tree::key_text(k).starts_with("x-"));
        }
    };
    strip(raw);
    if let Some(info) = raw.get_mut("info") {
        strip(info);
    }
    if let Some(Value::Sequence(actions)) = raw.get_mut("actions") {
        actions.iter_mut().for_each(strip);
    }
}

/// Applies one action; an error names the key of the action it is about.
fn apply_action(doc: &mut Value, action: &Action) -> Result<(), (&'static str, String)> {
    let remove = action.remove == Some(true);
    match (&action.update, remove) {
        (Some(_), true) => {
            return Err((
                "remove",
                "an action either updates or removes, not both".into(),
            ))
        }
        (None, false) => {
            return Err((
                "target",
                "an action needs `update` or `remove: true`".into(),
            ))
        }
        _ => {}
    }
    let path = JsonPath::parse(&action.target).map_err(|e| {
        (
            "target",
            format!("`{}` is not a JSONPath (RFC 9535): {e}", action.target),
        )
    })?;
    let targets = locate(doc, &path);
    if targets.is_empty() {
        return Err((
            "target",
            format!(
                "`{}` selects nothing in the imported document",
                action.target
            ),
        ));
    }
    if remove {
        for at in targets.iter().rev() {
            tree::remove(doc, at);
        }
        return Ok(());
    }
    let update = action.update.as_ref().unwrap_or(&Value::Null);
    for at in &targets {
        match tree::get_mut(doc, at) {
            Some(Value::Mapping(_)) if !update.is_mapping() => {
                return Err((
                    "update",
                    format!("{at} is an object: `update` must be a mapping"),
                ))
            }
            Some(node @ Value::Mapping(_)) => tree::merge(node, update),
            Some(Value::Sequence(items)) => items.push(update.clone()),
            _ => {
                return Err((
                    "target",
                    format!(
                        "`{}` selects {at}, which is neither an object nor a list",
                        action.target
                    ),
                ))
            }
        }
    }
    Ok(())
}

/// The nodes `path` selects, as pointers in document order (a later removal does not move an
/// earlier pointer when they are taken from the back).
fn locate(doc: &Value, path: &JsonPath) -> Vec<Pointer> {
    let json = tree::to_json(doc);
    let mut found: Vec<(Vec<Step>, Pointer)> = path
        .query_located(&json)
        .iter()
        .map(|node| pointer_of(node.location()))
        .collect();
    found.sort_by(|a, b| a.0.cmp(&b.0));
    found.dedup_by(|a, b| a.0 == b.0);
    found.into_iter().map(|(_, p)| p).collect()
}

/// One step of a location, ordered as in the document for list indices.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Step {
    Index(usize),
    Name(String),
}

fn pointer_of(location: &NormalizedPath) -> (Vec<Step>, Pointer) {
    let mut steps = Vec::new();
    let mut pointer = Pointer::root();
    for element in location.iter() {
        match element {
            PathElement::Name(name) => {
                steps.push(Step::Name(name.to_string()));
                pointer = pointer.join(name);
            }
            PathElement::Index(i) => {
                steps.push(Step::Index(*i));
                pointer = pointer.join(&i.to_string());
            }
        }
    }
    (steps, pointer)
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = "paths:\n  /a:\n    get:\n      operationId: a\n      parameters: [{name: p}, {name: q}, {name: r}]\n      responses: {}\n";

    fn run(overlay: &str) -> Result<String, String> {
        let mut doc: Value = serde_yaml::from_str(DOC).unwrap();
        apply(&mut doc, "o.yaml", overlay).map_err(|e| e.to_string())?;
        Ok(serde_yaml::to_string(&doc).unwrap())
    }

    fn overlay(actions: &str) -> String {
        format!(
            "overlay: 1.0.0\ninfo: {{title: t, version: '1'}}\nx-any: ignored\nactions:\n{actions}"
        )
    }

    #[test]
    fn update_merges_in_order_and_appends_to_lists() {
        let out = run(&overlay(
            "- target: $.paths['/a'].get\n  update: {x-pagination: {style: page, items: ''}, operationId: b}\n\
             - target: $.paths['/a'].get.parameters\n  update: {name: s}\n",
        ))
        .unwrap();
        assert!(out.contains("operationId: b\n"), "{out}");
        assert!(
            out.contains("x-pagination:\n        style: page\n        items: ''\n"),
            "{out}"
        );
        assert!(out.contains("- name: r\n      - name: s\n"), "{out}");
    }

    #[test]
    fn remove_takes_every_selected_node() {
        let out = run(&overlay(
            "- target: $.paths['/a'].get.parameters[?@.name != 'q']\n  remove: true\n",
        ))
        .unwrap();
        assert!(
            out.contains("parameters:\n      - name: q\n      responses"),
            "{out}"
        );
    }

    #[test]
    fn a_target_that_selects_nothing_is_named() {
        let err = run(&overlay("- target: $.paths['/b'].get\n  update: {x: 1}\n")).unwrap_err();
        assert!(
            err.contains("o.yaml: at /actions/0/target: `$.paths['/b'].get` selects nothing"),
            "{err}"
        );
    }

    #[test]
    fn malformed_overlays_are_located() {
        let err = |o: &str| run(o).unwrap_err();
        assert!(err(&overlay("- target: '$..['\n  update: {}\n"))
            .contains("/actions/0/target: `$..[` is not a JSONPath"));
        assert!(err(&overlay("- target: $.paths\n")).contains("needs `update` or `remove: true`"));
        assert!(err(&overlay(
            "- target: $.paths\n  remove: true\n  update: {}\n"
        ))
        .contains("/actions/0/remove"));
        let e = err(&overlay("- target: $.paths\n  updates: {}\n"));
        assert!(e.contains("at /actions/0/updates: not an OpenAPI Overlay 1.0 document: unknown field `updates`"), "{e}");
        assert!(err(&overlay(
            "- target: $.paths['/a'].get.operationId\n  update: {}\n"
        ))
        .contains("neither an object nor a list"));
        assert!(err(
            "overlay: 2.0.0\ninfo: {title: t, version: '1'}\nactions: [{target: $, update: {}}]\n"
        )
        .contains("/overlay: Overlay `2.0.0`"));
        assert!(err("overlay: 1.0.0\nactions: []\n").contains("missing field `info`"));
    }
}
