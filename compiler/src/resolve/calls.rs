//! Checking calls of built-in functions: argument counts, kinds and keywords, and what a
//! call makes (a value, a control pattern, a transform).

use super::{Kind, Resolver, const_eval};
use crate::ast::{Arg, Expr, ExprKind};
use crate::builtins::{self, Builtin, Role, Ty};
use crate::diagnostic::{Diagnostic, Span};
use crate::suggest::did_you_mean;

impl Resolver<'_> {
    pub(super) fn application(&mut self, func: &mut Expr, args: &mut [Arg], span: Span) -> Kind {
        let name = match &func.kind {
            ExprKind::Ident(name) => name.clone(),
            _ => {
                self.visit(func);
                for arg in args.iter_mut() {
                    self.visit_arg(arg);
                }
                let hint = match &func.kind {
                    ExprKind::Str { .. } => {
                        "to play steps one after another, put them in one string: \"bd sn\""
                    }
                    ExprKind::Bus(_) => "to process a bus, chain it: `~bus # lpf 800`",
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

        // `lpf(800, 0.9)`: call syntax from other languages.
        if let [Arg::Positional(first)] = &*args
            && let ExprKind::Tuple(items) = &first.kind
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
                        let kind = self.visit(e);
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
                    let kind = self.visit(value);
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
        if b.op == crate::builtins::Op::TimeCat {
            return self.check_time_cat(e);
        }
        true
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
