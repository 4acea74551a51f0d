//! An OpenAPI 3.1 document imported: every conversion to 3.0.3 in one small document
//! (`tests/fixtures/notes-3.1.yaml`), the spec compared with `tests/output/notes.yaml`
//! (`EXPECTORATE=overwrite cargo test -p import` rewrites it), and a construct with no 3.0 form
//! refused with its pointer.

use std::path::{Path, PathBuf};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn request(document: PathBuf) -> import::Request {
    import::Request {
        api: "notes".into(),
        document,
        operations: vec!["listNotes".into()],
        overlays: vec![fixtures().join("notes.overlay.yaml")],
        root: Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf(),
    }
}

#[test]
fn a_3_1_document_is_converted_and_says_so() {
    let imported = import::import(&request(fixtures().join("notes-3.1.yaml")))
        .unwrap_or_else(|e| panic!("{e}"));
    expectorate::assert_contents("tests/output/notes.yaml", &imported.text);
    let conversion = imported.conversion.expect("a 3.1 document is converted");
    assert_eq!(conversion.from, "3.1.0");
    let rules: Vec<(&str, usize)> = conversion.rules.iter().map(|(r, n)| (*r, *n)).collect();
    assert_eq!(
        rules,
        [
            ("$comment/$schema dropped", 1),
            ("const → enum", 1),
            ("examples → example", 1),
            ("info.license.identifier dropped", 1),
            ("info.summary dropped", 1),
            ("null branches → nullable", 2),
            ("numeric exclusive bounds → boolean", 3),
            ("type lists → type (and nullable)", 2),
        ]
    );
    let text = &imported.text;
    assert!(
        text.contains(
            "# converted from OpenAPI 3.1.0 to 3.0.3:\n#   1 × $comment/$schema dropped\n"
        ),
        "{text}"
    );
    for gone in [
        "3.1.0",
        "jsonSchemaDialect",
        "webhooks",
        "'null'",
        "const:",
        "examples:",
        "unused",
        "Unused",
        "createNote",
        "getNote",
    ] {
        assert!(
            !text
                .lines()
                .filter(|l| !l.starts_with('#'))
                .any(|l| l.contains(gone)),
            "`{gone}` is left"
        );
    }
    // The written spec is one the workspace reads: the import parsed it, and so does this.
    let spec = specs::Spec::parse("specs/notes.yaml", text).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(spec.operations.len(), 1);
    assert!(spec.operations[0].pagination.is_some());
}

#[test]
fn a_keyword_with_no_3_0_form_is_refused_where_it_is() {
    let text = std::fs::read_to_string(fixtures().join("notes-3.1.yaml")).unwrap();
    let text = text.replace(
        "        title:\n          type: string\n",
        "        title:\n          type: string\n          prefixItems: [{type: string}]\n",
    );
    let dir =
        Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("import-3-1-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("notes-3.1.yaml");
    std::fs::write(&path, text).unwrap();
    let err = import::import(&request(path)).unwrap_err();
    assert_eq!(err.pointer, "/components/schemas/Note/properties/title");
    assert!(
        err.problem
            .contains("`prefixItems` (JSON Schema 2020-12) has no OpenAPI 3.0 form"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
