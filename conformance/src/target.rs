//! What to check: the server, its spec, its credential, the path values a run needs, and how
//! hard to push.
//!
//! The credential is a [`Secret`]: it prints as `***` everywhere (Debug, Display, reports), and
//! only the probe reads it, to put it where the spec's security scheme says, in requests to the
//! target's own origin. A secret is a key or token, or HTTP Basic credentials (a user name and a
//! password); every form it takes on the wire ([`Secret::masked_forms`]: the base64 of Basic, the
//! percent-encoded key of a query) is masked wherever a run shows, records or reports text. The
//! target may also carry a second, narrower credential, the viewer's.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use specs::Spec;
use url::Url;

use crate::registry::Selection;

/// A credential: a key or token, or HTTP Basic credentials. Its `Debug` and `Display` print
/// `***`, so it cannot leak through logs.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret {
    /// What the security scheme sends: the key, or `user:password` for HTTP Basic.
    wire: String,
    /// For HTTP Basic, the length of the user name at the start of `wire`.
    user: Option<usize>,
}

impl Secret {
    /// Wraps a key or token.
    pub fn new(value: impl Into<String>) -> Secret {
        Secret {
            wire: value.into(),
            user: None,
        }
    }

    /// Wraps HTTP Basic credentials: a user name (which cannot hold a colon) and a password.
    pub fn basic(username: &str, password: &str) -> Secret {
        Secret {
            wire: format!("{username}:{password}"),
            user: Some(username.len()),
        }
    }

    /// A credential of the scheme `security`: HTTP Basic credentials given as `user:password`
    /// (as the reference mock gives them), otherwise the key as it is.
    pub fn of_scheme(security: Option<&specs::Security>, value: &str) -> Secret {
        match (security.map(|s| &s.kind), value.split_once(':')) {
            (Some(specs::SecurityKind::Basic), Some((user, password))) => {
                Secret::basic(user, password)
            }
            _ => Secret::new(value),
        }
    }

    /// The credential as the security scheme sends it (the key, or `user:password`), for the
    /// one place that sends it.
    pub fn expose(&self) -> &str {
        &self.wire
    }

    /// Whether these are HTTP Basic credentials.
    pub fn is_basic(&self) -> bool {
        self.user.is_some()
    }

    /// What a person gave: the key, or the user name and the password.
    pub fn parts(&self) -> Vec<&str> {
        match self.user {
            Some(n) => vec![&self.wire[..n], &self.wire[n + 1..]],
            None => vec![&self.wire],
        }
    }

    /// Every text that stands for the secret, longest first: what was given (the key; the user
    /// name, the password and both joined by a colon), and each form it takes on the wire (the
    /// base64 of Basic credentials; percent-encoded in a query, or in a path, where a user name
    /// may also be a path value).
    pub fn masked_forms(&self) -> Vec<String> {
        let mut forms: Vec<String> = self.parts().into_iter().map(str::to_string).collect();
        forms.push(self.wire.clone());
        if self.is_basic() {
            forms.push(
                client_runtime::basic_authorization(&self.wire)
                    .trim_start_matches("Basic ")
                    .to_string(),
            );
        }
        for form in forms.clone() {
            forms.push(url::form_urlencoded::byte_serialize(form.as_bytes()).collect());
            if let Ok(mut url) = Url::parse("http://h/") {
                if let Ok(mut segments) = url.path_segments_mut() {
                    segments.pop_if_empty().push(&form);
                }
                forms.push(url.path().trim_start_matches('/').to_string());
            }
        }
        forms.retain(|f| !f.is_empty());
        forms.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        forms.dedup();
        forms
    }

    /// `text` with every form of the secret replaced by [`MASK`].
    pub fn mask(&self, text: &str) -> String {
        mask_all(text, &self.masked_forms())
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(MASK)
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(MASK)
    }
}

/// What stands for the credential in every text a run shows, records or reports.
pub const MASK: &str = "***";

/// `text` with every occurrence of `secret` replaced by [`MASK`]; unchanged for an empty
/// `secret`.
pub fn mask(text: &str, secret: &str) -> String {
    if secret.is_empty() {
        text.to_string()
    } else {
        text.replace(secret, MASK)
    }
}

/// `text` with every one of `forms` replaced by [`MASK`], in the order given (longest first,
/// so that no shorter form cuts a longer one in two).
pub fn mask_all(text: &str, forms: &[String]) -> String {
    let mut out = text.to_string();
    for form in forms {
        if !form.is_empty() && out.contains(form.as_str()) {
            out = out.replace(form.as_str(), MASK);
        }
    }
    out
}

/// The shortest credential the suite accepts. A shorter one cannot be masked in free text
/// without mangling words (a key `k` would turn `walk` into `wal***`).
pub const MIN_SECRET_LEN: usize = 8;

/// The server under test.
#[derive(Debug, Clone)]
pub struct Target {
    /// The spec the server is checked against.
    pub spec: Arc<Spec>,
    /// The spec's server URL on this server, e.g. `http://127.0.0.1:8080/api/partner/v1`.
    pub base_url: Url,
    /// The credential sent in the spec's security scheme; `None` sends none.
    pub credential: Option<Secret>,
    /// A second, narrower credential of the same scheme (`--viewer-token`, ...): what it lists
    /// must be a subset of what `credential` lists, without the items `x-restricted` marks.
    pub viewer: Option<Secret>,
    /// A value for each path parameter: a resource the credential may read. It applies to
    /// every operation with a parameter of that name.
    pub path_values: BTreeMap<String, String>,
    /// Per operation (by `operationId`), values of path parameters that replace
    /// `path_values` for that operation only.
    pub operation_path_values: BTreeMap<specs::OperationId, BTreeMap<String, String>>,
    /// Other values of path parameters the credential may read besides `path_values` (a
    /// second project of the same owner): a page token issued under one must not page another.
    pub readable: BTreeMap<String, Vec<String>>,
    /// For the `x-access` path parameter: a value the credential may not read.
    pub forbidden: BTreeMap<String, String>,
    /// For the `x-access` path parameter: a value that does not exist. Without one the suite
    /// makes one up from the parameter's type.
    pub missing: BTreeMap<String, String>,
    /// Known values of owner filters (`match: owner`, e.g. customer emails), by parameter,
    /// which the data cannot reveal. Without them only an unknown owner is asked for.
    pub owner_values: BTreeMap<String, Vec<String>>,
    /// Allow a live (production) credential; without it such a key is refused.
    pub allow_live: bool,
}

impl Target {
    /// A target with no credential and no path values.
    pub fn new(spec: Arc<Spec>, base_url: Url) -> Target {
        Target {
            spec,
            base_url,
            credential: None,
            viewer: None,
            path_values: BTreeMap::new(),
            operation_path_values: BTreeMap::new(),
            readable: BTreeMap::new(),
            forbidden: BTreeMap::new(),
            missing: BTreeMap::new(),
            owner_values: BTreeMap::new(),
            allow_live: false,
        }
    }

    /// Refuses a target that must not be probed, before any request is sent: a live
    /// credential without `allow_live` (`x-live-prefix` on the security scheme), or a
    /// credential (any part of it: a user name, a password, the viewer's) too short, or too
    /// common, to be masked in a report without mangling it.
    pub fn refusal(&self) -> Option<String> {
        let security = self.spec.security()?;
        let given = [("", &self.credential), ("viewer ", &self.viewer)];
        for (role, secret) in given {
            let Some(secret) = secret else {
                continue;
            };
            if security.is_live(secret.expose()) && !self.allow_live {
                return Some(format!(
                    "refused: the {} {role}key is a live key ({}…); the checks send hundreds of \
                     requests, some malformed. Use a test key, or pass --allow-live",
                    self.spec.name,
                    security.live_prefix.as_deref().unwrap_or_default()
                ));
            }
            let nouns = security.credential_parts();
            for (i, part) in secret.parts().into_iter().enumerate() {
                let noun = nouns.get(i).copied().unwrap_or(security.credential_noun());
                if part.chars().count() < MIN_SECRET_LEN {
                    return Some(format!(
                        "refused: the {role}{noun} is shorter than {MIN_SECRET_LEN} characters; it \
                         could not be masked in the report without mangling its words, so nothing \
                         is sent",
                    ));
                }
                if self.common_word(part) {
                    return Some(format!(
                        "refused: the {role}{noun} occurs in the spec or in the suite's own words, \
                         so it could not be masked in the report without mangling them; use the \
                         real credential",
                    ));
                }
            }
        }
        None
    }

    /// Every text that stands for a credential of the target (its own and the viewer's),
    /// longest first: what [`mask_all`] replaces in every report and recording.
    pub fn masked_forms(&self) -> Vec<String> {
        let mut forms: Vec<String> = [&self.credential, &self.viewer]
            .into_iter()
            .flatten()
            .flat_map(Secret::masked_forms)
            .collect();
        forms.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        forms.dedup();
        forms
    }

    /// The conventional, non-secret prefix of the credential: up to its last `_` (`pk_test_`),
    /// when that is at most 16 characters; empty otherwise, and for HTTP Basic credentials
    /// (a user name is no prefix to show).
    pub fn credential_prefix(&self) -> &str {
        let Some(key) = self
            .credential
            .as_ref()
            .filter(|s| !s.is_basic())
            .map(Secret::expose)
        else {
            return "";
        };
        match key.rfind('_') {
            Some(i) if i < 16 => &key[..=i],
            _ => "",
        }
    }

    /// Whether `key` occurs in a text the report is made of: the spec, or a check's name or
    /// description.
    fn common_word(&self, key: &str) -> bool {
        let lower = key.to_ascii_lowercase();
        let spec_text = self.spec.raw.to_string().to_ascii_lowercase();
        spec_text.contains(&lower)
            || crate::registry::CheckId::ALL.iter().any(|c| {
                c.name().contains(&lower) || c.description().to_ascii_lowercase().contains(&lower)
            })
    }
}

/// A target for a reference mock: its primary credential and its viewer, its path values and
/// the other values that credential may read, a value it may not read, and the owners its data
/// has. The missing value is left out on purpose, so that the suite makes one up, as it does
/// for a server nobody described.
pub fn for_mock(m: &mock::RunningMock) -> Result<Target, url::ParseError> {
    let c = &m.credentials;
    let mut t = Target::new(Arc::new(m.spec().clone()), Url::parse(&m.base_url)?);
    let security = m.spec().security();
    t.credential = c.primary().map(|k| Secret::of_scheme(security, &k.secret));
    t.viewer = c
        .viewer
        .as_ref()
        .map(|k| Secret::of_scheme(security, &k.secret));
    t.path_values = c.path_values.clone();
    t.readable = c.readable.clone();
    t.forbidden = c.forbidden.clone();
    t.owner_values = c.owners.clone();
    Ok(t)
}

/// How hard to push, and for how long.
#[derive(Debug, Clone)]
pub struct Options {
    /// Proptest cases per property family.
    pub cases: u32,
    /// Seed of every strategy; the report prints it so that `--seed N` replays a run.
    pub seed: u64,
    /// Most requests the whole run may send (429 retries included).
    pub max_requests: u64,
    /// Limit on one request, from sending it to the last byte of its body.
    pub request_timeout: Duration,
    /// Limit on the whole run; checks that did not finish by then are skipped.
    pub deadline: Duration,
    /// Largest body read; the rest of a larger body is not read.
    pub body_cap: usize,
    /// Requests in flight at once; independent walks and probes run concurrently up to it.
    pub concurrency: usize,
    /// Longest wait honoured for one `Retry-After`, or for a rate-limit window to reset (a
    /// later reset ends the run).
    pub retry_after_cap: Duration,
    /// 429 responses in a row after which a request is given up.
    pub max_retries: u32,
    /// Most proptest shrink steps per property family.
    pub max_shrink_iters: u32,
    /// Warnings count as failures.
    pub strict: bool,
    /// The checks to evaluate; requests only they need are sent only when they are selected.
    pub selection: Selection,
    /// The operations to check: `operationId` globs (`list_*`) or `METHOD /path`; every
    /// paginated operation when empty.
    pub operations: Vec<String>,
    /// Draw a progress bar on stderr (only when it is a terminal).
    pub progress: bool,
    /// Keep to this rate: requests (429 retries included) are spaced out across every walk
    /// and probe of the run, before the vendor has to refuse them.
    pub rate_limit: Option<client_runtime::RateLimit>,
    /// The answers come from a recording: the server's waits were waited for when it was
    /// made, so a rate-limit window that resets later than `retry_after_cap` does not end
    /// the replay.
    pub replayed: bool,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            cases: 16,
            seed: 0x5eed,
            max_requests: 2000,
            request_timeout: Duration::from_secs(10),
            deadline: Duration::from_secs(600),
            body_cap: 8 * 1024 * 1024,
            concurrency: 4,
            retry_after_cap: Duration::from_secs(5),
            max_retries: 5,
            max_shrink_iters: 24,
            strict: false,
            selection: Selection::default(),
            operations: Vec::new(),
            progress: false,
            rate_limit: None,
            replayed: false,
        }
    }
}

impl Options {
    /// Whether the operation is selected by `operations` (every operation when it is empty).
    pub fn selects(&self, op: &specs::Operation) -> bool {
        self.operations.is_empty()
            || self
                .operations
                .iter()
                .any(|pattern| selector_matches(pattern, op))
    }

    /// The problem with `operations` for `spec`: a pattern that is not a valid glob, or one
    /// that names no operation of the spec (a typo would otherwise check less, silently).
    pub fn operations_problem(&self, spec: &specs::Spec) -> Option<String> {
        for pattern in &self.operations {
            if let Err(e) = glob::Pattern::new(pattern) {
                return Some(format!("--operation {pattern}: not a valid pattern: {e}"));
            }
            if !spec
                .operations
                .iter()
                .any(|op| selector_matches(pattern, op))
            {
                let ids: Vec<&str> = spec
                    .operations
                    .iter()
                    .map(|op| op.operation_id.as_str())
                    .collect();
                return Some(format!(
                    "--operation {pattern} names no operation of {} (its operations: {})",
                    spec.file,
                    ids.join(", ")
                ));
            }
        }
        None
    }
}

/// Whether `pattern` selects `op`: a glob over its `operationId` (`list_*`, `issues/*`), or
/// its `METHOD /path`.
fn selector_matches(pattern: &str, op: &specs::Operation) -> bool {
    glob::Pattern::new(pattern).is_ok_and(|p| p.matches(op.operation_id.as_str()))
        || pattern.eq_ignore_ascii_case(&format!("{} {}", op.method, op.path))
}
