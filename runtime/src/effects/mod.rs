//! Delay-line effects: `delay`, `reverb` and `chorus`. Each reads its past input at positions
//! that differ per sample and per instance (a gather, which Cranelift's f32x4 code on x86-64
//! cannot do), so these are the kernels written in Rust instead of generated: every one is a
//! [`KernelFn`] the scheduler places as a kernel of its own, with its delay lines in the
//! kernel's state block. The same functions, called one frame at a time, are the reference
//! interpreter's implementation, so JIT and interpreter agree by construction.
//!
//! Feedback paths flush values below [`FLUSH`] to zero: a decaying tail reaches exact silence
//! instead of lingering in denormal floats, which cost x86 cores up to a hundred times more.
//!
//! The calling convention is the kernels' (see [`KernelFn`]): `io` holds four pointers per
//! slot (lane 0 is the only one used here), inputs first, then the one output.

mod chorus;
mod delay;
mod reverb;

use crate::engine::KernelFn;

/// Smaller magnitudes in a feedback path become 0 (about -400 dB: inaudible, far above the
/// denormal range).
pub const FLUSH: f32 = 1.0e-20;

#[inline(always)]
fn flush(x: f32) -> f32 {
    if x.abs() < FLUSH { 0.0 } else { x }
}

/// A delay-line effect; its instances are mono (one per channel).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LineFx {
    /// Inputs: signal, time (s), feedback, mix.
    Delay,
    /// Inputs: left, right, room, damp, mix. `right`: the right channel's tunings.
    Reverb { right: bool },
    /// Inputs: signal, rate (Hz), depth (0..1), mix. `right`: the LFO a quarter turn ahead.
    Chorus { right: bool },
}

/// Longest `delay` time, seconds.
pub const MAX_DELAY_SECONDS: f32 = 4.0;

impl LineFx {
    pub fn inputs(self) -> usize {
        match self {
            LineFx::Delay | LineFx::Chorus { .. } => 4,
            LineFx::Reverb { .. } => 5,
        }
    }

    /// The initial state block (header and zeroed delay lines) at `sample_rate`.
    pub fn init_state(self, sample_rate: u32) -> Vec<f32> {
        match self {
            LineFx::Delay => delay::init(sample_rate),
            LineFx::Reverb { right } => reverb::init(sample_rate, right),
            LineFx::Chorus { right } => chorus::init(sample_rate, right),
        }
    }

    pub fn kernel(self) -> KernelFn {
        match self {
            LineFx::Delay => delay::kernel,
            LineFx::Reverb { .. } => reverb::kernel,
            LineFx::Chorus { .. } => chorus::kernel,
        }
    }

    /// Work per frame in node evaluations (the executor's parallelism threshold).
    pub fn cost(self) -> usize {
        match self {
            LineFx::Delay => 8,
            LineFx::Reverb { .. } => 48,
            LineFx::Chorus { .. } => 12,
        }
    }

    /// The function it implements (`reverb` for either side).
    pub fn effect(self) -> &'static str {
        match self {
            LineFx::Delay => "delay",
            LineFx::Reverb { .. } => "reverb",
            LineFx::Chorus { .. } => "chorus",
        }
    }

    /// The node's name in IR dumps: the effect, and its side where the sides differ.
    pub fn name(self) -> &'static str {
        match self {
            LineFx::Delay => "delay",
            LineFx::Reverb { right: false } => "reverb.l",
            LineFx::Reverb { right: true } => "reverb.r",
            LineFx::Chorus { right: false } => "chorus.l",
            LineFx::Chorus { right: true } => "chorus.r",
        }
    }
}

/// The io slots of a host kernel as slices: `N` inputs and the output, `frames` long.
///
/// # Safety
/// `io` must follow the kernel convention with `N` inputs and one output, each pointer
/// addressing at least `frames` floats, the output not aliasing an input.
unsafe fn slots<'a, const N: usize>(
    io: *const *mut f32,
    frames: usize,
) -> ([&'a [f32]; N], &'a mut [f32]) {
    // SAFETY: guaranteed by the caller.
    unsafe {
        let ins = std::array::from_fn(|i| std::slice::from_raw_parts(*io.add(4 * i), frames));
        let out = std::slice::from_raw_parts_mut(*io.add(4 * N), frames);
        (ins, out)
    }
}

/// A host kernel's state block as its header and its delay-line memory, whose length
/// `body` computes from the header (the sample rate is always its first float).
///
/// # Safety
/// `state` must be a block made by the effect's `init`, with a `header`-float header.
unsafe fn state_block<'a>(
    state: *mut f32,
    header: usize,
    body: impl FnOnce(&[f32]) -> usize,
) -> (&'a mut [f32], &'a mut [f32]) {
    // SAFETY: guaranteed by the caller: the header is there, and `init` made the block
    // `header + body` floats long.
    unsafe {
        let len = body(std::slice::from_raw_parts(state, header));
        std::slice::from_raw_parts_mut(state, header + len).split_at_mut(header)
    }
}

/// A circular delay line inside a state block: `len` floats, written at `pos`.
struct Line<'a> {
    buf: &'a mut [f32],
    pos: usize,
}

impl Line<'_> {
    /// The sample written `d` samples ago (`1 <= d < len`), linearly interpolated.
    #[inline(always)]
    fn read(&self, d: f32) -> f32 {
        let len = self.buf.len();
        let whole = d as usize;
        let frac = d - whole as f32;
        let i0 = (self.pos + len - whole) % len;
        let i1 = (i0 + len - 1) % len;
        let a = self.buf[i0];
        a + (self.buf[i1] - a) * frac
    }

    /// The sample written `d` whole samples ago.
    #[inline(always)]
    fn tap(&self, d: usize) -> f32 {
        let len = self.buf.len();
        self.buf[(self.pos + len - d) % len]
    }

    /// Writes the current sample and moves on.
    #[inline(always)]
    fn push(&mut self, x: f32) {
        self.pos += 1;
        if self.pos == self.buf.len() {
            self.pos = 0;
        }
        self.buf[self.pos] = x;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs a host kernel over `inputs` (one slice per input), `block` frames at a time.
    pub fn run(fx: LineFx, sample_rate: u32, inputs: &[Vec<f32>], block: usize) -> Vec<f32> {
        let frames = inputs[0].len();
        let mut state = fx.init_state(sample_rate);
        let mut out = vec![0.0; frames];
        let mut at = 0;
        while at < frames {
            let n = block.min(frames - at);
            let mut ins: Vec<Vec<f32>> = inputs.iter().map(|x| x[at..at + n].to_vec()).collect();
            let mut o = vec![0.0; n];
            let mut io: Vec<*mut f32> = Vec::new();
            for x in &mut ins {
                io.extend([x.as_mut_ptr(); 4]);
            }
            io.extend([o.as_mut_ptr(); 4]);
            // SAFETY: the slots follow the convention, each `n` floats.
            unsafe { fx.kernel()(io.as_ptr(), state.as_mut_ptr(), n as u64) };
            out[at..at + n].copy_from_slice(&o);
            at += n;
        }
        out
    }

    #[test]
    fn block_size_does_not_change_the_result() {
        let sr = 44_100;
        let n = 5000;
        let x: Vec<f32> = (0..n)
            .map(|i| ((i * 7919) % 113) as f32 / 56.0 - 1.0)
            .collect();
        let c = |v: f32| vec![v; n];
        for (fx, ins) in [
            (LineFx::Delay, vec![x.clone(), c(0.0123), c(0.6), c(0.5)]),
            (
                LineFx::Reverb { right: true },
                vec![x.clone(), x.clone(), c(0.8), c(0.3), c(0.4)],
            ),
            (
                LineFx::Chorus { right: false },
                vec![x.clone(), c(0.7), c(0.8), c(0.5)],
            ),
        ] {
            let whole = run(fx, sr, &ins, 512);
            let single = run(fx, sr, &ins, 1);
            let odd = run(fx, sr, &ins, 17);
            assert!(
                whole == single && whole == odd,
                "{fx:?} depends on the block size"
            );
            assert!(whole.iter().any(|&v| v != 0.0));
        }
    }
}
