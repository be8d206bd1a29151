//! Linking patterns: the closures the runtime queries, built from the trees the graph holds
//! (`pattern_tree.rs`), one per pattern read, instrument and sample player. Until here a
//! pattern is data; this is the one place its closure is made: the subject by the pattern
//! lowerer (`lower/expr.rs`), then each transform of the tree, the first applied first.

use super::Graph;
use super::pattern_tree::PatternTree;
use crate::diagnostic::Diagnostic;
use crate::lower::expr::{Lowered, Lowerer};
use crate::resolve::Checked;
use phonon_runtime::pattern::Pattern;

/// The closures of a graph's patterns, indexed as `graph.hosts`, `graph.polys` and
/// `graph.banks`.
#[derive(Clone, Default)]
pub struct Patterns {
    pub hosts: Vec<Pattern>,
    pub polys: Vec<Pattern>,
    pub banks: Vec<Pattern>,
}

/// Builds the closure of every pattern of `graph`, lowered from `checked`.
pub fn link(graph: &Graph, checked: &Checked) -> Result<Patterns, Vec<Diagnostic>> {
    let mut lowerer = Lowerer::new(checked);
    let mut errors = Vec::new();
    let mut build = |tree: &PatternTree| match build(tree, &mut lowerer) {
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
    };
    if errors.is_empty() {
        Ok(patterns)
    } else {
        Err(errors)
    }
}

fn build(tree: &PatternTree, lowerer: &mut Lowerer) -> Result<Pattern, Diagnostic> {
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
    Ok(p)
}
