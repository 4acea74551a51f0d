//! Each rule against progenitor 0.15.1 itself: the schema before the rule makes it panic (or
//! refuse), the schema after is generated, and the written schema says what was done.

use std::panic::{catch_unwind, AssertUnwindSafe};

use serde_yaml::Value;

use super::*;

/// A document whose one operation answers the schema `Thing`.
fn doc(schema: &str) -> Value {
    serde_yaml::from_str(&format!(
        r##"
openapi: 3.0.3
info: {{title: t, version: "1"}}
paths:
  /x:
    get:
      operationId: get_x
      responses:
        "200":
          description: ok
          content: {{application/json: {{schema: {{$ref: "#/components/schemas/Thing"}}}}}}
components:
  schemas:
    Thing: {schema}
"##
    ))
    .unwrap()
}

/// The names progenitor gives two types of `mod types`, in `doc`.
fn twice_named(doc: &Value) -> Vec<String> {
    let json = crate::tree::to_json(doc);
    let api: openapiv3::OpenAPI = serde_json::from_value(json).unwrap();
    let mut settings = progenitor::GenerationSettings::new();
    settings.with_interface(progenitor::InterfaceStyle::Builder);
    let tokens = progenitor::Generator::new(&settings)
        .generate_tokens(&api)
        .unwrap();
    let file: syn::File = syn::parse2(tokens).unwrap();
    let mut seen = std::collections::BTreeMap::<String, usize>::new();
    for item in &file.items {
        let syn::Item::Mod(m) = item else { continue };
        if m.ident != "types" {
            continue;
        }
        for item in m.content.iter().flat_map(|(_, items)| items) {
            let name = match item {
                syn::Item::Struct(s) => s.ident.to_string(),
                syn::Item::Enum(e) => e.ident.to_string(),
                _ => continue,
            };
            *seen.entry(name).or_default() += 1;
        }
    }
    seen.into_iter()
        .filter(|(_, n)| *n > 1)
        .map(|(name, _)| name)
        .collect()
}

/// Whether progenitor generates a client for `doc`.
fn generates(doc: &Value) -> bool {
    let json = crate::tree::to_json(doc);
    let Ok(api) = serde_json::from_value::<openapiv3::OpenAPI>(json) else {
        return false;
    };
    let mut settings = progenitor::GenerationSettings::new();
    settings.with_interface(progenitor::InterfaceStyle::Builder);
    let mut generator = progenitor::Generator::new(&settings);
    matches!(
        catch_unwind(AssertUnwindSafe(|| generator.generate_tokens(&api))),
        Ok(Ok(_))
    )
}

/// The schema `before` makes progenitor fail, the rule makes it generate, and the mark says
/// `note`.
fn rule(before: &str, after: &str, note: &str) {
    let mut d = doc(before);
    assert!(
        !generates(&d),
        "progenitor takes `{before}`: the rule is not needed"
    );
    let done = simplify(&mut d);
    assert!(
        generates(&d),
        "progenitor still fails after the rule on `{before}`"
    );
    let thing = &mut d["components"]["schemas"]["Thing"];
    let mark = thing.as_mapping_mut().unwrap().shift_remove(MARK);
    let mark = mark
        .and_then(|m| m.as_str().map(str::to_string))
        .unwrap_or_default();
    assert!(mark.contains(note), "{mark}");
    assert_eq!(
        thing,
        &serde_yaml::from_str::<Value>(after).unwrap(),
        "{before}"
    );
    assert_eq!(done.rewritten.len(), 1);
    assert_eq!(done.rewritten[0].0, "/components/schemas/Thing");
}

#[test]
fn not_is_removed() {
    rule(
        "{not: {type: string}, description: d}",
        "{description: d}",
        "`not: {\"type\":\"string\"}` removed",
    );
}

#[test]
fn an_empty_all_of_is_removed() {
    rule("{allOf: []}", "{}", "an empty `allOf` removed");
}

#[test]
fn a_format_or_bounds_without_a_type_get_one() {
    rule(
        "{format: date-time}",
        "{format: date-time, type: string}",
        "`type: string` added",
    );
    rule(
        "{format: int64, description: d}",
        "{format: int64, description: d, type: integer}",
        "`type: integer`",
    );
    rule(
        "{minimum: 1}",
        "{minimum: 1, type: number}",
        "numeric bounds",
    );
}

#[test]
fn enums_progenitor_cannot_name_are_removed() {
    rule("{enum: [a, 1]}", "{}", "values of several types");
    rule(
        "{type: string, enum: [A, a]}",
        "{type: string}",
        "same Rust name",
    );
    rule(
        "{type: string, enum: [a-b, a_b]}",
        "{type: string}",
        "`enum: [\"a-b\",\"a_b\"]` removed",
    );
    rule(
        "{type: string, enum: [a, b, a]}",
        "{type: string, enum: [a, b]}",
        "1 repeated `enum` value(s) dropped",
    );
}

#[test]
fn defaults_the_schema_refuses_are_removed() {
    rule(
        "{type: integer, default: '30'}",
        "{type: integer}",
        "`default: \"30\"` removed",
    );
    rule(
        "{type: string, enum: [a, b], default: c}",
        "{type: string, enum: [a, b]}",
        "`default: \"c\"`",
    );
}

#[test]
fn what_progenitor_takes_is_left_alone() {
    for schema in [
        "{oneOf: [{type: string}, {type: object, properties: {id: {type: integer}}}]}",
        "{anyOf: [{type: string}, {type: number}], nullable: true}",
        "{type: string, enum: ['+1', '-1', a_b, ab]}",
        "{type: integer, default: 30, minimum: 1}",
        "{type: number, default: 1}",
        "{type: string, nullable: true, default: null}",
        "{minLength: 1}",
    ] {
        let mut d = doc(schema);
        assert!(generates(&d), "{schema}");
        let done = simplify(&mut d);
        assert!(done.rewritten.is_empty(), "{schema}: {done:?}");
    }
}

#[test]
fn several_error_bodies_are_reported_not_rewritten() {
    let mut d = doc("{type: object}");
    let extra: Value = serde_yaml::from_str(
        r##"
"404": {description: a, content: {application/json: {schema: {$ref: "#/components/schemas/A"}}}}
"422": {$ref: "#/components/responses/B"}
"500": {description: c, content: {application/json: {schema: {$ref: "#/components/schemas/C"}}}}
"##,
    )
    .unwrap();
    let responses = d["paths"]["/x"]["get"]["responses"]
        .as_mapping_mut()
        .unwrap();
    for (k, v) in extra.as_mapping().unwrap() {
        responses.insert(k.clone(), v.clone());
    }
    let components: Value = serde_yaml::from_str(
        r##"
A: {type: object}
C: {$ref: "#/components/schemas/A"}
"##,
    )
    .unwrap();
    let schemas = d["components"]["schemas"].as_mapping_mut().unwrap();
    for (k, v) in components.as_mapping().unwrap() {
        schemas.insert(k.clone(), v.clone());
    }
    d["components"]["responses"] = serde_yaml::from_str(
        r##"{B: {description: b, content: {application/json: {schema: {$ref: "#/components/schemas/Thing"}}}}}"##,
    )
    .unwrap();
    let done = simplify(&mut d);
    assert_eq!(done.problems.len(), 1, "{done:?}");
    let (at, problem) = &done.problems[0];
    assert_eq!(at, "/paths/~1x/get/responses");
    assert!(
        problem.starts_with("2 different error bodies (404: #/components/schemas/A; 422: #/components/schemas/Thing; 500: #/components/schemas/A)"),
        "{problem}"
    );
}

#[test]
fn titles_that_would_name_two_types_alike_are_removed() {
    let mut d = doc(r##"{type: object, properties: {
            u: {$ref: "#/components/schemas/simple-user"},
            n: {$ref: "#/components/schemas/nullable-simple-user"},
            i: {$ref: "#/components/schemas/issue-type"},
            v: {title: Simple User, type: object, properties: {b: {type: integer}}},
            w: {title: Other, type: object, properties: {c: {type: integer}}}}}"##);
    let components: Value = serde_yaml::from_str(
        r#"
simple-user: {title: Simple User, type: object, properties: {login: {type: string}}}
nullable-simple-user: {title: Simple User, nullable: true, type: object, properties: {login: {type: string}}}
issue-type: {title: Issue Type, nullable: true, type: object, properties: {id: {type: integer}}}
milestone-ish: {title: Milestone, nullable: true, type: object, properties: {id: {type: integer}}}
"#,
    )
    .unwrap();
    let schemas = d["components"]["schemas"].as_mapping_mut().unwrap();
    for (k, v) in components.as_mapping().unwrap() {
        schemas.insert(k.clone(), v.clone());
    }
    assert_eq!(twice_named(&d), ["IssueType", "SimpleUser"]);
    let done = simplify(&mut d);
    assert!(twice_named(&d).is_empty(), "{done:?}");
    let at: Vec<&str> = done.rewritten.iter().map(|(at, _)| at.as_str()).collect();
    assert_eq!(
        at,
        [
            "/components/schemas/Thing/properties/v",
            "/components/schemas/nullable-simple-user",
            "/components/schemas/issue-type",
        ]
    );
    // A title that names nothing else stays: the simple user's, Other, Milestone.
    let schemas = &d["components"]["schemas"];
    assert_eq!(schemas["simple-user"]["title"], "Simple User");
    assert_eq!(schemas["Thing"]["properties"]["w"]["title"], "Other");
    assert_eq!(schemas["milestone-ish"]["title"], "Milestone");
}
