//! The contract between voice banks and the voice kernels the compiler generates: four voices
//! per call, mixed into a stereo bus over a range of frames. The kernels are JIT code; the
//! same computation is written here in Rust, operation for operation, as the reference the
//! JIT is tested against.

use crate::samples::PAD;

/// Four voices for one kernel call; lane `v` of every field belongs to voice `v`.
///
/// A voice's sample position at block frame `t` is `base + frac + rate · t` (`base` an
/// integer, so long samples keep their precision). Reads are clamped to the sample's padding,
/// so a kernel never leaves the sample's allocation whatever the range; where a voice is not
/// sounding, either the padding's silence or the envelope makes its contribution zero.
#[derive(Clone, Copy, Debug)]
#[repr(C, align(16))]
pub struct VoiceQuad {
    /// Frame 0 of each voice's left (or only) channel.
    pub left: [*const f32; 4],
    /// Frame 0 of each voice's right channel (stereo kernels only).
    pub right: [*const f32; 4],
    pub base: [i32; 4],
    /// Sample length in frames.
    pub len: [i32; 4],
    pub frac: [f32; 4],
    pub rate: [f32; 4],
    pub gain_l: [f32; 4],
    pub gain_r: [f32; 4],
    /// Envelope kernels: `clamp(min((t - attack_from) · attack_inv,
    /// (release_to - t) · release_inv), 0, 1)` with `t` the block frame.
    pub attack_from: [f32; 4],
    pub attack_inv: [f32; 4],
    pub release_to: [f32; 4],
    pub release_inv: [f32; 4],
}

/// Byte offsets of [`VoiceQuad`]'s fields, for the code generator.
pub mod offsets {
    pub const LEFT: i32 = 0;
    pub const RIGHT: i32 = 32;
    pub const BASE: i32 = 64;
    pub const LEN: i32 = 80;
    pub const FRAC: i32 = 96;
    pub const RATE: i32 = 112;
    pub const GAIN_L: i32 = 128;
    pub const GAIN_R: i32 = 144;
    pub const ATTACK_FROM: i32 = 160;
    pub const ATTACK_INV: i32 = 176;
    pub const RELEASE_TO: i32 = 192;
    pub const RELEASE_INV: i32 = 208;
    pub const SIZE: usize = 224;
}

/// Mixes the four voices of `quad` into `out_l`/`out_r` over frames `from..to`, four frames
/// at a time: `from` must be a multiple of 4, and the buses must have room up to the next
/// multiple of 4 at or after `to`.
pub type VoiceFn = unsafe extern "C" fn(
    quad: *const VoiceQuad,
    from: u64,
    to: u64,
    out_l: *mut f32,
    out_r: *mut f32,
);

/// What a kernel does; each combination is its own function.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct VoiceKind {
    /// Any rate other than exactly 1: per-frame positions, scalar loads.
    pub pitched: bool,
    /// Two channels of sample data (otherwise one, panned).
    pub stereo: bool,
    /// Attack, release or a cut: the envelope is applied.
    pub env: bool,
}

impl VoiceKind {
    pub const COUNT: usize = 8;

    pub fn index(self) -> usize {
        usize::from(self.pitched) | usize::from(self.stereo) << 1 | usize::from(self.env) << 2
    }

    pub fn all() -> impl Iterator<Item = VoiceKind> {
        (0..Self::COUNT).map(|i| VoiceKind {
            pitched: i & 1 != 0,
            stereo: i & 2 != 0,
            env: i & 4 != 0,
        })
    }
}

/// One function per [`VoiceKind`], by [`VoiceKind::index`].
#[derive(Clone, Copy)]
pub struct VoiceKernels(pub [VoiceFn; VoiceKind::COUNT]);

impl VoiceKernels {
    /// The Rust reference implementation, with the kernels' calling convention. On a CPU
    /// with FMA, the copy compiled for it (the same results: `mul_add` is fused either way,
    /// but without the instruction each one is a call into a software routine).
    pub fn reference() -> VoiceKernels {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("fma") {
            return VoiceKernels([
                reference_fma::<false, false, false>,
                reference_fma::<true, false, false>,
                reference_fma::<false, true, false>,
                reference_fma::<true, true, false>,
                reference_fma::<false, false, true>,
                reference_fma::<true, false, true>,
                reference_fma::<false, true, true>,
                reference_fma::<true, true, true>,
            ]);
        }
        Self::portable()
    }

    /// The reference compiled for any CPU of the target.
    pub fn portable() -> VoiceKernels {
        VoiceKernels([
            reference_fn::<false, false, false>,
            reference_fn::<true, false, false>,
            reference_fn::<false, true, false>,
            reference_fn::<true, true, false>,
            reference_fn::<false, false, true>,
            reference_fn::<true, false, true>,
            reference_fn::<false, true, true>,
            reference_fn::<true, true, true>,
        ])
    }

    pub fn get(&self, kind: VoiceKind) -> VoiceFn {
        self.0[kind.index()]
    }
}

fn lt_select(a: f32, b: f32, x: f32, y: f32) -> f32 {
    if a < b { x } else { y }
}

/// The rate-1 read: two unaligned four-frame loads at the clamped integer position and a lerp.
#[inline(always)]
fn read_rate1(data: *const f32, pos: i64, len: i32, frac: f32, lane: usize) -> f32 {
    let p = pos.clamp(-(PAD as i64), len as i64 + PAD as i64 - 5);
    // SAFETY: p + lane + 1 lies in [-PAD, len + PAD), inside the padded allocation.
    let (a, b) = unsafe {
        (
            *data.offset((p + lane as i64) as isize),
            *data.offset((p + lane as i64 + 1) as isize),
        )
    };
    (b - a).mul_add(frac, a)
}

#[inline(always)]
fn read_pitched(data: *const f32, base: i32, len: i32, q: f32) -> f32 {
    let fl = q.floor();
    let w = q - fl;
    let idx = (base.wrapping_add(fl as i32)).clamp(-2, len + 1);
    // SAFETY: idx and idx + 1 lie in [-2, len + 2], inside the padding.
    let (a, b) = unsafe { (*data.offset(idx as isize), *data.offset(idx as isize + 1)) };
    (b - a).mul_add(w, a)
}

unsafe extern "C" fn reference_fn<const PITCHED: bool, const STEREO: bool, const ENV: bool>(
    quad: *const VoiceQuad,
    from: u64,
    to: u64,
    out_l: *mut f32,
    out_r: *mut f32,
) {
    // SAFETY: as documented on `VoiceFn`, passed on.
    unsafe { reference_body::<PITCHED, STEREO, ENV>(quad, from, to, out_l, out_r) }
}

/// [`reference_fn`] compiled with FMA instructions; only called where the CPU has them.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "fma")]
unsafe extern "C" fn reference_fma<const PITCHED: bool, const STEREO: bool, const ENV: bool>(
    quad: *const VoiceQuad,
    from: u64,
    to: u64,
    out_l: *mut f32,
    out_r: *mut f32,
) {
    // SAFETY: as documented on `VoiceFn`, passed on.
    unsafe { reference_body::<PITCHED, STEREO, ENV>(quad, from, to, out_l, out_r) }
}

#[inline(always)]
unsafe fn reference_body<const PITCHED: bool, const STEREO: bool, const ENV: bool>(
    quad: *const VoiceQuad,
    from: u64,
    to: u64,
    out_l: *mut f32,
    out_r: *mut f32,
) {
    // SAFETY: the caller passes a valid quad and buses as documented on `VoiceFn`.
    let q = unsafe { &*quad };
    let mut t0 = from as i64;
    while t0 < to as i64 {
        let mut acc_l = [0.0f32; 4];
        let mut acc_r = [0.0f32; 4];
        for v in 0..4 {
            for lane in 0..4 {
                let t = (t0 as f32) + lane as f32;
                let (sl, sr) = if PITCHED {
                    let pos = q.rate[v].mul_add(t, q.frac[v]);
                    let l = read_pitched(q.left[v], q.base[v], q.len[v], pos);
                    let r = if STEREO {
                        read_pitched(q.right[v], q.base[v], q.len[v], pos)
                    } else {
                        l
                    };
                    (l, r)
                } else {
                    let pos = q.base[v] as i64 + t0;
                    let l = read_rate1(q.left[v], pos, q.len[v], q.frac[v], lane);
                    let r = if STEREO {
                        read_rate1(q.right[v], pos, q.len[v], q.frac[v], lane)
                    } else {
                        l
                    };
                    (l, r)
                };
                let (gl, gr) = if ENV {
                    let a = (t - q.attack_from[v]) * q.attack_inv[v];
                    let r = (q.release_to[v] - t) * q.release_inv[v];
                    let e = lt_select(a, r, a, r);
                    let e = lt_select(e, 1.0, e, 1.0);
                    let e = lt_select(0.0, e, e, 0.0);
                    (e * q.gain_l[v], e * q.gain_r[v])
                } else {
                    (q.gain_l[v], q.gain_r[v])
                };
                acc_l[lane] = sl.mul_add(gl, acc_l[lane]);
                acc_r[lane] = sr.mul_add(gr, acc_r[lane]);
            }
        }
        for lane in 0..4 {
            // SAFETY: the buses have room up to the next multiple of 4 at or after `to`.
            unsafe {
                *out_l.offset((t0 + lane as i64) as isize) += acc_l[lane];
                *out_r.offset((t0 + lane as i64) as isize) += acc_r[lane];
            }
        }
        t0 += 4;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_match_the_layout() {
        assert_eq!(std::mem::size_of::<VoiceQuad>(), offsets::SIZE);
        let q = std::mem::MaybeUninit::<VoiceQuad>::uninit();
        let base = q.as_ptr() as usize;
        // SAFETY: only field addresses are taken, nothing is read.
        let at = |p: *const u8| p as usize - base;
        unsafe {
            let p = q.as_ptr();
            assert_eq!(at((&raw const (*p).right).cast()), offsets::RIGHT as usize);
            assert_eq!(at((&raw const (*p).base).cast()), offsets::BASE as usize);
            assert_eq!(at((&raw const (*p).frac).cast()), offsets::FRAC as usize);
            assert_eq!(
                at((&raw const (*p).gain_r).cast()),
                offsets::GAIN_R as usize
            );
            assert_eq!(
                at((&raw const (*p).release_inv).cast()),
                offsets::RELEASE_INV as usize
            );
        }
    }
}
