//! Have the vendor pages our specs were written from changed? The work of
//! `cargo xtask docs-check`, whose command line is a thin wrapper around [`run`].
//!
//! Each page listed in the sources file (`specs/sources.toml`, read by `sources.rs`) is fetched
//! (or read from a directory, `fetch.rs`), normalized (`normalize.rs`) and fingerprinted. A page
//! whose fingerprint differs from the recorded one is `changed`; its facts (`facts.rs`) are
//! compared with the spec, and the report lists the facts that are NEW on the page or GONE from
//! it, each with the place in the spec to revisit, plus the changed lines of text. Accepting
//! records the current pages once the spec has caught up.
//!
//! The [`Status`] of a run: unchanged when every page is unchanged; changed when some page
//! changed, or was never recorded (`unknown`: it needs a person to read it once and accept it);
//! unreachable when some page could not be had.
#![deny(missing_docs)]

mod documents;
mod facts;
mod fetch;
mod normalize;
mod package;
mod selection;
mod sources;

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;

use documents::DocOutcome;
use facts::{Fact, SpecFacts};
use fetch::Fetcher;
use sources::{Kind, Page, Sources};

pub use sources::Document as ImportedDocument;

/// The vendors' OpenAPI documents the specs are imported from, as the sources file lists them
/// (`[[document]]`).
pub fn imported_documents(sources: &Path) -> anyhow::Result<Vec<ImportedDocument>> {
    Ok(Sources::load(sources)?.documents)
}

/// How many changed lines of text the report shows per page.
const DIFF_LINES: usize = 40;

/// What a run is asked to do.
#[derive(Clone, Debug)]
pub struct Options {
    /// The sources file: the pages, their fingerprints and dates (`specs/sources.toml`).
    pub sources: PathBuf,
    /// The directory of the specs the pages are compared with (`<spec>.yaml`).
    pub specs_dir: PathBuf,
    /// Read each page from this directory (`<file name of its snapshot>`) instead of fetching it.
    pub from: Option<PathBuf>,
    /// Record every changed or unknown page as reconciled: fingerprint, date and snapshot.
    pub accept: bool,
}

/// How a run ended, from best to worst.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Status {
    /// Every page is unchanged, or every changed page was accepted.
    Unchanged,
    /// Some page changed or was never recorded, and was not accepted.
    Changed,
    /// Some page could not be had.
    Unreachable,
}

impl Status {
    /// The exit code of `cargo xtask docs-check`: 0 unchanged, 1 changed, 2 unreachable.
    pub fn exit_code(self) -> u8 {
        match self {
            Status::Unchanged => 0,
            Status::Changed => 1,
            Status::Unreachable => 2,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Verdict {
    Unchanged,
    Changed,
    Unknown,
    Unreachable(String),
}

impl Verdict {
    fn word(&self) -> &'static str {
        match self {
            Verdict::Unchanged => "unchanged",
            Verdict::Changed => "changed",
            Verdict::Unknown => "unknown",
            Verdict::Unreachable(_) => "unreachable",
        }
    }
}

struct Outcome {
    page: Page,
    verdict: Verdict,
    /// The normalized text fetched, when the page was reachable.
    normalized: Option<String>,
    /// Lines under the verdict line: findings, notes, the text diff.
    details: Vec<String>,
}

/// Checks every page of the sources file, writes the report to `out` and, when asked, accepts
/// the changed and unknown pages.
///
/// Errors: the sources file cannot be read or is invalid, `from` is not a directory, the HTTP
/// client cannot be built, or accepting cannot write a file. A page that cannot be had is no
/// error but a line of the report and [`Status::Unreachable`].
pub fn run(options: &Options, out: &mut dyn Write) -> anyhow::Result<Status> {
    let sources_path = &options.sources;
    let mut sources = Sources::load(sources_path)?;
    let fetcher = match &options.from {
        Some(dir) => {
            anyhow::ensure!(dir.is_dir(), "--from {}: not a directory", dir.display());
            Fetcher::dir(dir)
        }
        None => Fetcher::live()?,
    };

    let outcomes: Vec<Outcome> = sources
        .pages
        .iter()
        .map(|page| check(page, &sources, &fetcher, &options.specs_dir))
        .collect();
    let documents: Vec<DocOutcome> = sources
        .documents
        .iter()
        .map(|document| documents::check(document, &sources, &fetcher))
        .collect();

    for outcome in &outcomes {
        let from = fetcher.describe(&outcome.page.url, &outcome.page.snapshot);
        report(
            out,
            &outcome.verdict,
            &outcome.page.spec,
            &from,
            &outcome.details,
        )?;
    }
    for outcome in &documents {
        let d = outcome;
        report(out, &d.verdict, &d.document.spec, &d.from, &d.details)?;
    }

    let verdicts: Vec<&Verdict> = outcomes
        .iter()
        .map(|o| &o.verdict)
        .chain(documents.iter().map(|d| &d.verdict))
        .collect();
    let count = |word: &str| verdicts.iter().filter(|v| v.word() == word).count();
    let (changed, unknown, unreachable) =
        (count("changed"), count("unknown"), count("unreachable"));
    writeln!(out)?;
    writeln!(
        out,
        "docs-check: {} unchanged, {changed} changed, {unknown} unknown, {unreachable} unreachable ({})",
        count("unchanged"),
        sources_path.display()
    )?;

    if options.accept {
        accept(&outcomes, &documents, &mut sources, out)?;
        return Ok(if unreachable > 0 {
            Status::Unreachable
        } else {
            Status::Unchanged
        });
    }

    if outcomes
        .iter()
        .any(|o| matches!(o.verdict, Verdict::Changed | Verdict::Unknown))
    {
        writeln!(
            out,
            "Next: revisit the spec named by each finding, `cargo xtask codegen`, review the client \
             diff, `cargo xtask conformance` against the sandbox, then `cargo xtask docs-check --accept`."
        )?;
    }
    for d in documents
        .iter()
        .filter(|d| matches!(d.verdict, Verdict::Changed | Verdict::Unknown))
    {
        writeln!(out, "{}", documents::next_steps(d))?;
    }
    Ok(if unreachable > 0 {
        Status::Unreachable
    } else if changed + unknown > 0 {
        Status::Changed
    } else {
        Status::Unchanged
    })
}

/// One source's verdict line and the lines under it.
fn report(
    out: &mut dyn Write,
    verdict: &Verdict,
    spec: &str,
    from: &str,
    details: &[String],
) -> anyhow::Result<()> {
    match verdict {
        Verdict::Unreachable(reason) => {
            writeln!(out, "{:<11} {spec:<8} {from}: {reason}", "unreachable")?
        }
        verdict => writeln!(out, "{:<11} {spec:<8} {from}", verdict.word())?,
    }
    for line in details {
        writeln!(out, "    {line}")?;
    }
    Ok(())
}

/// Records every changed or unknown page and document as reconciled today.
fn accept(
    outcomes: &[Outcome],
    documents: &[DocOutcome],
    sources: &mut Sources,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let date = sources::today();
    let mut accepted = 0;
    for outcome in outcomes {
        let (Verdict::Changed | Verdict::Unknown, Some(text)) =
            (&outcome.verdict, &outcome.normalized)
        else {
            continue;
        };
        let path = sources.snapshot_path(&outcome.page);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
        std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
        let fingerprint = normalize::fingerprint(text);
        sources.record(&outcome.page, &fingerprint, &date);
        writeln!(
            out,
            "accepted    {:<8} {}: {fingerprint}, reconciled {date}, snapshot {}",
            outcome.page.spec,
            outcome.page.url,
            path.display()
        )?;
        accepted += 1;
    }
    for outcome in documents {
        if let Some(line) = documents::accept(outcome, sources, &date)? {
            writeln!(out, "{line}")?;
            accepted += 1;
        }
    }
    if accepted > 0 {
        sources.save()?;
    }
    Ok(())
}

/// Fetches one page and compares it with what was recorded.
fn check(page: &Page, sources: &Sources, fetcher: &Fetcher, specs_dir: &Path) -> Outcome {
    let read = fetcher
        .get(&page.url, &page.snapshot)
        .and_then(|body| normalize::normalize(&body.text, body.html));
    let normalized = match read {
        Ok(text) => text,
        Err(reason) => {
            return Outcome {
                page: page.clone(),
                verdict: Verdict::Unreachable(reason),
                normalized: None,
                details: Vec::new(),
            }
        }
    };
    let fingerprint = normalize::fingerprint(&normalized);
    let verdict = match &page.fingerprint {
        Some(recorded) if *recorded == fingerprint => Verdict::Unchanged,
        Some(_) => Verdict::Changed,
        None => Verdict::Unknown,
    };
    let details = match verdict {
        Verdict::Unchanged => Vec::new(),
        _ => explain(page, sources, specs_dir, &normalized, &fingerprint),
    };
    Outcome {
        page: page.clone(),
        verdict,
        normalized: Some(normalized),
        details,
    }
}

/// What changed on a page: facts against the spec, and the changed lines of text.
fn explain(
    page: &Page,
    sources: &Sources,
    specs_dir: &Path,
    normalized: &str,
    fingerprint: &str,
) -> Vec<String> {
    let mut details = Vec::new();
    match &page.fingerprint {
        Some(recorded) => details.push(format!(
            "fingerprint {} (recorded {}, reconciled {})",
            short(fingerprint),
            short(recorded),
            page.reconciled
        )),
        None => details.push(format!(
            "never recorded: fingerprint {}; read the page, then `cargo xtask docs-check --accept`",
            short(fingerprint)
        )),
    }

    let snapshot_path = sources.snapshot_path(page);
    let baseline = match std::fs::read_to_string(&snapshot_path) {
        Ok(text) => {
            // A snapshot is the normalized text that `--accept` wrote: never HTML.
            let text = normalize::normalize_text(&text);
            let recorded = page.fingerprint.as_deref();
            if recorded.is_some_and(|r| r != normalize::fingerprint(&text)) {
                details.push(format!(
                    "note: the snapshot {} does not match the recorded fingerprint",
                    snapshot_path.display()
                ));
            }
            Some(text)
        }
        Err(_) => {
            details.push(format!("note: no snapshot at {}", snapshot_path.display()));
            None
        }
    };

    if page.kind == Kind::Reference {
        details.extend(findings(page, specs_dir, normalized, baseline.as_deref()));
    }
    if let Some(old) = &baseline {
        details.extend(text_diff(old, normalized, page.kind));
    }
    details
}

/// The NEW and GONE facts of a reference page, one line each.
fn findings(
    page: &Page,
    specs_dir: &Path,
    normalized: &str,
    baseline: Option<&str>,
) -> Vec<String> {
    let spec_path = specs_dir.join(format!("{}.yaml", page.spec));
    let spec = match specs::Spec::load(&spec_path) {
        Ok(spec) => spec,
        Err(e) => return vec![format!("cannot compare facts: {e}")],
    };
    let spec_facts = match SpecFacts::new(&spec, page.operation.as_deref()) {
        Ok(f) => f,
        Err(e) => return vec![format!("cannot compare facts: {e:#}")],
    };
    let now = facts::page_facts(normalized);
    let then: Option<BTreeSet<Fact>> = baseline.map(facts::page_facts);
    let found = facts::compare(&now, then.as_ref(), &spec_facts);
    let mut lines = Vec::new();
    if then.is_none() {
        lines.push(format!(
            "facts compared with specs/{}.yaml alone (no snapshot): readings the page never stated show as GONE",
            page.spec
        ));
    }
    if found.is_empty() {
        lines.push(format!(
            "no facts differ from specs/{}.yaml: the change is in prose or layout; read the diff, then accept",
            page.spec
        ));
    }
    let width = found
        .iter()
        .map(|f| f.fact.to_string().chars().count())
        .max()
        .unwrap_or(0);
    for f in found {
        let tag = if f.new { "NEW " } else { "GONE" };
        let fact = f.fact.to_string();
        lines.push(format!("{tag}  {fact:<width$}  spec: {}", f.hint));
    }
    lines
}

/// The lines that differ between the snapshot and the page, capped.
fn text_diff(old: &str, new: &str, kind: Kind) -> Vec<String> {
    let diff = similar::TextDiff::from_lines(old, new);
    let changes: Vec<String> = diff
        .iter_all_changes()
        .filter_map(|c| {
            let sign = match c.tag() {
                similar::ChangeTag::Equal => return None,
                similar::ChangeTag::Delete => '-',
                similar::ChangeTag::Insert => '+',
            };
            Some(format!("  {sign} {}", c.value().trim_end_matches('\n')))
        })
        .collect();
    if changes.is_empty() {
        return Vec::new();
    }
    let what = match kind {
        Kind::Reference => "text",
        Kind::Index => "pages listed",
    };
    let mut lines = vec![format!(
        "{what}: {} line(s) added, {} removed since the snapshot",
        changes.iter().filter(|l| l.starts_with("  +")).count(),
        changes.iter().filter(|l| l.starts_with("  -")).count()
    )];
    let total = changes.len();
    lines.extend(changes.into_iter().take(DIFF_LINES));
    if total > DIFF_LINES {
        lines.push(format!("  … {} more", total - DIFF_LINES));
    }
    lines
}

/// `sha256:0123456789ab…` for the report; the full value is in the file.
fn short(fingerprint: &str) -> String {
    fingerprint.chars().take(19).collect::<String>() + "…"
}
