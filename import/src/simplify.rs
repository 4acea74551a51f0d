//! What progenitor 0.15.1 (through typify 0.8) cannot take, found by trying it (the tests of
//! this module run progenitor on each case before and after): each such schema is rewritten by
//! a rule that keeps the data it describes acceptable, and marked with `x-simplified`, which
//! says what was there. The rules:
//!
//! | progenitor | rule |
//! |---|---|
//! | panics on `not` ("unhandled not schema") | `not` is removed: the schema accepts more |
//! | panics on an empty `allOf` | the empty `allOf` is removed (it constrains nothing) |
//! | panics on a schema without `type` that has a `format` or numeric bounds ("invalid (or unexpected) schema") | the type is inferred: `int32`/`int64` → integer, `float`/`double` or bounds → number, another format → string |
//! | panics on an `enum` without `type` whose values are of several JSON types, or whose values make the same Rust name (`A` and `a`, `a-b` and `a_b`) | the values repeated verbatim are dropped; otherwise the `enum` is removed and its values kept in the note |
//! | refuses a `default` that the schema does not accept | the `default` is removed |
//! | names the type of an inline schema, or of the value of a nullable component, after its `title`, and emits two types of one name when that name is taken (a client that does not compile) | the `title` is removed |
//!
//! An operation with several different error bodies (or success bodies) is reported, not
//! rewritten: progenitor takes one per operation, and which one is a choice for the overlay.

use std::collections::BTreeSet;

use heck::ToPascalCase;
use serde_yaml::{Mapping, Value};
use specs::Pointer;

use crate::schemas;
use crate::source::METHODS;
use crate::tree::{self, key, key_text};

/// The mark a rewritten schema carries.
pub(crate) const MARK: &str = "x-simplified";

/// What the simplification did and found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Simplified {
    /// Each rewritten schema: its pointer and what was done.
    pub rewritten: Vec<(String, String)>,
    /// What progenitor cannot take and no rule rewrites: pointer and problem.
    pub problems: Vec<(String, String)>,
}

/// Rewrites what progenitor cannot take in `doc`, and reports what it leaves.
pub(crate) fn simplify(doc: &mut Value) -> Simplified {
    let mut out = Simplified::default();
    let mut names = component_names(doc);
    let _ = schemas::visit::<()>(doc, &mut |schema, at| {
        let mut notes = rewrite(schema);
        notes.extend(distinct_title(schema, at, &mut names));
        if !notes.is_empty() {
            let text = notes.join("; ");
            schema.insert(key(MARK), key(&text));
            out.rewritten.push((at.to_string(), text));
        }
        Ok(())
    });
    out.problems = body_problems(doc);
    out
}

/// Applies every rule to one schema object; the notes say what changed.
fn rewrite(schema: &mut Mapping) -> Vec<String> {
    let mut notes = Vec::new();
    if let Some(not) = schema.shift_remove("not") {
        notes.push(format!(
            "`not: {}` removed (progenitor cannot take `not`)",
            inline(&not)
        ));
    }
    if matches!(schema.get("allOf"), Some(Value::Sequence(b)) if b.is_empty()) {
        schema.shift_remove("allOf");
        notes.push("an empty `allOf` removed".to_string());
    }
    notes.extend(infer_type(schema));
    notes.extend(nameable_enum(schema));
    notes.extend(acceptable_default(schema));
    notes
}

/// The Rust names typify gives the component schemas: their names, Pascal-cased.
fn component_names(doc: &Value) -> BTreeSet<String> {
    doc.get("components")
        .and_then(|c| c.get("schemas"))
        .and_then(Value::as_mapping)
        .map(|m| m.keys().map(|k| type_name(key_text(k))).collect())
        .unwrap_or_default()
}

/// typify names a type it makes for an inline schema, or for the value inside a nullable
/// component, after the schema's `title`: a title that makes a name already taken (the
/// component's own, another component's, another title's) makes two types of one name, and
/// the client does not compile. Such a title is removed; typify then names the type after
/// where it is.
fn distinct_title(
    schema: &mut Mapping,
    at: &Pointer,
    names: &mut BTreeSet<String>,
) -> Option<String> {
    let title = schema.get("title").and_then(Value::as_str)?.to_string();
    let segments = at.segments();
    let component = matches!(segments.as_slice(), [c, s, _] if c == "components" && s == "schemas");
    let nullable = schema.get("nullable") == Some(&Value::Bool(true));
    if component && !nullable {
        return None;
    }
    let name = type_name(&title);
    if names.insert(name.clone()) {
        return None;
    }
    schema.shift_remove("title");
    Some(format!(
        "`title: {title}` removed (progenitor would name a second type `{name}` after it)"
    ))
}

/// typify's name for a type named `text`: Pascal case, every character that cannot be in a
/// name taken as a word break.
fn type_name(text: &str) -> String {
    variant_name(text)
}

/// A schema as one line of YAML flow, for notes.
fn inline(value: &Value) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

/// Keywords that make a schema more than a bare `format` or bounds.
const STRUCTURE: [&str; 8] = [
    "$ref",
    "allOf",
    "anyOf",
    "oneOf",
    "properties",
    "items",
    "enum",
    "additionalProperties",
];

/// A `type` for an untyped schema with a `format` or numeric bounds.
fn infer_type(schema: &mut Mapping) -> Option<String> {
    if schema.contains_key("type") || STRUCTURE.iter().any(|k| schema.contains_key(*k)) {
        return None;
    }
    let format = schema
        .get("format")
        .and_then(Value::as_str)
        .map(str::to_string);
    let bounded = [
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "multipleOf",
    ]
    .iter()
    .any(|k| schema.contains_key(*k));
    let inferred = match format.as_deref() {
        Some("int32" | "int64") => "integer",
        Some("float" | "double") => "number",
        Some(_) => "string",
        None if bounded => "number",
        None => return None,
    };
    schema.insert(key("type"), key(inferred));
    let why = match &format {
        Some(f) => format!("`format: {f}`"),
        None => "numeric bounds".to_string(),
    };
    Some(format!(
        "`type: {inferred}` added (progenitor cannot take {why} without a type)"
    ))
}

/// An enum progenitor can name: duplicates dropped, and the whole `enum` removed when its
/// values are of several types without a `type`, or make the same Rust name.
fn nameable_enum(schema: &mut Mapping) -> Option<String> {
    let Some(Value::Sequence(values)) = schema.get("enum") else {
        return None;
    };
    let mut unique: Vec<Value> = Vec::new();
    for v in values {
        if !unique.contains(v) {
            unique.push(v.clone());
        }
    }
    let kinds: BTreeSet<&str> = unique.iter().filter_map(json_kind).collect();
    let untyped_mix = !schema.contains_key("type") && kinds.len() > 1;
    if untyped_mix || !names_unique(&unique) {
        let all = inline(&Value::Sequence(unique));
        schema.shift_remove("enum");
        let why = match untyped_mix {
            true => "values of several types without a `type`",
            false => "values that make the same Rust name",
        };
        return Some(format!(
            "`enum: {all}` removed (progenitor cannot take {why})"
        ));
    }
    if unique.len() < values.len() {
        let dropped = values.len() - unique.len();
        schema.insert(key("enum"), Value::Sequence(unique));
        return Some(format!("{dropped} repeated `enum` value(s) dropped"));
    }
    None
}

/// The JSON type of an enum value (`None` for null, which never names a variant).
fn json_kind(value: &Value) -> Option<&'static str> {
    match value {
        Value::Null => None,
        Value::Bool(_) => Some("boolean"),
        Value::Number(n) if n.is_f64() => Some("number"),
        Value::Number(_) => Some("integer"),
        Value::String(_) => Some("string"),
        Value::Sequence(_) => Some("array"),
        Value::Mapping(_) | Value::Tagged(_) => Some("object"),
    }
}

/// Whether typify names every string value distinctly: by its Pascal-case name, or, where two
/// collide, with the characters it drops spelled `X`.
fn names_unique(values: &[Value]) -> bool {
    let strings: Vec<&str> = values.iter().filter_map(Value::as_str).collect();
    let distinct = |name: &dyn Fn(&str) -> String| {
        let names: BTreeSet<String> = strings.iter().map(|s| name(s)).collect();
        names.len() == strings.len()
    };
    distinct(&|s| variant_name(s))
        || distinct(&|s| variant_name(&s.replace(|c: char| c == '_' || !c.is_alphanumeric(), "X")))
}

/// typify's name for an enum value: `+1` and `-1` as words, anything else Pascal-cased with
/// every character that cannot be in a name taken as a word break.
fn variant_name(value: &str) -> String {
    let value = match value {
        "+1" => "plus1".to_string(),
        "-1" => "minus1".to_string(),
        other => other
            .replace('\'', "")
            .replace(|c: char| !(c.is_alphanumeric() || c == '_'), "-"),
    };
    let name = value.to_pascal_case();
    match name.chars().next() {
        None => "X".to_string(),
        Some(c) if c.is_alphabetic() || c == '_' => name,
        Some(_) => format!("X{name}"),
    }
}

/// A `default` the schema accepts, or none.
fn acceptable_default(schema: &mut Mapping) -> Option<String> {
    let default = schema.get("default")?.clone();
    let nullable = schema.get("nullable") == Some(&Value::Bool(true));
    let typed = match schema.get("type").and_then(Value::as_str) {
        None => true,
        Some(_) if default.is_null() => nullable,
        Some(t) => match (t, json_kind(&default)) {
            ("number", Some("integer" | "number")) => true,
            (t, Some(k)) => t == k,
            (_, None) => false,
        },
    };
    let listed = match schema.get("enum") {
        Some(Value::Sequence(values)) => values.contains(&default),
        _ => true,
    };
    if typed && listed {
        return None;
    }
    schema.shift_remove("default");
    Some(format!(
        "`default: {}` removed (progenitor refuses a default the schema does not accept)",
        inline(&default)
    ))
}

/// Operations with several different success or error bodies, which progenitor cannot type.
fn body_problems(doc: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (path, item) in doc
        .get("paths")
        .and_then(Value::as_mapping)
        .into_iter()
        .flatten()
    {
        for (method, op) in item.as_mapping().into_iter().flatten() {
            let method = key_text(method);
            if !METHODS.contains(&method) {
                continue;
            }
            let at = Pointer::root()
                .join("paths")
                .join(key_text(path))
                .join(method)
                .join("responses");
            for (what, statuses) in bodies(doc, op) {
                let kinds: BTreeSet<&String> = statuses.iter().map(|(_, k)| k).collect();
                if kinds.len() > 1 {
                    let listed: Vec<String> =
                        statuses.iter().map(|(s, k)| format!("{s}: {k}")).collect();
                    out.push((
                        at.to_string(),
                        format!(
                            "{} different {what} bodies ({}); progenitor takes one per operation: \
                             give them one schema in the overlay",
                            kinds.len(),
                            listed.join("; ")
                        ),
                    ));
                }
            }
        }
    }
    out
}

/// The success and the error statuses of an operation, each with what its body is.
fn bodies(doc: &Value, op: &Value) -> [(&'static str, Vec<(String, String)>); 2] {
    let mut success = Vec::new();
    let mut errors = Vec::new();
    for (status, response) in op
        .get("responses")
        .and_then(Value::as_mapping)
        .into_iter()
        .flatten()
    {
        let status = key_text(status).to_string();
        let first = status.chars().next().unwrap_or('0');
        let list = match first {
            '2' => &mut success,
            '4' | '5' => &mut errors,
            _ => continue,
        };
        list.push((status, body(doc, response)));
    }
    [("success", success), ("error", errors)]
}

/// What a response's body is: the JSON schema it leads to, or another kind of body, or none.
fn body(doc: &Value, response: &Value) -> String {
    let response = resolve(doc, response);
    let Some(content) = response.get("content").and_then(Value::as_mapping) else {
        return "no body".to_string();
    };
    let json = content
        .iter()
        .find(|(k, _)| key_text(k).eq_ignore_ascii_case("application/json"));
    match json.and_then(|(_, m)| m.get("schema")) {
        Some(schema) => match schema.get("$ref").and_then(Value::as_str) {
            Some(r) => final_ref(doc, r),
            None => "an inline schema".to_string(),
        },
        None if content.is_empty() => "no body".to_string(),
        None => "a non-JSON body".to_string(),
    }
}

/// Follows `$ref`s of `node` within `doc`.
fn resolve<'v>(doc: &'v Value, node: &'v Value) -> &'v Value {
    let mut node = node;
    for _ in 0..16 {
        let Some(target) = node
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix('#'))
            .and_then(|p| Pointer::parse(p).ok())
            .and_then(|p| tree::get(doc, &p))
        else {
            break;
        };
        node = target;
    }
    node
}

/// The last reference of a chain of `$ref`s (two references to one schema are one type).
fn final_ref(doc: &Value, reference: &str) -> String {
    let mut last = reference.to_string();
    for _ in 0..16 {
        let next = last
            .strip_prefix('#')
            .and_then(|p| Pointer::parse(p).ok())
            .and_then(|p| tree::get(doc, &p))
            .and_then(|n| n.get("$ref"))
            .and_then(Value::as_str);
        match next {
            Some(n) => last = n.to_string(),
            None => break,
        }
    }
    last
}

#[cfg(test)]
mod tests;
