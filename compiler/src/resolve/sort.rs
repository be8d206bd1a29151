//! What each expression is to lowering, decided once from the checked tree and kept in a
//! side table ([`Sorts`]) that lowering reads: a pattern (made by the pattern lowerer and
//! read by the graph as a signal), a transform of patterns, a list, or something only the
//! signal graph gives a meaning (an oscillator, a filter, arithmetic on signals, an effect).
//!
//! The rules are those of the pattern lowerer (`lower/expr.rs`), written as a judgement on
//! the tree: numbers and mini-notation are patterns; a built-in is a pattern when it is one
//! of the pattern sources or per-event parameters and its arguments are patterns (`sine`,
//! `saw`, `square` and `tri` only without a frequency); a transform applied to an input is
//! a pattern when its input and its value arguments are patterns and its function
//! arguments transforms; arithmetic, `#` and `$` are patterns when their parts are; a bus
//! is what its definition is (a bus that reaches itself is not a pattern: feedback is of
//! signals).

use crate::ast::{Arg, Expr, ExprKind, StatementKind};
use crate::builtins::{self, Op, Pick, Ty};
use crate::ir::Osc;
use crate::resolve::{Checked, const_eval};
use std::collections::HashMap;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sort {
    Pattern,
    Transform,
    List,
    /// Not made by the pattern lowerer: a signal, an effect, or an expression whose error
    /// the signal lowering reports.
    Signal,
}

/// The sort of every expression of a program, by its position, and whether it plays
/// samples (an `s`/`sound` call anywhere in it, buses followed).
#[derive(Clone, Debug, Default)]
pub struct Sorts {
    by_expr: HashMap<Key, Sort>,
    plays: HashMap<Key, bool>,
}

/// An expression is identified by its span and variant (no two expressions of a checked
/// program share both).
pub(super) type Key = (usize, usize, u8);

pub(super) fn key(e: &Expr) -> Key {
    let variant = match &e.kind {
        ExprKind::Number(_) => 0,
        ExprKind::Str { .. } => 1,
        ExprKind::Bus(_) => 2,
        ExprKind::Ident(_) => 3,
        ExprKind::List(_) => 4,
        ExprKind::Tuple(_) => 5,
        ExprKind::App { .. } => 6,
        ExprKind::Binary { .. } => 7,
        ExprKind::Neg(_) => 8,
        ExprKind::Chain { .. } => 9,
        ExprKind::Section { .. } => 10,
        ExprKind::Dollar { .. } => 11,
    };
    (e.span.start, e.span.end, variant)
}

impl Sorts {
    /// Sorts every expression of the program (which passed checking).
    pub fn of(checked: &Checked) -> Sorts {
        let mut s = Sorter {
            checked,
            table: HashMap::new(),
            visiting: Vec::new(),
            bus_sorts: HashMap::new(),
            plays: HashMap::new(),
            bus_plays: HashMap::new(),
        };
        s.bus_plays();
        for st in &checked.program.statements {
            match &st.kind {
                StatementKind::Bus { body, .. } | StatementKind::Output { body, .. } => {
                    s.sort(body);
                    s.plays(body);
                }
                StatementKind::Tempo { value, .. } => {
                    s.sort(value);
                }
                StatementKind::Hush
                | StatementKind::Function { .. }
                | StatementKind::Playback { .. }
                | StatementKind::ResetCycles
                | StatementKind::Xfade { .. } => {}
            }
        }
        Sorts {
            by_expr: s.table,
            plays: s.plays,
        }
    }

    /// Whether the expression plays samples: an `s` or `sound` call anywhere in it, its
    /// buses followed.
    pub fn plays_samples(&self, e: &Expr) -> bool {
        self.plays.get(&key(e)).copied().unwrap_or(false)
    }

    /// The sort of an expression of the program this table was made for.
    pub fn of_expr(&self, e: &Expr) -> Sort {
        self.by_expr.get(&key(e)).copied().unwrap_or(Sort::Signal)
    }

    pub fn is_pattern(&self, e: &Expr) -> bool {
        self.of_expr(e) == Sort::Pattern
    }
}

struct Sorter<'a> {
    checked: &'a Checked,
    table: HashMap<Key, Sort>,
    visiting: Vec<String>,
    bus_sorts: HashMap<String, Sort>,
    plays: HashMap<Key, bool>,
    bus_plays: HashMap<String, bool>,
}

impl Sorter<'_> {
    fn sort(&mut self, e: &Expr) -> Sort {
        crate::deep(|| {
            let s = self.sort_inner(e);
            self.table.insert(key(e), s);
            s
        })
    }

    /// Sorts every part (so each has its entry) and says whether all are patterns.
    fn all_patterns<'e>(&mut self, parts: impl IntoIterator<Item = &'e Expr>) -> bool {
        let mut all = true;
        for p in parts {
            all &= self.sort(p) == Sort::Pattern;
        }
        all
    }

    fn sort_inner(&mut self, e: &Expr) -> Sort {
        use Sort::*;
        match &e.kind {
            ExprKind::Number(_) | ExprKind::Str { .. } => Pattern,
            ExprKind::Bus(name) => self.bus(name),
            ExprKind::Ident(name) => self.call(name, &[]),
            ExprKind::List(items) => {
                // Every item must lower (to anything) for the list to.
                let mut lowers = true;
                for i in items {
                    lowers &= self.sort(i) != Signal;
                }
                if lowers { List } else { Signal }
            }
            ExprKind::Tuple(items) => {
                for i in items {
                    self.sort(i);
                }
                Signal
            }
            ExprKind::App { func, args } => match &func.kind {
                ExprKind::Ident(name) => self.call(name, args),
                _ => {
                    self.sort(func);
                    for a in args {
                        self.sort(a.value());
                    }
                    Signal
                }
            },
            ExprKind::Binary { lhs, rhs, .. } => {
                let parts = self.all_patterns([&**lhs, &**rhs]);
                if parts || const_eval(e).is_some() {
                    Pattern
                } else {
                    Signal
                }
            }
            ExprKind::Neg(inner) => {
                if self.sort(inner) == Pattern || const_eval(e).is_some() {
                    Pattern
                } else {
                    Signal
                }
            }
            ExprKind::Section { operand, .. } => match self.sort(operand) {
                Pattern | Transform | List => Transform,
                Signal => Signal,
            },
            ExprKind::Chain { lhs, rhs } => match (self.sort(lhs), self.sort(rhs)) {
                (Pattern, Pattern | Transform) => Pattern,
                (Transform, Pattern | Transform) => Transform,
                _ => Signal,
            },
            ExprKind::Dollar { items, subject } => {
                let mut lowers = true;
                for i in items {
                    lowers &= self.sort(i) != Signal;
                }
                match subject {
                    _ if !lowers => Signal,
                    Some(s) if self.table.get(&key(&items[*s])) == Some(&Pattern) => Pattern,
                    Some(_) => Signal,
                    None => Transform,
                }
            }
        }
    }

    fn bus(&mut self, name: &str) -> Sort {
        if let Some(&s) = self.bus_sorts.get(name) {
            return s;
        }
        if self.visiting.iter().any(|v| v == name) {
            return Sort::Signal;
        }
        let Some(body) = self.checked.buses.get(name).and_then(|&i| {
            match &self.checked.program.statements[i].kind {
                StatementKind::Bus { body, .. } => Some(body),
                _ => None,
            }
        }) else {
            return Sort::Signal;
        };
        self.visiting.push(name.to_string());
        let s = self.sort(body);
        self.visiting.pop();
        self.bus_sorts.insert(name.to_string(), s);
        s
    }

    /// The arguments in parameter order (keywords by name), then the extra positional ones:
    /// how the pattern lowerer places them.
    fn placed<'e>(b: Option<&builtins::Builtin>, args: &'e [Arg]) -> Vec<&'e Expr> {
        let params: Vec<&str> = b
            .map(|b| b.params.iter().map(|p| p.name).collect())
            .unwrap_or_default();
        let mut slots: Vec<Option<&Expr>> = vec![None; params.len()];
        let mut extra = Vec::new();
        let mut next = 0;
        for arg in args {
            match arg {
                Arg::Positional(v) => {
                    while next < slots.len() && slots[next].is_some() {
                        next += 1;
                    }
                    if next < slots.len() {
                        slots[next] = Some(v);
                        next += 1;
                    } else {
                        extra.push(v);
                    }
                }
                Arg::Keyword { name, value } => {
                    if let Some(i) = params.iter().position(|p| *p == name.text) {
                        slots[i] = Some(value);
                    }
                }
            }
        }
        slots.into_iter().flatten().chain(extra).collect()
    }

    fn call(&mut self, name: &str, args: &[Arg]) -> Sort {
        use Sort::*;
        let b = builtins::lookup(name);
        // Every argument gets its entry, whatever the call turns out to be.
        for a in args {
            self.sort(a.value());
        }
        let placed = Self::placed(b, args);
        let sort_of = |s: &Self, e: &Expr| s.table.get(&key(e)).copied().unwrap_or(Signal);
        let Some(b) = b else {
            return Signal;
        };
        let n = b.params.len();
        if let Op::Transform(_) = b.op {
            // Value arguments are patterns, function arguments transforms, lists lists; a
            // pair is two numbers (checked by the resolver).
            let args_ok = placed.iter().take(n).enumerate().all(|(i, a)| {
                let want = match b.params.get(i).map(|p| p.ty) {
                    Some(Ty::Func) => Transform,
                    Some(Ty::List) => List,
                    Some(Ty::Pair | Ty::FuncName | Ty::TimeTest) => return true,
                    _ => Pattern,
                };
                sort_of(self, a) == want
            });
            return match placed.len() {
                _ if !args_ok => Signal,
                l if l == n + 1 => {
                    if sort_of(self, placed[n]) == Pattern {
                        Pattern
                    } else {
                        Signal
                    }
                }
                l if l <= n => Transform,
                _ => Signal,
            };
        }
        match b.op {
            // `delay x`, `lpf x`, ...: per-event controls when `x` is a pattern
            // (`builtins::event_control`).
            op if builtins::event_control(op, args).is_some() => {
                if sort_of(self, placed[0]) == Pattern {
                    Pattern
                } else {
                    Signal
                }
            }
            // Per-event controls and pattern sources: patterns of pattern arguments.
            Op::Control(_)
            | Op::Run
            | Op::Irand
            | Op::Rand
            | Op::MidiCc
            | Op::NoteIn
            | Op::Silence
            | Op::Binary
            | Op::Overlay
            | Op::Combine(_)
            | Op::Continuous(_) => {
                if placed.iter().all(|a| sort_of(self, a) == Pattern) {
                    Pattern
                } else {
                    Signal
                }
            }
            // Without a frequency, a 0..1 continuous pattern.
            Op::Osc(Osc::Sine | Osc::Saw | Osc::Square | Osc::Tri) if placed.is_empty() => Pattern,
            Op::Stack
            | Op::Cat
            | Op::FastCat
            | Op::Choose
            | Op::RandCat
            | Op::Pick(Pick::CycleChoose) => match placed.first() {
                Some(list) if self.list_of_patterns(list) => Pattern,
                _ => Signal,
            },
            // The selector, then a list of patterns.
            Op::Pick(pick) => match (pick, placed.as_slice()) {
                (Pick::Pick, [list, f]) | (_, [f, list])
                    if sort_of(self, f) == Pattern && self.list_of_patterns(list) =>
                {
                    Pattern
                }
                _ => Signal,
            },
            // `[[weight, pattern], ..]`, or `[[pattern, weight], ..]` for the weighted choices.
            Op::TimeCat | Op::Arrange | Op::WChoose | Op::WRandCat => {
                let Some(ExprKind::List(items)) = placed.first().map(|l| &l.kind) else {
                    return Signal;
                };
                let (w, p) = if matches!(b.op, Op::TimeCat | Op::Arrange) {
                    (0, 1)
                } else {
                    (1, 0)
                };
                let weighted = items.iter().all(|item| match &item.kind {
                    ExprKind::List(pair) => {
                        pair.get(w).and_then(const_eval).is_some()
                            && pair.get(p).is_some_and(|p| sort_of(self, p) == Pattern)
                    }
                    _ => false,
                });
                if weighted { Pattern } else { Signal }
            }
            // `ur t names [[name, pattern], ..] [[name, transform], ..]`: a pattern when
            // the names and the named are.
            Op::Ur => match placed.as_slice() {
                [_, names, pats, _] if sort_of(self, names) == Pattern => {
                    let all = crate::ast::named_items(pats)
                        .is_ok_and(|items| items.iter().all(|(_, p)| sort_of(self, p) == Pattern));
                    if all { Pattern } else { Signal }
                }
                _ => Signal,
            },
            Op::Osc(_)
            | Op::Ramp(_)
            | Op::Filter(_)
            | Op::Envelope(_)
            | Op::Reverb
            | Op::Delay
            | Op::Chorus
            | Op::Fx(_)
            | Op::Pan2
            | Op::Transform(_) => Signal,
        }
    }

    /// Which buses play samples: those whose definition has an `s`/`sound` call, and those
    /// that read such a bus (reachability over the bus references, so cycles are fine).
    fn bus_plays(&mut self) {
        let mut refs: Vec<(String, Vec<String>, bool)> = Vec::new();
        for (name, &i) in &self.checked.buses {
            if let StatementKind::Bus { body, .. } = &self.checked.program.statements[i].kind {
                let mut r = Vec::new();
                crate::ast_dump::collect_buses(body, &mut r);
                refs.push((name.clone(), r, calls_s(body)));
            }
        }
        let mut plays: HashMap<String, bool> = refs
            .iter()
            .map(|(n, _, direct)| (n.clone(), *direct))
            .collect();
        loop {
            let mut changed = false;
            for (name, r, _) in &refs {
                if !plays[name] && r.iter().any(|b| plays.get(b) == Some(&true)) {
                    plays.insert(name.clone(), true);
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
        self.bus_plays = plays;
    }

    fn plays(&mut self, e: &Expr) -> bool {
        if let Some(&p) = self.plays.get(&key(e)) {
            return p;
        }
        let p = crate::deep(|| match &e.kind {
            ExprKind::Number(_) | ExprKind::Str { .. } => false,
            ExprKind::Ident(name) => builtins::plays_samples(name),
            ExprKind::Bus(name) => self.bus_plays.get(name).copied().unwrap_or(false),
            ExprKind::List(items) | ExprKind::Tuple(items) | ExprKind::Dollar { items, .. } => {
                let mut p = false;
                for i in items {
                    p |= self.plays(i);
                }
                p
            }
            ExprKind::App { func, args } => {
                let mut p = self.plays(func);
                for a in args {
                    p |= self.plays(a.value());
                }
                p
            }
            ExprKind::Binary { lhs, rhs, .. } | ExprKind::Chain { lhs, rhs } => {
                let l = self.plays(lhs);
                self.plays(rhs) || l
            }
            ExprKind::Neg(x) | ExprKind::Section { operand: x, .. } => self.plays(x),
        });
        self.plays.insert(key(e), p);
        p
    }

    /// Whether `e` is a list of patterns, written in place (a bus cannot hold a list).
    fn list_of_patterns(&mut self, e: &Expr) -> bool {
        match &e.kind {
            ExprKind::List(items) => items
                .iter()
                .all(|i| self.table.get(&key(i)) == Some(&Sort::Pattern)),
            _ => false,
        }
    }
}

/// Whether `e` has an `s`/`sound` call, not following buses.
fn calls_s(e: &Expr) -> bool {
    crate::deep(|| match &e.kind {
        ExprKind::Ident(name) => builtins::plays_samples(name),
        ExprKind::Number(_) | ExprKind::Str { .. } | ExprKind::Bus(_) => false,
        ExprKind::List(items) | ExprKind::Tuple(items) | ExprKind::Dollar { items, .. } => {
            items.iter().any(calls_s)
        }
        ExprKind::App { func, args } => calls_s(func) || args.iter().any(|a| calls_s(a.value())),
        ExprKind::Binary { lhs, rhs, .. } | ExprKind::Chain { lhs, rhs } => {
            calls_s(lhs) || calls_s(rhs)
        }
        ExprKind::Neg(x) | ExprKind::Section { operand: x, .. } => calls_s(x),
    })
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::lower::expr::{Lowered, Lowerer};

    /// Every expression of `e` that lowering may meet on its own (shared with `facts`).
    pub(in crate::resolve) fn each_expr<'e>(e: &'e Expr, out: &mut Vec<&'e Expr>) {
        out.push(e);
        match &e.kind {
            ExprKind::Number(_) | ExprKind::Str { .. } | ExprKind::Bus(_) | ExprKind::Ident(_) => {}
            ExprKind::List(items) | ExprKind::Tuple(items) | ExprKind::Dollar { items, .. } => {
                items.iter().for_each(|i| each_expr(i, out))
            }
            // (The function of an application is never lowered on its own.)
            ExprKind::App { args, .. } => args.iter().for_each(|a| each_expr(a.value(), out)),
            ExprKind::Binary { lhs, rhs, .. } | ExprKind::Chain { lhs, rhs } => {
                each_expr(lhs, out);
                each_expr(rhs, out);
            }
            ExprKind::Neg(x) | ExprKind::Section { operand: x, .. } => each_expr(x, out),
        }
    }

    /// For every expression of `src`: the sort agrees with what the pattern lowerer makes of
    /// it, and `plays_samples` with a walk of its tree.
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
        for e in &exprs {
            let lowered = Lowerer::new(checked).expr(e);
            let made = match lowered {
                Ok(Lowered::Pattern(_)) => Sort::Pattern,
                Ok(Lowered::Transform(_)) => Sort::Transform,
                Ok(Lowered::List(_)) => Sort::List,
                Err(_) => Sort::Signal,
            };
            let text = src
                .get(checked.expansions.source_span(&e.span))
                .unwrap_or("?");
            assert_eq!(checked.sorts.of_expr(e), made, "`{text}` in {src}");
            let walked = crate::ir::sample_use::sample_use(checked, e).plays;
            assert_eq!(checked.sorts.plays_samples(e), walked, "`{text}` in {src}");
        }
        exprs.len()
    }

    #[test]
    fn sorts_agree_with_the_pattern_lowerer_on_every_expression() {
        let mut count = 0;
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples");
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "ph") {
                count += agrees(&std::fs::read_to_string(&path).unwrap());
            }
        }
        for src in [
            // Oscillators: LFO patterns without a frequency, signals with one.
            "o1: sine\no2: sine 440\no3: saw \"55 110\"\no4: sine * 0.5 + 0.5\n",
            // Transforms with and without their input; on a signal, not a pattern.
            "o1: fast 2 \"1 2\"\no2: fast 2 $ saw 55\no3: (fast 2) $ \"1 2\"\n",
            "o1: every 3 (fast 2) $ s \"bd sn\"\no2: jux rev $ s \"bd\" # speed 2\n",
            "o1: stut 3 0.5 0.125 $ s \"bd\"\no2: off 0.25 (# speed 2) $ s \"bd\"\n",
            // `#` of patterns, transforms and effects.
            "o1: s \"bd\" # gain \"1 0.5\"\no2: saw 55 # lpf 800\no3: \"1 2\" # lpf 300\n",
            // Lists and stacks, in place and through buses; timeCat.
            "o1: stack [s \"bd\", s \"hh*2\"]\no2: cat [\"1 2\", \"3\"]\no3: stack [saw 55, \"1\"]\n",
            "o1: timeCat [[1, s \"bd*4\"], [3, s \"hh*6\"]]\n",
            // Buses: patterns, signals, feedback, samples through buses.
            "~p: \"0 3 7\"\n~fb: saw 55 + ~fb * 0.3\n~k: s \"bd*4\"\no1: ~p\no2: ~fb\no3: ~k + ~k\no4: sine (~p * 100 + 200)\n",
            "~a: s \"bd\" + ~b * 0.5\n~b: ~a # lpf 800\no1: ~b\n",
            // Arithmetic: constants, patterns, signals.
            "o1: 1/3 + \"1 2\"\no2: -\"1 2\"\no3: saw 55 * \"1 0\"\no4: late (1/8) $ \"1 2\"\n",
            // Sections.
            "o1: (# speed 2) $ s \"bd\"\no2: (|+ n 12) $ n \"0 3\" # s \"arpy\"\no3: (* 2) $ \"1 2\"\n",
        ] {
            count += agrees(src);
        }
        assert!(count > 500, "only {count} expressions");
    }
}
