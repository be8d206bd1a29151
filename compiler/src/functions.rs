//! User functions: `~swingy amt pat: swingBy amt 4 $ pat` defines a function of `amt` and
//! `pat`; `~swingy 0.2 (s "hh*8")` uses it. A use is replaced by a copy of the body with the
//! arguments in place of the parameters, before checking, so that everything after this pass
//! (checking, sorts, lowering, the signal graph) sees ordinary expressions, as Tidal's `let`
//! would have them after inlining.
//!
//! Every expression of a checked program must have a position of its own (the side tables
//! are keyed by it, and pattern inputs and sample players are identified by it), so each copy
//! of a body or of an argument is given fresh *virtual* positions, past the end of the file.
//! [`Expansions`] remembers where each copy came from: a diagnostic at a virtual position is
//! moved back to the text it was copied from, with the use that made the copy as a second
//! label ("in this use of `~swingy`").
//!
//! A use may leave out the last argument when the body ends with it (`... $ pat`, `f x pat`,
//! `pat # speed 2`): `every 2 (~swingy 0.2)` is then the transform `swingBy 0.2 4`, as
//! Haskell's partial application gives. A function that uses itself, directly or through
//! others, is an error: expansion would not end.

use crate::ast::{Arg, Expr, ExprKind, Name, Program, SectionOp, StatementKind};
use crate::diagnostic::{Diagnostic, Span};
use crate::mini::ast::{Elem, Group, Op, Sequence, Step};
use std::collections::HashMap;

/// Where the copies made by expansion came from.
#[derive(Debug, Clone, Default)]
pub struct Expansions {
    /// Virtual positions start here (one past the end of the file).
    base: usize,
    /// Copies in the order they were made (so by increasing `start`).
    copies: Vec<Copy>,
    /// Uses that could not be expanded (their error is reported): what the checker says of
    /// what is inside them only repeats it.
    failed: Vec<Span>,
}

#[derive(Debug, Clone)]
struct Copy {
    /// The copy's virtual range.
    start: usize,
    len: usize,
    /// Where the original starts (itself virtual when it was copied from another copy).
    from: usize,
    /// Where the copy is used, and what to say there: for a function's body, the use of
    /// the function; for an argument, the parameter in the body it stands for.
    context: Option<(Span, String)>,
}

/// A function as defined, before any expansion.
struct Def {
    name: Name,
    params: Vec<Name>,
    body: Expr,
}

/// The deepest chain of functions using functions (a generated program, not a written one).
const MAX_DEPTH: usize = 64;

/// The most expressions expansion may make in a program. A function that uses its argument
/// twice, used by one that does the same, doubles at each level: twenty lines could ask for
/// more expressions than memory holds. Written programs stay far below this.
pub const MAX_EXPANDED: usize = 200_000;

/// Expands every use of a user function in `program`. The definitions stay in the program,
/// their bodies with the uses of other functions expanded (so that the checker checks each
/// once). Returns where the copies came from, and the errors of uses and definitions.
pub fn expand(program: &mut Program, src_len: usize) -> (Expansions, Vec<Diagnostic>) {
    let mut ex = Expander {
        defs: HashMap::new(),
        broken: Default::default(),
        out: Expansions {
            base: src_len + 1,
            ..Expansions::default()
        },
        next: src_len + 1,
        made: 0,
        over_limit: false,
        diags: Vec::new(),
        stack: Vec::new(),
    };
    ex.collect(program);
    if ex.defs.is_empty() && ex.broken.is_empty() {
        return (ex.out, ex.diags);
    }
    for st in &mut program.statements {
        match &mut st.kind {
            StatementKind::Function { name, body, .. } => {
                ex.stack.push(name.text.clone());
                ex.expr(body);
                ex.stack.clear();
            }
            _ => {
                if let Some(body) = st.body_mut() {
                    ex.expr(body);
                }
            }
        }
    }
    (ex.out, ex.diags)
}

impl Expansions {
    /// Whether no copies were made (the program has no function uses).
    pub fn is_empty(&self) -> bool {
        self.copies.is_empty()
    }

    /// The position in the file that `span` was copied from, and the uses (outermost last)
    /// that made the copies it is in.
    pub fn real(&self, span: &Span) -> (Span, Vec<(Span, String)>) {
        let mut span = span.clone();
        let mut uses = Vec::new();
        while span.start >= self.base {
            let i = self.copies.partition_point(|c| c.start <= span.start);
            let Some(c) = i.checked_sub(1).map(|i| &self.copies[i]) else {
                break;
            };
            let end = span.end.clamp(span.start, c.start + c.len);
            span = c.from + (span.start - c.start)..c.from + (end - c.start);
            if let Some((at, label)) = &c.context {
                uses.push((self.real(at).0, label.clone()));
            }
        }
        (span, uses)
    }

    /// Where `span` is written in the file.
    pub fn source_span(&self, span: &Span) -> Span {
        self.real(span).0
    }

    /// `e` with every position moved to where it is written in the file (for printing).
    pub fn to_source(&self, e: &mut Expr) {
        if !self.copies.is_empty() {
            shift_spans(e, &|s: &mut Span| *s = self.source_span(s));
        }
    }

    /// Drops what the checker said inside uses that could not be expanded: their error is
    /// reported, and the rest would only repeat it.
    pub fn without_failed(&self, diags: Vec<Diagnostic>) -> Vec<Diagnostic> {
        if self.failed.is_empty() {
            return diags;
        }
        diags
            .into_iter()
            .filter(|d| {
                !self
                    .failed
                    .iter()
                    .any(|f| f.start <= d.span.start && d.span.end <= f.end)
            })
            .collect()
    }

    /// Moves diagnostics at virtual positions to the text they were copied from, with the
    /// uses of the function as second labels; drops repeats of one problem (a mistake in a body is found in the body and
    /// again in each use: it is reported once).
    pub fn remap(&self, diags: Vec<Diagnostic>) -> Vec<Diagnostic> {
        if self.copies.is_empty() && self.failed.is_empty() {
            return diags;
        }
        let mut out: Vec<Diagnostic> = Vec::with_capacity(diags.len());
        for mut d in diags {
            let (span, uses) = self.real(&d.span);
            d.span = span;
            for (s, _) in &mut d.secondary {
                *s = self.real(s).0;
            }
            let repeat = out
                .iter()
                .any(|o| o.span == d.span && o.message == d.message);
            if repeat {
                continue;
            }
            for (call, label) in uses {
                if call != d.span && !d.secondary.iter().any(|(s, _)| *s == call) {
                    d.secondary.push((call, label));
                }
            }
            out.push(d);
        }
        out
    }
}

struct Expander {
    defs: HashMap<String, Def>,
    /// Functions whose definition has an error (reported): their uses are not expanded,
    /// and nothing more is said of them.
    broken: std::collections::HashSet<String>,
    out: Expansions,
    next: usize,
    /// Expressions made by copying so far, and whether the limit on them was reported.
    made: usize,
    over_limit: bool,
    diags: Vec<Diagnostic>,
    /// The functions being expanded, outermost first.
    stack: Vec<String>,
}

impl Expander {
    fn collect(&mut self, program: &Program) {
        let mut buses: HashMap<&str, &Name> = HashMap::new();
        for st in &program.statements {
            if let StatementKind::Bus { name, .. } = &st.kind {
                buses.insert(&name.text, name);
            }
        }
        for st in &program.statements {
            let StatementKind::Function { name, params, body } = &st.kind else {
                continue;
            };
            if let Some(bus) = buses.get(name.text.as_str()) {
                self.diags.push(
                    Diagnostic::error(
                        name.span.clone(),
                        format!("`~{}` is both a bus and a function", name.text),
                    )
                    .with_label("defined as a function here")
                    .with_secondary(bus.span.clone(), "and as a bus here")
                    .with_hint("give one of them another name"),
                );
                self.broken.insert(name.text.clone());
                continue;
            }
            let mut ok = true;
            for (i, p) in params.iter().enumerate() {
                if let Some(first) = params[..i].iter().find(|q| q.text == p.text) {
                    self.diags.push(
                        Diagnostic::error(
                            p.span.clone(),
                            format!("the parameter `{}` is named twice", p.text),
                        )
                        .with_secondary(first.span.clone(), "first named here")
                        .with_hint("give each parameter its own name"),
                    );
                    ok = false;
                }
            }
            if let Some(prev) = self.defs.get(&name.text) {
                self.diags.push(
                    Diagnostic::warning(
                        name.span.clone(),
                        format!("`~{}` is defined again; this definition wins", name.text),
                    )
                    .with_secondary(prev.name.span.clone(), "the earlier definition"),
                );
            }
            if ok {
                self.broken.remove(&name.text);
                self.defs.insert(
                    name.text.clone(),
                    Def {
                        name: name.clone(),
                        params: params.clone(),
                        body: body.clone(),
                    },
                );
            } else {
                self.defs.remove(&name.text);
                self.broken.insert(name.text.clone());
            }
        }
    }

    fn is_function(&self, name: &str) -> bool {
        self.defs.contains_key(name) || self.broken.contains(name)
    }

    /// Expands every use of a function in `e`, arguments first.
    fn expr(&mut self, e: &mut Expr) {
        crate::deep(|| self.expr_inner(e))
    }

    fn expr_inner(&mut self, e: &mut Expr) {
        let call = match &e.kind {
            ExprKind::App { func, .. } => match &func.kind {
                ExprKind::Bus(name) if self.is_function(name) => Some(name.clone()),
                _ => None,
            },
            ExprKind::Bus(name) if self.is_function(name) => Some(name.clone()),
            _ => None,
        };
        match &mut e.kind {
            ExprKind::Number(_) | ExprKind::Str { .. } | ExprKind::Bus(_) | ExprKind::Ident(_) => {}
            ExprKind::List(items) | ExprKind::Tuple(items) | ExprKind::Dollar { items, .. } => {
                items.iter_mut().for_each(|i| self.expr(i))
            }
            ExprKind::App { func, args } => {
                if call.is_none() {
                    self.expr(func);
                }
                for a in args {
                    match a {
                        Arg::Positional(x) | Arg::Keyword { value: x, .. } => self.expr(x),
                    }
                }
            }
            ExprKind::Binary { lhs, rhs, .. } | ExprKind::Chain { lhs, rhs } => {
                self.expr(lhs);
                self.expr(rhs);
            }
            ExprKind::Neg(x) | ExprKind::Section { operand: x, .. } => self.expr(x),
        }
        if let Some(name) = call {
            // After the expansion limit, one error has said it all.
            if self.broken.contains(&name) || self.over_limit {
                self.out.failed.push(e.span.clone());
                return;
            }
            let args = match &e.kind {
                ExprKind::App { args, .. } => args.clone(),
                _ => Vec::new(),
            };
            match self.call(&name, args, e.span.clone()) {
                Ok(expanded) => *e = expanded,
                Err(d) => {
                    self.out.failed.push(e.span.clone());
                    self.diags.push(d);
                }
            }
        }
    }

    /// The expansion of `~name args` written at `at`.
    fn call(&mut self, name: &str, args: Vec<Arg>, at: Span) -> Result<Expr, Diagnostic> {
        let def = &self.defs[name];
        let defined = def.name.span.clone();
        let wanted = def.params.len();
        if let Some(from) = self.stack.iter().position(|f| f == name) {
            let through = if from + 1 == self.stack.len() {
                String::new()
            } else {
                let cycle: Vec<String> = self.stack[from..]
                    .iter()
                    .chain(std::iter::once(&name.to_string()))
                    .map(|f| format!("~{f}"))
                    .collect();
                format!(": {}", cycle.join(" → "))
            };
            return Err(Diagnostic::error(at, format!("`~{name}` uses itself{through}"))
                .with_label("a use of the function inside its own definition")
                .with_secondary(defined, "defined here")
                .with_hint(
                    "functions are expanded where they are used, so one cannot use itself; for something that repeats, use a transform (`every`, `iter`, `stut`) or a bus that feeds back",
                ));
        }
        if self.stack.len() >= MAX_DEPTH {
            return Err(Diagnostic::error(
                at,
                format!("functions use one another more than {MAX_DEPTH} deep here"),
            )
            .with_hint("a chain this long is generated, not written: flatten it"));
        }
        if self.made > MAX_EXPANDED {
            self.over_limit = true;
            return Err(Diagnostic::error(
                at,
                format!("expanding the functions of this program makes more than {MAX_EXPANDED} expressions"),
            )
            .with_label("the use where the limit was reached")
            .with_secondary(defined, "this function")
            .with_hint("a function that uses its argument twice, used by one that does the same, doubles at each level: pass a bus (`~x: ...`) instead of repeating an expression"));
        }
        let mut values = Vec::with_capacity(args.len());
        for a in args {
            match a {
                Arg::Positional(x) => values.push(x),
                Arg::Keyword { name: kw, .. } => {
                    return Err(Diagnostic::error(
                        kw.span,
                        format!("`~{name}` takes its arguments in order, not by name"),
                    )
                    .with_secondary(defined, "defined here")
                    .with_hint("keyword arguments are for built-ins; write the value alone"));
                }
            }
        }
        let given = values.len();
        if given > wanted || given + 1 < wanted {
            let names: Vec<&str> = def.params.iter().map(|p| p.text.as_str()).collect();
            let d = Diagnostic::error(
                at,
                format!(
                    "`~{name}` takes {wanted} argument{} ({}) but is given {given}",
                    if wanted == 1 { "" } else { "s" },
                    names.join(", ")
                ),
            )
            .with_secondary(defined, "defined here");
            return Err(if given + 1 < wanted {
                d.with_hint(format!(
                    "only the last argument (`{}`) can be left out, to use `~{name}` as a transform",
                    names[wanted - 1]
                ))
            } else {
                d.with_hint(format!("write `~{name} {}`", names.join(" ")))
            });
        }
        let params: Vec<String> = def.params.iter().map(|p| p.text.clone()).collect();
        let body = def.body.clone();
        let mut copy = self.relocate(
            &body,
            Some((at.clone(), format!("in this use of `~{name}`"))),
        );
        let last = params.last().cloned();
        self.substitute(&mut copy, name, &params[..given], &values)?;
        if given < wanted {
            let last = last.expect("a function has a parameter");
            copy = eta(copy, &last).ok_or_else(|| {
                Diagnostic::error(
                    at.clone(),
                    format!("`~{name}` is used without its last argument, `{last}`"),
                )
                .with_label("needs every argument here")
                .with_secondary(defined.clone(), "defined here")
                .with_hint(format!(
                    "a function can be used as a transform only when its body ends with its last parameter, once (`... $ {last}`, `f x {last}`, `{last} # speed 2`); give `{last}` here"
                ))
            })?;
        }
        self.stack.push(name.to_string());
        self.expr(&mut copy);
        self.stack.pop();
        Ok(copy)
    }

    /// A copy of `e` at fresh virtual positions.
    fn relocate(&mut self, e: &Expr, context: Option<(Span, String)>) -> Expr {
        let from = e.span.start;
        let len = e.span.end - e.span.start;
        let start = self.next;
        self.next += len + 1;
        self.out.copies.push(Copy {
            start,
            len,
            from,
            context,
        });
        let mut copy = e.clone();
        self.made += size(&copy);
        let shift = |s: &mut Span| {
            let (a, b) = (
                s.start.clamp(from, from + len),
                s.end.clamp(from, from + len),
            );
            *s = start + (a - from)..start + (b - from);
        };
        shift_spans(&mut copy, &shift);
        copy
    }

    /// Puts a fresh copy of `values[i]` wherever `params[i]` is named in `e`.
    fn substitute(
        &mut self,
        e: &mut Expr,
        function: &str,
        params: &[String],
        values: &[Expr],
    ) -> Result<(), Diagnostic> {
        let value_of = |name: &str| params.iter().position(|p| p == name);
        let context =
            |at: &Span, p: &str| Some((at.clone(), format!("`~{function}` uses it as `{p}` here")));
        // A parameter applied to arguments (`~twice f pat: f (f pat)`): the value given for
        // it takes them.
        if let ExprKind::App { func, args } = &mut e.kind
            && let ExprKind::Ident(name) = &func.kind
            && let Some(i) = value_of(name)
        {
            for a in args.iter_mut() {
                match a {
                    Arg::Positional(x) | Arg::Keyword { value: x, .. } => {
                        self.substitute(x, function, params, values)?
                    }
                }
            }
            let f = self.relocate(&values[i], context(&func.span, name));
            let args = std::mem::take(args);
            e.kind = applied(f, args, &e.span)?;
            return Ok(());
        }
        if let ExprKind::Ident(name) = &e.kind
            && let Some(i) = value_of(name)
        {
            *e = self.relocate(&values[i], context(&e.span, name));
            return Ok(());
        }
        match &mut e.kind {
            ExprKind::Number(_) | ExprKind::Str { .. } | ExprKind::Bus(_) | ExprKind::Ident(_) => {}
            ExprKind::List(items) | ExprKind::Tuple(items) | ExprKind::Dollar { items, .. } => {
                for i in items {
                    self.substitute(i, function, params, values)?;
                }
            }
            ExprKind::App { func, args } => {
                self.substitute(func, function, params, values)?;
                for a in args {
                    match a {
                        Arg::Positional(x) | Arg::Keyword { value: x, .. } => {
                            self.substitute(x, function, params, values)?
                        }
                    }
                }
            }
            ExprKind::Binary { lhs, rhs, .. } | ExprKind::Chain { lhs, rhs } => {
                self.substitute(lhs, function, params, values)?;
                self.substitute(rhs, function, params, values)?;
            }
            ExprKind::Neg(x) | ExprKind::Section { operand: x, .. } => {
                self.substitute(x, function, params, values)?
            }
        }
        Ok(())
    }
}

/// `f args` where `f` is the value given for a parameter: a built-in's name or partial
/// application takes the arguments; any other transform takes one argument as its input.
fn applied(f: Expr, mut args: Vec<Arg>, at: &Span) -> Result<ExprKind, Diagnostic> {
    match f.kind {
        ExprKind::Ident(_) => Ok(ExprKind::App {
            func: Box::new(f),
            args,
        }),
        ExprKind::App {
            func,
            args: mut first,
        } if matches!(func.kind, ExprKind::Ident(_)) => {
            first.append(&mut args);
            Ok(ExprKind::App { func, args: first })
        }
        _ if args.len() == 1 && matches!(args[0], Arg::Positional(_)) => {
            let Some(Arg::Positional(input)) = args.pop() else {
                unreachable!("one positional argument")
            };
            Ok(ExprKind::Dollar {
                items: vec![f, input],
                subject: None,
            })
        }
        _ => Err(Diagnostic::error(
            at.clone(),
            "this parameter is applied to several arguments, but its value is not a function name",
        )
        .with_secondary(f.span, "the value given")
        .with_hint("pass a named function or a partial application (`fast`, `every 2`), or apply it with `$`")),
    }
}

fn shift_spans(e: &mut Expr, shift: &impl Fn(&mut Span)) {
    e.walk_mut(&mut |x: &mut Expr| {
        shift(&mut x.span);
        match &mut x.kind {
            ExprKind::Str {
                pattern: Some(p), ..
            } => {
                shift(&mut p.span);
                shift_group(&mut p.root, shift);
            }
            ExprKind::App { args, .. } => {
                for a in args {
                    if let Arg::Keyword { name, .. } = a {
                        shift(&mut name.span);
                    }
                }
            }
            _ => {}
        }
    })
}

fn shift_group(g: &mut Group, shift: &impl Fn(&mut Span)) {
    match g {
        Group::Seq(s) => shift_sequence(s, shift),
        Group::Stack(seqs)
        | Group::Choose {
            alternatives: seqs, ..
        }
        | Group::Feet { feet: seqs, .. } => seqs.iter_mut().for_each(|s| shift_sequence(s, shift)),
    }
}

fn shift_sequence(s: &mut Sequence, shift: &impl Fn(&mut Span)) {
    shift(&mut s.span);
    s.steps.iter_mut().for_each(|st| shift_step(st, shift));
}

fn shift_step(step: &mut Step, shift: &impl Fn(&mut Span)) {
    crate::deep(|| {
        shift(&mut step.span);
        match &mut step.elem {
            Elem::Atom(_) => {}
            Elem::Sub(g) => shift_group(g, shift),
            Elem::Alt(seqs) => seqs.iter_mut().for_each(|s| shift_sequence(s, shift)),
            Elem::Poly {
                sequences,
                steps_per_cycle,
            } => {
                sequences.iter_mut().for_each(|s| shift_sequence(s, shift));
                if let Some(st) = steps_per_cycle {
                    shift_step(st, shift);
                }
            }
        }
        for op in &mut step.ops {
            match op {
                Op::Fast(st) | Op::Slow(st) | Op::Tail(st) | Op::Range(st) => shift_step(st, shift),
                Op::Euclid {
                    pulses,
                    steps,
                    rotation,
                } => {
                    shift_step(pulses, shift);
                    shift_step(steps, shift);
                    if let Some(r) = rotation {
                        shift_step(r, shift);
                    }
                }
                Op::Replicate(_) | Op::Degrade { .. } => {}
            }
        }
    })
}

/// How many expressions `e` is made of.
fn size(e: &Expr) -> usize {
    count(e, &|_| true)
}

/// How many times `name` is named in `e`.
fn uses(e: &Expr, name: &str) -> usize {
    count(e, &|x| is(x, name))
}

/// How many expressions of `e` (itself included) satisfy `test`.
fn count(e: &Expr, test: &impl Fn(&Expr) -> bool) -> usize {
    crate::deep(|| {
        usize::from(test(e))
            + match &e.kind {
                ExprKind::Number(_)
                | ExprKind::Str { .. }
                | ExprKind::Bus(_)
                | ExprKind::Ident(_) => 0,
                ExprKind::List(items) | ExprKind::Tuple(items) | ExprKind::Dollar { items, .. } => {
                    items.iter().map(|i| count(i, test)).sum()
                }
                ExprKind::App { func, args } => {
                    count(func, test) + args.iter().map(|a| count(a.value(), test)).sum::<usize>()
                }
                ExprKind::Binary { lhs, rhs, .. } | ExprKind::Chain { lhs, rhs } => {
                    count(lhs, test) + count(rhs, test)
                }
                ExprKind::Neg(x) | ExprKind::Section { operand: x, .. } => count(x, test),
            }
    })
}

/// `body` without its last parameter `p`, as a transform of it (Haskell's eta reduction):
/// `f x $ p` is `f x`, `f x p` is `f x`, `p # speed 2` is `(# speed 2)`, `p $ fast 2` is
/// `fast 2`. `None` when `p` is not where its input would be, or is named more than once.
fn eta(body: Expr, p: &str) -> Option<Expr> {
    if uses(&body, p) != 1 {
        return None;
    }
    reduce(body, p)
}

fn is(e: &Expr, p: &str) -> bool {
    matches!(&e.kind, ExprKind::Ident(n) if n == p)
}

fn reduce(e: Expr, p: &str) -> Option<Expr> {
    let span = e.span.clone();
    let kind = match e.kind {
        ExprKind::Ident(_) => ExprKind::Ident("id".to_string()),
        ExprKind::Dollar { mut items, .. } => {
            if items.first().is_some_and(|i| is(i, p)) {
                // `p $ t1 $ t2`: t1 then t2; a chain of transforms applies its last first.
                items.remove(0);
                items.reverse();
            } else {
                let last = items.pop()?;
                if uses(&last, p) == 0 {
                    return None;
                }
                if !is(&last, p) {
                    items.push(reduce(last, p)?);
                }
            }
            if items.len() == 1 {
                return items.pop();
            }
            ExprKind::Dollar {
                items,
                subject: None,
            }
        }
        ExprKind::App { func, mut args } => {
            let Some(Arg::Positional(last)) = args.pop() else {
                return None;
            };
            let head = if args.is_empty() {
                *func
            } else {
                Expr::new(ExprKind::App { func, args }, span.clone())
            };
            if is(&last, p) {
                return Some(head);
            }
            // `f (g p)` is `f . g`.
            let inner = reduce(last, p)?;
            ExprKind::Dollar {
                items: vec![head, inner],
                subject: None,
            }
        }
        ExprKind::Chain { lhs, rhs } => {
            let section = Expr::new(
                ExprKind::Section {
                    op: SectionOp::Chain,
                    operand: rhs,
                },
                span.clone(),
            );
            return then(*lhs, section, p, span);
        }
        ExprKind::Binary { op, lhs, rhs } => {
            let section = Expr::new(
                ExprKind::Section {
                    op: SectionOp::Binary(op),
                    operand: rhs,
                },
                span.clone(),
            );
            return then(*lhs, section, p, span);
        }
        _ => return None,
    };
    Some(Expr::new(kind, span))
}

/// `lhs` op `rhs` without `p`, where `p` is in `lhs`: the section after what `lhs` does.
fn then(lhs: Expr, section: Expr, p: &str, span: Span) -> Option<Expr> {
    if is(&lhs, p) {
        return Some(section);
    }
    if uses(&lhs, p) == 0 {
        return None;
    }
    let inner = reduce(lhs, p)?;
    Some(Expr::new(
        ExprKind::Dollar {
            items: vec![section, inner],
            subject: None,
        },
        span,
    ))
}
