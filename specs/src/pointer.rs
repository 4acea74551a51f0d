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

    /// Whether `self` is `other` or lies under it.
    pub fn is_under(&self, other: &Pointer) -> bool {
        self.0 == other.0
            || (self.0.starts_with(&other.0) && self.0[other.0.len()..].starts_with('/'))
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
