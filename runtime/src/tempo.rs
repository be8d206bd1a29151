//! A tempo that is a pattern (`cps: "<0.5 0.6>"`): each cycle plays at the tempo the pattern
//! holds where the cycle starts. The clock is told each cycle's tempo two cycles ahead of
//! the blocks that play it ([`Clock::change_at`]), so the frames of event ends in the next
//! cycle are known, and each tempo is fixed before it is played.
//!
//! The same schedule follows an outside clock: a MIDI clock's tempo read per cycle, or a
//! [`Timeline`] (Ableton Link) that says where cycle boundaries fall, asked per step (a beat)
//! two steps ahead for the tempo that lands the step's end where the timeline has it.

use crate::clock::Clock;
use crate::pattern::Pattern;
use crate::time::Rational;

/// The tempos a pattern may give, in cycles per second: a cycle from 10 ms to 100 s.
pub const MIN_CPS: f64 = 0.01;
pub const MAX_CPS: f64 = 100.0;

/// Steps scheduled past the one a block ends in (the tempo of a step is fixed before a
/// block plays any of it).
const AHEAD: i64 = 2;

/// An outside clock that places the cycles in time (Ableton Link's session): what tempo
/// takes the cycle clock from one point to another so that it gets there when the outside
/// clock does. Called on the render thread: it must not block or allocate.
pub trait Timeline: Send + Sync {
    /// The tempo (cycles per second) that brings the clock from cycle `from`, played at
    /// frame `frame`, to cycle `to` where the outside clock has `to`; `None` while it cannot
    /// say (the last tempo holds).
    fn cps_between(&self, from: Rational, frame: i64, to: Rational) -> Option<f64>;
}

/// Where the tempos come from.
enum Source {
    Pattern(Pattern),
    /// Read when a cycle is scheduled (a MIDI clock coming in): `None` holds the last.
    External(fn() -> Option<f64>),
    Timeline(std::sync::Arc<dyn Timeline>),
}

pub struct Tempo {
    source: Source,
    /// The tempo changes this often, in cycles: 1, or a beat when following a timeline.
    step: Rational,
    /// The start of the first step whose tempo the clock has not been told.
    next: Rational,
    /// The tempo of the last step told (held where the pattern has no event).
    last: f64,
}

impl Tempo {
    pub fn new(pattern: Pattern, fallback: f64) -> Tempo {
        Tempo {
            source: Source::Pattern(pattern),
            step: Rational::ONE,
            next: Rational::ZERO,
            last: fallback,
        }
    }

    /// Tempos read from `read` as each cycle is scheduled (two cycles ahead of the blocks
    /// that play it), `fallback` until it gives one.
    pub fn following(read: fn() -> Option<f64>, fallback: f64) -> Tempo {
        Tempo {
            source: Source::External(read),
            step: Rational::ONE,
            next: Rational::ZERO,
            last: fallback,
        }
    }

    /// Tempos from `timeline`, one per `step` of a cycle (scheduled two steps ahead of the
    /// blocks that play them), `fallback` until it gives one.
    pub fn timeline(
        timeline: std::sync::Arc<dyn Timeline>,
        step: Rational,
        fallback: f64,
    ) -> Tempo {
        Tempo {
            source: Source::Timeline(timeline),
            step,
            next: Rational::ZERO,
            last: fallback,
        }
    }

    /// The tempo of the step from `from` (played at `frame`) to the next step's start.
    fn of_step(&self, from: Rational, frame: i64) -> Option<f64> {
        let v = match &self.source {
            // Steps of patterns and MIDI clocks are whole cycles.
            Source::Pattern(p) => return Tempo::at(p, from.floor().num()),
            Source::External(read) => read(),
            Source::Timeline(t) => t.cps_between(from, frame, self.floor(from) + self.step),
        };
        v.filter(|v| v.is_finite() && *v > 0.0)
            .map(|v| v.clamp(MIN_CPS, MAX_CPS))
    }

    /// The start of the step `cycle` falls in.
    fn floor(&self, cycle: Rational) -> Rational {
        (cycle / self.step).floor() * self.step
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
        if let Some(v) = self.of_step(cycle, frame) {
            self.last = v;
        }
        let mut clock = Clock::continuing(&clock, frame, Rational::from_f64(self.last));
        self.next = self.floor(cycle) + self.step;
        self.schedule(&mut clock, frame, 0);
        clock
    }

    /// Before the block of `frames` frames from `first`: every cycle up to two past the one
    /// it ends in has its tempo, and tempos that ended are forgotten.
    pub fn schedule(&mut self, clock: &mut Clock, first: i64, frames: usize) {
        let half = Rational::new(1, 2);
        clock.forget_before(Rational::int(first) - half);
        let end = Rational::int(first + frames as i64) - half;
        let ahead = self.step * Rational::int(AHEAD);
        while self.next <= self.floor(clock.cycle_at(end)) + ahead {
            let frame = clock.frame_of(self.next);
            if let Some(v) = self.of_step(self.next, frame) {
                self.last = v;
            }
            clock.change_at(self.next, Rational::from_f64(self.last));
            self.next = self.next + self.step;
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

    /// An outside clock whose cycle `c` is at frame `offset + c * period`.
    struct Steady {
        offset: f64,
        period: f64,
    }

    impl Timeline for Steady {
        fn cps_between(&self, from: Rational, frame: i64, to: Rational) -> Option<f64> {
            let at = self.offset + to.to_f64() * self.period;
            Some((to - from).to_f64() / ((at - frame as f64) / 48_000.0))
        }
    }

    #[test]
    fn a_timeline_brings_the_steps_where_it_places_them() {
        // At 1 cps from frame 0; the outside clock has 0.5 cps, its cycle 0 at frame 30,000.
        let outside = Steady {
            offset: 30_000.0,
            period: 96_000.0,
        };
        let quarter = Rational::new(1, 4);
        let mut tempo = Tempo::timeline(std::sync::Arc::new(outside), quarter, 1.0);
        let mut clock = tempo.start(Clock::new(Rational::int(1), 48_000), 0);
        let mut first = 0;
        while first < 48_000 * 10 {
            tempo.schedule(&mut clock, first, 512);
            first += 512;
        }
        // Every quarter from the third on lands on the outside clock's frame.
        for q in 3..30 {
            let k = Rational::new(q, 4);
            let want = 30_000.0 + k.to_f64() * 96_000.0;
            assert!((clock.frame_of(k) as f64 - want).abs() <= 1.0, "{k:?}");
        }
    }
}
