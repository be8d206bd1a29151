//! Orbits: SuperDirt's global effects. Every sample event plays on an orbit (`orbit`, 0 by
//! default); each orbit of a program has a reverb and a delay that run for ever, fed by the
//! events' sends (`room`, `delay`), and one stereo output of its own (an output named
//! `orbit N`), so their tails ring on after the events, the output or the whole program
//! (`hush`, a reload) that fed them has stopped.
//!
//! The effects are SuperDirt's `dirt_reverb` and `dirt_delay` (its `core-synths-global.scd`)
//! with SuperCollider's unit generators (`AllpassN`, `OnePole`, `DelayN`, `LeakDC`, `CombL`,
//! `Lag`) written out. Where Phonon differs: the sends are per event (as in Strudel) where
//! SuperDirt sets one send level per orbit from the last event; the orbit's parameters
//! (`size`, `dry`, `delaytime`, `delayfeedback`, `lock`) are, as in SuperDirt, the last
//! event's that set them, taken at the block the event starts in; SuperCollider's random
//! delay times (`Rand`) are fixed values within the same ranges; the delay is the `CombL`
//! form SuperDirt uses without sc3-plugins, its defaults Strudel's (0.25 s, feedback 0.5;
//! SuperDirt's are 0).

use super::dirt_extra::butterworth;
use super::voice_fx::TwoPole;

/// The most orbits a program may have.
pub const MAX_ORBITS: usize = 16;

/// The largest orbit number.
pub const MAX_ORBIT_NUMBER: u32 = 255;

/// Longest delay time, seconds (SuperDirt's `maxDelayTime`).
const MAX_DELAY_SECONDS: f64 = 4.0;

/// SuperCollider's control block, by which `LocalIn` reads `LocalOut` late: part of the
/// reverb's loop.
const SC_BLOCK: usize = 64;

/// An orbit sleeps (is not computed, its output silent) once its sends have been silent this
/// long and its output has decayed below [`QUIET`] (SuperDirt's `DirtPause` grace time).
const GRACE_SECONDS: f64 = 4.0;
const QUIET: f32 = 1.0e-5;

/// SuperCollider's `log(0.001)`: feedback coefficients from 60 dB decay times.
const LOG001: f64 = -6.907_755_278_982_137;

/// Smaller magnitudes in a feedback path become 0 (as in the other effects: no denormals).
#[inline(always)]
fn flush(x: f32) -> f32 {
    if x.abs() < crate::effects::FLUSH {
        0.0
    } else {
        x
    }
}

/// Whether any sample is not zero: a branchless pass that vectorises (the sign bit left
/// out, so -0 is silence too).
fn any_sound(xs: &[f32]) -> bool {
    xs.iter().fold(0u32, |bits, x| bits | (x.to_bits() << 1)) != 0
}

/// The orbit parameters an event can set, in this order.
pub const PARAMS: [&str; 7] = [
    "size",
    "dry",
    "delaytime",
    "delayfeedback",
    "lock",
    "lrate",
    "lsize",
];

/// SuperDirt's values before any event sets them (`delaytime` and `delayfeedback`:
/// Strudel's, see the module comment).
const DEFAULTS: [f32; 7] = [0.1, 0.0, 0.25, 0.5, 0.0, 6.7, 0.3];

/// `AllpassN`: a delay of `len` frames with feedback `g` around it.
struct Allpass {
    buf: Vec<f32>,
    pos: usize,
    g: f32,
}

impl Allpass {
    /// `delay` and `decay` in seconds (the decay is to -60 dB, as SuperCollider's).
    fn new(delay: f64, decay: f64, sample_rate: f64) -> Allpass {
        let len = ((delay * sample_rate) as usize).max(1);
        Allpass {
            buf: vec![0.0; len],
            pos: 0,
            g: (LOG001 * delay / decay).exp() as f32,
        }
    }

    /// One frame: the reference [`Allpass::run_chunk`] is tested against.
    #[cfg(test)]
    #[inline]
    fn run(&mut self, x: f32) -> f32 {
        let v = self.buf[self.pos];
        let w = flush(x + self.g * v);
        self.buf[self.pos] = w;
        self.pos = if self.pos + 1 == self.buf.len() {
            0
        } else {
            self.pos + 1
        };
        v - self.g * w
    }

    /// Frames before the ring wraps.
    fn room(&self) -> usize {
        self.buf.len() - self.pos
    }

    /// [`Allpass::run`] over `xs` in place, for at most [`Allpass::room`] frames: each frame
    /// reads what was written a whole ring earlier, before this run, so the frames are
    /// independent and the loop vectorises (the same arithmetic as frame by frame).
    #[inline]
    fn run_chunk(&mut self, xs: &mut [f32]) {
        let g = self.g;
        let ring = &mut self.buf[self.pos..self.pos + xs.len()];
        for (x, b) in xs.iter_mut().zip(ring) {
            let v = *b;
            let w = flush(*x + g * v);
            *b = w;
            *x = v - g * w;
        }
        self.advance(xs.len());
    }

    /// [`Allpass::run`] over `xs` in place, any length: in runs cut where the ring wraps.
    fn run_all(&mut self, xs: &mut [f32]) {
        let mut done = 0;
        while done < xs.len() {
            let n = self.room().min(xs.len() - done);
            self.run_chunk(&mut xs[done..done + n]);
            done += n;
        }
    }

    #[inline]
    fn advance(&mut self, n: usize) {
        self.pos += n;
        if self.pos == self.buf.len() {
            self.pos = 0;
        }
    }

    fn clear(&mut self) {
        self.buf.fill(0.0);
    }
}

/// `DelayN`: a plain delay of `len` frames.
struct Line {
    buf: Vec<f32>,
    pos: usize,
}

impl Line {
    fn new(len: usize) -> Line {
        Line {
            buf: vec![0.0; len.max(1)],
            pos: 0,
        }
    }

    /// What comes out over the next `out.len()` frames (no more than the line's length):
    /// what went in a whole line earlier.
    fn read(&self, out: &mut [f32]) {
        let first = out.len().min(self.buf.len() - self.pos);
        out[..first].copy_from_slice(&self.buf[self.pos..self.pos + first]);
        let rest = out.len() - first;
        out[first..].copy_from_slice(&self.buf[..rest]);
    }

    /// Puts `xs` in, after [`Line::read`] took what they replace.
    fn write(&mut self, xs: &[f32]) {
        let first = xs.len().min(self.buf.len() - self.pos);
        self.buf[self.pos..self.pos + first].copy_from_slice(&xs[..first]);
        let rest = xs.len() - first;
        self.buf[..rest].copy_from_slice(&xs[first..]);
        self.pos = if rest > 0 { rest } else { self.pos + first };
        if self.pos == self.buf.len() {
            self.pos = 0;
        }
    }

    /// One frame: the reference the reverb's pieces are tested against.
    #[cfg(test)]
    #[inline]
    fn run(&mut self, x: f32) -> f32 {
        let v = self.buf[self.pos];
        self.buf[self.pos] = x;
        self.pos = if self.pos + 1 == self.buf.len() {
            0
        } else {
            self.pos + 1
        };
        v
    }
}

/// `LeakDC` with SuperCollider's default coefficient.
#[derive(Default, Clone, Copy)]
struct LeakDc {
    x1: f32,
    y1: f32,
}

impl LeakDc {
    /// At rest: silence in gives silence out.
    fn is_rest(&self) -> bool {
        self.x1 == 0.0 && self.y1 == 0.0
    }

    #[inline]
    fn run(&mut self, x: f32) -> f32 {
        let y = flush(x - self.x1 + 0.995 * self.y1);
        self.x1 = x;
        self.y1 = y;
        y
    }
}

/// `Lag`: one pole that covers 60 dB of a step in `time` seconds.
#[derive(Clone, Copy)]
struct Lag {
    y: f32,
    b: f32,
}

impl Lag {
    fn new(value: f32, time: f64, sample_rate: f64) -> Lag {
        Lag {
            y: value,
            b: (LOG001 / (time * sample_rate)).exp() as f32,
        }
    }

    #[inline]
    fn run(&mut self, x: f32) -> f32 {
        self.y = x + self.b * (self.y - x);
        self.y
    }
}

/// One channel of `dirt_reverb`.
struct ReverbSide {
    input: [Allpass; 4],
    /// `Rand(0, 0.05)` added to the loop's depth.
    depth_offset: f32,
    one_pole: f32,
    loop_a: Allpass,
    line: Line,
    loop_b: Allpass,
    leak: LeakDc,
    /// The loop's last output (`LocalIn`; its block of lateness is in `line`).
    last: f32,
}

/// The most frames the reverb computes stage by stage at once.
const PIECE: usize = 256;

impl ReverbSide {
    /// The stages of a piece of `n` frames (no longer than [`PIECE`] or the delay line) that
    /// depend only on what was written before it: the send through the input allpasses into
    /// `input`, the delay line's output through the second loop allpass into `y`.
    fn feed_forward(&mut self, x: &[f32], input: &mut [f32], y: &mut [f32]) {
        input.copy_from_slice(x);
        for a in &mut self.input {
            a.run_all(input);
        }
        self.line.read(y);
        self.loop_b.run_all(y);
    }

    /// The frames of the loop's feedback, `fed` (the one-pole's output), through the first
    /// loop allpass into the delay line.
    fn feed_back(&mut self, fed: &mut [f32]) {
        self.loop_a.run_all(fed);
        self.line.write(fed);
    }
}

/// One side's working arrays for a piece.
struct Piece {
    input: [f32; PIECE],
    y: [f32; PIECE],
    fed: [f32; PIECE],
}

impl Piece {
    fn new() -> Piece {
        Piece {
            input: [0.0; PIECE],
            y: [0.0; PIECE],
            fed: [0.0; PIECE],
        }
    }
}

/// `dirt_reverb`, per channel: the mono sum of the sends through four allpasses, added to a
/// loop of a one-pole low-pass, an allpass, a delay (0.19 s left, 0.26 s right) and another
/// allpass, fed back at `depth = 0.01·98^size` (plus a little per side).
struct Reverb {
    sides: [ReverbSide; 2],
    depth: Lag,
    wet: Lag,
}

impl Reverb {
    fn new(sample_rate: f64) -> Reverb {
        let sr = sample_rate;
        // Fixed draws from SuperDirt's `Rand` ranges: input allpasses 5–20 ms, loop allpasses
        // 10–50 ms and 30–150 ms, delays 0.19 / 0.26 s ± 3 ms, depth + 0..0.05.
        let side = |ins: [f64; 4], depth_offset: f32, a: f64, line: f64, b: f64| ReverbSide {
            input: ins.map(|d| Allpass::new(d, 1.0, sr)),
            depth_offset,
            one_pole: 0.0,
            loop_a: Allpass::new(a, 2.0, sr),
            line: Line::new((line * sr) as usize + SC_BLOCK),
            loop_b: Allpass::new(b, 2.0, sr),
            leak: LeakDc::default(),
            last: 0.0,
        };
        Reverb {
            sides: [
                side(
                    [0.0131, 0.0071, 0.0173, 0.0097],
                    0.012,
                    0.0297,
                    0.1913,
                    0.0779,
                ),
                side(
                    [0.0113, 0.0163, 0.0059, 0.0191],
                    0.018,
                    0.0371,
                    0.2586,
                    0.1117,
                ),
            ],
            depth: Lag::new(depth_of(DEFAULTS[0]), 0.02, sr),
            wet: Lag::new(1.0 - DEFAULTS[1], 0.015, sr),
        }
    }

    /// Adds the reverb of `send` (mono) to `left`/`right`.
    ///
    /// Computed stage by stage over pieces of at most [`PIECE`] frames (shorter than the
    /// delay lines): within a piece the input allpasses, the delay line's output and the
    /// allpass after it depend only on what was written before the piece, so they run as
    /// whole, vectorised loops (cut where a ring wraps); only the one-pole, the DC blocker
    /// and the loop's feedback run frame by frame, both sides together. The arithmetic of
    /// each frame is that of running the whole loop one frame at a time (a test compares
    /// them bit for bit).
    fn run(&mut self, send: &[f32], size: f32, dry: f32, left: &mut [f32], right: &mut [f32]) {
        let depth = depth_of(size);
        let wet = 1.0 - dry;
        let longest = PIECE.min(
            self.sides
                .iter()
                .map(|s| s.line.buf.len())
                .min()
                .unwrap_or(1),
        );
        let mut pieces = [Piece::new(), Piece::new()];
        let mut done = 0;
        while done < send.len() {
            let n = longest.min(send.len() - done);
            let x = &send[done..done + n];
            for (side, p) in self.sides.iter_mut().zip(&mut pieces) {
                side.feed_forward(x, &mut p.input[..n], &mut p.y[..n]);
            }
            // The feedback of both sides, frame by frame (two chains side by side): the DC
            // blocker's output is the side's output and, a frame later, the loop's input
            // through the one-pole (`OnePole.ar(loop, 0.5)`: y = 0.5·x + 0.5·y1).
            let [a, b] = &mut self.sides;
            let [pa, pb] = &mut pieces;
            let (out_a, out_b) = (&mut left[done..done + n], &mut right[done..done + n]);
            for f in 0..n {
                let d = self.depth.run(depth);
                let w = self.wet.run(wet);
                a.one_pole = flush(0.5 * (a.last * (d + a.depth_offset)) + 0.5 * a.one_pole);
                b.one_pole = flush(0.5 * (b.last * (d + b.depth_offset)) + 0.5 * b.one_pole);
                pa.fed[f] = a.one_pole;
                pb.fed[f] = b.one_pole;
                a.last = a.leak.run(pa.y[f] + pa.input[f]);
                b.last = b.leak.run(pb.y[f] + pb.input[f]);
                out_a[f] += a.last * w;
                out_b[f] += b.last * w;
            }
            a.feed_back(&mut pa.fed[..n]);
            b.feed_back(&mut pb.fed[..n]);
            done += n;
        }
    }

    fn clear(&mut self) {
        for s in &mut self.sides {
            s.input.iter_mut().for_each(Allpass::clear);
            s.loop_a.clear();
            s.loop_b.clear();
            s.line.buf.fill(0.0);
            s.one_pole = 0.0;
            s.leak = LeakDc::default();
            s.last = 0.0;
        }
    }
}

/// SuperDirt's `size.linexp(0, 1, 0.01, 0.98)`.
fn depth_of(size: f32) -> f32 {
    0.01 * 98.0f32.powf(size.clamp(0.0, 1.0))
}

/// `dirt_delay` without sc3-plugins, per channel: `CombL` (the echo `delaytime` later,
/// each one `delayfeedback` times the one before), then `LeakDC`.
struct Delay {
    lines: [Vec<f32>; 2],
    pos: usize,
    time: Lag,
    leak: [LeakDc; 2],
    /// Frames since anything but zero was written into the lines (at least: counted by
    /// blocks); once it reaches their length they hold only zeros.
    silent_frames: usize,
    sample_rate: f64,
}

impl Delay {
    fn new(sample_rate: f64) -> Delay {
        let len = (MAX_DELAY_SECONDS * sample_rate) as usize + 2;
        Delay {
            lines: [vec![0.0; len], vec![0.0; len]],
            pos: 0,
            // SuperDirt lags the delay time by a second (`delaytime.lag(1)`).
            time: Lag::new(DEFAULTS[2] * sample_rate as f32, 1.0, sample_rate),
            leak: [LeakDc::default(); 2],
            silent_frames: usize::MAX,
            sample_rate,
        }
    }

    /// The delay in frames of `time` seconds, or cycles with `lock` (at `cps`), clipped to
    /// the line.
    fn frames(&self, time: f32, lock: f32, cps: f64) -> f32 {
        let seconds = if lock != 0.0 {
            time as f64 / cps
        } else {
            time as f64
        };
        (seconds.clamp(0.0, MAX_DELAY_SECONDS) * self.sample_rate) as f32
    }

    /// Adds the echoes of `send` to `left`/`right`; `target`: the delay in frames.
    fn run(&mut self, send: [&[f32]; 2], target: f32, feedback: f32, out: [&mut [f32]; 2]) {
        let len = self.lines[0].len();
        let frames = send[0].len();
        let heard = any_sound(send[0]) || any_sound(send[1]);
        if !heard && self.silent_frames >= len && self.leak.iter().all(LeakDc::is_rest) {
            // The lines hold only zeros and nothing comes in: the echoes are silence. Only
            // the delay time glides on (until it arrives, where the lag stays).
            if self.time.y != target {
                for _ in 0..frames {
                    self.time.run(target);
                }
            }
            self.pos = (self.pos + frames) % len;
            return;
        }
        let fb = feedback.clamp(0.0, 0.99);
        let [out_l, out_r] = out;
        let mut peak = 0.0f32;
        for f in 0..frames {
            let d = self.time.run(target).clamp(1.0, (len - 2) as f32);
            let back = d.floor();
            let frac = d - back;
            let back = back as usize;
            let pos = self.pos;
            // `back + 1 < len`: one wrap at most, by a comparison.
            let at = |k: usize| if pos >= k { pos - k } else { pos + len - k };
            let (i0, i1) = (at(back), at(back + 1));
            let mut side = |line: &mut [f32], leak: &mut LeakDc, x: f32| {
                let y = line[i0] + frac * (line[i1] - line[i0]);
                let written = flush(x + fb * y);
                line[pos] = written;
                peak = peak.max(written.abs());
                leak.run(y)
            };
            let [line_l, line_r] = &mut self.lines;
            let [leak_l, leak_r] = &mut self.leak;
            out_l[f] += side(line_l, leak_l, send[0][f]);
            out_r[f] += side(line_r, leak_r, send[1][f]);
            self.pos = if pos + 1 == len { 0 } else { pos + 1 };
        }
        // Counted by blocks: a block that wrote anything counts as wholly loud.
        self.silent_frames = if peak > 0.0 {
            0
        } else {
            self.silent_frames.saturating_add(frames)
        };
    }

    fn clear(&mut self) {
        for l in &mut self.lines {
            l.fill(0.0);
        }
        self.leak = [LeakDc::default(); 2];
        self.silent_frames = usize::MAX;
    }
}

/// `dirt_leslie`, fed by the events' `leslie` sends (SuperDirt's reads the orbit's dry sum
/// and scales it by `leslie`; here each event sends its share): the sound split at 800 Hz
/// (`HPF`), the low band's level throbbing by a sine at `0.8·lrate` (depth `1.3·lsize`),
/// the high band delayed by `distance / 343` s (`DelayC`) and its level following that
/// distance, a sine at `lrate` between 0 and `lsize` metres; each band balanced left and
/// right by a slower sine (`Balance2`, ±0.2 and ±0.4), summed times 1.2. The rates glide
/// (`Lag`: 10 s, 20 s, 4 s, 2 s).
struct Leslie {
    /// `HPF` at 800 Hz, both channels.
    hpf: TwoPole,
    line: [Vec<f32>; 2],
    pos: usize,
    /// Phases (turns) of the distance, throb and the two balance sines.
    phases: [f64; 4],
    lags: [Lag; 4],
    /// Frames since a send, to know when the rotor has nothing left to play.
    quiet: usize,
    sample_rate: f64,
}

/// SuperCollider's `cubicinterp`.
#[inline]
fn cubic(x: f32, y0: f32, y1: f32, y2: f32, y3: f32) -> f32 {
    let c0 = y1;
    let c1 = 0.5 * (y2 - y0);
    let c2 = y0 - 2.5 * y1 + 2.0 * y2 - 0.5 * y3;
    let c3 = 0.5 * (y3 - y0) + 1.5 * (y1 - y2);
    ((c3 * x + c2) * x + c1) * x + c0
}

/// SuperCollider's `Balance2` gains at `pos` (-1..1): sine-law, 0.707 each in the centre.
#[inline]
fn balance(pos: f64) -> (f32, f32) {
    let a = (pos.clamp(-1.0, 1.0) + 1.0) * 0.5 * std::f64::consts::FRAC_PI_2;
    (a.cos() as f32, a.sin() as f32)
}

impl Leslie {
    fn new(sample_rate: f64) -> Leslie {
        let lag = |t: f64| Lag::new(DEFAULTS[5], t, sample_rate);
        Leslie {
            hpf: butterworth(800.0, sample_rate, true),
            // `DelayC.ar(.., 1, ..)`: a second of line.
            line: [
                vec![0.0; sample_rate as usize + 4],
                vec![0.0; sample_rate as usize + 4],
            ],
            pos: 0,
            // `SinOsc.ar(.., 0)` twice, `SinOsc.kr(.., pi/2)` twice.
            phases: [0.0, 0.0, 0.25, 0.25],
            lags: [lag(10.0), lag(20.0), lag(4.0), lag(2.0)],
            quiet: usize::MAX / 2,
            sample_rate,
        }
    }

    /// The rates start where they are set when the orbit wakes.
    fn wake(&mut self, rate: f32) {
        for l in &mut self.lags {
            l.y = rate;
        }
    }

    /// Whether its delay line has played out since the last send.
    fn silent(&self) -> bool {
        self.quiet > self.line[0].len()
    }

    fn clear(&mut self) {
        for l in &mut self.line {
            l.fill(0.0);
        }
        self.hpf.y = [[0.0; 2]; 2];
        self.quiet = usize::MAX / 2;
    }

    fn run(&mut self, send: [&[f32]; 2], rate: f32, size: f32, out: [&mut [f32]; 2]) {
        let sr = self.sample_rate;
        let len = self.line[0].len();
        let size = size.max(0.0) as f64;
        let [out_l, out_r] = out;
        let heard = any_sound(send[0]) || any_sound(send[1]);
        for f in 0..send[0].len() {
            // Lagged rates: distance at lrate, throb at 0.8·lrate, the balances likewise.
            let r = [
                self.lags[0].run(rate) as f64,
                self.lags[1].run(0.8 * rate) as f64,
                self.lags[2].run(0.8 * rate) as f64,
                self.lags[3].run(rate) as f64,
            ];
            let sine = |p: f64| (std::f64::consts::TAU * p).sin();
            let distance = (sine(self.phases[0]) + 1.0) * 0.5 * size;
            let throb = (sine(self.phases[1]) + 1.0) * 0.5 * size * 1.3;
            let (b1l, b1r) = balance(0.2 * sine(self.phases[2]));
            let (b2l, b2r) = balance(0.4 * sine(self.phases[3]));
            for (p, r) in self.phases.iter_mut().zip(r) {
                *p = (*p + r / sr).rem_euclid(1.0);
            }
            let d = (distance / 343.0 * sr).clamp(1.0, (len - 4) as f64) as f32;
            let back = d.floor() as usize;
            let x = d - back as f32;
            let pos = self.pos;
            let at = |k: usize| (pos + len - k) % len;
            let mut side = |c: usize, input: f32| {
                let high = self.hpf.run(c, input);
                let low = input - high;
                let line = &mut self.line[c];
                line[pos] = high;
                let delayed = cubic(
                    x,
                    line[at(back - 1)],
                    line[at(back)],
                    line[at(back + 1)],
                    line[at(back + 2)],
                );
                (
                    low * (1.0 - throb) as f32,
                    delayed * (1.0 - distance) as f32,
                )
            };
            let (low_l, high_l) = side(0, send[0][f]);
            let (low_r, high_r) = side(1, send[1][f]);
            out_l[f] += 1.2 * (low_l * b1l + high_l * b2l);
            out_r[f] += 1.2 * (low_r * b1r + high_r * b2r);
            self.pos = if pos + 1 == len { 0 } else { pos + 1 };
        }
        self.hpf.settle();
        self.quiet = if heard {
            0
        } else {
            self.quiet.saturating_add(send[0].len())
        };
    }
}

/// The state of one orbit: its effects and its parameters.
pub struct OrbitState {
    reverb: Reverb,
    delay: Delay,
    leslie: Leslie,
    params: [f32; 7],
    /// Frames since a send was last heard, and whether the orbit sleeps.
    quiet_frames: u64,
    asleep: bool,
}

impl OrbitState {
    pub fn new(sample_rate: u32) -> OrbitState {
        let sr = sample_rate as f64;
        OrbitState {
            reverb: Reverb::new(sr),
            delay: Delay::new(sr),
            leslie: Leslie::new(sr),
            params: DEFAULTS,
            quiet_frames: u64::MAX / 2,
            asleep: true,
        }
    }

    /// Silence, as the orbit started (its output blew up).
    pub fn clear(&mut self) {
        self.reverb.clear();
        self.delay.clear();
        self.leslie.clear();
        self.asleep = true;
    }

    pub fn asleep(&self) -> bool {
        self.asleep
    }

    /// One block: the sends (`room` mono, `delay` left and right) into the effects, their
    /// sum written to `left`/`right`. `cps` for `lock`.
    pub fn process(
        &mut self,
        sends: &OrbitSends,
        frames: usize,
        cps: f64,
        sample_rate: u32,
        left: &mut [f32],
        right: &mut [f32],
    ) {
        let (left, right) = (&mut left[..frames], &mut right[..frames]);
        if sends.heard {
            if self.asleep {
                // Woken: the parameters start where they are set, they glide only while the
                // orbit sounds.
                let [size, dry, time, _, lock, rate, _] = self.params;
                self.reverb.depth.y = depth_of(size);
                self.reverb.wet.y = 1.0 - dry;
                self.delay.time.y = self.delay.frames(time, lock, cps);
                self.leslie.wake(rate);
            }
            self.quiet_frames = 0;
            self.asleep = false;
        } else {
            self.quiet_frames += frames as u64;
        }
        if self.asleep {
            return;
        }
        left.fill(0.0);
        right.fill(0.0);
        let [size, dry, time, feedback, lock, rate, lsize] = self.params;
        self.reverb
            .run(&sends.room[..frames], size, dry, left, right);
        let time = self.delay.frames(time, lock, cps);
        self.delay.run(
            [&sends.delay[0][..frames], &sends.delay[1][..frames]],
            time,
            feedback,
            [&mut *left, &mut *right],
        );
        if sends.leslie_heard || !self.leslie.silent() {
            self.leslie.run(
                [&sends.leslie[0][..frames], &sends.leslie[1][..frames]],
                rate,
                lsize,
                [&mut *left, &mut *right],
            );
        }
        let peak = (left.iter().chain(right.iter())).fold(0.0f32, |m, x| m.max(x.abs()));
        if self.quiet_frames as f64 > GRACE_SECONDS * sample_rate as f64 && peak < QUIET {
            // Asleep: the output stays silent until a send wakes it.
            left.fill(0.0);
            right.fill(0.0);
            self.asleep = true;
        }
    }
}

/// What one block's events send to one orbit, and the parameters they set.
pub struct OrbitSends {
    /// The `room` sends, summed to mono as `dirt_reverb` hears them.
    pub room: Vec<f32>,
    /// The `delay` sends, left and right.
    pub delay: [Vec<f32>; 2],
    /// The `leslie` sends, left and right.
    pub leslie: [Vec<f32>; 2],
    /// Whether anything was sent this block, and whether to the leslie.
    pub heard: bool,
    pub leslie_heard: bool,
    /// Per parameter of [`PARAMS`], the last value an event of this block set and the frame
    /// it starts at.
    pub params: [Option<(i64, f32)>; 7],
}

impl OrbitSends {
    pub fn new(max_block: usize) -> OrbitSends {
        OrbitSends {
            room: vec![0.0; max_block + 4],
            delay: [vec![0.0; max_block + 4], vec![0.0; max_block + 4]],
            leslie: [vec![0.0; max_block + 4], vec![0.0; max_block + 4]],
            heard: false,
            leslie_heard: false,
            params: [None; 7],
        }
    }

    /// Empty for the next block (only what was written is cleared).
    pub fn clear(&mut self, frames: usize) {
        if self.heard {
            self.room[..frames].fill(0.0);
            self.delay[0][..frames].fill(0.0);
            self.delay[1][..frames].fill(0.0);
        }
        if self.leslie_heard {
            self.leslie[0][..frames].fill(0.0);
            self.leslie[1][..frames].fill(0.0);
        }
        self.heard = false;
        self.leslie_heard = false;
        self.params = [None; 7];
    }

    /// Records a parameter an event starting at `frame` sets.
    pub fn set(&mut self, param: usize, frame: i64, value: f32) {
        if self.params[param].is_none_or(|(f, _)| f <= frame) {
            self.params[param] = Some((frame, value));
        }
    }

    /// Adds `other`'s sends and parameters (another bank's, for the same orbit).
    pub fn gather(&mut self, other: &OrbitSends, frames: usize) {
        if other.heard {
            self.heard = true;
            for (a, b) in self.room[..frames].iter_mut().zip(&other.room[..frames]) {
                *a += b;
            }
            for c in 0..2 {
                let (a, b) = (&mut self.delay[c][..frames], &other.delay[c][..frames]);
                for (a, b) in a.iter_mut().zip(b) {
                    *a += b;
                }
            }
        }
        if other.leslie_heard {
            self.leslie_heard = true;
            for c in 0..2 {
                let (a, b) = (&mut self.leslie[c][..frames], &other.leslie[c][..frames]);
                for (a, b) in a.iter_mut().zip(b) {
                    *a += b;
                }
            }
        }
        for (p, set) in other.params.iter().enumerate() {
            if let Some((frame, value)) = *set {
                self.set(p, frame, value);
            }
        }
    }
}

/// An orbit of a running program: its number, its state, what its events send this block,
/// and the buffers of its output.
pub struct Orbit {
    pub number: u32,
    pub state: Box<OrbitState>,
    pub sends: OrbitSends,
    pub left: usize,
    pub right: usize,
}

impl Orbit {
    /// Orbit `number` with `state`, its output in buffers `left` and `right`.
    pub fn new(
        number: u32,
        state: Box<OrbitState>,
        max_block: usize,
        left: usize,
        right: usize,
    ) -> Orbit {
        Orbit {
            number,
            state,
            sends: OrbitSends::new(max_block),
            left,
            right,
        }
    }

    /// Applies the parameters this block's events set (the latest event's, as SuperDirt).
    pub fn take_params(&mut self) {
        for (p, set) in self.sends.params.iter().enumerate() {
            if let Some((_, value)) = *set {
                self.state.params[p] = value;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SR: u32 = 48_000;

    fn run(
        state: &mut OrbitState,
        blocks: usize,
        send: impl Fn(usize, &mut OrbitSends),
    ) -> Vec<[f32; 2]> {
        let frames = 512;
        let mut sends = OrbitSends::new(frames);
        let (mut l, mut r) = (vec![0.0; frames], vec![0.0; frames]);
        let mut out = Vec::new();
        for b in 0..blocks {
            sends.clear(frames);
            send(b, &mut sends);
            for (p, set) in sends.params.iter().enumerate() {
                if let Some((_, v)) = *set {
                    state.params[p] = v;
                }
            }
            state.process(&sends, frames, 0.5, SR, &mut l, &mut r);
            out.extend(l.iter().zip(&r).map(|(a, b)| [*a, *b]));
        }
        out
    }

    #[test]
    fn an_impulse_into_the_delay_echoes_at_its_time_by_its_feedback() {
        let mut s = OrbitState::new(SR);
        s.params = [0.1, 0.0, 0.1, 0.5, 0.0, 6.7, 0.3];
        let out = run(&mut s, 60, |b, sends| {
            if b == 0 {
                sends.delay[0][0] = 1.0;
                sends.heard = true;
            }
        });
        let left: Vec<f32> = out.iter().map(|x| x[0]).collect();
        let step = (0.1 * SR as f64) as usize;
        for k in 1..5 {
            let at = k * step;
            let peak = left[at - 2..at + 3]
                .iter()
                .fold(0.0f32, |m, x| m.max(x.abs()));
            let expected = 0.5f32.powi(k as i32 - 1);
            assert!(
                (peak - expected).abs() < 0.02 * expected + 1e-3,
                "echo {k}: {peak} vs {expected}"
            );
            let between = left[at + 100..at + step - 100]
                .iter()
                .fold(0.0f32, |m, x| m.max(x.abs()));
            assert!(between < 0.01 * expected, "between echoes {k}: {between}");
        }
    }

    /// `dirt_reverb` one frame at a time, the whole loop per frame: what the pieces of
    /// [`Reverb::run`] must equal.
    fn reverb_by_frame(r: &mut Reverb, send: &[f32], size: f32, dry: f32) -> Vec<[f32; 2]> {
        let (depth, wet) = (depth_of(size), 1.0 - dry);
        let mut out = Vec::new();
        for &x in send {
            let d = r.depth.run(depth);
            let w = r.wet.run(wet);
            let mut frame = [0.0f32; 2];
            for (c, s) in r.sides.iter_mut().enumerate() {
                let mut input = x;
                for a in &mut s.input {
                    input = a.run(input);
                }
                let fed = s.last * (d + s.depth_offset);
                s.one_pole = flush(0.5 * fed + 0.5 * s.one_pole);
                let y = s.loop_a.run(s.one_pole);
                let y = s.line.run(y);
                let y = s.loop_b.run(y);
                s.last = s.leak.run(y + input);
                frame[c] += s.last * w;
            }
            out.push(frame);
        }
        out
    }

    #[test]
    fn the_reverb_in_pieces_is_the_reverb_frame_by_frame() {
        // Noise bursts and silence, blocks of odd sizes, size and dry changing: every ring
        // wraps many times over the 3 s; at 8 kHz the input allpasses are shorter than a piece.
        for rate in [SR, 8_000] {
            reverb_in_pieces_at(rate);
        }
    }

    fn reverb_in_pieces_at(rate: u32) {
        let mut seed = 1u32;
        let send: Vec<f32> = (0..3 * rate as usize)
            .map(|i| {
                seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                let noise = (seed >> 8) as f32 / (1 << 24) as f32 - 0.5;
                if (i / 20_000) % 2 == 0 { noise } else { 0.0 }
            })
            .collect();
        let (mut pieces, mut frames) = (Reverb::new(rate as f64), Reverb::new(rate as f64));
        let (mut done, mut k) = (0, 0);
        let mut same = true;
        while done < send.len() {
            let n = [512, 1, 37, 300, 64, 1000][k % 6].min(send.len() - done);
            let (size, dry) = ([0.1, 0.9, 0.5][k % 3], [0.0, 0.3][k % 2]);
            let x = &send[done..done + n];
            let (mut l, mut r) = (vec![0.0; n], vec![0.0; n]);
            pieces.run(x, size, dry, &mut l, &mut r);
            let want = reverb_by_frame(&mut frames, x, size, dry);
            for f in 0..n {
                same &= l[f].to_bits() == want[f][0].to_bits();
                same &= r[f].to_bits() == want[f][1].to_bits();
            }
            done += n;
            k += 1;
        }
        assert!(same, "bit for bit at {rate} Hz");
        let tail = pieces.sides[1].last;
        assert!(tail != 0.0 && tail == frames.sides[1].last);
    }

    #[test]
    fn a_delay_without_sends_skips_only_silence() {
        // An orbit kept awake by its reverb's sends, its delay fed twice 600 blocks apart:
        // between them, once the echo has died away and its line is all zeros, the delay
        // skips its work. The output equals that of an orbit whose delay computed every block
        // (sends too small to be written), bit for bit, the delay time gliding meanwhile.
        let blocks = |s: &mut OrbitState, from: usize, to: usize, tiny: bool| {
            run(s, to - from, |b, sends| {
                let b = b + from;
                if b.is_multiple_of(50) {
                    sends.room[3] = 1e-3;
                    sends.heard = true;
                }
                if b == 0 || b == 600 {
                    sends.delay[0][5] = 1.0;
                    sends.delay[1][7] = 0.5;
                    sends.heard = true;
                } else if tiny {
                    sends.delay[0][0] = 1e-30;
                    sends.heard = true;
                }
                // The delay time set while the delay skips glides to the second echo.
                if b == 590 {
                    sends.params[2] = Some((0, 0.05));
                }
            })
        };
        let fresh = || {
            let mut s = OrbitState::new(SR);
            s.params = [0.1, 0.0, 0.01, 0.3, 0.0, 6.7, 0.3];
            s
        };
        let (mut skipping, mut computing) = (fresh(), fresh());
        let mut a = blocks(&mut skipping, 0, 600, false);
        assert!(skipping.delay.silent_frames >= skipping.delay.lines[0].len());
        assert!(!skipping.asleep());
        a.extend(blocks(&mut skipping, 600, 640, false));
        let b = blocks(&mut computing, 0, 640, true);
        assert!(computing.delay.silent_frames < computing.delay.lines[0].len());
        let bits = |v: &[[f32; 2]]| {
            v.iter()
                .flat_map(|x| x.map(f32::to_bits))
                .collect::<Vec<_>>()
        };
        assert_eq!(bits(&a), bits(&b));
        assert!(
            a[600 * 512..].iter().any(|x| x[0].abs() > 0.1),
            "the second echo"
        );
    }

    #[test]
    fn a_larger_size_rings_longer_and_the_tail_is_stereo() {
        let decay = |size: f32| {
            let mut s = OrbitState::new(SR);
            s.params[0] = size;
            let out = run(&mut s, 400, |b, sends| {
                if b == 0 {
                    sends.room[..64].fill(1.0);
                    sends.heard = true;
                }
            });
            // Frames until the level (per 10 ms window) stays 60 dB under its peak.
            let energy: Vec<f32> = out
                .chunks(480)
                .map(|w| w.iter().map(|x| x[0] * x[0] + x[1] * x[1]).sum::<f32>())
                .collect();
            let peak = energy.iter().cloned().fold(0.0, f32::max);
            let last = energy.iter().rposition(|&e| e > peak * 1e-6).unwrap();
            let (l, r): (Vec<f32>, Vec<f32>) = out.iter().map(|x| (x[0], x[1])).unzip();
            assert_ne!(l, r, "the two sides differ");
            last as f64 * 0.01
        };
        let (small, large) = (decay(0.3), decay(0.9));
        assert!(
            small > 0.05 && large > 2.0 * small,
            "RT60 {small} s at 0.3, {large} s at 0.9"
        );
    }

    #[test]
    fn an_orbit_sleeps_after_its_tail_and_wakes_on_a_send() {
        let mut s = OrbitState::new(SR);
        let out = run(&mut s, 1000, |b, sends| {
            if b == 0 {
                sends.room[0] = 1.0;
                sends.heard = true;
            }
        });
        assert!(s.asleep());
        assert!(
            out[out.len() - 512..]
                .iter()
                .all(|x| x[0] == 0.0 && x[1] == 0.0)
        );
        run(&mut s, 1, |_, sends| {
            sends.room[0] = 1.0;
            sends.heard = true;
        });
        assert!(!s.asleep());
    }
}
