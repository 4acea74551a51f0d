//! Collecting what a generated client streams.

use futures::StreamExt as _;

/// Collects a stream, failing on the first error.
pub async fn all<T, E: std::fmt::Debug>(
    stream: impl futures::Stream<Item = Result<T, E>> + Unpin,
) -> Vec<T> {
    let items: Vec<Result<T, E>> = stream.collect().await;
    items
        .into_iter()
        .map(|r| r.unwrap_or_else(|e| panic!("{e:?}")))
        .collect()
}
