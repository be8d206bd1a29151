//! Live playback: the program playing now, and the swap to a newly compiled one at a block
//! boundary. The new program adopts the old one's clock, node states and sounding voices
//! ([`Engine::adopt`]); outputs whose code changed crossfade from the old program to the new
//! over [`CROSSFADE_SECONDS`] (or, said by `xfadeIn`, over cycles, with Tidal's curves),
//! both running meanwhile, and unchanged outputs switch at once (their state carried over,
//! they continue sample for sample). A load during a crossfade ends it: the program two
//! loads old stops there, as a Tidal transition forgets all but the last pattern. Retired programs are handed
//! to another thread to be dropped, so their JIT code is freed off the thread that renders.
//!
//! The player plays the outputs' sum as one stereo pair, or ([`Player::split`]) each output
//! on a stereo pair of its own: an output keeps its pair, found by its name, across swaps
//! for as long as the player runs, so a mixer's channel strip keeps its sound.
//!
//! The player runs on the render thread, which keeps a ring buffer of rendered frames ahead
//! of the audio callback; the callback itself only copies frames out of that ring.

use crate::engine::{Adopted, Engine, OutputSpec};
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
    /// The old program's outputs' stereo pairs.
    old_pairs: Vec<usize>,
    /// Per output of the new program: the old program's output of the same name, and how
    /// it crosses over (`None`: its code did not change, it switches at once).
    matches: Vec<(Option<usize>, Option<Ramp>)>,
    /// Outputs of the old program that the new one does not have: they fade out.
    gone: Vec<usize>,
    done: usize,
    /// The longest ramp: the old program runs until then.
    total: usize,
}

/// How an output crosses over from the old program to the new.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Ramp {
    pub frames: usize,
    /// `xfadeIn`'s curves: Tidal multiplies the new pattern's `gain` by `envEqR` and the
    /// old one's by `envEq` (√sin and √cos of a quarter turn); SuperDirt's gain is
    /// amplitude^¼, so the amplitudes are sin² and cos², which sum to 1. Otherwise linear.
    pub equal_gain: bool,
}

impl Ramp {
    /// The new and the old program's gains `at` frames into the crossover.
    pub fn gains(self, at: usize) -> (f32, f32) {
        let x = (at as f32 / self.frames.max(1) as f32).min(1.0);
        if self.equal_gain {
            let s = (x * std::f32::consts::FRAC_PI_2).sin();
            (s * s, 1.0 - s * s)
        } else {
            (x, 1.0 - x)
        }
    }
}

/// Adds an output's `l`, `r` times gain `g(frame)` into stereo pair `p` of `out`, whose
/// frames are `width` interleaved channels.
fn add_to_pair(
    out: &mut [f32],
    width: usize,
    p: usize,
    (l, r): (&[f32], &[f32]),
    g: impl Fn(usize) -> f32,
) {
    for (f, (a, b)) in l.iter().zip(r).enumerate() {
        let at = width * f + 2 * p;
        let g = g(f);
        out[at] += a * g;
        out[at + 1] += b * g;
    }
}

/// Which stereo pair each output plays on.
struct Stems {
    /// Per pair, the name of the output it was given to last (kept when the output goes,
    /// so that it gets the same pair if it comes back).
    names: Vec<Option<String>>,
    /// Per output of the playing program, its pair.
    pairs: Vec<usize>,
}

impl Stems {
    /// The pairs of `outputs` (the playing program's): an output's own pair by its name, or
    /// an unused pair, or the first pair of an output the program no longer has, or, when
    /// every pair is taken, the last pair, shared.
    fn place(&mut self, outputs: &[OutputSpec]) {
        self.pairs.clear();
        let count = self.names.len();
        for o in outputs {
            let own = self
                .names
                .iter()
                .position(|n| n.as_deref() == Some(&o.name));
            let unused = || self.names.iter().position(Option::is_none);
            let freed = || {
                self.names.iter().position(|n| {
                    n.as_ref()
                        .is_some_and(|n| !outputs.iter().any(|o| &o.name == n))
                })
            };
            let pair = own.or_else(unused).or_else(freed);
            match pair {
                Some(p) => {
                    self.names[p] = Some(o.name.clone());
                    self.pairs.push(p);
                }
                None => self.pairs.push(count - 1),
            }
        }
    }
}

pub struct Player {
    engine: Box<Engine>,
    fade: Option<Fade>,
    stems: Stems,
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
        let pairs = vec![0; engine.outputs().len()];
        Player {
            engine,
            fade: None,
            stems: Stems {
                names: vec![None],
                pairs,
            },
            incoming,
            retired,
            swaps,
        }
    }

    /// Plays each output on a stereo pair of its own, of `pairs` (at least one): blocks
    /// then hold `2 * pairs` interleaved channels. Outputs beyond the pairs share the last.
    pub fn split(mut self, pairs: usize) -> Player {
        self.stems.names = vec![None; pairs.max(1)];
        self.stems.place(self.engine.outputs());
        self
    }

    /// Interleaved channels of a block: 2, or two per pair when split.
    pub fn channels(&self) -> usize {
        2 * self.stems.names.len()
    }

    /// Per stereo pair, the outputs of the playing program on it.
    pub fn stems(&self) -> Vec<Vec<String>> {
        let mut stems = vec![Vec::new(); self.stems.names.len()];
        for (o, &p) in self.engine.outputs().iter().zip(&self.stems.pairs) {
            stems[p].push(o.name.clone());
        }
        stems
    }

    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// The next block into `out` ([`channels`](Self::channels) interleaved, so
    /// `channels() * frames` floats). Swaps in a new program first if one has arrived.
    pub fn next_block(&mut self, frames: usize, out: &mut [f32]) {
        if let Ok(next) = self.incoming.try_recv() {
            self.swap(next);
        }
        self.engine.process(frames);
        let width = self.channels();
        out[..width * frames].fill(0.0);
        let add = |out: &mut [f32], p: usize, lr: (&[f32], &[f32]), g: &dyn Fn(usize) -> f32| {
            add_to_pair(out, width, p, lr, g)
        };
        let edit = self.edit_ramp();
        let Some(fade) = &mut self.fade else {
            for (i, &p) in self.stems.pairs.iter().enumerate() {
                add_to_pair(out, width, p, self.engine.output(i, frames), |_| 1.0);
            }
            return;
        };
        fade.old.process(frames);
        let done = fade.done;
        for (i, &(old_index, ramp)) in fade.matches.iter().enumerate() {
            let p = self.stems.pairs[i];
            let Some(ramp) = ramp else {
                add(out, p, self.engine.output(i, frames), &|_| 1.0);
                continue;
            };
            add(out, p, self.engine.output(i, frames), &|f| {
                ramp.gains(done + f).0
            });
            if let Some(o) = old_index {
                add(out, fade.old_pairs[o], fade.old.output(o, frames), &|f| {
                    ramp.gains(done + f).1
                });
            }
        }
        for &o in &fade.gone {
            add(out, fade.old_pairs[o], fade.old.output(o, frames), &|f| {
                edit.gains(done + f).1
            });
        }
        fade.done += frames;
        if fade.done >= fade.total
            && let Some(done) = self.fade.take()
        {
            let _ = self.retired.send(done.old);
        }
    }

    /// The crossover of an edit: [`CROSSFADE_SECONDS`], linear.
    fn edit_ramp(&self) -> Ramp {
        let rate = self.engine.clock().sample_rate as f64;
        Ramp {
            frames: ((CROSSFADE_SECONDS * rate).round() as usize).max(1),
            equal_gain: false,
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
        let old_pairs = self.stems.pairs.clone();
        self.stems.place(self.engine.outputs());
        let olds = old.outputs();
        // `hush` added or taken away changes every output: they fade out (or in) too.
        let hush_changed = old.hushed() != self.engine.hushed();
        let edit = self.edit_ramp();
        let (clock, frame) = (self.engine.clock(), self.engine.frame());
        // Cycles from here, at the tempos the clock has for them.
        let frames_of = |cycles: f64| {
            let now = clock.cycle_at(crate::time::Rational::int(frame));
            let end = now + crate::time::Rational::from_f64(cycles);
            (clock.frame_of(end) - frame).max(1) as usize
        };
        let matches: Vec<(Option<usize>, Option<Ramp>)> = self
            .engine
            .outputs()
            .iter()
            .map(|o| {
                let same = olds.iter().position(|p| p.name == o.name);
                // An orbit's output carries its tails on: it never fades.
                let changed = hush_changed || same.is_none_or(|p| olds[p].code != o.code);
                let ramp = match o.xfade_cycles {
                    Some(cycles) => Ramp {
                        frames: frames_of(cycles),
                        equal_gain: true,
                    },
                    None => edit,
                };
                (same, (changed && o.orbit.is_none()).then_some(ramp))
            })
            .collect();
        let gone: Vec<usize> = (0..olds.len())
            .filter(|&p| !self.engine.outputs().iter().any(|o| o.name == olds[p].name))
            .collect();
        let crossfading = matches.iter().filter(|m| m.1.is_some()).count() + gone.len();
        let total = matches
            .iter()
            .filter_map(|m| m.1)
            .map(|r| r.frames)
            .chain(std::iter::once(edit.frames))
            .max()
            .unwrap_or(edit.frames);
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
            old_pairs,
            matches,
            gone,
            done: 0,
            total: total.max(1),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outputs(names: &[&str]) -> Vec<OutputSpec> {
        names
            .iter()
            .map(|n| OutputSpec {
                name: n.to_string(),
                line: 1,
                left: 0,
                right: 0,
                code: 0,
                orbit: None,
                xfade_cycles: None,
            })
            .collect()
    }

    #[test]
    fn outputs_keep_their_pairs_take_free_ones_and_share_the_last_when_none_is_left() {
        let mut stems = Stems {
            names: vec![None; 3],
            pairs: Vec::new(),
        };
        stems.place(&outputs(&["o1", "o2"]));
        assert_eq!(stems.pairs, [0, 1]);
        // Reordered, with a new one: each keeps its pair, the new one takes the unused.
        stems.place(&outputs(&["o2", "o3", "o1"]));
        assert_eq!(stems.pairs, [1, 2, 0]);
        // o2 gone: o4 takes its pair; o5 finds none and shares the last.
        stems.place(&outputs(&["o1", "o3", "o4", "o5"]));
        assert_eq!(stems.pairs, [0, 2, 1, 2]);
        // o2 back: o4 holds its pair now, so it shares the last.
        stems.place(&outputs(&["o1", "o2", "o3", "o4"]));
        assert_eq!(stems.pairs, [0, 2, 2, 1]);
    }
}
