//! What an expression asks of the sample player, read from the syntax tree: whether it plays
//! samples at all (an `s`/`sound` call anywhere in it, following buses), the sound names its
//! `s` strings spell (each with its span, to load them before playback and to report a
//! missing one where it is written), and the per-event controls it sets that the player does
//! not apply yet.

use crate::ast::{Arg, Expr, ExprKind, StatementKind};
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
    /// Controls that are carried by the events but not applied by the player.
    pub unapplied: Vec<(String, Span)>,
    /// Words written in a `vowel` string that name no vowel.
    pub bad_vowels: Vec<(String, Span)>,
}

/// Per-event controls the sample player applies.
pub const APPLIED: &[&str] = &[
    "s",
    "sound",
    "n",
    "note",
    "gain",
    "pan",
    "speed",
    "begin",
    "end",
    "cut",
    "attack",
    "release",
    "legato",
    "unit",
    "loop",
    "shape",
    "hcutoff",
    "hresonance",
    "bandf",
    "bandq",
    "crush",
    "coarse",
    "cutoff",
    "resonance",
];

/// Controls a pattern can carry that the player does not apply (yet).
const UNAPPLIED: &[&str] = &["orbit", "room", "size"];

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
        if UNAPPLIED.contains(&name) {
            self.out.unapplied.push((name.to_string(), e.span.clone()));
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

/// The words of a `vowel` string that are not one of SuperDirt's vowels (rests aside).
fn vowel_words(g: &Group, out: &mut Vec<(String, Span)>) {
    let seqs: Vec<&Sequence> = match g {
        Group::Seq(s) => vec![s],
        Group::Stack(seqs) => seqs.iter().collect(),
        Group::Choose { alternatives, .. } => alternatives.iter().collect(),
        Group::Feet { feet, .. } => feet.iter().collect(),
    };
    for s in seqs {
        for st in &s.steps {
            match &st.elem {
                Elem::Atom(a) if !st.elem.is_rest() => {
                    if !phonon_runtime::engine::voice_fx::VOWEL_NAMES.contains(&a.as_str()) {
                        let start = st.span.start;
                        out.push((a.clone(), start..(start + a.len()).min(st.span.end)));
                    }
                }
                Elem::Atom(_) => {}
                Elem::Sub(g) => vowel_words(g, out),
                Elem::Alt(seqs)
                | Elem::Poly {
                    sequences: seqs, ..
                } => {
                    for s in seqs {
                        vowel_words(&Group::Seq(s.clone()), out);
                    }
                }
            }
        }
    }
}
