//! Offline rendering: run an engine for a number of frames and write 32-bit float WAV.

use crate::engine::Engine;
use crate::master::Master;

/// Interleaved audio: the stereo master, or one stereo pair per output (`split`).
pub struct Rendered {
    pub channels: usize,
    pub frames: usize,
    pub samples: Vec<f32>,
}

/// Renders `frames` frames in blocks of at most `block` (the engine's maximum block),
/// through the master limiter unless `limit` is false (one per stereo pair with `split`).
/// The limiter's look-ahead is compensated: the engine runs that many frames past the end,
/// and frame k of the result is the program's frame k. `progress` is called with the frames
/// done after each block.
pub fn render(
    engine: &mut Engine,
    frames: usize,
    block: usize,
    split: bool,
    limit: bool,
    progress: &mut dyn FnMut(usize),
) -> Rendered {
    let block = block.clamp(1, engine.max_block());
    let outputs = engine.outputs().len();
    let pairs = if split { outputs.max(1) } else { 1 };
    let channels = 2 * pairs;
    let mut master = Master::new(engine.clock().sample_rate as u32, pairs, limit);
    let total = frames + master.latency();
    let mut samples = Vec::with_capacity(frames * channels);
    let mut out = vec![0.0f32; channels * block];
    let mut done = 0;
    while done < total {
        let n = block.min(total - done);
        engine.process(n);
        let dest = &mut out[..n * channels];
        if split {
            dest.fill(0.0);
            for o in 0..outputs {
                let (l, r) = engine.output(o, n);
                for f in 0..n {
                    dest[f * channels + 2 * o] = l[f];
                    dest[f * channels + 2 * o + 1] = r[f];
                }
            }
        } else {
            engine.mix_master(n, dest);
        }
        let start = master.process(dest);
        samples.extend_from_slice(&dest[start..]);
        done += n;
        progress(done.min(frames));
    }
    samples.truncate(frames * channels);
    Rendered {
        channels,
        frames,
        samples,
    }
}

/// Writes 32-bit float WAV. The file is written beside `path` under a temporary name and
/// renamed over it only when complete, so a failed or interrupted write leaves whatever
/// `path` held before.
pub fn write_wav(path: &std::path::Path, sample_rate: u32, audio: &Rendered) -> Result<(), String> {
    let spec = hound::WavSpec {
        channels: audio.channels as u16,
        sample_rate,
        bits_per_sample: 32,
        sample_format: hound::SampleFormat::Float,
    };
    let temp = temporary_beside(path);
    let fail = |e: hound::Error| format!("cannot write `{}`: {e}", path.display());
    let written = (|| {
        let mut w = hound::WavWriter::create(&temp, spec)?;
        for &s in &audio.samples {
            w.write_sample(s)?;
        }
        w.finalize()
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_file(&temp);
        return Err(fail(e));
    }
    std::fs::rename(&temp, path).map_err(|e| {
        let _ = std::fs::remove_file(&temp);
        format!("cannot write `{}`: {e}", path.display())
    })
}

/// A name in the same folder as `path` (so a rename is atomic), hidden and unique to this
/// process: `dir/.name.PID.part`.
pub fn temporary_beside(path: &std::path::Path) -> std::path::PathBuf {
    let name = path
        .file_name()
        .map_or_else(|| "out".into(), |n| n.to_string_lossy().into_owned());
    path.with_file_name(format!(".{name}.{}.part", std::process::id()))
}
