//! Transport: what the probe met on the wire while the other families ran. Each kind of
//! incident is one named check, so that a hostile server is reported for what it did (a
//! cross-origin link, a redirect, a body that never ends) rather than as noise in whichever
//! property happened to be running.

use crate::engine::findings::{conventions, Basis};
use crate::engine::{Ctx, Findings};
use crate::probe::IncidentKind;
use crate::registry::CheckId;

/// Each check of this family, with the incidents it counts.
pub const KINDS: &[(CheckId, IncidentKind)] = &[
    (CheckId::SameOrigin, IncidentKind::CrossOrigin),
    (CheckId::NoRedirect, IncidentKind::Redirect),
    (CheckId::Timely, IncidentKind::Timeout),
    (CheckId::BodySize, IncidentKind::BodyTooLarge),
    (CheckId::RateLimitRecovers, IncidentKind::RateLimitStorm),
    (CheckId::Connection, IncidentKind::Transport),
];

/// Runs the family over the probe's incidents.
pub fn run(ctx: &Ctx) -> Findings {
    let mut f = Findings::new();
    let incidents = ctx.incidents();
    let used = ctx.requests_used();
    for (check, kind) in KINDS {
        let of_kind: Vec<_> = incidents.iter().filter(|i| i.kind == *kind).collect();
        let convention = match kind {
            IncidentKind::CrossOrigin | IncidentKind::Redirect => conventions::SAME_ORIGIN,
            IncidentKind::RateLimitStorm => conventions::RATE_LIMIT,
            _ => conventions::COMPLETE_RESPONSES,
        };
        for incident in &of_kind {
            f.breach(
                *check,
                Basis::Convention(convention),
                incident.message.clone(),
                Some(incident.curl.clone()),
            );
        }
        if of_kind.is_empty() {
            if used == 0 && *kind != IncidentKind::CrossOrigin {
                f.skip(*check, "no request was sent");
            } else if *kind == IncidentKind::RateLimitStorm && cut_short(ctx) {
                f.skip(
                    *check,
                    "the run stopped while a rate-limited request was still retrying, so \
                     whether it would have recovered is unknown",
                );
            } else {
                f.note(*check, format!("no incident in {used} requests"));
            }
        }
    }
    f
}

/// Whether the run stopped while this operation was being rate limited: a 429 was met and
/// the walk ended on the run's stop rather than on an answer.
fn cut_short(ctx: &Ctx) -> bool {
    ctx.is_stopped() && ctx.probe.rate_limited_for(&ctx.op.operation_id) > 0
}
