//! The runtime of the generated API clients, written and tested once.
//!
//! codegen turns a spec into progenitor's client plus a little glue; everything that does not
//! depend on the spec lives here, the way `progenitor-client` serves progenitor:
//!
//! - [`secret_header_client`] and [`origin_bound_client`] build the `reqwest::Client` behind
//!   the emitted credential constructors: the secret is a sensitive header value (or a query
//!   parameter the [`Inner`] adds and redacts), redirects stay on the base URL's origin, the
//!   rustls `ring` provider is installed unless the application installed one, and every
//!   request has a timeout.
//! - [`Inner`] is what the client carries besides its `reqwest::Client` (progenitor's
//!   `with_inner_type`): the [`RetryPolicy`] and the query credential. The emitted
//!   `ClientHooks` implementation calls [`prepare`] and [`execute`], so single requests and
//!   every page of a stream are retried alike.
//! - [`ErrorBody`] keeps the raw bytes of an error response next to the typed body, when they
//!   parse: a documented error status reaches the caller with its status and headers whatever
//!   the body ([`error_response`]), and so does an error carried in a 200 body
//!   ([`page_or_error`], [`InBody`]).
//! - [`RateLimitHeaders`]: a rate limit told by headers (GitHub's 403 with
//!   `x-ratelimit-remaining: 0`), retried once its window resets ([`execute_limited`]).
//! - [`walk`] is the one model of a paginated walk (how it advances, what ends it), which
//!   the conformance suite and the reference mock use too; [`paginate`] streams every item of
//!   a walk over pages that are decoded once: codegen implements [`Page`] for each envelope
//!   type, moving the items and what the page says about the next one out of it by field
//!   access.
#![deny(missing_docs)]

mod build;
mod errors;
mod inner;
mod links;
mod pace;
mod pages;
mod query;
mod refusals;
mod retry;
pub mod walk;

pub use build::{
    basic_auth_client, basic_authorization, install_crypto_provider, origin_bound_client,
    secret_header_client, ClientBuildError,
};
pub use errors::{error_response, page_or_error, ErrorBody};
pub use inner::{execute, execute_limited, prepare, Inner};
pub use links::{follow_next_url, next_link, next_link_in};
pub use pace::{BadRateLimit, Pacer, RateLimit};
pub use pages::{paginate, requested_size, Fetch, Page};
pub use query::CommaSeparated;
pub use refusals::{answered_at, InBody, RateLimitHeaders, Reset, ResetFormat};
pub use retry::{retry_after, retry_after_value, RetryPolicy};
pub use walk::{
    with_param, Advance, Carrier, End, Ending, Member, Next, Observed, Step, Walk, Walker,
};
