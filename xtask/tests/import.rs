//! `cargo xtask import` end to end, with the built binary: bad input is exit 2 and nothing is
//! written; `--check` is exit 0 on an up-to-date spec and exit 1 with a diff on a stale one.

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The Notes fixture of the import crate: a small OpenAPI 3.1 document and its overlay.
fn fixture(name: &str) -> String {
    root()
        .join("import/tests/fixtures")
        .join(name)
        .display()
        .to_string()
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn xtask(args: &[&str]) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .arg("import")
        .args(args)
        .output()
        .expect("run xtask");
    let run = Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    };
    eprintln!("--- stdout\n{}--- stderr\n{}", run.stdout, run.stderr);
    run
}

/// An API name no spec has, so that a bug that writes would be seen, and cleaned up.
const SCRATCH_API: &str = "import-cli-test";

fn scratch_spec() -> PathBuf {
    root().join(format!("specs/{SCRATCH_API}.yaml"))
}

#[test]
fn bad_input_exits_2_and_writes_nothing() {
    let overlay = fixture("notes.overlay.yaml");
    let bad_overlay = std::env::temp_dir().join(format!("import-cli-{}.yaml", std::process::id()));
    std::fs::write(
        &bad_overlay,
        "overlay: 1.0.0\ninfo: {title: t, version: '1'}\nactions:\n- target: $.paths['/gone'].get\n  update: {summary: x}\n",
    )
    .unwrap();
    let notes = fixture("notes-3.1.yaml");
    let bad_ref = std::env::temp_dir().join(format!("import-cli-ref-{}.yaml", std::process::id()));
    let text = std::fs::read_to_string(&notes).unwrap();
    std::fs::write(
        &bad_ref,
        text.replace("schemas/Folder\"", "schemas/Folders\""),
    )
    .unwrap();
    let bad_ref_path = bad_ref.display().to_string();
    let not_openapi = root().join("Cargo.toml").display().to_string();
    let bad = bad_overlay.to_str().unwrap();
    let cases: [(&str, &[&str], &str); 6] = [
        (
            &bad_ref_path,
            &["--operations", "listNotes"],
            "`#/components/schemas/Folders` does not resolve",
        ),
        (
            &notes,
            &["--operations", "listNote"],
            "at /paths: no operation has the operationId `listNote`",
        ),
        (
            &notes,
            &["--operations", "listNotes", "--overlay", bad],
            "at /actions/0/target: `$.paths['/gone'].get` selects nothing",
        ),
        (
            &not_openapi,
            &["--operations", "listNotes", "--overlay", &overlay],
            "Cargo.toml: at /: ",
        ),
        (
            "/nonexistent/openapi.json",
            &["--operations", "listNotes"],
            "cannot read the document",
        ),
        (
            &notes,
            &[
                "--operations",
                "listNotes",
                "--overlay",
                "/nonexistent/overlay.yaml",
            ],
            "cannot read the overlay",
        ),
    ];
    for (document, args, said) in cases {
        let mut all = vec![SCRATCH_API, "--from", document];
        all.extend_from_slice(args);
        let run = xtask(&all);
        assert_eq!(run.code, 2, "{args:?}");
        assert!(run.stderr.contains(said), "{args:?}: {}", run.stderr);
        let written = scratch_spec().exists();
        let _ = std::fs::remove_file(scratch_spec());
        assert!(!written, "{args:?}: a spec was written");
    }
    let _ = std::fs::remove_file(&bad_overlay);
    let _ = std::fs::remove_file(&bad_ref);
}

#[test]
fn check_compares_without_writing() {
    let document = fixture("notes-3.1.yaml");
    let overlay = fixture("notes.overlay.yaml");
    let args = [
        SCRATCH_API,
        "--from",
        &document,
        "--operations",
        "listNotes",
        "--overlay",
        &overlay,
        "--check",
    ];
    let run = xtask(&args);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("does not exist"), "{}", run.stderr);
    assert!(!scratch_spec().exists());
}

/// `specs/github.yaml` is the import of GitHub's official description at the pinned version
/// with our overlay, byte for byte: the package comes from the npm registry with `npm pack`
/// (into `target/npm/`, reused once there, as the tests install Schemathesis), and `--check`
/// exits 0 only when the import gives the committed spec.
#[test]
fn the_github_spec_is_the_import_of_its_pinned_document() {
    let spec = root().join("specs/github.yaml");
    let committed = std::fs::read_to_string(&spec).expect("specs/github.yaml");
    let header: Vec<&str> = committed.lines().take(6).collect();
    let from = header
        .iter()
        .find_map(|l| l.strip_prefix("# source: npm "))
        .expect("the header names the npm package");
    assert!(from.starts_with("@octokit/openapi 23.0.2,"), "{from}");
    let overlay = root()
        .join("specs/github.overlay.yaml")
        .display()
        .to_string();
    let run = xtask(&[
        "github",
        "--from",
        "npm:@octokit/openapi@23.0.2/generated/api.github.com.json",
        "--operations",
        "issues/list-for-repo,pulls/list,repos/list-for-org",
        "--overlay",
        &overlay,
        "--check",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        std::fs::read_to_string(&spec).unwrap(),
        committed,
        "--check writes nothing"
    );
}
