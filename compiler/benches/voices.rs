//! Speed of the JIT voice kernels: nanoseconds per voice-sample for the rate-1 fast path and
//! the pitched path, mono and stereo, with and without the envelope. Four voices of a
//! one-second sample mixed over 512-frame blocks, as the sample player calls them.
//! Run with `cargo bench -p phonon-compiler --bench voices`.

use phonon_runtime::engine::voice_kernel::{VoiceKind, VoiceQuad};
use phonon_runtime::samples::Sample;
use std::time::Instant;

const BLOCK: usize = 512;
const LEN: usize = 44_100;

fn sample(stereo: bool) -> Sample {
    let channels = if stereo { 2 } else { 1 };
    Sample::new(
        (0..channels)
            .map(|c| {
                (0..LEN)
                    .map(|i| ((i * (c + 3)) as f32 * 0.001).sin())
                    .collect()
            })
            .collect(),
        "bench",
    )
}

fn main() {
    let kernels = phonon_compiler::program::jit_voice_kernels().expect("voice kernels compile");
    let mono = sample(false);
    let stereo = sample(true);
    let mut out_l = vec![0.0f32; BLOCK + 4];
    let mut out_r = vec![0.0f32; BLOCK + 4];
    println!(
        "voice kernels, 4 voices per call, {BLOCK}-frame blocks (ns per voice-sample, median of 9 runs):"
    );
    for kind in VoiceKind::all() {
        let s = if kind.stereo { &stereo } else { &mono };
        let rate = if kind.pitched { 1.37 } else { 1.0 };
        let mut quad = VoiceQuad {
            left: [s.data(0); 4],
            right: [s.data(1); 4],
            base: [0, 1000, 2000, 3000],
            len: [LEN as i32; 4],
            frac: [0.0, 0.25, 0.5, 0.75],
            rate: [rate; 4],
            gain_l: [0.5; 4],
            gain_r: [0.4; 4],
            attack_from: [-1e9; 4],
            attack_inv: [1.0; 4],
            release_to: [1e9; 4],
            release_inv: [1.0; 4],
        };
        // Blocks walk through the first 40000 frames of the sample, then start again.
        let blocks = 20_000;
        let mut runs = Vec::new();
        for _ in 0..9 {
            let start = Instant::now();
            for b in 0..blocks {
                let at = ((b * BLOCK) % 40_000) as i32;
                quad.base = [at, at + 100, at + 200, at + 300];
                // SAFETY: the quad addresses live samples (reads are clamped to their
                // padding) and the buses hold BLOCK + 4 frames.
                unsafe {
                    kernels.get(kind)(
                        &quad,
                        0,
                        BLOCK as u64,
                        out_l.as_mut_ptr(),
                        out_r.as_mut_ptr(),
                    )
                };
            }
            let voice_samples = (blocks * BLOCK * 4) as f64;
            runs.push(start.elapsed().as_secs_f64() * 1e9 / voice_samples);
        }
        runs.sort_by(|a, b| a.partial_cmp(b).unwrap());
        println!(
            "  {:<8} {:<6} {:<11} {:.3} ns",
            if kind.pitched { "pitched" } else { "rate-1" },
            if kind.stereo { "stereo" } else { "mono" },
            if kind.env { "envelope" } else { "no envelope" },
            runs[4]
        );
    }
    std::hint::black_box((out_l, out_r));
}
