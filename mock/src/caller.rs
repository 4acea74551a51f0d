//! Who is asking, for the one thing besides access that depends on it: which items of a list
//! the caller sees. The main credentials see every item their reach covers; the viewer and an
//! anonymous caller (where the operation's security is optional) never see the items that
//! `x-restricted` marks.
//!
//! The caller is found when the credential is checked (`App::authenticate`) and read when the
//! page is cut from the ordered matches (`App::visible`); in between it is kept in a value of
//! the request's own task, set up by [`handler`] around the server's handler, so that no state
//! is shared between requests.

use std::cell::Cell;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::response::Response;

use crate::data::{Caller, Item};
use crate::faults::Fault;
use crate::server::{App, Site};

tokio::task_local! {
    static CALLER: Cell<Caller>;
}

/// The mock's handler: the server's, with the caller of the request kept for its task.
pub(crate) async fn handler(state: State<Arc<Site>>, request: Request) -> Response {
    CALLER
        .scope(
            Cell::new(Caller::Main),
            crate::server::handler(state, request),
        )
        .await
}

/// Records who the request's credential is.
pub(crate) fn set(caller: Caller) {
    let _ = CALLER.try_with(|c| c.set(caller));
}

/// Who the request's credential is (a main credential outside a request).
fn current() -> Caller {
    CALLER.try_with(Cell::get).unwrap_or(Caller::Main)
}

/// Whether the superset faults keep `item` from every caller but the one they favour: one
/// item in eight, by its key, so that the choice does not move when items are created.
fn stale(item: &Item) -> bool {
    let hash = item.key.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    hash % 8 == 5
}

impl App {
    /// The ordered matches this request's caller sees, when that is not all of them: the
    /// narrower callers never see the restricted items, and the superset faults show some items
    /// to one caller only.
    pub(crate) fn visible(&self, all: &[Item], ordered: &[usize]) -> Option<Vec<usize>> {
        let caller = current();
        let restricted = self
            .api
            .op
            .restricted
            .as_ref()
            .filter(|_| caller != Caller::Main && self.fault != Some(Fault::RestrictedLeak));
        let favoured = match self.fault {
            Some(Fault::AnonymousSuperset) => Some(Caller::Anonymous),
            Some(Fault::ViewerSuperset) => Some(Caller::Viewer),
            _ => None,
        };
        let hides_stale = favoured.is_some_and(|f| f != caller);
        if restricted.is_none() && !hides_stale {
            return None;
        }
        Some(
            ordered
                .iter()
                .copied()
                .filter(|&i| {
                    let item = &all[i];
                    let hidden = restricted.is_some_and(|r| r.matches(&item.value))
                        || (hides_stale && stale(item));
                    !hidden
                })
                .collect(),
        )
    }
}
