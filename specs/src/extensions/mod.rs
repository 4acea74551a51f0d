//! Our `x-` extensions: their types, and reading them out of the raw document with serde.
//!
//! Each extension is deserialized into a struct that refuses unknown keys
//! (`deny_unknown_fields`), through `serde_path_to_error`, so a typo in a spec is an error
//! located at the key (file, JSON pointer, problem) rather than a silently ignored key. Then
//! cross-checks keep the extensions and the standard OpenAPI facts from drifting apart (a
//! `size-param` that names a real query parameter, a `size-max` equal to that parameter's
//! `maximum`). A key of an extension may carry a reading (`x-reading` on the extension object,
//! keyed by the key); such a key is a [`Fact`] whose `reading` is set.

mod access;
mod errors;
mod filters;
mod pagination;
mod sort;

use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::Value;

use crate::model::OpContext;
use crate::pointer::escape;
use crate::readings::{covering, Reading};
use crate::SpecError;

pub use access::{Access, Cache, Restricted, Scope};
pub use errors::{ErrorKind, ErrorRules, InBodyError, AUTH_STATUSES, TOO_MANY_REQUESTS};
pub use filters::{compare, Filter, Match, SearchHow, Sentinel, Several};
pub use pagination::{param_text, Pagination};
pub use sort::{compare_values, Direction, Nulls, Order, Sort, SortChoice};

pub(crate) use access::{read_access, read_cache, read_restricted};
pub(crate) use errors::read_errors;
pub(crate) use filters::read_filters;
pub(crate) use pagination::read_pagination;
pub(crate) use sort::read_sort;

/// A rule of the spec with its provenance: the page stated it (`reading` is `None`), or the
/// spec chose it where the page is silent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fact<T> {
    /// The rule.
    pub value: T,
    /// The reading it rests on, if the page does not state it.
    pub reading: Option<Reading>,
}

impl<T> Fact<T> {
    /// A rule the page states.
    pub fn documented(value: T) -> Fact<T> {
        Fact {
            value,
            reading: None,
        }
    }
}

impl<T> std::ops::Deref for Fact<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}

/// What a server may do with a value outside a documented range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Bound {
    /// Refuse the request with one of the `invalid-param` statuses.
    Reject,
    /// Serve the nearest value of the range instead.
    Clamp,
}

/// An extension object being read: where it is, and the readings marked on its keys.
pub(crate) struct Ext<'a> {
    pub(crate) cx: &'a OpContext<'a>,
    /// Pointer of the extension object.
    pub(crate) at: String,
}

impl Ext<'_> {
    /// The pointer of one of its keys.
    pub(crate) fn key_at(&self, key: &str) -> String {
        format!("{}/{}", self.at, escape(key))
    }

    /// An error located at one of its keys.
    pub(crate) fn error(&self, key: &str, problem: impl Into<String>) -> SpecError {
        self.cx.error(&self.key_at(key), problem)
    }

    /// An error located at the object itself.
    pub(crate) fn error_here(&self, problem: impl Into<String>) -> SpecError {
        self.cx.error(&self.at, problem)
    }

    /// `value` as the rule of `key`, with the reading marked on that key, if any.
    pub(crate) fn fact<T>(&self, key: &str, value: T) -> Fact<T> {
        Fact {
            value,
            reading: covering(self.cx.readings, &self.at, Some(key)).cloned(),
        }
    }
}

/// Deserializes the extension `name` of an operation into `T`, if the operation has one.
pub(crate) fn read<'a, T: DeserializeOwned>(
    cx: &'a OpContext<'a>,
    name: &str,
) -> Result<Option<(T, Ext<'a>)>, SpecError> {
    let ext = Ext {
        cx,
        at: format!("{}/{name}", cx.pointer),
    };
    match cx.op.get(name) {
        None => Ok(None),
        Some(node) => Ok(Some((deserialize(cx.file, &ext.at, node)?, ext))),
    }
}

/// Deserializes the node at `at` of `file` into `T`, the error located at the key that failed.
pub(crate) fn deserialize<T: DeserializeOwned>(
    file: &str,
    at: &str,
    node: &Value,
) -> Result<T, SpecError> {
    serde_path_to_error::deserialize(node).map_err(|e| {
        let mut pointer = at.to_string();
        for segment in e.path().iter() {
            match segment {
                serde_path_to_error::Segment::Map { key } => {
                    pointer.push('/');
                    pointer.push_str(&escape(key));
                }
                serde_path_to_error::Segment::Seq { index } => {
                    pointer.push_str(&format!("/{index}"));
                }
                serde_path_to_error::Segment::Enum { .. }
                | serde_path_to_error::Segment::Unknown => {}
            }
        }
        let message = e.inner().to_string();
        let problem = match quoted_after(&message, "unknown field `") {
            Some(key) => format!("unknown key `{key}`"),
            None => match quoted_after(&message, "missing field `") {
                Some(key) => format!("`{key}` is required here"),
                None => message,
            },
        };
        SpecError::new(file, &pointer, problem)
    })
}

/// The text between `prefix` and the next backtick of `message`, when `message` starts with
/// `prefix`.
fn quoted_after<'m>(message: &'m str, prefix: &str) -> Option<&'m str> {
    message.strip_prefix(prefix)?.split('`').next()
}
