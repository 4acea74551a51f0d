//! The vendors' OpenAPI documents that specs are imported from (`[[document]]` in the sources
//! file): has a new version of the package changed a selected operation or a component it
//! reaches?
//!
//! The latest version is asked of the npm registry. When it is the recorded one, nothing is
//! downloaded. Otherwise its tarball is, the document read out of it, and the recorded
//! operations selected from it as `cargo xtask import` selects them; the fingerprint of that
//! selection is compared with the recorded one. A different selection is `changed`, and its
//! facts are compared with the snapshot of the selection at the recorded version: NEW and GONE
//! facts, each at its pointer in the imported spec.

use std::path::{Path, PathBuf};

use crate::fetch::Fetcher;
use crate::package;
use crate::selection::{self, Changes};
use crate::sources::{Document, Sources};
use crate::Verdict;

/// How many pointers of changed prose the report lists.
const PROSE_POINTERS: usize = 8;

/// What checking one document found.
pub(crate) struct DocOutcome {
    pub(crate) document: Document,
    pub(crate) verdict: Verdict,
    /// What was compared: the package and versions, or the file read.
    pub(crate) from: String,
    /// The version checked, when the registry said (not with `--from`).
    pub(crate) version: Option<String>,
    /// The selection of the version checked, when it was read and could be made.
    pub(crate) selection: Option<import::Selection>,
    pub(crate) details: Vec<String>,
}

/// Checks one document.
pub(crate) fn check(document: &Document, sources: &Sources, fetcher: &Fetcher) -> DocOutcome {
    let mut outcome = DocOutcome {
        document: document.clone(),
        verdict: Verdict::Unchanged,
        from: format!(
            "{} {} ({})",
            document.package, document.version, document.path
        ),
        version: None,
        selection: None,
        details: Vec::new(),
    };
    let (label, text) = match read(document, fetcher, &mut outcome) {
        Ok(Some(read)) => read,
        Ok(None) => return outcome,
        Err(reason) => {
            outcome.verdict = Verdict::Unreachable(reason);
            return outcome;
        }
    };
    let selection = match import::select(&label, &text, &document.operations) {
        Ok(selection) => selection,
        Err(e) => {
            outcome.verdict = Verdict::Changed;
            outcome.details.push(format!(
                "the recorded operations cannot be selected any more: {e}"
            ));
            return outcome;
        }
    };
    outcome.verdict = match &document.fingerprint {
        Some(recorded) if *recorded == selection.fingerprint => Verdict::Unchanged,
        Some(_) => Verdict::Changed,
        None => Verdict::Unknown,
    };
    if outcome.verdict != Verdict::Unchanged {
        outcome.details = explain(document, sources, &selection);
    } else if outcome
        .version
        .as_deref()
        .is_some_and(|v| v != document.version)
    {
        outcome.details.push(
            "the new version leaves the selected operations and their components as they were"
                .into(),
        );
    }
    outcome.selection = Some(selection);
    outcome
}

/// The document's label and text: from the `--from` directory, or the latest release; `None`
/// when the latest release is the recorded one (nothing to download).
fn read(
    document: &Document,
    fetcher: &Fetcher,
    outcome: &mut DocOutcome,
) -> Result<Option<(String, String)>, String> {
    if let Fetcher::Dir(dir) = fetcher {
        let path = file_in(dir, &document.path)?;
        let text = std::fs::read_to_string(&path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        outcome.from = path.display().to_string();
        return Ok(Some((outcome.from.clone(), text)));
    }
    let release = package::latest(fetcher, document)?;
    outcome.version = Some(release.version.clone());
    if release.version == document.version && document.fingerprint.is_some() {
        outcome.from = format!(
            "{} {} ({}), the latest",
            document.package, document.version, document.path
        );
        return Ok(None);
    }
    outcome.from = format!(
        "{} {} → {} ({})",
        document.package, document.version, release.version, document.path
    );
    let text = package::document(fetcher, &release, &document.path)?;
    let label = format!("{}@{}/{}", document.package, release.version, document.path);
    Ok(Some((label, text)))
}

/// The file of `--from DIR` that stands for the document: its file name in DIR.
fn file_in(dir: &Path, path: &str) -> Result<PathBuf, String> {
    Path::new(path)
        .file_name()
        .map(|name| dir.join(name))
        .ok_or_else(|| format!("the document path `{path}` names no file"))
}

/// The lines under a changed or unknown document: fingerprints, facts, prose.
fn explain(document: &Document, sources: &Sources, selection: &import::Selection) -> Vec<String> {
    let mut details = vec![match &document.fingerprint {
        Some(recorded) => format!(
            "selection {} (recorded {}, reconciled {})",
            crate::short(&selection.fingerprint),
            crate::short(recorded),
            document.reconciled
        ),
        None => format!(
            "never recorded: selection {}; import it, then `cargo xtask docs-check --accept`",
            crate::short(&selection.fingerprint)
        ),
    }];
    let path = sources.document_snapshot(document);
    let old = std::fs::read_to_string(&path)
        .ok()
        .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok());
    match old {
        Some(old) => details.extend(findings(&selection::compare(&old, &selection.value()))),
        None => details.push(format!(
            "note: no snapshot of the selection at {}: only its fingerprint is compared",
            path.display()
        )),
    }
    details
}

/// The NEW and GONE facts, one line each, then the places whose prose changed.
fn findings(changes: &Changes) -> Vec<String> {
    let tagged = changes
        .new
        .iter()
        .map(|f| ("NEW ", f))
        .chain(changes.gone.iter().map(|f| ("GONE", f)));
    let width = changes
        .new
        .iter()
        .chain(&changes.gone)
        .map(|f| f.to_string().chars().count())
        .max()
        .unwrap_or(0);
    let mut lines: Vec<String> = tagged
        .map(|(tag, f)| format!("{tag}  {:<width$}  spec: #{}", f.to_string(), f.pointer))
        .collect();
    if lines.is_empty() {
        lines.push("no facts differ: the change is in prose or examples".into());
    }
    if !changes.prose.is_empty() {
        let shown: Vec<String> = changes
            .prose
            .iter()
            .take(PROSE_POINTERS)
            .map(|p| format!("#{p}"))
            .collect();
        let more = changes.prose.len().saturating_sub(PROSE_POINTERS);
        let tail = match more {
            0 => String::new(),
            n => format!(" … {n} more"),
        };
        lines.push(format!(
            "text or examples changed at {} place(s): {}{tail}",
            changes.prose.len(),
            shown.join(", ")
        ));
    }
    lines
}

/// What `--accept` writes for a document: the selection's snapshot, and the version,
/// fingerprint and date in the sources file. `None` when there is nothing to accept.
pub(crate) fn accept(
    outcome: &DocOutcome,
    sources: &mut Sources,
    date: &str,
) -> anyhow::Result<Option<String>> {
    let (Verdict::Changed | Verdict::Unknown, Some(selection)) =
        (&outcome.verdict, &outcome.selection)
    else {
        return Ok(None);
    };
    let path = sources.document_snapshot(&outcome.document);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    import::write_atomically(&path, &selection.pretty())?;
    let version = outcome
        .version
        .clone()
        .unwrap_or_else(|| outcome.document.version.clone());
    sources.record_document(&outcome.document, &version, &selection.fingerprint, date);
    Ok(Some(format!(
        "accepted    {:<8} {} {version}: {}, reconciled {date}, snapshot {}",
        outcome.document.spec,
        outcome.document.package,
        selection.fingerprint,
        path.display()
    )))
}

/// The commands that bring a spec up to a new version of its document.
pub(crate) fn next_steps(outcome: &DocOutcome) -> String {
    let d = &outcome.document;
    let version = outcome.version.as_deref().unwrap_or(&d.version);
    format!(
        "Next for {spec}: `npm pack {package}@{version}` and unpack it, `cargo xtask import {spec} \
         --from package/{path} --operations {ops} --overlay specs/{spec}.overlay.yaml`, \
         `cargo xtask codegen`, review the spec and client diffs, then `cargo xtask docs-check --accept`.",
        spec = d.spec,
        package = d.package,
        path = d.path,
        ops = d.operations.join(","),
    )
}
