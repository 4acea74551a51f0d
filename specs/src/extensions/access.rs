//! `x-access` (which credential may read which value of a path parameter), `x-restricted`
//! (the items narrower callers never see) and `x-cache` (documented server-side caching).

use serde::de::IgnoredAny;
use serde::Deserialize;
use serde_json::Value;

use super::errors::statuses;
use super::{read, Fact, Pagination};
use crate::model::{Location, OpContext, Parameter, ResponseSpec, Security};
use crate::pointer::Pointer;
use crate::readings::{covering, Reading};
use crate::SpecError;

/// What a credential of an `x-access` operation may be scoped to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Scope {
    /// One value of the path parameter (a project-scoped key).
    Value,
    /// Every value its owner owns (a global key of the owner).
    Owner,
}

/// `x-access`: which credential may read which value of a path parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Access {
    /// The path parameter naming the resource that credentials are scoped to.
    pub path_param: String,
    /// The kinds of credential the API has.
    pub scopes: Vec<Scope>,
    /// Statuses for a resource the credential may not read.
    pub forbidden: Fact<Vec<u16>>,
    /// Statuses for a resource that does not exist.
    pub not_found: Fact<Vec<u16>>,
    /// Whether existence is checked before access, so that a resource that does not exist is
    /// `not-found` whatever the credential's scope.
    pub existence_first: Fact<bool>,
}

/// `x-cache`: documented server-side response caching.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cache {
    /// Time to live of a cached response, in seconds.
    pub ttl_seconds: u64,
    /// What the cache key is made of, in the page's words.
    pub key: Vec<String>,
}

/// `x-access` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawAccess {
    path_param: String,
    scopes: Option<Vec<Scope>>,
    forbidden: Option<Vec<u16>>,
    not_found: Option<Vec<u16>>,
    #[serde(default)]
    existence_first: bool,
    #[serde(rename = "x-reading")]
    _reading: Option<IgnoredAny>,
}

pub(crate) fn read_access(
    cx: &OpContext,
    parameters: &[Parameter],
) -> Result<Option<Access>, SpecError> {
    let Some((raw, ext)) = read::<RawAccess>(cx, "x-access")? else {
        return Ok(None);
    };
    let is_path = parameters
        .iter()
        .any(|q| q.name == raw.path_param && q.location == Location::Path);
    if !is_path {
        return Err(ext.error(
            "path-param",
            format!(
                "`{}` is not a path parameter of this operation",
                raw.path_param
            ),
        ));
    }
    let scopes = match raw.scopes {
        Some(s) if s.is_empty() => {
            return Err(ext.error("scopes", "at least one accepted behaviour is required"))
        }
        Some(s) => s,
        None => vec![Scope::Value],
    };
    Ok(Some(Access {
        path_param: raw.path_param,
        scopes,
        forbidden: statuses(&ext, "forbidden", raw.forbidden, vec![403])?,
        not_found: statuses(&ext, "not-found", raw.not_found, vec![404])?,
        existence_first: ext.fact("existence-first", raw.existence_first),
    }))
}

/// `x-cache` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawCache {
    ttl_seconds: u64,
    #[serde(default)]
    key: Vec<String>,
    #[serde(rename = "x-reading")]
    _reading: Option<IgnoredAny>,
}

pub(crate) fn read_cache(cx: &OpContext) -> Result<Option<Cache>, SpecError> {
    Ok(read::<RawCache>(cx, "x-cache")?.map(|(raw, _)| Cache {
        ttl_seconds: raw.ttl_seconds,
        key: raw.key,
    }))
}

/// `x-restricted`: the items of a list that narrower callers never see: the viewer (a
/// credential narrower than the main one) and, where the operation allows it, an anonymous
/// caller. An item is restricted when its `field` holds one of `values`.
#[derive(Debug, Clone, PartialEq)]
pub struct Restricted {
    /// Pointer inside an item to the field that marks it (`/private`).
    pub field: Pointer,
    /// The values of that field that make an item restricted (`[true]`, `[private, internal]`).
    pub values: Vec<Value>,
    /// The reading the rule rests on, when the page does not state it (an `x-reading` on the
    /// extension, or on the operation).
    pub reading: Option<Reading>,
}

impl Restricted {
    /// Whether `item` is restricted: the one predicate the mock hides items by and the suite
    /// judges them by.
    pub fn matches(&self, item: &Value) -> bool {
        item.pointer(self.field.as_str())
            .is_some_and(|v| self.values.contains(v))
    }
}

/// `x-restricted` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawRestricted {
    field: Pointer,
    values: Vec<Value>,
    #[serde(rename = "x-reading")]
    _reading: Option<IgnoredAny>,
}

/// Reads `x-restricted`, checked against the item schema: the field must be a member of the
/// items, and every value one the field can hold.
pub(crate) fn read_restricted(
    cx: &OpContext,
    security: Option<&Security>,
    responses: &[ResponseSpec],
    pagination: Option<&Pagination>,
) -> Result<Option<Restricted>, SpecError> {
    let Some((raw, ext)) = read::<RawRestricted>(cx, "x-restricted")? else {
        return Ok(None);
    };
    if security.is_none() {
        return Err(ext.error_here(
            "x-restricted hides items from narrower credentials, and the operation requires none \
             (no security scheme applies)",
        ));
    }
    let Some(pagination) = pagination else {
        return Err(ext.error_here(
            "x-restricted marks the items of a list: the operation needs x-pagination",
        ));
    };
    if raw.field.is_root() {
        return Err(ext.error(
            "field",
            "`field` must point inside an item, starting with `/`",
        ));
    }
    if raw.values.is_empty() {
        return Err(ext.error("values", "at least one value is required"));
    }
    let item = responses
        .iter()
        .find(|r| r.key.covers(200))
        .and_then(|r| r.json_schema.as_deref())
        .and_then(|at| crate::member_schema_in(cx.raw, at, &format!("{}/-", pagination.items)))
        .map(|(_, at)| at);
    let schema = item.and_then(|at| crate::member_schema_in(cx.raw, &at, raw.field.as_str()));
    let Some((schema, _)) = schema else {
        return Err(ext.error(
            "field",
            format!(
                "`{}` is not a member of the items of the 200 response's schema",
                raw.field
            ),
        ));
    };
    for (i, value) in raw.values.iter().enumerate() {
        if let Some(problem) = not_a_value_of(schema, value) {
            return Err(cx.error(&format!("{}/values/{i}", ext.at), problem));
        }
    }
    Ok(Some(Restricted {
        field: raw.field,
        values: raw.values,
        reading: covering(cx.readings, &ext.at, None)
            .or_else(|| covering(cx.readings, cx.pointer, Some("x-restricted")))
            .cloned(),
    }))
}

/// Why `value` cannot be a value of the field `schema` describes: another JSON type, or not
/// among its `enum`.
fn not_a_value_of(schema: &Value, value: &Value) -> Option<String> {
    if let Some(allowed) = schema.get("enum").and_then(Value::as_array) {
        return (!allowed.contains(value)).then(|| {
            format!(
                "{value} is not a value of the field's enum {}",
                Value::from(allowed.clone())
            )
        });
    }
    let fits = match schema.get("type").and_then(Value::as_str) {
        Some("boolean") => value.is_boolean(),
        Some("string") => value.is_string(),
        Some("integer") => value.is_i64() || value.is_u64(),
        Some("number") => value.is_number(),
        _ => !value.is_object() && !value.is_array(),
    };
    (!fits).then(|| {
        format!(
            "{value} is not a value of the field's type `{}`",
            schema
                .get("type")
                .and_then(Value::as_str)
                .unwrap_or("a scalar")
        )
    })
}
