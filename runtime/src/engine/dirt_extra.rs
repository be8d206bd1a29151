//! SuperDirt's per-event effects that have state or formulas of their own: `phaserrate`
//! (`dirt_phaser`, a core module), and from `library/default-effects-extra.scd` `fshift` (`dirt_fshift`, SuperCollider's `FreqShift`), `krush`
//! (`dirt_krush`, Sonic Pi's), `octer` (`dirt_octer`, Sonic Pi's octaver) and `distort`
//! (`dirt_distort`: sc3-plugins' `CrossoverDistortion` with a `DynKlank` of four resonators).
//! Each runs one channel at a time over a voice's frames (`ch` 0 or 1), with SuperCollider's
//! unit generators written out.

use super::voice_fx::TwoPole;
use std::f64::consts::{PI, TAU};

/// SuperCollider's `SelectX` of two inputs: an equal-power crossfade, `which` clipped to 0..1.
fn select_x(which: f64, a: f64, b: f64) -> f64 {
    let w = which.clamp(0.0, 1.0) * std::f64::consts::FRAC_PI_2;
    a * w.cos() + b * w.sin()
}

/// SuperCollider's `softclip`.
fn softclip(x: f64) -> f64 {
    if x.abs() <= 0.5 {
        x
    } else {
        (x.abs() - 0.25) / x
    }
}

/// SuperCollider's `LeakDC` (coefficient 0.995).
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct LeakDc {
    x1: f64,
    y1: f64,
}

impl LeakDc {
    #[inline]
    pub(super) fn run(&mut self, x: f64) -> f64 {
        let y = x - self.x1 + 0.995 * self.y1;
        self.x1 = x;
        self.y1 = if y.abs() < 1e-20 { 0.0 } else { y };
        y
    }
}

/// SuperCollider's `LPF` (`high` false) or `HPF`: a second-order Butterworth filter.
pub(super) fn butterworth(freq: f64, sample_rate: f64, high: bool) -> TwoPole {
    let t = (PI * freq.clamp(1.0, sample_rate * 0.49) / sample_rate).tan();
    // LPF's C is 1/tan, HPF's tan; the numerators 1 ± 2z⁻¹ + z⁻².
    let c = if high { t } else { 1.0 / t };
    let c2 = c * c;
    let sqrt2c = c * std::f64::consts::SQRT_2;
    let a0 = 1.0 / (1.0 + sqrt2c + c2);
    let b1 = 2.0 * (1.0 - c2) * a0;
    TwoPole {
        g: 1.0,
        b1: if high { b1 } else { -b1 },
        b2: -(1.0 - sqrt2c + c2) * a0,
        h: a0,
        c1: if high { -2.0 } else { 2.0 },
        c2: 1.0,
        y: [[0.0; 2]; 2],
        single: false,
    }
}

/// `dirt_fshift`: `FreqShift.ar(sig, freq·fshiftnote + fshift, fshiftphase)`: the analytic
/// signal from SuperCollider's `Hilbert` (two chains of six first-order allpasses whose
/// outputs are 90° apart across the audio band) times a complex oscillator at the shift.
#[derive(Clone, Copy, Debug)]
pub(super) struct FreqShift {
    /// Allpass coefficients: the first six give the real part, the last six the imaginary.
    coefs: [f64; 12],
    /// Per channel, each allpass's last input and output.
    state: [[[f64; 2]; 12]; 2],
    /// Turns per frame, and per channel the oscillator's phase (turns): both channels
    /// start together and advance alike.
    step: f64,
    phase: [f64; 2],
}

/// The poles of SuperCollider's (and Csound's) `Hilbert`, times 15 Hz.
const HILBERT_POLES: [f64; 12] = [
    0.3609, 2.7412, 11.1573, 44.7581, 179.6242, 798.4578, 1.2524, 5.5671, 22.3423, 89.6271,
    364.7914, 2770.1114,
];

impl FreqShift {
    pub(super) fn new(shift: f64, phase: f64, sample_rate: f64) -> FreqShift {
        let coefs = HILBERT_POLES.map(|p| {
            let t = PI * 15.0 * p / sample_rate;
            (t - 1.0) / (t + 1.0)
        });
        FreqShift {
            coefs,
            state: [[[0.0; 2]; 12]; 2],
            step: shift / sample_rate,
            phase: [(phase / TAU).rem_euclid(1.0); 2],
        }
    }

    pub(super) fn process(&mut self, ch: usize, buf: &mut [f32]) {
        let mut phase = self.phase[ch];
        let state = &mut self.state[ch];
        for x in buf.iter_mut() {
            let mut re = *x as f64;
            let mut im = re;
            for (k, s) in state.iter_mut().enumerate() {
                let v = if k < 6 { &mut re } else { &mut im };
                let c = self.coefs[k];
                let y = c * (*v - s[1]) + s[0];
                s[0] = *v;
                s[1] = y;
                *v = y;
            }
            let w = TAU * phase;
            // The imaginary chain lags the real one by 90°: this sum shifts upwards.
            *x = (re * w.cos() + im * w.sin()) as f32;
            phase = (phase + self.step).rem_euclid(1.0);
        }
        self.phase[ch] = phase;
        for s in state.iter_mut().flatten() {
            if !s.is_finite() || s.abs() < 1e-20 {
                *s = 0.0;
            }
        }
    }
}

/// `dirt_krush`: `(x² + k·x) / (x² + |x|·(k - 1) + 1)`, an `RLPF` at `kcutoff` (4000 Hz
/// when 0 or not given, clipped to 20 Hz .. 10 kHz) with reciprocal Q 1, cross-faded in
/// over `krush` 0..0.5.
#[derive(Clone, Copy, Debug)]
pub(super) struct Krush {
    k: f64,
    lpf: TwoPole,
}

impl Krush {
    pub(super) fn new(k: f64, cutoff: Option<f64>, sample_rate: f64) -> Krush {
        let freq = cutoff
            .filter(|&c| c > 0.0)
            .unwrap_or(4000.0)
            .clamp(20.0, 10_000.0);
        Krush {
            k,
            lpf: TwoPole::resonant(freq.min(sample_rate / 2.0), 1.0, sample_rate, false),
        }
    }

    pub(super) fn process(&mut self, ch: usize, buf: &mut [f32]) {
        let k = self.k;
        for x in buf.iter_mut() {
            let o = *x as f64;
            let s = (o * o + k * o) / (o * o + o.abs() * (k - 1.0) + 1.0);
            let s = self.lpf.run(ch, s as f32) as f64;
            *x = select_x(k * 2.0, o, s) as f32;
        }
        self.lpf.settle();
    }
}

/// `dirt_octer`: `SelectX(octer, [x, octer·2·LeakDC(|x|), 0])` plus `octersub` and
/// `octersubsub` times the signal low-passed at 440 Hz (`LPF`) gated by one and two
/// flip-flops (`ToggleFF`) that it clocks: an octave and two octaves down.
#[derive(Clone, Copy, Debug)]
pub(super) struct Octer {
    octer: f64,
    sub: f64,
    subsub: f64,
    leak: [LeakDc; 2],
    lpf: TwoPole,
    /// Per channel: the last low-passed value and the two flip-flops (their last input
    /// and state).
    flips: [(f64, f64, f64, f64); 2],
}

impl Octer {
    pub(super) fn new(octer: f64, sub: f64, subsub: f64, sample_rate: f64) -> Octer {
        Octer {
            octer,
            sub,
            subsub,
            leak: [LeakDc::default(); 2],
            lpf: butterworth(440.0, sample_rate, false),
            flips: [(0.0, 0.0, 0.0, 0.0); 2],
        }
    }

    pub(super) fn process(&mut self, ch: usize, buf: &mut [f32]) {
        let (mut prev, mut oct2, mut prev2, mut oct3) = self.flips[ch];
        for x in buf.iter_mut() {
            let s = *x as f64;
            let oct1 = 2.0 * self.leak[ch].run(s.abs());
            let sub = self.lpf.run(ch, *x) as f64;
            // ToggleFF flips on a trigger: its input going from <= 0 to > 0.
            if prev <= 0.0 && sub > 0.0 {
                oct2 = 1.0 - oct2;
            }
            prev = sub;
            if prev2 <= 0.0 && oct2 > 0.0 {
                oct3 = 1.0 - oct3;
            }
            prev2 = oct2;
            // SelectX over three inputs: octer 0..1 between the first two, 1..2 the last two.
            let o = self.octer.clamp(0.0, 2.0);
            let top = if o <= 1.0 {
                select_x(o, s, self.octer * oct1)
            } else {
                select_x(o - 1.0, self.octer * oct1, 0.0)
            };
            *x = (top + self.sub * oct2 * sub + self.subsub * oct3 * sub) as f32;
        }
        self.flips[ch] = (prev, oct2, prev2, oct3);
        self.lpf.settle();
    }
}

/// `dirt_distort`: `CrossoverDistortion(x, amp 0.2, smooth 0.01)` plus `0.1·distort` times a
/// `DynKlank` of resonators at 60, 61, 240 and 3000 + 100·sin(2π·62·t) Hz (ring times 0.1,
/// 0.1, 0.05, 0.01 s), then `softclip(m³·8)·0.5`, cross-faded in by `distort` (`SelectX`).
#[derive(Clone, Copy, Debug)]
pub(super) struct Distort {
    amount: f64,
    /// Per resonator: its radius (`Ringz`'s 60 dB decay), and per channel its last two
    /// states.
    radius: [f64; 4],
    ringz: [[[f64; 2]; 4]; 2],
    sample_rate: f64,
    /// Frames of the voice processed (the clock of the moving resonator), per channel.
    frames: [f64; 2],
}

const KLANK_RING: [f64; 4] = [0.1, 0.1, 0.05, 0.01];

/// Frames between updates of the moving resonator's frequency (SuperCollider's `Ringz`
/// reads its frequency once per control block).
const KLANK_BLOCK: usize = 64;

impl Distort {
    pub(super) fn new(amount: f64, sample_rate: f64) -> Distort {
        Distort {
            amount,
            radius: KLANK_RING.map(|t| (0.001f64.ln() / (t * sample_rate)).exp()),
            ringz: [[[0.0; 2]; 4]; 2],
            sample_rate,
            frames: [0.0; 2],
        }
    }

    pub(super) fn process(&mut self, ch: usize, buf: &mut [f32]) {
        let sr = self.sample_rate;
        for chunk in buf.chunks_mut(KLANK_BLOCK) {
            let t = self.frames[ch] / sr;
            let moving = 3000.0 + 100.0 * (TAU * 62.0 * t).sin();
            let freqs = [60.0, 61.0, 240.0, moving];
            let b1: [f64; 4] =
                std::array::from_fn(|i| 2.0 * self.radius[i] * (TAU * freqs[i] / sr).cos());
            let b2 = self.radius.map(|r| -r * r);
            for x in chunk.iter_mut() {
                let s = *x as f64;
                // CrossoverDistortion with amp 0.2, smooth 0.01 (rfade = 1 / (amp·smooth)).
                let mut c = s.abs() - 0.2;
                if c < 0.0 {
                    c *= (1.0 + c * 500.0) * 0.01;
                }
                let c = if s < 0.0 { -c } else { c };
                let mut klank = 0.0;
                for (i, y) in self.ringz[ch].iter_mut().enumerate() {
                    let y0 = s + b1[i] * y[0] + b2[i] * y[1];
                    klank += 0.5 * (y0 - y[1]);
                    *y = [y0, y[0]];
                }
                let m = c + 0.1 * self.amount * klank;
                let m = softclip(m * m * m * 8.0) * 0.5;
                *x = select_x(self.amount, s, m) as f32;
            }
            self.frames[ch] += chunk.len() as f64;
        }
        for y in self.ringz[ch].iter_mut().flatten() {
            if !y.is_finite() || y.abs() < 1e-20 {
                *y = 0.0;
            }
        }
    }
}

/// `dirt_phaser`: `x + phaserdepth · x(t - d)`, the delay `d` swept between 8.8 and 10 ms by
/// `LFPar.kr(phaserrate)` (SuperDirt's `AllpassL` with decay time 0 is this delay), read with
/// linear interpolation from a line in the bank's pool ([`LINE_SECONDS`] per channel).
#[derive(Clone, Copy, Debug)]
pub struct Phaser {
    depth: f64,
    /// `LFPar`'s phase (0..4) per channel (both advance alike) and its step per frame.
    lfo: [f64; 2],
    step: f64,
    /// Frames written to the line so far, per channel.
    written: [usize; 2],
    sample_rate: f64,
}

/// The longest delay a phaser reads, seconds.
pub const LINE_SECONDS: f64 = 0.0101;

/// Frames of one channel of a phaser's line at `sample_rate`.
pub fn line_frames(sample_rate: f64) -> usize {
    (LINE_SECONDS * sample_rate).ceil() as usize + 2
}

/// `Squiz`'s memory (its `memlen`, 0.1 s), frames.
pub fn squiz_frames(sample_rate: f64) -> usize {
    ((0.1 * sample_rate) as usize).max(2)
}

/// `squiz` (sc3-plugins' `Squiz.ar(sig, pitchratio)`, one zero crossing per chunk): the
/// sound is cut at its upward zero crossings, and each piece, as it is written, is read
/// back `pitchratio` times faster (at least 1, uninterpolated) from its start; what the
/// read runs past is what the line held before (a previous, longer piece) or silence.
#[derive(Clone, Copy, Debug)]
pub struct Squiz {
    ratio: f64,
    write: [usize; 2],
    read: [f64; 2],
    prev: [f32; 2],
}

impl Squiz {
    pub(super) fn new(ratio: f64) -> Squiz {
        Squiz {
            ratio,
            write: [0; 2],
            read: [0.0; 2],
            prev: [0.0; 2],
        }
    }

    /// Channel `ch` of the voice's frames, its memory (one channel) in `line`.
    pub(super) fn process(&mut self, ch: usize, buf: &mut [f32], line: &mut [f32]) {
        let len = line.len();
        let ratio = self.ratio.clamp(1.0, len as f64);
        let (mut w, mut r, mut prev) = (self.write[ch], self.read[ch], self.prev[ch]);
        for x in buf.iter_mut() {
            let ri = r as usize;
            let out = if ri >= len {
                0.0
            } else {
                r += ratio;
                line[ri]
            };
            let cur = *x;
            w += 1;
            if w == len || (prev < 0.0 && cur >= 0.0) {
                w = 0;
                r = 0.0;
            }
            line[w] = cur;
            *x = out;
            prev = cur;
        }
        (self.write[ch], self.read[ch], self.prev[ch]) = (w, r, prev);
    }
}

/// `waveloss` (sc3-plugins' `WaveLoss.ar(sig, drop, 100, mode: 2)`): the sound cut at its
/// upward zero crossings, each piece dropped (silenced) with probability drop/100. Phonon's
/// draws are its own (both channels alike, seeded by the voice), not SuperCollider's.
#[derive(Clone, Copy, Debug)]
pub struct WaveLoss {
    drop: f64,
    on: [bool; 2],
    prev: [f32; 2],
    rng: [u64; 2],
}

impl WaveLoss {
    pub(super) fn new(drop: f64, seed: u64) -> WaveLoss {
        let seed = seed | 1;
        WaveLoss {
            drop: drop / 100.0,
            on: [true; 2],
            prev: [0.0; 2],
            rng: [seed; 2],
        }
    }

    pub(super) fn process(&mut self, ch: usize, buf: &mut [f32]) {
        let (mut on, mut prev, mut rng) = (self.on[ch], self.prev[ch], self.rng[ch]);
        for x in buf.iter_mut() {
            let cur = *x;
            if prev < 0.0 && cur >= 0.0 {
                // xorshift64*: a uniform draw in 0..1.
                rng ^= rng >> 12;
                rng ^= rng << 25;
                rng ^= rng >> 27;
                let u =
                    (rng.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11) as f64 / (1u64 << 53) as f64;
                on = u >= self.drop;
            }
            *x = if on { cur } else { 0.0 };
            prev = cur;
        }
        (self.on[ch], self.prev[ch], self.rng[ch]) = (on, prev, rng);
    }
}

impl Phaser {
    pub(super) fn new(rate: f64, depth: f64, sample_rate: f64) -> Phaser {
        Phaser {
            depth: depth.clamp(0.0, 1.0),
            lfo: [0.0; 2],
            step: 4.0 * rate / sample_rate,
            written: [0; 2],
            sample_rate,
        }
    }

    /// SuperCollider's `LFPar` at phase `p`, one control period on.
    fn lfpar(p: &mut f64, step: f64) -> f64 {
        let y = if *p < 1.0 {
            1.0 - *p * *p
        } else if *p < 3.0 {
            let z = *p - 2.0;
            z * z - 1.0
        } else {
            let z = *p - 4.0;
            1.0 - z * z
        };
        *p += step;
        if *p >= 4.0 {
            *p -= 4.0;
        }
        y
    }

    /// Channel `ch` of the voice's frames, its line (one channel) in `line`.
    pub(super) fn process(&mut self, ch: usize, buf: &mut [f32], line: &mut [f32]) {
        let len = line.len();
        let mut lfo = self.lfo[ch];
        let mut w = self.written[ch];
        for chunk in buf.chunks_mut(64) {
            // `.kr`: one value per control period of 64 frames.
            let y = Self::lfpar(&mut lfo, self.step * 64.0);
            let delay = (0.0088 + (y + 1.0) * 0.5 * (0.01 - 0.0088)) * self.sample_rate;
            let (whole, frac) = (delay.floor() as usize, delay.fract());
            for x in chunk.iter_mut() {
                line[w % len] = *x;
                let read = |back: usize| {
                    if back > w {
                        0.0
                    } else {
                        line[(w - back) % len] as f64
                    }
                };
                let delayed = read(whole) * (1.0 - frac) + read(whole + 1) * frac;
                *x = (*x as f64 + self.depth * delayed) as f32;
                w += 1;
            }
        }
        self.written[ch] = w;
        self.lfo[ch] = lfo;
    }
}
