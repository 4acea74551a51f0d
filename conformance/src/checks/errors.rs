//! Errors: authentication, access, invalid parameters, tampered page tokens, 429 shape.
//!
//! Each refusal must carry one of the statuses `x-errors` / `x-access` accept for it. A 5xx is
//! never accepted, and neither is a page: a server that serves something for a malformed
//! request has silently guessed what the client meant.

use proptest::prelude::*;
use proptest::sample::Index;
use serde_json::Value;

use super::walk::{read_page, with_param, Next};
use super::{Ctx, Props};
use crate::probe::{Auth, Response};
use crate::report::CheckResult;
use crate::target::Secret;

/// No credential.
pub const MISSING_KEY: &str = "errors/missing-key";
/// Wrong credential.
pub const INVALID_KEY: &str = "errors/invalid-key";
/// Invalid parameters.
pub const INVALID_PARAM: &str = "errors/invalid-param";
/// Tampered page tokens.
pub const TAMPERED_TOKEN: &str = "errors/tampered-token";
/// Forbidden resource.
pub const FORBIDDEN: &str = "errors/forbidden";
/// Missing resource.
pub const NOT_FOUND: &str = "errors/not-found";
/// 429 shape.
pub const RATE_LIMIT: &str = "errors/rate-limit";

const NAMES: &[&str] = &[
    MISSING_KEY,
    INVALID_KEY,
    INVALID_PARAM,
    TAMPERED_TOKEN,
    FORBIDDEN,
    NOT_FOUND,
    RATE_LIMIT,
];

/// Judges a response that must be a refusal with one of `allowed`. Returns whether it failed.
fn expect_refusal(
    props: &mut Props,
    name: &'static str,
    what: &str,
    response: &Response,
    allowed: &[u16],
) -> bool {
    let status = response.status;
    let verdict = if allowed.contains(&status) {
        None
    } else if status >= 500 {
        Some(format!(
            "{what}: server error {status}; expected one of {allowed:?}"
        ))
    } else if (200..300).contains(&status) {
        Some(format!(
            "{what}: served with {status}; expected a refusal, one of {allowed:?}"
        ))
    } else {
        Some(format!(
            "{what}: status {status}; expected one of {allowed:?}"
        ))
    };
    match verdict {
        None => {
            props.pass(name);
            false
        }
        Some(message) => {
            props.fail(name, message, Some(response.request.curl()));
            true
        }
    }
}

/// Sends one request and judges it as a refusal. Returns whether it failed.
fn refusal(
    ctx: &Ctx,
    props: &mut Props,
    name: &'static str,
    what: &str,
    url: &url::Url,
    auth: &Auth,
    allowed: &[u16],
) -> bool {
    match ctx.probe.get(url, auth) {
        Ok(r) => expect_refusal(props, name, what, &r, allowed),
        Err(e) => {
            ctx.note_error(&e);
            false
        }
    }
}

/// Runs the family.
pub fn run(ctx: &Ctx) -> Vec<CheckResult> {
    let mut props = Props::new(NAMES);
    let errors = &ctx.op.errors;
    let first = ctx.url(&[], &[]);

    // Authentication.
    if crate::probe::AuthScheme::from_spec(ctx.spec).is_none() {
        props.skip(MISSING_KEY, "the spec declares no security scheme");
        props.skip(INVALID_KEY, "the spec declares no security scheme");
    } else {
        refusal(
            ctx,
            &mut props,
            MISSING_KEY,
            "no credential",
            &first,
            &Auth::None,
            &errors.missing_key,
        );
        let forged = Secret::new(format!("conformance-invalid-key-{:x}", ctx.options.seed));
        refusal(
            ctx,
            &mut props,
            INVALID_KEY,
            "a forged credential",
            &first,
            &Auth::Other(forged),
            &errors.invalid_key,
        );
        if let Some(real) = &ctx.target.credential {
            // A well-formed key that does not exist: the real key's prefix (`pk_test_`,
            // `dp_scoped_`), then made-up characters. Nothing of the real key's secret part is
            // sent, so a server that echoes the key in its error body reveals nothing.
            let key = real.expose();
            let prefix = key.rfind('_').map_or("", |i| &key[..=i]);
            let prefix = if prefix.len() <= 16 { prefix } else { "" };
            let made_up = format!("{prefix}c0nf0rmance{:016x}", ctx.options.seed);
            refusal(
                ctx,
                &mut props,
                INVALID_KEY,
                "a well-formed key that does not exist",
                &first,
                &Auth::Other(Secret::new(made_up)),
                &errors.invalid_key,
            );
        }
    }

    // Access rules.
    match &ctx.op.access {
        None => {
            props.skip(FORBIDDEN, "the operation has no x-access");
            props.skip(NOT_FOUND, "the operation has no x-access");
        }
        Some(access) => {
            let param = access.path_param.as_str();
            for (name, value, allowed, option) in [
                (
                    FORBIDDEN,
                    ctx.target.forbidden_project,
                    &access.forbidden,
                    "--forbidden-project",
                ),
                (
                    NOT_FOUND,
                    ctx.target.missing_project,
                    &access.not_found,
                    "--missing-project",
                ),
            ] {
                match value {
                    None => props.skip(name, format!("no {option} given")),
                    Some(v) => {
                        let url = ctx.url(&[(param, v.to_string())], &[]);
                        refusal(
                            ctx,
                            &mut props,
                            name,
                            &format!("{param}={v}"),
                            &url,
                            &Auth::Target,
                            allowed,
                        );
                    }
                }
            }
        }
    }

    invalid_params(ctx, &mut props);
    tampered_tokens(ctx, &mut props);
    rate_limit_shape(ctx, &mut props);
    props.finish(ctx.stopped.borrow().as_ref())
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

fn invalid_params(ctx: &Ctx, props: &mut Props) {
    let p = ctx.pagination;
    let integers: Vec<(String, i64, Option<i64>)> = ctx
        .op
        .parameters
        .iter()
        .filter(|q| q.location == "query" && q.schema_type() == Some("integer"))
        .filter_map(|q| q.minimum().map(|min| (q.name.clone(), min, q.maximum())))
        .collect();
    let enums: Vec<(String, Vec<String>)> = ctx
        .op
        .parameters
        .iter()
        .filter(|q| q.location == "query")
        .filter_map(|q| q.enum_values().map(|e| (q.name.clone(), e)))
        .collect();
    if integers.is_empty() && enums.is_empty() {
        props.skip(INVALID_PARAM, "no query parameter has a minimum or an enum");
        return;
    }

    let judge = |props: &mut Props, bad: &Bad| -> bool {
        let (name, value) = bad.pair();
        let url = ctx.url(&[], &[(name.clone(), value.clone())]);
        let response = match ctx.probe.get(&url, &Auth::Target) {
            Ok(r) => r,
            Err(e) => {
                ctx.note_error(&e);
                return false;
            }
        };
        let what = format!("{name}={value}");
        // A huge page size is "above the maximum": clamping it is as good as rejecting it when
        // the spec allows clamping. Everything else must be refused.
        let clampable = matches!(bad, Bad::Huge(..))
            && name == p.size_param
            && p.over_max.contains(&specs::OverMax::Clamp);
        if clampable && response.status == 200 {
            let served = read_page(ctx, response.clone()).map(|page| page.items.len() as u64);
            return props.check(
                INVALID_PARAM,
                matches!(served, Ok(n) if n <= p.size_max),
                || match &served {
                    Ok(n) => format!(
                        "{what}: served {n} items; a clamped page holds at most {}",
                        p.size_max
                    ),
                    Err(e) => format!("{what}: served, but not as a page: {e}"),
                },
                Some(response.request.curl()),
            );
        }
        expect_refusal(
            props,
            INVALID_PARAM,
            &what,
            &response,
            &ctx.op.errors.invalid_param,
        )
    };

    // Fixed cases first: the classic ones, so that a short run still covers them.
    let mut fixed: Vec<Bad> = Vec::new();
    for (name, min, _) in &integers {
        fixed.push(Bad::BelowMin(name.clone(), min - 1));
        fixed.push(Bad::BelowMin(name.clone(), -1));
        fixed.push(Bad::NotInteger(name.clone(), "abc".into()));
        fixed.push(Bad::NotInteger(name.clone(), "2.5".into()));
        fixed.push(Bad::Huge(name.clone(), "99999999999999999999999".into()));
    }
    for (name, values) in &enums {
        let mut v = "conformance-not-a-value".to_string();
        while values.contains(&v) {
            v.push('x');
        }
        fixed.push(Bad::OutOfEnum(name.clone(), v));
    }
    fixed.dedup_by(|a, b| a.pair() == b.pair());
    for bad in &fixed {
        if ctx.is_stopped() {
            return;
        }
        judge(props, bad);
    }

    let mut kinds: Vec<BoxedStrategy<Bad>> = Vec::new();
    if !integers.is_empty() {
        let ints = integers.clone();
        kinds.push(
            (any::<Index>(), -1_000_000i64..=0)
                .prop_map(move |(i, offset)| {
                    let (name, min, _) = &ints[i.index(ints.len())];
                    Bad::BelowMin(name.clone(), min.saturating_add(offset).saturating_sub(1))
                })
                .boxed(),
        );
        let ints = integers.clone();
        kinds.push(
            (
                any::<Index>(),
                "[a-z][a-z0-9]{0,5}|[0-9]{1,3}\\.[0-9]{1,2}|[0-9]{1,3}[a-z]{1,2}",
            )
                .prop_map(move |(i, v)| Bad::NotInteger(ints[i.index(ints.len())].0.clone(), v))
                .boxed(),
        );
        let ints = integers.clone();
        kinds.push(
            (any::<Index>(), "[1-9][0-9]{19,30}")
                .prop_map(move |(i, v)| Bad::Huge(ints[i.index(ints.len())].0.clone(), v))
                .boxed(),
        );
    }
    if !enums.is_empty() {
        let e = enums.clone();
        kinds.push(
            (any::<Index>(), "[a-z_]{1,12}")
                .prop_filter_map("a value of the enum", move |(i, v)| {
                    let (name, values) = &e[i.index(e.len())];
                    (!values.contains(&v)).then(|| Bad::OutOfEnum(name.clone(), v))
                })
                .boxed(),
        );
    }
    let props_cell = std::cell::RefCell::new(std::mem::replace(props, Props::new(&[])));
    ctx.cases(0x6261_6470, proptest::strategy::Union::new(kinds), |bad| {
        judge(&mut props_cell.borrow_mut(), &bad)
    });
    *props = props_cell.into_inner();
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

fn tampered_tokens(ctx: &Ctx, props: &mut Props) {
    let p = ctx.pagination;
    // A real token: the next link or cursor of a first page at size 1.
    let first = ctx.url(&[], &[(p.size_param.clone(), "1".into())]);
    let page = match ctx.probe.get(&first, &Auth::Target) {
        Ok(r) => read_page(ctx, r).ok(),
        Err(e) => {
            ctx.note_error(&e);
            return;
        }
    };
    // Where the token goes: for next links, the link itself with its token replaced; for
    // cursors, the first page's URL with the cursor added.
    let (base, token): (url::Url, Option<String>) = match page.as_ref().map(|pg| &pg.next) {
        Some(Next::Value(next)) => match p.kind {
            specs::NextKind::NextUrl => match first.join(next) {
                Ok(u) => {
                    let t = u
                        .query_pairs()
                        .find(|(k, _)| k == &p.token_param)
                        .map(|(_, v)| v.into_owned());
                    (u, t)
                }
                Err(_) => (first.clone(), None),
            },
            specs::NextKind::Cursor => (first.clone(), Some(next.clone())),
        },
        _ => (first.clone(), None),
    };
    let token = token.filter(|t| !t.is_empty());
    let judge = |props: &mut Props, how: &Tamper| -> bool {
        let value = tamper(token.as_deref(), how);
        if Some(value.as_str()) == token.as_deref() || value.is_empty() {
            return false;
        }
        let url = with_param(&base, &p.token_param, &value);
        match ctx.probe.get(&url, &Auth::Target) {
            Ok(r) => expect_refusal(
                props,
                TAMPERED_TOKEN,
                &format!("{}={value} ({})", p.token_param, tamper_tag(how)),
                &r,
                &ctx.op.errors.invalid_token,
            ),
            Err(e) => {
                ctx.note_error(&e);
                false
            }
        }
    };
    let fixed = [
        Tamper::Flip(token.as_deref().map_or(0, |t| t.chars().count() / 2)),
        Tamper::Truncate(token.as_deref().map_or(0, |t| t.chars().count() / 2)),
        Tamper::Extend("x".into()),
        Tamper::Forge("conformance-forged-token".into()),
    ];
    for how in &fixed {
        if ctx.is_stopped() {
            return;
        }
        judge(props, how);
    }
    let strategy = prop_oneof![
        any::<usize>().prop_map(Tamper::Flip),
        any::<usize>().prop_map(Tamper::Truncate),
        "[A-Za-z0-9_-]{1,4}".prop_map(Tamper::Extend),
        "[A-Za-z0-9_-]{1,40}".prop_map(Tamper::Forge),
    ];
    let props_cell = std::cell::RefCell::new(std::mem::replace(props, Props::new(&[])));
    ctx.cases(0x746f_6b6e, strategy, |how| {
        judge(&mut props_cell.borrow_mut(), &how)
    });
    *props = props_cell.into_inner();
    if token.is_none() {
        props.note(
            TAMPERED_TOKEN,
            "no next token to tamper with (a single page at size 1); forged tokens only",
        );
    }
}

fn rate_limit_shape(ctx: &Ctx, props: &mut Props) {
    let limited = ctx.probe.rate_limited_responses();
    if limited.is_empty() {
        props.skip(RATE_LIMIT, "the server did not rate-limit any request");
        return;
    }
    let allowed = &ctx.op.errors.rate_limited;
    let headers: Vec<(String, Value)> = ctx
        .spec
        .raw
        .pointer(&format!("{}/responses/429", ctx.op.pointer))
        .map(|r| resolve(&ctx.spec.raw, r))
        .and_then(|r| r.get("headers"))
        .and_then(Value::as_object)
        .map(|h| {
            h.iter()
                .map(|(k, v)| (k.clone(), resolve(&ctx.spec.raw, v).clone()))
                .collect()
        })
        .unwrap_or_default();
    let schema = ctx.schemas.response(&ctx.op.pointer, "429");
    let validator = schema
        .as_ref()
        .and_then(|s| jsonschema::validator_for(s).ok());
    for r in limited.iter().take(50) {
        let curl = Some(r.request.curl());
        props.check(
            RATE_LIMIT,
            allowed.contains(&r.status),
            || format!("429 is not among the rate-limited statuses {allowed:?}"),
            curl.clone(),
        );
        for (name, header) in &headers {
            let value = if name.eq_ignore_ascii_case("retry-after") {
                r.retry_after.clone()
            } else {
                None
            };
            let required = header
                .get("required")
                .and_then(Value::as_bool)
                .unwrap_or(false);
            let schema = header.get("schema").cloned().unwrap_or(Value::Null);
            match value {
                None => {
                    props.check(
                        RATE_LIMIT,
                        !required,
                        || format!("429 without the required {name} header"),
                        curl.clone(),
                    );
                }
                Some(v) if schema.get("type").and_then(Value::as_str) == Some("integer") => {
                    let min = schema
                        .get("minimum")
                        .and_then(Value::as_i64)
                        .unwrap_or(i64::MIN);
                    let ok = v.trim().parse::<i64>().is_ok_and(|n| n >= min);
                    props.check(
                        RATE_LIMIT,
                        ok,
                        || format!("429 with {name}: {v:?}, not an integer ≥ {min}"),
                        curl.clone(),
                    );
                }
                Some(_) => props.pass(RATE_LIMIT),
            }
        }
        if let Some(validator) = &validator {
            match &r.json {
                Ok(body) => {
                    let errors: Vec<String> = validator
                        .iter_errors(body)
                        .take(3)
                        .map(|e| format!("at {}: {e}", e.instance_path()))
                        .collect();
                    props.check(
                        RATE_LIMIT,
                        errors.is_empty(),
                        || format!("429 body does not match the spec: {}", errors.join("; ")),
                        curl.clone(),
                    );
                }
                Err(e) => props.fail(RATE_LIMIT, format!("429 body is {e}"), curl.clone()),
            }
        }
    }
}

/// Follows a local `$ref` (`#/components/...`).
fn resolve<'a>(raw: &'a Value, node: &'a Value) -> &'a Value {
    let mut current = node;
    for _ in 0..16 {
        match current.get("$ref").and_then(Value::as_str) {
            Some(r) if r.starts_with("#/") => match raw.pointer(&r[1..]) {
                Some(t) => current = t,
                None => return current,
            },
            _ => return current,
        }
    }
    current
}

#[cfg(test)]
mod tests {
    use super::*;

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
