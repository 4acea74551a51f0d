//! Routing: the spec's server path plus the operation's path template, matched segment by
//! segment on the raw (still percent-encoded) request path.

use crate::api::{Api, Segment};
use crate::query::percent_decode;

/// A path parameter as sent: its name, and its decoded value (`Err`: not UTF-8).
pub(crate) type PathParam = (String, Result<String, ()>);

/// The path parameters of `path` when it is the operation's route, `None` when it is not.
/// A literal segment must match as sent; an empty parameter segment matches nothing.
pub(crate) fn route(api: &Api, path: &str) -> Option<Vec<PathParam>> {
    let rest = path
        .strip_prefix(api.base_path.as_str())?
        .strip_prefix('/')?;
    let segments: Vec<&str> = rest.split('/').collect();
    if segments.len() != api.route.len() {
        return None;
    }
    let mut params = Vec::new();
    for (template, sent) in api.route.iter().zip(segments) {
        match template {
            Segment::Param(name) if !sent.is_empty() => {
                params.push((name.clone(), percent_decode(sent, false)));
            }
            Segment::Literal(text) if text == sent => {}
            _ => return None,
        }
    }
    Some(params)
}
