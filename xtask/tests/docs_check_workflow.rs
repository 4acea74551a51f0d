//! The docs watch workflow is code too: check that it runs `cargo xtask docs-check` on a
//! schedule, turns exit 1 into an issue and exit 2 into a failed job, with no more permissions
//! than that needs.

use std::path::PathBuf;

use serde_yaml::Value;

fn workflow() -> Value {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../.github/workflows/docs-watch.yml");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("docs-watch.yml is not valid YAML: {e}"))
}

#[test]
fn docs_watch_is_scheduled_and_can_only_write_issues() {
    let wf = workflow();
    let on = wf["on"].as_mapping().expect("`on` is a mapping");
    assert!(on.contains_key("schedule") && on.contains_key("workflow_dispatch"));
    assert!(wf["on"]["schedule"][0]["cron"].as_str().is_some());
    let permissions = wf["permissions"]
        .as_mapping()
        .expect("top-level permissions");
    assert_eq!(permissions.len(), 2, "{permissions:?}");
    assert_eq!(wf["permissions"]["issues"].as_str(), Some("write"));
    assert_eq!(wf["permissions"]["contents"].as_str(), Some("read"));
}

#[test]
fn docs_watch_opens_an_issue_on_change_and_fails_when_unreachable() {
    let wf = workflow();
    let steps = wf["jobs"]["docs-check"]["steps"]
        .as_sequence()
        .expect("job `docs-check` has steps");
    let step = |name: &str| {
        steps
            .iter()
            .find(|s| s["name"].as_str() == Some(name))
            .unwrap_or_else(|| panic!("no step `{name}`"))
    };
    let check = step("Check the vendor pages");
    assert_eq!(check["id"].as_str(), Some("check"));
    let script = check["run"].as_str().expect("run");
    assert!(
        script.contains("cargo xtask docs-check > report.txt"),
        "{script}"
    );
    assert!(
        script.contains("set +e"),
        "the exit code is read, not fatal: {script}"
    );

    let issue = step("Open or update the issue");
    assert_eq!(
        issue["if"].as_str(),
        Some("steps.check.outputs.changed == 'true'")
    );
    let script = issue["run"].as_str().expect("run");
    for needle in [
        "gh issue list",
        "gh issue create",
        "gh issue edit",
        "--label",
    ] {
        assert!(script.contains(needle), "`{needle}` missing: {script}");
    }
    assert!(issue["env"]["GH_TOKEN"]
        .as_str()
        .is_some_and(|t| t.contains("secrets.GITHUB_TOKEN")));

    let fail = step("Fail when a page is unreachable");
    let condition = fail["if"].as_str().expect("if");
    assert!(
        condition.contains("steps.check.outputs.code"),
        "{condition}"
    );
    assert!(fail["run"].as_str().expect("run").contains("exit 1"));
}
