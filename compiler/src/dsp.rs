//! What every node computes, sample by sample, written once against the [`Dsp`] operations.
//! The reference interpreter runs it with plain `f32` arithmetic ([`Scalar`]); code generation
//! runs it with a backend that emits Cranelift instructions on four lanes at once. Both follow
//! the same operation order, so they agree to the last bit or nearly (the parity tests hold
//! them to 1e-5).
//!
//! Transcendentals are polynomials built from these operations (no library calls in kernels):
//! `sin` is a degree-11 odd polynomial after folding the phase into a quarter turn (error
//! about 1e-7), `exp2`/`log2` split exponent and mantissa with integer operations on the bits.

use crate::ir::{Env, Filter, Fx, Math, NodeId, NodeKind, Osc};

/// The operations node semantics are written with. `V` is one sample (or four lanes of one).
pub trait Dsp {
    type V: Copy;
    fn c(&mut self, x: f32) -> Self::V;
    /// A value with these raw bits (for integer operations).
    fn bits(&mut self, b: u32) -> Self::V;
    fn add(&mut self, a: Self::V, b: Self::V) -> Self::V;
    fn sub(&mut self, a: Self::V, b: Self::V) -> Self::V;
    fn mul(&mut self, a: Self::V, b: Self::V) -> Self::V;
    fn div(&mut self, a: Self::V, b: Self::V) -> Self::V;
    /// `a * b + c`, rounded once.
    fn fma(&mut self, a: Self::V, b: Self::V, c: Self::V) -> Self::V;
    fn abs(&mut self, a: Self::V) -> Self::V;
    fn neg(&mut self, a: Self::V) -> Self::V;
    fn floor(&mut self, a: Self::V) -> Self::V;
    fn sqrt(&mut self, a: Self::V) -> Self::V;
    /// `if a < b { x } else { y }`, lane by lane.
    fn lt(&mut self, a: Self::V, b: Self::V, x: Self::V, y: Self::V) -> Self::V;
    /// `if a < b { a } else { b }`: a compare and a blend, cheaper than an IEEE minimum.
    fn min(&mut self, a: Self::V, b: Self::V) -> Self::V {
        self.lt(a, b, a, b)
    }
    /// `if b < a { a } else { b }`.
    fn max(&mut self, a: Self::V, b: Self::V) -> Self::V {
        self.lt(b, a, a, b)
    }
    // Integer operations on the raw bits.
    fn shl(&mut self, a: Self::V, k: u8) -> Self::V;
    fn ushr(&mut self, a: Self::V, k: u8) -> Self::V;
    fn xor(&mut self, a: Self::V, b: Self::V) -> Self::V;
    fn and(&mut self, a: Self::V, b: Self::V) -> Self::V;
    fn or(&mut self, a: Self::V, b: Self::V) -> Self::V;
    fn iadd(&mut self, a: Self::V, b: Self::V) -> Self::V;
    /// Signed integer bits to the float of that value.
    fn int_to_float(&mut self, a: Self::V) -> Self::V;
    /// A float to the bits of its integer part (saturating).
    fn float_to_int(&mut self, a: Self::V) -> Self::V;
}

/// The reference backend: one `f32` at a time.
pub struct Scalar;

impl Dsp for Scalar {
    type V = f32;
    fn c(&mut self, x: f32) -> f32 {
        x
    }
    fn bits(&mut self, b: u32) -> f32 {
        f32::from_bits(b)
    }
    fn add(&mut self, a: f32, b: f32) -> f32 {
        a + b
    }
    fn sub(&mut self, a: f32, b: f32) -> f32 {
        a - b
    }
    fn mul(&mut self, a: f32, b: f32) -> f32 {
        a * b
    }
    fn div(&mut self, a: f32, b: f32) -> f32 {
        a / b
    }
    fn fma(&mut self, a: f32, b: f32, c: f32) -> f32 {
        a.mul_add(b, c)
    }
    fn abs(&mut self, a: f32) -> f32 {
        a.abs()
    }
    fn neg(&mut self, a: f32) -> f32 {
        -a
    }
    fn floor(&mut self, a: f32) -> f32 {
        a.floor()
    }
    fn sqrt(&mut self, a: f32) -> f32 {
        a.sqrt()
    }
    fn lt(&mut self, a: f32, b: f32, x: f32, y: f32) -> f32 {
        if a < b { x } else { y }
    }
    fn shl(&mut self, a: f32, k: u8) -> f32 {
        f32::from_bits(a.to_bits() << k)
    }
    fn ushr(&mut self, a: f32, k: u8) -> f32 {
        f32::from_bits(a.to_bits() >> k)
    }
    fn xor(&mut self, a: f32, b: f32) -> f32 {
        f32::from_bits(a.to_bits() ^ b.to_bits())
    }
    fn and(&mut self, a: f32, b: f32) -> f32 {
        f32::from_bits(a.to_bits() & b.to_bits())
    }
    fn or(&mut self, a: f32, b: f32) -> f32 {
        f32::from_bits(a.to_bits() | b.to_bits())
    }
    fn iadd(&mut self, a: f32, b: f32) -> f32 {
        f32::from_bits(a.to_bits().wrapping_add(b.to_bits()))
    }
    fn int_to_float(&mut self, a: f32) -> f32 {
        a.to_bits() as i32 as f32
    }
    fn float_to_int(&mut self, a: f32) -> f32 {
        f32::from_bits(a as i32 as u32)
    }
}

fn clamp<D: Dsp>(d: &mut D, x: D::V, lo: f32, hi: f32) -> D::V {
    let (lo, hi) = (d.c(lo), d.c(hi));
    let x = d.max(x, lo);
    d.min(x, hi)
}

fn frac<D: Dsp>(d: &mut D, x: D::V) -> D::V {
    let f = d.floor(x);
    d.sub(x, f)
}

/// `c0 + c1 z + c2 z² + ...`: pairs of terms first (Estrin), then Horner in z², which halves
/// the chain of dependent operations.
fn poly<D: Dsp>(d: &mut D, z: D::V, coeffs: &[f32]) -> D::V {
    let z2 = d.mul(z, z);
    let mut pairs = Vec::with_capacity(coeffs.len().div_ceil(2));
    for pair in coeffs.chunks(2) {
        let c0 = d.c(pair[0]);
        pairs.push(match pair.get(1) {
            Some(&c1) => {
                let c1 = d.c(c1);
                d.fma(c1, z, c0)
            }
            None => c0,
        });
    }
    let mut acc = pairs.pop().expect("at least one coefficient");
    while let Some(p) = pairs.pop() {
        acc = d.fma(acc, z2, p);
    }
    acc
}

/// Taylor coefficients of sin(x)/x in x².
const SIN: [f32; 6] = [
    1.0,
    -1.666_666_7e-1,
    8.333_333e-3,
    -1.984_127e-4,
    2.755_731_9e-6,
    -2.505_210_8e-8,
];

/// `sin(2π x)`. With r = (x - 1/4) - floor(x + 1/4) in [-1/2, 1/2):
/// sin(2πx) = cos(2πr) = cos(2π|r|) = sin(π/2 - 2π|r|), whose argument is in [-π/2, π/2].
pub fn sin_turns<D: Dsp>(d: &mut D, x: D::V) -> D::V {
    let quarter = d.c(0.25);
    let up = d.add(x, quarter);
    let whole = d.floor(up);
    let down = d.sub(x, quarter);
    let r = d.sub(down, whole);
    let a = d.abs(r);
    let k = d.c(-std::f32::consts::TAU);
    let half_pi = d.c(std::f32::consts::FRAC_PI_2);
    let y = d.fma(a, k, half_pi);
    let y2 = d.mul(y, y);
    let p = poly(d, y2, &SIN);
    d.mul(p, y)
}

/// `sin(π u)` and `cos(π u)` for u in [0, 0.5): a polynomial of x = πu (|x| < π/2, so no
/// range reduction), and cos = sqrt(1 - sin²), exact enough here (relative error below 1e-4
/// even at 0.49, i.e. a fraction of a hertz of cutoff) and much cheaper than a second
/// polynomial.
fn sin_cos_pi<D: Dsp>(d: &mut D, u: D::V) -> (D::V, D::V) {
    let pi = d.c(std::f32::consts::PI);
    let x = d.mul(u, pi);
    let x2 = d.mul(x, x);
    let sp = poly(d, x2, &SIN);
    let sin = d.mul(sp, x);
    let one = d.c(1.0);
    let ss = d.mul(sin, sin);
    let cc = d.sub(one, ss);
    let zero = d.c(0.0);
    let cc = d.max(cc, zero);
    let cos = d.sqrt(cc);
    (sin, cos)
}

#[cfg(test)]
fn tan_pi<D: Dsp>(d: &mut D, u: D::V) -> D::V {
    let (s, c) = sin_cos_pi(d, u);
    d.div(s, c)
}

/// A rational approximation of tanh, exact at 0 and ±3 (where it reaches ±1).
fn tanh<D: Dsp>(d: &mut D, x: D::V) -> D::V {
    let x = clamp(d, x, -3.0, 3.0);
    let x2 = d.mul(x, x);
    let k27 = d.c(27.0);
    let num = d.add(k27, x2);
    let k9 = d.c(9.0);
    let den = d.fma(k9, x2, k27);
    let n = d.mul(x, num);
    d.div(n, den)
}

pub fn exp2<D: Dsp>(d: &mut D, x: D::V) -> D::V {
    let x = clamp(d, x, -126.0, 126.0);
    let whole = d.floor(x);
    let f = d.sub(x, whole);
    // Taylor series of 2^f on [0, 1) to degree 9: ln2^k / k!.
    let mut coeffs = [0f32; 10];
    let mut c = 1f64;
    for (k, slot) in coeffs.iter_mut().enumerate() {
        *slot = c as f32;
        c *= std::f64::consts::LN_2 / (k + 1) as f64;
    }
    let mut p = d.c(coeffs[9]);
    for k in coeffs[..9].iter().rev() {
        let k = d.c(*k);
        p = d.fma(p, f, k);
    }
    let i = d.float_to_int(whole);
    let bias = d.bits(127);
    let e = d.iadd(i, bias);
    let scale = d.shl(e, 23);
    d.mul(p, scale)
}

pub fn log2<D: Dsp>(d: &mut D, x: D::V) -> D::V {
    let tiny = d.c(1e-30);
    let x = d.max(x, tiny);
    let exp_bits = d.ushr(x, 23);
    let unbias = d.bits((-127i32) as u32);
    let e = d.iadd(exp_bits, unbias);
    let e = d.int_to_float(e);
    let mant_mask = d.bits(0x007f_ffff);
    let one_bits = d.bits(0x3f80_0000);
    let m = d.and(x, mant_mask);
    let m = d.or(m, one_bits); // in [1, 2)
    let one = d.c(1.0);
    let num = d.sub(m, one);
    let den = d.add(m, one);
    let t = d.div(num, den);
    let t2 = d.mul(t, t);
    let mut p = d.c(1.0 / 11.0);
    for k in [1.0 / 9.0, 1.0 / 7.0, 1.0 / 5.0, 1.0 / 3.0, 1.0] {
        let k = d.c(k);
        p = d.fma(p, t2, k);
    }
    let ln = d.mul(p, t);
    let k = d.c(2.0 * std::f32::consts::LOG2_E);
    d.fma(ln, k, e)
}

/// PolyBLEP: the correction that removes most aliasing from a unit step at phase 0.
fn polyblep<D: Dsp>(d: &mut D, t: D::V, dt: D::V, inv: D::V) -> D::V {
    let zero = d.c(0.0);
    let one = d.c(1.0);
    // Just after the step: -(t/dt - 1)^2.
    let x = d.mul(t, inv);
    let xm = d.sub(x, one);
    let sq = d.mul(xm, xm);
    let after = d.neg(sq);
    let a = d.lt(t, dt, after, zero);
    // Just before it: ((t - 1)/dt + 1)^2.
    let tm = d.sub(t, one);
    let y = d.mul(tm, inv);
    let yp = d.add(y, one);
    let sq = d.mul(yp, yp);
    let edge = d.sub(one, dt);
    let b = d.lt(edge, t, sq, zero);
    d.add(a, b)
}

fn white<D: Dsp>(d: &mut D, rng: &mut D::V) -> D::V {
    // xorshift32.
    let mut s = *rng;
    let t = d.shl(s, 13);
    s = d.xor(s, t);
    let t = d.ushr(s, 17);
    s = d.xor(s, t);
    let t = d.shl(s, 5);
    s = d.xor(s, t);
    *rng = s;
    let m = d.ushr(s, 9);
    let one_bits = d.bits(0x3f80_0000);
    let m = d.or(m, one_bits); // [1, 2)
    let k = d.c(1.5);
    let centred = d.sub(m, k);
    let two = d.c(2.0);
    d.mul(centred, two)
}

/// The state a node starts with (per instance). Noise generators get a seed from their id.
pub fn init_state(kind: &NodeKind, id: NodeId) -> Vec<f32> {
    let mut s = vec![0.0; kind.state_slots()];
    let seed = f32::from_bits(((id.0 ^ (id.0 >> 32)) as u32) | 1);
    match kind {
        NodeKind::Osc(Osc::Noise) => s[0] = seed,
        NodeKind::Osc(Osc::PinkNoise) => s[7] = seed,
        NodeKind::Osc(Osc::BrownNoise) => s[1] = seed,
        _ => {}
    }
    s
}

/// One sample of a node. `state` holds its slots; `Delay1` only reads here (its input is
/// stored after the whole sample is computed, see [`delay_store`]).
pub fn eval<D: Dsp>(
    d: &mut D,
    kind: &NodeKind,
    ins: &[D::V],
    state: &mut [D::V],
    sample_rate: f32,
) -> D::V {
    let inv_sr = 1.0 / sample_rate;
    match kind {
        NodeKind::Const(_)
        | NodeKind::Host { .. }
        | NodeKind::PolyHost { .. }
        | NodeKind::Start
        | NodeKind::Voices { .. } => {
            unreachable!("operands are not evaluated")
        }
        NodeKind::Output { .. } => ins[0],
        NodeKind::Delay1 => state[0],
        NodeKind::Math(m) => math(d, *m, ins),
        NodeKind::Osc(Osc::Noise) => white(d, &mut state[0]),
        NodeKind::Osc(Osc::PinkNoise) => pink(d, state),
        NodeKind::Osc(Osc::BrownNoise) => {
            let w = white(d, &mut state[1]);
            let k = d.c(0.02);
            let b = d.fma(w, k, state[0]);
            let leak = d.c(1.0 / 1.02);
            let b = d.mul(b, leak);
            state[0] = b;
            let gain = d.c(3.5);
            d.mul(b, gain)
        }
        NodeKind::Osc(o) => oscillator(d, *o, ins, state, inv_sr),
        NodeKind::Filter(Filter::Moog) => moog(d, ins, state, sample_rate),
        NodeKind::Filter(f) => svf(d, *f, ins, state, sample_rate),
        NodeKind::Env(e) => envelope(d, *e, ins, state, sample_rate),
        NodeKind::Fx(Fx::Distortion) => distortion(d, ins),
        NodeKind::Fx(Fx::Bitcrush) => bitcrush(d, ins, state),
        NodeKind::Fx(Fx::Compressor) => compressor(d, ins, state, sample_rate),
        NodeKind::Line(_) => unreachable!("delay-line effects run as host kernels"),
    }
}

/// Below this a recursive state is set to 0 (see `phonon_runtime::effects::FLUSH`).
const FLUSH: f32 = 1.0e-20;

/// `distortion drive mix`: tanh(x·(1 + drive)), which stays within ±1, mixed with the dry
/// signal: x + mix·(wet − x).
fn distortion<D: Dsp>(d: &mut D, ins: &[D::V]) -> D::V {
    let (x, drive, mix) = (ins[0], ins[1], ins[2]);
    let zero = d.c(0.0);
    let drive = d.max(drive, zero);
    let one = d.c(1.0);
    let g = d.add(drive, one);
    let driven = d.mul(x, g);
    let wet = tanh(d, driven);
    let mix = clamp(d, mix, 0.0, 1.0);
    let diff = d.sub(wet, x);
    d.fma(diff, mix, x)
}

/// `bitcrush bits rate`: the signal rounded to `bits` bits (at most 2^bits levels in
/// [-1, 1)), sampled once every `rate` frames (fractional rates keep their average) and held.
fn bitcrush<D: Dsp>(d: &mut D, ins: &[D::V], s: &mut [D::V]) -> D::V {
    let (x, bits, rate) = (ins[0], ins[1], ins[2]);
    let bits = clamp(d, bits, 1.0, 24.0);
    let one = d.c(1.0);
    let e = d.sub(bits, one);
    let half = exp2(d, e);
    let scaled = d.mul(x, half);
    let point5 = d.c(0.5);
    let rounded = d.add(scaled, point5);
    let step = d.floor(rounded);
    let lowest = d.neg(half);
    let highest = d.sub(half, one);
    let step = d.max(step, lowest);
    let step = d.min(step, highest);
    let q = d.div(step, half);
    // The hold counter: a new value when it has run below 1, then `rate` more frames.
    let rate = d.max(rate, one);
    let (held, phase) = (s[0], s[1]);
    let held = d.lt(phase, one, q, held);
    let reloaded = d.add(phase, rate);
    let phase = d.lt(phase, one, reloaded, phase);
    s[0] = held;
    s[1] = d.sub(phase, one);
    held
}

/// 20·log10(2): decibels per octave of amplitude.
const DB_PER_LOG2: f32 = 6.020_6;

/// `compressor threshold_db ratio attack release makeup_db`: a feed-forward compressor with
/// a peak detector (one-pole, attack while the level rises, release while it falls); above
/// the threshold the level rises 1/ratio dB per dB. Channels are compressed independently.
fn compressor<D: Dsp>(d: &mut D, ins: &[D::V], s: &mut [D::V], sample_rate: f32) -> D::V {
    let (x, threshold, ratio, attack, release, makeup) =
        (ins[0], ins[1], ins[2], ins[3], ins[4], ins[5]);
    let level = d.abs(x);
    // Coefficient of a one-pole with time constant t: exp(-1/(t·sr)) = 2^(-log2(e)/(t·sr)).
    let coefficient = |d: &mut D, t: D::V| {
        let t = clamp(d, t, 1e-5, 10.0);
        let sr = d.c(sample_rate);
        let samples = d.mul(t, sr);
        let k = d.c(-std::f32::consts::LOG2_E);
        let e = d.div(k, samples);
        exp2(d, e)
    };
    let ca = coefficient(d, attack);
    let cr = coefficient(d, release);
    let env = s[0];
    let c = d.lt(env, level, ca, cr);
    let diff = d.sub(env, level);
    let env = d.fma(diff, c, level);
    let tiny = d.c(FLUSH);
    let zero = d.c(0.0);
    let env = d.lt(env, tiny, zero, env);
    s[0] = env;
    let level_db = log2(d, env);
    let db = d.c(DB_PER_LOG2);
    let level_db = d.mul(level_db, db);
    let over = d.sub(level_db, threshold);
    let over = d.max(over, zero);
    let one = d.c(1.0);
    let ratio = d.max(ratio, one);
    let inv = d.div(one, ratio);
    let slope = d.sub(one, inv);
    let reduction = d.mul(over, slope);
    let gain_db = d.sub(makeup, reduction);
    let inv_db = d.c(1.0 / DB_PER_LOG2);
    let octaves = d.mul(gain_db, inv_db);
    let gain = exp2(d, octaves);
    d.mul(x, gain)
}

/// After a sample: what a `Delay1` keeps for the next one.
pub fn delay_store<D: Dsp>(input: D::V, state: &mut [D::V]) {
    state[0] = input;
}

fn math<D: Dsp>(d: &mut D, m: Math, ins: &[D::V]) -> D::V {
    match m {
        Math::Add => d.add(ins[0], ins[1]),
        Math::Sub => d.sub(ins[0], ins[1]),
        Math::Mul => d.mul(ins[0], ins[1]),
        Math::Div => {
            let q = d.div(ins[0], ins[1]);
            let a = d.abs(ins[1]);
            let tiny = d.c(1e-30);
            let zero = d.c(0.0);
            d.lt(a, tiny, zero, q)
        }
        Math::Mod => {
            let q = d.div(ins[0], ins[1]);
            let f = d.floor(q);
            let m = d.mul(ins[1], f);
            let r = d.sub(ins[0], m);
            let a = d.abs(ins[1]);
            let tiny = d.c(1e-30);
            let zero = d.c(0.0);
            d.lt(a, tiny, zero, r)
        }
        Math::Neg => d.neg(ins[0]),
        Math::PanLeft | Math::PanRight => {
            let p = clamp(d, ins[0], -1.0, 1.0);
            let one = d.c(1.0);
            let p1 = d.add(p, one);
            let k = d.c(0.125);
            let turns = d.mul(p1, k);
            let turns = if m == Math::PanLeft {
                let q = d.c(0.25);
                d.add(turns, q)
            } else {
                turns
            };
            sin_turns(d, turns)
        }
    }
}

fn oscillator<D: Dsp>(d: &mut D, o: Osc, ins: &[D::V], state: &mut [D::V], inv_sr: f32) -> D::V {
    let phase = state[0];
    let k = d.c(inv_sr);
    let inc = d.mul(ins[0], k);
    let one = d.c(1.0);
    let minus_one = d.c(-1.0);
    let out = match o {
        Osc::Sine => sin_turns(d, phase),
        Osc::Saw | Osc::Square | Osc::Pulse => {
            let a = d.abs(inc);
            let tiny = d.c(1e-6);
            let dt = d.max(a, tiny);
            let inv = d.div(one, dt);
            match o {
                Osc::Saw => {
                    let two = d.c(2.0);
                    let naive = d.fma(phase, two, minus_one);
                    let blep = polyblep(d, phase, dt, inv);
                    d.sub(naive, blep)
                }
                _ => {
                    let width = if o == Osc::Pulse {
                        clamp(d, ins[1], 0.01, 0.99)
                    } else {
                        d.c(0.5)
                    };
                    let naive = d.lt(phase, width, one, minus_one);
                    let rise = polyblep(d, phase, dt, inv);
                    let shifted = d.sub(phase, width);
                    let shifted = d.add(shifted, one);
                    let fall_phase = frac(d, shifted);
                    let fall = polyblep(d, fall_phase, dt, inv);
                    let x = d.add(naive, rise);
                    d.sub(x, fall)
                }
            }
        }
        Osc::Tri => {
            let q = d.c(0.25);
            let shifted = d.add(phase, q);
            let f = frac(d, shifted);
            let h = d.c(0.5);
            let centred = d.sub(f, h);
            let a = d.abs(centred);
            let four = d.c(-4.0);
            d.fma(a, four, one)
        }
        Osc::Impulse => {
            let zero = d.c(0.0);
            d.lt(phase, inc, one, zero)
        }
        Osc::Noise | Osc::PinkNoise | Osc::BrownNoise => unreachable!("noise has no phase"),
    };
    let next = d.add(phase, inc);
    state[0] = frac(d, next);
    out
}

fn pink<D: Dsp>(d: &mut D, s: &mut [D::V]) -> D::V {
    // Paul Kellet's refined pink filter over white noise.
    let mut rng = s[7];
    let w = white(d, &mut rng);
    s[7] = rng;
    let coeffs = [
        (0.99886, 0.055_517_9),
        (0.99332, 0.075_075_9),
        (0.969, 0.153_852),
        (0.8665, 0.310_485_6),
        (0.55, 0.532_952_2),
        (-0.7616, -0.016_898),
    ];
    let mut sum = s[6];
    for (i, (a, b)) in coeffs.into_iter().enumerate() {
        let a = d.c(a);
        let b = d.c(b);
        let wb = d.mul(w, b);
        s[i] = d.fma(s[i], a, wb);
        sum = d.add(sum, s[i]);
    }
    let k = d.c(0.5362);
    sum = d.fma(w, k, sum);
    let k6 = d.c(0.115_926);
    s[6] = d.mul(w, k6);
    let g = d.c(0.11);
    d.mul(sum, g)
}

/// `(sin, cos)` of `π fc / sr`, whose ratio is the prewarped gain `g = tan(π fc / sr)`, with
/// the cutoff kept inside 10 Hz .. 0.49 sr.
fn warp<D: Dsp>(d: &mut D, cutoff: D::V, sample_rate: f32) -> (D::V, D::V) {
    let fc = clamp(d, cutoff, 10.0, 0.49 * sample_rate);
    let k = d.c(1.0 / sample_rate);
    let u = d.mul(fc, k);
    sin_cos_pi(d, u)
}

/// Andrew Simper's trapezoidal state-variable filter: stable under audio-rate modulation.
fn svf<D: Dsp>(d: &mut D, f: Filter, ins: &[D::V], s: &mut [D::V], sample_rate: f32) -> D::V {
    let (x, ic1, ic2) = (ins[0], s[0], s[1]);
    let (sin, cos) = warp(d, ins[1], sample_rate);
    let qmin = d.c(0.05);
    let q = d.max(ins[2], qmin);
    let one = d.c(1.0);
    let k = d.div(one, q);
    // With g = sin/cos: a1 = 1/(1 + g(g + k)) = cos²/D, a2 = g·a1 = sin·cos/D,
    // a3 = g·a2 = sin²/D, where D = cos² + sin² + k·sin·cos = 1 + k·sin·cos: one division
    // instead of two.
    let ss = d.mul(sin, sin);
    let cc = d.sub(one, ss);
    let sc = d.mul(sin, cos);
    let den = d.fma(k, sc, one);
    let inv = d.div(one, den);
    let a1 = d.mul(cc, inv);
    let a2 = d.mul(sc, inv);
    let a3 = d.mul(ss, inv);
    let v3 = d.sub(x, ic2);
    let t = d.mul(a2, v3);
    let v1 = d.fma(a1, ic1, t);
    let t = d.mul(a3, v3);
    let t = d.fma(a2, ic1, t);
    let v2 = d.add(ic2, t);
    let two = d.c(2.0);
    let n1 = d.neg(ic1);
    s[0] = d.fma(two, v1, n1);
    let n2 = d.neg(ic2);
    s[1] = d.fma(two, v2, n2);
    match f {
        Filter::Lpf => v2,
        Filter::Bpf => d.mul(k, v1),
        Filter::Hpf => {
            let kv1 = d.mul(k, v1);
            let t = d.sub(x, kv1);
            d.sub(t, v2)
        }
        Filter::Notch => {
            let kv1 = d.mul(k, v1);
            d.sub(x, kv1)
        }
        Filter::Moog => unreachable!("the ladder has its own code"),
    }
}

/// A four-pole ladder of trapezoidal one-poles with saturating feedback.
fn moog<D: Dsp>(d: &mut D, ins: &[D::V], s: &mut [D::V], sample_rate: f32) -> D::V {
    let (sin, cos) = warp(d, ins[1], sample_rate);
    // G = g/(1 + g) with g = sin/cos.
    let sum = d.add(cos, sin);
    let big_g = d.div(sin, sum);
    let res = clamp(d, ins[2], 0.0, 1.0);
    let four = d.c(4.0);
    let fb = d.mul(res, four);
    let back = d.mul(fb, s[3]);
    let driven = d.sub(ins[0], back);
    let mut y = tanh(d, driven);
    for slot in s.iter_mut().take(4) {
        let diff = d.sub(y, *slot);
        let v = d.mul(diff, big_g);
        let out = d.add(v, *slot);
        *slot = d.add(out, v);
        y = out;
    }
    y
}

/// Envelopes. ADSR is the general machine (stages: 0 idle, 1 attack, 2 decay, 3 sustain,
/// 4 release), all segments linear. The output is the level before this sample's step, so a
/// trigger at frame f gives 0 at f and reaches 1 at f + attack·sr.
fn envelope<D: Dsp>(d: &mut D, e: Env, ins: &[D::V], s: &mut [D::V], sample_rate: f32) -> D::V {
    match e {
        Env::Line | Env::XLine => {
            let (trig, from, to, secs) = (ins[0], ins[1], ins[2], ins[3]);
            let zero = d.c(0.0);
            let half = d.c(0.5);
            let pos = d.lt(half, trig, zero, s[0]);
            let one = d.c(1.0);
            let p = d.min(pos, one);
            let out = if e == Env::Line {
                let span = d.sub(to, from);
                d.fma(span, p, from)
            } else {
                let ratio = d.div(to, from);
                let tiny = d.c(1e-6);
                let ratio = d.max(ratio, tiny);
                let l = log2(d, ratio);
                let x = d.mul(l, p);
                let scale = exp2(d, x);
                d.mul(from, scale)
            };
            let sr = d.c(sample_rate);
            let n = d.mul(secs, sr);
            let n = d.max(n, one);
            let step = d.div(one, n);
            s[0] = d.add(pos, step);
            out
        }
        Env::Ad => {
            let one = d.c(1.0);
            let zero = d.c(0.0);
            adsr(d, ins[0], one, ins[1], ins[2], zero, zero, s, sample_rate)
        }
        Env::Ar => {
            let one = d.c(1.0);
            let zero = d.c(0.0);
            adsr(d, ins[0], ins[1], ins[2], zero, one, ins[3], s, sample_rate)
        }
        Env::Adsr => adsr(
            d,
            ins[0],
            ins[1],
            ins[2],
            ins[3],
            ins[4],
            ins[5],
            s,
            sample_rate,
        ),
    }
}

#[allow(clippy::too_many_arguments)]
fn adsr<D: Dsp>(
    d: &mut D,
    trig: D::V,
    gate: D::V,
    attack: D::V,
    decay: D::V,
    sustain: D::V,
    release: D::V,
    s: &mut [D::V],
    sample_rate: f32,
) -> D::V {
    let (level, mut stage, mut slope) = (s[0], s[1], s[2]);
    let zero = d.c(0.0);
    let half = d.c(0.5);
    let one = d.c(1.0);
    let sr = d.c(sample_rate);
    let sus = clamp(d, sustain, 0.0, 1.0);
    // A trigger restarts the attack from the current level (no click).
    stage = d.lt(half, trig, one, stage);
    // The gate closing during attack, decay or sustain starts the release from here.
    let k35 = d.c(3.5);
    let below = d.lt(stage, k35, one, zero);
    let active = d.lt(half, stage, below, zero);
    let releasing = d.lt(gate, half, active, zero);
    let rn = d.mul(release, sr);
    let rn = d.max(rn, one);
    let rate = d.div(level, rn);
    slope = d.lt(half, releasing, rate, slope);
    let four = d.c(4.0);
    stage = d.lt(half, releasing, four, stage);
    let out = level;
    // Advance one sample in the current stage.
    let an = d.mul(attack, sr);
    let an = d.max(an, one);
    let up = d.div(one, an);
    let att = d.add(level, up);
    let dn = d.mul(decay, sr);
    let dn = d.max(dn, one);
    let drop = d.sub(one, sus);
    let down = d.div(drop, dn);
    let dec = d.sub(level, down);
    let rel = d.sub(level, slope);
    let is = |d: &mut D, stage: D::V, k: f32| {
        let k = d.c(k);
        let diff = d.sub(stage, k);
        let a = d.abs(diff);
        let h = d.c(0.5);
        let one = d.c(1.0);
        let zero = d.c(0.0);
        d.lt(a, h, one, zero)
    };
    let (in_a, in_d, in_s, in_r) = (
        is(d, stage, 1.0),
        is(d, stage, 2.0),
        is(d, stage, 3.0),
        is(d, stage, 4.0),
    );
    let rel_level = d.max(rel, zero);
    let mut new_level = d.lt(half, in_r, rel_level, level);
    new_level = d.lt(half, in_s, sus, new_level);
    let dec_level = d.max(dec, sus);
    new_level = d.lt(half, in_d, dec_level, new_level);
    let att_level = d.min(att, one);
    new_level = d.lt(half, in_a, att_level, new_level);
    let two = d.c(2.0);
    let three = d.c(3.0);
    let rel_stage = d.lt(zero, rel, four, zero);
    let mut new_stage = d.lt(half, in_r, rel_stage, stage);
    let dec_stage = d.lt(sus, dec, two, three);
    new_stage = d.lt(half, in_d, dec_stage, new_stage);
    let att_stage = d.lt(att, one, one, two);
    new_stage = d.lt(half, in_a, att_stage, new_stage);
    s[0] = new_level;
    s[1] = new_stage;
    s[2] = slope;
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn polynomial_transcendentals_are_accurate() {
        let d = &mut Scalar;
        for i in 0..=2000 {
            let x = -3.0 + i as f32 * 0.003;
            let want = (x as f64 * std::f64::consts::TAU).sin();
            assert!((sin_turns(d, x) as f64 - want).abs() < 2e-6, "sin at {x}");
        }
        for i in 0..=400 {
            let x = -20.0 + i as f32 * 0.1;
            let want = (x as f64).exp2();
            assert!(
                ((exp2(d, x) as f64 - want) / want).abs() < 1e-6,
                "exp2 at {x}"
            );
        }
        for i in 1..=400 {
            let x = i as f32 * 0.37;
            let want = (x as f64).log2();
            assert!((log2(d, x) as f64 - want).abs() < 2e-6, "log2 at {x}");
        }
        for u in [0.001f32, 0.01, 0.1, 0.2, 0.3, 0.45, 0.49] {
            let want = (u as f64 * std::f64::consts::PI).tan();
            // cos comes from sqrt(1 - sin²), which loses relative precision near u = 0.5.
            let tolerance = if u < 0.4 { 1e-5 } else { 1e-4 };
            assert!(
                ((tan_pi(d, u) as f64 - want) / want).abs() < tolerance,
                "tan at {u}"
            );
        }
    }

    #[test]
    fn white_noise_is_centred_and_spread() {
        let d = &mut Scalar;
        let mut rng = f32::from_bits(0x1234_5677);
        let xs: Vec<f32> = (0..100_000).map(|_| white(d, &mut rng)).collect();
        let mean = xs.iter().sum::<f32>() / xs.len() as f32;
        let min = xs.iter().cloned().fold(1.0, f32::min);
        let max = xs.iter().cloned().fold(-1.0, f32::max);
        assert!(mean.abs() < 0.01, "mean {mean}");
        assert!(min < -0.99 && max > 0.99 && min >= -1.0 && max < 1.0);
    }
}
