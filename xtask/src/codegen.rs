//! `cargo xtask codegen [--check]`: regenerate `generated/` from `specs/`, or check that the
//! committed files are what the specs produce.
//!
//! With `--check` nothing is written: every stale file is printed as a unified diff and the
//! exit code is 1. Under `CI` the message also says which command fixes it. The same check
//! runs as a test in `codegen/tests/committed.rs`, so `cargo test` catches drift as well.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context as _;
use specs::{Spec, Vendor};

#[derive(clap::Args)]
pub struct Args {
    /// Write nothing; exit 1 and print a diff for every file that differs from the specs.
    #[arg(long)]
    check: bool,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let root = crate::root();
    let crates = generate_all(&root)?;
    if args.check {
        let stale = stale(&root, &crates)?;
        if stale.is_empty() {
            println!("generated/ is up to date with specs/");
            return Ok(ExitCode::SUCCESS);
        }
        for file in &stale {
            print!("{}", file.diff);
        }
        eprintln!(
            "error: {} generated file(s) differ from what specs/ produce: {}",
            stale.len(),
            stale
                .iter()
                .map(|s| s.path.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
        if std::env::var_os("CI").is_some() {
            eprintln!("run `cargo xtask codegen` locally and commit the result");
        }
        return Ok(ExitCode::from(1));
    }
    let mut written = 0;
    for krate in &crates {
        for file in &krate.files {
            let path = root.join(krate.dir()).join(&file.path);
            // Leave an up-to-date file alone so that its mtime does not trigger rebuilds.
            if read_if_exists(&path)?.as_deref() == Some(file.contents.as_str()) {
                continue;
            }
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)
                    .with_context(|| format!("cannot create {}", parent.display()))?;
            }
            std::fs::write(&path, &file.contents)
                .with_context(|| format!("cannot write {}", path.display()))?;
            println!(
                "wrote {}",
                path.strip_prefix(&root).unwrap_or(&path).display()
            );
            written += 1;
        }
    }
    if written == 0 {
        println!("generated/ is already up to date");
    }
    Ok(ExitCode::SUCCESS)
}

/// Generates every vendor's client crate from the spec files on disk.
pub(crate) fn generate_all(root: &Path) -> anyhow::Result<Vec<codegen::GeneratedCrate>> {
    Vendor::ALL
        .into_iter()
        .map(|vendor| {
            let path = root.join("specs").join(vendor.file_name());
            let spec = Spec::load(&path)?;
            codegen::generate(&spec, vendor)
                .with_context(|| format!("cannot generate the {vendor} client"))
        })
        .collect()
}

/// The committed files that differ from `crates`.
pub(crate) fn stale(
    root: &Path,
    crates: &[codegen::GeneratedCrate],
) -> anyhow::Result<Vec<codegen::Stale>> {
    let mut stale = Vec::new();
    for krate in crates {
        stale.extend(codegen::stale_files(krate, |path| {
            read_if_exists(&root.join(path))
        })?);
    }
    Ok(stale)
}

fn read_if_exists(path: &Path) -> anyhow::Result<Option<String>> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(text)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
}
