//! `cargo xtask ci`: everything CI runs, in one place, so a contributor runs exactly what CI runs.
//!
//! Steps run in order and stop at the first failure. The test run comes last, so the closing
//! lines of the output are the test runner's summary.

use std::process::{Command, ExitCode};
use std::time::Instant;

use anyhow::Context;

#[derive(clap::Args)]
pub struct Args {
    /// Skip a step by name (repeatable): fmt, clippy, codegen, schemathesis, conformance, doc, test.
    #[arg(long, value_name = "STEP")]
    skip: Vec<String>,
}

struct Step {
    name: &'static str,
    what: &'static str,
    program: &'static str,
    args: Vec<String>,
}

fn cargo(args: &[&str]) -> Vec<String> {
    args.iter().map(|s| s.to_string()).collect()
}

fn steps() -> Vec<Step> {
    let nextest = Command::new("cargo")
        .args(["nextest", "--version"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    let test = if nextest {
        cargo(&[
            "nextest",
            "run",
            "--workspace",
            "--locked",
            "--no-fail-fast",
        ])
    } else {
        cargo(&["test", "--workspace", "--locked", "--no-fail-fast"])
    };
    vec![
        Step {
            name: "fmt",
            what: "formatting",
            program: "cargo",
            args: cargo(&["fmt", "--all", "--check"]),
        },
        Step {
            name: "clippy",
            what: "lints",
            program: "cargo",
            args: cargo(&[
                "clippy",
                "--workspace",
                "--all-targets",
                "--locked",
                "--",
                "-D",
                "warnings",
            ]),
        },
        Step {
            name: "codegen",
            what: "generated clients match specs/",
            program: "cargo",
            args: cargo(&["xtask", "codegen", "--check"]),
        },
        Step {
            name: "schemathesis",
            what: "an independent tool agrees that mocks and specs match",
            program: "cargo",
            args: cargo(&["xtask", "schemathesis"]),
        },
        Step {
            name: "conformance",
            what: "the main command: every spec's reference mock passes the suite",
            program: "cargo",
            args: cargo(&["xtask", "conformance"]),
        },
        Step {
            name: "doc",
            what: "doc tests (the clients' README examples)",
            program: "cargo",
            args: cargo(&["test", "--workspace", "--locked", "--doc"]),
        },
        Step {
            name: "test",
            what: "unit and integration tests",
            program: "cargo",
            args: test,
        },
    ]
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let all = steps();
    if let Some(unknown) = args
        .skip
        .iter()
        .find(|s| !all.iter().any(|step| step.name == s.as_str()))
    {
        let names: Vec<_> = all.iter().map(|s| s.name).collect();
        anyhow::bail!(
            "unknown step `{unknown}` for --skip; steps are {}",
            names.join(", ")
        );
    }
    let root = crate::root();
    let mut timings = Vec::new();
    for step in all {
        if args.skip.iter().any(|s| s == step.name) {
            eprintln!("ci: {:<12} skipped (--skip)", step.name);
            continue;
        }
        eprintln!(
            "ci: {:<12} {} — {} {}",
            step.name,
            step.what,
            step.program,
            step.args.join(" ")
        );
        let started = Instant::now();
        let status = Command::new(step.program)
            .args(&step.args)
            .current_dir(&root)
            .status()
            .with_context(|| format!("cannot start `{}` for step {}", step.program, step.name))?;
        let secs = started.elapsed().as_secs_f64();
        timings.push((step.name, secs));
        if !status.success() {
            eprintln!("ci: {} FAILED after {secs:.1}s", step.name);
            return Ok(ExitCode::from(1));
        }
    }
    let summary: Vec<_> = timings
        .iter()
        .map(|(n, s)| format!("{n} {s:.0}s"))
        .collect();
    eprintln!("ci: all steps passed ({})", summary.join(", "));
    Ok(ExitCode::SUCCESS)
}
