//! Peeker `GET /domains`: bearer key, filters (AND), `per_page`, `page_token`, `links` and `meta`.
//!
//! Filter parameters, their enums and how each relates to the items come from the spec's
//! `x-filter`s; sizes and parameter names from `x-pagination`; statuses from `x-errors`.

use std::collections::BTreeMap;

use axum::http::{header, HeaderMap};
use axum::response::Response;
use specs::{Filter, Match};

use super::data::PeekerData;
use super::errors::ApiError;
use super::faults::Fault;
use super::query::{Query, Value};
use super::server::{App, Page};

fn json_string(s: &str) -> String {
    serde_json::Value::from(s).to_string()
}

/// The bearer token of an `Authorization` header, if the header has the `Bearer` scheme.
fn bearer(headers: &HeaderMap) -> Option<Result<&str, ()>> {
    let value = headers.get(header::AUTHORIZATION)?;
    let Ok(value) = value.to_str() else {
        return Some(Err(()));
    };
    match value.split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => Some(Ok(token.trim())),
        _ => Some(Err(())),
    }
}

impl App {
    fn matches(
        &self,
        data: &PeekerData,
        item: &serde_json::Value,
        filter: &Filter,
        value: &str,
    ) -> bool {
        let field = item.pointer(&filter.field);
        match filter.matching {
            Match::Equals => field.and_then(|f| f.as_str()) == Some(value),
            Match::Contains => field
                .and_then(|f| f.as_array())
                .is_some_and(|a| a.iter().any(|x| x.as_str() == Some(value))),
            // Emails are matched case-insensitively, as mail addresses are in practice.
            Match::Owner => data
                .users
                .iter()
                .find(|u| u.email.eq_ignore_ascii_case(value))
                .is_some_and(|u| field.and_then(|f| f.as_str()) == Some(u.id.as_str())),
        }
    }

    pub(crate) fn list_domains(
        &self,
        data: &PeekerData,
        headers: &HeaderMap,
        q: &Query,
    ) -> Result<Response, ApiError> {
        match bearer(headers) {
            None if self.fault == Some(Fault::MissingKeyAccepted) => {}
            None => return Err(self.missing_key("Unauthenticated.")),
            Some(Ok(token)) if token == data.token => {}
            Some(_) => return Err(self.invalid_key("Unauthenticated.")),
        }

        let mut errors: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let mut active: Vec<(&Filter, &str)> = Vec::new();
        for filter in &self.filters {
            let name = &filter.param;
            match q.get(name) {
                Value::Absent => {}
                // An empty free-text filter is not a filter (an empty enum value is refused).
                Value::Text("") if filter.values.is_none() => {}
                Value::NotUtf8 => errors
                    .entry(name.clone())
                    .or_default()
                    .push(format!("The {name} field must be a string.")),
                Value::Text(v) => match &filter.values {
                    Some(values) if !values.iter().any(|x| x == v) => errors
                        .entry(name.clone())
                        .or_default()
                        .push(format!("The selected {name} is invalid.")),
                    _ => active.push((filter, v)),
                },
            }
        }
        let per_page = self.page_size(q, &mut errors);
        if !errors.is_empty() {
            return Err(self.invalid_params(errors));
        }

        // The query the links repeat and the token is bound to: filters in spec order, then
        // the page size.
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        for (filter, value) in &active {
            query.append_pair(&filter.param, value);
        }
        query.append_pair(&self.pagination.size_param, &per_page.to_string());
        let query = query.finish();
        let offset = self.offset(q, &query)?;

        let applied: Vec<&(&Filter, &str)> = active
            .iter()
            .filter(|(f, _)| match self.fault {
                Some(Fault::FilterIgnored) => f.param != "status",
                Some(Fault::OwnerFilterIgnored) => f.matching != Match::Owner,
                _ => true,
            })
            .collect();
        let or = self.fault == Some(Fault::FilterOr);
        let matched: Vec<usize> = data
            .items
            .iter()
            .enumerate()
            .filter(|(_, item)| {
                let mut each = applied
                    .iter()
                    .map(|(f, v)| self.matches(data, &item.value, f, v));
                if or && !applied.is_empty() {
                    each.any(|m| m)
                } else {
                    each.all(|m| m)
                }
            })
            .map(|(i, _)| i)
            .collect();
        let (page, next) = self.paginate(matched, per_page, offset, &query);

        let path = &self.endpoint_url;
        let next_path = if self.fault == Some(Fault::CrossOriginNext) {
            &self.decoy_endpoint_url
        } else {
            &self.endpoint_url
        };
        let returned = page.len() + usize::from(self.fault == Some(Fault::MetaMismatch));
        // The URLs are made of an origin, a path and a form-encoded query: nothing in them
        // needs JSON escaping, but they are escaped anyway so that no future change can
        // produce broken JSON.
        let mut suffix = String::with_capacity(512);
        suffix.push_str("],\"links\":{\"first\":");
        suffix.push_str(&json_string(&format!("{path}?{query}")));
        if let Some(token) = next {
            let token = url::form_urlencoded::Serializer::new(String::new())
                .append_pair(&self.pagination.token_param, &token)
                .finish();
            suffix.push_str(",\"next\":");
            suffix.push_str(&json_string(&format!("{next_path}?{query}&{token}")));
        }
        suffix.push_str("},\"meta\":{\"path\":");
        suffix.push_str(&json_string(path));
        suffix.push_str(&format!(
            ",\"per_page\":{per_page},\"returned\":{returned}}}}}"
        ));
        let items = page.iter().map(|&i| data.items[i].json.as_str()).collect();
        let filler = data.items.first().map(|i| i.json.as_str()).unwrap_or("{}");
        Ok(self.success(
            Page {
                prefix: "{\"data\":[".into(),
                items,
                suffix,
            },
            filler,
        ))
    }
}
