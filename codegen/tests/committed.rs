//! The committed client crates under `generated/` are exactly what the specs produce, in the
//! rust-analyzer style: `cargo test` fails on drift as `cargo xtask codegen --check` does.
//!
//! `EXPECTORATE=overwrite cargo test -p codegen` rewrites them, like the other snapshots.

use std::path::Path;

#[test]
fn generated_crates_are_up_to_date() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let overwrite = std::env::var("EXPECTORATE").is_ok_and(|v| v == "overwrite");
    let mut report = String::new();
    for vendor in specs::Vendor::ALL {
        let spec = specs::Spec::load(&root.join("specs").join(vendor.file_name()))
            .unwrap_or_else(|e| panic!("{e}"));
        let krate = codegen::generate(&spec, vendor).unwrap_or_else(|e| panic!("{e}"));
        if overwrite {
            for file in &krate.files {
                expectorate::assert_contents(
                    root.join(krate.dir()).join(&file.path),
                    &file.contents,
                );
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
        "generated/ differs from what specs/ produce; run `cargo xtask codegen`:\n{report}"
    );
}
