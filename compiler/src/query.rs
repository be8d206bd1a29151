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
    const WRAPPER: &str = "out: ";
    let src = format!("{WRAPPER}{expr}");
    let shift = |span: &std::ops::Range<usize>| {
        span.start.saturating_sub(WRAPPER.len())..span.end.saturating_sub(WRAPPER.len())
    };
    compile_output(&src, None).map_err(|diags| {
        // Point into the expression as the user wrote it, not into the wrapper.
        let shifted: Vec<Diagnostic> = diags
            .into_iter()
            .map(|mut d| {
                d.span = shift(&d.span);
                for (span, _) in &mut d.secondary {
                    *span = shift(span);
                }
                d
            })
            .collect();
        render_all(&shifted, "<expression>", expr, false)
    })
}

/// Compiles a whole program and returns the pattern of one output (the main output, or the
/// only one, when `output` is `None`).
pub fn query_source(src: &str, file: &str, output: Option<&str>) -> Result<Pattern, String> {
    compile_output(src, output).map_err(|diags| {
        if diags.is_empty() {
            // No diagnostics: the output choice was the problem.
            let fe = crate::front_end(src);
            let names: Vec<String> = fe.checked.outputs.keys().map(typed).collect();
            match output {
                Some(name) => format!("no output `{name}` in {file}; it has: {}", names.join(", ")),
                None => format!(
                    "{file} has several outputs ({}); choose one with --out",
                    names.join(", ")
                ),
            }
        } else {
            render_all(&diags, file, src, false)
        }
    })
}

/// Compiles a program and lowers one output. Errors are the diagnostics (empty when the
/// output could not be chosen).
fn compile_output(src: &str, output: Option<&str>) -> Result<Pattern, Vec<Diagnostic>> {
    let fe = crate::front_end(src);
    if fe.has_errors() {
        return Err(fe.diagnostics);
    }
    let checked = &fe.checked;
    let target = match output {
        Some(name) => pick(checked, name).ok_or_else(Vec::new)?,
        None if checked.outputs.contains_key(&OutputName::Main) => OutputName::Main,
        None if checked.outputs.len() == 1 => *checked.outputs.keys().next().expect("one output"),
        None => return Err(Vec::new()),
    };
    let index = checked.outputs[&target];
    let StatementKind::Output { body, .. } = &checked.program.statements[index].kind else {
        unreachable!("outputs index output statements")
    };
    Lowerer::new(checked)
        .pattern(body)
        .map_err(|d| checked.expansions.remap(vec![d]))
}

/// An output as `--out` names it: `out`, `o2`, `d1`, ...; a `once:`/`first:` line as `once`
/// (the only one) or `once:LINE`.
fn pick(checked: &crate::resolve::Checked, name: &str) -> Option<OutputName> {
    if let Some(t) = output_name(name).filter(|t| checked.outputs.contains_key(t)) {
        return Some(t);
    }
    let (word, line) = match name.split_once(':') {
        Some((w, l)) => (w, Some(l.parse::<u32>().ok()?)),
        None => (name, None),
    };
    let first = match word {
        "once" => false,
        "first" => true,
        _ => return None,
    };
    let mut matching = checked.outputs.keys().filter(|o| {
        matches!(o, OutputName::Once { first: f, line: l } if *f == first && line.is_none_or(|n| n == *l))
    });
    let one = *matching.next()?;
    matching.next().is_none().then_some(one)
}

/// An output's name as `--out` takes it.
fn typed(o: &OutputName) -> String {
    match o {
        OutputName::Once { first, line } => {
            format!("{}:{line}", if *first { "first" } else { "once" })
        }
        o => o.to_string(),
    }
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

/// One output of a file and the patterns it plays, each with where it is written
/// (`line:col`; empty when the output is the pattern itself).
pub struct OutputPatterns {
    pub output: String,
    pub patterns: Vec<(String, Pattern)>,
}

/// Every output of a file, in the order the file defines them, with the patterns it plays:
/// an output that is a pattern, that pattern; an output of signals, every pattern its
/// signals read (the note patterns of its synths, its parameters, its sample players), in
/// the order the graph reads them.
pub fn query_outputs(src: &str, file: &str) -> Result<Vec<OutputPatterns>, String> {
    let fe = crate::front_end(src);
    let rendered = |d: Vec<Diagnostic>| render_all(&d, file, src, false);
    if fe.has_errors() {
        return Err(rendered(fe.diagnostics));
    }
    let checked = &fe.checked;
    let mut outputs: Vec<(&OutputName, &usize)> = checked.outputs.iter().collect();
    outputs.sort_by_key(|(_, i)| **i);
    // The signal graph, lowered once if some output is not a pattern.
    let mut lowered: Option<(crate::ir::Graph, crate::ir::patterns::Patterns)> = None;
    let mut all = Vec::new();
    for (name, &index) in outputs {
        let StatementKind::Output { body, .. } = &checked.program.statements[index].kind else {
            unreachable!("outputs index output statements")
        };
        if let Ok(p) = Lowerer::new(checked).pattern(body) {
            all.push(OutputPatterns {
                output: typed(name),
                patterns: vec![(String::new(), p)],
            });
            continue;
        }
        if lowered.is_none() {
            let at = |d: Vec<Diagnostic>| checked.expansions.remap(d);
            let (graph, _) = crate::ir::lower::lower_program(checked, src, 44_100)
                .map_err(|d| rendered(at(d)))?;
            let patterns =
                crate::ir::patterns::link(&graph, checked).map_err(|d| rendered(at(d)))?;
            lowered = Some((graph, patterns));
        }
        let (graph, patterns) = lowered.as_ref().expect("lowered above");
        all.push(OutputPatterns {
            output: typed(name),
            patterns: read_by(graph, patterns, &typed(name)),
        });
    }
    Ok(all)
}

/// The patterns the graph's output `name` reads, through every node it depends on.
fn read_by(
    graph: &crate::ir::Graph,
    patterns: &crate::ir::patterns::Patterns,
    name: &str,
) -> Vec<(String, Pattern)> {
    use crate::ir::NodeKind;
    let Some(out) = graph.outputs.iter().find(|o| o.name == name) else {
        return Vec::new();
    };
    let seen = crate::ir::summary::upstream(graph, out.left, out.right);
    let (mut hosts, mut polys, mut banks) = (Vec::new(), Vec::new(), Vec::new());
    for (node, _) in graph.nodes.iter().zip(&seen).filter(|(_, s)| **s) {
        match node.kind {
            NodeKind::Host { source, .. } if !hosts.contains(&source) => hosts.push(source),
            NodeKind::PolyHost { poly, .. } if !polys.contains(&poly) => polys.push(poly),
            NodeKind::Voices { bank, .. } if !banks.contains(&bank) => banks.push(bank),
            _ => {}
        }
    }
    let mut found = Vec::new();
    for p in polys {
        found.push((graph.polys[p].origin.clone(), patterns.polys[p].clone()));
    }
    for b in banks {
        found.push((graph.banks[b].origin.clone(), patterns.banks[b].clone()));
    }
    for h in hosts {
        found.push((graph.hosts[h].origin.clone(), patterns.hosts[h].clone()));
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expression_errors_point_into_the_expression() {
        let e = query_expression("fast 2 $ lfp 3").unwrap_err();
        assert!(e.contains("<expression>:1:10"), "{e}");
        assert!(!e.contains("out:"), "{e}");
    }

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
