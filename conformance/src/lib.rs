//! Conformance checks of any server against our specs, and the reference mock servers.
//!
//! A [`Target`] names a server and its credential; [`run`] checks it against its vendor's
//! spec with the property families in [`checks`] (pagination, filters, errors, schema, and the
//! transport incidents met on the way) and returns a [`Report`]. Everything the checks know
//! about an endpoint comes from the spec and its `x-` extensions (see `specs/README.md`).
//!
//! ```no_run
//! # async fn demo() {
//! use conformance::{run, Options, Secret, Target};
//! let mut target = Target::new(
//!     specs::Vendor::Peeker,
//!     "http://127.0.0.1:8080/api/partner/v1".parse().unwrap(),
//! );
//! target.credential = Some(Secret::new("pk_test_…"));
//! let report = run(target, Options::default()).await;
//! println!("{}", report.render());
//! std::process::exit(report.exit_code().into());
//! # }
//! ```
#![deny(missing_docs)]

pub mod checks;
pub mod mock;
pub mod probe;
pub mod report;
mod run;
pub mod target;

pub use report::{CheckResult, Report, Stop, Verdict};
pub use run::run;
pub use target::{Options, Secret, Target};
/// The URL type of [`Target::base_url`].
pub use url;
