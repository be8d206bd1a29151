//! The tree of one mini-notation string. It mirrors Strudel's krill grammar, so that the
//! pattern semantics (issue: pattern engine) can follow Strudel step by step.
//! Spans are byte offsets into the `.ph` file, not into the string.

use crate::diagnostic::Span;

#[derive(Debug, Clone, PartialEq)]
pub struct MiniPattern {
    pub root: Group,
    pub span: Span,
}

/// The contents of a string or of `[...]`: one sequence, or several joined by `,` (stack),
/// `|` (random choice) or `.` (feet).
#[derive(Debug, Clone, PartialEq)]
pub enum Group {
    Seq(Sequence),
    Stack(Vec<Sequence>),
    /// `a | b | c`: one alternative per cycle, chosen by the seeded random stream.
    Choose {
        alternatives: Vec<Sequence>,
        seed: u32,
    },
    /// `a b . c d`: each foot takes one step.
    Feet {
        feet: Vec<Sequence>,
        seed: u32,
    },
}

/// Steps played one after another in one cycle, each taking time in proportion to its weight.
#[derive(Debug, Clone, PartialEq)]
pub struct Sequence {
    pub steps: Vec<Step>,
    pub span: Span,
}

/// One element with its modifiers: `bd*2`, `[a b]!3`, `<a b>@2`, `c(3,8)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub elem: Elem,
    /// In the order krill applies them (a replicate moves to the end when it is extended).
    pub ops: Vec<Op>,
    /// Relative duration in its sequence (`@`, `_`, and `!` which also sets it).
    pub weight: f64,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Elem {
    /// A word, number, note name, `~`/`-` rest: kept as written; values are decided later.
    Atom(String),
    /// `[...]`
    Sub(Box<Group>),
    /// `<a b, c d>`: one step per cycle (several sequences alternate in parallel).
    Alt(Vec<Sequence>),
    /// `{a b c, d e}` or `{a b c}%4`.
    Poly {
        sequences: Vec<Sequence>,
        steps_per_cycle: Option<Box<Step>>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    Fast(Step),
    Slow(Step),
    /// Total repetitions, `a!3` = 3.
    Replicate(u32),
    /// `?` or `?0.3`; `seed` counts `?`, `|` and `.` in krill's order.
    Degrade {
        amount: Option<f64>,
        seed: u32,
    },
    Euclid {
        pulses: Step,
        steps: Step,
        rotation: Option<Step>,
    },
    /// `bd:3`
    Tail(Step),
    /// `0 .. 3`
    Range(Step),
}

impl Elem {
    pub fn is_rest(&self) -> bool {
        matches!(self, Elem::Atom(a) if a == "~" || a == "-")
    }
}

impl MiniPattern {
    /// Every word with the span of its step, in the order written.
    pub fn atoms(&self) -> Vec<(&str, &Span)> {
        let mut steps = Vec::new();
        collect_steps_group(&self.root, &mut steps);
        words(&steps)
    }

    /// [`atoms`](Self::atoms) without the rests (`~`, `-`): the words a name check reads.
    pub fn words(&self) -> Vec<(&str, &Span)> {
        let mut atoms = self.atoms();
        atoms.retain(|(w, _)| *w != "~" && *w != "-");
        atoms
    }

    /// The words that stand where a number must (the operands of `*`, `/`, `(k,n,r)` and a
    /// polymeter's `%`), with the span of their step.
    pub fn number_words(&self) -> Vec<(&str, &Span)> {
        let mut out = Vec::new();
        let mut steps = Vec::new();
        collect_steps_group(&self.root, &mut steps);
        for step in steps {
            for op in &step.ops {
                match op {
                    Op::Fast(s) | Op::Slow(s) => out.extend(atoms_of(s)),
                    Op::Euclid {
                        pulses,
                        steps,
                        rotation,
                    } => {
                        out.extend(atoms_of(pulses));
                        out.extend(atoms_of(steps));
                        if let Some(r) = rotation {
                            out.extend(atoms_of(r));
                        }
                    }
                    _ => {}
                }
            }
            if let Elem::Poly {
                steps_per_cycle: Some(s),
                ..
            } = &step.elem
            {
                out.extend(atoms_of(s));
            }
        }
        out
    }

    /// Numbers every `?`, `|` group and `.` group in the order krill completes them: a step's
    /// element first, then its operators' arguments, then its own `?`s; a group's sequences
    /// before the group.
    pub fn assign_seeds(&mut self) {
        let mut next = 0;
        seed_group(&mut self.root, &mut next);
    }
}

fn seed_group(group: &mut Group, next: &mut u32) {
    match group {
        Group::Seq(seq) => seed_seq(seq, next),
        Group::Stack(seqs) => seqs.iter_mut().for_each(|s| seed_seq(s, next)),
        Group::Choose { alternatives, seed } => {
            alternatives.iter_mut().for_each(|s| seed_seq(s, next));
            *seed = take(next);
        }
        Group::Feet { feet, seed } => {
            feet.iter_mut().for_each(|s| seed_seq(s, next));
            *seed = take(next);
        }
    }
}

fn seed_seq(seq: &mut Sequence, next: &mut u32) {
    seq.steps.iter_mut().for_each(|s| seed_step(s, next));
}

fn seed_step(step: &mut Step, next: &mut u32) {
    match &mut step.elem {
        Elem::Atom(_) => {}
        Elem::Sub(group) => seed_group(group, next),
        Elem::Alt(seqs) => seqs.iter_mut().for_each(|s| seed_seq(s, next)),
        Elem::Poly {
            sequences,
            steps_per_cycle,
        } => {
            sequences.iter_mut().for_each(|s| seed_seq(s, next));
            if let Some(s) = steps_per_cycle {
                seed_step(s, next);
            }
        }
    }
    for op in &mut step.ops {
        match op {
            Op::Fast(s) | Op::Slow(s) | Op::Tail(s) | Op::Range(s) => seed_step(s, next),
            Op::Euclid {
                pulses,
                steps,
                rotation,
            } => {
                seed_step(pulses, next);
                seed_step(steps, next);
                if let Some(r) = rotation {
                    seed_step(r, next);
                }
            }
            Op::Replicate(_) | Op::Degrade { .. } => {}
        }
    }
    for op in &mut step.ops {
        if let Op::Degrade { seed, .. } = op {
            *seed = take(next);
        }
    }
}

fn take(next: &mut u32) -> u32 {
    let s = *next;
    *next += 1;
    s
}

/// Every step of a group, operands of operators included, outer steps first.
fn collect_steps_group<'a>(group: &'a Group, out: &mut Vec<&'a Step>) {
    match group {
        Group::Seq(seq) => seq.steps.iter().for_each(|s| collect_steps(s, out)),
        Group::Stack(seqs)
        | Group::Choose {
            alternatives: seqs, ..
        }
        | Group::Feet { feet: seqs, .. } => seqs
            .iter()
            .for_each(|q| q.steps.iter().for_each(|s| collect_steps(s, out))),
    }
}

fn collect_steps<'a>(step: &'a Step, out: &mut Vec<&'a Step>) {
    out.push(step);
    match &step.elem {
        Elem::Atom(_) => {}
        Elem::Sub(group) => collect_steps_group(group, out),
        Elem::Alt(seqs) => seqs
            .iter()
            .for_each(|q| q.steps.iter().for_each(|s| collect_steps(s, out))),
        Elem::Poly {
            sequences,
            steps_per_cycle,
        } => {
            sequences
                .iter()
                .for_each(|q| q.steps.iter().for_each(|s| collect_steps(s, out)));
            if let Some(s) = steps_per_cycle {
                collect_steps(s, out);
            }
        }
    }
    for op in &step.ops {
        match op {
            Op::Fast(s) | Op::Slow(s) | Op::Tail(s) | Op::Range(s) => collect_steps(s, out),
            Op::Euclid {
                pulses,
                steps,
                rotation,
            } => {
                collect_steps(pulses, out);
                collect_steps(steps, out);
                if let Some(r) = rotation {
                    collect_steps(r, out);
                }
            }
            Op::Replicate(_) | Op::Degrade { .. } => {}
        }
    }
}

/// The words among `steps`, with the span of their step.
fn words<'a>(steps: &[&'a Step]) -> Vec<(&'a str, &'a Span)> {
    steps
        .iter()
        .filter_map(|s| match &s.elem {
            Elem::Atom(word) => Some((word.as_str(), &s.span)),
            _ => None,
        })
        .collect()
}

/// The words of a step and everything inside it.
fn atoms_of(step: &Step) -> Vec<(&str, &Span)> {
    let mut steps = Vec::new();
    collect_steps(step, &mut steps);
    words(&steps)
}
