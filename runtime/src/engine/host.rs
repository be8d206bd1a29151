//! Host inputs: the buffers the runtime fills from pattern events before any kernel runs.
//! A pattern used as a signal becomes a step function (its value), a trigger (1 on the frame
//! an event starts) or a gate (1 while an event sounds).

use crate::clock::Clock;
use crate::pattern::source::PatternSource;
use crate::pattern::{Hap, Pattern, Value};
use crate::time::Rational;

/// What a host input reads from its pattern.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Read {
    /// The event's value, held for the event's duration. `hold`: keep the last value where no
    /// event sounds (parameters, frequencies); otherwise 0 there (a pattern that gates a signal).
    /// `hz`: note names and `note`/`n` controls become frequencies.
    Value { hold: bool, hz: bool },
    /// 1 on the first frame of each event, 0 elsewhere.
    Trigger,
    /// 1 on the frames an event sounds, 0 elsewhere.
    Gate,
}

/// Tidal's note 0 (c5) is 261.63 Hz, as in SuperDirt.
const NOTE_ZERO_HZ: f64 = 261.625_565_300_598_6;

pub(crate) fn midi_to_hz(m: f64) -> f64 {
    440.0 * ((m - 69.0) / 12.0).exp2()
}

/// The number an event value stands for in a signal. Numbers are themselves. Note names are
/// Tidal's (`a5` = 440 Hz, `c5` middle C): in frequency position their pitch in Hz, elsewhere
/// their semitones from c5. A control map gives its
/// `freq`, else its `note` or `n` (semitones from c5 = 0, Tidal), else its first number.
pub fn value_to_number(v: &Value, hz: bool) -> Option<f64> {
    match v {
        Value::Num(x) => Some(*x),
        Value::Str(s) => {
            // A chord read as one value is its first note (voices play all of its notes).
            let midi = crate::pattern::ops::note_to_midi(s).or_else(|| {
                let chord = crate::pattern::chords::parse(s).ok()?;
                chord.notes().first().copied()
            })?;
            Some(if hz { midi_to_hz(midi) } else { midi - 60.0 })
        }
        Value::List(items) => items.first().and_then(|x| value_to_number(x, hz)),
        Value::Map(m) => {
            if hz {
                if let Some(f) = m.get("freq").and_then(|v| value_to_number(v, false)) {
                    return Some(f);
                }
                for key in ["note", "n"] {
                    if let Some(n) = m.get(key).and_then(|v| value_to_number(v, false)) {
                        return Some(NOTE_ZERO_HZ * (n / 12.0).exp2());
                    }
                }
                // A plain value that controls were added to (`"c4 e4" # legato 2`).
                m.get("value").and_then(|v| value_to_number(v, true))
            } else {
                m.iter().find_map(|(_, v)| value_to_number(v, false))
            }
        }
    }
}

/// How a pattern is read as a signal.
enum Sampling {
    /// Events with onsets: exact frames, from the per-cycle cache.
    Events(PatternSource),
    /// A continuous pattern (`sine`, `range 1 5 saw`): sampled every `CONTROL_PERIOD` frames
    /// at the start of each period, as Strudel samples signals at the start of a query.
    Continuous(Pattern),
}

/// Frames between two samples of a continuous pattern.
pub const CONTROL_PERIOD: i64 = 16;

/// One pattern and the buffers it fills.
pub struct HostSource {
    sampling: Sampling,
    reads: Vec<(Read, usize)>,
    /// Whether values are read as frequencies (note names and `note` become Hz).
    hz: bool,
    /// The value of the event sounding (or last sounded) and the absolute frame it stops at.
    current: f32,
    until: i64,
    /// This block's events: (start, end, value) in absolute frames, in start order.
    events: Vec<(i64, i64, f32)>,
}

impl HostSource {
    /// `reads` pairs each read with the buffer it fills.
    pub fn new(pattern: Pattern, reads: Vec<(Read, usize)>) -> HostSource {
        let sampling = if is_continuous(&pattern) {
            Sampling::Continuous(pattern)
        } else {
            Sampling::Events(PatternSource::new(pattern))
        };
        let hz = reads
            .iter()
            .any(|(r, _)| matches!(r, Read::Value { hz: true, .. }));
        HostSource {
            sampling,
            reads,
            hz,
            current: 0.0,
            until: i64::MIN,
            events: Vec::with_capacity(64),
        }
    }

    /// The pattern's per-cycle cache, if it is read by events (for its refused cycles).
    pub fn source(&self) -> Option<&PatternSource> {
        match &self.sampling {
            Sampling::Events(s) => Some(s),
            Sampling::Continuous(_) => None,
        }
    }

    /// Starts mid-stream at `frame` (a reload): the event sounding there, if any, becomes
    /// the current value, as if its onset had been seen.
    pub fn prime(&mut self, clock: &Clock, frame: i64) {
        let Sampling::Events(source) = &self.sampling else {
            return;
        };
        let at = clock.cycle_at(Rational::int(frame));
        let haps = crate::pattern::budget::run(|| {
            source
                .pattern()
                .query_span(at, at + Rational::new(1, 1 << 20))
        })
        .unwrap_or_default();
        if let Some(h) = haps.iter().rfind(|h| h.has_onset() || h.whole.is_some())
            && let Some(v) = value_to_number(&h.value, self.hz)
        {
            self.current = v as f32;
            self.until = clock.end_frame(h, frame);
        }
    }

    /// Fills this source's buffers for the block of `frames` frames starting at absolute frame
    /// `first`. Returns the number of events that start in the block.
    pub fn fill(
        &mut self,
        clock: &Clock,
        first: i64,
        frames: usize,
        buffers: &mut [Vec<f32>],
    ) -> usize {
        let hz = self.hz;
        match &mut self.sampling {
            Sampling::Events(source) => {
                let events = &mut self.events;
                events.clear();
                source.for_each_onset_in_block(clock, first, frames as i64, |offset, h: &Hap| {
                    let start = first + offset;
                    let end_frame = clock.end_frame(h, start);
                    // A value that is not a number leaves the signal where it was.
                    if let Some(v) = value_to_number(&h.value, hz) {
                        events.push((start, end_frame, v as f32));
                    }
                });
                let mut state = (self.current, self.until);
                fill_from_events(events, first, frames, &mut state, &self.reads, buffers);
                (self.current, self.until) = state;
                events.len()
            }
            Sampling::Continuous(pattern) => {
                let mut f = 0;
                while f < frames {
                    let n = (CONTROL_PERIOD as usize).min(frames - f);
                    let at = clock.cycle_at(Rational::int(first + f as i64));
                    let value = pattern
                        .query_span(at, at + Rational::new(1, 1 << 20))
                        .first()
                        .and_then(|h| value_to_number(&h.value, hz));
                    if let Some(v) = value {
                        self.current = v as f32;
                    }
                    for &(read, buffer) in &self.reads {
                        let v = match read {
                            Read::Value { .. } => self.current,
                            Read::Gate => value.map_or(0.0, |_| 1.0),
                            Read::Trigger => 0.0,
                        };
                        buffers[buffer][f..f + n].fill(v);
                    }
                    f += n;
                }
                0
            }
        }
    }
}

/// Fills `reads` for a block from one voice's events `(start, end, value)` (absolute frames,
/// in start order). `state` is the (value, end frame) of the event sounding before the block,
/// updated to the block's end.
pub(crate) fn fill_from_events(
    events: &[(i64, i64, f32)],
    first: i64,
    frames: usize,
    state: &mut (f32, i64),
    reads: &[(Read, usize)],
    buffers: &mut [Vec<f32>],
) {
    for &(read, buffer) in reads {
        let out = &mut buffers[buffer][..frames];
        match read {
            Read::Trigger => {
                out.fill(0.0);
                for &(start, _, _) in events.iter() {
                    out[(start - first) as usize] = 1.0;
                }
            }
            Read::Gate => {
                out.fill(0.0);
                let mut mark = |from: i64, to: i64| {
                    // `until` starts at i64::MIN (nothing sounding yet).
                    let a = from.saturating_sub(first).max(0) as usize;
                    let b = to.saturating_sub(first).clamp(0, frames as i64) as usize;
                    if a < b {
                        out[a..b].fill(1.0);
                    }
                };
                mark(first, state.1);
                for &(start, end, _) in events.iter() {
                    mark(start, end);
                }
            }
            Read::Value { hold, .. } => {
                walk(events, first, frames, *state, |a, b, v, on| {
                    out[a..b].fill(if on || hold { v } else { 0.0 });
                });
            }
        }
    }
    *state = walk(events, first, frames, *state, |_, _, _, _| {});
}

/// Walks a block as segments of constant value: calls `segment(from, to, value, sounding)`
/// with offsets into the block, and returns the (value, end) state at the block's end. An
/// event takes over from the frame it starts; of simultaneous events (a chord) the first wins.
fn walk(
    events: &[(i64, i64, f32)],
    first: i64,
    frames: usize,
    (mut value, mut until): (f32, i64),
    mut segment: impl FnMut(usize, usize, f32, bool),
) -> (f32, i64) {
    let last = first + frames as i64;
    let mut frame = first;
    let mut next = 0;
    while frame < last {
        let mut started_at = None;
        while next < events.len() && events[next].0 <= frame {
            if started_at != Some(events[next].0) {
                started_at = Some(events[next].0);
                value = events[next].2;
                until = events[next].1;
            }
            next += 1;
        }
        let change = events.get(next).map_or(last, |e| e.0).min(last);
        let sounding_to = until.clamp(frame, change);
        let (a, b, c) = (
            (frame - first) as usize,
            (sounding_to - first) as usize,
            (change - first) as usize,
        );
        if a < b {
            segment(a, b, value, true);
        }
        if b < c {
            segment(b, c, value, false);
        }
        frame = change;
    }
    (value, until)
}

/// A pattern whose first cycle has events without onsets everywhere is continuous.
pub fn is_continuous(pattern: &Pattern) -> bool {
    let haps = pattern.query_span(Rational::ZERO, Rational::ONE);
    !haps.is_empty() && haps.iter().all(|h| h.whole.is_none())
}
