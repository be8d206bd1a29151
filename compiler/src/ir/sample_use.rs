//! What an expression asks of the sample player, read from the syntax tree: whether it plays
//! samples at all (an `s`/`sound` call anywhere in it, following buses), the sound names its
//! `s` strings spell (each with its span, to load them before playback and to report a
//! missing one where it is written), and whether its events send to orbits (and which).

use crate::ast::{Arg, Expr, ExprKind, StatementKind};
use crate::builtins::Op;
use crate::diagnostic::Span;
use crate::mini::ast::{Elem, Group, MiniPattern, Sequence, Step};
use crate::resolve::Checked;
use std::collections::HashSet;

#[derive(Clone, Debug, PartialEq)]
pub struct SoundName {
    pub name: String,
    pub span: Span,
}

#[derive(Debug, Default)]
pub struct SampleUse {
    pub plays: bool,
    pub names: Vec<SoundName>,
    /// Words written in a `vowel` string that name no vowel.
    pub bad_vowels: Vec<(String, Span)>,
    /// Whether its events may send to orbits or set their parameters (`room`, `delay` as
    /// a send, `orbit`, `size`, ...).
    pub sends: bool,
    /// The orbit numbers its `orbit` controls can give.
    pub orbits: Vec<u32>,
    /// `orbit` arguments that are not numbers written out, and numbers out of range.
    pub bad_orbits: Vec<(String, Span)>,
    /// Which effects with lines its events may have (`phaserrate`, `squiz`, `comb`), for
    /// which the sample player keeps lines.
    pub lines: phonon_runtime::engine::lines::LineUse,
}

/// The controls that concern orbits: the sends and the orbit's parameters.
const ORBIT_CONTROLS: &[&str] = &[
    "orbit",
    "room",
    "size",
    "dry",
    "delay",
    "delaytime",
    "delayfeedback",
    "lock",
    "leslie",
    "lrate",
    "lsize",
];

pub fn sample_use(checked: &Checked, e: &Expr) -> SampleUse {
    let mut walker = Walker {
        checked,
        visiting: HashSet::new(),
        out: SampleUse::default(),
    };
    walker.expr(e, false);
    walker.out
}

struct Walker<'a> {
    checked: &'a Checked,
    visiting: HashSet<String>,
    out: SampleUse,
}

impl Walker<'_> {
    fn expr(&mut self, e: &Expr, in_s: bool) {
        crate::deep(|| self.expr_inner(e, in_s))
    }

    fn expr_inner(&mut self, e: &Expr, in_s: bool) {
        match &e.kind {
            ExprKind::Str {
                pattern: Some(p), ..
            } if in_s => self.mini(p),
            ExprKind::Str { .. } | ExprKind::Number(_) | ExprKind::Ident(_) => {
                if let ExprKind::Ident(name) = &e.kind {
                    self.call(name, e, &[], in_s);
                }
            }
            ExprKind::Bus(name) => {
                if !self.visiting.insert(name.clone()) {
                    return;
                }
                if let Some(&i) = self.checked.buses.get(name)
                    && let StatementKind::Bus { body, .. } =
                        &self.checked.program.statements[i].kind
                {
                    self.expr(body, in_s);
                }
                self.visiting.remove(name);
            }
            ExprKind::List(items) | ExprKind::Tuple(items) => {
                items.iter().for_each(|x| self.expr(x, in_s))
            }
            ExprKind::App { func, args } => match &func.kind {
                ExprKind::Ident(name) => self.call(name, e, args, in_s),
                _ => {
                    self.expr(func, in_s);
                    args.iter().for_each(|a| self.expr(a.value(), in_s));
                }
            },
            ExprKind::Binary { lhs, rhs, .. } | ExprKind::Chain { lhs, rhs } => {
                self.expr(lhs, in_s);
                self.expr(rhs, in_s);
            }
            ExprKind::Neg(x) => self.expr(x, in_s),
            ExprKind::Section { operand, .. } => self.expr(operand, in_s),
            ExprKind::Dollar { items, .. } => items.iter().for_each(|x| self.expr(x, in_s)),
        }
    }

    fn call(&mut self, name: &str, e: &Expr, args: &[Arg], in_s: bool) {
        let sound = crate::builtins::plays_samples(name);
        if sound {
            self.out.plays = true;
        }
        match crate::builtins::lookup(name).map(|b| b.op) {
            Some(Op::Control(c)) if ORBIT_CONTROLS.contains(&c) => {
                self.out.sends = true;
                if c == "orbit" {
                    for a in args {
                        self.orbit_numbers(a.value());
                    }
                }
            }
            Some(Op::Control("phaserrate")) => self.out.lines.phaser = true,
            Some(Op::Control("squiz")) => self.out.lines.squiz = true,
            Some(Op::Control("comb")) => self.out.lines.comb = true,
            // `delay x` on events is the send (`builtins::event_control`).
            Some(Op::Delay) if self.checked.sorts.is_pattern(e) => self.out.sends = true,
            _ => {}
        }
        if name == "vowel" {
            for a in args {
                if let ExprKind::Str {
                    pattern: Some(p), ..
                } = &a.value().kind
                {
                    vowel_words(&p.root, &mut self.out.bad_vowels);
                }
            }
        }
        for a in args {
            self.expr(a.value(), in_s || sound);
        }
    }

    /// The numbers an `orbit` argument can give: a number, or a string of numbers (any
    /// mini-notation), so that the program's orbits are known before it plays.
    fn orbit_numbers(&mut self, e: &Expr) {
        if let Some(n) = self.checked.facts.constant_number(e) {
            self.orbit_number(n, e.span.clone());
            return;
        }
        match &e.kind {
            ExprKind::Str {
                pattern: Some(p), ..
            } => {
                let mut atoms = Vec::new();
                orbit_atoms(&p.root, &mut atoms);
                for (a, span) in atoms {
                    match a.parse::<f64>() {
                        Ok(n) => self.orbit_number(n, span),
                        Err(_) => self
                            .out
                            .bad_orbits
                            .push((format!("`{a}` is not an orbit number"), span)),
                    }
                }
            }
            _ => self.out.bad_orbits.push((
                "`orbit` takes numbers written out".to_string(),
                e.span.clone(),
            )),
        }
    }

    fn orbit_number(&mut self, n: f64, span: Span) {
        let max = phonon_runtime::engine::orbits::MAX_ORBIT_NUMBER;
        if n.fract() != 0.0 || !(0.0..=max as f64).contains(&n) {
            self.out
                .bad_orbits
                .push((format!("orbits are numbered 0 to {max}"), span));
        } else if !self.out.orbits.contains(&(n as u32)) {
            self.out.orbits.push(n as u32);
        }
    }

    fn mini(&mut self, p: &MiniPattern) {
        self.group(&p.root);
    }

    fn group(&mut self, g: &Group) {
        match g {
            Group::Seq(s) => self.seq(s),
            Group::Stack(seqs) => seqs.iter().for_each(|s| self.seq(s)),
            Group::Choose { alternatives, .. } => alternatives.iter().for_each(|s| self.seq(s)),
            Group::Feet { feet, .. } => feet.iter().for_each(|s| self.seq(s)),
        }
    }

    fn seq(&mut self, s: &Sequence) {
        s.steps.iter().for_each(|st| self.step(st));
    }

    fn step(&mut self, st: &Step) {
        match &st.elem {
            Elem::Atom(a) => {
                let is_number = a.parse::<f64>().is_ok();
                if !st.elem.is_rest() && !is_number && !self.out.names.iter().any(|n| &n.name == a)
                {
                    // The step's span runs on over its operators and trailing space.
                    let start = st.span.start;
                    self.out.names.push(SoundName {
                        name: a.clone(),
                        span: start..(start + a.len()).min(st.span.end),
                    });
                }
            }
            Elem::Sub(g) => self.group(g),
            Elem::Alt(seqs) => seqs.iter().for_each(|s| self.seq(s)),
            Elem::Poly { sequences, .. } => sequences.iter().for_each(|s| self.seq(s)),
        }
        // Operator arguments are numbers (`bd*2`, `bd(3,8)`, `bd:3`), not names.
    }
}

/// Calls `f` with every word of a mini-notation string that is not a rest, its step and
/// the word's span (sequences, stacks, choices, feet, groups, alternations and polymeters
/// alike).
fn each_word(g: &Group, f: &mut impl FnMut(&str, &Step, Span)) {
    let seqs: Vec<&Sequence> = match g {
        Group::Seq(s) => vec![s],
        Group::Stack(seqs) => seqs.iter().collect(),
        Group::Choose { alternatives, .. } => alternatives.iter().collect(),
        Group::Feet { feet, .. } => feet.iter().collect(),
    };
    for st in seqs.iter().flat_map(|s| &s.steps) {
        match &st.elem {
            Elem::Atom(a) if !st.elem.is_rest() => f(
                a,
                st,
                st.span.start..(st.span.start + a.len()).min(st.span.end),
            ),
            Elem::Atom(_) => {}
            Elem::Sub(g) => each_word(g, f),
            Elem::Alt(seqs)
            | Elem::Poly {
                sequences: seqs, ..
            } => {
                for s in seqs {
                    each_word(&Group::Seq(s.clone()), f);
                }
            }
        }
    }
}

/// The atoms of an `orbit` string with their spans (rests aside), the ends of `a .. b`
/// ranges expanded.
fn orbit_atoms(g: &Group, out: &mut Vec<(String, Span)>) {
    each_word(g, &mut |a, st, span| {
        let range_end = st.ops.iter().find_map(|op| match op {
            crate::mini::ast::Op::Range(end) => match &end.elem {
                Elem::Atom(b) => Some(b.clone()),
                _ => None,
            },
            _ => None,
        });
        match (a.parse::<i64>(), range_end.map(|b| b.parse::<i64>())) {
            (Ok(x), Some(Ok(y))) => {
                for n in x.min(y)..=x.max(y).min(x.min(y) + 1024) {
                    out.push((n.to_string(), span.clone()));
                }
            }
            _ => out.push((a.to_string(), span)),
        }
    });
}

/// The words of a `vowel` string that are not one of SuperDirt's vowels (rests aside).
fn vowel_words(g: &Group, out: &mut Vec<(String, Span)>) {
    each_word(g, &mut |a, _, span| {
        if !phonon_runtime::engine::voice_fx::VOWEL_NAMES.contains(&a) {
            out.push((a.to_string(), span));
        }
    });
}
