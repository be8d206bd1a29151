//! A readable, stable dump of the syntax tree (`phonon ir FILE --ast`): one node per line,
//! indented by depth, with the node's `line:col`. Snapshot tests rely on its stability.
//! Without the positions ([`structure`]) it is what an expression means, whatever its layout:
//! a reload compares it to tell which outputs changed.

use crate::ast::{Arg, Expr, ExprKind, Program, SectionOp, StatementKind, TempoUnit};
use crate::diagnostic::{Span, line_col};
use crate::mini::ast::{Elem, Group, MiniPattern, Op, Sequence, Step};
use std::fmt::Write;

/// [`dump`] of a checked program, whose uses of functions are expanded: every node at the
/// position it is written at.
pub fn dump_checked(checked: &crate::resolve::Checked, src: &str) -> String {
    if checked.expansions.is_empty() {
        return dump(&checked.program, src);
    }
    let mut program = checked.program.clone();
    for st in &mut program.statements {
        if let Some(body) = st.body_mut() {
            checked.expansions.to_source(body);
        }
    }
    dump(&program, src)
}

pub fn dump(program: &Program, src: &str) -> String {
    let mut d = Dumper {
        src: Some(src),
        out: String::new(),
    };
    for st in &program.statements {
        match &st.kind {
            StatementKind::Tempo { unit, value } => {
                let unit = match unit {
                    TempoUnit::Cps => "cps",
                    TempoUnit::Bpm => "bpm",
                };
                d.line(0, &format!("tempo {unit}"), &st.span);
                d.expr(1, value);
            }
            StatementKind::Bus { name, body } => {
                d.line(0, &format!("bus ~{}", name.text), &st.span);
                d.expr(1, body);
            }
            StatementKind::Output { target, name, body } => {
                d.line(
                    0,
                    &format!("output {target} (written `{}`)", name.text),
                    &st.span,
                );
                d.expr(1, body);
            }
            StatementKind::Function { name, params, body } => {
                let params: Vec<&str> = params.iter().map(|p| p.text.as_str()).collect();
                d.line(
                    0,
                    &format!("function ~{} ({})", name.text, params.join(" ")),
                    &st.span,
                );
                d.expr(1, body);
            }
            StatementKind::Hush => d.line(0, "hush", &st.span),
            StatementKind::ResetCycles => d.line(0, "resetCycles", &st.span),
            StatementKind::Playback { action, targets } => {
                let targets: Vec<&str> = targets.iter().map(|t| t.text.as_str()).collect();
                d.line(
                    0,
                    &format!("{} {}", action.word(), targets.join(" ")),
                    &st.span,
                );
            }
            StatementKind::Xfade { target, cycles } => {
                d.line(0, &format!("xfade {}", target.text), &st.span);
                if let Some(c) = cycles {
                    d.expr(1, c);
                }
            }
        }
    }
    d.out
}

/// The tree of `e` without positions, and with a mini-notation string as its parsed tree
/// (not its text): equal for expressions that differ only in layout, comments, spacing or
/// where they are in the file.
/// A bus reference is followed into the bus's definition (`bus` finds it), once per chain.
pub fn structure<'e>(e: &Expr, bus: &dyn Fn(&str) -> Option<&'e Expr>) -> String {
    let mut d = Dumper {
        src: None,
        out: String::new(),
    };
    let mut following = Vec::new();
    d.structure(0, e, bus, &mut following);
    d.out
}

/// [`structure`] with positions: the tree of `e` with each node's `line:col` in `src`,
/// indented by `depth`, buses followed (`phonon ir --patterns`).
pub fn located<'e>(
    e: &Expr,
    src: &str,
    depth: usize,
    bus: &dyn Fn(&str) -> Option<&'e Expr>,
) -> String {
    let mut d = Dumper {
        src: Some(src),
        out: String::new(),
    };
    d.structure(depth, e, bus, &mut Vec::new());
    d.out
}

struct Dumper<'a> {
    /// The source, for positions; none in a [`structure`].
    src: Option<&'a str>,
    out: String,
}

impl Dumper<'_> {
    /// [`Self::expr`], with bus references followed.
    fn structure<'e>(
        &mut self,
        depth: usize,
        e: &Expr,
        bus: &dyn Fn(&str) -> Option<&'e Expr>,
        following: &mut Vec<String>,
    ) {
        crate::deep(|| {
            let mut refs = Vec::new();
            collect_buses(e, &mut refs);
            self.expr(depth, e);
            for name in refs {
                if following.contains(&name) {
                    continue;
                }
                if let Some(body) = bus(&name) {
                    self.line(depth, &format!("where ~{name} ="), &e.span);
                    following.push(name);
                    self.structure(depth + 1, body, bus, following);
                    following.pop();
                }
            }
        })
    }
}

/// The buses `e` refers to, in order, each once.
pub(crate) fn collect_buses(e: &Expr, out: &mut Vec<String>) {
    crate::deep(|| match &e.kind {
        ExprKind::Bus(name) => {
            if !out.contains(name) {
                out.push(name.clone());
            }
        }
        ExprKind::Number(_) | ExprKind::Str { .. } | ExprKind::Ident(_) => {}
        ExprKind::List(items) | ExprKind::Tuple(items) | ExprKind::Dollar { items, .. } => {
            items.iter().for_each(|i| collect_buses(i, out))
        }
        ExprKind::App { func, args } => {
            collect_buses(func, out);
            args.iter().for_each(|a| collect_buses(a.value(), out));
        }
        ExprKind::Binary { lhs, rhs, .. } | ExprKind::Chain { lhs, rhs } => {
            collect_buses(lhs, out);
            collect_buses(rhs, out);
        }
        ExprKind::Neg(x) | ExprKind::Section { operand: x, .. } => collect_buses(x, out),
    })
}

impl Dumper<'_> {
    fn line(&mut self, depth: usize, label: &str, span: &Span) {
        let _ = write!(self.out, "{:indent$}{label}", "", indent = depth * 2);
        if let Some(src) = self.src {
            let (l, c) = line_col(src, span.start);
            let _ = write!(self.out, " @{l}:{c}");
        }
        self.out.push('\n');
    }

    fn expr(&mut self, depth: usize, e: &Expr) {
        match &e.kind {
            ExprKind::Number(n) => self.line(depth, &format!("number {n}"), &e.span),
            ExprKind::Str { text, pattern } => {
                match (self.src, pattern) {
                    (None, Some(_)) => self.line(depth, "string", &e.span),
                    _ => self.line(depth, &format!("string \"{text}\""), &e.span),
                }
                if let Some(p) = pattern {
                    self.mini(depth + 1, p);
                }
            }
            ExprKind::Bus(name) => self.line(depth, &format!("bus-ref ~{name}"), &e.span),
            ExprKind::Ident(name) => self.line(depth, &format!("ident {name}"), &e.span),
            ExprKind::List(items) => {
                self.line(depth, "list", &e.span);
                items.iter().for_each(|i| self.expr(depth + 1, i));
            }
            ExprKind::Tuple(items) => {
                self.line(depth, "tuple", &e.span);
                items.iter().for_each(|i| self.expr(depth + 1, i));
            }
            ExprKind::App { func, args } => {
                self.line(depth, "apply", &e.span);
                self.expr(depth + 1, func);
                for arg in args {
                    match arg {
                        Arg::Positional(v) => self.expr(depth + 1, v),
                        Arg::Keyword { name, value } => {
                            self.line(depth + 1, &format!("keyword :{}", name.text), &name.span);
                            self.expr(depth + 2, value);
                        }
                    }
                }
            }
            ExprKind::Binary { op, lhs, rhs } => {
                self.line(depth, &format!("binary {}", op.text()), &e.span);
                self.expr(depth + 1, lhs);
                self.expr(depth + 1, rhs);
            }
            ExprKind::Neg(inner) => {
                self.line(depth, "negate", &e.span);
                self.expr(depth + 1, inner);
            }
            ExprKind::Section { op, operand } => {
                let op = match op {
                    SectionOp::Chain => "#".to_string(),
                    SectionOp::Binary(b) => b.text(),
                    SectionOp::Compare(c) => c.text().to_string(),
                };
                self.line(depth, &format!("section ({op} _)"), &e.span);
                self.expr(depth + 1, operand);
            }
            ExprKind::Chain { lhs, rhs } => {
                self.line(depth, "chain #", &e.span);
                self.expr(depth + 1, lhs);
                self.expr(depth + 1, rhs);
            }
            ExprKind::Dollar { items, subject } => {
                let label = match subject {
                    Some(i) => format!("dollar (subject: element {i})"),
                    None => "dollar (no subject: a composed transform)".to_string(),
                };
                self.line(depth, &label, &e.span);
                items.iter().for_each(|i| self.expr(depth + 1, i));
            }
        }
    }

    fn mini(&mut self, depth: usize, p: &MiniPattern) {
        self.group(depth, &p.root, &p.span);
    }

    fn group(&mut self, depth: usize, g: &Group, span: &Span) {
        match g {
            Group::Seq(s) => self.seq(depth, s),
            Group::Stack(seqs) => {
                self.line(depth, "stack", span);
                seqs.iter().for_each(|s| self.seq(depth + 1, s));
            }
            Group::Choose { alternatives, seed } => {
                self.line(depth, &format!("choose (seed {seed})"), span);
                alternatives.iter().for_each(|s| self.seq(depth + 1, s));
            }
            Group::Feet { feet, seed } => {
                self.line(depth, &format!("feet (seed {seed})"), span);
                feet.iter().for_each(|s| self.seq(depth + 1, s));
            }
        }
    }

    fn seq(&mut self, depth: usize, s: &Sequence) {
        self.line(depth, "seq", &s.span);
        s.steps.iter().for_each(|st| self.step(depth + 1, st));
    }

    fn step(&mut self, depth: usize, s: &Step) {
        let weight = if s.weight == 1.0 {
            String::new()
        } else {
            format!(" (weight {})", s.weight)
        };
        match &s.elem {
            Elem::Atom(a) => self.line(depth, &format!("atom {a}{weight}"), &s.span),
            Elem::Sub(g) => {
                self.line(depth, &format!("sub{weight}"), &s.span);
                self.group(depth + 1, g, &s.span);
            }
            Elem::Alt(seqs) => {
                self.line(depth, &format!("alternate{weight}"), &s.span);
                seqs.iter().for_each(|q| self.seq(depth + 1, q));
            }
            Elem::Poly {
                sequences,
                steps_per_cycle,
            } => {
                self.line(depth, &format!("polymeter{weight}"), &s.span);
                sequences.iter().for_each(|q| self.seq(depth + 1, q));
                if let Some(steps) = steps_per_cycle {
                    self.line(depth + 1, "steps per cycle", &steps.span);
                    self.step(depth + 2, steps);
                }
            }
        }
        for op in &s.ops {
            match op {
                Op::Fast(a) => self.op_arg(depth + 1, "fast", a),
                Op::Slow(a) => self.op_arg(depth + 1, "slow", a),
                Op::Tail(a) => self.op_arg(depth + 1, "tail", a),
                Op::Range(a) => self.op_arg(depth + 1, "range to", a),
                Op::Replicate(n) => self.line(depth + 1, &format!("replicate {n}"), &s.span),
                Op::Degrade { amount, seed } => {
                    let amount = amount.map_or("0.5 (default)".to_string(), |a| a.to_string());
                    self.line(
                        depth + 1,
                        &format!("degrade {amount} (seed {seed})"),
                        &s.span,
                    )
                }
                Op::Euclid {
                    pulses,
                    steps,
                    rotation,
                } => {
                    self.line(depth + 1, "euclid", &pulses.span);
                    self.op_arg(depth + 2, "pulses", pulses);
                    self.op_arg(depth + 2, "steps", steps);
                    if let Some(r) = rotation {
                        self.op_arg(depth + 2, "rotation", r);
                    }
                }
            }
        }
    }

    fn op_arg(&mut self, depth: usize, label: &str, s: &Step) {
        self.line(depth, label, &s.span);
        self.step(depth + 1, s);
    }
}
