//! Reading the request's parameters: path values, query filters, the page size, and the
//! `unknown-params-refused` mode's check. Invalid values are collected as field-level problems
//! (Laravel's messages), so one refusal names them all.

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde_json::Value as Json;
use specs::{Bound, Filter, Location, Match, Parameter};

use crate::errors::{problem, ApiError, Problems};
use crate::faults::Fault;
use crate::modes::ReadingMode;
use crate::query::{Query, Value};
use crate::routing::PathParam;
use crate::server::App;

/// Characters left as they are in a canonical query: RFC 3986's unreserved ones.
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// What the query selects: the active filters with their values, and the page size.
#[derive(Debug, Clone)]
pub(crate) struct Selection<'a> {
    /// Each filter in force with its values (one, or several for a multi-value filter; the
    /// parameter's default when it was not sent).
    pub(crate) active: Vec<(&'a Filter, Vec<String>)>,
    /// The effective page size (what the echo says).
    pub(crate) size: u64,
    /// Whether the size parameter was sent.
    pub(crate) size_sent: bool,
    /// An invalid value that the lenient mode turned into "selects nothing".
    pub(crate) nothing: bool,
    /// The order in force (`x-sort`): the one asked for, or the default.
    pub(crate) sort: Option<specs::SortChoice>,
    /// Whether the request asked for an order.
    pub(crate) sort_sent: bool,
}

impl Selection<'_> {
    /// The canonical query: filters in spec order, then the size. Links repeat it and tokens
    /// are bound to it.
    pub(crate) fn canonical(&self, size_param: &str, sort: Option<&specs::Sort>) -> String {
        let mut out = String::new();
        if let (Some(sort), Some(choice), true) = (sort, &self.sort, self.sort_sent) {
            for (name, value) in sort.query(choice) {
                out.push_str(&encode(&name));
                out.push('=');
                out.push_str(&encode(&value));
                out.push('&');
            }
        }
        for (filter, values) in &self.active {
            for (name, value) in filter.query(values) {
                out.push_str(&encode(&name));
                out.push('=');
                out.push_str(&encode(&value));
                out.push('&');
            }
        }
        out.push_str(&encode(size_param));
        out.push('=');
        out.push_str(&self.size.to_string());
        out
    }
}

/// Percent-encodes a query name or value.
pub(crate) fn encode(text: &str) -> String {
    utf8_percent_encode(text, QUERY_VALUE).to_string()
}

/// Whether a parameter is free text, where an empty value counts as not sent (not a date,
/// a date-time or another format, where it is a malformed value).
fn is_free_text(p: Option<&Parameter>) -> bool {
    p.is_none_or(|p| {
        p.schema_type().is_none_or(|t| t == "string")
            && p.enum_values().is_none()
            && p.format().is_none()
    })
}

/// Whether `text` is a valid value of a typed parameter; the message when not.
fn type_problem(p: &Parameter, text: &str) -> Option<String> {
    let name = &p.name;
    match p.schema_type() {
        Some("integer") => text
            .parse::<i64>()
            .is_err()
            .then(|| format!("The {name} field must be an integer.")),
        Some("number") => text
            .parse::<f64>()
            .is_err()
            .then(|| format!("The {name} field must be a number.")),
        Some("boolean") => (!matches!(text, "true" | "false" | "1" | "0"))
            .then(|| format!("The {name} field must be true or false.")),
        Some("string") => format_problem(p, text).or_else(|| length_problem(p, text)),
        _ => None,
    }
}

/// A date or date-time parameter whose value is not one (RFC 3339, as OpenAPI's formats are).
fn format_problem(p: &Parameter, text: &str) -> Option<String> {
    let name = &p.name;
    match p.format() {
        Some("date-time") => chrono::DateTime::parse_from_rfc3339(text)
            .is_err()
            .then(|| format!("The {name} field must be a date-time (RFC 3339).")),
        Some("date") => chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .is_err()
            .then(|| format!("The {name} field must be a date (YYYY-MM-DD).")),
        _ => None,
    }
}

/// An integer below the parameter's `minimum` or above its `maximum`.
fn range_problem(p: &Parameter, text: &str) -> Option<String> {
    let name = &p.name;
    let n = text.parse::<i128>().ok()?;
    if let Some(min) = p.minimum().filter(|m| n < i128::from(*m)) {
        return Some(format!("The {name} field must be at least {min}."));
    }
    if let Some(max) = p.maximum().filter(|m| n > i128::from(*m)) {
        return Some(format!("The {name} field must not be greater than {max}."));
    }
    None
}

/// A string longer or shorter than the schema's `maxLength` / `minLength`.
fn length_problem(p: &Parameter, text: &str) -> Option<String> {
    let name = &p.name;
    let len = text.chars().count() as u64;
    let bound = |k: &str| p.schema.get(k).and_then(serde_json::Value::as_u64);
    if let Some(max) = bound("maxLength").filter(|m| len > *m) {
        return Some(format!(
            "The {name} field must not be greater than {max} characters."
        ));
    }
    if let Some(min) = bound("minLength").filter(|m| len < *m) {
        return Some(format!(
            "The {name} field must be at least {min} characters."
        ));
    }
    None
}

impl App {
    /// The path parameters, validated against their schemas; the canonical text of each
    /// (an integer in decimal, whatever zeros it was sent with).
    pub(crate) fn path_values(
        &self,
        params: &[PathParam],
    ) -> Result<Vec<(String, String)>, ApiError> {
        let mut problems = Problems::new();
        let mut out = Vec::new();
        for (name, sent) in params {
            let Some(p) = self.api.op.parameter(name, Location::Path) else {
                continue;
            };
            let Ok(text) = sent else {
                problem(
                    &mut problems,
                    name,
                    format!("The {name} must be a valid UTF-8 string."),
                );
                continue;
            };
            if p.schema_type() != Some("integer") {
                out.push((name.clone(), text.clone()));
                continue;
            }
            match text.parse::<i128>() {
                Err(_) => problem(
                    &mut problems,
                    name,
                    format!("The {name} must be an integer."),
                ),
                Ok(n) if p.minimum().is_some_and(|m| n < i128::from(m)) => problem(
                    &mut problems,
                    name,
                    format!("The {name} must be at least {}.", p.minimum().unwrap_or(0)),
                ),
                Ok(n)
                    if p.maximum().is_some_and(|m| n > i128::from(m))
                        || i64::try_from(n).is_err() =>
                {
                    problem(
                        &mut problems,
                        name,
                        format!("The {name} must be an integer."),
                    )
                }
                Ok(n) => out.push((name.clone(), n.to_string())),
            }
        }
        if problems.is_empty() {
            Ok(out)
        } else {
            Err(self.invalid_params(problems))
        }
    }

    /// The refusal of invalid parameters.
    pub(crate) fn invalid_params(&self, problems: Problems) -> ApiError {
        ApiError::invalid(self.api.op.errors.invalid_param[0], problems)
            .with_kind(specs::ErrorKind::InvalidParam)
    }

    /// The filters and page size of the query; problems are collected.
    pub(crate) fn selection(&self, q: &Query, problems: &mut Problems) -> Selection<'_> {
        let lenient = self.mode == Some(ReadingMode::LenientParams);
        let mut active = Vec::new();
        let mut nothing = false;
        for filter in self.api.query_filters() {
            let name = &filter.param;
            let param = self.api.query_param(name);
            let sent = q.get_all(name);
            if sent.contains(&Value::NotUtf8) {
                match lenient {
                    true => nothing = true,
                    false => problem(
                        problems,
                        name,
                        format!("The {name} field must be a string."),
                    ),
                }
                continue;
            }
            let texts: Vec<String> = sent
                .iter()
                .filter_map(|v| match v {
                    Value::Text(t) => Some(t.to_string()),
                    _ => None,
                })
                .collect();
            let served = self.served(filter);
            let mut values = match filter.values_of(&texts) {
                // Not sent (or sent empty, for free text): the documented default applies.
                v if v.is_empty() || (v == [""] && is_free_text(param)) => match &served.default {
                    Some(d) => vec![d.clone()],
                    None => continue,
                },
                v => v,
            };
            if self.fault.is_some() && self.altered.iter().any(|a| a.param == filter.param) {
                self.fault_values(served, &mut values);
            }
            let mut valid = true;
            for v in &values {
                let sentinel = filter.sentinels.contains_key(v);
                let outside = !sentinel
                    && filter
                        .values
                        .as_ref()
                        .is_some_and(|values| !values.iter().any(|x| x == v));
                let typed = param
                    .filter(|_| !sentinel && filter.several.is_none())
                    .and_then(|p| type_problem(p, v));
                if outside && !lenient {
                    problem(problems, name, format!("The selected {name} is invalid."));
                    valid = false;
                } else if let (Some(message), false) = (typed, lenient) {
                    problem(problems, name, message);
                    valid = false;
                } else if filter.matching == Match::Owner
                    && self.mode == Some(ReadingMode::UnknownOwnerRefused)
                    && self.owner_index(filter, v).is_none()
                {
                    problem(problems, name, format!("The selected {name} is invalid."));
                    valid = false;
                }
            }
            if valid {
                active.push((filter, values));
            }
        }
        let (size, size_sent) = self.page_size(q, problems);
        let (sort, sort_sent) = self.sort_choice(q, problems);
        Selection {
            active,
            size,
            size_sent,
            nothing,
            sort,
            sort_sent,
        }
    }

    /// The owner an owner filter's value names (case-insensitively), by index.
    pub(crate) fn owner_index(&self, filter: &Filter, value: &str) -> Option<usize> {
        let set = self.data.owner_set(&filter.field)?;
        set.identities
            .get(&filter.param)?
            .iter()
            .position(|identity| identity.eq_ignore_ascii_case(value))
    }

    /// The effective page size and whether it was sent, or a problem.
    fn page_size(&self, q: &Query, problems: &mut Problems) -> (u64, bool) {
        let p = &self.api.pagination;
        let name = &p.size_param;
        if self.fault == Some(Fault::PerPageIgnored) {
            return (p.size_default, false);
        }
        let lenient = self.mode == Some(ReadingMode::LenientParams);
        let clamp_mode = self.mode == Some(ReadingMode::ClampOutOfRange);
        let bound = |accepted: &[Bound]| {
            if clamp_mode {
                Bound::Clamp
            } else {
                accepted.first().copied().unwrap_or(Bound::Reject)
            }
        };
        let not_integer = format!("The {name} field must be an integer.");
        let text = match q.get(name) {
            Value::Absent => return (p.size_default, false),
            Value::NotUtf8 if lenient => return (p.size_default, true),
            Value::NotUtf8 => {
                problem(problems, name, not_integer);
                return (p.size_default, true);
            }
            Value::Text(v) => v,
        };
        let beyond_type = self
            .api
            .query_param(name)
            .is_some_and(|q| !q.fits_format(text));
        if beyond_type && self.mode == Some(ReadingMode::FormatOverflowRefused) {
            problem(problems, name, not_integer);
            return (p.size_default, true);
        }
        let n = match text.parse::<i128>() {
            Ok(n) => n,
            Err(_) if lenient => return (p.size_default, true),
            Err(_) => {
                problem(problems, name, not_integer);
                return (p.size_default, true);
            }
        };
        let min = i128::from(p.size_min);
        let max = i128::from(p.size_max);
        if n < min {
            match bound(&p.under_min) {
                Bound::Clamp => return (p.size_min, true),
                Bound::Reject => problem(
                    problems,
                    name,
                    format!("The {name} field must be at least {min}."),
                ),
            }
        } else if n == min && self.fault == Some(Fault::MinimumRefused) {
            problem(
                problems,
                name,
                format!("The {name} field must be at least {}.", min + 1),
            );
        } else if n > max && self.fault != Some(Fault::PerPageUnbounded) {
            match bound(&p.over_max) {
                Bound::Clamp => return (p.size_max, true),
                Bound::Reject => problem(
                    problems,
                    name,
                    format!("The {name} field must not be greater than {max}."),
                ),
            }
        } else {
            return (u64::try_from(n).unwrap_or(u64::MAX), true);
        }
        (p.size_default, true)
    }

    /// `unknown-params-refused`: query parameters the operation does not declare.
    /// Query parameters with an `enum` that nothing else reads (no filter, no order): a value
    /// outside it is a problem, as for the others.
    pub(crate) fn enum_params(&self, q: &Query, problems: &mut Problems) {
        if self.mode == Some(ReadingMode::LenientParams) {
            return;
        }
        let sort = self.api.op.sort.as_ref();
        for p in self.api.op.parameters_in(Location::Query) {
            let read = self.api.query_filters().any(|f| f.param == p.name)
                || sort.is_some_and(|s| {
                    s.param == p.name
                        || matches!(&s.direction, specs::Direction::Param { name, .. } if *name == p.name)
                });
            let (Some(values), false) = (p.enum_values(), read) else {
                continue;
            };
            if let Value::Text(v) = q.get(&p.name) {
                if !values.iter().any(|x| x == v) {
                    let name = &p.name;
                    problem(problems, name, format!("The selected {name} is invalid."));
                }
            }
        }
    }

    /// Query parameters that nothing else reads (no filter, no order, none of the walk's, such
    /// as a page index kept for the client's state): a value not of the parameter's type or
    /// format, or outside its range, is a problem, as for the others.
    pub(crate) fn unread_params(&self, q: &Query, problems: &mut Problems) {
        if self.mode == Some(ReadingMode::LenientParams) {
            return;
        }
        let walk = &self.api.pagination;
        let sort = self.api.op.sort.as_ref();
        for p in self.api.op.parameters_in(Location::Query) {
            let name = p.name.as_str();
            let read = self.api.query_filters().any(|f| f.param == name)
                || walk.size_param == name
                || walk.position_param.as_deref() == Some(name)
                || walk.before_param.as_deref() == Some(name)
                || sort.is_some_and(|s| {
                    s.param == name
                        || matches!(&s.direction, specs::Direction::Param { name: d, .. } if d == name)
                });
            if read {
                continue;
            }
            if let Value::Text(v) = q.get(name) {
                if let Some(message) = type_problem(p, v).or_else(|| range_problem(p, v)) {
                    problem(problems, name, message);
                }
            }
        }
    }

    pub(crate) fn unknown_params(&self, q: &Query, problems: &mut Problems) {
        if self.mode != Some(ReadingMode::UnknownParamsRefused) {
            return;
        }
        let credential = match self.api.op.security.as_ref().map(|s| &s.kind) {
            Some(specs::SecurityKind::Query(name)) => Some(name.as_str()),
            _ => None,
        };
        for name in q.names() {
            if self.api.query_param(name).is_none() && Some(name) != credential {
                problem(
                    problems,
                    name,
                    format!("The {name} parameter is not allowed."),
                );
            }
        }
    }

    /// The filter as this mock serves it: altered by a filter fault, or as the spec says.
    pub(crate) fn served<'f>(&'f self, filter: &'f Filter) -> &'f Filter {
        self.altered
            .iter()
            .find(|a| a.param == filter.param)
            .unwrap_or(filter)
    }

    /// The values of the filter a fault breaks, as the fault changes them.
    fn fault_values(&self, filter: &Filter, values: &mut Vec<String>) {
        match self.fault {
            Some(Fault::SeveralFirstOnly) => values.truncate(1),
            Some(Fault::LiftingValueIgnored) => {
                if let (Some(default), Some(any)) = (&filter.default, filter.any_value()) {
                    for v in values.iter_mut().filter(|v| *v == any) {
                        *v = default.clone();
                    }
                }
            }
            _ => {}
        }
    }

    /// Whether an item passes one active filter with its values, combined as the filter's
    /// `several` says (the spec's `Filter::matches_all`, through [`App::passes`]).
    pub(crate) fn passes_all(&self, item: &Json, filter: &Filter, values: &[String]) -> bool {
        let mut each = values.iter().map(|v| self.passes(item, filter, v));
        match filter.several {
            Some(specs::Several::All) => each.all(|m| m),
            _ => each.any(|m| m),
        }
    }

    /// Whether an item passes one active filter: the spec's predicate (`Filter::matches`),
    /// the owner's items for an owner filter, and equality as the filter faults break it.
    pub(crate) fn passes(&self, item: &Json, filter: &Filter, value: &str) -> bool {
        let field = item.pointer(&filter.field);
        match filter.matching {
            Match::Equals if self.breaks_equality(filter) => {
                field.is_some_and(|f| self.loose_equals(f, value))
            }
            Match::Owner => {
                let Some(owner) = self.owner_index(filter, value) else {
                    return false;
                };
                let ids = self.data.owner_set(&filter.field).map(|s| &s.ids);
                field.is_some_and(|f| ids.and_then(|ids| ids.get(owner)) == Some(f))
            }
            _ => self.served(filter).matches(item, value) == Some(true),
        }
    }

    /// Whether a fault breaks equality for `filter`.
    fn breaks_equality(&self, filter: &Filter) -> bool {
        matches!(
            self.fault,
            Some(Fault::FilterPrefix | Fault::FilterCaseFolded)
        ) && self.api.free_equals_filters().any(|f| f == filter)
    }

    /// Equality as the `filter-prefix` (`LIKE 'v%'`) and `filter-case-folded` faults break it.
    fn loose_equals(&self, field: &Json, value: &str) -> bool {
        let text = match field {
            Json::String(s) => s.clone(),
            Json::Number(n) => n.to_string(),
            _ => return false,
        };
        match self.fault {
            Some(Fault::FilterPrefix) => text.starts_with(value),
            _ => text.to_lowercase() == value.to_lowercase(),
        }
    }
}
