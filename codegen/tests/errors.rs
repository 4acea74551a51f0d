//! A malformed spec yields an error naming the file, the JSON pointer and the problem; never
//! a panic. Each case edits one of the real specs, so the rest of the document is valid.

use codegen::CodegenError;
use specs::Spec;

fn embedded(api: &str) -> &'static str {
    specs::embedded(api).unwrap_or_else(|| panic!("no spec `{api}`"))
}

fn generate(file: &str, text: &str) -> Result<(), CodegenError> {
    let spec = Spec::parse(file, text)?;
    codegen::generate(&spec).map(|_| ())
}

/// The real spec with `from` replaced by `to` (which must occur exactly once).
fn edited(api: &str, from: &str, to: &str) -> String {
    let text = embedded(api);
    assert_eq!(text.matches(from).count(), 1, "`{from}` must occur once");
    text.replacen(from, to, 1)
}

fn error(api: &str, from: &str, to: &str) -> CodegenError {
    let text = edited(api, from, to);
    generate("specs/edited.yaml", &text).expect_err("the edited spec must be rejected")
}

#[test]
fn the_real_specs_generate() {
    for spec in specs::all().unwrap_or_else(|e| panic!("{e}")) {
        let krate = codegen::generate(&spec).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(krate.api, spec.name);
        for path in ["Cargo.toml", "README.md", "src/generated.rs", "src/lib.rs"] {
            assert!(krate.file(path).is_some(), "{}: no {path}", spec.name);
        }
        let manifest = krate.file("Cargo.toml").unwrap_or_default();
        assert!(manifest.contains(&format!("name = \"{}-client\"", spec.name)));
        assert!(manifest.contains("client-runtime.workspace = true"));
    }
}

#[test]
fn bad_yaml_names_the_file_and_line() {
    let e = generate("specs/broken.yaml", "openapi: 3.0.3\npaths: [unclosed\n").unwrap_err();
    assert_eq!(e.file, "specs/broken.yaml");
    assert_eq!(e.pointer, "/");
    assert!(e.problem.contains("not valid YAML"), "{e}");
    assert!(e.problem.contains("line"), "{e}");
}

#[test]
fn two_error_schemas_on_one_operation_are_rejected_before_progenitor_asserts() {
    let e = error(
        "peeker",
        "        \"429\":\n          $ref: \"#/components/responses/RateLimited\"",
        "        \"429\":\n          description: Other.\n          content:\n            application/json:\n              schema:\n                $ref: \"#/components/schemas/PageMeta\"",
    );
    assert_eq!(e.file, "specs/edited.yaml");
    assert_eq!(e.pointer, "/paths/~1domains/get/responses");
    assert!(
        e.problem.contains("2 different error response bodies"),
        "{e}"
    );
    assert!(e.problem.contains("#/components/schemas/Error"), "{e}");
    assert!(
        e.problem
            .contains("429: JSON #/components/schemas/PageMeta"),
        "{e}"
    );
}

#[test]
fn a_typo_in_an_x_pagination_value_is_rejected_with_its_pointer() {
    let e = error(
        "peeker",
        "        style: next-url",
        "        style: next-ulr",
    );
    assert_eq!(e.pointer, "/paths/~1domains/get/x-pagination/style");
    assert!(e.problem.contains("next-ulr"), "{e}");
}

#[test]
fn an_unknown_x_pagination_key_is_rejected_with_its_pointer() {
    let e = error(
        "devpayr",
        "        items: /data/data",
        "        itmes: /data/data",
    );
    assert!(
        e.pointer
            .starts_with("/paths/~1project~1{project}~1domains/get/x-pagination"),
        "{e}"
    );
    assert!(
        e.problem.contains("itmes") || e.problem.contains("items"),
        "{e}"
    );
}

#[test]
fn an_unsupported_openapi_version_is_rejected() {
    let e = error("peeker", "openapi: 3.0.3", "openapi: 3.1.0");
    assert_eq!(e.pointer, "/openapi");
    assert!(e.problem.contains("3.0.x"), "{e}");
}

#[test]
fn a_dangling_ref_is_rejected_with_its_pointer() {
    let e = error(
        "peeker",
        "$ref: \"#/components/schemas/DomainPage\"",
        "$ref: \"#/components/schemas/DomainPages\"",
    );
    assert!(e.pointer.ends_with("/$ref"), "{e}");
    assert!(
        e.problem.contains("does not resolve") || e.problem.contains("DomainPages"),
        "{e}"
    );
}

#[test]
fn a_path_parameter_missing_from_the_path_is_rejected() {
    let e = error(
        "devpayr",
        "  /project/{project}/domains:",
        "  /project/{id}/domains:",
    );
    assert!(
        e.pointer.starts_with("/paths/~1project~1{id}~1domains/get"),
        "{e}"
    );
    assert!(e.problem.contains("project"), "{e}");
}

#[test]
fn an_unsupported_security_scheme_is_rejected() {
    let e = error(
        "devpayr",
        "      type: apiKey\n      in: header\n      name: X-API-KEY",
        "      type: apiKey\n      in: cookie\n      name: key",
    );
    assert_eq!(e.pointer, "/components/securitySchemes/apiKey");
    assert!(e.problem.contains("not supported"), "{e}");
}

#[test]
fn items_that_are_not_an_array_are_rejected() {
    let e = error("peeker", "        items: /data\n", "        items: /meta\n");
    assert_eq!(e.pointer, "/paths/~1domains/get/x-pagination/items");
    assert!(e.problem.contains("array"), "{e}");
}

#[test]
fn a_pointer_to_no_field_of_the_typed_page_is_rejected() {
    let e = error("peeker", "        items: /data\n", "        items: /dta\n");
    assert!(
        e.pointer.starts_with("/paths/~1domains/get/x-pagination"),
        "{e}"
    );
}

#[test]
fn a_json_response_without_schema_is_rejected() {
    let e = error(
        "devpayr",
        "      content:\n        application/json:\n          schema:\n            $ref: \"#/components/schemas/ErrorEnvelope\"\n  schemas:",
        "      content:\n        application/json: {}\n  schemas:",
    );
    assert_eq!(
        e.pointer,
        "/components/responses/RateLimited/content/application~1json"
    );
    assert!(e.problem.contains("schema"), "{e}");
}
