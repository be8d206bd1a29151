//! `delay time feedback mix`: a feedback echo. The line holds up to
//! [`MAX_DELAY_SECONDS`](super::MAX_DELAY_SECONDS); the time is read at fractional positions
//! with linear interpolation, so it can be modulated smoothly.
//!
//! Out = (1 - mix)·x + mix·y, where y is the line read `time` ago and the line is written with
//! x + feedback·y: the k-th echo of an impulse arrives after k·time with level
//! mix·feedback^(k-1). Feedback is clamped to ±0.99 so the loop always decays.

use super::{Line, MAX_DELAY_SECONDS, flush, slots, state_block};

/// State: [sample rate, write position, line...].
const HEADER: usize = 2;

/// The line: the longest delay plus the two frames the interpolation reads.
fn line_len(sample_rate: f32) -> usize {
    (MAX_DELAY_SECONDS * sample_rate) as usize + 2
}

pub fn init(sample_rate: u32) -> Vec<f32> {
    let mut s = vec![0.0; HEADER + line_len(sample_rate as f32)];
    s[0] = sample_rate as f32;
    s
}

/// # Safety
/// The kernel calling convention with 4 inputs; `state` from [`init`].
pub unsafe extern "C" fn kernel(io: *const *mut f32, state: *mut f32, frames: u64) {
    let frames = frames as usize;
    // SAFETY: guaranteed by the caller.
    let ([x, time, feedback, mix], out) = unsafe { slots::<4>(io, frames) };
    // SAFETY: `state` comes from `init`.
    let (header, buf) = unsafe { state_block(state, HEADER, |h| line_len(h[0])) };
    let sr = header[0];
    let len = buf.len();
    let mut line = Line {
        buf,
        pos: header[1] as usize,
    };
    let longest = (len - 2) as f32;
    for f in 0..frames {
        let d = (time[f] * sr).clamp(1.0, longest);
        let y = line.read(d - 1.0);
        let fb = feedback[f].clamp(-0.99, 0.99);
        // The read happens before the write: `d - 1` back from the last written sample is
        // `d` back from the one being written now.
        line.push(flush(x[f] + fb * y));
        let m = mix[f].clamp(0.0, 1.0);
        out[f] = x[f] + (y - x[f]) * m;
    }
    header[1] = line.pos as f32;
}

#[cfg(test)]
mod tests {
    use super::super::LineFx;
    use super::super::tests::run;

    #[test]
    fn an_impulse_echoes_at_the_delay_time_with_the_feedback_gain() {
        let n = 4000;
        let mut x = vec![0.0; n];
        x[10] = 1.0;
        let c = |v: f32| vec![v; n];
        let y = run(LineFx::Delay, 1000, &[x, c(0.5), c(0.6), c(1.0)], 64);
        for (k, want) in [(1usize, 1.0f32), (2, 0.6), (3, 0.36)] {
            let at = 10 + 500 * k;
            assert!((y[at] - want).abs() < 1e-6, "echo {k}: {}", y[at]);
        }
        let rest: f32 = y
            .iter()
            .enumerate()
            .filter(|&(i, _)| !(i >= 10 && (i - 10) % 500 == 0))
            .map(|(_, v)| v.abs())
            .sum();
        assert!(rest < 1e-6, "{rest}");
    }

    #[test]
    fn a_fractional_time_interpolates() {
        let n = 100;
        let mut x = vec![0.0; n];
        x[0] = 1.0;
        let c = |v: f32| vec![v; n];
        // 10.25 samples at 1000 Hz: the impulse splits between frames 10 and 11.
        let y = run(LineFx::Delay, 1000, &[x, c(0.01025), c(0.0), c(1.0)], 16);
        assert!(
            (y[10] - 0.75).abs() < 1e-5 && (y[11] - 0.25).abs() < 1e-5,
            "{:?}",
            &y[9..13]
        );
    }
}
