//! A change in a spec shows up in the generated code, and only where it should.

use specs::{Spec, Vendor};

fn generated(vendor: Vendor, text: &str) -> String {
    let spec = Spec::parse(&format!("specs/{}", vendor.file_name()), text).unwrap();
    let krate = codegen::generate(&spec, vendor).unwrap();
    krate.file("src/generated.rs").unwrap().to_string()
}

#[test]
fn a_new_enum_value_becomes_a_new_variant() {
    let original = Vendor::Peeker.embedded_yaml();
    let from = "enum: [available, in_progress, active, failed, action_required]";
    assert_eq!(original.matches(from).count(), 1);
    let changed = original.replace(
        from,
        "enum: [available, in_progress, active, failed, action_required, pending]",
    );
    let before = generated(Vendor::Peeker, original);
    let after = generated(Vendor::Peeker, &changed);
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
    assert!(Vendor::Devpayr
        .embedded_yaml()
        .contains("additionalProperties: false"));
    let code = generated(Vendor::Devpayr, Vendor::Devpayr.embedded_yaml());
    assert!(!code.contains("deny_unknown_fields"));
}

#[test]
fn the_api_version_header_is_removed_before_sending() {
    let code = generated(Vendor::Peeker, Vendor::Peeker.embedded_yaml());
    // progenitor adds the header; the pre-hook removes it before `exec` on every operation.
    let remove = code
        .find(r#"request.headers_mut().remove("api-version")"#)
        .unwrap();
    let exec = code[remove..].find("client.exec(request, &info)").unwrap();
    assert!(exec > 0);
}
