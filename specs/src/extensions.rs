//! Our `x-` extensions: their types, and reading them out of the raw document.
//!
//! Each extension is read with `deny_unknown_fields`, so a typo in a spec is an error with a
//! pointer rather than a silently ignored key. Cross-checks (a `size-param` that names a real
//! parameter, a `size-max` equal to that parameter's `maximum`) keep the extensions and the
//! standard OpenAPI facts from drifting apart.

use serde::Deserialize;
use serde_json::Value;

use crate::{escape_pointer_segment, Operation, Parameter, SpecError};

/// How the next page is reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum NextKind {
    /// The body carries the full URL of the next page (Peeker `links.next`); follow it verbatim.
    NextUrl,
    /// The body carries an opaque cursor to send back in `token-param` (DevPayr `next_cursor`).
    Cursor,
}

/// What a server may do with a page size above the maximum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum OverMax {
    /// Refuse the request with one of the `invalid-param` statuses.
    Reject,
    /// Serve at most `size-max` items.
    Clamp,
}

/// How the last page says that there is no next page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LastPage {
    /// The `next` member is absent.
    Absent,
    /// The `next` member is JSON `null`.
    Null,
}

/// `x-pagination` on an operation.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Pagination {
    /// How the next page is reached.
    pub kind: NextKind,
    /// JSON pointer to the array of items in the body.
    pub items: String,
    /// JSON pointer, inside an item, to its unique identity.
    pub item_key: String,
    /// JSON pointer to the next URL or cursor in the body.
    pub next: String,
    /// Query parameter that carries the page token or cursor.
    pub token_param: String,
    /// Query parameter that sets the page size.
    pub size_param: String,
    /// Page size when `size-param` is not sent.
    pub size_default: u64,
    /// Largest page size the docs allow.
    pub size_max: u64,
    /// Accepted behaviours for a page size above `size-max`.
    pub over_max: Vec<OverMax>,
    /// Accepted ways for the last page to say that there is no next page.
    pub last_page: Vec<LastPage>,
    /// JSON pointer to a field that must equal the number of items on the page.
    #[serde(default)]
    pub count: Option<String>,
    /// JSON pointer to a field that must equal the effective page size.
    #[serde(default)]
    pub size_echo: Option<String>,
}

/// How a filter parameter relates to the items returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Match {
    /// The item's `field` equals the parameter value.
    Equals,
    /// The item's `field` is an array containing the parameter value.
    Contains,
    /// The parameter identifies an owner that is not in the response; all matches share one
    /// value of `field` (the owner's id), and that value is never absent.
    Owner,
}

/// `x-filter` on a query or path parameter, with the parameter it sits on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filter {
    /// The parameter.
    pub param: String,
    /// `query` or `path`.
    pub location: String,
    /// JSON pointer inside an item to the field the filter constrains.
    pub field: String,
    /// How the parameter value relates to the field.
    pub matching: Match,
    /// The parameter's `enum`, if it has one (from the schema, `$ref`s resolved).
    pub values: Option<Vec<String>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct RawFilter {
    field: String,
    #[serde(rename = "match")]
    matching: Match,
}

/// `x-errors`: for each kind of refusal, the statuses the checks accept.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct ErrorStatuses {
    /// No credentials sent.
    pub missing_key: Vec<u16>,
    /// Credentials sent but not valid.
    pub invalid_key: Vec<u16>,
    /// A parameter out of its documented range or enum.
    pub invalid_param: Vec<u16>,
    /// A page token or cursor that the server did not issue.
    pub invalid_token: Vec<u16>,
    /// Rate limited.
    pub rate_limited: Vec<u16>,
}

/// `x-access`: access rules on a path parameter naming a project.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Access {
    /// The path parameter naming the resource that keys are scoped to.
    pub path_param: String,
    /// Statuses for a resource the key may not read.
    pub forbidden: Vec<u16>,
    /// Statuses for a resource that does not exist.
    pub not_found: Vec<u16>,
}

/// `x-cache`: documented server-side response caching.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Cache {
    /// Time to live of a cached response, in seconds.
    pub ttl_seconds: u64,
    /// What the cache key is made of: `api-key`, `project`, `query`.
    pub key: Vec<String>,
}

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

fn typed<T: for<'de> Deserialize<'de>>(
    file: &str,
    pointer: &str,
    value: &Value,
) -> Result<T, SpecError> {
    serde_json::from_value(value.clone()).map_err(|e| SpecError::new(file, pointer, e.to_string()))
}

/// Follows local `$ref`s (`#/...`) from `value` inside the document `raw`, and returns the node
/// reached: `value` itself when it is not a local reference, or the last node whose reference
/// does not resolve.
pub fn resolve<'a>(raw: &'a Value, value: &'a Value) -> &'a Value {
    let mut current = value;
    // Refs to refs are legal; a bound keeps a cyclic spec from looping.
    for _ in 0..16 {
        match current.get("$ref").and_then(|r| r.as_str()) {
            Some(r) if r.starts_with("#/") => match raw.pointer(&r[1..]) {
                Some(target) => current = target,
                None => return current,
            },
            _ => return current,
        }
    }
    current
}

fn check_pointer(file: &str, at: &str, what: &str, pointer: &str) -> Result<(), SpecError> {
    if pointer.starts_with('/') {
        Ok(())
    } else {
        Err(SpecError::new(
            file,
            at,
            format!("`{what}` must be a JSON pointer starting with `/`, got `{pointer}`"),
        ))
    }
}

fn check_statuses(file: &str, at: &str, lists: &[(&str, &Vec<u16>)]) -> Result<(), SpecError> {
    for (name, list) in lists {
        if list.is_empty() {
            return Err(SpecError::new(
                file,
                &format!("{at}/{name}"),
                "at least one status is required",
            ));
        }
        if let Some(bad) = list.iter().find(|s| !(400..=599).contains(*s)) {
            return Err(SpecError::new(
                file,
                &format!("{at}/{name}"),
                format!("{bad} is not an error status (400..=599)"),
            ));
        }
    }
    Ok(())
}

pub(crate) fn read_operations(file: &str, raw: &Value) -> Result<Vec<Operation>, SpecError> {
    let mut out = Vec::new();
    let Some(paths) = raw.get("paths").and_then(|p| p.as_object()) else {
        return Err(SpecError::new(
            file,
            "/paths",
            "the spec has no `paths` mapping",
        ));
    };
    for (path, item) in paths {
        for method in METHODS {
            let Some(op) = item.get(method) else { continue };
            let pointer = format!("/paths/{}/{method}", escape_pointer_segment(path));
            out.push(read_operation(file, raw, path, method, &pointer, item, op)?);
        }
    }
    Ok(out)
}

fn read_operation(
    file: &str,
    raw: &Value,
    path: &str,
    method: &str,
    pointer: &str,
    item: &Value,
    op: &Value,
) -> Result<Operation, SpecError> {
    let operation_id = op
        .get("operationId")
        .and_then(|v| v.as_str())
        .filter(|s| !s.is_empty())
        .ok_or_else(|| {
            SpecError::new(
                file,
                pointer,
                "every operation needs an `operationId` (progenitor names methods after it)",
            )
        })?
        .to_string();

    // Path-level parameters apply too; operation-level ones override by (name, in).
    let mut param_nodes: Vec<(String, &Value)> = Vec::new();
    for (base, list) in [
        (
            format!("/paths/{}/parameters", escape_pointer_segment(path)),
            item.get("parameters"),
        ),
        (format!("{pointer}/parameters"), op.get("parameters")),
    ] {
        if let Some(list) = list.and_then(|l| l.as_array()) {
            for (i, p) in list.iter().enumerate() {
                param_nodes.push((format!("{base}/{i}"), p));
            }
        }
    }
    let mut parameters: Vec<Parameter> = Vec::new();
    let mut filters = Vec::new();
    for (at, node) in param_nodes {
        let node = resolve(raw, node);
        let name = node
            .get("name")
            .and_then(|v| v.as_str())
            .ok_or_else(|| SpecError::new(file, &at, "parameter without a `name`"))?;
        let location = node
            .get("in")
            .and_then(|v| v.as_str())
            .ok_or_else(|| SpecError::new(file, &at, format!("parameter `{name}` has no `in`")))?;
        let schema = node
            .get("schema")
            .map(|s| resolve(raw, s).clone())
            .unwrap_or(Value::Null);
        let parameter = Parameter {
            name: name.to_string(),
            location: location.to_string(),
            required: node
                .get("required")
                .and_then(|v| v.as_bool())
                .unwrap_or(false),
            schema,
        };
        if let Some(x) = node.get("x-filter") {
            let at = format!("{at}/x-filter");
            let rf: RawFilter = typed(file, &at, x)?;
            check_pointer(file, &at, "field", &rf.field)?;
            if location != "query" && location != "path" {
                return Err(SpecError::new(
                    file,
                    &at,
                    format!("`x-filter` is only meaningful on query or path parameters, `{name}` is in {location}"),
                ));
            }
            filters.push(Filter {
                param: name.to_string(),
                location: location.to_string(),
                field: rf.field,
                matching: rf.matching,
                values: parameter.enum_values(),
            });
        }
        parameters.retain(|p| !(p.name == parameter.name && p.location == parameter.location));
        parameters.push(parameter);
    }

    let pagination = match op.get("x-pagination") {
        None => None,
        Some(x) => {
            let at = format!("{pointer}/x-pagination");
            let p: Pagination = typed(file, &at, x)?;
            for (what, ptr) in [
                ("items", &p.items),
                ("item-key", &p.item_key),
                ("next", &p.next),
            ] {
                check_pointer(file, &at, what, ptr)?;
            }
            for (what, ptr) in [("count", &p.count), ("size-echo", &p.size_echo)] {
                if let Some(ptr) = ptr {
                    check_pointer(file, &at, what, ptr)?;
                }
            }
            if p.over_max.is_empty() || p.last_page.is_empty() {
                return Err(SpecError::new(
                    file,
                    &at,
                    "`over-max` and `last-page` each need at least one accepted reading",
                ));
            }
            for (what, name) in [
                ("token-param", &p.token_param),
                ("size-param", &p.size_param),
            ] {
                if !parameters
                    .iter()
                    .any(|q| &q.name == name && q.location == "query")
                {
                    return Err(SpecError::new(
                        file,
                        &format!("{at}/{what}"),
                        format!("`{name}` is not a query parameter of this operation"),
                    ));
                }
            }
            let size = parameters
                .iter()
                .find(|q| q.name == p.size_param)
                .expect("checked just above");
            if size.maximum() != Some(p.size_max as i64) {
                return Err(SpecError::new(
                    file,
                    &format!("{at}/size-max"),
                    format!(
                        "size-max {} disagrees with the `maximum` of parameter `{}` ({:?})",
                        p.size_max,
                        p.size_param,
                        size.maximum()
                    ),
                ));
            }
            if size.default().and_then(|d| d.as_u64()) != Some(p.size_default) {
                return Err(SpecError::new(
                    file,
                    &format!("{at}/size-default"),
                    format!(
                        "size-default {} disagrees with the `default` of parameter `{}`",
                        p.size_default, p.size_param
                    ),
                ));
            }
            if p.size_default == 0 || p.size_default > p.size_max {
                return Err(SpecError::new(
                    file,
                    &format!("{at}/size-default"),
                    "size-default must be between 1 and size-max",
                ));
            }
            Some(p)
        }
    };

    let errors = match op.get("x-errors") {
        None => ErrorStatuses::default(),
        Some(x) => {
            let at = format!("{pointer}/x-errors");
            let e: ErrorStatuses = typed(file, &at, x)?;
            check_statuses(
                file,
                &at,
                &[
                    ("missing-key", &e.missing_key),
                    ("invalid-key", &e.invalid_key),
                    ("invalid-param", &e.invalid_param),
                    ("invalid-token", &e.invalid_token),
                    ("rate-limited", &e.rate_limited),
                ],
            )?;
            e
        }
    };

    let access = match op.get("x-access") {
        None => None,
        Some(x) => {
            let at = format!("{pointer}/x-access");
            let a: Access = typed(file, &at, x)?;
            if !parameters
                .iter()
                .any(|q| q.name == a.path_param && q.location == "path")
            {
                return Err(SpecError::new(
                    file,
                    &format!("{at}/path-param"),
                    format!(
                        "`{}` is not a path parameter of this operation",
                        a.path_param
                    ),
                ));
            }
            check_statuses(
                file,
                &at,
                &[("forbidden", &a.forbidden), ("not-found", &a.not_found)],
            )?;
            Some(a)
        }
    };

    let cache = match op.get("x-cache") {
        None => None,
        Some(x) => Some(typed::<Cache>(file, &format!("{pointer}/x-cache"), x)?),
    };

    let statuses = op
        .get("responses")
        .and_then(|r| r.as_object())
        .map(|r| r.keys().cloned().collect())
        .unwrap_or_default();

    Ok(Operation {
        operation_id,
        method: method.to_uppercase(),
        path: path.to_string(),
        pointer: pointer.to_string(),
        pagination,
        filters,
        errors,
        access,
        cache,
        parameters,
        statuses,
    })
}
