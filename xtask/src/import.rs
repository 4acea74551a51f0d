//! `cargo xtask import <api> --from PATH --operations ID[,ID...] [--overlay PATH]... [--check]`:
//! write `specs/<api>.yaml` from the vendor's OpenAPI document, or check that it is what the
//! document and the overlays give.
//!
//! The command line of the `import` crate, which does the work. Exit codes: 0 written or up to
//! date; 1 `--check` found the spec stale (the diff is printed); 2 bad input (an unknown
//! operation, an overlay target that selects nothing, a `$ref` that does not resolve, a document
//! that is not OpenAPI), with nothing written.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;

#[derive(clap::Args)]
pub struct Args {
    /// The API: the spec written is specs/<api>.yaml.
    api: String,
    /// The vendor's OpenAPI document: JSON or YAML, OpenAPI 3.0 or 3.1.
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
        document: args.from,
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
