//! The stream run of `cargo xtask bench`: for every spec whose client crate has an
//! `examples/stream_bench.rs`, that example in a release build. It walks at least `--stream-items`
//! items of the reference mock at the largest page size with the generated client's
//! `stream()` and with a hand-written reqwest + serde loop, over the same pages served from
//! memory, and prints the medians as one line of JSON (method: `testkit::bench::stream`). The
//! target is a ratio of at most 1.05.
//!
//! The hand-written loop is per API by definition, so a spec without the example gets a row
//! that says so instead of a figure.

use std::process::Command;

use anyhow::{bail, Context};
use specs::Spec;

use crate::bench::Row;

/// The row of `spec`'s stream benchmark.
pub(crate) fn row(spec: &Spec, items: usize) -> anyhow::Result<Row> {
    let root = crate::root();
    let name = format!("stream {}", spec.name);
    let dir = codegen::crate_dir(&spec.name);
    if !root.join(&dir).join("examples/stream_bench.rs").is_file() {
        return Ok(Row {
            name,
            figure: "skipped".into(),
            method: format!(
                "no hand-written baseline: {}/examples/stream_bench.rs does not exist",
                dir.display()
            ),
        });
    }
    let package = codegen::crate_name(&spec.name);
    let out = Command::new(env!("CARGO"))
        .args(["run", "--release", "--quiet", "--package", &package])
        .args(["--example", "stream_bench", "--"])
        .arg(items.to_string())
        .current_dir(&root)
        .output()
        .with_context(|| format!("cannot run the stream benchmark of {package}"))?;
    if !out.status.success() {
        bail!(
            "the stream benchmark of {package} exited with {}:\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let line = String::from_utf8_lossy(&out.stdout);
    let result: serde_json::Value = serde_json::from_str(line.trim())
        .with_context(|| format!("the stream benchmark of {package} printed `{line}`"))?;
    let number = |key: &str| {
        result
            .get(key)
            .and_then(serde_json::Value::as_f64)
            .with_context(|| format!("the stream benchmark of {package} printed no `{key}`"))
    };
    let ratio = number("ratio")?;
    Ok(Row {
        name,
        figure: format!(
            "{ratio:.3}× ({:.1} ms against {:.1} ms for {} items in {} requests){}",
            number("generated_ms")?,
            number("handwritten_ms")?,
            number("items")?,
            number("requests")?,
            if ratio <= 1.05 { "" } else { ", above the 1.05× target" }
        ),
        method: format!(
            "{package} `stream()` / hand-written reqwest + serde loop, medians of {} alternating walks at page size {}, pages served from memory ({} cache misses)",
            number("rounds")?,
            number("page_size")?,
            number("misses")?
        ),
    })
}
