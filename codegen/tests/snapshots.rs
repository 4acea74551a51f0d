//! Snapshot tests in the progenitor/typify style: every spec in `fixtures/specs/` (one per
//! pagination style) is generated and compared with `tests/output/<stem>.rs` and
//! `tests/output/<stem>.README.md`.
//!
//! `EXPECTORATE=overwrite cargo test -p codegen` rewrites the snapshots; review the diff.
//! `tests/compiles.rs` compiles the Rust snapshots and walks each against its reference mock.

use std::path::{Path, PathBuf};

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/specs")
}

fn fixtures() -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(fixtures_dir())
        .expect("fixtures/specs is readable")
        .map(|e| e.expect("a directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    paths.sort();
    assert!(!paths.is_empty(), "no fixtures found");
    paths
}

fn generated(stem: &str) -> (String, String) {
    let spec = specs::Spec::load(&fixtures_dir().join(format!("{stem}.yaml"))).unwrap();
    let files = codegen::generate_files(&spec, "x-client", "x.yaml").unwrap();
    let find = |path: &str| {
        files
            .iter()
            .find(|f| f.path == Path::new(path))
            .unwrap()
            .contents
            .clone()
    };
    (find("src/generated.rs"), find("README.md"))
}

#[test]
fn fixtures_match_their_snapshots() {
    for path in fixtures() {
        let stem = path.file_stem().unwrap().to_string_lossy().to_string();
        let spec = specs::Spec::load(&path).unwrap_or_else(|e| panic!("{e}"));
        let files = codegen::generate_files(
            &spec,
            &format!("{stem}-client"),
            &format!("fixtures/specs/{stem}.yaml"),
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
fn every_fixture_has_its_snapshots_and_no_other_snapshot_is_left() {
    let stems: Vec<String> = fixtures()
        .iter()
        .map(|p| p.file_stem().unwrap().to_string_lossy().to_string())
        .collect();
    for entry in std::fs::read_dir("tests/output").unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().to_string();
        let stem = name
            .strip_suffix(".README.md")
            .or_else(|| name.strip_suffix(".rs"))
            .unwrap_or(&name);
        assert!(stems.iter().any(|s| s == stem), "stale snapshot {name}");
    }
}

#[test]
fn the_walk_model_decides_the_stream() {
    let (next_url, _) = generated("widgets-next-url");
    assert!(next_url.contains("::client_runtime::Advance::NextUrl"));
    assert!(next_url.contains("from: ::client_runtime::Carrier::Body"));
    assert!(next_url.contains("ends: ::std::vec![::client_runtime::End::NoNext]"));
    assert!(next_url.contains("list_widgets_next_page("));
    assert!(next_url.contains("let items = self.items;"));
    assert!(next_url.contains("pub fn with_bearer_token("));
    assert!(!next_url.contains("pub fn with_api_key("));

    let (cursor, _) = generated("gadgets-cursor");
    assert!(!cursor.contains("_next_page("));
    assert!(cursor.contains("::client_runtime::Advance::Cursor"));
    assert!(cursor.contains("request.after(value).send().await"));
    assert!(cursor.contains(r#"HeaderName::from_static("x-gadget-token")"#));
    assert!(!cursor.contains("pub fn with_bearer_token("));
    // Only the paginated operation gets a stream.
    assert_eq!(cursor.matches("pub fn stream(").count(), 1);

    let (link, _) = generated("tickets-link-header");
    assert!(link.contains("from: ::client_runtime::Carrier::Link"));
    assert!(link.contains("list_project_tickets_next_page("));
    assert!(link.contains(r#"with_query_key("api_key", key.into())"#));

    let (item_cursor, _) = generated("accounts-item-cursor");
    assert!(item_cursor.contains("::client_runtime::Advance::AfterKey"));
    assert!(item_cursor.contains("request.starting_after(value).send().await"));
    assert!(item_cursor.contains("::client_runtime::End::Flag(false)"));
    assert!(item_cursor.contains("let last_key = items"));

    let (offset, _) = generated("orders-offset");
    assert!(offset.contains("::client_runtime::Advance::Offset"));
    assert!(offset.contains("request.offset(n).send().await"));

    let (page, _) = generated("books-page");
    assert!(page.contains("::client_runtime::Advance::Page"));
    assert!(page.contains("request.page("));
    // No style is restated: the runtime walks.
    for rust in [&next_url, &cursor, &link, &item_cursor, &offset, &page] {
        assert!(!rust.contains("Style::"));
    }
}

#[test]
fn pages_are_decoded_once() {
    for stem in [
        "widgets-next-url",
        "gadgets-cursor",
        "tickets-link-header",
        "accounts-item-cursor",
        "orders-offset",
        "books-page",
    ] {
        let (rust, _) = generated(stem);
        assert_eq!(
            rust.matches("impl ::client_runtime::Page for").count(),
            1,
            "{stem}"
        );
        assert!(!rust.contains("serde_json::to_value"), "{stem}");
        assert!(!rust.contains("serde_json::from_value"), "{stem}");
    }
}

#[test]
fn documented_error_statuses_keep_their_raw_body() {
    for stem in ["widgets-next-url", "orders-offset", "accounts-item-cursor"] {
        let (rust, readme) = generated(stem);
        assert!(
            rust.contains("::client_runtime::error_response(response).await"),
            "{stem}"
        );
        assert!(
            !rust.contains("Error::ErrorResponse(ResponseValue::from_response"),
            "{stem}"
        );
        assert!(
            rust.contains("Error<::client_runtime::ErrorBody<types::"),
            "{stem}"
        );
        assert!(readme.contains("`ErrorBody`"), "{stem}");
    }
}

#[test]
fn string_enums_get_an_unknown_variant() {
    let (rust, readme) = generated("widgets-next-url");
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
    assert!(readme.contains("## Enums"), "{readme}");
    assert!(readme.contains("`Unknown(String)`"), "{readme}");
    assert!(readme.contains("`types::ListWidgetsColor`"), "{readme}");
}

/// Errors in 200 bodies decode through `page_or_error` in the operation's `send()` (which its
/// `stream()` calls); a rate limit told by headers reaches the `exec` hook by operation id.
#[test]
fn in_body_errors_and_rate_limit_headers_reach_the_generated_code() {
    let (notes, readme) = generated("notes-in-body-errors");
    assert_eq!(notes.matches("::client_runtime::page_or_error(").count(), 1);
    assert!(notes.contains(r#"flag: ::std::string::String::from("/ok")"#));
    assert!(readme.contains("with `/ok` false"), "{readme}");
    assert!(notes.contains("::client_runtime::execute(&self.client"));
    assert!(!notes.contains("fn rate_limit_headers"));
    let (gadgets, _) = generated("gadgets-cursor");
    assert!(!gadgets.contains("page_or_error"));
    let github = specs::load("github").unwrap().unwrap();
    let krate = codegen::generate(&github).unwrap();
    let rust = krate.file("src/generated.rs").unwrap();
    assert!(rust.contains("::client_runtime::execute_limited("));
    assert!(rust.contains(r#""repos_list_for_org" | "issues_list_for_repo" | "pulls_list" =>"#));
    assert!(rust.contains("statuses: ::std::vec![403u16, 429u16]"));
    assert!(krate
        .file("README.md")
        .unwrap()
        .contains("A 403 or 429 with `x-ratelimit-remaining: 0` is a rate limit too"));
}
