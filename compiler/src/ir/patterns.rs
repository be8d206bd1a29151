//! Linking patterns: the closures the runtime queries, built from the trees the graph holds
//! (`pattern_tree.rs`), one per pattern read, instrument and sample player. Until here a
//! pattern is data; this is the one place its closure is made: the subject by the pattern
//! lowerer (`lower/expr.rs`), then each transform of the tree, the first applied first.

use super::Graph;
use super::pattern_tree::PatternTree;
use super::pattern_tree::Window;
use crate::diagnostic::Diagnostic;
use crate::lower::expr::{Lowered, Lowerer};
use crate::resolve::Checked;
use phonon_runtime::pattern::Pattern;
use phonon_runtime::pattern::once::{StartCycle, one_cycle};

/// The closures of a graph's patterns, indexed as `graph.hosts`, `graph.polys` and
/// `graph.banks`.
#[derive(Clone, Default)]
pub struct Patterns {
    pub hosts: Vec<Pattern>,
    pub polys: Vec<Pattern>,
    pub banks: Vec<Pattern>,
    /// The cycle the program's `once:`/`first:` outputs play at, set by the engine.
    pub start: StartCycle,
    /// A tempo that is a pattern, in cycles per second.
    pub tempo: Option<Pattern>,
}

/// Builds the closure of every pattern of `graph`, lowered from `checked`.
pub fn link(graph: &Graph, checked: &Checked) -> Result<Patterns, Vec<Diagnostic>> {
    let mut lowerer = Lowerer::new(checked);
    let mut errors = Vec::new();
    let start = StartCycle::default();
    let mut build = |tree: &PatternTree| match build(tree, &mut lowerer, &start) {
        Ok(p) => p,
        Err(d) => {
            if !errors.contains(&d) {
                errors.push(d);
            }
            phonon_runtime::pattern::silence()
        }
    };
    let patterns = Patterns {
        hosts: graph.hosts.iter().map(|h| build(&h.tree)).collect(),
        polys: graph.polys.iter().map(|p| build(&p.tree)).collect(),
        banks: graph.banks.iter().map(|b| build(&b.tree)).collect(),
        start: start.clone(),
        tempo: None,
    };
    let mut patterns = patterns;
    if let Some((e, scale)) = &checked.tempo {
        let scale = *scale;
        match lowerer.pattern(e) {
            Ok(p) => {
                patterns.tempo = Some(p.fmap(move |v| match v.as_f64() {
                    Some(x) => phonon_runtime::pattern::Value::Num(x * scale),
                    None => v.clone(),
                }))
            }
            // What makes it no pattern is said at the tempo, not as for `phonon query`.
            Err(d) => errors.push(
                Diagnostic::error(e.span.clone(), "the tempo must be a number or a pattern of numbers")
                    .with_label(d.label.unwrap_or(d.message))
                    .with_hint("a tempo pattern holds numbers, one per cycle: `cps: \"<0.5 0.6>\"`; a signal cannot set the tempo"),
            ),
        }
    }
    if errors.is_empty() {
        Ok(patterns)
    } else {
        Err(errors)
    }
}

fn build(
    tree: &PatternTree,
    lowerer: &mut Lowerer,
    start: &StartCycle,
) -> Result<Pattern, Diagnostic> {
    let mut p = lowerer.pattern(&tree.subject)?;
    for t in &tree.transforms {
        match lowerer.expr(t)? {
            Lowered::Transform(f) => p = f(p),
            _ => {
                return Err(
                    Diagnostic::error(t.span.clone(), "expected a transform here")
                        .with_hint("only one element of a `$` chain is its input"),
                );
            }
        }
    }
    if let Some(window) = tree.window {
        p = one_cycle(&p, window == Window::First, start);
    }
    Ok(p)
}
