//! `conformance.toml`: the settings of runs against real servers, shared by CI and people
//! (the command line reads it and applies it under its flags).
//!
//! Top-level keys apply to every API; a table `[api.<name>]` holds one API's settings, which
//! win over the top level; a flag given on the command line wins over both (as Schemathesis's
//! `schemathesis.toml` does: global settings, then per-project ones, then the command line).
//! Credentials never go in the file: they come from their flag or environment variable only,
//! and a key that looks like one is refused with that advice.
//!
//! ```toml
//! max-requests = 1500
//! rate-limit = "25/s"
//!
//! [api.devpayr]
//! base-url = "https://api.devpayr.dev/api/v1"
//! checks = ["pagination/*", "errors/*"]
//! path = { project = ["42", "43"] }   # the first is walked, the others the key may also read
//! forbidden = { project = "76" }
//! missing = { project = "1529" }
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::Deserialize;

/// The file read when `--config` is not given and it exists in the working directory.
pub const DEFAULT_FILE: &str = "conformance.toml";

/// The settings any level may hold.
#[derive(Debug, Default, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Settings {
    /// `--cases`.
    pub cases: Option<u32>,
    /// `--seed`.
    pub seed: Option<u64>,
    /// `--max-requests`.
    pub max_requests: Option<u64>,
    /// `--request-timeout`, in seconds.
    pub request_timeout: Option<f64>,
    /// `--deadline`, in seconds.
    pub deadline: Option<f64>,
    /// `--concurrency`.
    pub concurrency: Option<usize>,
    /// `--strict`.
    pub strict: Option<bool>,
    /// `--checks`.
    pub checks: Option<Vec<String>>,
    /// `--exclude-checks`.
    pub exclude_checks: Option<Vec<String>>,
    /// `--rate-limit` (`25/s`, `100/m`, `5000/h`).
    pub rate_limit: Option<String>,
}

/// One API's settings.
#[derive(Debug, Default, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ApiSettings {
    /// `--base-url`.
    pub base_url: Option<String>,
    /// `--operation`.
    pub operations: Option<Vec<String>>,
    /// `--path NAME=VALUE`: a value, or several (the first is walked).
    #[serde(default)]
    pub path: BTreeMap<String, OneOrMany>,
    /// `--path OPERATION:NAME=VALUE`, by operation.
    #[serde(default)]
    pub operation_path: BTreeMap<String, BTreeMap<String, String>>,
    /// `--forbidden NAME=VALUE`.
    #[serde(default)]
    pub forbidden: BTreeMap<String, String>,
    /// `--missing NAME=VALUE`.
    #[serde(default)]
    pub missing: BTreeMap<String, String>,
    /// Known values of owner filters (`--<param> VALUE`), by parameter.
    #[serde(default)]
    pub owners: BTreeMap<String, OneOrMany>,
    /// The settings any level may hold.
    #[serde(flatten)]
    pub settings: Settings,
}

/// A value or a list of them.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(untagged)]
pub enum OneOrMany {
    /// One value.
    One(String),
    /// Several.
    Many(Vec<String>),
}

impl OneOrMany {
    /// The values, in order.
    pub fn values(&self) -> Vec<String> {
        match self {
            OneOrMany::One(v) => vec![v.clone()],
            OneOrMany::Many(v) => v.clone(),
        }
    }
}

/// The whole file.
#[derive(Debug, Default, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Config {
    /// Settings of every API.
    #[serde(flatten)]
    pub settings: Settings,
    /// Each API's settings, by spec name.
    #[serde(default)]
    pub api: BTreeMap<String, ApiSettings>,
    /// Where it was read from, for messages.
    #[serde(skip)]
    pub file: Option<PathBuf>,
}

/// Keys that would put a credential in a file.
const CREDENTIAL_KEYS: &[&str] = &[
    "token",
    "api-key",
    "api_key",
    "apikey",
    "key",
    "secret",
    "password",
    "credential",
    "username",
    "user",
    "viewer-token",
    "viewer-api-key",
    "viewer-username",
    "viewer-password",
];

impl Config {
    /// The file at `--config`, or `conformance.toml` in the working directory when it exists,
    /// or no settings.
    pub fn load(explicit: Option<&Path>) -> anyhow::Result<Config> {
        let path = match explicit {
            Some(p) => p.to_path_buf(),
            None if Path::new(DEFAULT_FILE).is_file() => PathBuf::from(DEFAULT_FILE),
            None => return Ok(Config::default()),
        };
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read the settings file {}", path.display()))?;
        let mut config =
            Config::parse(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        config.file = Some(path);
        Ok(config)
    }

    /// Reads the text of a settings file.
    pub fn parse(text: &str) -> Result<Config, String> {
        let raw: toml::Table = toml::from_str(text).map_err(|e| e.to_string())?;
        if let Some(at) = credential_key(&raw, "") {
            return Err(format!(
                "`{at}` looks like a credential, which never goes in a settings file: give it \
                 with its flag or, better, its environment variable (see `cargo xtask \
                 conformance <api> --help`)"
            ));
        }
        toml::from_str(text).map_err(|e| e.to_string())
    }

    /// The settings of `api`: its table over the top level.
    pub fn for_api(&self, api: &str) -> ApiSettings {
        let mut out = self.api.get(api).cloned().unwrap_or_default();
        let s = &mut out.settings;
        let top = &self.settings;
        s.cases = s.cases.or(top.cases);
        s.seed = s.seed.or(top.seed);
        s.max_requests = s.max_requests.or(top.max_requests);
        s.request_timeout = s.request_timeout.or(top.request_timeout);
        s.deadline = s.deadline.or(top.deadline);
        s.concurrency = s.concurrency.or(top.concurrency);
        s.strict = s.strict.or(top.strict);
        s.checks = s.checks.take().or_else(|| top.checks.clone());
        s.exclude_checks = s
            .exclude_checks
            .take()
            .or_else(|| top.exclude_checks.clone());
        s.rate_limit = s.rate_limit.take().or_else(|| top.rate_limit.clone());
        out
    }

    /// APIs the file names that no spec has: a typo would otherwise be ignored.
    pub fn unknown_apis(&self, known: &[&str]) -> Vec<String> {
        self.api
            .keys()
            .filter(|name| !known.contains(&name.as_str()))
            .cloned()
            .collect()
    }
}

/// The dotted path of the first key that names a credential, if any.
fn credential_key(table: &toml::Table, at: &str) -> Option<String> {
    for (key, value) in table {
        let path = if at.is_empty() {
            key.clone()
        } else {
            format!("{at}.{key}")
        };
        if CREDENTIAL_KEYS.contains(&key.to_ascii_lowercase().replace('_', "-").as_str())
            || CREDENTIAL_KEYS.contains(&key.to_ascii_lowercase().as_str())
        {
            return Some(path);
        }
        if let toml::Value::Table(inner) = value {
            // Path values and owners name parameters, not credentials.
            if matches!(key.as_str(), "path" | "owners" | "forbidden" | "missing") {
                continue;
            }
            if let Some(found) = credential_key(inner, &path) {
                return Some(found);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_tables_win_over_the_top_level() {
        let config = Config::parse(
            r#"
            max-requests = 1500
            rate-limit = "25/s"
            checks = ["pagination/*"]

            [api.devpayr]
            base-url = "https://api.devpayr.dev/api/v1"
            rate-limit = "10/s"
            path = { project = ["42", "43"] }
            forbidden = { project = "76" }
            "#,
        )
        .unwrap();
        let devpayr = config.for_api("devpayr");
        assert_eq!(devpayr.settings.max_requests, Some(1500));
        assert_eq!(devpayr.settings.rate_limit.as_deref(), Some("10/s"));
        assert_eq!(devpayr.settings.checks, Some(vec!["pagination/*".into()]));
        assert_eq!(devpayr.path["project"].values(), ["42", "43"]);
        assert_eq!(devpayr.forbidden["project"], "76");
        let peeker = config.for_api("peeker");
        assert_eq!(peeker.base_url, None);
        assert_eq!(peeker.settings.rate_limit.as_deref(), Some("25/s"));
        assert_eq!(config.unknown_apis(&["devpayr"]), Vec::<String>::new());
        assert_eq!(config.unknown_apis(&["peeker"]), ["devpayr"]);
    }

    #[test]
    fn credentials_and_unknown_keys_are_refused() {
        let e = Config::parse("[api.peeker]\ntoken = \"pk_test_123456789\"").unwrap_err();
        assert!(
            e.contains("api.peeker.token") && e.contains("environment"),
            "{e}"
        );
        let e = Config::parse("[api.devpayr]\napi-key = \"x\"").unwrap_err();
        assert!(e.contains("api.devpayr.api-key"), "{e}");
        for viewer in ["viewer-password", "viewer_token", "Viewer-Api-Key"] {
            let e = Config::parse(&format!("[api.memos]\n{viewer} = \"x\"")).unwrap_err();
            assert!(e.contains("looks like a credential"), "{viewer}: {e}");
        }
        let e = Config::parse("max-request = 3").unwrap_err();
        assert!(e.contains("max-request"), "{e}");
        let e = Config::parse("[api.peeker]\nbase_url = \"x\"").unwrap_err();
        assert!(e.contains("base_url"), "{e}");
        // A path parameter may be called `key`: it is not a credential.
        assert!(Config::parse("[api.x]\npath = { key = \"1\" }").is_ok());
    }
}
