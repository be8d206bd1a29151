//! Exact conversion between audio frames and cycles.
//!
//! Frame `f` starts at cycle `f · cps / sample_rate`, computed as a fraction. An event at cycle
//! position `t` plays from the frame nearest to it: `round(t · sample_rate / cps)`, halves
//! rounding up, so no event is more than half a frame early or late. A block of frames
//! `[f0, f0 + n)` therefore owns exactly the events with `t` in
//! `[(f0 - ½) · cps / sr, (f0 + n - ½) · cps / sr)`: consecutive blocks split the timeline
//! with nothing lost or played twice.
//!
//! A tempo that changes (a reload with another tempo, or a tempo pattern) makes the mapping
//! piecewise: each piece is exact, and pieces meet, so the blocks still split the timeline.

use crate::pattern::Hap;
use crate::pattern::source::PatternSource;
use crate::time::Rational;

/// Where a tempo holds from: frame `frame` is cycle `cycle`, and from there the clock runs
/// at `cps` cycles per second.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Segment {
    frame: Rational,
    cycle: Rational,
    cps: Rational,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Clock {
    pub sample_rate: i64,
    /// In time order: each holds until the next starts, the first also before it, the last
    /// for ever. One, unless the tempo is a pattern ([`crate::tempo`]); a live reload starts
    /// a new clock where the old one is.
    segments: Vec<Segment>,
}

impl Clock {
    pub fn new(cps: Rational, sample_rate: i64) -> Clock {
        Clock::from(Rational::ZERO, Rational::ZERO, cps, sample_rate)
    }

    fn from(frame: Rational, cycle: Rational, cps: Rational, sample_rate: i64) -> Clock {
        let mut segments = Vec::with_capacity(8);
        segments.push(Segment { frame, cycle, cps });
        Clock {
            sample_rate,
            segments,
        }
    }

    /// `previous` up to `frame`, then `cps` from there: the cycle position does not jump
    /// when a reloaded program changes the tempo.
    pub fn continuing(previous: &Clock, frame: i64, cps: Rational) -> Clock {
        let at = Rational::int(frame);
        Clock::from(at, previous.cycle_at(at), cps, previous.sample_rate)
    }

    /// `previous`'s sample rate, with cycle 0 at `frame` (`resetCycles`).
    pub fn restarting(previous: &Clock, frame: i64, cps: Rational) -> Clock {
        Clock::from(
            Rational::int(frame),
            Rational::ZERO,
            cps,
            previous.sample_rate,
        )
    }

    fn by_frame(&self, frame: Rational) -> &Segment {
        let later = self.segments[1..].iter().rev().find(|s| s.frame <= frame);
        later.unwrap_or(&self.segments[0])
    }

    fn by_cycle(&self, t: Rational) -> &Segment {
        let later = self.segments[1..].iter().rev().find(|s| s.cycle <= t);
        later.unwrap_or(&self.segments[0])
    }

    /// The tempo at frame `frame`.
    pub fn cps_at(&self, frame: i64) -> Rational {
        self.by_frame(Rational::int(frame)).cps
    }

    /// The cycle position where frame `frame` starts.
    pub fn cycle_at(&self, frame: Rational) -> Rational {
        let s = self.by_frame(frame);
        s.cycle + (frame - s.frame) * s.cps / Rational::int(self.sample_rate)
    }

    /// The frame an event at cycle position `t` starts on (nearest frame, halves up).
    pub fn frame_of(&self, t: Rational) -> i64 {
        let s = self.by_cycle(t);
        let exact = s.frame + (t - s.cycle) * Rational::int(self.sample_rate) / s.cps;
        (exact + Rational::new(1, 2)).floor().num()
    }

    /// The cycle where the last tempo starts.
    pub fn last_change(&self) -> Rational {
        self.segments[self.segments.len() - 1].cycle
    }

    /// From cycle `cycle` (later than the last change) on, `cps`. The frame it falls on is
    /// rounded to a whole frame and the last tempo adjusted to reach it there (by less than
    /// a frame over its span), so positions stay fractions of small terms however many
    /// changes follow. The caller changes the tempo ahead of the blocks that play it: the
    /// last tempo must not have been played yet (see [`crate::tempo::Tempo`]).
    pub fn change_at(&mut self, cycle: Rational, cps: Rational) {
        let rate = Rational::int(self.sample_rate);
        let last = self.segments.len() - 1;
        let s = self.segments[last];
        let frame = (s.frame + (cycle - s.cycle) * rate / s.cps + Rational::new(1, 2)).floor();
        if frame > s.frame {
            self.segments[last].cps = (cycle - s.cycle) * rate / (frame - s.frame);
        }
        self.segments.push(Segment {
            frame: frame.max(s.frame),
            cycle,
            cps,
        });
    }

    /// Forgets the tempos that ended before frame `frame`.
    pub fn forget_before(&mut self, frame: Rational) {
        let ended = self.segments[1..]
            .iter()
            .take_while(|s| s.frame <= frame)
            .count();
        if ended > 0 {
            self.segments.drain(..ended);
        }
    }

    /// The frame an event that starts at frame `start` stops at: the end of its whole (of
    /// its part, for a fragment without one), and at least one frame after it starts.
    pub fn end_frame(&self, h: &Hap, start: i64) -> i64 {
        self.frame_of(h.whole.map_or(h.part.end, |w| w.end))
            .max(start + 1)
    }

    /// The cycle span whose events start in the block of frames `[first, first + frames)`.
    pub fn block_span(&self, first: i64, frames: i64) -> (Rational, Rational) {
        let half = Rational::new(1, 2);
        (
            self.cycle_at(Rational::int(first) - half),
            self.cycle_at(Rational::int(first + frames) - half),
        )
    }
}

impl PatternSource {
    /// Queries the next cycle ahead of time once the block ending at `first + frames` is
    /// past fraction `at` (0..1) of its cycle (see [`PatternSource::prefetch`]).
    pub fn prefetch_in_block(&mut self, clock: &Clock, first: i64, frames: i64, at: f64) {
        let (_, end) = clock.block_span(first, frames);
        let cycle = end.floor();
        if (end - cycle).to_f64() >= at {
            self.prefetch(cycle.num() + 1);
        }
    }

    /// Calls `f(offset, event)` for every event that starts in the block of frames
    /// `[first, first + frames)`, with `offset` the frame within the block, in time order.
    pub fn for_each_onset_in_block(
        &mut self,
        clock: &Clock,
        first: i64,
        frames: i64,
        mut f: impl FnMut(i64, &Hap),
    ) {
        let (begin, end) = clock.block_span(first, frames);
        self.for_each_onset(begin, end, |h| {
            let start = h.whole.map_or(h.part.begin, |w| w.begin);
            f(clock.frame_of(start) - first, h)
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pattern::{Value, fastcat, pure, transform};

    fn clock() -> Clock {
        Clock::new(Rational::new(1, 2), 44_100)
    }

    #[test]
    fn frames_and_cycles_are_exact() {
        let c = clock();
        // At 0.5 cps one cycle is 2 s = 88,200 frames; a quarter cycle is frame 22,050.
        assert_eq!(c.frame_of(Rational::new(1, 4)), 22_050);
        assert_eq!(c.cycle_at(Rational::int(22_050)), Rational::new(1, 4));
        assert_eq!(c.frame_of(Rational::int(3)), 264_600);
        // 1/3 cycle = 29,400 frames exactly; 1/7 cycle = 12,600 frames exactly.
        assert_eq!(c.frame_of(Rational::new(1, 3)), 29_400);
        assert_eq!(c.frame_of(Rational::new(1, 7)), 12_600);
    }

    #[test]
    fn rounding_is_to_the_nearest_frame_halves_up() {
        let c = clock();
        let frame = |f: Rational| c.frame_of(c.cycle_at(f));
        assert_eq!(frame(Rational::new(49, 100)), 0);
        assert_eq!(frame(Rational::new(1, 2)), 1);
        assert_eq!(frame(Rational::new(151, 100)), 2);
        assert_eq!(frame(Rational::new(-1, 2)), 0);
        assert_eq!(frame(Rational::new(-51, 100)), -1);
    }

    #[test]
    fn blocks_partition_the_events_and_place_them_at_their_frames() {
        // 11 steps per cycle at 130 bpm-ish tempo and an odd sample rate: onsets rarely fall
        // on frame boundaries.
        let clock = Clock::new(Rational::new(13, 24), 48_000);
        let steps: Vec<_> = (0..11).map(|i| pure(Value::Num(i as f64))).collect();
        let pattern = transform::late(&fastcat(steps), Rational::new(1, 97));
        let mut source = PatternSource::new(pattern.clone());
        let mut placed = Vec::new();
        let block = 517;
        let mut first = 0;
        while first < 48_000 * 5 {
            source.for_each_onset_in_block(&clock, first, block, |offset, h| {
                assert!(
                    (0..block).contains(&offset),
                    "offset {offset} outside the block"
                );
                placed.push((first + offset, h.whole.unwrap().begin));
            });
            first += block;
        }
        // Every onset in the rendered span appears once, at the frame nearest to it.
        let (_, end) = clock.block_span(0, first);
        let expected: Vec<Rational> = pattern
            .query_span(clock.block_span(0, 0).0, end)
            .into_iter()
            .filter(|h| h.has_onset())
            .map(|h| h.whole.unwrap().begin)
            .collect();
        assert_eq!(placed.len(), expected.len());
        for ((frame, t), e) in placed.iter().zip(&expected) {
            assert_eq!(t, e);
            let exact = clock.cycle_at(Rational::int(*frame));
            let error = (exact - *t).to_f64().abs() * clock.sample_rate as f64
                / clock.cps_at(*frame).to_f64();
            assert!(
                error <= 0.5 + 1e-9,
                "event at {t:?} placed {error} frames away"
            );
        }
    }

    #[test]
    fn prefetching_changes_when_a_cycle_is_queried_not_what_it_holds() {
        let clock = Clock::new(Rational::new(13, 24), 48_000);
        let steps: Vec<_> = (0..7).map(|i| pure(Value::Num(i as f64))).collect();
        let pattern = transform::late(&fastcat(steps), Rational::new(1, 97));
        let collect = |at: Option<f64>| {
            let mut source = PatternSource::new(pattern.clone());
            let mut placed = Vec::new();
            let mut first = 0;
            while first < 48_000 * 6 {
                source.for_each_onset_in_block(&clock, first, 389, |offset, h| {
                    placed.push((first + offset, h.whole.unwrap().begin));
                });
                if let Some(at) = at {
                    source.prefetch_in_block(&clock, first, 389, at);
                }
                first += 389;
            }
            (placed, source.queries())
        };
        let (plain, plain_queries) = collect(None);
        for at in [0.1, 0.5, 0.93] {
            let (prefetched, queries) = collect(Some(at));
            assert_eq!(prefetched, plain);
            // Once per cycle either way (plus, at most, the cycle after the last block).
            assert!(
                queries == plain_queries || queries == plain_queries + 1,
                "{queries}"
            );
        }
    }
}
