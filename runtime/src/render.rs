//! Offline rendering: run an engine for a number of frames, through the master limiter.

use crate::engine::Engine;
use crate::master::Master;
use std::sync::mpsc;

/// Interleaved audio: the stereo master, or one stereo pair per output (`split`).
pub struct Rendered {
    pub channels: usize,
    pub frames: usize,
    pub samples: Vec<f32>,
}

/// The channels a render of `engine` gives: a stereo pair, or one per output with `split`.
pub fn channels(engine: &Engine, split: bool) -> usize {
    if split {
        2 * engine.outputs().len().max(1)
    } else {
        2
    }
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
    let channels = channels(engine, split);
    let mut samples = Vec::with_capacity(frames * channels);
    render_into(engine, frames, block, split, limit, progress, &mut |s| {
        samples.extend_from_slice(s)
    });
    Rendered {
        channels,
        frames,
        samples,
    }
}

/// Blocks handed to the master's thread at a time.
const STRETCH_BLOCKS: usize = 8;

/// [`render`], handing the audio to `sink` in order, a stretch of interleaved frames at a
/// time ([`channels`] to a frame), instead of keeping it. The master limiter and `sink` run
/// on a thread of their own while the engine computes the next blocks (the blocks are the
/// same as [`render`]'s, so is the audio).
pub fn render_into(
    engine: &mut Engine,
    frames: usize,
    block: usize,
    split: bool,
    limit: bool,
    progress: &mut dyn FnMut(usize),
    sink: &mut (dyn FnMut(&[f32]) + Send),
) {
    let block = block.clamp(1, engine.max_block());
    let outputs = engine.outputs().len();
    let channels = channels(engine, split);
    let mut master = Master::new(engine.clock().sample_rate as u32, channels / 2, limit);
    let total = frames + master.latency();
    let stretch = block * STRETCH_BLOCKS;
    // Filled stretches go to the master's thread, and come back to be filled again.
    let (full, filled) = mpsc::sync_channel::<(Vec<f32>, usize)>(2);
    let (empty, emptied) = mpsc::channel::<Vec<f32>>();
    for _ in 0..3 {
        let _ = empty.send(vec![0.0f32; channels * stretch]);
    }
    std::thread::scope(|scope| {
        scope.spawn(move || {
            let mut delivered = 0;
            for (mut buffer, n) in filled {
                let audio = &mut buffer[..n * channels];
                let start = master.process(audio);
                let keep = ((audio.len() - start) / channels).min(frames - delivered);
                sink(&audio[start..start + keep * channels]);
                delivered += keep;
                let _ = empty.send(buffer);
            }
        });
        let mut done = 0;
        while done < total {
            // Gone only if the master's thread panicked: the scope reports it.
            let Ok(mut buffer) = emptied.recv() else {
                break;
            };
            let mut n_stretch = 0;
            while n_stretch < stretch && done < total {
                let n = block.min(total - done);
                engine.process(n);
                let dest = &mut buffer[n_stretch * channels..(n_stretch + n) * channels];
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
                n_stretch += n;
                done += n;
                progress(done.min(frames));
            }
            if full.send((buffer, n_stretch)).is_err() {
                break;
            }
        }
        drop(full);
    });
}
