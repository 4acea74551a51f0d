//! Each kind of bad input is a located error (file, JSON pointer, problem), never a panic: an
//! unknown operation, an overlay target that selects nothing, a `$ref` that does not resolve,
//! a document that is not OpenAPI (or not even JSON or YAML). `xtask/tests/import.rs` checks
//! the same through the command line: exit 2, nothing written.

use std::path::{Path, PathBuf};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// A scratch directory of this test's own.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("import-bad-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn import(document: PathBuf, operations: &[&str], overlays: Vec<PathBuf>) -> import::ImportError {
    let request = import::Request {
        api: "notes".into(),
        document,
        operations: operations.iter().map(|s| s.to_string()).collect(),
        overlays,
        root: Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf(),
    };
    import::import(&request).expect_err("bad input is refused")
}

/// The Notes document with `from` replaced by `to`, written to a scratch file.
fn edited(name: &str, from: &str, to: &str) -> PathBuf {
    let text = std::fs::read_to_string(fixtures().join("notes-3.1.yaml")).unwrap();
    assert!(text.contains(from), "the fixture has `{from}`");
    let path = scratch(name).join("notes.yaml");
    std::fs::write(&path, text.replace(from, to)).unwrap();
    path
}

#[test]
fn an_unknown_operation_is_named() {
    let err = import(
        fixtures().join("notes-3.1.yaml"),
        &["listNotes", "listNote"],
        vec![],
    );
    assert_eq!(err.file, "tests/fixtures/notes-3.1.yaml");
    assert_eq!(err.pointer, "/paths");
    assert!(
        err.problem
            .contains("no operation has the operationId `listNote`"),
        "{err}"
    );
    assert!(
        err.problem
            .contains("operations that start alike: listNotes"),
        "{err}"
    );
    let err = import(
        fixtures().join("notes-3.1.yaml"),
        &["DELETE /notes"],
        vec![],
    );
    assert!(err.problem.contains("`DELETE /notes`"), "{err}");
}

#[test]
fn an_overlay_target_that_selects_nothing_is_named() {
    let overlay = scratch("overlay").join("o.yaml");
    std::fs::write(
        &overlay,
        "overlay: 1.0.0\ninfo: {title: t, version: '1'}\nactions:\n\
         - target: $.paths['/notes'].get\n  update: {summary: Notes}\n\
         - target: $.paths['/notes/{id}'].get\n  update: {summary: One note}\n",
    )
    .unwrap();
    let err = import(
        fixtures().join("notes-3.1.yaml"),
        &["listNotes"],
        vec![overlay],
    );
    assert!(err.file.ends_with("o.yaml"), "{err}");
    assert_eq!(err.pointer, "/actions/1/target");
    assert!(
        err.problem
            .contains("`$.paths['/notes/{id}'].get` selects nothing"),
        "{err}"
    );
}

#[test]
fn a_reference_that_does_not_resolve_is_located() {
    let path = edited(
        "ref",
        "$ref: \"#/components/schemas/Folder\"",
        "$ref: \"#/components/schemas/Folders\"",
    );
    let err = import(path, &["listNotes"], vec![]);
    assert_eq!(
        err.pointer,
        "/components/schemas/Note/properties/folder/anyOf/0"
    );
    assert!(
        err.problem.contains("`#/components/schemas/Folders` does not resolve: the document has no /components/schemas/Folders"),
        "{err}"
    );
}

#[test]
fn a_document_that_is_not_openapi_is_refused() {
    let dir = scratch("not-openapi");
    let cases = [
        (
            "swagger.json",
            "{\"swagger\": \"2.0\", \"paths\": {}}",
            "/swagger",
            "a Swagger 2.0 document is not OpenAPI 3",
        ),
        (
            "plain.json",
            "{\"name\": \"a package\"}",
            "/",
            "not an OpenAPI document: it has no `openapi` member",
        ),
        (
            "list.yaml",
            "- a\n- b\n",
            "/",
            "not an OpenAPI document: the document is a list",
        ),
        (
            "broken.json",
            "{\"openapi\": \"3.0.3\",",
            "/",
            "not valid JSON (line 1, column 20)",
        ),
        (
            "old.yaml",
            "openapi: 2.0.0\npaths: {}\n",
            "/openapi",
            "OpenAPI `2.0.0` is not supported",
        ),
    ];
    for (name, text, pointer, problem) in cases {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        let err = import(path, &["listNotes"], vec![]);
        assert_eq!(err.pointer, pointer, "{name}: {err}");
        assert!(err.problem.contains(problem), "{name}: {err}");
    }
    let err = import(dir.join("absent.json"), &["listNotes"], vec![]);
    assert!(err.problem.contains("cannot read the document"), "{err}");
}

#[test]
fn marks_the_spec_reader_refuses_are_located_in_the_spec() {
    let overlay = scratch("marks").join("o.yaml");
    std::fs::write(
        &overlay,
        "overlay: 1.0.0\ninfo: {title: t, version: '1'}\nactions:\n\
         - target: $.paths['/notes'].get\n  update: {x-pagination: {style: pages}}\n",
    )
    .unwrap();
    let err = import(
        fixtures().join("notes-3.1.yaml"),
        &["listNotes"],
        vec![overlay],
    );
    assert_eq!(err.file, "specs/notes.yaml (as imported)");
    assert!(
        err.pointer.starts_with("/paths/~1notes/get/x-pagination"),
        "{err}"
    );
}
