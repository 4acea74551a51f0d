use super::*;

fn spec(name: &str) -> Spec {
    load(name)
        .unwrap_or_else(|| panic!("no embedded spec `{name}`"))
        .unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn specs_are_discovered_by_file_name() {
    let names = names();
    assert!(
        names.contains(&"peeker") && names.contains(&"devpayr"),
        "{names:?}"
    );
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);
    assert_eq!(all().unwrap().len(), names.len());
    assert!(load("no-such-api").is_none());
    for name in names {
        assert_eq!(spec(name).name, name);
    }
}

#[test]
fn embedded_specs_parse_and_declare_their_extensions() {
    let peeker = spec("peeker");
    let op = peeker.operation("list_domains").expect("list_domains");
    assert_eq!(op.method, Method::Get);
    let p = op.pagination.as_ref().expect("x-pagination");
    assert_eq!(p.style, "next-url");
    assert_eq!(
        p.walk,
        walk::Walk {
            advance: walk::Advance::NextUrl {
                from: walk::Carrier::Body
            },
            ends: vec![walk::End::NoNext, walk::End::NullNext],
        }
    );
    assert_eq!(p.position_param.as_deref(), Some("page_token"));
    assert_eq!((p.size_min, p.size_default, p.size_max), (1, 25, 100));
    let params: Vec<_> = op.filters.iter().map(|f| f.param.as_str()).collect();
    assert_eq!(
        params,
        ["category", "user_id", "user_email", "usable_for", "status"]
    );
    let status = op.filters.iter().find(|f| f.param == "status").unwrap();
    assert_eq!(
        status.values.as_deref().unwrap(),
        [
            "available",
            "in_progress",
            "active",
            "failed",
            "action_required"
        ]
    );
    let email = op.filters.iter().find(|f| f.param == "user_email").unwrap();
    assert_eq!(email.matching, Match::Owner);
    assert!(
        email.reading.is_some(),
        "the owner filter's semantics are a reading"
    );
    let security = op.security.as_ref().expect("a security scheme");
    assert_eq!(security.kind, SecurityKind::Bearer);
    assert!(security.is_live("pk_live_abc") && !security.is_live("pk_test_abc"));
    assert_eq!(peeker.credential_env().as_deref(), Some("PEEKER_TOKEN"));
    assert_eq!(peeker.server_path(), "/api/partner/v1");
    // Every Peeker error status is a reading: the page documents none.
    for rule in [
        &op.errors.missing_key,
        &op.errors.invalid_key,
        &op.errors.invalid_param,
    ] {
        assert!(rule.reading.is_some(), "{rule:?}");
    }
    assert!(
        op.errors.rate_limited.reading.is_none(),
        "429 is RFC 6585's"
    );
    assert_eq!(op.errors.message.as_deref(), Some("/message"));
    assert_eq!(
        op.response(429)
            .unwrap()
            .header("retry-after")
            .unwrap()
            .name,
        "Retry-After"
    );
    assert_eq!(op.response(200).unwrap().key, StatusKey::Code(200));
    assert!(op.response(500).is_none());

    let devpayr = spec("devpayr");
    let op = devpayr.operation("list_project_domains").expect("op");
    let p = op.pagination.as_ref().unwrap();
    assert_eq!(
        p.walk,
        walk::Walk {
            advance: walk::Advance::Cursor {
                from: walk::Carrier::Body,
                param: "cursor".into()
            },
            ends: vec![walk::End::NullNext],
        }
    );
    assert_eq!((p.size_default, p.size_max), (50, 50));
    assert_eq!(*op.errors.invalid_key, [403]);
    assert!(op.errors.invalid_key.reading.is_none(), "documented: 403");
    let access = op.access.as_ref().unwrap();
    assert_eq!(access.path_param, "project");
    assert_eq!(access.scopes, [Scope::Value, Scope::Owner]);
    assert!(*access.existence_first && access.existence_first.reading.is_some());
    assert_eq!(
        op.parameter("project", Location::Path)
            .unwrap()
            .schema_type(),
        Some("integer")
    );
    assert_eq!(devpayr.credential_env().as_deref(), Some("DEVPAYR_API_KEY"));
    assert!(op.security.as_ref().unwrap().live_prefix.is_none());
}

fn with(text: &str, from: &str, to: &str) -> String {
    assert!(text.contains(from), "test edit target `{from}` not found");
    text.replacen(from, to, 1)
}

fn peeker_yaml() -> &'static str {
    embedded("peeker").unwrap()
}

#[test]
fn bad_extension_is_reported_with_file_and_pointer() {
    let text = with(peeker_yaml(), "style: next-url", "style: offsets");
    let err = Spec::parse("specs/peeker.yaml", &text).unwrap_err();
    assert_eq!(err.file, "specs/peeker.yaml");
    assert_eq!(err.pointer, "/paths/~1domains/get/x-pagination/style");
    assert!(err.problem.contains("offsets"), "{err}");

    let text = with(
        peeker_yaml(),
        "size-param: per_page",
        "size-param: per_page\n        sise: 3",
    );
    let err = Spec::parse("p.yaml", &text).unwrap_err();
    assert_eq!(err.pointer, "/paths/~1domains/get/x-pagination/sise");
}

#[test]
fn size_max_must_agree_with_the_parameter_maximum() {
    let text = with(embedded("devpayr").unwrap(), "size-max: 50", "size-max: 60");
    let err = Spec::parse("d.yaml", &text).unwrap_err();
    assert_eq!(
        err.pointer,
        "/paths/~1project~1{project}~1domains/get/x-pagination/size-max"
    );
}

#[test]
fn missing_operation_id_wrong_version_and_bad_names_are_errors() {
    let text = with(peeker_yaml(), "operationId: list_domains", "");
    let err = Spec::parse("p.yaml", &text).unwrap_err();
    assert!(err.problem.contains("operationId"), "{err}");

    let text = with(peeker_yaml(), "openapi: 3.0.3", "openapi: 3.1.0");
    let err = Spec::parse("p.yaml", &text).unwrap_err();
    assert_eq!(err.pointer, "/openapi");

    let err = Spec::parse("p.yaml", "openapi: [unclosed").unwrap_err();
    assert!(err.problem.contains("YAML"), "{err}");

    let err = Spec::parse("specs/Peeker API.yaml", peeker_yaml()).unwrap_err();
    assert!(err.problem.contains("cannot name an API"), "{err}");
}

#[test]
fn readings_are_collected_and_must_be_well_formed() {
    let peeker = spec("peeker");
    let error = peeker
        .reading("/components/schemas/Error", None)
        .expect("a whole-node mark");
    assert!(
        error.text.contains("documents no error body"),
        "{}",
        error.text
    );
    assert!(peeker
        .reading("/components/schemas/Domain", Some("required"))
        .is_some());
    // No mark inside an example is read.
    assert!(peeker
        .readings
        .iter()
        .all(|r| !r.pointer.contains("/examples")));

    let text = with(
        peeker_yaml(),
        "      x-reading:\n        required: >-",
        "      x-reading:\n        requird: >-",
    );
    let err = Spec::parse("p.yaml", &text).unwrap_err();
    assert_eq!(err.pointer, "/components/schemas/Domain/x-reading/requird");

    let text = with(
        peeker_yaml(),
        "x-live-prefix: pk_live_",
        "x-live-prefix: pk_live_\n      x-reading: 3",
    );
    let err = Spec::parse("p.yaml", &text).unwrap_err();
    assert_eq!(
        err.pointer,
        "/components/securitySchemes/partnerKey/x-reading"
    );
}

#[test]
fn a_failing_keyword_finds_the_reading_that_covers_it() {
    let peeker = spec("peeker");
    let op = peeker.paginated_operation().unwrap();
    let schemas = peeker.json_schemas();
    let page = schemas.response(op, 200).unwrap();
    let reading = |path: &str| {
        schemas
            .reading_for(&peeker.readings, &page.root, path, false)
            .map(|r| r.location())
    };
    // A missing required field of an item: the `required` mark of Domain.
    assert_eq!(
        reading("/$ref/properties/data/items/$ref/required").as_deref(),
        Some("/components/schemas/Domain/required")
    );
    // A wrong type of a documented field: no reading covers it.
    assert_eq!(
        reading("/$ref/properties/data/items/$ref/properties/id/type"),
        None
    );
    assert_eq!(
        reading("/$ref/properties/data/items/$ref/properties/status/$ref/enum"),
        None
    );

    let error = schemas.response(op, 401).unwrap();
    assert_eq!(
        schemas
            .reading_for(&peeker.readings, &error.root, "/$ref/required", false)
            .map(|r| r.location())
            .as_deref(),
        Some("/components/schemas/Error")
    );

    let devpayr = spec("devpayr");
    let op = devpayr.paginated_operation().unwrap();
    let schemas = devpayr.json_schemas();
    let page = schemas.response(op, 200).unwrap();
    let find_value = |path: &str, null: bool| {
        schemas
            .reading_for(&devpayr.readings, &page.root, path, null)
            .map(|r| r.location())
    };
    let find = |path: &str| find_value(path, false);
    assert_eq!(
        find("/$ref/properties/status/type").as_deref(),
        Some("/components/schemas/ProjectDomainsResponse/properties/status")
    );
    assert_eq!(
        find("/$ref/properties/data/$ref/properties/data/items/$ref/additionalProperties"),
        None,
        "the strictness of the domain objects is documented"
    );
    // "ISO timestamp": ISO 8601 is documented, its RFC 3339 profile and never null are read.
    let updated = "/$ref/properties/data/$ref/properties/data/items/$ref/properties/updated_at";
    assert_eq!(find(&format!("{updated}/pattern")), None);
    assert_eq!(
        find(&format!("{updated}/format")).as_deref(),
        Some("/components/schemas/ProjectDomain/properties/updated_at/format")
    );
    assert_eq!(
        find_value(&format!("{updated}/type"), true).as_deref(),
        Some("/components/schemas/ProjectDomain/properties/updated_at/nullable")
    );
    assert_eq!(
        find(&format!("{updated}/type")),
        None,
        "a number is no timestamp, whatever is read about null"
    );
}

#[test]
fn json_schema_conversion_handles_nullable_and_refs() {
    let peeker = spec("peeker");
    let op = peeker.paginated_operation().unwrap();
    let schemas = peeker.json_schemas();
    let page = schemas.response(op, 200).unwrap();
    assert_eq!(page.schema["$ref"], "#/$defs/DomainPage");
    assert_eq!(
        page.root,
        "/paths/~1domains/get/responses/200/content/application~1json/schema"
    );
    assert_eq!(
        page.schema["$defs"]["Domain"]["properties"]["user_id"]["type"],
        serde_json::json!(["string", "null"])
    );
    let devpayr = spec("devpayr").json_schemas();
    let domain = devpayr.component("ProjectDomain").unwrap();
    assert_eq!(
        domain["$defs"]["ProjectDomain"]["additionalProperties"],
        false
    );
}

#[test]
fn security_follows_the_openapi_rules() {
    // An operation-level `security: []` turns the credential off.
    let text = with(
        peeker_yaml(),
        "operationId: list_domains",
        "operationId: list_domains\n      security: []",
    );
    let s = Spec::parse("p.yaml", &text).unwrap();
    assert!(s.operations[0].security.is_none());
    // A scheme that is defined but required nowhere does not apply.
    let text = with(peeker_yaml(), "security:\n  - partnerKey: []\n", "");
    let s = Spec::parse("p.yaml", &text).unwrap();
    assert!(s.operations[0].security.is_none());
    // An unsupported scheme type is an error at the scheme.
    let text = with(peeker_yaml(), "scheme: bearer", "scheme: digest");
    let err = Spec::parse("p.yaml", &text).unwrap_err();
    assert_eq!(err.pointer, "/components/securitySchemes/partnerKey");
    assert!(err.problem.contains("http basic"), "{err}");
}

fn memos() -> Spec {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../fixtures/specs/memos-basic-auth.yaml"
    );
    Spec::load(Path::new(path)).unwrap_or_else(|e| panic!("{e}"))
}

fn memos_yaml() -> String {
    std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../fixtures/specs/memos-basic-auth.yaml"
    ))
    .unwrap()
}

/// HTTP Basic (`scheme` compared without case): the credential is `user:password`, sent as
/// RFC 7617 says, its parts named `--username` / `--password` on a command line.
#[test]
fn http_basic_is_a_user_name_and_a_password() {
    let memos = memos();
    let security = memos.security().expect("a scheme");
    assert_eq!(security.kind, SecurityKind::Basic);
    assert_eq!(security.credential_parts(), ["username", "password"]);
    assert_eq!(security.credential_noun(), "password");
    assert_eq!(security.header_name(), Some("Authorization"));
    assert_eq!(
        security.header_value("Aladdin:open sesame"),
        "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="
    );
    assert_eq!(security.masked_header_value("***"), "Basic ***");
    assert_eq!(
        memos.credential_env().as_deref(),
        Some("MEMOS_BASIC_AUTH_PASSWORD")
    );
    assert_eq!(
        memos.env_var("viewer-username"),
        "MEMOS_BASIC_AUTH_VIEWER_USERNAME"
    );
    let live = Security {
        live_prefix: Some("live_".into()),
        ..security.clone()
    };
    assert!(live.is_live("live_user:pw") && live.is_live("user:live_pw"));
    assert!(!live.is_live("user:pw_live_"));
    let peeker = spec("peeker");
    let bearer = peeker.security().unwrap();
    assert_eq!(bearer.credential_parts(), ["token"]);
    assert_eq!(bearer.masked_header_value("***"), "Bearer ***");
}

/// `{}` among the requirements makes the scheme optional, wherever it stands; `[{}]` alone
/// still means no credential.
#[test]
fn an_empty_requirement_makes_the_credential_optional() {
    let memos = memos();
    let op = memos.operation("list_memos").unwrap();
    assert!(op.security.as_ref().unwrap().optional);
    let peeker = spec("peeker");
    assert!(!peeker.security().unwrap().optional);
    let text = with(
        peeker_yaml(),
        "operationId: list_domains",
        "operationId: list_domains\n      security: [{}, {partnerKey: []}]",
    );
    let s = Spec::parse("p.yaml", &text).unwrap();
    let security = s.operations[0].security.as_ref().unwrap();
    assert!(security.optional && security.scheme == "partnerKey");
    let text = with(
        peeker_yaml(),
        "operationId: list_domains",
        "operationId: list_domains\n      security: [{}]",
    );
    assert!(Spec::parse("p.yaml", &text).unwrap().operations[0]
        .security
        .is_none());
}

/// `x-restricted` names a member of the items and values it can hold; its one predicate.
#[test]
fn restricted_items_are_read_and_checked_against_the_item_schema() {
    let memos = memos();
    let r = memos.operations[0]
        .restricted
        .as_ref()
        .expect("x-restricted");
    assert_eq!(r.field.as_str(), "/visibility");
    assert!(r.matches(&serde_json::json!({"visibility": "private"})));
    assert!(!r.matches(&serde_json::json!({"visibility": "team"})));
    assert!(!r.matches(&serde_json::json!({})));
    assert!(r.reading.is_none());
    let at = "/paths/~1memos/get/x-restricted";
    let cases = [
        (
            "field: /visibility",
            "field: /secret",
            format!("{at}/field"),
            "not a member",
        ),
        (
            "values: [private]",
            "values: [hidden]",
            format!("{at}/values/0"),
            "enum",
        ),
        (
            "values: [private]",
            "values: []",
            format!("{at}/values"),
            "at least one",
        ),
        (
            "values: [private]",
            "values: [private]\n        value: x",
            format!("{at}/value"),
            "unknown key",
        ),
        (
            "field: /visibility",
            "field: visibility",
            format!("{at}/field"),
            "not a JSON pointer",
        ),
    ];
    for (from, to, pointer, problem) in cases {
        let err = Spec::parse("m.yaml", &with(&memos_yaml(), from, to)).unwrap_err();
        assert_eq!(err.pointer, pointer, "{err}");
        assert!(err.problem.contains(problem), "{err}");
    }
    // A boolean marker takes booleans.
    let text = with(&memos_yaml(), "values: [private]", "values: [true]");
    let text = with(&text, "field: /visibility", "field: /flagged");
    let text = with(
        &text,
        "        written_at:\n",
        "        flagged:\n          type: boolean\n        written_at:\n",
    );
    let spec = Spec::parse("m.yaml", &text).unwrap();
    assert!(spec.operations[0]
        .restricted
        .as_ref()
        .unwrap()
        .matches(&serde_json::json!({"flagged": true})));
    let bad = with(&text, "values: [true]", "values: [\"yes\"]");
    let err = Spec::parse("m.yaml", &bad).unwrap_err();
    assert!(err.problem.contains("`boolean`"), "{err}");
    // Without a credential there is nobody narrower; without a list, no items.
    let text = with(
        &memos_yaml(),
        "        - login: []\n        - {}\n",
        "        - {}\n",
    );
    let err = Spec::parse("m.yaml", &text).unwrap_err();
    assert_eq!(err.pointer, at, "{err}");
    let text = with(
        &memos_yaml(),
        "      x-pagination:",
        "      x-pagination-off:",
    );
    let err = Spec::parse("m.yaml", &text);
    assert!(
        err.is_err_and(|e| e.pointer == at),
        "x-restricted without x-pagination"
    );
}

/// `specs/README.md` lists every reading next to its mark, and nothing else.
#[test]
fn the_readme_lists_every_reading_next_to_its_mark() {
    let readme = include_str!("../README.md");
    let section = readme
        .split("## Readings")
        .nth(1)
        .expect("specs/README.md has a `## Readings` section");
    let section = section.split("\n## ").next().unwrap_or(section);
    let mut listed = BTreeSet::new();
    let mut current: Option<String> = None;
    for line in section.lines() {
        if let Some(file) = line.strip_prefix("### `").and_then(|l| l.strip_suffix('`')) {
            current = Some(file.to_string());
        }
        // Each reading is one list item that starts with its mark in backticks.
        if let Some(rest) = line.strip_prefix("- `#") {
            let mark = rest.split('`').next().unwrap_or_default();
            let file = current
                .clone()
                .expect("a `### `file`` heading before the list");
            listed.insert(format!("{file}#{mark}"));
        }
    }
    let mut marked = BTreeSet::new();
    for spec in all().unwrap() {
        for r in &spec.readings {
            marked.insert(format!("{}.yaml#{}", spec.name, r.location()));
        }
    }
    let missing: Vec<_> = marked.difference(&listed).collect();
    let stale: Vec<_> = listed.difference(&marked).collect();
    assert!(
        missing.is_empty() && stale.is_empty(),
        "marked in a spec but not listed in specs/README.md: {missing:?}\nlisted but not marked: {stale:?}"
    );
}

#[test]
fn extension_errors_are_located_at_the_key_that_is_wrong() {
    let cases = [
        // A key of another style.
        (
            "token-param: page_token",
            "token-param: page_token\n        after-param: page_token",
            "/paths/~1domains/get/x-pagination/after-param",
            "does not apply to the next-url style",
        ),
        // A bound that is not one.
        (
            "over-max: [reject]",
            "over-max: [clip]",
            "/paths/~1domains/get/x-pagination/over-max/0",
            "clip",
        ),
        // A pointer that is not one.
        (
            "item-key: /id",
            "item-key: id",
            "/paths/~1domains/get/x-pagination/item-key",
            "not a JSON pointer",
        ),
        // An end signal without what it reads.
        (
            "size-param: per_page",
            "size-param: per_page\n        end: [null-next, total]",
            "/paths/~1domains/get/x-pagination/end/1",
            "`total` ends a walk only with",
        ),
        // A status that is not an error.
        (
            "missing-key: [401]",
            "missing-key: [200]",
            "/paths/~1domains/get/x-errors/missing-key",
            "not an error status",
        ),
    ];
    for (from, to, pointer, problem) in cases {
        let err = Spec::parse("p.yaml", &with(peeker_yaml(), from, to)).unwrap_err();
        assert_eq!(err.pointer, pointer, "{err}");
        assert!(err.problem.contains(problem), "{err}");
    }
    let text = with(
        peeker_yaml(),
        "            field: /category",
        "            field: /category\n            matches: equals",
    );
    let err = Spec::parse("p.yaml", &text).unwrap_err();
    assert!(err.pointer.ends_with("/x-filter/matches"), "{err}");
    assert_eq!(err.problem, "unknown key `matches`");
}

#[test]
fn end_signals_replace_the_style_defaults() {
    let text = with(
        embedded("devpayr").unwrap(),
        "last-page: [\"null\"]",
        "last-page: [\"null\", empty]",
    );
    let spec = Spec::parse("devpayr.yaml", &text).unwrap();
    let p = spec
        .paginated_operation()
        .unwrap()
        .pagination
        .as_ref()
        .unwrap();
    assert_eq!(p.walk.ends, [walk::End::NullNext, walk::End::EmptyNext]);
    assert_eq!(*p.last_page, [walk::End::NullNext, walk::End::EmptyNext]);
}

#[test]
fn short_pages_and_an_authoritative_echo_are_read_and_checked() {
    let peeker = |edit: &str| {
        with(
            peeker_yaml(),
            "size-param: per_page",
            &format!("size-param: per_page\n        {edit}"),
        )
    };
    let spec = Spec::parse("p.yaml", &peeker("size-echo-authoritative: true")).unwrap();
    let p = spec
        .paginated_operation()
        .unwrap()
        .pagination
        .clone()
        .unwrap();
    assert!(p.size_echo_authoritative && !p.short_pages);
    let body = serde_json::json!({"data": [], "meta": {"per_page": 7}, "links": {}});
    let (_, observed) = p.observe(&body, &|_| None).unwrap();
    assert_eq!(
        observed.size,
        Some(7),
        "the echo is the size the page was served at"
    );

    let spec = Spec::parse("p.yaml", &peeker("short-pages: true")).unwrap();
    assert!(
        spec.paginated_operation()
            .unwrap()
            .pagination
            .as_ref()
            .unwrap()
            .short_pages
    );

    // An echo it does not have; page numbers; a short page as the end where pages may be short.
    let no_echo = with(
        peeker_yaml(),
        "size-echo: /meta/per_page",
        "size-echo-authoritative: true",
    );
    let err = Spec::parse("p.yaml", &no_echo).unwrap_err();
    assert!(
        err.pointer
            .ends_with("/x-pagination/size-echo-authoritative"),
        "{err}"
    );
    assert!(err.problem.contains("needs `size-echo`"), "{err}");
    let books = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/specs/books-page.yaml"),
    )
    .unwrap();
    let paged = with(
        &books,
        "style: page",
        "style: page\n        size-echo-authoritative: true",
    );
    let err = Spec::parse("b.yaml", &paged).unwrap_err();
    assert!(err.problem.contains("page numbers"), "{err}");
    let short = with(
        &books,
        "style: page",
        "style: page\n        short-pages: true",
    );
    let err = Spec::parse("b.yaml", &short).unwrap_err();
    assert!(err.pointer.ends_with("/x-pagination/short-pages"), "{err}");
    assert!(
        err.problem.contains("`short-page` cannot end a walk"),
        "{err}"
    );
}
