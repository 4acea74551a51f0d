//! `x-sort`: the order parameter of a list, the item field each of its values orders by, how
//! descending is asked for, the order without the parameter, the tie-breaker and where items
//! without a value go; and the one comparison that says whether two items are in order (the
//! reference mock sorts with it, the suite judges with it).

use std::cmp::Ordering;
use std::collections::BTreeMap;

use serde::de::IgnoredAny;
use serde::Deserialize;
use serde_json::Value;

use super::{read, Fact};
use crate::model::{Location, OpContext, Parameter};
use crate::pointer::Pointer;
use crate::SpecError;

/// How a request asks for the descending order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Direction {
    /// A second parameter (GitHub's `sort=created&direction=asc`).
    Param {
        /// Its name.
        name: String,
        /// The value that asks for ascending order.
        ascending: String,
        /// The value that asks for descending order.
        descending: String,
    },
    /// A prefix on the order value (`orderBy=-name`; `+name` or `name` ascending).
    Prefix {
        /// The prefix of a descending order.
        descending: String,
        /// The prefix of an explicitly ascending order, if the API has one.
        ascending: Option<String>,
    },
}

/// Where items without a value of the sort field (absent or null) go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Nulls {
    /// Before every item with a value, in either direction.
    First,
    /// After every item with a value, in either direction.
    Last,
}

/// One value of the order parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Order {
    /// The parameter value (`created`).
    pub value: String,
    /// The item field it orders by.
    pub field: Pointer,
    /// Whether it is descending when no direction is given.
    pub descending: bool,
}

/// An order a request asks for: one of the orders, in one direction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SortChoice {
    /// The order.
    pub order: Order,
    /// Whether it is descending.
    pub descending: bool,
}

/// `x-sort` on a list operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sort {
    /// The order parameter.
    pub param: String,
    /// How descending is asked for.
    pub direction: Direction,
    /// Each value of the order parameter, in spec order.
    pub orders: Vec<Order>,
    /// The order without the parameter (`None` where the page does not say).
    pub default: Option<String>,
    /// The field that orders items with equal values, in the same direction, if stated.
    pub tie_breaker: Option<Pointer>,
    /// Where items without a value go; `None` where the page does not say, and then such
    /// items are not judged.
    pub nulls: Fact<Option<Nulls>>,
}

impl Sort {
    /// The order value `value` names.
    pub fn order(&self, value: &str) -> Option<&Order> {
        self.orders.iter().find(|o| o.value == value)
    }

    /// The order without any parameter, in its own direction.
    pub fn default_choice(&self) -> Option<SortChoice> {
        let order = self.order(self.default.as_deref()?)?;
        Some(SortChoice {
            order: order.clone(),
            descending: order.descending,
        })
    }

    /// The order a request asks for, from the values of its order parameter and of its
    /// direction parameter (`None` when it sends none): the default when the order parameter
    /// is absent; `Err` names a value that is no order or direction.
    pub fn choice(
        &self,
        value: Option<&str>,
        direction: Option<&str>,
    ) -> Result<Option<SortChoice>, String> {
        let (name, prefixed) = match (&self.direction, value) {
            (_, None) => (self.default.as_deref(), None),
            (Direction::Prefix { descending, .. }, Some(v))
                if v.starts_with(descending.as_str()) =>
            {
                (Some(&v[descending.len()..]), Some(true))
            }
            (
                Direction::Prefix {
                    ascending: Some(asc),
                    ..
                },
                Some(v),
            ) if v.starts_with(asc.as_str()) => (Some(&v[asc.len()..]), Some(false)),
            (_, Some(v)) => (Some(v), None),
        };
        let Some(name) = name else {
            return Ok(None);
        };
        let order = self
            .order(name)
            .ok_or_else(|| format!("`{name}` is not an order of {}", self.param))?;
        let descending = match (&self.direction, direction, prefixed) {
            (_, _, Some(d)) => d,
            (Direction::Param { ascending, .. }, Some(d), _) if d == ascending => false,
            (Direction::Param { descending, .. }, Some(d), _) if d == descending => true,
            (Direction::Param { name, .. }, Some(d), _) => {
                return Err(format!("`{d}` is not a direction of {name}"))
            }
            _ => order.descending,
        };
        Ok(Some(SortChoice {
            order: order.clone(),
            descending,
        }))
    }

    /// The query that asks for `choice`: `(name, value)` pairs.
    pub fn query(&self, choice: &SortChoice) -> Vec<(String, String)> {
        match &self.direction {
            Direction::Param {
                name,
                ascending,
                descending,
            } => vec![
                (self.param.clone(), choice.order.value.clone()),
                (
                    name.clone(),
                    match choice.descending {
                        true => descending.clone(),
                        false => ascending.clone(),
                    },
                ),
            ],
            Direction::Prefix { descending, .. } => {
                let prefix = if choice.descending {
                    descending.as_str()
                } else {
                    ""
                };
                vec![(
                    self.param.clone(),
                    format!("{prefix}{}", choice.order.value),
                )]
            }
        }
    }

    /// Every order in both directions.
    pub fn choices(&self) -> Vec<SortChoice> {
        self.orders
            .iter()
            .flat_map(|o| {
                [false, true].map(|descending| SortChoice {
                    order: o.clone(),
                    descending,
                })
            })
            .collect()
    }

    /// How `a` and `b` compare in the order `choice` (`Less`: `a` comes first). Items whose
    /// sort field has no value compare as `nulls` says; `None` when that is not stated, or
    /// when the values cannot be compared (a number and a text). Equal values compare by the
    /// tie-breaker where one is stated, and are `Equal` otherwise (either order is right).
    pub fn compare(&self, choice: &SortChoice, a: &Value, b: &Value) -> Option<Ordering> {
        let directed = |o: Ordering| if choice.descending { o.reverse() } else { o };
        let first = match (
            value_at(a, &choice.order.field),
            value_at(b, &choice.order.field),
        ) {
            (Some(x), Some(y)) => directed(compare_values(x, y)?),
            (None, None) => Ordering::Equal,
            (None, Some(_)) => match *self.nulls {
                Some(Nulls::First) => Ordering::Less,
                Some(Nulls::Last) => Ordering::Greater,
                None => return None,
            },
            (Some(_), None) => match *self.nulls {
                Some(Nulls::First) => Ordering::Greater,
                Some(Nulls::Last) => Ordering::Less,
                None => return None,
            },
        };
        if first != Ordering::Equal {
            return Some(first);
        }
        let Some(tie) = &self.tie_breaker else {
            return Some(Ordering::Equal);
        };
        match (value_at(a, tie), value_at(b, tie)) {
            (Some(x), Some(y)) => Some(directed(compare_values(x, y)?)),
            _ => Some(Ordering::Equal),
        }
    }
}

/// The value at `field`, absent for null.
fn value_at<'v>(item: &'v Value, field: &Pointer) -> Option<&'v Value> {
    item.pointer(field).filter(|v| !v.is_null())
}

/// How two JSON values order: numbers as numbers, RFC 3339 date-times as instants (whatever
/// their offsets), other text as text (which orders ISO 8601 dates), booleans false first.
pub fn compare_values(a: &Value, b: &Value) -> Option<Ordering> {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64()?.partial_cmp(&y.as_f64()?),
        (Value::String(_), Value::String(y)) => super::filters::compare(a, y),
        (Value::Bool(x), Value::Bool(y)) => Some(x.cmp(y)),
        _ => None,
    }
}

/// `x-sort` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct Raw {
    param: String,
    direction: RawDirection,
    orders: BTreeMap<String, RawOrder>,
    default: Option<String>,
    tie_breaker: Option<Pointer>,
    nulls: Option<Nulls>,
    #[serde(rename = "x-reading")]
    _reading: Option<IgnoredAny>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawDirection {
    param: Option<String>,
    ascending: Option<String>,
    descending: Option<String>,
    prefix: Option<String>,
    ascending_prefix: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum RawOrder {
    Field(Pointer),
    Full(RawOrderFull),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawOrderFull {
    field: Pointer,
    #[serde(default)]
    descending: bool,
}

pub(crate) fn read_sort(
    cx: &OpContext,
    parameters: &[Parameter],
) -> Result<Option<Sort>, SpecError> {
    let Some((raw, ext)) = read::<Raw>(cx, "x-sort")? else {
        return Ok(None);
    };
    let is_query = |name: &str| {
        parameters
            .iter()
            .any(|p| p.name == name && p.location == Location::Query)
    };
    if !is_query(&raw.param) {
        return Err(ext.error(
            "param",
            format!("`{}` is not a query parameter of this operation", raw.param),
        ));
    }
    let d = raw.direction;
    let direction =
        match (d.param, d.prefix) {
            (Some(name), None) => {
                if !is_query(&name) {
                    return Err(ext.error(
                        "direction",
                        format!("`{name}` is not a query parameter of this operation"),
                    ));
                }
                if d.ascending_prefix.is_some() {
                    return Err(ext.error("direction", "`ascending-prefix` goes with `prefix`"));
                }
                Direction::Param {
                    name,
                    ascending: d.ascending.unwrap_or_else(|| "asc".into()),
                    descending: d.descending.unwrap_or_else(|| "desc".into()),
                }
            }
            (None, Some(prefix)) if !prefix.is_empty() => {
                if d.ascending.is_some() || d.descending.is_some() {
                    return Err(ext.error(
                        "direction",
                        "`ascending` and `descending` name the values of a direction `param`",
                    ));
                }
                Direction::Prefix {
                    descending: prefix,
                    ascending: d.ascending_prefix,
                }
            }
            _ => return Err(ext.error(
                "direction",
                "give either `param` (a direction parameter) or `prefix` (the descending prefix)",
            )),
        };
    let mut orders = Vec::new();
    for (value, order) in raw.orders {
        let (field, descending) = match order {
            RawOrder::Field(f) => (f, false),
            RawOrder::Full(o) => (o.field, o.descending),
        };
        if field.is_root() {
            return Err(ext.error(
                "orders",
                format!("the field of `{value}` must point inside an item, starting with `/`"),
            ));
        }
        orders.push(Order {
            value,
            field,
            descending,
        });
    }
    if orders.is_empty() {
        return Err(ext.error("orders", "at least one order is required"));
    }
    if let Some(default) = &raw.default {
        if !orders.iter().any(|o| &o.value == default) {
            return Err(ext.error("default", format!("`{default}` is not one of the orders")));
        }
    }
    Ok(Some(Sort {
        param: raw.param,
        direction,
        orders,
        default: raw.default,
        tie_breaker: raw.tie_breaker,
        nulls: ext.fact("nulls", raw.nulls),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sort(direction: Direction) -> Sort {
        Sort {
            param: "sort".into(),
            direction,
            orders: vec![
                Order {
                    value: "created".into(),
                    field: Pointer::parse("/created_at").unwrap(),
                    descending: true,
                },
                Order {
                    value: "points".into(),
                    field: Pointer::parse("/points").unwrap(),
                    descending: false,
                },
            ],
            default: Some("created".into()),
            tie_breaker: None,
            nulls: Fact::documented(None),
        }
    }

    fn pair() -> Direction {
        Direction::Param {
            name: "direction".into(),
            ascending: "asc".into(),
            descending: "desc".into(),
        }
    }

    #[test]
    fn a_request_names_its_order_by_value_and_direction_or_prefix() {
        let s = sort(pair());
        let c = s.choice(None, None).unwrap().unwrap();
        assert_eq!((c.order.value.as_str(), c.descending), ("created", true));
        let c = s.choice(Some("points"), None).unwrap().unwrap();
        assert!(!c.descending, "the order's own direction");
        let c = s.choice(Some("points"), Some("desc")).unwrap().unwrap();
        assert!(c.descending);
        assert_eq!(
            s.query(&c),
            [
                ("sort".into(), "points".into()),
                ("direction".into(), "desc".into())
            ]
        );
        assert!(s.choice(Some("nope"), None).is_err());
        assert!(s.choice(Some("points"), Some("down")).is_err());
        let p = sort(Direction::Prefix {
            descending: "-".into(),
            ascending: Some("+".into()),
        });
        let c = p.choice(Some("-points"), None).unwrap().unwrap();
        assert!(c.descending);
        assert_eq!(p.query(&c), [("sort".into(), "-points".into())]);
        assert!(!p.choice(Some("+points"), None).unwrap().unwrap().descending);
    }

    #[test]
    fn items_compare_by_field_direction_tie_breaker_and_nulls() {
        let mut s = sort(pair());
        let c = s.choice(Some("created"), Some("asc")).unwrap().unwrap();
        let a = json!({"id": 2, "created_at": "2026-01-10T12:00:00Z"});
        let b = json!({"id": 1, "created_at": "2026-01-10T13:00:00+02:00"});
        assert_eq!(
            s.compare(&c, &a, &b),
            Some(Ordering::Greater),
            "instants, not text"
        );
        let desc = s.choice(Some("created"), Some("desc")).unwrap().unwrap();
        assert_eq!(s.compare(&desc, &a, &b), Some(Ordering::Less));
        let same = json!({"id": 1, "created_at": "2026-01-10T12:00:00Z"});
        assert_eq!(s.compare(&c, &a, &same), Some(Ordering::Equal));
        s.tie_breaker = Some(Pointer::parse("/id").unwrap());
        assert_eq!(s.compare(&c, &a, &same), Some(Ordering::Greater));
        let none = json!({"id": 3, "created_at": null});
        assert_eq!(s.compare(&c, &none, &a), None, "unstated: not judged");
        s.nulls = Fact::documented(Some(Nulls::Last));
        assert_eq!(s.compare(&c, &none, &a), Some(Ordering::Greater));
        assert_eq!(
            s.compare(&desc, &none, &a),
            Some(Ordering::Greater),
            "last either way"
        );
    }
}
