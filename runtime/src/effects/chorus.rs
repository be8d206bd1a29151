//! `chorus rate depth mix`: a delay line swept by a sine LFO: the delay moves between
//! 15 ms − 5·depth ms and 15 ms + 5·depth ms at `rate` Hz, read with linear interpolation.
//! The right channel's LFO runs a quarter turn ahead, which widens a mono source.
//! Out = (1 − mix)·x + mix·delayed.

use super::{Line, flush, slots, state_block};

const CENTRE_SECONDS: f32 = 0.015;
const SWING_SECONDS: f32 = 0.005;

/// State: [sample rate, LFO phase (turns), write position, line...].
const HEADER: usize = 3;

fn line_len(sample_rate: f32) -> usize {
    ((CENTRE_SECONDS + SWING_SECONDS) * sample_rate) as usize + 4
}

pub fn init(sample_rate: u32, right: bool) -> Vec<f32> {
    let mut s = vec![0.0; HEADER + line_len(sample_rate as f32)];
    s[0] = sample_rate as f32;
    s[1] = if right { 0.25 } else { 0.0 };
    s
}

/// # Safety
/// The kernel calling convention with 4 inputs; `state` from [`init`].
pub unsafe extern "C" fn kernel(io: *const *mut f32, state: *mut f32, frames: u64) {
    let frames = frames as usize;
    // SAFETY: guaranteed by the caller.
    let ([x, rate, depth, mix], out) = unsafe { slots::<4>(io, frames) };
    // SAFETY: `state` comes from `init`.
    let (header, buf) = unsafe { state_block(state, HEADER, |h| line_len(h[0])) };
    let sr = header[0];
    // The phase stays f32 inside the loop too, so a block boundary changes nothing.
    let mut phase = header[1];
    let mut line = Line {
        buf,
        pos: header[2] as usize,
    };
    for f in 0..frames {
        let lfo = (phase * std::f32::consts::TAU).sin();
        let d = (CENTRE_SECONDS + SWING_SECONDS * depth[f].clamp(0.0, 1.0) * lfo) * sr;
        let y = line.read((d - 1.0).max(0.0));
        line.push(flush(x[f]));
        phase += rate[f] / sr;
        phase -= phase.floor();
        let m = mix[f].clamp(0.0, 1.0);
        out[f] = x[f] + (y - x[f]) * m;
    }
    header[1] = phase;
    header[2] = line.pos as f32;
}

#[cfg(test)]
mod tests {
    use super::super::LineFx;
    use super::super::tests::run;

    #[test]
    fn the_delay_sweeps_between_its_limits() {
        // An impulse every 100 ms; the wet copy follows each one by the LFO's delay.
        let sr = 10_000;
        let n = 20_000;
        let mut x = vec![0.0; n];
        for k in 0..20 {
            x[k * 1000 + 50] = 1.0;
        }
        let c = |v: f32| vec![v; n];
        let y = run(
            LineFx::Chorus { right: false },
            sr,
            &[x, c(0.5), c(1.0), c(1.0)],
            64,
        );
        let mut lags = Vec::new();
        for k in 0..20 {
            let at = k * 1000 + 50;
            let window = &y[at..at + 400];
            let energy: f32 = window.iter().map(|v| v.abs()).sum();
            let centre: f32 = window
                .iter()
                .enumerate()
                .map(|(i, v)| i as f32 * v.abs())
                .sum::<f32>()
                / energy;
            lags.push(centre / sr as f32);
        }
        let lo = lags.iter().cloned().fold(f32::MAX, f32::min);
        let hi = lags.iter().cloned().fold(0.0, f32::max);
        assert!(lo > 0.0099 && lo < 0.0115, "{lags:?}");
        assert!(hi > 0.0185 && hi < 0.0201, "{lags:?}");
    }
}
