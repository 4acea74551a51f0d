//! `cargo xtask schemathesis`: Schemathesis, an independent OpenAPI fuzzer, runs specs/*.yaml
//! against both reference mocks, so the mocks and the specs are checked by a tool that is not
//! ours.
//!
//! The pinned version lives in `xtask/schemathesis-requirements.txt` and is installed into a
//! virtualenv at `target/schemathesis-venv` (reinstalled when the requirements file changes).
//! Both mocks run in-process on 127.0.0.1:0. The checks are the response-side ones
//! (server errors, status codes, content types, response schemas and headers) plus the
//! request-side ones that a read-only list endpoint can answer (negative data rejection,
//! positive data acceptance, ignored auth, unsupported methods).

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use anyhow::{bail, Context};
use conformance::mock::{self, Fault, MockConfig, RunningMock, Vendor};
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
    /// Run only this vendor.
    #[arg(long, value_parser = ["peeker", "devpayr"])]
    vendor: Option<String>,
    /// Start the mocks with this fault (to see Schemathesis catch it); vendors it does not
    /// apply to run without it.
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
    let vendors: Vec<Vendor> = match &args.vendor {
        Some(name) => vec![Vendor::from_name(name).context("unknown vendor")?],
        None => Vendor::ALL.to_vec(),
    };

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
    for vendor in vendors {
        let config = MockConfig {
            fault: fault.filter(|f| f.applies_to(vendor)),
            ..MockConfig::new(vendor)
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
            vendor.name(),
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

/// The Schemathesis configuration of one vendor.
///
/// Positive data acceptance also accepts the statuses `x-errors.invalid-token` documents:
/// the spec types page tokens and cursors as free strings (they are opaque), so Schemathesis
/// generates "valid" random tokens that a correct server must refuse. For DevPayr the path
/// parameter is pinned to the project the key may read, so the cases reach the 200 path;
/// the 401/403/404 paths are covered by the mock tests and the conformance checks.
fn config(mock: &RunningMock, vendor: Vendor) -> anyhow::Result<String> {
    let spec = vendor.spec()?;
    let op = spec
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
    if let Some(project) = mock.credentials.scoped_project {
        text.push_str(&format!("\n[parameters]\n\"path.project\" = {project}\n"));
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
    let vendor = mock.vendor();
    let config_path = out.join(format!("{}.toml", vendor.name()));
    std::fs::write(&config_path, config(mock, vendor)?)
        .with_context(|| format!("cannot write {}", config_path.display()))?;
    let report = out.join(format!("{}.json", vendor.name()));
    let _ = std::fs::remove_file(&report);
    let header = match vendor {
        Vendor::Peeker => format!(
            "Authorization: Bearer {}",
            mock.credentials.peeker_token.as_deref().unwrap_or_default()
        ),
        Vendor::Devpayr => format!(
            "X-API-KEY: {}",
            mock.credentials.scoped_key.as_deref().unwrap_or_default()
        ),
    };
    println!(
        "== Schemathesis: specs/{} against {}",
        vendor.file_name(),
        mock.base_url
    );
    let status = Command::new(st)
        .current_dir(out)
        .env("SCHEMATHESIS_TELEMETRY", "false")
        .arg("--config-file")
        .arg(&config_path)
        .arg("run")
        .arg(root.join("specs").join(vendor.file_name()))
        .args(["--url", &mock.base_url])
        .args(["-H", &header])
        .args(["--checks", CHECKS])
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
