//! One test per reading mode: the alternative reading is served, and what the mode does not
//! touch is unchanged. Also the table of which faults and modes apply to which spec.

mod util;

use mock::{Fault, MockConfig, ReadingMode, Scope};
use serde_json::Value;
use util::*;

/// Forces a test for every mode: adding a mode without a test here fails to compile.
#[test]
fn every_mode_has_a_test() {
    for m in ReadingMode::ALL {
        let test = match m {
            ReadingMode::AuthOtherStatus => "auth_other_status",
            ReadingMode::LenientParams => "lenient_params",
            ReadingMode::ClampOutOfRange => "clamp_out_of_range",
            ReadingMode::TokenRestart => "token_restart",
            ReadingMode::GoneTokens => "gone_tokens",
            ReadingMode::RetryAfterDate => "retry_after_date",
            ReadingMode::ErrorShape => "error_shape",
            ReadingMode::SparseItems => "sparse_items",
            ReadingMode::SparseEnvelope => "sparse_envelope",
            ReadingMode::ExtraEnvelopeFields => "extra_envelope_fields",
            ReadingMode::NullFields => "null_fields",
            ReadingMode::StringFlags => "string_flags",
            ReadingMode::ScopeFirst => "scope_first",
            ReadingMode::UnknownOwnerRefused => "unknown_owner_refused",
            ReadingMode::UnknownParamsRefused => "unknown_params_refused",
            ReadingMode::NextTokenOnly => "next_token_only",
            ReadingMode::LastPageNull => "last_page_null",
            ReadingMode::TrailingEmptyPage => "trailing_empty_page",
            ReadingMode::EmptyErrorBodies => "empty_error_bodies",
            ReadingMode::FormatOverflowRefused => "format_overflow_refused",
            ReadingMode::IsoBasicTimestamps => "iso_basic_timestamps",
            ReadingMode::OtherFilterReadings => "other_filter_readings",
            ReadingMode::LoweredPageSize => "lowered_page_size",
        };
        assert_eq!(test, m.name().replace('-', "_"));
    }
}

const ALL: &[&str] = &[
    "devpayr",
    "github",
    "peeker",
    "slack",
    "stripe",
    "twilio",
    "accounts-item-cursor",
    "books-page",
    "cards-search",
    "events-offset-flag",
    "gadgets-cursor",
    "memos-basic-auth",
    "notes-in-body-errors",
    "orders-offset",
    "shelf-operations",
    "tickets-link-header",
    "widgets-next-url",
];

/// The specs a fault applies to, as documented in the brief of each fault.
fn fault_specs(f: Fault) -> Vec<&'static str> {
    let except = |out: &[&str]| ALL.iter().copied().filter(|s| !out.contains(s)).collect();
    match f {
        Fault::EndlessNext => vec![
            "peeker",
            "devpayr",
            "github",
            "slack",
            "twilio",
            "gadgets-cursor",
            "memos-basic-auth",
            "notes-in-body-errors",
            "tickets-link-header",
            "widgets-next-url",
        ],
        Fault::FilterIgnored => except(&[
            "devpayr",
            "gadgets-cursor",
            "notes-in-body-errors",
            "stripe",
            "twilio",
        ]),
        Fault::ContinuationDropsQuery => {
            except(&["devpayr", "gadgets-cursor", "notes-in-body-errors"])
        }
        Fault::FilterOr => vec![
            "peeker",
            "github",
            "slack",
            "twilio",
            "accounts-item-cursor",
            "books-page",
            "cards-search",
            "events-offset-flag",
            "orders-offset",
            "tickets-link-header",
        ],
        Fault::OwnerFilterIgnored => vec!["peeker", "accounts-item-cursor"],
        Fault::CrossProjectRead
        | Fault::MissingResourceServed
        | Fault::MissingResourceWrongStatus => {
            vec!["devpayr", "github", "twilio", "tickets-link-header"]
        }
        Fault::BadToken500 => except(&[
            "books-page",
            "cards-search",
            "events-offset-flag",
            "orders-offset",
        ]),
        // Where pages before the last may be short, a short page is no fault.
        Fault::ShortPages => except(&[
            "slack",
            "books-page",
            "cards-search",
            "events-offset-flag",
            "orders-offset",
        ]),
        Fault::OutOfEnum => except(&[
            "devpayr",
            "slack",
            "gadgets-cursor",
            "notes-in-body-errors",
            "widgets-next-url",
        ]),
        Fault::MissingField => vec![
            "devpayr",
            "github",
            "accounts-item-cursor",
            "books-page",
            "memos-basic-auth",
            "notes-in-body-errors",
            "orders-offset",
            "shelf-operations",
            "tickets-link-header",
        ],
        Fault::ExtraField => vec![
            "devpayr",
            "memos-basic-auth",
            "orders-offset",
            "widgets-next-url",
        ],
        Fault::MetaMismatch => vec!["peeker", "orders-offset"],
        Fault::CrossOriginNext => vec![
            "peeker",
            "github",
            "twilio",
            "tickets-link-header",
            "widgets-next-url",
        ],
        Fault::HasMoreStuck => vec![
            "stripe",
            "accounts-item-cursor",
            "events-offset-flag",
            "shelf-operations",
        ],
        Fault::TotalWrong => vec![
            "books-page",
            "cards-search",
            "orders-offset",
            "shelf-operations",
        ],
        Fault::PastEndItems => vec![
            "books-page",
            "cards-search",
            "events-offset-flag",
            "orders-offset",
            "shelf-operations",
        ],
        Fault::EpochTimestamps => vec![
            "peeker",
            "devpayr",
            "github",
            "twilio",
            "cards-search",
            "events-offset-flag",
            "memos-basic-auth",
            "tickets-link-header",
        ],
        Fault::TokenCrossesScope => vec![
            "peeker",
            "devpayr",
            "slack",
            "twilio",
            "memos-basic-auth",
            "tickets-link-header",
            "widgets-next-url",
        ],
        Fault::FilterPrefix | Fault::FilterCaseFolded => vec![
            "peeker",
            "github",
            "stripe",
            "twilio",
            "accounts-item-cursor",
            "cards-search",
            "shelf-operations",
        ],
        Fault::SearchOneField | Fault::SearchCaseSensitive => {
            vec!["cards-search", "events-offset-flag"]
        }
        Fault::RangeBoundFlipped => vec!["twilio", "cards-search", "events-offset-flag"],
        Fault::SeveralFirstOnly | Fault::DefaultIgnored => vec!["github", "slack", "cards-search"],
        Fault::LiftingValueIgnored
        | Fault::SentinelLiteral
        | Fault::SortIgnored
        | Fault::SortDirectionIgnored
        | Fault::SortDefaultReversed => vec!["github", "cards-search"],
        Fault::RestrictedLeak | Fault::AnonymousSuperset | Fault::ViewerSuperset => {
            vec!["memos-basic-auth"]
        }
        Fault::ShortPageEndsWalk => vec!["slack"],
        Fault::LoweredSizeUnreported | Fault::EchoAboveRequest => vec!["events-offset-flag"],
        Fault::RateLimitResetMissing => vec!["github"],
        Fault::InBodyErrorAsPage | Fault::InBodyWrongCode => {
            vec!["slack", "notes-in-body-errors"]
        }
        Fault::PageGap
        | Fault::PageDuplicate
        | Fault::UnstableOrder
        | Fault::CursorIgnoredByCache
        | Fault::PerPageUnbounded
        | Fault::PerPageIgnored
        | Fault::WrongErrorStatus
        | Fault::WrongType
        | Fault::ErrorNotJson
        | Fault::RedirectOtherOrigin
        | Fault::SlowBody
        | Fault::HugeBody
        | Fault::MalformedJson
        | Fault::WrongContentType
        | Fault::RateLimitStorm
        | Fault::MinimumRefused => ALL.to_vec(),
        Fault::DefaultSizeIgnored => except(&["slack"]),
        // An operation that may be called anonymously serves a request without credentials.
        Fault::MissingKeyAccepted | Fault::ContinuationUnauthenticated => {
            except(&["memos-basic-auth"])
        }
    }
}

/// The specs a mode applies to: the real specs carry the reading marks, the fixtures none.
fn mode_specs(m: ReadingMode) -> Vec<&'static str> {
    match m {
        ReadingMode::AuthOtherStatus
        | ReadingMode::UnknownOwnerRefused
        | ReadingMode::UnknownParamsRefused
        | ReadingMode::NextTokenOnly
        | ReadingMode::LastPageNull => vec!["peeker"],
        ReadingMode::TrailingEmptyPage => vec![
            "peeker",
            "devpayr",
            "github",
            "slack",
            "twilio",
            "gadgets-cursor",
            "memos-basic-auth",
            "notes-in-body-errors",
            "tickets-link-header",
            "widgets-next-url",
        ],
        ReadingMode::SparseItems => vec!["peeker", "slack", "stripe", "twilio"],
        ReadingMode::SparseEnvelope => vec!["peeker", "stripe", "twilio"],
        ReadingMode::ExtraEnvelopeFields
        | ReadingMode::NullFields
        | ReadingMode::StringFlags
        | ReadingMode::ScopeFirst => {
            vec!["devpayr"]
        }
        ReadingMode::LenientParams => vec!["peeker", "devpayr", "github", "twilio"],
        ReadingMode::RetryAfterDate => vec!["peeker", "devpayr"],
        ReadingMode::TokenRestart => vec!["peeker", "devpayr", "github", "stripe", "twilio"],
        ReadingMode::ClampOutOfRange => vec!["peeker", "devpayr", "slack", "stripe", "twilio"],
        ReadingMode::GoneTokens | ReadingMode::ErrorShape | ReadingMode::EmptyErrorBodies => {
            vec!["peeker", "devpayr", "stripe", "twilio"]
        }
        ReadingMode::FormatOverflowRefused => vec!["widgets-next-url"],
        ReadingMode::IsoBasicTimestamps => vec!["devpayr"],
        ReadingMode::OtherFilterReadings => vec!["github", "twilio"],
        ReadingMode::LoweredPageSize => vec!["events-offset-flag"],
    }
}

#[test]
fn faults_and_modes_apply_to_each_spec_as_documented() {
    let specs = all_specs();
    assert_eq!(
        specs.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(),
        ALL
    );
    // Every difference at once: a new spec or fault moves several rows.
    let mut wrong = Vec::new();
    for spec in &specs {
        for f in Fault::ALL {
            let got = f.applies_to(spec);
            let want = fault_specs(*f).contains(&spec.name.as_str());
            if got.is_ok() != want {
                wrong.push(format!("fault {f} on {}: {got:?}", spec.name));
            }
            if let Err(why) = got {
                assert!(!why.is_empty());
            }
        }
        for m in ReadingMode::ALL {
            let got = m.applies_to(spec);
            let want = mode_specs(*m).contains(&spec.name.as_str());
            if got.is_ok() != want {
                wrong.push(format!("mode {m} on {}: {got:?}", spec.name));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// The operations of `shelf-operations` a fault applies to, where not all three: a fault is
/// served on the operations whose shape has it, and the others answer faithfully.
fn shelf_operations(f: Fault) -> Vec<&'static str> {
    const ALL_OPS: [&str; 3] = ["listAuthors", "listBooks", "listShelfLoans"];
    match f {
        Fault::FilterIgnored | Fault::OutOfEnum => vec!["listBooks"],
        Fault::BadToken500
        | Fault::ShortPages
        | Fault::HasMoreStuck
        | Fault::FilterPrefix
        | Fault::FilterCaseFolded => vec!["listAuthors"],
        Fault::TotalWrong | Fault::PastEndItems => vec!["listBooks", "listShelfLoans"],
        f if fault_specs(f).contains(&"shelf-operations") => ALL_OPS.to_vec(),
        _ => vec![],
    }
}

#[test]
fn faults_apply_to_each_operation_as_documented() {
    let spec = fixture("shelf-operations");
    for f in Fault::ALL {
        for op in ["listAuthors", "listBooks", "listShelfLoans"] {
            let got = f.applies_to_operation(&spec, op);
            let want = shelf_operations(*f).contains(&op);
            assert_eq!(got.is_ok(), want, "fault {f} on {op}: {got:?}");
        }
    }
    let err = Fault::PageGap
        .applies_to_operation(&spec, "getStatus")
        .unwrap_err();
    assert!(err.contains("getStatus"), "{err}");
}

#[tokio::test]
async fn a_fault_or_mode_that_does_not_apply_is_refused_with_a_reason() {
    let err = mock::start(MockConfig {
        fault: Some(Fault::HasMoreStuck),
        ..MockConfig::new(spec("peeker"))
    })
    .await
    .err()
    .unwrap();
    assert!(err.to_string().contains("has-more-stuck"), "{err}");
    let err = mock::start(MockConfig {
        reading: Some(ReadingMode::ScopeFirst),
        ..MockConfig::new(spec("peeker"))
    })
    .await
    .err()
    .unwrap();
    assert!(err.to_string().contains("x-access"), "{err}");
    let err = mock::start(MockConfig {
        rate_limit_every: Some(0),
        ..MockConfig::new(spec("peeker"))
    })
    .await
    .err()
    .unwrap();
    assert!(err.to_string().contains("0"), "{err}");
}

async fn peeker(mode: ReadingMode) -> (mock::RunningMock, mock::RunningMock) {
    (
        start_mode(spec("peeker"), mode).await,
        start(spec("peeker")).await,
    )
}

async fn devpayr(mode: ReadingMode) -> (mock::RunningMock, mock::RunningMock) {
    (
        start_mode(spec("devpayr"), mode).await,
        start(spec("devpayr")).await,
    )
}

#[tokio::test]
async fn auth_other_status() {
    let (m, r) = peeker(ReadingMode::AuthOtherStatus).await;
    for mock in [&m, &r] {
        let want = if mock.reading().is_some() { 403 } else { 401 };
        assert_eq!(get(&endpoint(mock, &[]), None).await.status, want);
        assert_eq!(
            get_as(mock, &endpoint(mock, &[]), Some("pk_test_nope"))
                .await
                .status,
            want
        );
        assert_eq!(query(mock, "").await.status, 200);
    }
}

#[tokio::test]
async fn lenient_params() {
    let (m, r) = peeker(ReadingMode::LenientParams).await;
    let reply = query(&m, "status=deleted").await;
    assert_eq!(reply.status, 200);
    assert!(
        reply.json()["data"].as_array().unwrap().is_empty(),
        "selects nothing"
    );
    assert_eq!(
        query(&m, "per_page=abc").await.json()["meta"]["per_page"],
        25
    );
    assert_eq!(query(&r, "status=deleted").await.status, 422);
    assert_eq!(
        query(&m, "per_page=0").await.status,
        422,
        "the range is unchanged"
    );
}

#[tokio::test]
async fn clamp_out_of_range() {
    let (m, r) = peeker(ReadingMode::ClampOutOfRange).await;
    let page = query(&m, "per_page=500").await.json();
    assert_eq!(
        (
            page["data"].as_array().unwrap().len(),
            page["meta"]["per_page"].clone()
        ),
        (100, 100.into())
    );
    let page = query(&m, "per_page=0").await.json();
    assert_eq!(page["meta"]["per_page"], 1);
    assert_eq!(query(&r, "per_page=500").await.status, 422);
    assert_eq!(
        query(&m, "per_page=abc").await.status,
        422,
        "a malformed size is still refused"
    );
}

#[tokio::test]
async fn token_restart() {
    let (m, r) = peeker(ReadingMode::TokenRestart).await;
    let restarted = query(&m, "page_token=forged").await.json();
    assert_eq!(restarted["data"], query(&m, "").await.json()["data"]);
    assert_eq!(query(&r, "page_token=forged").await.status, 422);
    assert_eq!(
        walk_keys(&m, "per_page=30").await.len(),
        130,
        "real tokens still work"
    );
}

#[tokio::test]
async fn gone_tokens() {
    let (m, r) = peeker(ReadingMode::GoneTokens).await;
    let reply = query(&m, "page_token=forged").await;
    assert_eq!(reply.status, 410);
    assert!(
        reply.json()["message"].is_string(),
        "the error keeps the spec's shape"
    );
    assert_eq!(query(&r, "page_token=forged").await.status, 422);
    assert_eq!(
        walk_keys(&m, "per_page=30").await.len(),
        130,
        "real tokens still work"
    );
}

#[tokio::test]
async fn retry_after_date() {
    let m = mock::start(MockConfig {
        rate_limit_every: Some(1),
        reading: Some(ReadingMode::RetryAfterDate),
        ..MockConfig::new(spec("peeker"))
    })
    .await
    .unwrap();
    let reply = query(&m, "").await;
    assert_eq!(reply.status, 429);
    let date = reply.header("retry-after").unwrap();
    assert!(
        date.ends_with(" GMT") && chrono::DateTime::parse_from_rfc2822(date).is_ok(),
        "{date}"
    );
    assert_conforms(m.spec(), 429, &reply.json());
}

#[tokio::test]
async fn error_shape() {
    let (m, r) = peeker(ReadingMode::ErrorShape).await;
    let body = get(&endpoint(&m, &[]), None).await.json();
    assert_eq!(
        body,
        serde_json::json!({"error": {"status": 401, "detail": "Unauthenticated."}})
    );
    // Where the spec's error body is `{"error": …}`, the other shape uses another member.
    let stripe = start_mode(spec("stripe"), ReadingMode::ErrorShape).await;
    let body = get(&endpoint(&stripe, &[]), None).await.json();
    assert!(
        body.get("problem").is_some() && body.get("error").is_none(),
        "{body}"
    );
    assert!(get(&endpoint(&r, &[]), None).await.json()["message"].is_string());
    assert_conforms(m.spec(), 200, &query(&m, "").await.json());
}

#[tokio::test]
async fn empty_error_bodies() {
    let (m, r) = peeker(ReadingMode::EmptyErrorBodies).await;
    let missing = get(&endpoint(&m, &[]), None).await;
    assert_eq!(missing.status, 401);
    assert_eq!(missing.text, "");
    assert_eq!(missing.header("content-type"), None);
    assert_eq!(
        missing.header("www-authenticate"),
        Some("Bearer realm=\"api\"")
    );
    let invalid = query(&m, "per_page=0").await;
    assert_eq!((invalid.status, invalid.text.as_str()), (422, ""));
    // An API key is no bearer token: no challenge.
    let devpayr = start_mode(spec("devpayr"), ReadingMode::EmptyErrorBodies).await;
    let missing = get(&endpoint(&devpayr, &[]), None).await;
    assert_eq!((missing.status, missing.text.as_str()), (401, ""));
    assert_eq!(missing.header("www-authenticate"), None);
    // Pages are untouched; the reference answers JSON.
    assert_conforms(m.spec(), 200, &query(&m, "").await.json());
    assert!(get(&endpoint(&r, &[]), None).await.json()["message"].is_string());
}

#[tokio::test]
async fn format_overflow_refused() {
    let m = start_mode(
        fixture("widgets-next-url"),
        ReadingMode::FormatOverflowRefused,
    )
    .await;
    let r = start(fixture("widgets-next-url")).await;
    // Above the maximum but an int32: clamped, as the spec says.
    let clamped = query(&m, "limit=500").await;
    assert_eq!(clamped.status, 200, "{}", clamped.text);
    assert_eq!(clamped.json()["items"].as_array().unwrap().len(), 20);
    // Beyond int32: refused, where the reference clamps it too.
    let beyond = query(&m, "limit=2147483648").await;
    assert_eq!(beyond.status, 400, "{}", beyond.text);
    assert_eq!(query(&r, "limit=2147483648").await.status, 200);
}

#[tokio::test]
async fn iso_basic_timestamps() {
    let (m, r) = devpayr(ReadingMode::IsoBasicTimestamps).await;
    let item = |body: Value| body.pointer("/data/data/0").cloned().unwrap();
    let (read, faithful) = (
        item(query(&m, "").await.json()),
        item(query(&r, "").await.json()),
    );
    let basic = read["created_at"].as_str().unwrap();
    let parsed = chrono::NaiveDateTime::parse_from_str(basic, "%Y%m%dT%H%M%SZ").unwrap();
    let rfc3339 = chrono::DateTime::parse_from_rfc3339(faithful["created_at"].as_str().unwrap());
    assert_eq!(parsed, rfc3339.unwrap().naive_utc());
    // Another profile of ISO 8601 breaks only the reading of `format`.
    let problems = schema_problems(m.spec(), 200, &query(&m, "").await.json()).unwrap();
    assert!(!problems.is_empty());
    assert!(
        problems.iter().all(|p| p.contains("date-time")),
        "{problems:?}"
    );
}

#[tokio::test]
async fn sparse_items() {
    let (m, r) = peeker(ReadingMode::SparseItems).await;
    let all = items(&m, &walk(&m, "per_page=100").await);
    let without = all.iter().filter(|i| i.get("created_at").is_none()).count();
    assert!((130 / 8..=130 / 8 + 1).contains(&without), "{without}");
    assert!(all
        .iter()
        .all(|i| i.get("id").is_some() && i.get("status").is_some()));
    assert_eq!(keys(&m, &all), walk_keys(&r, "per_page=100").await);
}

#[tokio::test]
async fn sparse_envelope() {
    let (m, r) = peeker(ReadingMode::SparseEnvelope).await;
    let page = query(&m, "per_page=5").await.json();
    assert!(page.get("meta").is_none());
    assert!(page["links"]["next"].is_string() && page["data"].is_array());
    assert!(query(&r, "").await.json().get("meta").is_some());
}

#[tokio::test]
async fn extra_envelope_fields() {
    let (m, r) = devpayr(ReadingMode::ExtraEnvelopeFields).await;
    let page = query(&m, "per_page=5").await.json();
    assert_eq!(page["data"]["per_page"], 5);
    assert!(page["data"]["path"]
        .as_str()
        .unwrap()
        .starts_with(m.origin()));
    assert!(page["data"]["prev_cursor"].is_null() && page["data"].get("prev_cursor").is_some());
    assert_conforms(m.spec(), 200, &page);
    assert!(query(&r, "").await.json()["data"].get("path").is_none());
}

#[tokio::test]
async fn null_fields() {
    let (m, _) = devpayr(ReadingMode::NullFields).await;
    let (secret, projects) = match &m.credentials.keys[1].scope {
        Scope::Owner(p) => (m.credentials.keys[1].secret.clone(), p.clone()),
        _ => unreachable!(),
    };
    let mut all = Vec::new();
    for p in projects {
        let pages = walk_as(
            &m,
            &format!("{}/project/{p}/domains", m.base_url),
            "",
            Some(&secret),
        )
        .await;
        all.extend(items(&m, &pages));
    }
    assert!(all
        .iter()
        .any(|i| i["created_at"].is_null() && i["updated_at"].is_null()));
    assert!(all.iter().all(|i| i["id"].is_u64()));
}

#[tokio::test]
async fn string_flags() {
    let (m, r) = devpayr(ReadingMode::StringFlags).await;
    assert_eq!(query(&m, "").await.json()["status"], "success");
    assert_eq!(
        get(&endpoint(&m, &[]), None).await.json()["status"],
        "error"
    );
    assert_eq!(query(&r, "").await.json()["status"], true);
}

#[tokio::test]
async fn scope_first() {
    let (m, r) = devpayr(ReadingMode::ScopeFirst).await;
    for mock in [&m, &r] {
        let missing = &mock.credentials.missing["project"];
        let url = format!("{}/project/{missing}/domains", mock.base_url);
        let scoped = &mock.credentials.keys[0].secret;
        let global = &mock.credentials.keys[1].secret;
        let want = if mock.reading().is_some() { 403 } else { 404 };
        assert_eq!(get(&url, Some(("x-api-key", scoped))).await.status, want);
        assert_eq!(get(&url, Some(("x-api-key", global))).await.status, 404);
    }
}

#[tokio::test]
async fn unknown_owner_refused() {
    let (m, r) = peeker(ReadingMode::UnknownOwnerRefused).await;
    let reply = query(&m, "user_email=nobody%40example.com").await;
    assert_eq!(reply.status, 422);
    assert!(reply.json()["errors"]["user_email"].is_array());
    let email = m.credentials.owners["user_email"][0].clone();
    assert_eq!(query(&m, &format!("user_email={email}")).await.status, 200);
    assert_eq!(
        query(&r, "user_email=nobody%40example.com").await.status,
        200
    );
}

#[tokio::test]
async fn unknown_params_refused() {
    let (m, r) = peeker(ReadingMode::UnknownParamsRefused).await;
    let reply = query(&m, "unknown=1&status=active").await;
    assert_eq!(reply.status, 422);
    assert!(reply.json()["errors"]["unknown"].is_array());
    assert_eq!(query(&m, "status=active&per_page=3").await.status, 200);
    assert_eq!(query(&r, "unknown=1").await.status, 200);
}

#[tokio::test]
async fn next_token_only() {
    let (m, r) = peeker(ReadingMode::NextTokenOnly).await;
    let page = query(&m, "status=active&per_page=3").await.json();
    let next = page["links"]["next"].as_str().unwrap();
    let path = format!("{}/domains", m.base_url);
    assert!(
        next.starts_with(&format!("{path}?page_token=")) && !next.contains("status="),
        "{next}"
    );
    let got = items(&m, &walk(&m, "status=active&per_page=3").await);
    assert!(!got.is_empty() && got.iter().all(|i| i["status"] == "active"));
    assert_eq!(
        keys(&m, &got),
        walk_keys(&r, "status=active&per_page=3").await,
        "the same items"
    );
    let token = next.split("page_token=").nth(1).unwrap();
    assert_eq!(
        query(&m, &format!("status=failed&page_token={token}"))
            .await
            .status,
        422
    );
}

#[tokio::test]
async fn trailing_empty_page() {
    for spec in [
        spec("peeker"),
        spec("devpayr"),
        fixture("tickets-link-header"),
    ] {
        let name = spec.name.clone();
        let m = start_mode(spec.clone(), ReadingMode::TrailingEmptyPage).await;
        let r = start(spec).await;
        let (pages, reference) = (walk(&m, "").await, walk(&r, "").await);
        // Every item once, as in the reference, and then one empty page that ends the walk.
        assert_eq!(items(&m, &pages), items(&r, &reference), "{name}");
        assert_eq!(pages.len(), reference.len() + 1, "{name}");
        let last = pages.last().unwrap();
        assert!(items(&m, std::slice::from_ref(last)).is_empty(), "{name}");
        assert!(!items(&m, &pages[pages.len() - 2..pages.len() - 1]).is_empty());
        assert_conforms(m.spec(), 200, &last.body);
    }
}

/// `lowered-page-size`: the server serves two thirds of the size asked for and its echo says
/// so; the walk, ended by the last-page flag, lists every item of the reference.
#[tokio::test]
async fn lowered_page_size() {
    let spec = fixture("events-offset-flag");
    let m = start_mode(spec.clone(), ReadingMode::LoweredPageSize).await;
    let r = start(spec).await;
    let (pages, reference) = (walk(&m, "limit=30").await, walk(&r, "limit=30").await);
    for page in &pages[..pages.len() - 1] {
        assert_eq!(page.body["events"].as_array().unwrap().len(), 20);
        assert_eq!(page.body["meta"]["limit"], 20);
        assert_eq!(page.body["meta"]["is_last"], false);
    }
    assert_eq!(pages.last().unwrap().body["meta"]["is_last"], true);
    assert_eq!(items(&m, &pages), items(&r, &reference));
    assert!(pages.len() > reference.len());
}

/// `other-filter-readings`: a bound read inclusive is served exclusive (GitHub's `since`, "updated
/// after"): the issue updated at that very instant is left out, and only it.
#[tokio::test]
async fn other_filter_readings() {
    let s = spec("github");
    let m = start_mode(s.clone(), ReadingMode::OtherFilterReadings).await;
    let r = start(s).await;
    let path = |m: &mock::RunningMock| {
        format!(
            "{}/repos/{}/{}/issues",
            m.base_url.trim_end_matches('/'),
            m.credentials.path_values["owner"],
            m.credentials.path_values["repo"]
        )
    };
    let all = get_primary(&r, &format!("{}?state=all&per_page=100", path(&r))).await;
    let items: Vec<Value> = serde_json::from_str(&all.text).unwrap();
    let at = items[items.len() / 2]["updated_at"]
        .as_str()
        .unwrap()
        .to_string();
    let since = |m: &mock::RunningMock| format!("{}?state=all&per_page=100&since={at}", path(m));
    let times = |reply: Reply| -> Vec<String> {
        let items: Vec<Value> = serde_json::from_str(&reply.text).unwrap();
        items
            .iter()
            .map(|i| i["updated_at"].as_str().unwrap().to_string())
            .collect()
    };
    let faithful = times(get_primary(&r, &since(&r)).await);
    let other = times(get_primary(&m, &since(&m)).await);
    assert!(
        faithful.contains(&at),
        "the reference lists the issue at the bound"
    );
    let without: Vec<String> = faithful.iter().filter(|t| **t != at).cloned().collect();
    assert_eq!(other, without);
}

#[tokio::test]
async fn last_page_null() {
    let (m, r) = peeker(ReadingMode::LastPageNull).await;
    let last = walk(&m, "per_page=100").await.pop().unwrap().body;
    assert_eq!(last["links"].get("next"), Some(&Value::Null));
    assert_conforms(m.spec(), 200, &last);
    let last = walk(&r, "per_page=100").await.pop().unwrap().body;
    assert!(last["links"].get("next").is_none());
}

/// The rows of the README table between `<!-- {marker} -->` and `<!-- /{marker} -->`: the
/// cells of each row whose first cell is a `name`.
fn readme_rows(marker: &str) -> Vec<Vec<String>> {
    let readme = include_str!("../../README.md");
    let section = readme
        .split(&format!("<!-- {marker} -->"))
        .nth(1)
        .unwrap_or_else(|| panic!("README.md marks a table with <!-- {marker} -->"));
    section
        .lines()
        .take_while(|l| !l.starts_with(&format!("<!-- /{marker} -->")))
        .filter(|l| l.starts_with("| `"))
        .map(|l| {
            let inner = l.trim().trim_start_matches('|').trim_end_matches('|');
            inner.split(" | ").map(|c| c.trim().to_string()).collect()
        })
        .collect()
}

/// What the README's "applies to" column says for a list of specs: the embedded ones, by
/// name order, or "fixtures only".
fn embedded_of(specs: &[&str]) -> String {
    let mut real: Vec<&str> = specs
        .iter()
        .copied()
        .filter(|s| specs::names().contains(s))
        .collect();
    real.sort();
    if real.is_empty() {
        "fixtures only".to_string()
    } else {
        real.join(", ")
    }
}

#[test]
fn the_readme_tables_are_the_modes_and_faults() {
    let modes = readme_rows("mode-table");
    assert_eq!(
        modes.len(),
        ReadingMode::ALL.len(),
        "a mode missing or listed twice"
    );
    // Every difference at once, as the row it should be.
    let mut wrong = Vec::new();
    for row in &modes {
        let name = row[0].trim_matches('`');
        let m = ReadingMode::from_name(name).unwrap_or_else(|| panic!("no mode `{name}`"));
        let want = [m.description().to_string(), embedded_of(&mode_specs(m))];
        if row[1..] != want {
            wrong.push(format!("| `{name}` | {} |", want.join(" | ")));
        }
    }
    let faults = readme_rows("fault-table");
    assert_eq!(
        faults.len(),
        Fault::ALL.len(),
        "a fault missing or listed twice"
    );
    for row in &faults {
        let name = row[0].trim_matches('`');
        let f = Fault::from_name(name).unwrap_or_else(|| panic!("no fault `{name}`"));
        let want = [f.description().to_string(), embedded_of(&fault_specs(f))];
        if row[2..] != want {
            wrong.push(format!("| `{name}` | {} | {} |", row[1], want.join(" | ")));
        }
    }
    assert!(
        wrong.is_empty(),
        "README rows that differ, as they should be:\n{}",
        wrong.join("\n")
    );
}
