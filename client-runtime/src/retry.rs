//! When and how long to wait before sending a request again.

use std::time::{Duration, SystemTime};

use reqwest::header::{HeaderMap, RETRY_AFTER};
use reqwest::{Method, StatusCode};

use crate::refusals::RateLimitHeaders;

/// When a request is sent again, and how long the client waits first.
///
/// A 429 (RFC 6585) is retried for every method: the server refused to do anything. A GET or
/// HEAD is also retried after a connection error or a timeout, and on 502, 503 and 504, since
/// sending it again changes nothing on the server. The wait honours `Retry-After` (seconds or
/// an HTTP date), capped at [`RetryPolicy::max_wait`]; without it, the wait doubles from
/// [`RetryPolicy::base_delay`] at every attempt, capped too, and is jittered between half and
/// all of that by a generator seeded from [`RetryPolicy::jitter_seed`], so that a run is
/// reproducible and a test never depends on timing.
///
/// A server that tells its rate limit with headers ([`RateLimitHeaders`], GitHub's 403 with
/// `x-ratelimit-remaining: 0`) is waited for until its window resets, when that is within
/// [`RetryPolicy::max_wait`]; a window that resets later is not waited for at all (every
/// attempt before the reset would be refused again), and the caller gets the answer at once.
///
/// When the attempts are used up, or the policy is [`RetryPolicy::disabled`], the caller gets
/// the last answer as it is: a 429 comes back as `Error::ErrorResponse` with its status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    max_attempts: u32,
    max_wait: Duration,
    base_delay: Duration,
    jitter_seed: u64,
}

impl Default for RetryPolicy {
    /// Polite defaults: 4 attempts in all, at most 30 s between two, back-off from 500 ms.
    fn default() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 4,
            max_wait: Duration::from_secs(30),
            base_delay: Duration::from_millis(500),
            jitter_seed: 0x5eed,
        }
    }
}

impl RetryPolicy {
    /// No retries: every request is sent once.
    pub fn disabled() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        }
    }

    /// The same policy with at most `attempts` sends of one request (1: no retry; 0 counts
    /// as 1).
    pub fn with_max_attempts(mut self, attempts: u32) -> RetryPolicy {
        self.max_attempts = attempts.max(1);
        self
    }

    /// The same policy waiting at most `wait` between two attempts, whatever `Retry-After`
    /// says.
    pub fn with_max_wait(mut self, wait: Duration) -> RetryPolicy {
        self.max_wait = wait;
        self
    }

    /// The same policy with the first back-off (without `Retry-After`) of `delay`.
    pub fn with_base_delay(mut self, delay: Duration) -> RetryPolicy {
        self.base_delay = delay;
        self
    }

    /// The same policy with another seed for the jitter of the back-off.
    pub fn with_jitter_seed(mut self, seed: u64) -> RetryPolicy {
        self.jitter_seed = seed;
        self
    }

    /// The most sends of one request.
    pub fn max_attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The longest wait between two attempts.
    pub fn max_wait(&self) -> Duration {
        self.max_wait
    }

    /// The first back-off without `Retry-After`.
    pub fn base_delay(&self) -> Duration {
        self.base_delay
    }

    /// The seed of the back-off jitter.
    pub fn jitter_seed(&self) -> u64 {
        self.jitter_seed
    }

    /// Whether a request may be sent more than once.
    pub fn is_enabled(&self) -> bool {
        self.max_attempts > 1
    }

    /// Whether an answer with `status` to a request with `method` is worth another attempt.
    pub fn retries_status(&self, method: &Method, status: StatusCode) -> bool {
        status == StatusCode::TOO_MANY_REQUESTS
            || (is_safe(method)
                && matches!(
                    status,
                    StatusCode::BAD_GATEWAY
                        | StatusCode::SERVICE_UNAVAILABLE
                        | StatusCode::GATEWAY_TIMEOUT
                ))
    }

    /// Whether an answer with `status` and `headers` refuses the request for the rate limit: a
    /// 429, or an answer `limits` says is one.
    pub fn is_rate_limited(
        &self,
        status: StatusCode,
        headers: &HeaderMap,
        limits: Option<&RateLimitHeaders>,
    ) -> bool {
        status == StatusCode::TOO_MANY_REQUESTS
            || limits.is_some_and(|l| l.limits(status.as_u16(), |name| header(headers, name)))
    }

    /// The wait before attempt `attempt + 1` of a request refused for the rate limit: what
    /// `Retry-After` asks (capped, as for any 429), else until the window of `limits` resets,
    /// else the back-off. `None` when the window resets later than [`RetryPolicy::max_wait`]:
    /// the request is not sent again.
    pub fn rate_limit_delay(
        &self,
        attempt: u32,
        headers: &HeaderMap,
        limits: Option<&RateLimitHeaders>,
        now: SystemTime,
    ) -> Option<Duration> {
        if let Some(asked) = retry_after(headers, now) {
            return Some(self.delay(attempt, Some(asked)));
        }
        let reset = limits.and_then(|l| l.reset_wait(|name| header(headers, name), now));
        match reset {
            Some(wait) if wait > self.max_wait => None,
            Some(wait) => Some(wait),
            None => Some(self.delay(attempt, None)),
        }
    }

    /// Whether a request with `method` that failed with `error` is worth another attempt.
    pub fn retries_error(&self, method: &Method, error: &reqwest::Error) -> bool {
        is_safe(method) && (error.is_connect() || error.is_timeout())
    }

    /// The wait before attempt `attempt + 1`, after attempt `attempt` (from 1) was answered
    /// with `retry_after` (the server's wish) or nothing.
    pub fn delay(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        if let Some(wait) = retry_after {
            return wait.min(self.max_wait);
        }
        let doublings = attempt.saturating_sub(1).min(20);
        let backoff = self
            .base_delay
            .saturating_mul(1u32 << doublings)
            .min(self.max_wait);
        // Between half and all of the back-off, so that clients that failed together do not
        // come back together.
        let fraction = 0.5 + 0.5 * unit(self.jitter_seed, attempt);
        backoff.mul_f64(fraction)
    }
}

/// GET and HEAD change nothing on the server, so sending them twice is harmless.
fn is_safe(method: &Method) -> bool {
    method == Method::GET || method == Method::HEAD
}

/// A number in `[0, 1)` from SplitMix64 of the seed and the attempt: deterministic, so that
/// the waits of a run can be reproduced.
fn unit(seed: u64, attempt: u32) -> f64 {
    let mut z = seed.wrapping_add(u64::from(attempt).wrapping_mul(0x9e37_79b9_7f4a_7c15));
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^= z >> 31;
    (z >> 11) as f64 / (1u64 << 53) as f64
}

/// The wait a `Retry-After` header asks for (RFC 9110): a number of seconds, or an HTTP date
/// (a date in the past means now). `None` when the header is absent or unreadable.
pub fn retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    retry_after_value(headers.get(RETRY_AFTER)?.to_str().ok()?, now)
}

/// The value of the header `name` of `headers`, when it is text.
fn header<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// The wait one `Retry-After` value asks for, as [`retry_after`] reads it.
pub fn retry_after_value(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let date = httpdate::parse_http_date(value).ok()?;
    Some(date.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_is_polite() {
        let p = RetryPolicy::default();
        assert_eq!(p.max_attempts(), 4);
        assert_eq!(p.max_wait(), Duration::from_secs(30));
        assert!(p.is_enabled());
        assert!(!RetryPolicy::disabled().is_enabled());
        assert_eq!(
            RetryPolicy::default().with_max_attempts(0).max_attempts(),
            1
        );
    }

    #[test]
    fn retry_after_is_honoured_and_capped() {
        let p = RetryPolicy::default().with_max_wait(Duration::from_secs(5));
        assert_eq!(
            p.delay(1, Some(Duration::from_secs(2))),
            Duration::from_secs(2)
        );
        assert_eq!(
            p.delay(1, Some(Duration::from_secs(90))),
            Duration::from_secs(5)
        );
        assert_eq!(p.delay(3, Some(Duration::ZERO)), Duration::ZERO);
    }

    #[test]
    fn backoff_doubles_within_its_jitter_and_cap() {
        let p = RetryPolicy::default();
        for attempt in 1..=8u32 {
            let full = Duration::from_millis(500)
                .saturating_mul(1 << (attempt - 1))
                .min(Duration::from_secs(30));
            let wait = p.delay(attempt, None);
            assert!(
                wait >= full / 2 && wait <= full,
                "{attempt}: {wait:?} of {full:?}"
            );
            assert_eq!(wait, p.delay(attempt, None), "the jitter is deterministic");
        }
        assert!(p.delay(40, None) <= Duration::from_secs(30));
    }

    #[test]
    fn which_answers_are_retried() {
        let p = RetryPolicy::default();
        assert!(p.retries_status(&Method::GET, StatusCode::TOO_MANY_REQUESTS));
        assert!(p.retries_status(&Method::POST, StatusCode::TOO_MANY_REQUESTS));
        assert!(p.retries_status(&Method::GET, StatusCode::SERVICE_UNAVAILABLE));
        assert!(!p.retries_status(&Method::POST, StatusCode::SERVICE_UNAVAILABLE));
        assert!(!p.retries_status(&Method::GET, StatusCode::INTERNAL_SERVER_ERROR));
        assert!(!p.retries_status(&Method::GET, StatusCode::UNAUTHORIZED));
    }

    #[test]
    fn a_rate_limit_told_by_headers_is_waited_for_until_its_window_resets() {
        use crate::refusals::{Reset, ResetFormat};
        let limits = RateLimitHeaders {
            statuses: vec![403, 429],
            remaining: "x-ratelimit-remaining".into(),
            reset: Some(Reset {
                header: "x-ratelimit-reset".into(),
                format: ResetFormat::EpochSeconds,
            }),
        };
        let p = RetryPolicy::default().with_max_wait(Duration::from_secs(60));
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        let mut headers = HeaderMap::new();
        headers.insert("x-ratelimit-remaining", "0".parse().unwrap());
        assert!(p.is_rate_limited(StatusCode::FORBIDDEN, &headers, Some(&limits)));
        assert!(!p.is_rate_limited(StatusCode::FORBIDDEN, &headers, None));
        headers.insert("x-ratelimit-reset", "1000042".parse().unwrap());
        assert_eq!(
            p.rate_limit_delay(1, &headers, Some(&limits), now),
            Some(Duration::from_secs(42))
        );
        // Retry-After, where the server sends it, is what it asks for.
        headers.insert(RETRY_AFTER, "3".parse().unwrap());
        assert_eq!(
            p.rate_limit_delay(1, &headers, Some(&limits), now),
            Some(Duration::from_secs(3))
        );
        headers.remove(RETRY_AFTER);
        // A window that resets past the longest wait is not waited for.
        headers.insert("x-ratelimit-reset", "1003600".parse().unwrap());
        assert_eq!(p.rate_limit_delay(1, &headers, Some(&limits), now), None);
        // Without a reset, the back-off.
        headers.remove("x-ratelimit-reset");
        let backoff = p.rate_limit_delay(1, &headers, Some(&limits), now).unwrap();
        assert!(backoff <= Duration::from_millis(500), "{backoff:?}");
        headers.insert("x-ratelimit-remaining", "7".parse().unwrap());
        assert!(!p.is_rate_limited(StatusCode::FORBIDDEN, &headers, Some(&limits)));
    }

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(784_111_777);
        let mut headers = HeaderMap::new();
        assert_eq!(retry_after(&headers, now), None);
        headers.insert(RETRY_AFTER, "7".parse().unwrap());
        assert_eq!(retry_after(&headers, now), Some(Duration::from_secs(7)));
        // RFC 9110's example date is 784111777 seconds after the epoch.
        headers.insert(
            RETRY_AFTER,
            "Sun, 06 Nov 1994 08:49:40 GMT".parse().unwrap(),
        );
        assert_eq!(retry_after(&headers, now), Some(Duration::from_secs(3)));
        headers.insert(
            RETRY_AFTER,
            "Sun, 06 Nov 1994 08:49:00 GMT".parse().unwrap(),
        );
        assert_eq!(retry_after(&headers, now), Some(Duration::ZERO));
        headers.insert(RETRY_AFTER, "soon".parse().unwrap());
        assert_eq!(retry_after(&headers, now), None);
    }
}
