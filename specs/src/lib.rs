//! The API specs: embedded YAML, the parsed OpenAPI model, and one typed reading of it.
//!
//! Every spec in `specs/*.yaml` is embedded by the build script and named by its file stem
//! ([`names`], [`embedded`]); no Rust lists them. Codegen, the reference mock and the
//! conformance checks read endpoint facts only from here: `$ref`s, security schemes, statuses,
//! parameter locations, methods and our `x-` extensions are resolved and typed once, in this
//! crate, so that nothing about an endpoint is read twice with two sets of rules.
//!
//! The extension vocabulary is documented in `specs/README.md`. [`Spec::parse`] rejects a spec
//! that misuses it with an error naming the file, the JSON pointer and the problem.
//!
//! Every rule of a spec has a provenance: the vendor page, or a *reading* the spec chose where
//! the page is silent. Readings are marked in the spec with `x-reading` ([`Reading`]), and a
//! violation of a reading is a warning, never a failure.
#![deny(missing_docs)]

mod extensions;
mod model;
mod operation_id;
pub mod pointer;
mod readings;
mod refs;
mod schema;

use std::collections::BTreeSet;
use std::path::Path;

pub use client_runtime::walk;
pub use client_runtime::{InBody, RateLimitHeaders, Reset, ResetFormat};
pub use extensions::{
    compare, compare_values, param_text, Access, Bound, Cache, Direction, ErrorKind, ErrorRules,
    Fact, Filter, InBodyError, Match, Nulls, Order, Pagination, Restricted, Scope, SearchHow,
    Sentinel, Several, Sort, SortChoice, AUTH_STATUSES, TOO_MANY_REQUESTS,
};
pub use model::{
    HeaderSpec, Location, Method, Operation, Parameter, ResponseSpec, Security, SecurityKind,
    StatusKey,
};
pub use openapiv3;
pub use operation_id::OperationId;
pub use pointer::Pointer;
pub use readings::Reading;
pub use schema::{JsonSchemas, ResponseSchema};

include!(concat!(env!("OUT_DIR"), "/embedded.rs"));

/// The names of the embedded specs (file stems of `specs/*.yaml`), sorted.
pub fn names() -> Vec<&'static str> {
    EMBEDDED.iter().map(|(name, _, _)| *name).collect()
}

/// The embedded text of spec `name`, if there is one.
pub fn embedded(name: &str) -> Option<&'static str> {
    EMBEDDED
        .iter()
        .find(|(n, _, _)| *n == name)
        .map(|(_, _, text)| *text)
}

/// The embedded spec `name`, parsed and validated; `None` when no such spec is embedded.
///
/// The embedded files are checked by this crate's tests, so an error here is a broken
/// checkout; it is still an error, never a panic.
pub fn load(name: &str) -> Option<Result<Spec, SpecError>> {
    EMBEDDED
        .iter()
        .find(|(n, _, _)| *n == name)
        .map(|(_, file, text)| Spec::parse(&format!("specs/{file}"), text))
}

/// Every embedded spec, parsed, in name order.
pub fn all() -> Result<Vec<Spec>, SpecError> {
    EMBEDDED
        .iter()
        .map(|(_, file, text)| Spec::parse(&format!("specs/{file}"), text))
        .collect()
}

/// A problem in a spec file, located by file and JSON pointer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: at {pointer}: {problem}")]
pub struct SpecError {
    /// The file as the user named it (or `specs/<name>.yaml` for embedded specs).
    pub file: String,
    /// JSON pointer (RFC 6901) to the offending node; `/` for the whole document.
    pub pointer: String,
    /// What is wrong, in words.
    pub problem: String,
}

impl SpecError {
    /// An error at `pointer` (empty for the whole document) of `file`.
    pub fn new(file: &str, pointer: &str, problem: impl Into<String>) -> Self {
        SpecError {
            file: file.to_string(),
            pointer: if pointer.is_empty() {
                "/".to_string()
            } else {
                pointer.to_string()
            },
            problem: problem.into(),
        }
    }
}

/// A parsed and validated spec.
#[derive(Debug, Clone)]
pub struct Spec {
    /// The API's name: the file stem (`peeker` for `specs/peeker.yaml`).
    pub name: String,
    /// The file the spec came from, for error messages.
    pub file: String,
    /// The raw document as JSON, for pointer look-ups and schema conversion.
    pub raw: serde_json::Value,
    /// The OpenAPI model (what progenitor consumes).
    pub openapi: openapiv3::OpenAPI,
    /// Every operation, with our extensions read.
    pub operations: Vec<Operation>,
    /// Every `x-reading` mark of the document, in document order.
    pub readings: Vec<Reading>,
}

impl Spec {
    /// Loads and validates a spec from a file on disk; its name is the file stem.
    pub fn load(path: &Path) -> Result<Spec, SpecError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path)
            .map_err(|e| SpecError::new(&file, "", format!("cannot read the file: {e}")))?;
        Spec::parse(&file, &text)
    }

    /// Parses and validates spec text; `file` names it in errors, and its stem names the API.
    pub fn parse(file: &str, text: &str) -> Result<Spec, SpecError> {
        let name = Path::new(file)
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or(file)
            .to_string();
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
        {
            return Err(SpecError::new(
                file,
                "",
                format!("`{name}` cannot name an API: use lower-case letters, digits, `-` and `_` in the file name"),
            ));
        }
        let raw: serde_json::Value = serde_yaml::from_str(text).map_err(|e| {
            let at = e
                .location()
                .map(|l| format!(" (line {}, column {})", l.line(), l.column()))
                .unwrap_or_default();
            SpecError::new(file, "", format!("not valid YAML{at}: {e}"))
        })?;
        if !raw.is_object() {
            return Err(SpecError::new(
                file,
                "",
                "the document is not a mapping (an OpenAPI object)",
            ));
        }
        let version = raw.get("openapi").and_then(|v| v.as_str()).unwrap_or("");
        if !version.starts_with("3.0.") {
            return Err(SpecError::new(
                file,
                "/openapi",
                format!(
                    "OpenAPI version `{version}` is not supported: progenitor reads 3.0.x only"
                ),
            ));
        }
        let openapi: openapiv3::OpenAPI = serde_json::from_value(raw.clone()).map_err(|e| {
            SpecError::new(file, "", format!("not a valid OpenAPI 3.0 document: {e}"))
        })?;
        let readings = readings::collect(file, &raw)?;
        let operations = model::read_operations(file, &raw, &readings)?;
        let mut seen = BTreeSet::new();
        for op in &operations {
            if !seen.insert(op.operation_id.clone()) {
                return Err(SpecError::new(
                    file,
                    &format!("{}/operationId", op.pointer),
                    format!("operationId `{}` is used twice", op.operation_id),
                ));
            }
        }
        Ok(Spec {
            name,
            file: file.to_string(),
            raw,
            openapi,
            operations,
            readings,
        })
    }

    /// Checks every `$ref` of the document: local, resolving, and not part of a cycle; and
    /// that no path item is a `$ref`. [`resolve`] stops quietly at a reference that does not
    /// resolve; a generator calls this first to refuse such a document with its pointer.
    pub fn check_references(&self) -> Result<(), SpecError> {
        refs::check(&self.file, &self.raw)
    }

    /// The operation with this `operationId`.
    pub fn operation(&self, operation_id: &str) -> Option<&Operation> {
        self.operations
            .iter()
            .find(|o| o.operation_id == operation_id)
    }

    /// The first paginated operation.
    pub fn paginated_operation(&self) -> Option<&Operation> {
        self.paginated_operations().next()
    }

    /// Every paginated GET operation, in the spec's order: the operations the clients stream,
    /// the mock serves and the suite checks.
    pub fn paginated_operations(&self) -> impl Iterator<Item = &Operation> {
        self.operations
            .iter()
            .filter(|o| o.pagination.is_some() && o.method == Method::Get)
    }

    /// The first server URL of the spec.
    pub fn server_url(&self) -> Option<&str> {
        self.raw.pointer("/servers/0/url").and_then(|v| v.as_str())
    }

    /// The path of the first server URL (`/api/partner/v1`), without a trailing slash.
    pub fn server_path(&self) -> String {
        let url = self.server_url().unwrap_or("");
        // `https://host/path` or a relative `/path`: the path starts after the authority.
        let after_scheme = url
            .split_once("://")
            .map_or(url, |(_, rest)| rest.find('/').map_or("", |i| &rest[i..]));
        let path = after_scheme.split(['?', '#']).next().unwrap_or("");
        path.trim_end_matches('/').to_string()
    }

    /// The security scheme of the API: that of the paginated operation (the one the suite and
    /// the mock serve), else of the first operation that has one.
    pub fn security(&self) -> Option<&Security> {
        self.paginated_operation()
            .and_then(|o| o.security.as_ref())
            .or_else(|| self.operations.iter().find_map(|o| o.security.as_ref()))
    }

    /// The reading marked at `pointer` for `key` (`None`: a mark covering the whole node).
    pub fn reading(&self, pointer: &str, key: Option<&str>) -> Option<&Reading> {
        self.readings
            .iter()
            .find(|r| r.pointer == pointer && r.key.as_deref() == key)
    }

    /// The reading that covers a step from the node at `pointer` into its key `key` (`None`:
    /// the node itself): a whole-node mark of the node, or its mark for `key`. This is the rule
    /// every check and the reference mock use to tell a reading from a documented fact.
    pub fn covering(&self, pointer: &str, key: Option<&str>) -> Option<&Reading> {
        readings::covering(&self.readings, pointer, key)
    }

    /// The first example of a response's `application/json` body: its `example`, else the
    /// `value` of its first entry under `examples` (`$ref`s to `#/components/examples`
    /// followed). Examples are the docs' own bodies, which the reference mock uses as templates.
    pub fn response_example(&self, response: &ResponseSpec) -> Option<&serde_json::Value> {
        let content = self
            .raw
            .pointer(&response.pointer)?
            .get("content")?
            .as_object()?;
        let media = content
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("application/json"))
            .map(|(_, v)| v)?;
        if let Some(example) = media.get("example") {
            return Some(example);
        }
        let first = media.get("examples")?.as_object()?.values().next()?;
        resolve(&self.raw, first).get("value")
    }

    /// The schema of the body member at `member` (a JSON pointer into the body, `""` for the
    /// body itself) under the schema node at `schema_pointer`, `$ref`s followed at every step:
    /// object members through `properties`, array elements (a numeric segment or `-`) through
    /// `items`. Returns the node and its pointer in the spec, where readings are marked.
    pub fn member_schema(
        &self,
        schema_pointer: &str,
        member: &str,
    ) -> Option<(&serde_json::Value, String)> {
        member_schema_in(&self.raw, schema_pointer, member)
    }

    /// JSON Schemas (draft 2020-12) of the spec's components, for validating bodies.
    pub fn json_schemas(&self) -> JsonSchemas {
        JsonSchemas::new(&self.raw)
    }

    /// The environment variable that carries this API's credential, e.g. `PEEKER_TOKEN` for a
    /// bearer token of `peeker`, `DEVPAYR_API_KEY` for an API key of `devpayr` (for HTTP
    /// Basic, the password's: `<API>_PASSWORD`).
    pub fn credential_env(&self) -> Option<String> {
        Some(self.env_var(self.security()?.credential_noun()))
    }

    /// The environment variable of this API named by the flag noun `noun`: `PEEKER_TOKEN` for
    /// `token`, `<API>_USERNAME` for `username`, `<API>_VIEWER_API_KEY` for `viewer-api-key`.
    pub fn env_var(&self, noun: &str) -> String {
        let upper = |s: &str| s.replace('-', "_").to_ascii_uppercase();
        format!("{}_{}", upper(&self.name), upper(noun))
    }
}

/// [`Spec::member_schema`] in the document `raw`, for readers that run before the spec is
/// whole.
pub(crate) fn member_schema_in<'a>(
    raw: &'a serde_json::Value,
    schema_pointer: &str,
    member: &str,
) -> Option<(&'a serde_json::Value, String)> {
    let node = raw.pointer(schema_pointer)?;
    let (mut node, mut at) = resolve_at(raw, node, schema_pointer);
    if member.is_empty() {
        return Some((node, at));
    }
    for segment in Pointer::parse(member).ok()?.segments() {
        let (child, child_at) =
            match node.pointer(&format!("/properties/{}", pointer::escape(&segment))) {
                Some(child) => (
                    child,
                    format!("{at}/properties/{}", pointer::escape(&segment)),
                ),
                None if segment == "-" || segment.parse::<usize>().is_ok() => {
                    (node.get("items")?, format!("{at}/items"))
                }
                None => return None,
            };
        (node, at) = resolve_at(raw, child, &child_at);
    }
    Some((node, at))
}

/// Follows local `$ref`s (`#/...`) from `value` inside the document `raw`; returns the node
/// reached and its pointer (`pointer` itself when `value` is not a reference). A reference that
/// does not resolve stops the walk at the last node reached.
pub fn resolve<'a>(
    raw: &'a serde_json::Value,
    value: &'a serde_json::Value,
) -> &'a serde_json::Value {
    resolve_at(raw, value, "").0
}

/// Like [`resolve`], also returning the pointer of the node reached (`pointer` is that of
/// `value`), so that errors and readings point at the definition rather than the reference.
pub fn resolve_at<'a>(
    raw: &'a serde_json::Value,
    value: &'a serde_json::Value,
    pointer: &str,
) -> (&'a serde_json::Value, String) {
    let mut current = value;
    let mut at = pointer.to_string();
    // Refs to refs are legal; a bound keeps a cyclic spec from looping.
    for _ in 0..16 {
        match current
            .get("$ref")
            .and_then(|r| r.as_str())
            .and_then(|r| r.strip_prefix('#'))
        {
            Some(target) => match raw.pointer(target) {
                Some(node) => {
                    current = node;
                    at = target.to_string();
                }
                None => break,
            },
            None => break,
        }
    }
    (current, at)
}

#[cfg(test)]
mod tests;
