//! `cargo xtask import <api> --from PATH --operations ID[,ID...] [--overlay PATH]... [--check]`:
//! write `specs/<api>.yaml` from the vendor's OpenAPI document, or check that it is what the
//! document and the overlays give.
//!
//! The command line of the `import` crate, which does the work. Exit codes: 0 written or up to
//! date; 1 `--check` found the spec stale (the diff is printed); 2 bad input (an unknown
//! operation, an overlay target that selects nothing, a `$ref` that does not resolve, a document
//! that is not OpenAPI), with nothing written.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use anyhow::Context as _;

#[derive(clap::Args)]
pub struct Args {
    /// The API: the spec written is specs/<api>.yaml.
    api: String,
    /// The vendor's OpenAPI document: JSON or YAML, OpenAPI 3.0 or 3.1; or
    /// npm:<package>@<version>/<path>, downloaded with `npm pack` into target/npm/ once.
    #[arg(long, value_name = "PATH")]
    from: PathBuf,
    /// The operations to import, by operationId or `METHOD /path`, comma-separated.
    #[arg(
        long,
        value_name = "ID[,ID...]",
        value_delimiter = ',',
        required = true
    )]
    operations: Vec<String>,
    /// An OpenAPI Overlay 1.0 file with our marks; repeat for several, applied in order.
    #[arg(long = "overlay", value_name = "PATH")]
    overlays: Vec<PathBuf>,
    /// Write nothing; exit 1 and print a diff when specs/<api>.yaml differs from the import.
    #[arg(long)]
    check: bool,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let root = crate::root();
    let request = import::Request {
        api: args.api.clone(),
        document: document(&root, &args.from)?,
        operations: args.operations,
        overlays: args.overlays,
        root: root.clone(),
    };
    let imported = import::import(&request)?;
    report(&imported);
    let relative = format!("specs/{}.yaml", args.api);
    let path = root.join(&relative);
    let current = match std::fs::read_to_string(&path) {
        Ok(text) => Some(text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    };
    if args.check {
        return Ok(check(&relative, current.as_deref(), &imported.text));
    }
    if current.as_deref() == Some(imported.text.as_str()) {
        println!("{relative} is already up to date");
        return Ok(ExitCode::SUCCESS);
    }
    import::write_atomically(&path, &imported.text)
        .with_context(|| format!("cannot write {}", path.display()))?;
    println!(
        "wrote {relative}: {} operation(s), {} component(s), {}",
        imported.selection.operations.len(),
        imported.selection.components,
        imported.selection.fingerprint
    );
    Ok(ExitCode::SUCCESS)
}

/// The document `--from` names: a file, or `npm:<package>@<version>/<path>`, the file at
/// `<path>` in that version of the npm package (downloaded once, see [`npm_document`]).
fn document(root: &Path, from: &Path) -> anyhow::Result<PathBuf> {
    let text = from.to_string_lossy();
    let Some(spec) = text.strip_prefix("npm:") else {
        return Ok(from.to_path_buf());
    };
    let usage =
        || anyhow::anyhow!("--from {text}: expected npm:<package>@<version>/<path in the package>");
    // A scoped name (`@scope/name`) starts with `@`: the version's `@` is the next one.
    let at = spec
        .get(1..)
        .and_then(|rest| rest.find('@'))
        .ok_or_else(usage)?
        + 1;
    let (package, rest) = spec.split_at(at);
    let (version, path) = rest[1..].split_once('/').ok_or_else(usage)?;
    npm_document(root, package, version, path)
}

/// The file `path` of `package` at `version`, from `npm pack` unpacked under
/// `target/npm/<package>@<version>/` (its `package.json` beside it names the source in the
/// spec's header). A package already there is reused, so only the first run needs the
/// registry.
pub(crate) fn npm_document(
    root: &Path,
    package: &str,
    version: &str,
    path: &str,
) -> anyhow::Result<PathBuf> {
    let dir = root
        .join("target/npm")
        .join(format!("{}@{version}", package.replace('/', "+")));
    let document = dir.join("package").join(path);
    if dir.join("package/package.json").is_file() {
        return document_in(document, package, version);
    }
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let spec = format!("{package}@{version}");
    eprintln!("import: npm pack {spec} into {}", dir.display());
    let packed = Command::new("npm")
        .args(["pack", "--silent", &spec, "--pack-destination"])
        .arg(&dir)
        .output()
        .context("cannot run `npm pack` (is npm installed?)")?;
    anyhow::ensure!(
        packed.status.success(),
        "`npm pack {spec}` failed: {}",
        String::from_utf8_lossy(&packed.stderr).trim()
    );
    let tarball = dir.join(String::from_utf8_lossy(&packed.stdout).trim());
    let unpacked = Command::new("tar")
        .arg("xzf")
        .arg(&tarball)
        .arg("-C")
        .arg(&dir)
        .status()
        .context("cannot run `tar`")?;
    anyhow::ensure!(unpacked.success(), "cannot unpack {}", tarball.display());
    let _ = std::fs::remove_file(&tarball);
    document_in(document, package, version)
}

fn document_in(document: PathBuf, package: &str, version: &str) -> anyhow::Result<PathBuf> {
    anyhow::ensure!(
        document.is_file(),
        "{package}@{version} has no {}",
        document.display()
    );
    Ok(document)
}

/// What was simplified for progenitor, and what it still cannot take.
fn report(imported: &import::Imported) {
    for (at, note) in &imported.simplified.rewritten {
        eprintln!("simplified {at}: {note}");
    }
    for (at, problem) in &imported.simplified.problems {
        eprintln!("warning: {at}: {problem}");
    }
}

fn check(relative: &str, current: Option<&str>, imported: &str) -> ExitCode {
    match current {
        Some(text) if text == imported => {
            println!("{relative} is up to date with its document and overlays");
            return ExitCode::SUCCESS;
        }
        Some(text) => print!("{}", import::diff(relative, text, imported)),
        None => eprintln!("error: {relative} does not exist"),
    }
    eprintln!("error: {relative} differs from what the import gives");
    if std::env::var_os("CI").is_some() {
        eprintln!(
            "run the same `cargo xtask import` without --check locally and commit the result"
        );
    }
    ExitCode::from(1)
}
