//! `cargo xtask schemathesis`: Schemathesis, an independent OpenAPI fuzzer, runs every
//! `specs/*.yaml` against its reference mock, so the mocks and the specs are checked by a tool
//! that is not ours.
//!
//! The pinned version lives in `xtask/schemathesis-requirements.txt` and is installed into a
//! virtualenv at `target/schemathesis-venv` (reinstalled when the requirements file changes).
//! The mocks run in-process on 127.0.0.1:0. The checks are the response-side ones
//! (server errors, status codes, content types, response schemas and headers) plus the
//! request-side ones that a read-only list endpoint can answer (negative data rejection,
//! positive data acceptance, ignored auth, unsupported methods).

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use anyhow::{bail, Context};
use mock::{Fault, MockConfig, RunningMock};
use sha2::{Digest, Sha256};

const CHECKS: &str = "not_a_server_error,status_code_conformance,content_type_conformance,\
response_schema_conformance,response_headers_conformance,negative_data_rejection,\
positive_data_acceptance,ignored_auth,unsupported_method";

#[derive(clap::Args)]
pub struct Args {
    /// Test cases per operation and phase.
    #[arg(long, default_value_t = 100)]
    max_examples: u32,
    /// Seed of Schemathesis' data generation, for replay.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Run only this API (a spec in specs/).
    #[arg(long, alias = "vendor", value_parser = clap::builder::PossibleValuesParser::new(specs::names()))]
    api: Option<String>,
    /// Start the mocks with this fault (to see Schemathesis catch it); APIs it does not apply
    /// to run without it.
    #[arg(long)]
    fault: Option<String>,
}

/// The figures of one Schemathesis run, read from its JSON report.
struct Figures {
    operations: u64,
    generated: u64,
    failures: u64,
    errors: u64,
    exit_code: i64,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let root = crate::root();
    let out = root.join("target/schemathesis");
    std::fs::create_dir_all(&out).with_context(|| format!("cannot create {}", out.display()))?;
    let st = ensure_venv(&root)?;
    let specs: Vec<specs::Spec> = specs::all()?
        .into_iter()
        .filter(|s| args.api.as_ref().is_none_or(|a| *a == s.name))
        .collect();

    let fault = match &args.fault {
        None => None,
        Some(name) => Some(Fault::from_name(name).with_context(|| {
            let names: Vec<&str> = Fault::ALL.iter().map(|f| f.name()).collect();
            format!("unknown fault `{name}`; valid names: {}", names.join(", "))
        })?),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start a tokio runtime")?;
    let mut all_ok = true;
    let mut table = Vec::new();
    for spec in specs {
        let name = spec.name.clone();
        let config = MockConfig {
            fault: fault.filter(|f| f.applies_to(&spec).is_ok()),
            ..MockConfig::new(spec)
        };
        let mock = runtime.block_on(mock::start(config))?;
        // Schemathesis runs as a child process while the mock serves on the runtime's workers.
        let result = run_one(&root, &out, &st, &mock, &args);
        runtime.block_on(mock.shutdown());
        let figures = result?;
        let ok = figures.exit_code == 0 && figures.failures == 0 && figures.errors == 0;
        all_ok &= ok;
        table.push(format!(
            "{:<8} operations {:>2}  test cases {:>5}  failures {:>3}  errors {:>3}  {}",
            name,
            figures.operations,
            figures.generated,
            figures.failures,
            figures.errors,
            if ok { "ok" } else { "FAILED" }
        ));
    }
    println!(
        "\nSchemathesis summary (seed {}, max examples {}):",
        args.seed, args.max_examples
    );
    for line in table {
        println!("  {line}");
    }
    Ok(if all_ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Creates or refreshes the virtualenv; returns the path of the `schemathesis` executable.
fn ensure_venv(root: &Path) -> anyhow::Result<PathBuf> {
    let requirements = root.join("xtask/schemathesis-requirements.txt");
    let wanted = std::fs::read(&requirements)
        .with_context(|| format!("cannot read {}", requirements.display()))?;
    let stamp_value = format!("{:x}", Sha256::digest(&wanted));
    let venv = root.join("target/schemathesis-venv");
    let st = venv.join("bin/schemathesis");
    let stamp = venv.join(".requirements-sha256");
    if st.exists() && std::fs::read_to_string(&stamp).ok().as_deref() == Some(stamp_value.as_str())
    {
        return Ok(st);
    }
    eprintln!("installing Schemathesis into {}", venv.display());
    let status = Command::new("python3")
        .args(["-m", "venv"])
        .arg(&venv)
        .status()
        .context("cannot run python3 (is it installed?)")?;
    if !status.success() {
        bail!("python3 -m venv failed ({status}); on Debian: apt-get install python3-venv");
    }
    let status = Command::new(venv.join("bin/pip"))
        .args(["install", "--quiet", "--disable-pip-version-check", "-r"])
        .arg(&requirements)
        .status()
        .context("cannot run pip")?;
    if !status.success() {
        bail!(
            "pip install -r {} failed ({status})",
            requirements.display()
        );
    }
    std::fs::write(&stamp, stamp_value)
        .with_context(|| format!("cannot write {}", stamp.display()))?;
    Ok(st)
}

/// The checks of one API: [`CHECKS`], but `ignored_auth` where the spec answers a missing or
/// an invalid credential with an error in a 200 body (`x-errors` `in-body` codes, Slack's
/// `not_authed`): Schemathesis judges an unauthenticated request by its status alone, and the
/// suite's `errors/missing-key` and `errors/invalid-key` judge the body.
fn checks(mock: &RunningMock) -> anyhow::Result<String> {
    let op = mock
        .spec()
        .paginated_operation()
        .context("no paginated operation")?;
    let in_body = [specs::ErrorKind::MissingKey, specs::ErrorKind::InvalidKey]
        .iter()
        .any(|k| !op.errors.codes(*k).is_empty());
    Ok(CHECKS
        .split(',')
        .filter(|c| !(in_body && *c == "ignored_auth"))
        .collect::<Vec<_>>()
        .join(","))
}

/// Schemathesis' own expected statuses of `negative_data_rejection` (4.32.5), to which a spec
/// whose invalid parameters are refused in a 200 body adds 200.
const NEGATIVE_DATA_REJECTION: [&str; 12] = [
    "400", "401", "403", "404", "405", "406", "409", "415", "422", "428", "429", "5xx",
];

/// The Schemathesis configuration of one API.
///
/// Positive data acceptance also accepts the statuses `x-errors.invalid-token` documents:
/// the spec types page tokens and cursors as free strings (they are opaque), so Schemathesis
/// generates "valid" random tokens that a correct server must refuse. Path parameters are
/// pinned to the values the mock's primary credential may read, so the cases reach the 200
/// path; the 401/403/404 paths are covered by the mock tests and the conformance checks.
fn config(mock: &RunningMock) -> anyhow::Result<String> {
    let op = mock
        .spec()
        .paginated_operation()
        .context("no paginated operation")?;
    let mut accepted: Vec<String> = vec!["2xx".into()];
    accepted.extend(op.errors.invalid_token.iter().map(u16::to_string));
    let mut text = format!(
        "[checks.positive_data_acceptance]\nexpected-statuses = [{}]\n",
        accepted
            .iter()
            .map(|s| format!("\"{s}\""))
            .collect::<Vec<_>>()
            .join(", ")
    );
    // Invalid data refused in a 200 body (`x-errors` `in-body` codes of invalid-param) is
    // rejected as the spec says; the suite's `errors/invalid-param` judges the code.
    if !op.errors.codes(specs::ErrorKind::InvalidParam).is_empty() {
        let statuses: Vec<String> = NEGATIVE_DATA_REJECTION
            .iter()
            .chain(&["200"])
            .map(|s| format!("\"{s}\""))
            .collect();
        text.push_str(&format!(
            "\n[checks.negative_data_rejection]\nexpected-statuses = [{}]\n",
            statuses.join(", ")
        ));
    }
    if !mock.credentials.path_values.is_empty() {
        text.push_str("\n[parameters]\n");
        for (name, value) in &mock.credentials.path_values {
            let integer = op
                .parameter(name, specs::Location::Path)
                .is_some_and(|p| p.schema_type() == Some("integer"));
            let value = if integer {
                value.clone()
            } else {
                format!("{value:?}")
            };
            text.push_str(&format!("\"path.{name}\" = {value}\n"));
        }
    }
    Ok(text)
}

fn run_one(
    root: &Path,
    out: &Path,
    st: &Path,
    mock: &RunningMock,
    args: &Args,
) -> anyhow::Result<Figures> {
    let name = mock.spec().name.clone();
    let config_path = out.join(format!("{name}.toml"));
    std::fs::write(&config_path, config(mock)?)
        .with_context(|| format!("cannot write {}", config_path.display()))?;
    let report = out.join(format!("{name}.json"));
    let _ = std::fs::remove_file(&report);
    let header = mock::primary_header(mock).map(|(n, v)| format!("{n}: {v}"));
    println!(
        "== Schemathesis: specs/{name}.yaml against {}",
        mock.base_url
    );
    let mut command = Command::new(st);
    command
        .current_dir(out)
        .env("SCHEMATHESIS_TELEMETRY", "false")
        .arg("--config-file")
        .arg(&config_path)
        .arg("run")
        .arg(root.join("specs").join(format!("{name}.yaml")))
        .args(["--url", &mock.base_url]);
    if let Some(header) = &header {
        command.args(["-H", header]);
    }
    let status = command
        .args(["--checks", &checks(mock)?])
        .args(["--max-examples", &args.max_examples.to_string()])
        .args(["--seed", &args.seed.to_string()])
        .args(["--workers", "1", "--no-color", "--output-sanitize", "true"])
        .args(["--generation-database", "none"])
        .args(["--report", "json", "--report-json-path"])
        .arg(&report)
        .status()
        .context("cannot run schemathesis")?;
    let text = std::fs::read_to_string(&report).with_context(|| {
        format!(
            "schemathesis ({status}) wrote no report at {}",
            report.display()
        )
    })?;
    let json: serde_json::Value =
        serde_json::from_str(&text).with_context(|| format!("{} is not JSON", report.display()))?;
    let n = |p: &str| json.pointer(p).and_then(|v| v.as_u64()).unwrap_or(0);
    let count = |p: &str| {
        json.pointer(p)
            .and_then(|v| v.as_array())
            .map_or(0, |a| a.len() as u64)
    };
    Ok(Figures {
        operations: n("/operations/tested"),
        generated: n("/test_cases/generated"),
        failures: count("/failures"),
        errors: count("/errors"),
        exit_code: json
            .pointer("/exit_code")
            .and_then(|v| v.as_i64())
            .unwrap_or_else(|| i64::from(status.code().unwrap_or(1))),
    })
}
