//! Transport: what the probe met on the wire while the other families ran. Each kind of
//! incident is one named check, so that a hostile server is reported for what it did (a
//! cross-origin link, a redirect, a body that never ends) rather than as noise in whichever
//! property happened to be running.

use super::{Ctx, Props};
use crate::probe::IncidentKind;
use crate::report::CheckResult;

/// Links stay on the origin.
pub const SAME_ORIGIN: &str = "transport/same-origin";
/// No redirects.
pub const NO_REDIRECT: &str = "transport/no-redirect";
/// Within the timeout.
pub const TIMELY: &str = "transport/timely";
/// Under the body cap.
pub const BODY_SIZE: &str = "transport/body-size";
/// 429 storms end.
pub const RATE_LIMIT_RECOVERS: &str = "transport/rate-limit-recovers";
/// No connection errors.
pub const CONNECTION: &str = "transport/connection";

const KINDS: &[(&str, IncidentKind)] = &[
    (SAME_ORIGIN, IncidentKind::CrossOrigin),
    (NO_REDIRECT, IncidentKind::Redirect),
    (TIMELY, IncidentKind::Timeout),
    (BODY_SIZE, IncidentKind::BodyTooLarge),
    (RATE_LIMIT_RECOVERS, IncidentKind::RateLimitStorm),
    (CONNECTION, IncidentKind::Transport),
];

/// Runs the family over the probe's incidents.
pub fn run(ctx: &Ctx) -> Vec<CheckResult> {
    let names: Vec<&'static str> = KINDS.iter().map(|(n, _)| *n).collect();
    let mut props = Props::new(&names);
    let incidents = ctx.probe.incidents();
    let used = ctx.probe.requests_used();
    for (name, kind) in KINDS {
        let of_kind: Vec<_> = incidents.iter().filter(|i| i.kind == *kind).collect();
        match of_kind.first() {
            Some(first) => {
                let more = match of_kind.len() {
                    1 => String::new(),
                    n => format!(" ({n} times; the first is shown)"),
                };
                props.fail(
                    name,
                    format!("{}{more}", first.message),
                    Some(first.curl.clone()),
                );
            }
            None if used == 0 && *kind != IncidentKind::CrossOrigin => {
                props.skip(name, "no request was sent")
            }
            None => {
                props.pass_noted(name, format!("no incident in {used} requests"));
            }
        }
    }
    // Incidents are facts about responses already received: a stopped run does not void them.
    props.finish(None)
}
