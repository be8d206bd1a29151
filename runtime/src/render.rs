//! Offline rendering: run an engine for a number of frames and write 32-bit float WAV.

use crate::engine::Engine;

/// Interleaved audio: the stereo master, or one stereo pair per output (`split`).
pub struct Rendered {
    pub channels: usize,
    pub frames: usize,
    pub samples: Vec<f32>,
}

/// Renders `frames` frames in blocks of at most `block` (the engine's maximum block).
/// `progress` is called with the frames done after each block.
pub fn render(
    engine: &mut Engine,
    frames: usize,
    block: usize,
    split: bool,
    progress: &mut dyn FnMut(usize),
) -> Rendered {
    let block = block.clamp(1, engine.max_block());
    let outputs = engine.outputs().len();
    let channels = if split { 2 * outputs.max(1) } else { 2 };
    let mut samples = vec![0.0f32; frames * channels];
    let mut master = vec![0.0f32; 2 * block];
    let mut done = 0;
    while done < frames {
        let n = block.min(frames - done);
        engine.process(n);
        let dest = &mut samples[done * channels..(done + n) * channels];
        if split {
            for o in 0..outputs {
                let (l, r) = engine.output(o, n);
                for f in 0..n {
                    dest[f * channels + 2 * o] = l[f];
                    dest[f * channels + 2 * o + 1] = r[f];
                }
            }
        } else {
            engine.mix_master(n, &mut master);
            dest.copy_from_slice(&master[..2 * n]);
        }
        done += n;
        progress(done);
    }
    Rendered {
        channels,
        frames,
        samples,
    }
}

/// Writes 32-bit float WAV.
pub fn write_wav(path: &std::path::Path, sample_rate: u32, audio: &Rendered) -> Result<(), String> {
    let spec = hound::WavSpec {
        channels: audio.channels as u16,
        sample_rate,
        bits_per_sample: 32,
        sample_format: hound::SampleFormat::Float,
    };
    let fail = |e: hound::Error| format!("cannot write `{}`: {e}", path.display());
    let mut w = hound::WavWriter::create(path, spec).map_err(fail)?;
    for &s in &audio.samples {
        w.write_sample(s).map_err(fail)?;
    }
    w.finalize().map_err(fail)
}
