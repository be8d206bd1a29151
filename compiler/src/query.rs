//! Evaluating a pattern expression or one output of a file, for `phonon query` and the
//! conformance tests.

use crate::ast::{OutputName, StatementKind};
use crate::diagnostic::{Diagnostic, render_all};
use crate::lower::expr::Lowerer;
use crate::parser::output_name;
use phonon_runtime::Rational;
use phonon_runtime::pattern::Pattern;

/// Compiles a single expression (`"bd*2" $ fast 2`) to a pattern. Errors come rendered,
/// pointing into the expression.
pub fn query_expression(expr: &str) -> Result<Pattern, String> {
    let src = format!("out: {expr}");
    query_source(&src, "<expression>", None)
}

/// Compiles a whole program and returns the pattern of one output (the main output, or the
/// only one, when `output` is `None`).
pub fn query_source(src: &str, file: &str, output: Option<&str>) -> Result<Pattern, String> {
    let fe = crate::front_end(src);
    if fe.has_errors() {
        return Err(render_all(&fe.diagnostics, file, src, false));
    }
    let checked = &fe.checked;
    let target = match output {
        Some(name) => output_name(name)
            .filter(|t| checked.outputs.contains_key(t))
            .ok_or_else(|| {
                let names: Vec<String> = checked.outputs.keys().map(|o| o.to_string()).collect();
                format!("no output `{name}` in {file}; it has: {}", names.join(", "))
            })?,
        None if checked.outputs.contains_key(&OutputName::Main) => OutputName::Main,
        None if checked.outputs.len() == 1 => *checked.outputs.keys().next().expect("one output"),
        None => {
            let names: Vec<String> = checked.outputs.keys().map(|o| o.to_string()).collect();
            return Err(format!(
                "{file} has several outputs ({}); choose one with --out",
                names.join(", ")
            ));
        }
    };
    let index = checked.outputs[&target];
    let StatementKind::Output { body, .. } = &checked.program.statements[index].kind else {
        unreachable!("outputs index output statements")
    };
    Lowerer::new(checked)
        .pattern(body)
        .map_err(|d: Diagnostic| render_all(&[d], file, src, false))
}

/// A time argument: `2`, `-7/3`, `0.25` (decimals are exact: `0.1` is 1/10).
pub fn rational_arg(text: &str) -> Option<Rational> {
    let text = text.trim();
    if let Some((n, d)) = text.split_once('/') {
        let (n, d) = (n.trim().parse::<i64>().ok()?, d.trim().parse::<i64>().ok()?);
        return (d != 0).then(|| Rational::new(n, d));
    }
    if let Some((int, frac)) = text.split_once('.') {
        let negative = int.starts_with('-');
        let int_part = int.trim_start_matches('-');
        let digits = format!("{int_part}{frac}");
        if frac.is_empty() || frac.len() > 15 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let value: i64 = digits.parse().ok()?;
        let r = Rational::new(value, 10i64.pow(frac.len() as u32));
        return Some(if negative { -r } else { r });
    }
    text.parse::<i64>().ok().map(Rational::int)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_arguments_are_exact() {
        assert_eq!(rational_arg("1/3"), Some(Rational::new(1, 3)));
        assert_eq!(rational_arg("-7/3"), Some(Rational::new(-7, 3)));
        assert_eq!(rational_arg("0.1"), Some(Rational::new(1, 10)));
        assert_eq!(rational_arg("-0.25"), Some(Rational::new(-1, 4)));
        assert_eq!(rational_arg("4"), Some(Rational::int(4)));
        assert_eq!(rational_arg("x"), None);
        assert_eq!(rational_arg("1/0"), None);
    }
}
