//! A change in a spec shows up in the generated code, and only where it should.

use specs::Spec;

fn generated(api: &str, text: &str) -> String {
    let spec = Spec::parse(&format!("specs/{api}.yaml"), text).unwrap();
    let krate = codegen::generate(&spec).unwrap();
    krate.file("src/generated.rs").unwrap().to_string()
}

fn embedded(api: &str) -> &'static str {
    specs::embedded(api).unwrap()
}

#[test]
fn a_new_enum_value_becomes_a_new_variant() {
    let original = embedded("peeker");
    let from = "enum: [available, in_progress, active, failed, action_required]";
    assert_eq!(original.matches(from).count(), 1);
    let changed = original.replace(
        from,
        "enum: [available, in_progress, active, failed, action_required, pending]",
    );
    let before = generated("peeker", original);
    let after = generated("peeker", &changed);
    assert!(!before.contains("Pending"));
    assert!(
        after.contains(r#"#[serde(rename = "pending")]"#),
        "no serde rename"
    );
    assert!(after.contains("        Pending,"), "no variant");
    assert!(
        after.contains(r#"Self::Pending => f.write_str("pending")"#),
        "no Display arm"
    );
    assert!(
        after.contains(r#""pending" => Ok(Self::Pending)"#),
        "no FromStr arm"
    );

    // Every changed line is about the new value: the rest of the client is untouched.
    let diff = codegen::unified_diff("generated.rs", Some(&before), &after);
    let changed_lines: Vec<&str> = diff
        .lines()
        .filter(|l| {
            (l.starts_with('+') || l.starts_with('-'))
                && !l.starts_with("+++")
                && !l.starts_with("---")
        })
        .collect();
    assert!(!changed_lines.is_empty());
    for line in changed_lines {
        assert!(
            line.starts_with('+') && line.to_ascii_lowercase().contains("pending"),
            "unexpected change: {line}\n{diff}"
        );
    }
}

#[test]
fn the_client_tolerates_fields_the_spec_closes() {
    // DevPayr's ProjectDomain is `additionalProperties: false` in the spec (the conformance
    // checks hold the server to it), but the client must not reject a new field.
    assert!(embedded("devpayr").contains("additionalProperties: false"));
    let code = generated("devpayr", embedded("devpayr"));
    assert!(!code.contains("deny_unknown_fields"));
}

#[test]
fn the_api_version_header_is_removed_and_retries_run_in_the_hooks() {
    let code = generated("peeker", embedded("peeker"));
    // progenitor adds the header; the `pre` hook drops it (client_runtime::prepare) before
    // `exec`, which retries with the client's policy.
    let hooks = code
        .find("impl ClientHooks<::client_runtime::Inner> for Client")
        .expect("the hooks");
    let pre = code[hooks..].find("::client_runtime::prepare(&self.inner, request)");
    let exec = code[hooks..].find("::client_runtime::execute(&self.client, &self.inner, request)");
    assert!(
        pre.is_some() && exec.is_some() && pre < exec,
        "{}",
        &code[hooks..]
    );
    assert!(!code.contains("impl ClientHooks<::client_runtime::Inner> for &Client"));
}

#[test]
fn the_readme_example_names_the_credential_variable_of_the_spec() {
    for api in ["peeker", "devpayr"] {
        let spec = Spec::parse(&format!("specs/{api}.yaml"), embedded(api)).unwrap();
        let krate = codegen::generate(&spec).unwrap();
        let env = spec.credential_env().unwrap();
        assert!(krate
            .file("README.md")
            .unwrap()
            .contains(&format!("std::env::var(\"{env}\")")));
    }
}
