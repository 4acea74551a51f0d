use super::*;

#[test]
fn embedded_specs_parse_and_declare_their_extensions() {
    let peeker = Vendor::Peeker.spec().expect("peeker spec");
    let op = peeker.operation("list_domains").expect("list_domains");
    let p = op.pagination.as_ref().expect("x-pagination");
    assert_eq!(p.kind, NextKind::NextUrl);
    assert_eq!((p.size_default, p.size_max), (25, 100));
    let params: Vec<_> = op.filters.iter().map(|f| f.param.as_str()).collect();
    assert_eq!(
        params,
        ["category", "user_id", "user_email", "usable_for", "status"]
    );
    let status = op.filters.iter().find(|f| f.param == "status").unwrap();
    assert_eq!(
        status.values.as_deref().unwrap(),
        [
            "available",
            "in_progress",
            "active",
            "failed",
            "action_required"
        ]
    );
    assert_eq!(
        op.filters
            .iter()
            .find(|f| f.param == "user_email")
            .unwrap()
            .matching,
        Match::Owner
    );

    let devpayr = Vendor::Devpayr.spec().expect("devpayr spec");
    let op = devpayr.operation("list_project_domains").expect("op");
    let p = op.pagination.as_ref().unwrap();
    assert_eq!(p.kind, NextKind::Cursor);
    assert_eq!((p.size_default, p.size_max), (50, 50));
    assert_eq!(op.errors.invalid_key, [403]);
    assert_eq!(op.access.as_ref().unwrap().path_param, "project");
}

fn with(text: &str, from: &str, to: &str) -> String {
    assert!(text.contains(from), "test edit target `{from}` not found");
    text.replacen(from, to, 1)
}

#[test]
fn bad_extension_is_reported_with_file_and_pointer() {
    let text = with(
        Vendor::Peeker.embedded_yaml(),
        "kind: next-url",
        "kind: offset",
    );
    let err = Spec::parse("specs/peeker.yaml", &text).unwrap_err();
    assert_eq!(err.file, "specs/peeker.yaml");
    assert_eq!(err.pointer, "/paths/~1domains/get/x-pagination");
    assert!(err.problem.contains("offset"), "{err}");
}

#[test]
fn size_max_must_agree_with_the_parameter_maximum() {
    let text = with(
        Vendor::Devpayr.embedded_yaml(),
        "size-max: 50",
        "size-max: 60",
    );
    let err = Spec::parse("d.yaml", &text).unwrap_err();
    assert_eq!(
        err.pointer,
        "/paths/~1project~1{project}~1domains/get/x-pagination/size-max"
    );
}

#[test]
fn missing_operation_id_and_wrong_version_are_errors() {
    let text = with(
        Vendor::Peeker.embedded_yaml(),
        "operationId: list_domains",
        "",
    );
    let err = Spec::parse("p.yaml", &text).unwrap_err();
    assert!(err.problem.contains("operationId"), "{err}");

    let text = with(
        Vendor::Peeker.embedded_yaml(),
        "openapi: 3.0.3",
        "openapi: 3.1.0",
    );
    let err = Spec::parse("p.yaml", &text).unwrap_err();
    assert_eq!(err.pointer, "/openapi");

    let err = Spec::parse("p.yaml", "openapi: [unclosed").unwrap_err();
    assert!(err.problem.contains("YAML"), "{err}");
}

#[test]
fn json_schema_conversion_handles_nullable_and_refs() {
    let spec = Vendor::Peeker.spec().unwrap();
    let schemas = spec.json_schemas();
    let page = schemas.response("/paths/~1domains/get", "200").unwrap();
    assert_eq!(page["$ref"], "#/$defs/DomainPage");
    assert_eq!(
        page["$defs"]["Domain"]["properties"]["user_id"]["type"],
        serde_json::json!(["string", "null"])
    );
    assert_eq!(
        schemas.response_headers("/paths/~1domains/get", "429"),
        ["Retry-After"]
    );
    let devpayr = Vendor::Devpayr.spec().unwrap().json_schemas();
    let domain = devpayr.component("ProjectDomain").unwrap();
    assert_eq!(
        domain["$defs"]["ProjectDomain"]["additionalProperties"],
        false
    );
}
