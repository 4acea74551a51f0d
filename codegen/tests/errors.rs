//! A malformed spec yields an error naming the file, the JSON pointer and the problem; never
//! a panic. Each case edits one of the real specs, so the rest of the document is valid.

use codegen::CodegenError;
use specs::{Spec, Vendor};

fn generate(file: &str, text: &str) -> Result<(), CodegenError> {
    let spec = Spec::parse(file, text)?;
    codegen::generate(&spec, Vendor::Peeker).map(|_| ())
}

/// The real spec with `from` replaced by `to` (which must occur exactly once).
fn edited(vendor: Vendor, from: &str, to: &str) -> String {
    let text = vendor.embedded_yaml();
    assert_eq!(text.matches(from).count(), 1, "`{from}` must occur once");
    text.replacen(from, to, 1)
}

fn error(vendor: Vendor, from: &str, to: &str) -> CodegenError {
    let text = edited(vendor, from, to);
    generate("specs/edited.yaml", &text).expect_err("the edited spec must be rejected")
}

#[test]
fn the_real_specs_generate() {
    for vendor in Vendor::ALL {
        let spec = vendor.spec().unwrap();
        codegen::generate(&spec, vendor).unwrap_or_else(|e| panic!("{e}"));
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
        Vendor::Peeker,
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
        Vendor::Peeker,
        "        kind: next-url",
        "        kind: next-ulr",
    );
    assert_eq!(e.pointer, "/paths/~1domains/get/x-pagination");
    assert!(e.problem.contains("next-ulr"), "{e}");
}

#[test]
fn an_unknown_x_pagination_key_is_rejected_with_its_pointer() {
    let e = error(
        Vendor::Devpayr,
        "        kind: cursor",
        "        knid: cursor",
    );
    assert_eq!(
        e.pointer,
        "/paths/~1project~1{project}~1domains/get/x-pagination"
    );
    assert!(e.problem.contains("knid"), "{e}");
}

#[test]
fn an_unsupported_openapi_version_is_rejected() {
    let e = error(Vendor::Peeker, "openapi: 3.0.3", "openapi: 3.1.0");
    assert_eq!(e.pointer, "/openapi");
    assert!(e.problem.contains("3.0.x"), "{e}");
}

#[test]
fn a_dangling_ref_is_rejected_with_its_pointer() {
    let e = error(
        Vendor::Peeker,
        "$ref: \"#/components/schemas/DomainPage\"",
        "$ref: \"#/components/schemas/DomainPages\"",
    );
    assert_eq!(
        e.pointer,
        "/paths/~1domains/get/responses/200/content/application~1json/schema/$ref"
    );
    assert!(e.problem.contains("does not resolve"), "{e}");
}

#[test]
fn a_path_parameter_missing_from_the_path_is_rejected() {
    let e = error(
        Vendor::Devpayr,
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
        Vendor::Devpayr,
        "      type: apiKey\n      in: header\n      name: X-API-KEY",
        "      type: apiKey\n      in: query\n      name: key",
    );
    assert_eq!(e.pointer, "/components/securitySchemes/apiKey");
    assert!(e.problem.contains("not supported"), "{e}");
}

#[test]
fn items_that_are_not_an_array_of_a_component_are_rejected() {
    let e = error(
        Vendor::Peeker,
        "        items: /data\n",
        "        items: /meta\n",
    );
    assert_eq!(e.pointer, "/paths/~1domains/get/x-pagination/items");
    assert!(e.problem.contains("array"), "{e}");
}

#[test]
fn a_json_response_without_schema_is_rejected() {
    let e = error(
        Vendor::Devpayr,
        "      content:\n        application/json:\n          schema:\n            $ref: \"#/components/schemas/ErrorEnvelope\"\n  schemas:",
        "      content:\n        application/json: {}\n  schemas:",
    );
    assert_eq!(
        e.pointer,
        "/components/responses/RateLimited/content/application~1json"
    );
    assert!(e.problem.contains("schema"), "{e}");
}
