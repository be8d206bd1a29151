//! Checking calls of built-in functions: argument counts, kinds and keywords, and what a
//! call makes (a value, a control pattern, a transform).

use super::{Kind, Resolver, const_eval};
use crate::ast::{Arg, Expr, ExprKind};
use crate::builtins::{self, Builtin, Role, T, Ty};
use crate::diagnostic::{Diagnostic, Span};
use crate::suggest::did_you_mean;

/// Whether `e` names a transform whose first parameter is a value (`fast`, `chop`, `iter`).
fn takes_one_value(e: &Expr) -> bool {
    matches!(&e.kind, ExprKind::Ident(name) if builtins::lookup(name).is_some_and(|b| {
        b.role == Role::Transform
            && b.params.first().is_some_and(|p| matches!(p.ty, Ty::Value | Ty::Const))
            && b.required() == 1
    }))
}

impl Resolver<'_> {
    pub(super) fn application(&mut self, func: &mut Expr, args: &mut [Arg], span: Span) -> Kind {
        let name = match &func.kind {
            ExprKind::Ident(name) => name.clone(),
            _ => {
                self.visit(func);
                for arg in args.iter_mut() {
                    self.visit_arg(arg);
                }
                if let ExprKind::Bus(name) = &func.kind
                    && !self.bus_bodies.contains_key(name)
                {
                    // Reported as a bus never defined (a misspelt function, likely).
                    return Kind::Unknown;
                }
                let hint = match &func.kind {
                    ExprKind::Str { .. } => {
                        "to play steps one after another, put them in one string: \"bd sn\""
                    }
                    ExprKind::Bus(_) => {
                        "to process a bus, chain it: `~bus # lpf 800`; a function names its parameters where it is defined: `~name x: ...`"
                    }
                    _ => "only a function name can take arguments",
                };
                self.error(
                    Diagnostic::error(func.span.clone(), "this cannot be applied to arguments")
                        .with_label("not a function")
                        .with_secondary(args[0].value().span.clone(), "given an argument here")
                        .with_hint(hint),
                );
                return Kind::Unknown;
            }
        };

        if self.params.contains(&name) {
            // A parameter applied to arguments, in a function's definition: its value is
            // known at each use.
            for arg in args.iter_mut() {
                self.visit_arg(arg);
            }
            return Kind::Unknown;
        }

        // `lpf(800, 0.9)`: call syntax from other languages.
        let takes_pair = builtins::lookup(&name)
            .is_some_and(|b| b.params.first().is_some_and(|p| p.ty == Ty::Pair));
        if let [Arg::Positional(first)] = &*args
            && let ExprKind::Tuple(items) = &first.kind
            && !takes_pair
        {
            let written: Vec<&str> = items
                .iter()
                .map(|i| self.src.get(i.span.clone()).unwrap_or("…"))
                .map(|t| if t.contains(' ') { "(…)" } else { t })
                .collect();
            let suggestion = format!("{name} {}", written.join(" "));
            self.error(
                Diagnostic::error(
                    func.span.start..first.span.end,
                    "`f(a, b)` call syntax is not supported",
                )
                .with_label("call syntax")
                .with_hint(format!(
                    "Phonon applies functions by juxtaposition: write `{suggestion}`"
                )),
            );
            return Kind::Unknown;
        }

        let Some(b) = builtins::lookup(&name) else {
            self.unknown_function(&name, func.span.clone());
            for arg in args.iter_mut() {
                self.visit_arg(arg);
            }
            return Kind::Unknown;
        };
        self.check_call(b, func.span.clone(), args, span)
    }

    /// Visits an argument; a pair `(start, end)` given where one is expected is two values,
    /// not a tuple expression.
    fn visit_param(&mut self, ty: Ty, e: &mut Expr) -> Kind {
        match &mut e.kind {
            // A transform's name, applied to values elsewhere (checked by `check_arg`).
            ExprKind::Ident(name) if ty == Ty::FuncName && builtins::lookup(name).is_some() => {
                Kind::Function
            }
            // A test of time is read in place: its comparison section is refused elsewhere.
            _ if ty == Ty::TimeTest => {
                if e.time_test().is_some() {
                    return Kind::Function;
                }
                self.error(
                    Diagnostic::error(e.span.clone(), "`whenT` tests time with a comparison section")
                        .with_label("not a test of time")
                        .with_hint("of the time in cycles, `(< 4)`, or of the position in the cycle, `(>= 0.5) . cyclePos`; the comparisons are < > <= >= == /="),
                );
                Kind::Unknown
            }
            ExprKind::Tuple(items) if ty == Ty::Pair => {
                for item in items.iter_mut() {
                    self.visit(item);
                }
                Kind::Value
            }
            _ => self.visit(e),
        }
    }

    fn visit_arg(&mut self, arg: &mut Arg) -> Kind {
        match arg {
            Arg::Positional(e) | Arg::Keyword { value: e, .. } => self.visit(e),
        }
    }

    fn check_call(&mut self, b: &Builtin, name_span: Span, args: &mut [Arg], span: Span) -> Kind {
        let takes_input = b.role == Role::Transform;
        let max_positional = b.params.len() + usize::from(takes_input);
        let mut filled: Vec<Option<Span>> = vec![None; b.params.len()];
        let mut input: Option<Kind> = None;
        let mut positional = 0;
        let mut ok = true;

        for arg in args.iter_mut() {
            match arg {
                Arg::Positional(e) => {
                    let index = positional;
                    positional += 1;
                    if index < b.params.len() {
                        filled[index] = Some(e.span.clone());
                        let kind = self.visit_param(b.params[index].ty, e);
                        ok &= self.check_arg(b, index, e, kind);
                    } else if index < max_positional {
                        let kind = self.visit(e);
                        if !kind.is_value() {
                            self.error(
                                Diagnostic::error(
                                    e.span.clone(),
                                    format!(
                                        "`{}` transforms a pattern, but this is {}",
                                        b.name,
                                        kind.describe()
                                    ),
                                )
                                .with_label("the input of the transform")
                                .with_hint(format!("for example: `{}`", b.example)),
                            );
                            ok = false;
                        }
                        input = Some(kind);
                    } else {
                        self.visit(e);
                        let hint = match b.role {
                            Role::Effect => {
                                format!("its input comes through `#` or `$`: e.g. `{}`", b.example)
                            }
                            _ => format!("for example: `{}`", b.example),
                        };
                        self.error(
                            Diagnostic::error(
                                e.span.clone(),
                                format!(
                                    "`{}` takes at most {}, but more are given",
                                    b.name,
                                    count(max_positional, "argument")
                                ),
                            )
                            .with_label("one argument too many")
                            .with_secondary(name_span.clone(), format!("`{}`", b.signature()))
                            .with_hint(hint),
                        );
                        ok = false;
                    }
                }
                Arg::Keyword { name, value } => {
                    let kind = match b.params.iter().find(|p| p.name == name.text) {
                        Some(p) => self.visit_param(p.ty, value),
                        None => self.visit(value),
                    };
                    match b.params.iter().position(|p| p.name == name.text) {
                        None => {
                            let names = b.params.iter().map(|p| p.name);
                            let hint = match did_you_mean(&name.text, names) {
                                Some(s) => format!("did you mean `:{s}`?"),
                                None if b.params.is_empty() => {
                                    format!("`{}` takes no arguments", b.name)
                                }
                                None => format!("its arguments are `{}`", b.signature()),
                            };
                            self.error(
                                Diagnostic::error(
                                    name.span.clone(),
                                    format!("`{}` has no argument `:{}`", b.name, name.text),
                                )
                                .with_label("unknown keyword argument")
                                .with_hint(hint),
                            );
                            ok = false;
                        }
                        Some(index) => {
                            if let Some(prev) = &filled[index] {
                                self.error(
                                    Diagnostic::error(
                                        name.span.clone(),
                                        format!("`:{}` is given twice", name.text),
                                    )
                                    .with_secondary(prev.clone(), "already given here")
                                    .with_hint("give each argument once"),
                                );
                                ok = false;
                            } else {
                                filled[index] = Some(name.span.clone());
                                ok &= self.check_arg(b, index, value, kind);
                            }
                        }
                    }
                }
            }
        }

        let missing: Vec<&str> = b
            .params
            .iter()
            .zip(&filled)
            .filter(|(p, f)| p.default == builtins::Default::Required && f.is_none())
            .map(|(p, _)| p.name)
            .collect();
        if !missing.is_empty() {
            self.error(
                Diagnostic::error(
                    span,
                    format!(
                        "`{}` needs {}, but {} given",
                        b.name,
                        count(b.required(), "argument"),
                        match positional {
                            0 => "none is".to_string(),
                            1 => "1 is".to_string(),
                            n => format!("{n} are"),
                        }
                    ),
                )
                .with_label(format!("missing {}", missing.join(", ")))
                .with_hint(format!(
                    "`{}`, for example `{}`",
                    b.signature(),
                    b.example
                )),
            );
            ok = false;
        }

        if ok && b.op == crate::builtins::Op::Ur {
            ok = self.check_ur(args);
        }
        if !ok {
            return Kind::Unknown;
        }
        match b.role {
            Role::Source => Kind::Value,
            Role::Param => Kind::Control,
            Role::Effect => Kind::Function,
            Role::Transform if input.is_some() => Kind::Value,
            Role::Transform => Kind::Function,
        }
    }

    /// Checks one argument against its parameter; reports and returns false when it does not fit.
    fn check_arg(&mut self, b: &Builtin, index: usize, e: &Expr, kind: Kind) -> bool {
        let p = &b.params[index];
        if kind == Kind::Unknown {
            return true;
        }
        let problem = match p.ty {
            Ty::Value | Ty::Const if kind == Kind::Function => Some((
                format!(
                    "`{}` expects a value for `{}`, but this is a transform",
                    b.name, p.name
                ),
                "a transform needs its input: apply it with `$`".to_string(),
            )),
            Ty::Value | Ty::Const if kind == Kind::List => Some((
                format!(
                    "`{}` expects a value for `{}`, but this is a list",
                    b.name, p.name
                ),
                "to play patterns together use `stack [a, b]`".to_string(),
            )),
            Ty::Const if const_eval(e).is_none() => Some((
                format!("`{}` needs a plain number for `{}`", b.name, p.name),
                format!(
                    "`{}` decides the structure, so it must be known when compiling",
                    p.name
                ),
            )),
            Ty::Func if kind != Kind::Function => Some((
                format!(
                    "`{}` expects a transform for `{}`, but this is {}",
                    b.name,
                    p.name,
                    kind.describe()
                ),
                format!("for example: `{}`", b.example),
            )),
            Ty::FuncName if !takes_one_value(e) => Some((
                format!(
                    "`{}` expects the name of a transform that takes one value for `{}`",
                    b.name, p.name
                ),
                format!("for example: `{}`", b.example),
            )),
            Ty::Pair
                if !matches!(&e.kind, ExprKind::Tuple(items)
                    if items.len() == 2 && items.iter().all(|i| const_eval(i).is_some())) =>
            {
                Some((
                    format!(
                        "`{}` expects a pair of numbers `(start, end)` for `{}`",
                        b.name, p.name
                    ),
                    format!("for example: `{}`", b.example),
                ))
            }
            Ty::List if kind != Kind::List => Some((
                format!(
                    "`{}` expects a list, but this is {}",
                    b.name,
                    kind.describe()
                ),
                format!("for example: `{}`", b.example),
            )),
            _ => None,
        };
        if let Some((message, hint)) = problem {
            self.error(
                Diagnostic::error(e.span.clone(), message)
                    .with_label(format!("argument `{}` of `{}`", p.name, b.signature()))
                    .with_hint(hint),
            );
            return false;
        }
        if matches!(
            b.op,
            crate::builtins::Op::TimeCat | crate::builtins::Op::Arrange
        ) {
            return self.check_time_cat(e);
        }
        if let crate::builtins::Op::Transform(t @ (T::Arp | T::Scale | T::Transpose)) = b.op
            && let ExprKind::Str {
                pattern: Some(mini),
                ..
            } = &e.kind
        {
            return self.check_names(t, mini);
        }
        if b.op == crate::builtins::Op::Control("nudge") {
            return self.check_nudge(e);
        }
        if let crate::builtins::Op::Control(name @ ("chord" | "dictionary" | "mode")) = b.op
            && let ExprKind::Str {
                pattern: Some(mini),
                ..
            } = &e.kind
        {
            return self.check_voicing_words(name, mini);
        }
        true
    }

    /// The words of an `arp` mode, `scale` name or `transpose` interval string: each must be
    /// one (a scale may carry a root, `"c:minor"`); numbers are the operators'
    /// (`"<up down>*2"`).
    fn check_names(&mut self, t: T, mini: &crate::mini::ast::MiniPattern) -> bool {
        use phonon_runtime::pattern::{arp, ops::note_to_midi, scales};
        let mut ok = true;
        for (word, span) in mini.words() {
            let known = word.parse::<f64>().is_ok()
                || match t {
                    T::Arp => arp::MODES.contains(&word),
                    T::Transpose => {
                        phonon_runtime::pattern::ops::interval_semitones(word).is_some()
                    }
                    _ => scales::lookup(word).is_some() || note_to_midi(word).is_some(),
                };
            if known {
                continue;
            }
            if t == T::Transpose {
                self.error(
                    Diagnostic::error(span.clone(), format!("`{word}` is not an interval"))
                        .with_label("not an interval")
                        .with_hint("semitones (`2`, `-5`) or an interval: a degree and a quality, `3M` `3m` `5P` `4A` `5d` (`-2M` down)"),
                );
                ok = false;
                continue;
            }
            let (what, names): (&str, Vec<&str>) = match t {
                T::Arp => ("an arpeggio mode", arp::MODES.to_vec()),
                _ => ("a scale", scales::SCALES.iter().map(|(n, _)| *n).collect()),
            };
            let hint = match did_you_mean(word, names.iter().copied()) {
                Some(s) => format!("did you mean `{s}`?"),
                None => format!("known: {}", names.join(" ")),
            };
            self.error(
                Diagnostic::error(span.clone(), format!("`{word}` is not {what}"))
                    .with_label(format!("not {what}"))
                    .with_hint(hint),
            );
            ok = false;
        }
        ok
    }

    /// `ur t names patterns fx`: the tables are `[["name", value], ..]`, and every word of
    /// the names names a pattern or a function of them.
    fn check_ur(&mut self, args: &mut [Arg]) -> bool {
        let mut positional: Vec<&mut Expr> = args
            .iter_mut()
            .filter_map(|a| match a {
                Arg::Positional(e) => Some(e),
                Arg::Keyword { .. } => None,
            })
            .collect();
        let [_, names, patterns, fx, ..] = positional.as_mut_slice() else {
            return true;
        };
        let mut known: Vec<String> = Vec::new();
        let mut ok = true;
        for (table, what) in [(&**patterns, "pattern"), (&**fx, "transform")] {
            match crate::ast::named_items(table) {
                Ok(items) => known.extend(items.into_iter().map(|(n, _)| n)),
                Err(item) => {
                    self.error(
                        Diagnostic::error(item.span.clone(), format!("`ur` expects `[\"name\", {what}]` here"))
                            .with_label("not a name and a value")
                            .with_hint("e.g. `ur 4 \"a b:fast\" [[\"a\", s \"bd*2\"], [\"b\", s \"hh*4\"]] [[\"fast\", fast 2]]`"),
                    );
                    ok = false;
                }
            }
        }
        if !ok {
            return false;
        }
        for (word, span) in super::string_words(names) {
            if known.contains(&word) {
                continue;
            }
            let hint = match did_you_mean(&word, known.iter().map(String::as_str)) {
                Some(s) => format!("did you mean `{s}`?"),
                None => format!("its names are {}", known.join(", ")),
            };
            self.error(
                Diagnostic::error(
                    span,
                    format!("`{word}` names no pattern or function of this `ur`"),
                )
                .with_label("not in its tables")
                .with_hint(hint),
            );
            ok = false;
        }
        ok
    }

    /// A `nudge` written as numbers (a number, or a string's words) is never negative:
    /// Phonon plays nothing before its time.
    fn check_nudge(&mut self, e: &Expr) -> bool {
        let mut negative: Vec<(f64, Span)> = Vec::new();
        match &e.kind {
            ExprKind::Str {
                pattern: Some(mini),
                ..
            } => {
                for (word, span) in mini.atoms() {
                    if let Ok(x) = word.parse::<f64>()
                        && x < 0.0
                    {
                        negative.push((x, span.clone()));
                    }
                }
            }
            _ => {
                if let Some(x) = crate::resolve::const_eval(e)
                    && x < 0.0
                {
                    negative.push((x, e.span.clone()));
                }
            }
        }
        for (x, span) in &negative {
            self.error(
                Diagnostic::error(span.clone(), format!("a nudge of {x} s would play the event before its time"))
                    .with_label("negative")
                    .with_hint("Phonon plays events when they come, so it can only nudge them later: move the others later instead (`# nudge 0.05` on them), or shift the pattern (`0.01 <~ ...`, in cycles)"),
            );
        }
        negative.is_empty()
    }

    /// The words of a `chord`, `dictionary` or `mode` string: each one `voicing` knows.
    fn check_voicing_words(&mut self, control: &str, mini: &crate::mini::ast::MiniPattern) -> bool {
        use phonon_runtime::pattern::voicing::{DICTIONARIES, Mode, known_chord};
        let mut ok = true;
        for (word, span) in mini.words() {
            let (known, what, hint) = match control {
                "chord" => (
                    known_chord(word),
                    "a chord symbol",
                    "a root `A`..`G` (`Bb`, `F#`) and a symbol: `C`, `Cm`, `C7`, `C^7`, `Cm7`, `Cm7b5`, `Co7`, `Csus`, `C69`, ... (iReal's, as Strudel names them)".to_string(),
                ),
                "dictionary" => (
                    DICTIONARIES.iter().any(|(n, _)| *n == word),
                    "a voicing dictionary",
                    format!(
                        "known: {}",
                        DICTIONARIES.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(" ")
                    ),
                ),
                _ => (
                    Mode::from_name(word).is_some(),
                    "a voicing mode",
                    format!("known: {}", Mode::NAMES.join(" ")),
                ),
            };
            if known {
                continue;
            }
            self.error(
                Diagnostic::error(span.clone(), format!("`{word}` is not {what}"))
                    .with_label(format!("not {what}"))
                    .with_hint(hint),
            );
            ok = false;
        }
        ok
    }

    /// `timeCat [[weight, pattern], ...]` with constant positive weights.
    fn check_time_cat(&mut self, e: &Expr) -> bool {
        let ExprKind::List(items) = &e.kind else {
            return true;
        };
        let mut ok = true;
        for item in items {
            let good = match &item.kind {
                ExprKind::List(pair) if pair.len() == 2 => {
                    const_eval(&pair[0]).is_some_and(|w| w > 0.0)
                }
                _ => false,
            };
            if !good {
                self.error(
                    Diagnostic::error(
                        item.span.clone(),
                        "`timeCat` takes `[weight, pattern]` pairs",
                    )
                    .with_label("not a `[weight, pattern]` pair with a positive number weight")
                    .with_hint("for example: `timeCat [[1, s \"bd*4\"], [3, s \"hh*6\"]]`"),
                );
                ok = false;
            }
        }
        ok
    }
}

pub(super) fn count(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}
