//! Voices with per-event effects or sends, [`LANES`] at a time: one voice per lane, over
//! chunks of [`CHUNK`] frames. What has no memory from frame to frame (the reads, `shape`,
//! the envelope, gains and sums) runs along each lane's frames, lane by lane; the filters,
//! whose frames form a chain, run frame by frame across the lanes (which the compiler turns
//! into vector instructions: the lanes are independent), on a transposed copy. A chunk is
//! read from the samples, then shaped, high-passed, band-passed, crushed and low-passed in
//! SuperDirt's order (a lane without a stage passes through it unchanged: a filter with
//! identity coefficients, `k = 0`), then its envelope is applied and the lanes are summed,
//! weighted by their gains and sends, into the bank's pair and their orbits' sends.
//!
//! The result is what [`VoiceFx::process`](super::voice_fx::VoiceFx::process) and the
//! per-voice mixer compute: the reads are the pitched voice kernel's (`base + floor(frac +
//! rate·t)`, linear interpolation), the filters have the same coefficients and run in double
//! precision, or a low-pass in single precision where that stays within -80 dB of it
//! ([`TwoPole::fits_single`]). Voices with `vowel`, `coarse` or the extra effects keep the
//! per-voice path.

use super::orbits::OrbitSends;
use super::voice_fx::{LaneFx, TwoPole};

/// Frames per chunk: the lanes of both channels and their transposed copy stay in the L1
/// cache.
const CHUNK: usize = 64;

/// Voices mixed at once. A voice's filter is a chain from frame to frame, so the lanes are
/// what runs in parallel: sixteen keep four double-precision (two single-precision) vector
/// chains in flight, which hides the latency of each.
pub const LANES: usize = 16;

// The transposes move blocks of 8×8.
const _: () = assert!(LANES.is_multiple_of(8) && CHUNK.is_multiple_of(8));

/// One voice as the lane mixer needs it, for one block.
pub struct LaneVoice {
    /// Frame 0 of the sample's left and right channels (the same for a mono sample).
    pub data: [*const f32; 2],
    pub len: i32,
    /// Position at block frame `t`: `base + frac + rate · t`.
    pub base: i32,
    pub frac: f32,
    pub rate: f32,
    pub gain: [f32; 2],
    /// `attack_from, attack_inv, release_to, release_inv` of the voice kernels' envelope,
    /// or none (a level of 1).
    pub env: Option<[f32; 4]>,
    /// Block frames it sounds in.
    pub from: usize,
    pub to: usize,
    /// Its effects (a copy: the caller keeps the voice's, and takes the state back).
    pub fx: LaneFx,
    /// Orbit index, `room` and `delay` send levels.
    pub send: Option<(usize, f32, f32)>,
}

/// One channel of the lanes for a chunk, lane by lane: what is computed frame by frame
/// without memory (the reads, shape, envelope, gains and sums) runs along a lane's frames.
type Rows = [[f32; CHUNK]; LANES];

/// One channel of the lanes for a chunk, frame by frame: the filters' layout (a filter is a
/// chain along the frames, so the lanes are what runs side by side).
type Frames = [[f32; LANES]; CHUNK];

/// The lane mixer's working arrays, kept by its caller from call to call and zeroed only
/// when made: every value they then hold is a frame of sound, so what the transposes carry
/// along beyond a call's voices and a chunk's end is finite and never summed.
pub struct Scratch {
    rows: [Rows; 2],
    frames: Frames,
}

impl Scratch {
    pub fn new() -> Box<Scratch> {
        Box::new(Scratch {
            rows: [[[0.0; CHUNK]; LANES]; 2],
            frames: [[0.0; LANES]; CHUNK],
        })
    }
}

/// A number the lanes' filters compute in: `f64`, or `f32` for a low-pass that fits it.
trait Precision: Copy + std::ops::Add<Output = Self> + std::ops::Mul<Output = Self> {
    const ZERO: Self;
    const ONE: Self;
    fn of(x: f64) -> Self;
    fn of_sample(x: f32) -> Self;
    fn to_f64(self) -> f64;
    fn to_sample(self) -> f32;
}

impl Precision for f64 {
    const ZERO: f64 = 0.0;
    const ONE: f64 = 1.0;
    fn of(x: f64) -> f64 {
        x
    }
    fn of_sample(x: f32) -> f64 {
        x as f64
    }
    fn to_f64(self) -> f64 {
        self
    }
    fn to_sample(self) -> f32 {
        self as f32
    }
}

impl Precision for f32 {
    const ZERO: f32 = 0.0;
    const ONE: f32 = 1.0;
    fn of(x: f64) -> f32 {
        x as f32
    }
    fn of_sample(x: f32) -> f32 {
        x
    }
    fn to_f64(self) -> f64 {
        self as f64
    }
    fn to_sample(self) -> f32 {
        self
    }
}

/// Two-pole filters of the lanes in precision `T` (SuperCollider's form: `y0 = g·x + b1·y1
/// + b2·y2`, out `h·(y0 + c1·y1 + c2·y2)`): coefficients and both channels' state.
struct TwoPoles<T> {
    g: [T; LANES],
    b1: [T; LANES],
    b2: [T; LANES],
    h: [T; LANES],
    c1: [T; LANES],
    c2: [T; LANES],
    y1: [[T; LANES]; 2],
    y2: [[T; LANES]; 2],
}

/// The filters in double precision, as SuperCollider runs them.
type Filters = TwoPoles<f64>;

/// The low-pass filters of the lanes in single precision, when every lane's filter
/// [fits](TwoPole::fits_single) it: a low-pass adds its states (`y0 + 2·y1 + y2`), so
/// nothing cancels, and away from the narrowest low resonances single precision follows the
/// double-precision filter to within -80 dB (a test checks it). The high- and band-passes
/// subtract large states and always run in double precision.
type LowPasses = TwoPoles<f32>;

impl<T: Precision> TwoPoles<T> {
    /// Gathers the lanes' filters (`pick` chooses which of a voice's); a lane without
    /// one passes its input unchanged.
    fn gather(lanes: &[LaneVoice], pick: impl Fn(&LaneFx) -> Option<&TwoPole>) -> Self {
        let mut f = TwoPoles {
            g: [T::ONE; LANES],
            b1: [T::ZERO; LANES],
            b2: [T::ZERO; LANES],
            h: [T::ONE; LANES],
            c1: [T::ZERO; LANES],
            c2: [T::ZERO; LANES],
            y1: [[T::ZERO; LANES]; 2],
            y2: [[T::ZERO; LANES]; 2],
        };
        for (l, v) in lanes.iter().enumerate() {
            if let Some(p) = pick(&v.fx) {
                (f.g[l], f.b1[l], f.b2[l]) = (T::of(p.g), T::of(p.b1), T::of(p.b2));
                (f.h[l], f.c1[l], f.c2[l]) = (T::of(p.h), T::of(p.c1), T::of(p.c2));
                for ch in 0..2 {
                    [f.y1[ch][l], f.y2[ch][l]] = [T::of(p.y[ch][0]), T::of(p.y[ch][1])];
                }
            }
        }
        f
    }

    /// Writes the state back to the voices' filters.
    fn scatter(&self, lanes: &mut [LaneVoice], pick: impl Fn(&mut LaneFx) -> Option<&mut TwoPole>) {
        for (l, v) in lanes.iter_mut().enumerate() {
            if let Some(p) = pick(&mut v.fx) {
                for ch in 0..2 {
                    p.y[ch] = [self.y1[ch][l].to_f64(), self.y2[ch][l].to_f64()];
                }
            }
        }
    }

    /// Runs the first `lanes` lanes over `x[..n]`, one frame at a time (the copy for CPUs
    /// without AVX).
    #[inline(always)]
    fn run_plain(&mut self, ch: usize, x: &mut Frames, n: usize, lanes: usize) {
        let (mut y1, mut y2) = (self.y1[ch], self.y2[ch]);
        for frame in &mut x[..n] {
            for l in 0..lanes {
                let y0 =
                    self.g[l] * T::of_sample(frame[l]) + self.b1[l] * y1[l] + self.b2[l] * y2[l];
                frame[l] = (self.h[l] * (y0 + self.c1[l] * y1[l] + self.c2[l] * y2[l])).to_sample();
                y2[l] = y1[l];
                y1[l] = y0;
            }
        }
        (self.y1[ch], self.y2[ch]) = (y1, y2);
    }
}

impl Filters {
    /// Runs the lanes over `x[..n]`: the first `lanes` of them (with AVX and FMA, all
    /// sixteen, which keeps the four chains in registers).
    #[inline(always)]
    fn run<const AVX: bool>(&mut self, ch: usize, x: &mut Frames, n: usize, lanes: usize) {
        #[cfg(target_arch = "x86_64")]
        if AVX {
            // SAFETY: `AVX` is set only where the CPU has AVX and FMA.
            unsafe { avx::filter(self, ch, x, n) };
            return;
        }
        self.run_plain(ch, x, n, lanes);
    }
}

impl LowPasses {
    /// The lanes' low-passes, when all fit single precision.
    fn gather_single(lanes: &[LaneVoice]) -> Option<LowPasses> {
        let fit = |v: &LaneVoice| v.fx.lpf.as_ref().is_none_or(|p| p.single);
        lanes
            .iter()
            .all(fit)
            .then(|| Self::gather(lanes, |f| f.lpf.as_ref()))
    }

    /// Runs the lanes over `x[..n]`.
    #[inline(always)]
    fn run<const AVX: bool>(&mut self, ch: usize, x: &mut Frames, n: usize) {
        #[cfg(target_arch = "x86_64")]
        if AVX {
            // SAFETY: `AVX` is set only where the CPU has AVX and FMA.
            unsafe { avx::low_pass(self, ch, x, n) };
            return;
        }
        self.run_plain(ch, x, n, LANES);
    }
}

/// `row[..n]` for voice `v`, channel `ch`, from block frame `start`: the pitched voice
/// kernel's read (`base + floor(frac + rate·t)`, linear interpolation), silence outside the
/// voice's frames (so its filters start and stop where the voice does). A rate-1 voice
/// inside its frames and its sample reads a run of consecutive frames.
#[inline(always)]
fn read_lane(row: &mut [f32; CHUNK], ch: usize, start: usize, n: usize, v: &LaneVoice) {
    let data = v.data[ch];
    let first = v.base as i64 + start as i64;
    let inside = start >= v.from && start + n <= v.to;
    if v.rate == 1.0 && inside && first >= -2 && first + n as i64 <= v.len as i64 + 1 {
        // SAFETY: frames first..=first + n lie in [-2, len + 2], inside the padding.
        let run = unsafe { std::slice::from_raw_parts(data.offset(first as isize), n + 1) };
        let frac = v.frac;
        for (x, ab) in row[..n].iter_mut().zip(run.windows(2)) {
            *x = (ab[1] - ab[0]) * frac + ab[0];
        }
        return;
    }
    for (i, x) in row[..n].iter_mut().enumerate() {
        let t = start + i;
        let q = v.rate.mul_add(t as f32, v.frac);
        let fl = q.floor();
        let w = q - fl;
        let idx = v.base.wrapping_add(fl as i32).clamp(-2, v.len + 1);
        // SAFETY: idx and idx + 1 lie in [-2, len + 2], inside the sample's padding.
        let (a, b) = unsafe {
            let p = data.offset(idx as isize);
            (*p, *p.add(1))
        };
        let inside = t >= v.from && t < v.to;
        *x = if inside { (b - a) * w + a } else { 0.0 };
    }
}

/// `dirt_shape` over `row[..n]`: `(1 + k)·x / (1 + k·|x|)`.
#[inline(always)]
fn shape<const AVX: bool>(row: &mut [f32; CHUNK], n: usize, k: f32) {
    #[cfg(target_arch = "x86_64")]
    if AVX {
        // SAFETY: `AVX` is set only where the CPU has AVX and FMA; whole blocks of eight
        // stay inside the row (CHUNK is a multiple of 8).
        unsafe { avx::shape(row, n.next_multiple_of(8), k) };
        return;
    }
    for x in &mut row[..n] {
        *x = (1.0 + k) * *x / (1.0 + k * x.abs());
    }
}

/// The first `rows` rows and `cols` columns of `src` into `dst`, transposed (`rows` and
/// `cols` multiples of 8, at most `R` and `C`): the lanes to the filters' layout and back.
#[inline(always)]
fn transpose<const AVX: bool, const R: usize, const C: usize>(
    src: &[[f32; C]; R],
    dst: &mut [[f32; R]; C],
    rows: usize,
    cols: usize,
) {
    let (rows, cols) = (rows.min(R), cols.min(C));
    #[cfg(target_arch = "x86_64")]
    if AVX {
        for r0 in (0..rows).step_by(8) {
            for c0 in (0..cols).step_by(8) {
                // SAFETY: an 8×8 block inside both arrays (R, C, `rows` and `cols` are
                // multiples of 8); `AVX` is set only where the CPU has AVX.
                unsafe {
                    avx::transpose8(src[r0].as_ptr().add(c0), C, dst[c0].as_mut_ptr().add(r0), R)
                };
            }
        }
        return;
    }
    for (r, row) in src[..rows].iter().enumerate() {
        for (c, x) in row[..cols].iter().enumerate() {
            dst[c][r] = *x;
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod avx {
    use super::{CHUNK, Filters, Frames, LowPasses};
    use std::arch::x86_64::*;

    /// [`LowPasses::run`]: two groups of eight lanes, each group's state in two registers,
    /// its coefficients read as operands.
    #[inline]
    #[target_feature(enable = "avx,fma")]
    pub(super) unsafe fn low_pass(f: &mut LowPasses, ch: usize, x: &mut Frames, n: usize) {
        // SAFETY: every access is inside an array of `LANES` (16) = 2 groups of 8.
        unsafe {
            let at = |a: &[f32; 16], q: usize| _mm256_loadu_ps(a.as_ptr().add(8 * q));
            let mut y1: [__m256; 2] = std::array::from_fn(|q| at(&f.y1[ch], q));
            let mut y2: [__m256; 2] = std::array::from_fn(|q| at(&f.y2[ch], q));
            for frame in &mut x[..n] {
                for q in 0..2 {
                    let p = frame.as_mut_ptr().add(8 * q);
                    let t = _mm256_mul_ps(at(&f.g, q), _mm256_loadu_ps(p));
                    let t = _mm256_fmadd_ps(at(&f.b2, q), y2[q], t);
                    let y0 = _mm256_fmadd_ps(at(&f.b1, q), y1[q], t);
                    let sum = _mm256_fmadd_ps(at(&f.c1, q), y1[q], y0);
                    let sum = _mm256_fmadd_ps(at(&f.c2, q), y2[q], sum);
                    _mm256_storeu_ps(p, _mm256_mul_ps(at(&f.h, q), sum));
                    y2[q] = y1[q];
                    y1[q] = y0;
                }
            }
            for q in 0..2 {
                _mm256_storeu_ps(f.y1[ch].as_mut_ptr().add(8 * q), y1[q]);
                _mm256_storeu_ps(f.y2[ch].as_mut_ptr().add(8 * q), y2[q]);
            }
        }
    }

    /// [`Filters::run`] over the four groups of four lanes, in double precision: each
    /// group's state in two registers (the four chains run side by side), its coefficients
    /// read as operands (SuperCollider's form: `y0 = g·x + b1·y1 + b2·y2`, out
    /// `h·(y0 + c1·y1 + c2·y2)`).
    #[inline]
    #[target_feature(enable = "avx,fma")]
    pub(super) unsafe fn filter(f: &mut Filters, ch: usize, x: &mut Frames, n: usize) {
        // SAFETY: every access is inside an array of `LANES` (16) = 4 groups of 4.
        unsafe {
            let at = |a: &[f64; 16], q: usize| _mm256_loadu_pd(a.as_ptr().add(4 * q));
            let mut y1: [__m256d; 4] = std::array::from_fn(|q| at(&f.y1[ch], q));
            let mut y2: [__m256d; 4] = std::array::from_fn(|q| at(&f.y2[ch], q));
            for frame in &mut x[..n] {
                for q in 0..4 {
                    let p = frame.as_mut_ptr().add(4 * q);
                    let input = _mm256_cvtps_pd(_mm_loadu_ps(p));
                    let t = _mm256_mul_pd(at(&f.g, q), input);
                    let t = _mm256_fmadd_pd(at(&f.b2, q), y2[q], t);
                    let y0 = _mm256_fmadd_pd(at(&f.b1, q), y1[q], t);
                    let sum = _mm256_fmadd_pd(at(&f.c1, q), y1[q], y0);
                    let sum = _mm256_fmadd_pd(at(&f.c2, q), y2[q], sum);
                    _mm_storeu_ps(p, _mm256_cvtpd_ps(_mm256_mul_pd(at(&f.h, q), sum)));
                    y2[q] = y1[q];
                    y1[q] = y0;
                }
            }
            for q in 0..4 {
                _mm256_storeu_pd(f.y1[ch].as_mut_ptr().add(4 * q), y1[q]);
                _mm256_storeu_pd(f.y2[ch].as_mut_ptr().add(4 * q), y2[q]);
            }
        }
    }

    /// `dirt_shape` over `row[..n]` (`n` a multiple of 8), dividing by a reciprocal
    /// estimate refined by one Newton step (relative error near 1e-7; the denominator is at
    /// least 1), which takes a fraction of a division's time.
    #[inline]
    #[target_feature(enable = "avx,fma")]
    pub(super) unsafe fn shape(row: &mut [f32; CHUNK], n: usize, k: f32) {
        // SAFETY: the loads and stores stay inside `row` (`n <= CHUNK`).
        unsafe {
            let (kk, k1) = (_mm256_set1_ps(k), _mm256_set1_ps(1.0 + k));
            let (one, two) = (_mm256_set1_ps(1.0), _mm256_set1_ps(2.0));
            let abs = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fff_ffff));
            for i in (0..n.min(CHUNK)).step_by(8) {
                let p = row.as_mut_ptr().add(i);
                let x = _mm256_loadu_ps(p);
                let d = _mm256_fmadd_ps(kk, _mm256_and_ps(x, abs), one);
                let r = _mm256_rcp_ps(d);
                let r = _mm256_mul_ps(r, _mm256_fnmadd_ps(d, r, two));
                _mm256_storeu_ps(p, _mm256_mul_ps(_mm256_mul_ps(k1, x), r));
            }
        }
    }

    /// Transposes the 8×8 block at `src` (rows `src_stride` floats apart) into `dst`.
    #[inline]
    #[target_feature(enable = "avx")]
    pub(super) unsafe fn transpose8(
        src: *const f32,
        src_stride: usize,
        dst: *mut f32,
        dst_stride: usize,
    ) {
        // SAFETY: the caller gives eight rows of eight floats at both places.
        unsafe {
            let r: [__m256; 8] = std::array::from_fn(|i| _mm256_loadu_ps(src.add(i * src_stride)));
            let t = [
                _mm256_unpacklo_ps(r[0], r[1]),
                _mm256_unpackhi_ps(r[0], r[1]),
                _mm256_unpacklo_ps(r[2], r[3]),
                _mm256_unpackhi_ps(r[2], r[3]),
                _mm256_unpacklo_ps(r[4], r[5]),
                _mm256_unpackhi_ps(r[4], r[5]),
                _mm256_unpacklo_ps(r[6], r[7]),
                _mm256_unpackhi_ps(r[6], r[7]),
            ];
            let u = [
                _mm256_shuffle_ps::<0x44>(t[0], t[2]),
                _mm256_shuffle_ps::<0xEE>(t[0], t[2]),
                _mm256_shuffle_ps::<0x44>(t[1], t[3]),
                _mm256_shuffle_ps::<0xEE>(t[1], t[3]),
                _mm256_shuffle_ps::<0x44>(t[4], t[6]),
                _mm256_shuffle_ps::<0xEE>(t[4], t[6]),
                _mm256_shuffle_ps::<0x44>(t[5], t[7]),
                _mm256_shuffle_ps::<0xEE>(t[5], t[7]),
            ];
            let o = [
                _mm256_permute2f128_ps::<0x20>(u[0], u[4]),
                _mm256_permute2f128_ps::<0x20>(u[1], u[5]),
                _mm256_permute2f128_ps::<0x20>(u[2], u[6]),
                _mm256_permute2f128_ps::<0x20>(u[3], u[7]),
                _mm256_permute2f128_ps::<0x31>(u[0], u[4]),
                _mm256_permute2f128_ps::<0x31>(u[1], u[5]),
                _mm256_permute2f128_ps::<0x31>(u[2], u[6]),
                _mm256_permute2f128_ps::<0x31>(u[3], u[7]),
            ];
            for (i, v) in o.into_iter().enumerate() {
                _mm256_storeu_ps(dst.add(i * dst_stride), v);
            }
        }
    }
}

/// Adds to each `outs[t]` (`n` frames) the lanes' frames weighted by `w[t]`: the lanes'
/// sum into the bank's pair and their orbits' sends. Sixteen frames at a time (then eight)
/// are summed over the lanes in registers, each lane's frames read once for every target
/// and each weight once for sixteen frames. `FMA`: the CPU has fused multiply-adds
/// (without, `mul_add` is a library call).
#[inline(always)]
fn weighted_sums<const FMA: bool, const T: usize>(
    rows: &Rows,
    count: usize,
    w: &[[f32; LANES]; T],
    n: usize,
    mut outs: [&mut [f32]; T],
) {
    let sixteens = n / 16 * 16;
    for f0 in (0..sixteens).step_by(16) {
        weighted_group::<FMA, T, 16>(rows, count, w, f0, &mut outs);
    }
    let eights = n / 8 * 8;
    if eights > sixteens {
        weighted_group::<FMA, T, 8>(rows, count, w, sixteens, &mut outs);
    }
    for f in eights..n {
        for t in 0..T {
            let s: f32 = (0..count).map(|l| w[t][l] * rows[l][f]).sum();
            outs[t][f] += s;
        }
    }
}

/// [`weighted_sums`] over frames `f0..f0 + G`.
#[inline(always)]
fn weighted_group<const FMA: bool, const T: usize, const G: usize>(
    rows: &Rows,
    count: usize,
    w: &[[f32; LANES]; T],
    f0: usize,
    outs: &mut [&mut [f32]; T],
) {
    let mut acc = [[0.0f32; G]; T];
    for (l, row) in rows[..count].iter().enumerate() {
        let x: &[f32; G] = row[f0..f0 + G].try_into().expect("a group of frames");
        for t in 0..T {
            let wt = w[t][l];
            for j in 0..G {
                acc[t][j] = if FMA {
                    wt.mul_add(x[j], acc[t][j])
                } else {
                    acc[t][j] + wt * x[j]
                };
            }
        }
    }
    for t in 0..T {
        for (o, a) in outs[t][f0..f0 + G].iter_mut().zip(acc[t]) {
            *o += a;
        }
    }
}

/// Mixes up to [`LANES`] voices with effects into `out` (`frames + 4` floats per side) and
/// their sends, over the block's `frames` frames. `stereo`: any voice has two channels.
pub fn mix(
    lanes: &mut [LaneVoice],
    scratch: &mut Scratch,
    stereo: bool,
    frames: usize,
    out: [&mut [f32]; 2],
    sends: &mut [OrbitSends],
) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma") {
        // SAFETY: the CPU has the features the copy is compiled for.
        return unsafe { mix_avx2(lanes, scratch, stereo, frames, out, sends) };
    }
    mix_body::<false>(lanes, scratch, stereo, frames, out, sends)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn mix_avx2(
    lanes: &mut [LaneVoice],
    scratch: &mut Scratch,
    stereo: bool,
    frames: usize,
    out: [&mut [f32]; 2],
    sends: &mut [OrbitSends],
) {
    mix_body::<true>(lanes, scratch, stereo, frames, out, sends)
}

/// The weights of one orbit's sends: per lane, `room` and `delay` for each side (zero for a
/// lane that sends elsewhere or nowhere).
struct OrbitWeights {
    orbit: usize,
    room: [[f32; LANES]; 2],
    delay: [[f32; LANES]; 2],
    /// `room` for a mono lane: both sides' shares.
    mono: [f32; LANES],
}

#[inline(always)]
fn mix_body<const AVX: bool>(
    lanes: &mut [LaneVoice],
    scratch: &mut Scratch,
    stereo: bool,
    frames: usize,
    out: [&mut [f32]; 2],
    sends: &mut [OrbitSends],
) {
    assert!(lanes.len() <= LANES);
    let count = lanes.len();
    let channels = if stereo { 2 } else { 1 };
    let (from, to) = lanes
        .iter()
        .fold((frames, 0), |(a, b), v| (a.min(v.from), b.max(v.to)));
    if to <= from {
        return;
    }
    let any = |f: fn(&LaneFx) -> bool| lanes.iter().any(|v| f(&v.fx));
    let has_crush = any(|f| f.crush.is_some());
    let (has_hpf, has_bpf, has_lpf) = (
        any(|f| f.hpf.is_some()),
        any(|f| f.bpf.is_some()),
        any(|f| f.lpf.is_some()),
    );
    let framewise = has_hpf || has_bpf || has_crush || has_lpf;
    let mut step = [0.0f32; LANES];
    let mut gain = [[0.0f32; LANES]; 2];
    for (l, v) in lanes.iter().enumerate() {
        step[l] = v.fx.crush.unwrap_or(0.0);
        gain[0][l] = v.gain[0];
        gain[1][l] = v.gain[1];
    }
    // The sends, one set of weights per orbit the lanes send to (usually one).
    let mut orbits: [Option<OrbitWeights>; LANES] = [const { None }; LANES];
    for (l, v) in lanes.iter().enumerate() {
        let Some((orbit, room, delay)) = v.send else {
            continue;
        };
        if orbit >= sends.len() {
            continue;
        }
        let slot = orbits
            .iter()
            .position(|o| o.as_ref().is_none_or(|o| o.orbit == orbit))
            .expect("a slot per lane");
        let o = orbits[slot].get_or_insert(OrbitWeights {
            orbit,
            room: [[0.0; LANES]; 2],
            delay: [[0.0; LANES]; 2],
            mono: [0.0; LANES],
        });
        for (ch, g) in v.gain.iter().enumerate() {
            // `dirt_reverb` hears the mono sum; `dirt_delay` each side.
            o.room[ch][l] = room * g;
            o.delay[ch][l] = delay * g;
        }
        o.mono[l] = o.room[0][l] + o.room[1][l];
    }
    for o in orbits.iter().flatten() {
        sends[o.orbit].heard = true;
    }
    // Every lane sending to one orbit at the same levels (a pattern's `# room 0.2
    // # delay 0.2`): the sends are those levels times the lanes' sum, summed once.
    let uniform = match lanes[0].send {
        Some((orbit, room, delay)) if orbit < sends.len() => lanes
            .iter()
            .all(|v| v.send == Some((orbit, room, delay)))
            .then_some((orbit, room, delay)),
        _ => None,
    };
    let mut sum: [[f32; CHUNK]; 2] = [[0.0; CHUNK]; 2];
    let mut hpf = Filters::gather(lanes, |f| f.hpf.as_ref());
    let mut bpf = Filters::gather(lanes, |f| f.bpf.as_ref());
    // The low-passes in single precision when they all fit it, else in double.
    let mut lpf = match LowPasses::gather_single(lanes) {
        Some(single) => Ok(single),
        None => Err(Filters::gather(lanes, |f| f.lpf.as_ref())),
    };
    let Scratch { rows, frames: x } = scratch;
    let x: &mut Frames = x;
    let [out_l, out_r] = out;
    let mut start = from;
    while start < to {
        let n = CHUNK.min(to - start);
        // Whole blocks of eight frames for the transposes (the arrays are CHUNK long).
        let n8 = n.next_multiple_of(8);
        for (ch, rows) in rows.iter_mut().enumerate().take(channels) {
            for (row, v) in rows.iter_mut().zip(lanes.iter()) {
                read_lane(row, ch, start, n, v);
                if let Some(k) = v.fx.shape {
                    shape::<AVX>(row, n, k);
                }
            }
            if framewise {
                transpose::<AVX, LANES, CHUNK>(rows, x, LANES, n8);
                if has_hpf {
                    hpf.run::<AVX>(ch, x, n, count);
                }
                if has_bpf {
                    bpf.run::<AVX>(ch, x, n, count);
                }
                if has_crush {
                    for frame in &mut x[..n] {
                        for l in 0..LANES {
                            let s = step[l];
                            if s > 0.0 {
                                frame[l] = (frame[l] / s + 0.5).floor() * s;
                            }
                        }
                    }
                }
                if has_lpf {
                    match &mut lpf {
                        Ok(single) => single.run::<AVX>(ch, x, n),
                        Err(double) => double.run::<AVX>(ch, x, n, count),
                    }
                }
                transpose::<AVX, CHUNK, LANES>(x, rows, n8, LANES);
            }
            // The envelope, and silence outside the voice's frames (where a filter may
            // still ring).
            for (row, v) in rows.iter_mut().zip(lanes.iter()) {
                let inside = start >= v.from && start + n <= v.to;
                if inside && v.env.is_none() {
                    continue;
                }
                let [af, ai, rt, ri] = v.env.unwrap_or([-1.0e30, 1.0, 1.0e30, 1.0]);
                let (lo, hi) = (v.from as f32, v.to as f32);
                for (i, x) in row[..n].iter_mut().enumerate() {
                    let tf = (start + i) as f32;
                    let a = (tf - af) * ai;
                    let r = (rt - tf) * ri;
                    let e = if a < r { a } else { r };
                    let e = if e < 1.0 { e } else { 1.0 };
                    let e = if 0.0 < e { e } else { 0.0 };
                    let level = if tf >= lo && tf < hi { e } else { 0.0 };
                    *x *= level;
                }
            }
        }
        let span = start..start + n;
        let [rl, rr] = &rows;
        let [ol, or] = [&mut out_l[span.clone()], &mut out_r[span.clone()]];
        if let Some((orbit, room, delay)) = uniform {
            let [sl, sr] = &mut sum;
            let (sl, sr) = (&mut sl[..n], &mut sr[..n]);
            sl.fill(0.0);
            sr.fill(0.0);
            if stereo {
                weighted_sums::<AVX, 1>(rl, count, &[gain[0]], n, [sl]);
                weighted_sums::<AVX, 1>(rr, count, &[gain[1]], n, [sr]);
            } else {
                weighted_sums::<AVX, 2>(rl, count, &gain, n, [sl, sr]);
            }
            let s = &mut sends[orbit];
            let [d0, d1] = &mut s.delay;
            let to = (ol.iter_mut().zip(or.iter_mut()))
                .zip(s.room[span.clone()].iter_mut())
                .zip(d0[span.clone()].iter_mut().zip(d1[span.clone()].iter_mut()));
            for ((((ol, or), r), (d0, d1)), (l, rt)) in to.zip(sl.iter().zip(sr.iter())) {
                *ol += l;
                *or += rt;
                // `dirt_reverb` hears the mono sum; `dirt_delay` each side.
                *r += (l + rt) * room;
                *d0 += l * delay;
                *d1 += rt * delay;
            }
            start += n;
            continue;
        }
        // The bank's pair and the first orbit's sends in one pass; any other orbit's after.
        let mut orbits = orbits.iter().flatten();
        match (stereo, orbits.next()) {
            (false, None) => weighted_sums::<AVX, 2>(rl, count, &gain, n, [ol, or]),
            (false, Some(o)) => {
                let s = &mut sends[o.orbit];
                let [d0, d1] = &mut s.delay;
                let outs = [
                    ol,
                    or,
                    &mut s.room[span.clone()],
                    &mut d0[span.clone()],
                    &mut d1[span.clone()],
                ];
                let w = [gain[0], gain[1], o.mono, o.delay[0], o.delay[1]];
                weighted_sums::<AVX, 5>(rl, count, &w, n, outs);
            }
            (true, None) => {
                weighted_sums::<AVX, 1>(rl, count, &[gain[0]], n, [ol]);
                weighted_sums::<AVX, 1>(rr, count, &[gain[1]], n, [or]);
            }
            (true, Some(o)) => {
                let s = &mut sends[o.orbit];
                let [d0, d1] = &mut s.delay;
                let outs = [ol, &mut s.room[span.clone()], &mut d0[span.clone()]];
                weighted_sums::<AVX, 3>(rl, count, &[gain[0], o.room[0], o.delay[0]], n, outs);
                let outs = [or, &mut s.room[span.clone()], &mut d1[span.clone()]];
                weighted_sums::<AVX, 3>(rr, count, &[gain[1], o.room[1], o.delay[1]], n, outs);
            }
        }
        for o in orbits {
            let s = &mut sends[o.orbit];
            let [d0, d1] = &mut s.delay;
            let (d0, d1) = (&mut d0[span.clone()], &mut d1[span.clone()]);
            if stereo {
                let room = &mut s.room[span.clone()];
                weighted_sums::<AVX, 2>(rl, count, &[o.room[0], o.delay[0]], n, [room, d0]);
                let room = &mut s.room[span.clone()];
                weighted_sums::<AVX, 2>(rr, count, &[o.room[1], o.delay[1]], n, [room, d1]);
            } else {
                let room = &mut s.room[span.clone()];
                let w = [o.mono, o.delay[0], o.delay[1]];
                weighted_sums::<AVX, 3>(rl, count, &w, n, [room, d0, d1]);
            }
        }
        start += n;
    }
    hpf.scatter(lanes, |f| f.hpf.as_mut());
    bpf.scatter(lanes, |f| f.bpf.as_mut());
    match &lpf {
        Ok(single) => single.scatter(lanes, |f| f.lpf.as_mut()),
        Err(double) => double.scatter(lanes, |f| f.lpf.as_mut()),
    }
    for v in lanes.iter_mut() {
        for f in [&mut v.fx.hpf, &mut v.fx.bpf, &mut v.fx.lpf]
            .into_iter()
            .flatten()
        {
            f.settle();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::orbits::OrbitSends;
    use crate::engine::voice_fx::VoiceFx;
    use crate::samples::Sample;

    const SR: f64 = 44_100.0;

    fn controls<'a>(pairs: &'a [(&'a str, f64)]) -> impl Fn(&str) -> Option<f64> + 'a {
        move |k| pairs.iter().find(|(n, _)| *n == k).map(|(_, v)| *v)
    }

    /// What the per-voice path computes for one voice: the pitched read, the voice's
    /// effects, its envelope and gain, over its frames.
    fn one_by_one(v: &LaneVoice, frames: usize) -> [Vec<f32>; 2] {
        let read = |ch: usize| -> Vec<f32> {
            (v.from..v.to)
                .map(|t| {
                    let q = v.rate.mul_add(t as f32, v.frac);
                    let fl = q.floor();
                    let idx = v.base.wrapping_add(fl as i32).clamp(-2, v.len + 1);
                    // SAFETY: as in `mix_body`.
                    let (a, b) = unsafe {
                        let p = v.data[ch].offset(idx as isize);
                        (*p, *p.add(1))
                    };
                    (b - a).mul_add(q - fl, a)
                })
                .collect()
        };
        let (mut l, mut r) = (read(0), read(1));
        let mut fx = VoiceFx::default();
        fx.set_lane_part(v.fx);
        fx.process(&mut l, Some(&mut r));
        let mut out = [vec![0.0; frames + 4], vec![0.0; frames + 4]];
        for (i, t) in (v.from..v.to).enumerate() {
            let e = v.env.map_or(1.0, |[af, ai, rt, ri]| {
                let tf = t as f32;
                ((tf - af) * ai).min((rt - tf) * ri).clamp(0.0, 1.0)
            });
            out[0][t] = l[i] * e * v.gain[0];
            out[1][t] = r[i] * e * v.gain[1];
        }
        out
    }

    #[test]
    fn four_lanes_compute_what_each_voice_computes_alone() {
        let frames = 300;
        let noise: Vec<f32> = (0..5000u32)
            .map(|i| ((i.wrapping_mul(2_654_435_761) >> 8) as f32 / (1u32 << 24) as f32) - 0.5)
            .collect();
        let sample = Sample::new(vec![noise.clone(), noise.iter().map(|x| -x).collect()], "n");
        let settings: [&[(&str, f64)]; 4] = [
            &[("cutoff", 800.0), ("resonance", 0.3)],
            &[("shape", 0.6), ("hcutoff", 300.0)],
            &[("bandf", 1200.0), ("bandq", 3.0), ("crush", 5.0)],
            &[],
        ];
        let make = |i: usize| LaneVoice {
            data: [sample.data(0), sample.data(1)],
            len: sample.len() as i32,
            base: 17 * i as i32,
            frac: 0.25 * i as f32,
            rate: [1.0, 1.5, 0.75, 2.0][i],
            gain: [0.5, 0.25 * i as f32 + 0.1],
            env: (i % 2 == 1).then_some([20.0, 0.01, 250.0, 0.05]),
            from: [0, 10, 40, 0][i],
            to: [300, 290, 120, 300][i],
            fx: VoiceFx::of_event(controls(settings[i]), None, SR, 1).lane_part(),
            send: None,
        };
        let mut lanes: Vec<LaneVoice> = (0..4).map(make).collect();
        let mut want = [vec![0.0f32; frames + 4], vec![0.0f32; frames + 4]];
        for v in &lanes {
            let o = one_by_one(v, frames);
            for ch in 0..2 {
                for t in 0..frames {
                    want[ch][t] += o[ch][t];
                }
            }
        }
        let [mut l, mut r] = [vec![0.0f32; frames + 4], vec![0.0f32; frames + 4]];
        mix(
            &mut lanes,
            &mut Scratch::new(),
            true,
            frames,
            [&mut l, &mut r],
            &mut [],
        );
        for (got, want) in [(&l, &want[0]), (&r, &want[1])] {
            for t in 0..frames {
                assert!(
                    (got[t] - want[t]).abs() < 1e-5,
                    "frame {t}: {} vs {}",
                    got[t],
                    want[t]
                );
            }
        }
        // The filters' state went back to the voices: a second block continues them.
        let after: Vec<_> = lanes.iter().map(|v| v.fx.lpf.map(|f| f.y)).collect();
        assert_ne!(after[0], Some([[0.0; 2]; 2]));
    }

    /// Sixteen lanes (a full set, and the seventeenth voice in a second call), sending to two
    /// orbits, to an orbit the bank lacks and to none, mono and stereo: the bank's pair and
    /// the sends are what each voice adds on its own.
    #[test]
    fn sixteen_lanes_and_their_sends_are_each_voice_alone() {
        let frames = 200;
        let noise = |seed: u32| -> Vec<f32> {
            (0..3000u32)
                .map(|i| {
                    let h = (i ^ seed).wrapping_mul(2_654_435_761);
                    ((h >> 8) as f32 / (1u32 << 24) as f32) - 0.5
                })
                .collect()
        };
        let mono = Sample::new(vec![noise(7)], "m");
        let stereo = Sample::new(vec![noise(9), noise(11)], "s");
        // Uniform: every voice sends to orbit 1 at the same levels (the mixer's shortcut).
        for (two_channels, uniform) in [(false, false), (true, false), (false, true), (true, true)]
        {
            let sample = if two_channels { &stereo } else { &mono };
            let right = if two_channels { 1 } else { 0 };
            let make = |i: usize| {
                let cutoff = [("cutoff", 400.0 + 300.0 * i as f64), ("resonance", 0.2)];
                let shape = [("shape", 0.3), ("crush", 6.0)];
                let pairs: &[(&str, f64)] = if i.is_multiple_of(3) { &shape } else { &cutoff };
                LaneVoice {
                    data: [sample.data(0), sample.data(right)],
                    len: sample.len() as i32,
                    base: 31 * i as i32,
                    frac: 0.1 * (i % 4) as f32,
                    rate: if i.is_multiple_of(5) { 1.25 } else { 1.0 },
                    gain: [0.3 + 0.02 * i as f32, 0.5 - 0.01 * i as f32],
                    env: (i % 4 == 1).then_some([10.0, 0.02, 150.0, 0.04]),
                    from: (i * 7) % 60,
                    to: frames - (i * 5) % 40,
                    fx: VoiceFx::of_event(controls(pairs), None, SR, 1).lane_part(),
                    send: match i % 4 {
                        _ if uniform => Some((1, 0.3, 0.6)),
                        0 => None,
                        1 => Some((0, 0.5, 0.25)),
                        2 => Some((1, 0.2, 0.7)),
                        _ => Some((5, 1.0, 1.0)),
                    },
                }
            };
            let voices: Vec<LaneVoice> = (0..17).map(make).collect();
            let mut want = [vec![0.0f32; frames + 4], vec![0.0f32; frames + 4]];
            let mut want_sends =
                vec![[vec![0.0f32; frames], vec![0.0; frames], vec![0.0; frames]]; 2];
            for v in &voices {
                let o = one_by_one(v, frames);
                for t in 0..frames {
                    want[0][t] += o[0][t];
                    want[1][t] += o[1][t];
                    if let Some((orbit, room, delay)) = v.send
                        && orbit < 2
                    {
                        let s = &mut want_sends[orbit];
                        s[0][t] += (o[0][t] + o[1][t]) * room;
                        s[1][t] += o[0][t] * delay;
                        s[2][t] += o[1][t] * delay;
                    }
                }
            }
            // Both copies: the one for CPUs with AVX2 and FMA (where this runs on one) and
            // the plain one.
            for vector in [true, false] {
                let mut voices: Vec<LaneVoice> = (0..17).map(make).collect();
                let [mut l, mut r] = [vec![0.0f32; frames + 4], vec![0.0f32; frames + 4]];
                let mut sends = vec![OrbitSends::new(frames), OrbitSends::new(frames)];
                let (first, rest) = voices.split_at_mut(LANES);
                // One scratch for both calls: the second (one voice) finds the first's
                // sixteen lanes of sound in it.
                let mut scratch = Scratch::new();
                for lanes in [first, rest] {
                    let out = [&mut l[..], &mut r[..]];
                    if vector {
                        mix(lanes, &mut scratch, two_channels, frames, out, &mut sends);
                    } else {
                        let sc = &mut scratch;
                        mix_body::<false>(lanes, sc, two_channels, frames, out, &mut sends);
                    }
                }
                let close = |got: &[f32], want: &[f32], what: &str| {
                    for t in 0..frames {
                        assert!(
                            (got[t] - want[t]).abs() < 2e-5,
                            "{what} (stereo {two_channels}) frame {t}: {} vs {}",
                            got[t],
                            want[t]
                        );
                    }
                };
                close(&l, &want[0], "left");
                close(&r, &want[1], "right");
                for (o, s) in sends.iter().enumerate() {
                    assert_eq!(s.heard, o == 1 || !uniform);
                    close(&s.room, &want_sends[o][0], "room");
                    close(&s.delay[0], &want_sends[o][1], "delay left");
                    close(&s.delay[1], &want_sends[o][2], "delay right");
                }
            }
            assert!(want_sends[1][0].iter().any(|x| *x != 0.0));
        }
    }

    /// Where the single-precision low-pass is taken, it follows the double-precision one:
    /// over five seconds of noise its error stays 80 dB under the output. It is taken for
    /// the usual settings and not for a narrow resonance low down.
    #[test]
    fn the_single_precision_low_pass_is_the_double_one() {
        let frames = 5 * 44_100;
        let noise: Vec<f32> = (0..frames as u32)
            .map(|i| ((i.wrapping_mul(2_654_435_761) >> 8) as f32 / (1u32 << 24) as f32) - 0.5)
            .collect();
        let mut singles = 0;
        for cutoff in [20.0, 50.0, 100.0, 400.0, 800.0, 2000.0, 12_000.0] {
            for resonance in [0.0, 0.2, 0.5, 0.95] {
                let fx = VoiceFx::of_event(
                    controls(&[("cutoff", cutoff), ("resonance", resonance)]),
                    None,
                    SR,
                    1,
                )
                .lane_part();
                let mut lane = |_| LaneVoice {
                    data: [std::ptr::null(); 2],
                    len: 0,
                    base: 0,
                    frac: 0.0,
                    rate: 1.0,
                    gain: [1.0; 2],
                    env: None,
                    from: 0,
                    to: 0,
                    fx,
                    send: None,
                };
                let lanes: Vec<LaneVoice> = (0..LANES).map(&mut lane).collect();
                let mut double = Filters::gather(&lanes, |f| f.lpf.as_ref());
                let Some(mut single) = LowPasses::gather_single(&lanes) else {
                    // Kept in double precision: where single precision would be off.
                    assert!(cutoff < 300.0 || resonance > 0.9, "{cutoff} {resonance}");
                    continue;
                };
                let (mut err, mut power) = (0.0f64, 0.0f64);
                for chunk in noise.chunks(CHUNK) {
                    let n = chunk.len();
                    let mut a: Frames = [[0.0; LANES]; CHUNK];
                    for (f, x) in chunk.iter().enumerate() {
                        a[f] = [*x; LANES];
                    }
                    let mut b = a;
                    double.run::<false>(0, &mut a, n, LANES);
                    single.run::<true>(0, &mut b, n);
                    for f in 0..n {
                        err += ((a[f][3] - b[f][3]) as f64).powi(2);
                        power += (a[f][3] as f64).powi(2);
                    }
                }
                let db = 10.0 * (err / power).log10();
                println!("{cutoff} Hz, resonance {resonance}: {db:.1} dB");
                assert!(db < -80.0, "{cutoff} Hz, resonance {resonance}: {db:.1} dB");
                singles += 1;
            }
        }
        // 400 Hz and up at resonance up to 0.5.
        assert!(singles >= 12, "{singles}");
    }
}
