//! `x-sort` served: the order a request asks for (or the default), the matches sorted by the
//! spec's comparison, and the faults that break it.

use specs::{Direction, SortChoice};

use crate::data::Item;
use crate::errors::{problem, Problems};
use crate::faults::Fault;
use crate::query::{Query, Value};
use crate::server::App;

impl App {
    /// The order the request asks for: `None` without `x-sort`, or when the parameter is
    /// absent and the spec states no default. A value that is no order is a problem.
    pub(crate) fn sort_choice(
        &self,
        q: &Query,
        problems: &mut Problems,
    ) -> (Option<SortChoice>, bool) {
        let Some(sort) = &self.api.op.sort else {
            return (None, false);
        };
        // An empty value is a value: one no order or direction has.
        let text = |name: &str| match q.get(name) {
            Value::Text(v) => Some(v),
            _ => None,
        };
        let value = text(&sort.param);
        let direction = match &sort.direction {
            Direction::Param { name, .. } => text(name),
            Direction::Prefix { .. } => None,
        };
        let sent = value.is_some() || direction.is_some();
        let documented = |v: &str| {
            self.api
                .query_param(&sort.param)
                .and_then(|p| p.enum_values())
                .is_some_and(|values| values.iter().any(|x| x == v))
        };
        match sort.choice(value, direction) {
            Ok(choice) => (choice, sent),
            // An order the parameter documents that x-sort maps to no field: key order.
            Err(_) if value.is_some_and(documented) && sort.choice(None, direction).is_ok() => {
                (None, true)
            }
            Err(message) => {
                let name = match (&sort.direction, value) {
                    (Direction::Param { name, .. }, Some(v))
                        if sort.choice(Some(v), None).is_ok() =>
                    {
                        name.clone()
                    }
                    _ => sort.param.clone(),
                };
                problem(
                    problems,
                    &name,
                    format!("The selected {name} is invalid: {message}."),
                );
                (None, false)
            }
        }
    }

    /// The matches in the order `choice` asks for, as the faults serve it; equal items keep
    /// their key order.
    pub(crate) fn sorted(
        &self,
        items: &[Item],
        mut matched: Vec<usize>,
        choice: Option<&SortChoice>,
        sent: bool,
    ) -> Vec<usize> {
        let (Some(sort), Some(choice)) = (&self.api.op.sort, choice) else {
            return matched;
        };
        let mut choice = choice.clone();
        match self.fault {
            Some(Fault::SortIgnored) if sent => return matched,
            Some(Fault::SortDirectionIgnored) => choice.descending = false,
            Some(Fault::SortDefaultReversed) if !sent => choice.descending = !choice.descending,
            _ => {}
        }
        matched.sort_by(|&a, &b| {
            let (a, b) = (&items[a].value, &items[b].value);
            sort.compare(&choice, a, b).unwrap_or_else(|| {
                // Where the spec does not say where items without a value go: last.
                let has = |v: &serde_json::Value| {
                    v.pointer(&choice.order.field).is_some_and(|x| !x.is_null())
                };
                has(b).cmp(&has(a))
            })
        });
        matched
    }
}

/// Whether a fault breaks sorting and the spec has something for it to break.
pub(crate) fn sort_fault_applies(fault: Fault, api: &crate::api::Api) -> Result<(), String> {
    let sort = api.op.sort.as_ref().ok_or("no x-sort")?;
    match fault {
        Fault::SortDefaultReversed if sort.default.is_none() => {
            Err("x-sort states no default order".into())
        }
        _ => Ok(()),
    }
}
