//! What the mock serves, read once from the spec through `specs`: the operation, its route, its
//! page and item schemas, the success template, and the places the reading modes act on.
//!
//! Everything here is a fact of the spec; nothing names an API. A spec the mock cannot serve is
//! refused here, at start-up, with a sentence saying what is missing.

use std::sync::Arc;

use serde_json::{json, Value};
use specs::walk::{Advance, Carrier, End};
use specs::{Filter, Location, Match, Operation, Pagination, Parameter, Spec};

use crate::json;

/// One segment of the operation's path template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Segment {
    /// A literal segment, compared as sent.
    Literal(String),
    /// A path parameter, by name.
    Param(String),
}

/// The JSON type of the item key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyKind {
    /// `type: integer`.
    Integer,
    /// `type: string`.
    Text,
}

/// What a URL member of the success template becomes on the mock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum UrlKind {
    /// The endpoint, without a query (the example's value had none).
    Endpoint,
    /// The first page of this query (the example's value had a query).
    First,
}

/// An object of the page envelope: where it sits in the body and in the spec.
#[derive(Debug, Clone)]
pub(crate) struct EnvelopeObject {
    /// Pointer in the body (`""` for the body itself).
    pub(crate) member: String,
    /// The schema, `$ref`s resolved.
    pub(crate) schema: Value,
    /// The schema's pointer in the spec.
    pub(crate) pointer: String,
}

/// The served operation and everything read from the spec about it.
#[derive(Debug, Clone)]
pub(crate) struct Api {
    pub(crate) spec: Arc<Spec>,
    pub(crate) op: Operation,
    pub(crate) pagination: Pagination,
    /// Path of the first server URL (`/api/v1`), without a trailing slash.
    pub(crate) base_path: String,
    /// The first server URL, for rebasing the template's URLs onto the mock.
    pub(crate) server_url: String,
    pub(crate) route: Vec<Segment>,
    /// Pointer of the 200 response's JSON schema.
    pub(crate) page_schema: String,
    /// The item schema, `$ref`s resolved, and its pointer.
    pub(crate) item_schema: Value,
    pub(crate) item_pointer: String,
    pub(crate) key_kind: KeyKind,
    /// The 200 body template, its item array emptied.
    pub(crate) template: Value,
    /// String members of the template that are URLs of the spec's server.
    pub(crate) url_members: Vec<(String, UrlKind)>,
    /// Whether the spec writes its links as paths relative to the server's origin (the example
    /// of the next link is `/2010-04-01/…`, not `https://…`): the mock writes its own so.
    pub(crate) relative_urls: bool,
    /// Objects of the envelope, outermost first.
    pub(crate) envelope: Vec<EnvelopeObject>,
}

/// Whether `judge` holds for at least one operation the mock serves of `spec`; `Err` says
/// why not (for the first operation).
pub(crate) fn on_any_operation(
    spec: &Spec,
    judge: impl Fn(&Api) -> Result<(), String>,
) -> Result<(), String> {
    let spec = Arc::new(spec.clone());
    let mut why = None;
    for api in Api::all(&spec)? {
        match judge(&api) {
            Ok(()) => return Ok(()),
            Err(w) => {
                why.get_or_insert(w);
            }
        }
    }
    Err(why.unwrap_or_default())
}

/// Whether `judge` holds for the operation `operation_id` of `spec`; `Err` says why not.
pub(crate) fn on_operation(
    spec: &Spec,
    operation_id: &str,
    judge: impl Fn(&Api) -> Result<(), String>,
) -> Result<(), String> {
    let spec = Arc::new(spec.clone());
    let op = spec
        .operation(operation_id)
        .ok_or_else(|| format!("no operation `{operation_id}`"))?;
    let api = Api::new(&spec, op).map_err(|why| format!("operation `{operation_id}`: {why}"))?;
    judge(&api)
}

impl Api {
    /// Every paginated GET operation of `spec`, as the mock serves each; `Err` says what the
    /// mock cannot serve (naming the operation), or that there is nothing to serve.
    pub(crate) fn all(spec: &Arc<Spec>) -> Result<Vec<Api>, String> {
        let served: Vec<Api> = spec
            .paginated_operations()
            .map(|op| {
                Api::new(spec, op).map_err(|why| format!("operation `{}`: {why}", op.operation_id))
            })
            .collect::<Result<_, _>>()?;
        if served.is_empty() {
            return Err("the spec has no paginated GET operation (x-pagination)".into());
        }
        Ok(served)
    }

    /// Reads one paginated operation of `spec`; `Err` says what the mock cannot serve.
    pub(crate) fn new(spec: &Arc<Spec>, op: &Operation) -> Result<Api, String> {
        let op = op.clone();
        if op.method != specs::Method::Get {
            return Err(format!(
                "the paginated operation `{}` is {}; the mock serves GET only",
                op.operation_id, op.method
            ));
        }
        let pagination = op
            .pagination
            .clone()
            .ok_or("the operation has no x-pagination")?;
        if matches!(pagination.walk.advance, Advance::NextUrl { .. })
            && pagination.position_param.is_none()
        {
            return Err(
                "x-pagination of style link-header has no token-param: the mock needs a query \
                 parameter to carry its page tokens"
                    .into(),
            );
        }
        if op.access.is_some() && op.security.is_none() {
            return Err("x-access needs a security scheme: access is per credential".into());
        }
        let route = route(&op.path)?;
        let page_schema = op
            .response(200)
            .and_then(|r| r.json_schema.clone())
            .ok_or("the 200 response has no application/json schema")?;
        let items_schema = spec
            .member_schema(&page_schema, &pagination.items)
            .filter(|(s, _)| s.get("type").and_then(Value::as_str) == Some("array"))
            .ok_or_else(|| {
                format!(
                    "x-pagination items `{}` is not an array of the 200 schema",
                    pagination.items
                )
            })?;
        let (item_schema, item_pointer) = spec
            .member_schema(&items_schema.1, "/0")
            .map(|(s, p)| (s.clone(), p))
            .ok_or("the item array has no `items` schema")?;
        if item_schema
            .get("properties")
            .and_then(Value::as_object)
            .is_none()
        {
            return Err(format!(
                "the item schema at {item_pointer} is not an object with `properties`"
            ));
        }
        let key_type = spec
            .member_schema(&item_pointer, &pagination.item_key)
            .and_then(|(s, _)| s.get("type").and_then(Value::as_str).map(str::to_string));
        let key_kind = match key_type.as_deref() {
            Some("integer") => KeyKind::Integer,
            Some("string") => KeyKind::Text,
            other => {
                return Err(format!(
                    "the item key `{}` must be a string or an integer, not {other:?}",
                    pagination.item_key
                ))
            }
        };
        if op
            .parameter(&pagination.size_param, Location::Query)
            .is_none()
        {
            return Err(format!(
                "the size parameter `{}` is missing",
                pagination.size_param
            ));
        }
        let server_url = spec
            .server_url()
            .unwrap_or("")
            .trim_end_matches('/')
            .to_string();
        let mut api = Api {
            spec: Arc::clone(spec),
            op,
            pagination,
            base_path: spec.server_path(),
            server_url,
            route,
            page_schema,
            item_schema,
            item_pointer,
            key_kind,
            template: Value::Null,
            url_members: Vec::new(),
            relative_urls: false,
            envelope: Vec::new(),
        };
        api.envelope = api.envelope_objects();
        api.template = api.success_template();
        api.relative_urls = api.links_are_relative();
        api.url_members = api.url_members_of(&api.template);
        Ok(api)
    }

    /// The 200 template: the first example, else a skeleton of the schema, items emptied.
    fn success_template(&self) -> Value {
        let example = self
            .op
            .response(200)
            .and_then(|r| self.spec.response_example(r))
            .cloned();
        let mut template = example.unwrap_or_else(|| {
            self.spec
                .raw
                .pointer(&self.page_schema)
                .map(|s| skeleton(&self.spec, s, "", true, 0))
                .unwrap_or(Value::Null)
        });
        json::set(&mut template, &self.pagination.items, json!([]));
        // A page says it is no error, whatever the example shows.
        if let Some(in_body) = &self.op.errors.in_body {
            json::set(&mut template, &in_body.flag, json!(true));
        }
        template
    }

    /// Whether the next link, as the 200 example shows it (else as its schema's example), is a
    /// path relative to the origin.
    fn links_are_relative(&self) -> bool {
        let Some(next) = self.next_pointer() else {
            return false;
        };
        let shown = self.template.pointer(next).and_then(Value::as_str);
        let documented = self
            .spec
            .member_schema(&self.page_schema, next)
            .and_then(|(s, _)| s.get("example"))
            .and_then(Value::as_str);
        shown
            .or(documented)
            .is_some_and(|link| link.starts_with('/') && !link.starts_with("//"))
    }

    /// Whether `text` is a URL of the spec's server, or, where the spec writes its links as
    /// paths, a path of this operation's route.
    fn is_own_url(&self, text: &str) -> bool {
        if !self.server_url.is_empty() && text.starts_with(&self.server_url) {
            return true;
        }
        let path = text.split(['?', '#']).next().unwrap_or_default();
        self.relative_urls && !text.starts_with("//") && crate::routing::route(self, path).is_some()
    }

    /// The template's string members whose value is a URL of the spec's server (or a path of
    /// the operation, where links are paths), except the next link, which pagination writes.
    fn url_members_of(&self, template: &Value) -> Vec<(String, UrlKind)> {
        let mut out = Vec::new();
        if self.server_url.is_empty() && !self.relative_urls {
            return out;
        }
        let next = self.next_pointer();
        let mut stack = vec![(String::new(), template)];
        while let Some((at, node)) = stack.pop() {
            match node {
                Value::Object(map) => {
                    for (k, v) in map {
                        stack.push((format!("{at}/{}", json::escape(k)), v));
                    }
                }
                Value::String(s) if self.is_own_url(s) && Some(at.as_str()) != next => {
                    let kind = if s.contains('?') {
                        UrlKind::First
                    } else {
                        UrlKind::Endpoint
                    };
                    out.push((at, kind));
                }
                _ => {}
            }
        }
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out
    }

    /// Every object of the envelope: the body and its object members, not entering the items.
    fn envelope_objects(&self) -> Vec<EnvelopeObject> {
        let mut out = Vec::new();
        let Some((root, pointer)) = self.spec.member_schema(&self.page_schema, "") else {
            return out;
        };
        let mut stack = vec![EnvelopeObject {
            member: String::new(),
            schema: root.clone(),
            pointer,
        }];
        while let Some(object) = stack.pop() {
            if let Some(props) = object.schema.get("properties").and_then(Value::as_object) {
                let mut names: Vec<&String> = props.keys().collect();
                names.sort();
                for name in names.into_iter().rev() {
                    let member = format!("{}/{}", object.member, json::escape(name));
                    if member == self.pagination.items {
                        continue;
                    }
                    let Some((schema, pointer)) = self
                        .spec
                        .member_schema(&object.pointer, &format!("/{}", json::escape(name)))
                    else {
                        continue;
                    };
                    if schema.get("type").and_then(Value::as_str) == Some("object") {
                        stack.push(EnvelopeObject {
                            member,
                            schema: schema.clone(),
                            pointer,
                        });
                    }
                }
            }
            out.push(object);
        }
        out
    }

    /// The query parameters that filter.
    pub(crate) fn query_filters(&self) -> impl Iterator<Item = &Filter> {
        self.op
            .filters
            .iter()
            .filter(|f| f.location == Location::Query)
    }

    /// The schema of an item field as the data must fill it: the field's own schema, with the
    /// enum of a filter parameter on that field when the field does not list one (an enum
    /// listed for a filter is documented for the field it filters).
    pub(crate) fn field_schema(&self, path: &str, schema: &serde_json::Value) -> serde_json::Value {
        let mut schema = schema.clone();
        let Some(values) = self
            .query_filters()
            // Values that stand for conditions (`means`) are the parameter's, not the field's.
            .filter(|f| f.field == path && f.matching != Match::Owner && f.means.is_empty())
            .find_map(|f| {
                // A sentinel (`all`, `none`) is a value of the parameter, never of the field.
                let values = f.values.as_ref()?;
                Some(
                    values
                        .iter()
                        .filter(|v| !f.sentinels.contains_key(*v))
                        .cloned()
                        .collect::<Vec<_>>(),
                )
            })
        else {
            return schema;
        };
        let values = serde_json::Value::from(values);
        let target = match schema.get("type").and_then(serde_json::Value::as_str) {
            Some("array") => schema.get_mut("items"),
            _ => Some(&mut schema),
        };
        if let Some(serde_json::Value::Object(map)) = target {
            map.entry("enum").or_insert(values);
        }
        schema
    }

    /// The query filters of `match: equals` on text or integers without an enum, which the
    /// `filter-prefix` and `filter-case-folded` faults break.
    pub(crate) fn free_equals_filters(&self) -> impl Iterator<Item = &Filter> {
        self.query_filters().filter(|f| {
            let kind = self.query_param(&f.param).and_then(|p| p.schema_type());
            f.matching == Match::Equals
                && f.values.is_none()
                && matches!(kind, Some("string" | "integer"))
        })
    }

    /// The first owner filter of the query.
    pub(crate) fn owner_filter(&self) -> Option<&Filter> {
        self.query_filters().find(|f| f.matching == Match::Owner)
    }

    /// The filter that `filter-ignored` ignores: the last query filter with an enum and
    /// `match: equals`.
    pub(crate) fn ignorable_filter(&self) -> Option<&Filter> {
        self.query_filters()
            .filter(|f| f.values.is_some() && f.matching == Match::Equals)
            .last()
    }

    /// The parameter `name` of the query.
    pub(crate) fn query_param(&self, name: &str) -> Option<&Parameter> {
        self.op.parameter(name, Location::Query)
    }

    /// The pointer of the next link or cursor in the body, when the body carries one.
    pub(crate) fn next_pointer(&self) -> Option<&str> {
        match self.pagination.walk.advance.carrier() {
            Some(Carrier::Body) => self.pagination.next.as_deref(),
            _ => None,
        }
    }

    /// The pointer of the item total, when pages report one.
    pub(crate) fn total_pointer(&self) -> Option<&str> {
        self.pagination.total.as_deref()
    }

    /// The pointer of the page total, when pages report one.
    pub(crate) fn total_pages_pointer(&self) -> Option<&str> {
        self.pagination.total_pages.as_deref()
    }

    /// Whether pages carry the next position (a next link or a cursor) rather than the client
    /// making it: the walks whose last page can point further.
    pub(crate) fn carries_next(&self) -> bool {
        self.pagination.walk.advance.carrier().is_some()
    }

    /// Whether pages link to the next one by URL.
    pub(crate) fn links(&self) -> bool {
        matches!(self.pagination.walk.advance, Advance::NextUrl { .. })
    }

    /// Whether the walk ends only on a counted signal (a short or an empty page) although its
    /// pages carry a next position: then the last page with items still points further, to an
    /// empty page, as such a server does.
    pub(crate) fn ends_on_counted_pages(&self) -> bool {
        let ends = &self.pagination.walk.ends;
        self.carries_next()
            && ends
                .iter()
                .all(|e| matches!(e, End::ShortPage | End::EmptyPage))
    }

    /// The top-level item property an item pointer names (`/owner/id` → `owner`).
    fn top_level(pointer: &str) -> String {
        json::segments(pointer)
            .into_iter()
            .next()
            .unwrap_or_default()
    }

    /// Item fields the data must keep intact: the key and every field a filter reads.
    fn protected_fields(&self) -> Vec<String> {
        let mut out = vec![Api::top_level(&self.pagination.item_key)];
        out.extend(
            self.op
                .filters
                .iter()
                .flat_map(|f| f.reads())
                .map(|p| Api::top_level(p)),
        );
        out
    }

    /// The item schema's `required` list, in spec order.
    pub(crate) fn required_fields(&self) -> Vec<String> {
        self.item_schema
            .get("required")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The last required field that is neither the key nor a filter field.
    fn last_unprotected_required(&self) -> Option<String> {
        let protected = self.protected_fields();
        self.required_fields()
            .into_iter()
            .rev()
            .find(|f| !protected.contains(f))
    }

    /// `missing-field`'s victim: needs a documented (not a reading) `required`.
    pub(crate) fn missing_field_candidate(&self) -> Option<String> {
        if self
            .spec
            .covering(&self.item_pointer, Some("required"))
            .is_some()
        {
            return None;
        }
        self.last_unprotected_required()
    }

    /// `sparse-items`' field: needs a `required` that is a reading.
    pub(crate) fn sparse_item_field(&self) -> Option<String> {
        self.spec.covering(&self.item_pointer, Some("required"))?;
        self.last_unprotected_required()
    }

    /// The schema of the top-level item property `name`, resolved, and its pointer.
    pub(crate) fn property(&self, name: &str) -> Option<(&Value, String)> {
        self.spec
            .member_schema(&self.item_pointer, &format!("/{}", json::escape(name)))
    }

    /// Item property names in schema order (sorted: the raw document's maps are).
    pub(crate) fn property_names(&self) -> Vec<String> {
        self.item_schema
            .get("properties")
            .and_then(Value::as_object)
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default()
    }

    /// `out-of-enum`'s field: the first item property that is a string enum, with its values.
    pub(crate) fn enum_field(&self) -> Option<(String, Vec<Value>)> {
        self.property_names().into_iter().find_map(|name| {
            let (schema, _) = self.property(&name)?;
            let values = schema.get("enum")?.as_array()?.clone();
            (name != Api::top_level(&self.pagination.item_key)).then_some((name, values))
        })
    }

    /// `null-fields`' members: non-nullable item properties whose nullability is a reading
    /// (a mark on `nullable`, or on the whole definition), other than the key and filter
    /// fields.
    pub(crate) fn null_field_members(&self) -> Vec<String> {
        let protected = self.protected_fields();
        self.property_names()
            .into_iter()
            .filter(|name| !protected.contains(name))
            .filter(|name| {
                self.property(name).is_some_and(|(schema, pointer)| {
                    schema.get("nullable").and_then(Value::as_bool) != Some(true)
                        && self.spec.covering(&pointer, Some("nullable")).is_some()
                })
            })
            .collect()
    }

    /// Item properties of `format: date-time`, with the reading on their `format` (if any)
    /// and whether their `pattern`, if any, is documented.
    fn date_time_fields(&self) -> Vec<(String, bool, bool)> {
        self.property_names()
            .into_iter()
            .filter_map(|name| {
                let (schema, pointer) = self.property(&name)?;
                if schema.get("format").and_then(Value::as_str) != Some("date-time") {
                    return None;
                }
                let format_read = self.spec.covering(&pointer, Some("format")).is_some();
                let pattern_documented = schema.get("pattern").is_some()
                    && self.spec.covering(&pointer, Some("pattern")).is_none();
                Some((name, format_read, pattern_documented))
            })
            .collect()
    }

    /// `epoch-timestamps`' fields: date-times where a Unix epoch breaks a documented rule
    /// (the `format`, or a `pattern` that is not a reading), and RFC 2822 date-times
    /// (`date-time-rfc-2822`, a format no validator asserts) held to a documented `pattern`.
    pub(crate) fn epoch_fields(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .date_time_fields()
            .into_iter()
            .filter(|(_, format_read, pattern_documented)| !format_read || *pattern_documented)
            .map(|(name, ..)| name)
            .collect();
        out.extend(self.property_names().into_iter().filter(|name| {
            self.property(name).is_some_and(|(schema, pointer)| {
                schema.get("format").and_then(Value::as_str) == Some("date-time-rfc-2822")
                    && schema.get("pattern").is_some()
                    && self.spec.covering(&pointer, Some("pattern")).is_none()
            })
        }));
        out
    }

    /// `iso-basic-timestamps`' fields: date-times whose RFC 3339 profile is a reading.
    pub(crate) fn iso_profile_fields(&self) -> Vec<String> {
        self.date_time_fields()
            .into_iter()
            .filter(|(_, format_read, _)| *format_read)
            .map(|(name, ..)| name)
            .collect()
    }

    /// The body members a client needs to walk the list: the items, the next link or cursor,
    /// the has-more flag and the totals.
    fn walking_pointers(&self) -> Vec<&str> {
        let p = &self.pagination;
        let mut out = vec![p.items.as_str()];
        out.extend(self.next_pointer());
        out.extend(p.flag.as_ref().map(|(at, _)| at.as_str()));
        out.extend(p.total.as_deref());
        out.extend(p.total_pages.as_deref());
        out
    }

    /// `sparse-envelope`'s members: required members whose presence is a reading, off the path
    /// to what a client needs to walk the list.
    pub(crate) fn sparse_envelope_members(&self) -> Vec<String> {
        let mut out = Vec::new();
        for object in &self.envelope {
            if self
                .spec
                .covering(&object.pointer, Some("required"))
                .is_none()
            {
                continue;
            }
            let required = object.schema.get("required").and_then(Value::as_array);
            for name in required.into_iter().flatten().filter_map(Value::as_str) {
                let member = format!("{}/{}", object.member, json::escape(name));
                let on_path = self
                    .walking_pointers()
                    .iter()
                    .any(|p| json::is_under(p, &member));
                if !on_path {
                    out.push(member);
                }
            }
        }
        out
    }

    /// `extra-envelope-fields`' objects: open objects with a reading on `additionalProperties`.
    pub(crate) fn open_envelope_objects(&self) -> Vec<&EnvelopeObject> {
        self.envelope
            .iter()
            .filter(|o| o.schema.get("additionalProperties") != Some(&Value::Bool(false)))
            .filter(|o| {
                self.spec
                    .covering(&o.pointer, Some("additionalProperties"))
                    .is_some()
            })
            .collect()
    }

    /// `string-flags`' members: boolean envelope members whose whole definition is a reading.
    pub(crate) fn flag_members(&self) -> Vec<String> {
        let mut out = Vec::new();
        for object in &self.envelope {
            let Some(props) = object.schema.get("properties").and_then(Value::as_object) else {
                continue;
            };
            for name in props.keys() {
                let at = format!("/{}", json::escape(name));
                let Some((schema, pointer)) = self.spec.member_schema(&object.pointer, &at) else {
                    continue;
                };
                if schema.get("type").and_then(Value::as_str) == Some("boolean")
                    && self.spec.reading(&pointer, None).is_some()
                {
                    out.push(format!("{}{at}", object.member));
                }
            }
        }
        out
    }

    /// The shared error response: the documented response for `status`, else the first
    /// documented error response (an undocumented status still gets the spec's error shape).
    pub(crate) fn error_response(&self, status: u16) -> Option<&specs::ResponseSpec> {
        self.op
            .response(status)
            .filter(|r| r.json_schema.is_some())
            .or_else(|| {
                self.op.responses.iter().find(|r| {
                    r.json_schema.is_some()
                        && !matches!(r.key, specs::StatusKey::Code(c) if c < 400)
                        && !matches!(r.key, specs::StatusKey::Range(d) if d < 4)
                })
            })
    }

    /// The reading that covers the error body schema as a whole, if any.
    pub(crate) fn error_schema_reading(&self) -> Option<&specs::Reading> {
        let (_, pointer) = self.error_schema()?;
        self.spec.covering(&pointer, Some("required"))
    }

    /// The error response's schema, `$ref`s resolved, and its pointer.
    fn error_schema(&self) -> Option<(&Value, String)> {
        let response = self.error_response(400)?;
        self.spec
            .member_schema(response.json_schema.as_deref()?, "")
    }

    /// The top-level member under which the `error-shape` mode puts its error: one the spec's
    /// error schema does not name, so that only the reading of its shape is broken.
    pub(crate) fn other_error_member(&self) -> &'static str {
        let named = |m: &str| {
            self.error_schema()
                .and_then(|(schema, _)| schema.get("properties")?.get(m).map(|_| ()))
                .is_some()
        };
        if named("error") {
            "problem"
        } else {
            "error"
        }
    }

    /// The reading on the 429 response's `Retry-After` header, if any.
    pub(crate) fn retry_after_reading(&self) -> Option<&specs::Reading> {
        let header = self.op.response(429)?.header("retry-after")?;
        self.spec.reading(&header.pointer, None)
    }

    /// The template of an error carried in a 200 body: the operation's error body response
    /// (`default`, else the first error response with a schema; `Operation::error_body`), its
    /// first example, else a skeleton of its schema (strings filled with `message`).
    pub(crate) fn error_body_template(&self, message: &str) -> Value {
        self.response_template(self.op.error_body(), message)
            .unwrap_or_else(|| json!({}))
    }

    /// The error body template for `status`: the response's first example, else a skeleton of
    /// its schema (strings filled with `message`).
    pub(crate) fn error_template(&self, status: u16, message: &str) -> Value {
        self.response_template(self.error_response(status), message)
            .unwrap_or_else(|| json!({ "message": message }))
    }

    /// A response's first example, else a skeleton of its schema (strings filled with
    /// `message`); `None` without a response or a schema.
    fn response_template(
        &self,
        response: Option<&specs::ResponseSpec>,
        message: &str,
    ) -> Option<Value> {
        let response = response?;
        if let Some(example) = self.spec.response_example(response) {
            return Some(example.clone());
        }
        let schema = self.spec.raw.pointer(response.json_schema.as_deref()?)?;
        Some(skeleton(&self.spec, schema, message, false, 0))
    }
}

/// Splits a path template into segments; a segment that mixes text and a parameter is refused.
fn route(path: &str) -> Result<Vec<Segment>, String> {
    path.trim_start_matches('/')
        .split('/')
        .map(
            |s| match s.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                Some(name) if !name.contains(['{', '}']) => Ok(Segment::Param(name.to_string())),
                _ if s.contains(['{', '}']) => Err(format!(
                "the path segment `{s}` mixes text and a parameter, which the mock cannot route"
            )),
                _ => Ok(Segment::Literal(s.to_string())),
            },
        )
        .collect()
}

/// A minimal body that satisfies a schema: required members only, strings set to `text`,
/// booleans to `flag`; used when a response has no example to serve as a template.
pub(crate) fn skeleton(spec: &Spec, schema: &Value, text: &str, flag: bool, depth: u32) -> Value {
    let schema = specs::resolve(&spec.raw, schema);
    if depth > 8 {
        return Value::Null;
    }
    if let Some(first) = schema
        .get("enum")
        .and_then(Value::as_array)
        .and_then(|e| e.first())
    {
        return first.clone();
    }
    match schema.get("type").and_then(Value::as_str) {
        Some("object") => {
            let mut out = serde_json::Map::new();
            let props = schema.get("properties").and_then(Value::as_object);
            let required = schema.get("required").and_then(Value::as_array);
            for name in required.into_iter().flatten().filter_map(Value::as_str) {
                let value = props
                    .and_then(|p| p.get(name))
                    .map(|s| skeleton(spec, s, text, flag, depth + 1))
                    .unwrap_or(Value::Null);
                out.insert(name.to_string(), value);
            }
            Value::Object(out)
        }
        Some("array") => json!([]),
        Some("string") => json!(text),
        Some("integer") | Some("number") => schema.get("minimum").cloned().unwrap_or(json!(0)),
        Some("boolean") => json!(flag),
        _ => Value::Null,
    }
}
