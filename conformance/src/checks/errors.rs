//! Errors: credentials (first pages and continuations), access, what narrower callers are
//! listed ([`views`]), invalid parameters, the bounds of documented ranges, tampered page
//! tokens, and the shape of every rate limit (429, the statuses and headers of
//! `x-errors.rate-limit`, the in-body codes of `rate-limited`).
//!
//! Where the spec declares errors in 200 bodies (`x-errors.in-body`), a 200 whose flag is false
//! is the refusal it says: accepted for a kind whose `codes` list its code, a failure for any
//! other kind, and never read as a page.
//!
//! Each refusal must carry one of the statuses `x-errors` / `x-access` accept for it. A 5xx is
//! never accepted, and neither is a page where the spec states a refusal: a server that
//! serves something for a malformed request has silently guessed what the client meant. Where
//! the spec only reads a refusal (the page is silent), another behaviour is a warning.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use proptest::prelude::*;
use proptest::sample::Index;
use serde_json::Value;
use specs::walk::Advance;
use specs::{
    ErrorKind, Filter, Location, Match, Operation, Parameter, RateLimitHeaders, ResetFormat,
};
use url::Url;

use super::filters::value_counts;
use super::walk::{read_page, step, walker, with_param, Step, Walk};
use super::{out_of_range, refusal, Expected, Refusal};
use crate::engine::findings::{conventions, Basis, Breach};
use crate::engine::{cases, Ctx, Findings};
use crate::probe::{Auth, Response};
use crate::registry::CheckId;
use crate::target::Secret;

mod views;

/// The checks of this family.
pub const CHECKS: &[CheckId] = &[
    CheckId::MissingKey,
    CheckId::InvalidKey,
    CheckId::AnonymousView,
    CheckId::InvalidParam,
    CheckId::RangeBounds,
    CheckId::TamperedToken,
    CheckId::TokenScope,
    CheckId::Forbidden,
    CheckId::NotFound,
    CheckId::ViewerScope,
    CheckId::RateLimit,
];

/// Runs the family (the rate-limit check runs later, over every rate limit of the run: see
/// [`rate_limit_shape`]).
pub async fn run(ctx: &Ctx<'_>, reference: &Walk) -> Findings {
    let mut f = Findings::new();
    let needs_a_page = ctx.any_selected(&[
        CheckId::MissingKey,
        CheckId::InvalidKey,
        CheckId::TamperedToken,
        CheckId::TokenScope,
    ]);
    let first = match needs_a_page {
        true => first_small_page(ctx).await,
        false => None,
    };
    let (auth, access, params, bounds, tokens, scopes, narrower) = tokio::join!(
        credentials(ctx, first.as_ref()),
        access(ctx),
        invalid_params(ctx),
        range_bounds(ctx),
        tampered_tokens(ctx, first.as_ref()),
        token_scopes(ctx, first.as_ref(), reference),
        views::run(ctx, reference),
    );
    for found in [auth, access, params, bounds, tokens, scopes, narrower] {
        f.merge(found);
    }
    f
}

/// The first page at the smallest size, and the URL of the page after it (a real
/// continuation request, with a token the server issued), when there is one.
struct FirstPage {
    url: Url,
    next: Option<(Url, String)>,
}

async fn first_small_page(ctx: &Ctx<'_>) -> Option<FirstPage> {
    let p = ctx.pagination;
    let request = ctx.unfiltered(Some(p.size_min));
    let url = ctx.url(&[], &request.first_query(&p.size_param));
    let response = ctx.get(&url, &Auth::Target).await?;
    let next = match read_page(ctx, response) {
        Ok(page) => match step(ctx, &mut walker(ctx, &request), &url, &url, &page) {
            Ok(Step::To(next, position)) => Some((next, position)),
            _ => None,
        },
        Err(_) => None,
    };
    Some(FirstPage { url, next })
}

/// Sends one request and judges it as a refusal.
async fn refused(
    ctx: &Ctx<'_>,
    check: CheckId,
    what: String,
    url: Url,
    auth: Auth,
    expected: Expected<'_>,
    kind: Refusal,
) -> Findings {
    let mut f = Findings::new();
    if let Some(r) = ctx.get(&url, &auth).await {
        f.judge(check, refusal(&what, &r, expected, kind));
    }
    f
}

/// A request without credentials to an operation that may be called without them: served (a
/// page, which `errors/anonymous-view` judges), refused as `missing-key` says, or, on a
/// continuation whose token was issued to the credential, refused as `invalid-token` says.
fn anonymous_allowed(
    ctx: &Ctx<'_>,
    what: &str,
    r: &Response,
    continuation: bool,
) -> Option<Breach> {
    let errors = &ctx.op.errors;
    let served = r.status == 200 && errors.in_body_error(r.status, r.body()).is_none();
    if served || (continuation && errors.refuses_as(ErrorKind::InvalidToken, r.status, r.body())) {
        return None;
    }
    refusal(
        what,
        r,
        Expected::of(ctx.op, ErrorKind::MissingKey),
        Refusal::Credentials,
    )
}

/// Missing and invalid credentials, on the first page and on a continuation request built
/// from a real walk (a server that checks credentials on first pages only is seen).
async fn credentials(ctx: &Ctx<'_>, first: Option<&FirstPage>) -> Findings {
    let mut f = Findings::new();
    let Some(security) = &ctx.op.security else {
        f.skip(CheckId::MissingKey, "the operation requires no credential");
        f.skip(CheckId::InvalidKey, "the operation requires no credential");
        return f;
    };
    let seed = ctx.options.seed;
    let forged = Secret::new(format!("conformance-invalid-key-{seed:x}"));
    // A well-formed key that does not exist: the real key's prefix (`pk_test_`), then made-up
    // characters (for HTTP Basic, a made-up user name and password). Nothing of the real key's
    // secret part is sent, so a server that echoes the key in its error body reveals nothing.
    let made_up = ctx
        .target
        .credential
        .as_ref()
        .map(|real| match real.is_basic() {
            true => Secret::basic(
                &format!("conformance-user-{seed:x}"),
                &format!("c0nf0rmance{seed:016x}"),
            ),
            false => Secret::new(format!(
                "{}c0nf0rmance{seed:016x}",
                ctx.target.credential_prefix()
            )),
        });
    if security.optional && ctx.selected(CheckId::MissingKey) {
        f.note(
            CheckId::MissingKey,
            "the operation may be called without credentials (`{}` among its security \
             requirements): a page is accepted too, and errors/anonymous-view judges what it lists",
        );
    }
    let mut urls = vec![("the first page".to_string(), ctx.url(&[], &[]))];
    match first.and_then(|p| p.next.as_ref()) {
        Some((next, _)) => urls.push((
            "a continuation request of a real walk".to_string(),
            next.clone(),
        )),
        None => f.note(
            CheckId::MissingKey,
            "no continuation request to probe: the list fits on one page of the smallest size",
        ),
    }
    let mut probes = Vec::new();
    for (where_, url) in &urls {
        if ctx.selected(CheckId::MissingKey) {
            probes.push((
                CheckId::MissingKey,
                format!("no credential on {where_}"),
                url.clone(),
                Auth::None,
                ErrorKind::MissingKey,
            ));
        }
        if ctx.selected(CheckId::InvalidKey) {
            probes.push((
                CheckId::InvalidKey,
                format!("a forged credential on {where_}"),
                url.clone(),
                Auth::Other(forged.clone()),
                ErrorKind::InvalidKey,
            ));
            if let Some(key) = &made_up {
                probes.push((
                    CheckId::InvalidKey,
                    format!("a well-formed key that does not exist on {where_}"),
                    url.clone(),
                    Auth::Other(key.clone()),
                    ErrorKind::InvalidKey,
                ));
            }
        }
    }
    let optional = security.optional;
    let first_page = &urls[0].1;
    f.merge(
        cases::each(ctx, probes, |(check, what, url, auth, kind)| async move {
            let continuation = url != *first_page;
            match (check, optional) {
                (CheckId::MissingKey, true) => {
                    let mut f = Findings::new();
                    if let Some(r) = ctx.get(&url, &auth).await {
                        f.judge(check, anonymous_allowed(ctx, &what, &r, continuation));
                    }
                    f
                }
                _ => {
                    let expected = Expected::of(ctx.op, kind);
                    refused(ctx, check, what, url, auth, expected, Refusal::Credentials).await
                }
            }
        })
        .await,
    );
    f
}

/// A value of the access parameter the credential may not read, and one that does not exist
/// (made up from the parameter's type when the target gives none).
async fn access(ctx: &Ctx<'_>) -> Findings {
    let mut f = Findings::new();
    let Some(access) = &ctx.op.access else {
        f.skip(CheckId::Forbidden, "the operation has no x-access");
        f.skip(CheckId::NotFound, "the operation has no x-access");
        return f;
    };
    let param = access.path_param.as_str();
    if ctx.selected(CheckId::Forbidden) {
        match ctx.target.forbidden.get(param) {
            None => f.skip(
                CheckId::Forbidden,
                format!("no value of `{param}` the credential may not read was given (--forbidden {param}=VALUE)"),
            ),
            Some(v) => {
                let url = ctx.url(&[(param, v.clone())], &[]);
                f.merge(
                    refused(ctx, CheckId::Forbidden, format!("{param}={v}"), url, Auth::Target, Expected::statuses(ctx.op, &access.forbidden), Refusal::Access)
                        .await,
                );
            }
        }
    }
    if ctx.selected(CheckId::NotFound) {
        let (value, made_up) = match ctx.target.missing.get(param) {
            Some(v) => (v.clone(), false),
            None => (missing_value(ctx, param), true),
        };
        let url = ctx.url(&[(param, value.clone())], &[]);
        if let Some(r) = ctx.get(&url, &Auth::Target).await {
            f.judge(
                CheckId::NotFound,
                not_found(ctx.op, access, &format!("{param}={value}"), &r),
            );
        }
        if made_up {
            f.note(
                CheckId::NotFound,
                format!(
                    "no missing value of `{param}` was given (--missing {param}=VALUE): probed {param}={value}, a value made up from the parameter's type"
                ),
            );
        }
    }
    f
}

/// The verdict on a request for a resource that does not exist: `not-found`, or `forbidden`
/// when the server may check access before existence.
fn not_found(op: &Operation, access: &specs::Access, what: &str, r: &Response) -> Option<Breach> {
    if access.not_found.contains(&r.status) {
        return None;
    }
    if access.forbidden.contains(&r.status) {
        if !*access.existence_first {
            return None;
        }
        return Some(Breach {
            basis: Basis::of(&access.existence_first.reading),
            message: format!(
                "{what}: {} (forbidden) for a resource that does not exist; the spec says existence is checked first, so {:?}",
                r.status, access.not_found.value
            ),
            request: Some(r.request.curl()),
        });
    }
    refusal(
        what,
        r,
        Expected::statuses(op, &access.not_found),
        Refusal::Access,
    )
}

/// A value of `param` that cannot exist, from its type: the largest integer (its `maximum`,
/// else 2^53 - 1, which every JSON number parser keeps exact), or a made-up string.
fn missing_value(ctx: &Ctx, param: &str) -> String {
    let seed = ctx.options.seed;
    let Some(p) = ctx.op.parameter(param, Location::Path) else {
        return format!("conformance-missing-{seed:x}");
    };
    match (p.schema_type(), p.format()) {
        (Some("integer"), Some("int32")) => p.maximum().unwrap_or(i64::from(i32::MAX)).to_string(),
        (Some("integer"), _) => p.maximum().unwrap_or((1i64 << 53) - 1).to_string(),
        (_, Some("uuid")) => format!("00000000-0000-4000-8000-{:012x}", seed & 0xffff_ffff_ffff),
        _ => format!("conformance-missing-{seed:x}"),
    }
}

/// A malformed value for one query parameter.
#[derive(Debug, Clone)]
enum Bad {
    /// An integer below the parameter's minimum.
    BelowMin(String, i64),
    /// Not an integer at all.
    NotInteger(String, String),
    /// Far above any maximum (beyond 64 bits when long).
    Huge(String, String),
    /// A string outside the parameter's enum.
    OutOfEnum(String, String),
}

impl Bad {
    fn pair(&self) -> (String, String) {
        match self {
            Bad::BelowMin(p, v) => (p.clone(), v.to_string()),
            Bad::NotInteger(p, v) | Bad::Huge(p, v) | Bad::OutOfEnum(p, v) => {
                (p.clone(), v.clone())
            }
        }
    }
}

/// The query parameters with a range: (name, minimum, maximum).
fn ranged(ctx: &Ctx) -> Vec<(String, Option<i64>, Option<i64>)> {
    ctx.op
        .parameters_in(Location::Query)
        .filter(|q| q.schema_type() == Some("integer"))
        .filter(|q| q.minimum().is_some() || q.maximum().is_some())
        .map(|q| (q.name.clone(), q.minimum(), q.maximum()))
        .collect()
}

fn enums(ctx: &Ctx) -> Vec<(String, Vec<String>)> {
    ctx.op
        .parameters_in(Location::Query)
        .filter_map(|q: &Parameter| q.enum_values().map(|e| (q.name.clone(), e)))
        .collect()
}

/// Judges the response to one malformed value.
async fn judge_bad(ctx: &Ctx<'_>, bad: Bad) -> Findings {
    let mut f = Findings::new();
    let p = ctx.pagination;
    let (name, value) = bad.pair();
    let url = ctx.url(&[], &[(name.clone(), value.clone())]);
    let Some(response) = ctx.get(&url, &Auth::Target).await else {
        return f;
    };
    let what = format!("{name}={value}");
    let is_size = name == p.size_param;
    let breach = match &bad {
        // Outside the range of the page size: rejecting and clamping are judged by the
        // spec's reading of each bound.
        Bad::Huge(..) if is_size => out_of_range(ctx, &value, &response, &p.over_max, p.size_max),
        Bad::BelowMin(..) if is_size => {
            out_of_range(ctx, &value, &response, &p.under_min, p.size_min)
        }
        _ => refusal(
            &what,
            &response,
            Expected::of(ctx.op, ErrorKind::InvalidParam),
            Refusal::Input,
        ),
    };
    f.judge(CheckId::InvalidParam, breach);
    f
}

async fn invalid_params(ctx: &Ctx<'_>) -> Findings {
    let mut f = Findings::new();
    if !ctx.selected(CheckId::InvalidParam) {
        return f;
    }
    let integers: Vec<(String, i64)> = ranged(ctx)
        .into_iter()
        .filter_map(|(name, min, _)| min.map(|m| (name, m)))
        .collect();
    // A number beyond 64 bits is out of range only where the parameter is bounded: by a
    // maximum, or by an int32/int64 format. (An unbounded page number that large is merely
    // past the end.)
    let bounded: Vec<String> = ctx
        .op
        .parameters_in(Location::Query)
        .filter(|q| q.maximum().is_some() || matches!(q.format(), Some("int32" | "int64")))
        .map(|q| q.name.clone())
        .collect();
    let enums = enums(ctx);
    if integers.is_empty() && enums.is_empty() {
        f.skip(
            CheckId::InvalidParam,
            "no query parameter has a minimum or an enum",
        );
        return f;
    }
    // Fixed cases first: the classic ones, so that a short run still covers them.
    let mut fixed: Vec<Bad> = Vec::new();
    for (name, min) in &integers {
        fixed.push(Bad::BelowMin(name.clone(), min - 1));
        fixed.push(Bad::BelowMin(name.clone(), -1));
        fixed.push(Bad::NotInteger(name.clone(), "abc".into()));
        fixed.push(Bad::NotInteger(name.clone(), "2.5".into()));
        if bounded.contains(name) {
            fixed.push(Bad::Huge(name.clone(), "99999999999999999999999".into()));
        }
    }
    for (name, values) in &enums {
        let mut v = "conformance-not-a-value".to_string();
        while values.contains(&v) {
            v.push('x');
        }
        fixed.push(Bad::OutOfEnum(name.clone(), v));
    }
    fixed.dedup_by(|a, b| a.pair() == b.pair());
    f.merge(cases::each(ctx, fixed, |bad| judge_bad(ctx, bad)).await);

    let mut kinds: Vec<SBoxedStrategy<Bad>> = Vec::new();
    if !integers.is_empty() {
        let ints = integers.clone();
        kinds.push(
            (any::<Index>(), -1_000_000i64..=0)
                .prop_map(move |(i, offset)| {
                    let (name, min) = &ints[i.index(ints.len())];
                    Bad::BelowMin(name.clone(), min.saturating_add(offset).saturating_sub(1))
                })
                .sboxed(),
        );
        let ints = integers.clone();
        kinds.push(
            (any::<Index>(), not_an_integer())
                .prop_map(move |(i, v)| Bad::NotInteger(ints[i.index(ints.len())].0.clone(), v))
                .sboxed(),
        );
        let huge: Vec<String> = integers
            .iter()
            .map(|(n, _)| n.clone())
            .filter(|n| bounded.contains(n))
            .collect();
        if !huge.is_empty() {
            kinds.push(
                (
                    any::<Index>(),
                    text(DIGITS_NOT_ZERO, 1..=1),
                    text(DIGITS, 19..=30),
                )
                    .prop_map(move |(i, first, rest)| {
                        Bad::Huge(huge[i.index(huge.len())].clone(), first + &rest)
                    })
                    .sboxed(),
            );
        }
    }
    if !enums.is_empty() {
        let e = enums.clone();
        kinds.push(
            (any::<Index>(), text(LOWER_UNDERSCORE, 1..=12))
                .prop_filter_map("a value of the enum", move |(i, v)| {
                    let (name, values) = &e[i.index(e.len())];
                    (!values.contains(&v)).then(|| Bad::OutOfEnum(name.clone(), v))
                })
                .sboxed(),
        );
    }
    f.merge(
        cases::cases(
            ctx,
            0x6261_6470,
            proptest::strategy::Union::new(kinds),
            |bad| judge_bad(ctx, bad),
        )
        .await,
    );
    f
}

/// Each documented range, at its exact bounds (valid values, which must be served) and one
/// past each (refused or clamped, as the spec accepts).
async fn range_bounds(ctx: &Ctx<'_>) -> Findings {
    let mut f = Findings::new();
    if !ctx.selected(CheckId::RangeBounds) {
        return f;
    }
    let ranges = ranged(ctx);
    if ranges.is_empty() {
        f.skip(
            CheckId::RangeBounds,
            "no query parameter has a documented range",
        );
        return f;
    }
    let mut probes: Vec<(String, i64, Edge)> = Vec::new();
    for (name, min, max) in ranges {
        if let Some(min) = min {
            probes.push((name.clone(), min, Edge::Valid));
            probes.push((name.clone(), min.saturating_sub(1), Edge::BelowMin(min)));
        }
        if let Some(max) = max {
            probes.push((name.clone(), max, Edge::Valid));
            probes.push((name.clone(), max.saturating_add(1), Edge::AboveMax(max)));
        }
    }
    probes.dedup_by(|a, b| a.0 == b.0 && a.1 == b.1);
    f.merge(
        cases::each(ctx, probes, |(name, value, edge)| {
            judge_edge(ctx, name, value, edge)
        })
        .await,
    );
    f
}

/// Where a probed value sits in its range.
#[derive(Debug, Clone, Copy)]
enum Edge {
    /// At a bound: a valid value.
    Valid,
    /// One below the minimum.
    BelowMin(i64),
    /// One above the maximum.
    AboveMax(i64),
}

async fn judge_edge(ctx: &Ctx<'_>, name: String, value: i64, edge: Edge) -> Findings {
    let mut f = Findings::new();
    let p = ctx.pagination;
    let url = ctx.url(&[], &[(name.clone(), value.to_string())]);
    let Some(response) = ctx.get(&url, &Auth::Target).await else {
        return f;
    };
    let what = format!("{name}={value}");
    let is_size = name == p.size_param;
    let breach = match edge {
        Edge::Valid => valid_value(ctx, &what, &response, is_size.then_some(value)),
        Edge::BelowMin(min) if is_size => out_of_range(
            ctx,
            &value.to_string(),
            &response,
            &p.under_min,
            min.max(1) as u64,
        ),
        Edge::AboveMax(max) if is_size => out_of_range(
            ctx,
            &value.to_string(),
            &response,
            &p.over_max,
            max.max(1) as u64,
        ),
        Edge::BelowMin(_) | Edge::AboveMax(_) => refusal(
            &what,
            &response,
            Expected::of(ctx.op, ErrorKind::InvalidParam),
            Refusal::Input,
        ),
    };
    f.judge(CheckId::RangeBounds, breach);
    f
}

/// A documented-valid value is served: a page, of at most `size` items for the page size.
fn valid_value(ctx: &Ctx, what: &str, response: &Response, size: Option<i64>) -> Option<Breach> {
    let curl = Some(response.request.curl());
    let status = response.status;
    if status >= 500 {
        return Some(Breach {
            basis: Basis::Convention(conventions::NO_5XX),
            message: format!("{what}, a value of the documented range, got server error {status}"),
            request: curl,
        });
    }
    let page = match read_page(ctx, Arc::new(response.clone())) {
        Ok(page) => page,
        Err(message) => {
            return Some(Breach {
                basis: Basis::Documented,
                message: format!(
                    "{what} is inside the documented range, but was not served: {message}"
                ),
                request: curl,
            })
        }
    };
    let n = page.keys.len() as i64;
    match size {
        Some(size) if n > size => Some(Breach {
            basis: Basis::Documented,
            message: format!("{what} served {n} items"),
            request: curl,
        }),
        _ => None,
    }
}

const DIGITS: &str = "0123456789";
const DIGITS_NOT_ZERO: &str = "123456789";
const LOWER: &str = "abcdefghijklmnopqrstuvwxyz";
const LOWER_DIGITS: &str = "abcdefghijklmnopqrstuvwxyz0123456789";
const LOWER_UNDERSCORE: &str = "abcdefghijklmnopqrstuvwxyz_";
const TOKEN_CHARS: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";

/// Strings of `len` characters drawn from `alphabet`. (Regex strategies would do, but their
/// value trees are not `Send`, and the suite's futures must be.)
fn text(
    alphabet: &'static str,
    len: std::ops::RangeInclusive<usize>,
) -> impl Strategy<Value = String> + Send + Sync {
    let chars: Vec<char> = alphabet.chars().collect();
    proptest::collection::vec(proptest::sample::select(chars), len)
        .prop_map(|cs| cs.into_iter().collect())
}

/// Values that are not integers: a word (`abc1`), a decimal (`12.5`), a number with a suffix
/// (`12px`).
fn not_an_integer() -> impl Strategy<Value = String> + Send + Sync {
    prop_oneof![
        (text(LOWER, 1..=1), text(LOWER_DIGITS, 0..=5)).prop_map(|(a, b)| a + &b),
        (0u32..1000, 0u32..100).prop_map(|(a, b)| format!("{a}.{b}")),
        (0u32..1000, text(LOWER, 1..=2)).prop_map(|(a, b)| format!("{a}{b}")),
    ]
}

/// How a real page token is tampered with.
#[derive(Debug, Clone)]
enum Tamper {
    /// One character changed (never the last: in base64 its low bits may be padding).
    Flip(usize),
    /// Cut short (to this many characters, modulo the length).
    Truncate(usize),
    /// Characters appended.
    Extend(String),
    /// A token made up from scratch.
    Forge(String),
}

fn flip_char(c: char) -> char {
    match c {
        'a'..='y' | 'A'..='Y' | '0'..='8' => char::from(c as u8 + 1),
        'z' => 'a',
        'Z' => 'A',
        '9' => '0',
        '_' => '-',
        _ => 'A',
    }
}

fn tamper(token: Option<&str>, how: &Tamper) -> String {
    match (token, how) {
        (Some(t), Tamper::Flip(i)) if t.chars().count() >= 2 => {
            let mut chars: Vec<char> = t.chars().collect();
            let i = i % (chars.len() - 1);
            chars[i] = flip_char(chars[i]);
            chars.into_iter().collect()
        }
        (Some(t), Tamper::Truncate(i)) if !t.is_empty() => {
            t.chars().take(i % t.chars().count()).collect()
        }
        (Some(t), Tamper::Extend(s)) => format!("{t}{s}"),
        (_, Tamper::Forge(s)) => s.clone(),
        (_, _) => format!("conformance-forged-{}", tamper_tag(how)),
    }
}

fn tamper_tag(how: &Tamper) -> &'static str {
    match how {
        Tamper::Flip(_) => "flip",
        Tamper::Truncate(_) => "truncate",
        Tamper::Extend(_) => "extend",
        Tamper::Forge(_) => "forge",
    }
}

/// The real token of the page after the first, where it goes, and in which parameter.
fn real_token(ctx: &Ctx, first: Option<&FirstPage>) -> Option<(Url, String, Option<String>)> {
    let p = ctx.pagination;
    if p.addressable() {
        return None;
    }
    let param = p.position_param.clone()?;
    let first = first?;
    let token = first
        .next
        .as_ref()
        .and_then(|(next, position)| match &p.walk.advance {
            // A link carries the token among its query parameters.
            Advance::NextUrl { .. } => next
                .query_pairs()
                .find(|(k, _)| k == param.as_str())
                .map(|(_, v)| v.into_owned()),
            _ => Some(position.clone()),
        });
    let base = first
        .next
        .as_ref()
        .map(|(next, _)| next.clone())
        .unwrap_or_else(|| first.url.clone());
    Some((base, param, token.filter(|t| !t.is_empty())))
}

async fn tampered_tokens(ctx: &Ctx<'_>, first: Option<&FirstPage>) -> Findings {
    let mut f = Findings::new();
    if !ctx.selected(CheckId::TamperedToken) {
        return f;
    }
    let p = ctx.pagination;
    if p.addressable() {
        f.skip(
            CheckId::TamperedToken,
            format!("the {} style has no page token", p.style),
        );
        return f;
    }
    let Some((base, param, token)) = real_token(ctx, first) else {
        f.skip(
            CheckId::TamperedToken,
            "the spec names no token parameter, or the first page could not be read",
        );
        return f;
    };
    // An item key changed by one character may well be another item's key (ids count up):
    // for the item-cursor style only changes that cannot name an item are sent.
    let keys = matches!(p.walk.advance, Advance::AfterKey { .. });
    // Where the links carry page numbers, any number names a page (one past the end an empty
    // one): only values that are no number are tampered tokens.
    let numbered = ctx.op.numbered_pages().is_some();
    let judge = |how: Tamper| {
        let (base, param, token) = (&base, &param, &token);
        async move {
            let mut f = Findings::new();
            if keys && matches!(how, Tamper::Flip(_) | Tamper::Truncate(_)) {
                return f;
            }
            let value = tamper(token.as_deref(), &how);
            if Some(value.as_str()) == token.as_deref()
                || value.is_empty()
                || (numbered && value.parse::<u64>().is_ok())
            {
                return f;
            }
            let url = with_param(base, param, &value);
            if let Some(r) = ctx.get(&url, &Auth::Target).await {
                let what = format!("{param}={value} ({})", tamper_tag(&how));
                f.judge(
                    CheckId::TamperedToken,
                    refusal(
                        &what,
                        &r,
                        Expected::of(ctx.op, ErrorKind::InvalidToken),
                        Refusal::Input,
                    ),
                );
            }
            f
        }
    };
    let middle = token.as_deref().map_or(0, |t| t.chars().count() / 2);
    let fixed = vec![
        Tamper::Flip(middle),
        Tamper::Truncate(middle),
        Tamper::Extend("x".into()),
        Tamper::Forge("conformance-forged-token".into()),
    ];
    f.merge(cases::each(ctx, fixed, &judge).await);
    let strategy = prop_oneof![
        any::<usize>().prop_map(Tamper::Flip),
        any::<usize>().prop_map(Tamper::Truncate),
        text(TOKEN_CHARS, 1..=4).prop_map(Tamper::Extend),
        text(TOKEN_CHARS, 1..=40).prop_map(Tamper::Forge),
    ];
    f.merge(cases::cases(ctx, 0x746f_6b6e, strategy, &judge).await);
    if token.is_none() {
        f.note(
            CheckId::TamperedToken,
            "no next token to tamper with (a single page at the smallest size); forged tokens only",
        );
    }
    f
}

/// A real page token replayed in another scope: the request that continues a walk of one
/// scope, sent with another value of one of the scope's filters (a path value the credential
/// may also read, or a query filter's value).
struct Crossing<'f> {
    /// The filter that tells the two scopes' items apart.
    filter: &'f Filter,
    /// Its value in the scope the token was issued for.
    issued: String,
    /// Its value in the request.
    sent: String,
    /// The replayed request.
    url: Url,
}

/// `errors/token-scope`: tokens issued in one scope replayed in another, across readable path
/// values and across query filter values. A refusal (an invalid-token status) or a page of the
/// scope in the URL is right; an item of the scope the token was issued for is not.
async fn token_scopes(ctx: &Ctx<'_>, first: Option<&FirstPage>, reference: &Walk) -> Findings {
    let mut f = Findings::new();
    if !ctx.selected(CheckId::TokenScope) {
        return f;
    }
    let p = ctx.pagination;
    if p.addressable() {
        f.skip(
            CheckId::TokenScope,
            format!("the {} style has no page token", p.style),
        );
        return f;
    }
    let mut crossings = Vec::new();
    match path_crossing(ctx, first) {
        Ok(c) => crossings.push(c),
        Err(why) => f.skip(CheckId::TokenScope, why),
    }
    match filter_crossing(ctx, reference).await {
        Ok(c) => crossings.push(c),
        Err(why) => f.skip(CheckId::TokenScope, why),
    }
    f.merge(cases::each(ctx, crossings, |c| judge_crossing(ctx, c)).await);
    f
}

/// The first continuation request, sent under another value of a path parameter the
/// credential may read (the path filter on it tells the items of the two values apart).
fn path_crossing<'c>(ctx: &Ctx<'c>, first: Option<&FirstPage>) -> Result<Crossing<'c>, String> {
    let crossed = ctx.op.filters.iter().find_map(|filter| {
        let other = ctx.target.readable.get(&filter.param)?.first()?;
        let issued = ctx.path_value(&filter.param)?;
        (filter.location == Location::Path && other != issued)
            .then(|| (filter, issued.to_string(), other.clone()))
    });
    let Some((filter, issued, sent)) = crossed else {
        return Err(
            "no second value of a filtered path parameter that the credential may read \
             (--path NAME=VALUE, repeated)"
                .into(),
        );
    };
    let (next, _) = first.and_then(|p| p.next.as_ref()).ok_or(
        "no continuation request to replay across path values: the list fits on one page of \
         the smallest size",
    )?;
    let query: Vec<(String, String)> = next
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let url = ctx.url(&[(filter.param.as_str(), sent.clone())], &query);
    Ok(Crossing {
        filter,
        issued,
        sent,
        url,
    })
}

/// The first continuation request of a walk filtered by one value, sent with another value of
/// the same filter: the first query filter with a value of more items than the smallest page.
async fn filter_crossing<'c>(ctx: &Ctx<'c>, reference: &Walk) -> Result<Crossing<'c>, String> {
    let p = ctx.pagination;
    let items: Vec<&serde_json::Value> = reference.items().collect();
    let choice = ctx
        .op
        .filters
        .iter()
        .filter(|f| f.location == Location::Query && f.matching != Match::Owner)
        .find_map(|filter| {
            let counts = value_counts(&items, filter);
            let (issued, _) = counts.iter().find(|(_, n)| *n > p.size_min as usize)?;
            let (sent, _) = counts.iter().find(|(v, _)| v != issued)?;
            Some((filter, issued.clone(), sent.clone()))
        });
    let Some((filter, issued, sent)) = choice else {
        return Err(
            "no query filter with two values of which one spans more than one page of the \
             smallest size"
                .into(),
        );
    };
    let request = ctx.filtered(
        Some(p.size_min),
        filter.query(std::slice::from_ref(&issued)),
        &[],
    );
    let url = ctx.url(&[], &request.first_query(&p.size_param));
    let response = ctx
        .get(&url, &Auth::Target)
        .await
        .ok_or("the filtered first page got no response")?;
    let page = read_page(ctx, response).map_err(|e| format!("the filtered first page: {e}"))?;
    let Ok(Step::To(next, _)) = step(ctx, &mut walker(ctx, &request), &url, &url, &page) else {
        return Err("the filtered first page has no next page to replay".into());
    };
    Ok(Crossing {
        filter,
        issued,
        url: with_param(&next, &filter.param, &sent),
        sent,
    })
}

async fn judge_crossing(ctx: &Ctx<'_>, c: Crossing<'_>) -> Findings {
    let mut f = Findings::new();
    let Some(r) = ctx.get(&c.url, &Auth::Target).await else {
        return f;
    };
    let name = &c.filter.param;
    let what = format!(
        "a page token issued for {name}={} sent with {name}={}",
        c.issued, c.sent
    );
    let in_body = ctx.op.errors.in_body_error(r.status, r.body()).is_some();
    if !(200..300).contains(&r.status) || in_body {
        f.judge(
            CheckId::TokenScope,
            refusal(
                &what,
                &r,
                Expected::of(ctx.op, ErrorKind::InvalidToken),
                Refusal::Input,
            ),
        );
        return f;
    }
    let curl = r.request.curl();
    let page = match read_page(ctx, r) {
        Ok(page) => page,
        Err(message) => {
            f.breach(
                CheckId::TokenScope,
                Basis::Documented,
                format!("{what}: {message}"),
                Some(curl),
            );
            return f;
        }
    };
    let outside = page
        .items
        .iter()
        .find(|item| c.filter.matches(item, &c.sent) == Some(false));
    match outside {
        None => f.held(CheckId::TokenScope),
        Some(item) => {
            let shown = super::show(item.pointer(&c.filter.field));
            let whose = match c.filter.matches(item, &c.issued) == Some(true) {
                true => "the scope the token was issued for",
                false => "neither scope",
            };
            f.breach(
                CheckId::TokenScope,
                Basis::Documented,
                format!(
                    "{what}: served an item with {} = {shown}, of {whose}",
                    c.filter.field
                ),
                Some(curl),
            );
        }
    }
    f
}

/// Whether any rate limit was judged: the check is skipped when the server limited no
/// request.
pub fn rate_limit_shape(ctx: &Ctx) -> Findings {
    let mut f = Findings::new();
    if ctx.received().limited == 0 {
        f.skip(
            CheckId::RateLimit,
            "the server did not rate-limit any request",
        );
    }
    f
}

/// How far behind the answer's clock a window's reset may be: clocks of one server's machines
/// differ by a little.
const RESET_SKEW: Duration = Duration::from_secs(60);

/// How far ahead a window's reset may be: vendors' windows are minutes to an hour; a day is
/// no window (it is a reset in milliseconds, or in another unit than the spec says).
const RESET_HORIZON: Duration = Duration::from_secs(24 * 60 * 60);

/// Rate-limited responses (429, and those `x-errors` says are rate limits): their status or
/// in-body code, the documented headers, the rate-limit headers `x-errors.rate-limit` names,
/// and the body against the spec.
pub fn judge_rate_limited(ctx: &Ctx, limited: &[std::sync::Arc<Response>]) -> Findings {
    let mut f = Findings::new();
    for r in limited {
        let in_body = ctx.op.errors.in_body_error(r.status, r.body()).is_some();
        judge_limit_status(ctx, r, &mut f);
        if !in_body {
            judge_documented_headers(ctx, r, &mut f);
            if let Some(rule) = &ctx.op.errors.rate_limit {
                judge_limit_headers(r, rule, &mut f);
            }
        }
        judge_limit_body(ctx, r, in_body, &mut f);
    }
    f
}

/// The status is a `rate-limited` one, or the in-body code a `rate-limited` code.
fn judge_limit_status(ctx: &Ctx, r: &Response, f: &mut Findings) {
    let rule = &ctx.op.errors.rate_limited;
    if Expected::of(ctx.op, ErrorKind::RateLimited).holds(r) {
        f.held(CheckId::RateLimit);
        return;
    }
    f.breach(
        CheckId::RateLimit,
        Basis::of(&rule.reading),
        format!(
            "{} is not among the rate-limited statuses {:?}",
            r.status, rule.value
        ),
        Some(r.request.curl()),
    );
}

/// The headers the response of the status documents: present where required, integers where
/// their schema says so.
fn judge_documented_headers(ctx: &Ctx, r: &Response, f: &mut Findings) {
    let curl = Some(r.request.curl());
    let documented = ctx.op.response(r.status);
    for header in documented.map(|d| d.headers.as_slice()).unwrap_or_default() {
        let basis = Basis::of(&ctx.spec.reading(&header.pointer, None).cloned());
        match r.header(&header.name) {
            None if header.required => f.breach(
                CheckId::RateLimit,
                basis,
                format!("{} without the required {} header", r.status, header.name),
                curl.clone(),
            ),
            None => f.held(CheckId::RateLimit),
            Some(v) if header.schema.get("type").and_then(Value::as_str) == Some("integer") => {
                let min = header
                    .schema
                    .get("minimum")
                    .and_then(Value::as_i64)
                    .unwrap_or(i64::MIN);
                if v.trim().parse::<i64>().is_ok_and(|n| n >= min) {
                    f.held(CheckId::RateLimit);
                } else {
                    f.breach(
                        CheckId::RateLimit,
                        basis,
                        format!(
                            "{} with {}: {v:?}, not an integer ≥ {min}",
                            r.status, header.name
                        ),
                        curl.clone(),
                    );
                }
            }
            Some(_) => f.held(CheckId::RateLimit),
        }
    }
}

/// The headers of `x-errors.rate-limit` on a rate-limited answer, judged by [`limit_headers`].
fn judge_limit_headers(r: &Response, rule: &specs::Fact<RateLimitHeaders>, f: &mut Findings) {
    match limit_headers(r.status, |n| r.header(n), rule, SystemTime::now()) {
        LimitHeaders::NotTold => {}
        LimitHeaders::Held => f.held(CheckId::RateLimit),
        LimitHeaders::Broken(message) => f.breach(
            CheckId::RateLimit,
            Basis::of(&rule.reading),
            message,
            Some(r.request.curl()),
        ),
    }
}

/// What the rate-limit headers of a rate-limited answer show.
#[derive(Debug, PartialEq, Eq)]
enum LimitHeaders {
    /// A limit these headers do not tell: no remaining header, or requests left (a 429 may be
    /// another limit, GitHub's secondary ones): nothing to judge.
    NotTold,
    /// No request left, and the reset (where the spec names one) well formed.
    Held,
    /// What is wrong.
    Broken(String),
}

/// The headers of `x-errors.rate-limit` on an answer with `status` (`header` looks them up):
/// the remaining count an integer; where it is 0, the reset an integer of the declared
/// format, not in the past by more than [`RESET_SKEW`] on the answer's clock (its `Date`, else
/// `now`) nor more than [`RESET_HORIZON`] ahead.
fn limit_headers<'h>(
    status: u16,
    header: impl Fn(&str) -> Option<&'h str>,
    rule: &RateLimitHeaders,
    now: SystemTime,
) -> LimitHeaders {
    let broken = LimitHeaders::Broken;
    match header(&rule.remaining).map(|v| (v, v.trim().parse::<u64>())) {
        None | Some((_, Ok(1..))) => return LimitHeaders::NotTold,
        Some((v, Err(_))) => {
            return broken(format!(
                "{status} with {}: {v:?}, not a count of requests",
                rule.remaining
            ))
        }
        Some((_, Ok(0))) => {}
    }
    let Some(reset) = &rule.reset else {
        return LimitHeaders::Held;
    };
    let format = reset.format.name();
    let Some(value) = header(&reset.header) else {
        return broken(format!(
            "{status} with {}: 0 but no {} header, which says when the window resets",
            rule.remaining, reset.header
        ));
    };
    let Some(secs) = rule.reset_value(&header) else {
        return broken(format!(
            "{status} with {}: {value:?}, not an integer ({format})",
            reset.header
        ));
    };
    let answered = client_runtime::answered_at(&header, now);
    let (behind, ahead) = match reset.format {
        ResetFormat::DeltaSeconds => (Duration::ZERO, Duration::from_secs(secs)),
        ResetFormat::EpochSeconds => {
            let at = SystemTime::UNIX_EPOCH + Duration::from_secs(secs);
            (
                answered.duration_since(at).unwrap_or_default(),
                at.duration_since(answered).unwrap_or_default(),
            )
        }
    };
    if behind > RESET_SKEW {
        broken(format!(
            "{status} with {}: {secs}, {} s before the answer: the window it names is over",
            reset.header,
            behind.as_secs()
        ))
    } else if ahead > RESET_HORIZON {
        broken(format!(
            "{status} with {}: {secs}, {} s after the answer, more than a day: not {format}",
            reset.header,
            ahead.as_secs()
        ))
    } else {
        LimitHeaders::Held
    }
}

/// The body against the spec: the response's schema for its status, or the error body's for
/// an error carried in a 200 body. An empty body is judged as a body without members (see
/// `schema::is_empty_error`).
fn judge_limit_body(ctx: &Ctx, r: &Response, in_body: bool, f: &mut Findings) {
    let documented = match in_body {
        true => ctx.op.error_body(),
        false => ctx.op.response(r.status),
    };
    let Some(schema) = documented.and_then(|d| ctx.schemas.of_response(d)) else {
        return;
    };
    let Ok(validator) = jsonschema::options()
        .should_validate_formats(true)
        .build(&schema.schema)
    else {
        return;
    };
    let curl = Some(r.request.curl());
    let body = match super::schema::is_empty_error(r) {
        true => Ok(Value::Object(serde_json::Map::new())),
        false => r.json.clone(),
    };
    match &body {
        Ok(body) => match super::schema::first_violation(ctx, &validator, &schema.root, body) {
            None => f.held(CheckId::RateLimit),
            Some((basis, message)) => f.breach(
                CheckId::RateLimit,
                basis,
                format!("{} body does not match the spec: {message}", r.status),
                curl,
            ),
        },
        Err(e) => f.breach(
            CheckId::RateLimit,
            Basis::Convention(conventions::JSON),
            format!("{} body is {e}", r.status),
            curl,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_limit_headers_are_judged_by_their_shape() {
        let rule = RateLimitHeaders {
            statuses: vec![403, 429],
            remaining: "x-ratelimit-remaining".into(),
            reset: Some(specs::Reset {
                header: "x-ratelimit-reset".into(),
                format: ResetFormat::EpochSeconds,
            }),
        };
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let judge = |pairs: &[(&str, &str)]| {
            let pairs: Vec<(String, String)> = pairs
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect();
            let header = |name: &str| {
                pairs
                    .iter()
                    .find(|(n, _)| n.eq_ignore_ascii_case(name))
                    .map(|(_, v)| v.as_str())
            };
            limit_headers(403, header, &rule, now)
        };
        let broken = |v: LimitHeaders, says: &str| match v {
            LimitHeaders::Broken(m) => assert!(m.contains(says), "{m}"),
            other => panic!("{other:?}, expected a breach saying {says:?}"),
        };
        let left = "x-ratelimit-remaining";
        assert_eq!(
            judge(&[(left, "0"), ("x-ratelimit-reset", "1700000600")]),
            LimitHeaders::Held
        );
        // An hour behind our clock but not the answer's `Date` (an hour behind too): the
        // server's clock decides.
        let date = "Tue, 14 Nov 2023 21:13:20 GMT";
        assert_eq!(
            judge(&[
                (left, "0"),
                ("x-ratelimit-reset", "1699996500"),
                ("date", date)
            ]),
            LimitHeaders::Held
        );
        broken(
            judge(&[(left, "0"), ("x-ratelimit-reset", "1699996500")]),
            "the window it names is over",
        );
        assert_eq!(judge(&[]), LimitHeaders::NotTold);
        assert_eq!(judge(&[(left, "12")]), LimitHeaders::NotTold);
        broken(judge(&[(left, "none")]), "not a count of requests");
        broken(judge(&[(left, "0")]), "no x-ratelimit-reset header");
        broken(
            judge(&[(left, "0"), ("x-ratelimit-reset", "soon")]),
            "not an integer (epoch-seconds)",
        );
        broken(
            judge(&[(left, "0"), ("x-ratelimit-reset", "1699990000")]),
            "the window it names is over",
        );
        // Milliseconds where the spec says seconds.
        broken(
            judge(&[(left, "0"), ("x-ratelimit-reset", "1700000600000")]),
            "more than a day: not epoch-seconds",
        );
        let delta = RateLimitHeaders {
            reset: Some(specs::Reset {
                header: "ratelimit-reset".into(),
                format: ResetFormat::DeltaSeconds,
            }),
            ..rule.clone()
        };
        let header = |name: &str| match name {
            "x-ratelimit-remaining" => Some("0"),
            "ratelimit-reset" => Some("30"),
            _ => None,
        };
        assert_eq!(limit_headers(429, header, &delta, now), LimitHeaders::Held);
    }

    #[test]
    fn tampering_always_changes_the_token() {
        for how in [
            Tamper::Flip(0),
            Tamper::Flip(usize::MAX),
            Tamper::Truncate(0),
            Tamper::Truncate(usize::MAX),
            Tamper::Extend("x".into()),
        ] {
            assert_ne!(tamper(Some("eyJpZCI6MX0"), &how), "eyJpZCI6MX0", "{how:?}");
        }
        // The last character is never the one flipped.
        assert!(tamper(Some("ab"), &Tamper::Flip(usize::MAX)).ends_with('b'));
    }
}
