//! Pacing requests to a vendor's rate limit before the vendor has to refuse them.
//!
//! A [`RateLimit`] is a number of requests per second, minute or hour (`25/s`, `100/m`,
//! `5000/h`, the way vendors state their limits). A [`Pacer`] spaces requests to it across every
//! request that shares it, whatever the concurrency: it is a token bucket in the form of the
//! generic cell rate algorithm (GCRA), holding at most `burst` requests. Over any span of time
//! `t`, at most `burst + rate × t` requests go.

use std::fmt;
use std::str::FromStr;
use std::sync::Mutex;
use std::time::Duration;

use tokio_time::time::Instant;

/// At most `requests` requests per `period`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    requests: u32,
    period: Duration,
}

impl RateLimit {
    /// `requests` per `period`; `None` when either is zero.
    pub fn new(requests: u32, period: Duration) -> Option<RateLimit> {
        (requests > 0 && !period.is_zero()).then_some(RateLimit { requests, period })
    }

    /// `requests` per second; `None` for zero.
    pub fn per_second(requests: u32) -> Option<RateLimit> {
        RateLimit::new(requests, Duration::from_secs(1))
    }

    /// The time between two requests at the steady rate.
    pub fn interval(&self) -> Duration {
        self.period / self.requests
    }

    /// Requests per period.
    pub fn requests(&self) -> u32 {
        self.requests
    }

    /// The period.
    pub fn period(&self) -> Duration {
        self.period
    }
}

/// Why a rate limit as written is not one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{text}` is not a rate limit: {why} (write N/s, N/m or N/h, e.g. 25/s)")]
pub struct BadRateLimit {
    text: String,
    why: &'static str,
}

impl FromStr for RateLimit {
    type Err = BadRateLimit;

    /// `N/s`, `N/m` or `N/h` (also `N/sec`, `N/min`, `N/hour`): N requests per second, minute
    /// or hour.
    fn from_str(text: &str) -> Result<RateLimit, BadRateLimit> {
        let bad = |why| BadRateLimit {
            text: text.to_string(),
            why,
        };
        let (n, unit) = text.trim().split_once('/').ok_or_else(|| bad("no `/`"))?;
        let requests: u32 = n
            .trim()
            .parse()
            .map_err(|_| bad("the count is not a whole number"))?;
        let period = match unit.trim() {
            "s" | "sec" | "second" => Duration::from_secs(1),
            "m" | "min" | "minute" => Duration::from_secs(60),
            "h" | "hour" => Duration::from_secs(3600),
            _ => return Err(bad("the unit is not s, m or h")),
        };
        RateLimit::new(requests, period).ok_or_else(|| bad("the count is zero"))
    }
}

impl fmt::Display for RateLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let unit = match self.period.as_secs() {
            1 => "s",
            60 => "m",
            3600 => "h",
            _ => return write!(f, "{}/{:?}", self.requests, self.period),
        };
        write!(f, "{}/{unit}", self.requests)
    }
}

/// Spaces requests to a [`RateLimit`], shared by every request that must keep to it.
#[derive(Debug)]
pub struct Pacer {
    interval: Duration,
    /// How far ahead of the steady rate a request may go: `burst - 1` intervals.
    tolerance: Duration,
    /// The theoretical arrival time of the next request at the steady rate.
    next: Mutex<Option<Instant>>,
}

impl Pacer {
    /// A pacer to `limit` that lets `burst` requests (at least one) go at once.
    pub fn new(limit: RateLimit, burst: u32) -> Pacer {
        let interval = limit.interval();
        Pacer {
            interval,
            tolerance: interval * burst.max(1).saturating_sub(1),
            next: Mutex::new(None),
        }
    }

    /// The limit's steady interval between two requests.
    pub fn interval(&self) -> Duration {
        self.interval
    }

    /// When the next request may go, and books it: every call books one request.
    pub fn book(&self) -> Instant {
        let now = Instant::now();
        let mut next = self.next.lock().unwrap_or_else(|e| e.into_inner());
        let due = next.map_or(now, |n| n.max(now));
        *next = Some(due + self.interval);
        // Ahead of the steady rate by up to the tolerance: a burst.
        due.checked_sub(self.tolerance)
            .map_or(now, |at| at.max(now))
    }

    /// Waits until one more request may go.
    pub async fn ready(&self) {
        let at = self.book();
        tokio_time::time::sleep_until(at).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_limits_read_as_vendors_write_them() {
        let per = |n, secs| RateLimit::new(n, Duration::from_secs(secs)).unwrap();
        assert_eq!("25/s".parse::<RateLimit>(), Ok(per(25, 1)));
        assert_eq!(" 100 / m ".parse::<RateLimit>(), Ok(per(100, 60)));
        assert_eq!("5000/h".parse::<RateLimit>(), Ok(per(5000, 3600)));
        assert_eq!("5000/hour".parse::<RateLimit>(), Ok(per(5000, 3600)));
        assert_eq!(per(25, 1).interval(), Duration::from_millis(40));
        assert_eq!(per(100, 60).to_string(), "100/m");
        for bad in ["25", "0/s", "-1/s", "2.5/s", "25/d", "/s", ""] {
            let e = bad.parse::<RateLimit>().unwrap_err().to_string();
            assert!(e.contains("N/s, N/m or N/h"), "{bad}: {e}");
        }
    }

    #[tokio_time::test(crate = "tokio_time", start_paused = true)]
    async fn requests_keep_to_the_rate_after_one_burst() {
        let pacer = Pacer::new(RateLimit::per_second(10).unwrap(), 3);
        let start = Instant::now();
        let mut at = Vec::new();
        for _ in 0..9 {
            pacer.ready().await;
            at.push(start.elapsed().as_millis());
        }
        // Three at once, then one every 100 ms.
        assert_eq!(at, [0, 0, 0, 100, 200, 300, 400, 500, 600]);
        // After a pause, the bucket fills again, up to the burst.
        tokio_time::time::sleep(Duration::from_secs(5)).await;
        let again = Instant::now();
        for _ in 0..4 {
            pacer.ready().await;
        }
        assert_eq!(again.elapsed(), Duration::from_millis(100));
    }
}
