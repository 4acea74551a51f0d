//! JSON pointers (RFC 6901): the one escape and the one unescape of a segment, and a typed
//! pointer for the places a spec names a member (`items: /data/data`).

use std::fmt;

use serde::{Deserialize, Deserializer};

/// Escapes one segment (`a/b` → `a~1b`, `~` → `~0`).
pub fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

/// Unescapes one segment (`a~1b` → `a/b`).
pub fn unescape(segment: &str) -> String {
    segment.replace("~1", "/").replace("~0", "~")
}

/// A JSON pointer: empty for the whole document, else `/` and escaped segments.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Pointer(String);

impl Pointer {
    /// The pointer to the whole document.
    pub fn root() -> Pointer {
        Pointer(String::new())
    }

    /// Parses a pointer as written (`""` or starting with `/`).
    pub fn parse(text: &str) -> Result<Pointer, String> {
        if text.is_empty() || text.starts_with('/') {
            Ok(Pointer(text.to_string()))
        } else {
            Err(format!(
                "`{text}` is not a JSON pointer: it must be empty (the whole body) or start with `/`"
            ))
        }
    }

    /// The pointer as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether it points at the whole document.
    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }

    /// The unescaped segments, in order.
    pub fn segments(&self) -> Vec<String> {
        match self.0.strip_prefix('/') {
            None => Vec::new(),
            Some(rest) => rest.split('/').map(unescape).collect(),
        }
    }

    /// The pointer one segment deeper.
    pub fn join(&self, segment: &str) -> Pointer {
        Pointer(format!("{}/{}", self.0, escape(segment)))
    }

    /// `value` reduced to what the `pointers` reach: every pointer that resolves on `value`
    /// resolves to the same value on the projection, and nothing else is kept (a walk keeps
    /// the members its checks read, not whole items).
    pub fn project(value: &serde_json::Value, pointers: &[Pointer]) -> serde_json::Value {
        let mut out = serde_json::Value::Null;
        for p in pointers {
            if let Some(found) = value.pointer(p.as_str()) {
                place(&mut out, &p.segments(), found);
            }
        }
        out
    }

    /// Whether `self` is `other` or lies under it.
    pub fn is_under(&self, other: &Pointer) -> bool {
        self.0 == other.0
            || (self.0.starts_with(&other.0) && self.0[other.0.len()..].starts_with('/'))
    }
}

/// Puts `found` at `segments` inside `out`, creating objects on the way; a segment under an
/// array keeps the whole array (an index is as cheap to keep as to rebuild).
fn place(out: &mut serde_json::Value, segments: &[String], found: &serde_json::Value) {
    let Some((first, rest)) = segments.split_first() else {
        *out = found.clone();
        return;
    };
    if !out.is_object() {
        *out = serde_json::Value::Object(serde_json::Map::new());
    }
    if let serde_json::Value::Object(map) = out {
        let child = map.entry(first.clone()).or_insert(serde_json::Value::Null);
        place(child, rest, found);
    }
}

impl std::ops::Deref for Pointer {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Pointer {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Pointer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl PartialEq<str> for Pointer {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for Pointer {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl PartialEq<String> for Pointer {
    fn eq(&self, other: &String) -> bool {
        self.0 == *other
    }
}

impl PartialEq<Pointer> for String {
    fn eq(&self, other: &Pointer) -> bool {
        *self == other.0
    }
}

impl PartialEq<Pointer> for str {
    fn eq(&self, other: &Pointer) -> bool {
        self == other.0
    }
}

impl From<Pointer> for String {
    fn from(p: Pointer) -> String {
        p.0
    }
}

impl<'de> Deserialize<'de> for Pointer {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Pointer, D::Error> {
        let text = String::deserialize(d)?;
        Pointer::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_projection_keeps_what_the_pointers_reach_and_nothing_else() {
        let item = serde_json::json!({
            "id": 7, "name": "x", "user": {"login": "ann", "bio": "long"},
            "tags": ["a", "b"], "a/b": 1
        });
        let pointers: Vec<Pointer> = ["/id", "/user/login", "/tags", "/a~1b", "/missing/x"]
            .into_iter()
            .map(|p| Pointer::parse(p).unwrap())
            .collect();
        let projected = Pointer::project(&item, &pointers);
        assert_eq!(
            projected,
            serde_json::json!({"id": 7, "user": {"login": "ann"}, "tags": ["a", "b"], "a/b": 1})
        );
        for p in &pointers {
            assert_eq!(projected.pointer(p), item.pointer(p), "{p}");
        }
        assert_eq!(Pointer::project(&item, &[Pointer::root()]), item);
    }

    #[test]
    fn segments_escape_and_unescape_once() {
        let p = Pointer::parse("/paths/~1project~1{project}~1domains/get").unwrap();
        assert_eq!(p.segments(), ["paths", "/project/{project}/domains", "get"]);
        assert_eq!(
            Pointer::root().join("paths").join("/a~b").as_str(),
            "/paths/~1a~0b"
        );
        assert_eq!(unescape(&escape("~1/")), "~1/");
        assert!(Pointer::parse("data").is_err());
        assert!(Pointer::parse("").unwrap().is_root());
        let data = Pointer::parse("/data").unwrap();
        assert!(Pointer::parse("/data/next").unwrap().is_under(&data));
        assert!(!Pointer::parse("/database").unwrap().is_under(&data));
    }
}
