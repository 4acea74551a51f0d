//! Snapshot tests in the progenitor/typify style: every spec in `tests/fixtures/` is generated
//! and compared with `tests/output/<name>.rs` and `tests/output/<name>.README.md`.
//!
//! `EXPECTORATE=overwrite cargo test -p codegen` rewrites the snapshots; review the diff.
//! `tests/compiles.rs` compiles the Rust snapshots, so a snapshot is also proven to build.

use std::path::{Path, PathBuf};

fn fixtures() -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir("tests/fixtures")
        .expect("tests/fixtures is readable")
        .map(|e| e.expect("a directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    paths.sort();
    assert!(!paths.is_empty(), "no fixtures found");
    paths
}

#[test]
fn fixtures_match_their_snapshots() {
    for path in fixtures() {
        let stem = path.file_stem().unwrap().to_string_lossy().to_string();
        let spec = specs::Spec::load(&path).unwrap_or_else(|e| panic!("{e}"));
        let files = codegen::generate_files(
            &spec,
            &format!("{stem}-client"),
            &format!("codegen/tests/fixtures/{stem}.yaml"),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        for file in files {
            let name = match file.path.to_str() {
                Some("src/generated.rs") => format!("{stem}.rs"),
                Some("README.md") => format!("{stem}.README.md"),
                other => panic!("unexpected generated file {other:?}"),
            };
            expectorate::assert_contents(Path::new("tests/output").join(name), &file.contents);
        }
    }
}

#[test]
fn the_kind_of_pagination_decides_the_stream() {
    let load = |name: &str| {
        let spec = specs::Spec::load(Path::new(&format!("tests/fixtures/{name}.yaml"))).unwrap();
        let files = codegen::generate_files(&spec, "x-client", "x.yaml").unwrap();
        files
            .into_iter()
            .find(|f| f.path == Path::new("src/generated.rs"))
            .unwrap()
            .contents
    };
    let next_url = load("widgets-next-url");
    assert!(next_url.contains("follow_next_url("));
    assert!(next_url.contains("list_widgets_next_page("));
    assert!(next_url.contains(r#""/items""#) && next_url.contains(r#""/paging/next_url""#));
    assert!(next_url.contains("pub fn with_bearer_token("));
    assert!(!next_url.contains("pub fn with_api_key("));

    let cursor = load("gadgets-cursor");
    assert!(!cursor.contains("follow_next_url"));
    assert!(cursor.contains(".after(next.clone())"));
    assert!(cursor.contains(r#""/results""#) && cursor.contains(r#""/after""#));
    assert!(cursor.contains(r#"HeaderName::from_static("x-gadget-token")"#));
    assert!(!cursor.contains("pub fn with_bearer_token("));
    // Only the paginated operation gets a stream.
    assert_eq!(cursor.matches("pub fn stream(").count(), 1);
}

#[test]
fn string_enums_get_an_unknown_variant() {
    let spec = specs::Spec::load(Path::new("tests/fixtures/widgets-next-url.yaml")).unwrap();
    let files = codegen::generate_files(&spec, "x-client", "x.yaml").unwrap();
    let rust = &files
        .iter()
        .find(|f| f.path == Path::new("src/generated.rs"))
        .unwrap()
        .contents;
    let at = rust.find("pub enum ListWidgetsColor {").expect("the enum");
    let start = rust[..at].rfind("#[derive(").unwrap();
    let derive = &rust[start..at];
    assert!(!derive.contains("Copy"), "{derive}");
    assert!(derive.contains("::serde::Deserialize") && derive.contains("Clone"));
    let end = at + rust[at..].find("impl ::std::str::FromStr").unwrap();
    assert_eq!(
        &rust[at..end],
        r#"pub enum ListWidgetsColor {
        #[serde(rename = "red")]
        Red,
        #[serde(rename = "blue")]
        Blue,
        /// A value that this client does not know: the vendor added it after the spec was written. Serialized back as the same string.
        #[serde(untagged)]
        Unknown(::std::string::String),
    }
    impl ::std::fmt::Display for ListWidgetsColor {
        fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
            match self {
                Self::Red => f.write_str("red"),
                Self::Blue => f.write_str("blue"),
                Self::Unknown(value) => f.write_str(value),
            }
        }
    }
    "#
    );
    // FromStr stays strict.
    assert!(rust.contains(r#"_ => Err("invalid value".into()),"#));
    let readme = &files
        .iter()
        .find(|f| f.path == Path::new("README.md"))
        .unwrap()
        .contents;
    assert!(readme.contains("## Enums"), "{readme}");
    assert!(readme.contains("`Unknown(String)`"), "{readme}");
    assert!(readme.contains("`types::ListWidgetsColor`"), "{readme}");
}
