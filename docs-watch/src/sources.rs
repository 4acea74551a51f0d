//! `specs/sources.toml`: the vendor pages each spec was written from, and what they said when the
//! spec was last reconciled with them.
//!
//! The file is read and written with `toml_edit`, so that `--accept` changes only the values it
//! records and keeps every comment and the layout people gave the file.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use toml_edit::{DocumentMut, Item, Value};

/// What a page is, which decides how a change is reported.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// An API reference page: its facts are compared with the spec.
    Reference,
    /// A list of pages (such as `llms.txt`): a change means pages came or went.
    Index,
}

/// One `[[page]]` of the file.
#[derive(Clone, Debug)]
pub struct Page {
    /// Position among the `[[page]]` tables, for writing back.
    pub index: usize,
    /// The name of the spec written from the page (`specs/<spec>.yaml`).
    pub spec: String,
    pub operation: Option<String>,
    pub kind: Kind,
    pub url: String,
    /// As written in the file: relative to the file's directory.
    pub snapshot: PathBuf,
    pub reconciled: String,
    /// `None` when the page was never recorded (`fingerprint = ""`).
    pub fingerprint: Option<String>,
}

/// One `[[document]]` of the file: a vendor's OpenAPI document that a spec is imported from
/// (`cargo xtask import`), as an npm package publishes it.
#[derive(Clone, Debug)]
pub struct Document {
    /// Position among the `[[document]]` tables, for writing back.
    pub index: usize,
    /// The imported spec (`specs/<spec>.yaml`).
    pub spec: String,
    /// The npm package (`@octokit/openapi`).
    pub package: String,
    /// The version the spec was imported from.
    pub version: String,
    /// The document's path inside the package.
    pub path: String,
    /// The imported operations.
    pub operations: Vec<String>,
    /// The npm registry (default `https://registry.npmjs.org`).
    pub registry: String,
    /// The selection as published at `version`, relative to the file's directory.
    pub snapshot: PathBuf,
    /// The date the spec was last imported from `version` (YYYY-MM-DD).
    pub reconciled: String,
    /// The selection's fingerprint; `None` when never recorded (`fingerprint = ""`).
    pub fingerprint: Option<String>,
}

/// The registry `cargo xtask docs-check` asks when a `[[document]]` names none.
pub const NPM_REGISTRY: &str = "https://registry.npmjs.org";

/// The parsed file, with the document kept for writing back.
pub struct Sources {
    pub path: PathBuf,
    pub pages: Vec<Page>,
    pub documents: Vec<Document>,
    doc: DocumentMut,
}

impl Sources {
    /// Reads and validates the file; every problem is an error naming the file and the page.
    pub fn load(path: &Path) -> anyhow::Result<Sources> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let doc: DocumentMut = text
            .parse()
            .with_context(|| format!("{} is not valid TOML", path.display()))?;
        let pages = match doc.get("page").and_then(Item::as_array_of_tables) {
            Some(tables) => read_pages(path, tables)?,
            None => Vec::new(),
        };
        let documents = match doc.get("document").and_then(Item::as_array_of_tables) {
            Some(tables) => read_documents(path, tables)?,
            None => Vec::new(),
        };
        if pages.is_empty() && documents.is_empty() {
            bail!("{}: no [[page]] or [[document]] tables", path.display());
        }
        Ok(Sources {
            path: path.to_path_buf(),
            pages,
            documents,
            doc,
        })
    }

    /// The directory that snapshot paths are relative to.
    pub fn dir(&self) -> PathBuf {
        self.path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default()
    }

    /// Where a page's snapshot lives on disk.
    pub fn snapshot_path(&self, page: &Page) -> PathBuf {
        self.dir().join(&page.snapshot)
    }

    /// Records a page as reconciled: new fingerprint and date, comments kept.
    pub fn record(&mut self, page: &Page, fingerprint: &str, date: &str) {
        let Some(table) = self
            .doc
            .get_mut("page")
            .and_then(Item::as_array_of_tables_mut)
            .and_then(|t| t.get_mut(page.index))
        else {
            return;
        };
        for (key, value) in [("fingerprint", fingerprint), ("reconciled", date)] {
            set_keeping_comment(table, key, value);
        }
    }

    /// Where a document's snapshot lives on disk.
    pub fn document_snapshot(&self, document: &Document) -> PathBuf {
        self.dir().join(&document.snapshot)
    }

    /// Records a document as reconciled at `version`: the version, the selection's
    /// fingerprint and the date, comments kept.
    pub fn record_document(
        &mut self,
        document: &Document,
        version: &str,
        fingerprint: &str,
        date: &str,
    ) {
        let Some(table) = self
            .doc
            .get_mut("document")
            .and_then(Item::as_array_of_tables_mut)
            .and_then(|t| t.get_mut(document.index))
        else {
            return;
        };
        set_keeping_comment(table, "version", version);
        set_keeping_comment(table, "fingerprint", fingerprint);
        set_keeping_comment(table, "reconciled", date);
    }

    /// Writes the file back.
    pub fn save(&self) -> anyhow::Result<()> {
        std::fs::write(&self.path, self.doc.to_string())
            .with_context(|| format!("cannot write {}", self.path.display()))
    }
}

/// The `[[page]]` tables; every problem names the file and the page.
fn read_pages(path: &Path, tables: &toml_edit::ArrayOfTables) -> anyhow::Result<Vec<Page>> {
    let mut pages = Vec::new();
    for (index, table) in tables.iter().enumerate() {
        let at = format!("{}: [[page]] #{}", path.display(), index + 1);
        let string = |key: &str| -> anyhow::Result<Option<String>> {
            match table.get(key) {
                None => Ok(None),
                Some(item) => match item.as_str() {
                    Some(s) => Ok(Some(s.to_string())),
                    None => bail!("{at}: `{key}` must be a string"),
                },
            }
        };
        let required = |key: &str| -> anyhow::Result<String> {
            string(key)?.ok_or_else(|| anyhow::anyhow!("{at}: `{key}` is missing"))
        };
        let spec_name = required("spec")?;
        if !specs::names().contains(&spec_name.as_str()) {
            bail!(
                "{at}: unknown spec `{spec_name}` (known: {})",
                specs::names().join(", ")
            );
        }
        let spec = spec_name;
        let url = required("url")?;
        if !(url.starts_with("https://") || url.starts_with("http://")) {
            bail!("{at}: `url` must be an http(s) URL, not `{url}`");
        }
        let kind = match string("kind")?.as_deref() {
            None | Some("reference") => Kind::Reference,
            Some("index") => Kind::Index,
            Some(other) => {
                bail!("{at}: `kind` must be \"reference\" or \"index\", not `{other}`")
            }
        };
        let snapshot = PathBuf::from(required("snapshot")?);
        if snapshot.file_name().is_none() {
            bail!("{at}: `snapshot` must name a file");
        }
        let reconciled = required("reconciled")?;
        if !is_date(&reconciled) {
            bail!("{at}: `reconciled` must be a date YYYY-MM-DD, not `{reconciled}`");
        }
        let fingerprint = fingerprint(&at, &required("fingerprint")?)?;
        pages.push(Page {
            index,
            spec,
            operation: string("operation")?,
            kind,
            url,
            snapshot,
            reconciled,
            fingerprint,
        });
    }
    Ok(pages)
}

/// The `[[document]]` tables; every problem names the file and the document.
fn read_documents(path: &Path, tables: &toml_edit::ArrayOfTables) -> anyhow::Result<Vec<Document>> {
    let mut documents = Vec::new();
    for (index, table) in tables.iter().enumerate() {
        let at = format!("{}: [[document]] #{}", path.display(), index + 1);
        let string = |key: &str| -> anyhow::Result<Option<String>> {
            match table.get(key) {
                None => Ok(None),
                Some(item) => match item.as_str() {
                    Some(s) => Ok(Some(s.to_string())),
                    None => bail!("{at}: `{key}` must be a string"),
                },
            }
        };
        let required = |key: &str| -> anyhow::Result<String> {
            string(key)?.ok_or_else(|| anyhow::anyhow!("{at}: `{key}` is missing"))
        };
        let spec = required("spec")?;
        if !specs::names().contains(&spec.as_str()) {
            bail!(
                "{at}: unknown spec `{spec}` (known: {})",
                specs::names().join(", ")
            );
        }
        let operations: Vec<String> = match table.get("operations").and_then(Item::as_array) {
            Some(list) => list
                .iter()
                .map(|v| v.as_str().map(str::to_string))
                .collect::<Option<_>>()
                .ok_or_else(|| anyhow::anyhow!("{at}: `operations` must be a list of strings"))?,
            None => bail!("{at}: `operations` is missing (a list of operationIds)"),
        };
        if operations.is_empty() {
            bail!("{at}: `operations` is empty");
        }
        let registry = string("registry")?.unwrap_or_else(|| NPM_REGISTRY.to_string());
        if !(registry.starts_with("https://") || registry.starts_with("http://")) {
            bail!("{at}: `registry` must be an http(s) URL, not `{registry}`");
        }
        let snapshot = PathBuf::from(required("snapshot")?);
        if snapshot.file_name().is_none() {
            bail!("{at}: `snapshot` must name a file");
        }
        let reconciled = required("reconciled")?;
        if !is_date(&reconciled) {
            bail!("{at}: `reconciled` must be a date YYYY-MM-DD, not `{reconciled}`");
        }
        documents.push(Document {
            index,
            spec,
            package: required("package")?,
            version: required("version")?,
            path: required("path")?,
            operations,
            registry,
            snapshot,
            reconciled,
            fingerprint: fingerprint(&at, &required("fingerprint")?)?,
        });
    }
    Ok(documents)
}

/// A recorded fingerprint: `sha256:<64 hex digits>`, or `""` for none.
fn fingerprint(at: &str, text: &str) -> anyhow::Result<Option<String>> {
    match text {
        "" => Ok(None),
        f if f.len() == 71
            && f.starts_with("sha256:")
            && f[7..].bytes().all(|b| b.is_ascii_hexdigit()) =>
        {
            Ok(Some(f.to_string()))
        }
        f => bail!("{at}: `fingerprint` must be \"sha256:<64 hex digits>\" or \"\", not `{f}`"),
    }
}

/// Sets `key` of `table` to `value`, keeping the comment that may follow the old value.
fn set_keeping_comment(table: &mut toml_edit::Table, key: &str, value: &str) {
    match table.get_mut(key).and_then(Item::as_value_mut) {
        Some(old) => {
            let decor = old.decor().clone();
            *old = Value::from(value);
            *old.decor_mut() = decor;
        }
        None => {
            table.insert(key, toml_edit::value(value));
        }
    }
}

fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
}

/// Today's date in UTC as `YYYY-MM-DD`.
pub fn today() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let now = i64::try_from(secs)
        .ok()
        .and_then(|s| chrono::DateTime::from_timestamp(s, 0))
        .unwrap_or(chrono::DateTime::UNIX_EPOCH);
    now.format("%Y-%m-%d").to_string()
}
