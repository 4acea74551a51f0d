//! What narrower callers are listed: the anonymous view of an operation that may be called
//! without credentials (`errors/anonymous-view`), and the viewer credential's
//! (`errors/viewer-scope`).
//!
//! Each is a walk of the unfiltered list at the largest page size with that caller's
//! credential (none, or the viewer's), as far as the first walk went. Two rules judge it:
//! none of its items is one `x-restricted` marks (judged as the pages arrive), and every one of
//! them is an item of the main credential's list. The second compares walks taken at different
//! times, so it waits for the run's bracket, as the other subset properties do: an item created
//! between the walks is no fault. A narrower caller reaching more than the main credential
//! breaks a convention of access control; a restricted item shown to it breaks what the spec
//! documents (or only reads, where `x-restricted` is marked `x-reading`).

use std::sync::Arc;

use crate::checks::walk::{page_cap, walk_as, Reach, WalkEnd, ITEMS_KEPT};
use crate::checks::{sample, Walk};
use crate::engine::bracket::{Bracket, Deferred};
use crate::engine::findings::{conventions, Basis};
use crate::engine::{Ctx, Findings};
use crate::probe::Auth;
use crate::registry::CheckId;

/// Both views, concurrently.
pub async fn run(ctx: &Ctx<'_>, reference: &Walk) -> Findings {
    let (anonymous, viewer) = tokio::join!(anonymous(ctx, reference), viewer(ctx, reference));
    let mut f = anonymous;
    f.merge(viewer);
    f
}

/// The caller a narrower walk is made as.
#[derive(Debug, Clone, Copy)]
enum Narrower {
    Anonymous,
    Viewer,
}

impl Narrower {
    fn check(self) -> CheckId {
        match self {
            Narrower::Anonymous => CheckId::AnonymousView,
            Narrower::Viewer => CheckId::ViewerScope,
        }
    }

    fn auth(self) -> Auth {
        match self {
            Narrower::Anonymous => Auth::None,
            Narrower::Viewer => Auth::Viewer,
        }
    }

    fn who(self) -> &'static str {
        match self {
            Narrower::Anonymous => "the walk without credentials",
            Narrower::Viewer => "the viewer's walk",
        }
    }
}

async fn anonymous(ctx: &Ctx<'_>, reference: &Walk) -> Findings {
    let mut f = Findings::new();
    let check = CheckId::AnonymousView;
    if !ctx.selected(check) {
        return f;
    }
    match &ctx.op.security {
        None => f.skip(check, "the operation requires no credential"),
        Some(s) if !s.optional => f.skip(
            check,
            "the operation may not be called without credentials (no `{}` among its security \
             requirements)",
        ),
        Some(_) => f.merge(narrower(ctx, reference, Narrower::Anonymous).await),
    }
    f
}

async fn viewer(ctx: &Ctx<'_>, reference: &Walk) -> Findings {
    let mut f = Findings::new();
    let check = CheckId::ViewerScope;
    if !ctx.selected(check) {
        return f;
    }
    let Some(security) = &ctx.op.security else {
        f.skip(check, "the operation requires no credential");
        return f;
    };
    if ctx.target.viewer.is_none() {
        let flags: Vec<String> = security
            .credential_parts()
            .iter()
            .map(|part| format!("--viewer-{part}"))
            .collect();
        let envs: Vec<String> = security
            .credential_parts()
            .iter()
            .map(|part| ctx.spec.env_var(&format!("viewer-{part}")))
            .collect();
        f.skip(
            check,
            format!(
                "no viewer credential was given ({}, or {})",
                flags.join(" and "),
                envs.join(" and ")
            ),
        );
        return f;
    }
    f.merge(narrower(ctx, reference, Narrower::Viewer).await);
    f
}

/// Walks the list as `caller` and judges what it lists.
async fn narrower(ctx: &Ctx<'_>, reference: &Walk, caller: Narrower) -> Findings {
    let mut f = Findings::new();
    let check = caller.check();
    let p = ctx.pagination;
    let listed = reference.item_count();
    let reach = Reach {
        page_cap: page_cap(reference.span(p), p.size_max),
        // As far as the first walk went: past it, nothing could be compared.
        items: (!reference.complete()).then_some(listed.max(1)),
        pages: Some(reference.pages.len() + 2),
        keep_items: ITEMS_KEPT,
    };
    let w = walk_as(
        ctx,
        &ctx.unfiltered(Some(p.size_max)),
        reach,
        &caller.auth(),
    )
    .await;
    if w.pages.is_empty() {
        match (&w.end, caller) {
            (WalkEnd::BadPage { status: Some(s), .. }, Narrower::Anonymous)
                if ctx.op.errors.missing_key.contains(s) =>
            {
                f.held(check);
                f.note(
                    check,
                    format!(
                        "the server refuses callers without credentials ({s}, as missing-key says): it serves no anonymous view"
                    ),
                );
            }
            (WalkEnd::BadPage { status: Some(s), .. }, Narrower::Anonymous) => f.skip(
                check,
                format!("the first page without credentials was answered {s}, which errors/missing-key judges"),
            ),
            (end, _) => f.skip(
                check,
                format!("{} got no page: {}", caller.who(), end.describe()),
            ),
        }
        return f;
    }
    if !w.usable() {
        f.note(
            check,
            format!(
                "{} ended early ({}); the items it got are judged",
                caller.who(),
                w.end.describe()
            ),
        );
    }
    judge_restricted(ctx, &w, caller, &mut f);
    if reference.pages.is_empty() {
        f.note(
            check,
            "the first walk got no page: the subset of the main credential's list is not judged",
        );
        return f;
    }
    f.defer(Subset {
        opening: ctx.opening(),
        check,
        who: caller.who(),
        keys: w.keys(),
        request: w.first_curl(),
    });
    f
}

/// No item `x-restricted` marks may be listed to a narrower caller.
fn judge_restricted(ctx: &Ctx<'_>, w: &Walk, caller: Narrower, f: &mut Findings) {
    let check = caller.check();
    let Some(restricted) = &ctx.op.restricted else {
        f.note(
            check,
            "the spec marks no item restricted (no x-restricted): only the subset is judged",
        );
        return;
    };
    let mut shown: Vec<String> = Vec::new();
    let mut first_request = None;
    for page in &w.pages {
        for (item, key) in page.items.iter().zip(&page.keys) {
            if restricted.matches(item) {
                shown.push(key.clone());
                first_request.get_or_insert_with(|| page.curl());
            }
        }
    }
    if shown.is_empty() {
        f.held(check);
        return;
    }
    let values: Vec<String> = restricted.values.iter().map(|v| v.to_string()).collect();
    f.breach(
        check,
        Basis::of(&restricted.reading),
        format!(
            "{} lists {} items x-restricted marks ({} = {}), which narrower callers never see: {}",
            caller.who(),
            shown.len(),
            restricted.field,
            values.join(" or "),
            sample(&shown)
        ),
        first_request,
    );
}

/// A narrower caller's items are items of the main credential's list.
#[derive(Debug)]
struct Subset {
    opening: Arc<Bracket>,
    check: CheckId,
    who: &'static str,
    keys: Vec<String>,
    request: Option<String>,
}

impl Deferred for Subset {
    fn opening(&self) -> &Bracket {
        &self.opening
    }

    /// The walk's keys as far as the first walk's span reaches (past where the first walk
    /// stopped nothing can be compared), each listed by either bracketing walk.
    fn settle(&self, bracket: &Bracket) -> Findings {
        let mut f = Findings::new();
        let judged = bracket.span(&self.keys).judged.min(self.keys.len());
        let extra: Vec<String> = self.keys[..judged]
            .iter()
            .filter(|k| !bracket.is_known(k))
            .cloned()
            .collect();
        if judged < self.keys.len() {
            f.note(
                self.check,
                format!(
                    "{} of the {} items of {} lie past where the first walk stopped: not compared",
                    self.keys.len() - judged,
                    self.keys.len(),
                    self.who
                ),
            );
        }
        if extra.is_empty() {
            f.held(self.check);
        } else {
            f.breach(
                self.check,
                Basis::Convention(conventions::NARROWER),
                format!(
                    "{} lists {} items the main credential's walk does not: {}",
                    self.who,
                    extra.len(),
                    sample(&extra)
                ),
                self.request.clone(),
            );
        }
        f
    }
}
