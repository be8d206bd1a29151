//! Events for the block executor: a pattern queried once per cycle, its onsets cached in
//! time order, and handed out block by block. Extracting the events of a block costs
//! O(events in the block) plus one pattern query per cycle.

use super::budget::{self, Exceeded};
use super::{Hap, Pattern};
use crate::time::Rational;

/// A pattern with a cache of one cycle's onsets.
pub struct PatternSource {
    pattern: Pattern,
    /// The cycle whose onsets `events` holds.
    cycle: Option<i64>,
    /// Onsets of `cycle`, sorted by start time.
    events: Vec<Hap>,
    /// Index of the first event not yet handed out.
    cursor: usize,
    /// A later cycle queried ahead of time (see [`PatternSource::prefetch`]).
    next: Option<(i64, Vec<Hap>)>,
    queries: u64,
    /// Cycles refused for asking too much (see [`budget`]): they are silent.
    pub refused: u64,
    /// The first refused cycle and why.
    pub first_refused: Option<(i64, Exceeded)>,
}

impl PatternSource {
    pub fn new(pattern: Pattern) -> PatternSource {
        PatternSource {
            pattern,
            cycle: None,
            events: Vec::new(),
            cursor: 0,
            next: None,
            queries: 0,
            refused: 0,
            first_refused: None,
        }
    }

    pub fn pattern(&self) -> &Pattern {
        &self.pattern
    }

    /// How many times the pattern has been queried (once per cycle visited).
    pub fn queries(&self) -> u64 {
        self.queries
    }

    fn query_cycle(&mut self, cycle: i64) -> Vec<Hap> {
        let begin = Rational::int(cycle);
        let haps = match budget::run(|| self.pattern.query_span(begin, begin + Rational::ONE)) {
            Ok(haps) => haps,
            Err(why) => {
                // Cycles before the start are looked at for events still sounding, never
                // played from: not worth a report.
                if cycle >= 0 {
                    self.refused += 1;
                    self.first_refused.get_or_insert((cycle, why));
                }
                Vec::new()
            }
        };
        let mut events: Vec<Hap> = haps.into_iter().filter(|h| h.has_onset()).collect();
        events.sort_by_key(|h| h.part.begin);
        self.queries += 1;
        events
    }

    fn load(&mut self, cycle: i64) {
        if self.cycle == Some(cycle) {
            return;
        }
        self.events = match self.next.take() {
            Some((c, events)) if c == cycle => events,
            _ => self.query_cycle(cycle),
        };
        self.cycle = Some(cycle);
        self.cursor = 0;
    }

    /// Queries `cycle` now, so that reaching it costs nothing. Many sources that prefetch at
    /// different points of the cycle before spread their queries over many blocks instead
    /// of all paying at the cycle boundary. Results are the same either way.
    pub fn prefetch(&mut self, cycle: i64) {
        if self.cycle == Some(cycle) || self.next.as_ref().is_some_and(|n| n.0 == cycle) {
            return;
        }
        let events = self.query_cycle(cycle);
        self.next = Some((cycle, events));
    }

    /// Calls `f` with every event that starts in `[begin, end)`, in time order. Blocks are
    /// expected in order; a jump (seek, reload) is handled by re-positioning in the cache.
    /// Use the event's `whole` for its timing: its `part` may be clipped at the cycle's end.
    pub fn for_each_onset(&mut self, begin: Rational, end: Rational, mut f: impl FnMut(&Hap)) {
        let mut cycle = begin.floor().num();
        while Rational::int(cycle) < end {
            self.load(cycle);
            let from = begin.max(Rational::int(cycle));
            // Re-position when the block does not continue where the last one stopped.
            if self.cursor > 0 && self.events[self.cursor - 1].part.begin >= from
                || self.cursor < self.events.len() && self.events[self.cursor].part.begin < from
            {
                self.cursor = self.events.partition_point(|h| h.part.begin < from);
            }
            while self.cursor < self.events.len() && self.events[self.cursor].part.begin < end {
                f(&self.events[self.cursor]);
                self.cursor += 1;
            }
            cycle += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pattern::{Value, fastcat, pure, transform};

    fn pattern() -> Pattern {
        // Uneven onsets, and an event crossing the cycle boundary.
        let seq = fastcat(vec![
            pure(Value::str("a")),
            pure(Value::str("b")),
            fastcat(vec![pure(Value::str("c")), pure(Value::str("d"))]),
        ]);
        transform::late(&seq, Rational::new(1, 7))
    }

    #[test]
    fn blocks_give_exactly_the_onsets_once_in_order() {
        let p = pattern();
        let mut source = PatternSource::new(p.clone());
        // Blocks of an awkward length over several cycles.
        let step = Rational::new(5, 37);
        let mut t = Rational::ZERO;
        let mut got = Vec::new();
        while t < Rational::int(4) {
            source.for_each_onset(t, t + step, |h| got.push(h.clone()));
            t = t + step;
        }
        let mut expected: Vec<Hap> = p
            .query_span(Rational::ZERO, t)
            .into_iter()
            .filter(|h| h.has_onset())
            .collect();
        expected.sort_by_key(|h| h.part.begin);
        let key = |h: &Hap| (h.whole, h.value.clone());
        assert_eq!(
            got.iter().map(key).collect::<Vec<_>>(),
            expected.iter().map(key).collect::<Vec<_>>()
        );
        // One query per cycle visited, not per block.
        assert_eq!(source.queries(), 5);
    }

    #[test]
    fn seeking_backwards_repositions() {
        let mut source = PatternSource::new(pattern());
        let mut first = Vec::new();
        source.for_each_onset(Rational::ZERO, Rational::ONE, |h| first.push(h.clone()));
        let mut again = Vec::new();
        source.for_each_onset(Rational::ZERO, Rational::ONE, |h| again.push(h.clone()));
        assert_eq!(first, again);
        assert_eq!(first.len(), 4);
    }
}
