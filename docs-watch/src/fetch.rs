//! Getting a page or a package: over HTTP with a timeout and a size cap, or from a directory
//! (`--from`).

use std::path::{Path, PathBuf};
use std::time::Duration;

/// A page body and whether the server declared it as HTML.
pub struct Body {
    pub text: String,
    pub html: bool,
}

/// Pages larger than this are refused: a documentation page is far smaller.
const MAX_BYTES: usize = 5 * 1024 * 1024;
const TIMEOUT: Duration = Duration::from_secs(30);
/// One retry after a transient failure (connection, timeout, 5xx, 429) keeps a daily job from
/// failing on a blip.
const RETRY_AFTER: Duration = Duration::from_secs(2);

/// Where pages come from.
pub enum Fetcher {
    Live {
        runtime: tokio::runtime::Runtime,
        client: reqwest::Client,
    },
    Dir(PathBuf),
}

impl Fetcher {
    pub fn live() -> anyhow::Result<Fetcher> {
        // reqwest is built without a crypto provider; another module may have installed one.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .connect_timeout(Duration::from_secs(10))
            .user_agent(concat!(
                "docs-watch/",
                env!("CARGO_PKG_VERSION"),
                " (cargo xtask docs-check)"
            ))
            .build()?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        Ok(Fetcher::Live { runtime, client })
    }

    pub fn dir(dir: &Path) -> Fetcher {
        Fetcher::Dir(dir.to_path_buf())
    }

    /// Where the body of a page comes from, for the report.
    pub fn describe(&self, url: &str, snapshot: &Path) -> String {
        match self {
            Fetcher::Live { .. } => url.to_string(),
            Fetcher::Dir(dir) => self
                .file_for(dir, snapshot)
                .map(|p| p.display().to_string())
                .unwrap_or_else(|| dir.display().to_string()),
        }
    }

    fn file_for(&self, dir: &Path, snapshot: &Path) -> Option<PathBuf> {
        snapshot.file_name().map(|name| dir.join(name))
    }

    /// The body of a page, or why it could not be had.
    pub fn get(&self, url: &str, snapshot: &Path) -> Result<Body, String> {
        match self {
            Fetcher::Dir(dir) => {
                let path = self
                    .file_for(dir, snapshot)
                    .ok_or_else(|| "the snapshot path names no file".to_string())?;
                let bytes = std::fs::read(&path)
                    .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
                if bytes.len() > MAX_BYTES {
                    return Err(format!(
                        "{} is larger than {MAX_BYTES} bytes",
                        path.display()
                    ));
                }
                Ok(Body {
                    text: String::from_utf8_lossy(&bytes).into_owned(),
                    html: false,
                })
            }
            Fetcher::Live { .. } => {
                let (bytes, html) = self.get_bytes(url, None, MAX_BYTES)?;
                Ok(Body {
                    text: String::from_utf8_lossy(&bytes).into_owned(),
                    html,
                })
            }
        }
    }

    /// The bytes at `url` (at most `max`), asked for with `accept`, and whether the server
    /// declared them HTML; tried twice when the first failure may pass. Only a live fetcher
    /// fetches: a directory has no URLs.
    pub fn get_bytes(
        &self,
        url: &str,
        accept: Option<&str>,
        max: usize,
    ) -> Result<(Vec<u8>, bool), String> {
        let Fetcher::Live { runtime, client } = self else {
            return Err(format!("{url} is not fetched: reading from a directory"));
        };
        runtime.block_on(async {
            match get_once(client, url, accept, max).await {
                Err((reason, true)) => {
                    tokio::time::sleep(RETRY_AFTER).await;
                    get_once(client, url, accept, max)
                        .await
                        .map_err(|(again, _)| {
                            if again == reason {
                                format!("{again} (tried twice)")
                            } else {
                                format!("{again} (first try: {reason})")
                            }
                        })
                }
                other => other.map_err(|(reason, _)| reason),
            }
        })
    }
}

/// One GET; the error says why and whether trying again may help.
async fn get_once(
    client: &reqwest::Client,
    url: &str,
    accept: Option<&str>,
    max: usize,
) -> Result<(Vec<u8>, bool), (String, bool)> {
    let mut request = client.get(url);
    if let Some(accept) = accept {
        request = request.header(reqwest::header::ACCEPT, accept);
    }
    let mut response = request.send().await.map_err(|e| {
        let transient = e.is_timeout() || e.is_connect() || e.is_request();
        (describe_error(&e), transient)
    })?;
    let status = response.status();
    if !status.is_success() {
        let transient = status.is_server_error() || status.as_u16() == 429;
        return Err((format!("HTTP {status}"), transient));
    }
    let html = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().contains("html"));
    let mut bytes = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| (describe_error(&e), true))?
    {
        bytes.extend_from_slice(&chunk);
        if bytes.len() > max {
            return Err((format!("{url} is larger than {max} bytes"), false));
        }
    }
    Ok((bytes, html))
}

/// The error with its causes, which is where reqwest says what actually went wrong. The outer
/// message only repeats the URL, which the report already shows.
fn describe_error(e: &reqwest::Error) -> String {
    let mut parts = Vec::new();
    if !e.to_string().starts_with("error sending request") || e.is_timeout() {
        parts.push(e.to_string());
    }
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        parts.push(cause.to_string());
        source = cause.source();
    }
    if parts.is_empty() {
        parts.push(e.to_string());
    }
    parts.join(": ")
}
