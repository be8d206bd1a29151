//! `reverb room damp mix`: Freeverb (Jezar's tuning), one instance per channel: eight
//! parallel low-pass-feedback combs into four series allpasses, the right channel's lines 23
//! samples longer for stereo width. Both channels hear the mono sum of the input.
//!
//! Each comb's loop gain is g = 0.7 + 0.28·room with damping 0, so the tail falls 60 dB in
//! about RT60 = 3·L / (−log10 g) seconds, L the mean comb length (31.2 ms): 2.7 s at room 0.8,
//! 0.9 s at room 0.3. Damping (0..1) filters the loops and shortens the high end first.
//! Out = (1 − mix)·x + mix·wet.

use super::{Line, flush, slots, state_block};

const COMBS: [usize; 8] = [1116, 1188, 1277, 1356, 1422, 1491, 1557, 1617];
const ALLPASSES: [usize; 4] = [556, 441, 341, 225];
const SPREAD: usize = 23;
/// Freeverb's input gain; its wet level at mix 1 is Freeverb's default wet level.
const FIXED_GAIN: f32 = 0.015;
const WET_SCALE: f32 = 1.0;

/// State: [sample rate, right?, then per comb: write position, filter memory; per allpass:
/// write position], then the comb lines and the allpass lines.
const HEADER: usize = 2 + 2 * COMBS.len() + ALLPASSES.len();

fn lengths(sample_rate: f32, right: bool) -> ([usize; 8], [usize; 4]) {
    let scale = |n: usize| {
        let n = n + if right { SPREAD } else { 0 };
        ((n as f32 * sample_rate / 44_100.0).round() as usize).max(2)
    };
    (COMBS.map(scale), ALLPASSES.map(scale))
}

/// All twelve lines together.
fn total_len(sample_rate: f32, right: bool) -> usize {
    let (c, a) = lengths(sample_rate, right);
    c.iter().sum::<usize>() + a.iter().sum::<usize>()
}

pub fn init(sample_rate: u32, right: bool) -> Vec<f32> {
    let mut s = vec![0.0; HEADER + total_len(sample_rate as f32, right)];
    s[0] = sample_rate as f32;
    s[1] = if right { 1.0 } else { 0.0 };
    s
}

/// # Safety
/// The kernel calling convention with 5 inputs; `state` from [`init`].
pub unsafe extern "C" fn kernel(io: *const *mut f32, state: *mut f32, frames: u64) {
    let frames = frames as usize;
    // SAFETY: guaranteed by the caller.
    let ([left, right, room, damp, mix], out) = unsafe { slots::<5>(io, frames) };
    // SAFETY: `state` comes from `init`.
    let (header, mut lines) =
        unsafe { state_block(state, HEADER, |h| total_len(h[0], h[1] != 0.0)) };
    let is_right = header[1] != 0.0;
    let (comb_len, all_len) = lengths(header[0], is_right);
    // Split the line memory into the twelve lines (no allocation: fixed arrays of slices).
    let mut comb_bufs: [&mut [f32]; 8] = Default::default();
    for (i, &n) in comb_len.iter().enumerate() {
        let (a, b) = std::mem::take(&mut lines).split_at_mut(n);
        comb_bufs[i] = a;
        lines = b;
    }
    let mut all_bufs: [&mut [f32]; 4] = Default::default();
    for (i, &n) in all_len.iter().enumerate() {
        let (a, b) = std::mem::take(&mut lines).split_at_mut(n);
        all_bufs[i] = a;
        lines = b;
    }
    let mut comb_lines = comb_bufs.map(|buf| Line { buf, pos: 0 });
    let mut memories = [0.0f32; 8];
    for (i, l) in comb_lines.iter_mut().enumerate() {
        l.pos = header[2 + 2 * i] as usize;
        memories[i] = header[3 + 2 * i];
    }
    let mut all_lines = all_bufs.map(|buf| Line { buf, pos: 0 });
    for (i, l) in all_lines.iter_mut().enumerate() {
        l.pos = header[2 + 2 * COMBS.len() + i] as usize;
    }
    for f in 0..frames {
        let input = (left[f] + right[f]) * FIXED_GAIN;
        let g = 0.7 + 0.28 * room[f].clamp(0.0, 1.0);
        let damp1 = 0.4 * damp[f].clamp(0.0, 1.0);
        let damp2 = 1.0 - damp1;
        let mut wet = 0.0;
        for (line, memory) in comb_lines.iter_mut().zip(&mut memories) {
            // The oldest sample of a comb of length n was written n - 1 pushes ago.
            let y = line.tap(line.buf.len() - 1);
            *memory = flush(y * damp2 + *memory * damp1);
            line.push(flush(input + *memory * g));
            wet += y;
        }
        for line in &mut all_lines {
            let delayed = line.tap(line.buf.len() - 1);
            let y = delayed - wet;
            line.push(flush(wet + delayed * 0.5));
            wet = y;
        }
        let x = if is_right { right[f] } else { left[f] };
        let m = mix[f].clamp(0.0, 1.0);
        out[f] = x + (wet * WET_SCALE - x) * m;
    }
    for (i, l) in comb_lines.iter().enumerate() {
        header[2 + 2 * i] = l.pos as f32;
        header[3 + 2 * i] = memories[i];
    }
    for (i, l) in all_lines.iter().enumerate() {
        header[2 + 2 * COMBS.len() + i] = l.pos as f32;
    }
}
