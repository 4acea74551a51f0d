//! The committed client crates under `generated/` are exactly what the specs produce (all four
//! machine-written files of each: `Cargo.toml`, `README.md`, `src/generated.rs`, `src/lib.rs`),
//! in the rust-analyzer style: `cargo test` fails on drift as `cargo xtask codegen --check`
//! does.
//!
//! `EXPECTORATE=overwrite cargo test -p codegen --test committed` writes them: this is how the
//! crates are regenerated while `cargo xtask codegen` waits for the port of xtask. A new spec
//! gets its whole crate this way (the workspace lists `generated/*`); its `tests/` stay
//! hand-written.

use std::path::Path;

#[test]
fn generated_crates_are_up_to_date() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let overwrite = std::env::var("EXPECTORATE").is_ok_and(|v| v == "overwrite");
    let mut report = String::new();
    for name in specs::names() {
        let spec = specs::Spec::load(&root.join("specs").join(format!("{name}.yaml")))
            .unwrap_or_else(|e| panic!("{e}"));
        let krate = codegen::generate(&spec).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(krate.dir(), Path::new("generated").join(name));
        if overwrite {
            for file in &krate.files {
                let path = root.join(krate.dir()).join(&file.path);
                if let Some(dir) = path.parent() {
                    std::fs::create_dir_all(dir).expect("the crate directory can be made");
                }
                expectorate::assert_contents(path, &file.contents);
            }
            continue;
        }
        let stale = codegen::stale_files(&krate, |path| {
            match std::fs::read_to_string(root.join(path)) {
                Ok(text) => Ok(Some(text)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(e),
            }
        })
        .expect("the committed files are readable");
        for file in stale {
            report.push_str(&file.diff);
        }
    }
    assert!(
        report.is_empty(),
        "generated/ differs from what specs/ produce; run `EXPECTORATE=overwrite cargo test -p codegen --test committed`:\n{report}"
    );
}
