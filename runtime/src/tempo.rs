//! A tempo that is a pattern (`cps: "<0.5 0.6>"`): each cycle plays at the tempo the pattern
//! holds where the cycle starts. The clock is told each cycle's tempo two cycles ahead of
//! the blocks that play it ([`Clock::change_at`]), so the frames of event ends in the next
//! cycle are known, and each tempo is fixed before it is played.

use crate::clock::Clock;
use crate::pattern::Pattern;
use crate::time::Rational;

/// The tempos a pattern may give, in cycles per second: a cycle from 10 ms to 100 s.
pub const MIN_CPS: f64 = 0.01;
pub const MAX_CPS: f64 = 100.0;

/// Cycles scheduled past the one a block ends in (the tempo of a cycle is fixed before a
/// block plays any of it).
const AHEAD: i64 = 2;

/// Where the tempos come from.
enum Source {
    Pattern(Pattern),
    /// Read when a cycle is scheduled (a MIDI clock coming in): `None` holds the last.
    External(fn() -> Option<f64>),
}

pub struct Tempo {
    source: Source,
    /// The first cycle whose tempo the clock has not been told.
    next: i64,
    /// The tempo of the last cycle told (held where the pattern has no event).
    last: f64,
}

impl Tempo {
    pub fn new(pattern: Pattern, fallback: f64) -> Tempo {
        Tempo {
            source: Source::Pattern(pattern),
            next: 0,
            last: fallback,
        }
    }

    /// Tempos read from `read` as each cycle is scheduled (two cycles ahead of the blocks
    /// that play it), `fallback` until it gives one.
    pub fn following(read: fn() -> Option<f64>, fallback: f64) -> Tempo {
        Tempo {
            source: Source::External(read),
            next: 0,
            last: fallback,
        }
    }

    fn of_cycle(&self, cycle: i64) -> Option<f64> {
        match &self.source {
            Source::Pattern(p) => Tempo::at(p, cycle),
            Source::External(read) => read()
                .filter(|v| v.is_finite() && *v > 0.0)
                .map(|v| v.clamp(MIN_CPS, MAX_CPS)),
        }
    }

    /// The tempo at the start of cycle `cycle`: the value of the event sounding there, held
    /// to `MIN_CPS..=MAX_CPS`; `None` where nothing sounds or the value is not a number.
    pub fn at(pattern: &Pattern, cycle: i64) -> Option<f64> {
        let t = Rational::int(cycle);
        pattern
            .query_span(t, t + Rational::int(1))
            .into_iter()
            .find(|h| h.part.begin <= t && t < h.part.end)
            .and_then(|h| h.value.as_f64())
            .filter(|v| v.is_finite() && *v > 0.0)
            .map(|v| v.clamp(MIN_CPS, MAX_CPS))
    }

    /// A clock at frame `frame` of `previous` (or a new one at frame 0), at the tempo of the
    /// cycle it is in, with the cycles ahead scheduled.
    pub fn start(&mut self, clock: Clock, frame: i64) -> Clock {
        let cycle = clock.cycle_at(Rational::int(frame));
        let k = cycle.floor().num();
        if let Some(v) = self.of_cycle(k) {
            self.last = v;
        }
        let mut clock = Clock::continuing(&clock, frame, Rational::from_f64(self.last));
        self.next = k + 1;
        self.schedule(&mut clock, frame, 0);
        clock
    }

    /// Before the block of `frames` frames from `first`: every cycle up to two past the one
    /// it ends in has its tempo, and tempos that ended are forgotten.
    pub fn schedule(&mut self, clock: &mut Clock, first: i64, frames: usize) {
        let half = Rational::new(1, 2);
        clock.forget_before(Rational::int(first) - half);
        let end = Rational::int(first + frames as i64) - half;
        while self.next <= clock.cycle_at(end).floor().num() + AHEAD {
            if let Some(v) = self.of_cycle(self.next) {
                self.last = v;
            }
            clock.change_at(Rational::int(self.next), Rational::from_f64(self.last));
            self.next += 1;
        }
    }
}

/// The frame where cycle `cycles` starts, from frame 0, at the tempos `pattern` gives
/// (`fallback` where it gives none), as an engine plays them.
pub fn frames_for_cycles(
    pattern: &Pattern,
    fallback: f64,
    sample_rate: i64,
    cycles: Rational,
) -> i64 {
    let mut tempo = Tempo::new(pattern.clone(), fallback);
    let mut clock = tempo.start(Clock::new(Rational::from_f64(fallback), sample_rate), 0);
    let mut k = 0;
    while Rational::int(k) < cycles {
        let frame = clock.frame_of(Rational::int(k));
        tempo.schedule(&mut clock, frame, 0);
        k += 1;
    }
    clock.frame_of(cycles)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pattern::{Value, pure, slowcat};

    fn two_tempos() -> Pattern {
        slowcat(vec![pure(Value::Num(0.5)), pure(Value::Num(2.0))])
    }

    #[test]
    fn each_cycle_lasts_as_long_as_its_tempo_says() {
        let mut tempo = Tempo::new(two_tempos(), 1.0);
        let mut clock = tempo.start(Clock::new(Rational::int(1), 48_000), 0);
        let mut starts = Vec::new();
        let mut first = 0;
        while first < 48_000 * 8 {
            tempo.schedule(&mut clock, first, 512);
            let (begin, end) = (
                clock.cycle_at(Rational::int(first) - Rational::new(1, 2)),
                clock.cycle_at(Rational::int(first + 512) - Rational::new(1, 2)),
            );
            let mut k = begin.ceil();
            while k < end {
                starts.push((k.num(), clock.frame_of(k)));
                k = k + Rational::int(1);
            }
            first += 512;
        }
        // 0.5 cps: 2 s = 96,000 frames; 2 cps: 24,000 frames; alternating.
        let want: Vec<(i64, i64)> = (0..6)
            .map(|k| (k, (k / 2) * 120_000 + (k % 2) * 96_000))
            .collect();
        assert_eq!(starts[..6], want[..]);
    }

    #[test]
    fn blocks_split_the_timeline_across_tempo_changes() {
        // Tempos whose cycles are no whole number of frames, and blocks that cross
        // several cycles at once.
        let tempos = slowcat(
            [0.37, 3.3, 7.9, 0.61]
                .iter()
                .map(|&v| pure(Value::Num(v)))
                .collect(),
        );
        for block in [64usize, 517, 8192] {
            let mut tempo = Tempo::new(tempos.clone(), 1.0);
            let mut clock = tempo.start(Clock::new(Rational::int(1), 44_100), 0);
            let mut first = 0;
            let mut previous_end = clock.cycle_at(Rational::new(-1, 2));
            while first < 44_100 * 20 {
                tempo.schedule(&mut clock, first, block);
                let begin = clock.cycle_at(Rational::int(first) - Rational::new(1, 2));
                let end = clock.cycle_at(Rational::int(first + block as i64) - Rational::new(1, 2));
                assert_eq!(begin, previous_end, "block {block} at {first}");
                assert!(end > begin);
                // Every cycle start in the block maps to a frame in the block.
                let mut k = begin.ceil();
                while k < end {
                    let f = clock.frame_of(k);
                    assert!((first..first + block as i64).contains(&f), "{k:?} at {f}");
                    k = k + Rational::int(1);
                }
                previous_end = end;
                first += block as i64;
            }
        }
    }
}
