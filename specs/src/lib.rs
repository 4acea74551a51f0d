//! The vendor specs: embedded YAML, the parsed OpenAPI model, and our `x-` extensions as types.
//!
//! Codegen, the reference mocks and the conformance checks all read endpoint facts from here,
//! so that nothing about an endpoint is written twice by hand. The extension vocabulary is
//! documented in `specs/README.md`; [`Spec::parse`] rejects a spec that misuses it with an
//! error naming the file, the JSON pointer and the problem.
#![deny(missing_docs)]

mod extensions;
mod schema;

use std::collections::BTreeSet;
use std::fmt;
use std::path::Path;

pub use extensions::{
    resolve, Access, Cache, ErrorStatuses, Filter, LastPage, Match, NextKind, OverMax, Pagination,
};
pub use openapiv3;
pub use schema::JsonSchemas;

/// The vendors this project knows. Each has one spec file in `specs/`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Vendor {
    /// Peeker partner API, `GET /domains`.
    Peeker,
    /// DevPayr API, `GET /project/{project}/domains`.
    Devpayr,
}

impl Vendor {
    /// Every vendor, in a stable order.
    pub const ALL: [Vendor; 2] = [Vendor::Peeker, Vendor::Devpayr];

    /// Short lowercase name used on the command line and in file names.
    pub fn name(self) -> &'static str {
        match self {
            Vendor::Peeker => "peeker",
            Vendor::Devpayr => "devpayr",
        }
    }

    /// File name of the spec inside `specs/`.
    pub fn file_name(self) -> &'static str {
        match self {
            Vendor::Peeker => "peeker.yaml",
            Vendor::Devpayr => "devpayr.yaml",
        }
    }

    /// The spec text compiled into this crate.
    pub fn embedded_yaml(self) -> &'static str {
        match self {
            Vendor::Peeker => include_str!("../peeker.yaml"),
            Vendor::Devpayr => include_str!("../devpayr.yaml"),
        }
    }

    /// The embedded spec, parsed and validated.
    ///
    /// The embedded files are checked by this crate's tests, so a failure here is a build of a
    /// broken checkout; it is still reported as an error, never a panic.
    pub fn spec(self) -> Result<Spec, SpecError> {
        Spec::parse(&format!("specs/{}", self.file_name()), self.embedded_yaml())
    }

    /// Parses a vendor name as given on the command line.
    pub fn from_name(name: &str) -> Option<Vendor> {
        Vendor::ALL.into_iter().find(|v| v.name() == name)
    }
}

impl fmt::Display for Vendor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A problem in a spec file, located by file and JSON pointer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: at {pointer}: {problem}")]
pub struct SpecError {
    /// The file as the user named it (or `specs/<vendor>.yaml` for embedded specs).
    pub file: String,
    /// JSON pointer (RFC 6901) to the offending node; empty for the whole document.
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
    /// The file the spec came from, for error messages.
    pub file: String,
    /// The raw document as JSON, for pointer look-ups and schema conversion.
    pub raw: serde_json::Value,
    /// The OpenAPI model (what progenitor consumes).
    pub openapi: openapiv3::OpenAPI,
    /// Every operation, with our extensions read.
    pub operations: Vec<Operation>,
}

/// One operation of a spec, with the facts our extensions declare.
#[derive(Debug, Clone)]
pub struct Operation {
    /// `operationId`.
    pub operation_id: String,
    /// HTTP method in upper case.
    pub method: String,
    /// Path template, e.g. `/project/{project}/domains`.
    pub path: String,
    /// JSON pointer to the operation object, e.g. `/paths/~1domains/get`.
    pub pointer: String,
    /// `x-pagination`, when the operation is paginated.
    pub pagination: Option<Pagination>,
    /// Every parameter that declares `x-filter`, in spec order.
    pub filters: Vec<Filter>,
    /// `x-errors`: the statuses the checks accept for each kind of refusal.
    pub errors: ErrorStatuses,
    /// `x-access`: project-scoped access rules.
    pub access: Option<Access>,
    /// `x-cache`: documented response caching.
    pub cache: Option<Cache>,
    /// Query and path parameters, in spec order.
    pub parameters: Vec<Parameter>,
    /// Documented response statuses (`"200"`, `"401"`, ...), in spec order.
    pub statuses: Vec<String>,
}

/// A query or path parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct Parameter {
    /// Parameter name.
    pub name: String,
    /// `query` or `path`.
    pub location: String,
    /// Whether the parameter is required.
    pub required: bool,
    /// The parameter's schema, resolved, as JSON.
    pub schema: serde_json::Value,
}

impl Parameter {
    /// The `enum` values of a string parameter, if it has any.
    pub fn enum_values(&self) -> Option<Vec<String>> {
        let values = self.schema.get("enum")?.as_array()?;
        Some(
            values
                .iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect(),
        )
    }

    /// `type` of the schema (`string`, `integer`, ...).
    pub fn schema_type(&self) -> Option<&str> {
        self.schema.get("type").and_then(|t| t.as_str())
    }

    /// `minimum` of an integer parameter.
    pub fn minimum(&self) -> Option<i64> {
        self.schema.get("minimum").and_then(|v| v.as_i64())
    }

    /// `maximum` of an integer parameter.
    pub fn maximum(&self) -> Option<i64> {
        self.schema.get("maximum").and_then(|v| v.as_i64())
    }

    /// `default` of the parameter.
    pub fn default(&self) -> Option<&serde_json::Value> {
        self.schema.get("default")
    }
}

impl Spec {
    /// Loads and validates a spec from a file on disk.
    pub fn load(path: &Path) -> Result<Spec, SpecError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path)
            .map_err(|e| SpecError::new(&file, "", format!("cannot read the file: {e}")))?;
        Spec::parse(&file, &text)
    }

    /// Parses and validates spec text; `file` names it in errors.
    pub fn parse(file: &str, text: &str) -> Result<Spec, SpecError> {
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
        let operations = extensions::read_operations(file, &raw)?;
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
            file: file.to_string(),
            raw,
            openapi,
            operations,
        })
    }

    /// The operation with this `operationId`.
    pub fn operation(&self, operation_id: &str) -> Option<&Operation> {
        self.operations
            .iter()
            .find(|o| o.operation_id == operation_id)
    }

    /// The first paginated operation (each of our specs has exactly one).
    pub fn paginated_operation(&self) -> Option<&Operation> {
        self.operations.iter().find(|o| o.pagination.is_some())
    }

    /// The first server URL of the spec.
    pub fn server_url(&self) -> Option<&str> {
        self.raw.pointer("/servers/0/url").and_then(|v| v.as_str())
    }

    /// JSON Schemas (draft 2020-12) of the spec's components, for validating bodies.
    pub fn json_schemas(&self) -> JsonSchemas {
        JsonSchemas::new(&self.raw)
    }
}

/// Escapes one JSON pointer segment (RFC 6901).
pub fn escape_pointer_segment(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

#[cfg(test)]
mod tests;
