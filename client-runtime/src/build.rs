//! The `reqwest::Client` behind the emitted constructors.

use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};

/// How long a connection and a whole request may take before the request fails.
const TIMEOUT: Duration = Duration::from_secs(15);

/// How many redirects within the origin are followed before the request fails.
const MAX_REDIRECTS: usize = 10;

/// Why a client with credentials could not be built. It never contains the credential.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientBuildError {
    /// The base URL is not an absolute `http(s)` URL; the reason is attached.
    #[error("invalid base URL: {0}")]
    InvalidBaseUrl(String),
    /// The credential contains characters that cannot be sent in an HTTP header.
    #[error("the credential contains characters not allowed in an HTTP header")]
    InvalidCredential,
    /// The user name of HTTP Basic credentials contains a colon, which RFC 7617 forbids (the
    /// colon separates it from the password).
    #[error("the user name of HTTP Basic credentials contains a colon (RFC 7617 forbids it)")]
    InvalidUserName,
    /// reqwest could not build the HTTP client.
    #[error("cannot build the HTTP client: {0}")]
    Http(#[source] reqwest::Error),
}

/// Installs the rustls `ring` crypto provider unless the application installed one.
///
/// reqwest is built without a provider so that the application may pick its own; a client
/// built before any provider is installed would fail, so every constructor calls this first.
pub fn install_crypto_provider() {
    // An error only says that a provider is already installed, which is what we want.
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// A client for `baseurl` that sends `value` in the header `name` on every request.
///
/// The value is marked sensitive, so `Debug` of the client does not show it. Redirects are
/// followed only within the origin (scheme, host and port) of `baseurl`: HTTP clients drop
/// `Authorization` on a cross-host redirect but not a custom header, so a key would otherwise
/// follow a redirect anywhere.
///
/// # Errors
///
/// [`ClientBuildError`] when `baseurl` is not an absolute URL, the value cannot be sent in a
/// header, or the HTTP client cannot be built.
pub fn secret_header_client(
    baseurl: &str,
    name: HeaderName,
    value: String,
) -> Result<reqwest::Client, ClientBuildError> {
    let mut value =
        HeaderValue::try_from(value).map_err(|_| ClientBuildError::InvalidCredential)?;
    value.set_sensitive(true);
    let mut headers = HeaderMap::new();
    headers.insert(name, value);
    build(baseurl, headers)
}

/// The `Authorization` value of HTTP Basic credentials (RFC 7617): `Basic` and the base64 of
/// `user_pass`, the user name and the password joined by a colon.
pub fn basic_authorization(user_pass: &str) -> String {
    use base64::Engine as _;
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(user_pass)
    )
}

/// A client for `baseurl` that sends `username` and `password` as HTTP Basic credentials
/// (`Authorization: Basic base64(username:password)`) on every request, with the guards of
/// [`secret_header_client`]: the value is sensitive and redirects stay within the origin.
///
/// # Errors
///
/// [`ClientBuildError::InvalidUserName`] when `username` contains a colon, otherwise as
/// [`secret_header_client`].
pub fn basic_auth_client(
    baseurl: &str,
    username: &str,
    password: &str,
) -> Result<reqwest::Client, ClientBuildError> {
    if username.contains(':') {
        return Err(ClientBuildError::InvalidUserName);
    }
    secret_header_client(
        baseurl,
        reqwest::header::AUTHORIZATION,
        basic_authorization(&format!("{username}:{password}")),
    )
}

/// A client for `baseurl` without a default header, with the same origin-bound redirects and
/// timeouts as [`secret_header_client`]: the client of an API whose credential travels in the
/// query (see [`crate::Inner::with_query_key`]).
///
/// # Errors
///
/// [`ClientBuildError`] when `baseurl` is not an absolute URL or the HTTP client cannot be
/// built.
pub fn origin_bound_client(baseurl: &str) -> Result<reqwest::Client, ClientBuildError> {
    build(baseurl, HeaderMap::new())
}

fn build(baseurl: &str, headers: HeaderMap) -> Result<reqwest::Client, ClientBuildError> {
    install_crypto_provider();
    let origin = reqwest::Url::parse(baseurl)
        .map_err(|e| ClientBuildError::InvalidBaseUrl(e.to_string()))?
        .origin();
    if !origin.is_tuple() {
        return Err(ClientBuildError::InvalidBaseUrl(format!(
            "`{baseurl}` has no scheme, host and port"
        )));
    }
    let redirect = reqwest::redirect::Policy::custom(move |attempt| {
        if attempt.url().origin() != origin {
            let to = attempt.url().origin().ascii_serialization();
            attempt.error(format!(
                "refusing a redirect to {to}: credentials are only sent to {}",
                origin.ascii_serialization()
            ))
        } else if attempt.previous().len() >= MAX_REDIRECTS {
            attempt.error("too many redirects")
        } else {
            attempt.follow()
        }
    });
    reqwest::ClientBuilder::new()
        .connect_timeout(TIMEOUT)
        .timeout(TIMEOUT)
        .default_headers(headers)
        .redirect(redirect)
        .build()
        .map_err(ClientBuildError::Http)
}
