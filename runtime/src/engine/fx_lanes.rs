//! Voices with per-event effects or sends, [`LANES`] at a time: one voice per lane, every stage a
//! tight loop over a chunk of frames and the four lanes (which the compiler turns into
//! vector instructions: the lanes are independent, where the frames of one voice's filter
//! are not). A chunk is read from the samples, then shaped, high-passed, band-passed, crushed
//! and low-passed in SuperDirt's order (a lane without a stage passes through it unchanged:
//! a filter with identity coefficients, `k = 0`), then its envelope, gain and pan are applied
//! and the lanes are summed into the bank's pair and into their orbits' sends.
//!
//! The result is what [`VoiceFx::process`](super::voice_fx::VoiceFx::process) and the per-voice mixer compute: the reads are the
//! pitched voice kernel's (`base + floor(frac + rate·t)`, linear interpolation), the filters
//! run in double precision with the same coefficients. Voices with `vowel` or `coarse` keep
//! the per-voice path.

use super::orbits::OrbitSends;
use super::voice_fx::{LaneFx, TwoPole};

/// Frames per chunk: the lanes of two channels stay in the L1 cache.
const CHUNK: usize = 64;

/// Voices mixed at once. A voice's filter is a chain from frame to frame, so the lanes are
/// what runs in parallel: sixteen keep four vector chains in flight, which hides the
/// latency of each.
pub const LANES: usize = 16;

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

/// Four lanes of one channel for a chunk.
type Chunk = [[f32; LANES]; CHUNK];

/// Two-pole filters of four lanes: coefficients and both channels' state.
struct Filters {
    g: [f64; LANES],
    b1: [f64; LANES],
    b2: [f64; LANES],
    h: [f64; LANES],
    c1: [f64; LANES],
    c2: [f64; LANES],
    y1: [[f64; LANES]; 2],
    y2: [[f64; LANES]; 2],
}

impl Filters {
    /// Gathers the lanes' filters (`pick` chooses which of a voice's); a lane without
    /// one passes its input unchanged.
    fn gather(lanes: &[LaneVoice], pick: impl Fn(&LaneFx) -> Option<&TwoPole>) -> Filters {
        let mut f = Filters {
            g: [1.0; LANES],
            b1: [0.0; LANES],
            b2: [0.0; LANES],
            h: [1.0; LANES],
            c1: [0.0; LANES],
            c2: [0.0; LANES],
            y1: [[0.0; LANES]; 2],
            y2: [[0.0; LANES]; 2],
        };
        for (l, v) in lanes.iter().enumerate() {
            if let Some(p) = pick(&v.fx) {
                (f.g[l], f.b1[l], f.b2[l], f.h[l], f.c1[l], f.c2[l]) =
                    (p.g, p.b1, p.b2, p.h, p.c1, p.c2);
                for ch in 0..2 {
                    [f.y1[ch][l], f.y2[ch][l]] = p.y[ch];
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
                    p.y[ch] = [self.y1[ch][l], self.y2[ch][l]];
                }
            }
        }
    }

    #[inline(always)]
    fn run(&mut self, ch: usize, x: &mut Chunk, n: usize) {
        let (mut y1, mut y2) = (self.y1[ch], self.y2[ch]);
        for frame in &mut x[..n] {
            for l in 0..LANES {
                let y0 = self.g[l] * frame[l] as f64 + self.b1[l] * y1[l] + self.b2[l] * y2[l];
                frame[l] = (self.h[l] * (y0 + self.c1[l] * y1[l] + self.c2[l] * y2[l])) as f32;
                y2[l] = y1[l];
                y1[l] = y0;
            }
        }
        (self.y1[ch], self.y2[ch]) = (y1, y2);
    }
}

/// The sum of the lanes, as a tree (halves added to halves: vector adds, where a running
/// sum would be a chain of scalar ones).
#[inline(always)]
fn sum_lanes(x: &[f32; LANES]) -> f32 {
    let mut half = [0.0f32; LANES / 2];
    for j in 0..LANES / 2 {
        half[j] = x[j] + x[j + LANES / 2];
    }
    let mut quarter = [0.0f32; LANES / 4];
    for j in 0..LANES / 4 {
        quarter[j] = half[j] + half[j + LANES / 4];
    }
    quarter.iter().sum()
}

/// Lane `l` of channel `ch` for the chunk of `n` frames from block frame `start`, read from
/// voice `v`'s sample: the pitched voice kernel's read (`base + floor(frac + rate·t)`,
/// linear interpolation), silence outside the voice's frames (so its filters start and stop
/// where the voice does). A rate-1 lane inside its frames and its sample reads a run of
/// consecutive frames.
#[inline(always)]
fn read_lane(xs: &mut Chunk, l: usize, ch: usize, start: usize, n: usize, v: &LaneVoice) {
    let data = v.data[ch];
    let first = v.base as i64 + start as i64;
    let inside = start >= v.from && start + n <= v.to;
    if v.rate == 1.0 && inside && first >= -2 && first + n as i64 <= v.len as i64 + 1 {
        // SAFETY: frames first..=first + n lie in [-2, len + 2], inside the padding.
        let run = unsafe { std::slice::from_raw_parts(data.offset(first as isize), n + 1) };
        for (frame, ab) in xs[..n].iter_mut().zip(run.windows(2)) {
            frame[l] = (ab[1] - ab[0]).mul_add(v.frac, ab[0]);
        }
        return;
    }
    for (i, frame) in xs[..n].iter_mut().enumerate() {
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
        frame[l] = if inside { (b - a).mul_add(w, a) } else { 0.0 };
    }
}

/// Mixes up to [`LANES`] voices with effects into `out` (`frames + 4` floats per side) and
/// their sends, over the block's `frames` frames. `stereo`: any voice has two channels.
pub fn mix(
    lanes: &mut [LaneVoice],
    stereo: bool,
    frames: usize,
    out: [&mut [f32]; 2],
    sends: &mut [OrbitSends],
) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma") {
        // SAFETY: the CPU has the features the copy is compiled for.
        return unsafe { mix_avx2(lanes, stereo, frames, out, sends) };
    }
    mix_body(lanes, stereo, frames, out, sends)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn mix_avx2(
    lanes: &mut [LaneVoice],
    stereo: bool,
    frames: usize,
    out: [&mut [f32]; 2],
    sends: &mut [OrbitSends],
) {
    mix_body(lanes, stereo, frames, out, sends)
}

#[inline(always)]
fn mix_body(
    lanes: &mut [LaneVoice],
    stereo: bool,
    frames: usize,
    out: [&mut [f32]; 2],
    sends: &mut [OrbitSends],
) {
    assert!(lanes.len() <= LANES);
    let channels = if stereo { 2 } else { 1 };
    let (from, to) = lanes
        .iter()
        .fold((frames, 0), |(a, b), v| (a.min(v.from), b.max(v.to)));
    if to <= from {
        return;
    }
    let any = |f: fn(&LaneFx) -> bool| lanes.iter().any(|v| f(&v.fx));
    let (has_shape, has_crush) = (any(|f| f.shape.is_some()), any(|f| f.crush.is_some()));
    let (has_hpf, has_bpf, has_lpf) = (
        any(|f| f.hpf.is_some()),
        any(|f| f.bpf.is_some()),
        any(|f| f.lpf.is_some()),
    );
    let mut k = [0.0f32; LANES];
    let mut step = [0.0f32; LANES];
    let mut gain = [[0.0f32; LANES]; 2];
    // Block frames each lane sounds in (none for a lane without a voice, which reads
    // nothing and weighs nothing).
    let (mut from_f, mut to_f) = ([0.0f32; LANES], [0.0f32; LANES]);
    // The voice kernels' envelope; a lane without one gets a level far above 1 (clamped).
    let [mut attack_from, mut attack_inv] = [[-1.0e30f32; LANES], [1.0; LANES]];
    let [mut release_to, mut release_inv] = [[1.0e30f32; LANES], [1.0; LANES]];
    for (l, v) in lanes.iter().enumerate() {
        k[l] = v.fx.shape.unwrap_or(0.0);
        step[l] = v.fx.crush.unwrap_or(0.0);
        gain[0][l] = v.gain[0];
        gain[1][l] = v.gain[1];
        (from_f[l], to_f[l]) = (v.from as f32, v.to as f32);
        if let Some([af, ai, rt, ri]) = v.env {
            (attack_from[l], attack_inv[l], release_to[l], release_inv[l]) = (af, ai, rt, ri);
        }
    }
    let mut hpf = Filters::gather(lanes, |f| f.hpf.as_ref());
    let mut bpf = Filters::gather(lanes, |f| f.bpf.as_ref());
    let mut lpf = Filters::gather(lanes, |f| f.lpf.as_ref());
    let mut x: [Chunk; 2] = [[[0.0; LANES]; CHUNK]; 2];
    let [out_l, out_r] = out;
    let mut start = from;
    while start < to {
        let n = CHUNK.min(to - start);
        for (ch, xs) in x.iter_mut().enumerate().take(channels) {
            for (l, v) in lanes.iter().enumerate() {
                read_lane(xs, l, ch, start, n, v);
            }
        }
        for (ch, xs) in x.iter_mut().enumerate().take(channels) {
            if has_shape {
                for frame in &mut xs[..n] {
                    for l in 0..LANES {
                        // dirt_shape: (1 + k)·x / (1 + k·|x|).
                        frame[l] = (1.0 + k[l]) * frame[l] / (1.0 + k[l] * frame[l].abs());
                    }
                }
            }
            if has_hpf {
                hpf.run(ch, xs, n);
            }
            if has_bpf {
                bpf.run(ch, xs, n);
            }
            if has_crush {
                for frame in &mut xs[..n] {
                    for l in 0..LANES {
                        let s = step[l];
                        if s > 0.0 {
                            frame[l] = (frame[l] / s + 0.5).floor() * s;
                        }
                    }
                }
            }
            if has_lpf {
                lpf.run(ch, xs, n);
            }
        }
        // Envelope, gain and pan; outside its frames a lane weighs nothing.
        let [xl, xr] = &mut x;
        let outs = out_l[start..start + n]
            .iter_mut()
            .zip(&mut out_r[start..start + n]);
        for (i, ((fl, fr), (ol, or))) in xl[..n].iter_mut().zip(&mut xr[..n]).zip(outs).enumerate()
        {
            let t = start + i;
            let tf = t as f32;
            for l in 0..LANES {
                let a = (tf - attack_from[l]) * attack_inv[l];
                let r = (release_to[l] - tf) * release_inv[l];
                let e = if a < r { a } else { r };
                let e = if e < 1.0 { e } else { 1.0 };
                let e = if 0.0 < e { e } else { 0.0 };
                let level = if tf >= from_f[l] && tf < to_f[l] {
                    e
                } else {
                    0.0
                };
                let a = fl[l] * level;
                let b = if stereo { fr[l] * level } else { a };
                // From here on `x` holds the lanes as mixed (a mono voice's right side too).
                fl[l] = a * gain[0][l];
                fr[l] = b * gain[1][l];
            }
            let (sl, sr) = (sum_lanes(fl), sum_lanes(fr));
            *ol += sl;
            *or += sr;
        }
        for (l, v) in lanes.iter().enumerate() {
            let Some((orbit, room, delay)) = v.send else {
                continue;
            };
            let Some(s) = sends.get_mut(orbit) else {
                continue;
            };
            s.heard = true;
            let [d0, d1] = &mut s.delay;
            let to_sends = (s.room[start..start + n].iter_mut())
                .zip(&mut d0[start..start + n])
                .zip(&mut d1[start..start + n]);
            for ((fl, fr), ((r, d0), d1)) in xl[..n].iter().zip(&xr[..n]).zip(to_sends) {
                // `dirt_reverb` hears the mono sum; `dirt_delay` each side.
                *r += (fl[l] + fr[l]) * room;
                *d0 += fl[l] * delay;
                *d1 += fr[l] * delay;
            }
        }
        start += n;
    }
    hpf.scatter(lanes, |f| f.hpf.as_mut());
    bpf.scatter(lanes, |f| f.bpf.as_mut());
    lpf.scatter(lanes, |f| f.lpf.as_mut());
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
        mix(&mut lanes, true, frames, [&mut l, &mut r], &mut []);
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
}
