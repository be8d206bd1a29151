//! SuperDirt's `comb` (`spectral-comb`): the sound through SuperCollider's FFT chain (2048
//! frames, half-overlapping sine windows, `FFT` then `IFFT`), with `PV_RectComb` between:
//! a comb of `256·comb` teeth across the spectrum, each tooth's bins silenced past a width
//! of `1 - comb` of it. The frames a voice keeps (its input and the overlap-add of its
//! output, per channel) are a slot of the bank's line pool; the transforms and their
//! scratch are the bank's, planned when it is built.

use realfft::num_complex::Complex;
use realfft::{ComplexToReal, RealFftPlanner, RealToComplex};
use std::sync::Arc;

/// SuperDirt's FFT size.
pub const FFT_SIZE: usize = 2048;

/// Frames between transforms (SuperCollider's default hop, half the size).
const HOP: usize = FFT_SIZE / 2;

/// Floats of one channel's memory: the input's last frames and the output's overlap-add.
pub const COMB_FLOATS: usize = 2 * FFT_SIZE;

/// A bank's transforms and their scratch.
pub struct Spectral {
    forward: Arc<dyn RealToComplex<f32>>,
    inverse: Arc<dyn ComplexToReal<f32>>,
    window: Vec<f32>,
    frame: Vec<f32>,
    spectrum: Vec<Complex<f32>>,
    scratch: Vec<Complex<f32>>,
}

impl Spectral {
    pub fn new() -> Spectral {
        let mut planner = RealFftPlanner::<f32>::new();
        let forward = planner.plan_fft_forward(FFT_SIZE);
        let inverse = planner.plan_fft_inverse(FFT_SIZE);
        let scratch_len = forward.get_scratch_len().max(inverse.get_scratch_len());
        Spectral {
            window: (0..FFT_SIZE)
                .map(|i| (std::f64::consts::PI * (i as f64 + 0.5) / FFT_SIZE as f64).sin() as f32)
                .collect(),
            frame: vec![0.0; FFT_SIZE],
            spectrum: forward.make_output_vec(),
            scratch: vec![Complex::default(); scratch_len],
            forward,
            inverse,
        }
    }
}

impl Default for Spectral {
    fn default() -> Self {
        Spectral::new()
    }
}

/// One voice's comb: its parameters and, per channel, where it is in its frames.
#[derive(Clone, Copy, Debug)]
pub struct Comb {
    teeth: f32,
    width: f32,
    /// Per channel: the input's write position (also the output's read position), and
    /// frames since the last transform.
    pos: [usize; 2],
    since: [usize; 2],
}

impl Comb {
    pub fn new(comb: f64) -> Comb {
        let comb = comb as f32;
        Comb {
            teeth: 256.0 * comb,
            width: 1.0 - comb,
            pos: [0; 2],
            since: [0; 2],
        }
    }

    /// Channel `ch` of the voice's frames through the chain; `memory` is that channel's
    /// [`COMB_FLOATS`].
    pub fn process(&mut self, ch: usize, buf: &mut [f32], memory: &mut [f32], s: &mut Spectral) {
        let (input, output) = memory.split_at_mut(FFT_SIZE);
        let (mut pos, mut since) = (self.pos[ch], self.since[ch]);
        for x in buf.iter_mut() {
            input[pos] = *x;
            *x = output[pos];
            output[pos] = 0.0;
            pos = (pos + 1) % FFT_SIZE;
            since += 1;
            if since == HOP {
                since = 0;
                self.transform(input, output, pos, s);
            }
        }
        (self.pos[ch], self.since[ch]) = (pos, since);
    }

    /// One frame: the last [`FFT_SIZE`] inputs (oldest at `pos`) windowed, combed and
    /// added back windowed into the output from `pos` on.
    fn transform(&self, input: &[f32], output: &mut [f32], pos: usize, s: &mut Spectral) {
        for i in 0..FFT_SIZE {
            s.frame[i] = input[(pos + i) % FFT_SIZE] * s.window[i];
        }
        if s.forward
            .process_with_scratch(&mut s.frame, &mut s.spectrum, &mut s.scratch)
            .is_err()
        {
            return;
        }
        // PV_RectComb: dc, the bins between, then Nyquist, the comb's phase advancing by
        // teeth / (bins + 1) per bin from 0.
        let step = self.teeth / (FFT_SIZE / 2) as f32;
        let mut phase = 0.0f32;
        for bin in s.spectrum.iter_mut() {
            if phase > self.width {
                *bin = Complex::default();
            }
            phase += step;
            if phase >= 1.0 {
                phase -= 1.0;
            } else if phase < 0.0 {
                phase += 1.0;
            }
        }
        if s.inverse
            .process_with_scratch(&mut s.spectrum, &mut s.frame, &mut s.scratch)
            .is_err()
        {
            return;
        }
        let scale = 1.0 / FFT_SIZE as f32;
        for i in 0..FFT_SIZE {
            output[(pos + i) % FFT_SIZE] += s.frame[i] * s.window[i] * scale;
        }
    }
}
