//! The in-flight limit of a run, served by turn instead of by arrival.
//!
//! A walk is a chain: each page waits for the one before it, so the longest walk bounds the
//! run however many requests may be in flight. With a first-come gate, a walk's next page
//! queues behind every single probe that arrived while its previous page was in flight, and
//! the longest walk ends last by far. Here every request carries a [`Turn`]: a walk takes one
//! when it starts and keeps it for all its pages, a single request takes a new one. A free
//! place goes to the waiting request with the earliest turn, so a walk started early keeps its
//! pace and the probes fill the places it leaves. What is sent does not change, only when.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use tokio::sync::oneshot;

/// When a request is served relative to the others waiting: earlier turns first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Turn(u64);

/// At most `places` holders at once; waiters served in the order of their turns.
#[derive(Debug)]
pub(crate) struct Gate {
    next_turn: AtomicU64,
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    free: usize,
    /// Waiters by turn, then by arrival among equal turns.
    waiting: BinaryHeap<Reverse<(Turn, u64, Waiter)>>,
    arrivals: u64,
}

/// A waiter's channel; ordered only through the tuple's other members, which are unique.
#[derive(Debug)]
struct Waiter(oneshot::Sender<()>);

impl PartialEq for Waiter {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}
impl Eq for Waiter {}
impl PartialOrd for Waiter {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Waiter {
    fn cmp(&self, _: &Self) -> std::cmp::Ordering {
        std::cmp::Ordering::Equal
    }
}

/// A place held; it passes to the next waiter when dropped.
#[derive(Debug)]
pub(crate) struct Place<'a> {
    gate: &'a Gate,
}

impl Gate {
    pub(crate) fn new(places: usize) -> Gate {
        Gate {
            next_turn: AtomicU64::new(0),
            state: Mutex::new(State {
                free: places.max(1),
                waiting: BinaryHeap::new(),
                arrivals: 0,
            }),
        }
    }

    /// A new turn, after every turn taken so far.
    pub(crate) fn turn(&self) -> Turn {
        Turn(self.next_turn.fetch_add(1, Ordering::Relaxed))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        super::lock(&self.state)
    }

    /// Waits for a place in `turn`.
    pub(crate) async fn enter(&self, turn: Turn) -> Place<'_> {
        let receiver = {
            let mut state = self.lock();
            if state.free > 0 && state.waiting.is_empty() {
                state.free -= 1;
                return Place { gate: self };
            }
            let (sender, receiver) = oneshot::channel();
            let arrival = state.arrivals;
            state.arrivals += 1;
            state.waiting.push(Reverse((turn, arrival, Waiter(sender))));
            if state.free > 0 {
                // Places are free but others were waiting: serve in turn, perhaps this one.
                state.free -= 1;
                hand_over(&mut state);
            }
            receiver
        };
        let mut entering = Entering {
            gate: self,
            receiver: Some(receiver),
        };
        if let Some(receiver) = entering.receiver.as_mut() {
            // The sender is dropped only after handing over the place, or with the gate.
            let _ = receiver.await;
        }
        entering.receiver = None;
        Place { gate: self }
    }

    fn leave(&self) {
        let mut state = self.lock();
        hand_over(&mut state);
    }
}

/// Gives the place being released to the waiter with the earliest turn that still waits, or
/// frees it.
fn hand_over(state: &mut State) {
    while let Some(Reverse((_, _, Waiter(sender)))) = state.waiting.pop() {
        if sender.send(()).is_ok() {
            return;
        }
        // That waiter gave up (its request was dropped): try the next one.
    }
    state.free += 1;
}

/// A request waiting for a place. Dropped while waiting (its request was given up), it
/// refuses the place from then on, and passes on one handed over in the meantime.
struct Entering<'a> {
    gate: &'a Gate,
    receiver: Option<oneshot::Receiver<()>>,
}

impl Drop for Entering<'_> {
    fn drop(&mut self) {
        if let Some(mut receiver) = self.receiver.take() {
            receiver.close();
            if receiver.try_recv().is_ok() {
                self.gate.leave();
            }
        }
    }
}

impl Drop for Place<'_> {
    fn drop(&mut self) {
        self.gate.leave();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[tokio::test]
    async fn waiters_are_served_by_turn_not_by_arrival() {
        let gate = Arc::new(Gate::new(1));
        let early = gate.turn();
        let late = gate.turn();
        let held = gate.enter(late).await;
        let order = Arc::new(Mutex::new(Vec::new()));
        let mut tasks = Vec::new();
        // Arrive late turn first, then the early one.
        for (name, turn) in [("late", late), ("early", early)] {
            let (gate, order) = (gate.clone(), order.clone());
            tasks.push(tokio::spawn(async move {
                let _place = gate.enter(turn).await;
                order.lock().unwrap().push(name);
            }));
            tokio::task::yield_now().await;
        }
        drop(held);
        for t in tasks {
            t.await.unwrap();
        }
        assert_eq!(*order.lock().unwrap(), ["early", "late"]);
    }

    /// A waiter of a gate of one place gives up, before or after the holder leaves (then the
    /// place was handed to it); either way the next request gets the place at once.
    async fn give_up(holder_leaves_first: bool) {
        let gate = Gate::new(1);
        let turn = gate.turn();
        let held = gate.enter(turn).await;
        let mut held = Some(held);
        {
            let waiting = gate.enter(turn);
            futures::pin_mut!(waiting);
            assert!(futures::poll!(waiting.as_mut()).is_pending());
            if holder_leaves_first {
                held = None;
            }
        }
        drop(held);
        let next = gate.enter(turn);
        futures::pin_mut!(next);
        assert!(futures::poll!(next).is_ready(), "the place was lost");
    }

    #[tokio::test]
    async fn a_waiter_that_gives_up_does_not_keep_the_place() {
        give_up(false).await;
    }

    #[tokio::test]
    async fn a_place_handed_to_a_waiter_that_then_gives_up_is_passed_on() {
        give_up(true).await;
    }

    #[tokio::test]
    async fn never_more_than_the_places_at_once() {
        let gate = Arc::new(Gate::new(3));
        let inside = Arc::new(AtomicU64::new(0));
        let most = Arc::new(AtomicU64::new(0));
        let tasks: Vec<_> = (0..40)
            .map(|i| {
                let (gate, inside, most) = (gate.clone(), inside.clone(), most.clone());
                tokio::spawn(async move {
                    let turn = if i % 2 == 0 { gate.turn() } else { Turn(0) };
                    let _place = gate.enter(turn).await;
                    let now = inside.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(now, Ordering::SeqCst);
                    tokio::task::yield_now().await;
                    inside.fetch_sub(1, Ordering::SeqCst);
                })
            })
            .collect();
        for t in tasks {
            t.await.unwrap();
        }
        assert_eq!(most.load(Ordering::SeqCst), 3);
    }
}
