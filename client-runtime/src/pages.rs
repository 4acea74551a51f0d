//! One stream driver for every pagination style, over pages that are decoded once.

use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures::Stream;
use progenitor_client::{Error, ResponseValue};

use crate::inner::Inner;
use crate::links::{next_link, Followed};

/// A page envelope of a paginated operation, as progenitor typed it.
///
/// codegen implements it for the envelope type of each `x-pagination` operation: the items
/// and the facts about the next page are moved out of the decoded envelope by field access
/// along the spec's pointers, so a page is deserialized once, into its own type.
pub trait Page {
    /// The type of one item.
    type Item;

    /// The items of the page, in order, and where the next page is.
    fn into_parts(self) -> (Vec<Self::Item>, Position);
}

/// What a page body says about the next page; which fields matter depends on the [`Style`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Position {
    /// `next-url`: the next page's URL; `cursor`: the cursor; `item-cursor`: the key of the
    /// last item when `has-more` is true. `None` when absent or null: the last page.
    pub next: Option<String>,
    /// The total number of items, when the body carries it (`offset`, `page`).
    pub total: Option<u64>,
    /// The number of pages, when the body carries it (`page`).
    pub total_pages: Option<u64>,
}

/// How the next page is reached: the styles of `x-pagination`, with what the driver needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// Follow the URL of [`Position::next`] verbatim.
    NextUrl,
    /// Follow the `rel="next"` target of the `Link` header verbatim.
    LinkHeader,
    /// Resend the request with the cursor of [`Position::next`].
    Cursor,
    /// Resend the request starting after the key of [`Position::next`].
    ItemCursor,
    /// Resend the request at the offset after the items seen; pages of `size` items.
    Offset {
        /// The page size the request asks for.
        size: u64,
    },
    /// Resend the request for the next page number, from `first`; pages of `size` items.
    Page {
        /// The number of the first page (0 or 1).
        first: u64,
        /// The page size the request asks for.
        size: u64,
    },
}

/// The page to fetch next, as the driver asks the emitted code for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fetch {
    /// The request as built.
    First,
    /// A next-page URL (`next-url`, `link-header`), already checked.
    Url(String),
    /// The request with this cursor (`cursor`) or after this item key (`item-cursor`).
    Token(String),
    /// The request at this offset (`offset`).
    Offset(u64),
    /// The request for this page number (`page`).
    Page(u64),
}

impl Fetch {
    /// The error the emitted code returns for a fetch its style never asks for; the driver
    /// never does, and the stream then yields it once and ends rather than panicking.
    pub fn unsupported<E>(self) -> Error<E> {
        Error::InvalidRequest(format!(
            "this operation cannot fetch {self:?}: its pagination style has no such page"
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

/// Streams every item of every page: `fetch(Fetch::First)` first, then the page `style`
/// finds after it, until the last page.
///
/// - `next-url` and `link-header` follow the link verbatim, on the origin of `baseurl` only
///   and never twice ([`follow_next_url`]).
/// - `cursor` and `item-cursor` resend with the cursor (or the last item's key) until there is
///   none; a cursor the server returns twice is refused.
/// - `offset` moves past the items seen, `page` to the next number, until a page is shorter
///   than the size, empty, or the totals of the body say it is the last.
///
/// Every error is yielded once, after the items of the pages before it, and ends the stream;
/// a refused link or cursor is an `Error::InvalidRequest` naming the problem (without the
/// query credential of `inner`).
pub fn paginate<'a, P, E, F, Fut>(
    style: Style,
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
    let walk = Walk {
        style,
        inner,
        fetch,
        items: Vec::new().into_iter(),
        next: Some(Fetch::First),
        pending: None,
        followed: Followed::new(baseurl),
        offset: 0,
        page: match style {
            Style::Page { first, .. } => first,
            _ => 0,
        },
        pages: 0,
        count: 0,
    };
    Pages {
        walk,
        fetching: Box::pin(None),
        page: PhantomData,
    }
}

/// The stream [`paginate`] returns. An item of the current page is yielded straight from its
/// buffer, without a future per item; only a page fetch is a future.
struct Pages<'a, P: Page, E, F, Fut> {
    walk: Walk<'a, P::Item, E, F>,
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
            if let Some(item) = this.walk.items.next() {
                return Poll::Ready(Some(Ok(item)));
            }
            if let Some(fetching) = this.fetching.as_mut().as_pin_mut() {
                let fetched = std::task::ready!(fetching.poll(cx));
                this.fetching.set(None);
                match fetched {
                    Ok(page) => this.walk.receive(page),
                    // `next` was taken when the fetch began: the stream ends after this.
                    Err(error) => return Poll::Ready(Some(Err(error))),
                }
                continue;
            }
            if let Some(error) = this.walk.pending.take() {
                return Poll::Ready(Some(Err(error)));
            }
            let Some(at) = this.walk.next.take() else {
                return Poll::Ready(None);
            };
            this.fetching.set(Some((this.walk.fetch)(at)));
        }
    }
}

/// The state of one stream.
struct Walk<'a, I, E, F> {
    style: Style,
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
    /// The offset of the current page (`offset`).
    offset: u64,
    /// The number of the current page (`page`).
    page: u64,
    /// Pages fetched so far.
    pages: u64,
    /// Items received so far.
    count: u64,
}

impl<I, E, F> Walk<'_, I, E, F> {
    /// Takes the items of a fetched page and decides the page after it.
    fn receive<P: Page<Item = I>>(&mut self, page: ResponseValue<P>) {
        let link = match self.style {
            Style::LinkHeader => next_link(page.headers()),
            _ => None,
        };
        let (items, position) = page.into_inner().into_parts();
        self.advance(items.len() as u64, position, link);
        self.items = items.into_iter();
    }

    /// Decides the page after one of `received` items whose body said `position` (and whose
    /// `Link` header said `link`).
    fn advance(&mut self, received: u64, position: Position, link: Option<String>) {
        self.pages += 1;
        self.count += received;
        let decided = match self.style {
            Style::NextUrl => position.next.map(|url| self.follow(url)),
            Style::LinkHeader => link.map(|url| self.follow(url)),
            Style::Cursor | Style::ItemCursor => position.next.map(|token| self.token(token)),
            Style::Offset { size } => {
                self.offset += received;
                let last =
                    received < size || position.total.is_some_and(|total| self.offset >= total);
                (!last).then_some(Ok(Fetch::Offset(self.offset)))
            }
            Style::Page { size, .. } => {
                self.page += 1;
                let last = received < size
                    || position
                        .total_pages
                        .is_some_and(|pages| self.pages >= pages)
                    || position.total.is_some_and(|total| self.count >= total);
                (!last).then_some(Ok(Fetch::Page(self.page)))
            }
        };
        match decided {
            None => self.next = None,
            Some(Ok(fetch)) => self.next = Some(fetch),
            Some(Err(problem)) => {
                self.next = None;
                self.pending = Some(Error::InvalidRequest(problem));
            }
        }
    }

    fn follow(&mut self, url: String) -> Result<Fetch, String> {
        match self.followed.link(&url) {
            Ok(()) => Ok(Fetch::Url(url)),
            Err(problem) => Err(problem.replace(&url, &self.inner.redact(&url))),
        }
    }

    fn token(&mut self, token: String) -> Result<Fetch, String> {
        self.followed.token(&token)?;
        Ok(Fetch::Token(token))
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
