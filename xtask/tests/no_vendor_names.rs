//! No hand-written Rust outside tests names an API: a vendor fact belongs in its spec. The
//! sources of every crate of the workspace that is not generated are read, comments and unit
//! tests aside (a `tests.rs` module, and what follows a file's `#[cfg(test)]`), for the names of
//! the APIs in `specs/` (case-insensitive).

use std::path::{Path, PathBuf};

/// The hand-written crates whose `src/` must not name an API.
const CRATES: &[&str] = &[
    "specs",
    "codegen",
    "client-runtime",
    "mock",
    "testkit",
    "conformance",
    "docs-watch",
    "xtask",
];

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.filter_map(Result::ok) {
        let path = entry.path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") && !path.ends_with("tests.rs") {
            out.push(path);
        }
    }
}

/// The code of a line, its comment cut off (a `//` outside a string literal), and whether a
/// block comment is still open after it.
fn code(line: &str, mut in_block: bool) -> (String, bool) {
    let mut out = String::new();
    let chars: Vec<char> = line.chars().collect();
    let (mut i, mut in_string) = (0, false);
    while i < chars.len() {
        let (c, next) = (chars[i], chars.get(i + 1).copied());
        if in_block {
            if c == '*' && next == Some('/') {
                in_block = false;
                i += 1;
            }
        } else if in_string {
            out.push(c);
            if c == '\\' {
                if let Some(n) = next {
                    out.push(n);
                    i += 1;
                }
            } else if c == '"' {
                in_string = false;
            }
        } else if c == '/' && next == Some('/') {
            break;
        } else if c == '/' && next == Some('*') {
            in_block = true;
            i += 1;
        } else {
            if c == '"' {
                in_string = true;
            }
            out.push(c);
        }
        i += 1;
    }
    (out, in_block)
}

#[test]
fn no_hand_written_source_names_an_api() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let names: Vec<String> = specs::names()
        .into_iter()
        .map(str::to_ascii_lowercase)
        .collect();
    assert!(names.len() >= 3, "{names:?}");
    let mut files = Vec::new();
    for krate in CRATES {
        sources(&root.join(krate).join("src"), &mut files);
    }
    assert!(files.len() > 40, "too few sources found: {}", files.len());
    let mut found = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        let mut in_block = false;
        for (n, line) in text.lines().enumerate() {
            if line.trim() == "#[cfg(test)]" {
                break;
            }
            let (code, still) = code(line, in_block);
            in_block = still;
            let lower = code.to_ascii_lowercase();
            for name in &names {
                if lower.contains(name.as_str()) {
                    found.push(format!("{}:{}: {}", file.display(), n + 1, line.trim()));
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "hand-written Rust names an API:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_comment_stripper_keeps_strings_and_drops_comments() {
    assert_eq!(
        code(r#"let u = "https://x"; // peeker"#, false).0,
        r#"let u = "https://x"; "#
    );
    assert_eq!(
        code(r#"let s = "a \" // b"; // c"#, false).0,
        r#"let s = "a \" // b"; "#
    );
    assert_eq!(code("/* devpayr */ let x = 1;", false).0, " let x = 1;");
    assert_eq!(code("start /* open", false), ("start ".to_string(), true));
    assert_eq!(code("still */ end", true).0, " end");
}
