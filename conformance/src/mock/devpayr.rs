//! DevPayr `GET /project/{project}/domains`: `X-API-KEY`, the two access layers, `per_page`,
//! `cursor` and the standard envelope.
//!
//! Order of the checks, as documented in `specs/README.md` and the module docs of `mock`: the key
//! (missing 401, unknown 403), the path parameter (not a positive integer: invalid-param), the
//! project's existence (404, checked before access, so even a scoped key learns that a project
//! does not exist), then access (scoped key on another project, global key not the owner: 403),
//! then the query parameters.

use std::collections::BTreeMap;

use axum::http::HeaderMap;
use axum::response::Response;

use super::data::{ApiKey, DevpayrData};
use super::errors::ApiError;
use super::faults::Fault;
use super::query::{percent_decode, Query};
use super::server::{pick, App, Page};

impl App {
    fn api_key<'d>(
        &self,
        data: &'d DevpayrData,
        headers: &HeaderMap,
    ) -> Result<&'d ApiKey, ApiError> {
        let Some(value) = headers.get("x-api-key").filter(|v| !v.is_empty()) else {
            return if self.fault == Some(Fault::MissingKeyAccepted) {
                Ok(data.global_key())
            } else {
                Err(self.missing_key("API key is missing."))
            };
        };
        data.keys
            .iter()
            .find(|k| k.secret.as_bytes() == value.as_bytes())
            .ok_or_else(|| self.invalid_key("Invalid or expired API key."))
    }

    fn project_id(&self, name: &str, raw: &str) -> Result<u64, ApiError> {
        let invalid =
            |message: String| ApiError::field(pick(&self.errors.invalid_param), name, message);
        let text = percent_decode(raw, false)
            .map_err(|()| invalid(format!("The {name} must be an integer.")))?;
        match text.parse::<i128>() {
            Ok(n) if n < 1 => Err(invalid(format!("The {name} must be at least 1."))),
            Ok(n) => u64::try_from(n)
                .ok()
                .filter(|&n| i64::try_from(n).is_ok())
                .ok_or_else(|| invalid(format!("The {name} must be an integer."))),
            Err(_) => Err(invalid(format!("The {name} must be an integer."))),
        }
    }

    pub(crate) fn list_project_domains(
        &self,
        data: &DevpayrData,
        headers: &HeaderMap,
        params: &[(&str, &str)],
        q: &Query,
    ) -> Result<Response, ApiError> {
        let key = self.api_key(data, headers)?;
        let (name, raw) = params.first().copied().unwrap_or(("project", ""));
        let project_id = self.project_id(name, raw)?;
        let Some(project) = data.projects.iter().find(|p| p.id == project_id) else {
            return Err(self.error(self.not_found, "Project not found."));
        };
        if self.fault != Some(Fault::CrossProjectRead) {
            match key.scope {
                Some(scope) if scope != project.id => {
                    return Err(self.error(
                        self.forbidden,
                        "Unauthorized: this API key is scoped to another project.",
                    ));
                }
                None if key.owner != project.owner => {
                    return Err(self.error(
                        self.forbidden,
                        "Unauthorized: this API key does not belong to the owner of the project.",
                    ));
                }
                _ => {}
            }
        }

        let mut errors = BTreeMap::new();
        let per_page = self.page_size(q, &mut errors);
        if !errors.is_empty() {
            return Err(self.invalid_params(errors));
        }
        // The documented cache key (API key id, project, query) is what a cursor is bound to.
        let binding = format!("key={}&project={}&per_page={per_page}", key.id, project.id);
        let offset = self.offset(q, &binding)?;
        let matched: Vec<usize> = data
            .items
            .iter()
            .enumerate()
            .filter(|(_, item)| item.value["project_id"].as_u64() == Some(project.id))
            .map(|(i, _)| i)
            .collect();
        let (page, next) = self.paginate(matched, per_page, offset, &binding);
        let suffix = format!(
            "],\"next_cursor\":{}}},\"errors\":null}}",
            serde_json::Value::from(next)
        );
        let items = page.iter().map(|&i| data.items[i].json.as_str()).collect();
        let filler = data.items.first().map(|i| i.json.as_str()).unwrap_or("{}");
        Ok(self.success(
            Page {
                prefix: "{\"status\":true,\"message\":\"Success\",\"data\":{\"data\":[".into(),
                items,
                suffix,
            },
            filler,
        ))
    }
}
