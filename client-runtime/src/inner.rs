//! What a generated client carries besides its `reqwest::Client`, and the hooks that use it.

use std::cell::RefCell;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use reqwest::Url;

use crate::pace::{Pacer, RateLimit};
use crate::refusals::RateLimitHeaders;
use crate::retry::{retry_after, RetryPolicy};

/// The value that stands for a secret wherever a URL is shown.
const REDACTED: &str = "REDACTED";

/// The header progenitor adds to every request (`api-version: <info.version>`); no API we
/// generate for documents it, so [`prepare`] drops it before the request leaves.
const API_VERSION: &str = "api-version";

/// The inner value of a generated client (progenitor's `with_inner_type`): its retry policy
/// and, for an API whose credential travels in the query, that credential.
///
/// `Debug` never shows the credential.
#[derive(Clone, Default)]
pub struct Inner {
    retry: RetryPolicy,
    query_key: Option<QueryKey>,
    /// Shared by the clones of a client, so that they keep to one limit together.
    pacer: Option<Arc<Pacer>>,
}

#[derive(Clone)]
struct QueryKey {
    name: String,
    value: String,
}

impl fmt::Debug for Inner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct("Inner");
        s.field("retry", &self.retry);
        if let Some(pacer) = &self.pacer {
            s.field("pace", &pacer.interval());
        }
        if let Some(key) = &self.query_key {
            s.field("query_key", &format_args!("{}={REDACTED}", key.name));
        }
        s.finish()
    }
}

impl Inner {
    /// The same value with another retry policy.
    pub fn with_retry_policy(mut self, policy: RetryPolicy) -> Inner {
        self.retry = policy;
        self
    }

    /// The same value sending at most one request per interval of `limit` (retries and the
    /// pages of a stream included), across every clone of the client that carries it.
    pub fn with_rate_limit(mut self, limit: RateLimit) -> Inner {
        self.pacer = Some(Arc::new(Pacer::new(limit, 1)));
        self
    }

    /// The same value sending `value` as the query parameter `name` on every request.
    pub fn with_query_key(mut self, name: impl Into<String>, value: impl Into<String>) -> Inner {
        self.query_key = Some(QueryKey {
            name: name.into(),
            value: value.into(),
        });
        self
    }

    /// The retry policy.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.retry
    }

    /// `url` with the value of the query credential replaced, for messages: a URL that the
    /// client shows (in an error, in `Debug`) never carries the secret.
    pub fn redact(&self, url: &str) -> String {
        let Some(key) = &self.query_key else {
            return url.to_string();
        };
        let Ok(mut parsed) = reqwest::Url::parse(url) else {
            return url.replace(&key.value, REDACTED);
        };
        if !parsed.query_pairs().any(|(k, _)| k == key.name.as_str()) {
            return url.to_string();
        }
        let pairs: Vec<(String, String)> = parsed
            .query_pairs()
            .map(|(k, v)| {
                let v = if k == key.name.as_str() {
                    REDACTED.to_string()
                } else {
                    v.into_owned()
                };
                (k.into_owned(), v)
            })
            .collect();
        parsed.query_pairs_mut().clear().extend_pairs(pairs);
        parsed.to_string()
    }
}

thread_local! {
    /// Where the request that a stream's fetch sends notes its URL, while that fetch is polled
    /// (see [`RequestUrl`]).
    static ASKED: RefCell<Option<Arc<Mutex<Option<Url>>>>> = const { RefCell::new(None) };
}

/// The URL of the request a stream's page fetch sends. progenitor's responses do not carry it,
/// and a relative next link resolves against it: the stream polls the fetch inside
/// [`RequestUrl::during`], and the pre-request hook ([`prepare`]) notes the URL there, before
/// the query credential is added (so it never holds the secret).
#[derive(Debug, Default, Clone)]
pub(crate) struct RequestUrl(Arc<Mutex<Option<Url>>>);

impl RequestUrl {
    /// Runs `poll` with this slot as the place [`prepare`] notes URLs in.
    pub(crate) fn during<T>(&self, poll: impl FnOnce() -> T) -> T {
        /// Puts the previous slot back, also when `poll` panics.
        struct Restore(Option<Arc<Mutex<Option<Url>>>>);
        impl Drop for Restore {
            fn drop(&mut self) {
                let previous = self.0.take();
                ASKED.with(|a| *a.borrow_mut() = previous);
            }
        }
        let _restore = Restore(ASKED.with(|a| a.replace(Some(self.0.clone()))));
        poll()
    }

    /// The URL noted last.
    pub(crate) fn get(&self) -> Option<Url> {
        lock(&self.0).clone()
    }

    /// Forgets the URL noted, before the next fetch.
    pub(crate) fn clear(&self) {
        *lock(&self.0) = None;
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The pre-request hook of a generated client: drops progenitor's `api-version` header and
/// adds the query credential unless the URL already carries it (a next-page link may).
pub fn prepare(inner: &Inner, request: &mut reqwest::Request) {
    ASKED.with(|a| {
        if let Some(slot) = &*a.borrow() {
            *lock(slot) = Some(request.url().clone());
        }
    });
    request.headers_mut().remove(API_VERSION);
    if let Some(key) = &inner.query_key {
        let url = request.url_mut();
        if !url.query_pairs().any(|(k, _)| k == key.name.as_str()) {
            url.query_pairs_mut().append_pair(&key.name, &key.value);
        }
    }
}

/// The exec hook of a generated client: sends `request` with `client`, again while the
/// [`RetryPolicy`] of `inner` says so, and returns the last answer.
///
/// A request whose body cannot be cloned (a stream) is sent once. With a query credential,
/// the URL of the response and of a transport error is redacted, so that neither `Debug` of
/// an unexpected response nor an error message shows the secret.
pub async fn execute(
    client: &reqwest::Client,
    inner: &Inner,
    request: reqwest::Request,
) -> reqwest::Result<reqwest::Response> {
    execute_limited(client, inner, request, None).await
}

/// [`execute`] for an operation whose server also tells a rate limit with headers
/// (`x-errors.rate-limit`): such an answer is retried like a 429, after the window resets
/// ([`RetryPolicy::rate_limit_delay`]).
pub async fn execute_limited(
    client: &reqwest::Client,
    inner: &Inner,
    mut request: reqwest::Request,
    limits: Option<&RateLimitHeaders>,
) -> reqwest::Result<reqwest::Response> {
    let policy = &inner.retry;
    let method = request.method().clone();
    let mut attempt = 1;
    loop {
        let again = if attempt < policy.max_attempts() {
            request.try_clone()
        } else {
            None
        };
        if let Some(pacer) = &inner.pacer {
            pacer.ready().await;
        }
        let result = client.execute(request).await;
        let wait = match (&result, &again) {
            (_, None) => None,
            (Ok(response), Some(_))
                if policy.is_rate_limited(response.status(), response.headers(), limits) =>
            {
                policy.rate_limit_delay(attempt, response.headers(), limits, SystemTime::now())
            }
            (Ok(response), Some(_)) if policy.retries_status(&method, response.status()) => {
                let asked = retry_after(response.headers(), SystemTime::now());
                Some(policy.delay(attempt, asked))
            }
            (Err(error), Some(_)) if policy.retries_error(&method, error) => {
                Some(policy.delay(attempt, None))
            }
            _ => None,
        };
        match (wait, again) {
            (Some(wait), Some(next)) => {
                drop(result);
                tokio_time::time::sleep(wait).await;
                request = next;
                attempt += 1;
            }
            _ => return redacted(inner, result),
        }
    }
}

/// The result of a request as the caller may see it: without the query credential.
fn redacted(
    inner: &Inner,
    result: reqwest::Result<reqwest::Response>,
) -> reqwest::Result<reqwest::Response> {
    if inner.query_key.is_none() {
        return result;
    }
    match result {
        Ok(response) => Ok(without_secret_url(inner, response)),
        Err(error) => Err(match error.url().map(|u| inner.redact(u.as_str())) {
            Some(url) => match reqwest::Url::parse(&url) {
                Ok(url) => error.with_url(url),
                Err(_) => error.without_url(),
            },
            None => error,
        }),
    }
}

/// The same response with its URL redacted: reqwest keeps the URL only as an extension that
/// its own conversion from `http::Response` reads, so the response is taken apart and built
/// again with the redacted URL.
fn without_secret_url(inner: &Inner, response: reqwest::Response) -> reqwest::Response {
    use reqwest::ResponseBuilderExt as _;
    let url = reqwest::Url::parse(&inner.redact(response.url().as_str()));
    let Ok(url) = url else {
        return response;
    };
    let http: http::Response<reqwest::Body> = response.into();
    let (parts, body) = http.into_parts();
    let mut builder = http::Response::builder()
        .status(parts.status)
        .version(parts.version)
        .url(url);
    if let Some(headers) = builder.headers_mut() {
        *headers = parts.headers;
    }
    match builder.body(body) {
        Ok(rebuilt) => reqwest::Response::from(rebuilt),
        // Building from parts of a valid response cannot fail; if it ever did, an empty
        // answer with the status is better than the secret.
        Err(_) => reqwest::Response::from(
            http::Response::builder()
                .status(parts.status)
                .body(reqwest::Body::from(Vec::new()))
                .unwrap_or_default(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_redact_hide_the_query_key() {
        let inner = Inner::default().with_query_key("api_key", "s3cr3t");
        let debug = format!("{inner:?}");
        assert!(!debug.contains("s3cr3t"), "{debug}");
        assert!(debug.contains("api_key=REDACTED"), "{debug}");
        let url = inner.redact("http://h/x?a=1&api_key=s3cr3t&b=2");
        assert_eq!(url, "http://h/x?a=1&api_key=REDACTED&b=2");
        assert_eq!(inner.redact("http://h/x?a=1"), "http://h/x?a=1");
        assert_eq!(
            Inner::default().redact("http://h/?api_key=k"),
            "http://h/?api_key=k"
        );
    }

    #[test]
    fn prepare_drops_api_version_and_adds_the_key_once() {
        let inner = Inner::default().with_query_key("api_key", "k");
        crate::install_crypto_provider();
        let client = reqwest::Client::new();
        let mut request = client
            .get("http://h/x?a=1")
            .header(API_VERSION, "1.0")
            .build()
            .unwrap();
        prepare(&inner, &mut request);
        prepare(&inner, &mut request);
        assert!(request.headers().get(API_VERSION).is_none());
        assert_eq!(request.url().as_str(), "http://h/x?a=1&api_key=k");
    }
}
