//! Live playback: the program playing now, and the swap to a newly compiled one at a block
//! boundary. The new program adopts the old one's clock, node states and sounding voices
//! ([`Engine::adopt`]); outputs whose code changed crossfade from the old program to the new
//! over [`CROSSFADE_SECONDS`], both running meanwhile, and unchanged outputs switch at once
//! (their state carried over, they continue sample for sample). Retired programs are handed
//! to another thread to be dropped, so their JIT code is freed off the thread that renders.
//!
//! The player runs on the render thread, which keeps a ring buffer of rendered frames ahead
//! of the audio callback; the callback itself only copies frames out of that ring.

use crate::engine::{Adopted, Engine};
use std::sync::mpsc::{Receiver, Sender};
use std::time::Instant;

/// How long an output whose code changed takes to cross over to the new program.
pub const CROSSFADE_SECONDS: f64 = 0.02;

/// A program ready to be swapped in.
pub struct Incoming {
    pub engine: Box<Engine>,
    /// When the edit that produced it was noticed (for save-to-sound latency).
    pub noticed: Instant,
    pub compile_ms: f64,
    /// How many of the program's frames the sink had taken when this one was ready: the
    /// swap's frame minus this is how long the new program waited to be heard.
    pub played_when_ready: i64,
}

/// What happened at a swap.
#[derive(Clone, Copy, Debug)]
pub struct Swapped {
    /// The first frame the new program plays.
    pub frame: i64,
    pub noticed: Instant,
    pub compile_ms: f64,
    pub played_when_ready: i64,
    pub adopted: Adopted,
    /// Outputs that crossfade (their code changed, or they are new or gone).
    pub crossfading: usize,
}

struct Fade {
    old: Box<Engine>,
    /// Per output of the new program: the old program's output of the same name, and
    /// whether the output's code changed.
    matches: Vec<(Option<usize>, bool)>,
    /// Outputs of the old program that the new one does not have: they fade out.
    gone: Vec<usize>,
    done: usize,
    total: usize,
}

pub struct Player {
    engine: Box<Engine>,
    fade: Option<Fade>,
    incoming: Receiver<Incoming>,
    retired: Sender<Box<Engine>>,
    swaps: Sender<Swapped>,
}

impl Player {
    pub fn new(
        engine: Box<Engine>,
        incoming: Receiver<Incoming>,
        retired: Sender<Box<Engine>>,
        swaps: Sender<Swapped>,
    ) -> Player {
        Player {
            engine,
            fade: None,
            incoming,
            retired,
            swaps,
        }
    }

    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// The next block, interleaved stereo, into `out` (`2 * frames` floats). Swaps in a new
    /// program first if one has arrived.
    pub fn next_block(&mut self, frames: usize, out: &mut [f32]) {
        if let Ok(next) = self.incoming.try_recv() {
            self.swap(next);
        }
        self.engine.process(frames);
        out[..2 * frames].fill(0.0);
        let Some(fade) = &mut self.fade else {
            self.engine.mix_master(frames, out);
            return;
        };
        fade.old.process(frames);
        let total = fade.total as f32;
        let ramp = |f: usize| ((fade.done + f) as f32 / total).min(1.0);
        for (i, &(old_index, changed)) in fade.matches.iter().enumerate() {
            let (l, r) = self.engine.output(i, frames);
            if !changed {
                for f in 0..frames {
                    out[2 * f] += l[f];
                    out[2 * f + 1] += r[f];
                }
                continue;
            }
            for f in 0..frames {
                let g = ramp(f);
                out[2 * f] += l[f] * g;
                out[2 * f + 1] += r[f] * g;
            }
            if let Some(o) = old_index {
                let (l, r) = fade.old.output(o, frames);
                for f in 0..frames {
                    let g = 1.0 - ramp(f);
                    out[2 * f] += l[f] * g;
                    out[2 * f + 1] += r[f] * g;
                }
            }
        }
        for &o in &fade.gone {
            let (l, r) = fade.old.output(o, frames);
            for f in 0..frames {
                let g = 1.0 - ramp(f);
                out[2 * f] += l[f] * g;
                out[2 * f + 1] += r[f] * g;
            }
        }
        fade.done += frames;
        if fade.done >= fade.total
            && let Some(done) = self.fade.take()
        {
            let _ = self.retired.send(done.old);
        }
    }

    fn swap(&mut self, next: Incoming) {
        // A fade still running ends now: its old program is two edits old.
        if let Some(f) = self.fade.take() {
            let _ = self.retired.send(f.old);
        }
        let mut new = next.engine;
        let adopted = new.adopt(&mut self.engine);
        let old = std::mem::replace(&mut self.engine, new);
        let olds = old.outputs();
        // `hush` added or taken away changes every output: they fade out (or in) too.
        let hush_changed = old.hushed() != self.engine.hushed();
        let matches: Vec<(Option<usize>, bool)> = self
            .engine
            .outputs()
            .iter()
            .map(|o| {
                let same = olds.iter().position(|p| p.name == o.name);
                // An orbit's output carries its tails on: it never fades.
                let changed = hush_changed || same.is_none_or(|p| olds[p].code != o.code);
                (same, changed && o.orbit.is_none())
            })
            .collect();
        let gone: Vec<usize> = (0..olds.len())
            .filter(|&p| !self.engine.outputs().iter().any(|o| o.name == olds[p].name))
            .collect();
        let crossfading = matches.iter().filter(|m| m.1).count() + gone.len();
        let total = (CROSSFADE_SECONDS * self.engine.clock().sample_rate as f64).round() as usize;
        let _ = self.swaps.send(Swapped {
            frame: self.engine.frame(),
            noticed: next.noticed,
            compile_ms: next.compile_ms,
            played_when_ready: next.played_when_ready,
            adopted,
            crossfading,
        });
        if crossfading == 0 {
            let _ = self.retired.send(old);
            return;
        }
        self.fade = Some(Fade {
            old,
            matches,
            gone,
            done: 0,
            total: total.max(1),
        });
    }
}
