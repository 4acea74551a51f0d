//! How a request reaches a server: over HTTP ([`Live`]), or from a recording (`replay`).
//!
//! The probe decides what to send and judges what comes back (budget, deadline, retries,
//! origins, redirects, masking); a transport only moves one request and its response.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use url::Url;

/// One request as it goes on the wire.
#[derive(Debug, Clone)]
pub struct WireRequest {
    /// The URL, the credential included when it travels in the query.
    pub url: Url,
    /// Headers to send; the credential's header is marked sensitive.
    pub headers: Vec<WireHeader>,
    /// Largest body to read.
    pub body_cap: usize,
    /// How the credential was chosen, for matching recordings: `target`, `none`, `other:…`.
    pub auth: String,
    /// The request as a recording knows it: the credential choice and the URL with any
    /// credential masked (`target http://…`).
    pub key: String,
}

/// One request header.
#[derive(Debug, Clone)]
pub struct WireHeader {
    /// The name.
    pub name: String,
    /// The value.
    pub value: String,
    /// Whether the value is a secret (never logged or recorded).
    pub sensitive: bool,
}

/// One response as it came off the wire (the body at most `body_cap` bytes).
#[derive(Debug, Clone)]
pub struct WireResponse {
    /// HTTP status.
    pub status: u16,
    /// Headers, names in lower case, values lossily decoded.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

/// Why a transport produced no response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WireError {
    /// No connection could be made.
    Unreachable(String),
    /// The body is larger than the cap.
    BodyTooLarge(usize),
    /// Connection or protocol failure after connecting.
    Transport(String),
    /// No complete response within the time the transport was given (a recording says so).
    Timeout(Duration),
    /// A recording has no answer to this request.
    NotRecorded,
}

/// The future a transport returns.
pub type Sent<'a> = Pin<Box<dyn Future<Output = Result<WireResponse, WireError>> + Send + 'a>>;

/// Moves one request to a server and its response back.
pub trait Transport: Send + Sync {
    /// Sends `request`; the probe bounds the time it may take.
    fn send(&self, request: WireRequest) -> Sent<'_>;
}

/// Installs the rustls crypto provider once per process (reqwest is built without one).
pub fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// The real thing: reqwest, no redirects followed, no proxy for loopback.
pub struct Live {
    client: reqwest::Client,
}

impl Live {
    /// A transport to `base`, connecting within `connect_timeout`.
    pub fn new(base: &Url, connect_timeout: Duration) -> anyhow::Result<Live> {
        install_crypto_provider();
        let mut builder = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .tls_backend_rustls()
            .user_agent(concat!("conformance/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(connect_timeout);
        if matches!(base.host_str(), Some("127.0.0.1" | "localhost" | "[::1]")) {
            builder = builder.no_proxy();
        }
        Ok(Live {
            client: builder.build()?,
        })
    }

    async fn send_now(&self, request: WireRequest) -> Result<WireResponse, WireError> {
        let mut builder = self.client.get(request.url.clone());
        for h in &request.headers {
            let mut value = reqwest::header::HeaderValue::from_str(&h.value).map_err(|_| {
                WireError::Transport(format!(
                    "the value of the {} header is not a valid header value",
                    h.name
                ))
            })?;
            value.set_sensitive(h.sensitive);
            builder = builder.header(h.name.as_str(), value);
        }
        let mut response = builder.send().await.map_err(transport_error)?;
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let cap = request.body_cap;
        if response.content_length().is_some_and(|l| l > cap as u64) {
            return Err(WireError::BodyTooLarge(cap));
        }
        let mut body: Vec<u8> = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(transport_error)? {
            if body.len() + chunk.len() > cap {
                return Err(WireError::BodyTooLarge(cap));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(WireResponse {
            status,
            headers,
            body,
        })
    }
}

impl Transport for Live {
    fn send(&self, request: WireRequest) -> Sent<'_> {
        Box::pin(self.send_now(request))
    }
}

fn transport_error(e: reqwest::Error) -> WireError {
    let connect = e.is_connect();
    // reqwest's messages name the URL, which may hold a query credential: drop it, and keep
    // the chain of causes.
    let e = e.without_url();
    let mut message = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        message.push_str(&format!(": {s}"));
        source = s.source();
    }
    if connect {
        WireError::Unreachable(message)
    } else {
        WireError::Transport(message)
    }
}
