//! `cargo xtask codegen [--check]`: regenerate `generated/` from `specs/`, or check that the
//! committed files are what the specs produce.
//!
//! Every `specs/*.yaml` gives one whole client crate, `generated/<api>/` (Cargo.toml,
//! src/lib.rs, README.md, src/generated.rs); the workspace takes every `generated/*` as a
//! member, so a new spec needs no other edit. With `--check` nothing is written: every stale
//! file is printed as a unified diff, a crate left without its spec is named, and the exit code
//! is 1. Under `CI` the message also says which command fixes it. The same check runs as a test
//! in `codegen/tests/committed.rs`, so `cargo test` catches drift as well.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use specs::Spec;

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
        let orphans = orphans(&root, &crates)?;
        if stale.is_empty() && orphans.is_empty() {
            println!("generated/ is up to date with specs/");
            return Ok(ExitCode::SUCCESS);
        }
        for file in &stale {
            print!("{}", file.diff);
        }
        if !stale.is_empty() {
            eprintln!(
                "error: {} generated file(s) differ from what specs/ produce: {}",
                stale.len(),
                stale
                    .iter()
                    .map(|s| s.path.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        for dir in &orphans {
            eprintln!(
                "error: {} has no spec in specs/ any more; remove it",
                dir.display()
            );
        }
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
    for dir in orphans(&root, &crates)? {
        eprintln!(
            "warning: {} has no spec in specs/ any more; remove it",
            dir.display()
        );
    }
    if written == 0 {
        println!("generated/ is already up to date");
    }
    Ok(ExitCode::SUCCESS)
}

/// Every spec file of `specs/`, parsed, in name order (an import's overlay, `<api>.overlay.yaml`,
/// is no spec).
pub(crate) fn spec_files(root: &Path) -> anyhow::Result<Vec<Spec>> {
    let dir = root.join("specs");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .with_context(|| format!("cannot read {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .filter(|p| !p.to_string_lossy().ends_with(".overlay.yaml"))
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|p| {
            let relative = p.strip_prefix(root).unwrap_or(p);
            let text = std::fs::read_to_string(p)
                .with_context(|| format!("cannot read {}", p.display()))?;
            Ok(Spec::parse(&relative.display().to_string(), &text)?)
        })
        .collect()
}

/// Generates every API's client crate from the spec files on disk.
pub(crate) fn generate_all(root: &Path) -> anyhow::Result<Vec<codegen::GeneratedCrate>> {
    spec_files(root)?
        .iter()
        .map(|spec| {
            codegen::generate(spec)
                .with_context(|| format!("cannot generate the {} client", spec.name))
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

/// Directories of `generated/` that no spec generates any more.
fn orphans(root: &Path, crates: &[codegen::GeneratedCrate]) -> anyhow::Result<Vec<PathBuf>> {
    let dir = root.join("generated");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for entry in entries.filter_map(Result::ok) {
        let path = entry.path();
        let relative = path.strip_prefix(root).unwrap_or(&path).to_path_buf();
        if path.is_dir() && !crates.iter().any(|k| k.dir() == relative) {
            out.push(relative);
        }
    }
    out.sort();
    Ok(out)
}

fn read_if_exists(path: &Path) -> anyhow::Result<Option<String>> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(text)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
}
