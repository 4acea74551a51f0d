//! The GitHub workflows are code too: parse them and check that each job runs what the README
//! says it runs, so a broken edit fails here rather than silently on GitHub.

use std::path::PathBuf;

use serde_yaml::Value;

fn workflow(name: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../.github/workflows")
        .join(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{name} is not valid YAML: {e}"))
}

/// Every `run:` script and `uses:` action of a job, in order.
fn steps(wf: &Value, job: &str) -> (Vec<String>, Vec<String>) {
    let steps = wf["jobs"][job]["steps"]
        .as_sequence()
        .unwrap_or_else(|| panic!("job `{job}` has no steps"));
    let runs = steps
        .iter()
        .filter_map(|s| s["run"].as_str().map(str::to_string))
        .collect();
    let uses = steps
        .iter()
        .filter_map(|s| s["uses"].as_str().map(str::to_string))
        .collect();
    (runs, uses)
}

fn triggers(wf: &Value) -> Vec<String> {
    match &wf["on"] {
        Value::Mapping(m) => m
            .keys()
            .filter_map(|k| k.as_str().map(str::to_string))
            .collect(),
        Value::Sequence(s) => s
            .iter()
            .filter_map(|k| k.as_str().map(str::to_string))
            .collect(),
        Value::String(s) => vec![s.clone()],
        _ => vec![],
    }
}

#[test]
fn ci_runs_the_readme_test_command_on_push_and_pull_request_with_caching() {
    let wf = workflow("ci.yml");
    let on = triggers(&wf);
    assert!(
        on.contains(&"push".into()) && on.contains(&"pull_request".into()),
        "{on:?}"
    );
    let (runs, uses) = steps(&wf, "ci");
    assert!(
        runs.iter().any(|r| r.trim() == "cargo xtask ci"),
        "{runs:?}"
    );
    assert!(
        uses.iter().any(|u| u.starts_with("Swatinem/rust-cache@")),
        "{uses:?}"
    );
    assert!(uses.iter().any(|u| u.starts_with("actions/checkout@")));
}

#[test]
fn sandbox_run_is_scheduled_skips_without_secrets_and_uploads_junit() {
    let wf = workflow("vendor-sandbox.yml");
    let on = triggers(&wf);
    assert!(on.contains(&"schedule".into()) && on.contains(&"workflow_dispatch".into()));
    for (job, secret, vendor) in [
        ("peeker", "PEEKER_TOKEN", "peeker"),
        ("devpayr", "DEVPAYR_API_KEY", "devpayr"),
        ("stripe", "STRIPE_TOKEN", "stripe"),
    ] {
        let env = &wf["jobs"][job]["env"];
        assert_eq!(
            env[secret].as_str(),
            Some(format!("${{{{ secrets.{secret} }}}}").as_str()),
            "{job}: the key comes from the secret, through the environment"
        );
        let (runs, uses) = steps(&wf, job);
        let check = runs
            .iter()
            .find(|r| r.contains("run=false"))
            .expect("skip step");
        assert!(check.contains(&format!("-z \"${secret}\"")), "{check}");
        let suite = runs
            .iter()
            .find(|r| r.contains("cargo xtask conformance"))
            .expect("suite step");
        assert!(
            suite.contains(&format!("conformance {vendor} --base-url")),
            "{suite}"
        );
        assert!(suite.contains("--junit reports/"), "{suite}");
        assert!(
            suite.contains(&format!("--markdown reports/{vendor}.md")),
            "{suite}"
        );
        assert!(
            suite.contains(&format!("--har reports/{vendor}.har")),
            "{suite}"
        );
        assert!(!suite.contains("--allow-live"), "{suite}");
        assert!(
            runs.iter().any(|r| r.contains(&format!(
                "cat reports/{vendor}.md >> \"$GITHUB_STEP_SUMMARY\""
            ))),
            "{job}: the markdown summary goes to the job's page"
        );
        assert!(
            !suite.contains(secret),
            "the key must not be on the command line: {suite}"
        );
        assert!(uses
            .iter()
            .any(|u| u.starts_with("actions/upload-artifact@")));
        // Every step after the configuration check is conditional on it.
        for step in wf["jobs"][job]["steps"]
            .as_sequence()
            .unwrap()
            .iter()
            .skip(1)
        {
            let cond = step["if"].as_str().unwrap_or("");
            assert!(
                cond.contains("steps.config.outputs.run == 'true'"),
                "{step:?}"
            );
        }
    }
    let peeker_env = &wf["jobs"]["peeker"]["env"];
    assert_eq!(
        peeker_env["USER_EMAIL"].as_str(),
        Some("${{ vars.PEEKER_USER_EMAIL }}")
    );
    let devpayr_env = &wf["jobs"]["devpayr"]["env"];
    assert_eq!(
        devpayr_env["PROJECT"].as_str(),
        Some("${{ vars.DEVPAYR_PROJECT }}")
    );
}

#[test]
fn regeneration_opens_a_pull_request_when_the_clients_change() {
    let wf = workflow("regenerate-clients.yml");
    let paths: Vec<_> = wf["on"]["push"]["paths"]
        .as_sequence()
        .expect("push paths")
        .iter()
        .filter_map(|p| p.as_str())
        .collect();
    assert!(paths.contains(&"specs/**"), "{paths:?}");
    let (runs, uses) = steps(&wf, "regenerate");
    assert!(
        runs.iter().any(|r| r.trim() == "cargo xtask codegen"),
        "{runs:?}"
    );
    assert!(uses
        .iter()
        .any(|u| u.starts_with("peter-evans/create-pull-request@")));
    assert_eq!(wf["permissions"]["pull-requests"].as_str(), Some("write"));
}
