//! `x-access` (which credential may read which value of a path parameter) and `x-cache`
//! (documented server-side caching).

use serde::de::IgnoredAny;
use serde::Deserialize;

use super::errors::statuses;
use super::{read, Fact};
use crate::model::{Location, OpContext, Parameter};
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
