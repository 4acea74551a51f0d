//! A forgiving query-string and path-segment parser.
//!
//! axum's `Query` extractor rejects bad input with plain-text bodies; the mock must answer every
//! request in the spec's JSON error shape, so it decodes the raw query itself, with
//! `percent-encoding`. Rules: `+` is a space in a query, `%XX` is a byte, a `%` not followed by
//! two hex digits is kept literally, and a value whose bytes are not UTF-8 is kept as an error
//! for the handler to refuse. A repeated parameter takes its last value (PHP and Laravel do the
//! same). An empty value is returned as such: handlers treat it as not sent for free-text
//! parameters and refuse it for typed ones (an empty size is not an integer).

use std::borrow::Cow;

/// The decoded pairs of a query string, in order.
#[derive(Debug, Default, Clone)]
pub(crate) struct Query {
    pairs: Vec<(String, Result<String, ()>)>,
}

/// What a parameter is, as far as the handler cares.
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub(crate) enum Value<'a> {
    /// Not in the query.
    Absent,
    /// Decoded text (possibly empty).
    Text(&'a str),
    /// Bytes that are not UTF-8.
    NotUtf8,
}

/// Percent-decodes a value; `plus_is_space` for query strings, not for path segments. Invalid
/// escapes are kept as written, which is what `percent-encoding` does.
pub(crate) fn percent_decode(input: &str, plus_is_space: bool) -> Result<String, ()> {
    let input: Cow<str> = if plus_is_space && input.contains('+') {
        Cow::Owned(input.replace('+', " "))
    } else {
        Cow::Borrowed(input)
    };
    percent_encoding::percent_decode_str(&input)
        .decode_utf8()
        .map(Cow::into_owned)
        .map_err(|_| ())
}

impl Query {
    /// Splits and decodes a raw query string (`None`: no `?` at all).
    pub(crate) fn parse(raw: Option<&str>) -> Query {
        let pairs = raw
            .unwrap_or("")
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|pair| {
                let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
                // A name that is not UTF-8 can match no parameter; the replacement character
                // keeps it countable for the mode that refuses unknown parameters.
                let name = percent_decode(name, true).unwrap_or_else(|()| "\u{FFFD}".into());
                (name, percent_decode(value, true))
            })
            .collect();
        Query { pairs }
    }

    /// Every value of `name`, in order (a repeated parameter: `id=1&id=2`).
    pub(crate) fn get_all(&self, name: &str) -> Vec<Value<'_>> {
        self.pairs
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| match v {
                Err(()) => Value::NotUtf8,
                Ok(v) => Value::Text(v),
            })
            .collect()
    }

    /// The last value of `name`.
    pub(crate) fn get(&self, name: &str) -> Value<'_> {
        match self.pairs.iter().rev().find(|(n, _)| n == name) {
            None => Value::Absent,
            Some((_, Err(()))) => Value::NotUtf8,
            Some((_, Ok(v))) => Value::Text(v),
        }
    }

    /// The distinct parameter names, in order of first appearance.
    pub(crate) fn names(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for (name, _) in &self.pairs {
            if !out.contains(&name.as_str()) {
                out.push(name);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_what_clients_and_attackers_send() {
        let q = Query::parse(Some(
            "a=1&a=2&b=x+y%21&c=%ff&d=%&e=%4&f&=z&g=%e2%82%ac&h=%2B",
        ));
        assert_eq!(q.get("a"), Value::Text("2"));
        assert_eq!(q.get("b"), Value::Text("x y!"));
        assert_eq!(q.get("c"), Value::NotUtf8);
        assert_eq!(q.get("d"), Value::Text("%"));
        assert_eq!(q.get("e"), Value::Text("%4"));
        assert_eq!(q.get("f"), Value::Text(""));
        assert_eq!(q.get("g"), Value::Text("€"));
        assert_eq!(q.get("h"), Value::Text("+"));
        assert_eq!(q.get("zz"), Value::Absent);
        assert_eq!(Query::parse(None).get("a"), Value::Absent);
        assert_eq!(percent_decode("a+b", false).unwrap(), "a+b");
        assert_eq!(q.names()[..3], ["a", "b", "c"]);
    }
}
