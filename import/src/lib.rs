//! Bring the vendor's own OpenAPI document: import the operations a team calls, with an
//! OpenAPI Overlay for our marks. The work of `cargo xtask import`, whose command line is a
//! thin wrapper around [`import`].
//!
//! The pipeline, one module each:
//! 1. `source`: read the vendor's document (JSON split lazily into raw slices, YAML whole)
//!    and refuse what is not OpenAPI 3.0 or 3.1;
//! 2. `select`: the selected operations and exactly the components they reach, the servers,
//!    the security schemes they use and the tags they name, at the vendor's own pointers;
//! 3. `convert`: OpenAPI 3.1 to 3.0.3, by rules that keep what each schema accepts;
//! 4. `overlay`: the overlays, per OpenAPI Overlay 1.0 (JSONPath targets, `update`,
//!    `remove`), then the components completed again (what an overlay made unreachable goes,
//!    what it newly refers to comes from the document);
//! 5. `simplify`: what progenitor cannot take, rewritten by a rule and marked `x-simplified`,
//!    or reported;
//! 6. the spec, read back with [`specs::Spec::parse`] (an overlay's marks are checked like any
//!    spec's), written under a header naming the source, its version and a fingerprint of
//!    what was selected.
//!
//! Errors are [`ImportError`]s: the file (the document, an overlay, or the spec being
//! written), the JSON pointer and the problem. Nothing here panics on bad input.
#![deny(missing_docs)]

mod convert;
mod overlay;
mod schemas;
mod select;
mod simplify;
mod source;
mod tree;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

pub use convert::Conversion;
pub use simplify::Simplified;
pub use source::Package;

/// A problem in the vendor's document, an overlay or the imported spec: file, JSON pointer and
/// what is wrong, like every spec error of the workspace.
pub type ImportError = specs::SpecError;

/// What to import.
#[derive(Debug, Clone)]
pub struct Request {
    /// The API: the spec is `specs/<api>.yaml`.
    pub api: String,
    /// The vendor's document (JSON or YAML, OpenAPI 3.0 or 3.1).
    pub document: PathBuf,
    /// The operations, each an `operationId` or `METHOD /path`.
    pub operations: Vec<String>,
    /// Overlay files, applied in order.
    pub overlays: Vec<PathBuf>,
    /// Paths in the header and in errors are written relative to this directory (the
    /// workspace root) when they lie under it.
    pub root: PathBuf,
}

/// The imported spec and what the import found on the way.
#[derive(Debug, Clone)]
pub struct Imported {
    /// The spec file's text.
    pub text: String,
    /// The selection as published: the operations and every component they reach.
    pub selection: Selection,
    /// The npm package the document came from, when a `package.json` says so.
    pub package: Option<Package>,
    /// What converting from OpenAPI 3.1 did, when the document was 3.1.
    pub conversion: Option<Conversion>,
    /// What was simplified for progenitor, and what it still cannot take.
    pub simplified: Simplified,
}

/// The selected operations and every component they reach, as the vendor published them.
#[derive(Debug, Clone)]
pub struct Selection {
    /// The selection, in the vendor's order, as JSON text (one line).
    pub json: String,
    /// `sha256:<hex>` of [`Selection::json`].
    pub fingerprint: String,
    /// The operations, by `operationId` (or `METHOD /path` where there is none).
    pub operations: Vec<String>,
    /// How many components it reaches.
    pub components: usize,
}

impl Selection {
    fn of(doc: &serde_yaml::Value, ops: &[source::OperationRef]) -> Selection {
        let json = serde_json::to_string(doc).unwrap_or_default();
        let components = doc
            .get("components")
            .and_then(serde_yaml::Value::as_mapping)
            .map(|c| {
                c.values()
                    .filter_map(serde_yaml::Value::as_mapping)
                    .map(serde_yaml::Mapping::len)
                    .sum()
            })
            .unwrap_or(0);
        Selection {
            fingerprint: fingerprint(&json),
            json,
            operations: ops
                .iter()
                .map(|op| op.id.clone().unwrap_or_else(|| op.label()))
                .collect(),
            components,
        }
    }

    /// The selection as a `serde_json::Value`, for comparing two of them.
    pub fn value(&self) -> serde_json::Value {
        serde_json::from_str(&self.json).unwrap_or_default()
    }

    /// The selection as indented JSON in the vendor's order, for a snapshot people read.
    pub fn pretty(&self) -> String {
        let ordered: serde_yaml::Value = serde_json::from_str(&self.json).unwrap_or_default();
        serde_json::to_string_pretty(&ordered).unwrap_or_default() + "\n"
    }
}

/// `sha256:<hex>` of a text.
pub fn fingerprint(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

/// Selects `operations` of the document `text` (named `file` in errors), without converting
/// it or applying overlays: what the vendor published for them. `cargo xtask docs-check`
/// compares two versions of a document this way.
pub fn select(file: &str, text: &str, operations: &[String]) -> Result<Selection, ImportError> {
    let source = source::Source::parse(file, text)?;
    let ops = select::find_operations(&source, operations)?;
    let doc = select::assemble(&source, &ops)?;
    Ok(Selection::of(&doc, &ops))
}

/// Imports the request's operations; reads the document and the overlays from disk.
pub fn import(request: &Request) -> Result<Imported, ImportError> {
    let label = |path: &Path| shown(&request.root, path);
    let file = label(&request.document);
    let text = std::fs::read_to_string(&request.document)
        .map_err(|e| ImportError::new(&file, "", format!("cannot read the document: {e}")))?;
    let source = source::Source::parse(&file, &text)?;
    let ops = select::find_operations(&source, &request.operations)?;
    let mut doc = select::assemble(&source, &ops)?;
    let selection = Selection::of(&doc, &ops);
    let mut conversion = source.is_3_1().then(|| Conversion {
        from: source.version.clone(),
        ..Conversion::default()
    });
    if let Some(c) = conversion.as_mut() {
        convert::convert(&mut doc, &file, c)?;
    }
    for path in &request.overlays {
        let name = label(path);
        let overlay = std::fs::read_to_string(path)
            .map_err(|e| ImportError::new(&name, "", format!("cannot read the overlay: {e}")))?;
        overlay::apply(&mut doc, &name, &overlay)?;
    }
    select::complete(&mut doc, Some(&source))?;
    if let Some(c) = conversion.as_mut() {
        // Components an overlay newly refers to come from the 3.1 document.
        convert::convert(&mut doc, &file, c)?;
    }
    let simplified = simplify::simplify(&mut doc);
    let package = Package::find(&request.document);
    let header = Header {
        request,
        file: &file,
        version: &source.version,
        package: package.as_ref(),
        selection: &selection,
        conversion: conversion.as_ref(),
        simplified: &simplified,
    };
    let text = format!("{}{}", header.render(), body(&doc));
    let spec_file = format!("specs/{}.yaml", request.api);
    specs::Spec::parse(&spec_file, &text).map_err(|e| {
        ImportError::new(&format!("{} (as imported)", e.file), &e.pointer, e.problem)
    })?;
    Ok(Imported {
        text,
        selection,
        package,
        conversion,
        simplified,
    })
}

/// `path` relative to `root` when it lies under it, with `/` separators.
fn shown(root: &Path, path: &Path) -> String {
    let absolute = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let (root, full) = (absolute(root), absolute(path));
    match full.strip_prefix(&root) {
        Ok(inside) => inside
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/"),
        Err(_) => path.display().to_string(),
    }
}

/// The YAML of the document.
fn body(doc: &serde_yaml::Value) -> String {
    serde_yaml::to_string(doc).unwrap_or_default()
}

/// The comment block at the top of the spec.
struct Header<'a> {
    request: &'a Request,
    file: &'a str,
    version: &'a str,
    package: Option<&'a Package>,
    selection: &'a Selection,
    conversion: Option<&'a Conversion>,
    simplified: &'a Simplified,
}

impl Header<'_> {
    fn render(&self) -> String {
        let mut lines = Vec::new();
        let from = match self.package {
            Some(p) => format!("npm {} {}, {}", p.name, p.version, p.path),
            None => self.file.to_string(),
        };
        lines.push(format!(
            "Imported by `cargo xtask import {}`. Do not edit: change the overlay",
            self.request.api
        ));
        lines.push("and import again (see specs/README.md, \"Imported specs\").".into());
        lines.push(format!("source: {from} (OpenAPI {})", self.version));
        lines.push(format!(
            "operations: {}",
            self.selection.operations.join(", ")
        ));
        lines.push(format!(
            "selected: {} operation(s) and {} component(s), {}",
            self.selection.operations.len(),
            self.selection.components,
            self.selection.fingerprint
        ));
        let overlays: Vec<String> = self
            .request
            .overlays
            .iter()
            .map(|p| shown(&self.request.root, p))
            .collect();
        if !overlays.is_empty() {
            lines.push(format!("overlays: {}", overlays.join(", ")));
        }
        if let Some(c) = self.conversion {
            lines.extend(c.summary());
        }
        lines.push(match self.simplified.rewritten.len() {
            0 => "simplified for progenitor: nothing".to_string(),
            n => format!("simplified for progenitor: {n} schema(s), each marked `x-simplified`"),
        });
        let mut out = String::new();
        for line in lines {
            let _ = writeln!(out, "# {line}");
        }
        out
    }
}

/// A unified diff from `old` to `new`, labelled with `path`; empty when they are equal.
pub fn diff(path: &str, old: &str, new: &str) -> String {
    if old == new {
        return String::new();
    }
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{path}"), &format!("b/{path}"))
        .to_string()
}

/// Writes `text` to `path` through a temporary file in the same directory and a rename, so
/// that the file is never half-written.
pub fn write_atomically(path: &Path, text: &str) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let temporary = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    std::fs::write(&temporary, text)?;
    std::fs::rename(&temporary, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&temporary);
    })
}
