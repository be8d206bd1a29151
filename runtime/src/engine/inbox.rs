//! Events from outside the program (`phonon serve`: Tidal's `/dirt/play` bundles), each with
//! the frame it sounds at, for a sample player to play instead of its pattern's.
//!
//! The listener thread pushes events into a wait-free ring as they arrive, in any order;
//! the player takes them all into a list of fixed capacity at each block and starts those
//! due in it, in order of frame. An event due before the block is late: it starts at the
//! block's first frame and is counted. Played events go back through a second ring, so the
//! memory they hold is freed on the listener's thread, never on the audio thread.

use crate::pattern::Hap;
use rtrb::{Consumer, Producer, RingBuffer};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// An event from outside: when it sounds, at what tempo (for `legato`, `unit "c"`), and the
/// event itself (its whole's length in cycles is its duration at that tempo).
pub struct Arrival {
    pub frame: i64,
    pub cps: f64,
    pub hap: Hap,
}

/// The frame of an event to play at once (an OSC message outside a bundle, or a bundle
/// stamped "immediately"): at the next block's first frame, not counted late.
pub const NOW: i64 = i64::MIN;

/// What the player counted, readable from any thread.
#[derive(Default, Debug)]
pub struct InboxCounts {
    /// Events played.
    pub played: AtomicU64,
    /// Events due before the block that took them: played at its first frame.
    pub late: AtomicU64,
    /// Events that found the waiting list full (more than [`WAITING`] ahead): dropped.
    pub dropped: AtomicU64,
}

/// Events a player holds that are not due yet: at stress_extreme's density (8,192 starts a
/// cycle at 2 cps) a bundle stream sent 0.2 s ahead keeps about 3,300 waiting.
pub const WAITING: usize = 16_384;

/// The player's end.
pub struct Inbox {
    incoming: Consumer<Arrival>,
    waiting: Vec<Arrival>,
    spent: Producer<Arrival>,
    counts: Arc<InboxCounts>,
}

/// The listener's end: where events go in, and where played ones come back to be dropped.
pub struct InboxSender {
    pub incoming: Producer<Arrival>,
    pub spent: Consumer<Arrival>,
    pub counts: Arc<InboxCounts>,
}

impl InboxSender {
    /// Drops the events played since the last call (their memory is freed here).
    pub fn collect(&mut self) {
        while self.spent.pop().is_ok() {}
    }
}

/// An inbox whose rings hold `capacity` events each.
pub fn inbox(capacity: usize) -> (Inbox, InboxSender) {
    let (incoming_tx, incoming_rx) = RingBuffer::new(capacity);
    let (spent_tx, spent_rx) = RingBuffer::new(capacity);
    let counts = Arc::new(InboxCounts::default());
    (
        Inbox {
            incoming: incoming_rx,
            waiting: Vec::with_capacity(WAITING),
            spent: spent_tx,
            counts: counts.clone(),
        },
        InboxSender {
            incoming: incoming_tx,
            spent: spent_rx,
            counts,
        },
    )
}

impl Inbox {
    /// Takes what has arrived, then calls `start(frame, cps, hap)` for every event due
    /// before `end`, in order of frame (late ones at `first`). Returns how many. Allocates
    /// nothing.
    pub fn start_due(
        &mut self,
        first: i64,
        end: i64,
        mut start: impl FnMut(i64, f64, &Hap),
    ) -> usize {
        while let Ok(a) = self.incoming.pop() {
            if self.waiting.len() < self.waiting.capacity() {
                self.waiting.push(a);
            } else {
                self.counts.dropped.fetch_add(1, Ordering::Relaxed);
                self.give_back(a);
            }
        }
        // The due ones to the front, then in order of frame (a later event of a choke
        // group cuts an earlier one, as in a pattern).
        let mut due = 0;
        for i in 0..self.waiting.len() {
            if self.waiting[i].frame < end {
                self.waiting.swap(due, i);
                due += 1;
            }
        }
        let now = &mut self.waiting[..due];
        now.sort_unstable_by_key(|a| a.frame);
        let mut late = 0;
        for a in now.iter() {
            if a.frame < first && a.frame != NOW {
                late += 1;
            }
            start(a.frame.max(first), a.cps, &a.hap);
        }
        self.counts.late.fetch_add(late, Ordering::Relaxed);
        self.counts.played.fetch_add(due as u64, Ordering::Relaxed);
        // `drain` moves them out without allocating.
        let Self { waiting, spent, .. } = self;
        for a in waiting.drain(..due) {
            // A listener that stopped collecting leaves them to be dropped here.
            let _ = spent.push(a);
        }
        due
    }

    fn give_back(&mut self, a: Arrival) {
        let _ = self.spent.push(a);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pattern::{TimeSpan, Value};
    use crate::time::Rational;

    fn arrival(frame: i64, name: &str) -> Arrival {
        let span = TimeSpan::new(Rational::ZERO, Rational::new(1, 4));
        Arrival {
            frame,
            cps: 1.0,
            hap: Hap::new(Some(span), span, Value::str(name)),
        }
    }

    fn names(inbox: &mut Inbox, first: i64, end: i64) -> Vec<(i64, String)> {
        let mut got = Vec::new();
        inbox.start_due(first, end, |f, _, h| {
            if let Value::Str(s) = &h.value {
                got.push((f, s.to_string()))
            }
        });
        got
    }

    #[test]
    fn events_start_in_the_block_they_are_due_in_order_of_frame() {
        let (mut inbox, mut tx) = inbox(16);
        for (f, n) in [(700, "c"), (100, "a"), (600, "b"), (1500, "d")] {
            assert!(tx.incoming.push(arrival(f, n)).is_ok());
        }
        assert_eq!(names(&mut inbox, 0, 512), [(100, "a".to_string())]);
        assert_eq!(
            names(&mut inbox, 512, 1024),
            [(600, "b".to_string()), (700, "c".to_string())]
        );
        // Arriving after its time: at the block's first frame, counted late; one to play
        // at once is not late.
        assert!(tx.incoming.push(arrival(900, "e")).is_ok());
        assert!(tx.incoming.push(arrival(NOW, "f")).is_ok());
        assert_eq!(
            names(&mut inbox, 1024, 1536),
            [
                (1024, "f".to_string()),
                (1024, "e".to_string()),
                (1500, "d".to_string())
            ]
        );
        assert_eq!(tx.counts.late.load(Ordering::Relaxed), 1);
        assert_eq!(tx.counts.played.load(Ordering::Relaxed), 6);
        // The played events came back to be dropped on this side.
        assert_eq!(tx.spent.slots(), 6);
        tx.collect();
        assert_eq!(tx.spent.slots(), 0);
    }
}
