//! The property families, one file each, and what they share: walking the pages of a list,
//! and judging refusals and out-of-range values with the provenance of their rules.
//!
//! Every check is a named property ([`crate::registry::CheckId`]). A family evaluates its
//! properties on many requests, some fixed and some drawn by proptest strategies (seeded from
//! the run's seed, so that `--seed N` replays them), concurrently; a failing case is shrunk,
//! and the simplest failing request seen for a property is the one reported. A property that
//! was never evaluated is reported as skipped with the reason, never as passed.

pub mod errors;
pub mod filters;
pub mod pagination;
pub mod schema;
pub mod sort;
pub mod transport;
pub mod walk;

use specs::{Bound, ErrorKind, ErrorRules, Fact, Operation, AUTH_STATUSES};

use crate::engine::findings::{conventions, Basis, Breach};
use crate::engine::Ctx;
use crate::probe::Response;

pub use walk::{walk, Page, PageRequest, Walk, WalkEnd};

/// A short excerpt of a list of strings, for messages.
pub fn sample(items: &[String]) -> String {
    let mut out: Vec<&str> = items.iter().take(3).map(String::as_str).collect();
    if items.len() > 3 {
        out.push("…");
    }
    out.join(", ")
}

/// A JSON value for messages, `absent` when there is none.
pub fn show(v: Option<&serde_json::Value>) -> String {
    v.map(|v| v.to_string())
        .unwrap_or_else(|| "absent".to_string())
}

/// What kind of refusal a request must get: it decides the convention that applies when the
/// status is not one the spec accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Missing or invalid credentials: HTTP says 401 or 403; serving the request breaks the
    /// spec's security requirement.
    Credentials,
    /// Invalid input (parameters, tokens): never a 5xx; anything else the spec does not
    /// accept breaks the rule the spec states (or reads).
    Input,
    /// A resource the credential may not read, or that does not exist.
    Access,
}

/// What a refusal must show: one of a rule's statuses or, for a kind `x-errors` gives in-body
/// codes, a 200 whose body says it is an error with one of those codes.
#[derive(Debug, Clone, Copy)]
pub struct Expected<'a> {
    /// The statuses accepted, with their provenance.
    pub statuses: &'a Fact<Vec<u16>>,
    errors: &'a ErrorRules,
    kind: Option<ErrorKind>,
}

impl<'a> Expected<'a> {
    /// A refusal of `kind`, as the operation's `x-errors` says: its statuses, or its codes in a
    /// 200 body.
    pub fn of(op: &'a Operation, kind: ErrorKind) -> Expected<'a> {
        Expected {
            statuses: op.errors.statuses(kind),
            errors: &op.errors,
            kind: Some(kind),
        }
    }

    /// A refusal with one of `statuses` (an `x-access` rule), which has no in-body codes.
    pub fn statuses(op: &'a Operation, statuses: &'a Fact<Vec<u16>>) -> Expected<'a> {
        Expected {
            statuses,
            errors: &op.errors,
            kind: None,
        }
    }

    /// Whether `response` refuses as expected.
    pub fn holds(&self, response: &Response) -> bool {
        self.statuses.contains(&response.status)
            || self.kind.is_some_and(|kind| {
                self.errors
                    .in_body_error(response.status, response.body())
                    .is_some_and(|e| e.kind == Some(kind))
            })
    }

    /// The in-body codes accepted.
    fn codes(&self) -> &'a [String] {
        self.kind.map_or(&[], |kind| self.errors.codes(kind))
    }

    /// In words, for messages.
    fn describe(&self) -> String {
        let statuses = format!("one of {:?}", self.statuses.value);
        match (self.codes(), &self.errors.in_body) {
            ([], _) | (_, None) => statuses,
            (codes, Some(in_body)) => format!(
                "{statuses}, or a 200 whose {} is false and {} one of {codes:?}",
                in_body.flag, in_body.code
            ),
        }
    }

    /// The breach of a refusal carried in a 200 body that is not the expected one: a code of
    /// another kind, one no kind lists, or none; a kind that is refused by its statuses only.
    fn in_body_breach(&self, what: &str, response: &Response) -> Option<(Basis, String)> {
        let error = self
            .errors
            .in_body_error(response.status, response.body())?;
        let code = match (error.code, error.kind) {
            (Some(code), Some(kind)) => format!("code {code:?}, which says {kind}"),
            (Some(code), None) => format!("code {code:?}, which no kind of x-errors lists"),
            (None, _) => "no code".to_string(),
        };
        // A kind with codes is judged by them (documented, or a reading marked on them); for
        // one without, a refusal in the body is another status than the rule's, judged as the
        // rule is.
        let basis = match self.codes() {
            [] => Basis::of(&self.statuses.reading),
            _ => Basis::of(
                &self
                    .kind
                    .and_then(|k| self.errors.codes_reading(k))
                    .cloned(),
            ),
        };
        let message = format!(
            "{what}: refused in a 200 body ({code}); expected {}",
            self.describe()
        );
        Some((basis, message))
    }
}

/// Judges a response that must be a refusal as `expected` says.
pub fn refusal(
    what: &str,
    response: &Response,
    expected: Expected<'_>,
    kind: Refusal,
) -> Option<Breach> {
    let status = response.status;
    if expected.holds(response) {
        return None;
    }
    if let Some((basis, message)) = expected.in_body_breach(what, response) {
        return Some(Breach {
            basis,
            message,
            request: Some(response.request.curl()),
        });
    }
    let rule = expected.statuses;
    let expected = format!("expected {}", expected.describe());
    let served = (200..300).contains(&status);
    let (basis, message) = if status >= 500 {
        (
            Basis::Convention(conventions::NO_5XX),
            format!("{what}: server error {status}; {expected}"),
        )
    } else {
        match kind {
            Refusal::Credentials if served => (
                Basis::Documented,
                format!("{what}: served with {status}, though the operation requires a credential; {expected}"),
            ),
            Refusal::Credentials if AUTH_STATUSES.contains(&status) => {
                (Basis::of(&rule.reading), format!("{what}: {status}; {expected}"))
            }
            Refusal::Credentials => (
                Basis::Convention(conventions::AUTH),
                format!("{what}: status {status}; {expected}"),
            ),
            Refusal::Input | Refusal::Access if served => (
                Basis::of(&rule.reading),
                format!("{what}: served with {status}; {expected}"),
            ),
            Refusal::Input | Refusal::Access => {
                (Basis::of(&rule.reading), format!("{what}: status {status}; {expected}"))
            }
        }
    };
    Some(Breach {
        basis,
        message,
        request: Some(response.request.curl()),
    })
}

/// Judges the response to the page size `sent`, outside its range: rejected with an
/// `invalid-param` status, or served clamped to `nearest` (the closest size in the range), as
/// `bounds` accepts. Serving more than `size-max` items, or echoing (`size-echo`) a size outside
/// the range, breaks the documented range whatever the reading. A size outside the range of the parameter's `format` (`int32`, `int64`) is no
/// value of its type, so rejecting it is right whatever `bounds` says.
pub fn out_of_range(
    ctx: &Ctx,
    sent: &str,
    response: &Response,
    bounds: &Fact<Vec<Bound>>,
    nearest: u64,
) -> Option<Breach> {
    let p = ctx.pagination;
    let what = format!("{}={sent}", p.size_param);
    let refused = Expected::of(ctx.op, ErrorKind::InvalidParam);
    let invalid = refused.statuses;
    let of_its_type = ctx
        .op
        .parameter(&p.size_param, specs::Location::Query)
        .is_none_or(|q| q.fits_format(sent));
    let curl = Some(response.request.curl());
    let breach = |basis, message| {
        Some(Breach {
            basis,
            message,
            request: curl.clone(),
        })
    };
    let status = response.status;
    if refused.holds(response) {
        return match bounds.contains(&Bound::Reject) || !of_its_type {
            true => None,
            false => breach(
                Basis::of(&bounds.reading),
                format!("{what} was rejected with {status}; the spec reads that it is clamped"),
            ),
        };
    }
    if status >= 500 {
        return breach(
            Basis::Convention(conventions::NO_5XX),
            format!("{what}: server error {status}"),
        );
    }
    if refused.in_body_breach(&what, response).is_some() {
        return refusal(&what, response, refused, Refusal::Input);
    }
    if status != 200 {
        let basis = match bounds.contains(&Bound::Reject) {
            true => Basis::of(&invalid.reading),
            false => Basis::of(&bounds.reading),
        };
        return breach(
            basis,
            format!(
                "{what}: status {status}; expected a rejection with one of {:?} or a clamped page",
                invalid.value
            ),
        );
    }
    let page = match walk::read_page(ctx, std::sync::Arc::new(response.clone())) {
        Ok(page) => page,
        Err(message) => return breach(Basis::Documented, format!("{what}: {message}")),
    };
    let n = page.keys.len() as u64;
    if n > p.size_max {
        return breach(
            Basis::Documented,
            format!(
                "{what} served {n} items, more than size-max {}: neither rejected nor clamped",
                p.size_max
            ),
        );
    }
    // The size echo is the effective page size: one beyond the bounds says the size was
    // honoured outside the documented range, whatever the list's length lets the items show.
    let echoed = p
        .size_echo
        .as_ref()
        .zip(response.body())
        .and_then(|(pointer, body)| Some((pointer, body.pointer(pointer)?.as_u64()?)));
    if let Some((pointer, echo)) = echoed.filter(|(_, e)| *e > p.size_max || *e < p.size_min) {
        return breach(
            Basis::Documented,
            format!(
                "{what} was served with {pointer} = {echo}, outside {}..={}: neither rejected nor clamped",
                p.size_min, p.size_max
            ),
        );
    }
    let clamped = n <= nearest;
    if !bounds.contains(&Bound::Clamp) || !clamped {
        let served = if clamped {
            format!("served clamped ({n} items)")
        } else {
            format!("served {n} items, neither rejected nor clamped to {nearest}")
        };
        return breach(
            Basis::of(&bounds.reading),
            format!(
                "{what} was {served}; the spec reads that it is {}",
                if bounds.contains(&Bound::Reject) {
                    "rejected"
                } else {
                    "clamped"
                }
            ),
        );
    }
    if let (Some(pointer), Some(body)) = (&p.size_echo, response.body()) {
        if let Some(echo) = body.pointer(pointer) {
            // An authoritative echo may say the server lowered the size further.
            let agrees = match (echo.as_u64(), p.size_echo_authoritative) {
                (Some(e), true) => e <= nearest,
                (e, false) => e == Some(nearest),
                (None, true) => false,
            };
            if !agrees {
                return breach(
                    Basis::Documented,
                    format!("{what} was served with {pointer} = {echo}: a clamped page echoes {nearest}"),
                );
            }
        }
    }
    None
}
