//! The stream of every item of a paginated operation, over pages that are decoded once and
//! walked by the one model of [`crate::walk`].

use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures::Stream;
use progenitor_client::{Error, ResponseValue};
use reqwest::header::HeaderMap;
use reqwest::Url;

use crate::inner::{Inner, RequestUrl};
use crate::links::{next_link, Followed};
use crate::walk::{Carrier, Member, Next, Observed, Step, Walk, Walker};

/// A page envelope of a paginated operation, as progenitor typed it.
///
/// codegen implements it for the envelope type of each `x-pagination` operation: the items
/// and what the page says about the next one (the members the operation's [`Walk`] reads)
/// are moved out of the decoded envelope by field access along the spec's pointers, so a page
/// is deserialized once, into its own type.
pub trait Page {
    /// The type of one item.
    type Item;

    /// The items of the page, in order, and what the page says about the next.
    fn into_parts(self) -> (Vec<Self::Item>, Observed);
}

/// The page the stream asks the emitted code for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fetch {
    /// The request as built.
    First,
    /// A next-page URL the walk followed, already checked.
    Url(String),
    /// The request as built, with the walk's position parameter set to this value (a cursor,
    /// the last item's key, an offset or a page number).
    Param(String),
}

impl Fetch {
    /// The error the emitted code returns for a fetch its walk never asks for; the driver
    /// never does, and the stream then yields it once and ends rather than panicking.
    pub fn unsupported<E>(self) -> Error<E> {
        Error::InvalidRequest(format!(
            "this operation cannot fetch {self:?}: its pagination has no such page"
        ))
    }
}

/// The page size a request asks for: the value set on the builder, if any and readable as a
/// whole number, else `default`; never above `max`, since a server may clamp to it and a page
/// of `max` items is then a full page.
pub fn requested_size<T: ToString>(set: Option<&T>, default: u64, max: u64) -> u64 {
    set.and_then(|v| v.to_string().parse::<u64>().ok())
        .unwrap_or(default)
        .min(max)
        .max(1)
}

/// Streams every item of every page: `fetch(Fetch::First)` first, then the page `walk`
/// finds after it ([`Walker::step`]), until a page that ends it.
///
/// A next link is resolved against the URL of the request that got the page, and followed
/// only on the origin of `baseurl` and never twice ([`crate::follow_next_url`]); a cursor or
/// position the server returns twice is refused. Every error is yielded once, after the items
/// of the pages before it, and ends the stream; a refused link or cursor is an
/// `Error::InvalidRequest` naming the problem (without the query credential of `inner`).
pub fn paginate<'a, P, E, F, Fut>(
    walk: Walk,
    size: u64,
    baseurl: &'a str,
    inner: &'a Inner,
    fetch: F,
) -> impl Stream<Item = Result<P::Item, Error<E>>> + Unpin + 'a
where
    P: Page + 'a,
    P::Item: 'a,
    E: 'a,
    F: FnMut(Fetch) -> Fut + 'a,
    Fut: Future<Output = Result<ResponseValue<P>, Error<E>>> + 'a,
{
    let base = Url::parse(baseurl).map_err(|e| e.to_string());
    let driver = Driver {
        walker: Walker::new(walk, size),
        inner,
        fetch,
        items: Vec::new().into_iter(),
        next: Some(Fetch::First),
        pending: None,
        followed: Followed::new(baseurl),
        base,
        asked: RequestUrl::default(),
    };
    Pages {
        driver,
        fetching: Box::pin(None),
        page: PhantomData,
    }
}

/// The stream [`paginate`] returns. An item of the current page is yielded straight from its
/// buffer, without a future per item; only a page fetch is a future.
struct Pages<'a, P: Page, E, F, Fut> {
    driver: Driver<'a, P::Item, E, F>,
    /// The page being fetched, once the items before it are used up. One box for the whole
    /// stream, each fetch written into it in place: a large allocation per page is not free
    /// (glibc consolidates its free lists on every one, after a page's items were dropped).
    fetching: Pin<Box<Option<Fut>>>,
    page: PhantomData<fn() -> P>,
}

// No field is pinned in place: the fetch future is pinned in its own box.
impl<P: Page, E, F, Fut> Unpin for Pages<'_, P, E, F, Fut> {}

impl<P, E, F, Fut> Stream for Pages<'_, P, E, F, Fut>
where
    P: Page,
    F: FnMut(Fetch) -> Fut,
    Fut: Future<Output = Result<ResponseValue<P>, Error<E>>>,
{
    type Item = Result<P::Item, Error<E>>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            if let Some(item) = this.driver.items.next() {
                return Poll::Ready(Some(Ok(item)));
            }
            if let Some(fetching) = this.fetching.as_mut().as_pin_mut() {
                // The hooks note the URL of the request this fetch sends (a relative next
                // link of its page resolves against it).
                let fetched = std::task::ready!(this.driver.asked.during(|| fetching.poll(cx)));
                this.fetching.set(None);
                match fetched {
                    Ok(page) => this.driver.receive(page),
                    // `next` was taken when the fetch began: the stream ends after this.
                    Err(error) => return Poll::Ready(Some(Err(error))),
                }
                continue;
            }
            if let Some(error) = this.driver.pending.take() {
                return Poll::Ready(Some(Err(error)));
            }
            let Some(at) = this.driver.next.take() else {
                return Poll::Ready(None);
            };
            let asked = this.driver.asked.clone();
            asked.clear();
            let fetch = asked.during(|| (this.driver.fetch)(at));
            this.fetching.set(Some(fetch));
        }
    }
}

/// The state of one stream.
struct Driver<'a, I, E, F> {
    walker: Walker,
    inner: &'a Inner,
    fetch: F,
    /// The items of the current page not yet yielded.
    items: std::vec::IntoIter<I>,
    /// The page to fetch once the items are used up; `None` after the last.
    next: Option<Fetch>,
    /// An error to yield once the items are used up (a refused link), then end.
    pending: Option<Error<E>>,
    /// Links and cursors already followed.
    followed: Followed,
    base: Result<Url, String>,
    /// The URL of the request being fetched, as the hooks saw it.
    asked: RequestUrl,
}

impl<I, E, F> Driver<'_, I, E, F> {
    /// Takes the items of a fetched page and decides the page after it.
    fn receive<P: Page<Item = I>>(&mut self, page: ResponseValue<P>) {
        let from_headers = self
            .walker
            .walk()
            .advance
            .carrier()
            .and_then(|carrier| carried(carrier, page.headers()));
        let (items, mut observed) = page.into_inner().into_parts();
        if let Some(next) = from_headers {
            observed.next = next;
        }
        self.advance(&observed);
        self.items = items.into_iter();
    }

    /// Decides the page after one that said `observed`.
    fn advance(&mut self, observed: &Observed) {
        let base = match &self.base {
            Ok(base) => base.clone(),
            Err(e) => return self.refuse(format!("the base URL is not a URL ({e})")),
        };
        let at = self.asked.get();
        match self.walker.step(observed, at.as_ref(), &base) {
            Ok(Step::End(_)) => self.next = None,
            Ok(Step::Next(Next::Url(url))) => match self.followed.link(url.as_str()) {
                Ok(()) => self.next = Some(Fetch::Url(url.into())),
                Err(problem) => {
                    let problem = problem.replace(url.as_str(), &self.inner.redact(url.as_str()));
                    self.refuse(problem)
                }
            },
            Ok(Step::Next(Next::Param { value, .. })) => match self.followed.token(&value) {
                Ok(()) => self.next = Some(Fetch::Param(value)),
                Err(problem) => self.refuse(problem),
            },
            Err(problem) => self.refuse(problem),
        }
    }

    fn refuse(&mut self, problem: String) {
        self.next = None;
        self.pending = Some(Error::InvalidRequest(problem));
    }
}

/// The next URL or cursor a page carries in its headers, for a walk that reads it there.
fn carried(carrier: &Carrier, headers: &HeaderMap) -> Option<Member> {
    match carrier {
        Carrier::Body => None,
        Carrier::Link => Some(next_link(headers).map_or(Member::Absent, Member::Text)),
        Carrier::Header(name) => Some(match headers.get(name.as_str()).map(|v| v.to_str()) {
            None => Member::Absent,
            Some(Ok(v)) => Member::Text(v.to_string()),
            Some(Err(_)) => Member::Absent,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requested_sizes_fall_back_and_are_capped() {
        assert_eq!(requested_size::<u64>(None, 25, 100), 25);
        assert_eq!(requested_size(Some(&7u32), 25, 100), 7);
        assert_eq!(requested_size(Some(&500i64), 25, 100), 100);
        assert_eq!(requested_size(Some(&std::num::NonZeroU64::MIN), 25, 100), 1);
        assert_eq!(requested_size(Some(&-3i64), 25, 100), 25);
    }
}
