//! Helpers shared by the `suite_*` tests: a mock and a target pointing at it.
#![allow(dead_code)]

pub mod wire;

use std::time::Duration;

use conformance::{Options, Report, Target};
use mock::{Fault, MockConfig, RunningMock};

/// An embedded spec, by name.
pub fn spec(name: &str) -> specs::Spec {
    specs::load(name)
        .expect("an embedded spec")
        .expect("it parses")
}

/// A fixture spec of `fixtures/specs/`, by file stem: APIs that no Rust names.
pub fn fixture(name: &str) -> specs::Spec {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures/specs")
        .join(format!("{name}.yaml"));
    specs::Spec::load(&path).unwrap_or_else(|e| panic!("{e}"))
}

/// An embedded spec or, when there is none of that name, a fixture spec.
pub fn spec_or_fixture(name: &str) -> specs::Spec {
    match specs::load(name) {
        Some(loaded) => loaded.expect("it parses"),
        None => fixture(name),
    }
}

/// Every fixture spec, by file stem.
pub fn fixtures() -> Vec<specs::Spec> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/specs");
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .expect("fixtures/specs is readable")
        .map(|e| e.expect("an entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|p| specs::Spec::load(p).unwrap_or_else(|e| panic!("{e}")))
        .collect()
}

/// Few cases and a fixed seed: the tests prove that properties are caught, not that random
/// search is thorough. Time limits are generous: they bound hostile faults, never normal work.
pub fn options() -> Options {
    Options {
        cases: 6,
        seed: 7,
        max_shrink_iters: 8,
        request_timeout: Duration::from_secs(3),
        retry_after_cap: Duration::from_millis(50),
        max_retries: 3,
        ..Options::default()
    }
}

/// A target for a running mock, with every credential and option the mock offers.
pub fn target(m: &RunningMock) -> Target {
    conformance::target::for_mock(m).expect("the mock's base URL parses")
}

/// Starts a mock with `config`, checks it with `options`, shuts it down.
pub async fn check(config: MockConfig, options: Options) -> (Report, Target) {
    let m = mock::start(config).await.expect("the mock starts");
    let t = target(&m);
    let report = conformance::run(t.clone(), options).await;
    m.shutdown().await;
    (report, t)
}

/// A mock of `spec` with a fault, and enough data to show it: with 400 items, a target that
/// sees one path value of several still holds more than `size-max` (so that serving more than
/// the maximum is visible without a size echo) and some of the one-in-sixteen items that the
/// item-level faults break.
pub fn faulty(spec: specs::Spec, fault: Fault) -> MockConfig {
    // Where several operations split the items among their path values, more of them, so that
    // each value still holds more than `size-max` once a default filter narrows it.
    let scoped = spec
        .operations
        .iter()
        .filter(|o| o.access.is_some())
        .count();
    // More items than the largest page, so that a size above it served as asked shows.
    let largest = spec
        .operations
        .iter()
        .filter_map(|o| o.pagination.as_ref())
        .map(|p| p.size_max as usize + 100)
        .max()
        .unwrap_or(0);
    MockConfig {
        fault: Some(fault),
        items: if scoped > 1 { 800 } else { 400 }.max(largest),
        ..MockConfig::new(spec)
    }
}

/// Every form in which a report reaches a person or a CI system.
pub struct ReportTexts {
    /// The terminal summary.
    pub render: String,
    /// `Debug` of the report.
    pub debug: String,
    /// The JUnit file, as written by `--junit`.
    pub junit: String,
    /// The JSON file, as written by `--json`.
    pub json: String,
}

impl ReportTexts {
    /// Writes the report's JUnit and JSON files (under a temporary directory named after
    /// `name`) and reads them back with the terminal and Debug forms.
    pub fn of(report: &Report, name: &str) -> ReportTexts {
        let dir = std::env::temp_dir().join(format!("{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let (junit, json) = (dir.join("r.xml"), dir.join("r.json"));
        conformance::report::write_junit(std::slice::from_ref(report), &junit).unwrap();
        conformance::report::write_json(std::slice::from_ref(report), &json).unwrap();
        let texts = ReportTexts {
            render: report.render(),
            debug: format!("{report:?}"),
            junit: std::fs::read_to_string(&junit).unwrap(),
            json: std::fs::read_to_string(&json).unwrap(),
        };
        let _ = std::fs::remove_dir_all(&dir);
        texts
    }

    /// All four forms.
    pub fn all(&self) -> [&str; 4] {
        [&self.render, &self.debug, &self.junit, &self.json]
    }
}
