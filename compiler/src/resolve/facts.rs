//! What is known at compile time about the values of each pattern expression, decided from
//! the checked tree and kept in a side table ([`Facts`]) that lowering reads instead of
//! building the pattern to look at it:
//!
//! - **a constant number**: the pattern is one number for ever (`440`, `"440"`, `"[440]"`,
//!   `-"2"`, `(1/3)`, a bus holding one). The graph reads it as a constant, not a pattern.
//! - **continuous**: the pattern's events have no onsets (`sine`, `rand`, `irand 8`, and
//!   what keeps their shape: arithmetic whose structure comes from a continuous side, `#`
//!   on one, time transforms). An oscillator whose frequency is one glides; it does not
//!   play voices.
//!
//! The rules are those of the pattern lowerer and the pattern engine (which patterns stay
//! `pure`, which combinators keep events without wholes); a unit test checks both facts
//! against the patterns the lowerer builds for every expression of the examples.

use super::Checked;
use super::const_eval;
use super::sort::{Key, key};
use crate::ast::{Arg, Expr, ExprKind, SectionOp, StatementKind, Structure};
use crate::builtins::{self, Op, T, Ty};
use crate::lower::mini::atom_value;
use crate::mini::ast::{Elem, Group, Sequence};
use phonon_runtime::pattern::Value;
use std::collections::{HashMap, HashSet};

#[derive(Clone, Debug, Default)]
pub struct Facts {
    numbers: HashMap<Key, f64>,
    continuous: HashSet<Key>,
}

impl Facts {
    /// The facts of every expression of the program.
    pub fn of(checked: &Checked) -> Facts {
        let mut f = FactFinder {
            checked,
            facts: Facts::default(),
            numbers: HashMap::new(),
            continuous: HashMap::new(),
            visiting: Vec::new(),
        };
        for st in &checked.program.statements {
            if let StatementKind::Bus { body, .. } | StatementKind::Output { body, .. } = &st.kind {
                f.walk(body);
            }
        }
        f.facts
    }

    /// The number a pattern always is, if it is one number for ever.
    pub fn constant_number(&self, e: &Expr) -> Option<f64> {
        self.numbers.get(&key(e)).copied()
    }

    /// Whether a pattern's events have no onsets (a continuous signal pattern).
    pub fn is_continuous(&self, e: &Expr) -> bool {
        self.continuous.contains(&key(e))
    }
}

struct FactFinder<'a> {
    checked: &'a Checked,
    facts: Facts,
    /// Each expression's facts once found, so the walk is linear in the tree's size.
    numbers: HashMap<Key, Option<f64>>,
    continuous: HashMap<Key, bool>,
    /// Buses being followed (a bus that reaches itself has no facts).
    visiting: Vec<String>,
}

impl FactFinder<'_> {
    /// Records the facts of `e` and of every expression inside it.
    fn walk(&mut self, e: &Expr) {
        crate::deep(|| {
            if let Some(v) = self.number(e) {
                self.facts.numbers.insert(key(e), v);
            }
            if self.continuous(e) {
                self.facts.continuous.insert(key(e));
            }
            match &e.kind {
                ExprKind::Number(_) | ExprKind::Str { .. } | ExprKind::Bus(_) => {}
                ExprKind::Ident(_) => {}
                ExprKind::List(items) | ExprKind::Tuple(items) | ExprKind::Dollar { items, .. } => {
                    items.iter().for_each(|i| self.walk(i))
                }
                ExprKind::App { args, .. } => args.iter().for_each(|a| self.walk(a.value())),
                ExprKind::Binary { lhs, rhs, .. } | ExprKind::Chain { lhs, rhs } => {
                    self.walk(lhs);
                    self.walk(rhs);
                }
                ExprKind::Neg(x) | ExprKind::Section { operand: x, .. } => self.walk(x),
            }
        })
    }

    fn bus_body(&self, name: &str) -> Option<&Expr> {
        if self.visiting.iter().any(|v| v == name) {
            return None;
        }
        let &i = self.checked.buses.get(name)?;
        match &self.checked.program.statements[i].kind {
            StatementKind::Bus { body, .. } => Some(body),
            _ => None,
        }
    }

    fn through_bus<R>(&mut self, name: &str, f: impl FnOnce(&mut Self, &Expr) -> R) -> Option<R> {
        let body = self.bus_body(name)?.clone();
        self.visiting.push(name.to_string());
        let r = crate::deep(|| f(self, &body));
        self.visiting.pop();
        Some(r)
    }

    /// A pattern that is `pure(Num)` once lowered: a number, a one-atom string, constant
    /// arithmetic, a negated constant (negation maps values, which keeps a constant).
    fn number(&mut self, e: &Expr) -> Option<f64> {
        if let Some(&n) = self.numbers.get(&key(e)) {
            return n;
        }
        let n = self.number_of(e);
        self.numbers.insert(key(e), n);
        n
    }

    fn number_of(&mut self, e: &Expr) -> Option<f64> {
        if !self.checked.sorts.is_pattern(e) {
            return None;
        }
        if let Some(v) = const_eval(e) {
            return Some(v);
        }
        match &e.kind {
            ExprKind::Str {
                pattern: Some(p), ..
            } => match mini_constant(&p.root)? {
                Value::Num(v) => Some(v),
                _ => None,
            },
            ExprKind::Neg(inner) => self.number(inner).map(|v| -v),
            ExprKind::Bus(name) => {
                let name = name.clone();
                self.through_bus(&name, |f, body| f.number(body)).flatten()
            }
            _ => None,
        }
    }

    fn continuous(&mut self, e: &Expr) -> bool {
        if let Some(&c) = self.continuous.get(&key(e)) {
            return c;
        }
        let c = self.continuous_of(e);
        self.continuous.insert(key(e), c);
        c
    }

    fn continuous_of(&mut self, e: &Expr) -> bool {
        if !self.checked.sorts.is_pattern(e) {
            return false;
        }
        match &e.kind {
            ExprKind::Number(_) | ExprKind::Str { .. } => false,
            ExprKind::Bus(name) => {
                let name = name.clone();
                self.through_bus(&name, |f, body| f.continuous(body))
                    .unwrap_or(false)
            }
            ExprKind::Neg(inner) => self.continuous(inner),
            // Structure from one side: its shape; from both: a whole needs both.
            ExprKind::Binary { op, lhs, rhs } => match op.structure {
                Structure::Left => self.continuous(lhs),
                Structure::Right => self.continuous(rhs),
                Structure::Plain | Structure::Both => self.continuous(lhs) || self.continuous(rhs),
            },
            ExprKind::Chain { lhs, .. } => self.continuous(lhs),
            ExprKind::Dollar {
                items,
                subject: Some(s),
            } => {
                let mut c = self.continuous(&items[*s]);
                for (i, t) in items.iter().enumerate() {
                    if i != *s {
                        c = c && keeps_continuity(t);
                    }
                }
                c
            }
            ExprKind::Ident(name) => self.call(name, &[]),
            ExprKind::App { func, args } => match &func.kind {
                ExprKind::Ident(name) => self.call(name, args),
                _ => false,
            },
            _ => false,
        }
    }

    fn call(&mut self, name: &str, args: &[Arg]) -> bool {
        let Some(b) = builtins::lookup(name) else {
            return false;
        };
        let positional: Vec<&Expr> = args
            .iter()
            .filter_map(|a| match a {
                Arg::Positional(v) => Some(v),
                Arg::Keyword { .. } => None,
            })
            .collect();
        match b.op {
            Op::Osc(_)
            | Op::Rand
            | Op::Irand
            | Op::MidiCc
            | Op::NoteIn
            | Op::Continuous(_)
            | Op::Choose
            | Op::WChoose => true,
            Op::Control(_) => positional.first().is_some_and(|a| self.continuous(a)),
            op if builtins::event_control(op, args).is_some() => self.continuous(positional[0]),
            // Only the first cycle is asked: `cat` is its first pattern there.
            Op::Cat => list_items(positional.first().copied())
                .first()
                .is_some_and(|i| self.continuous(i)),
            Op::Stack | Op::FastCat => {
                let items = list_items(positional.first().copied());
                !items.is_empty() && items.iter().all(|i| self.continuous(i))
            }
            Op::TimeCat => {
                let items = list_items(positional.first().copied());
                !items.is_empty()
                    && items.iter().all(|pair| match &pair.kind {
                        ExprKind::List(pair) => pair.get(1).is_some_and(|p| self.continuous(p)),
                        _ => false,
                    })
            }
            Op::Transform(_) => {
                let n = b.params.len();
                match positional.get(n) {
                    Some(input) => transform_keeps(name, args) && self.continuous(input),
                    None => false,
                }
            }
            _ => false,
        }
    }
}

fn list_items(e: Option<&Expr>) -> Vec<&Expr> {
    match e.map(|e| &e.kind) {
        Some(ExprKind::List(items)) => items.iter().collect(),
        _ => Vec::new(),
    }
}

/// Whether a transform keeps a continuous input continuous: one that moves or reshapes
/// time or maps values, or applies such transforms (to some cycles, or layered over the
/// input); a section whose structure comes from the input.
fn keeps_continuity(t: &Expr) -> bool {
    let (name, args): (&str, &[Arg]) = match &t.kind {
        ExprKind::Ident(name) => (name, &[]),
        ExprKind::App { func, args } => match &func.kind {
            ExprKind::Ident(name) => (name, args),
            _ => return false,
        },
        ExprKind::Section { op, .. } => {
            return match op {
                SectionOp::Binary(b) => b.structure != Structure::Right,
                SectionOp::Chain | SectionOp::Compare(_) => true,
            };
        }
        ExprKind::Dollar {
            items,
            subject: None,
        } => return items.iter().all(keeps_continuity),
        _ => return false,
    };
    transform_keeps(name, args)
}

/// Whether the transform `name` with `args` (its input among them or not) keeps continuity.
fn transform_keeps(name: &str, args: &[Arg]) -> bool {
    let Some(b) = builtins::lookup(name) else {
        return false;
    };
    let Op::Transform(t) = b.op else {
        return false;
    };
    keeps(t)
        && args.iter().all(|a| {
            let func = match a {
                Arg::Positional(_) => {
                    let i = args[..]
                        .iter()
                        .take_while(|x| !std::ptr::eq(*x, a))
                        .filter(|x| matches!(x, Arg::Positional(_)))
                        .count();
                    b.params.get(i).is_some_and(|p| p.ty == Ty::Func)
                }
                Arg::Keyword { name, .. } => b
                    .params
                    .iter()
                    .any(|p| p.name == name.text && p.ty == Ty::Func),
            };
            !func || keeps_continuity(a.value())
        })
}

/// Transforms that move or reshape time, map values, or apply function arguments to some
/// cycles or layers (which must keep continuity too, see [`keeps_continuity`]).
fn keeps(t: T) -> bool {
    matches!(
        t,
        T::Fast
            | T::Slow
            | T::Hurry
            | T::Rev
            | T::Early
            | T::Late
            | T::Range
            | T::Seed
            | T::Iter
            | T::IterBack
            | T::Palindrome
            | T::Every
            | T::LastOf
            | T::Whenmod
            | T::Chunk
            | T::ChunkBack
            | T::Inside
            | T::Outside
            | T::Superimpose
            | T::SometimesBy
            | T::Sometimes(_)
            | T::Off
            | T::Jux
            | T::JuxBy
            | T::Id
            | T::Zoom
            | T::Quantise
            | T::Rangex
            | T::EveryOffset
            | T::FoldEvery
    )
}

/// The value of a mini-notation tree that lowers to `pure`: one atom, possibly in
/// brackets or a one-foot sequence, without modifiers.
fn mini_constant(g: &Group) -> Option<Value> {
    match g {
        Group::Seq(s) => sequence_constant(s),
        Group::Feet { feet, .. } if feet.len() == 1 => sequence_constant(&feet[0]),
        _ => None,
    }
}

fn sequence_constant(s: &Sequence) -> Option<Value> {
    let [step] = s.steps.as_slice() else {
        return None;
    };
    if !step.ops.is_empty() {
        return None;
    }
    match &step.elem {
        Elem::Atom(text) if text == "~" || text == "-" => None,
        Elem::Atom(text) => Some(atom_value(text)),
        Elem::Sub(g) => mini_constant(g),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use crate::ast::StatementKind;
    use crate::lower::expr::{Lowered, Lowerer};
    use crate::resolve::sort::tests::each_expr;
    use phonon_runtime::engine::host::is_continuous;
    use phonon_runtime::pattern::Value;

    /// For every pattern expression of `src`: the facts agree with the pattern the lowerer
    /// builds (its constant, and whether its first cycle has events without onsets only).
    fn agrees(src: &str) -> usize {
        let fe = crate::front_end(src);
        assert!(!fe.has_errors(), "{src}: {:?}", fe.diagnostics);
        let checked = &fe.checked;
        let mut exprs = Vec::new();
        for st in &checked.program.statements {
            if let StatementKind::Bus { body, .. } | StatementKind::Output { body, .. } = &st.kind {
                each_expr(body, &mut exprs);
            }
        }
        let mut patterns = 0;
        for e in &exprs {
            let Ok(Lowered::Pattern(p)) = Lowerer::new(checked).expr(e) else {
                continue;
            };
            patterns += 1;
            let text = src
                .get(checked.expansions.source_span(&e.span))
                .unwrap_or("?");
            let constant = match p.constant_value() {
                Some(Value::Num(v)) => Some(*v),
                _ => None,
            };
            assert_eq!(
                checked.facts.constant_number(e),
                constant,
                "`{text}` in {src}"
            );
            assert_eq!(
                checked.facts.is_continuous(e),
                is_continuous(&p),
                "`{text}` in {src}"
            );
        }
        patterns
    }

    #[test]
    fn facts_agree_with_the_lowered_patterns_on_every_expression() {
        let mut count = 0;
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples");
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "ph") {
                count += agrees(&std::fs::read_to_string(&path).unwrap());
            }
        }
        for src in [
            // Constants: numbers, one-atom strings, brackets, feet, negation, buses.
            "o1: \"440\"\no2: \"[440]\"\no4: -\"2\"\no5: 1/3\no6: \"<440>\"\n",
            "~f: \"220\"\no1: saw ~f\no2: \"440*2\"\no3: \"440@3\"\no4: \"~\"\no5: \"c3\"\n",
            "o1: \"0x10\"\no2: \"[[3]]\"\no3: \"3, 4\"\no4: \"3 | 4\"\no5: \"440\" + 1\n",
            // Continuous patterns and what keeps them so.
            "o1: sine\no2: rand\no3: irand 8\no4: sine * 100 + 200\no5: range 200 400 sine\n",
            "o1: fast 2 $ sine\no2: slow 4 sine\no3: segment 4 $ sine\no4: sine |+ \"1 2\"\n",
            "o1: \"1 2\" |+ sine\no2: sine + \"1 2\"\no3: n sine\no4: cat [sine, \"1\"]\n",
            "o1: stack [sine, saw]\no2: stack [sine, \"1\"]\no3: rev $ sine\no4: early 0.25 $ tri\n",
            "o1: struct \"t t\" $ sine\no2: euclid 3 8 $ sine\no3: square # n 3\no4: -sine\n",
            "o1: fastcat [sine, saw]\no2: timeCat [[1, sine], [1, saw]]\no3: every 2 (fast 2) $ sine\n",
            "o1: sometimes (fast 2) $ sine\no2: off 0.25 (+ 1) $ sine\no3: superimpose (fast 2) $ sine\n",
            "o1: jux rev $ sine\no2: every 2 (segment 4) $ sine\no3: whenmod 4 2 (fast 2) $ sine\n",
            "o1: chunk 4 (hurry 2) $ sine\no2: (# n 1) $ sine\no3: (+| \"1 2\") $ sine\n",
            "o1: fast \"1 2\" $ sine\no2: sine # gain \"1 2\"\no3: fast 2 $ rev $ sine\n",
        ] {
            count += agrees(src);
        }
        assert!(count > 300, "only {count} pattern expressions");
    }
}
