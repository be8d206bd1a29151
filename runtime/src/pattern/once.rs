//! `once:` and `first:` outputs: one cycle of a pattern, played once, from the cycle at which
//! the program starts to play (Tidal's `once` and `first`). The pattern is built when the
//! program is compiled; the cycle it plays at is a cell the engine sets when the program
//! starts or takes over from another ([`crate::engine::Engine::adopt`]), so every load of a
//! file with a `once:` line plays it again, as evaluating it does in Tidal.

use super::signal::rand_at;
use super::transform::late;
use super::{Pattern, TimeSpan};
use crate::time::Rational;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

/// Where a program's one-cycle outputs play: the first whole cycle it plays.
#[derive(Clone, Debug, Default)]
pub struct StartCycle(Arc<AtomicI64>);

impl StartCycle {
    pub fn set(&self, cycle: i64) {
        self.0.store(cycle, Ordering::Relaxed);
    }

    pub fn get(&self) -> i64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// Tidal's `once` picks one of the cycles 0..=8192 at random.
const ONCE_CYCLES: f64 = 8193.0;

/// The cycle of `pat` that a one-cycle output starting at cycle `start` plays: 0 for
/// `first`, otherwise one of 0..=8192 drawn from `start` (the same draw every time it starts
/// at that cycle, so a render is reproducible).
pub fn chosen_cycle(first: bool, start: i64) -> i64 {
    if first {
        0
    } else {
        (rand_at(start as f64, 0.0) * ONCE_CYCLES).floor() as i64
    }
}

/// The events of one cycle of `pat`, moved to play in `[start, start + 1)`; nothing before
/// or after.
pub fn one_cycle(pat: &Pattern, first: bool, start: &StartCycle) -> Pattern {
    let (pat, start) = (pat.clone(), start.clone());
    Pattern::new(move |state| {
        let s = Rational::int(start.get());
        let span = state.span;
        let (begin, end) = (span.begin.max(s), span.end.min(s + Rational::int(1)));
        let point = span.begin == span.end;
        if begin > end || (begin == end && !point) || (point && end == s + Rational::int(1)) {
            return Vec::new();
        }
        let shift = s - Rational::int(chosen_cycle(first, start.get()));
        late(&pat, shift).query(&state.with_span(TimeSpan::new(begin, end)))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pattern::{Value, fastcat, pure, slowcat};

    fn onsets(p: &Pattern, from: i64, to: i64) -> Vec<(Rational, Value)> {
        p.query_span(Rational::int(from), Rational::int(to))
            .into_iter()
            .filter(|h| h.has_onset())
            .map(|h| (h.whole.unwrap().begin, h.value))
            .collect()
    }

    #[test]
    fn first_plays_cycle_zero_at_the_start_and_nothing_else() {
        let cycles = slowcat(vec![
            fastcat(vec![pure(Value::Num(0.0)), pure(Value::Num(1.0))]),
            pure(Value::Num(2.0)),
        ]);
        let start = StartCycle::default();
        start.set(5);
        let p = one_cycle(&cycles, true, &start);
        assert_eq!(
            onsets(&p, 0, 20),
            [
                (Rational::int(5), Value::Num(0.0)),
                (Rational::new(11, 2), Value::Num(1.0))
            ]
        );
        // The engine moves the start: the same pattern plays there instead.
        start.set(8);
        assert_eq!(onsets(&p, 0, 20)[0].0, Rational::int(8));
    }

    #[test]
    fn once_plays_the_drawn_cycle() {
        let numbered = slowcat((0..8193).map(|i| pure(Value::Num(i as f64))).collect());
        let start = StartCycle::default();
        start.set(3);
        let p = one_cycle(&numbered, false, &start);
        let chosen = chosen_cycle(false, 3);
        assert_eq!(
            onsets(&p, 0, 10),
            [(Rational::int(3), Value::Num(chosen as f64))]
        );
        // Different starts draw different cycles.
        let draws: std::collections::HashSet<i64> =
            (0..20).map(|s| chosen_cycle(false, s)).collect();
        assert!(draws.len() > 15, "{draws:?}");
        assert!(draws.iter().all(|c| (0..=8192).contains(c)));
    }
}
