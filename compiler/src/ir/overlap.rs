//! Whether a note pattern can sound several notes at once, read from its structure: a chord
//! (`c4'maj`), a stack (`[c3, e3]`, `<c3 e3, g3>`, `{c3 e3, g3 a3 b3}`), or a call of a
//! function whose events overlap ([`builtins::layers`]: `stack`, `overlay`, `layer`,
//! `superimpose`, `off`, `stut`, `echo`, `stutWith`, `ghost`, `jux`, `juxBy`), following
//! buses. An oscillator whose frequency is such a
//! pattern plays one voice per note, gated by its events; otherwise it holds each note
//! until the next (a rest included). Rhythm (`c3(3,8)`, `c3*2`, `~`), alternation (`<a b>`),
//! random choice (`a | b`) and elongation (`a@3`, `a _`) never overlap.

use crate::ast::{Expr, ExprKind, StatementKind};
use crate::builtins;
use crate::mini::ast::{Elem, Group, MiniPattern, Sequence};
use crate::resolve::Checked;
use std::collections::HashSet;

/// Whether the events of `e` can overlap in time.
pub fn may_overlap(checked: &Checked, e: &Expr) -> bool {
    Walker {
        checked,
        visiting: HashSet::new(),
    }
    .expr(e)
}

struct Walker<'a> {
    checked: &'a Checked,
    /// Buses being followed (a bus that refers to itself is not followed twice).
    visiting: HashSet<String>,
}

impl Walker<'_> {
    fn expr(&mut self, e: &Expr) -> bool {
        crate::deep(|| self.expr_inner(e))
    }

    fn expr_inner(&mut self, e: &Expr) -> bool {
        match &e.kind {
            ExprKind::Str { pattern, .. } => pattern.as_ref().is_some_and(mini),
            ExprKind::Number(_) => false,
            ExprKind::Ident(name) => builtins::layers(name),
            ExprKind::Bus(name) => {
                if !self.visiting.insert(name.clone()) {
                    return false;
                }
                let overlaps = self.checked.buses.get(name).is_some_and(|&i| {
                    matches!(&self.checked.program.statements[i].kind,
                        StatementKind::Bus { body, .. } if self.expr(body))
                });
                self.visiting.remove(name);
                overlaps
            }
            ExprKind::List(items) | ExprKind::Tuple(items) => items.iter().any(|x| self.expr(x)),
            ExprKind::App { func, args } => {
                self.expr(func) || args.iter().any(|a| self.expr(a.value()))
            }
            ExprKind::Binary { lhs, rhs, .. } | ExprKind::Chain { lhs, rhs } => {
                self.expr(lhs) || self.expr(rhs)
            }
            ExprKind::Neg(x) => self.expr(x),
            ExprKind::Section { operand, .. } => self.expr(operand),
            ExprKind::Dollar { items, .. } => items.iter().any(|x| self.expr(x)),
        }
    }
}

fn mini(p: &MiniPattern) -> bool {
    group(&p.root)
}

fn group(g: &Group) -> bool {
    match g {
        Group::Seq(s) => seq(s),
        Group::Stack(seqs) => seqs.len() > 1 || seqs.iter().any(seq),
        Group::Choose { alternatives, .. } => alternatives.iter().any(seq),
        Group::Feet { feet, .. } => feet.iter().any(seq),
    }
}

fn seq(s: &Sequence) -> bool {
    s.steps.iter().any(|st| match &st.elem {
        // A chord: `c4'maj`, `e'min7'ii`.
        Elem::Atom(a) => a.contains('\''),
        Elem::Sub(g) => group(g),
        Elem::Alt(seqs)
        | Elem::Poly {
            sequences: seqs, ..
        } => seqs.len() > 1 || seqs.iter().any(seq),
    })
    // Operator arguments (`*2`, `(3,8)`, `@3`) set rhythm and weight, never several notes.
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether the frequency of `o1: saw FREQ` can overlap.
    fn overlaps(freq: &str) -> bool {
        let src = format!("~b: \"c3 [e3, g3]\"\no1: saw ({freq})\n");
        let fe = crate::front_end(&src);
        assert!(!fe.has_errors(), "{freq}: {:?}", fe.diagnostics);
        let checked = fe.checked;
        let i = checked.outputs.values().next().copied().unwrap();
        let StatementKind::Output { body, .. } = &checked.program.statements[i].kind else {
            panic!("an output")
        };
        let ExprKind::App { args, .. } = &body.kind else {
            panic!("saw (...)")
        };
        may_overlap(&checked, args[0].value())
    }

    #[test]
    fn chords_stacks_and_layering_overlap() {
        for freq in [
            "\"c4'maj e4'min\"",
            "\"[c3, e3] g3\"",
            "\"<c3 e3, g3>\"",
            "\"{c3 e3, g3 a3 b3}\"",
            "\"c3 [e3 [g3, b3]]\"",
            "stack [\"c3\", \"e3\"]",
            "off 0.25 (|+ 12) \"c3 e3\"",
            "superimpose (fast 2) \"c3 e3\"",
            "every 4 (stut 3 0.5 0.125) \"c3 e3\"",
            "jux rev \"c3 e3\"",
            "\"c3 e3\" + ~b",
        ] {
            assert!(overlaps(freq), "{freq}");
        }
    }

    #[test]
    fn rhythm_alternation_and_choice_do_not() {
        for freq in [
            "\"c3(3,8)\"",
            "\"c3(3,8,2) e3*2\"",
            "\"c3 ~ e3\"",
            "\"<c3 e3> g3@3 a3 _\"",
            "\"c3 | e3\"",
            "\"{c3 e3 g3}%4\"",
            "fast 2 \"c3 e3\"",
            "every 4 (fast 2) \"c3 e3\" + \"<0 12>\"",
        ] {
            assert!(!overlaps(freq), "{freq}");
        }
    }
}
