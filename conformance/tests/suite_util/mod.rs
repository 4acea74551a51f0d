//! Helpers shared by the `suite_*` tests: a mock and a target pointing at it.
#![allow(dead_code)]

pub mod wire;

use std::time::Duration;

use conformance::mock::{self, Fault, MockConfig, RunningMock, Vendor};
use conformance::{Options, Report, Target};

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
    Target::for_mock(m).expect("the mock's base URL parses")
}

/// Starts a mock with `config`, checks it with `options`, shuts it down.
pub async fn check(config: MockConfig, options: Options) -> (Report, Target) {
    let m = mock::start(config).await.expect("the mock starts");
    let t = target(&m);
    let report = conformance::run(t.clone(), options).await;
    m.shutdown().await;
    (report, t)
}

/// A mock of `vendor` with a fault, and enough data to show it.
///
/// The target sees one DevPayr project of four: with 400 domains it holds about a hundred,
/// more than `size-max` (so that serving more than the maximum is visible without a size echo)
/// and some of the one-in-sixteen items that the item-level faults break.
pub fn faulty(vendor: Vendor, fault: Fault) -> MockConfig {
    let items = match vendor {
        Vendor::Peeker => MockConfig::new(vendor).items,
        Vendor::Devpayr => 400,
    };
    MockConfig {
        fault: Some(fault),
        items,
        ..MockConfig::new(vendor)
    }
}
