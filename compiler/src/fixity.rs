//! Warnings where Tidal's precedence (which Phonon follows) changes what an older Phonon
//! idiom meant: `#` binds tighter than arithmetic, so `~a + ~b # reverb 0.3` applies the
//! reverb to `~b` only, and `s "bd" # gain 1 * 2` multiplies the chained pattern. Written
//! without parentheses, such an expression gets a warning with the parenthesised form that
//! keeps the old meaning.

use crate::ast::{Arg, Expr, ExprKind, Program, StatementKind};
use crate::diagnostic::Diagnostic;

/// The warnings of a parsed program.
pub fn warnings(program: &Program, src: &str) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for s in &program.statements {
        if let StatementKind::Output { body, .. }
        | StatementKind::Bus { body, .. }
        | StatementKind::Function { body, .. } = &s.kind
        {
            walk(body, src, &mut out);
        }
    }
    out
}

fn walk(e: &Expr, src: &str, out: &mut Vec<Diagnostic>) {
    match &e.kind {
        ExprKind::Binary { op, lhs, rhs } => {
            if matches!(op.text().as_str(), "+" | "-" | "*" | "/") {
                check(e, &op.text(), lhs, rhs, src, out);
            }
            walk(lhs, src, out);
            walk(rhs, src, out);
        }
        ExprKind::App { func, args } => {
            walk(func, src, out);
            for a in args {
                let (Arg::Positional(x) | Arg::Keyword { value: x, .. }) = a;
                walk(x, src, out);
            }
        }
        ExprKind::Chain { lhs, rhs } => {
            walk(lhs, src, out);
            walk(rhs, src, out);
        }
        ExprKind::Neg(x) | ExprKind::Section { operand: x, .. } => walk(x, src, out),
        ExprKind::List(items) | ExprKind::Tuple(items) | ExprKind::Dollar { items, .. } => {
            items.iter().for_each(|x| walk(x, src, out))
        }
        ExprKind::Number(_) | ExprKind::Str { .. } | ExprKind::Bus(_) | ExprKind::Ident(_) => {}
    }
}

/// An arithmetic operator `op` (expression `e`) with an unparenthesised `#` chain as an
/// operand.
fn check(e: &Expr, op: &str, lhs: &Expr, rhs: &Expr, src: &str, out: &mut Vec<Diagnostic>) {
    let text = |a: usize, b: usize| src.get(a..b).unwrap_or("").trim().to_string();
    let (span, alternative) = if is_bare_chain(rhs, src) {
        // `a + b # c`: the old reading was `(a + b) # c`.
        let first = left_spine(rhs);
        (
            e.span.clone(),
            format!(
                "({}) {}",
                text(e.span.start, first.span.end),
                text(first.span.end, e.span.end)
            ),
        )
    } else if is_bare_chain(lhs, src) {
        // `a # b * c`: the old reading was `a # (b * c)`.
        let ExprKind::Chain { rhs: last, .. } = &lhs.kind else {
            return;
        };
        (
            e.span.clone(),
            format!(
                "{} ({})",
                text(e.span.start, last.span.start),
                text(last.span.start, e.span.end)
            ),
        )
    } else {
        return;
    };
    out.push(
        Diagnostic::warning(
            span,
            format!("`#` binds tighter than `{op}` (as in Tidal): this `#` applies to one side of `{op}` only"),
        )
        .with_label(format!("read as `{}`", tidal_reading(e, src)))
        .with_hint(format!(
            "if the `#` is meant for the whole expression, write `{alternative}`; to keep Tidal's reading without this warning, parenthesise the `#` chain"
        )),
    );
}

/// The expression as Tidal reads it: the chain operand in parentheses.
fn tidal_reading(e: &Expr, src: &str) -> String {
    let ExprKind::Binary { lhs, rhs, .. } = &e.kind else {
        return String::new();
    };
    let text = |x: &Expr| src.get(x.span.clone()).unwrap_or("").trim().to_string();
    let between = src.get(lhs.span.end..rhs.span.start).unwrap_or("").trim();
    let side = |x: &Expr| {
        if matches!(x.kind, ExprKind::Chain { .. }) {
            format!("({})", text(x))
        } else {
            text(x)
        }
    };
    format!("{} {between} {}", side(lhs), side(rhs))
}

fn is_bare_chain(e: &Expr, src: &str) -> bool {
    matches!(e.kind, ExprKind::Chain { .. }) && !parenthesised(e, src)
}

/// The first operand of a chain `a # b # c`: `a`.
fn left_spine(e: &Expr) -> &Expr {
    match &e.kind {
        ExprKind::Chain { lhs, .. } => left_spine(lhs),
        _ => e,
    }
}

/// Whether `e` is written in parentheses of its own.
fn parenthesised(e: &Expr, src: &str) -> bool {
    let before = src.get(..e.span.start).unwrap_or("").trim_end();
    let after = src.get(e.span.end..).unwrap_or("").trim_start();
    before.ends_with('(') && after.starts_with(')')
}

#[cfg(test)]
mod tests {
    use crate::front_end;

    fn warnings(src: &str) -> Vec<(String, String)> {
        front_end(src)
            .diagnostics
            .iter()
            .filter(|d| d.message.contains("binds tighter"))
            .map(|d| (d.message.clone(), d.hint.clone().unwrap_or_default()))
            .collect()
    }

    #[test]
    fn arithmetic_beside_an_unparenthesised_chain_is_warned_with_the_old_reading() {
        let w = warnings("~a: sine 2\n~b: saw 3\nout: ~a + ~b # lpf 800 0.3\n");
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(w[0].0.contains("than `+`"), "{w:?}");
        assert!(w[0].1.contains("`(~a + ~b) # lpf 800 0.3`"), "{w:?}");
        let w = warnings("out: s \"bd\" # gain 1 * 2\n");
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(w[0].1.contains("`s \"bd\" # (gain 1 * 2)`"), "{w:?}");
        let w = warnings("out: sine 441 * 0.9 # lpf 800 0.5 # gain 0.5\n");
        assert!(
            w[0].1
                .contains("`(sine 441 * 0.9) # lpf 800 0.5 # gain 0.5`"),
            "{w:?}"
        );
    }

    #[test]
    fn parenthesised_or_operator_free_chains_are_not_warned() {
        for src in [
            "out: (sine 441 * 0.9) # lpf 800 0.5\n",
            "out: sine 441 * (0.9 # lpf 800 0.5)\n",
            "out: s \"bd\" # gain 0.9\n",
            "out: n (\"0 2\" + \"<0 7>\") # s \"arpy\"\n",
            "out: jux rev $ s \"bd sn\" # pan 0.5\n",
        ] {
            assert_eq!(warnings(src), vec![], "{src}");
        }
    }
}
