//! The stream benchmark's harness (`testkit::bench::stream`) with this crate's two walks from
//! `examples/stream_bench.rs`: both see the same items, every timed page comes from memory,
//! and a project holding a share of the items still gets the count asked for. Nothing here
//! depends on how fast the machine is.

#[allow(dead_code)]
#[path = "../examples/stream_bench.rs"]
mod example;

use testkit::bench::stream::{stream_bench, StreamOptions};

#[test]
fn the_harness_walks_the_count_asked_for_from_memory() {
    let spec = specs::load("devpayr").expect("embedded").expect("parses");
    let options = StreamOptions {
        items: 300,
        rounds: 3,
        seed: 5,
    };
    let result = stream_bench(spec, options, example::generated, example::handwritten)
        .unwrap_or_else(|e| panic!("{e:#}"));
    assert!(result.items >= 300, "{result:?}");
    assert_eq!(result.misses, 0, "{result:?}");
    assert_eq!(result.page_size, 50);
    // Cursor pages: one request per 50 items, the last one short.
    assert_eq!(
        result.requests,
        (result.items as u64).div_ceil(50),
        "{result:?}"
    );
    assert!(result.ratio() > 0.0);
}
