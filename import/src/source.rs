//! The vendor's document, read once and looked into by JSON pointer.
//!
//! A JSON document (GitHub's is 13 MB) is not parsed whole: its top-level members, its path
//! items and its components are split into raw slices of the text (`serde_json::RawValue`, a
//! validating scan that allocates nothing per node), and a slice is parsed into the
//! order-preserving tree only when the import reaches it. Importing three operations then
//! parses a few hundred kilobytes. A YAML document is read whole.

use std::collections::HashMap;
use std::path::Path;

use indexmap::IndexMap;
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_yaml::Value;
use specs::Pointer;

use crate::tree;
use crate::ImportError;

/// The methods of a path item, in the order OpenAPI lists them.
pub(crate) const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// One operation of the document, as found by its method and path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OperationRef {
    pub(crate) path: String,
    pub(crate) method: String,
    pub(crate) id: Option<String>,
}

impl OperationRef {
    /// `/paths/<path>/<method>`.
    pub(crate) fn pointer(&self) -> Pointer {
        Pointer::root()
            .join("paths")
            .join(&self.path)
            .join(&self.method)
    }

    /// `GET /path`.
    pub(crate) fn label(&self) -> String {
        format!("{} {}", self.method.to_ascii_uppercase(), self.path)
    }
}

/// Members of one JSON object, as raw slices of the text, in order.
type RawMap<'t> = IndexMap<String, &'t RawValue>;

/// The split JSON document.
struct JsonIndex<'t> {
    top: RawMap<'t>,
    paths: RawMap<'t>,
    components: IndexMap<String, RawMap<'t>>,
}

enum Tree<'t> {
    Json(JsonIndex<'t>),
    Yaml(Value),
}

/// The vendor's document.
pub(crate) struct Source<'t> {
    /// The file as the user named it, for errors.
    pub(crate) file: String,
    /// The `openapi` version (`3.0.3`, `3.1.0`).
    pub(crate) version: String,
    tree: Tree<'t>,
}

impl<'t> Source<'t> {
    /// Reads `text` (JSON, or YAML when it does not start with `{`); refuses what is not an
    /// OpenAPI 3.0 or 3.1 document.
    pub(crate) fn parse(file: &str, text: &'t str) -> Result<Source<'t>, ImportError> {
        let tree = match text.trim_start().starts_with('{') {
            true => Tree::Json(index_json(file, text)?),
            false => Tree::Yaml(parse_yaml(file, text)?),
        };
        let mut source = Source {
            file: file.to_string(),
            version: String::new(),
            tree,
        };
        source.version = source.openapi_version()?;
        Ok(source)
    }

    /// An error at `pointer` of the document.
    pub(crate) fn error(&self, pointer: &str, problem: impl Into<String>) -> ImportError {
        ImportError::new(&self.file, pointer, problem)
    }

    /// Whether the document is OpenAPI 3.1 (and must be converted).
    pub(crate) fn is_3_1(&self) -> bool {
        self.version.starts_with("3.1.")
    }

    fn openapi_version(&self) -> Result<String, ImportError> {
        let at = Pointer::root().join("openapi");
        if let Some(Value::String(v)) = self.node(&Pointer::root().join("swagger"))? {
            return Err(self.error(
                "/swagger",
                format!("a Swagger {v} document is not OpenAPI 3: convert it to OpenAPI 3.0 or 3.1 first"),
            ));
        }
        match self.node(&at)? {
            Some(Value::String(v)) if v.starts_with("3.0.") || v.starts_with("3.1.") => Ok(v),
            Some(Value::String(v)) => Err(self.error(
                &at,
                format!("OpenAPI `{v}` is not supported: the import reads 3.0.x and 3.1.x"),
            )),
            Some(other) => Err(self.error(
                &at,
                format!("`openapi` must be a version string, not {}", kind(&other)),
            )),
            None => Err(self.error("", "not an OpenAPI document: it has no `openapi` member")),
        }
    }

    /// The node at `pointer`, parsed (an owned copy); `None` when there is none.
    pub(crate) fn node(&self, pointer: &Pointer) -> Result<Option<Value>, ImportError> {
        let segments = pointer.segments();
        let index = match &self.tree {
            Tree::Yaml(root) => return Ok(tree::get(root, pointer).cloned()),
            Tree::Json(index) => index,
        };
        let (raw, rest) = match segments.as_slice() {
            [] => return Err(self.error("", "the whole document is never copied")),
            [c, section, name, rest @ ..] if c == "components" => {
                let raw = index.components.get(section).and_then(|s| s.get(name));
                (raw, rest)
            }
            [p, path, rest @ ..] if p == "paths" => (index.paths.get(path), rest),
            [first, rest @ ..] => (index.top.get(first), rest),
        };
        let Some(raw) = raw else {
            return Ok(None);
        };
        let at = pointer.as_str();
        let value: Value = serde_json::from_str(raw.get())
            .map_err(|e| self.error(at, format!("cannot read this node: {e}")))?;
        let rest = rest.iter().fold(Pointer::root(), |p, s| p.join(s));
        Ok(tree::get(&value, &rest).cloned())
    }

    /// Every operation of the document, in document order.
    pub(crate) fn operations(&self) -> Result<Vec<OperationRef>, ImportError> {
        let mut out = Vec::new();
        match &self.tree {
            Tree::Json(index) => {
                for (path, raw) in &index.paths {
                    let at = Pointer::root().join("paths").join(path);
                    let item: RawMap = serde_json::from_str(raw.get()).map_err(|e| {
                        self.error(&at, format!("a path item must be a mapping: {e}"))
                    })?;
                    for (method, op) in item.iter().filter(|(m, _)| METHODS.contains(&m.as_str())) {
                        let head: OperationHead = serde_json::from_str(op.get()).map_err(|e| {
                            self.error(&at.join(method), format!("not an operation: {e}"))
                        })?;
                        out.push(OperationRef {
                            path: path.clone(),
                            method: method.clone(),
                            id: head.operation_id,
                        });
                    }
                }
            }
            Tree::Yaml(root) => {
                let paths = root.get("paths").and_then(Value::as_mapping);
                for (path, item) in paths.into_iter().flatten() {
                    let Some(item) = item.as_mapping() else {
                        continue;
                    };
                    for (method, op) in item {
                        let method = tree::key_text(method);
                        if METHODS.contains(&method) {
                            out.push(OperationRef {
                                path: tree::key_text(path).to_string(),
                                method: method.to_string(),
                                id: tree::str_member(op, "operationId").map(str::to_string),
                            });
                        }
                    }
                }
            }
        }
        Ok(out)
    }

    /// The top-level members of the document, in its order.
    pub(crate) fn top_keys(&self) -> Vec<String> {
        match &self.tree {
            Tree::Json(index) => index.top.keys().cloned().collect(),
            Tree::Yaml(root) => keys_of(Some(root)),
        }
    }

    /// The order of every component of the document: `(section, name)` → rank.
    pub(crate) fn component_ranks(&self) -> HashMap<(String, String), usize> {
        let mut out = HashMap::new();
        let sections: Vec<(String, Vec<String>)> = match &self.tree {
            Tree::Json(index) => index
                .components
                .iter()
                .map(|(s, names)| (s.clone(), names.keys().cloned().collect()))
                .collect(),
            Tree::Yaml(root) => {
                let components = root.get("components");
                keys_of(components)
                    .into_iter()
                    .map(|s| {
                        let names = keys_of(components.and_then(|c| c.get(s.as_str())));
                        (s, names)
                    })
                    .collect()
            }
        };
        for (section, names) in sections {
            for name in names {
                let rank = out.len();
                out.insert((section.clone(), name), rank);
            }
        }
        out
    }
}

/// The keys of a mapping, in order (none for anything else).
fn keys_of(node: Option<&Value>) -> Vec<String> {
    node.and_then(Value::as_mapping)
        .map(|m| m.keys().map(|k| tree::key_text(k).to_string()).collect())
        .unwrap_or_default()
}

/// What an operation is looked up by.
#[derive(Deserialize)]
struct OperationHead {
    #[serde(rename = "operationId")]
    operation_id: Option<String>,
}

/// The name of a node's JSON type, for messages.
pub(crate) fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Sequence(_) => "a list",
        Value::Mapping(_) => "a mapping",
        Value::Tagged(_) => "a tagged value",
    }
}

fn index_json<'t>(file: &str, text: &'t str) -> Result<JsonIndex<'t>, ImportError> {
    let top: RawMap = serde_json::from_str(text).map_err(|e| {
        ImportError::new(
            file,
            "",
            format!(
                "not valid JSON (line {}, column {}): {e}",
                e.line(),
                e.column()
            ),
        )
    })?;
    let split = |at: &str, raw: &'t RawValue| -> Result<RawMap<'t>, ImportError> {
        serde_json::from_str(raw.get()).map_err(|_| ImportError::new(file, at, "must be a mapping"))
    };
    let paths = match top.get("paths") {
        Some(raw) => split("/paths", raw)?,
        None => RawMap::new(),
    };
    let mut components = IndexMap::new();
    if let Some(raw) = top.get("components") {
        for (section, raw) in split("/components", raw)? {
            let at = format!("/components/{}", specs::pointer::escape(&section));
            if section.starts_with("x-") {
                continue;
            }
            components.insert(section, split(&at, raw)?);
        }
    }
    Ok(JsonIndex {
        top,
        paths,
        components,
    })
}

fn parse_yaml(file: &str, text: &str) -> Result<Value, ImportError> {
    let value: Value = serde_yaml::from_str(text).map_err(|e| {
        let at = e
            .location()
            .map(|l| format!(" (line {}, column {})", l.line(), l.column()))
            .unwrap_or_default();
        ImportError::new(file, "", format!("neither JSON nor valid YAML{at}: {e}"))
    })?;
    match tree::normalize_keys(value) {
        root @ Value::Mapping(_) => Ok(root),
        other => Err(ImportError::new(
            file,
            "",
            format!(
                "not an OpenAPI document: the document is {}, not a mapping",
                kind(&other)
            ),
        )),
    }
}

/// The npm package a document ships in: the nearest `package.json` in the document's directory
/// or one of its parents (two levels up at most), and the document's path inside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Package {
    /// The package name (`@scope/name`).
    pub name: String,
    /// Its version.
    pub version: String,
    /// The document's path inside the package, with `/` separators.
    pub path: String,
}

impl Package {
    /// The package of the document at `document`, if a readable `package.json` with a name and
    /// a version lies next to it or up to two directories above.
    pub fn find(document: &Path) -> Option<Package> {
        let document = std::fs::canonicalize(document).ok()?;
        let mut dir = document.parent()?;
        for _ in 0..3 {
            if let Some(package) = Package::read(dir, &document) {
                return Some(package);
            }
            dir = dir.parent()?;
        }
        None
    }

    fn read(dir: &Path, document: &Path) -> Option<Package> {
        #[derive(Deserialize)]
        struct Manifest {
            name: String,
            version: String,
        }
        let text = std::fs::read_to_string(dir.join("package.json")).ok()?;
        let manifest: Manifest = serde_json::from_str(&text).ok()?;
        let inside = document.strip_prefix(dir).ok()?;
        let path = inside
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        Some(Package {
            name: manifest.name,
            version: manifest.version,
            path,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const JSON: &str = r#"{"openapi": "3.0.3", "info": {"title": "t", "version": "1"},
        "paths": {"/a": {"parameters": [], "get": {"operationId": "get-a", "responses": {}},
                          "post": {"responses": {}}}},
        "components": {"schemas": {"B": {"type": "object", "properties": {"z": {}, "a": {}}},
                                   "A": {"type": "string"}}}}"#;

    #[test]
    fn json_nodes_are_parsed_on_demand_in_document_order() {
        let source = Source::parse("doc.json", JSON).unwrap();
        assert_eq!(source.version, "3.0.3");
        let b = source
            .node(&Pointer::parse("/components/schemas/B/properties").unwrap())
            .unwrap()
            .unwrap();
        let keys: Vec<&str> = b.as_mapping().unwrap().keys().map(tree::key_text).collect();
        assert_eq!(keys, ["z", "a"]);
        let ranks = source.component_ranks();
        assert!(ranks[&("schemas".into(), "B".into())] < ranks[&("schemas".into(), "A".into())]);
        let ops = source.operations().unwrap();
        assert_eq!(ops.len(), 2);
        assert_eq!(ops[0].id.as_deref(), Some("get-a"));
        assert_eq!(ops[1].label(), "POST /a");
        assert!(source
            .node(&Pointer::parse("/components/schemas/C").unwrap())
            .unwrap()
            .is_none());
    }

    #[test]
    fn yaml_documents_read_the_same() {
        let yaml = "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      operationId: get-a\n";
        let source = Source::parse("doc.yaml", yaml).unwrap();
        assert!(source.is_3_1());
        assert_eq!(source.operations().unwrap()[0].id.as_deref(), Some("get-a"));
        assert_eq!(source.top_keys(), ["openapi", "info", "paths"]);
    }

    #[test]
    fn what_is_not_openapi_3_is_refused_where_it_says_so() {
        let err = |text: &str| Source::parse("d", text).err().unwrap().to_string();
        assert!(err("{\"swagger\": \"2.0\"}").contains("at /swagger: a Swagger 2.0 document"));
        assert!(err("{\"openapi\": \"4.0.0\"}")
            .contains("at /openapi: OpenAPI `4.0.0` is not supported"));
        assert!(err("{\"info\": {}}").contains("at /: not an OpenAPI document"));
        assert!(err("{\"openapi\": 3}").contains("must be a version string"));
        assert!(err("- a\n- b\n").contains("not a mapping"));
        assert!(err("{\"openapi\": ").contains("not valid JSON (line 1"));
        assert!(err("a: [\n").contains("neither JSON nor valid YAML"));
    }
}
