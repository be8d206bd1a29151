//! Synths by name: `s "superpiano"`, `s "sawtooth"`. An event whose sound is not a sample
//! folder but one of these names starts a synth voice, which the voice bank mixes like a
//! sample voice (its per-event effects, gain, pan and sends come after it).
//!
//! The names and their sounds, from the two systems Tidal and Strudel users know:
//! - `sine`, `sawtooth` (`saw`), `square`, `triangle` (`tri`): Strudel's `superdough`
//!   waveform synths: the oscillator times 0.3 times a linear ADSR (attack 0.001 s, decay
//!   0.05 s, sustain level 0.6, release 0.01 s when none is given; Strudel's rules when some
//!   are) held for the event's duration. Saw and square are band-limited (polyBLEP).
//! - `supersaw`: SuperDirt's: three saws detuned by `voice`/50, a triangle `semitone` above,
//!   a Moog ladder (SuperCollider's `MoogFF`) swept by a triangle LFO between
//!   `10·freq·pitch1` and `lfo + 1` times that, `tanh`·2, SuperDirt's envelope pairs.
//! - `superpiano`: SuperDirt's uses sc3-plugins' `MdaPiano`, whose sampled waveforms are not
//!   available: Phonon's is a modal model of two detuned stiff strings (inharmonic partials,
//!   a hammer spectrum that brightens with `velocity`, higher partials decaying faster,
//!   `muffle` darkening), inside SuperDirt's `Env.linen(0.002, 0.996, 0.002)` over `sustain`.
//! - `superfm`: SuperDirt's six-operator FM synth with its default settings (every ratio 1,
//!   every level 1, no modulation, operator envelopes `[0, 1, 1, 1, 1]` at rates 10, 0.3,
//!   0.1, 0.1, so each rises over a hundredth of the sustain); its detunes, random per
//!   SuperDirt start, are fixed here. Six unison sines, −15 dB, in `Env.linen(0.01, 0.98,
//!   0.01)`.
//! - `pluck`: a plucked string (Karplus–Strong computed as its modes: harmonic partials of a
//!   string plucked at a fifth of its length, each losing per period what the
//!   Karplus–Strong averaging filter takes at its frequency), the fundamental decaying by
//!   60 dB over `sustain`; neither SuperDirt nor Strudel has one of this name.
//!
//! Pitch as SuperDirt: `freq` in Hz, else `note` (else `n`) semitones from c5 = 261.63 Hz
//! plus `octave` (default 5) times 12, times SuperDirt's `DirtFreqScale`: `speed` gliding
//! to `speed·(1 + accelerate)` over the sustain. SuperDirt's synths are scaled by its
//! default `amp` (0.4), which the bank's `gain`/`amp` curve then treats as it treats a
//! sample at its own level.

use std::f64::consts::{PI, TAU};

/// The synths by name, for the compiler's check of sound names.
pub const NAMES: &[&str] = &[
    "sine",
    "sawtooth",
    "saw",
    "square",
    "triangle",
    "tri",
    "supersaw",
    "superpiano",
    "superfm",
    "pluck",
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SynthKind {
    Sine,
    Sawtooth,
    Square,
    Triangle,
    Supersaw,
    Superpiano,
    Superfm,
    Pluck,
}

impl SynthKind {
    pub fn from_name(name: &str) -> Option<SynthKind> {
        Some(match name {
            "sine" => SynthKind::Sine,
            "sawtooth" | "saw" => SynthKind::Sawtooth,
            "square" => SynthKind::Square,
            "triangle" | "tri" => SynthKind::Triangle,
            "supersaw" => SynthKind::Supersaw,
            "superpiano" => SynthKind::Superpiano,
            "superfm" => SynthKind::Superfm,
            "pluck" => SynthKind::Pluck,
            _ => return None,
        })
    }
}

/// Middle C (note 0, Tidal's c5), Hz.
pub const MIDDLE_C: f64 = 261.625_565_300_598_6;

/// SuperDirt's default `amp`, by which its synths' output is scaled.
const DIRT_AMP: f64 = 0.4;

/// Strudel's waveform synths' fixed gain.
const STRUDEL_GAIN: f64 = 0.3;

/// Frames between updates of a glide (`accelerate`): SuperCollider's control period.
const CONTROL: usize = 64;

/// Most partials of a modal voice (piano: two strings).
const MODES: usize = 32;

/// An envelope of breakpoints, SuperCollider's `EnvGen` segments: each goes from the level
/// reached to its target over its frames, linearly (`curve` 0) or along
/// `(1 - e^(curve·t)) / (1 - e^curve)`.
#[derive(Clone, Copy, Debug)]
struct Env {
    /// (target, frames, curve); at most six segments.
    segments: [(f64, f64, f64); 6],
    count: usize,
    /// Segment now, frames into it, level at its start.
    at: usize,
    t: f64,
    from: f64,
}

impl Env {
    fn new(start: f64, segments: &[(f64, f64, f64)]) -> Env {
        let mut s = [(0.0, 0.0, 0.0); 6];
        s[..segments.len()].copy_from_slice(segments);
        Env {
            segments: s,
            count: segments.len(),
            at: 0,
            t: 0.0,
            from: start,
        }
    }

    /// Total frames of its segments.
    fn frames(&self) -> f64 {
        self.segments[..self.count].iter().map(|s| s.1).sum()
    }

    /// The level now, then one frame on.
    #[inline]
    fn next(&mut self) -> f64 {
        while self.at < self.count && self.t >= self.segments[self.at].1 {
            self.t -= self.segments[self.at].1;
            self.from = self.segments[self.at].0;
            self.at += 1;
        }
        if self.at >= self.count {
            return self.from;
        }
        let (to, frames, curve) = self.segments[self.at];
        let x = self.t / frames;
        self.t += 1.0;
        let shaped = if curve.abs() < 0.001 {
            x
        } else {
            (1.0 - (curve * x).exp()) / (1.0 - curve.exp())
        };
        self.from + (to - self.from) * shaped
    }
}

/// SuperCollider's `Env.linen(attack, sustain, release, 1, curve)` scaled by `scale` seconds.
fn linen(attack: f64, sustain: f64, release: f64, curve: f64, scale: f64, sr: f64) -> Env {
    let f = scale * sr;
    Env::new(
        0.0,
        &[
            (1.0, attack * f, curve),
            (1.0, sustain * f, curve),
            (0.0, release * f, curve),
        ],
    )
}

/// Strudel's `getADSRValues` and `getParamADSR` (linear) for a note held `hold` seconds:
/// the segments, and the frames until Strudel stops the oscillator (release + 10 ms).
fn strudel_adsr(
    attack: Option<f64>,
    decay: Option<f64>,
    release: Option<f64>,
    hold: f64,
    sr: f64,
) -> Env {
    let (a, d, s, r) = if attack.is_none() && decay.is_none() && release.is_none() {
        (0.001, 0.05, 0.6, 0.01)
    } else {
        // Phonon's `sustain` is SuperDirt's duration, so the sustain level follows
        // Strudel's rule for when it is not given: full unless only a decay is.
        let s = if decay.is_none() { 1.0 } else { 0.001 };
        (
            attack.unwrap_or(0.0).max(0.001),
            decay.unwrap_or(0.0).max(0.001),
            s,
            release.unwrap_or(0.0).max(0.01),
        )
    };
    let at = |t: f64| {
        if a > t {
            t / a
        } else {
            1.0 + (t - a) * (s - 1.0) / d
        }
    };
    let hold = hold.max(0.0);
    let mut segs = [(0.0, 0.0, 0.0); 6];
    let mut n = 0;
    let mut push = |s: (f64, f64, f64)| {
        segs[n] = s;
        n += 1;
    };
    if a > hold {
        push((at(hold), hold * sr, 0.0));
    } else if a + d > hold {
        push((1.0, a * sr, 0.0));
        push((at(hold), (hold - a) * sr, 0.0));
    } else {
        push((1.0, a * sr, 0.0));
        push((s, d * sr, 0.0));
        push((s, (hold - a - d) * sr, 0.0));
    }
    push((0.0, r * sr, 0.0));
    // The oscillator stops 10 ms after the release (silent by then).
    push((0.0, 0.01 * sr, 0.0));
    Env::new(0.0, &segs[..n])
}

/// What sounds: one kind's oscillators and their state. Voices live in slots reserved
/// when the bank is built, so the modal variant's size is paid once per slot; boxing it
/// would allocate per event on the render thread.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Copy, Debug)]
enum Gen {
    /// Phase in cycles.
    Wave {
        kind: SynthKind,
        phase: f64,
    },
    Supersaw(Supersaw),
    /// Damped rotating phasors, one per partial: `z ← z·r·e^(iω)`, output `Σ Im z`.
    Modal(Modal),
    Fm {
        phases: [f64; 6],
        op_env: Env,
    },
}

#[derive(Clone, Copy, Debug)]
struct Supersaw {
    saws: [f64; 3],
    detune: f64,
    /// `LFTri` phases (SuperCollider's -1..3 range): the octave triangle and the LFO.
    tri: f64,
    tri_ratio: f64,
    lfo: f64,
    lfo_ratio: f64,
    /// The LFO sweeps the cutoff between these (Hz per Hz of base frequency).
    cut_lo: f64,
    cut_hi: f64,
    k: f64,
    moog: [f64; 4],
}

#[derive(Clone, Copy, Debug)]
struct Modal {
    count: usize,
    /// Radians per frame at a frequency scale of 1, per-frame decay, state, rotation.
    w: [f64; MODES],
    r: [f64; MODES],
    z: [[f64; 2]; MODES],
    rot: [[f64; 2]; MODES],
    /// Scale the rotations were computed for.
    scale: f64,
}

impl Modal {
    fn new() -> Modal {
        Modal {
            count: 0,
            w: [0.0; MODES],
            r: [0.0; MODES],
            z: [[0.0; 2]; MODES],
            rot: [[0.0; 2]; MODES],
            scale: f64::NAN,
        }
    }

    /// A partial at `hz` (dropped at or above 0.45 of the sample rate) of amplitude `amp`,
    /// decaying by 60 dB over `t60` seconds, starting at phase `phase`.
    fn add(&mut self, hz: f64, amp: f64, t60: f64, phase: f64, sr: f64) {
        if self.count == MODES || hz >= 0.45 * sr || hz <= 0.0 {
            return;
        }
        let i = self.count;
        self.w[i] = TAU * hz / sr;
        self.r[i] = (-6.907_755_278_982_137 / (t60.max(1e-3) * sr)).exp();
        self.z[i] = [amp * phase.cos(), amp * phase.sin()];
        self.count += 1;
    }

    fn retune(&mut self, scale: f64) {
        if scale == self.scale {
            return;
        }
        self.scale = scale;
        for i in 0..self.count {
            let w = self.w[i] * scale;
            // A partial pushed past 0.45 of the sample rate by a glide falls silent.
            let r = if w >= TAU * 0.45 { 0.0 } else { self.r[i] };
            self.rot[i] = [r * w.cos(), r * w.sin()];
        }
    }

    #[inline]
    fn next(&mut self) -> f64 {
        let mut sum = 0.0;
        for i in 0..self.count {
            let [re, im] = self.z[i];
            let [c, s] = self.rot[i];
            self.z[i] = [re * c - im * s, re * s + im * c];
            sum += im;
        }
        sum
    }
}

/// One synth voice: its generator, its envelope, its pitch and glide, its output scale.
#[derive(Clone, Copy, Debug)]
pub struct SynthVoice {
    source: Gen,
    env: Env,
    /// Base frequency, Hz.
    freq: f64,
    /// `DirtFreqScale`: from `speed` to `speed·(1 + accelerate)` over `glide` frames.
    scale_from: f64,
    scale_to: f64,
    glide: f64,
    /// Frames rendered so far.
    t: f64,
    gain: f64,
    sample_rate: f64,
    /// Frames the voice sounds (its envelope's end).
    pub frames: i64,
}

/// A polyBLEP step correction at phase `p` (cycles) for increment `dt`.
#[inline]
fn blep(p: f64, dt: f64) -> f64 {
    if p < dt {
        let x = p / dt;
        x + x - x * x - 1.0
    } else if p > 1.0 - dt {
        let x = (p - 1.0) / dt;
        x * x + x + x + 1.0
    } else {
        0.0
    }
}

/// SuperCollider's `LFTri` value at phase `p` (-1..3), one frame on by `step`.
#[inline]
fn lftri(p: &mut f64, step: f64) -> f64 {
    let z = if *p > 1.0 { 2.0 - *p } else { *p };
    *p += step;
    if *p >= 3.0 {
        *p -= 4.0;
    }
    z
}

/// SuperCollider's `MoogFF` (Fontana's digital Moog ladder): `k` is the feedback gain 0..4.
#[inline]
fn moog_ff(s: &mut [f64; 4], x: f64, b0: f64, a1: f64, k: f64) -> f64 {
    let b04 = b0 * b0 * b0 * b0;
    let o = s[3] + b0 * (s[2] + b0 * (s[1] + b0 * s[0]));
    let out = (b04 * x + o) / (1.0 + b04 * k);
    let u = x - k * out;
    let mut past = u;
    let mut future = b0 * past + s[0];
    s[0] = b0 * past - a1 * future;
    past = future;
    future = b0 * past + s[1];
    s[1] = b0 * past - a1 * future;
    past = future;
    future = b0 * past + s[2];
    s[2] = b0 * past - a1 * future;
    s[3] = b0 * future - a1 * out;
    out
}

/// `MoogFF`'s coefficients for cutoff `hz`.
fn moog_coefficients(hz: f64, sr: f64) -> (f64, f64) {
    let hz = hz.clamp(1.0, 0.45 * sr);
    let t = 1.0 / sr;
    let wcd = (2.0 * (t * PI * hz).tan() * sr).max(0.0);
    let twcd = t * wcd;
    (twcd / (twcd + 2.0), (twcd - 2.0) / (twcd + 2.0))
}

/// The six operators' detunes in Hz (SuperDirt draws them from ±0.1 at its start).
const FM_DETUNES: [f64; 6] = [0.031, -0.087, 0.062, -0.014, 0.095, -0.058];

/// An event's parameters as a synth reads them.
pub struct SynthParams {
    pub freq: f64,
    /// SuperDirt's `sustain`: the envelope's time scale, seconds.
    pub sustain: f64,
    pub speed: f64,
    pub accelerate: f64,
    pub attack: Option<f64>,
    pub decay: Option<f64>,
    pub release: Option<f64>,
    pub velocity: f64,
    pub voice: Option<f64>,
    pub resonance: Option<f64>,
}

impl SynthParams {
    /// The pitch of an event: `freq`, else `note` (else, for a synth, `n`) + (`octave` -
    /// 5)·12 semitones from c5; non-finite values fall back to middle C. A sample plays at
    /// its own speed at middle C (SuperDirt's `freq / 60.midicps`), and its `n` is the
    /// sample's number, not a note.
    pub fn pitch(get: &impl Fn(&str) -> Option<f64>, n_is_note: bool) -> f64 {
        if let Some(f) = get("freq").filter(|f| f.is_finite() && *f > 0.0) {
            return f;
        }
        let n = || if n_is_note { get("n") } else { None };
        let note = get("note").or_else(n).unwrap_or(0.0);
        let octave = get("octave").unwrap_or(5.0);
        let hz = MIDDLE_C * ((note + (octave - 5.0) * 12.0) / 12.0).exp2();
        if hz.is_finite() { hz } else { MIDDLE_C }
    }
}

impl SynthVoice {
    pub fn new(kind: SynthKind, p: &SynthParams, sr: f64) -> SynthVoice {
        let sustain = if p.sustain.is_finite() {
            p.sustain.clamp(0.0, 3600.0)
        } else {
            0.0
        };
        let freq = p.freq.clamp(0.0, sr);
        let speed = if p.speed.is_finite() {
            p.speed.abs()
        } else {
            1.0
        };
        let accel = if p.accelerate.is_finite() {
            p.accelerate
        } else {
            0.0
        };
        let velocity = p.velocity.clamp(0.0, 2.0);
        let (source, env, gain) = match kind {
            SynthKind::Sine | SynthKind::Sawtooth | SynthKind::Square | SynthKind::Triangle => (
                Gen::Wave { kind, phase: 0.0 },
                strudel_adsr(p.attack, p.decay, p.release, sustain, sr),
                STRUDEL_GAIN,
            ),
            SynthKind::Supersaw => {
                let voice = p.voice.unwrap_or(0.5);
                let pitch1 = 1.0;
                let lo = (10.0 * pitch1 * freq).min(22000.0);
                let hi = (lo * 2.0).min(22000.0);
                let decay = p.decay.unwrap_or(0.0);
                let env = Env::new(
                    0.0,
                    &[
                        (1.0, 0.05 * sustain * sr, -3.0),
                        (1.0 - decay, 0.15 * sustain * sr, -3.0),
                        (1.0 - decay, 0.75 * sustain * sr, -3.0),
                        (0.0, 0.05 * sustain * sr, -3.0),
                    ],
                );
                (
                    Gen::Supersaw(Supersaw {
                        saws: [0.0; 3],
                        detune: voice / 50.0,
                        // `LFTri`'s initial phase is its `iphase` argument (0..4).
                        tri: voice,
                        tri_ratio: 2.0,
                        lfo: 0.5,
                        lfo_ratio: 1.0 / 64.0,
                        cut_lo: if freq > 0.0 { lo / freq } else { 0.0 },
                        cut_hi: if freq > 0.0 { hi / freq } else { 0.0 },
                        k: (p.resonance.unwrap_or(0.2) * 4.0).clamp(0.0, 4.0),
                        moog: [0.0; 4],
                    }),
                    env,
                    DIRT_AMP,
                )
            }
            SynthKind::Superpiano => {
                let mut m = Modal::new();
                // Stiff-string partials f·k·sqrt(1 + B·k²), B growing up the keyboard; a
                // hammer that brightens with velocity; two strings 0.1 detune apart.
                let b = 0.000_4 * (freq / MIDDLE_C).powf(1.5).min(20.0);
                let bright = 1.6 - 0.8 * velocity.min(1.0);
                let t60 = (8.0 * (MIDDLE_C / freq.max(20.0)).sqrt()).clamp(0.4, 20.0);
                let cents = 0.1 * 2.0;
                for string in [-1.0f64, 1.0] {
                    let detune = (string * cents / 1200.0).exp2();
                    for k in 1..=MODES / 2 {
                        let kf = k as f64;
                        let hz = freq * detune * kf * (1.0 + b * kf * kf).sqrt();
                        let strike = (PI * kf / 7.0).sin().abs();
                        let amp = 0.25 * velocity.min(1.0).sqrt() * strike / kf.powf(bright);
                        let muffle = (-(kf * freq) / (3000.0 + 4000.0 * velocity)).exp();
                        m.add(hz, amp * muffle, t60 / (1.0 + 0.4 * (kf - 1.0)), 0.0, sr);
                    }
                }
                (
                    Gen::Modal(m),
                    linen(0.002, 0.996, 0.002, -3.0, sustain, sr),
                    DIRT_AMP,
                )
            }
            SynthKind::Pluck => {
                let mut m = Modal::new();
                // Each period the Karplus–Strong average keeps |cos(π·f_k/sr)| of partial
                // k; the loop gain ρ sets the fundamental's decay to 60 dB over `sustain`.
                let t60 = sustain.max(0.01);
                let periods = t60 * freq;
                let loss1 = (PI * freq / sr).cos().abs();
                let rho = 0.001f64.powf(1.0 / periods.max(1.0)) / loss1.max(1e-9);
                for k in 1..=MODES {
                    let kf = k as f64;
                    let loss = rho * (PI * kf * freq / sr).cos().abs();
                    let t60k = if loss > 0.0 && loss < 1.0 {
                        -3.0 / (freq * loss.log10())
                    } else {
                        t60
                    };
                    let amp = 0.6 * (PI * kf / 5.0).sin().abs() / kf;
                    m.add(kf * freq, amp, t60k.min(t60), 0.0, sr);
                }
                (
                    Gen::Modal(m),
                    linen(0.002, 0.996, 0.002, -3.0, sustain, sr),
                    DIRT_AMP,
                )
            }
            SynthKind::Superfm => {
                let s = sustain * sr;
                let rate = |r: f64| (0.1 / r).max(0.001) * s;
                (
                    Gen::Fm {
                        phases: [0.0; 6],
                        op_env: Env::new(
                            0.0,
                            &[
                                (1.0, rate(10.0), 0.0),
                                (1.0, rate(0.3), 0.0),
                                (1.0, rate(0.1), 0.0),
                                (1.0, rate(0.1), 0.0),
                            ],
                        ),
                    },
                    linen(0.01, 0.98, 0.01, -3.0, sustain, sr),
                    DIRT_AMP * 10f64.powf(-15.0 / 20.0),
                )
            }
        };
        SynthVoice {
            source,
            frames: env.frames().ceil() as i64,
            env,
            freq,
            scale_from: speed,
            scale_to: speed * (1.0 + accel),
            glide: (sustain * sr).max(1.0),
            t: 0.0,
            gain,
            sample_rate: sr,
        }
    }

    /// Whether `attack` and `release` are its own envelope's (Strudel's waveforms) rather
    /// than SuperDirt's `envelope` module after it.
    pub fn own_envelope(&self) -> bool {
        matches!(self.source, Gen::Wave { .. })
    }

    /// `DirtFreqScale` at frame `t` of the voice.
    fn scale_at(&self, t: f64) -> f64 {
        let x = (t / self.glide).min(1.0);
        self.scale_from + (self.scale_to - self.scale_from) * x
    }

    /// Writes the voice's next `out.len()` frames (mono) over `out`.
    pub fn render(&mut self, out: &mut [f32]) {
        let sr = self.sample_rate;
        for chunk in out.chunks_mut(CONTROL) {
            // The glide's rate at the chunk's middle: exact for the phase of a linear glide.
            let scale = self.scale_at(self.t + chunk.len() as f64 * 0.5);
            let hz = self.freq * scale;
            let dt = (hz / sr).min(0.5);
            match &mut self.source {
                Gen::Wave { kind, phase } => {
                    for y in chunk.iter_mut() {
                        let p = *phase;
                        let v = match kind {
                            SynthKind::Sine => (TAU * p).sin(),
                            SynthKind::Sawtooth => {
                                // Starts at 0 rising, as Web Audio's sawtooth.
                                let q = (p + 0.5).fract();
                                2.0 * q - 1.0 - blep(q, dt)
                            }
                            SynthKind::Square => {
                                let v = if p < 0.5 { 1.0 } else { -1.0 };
                                v + blep(p, dt) - blep((p + 0.5).fract(), dt)
                            }
                            _ => 1.0 - 4.0 * ((p + 0.25).fract() - 0.5).abs(),
                        };
                        *phase = (p + dt).fract();
                        *y = (v * self.env.next() * self.gain) as f32;
                    }
                }
                Gen::Supersaw(s) => {
                    let (lo, hi) = (s.cut_lo * hz, s.cut_hi * hz);
                    let mut coefficients = (0.0, 0.0);
                    for (f, y) in chunk.iter_mut().enumerate() {
                        let mut saw = 0.0;
                        for (i, ph) in s.saws.iter_mut().enumerate() {
                            let d = dt * ((i as f64 - 1.0) * s.detune + 1.0);
                            let q = (*ph + 0.5).fract();
                            saw += 2.0 * q - 1.0 - blep(q, d.min(0.5));
                            *ph = (*ph + d).fract();
                        }
                        let tri = lftri(&mut s.tri, 4.0 * dt * s.tri_ratio);
                        let x = 0.5 * saw + 0.5 * tri;
                        let l = lftri(&mut s.lfo, 4.0 * dt * s.lfo_ratio);
                        // The LFO moves slowly (freq/64): the ladder's coefficients (a tan)
                        // are taken every 8 frames.
                        if f % 8 == 0 {
                            let cutoff = lo + (l + 1.0) * 0.5 * (hi - lo);
                            coefficients = moog_coefficients(cutoff, sr);
                        }
                        let (b0, a1) = coefficients;
                        let v = moog_ff(&mut s.moog, x, b0, a1, s.k).tanh() * 2.0;
                        *y = (v * self.env.next() * self.gain) as f32;
                    }
                    for v in &mut s.moog {
                        if !v.is_finite() || v.abs() < 1e-15 {
                            *v = 0.0;
                        }
                    }
                }
                Gen::Modal(m) => {
                    m.retune(scale);
                    for y in chunk.iter_mut() {
                        *y = (m.next() * self.env.next() * self.gain) as f32;
                    }
                }
                Gen::Fm { phases, op_env } => {
                    // Without modulation each operator is a sine: a rotating phasor per
                    // chunk, started from its exact phase.
                    let mut z = [[0.0f64; 2]; 6];
                    let mut rot = [[0.0f64; 2]; 6];
                    for (i, ph) in phases.iter_mut().enumerate() {
                        let step = ((hz + FM_DETUNES[i]) / sr).min(0.5);
                        z[i] = [(TAU * *ph).cos(), (TAU * *ph).sin()];
                        rot[i] = [(TAU * step).cos(), (TAU * step).sin()];
                        *ph = (*ph + step * chunk.len() as f64).fract();
                    }
                    for y in chunk.iter_mut() {
                        let e = op_env.next();
                        let mut sum = 0.0;
                        for (z, [c, s]) in z.iter_mut().zip(rot) {
                            sum += z[1];
                            *z = [z[0] * c - z[1] * s, z[0] * s + z[1] * c];
                        }
                        *y = (sum * e * self.env.next() * self.gain) as f32;
                    }
                }
            }
            self.t += chunk.len() as f64;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SR: f64 = 48_000.0;

    fn params(freq: f64, sustain: f64) -> SynthParams {
        SynthParams {
            freq,
            sustain,
            speed: 1.0,
            accelerate: 0.0,
            attack: None,
            decay: None,
            release: None,
            velocity: 1.0,
            voice: None,
            resonance: None,
        }
    }

    fn render(kind: SynthKind, p: &SynthParams) -> Vec<f32> {
        let mut v = SynthVoice::new(kind, p, SR);
        let mut out = vec![0.0; v.frames as usize];
        for chunk in out.chunks_mut(512) {
            v.render(chunk);
        }
        out
    }

    /// Zero crossings upwards per second over `frames`.
    fn pitch(x: &[f32]) -> f64 {
        let ups = x.windows(2).filter(|w| w[0] <= 0.0 && w[1] > 0.0).count();
        ups as f64 * SR / x.len() as f64
    }

    /// Magnitude of frequency `hz` in `x`.
    fn goertzel(x: &[f32], hz: f64) -> f64 {
        let w = TAU * hz / SR;
        let (mut re, mut im) = (0.0, 0.0);
        for (i, v) in x.iter().enumerate() {
            re += *v as f64 * (w * i as f64).cos();
            im += *v as f64 * (w * i as f64).sin();
        }
        (re * re + im * im).sqrt() / x.len() as f64
    }

    #[test]
    fn pitch_follows_note_octave_and_freq() {
        let get = |pairs: &'static [(&'static str, f64)]| {
            move |k: &str| pairs.iter().find(|p| p.0 == k).map(|p| p.1)
        };
        assert!((SynthParams::pitch(&get(&[]), true) - 261.6256).abs() < 1e-3);
        assert!((SynthParams::pitch(&get(&[("note", 9.0)]), true) - 440.0).abs() < 1e-9);
        assert!(
            (SynthParams::pitch(&get(&[("n", 9.0), ("octave", 4.0)]), true) - 220.0).abs() < 1e-9
        );
        assert!(
            (SynthParams::pitch(&get(&[("note", 3.0), ("freq", 100.0)]), true) - 100.0).abs()
                < 1e-12
        );
        // A sample's `n` is its number.
        assert!((SynthParams::pitch(&get(&[("n", 12.0)]), false) - MIDDLE_C).abs() < 1e-9);
    }

    #[test]
    fn strudel_adsr_levels() {
        // Defaults: up to 1 in 1 ms, down to 0.6 by 51 ms, held to 0.5 s, 0 by 0.51 s.
        let x = render(SynthKind::Square, &params(100.0, 0.5));
        let level = |t: f64| {
            let i = (t * SR) as usize;
            x[i..i + 960].iter().fold(0f32, |m, v| m.max(v.abs())) as f64
        };
        assert!((level(0.2) - 0.3 * 0.6).abs() < 0.01, "{}", level(0.2));
        assert!(x[(0.515 * SR) as usize..].iter().all(|v| v.abs() < 1e-6));
        assert_eq!(x.len(), ((0.5 + 0.01 + 0.01) * SR).ceil() as usize);
        // Attack alone: sustain level 1.
        let mut p = params(100.0, 0.5);
        p.attack = Some(0.1);
        let x = render(SynthKind::Square, &p);
        let peak = x[(0.3 * SR) as usize..(0.32 * SR) as usize]
            .iter()
            .fold(0f32, |m, v| m.max(v.abs()));
        assert!((peak - 0.3).abs() < 0.01, "{peak}");
    }

    #[test]
    fn each_synth_sounds_at_its_pitch_and_ends() {
        for kind in [
            SynthKind::Sine,
            SynthKind::Sawtooth,
            SynthKind::Triangle,
            SynthKind::Supersaw,
            SynthKind::Superpiano,
            SynthKind::Superfm,
            SynthKind::Pluck,
        ] {
            let x = render(kind, &params(220.0, 1.0));
            assert!(x.iter().all(|v| v.is_finite() && v.abs() < 2.0), "{kind:?}");
            let mid = &x[(0.1 * SR) as usize..(0.5 * SR) as usize];
            let rms =
                (mid.iter().map(|v| (*v as f64).powi(2)).sum::<f64>() / mid.len() as f64).sqrt();
            assert!(rms > 0.01, "{kind:?} rms {rms}");
            // A harmonic series on 220 Hz: its fundamental far above the half-integer
            // multiples between the partials.
            let at = |hz: f64| goertzel(mid, hz);
            for off in [110.0, 330.0, 550.0] {
                assert!(at(220.0) > 10.0 * at(off), "{kind:?} at {off}");
            }
            assert!(x.last().unwrap().abs() < 1e-3, "{kind:?} ends");
        }
    }

    #[test]
    fn accelerate_glides_the_pitch() {
        let mut p = params(220.0, 1.0);
        p.accelerate = 1.0;
        let x = render(SynthKind::Sine, &p);
        let early = pitch(&x[0..(0.1 * SR) as usize]);
        let late = pitch(&x[(0.9 * SR) as usize..(1.0 * SR) as usize]);
        assert!((early - 231.0).abs() < 12.0, "{early}");
        assert!((late - 429.0).abs() < 12.0, "{late}");
    }

    #[test]
    fn pluck_fundamental_decays_over_sustain() {
        let x = render(SynthKind::Pluck, &params(220.0, 1.0));
        let rms = |a: f64, b: f64| {
            let s = &x[(a * SR) as usize..(b * SR) as usize];
            (s.iter().map(|v| (*v as f64).powi(2)).sum::<f64>() / s.len() as f64).sqrt()
        };
        // 60 dB over a second: about 12 dB per 0.2 s for the fundamental, faster above.
        let drop = 20.0 * (rms(0.1, 0.15) / rms(0.5, 0.55)).log10();
        assert!((20.0..32.0).contains(&drop), "{drop}");
    }
}
