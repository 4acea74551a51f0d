//! `x-filter`: how a parameter relates to the items returned, and the one predicate that says
//! whether an item matches a value (the reference mock filters with it, the suite judges with
//! it).

use serde::de::IgnoredAny;
use serde::Deserialize;
use serde_json::Value;

use super::deserialize;
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
    /// The item's `field` is an array containing the parameter value.
    Contains,
    /// The parameter identifies an owner that is not in the response; all matches share one
    /// value of `field` (the owner's id), and that value is never absent.
    Owner,
}

/// `x-filter` on a query or path parameter, with the parameter it sits on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filter {
    /// The parameter.
    pub param: String,
    /// Where it travels (query or path).
    pub location: Location,
    /// Inside an item, the field the filter constrains.
    pub field: Pointer,
    /// How the parameter value relates to the field.
    pub matching: Match,
    /// The parameter's `enum`, if it has one (from the schema, `$ref`s resolved).
    pub values: Option<Vec<String>>,
    /// A reading marked on the parameter.
    pub reading: Option<Reading>,
}

impl Filter {
    /// Whether `item` satisfies the filter with `value`; `None` for an owner filter, whose
    /// owner the item does not show. Numbers compare as numbers and booleans also as `1` and
    /// `0`, as a query string writes them.
    pub fn matches(&self, item: &Value, value: &str) -> Option<bool> {
        let field = item.pointer(&self.field);
        match self.matching {
            Match::Equals => Some(field.is_some_and(|f| equals(f, value))),
            Match::Contains => Some(
                field
                    .and_then(Value::as_array)
                    .is_some_and(|a| a.iter().any(|x| equals(x, value))),
            ),
            Match::Owner => None,
        }
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

/// `x-filter` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    field: Pointer,
    #[serde(rename = "match")]
    matching: Match,
    #[serde(rename = "x-reading")]
    _reading: Option<IgnoredAny>,
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
        if raw.field.is_root() {
            return Err(cx.error(
                &format!("{at}/field"),
                "`field` must point inside an item, starting with `/`",
            ));
        }
        if !matches!(p.location, Location::Query | Location::Path) {
            return Err(cx.error(
                &at,
                format!(
                    "`x-filter` is only meaningful on query or path parameters, `{}` is in {}",
                    p.name,
                    p.location.as_str()
                ),
            ));
        }
        filters.push(Filter {
            param: p.name.clone(),
            location: p.location,
            field: raw.field,
            matching: raw.matching,
            values: p.enum_values(),
            reading: covering(cx.readings, &p.pointer, None).cloned(),
        });
    }
    Ok(filters)
}
