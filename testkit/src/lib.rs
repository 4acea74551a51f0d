//! What the tests and benchmarks share, kept out of the reference mock, which only serves.
//!
//! - [`recorder`]: a local HTTP server that records every request and answers from a closure,
//!   for the client tests of `generated/*/tests/client.rs`.
//! - [`bench`]: the mock's keep-alive load generator of `cargo xtask bench`, and in
//!   [`bench::stream`] the stream benchmark's harness and caching front, used by
//!   `generated/*/examples/stream_bench.rs`.
//!
//! Everything here binds 127.0.0.1 only and starts mocks through the `mock` crate's public API.
#![deny(missing_docs)]

pub mod bench;
pub mod recorder;

use std::sync::Mutex;

/// The value behind `m`, also after a panic elsewhere poisoned it: the state stays usable.
pub(crate) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
