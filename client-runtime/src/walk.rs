//! The one model of a paginated walk: how a list advances from one page to the next, and which
//! signals end it.
//!
//! A spec's `x-pagination` declares both ([`Walk`]): the advance (a next URL, a cursor, the key
//! of the last item, an offset or a page number) and the end signals (no next, a null or empty
//! next, a boolean flag, a short page, a total reached, an empty page). What a page says is
//! read into an [`Observed`] (by a generated client from its typed page, by the conformance
//! suite and the reference mock's tests from JSON along the spec's pointers), and
//! [`Walker::step`] turns it into the next request or the end. The client's `stream()`, the
//! suite's walks and the mock (which produces what this consumes) share this one
//! implementation; no caller restates a style.
//!
//! Signals are of two strengths. A *stated* signal is one the page carries: its next member,
//! its flag, its totals. A *counted* signal is one a client infers: a short page, an empty
//! page. A counted signal ends a walk only when no stated signal is declared and readable on
//! the page: a server that lowers the page size below what was asked (and says so), or filters
//! after cutting a page, serves short pages before the last, and the stated signals are the
//! ones to believe.

use reqwest::Url;

/// Where a page carries its next URL or cursor.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Carrier {
    /// A member of the body (the spec names it with a JSON pointer).
    Body,
    /// A response header of this name.
    Header(String),
    /// The `rel="next"` target of the `Link` header (RFC 8288).
    Link,
}

/// How the next page is asked for.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Advance {
    /// Follow the URL the page carries, resolved against the URL of the request that got it.
    NextUrl {
        /// Where the URL is.
        from: Carrier,
    },
    /// Send the first request again with `param` set to the cursor the page carries.
    Cursor {
        /// Where the cursor is.
        from: Carrier,
        /// The query parameter that takes it.
        param: String,
    },
    /// Send the first request again with `param` set to the key of the page's last item.
    AfterKey {
        /// The query parameter that takes it.
        param: String,
    },
    /// Send the first request again with `param` set to the number of items received.
    Offset {
        /// The query parameter that takes it.
        param: String,
    },
    /// Send the first request again with `param` set to the next page number.
    Page {
        /// The query parameter that takes it.
        param: String,
        /// The number of the first page (0 or 1).
        first: u64,
    },
}

impl Advance {
    /// The query parameter the next request sets, when the advance sets one.
    pub fn param(&self) -> Option<&str> {
        match self {
            Advance::NextUrl { .. } => None,
            Advance::Cursor { param, .. }
            | Advance::AfterKey { param }
            | Advance::Offset { param }
            | Advance::Page { param, .. } => Some(param),
        }
    }

    /// Where the page carries its next URL or cursor, when it carries one.
    pub fn carrier(&self) -> Option<&Carrier> {
        match self {
            Advance::NextUrl { from } | Advance::Cursor { from, .. } => Some(from),
            _ => None,
        }
    }
}

/// A signal that a page is the last.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum End {
    /// The next URL or cursor is absent.
    NoNext,
    /// The next URL or cursor is JSON `null`.
    NullNext,
    /// The next URL or cursor is the empty string.
    EmptyNext,
    /// The page's boolean flag has this value: `false` for a has-more flag, `true` for an
    /// is-last flag.
    Flag(bool),
    /// The items received reach the total the page reports, or the pages walked reach its
    /// total number of pages.
    Total,
    /// The page holds fewer items than the page size asked for.
    ShortPage,
    /// The page holds no items.
    EmptyPage,
}

impl End {
    /// Whether the page carries the signal (rather than the client counting it).
    pub fn is_stated(self) -> bool {
        !matches!(self, End::ShortPage | End::EmptyPage)
    }

    /// The signal's name in `x-pagination` (`null-next`).
    pub fn name(self) -> &'static str {
        match self {
            End::NoNext => "no-next",
            End::NullNext => "null-next",
            End::EmptyNext => "empty-next",
            End::Flag(false) => "has-more-false",
            End::Flag(true) => "is-last-true",
            End::Total => "total",
            End::ShortPage => "short-page",
            End::EmptyPage => "empty-page",
        }
    }
}

/// How a walk advances, and the signals that end it (any one of them).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Walk {
    /// How the next page is asked for.
    pub advance: Advance,
    /// What ends the walk, in the spec's order.
    pub ends: Vec<End>,
}

/// A member that may be absent, `null`, or a string (the next URL or cursor).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub enum Member {
    /// Not there.
    #[default]
    Absent,
    /// JSON `null`.
    Null,
    /// A string (possibly empty).
    Text(String),
}

impl Member {
    /// The end signal this member shows when it is not a usable value.
    fn signal(&self) -> Option<End> {
        match self {
            Member::Absent => Some(End::NoNext),
            Member::Null => Some(End::NullNext),
            Member::Text(t) if t.is_empty() => Some(End::EmptyNext),
            Member::Text(_) => None,
        }
    }
}

/// What one page says, as a walk reads it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Observed {
    /// The number of items on the page.
    pub items: u64,
    /// The key of the last item, as text (read only for [`Advance::AfterKey`]).
    pub last_key: Option<String>,
    /// The next URL or cursor, wherever the page carries it.
    pub next: Member,
    /// The page's boolean flag (has-more or is-last), when it has one.
    pub flag: Option<bool>,
    /// The total number of items, when the page reports it.
    pub total: Option<u64>,
    /// The total number of pages, when the page reports it.
    pub total_pages: Option<u64>,
    /// The page size the server says it used, where the spec makes that echo authoritative (a
    /// server that may lower the size below the one asked for): a short page is short of it.
    pub size: Option<u64>,
}

/// The request for the next page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Next {
    /// This URL, absolute (a relative link is resolved against the URL that got the page).
    Url(Url),
    /// The first request with the query parameter `name` set to `value`.
    Param {
        /// The parameter.
        name: String,
        /// Its value.
        value: String,
    },
}

impl Next {
    /// The position the request stands for (the URL, or the parameter's value), for loop
    /// detection.
    pub fn position(&self) -> &str {
        match self {
            Next::Url(url) => url.as_str(),
            Next::Param { value, .. } => value,
        }
    }

    /// The request as a URL, given the URL of the walk's first request.
    pub fn url(&self, first: &Url) -> Url {
        match self {
            Next::Url(url) => url.clone(),
            Next::Param { name, value } => with_param(first, name, value),
        }
    }
}

/// The end of a walk: the signal the last page showed, and whether the spec declares it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ending {
    /// The signal.
    pub signal: End,
    /// Whether it is one of the walk's declared signals. A page whose next member is unusable
    /// ends the walk even when the spec declares another signal (there is nowhere to go), and
    /// says so here.
    pub declared: bool,
}

/// What a page leads to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Another page.
    Next(Next),
    /// The end of the list.
    End(Ending),
}

/// The state of one walk: pages and items received so far.
#[derive(Debug, Clone)]
pub struct Walker {
    walk: Walk,
    size: u64,
    pages: u64,
    received: u64,
    /// Items before the walk's first page, for a walk that starts deep in the list.
    skipped: u64,
}

impl Walker {
    /// A walk of pages of `size` items (the size the first request asks for, or the
    /// default).
    pub fn new(walk: Walk, size: u64) -> Walker {
        Walker::from_position(walk, size, 0)
    }

    /// A walk whose first page starts after `skipped` items: at that offset, or at the page
    /// `skipped / size` after the first (a multiple of `size`), or after the key of the item
    /// at that position. Offsets, page numbers and totals count from the list's start.
    pub fn from_position(walk: Walk, size: u64, skipped: u64) -> Walker {
        Walker {
            walk,
            size: size.max(1),
            pages: 0,
            received: 0,
            skipped,
        }
    }

    /// The walk.
    pub fn walk(&self) -> &Walk {
        &self.walk
    }

    /// The page size the walk asks for.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The pages read so far.
    pub fn pages(&self) -> u64 {
        self.pages
    }

    /// The items received so far.
    pub fn received(&self) -> u64 {
        self.received
    }

    /// Reads the page that the request to `at` got (`None` when the URL is not known, as for a
    /// client's first page; relative links then resolve against `base`): the next request, or
    /// the end. `Err` says why the page leads nowhere although no signal ends the walk.
    pub fn step(&mut self, page: &Observed, at: Option<&Url>, base: &Url) -> Result<Step, String> {
        self.pages += 1;
        self.received += page.items;
        if let Some(signal) = self.end(page) {
            return Ok(Step::End(Ending {
                signal,
                declared: true,
            }));
        }
        let next = match &self.walk.advance {
            Advance::NextUrl { .. } => match page.next.signal() {
                Some(signal) => return Ok(undeclared(signal)),
                None => {
                    let Member::Text(link) = &page.next else {
                        unreachable!("a member without a signal is text")
                    };
                    let url = at
                        .unwrap_or(base)
                        .join(link)
                        .map_err(|e| format!("the next link `{link}` is not a URL ({e})"))?;
                    Next::Url(url)
                }
            },
            Advance::Cursor { param, .. } => match (&page.next, page.next.signal()) {
                (_, Some(signal)) => return Ok(undeclared(signal)),
                (Member::Text(cursor), None) => Next::Param {
                    name: param.clone(),
                    value: cursor.clone(),
                },
                _ => unreachable!("a member without a signal is text"),
            },
            Advance::AfterKey { param } => match &page.last_key {
                Some(key) => Next::Param {
                    name: param.clone(),
                    value: key.clone(),
                },
                None if page.items == 0 => {
                    return Err("an empty page does not say that it is the last".into())
                }
                None => return Err("the last item has no usable key".into()),
            },
            // An empty page does not move the offset: asking again would loop.
            Advance::Offset { .. } if page.items == 0 => return Ok(undeclared(End::EmptyPage)),
            Advance::Offset { param } => Next::Param {
                name: param.clone(),
                value: (self.skipped + self.received).to_string(),
            },
            Advance::Page { param, first } => Next::Param {
                name: param.clone(),
                value: (first + self.skipped / self.size + self.pages).to_string(),
            },
        };
        Ok(Step::Next(next))
    }

    /// The declared signal the page shows, if any: a stated one first; a counted one only
    /// when no stated signal is declared and readable on the page.
    fn end(&self, page: &Observed) -> Option<End> {
        let ends = &self.walk.ends;
        let stated = || ends.iter().copied().filter(|e| e.is_stated());
        if let Some(signal) = stated().find(|e| self.shows(*e, page)) {
            return Some(signal);
        }
        if stated().any(|e| self.readable(e, page)) {
            return None;
        }
        ends.iter()
            .copied()
            .filter(|e| !e.is_stated())
            .find(|e| self.shows(*e, page))
    }

    fn shows(&self, signal: End, page: &Observed) -> bool {
        match signal {
            End::NoNext | End::NullNext | End::EmptyNext => page.next.signal() == Some(signal),
            End::Flag(last) => page.flag == Some(last),
            End::Total => {
                page.total
                    .is_some_and(|t| self.skipped + self.received >= t)
                    || page
                        .total_pages
                        .is_some_and(|t| self.skipped / self.size + self.pages >= t)
            }
            End::ShortPage => page.items < page.size.unwrap_or(self.size),
            End::EmptyPage => page.items == 0,
        }
    }

    /// Whether the page carries what the signal is read from (so that its absence says
    /// "not the last").
    fn readable(&self, signal: End, page: &Observed) -> bool {
        match signal {
            End::NoNext | End::NullNext | End::EmptyNext => true,
            End::Flag(_) => page.flag.is_some(),
            End::Total => page.total.is_some() || page.total_pages.is_some(),
            End::ShortPage | End::EmptyPage => true,
        }
    }
}

fn undeclared(signal: End) -> Step {
    Step::End(Ending {
        signal,
        declared: false,
    })
}

/// `url` with the query parameter `name` set to `value` (replacing every earlier value, and
/// added last).
pub fn with_param(url: &Url, name: &str, value: &str) -> Url {
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| k != name)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let mut out = url.clone();
    out.set_query(None);
    {
        let mut query = out.query_pairs_mut();
        for (k, v) in &pairs {
            query.append_pair(k, v);
        }
        query.append_pair(name, value);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> Url {
        Url::parse("https://api.example/v1/").unwrap()
    }

    fn walk(advance: Advance, ends: &[End]) -> Walk {
        Walk {
            advance,
            ends: ends.to_vec(),
        }
    }

    fn page(items: u64) -> Observed {
        Observed {
            items,
            ..Observed::default()
        }
    }

    fn text(s: &str) -> Member {
        Member::Text(s.to_string())
    }

    #[test]
    fn a_relative_next_link_resolves_against_the_request_that_got_it() {
        let w = walk(
            Advance::NextUrl {
                from: Carrier::Body,
            },
            &[End::NoNext, End::NullNext],
        );
        let mut walker = Walker::new(w.clone(), 10);
        let at = Url::parse("https://api.example/v1/items?size=10").unwrap();
        let p = Observed {
            next: text("?size=10&page=2"),
            ..page(10)
        };
        let Ok(Step::Next(Next::Url(url))) = walker.step(&p, Some(&at), &base()) else {
            panic!()
        };
        assert_eq!(url.as_str(), "https://api.example/v1/items?size=10&page=2");
        let p = Observed {
            next: text("/2010-04-01/Messages.json?Page=1"),
            ..page(10)
        };
        let Ok(Step::Next(next)) = walker.step(&p, None, &base()) else {
            panic!()
        };
        assert_eq!(
            next.position(),
            "https://api.example/2010-04-01/Messages.json?Page=1"
        );
        assert_eq!(
            walker.step(
                &Observed {
                    next: Member::Null,
                    ..page(3)
                },
                None,
                &base()
            ),
            Ok(Step::End(Ending {
                signal: End::NullNext,
                declared: true
            }))
        );
    }

    #[test]
    fn an_unusable_next_ends_the_walk_even_where_another_signal_is_declared() {
        let w = walk(
            Advance::Cursor {
                from: Carrier::Body,
                param: "cursor".into(),
            },
            &[End::NullNext],
        );
        let mut walker = Walker::new(w.clone(), 5);
        let got = walker.step(
            &Observed {
                next: text(""),
                ..page(2)
            },
            None,
            &base(),
        );
        assert_eq!(
            got,
            Ok(Step::End(Ending {
                signal: End::EmptyNext,
                declared: false
            }))
        );
        let w = walk(
            Advance::Cursor {
                from: Carrier::Body,
                param: "cursor".into(),
            },
            &[End::EmptyNext],
        );
        let mut walker = Walker::new(w.clone(), 5);
        let got = walker.step(
            &Observed {
                next: text("c2"),
                ..page(5)
            },
            None,
            &base(),
        );
        assert_eq!(
            got,
            Ok(Step::Next(Next::Param {
                name: "cursor".into(),
                value: "c2".into()
            }))
        );
        let got = walker.step(
            &Observed {
                next: text(""),
                ..page(1)
            },
            None,
            &base(),
        );
        assert_eq!(
            got,
            Ok(Step::End(Ending {
                signal: End::EmptyNext,
                declared: true
            }))
        );
    }

    #[test]
    fn offsets_move_past_the_items_received_and_pages_count_from_the_first() {
        let w = walk(
            Advance::Offset {
                param: "offset".into(),
            },
            &[End::ShortPage],
        );
        let mut walker = Walker::new(w.clone(), 10);
        let next = |s: Result<Step, String>| match s {
            Ok(Step::Next(n)) => n.position().to_string(),
            other => format!("{other:?}"),
        };
        assert_eq!(next(walker.step(&page(10), None, &base())), "10");
        assert_eq!(next(walker.step(&page(10), None, &base())), "20");
        assert!(matches!(
            walker.step(&page(4), None, &base()),
            Ok(Step::End(Ending {
                signal: End::ShortPage,
                ..
            }))
        ));
        let w = walk(
            Advance::Page {
                param: "page".into(),
                first: 0,
            },
            &[End::ShortPage, End::Total],
        );
        let mut walker = Walker::new(w.clone(), 10);
        assert_eq!(next(walker.step(&page(10), None, &base())), "1");
        assert_eq!(next(walker.step(&page(10), None, &base())), "2");
    }

    /// A short page before the total is reached is not the end: the page's own count wins over
    /// the client's.
    #[test]
    fn a_stated_signal_wins_over_a_counted_one() {
        let w = walk(
            Advance::Offset {
                param: "offset".into(),
            },
            &[End::ShortPage, End::Total],
        );
        let mut walker = Walker::new(w.clone(), 10);
        let short = Observed {
            total: Some(25),
            ..page(7)
        };
        assert!(matches!(
            walker.step(&short, None, &base()),
            Ok(Step::Next(Next::Param { .. }))
        ));
        // An empty page before the total cannot move the offset: the walk ends there.
        let empty = Observed {
            total: Some(25),
            ..page(0)
        };
        assert_eq!(
            walker.step(&empty, None, &base()),
            Ok(Step::End(Ending {
                signal: End::EmptyPage,
                declared: false
            }))
        );
        // Without the total on the page, the short page is the end.
        assert!(matches!(
            walker.step(&page(7), None, &base()),
            Ok(Step::End(Ending {
                signal: End::ShortPage,
                ..
            }))
        ));
        let mut walker = Walker::new(w.clone(), 10);
        let last = Observed {
            total: Some(20),
            ..page(10)
        };
        walker.step(&last, None, &base()).unwrap();
        assert!(matches!(
            walker.step(&last, None, &base()),
            Ok(Step::End(Ending {
                signal: End::Total,
                ..
            }))
        ));
    }

    /// Where the server says it lowered the page size, a page short of the size asked for but
    /// full at the size served is not the end; one short of the echo is.
    #[test]
    fn a_lowered_size_echo_is_what_a_short_page_is_short_of() {
        let w = walk(
            Advance::Offset {
                param: "offset".into(),
            },
            &[End::ShortPage],
        );
        let mut walker = Walker::new(w.clone(), 10);
        let lowered = |items, size| Observed {
            size: Some(size),
            ..page(items)
        };
        assert_eq!(
            walker.step(&lowered(6, 6), None, &base()),
            Ok(Step::Next(Next::Param {
                name: "offset".into(),
                value: "6".into()
            }))
        );
        assert!(matches!(
            walker.step(&lowered(5, 6), None, &base()),
            Ok(Step::End(Ending {
                signal: End::ShortPage,
                ..
            }))
        ));
    }

    #[test]
    fn a_flag_ends_a_walk_after_the_last_key() {
        let w = walk(
            Advance::AfterKey {
                param: "starting_after".into(),
            },
            &[End::Flag(false)],
        );
        let mut walker = Walker::new(w.clone(), 2);
        let more = Observed {
            flag: Some(true),
            last_key: Some("cus_2".into()),
            ..page(2)
        };
        assert_eq!(
            walker.step(&more, None, &base()),
            Ok(Step::Next(Next::Param {
                name: "starting_after".into(),
                value: "cus_2".into()
            }))
        );
        let empty_but_more = Observed {
            flag: Some(true),
            ..page(0)
        };
        assert!(walker.step(&empty_but_more, None, &base()).is_err());
        let last = Observed {
            flag: Some(false),
            ..page(1)
        };
        assert!(matches!(
            walker.step(&last, None, &base()),
            Ok(Step::End(Ending {
                signal: End::Flag(false),
                declared: true
            }))
        ));
    }

    #[test]
    fn params_replace_earlier_values_and_keep_the_query() {
        let first = Url::parse("https://a.example/x?status=open&cursor=old&limit=5").unwrap();
        let next = Next::Param {
            name: "cursor".into(),
            value: "a b".into(),
        };
        assert_eq!(
            next.url(&first).as_str(),
            "https://a.example/x?status=open&limit=5&cursor=a+b"
        );
    }
}
