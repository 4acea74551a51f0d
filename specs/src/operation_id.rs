//! The identity of an operation: its `operationId`, unique in a spec. Reports group by it,
//! `--operation` selects by it, the mock routes by it and the suite's requests carry it.

use std::borrow::Borrow;
use std::fmt;

/// An `operationId`, e.g. `list_project_domains` or `issues/list-for-repo`. A spec's ids are
/// never empty; the default, empty id stands for no operation (a request a tool sends for
/// itself).
#[derive(
    Clone,
    Debug,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    serde::Serialize,
    serde::Deserialize,
)]
#[serde(transparent)]
pub struct OperationId(String);

impl OperationId {
    /// The id `id`.
    pub fn new(id: impl Into<String>) -> OperationId {
        OperationId(id.into())
    }

    /// Whether this is the empty id of no operation.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for OperationId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for OperationId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl Borrow<str> for OperationId {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl PartialEq<str> for OperationId {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for OperationId {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl PartialEq<OperationId> for &str {
    fn eq(&self, other: &OperationId) -> bool {
        *self == other.0
    }
}

impl From<&str> for OperationId {
    fn from(id: &str) -> OperationId {
        OperationId(id.to_string())
    }
}
