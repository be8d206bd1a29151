//! Voice banks: the sample player. Each `s` pattern of a program owns one bank, which turns
//! the pattern's events into voices (with their per-event parameters) and mixes all its
//! voices into a stereo pair of buffers every block with the JIT voice kernels.
//!
//! Voices are preallocated: a bank never holds more than its cap, and beyond it the oldest
//! voice is stolen (counted). Nothing here allocates per block once the bank is built.

use super::fx_lanes::{self, LaneVoice};
use super::inbox::Inbox;
use super::lines::{LinePool, LineUse};
use super::orbits::{OrbitSends, PARAMS};
use super::spectral::Spectral;
use super::synths::{MIDDLE_C, SynthKind, SynthParams, SynthVoice};
use super::voice_fx::{LaneFx, VoiceFx, turns_on_an_effect};
use super::voice_kernel::{VoiceKernels, VoiceKind, VoiceQuad};
use crate::clock::Clock;
use crate::pattern::source::PatternSource;
use crate::pattern::value::{Controls, key_bit};
use crate::pattern::{Hap, Pattern, Value};
use crate::samples::Sample;
use std::collections::HashMap;
use std::sync::Arc;

/// The sounds a bank can play: name → its samples (`name:i` wraps modulo their count).
pub type SoundTable = HashMap<String, Vec<Arc<Sample>>>;

/// What the compiler hands over for one bank.
pub struct BankSpec {
    /// Stable identity (the bank's node id): sounding voices move to the bank with the same
    /// id when a program is reloaded.
    pub id: u64,
    pub pattern: Pattern,
    pub sounds: SoundTable,
    pub left: usize,
    pub right: usize,
    /// Where the pattern is written (`line:col`), for reports.
    pub origin: String,
    /// Whether its events may send to the program's orbits (`room`, `delay`, orbit
    /// parameters): only then does the bank keep send buffers.
    pub sends: bool,
    /// Whether its strings name synths (`superpiano`, `sine`, ...): only then does the bank
    /// keep synth voices.
    pub synths: bool,
    /// Which effects with lines (`phaserrate`, `squiz`, `comb`) its events may have: the
    /// bank keeps lines (and `comb`'s FFTs) for those only.
    pub lines: LineUse,
}

/// Synth voices a bank may hold at once; past it the oldest synth voice is stolen.
pub const SYNTH_VOICE_CAP: usize = 256;

/// Voices a bank may hold before it steals; enough for `examples/stress_extreme.ph`, whose
/// busiest output (a long cymbal, 1024 starts per second) holds about 1100 at once.
pub const DEFAULT_VOICE_CAP: usize = 2048;

/// Shortest fade when a voice is cut before its end (choke, legato, `end`): 1 ms of a click
/// is audible, a linear fade over 2 ms is not.
const DECLICK_SECONDS: f64 = 0.002;

/// An envelope slope that reaches 1 within a frame: no fade.
const INSTANT: f32 = 1.0e30;

#[derive(Clone)]
struct Voice {
    sample: Arc<Sample>,
    /// Absolute frames: the first frame it sounds and the frame it has stopped by.
    start: i64,
    stop: i64,
    /// Sample position at `start`, and frames of sample per output frame.
    pos0: f64,
    rate: f64,
    /// `accelerate`: the rate glides to `rate_end` over `glide` frames from the start (0:
    /// no glide); a gliding voice is mixed on its own, its rate set every 64 frames.
    rate_end: f32,
    glide: f32,
    gain_l: f32,
    gain_r: f32,
    attack_inv: f32,
    /// The frame the envelope's release ends at (`stop`, or later when `stop` is the
    /// sample's end before a longer release), and its frames per unit of level.
    release_end: i64,
    release_inv: f32,
    cut: i32,
    kind: VoiceKind,
    /// Its per-event effects (`cutoff`, `shape`, ...) in the bank's [`FxSlab`], or
    /// [`NO_FX`]; a voice with effects is mixed on its own.
    fx: u32,
    /// Its synth in the bank's synth slots, or [`NO_SYNTH`] for a sample voice.
    synth: u32,
    /// The orbit (index among the program's) it sends to, or [`NO_SEND`]; a voice that
    /// sends is mixed on its own.
    orbit: u8,
    /// Its `room` and `delay` send levels.
    room: f32,
    delay: f32,
    /// Its `leslie` share 0..1: that much of it goes to the orbit's leslie instead of its
    /// output (a voice with one is mixed on its own).
    leslie: f32,
}

/// See [`Starter::common`].
struct EventCommon {
    gain: [f32; 2],
    cut: i32,
    fx: VoiceFx,
    orbit: u8,
    /// `room`, `delay`, `leslie`.
    sends: [f32; 3],
}

impl Voice {
    /// Its envelope's level at block frame `t` of the block starting at `first`: the voice
    /// kernels' (a linear attack from its start, a linear release to `release_end`).
    fn envelope_at(&self, first: i64, t: usize) -> f32 {
        let attack_from = (self.start - first - 1) as f32;
        let release_to = (self.release_end - first).clamp(-(1 << 24), 1 << 24) as f32;
        let tf = t as f32;
        let a = (tf - attack_from) * self.attack_inv;
        let r = (release_to - tf) * self.release_inv;
        let e = if a < r { a } else { r };
        let e = if e < 1.0 { e } else { 1.0 };
        if 0.0 < e { e } else { 0.0 }
    }

    /// Whether the lane mixer may take it, effects aside: a sample voice that neither
    /// glides nor feeds a leslie.
    fn fits_lanes(&self) -> bool {
        self.synth == NO_SYNTH && self.glide == 0.0 && self.leslie == 0.0
    }

    /// A voice of an event playing `sample` (at its own rate) from `start` to `stop`, with
    /// its envelope's `(attack_inv, release_end, release_inv)`.
    fn new(
        c: &EventCommon,
        sample: Arc<Sample>,
        kind: VoiceKind,
        start: i64,
        stop: i64,
        envelope: (f32, i64, f32),
    ) -> Voice {
        let (attack_inv, release_end, release_inv) = envelope;
        let [room, delay, leslie] = c.sends;
        Voice {
            sample,
            start,
            stop,
            pos0: 0.0,
            rate: 1.0,
            rate_end: 1.0,
            glide: 0.0,
            gain_l: c.gain[0],
            gain_r: c.gain[1],
            attack_inv,
            release_end,
            release_inv,
            cut: c.cut,
            kind,
            fx: NO_FX,
            synth: NO_SYNTH,
            orbit: c.orbit,
            room,
            delay,
            leslie,
        }
    }

    /// The position to read from at block frame 0 and the rate, for reading the block's
    /// frames `from..to` (relative to the block starting at `first`): exact at `from`,
    /// the glide's rate at the middle of the piece.
    fn read_at(&self, first: i64, from: i64, to: i64) -> (f64, f64) {
        if self.glide == 0.0 {
            return (
                self.pos0 + self.rate * (first - self.start) as f64,
                self.rate,
            );
        }
        let (r0, r1, span) = (self.rate, self.rate_end as f64, self.glide as f64);
        // Position after t frames of a rate gliding linearly from r0 to r1 over `span`
        // frames, then holding r1.
        let position = |t: f64| {
            let t = t.max(0.0);
            let g = t.min(span);
            self.pos0 + r0 * g + (r1 - r0) * g * g / (2.0 * span) + r1 * (t - g)
        };
        let rate_at = |t: f64| r0 + (r1 - r0) * (t.max(0.0) / span).min(1.0);
        let t0 = (first + from - self.start) as f64;
        let rate = rate_at(t0 + (to - from) as f64 * 0.5);
        (position(t0) - rate * from as f64, rate)
    }
}

/// A voice without per-event effects.
const NO_FX: u32 = u32::MAX;

/// A sample voice.
const NO_SYNTH: u32 = u32::MAX;

/// A voice that sends to no orbit.
const NO_SEND: u8 = u8::MAX;

/// The effect states of a bank's voices, out of line so that the plain voices the kernels
/// mix stay small. Reserved for the bank's cap at its first use; slots are reused.
///
/// A voice the lane mixer takes (see [`VoiceBank::takes_lanes`]) keeps its effects in
/// `lanes`, a dense array the mixer reads and writes every block; any other voice keeps its
/// whole [`VoiceFx`] (a few kilobytes) in `states`. Each slot's `ready` says which holds it.
#[derive(Default)]
struct FxSlab {
    states: Vec<VoiceFx>,
    lanes: Vec<LaneFx>,
    /// Per slot, whether its voice goes through the lane mixer: its effects are in `lanes`,
    /// else in `states`.
    ready: Vec<bool>,
    free: Vec<u32>,
}

impl FxSlab {
    /// A free slot (a new one past the last).
    fn take_slot(&mut self, cap: usize) -> usize {
        if let Some(i) = self.free.pop() {
            return i as usize;
        }
        if self.states.capacity() == 0 {
            self.states.reserve_exact(cap);
            self.lanes.reserve_exact(cap);
            self.ready.reserve_exact(cap);
            self.free.reserve_exact(cap);
        }
        self.states.push(VoiceFx::none());
        self.lanes.push(LaneFx::default());
        self.ready.push(false);
        self.states.len() - 1
    }

    /// A slot for the effects of a voice the lane mixer takes.
    fn insert_lane_part(&mut self, lane: LaneFx, cap: usize) -> u32 {
        let i = self.take_slot(cap);
        self.ready[i] = true;
        self.lanes[i] = lane;
        i as u32
    }

    /// A slot for effects `fx` of a voice that the lane mixer may take (`lanes`: a sample
    /// voice that neither glides nor feeds a leslie) when its effects allow it.
    fn insert(&mut self, fx: VoiceFx, lanes: bool, cap: usize) -> u32 {
        if lanes && fx.lane_ready() {
            return self.insert_lane_part(fx.lane_part(), cap);
        }
        let i = self.take_slot(cap);
        self.ready[i] = false;
        self.states[i] = fx;
        i as u32
    }

    /// The line slot of slot `i`'s effects (none for the lane mixer's).
    fn line(&self, i: u32) -> u32 {
        if self.ready[i as usize] {
            u32::MAX
        } else {
            self.states[i as usize].line
        }
    }

    fn clear(&mut self) {
        self.states.clear();
        self.lanes.clear();
        self.ready.clear();
        self.free.clear();
    }

    fn release(&mut self, i: u32) {
        if i != NO_FX {
            self.free.push(i);
        }
    }
}

/// Counters a bank keeps for `phonon bench`.
#[derive(Clone, Copy, Debug, Default)]
pub struct BankCounters {
    pub started: u64,
    pub stolen: u64,
    /// Events naming a sound the program did not load (a computed name).
    pub missing: u64,
    /// Events naming an orbit the program does not have (a computed number): they play
    /// without their sends.
    pub orbit_missing: u64,
    /// Events to hand on that found the ring full (the receiver fell behind): dropped.
    pub unsent: u64,
}

pub struct VoiceBank {
    pub id: u64,
    source: PatternSource,
    sounds: SoundTable,
    voices: Vec<Voice>,
    cap: usize,
    left: *mut f32,
    right: *mut f32,
    /// Per kind, the voices mixed this block (capacity `cap`, reused).
    groups: Vec<Vec<usize>>,
    /// The voices with effects or sends sounding this block (capacity `cap`, reused).
    with_fx: Vec<usize>,
    /// Of those, the ones the lane mixer takes, mono first (capacity `cap`, reused).
    in_lanes: Vec<usize>,
    /// One group of them as the lane mixer takes it (capacity `LANES`, reused), and the
    /// mixer's working arrays.
    lanes: Vec<LaneVoice>,
    lane_scratch: Box<fx_lanes::Scratch>,
    fx: FxSlab,
    /// The synth voices' states (reserved for [`SYNTH_VOICE_CAP`] when the bank may play
    /// synths) and their free slots.
    synths: Vec<SynthVoice>,
    free_synths: Vec<u32>,
    /// The lines of the voices' phasers, `squiz` and `comb`, and `comb`'s transforms.
    lines: LinePool,
    spectral: Option<Box<Spectral>>,
    /// One voice's frames before its effects, left and right, and its envelope's levels
    /// (grown to the block once).
    scratch: [Vec<f32>; 3],
    silent: Arc<Sample>,
    /// The program's orbit numbers, and what this block's events send to each (empty when
    /// the bank never sends).
    orbit_numbers: Arc<[u32]>,
    sends: Vec<OrbitSends>,
    pub counters: BankCounters,
    /// Where the events go instead of starting voices (`phonon live --osc-out`: another
    /// sampler plays them), with the name they go under; voices already sounding ring on.
    /// A ring, so handing one on never allocates or waits.
    tap: Option<(rtrb::Producer<SentEvent>, Arc<str>)>,
    /// Events from outside (`phonon serve`), played as well as the pattern's.
    inbox: Option<Box<Inbox>>,
    /// Where the events of the sound `midi` go (`phonon live --midi-out`), with the name
    /// they go under; without it they are counted missing.
    midi: Option<(rtrb::Producer<SentEvent>, Arc<str>)>,
}

/// An event handed on instead of played ([`VoiceBank::send_events_to`]): what SuperDirt's
/// `/dirt/play` carries.
#[derive(Clone, Debug)]
pub struct SentEvent {
    /// The frame it sounds at.
    pub frame: i64,
    /// Where its whole starts, in cycles.
    pub cycle: f64,
    /// Its whole's length in seconds (Tidal's `delta`).
    pub delta: f64,
    pub cps: f64,
    pub value: Value,
    /// The name of the output it plays in, as Tidal's `_id_` (`d1` is `1`).
    pub id: Arc<str>,
}

// SAFETY: `left`/`right` point into the engine's buffers, which outlive the bank and which no
// other bank or kernel writes while the banks run (each bank owns its pair).
unsafe impl Send for VoiceBank {}

/// Whether an event is of the sound `midi` (played on a MIDI port).
fn is_midi(h: &Hap) -> bool {
    matches!(&h.value, Value::Map(m) if matches!(m.get("s"), Some(Value::Str(s)) if &**s == "midi"))
}

fn number(v: Option<&Value>) -> Option<f64> {
    match v? {
        Value::Num(x) => Some(*x),
        Value::Str(s) => crate::pattern::ops::note_to_midi(s).map(|m| m - 60.0),
        _ => None,
    }
}

/// Equal-power gains of a pan position -1 (left) ..1 (right): each side at -3 dB in the
/// centre, as SuperDirt's and Strudel's panners do.
pub fn pan_gains(pan: f64) -> (f64, f64) {
    let angle = (pan.clamp(-1.0, 1.0) + 1.0) * std::f64::consts::FRAC_PI_4;
    // cos(π/2) is 6e-17 in floating point: a hard pan must leave the other side silent.
    let exact = |g: f64| if g.abs() < 1e-12 { 0.0 } else { g };
    (exact(angle.cos()), exact(angle.sin()))
}

impl VoiceBank {
    /// `left`/`right` must stay valid for the bank's life and have room for a block plus 4.
    /// `orbit_numbers`: the program's orbits; `max_block` sizes the send buffers.
    pub fn new(
        spec: BankSpec,
        cap: usize,
        left: *mut f32,
        right: *mut f32,
        orbit_numbers: Arc<[u32]>,
        max_block: usize,
        sample_rate: u32,
    ) -> VoiceBank {
        let cap = cap.max(1);
        let sends = if spec.sends {
            orbit_numbers
                .iter()
                .map(|_| OrbitSends::new(max_block))
                .collect()
        } else {
            Vec::new()
        };
        VoiceBank {
            id: spec.id,
            source: PatternSource::new(spec.pattern),
            sounds: spec.sounds,
            voices: Vec::with_capacity(cap),
            cap,
            left,
            right,
            groups: (0..VoiceKind::COUNT)
                .map(|_| Vec::with_capacity(cap))
                .collect(),
            with_fx: Vec::with_capacity(cap),
            in_lanes: Vec::with_capacity(cap),
            lanes: Vec::with_capacity(fx_lanes::LANES),
            lane_scratch: fx_lanes::Scratch::new(),
            fx: FxSlab::default(),
            synths: Vec::with_capacity(if spec.synths { SYNTH_VOICE_CAP } else { 0 }),
            free_synths: Vec::with_capacity(if spec.synths { SYNTH_VOICE_CAP } else { 0 }),
            lines: LinePool::new(spec.lines, sample_rate),
            spectral: spec.lines.comb.then(|| Box::new(Spectral::new())),
            scratch: [Vec::new(), Vec::new(), Vec::new()],
            silent: Arc::new(Sample::new(vec![vec![0.0]], "silence")),
            orbit_numbers,
            sends,
            counters: BankCounters::default(),
            tap: None,
            inbox: None,
            midi: None,
        }
    }

    /// What this block's events sent to each of the program's orbits (empty when the bank
    /// never sends).
    pub fn sends(&self) -> &[OrbitSends] {
        &self.sends
    }

    /// Copies `old`'s voices that have not stopped by `frame` (a reload): they ring out
    /// here. The old bank keeps them too, so while a changed output crossfades from the old
    /// program to the new one, the two copies sum to one. Returns how many.
    pub fn adopt_voices(&mut self, old: &VoiceBank, frame: i64) -> usize {
        let before = self.voices.len();
        for v in &old.voices {
            if v.stop > frame && self.voices.len() < self.cap {
                let mut v = v.clone();
                // Its orbit by number: this program's index of it, if it has it and this
                // bank sends at all.
                if v.orbit != NO_SEND {
                    let number = old.orbit_numbers[v.orbit as usize];
                    v.orbit = match self.orbit_numbers.iter().position(|&n| n == number) {
                        Some(i) if i < self.sends.len() => i as u8,
                        _ => NO_SEND,
                    };
                }
                if v.synth != NO_SYNTH {
                    // A synth comes along when this bank keeps synth voices (first, so
                    // that a voice left behind holds nothing here).
                    let state = old.synths[v.synth as usize];
                    match insert_synth(&mut self.synths, &mut self.free_synths, state) {
                        Some(i) => v.synth = i,
                        None => continue,
                    }
                }
                if v.fx != NO_FX && old.fx.ready[v.fx as usize] {
                    let lane = old.fx.lanes[v.fx as usize];
                    v.fx = self.fx.insert_lane_part(lane, self.cap);
                } else if v.fx != NO_FX {
                    let mut state = old.fx.states[v.fx as usize].clone();
                    if state.line != u32::MAX {
                        // Its lines come along when this bank keeps lines alike.
                        match self.lines.adopt(&old.lines, state.line) {
                            Some(slot) => state.line = slot,
                            None => {
                                state.line = u32::MAX;
                                state.drop_lined();
                            }
                        }
                    }
                    v.fx = self.fx.insert(state, v.fits_lanes(), self.cap);
                }
                self.voices.push(v);
            }
        }
        self.voices.len() - before
    }

    /// Stops every voice at once (its output blew up).
    pub fn silence(&mut self) {
        self.voices.clear();
        self.fx.clear();
        self.synths.clear();
        self.free_synths.clear();
        self.lines.reset();
    }

    /// The pattern's per-cycle cache (for its refused cycles).
    pub fn source(&self) -> &PatternSource {
        &self.source
    }

    /// Voices held (sounding, or waiting for their start).
    pub fn active(&self) -> usize {
        self.voices.len()
    }

    /// Voices that sounded in the last block.
    pub fn sounding(&self) -> usize {
        self.groups.iter().map(|g| g.len()).sum::<usize>() + self.with_fx.len()
    }

    /// From now on, hands each event to `tap`, under the name `id`, instead of starting
    /// voices.
    pub fn send_events_to(&mut self, tap: rtrb::Producer<SentEvent>, id: Arc<str>) {
        self.tap = Some((tap, id));
    }

    /// From now on, hands the events of the sound `midi` to `midi`, under the name `id`.
    pub fn send_midi_to(&mut self, midi: rtrb::Producer<SentEvent>, id: Arc<str>) {
        self.midi = Some((midi, id));
    }

    /// From now on, also plays the events that arrive in `inbox`.
    pub fn take_events_from(&mut self, inbox: Inbox) {
        self.inbox = Some(Box::new(inbox));
    }

    /// Starts the voices of this block's events, mixes every voice into the bank's buffers
    /// for frames `first..first + frames`, and retires finished voices. Returns the number
    /// of events.
    pub fn process(
        &mut self,
        clock: &Clock,
        first: i64,
        frames: usize,
        kernels: &VoiceKernels,
    ) -> usize {
        let mut events = 0;
        for s in &mut self.sends {
            s.clear(frames);
        }
        let Self {
            source,
            sounds,
            voices,
            cap,
            counters,
            fx,
            orbit_numbers,
            sends,
            synths,
            free_synths,
            lines,
            silent,
            tap,
            inbox,
            midi,
            ..
        } = self;
        let sr = clock.sample_rate as f64;
        let mut starter = Starter {
            sounds,
            voices,
            fx,
            synths,
            free_synths,
            lines,
            silent,
            cap: *cap,
            counters,
            orbit_numbers,
            sends,
            first,
        };
        if let Some(inbox) = inbox {
            // Events from outside (`phonon serve`, whose player's own pattern is silence).
            events = inbox.start_due(first, first + frames as i64, |frame, cps, h| {
                starter.start(sr, cps, frame, h)
            });
        }
        source.for_each_onset_in_block(clock, first, frames as i64, |offset, h| {
            events += 1;
            let frame = first + offset;
            let cps = clock.cps_at(frame).to_f64();
            let to = match (tap.as_mut(), midi.as_mut()) {
                (Some(tap), _) => Some(tap),
                (None, Some(midi)) if is_midi(h) => Some(midi),
                _ => None,
            };
            match to {
                Some((to, id)) => {
                    let whole = h.whole.unwrap_or(h.part);
                    // Reference counts only: nothing here allocates. A full ring (or a
                    // receiver gone) drops the event.
                    let sent = to.push(SentEvent {
                        frame,
                        cycle: whole.begin.to_f64(),
                        delta: (whole.end - whole.begin).to_f64() / cps,
                        cps,
                        value: h.value.clone(),
                        id: id.clone(),
                    });
                    if sent.is_err() {
                        starter.counters.unsent += 1;
                    }
                }
                None => starter.start(sr, cps, frame, h),
            }
        });
        // Each bank queries its next cycle at its own point of this one (from its id), so
        // the banks of a program do not all query in the same block.
        let at = 0.1 + 0.8 * ((self.id % 1009) as f64 / 1009.0);
        self.source
            .prefetch_in_block(clock, first, frames as i64, at);
        self.mix(first, frames, kernels);
        let end = first + frames as i64;
        let Self {
            voices,
            fx,
            free_synths,
            lines,
            ..
        } = self;
        voices.retain(|v| {
            if v.stop > end {
                return true;
            }
            release(v, fx, free_synths, lines);
            false
        });
        events
    }

    fn mix(&mut self, first: i64, frames: usize, kernels: &VoiceKernels) {
        let end = first + frames as i64;
        // SAFETY: both buffers have room for a block plus 4 (see `new`).
        unsafe {
            std::slice::from_raw_parts_mut(self.left, frames + 4).fill(0.0);
            std::slice::from_raw_parts_mut(self.right, frames + 4).fill(0.0);
        }
        for g in &mut self.groups {
            g.clear();
        }
        self.with_fx.clear();
        for (i, v) in self.voices.iter().enumerate() {
            if v.start < end && v.stop > first {
                if v.fx != NO_FX || v.orbit != NO_SEND || v.synth != NO_SYNTH || v.glide != 0.0 {
                    self.with_fx.push(i);
                } else {
                    self.groups[v.kind.index()].push(i);
                }
            }
        }
        for kind in VoiceKind::all() {
            let func = kernels.get(kind);
            for chunk in self.groups[kind.index()].chunks(4) {
                let mut quad = silent_quad(&self.silent);
                let (mut from, mut to) = (frames as i64, 0i64);
                for (lane, &i) in chunk.iter().enumerate() {
                    let v = &self.voices[i];
                    from = from.min((v.start - first).max(0));
                    to = to.max((v.stop - first).min(frames as i64));
                    let pos = v.pos0 + v.rate * (first - v.start) as f64;
                    let base = pos.floor();
                    quad.left[lane] = v.sample.data(0);
                    quad.right[lane] = v.sample.data(1);
                    quad.base[lane] = base.clamp(i32::MIN as f64, i32::MAX as f64) as i32;
                    quad.len[lane] = v.sample.len() as i32;
                    quad.frac[lane] = (pos - base) as f32;
                    quad.rate[lane] = v.rate as f32;
                    quad.gain_l[lane] = v.gain_l;
                    quad.gain_r[lane] = v.gain_r;
                    quad.attack_from[lane] = (v.start - first - 1) as f32;
                    quad.attack_inv[lane] = v.attack_inv;
                    quad.release_to[lane] =
                        (v.release_end - first).clamp(-(1 << 24), 1 << 24) as f32;
                    quad.release_inv[lane] = v.release_inv;
                }
                let from = from & !3;
                // SAFETY: the quad's pointers address padded samples that the bank keeps
                // alive; the buses have room for `frames + 4` floats and `to <= frames`.
                unsafe {
                    func(
                        &quad,
                        from as u64,
                        to.max(from) as u64,
                        self.left,
                        self.right,
                    )
                };
            }
        }
        if !self.with_fx.is_empty() {
            self.mix_with_fx(first, frames, kernels);
        }
    }

    /// Whether the lane mixer takes voice `v` (every sample voice but those that glide, feed a
    /// leslie or have effects it does not run).
    fn takes_lanes(&self, v: &Voice) -> bool {
        v.fits_lanes() && (v.fx == NO_FX || self.fx.ready[v.fx as usize])
    }

    /// The voices with effects or sends: [`fx_lanes::LANES`] at a time through the lane
    /// mixer, or each on its own (`vowel`, `coarse`, ...).
    fn mix_with_fx(&mut self, first: i64, frames: usize, kernels: &VoiceKernels) {
        self.in_lanes.clear();
        for stereo in [false, true] {
            for &i in &self.with_fx {
                let v = &self.voices[i];
                if self.takes_lanes(v) && v.kind.stereo == stereo {
                    self.in_lanes.push(i);
                }
            }
        }
        let mut lanes = std::mem::take(&mut self.lanes);
        for k in (0..self.in_lanes.len()).step_by(fx_lanes::LANES) {
            let n = (self.in_lanes.len() - k).min(fx_lanes::LANES);
            lanes.clear();
            for l in 0..n {
                lanes.push(self.lane_voice(self.in_lanes[k + l], first, frames));
            }
            let stereo = lanes.iter().any(|l| l.data[0] != l.data[1]);
            // SAFETY: both buffers have room for a block plus 4 (see `new`).
            let out = unsafe {
                [
                    std::slice::from_raw_parts_mut(self.left, frames + 4),
                    std::slice::from_raw_parts_mut(self.right, frames + 4),
                ]
            };
            fx_lanes::mix(
                &mut lanes,
                &mut self.lane_scratch,
                stereo,
                frames,
                out,
                &mut self.sends,
            );
            for (l, lane) in lanes.drain(..).enumerate() {
                let fx = self.voices[self.in_lanes[k + l]].fx;
                if fx != NO_FX {
                    self.fx.lanes[fx as usize] = lane.fx;
                }
            }
        }
        self.lanes = lanes;
        if self.in_lanes.len() < self.with_fx.len() {
            self.mix_alone(first, frames, kernels);
        }
    }

    /// Voice `i` as the lane mixer takes it for this block.
    fn lane_voice(&self, i: usize, first: i64, frames: usize) -> LaneVoice {
        let v = &self.voices[i];
        let pos = v.pos0 + v.rate * (first - v.start) as f64;
        let base = pos.floor();
        let left = v.sample.data(0);
        let right = if v.kind.stereo {
            v.sample.data(1)
        } else {
            left
        };
        LaneVoice {
            data: [left, right],
            len: v.sample.len() as i32,
            base: base.clamp(i32::MIN as f64, i32::MAX as f64) as i32,
            frac: (pos - base) as f32,
            rate: v.rate as f32,
            gain: [v.gain_l, v.gain_r],
            env: v.kind.env.then(|| {
                [
                    (v.start - first - 1) as f32,
                    v.attack_inv,
                    (v.release_end - first).clamp(-(1 << 24), 1 << 24) as f32,
                    v.release_inv,
                ]
            }),
            from: (v.start - first).clamp(0, frames as i64) as usize,
            to: (v.stop - first).clamp(0, frames as i64) as usize,
            fx: if v.fx == NO_FX {
                LaneFx::default()
            } else {
                self.fx.lanes[v.fx as usize]
            },
            send: (v.orbit != NO_SEND).then_some((v.orbit as usize, v.room, v.delay)),
        }
    }

    /// Each voice the lane mixer does not take, on its own: the sample through the voice
    /// kernel at unit gain and without envelope (or the synth), then its effects with its
    /// envelope among them, then its gain and pan (the order of SuperDirt's modules and its
    /// `dirt_gate`), then its sends.
    fn mix_alone(&mut self, first: i64, frames: usize, kernels: &VoiceKernels) {
        for s in &mut self.scratch {
            if s.len() < frames + 4 {
                s.resize(frames + 4, 0.0);
            }
        }
        for k in 0..self.with_fx.len() {
            let i = self.with_fx[k];
            if self.takes_lanes(&self.voices[i]) {
                continue;
            }
            let v = &mut self.voices[i];
            let kind = VoiceKind {
                env: false,
                ..v.kind
            };
            let from = (v.start - first).max(0);
            let to = (v.stop - first).min(frames as i64);
            if to <= from {
                continue;
            }
            // The kernel adds four frames at a time from `from & !3`: only those are cleared.
            let [sl, sr, _] = &mut self.scratch;
            let span = (from & !3) as usize..(to as usize + 4).min(frames + 4);
            sl[span.clone()].fill(0.0);
            sr[span].fill(0.0);
            if v.synth != NO_SYNTH {
                // A synth renders every frame from its start; mono.
                self.synths[v.synth as usize].render(&mut sl[from as usize..to as usize]);
                let (from, to) = (from as usize, to as usize);
                let enveloped = self.effects_alone(i, first, from, to, false);
                self.finish_alone(i, first, frames, from, to, enveloped);
                continue;
            }
            let mut quad = silent_quad(&self.silent);
            quad.left[0] = v.sample.data(0);
            quad.right[0] = v.sample.data(1);
            quad.len[0] = v.sample.len() as i32;
            quad.gain_l[0] = 1.0;
            quad.gain_r[0] = if kind.stereo { 1.0 } else { 0.0 };
            // A gliding voice is read 64 frames at a time (block-aligned pieces, so each
            // starts on a multiple of four), each at its rate in the piece's middle from its
            // exact position; any other voice in one piece.
            let step = if v.glide != 0.0 { 64 } else { frames as i64 };
            let mut at = from & !3;
            while at < to {
                let until = ((at / step + 1) * step).min(to);
                let (pos, rate) = v.read_at(first, at, until);
                let base = pos.floor();
                quad.base[0] = base.clamp(i32::MIN as f64, i32::MAX as f64) as i32;
                quad.frac[0] = (pos - base) as f32;
                quad.rate[0] = rate as f32;
                // SAFETY: as in `mix`; the scratch buffers have room for `frames + 4`.
                unsafe {
                    kernels.get(kind)(
                        &quad,
                        at as u64,
                        until as u64,
                        sl.as_mut_ptr(),
                        sr.as_mut_ptr(),
                    )
                };
                at = until;
            }
            let (from, to) = (from as usize, to as usize);
            let enveloped = self.effects_alone(i, first, from, to, kind.stereo);
            self.finish_alone(i, first, frames, from, to, enveloped);
        }
    }

    /// The effects of voice `i` (or none) over frames `from..to` of the scratch pair, whose
    /// right side then holds the right channel (a copy of the left for a mono sound), with
    /// its envelope where SuperDirt applies it (after the low-pass, before the effects that
    /// follow it). Whether the envelope was applied.
    fn effects_alone(
        &mut self,
        i: usize,
        first: i64,
        from: usize,
        to: usize,
        stereo: bool,
    ) -> bool {
        let v = &self.voices[i];
        let [sl, sr, env] = &mut self.scratch;
        let mut enveloped = false;
        if v.fx != NO_FX {
            let envelope = v.kind.env.then(|| {
                for (t, e) in env[from..to].iter_mut().enumerate() {
                    *e = v.envelope_at(first, from + t);
                }
                &env[from..to]
            });
            enveloped = envelope.is_some();
            let right = stereo.then(|| &mut sr[from..to]);
            let state = &mut self.fx.states[v.fx as usize];
            let lines = voice_lines(&mut self.lines, state);
            state.process_with_lines(
                &mut sl[from..to],
                right,
                envelope,
                lines,
                self.spectral.as_deref_mut(),
            );
        }
        if !stereo {
            sr[from..to].copy_from_slice(&sl[from..to]);
        }
        enveloped
    }

    /// The end of [`mix_alone`](Self::mix_alone) for voice `i`, whose frames `from..to`
    /// are in the scratch pair: its envelope (unless `enveloped` already), gain and pan into
    /// the bank's buffers, then its sends.
    #[allow(clippy::too_many_arguments)]
    fn finish_alone(
        &mut self,
        i: usize,
        first: i64,
        frames: usize,
        from: usize,
        to: usize,
        enveloped: bool,
    ) {
        let v = &self.voices[i];
        let [sl, sr, _] = &mut self.scratch;
        {
            // SAFETY: both buffers have room for a block plus 4 (see `new`); `to <= frames`.
            let (out_l, out_r) = unsafe {
                (
                    std::slice::from_raw_parts_mut(self.left, frames + 4),
                    std::slice::from_raw_parts_mut(self.right, frames + 4),
                )
            };
            for t in from..to {
                let e = if v.kind.env && !enveloped {
                    v.envelope_at(first, t)
                } else {
                    1.0
                };
                let l = sl[t];
                let r = sr[t];
                // Kept for the sends: the voice as it is mixed, before its leslie share.
                sl[t] = l * (e * v.gain_l);
                sr[t] = r * (e * v.gain_r);
                out_l[t] += sl[t] * (1.0 - v.leslie);
                out_r[t] += sr[t] * (1.0 - v.leslie);
            }
            if let Some(s) = self.sends.get_mut(v.orbit as usize) {
                s.heard = true;
                // `dirt_reverb` hears the mono sum; `dirt_delay` each side.
                for t in from..to {
                    s.room[t] += (sl[t] + sr[t]) * v.room;
                    s.delay[0][t] += sl[t] * v.delay;
                    s.delay[1][t] += sr[t] * v.delay;
                }
                if v.leslie > 0.0 {
                    s.leslie_heard = true;
                    for t in from..to {
                        s.leslie[0][t] += sl[t] * v.leslie;
                        s.leslie[1][t] += sr[t] * v.leslie;
                    }
                }
            }
        }
    }
}

/// Four silent lanes (reading the silent sample at zero gain), to be filled with voices.
fn silent_quad(silent: &Sample) -> VoiceQuad {
    VoiceQuad {
        left: [silent.data(0); 4],
        right: [silent.data(0); 4],
        base: [0; 4],
        len: [0; 4],
        frac: [0.0; 4],
        rate: [1.0; 4],
        gain_l: [0.0; 4],
        gain_r: [0.0; 4],
        attack_from: [0.0; 4],
        attack_inv: [0.0; 4],
        release_to: [0.0; 4],
        release_inv: [0.0; 4],
    }
}

/// An event's amplitude: SuperDirt's `dirt_gate`, `amp · (min(gain, 2) + overgain)^4`,
/// divided by SuperDirt's default `amp` (0.4) so that an event with neither plays its sample
/// at its own level; then Strudel's linear `velocity` and `postgain`.
fn level(get: impl Fn(&str) -> Option<f64>) -> f64 {
    let gain = get("gain").unwrap_or(1.0).clamp(0.0, 2.0) + get("overgain").unwrap_or(0.0);
    let amp = get("amp").unwrap_or(0.4).max(0.0) / 0.4;
    let linear = get("velocity").unwrap_or(1.0) * get("postgain").unwrap_or(1.0);
    let level = amp * gain.max(0.0).powi(4) * linear.max(0.0);
    if level.is_finite() { level } else { 0.0 }
}

/// Starts voices from events: the part of a bank that event handling needs, borrowed apart
/// from the pattern source that hands out the events.
struct Starter<'a> {
    sounds: &'a SoundTable,
    voices: &'a mut Vec<Voice>,
    fx: &'a mut FxSlab,
    synths: &'a mut Vec<SynthVoice>,
    free_synths: &'a mut Vec<u32>,
    lines: &'a mut LinePool,
    silent: &'a Arc<Sample>,
    cap: usize,
    counters: &'a mut BankCounters,
    orbit_numbers: &'a [u32],
    sends: &'a mut [OrbitSends],
    /// The block's first frame (orbit parameters are set per block).
    first: i64,
}

impl Starter<'_> {
    /// The orbit an event sends to (index among the program's) and its send levels, after
    /// recording the orbit parameters it sets.
    fn orbit(&mut self, onset: i64, get: impl Fn(&str) -> Option<f64>) -> (u8, f32, f32, f32) {
        if self.sends.is_empty() {
            return (NO_SEND, 0.0, 0.0, 0.0);
        }
        let number = get("orbit").unwrap_or(0.0).floor();
        let Some(index) = self.orbit_numbers.iter().position(|&n| n as f64 == number) else {
            self.counters.orbit_missing += 1;
            return (NO_SEND, 0.0, 0.0, 0.0);
        };
        let sends = &mut self.sends[index];
        for (p, name) in PARAMS.iter().enumerate() {
            if let Some(value) = get(name).filter(|v| v.is_finite()) {
                sends.set(p, onset.max(self.first), value as f32);
            }
        }
        let level = |k: &str| get(k).filter(|v| v.is_finite()).unwrap_or(0.0).max(0.0) as f32;
        let (room, delay) = (level("room"), level("delay"));
        let leslie = level("leslie").min(1.0);
        if room > 0.0 || delay > 0.0 {
            (index as u8, room, delay, leslie)
        } else if leslie > 0.0 {
            (index as u8, 0.0, 0.0, leslie)
        } else {
            (NO_SEND, 0.0, 0.0, 0.0)
        }
    }

    /// Starts the voices of event `h` at frame `onset`, played at `cps` cycles a second.
    fn start(&mut self, sr: f64, cps: f64, onset: i64, h: &Hap) {
        let Value::Map(m) = &h.value else {
            return;
        };
        let Some(Value::Str(name)) = m.get("s") else {
            return;
        };
        // Most of the controls an event is asked for it does not have: those cost a test
        // of a bit, not a search.
        let mask = m.key_mask();
        let get = |k: &str| {
            if mask & key_bit(k) == 0 {
                None
            } else {
                number(m.get(k))
            }
        };
        // SuperDirt's `nudge`: the event sounds that many seconds later (its voice may start
        // in a later block). Nothing plays before its time: a negative nudge (an error where
        // it is written as a number) plays on time.
        let onset = onset + nudge_frames(get("nudge"), sr);
        // The event's duration in seconds, times `legato` when it has one.
        let event_seconds = || {
            let dur = h
                .whole
                .map_or(h.part.end - h.part.begin, |w| w.end - w.begin);
            dur.to_f64() / cps * get("legato").unwrap_or(1.0).max(0.0)
        };
        let Some(samples) = self.sounds.get(&**name).filter(|s| !s.is_empty()) else {
            match SynthKind::from_name(name) {
                Some(kind) if self.synths.capacity() > 0 => {
                    let sustain = get("sustain").unwrap_or_else(event_seconds);
                    self.start_synth(kind, onset, sustain, get, m, sr);
                }
                _ => self.counters.missing += 1,
            }
            return;
        };
        let n = get("n").unwrap_or(0.0).floor() as i64;
        let sample = samples[n.rem_euclid(samples.len() as i64) as usize].clone();
        let len = sample.len() as f64;

        let begin = get("begin").unwrap_or(0.0).clamp(0.0, 1.0);
        let end = get("end").unwrap_or(1.0).clamp(0.0, 1.0);
        let region = (end - begin) * len;
        // SuperDirt's `dirt_sample`: `speed · freq / 60.midicps`, where `freq` comes from
        // `note` and `octave` (or is given).
        let mut rate = get("speed").unwrap_or(1.0) * SynthParams::pitch(&get, false) / MIDDLE_C;
        if matches!(m.get("unit"), Some(Value::Str(u)) if &**u == "c") {
            // `speed` in cycles: the sample lasts 1/speed cycles.
            rate *= len / sr * cps;
        }
        if region < 1.0 || rate == 0.0 || !rate.is_finite() || len == 0.0 {
            return;
        }
        // `accelerate`: the rate glides linearly to `rate·(1 + accelerate)` over the sound,
        // whose length is the region at the average of the two speeds (SuperDirt's
        // `calcTimeSpan`).
        let accelerate = get("accelerate").filter(|a| a.is_finite() && *a != 0.0);
        let rate_end = rate * (1.0 + accelerate.unwrap_or(0.0));
        let average = (rate.abs() + rate_end.abs()) * 0.5;
        if average == 0.0 {
            return;
        }
        let loops = get("loop").unwrap_or(1.0).floor().clamp(1.0, 1024.0) as i64;
        let common = self.common(onset, get, m, sr);
        let each = (region / average).ceil() as i64;
        // `sustain` holds the sound that many seconds, `legato` that many event durations.
        let gate = match get("sustain") {
            Some(s) => Some((s.max(0.0) * sr).round() as i64),
            None => get("legato").map(|_| (event_seconds() * sr).round() as i64),
        };
        let pos0 = if rate > 0.0 {
            begin * len
        } else {
            end * len - 1.0
        };
        let whole_sample = begin == 0.0 && end == 1.0;
        let shape = Envelope::of_event(get, sr);
        for i in 0..loops {
            let start = onset + i * each;
            let natural = start + each + 1;
            let stop = gate.map_or(natural, |g| natural.min(onset + g.max(1)));
            let (stop, release_end, release_inv) =
                shape.cut(start, stop, stop < natural || !whole_sample, sr);
            if stop <= start {
                break;
            }
            let kind = VoiceKind {
                pitched: rate != 1.0 || accelerate.is_some(),
                stereo: sample.is_stereo(),
                env: shape.attack_inv != INSTANT || release_inv != INSTANT,
            };
            let envelope = (shape.attack_inv, release_end, release_inv);
            let mut voice = Voice::new(&common, sample.clone(), kind, start, stop, envelope);
            voice.pos0 = pos0;
            (voice.rate, voice.rate_end) = (rate, rate_end as f32);
            if accelerate.is_some() {
                voice.glide = each as f32;
            }
            self.push(voice, &common.fx);
        }
    }

    /// What every voice of an event shares, whatever it plays: its level and pan, its
    /// choke group (whose sounding voices it cuts), its effects and its sends.
    fn common(
        &mut self,
        onset: i64,
        get: impl Fn(&str) -> Option<f64> + Copy,
        m: &Controls,
        sr: f64,
    ) -> EventCommon {
        let gain = level(get);
        let (pl, pr) = pan_gains(get("pan").unwrap_or(0.0));
        let cut = get("cut").unwrap_or(0.0) as i32;
        let fx = if m.iter().any(|(k, _)| turns_on_an_effect(k)) {
            let seed = seed_of(onset, self.counters.started);
            VoiceFx::of_event(get, vowel_of(m.get("vowel")), sr, seed)
        } else {
            VoiceFx::none()
        };
        let (orbit, room, delay, leslie) = self.orbit(onset, get);
        self.cut_group(cut, onset, sr);
        EventCommon {
            gain: [(gain * pl) as f32, (gain * pr) as f32],
            cut,
            fx,
            orbit,
            sends: [room, delay, leslie],
        }
    }

    /// Adds a voice (and its effects, when it has any), stealing the oldest past the cap.
    fn push(&mut self, mut voice: Voice, fx: &VoiceFx) {
        self.make_room();
        if fx.active {
            voice.fx = if voice.fits_lanes() && fx.lane_ready() {
                // Only the lane mixer's part is kept, not the whole state.
                self.fx.insert_lane_part(fx.lane_part(), self.cap)
            } else {
                let fx = self.with_line(fx.clone());
                self.fx.insert(fx, voice.fits_lanes(), self.cap)
            };
        }
        self.voices.push(voice);
        self.counters.started += 1;
    }

    /// A synth voice for an event whose sound is synth `kind`, sounding `sustain` seconds
    /// (its envelope's time scale).
    fn start_synth(
        &mut self,
        kind: SynthKind,
        onset: i64,
        sustain: f64,
        get: impl Fn(&str) -> Option<f64> + Copy,
        m: &Controls,
        sr: f64,
    ) {
        let params = SynthParams {
            freq: SynthParams::pitch(&get, true),
            sustain,
            speed: get("speed").unwrap_or(1.0),
            accelerate: get("accelerate").unwrap_or(0.0),
            attack: get("attack"),
            decay: get("decay"),
            release: get("release"),
            velocity: get("velocity").unwrap_or(1.0),
            voice: get("voice"),
            resonance: get("resonance"),
        };
        let synth = SynthVoice::new(kind, &params, sr);
        if synth.frames <= 0 {
            return;
        }
        let common = self.common(onset, get, m, sr);
        // Strudel's waveforms take `attack` and `release` into their own envelope;
        // SuperDirt's synths take them from its `envelope` module, as samples do.
        let shape = if synth.own_envelope() {
            Envelope::NONE
        } else {
            Envelope::of_event(get, sr)
        };
        let natural = onset + synth.frames;
        let (stop, release_end, release_inv) = shape.cut(onset, natural, false, sr);
        if stop <= onset {
            return;
        }
        if self.synths.len() == self.synths.capacity() && self.free_synths.is_empty() {
            // Every synth slot is taken: the oldest synth voice gives up its own.
            if let Some(k) = self.voices.iter().position(|v| v.synth != NO_SYNTH) {
                self.steal(k);
            }
        }
        let Some(slot) = insert_synth(self.synths, self.free_synths, synth) else {
            return;
        };
        let kind = VoiceKind {
            pitched: false,
            stereo: false,
            env: shape.attack_inv != INSTANT || release_inv != INSTANT,
        };
        let envelope = (shape.attack_inv, release_end, release_inv);
        let mut voice = Voice::new(&common, self.silent.clone(), kind, onset, stop, envelope);
        voice.synth = slot;
        self.push(voice, &common.fx);
    }

    /// A new event in choke group `cut` fades out the group's sounding voices.
    fn cut_group(&mut self, cut: i32, onset: i64, sr: f64) {
        if cut == 0 {
            return;
        }
        let fade = (DECLICK_SECONDS * sr).ceil() as i64;
        for v in self.voices.iter_mut() {
            if v.cut == cut && v.stop > onset {
                v.stop = v.stop.min(onset + fade);
                v.release_end = v.stop;
                v.release_inv = 1.0 / fade as f32;
                v.kind.env = true;
            }
        }
    }

    /// Room for one more voice: past the cap the oldest voice is stolen.
    fn make_room(&mut self) {
        if self.voices.len() >= self.cap {
            // The oldest voice is the first: voices are kept in start order.
            self.steal(0);
        }
    }

    /// Stops voice `k` at once (stolen), freeing what it holds.
    fn steal(&mut self, k: usize) {
        let stolen = self.voices.remove(k);
        release(&stolen, self.fx, self.free_synths, self.lines);
        self.counters.stolen += 1;
    }

    /// Effects for a new voice: `fx` with a slot of lines from the pool when its effects
    /// need them (the oldest such voice's when every slot is taken), or without those
    /// effects when the bank keeps no lines.
    fn with_line(&mut self, mut fx: VoiceFx) -> VoiceFx {
        if !fx.needs_line() {
            return fx;
        }
        if self.lines.is_empty() {
            fx.drop_lined();
            return fx;
        }
        let mut slot = self.lines.take();
        if slot.is_none() {
            let slab = &self.fx;
            let oldest = self
                .voices
                .iter()
                .position(|v| v.fx != NO_FX && slab.line(v.fx) != u32::MAX);
            if let Some(k) = oldest {
                self.steal(k);
            }
            slot = self.lines.take();
        }
        match slot {
            Some(slot) => fx.line = slot,
            None => fx.drop_lined(),
        }
        fx
    }
}

/// Frees what a voice that stops holds: its effects' slot, their lines, its synth.
fn release(v: &Voice, fx: &mut FxSlab, free_synths: &mut Vec<u32>, lines: &mut LinePool) {
    if v.fx != NO_FX {
        let line = fx.line(v.fx);
        if line != u32::MAX {
            lines.give(line);
        }
        fx.release(v.fx);
    }
    if v.synth != NO_SYNTH {
        free_synths.push(v.synth);
    }
}

/// A voice's lines in the bank's pool (all empty without a slot).
fn voice_lines<'a>(lines: &'a mut LinePool, fx: &VoiceFx) -> [&'a mut [f32]; 6] {
    if fx.line == u32::MAX {
        return [&mut [], &mut [], &mut [], &mut [], &mut [], &mut []];
    }
    lines.lines(fx.line)
}

/// The frames a `nudge` of so many seconds delays an event by: none for a negative or
/// missing one, at most an hour's.
fn nudge_frames(nudge: Option<f64>, sr: f64) -> i64 {
    match nudge {
        Some(x) if x > 0.0 && x.is_finite() => (x.min(3600.0) * sr).round() as i64,
        _ => 0,
    }
}

/// The seed of an event's random draws: its onset frame and how many voices the bank had
/// started, so a render is the same every time.
fn seed_of(onset: i64, started: u64) -> u64 {
    (onset as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ started.wrapping_mul(0xbf58_476d_1ce4_e5b9)
}

/// A `vowel` value as the effects take it.
fn vowel_of(v: Option<&Value>) -> Option<&str> {
    match v {
        Some(Value::Str(v)) => Some(&**v),
        _ => None,
    }
}

/// Puts a synth state in a free slot (or a new one within the reserved capacity).
fn insert_synth(
    synths: &mut Vec<SynthVoice>,
    free: &mut Vec<u32>,
    synth: SynthVoice,
) -> Option<u32> {
    if let Some(i) = free.pop() {
        synths[i as usize] = synth;
        return Some(i);
    }
    if synths.len() < synths.capacity() {
        synths.push(synth);
        return Some((synths.len() - 1) as u32);
    }
    None
}

/// SuperDirt's `envelope` module (`dirt_envelope`: `Env.linen(attack, hold, release)` from
/// the event's start), which runs when an event has `attack` or `release`: without
/// `release` the level holds after the attack. Phonon's segments are linear where
/// SuperDirt's are curved by -3.
#[derive(Clone, Copy)]
struct Envelope {
    attack_inv: f32,
    /// Frames from the start to the end of the release, and the release's frames.
    release: Option<(i64, f64)>,
}

impl Envelope {
    const NONE: Envelope = Envelope {
        attack_inv: INSTANT,
        release: None,
    };

    fn of_event(get: impl Fn(&str) -> Option<f64>, sr: f64) -> Envelope {
        let seconds = |k: &str| get(k).filter(|v| v.is_finite()).map(|v| v.max(0.0));
        let (attack, release) = (seconds("attack"), seconds("release"));
        if attack.is_none() && release.is_none() {
            return Envelope::NONE;
        }
        let a = attack.unwrap_or(0.0) * sr;
        Envelope {
            attack_inv: if a > 0.0 { (1.0 / a) as f32 } else { INSTANT },
            release: release.map(|r| {
                let hold = seconds("hold").unwrap_or(0.0) * sr;
                ((a + hold + r * sr).min(1e12).round() as i64, r * sr)
            }),
        }
    }

    /// A voice from `start` to `stop` under this envelope: its stop, the frame its release
    /// ends at and the release's slope. A voice `cut_short` (by its gate or region) fades
    /// over at least 2 ms to its stop.
    fn cut(&self, start: i64, stop: i64, cut_short: bool, sr: f64) -> (i64, i64, f32) {
        let declick = DECLICK_SECONDS * sr;
        let inv = |frames: f64| {
            if frames > 0.0 {
                (1.0 / frames) as f32
            } else {
                INSTANT
            }
        };
        match self.release {
            Some((end, frames)) if start + end <= stop => (start + end, start + end, inv(frames)),
            _ if cut_short => (stop, stop, inv(declick)),
            _ => (stop, stop, INSTANT),
        }
    }
}
