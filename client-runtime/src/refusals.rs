//! Refusals that a status alone does not tell: an error carried in the body of a 200
//! (`{"ok": false, "error": "invalid_auth"}`), and a rate limit told by headers (no request
//! left in the window, and when the window resets).
//!
//! A spec declares both in `x-errors` (`in-body`, `rate-limit`). codegen writes them into the
//! client as values of these types, the way it writes the walk of a list; the conformance
//! suite and the reference mock read the same types out of the spec, so that the client, the
//! suite and the mock agree on what a refusal looks like.

use std::time::{Duration, SystemTime};

use serde_json::Value;

/// Errors carried in a 200 body: a body whose `flag` member is `false` is an error, and its
/// `code` member names it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct InBody {
    /// JSON pointer to the boolean member: `true` on a page, `false` on an error.
    pub flag: String,
    /// JSON pointer to the string member that names the error.
    pub code: String,
}

impl InBody {
    /// Whether `body` says that it is an error: its flag is `false`. A body without the flag,
    /// or with a flag that is not a boolean, does not say so.
    pub fn is_error(&self, body: &Value) -> bool {
        body.pointer(&self.flag) == Some(&Value::Bool(false))
    }

    /// The code an error body names, when its code member is a string.
    pub fn code<'b>(&self, body: &'b Value) -> Option<&'b str> {
        body.pointer(&self.code).and_then(Value::as_str)
    }
}

/// How a reset header writes the end of the window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ResetFormat {
    /// The instant, in seconds since the Unix epoch, UTC (GitHub's `x-ratelimit-reset`).
    EpochSeconds,
    /// The seconds left until the window resets (the IETF `RateLimit-Reset`).
    DeltaSeconds,
}

impl ResetFormat {
    /// The name in `x-errors` (`epoch-seconds`).
    pub fn name(self) -> &'static str {
        match self {
            ResetFormat::EpochSeconds => "epoch-seconds",
            ResetFormat::DeltaSeconds => "delta-seconds",
        }
    }
}

/// The header that says when a rate-limit window resets.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Reset {
    /// The header's name.
    pub header: String,
    /// How it writes the reset.
    pub format: ResetFormat,
}

/// How a server tells with headers that a request was refused for its rate limit (GitHub: 403
/// or 429 with `x-ratelimit-remaining: 0`, and `x-ratelimit-reset`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RateLimitHeaders {
    /// The statuses of a rate-limited answer. 429 is one whatever its headers (RFC 6585);
    /// another (GitHub's 403, which also refuses access) is one only when `remaining` says
    /// that no request is left.
    pub statuses: Vec<u16>,
    /// The header that counts the requests left in the window.
    pub remaining: String,
    /// The header that says when the window resets, when the server sends one.
    pub reset: Option<Reset>,
}

impl RateLimitHeaders {
    /// Whether an answer with `status` and the headers `header` looks up (by name, without
    /// case) refuses the request for the rate limit.
    pub fn limits<'h>(&self, status: u16, header: impl Fn(&str) -> Option<&'h str>) -> bool {
        status == 429 || (self.statuses.contains(&status) && self.exhausted(header))
    }

    /// Whether the remaining header says that no request is left: it is the integer 0.
    pub fn exhausted<'h>(&self, header: impl Fn(&str) -> Option<&'h str>) -> bool {
        header(&self.remaining).is_some_and(|v| v.trim().parse::<u64>() == Ok(0))
    }

    /// The reset the answer states, in seconds as its header writes them, when the header is
    /// there and an integer.
    pub fn reset_value<'h>(&self, header: impl Fn(&str) -> Option<&'h str>) -> Option<u64> {
        header(&self.reset.as_ref()?.header)?.trim().parse().ok()
    }

    /// How long until the window resets, on the server's clock: an epoch reset is measured
    /// from the answer's `Date` (RFC 9110) when it has one, else from `now`, so that a client
    /// whose clock is off still waits as long as the server means. Zero for a reset that has
    /// passed; `None` without a readable reset.
    pub fn reset_wait<'h>(
        &self,
        header: impl Fn(&str) -> Option<&'h str>,
        now: SystemTime,
    ) -> Option<Duration> {
        let value = self.reset_value(&header)?;
        match self.reset.as_ref()?.format {
            ResetFormat::DeltaSeconds => Some(Duration::from_secs(value)),
            ResetFormat::EpochSeconds => {
                let at = SystemTime::UNIX_EPOCH.checked_add(Duration::from_secs(value))?;
                Some(
                    at.duration_since(answered_at(&header, now))
                        .unwrap_or(Duration::ZERO),
                )
            }
        }
    }
}

/// When the server answered: the answer's `Date` header (RFC 9110), else `now`.
pub fn answered_at<'h>(header: impl Fn(&str) -> Option<&'h str>, now: SystemTime) -> SystemTime {
    header("date")
        .and_then(|d| httpdate::parse_http_date(d.trim()).ok())
        .unwrap_or(now)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn github() -> RateLimitHeaders {
        RateLimitHeaders {
            statuses: vec![403, 429],
            remaining: "x-ratelimit-remaining".into(),
            reset: Some(Reset {
                header: "x-ratelimit-reset".into(),
                format: ResetFormat::EpochSeconds,
            }),
        }
    }

    fn headers<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<&'a str> + 'a {
        move |name| {
            pairs
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, v)| *v)
        }
    }

    #[test]
    fn a_body_whose_flag_is_false_is_an_error_and_names_it() {
        let in_body = InBody {
            flag: "/ok".into(),
            code: "/error".into(),
        };
        let error = serde_json::json!({"ok": false, "error": "invalid_auth"});
        assert!(in_body.is_error(&error));
        assert_eq!(in_body.code(&error), Some("invalid_auth"));
        for page in [
            serde_json::json!({"ok": true, "channels": []}),
            serde_json::json!({"channels": []}),
            serde_json::json!({"ok": "false"}),
            serde_json::json!([]),
        ] {
            assert!(!in_body.is_error(&page), "{page}");
        }
        assert_eq!(in_body.code(&serde_json::json!({"ok": false})), None);
    }

    #[test]
    fn a_status_other_than_429_limits_only_when_no_request_is_left() {
        let rule = github();
        let none_left = [("X-RateLimit-Remaining", "0")];
        let some_left = [("x-ratelimit-remaining", "12")];
        assert!(rule.limits(403, headers(&none_left)));
        assert!(!rule.limits(403, headers(&some_left)));
        assert!(!rule.limits(403, headers(&[])));
        assert!(!rule.limits(401, headers(&none_left)));
        assert!(!rule.limits(200, headers(&none_left)));
        // 429 is a rate limit whatever its headers (a secondary limit leaves some).
        assert!(rule.limits(429, headers(&some_left)));
        assert!(!rule.exhausted(headers(&[("x-ratelimit-remaining", "zero")])));
    }

    #[test]
    fn the_reset_is_waited_for_on_the_servers_clock() {
        let rule = github();
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        let reset = [("x-ratelimit-reset", "1000030")];
        assert_eq!(
            rule.reset_wait(headers(&reset), now),
            Some(Duration::from_secs(30))
        );
        // The server's Date says it is 10 s later than our clock: 20 s are left.
        let date = httpdate::fmt_http_date(now + Duration::from_secs(10));
        let with_date = [("x-ratelimit-reset", "1000030"), ("date", date.as_str())];
        assert_eq!(
            rule.reset_wait(headers(&with_date), now),
            Some(Duration::from_secs(20))
        );
        let past = [("x-ratelimit-reset", "999000")];
        assert_eq!(rule.reset_wait(headers(&past), now), Some(Duration::ZERO));
        for unreadable in ["soon", "-5", "1.5", ""] {
            let bad = [("x-ratelimit-reset", unreadable)];
            assert_eq!(rule.reset_wait(headers(&bad), now), None, "{unreadable:?}");
        }
        assert_eq!(rule.reset_wait(headers(&[]), now), None);
        let delta = RateLimitHeaders {
            reset: Some(Reset {
                header: "ratelimit-reset".into(),
                format: ResetFormat::DeltaSeconds,
            }),
            ..github()
        };
        assert_eq!(
            delta.reset_wait(headers(&[("RateLimit-Reset", "7")]), now),
            Some(Duration::from_secs(7))
        );
    }
}
