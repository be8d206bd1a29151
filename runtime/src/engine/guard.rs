//! The blow-up guard: an output that produces a value that is not a finite number, or one so
//! loud no program means it ([`BLOWUP_LEVEL`]), is silenced until the program is replaced,
//! and everything that feeds only it (kernel lanes, sample players) is put back to its
//! initial state every block, so it can neither leak into the mix nor carry a blown state
//! into the next version of the program. Outputs that do not depend on what blew up keep
//! playing untouched.

use super::voices::BankSpec;
use super::{KernelSpec, OutputSpec, Slot};

/// An output whose samples reach this level (+60 dBFS) has blown up: a filter gone unstable,
/// a feedback path with a gain above 1, `gain 1e30`. Legitimately loud programs stay far
/// below it; the master limiter deals with anything between 1 and this.
pub const BLOWUP_LEVEL: f32 = 1000.0;

/// Why an output was silenced.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum BlowupKind {
    /// NaN or ±Inf.
    NotFinite,
    /// A finite sample at or above [`BLOWUP_LEVEL`]; the level reached.
    TooLoud(f32),
}

/// An output that blew up: where, and when.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Blowup {
    pub output: usize,
    /// The first frame of the block in which it happened.
    pub frame: i64,
    pub kind: BlowupKind,
}

impl Blowup {
    /// What happened, for a report: `line 3: output `o2` blew up at 1.25 s (...)`, with
    /// what was done and a hint.
    pub fn describe(&self, output: &OutputSpec, sample_rate: u32) -> String {
        let what = match self.kind {
            BlowupKind::NotFinite => {
                "produced a value that is not a number (NaN or infinity)".to_string()
            }
            BlowupKind::TooLoud(level) => {
                format!("reached {:+.0} dBFS", 20.0 * (level as f64).log10())
            }
        };
        format!(
            "{}: output `{}` {what} at {:.3} s: it is silent from there until the program changes, and what feeds only it was reset\n  hint: look for a filter cutoff beyond half the sample rate, a feedback gain of 1 or more, a division by zero, or a gain far above 1",
            output.line,
            output.name,
            self.frame as f64 / sample_rate as f64
        )
    }
}

/// One lane of one kernel: `(stage, kernel in the stage, lane)`.
pub type LaneRef = (usize, usize, usize);

/// What feeds one output: the kernel lanes and sample players upstream of its buffers.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Upstream {
    pub lanes: Vec<LaneRef>,
    pub banks: Vec<usize>,
}

/// Walks back from each output's buffers through the kernels (lane by lane, feedback
/// included) to find everything it depends on.
pub fn upstream(
    stages: &[Vec<KernelSpec>],
    banks: &[BankSpec],
    outputs: &[OutputSpec],
) -> Vec<Upstream> {
    // Which lane writes each buffer, and what it reads.
    let mut writer: std::collections::HashMap<usize, LaneRef> = Default::default();
    let mut reads: std::collections::HashMap<LaneRef, Vec<usize>> = Default::default();
    for (s, stage) in stages.iter().enumerate() {
        for (k, kernel) in stage.iter().enumerate() {
            let lanes = 4;
            for (i, slot) in kernel.io.iter().enumerate() {
                let lane = (s, k, i % lanes);
                let Slot::Buffer(b) = *slot else { continue };
                if i < kernel.inputs * lanes {
                    reads.entry(lane).or_default().push(b);
                } else {
                    writer.insert(b, lane);
                }
            }
        }
    }
    let bank_of: std::collections::HashMap<usize, usize> = banks
        .iter()
        .enumerate()
        .flat_map(|(i, b)| [(b.left, i), (b.right, i)])
        .collect();
    outputs
        .iter()
        .map(|o| {
            let mut up = Upstream::default();
            let mut seen = std::collections::HashSet::new();
            let mut todo = vec![o.left, o.right];
            while let Some(b) = todo.pop() {
                if !seen.insert(b) {
                    continue;
                }
                if let Some(&lane) = writer.get(&b) {
                    if !up.lanes.contains(&lane) {
                        up.lanes.push(lane);
                        todo.extend(reads.get(&lane).into_iter().flatten());
                    }
                } else if let Some(&bank) = bank_of.get(&b)
                    && !up.banks.contains(&bank)
                {
                    up.banks.push(bank);
                }
            }
            up.lanes.sort_unstable();
            up.banks.sort_unstable();
            up
        })
        .collect()
}

/// Scans one output's channels for a blow-up.
pub fn check(left: &[f32], right: &[f32]) -> Option<BlowupKind> {
    // The common case in one branch-free pass the compiler vectorises (NaN compares false).
    let fine = |x: &[f32]| x.iter().fold(true, |ok, v| ok & (v.abs() < BLOWUP_LEVEL));
    if fine(left) && fine(right) {
        return None;
    }
    let mut peak = 0.0f32;
    for &x in left.iter().chain(right) {
        if !x.is_finite() {
            return Some(BlowupKind::NotFinite);
        }
        peak = peak.max(x.abs());
    }
    (peak >= BLOWUP_LEVEL).then_some(BlowupKind::TooLoud(peak))
}

/// What to reset while some outputs are blown: what feeds a blown output and no other.
pub fn to_reset(upstream: &[Upstream], blown: &[bool]) -> Upstream {
    let mut keep = Upstream::default();
    let mut reset = Upstream::default();
    for (up, &b) in upstream.iter().zip(blown) {
        let into = if b { &mut reset } else { &mut keep };
        into.lanes.extend(&up.lanes);
        into.banks.extend(&up.banks);
    }
    reset.lanes.retain(|l| !keep.lanes.contains(l));
    reset.banks.retain(|b| !keep.banks.contains(b));
    reset.lanes.sort_unstable();
    reset.lanes.dedup();
    reset.banks.sort_unstable();
    reset.banks.dedup();
    reset
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kernel(inputs: &[usize], outputs: &[usize]) -> KernelSpec {
        unsafe extern "C" fn nothing(_: *const *mut f32, _: *mut f32, _: u64) {}
        let lane0 = |b: &usize| [Slot::Buffer(*b), Slot::Zero, Slot::Zero, Slot::Zero];
        let io = inputs.iter().chain(outputs).flat_map(lane0).collect();
        // SAFETY: the function touches nothing.
        unsafe { KernelSpec::new(nothing, inputs.len(), io, Vec::new(), 1, Vec::new()) }
    }

    fn output(left: usize, right: usize) -> OutputSpec {
        OutputSpec {
            name: format!("o{left}"),
            line: 1,
            left,
            right,
            code: 0,
            orbit: None,
            xfade_cycles: None,
        }
    }

    #[test]
    fn upstream_follows_buffers_back_through_stages_and_feedback() {
        // Stage 0: k0 writes 1 from 0; k1 writes 2 from 2 (feedback) and 0.
        // Stage 1: k0 writes 3,4 from 1 (output a); k1 writes 5,6 from 2 (output b).
        let stages = vec![
            vec![kernel(&[0], &[1]), kernel(&[2, 0], &[2])],
            vec![kernel(&[1], &[3, 4]), kernel(&[2], &[5, 6])],
        ];
        let up = upstream(&stages, &[], &[output(3, 4), output(5, 6)]);
        assert_eq!(up[0].lanes, vec![(0, 0, 0), (1, 0, 0)]);
        assert_eq!(up[1].lanes, vec![(0, 1, 0), (1, 1, 0)]);
        let reset = to_reset(&up, &[false, true]);
        assert_eq!(reset.lanes, vec![(0, 1, 0), (1, 1, 0)]);
    }

    #[test]
    fn shared_lanes_are_not_reset_while_another_output_uses_them() {
        let stages = vec![
            vec![kernel(&[0], &[1])],
            vec![kernel(&[1], &[2, 3]), kernel(&[1], &[4, 5])],
        ];
        let up = upstream(&stages, &[], &[output(2, 3), output(4, 5)]);
        assert_eq!(to_reset(&up, &[true, false]).lanes, vec![(1, 0, 0)]);
        assert_eq!(to_reset(&up, &[true, true]).lanes.len(), 3);
    }

    #[test]
    fn check_finds_non_finite_and_absurd_levels() {
        assert_eq!(check(&[0.5, -0.9], &[1.5, 0.0]), None);
        assert_eq!(check(&[0.5, f32::NAN], &[0.0]), Some(BlowupKind::NotFinite));
        assert_eq!(
            check(&[0.0], &[f32::NEG_INFINITY]),
            Some(BlowupKind::NotFinite)
        );
        assert_eq!(check(&[-2000.0], &[0.0]), Some(BlowupKind::TooLoud(2000.0)));
    }
}
