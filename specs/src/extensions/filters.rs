//! `x-filter`: how a parameter relates to the items returned, and the one predicate that says
//! whether an item matches a value (the reference mock filters with it, the suite judges with
//! it).

use std::collections::BTreeMap;

use serde::de::IgnoredAny;
use serde::Deserialize;
use serde_json::Value;

use super::{deserialize, param_text};
use crate::model::{Location, OpContext, Parameter};
use crate::pointer::Pointer;
use crate::readings::{covering, Reading};
use crate::SpecError;

/// How a filter parameter relates to the items returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Match {
    /// The item's `field` equals the parameter value.
    Equals,
    /// The item's `field` is an array containing the parameter value (or, with `element`, an
    /// element whose member at `element` equals it).
    Contains,
    /// The parameter identifies an owner that is not in the response; all matches share one
    /// value of `field` (the owner's id), and that value is never absent.
    Owner,
    /// Free text: the value occurs in one of `fields` (as a substring, or a prefix with
    /// `search: prefix`).
    Search,
    /// The field is at least the value (dates, date-times and numbers compare as such).
    Gte,
    /// The field is more than the value.
    Gt,
    /// The field is at most the value.
    Lte,
    /// The field is less than the value.
    Lt,
    /// The field, a date-time or a date, falls on the value's date (`YYYY-MM-DD`, UTC): a
    /// date-time's UTC date equals it.
    OnDate,
}

impl Match {
    /// Whether the filter bounds a range of the field.
    pub fn is_range(self) -> bool {
        matches!(self, Match::Gte | Match::Gt | Match::Lte | Match::Lt)
    }

    /// The same bound, exclusive where this one is inclusive and the reverse (`gte` ↔ `gt`,
    /// `lte` ↔ `lt`); any other kind unchanged.
    pub fn other_bound(self) -> Match {
        match self {
            Match::Gte => Match::Gt,
            Match::Gt => Match::Gte,
            Match::Lte => Match::Lt,
            Match::Lt => Match::Lte,
            other => other,
        }
    }
}

/// How the several values of a multi-value filter combine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Several {
    /// An item matches when it matches any of the values (Slack's `types=a,b`, `id=1&id=2`).
    Any,
    /// An item matches when it matches every value (GitHub's `labels=a,b`).
    All,
}

/// How free text matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum SearchHow {
    /// The value occurs anywhere in the field.
    #[default]
    Substring,
    /// The field starts with the value.
    Prefix,
}

/// What a special value of a filter means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Sentinel {
    /// No filtering at all (GitHub's `state=all`).
    Any,
    /// The field has a value (GitHub's `assignee=*`): present, not null, not an empty array.
    Present,
    /// The field has none (GitHub's `assignee=none`): absent, null or an empty array.
    Absent,
}

/// `x-filter` on a query or path parameter, with the parameter it sits on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filter {
    /// The parameter.
    pub param: String,
    /// Where it travels (query or path).
    pub location: Location,
    /// Inside an item, the field the filter constrains (the first of `fields` for a search).
    pub field: Pointer,
    /// Every field a search looks in; `[field]` otherwise.
    pub fields: Vec<Pointer>,
    /// For `contains` over an array of objects: the member of each element compared.
    pub element: Option<Pointer>,
    /// How the parameter value relates to the field.
    pub matching: Match,
    /// Whether text compares without case (`case: insensitive`).
    pub ignore_case: bool,
    /// For a search: substring or prefix.
    pub search: SearchHow,
    /// For a parameter that takes several values (an array parameter): how they combine.
    pub several: Option<Several>,
    /// For a parameter of several values: whether they are repeated (`id=1&id=2`, an array
    /// with OpenAPI's `explode: true`, the default for query parameters) or comma-separated
    /// (an array with `explode: false`, or a text parameter with `several`).
    pub explode: bool,
    /// Values with a special meaning.
    pub sentinels: BTreeMap<String, Sentinel>,
    /// Values that stand for conditions on the item (`means`): each member at a pointer equals
    /// a JSON value (Slack's `types=im` selects `is_im: true`; `exclude_archived=true`
    /// selects `is_archived: false`).
    pub means: BTreeMap<String, Vec<(Pointer, Value)>>,
    /// The value applied when the parameter is absent (the parameter's schema `default`).
    pub default: Option<String>,
    /// The parameter's `enum` (its items' for an array parameter), if it has one.
    pub values: Option<Vec<String>>,
    /// A reading marked on the parameter.
    pub reading: Option<Reading>,
    /// A reading marked on `match` (a range bound the page leaves inclusive or exclusive).
    pub match_reading: Option<Reading>,
    /// A reading marked on `case` (the page does not say whether case counts).
    pub case_reading: Option<Reading>,
}

impl Filter {
    /// Whether `item` satisfies the filter with one `value`; `None` for an owner filter, whose
    /// owner the item does not show. Numbers compare as numbers and booleans also as `1` and
    /// `0`, as a query string writes them.
    pub fn matches(&self, item: &Value, value: &str) -> Option<bool> {
        if let Some(sentinel) = self.sentinels.get(value) {
            let field = item.pointer(&self.field);
            let empty = match field {
                None | Some(Value::Null) => true,
                Some(Value::Array(a)) => a.is_empty(),
                Some(_) => false,
            };
            return Some(match sentinel {
                Sentinel::Any => true,
                Sentinel::Present => !empty,
                Sentinel::Absent => empty,
            });
        }
        if let Some(conditions) = self.means.get(value) {
            return Some(
                conditions
                    .iter()
                    .all(|(at, want)| item.pointer(at) == Some(want)),
            );
        }
        let field = item.pointer(&self.field);
        let equal = |v: &Value| match self.ignore_case {
            true => equals_folded(v, value),
            false => equals(v, value),
        };
        match self.matching {
            Match::Equals => Some(field.is_some_and(equal)),
            Match::Contains => Some(self.elements(item).into_iter().any(equal)),
            Match::Owner => None,
            Match::Search => Some(self.fields.iter().any(|f| {
                item.pointer(f)
                    .and_then(Value::as_str)
                    .is_some_and(|text| self.finds(text, value))
            })),
            Match::OnDate => Some(
                field
                    .and_then(Value::as_str)
                    .and_then(utc_date)
                    .zip(utc_date(value))
                    .is_some_and(|(a, b)| a == b),
            ),
            Match::Gte | Match::Gt | Match::Lte | Match::Lt => {
                Some(field.and_then(|f| compare(f, value)).is_some_and(
                    |order| match self.matching {
                        Match::Gte => order.is_ge(),
                        Match::Gt => order.is_gt(),
                        Match::Lte => order.is_le(),
                        _ => order.is_lt(),
                    },
                ))
            }
        }
    }

    /// Every member of an item that [`Filter::matches`] reads: its fields, and the members
    /// the conditions of `means` name.
    pub fn reads(&self) -> Vec<&Pointer> {
        let mut out: Vec<&Pointer> = self.fields.iter().collect();
        for (at, _) in self.means.values().flatten() {
            if !out.contains(&at) {
                out.push(at);
            }
        }
        out
    }

    /// For `contains`: the values the filter compares in `item`, one per element of its
    /// array (with `element`, each element's member; an element that is itself a scalar, as
    /// where a `oneOf` allows a name or an object, counts as its own value).
    pub fn elements<'v>(&self, item: &'v Value) -> Vec<&'v Value> {
        let Some(array) = item.pointer(&self.field).and_then(Value::as_array) else {
            return Vec::new();
        };
        array
            .iter()
            .filter_map(|x| match (&self.element, x) {
                (Some(member), Value::Object(_)) => x.pointer(member),
                _ => Some(x),
            })
            .collect()
    }

    /// Whether `item` satisfies the filter with all the `values` a request gave (several only
    /// for a multi-value parameter), combined as `several` says.
    pub fn matches_all(&self, item: &Value, values: &[String]) -> Option<bool> {
        let mut each = values.iter().map(|v| self.matches(item, v));
        match self.several {
            Some(Several::All) => each.try_fold(true, |all, m| Some(all && m?)),
            _ => each.try_fold(false, |any, m| Some(any || m?)),
        }
    }

    /// The values a request gives the parameter: its repeated values (`explode: true`), or the
    /// comma-separated parts of its value (`explode: false`, where a repeated parameter is
    /// one value like any other, and the last wins); one value for a scalar parameter.
    pub fn values_of(&self, given: &[String]) -> Vec<String> {
        match (self.several, self.explode) {
            (Some(_), false) => given
                .last()
                .map(|v| v.split(',').map(str::to_string).collect())
                .unwrap_or_default(),
            (Some(_), true) => given.to_vec(),
            (None, _) => given.first().cloned().into_iter().collect(),
        }
    }

    /// `values` as the query parameter(s) of a request: `(name, value)` pairs.
    pub fn query(&self, values: &[String]) -> Vec<(String, String)> {
        match (self.several, self.explode) {
            (Some(_), false) => vec![(self.param.clone(), values.join(","))],
            _ => values
                .iter()
                .map(|v| (self.param.clone(), v.clone()))
                .collect(),
        }
    }

    /// The filter as the other plausible reading has it, where `match` (of a range) or `case`
    /// is a reading: the bound inclusive where the spec reads it exclusive and the reverse,
    /// case compared where the spec reads it ignored and the reverse. A server whose results
    /// agree with it follows that reading: a warning, not a failure.
    pub fn otherwise(&self) -> Option<(Filter, &Reading)> {
        let mut other = self.clone();
        let mut reading = None;
        if let (Some(r), true) = (&self.match_reading, self.matching.is_range()) {
            other.matching = self.matching.other_bound();
            reading = Some(r);
        }
        if let Some(r) = &self.case_reading {
            other.ignore_case = !self.ignore_case;
            reading = reading.or(Some(r));
        }
        Some((other, reading?))
    }

    /// The UTC date (`YYYY-MM-DD`) of a date-time (RFC 3339 or RFC 2822) or a date: what a
    /// request sends to select a date-time by a parameter that takes dates (`on-date`, or a
    /// range whose parameter has `format: date`).
    pub fn date_of(value: &Value) -> Option<String> {
        utc_date(value.as_str()?).map(|d| d.format("%Y-%m-%d").to_string())
    }

    /// Whether the parameter's default narrows the list when the parameter is absent: it has
    /// one, and it is not a value that stands for "no filtering" (Slack's `exclude_archived`
    /// defaults to `false`, which lists everything).
    pub fn narrows_by_default(&self) -> bool {
        self.default
            .as_ref()
            .is_some_and(|d| self.sentinels.get(d) != Some(&Sentinel::Any))
    }

    /// The values that lift the filter's default, so that a request lists every item: the
    /// value that stands for "no filtering" (`state=all`), or, for a filter of several values
    /// any of which selects an item, every value it takes (Slack's `types`, four of them,
    /// whose default is one). `None` where nothing lifts it.
    pub fn lifting(&self) -> Option<Vec<String>> {
        if let Some(any) = self.any_value() {
            return Some(vec![any.to_string()]);
        }
        if self.several != Some(Several::Any) {
            return None;
        }
        let every: Vec<String> = self
            .values
            .as_ref()?
            .iter()
            .filter(|v| !self.sentinels.contains_key(*v))
            .cloned()
            .collect();
        (!every.is_empty()).then_some(every)
    }

    /// The sentinel that stands for "no filtering", if the filter has one.
    pub fn any_value(&self) -> Option<&str> {
        self.sentinels
            .iter()
            .find(|(_, s)| **s == Sentinel::Any)
            .map(|(v, _)| v.as_str())
    }

    fn finds(&self, text: &str, value: &str) -> bool {
        let (text, value) = match self.ignore_case {
            true => (text.to_lowercase(), value.to_lowercase()),
            false => (text.to_string(), value.to_string()),
        };
        match self.search {
            SearchHow::Substring => text.contains(&value),
            SearchHow::Prefix => text.starts_with(&value),
        }
    }
}

impl crate::Operation {
    /// The query that lists every item: for each query filter whose default narrows the list,
    /// the values that lift it ([`Filter::lifting`]: `state=all`, or every type). A default
    /// that nothing lifts narrows every unfiltered request (see
    /// [`Operation::narrowing_default`]).
    pub fn unfiltered_query(&self) -> Vec<(String, String)> {
        self.filters
            .iter()
            .filter(|f| f.location == Location::Query && f.narrows_by_default())
            .filter_map(|f| Some(f.query(&f.lifting()?)))
            .flatten()
            .collect()
    }

    /// The first query filter whose default narrows the list with no value that lifts it:
    /// an "unfiltered" walk lists only the items of its default.
    pub fn narrowing_default(&self) -> Option<&Filter> {
        self.filters.iter().find(|f| {
            f.location == Location::Query && f.narrows_by_default() && f.lifting().is_none()
        })
    }
}

/// Whether a JSON scalar equals a value written in a query string.
pub fn equals(field: &Value, text: &str) -> bool {
    match field {
        Value::String(s) => s == text,
        Value::Number(n) => match (n.as_i64(), text.parse::<i64>()) {
            (Some(a), Ok(b)) => a == b,
            _ => text
                .parse::<f64>()
                .ok()
                .zip(n.as_f64())
                .is_some_and(|(a, b)| a == b),
        },
        Value::Bool(b) => matches!((b, text), (true, "true" | "1") | (false, "false" | "0")),
        _ => false,
    }
}

/// [`equals`], text compared without case.
fn equals_folded(field: &Value, text: &str) -> bool {
    match field {
        Value::String(s) => s.to_lowercase() == text.to_lowercase(),
        other => equals(other, text),
    }
}

/// How a field compares with a value written in a query string: numbers as numbers,
/// date-times (RFC 3339 or RFC 2822) as instants, a date-time with a date (`YYYY-MM-DD`) by its
/// UTC date (so `lte 2026-01-10` takes in the whole day and `gt 2026-01-10` starts the day
/// after), dates (and other text) as text, which orders ISO 8601 dates.
pub fn compare(field: &Value, text: &str) -> Option<std::cmp::Ordering> {
    match field {
        Value::Number(n) => n.as_f64()?.partial_cmp(&text.trim().parse::<f64>().ok()?),
        Value::String(s) => match (instant(s), instant(text)) {
            (Some(_), Some(_)) if is_date(text) && !is_date(s) => {
                Some(utc_date(s)?.cmp(&utc_date(text)?))
            }
            (Some(a), Some(b)) => Some(a.cmp(&b)),
            _ => Some(s.as_str().cmp(text)),
        },
        _ => None,
    }
}

/// A date-time, RFC 3339 (`2026-01-10T09:30:00Z`) or RFC 2822 (`Sat, 10 Jan 2026 09:30:00
/// +0000`, as some APIs write theirs).
fn date_time(text: &str) -> Option<chrono::DateTime<chrono::FixedOffset>> {
    chrono::DateTime::parse_from_rfc3339(text)
        .or_else(|_| chrono::DateTime::parse_from_rfc2822(text))
        .ok()
}

/// Whether `text` is a date, `YYYY-MM-DD`.
fn is_date(text: &str) -> bool {
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").is_ok()
}

/// The UTC date of a date-time, or a date itself.
fn utc_date(text: &str) -> Option<chrono::NaiveDate> {
    match date_time(text) {
        Some(t) => Some(t.with_timezone(&chrono::Utc).date_naive()),
        None => chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").ok(),
    }
}

/// A date-time as seconds and nanoseconds since the epoch; a date (`2026-01-10`) as its
/// midnight UTC.
fn instant(text: &str) -> Option<(i64, u32)> {
    if let Some(t) = date_time(text) {
        return Some((t.timestamp(), t.timestamp_subsec_nanos()));
    }
    let date = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()?;
    Some((date.and_hms_opt(0, 0, 0)?.and_utc().timestamp(), 0))
}

/// `x-filter` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct Raw {
    field: Option<Pointer>,
    #[serde(default)]
    fields: Vec<Pointer>,
    element: Option<Pointer>,
    #[serde(rename = "match")]
    matching: Match,
    #[serde(default)]
    case: Case,
    #[serde(default)]
    search: SearchHow,
    several: Option<Several>,
    #[serde(default)]
    sentinels: BTreeMap<String, Sentinel>,
    #[serde(default)]
    means: BTreeMap<String, BTreeMap<String, Value>>,
    #[serde(rename = "x-reading")]
    _reading: Option<IgnoredAny>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
enum Case {
    #[default]
    Sensitive,
    Insensitive,
}

pub(crate) fn read_filters(
    cx: &OpContext,
    parameters: &[Parameter],
) -> Result<Vec<Filter>, SpecError> {
    let mut filters = Vec::new();
    for p in parameters {
        let Some(node) = cx.raw.pointer(&p.pointer).and_then(|n| n.get("x-filter")) else {
            continue;
        };
        let at = format!("{}/x-filter", p.pointer);
        let raw: Raw = deserialize(cx.file, &at, node)?;
        filters.push(filter(cx, p, &at, raw)?);
    }
    Ok(filters)
}

/// One filter, its keys checked against each other and against the parameter.
fn filter(cx: &OpContext, p: &Parameter, at: &str, raw: Raw) -> Result<Filter, SpecError> {
    let means = means(cx, at, &raw)?;
    let first_condition = means.values().flatten().next().map(|(p, _)| p.clone());
    let fields: Vec<Pointer> = match (raw.field, raw.matching) {
        (Some(f), _) if raw.fields.is_empty() => vec![f],
        // Every value a condition: the field is the first one a value looks at.
        (None, Match::Equals) if raw.fields.is_empty() && first_condition.is_some() => {
            first_condition.into_iter().collect()
        }
        (None, Match::Search) if !raw.fields.is_empty() => raw.fields,
        (Some(_), _) => {
            return Err(cx.error(
                &format!("{at}/fields"),
                "give `field`, or for a search across several `fields`, not both",
            ))
        }
        (None, _) => {
            return Err(cx.error(
                at,
                "`field` is required (`fields`, a list, only for `match: search`; none where \
                 `means` says what each value selects)",
            ))
        }
    };
    if fields.iter().any(Pointer::is_root) {
        return Err(cx.error(
            &format!("{at}/field"),
            "`field` must point inside an item, starting with `/`",
        ));
    }
    if !matches!(p.location, Location::Query | Location::Path) {
        return Err(cx.error(
            at,
            format!(
                "`x-filter` is only meaningful on query or path parameters, `{}` is in {}",
                p.name,
                p.location.as_str()
            ),
        ));
    }
    if raw.element.is_some() && raw.matching != Match::Contains {
        return Err(cx.error(
            &format!("{at}/element"),
            "`element` names the member of each array element: only with `match: contains`",
        ));
    }
    let array = p.schema_type() == Some("array");
    let text = p.schema_type().is_none_or(|t| t == "string");
    let several = match (raw.several, array) {
        (Some(s), true) => Some(s),
        (None, true) => Some(Several::Any),
        // A text parameter documented as a comma-separated list (GitHub's `labels`).
        (Some(s), false) if text => Some(s),
        (Some(_), false) => {
            return Err(cx.error(
                &format!("{at}/several"),
                format!(
                    "`several` combines the values of an array parameter, or of a text one \
                     written as a comma-separated list; `{}` is neither",
                    p.name
                ),
            ))
        }
        (None, false) => None,
    };
    let schema = match array {
        true => p.schema.get("items").cloned().unwrap_or(Value::Null),
        false => p.schema.clone(),
    };
    let texts = |v: &Value| {
        v.as_array()
            .map(|a| a.iter().filter_map(param_text).collect())
    };
    // A text parameter holds its several values in one comma-separated value.
    let explode = array && p.explode;
    Ok(Filter {
        param: p.name.clone(),
        location: p.location,
        field: fields[0].clone(),
        fields,
        element: raw.element,
        matching: raw.matching,
        ignore_case: raw.case == Case::Insensitive,
        search: raw.search,
        several,
        explode,
        sentinels: raw.sentinels.clone(),
        default: p.default().and_then(|d| match d {
            Value::Array(a) => a.first().and_then(param_text),
            other => param_text(other),
        }),
        // Where the values stand for conditions, they are the parameter's domain.
        values: schema.get("enum").and_then(texts).or_else(|| {
            (!means.is_empty()).then(|| means.keys().chain(raw.sentinels.keys()).cloned().collect())
        }),
        means,
        reading: covering(cx.readings, &p.pointer, None).cloned(),
        match_reading: covering(cx.readings, at, Some("match")).cloned(),
        case_reading: covering(cx.readings, at, Some("case")).cloned(),
    })
}

/// `means`: each value's conditions, pointers inside an item to the JSON values they must
/// equal; only for `match: equals`, with at least one condition per value.
fn means(
    cx: &OpContext,
    at: &str,
    raw: &Raw,
) -> Result<BTreeMap<String, Vec<(Pointer, Value)>>, SpecError> {
    let mut means = BTreeMap::new();
    if !raw.means.is_empty() && raw.matching != Match::Equals {
        return Err(cx.error(
            &format!("{at}/means"),
            "`means` says what each value selects: only with `match: equals`",
        ));
    }
    for (value, conditions) in &raw.means {
        let here = format!("{at}/means/{}", crate::pointer::escape(value));
        if conditions.is_empty() {
            return Err(cx.error(
                &here,
                "at least one condition (a value that selects everything is a sentinel: `any`)",
            ));
        }
        if raw.sentinels.contains_key(value) {
            return Err(cx.error(&here, format!("`{value}` is a sentinel already")));
        }
        let mut list = Vec::new();
        for (pointer, want) in conditions {
            let parsed = Pointer::parse(pointer)
                .ok()
                .filter(|p| !p.is_root())
                .ok_or_else(|| {
                    cx.error(
                        &here,
                        format!("`{pointer}` must point inside an item, starting with `/`"),
                    )
                })?;
            list.push((parsed, want.clone()));
        }
        means.insert(value.clone(), list);
    }
    Ok(means)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn filter(matching: Match) -> Filter {
        Filter {
            param: "p".into(),
            location: Location::Query,
            field: Pointer::parse("/a").unwrap(),
            fields: vec![Pointer::parse("/a").unwrap()],
            element: None,
            matching,
            ignore_case: false,
            search: SearchHow::Substring,
            several: None,
            explode: true,
            sentinels: BTreeMap::new(),
            means: BTreeMap::new(),
            default: None,
            values: None,
            reading: None,
            match_reading: None,
            case_reading: None,
        }
    }

    #[test]
    fn a_search_looks_in_every_field_as_a_substring_or_prefix_with_or_without_case() {
        let mut f = filter(Match::Search);
        f.fields.push(Pointer::parse("/b").unwrap());
        let item = json!({"a": "Alpha Centauri", "b": "north star"});
        assert_eq!(f.matches(&item, "Centauri"), Some(true));
        assert_eq!(f.matches(&item, "star"), Some(true), "the second field");
        assert_eq!(f.matches(&item, "centauri"), Some(false), "case kept");
        f.ignore_case = true;
        assert_eq!(f.matches(&item, "centauri"), Some(true));
        f.search = SearchHow::Prefix;
        assert_eq!(f.matches(&item, "centauri"), Some(false));
        assert_eq!(f.matches(&item, "NORTH"), Some(true));
    }

    #[test]
    fn ranges_compare_numbers_instants_and_dates_inclusive_or_not() {
        let at = json!({"a": "2026-01-10T12:00:00Z"});
        assert_eq!(
            filter(Match::Gte).matches(&at, "2026-01-10T12:00:00Z"),
            Some(true)
        );
        assert_eq!(
            filter(Match::Gt).matches(&at, "2026-01-10T12:00:00Z"),
            Some(false)
        );
        // Another offset, the same instant.
        assert_eq!(
            filter(Match::Lte).matches(&at, "2026-01-10T13:00:00+01:00"),
            Some(true)
        );
        assert_eq!(
            filter(Match::Lt).matches(&at, "2026-01-10T13:00:00+01:00"),
            Some(false)
        );
        // A date is its midnight.
        assert_eq!(filter(Match::Gte).matches(&at, "2026-01-10"), Some(true));
        assert_eq!(filter(Match::Lt).matches(&at, "2026-01-10"), Some(false));
        let n = json!({"a": 9});
        assert_eq!(
            filter(Match::Lt).matches(&n, "10"),
            Some(true),
            "9 < 10, not '9' > '10'"
        );
        assert_eq!(
            filter(Match::Gte).matches(&json!({}), "1"),
            Some(false),
            "absent"
        );
    }

    #[test]
    fn a_date_bound_compares_a_date_times_utc_date_in_either_format() {
        // 23:30 at -02:00 is the next day in UTC; RFC 2822 reads like RFC 3339.
        for at in [
            json!({"a": "2026-01-10T23:30:00-02:00"}),
            json!({"a": "Sat, 10 Jan 2026 23:30:00 -0200"}),
        ] {
            let on = filter(Match::OnDate);
            assert_eq!(on.matches(&at, "2026-01-11"), Some(true), "{at}");
            assert_eq!(on.matches(&at, "2026-01-10"), Some(false), "{at}");
            // `lte` a date takes in the whole day, `gt` starts the day after.
            assert_eq!(filter(Match::Lte).matches(&at, "2026-01-11"), Some(true));
            assert_eq!(filter(Match::Lt).matches(&at, "2026-01-11"), Some(false));
            assert_eq!(filter(Match::Gt).matches(&at, "2026-01-11"), Some(false));
            assert_eq!(filter(Match::Gte).matches(&at, "2026-01-11"), Some(true));
            assert_eq!(filter(Match::Gt).matches(&at, "2026-01-10"), Some(true));
            // Against a date-time the instant counts.
            assert_eq!(
                filter(Match::Lt).matches(&at, "2026-01-11T01:30:01Z"),
                Some(true)
            );
        }
        let on = filter(Match::OnDate);
        assert_eq!(
            on.matches(&json!({"a": "2026-01-11"}), "2026-01-11"),
            Some(true)
        );
        assert_eq!(on.matches(&json!({"a": null}), "2026-01-11"), Some(false));
        assert_eq!(on.matches(&json!({"a": "soon"}), "2026-01-11"), Some(false));
    }

    #[test]
    fn several_values_combine_as_any_or_all_and_travel_as_the_style_says() {
        let mut f = filter(Match::Contains);
        f.several = Some(Several::All);
        f.explode = false;
        let item = json!({"a": ["bug", "ui"]});
        let values = f.values_of(&["bug,ui".into()]);
        assert_eq!(values, ["bug", "ui"]);
        assert_eq!(f.matches_all(&item, &values), Some(true));
        let more = f.values_of(&["bug,docs".into()]);
        assert_eq!(f.matches_all(&item, &more), Some(false));
        assert_eq!(f.query(&more), [("p".to_string(), "bug,docs".to_string())]);
        f.several = Some(Several::Any);
        assert_eq!(f.matches_all(&item, &more), Some(true));
        f.explode = true;
        assert_eq!(f.values_of(&["a".into(), "b,c".into()]), ["a", "b,c"]);
        f.explode = false;
        assert_eq!(
            f.values_of(&["a".into(), "b,c".into()]),
            ["b", "c"],
            "the last wins"
        );
        f.explode = true;
        assert_eq!(f.query(&more).len(), 2, "repeated");
        // An in-list of identities is exact: no prefix, no case folding.
        let mut ids = filter(Match::Equals);
        ids.several = Some(Several::Any);
        let item = json!({"a": "K-12"});
        assert_eq!(
            ids.matches_all(&item, &["K-1".into(), "k-12".into()]),
            Some(false)
        );
        assert_eq!(
            ids.matches_all(&item, &["K-1".into(), "K-12".into()]),
            Some(true)
        );
    }

    #[test]
    fn sentinels_mean_any_present_or_absent() {
        let mut f = filter(Match::Equals);
        f.sentinels.insert("all".into(), Sentinel::Any);
        f.sentinels.insert("*".into(), Sentinel::Present);
        f.sentinels.insert("none".into(), Sentinel::Absent);
        assert_eq!(f.any_value(), Some("all"));
        for (item, any, present, absent) in [
            (json!({"a": "x"}), true, true, false),
            (json!({"a": null}), true, false, true),
            (json!({"a": []}), true, false, true),
            (json!({}), true, false, true),
        ] {
            assert_eq!(f.matches(&item, "all"), Some(any));
            assert_eq!(f.matches(&item, "*"), Some(present), "{item}");
            assert_eq!(f.matches(&item, "none"), Some(absent), "{item}");
        }
    }

    /// A value that stands for conditions selects the items that meet every one of them, and
    /// combines with the others of a multi-value parameter as `several` says.
    #[test]
    fn values_that_mean_conditions_select_items_meeting_all_of_them() {
        let p = |s: &str| Pointer::parse(s).unwrap();
        let mut f = filter(Match::Equals);
        f.several = Some(Several::Any);
        f.means.insert(
            "public".into(),
            vec![(p("/private"), json!(false)), (p("/im"), json!(false))],
        );
        f.means.insert("im".into(), vec![(p("/im"), json!(true))]);
        let public = json!({"private": false, "im": false});
        let private = json!({"private": true, "im": false});
        let im = json!({"private": false, "im": true});
        assert_eq!(f.matches(&public, "public"), Some(true));
        assert_eq!(f.matches(&private, "public"), Some(false));
        assert_eq!(
            f.matches(&im, "public"),
            Some(false),
            "every condition must hold"
        );
        assert_eq!(f.matches(&json!({"private": false}), "public"), Some(false));
        let both = ["public".to_string(), "im".to_string()];
        assert_eq!(f.matches_all(&im, &both), Some(true));
        assert_eq!(f.matches_all(&private, &both), Some(false));
        assert_eq!(f.reads(), [&p("/a"), &p("/im"), &p("/private")]);
    }
}
