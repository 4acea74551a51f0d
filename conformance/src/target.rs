//! What to check: the server, its credential, per-vendor options, and how hard to push.
//!
//! The credential is a [`Secret`]: it prints as `***` everywhere (Debug, Display, reports), and
//! only the probe reads it, to put it in one header of requests to the target's own origin.

use std::fmt;
use std::time::Duration;

use specs::Vendor;
use url::Url;

/// A credential. Its `Debug` and `Display` print `***`, so it cannot leak through logs.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a credential.
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The credential itself, for the one place that sends it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// The server under test.
#[derive(Debug, Clone)]
pub struct Target {
    /// Which spec the server is checked against.
    pub vendor: Vendor,
    /// The spec's server URL on this server, e.g. `http://127.0.0.1:8080/api/partner/v1`.
    pub base_url: Url,
    /// The credential sent in the spec's security scheme; `None` sends none.
    pub credential: Option<Secret>,
    /// Value of the `x-access` path parameter (DevPayr `--project`): a resource the key may read.
    pub project: Option<u64>,
    /// A resource the key may not read (DevPayr `--forbidden-project`).
    pub forbidden_project: Option<u64>,
    /// A resource that does not exist (DevPayr `--missing-project`).
    pub missing_project: Option<u64>,
    /// Known values for owner filters (`x-filter` `match: owner`, e.g. Peeker customer
    /// emails), which the data cannot reveal. Without them only an unknown owner is asked for.
    pub owner_values: Vec<String>,
    /// Allow a live (production) credential; without it such a key is refused.
    pub allow_live: bool,
}

impl Target {
    /// A target with no credential and no per-vendor options.
    pub fn new(vendor: Vendor, base_url: Url) -> Target {
        Target {
            vendor,
            base_url,
            credential: None,
            project: None,
            forbidden_project: None,
            missing_project: None,
            owner_values: Vec::new(),
            allow_live: false,
        }
    }

    /// A target for a reference mock, with every credential and option it offers (DevPayr: the
    /// project-scoped key and its project).
    pub fn for_mock(mock: &crate::mock::RunningMock) -> Result<Target, url::ParseError> {
        let c = &mock.credentials;
        let mut t = Target::new(mock.vendor(), Url::parse(&mock.base_url)?);
        match mock.vendor() {
            Vendor::Peeker => {
                t.credential = c.peeker_token.clone().map(Secret::new);
                t.owner_values = c.peeker_user_emails.clone();
            }
            Vendor::Devpayr => {
                t.credential = c.scoped_key.clone().map(Secret::new);
                t.project = c.scoped_project;
                t.forbidden_project = c.forbidden_project;
                t.missing_project = c.missing_project;
            }
        }
        Ok(t)
    }

    /// Refuses a target that must not be probed, before any request is sent.
    ///
    /// Vendor-specific on purpose: no spec extension says which keys are live. Peeker keys
    /// starting with `pk_live_` reach the live system (the security scheme's description says
    /// so), and the suite sends hundreds of requests, some malformed; that needs `--allow-live`.
    pub fn refusal(&self) -> Option<String> {
        let key = self.credential.as_ref()?;
        if self.vendor == Vendor::Peeker && key.expose().starts_with("pk_live_") && !self.allow_live
        {
            return Some(
                "refused: the Peeker key is a live key (pk_live_…); the checks send hundreds of \
                 requests, some malformed. Use a pk_test_ key, or pass --allow-live"
                    .to_string(),
            );
        }
        None
    }
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
    /// Requests in flight at once.
    pub concurrency: usize,
    /// Longest wait honoured for one `Retry-After`.
    pub retry_after_cap: Duration,
    /// 429 responses in a row after which a request is given up.
    pub max_retries: u32,
    /// Most proptest shrink steps per property family.
    pub max_shrink_iters: u32,
    /// Draw a progress bar on stderr (only when it is a terminal).
    pub progress: bool,
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
            progress: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_never_prints() {
        let s = Secret::new("pk_test_abc");
        assert_eq!(format!("{s} {s:?}"), "*** ***");
        let mut t = Target::new(Vendor::Peeker, Url::parse("http://x/").unwrap());
        t.credential = Some(s);
        assert!(!format!("{t:?}").contains("pk_test_abc"));
    }

    #[test]
    fn live_key_is_refused_without_allow_live() {
        let mut t = Target::new(Vendor::Peeker, Url::parse("http://x/").unwrap());
        t.credential = Some(Secret::new("pk_live_abc"));
        assert!(t.refusal().is_some());
        t.allow_live = true;
        assert!(t.refusal().is_none());
        t.allow_live = false;
        t.credential = Some(Secret::new("pk_test_abc"));
        assert!(t.refusal().is_none());
    }
}
