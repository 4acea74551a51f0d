//! Conformance checks of any server against our specs, and the reference mock servers.
#![deny(missing_docs)]

pub mod mock;
