//! A forgiving query-string and path-segment parser.
//!
//! axum's `Query` extractor rejects bad input with plain-text bodies; the mocks must answer every
//! request in the vendor's JSON error schema, so they parse the raw query themselves. Rules:
//! `+` is a space, `%XX` is a byte, a `%` not followed by two hex digits is kept literally, and a
//! value whose bytes are not UTF-8 is kept as an error for the handler to refuse. A repeated
//! parameter takes its last value (PHP and Laravel do the same). An empty value is returned as
//! such: handlers treat it as not sent for free-text parameters and refuse it for typed ones
//! (an empty `per_page` is not an integer, an empty `status` is not in the enum).

/// The decoded pairs of a query string, in order.
#[derive(Debug, Default)]
pub(crate) struct Query {
    pairs: Vec<(String, Result<String, ()>)>,
}

/// What a parameter is, as far as the handler cares.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Value<'a> {
    Absent,
    Text(&'a str),
    NotUtf8,
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Percent-decodes bytes; `plus_is_space` for query strings, not for path segments.
pub(crate) fn percent_decode(input: &str, plus_is_space: bool) -> Result<String, ()> {
    let bytes = input.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' if plus_is_space => out.push(b' '),
            b'%' => {
                match (
                    bytes.get(i + 1).copied().and_then(hex),
                    bytes.get(i + 2).copied().and_then(hex),
                ) {
                    (Some(h), Some(l)) => {
                        out.push(h * 16 + l);
                        i += 2;
                    }
                    _ => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).map_err(|_| ())
}

impl Query {
    pub(crate) fn parse(raw: Option<&str>) -> Query {
        let pairs = raw
            .unwrap_or("")
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|pair| {
                let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
                let name = percent_decode(name, true).unwrap_or_else(|()| "\u{FFFD}".into());
                (name, percent_decode(value, true))
            })
            .collect();
        Query { pairs }
    }

    /// The last value of `name`.
    pub(crate) fn get(&self, name: &str) -> Value<'_> {
        match self.pairs.iter().rev().find(|(n, _)| n == name) {
            None => Value::Absent,
            Some((_, Err(()))) => Value::NotUtf8,
            Some((_, Ok(v))) => Value::Text(v),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_what_clients_and_attackers_send() {
        let q = Query::parse(Some("a=1&a=2&b=x+y%21&c=%ff&d=%&e=%4&f&=z&g=%e2%82%ac"));
        assert_eq!(q.get("a"), Value::Text("2"));
        assert_eq!(q.get("b"), Value::Text("x y!"));
        assert_eq!(q.get("c"), Value::NotUtf8);
        assert_eq!(q.get("d"), Value::Text("%"));
        assert_eq!(q.get("e"), Value::Text("%4"));
        assert_eq!(q.get("f"), Value::Text(""));
        assert_eq!(q.get("g"), Value::Text("€"));
        assert_eq!(q.get("zz"), Value::Absent);
        assert_eq!(Query::parse(None).get("a"), Value::Absent);
        assert_eq!(percent_decode("a+b", false).unwrap(), "a+b");
    }
}
