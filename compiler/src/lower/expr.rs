//! Expressions to runtime patterns: strings are mini-notation, numbers are constant patterns,
//! transforms become functions from pattern to pattern, `$` applies them (prefix
//! nearest-first, suffix left to right), `#` sets per-event parameters, arithmetic combines
//! patterns with Tidal's structure rules.

use super::mini::lower_mini;
use crate::ast::{Arg, Arith, BinOp, Expr, ExprKind, SectionOp, Structure};
use crate::builtins::{Builtin, Combine, Continuous, Op, Pick, Spread, T, Ty};
use crate::diagnostic::Diagnostic;
use crate::ir::Osc;
use crate::mini::parse_mini;
use crate::resolve::Checked;
use phonon_runtime::Rational;
use phonon_runtime::pattern::library::{self as lib};
use phonon_runtime::pattern::ops;
use phonon_runtime::pattern::signal;
use phonon_runtime::pattern::transform as tf;
use phonon_runtime::pattern::{
    MAX_SUBDIVISION, Pattern, Value, fastcat, pure, silence, slowcat, stack, timecat,
};
use phonon_runtime::pattern::{arp, choice, scales, tidal};
use std::collections::HashMap;
use std::sync::Arc;

pub type Transform = Arc<dyn Fn(Pattern) -> Pattern + Send + Sync>;

/// What an expression lowers to.
#[derive(Clone)]
pub enum Lowered {
    Pattern(Pattern),
    Transform(Transform),
    List(Vec<Lowered>),
}

type Result<T> = std::result::Result<T, Diagnostic>;

pub struct Lowerer<'a> {
    checked: &'a Checked,
    buses: HashMap<String, Lowered>,
    /// Buses being lowered, to refuse pattern-level feedback.
    visiting: Vec<String>,
}

fn unsupported(e: &Expr, what: &str) -> Diagnostic {
    Diagnostic::error(e.span.clone(), format!("{what} cannot be used as a pattern"))
        .with_label("not a pattern")
        .with_hint("`phonon query` evaluates patterns: strings, transforms, `s`/`n`/`note`, parameters and arithmetic")
}

impl<'a> Lowerer<'a> {
    pub fn new(checked: &'a Checked) -> Self {
        Lowerer {
            checked,
            buses: HashMap::new(),
            visiting: Vec::new(),
        }
    }

    pub fn pattern(&mut self, e: &Expr) -> Result<Pattern> {
        match self.expr(e)? {
            Lowered::Pattern(p) => Ok(p),
            Lowered::Transform(_) => Err(Diagnostic::error(
                e.span.clone(),
                "this is a transform, not a pattern",
            )
            .with_hint("give it a pattern: `fast 2 $ \"bd sn\"`")),
            Lowered::List(_) => Err(Diagnostic::error(e.span.clone(), "a list is not a pattern")
                .with_hint("use `stack [a, b]` or `cat [a, b]`")),
        }
    }

    fn transform(&mut self, e: &Expr) -> Result<Transform> {
        match self.expr(e)? {
            Lowered::Transform(t) => Ok(t),
            _ => Err(Diagnostic::error(e.span.clone(), "expected a transform")
                .with_hint("for example `rev` or `(fast 2)`")),
        }
    }

    fn list(&mut self, e: &Expr) -> Result<Vec<Lowered>> {
        match self.expr(e)? {
            Lowered::List(items) => Ok(items),
            _ => Err(Diagnostic::error(
                e.span.clone(),
                "expected a list `[a, b]`",
            )),
        }
    }

    /// The patterns of a list argument (`stack [a, b]`).
    fn patterns_of(&mut self, e: &Expr) -> Result<Vec<Pattern>> {
        self.list(e)?
            .into_iter()
            .map(|l| match l {
                Lowered::Pattern(p) => Ok(p),
                _ => Err(unsupported(e, "a list item that is not a pattern")),
            })
            .collect()
    }

    /// The transforms of a list argument (`layer [rev, fast 2]`).
    fn transforms_of(&mut self, e: &Expr) -> Result<Vec<Transform>> {
        self.list(e)?
            .into_iter()
            .map(|l| match l {
                Lowered::Transform(t) => Ok(t),
                _ => Err(
                    Diagnostic::error(e.span.clone(), "expected a list of transforms")
                        .with_hint("for example: `layer [rev, fast 2] $ s \"bd sn\"`"),
                ),
            })
            .collect()
    }

    pub fn expr(&mut self, e: &Expr) -> Result<Lowered> {
        crate::deep(|| self.expr_inner(e))
    }

    fn expr_inner(&mut self, e: &Expr) -> Result<Lowered> {
        match &e.kind {
            ExprKind::Number(n) => Ok(Lowered::Pattern(pure(Value::Num(*n)))),
            ExprKind::Str { text, pattern } => {
                let parsed = match pattern {
                    Some(p) => p.clone(),
                    None => parse_mini(text, e.span.start + 1).map_err(|mut d| d.remove(0))?,
                };
                Ok(Lowered::Pattern(lower_mini(&parsed)))
            }
            ExprKind::Bus(name) => self.bus(name, e),
            ExprKind::Ident(name) => self.call(name, e, &[]),
            ExprKind::List(items) => Ok(Lowered::List(
                items.iter().map(|i| self.expr(i)).collect::<Result<_>>()?,
            )),
            ExprKind::Tuple(_) => Err(unsupported(e, "a tuple")),
            ExprKind::App { func, args } => match &func.kind {
                ExprKind::Ident(name) => self.call(name, e, args),
                _ => Err(unsupported(e, "this application")),
            },
            // Constant arithmetic is folded: `late (1/3)` gets the number 1/3, as Strudel does.
            ExprKind::Binary { .. } | ExprKind::Neg(_)
                if crate::resolve::const_eval(e).is_some() =>
            {
                let v = crate::resolve::const_eval(e).expect("checked by the guard");
                Ok(Lowered::Pattern(pure(Value::Num(v))))
            }
            ExprKind::Binary { op, lhs, rhs } => {
                let (l, r) = (self.pattern(lhs)?, self.pattern(rhs)?);
                Ok(Lowered::Pattern(binary(*op, &l, &r)))
            }
            ExprKind::Neg(inner) => {
                let p = self.pattern(inner)?;
                Ok(Lowered::Pattern(p.fmap(|v| numeric(v, |x| -x))))
            }
            ExprKind::Section { op, operand } => {
                let operand = self.expr(operand)?;
                let op = *op;
                Ok(Lowered::Transform(Arc::new(move |p| {
                    match (&operand, op) {
                        (Lowered::Pattern(o), SectionOp::Binary(b)) => binary(b, &p, o),
                        (Lowered::Pattern(o), SectionOp::Chain) => set_controls(&p, o),
                        // Refused by the checker outside `whenT`, which reads it in place.
                        (_, SectionOp::Compare(_)) => silence(),
                        (Lowered::Transform(t), _) => t(p),
                        (Lowered::List(_), _) => p,
                    }
                })))
            }
            ExprKind::Chain { lhs, rhs } => {
                let l = self.expr(lhs)?;
                let r = self.expr(rhs)?;
                Ok(match (l, r) {
                    (Lowered::Pattern(p), Lowered::Pattern(c)) => {
                        Lowered::Pattern(set_controls(&p, &c))
                    }
                    (Lowered::Pattern(p), Lowered::Transform(t)) => Lowered::Pattern(t(p)),
                    (Lowered::Transform(f), Lowered::Pattern(c)) => {
                        Lowered::Transform(Arc::new(move |p| set_controls(&f(p), &c)))
                    }
                    (Lowered::Transform(f), Lowered::Transform(g)) => {
                        Lowered::Transform(Arc::new(move |p| g(f(p))))
                    }
                    _ => return Err(unsupported(e, "`#` on a list")),
                })
            }
            ExprKind::Dollar { items, subject } => {
                let lowered: Vec<Lowered> =
                    items.iter().map(|i| self.expr(i)).collect::<Result<_>>()?;
                let as_transform = |l: &Lowered| match l {
                    Lowered::Transform(t) => Some(t.clone()),
                    _ => None,
                };
                match subject {
                    Some(s) => {
                        let Lowered::Pattern(mut p) = lowered[*s].clone() else {
                            return Err(unsupported(&items[*s], "this subject"));
                        };
                        // Prefix transforms apply nearest-first, suffix ones left to right.
                        for t in lowered[..*s].iter().rev().filter_map(as_transform) {
                            p = t(p);
                        }
                        for t in lowered[*s + 1..].iter().filter_map(as_transform) {
                            p = t(p);
                        }
                        Ok(Lowered::Pattern(p))
                    }
                    None => {
                        let ts: Vec<Transform> = lowered.iter().filter_map(as_transform).collect();
                        Ok(Lowered::Transform(Arc::new(move |mut p| {
                            for t in ts.iter().rev() {
                                p = t(p);
                            }
                            p
                        })))
                    }
                }
            }
        }
    }

    fn bus(&mut self, name: &str, e: &Expr) -> Result<Lowered> {
        if let Some(l) = self.buses.get(name) {
            return Ok(l.clone());
        }
        if self.visiting.iter().any(|v| v == name) {
            return Err(Diagnostic::error(
                e.span.clone(),
                format!("`~{name}` refers to itself as a pattern"),
            )
            .with_hint("feedback works on signals, not on patterns of events"));
        }
        let Some(&index) = self.checked.buses.get(name) else {
            return Err(Diagnostic::error(
                e.span.clone(),
                format!("unknown bus `~{name}`"),
            ));
        };
        let body = match &self.checked.program.statements[index].kind {
            crate::ast::StatementKind::Bus { body, .. } => body.clone(),
            _ => unreachable!("buses index bus statements"),
        };
        self.visiting.push(name.to_string());
        let lowered = self.expr(&body);
        self.visiting.pop();
        let lowered = lowered?;
        self.buses.insert(name.to_string(), lowered.clone());
        Ok(lowered)
    }

    /// Positional arguments (keyword arguments are placed by the resolver's rules: by name).
    fn args<'e>(&self, name: &str, args: &'e [Arg]) -> Vec<&'e Expr> {
        let params: Vec<&str> = crate::builtins::lookup(name)
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

    fn call(&mut self, name: &str, e: &Expr, args: &[Arg]) -> Result<Lowered> {
        let control =
            crate::builtins::lookup(name).and_then(|b| crate::builtins::event_control(b.op, args));
        let args = self.args(name, args);
        let Some(b) = crate::builtins::lookup(name) else {
            return Err(unsupported(e, &format!("`{name}`")));
        };
        if let Some(control) = control {
            return Ok(Lowered::Pattern(control_pattern(
                control,
                &self.pattern(args[0])?,
            )));
        }
        let n_params = b.params.len();
        if let Op::Transform(t) = b.op {
            // A transform given its input as a last argument: `fast 2 "bd sn"`.
            if args.len() == n_params + 1 {
                let t = self.transform_call(t, b, &args[..n_params])?;
                let input = self.pattern(args[n_params])?;
                return Ok(Lowered::Pattern(t(input)));
            }
            return Ok(Lowered::Transform(self.transform_call(t, b, &args)?));
        }
        self.source_call(b, e, &args)
    }

    fn source_call(&mut self, b: &Builtin, e: &Expr, args: &[&Expr]) -> Result<Lowered> {
        let p = |l: &mut Self, i: usize| l.pattern(args[i]);
        let op = b.op;
        let pat = match op {
            Op::Control(control) => control_pattern(control, &p(self, 0)?),
            Op::Stack | Op::Cat | Op::FastCat => {
                let pats = self.patterns_of(args[0])?;
                match op {
                    Op::Stack => stack(pats),
                    Op::FastCat => fastcat(pats),
                    _ => slowcat(pats),
                }
            }
            Op::TimeCat => {
                // The weights must be known when compiling, so the list is written in place.
                let ExprKind::List(items) = &args[0].kind else {
                    return Err(Diagnostic::error(
                        args[0].span.clone(),
                        "`timeCat` needs its `[weight, pattern]` pairs written in place",
                    )
                    .with_hint("for example: `timeCat [[1, s \"bd*4\"], [3, s \"hh*6\"]]`"));
                };
                let mut weighted = Vec::new();
                for item in items {
                    let pair = list_items(item);
                    let (Some(w), Some(p)) = (
                        pair.first().and_then(|w| crate::resolve::const_eval(w)),
                        pair.get(1),
                    ) else {
                        return Err(unsupported(item, "this `timeCat` item"));
                    };
                    weighted.push((Rational::from_f64(w), self.pattern(p)?));
                }
                timecat(weighted)
            }
            Op::Run => {
                let n = p(self, 0)?;
                tf::patterned(&n, &silence(), |v, _| match v.as_f64() {
                    Some(n) if (1.0..=MAX_SUBDIVISION as f64).contains(&n) => {
                        fastcat((0..n as i64).map(|i| pure(Value::Num(i as f64))).collect())
                    }
                    Some(n) if n > MAX_SUBDIVISION as f64 => phonon_runtime::pattern::capped(),
                    _ => silence(),
                })
            }
            Op::Irand => {
                let n = p(self, 0)?;
                tf::patterned(&n, &silence(), |v, _| {
                    signal::irand(v.as_f64().unwrap_or(0.0))
                })
            }
            Op::Rand => signal::rand(),
            // Read when sampled: a signal samples it every 16 frames, events when their
            // cycle is queried.
            Op::MidiCc => {
                let n = p(self, 0)?;
                tf::patterned(&n, &silence(), |v, _| {
                    let n = v.as_f64().unwrap_or(-1.0);
                    signal::signal(move |_, _| phonon_runtime::midi_in::cc(n))
                })
            }
            Op::NoteIn => signal::signal(|_, _| phonon_runtime::midi_in::note()),
            Op::Continuous(Continuous::Cosine) => signal::cosine(),
            Op::Continuous(Continuous::Isaw) => signal::isaw(),
            Op::Continuous(Continuous::Perlin) => signal::perlin(),
            Op::Continuous(Continuous::Isquare) => signal::square().fmap(|v| match v {
                Value::Num(x) => Value::Num(1.0 - x),
                other => other.clone(),
            }),
            Op::Continuous(Continuous::Env(shape)) => tidal::envelope(shape),
            Op::Combine(c) => {
                let ps = (0..args.len())
                    .map(|i| p(self, i))
                    .collect::<Result<Vec<_>>>()?;
                match c {
                    Combine::Sew => tidal::sew(&ps[0], &ps[1], &ps[2]),
                    Combine::Stitch => tidal::stitch(&ps[0], &ps[1], &ps[2]),
                    Combine::EuclidFull => stack(vec![
                        tf::euclid_p(&ps[2], &ps[0], &ps[1]),
                        tf::euclid_p(&ps[3], &negated(&ps[0]), &ps[1]),
                    ]),
                    Combine::EuclidOffFull => stack(vec![
                        euclid_off(&ps[3], &ps[0], &ps[1], &ps[2]),
                        euclid_off(&ps[4], &negated(&ps[0]), &ps[1], &ps[2]),
                    ]),
                    Combine::Ascii => tidal::ascii(&ps[0]),
                    Combine::PerlinWith => signal::perlin_with(&ps[0]),
                    Combine::Scan => ps[0].bind(|v| match v.as_f64() {
                        Some(n) if n <= MAX_SUBDIVISION as f64 => tidal::scan(n as i64),
                        Some(_) => phonon_runtime::pattern::capped(),
                        None => silence(),
                    }),
                }
            }
            Op::Pick(Pick::Pick) => {
                let pats = self.patterns_of(args[0])?;
                lib::pick(pats, &p(self, 1)?)
            }
            Op::Pick(pick) => {
                let list = args[args.len() - 1];
                let pats = self.patterns_of(list)?;
                match pick {
                    Pick::Pick => unreachable!("matched above"),
                    Pick::CycleChoose => choice::cycle_choose(pats),
                    Pick::Squeeze => lib::squeeze(&p(self, 0)?, pats),
                    Pick::Select => choice::select(&p(self, 0)?, pats),
                    Pick::ChooseBy => choice::choose_by(&p(self, 0)?, pats),
                }
            }
            Op::Arrange => {
                let mut sections = Vec::new();
                for item in list_items(args[0]) {
                    let pair = list_items(item);
                    let (Some(n), Some(pat)) = (
                        pair.first().and_then(|w| crate::resolve::const_eval(w)),
                        pair.get(1),
                    ) else {
                        return Err(unsupported(item, "this `arrange` section"));
                    };
                    sections.push((Rational::from_f64(n), self.pattern(pat)?));
                }
                lib::arrange(sections)
            }
            Op::Ur => {
                let t = Rational::from_f64(const_num(args[0]));
                let outer = p(self, 1)?;
                let mut pats = Vec::new();
                for (name, e) in named_items(args[2]) {
                    pats.push((name, self.pattern(e)?));
                }
                let mut fxs = Vec::new();
                for (name, e) in named_items(args[3]) {
                    match self.expr(e)? {
                        Lowered::Transform(f) => fxs.push((name, f)),
                        _ => {
                            return Err(Diagnostic::error(
                                e.span.clone(),
                                "expected a transform here",
                            )
                            .with_hint(
                                "`ur`'s last list names transforms: `[[\"faster\", fast 2]]`",
                            ));
                        }
                    }
                }
                phonon_runtime::pattern::reorder::ur(t, &outer, pats, fxs)
            }
            Op::Overlay => stack(vec![p(self, 0)?, p(self, 1)?]),
            Op::Binary => {
                // `binary n` is `binaryN 8 n`; the bits are a compile-time number.
                let (bits, n) = if args.len() == 2 {
                    (const_num(args[0]) as i64, p(self, 1)?)
                } else {
                    (8, p(self, 0)?)
                };
                n.squeeze_bind(move |v| match v.as_f64() {
                    Some(x) => lib::binary_n(x, bits),
                    None => silence(),
                })
            }
            Op::Choose | Op::RandCat => {
                let pats = self.patterns_of(args[0])?;
                if op == Op::Choose {
                    choice::choose(pats)
                } else {
                    choice::randcat(pats)
                }
            }
            Op::WChoose | Op::WRandCat => {
                let mut weighted = Vec::new();
                for item in list_items(args[0]) {
                    let pair = list_items(item);
                    let (Some(v), Some(w)) = (
                        pair.first(),
                        pair.get(1).and_then(|w| crate::resolve::const_eval(w)),
                    ) else {
                        return Err(unsupported(item, "this weighted choice"));
                    };
                    weighted.push((self.pattern(v)?, w));
                }
                if op == Op::WChoose {
                    choice::wchoose(weighted)
                } else {
                    choice::wrandcat(weighted)
                }
            }
            Op::Silence => silence(),
            Op::Osc(Osc::Sine) if args.is_empty() => signal::sine(),
            Op::Osc(Osc::Saw) if args.is_empty() => signal::saw(),
            Op::Osc(Osc::Square) if args.is_empty() => signal::square(),
            Op::Osc(Osc::Tri) if args.is_empty() => signal::tri(),
            // Signals and effects: the signal lowering makes them.
            Op::Osc(_)
            | Op::Ramp(_)
            | Op::Filter(_)
            | Op::Envelope(_)
            | Op::Reverb
            | Op::Delay
            | Op::Chorus
            | Op::Fx(_)
            | Op::Pan2
            | Op::Transform(_) => return Err(unsupported(e, &format!("`{}`", b.name))),
        };
        Ok(Lowered::Pattern(pat))
    }

    fn transform_call(&mut self, op: T, b: &Builtin, args: &[&Expr]) -> Result<Transform> {
        let mut pats = Vec::new();
        let mut funcs = Vec::new();
        let params = b.params;
        for (i, a) in args.iter().enumerate() {
            match params.get(i).map(|p| p.ty) {
                Some(Ty::Func) => funcs.push(self.transform(a)?),
                // Lists, pairs and names are read in place by the transforms that take them.
                Some(Ty::List | Ty::Pair | Ty::FuncName | Ty::TimeTest) => {}
                _ => pats.push(self.pattern(a)?),
            }
        }
        let a = |i: usize| pats[i].clone();
        let f = |i: usize| funcs[i].clone();
        let t: Transform = match op {
            T::Fast => {
                let x = a(0);
                Arc::new(move |p| tf::fast_p(&p, &x))
            }
            T::Slow => {
                let x = a(0);
                Arc::new(move |p| tf::slow_p(&p, &x))
            }
            T::Early => {
                let x = a(0);
                Arc::new(move |p| tf::early_p(&p, &x))
            }
            T::Late => {
                let x = a(0);
                Arc::new(move |p| tf::late_p(&p, &x))
            }
            T::Rev => Arc::new(|p| tf::rev(&p)),
            T::Ply => {
                let x = a(0);
                Arc::new(move |p| tf::ply_p(&p, &x))
            }
            T::Segment => {
                let x = a(0);
                Arc::new(move |p| tf::segment_p(&p, &x))
            }
            T::Struct => {
                let x = a(0);
                Arc::new(move |p| tf::struct_(&p, &x))
            }
            T::Mask => {
                let x = a(0);
                Arc::new(move |p| tf::mask(&p, &x))
            }
            T::Euclid => {
                let (k, n) = (a(0), a(1));
                Arc::new(move |p| tf::euclid_p(&p, &k, &n))
            }
            T::EuclidRot => {
                let (k, n, r) = (a(0), a(1), a(2));
                Arc::new(move |p| tf::euclid_rot_p(&p, &k, &n, &r))
            }
            T::EuclidLegato => {
                let (k, n) = (a(0), a(1));
                Arc::new(move |p| tf::euclid_legato_p(&p, &k, &n, &pure(Value::Num(0.0))))
            }
            T::Every => {
                let (n, g) = (a(0), f(0));
                Arc::new(move |p| {
                    let g = g.clone();
                    tf::patterned(&n, &p, move |v, p| match v.as_f64() {
                        Some(n) => tf::first_of(p, n as i64, &*g),
                        None => p.clone(),
                    })
                })
            }
            T::LastOf => {
                let (n, g) = (a(0), f(0));
                Arc::new(move |p| {
                    let g = g.clone();
                    tf::patterned(&n, &p, move |v, p| match v.as_f64() {
                        Some(n) => tf::last_of(p, n as i64, &*g),
                        None => p.clone(),
                    })
                })
            }
            T::Whenmod => {
                let (x, y) = (const_num(args[0]), const_num(args[1]));
                let g = f(0);
                Arc::new(move |p| tf::when_mod(&p, x, y, &*g))
            }
            T::Palindrome => Arc::new(|p| tf::palindrome(&p)),
            T::Jux => {
                let g = f(0);
                Arc::new(move |p| lib::jux_by(&p, 1.0, &g))
            }
            T::JuxBy => {
                let (x, g) = (a(0), f(0));
                Arc::new(move |p| {
                    let g = g.clone();
                    tf::patterned(&x, &p, move |v, p| {
                        lib::jux_by(p, v.as_f64().unwrap_or(1.0), &g)
                    })
                })
            }
            T::Off => {
                let (t, g) = (a(0), f(0));
                Arc::new(move |p| lib::off(&p, &t, &g))
            }
            T::Superimpose => {
                let g = f(0);
                Arc::new(move |p| lib::superimpose(&p, &g))
            }
            T::Stut | T::Echo => {
                let count = const_num(args[0]) as i64;
                let (time, feedback) = if op == T::Stut {
                    (a(2), a(1))
                } else {
                    (a(1), a(2))
                };
                Arc::new(move |p| {
                    tf::patterned2(&time, &feedback, &p, move |t, fb, p| {
                        match (tf::value_to_rational(t), fb.as_f64()) {
                            (Some(t), Some(fb)) => lib::echo(p, count, t, fb),
                            _ => silence(),
                        }
                    })
                })
            }
            T::Chop | T::Striate => {
                let x = a(0);
                let striate = op == T::Striate;
                Arc::new(move |p| {
                    tf::patterned(&x, &p, move |v, p| match v.as_f64() {
                        Some(n) if striate => lib::striate(p, n as i64),
                        Some(n) => lib::chop(p, n as i64),
                        None => silence(),
                    })
                })
            }
            T::Iter | T::IterBack => {
                let x = a(0);
                let back = op == T::IterBack;
                Arc::new(move |p| {
                    tf::patterned(&x, &p, move |v, p| match v.as_f64() {
                        Some(n) => lib::iter(p, n as i64, back),
                        None => silence(),
                    })
                    .with_steps(p.steps)
                })
            }
            T::Linger => {
                let x = a(0);
                Arc::new(move |p| {
                    tf::patterned(&x, &p, |v, p| match tf::value_to_rational(v) {
                        Some(t) => lib::linger(p, t),
                        None => silence(),
                    })
                    .with_steps(p.steps)
                })
            }
            T::Chunk | T::ChunkBack => {
                let n = const_num(args[0]) as i64;
                let (g, back) = (f(0), op == T::ChunkBack);
                Arc::new(move |p| lib::chunk(&p, n, &g, back))
            }
            T::Degrade => Arc::new(|p| tf::degrade_by_with(&p, &signal::rand(), 0.5)),
            T::DegradeBy | T::UndegradeBy => {
                let x = a(0);
                let undo = op == T::UndegradeBy;
                Arc::new(move |p| {
                    tf::patterned(&x, &p, move |v, p| {
                        let x = v.as_f64().unwrap_or(0.0);
                        if undo {
                            lib::undegrade_by(p, x)
                        } else {
                            tf::degrade_by_with(p, &signal::rand(), x)
                        }
                    })
                    .with_steps(p.steps)
                })
            }
            T::SometimesBy => {
                let (x, g) = (a(0), f(0));
                Arc::new(move |p| lib::sometimes_by(&p, &x, &g))
            }
            T::Sometimes(probability) => {
                let x = pure(Value::Num(probability));
                let g = f(0);
                Arc::new(move |p| lib::sometimes_by(&p, &x, &g))
            }
            T::Inside | T::Outside => {
                let (x, g) = (a(0), f(0));
                let outside = op == T::Outside;
                Arc::new(move |p| {
                    let g = g.clone();
                    tf::patterned(&x, &p, move |v, p| match tf::value_to_rational(v) {
                        Some(n) if outside => lib::outside(p, n, &g),
                        Some(n) => lib::inside(p, n, &g),
                        None => silence(),
                    })
                })
            }
            T::SwingBy => {
                let (x, n) = (a(0), a(1));
                Arc::new(move |p| {
                    tf::patterned2(&x, &n, &p, |x, n, p| {
                        match (x.as_f64(), tf::value_to_rational(n)) {
                            (Some(x), Some(n)) => lib::swing_by(p, x, n),
                            _ => silence(),
                        }
                    })
                })
            }
            T::Swing => {
                let n = a(0);
                Arc::new(move |p| {
                    tf::patterned(&n, &p, |n, p| match tf::value_to_rational(n) {
                        Some(n) => lib::swing_by(p, 1.0 / 3.0, n),
                        None => silence(),
                    })
                })
            }
            T::Hurry => {
                let x = a(0);
                Arc::new(move |p| tf::patterned(&x, &p, |v, p| lib::hurry(p, v)))
            }
            T::Range => {
                let (lo, hi) = (a(0), a(1));
                Arc::new(move |p| tf::patterned2(&lo, &hi, &p, |lo, hi, p| lib::range(p, lo, hi)))
            }
            T::Legato => {
                let x = control_pattern("legato", &a(0));
                Arc::new(move |p| ops::set(&p, &x))
            }
            T::LoopAt => {
                let n = a(0);
                Arc::new(move |p| {
                    tf::patterned(&n, &p, |v, p| match tf::value_to_rational(v) {
                        Some(n) if !n.is_zero() => lib::loop_at(p, n),
                        _ => silence(),
                    })
                })
            }
            T::Seed => {
                let x = const_num(args[0]);
                Arc::new(move |p| signal::with_seed(&p, x))
            }
            T::Id => Arc::new(|p| p),
            T::Const => {
                let x = a(0);
                Arc::new(move |_| x.clone())
            }
            T::Brak => Arc::new(|p| lib::brak(&p)),
            T::Inv => Arc::new(|p| lib::inv(&p)),
            T::EveryOffset => {
                let (n, o, g) = (a(0), a(1), f(0));
                Arc::new(move |p| {
                    let g = g.clone();
                    tf::patterned2(&n, &o, &p, move |n, o, p| match (n.as_f64(), o.as_f64()) {
                        (Some(n), Some(o)) => tidal::every_offset(p, n as i64, o as i64, &g),
                        _ => p.clone(),
                    })
                })
            }
            T::FoldEvery => {
                let ns: Vec<i64> = list_items(args[0])
                    .iter()
                    .map(|e| const_num(e) as i64)
                    .collect();
                let g = f(0);
                Arc::new(move |p| tidal::fold_every(&p, &ns, &g))
            }
            T::AsNumber => Arc::new(|p| {
                use phonon_runtime::pattern::ops::numeral;
                p.filter_values(|v| numeral(v).is_some())
                    .fmap(|v| numeral(v).map_or(Value::Num(0.0), Value::Num))
            }),
            T::WhenT => {
                let (cmp, x, of_position) = args[0]
                    .time_test()
                    .expect("the checker lets only time tests through");
                let g = f(0);
                let x = Rational::from_f64(x);
                let test = Arc::new(move |t: Rational| {
                    let t = if of_position { t - t.floor() } else { t };
                    cmp.holds(t, x)
                });
                Arc::new(move |p| tidal::when_t(&p, test.clone(), &g))
            }
            T::Within => {
                let (start, end) = const_pair(args[0]);
                let g = f(0);
                Arc::new(move |p| tidal::within(&p, start, end, &g))
            }
            T::SomeCyclesBy | T::SomeCycles(_) => {
                let x = match op {
                    T::SomeCycles(probability) => pure(Value::Num(probability)),
                    _ => a(0),
                };
                let g = f(0);
                Arc::new(move |p| {
                    let g = g.clone();
                    tf::patterned(&x, &p, move |v, p| {
                        choice::some_cycles_by(p, v.as_f64().unwrap_or(0.0), &g)
                    })
                })
            }
            T::Zoom | T::Compress => {
                let (start, end) = const_pair(args[0]);
                let zoom = op == T::Zoom;
                Arc::new(move |p| {
                    if zoom {
                        lib::zoom(&p, start, end)
                    } else {
                        tf::compress(&p, start, end)
                    }
                })
            }
            T::FastGap | T::Trunc | T::Shuffle | T::Scramble => {
                let x = a(0);
                Arc::new(move |p| {
                    tf::patterned(&x, &p, move |v, p| match tf::value_to_rational(v) {
                        Some(r) => match op {
                            T::FastGap => tf::fast_gap(p, r),
                            T::Trunc => tidal::trunc(p, r),
                            T::Shuffle => choice::shuffle(p, r.floor().num()),
                            _ => choice::scramble(p, r.floor().num()),
                        },
                        None => silence(),
                    })
                })
            }
            T::Quantise => {
                let n = const_num(args[0]);
                Arc::new(move |p| tidal::quantise(&p, n))
            }
            T::Rangex => {
                let (lo, hi) = (a(0), a(1));
                Arc::new(move |p| tf::patterned2(&lo, &hi, &p, |lo, hi, p| lib::rangex(p, lo, hi)))
            }
            T::StutWith => {
                let count = const_num(args[0]) as i64;
                let (time, g) = (a(1), f(0));
                Arc::new(move |p| {
                    let g = g.clone();
                    tf::patterned(&time, &p, move |t, p| match tf::value_to_rational(t) {
                        Some(t) => tidal::stut_with(p, count, t, &g),
                        None => silence(),
                    })
                })
            }
            T::PlyWith => {
                let count = const_num(args[0]) as i64;
                let g = f(0);
                Arc::new(move |p| tidal::ply_with(&p, count, &g))
            }
            T::Ghost => {
                let x = if pats.is_empty() {
                    pure(Value::Num(0.125))
                } else {
                    a(0)
                };
                Arc::new(move |p| {
                    tf::patterned(&x, &p, |v, p| match tf::value_to_rational(v) {
                        Some(t) => tidal::ghost(p, t),
                        None => silence(),
                    })
                })
            }
            T::GhostWith => {
                let (x, g) = (a(0), f(0));
                Arc::new(move |p| {
                    let g = g.clone();
                    tf::patterned(&x, &p, move |v, p| match tf::value_to_rational(v) {
                        Some(t) => tidal::ghost_with(p, t, &g),
                        None => silence(),
                    })
                })
            }
            T::Arp => {
                let modes = a(0);
                Arc::new(move |p| arp::arp(&p, &modes))
            }
            T::Arpeggiate => Arc::new(|p| arp::arpeggiate(&p)),
            T::Scale => {
                let names = a(0);
                Arc::new(move |p| scales::scale(&names, &p))
            }
            T::ToScale => {
                let steps: Vec<f64> = list_items(args[0]).iter().map(|e| const_num(e)).collect();
                Arc::new(move |p| scales::to_scale(steps.clone(), &p))
            }
            T::While => {
                let (bools, g) = (a(0), f(0));
                Arc::new(move |p| tidal::while_(&bools, &g, &p))
            }
            T::Fix | T::Unfix | T::Contrast => {
                let id: lib::Func = Arc::new(|p| p);
                let (on, off) = match op {
                    T::Fix => (f(0), id),
                    T::Unfix => (id, f(0)),
                    _ => (f(0), f(1)),
                };
                let ctrls = a(0);
                Arc::new(move |p| tidal::contrast(&on, &off, &ctrls, &p))
            }
            T::Chew => {
                let (n, ipat) = (a(0), a(1));
                Arc::new(move |p| phonon_runtime::pattern::reorder::chew(&p, &n, &ipat))
            }
            T::Rot => {
                let n = a(0);
                Arc::new(move |p| {
                    tf::patterned(&n, &p, |v, p| match v.as_f64() {
                        Some(i) => phonon_runtime::pattern::reorder::rot(p, i.floor() as i64),
                        None => silence(),
                    })
                })
            }
            T::Transpose => {
                use phonon_runtime::pattern::ops::{interval_semitones, transpose_value};
                let amount = a(0);
                Arc::new(move |p| {
                    tf::patterned(&amount, &p, |v, p| {
                        let semitones = match v {
                            Value::Str(s) => interval_semitones(s),
                            v => v.as_f64(),
                        };
                        match semitones {
                            Some(x) => p.fmap(move |v| transpose_value(v, x)),
                            None => silence(),
                        }
                    })
                })
            }
            T::Voicing => Arc::new(|p| phonon_runtime::pattern::voicing::voicing(&p)),
            T::Bite => {
                let (n, ipat) = (a(0), a(1));
                Arc::new(move |p| lib::bite(&p, &n, &ipat))
            }
            T::StriateBy => {
                let (n, len) = (a(0), a(1));
                Arc::new(move |p| {
                    tf::patterned2(&n, &len, &p, |n, len, p| match (n.as_f64(), len.as_f64()) {
                        (Some(n), Some(len)) if n <= MAX_SUBDIVISION as f64 => {
                            tidal::striate_by(p, n as i64, len)
                        }
                        (Some(_), Some(_)) => phonon_runtime::pattern::capped(),
                        _ => silence(),
                    })
                })
            }
            T::EuclidOff => {
                let (k, n, r) = (a(0), a(1), a(2));
                Arc::new(move |p| euclid_off(&p, &k, &n, &r))
            }
            T::EuclidInv => {
                let (k, n) = (a(0), a(1));
                Arc::new(move |p| tf::euclid_p(&p, &negated(&k), &n))
            }
            T::WithinZoomed => {
                let (start, end) = const_pair(args[0]);
                let g = f(0);
                Arc::new(move |p| tidal::within_zoomed(&p, start, end, &g))
            }
            T::ToScaleOctave => {
                let octave = const_num(args[0]);
                let steps: Vec<f64> = list_items(args[1]).iter().map(|e| const_num(e)).collect();
                Arc::new(move |p| scales::to_scale_with_octave(octave, steps.clone(), &p))
            }
            T::PickF => {
                let i = a(0);
                let fs = self.transforms_of(args[1])?;
                Arc::new(move |p| tidal::pick_f(&i, fs.clone(), &p))
            }
            T::Randslice => {
                let n = a(0);
                Arc::new(move |p| {
                    tf::patterned(&n, &p, |v, p| match v.as_f64() {
                        Some(n) if n <= MAX_SUBDIVISION as f64 => tidal::randslice(p, n as i64),
                        Some(_) => phonon_runtime::pattern::capped(),
                        None => silence(),
                    })
                })
            }
            T::Slice | T::Splice => {
                let (n, i) = (a(0), a(1));
                let splice = op == T::Splice;
                Arc::new(move |p| {
                    if splice {
                        lib::splice(&n, &i, &p)
                    } else {
                        lib::slice(&n, &i, &p)
                    }
                })
            }
            T::Stutter => {
                let count = const_num(args[0]) as i64;
                let time = a(1);
                let same: lib::Func = Arc::new(|p| p);
                Arc::new(move |p| {
                    let same = same.clone();
                    tf::patterned(&time, &p, move |t, p| match tf::value_to_rational(t) {
                        Some(t) => tidal::stut_with(p, count, t, &same),
                        None => silence(),
                    })
                })
            }
            T::RolledBy => {
                let t = if pats.is_empty() {
                    pure(Value::Num(0.25))
                } else {
                    a(0)
                };
                Arc::new(move |p| arp::rolled_by(&p, &t))
            }
            T::Spread(how) => {
                // `spread f [v, ..]`: the transform `f v` for each value, as if written.
                let fs = list_items(args[1])
                    .into_iter()
                    .map(|v| {
                        let applied = Expr {
                            kind: ExprKind::App {
                                func: Box::new(args[0].clone()),
                                args: vec![Arg::Positional(v.clone())],
                            },
                            span: v.span.clone(),
                        };
                        self.transform(&applied)
                    })
                    .collect::<Result<Vec<Transform>>>()?;
                Arc::new(move |p| {
                    let each: Vec<Pattern> = fs.iter().map(|t| t(p.clone())).collect();
                    match how {
                        Spread::Slow => slowcat(each),
                        Spread::Fast => fastcat(each),
                        Spread::Choose => choice::randcat(each),
                    }
                })
            }
            T::SpreadF => {
                let fs = self.transforms_of(args[0])?;
                Arc::new(move |p| slowcat(fs.iter().map(|t| t(p.clone())).collect()))
            }
            T::Layer => {
                let fs = self.transforms_of(args[0])?;
                Arc::new(move |p| stack(fs.iter().map(|t| t(p.clone())).collect()))
            }
        };
        Ok(t)
    }
}

/// A pattern of numbers negated (`euclid (-k)` plays the steps `euclid k` leaves empty).
fn negated(p: &Pattern) -> Pattern {
    p.fmap(|v| numeric(v, |x| -x))
}

/// Tidal's `euclidOff k n r`: `euclid k n` shifted `r/n` of a cycle earlier.
fn euclid_off(pat: &Pattern, k: &Pattern, n: &Pattern, r: &Pattern) -> Pattern {
    let played = tf::euclid_p(pat, k, n);
    tf::patterned2(n, r, &played, |n, r, p| match (n.as_f64(), r.as_f64()) {
        (Some(n), Some(r)) if n >= 1.0 => {
            tf::early(p, Rational::from_f64(r) / Rational::from_f64(n))
        }
        _ => silence(),
    })
}

/// A compile-time number (the resolver has checked that it is one).
fn const_num(e: &Expr) -> f64 {
    crate::resolve::const_eval(e).unwrap_or(0.0)
}

/// The two compile-time numbers of a pair `(start, end)` (checked by the resolver).
fn const_pair(e: &Expr) -> (Rational, Rational) {
    match &e.kind {
        ExprKind::Tuple(items) if items.len() == 2 => (
            Rational::from_f64(const_num(&items[0])),
            Rational::from_f64(const_num(&items[1])),
        ),
        _ => (Rational::ZERO, Rational::ONE),
    }
}

/// `ur`'s tables, as the checker let them through.
fn named_items(e: &Expr) -> Vec<(String, &Expr)> {
    crate::ast::named_items(e).unwrap_or_default()
}

fn list_items(e: &Expr) -> Vec<&Expr> {
    match &e.kind {
        ExprKind::List(items) => items.iter().collect(),
        _ => Vec::new(),
    }
}

fn numeric(v: &Value, f: impl Fn(f64) -> f64) -> Value {
    match v {
        Value::Num(x) => Value::Num(f(*x)),
        other => other.clone(),
    }
}

/// `{name: value}` for every event (`s "bd"` → `{s: "bd"}`); `bd:3` becomes `{s: "bd", n: 3}`.
/// A chord in a pitch control (`n "c'maj"`) is an event per note, as in Tidal.
pub fn control_pattern(name: &'static str, p: &Pattern) -> Pattern {
    let expanded;
    let p = if matches!(name, "n" | "note" | "up" | "midinote") {
        expanded = phonon_runtime::pattern::chords::expand(p);
        &expanded
    } else {
        p
    };
    p.fmap(move |v| {
        let mut m = phonon_runtime::pattern::value::Controls::new();
        match (name, v) {
            ("s", Value::List(items)) if !items.is_empty() => {
                m.insert("s", items[0].clone());
                if let Some(n) = items.get(1) {
                    m.insert("n", n.clone());
                }
                if let Some(g) = items.get(2) {
                    m.insert("gain", g.clone());
                }
            }
            // Tidal's `midinote = note . subtract 60`: MIDI numbers (or note names, as
            // Tidal's semitones from c5) less 60.
            ("midinote", v) => {
                let note = phonon_runtime::pattern::ops::numeral(v).map(|x| x - 60.0);
                m.insert("note", note.map_or_else(|| v.clone(), Value::Num));
            }
            _ => {
                m.insert(name, v.clone());
            }
        }
        Value::map(m)
    })
}

/// Tidal's `#`: structure from the left, the right's values override (Strudel `set.in`).
pub fn set_controls(p: &Pattern, c: &Pattern) -> Pattern {
    ops::set(p, c)
}

fn arith(op: Arith, a: &Value, b: &Value) -> Value {
    let (Some(x), Some(y)) = (ops::numeral(a), ops::numeral(b)) else {
        return match op {
            Arith::KeepLeft => a.clone(),
            Arith::KeepRight => b.clone(),
            // Strings that are not note names: Strudel concatenates for `+`.
            Arith::Add => match (a, b) {
                (Value::Str(x), Value::Str(y)) => Value::str(&format!("{x}{y}")),
                _ => a.clone(),
            },
            _ => a.clone(),
        };
    };
    Value::Num(match op {
        Arith::Add => x + y,
        Arith::Sub => x - y,
        Arith::Mul => x * y,
        Arith::Div => x / y,
        Arith::Mod => ((x % y) + y) % y,
        Arith::KeepLeft => return a.clone(),
        Arith::KeepRight => return b.clone(),
    })
}

/// Arithmetic on event values. Two control maps combine key by key; a control map and a
/// plain number apply the number to every numeric control (Tidal's behaviour: `n "0 2" |+ 12`
/// transposes; Strudel 1.2.6 only warns and leaves the map unchanged).
fn combine(op: Arith, a: &Value, b: &Value) -> Value {
    let each = |m: &phonon_runtime::pattern::value::Controls, f: &dyn Fn(&Value) -> Value| {
        Value::map(m.map_values(f))
    };
    match (a, b) {
        (Value::Map(_), Value::Map(_)) => ops::union(a, b, &|x, y| arith(op, x, y)),
        (Value::Map(m), plain) => each(m, &|v| arith(op, v, plain)),
        (plain, Value::Map(m)) => each(m, &|v| arith(op, plain, v)),
        _ => arith(op, a, b),
    }
}

/// Arithmetic between patterns. Plain operators take structure from both sides (Tidal);
/// `|op` from the left, `op|` from the right.
pub fn binary(op: BinOp, l: &Pattern, r: &Pattern) -> Pattern {
    let f = move |a: &Value, b: &Value| combine(op.arith, a, b);
    match op.structure {
        Structure::Left => l.app_left(r, f),
        Structure::Right => l.app_right(r, f),
        Structure::Plain | Structure::Both => l.app_both(r, f),
    }
}
