//! Pattern-played instruments: a note pattern played by a fixed set of synth voices. Each
//! event (each note of a chord) is given a voice of its own, which it keeps until its
//! envelope has ended (a `legato` control stretches the note); every voice has its own
//! frequency, trigger and gate buffers, read by its copy of the instrument's nodes. When every voice is busy the one that started first
//! is taken over (counted as stolen).

use super::host::{Read, fill_from_events, midi_to_hz, value_to_number};
use crate::clock::Clock;
use crate::pattern::source::PatternSource;
use crate::pattern::{Hap, Pattern, Value};

/// What the compiler hands over for one pattern-played instrument.
pub struct PolySpec {
    pub pattern: Pattern,
    pub voices: usize,
    /// Seconds a voice stays busy after its event ends (the envelope's release).
    pub release: f64,
    /// For envelopes that ignore the event's end (`ad`): seconds from its start.
    pub from_start: Option<f64>,
    /// (voice, read, buffer).
    pub reads: Vec<(usize, Read, usize)>,
    /// Where the pattern is written (`line:col`), for reports.
    pub origin: String,
}

/// Notes one voice can be handed in a block before further ones are dropped.
const EVENTS_PER_BLOCK: usize = 64;

struct PolyVoice {
    reads: Vec<(Read, usize)>,
    state: (f32, i64),
    events: Vec<(i64, i64, f32)>,
    busy_until: i64,
    started: i64,
}

pub struct PolySource {
    source: PatternSource,
    voices: Vec<PolyVoice>,
    release: i64,
    from_start: Option<i64>,
    pub started: u64,
    pub stolen: u64,
}

/// The frequencies an event plays: one, or each note of a chord (`c5'maj7`, `note "e'min"`).
fn for_each_frequency(v: &Value, mut f: impl FnMut(f64)) {
    use crate::pattern::chords;
    let chord = match v {
        Value::Str(s) => chords::parse(s).ok(),
        Value::Map(m) => ["note", "n", "value"].iter().find_map(|k| match m.get(k) {
            Some(Value::Str(s)) => chords::parse(s).ok(),
            _ => None,
        }),
        _ => None,
    };
    match chord {
        Some(chord) => {
            for &m in chord.notes() {
                f(midi_to_hz(m));
            }
        }
        None => {
            if let Some(hz) = value_to_number(v, true) {
                f(hz)
            }
        }
    }
}

impl PolySource {
    pub fn new(spec: PolySpec, sample_rate: u32) -> PolySource {
        let voices = (0..spec.voices)
            .map(|v| PolyVoice {
                reads: spec
                    .reads
                    .iter()
                    .filter(|r| r.0 == v)
                    .map(|&(_, read, buffer)| (read, buffer))
                    .collect(),
                state: (0.0, i64::MIN),
                events: Vec::with_capacity(EVENTS_PER_BLOCK),
                busy_until: i64::MIN,
                started: i64::MIN,
            })
            .collect();
        let frames = |s: f64| (s.max(0.0) * sample_rate as f64).ceil() as i64;
        PolySource {
            source: PatternSource::new(spec.pattern),
            voices,
            release: frames(spec.release),
            from_start: spec.from_start.map(frames),
            started: 0,
            stolen: 0,
        }
    }

    /// Takes over the notes `old`'s voices are playing (a reload of the same instrument):
    /// each voice keeps its frequency, gate and busy time.
    pub fn adopt(&mut self, old: &PolySource) {
        if self.voices.len() != old.voices.len() {
            return;
        }
        for (v, o) in self.voices.iter_mut().zip(&old.voices) {
            v.state = o.state;
            v.busy_until = o.busy_until;
            v.started = o.started;
        }
    }

    /// Voices whose envelope has not ended at `frame`.
    /// The pattern's per-cycle cache (for its refused cycles).
    pub fn source(&self) -> &PatternSource {
        &self.source
    }

    pub fn sounding(&self, frame: i64) -> usize {
        self.voices.iter().filter(|v| v.busy_until > frame).count()
    }

    /// Hands this block's notes to voices and fills every voice's buffers. Returns the number
    /// of events that start in the block.
    pub fn fill(
        &mut self,
        clock: &Clock,
        first: i64,
        frames: usize,
        buffers: &mut [Vec<f32>],
    ) -> usize {
        for v in &mut self.voices {
            v.events.clear();
        }
        let (voices, release, from_start) = (&mut self.voices, self.release, self.from_start);
        let (mut started, mut stolen, mut events) = (0, 0, 0);
        self.source
            .for_each_onset_in_block(clock, first, frames as i64, |offset, h: &Hap| {
                events += 1;
                let start = first + offset;
                let mut end = clock.end_frame(h, start);
                // `legato` holds the note for that many times its duration (Tidal).
                if let Value::Map(m) = &h.value
                    && let Some(Value::Num(l)) = m.get("legato")
                    && *l > 0.0
                {
                    end = start + (((end - start) as f64) * l).round().max(1.0) as i64;
                }
                let busy = match from_start {
                    Some(d) => start + d,
                    None => end + release,
                };
                for_each_frequency(&h.value, |hz| {
                    // The voice free for longest, else the one that started first.
                    let free = voices
                        .iter()
                        .enumerate()
                        .filter(|(_, v)| v.busy_until <= start)
                        .min_by_key(|(_, v)| v.busy_until)
                        .map(|(i, _)| i);
                    let i = free.unwrap_or_else(|| {
                        stolen += 1;
                        voices
                            .iter()
                            .enumerate()
                            .min_by_key(|(_, v)| v.started)
                            .map_or(0, |(i, _)| i)
                    });
                    let Some(v) = voices.get_mut(i) else { return };
                    if v.events.len() < v.events.capacity() {
                        v.events.push((start, end, hz as f32));
                        v.busy_until = busy;
                        v.started = start;
                        started += 1;
                    }
                });
            });
        self.started += started;
        self.stolen += stolen;
        for v in &mut self.voices {
            fill_from_events(&v.events, first, frames, &mut v.state, &v.reads, buffers);
        }
        events
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pattern::{fastcat, pure};
    use crate::time::Rational;

    fn chord_source(voices: usize, release: f64) -> (PolySource, Vec<Vec<f32>>) {
        // Two chords a cycle: c5'maj then a4'min (half a cycle each).
        let p = fastcat(vec![
            pure(Value::Str("c5'maj".into())),
            pure(Value::Str("a4'min".into())),
        ]);
        let reads = (0..voices)
            .flat_map(|v| {
                [
                    (
                        v,
                        Read::Value {
                            hold: true,
                            hz: true,
                        },
                        3 * v,
                    ),
                    (v, Read::Trigger, 3 * v + 1),
                    (v, Read::Gate, 3 * v + 2),
                ]
            })
            .collect();
        let spec = PolySpec {
            pattern: p,
            voices,
            release,
            from_start: None,
            reads,
            origin: "1:1".into(),
        };
        (PolySource::new(spec, 100), vec![vec![0.0; 100]; 3 * voices])
    }

    #[test]
    fn each_note_of_a_chord_gets_a_voice() {
        // 1 cycle per second at 100 frames per second: chords at frames 0 and 50.
        let clock = Clock::new(Rational::int(1), 100);
        let (mut poly, mut buffers) = chord_source(8, 0.2);
        poly.fill(&clock, 0, 100, &mut buffers);
        let hz = |m: f64| (440.0 * ((m - 69.0) / 12.0).exp2()) as f32;
        // The first chord on voices 0..3, the second (voices 0..3 still releasing) on 3..6.
        let first: Vec<f32> = (0..3).map(|v| buffers[3 * v][10]).collect();
        assert_eq!(first, vec![hz(60.0), hz(64.0), hz(67.0)]);
        let second: Vec<f32> = (3..6).map(|v| buffers[3 * v][60]).collect();
        assert_eq!(second, vec![hz(57.0), hz(60.0), hz(64.0)]);
        for v in 0..3 {
            assert_eq!(buffers[3 * v + 1][0], 1.0, "trigger of voice {v}");
            assert_eq!(buffers[3 * v + 2][49], 1.0);
            assert_eq!(
                buffers[3 * v + 2][50],
                0.0,
                "gate of voice {v} ends with its event"
            );
        }
        assert_eq!(buffers[3 * 3 + 1][50], 1.0);
        assert_eq!(poly.stolen, 0);
        assert_eq!(poly.sounding(60), 6);
        assert_eq!(poly.sounding(75), 3);
    }

    #[test]
    fn beyond_its_voices_the_oldest_is_taken_over() {
        let clock = Clock::new(Rational::int(1), 100);
        let (mut poly, mut buffers) = chord_source(4, 0.2);
        poly.fill(&clock, 0, 100, &mut buffers);
        // Three notes at 0, three at 50 with four voices: two of the first chord's voices
        // are taken over while they release.
        assert_eq!(poly.stolen, 2);
        assert_eq!(poly.started, 6);
    }
}
