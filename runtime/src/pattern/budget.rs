//! How much one query may ask for. A program can describe more events than anything can
//! play (`s "bd*100000000"`, `fast 1e12`, `fast 1000 $ s "bd*1000"`); building them would
//! stall the program or exhaust memory. Each cycle of a pattern is queried under a budget
//! ([`run`]): the work (events produced at every level of the query, [`MAX_WORK_PER_CYCLE`])
//! and the events it yields ([`MAX_EVENTS_PER_CYCLE`]) are bounded, and transforms that
//! refuse a factor beyond their own cap ([`super::MAX_SUBDIVISION`], echo counts) say so
//! ([`note_cap`]). A cycle over budget is silent, and the caller reports it with the span of
//! the pattern: never a silent cap.
//!
//! The budget lives in thread-local cells, so it costs a read and a write per query and
//! needs no plumbing through the combinators; a query runs on one thread.

use std::cell::Cell;

/// Events one pattern may start in one cycle.
pub const MAX_EVENTS_PER_CYCLE: usize = 65_536;

/// Events the whole query of one cycle may produce, counting every level of the pattern
/// (a pattern nested ten deep does ten times the work of its result).
pub const MAX_WORK_PER_CYCLE: u64 = 1 << 22;

/// Why a cycle was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exceeded {
    /// A transform was given a factor beyond its cap (`fast 1e12`, `"bd*100000000"`,
    /// Euclid with a million steps, `echo 100000`).
    Factor,
    /// The query produced more than [`MAX_WORK_PER_CYCLE`] events at all its levels.
    Work,
    /// The cycle holds more than [`MAX_EVENTS_PER_CYCLE`] events.
    Events(usize),
}

impl Exceeded {
    /// For messages: what was asked for.
    pub fn describe(self) -> String {
        match self {
            Exceeded::Factor => format!(
                "a factor beyond the cap of {} subdivisions of a cycle (or {} echoes)",
                super::MAX_SUBDIVISION,
                super::library::MAX_ECHOES
            ),
            Exceeded::Work => format!(
                "more than {MAX_WORK_PER_CYCLE} events of work for one cycle (more than {MAX_EVENTS_PER_CYCLE} events, nested)"
            ),
            Exceeded::Events(n) => {
                format!(
                    "{n} events in one cycle, more than the {MAX_EVENTS_PER_CYCLE} a pattern may start"
                )
            }
        }
    }
}

thread_local! {
    /// Work left in the running budget (`u64::MAX`: no budget).
    static LEFT: Cell<u64> = const { Cell::new(u64::MAX) };
    static CAPPED: Cell<bool> = const { Cell::new(false) };
}

/// Whether the running budget is spent: queries then return nothing at once.
#[inline]
pub(crate) fn exhausted() -> bool {
    LEFT.with(|l| l.get() == 0)
}

/// Counts `n` events produced.
#[inline]
pub(crate) fn spend(n: usize) {
    LEFT.with(|l| {
        let left = l.get();
        if left != u64::MAX {
            l.set(left.saturating_sub(n as u64));
        }
    });
}

/// A transform refused a factor beyond its cap and made silence instead.
pub fn note_cap() {
    CAPPED.with(|c| c.set(true));
}

/// Runs a query of one cycle under the budget. `Err` when it went over: its result is then
/// incomplete and must not be played.
pub fn run<T>(query: impl FnOnce() -> Vec<T>) -> Result<Vec<T>, Exceeded> {
    let outer = (
        LEFT.with(|l| l.replace(MAX_WORK_PER_CYCLE)),
        CAPPED.with(|c| c.replace(false)),
    );
    let result = query();
    let (left, capped) = (LEFT.with(|l| l.get()), CAPPED.with(|c| c.get()));
    LEFT.with(|l| l.set(outer.0));
    CAPPED.with(|c| c.set(outer.1 || capped));
    if capped {
        Err(Exceeded::Factor)
    } else if left == 0 {
        Err(Exceeded::Work)
    } else if result.len() > MAX_EVENTS_PER_CYCLE {
        Err(Exceeded::Events(result.len()))
    } else {
        Ok(result)
    }
}
