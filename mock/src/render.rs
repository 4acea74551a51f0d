//! Success bodies: the spec's 200 template filled in for one page.
//!
//! The template is the 200 response's first example (else a skeleton of its schema). Per page,
//! the members `x-pagination` names are set (count, size echo, next link or cursor, has-more,
//! totals), URLs of the spec's server are rebased onto the mock, and the reading modes that
//! touch the envelope act. The items, rendered once at start-up, are spliced in as text.

use serde_json::{json, Value};
use specs::walk::End;

use crate::api::UrlKind;
use crate::errors::string_flags;
use crate::faults::Fault;
use crate::json;
use crate::modes::ReadingMode;
use crate::server::App;

/// Stands for the item array while the envelope is serialised; it cannot occur in an
/// envelope made from a spec (control characters are escaped in JSON strings).
const ITEMS_MARKER: &str = "\u{1}items\u{1}";

/// The facts of one page that the envelope shows.
pub(crate) struct Facts<'a> {
    pub(crate) count: usize,
    pub(crate) size: u64,
    /// The next link (next-url) or cursor (cursor) for the body, `None` on the last page.
    pub(crate) next: Option<String>,
    pub(crate) has_more: bool,
    pub(crate) total: usize,
    pub(crate) first_url: &'a str,
    pub(crate) endpoint_url: &'a str,
}

impl App {
    /// The envelope of a page as the text before and after its items.
    pub(crate) fn envelope(&self, facts: &Facts<'_>) -> (String, String) {
        let api = &self.api;
        let p = &api.pagination;
        let mut body = api.template.clone();
        json::set(&mut body, &p.items, json!(ITEMS_MARKER));
        for (pointer, kind) in &api.url_members {
            let url = match kind {
                UrlKind::Endpoint => facts.endpoint_url,
                UrlKind::First => facts.first_url,
            };
            json::set(&mut body, pointer, json!(self.as_written(url)));
        }
        if let Some(count) = &p.count {
            let extra = usize::from(self.fault == Some(Fault::MetaMismatch));
            json::set(&mut body, count, json!(facts.count + extra));
        }
        if let Some(echo) = &p.size_echo {
            json::set(&mut body, echo, json!(facts.size));
        }
        self.set_position_members(&mut body, facts);
        match self.mode {
            Some(ReadingMode::SparseEnvelope) => {
                for member in api.sparse_envelope_members() {
                    json::remove(&mut body, &member);
                }
            }
            Some(ReadingMode::ExtraEnvelopeFields) => self.extra_members(&mut body, facts),
            Some(ReadingMode::StringFlags) => string_flags(&mut body, &api.flag_members()),
            _ => {}
        }
        let text = body.to_string();
        let marker = json!(ITEMS_MARKER).to_string();
        match text.split_once(&marker) {
            Some((before, after)) => (format!("{before}["), format!("]{after}")),
            // The marker was set above; a template whose item pointer runs through a
            // non-object was overwritten on the way, so this cannot happen, but must not
            // panic either.
            None => (format!("{text}["), "]".to_string()),
        }
    }

    /// What the walk reads from a body: the next member, the flag and the totals. The mock
    /// writes what `x-pagination` says a client reads, where it says (see the walk model).
    fn set_position_members(&self, body: &mut Value, facts: &Facts<'_>) {
        let p = &self.api.pagination;
        if let Some(next) = self.api.next_pointer() {
            match &facts.next {
                Some(n) => json::set(body, next, json!(n)),
                None => self.set_last_next(body, next),
            }
        }
        if let Some((flag, last)) = &p.flag {
            // `has-more` is true while items follow; `is-last` is true on the last page only.
            json::set(body, flag, json!(facts.has_more != *last));
        }
        if let Some(total) = &p.total {
            json::set(body, total, json!(self.wrong_total(facts.total)));
        }
        if let Some(pages) = &p.total_pages {
            let size = usize::try_from(facts.size).unwrap_or(usize::MAX).max(1);
            let n = facts.total.div_ceil(size).max(1);
            json::set(body, pages, json!(self.wrong_total(n)));
        }
    }

    /// The last page's next member, as the first of `last-page` says (null under
    /// `last-page-null`).
    fn set_last_next(&self, body: &mut Value, next: &str) {
        let signal = match self.mode {
            Some(ReadingMode::LastPageNull) => Some(End::NullNext),
            _ => self.api.pagination.last_page.first().copied(),
        };
        match signal {
            Some(End::NullNext) => json::set(body, next, Value::Null),
            Some(End::EmptyNext) => json::set(body, next, json!("")),
            _ => json::remove(body, next),
        }
    }

    fn wrong_total(&self, n: usize) -> usize {
        n + usize::from(self.fault == Some(Fault::TotalWrong))
    }

    /// `extra-envelope-fields`: paginator members an open envelope object may carry.
    fn extra_members(&self, body: &mut Value, facts: &Facts<'_>) {
        for object in self.api.open_envelope_objects() {
            let declared = object.schema.get("properties").and_then(Value::as_object);
            for (name, value) in [
                ("path", json!(facts.endpoint_url)),
                ("per_page", json!(facts.size)),
                ("prev_cursor", Value::Null),
            ] {
                let pointer = format!("{}/{name}", object.member);
                if declared.is_some_and(|d| d.contains_key(name))
                    || body.pointer(&pointer).is_some()
                {
                    continue;
                }
                json::set(body, &pointer, value);
            }
        }
    }
}
