//! The suite against servers that follow the vendor pages faithfully but take another reading
//! where a page is silent (the reference mocks' `--reading` modes): each passes, with exactly
//! the warnings of the readings it breaks, each warning quoting its reading; `--strict` turns
//! them into failures. specs/README.md names each reading's mode; a test keeps it honest.

mod suite_util;

use conformance::{CheckId, Verdict};
use mock::{MockConfig, ReadingMode};
use suite_util::{fixtures, options, spec, spec_or_fixture, target};

use CheckId::*;

/// (spec, mode) → the checks that warn, and nothing else may.
const EXPECTED: &[(&str, ReadingMode, &[CheckId])] = &[
    (
        "peeker",
        ReadingMode::AuthOtherStatus,
        &[MissingKey, InvalidKey],
    ),
    ("peeker", ReadingMode::LenientParams, &[InvalidParam]),
    (
        "peeker",
        ReadingMode::ClampOutOfRange,
        &[OverMax, InvalidParam, RangeBounds],
    ),
    ("peeker", ReadingMode::TokenRestart, &[TamperedToken]),
    (
        "peeker",
        ReadingMode::GoneTokens,
        &[TamperedToken, TokenScope, DocumentedStatus],
    ),
    ("peeker", ReadingMode::RetryAfterDate, &[RateLimit]),
    ("peeker", ReadingMode::ErrorShape, &[RateLimit, ErrorBody]),
    ("peeker", ReadingMode::SparseItems, &[PageBody]),
    ("peeker", ReadingMode::SparseEnvelope, &[PageBody]),
    ("peeker", ReadingMode::UnknownOwnerRefused, &[Owner]),
    ("peeker", ReadingMode::UnknownParamsRefused, &[]),
    ("peeker", ReadingMode::NextTokenOnly, &[]),
    ("peeker", ReadingMode::LastPageNull, &[]),
    ("peeker", ReadingMode::TrailingEmptyPage, &[]),
    (
        "peeker",
        ReadingMode::EmptyErrorBodies,
        &[RateLimit, ErrorBody],
    ),
    ("devpayr", ReadingMode::LenientParams, &[InvalidParam]),
    (
        "devpayr",
        ReadingMode::ClampOutOfRange,
        &[OverMax, InvalidParam, RangeBounds],
    ),
    ("devpayr", ReadingMode::TokenRestart, &[TamperedToken]),
    (
        "devpayr",
        ReadingMode::GoneTokens,
        &[TamperedToken, TokenScope, DocumentedStatus],
    ),
    ("devpayr", ReadingMode::RetryAfterDate, &[RateLimit]),
    ("devpayr", ReadingMode::ErrorShape, &[RateLimit, ErrorBody]),
    ("devpayr", ReadingMode::ExtraEnvelopeFields, &[]),
    ("devpayr", ReadingMode::NullFields, &[PageBody]),
    ("devpayr", ReadingMode::IsoBasicTimestamps, &[PageBody]),
    (
        "devpayr",
        ReadingMode::StringFlags,
        &[RateLimit, PageBody, ErrorBody],
    ),
    ("devpayr", ReadingMode::ScopeFirst, &[NotFound]),
    ("devpayr", ReadingMode::TrailingEmptyPage, &[]),
    (
        "devpayr",
        ReadingMode::EmptyErrorBodies,
        &[RateLimit, ErrorBody],
    ),
    (
        "stripe",
        ReadingMode::ClampOutOfRange,
        &[OverMax, InvalidParam, RangeBounds],
    ),
    ("stripe", ReadingMode::TokenRestart, &[TamperedToken]),
    (
        "stripe",
        ReadingMode::GoneTokens,
        &[TamperedToken, DocumentedStatus],
    ),
    ("stripe", ReadingMode::ErrorShape, &[RateLimit, ErrorBody]),
    ("stripe", ReadingMode::SparseItems, &[PageBody]),
    ("stripe", ReadingMode::SparseEnvelope, &[PageBody]),
    (
        "stripe",
        ReadingMode::EmptyErrorBodies,
        &[RateLimit, ErrorBody],
    ),
    ("github", ReadingMode::LenientParams, &[InvalidParam]),
    ("github", ReadingMode::TokenRestart, &[TamperedToken]),
    ("github", ReadingMode::TrailingEmptyPage, &[]),
    ("github", ReadingMode::OtherFilterReadings, &[ExactSubset]),
    (
        "twilio",
        ReadingMode::LenientParams,
        &[InvalidParam, RangeBounds],
    ),
    (
        "twilio",
        ReadingMode::ClampOutOfRange,
        &[OverMax, InvalidParam, RangeBounds],
    ),
    ("twilio", ReadingMode::TokenRestart, &[TamperedToken]),
    (
        "twilio",
        ReadingMode::GoneTokens,
        &[TamperedToken, TokenScope, DocumentedStatus],
    ),
    ("twilio", ReadingMode::ErrorShape, &[RateLimit, ErrorBody]),
    ("twilio", ReadingMode::SparseItems, &[PageBody]),
    ("twilio", ReadingMode::SparseEnvelope, &[PageBody]),
    ("twilio", ReadingMode::TrailingEmptyPage, &[]),
    (
        "twilio",
        ReadingMode::EmptyErrorBodies,
        &[RateLimit, ErrorBody],
    ),
    ("twilio", ReadingMode::OtherFilterReadings, &[ExactSubset]),
    ("events-offset-flag", ReadingMode::LoweredPageSize, &[]),
    (
        "slack",
        ReadingMode::ClampOutOfRange,
        &[OverMax, InvalidParam, RangeBounds],
    ),
    ("slack", ReadingMode::SparseItems, &[PageBody]),
    ("slack", ReadingMode::TrailingEmptyPage, &[]),
    // The fixtures carry no reading marks: only the modes the pages leave open apply.
    ("gadgets-cursor", ReadingMode::TrailingEmptyPage, &[]),
    ("memos-basic-auth", ReadingMode::TrailingEmptyPage, &[]),
    ("notes-in-body-errors", ReadingMode::TrailingEmptyPage, &[]),
    ("tickets-link-header", ReadingMode::TrailingEmptyPage, &[]),
    ("widgets-next-url", ReadingMode::TrailingEmptyPage, &[]),
    ("widgets-next-url", ReadingMode::FormatOverflowRefused, &[]),
];

/// A mock in `mode`, rate-limited (Retry-After 0) so that the 429 readings are exercised too.
fn config(name: &str, mode: ReadingMode) -> MockConfig {
    MockConfig {
        reading: Some(mode),
        rate_limit_every: Some(7),
        retry_after_secs: 0,
        ..MockConfig::new(spec_or_fixture(name))
    }
}

/// The mock's target, with a key scoped to one value for `scope-first`: that mode is about
/// such keys (an owner's key cannot tell a project that does not exist from one it may not
/// read), while the mock's primary key is its broadest.
fn target_for(m: &mock::RunningMock, mode: ReadingMode) -> conformance::Target {
    let mut t = target(m);
    if mode == ReadingMode::ScopeFirst {
        let scoped = m
            .credentials
            .keys
            .iter()
            .find(|k| matches!(k.scope, mock::Scope::Value(_)))
            .expect("a key scoped to one value");
        t.credential = Some(conformance::Secret::new(scoped.secret.clone()));
        t.readable.clear();
    }
    t
}

#[test]
fn the_table_covers_every_mode_that_applies_to_a_spec() {
    let mut all: Vec<specs::Spec> = specs::names().into_iter().map(spec).collect();
    all.extend(fixtures());
    for s in all {
        let name = s.name.as_str();
        for mode in ReadingMode::ALL {
            let listed = EXPECTED.iter().any(|(n, m, _)| *n == name && m == mode);
            assert_eq!(
                listed,
                mode.applies_to(&s).is_ok(),
                "{name} {}",
                mode.name()
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_reading_mode_passes_with_its_warnings_only() {
    for (name, mode, warned) in EXPECTED {
        let m = mock::start(config(name, *mode)).await.unwrap();
        let report = conformance::run(target_for(&m, *mode), options()).await;
        m.shutdown().await;
        let text = report.render();
        assert_eq!(report.exit_code(), 0, "{name} {}: {text}", mode.name());
        assert!(
            report.failures().is_empty(),
            "{name} {}: {text}",
            mode.name()
        );
        let mut got = report.warnings();
        let mut want = warned.to_vec();
        got.sort();
        want.sort();
        assert_eq!(
            got,
            want,
            "{name} {}: the warnings differ\n{text}",
            mode.name()
        );
        for check in &got {
            let c = report.check(*check).unwrap();
            assert!(
                !c.readings.is_empty(),
                "{name} {}: {check} warns without its reading",
                mode.name()
            );
            assert!(
                c.readings.iter().all(|r| r.contains("Reading:")),
                "{:?}",
                c.readings
            );
        }
        if !got.is_empty() {
            assert!(text.contains("PASS with warnings"), "{text}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn strict_turns_warnings_into_failures() {
    let m = mock::start(config("peeker", ReadingMode::ErrorShape))
        .await
        .unwrap();
    let mut o = options();
    o.strict = true;
    let report = conformance::run(target(&m), o).await;
    m.shutdown().await;
    assert_eq!(report.exit_code(), 1, "{}", report.render());
    let c = report.check(ErrorBody).unwrap();
    assert_eq!(c.verdict, Verdict::Fail);
    assert!(c.detail.contains("--strict"), "{}", c.detail);
    assert!(report.warnings().is_empty());
}

/// specs/README.md names a mode for readings that have one: each name is a real mode that
/// applies to that spec, and every mode of the table is named there.
#[test]
fn the_specs_readme_names_real_modes() {
    let readme = include_str!("../../specs/README.md");
    let section = readme
        .split("## Readings")
        .nth(1)
        .expect("a Readings section");
    // A list item's continuation lines are indented: join them, so that a mode's name is
    // found whatever the line breaks.
    let section = section.replace("\n  ", " ");
    let mut current = None;
    let mut named = Vec::new();
    for line in section.lines() {
        if let Some(file) = line
            .strip_prefix("### `")
            .and_then(|l| l.strip_suffix(".yaml`"))
        {
            current = Some(file.to_string());
        }
        for part in line.split("ode `").skip(1) {
            let mode = part.split('`').next().unwrap_or_default();
            let file = current.clone().expect("a file heading");
            let m = ReadingMode::from_name(mode)
                .unwrap_or_else(|| panic!("specs/README.md names `{mode}`, not a mode"));
            assert!(
                m.applies_to(&spec(&file)).is_ok(),
                "`{mode}` does not apply to {file}"
            );
            named.push((file, m));
        }
    }
    for (name, mode, _) in EXPECTED.iter().filter(|(n, _, _)| specs::load(n).is_some()) {
        assert!(
            named.iter().any(|(n, m)| n == name && m == mode),
            "{name} {} is not named in specs/README.md",
            mode.name()
        );
    }
}
