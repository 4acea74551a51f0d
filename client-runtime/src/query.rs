//! Query parameters that OpenAPI serializes otherwise than progenitor does.
//!
//! progenitor writes an array query parameter as repeated pairs (`ids=1&ids=2`), OpenAPI's
//! `style: form, explode: true`. A parameter the spec declares `explode: false` travels as one
//! pair whose value is the elements joined by commas (`ids=1,2`); codegen wraps such a
//! parameter in [`CommaSeparated`] where progenitor passes it to `QueryParam`.

use std::fmt::Display;

use serde::{Serialize, Serializer};

/// An optional list serialized as one comma-separated value: nothing for `None`, `a,b` for
/// `Some(vec![a, b])`.
#[derive(Debug, Clone, Copy)]
pub struct CommaSeparated<'a, T>(pub &'a Option<Vec<T>>);

impl<T: Display> Serialize for CommaSeparated<'_, T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            None => serializer.serialize_none(),
            Some(values) => {
                let joined: Vec<String> = values.iter().map(ToString::to_string).collect();
                serializer.serialize_some(&joined.join(","))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_is_one_comma_separated_value_and_none_is_nothing() {
        let some = Some(vec![1, 22]);
        assert_eq!(serde_json::to_value(CommaSeparated(&some)).unwrap(), "1,22");
        let none: Option<Vec<i64>> = None;
        assert!(serde_json::to_value(CommaSeparated(&none))
            .unwrap()
            .is_null());
    }
}
