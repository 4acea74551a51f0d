//! Conformance checks of any server against its spec.
//!
//! A [`Target`] names a server, its spec and its credential; [`run`] checks it with the
//! property families in [`checks`] (pagination, filters, errors, schema, and the transport
//! incidents met on the way) and returns a [`Report`]. Everything the checks know about an
//! endpoint comes from the spec and its `x-` extensions (see `specs/README.md`); every check is
//! named once, in [`registry`].
//!
//! ```no_run
//! # async fn demo() {
//! use std::sync::Arc;
//! use conformance::{run, Options, Secret, Target};
//! let spec = Arc::new(specs::load("peeker").unwrap().unwrap());
//! let mut target = Target::new(spec, "http://127.0.0.1:8080/api/partner/v1".parse().unwrap());
//! target.credential = Some(Secret::new("pk_test_0123456789"));
//! let report = run(target, Options::default()).await;
//! println!("{}", report.render());
//! std::process::exit(report.exit_code().into());
//! # }
//! ```
#![deny(missing_docs)]

pub mod checks;
pub mod engine;
pub mod har;
pub mod probe;
pub mod registry;
pub mod report;
pub mod settings;
pub mod target;

pub use client_runtime::RateLimit;
pub use engine::{run, run_recorded, run_recording, run_with, Run};
pub use registry::{CheckId, Family, Selection};
pub use report::{CheckResult, Report, Stop, Verdict};
pub use target::{Options, Secret, Target};
/// The URL type of [`Target::base_url`].
pub use url;
