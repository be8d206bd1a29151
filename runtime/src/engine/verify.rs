//! Checks a [`ProgramSpec`] before an engine runs it. Kernels run raw pointers over buffers
//! on several threads, so a spec that pairs a kernel with the wrong buffers would read or
//! write out of bounds, or race. Refused, with the reason, are: a buffer index out of range;
//! a pointer table that is not four slots per input and output (a kernel whose values only
//! feed outputs may write none); a buffer written by two
//! writers (kernels, pattern reads, sample players, start and constant buffers); a kernel
//! reading a buffer that no earlier stage (or pattern read, player, start or constant
//! buffer) writes. (An output may play a buffer nothing writes: it is silence.)
//!
//! What this cannot see, the size of the state block and the pointer table a kernel's
//! function was compiled for, is promised by whoever pairs them, in the `unsafe`
//! [`KernelSpec::new`].

use super::{KernelSpec, ProgramSpec, Slot};

/// Four pointer slots per input and output, one per lane.
const LANES: usize = 4;

pub fn verify(spec: &ProgramSpec) -> Result<(), String> {
    let mut v = Verifier {
        buffers: spec.buffers,
        writer: vec![None; spec.buffers],
        ready: vec![false; spec.buffers],
    };
    for (i, h) in spec.hosts.iter().enumerate() {
        for &(_, b) in &h.reads {
            v.write(b, || format!("pattern {i} ({})", h.origin))?;
        }
    }
    for (i, p) in spec.polys.iter().enumerate() {
        for &(_, _, b) in &p.reads {
            v.write(b, || format!("instrument {i} ({})", p.origin))?;
        }
    }
    for (i, b) in spec.banks.iter().enumerate() {
        v.write(b.left, || format!("sample player {i} ({})", b.origin))?;
        v.write(b.right, || format!("sample player {i} ({})", b.origin))?;
    }
    for o in spec.outputs.iter().filter(|o| o.orbit.is_some()) {
        v.write(o.left, || format!("output `{}`", o.name))?;
        v.write(o.right, || format!("output `{}`", o.name))?;
    }
    for &b in &spec.start_buffers {
        v.write(b, || "the start trigger".to_string())?;
    }
    for &(b, _) in &spec.constant_buffers {
        v.write(b, || "a constant".to_string())?;
    }
    v.settle();
    for (s, stage) in spec.stages.iter().enumerate() {
        for (k, kernel) in stage.iter().enumerate() {
            v.kernel(kernel, || format!("kernel {k} of stage {s}"))?;
        }
        // What a stage writes is ready for the stages after it, not for its own kernels,
        // which run at the same time.
        v.settle();
    }
    for o in &spec.outputs {
        for b in [o.left, o.right] {
            v.in_range(b, || format!("output `{}`", o.name))?;
        }
    }
    Ok(())
}

struct Verifier {
    buffers: usize,
    /// Who writes each buffer.
    writer: Vec<Option<String>>,
    /// Written before the stage being checked.
    ready: Vec<bool>,
}

impl Verifier {
    fn in_range(&self, b: usize, who: impl Fn() -> String) -> Result<(), String> {
        if b < self.buffers {
            Ok(())
        } else {
            Err(format!(
                "{} uses buffer {b}, but the program has {}",
                who(),
                self.buffers
            ))
        }
    }

    fn write(&mut self, b: usize, who: impl Fn() -> String) -> Result<(), String> {
        self.in_range(b, &who)?;
        if let Some(other) = &self.writer[b] {
            return Err(format!("buffer {b} is written by {other} and by {}", who()));
        }
        self.writer[b] = Some(who());
        Ok(())
    }

    /// Everything written so far is ready for what comes next.
    fn settle(&mut self) {
        for (ready, writer) in self.ready.iter_mut().zip(&self.writer) {
            *ready |= writer.is_some();
        }
    }

    fn kernel(&mut self, k: &KernelSpec, who: impl Fn() -> String) -> Result<(), String> {
        let slots = k.io.len();
        if !slots.is_multiple_of(LANES) || slots / LANES < k.inputs {
            return Err(format!(
                "{} has {slots} pointer slots for {} inputs: four per input and per output",
                who(),
                k.inputs
            ));
        }
        for (i, slot) in k.io.iter().enumerate() {
            let Slot::Buffer(b) = *slot else { continue };
            if i < k.inputs * LANES {
                self.in_range(b, &who)?;
                if !self.ready[b] {
                    return Err(format!(
                        "{} reads buffer {b}, which no earlier stage writes",
                        who()
                    ));
                }
            } else {
                self.write(b, &who)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::voice_kernel::VoiceKernels;
    use crate::engine::{OutputSpec, StateRef};
    use crate::time::Rational;
    use std::sync::Arc;

    unsafe extern "C" fn nothing(_: *const *mut f32, _: *mut f32, _: u64) {}

    /// A kernel reading `inputs` and writing `outputs` in lane 0.
    fn kernel(inputs: &[usize], outputs: &[usize]) -> KernelSpec {
        let lane0 = |b: &usize| [Slot::Buffer(*b), Slot::Zero, Slot::Zero, Slot::Zero];
        let io = inputs.iter().chain(outputs).flat_map(lane0).collect();
        // SAFETY: the function touches nothing.
        unsafe {
            KernelSpec::new(
                nothing,
                inputs.len(),
                io,
                Vec::new(),
                1,
                Vec::<StateRef>::new(),
            )
        }
    }

    fn spec(buffers: usize, constants: &[usize], stages: Vec<Vec<KernelSpec>>) -> ProgramSpec {
        ProgramSpec {
            sample_rate: 48_000,
            cps: Rational::int(1),
            tempo: None,
            buffers,
            hosts: Vec::new(),
            polys: Vec::new(),
            start_buffers: Vec::new(),
            stages,
            banks: Vec::new(),
            voice_kernels: VoiceKernels::reference(),
            voice_kernels_coming: None,
            voice_cap: 16,
            outputs: vec![OutputSpec {
                name: "out".into(),
                line: 1,
                left: buffers - 1,
                right: buffers - 1,
                code: 0,
                orbit: None,
                xfade_cycles: None,
            }],
            hush: false,
            reset_cycles: false,
            start_cycle: Default::default(),
            constant_buffers: constants.iter().map(|&b| (b, 1.0)).collect(),
            code: Arc::new(()),
        }
    }

    #[test]
    fn a_well_formed_program_passes() {
        // Constant 0 -> stage 0 writes 1 and 2 -> stage 1 reads both, writes 3.
        let s = spec(
            4,
            &[0],
            vec![
                vec![kernel(&[0], &[1]), kernel(&[0], &[2])],
                vec![kernel(&[1, 2], &[3])],
            ],
        );
        assert_eq!(verify(&s), Ok(()));
    }

    #[test]
    fn broken_programs_are_refused_with_the_reason() {
        let refused = |s: ProgramSpec, why: &str| {
            let e = verify(&s).expect_err(why);
            assert!(e.contains(why), "{e}");
        };
        // A buffer out of range.
        refused(
            spec(2, &[0], vec![vec![kernel(&[0], &[5])]]),
            "uses buffer 5, but the program has 2",
        );
        // Two writers of one buffer, in one stage or in two.
        refused(
            spec(3, &[0], vec![vec![kernel(&[0], &[1]), kernel(&[0], &[1])]]),
            "buffer 1 is written by kernel 0 of stage 0 and by kernel 1 of stage 0",
        );
        refused(
            spec(3, &[0], vec![vec![kernel(&[0], &[0])]]),
            "buffer 0 is written by a constant and by kernel 0 of stage 0",
        );
        // A read of what the same stage writes (the kernels run at the same time), and of
        // what a later stage writes.
        refused(
            spec(3, &[0], vec![vec![kernel(&[0], &[1]), kernel(&[1], &[2])]]),
            "kernel 1 of stage 0 reads buffer 1, which no earlier stage writes",
        );
        refused(
            spec(
                3,
                &[0],
                vec![vec![kernel(&[1], &[2])], vec![kernel(&[0], &[1])]],
            ),
            "kernel 0 of stage 0 reads buffer 1",
        );
        // A pointer table that is not four slots per input and output.
        let mut short = kernel(&[0], &[1]);
        short.io.pop();
        refused(
            spec(2, &[0], vec![vec![short]]),
            "has 7 pointer slots for 1 inputs",
        );
        let mut two_inputs = kernel(&[0], &[]);
        two_inputs.inputs = 2;
        refused(
            spec(2, &[0], vec![vec![two_inputs]]),
            "has 4 pointer slots for 2 inputs",
        );
        // An output playing a buffer out of range.
        let mut s = spec(2, &[0], vec![vec![kernel(&[0], &[1])]]);
        s.outputs[0].left = 7;
        refused(s, "output `out` uses buffer 7");
    }
}
