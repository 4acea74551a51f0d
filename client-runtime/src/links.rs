//! Next-page links: checking one before it is followed, and finding `rel="next"` in a `Link`
//! header (RFC 8288).
//!
//! The `Link` parser is written here rather than taken from `parse_link_header`, which would
//! bring `regex` and `lazy_static` into every client for the one relation a stream needs. It is
//! the one parser of the project: the conformance suite and the mock's tests read `Link` with it.

use std::collections::HashSet;

use reqwest::header::{HeaderMap, LINK};

/// Checks a next-page URL before it is followed: it must be absolute, on the origin of the
/// base URL (the credentials go wherever the client sends a request), and not one already
/// followed (the pages would loop). Returns the URL to fetch, and remembers it in `seen`; the
/// error says why the link is refused.
pub fn follow_next_url(
    baseurl: &str,
    next: &str,
    seen: &mut Vec<String>,
) -> Result<String, String> {
    check_origin(&parse_base(baseurl), next)?;
    if seen.iter().any(|s| s == next) {
        return Err(already_followed(next));
    }
    seen.push(next.to_string());
    Ok(next.to_string())
}

/// What one stream has followed: the same checks as [`follow_next_url`], with the base URL
/// parsed once and the links and cursors kept in a set, so that a long walk does not pay for
/// its length on every page.
#[derive(Debug)]
pub(crate) struct Followed {
    base: Result<reqwest::Url, String>,
    seen: HashSet<String>,
}

impl Followed {
    pub(crate) fn new(baseurl: &str) -> Followed {
        Followed {
            base: parse_base(baseurl),
            seen: HashSet::new(),
        }
    }

    /// Checks the next-page link `next` and remembers it.
    pub(crate) fn link(&mut self, next: &str) -> Result<(), String> {
        check_origin(&self.base, next)?;
        if !self.seen.insert(next.to_string()) {
            return Err(already_followed(next));
        }
        Ok(())
    }

    /// Checks that the server did not return `token` before, and remembers it.
    pub(crate) fn token(&mut self, token: &str) -> Result<(), String> {
        if !self.seen.insert(token.to_string()) {
            return Err(format!(
                "the server returned the cursor `{token}` a second time; stopping so that the pages do not loop"
            ));
        }
        Ok(())
    }
}

fn parse_base(baseurl: &str) -> Result<reqwest::Url, String> {
    reqwest::Url::parse(baseurl).map_err(|e| format!("the base URL `{baseurl}` is not a URL ({e})"))
}

/// Refuses `next` unless it is an absolute URL on the origin of `base`.
fn check_origin(base: &Result<reqwest::Url, String>, next: &str) -> Result<(), String> {
    let base = base
        .as_ref()
        .map_err(|problem| format!("cannot check the next-page link `{next}`: {problem}"))?;
    let url = reqwest::Url::parse(next)
        .map_err(|e| format!("refusing the next-page link `{next}`: not an absolute URL ({e})"))?;
    if url.origin() != base.origin() {
        return Err(format!(
            "refusing the next-page link `{next}`: its origin {} differs from the base URL's origin {}, \
             and the credentials are only sent to the API",
            url.origin().ascii_serialization(),
            base.origin().ascii_serialization()
        ));
    }
    Ok(())
}

fn already_followed(next: &str) -> String {
    format!("refusing the next-page link `{next}`: it was already followed, so the pages loop")
}

/// The target of the first `rel="next"` link of the `Link` headers, as written (a relative
/// reference is resolved by the walk, against the request that got the page).
pub fn next_link(headers: &HeaderMap) -> Option<String> {
    next_link_in(
        headers
            .get_all(LINK)
            .iter()
            .filter_map(|value| value.to_str().ok()),
    )
}

/// The target of the first `rel="next"` link of these `Link` header values.
pub fn next_link_in<'a>(values: impl IntoIterator<Item = &'a str>) -> Option<String> {
    values
        .into_iter()
        .flat_map(split_links)
        .find(|(_, params)| has_next_rel(params))
        .map(|(target, _)| target.to_string())
}

/// The links of one header value: `<target>` and the parameters after it, split on the commas
/// that lie outside `<...>` and quoted strings.
fn split_links(value: &str) -> Vec<(&str, &str)> {
    let mut links = Vec::new();
    let mut rest = value;
    while let Some(open) = rest.find('<') {
        let Some(close) = rest[open..].find('>').map(|i| open + i) else {
            break;
        };
        let target = rest[open + 1..close].trim();
        let after = &rest[close + 1..];
        let end = params_end(after);
        links.push((target, &after[..end]));
        rest = &after[end..];
    }
    links
}

/// Where the parameters of a link end: at the first comma outside a quoted string.
fn params_end(params: &str) -> usize {
    unquoted(params, ',').next().unwrap_or(params.len())
}

/// The positions of `separator` in `text` outside quoted strings.
fn unquoted(text: &str, separator: char) -> impl Iterator<Item = usize> + '_ {
    let mut quoted = false;
    let mut escaped = false;
    text.char_indices().filter_map(move |(i, c)| {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            c if c == separator && !quoted => return Some(i),
            _ => {}
        }
        None
    })
}

/// The parameters of a link, split on the semicolons outside quoted strings.
fn split_params(params: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    for i in unquoted(params, ';') {
        out.push(&params[start..i]);
        start = i + 1;
    }
    out.push(&params[start..]);
    out
}

/// Whether the parameters hold `rel` with `next` among its space-separated relation types.
fn has_next_rel(params: &str) -> bool {
    split_params(params).into_iter().any(|param| {
        let Some((name, value)) = param.split_once('=') else {
            return false;
        };
        name.trim().eq_ignore_ascii_case("rel")
            && value
                .trim()
                .trim_matches('"')
                .split_ascii_whitespace()
                .any(|rel| rel.eq_ignore_ascii_case("next"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(values: &[&str]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for v in values {
            map.append(LINK, v.parse().unwrap());
        }
        map
    }

    #[test]
    fn finds_rel_next_among_other_links() {
        let h = headers(&[
            r#"<https://a.example/t?page=1>; rel="first", <https://a.example/t?page=2&x=a,b>; rel="next""#,
        ]);
        assert_eq!(
            next_link(&h).as_deref(),
            Some("https://a.example/t?page=2&x=a,b")
        );
        let h = headers(&[
            r#"<https://a/1>; title="a, b; rel=next"; rel=prev"#,
            "<https://a/2>; REL=\"prefetch next\"",
        ]);
        assert_eq!(next_link(&h).as_deref(), Some("https://a/2"));
        assert_eq!(next_link(&headers(&[r#"<https://a/1>; rel="last""#])), None);
        assert_eq!(
            next_link(&headers(&["garbage", "<unclosed; rel=next"])),
            None
        );
        assert_eq!(next_link(&HeaderMap::new()), None);
    }

    #[test]
    fn next_urls_stay_on_the_origin_and_never_repeat() {
        let mut seen = Vec::new();
        let base = "http://127.0.0.1:8080/api";
        assert!(follow_next_url(base, "http://127.0.0.1:8080/api/x?p=2", &mut seen).is_ok());
        let again = follow_next_url(base, "http://127.0.0.1:8080/api/x?p=2", &mut seen);
        assert!(again.unwrap_err().contains("already followed"));
        let other = follow_next_url(base, "http://127.0.0.1:9090/api/x?p=3", &mut seen);
        assert!(other.unwrap_err().contains("origin"));
        let relative = follow_next_url(base, "/api/x?p=3", &mut seen);
        assert!(relative.unwrap_err().contains("not an absolute URL"));
    }
}
